//! docs/behaviors.md is the catalogue of the behaviours scn reproduces: every id it lists
//! is named by a scenario or a test, and every id a scenario or test names is listed.

use std::collections::BTreeSet;
use std::path::Path;

const CATALOGUE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/behaviors.md"));

/// Behaviour ids (`B-` + upper-case letters + `-` + digits) in `text`.
fn ids(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("B-") {
        if at > 0 && text.as_bytes()[at - 1].is_ascii_alphanumeric() {
            continue;
        }
        let rest = &text[at + 2..];
        let letters = rest.chars().take_while(|c| c.is_ascii_uppercase()).count();
        if letters == 0 || !rest[letters..].starts_with('-') {
            continue;
        }
        let digits = rest[letters + 1..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits > 0 {
            found.insert(format!("B-{}", &rest[..letters + 1 + digits]));
        }
    }
    found
}

/// The ids the catalogue defines: the first cell of a table row (`| B-ORD-3 | …`) or the
/// bold head of a list entry (`- **B-SCHED-4** — …`).
fn catalogue_ids() -> BTreeSet<String> {
    CATALOGUE
        .lines()
        .filter_map(|l| {
            l.strip_prefix("| B-")
                .map(|rest| rest.split('|').next().unwrap_or_default())
                .or_else(|| {
                    l.strip_prefix("- **B-")
                        .map(|rest| rest.split("**").next().unwrap_or_default())
                })
        })
        .flat_map(|head| ids(&format!("B-{head}")))
        .collect()
}

fn named_in(dir: &Path, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            named_in(&path, out);
        } else if path.ends_with("tests/behaviors.rs") {
            // This file's own examples prove nothing.
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("scn" | "rs" | "yaml" | "md")
        ) {
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.extend(ids(unit_tests_only(&path, &text)));
            }
        }
    }
}

/// In `src/`, only a file's unit tests (what follows its `#[cfg(test)]`) can prove a
/// behaviour; a doc comment that names an id proves nothing.
fn unit_tests_only<'a>(path: &Path, text: &'a str) -> &'a str {
    let in_src = path
        .components()
        .any(|c| c.as_os_str() == std::ffi::OsStr::new("src"));
    if !in_src {
        return text;
    }
    // A file of a `tests` folder under `src/` is unit tests throughout.
    if path
        .components()
        .any(|c| c.as_os_str() == std::ffi::OsStr::new("tests"))
    {
        return text;
    }
    match text.find("#[cfg(test)]") {
        Some(at) => &text[at..],
        None => "",
    }
}

fn named_by_tests_and_scenarios() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut named = BTreeSet::new();
    named_in(&root.join("scenarios"), &mut named);
    named_in(&root.join("tests"), &mut named);
    named_in(&root.join("src"), &mut named);
    named
}

#[test]
fn the_id_reader_reads_ids_and_nothing_else() {
    let found = ids("B-ORD-3, (B-DNS-12) XB-NO-1 B-x-1 B-ORD- B-UPD-11.");
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        vec!["B-DNS-12", "B-ORD-3", "B-UPD-11"]
    );
}

#[test]
fn every_catalogued_behaviour_is_named_by_a_scenario_or_test() {
    let catalogue = catalogue_ids();
    assert!(catalogue.len() >= 150, "{} ids", catalogue.len());
    let named = named_by_tests_and_scenarios();
    let unproven: Vec<&String> = catalogue.difference(&named).collect();
    assert!(
        unproven.is_empty(),
        "docs/behaviors.md lists ids no scenario or test names: {unproven:?}"
    );
}

#[test]
fn every_behaviour_a_scenario_or_test_names_is_catalogued() {
    let catalogue = catalogue_ids();
    let named = named_by_tests_and_scenarios();
    let missing: Vec<&String> = named.difference(&catalogue).collect();
    assert!(
        missing.is_empty(),
        "scenarios or tests name ids docs/behaviors.md does not list: {missing:?}"
    );
}
