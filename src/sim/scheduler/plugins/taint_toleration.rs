//! TaintToleration (`tainttoleration/taint_toleration.go`, B-SCHED-7/8): `NoSchedule` and
//! `NoExecute` taints the pod does not tolerate reject the node; untolerated
//! `PreferNoSchedule` taints lower its score.

use k8s_openapi::api::core::v1::{Node, Taint, Toleration};

use super::super::framework::{Code, PodInfo, Status};
use crate::sim::nodes;

/// The v1.36 reason: the taint is no longer named (B-SCHED-7).
pub const ERR_REASON_NOT_MATCH: &str = "node(s) had untolerated taint(s)";

/// `Toleration.ToleratesTaint`: an empty effect matches every effect; `Exists` ignores the
/// value; an empty key with `Exists` tolerates every taint.
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = t.effect.as_deref().filter(|e| !e.is_empty()) {
        if effect != taint.effect {
            return false;
        }
    }
    let key = t.key.as_deref().unwrap_or_default();
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match t.operator.as_deref().unwrap_or("Equal") {
        "Exists" => true,
        "Equal" | "" => {
            !key.is_empty()
                && t.value.as_deref().unwrap_or_default()
                    == taint.value.as_deref().unwrap_or_default()
        }
        _ => false,
    }
}

pub fn tolerated(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| tolerates(t, taint))
}

/// Whether every NoSchedule and NoExecute taint of the node is tolerated.
pub fn tolerates_node(pod: &PodInfo, node: &Node) -> bool {
    nodes::taints(node)
        .iter()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .all(|t| tolerated(&pod.tolerations, t))
}

/// `isSchedulableAfterPodTolerationChange` (Pod/UpdatePodToleration): the unschedulable
/// pod itself got a toleration, which may make it schedulable (always worth a retry).
pub fn hint_after_own_toleration_change() -> bool {
    true
}

/// `isSchedulableAfterNodeChange` (Node/Add, Node/UpdateNodeTaint): worth a retry only when
/// the node's taints were not all tolerated before (a new node counts as not) and now are.
pub fn hint_after_node_change(pod: &PodInfo, old: Option<&Node>, new: &Node) -> bool {
    old.is_none_or(|old| !tolerates_node(pod, old)) && tolerates_node(pod, new)
}

pub fn filter(pod: &PodInfo, node: &Node) -> Option<Status> {
    (!tolerates_node(pod, node))
        .then(|| Status::new(Code::UnschedulableAndUnresolvable, ERR_REASON_NOT_MATCH))
}

/// PreScore: the pod's tolerations whose effect is empty or `PreferNoSchedule`, the only
/// ones the score looks at.
pub fn pre_score(pod: &PodInfo) -> Vec<Toleration> {
    pod.tolerations
        .iter()
        .filter(|t| {
            t.effect
                .as_deref()
                .is_none_or(|e| e.is_empty() || e == "PreferNoSchedule")
        })
        .cloned()
        .collect()
}

/// The number of `PreferNoSchedule` taints not tolerated by the pod's tolerations whose
/// effect is empty or `PreferNoSchedule` (`prefer`, from `pre_score`; normalised reversed:
/// fewer is better).
pub fn score(prefer: &[Toleration], node: &Node) -> i64 {
    nodes::taints(node)
        .iter()
        .filter(|t| t.effect == "PreferNoSchedule" && !tolerated(prefer, t))
        .count() as i64
}
