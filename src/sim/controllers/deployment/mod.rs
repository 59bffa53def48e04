//! The Deployment controller (kubernetes `pkg/controller/deployment`).
//!
//! `sync` is `syncDeployment` (`deployment_controller.go`): claim the ReplicaSets
//! (adoption and release by the selector), group the pods by ReplicaSet, then, in
//! upstream's order: a Deployment being deleted only gets its status; the paused condition;
//! a paused Deployment or a scaling event is `sync` (scale, `sync.rs`); otherwise the
//! strategy's rollout, `rolling.rs` or `recreate.rs`, whose status goes through
//! `progress.rs` (`syncRolloutStatus`). `util.rs` is `deployment_util.go`.
//!
//! Deployments and ReplicaSets are stored as written; the controller reads them through
//! their `apps/v1` types, writes ReplicaSets through the API server (create, update,
//! delete) and its own status (with the revision annotation, as `UpdateStatus` does) as
//! the Deployment's owner. Its handlers hear Deployments, ReplicaSets (their status
//! included: that is how it learns of pods) and the deletion of pods of a `Recreate`
//! Deployment.

mod progress;
mod recreate;
mod rolling;
mod sync;
pub mod util;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use serde_json::json;

use super::replicaset;
use crate::sim::clock::Millis;
use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::labels;
use crate::sim::server;
use crate::sim::workqueue::RateLimitingQueue;
use crate::sim::world::{Change, Timer, WatchEvent, World};

pub const KIND: &str = "Deployment";

/// The controller's state: its work queue and the later syncs it asked for.
#[derive(Debug)]
pub struct DeploymentController {
    /// Its queue: a failed sync is retried after 1 s, doubling up to 60 s.
    pub queue: RateLimitingQueue,
}

impl Default for DeploymentController {
    fn default() -> Self {
        DeploymentController {
            queue: RateLimitingQueue::for_failed_actions(),
        }
    }
}

pub fn kind() -> ObjectKind {
    ObjectKind::Other(KIND.to_string())
}

/// The stored Deployment, read through its type.
pub fn get(world: &World, name: &str) -> Option<Deployment> {
    let body = world.store.written_body(&kind(), name)?;
    serde::Deserialize::deserialize(body).ok()
}

fn names(world: &World) -> Vec<String> {
    world.store.names(&kind())
}

fn by_uid(world: &World, uid: &str) -> Option<String> {
    let kind = kind();
    names(world)
        .into_iter()
        .find(|n| world.store.meta(&kind, n).and_then(|m| m.uid.as_deref()) == Some(uid))
}

/// `metav1.NewControllerRef` for the Deployment.
pub fn controller_ref(d: &Deployment) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: KIND.into(),
        name: d.metadata.name.clone().unwrap_or_default(),
        uid: d.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

fn controller_uid(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> Option<&str> {
    meta.owner_references
        .as_ref()?
        .iter()
        .find(|r| r.controller == Some(true))
        .map(|r| r.uid.as_str())
}

/// The informer handlers: Deployments, ReplicaSets, and pods (deletions only, for
/// `Recreate`).
pub fn on_event(world: &mut World, event: &WatchEvent) -> Result<(), SimError> {
    match &event.kind {
        ObjectKind::Other(k) if k == KIND => match event.change {
            Change::Deleted => {
                world.deployment.queue.forget(&event.name);
            }
            // `updateDeployment` enqueues on every update, its own status writes
            // included: the sync after a rollout completes cleans up old ReplicaSets.
            _ => world.deployment.queue.add(&event.name),
        },
        ObjectKind::Other(k) if k == replicaset::KIND => on_replicaset_event(world, event),
        ObjectKind::Pod if event.change == Change::Deleted => on_pod_deleted(world, event),
        _ => {}
    }
    Ok(())
}

/// `addReplicaSet`/`updateReplicaSet`/`deleteReplicaSet`: the owner, or for an orphan the
/// Deployments whose selector matches its labels.
fn on_replicaset_event(world: &mut World, event: &WatchEvent) {
    let rs_kind = replicaset::kind();
    let owner = event.owner_uid.clone().or_else(|| {
        world
            .store
            .meta(&rs_kind, &event.name)
            .and_then(|m| controller_uid(m).map(str::to_string))
    });
    if let Some(owner) = owner {
        if let Some(name) = by_uid(world, &owner) {
            world.deployment.queue.add(&name);
        }
        return;
    }
    if event.change == Change::Deleted {
        return;
    }
    let Some(labels) = world
        .store
        .meta(&rs_kind, &event.name)
        .map(|m| m.labels.clone())
    else {
        return;
    };
    let matching: Vec<String> = names(world)
        .into_iter()
        .filter(|n| {
            get(world, n).is_some_and(|d| {
                let selector = d.spec.as_ref().map(|s| &s.selector);
                labels::matches(selector, labels.as_ref())
            })
        })
        .collect();
    for name in matching {
        world.deployment.queue.add(&name);
    }
}

/// `deletePod`: a `Recreate` Deployment waits for its old pods to be gone.
fn on_pod_deleted(world: &mut World, event: &WatchEvent) {
    let Some(rs_uid) = event.owner_uid.as_deref() else {
        return;
    };
    let rs_kind = replicaset::kind();
    let Some(rs) = replicaset::by_uid(world, rs_uid) else {
        return;
    };
    let Some(owner) = world
        .store
        .meta(&rs_kind, &rs)
        .and_then(|m| controller_uid(m).map(str::to_string))
    else {
        return;
    };
    if let Some(name) = by_uid(world, &owner) {
        if get(world, &name).is_some_and(|d| util::strategy_type(&d) == "Recreate") {
            world.deployment.queue.add(&name);
        }
    }
}

/// The controller's worker: one Deployment from the queue.
pub fn work(world: &mut World) -> Result<bool, SimError> {
    match world.deployment.queue.pop() {
        Some(name) => sync_deployment(world, &name).map(|()| true),
        None => Ok(false),
    }
}

/// A timer asked for a sync of `name`.
pub fn fire(world: &mut World, name: &str) {
    world.deployment.queue.fire(name, world.now);
}

/// Asks for a sync of `name` at `at`.
pub fn sync_at(world: &mut World, name: &str, at: Millis) {
    if world.deployment.queue.add_after(name, at) {
        world.timers.at(
            at,
            Timer::SyncDeployment {
                name: name.to_string(),
            },
        );
    }
}

/// A failed sync is retried after 1 s, doubling up to 60 s (as the other controllers in
/// scn).
fn requeue_with_backoff(world: &mut World, name: &str) {
    if let Some(at) = world.deployment.queue.retry_at(name, world.now) {
        sync_at(world, name, at);
    }
}

/// `getReplicaSetsForDeployment`: every ReplicaSet the Deployment owns, adopting orphans
/// its selector matches and releasing owned ones it no longer matches (`ClaimReplicaSets`).
fn claim_replicasets(world: &mut World, d: &Deployment) -> Vec<ReplicaSet> {
    let uid = d.metadata.uid.clone().unwrap_or_default();
    let selector = d.spec.as_ref().map(|s| s.selector.clone());
    let deleting = d.metadata.deletion_timestamp.is_some();
    let rs_kind = replicaset::kind();
    let mut owned = Vec::new();
    for name in replicaset::names(world) {
        let Some(rs) = replicaset::get(world, &name) else {
            continue;
        };
        let matches = labels::matches(selector.as_ref(), rs.metadata.labels.as_ref());
        match controller_uid(&rs.metadata) {
            Some(c) if c == uid => {
                if matches {
                    owned.push(rs);
                } else if !deleting {
                    let mut refs = rs.metadata.owner_references.clone().unwrap_or_default();
                    refs.retain(|r| r.uid != uid);
                    // `ReleaseReplicaSet`'s delete patch: an emptied list is omitted.
                    let refs = (!refs.is_empty()).then_some(refs);
                    let body = json!({"metadata": {"ownerReferences": refs}});
                    let _ = server::patch(world, &rs_kind, &name, server::PatchType::Merge, &body);
                }
            }
            Some(_) => {}
            None => {
                if deleting || !matches || rs.metadata.deletion_timestamp.is_some() {
                    continue;
                }
                let mut refs = rs.metadata.owner_references.clone().unwrap_or_default();
                refs.retain(|r| r.uid != uid);
                refs.push(controller_ref(d));
                let body = json!({"metadata": {"ownerReferences": refs}});
                if server::patch(world, &rs_kind, &name, server::PatchType::Merge, &body).is_ok() {
                    if let Some(rs) = replicaset::get(world, &name) {
                        owned.push(rs);
                    }
                }
            }
        }
    }
    owned
}

/// `syncDeployment`.
pub fn sync_deployment(world: &mut World, name: &str) -> Result<(), SimError> {
    let Some(mut d) = get(world, name) else {
        world.deployment.queue.forget(name);
        return Ok(());
    };
    let rs_list = claim_replicasets(world, &d);
    let result = if d.metadata.deletion_timestamp.is_some() {
        sync::sync_status_only(world, &mut d, &rs_list)
    } else {
        sync::check_paused_conditions(world, &mut d).and_then(|()| {
            if util::paused(&d) {
                return sync::sync(world, &mut d, &rs_list);
            }
            if sync::is_scaling_event(world, &mut d, &rs_list)? {
                return sync::sync(world, &mut d, &rs_list);
            }
            match util::strategy_type(&d) {
                "Recreate" => recreate::rollout(world, &mut d, &rs_list),
                _ => rolling::rollout(world, &mut d, &rs_list),
            }
        })
    };
    match result {
        Ok(()) => {
            world.deployment.queue.forget(name);
        }
        Err(sync::Error::Sim(e)) => return Err(e),
        Err(sync::Error::Failed(_)) => requeue_with_backoff(world, name),
    }
    Ok(())
}
