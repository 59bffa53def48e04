//! The node lifecycle controller, with the node's own kubelet going down and up
//! (`make node/n down|up`, docs/language.md timing): 50 s after a node stops reporting
//! (node-monitor grace period) its Ready condition is Unknown, it gets the
//! `node.kubernetes.io/unreachable` NoSchedule and NoExecute taints (B-TAINT-1) and its pods
//! are marked not Ready (B-TAINT-5). The taint manager (`taint_eviction.rs`) then deletes
//! each pod when its toleration runs out (300 s by default, B-TAINT-2/3); the pods stay
//! Terminating until the node is up again or they are force-deleted (B-FAIL-4, B-TAINT-6).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, NodeCondition, Taint};

use crate::sim::clock::{to_time, Millis};
use crate::sim::kinds::ObjectKind;
use crate::sim::world::{Timer, World};

pub const NODE_MONITOR_GRACE: Millis = Millis::secs(50);

/// Each down/up bumps the node's epoch, so timers of an earlier outage do nothing.
#[derive(Debug, Default)]
pub struct NodeLifecycle {
    epochs: BTreeMap<String, u64>,
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
    world.events.record(
        world.now,
        ObjectKind::Node,
        node,
        "Normal",
        "NodeNotReady",
        format!("Node {node} status is now: NodeNotReady"),
    );
    mark_pods_not_ready(world, node);
    // The unreachable taints: the taint manager (taint_eviction.rs) takes it from there.
    set_node_ready(world, node, false);
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
        world.events.record(
            now,
            ObjectKind::Pod,
            &pod,
            "Warning",
            "NodeNotReady",
            "Node is not ready".into(),
        );
    }
}

/// `make node/n up`: Ready at once; the kubelet finishes what waited for it.
pub fn make_up(world: &mut World, node: &str) -> Result<(), crate::sim::error::SimError> {
    if !world.kubelet.down.contains(node) {
        return Ok(());
    }
    bump(world, node);
    // The scheduler hears the node's update (Ready, untainted) and retries its waiting
    // pods from its own queue.
    set_node_ready(world, node, true);
    super::super::kubelet::node_up(world, node)
}

fn set_node_ready(world: &mut World, node: &str, ready: bool) {
    let now = world.now;
    crate::sim::server::write::<Node>(world, node, crate::sim::server::Author::Other, |object| {
        let status = object.status.get_or_insert_with(Default::default);
        let conditions = status.conditions.get_or_insert_with(Vec::new);
        conditions.retain(|c| c.type_ != "Ready");
        // The kubelet's own report when it is back; the node lifecycle controller's
        // `Unknown`, with no heartbeat, when it stopped reporting.
        let (state, reason, message, heartbeat) = if ready {
            (
                "True",
                "KubeletReady",
                "kubelet is posting ready status",
                Some(to_time(now)),
            )
        } else {
            (
                "Unknown",
                "NodeStatusUnknown",
                "Kubelet stopped posting node status.",
                None,
            )
        };
        conditions.push(NodeCondition {
            type_: "Ready".into(),
            status: state.into(),
            reason: Some(reason.into()),
            message: Some(message.into()),
            last_transition_time: Some(to_time(now)),
            last_heartbeat_time: heartbeat,
        });
        let spec = object.spec.get_or_insert_with(Default::default);
        let taints = spec.taints.get_or_insert_with(Vec::new);
        taints.retain(|t| t.key != "node.kubernetes.io/unreachable");
        if !ready {
            for effect in ["NoSchedule", "NoExecute"] {
                taints.push(Taint {
                    key: "node.kubernetes.io/unreachable".into(),
                    effect: effect.into(),
                    time_added: Some(to_time(now)),
                    value: None,
                });
            }
        }
        if taints.is_empty() {
            spec.taints = None;
        }
        true
    });
}

/// Taint-nodes-by-condition for a cordoned node (B-DRAIN-7): `spec.unschedulable` gets the
/// `node.kubernetes.io/unschedulable:NoSchedule` taint, and loses it with uncordon.
/// The controller's informer handler: nodes that joined or changed.
pub fn on_event(
    world: &mut World,
    event: &crate::sim::world::WatchEvent,
) -> Result<(), crate::sim::error::SimError> {
    if event.kind == crate::sim::kinds::ObjectKind::Node
        && event.change != crate::sim::world::Change::Deleted
    {
        on_node(world, &event.name);
    }
    Ok(())
}

pub fn on_node(world: &mut World, node: &str) {
    let now = world.now;
    crate::sim::server::write::<Node>(world, node, crate::sim::server::Author::Other, |object| {
        let spec = object.spec.get_or_insert_with(Default::default);
        let cordoned = spec.unschedulable.unwrap_or(false);
        let has = spec
            .taints
            .iter()
            .flatten()
            .any(|t| t.key == UNSCHEDULABLE && t.effect == "NoSchedule");
        if cordoned == has {
            return false;
        }
        let taints = spec.taints.get_or_insert_with(Vec::new);
        if cordoned {
            taints.push(Taint {
                key: UNSCHEDULABLE.into(),
                effect: "NoSchedule".into(),
                time_added: Some(to_time(now)),
                value: None,
            });
        } else {
            taints.retain(|t| !(t.key == UNSCHEDULABLE && t.effect == "NoSchedule"));
        }
        if taints.is_empty() {
            spec.taints = None;
        }
        true
    });
}

pub const UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
