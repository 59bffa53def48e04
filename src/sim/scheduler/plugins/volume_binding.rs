//! VolumeBinding (`volumebinding/volume_binding.go`, `binder.go`, B-SCHED-16): the pod's
//! claims must exist; an unbound Immediate claim fails PreFilter; a bound volume's node
//! affinity admits only its nodes; a WaitForFirstConsumer claim is provisioned on the
//! chosen node (`PreBind`, in the volume controller), within its class's
//! `allowedTopologies`.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Node, Pod};

use super::super::framework::{Code, Status};
use crate::sim::controllers::volume::{self, ClaimCheck};
use crate::sim::World;

pub const ERR_REASON_NODE_CONFLICT: &str = "node(s) didn't match PersistentVolume's node affinity";
pub const ERR_REASON_BIND_CONFLICT: &str =
    "node(s) didn't find available persistent volumes to bind";

/// PreFilter: `Err` is the whole-pod reason; `Ok(Some(nodes))` the nodes bound volumes admit.
pub fn pre_filter(world: &World, pod: &Pod) -> Result<Option<BTreeSet<String>>, String> {
    match volume::check_pod(world, pod) {
        ClaimCheck::Ready(allowed) => Ok(allowed),
        ClaimCheck::Unschedulable(reason) => Err(reason),
    }
}

pub fn filter(
    world: &World,
    pod: &Pod,
    allowed: Option<&BTreeSet<String>>,
    name: &str,
    node: &Node,
) -> Option<Status> {
    if allowed.is_some_and(|a| !a.contains(name)) {
        return Some(Status::new(
            Code::UnschedulableAndUnresolvable,
            ERR_REASON_NODE_CONFLICT,
        ));
    }
    if !volume::provisionable_on(world, pod, node) {
        return Some(Status::new(
            Code::UnschedulableAndUnresolvable,
            ERR_REASON_BIND_CONFLICT,
        ));
    }
    None
}
