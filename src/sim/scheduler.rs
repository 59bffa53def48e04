//! The scheduler: binds each new pod to a node at once (LANGUAGE.md timing defaults):
//! the node with the fewest pods of the same owner, then the fewest pods, then the first
//! by natural name order; NotReady nodes are skipped; a node takes at most 110 pods.
//! A pod whose claims are missing or unbound (Immediate) waits; WaitForFirstConsumer
//! claims are provisioned on the chosen node before the pod is bound (VolumeBinding).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Pod, PodCondition, PodStatus};

use super::clock::to_time;
use super::controllers::volume::{self, ClaimCheck};
use super::kinds::ObjectKind;
use super::podutil::{self, natural_cmp};
use super::world::{Change, World};

pub const MAX_PODS_PER_NODE: u32 = 110;

#[derive(Debug, Default)]
pub struct Scheduler {
    /// Pods bound to each node and not yet removed.
    pods_on_node: BTreeMap<String, u32>,
    /// The same, per controller owner (UID), then node.
    owned_on_node: BTreeMap<String, BTreeMap<String, u32>>,
    /// Pods that fit nowhere, retried when room appears.
    pub unschedulable: BTreeSet<String>,
}

pub fn on_pod(world: &mut World, name: &str) {
    let Some(pod) = world.store.pods.get(name) else {
        return;
    };
    let bound = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_ref())
        .is_some();
    if bound || podutil::is_terminating(pod) || podutil::phase(pod) != "Pending" {
        return;
    }
    let owner = podutil::controller_uid(pod).unwrap_or_default().to_string();
    let total = world.store.nodes.len();
    // VolumeBinding: claims must exist and be bound, or wait for this pod's node.
    let allowed = match volume::check_pod(world, pod) {
        ClaimCheck::Ready(allowed) => allowed,
        ClaimCheck::Unschedulable(reason) => {
            set_aside(
                world,
                name,
                format!(
                    "0/{total} nodes are available: {reason}. preemption: 0/{total} nodes are \
                     available: {total} Preemption is not helpful for scheduling."
                ),
            );
            return;
        }
    };
    let Some(node) = choose_node(world, &owner, allowed.as_ref()) else {
        let message = match &allowed {
            Some(nodes) if nodes.len() < total => {
                let conflict = total - nodes.len();
                format!(
                    "0/{total} nodes are available: {conflict} node(s) had volume node affinity \
                     conflict. preemption: 0/{total} nodes are available: {total} Preemption is \
                     not helpful for scheduling."
                )
            }
            _ => format!(
                "0/{total} nodes are available: {total} Too many pods. preemption: 0/{total} \
                 nodes are available: {total} No preemption victims found for incoming pod."
            ),
        };
        set_aside(world, name, message);
        return;
    };
    volume::prebind(world, name, &node);
    world.scheduler.unschedulable.remove(name);
    *world
        .scheduler
        .pods_on_node
        .entry(node.clone())
        .or_default() += 1;
    *world
        .scheduler
        .owned_on_node
        .entry(owner)
        .or_default()
        .entry(node.clone())
        .or_default() += 1;
    let now = world.now;
    if let Some(pod) = world.store.pods.get_mut(name) {
        if let Some(spec) = pod.spec.as_mut() {
            spec.node_name = Some(node.clone());
        }
        let status = pod.status.get_or_insert_with(PodStatus::default);
        set_condition(status, "PodScheduled", true, now);
        world.events.record(
            now,
            ObjectKind::Pod,
            name,
            "Normal",
            "Scheduled",
            format!(
                "Successfully assigned {}/{name} to {node}",
                world.config.namespace
            ),
        );
    }
    super::server::touch_pod(world, name);
}

/// A pod that fits nowhere waits, with one FailedScheduling event, until retried.
fn set_aside(world: &mut World, name: &str, message: String) {
    if world.scheduler.unschedulable.insert(name.to_string()) {
        world.events.record(
            world.now,
            ObjectKind::Pod,
            name,
            "Warning",
            "FailedScheduling",
            message,
        );
    }
}

/// Frees the pod's place on its node; called when the pod object is removed.
pub fn forget(world: &mut World, pod: &Pod) {
    let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) else {
        world
            .scheduler
            .unschedulable
            .remove(pod.metadata.name.as_deref().unwrap_or_default());
        return;
    };
    if let Some(count) = world.scheduler.pods_on_node.get_mut(&node) {
        *count = count.saturating_sub(1);
    }
    let owner = podutil::controller_uid(pod).unwrap_or_default().to_string();
    if let Some(count) = world
        .scheduler
        .owned_on_node
        .get_mut(&owner)
        .and_then(|m| m.get_mut(&node))
    {
        *count = count.saturating_sub(1);
    }
    // Room appeared: pods that fit nowhere get another chance.
    retry_waiting(world);
}

/// Pods set aside are tried again (room appeared, a node changed).
pub fn retry_waiting(world: &mut World) {
    let waiting: Vec<String> = world.scheduler.unschedulable.iter().cloned().collect();
    for name in waiting {
        world.notify(ObjectKind::Pod, &name, Change::Modified, None);
    }
}

fn choose_node(world: &World, owner: &str, allowed: Option<&BTreeSet<String>>) -> Option<String> {
    let mut best: Option<(u32, u32, &String)> = None;
    // The count maps are ordered like the nodes: walk them alongside, no lookups.
    let empty = BTreeMap::new();
    let mut totals = world.scheduler.pods_on_node.iter().peekable();
    let mut owned_counts = world
        .scheduler
        .owned_on_node
        .get(owner)
        .unwrap_or(&empty)
        .iter()
        .peekable();
    for (name, node) in &world.store.nodes {
        let total = count_for(&mut totals, name);
        let owned = count_for(&mut owned_counts, name);
        if !super::nodes::is_schedulable(node) || allowed.is_some_and(|a| !a.contains(name)) {
            continue;
        }
        if total >= MAX_PODS_PER_NODE {
            continue;
        }
        let better = match best {
            None => true,
            Some((bo, bt, bn)) => (owned, total)
                .cmp(&(bo, bt))
                .then_with(|| natural_cmp(name, bn))
                .is_lt(),
        };
        if better {
            best = Some((owned, total, name));
        }
    }
    best.map(|(_, _, name)| name.clone())
}

/// The count for `name` from an iterator over a name-ordered count map, advanced past it.
fn count_for<'a>(
    counts: &mut std::iter::Peekable<impl Iterator<Item = (&'a String, &'a u32)>>,
    name: &str,
) -> u32 {
    while counts.peek().is_some_and(|(n, _)| n.as_str() < name) {
        counts.next();
    }
    match counts.peek() {
        Some((n, c)) if n.as_str() == name => **c,
        _ => 0,
    }
}

pub fn set_condition(status: &mut PodStatus, type_: &str, value: bool, now: super::clock::Millis) {
    let text = if value { "True" } else { "False" };
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    match conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(existing) => {
            if existing.status != text {
                existing.status = text.to_string();
                existing.last_transition_time = Some(to_time(now));
            }
        }
        None => conditions.push(PodCondition {
            type_: type_.to_string(),
            status: text.to_string(),
            last_transition_time: Some(to_time(now)),
            ..Default::default()
        }),
    }
}
