//! Batch grading isolates each submission in a child process (`src/grade/isolate.rs`):
//! a submission that runs past the wall-clock limit, or past the memory limit, is stopped
//! with its reason and scores 0, while the good submissions of the same batch are graded
//! and the gradebook is written complete.

use std::path::Path;
use std::process::{Command, Output};

const REFERENCE: &str = "assignments/statefulset-basics/reference/web.yaml";

/// How the huge submission is huge (both are `Parallel`).
#[derive(Clone, Copy)]
enum Huge {
    /// Two million replicas: memory grows as fast as pods can be created, until the
    /// grading budget's 100,000 pods (which a release build reaches in about 3 s).
    Fast,
    /// 99,000 replicas, inside the pod budget: only the time limit stops it (a release
    /// build takes well over 30 s to make them all Ready).
    Slow,
}

/// An assignment whose budgets let a huge StatefulSet run for a long time (the teacher
/// raised max-pods and max-events), with a good, a huge and another good submission.
/// The good ones take a fraction of a second; the limits in the tests leave them room on
/// a loaded machine.
fn setup(root: &Path, how: Huge) {
    let assignment = root.join("assignment");
    std::fs::create_dir_all(&assignment).unwrap();
    std::fs::write(
        assignment.join("assignment.toml"),
        r#"title = "Runaway"
required_files = ["web.yaml"]

[[scenario]]
file = "web.scn"
title = "*"
points = 2

[limits]
max-pods = 5000000
max-events = 1000000000
"#,
    )
    .unwrap();
    std::fs::write(
        assignment.join("web.scn"),
        "scenario \"The StatefulSet web becomes ready\" {\n  apply submission \"web.yaml\"\n  await statefulset/web ready\n}\n",
    )
    .unwrap();
    let reference =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(REFERENCE)).unwrap();
    let replicas = match how {
        Huge::Fast => "  replicas: 2000000",
        Huge::Slow => "  replicas: 99000",
    };
    let huge = reference
        .replace(
            "  podManagementPolicy: OrderedReady",
            "  podManagementPolicy: Parallel",
        )
        .replace("  replicas: 3", replicas);
    assert_ne!(huge, reference);
    for (name, text) in [
        ("a-good", &reference),
        ("b-huge", &huge),
        ("c-good", &reference),
    ] {
        let dir = root.join("subs").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("web.yaml"), text).unwrap();
    }
}

fn batch(root: &Path, limits: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scn"))
        .args(["grade", "assignment", "--submissions", "subs"])
        .args([
            "--gradebook",
            "book.csv",
            "--reports",
            "reports",
            "--jobs",
            "2",
        ])
        .args(limits)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .output()
        .expect("the scn binary runs")
}

fn check_batch(limits: &[&str], how: Huge, reason: &str) {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path(), how);
    let started = std::time::Instant::now();
    let out = batch(tmp.path(), limits);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        started.elapsed().as_secs() < 120,
        "the runaway was not stopped"
    );
    assert!(text.contains("a-good 2/2\n"), "{text}");
    assert!(text.contains(&format!("b-huge 0/2 ({reason})\n")), "{text}");
    assert!(text.contains("c-good 2/2\n"), "{text}");
    let book = std::fs::read_to_string(tmp.path().join("book.csv")).unwrap();
    assert_eq!(
        book,
        "submission,total,The StatefulSet web becomes ready\na-good,2,2\nb-huge,0,0\nc-good,2,2\n"
    );
    // The student reads why: the reason is in their report, as the test's message.
    let student = std::fs::read_to_string(tmp.path().join("reports/b-huge/student.txt")).unwrap();
    assert!(student.contains(reason), "{student}");
    let results = std::fs::read_to_string(tmp.path().join("reports/b-huge/results.json")).unwrap();
    assert!(results.contains(reason), "{results}");
}

#[test]
fn a_submission_past_the_time_limit_is_stopped_and_the_batch_completes() {
    check_batch(
        &["--time-limit", "3", "--memory-limit", "8192"],
        Huge::Slow,
        "stopped: took more than 3 s",
    );
}

#[cfg(unix)]
#[test]
fn a_submission_past_the_memory_limit_is_stopped_and_the_batch_completes() {
    check_batch(
        &["--time-limit", "600", "--memory-limit", "200"],
        Huge::Fast,
        "stopped: used more than 200 MiB",
    );
}

#[test]
fn the_limits_can_come_from_assignment_toml() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path(), Huge::Slow);
    let toml = tmp.path().join("assignment/assignment.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}time-limit-seconds = 3\n")).unwrap();
    let out = batch(tmp.path(), &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("b-huge 0/2 (stopped: took more than 3 s)\n"),
        "{text}"
    );
    assert!(text.contains("a-good 2/2\n"), "{text}");
}

#[test]
fn the_child_subcommand_grade_one_is_hidden_from_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_scn"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("grade"), "{help}");
    assert!(!help.contains("grade-one"), "{help}");
}

#[test]
fn a_limit_of_zero_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path(), Huge::Slow);
    let out = batch(tmp.path(), &["--time-limit", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--time-limit must be at least 1"), "{err}");
    let toml = tmp.path().join("assignment/assignment.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}memory-limit-mib = 0\n")).unwrap();
    let out = batch(tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("memory-limit-mib = 0"), "{err}");
    assert!(err.contains("a limit must be at least 1"), "{err}");
    assert!(!tmp.path().join("book.csv").exists());
}

/// `--memory-limit 1` stopped every submission, "stopped: used more than 1 MiB", blaming
/// the students for the teacher's slip (or, when the child could not even start, graded
/// without a limit). A limit below what scn needs to start is a usage error.
#[test]
fn a_memory_limit_below_what_scn_needs_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path(), Huge::Slow);
    let out = batch(tmp.path(), &["--memory-limit", "1"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--memory-limit 1 is below the 64 MiB scn itself needs"),
        "{err}"
    );
    let toml = tmp.path().join("assignment/assignment.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}memory-limit-mib = 8\n")).unwrap();
    let out = batch(tmp.path(), &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("memory-limit-mib = 8 in assignment.toml is below"),
        "{err}"
    );
    assert!(!tmp.path().join("book.csv").exists());
}
