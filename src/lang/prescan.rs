//! A line-by-line pass before the grammar that finds unclosed strings and `"""` blocks and
//! bad escapes. The grammar alone would report these far from where the mistake is.

use super::error::{SyntaxError, SyntaxErrorKind};
use super::lines::LineIndex;

const FENCE: &str = "\"\"\"";

/// The deepest nesting of `[` and `(` in one value; deeper is an error before the grammar
/// runs, so that no input makes the parser recurse without bound. A value continues on the
/// next line only through a `"""` block, so the depth is counted across such blocks (a
/// value spread over many lines by blocks is still one value) and starts again at 0 on any
/// other new line.
pub const MAX_DEPTH: usize = 32;

pub fn scan(src: &str, lines: &LineIndex) -> Vec<SyntaxError> {
    let mut errors = Vec::new();
    let err = |start: usize, end: usize, kind| SyntaxError::new(lines.span(start, end), kind);
    // Byte offset of the opening `"""` while inside a multi-line block.
    let mut open_block: Option<usize> = None;
    let mut line_start = 0;
    let mut depth = 0usize;
    for raw in src.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let mut i = 0;
        if open_block.is_none() {
            depth = 0;
        } else {
            let trimmed = line.trim_start_matches([' ', '\t']);
            if !trimmed.starts_with(FENCE) {
                line_start += raw.len();
                continue;
            }
            open_block = None;
            i = line.len() - trimmed.len() + FENCE.len();
        }
        let bytes = line.as_bytes();
        while i < bytes.len() {
            match bytes[i] {
                b'[' | b'(' => {
                    depth += 1;
                    if depth == MAX_DEPTH + 1 {
                        let at = line_start + i;
                        errors.push(err(
                            at,
                            at + 1,
                            SyntaxErrorKind::TooDeep { limit: MAX_DEPTH },
                        ));
                    }
                    i += 1;
                }
                b']' | b')' => {
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                b'#' if i == 0 || matches!(bytes[i - 1], b' ' | b'\t') => break,
                b'"' if line[i..].starts_with(FENCE) => {
                    let rest = &line[i + 3..];
                    if let Some(close) = rest.find(FENCE) {
                        i += 3 + close + 3;
                    } else if rest.trim_matches([' ', '\t']).is_empty() {
                        open_block = Some(line_start + i);
                        break;
                    } else {
                        // Most likely a multi-line block was meant: go on as if it opened.
                        let at = line_start + i;
                        errors.push(err(at, at + 3, SyntaxErrorKind::TextAfterBlockOpener));
                        open_block = Some(at);
                        break;
                    }
                }
                b'"' => i = string_end(line, i, line_start, &mut errors, &err),
                _ => i += 1,
            }
        }
        line_start += raw.len();
    }
    if let Some(at) = open_block {
        errors.push(err(at, at + 3, SyntaxErrorKind::UnterminatedBlock));
    }
    control_characters(src, &mut errors, &err);
    errors
}

/// The first NUL byte and the first carriage return not followed by a line feed: either
/// would otherwise surface as a puzzling grammar error far from its place (a file with
/// CR-only line endings is one long line to the grammar).
fn control_characters(
    src: &str,
    errors: &mut Vec<SyntaxError>,
    err: &dyn Fn(usize, usize, SyntaxErrorKind) -> SyntaxError,
) {
    let bytes = src.as_bytes();
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        errors.push(err(
            at,
            at + 1,
            SyntaxErrorKind::ControlCharacter { nul: true },
        ));
    }
    let lone_cr = (0..bytes.len()).find(|&i| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
    if let Some(at) = lone_cr {
        errors.push(err(
            at,
            at + 1,
            SyntaxErrorKind::ControlCharacter { nul: false },
        ));
    }
    errors.sort_by_key(|e| e.span.start);
}

/// Scans a `"..."` string starting at `open`; returns the index after its closing quote.
fn string_end(
    line: &str,
    open: usize,
    line_start: usize,
    errors: &mut Vec<SyntaxError>,
    err: &dyn Fn(usize, usize, SyntaxErrorKind) -> SyntaxError,
) -> usize {
    let mut chars = line[open + 1..].char_indices();
    while let Some((j, c)) = chars.next() {
        let at = open + 1 + j;
        match c {
            '"' => return at + 1,
            '\\' => match chars.next() {
                Some((_, '"' | '\\' | 'n' | 't')) => {}
                Some((k, other)) => {
                    let end = open + 1 + k + other.len_utf8();
                    errors.push(err(
                        line_start + at,
                        line_start + end,
                        SyntaxErrorKind::InvalidEscape {
                            escape: line[at..end].to_string(),
                        },
                    ));
                }
                None => break,
            },
            _ => {}
        }
    }
    errors.push(err(
        line_start + open,
        line_start + line.len(),
        SyntaxErrorKind::UnterminatedString,
    ));
    line.len()
}
