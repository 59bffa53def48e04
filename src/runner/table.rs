//! Table expectations: `expect pods { NAME READY … }` against what `kubectl get -o wide`
//! prints. Listed columns are compared, `*` matches any cell, rows match objects by NAME
//! (the object's name, also where kubectl's cell says more, as `standard (default)`), and
//! a `*` NAME takes the next object no named row took (docs/language.md "Tables").

use crate::kubectl::printers::{self, PrintedTable};
use crate::lang::ast::{Cell, Kind, Table};
use crate::sim::World;

pub struct TableCheck {
    pub ok: bool,
    pub expected: String,
    pub actual: String,
}

/// What `kubectl get <kind> -o wide` prints now (a header of NAME alone for a kind scn has
/// no printer for).
pub fn printed(world: &World, kind: Kind) -> PrintedTable {
    printers::print(world, &super::query::object_kind(kind)).unwrap_or_else(|| PrintedTable {
        columns: vec!["NAME"],
        rows: Vec::new(),
        names: Vec::new(),
    })
}

pub fn check(world: &World, table: &Table) -> super::exec_check::Check {
    let result = compare(&printed(world, table.kind), table);
    super::exec_check::Check {
        ok: result.ok,
        expected: result.expected,
        actual: result.actual,
        message: "the table differs from what was expected".into(),
    }
}

/// Which printed row each written row matched (`None`: no row), and which printed rows
/// were taken. Named rows first, then `*` rows in name order.
pub fn assign(printed: &PrintedTable, table: &Table) -> (Vec<Option<usize>>, Vec<bool>) {
    let name_column = table.columns.iter().position(|c| c.value == "NAME");
    let mut taken = vec![false; printed.rows.len()];
    let mut assignment: Vec<Option<usize>> = vec![None; table.rows.len()];
    for (i, row) in table.rows.iter().enumerate() {
        let Some(nc) = name_column else { continue };
        if let Some(Cell::Text(name)) = row.cells.get(nc).map(|c| &c.value) {
            if let Some(found) = (0..printed.rows.len())
                .find(|&r| !taken[r] && cell_matches(printed, r, "NAME", name))
            {
                taken[found] = true;
                assignment[i] = Some(found);
            }
        }
    }
    let stars: Vec<usize> = (0..table.rows.len())
        .filter(|&i| {
            assignment[i].is_none()
                && match name_column {
                    Some(nc) => matches!(
                        table.rows[i].cells.get(nc).map(|c| &c.value),
                        Some(Cell::Any)
                    ),
                    None => true,
                }
        })
        .collect();
    let free: Vec<usize> = (0..printed.rows.len()).filter(|&r| !taken[r]).collect();
    // The spec's order: the `*` rows take the objects no named row matched, in name order.
    // When that pairing fails but another one would hold (random PV names, revision hashes:
    // an order the writer cannot know), the table holds with that one.
    let in_order: Vec<(usize, usize)> = stars.iter().copied().zip(free.iter().copied()).collect();
    let fits = |i: usize, r: usize| row_fits(printed, table, i, r);
    let pairs = if in_order.iter().all(|&(i, r)| fits(i, r)) {
        in_order
    } else {
        match_rows(&stars, &free, fits).unwrap_or(in_order)
    };
    for (i, r) in pairs {
        taken[r] = true;
        assignment[i] = Some(r);
    }
    (assignment, taken)
}

/// Whether every written cell of row `i` matches printed row `r` (a `*` matches anything).
fn row_fits(printed: &PrintedTable, table: &Table, i: usize, r: usize) -> bool {
    table.rows[i]
        .cells
        .iter()
        .zip(&table.columns)
        .all(|(cell, column)| match &cell.value {
            Cell::Any => true,
            Cell::Text(text) => cell_matches(printed, r, &column.value, text),
        })
}

/// The most `*` rows × free objects a search for a pairing looks at; beyond it the rows keep
/// the spec's order (a written table is a few dozen rows; this bounds a hostile one).
const MAX_PAIRING_WORK: usize = 250_000;

/// A pairing of every row in `rows` with a different object of `objects` that it fits
/// (Kuhn's augmenting paths, rows and objects tried in order so the answer is
/// deterministic), or `None` when there is none or the search would be too large.
fn match_rows(
    rows: &[usize],
    objects: &[usize],
    fits: impl Fn(usize, usize) -> bool,
) -> Option<Vec<(usize, usize)>> {
    if rows.len() > objects.len() || rows.len().saturating_mul(objects.len()) > MAX_PAIRING_WORK {
        return None;
    }
    let edges: Vec<Vec<usize>> = rows
        .iter()
        .map(|&i| {
            (0..objects.len())
                .filter(|&o| fits(i, objects[o]))
                .collect()
        })
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; objects.len()];
    fn augment(
        row: usize,
        edges: &[Vec<usize>],
        owner: &mut [Option<usize>],
        seen: &mut [bool],
    ) -> bool {
        for &o in &edges[row] {
            if seen[o] {
                continue;
            }
            seen[o] = true;
            let free = match owner[o] {
                None => true,
                Some(other) => augment(other, edges, owner, seen),
            };
            if free {
                owner[o] = Some(row);
                return true;
            }
        }
        false
    }
    for row in 0..rows.len() {
        let mut seen = vec![false; objects.len()];
        if !augment(row, &edges, &mut owner, &mut seen) {
            return None;
        }
    }
    let mut pairs: Vec<(usize, usize)> = owner
        .iter()
        .enumerate()
        .filter_map(|(o, row)| row.map(|row| (rows[row], objects[o])))
        .collect();
    pairs.sort_unstable();
    Some(pairs)
}

pub fn compare(printed: &PrintedTable, table: &Table) -> TableCheck {
    let columns: Vec<&str> = table.columns.iter().map(|c| c.value.as_str()).collect();
    let cell = |row: usize, column: &str| printed.cell(row, column).unwrap_or("").to_string();
    let (assignment, taken) = assign(printed, table);
    let mut ok = true;
    let mut expected_rows: Vec<Vec<String>> = Vec::new();
    let mut actual_rows: Vec<Vec<String>> = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let written: Vec<Option<String>> = row
            .cells
            .iter()
            .map(|c| match &c.value {
                Cell::Any => None,
                Cell::Text(t) => Some(t.clone()),
            })
            .collect();
        match assignment[i] {
            Some(r) => {
                let seen: Vec<String> = columns.iter().map(|c| cell(r, c)).collect();
                // A `*`, or a cell that matches without being the same text, shows what it
                // matched, so the diff points only at real differences.
                let want: Vec<String> = written
                    .iter()
                    .zip(&seen)
                    .zip(&columns)
                    .map(|((w, s), c)| match w {
                        Some(w) if !cell_matches(printed, r, c, w) => w.clone(),
                        _ => s.clone(),
                    })
                    .collect();
                ok &= want == seen;
                expected_rows.push(want);
                actual_rows.push(seen);
            }
            None => {
                ok = false;
                expected_rows.push(
                    written
                        .iter()
                        .map(|w| w.clone().unwrap_or_else(|| "*".into()))
                        .collect(),
                );
            }
        }
    }
    for (r, was_taken) in taken.iter().enumerate() {
        if !was_taken {
            ok = false;
            actual_rows.push(columns.iter().map(|c| cell(r, c)).collect());
        }
    }
    let header: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    TableCheck {
        ok,
        expected: render(&header, &expected_rows, &actual_rows),
        actual: render(&header, &actual_rows, &expected_rows),
    }
}

/// Whether the written cell `written` matches the printed row `row` under `column`: the
/// same text; in NAME, the object's name (kubectl's `standard (default)` row is the object
/// `standard`, and a cell cannot hold a blank); in RESTARTS, the count alone (`1` for
/// `1 (5s ago)`).
pub fn cell_matches(printed: &PrintedTable, row: usize, column: &str, written: &str) -> bool {
    let seen = printed.cell(row, column).unwrap_or("");
    seen == written
        || match column {
            "NAME" => printed.name(row) == Some(written),
            "RESTARTS" => restarts_count(seen) == Some(written),
            _ => false,
        }
}

/// The count of a RESTARTS cell that also says when: `1 (5s ago)` → `1`.
pub fn restarts_count(cell: &str) -> Option<&str> {
    let (count, rest) = cell.split_once(' ')?;
    (rest.starts_with('(') && rest.ends_with(" ago)")).then_some(count)
}

/// Aligns `rows` under `header`, with widths shared with `other` so both sides of a
/// diff line up.
fn render(header: &[String], rows: &[Vec<String>], other: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows.iter().chain(other) {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 < cells.len() {
                out.push_str(&format!("{:width$}   ", cell, width = widths[i]));
            } else {
                out.push_str(cell);
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    /// The columns a table expectation may name (the language's list) are exactly the columns
    /// the printers print, for every kind with a table.
    #[test]
    fn the_language_knows_exactly_the_printed_columns() {
        let world = crate::sim::World::new(crate::sim::Config::default()).expect("a cluster");
        for &kind in crate::lang::kinds::TABLE_KINDS {
            let printed = crate::runner::table::printed(&world, kind).columns;
            assert_eq!(
                crate::lang::columns::known_columns(kind),
                printed.as_slice(),
                "{kind:?}"
            );
        }
    }
}
