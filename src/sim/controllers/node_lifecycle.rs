//! The node lifecycle controller (upstream `pkg/controller/nodelifecycle`), with the node's
//! own kubelet going down and up (`make node/n down|up`, docs/language.md timing): 50 s
//! after a node stops reporting (node-monitor grace period) its Ready and pressure
//! conditions are Unknown, it gets the `node.kubernetes.io/unreachable` NoSchedule taint and,
//! unless its zone is disrupted, the NoExecute one (B-TAINT-1); its pods are marked not
//! Ready (B-TAINT-5). The taint manager (`taint_eviction.rs`) then deletes each pod when its
//! toleration runs out (300 s by default, B-TAINT-2/3); the pods stay Terminating until the
//! node is up again or they are force-deleted (B-FAIL-4, B-TAINT-6).
//!
//! Zones (`handleDisruption`): a zone with no Ready node is fully disrupted; one with more
//! than two nodes not Ready, at least 55 % of it, partially. A partially disrupted zone of
//! at most 50 nodes taints no more nodes NoExecute. When every zone is fully disrupted the
//! controller blames its own connectivity ("master disruption mode"): it takes every
//! NoExecute taint off and evicts nothing until a node is Ready again.

use crate::sim::events::Recorder;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Node, NodeCondition, Taint};

use crate::sim::clock::{to_time, Millis};
use crate::sim::kinds::ObjectKind;
use crate::sim::world::{Timer, World};

pub const NODE_MONITOR_GRACE: Millis = Millis::secs(50);

#[derive(Debug, Default)]
pub struct NodeLifecycle {
    /// Each down/up bumps the node's epoch, so timers of an earlier outage do nothing.
    epochs: BTreeMap<String, u64>,
    /// `zoneStates`: one per zone that has nodes.
    zone_states: BTreeMap<String, ZoneState>,
    /// `knownNodeSet`.
    known: BTreeSet<String>,
    /// The first monitor pass ran.
    started: bool,
    /// A node changed since the last monitor pass.
    monitor_due: bool,
}

fn bump(world: &mut World, node: &str) -> u64 {
    let epoch = world
        .node_lifecycle
        .epochs
        .entry(node.to_string())
        .or_default();
    *epoch += 1;
    *epoch
}

fn current(world: &World, node: &str, epoch: u64) -> bool {
    world.node_lifecycle.epochs.get(node) == Some(&epoch) && world.kubelet.down.contains(node)
}

fn pods_on(world: &World, node: &str) -> Vec<String> {
    world
        .store
        .pods()
        .iter()
        .filter(|(_, p)| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node))
        .map(|(n, _)| n.clone())
        .collect()
}

/// `make node/n down`: the kubelet stops; the control plane notices after the grace period.
pub fn make_down(world: &mut World, node: &str) {
    if world.kubelet.down.contains(node) {
        return;
    }
    world.kubelet.down.insert(node.to_string());
    let epoch = bump(world, node);
    world.timers.at(
        world.now + NODE_MONITOR_GRACE,
        Timer::NodeNotReady {
            node: node.to_string(),
            epoch,
        },
    );
}

pub fn not_ready(world: &mut World, node: &str, epoch: u64) {
    if !current(world, node, epoch) {
        return;
    }
    crate::sim::events::record(
        world,
        Recorder::NODE_CONTROLLER,
        ObjectKind::Node,
        node,
        "Normal",
        "NodeNotReady",
        format!("Node {node} status is now: NodeNotReady"),
    );
    mark_pods_not_ready(world, node);
    // Ready `Unknown`: the NoSchedule taint follows at once, the NoExecute one from the
    // monitor pass; the taint manager (taint_eviction.rs) takes it from there.
    node_status_unknown(world, node);
}

/// `MarkPodsNotReady` (B-TAINT-5): only the pod's `Ready` condition turns False (phase and
/// container statuses stay), with a `NodeNotReady` warning on each pod it changed.
fn mark_pods_not_ready(world: &mut World, node: &str) {
    let now = world.now;
    for pod in pods_on(world, node) {
        let written = crate::sim::server::write::<k8s_openapi::api::core::v1::Pod>(
            world,
            &pod,
            crate::sim::server::Author::Other,
            |object| {
                let Some(conditions) = object.status.as_mut().and_then(|s| s.conditions.as_mut())
                else {
                    return false;
                };
                let Some(ready) = conditions.iter_mut().find(|c| c.type_ == "Ready") else {
                    return false;
                };
                if ready.status == "False" {
                    return false;
                }
                ready.status = "False".into();
                ready.last_transition_time = Some(to_time(now));
                true
            },
        );
        if written.is_none() {
            continue;
        }
        crate::sim::events::record(
            world,
            Recorder::NODE_CONTROLLER,
            ObjectKind::Pod,
            &pod,
            "Warning",
            "NodeNotReady",
            "Node is not ready".into(),
        );
    }
}

/// `make node/n up`: the kubelet reports again at once; the controller takes its taints
/// off in its next pass; the kubelet finishes what waited for it.
pub fn make_up(world: &mut World, node: &str) -> Result<(), crate::sim::error::SimError> {
    if !world.kubelet.down.contains(node) {
        return Ok(());
    }
    bump(world, node);
    // The scheduler hears the node's updates (Ready, then untainted) and retries its
    // waiting pods from its own queue.
    crate::sim::node_status::report(world, node);
    // The controller's next pass (within its 5 s monitor period) takes the unreachable
    // taints off; here in the same instant, so the kubelet admits against the clean node.
    no_schedule_tainting(world, node);
    set_no_execute(world, node, None);
    super::super::kubelet::node_up(world, node)
}

/// `tryUpdateNodeHealth` after the grace period: Ready and the three pressure conditions
/// turn `Unknown` in place, keeping the kubelet's last heartbeat; a condition the kubelet
/// never posted is added as never updated.
fn node_status_unknown(world: &mut World, node: &str) {
    let now = world.now;
    crate::sim::server::write::<Node>(world, node, crate::sim::server::Author::Other, |object| {
        let created = object.metadata.creation_timestamp.clone();
        let status = object.status.get_or_insert_with(Default::default);
        let conditions = status.conditions.get_or_insert_with(Vec::new);
        let mut changed = false;
        for type_ in ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] {
            match conditions.iter_mut().find(|c| c.type_ == type_) {
                Some(condition) => {
                    if condition.status != "Unknown" {
                        condition.status = "Unknown".into();
                        condition.reason = Some("NodeStatusUnknown".into());
                        condition.message = Some("Kubelet stopped posting node status.".into());
                        condition.last_transition_time = Some(to_time(now));
                        changed = true;
                    }
                }
                None => {
                    conditions.push(NodeCondition {
                        type_: type_.into(),
                        status: "Unknown".into(),
                        reason: Some("NodeStatusNeverUpdated".into()),
                        message: Some("Kubelet never posted node status.".into()),
                        last_heartbeat_time: created.clone(),
                        last_transition_time: Some(to_time(now)),
                    });
                    changed = true;
                }
            }
        }
        changed
    });
}

/// The controller's informer handler: every change of a node gets the NoSchedule taints
/// of its conditions (and of a cordon) at once, and a monitor pass after this instant's
/// changes; the node's kubelet hears a changed `spec.unschedulable` at its next sync.
pub fn on_event(
    world: &mut World,
    event: &crate::sim::world::WatchEvent,
) -> Result<(), crate::sim::error::SimError> {
    if event.kind != ObjectKind::Node {
        return Ok(());
    }
    world.node_lifecycle.monitor_due = true;
    if event.change != crate::sim::world::Change::Deleted {
        no_schedule_tainting(world, &event.name);
        crate::sim::node_status::spec_changed(world, &event.name);
    } else {
        crate::sim::node_status::forget(world, &event.name);
    }
    Ok(())
}

/// `nodeConditionToTaintKeyStatusMap`: the NoSchedule taint each condition status carries.
const CONDITION_TAINTS: [(&str, &str, &str); 6] = [
    ("Ready", "False", NOT_READY),
    ("Ready", "Unknown", UNREACHABLE),
    (
        "MemoryPressure",
        "True",
        "node.kubernetes.io/memory-pressure",
    ),
    ("DiskPressure", "True", "node.kubernetes.io/disk-pressure"),
    (
        "NetworkUnavailable",
        "True",
        "node.kubernetes.io/network-unavailable",
    ),
    ("PIDPressure", "True", "node.kubernetes.io/pid-pressure"),
];

/// `doNoScheduleTaintingPass` (taint-nodes-by-condition, B-DRAIN-7): the NoSchedule taints
/// of the node's conditions, in the order of its conditions, then
/// `node.kubernetes.io/unschedulable` for a cordoned node. The taints it adds get
/// `timeAdded` (`SwapNodeControllerTaint` stamps every taint it adds; the Taint field's
/// old comment "only written for NoExecute taints" was removed for that reason,
/// kubernetes/kubernetes#131644); one already there keeps its time.
pub fn no_schedule_tainting(world: &mut World, node: &str) {
    let now = world.now;
    crate::sim::server::write::<Node>(world, node, crate::sim::server::Author::Other, |object| {
        let mut wanted: Vec<&str> = Vec::new();
        for condition in object
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_deref())
            .unwrap_or_default()
        {
            for (type_, status, key) in CONDITION_TAINTS {
                if condition.type_ == type_ && condition.status == status && !wanted.contains(&key)
                {
                    wanted.push(key);
                }
            }
        }
        let spec = object.spec.get_or_insert_with(Default::default);
        if spec.unschedulable.unwrap_or(false) {
            wanted.push(UNSCHEDULABLE);
        }
        let managed =
            |key: &str| key == UNSCHEDULABLE || CONDITION_TAINTS.iter().any(|(_, _, k)| *k == key);
        let taints = spec.taints.get_or_insert_with(Vec::new);
        let before = taints.len();
        taints.retain(|t| {
            !(t.effect == "NoSchedule" && managed(&t.key) && !wanted.contains(&t.key.as_str()))
        });
        let mut changed = taints.len() != before;
        for key in wanted {
            if !taints
                .iter()
                .any(|t| t.key == key && t.effect == "NoSchedule")
            {
                taints.push(Taint {
                    key: key.into(),
                    effect: "NoSchedule".into(),
                    time_added: Some(to_time(now)),
                    value: None,
                });
                changed = true;
            }
        }
        if taints.is_empty() {
            spec.taints = None;
        }
        changed
    });
}

/// The controller's queued work: one monitor pass once this instant's changes are in.
pub fn work(world: &mut World) -> Result<bool, crate::sim::error::SimError> {
    if !std::mem::take(&mut world.node_lifecycle.monitor_due) {
        return Ok(false);
    }
    monitor_node_health(world);
    Ok(true)
}

/// A zone's health (`ZoneState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneState {
    Initial,
    Normal,
    PartialDisruption,
    FullDisruption,
}

/// `--unhealthy-zone-threshold`.
const UNHEALTHY_ZONE_THRESHOLD: f64 = 0.55;
/// `--large-cluster-size-threshold`.
const LARGE_CLUSTER_THRESHOLD: usize = 50;

/// `ComputeZoneState` from the Ready statuses of a zone's nodes.
pub fn compute_zone_state(ready: &[bool]) -> ZoneState {
    let ready_nodes = ready.iter().filter(|r| **r).count();
    let not_ready = ready.len() - ready_nodes;
    if ready_nodes == 0 && not_ready > 0 {
        ZoneState::FullDisruption
    } else if not_ready > 2 && not_ready as f64 / ready.len() as f64 >= UNHEALTHY_ZONE_THRESHOLD {
        ZoneState::PartialDisruption
    } else {
        ZoneState::Normal
    }
}

/// `GetZoneKey`: region and zone; nodes with neither share the zone "".
fn zone_key(node: &Node) -> String {
    let region = crate::sim::nodes::label(node, "topology.kubernetes.io/region")
        .or_else(|| crate::sim::nodes::label(node, "failure-domain.beta.kubernetes.io/region"))
        .unwrap_or_default();
    let zone = crate::sim::nodes::zone(node)
        .or_else(|| crate::sim::nodes::label(node, "failure-domain.beta.kubernetes.io/zone"))
        .unwrap_or_default();
    if region.is_empty() && zone.is_empty() {
        String::new()
    } else {
        format!("{region}:\0:{zone}")
    }
}

fn ready_status(node: &Node) -> Option<&str> {
    node.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready")
        .map(|c| c.status.as_str())
}

/// `monitorNodeHealth` without the grace-period bookkeeping (the `NodeNotReady` timer does
/// that): nodes that joined or left, then `handleDisruption`, then the NoExecute taints
/// (`processTaintBaseEviction` and the zone's tainter, whose rate limit is not modelled:
/// a node is tainted as soon as its zone's limiter lets any node through).
fn monitor_node_health(world: &mut World) {
    let nodes: Vec<(String, String, Option<String>)> = world
        .store
        .nodes()
        .iter()
        .map(|(name, node)| {
            (
                name.clone(),
                zone_key(node),
                ready_status(node).map(String::from),
            )
        })
        .collect();
    register(world, &nodes);
    let mut zones: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    for (name, zone, ready) in &nodes {
        // `isNodeExcludedFromDisruptionChecks`.
        let excluded = world
            .store
            .nodes()
            .get(name)
            .is_some_and(|n| crate::sim::nodes::label(n, EXCLUDE_DISRUPTION).is_some());
        if excluded {
            continue;
        }
        zones
            .entry(zone.clone())
            .or_default()
            .push(ready.as_deref() == Some("True"));
    }
    handle_disruption(world, &zones);
    let master_disruption = all_fully_disrupted(&world.node_lifecycle.zone_states);
    for (name, zone, ready) in &nodes {
        match ready.as_deref() {
            // `markNodeAsReachable`.
            Some("True") => set_no_execute(world, name, None),
            Some(status) if !master_disruption && tainter_runs(world, zone, zones.get(zone)) => {
                let key = if status == "False" {
                    NOT_READY
                } else {
                    UNREACHABLE
                };
                set_no_execute(world, name, Some(key));
            }
            _ => {}
        }
    }
}

/// The first pass sees the cluster's own nodes, registered before anything else happened;
/// later ones are announced (`RegisteredNode`), and so are the nodes that left
/// (`RemovingNode`), as `RecordNodeEvent` formats them.
fn register(world: &mut World, nodes: &[(String, String, Option<String>)]) {
    let started = world.node_lifecycle.started;
    world.node_lifecycle.started = true;
    for (name, _, _) in nodes {
        if world.node_lifecycle.known.insert(name.clone()) && started {
            crate::sim::events::record(
                world,
                Recorder::NODE_CONTROLLER,
                ObjectKind::Node,
                name,
                "Normal",
                "RegisteredNode",
                format!("Node {name} event: Registered Node {name} in Controller"),
            );
        }
    }
    let gone: Vec<String> = world
        .node_lifecycle
        .known
        .iter()
        .filter(|known| !nodes.iter().any(|(name, _, _)| name == *known))
        .cloned()
        .collect();
    for name in gone {
        world.node_lifecycle.known.remove(&name);
        world.node_lifecycle.epochs.remove(&name);
        crate::sim::events::record(
            world,
            Recorder::NODE_CONTROLLER,
            ObjectKind::Node,
            &name,
            "Normal",
            "RemovingNode",
            format!("Node {name} event: Removing Node {name} from Controller"),
        );
    }
}

fn all_fully_disrupted(states: &BTreeMap<String, ZoneState>) -> bool {
    !states.is_empty() && states.values().all(|s| *s == ZoneState::FullDisruption)
}

/// `handleDisruption`: when every zone has no Ready node, the controller assumes the
/// control plane lost the nodes rather than the nodes failing ("master disruption mode"):
/// it takes every NoExecute taint off and evicts nothing until some node is Ready again.
/// Otherwise each zone's state decides its tainter's rate (`setLimiterInZone`).
fn handle_disruption(world: &mut World, zones: &BTreeMap<String, Vec<bool>>) {
    let new_states: BTreeMap<String, ZoneState> = zones
        .iter()
        .map(|(zone, ready)| (zone.clone(), compute_zone_state(ready)))
        .collect();
    let states = &mut world.node_lifecycle.zone_states;
    states.retain(|zone, _| zones.contains_key(zone));
    for zone in zones.keys() {
        states.entry(zone.clone()).or_insert(ZoneState::Initial);
    }
    let all_are = all_fully_disrupted(&new_states);
    let all_were = all_fully_disrupted(states);
    if all_are && all_were {
        return;
    }
    *states = new_states;
    if all_are {
        // Entering master disruption mode: `markNodeAsReachable` on every node.
        let names: Vec<String> = world.store.nodes().keys().cloned().collect();
        for name in names {
            set_no_execute(world, &name, None);
        }
    }
}

/// Whether the zone's NoExecute tainter lets nodes through (`setLimiterInZone`): a
/// partially disrupted zone of at most 50 nodes stops (`ReducedQPSFunc`); the others go on.
fn tainter_runs(world: &World, zone: &str, ready: Option<&Vec<bool>>) -> bool {
    let size = ready.map_or(0, Vec::len);
    match world.node_lifecycle.zone_states.get(zone) {
        Some(ZoneState::PartialDisruption) => size > LARGE_CLUSTER_THRESHOLD,
        _ => true,
    }
}

/// The node's NoExecute taint: `unreachable` or `not-ready` (swapping the other) with
/// `timeAdded`, or neither.
fn set_no_execute(world: &mut World, node: &str, key: Option<&str>) {
    let now = world.now;
    crate::sim::server::write::<Node>(world, node, crate::sim::server::Author::Other, |object| {
        let spec = object.spec.get_or_insert_with(Default::default);
        let taints = spec.taints.get_or_insert_with(Vec::new);
        let has = |k: &str| taints.iter().any(|t| t.key == k && t.effect == "NoExecute");
        if key.is_some_and(has) {
            return false;
        }
        let before = taints.len();
        taints
            .retain(|t| !(t.effect == "NoExecute" && (t.key == UNREACHABLE || t.key == NOT_READY)));
        let mut changed = taints.len() != before;
        if let Some(key) = key {
            taints.push(Taint {
                key: key.into(),
                effect: "NoExecute".into(),
                time_added: Some(to_time(now)),
                value: None,
            });
            changed = true;
        }
        if taints.is_empty() {
            spec.taints = None;
        }
        changed
    });
}

/// The label that keeps a node out of its zone's health (`labelNodeDisruptionExclusion`).
const EXCLUDE_DISRUPTION: &str = "node.kubernetes.io/exclude-disruption";
pub const UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
pub const NOT_READY: &str = "node.kubernetes.io/not-ready";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_states_as_compute_zone_state() {
        assert_eq!(compute_zone_state(&[false]), ZoneState::FullDisruption);
        assert_eq!(
            compute_zone_state(&[false, false, false]),
            ZoneState::FullDisruption
        );
        assert_eq!(compute_zone_state(&[true, false, false]), ZoneState::Normal);
        // More than two not Ready, and at least 55 %.
        assert_eq!(
            compute_zone_state(&[true, true, false, false, false]),
            ZoneState::PartialDisruption
        );
        assert_eq!(
            compute_zone_state(&[true, true, true, false, false, false]),
            ZoneState::Normal
        );
        assert_eq!(compute_zone_state(&[]), ZoneState::Normal);
    }
}
