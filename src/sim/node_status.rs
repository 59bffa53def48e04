//! The kubelet's side of a node's status (upstream `pkg/kubelet/nodestatus/setters.go` and
//! `pkg/kubelet/kubelet_node_status.go`): the four conditions it posts, in the order of
//! `defaultNodeStatusFuncs` (MemoryPressure, DiskPressure, PIDPressure, Ready), the events
//! it records when one of them changes, and the NodeNotSchedulable / NodeSchedulable events
//! of its 10 s status sync (`recordNodeSchedulableEvent`).

use crate::sim::events::Recorder;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Node, NodeCondition};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
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
    /// The machine resources of the kubelets of nodes that joined during the run (the
    /// cluster's own nodes have their shape's).
    machine: BTreeMap<String, BTreeMap<String, Quantity>>,
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
    let capacity = world
        .store
        .nodes()
        .get(node)
        .and_then(|n| n.status.as_ref()?.capacity.clone())
        .unwrap_or_default();
    world.node_status.machine.insert(node.to_string(), capacity);
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

/// The node's condition of `type_`, added as `Unknown` when the node has none yet (the
/// kubelet's condition setters start from the condition they find, or a new one).
fn condition_mut<'a>(conditions: &'a mut Vec<NodeCondition>, type_: &str) -> &'a mut NodeCondition {
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
    &mut conditions[index]
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
            let condition = condition_mut(conditions, type_);
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

/// The node changed: if its kubelet has not seen the new `spec.unschedulable` yet, or the
/// status is not the one it posts (someone patched it), it acts at its next status sync
/// (every 10 s from its registration).
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
    if world.node_status.sync_due.contains(node)
        || (unschedulable == seen && reconciled(world, node).is_none())
    {
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
    if let Some((status, events)) = reconciled(world, node) {
        super::server::write::<Node>(world, node, super::server::Author::Other, |object| {
            object.status = Some(status);
            true
        });
        for event in events {
            record(world, node, event);
        }
    }
    schedulable_event(world, node);
}

/// The kubelet's machine resources for the node: those it started with.
fn machine(world: &World, node: &str) -> BTreeMap<String, Quantity> {
    if let Some(resources) = world.node_status.machine.get(node) {
        return resources.clone();
    }
    world
        .config
        .node_shapes()
        .iter()
        .find(|shape| shape.name == node)
        .and_then(|shape| serde_json::from_value(super::nodes::machine_resources(shape)).ok())
        .unwrap_or_default()
}

/// `IsExtendedResourceName`: a resource name with a domain outside `kubernetes.io`, not a
/// quota's `requests.` name.
fn is_extended_resource(name: &str) -> bool {
    name.contains('/') && !name.contains("kubernetes.io/") && !name.starts_with("requests.")
}

/// The status the kubelet posts at its sync (`setNodeStatus`, `nodestatus/setters.go`),
/// when it differs from the stored one beyond heartbeats, with the events of the
/// conditions that turned: `MachineInfo` sets the capacity of what it measures (cpu,
/// memory, pods, ephemeral-storage), keeps the other resources a client advertised
/// (extended resources), drops from the allocatable the extended resources no longer in
/// the capacity and makes the allocatable the capacity (scn reserves nothing); the
/// pressure conditions turn back to False and Ready to True (its reason and message
/// rewritten), each turn with a transition time and its event; every condition the
/// kubelet posts gets the new heartbeat.
fn reconciled(
    world: &World,
    node: &str,
) -> Option<(k8s_openapi::api::core::v1::NodeStatus, Vec<&'static str>)> {
    let object = world.store.nodes().get(node)?;
    let old = object.status.clone().unwrap_or_default();
    let mut status = old.clone();
    let capacity = status.capacity.get_or_insert_with(BTreeMap::new);
    for (name, value) in machine(world, node) {
        capacity.insert(name, value);
    }
    let capacity = capacity.clone();
    let allocatable = status.allocatable.get_or_insert_with(BTreeMap::new);
    allocatable.retain(|name, _| !is_extended_resource(name) || capacity.contains_key(name));
    for (name, value) in &capacity {
        allocatable.insert(name.clone(), value.clone());
    }
    let now = to_time(world.now);
    let mut events = Vec::new();
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    for (type_, state, reason, message, event) in HEALTHY {
        let condition = condition_mut(conditions, type_);
        let turned = condition.status != state;
        if turned || type_ == "Ready" {
            condition.reason = Some(reason.into());
            condition.message = Some(message.into());
        }
        if turned {
            condition.status = state.into();
            condition.last_transition_time = Some(now.clone());
            events.push(event);
        }
    }
    if status == old {
        return None;
    }
    for condition in status.conditions.iter_mut().flatten() {
        if HEALTHY.iter().any(|(type_, ..)| *type_ == condition.type_) {
            condition.last_heartbeat_time = Some(now.clone());
        }
    }
    Some((status, events))
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
