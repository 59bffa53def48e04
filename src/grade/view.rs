//! What a reader may see: the teacher sees everything; a student sees a scenario's text
//! only once its visibility allows (`visible` always, `after_due_date` after the due date,
//! `after_published` once grades are published, `hidden` never). A scenario not yet
//! shown appears as "hidden test N" with its points only.

use super::{points, GradeReport, TestResult, Visibility};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Teacher,
    Student { after_due: bool, published: bool },
}

impl View {
    /// Whether this reader may see the scenario's title, failure and hint.
    pub fn shows(self, visibility: Visibility) -> bool {
        match self {
            View::Teacher => true,
            View::Student {
                after_due,
                published,
            } => match visibility {
                Visibility::Visible => true,
                Visibility::AfterDueDate => after_due || published,
                Visibility::AfterPublished => published,
                Visibility::Hidden => false,
            },
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            View::Teacher => "teacher",
            View::Student { .. } => "student",
        }
    }
}

/// The name a reader sees for a test.
pub fn test_name(t: &TestResult, view: View) -> String {
    if view.shows(t.spec.visibility) {
        t.spec.title.clone()
    } else {
        format!("hidden test {}", t.spec.number)
    }
}

/// The failure text and hint a reader sees (empty when passed or not shown).
pub fn feedback(t: &TestResult, view: View) -> String {
    if t.passed || !view.shows(t.spec.visibility) {
        return String::new();
    }
    let mut out = t.output.clone();
    if out.is_empty() {
        out = format!("  error: {}\n", t.message);
    }
    if let Some(hint) = t.spec.hint.as_ref().filter(|_| t.expectation_failed) {
        out.push_str(&format!("  hint: {hint}\n"));
    }
    out
}

/// The human report.
pub fn render_human(report: &GradeReport, view: View) -> String {
    let mut out = format!("{}\nsubmission: {}\n", report.assignment, report.submission);
    for p in &report.problems {
        out.push_str(&format!("error: {p}\n"));
    }
    out.push('\n');
    for t in &report.tests {
        let shown = view.shows(t.spec.visibility);
        let status = if t.passed { "PASS" } else { "FAIL" };
        let tag = match (view, t.spec.visibility) {
            (View::Teacher, v) if v != Visibility::Visible => format!(" [{}]", v.as_str()),
            _ => String::new(),
        };
        out.push_str(&format!(
            "{status} {}. {} ({}/{} points){tag}\n",
            t.spec.number,
            test_name(t, view),
            points(t.score),
            points(t.spec.points)
        ));
        if shown && !t.passed {
            out.push_str(&feedback(t, view));
        }
    }
    out.push('\n');
    out.push_str(&format!(
        "Points {}/{}\n",
        points(report.score),
        points(report.max_score)
    ));
    out
}
