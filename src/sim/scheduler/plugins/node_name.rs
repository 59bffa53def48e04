//! NodeName (`nodename/node_name.go`): a pod that names a node fits only there. The
//! scheduler sees only pods without `spec.nodeName`, so this filter passes every node the
//! scheduler looks at; it is kept so the profile's order is the upstream one.

use k8s_openapi::api::core::v1::Pod;

use super::super::framework::{Code, Status};

pub const ERR_REASON: &str = "node(s) didn't match the requested node name";

pub fn filter(pod: &Pod, node: &str) -> Option<Status> {
    match pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
        Some(wanted) if !wanted.is_empty() && wanted != node => {
            Some(Status::new(Code::UnschedulableAndUnresolvable, ERR_REASON))
        }
        _ => None,
    }
}
