//! NodeUnschedulable (`nodeunschedulable/node_unschedulable.go`, B-SCHED-6): a cordoned
//! node takes only pods that tolerate `node.kubernetes.io/unschedulable:NoSchedule`.

use k8s_openapi::api::core::v1::{Node, Taint, Toleration};

use super::super::framework::{Code, PodInfo, Status};
use super::taint_toleration::tolerates;
use crate::sim::nodes;

pub const ERR_REASON_UNSCHEDULABLE: &str = "node(s) were unschedulable";
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// Whether the tolerations tolerate `node.kubernetes.io/unschedulable:NoSchedule`.
fn tolerates_unschedulable(tolerations: &[Toleration]) -> bool {
    let taint = Taint {
        key: TAINT_UNSCHEDULABLE.into(),
        effect: "NoSchedule".into(),
        ..Default::default()
    };
    tolerations.iter().any(|t| tolerates(t, &taint))
}

/// `isSchedulableAfterPodTolerationChange` (Pod/UpdatePodToleration): the unschedulable
/// pod itself got a toleration; worth a retry when it now tolerates the cordon.
pub fn hint_after_own_toleration_change(new: &PodInfo) -> bool {
    tolerates_unschedulable(&new.tolerations)
}

/// `isSchedulableAfterNodeChange` (Node/Add, Node/UpdateNodeTaint): a node that joins
/// schedulable, or one that was cordoned and no longer is, may take the pod.
pub fn hint_after_node_change(old: Option<&Node>, new: &Node) -> bool {
    !nodes::is_unschedulable(new) && old.is_none_or(nodes::is_unschedulable)
}

pub fn filter(pod: &PodInfo, node: &Node) -> Option<Status> {
    if !nodes::is_unschedulable(node) {
        return None;
    }
    if tolerates_unschedulable(&pod.tolerations) {
        return None;
    }
    Some(Status::new(
        Code::UnschedulableAndUnresolvable,
        ERR_REASON_UNSCHEDULABLE,
    ))
}
