//! NodeUnschedulable (`nodeunschedulable/node_unschedulable.go`, B-SCHED-6): a cordoned
//! node takes only pods that tolerate `node.kubernetes.io/unschedulable:NoSchedule`.

use k8s_openapi::api::core::v1::{Node, Taint};

use super::super::framework::{Code, PodInfo, Status};
use super::taint_toleration::tolerates;
use crate::sim::nodes;

pub const ERR_REASON_UNSCHEDULABLE: &str = "node(s) were unschedulable";
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

pub fn filter(pod: &PodInfo, node: &Node) -> Option<Status> {
    if !nodes::is_unschedulable(node) {
        return None;
    }
    let taint = Taint {
        key: TAINT_UNSCHEDULABLE.into(),
        effect: "NoSchedule".into(),
        ..Default::default()
    };
    if pod.tolerations.iter().any(|t| tolerates(t, &taint)) {
        return None;
    }
    Some(Status::new(
        Code::UnschedulableAndUnresolvable,
        ERR_REASON_UNSCHEDULABLE,
    ))
}
