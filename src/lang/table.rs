//! Splitting a table's raw lines into a header and rows, as `kubectl get` prints them.

use super::ast::{Cell, Kind, Spanned, TableRow};
use super::columns::known_columns;
use super::error::{SyntaxError, SyntaxErrorKind};
use super::kinds;
use super::lines::LineIndex;
use crate::suggest::suggest;

pub struct Parsed {
    pub columns: Vec<Spanned<String>>,
    pub rows: Vec<TableRow>,
}

/// `body` is the raw text between the line of `{` and the line of `}`; it starts at byte
/// `start` of the file.
pub fn parse(
    kind: Kind,
    body: &str,
    start: usize,
    lines: &LineIndex,
    errors: &mut Vec<SyntaxError>,
) -> Parsed {
    let mut columns: Option<Vec<Spanned<String>>> = None;
    // The number of columns the header means when one space joined two of its names
    // (`READY STATUS`): a row written for that header is not reported as well.
    let mut meant = 0;
    let mut rows = Vec::new();
    let mut offset = start;
    // A tab makes the columns unknowable: the tabs are reported, nothing else of the table.
    let before = errors.len();
    let mut tabs = Vec::new();
    for raw in body.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = strip_comment(raw.trim_end_matches(['\n', '\r']));
        if let Some(tab) = line.find('\t') {
            let at = line_start + tab;
            tabs.push(SyntaxError::new(
                lines.span(at, at + 1),
                SyntaxErrorKind::TabInTable,
            ));
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        match &columns {
            None => {
                let (cols, joined) = header(kind, line, line_start, lines, errors);
                meant = joined;
                columns = Some(cols);
            }
            Some(cols) => {
                let cells = split(line, line_start, false);
                let first = cells.first().map_or(line_start, |c| c.0);
                let last = cells.last().map_or(line_start, |c| c.1);
                let span = lines.span(first, last);
                if cells.len() != cols.len() && cells.len() != meant {
                    errors.push(SyntaxError::new(
                        span,
                        SyntaxErrorKind::RaggedRow {
                            expected: cols.len(),
                            found: cells.len(),
                        },
                    ));
                }
                let cells = cells
                    .into_iter()
                    .map(|(s, e, text)| Spanned {
                        value: if text == "*" {
                            Cell::Any
                        } else {
                            Cell::Text(text)
                        },
                        span: lines.span(s, e),
                    })
                    .collect();
                rows.push(TableRow { cells, span });
            }
        }
    }
    if !tabs.is_empty() {
        errors.truncate(before);
        errors.append(&mut tabs);
    }
    Parsed {
        columns: columns.unwrap_or_default(),
        rows,
    }
}

fn header(
    kind: Kind,
    line: &str,
    line_start: usize,
    lines: &LineIndex,
    errors: &mut Vec<SyntaxError>,
) -> (Vec<Spanned<String>>, usize) {
    let known = known_columns(kind);
    let columns: Vec<Spanned<String>> = split(line, line_start, true)
        .into_iter()
        .map(|(s, e, text)| Spanned {
            value: text,
            span: lines.span(s, e),
        })
        .collect();
    let mut name_joined = false;
    let mut meant = columns.len();
    // A set, not a scan of the columns before: a hostile header has 100,000 columns.
    let mut seen = std::collections::HashSet::new();
    for col in &columns {
        if !seen.insert(col.value.as_str()) {
            errors.push(SyntaxError::new(
                col.span,
                SyntaxErrorKind::DuplicateColumn {
                    column: col.value.clone(),
                },
            ));
        } else if !known.contains(&col.value.as_str()) {
            let parts = joined_columns(&col.value, known);
            name_joined |= parts.as_ref().is_some_and(|p| p.contains(&"NAME"));
            meant += parts.as_ref().map_or(0, |p| p.len() - 1);
            errors.push(SyntaxError::new(
                col.span,
                SyntaxErrorKind::UnknownColumn {
                    column: col.value.clone(),
                    kind: kinds::table_name(kind).to_string(),
                    known: known.to_vec(),
                    suggestion: suggest(&col.value, known.iter().copied()),
                    joined: parts.map(|p| p.join("  ")),
                },
            ));
        }
    }
    // A NAME joined to its neighbour by one space is reported once, as that join.
    if !name_joined && !columns.iter().any(|c| c.value == "NAME") {
        let indent = line.len() - line.trim_start().len();
        let span = lines.span(line_start + indent, line_start + line.trim_end().len());
        errors.push(SyntaxError::new(
            span,
            SyntaxErrorKind::MissingNameColumn {
                kind: kinds::table_name(kind).to_string(),
            },
        ));
    }
    (columns, meant)
}

/// `text` read as two or more known column names joined by single spaces (`NAME STATUS`,
/// `NAME ACCESS MODES`), the longest name first at each word; `None` if it is not that.
fn joined_columns<'k>(text: &str, known: &[&'k str]) -> Option<Vec<&'k str>> {
    let words: Vec<&str> = text.split(' ').collect();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (name, len) = (1..=words.len() - i).rev().find_map(|n| {
            let candidate = words[i..i + n].join(" ");
            known.iter().find(|k| **k == candidate).map(|k| (*k, n))
        })?;
        parts.push(name);
        i += len;
    }
    (parts.len() > 1).then_some(parts)
}

/// Cells with their byte ranges. In the header one space joins the words of a column
/// name (`ACCESS MODES`); in rows cells hold no blanks, so any run of spaces separates.
fn split(line: &str, line_start: usize, header: bool) -> Vec<(usize, usize, String)> {
    let mut cells = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b' ' {
            i += 1;
            continue;
        }
        let begin = i;
        while i < bytes.len() {
            let single_gap =
                header && bytes[i] == b' ' && bytes.get(i + 1).is_some_and(|b| *b != b' ');
            if bytes[i] == b' ' && !single_gap {
                break;
            }
            i += 1;
        }
        cells.push((
            line_start + begin,
            line_start + i,
            line[begin..i].to_string(),
        ));
    }
    cells
}

/// A `#` at the start of the line or after a blank starts a comment; in a cell it is text.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t')) {
            return &line[..i];
        }
    }
    line
}
