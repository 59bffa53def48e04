//! VolumeRestrictions (`volumerestrictions/volume_restrictions.go`, B-SCHED-1): a claim with
//! the `ReadWriteOncePod` access mode can be used by one pod in the whole cluster. While a
//! pod bound to any node uses it, a second pod that names it fits no node
//! (`ErrReasonReadWriteOncePodConflict`, Unschedulable: preemption could free it); it is
//! retried when that pod is gone. The plugin's other check, one in-tree disk (GCE PD, EBS,
//! RBD, iSCSI) mounted twice on a node, is not simulated: those volume sources are refused
//! or reported as not simulated when a manifest is applied.

use super::super::cache::Cache;
use super::super::framework::{Code, Status};
use crate::sim::World;

pub const ERR_REASON_READ_WRITE_ONCE_POD_CONFLICT: &str =
    "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode";

/// PreFilter (`calPreFilterState`): whether one of the pod's `ReadWriteOncePod` claims is
/// already used by a bound pod (`IsPVCUsedByPods`). A claim that does not exist is left to
/// VolumeBinding, whose PreFilter reports it in the same words.
pub fn pre_filter(world: &World, claims: &[String], cache: &Cache) -> bool {
    claims.iter().any(|name| {
        let once_pod = world.store.claims().get(name).is_some_and(|claim| {
            claim
                .spec
                .as_ref()
                .and_then(|s| s.access_modes.as_ref())
                .is_some_and(|modes| modes.iter().any(|m| m == "ReadWriteOncePod"))
        });
        once_pod && cache.claim_in_use(name)
    })
}

/// Filter: the conflict holds on every node alike.
pub fn filter(conflict: bool) -> Option<Status> {
    conflict.then(|| Status::new(Code::Unschedulable, ERR_REASON_READ_WRITE_ONCE_POD_CONFLICT))
}
