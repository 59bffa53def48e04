//! The human report, pinned: what a student sees when an expectation fails.

use std::path::Path;

use kscn::runner::{self, report, RunOptions};

fn run(fixture: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let files = vec![(path, format!("tests/fixtures/{fixture}"))];
    let outcomes = runner::run(&files, &RunOptions::default());
    report::render(&outcomes, report::Palette { color: false })
}

#[test]
fn a_failed_expectation_renders_location_statement_diff_and_pods() {
    insta::assert_snapshot!("report_wrong_expectation", run("wrong-expectation.scn"));
}

#[test]
fn a_refused_action_renders_the_api_servers_text() {
    insta::assert_snapshot!("report_selector_mismatch", run("selector-mismatch.scn"));
}

#[test]
fn a_load_error_renders_a_located_diagnostic() {
    insta::assert_snapshot!("report_typo", run("typo.scn"));
}

/// B-ID-10: kubectl lists pods by name, lexicographically, so web-10 comes before web-2
/// in the snapshot of the cluster (the `pods` query itself uses natural order).
#[test]
fn the_pods_snapshot_sorts_names_as_kubectl_does() {
    let text = run("eleven.scn");
    let snapshot = text.split("pods at that moment").nth(1).unwrap_or_default();
    let names: Vec<&str> = snapshot
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.starts_with("web-"))
        .collect();
    let position = |n: &str| names.iter().position(|x| *x == n).unwrap_or(usize::MAX);
    assert!(position("web-10") < position("web-2"), "{text}");
    assert!(position("web-1") < position("web-10"), "{text}");
    assert_eq!(names.len(), 11, "{text}");
}

#[test]
fn colors_can_be_switched_on_and_off() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wrong-expectation.scn");
    let files = vec![(path, "x.scn".to_string())];
    let outcomes = runner::run(&files, &RunOptions::default());
    assert!(report::render(&outcomes, report::Palette { color: true }).contains("\x1b[31m"));
    assert!(!report::render(&outcomes, report::Palette { color: false }).contains('\x1b'));
}

#[test]
fn an_await_timeout_shows_what_it_waited_for_against_the_cluster() {
    insta::assert_snapshot!("report_await_timeout", run("await-timeout.scn"));
}

/// A broken `throughout` names its span in the scenario's clock and how far into it the
/// expectation broke: "it broke at 2s" alone reads as two seconds into the span.
#[test]
fn a_broken_throughout_says_where_its_span_began_and_how_far_in_it_broke() {
    let text = run("throughout-breaks.scn");
    assert!(
        text.contains("(it had to hold throughout 1m, from 1s to 1m1s; it broke at 2s, 1s in)"),
        "{text}"
    );
}
