//! Rendering of located errors (file:line:col, the source line, a caret, a hint), shared
//! by the whole tool: `.scn` syntax errors and errors in manifest files alike.

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFile;
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
        let file = SimpleFile::new(d.file.as_str(), source);
        let mut report = Report::error().with_message(&d.message);
        match d.span {
            Some(span) => {
                let start = clamp(source, span.start);
                let end = clamp(source, span.end).max(start);
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
}
