//! `scn trace`: one scenario's timeline as `kubectl get pods -o wide -w` shows it, with
//! virtual timestamps, each statement where it ran, and the reasons the StatefulSet
//! controller waited.
//!
//! The scenario runs through `exec` (an [`Observer`] turns the World's trace on and marks
//! where each statement starts), so it runs exactly as `scn run` runs it.

use k8s_openapi::api::core::v1::Pod;

use crate::lang::ast::Stmt;
use crate::sim::clock::Millis;
/// A pod's row in the timeline (the simulation records it; kubectl's printer prints it).
pub use crate::sim::trace::PodRow;
use crate::sim::trace::TraceEntry;
use crate::sim::{clock_fmt, World};

use super::exec::{self, Observer};
use super::load::LoadedFile;
use super::outcome::{Failure, Status};

/// How a statement ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StmtResult {
    Ok,
    /// The cluster refused the action (`fails with` may have expected it).
    Refused(String),
    /// The statement failed: the scenario stops here.
    Failed(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A statement started at `at`; `result` is how it ended.
    Statement {
        at: Millis,
        line: usize,
        text: String,
        result: StmtResult,
    },
    /// A pod's printed row changed; `deleted` for the line `-w` prints when it goes.
    Pod {
        at: Millis,
        row: PodRow,
        deleted: bool,
    },
    /// A StatefulSet sync stopped early.
    Wait {
        at: Millis,
        set: String,
        reason: String,
    },
}

/// One traced scenario.
#[derive(Clone, Debug)]
pub struct Traced {
    pub title: String,
    pub passed: bool,
    pub entries: Vec<Entry>,
}

struct Recorder<'a> {
    source: &'a str,
    entries: Vec<Entry>,
    /// World trace entries already copied.
    seen: usize,
    /// The index in `entries` of the running statement.
    current: Option<usize>,
}

/// A pod's row in `kubectl get pods -o wide` (without AGE, RESTARTS as a count), the
/// printer the World's trace records rows with.
fn pod_row(pod: &Pod, now: Millis) -> Option<PodRow> {
    let table = crate::kubectl::printers::pods(&[pod], crate::sim::clock::to_time(now));
    let cells = table.rows.into_iter().next()?;
    let cell = |i: usize| cells.get(i).cloned().unwrap_or_default();
    let restarts = cell(3).split_whitespace().next().unwrap_or("0").to_string();
    Some(PodRow {
        name: cell(0),
        ready: cell(1),
        status: cell(2),
        restarts,
        ip: cell(5),
        node: cell(6),
    })
}

impl Recorder<'_> {
    fn collect(&mut self, world: &World) {
        let Some(trace) = world.trace.as_ref() else {
            return;
        };
        for entry in &trace.entries[self.seen.min(trace.entries.len())..] {
            self.entries.push(match entry.clone() {
                TraceEntry::Pod { at, row, deleted } => Entry::Pod { at, row, deleted },
                TraceEntry::Wait { at, set, reason } => Entry::Wait { at, set, reason },
            });
        }
        self.seen = trace.entries.len();
    }
}

impl Observer for Recorder<'_> {
    fn started(&mut self, world: &mut World) {
        crate::sim::trace::enable(world, pod_row);
    }

    fn before(&mut self, world: &World, stmt: &Stmt) {
        self.collect(world);
        let start = stmt.span.start.min(self.source.len());
        let line = self.source[..start].matches('\n').count() + 1;
        self.current = Some(self.entries.len());
        self.entries.push(Entry::Statement {
            at: world.now,
            line,
            text: exec::first_line(self.source, stmt.span),
            result: StmtResult::Ok,
        });
    }

    fn after(
        &mut self,
        world: &World,
        _stmt: &Stmt,
        refusal: Option<&str>,
        failure: Option<&Failure>,
    ) {
        self.collect(world);
        let outcome = match (failure, refusal) {
            (Some(f), _) => StmtResult::Failed(f.message.clone()),
            (None, Some(r)) => StmtResult::Refused(r.to_string()),
            (None, None) => StmtResult::Ok,
        };
        if let Some(Entry::Statement { result, .. }) =
            self.current.and_then(|i| self.entries.get_mut(i))
        {
            *result = outcome;
        }
    }
}

/// Runs scenario `index` of `file` (setup and body) with tracing on.
pub fn trace(file: &LoadedFile, index: usize) -> Traced {
    let mut recorder = Recorder {
        source: &file.source,
        entries: Vec::new(),
        seen: 0,
        current: None,
    };
    let result = exec::run_scenario_observed(file, index, &mut recorder);
    Traced {
        title: result.title,
        passed: matches!(result.status, Status::Passed),
        entries: recorder.entries,
    }
}

/// The marks of the human output.
#[derive(Clone, Copy, Debug)]
pub struct Marks {
    pub statement: &'static str,
    pub wait: &'static str,
    pub failed: &'static str,
}

pub const UNICODE: Marks = Marks {
    statement: "▶",
    wait: "⏸",
    failed: "✗",
};

pub const ASCII: Marks = Marks {
    statement: ">",
    wait: "||",
    failed: "x",
};

/// The human timeline: one line per entry, times right-aligned, pod columns aligned as
/// kubectl aligns them (widest cell + 3).
pub fn render_human(traced: &Traced, marks: Marks) -> String {
    let entries = &traced.entries;
    let time_width = entries
        .iter()
        .map(|e| clock_fmt(at(e)).len())
        .max()
        .unwrap_or(2)
        .max(4);
    let mut widths = [0usize; 6];
    for entry in entries {
        if let Entry::Pod { row, .. } = entry {
            for (w, cell) in widths.iter_mut().zip(row.cells()) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = format!("trace of \"{}\"\n", traced.title);
    let mut pending: Option<(Millis, String)> = None;
    let flush = |out: &mut String, pending: &mut Option<(Millis, String)>| {
        if let Some((t, text)) = pending.take() {
            let mut lines = text.lines();
            let first = lines.next().unwrap_or_default();
            out.push_str(&format!("{:>time_width$}  {first}\n", clock_fmt(t)));
            for line in lines {
                out.push_str(&format!("{:>time_width$}      {line}\n", ""));
            }
        }
    };
    for entry in entries {
        let time = format!("{:>time_width$}", clock_fmt(at(entry)));
        match entry {
            Entry::Statement {
                line, text, result, ..
            } => {
                flush(&mut out, &mut pending);
                out.push_str(&format!("{time}  {} {line}  {text}\n", marks.statement));
                pending = match result {
                    StmtResult::Ok => None,
                    StmtResult::Refused(m) => Some((at(entry), format!("  refused: {m}"))),
                    StmtResult::Failed(m) => {
                        Some((at(entry), format!("{} failed: {m}", marks.failed)))
                    }
                };
            }
            Entry::Pod { row, deleted, .. } => {
                let cells = row.cells();
                let mut line = String::new();
                for (i, cell) in cells.iter().enumerate() {
                    if i + 1 < cells.len() {
                        line.push_str(&format!("{cell:<w$}", w = widths[i] + 3));
                    } else {
                        line.push_str(cell);
                    }
                }
                if *deleted {
                    line.push_str("   (deleted)");
                }
                out.push_str(&format!("{time}    {}\n", line.trim_end()));
            }
            Entry::Wait { set, reason, .. } => {
                out.push_str(&format!(
                    "{time}    {} statefulset/{set}: {reason}\n",
                    marks.wait
                ));
            }
        }
        // A result is shown once the statement's own entries are printed, at the
        // instant it ended.
        if let Some((t, _)) = pending.as_mut() {
            *t = at(entry).max(*t);
        }
    }
    flush(&mut out, &mut pending);
    out.push_str(if traced.passed {
        "passed\n"
    } else {
        "failed\n"
    });
    out
}

fn at(entry: &Entry) -> Millis {
    match entry {
        Entry::Statement { at, .. } | Entry::Pod { at, .. } | Entry::Wait { at, .. } => *at,
    }
}

/// The timeline as a JSON array of objects with `at_ms` and `type`.
pub fn to_json(traced: &Traced) -> serde_json::Value {
    use serde_json::json;
    let items: Vec<serde_json::Value> = traced
        .entries
        .iter()
        .map(|entry| match entry {
            Entry::Statement {
                at,
                line,
                text,
                result,
            } => {
                let (result, message) = match result {
                    StmtResult::Ok => ("ok", None),
                    StmtResult::Refused(m) => ("refused", Some(m.clone())),
                    StmtResult::Failed(m) => ("failed", Some(m.clone())),
                };
                let mut v = json!({
                    "at_ms": at.as_ms(),
                    "type": "statement",
                    "line": line,
                    "text": text,
                    "result": result,
                });
                if let Some(m) = message {
                    v["message"] = json!(m);
                }
                v
            }
            Entry::Pod { at, row, deleted } => json!({
                "at_ms": at.as_ms(),
                "type": "pod",
                "name": row.name,
                "ready": row.ready,
                "status": row.status,
                "restarts": row.restarts,
                "ip": row.ip,
                "node": row.node,
                "deleted": deleted,
            }),
            Entry::Wait { at, set, reason } => json!({
                "at_ms": at.as_ms(),
                "type": "wait",
                "set": set,
                "reason": reason,
            }),
        })
        .collect();
    serde_json::Value::Array(items)
}

/// `to_json`, pretty-printed with a final newline.
pub fn render_json(traced: &Traced) -> String {
    let mut text = serde_json::to_string_pretty(&to_json(traced)).unwrap_or_default();
    text.push('\n');
    text
}
