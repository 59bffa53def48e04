//! The table `kubectl get` prints, and its text rendering.

/// One `kubectl get` table: a header and rows of cells, all columns including the `-o wide` ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintedTable {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// The name of the object each row prints. The NAME cell may say more: kubectl prints
    /// the default StorageClass as `standard (default)`.
    pub names: Vec<String>,
}

/// kubectl's tabwriter settings (`k8s.io/cli-runtime/pkg/printers/tabwriter.go`):
/// minwidth 6, padding 3, pad char ' '. A cell's column width is
/// `max(widest cell + 3, 6)`; the last cell of a line is not padded.
const TAB_MIN_WIDTH: usize = 6;
const TAB_PADDING: usize = 3;

impl PrintedTable {
    /// Renders like kubectl's human-readable printer: header line first, every column but the
    /// last padded to a common width (widest cell + 3 spaces, at least 6), trailing spaces trimmed,
    /// each line ended by `\n`.
    pub fn render(&self) -> String {
        let ncols = self
            .rows
            .iter()
            .map(Vec::len)
            .chain(std::iter::once(self.columns.len()))
            .max()
            .unwrap_or(0);
        let mut widths = vec![0usize; ncols];
        let lines: Vec<Vec<&str>> = std::iter::once(self.columns.to_vec())
            .chain(
                self.rows
                    .iter()
                    .map(|r| r.iter().map(String::as_str).collect()),
            )
            .collect();
        for line in &lines {
            for (i, cell) in line.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for line in &lines {
            let mut text = String::new();
            for (i, cell) in line.iter().enumerate() {
                text.push_str(cell);
                if i + 1 < line.len() {
                    let width = (widths[i] + TAB_PADDING).max(TAB_MIN_WIDTH);
                    let pad = width - cell.chars().count();
                    text.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        }
        out
    }

    /// The cell of `row` (0-based, after sorting) under header `column`.
    pub fn cell(&self, row: usize, column: &str) -> Option<&str> {
        let col = self.columns.iter().position(|c| *c == column)?;
        self.rows.get(row)?.get(col).map(String::as_str)
    }

    /// The name of the object `row` prints.
    pub fn name(&self, row: usize) -> Option<&str> {
        self.names.get(row).map(String::as_str)
    }

    /// The row of the object named `name`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn row_named(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}
