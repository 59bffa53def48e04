//! `scn grade`: the example assignment checks in every format, student views never leak
//! hidden scenarios, submission paths stay inside the submission, the platform formats
//! match their documented shapes, and batches are deterministic and robust.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{scn, stdout};
use serde_json::Value;

const ASSIGNMENT: &str = "assignments/statefulset-basics";

fn sample(name: &str) -> String {
    format!("{ASSIGNMENT}/samples/{name}")
}

fn grade(submission: &str, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["grade", ASSIGNMENT, "--submission", submission];
    args.extend_from_slice(extra);
    let out = scn(&args);
    (out.status.code(), stdout(&out))
}

#[test]
fn the_example_assignment_checks_in_every_format() {
    let out = scn(&["grade", "--check", ASSIGNMENT]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(
        text.matches("as declared, in every format").count(),
        6,
        "{text}"
    );
    assert!(text.contains("ok    reference: 11/11"), "{text}");
}

#[test]
fn full_marks_exit_0_otherwise_1_unless_exit_zero() {
    let (code, text) = grade(&sample("correct"), &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Points 11/11"), "{text}");
    let (code, text) = grade(&sample("parallel"), &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("Points 9/11"), "{text}");
    assert!(text.contains("hint: Which podManagementPolicy"), "{text}");
    let (code, _) = grade(&sample("parallel"), &["--exit-zero"]);
    assert_eq!(code, Some(0));
}

/// selector-mismatch fails the hidden DNS scenario; not-headless fails it too.
const DNS_TITLE: &str = "Each pod has a DNS name web-N.nginx";
const DNS_STATEMENT: &str = "dns(\"web-0.nginx\")";
const DNS_HINT: &str = "Per-pod DNS names need a headless Service";
const IDENTITY_TITLE: &str = "Stable names and hostnames survive";
const STORAGE_TITLE: &str = "One claim per ordinal";

#[test]
fn the_teacher_sees_everything() {
    let (_, text) = grade(&sample("selector-mismatch"), &[]);
    for s in [
        DNS_TITLE,
        DNS_STATEMENT,
        DNS_HINT,
        IDENTITY_TITLE,
        STORAGE_TITLE,
    ] {
        assert!(text.contains(s), "{s} missing from:\n{text}");
    }
}

#[test]
fn student_views_never_show_hidden_text_before_its_time() {
    for format in ["human", "json", "prairielearn"] {
        let (_, before) = grade(
            &sample("selector-mismatch"),
            &["--student-view", "--format", format],
        );
        for s in [
            DNS_TITLE,
            DNS_STATEMENT,
            DNS_HINT,
            "dns.scn",
            IDENTITY_TITLE,
            "identity.scn",
            STORAGE_TITLE,
            "storage.scn",
        ] {
            assert!(
                !before.contains(s),
                "{format}: {s} leaked before the due date:\n{before}"
            );
        }
        assert!(before.contains("hidden test 5"), "{format}: {before}");
        assert!(before.contains("The Service nginx is headless"), "{format}");

        let (_, after_due) = grade(
            &sample("selector-mismatch"),
            &["--student-view", "--after-due", "--format", format],
        );
        assert!(after_due.contains(IDENTITY_TITLE), "{format}: {after_due}");
        for s in [DNS_TITLE, DNS_STATEMENT, DNS_HINT, STORAGE_TITLE] {
            assert!(
                !after_due.contains(s),
                "{format}: {s} leaked after the due date"
            );
        }

        let (_, published) = grade(
            &sample("selector-mismatch"),
            &["--student-view", "--published", "--format", format],
        );
        assert!(published.contains(IDENTITY_TITLE), "{format}");
        assert!(published.contains(STORAGE_TITLE), "{format}");
        for s in [DNS_TITLE, DNS_STATEMENT, DNS_HINT] {
            assert!(
                !published.contains(s),
                "{format}: hidden {s} leaked once published"
            );
        }
    }
    // A failing visible scenario shows its statement, diff and hint to the student.
    let (_, text) = grade(&sample("not-headless"), &["--student-view"]);
    assert!(
        text.contains("expect service/nginx.spec.clusterIP == None"),
        "{text}"
    );
    assert!(text.contains("-None"), "{text}");
    assert!(
        text.contains("hint: A headless Service has `clusterIP: None`."),
        "{text}"
    );
}

/// Grades an assignment made of `toml` and a one-scenario `a.scn` (also the submission),
/// which must be refused as a usage error (exit 2); what it printed on stderr.
fn refused_assignment(toml: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("assignment.toml"), toml).unwrap();
    std::fs::write(tmp.path().join("a.scn"), "scenario \"s\" {\n  wait 1s\n}\n").unwrap();
    let out = scn(&[
        "grade",
        tmp.path().to_str().unwrap(),
        "--submission",
        tmp.path().to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    err
}

fn assignment_with(dir: &Path, scenario: &str) -> PathBuf {
    let a = dir.join("assignment");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::write(a.join("t.scn"), scenario).unwrap();
    std::fs::write(
        a.join("assignment.toml"),
        "title = \"t\"\nscn = \"1\"\n[[scenario]]\nfile = \"t.scn\"\ntitle = \"*\"\npoints = 1\n",
    )
    .unwrap();
    a
}

#[test]
fn paths_outside_the_submission_are_refused() {
    // The path rules themselves are unit tests of `runner::paths`; here, what `scn grade`
    // makes of them.
    let tmp = tempfile::tempdir().unwrap();
    let sub = tmp.path().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(tmp.path().join("secret.yaml"), "apiVersion: v1\n").unwrap();
    std::fs::write(sub.join("web.yaml"), "apiVersion: v1\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("../secret.yaml", sub.join("link.yaml")).unwrap();

    // `..` and absolute paths in a scenario are load errors (exit 2).
    for bad in ["../secret.yaml", "/etc/passwd"] {
        let a = assignment_with(
            &tmp.path().join(bad.replace(['/', '.'], "_")),
            &format!("scenario \"s\" {{\n  apply submission \"{bad}\"\n}}\n"),
        );
        let out = scn(&[
            "grade",
            a.to_str().unwrap(),
            "--submission",
            sub.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stdout(&out));
    }

    // A symlink out of the submission fails the scenario with a clear message.
    #[cfg(unix)]
    {
        let a = assignment_with(
            &tmp.path().join("link"),
            "scenario \"s\" {\n  apply submission \"link.yaml\"\n}\n",
        );
        let out = scn(&[
            "grade",
            a.to_str().unwrap(),
            "--submission",
            sub.to_str().unwrap(),
        ]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(
            text.contains("resolves outside the submission folder"),
            "{text}"
        );
        assert!(!text.contains("apiVersion"), "{text}");
    }
}

#[test]
fn scn_run_skips_a_scenario_that_expects_a_submission_with_one_line() {
    let out = scn(&["run", &format!("{ASSIGNMENT}/dns.scn")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("dns.scn: it applies a submission's files; run it with `scn grade`"),
        "{text}"
    );
    assert!(text.contains("0 passed, 0 failed"), "{text}");
}

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/grade")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every key of `ours` is a documented key of `doc`, with a value of the same kind.
fn same_shape(ours: &Value, doc: &Value, at: &str) {
    let (Value::Object(ours), Value::Object(doc)) = (ours, doc) else {
        panic!("{at}: not objects");
    };
    for (key, value) in ours {
        let documented = doc
            .get(key)
            .unwrap_or_else(|| panic!("{at}.{key} is not in the documented format"));
        assert_eq!(kind(value), kind(documented), "{at}.{key}");
    }
}

fn format_output(submission: &str, format: &str) -> Value {
    let (_, text) = grade(submission, &["--format", format]);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{format}: {e}\n{text}"))
}

#[test]
fn gradescope_output_matches_the_documented_shape() {
    let doc = fixture("gradescope-results.json");
    for s in ["correct", "not-headless"] {
        let ours = format_output(&sample(s), "gradescope");
        same_shape(&ours, &doc, "results");
        for key in [
            "score",
            "max_score",
            "execution_time",
            "output",
            "visibility",
            "stdout_visibility",
            "tests",
        ] {
            assert!(ours.get(key).is_some(), "{key}");
        }
        let max = ours["max_score"].as_f64().unwrap();
        let score = ours["score"].as_f64().unwrap();
        assert!((0.0..=max).contains(&score));
        let mut sum = 0.0;
        for t in ours["tests"].as_array().unwrap() {
            same_shape(t, &doc["tests"][0], "tests[]");
            let (s, m) = (
                t["score"].as_f64().unwrap(),
                t["max_score"].as_f64().unwrap(),
            );
            assert!((0.0..=m).contains(&s));
            sum += s;
            assert!(["passed", "failed"].contains(&t["status"].as_str().unwrap()));
            assert!(["visible", "hidden", "after_due_date", "after_published"]
                .contains(&t["visibility"].as_str().unwrap()));
        }
        assert!((sum - score).abs() < 1e-9);
    }
}

#[test]
fn classroom_output_matches_the_documented_shape() {
    let doc = fixture("classroom-results.json");
    let ours = format_output(&sample("correct"), "classroom");
    same_shape(&ours, &doc, "results");
    assert_eq!(ours["version"], 1);
    assert_eq!(ours["status"], "pass");
    let ours = format_output(&sample("parallel"), "classroom");
    assert_eq!(ours["status"], "fail");
    let max = ours["max_score"].as_f64().unwrap();
    let mut total_max = 0.0;
    for t in ours["tests"].as_array().unwrap() {
        same_shape(t, &doc["tests"][0], "tests[]");
        let (s, m) = (
            t["score"].as_f64().unwrap(),
            t["max_score"].as_f64().unwrap(),
        );
        assert!((0.0..=m).contains(&s));
        total_max += m;
        assert!(["pass", "fail", "error"].contains(&t["status"].as_str().unwrap()));
        assert!(t["execution_time"].as_str().unwrap().ends_with('s'));
    }
    assert_eq!(total_max, max);
}

#[test]
fn prairielearn_output_matches_the_documented_shape() {
    let doc = fixture("prairielearn-results.json");
    for s in ["correct", "no-claims"] {
        let ours = format_output(&sample(s), "prairielearn");
        same_shape(&ours, &doc, "results");
        assert_eq!(ours["gradable"], true);
        let score = ours["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        for t in ours["tests"].as_array().unwrap() {
            same_shape(t, &doc["tests"][0], "tests[]");
            let (p, m) = (
                t["points"].as_f64().unwrap(),
                t["max_points"].as_f64().unwrap(),
            );
            assert!((0.0..=m).contains(&p));
        }
    }
    // A missing required file: not gradable, so no attempt is used.
    let tmp = tempfile::tempdir().unwrap();
    let ours = format_output(tmp.path().to_str().unwrap(), "prairielearn");
    assert_eq!(ours["gradable"], false);
    assert!(ours["message"].as_str().unwrap().contains("web.yaml"));
    std::fs::write(tmp.path().join("web.yaml"), "spec: [\n").unwrap();
    let ours = format_output(tmp.path().to_str().unwrap(), "prairielearn");
    assert_eq!(ours["gradable"], false);
    assert!(ours["message"].as_str().unwrap().contains("not valid YAML"));
}

/// `n` submissions cycling through the samples and broken ones.
/// `n` submissions cycling through the samples and broken ones; `huge` makes every eighth
/// ask for 100,000 replicas (slow in a debug build), else 4.
fn make_submissions(dir: &Path, n: usize, huge: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(ASSIGNMENT);
    let reference = std::fs::read_to_string(root.join("reference/web.yaml")).unwrap();
    for i in 0..n {
        let sub = dir.join(format!("student-{i:03}"));
        std::fs::create_dir_all(&sub).unwrap();
        let web = match i % 8 {
            0..=4 => {
                let name = [
                    "correct",
                    "selector-mismatch",
                    "no-claims",
                    "not-headless",
                    "parallel",
                ][i % 8];
                Some(
                    std::fs::read_to_string(root.join("samples").join(name).join("web.yaml"))
                        .unwrap(),
                )
            }
            5 => None,                          // missing file
            6 => Some("kind: [\n".to_string()), // invalid YAML
            _ if huge => Some(reference.replace("replicas: 3", "replicas: 100000")),
            _ => Some(reference.replace("replicas: 3", "replicas: 4")),
        };
        if let Some(web) = web {
            std::fs::write(sub.join("web.yaml"), web).unwrap();
        }
    }
}

/// Grades every submission under `subs` with `jobs` workers (not all earn full marks, yet
/// grading succeeded: exit 0) and returns the gradebook written to `path`.
fn gradebook(subs: &Path, jobs: &str, path: &Path) -> String {
    grade_batch(subs, path, &["--jobs", jobs]);
    std::fs::read_to_string(path).unwrap()
}

/// `scn grade ASSIGNMENT --submissions SUBS --gradebook BOOK` and `extra` arguments, which
/// must exit 0 (not every submission earns full marks, yet grading succeeded).
fn grade_batch(subs: &Path, book: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "grade",
        ASSIGNMENT,
        "--submissions",
        subs.to_str().unwrap(),
        "--gradebook",
        book.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = scn(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    out
}

#[test]
fn batch_gradebook_is_identical_for_any_jobs_and_broken_submissions_do_not_stop_it() {
    let tmp = tempfile::tempdir().unwrap();
    let subs = tmp.path().join("subs");
    make_submissions(&subs, 20, true);
    let one = gradebook(&subs, "1", &tmp.path().join("one.csv"));
    let two = gradebook(&subs, "2", &tmp.path().join("two.csv"));
    assert_eq!(one, two);
    let lines: Vec<&str> = one.lines().collect();
    assert_eq!(lines.len(), 21, "{one}");
    assert!(lines[0].starts_with("submission,total,The Service nginx is headless,"));
    assert!(lines.contains(&"student-000,11,1,2,2,2,2,2"), "{one}");
    assert!(lines.contains(&"student-005,0,0,0,0,0,0,0"), "{one}"); // missing file
    assert!(lines.contains(&"student-006,0,0,0,0,0,0,0"), "{one}"); // invalid YAML
    assert!(
        lines.iter().any(|l| l.starts_with("student-008,11,")),
        "{one}"
    ); // after the broken ones

    // Shards merge back into the same gradebook.
    let mut shards = Vec::new();
    for shard in ["1/2", "2/2"] {
        let path = tmp.path().join(format!("shard-{}.csv", &shard[..1]));
        let out = scn(&[
            "grade",
            ASSIGNMENT,
            "--submissions",
            subs.to_str().unwrap(),
            "--shard",
            shard,
            "--gradebook",
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0));
        shards.push(path.to_str().unwrap().to_string());
    }
    let merged = tmp.path().join("merged.csv");
    let out = scn(&[
        "gradebook",
        "merge",
        &shards[0],
        &shards[1],
        "-o",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(merged).unwrap(), one);
}

#[test]
fn batch_writes_a_report_folder_per_submission() {
    let tmp = tempfile::tempdir().unwrap();
    let subs = tmp.path().join("subs");
    make_submissions(&subs, 8, true);
    let reports = tmp.path().join("reports");
    grade_batch(
        &subs,
        &tmp.path().join("book.csv"),
        &["--reports", reports.to_str().unwrap()],
    );
    let missing = std::fs::read_to_string(reports.join("student-005/report.txt")).unwrap();
    assert!(
        missing.contains("required file web.yaml: the submission has no file web.yaml"),
        "{missing}"
    );
    let huge = std::fs::read_to_string(reports.join("student-007/report.txt")).unwrap();
    // 100,000 OrderedReady replicas: the scenarios fail in bounded time, feedback cut short.
    assert!(huge.contains("FAIL 2."), "{huge}");
    assert!(huge.contains(" more lines"), "{huge}");
    for f in [
        "student.txt",
        "results.json",
        "gradescope.json",
        "classroom.json",
        "prairielearn.json",
    ] {
        assert!(reports.join("student-000").join(f).is_file(), "{f}");
    }
}

#[test]
fn apply_submission_parses_into_its_own_source() {
    use kscn::lang::ast::{ApplySource, StmtKind};
    let file = kscn::lang::parse("scenario \"s\" {\n  apply submission \"k8s/web.yaml\"\n}\n")
        .expect("parses");
    match &file.scenarios[0].body[0].kind {
        StmtKind::Apply(ApplySource::Submission { path, span }) => {
            assert_eq!(path, "k8s/web.yaml");
            assert_eq!((span.line, span.col), (2, 20));
        }
        other => panic!("{other:?}"),
    }
    // A block after `submission` is not a file name.
    assert!(kscn::lang::parse(
        "scenario \"s\" {\n  apply submission \"\"\"\n  a: b\n  \"\"\"\n}\n"
    )
    .is_err());
}

/// The issue's scale: 200 submissions graded in parallel give the same gradebook as one
/// worker.
#[test]
fn two_hundred_submissions_grade_identically_with_one_or_two_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let subs = tmp.path().join("subs");
    make_submissions(&subs, 200, false);
    let one = gradebook(&subs, "1", &tmp.path().join("jobs-1.csv"));
    assert_eq!(one, gradebook(&subs, "2", &tmp.path().join("jobs-2.csv")));
    assert_eq!(one.lines().count(), 201);
}

#[test]
fn a_batch_exits_0_whatever_the_marks_and_1_only_under_fail_under() {
    let tmp = tempfile::tempdir().unwrap();
    let subs = tmp.path().join("subs");
    make_submissions(&subs, 2, false); // student-000 correct (11), student-001 not
    let book = tmp.path().join("book.csv");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "grade",
            ASSIGNMENT,
            "--submissions",
            subs.to_str().unwrap(),
            "--gradebook",
            book.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        scn(&args)
    };
    assert_eq!(run(&[]).status.code(), Some(0));
    assert_eq!(run(&["--fail-under", "0"]).status.code(), Some(0));
    let out = run(&["--fail-under", "11"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 submission scored under 11 points"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_gradebook_is_never_written_inside_the_submissions() {
    let tmp = tempfile::tempdir().unwrap();
    let subs = tmp.path().join("subs");
    make_submissions(&subs, 1, false);
    let inside = subs.join("gradebook.csv");
    let out = scn(&[
        "grade",
        ASSIGNMENT,
        "--submissions",
        subs.to_str().unwrap(),
        "--gradebook",
        inside.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("inside the submissions folder"));
    assert!(!inside.exists());
    // The default is the current folder.
    let out = Command::new(env!("CARGO_BIN_EXE_scn"))
        .args(["grade"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(ASSIGNMENT))
        .arg("--submissions")
        .arg(&subs)
        .current_dir(tmp.path())
        .env_remove("CI")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(tmp.path().join("gradebook.csv").is_file());
    assert!(!subs.join("gradebook.csv").exists());
}

#[test]
fn gradebook_cells_cannot_become_formulas() {
    let tmp = tempfile::tempdir().unwrap();
    let subs = tmp.path().join("subs");
    make_submissions(&subs, 1, false);
    std::fs::rename(subs.join("student-000"), subs.join("=HYPERLINK(\"x\")")).unwrap();
    let book = tmp.path().join("book.csv");
    let text = gradebook(&subs, "1", &book);
    assert!(text.contains("\n\"'=HYPERLINK(\"\"x\"\")\",11,"), "{text}");
}

#[test]
fn a_limit_is_explained_to_the_student_not_as_a_cluster_setting() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(ASSIGNMENT);
    let reference = std::fs::read_to_string(root.join("reference/web.yaml")).unwrap();
    let web = reference
        .replace(
            "  podManagementPolicy: OrderedReady",
            "  podManagementPolicy: Parallel",
        )
        .replace("  replicas: 3", "  replicas: 100000");
    assert_ne!(web, reference);
    std::fs::write(tmp.path().join("web.yaml"), web).unwrap();
    let (_, text) = grade(tmp.path().to_str().unwrap(), &["--student-view"]);
    assert!(text.contains("the assignment's grading budget"), "{text}");
    assert!(!text.contains("raise it with"), "{text}");
}

#[test]
fn an_assignment_load_error_is_prefixed_once() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("assignment.toml"),
        "title = \"t\"\nscn = \"1\"\n\n[[scenario]]\nfile = \"a.scn\"\ntitle = \"s\"\npoints = 1\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("a.scn"),
        "scenario \"s\" {\n  apply submission \"../../etc/passwd\"\n}\n",
    )
    .unwrap();
    let out = scn(&[
        "grade",
        tmp.path().to_str().unwrap(),
        "--submission",
        tmp.path().to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("leaves the submission folder"), "{err}");
    assert!(!err.contains("error: error:"), "{err}");
}

#[test]
fn a_yaml_error_shows_no_teacher_hint() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("web.yaml"), "kind: [\n").unwrap();
    let (_, text) = grade(tmp.path().to_str().unwrap(), &[]);
    assert!(text.contains("not valid YAML"), "{text}");
    assert!(!text.contains("hint: Which podManagementPolicy"), "{text}");
    // An expectation that fails still shows its hint.
    let (_, text) = grade(&sample("parallel"), &[]);
    assert!(text.contains("hint: Which podManagementPolicy"), "{text}");
}

#[test]
fn scn_run_takes_a_submission_folder() {
    let scn_file = format!("{ASSIGNMENT}/objects.scn");
    let out = scn(&["run", &scn_file, "--submission", &sample("correct")]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = scn(&["run", &scn_file, "--submission", &sample("not-headless")]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    // Without a submission the file is skipped with a line that says how to run it.
    let out = scn(&["run", &scn_file]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("scn run --submission DIR"),
        "{}",
        stdout(&out)
    );
}

/// Grades `subs` into shards `1/n`..`n/n` and merges them; returns (unsharded, merged).
fn shards_and_merge(tmp: &Path, subs: &Path, n: usize) -> (String, String) {
    let one = gradebook(subs, "1", &tmp.join("all.csv"));
    let mut shards = Vec::new();
    for i in 1..=n {
        let path = tmp.join(format!("shard-{i}.csv"));
        let out = scn(&[
            "grade",
            ASSIGNMENT,
            "--submissions",
            subs.to_str().unwrap(),
            "--shard",
            &format!("{i}/{n}"),
            "--gradebook",
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        shards.push(path.to_str().unwrap().to_string());
    }
    let merged = tmp.join("merged.csv");
    let mut args = vec!["gradebook", "merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["-o", merged.to_str().unwrap()]);
    let out = scn(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (one, std::fs::read_to_string(merged).unwrap())
}

#[test]
fn merged_shards_equal_the_unsharded_gradebook_whatever_the_folder_names() {
    let tmp = tempfile::tempdir().unwrap();
    let subs = tmp.path().join("subs");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(ASSIGNMENT);
    let reference = std::fs::read_to_string(root.join("reference/web.yaml")).unwrap();
    // A quoted cell with a line break, names sorted differently once escaped, a name
    // starting with the escape character itself.
    for name in [
        "new\nline",
        "(paren)",
        "-dash",
        "zeta",
        "'quote",
        "=x",
        "'=x",
        "a,b",
    ] {
        let dir = subs.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("web.yaml"), &reference).unwrap();
    }
    let (one, merged) = shards_and_merge(tmp.path(), &subs, 2);
    assert_eq!(merged, one);
    let (_, merged) = shards_and_merge(tmp.path(), &subs, 3);
    assert_eq!(merged, one);
    assert!(one.contains("\n\"new\nline\",11,"), "{one}");
    assert!(one.contains("\n''quote,11,"), "{one}");
}

#[test]
fn gradebook_merge_refuses_no_files_and_an_unclosed_quote() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.csv");
    let res = scn(&["gradebook", "merge", "-o", out.to_str().unwrap()]);
    assert_eq!(res.status.code(), Some(2));
    assert!(!out.exists());
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "submission,total\n\"open,1\nzeta,2\n").unwrap();
    let res = scn(&[
        "gradebook",
        "merge",
        bad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(2));
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(
        err.contains("line 2") && err.contains("never closed"),
        "{err}"
    );
}

/// `subs/<name>/web.yaml` holding the reference solution.
fn reference_submission(subs: &Path, name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(ASSIGNMENT);
    let reference = std::fs::read_to_string(root.join("reference/web.yaml")).unwrap();
    let dir = subs.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("web.yaml"), reference).unwrap();
}

#[cfg(unix)]
#[test]
fn linked_submissions_are_graded_and_hidden_folders_are_skipped_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let subs = tmp.path().join("subs");
    reference_submission(&tmp.path().join("clones"), "alice-repo");
    reference_submission(&subs, "bob");
    reference_submission(&subs, ".git");
    std::os::unix::fs::symlink("../clones/alice-repo", subs.join("alice")).unwrap();
    std::os::unix::fs::symlink("../clones/failed-clone", subs.join("carol")).unwrap();
    let book = tmp.path().join("book.csv");
    let out = grade_batch(&subs, &book, &[]);
    let text = std::fs::read_to_string(&book).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(rows[0].starts_with("alice,11,"), "{text}");
    assert!(rows[1].starts_with("bob,11,"), "{text}");
    assert!(rows[2].starts_with("carol,0,"), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".git is hidden"), "{err}");
}

#[test]
fn outputs_never_overwrite_the_assignment_or_land_in_submissions() {
    let tmp = tempfile::tempdir().unwrap();
    let assignment = tmp.path().join("assignment");
    let status = Command::new("cp")
        .arg("-r")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(ASSIGNMENT))
        .arg(&assignment)
        .status()
        .unwrap();
    assert!(status.success());
    let toml = assignment.join("assignment.toml");
    let before = std::fs::read_to_string(&toml).unwrap();
    let subs = tmp.path().join("subs");
    reference_submission(&subs, "alice");
    let a = assignment.to_str().unwrap();
    let s = subs.to_str().unwrap();
    let book = tmp.path().join("book.csv");
    let b = book.to_str().unwrap();
    let alice = subs.join("alice");
    for (args, says) in [
        (
            vec!["--submissions", s, "--gradebook", toml.to_str().unwrap()],
            "inside the assignment folder",
        ),
        (
            vec!["--submissions", s, "--gradebook", b, "--reports", s],
            "inside the submissions folder",
        ),
        (
            vec![
                "--submissions",
                s,
                "--gradebook",
                b,
                "--reports",
                alice.join("r").to_str().unwrap(),
            ],
            "inside the submissions folder",
        ),
        (
            vec!["--check", "-o", toml.to_str().unwrap()],
            "inside the assignment folder",
        ),
        (
            vec![
                "--submission",
                alice.to_str().unwrap(),
                "-o",
                alice.join("web.yaml").to_str().unwrap(),
            ],
            "inside the submission folder",
        ),
    ] {
        let mut all = vec!["grade", a];
        all.extend(args);
        let out = scn(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {err}");
        assert!(err.contains(says), "{all:?}: {err}");
    }
    assert_eq!(std::fs::read_to_string(&toml).unwrap(), before);
    assert!(!subs.join("alice/report.txt").exists());
    assert!(!alice.join("r").exists());
    // A new file in the submission folder is fine (GitHub Classroom's checkout).
    let out = scn(&[
        "grade",
        a,
        "--submission",
        alice.to_str().unwrap(),
        "-o",
        alice.join("results.txt").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn folder_names_that_are_not_utf8_stay_distinct() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let subs = tmp.path().join("subs");
    for bytes in [&b"bad\xff"[..], &b"bad\xfe"[..]] {
        let name = std::ffi::OsStr::from_bytes(bytes)
            .to_str()
            .map(String::from);
        assert!(name.is_none());
        let dir = subs.join(std::ffi::OsStr::from_bytes(bytes));
        if std::fs::create_dir_all(&dir).is_err() {
            return; // a file system that wants UTF-8 names
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(ASSIGNMENT);
        std::fs::copy(root.join("reference/web.yaml"), dir.join("web.yaml")).unwrap();
    }
    let reports = tmp.path().join("reports");
    let book = tmp.path().join("book.csv");
    grade_batch(&subs, &book, &["--reports", reports.to_str().unwrap()]);
    let text = std::fs::read_to_string(&book).unwrap();
    assert!(text.contains("\nbad\\xfe,11,"), "{text}");
    assert!(text.contains("\nbad\\xff,11,"), "{text}");
    assert!(reports.join("bad\\xfe/report.txt").is_file());
    assert!(reports.join("bad\\xff/report.txt").is_file());
}

#[test]
fn flags_of_another_mode_and_a_fail_under_that_never_fires_are_usage_errors() {
    let reference = format!("{ASSIGNMENT}/reference");
    let tmp = tempfile::tempdir().unwrap();
    let subs = tmp.path().to_str().unwrap();
    for args in [
        vec!["--submissions", subs, "--format", "json"],
        vec!["--submissions", subs, "-o", "out.json"],
        vec!["--submission", &reference, "--shard", "2/2"],
        vec!["--submission", &reference, "--gradebook", "g.csv"],
        vec!["--submission", &reference, "--fail-under", "100"],
        vec!["--submissions", subs, "--fail-under", "nan"],
        vec!["--submissions", subs, "--fail-under", "-1"],
        vec![
            "--submissions",
            subs,
            "--fail-under",
            "99999999999999999999",
        ],
    ] {
        let mut all = vec!["grade", ASSIGNMENT];
        all.extend(args);
        let out = scn(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
    }
    assert!(!Path::new("out.json").exists() && !Path::new("g.csv").exists());
}

#[test]
fn a_mistyped_submission_path_is_a_usage_error() {
    let out = scn(&["grade", ASSIGNMENT, "--submission", "/no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

/// Negative points and zero limits are refused at the line and column where they are
/// written, not with a message that leaves the teacher searching the file.
#[test]
fn nonsense_points_and_limits_are_located_in_assignment_toml() {
    let cases = [
        (
            "[limits]\nmax-pods = 0\n",
            "points = 1",
            "line 4, column 12",
            "at least 1",
        ),
        (
            "[limits]\nmax-time-seconds = 0\n",
            "points = 1",
            "line 4, column 20",
            "at least 1",
        ),
        (
            "",
            "points = -5",
            "line 6, column 10",
            "points must be a number >= 0, not -5",
        ),
        (
            "",
            "points = nan",
            "line 6, column 10",
            "points must be a number >= 0, not NaN",
        ),
        // Huge points made `inf/inf` and Gradescope's `"score": null`: capped as
        // `--fail-under` is.
        (
            "",
            "points = 1e16",
            "line 6, column 10",
            "points must be at most 1000000000 (one billion), not 1e16",
        ),
        (
            "",
            "points = 1e308",
            "line 6, column 10",
            "points must be at most 1000000000",
        ),
        (
            "",
            "points = \"5\"",
            "line 6, column 10",
            "points must be a number, like `points = 10`, not a string",
        ),
        // Not serde's "invalid value: integer `-5`, expected u64".
        (
            "[limits]\nmax-pods = -5\n",
            "points = 1",
            "line 4, column 12",
            "a limit must be at least 1, not -5",
        ),
        (
            "[limits]\nmax-pods = 1.5\n",
            "points = 1",
            "line 4, column 12",
            "a limit is a whole number, like 100, not a number with a fraction",
        ),
    ];
    for (limits, points, at, says) in cases {
        let err = refused_assignment(&format!(
            "title = \"t\"\nscn = \"1\"\n{limits}[[scenario]]\nfile = \"a.scn\"\ntitle = \"s\"\n{points}\n"
        ));
        assert!(err.contains(at), "{limits}{points}: {err}");
        assert!(err.contains(says), "{limits}{points}: {err}");
    }
}

/// `--check` on an assignment whose reference or sample folder is missing is a broken
/// assignment (exit 2), not a reference that scores 0.
#[test]
fn check_refuses_a_missing_reference_folder() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("assignment.toml"),
        "title = \"t\"\nscn = \"1\"\nreference = \"reference\"\n\n[[scenario]]\nfile = \"a.scn\"\ntitle = \"s\"\npoints = 1\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("a.scn"), "scenario \"s\" {\n  wait 1s\n}\n").unwrap();
    let out = scn(&["grade", tmp.path().to_str().unwrap(), "--check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("reference = \"reference\" in assignment.toml:")
            && err.contains("is not a folder"),
        "{err}"
    );
    std::fs::create_dir(tmp.path().join("reference")).unwrap();
    let out = scn(&["grade", tmp.path().to_str().unwrap(), "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

/// A `[[scenario]] file` of assignment.toml that leaves the folder is a teacher's error
/// about the assignment folder: it said "leaves the submission folder", which sent the
/// teacher looking at the students' files.
#[test]
fn a_scenario_file_outside_the_assignment_names_the_assignment_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let a = assignment_with(tmp.path(), "scenario \"s\" {\n  wait 1s\n}\n");
    std::fs::write(
        a.join("assignment.toml"),
        "title = \"t\"\nscn = \"1\"\n[[scenario]]\nfile = \"../t.scn\"\ntitle = \"*\"\npoints = 1\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_scn"))
        .args(["grade", a.to_str().unwrap(), "--check"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(
            "assignment.toml: [[scenario]] file: \"../t.scn\" leaves the assignment folder"
        ),
        "{text}"
    );
    assert!(!text.contains("submission"), "{text}");
}

/// Two `[[scenario]]` entries that grade the same scenario (the same title twice, or a
/// title and `*`) counted it twice; refused with both entries' lines.
#[test]
fn a_scenario_graded_by_two_entries_is_refused_with_both_lines() {
    for (first, second) in [("s", "s"), ("*", "s")] {
        let err = refused_assignment(&format!(
            "title = \"t\"\nscn = \"1\"\n\n[[scenario]]\nfile = \"a.scn\"\ntitle = \"{first}\"\npoints = 1\n\n[[scenario]]\nfile = \"a.scn\"\ntitle = \"{second}\"\npoints = 1\n"
        ));
        assert!(
            err.contains("scenario \"s\" of a.scn is graded by two [[scenario]] entries, number 1 (line 4) and number 2 (line 9): it would count twice"),
            "{err}"
        );
    }
}

/// A batch's summary line said `bob 0/11` for an empty required file, with no reason (the
/// single report explains it): the line now carries the file's load error.
#[test]
fn a_batch_summary_line_says_why_an_empty_file_scored_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let subs = tmp.path().join("subs");
    reference_submission(&subs, "alice");
    reference_submission(&subs, "bob");
    std::fs::write(subs.join("bob").join("web.yaml"), "").unwrap();
    let out = grade_batch(&subs, &tmp.path().join("book.csv"), &[]);
    let text = stdout(&out);
    assert!(text.contains("alice 11/11\n"), "{text}");
    assert!(
        text.contains("bob 0/11 (web.yaml is empty: no objects passed to apply)\n"),
        "{text}"
    );
}

/// A submission whose object every scenario's `apply` refused (`kind: Banana`) scored 0/11
/// with no reason on its summary line: the line now carries the refusal they all share,
/// while a submission that failed expectations keeps a bare score.
#[test]
fn a_batch_summary_line_names_the_refusal_every_scenario_shared() {
    let tmp = tempfile::tempdir().unwrap();
    let subs = tmp.path().join("subs");
    reference_submission(&subs, "alice");
    reference_submission(&subs, "carol");
    reference_submission(&subs, "dave");
    std::fs::write(
        subs.join("carol").join("web.yaml"),
        "apiVersion: v9\nkind: Banana\nmetadata: {name: web}\n",
    )
    .unwrap();
    // Dave's set applies but has one replica: his tests fail their expectations.
    let dave = subs.join("dave").join("web.yaml");
    let one = std::fs::read_to_string(&dave)
        .unwrap()
        .replace("replicas: 3", "replicas: 1");
    std::fs::write(&dave, one).unwrap();
    let out = grade_batch(&subs, &tmp.path().join("book.csv"), &[]);
    let text = stdout(&out);
    assert!(text.contains("alice 11/11\n"), "{text}");
    assert!(
        text.contains("carol 0/11 (every scenario failed the same way: the cluster refused the action: error: resource mapping not found for name: \"web\""),
        "{text}"
    );
    assert!(
        text.contains("no matches for kind \"Banana\" in version \"v9\""),
        "{text}"
    );
    let dave = text
        .lines()
        .find(|l| l.starts_with("dave "))
        .unwrap_or_default();
    assert!(
        dave.contains("/11") && !dave.contains("/11 ") && !dave.starts_with("dave 11/"),
        "a failed expectation keeps a bare score: {text}"
    );
}
