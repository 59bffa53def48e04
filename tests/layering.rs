//! The crate's layers, checked on the source text (ARCHITECTURE.md, "Layers"): each layer
//! uses only the layers below it, and the simulation knows no word of the `.scn` language.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/<dir>` (or the file `src/<dir>.rs`), with its text.
fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(path: &Path, out: &mut Vec<(PathBuf, String)>) {
        if path.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(path)
                .expect("a source folder")
                .flatten()
                .map(|e| e.path())
                .collect();
            entries.sort();
            for entry in entries {
                walk(&entry, out);
            }
        } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(path).expect("a source file");
            out.push((path.to_path_buf(), text));
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&src.join(dir), &mut out);
    walk(&src.join(format!("{dir}.rs")), &mut out);
    assert!(!out.is_empty(), "no source under src/{dir}");
    out
}

/// The places in `text` that name the crate's module `module` by a path: `crate::module`,
/// or `super::…::module` reaching the crate root from a nested file.
fn uses_of(text: &str, module: &str) -> Vec<usize> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices(&format!("::{module}")) {
        let after = text[i + 2 + module.len()..].chars().next();
        if after.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let before = &text[..i];
        if before.ends_with("crate") || before.ends_with("kscn") || before.ends_with("super") {
            found.push(text[..i].matches('\n').count() + 1);
        }
    }
    found
}

/// The layers, bottom up, and what each must not use. `suggest` (edit distance) and
/// `quantity` (resource quantities) are below them all.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "suggest",
        &[
            "quantity",
            "sim",
            "kubectl",
            "lang",
            "diagnostic",
            "runner",
            "grade",
            "harness",
            "init",
        ],
    ),
    (
        "quantity",
        &[
            "suggest",
            "sim",
            "kubectl",
            "lang",
            "diagnostic",
            "runner",
            "grade",
            "harness",
            "init",
        ],
    ),
    (
        "sim",
        &[
            "kubectl",
            "lang",
            "diagnostic",
            "runner",
            "grade",
            "harness",
            "init",
        ],
    ),
    (
        "kubectl",
        &["lang", "diagnostic", "runner", "grade", "harness", "init"],
    ),
    (
        "lang",
        &[
            "sim",
            "kubectl",
            "diagnostic",
            "runner",
            "grade",
            "harness",
            "init",
        ],
    ),
    (
        "diagnostic",
        &["sim", "kubectl", "runner", "grade", "harness", "init"],
    ),
    ("runner", &["grade", "harness", "init"]),
    ("grade", &["harness", "init"]),
];

#[test]
fn each_layer_uses_only_the_layers_below_it() {
    let mut wrong = Vec::new();
    for (layer, forbidden) in FORBIDDEN {
        // Unit-test folders may drive a layer through a higher one (a test applies
        // manifests with kubectl's client, as a user would); the layer itself may not.
        let code = sources(layer)
            .into_iter()
            .filter(|(path, _)| !path.components().any(|c| c.as_os_str() == "tests"));
        for (path, text) in code {
            for module in *forbidden {
                for line in uses_of(&text, module) {
                    wrong.push(format!("{}:{line} uses `{module}`", path.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn the_layering_check_sees_a_use() {
    // The check itself: it finds both path forms, and not a longer name.
    assert_eq!(uses_of("use crate::grade::paths;", "grade"), [1]);
    assert_eq!(
        uses_of(
            "x\n let t = super::super::kubectl::printers::pods;",
            "kubectl"
        ),
        [2]
    );
    assert!(uses_of("use crate::grade_book;", "grade").is_empty());
    assert!(uses_of("let x = a::grade;", "grade").is_empty());
}

/// Words of the `.scn` language (statements, the `cluster` block's settings), which the
/// simulation must neither print nor mention.
const LANGUAGE_WORDS: &[&str] = &[
    "cluster block",
    "setup block",
    "max-events",
    "max-pods",
    "max-time",
    "node-capacity",
    "scenario",
    "scenarios",
    ".scn",
    "await",
    "expect",
    "throughout",
];

/// Where `word` occurs in `text` as a word (case-insensitive), leaving out Rust's own
/// `.expect(…)`.
fn mentions(text: &str, word: &str) -> Vec<usize> {
    let lower = text.to_ascii_lowercase();
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut found = Vec::new();
    for (i, _) in lower.match_indices(word) {
        let before = lower[..i].chars().next_back();
        let after = lower[i + word.len()..].chars().next();
        let alnum_start = word.starts_with(|c: char| c.is_alphanumeric());
        if (alnum_start && is_word(before)) || is_word(after) {
            continue;
        }
        if word == "expect" && (before == Some('.') || after == Some('(')) {
            continue;
        }
        found.push(lower[..i].matches('\n').count() + 1);
    }
    found
}

#[test]
fn the_simulation_knows_no_word_of_the_language() {
    let mut wrong = Vec::new();
    // Unit-test folders may read the project's scenario folders (for their manifests).
    let code = sources("sim")
        .into_iter()
        .filter(|(path, _)| !path.components().any(|c| c.as_os_str() == "tests"));
    for (path, text) in code {
        for word in LANGUAGE_WORDS {
            for line in mentions(&text, word) {
                wrong.push(format!("{}:{line} mentions \"{word}\"", path.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the runner words these, not the simulation:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_word_check_sees_a_word() {
    assert_eq!(
        mentions("// raise `max-pods N` in the cluster block", "max-pods"),
        [1]
    );
    assert_eq!(mentions("a\n\"the Scenario needs\"", "scenario"), [2]);
    assert_eq!(mentions("await pod/web-0 ready", "await"), [1]);
    assert!(mentions("world.settle().expect(\"settles\")", "expect").is_empty());
    assert!(mentions("the expected value, unexpected", "expect").is_empty());
    assert!(mentions("scenarios_total", "scenario").is_empty());
}
