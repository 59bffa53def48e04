//! The StatefulSet controller (kubernetes `pkg/controller/statefulset`).
//!
//! `sync` is `StatefulSetController.sync`: find the set's pods (adopting and releasing),
//! then run `control::update_statefulset`, the upstream sync order of BEHAVIORS §1.4.
//! Decisions come from that step order and its early returns, never from diffing a
//! desired state: B-ORD-3, B-ORD-7, B-UPD-6 and B-PART-3 fall out of it.

mod control;
mod identity;
pub mod index;
mod pod_control;
mod retention;
pub mod revision;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;

use crate::sim::clock::Millis;
use crate::sim::error::SimError;
use crate::sim::labels;
use crate::sim::podutil;
use crate::sim::server;
use crate::sim::world::{Timer, WatchEvent, World};

/// The controller's informer handlers: pods, sets, claims and revisions.
pub fn on_event(world: &mut World, event: &WatchEvent) -> Result<(), SimError> {
    use crate::sim::kinds::ObjectKind;
    use crate::sim::world::Change;
    match event.kind {
        ObjectKind::Pod => on_pod_event(world, event),
        ObjectKind::StatefulSet if event.change != Change::Deleted && !event.status_only => {
            world.statefulset_queue.add(&event.name);
        }
        // The controller has no claim or revision handler (`// TODO: Watch volumes`): a
        // changed claim only marks its ordinal to be looked at again at the set's next
        // sync (its pods' or its own events), which converges it (B-RET-9).
        ObjectKind::PersistentVolumeClaim => on_claim_event(world, &event.name),
        // Nor does a revision written by someone else queue a sync, but upstream's
        // `getStatefulSetRevisions` runs at every sync: the next one resolves the revisions
        // again instead of reusing the last sync's (an adopted stray revision numbered
        // above the update revision makes it bump its number, B-REV-9). The controllers'
        // own revision writes (`status_only`) change nothing that shortcut relies on.
        ObjectKind::ControllerRevision if !event.status_only => {
            for index in world.statefulset_index.values_mut() {
                index.resolved = None;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The controller's worker: one set from the queue.
pub fn work(world: &mut World) -> Result<bool, SimError> {
    match world.statefulset_queue.pop() {
        Some(name) => sync(world, &name).map(|()| true),
        None => Ok(false),
    }
}

/// Informer handler: a pod changed; enqueue the set that owns it, or, for an orphan,
/// every set that could adopt it, and mark the pod for their indexes. As upstream's
/// `addPod`/`updatePod`/`deletePod`: an orphan's sets are queued when it is added, and on
/// an update only when its labels changed or it just lost its controller
/// (`labelChanged || controllerRefChanged`); an orphan's deletion queues none (B-ADOPT-5).
pub fn on_pod_event(world: &mut World, event: &WatchEvent) {
    use crate::sim::world::Change;
    let sets: Vec<String> = match &event.owner_uid {
        Some(owner) => {
            if !world.statefulset_orphans.is_empty() {
                world.statefulset_orphans.remove(&event.name);
            }
            world
                .store
                .statefulsets()
                .iter()
                .filter(|(_, s)| s.metadata.uid.as_deref() == Some(owner.as_str()))
                .map(|(name, _)| name.clone())
                .collect()
        }
        None if event.change == Change::Deleted => {
            world.statefulset_orphans.remove(&event.name);
            Vec::new()
        }
        None => match world.store.pods().get(&event.name) {
            Some(pod) => {
                let labels = &pod.metadata.labels;
                let changed = world
                    .statefulset_orphans
                    .get(&event.name)
                    .is_none_or(|seen| seen != labels);
                if changed {
                    world
                        .statefulset_orphans
                        .insert(event.name.clone(), labels.clone());
                    labels::selecting(
                        world.store.statefulsets().iter(),
                        |s| s.spec.as_ref().map(|spec| &spec.selector),
                        pod,
                    )
                } else {
                    Vec::new()
                }
            }
            None => Vec::new(),
        },
    };
    // A pod that left its owner (released, orphaned, or handed to another controller:
    // `updatePod` queues the old owner too) is known to the index of the set that had it.
    let had: Vec<String> = world
        .statefulset_index
        .iter()
        .filter(|(name, index)| !sets.contains(name) && index.has_name(&event.name))
        .map(|(name, _)| name.clone())
        .collect();
    for set in sets.into_iter().chain(had) {
        mark_dirty(world, set, &event.name);
    }
}

/// Marks the pod `pod` for the index of `set` and queues the set; a set or pod already
/// known is found by `&str` (most pod events are for a set with an index).
fn mark_dirty(world: &mut World, set: String, pod: &str) {
    let index = match world.statefulset_index.get_mut(&set) {
        Some(index) => index,
        None => world.statefulset_index.entry(set.clone()).or_default(),
    };
    if !index.dirty.contains(pod) {
        index.dirty.insert(pod.to_string());
    }
    world.statefulset_queue.add(&set);
}

/// A claim came or went: the pod of that ordinal is looked at again at the set's next
/// sync (retention owner references, B-RET-9). A changed claim is not a reason to sync:
/// upstream has no claim handler, and no periodic resync either (kubernetes/kubernetes
/// #75622 removed the 30 s one; the informer factory's own is 12 to 24 h), so an edit of a
/// claim's owner references is undone at the set's next sync, whatever causes it.
pub fn on_claim_event(world: &mut World, claim: &str) {
    let mut touched = Vec::new();
    for (name, set) in world.store.statefulsets() {
        let templates = set
            .spec
            .as_ref()
            .and_then(|s| s.volume_claim_templates.as_ref());
        for template in templates.into_iter().flatten() {
            // `<template>-<set>-<ordinal>`, matched piece by piece (no name is built).
            let ordinal = claim
                .strip_prefix(template.metadata.name.as_deref().unwrap_or_default())
                .and_then(|rest| rest.strip_prefix('-'))
                .and_then(|rest| rest.strip_prefix(name.as_str()))
                .and_then(|rest| rest.strip_prefix('-'))
                .and_then(|o| o.parse::<i64>().ok());
            if let Some(ordinal) = ordinal {
                touched.push((name.clone(), ordinal));
            }
        }
    }
    for (set, ordinal) in touched {
        world
            .statefulset_index
            .entry(set.clone())
            .or_default()
            .dirty_ordinals
            .insert(ordinal);
    }
}

/// One reconcile of one StatefulSet.
pub fn sync(world: &mut World, name: &str) -> Result<(), SimError> {
    // The sync holds the stored set shared (no copy); its status write goes through the
    // API server.
    let Some(mut set) = world.store.statefulsets().get_shared(name) else {
        world.statefulset_queue.forget(name);
        world.statefulset_index.remove(name);
        return Ok(());
    };
    // `adoptOrphanRevisions`: a set being deleted cannot adopt (`RecheckDeletionTimestamp`),
    // so orphan revisions its selector matches fail the sync before anything else.
    if set.metadata.deletion_timestamp.is_some() && revision::has_orphans(world, &set) {
        requeue_with_backoff(world, name);
        return Ok(());
    }
    let mut index = world.statefulset_index.remove(name).unwrap_or_default();
    let generation = set.metadata.generation.unwrap_or(0);
    if index.data.as_ref().map(|(g, _)| *g) != Some(generation)
        || index.key.as_ref().map(|k| k.uid.as_str()) != set.metadata.uid.as_deref()
    {
        index.data = Some((generation, revision::patch_data(&set)));
    }
    let revs = match resolved_again(world, &set, &index) {
        Some(revs) => revs,
        None => {
            let data = index
                .data
                .as_ref()
                .map(|(_, d)| d)
                .unwrap_or(&serde_json::Value::Null);
            revision::current_and_update(world, &set, data)
        }
    };
    index.resolved = Some((generation, revs.update.clone()));
    refresh(world, &set, &revs, &mut index);
    let result = control::update_statefulset(world, &set, &revs, &mut index);
    // The status is handed to `finish` (no copy): only the outcome is kept.
    let result = result.map(|(outcome, status)| {
        if control::finish(world, &mut set, &revs, &index, status) {
            outcome
        } else {
            control::Outcome::Failed
        }
    });
    world.statefulset_index.insert(name.to_string(), index);
    let outcome = result?;
    match outcome {
        control::Outcome::Done => world.statefulset_queue.forget(name),
        control::Outcome::Failed => requeue_with_backoff(world, name),
    }
    Ok(())
}

/// The revisions of the last sync, when nothing that decides them changed: the same
/// generation (so the same template), its update revision still stored, and no revision
/// written since by anyone but a controller (`on_event` forgets `resolved` then), so
/// `getStatefulSetRevisions` would find the same answer.
fn resolved_again(
    world: &World,
    set: &StatefulSet,
    index: &index::SetIndex,
) -> Option<revision::Revisions> {
    let (generation, update) = index.resolved.as_ref()?;
    if Some(*generation) != set.metadata.generation || !world.store.revisions().contains_key(update)
    {
        return None;
    }
    let status = set.status.as_ref()?;
    if status.update_revision.as_ref() != Some(update) {
        return None;
    }
    let current = status
        .current_revision
        .clone()
        .filter(|c| world.store.revisions().contains_key(c))
        .unwrap_or_else(|| update.clone());
    Some(revision::Revisions {
        current,
        update: update.clone(),
        collision_count: status.collision_count.unwrap_or(0),
    })
}

/// Brings the index up to date: a full rebuild when its key changed, else the pods that
/// changed, the claims that changed and the pods whose availability time came.
fn refresh(
    world: &mut World,
    set: &StatefulSet,
    revs: &revision::Revisions,
    index: &mut index::SetIndex,
) {
    let uid = set.metadata.uid.as_deref().unwrap_or_default();
    let generation = set.metadata.generation.unwrap_or(0);
    // Compared in place: the key is built (its strings copied) only for a rebuild.
    let same_key = index.key.as_ref().is_some_and(|k| {
        k.uid == uid && k.generation == generation && k.update_revision == revs.update
    });
    let names: Vec<String> = if !same_key {
        let key = index::Key {
            uid: uid.to_string(),
            generation,
            update_revision: revs.update.clone(),
        };
        index.reset(key, set, world.config.max_pods);
        world.store.pods().keys().cloned().collect()
    } else {
        std::mem::take(&mut index.dirty).into_iter().collect()
    };
    index.dirty.clear();
    for name in claim_pods(world, set, &names) {
        match name {
            Claimed::Owned(name) => {
                let ordinal = podutil::parent_and_ordinal(&name).map(|(_, o)| o);
                // `upsert` replaces the pod's entry (its name fixes its ordinal).
                match (world.store.pods().get(&name), ordinal) {
                    (Some(pod), Some(ordinal)) => index.upsert(world, set, pod, ordinal),
                    (Some(_), None) => index.insert_unindexed(&name),
                    (None, _) => {}
                }
            }
            Claimed::NotOwned(name) => index.remove_name(&name),
        }
    }
    // A pod that shared its ordinal with another takes it when that one left (upstream's
    // next list finds it at that ordinal, B-ID-12).
    let vacant: Vec<(String, i64)> = index
        .unindexed
        .iter()
        .filter_map(|name| {
            let ordinal = podutil::parent_and_ordinal(name)?.1;
            (!index.pods.contains_key(&ordinal)).then(|| (name.clone(), ordinal))
        })
        .collect();
    for (name, ordinal) in vacant {
        if index.pods.contains_key(&ordinal) {
            continue;
        }
        if let Some(pod) = world.store.pods().get(&name) {
            index.upsert(world, set, pod, ordinal);
        }
    }
    let mut again: Vec<i64> = std::mem::take(&mut index.dirty_ordinals)
        .into_iter()
        .collect();
    again.extend(index.due_availability(world.now));
    for ordinal in again {
        let name = index.entry_name(ordinal).map(str::to_string);
        if let Some(pod) = name.and_then(|n| world.store.pods().get(&n)) {
            index.upsert(world, set, pod, ordinal);
        }
    }
}

enum Claimed {
    Owned(String),
    NotOwned(String),
}

/// `getPodsForStatefulSet` for the pods named: adopt matching orphans whose names fit
/// the set (B-ADOPT-1), release owned pods that no longer match the selector
/// (B-ADOPT-2).
fn claim_pods(world: &mut World, set: &StatefulSet, names: &[String]) -> Vec<Claimed> {
    let set_name = set.metadata.name.clone().unwrap_or_default();
    let set_uid = set.metadata.uid.clone().unwrap_or_default();
    let selector = set.spec.as_ref().map(|s| &s.selector);
    let deleting = set.metadata.deletion_timestamp.is_some();
    let mut out = Vec::new();
    let mut adopt = Vec::new();
    let mut release = Vec::new();
    for name in names {
        let Some(pod) = world.store.pods().get(name) else {
            out.push(Claimed::NotOwned(name.clone()));
            continue;
        };
        // `ClaimPods`' match: the selector and `isMemberOf` (the parent name, whatever the
        // ordinal's value: `web-3000000000` is a member with no ordinal, B-ID-13).
        let matches = labels::pod_matches(selector, pod)
            && podutil::parent_name(name).is_some_and(|p| p == set_name);
        match podutil::controller_uid(pod) {
            Some(uid) if uid == set_uid => {
                if matches {
                    out.push(Claimed::Owned(name.clone()));
                } else if deleting {
                    // `ClaimObject`: owned but no longer matching, and the set is being
                    // deleted: neither claimed nor released (not counted, B-ADOPT-4).
                    out.push(Claimed::NotOwned(name.clone()));
                } else {
                    release.push(name.clone());
                    out.push(Claimed::NotOwned(name.clone()));
                }
            }
            Some(_) => out.push(Claimed::NotOwned(name.clone())),
            None => {
                if matches && !deleting && !podutil::is_terminating(pod) {
                    adopt.push(name.clone());
                    out.push(Claimed::Owned(name.clone()));
                } else {
                    out.push(Claimed::NotOwned(name.clone()));
                }
            }
        }
    }
    for name in release {
        server::write::<Pod>(world, &name, server::Author::Other, |pod| {
            crate::sim::meta::remove_owner_reference(&mut pod.metadata, &set_uid);
            true
        });
    }
    for name in adopt {
        server::write::<Pod>(world, &name, server::Author::Other, |pod| {
            crate::sim::meta::adopt(&mut pod.metadata, identity::controller_ref(set));
            true
        });
    }
    out
}

/// A failed controller action is retried after 1 s, doubling up to 60 s.
fn requeue_with_backoff(world: &mut World, name: &str) {
    if let Some(at) = world.statefulset_queue.retry_at(name, world.now) {
        sync_at(world, name, at);
    }
}

/// Asks for a sync of `set` at `at` (availability after minReadySeconds).
pub fn sync_at(world: &mut World, set: &str, at: Millis) {
    if world.statefulset_queue.add_after(set, at) {
        world.timers.at(
            at,
            Timer::SyncStatefulSet {
                name: set.to_string(),
            },
        );
    }
}
