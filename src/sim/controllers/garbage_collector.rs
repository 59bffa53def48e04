//! The garbage collector: deletes dependents whose owners are gone (background cascade),
//! holds a foreground-deleted owner until its blocking dependents are gone, and strips
//! owner references for an orphaning delete (B-DEL-1..3, B-PAR-5).
//!
//! Within one instant it deletes dependents by ascending (natural) name: upstream deletes
//! them concurrently with no order, and scn fixes one (docs/language.md execution model).

use std::collections::BTreeSet;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil::natural_cmp;
use crate::sim::server::{self, Propagation};
use crate::sim::world::{Change, WatchEvent, World};

pub fn on_event(world: &mut World, event: &WatchEvent) -> Result<(), SimError> {
    match event.change {
        Change::Deleted => {
            collect_orphans(world, event.kind == ObjectKind::Pod);
            if let Some(owner) = &event.owner_uid {
                finish_foreground(world, owner);
            }
        }
        Change::Modified => {
            if event.kind != ObjectKind::Pod {
                start_foreground(world, &event.kind, &event.name);
            }
        }
        Change::Added => {}
    }
    Ok(())
}

/// Every object that has owner references, as (kind, name, metadata).
fn owned_objects(world: &World, claims_only: bool) -> Vec<(ObjectKind, String, ObjectMeta)> {
    let mut out = Vec::new();
    let has_owners = |m: &ObjectMeta| m.owner_references.as_ref().is_some_and(|r| !r.is_empty());
    for (name, claim) in &world.store.claims {
        if has_owners(&claim.metadata) {
            out.push((
                ObjectKind::PersistentVolumeClaim,
                name.clone(),
                claim.metadata.clone(),
            ));
        }
    }
    if claims_only {
        return out;
    }
    for (name, pod) in &world.store.pods {
        if has_owners(&pod.metadata) {
            out.push((ObjectKind::Pod, name.clone(), pod.metadata.clone()));
        }
    }
    for (name, rev) in &world.store.revisions {
        if has_owners(&rev.metadata) {
            out.push((
                ObjectKind::ControllerRevision,
                name.clone(),
                rev.metadata.clone(),
            ));
        }
    }
    for (name, slice) in &world.store.endpoint_slices {
        if has_owners(&slice.metadata) {
            out.push((
                ObjectKind::EndpointSlice,
                name.clone(),
                slice.metadata.clone(),
            ));
        }
    }
    for ((kind, name), object) in &world.store.others {
        if has_owners(&object.metadata) {
            out.push((
                ObjectKind::Other(kind.clone()),
                name.clone(),
                object.metadata.clone(),
            ));
        }
    }
    out
}

fn live_uids(world: &World) -> BTreeSet<String> {
    let mut uids = BTreeSet::new();
    uids.extend(
        world
            .store
            .statefulsets
            .values()
            .filter_map(|o| o.metadata.uid.clone()),
    );
    uids.extend(
        world
            .store
            .pods
            .values()
            .filter_map(|o| o.metadata.uid.clone()),
    );
    uids.extend(
        world
            .store
            .claims
            .values()
            .filter_map(|o| o.metadata.uid.clone()),
    );
    uids.extend(
        world
            .store
            .services
            .values()
            .filter_map(|o| o.metadata.uid.clone()),
    );
    uids.extend(
        world
            .store
            .others
            .values()
            .filter_map(|o| o.metadata.uid.clone()),
    );
    uids
}

/// Background cascade: an object all of whose owners are gone is deleted.
fn collect_orphans(world: &mut World, claims_only: bool) {
    let candidates = owned_objects(world, claims_only);
    if candidates.is_empty() {
        return;
    }
    let live = live_uids(world);
    let mut doomed: Vec<(ObjectKind, String)> = candidates
        .into_iter()
        .filter(|(_, _, meta)| meta.deletion_timestamp.is_none())
        .filter(|(_, _, meta)| {
            meta.owner_references
                .iter()
                .flatten()
                .all(|r| !live.contains(&r.uid))
        })
        .map(|(kind, name, _)| (kind, name))
        .collect();
    doomed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| natural_cmp(&a.1, &b.1)));
    for (kind, name) in doomed {
        let _ = server::delete(world, &kind, &name, Propagation::Background, false);
    }
}

fn uid_of(world: &World, kind: &ObjectKind, name: &str) -> Option<String> {
    world.store.meta(kind, name)?.uid.clone()
}

fn is_foreground_deleting(world: &World, kind: &ObjectKind, name: &str) -> bool {
    world.store.meta(kind, name).is_some_and(|m| {
        m.deletion_timestamp.is_some()
            && m.finalizers
                .iter()
                .flatten()
                .any(|f| f == "foregroundDeletion")
    })
}

fn dependents_of(world: &World, uid: &str) -> Vec<(ObjectKind, String, ObjectMeta)> {
    let mut found: Vec<_> = owned_objects(world, false)
        .into_iter()
        .filter(|(_, _, m)| m.owner_references.iter().flatten().any(|r| r.uid == uid))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| natural_cmp(&a.1, &b.1)));
    found
}

/// Foreground: delete every dependent; the owner waits (B-DEL-2).
fn start_foreground(world: &mut World, kind: &ObjectKind, name: &str) {
    if !is_foreground_deleting(world, kind, name) {
        return;
    }
    let Some(uid) = uid_of(world, kind, name) else {
        return;
    };
    let dependents = dependents_of(world, &uid);
    for (dep_kind, dep_name, meta) in &dependents {
        if meta.deletion_timestamp.is_none() {
            let _ = server::delete(world, dep_kind, dep_name, Propagation::Background, false);
        }
    }
    finish_foreground(world, &uid);
}

/// Once no blocking dependent is left, the foreground finalizer goes and the owner with it.
fn finish_foreground(world: &mut World, owner_uid: &str) {
    let owner = world
        .store
        .statefulsets
        .iter()
        .find(|(_, s)| s.metadata.uid.as_deref() == Some(owner_uid))
        .map(|(n, _)| (ObjectKind::StatefulSet, n.clone()))
        .or_else(|| {
            world
                .store
                .services
                .iter()
                .find(|(_, s)| s.metadata.uid.as_deref() == Some(owner_uid))
                .map(|(n, _)| (ObjectKind::Service, n.clone()))
        })
        .or_else(|| {
            world
                .store
                .others
                .iter()
                .find(|(_, o)| o.metadata.uid.as_deref() == Some(owner_uid))
                .map(|((k, n), _)| (ObjectKind::Other(k.clone()), n.clone()))
        });
    let Some((kind, name)) = owner else {
        return;
    };
    if !is_foreground_deleting(world, &kind, &name) {
        return;
    }
    let blocking = dependents_of(world, owner_uid)
        .into_iter()
        .any(|(_, _, m)| {
            m.owner_references
                .iter()
                .flatten()
                .any(|r| r.uid == owner_uid && r.block_owner_deletion == Some(true))
        });
    if blocking {
        return;
    }
    let Some(mut value) = world.store.to_json(&kind, &name) else {
        return;
    };
    if let Some(list) = value
        .pointer_mut("/metadata/finalizers")
        .and_then(|f| f.as_array_mut())
    {
        list.retain(|f| f != "foregroundDeletion");
    }
    let _ = server::update(world, &kind, &name, &value);
}

/// `--cascade=orphan`: dependents lose their owner reference and stay (B-DEL-3).
pub fn orphan_dependents(world: &mut World, owner_uid: &str) {
    for (kind, name, _) in dependents_of(world, owner_uid) {
        let Some(mut value) = world.store.to_json(&kind, &name) else {
            continue;
        };
        crate::sim::meta::remove_owner_reference_json(&mut value, owner_uid);
        if kind == ObjectKind::Pod {
            // Owner references are metadata: a pod update may change them.
            if let Some(pod) = world.store.pods.get_mut(&name) {
                crate::sim::meta::remove_owner_reference(&mut pod.metadata, owner_uid);
            }
            server::touch_pod(world, &name);
        } else {
            let _ = server::update(world, &kind, &name, &value);
        }
    }
}
