//! The `scn` binary end to end: exit codes, locations and diffs in the report.

use crate::support::stdout;
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

fn fixture(name: &str) -> String {
    Path::new("tests/fixtures").join(name).display().to_string()
}

#[test]
fn shipped_scenarios_pass_and_run_without_a_path_runs_them() {
    // At the repository root, `scn run` runs the project's root, `scenarios/`: not the
    // broken fixtures under tests/ nor the assignments that need a submission.
    let out = scn(&["run"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(" passed, 0 failed"), "{text}");
    assert!(
        text.contains("PASS scenarios/seed/topology.scn::"),
        "{text}"
    );
    assert!(!text.contains("tests/fixtures"), "{text}");
    assert!(!text.contains("assignments/"), "{text}");
}

fn scn_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scn"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the scn binary runs")
}

fn temp_project(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("scn-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("a folder");
        std::fs::write(path, text).expect("written");
    }
    dir
}

#[test]
fn scn_toml_names_the_roots_and_what_to_exclude() {
    let dir = temp_project(
        "toml",
        &[
            (
                "scn.toml",
                "roots = [\"checks\"]\nexclude = [\"checks/wip\"]\n",
            ),
            ("checks/ok.scn", "scenario \"ok\" {\n  wait 1s\n}\n"),
            (
                "checks/wip/broken.scn",
                "scenario \"broken\" {\n  wiat 1s\n}\n",
            ),
            (
                "checks/graded.scn",
                "scenario \"graded\" {\n  apply submission \"web.yaml\"\n}\n",
            ),
            (
                "scenarios/other.scn",
                "scenario \"not a root\" {\n  wiat 1s\n}\n",
            ),
        ],
    );
    for command in ["run", "check", "list"] {
        let out = scn_in(&dir, &[command]);
        // `list` keeps stdout one scenario per line: its SKIP lines go to stderr.
        let text = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(0), "{command}: {text}");
        assert!(
            text.contains(
                "SKIP checks/graded.scn: it applies a submission's files; run it with `scn grade`"
            ),
            "{command}: {text}"
        );
        assert!(
            !text.contains("broken") && !text.contains("not a root"),
            "{command}: {text}"
        );
    }
    assert!(stdout(&scn_in(&dir, &["run"])).contains("1 passed, 0 failed"));
    std::fs::write(dir.join("scn.toml"), "roots = [\"nowhere\"]\n").expect("written");
    let out = scn_in(&dir, &["run"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("the root nowhere named in scn.toml does not exist"),
        "{err}"
    );
    std::fs::write(dir.join("scn.toml"), "rots = [\"checks\"]\n").expect("written");
    let err = String::from_utf8_lossy(&scn_in(&dir, &["run"]).stderr).into_owned();
    assert!(
        err.contains("scn.toml is not valid: unknown field `rots`"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_path_or_a_scenarios_folder_run_says_what_it_needs() {
    let dir = temp_project("empty", &[("notes.txt", "nothing")]);
    let out = scn_in(&dir, &["run"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("no scenarios folder here, and no scn.toml naming the scenario roots"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn trace_on_a_folder_says_it_needs_one_file() {
    let out = scn(&["trace", "scenarios/seed"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains(
            "scenarios/seed is a folder; `scn trace` follows one scenario of one .scn file"
        ),
        "{err}"
    );
    assert!(err.contains("  scenarios/seed/topology.scn"), "{err}");
    assert!(!err.contains("os error"), "{err}");
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
        text.contains("The StatefulSet \"web\" is invalid: spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"),
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
fn help_tells_the_exit_codes() {
    for args in [&["--help"][..], &["run", "--help"], &["check", "--help"]] {
        let out = scn(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let help = stdout(&out);
        assert!(help.contains("Exit codes: 0 "), "{args:?}: {help}");
        assert!(help.contains("2 a file could not be loaded"), "{args:?}");
    }
}

#[test]
fn output_is_the_same_for_any_number_of_jobs() {
    let one = scn(&["run", "--jobs", "1", "scenarios", "tests/fixtures"]);
    let two = scn(&["run", "--jobs", "2", "scenarios", "tests/fixtures"]);
    assert_eq!(stdout(&one), stdout(&two));
    assert_eq!(one.status.code(), two.status.code());
}

/// Without `--shard` and `--fail-fast`, each file's scenarios start as soon as it is
/// loaded; `--shard 1/1` (every scenario, numbered across files first) takes the planned
/// path. Both report the same, broken files and failures included.
#[test]
fn pipelined_and_planned_runs_report_the_same() {
    let pipelined = scn(&["run", "--jobs", "2", "scenarios", "tests/fixtures"]);
    let planned = scn(&[
        "run",
        "--jobs",
        "2",
        "--shard",
        "1/1",
        "scenarios",
        "tests/fixtures",
    ]);
    assert_eq!(stdout(&pipelined), stdout(&planned));
    assert_eq!(pipelined.status.code(), planned.status.code());
    assert_eq!(
        pipelined.status.code(),
        Some(2),
        "the fixtures include broken files"
    );
}

#[test]
fn filter_selects_scenarios_by_path_and_title() {
    let out = scn(&["run", "--filter", "hostname", "scenarios/seed"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("1 passed, 0 failed"), "{text}");
}

/// `--tag`/`--filter` that match nothing run nothing and say so on stderr (which tags the
/// files use), and exit 0 as `cargo test FILTER` (libtest) does; `scn list` says it too.
#[test]
fn a_selection_that_matches_nothing_says_so_and_exits_0() {
    let out = scn(&["run", "--tag", "nosuch", "scenarios/seed"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(stdout(&out).contains("0 passed, 0 failed"));
    assert!(
        err.contains("no scenario matched --tag nosuch among "),
        "{err}"
    );
    assert!(
        err.contains("their tags: ") && err.contains("seed"),
        "{err}"
    );
    let out = scn(&["run", "--filter", "nosuch", "scenarios/seed"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("no scenario matched --filter \"nosuch\""),
        "{err}"
    );
    let out = scn(&["list", "--tag", "nosuch", "scenarios/seed"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("no scenario matched --tag nosuch"), "{err}");
    // A selection that matches says nothing more.
    let out = scn(&["run", "--filter", "hostname", "scenarios/seed"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("no scenario matched"));
}

/// A .scn file over 1 MiB: the path is right, so the hint says what to do instead.
#[test]
fn a_scn_file_over_the_size_limit_is_told_so() {
    let dir = temp_project("large", &[("big.scn", &"# padding\n".repeat(120_000))]);
    let out = scn_in(&dir, &["run", "big.scn"]);
    let text = stdout(&out);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("more than the limit of 1048576"), "{text}");
    assert!(
        text.contains("hint: a .scn file is at most 1 MiB"),
        "{text}"
    );
    assert!(!text.contains("check the path"), "{text}");
}

#[test]
fn pod_scoped_files_are_gone_with_the_pod_and_reading_a_missing_file_fails() {
    // LANGUAGE.md: "reading a missing file, is an error that fails the statement" — even
    // `== absent` fails there.
    let out = scn(&["run", &fixture("files-gone.scn")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("0 passed, 3 failed"), "{text}");
    for (line, path) in [(38, "/data/cache/x"), (46, "/tmp/x"), (50, "/data/never")] {
        assert!(
            text.contains(&format!("files-gone.scn:{line}:3")),
            "line {line}: {text}"
        );
        assert!(
            text.contains(&format!("pod/web-0 has no file {path}")),
            "{path}: {text}"
        );
    }
    assert_eq!(
        text.matches("No such file or directory").count(),
        3,
        "{text}"
    );
}

/// The parts of shipped scenarios that show a file is not there (a key a volume's `items`
/// left out, a container restart, a postStart exec hook that is not run, a subPath, a
/// recycled volume): each fails at its last line, the `read`, with the no-such-file error.
#[test]
fn missing_files_of_the_shipped_scenarios_fail_their_read() {
    let path = fixture("files-missing.scn");
    let source = std::fs::read_to_string(&path).expect("fixture");
    let lines: Vec<usize> = source
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("let gone = read("))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 7);
    let out = scn(&["run", &path]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("0 passed, 7 failed"), "{text}");
    for line in lines {
        assert!(
            text.contains(&format!("files-missing.scn:{line}:")),
            "line {line}: {text}"
        );
    }
    assert_eq!(text.matches(" has no file ").count(), 7, "{text}");
}

#[test]
fn check_refuses_what_run_refuses_at_the_manifests_own_line() {
    let dir = temp_project(
        "dry-run",
        &[
            (
                "manifests/refused.yaml",
                include_str!("fixtures/manifests/refused.yaml"),
            ),
            (
                "a.scn",
                "scenario \"refused\" {\n  apply \"manifests/refused.yaml\"\n}\n",
            ),
            (
                "expected.scn",
                "scenario \"expected\" {\n  apply \"manifests/refused.yaml\" fails with \"unknown field\"\n}\n",
            ),
        ],
    );
    let out = scn_in(&dir, &["check", "a.scn", "expected.scn"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    for (line, what) in [
        (
            "manifests/refused.yaml:17:3",
            "unknown field \"spec.replica\"",
        ),
        (
            "manifests/refused.yaml:28:1",
            "no matches for kind \"StatefulSet\" in version \"v1\"",
        ),
        (
            "manifests/refused.yaml:44:5",
            "unknown field \"spec.template.containers\"",
        ),
    ] {
        assert!(text.contains(line), "{line}: {text}");
        assert!(text.contains(what), "{what}: {text}");
    }
    assert!(
        text.contains("checked as `apply` at a.scn:2:3 sends it"),
        "{text}"
    );
    assert!(
        text.contains("ok expected.scn"),
        "`fails with` expects the refusal: {text}"
    );
    let run = scn_in(&dir, &["run", "a.scn"]);
    assert_eq!(
        run.status.code(),
        Some(1),
        "run refuses the same: {}",
        stdout(&run)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_named_twice_runs_once() {
    let dir = temp_project(
        "named-twice",
        &[("a.scn", "scenario \"t\" {\n  wait 1s\n}\n")],
    );
    let out = scn_in(&dir, &["run", "a.scn", "./a.scn", "."]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 passed"), "{text}");
}

/// `scn run a.scn --output a.scn` replaced the scenario with its own report (`scn grade -o`
/// refuses its inputs); `scn mutants --output` alike. Refused before anything runs.
#[test]
fn run_output_never_replaces_an_input() {
    let tmp = tempfile::tempdir().unwrap();
    let scn_path = tmp.path().join("a.scn");
    let text = "scenario \"s\" {\n  wait 1s\n}\n";
    std::fs::write(&scn_path, text).unwrap();
    std::fs::write(tmp.path().join("web.yaml"), "a: 1\n").unwrap();
    let a = scn_path.to_str().unwrap();
    let web = tmp.path().join("web.yaml");
    for args in [
        vec!["run", a, "--output", a],
        vec!["run", a, "--output", web.to_str().unwrap()],
        vec!["mutants", a, "--output", a],
    ] {
        let out = scn(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("would replace an input"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&scn_path).unwrap(), text);
    assert_eq!(std::fs::read_to_string(&web).unwrap(), "a: 1\n");
    // A new file, or a previous report, is fine.
    let report = tmp.path().join("report.json");
    for _ in 0..2 {
        let out = scn(&[
            "run",
            a,
            "--format",
            "json",
            "--output",
            report.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0));
    }
}

/// `scn run a.scn > /dev/full` exited 0 with no report written.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_to_stdout_exits_2() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_scn"))
        .args(["run", &fixture("../../scenarios/seed/topology.scn")])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot write the report to standard output"),
        "{err}"
    );
}

/// `scn run --submission /nonexistent` failed every scenario (exit 1); `scn grade` says
/// it is a usage error (exit 2). Now both do. `--jobs` past 256 was silently 256.
#[test]
fn run_usage_errors_a_missing_submission_and_too_many_jobs() {
    let a = fixture("../../scenarios/seed/topology.scn");
    let out = scn(&["run", &a, "--submission", "/no/such/folder"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the submission folder /no/such/folder does not exist"),
        "{err}"
    );
    for args in [
        vec!["run", a.as_str(), "--jobs", "100000"],
        vec!["mutants", a.as_str(), "--jobs", "257"],
        vec![
            "grade",
            "assignments/statefulset-basics",
            "--submissions",
            "x",
            "--jobs",
            "1000",
        ],
    ] {
        let out = scn(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("from 0 (one per core) to 256"), "{err}");
    }
    let out = scn(&["run", &a, "--jobs", "256"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_scenario_named_as_scn_list_prints_it_gets_the_command_that_runs_it() {
    let file = "scenarios/seed/topology.scn";
    let listed = format!("{file}::pods start in order");
    let out = scn(&["run", &listed]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        text.contains(&format!(
            "to run only it: `scn run {file} --filter '{listed}'`"
        )),
        "{text}"
    );
    let out = scn(&["trace", &listed]);
    let text = stdout(&out) + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains(&format!(
            "`scn trace {file} --scenario 'pods start in order'`"
        )),
        "{text}"
    );
}
