//! Machine-readable reports (`--format json|junit`), GitHub Actions annotations and
//! `--no-timings`. The JSON schema is documented in `docs/reports.md`; its field names
//! are stable, and serde writes them in the order the structs declare them.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use super::load::LoadError;
use super::outcome::{Failure, ScenarioResult, Status};
use super::report::{self, Palette};
use super::FileOutcome;

/// The version of the JSON report's schema; it changes only when a field changes meaning
/// or goes away (new fields may be added).
pub const JSON_VERSION: u32 = 1;

/// `--no-timings`: zero the wall-clock fields, so two runs give byte-identical reports.
pub fn zero_timings(outcomes: &mut [FileOutcome]) {
    for outcome in outcomes {
        if let Ok(results) = &mut outcome.result {
            for r in results {
                r.duration_ms = 0;
            }
        }
    }
}

/// The whole JSON report.
#[derive(Clone, Debug, Serialize)]
pub struct JsonReport {
    pub version: u32,
    pub scenarios: Vec<JsonScenario>,
    pub errors: Vec<JsonLoadError>,
    pub summary: JsonSummary,
}

#[derive(Clone, Debug, Serialize)]
pub struct JsonScenario {
    pub file: String,
    pub scenario: String,
    pub tags: Vec<String>,
    /// `"passed"` or `"failed"`.
    pub status: &'static str,
    pub failure: Option<JsonFailure>,
    /// Wall clock, milliseconds; 0 with `--no-timings`.
    pub duration_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct JsonFailure {
    pub location: JsonLocation,
    pub statement: String,
    pub message: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// The unified diff of expected against actual, without colors.
    pub diff: Option<String>,
    /// Virtual time of the failure, as the language writes durations (`4s`).
    pub virtual_time: String,
    /// One-line notes under the diff (a zero count the API omits, a list against a single
    /// value, the Warning event a waiting pod has); left out when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct JsonLocation {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct JsonLoadError {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct JsonSummary {
    pub passed: usize,
    pub failed: usize,
    /// Files that could not be loaded (their scenarios did not run).
    pub errors: usize,
}

fn json_failure(display: &str, f: &Failure) -> JsonFailure {
    let diff = match (&f.expected, &f.actual) {
        (Some(e), Some(a)) => Some(report::unified_diff(e, a, Palette { color: false })),
        _ => None,
    };
    JsonFailure {
        location: JsonLocation {
            file: display.to_string(),
            line: f.span.line,
            column: f.span.col,
        },
        statement: f.statement.clone(),
        message: f.message.clone(),
        expected: f.expected.clone(),
        actual: f.actual.clone(),
        diff,
        virtual_time: f.at.clone(),
        notes: f.notes.clone(),
    }
}

fn json_scenario(display: &str, r: &ScenarioResult) -> JsonScenario {
    let (status, failure) = match &r.status {
        Status::Passed => ("passed", None),
        Status::Failed(f) => ("failed", Some(json_failure(display, f))),
    };
    JsonScenario {
        file: display.to_string(),
        scenario: r.title.clone(),
        tags: r.tags.clone(),
        status,
        failure,
        duration_ms: u64::try_from(r.duration_ms).unwrap_or(u64::MAX),
    }
}

fn json_load_error(e: &LoadError) -> JsonLoadError {
    let d = &e.diagnostic;
    JsonLoadError {
        file: d.file.clone(),
        line: d.span.map(|s| s.line),
        column: d.span.map(|s| s.col),
        message: d.message.clone(),
        hint: d.hint.clone(),
    }
}

pub fn json_report(outcomes: &[FileOutcome]) -> JsonReport {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for outcome in outcomes {
        match &outcome.result {
            Ok(results) => {
                scenarios.extend(results.iter().map(|r| json_scenario(&outcome.display, r)))
            }
            Err(errs) => errors.extend(errs.iter().map(json_load_error)),
        }
    }
    let t = report::totals(outcomes);
    JsonReport {
        version: JSON_VERSION,
        scenarios,
        errors,
        summary: JsonSummary {
            passed: t.passed,
            failed: t.failed,
            errors: t.broken_files,
        },
    }
}

/// `--format json`: pretty-printed, with a final newline.
pub fn render_json(outcomes: &[FileOutcome]) -> String {
    let mut text = serde_json::to_string_pretty(&json_report(outcomes))
        .expect("the report is plain data and always serializes");
    text.push('\n');
    text
}

fn millis(ms: u128) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}

/// `--format junit`: one testsuite per file, one testcase per scenario; a file that did
/// not load is a testcase `(load)` with an error.
pub fn render_junit(outcomes: &[FileOutcome]) -> String {
    let mut junit = Report::new("scn");
    let mut total = Duration::ZERO;
    for outcome in outcomes {
        let mut suite = TestSuite::new(outcome.display.as_str());
        let mut suite_time = Duration::ZERO;
        match &outcome.result {
            Ok(results) => {
                for r in results {
                    let status = match &r.status {
                        Status::Passed => TestCaseStatus::success(),
                        Status::Failed(f) => {
                            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                            s.set_message(f.message.as_str()).set_description(
                                report::render_failure(
                                    &outcome.display,
                                    f,
                                    Palette { color: false },
                                ),
                            );
                            s
                        }
                    };
                    let mut case = TestCase::new(r.title.as_str(), status);
                    case.set_classname(outcome.display.as_str());
                    case.set_time(millis(r.duration_ms));
                    suite_time += millis(r.duration_ms);
                    suite.add_test_case(case);
                }
            }
            Err(errors) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                let message = errors
                    .iter()
                    .map(|e| e.diagnostic.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                s.set_message(message)
                    .set_description(crate::runner::load::render_all(errors));
                let mut case = TestCase::new("(load)", s);
                case.set_classname(outcome.display.as_str());
                case.set_time(Duration::ZERO);
                suite.add_test_case(case);
            }
        }
        suite.set_time(suite_time);
        total += suite_time;
        junit.add_test_suite(suite);
    }
    junit.set_time(total);
    let mut text = junit
        .to_string()
        .expect("the report is plain data and always serializes");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Escapes the message of a workflow command (GitHub Actions).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=…`) of a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(file: &str, line_col: Option<(u32, u32)>, message: &str) -> String {
    let at = match line_col {
        Some((line, col)) => format!(",line={line},col={col}"),
        None => String::new(),
    };
    format!(
        "::error file={}{at}::{}\n",
        escape_property(file),
        escape_data(message)
    )
}

/// `::error file=…,line=…,col=…::message` for every failure and load error, the lines
/// GitHub Actions turns into annotations on the pull request.
pub fn github_annotations(outcomes: &[FileOutcome]) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        match &outcome.result {
            Ok(results) => {
                for r in results {
                    if let Status::Failed(f) = &r.status {
                        out.push_str(&annotation(
                            &outcome.display,
                            Some((f.span.line, f.span.col)),
                            &format!("{}: {}", r.title, f.message),
                        ));
                    }
                }
            }
            Err(errors) => {
                for e in errors {
                    let d = &e.diagnostic;
                    out.push_str(&annotation(
                        &d.file,
                        d.span.map(|s| (s.line, s.col)),
                        &d.message,
                    ));
                }
            }
        }
    }
    out
}

/// Whether the process runs in GitHub Actions (`GITHUB_ACTIONS=true`).
pub fn on_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}
