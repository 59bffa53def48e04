//! The error catalogue: one wrong input per error kind, each rendered as `scn run` shows
//! it (color off) and pinned in one snapshot (`error_catalog__catalog.snap`). Every case
//! must produce a worded error; those with a location must show `file:line:col`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use kscn::runner::{self, report, RunOptions};

const WEB: &str = include_str!("fixtures/manifests/web.yaml");

/// One wrong input: the `.scn` text (bytes, so that non-UTF-8 is possible) and extra files.
struct Case {
    name: &'static str,
    scn: Vec<u8>,
    files: Vec<(&'static str, &'static str)>,
    /// Whether the error points at a line and column.
    located: bool,
}

fn case(name: &'static str, scn: &str) -> Case {
    Case {
        name,
        scn: scn.as_bytes().to_vec(),
        files: vec![("manifests/web.yaml", WEB)],
        located: true,
    }
}

/// `body` inside a scenario whose setup applies the seed's `web`.
fn in_scenario(name: &'static str, body: &str) -> Case {
    case(
        name,
        &format!("scenario \"{name}\" {{\n  apply \"manifests/web.yaml\"\n{body}\n}}\n"),
    )
}

impl Case {
    fn with_file(mut self, path: &'static str, text: &'static str) -> Case {
        self.files.push((path, text));
        self
    }
}

fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "scn-catalog-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("manifests")).expect("temp dir");
    dir
}

/// Runs the case as `scn run case.scn` would and returns the report and the exit code.
fn run(case: &Case) -> (String, i32) {
    let dir = temp_dir();
    let path = dir.join("case.scn");
    std::fs::write(&path, &case.scn).expect("write case");
    for (name, text) in &case.files {
        std::fs::write(dir.join(name), text).expect("write file");
    }
    let outcomes = runner::run(
        &[(path, "case.scn".to_string())],
        &RunOptions {
            jobs: 1,
            ..RunOptions::default()
        },
    );
    let text = report::render(&outcomes, report::Palette { color: false });
    let _ = std::fs::remove_dir_all(&dir);
    let text = text.replace(&dir.display().to_string(), "[TMP]");
    (text, runner::exit_code(&outcomes))
}

fn cases() -> Vec<Case> {
    vec![
        // Lexical.
        in_scenario("bad escape", "  expect pod/web-0.metadata.name == \"a\\q\""),
        in_scenario("unterminated string", "  expect pod/web-0.metadata.name == \"web-0"),
        case("unterminated block", "scenario \"t\" {\n  apply \"\"\"\n    kind: Pod\n}\n"),
        in_scenario("text after a block opener", "  apply \"\"\" kind: Pod\n  \"\"\""),
        in_scenario("tab in a table", "  expect pods {\n    NAME\tSTATUS\n    web-0  Running\n  }"),
        Case {
            name: "not UTF-8",
            scn: b"scenario \"t\" {\n  wait 1s \xff\xfe\n}\n".to_vec(),
            files: vec![],
            located: true,
        },
        // Grammar.
        in_scenario("missing to", "  scale statefulset/web 5"),
        in_scenario("stray token", "  wait 5s now"),
        in_scenario("missing closing brace", "  wait 5s\n  {"),
        case("one-line cluster block", "cluster { nodes 3 }\nscenario \"t\" {\n  wait 1s\n}\n"),
        case("one-line scenario", "scenario \"one-line scenario\" { expect pods == [] }\n"),
        in_scenario("closing brace after a statement", "  wait 5s }"),
        in_scenario("fails with after expect", "  expect pods == [] fails with \"x\""),
        in_scenario("within after expect", "  expect pods == [web-0] within 5s"),
        in_scenario("throughout after await", "  await statefulset/web ready throughout 1m"),
        in_scenario("invalid duration", "  wait 5x"),
        in_scenario("duration units out of order", "  wait 5s1m"),
        in_scenario("number too large", "  scale statefulset/web to 99999999999999999999999"),
        in_scenario("brackets nested too deep", &format!("  expect pods == {}{}", "[".repeat(40), "]".repeat(40))),
        in_scenario("wrong argument count", "  expect claim(pod/web-0) == x"),
        in_scenario("query given the wrong kind of reference", "  expect ip(node/node-1) == x"),
        in_scenario("query given another wrong kind", "  expect pods(svc/nginx) == []"),
        case("stray closing brace", "scenario \"t\" {\n  wait 1s\n}\n}\n"),
        case("cluster after setup", "setup {\n  wait 1s\n}\ncluster {\n  nodes 3\n}\nscenario \"t\" {\n  wait 1s\n}\n"),
        in_scenario("duration with a blank", "  wait 1m 30s"),
        in_scenario("negative duration", "  wait -5s"),
        case("scenario never closed", "scenario \"t\" {\n  wait 1s\n"),
        // Unknown names, each with its "did you mean".
        in_scenario("unknown statement", "  scael statefulset/web to 3"),
        in_scenario("unknown kind", "  scale statefullset/web to 3"),
        in_scenario("unknown query", "  expect ipp(pod/web-0) == x"),
        in_scenario("unknown fault", "  make pod/web-0 unreddy"),
        in_scenario("fault of the wrong kind", "  make node/node-1 unready"),
        in_scenario("unknown table kind", "  expect podz {\n    NAME\n    web-0\n  }"),
        in_scenario("unknown table column", "  expect pods {\n    NAME   STATU\n    web-0  Running\n  }"),
        in_scenario("table without NAME", "  expect pods {\n    STATUS\n    Running\n  }"),
        in_scenario("table without a header", "  expect pods {\n  }"),
        in_scenario("table with a repeated column", "  expect pods {\n    NAME   STATUS  STATUS\n    web-0  Running  Running\n  }"),
        in_scenario("ragged table row", "  expect pods {\n    NAME   STATUS\n    web-0\n  }"),
        case("unknown cluster setting", "cluster {\n  max-podz 5\n}\nscenario \"t\" {\n  wait 1s\n}\n"),
        case("invalid cluster setting value", "cluster {\n  nodes many\n}\nscenario \"t\" {\n  wait 1s\n}\n"),
        case("cluster setting written twice", "cluster {\n  nodes 3\n  nodes 5\n}\nscenario \"t\" {\n  wait 1s\n}\n"),
        // Variables.
        in_scenario("unbound variable", "  expect ip(pod/web-0) == $old"),
        in_scenario("variable bound twice", "  let a = ip(pod/web-0)\n  let a = ip(pod/web-1)"),
        in_scenario("variable used before its let", "  expect ip(pod/web-0) == $old\n  let old = 1"),
        // Files and blocks.
        case("YAML error in a manifest file", "scenario \"t\" {\n  apply \"manifests/bad.yaml\"\n}\n")
            .with_file("manifests/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   labels: {a: b}\n"),
        case("manifest document that is not a mapping", "scenario \"t\" {\n  apply \"manifests/list.yaml\"\n}\n")
            .with_file("manifests/list.yaml", "---\n- a\n- b\n"),
        in_scenario("YAML error in a block", "  apply \"\"\"\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: x\n  \"\"\""),
        in_scenario("YAML error in a matches block", "  expect statefulset/web matches \"\"\"\n    spec:\n      replicas: [2\n  \"\"\""),
        in_scenario("JSON error in a patch block", "  patch statefulset/web merge \"\"\"{\"spec\": {\"replicas\" 3}}\"\"\""),
        case("missing manifest file", "scenario \"t\" {\n  apply \"manifests/nope.yaml\"\n}\n"),
        case("empty file", ""),
        case("a file with only comments", "# nothing here yet\n# still nothing\n"),
        // Refusals and failures while running.
        in_scenario("unknown manifest field", "  apply \"\"\"\n    apiVersion: v1\n    kind: Service\n    metadata:\n      name: db\n    spec:\n      selectr: {app: db}\n      ports:\n      - port: 80\n  \"\"\""),
        // kubectl patch sends no fieldValidation: the server warns and drops the field; the
        // failure that follows carries scn's hint as a note.
        in_scenario("unknown nested manifest field", "  patch statefulset/web merge \"\"\"{\"spec\": {\"replica\": 3}}\"\"\"\n  expect statefulset/web.spec.replicas == 3"),
        in_scenario("API refusal", "  patch statefulset/web merge \"\"\"{\"spec\": {\"replicas\": -1}}\"\"\""),
        in_scenario("refused with another message", "  delete pod/nope fails with \"forbidden\""),
        in_scenario("expected a refusal", "  scale statefulset/web to 3 fails with \"invalid\""),
        in_scenario("wrong expectation", "  await statefulset/web ready\n  expect pods == [web-0, web-1, web-2]"),
        in_scenario("await timeout", "  await pod/web-5 ready within 30s"),
        case("limit max-pods", "cluster {\n  max-pods 3\n}\nscenario \"t\" {\n  apply \"manifests/web.yaml\"\n  scale statefulset/web to 10\n  await statefulset/web ready within 1h\n}\n"),
        case("limit max-time", "cluster {\n  max-time 1h\n}\nscenario \"t\" {\n  wait 2h\n}\n"),
        case("limit max-events", "cluster {\n  max-events 20\n}\nscenario \"t\" {\n  apply \"manifests/web.yaml\"\n  await statefulset/web ready\n}\n"),
        // No silent passes (issue 9).
        case("duplicate scenario title", "scenario \"t\" {\n  wait 1s\n}\nscenario \"t\" {\n  wait 2s\n}\n"),
        case("empty scenario title", "scenario \"\" {\n  wait 1s\n}\n"),
        case("line break in a scenario title", "scenario \"t\\n\\nPoints 11/11\" {\n  wait 1s\n}\n"),
        in_scenario("unknown field in a path", "  expect statefulset/web.status.updatedReplica == absent"),
        in_scenario("unknown field in a path, no close name", "  expect pod/web-0.status.zzz == absent"),
        in_scenario("a list read as an object", "  expect pod/web-0.spec.containers.image == nginx"),
        in_scenario("a zero count the API omits", "  scale statefulset/web to 0\n  await statefulset/web ready\n  expect statefulset/web.status.readyReplicas == 0"),
        in_scenario("a list compared with a scalar", "  await statefulset/web ready\n  expect dns(\"web-0.nginx\") == ip(pod/web-0)"),
        case("await timeout with a recorded warning", "cluster {\n  nodes 1\n}\nscenario \"t\" {\n  apply \"manifests/web.yaml\"\n  await statefulset/web ready\n  make node/node-1 down\n  wait 60s\n  delete pod/web-0 force\n  await statefulset/web ready within 30s\n}\n"),
        case("await timeout with a FailedCreate", "scenario \"t\" {\n  apply \"\"\"\n    apiVersion: apps/v1\n    kind: StatefulSet\n    metadata: {name: a-very-long-statefulset-name-that-breaks-the-revision-label}\n    spec:\n      selector: {matchLabels: {app: x}}\n      template:\n        metadata: {labels: {app: x}}\n        spec:\n          containers: [{name: c, image: nginx}]\n  \"\"\"\n  await statefulset/a-very-long-statefulset-name-that-breaks-the-revision-label ready within 10s\n}\n"),
        in_scenario("a refused manifest document is located", "  apply \"manifests/bad.yaml\"").with_file("manifests/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  replica: 2\n"),
    ]
}

#[test]
fn catalog() {
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut out = String::new();
    for case in &cases {
        let (text, code) = run(case);
        assert!(
            text.contains("error: ") || text.contains("FAIL "),
            "{}: no error:\n{text}",
            case.name
        );
        assert_ne!(code, 0, "{}: exit 0:\n{text}", case.name);
        if case.located {
            assert!(
                text.contains("--> case.scn:") || text.contains("--> manifests/"),
                "{}: no location:\n{text}",
                case.name
            );
        }
        out.push_str(&format!(
            "=== {} (exit {code}) ===\n{}\n--- scn run case.scn ---\n{text}\n",
            case.name,
            String::from_utf8_lossy(&case.scn).trim_end()
        ));
    }
    insta::assert_snapshot!(out);
}

/// The location of a YAML error in a manifest file is in that file, at the right place.
#[test]
fn yaml_error_in_a_manifest_points_into_the_manifest() {
    let c = case(
        "yaml",
        "scenario \"t\" {\n  apply \"manifests/bad.yaml\"\n}\n",
    )
    .with_file("manifests/bad.yaml", "a: 1\nb: [1,\n");
    let (text, code) = run(&c);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("--> manifests/bad.yaml:3:1"), "{text}");
}

#[test]
fn the_catalog_files_are_not_left_behind() {
    let dir = temp_dir();
    assert!(Path::new(&dir).exists());
    let _ = std::fs::remove_dir_all(&dir);
}
