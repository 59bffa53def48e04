//! The StatefulSet controller (kubernetes `pkg/controller/statefulset`).
//!
//! `sync` is `StatefulSetController.sync`: find the set's pods (adopting and releasing),
//! then run `control::update_statefulset`, the upstream sync order of BEHAVIORS §1.4.
//! Decisions come from that step order and its early returns, never from diffing a
//! desired state: B-ORD-3, B-ORD-7, B-UPD-6 and B-PART-3 fall out of it.

mod control;
mod identity;
mod pod_control;
mod retention;
pub mod revision;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;

use crate::sim::clock::{Millis, SECOND};
use crate::sim::error::SimError;
use crate::sim::labels;
use crate::sim::podutil;
use crate::sim::server;
use crate::sim::world::{Timer, WatchEvent, World};

pub use identity::pod_name;

/// Informer handler: a pod changed; enqueue the set that owns it, or, for an orphan,
/// every set that could adopt it.
pub fn on_pod_event(world: &mut World, event: &WatchEvent) {
    if let Some(owner) = &event.owner_uid {
        let set = world
            .store
            .statefulsets
            .iter()
            .find(|(_, s)| s.metadata.uid.as_deref() == Some(owner.as_str()))
            .map(|(name, _)| name.clone());
        if let Some(set) = set {
            world.statefulset_queue.add(&set);
        }
        return;
    }
    let Some(pod) = world.store.pods.get(&event.name) else {
        return;
    };
    let candidates: Vec<String> = world
        .store
        .statefulsets
        .iter()
        .filter(|(_, s)| {
            s.spec
                .as_ref()
                .is_some_and(|spec| labels::pod_matches(Some(&spec.selector), pod))
        })
        .map(|(name, _)| name.clone())
        .collect();
    for set in candidates {
        world.statefulset_queue.add(&set);
    }
}

/// One reconcile of one StatefulSet.
pub fn sync(world: &mut World, name: &str) -> Result<(), SimError> {
    let Some(set) = world.store.statefulsets.get(name).cloned() else {
        world.statefulset_backoff.remove(name);
        return Ok(());
    };
    let pods = claim_pods(world, &set);
    let result = control::update_statefulset(world, &set, pods)?;
    match result {
        control::Outcome::Done => {
            world.statefulset_backoff.remove(name);
        }
        control::Outcome::Failed => requeue_with_backoff(world, name),
    }
    Ok(())
}

/// A failed controller action is retried after 1 s, doubling up to 60 s.
fn requeue_with_backoff(world: &mut World, name: &str) {
    let delay = world
        .statefulset_backoff
        .get(name)
        .map(|d| (d * 2).min(60 * SECOND))
        .unwrap_or(SECOND);
    world.statefulset_backoff.insert(name.to_string(), delay);
    // As client-go's delaying queue: a retry already pending at an earlier time wins.
    let at = world.now + delay;
    if world
        .statefulset_requeues
        .range((name.to_string(), world.now + 1)..=(name.to_string(), at))
        .next()
        .is_some()
    {
        return;
    }
    sync_at(world, name, at);
}

/// Asks for a sync of `set` at `at` (availability after minReadySeconds).
pub fn sync_at(world: &mut World, set: &str, at: Millis) {
    if world.statefulset_requeues.insert((set.to_string(), at)) {
        world.timers.at(
            at,
            Timer::SyncStatefulSet {
                name: set.to_string(),
            },
        );
    }
}

/// `getPodsForStatefulSet`: the pods the set controls, after adopting matching orphans
/// whose names fit the set (B-ADOPT-1) and releasing owned pods that no longer match the
/// selector (B-ADOPT-2).
fn claim_pods(world: &mut World, set: &StatefulSet) -> Vec<Pod> {
    let set_name = set.metadata.name.clone().unwrap_or_default();
    let set_uid = set.metadata.uid.clone().unwrap_or_default();
    let selector = set.spec.as_ref().map(|s| &s.selector);
    let deleting = set.metadata.deletion_timestamp.is_some();
    let mut owned = Vec::new();
    let mut adopt = Vec::new();
    let mut release = Vec::new();
    for (name, pod) in &world.store.pods {
        let matches = labels::pod_matches(selector, pod);
        match podutil::controller_uid(pod) {
            Some(uid) if uid == set_uid => {
                if matches || deleting {
                    owned.push(pod.clone());
                } else {
                    release.push(name.clone());
                }
            }
            Some(_) => {}
            None => {
                let member = podutil::parent_and_ordinal(name).is_some_and(|(p, _)| p == set_name);
                if matches && member && !deleting && !podutil::is_terminating(pod) {
                    adopt.push(name.clone());
                }
            }
        }
    }
    for name in release {
        if let Some(pod) = world.store.pods.get_mut(&name) {
            crate::sim::meta::remove_owner_reference(&mut pod.metadata, &set_uid);
        }
        server::touch_pod(world, &name);
    }
    for name in adopt {
        if let Some(pod) = world.store.pods.get_mut(&name) {
            pod.metadata
                .owner_references
                .get_or_insert_with(Vec::new)
                .push(identity::controller_ref(set));
            owned.push(pod.clone());
        }
        server::touch_pod(world, &name);
    }
    owned
}
