//! Mutants: every seeded bug is caught by the shipped suite, and `scn mutants` /
//! `scn run --mutant` report what they should.

use std::path::Path;

use crate::support::{scn, stdout};
use kscn::runner::{self, exec, LoadedFile, Status};
use kscn::sim::Mutant;
use rayon::prelude::*;

/// Whether `title` names the behaviour `id` (`B-ORD-4`, and not a longer id that starts with it).
fn names(title: &str, id: &str) -> bool {
    title.match_indices(id).any(|(at, _)| {
        !title[at + id.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

/// The shipped suite kills every mutant. Running all ~240 scenarios once per mutant takes
/// about 45 s of CPU in a debug build (README "Mutants"), so this test runs, for each
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
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/mutants.md"))
            .expect("docs/mutants.md");
    for m in Mutant::ALL {
        assert!(
            readme.contains(&format!("`{}`", m.id())),
            "README lacks {}",
            m.id()
        );
        assert!(
            doc.contains(&format!("`{}`", m.id())),
            "docs/mutants.md lacks {}",
            m.id()
        );
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
    let note = String::from_utf8_lossy(&mutated.stderr);
    assert!(
        note.contains("note: mutant terminating-not-blocking is on:"),
        "{note}"
    );
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
    assert!(
        text.contains("survivors (no scenario fails with them on):"),
        "{text}"
    );
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
        text.contains(
            "1 scenario(s) fail on the faithful simulation; fix them first (no mutant was run):"
        ),
        "{text}"
    );
    assert!(text.contains(
        "FAIL tests/fixtures/wrong-expectation.scn::a wrong expectation fails with a diff"
    ));
    let missing = scn(&["mutants", "no/such/folder"]);
    assert_eq!(missing.status.code(), Some(2));
    let list = scn(&["mutants", "--list"]);
    assert_eq!(list.status.code(), Some(0));
    assert_eq!(stdout(&list).lines().count(), Mutant::ALL.len());
}

const ASSIGNMENT: &str = "assignments/statefulset-mutants";

#[test]
fn the_mutant_graded_assignment_checks_in_every_format() {
    let out = scn(&["grade", "--check", ASSIGNMENT]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("ok    reference: 11/11 as declared, in every format"),
        "{text}"
    );
    assert!(
        text.contains("ok    samples/weak: 1/11 as declared, in every format"),
        "{text}"
    );
    assert!(
        text.contains("ok    samples/broken: 3/11 as declared, in every format"),
        "{text}"
    );
}

/// The batch grades the samples to their expected scores, the same for any `-j`, and no
/// student-facing file names a hidden or unrevealed mutant.
#[test]
fn the_mutant_graded_batch_scores_as_expected_and_hides_what_it_should() {
    let tmp = tempfile::tempdir().unwrap();
    let mut books = Vec::new();
    for jobs in ["1", "2"] {
        let book = tmp.path().join(format!("gradebook-{jobs}.csv"));
        let reports = tmp.path().join(format!("reports-{jobs}"));
        let out = scn(&[
            "grade",
            ASSIGNMENT,
            "--submissions",
            &format!("{ASSIGNMENT}/samples"),
            "--gradebook",
            book.to_str().unwrap(),
            "--reports",
            reports.to_str().unwrap(),
            "-j",
            jobs,
        ]);
        // Grading succeeded: exit 0 whatever the marks (no --fail-under).
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        books.push(std::fs::read_to_string(&book).unwrap());
        if jobs == "2" {
            for sample in ["weak", "broken"] {
                let dir = reports.join(sample);
                for file in ["student.txt", "prairielearn.json"] {
                    let text = std::fs::read_to_string(dir.join(file)).unwrap();
                    for secret in [Mutant::NoHostname, Mutant::DnsUnready] {
                        assert!(
                            !text.contains(secret.id()),
                            "{sample}/{file} names {secret}"
                        );
                        assert!(!text.contains(secret.summary()), "{sample}/{file}");
                    }
                }
                let student = std::fs::read_to_string(dir.join("student.txt")).unwrap();
                assert!(student.contains("hidden test 8"), "{student}");
                assert!(
                    student.contains("catches mutant 8 (B-DNS-3, B-DNS-5)"),
                    "an unrevealed mutant is named by its behaviours: {student}"
                );
            }
        }
    }
    assert_eq!(books[0], books[1]);
    let rows: Vec<&str> = books[0].lines().skip(1).collect();
    assert_eq!(
        rows,
        ["broken,3,0,0,0,1,2,0,0,0,0", "weak,1,0,0,0,0,0,1,0,0,0"]
    );
}

#[test]
fn broken_student_scenarios_earn_nothing_and_say_why() {
    let out = scn(&[
        "grade",
        ASSIGNMENT,
        "--submission",
        &format!("{ASSIGNMENT}/samples/broken"),
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("typo.scn does not load (its scenarios earn nothing):"),
        "{text}"
    );
    assert!(text.contains("did you mean `apply`?"), "{text}");
    assert!(
        text.contains("ordering.scn::wrong: web-1 starts at once fails on the faithful simulation (it earns nothing)"),
        "{text}"
    );
    assert!(text.contains("Points 3/11"), "{text}");
}

/// A student scenario is untrusted: `apply` paths must stay inside the submission.
#[test]
fn student_scenarios_cannot_read_outside_the_submission() {
    let tmp = tempfile::tempdir().unwrap();
    let sub = tmp.path().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        tmp.path().join("secret.yaml"),
        "apiVersion: v1\nkind: ConfigMap\n",
    )
    .unwrap();
    for (i, bad) in ["../secret.yaml", "/etc/hostname"].iter().enumerate() {
        std::fs::write(
            sub.join(format!("s{i}.scn")),
            format!("scenario \"s\" {{\n  apply \"{bad}\"\n}}\n"),
        )
        .unwrap();
    }
    // A link to a folder is not followed: no loop, nothing read from outside.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(".", sub.join("loop")).unwrap();
        std::os::unix::fs::symlink(tmp.path(), sub.join("up")).unwrap();
    }
    let out = scn(&["grade", ASSIGNMENT, "--submission", sub.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("s0.scn:2:3: apply \"../secret.yaml\" refused"),
        "{text}"
    );
    assert!(
        text.contains("s1.scn:2:3: apply \"/etc/hostname\" refused"),
        "{text}"
    );
    assert!(!text.contains("ConfigMap"), "{text}");
    assert!(text.contains("Points 0/11"), "{text}");
}

#[test]
fn an_unknown_mutant_in_an_assignment_is_a_located_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("assignment.toml"),
        "title = \"t\"\n[[mutant]]\nid = \"update-forward-ordr\"\n",
    )
    .unwrap();
    let out = scn(&["grade", tmp.path().to_str().unwrap(), "--check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[[mutant]] id \"update-forward-ordr\" is not a mutant (did you mean \"update-forward-order\"?)"),
        "{err}"
    );
}

/// A student's own `cluster { max-pods … }` cannot raise the grading budget, so the
/// feedback does not tell the student to raise it; it says what the budget means.
#[test]
fn a_student_scenario_over_the_grading_budget_is_told_so() {
    let tmp = tempfile::tempdir().unwrap();
    let sub = tmp.path().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        sub.join("big.scn"),
        "cluster {\n  max-pods 100000\n}\nscenario \"big\" {\n  apply \"\"\"\n    apiVersion: v1\n    kind: Pod\n    metadata: {name: p}\n    spec:\n      containers: [{name: a, image: nginx}]\n  \"\"\"\n  expect pod/p.spec.containers[0].name == a\n}\n",
    )
    .unwrap();
    let assignment = tmp.path().join("assignment");
    std::fs::create_dir_all(&assignment).unwrap();
    std::fs::write(
        assignment.join("assignment.toml"),
        "title = \"t\"\nscn = \"1\"\nstudent_scenarios = \".\"\n\n[limits]\nmax-pods = 1\nmax-events = 5\n\n[[mutant]]\nid = \"update-forward-order\"\npoints = 1\n",
    )
    .unwrap();
    let out = scn(&[
        "grade",
        assignment.to_str().unwrap(),
        "--submission",
        sub.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert!(text.contains("fails on the faithful simulation"), "{text}");
    assert!(text.contains("the assignment's grading budget"), "{text}");
    assert!(!text.contains("raise it with"), "{text}");
}
