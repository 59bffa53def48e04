//! Rendering of located errors (file:line:col, the source line, a caret, a hint), shared
//! by the whole tool: `.scn` syntax errors and errors in manifest files alike.

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::{Files, SimpleFile};
use codespan_reporting::term::termcolor::{Ansi, NoColor};
use codespan_reporting::term::{self, Chars, Config};

use crate::lang::ast::Span;
use crate::lang::error::SyntaxError;

/// One error to show. `span` indexes the `source` given to `render`; without a span only
/// the message (and hint) is shown, under the file name.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub file: String,
    pub span: Option<Span>,
    pub message: String,
    pub label: String,
    pub hint: Option<String>,
}

/// Renders diagnostics of one source text. With `color == false` the output has no ANSI
/// escape codes (for files, pipes, NO_COLOR and tests).
pub fn render(diagnostics: &[Diagnostic], source: &str, color: bool) -> String {
    let mut config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    config.start_context_lines = 1;
    config.end_context_lines = 1;
    let mut out = Vec::new();
    for d in diagnostics {
        let shown = Cropped::new(source, d.span.map(|s| clamp(source, s.start)));
        let file = CroppedFile {
            name: d.file.as_str(),
            cropped: &shown,
            simple: SimpleFile::new(d.file.as_str(), shown.text.as_str()),
            original: source,
        };
        let mut report = Report::error().with_message(&d.message);
        match d.span {
            Some(span) => {
                let start = shown.map(clamp(source, span.start));
                let end = shown.map(clamp(source, span.end)).max(start);
                report =
                    report.with_labels(vec![Label::primary((), start..end).with_message(&d.label)]);
            }
            None => report = report.with_notes(vec![format!("in {}", d.file)]),
        }
        if let Some(hint) = &d.hint {
            report.notes.push(format!("hint: {hint}"));
        }
        // Writing to a Vec cannot fail; a failure would only lose this diagnostic.
        let _ = if color {
            term::emit(&mut Ansi::new(&mut out), &config, &file, &report)
        } else {
            term::emit(&mut NoColor::new(&mut out), &config, &file, &report)
        };
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Lines longer than this (in bytes) are shown cropped, so that an error in a 10 MB line
/// prints a readable excerpt, quickly.
const MAX_SHOWN_LINE: usize = 160;
/// Characters shown either side of the error in a cropped line.
const WINDOW: usize = 60;

/// One line of the source as shown: the original byte range `[from, to)` of the line's
/// text is shown as `prefix + source[from..to] + suffix` at byte `shown_at` of the shown text.
struct ShownLine {
    line_start: usize,
    from: usize,
    to: usize,
    prefix: usize,
    shown_at: usize,
    /// Shown as it is (then offsets map one to one, the line end included).
    whole: bool,
}

/// The source with over-long lines cropped (around `focus` on its line, from the start on
/// others), and the mapping of offsets from the original to the shown text.
struct Cropped {
    text: String,
    lines: Vec<ShownLine>,
}

/// Pushes a source line as the terminal may show it: each control character (an escape
/// sequence, a carriage return inside the line) or bidirectional override becomes a
/// visible stand-in of the same UTF-8 length (`?`, `¿`, `\u{fffd}`), so byte offsets and
/// columns are unchanged and the line cannot clear the screen or reverse itself.
fn push_shown(text: &mut String, line: &str) {
    for c in line.chars() {
        if c != '\t' && is_unsafe_char(c) {
            text.push(match c.len_utf8() {
                1 => '?',
                2 => '\u{bf}',
                _ => '\u{fffd}',
            });
        } else {
            text.push(c);
        }
    }
}

impl Cropped {
    fn new(source: &str, focus: Option<usize>) -> Cropped {
        let mut text = String::with_capacity(source.len().min(1 << 16));
        let mut lines = Vec::new();
        let mut line_start = 0;
        for raw in source.split_inclusive('\n') {
            let body = raw.trim_end_matches(['\n', '\r']);
            let end = line_start + body.len();
            let shown_at = text.len();
            if body.len() <= MAX_SHOWN_LINE {
                push_shown(&mut text, body);
                text.push_str(&raw[body.len()..]);
                lines.push(ShownLine {
                    line_start,
                    from: line_start,
                    to: end,
                    prefix: 0,
                    shown_at,
                    whole: true,
                });
            } else {
                let center = focus
                    .filter(|f| (line_start..=end).contains(f))
                    .unwrap_or(line_start);
                let from = back_chars(source, center, WINDOW).max(line_start);
                let to = forward_chars(source, center, WINDOW).min(end);
                let prefix = if from > line_start { "…" } else { "" };
                text.push_str(prefix);
                push_shown(&mut text, &source[from..to]);
                if to < end {
                    text.push('…');
                }
                text.push_str(&raw[body.len()..]);
                lines.push(ShownLine {
                    line_start,
                    from,
                    to,
                    prefix: prefix.len(),
                    shown_at,
                    whole: false,
                });
            }
            line_start += raw.len();
        }
        Cropped { text, lines }
    }

    fn line_of(&self, byte: usize) -> Option<&ShownLine> {
        let i = self.lines.partition_point(|l| l.line_start <= byte);
        i.checked_sub(1).map(|i| &self.lines[i])
    }

    /// The shown offset of an original offset (clamped into the shown part of its line).
    fn map(&self, byte: usize) -> usize {
        match self.line_of(byte) {
            None => self.text.len().min(byte),
            Some(l) if l.whole => l.shown_at + (byte - l.line_start),
            Some(l) => l.shown_at + l.prefix + (byte.clamp(l.from, l.to) - l.from),
        }
    }

    /// The original offset of a shown offset.
    fn unmap(&self, shown: usize) -> usize {
        let i = self.lines.partition_point(|l| l.shown_at <= shown);
        match i.checked_sub(1).map(|i| &self.lines[i]) {
            None => shown,
            Some(l) if l.whole => l.line_start + (shown - l.shown_at),
            Some(l) => (l.from + (shown - l.shown_at).saturating_sub(l.prefix)).min(l.to),
        }
    }
}

fn back_chars(s: &str, at: usize, n: usize) -> usize {
    s[..at]
        .char_indices()
        .rev()
        .take(n)
        .last()
        .map_or(at, |(i, _)| i)
}

fn forward_chars(s: &str, at: usize, n: usize) -> usize {
    s[at..]
        .char_indices()
        .nth(n)
        .map_or(s.len(), |(i, _)| at + i)
}

/// The shown text for codespan, with columns counted in the original text.
struct CroppedFile<'a> {
    name: &'a str,
    cropped: &'a Cropped,
    simple: SimpleFile<&'a str, &'a str>,
    original: &'a str,
}

impl<'a> Files<'a> for CroppedFile<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.cropped.text.as_str())
    }

    fn line_index(
        &'a self,
        (): (),
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        self.simple.line_index((), byte)
    }

    fn line_range(
        &'a self,
        (): (),
        line: usize,
    ) -> Result<std::ops::Range<usize>, codespan_reporting::files::Error> {
        self.simple.line_range((), line)
    }

    fn column_number(
        &'a self,
        (): (),
        _line: usize,
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        let original = self.cropped.unmap(byte);
        Ok(line_col(self.original, original).1 as usize)
    }
}

pub use crate::lang::text::{escape_control, is_unsafe_char};

/// 1-based line and character column of a byte offset (clamped to the text). A leading
/// byte-order mark is not counted as a column.
pub fn line_col(source: &str, byte: usize) -> (u32, u32) {
    let byte = clamp(source, byte);
    let before = &source[..byte];
    let line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let mut col = source[line_start..byte].chars().count() as u32 + 1;
    if line_start == 0 && source.starts_with('\u{feff}') && byte >= 3 {
        col -= 1;
    }
    (line, col)
}

fn clamp(source: &str, byte: usize) -> usize {
    let mut b = byte.min(source.len());
    while !source.is_char_boundary(b) {
        b -= 1;
    }
    b
}

impl SyntaxError {
    pub fn to_diagnostic(&self, file: &str) -> Diagnostic {
        Diagnostic {
            file: file.to_string(),
            span: Some(self.span),
            message: self.message(),
            label: self.label(),
            hint: self.hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncdé f", 0), (1, 1));
        assert_eq!(line_col("ab\ncdé f", 3), (2, 1));
        assert_eq!(line_col("ab\ncdé f", 7), (2, 4));
        assert_eq!(line_col("\u{feff}ab", 4), (1, 2));
        assert_eq!(line_col("ab", 99), (1, 3));
    }

    #[test]
    fn long_lines_are_cropped_around_the_error_with_true_columns() {
        let src = format!(
            "a\n  wait 1s {}oops{}\nb\n",
            "x ".repeat(5000),
            "y".repeat(5000)
        );
        let at = src.find("oops").unwrap_or_default();
        let (line, col) = line_col(&src, at);
        let d = Diagnostic {
            file: "a.scn".into(),
            span: Some(Span {
                start: at,
                end: at + 4,
                line,
                col,
            }),
            message: "m".into(),
            label: "here".into(),
            hint: None,
        };
        let out = render(&[d], &src, false);
        assert!(out.contains(&format!("a.scn:2:{col}")), "{out}");
        assert!(out.len() < 1000, "{out}");
        assert!(out.contains("…x x"), "{out}");
        assert!(out.contains("oopsyyy"), "{out}");
        assert!(out.contains("^^^^ here"), "{out}");
    }

    #[test]
    fn plain_render_has_location_caret_and_hint() {
        let src = "line one\nscael x\n";
        let d = Diagnostic {
            file: "a.scn".into(),
            span: Some(Span {
                start: 9,
                end: 14,
                line: 2,
                col: 1,
            }),
            message: "unknown statement `scael`".into(),
            label: "not a statement".into(),
            hint: Some("did you mean `scale`?".into()),
        };
        let out = render(&[d], src, false);
        assert!(out.contains("a.scn:2:1"), "{out}");
        assert!(out.contains("scael x"), "{out}");
        assert!(out.contains("^^^^^"), "{out}");
        assert!(out.contains("= hint: did you mean `scale`?"), "{out}");
        assert!(!out.contains('\u{1b}'), "{out}");
    }

    #[test]
    fn a_shown_line_never_carries_control_characters() {
        let src = "scenario \"\u{1b}[2J\u{202e}x\u{85}\" {\n";
        let d = Diagnostic {
            file: "a.scn".into(),
            span: Some(Span {
                start: 0,
                end: 8,
                line: 1,
                col: 1,
            }),
            message: "m".into(),
            label: "l".into(),
            hint: None,
        };
        let out = render(&[d], src, false);
        assert!(!out.contains(['\u{1b}', '\u{202e}', '\u{85}']), "{out}");
        assert!(out.contains("scenario \"?[2J\u{fffd}x\u{bf}\""), "{out}");
        assert_eq!(escape_control("a\nb\u{1b}"), "a\\nb\\u{1b}");
    }
}
