//! `scn grade` visibility, feedback and the student pack: `title_and_points` and `hidden`
//! scenarios are honoured alike by every format, `--student-view` applies to every format,
//! a submission file that does not load is reported once with the tests it blocked, and
//! `--student-pack` holds the visible scenarios only and runs against the reference.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ASSIGNMENT: &str = "assignments/statefulset-basics";
const FORMATS: [&str; 5] = ["human", "json", "gradescope", "classroom", "prairielearn"];

fn scn_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scn"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .output()
        .expect("the scn binary runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example assignment's scenario files with new visibilities: the headless test
/// visible, the replicas test title_and_points, ordered.scn title_and_points, dns.scn
/// hidden; each hint a marker that must not reach a student.
fn assignment(dir: &Path) -> PathBuf {
    let a = dir.join("assignment");
    std::fs::create_dir_all(&a).unwrap();
    for f in ["objects.scn", "ordered.scn", "dns.scn"] {
        std::fs::copy(root().join(ASSIGNMENT).join(f), a.join(f)).unwrap();
    }
    std::fs::write(
        a.join("assignment.toml"),
        r#"title = "Visibility"
required_files = ["web.yaml"]

[[scenario]]
file = "objects.scn"
title = "The Service nginx is headless"
points = 1
visibility = "visible"
hint = "HINT-VISIBLE"

[[scenario]]
file = "objects.scn"
title = "The StatefulSet web runs 3 ready replicas named web-0, web-1, web-2"
points = 2
visibility = "title-and-points"
hint = "HINT-TP-OBJECTS"

[[scenario]]
file = "ordered.scn"
title = "*"
points = 2
visibility = "title_and_points"
hint = "HINT-TP-ORDERED"

[[scenario]]
file = "dns.scn"
title = "*"
points = 2
visibility = "hidden"
hint = "HINT-HIDDEN"
"#,
    )
    .unwrap();
    a
}

fn grade(a: &Path, submission: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "grade",
        a.to_str().unwrap(),
        "--submission",
        submission.to_str().unwrap(),
        "--exit-zero",
    ];
    args.extend_from_slice(extra);
    let out = scn_in(&root(), &args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn title_and_points_shows_title_and_points_but_no_details_in_every_student_visible_format() {
    let tmp = tempfile::tempdir().unwrap();
    let a = assignment(tmp.path());
    // `parallel` fails the ordered scenario: its hint and failure must stay hidden.
    let parallel = root().join(ASSIGNMENT).join("samples/parallel");
    let ordered_title = "Pods start in order: web-1 is created only after web-0 is Ready";
    for format in FORMATS {
        let student = grade(&a, &parallel, &["--student-view", "--format", format]);
        assert!(student.contains(ordered_title), "{format}: {student}");
        for secret in [
            "HINT-TP-ORDERED",
            "HINT-TP-OBJECTS",
            "HINT-HIDDEN",
            "ordered.scn",
            "dns.scn",
            "await",
        ] {
            assert!(
                !student.contains(secret),
                "{format} shows {secret}: {student}"
            );
        }
        assert!(student.contains("hidden test 4"), "{format}: {student}");
    }
    // The documents platforms show students, written in the teacher's view: hidden tests
    // are left to the platform (Gradescope hides them), title_and_points details are gone.
    for format in ["gradescope", "classroom"] {
        let doc = grade(&a, &parallel, &["--format", format]);
        assert!(doc.contains(ordered_title), "{format}: {doc}");
        assert!(!doc.contains("HINT-TP-ORDERED"), "{format}: {doc}");
        assert!(!doc.contains("\"ordered.scn"), "{format}: {doc}");
    }
    let gradescope: serde_json::Value =
        serde_json::from_str(&grade(&a, &parallel, &["--format", "gradescope"])).unwrap();
    let tests = gradescope["tests"].as_array().unwrap();
    assert_eq!(tests[2]["visibility"], "visible");
    assert_eq!(tests[2]["output"], "");
    assert_eq!(tests[2]["score"], 0);
    assert_eq!(tests[3]["visibility"], "hidden");
    // The teacher sees everything, tagged.
    let teacher = grade(&a, &parallel, &[]);
    assert!(teacher.contains("HINT-TP-ORDERED"), "{teacher}");
    assert!(teacher.contains("[title_and_points]"), "{teacher}");
}

#[test]
fn a_submission_file_that_does_not_load_is_reported_once_with_the_tests_it_blocked() {
    let tmp = tempfile::tempdir().unwrap();
    let a = assignment(tmp.path());
    let bad = tmp.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(
        bad.join("web.yaml"),
        "apiVersion: v1\nkind: Service\n  metadata: [\n",
    )
    .unwrap();
    let error = "mapping values are not allowed in this context (line 3, column 11)";
    for format in FORMATS {
        for view in [&[][..], &["--student-view"][..]] {
            let mut extra = vec!["--format", format];
            extra.extend_from_slice(view);
            let text = grade(&a, &bad, &extra);
            // JSON documents may carry the message twice (problems and load_errors), the
            // text a person reads shows it once.
            let shown = text.matches(error).count();
            assert!(
                (1..=2).contains(&shown),
                "{format} {view:?}: {shown}x {text}"
            );
            assert!(!text.contains("HINT-"), "{format} {view:?}: {text}");
        }
        let human = grade(&a, &bad, &["--student-view"]);
        assert_eq!(human.matches(error).count(), 1, "{human}");
        assert!(human.contains(
            "web.yaml could not be loaded; not run because of it: 1. The Service nginx is headless, \
             2. The StatefulSet web runs 3 ready replicas named web-0, web-1, web-2, 3. Pods start in order"
        ), "{human}");
        assert!(human.contains("1 hidden test\n"), "{human}");
    }
}

#[test]
fn student_view_is_refused_where_it_cannot_apply() {
    let tmp = tempfile::tempdir().unwrap();
    let a = assignment(tmp.path());
    let out = scn_in(
        &root(),
        &[
            "grade",
            a.to_str().unwrap(),
            "--submissions",
            tmp.path().to_str().unwrap(),
            "--student-view",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--student-view"));
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn the_student_pack_holds_only_visible_scenarios_and_runs_against_the_reference() {
    let tmp = tempfile::tempdir().unwrap();
    let a = assignment(tmp.path());
    std::fs::write(a.join("README.md"), "# Visibility\n\nWrite web.yaml.\n").unwrap();
    // A visible scenario with its own manifest, and a hidden one whose manifest stays out.
    std::fs::create_dir_all(a.join("more/manifests")).unwrap();
    let service = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  clusterIP: None\n  selector:\n    app: x\n  ports:\n  - port: 80\n"
        )
    };
    std::fs::write(a.join("more/manifests/extra.yaml"), service("extra")).unwrap();
    std::fs::write(a.join("more/manifests/secret.yaml"), service("secret")).unwrap();
    std::fs::write(
        a.join("more/extra.scn"),
        "scenario \"the extra Service is headless\" {\n  apply \"manifests/extra.yaml\"\n  expect service/extra.spec.clusterIP == None\n}\n",
    )
    .unwrap();
    std::fs::write(
        a.join("more/secret.scn"),
        "scenario \"the secret Service is headless\" {\n  apply \"manifests/secret.yaml\"\n  expect service/secret.spec.clusterIP == None\n}\n",
    )
    .unwrap();
    let mut toml = std::fs::read_to_string(a.join("assignment.toml")).unwrap();
    toml.push_str(
        "\n[[scenario]]\nfile = \"more/extra.scn\"\ntitle = \"*\"\npoints = 1\n\n[[scenario]]\nfile = \"more/secret.scn\"\ntitle = \"*\"\npoints = 1\nvisibility = \"hidden\"\n",
    );
    std::fs::write(a.join("assignment.toml"), toml).unwrap();
    let pack = tmp.path().join("pack");
    let out = scn_in(
        &root(),
        &[
            "grade",
            a.to_str().unwrap(),
            "--student-pack",
            pack.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let mut files = Vec::new();
    files_under(&pack, &mut files);
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(&pack)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    assert_eq!(
        names,
        [
            "README.md",
            "scenarios/more/extra.scn",
            "scenarios/more/manifests/extra.yaml",
            "scenarios/objects.scn"
        ]
    );
    let readme = std::fs::read_to_string(pack.join("README.md")).unwrap();
    assert!(
        readme.starts_with("# Visibility\n\nWrite web.yaml.\n"),
        "{readme}"
    );
    assert!(
        readme.contains("scn run --submission <your folder>"),
        "{readme}"
    );
    let objects = std::fs::read_to_string(pack.join("scenarios/objects.scn")).unwrap();
    assert!(
        objects.contains("The Service nginx is headless"),
        "{objects}"
    );
    assert!(!objects.contains("3 ready replicas"), "{objects}");
    // The pack runs as the README says, against the reference solution.
    let reference = root().join(ASSIGNMENT).join("reference");
    let run = scn_in(&pack, &["run", "--submission", reference.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{text}");
    assert!(text.contains("2 passed, 0 failed"), "{text}");
    // A second pack into the same folder is refused rather than mixed.
    let again = scn_in(
        &root(),
        &[
            "grade",
            a.to_str().unwrap(),
            "--student-pack",
            pack.to_str().unwrap(),
        ],
    );
    assert_eq!(again.status.code(), Some(2));
}

/// A claim template naming a StorageClass that does not exist: its claims stay unbound, so
/// web-0 is never scheduled. (A claim template renamed without its volumeMount no longer
/// gets this far: since v1.34 the set itself is refused, B-VAL-18.)
fn missing_storage_class(dir: &Path) -> PathBuf {
    let sub = dir.join("claims");
    std::fs::create_dir_all(&sub).unwrap();
    let reference =
        std::fs::read_to_string(root().join(ASSIGNMENT).join("reference/web.yaml")).unwrap();
    let changed = reference.replace(
        "\n      accessModes: [ \"ReadWriteOnce\" ]\n",
        "\n      storageClassName: fast\n      accessModes: [ \"ReadWriteOnce\" ]\n",
    );
    assert_ne!(changed, reference);
    std::fs::write(sub.join("web.yaml"), changed).unwrap();
    sub
}

#[test]
fn the_student_feedback_names_the_warning_event_that_explains_the_failure_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let sub = missing_storage_class(tmp.path());
    let a = root().join(ASSIGNMENT);
    for format in FORMATS {
        let text = grade(&a, &sub, &["--student-view", "--format", format]);
        // Test 3 awaits web-0 Ready and sees it Pending: the scheduler's FailedScheduling
        // event says why.
        assert!(
            text.contains("Warning FailedScheduling")
                && text.contains("pod has unbound immediate PersistentVolumeClaims"),
            "{format}: {text}"
        );
    }
}

#[test]
fn an_oversize_submission_scores_0_with_its_reason_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let sub = tmp.path().join("many");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::copy(
        root().join(ASSIGNMENT).join("reference/web.yaml"),
        sub.join("web.yaml"),
    )
    .unwrap();
    for i in 0..201 {
        std::fs::write(sub.join(format!("f{i}.txt")), "x").unwrap();
    }
    let a = root().join(ASSIGNMENT);
    for format in FORMATS {
        let text = grade(&a, &sub, &["--format", format]);
        assert!(text.contains("more than 200 files"), "{format}: {text}");
        match format {
            "human" => assert!(text.contains("Points 0/11"), "{text}"),
            "classroom" => assert!(text.contains("\"status\": \"error\""), "{text}"),
            "prairielearn" => assert!(text.contains("\"gradable\": false"), "{text}"),
            _ => assert!(text.contains("\"score\": 0,"), "{format}: {text}"),
        }
    }
}

#[test]
fn a_huge_failure_is_capped_alike_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let sub = tmp.path().join("huge");
    std::fs::create_dir_all(&sub).unwrap();
    let reference =
        std::fs::read_to_string(root().join(ASSIGNMENT).join("reference/web.yaml")).unwrap();
    let huge = reference.replace("replicas: 3", "replicas: 100000");
    assert_ne!(huge, reference);
    std::fs::write(sub.join("web.yaml"), huge).unwrap();
    let a = root().join(ASSIGNMENT);
    let human = grade(&a, &sub, &[]);
    assert!(human.contains(" more lines\n"), "{human}");
    let json: serde_json::Value =
        serde_json::from_str(&grade(&a, &sub, &["--format", "json"])).unwrap();
    for t in json["tests"].as_array().unwrap() {
        let lines = t["output"].as_str().unwrap().lines().count();
        // The cap, its count line and a hint.
        assert!(lines <= 62, "{lines} lines: {t}");
    }
    assert!(
        human.lines().count() < 400,
        "{} lines",
        human.lines().count()
    );
}

/// A cloned repository's `.git` (hundreds of files) counted toward the 200-file limit and
/// scored a correct submission 0. Folders starting with `.` are not counted; when the limit
/// is hit the reason names the folder most files are under.
#[test]
fn a_dot_folder_is_not_counted_and_the_busiest_folder_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let sub = tmp.path().join("cloned");
    std::fs::create_dir_all(sub.join(".git/objects")).unwrap();
    std::fs::copy(
        root().join(ASSIGNMENT).join("reference/web.yaml"),
        sub.join("web.yaml"),
    )
    .unwrap();
    for i in 0..300 {
        std::fs::write(sub.join(format!(".git/objects/o{i}")), "x").unwrap();
    }
    let a = root().join(ASSIGNMENT);
    let text = grade(&a, &sub, &["--format", "human"]);
    assert!(text.contains("Points 11/11"), "{text}");

    std::fs::create_dir_all(sub.join("node_modules/x")).unwrap();
    for i in 0..300 {
        std::fs::write(sub.join(format!("node_modules/x/m{i}.js")), "x").unwrap();
    }
    let text = grade(&a, &sub, &["--format", "human"]);
    assert!(
        text.contains("the submission has more than 200 files (folders starting with `.` not counted), most of them under node_modules/: hand in the files the assignment names, not node_modules/"),
        "{text}"
    );
}
