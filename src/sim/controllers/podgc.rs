//! The pod garbage collector (`pkg/controller/podgc/gc_controller.go`), its orphan sweep:
//! pods bound to a node that does not exist.
//!
//! - A node that is deleted takes its pods at once: in the instant of the node's deletion
//!   (docs/language.md timing: `delete node/n`) each is marked as `gcOrphaned` marks it
//!   (`markFailedAndDeletePodWithCondition`: phase `Failed` and the `DisruptionTarget`
//!   condition below, unless it already finished) and deleted with grace period 0, since no
//!   kubelet is left to stop it; a pod held by finalizers stays so marked. Upstream finds
//!   them at its next pass and waits its quarantine first; scn's node deletion is final,
//!   and the documented timing is kept.
//! - A pod bound (by `spec.nodeName`) to a node that never existed is never run: no kubelet
//!   is there. `gcOrphaned` runs every 20 s (`gcCheckPeriod`, from the controller's start:
//!   0 s, 20 s, 40 s, …); the first pass that sees such a pod puts its node in quarantine
//!   for 40 s (`quarantineTime`), and the first pass after that deletes the node's pods if
//!   the node still does not exist: phase `Failed`, the condition `DisruptionTarget`
//!   (reason `DeletionByPodGC`, message `PodGC: node no longer exists`), then a delete with
//!   grace period 0.
//! - `gcTerminating`: a terminating pod on a node that is not Ready and carries the
//!   `node.kubernetes.io/out-of-service` taint (non-graceful node shutdown) will never be
//!   stopped by its kubelet; the next pass marks it `Failed` and force-deletes it, so a
//!   StatefulSet can re-create it elsewhere.
//! - `gcUnscheduledTerminating`: a terminating pod bound to no node (its deletion is
//!   immediate, so only one held by finalizers) is marked `Failed` by the next pass
//!   (`markFailedAndDeletePod`, no condition) and deleted with grace period 0.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, PodStatus};

use crate::sim::clock::Millis;
use crate::sim::podutil;
use crate::sim::podutil::natural_cmp;
use crate::sim::server;
use crate::sim::world::{Timer, World};

/// `gcCheckPeriod`.
pub const GC_CHECK_PERIOD: Millis = Millis::secs(20);
/// `quarantineTime`.
pub const QUARANTINE_TIME: Millis = Millis::secs(40);

/// The pod GC's state: the missing nodes in quarantine, with the instant their pods go.
/// An entry leaves when its pass ran, so there are never more entries than node names
/// that pods name.
#[derive(Debug, Default)]
pub struct PodGc {
    quarantined: BTreeMap<String, Millis>,
    /// Nodes whose terminating pods the next pass looks at (at most one entry per node).
    terminating: std::collections::BTreeSet<String>,
    /// A pass is due for the terminating pods bound to no node.
    unscheduled_terminating: bool,
}

/// The condition `gcOrphaned` gives the pods of a node that no longer exists.
const ORPHANED_REASON: &str = "DeletionByPodGC";
const ORPHANED_MESSAGE: &str = "PodGC: node no longer exists";

/// The taint an administrator puts on a node that was shut down for good
/// (`v1.TaintNodeOutOfService`).
pub const OUT_OF_SERVICE: &str = "node.kubernetes.io/out-of-service";

/// The pod GC's informer handler: a deleted node orphans its pods; a pod bound to a node
/// that does not exist is found by the next pass.
pub fn on_event(
    world: &mut World,
    event: &crate::sim::world::WatchEvent,
) -> Result<(), crate::sim::error::SimError> {
    use crate::sim::kinds::ObjectKind;
    use crate::sim::world::Change;
    match (&event.kind, &event.change) {
        (ObjectKind::Node, Change::Deleted) => on_node_deleted(world, &event.name),
        (ObjectKind::Node, Change::Added | Change::Modified) => {
            watch_terminating(world, &event.name)
        }
        (ObjectKind::Pod, Change::Added | Change::Modified) => {
            on_pod(world, &event.name);
            let node = world
                .store
                .pods()
                .get(&event.name)
                .filter(|p| podutil::is_terminating(p))
                .and_then(|p| p.spec.as_ref()?.node_name.clone());
            if let Some(node) = node {
                watch_terminating(world, &node);
            }
            watch_unscheduled_terminating(world, &event.name);
        }
        _ => {}
    }
    Ok(())
}

pub fn on_node_deleted(world: &mut World, node: &str) {
    for pod in pods_on(world, node) {
        mark_failed_and_delete(world, &pod, Some((ORPHANED_REASON, ORPHANED_MESSAGE)));
    }
}

/// `markFailedAndDeletePodWithCondition`: a pod that has not finished is patched to phase
/// `Failed` (with the condition, if any, as `UpdatePodCondition` sets it), then deleted with
/// grace period 0.
fn mark_failed_and_delete(world: &mut World, name: &str, condition: Option<(&str, &str)>) {
    let now = world.now;
    server::write::<Pod>(world, name, server::Author::Other, |pod| {
        let generation = pod.metadata.generation;
        let status = pod.status.get_or_insert_with(PodStatus::default);
        if matches!(status.phase.as_deref(), Some("Failed" | "Succeeded")) {
            return false;
        }
        status.phase = Some("Failed".into());
        if let Some((reason, message)) = condition {
            podutil::update_pod_condition(
                status.conditions.get_or_insert_with(Vec::new),
                podutil::disruption_target(reason, message, generation, now),
            );
        }
        true
    });
    server::delete_pod(world, name, true);
}

/// The names of the pods bound to `node`, in name order.
fn pods_on(world: &World, node: &str) -> Vec<String> {
    let mut pods: Vec<String> = world
        .store
        .pods()
        .iter()
        .filter(|(_, p)| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node))
        .map(|(name, _)| name.clone())
        .collect();
    pods.sort_by(|a, b| natural_cmp(a, b));
    pods
}

/// A pod bound to a node that does not exist: the next pass (the first multiple of 20 s
/// after now) quarantines the node, and the first pass 40 s later deletes its pods.
fn on_pod(world: &mut World, name: &str) {
    let Some(node) = world
        .store
        .pods()
        .get(name)
        .and_then(|p| p.spec.as_ref()?.node_name.clone())
    else {
        return;
    };
    if world.store.nodes().get(&node).is_some() || world.podgc.quarantined.contains_key(&node) {
        return;
    }
    let at = world.now.next_multiple_of(GC_CHECK_PERIOD) + QUARANTINE_TIME;
    world.podgc.quarantined.insert(node.clone(), at);
    world.timers.at(at, Timer::OrphanedPods { node });
}

/// The pass that ends a node's quarantine: if the node still does not exist, its pods are
/// marked Failed with `DisruptionTarget` and force-deleted.
pub fn gc_orphaned(world: &mut World, node: &str) {
    world.podgc.quarantined.remove(node);
    if world.store.nodes().get(node).is_some() {
        return;
    }
    for name in pods_on(world, node) {
        mark_failed_and_delete(world, &name, Some((ORPHANED_REASON, ORPHANED_MESSAGE)));
    }
}

/// Whether `gcTerminating` acts on the pods of `node`: it is not Ready and it is out of
/// service.
fn out_of_service(world: &World, node: &str) -> bool {
    let Some(node) = world.store.nodes().get(node) else {
        return false;
    };
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .is_some_and(|c| c.status == "True");
    let tainted = node
        .spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .is_some_and(|t| t.iter().any(|t| t.key == OUT_OF_SERVICE));
    !ready && tainted
}

/// A node or one of its pods changed: when the node is out of service and has a
/// terminating pod, the next pass (a multiple of 20 s after now) collects them.
fn watch_terminating(world: &mut World, node: &str) {
    if world.podgc.terminating.contains(node) || !out_of_service(world, node) {
        return;
    }
    let any = world.store.pods().iter().any(|(_, p)| {
        podutil::is_terminating(p)
            && p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node)
    });
    if !any {
        return;
    }
    world.podgc.terminating.insert(node.to_string());
    let at = world.now.next_multiple_of(GC_CHECK_PERIOD);
    world.timers.at(
        at,
        Timer::TerminatingPods {
            node: node.to_string(),
        },
    );
}

/// `gcTerminating`'s pass for one node: its terminating pods are marked `Failed` (no
/// condition) and deleted with grace period 0, if the node is still out of service.
pub fn gc_terminating(world: &mut World, node: &str) {
    world.podgc.terminating.remove(node);
    if !out_of_service(world, node) {
        return;
    }
    for name in pods_on(world, node) {
        let terminating = world
            .store
            .pods()
            .get(&name)
            .is_some_and(podutil::is_terminating);
        if terminating {
            mark_failed_and_delete(world, &name, None);
        }
    }
}

/// Whether a pod is being deleted and bound to no node.
fn unscheduled_terminating(pod: &Pod) -> bool {
    podutil::is_terminating(pod)
        && pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .is_none()
}

/// A pod changed: when it is terminating and bound to no node, the next pass (a multiple of
/// 20 s after now) collects it.
fn watch_unscheduled_terminating(world: &mut World, name: &str) {
    if world.podgc.unscheduled_terminating
        || !world
            .store
            .pods()
            .get(name)
            .is_some_and(unscheduled_terminating)
    {
        return;
    }
    world.podgc.unscheduled_terminating = true;
    let at = world.now.next_multiple_of(GC_CHECK_PERIOD);
    world.timers.at(at, Timer::UnscheduledTerminatingPods);
}

/// `gcUnscheduledTerminating`'s pass: every terminating pod bound to no node is marked
/// `Failed` (no condition) and deleted with grace period 0.
pub fn gc_unscheduled_terminating(world: &mut World) {
    world.podgc.unscheduled_terminating = false;
    let mut names: Vec<String> = world
        .store
        .pods()
        .iter()
        .filter(|(_, p)| unscheduled_terminating(p))
        .map(|(name, _)| name.clone())
        .collect();
    names.sort_by(|a, b| natural_cmp(a, b));
    for name in names {
        mark_failed_and_delete(world, &name, None);
    }
}
