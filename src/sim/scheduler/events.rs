//! The update events of an unscheduled pod (`framework/events.go`
//! `PodSchedulingPropertiesChange`) and the scheduling queue's answer to them
//! (`PriorityQueue.Update`, `isPodWorthRequeuing`): a pod waiting in the unschedulable
//! queue is tried again when it is itself updated in a way that one of the plugins that
//! rejected it registered, and that plugin's queueing hint says the update may help.
//!
//! v1.36's extractors, in order: labels changed (`UpdatePodLabel`), a request lowered or
//! removed (`UpdatePodScaleDown`), every scheduling gate removed (scn never queues a gated
//! pod, so it is not needed here), the number of tolerations changed
//! (`UpdatePodToleration`). Any other update (an annotation, an image, the pod's status,
//! the scheduler's own `PodScheduled` write) is the generic Pod/Update, which no default
//! plugin registers: the pod stays where it is.
//!
//! The hints, per rejecting plugin (`EventsToRegister`):
//! - UpdatePodToleration: TaintToleration (always), NodeUnschedulable (the pod now
//!   tolerates `node.kubernetes.io/unschedulable:NoSchedule`), PodTopologySpread (a
//!   `DoNotSchedule` constraint with `nodeTaintsPolicy: Honor`);
//! - UpdatePodLabel: PodTopologySpread (a `DoNotSchedule` selector matches the pod before
//!   and not after, or the reverse); InterPodAffinity registers it but skips an
//!   unscheduled pod's update;
//! - UpdatePodScaleDown: NodeResourcesFit (always, for the pod itself).
//!
//! NodeAffinity registers no Pod event (a pod's nodeSelector and affinity only change
//! while it is gated), nor do the volume plugins or NodePorts.
//!
//! A node's events (`NodeSchedulingPropertiesChange`): Node/Add when it joins; for an
//! update, UpdateNodeTaint when its taints changed or it was uncordoned (a cordon alone is
//! no event at all), UpdateNodeAllocatable, UpdateNodeLabel, UpdateNodeCondition (a
//! condition's status) and UpdateNodeAnnotation. A waiting pod is moved only by an event
//! one of the plugins that rejected it registers (`EventsToRegister` with queueing hints
//! on, v1.36) and whose hint answers Queue (`isPodWorthRequeuing`); a pod that no plugin
//! rejected (no nodes at all) is moved by any event:
//! - Add: every filter; NodeName, NodePorts and VolumeRestrictions register nothing else;
//! - UpdateNodeTaint: NodeUnschedulable, TaintToleration, PodTopologySpread,
//!   InterPodAffinity (the node carries a topology key of the pod's required affinity or
//!   anti-affinity terms, as for Add and UpdateNodeLabel);
//! - UpdateNodeLabel: NodeAffinity, VolumeBinding, VolumeZone, PodTopologySpread,
//!   InterPodAffinity;
//! - UpdateNodeAllocatable: NodeResourcesFit;
//! - UpdateNodeCondition and UpdateNodeAnnotation: none of the default plugins;
//! - Delete: PodTopologySpread (the node carried every topology key).
//!
//! The hints are in the plugins' files; NodeName, NodePorts and the volume plugins have
//! none for nodes (always Queue).
//!
//! An assigned pod's events (AssignedPod Add, UpdatePodLabel, Delete) are registered by
//! NodeResourcesFit (Delete), NodePorts (Delete: the pod held a port the waiting pod
//! wants), VolumeRestrictions (Delete: the pod used one of its claims), PodTopologySpread
//! (its labels match a `DoNotSchedule` selector of the waiting pod, or stop or start to)
//! and InterPodAffinity (its hints in its file); an add or relabel is offered only to the
//! pods PodTopologySpread rejected or with a required affinity term selecting the pod
//! (`getUnschedulablePodsWithCrossTopologyTerm`). NodeUnschedulable, NodeName, TaintToleration,
//! NodeAffinity, VolumeBinding and VolumeZone register none: a pod they alone rejected
//! stays where it is when another pod comes, changes or goes.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Node, Toleration};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::cache::{BoundPod, Cache, TermKind};
use super::framework::{node_allocatable, PodInfo, Resources};
use super::plugins::taint_toleration;
use super::plugins::{
    self, inter_pod_affinity, node_affinity, node_ports, node_resources_fit, node_unschedulable,
    pod_topology_spread,
};
use crate::sim::{labels, nodes};

/// What the update events of a waiting pod compare, as the scheduler last saw the pod.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    labels: BTreeMap<String, String>,
    tolerations: Vec<Toleration>,
    requests: Resources,
}

impl Seen {
    pub fn of(info: &PodInfo) -> Seen {
        Seen {
            labels: info.labels.clone(),
            tolerations: info.tolerations.clone(),
            requests: info.requests.clone(),
        }
    }
}

/// `extractPodScaleDown`: a resource the old pod requested is no longer requested, or less.
fn scaled_down(old: &Resources, new: &Resources) -> bool {
    let fixed = [
        (old.cpu, new.cpu),
        (old.memory, new.memory),
        (old.ephemeral_storage, new.ephemeral_storage),
    ];
    fixed.iter().any(|&(o, n)| o != 0 && n < o)
        || old.scalar.iter().any(|(k, &o)| o != 0 && new.amount(k) < o)
}

/// Whether the update from `old` to `new` of a pod that `rejectors` left unschedulable is
/// worth a retry (some rejecting plugin's hint answers Queue for one of its events).
pub fn worth_requeuing(old: &Seen, new: &PodInfo, rejectors: &BTreeSet<&'static str>) -> bool {
    let labels_changed = old.labels != new.labels;
    let tolerations_changed = old.tolerations.len() != new.tolerations.len();
    let scale_down = scaled_down(&old.requests, &new.requests);
    let rejected_by = |plugin: &str| rejectors.contains(plugin);
    if tolerations_changed
        && ((rejected_by(plugins::TAINT_TOLERATION)
            && taint_toleration::hint_after_own_toleration_change())
            || (rejected_by(plugins::NODE_UNSCHEDULABLE)
                && node_unschedulable::hint_after_own_toleration_change(new)))
    {
        return true;
    }
    if (labels_changed || tolerations_changed)
        && rejected_by(plugins::POD_TOPOLOGY_SPREAD)
        && pod_topology_spread::hint_after_own_update(
            new,
            &old.labels,
            old.tolerations != new.tolerations,
        )
    {
        return true;
    }
    scale_down
        && rejected_by(plugins::NODE_RESOURCES_FIT)
        && node_resources_fit::hint_after_own_scale_down()
}

/// The node events the scheduler's informer makes of a node that joined (`old` none) or
/// changed (`framework/events.go` `NodeSchedulingPropertiesChange`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeEvents {
    pub add: bool,
    pub taint: bool,
    pub allocatable: bool,
    pub label: bool,
    pub condition: bool,
    pub annotation: bool,
}

impl NodeEvents {
    pub fn of(old: Option<&Node>, new: &Node) -> NodeEvents {
        let Some(old) = old else {
            return NodeEvents {
                add: true,
                ..NodeEvents::default()
            };
        };
        let conditions = |n: &Node| -> BTreeMap<String, String> {
            n.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .map(|c| (c.type_.clone(), c.status.clone()))
                .collect()
        };
        let labels = |n: &Node| n.metadata.labels.clone().unwrap_or_default();
        let annotations = |n: &Node| n.metadata.annotations.clone().unwrap_or_default();
        NodeEvents {
            add: false,
            // `extractNodeSpecUnschedulableChange`: only an uncordon is an event.
            taint: nodes::taints(old) != nodes::taints(new)
                || (nodes::is_unschedulable(old) && !nodes::is_unschedulable(new)),
            allocatable: node_allocatable(old) != node_allocatable(new),
            label: labels(old) != labels(new),
            condition: conditions(old) != conditions(new),
            annotation: annotations(old) != annotations(new),
        }
    }

    /// Whether the update is any event at all.
    pub fn any(&self) -> bool {
        self.add
            || self.taint
            || self.allocatable
            || self.label
            || self.condition
            || self.annotation
    }
}

/// Whether a node's event moves a waiting pod that `rejectors` left unschedulable: some
/// rejecting plugin registered one of the events and its hint answers Queue.
/// The waiting pod is read (`pod`) only when a hint needs it.
pub fn worth_requeuing_for_node<'a>(
    pod: impl Fn() -> &'a PodInfo,
    rejectors: &BTreeSet<&'static str>,
    events: &NodeEvents,
    old: Option<&Node>,
    new: &Node,
) -> bool {
    if !events.any() {
        return false;
    }
    if rejectors.is_empty() {
        return true;
    }
    rejectors.iter().any(|&plugin| match plugin {
        plugins::NODE_UNSCHEDULABLE => {
            (events.add || events.taint) && node_unschedulable::hint_after_node_change(old, new)
        }
        plugins::TAINT_TOLERATION => {
            (events.add || events.taint)
                && taint_toleration::hint_after_node_change(pod(), old, new)
        }
        plugins::NODE_AFFINITY => {
            (events.add || events.label) && node_affinity::hint_after_node_change(pod(), old, new)
        }
        plugins::NODE_RESOURCES_FIT => {
            (events.add || events.allocatable)
                && node_resources_fit::hint_after_node_change(
                    pod(),
                    old.map(node_allocatable).as_ref(),
                    &node_allocatable(new),
                )
        }
        plugins::POD_TOPOLOGY_SPREAD => {
            (events.add || events.label || events.taint)
                && pod_topology_spread::hint_after_node_change(pod(), old, new)
        }
        plugins::INTER_POD_AFFINITY => {
            (events.add || events.label || events.taint)
                && inter_pod_affinity::hint_after_node_change(pod(), new)
        }
        plugins::VOLUME_BINDING | plugins::VOLUME_ZONE => events.add || events.label,
        plugins::NODE_NAME | plugins::NODE_PORTS | plugins::VOLUME_RESTRICTIONS => events.add,
        _ => true,
    })
}

/// Whether a node's deletion (Node/Delete) moves a waiting pod: only PodTopologySpread
/// registers it among the default plugins, and its hint wants the node to have carried
/// every topology key of the pod's `DoNotSchedule` constraints.
pub fn worth_requeuing_for_node_deleted<'a>(
    pod: impl Fn() -> &'a PodInfo,
    rejectors: &BTreeSet<&'static str>,
    old: &Node,
) -> bool {
    rejectors.is_empty()
        || (rejectors.contains(plugins::POD_TOPOLOGY_SPREAD)
            && pod_topology_spread::hint_after_node_deleted(pod(), old))
}

/// An assigned pod's event, as the hints read it.
pub enum AssignedPodEvent<'a> {
    Add(&'a BTreeMap<String, String>),
    /// Its labels changed (UpdatePodLabel).
    Update {
        old: &'a BTreeMap<String, String>,
        new: &'a BTreeMap<String, String>,
    },
    Delete(&'a BoundPod),
}

/// Whether an assigned pod's event moves a waiting pod that `rejectors` left unschedulable.
/// An add or a label update is offered only to the waiting pods that PodTopologySpread
/// rejected or one of whose required affinity terms selects the assigned pod
/// (`AssignedPodAdded`, `AssignedPodUpdated`: `getUnschedulablePodsWithCrossTopologyTerm`);
/// a deletion to every one (`MoveAllToActiveOrBackoffQueue`). `cache` holds the terms of
/// the pod that went.
pub fn worth_requeuing_for_assigned_pod<'a>(
    pod: impl Fn() -> &'a PodInfo,
    rejectors: &BTreeSet<&'static str>,
    event: &AssignedPodEvent,
    cache: &Cache,
) -> bool {
    let offered = match event {
        AssignedPodEvent::Add(l) | AssignedPodEvent::Update { new: l, .. } => {
            rejectors.contains(plugins::POD_TOPOLOGY_SPREAD)
                || inter_pod_affinity::any_affinity_term_selects(pod(), l)
        }
        AssignedPodEvent::Delete(_) => true,
    };
    if !offered {
        return false;
    }
    if rejectors.is_empty() {
        return true;
    }
    let spread_matches = |l: &BTreeMap<String, String>| {
        pod()
            .hard_spread
            .iter()
            .any(|c| labels::matches(Some(&c.selector), Some(l)))
    };
    rejectors.iter().any(|&plugin| match (plugin, event) {
        (plugins::NODE_RESOURCES_FIT, AssignedPodEvent::Delete(_)) => true,
        (plugins::NODE_PORTS, AssignedPodEvent::Delete(gone)) => {
            node_ports::filter(&pod().host_ports, &gone.host_ports).is_some()
        }
        (plugins::VOLUME_RESTRICTIONS, AssignedPodEvent::Delete(gone)) => {
            let claims = &pod().claims;
            gone.claims.iter().any(|c| claims.contains(c))
        }
        (plugins::POD_TOPOLOGY_SPREAD, AssignedPodEvent::Add(l)) => spread_matches(l),
        (plugins::POD_TOPOLOGY_SPREAD, AssignedPodEvent::Delete(gone)) => {
            spread_matches(&gone.labels)
        }
        (plugins::POD_TOPOLOGY_SPREAD, AssignedPodEvent::Update { old, new }) => {
            pod().hard_spread.iter().any(|c| {
                labels::matches(Some(&c.selector), Some(old))
                    != labels::matches(Some(&c.selector), Some(new))
            })
        }
        (plugins::INTER_POD_AFFINITY, AssignedPodEvent::Add(l)) => {
            inter_pod_affinity::hint_after_assigned_pod_added(pod(), l)
        }
        (plugins::INTER_POD_AFFINITY, AssignedPodEvent::Update { old, new }) => {
            inter_pod_affinity::hint_after_assigned_pod_relabelled(pod(), old, new)
        }
        (plugins::INTER_POD_AFFINITY, AssignedPodEvent::Delete(gone)) => {
            let anti: Vec<&LabelSelector> = gone
                .terms
                .iter()
                .filter_map(|key| cache.terms.get(key))
                .filter(|e| e.kind == TermKind::RequiredAntiAffinity)
                .map(|e| &e.term.selector)
                .collect();
            inter_pod_affinity::hint_after_assigned_pod_deleted(pod(), &gone.labels, &anti)
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lowered_or_removed_request_is_a_scale_down() {
        let mut old = Resources::new();
        old.cpu = 500;
        old.scalar.insert("example.com/gpu".into(), 1);
        let mut new = old.clone();
        assert!(!scaled_down(&old, &new));
        new.cpu = 400;
        assert!(scaled_down(&old, &new));
        new.cpu = 600;
        new.scalar.clear();
        assert!(scaled_down(&old, &new));
    }
}
