//! Node predicates shared by the scheduler and the kubelet.

use k8s_openapi::api::core::v1::Node;

pub fn is_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .is_some_and(|c| c.status == "True")
}

/// NotReady nodes carry a NoSchedule taint, so new pods skip them; so do cordoned ones.
pub fn is_schedulable(node: &Node) -> bool {
    let cordoned = node
        .spec
        .as_ref()
        .and_then(|s| s.unschedulable)
        .unwrap_or(false);
    is_ready(node) && !cordoned
}
