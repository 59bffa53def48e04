//! The human report: a line per scenario; for a failure the location, the statement, a
//! unified diff of expected against actual, and the pods at that moment. Rendered into a
//! string with a palette that can be switched off, so reports are snapshot-tested.

use similar::{ChangeTag, TextDiff};

use crate::lang::text::escape_control;

use super::load::LoadError;
use super::outcome::{Failure, ScenarioResult, Status};
use super::FileOutcome;

/// ANSI colors, or none.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub color: bool,
}

impl Palette {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    pub fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    pub fn red(&self, t: &str) -> String {
        self.paint("31", t)
    }
    pub fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    pub fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    pub fn cyan(&self, t: &str) -> String {
        self.paint("36", t)
    }
}

/// Counts over a whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub broken_files: usize,
}

pub fn totals(outcomes: &[FileOutcome]) -> Totals {
    let mut t = Totals::default();
    for outcome in outcomes {
        match &outcome.result {
            Ok(results) => {
                for r in results {
                    match r.status {
                        Status::Passed => t.passed += 1,
                        Status::Failed(_) => t.failed += 1,
                    }
                }
            }
            Err(_) => t.broken_files += 1,
        }
    }
    t
}

pub fn render(outcomes: &[FileOutcome], palette: Palette) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        match &outcome.result {
            Ok(results) => {
                for result in results {
                    out.push_str(&render_scenario(&outcome.display, result, palette));
                }
            }
            Err(errors) => out.push_str(&render_load_errors(&outcome.display, errors, palette)),
        }
    }
    let t = totals(outcomes);
    out.push('\n');
    out.push_str(&format!("{} passed, {} failed\n", t.passed, t.failed));
    if t.broken_files > 0 {
        out.push_str(&palette.red(&format!(
            "{} file{} could not be loaded (see the errors above); {} not run\n",
            t.broken_files,
            if t.broken_files == 1 { "" } else { "s" },
            if t.broken_files == 1 {
                "its scenarios were"
            } else {
                "their scenarios were"
            }
        )));
    }
    out
}

pub fn render_load_errors(display: &str, errors: &[LoadError], palette: Palette) -> String {
    let mut out = format!("{} {display}\n", palette.red("ERROR"));
    for e in errors {
        out.push_str(&e.render(palette.color));
    }
    out
}

pub fn render_scenario(display: &str, result: &ScenarioResult, palette: Palette) -> String {
    match &result.status {
        Status::Passed => format!("{} {display}::{}\n", palette.green("PASS"), result.title),
        Status::Failed(failure) => {
            let mut out = format!("{} {display}::{}\n", palette.red("FAIL"), result.title);
            out.push_str(&render_failure(display, failure, palette));
            out
        }
    }
}

pub fn render_failure(display: &str, f: &Failure, palette: Palette) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "  {} {display}:{}:{}\n",
        palette.cyan("-->"),
        f.span.line,
        f.span.col
    ));
    out.push_str(&format!(
        "   {} {}\n",
        palette.dim("|"),
        palette.bold(&crop_statement(&f.statement))
    ));
    for (i, line) in f.message.lines().enumerate() {
        let lead = if i == 0 { "error:" } else { "      " };
        let line = escape_control(line);
        out.push_str(&format!("  {} {line}\n", palette.red(lead)));
    }
    out.push_str(&format!(
        "  {} at {} of virtual time\n",
        palette.dim("note:"),
        f.at
    ));
    if let (Some(expected), Some(actual)) = (&f.expected, &f.actual) {
        out.push_str(&indent(&unified_diff(expected, actual, palette), "  "));
    }
    for note in &f.notes {
        let note: Vec<String> = note.lines().map(escape_control).collect();
        let note = note.join("\n");
        out.push_str(&format!(
            "  {} {note}
",
            palette.dim("note:")
        ));
    }
    if !f.snapshot.is_empty() {
        out.push_str(&format!(
            "  {}\n",
            palette.dim("pods at that moment (kubectl get pods -o wide):")
        ));
        out.push_str(&indent(&f.snapshot, "    "));
    }
    out
}

/// The longest statement a failure's header shows whole, in characters (as a located
/// error's line); a longer one shows its start and `…`.
pub const MAX_STATEMENT_CHARS: usize = 160;

fn crop_statement(statement: &str) -> String {
    match statement.char_indices().nth(MAX_STATEMENT_CHARS) {
        Some((at, _)) => format!("{}…", &statement[..at]),
        None => statement.to_string(),
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

/// How many lines of each side a diff compares. Scenario values are short; a long one
/// (a drain's output, a table of thousands of pods) is cut so that rendering stays linear:
/// the diff of two unrelated texts costs the product of their lengths.
pub const DIFF_LINES: usize = 200;

/// The first `DIFF_LINES` lines of `text`, and how many lines were cut.
fn diff_head(text: &str) -> (&str, usize) {
    match text.match_indices('\n').nth(DIFF_LINES - 1) {
        Some((at, _)) => {
            let rest = &text[at + 1..];
            let cut = rest.lines().count();
            (&text[..=at], cut)
        }
        None => (text, 0),
    }
}

/// `--- expected` / `+++ actual`, every line shown up to `DIFF_LINES` a side.
pub fn unified_diff(expected: &str, actual: &str, palette: Palette) -> String {
    let (expected, cut_expected) = diff_head(expected);
    let (actual, cut_actual) = diff_head(actual);
    let diff = TextDiff::from_lines(expected, actual);
    let mut out = String::new();
    out.push_str(&palette.red("--- expected"));
    out.push('\n');
    out.push_str(&palette.green("+++ actual"));
    out.push('\n');
    for change in diff.iter_all_changes() {
        // A value comes from the cluster (a ConfigMap's data, a file read in a pod): a
        // control character (an escape sequence, a carriage return) would recolour, hide
        // or overwrite the report's lines, so it shows escaped (`\u{1b}`, `\r`).
        let line = escape_control(change.value().trim_end_matches('\n'));
        match change.tag() {
            ChangeTag::Delete => out.push_str(&palette.red(&format!("-{line}"))),
            ChangeTag::Insert => out.push_str(&palette.green(&format!("+{line}"))),
            ChangeTag::Equal => out.push_str(&format!(" {line}")),
        }
        out.push('\n');
    }
    for (cut, side) in [(cut_expected, "expected"), (cut_actual, "actual")] {
        if cut > 0 {
            out.push_str(&palette.dim(&format!(
                "… {cut} more lines of the {side} value not shown (a diff shows the first {DIFF_LINES})"
            )));
            out.push('\n');
        }
    }
    out
}
