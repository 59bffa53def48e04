//! Mutants: every seeded bug is caught by the shipped suite, and `scn mutants` /
//! `scn run --mutant` report what they should.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kscn::runner::{self, exec, LoadedFile, Status};
use kscn::sim::Mutant;
use rayon::prelude::*;

fn scn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scn"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the scn binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Whether `title` names the behaviour `id` (`B-ORD-4` but not `B-ORD-45`).
fn names(title: &str, id: &str) -> bool {
    title.match_indices(id).any(|(at, _)| {
        !title[at + id.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

/// The shipped suite kills every mutant. Running all ~240 scenarios once per mutant takes
/// about a minute in a debug build on a shared 2-core machine, so this test runs, for each
/// mutant, only the scenarios whose titles name one of the behaviours the mutant breaks
/// (which is what the behaviour ids promise), stopping at the first that kills it. The
/// full run is `scn mutants scenarios/` (README "Mutants"). A new mutant without a
/// scenario naming its behaviour and catching it fails here.
#[test]
fn the_shipped_scenarios_kill_every_mutant() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = runner::discover(&[root.join("scenarios")]).expect("scenarios/ exists");
    let loaded: Vec<LoadedFile> = files
        .iter()
        .map(|(path, shown)| runner::load::load(path, shown).expect("shipped files load"))
        .collect();
    let survivors: Vec<String> = Mutant::ALL
        .par_iter()
        .filter_map(|&mutant| {
            let mut tried = Vec::new();
            for file in &loaded {
                for (index, scenario) in file.ast.scenarios.iter().enumerate() {
                    if !mutant.behaviors().iter().any(|b| names(&scenario.title, b)) {
                        continue;
                    }
                    tried.push(format!("{}::{}", file.display, scenario.title));
                    let faithful = exec::run_scenario_mutant(file, index, None);
                    assert_eq!(
                        faithful.status,
                        Status::Passed,
                        "{}::{} fails on the faithful simulation",
                        file.display,
                        scenario.title
                    );
                    let mutated = exec::run_scenario_mutant(file, index, Some(mutant));
                    if matches!(mutated.status, Status::Failed(_)) {
                        return None;
                    }
                }
            }
            Some(format!(
                "{} ({}; {}) survives the {} scenario(s) naming its behaviours: {:?}",
                mutant.id(),
                mutant.summary(),
                mutant.behaviors().join(", "),
                tried.len(),
                tried
            ))
        })
        .collect();
    assert!(
        survivors.is_empty(),
        "write a scenario in scenarios/behaviors/ that fails with these mutants on:\n{}",
        survivors.join("\n")
    );
}

#[test]
fn at_least_twenty_mutants_each_documented() {
    assert!(Mutant::ALL.len() >= 20);
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/mutants.md"))
        .expect("docs/mutants.md");
    for m in Mutant::ALL {
        assert!(readme.contains(&format!("`{}`", m.id())), "README lacks {}", m.id());
        assert!(doc.contains(&format!("`{}`", m.id())), "docs/mutants.md lacks {}", m.id());
    }
}

#[test]
fn run_with_a_mutant_fails_a_scenario_that_catches_it() {
    let file = "scenarios/behaviors/ordered-ready.scn";
    let filter = "B-ORD-4";
    let faithful = scn(&["run", file, "--filter", filter]);
    assert_eq!(faithful.status.code(), Some(0), "{}", stdout(&faithful));
    let mutated = scn(&[
        "run",
        file,
        "--filter",
        filter,
        "--mutant",
        "terminating-not-blocking",
    ]);
    assert_eq!(mutated.status.code(), Some(1), "{}", stdout(&mutated));
    let unknown = scn(&["run", file, "--mutant", "terminating-not-blockin"]);
    assert_eq!(unknown.status.code(), Some(2));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.contains("no mutant \"terminating-not-blockin\"")
            && err.contains("did you mean \"terminating-not-blocking\"?"),
        "{err}"
    );
}

const WEAK: &str = "assignments/statefulset-mutants/samples/weak";

#[test]
fn mutants_reports_kills_survivors_and_score_in_both_formats() {
    let human = scn(&["mutants", WEAK, "-j", "2"]);
    let text = stdout(&human);
    assert_eq!(human.status.code(), Some(1), "survivors exit 1: {text}");
    assert!(text.contains("kills per scenario:"), "{text}");
    assert!(text.contains("survivors (no scenario fails with them on):"), "{text}");
    assert!(
        text.contains("  scale-down-forward-order: scale-down removes the lowest condemned ordinal first (B-ORD-5, B-TUT-4)"),
        "{text}"
    );
    assert!(text.contains("mutation score: "), "{text}");
    let again = scn(&["mutants", WEAK, "-j", "1"]);
    assert_eq!(stdout(&again), text, "the report is the same for any -j");

    let json = scn(&["mutants", WEAK, "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value["mutants_run"], true);
    assert_eq!(value["total"], Mutant::ALL.len());
    let survivors = value["survivors"].as_array().expect("survivors");
    assert!(survivors.iter().any(|s| s == "scale-down-forward-order"));
    let killed = value["killed"].as_u64().expect("killed") as usize;
    assert_eq!(killed + survivors.len(), Mutant::ALL.len());
    assert!(killed > 0, "the weak suite still kills some mutants");
    let total_kills: usize = value["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| s["kills"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(total_kills >= killed);
}

#[test]
fn mutants_stops_when_a_scenario_fails_on_the_faithful_simulation() {
    let out = scn(&["mutants", "tests/fixtures/wrong-expectation.scn"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("1 scenario(s) fail on the faithful simulation; fix them first (no mutant was run):"),
        "{text}"
    );
    assert!(text.contains("FAIL tests/fixtures/wrong-expectation.scn::a wrong expectation fails with a diff"));
    let missing = scn(&["mutants", "no/such/folder"]);
    assert_eq!(missing.status.code(), Some(2));
    let list = scn(&["mutants", "--list"]);
    assert_eq!(list.status.code(), Some(0));
    assert_eq!(stdout(&list).lines().count(), Mutant::ALL.len());
}

#[allow(dead_code)]
fn unused(_: PathBuf) {}
