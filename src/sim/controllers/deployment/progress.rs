//! `pkg/controller/deployment/progress.go`: the status of a rollout with its `Progressing`
//! condition (`NewReplicaSetAvailable` when complete, `ReplicaSetUpdated` on progress,
//! `ProgressDeadlineExceeded` once `progressDeadlineSeconds` passed without progress), the
//! `ReplicaFailure` condition copied from a ReplicaSet, and the sync asked for when the
//! deadline may pass (`requeueStuckDeployment`: one second after it).

use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet};

use super::sync::{calculate_status, write_status};
use super::util::{self, rs_name};
use crate::sim::clock::{from_time, Millis, SECOND};
use crate::sim::world::World;

/// `getReplicaFailures`: the new set's `ReplicaFailure`, else the first old one's.
fn replica_failure(new: Option<&ReplicaSet>, all: &[&ReplicaSet]) -> Option<DeploymentCondition> {
    let from = |rs: &ReplicaSet| {
        rs.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == "ReplicaFailure"))
            .map(|c| DeploymentCondition {
                type_: "ReplicaFailure".into(),
                status: c.status.clone(),
                last_update_time: c.last_transition_time.clone(),
                last_transition_time: c.last_transition_time.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
            })
    };
    new.and_then(from)
        .or_else(|| all.iter().find_map(|rs| from(rs)))
}

/// `syncRolloutStatus`.
pub fn sync_rollout_status(
    world: &mut World,
    d: &mut Deployment,
    new: Option<&ReplicaSet>,
    old: &[ReplicaSet],
) {
    let all: Vec<&ReplicaSet> = old.iter().chain(new).collect();
    let mut status = calculate_status(world, &all, new, d);
    let deadline = util::progress_deadline(d);
    if deadline.is_none() {
        util::remove_condition(&mut status, "Progressing");
    }
    let old_status = d.status.clone().unwrap_or_default();
    let current = util::condition(&old_status, "Progressing").cloned();
    let complete_before = status.replicas == status.updated_replicas
        && current
            .as_ref()
            .is_some_and(|c| c.reason.as_deref() == Some(util::NEW_RS_AVAILABLE));
    let now = world.now;
    if deadline.is_some() && !complete_before {
        let what = match new {
            Some(rs) => format!("ReplicaSet \"{}\"", rs_name(rs)),
            None => format!(
                "Deployment \"{}\"",
                d.metadata.name.as_deref().unwrap_or_default()
            ),
        };
        if util::complete(d, &status) {
            let condition = util::new_condition(
                "Progressing",
                "True",
                util::NEW_RS_AVAILABLE,
                format!("{what} has successfully progressed."),
                now,
            );
            util::set_condition(&mut status, condition);
        } else if util::progressing(d, &status) {
            let mut condition = util::new_condition(
                "Progressing",
                "True",
                util::REPLICA_SET_UPDATED,
                format!("{what} is progressing."),
                now,
            );
            if let Some(current) = &current {
                if current.status == "True" {
                    condition.last_transition_time = current.last_transition_time.clone();
                }
                util::remove_condition(&mut status, "Progressing");
            }
            util::set_condition(&mut status, condition);
        } else if util::timed_out(d, &status, now) {
            let condition = util::new_condition(
                "Progressing",
                "False",
                util::TIMED_OUT,
                format!("{what} has timed out progressing."),
                now,
            );
            util::set_condition(&mut status, condition);
        }
    }
    match replica_failure(new, &all) {
        Some(failure) => util::set_condition(&mut status, failure),
        None => util::remove_condition(&mut status, "ReplicaFailure"),
    }
    if d.status.as_ref() != Some(&status) {
        d.status = Some(status.clone());
        write_status(world, d);
    }
    requeue_stuck(world, d, &status);
}

/// `requeueStuckDeployment`: while a rollout with a deadline is neither complete nor timed
/// out, a sync one second after the deadline of its last progress (at once when that is
/// less than a second away).
fn requeue_stuck(world: &mut World, d: &Deployment, status: &DeploymentStatus) {
    let Some(deadline) = util::progress_deadline(d) else {
        return;
    };
    let Some(current) = util::condition(status, "Progressing") else {
        return;
    };
    if util::complete(d, status) || current.reason.as_deref() == Some(util::TIMED_OUT) {
        return;
    }
    let last = current
        .last_update_time
        .as_ref()
        .map(from_time)
        .unwrap_or_default();
    let due = last + Millis::from_secs(deadline.into());
    let at = if due < world.now + SECOND {
        world.now + SECOND
    } else {
        due + SECOND
    };
    let name = d.metadata.name.clone().unwrap_or_default();
    super::sync_at(world, &name, at);
}
