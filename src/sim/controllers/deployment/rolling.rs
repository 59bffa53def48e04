//! `pkg/controller/deployment/rolling.go`: `rolloutRolling`. The new set is scaled up as
//! far as `maxSurge` lets the total grow (`NewRSNewReplicas`); old sets are scaled down as
//! far as `maxUnavailable` lets availability drop, their unhealthy replicas first
//! (`cleanupUnhealthyReplicas`), then oldest set first
//! (`scaleDownOldReplicaSetsForRollingUpdate`). A sync does one of the two, then writes
//! the status.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};

use super::progress::sync_rollout_status;
use super::sync::{self, active, scale_and_record, Result};
use super::util::{self, rs_available, rs_name, rs_replicas};
use crate::sim::world::World;

pub fn rollout(world: &mut World, d: &mut Deployment, rs_list: &[ReplicaSet]) -> Result<()> {
    let (new, mut old) = sync::get_all(world, d, rs_list, true)?;
    let Some(mut new) = new else {
        return Ok(());
    };
    if reconcile_new(world, d, &mut new, &old)? {
        sync_rollout_status(world, d, Some(&new), &old);
        return Ok(());
    }
    if reconcile_old(world, d, &new, &mut old)? {
        sync_rollout_status(world, d, Some(&new), &old);
        return Ok(());
    }
    let status = d.status.clone().unwrap_or_default();
    if util::complete(d, &status) {
        sync::cleanup(world, d, &old)?;
    }
    sync_rollout_status(world, d, Some(&new), &old);
    Ok(())
}

/// `reconcileNewReplicaSet`.
fn reconcile_new(
    world: &mut World,
    d: &Deployment,
    new: &mut ReplicaSet,
    old: &[ReplicaSet],
) -> Result<bool> {
    let n = util::replicas(d);
    if rs_replicas(new) == n {
        return Ok(false);
    }
    if rs_replicas(new) > n {
        return scale_and_record(world, d, new, n);
    }
    let mut all: Vec<&ReplicaSet> = old.iter().collect();
    all.push(new);
    let count = util::new_rs_new_replicas(d, &all, new);
    scale_and_record(world, d, new, count)
}

/// `reconcileOldReplicaSets`.
fn reconcile_old(
    world: &mut World,
    d: &Deployment,
    new: &ReplicaSet,
    old_all: &mut [ReplicaSet],
) -> Result<bool> {
    let mut old = active(old_all);
    let old_refs: Vec<&ReplicaSet> = old.iter().collect();
    if util::spec_count(&old_refs) == 0 {
        return Ok(false);
    }
    let mut all: Vec<&ReplicaSet> = old_all.iter().collect();
    all.push(new);
    let all_pods = util::spec_count(&all);
    let min_available = util::replicas(d) - util::max_unavailable(d);
    let new_unavailable = rs_replicas(new) - rs_available(new);
    let max_scaled_down = all_pods - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return Ok(false);
    }
    let cleaned = cleanup_unhealthy(world, d, &mut old, max_scaled_down)?;
    let scaled = scale_down_old(world, d, new, &mut old)?;
    for rs in old {
        if let Some(o) = old_all.iter_mut().find(|o| rs_name(o) == rs_name(&rs)) {
            *o = rs;
        }
    }
    Ok(cleaned + scaled > 0)
}

/// `cleanupUnhealthyReplicas`: old sets, oldest first, lose their unavailable replicas.
fn cleanup_unhealthy(
    world: &mut World,
    d: &Deployment,
    old: &mut [ReplicaSet],
    max: i32,
) -> Result<i32> {
    old.sort_by(util::by_creation);
    let mut total = 0;
    for rs in old.iter_mut() {
        if total >= max {
            break;
        }
        if rs_replicas(rs) == 0 || rs_replicas(rs) == rs_available(rs) {
            continue;
        }
        let down = (max - total).min(rs_replicas(rs) - rs_available(rs));
        let target = rs_replicas(rs) - down;
        // A set whose status still counts more available pods than its new size (it was
        // just scaled down) would be scaled up: upstream refuses, and the sync fails.
        if target > rs_replicas(rs) {
            return Err(sync::Error::Failed(format!(
                "when cleaning up unhealthy replicas, got invalid request to scale down {}/{} {} -> {target}",
                rs.metadata.namespace.as_deref().unwrap_or_default(),
                rs_name(rs),
                rs_replicas(rs)
            )));
        }
        scale_and_record(world, d, rs, target)?;
        total += down;
    }
    Ok(total)
}

/// `scaleDownOldReplicaSetsForRollingUpdate`: as many as availability above
/// `replicas - maxUnavailable` allows, oldest set first.
fn scale_down_old(
    world: &mut World,
    d: &Deployment,
    new: &ReplicaSet,
    old: &mut [ReplicaSet],
) -> Result<i32> {
    let min_available = util::replicas(d) - util::max_unavailable(d);
    let mut all: Vec<&ReplicaSet> = old.iter().collect();
    all.push(new);
    let available = util::available_count(&all);
    if available <= min_available {
        return Ok(0);
    }
    old.sort_by(util::by_creation);
    let to_scale = available - min_available;
    let mut total = 0;
    for rs in old.iter_mut() {
        if total >= to_scale {
            break;
        }
        if rs_replicas(rs) == 0 {
            continue;
        }
        let down = rs_replicas(rs).min(to_scale - total);
        let target = rs_replicas(rs) - down;
        scale_and_record(world, d, rs, target)?;
        total += down;
    }
    Ok(total)
}
