//! The ReplicaSet controller (kubernetes `pkg/controller/replicaset/replica_set.go`).
//!
//! `sync` is `syncReplicaSet`: list the namespace's pods, keep the active ones, claim them
//! (adopt matching orphans, release owned pods that no longer match), then, unless the set
//! is being deleted, `manageReplicas` (`pod_control.rs`: slow-start creation batches,
//! deletion in `ranks.rs`' order), and write the status (`status.rs`) when it changed.
//!
//! ReplicaSets are stored as written; the controller reads each through the `apps/v1`
//! type. Expectations: upstream's `ControllerExpectations` keep a sync from acting before
//! the informer has seen its own creations and deletions; here every watch event of an
//! instant is heard before the next key is synced (the component table's rule 2), so the
//! expectations a sync sets are always met when the next sync runs, and none are kept.

mod pod_control;
pub mod ranks;
mod status;

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use crate::sim::clock::Millis;
use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::labels;
use crate::sim::podutil;
use crate::sim::server;
use crate::sim::workqueue::RateLimitingQueue;
use crate::sim::world::{Change, Timer, WatchEvent, World};

/// The Kind.
pub const KIND: &str = "ReplicaSet";

/// `burstReplicas`: at most this many pods are created or deleted by one sync.
pub const BURST_REPLICAS: usize = 500;

/// The controller's state: its work queue and the later syncs it asked for.
#[derive(Debug)]
pub struct ReplicaSetController {
    /// Its queue: a failed sync is retried after 1 s, doubling up to 60 s.
    pub queue: RateLimitingQueue,
    /// The labels of each orphan pod as the pod handler last saw them (`updatePod`
    /// compares an orphan's old and new labels).
    pub orphans: BTreeMap<String, Option<BTreeMap<String, String>>>,
}

impl Default for ReplicaSetController {
    fn default() -> Self {
        ReplicaSetController {
            queue: RateLimitingQueue::for_failed_actions(),
            orphans: BTreeMap::new(),
        }
    }
}

pub fn kind() -> ObjectKind {
    ObjectKind::Other(KIND.to_string())
}

/// The stored ReplicaSet, read through its type.
pub fn get(world: &World, name: &str) -> Option<ReplicaSet> {
    let body = world.store.written_body(&kind(), name)?;
    serde::Deserialize::deserialize(body).ok()
}

/// The names of every stored ReplicaSet, in name order.
pub fn names(world: &World) -> Vec<String> {
    world.store.names(&kind())
}

/// The ReplicaSets whose controller is the object with UID `owner` (a Deployment's), in
/// name order.
pub fn controlled_by(world: &World, owner: &str) -> Vec<ReplicaSet> {
    let kind = kind();
    names(world)
        .iter()
        .filter(|n| {
            world.store.meta(&kind, n).is_some_and(|m| {
                m.owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.uid == owner && o.controller == Some(true))
            })
        })
        .filter_map(|n| get(world, n))
        .collect()
}

/// The name of the ReplicaSet with this UID.
pub fn by_uid(world: &World, uid: &str) -> Option<String> {
    let kind = kind();
    names(world)
        .into_iter()
        .find(|n| world.store.meta(&kind, n).and_then(|m| m.uid.as_deref()) == Some(uid))
}

/// `metav1.NewControllerRef` for the set.
pub fn controller_ref(rs: &ReplicaSet) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: KIND.into(),
        name: rs.metadata.name.clone().unwrap_or_default(),
        uid: rs.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The controller's informer handlers: pods and ReplicaSets.
pub fn on_event(world: &mut World, event: &WatchEvent) -> Result<(), SimError> {
    match &event.kind {
        ObjectKind::Pod => on_pod_event(world, event),
        ObjectKind::Other(k) if k == KIND => match event.change {
            Change::Deleted => {
                world.replicaset.queue.forget(&event.name);
            }
            // The set's own status writes need no sync (`status_only`).
            _ if !event.status_only => world.replicaset.queue.add(&event.name),
            _ => {}
        },
        _ => {}
    }
    Ok(())
}

/// `addPod`/`updatePod`/`deletePod`: the set named by the pod's controller reference, or,
/// for an orphan, every set whose selector matches it (they may adopt it): when it is
/// added, and on an update only when its labels changed or it just lost its controller
/// (`labelChanged || controllerRefChanged`); an orphan being deleted, or gone, queues none.
fn on_pod_event(world: &mut World, event: &WatchEvent) {
    if let Some(owner) = &event.owner_uid {
        if !world.replicaset.orphans.is_empty() {
            world.replicaset.orphans.remove(&event.name);
        }
        if let Some(name) = by_uid(world, owner) {
            world.replicaset.queue.add(&name);
        }
        return;
    }
    let pod = match event.change {
        Change::Deleted => None,
        _ => world.store.pods().get(&event.name),
    };
    let Some(pod) = pod else {
        world.replicaset.orphans.remove(&event.name);
        return;
    };
    let labels = &pod.metadata.labels;
    let changed = world
        .replicaset
        .orphans
        .get(&event.name)
        .is_none_or(|seen| seen != labels);
    if !changed {
        return;
    }
    world
        .replicaset
        .orphans
        .insert(event.name.clone(), labels.clone());
    if podutil::is_terminating(pod) {
        return;
    }
    let sets: Vec<(String, ReplicaSet)> = names(world)
        .into_iter()
        .filter_map(|name| get(world, &name).map(|rs| (name, rs)))
        .collect();
    let matching = labels::selecting(
        sets.iter().map(|(name, rs)| (name, rs)),
        |rs| rs.spec.as_ref().map(|s| &s.selector),
        pod,
    );
    for name in matching {
        world.replicaset.queue.add(&name);
    }
}

/// The controller's worker: one set from the queue.
pub fn work(world: &mut World) -> Result<bool, SimError> {
    match world.replicaset.queue.pop() {
        Some(name) => sync(world, &name).map(|()| true),
        None => Ok(false),
    }
}

/// A timer asked for a sync of `name`.
pub fn fire(world: &mut World, name: &str) {
    world.replicaset.queue.fire(name, world.now);
}

/// `IsPodActive`: not Succeeded, not Failed, not being deleted.
pub fn is_active(pod: &Pod) -> bool {
    !podutil::is_succeeded(pod) && !podutil::is_failed(pod) && !podutil::is_terminating(pod)
}

/// `IsPodTerminating`: being deleted, not yet terminal.
fn is_terminating(pod: &Pod) -> bool {
    !podutil::is_succeeded(pod) && !podutil::is_failed(pod) && podutil::is_terminating(pod)
}

/// `syncReplicaSet`.
pub fn sync(world: &mut World, name: &str) -> Result<(), SimError> {
    let Some(rs) = get(world, name) else {
        world.replicaset.queue.forget(name);
        return Ok(());
    };
    let uid = rs.metadata.uid.clone().unwrap_or_default();
    let selector = rs.spec.as_ref().map(|s| s.selector.clone());
    let deleting = rs.metadata.deletion_timestamp.is_some();
    // `FilterActivePods`, then `claimPods` (ClaimObject for each).
    let mut owned: Vec<String> = Vec::new();
    let mut adopt: Vec<String> = Vec::new();
    let mut release: Vec<String> = Vec::new();
    let mut terminating = 0i32;
    for (pod_name, pod) in world.store.pods().iter() {
        let matches = labels::pod_matches(selector.as_ref(), pod);
        let controller = podutil::controller_uid(pod);
        if !is_active(pod) {
            // `FilterTerminatingPods` + `FilterClaimedPods` (the
            // DeploymentReplicaSetTerminatingReplicas gate, beta and on since v1.35).
            if is_terminating(pod) && controller == Some(uid.as_str()) && matches {
                terminating += 1;
            }
            continue;
        }
        match controller {
            Some(c) if c == uid => {
                if matches {
                    owned.push(pod_name.clone());
                } else if !deleting {
                    release.push(pod_name.clone());
                }
            }
            Some(_) => {}
            None => {
                if !deleting && matches {
                    adopt.push(pod_name.clone());
                }
            }
        }
    }
    for pod in &release {
        server::write::<Pod>(world, pod, server::Author::Other, |p| {
            crate::sim::meta::remove_owner_reference(&mut p.metadata, &uid);
            true
        });
    }
    for pod in &adopt {
        let reference = controller_ref(&rs);
        server::write::<Pod>(world, pod, server::Author::Other, |p| {
            crate::sim::meta::adopt(&mut p.metadata, reference);
            true
        });
        owned.push(pod.clone());
    }
    owned.sort();
    let result = if deleting {
        Ok(())
    } else {
        pod_control::manage_replicas(world, &rs, &owned)?
    };
    // The status counts the pods claimed before `manageReplicas` acted (`filteredPods`).
    let pods: Vec<std::sync::Arc<Pod>> = owned
        .iter()
        .filter_map(|n| world.store.pods().get_shared(n))
        .collect();
    let error = result.as_ref().err().cloned();
    let new_status = status::calculate(world, &rs, &pods, terminating, error.as_deref());
    status::update(world, name, &rs, new_status);
    if let Some(at) = status::next_availability(world, &rs, &pods) {
        sync_at(world, name, at);
    }
    match result {
        Ok(()) => {
            world.replicaset.queue.forget(name);
        }
        Err(_) => requeue_with_backoff(world, name),
    }
    Ok(())
}

/// A failed sync is retried after 1 s, doubling up to 60 s (as the StatefulSet
/// controller's in scn).
fn requeue_with_backoff(world: &mut World, name: &str) {
    if let Some(at) = world.replicaset.queue.retry_at(name, world.now) {
        sync_at(world, name, at);
    }
}

/// Asks for a sync of `name` at `at`.
pub fn sync_at(world: &mut World, name: &str, at: Millis) {
    if world.replicaset.queue.add_after(name, at) {
        world.timers.at(
            at,
            Timer::SyncReplicaSet {
                name: name.to_string(),
            },
        );
    }
}
