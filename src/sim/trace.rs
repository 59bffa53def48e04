//! The timeline of a World, as `kubectl get pods -o wide -w` shows it, plus the reasons the
//! StatefulSet controller stopped a sync early ("waits").
//!
//! Off by default: `World::trace` is `None`, and every hook returns at once. Turned on with
//! [`enable`]; the entries are in the order the changes happened, so the same input gives
//! the same trace. How a pod's row prints is kubectl's business: the caller of [`enable`]
//! gives the printer ([`RowPrinter`]), so the simulation depends on no client code.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

use super::clock::Millis;
use super::kinds::ObjectKind;
use super::world::{Change, World};

/// One printed row of `kubectl get pods -o wide`, without AGE (which changes with time,
/// not with the pod) and with RESTARTS as a count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodRow {
    pub name: String,
    pub ready: String,
    pub status: String,
    pub restarts: String,
    pub ip: String,
    pub node: String,
}

impl PodRow {
    pub fn cells(&self) -> [&str; 6] {
        [
            &self.name,
            &self.ready,
            &self.status,
            &self.restarts,
            &self.ip,
            &self.node,
        ]
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceEntry {
    /// A pod's printed row changed (or the pod appeared); `deleted` for the last line of a
    /// pod that left the API, which repeats its last row as `-w` does.
    Pod {
        at: Millis,
        row: PodRow,
        deleted: bool,
    },
    /// A StatefulSet sync stopped early, and why.
    Wait {
        at: Millis,
        set: String,
        reason: String,
    },
}

/// Prints a pod's row at an instant, as `kubectl get pods -o wide` does; `None` when the
/// printer shows no row for it.
pub type RowPrinter = fn(&Pod, Millis) -> Option<PodRow>;

#[derive(Debug)]
pub struct Trace {
    pub entries: Vec<TraceEntry>,
    printer: RowPrinter,
    rows: BTreeMap<String, PodRow>,
    last_wait: BTreeMap<String, String>,
    waited: bool,
}

/// Turns tracing on for `world`, with the pods it has now as the starting rows, printed
/// by `printer`.
pub fn enable(world: &mut World, printer: RowPrinter) {
    let mut trace = Trace {
        entries: Vec::new(),
        printer,
        rows: BTreeMap::new(),
        last_wait: BTreeMap::new(),
        waited: false,
    };
    for (name, pod) in world.store.pods() {
        if let Some(row) = printer(pod, world.now) {
            trace.rows.insert(name.clone(), row);
        }
    }
    world.trace = Some(Box::new(trace));
}

/// A watch event is about to be sent: record the pod's row if it changed.
pub fn on_notify(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    change: &Change,
    object: Option<&crate::sim::store::Object>,
) {
    if world.trace.is_none() || *kind != ObjectKind::Pod {
        return;
    }
    let now = world.now;
    let Some(trace) = world.trace.as_mut() else {
        return;
    };
    let row = if *change == Change::Deleted {
        None
    } else {
        object
            .and_then(|o| o.pod())
            .and_then(|pod| (trace.printer)(pod, now))
    };
    match row {
        Some(row) => {
            if trace.rows.get(name) != Some(&row) {
                trace.rows.insert(name.to_string(), row.clone());
                trace.entries.push(TraceEntry::Pod {
                    at: now,
                    row,
                    deleted: false,
                });
            }
        }
        None => {
            if let Some(row) = trace.rows.remove(name) {
                trace.entries.push(TraceEntry::Pod {
                    at: now,
                    row,
                    deleted: true,
                });
            }
        }
    }
}

/// Whether tracing is on (so callers can skip building a reason).
pub fn enabled(world: &World) -> bool {
    world.trace.is_some()
}

/// A StatefulSet sync starts.
pub fn begin_sync(world: &mut World) {
    if let Some(trace) = world.trace.as_mut() {
        trace.waited = false;
    }
}

/// A StatefulSet sync ended: one that did not wait forgets the set's last reason, so the
/// next wait for the same reason is shown again.
pub fn end_sync(world: &mut World, set: &str) {
    if let Some(trace) = world.trace.as_mut() {
        if !trace.waited {
            trace.last_wait.remove(set);
        }
    }
}

/// The StatefulSet controller stopped `set`'s sync early. Recorded only when tracing is on
/// and the reason differs from the set's previous one.
pub fn wait(world: &mut World, set: &str, reason: impl FnOnce() -> String) {
    let now = world.now;
    let Some(trace) = world.trace.as_mut() else {
        return;
    };
    trace.waited = true;
    let reason = reason();
    if trace.last_wait.get(set) == Some(&reason) {
        return;
    }
    trace.last_wait.insert(set.to_string(), reason.clone());
    trace.entries.push(TraceEntry::Wait {
        at: now,
        set: set.to_string(),
        reason,
    });
}
