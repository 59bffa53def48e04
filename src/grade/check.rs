//! `scn grade --check`: the reference solution scores full marks and each sample
//! submission scores what `assignment.toml` declares, read back from every output format.

use serde_json::Value;

use super::formats::{self, Format};
use super::view::View;
use super::{grade, points, Assignment, GradeReport};

/// One line of the check's report and whether everything held; `Err` when a folder that
/// `assignment.toml` names for the check does not exist (a broken assignment, exit 2).
pub fn check(assignment: &Assignment) -> Result<(String, bool), String> {
    let mut out = String::new();
    let mut ok = true;
    let mut cases: Vec<(String, f64)> = Vec::new();
    match &assignment.config.reference {
        Some(r) => cases.push((r.clone(), assignment.max_score())),
        None => {
            out.push_str("note: no `reference` in assignment.toml; only the samples are checked\n")
        }
    }
    for s in &assignment.config.samples {
        cases.push((s.submission.clone(), s.score));
    }
    for (folder, _) in &cases {
        let path = assignment.dir.join(folder);
        if !path.is_dir() {
            let key = if Some(folder) == assignment.config.reference.as_ref() {
                "reference"
            } else {
                "[[sample]] submission"
            };
            return Err(format!(
                "{key} = \"{folder}\" in assignment.toml: {} is not a folder",
                path.display()
            ));
        }
    }
    for (folder, expected) in cases {
        let path = assignment.dir.join(&folder);
        let report = grade(assignment, &path, &folder);
        let mut problems = Vec::new();
        if (report.score - expected).abs() > 1e-6 {
            problems.push(format!(
                "scores {} but {} declared",
                points(report.score),
                points(expected)
            ));
        }
        for format in Format::ALL {
            if let Err(e) = score_in(&report, format) {
                problems.push(format!("{format:?} output: {e}"));
            }
        }
        if problems.is_empty() {
            out.push_str(&format!(
                "ok    {folder}: {}/{} as declared, in every format\n",
                points(report.score),
                points(report.max_score)
            ));
        } else {
            ok = false;
            out.push_str(&format!("FAIL  {folder}: {}\n", problems.join("; ")));
            for t in report.tests.iter().filter(|t| !t.passed) {
                out.push_str(&format!("  failed: {}. {}\n", t.spec.number, t.spec.title));
                out.push_str(&t.output);
            }
        }
    }
    Ok((out, ok))
}

/// Renders `report` in `format` and checks the score read back from it.
fn score_in(report: &GradeReport, format: Format) -> Result<(), String> {
    let text = formats::render(report, format, View::Teacher);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    if format == Format::Human {
        let want = format!(
            "Points {}/{}",
            points(report.score),
            points(report.max_score)
        );
        return if text.lines().any(|l| l == want) {
            Ok(())
        } else {
            Err(format!("no line `{want}`"))
        };
    }
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let tests = v["tests"].as_array().cloned().unwrap_or_default();
    let got = match format {
        Format::Json | Format::Gradescope => f(&v["score"]),
        Format::Classroom => tests.iter().map(|t| f(&t["score"])).sum(),
        Format::Prairielearn => {
            if report.gradable {
                f(&v["score"]) * report.max_score
            } else {
                tests.iter().map(|t| f(&t["points"])).sum()
            }
        }
        Format::Human => unreachable!(),
    };
    if !(close(got, report.score)
        || (format == Format::Prairielearn
            && (got - report.score).abs() < 1e-3 * report.max_score.max(1.0)))
    {
        return Err(format!("score {got}, expected {}", report.score));
    }
    Ok(())
}
