//! The result of one submission in each output format.
//!
//! - `human`: the report people read (`view::render_human`).
//! - `json`: scn's own document, filtered by the view like `human`.
//! - `gradescope`: the autograder's `results.json`. Every test is written with its
//!   `visibility`: Gradescope itself keeps hidden tests from students. A `title_and_points`
//!   test is `visible` there, without its output (Gradescope has no such level).
//! - `classroom`: GitHub Classroom's autograding reporter format. The grader runs in the
//!   student's repository, so the scenarios are there to read anyway; every test is written
//!   in full but for the details of a `title_and_points` test.
//! - `prairielearn`: the external grader's `results.json`, which students see as is: tests
//!   are filtered by the view (a student view by default).
//!
//! `--student-view` (with `--after-due`/`--published`) filters every format alike: a test
//! the student may not see yet is "hidden test N" with its points, without file, line,
//! message, output or hint.

use clap::ValueEnum;
use serde_json::{json, Value};

use super::view::{self, View};
use super::{points, GradeReport, Visibility};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Gradescope,
    Classroom,
    Prairielearn,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Human,
        Format::Json,
        Format::Gradescope,
        Format::Classroom,
        Format::Prairielearn,
    ];
}

/// Renders `report` in `format` as `view` allows. Platform documents are read by students:
/// gradescope and classroom in the teacher view are written in `View::Platform`; for
/// prairielearn the teacher view becomes the student view before the due date, since
/// students read that file as it is.
pub fn render(report: &GradeReport, format: Format, view: View) -> String {
    match format {
        Format::Human => view::render_human(report, view),
        Format::Json => pretty(&json_doc(report, view)),
        Format::Gradescope => pretty(&gradescope(report, view.for_platform())),
        Format::Classroom => pretty(&classroom(report, view.for_platform())),
        Format::Prairielearn => {
            let view = match view {
                View::Teacher => View::Student {
                    after_due: false,
                    published: false,
                },
                v => v,
            };
            pretty(&prairielearn(report, view))
        }
    }
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn num(v: f64) -> Value {
    let rounded = (v * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        json!(rounded as i64)
    } else {
        json!(rounded)
    }
}

fn summary(report: &GradeReport, view: View) -> String {
    let mut out = view::errors(report, view);
    out.push_str(&format!(
        "Points {}/{}\n",
        points(report.score),
        points(report.max_score)
    ));
    out
}

pub fn json_doc(report: &GradeReport, view: View) -> Value {
    json!({
        "assignment": report.assignment,
        "submission": report.submission,
        "view": view.name(),
        "score": num(report.score),
        "max_score": num(report.max_score),
        "gradable": report.gradable,
        "problems": report.problems,
        "load_errors": report.load_errors.iter().map(|e| json!({
            "file": e.file,
            "message": e.message,
            "blocked": report.tests.iter()
                .filter(|t| t.blocked_by.as_deref() == Some(e.file.as_str()))
                .map(|t| t.spec.number)
                .collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "tests": report.tests.iter().map(|t| {
            let shown = view.details(t.spec.visibility);
            json!({
                "number": t.spec.number,
                "name": view::test_name(t, view),
                "file": if shown { json!(t.spec.file) } else { Value::Null },
                "line": if shown { json!(t.spec.line) } else { Value::Null },
                "visibility": t.spec.visibility.as_str(),
                "status": if t.passed { "passed" } else { "failed" },
                "score": num(t.score),
                "max_score": num(t.spec.points),
                "message": if shown { json!(t.message) } else { json!("") },
                "hint": if shown && !t.passed && t.expectation_failed { json!(t.spec.hint) } else { Value::Null },
                "output": view::feedback(t, view),
            })
        }).collect::<Vec<_>>(),
    })
}

pub fn gradescope(report: &GradeReport, view: View) -> Value {
    json!({
        "score": num(report.score),
        "max_score": num(report.max_score),
        "execution_time": (report.duration_ms as f64 / 1000.0),
        "output": summary(report, view),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": report.tests.iter().map(|t| json!({
            "name": view::test_name(t, view),
            "number": t.spec.number.to_string(),
            "score": num(t.score),
            "max_score": num(t.spec.points),
            "status": if t.passed { "passed" } else { "failed" },
            "output": view::feedback(t, view),
            "visibility": match t.spec.visibility {
                Visibility::TitleAndPoints => "visible",
                v => v.as_str(),
            },
            "tags": t.tags,
        })).collect::<Vec<_>>(),
    })
}

pub fn classroom(report: &GradeReport, view: View) -> Value {
    let status = if !report.gradable {
        "error"
    } else if report.full_marks() {
        "pass"
    } else {
        "fail"
    };
    json!({
        "version": 1,
        "status": status,
        "max_score": num(report.max_score),
        "tests": report.tests.iter().enumerate().map(|(i, t)| {
            let shown = view.details(t.spec.visibility);
            // The format has no place for the submission's errors: the first test's
            // message carries them, once.
            let message = if i == 0 {
                format!("{}{}", view::errors(report, view), view::feedback(t, view))
            } else {
                view::feedback(t, view)
            };
            json!({
                "name": view::test_name(t, view),
                "status": if t.passed { "pass" } else { "fail" },
                "score": num(t.score),
                "max_score": num(t.spec.points),
                "message": message,
                "test_code": if shown { format!("{}::{}", t.spec.file, t.spec.title) } else { String::new() },
                "filename": if shown { t.spec.file.clone() } else { String::new() },
                "line_no": if shown { t.spec.line } else { 0 },
                "execution_time": format!("{:.3}s", t.duration_ms as f64 / 1000.0),
            })
        }).collect::<Vec<_>>(),
    })
}

pub fn prairielearn(report: &GradeReport, view: View) -> Value {
    let fraction = if report.max_score > 0.0 {
        (report.score / report.max_score).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let message = if report.gradable {
        format!(
            "Points {}/{}",
            points(report.score),
            points(report.max_score)
        )
    } else {
        format!(
            "Not graded (no attempt used): {}",
            report.problems.join("; ")
        )
    };
    json!({
        "gradable": report.gradable,
        "score": if report.gradable { json!((fraction * 10000.0).round() / 10000.0) } else { json!(0) },
        "message": message,
        "output": view::render_human(report, view),
        "tests": report.tests.iter().map(|t| {
            let shown = view.details(t.spec.visibility);
            json!({
                "name": view::test_name(t, view),
                "points": num(t.score),
                "max_points": num(t.spec.points),
                "message": if shown { t.message.clone() } else { String::new() },
                "output": view::feedback(t, view),
            })
        }).collect::<Vec<_>>(),
    })
}
