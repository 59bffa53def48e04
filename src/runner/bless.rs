//! `scn run --bless`: rewrite, in the `.scn` files, the literal expected values of failing
//! expectations with what the cluster showed.
//!
//! A failing `expect` (or `await` on a comparison or a table) carries a [`Blessing`]: the
//! source range to replace and the replacement, rendered in the language's syntax, or the
//! reason it cannot be blessed. [`apply`] turns the blessings of one file into a new text
//! (edits from the end, tables re-aligned), and [`run`] repeats run-and-bless until the
//! files stop changing, since a scenario stops at its first failure.

// Without the command line (`cli`), only a failure's `Blessing` is used.
#![cfg_attr(not(feature = "cli"), allow(dead_code))]

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::answer::Answer;
use super::outcome::{Failure, Status};
use super::{FileOutcome, RunOptions};
use crate::kubectl::table::PrintedTable;
use crate::lang::ast::{
    AwaitCond, Cell, CompareOp, Expectation, Span, Stmt, StmtKind, Table, Value,
};

/// What blessing a failed expectation would do.
#[derive(Clone, Debug, PartialEq)]
pub enum Blessing {
    /// Replace the right-hand side at `span` with `text`.
    Value { span: Span, text: String },
    /// Replace cells of the table at `table`, then re-align the table's lines.
    Cells {
        table: Span,
        cells: Vec<(Span, String)>,
    },
    /// It cannot be blessed; the sentence says why ("cannot bless: …").
    Refused(String),
}

pub const NOT_LITERAL: &str = "cannot bless: the expected value is not a literal";

/// How many times `run` re-runs the blessed files at most.
const MAX_ROUNDS: usize = 50;

/// The blessing of a comparison whose actual value is `actual`.
pub fn compare(
    op: CompareOp,
    rhs: &Value,
    rhs_span: Span,
    source: &str,
    actual: &Answer,
) -> Blessing {
    if op != CompareOp::Eq {
        return Blessing::Refused(format!(
            "cannot bless: only `==` expectations are blessed, not `{op}`"
        ));
    }
    if !is_literal(rhs) {
        return Blessing::Refused(NOT_LITERAL.into());
    }
    let written = source.get(rhs_span.start..rhs_span.end).unwrap_or("");
    if written.starts_with("\"\"\"") {
        return Blessing::Refused("cannot bless: the expected value is a `\"\"\"` block".into());
    }
    // Keep the original's quoting style where the new value allows it.
    let quoted = written.contains('"');
    let word = |t: &str| {
        word(t, quoted).ok_or_else(|| {
            Blessing::Refused(format!(
                "cannot bless: the value {t:?} cannot be written in a .scn file"
            ))
        })
    };
    let text = match actual {
        Answer::Text(t) => word(t),
        Answer::List(items) | Answer::Set(items) => {
            let mut items = items.clone();
            if matches!(actual, Answer::Set(_)) {
                items.sort();
            }
            items
                .iter()
                .map(|i| word(i))
                .collect::<Result<Vec<_>, _>>()
                .map(|words| format!("[{}]", words.join(", ")))
        }
        Answer::Absent => Ok("absent".into()),
        Answer::NxDomain => Ok("nxdomain".into()),
    };
    match text {
        Ok(text) => Blessing::Value {
            span: rhs_span,
            text,
        },
        Err(refused) => refused,
    }
}

/// The blessing of a table expectation against what kubectl prints now.
pub fn table(printed: &PrintedTable, table: &Table) -> Blessing {
    let (assignment, taken) = super::table::assign(printed, table);
    if assignment.iter().any(Option::is_none) || taken.iter().any(|t| !t) {
        return Blessing::Refused(
            "cannot bless: rows are missing or extra (only cells are blessed)".into(),
        );
    }
    let mut cells = Vec::new();
    for (row, r) in table.rows.iter().zip(assignment.iter().flatten()) {
        for (cell, column) in row.cells.iter().zip(&table.columns) {
            let Cell::Text(written) = &cell.value else {
                continue;
            };
            if super::table::cell_matches(printed, *r, &column.value, written) {
                continue;
            }
            let seen = printed.cell(*r, &column.value).unwrap_or("");
            // A RESTARTS cell is written as the count (`1`, not `1 (5s ago)`).
            let seen = match column.value.as_str() {
                "RESTARTS" => super::table::restarts_count(seen).unwrap_or(seen),
                _ => seen,
            };
            if !cell_writable(seen) {
                return Blessing::Refused(format!(
                    "cannot bless: the cell value {seen:?} cannot be written in a table"
                ));
            }
            cells.push((cell.span, seen.to_string()));
        }
    }
    if cells.is_empty() {
        return Blessing::Refused("cannot bless: no cell differs".into());
    }
    Blessing::Cells {
        table: table.span,
        cells,
    }
}

/// A right-hand side `--bless` may rewrite: no `$var` and no query in it.
pub fn is_literal(value: &Value) -> bool {
    match value {
        Value::Literal(_) | Value::Absent | Value::NxDomain => true,
        Value::List(items) => items.iter().all(is_literal),
        Value::Var(_) | Value::Query(_) => false,
    }
}

fn cell_writable(text: &str) -> bool {
    !text.is_empty() && text != "*" && !text.starts_with('#') && !text.contains(char::is_whitespace)
}

/// `text` as a value: bare when it reads back as the same literal (and the original was
/// bare), else a `"…"` string.
fn word(text: &str, quoted: bool) -> Option<String> {
    if text.contains('\r') {
        return None;
    }
    if !quoted && is_bare(text) {
        return Some(text.to_string());
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    Some(out)
}

/// Whether `text` written bare reads back as the literal `text` (not a keyword, a
/// variable, a query or a syntax error).
fn is_bare(text: &str) -> bool {
    if text.is_empty()
        || text
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '[' | ']' | '(' | ')' | ',' | '$'))
    {
        return false;
    }
    let probe = format!("scenario \"bless\" {{\n  expect pods == {text}\n}}\n");
    let Ok(file) = crate::lang::parse(&probe) else {
        return false;
    };
    matches!(
        file.scenarios.first().and_then(|s| s.body.first()).map(|s| &s.kind),
        Some(StmtKind::Expect {
            expectation: Expectation::Compare { rhs: Value::Literal(l), .. },
            ..
        }) if l == text
    )
}

/// One file's blessing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Applied {
    /// The new text of the file.
    pub text: String,
    /// How many expectations were blessed.
    pub blessed: usize,
    /// Failures left as they are: where (the statement) and why.
    pub notes: Vec<(Span, String)>,
}

/// Applies the blessings of `failures` to `source`. Failures without a blessing (a
/// refused action, an `await … ready` timeout, a limit) are left as they are.
pub fn apply(source: &str, failures: &[&Failure]) -> Applied {
    let mut notes: Vec<(Span, String)> = Vec::new();
    // The same statement (in `setup`) may fail in several scenarios: one blessing per place.
    let mut chosen: BTreeMap<usize, (Span, Blessing)> = BTreeMap::new();
    let mut conflicts: Vec<usize> = Vec::new();
    for failure in failures {
        let blessing = match &failure.bless {
            None => {
                notes.push((
                    failure.span,
                    "not blessed: the scenario failed for another reason than a wrong expected value"
                        .into(),
                ));
                continue;
            }
            Some(Blessing::Refused(why)) => {
                notes.push((failure.span, why.clone()));
                continue;
            }
            Some(b) => b,
        };
        let at = match blessing {
            Blessing::Value { span, .. } | Blessing::Cells { table: span, .. } => span.start,
            Blessing::Refused(_) => continue,
        };
        match chosen.get(&at) {
            Some((_, b)) if b != blessing => conflicts.push(at),
            Some(_) => {}
            None => {
                chosen.insert(at, (failure.span, blessing.clone()));
            }
        }
    }
    for at in conflicts {
        if let Some((span, _)) = chosen.remove(&at) {
            notes.push((
                span,
                "cannot bless: scenarios disagree on the value".to_string(),
            ));
        }
    }
    // Edits as (start, end, text), applied from the end.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut blessed = 0;
    let ast = chosen
        .values()
        .any(|(_, b)| matches!(b, Blessing::Cells { .. }))
        .then(|| crate::lang::parse(source).ok())
        .flatten();
    for (span, blessing) in chosen.values() {
        match blessing {
            Blessing::Value { span, text } => {
                edits.push((span.start, span.end, text.clone()));
                blessed += 1;
            }
            Blessing::Cells { table, cells } => {
                let found = ast.as_ref().and_then(|f| find_table(f, *table));
                match found {
                    Some(t) => {
                        edits.extend(table_edits(source, t, cells));
                        blessed += 1;
                    }
                    None => notes.push((*span, "cannot bless: the table was not found".into())),
                }
            }
            Blessing::Refused(_) => {}
        }
    }
    edits.sort_by_key(|e| (e.0, e.1));
    let mut text = source.to_string();
    let mut limit = usize::MAX;
    for (start, end, replacement) in edits.into_iter().rev() {
        if end > limit || end > text.len() || start > end {
            continue;
        }
        text.replace_range(start..end, &replacement);
        limit = start;
    }
    notes.sort_by_key(|n| n.0.start);
    notes.dedup();
    Applied {
        text,
        blessed,
        notes,
    }
}

fn find_table(file: &crate::lang::ast::File, span: Span) -> Option<&Table> {
    let stmts = file
        .setup
        .iter()
        .chain(file.scenarios.iter().flat_map(|s| s.body.iter()));
    stmts.filter_map(stmt_table).find(|t| t.span == span)
}

fn stmt_table(stmt: &Stmt) -> Option<&Table> {
    match &stmt.kind {
        StmtKind::Expect {
            expectation: Expectation::Table(t),
            ..
        }
        | StmtKind::Await {
            cond: AwaitCond::Expectation(Expectation::Table(t)),
            ..
        } => Some(t),
        _ => None,
    }
}

/// One line of a table: where it starts and ends (newline excluded) and its cells as
/// (start, end, new text).
struct Line {
    start: usize,
    end: usize,
    cells: Vec<(usize, usize, String)>,
}

/// The edits that put `cells` into `table`: whole lines, re-padded so columns stay
/// aligned when they were; else the cells alone.
fn table_edits(
    source: &str,
    table: &Table,
    cells: &[(Span, String)],
) -> Vec<(usize, usize, String)> {
    let new: BTreeMap<usize, &str> = cells.iter().map(|(s, t)| (s.start, t.as_str())).collect();
    let plain = || {
        cells
            .iter()
            .map(|(s, t)| (s.start, s.end, t.clone()))
            .collect::<Vec<_>>()
    };
    let line_of = |cells: Vec<(usize, usize, String)>| {
        let at = cells.first().map_or(0, |c| c.0);
        let start = source[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = source[at..].find('\n').map_or(source.len(), |i| at + i);
        let end = if source[..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        Line { start, end, cells }
    };
    let mut lines = vec![line_of(
        table
            .columns
            .iter()
            .map(|c| (c.span.start, c.span.end, c.value.clone()))
            .collect(),
    )];
    for row in &table.rows {
        lines.push(line_of(
            row.cells
                .iter()
                .map(|c| {
                    let (s, e) = (c.span.start, c.span.end);
                    let text = new.get(&s).map_or(&source[s..e], |t| *t);
                    (s, e, text.to_string())
                })
                .collect(),
        ));
    }
    let n = table.columns.len();
    let col = |line: &Line, at: usize| source[line.start..at].chars().count();
    let width = |s: &str| s.chars().count();
    // Aligned: every line has every column, each starting where the header's does.
    let starts: Vec<usize> = lines[0].cells.iter().map(|c| col(&lines[0], c.0)).collect();
    let aligned = n > 0
        && lines.iter().all(|l| {
            l.cells.len() == n && l.cells.iter().zip(&starts).all(|(c, s)| col(l, c.0) == *s)
        });
    if !aligned {
        return plain();
    }
    let old_width: Vec<usize> = (0..n)
        .map(|c| {
            lines
                .iter()
                .map(|l| width(&source[l.cells[c].0..l.cells[c].1]))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let new_width: Vec<usize> = (0..n)
        .map(|c| {
            lines
                .iter()
                .map(|l| width(&l.cells[c].2))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut new_starts = vec![starts[0]];
    for c in 0..n - 1 {
        let gap = (starts[c + 1] - starts[c])
            .saturating_sub(old_width[c])
            .max(2);
        new_starts.push(new_starts[c] + new_width[c] + gap);
    }
    let old_edge = starts[n - 1] + old_width[n - 1];
    let new_edge = new_starts[n - 1] + new_width[n - 1];
    let mut edits = Vec::new();
    for line in &lines {
        let mut out = source[line.start..line.cells[0].0].to_string();
        let mut at = starts[0];
        for (c, cell) in line.cells.iter().enumerate() {
            while at < new_starts[c] {
                out.push(' ');
                at += 1;
            }
            out.push_str(&cell.2);
            at += width(&cell.2);
        }
        let suffix = &source[line.cells[n - 1].1..line.end];
        let comment = suffix.trim_start();
        if comment.is_empty() {
            out.push_str(suffix);
        } else {
            let was = col(line, line.end - comment.len());
            let target = (was + new_edge).saturating_sub(old_edge).max(at + 1);
            while at < target {
                out.push(' ');
                at += 1;
            }
            out.push_str(comment);
        }
        if out != source[line.start..line.end] {
            edits.push((line.start, line.end, out));
        }
    }
    edits
}

/// What `scn run --bless` did.
#[derive(Clone, Debug)]
pub struct Report {
    /// The outcomes of the last run of every file (after blessing).
    pub outcomes: Vec<FileOutcome>,
    /// `blessed N expectation(s) in FILE` lines, then the failures left as they were.
    pub lines: Vec<String>,
}

/// Runs `files`, blesses what can be blessed, and re-runs the blessed files until nothing
/// more changes (a scenario stops at its first failure, so blessing one may reveal the next).
pub fn run(files: &[(PathBuf, String)], options: &RunOptions) -> Report {
    let mut outcomes = super::run(files, options);
    let mut blessed = vec![0usize; files.len()];
    let mut notes: Vec<Vec<String>> = vec![Vec::new(); files.len()];
    for _ in 0..MAX_ROUNDS {
        let mut changed = Vec::new();
        for (i, outcome) in outcomes.iter().enumerate() {
            let Ok(results) = &outcome.result else {
                continue;
            };
            let failures: Vec<&Failure> = results
                .iter()
                .filter_map(|r| match &r.status {
                    Status::Failed(f) => Some(&**f),
                    Status::Passed => None,
                })
                .collect();
            notes[i].clear();
            if failures.is_empty() {
                continue;
            }
            let (path, shown) = &files[i];
            let source = match super::load::read_text(path, super::load::MAX_SCN_BYTES) {
                Ok(s) => s,
                Err(e) => {
                    notes[i].push(format!("{shown}: cannot bless: {e}"));
                    continue;
                }
            };
            let applied = apply(&source, &failures);
            notes[i] = applied
                .notes
                .iter()
                .map(|(span, why)| format!("{shown}:{}:{}: {why}", span.line, span.col))
                .collect();
            if applied.blessed == 0 || applied.text == source {
                continue;
            }
            if let Err(e) = std::fs::write(path, &applied.text) {
                notes[i].push(format!("{shown}: cannot bless: {e}"));
                continue;
            }
            blessed[i] += applied.blessed;
            changed.push(i);
        }
        if changed.is_empty() {
            break;
        }
        let subset: Vec<(PathBuf, String)> = changed.iter().map(|&i| files[i].clone()).collect();
        for (outcome, &i) in super::run(&subset, options).into_iter().zip(&changed) {
            outcomes[i] = outcome;
        }
    }
    let mut lines = Vec::new();
    for (i, n) in blessed.iter().enumerate() {
        if *n > 0 {
            lines.push(format!("blessed {n} expectation(s) in {}", files[i].1));
        }
    }
    lines.extend(notes.into_iter().flatten());
    Report { outcomes, lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_stay_bare_when_they_read_back() {
        assert_eq!(word("web-0", false).as_deref(), Some("web-0"));
        assert_eq!(word("3", false).as_deref(), Some("3"));
        assert_eq!(word("absent", false).as_deref(), Some("\"absent\""));
        assert_eq!(word("a b", false).as_deref(), Some("\"a b\""));
        assert_eq!(word("web-0", true).as_deref(), Some("\"web-0\""));
        assert_eq!(
            word("say \"hi\"\n", false).as_deref(),
            Some(r#""say \"hi\"\n""#)
        );
        assert_eq!(
            word("statefulset/web", false).as_deref(),
            Some("\"statefulset/web\"")
        );
        assert_eq!(
            word("nginx/nginx:1.9", false).as_deref(),
            Some("nginx/nginx:1.9")
        );
    }

    fn bless_cells(source: &str, cells: &[(&str, &str)]) -> String {
        let file = crate::lang::parse(source).expect("parses");
        let table = stmt_table(&file.scenarios[0].body[0])
            .expect("a table")
            .clone();
        let spans: Vec<(Span, String)> = cells
            .iter()
            .map(|(old, new)| {
                let cell = table
                    .rows
                    .iter()
                    .flat_map(|r| &r.cells)
                    .find(|c| c.value == Cell::Text(old.to_string()))
                    .expect("the cell");
                (cell.span, new.to_string())
            })
            .collect();
        let failure = Failure {
            bless: Some(Blessing::Cells {
                table: table.span,
                cells: spans,
            }),
            ..Failure::default()
        };
        let applied = apply(source, &[&failure]);
        assert_eq!(applied.blessed, 1);
        applied.text
    }

    #[test]
    fn a_wider_cell_pushes_the_next_columns_and_their_comments() {
        let source = "scenario \"t\" {\n  expect pods {\n    NAME   STATUS   NODE\n    web-0  Pending  *       # c\n  }\n}\n";
        let want = "scenario \"t\" {\n  expect pods {\n    NAME   STATUS             NODE\n    web-0  ContainerCreating  *       # c\n  }\n}\n";
        assert_eq!(
            bless_cells(source, &[("Pending", "ContainerCreating")]),
            want
        );
    }

    #[test]
    fn an_unaligned_table_gets_its_cells_replaced_in_place() {
        let source =
            "scenario \"t\" {\n  expect pods {\n    NAME  STATUS\n    web-0   Pending\n  }\n}\n";
        let want =
            "scenario \"t\" {\n  expect pods {\n    NAME  STATUS\n    web-0   Running\n  }\n}\n";
        assert_eq!(bless_cells(source, &[("Pending", "Running")]), want);
    }

    /// The table kubectl prints for one object named `name` whose NAME cell is `shown`.
    fn printed_one(
        name: &str,
        shown: &str,
        columns: Vec<&'static str>,
        rest: &[&str],
    ) -> PrintedTable {
        let mut row = vec![shown.to_string()];
        row.extend(rest.iter().map(|c| c.to_string()));
        PrintedTable {
            columns,
            rows: vec![row],
            names: vec![name.to_string()],
        }
    }

    #[test]
    fn the_default_class_row_is_matched_by_name_and_only_the_differing_cell_is_blessed() {
        let source = "scenario \"t\" {\n  expect sc {\n    NAME       RECLAIMPOLICY\n    standard   Retain\n  }\n}\n";
        let file = crate::lang::parse(source).expect("parses");
        let table = stmt_table(&file.scenarios[0].body[0]).expect("a table");
        let printed = printed_one(
            "standard",
            "standard (default)",
            vec!["NAME", "RECLAIMPOLICY"],
            &["Delete"],
        );
        assert!(!super::super::table::compare(&printed, table).ok);
        match super::table(&printed, table) {
            Blessing::Cells { cells, .. } => {
                let texts: Vec<&str> = cells.iter().map(|(_, t)| t.as_str()).collect();
                assert_eq!(texts, ["Delete"]);
            }
            _ => panic!("the RECLAIMPOLICY cell is blessed"),
        }
        let fixed = printed_one(
            "standard",
            "standard (default)",
            vec!["NAME", "RECLAIMPOLICY"],
            &["Retain"],
        );
        assert!(super::super::table::compare(&fixed, table).ok);
    }

    #[test]
    fn a_restarts_cell_is_blessed_as_the_count() {
        let source =
            "scenario \"t\" {\n  expect pods {\n    NAME    RESTARTS\n    web-0   0\n  }\n}\n";
        let file = crate::lang::parse(source).expect("parses");
        let table = stmt_table(&file.scenarios[0].body[0]).expect("a table");
        let printed = printed_one("web-0", "web-0", vec!["NAME", "RESTARTS"], &["2 (5s ago)"]);
        match super::table(&printed, table) {
            Blessing::Cells { cells, .. } => {
                let texts: Vec<&str> = cells.iter().map(|(_, t)| t.as_str()).collect();
                assert_eq!(texts, ["2"]);
            }
            _ => panic!("the RESTARTS cell is blessed"),
        }
    }
}
