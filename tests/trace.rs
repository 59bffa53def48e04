//! `scn trace`: the timeline of one scenario, and that tracing changes nothing.

use std::path::Path;
use std::process::{Command, Output};

use kscn::runner::exec;
use kscn::runner::load::{self, LoadedFile};
use kscn::runner::trace::{self, Entry, StmtResult, Traced};
use kscn::runner::Status;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load_file(rel: &str) -> LoadedFile {
    load::load(&root().join(rel), rel).unwrap_or_else(|_| panic!("{rel} loads"))
}

/// A file in the seed folder (so `manifests/web.yaml` resolves) from `source`.
fn load_inline(source: &str) -> LoadedFile {
    let path = root().join("scenarios/seed/trace-test.scn");
    load::load_source(&path, "trace-test.scn", source.to_string())
        .unwrap_or_else(|_| panic!("the test source loads"))
}

fn titled(file: &LoadedFile, title: &str) -> usize {
    file.ast
        .scenarios
        .iter()
        .position(|s| s.title == title)
        .expect("the scenario exists")
}

/// The index of the first pod entry for `name` with `status`.
fn pod_at(t: &Traced, name: &str, status: &str) -> Option<usize> {
    t.entries.iter().position(|e| {
        matches!(e, Entry::Pod { row, deleted: false, .. } if row.name == name && row.status == status)
    })
}

fn first_of(t: &Traced, name: &str) -> Option<usize> {
    t.entries
        .iter()
        .position(|e| matches!(e, Entry::Pod { row, .. } if row.name == name))
}

#[test]
fn web_0_starts_and_is_running_before_web_1_appears() {
    let file = load_file("scenarios/seed/topology.scn");
    let t = trace::trace(&file, 0);
    assert!(t.passed);
    let pending = pod_at(&t, "web-0", "Pending").expect("web-0 Pending");
    let creating = pod_at(&t, "web-0", "ContainerCreating").expect("web-0 ContainerCreating");
    let running = pod_at(&t, "web-0", "Running").expect("web-0 Running");
    let web1 = first_of(&t, "web-1").expect("web-1 appears");
    assert!(pending < creating && creating < running && running < web1);
    let wait = t
        .entries
        .iter()
        .position(|e| {
            matches!(e, Entry::Wait { set, reason, .. } if set == "web" && reason.contains("web-0"))
        })
        .expect("a wait naming web-0");
    assert!(wait < web1);
    let Entry::Wait { reason, .. } = &t.entries[wait] else {
        unreachable!()
    };
    assert_eq!(reason, "OrderedReady: web-0 is not Ready");
}

#[test]
fn a_deleted_pod_shows_terminating_then_its_deleted_line() {
    let file = load_file("scenarios/seed/topology.scn");
    let index = titled(
        &file,
        "deleted pods come back with the same names, in order",
    );
    let t = trace::trace(&file, index);
    assert!(t.passed);
    let terminating = pod_at(&t, "web-1", "Terminating").expect("web-1 Terminating");
    let deleted = t
        .entries
        .iter()
        .position(|e| matches!(e, Entry::Pod { row, deleted: true, .. } if row.name == "web-1"))
        .expect("web-1's deleted line");
    assert!(terminating < deleted);
    let Entry::Pod { row, .. } = &t.entries[deleted] else {
        unreachable!()
    };
    assert_eq!(row.status, "Terminating");
}

#[test]
fn statements_appear_at_their_lines_with_their_results() {
    let file = load_inline(
        "scenario \"refused\" {\n  apply \"manifests/web.yaml\"\n  delete pod/nope fails with \"not found\"\n  await statefulset/web ready\n}\n",
    );
    let t = trace::trace(&file, 0);
    assert!(t.passed);
    let statements: Vec<(usize, &str, &StmtResult)> = t
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Statement {
                line, text, result, ..
            } => Some((*line, text.as_str(), result)),
            _ => None,
        })
        .collect();
    assert_eq!(statements.len(), 3);
    assert_eq!(
        (statements[0].0, statements[0].1),
        (2, "apply \"manifests/web.yaml\"")
    );
    assert_eq!(statements[1].0, 3);
    assert!(matches!(statements[1].2, StmtResult::Refused(m) if m.contains("not found")));
    assert_eq!(statements[2].0, 4);
    assert_eq!(statements[2].2, &StmtResult::Ok);
}

#[test]
fn a_failing_statement_is_marked_failed() {
    let file = load_inline(
        "scenario \"fails\" {\n  apply \"manifests/web.yaml\"\n  expect pods == [web-0, web-1]\n}\n",
    );
    let t = trace::trace(&file, 0);
    assert!(!t.passed);
    assert!(matches!(
        t.entries.last(),
        Some(Entry::Statement {
            line: 3,
            result: StmtResult::Failed(_),
            ..
        })
    ));
}

#[test]
fn json_parses_and_has_every_type() {
    let file = load_file("scenarios/seed/topology.scn");
    let t = trace::trace(&file, 0);
    let value: serde_json::Value =
        serde_json::from_str(&trace::render_json(&t)).expect("valid JSON");
    let items = value.as_array().expect("an array");
    for kind in ["statement", "pod", "wait"] {
        assert!(items.iter().any(|i| i["type"] == kind), "{kind}");
    }
    assert!(items.iter().all(|i| i["at_ms"].is_u64()));
}

#[test]
fn tracing_does_not_change_any_result() {
    let files = kscn::runner::discover(&[root().join("scenarios")]).expect("scenarios exist");
    assert!(files.len() > 3);
    for (path, shown) in files {
        let file = load::load(&path, &shown).unwrap_or_else(|_| panic!("{shown} loads"));
        for index in 0..file.ast.scenarios.len() {
            let plain = exec::run_scenario(&file, index);
            let traced = trace::trace(&file, index);
            assert_eq!(
                matches!(plain.status, Status::Passed),
                traced.passed,
                "{shown}::{}",
                plain.title
            );
            if shown.contains("seed") {
                // The same input gives the same trace.
                assert_eq!(trace::trace(&file, index).entries, traced.entries);
            }
        }
    }
}

#[test]
fn snapshot_of_a_short_trace() {
    let file = load_inline(
        "scenario \"one pod\" {\n  apply \"manifests/web.yaml\"\n  await pod/web-0 ready\n  delete pod/web-0\n}\n",
    );
    let t = trace::trace(&file, 0);
    insta::assert_snapshot!("trace_short", trace::render_human(&t, trace::UNICODE));
}

fn scn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scn"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the scn binary runs")
}

#[test]
fn cli_traces_the_first_scenario_and_lists_titles_for_an_unknown_one() {
    let out = scn(&["trace", "scenarios/seed/topology.scn", "--ascii"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("> 6  apply \"manifests/web.yaml\""), "{text}");
    assert!(
        text.contains("|| statefulset/web: OrderedReady: web-0 is not Ready"),
        "{text}"
    );
    let out = scn(&["trace", "scenarios/seed/topology.scn", "--scenario", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("each pod's hostname is its name"), "{err}");
    let out = scn(&["trace", "tests/fixtures/does-not-exist.scn"]);
    assert_eq!(out.status.code(), Some(2));
    let out = scn(&["trace", "tests/fixtures/typo.scn"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `scale`?"));
    let out = scn(&["trace", "scenarios/seed/topology.scn", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let _: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
}
