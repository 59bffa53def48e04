//! `pkg/controller/deployment/recreate.go`: `rolloutRecreate`. Old sets are scaled to 0
//! first; the new set is created (at full size) and scaled up only once no old pod is left
//! (`oldPodsRunning`: an old set still reporting replicas, or a pod of an old set that has
//! not finished).

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};

use super::progress::sync_rollout_status;
use super::sync::{self, scale_and_record, Result};
use super::util::{self, rs_replicas};
use crate::sim::labels;
use crate::sim::podutil;
use crate::sim::world::World;

pub fn rollout(world: &mut World, d: &mut Deployment, rs_list: &[ReplicaSet]) -> Result<()> {
    let (mut new, mut old) = sync::get_all(world, d, rs_list, false)?;
    let mut scaled = false;
    for rs in old.iter_mut().filter(|rs| rs_replicas(rs) > 0) {
        if scale_and_record(world, d, rs, 0)? {
            scaled = true;
        }
    }
    if scaled {
        sync_rollout_status(world, d, new.as_ref(), &old);
        return Ok(());
    }
    if old_pods_running(world, d, new.as_ref(), &old) {
        sync_rollout_status(world, d, new.as_ref(), &old);
        return Ok(());
    }
    if new.is_none() {
        let (created, rest) = sync::get_all(world, d, rs_list, true)?;
        new = created;
        old = rest;
    }
    if let Some(rs) = new.as_mut() {
        let n = util::replicas(d);
        scale_and_record(world, d, rs, n)?;
    }
    let status = d.status.clone().unwrap_or_default();
    if util::complete(d, &status) {
        sync::cleanup(world, d, &old)?;
    }
    sync_rollout_status(world, d, new.as_ref(), &old);
    Ok(())
}

/// `oldPodsRunning` over `getPodMapForDeployment`: the pods the selector matches, by the
/// ReplicaSet that controls them.
fn old_pods_running(
    world: &World,
    d: &Deployment,
    new: Option<&ReplicaSet>,
    old: &[ReplicaSet],
) -> bool {
    let refs: Vec<&ReplicaSet> = old.iter().collect();
    if util::actual_count(&refs) > 0 {
        return true;
    }
    let selector = d.spec.as_ref().map(|s| &s.selector);
    let new_uid = new.and_then(|rs| rs.metadata.uid.as_deref());
    let old_uids: Vec<&str> = old
        .iter()
        .filter_map(|rs| rs.metadata.uid.as_deref())
        .collect();
    world.store.pods().values().any(|pod| {
        let owner = podutil::controller_uid(pod);
        labels::pod_matches(selector, pod)
            && owner.is_some_and(|o| old_uids.contains(&o) && Some(o) != new_uid)
            && !podutil::is_failed(pod)
            && !podutil::is_succeeded(pod)
    })
}
