//! What a reader may see: the teacher sees everything; a student sees a scenario's text
//! only once its visibility allows (`visible` always, `after_due_date` after the due date,
//! `after_published` once grades are published, `hidden` never). A `title_and_points`
//! scenario shows its title and points to students, never its failure or hint. A scenario
//! not yet shown appears as "hidden test N" with its points only.
//!
//! The platforms' documents (Gradescope, GitHub Classroom) are read by students through
//! the platform: written in the teacher's view they carry every test in full (Gradescope
//! hides tests by their `visibility` itself) except the details of a `title_and_points`
//! test, which no platform can hide (`View::Platform`).

use super::{points, GradeReport, TestResult, Visibility};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Teacher,
    Student {
        after_due: bool,
        published: bool,
    },
    /// A platform document in the teacher's view: everything but `title_and_points` details.
    Platform,
}

impl View {
    /// Whether this reader may see the scenario's title.
    pub fn shows(self, visibility: Visibility) -> bool {
        match self {
            View::Teacher | View::Platform => true,
            View::Student {
                after_due,
                published,
            } => match visibility {
                Visibility::Visible | Visibility::TitleAndPoints => true,
                Visibility::AfterDueDate => after_due || published,
                Visibility::AfterPublished => published,
                Visibility::Hidden => false,
            },
        }
    }

    /// Whether this reader may see the scenario's file, failure and hint.
    pub fn details(self, visibility: Visibility) -> bool {
        match self {
            View::Teacher => true,
            _ => self.shows(visibility) && visibility != Visibility::TitleAndPoints,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            View::Teacher => "teacher",
            View::Student { .. } => "student",
            View::Platform => "platform",
        }
    }

    /// The view a platform document is written in: a student view as asked, else
    /// `Platform`.
    pub fn for_platform(self) -> View {
        match self {
            View::Teacher => View::Platform,
            v => v,
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

/// Most lines of one test's feedback in any format: the first lines and a count of the rest.
pub const MAX_TEST_FEEDBACK_LINES: usize = 60;

/// The failure text and hint a reader sees (empty when passed or not shown). A test that
/// a submission file's load error blocked says so in one line: the error itself is shown
/// once, at the top of the report (`load_errors`).
pub fn feedback(t: &TestResult, view: View) -> String {
    if t.passed || !view.details(t.spec.visibility) {
        return String::new();
    }
    if let Some(file) = &t.blocked_by {
        return format!("  not run: {file} could not be loaded (see the error at the top)\n");
    }
    let mut out = cap_lines(&t.output, MAX_TEST_FEEDBACK_LINES);
    if out.is_empty() {
        out = format!("  error: {}\n", t.message);
    }
    if let Some(hint) = t.spec.hint.as_ref().filter(|_| t.expectation_failed) {
        out.push_str(&format!("  hint: {hint}\n"));
    }
    out
}

/// `text` cut to its first `max` lines, then `... N more lines`.
pub fn cap_lines(text: &str, max: usize) -> String {
    let total = text.lines().count();
    if total <= max {
        return text.to_string();
    }
    let mut out: String = text.lines().take(max).map(|l| format!("{l}\n")).collect();
    out.push_str(&format!("  ... {} more lines\n", total - max));
    out
}

/// The submission-level errors a reader sees: the problems, then each submission file
/// that could not be loaded, once, with the tests it blocked (by name as the reader sees
/// them; tests the reader may not see are counted).
pub fn errors(report: &GradeReport, view: View) -> String {
    // The platform's summary is shown to students: name only the tests they may read.
    let names_view = match view {
        View::Platform => View::Student {
            after_due: false,
            published: false,
        },
        v => v,
    };
    let mut out = String::new();
    for p in &report.problems {
        out.push_str(&format!("error: {p}\n"));
    }
    for e in &report.load_errors {
        let blocked: Vec<&TestResult> = report
            .tests
            .iter()
            .filter(|t| t.blocked_by.as_deref() == Some(e.file.as_str()))
            .collect();
        if !report.problems.iter().any(|p| p.contains(&e.message)) {
            out.push_str(&format!("error: {}\n", e.message));
        }
        let mut names: Vec<String> = blocked
            .iter()
            .filter(|t| names_view.shows(t.spec.visibility))
            .map(|t| format!("{}. {}", t.spec.number, t.spec.title))
            .collect();
        let unseen = blocked.len() - names.len();
        if unseen > 0 {
            names.push(format!(
                "{unseen} hidden test{}",
                if unseen == 1 { "" } else { "s" }
            ));
        }
        out.push_str(&format!(
            "  {} could not be loaded; not run because of it: {}\n",
            e.file,
            names.join(", ")
        ));
    }
    out
}

/// The human report.
pub fn render_human(report: &GradeReport, view: View) -> String {
    let mut out = format!("{}\nsubmission: {}\n", report.assignment, report.submission);
    out.push_str(&errors(report, view));
    out.push('\n');
    for t in &report.tests {
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
        out.push_str(&feedback(t, view));
    }
    out.push('\n');
    out.push_str(&format!(
        "Points {}/{}\n",
        points(report.score),
        points(report.max_score)
    ));
    out
}
