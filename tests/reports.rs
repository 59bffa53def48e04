//! `scn run --format/--output/--no-timings/--tag/--shard/--fail-fast`, GitHub
//! annotations, `scn list` and `scn check`, end to end through the binary.

use std::collections::BTreeSet;
use std::process::{Command, Output};

use crate::support::stdout;
use serde_json::Value;

const MIXED: &str = "tests/fixtures/reports/mixed.scn";
const PASSING: &str = "tests/fixtures/reports/passing.scn";
const REPORTS: &str = "tests/fixtures/reports";
const TYPO: &str = "tests/fixtures/typo.scn";

fn scn_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scn"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the scn binary runs")
}

fn scn(args: &[&str]) -> Output {
    scn_env(args, &[])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(args: &[&str]) -> (Value, Option<i32>) {
    let mut all = vec!["run", "--format", "json"];
    all.extend_from_slice(args);
    let out = scn(&all);
    let value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)));
    (value, out.status.code())
}

/// `file::scenario` of every scenario in a JSON report, in order.
fn names(report: &Value) -> Vec<String> {
    report["scenarios"]
        .as_array()
        .expect("scenarios is an array")
        .iter()
        .map(|s| {
            format!(
                "{}::{}",
                s["file"].as_str().unwrap(),
                s["scenario"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn json_report_has_the_documented_fields() {
    let (report, code) = json(&[MIXED, TYPO]);
    assert_eq!(code, Some(2), "a load error wins: {report}");
    assert_eq!(report["version"], 1);
    assert_eq!(report["summary"]["passed"], 3);
    assert_eq!(report["summary"]["failed"], 1);
    assert_eq!(report["summary"]["errors"], 1);
    let scenarios = report["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 4);
    let first = &scenarios[0];
    assert_eq!(first["file"], MIXED);
    assert_eq!(first["scenario"], "first passes");
    assert_eq!(first["tags"], serde_json::json!(["fast", "smoke"]));
    assert_eq!(first["status"], "passed");
    assert!(first["failure"].is_null());
    assert!(first["duration_ms"].is_u64());
    let failed = &scenarios[1];
    assert_eq!(failed["status"], "failed");
    let f = &failed["failure"];
    assert_eq!(
        f["location"],
        serde_json::json!({"file": MIXED, "line": 11, "column": 3})
    );
    assert_eq!(f["statement"], "expect pods == [web-0, web-1, web-2]");
    assert_eq!(f["message"], "the value differs from what was expected");
    assert!(f["expected"].as_str().unwrap().contains("web-2"));
    assert!(!f["actual"].as_str().unwrap().contains("web-2"));
    let diff = f["diff"].as_str().unwrap();
    assert!(diff.starts_with("--- expected\n+++ actual\n"), "{diff}");
    assert!(diff.contains("\n-  web-2,\n"), "{diff}");
    assert!(!diff.contains('\x1b'), "no colors: {diff}");
    assert_eq!(f["virtual_time"], "4s");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["file"], TYPO);
    assert_eq!(errors[0]["line"], 3);
    assert_eq!(errors[0]["column"], 3);
    assert!(errors[0]["message"].as_str().unwrap().contains("scael"));
    assert!(errors[0]["hint"].as_str().unwrap().contains("scale"));
}

#[test]
fn json_fields_come_in_a_fixed_order() {
    let out = scn(&["run", "--format", "json", "--no-timings", MIXED]);
    let text = stdout(&out);
    let keys = [
        "\"file\"",
        "\"scenario\"",
        "\"tags\"",
        "\"status\"",
        "\"failure\"",
        "\"duration_ms\"",
    ];
    let at: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[test]
fn junit_report_parses_back_with_the_right_counts() {
    let out = scn(&["run", "--format", "junit", MIXED, PASSING, TYPO]);
    assert_eq!(out.status.code(), Some(2));
    let report = quick_junit::Report::deserialize_from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JUnit ({e}): {}", stdout(&out)));
    assert_eq!(report.tests, 7, "4 + 2 scenarios and one (load)");
    assert_eq!(report.failures, 1);
    assert_eq!(report.errors, 1);
    assert_eq!(report.test_suites.len(), 3, "one testsuite per file");
    let mixed = &report.test_suites[0];
    assert_eq!(mixed.name.as_str(), MIXED);
    assert_eq!(mixed.tests, 4);
    assert_eq!(mixed.failures, 1);
    let case = &mixed.test_cases[1];
    assert_eq!(case.name.as_str(), "second fails");
    assert_eq!(case.classname.as_ref().map(|c| c.as_str()), Some(MIXED));
    match &case.status {
        quick_junit::TestCaseStatus::NonSuccess {
            kind,
            message,
            description,
            ..
        } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
            assert_eq!(
                message.as_ref().map(|m| m.as_str()),
                Some("the value differs from what was expected")
            );
            let body = description.as_ref().map(|d| d.as_str()).unwrap_or("");
            assert!(
                body.contains("--> tests/fixtures/reports/mixed.scn:11:3"),
                "{body}"
            );
            assert!(body.contains("-  web-2,"), "{body}");
        }
        other => panic!("expected a failure: {other:?}"),
    }
    let typo = &report.test_suites[2];
    assert_eq!(typo.errors, 1);
    assert_eq!(typo.test_cases[0].name.as_str(), "(load)");
    assert!(matches!(
        typo.test_cases[0].status,
        quick_junit::TestCaseStatus::NonSuccess {
            kind: quick_junit::NonSuccessKind::Error,
            ..
        }
    ));
}

#[test]
fn no_timings_makes_json_and_junit_byte_identical() {
    for format in ["json", "junit"] {
        let args = ["run", "--format", format, "--no-timings", REPORTS, TYPO];
        let one = scn(&args);
        let two = scn(&args);
        assert!(!one.stdout.is_empty());
        assert_eq!(stdout(&one), stdout(&two), "{format}");
    }
    let (report, _) = json(&["--no-timings", REPORTS]);
    assert!(report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["duration_ms"] == 0));
    let junit = stdout(&scn(&["run", "--format", "junit", "--no-timings", REPORTS]));
    let parsed = quick_junit::Report::deserialize_from_str(&junit).unwrap();
    assert!(parsed
        .test_suites
        .iter()
        .flat_map(|s| &s.test_cases)
        .all(|c| c.time.is_none_or(|t| t.is_zero())));
}

#[test]
fn two_shards_cover_every_scenario_exactly_once() {
    let paths = [REPORTS, "scenarios/seed"];
    let (all, _) = json(&paths);
    let all = names(&all);
    let mut a = vec!["--shard", "1/2"];
    a.extend(paths);
    let mut b = vec!["--shard", "2/2"];
    b.extend(paths);
    let (one, two) = (names(&json(&a).0), names(&json(&b).0));
    assert!(!one.is_empty() && !two.is_empty());
    let one_set: BTreeSet<_> = one.iter().collect();
    let two_set: BTreeSet<_> = two.iter().collect();
    assert!(one_set.is_disjoint(&two_set), "{one:?} {two:?}");
    let union: BTreeSet<_> = one_set.union(&two_set).copied().collect();
    assert_eq!(union, all.iter().collect::<BTreeSet<_>>());
    assert_eq!(one.len() + two.len(), all.len());
    // Numbered in path then scenario order: the shard takes every other one.
    assert_eq!(one, all.iter().step_by(2).cloned().collect::<Vec<_>>());
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    for bad in ["0/2", "3/2", "1/0", "x", "1-2"] {
        let out = scn(&["run", "--shard", bad, REPORTS]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&out).contains("expected i/n"),
            "{bad}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn fail_fast_stops_after_the_first_failure() {
    let (report, code) = json(&["--fail-fast", MIXED, PASSING]);
    assert_eq!(code, Some(1));
    assert_eq!(
        names(&report),
        vec![
            format!("{MIXED}::first passes"),
            format!("{MIXED}::second fails")
        ]
    );
    assert_eq!(report["summary"]["failed"], 1);
    let out = scn(&[
        "run",
        "--fail-fast",
        "-j",
        "1",
        "tests/fixtures/files-gone.scn",
    ]);
    assert!(
        stdout(&out).contains("0 passed, 1 failed"),
        "{}",
        stdout(&out)
    );
    // Without it, everything runs.
    let (all, _) = json(&[MIXED, PASSING]);
    assert_eq!(names(&all).len(), 6);
    // The same for any number of jobs.
    for jobs in ["1", "3"] {
        let (r, _) = json(&["--fail-fast", "-j", jobs, MIXED, PASSING]);
        assert_eq!(names(&r), names(&report), "-j {jobs}");
    }
}

#[test]
fn fail_fast_stops_at_a_file_that_does_not_load() {
    let out = scn(&["run", "--fail-fast", TYPO, MIXED]);
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert!(text.contains("scael"), "{text}");
    assert!(!text.contains("first passes"), "{text}");
}

#[test]
fn tags_select_scenarios_with_any_of_them() {
    let (fast, _) = json(&["--tag", "fast", REPORTS]);
    assert_eq!(
        names(&fast),
        vec![
            format!("{MIXED}::first passes"),
            format!("{MIXED}::third passes")
        ]
    );
    let (either, code) = json(&["--tag", "fast", "--tag", "smoke", REPORTS]);
    assert_eq!(code, Some(0));
    assert_eq!(names(&either).len(), 3);
    let (none, _) = json(&["--tag", "nope", REPORTS]);
    assert!(names(&none).is_empty());
}

#[test]
fn output_writes_the_report_to_a_file() {
    let dir = std::env::temp_dir().join(format!("scn-output-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.json");
    let path = file.display().to_string();
    let out = scn(&["run", "--format", "json", "--output", &path, PASSING]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(report["summary"]["passed"], 2);
    let human = dir.join("report.txt");
    let out = scn(&["run", "--output", &human.display().to_string(), PASSING]);
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&human)
        .unwrap()
        .contains("2 passed, 0 failed"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn github_annotations_appear_only_on_github_actions() {
    let args = ["run", MIXED, TYPO];
    let on = stdout(&scn_env(&args, &[("GITHUB_ACTIONS", "true")]));
    assert!(
        on.contains(
            "::error file=tests/fixtures/reports/mixed.scn,line=11,col=3::second fails: the value differs from what was expected\n"
        ),
        "{on}"
    );
    assert!(
        on.contains("::error file=tests/fixtures/typo.scn,line=3,col=3::unknown statement `scael`"),
        "{on}"
    );
    let off = stdout(&scn(&args));
    assert!(!off.contains("::error"), "{off}");
    let other = stdout(&scn_env(&args, &[("GITHUB_ACTIONS", "false")]));
    assert!(!other.contains("::error"), "{other}");
    let json = stdout(&scn_env(
        &["run", "--format", "json", MIXED],
        &[("GITHUB_ACTIONS", "true")],
    ));
    assert!(!json.contains("::error"), "JSON stays JSON");
}

#[test]
fn list_prints_every_scenario_with_its_tags() {
    let out = scn(&["list", REPORTS]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "tests/fixtures/reports/mixed.scn::first passes [fast, smoke]\n\
         tests/fixtures/reports/mixed.scn::second fails [slow]\n\
         tests/fixtures/reports/mixed.scn::third passes [fast]\n\
         tests/fixtures/reports/mixed.scn::fourth passes\n\
         tests/fixtures/reports/passing.scn::one [smoke]\n\
         tests/fixtures/reports/passing.scn::two\n"
    );
    let tagged = scn(&["list", "--tag", "smoke", REPORTS]);
    assert_eq!(
        stdout(&tagged),
        "tests/fixtures/reports/mixed.scn::first passes [fast, smoke]\n\
         tests/fixtures/reports/passing.scn::one [smoke]\n"
    );
    let filtered = scn(&["list", "--filter", "passing.scn::t", REPORTS]);
    assert_eq!(
        stdout(&filtered),
        "tests/fixtures/reports/passing.scn::two\n"
    );
}

#[test]
fn list_exits_2_on_a_file_that_does_not_load() {
    let out = scn(&["list", PASSING, TYPO]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stdout(&out),
        "tests/fixtures/reports/passing.scn::one [smoke]\ntests/fixtures/reports/passing.scn::two\n"
    );
    assert!(
        stderr(&out).contains("tests/fixtures/typo.scn:3:3"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_loads_without_running() {
    let ok = scn(&["check", REPORTS]);
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(
        stdout(&ok),
        "ok tests/fixtures/reports/mixed.scn\nok tests/fixtures/reports/passing.scn\n"
    );
    let bad = scn(&[
        "check",
        PASSING,
        "tests/fixtures/broken-yaml.scn",
        "tests/fixtures/missing-manifest.scn",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let text = stdout(&bad);
    assert!(
        text.contains("ok tests/fixtures/reports/passing.scn\n"),
        "{text}"
    );
    assert!(text.contains("not valid YAML"), "{text}");
    assert!(
        text.contains("cannot read manifest \"manifests/nope.yaml\""),
        "{text}"
    );
    assert!(
        !text.contains("PASS") && !text.contains("passed"),
        "nothing ran: {text}"
    );
}

#[test]
fn list_and_check_refuse_a_missing_path() {
    for cmd in ["list", "check"] {
        let out = scn(&[cmd, "no/such/folder"]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(stderr(&out).contains("no such file or folder"), "{cmd}");
    }
}

#[test]
fn docs_reports_example_is_real_output() {
    let doc = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reports.md"));
    let start = doc
        .find("```json\n")
        .expect("docs/reports.md has a JSON example")
        + 8;
    let end = start + doc[start..].find("\n```").unwrap();
    let documented: Value = serde_json::from_str(&doc[start..end]).unwrap();
    let (actual, _) = json(&[
        "--no-timings",
        "--tag",
        "slow",
        "--tag",
        "smoke",
        MIXED,
        TYPO,
    ]);
    assert_eq!(documented, actual);
}

/// A value from the cluster with control characters (an ANSI escape, a carriage return, a
/// NUL in a ConfigMap's data) shows escaped in the human report, so it can neither
/// recolour, hide nor overwrite the report's lines; JSON keeps the value as it is.
#[test]
fn control_characters_in_a_value_show_escaped_in_the_human_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ctrl.scn");
    std::fs::write(
        &path,
        "scenario \"t\" {\n  apply \"\"\"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"},\"data\":{\"k\":\"a\\u001b[2Jb\\rPASS\\u0000\"}}\"\"\"\n  expect configmap/a.data.k == x\n}\n",
    )
    .expect("write");
    let path = path.to_string_lossy().into_owned();
    let out = scn(&["run", &path]);
    let text = stdout(&out);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\0'),
        "{text:?}"
    );
    // The diff splits lines at the carriage return too; each part shows on a `+` line.
    assert!(text.contains("+a\\u{1b}[2Jb\\r\n"), "{text}");
    assert!(text.contains("+PASS\\u{0}\n"), "{text}");
    let (report, _) = json(&[&path]);
    assert_eq!(
        report["scenarios"][0]["failure"]["actual"],
        "a\u{1b}[2Jb\rPASS\u{0}\n"
    );
}
