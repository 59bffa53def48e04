//! The kubelet's side of a node's status (upstream `pkg/kubelet/nodestatus/setters.go` and
//! `pkg/kubelet/kubelet_node_status.go`): the four conditions it posts, in the order of
//! `defaultNodeStatusFuncs` (MemoryPressure, DiskPressure, PIDPressure, Ready), the events
//! it records when one of them changes, and the NodeNotSchedulable / NodeSchedulable events
//! of its 10 s status sync (`recordNodeSchedulableEvent`).

use crate::sim::events::Recorder;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Node, NodeCondition};
use serde_json::{json, Value};

use super::clock::{from_time, to_time, Millis};
use super::kinds::ObjectKind;
use super::world::{Timer, World};

/// `nodeStatusUpdateFrequency`: how often the kubelet syncs its node's status.
pub const NODE_STATUS_UPDATE_FREQUENCY: Millis = Millis::secs(10);

/// What the kubelet writes for a condition it is happy with: type, status, reason, message,
/// and the event it records when the condition turns to this status.
const HEALTHY: [(&str, &str, &str, &str, &str); 4] = [
    (
        "MemoryPressure",
        "False",
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
        "NodeHasSufficientMemory",
    ),
    (
        "DiskPressure",
        "False",
        "KubeletHasNoDiskPressure",
        "kubelet has no disk pressure",
        "NodeHasNoDiskPressure",
    ),
    (
        "PIDPressure",
        "False",
        "KubeletHasSufficientPID",
        "kubelet has sufficient PID available",
        "NodeHasSufficientPID",
    ),
    (
        "Ready",
        "True",
        "KubeletReady",
        "kubelet is posting ready status",
        "NodeReady",
    ),
];

/// Each kubelet's memory between syncs.
#[derive(Debug, Default)]
pub struct NodeStatus {
    /// `lastNodeUnschedulable`: the `spec.unschedulable` the kubelet last saw (false at start).
    last_unschedulable: BTreeMap<String, bool>,
    /// Nodes whose next status sync is already on the clock.
    sync_due: BTreeSet<String>,
}

/// The conditions a registering kubelet posts, all since `now`.
pub fn initial_conditions(now: Millis) -> Value {
    let time = to_time(now);
    HEALTHY
        .iter()
        .map(|(type_, status, reason, message, _)| {
            json!({"type": type_, "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": time, "lastTransitionTime": time})
        })
        .collect()
}

/// A kubelet that starts on a node that joins the cluster: `BirthCry` (`Starting kubelet.`),
/// the first node status, where each condition's setter finds no condition yet and records
/// its event (`Node <name> status is now: NodeHasSufficientMemory`, … in the setters'
/// order), and the container manager's `NodeAllocatableEnforced`. The node is Ready at its
/// first status here, so `NodeReady` comes last. (The cluster's own nodes started before
/// anything a run can see.)
pub fn kubelet_started(world: &mut World, node: &str) {
    crate::sim::events::record(
        world,
        Recorder::kubelet(node),
        ObjectKind::Node,
        node,
        "Normal",
        "Starting",
        "Starting kubelet.".to_string(),
    );
    let (pressure, ready) = HEALTHY.split_at(HEALTHY.len() - 1);
    for (_, _, _, _, event) in pressure {
        record(world, node, event);
    }
    crate::sim::events::record(
        world,
        Recorder::kubelet(node),
        ObjectKind::Node,
        node,
        "Normal",
        "NodeAllocatableEnforced",
        "Updated Node Allocatable limit across pods".to_string(),
    );
    for (_, _, _, _, event) in ready {
        record(world, node, event);
    }
}

/// A kubelet that was silent reports again: each condition that differs from what it posts
/// (the node lifecycle controller set them to `Unknown`) flips, with a new transition time
/// and the kubelet's `Node <name> status is now: <event>` event; every heartbeat is now.
pub fn report(world: &mut World, node: &str) {
    let now = world.now;
    let mut changed = Vec::new();
    super::server::write::<Node>(world, node, super::server::Author::Other, |object| {
        let status = object.status.get_or_insert_with(Default::default);
        let conditions = status.conditions.get_or_insert_with(Vec::new);
        for (type_, state, reason, message, event) in HEALTHY {
            let index = match conditions.iter().position(|c| c.type_ == type_) {
                Some(i) => i,
                None => {
                    conditions.push(NodeCondition {
                        type_: type_.into(),
                        status: "Unknown".into(),
                        ..Default::default()
                    });
                    conditions.len() - 1
                }
            };
            let condition = &mut conditions[index];
            condition.last_heartbeat_time = Some(to_time(now));
            if condition.status != state {
                condition.status = state.into();
                condition.reason = Some(reason.into());
                condition.message = Some(message.into());
                condition.last_transition_time = Some(to_time(now));
                changed.push(event);
            }
        }
        true
    });
    for event in changed {
        record(world, node, event);
    }
    schedulable_event(world, node);
}

/// The node's spec changed: if its kubelet has not seen the new `spec.unschedulable` yet, it
/// will at its next status sync (every 10 s from its registration).
pub fn spec_changed(world: &mut World, node: &str) {
    let Some(object) = world.store.nodes().get(node) else {
        return;
    };
    let unschedulable = super::nodes::is_unschedulable(object);
    let seen = world
        .node_status
        .last_unschedulable
        .get(node)
        .copied()
        .unwrap_or(false);
    if unschedulable == seen || world.node_status.sync_due.contains(node) {
        return;
    }
    let registered = object
        .metadata
        .creation_timestamp
        .as_ref()
        .map(from_time)
        .unwrap_or_default()
        .min(world.now);
    let next = registered + (world.now - registered).next_multiple_of(NODE_STATUS_UPDATE_FREQUENCY);
    world.node_status.sync_due.insert(node.to_string());
    world.timers.at(
        next,
        Timer::NodeStatusSync {
            node: node.to_string(),
        },
    );
}

/// The kubelet's periodic status sync. A silent kubelet does not sync; it catches up when
/// it reports again (`report`).
pub fn sync(world: &mut World, node: &str) {
    world.node_status.sync_due.remove(node);
    if world.kubelet.down.contains(node) {
        return;
    }
    schedulable_event(world, node);
}

/// A node that left: its kubelet's memory goes with it.
pub fn forget(world: &mut World, node: &str) {
    world.node_status.last_unschedulable.remove(node);
}

/// `recordNodeSchedulableEvent`: NodeNotSchedulable or NodeSchedulable when
/// `spec.unschedulable` differs from what the kubelet saw last.
fn schedulable_event(world: &mut World, node: &str) {
    let Some(object) = world.store.nodes().get(node) else {
        return;
    };
    let unschedulable = super::nodes::is_unschedulable(object);
    let seen = world
        .node_status
        .last_unschedulable
        .insert(node.to_string(), unschedulable)
        .unwrap_or(false);
    if unschedulable != seen {
        let event = if unschedulable {
            "NodeNotSchedulable"
        } else {
            "NodeSchedulable"
        };
        record(world, node, event);
    }
}

/// `recordNodeStatusEvent`.
fn record(world: &mut World, node: &str, event: &str) {
    crate::sim::events::record(
        world,
        Recorder::kubelet(node),
        ObjectKind::Node,
        node,
        "Normal",
        event,
        format!("Node {node} status is now: {event}"),
    );
}
