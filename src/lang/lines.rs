//! Byte offset to (line, column) conversion, precomputed once per file.

use super::ast::Span;

pub struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(source: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { source, starts }
    }

    /// 1-based line and character column of `byte` (clamped to the source). A leading
    /// byte-order mark does not count as a column.
    pub fn line_col(&self, byte: usize) -> (u32, u32) {
        let byte = clamp_to_char(self.source, byte);
        let line = self
            .starts
            .partition_point(|&s| s <= byte)
            .saturating_sub(1);
        let start = self.starts[line];
        let mut col = self.source[start..byte].chars().count();
        if line == 0 && self.source.starts_with('\u{feff}') && byte >= 3 {
            col -= 1;
        }
        (line as u32 + 1, col as u32 + 1)
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        let (line, col) = self.line_col(start);
        Span {
            start,
            end: end.max(start),
            line,
            col,
        }
    }
}

/// The largest char boundary at or before `byte`, within the source.
pub fn clamp_to_char(source: &str, byte: usize) -> usize {
    let mut b = byte.min(source.len());
    while !source.is_char_boundary(b) {
        b -= 1;
    }
    b
}
