//! The `scn` binary end to end: exit codes, locations and diffs in the report.

use std::path::Path;
use std::process::{Command, Output};

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

fn fixture(name: &str) -> String {
    Path::new("tests/fixtures").join(name).display().to_string()
}

#[test]
fn shipped_scenarios_pass() {
    let out = scn(&["run", "scenarios"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains(" passed, 0 failed"));
}

#[test]
fn a_wrong_expectation_exits_1_with_location_and_diff() {
    let out = scn(&["run", &fixture("wrong-expectation.scn")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "FAIL tests/fixtures/wrong-expectation.scn::a wrong expectation fails with a diff"
        ),
        "{text}"
    );
    assert!(
        text.contains("--> tests/fixtures/wrong-expectation.scn:4:3"),
        "{text}"
    );
    assert!(
        text.contains("-  web-2,"),
        "the missing pod is shown as removed: {text}"
    );
    assert!(text.contains("pods at that moment"), "{text}");
    assert!(text.contains("0 passed, 1 failed"), "{text}");
}

#[test]
fn a_typo_exits_2_with_line_column_and_caret() {
    let out = scn(&["run", &fixture("typo.scn")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("tests/fixtures/typo.scn:3:3"), "{text}");
    assert!(
        text.contains("^^^^^"),
        "a caret underlines the word: {text}"
    );
    assert!(text.contains("scale"), "the hint suggests `scale`: {text}");
}

#[test]
fn a_selector_mismatch_is_refused_with_the_upstream_text() {
    let out = scn(&["run", &fixture("selector-mismatch.scn")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("The StatefulSet \"web\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`"),
        "{text}"
    );
}

#[test]
fn a_missing_manifest_and_broken_yaml_exit_2_and_other_files_still_run() {
    let out = scn(&[
        "run",
        &fixture("missing-manifest.scn"),
        &fixture("broken-yaml.scn"),
        &fixture("wrong-expectation.scn"),
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "exit 2 wins over 1: {text}");
    assert!(
        text.contains("cannot read manifest \"manifests/nope.yaml\""),
        "{text}"
    );
    assert!(
        text.contains("tests/fixtures/missing-manifest.scn:2:9"),
        "{text}"
    );
    assert!(text.contains("tests/fixtures/broken-yaml.scn:"), "{text}");
    assert!(text.contains("not valid YAML"), "{text}");
    assert!(
        text.contains("FAIL tests/fixtures/wrong-expectation.scn"),
        "the other file ran: {text}"
    );
}

#[test]
fn limits_stop_runaway_work_with_a_message() {
    let out = scn(&["run", &fixture("time-limit.scn"), &fixture("pod-limit.scn")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("limit reached: the scenario needs more than 1h of virtual time"),
        "{text}"
    );
    assert!(
        text.contains("limit reached: the scenario needs more than 5 pods"),
        "{text}"
    );
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let out = scn(&["run", "no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file or folder: no/such/folder"));
}

#[test]
fn output_is_the_same_for_any_number_of_jobs() {
    let one = scn(&["run", "--jobs", "1", "scenarios", "tests/fixtures"]);
    let two = scn(&["run", "--jobs", "2", "scenarios", "tests/fixtures"]);
    assert_eq!(stdout(&one), stdout(&two));
    assert_eq!(one.status.code(), two.status.code());
}

#[test]
fn filter_selects_scenarios_by_path_and_title() {
    let out = scn(&["run", "--filter", "hostname", "scenarios/seed"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("1 passed, 0 failed"), "{text}");
}

#[test]
fn pod_scoped_files_are_gone_with_the_pod_and_a_missing_file_reads_as_absent() {
    let out = scn(&["run", &fixture("files-gone.scn")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("0 passed, 3 failed"), "{text}");
    for line in [38, 46, 50] {
        assert!(
            text.contains(&format!("files-gone.scn:{line}:3")),
            "line {line}: {text}"
        );
    }
    assert_eq!(text.matches("+absent").count(), 3, "{text}");
    assert!(!text.contains("No such file"), "{text}");
}
