//! The garbage collector: deletes dependents whose owners are gone (background cascade),
//! holds a foreground-deleted owner until its blocking dependents are gone, strips owner
//! references for an orphaning delete, and keeps a dependent that still has a live owner,
//! stripping its references to the gone ones (B-DEL-1..3, B-DEL-5, B-PAR-5). A pod is an
//! owner like any other object (B-DEL-6), and a foreground-deleted owner waits for every
//! blocking dependent, controller or not (B-DEL-7). It acts on watch events
//! only: a foreground or orphaning delete reaches it as the owner's update that adds the
//! `foregroundDeletion` or `orphan` finalizer, as upstream's API server sets them.
//!
//! Within one instant it deletes dependents by ascending name (byte order, so `web-10`
//! before `web-2`): upstream deletes them concurrently with no order, and scn fixes one
//! (docs/language.md execution model).
//!
//! As upstream's `GraphBuilder`, it keeps its own graph from watch events: the UID of every
//! object that can own, and the dependents of every owner UID. An event costs the object it
//! names; a deletion costs the dependents of what went away. The graph is brought up to
//! date with every queued event before it is read (`informer::WatchCursor`), so it answers
//! as a scan of the store would.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use super::informer::{FastMap, FastSet, WatchCursor};
use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::store::Store;
use crate::sim::server::{
    self, Propagation, FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS,
};
use crate::sim::world::{Change, WatchEvent, World};

type Key = (ObjectKind, String);

/// Per kind, then per name (found by `&str`, no key built to look one up). Only looked up,
/// never walked, so a hash map keeps it.
type ByKey<V> = FastMap<ObjectKind, FastMap<String, V>>;

/// Objects by kind, then name. Walked only to be sorted (`collect_orphans`).
type Candidates = FastMap<ObjectKind, FastSet<String>>;

fn get<'a, V>(map: &'a ByKey<V>, kind: &ObjectKind, name: &str) -> Option<&'a V> {
    map.get(kind)?.get(name)
}

fn take<V>(map: &mut ByKey<V>, kind: &ObjectKind, name: &str) -> Option<V> {
    map.get_mut(kind)?.remove(name)
}

/// The garbage collector's graph of owners and dependents.
#[derive(Debug, Default)]
pub struct GarbageCollector {
    cursor: WatchCursor,
    /// The UID of every object, and the other way round.
    uids: ByKey<String>,
    objects: FastMap<String, Key>,
    /// The owner UIDs of every object that has owner references, and the dependents of
    /// every owner UID.
    owners: ByKey<Owned>,
    dependents: FastMap<String, FastSet<Key>>,
    /// Objects that may have lost all their owners since the last deletion was handled:
    /// claims first (a pod's claims, B-RET), then the others.
    orphan_claims: Candidates,
    orphans: Candidates,
    /// Owners that may have lost their last blocking dependent: those of an object that went
    /// or that dropped (or stopped blocking with) its reference to them. Upstream's
    /// `processGraphChanges` queues such an owner when it is deleting dependents, whatever
    /// the reference (controller or not), and `addUnblockedOwnersToDeleteQueue` on an
    /// update; `attemptToDeleteItem` then removes its `foregroundDeletion` finalizer once no
    /// blocking dependent is left.
    released: Vec<String>,
    /// Cluster-scoped objects that named an existing namespaced owner, with the reference,
    /// to be told in a Warning `OwnerRefInvalidNamespace` (`reportInvalidNamespaceOwnerRef`).
    invalid_namespace: Vec<(Key, OwnerReference)>,
}

/// The owner UIDs of an object, and whether it may have lost them all: set when it was
/// an orphan the last time it was looked at, or when one of its owners went since. Only
/// then can looking at it again, with the same owner references, find an orphan: owners
/// do not come back, and a deletion timestamp does not go.
#[derive(Debug, Default)]
struct Owned {
    uids: Vec<(String, bool)>,
    maybe_orphan: bool,
}

/// An object's owner references by what became of their owners (`classify`): whether one
/// is solid, and the UIDs of the dangling and of the waiting ones.
#[derive(Debug, Default)]
struct Classified {
    solid: bool,
    dangling: Vec<String>,
    waiting: Vec<String>,
}

impl GarbageCollector {
    /// Looks at one object as the store holds it now. What did not change costs lookups
    /// only.
    fn observe(&mut self, store: &Store, kind: &ObjectKind, name: &str) {
        let meta = store.meta(kind, name);
        // Every kind can own and be owned, as upstream's collector watches every deletable
        // resource (`GetDeletableResources`).
        {
            let now = meta.and_then(|m| m.uid.as_deref());
            let before = get(&self.uids, kind, name);
            if before.map(String::as_str) != now {
                if let Some(gone) = take(&mut self.uids, kind, name) {
                    self.objects.remove(&gone);
                    // Its dependents may have no owner left.
                    let dependents: Vec<Key> = self
                        .dependents
                        .get(&gone)
                        .into_iter()
                        .flatten()
                        .cloned()
                        .collect();
                    for (kind, name) in dependents {
                        if let Some(owned) =
                            self.owners.get_mut(&kind).and_then(|m| m.get_mut(&name))
                        {
                            owned.maybe_orphan = true;
                        }
                        self.candidates(&kind).entry(kind).or_default().insert(name);
                    }
                }
                if let Some(uid) = now {
                    self.uids
                        .entry(kind.clone())
                        .or_default()
                        .insert(name.to_string(), uid.to_string());
                    self.objects
                        .insert(uid.to_string(), (kind.clone(), name.to_string()));
                }
            }
        }
        {
            let refs = meta
                .into_iter()
                .flat_map(|m| m.owner_references.iter().flatten())
                .map(|r| (r.uid.as_str(), r.block_owner_deletion == Some(true)));
            let before = get(&self.owners, kind, name);
            let same = before
                .map(|o| o.uids.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|(uid, blocks)| (uid.as_str(), *blocks))
                .eq(refs.clone());
            if same && !before.is_some_and(|o| o.maybe_orphan) {
                // Not an orphan when last looked at, and no owner went since: still none
                // (the usual event, a change of the object's status or spec).
                return;
            }
            if !same {
                let key = (kind.clone(), name.to_string());
                let refs: Vec<(String, bool)> = refs
                    .map(|(uid, blocks)| (uid.to_string(), blocks))
                    .collect();
                let old = take(&mut self.owners, kind, name).unwrap_or_default();
                if !kind.namespaced() {
                    let added = meta
                        .into_iter()
                        .flat_map(|m| m.owner_references.iter().flatten())
                        .filter(|r| !old.uids.iter().any(|(uid, _)| *uid == r.uid));
                    self.check_namespaces(kind, name, added);
                }
                for (uid, blocks) in old.uids {
                    if !refs.contains(&(uid.clone(), blocks)) {
                        self.released.push(uid.clone());
                    }
                    if refs.iter().any(|(u, _)| *u == uid) {
                        continue;
                    }
                    if let Some(set) = self.dependents.get_mut(&uid) {
                        set.remove(&key);
                        if set.is_empty() {
                            self.dependents.remove(&uid);
                        }
                    }
                }
                for (uid, _) in &refs {
                    self.dependents
                        .entry(uid.clone())
                        .or_default()
                        .insert(key.clone());
                }
                if !refs.is_empty() {
                    self.owners.entry(kind.clone()).or_default().insert(
                        name.to_string(),
                        Owned {
                            uids: refs,
                            maybe_orphan: false,
                        },
                    );
                }
            }
            // An object one of whose owners is gone already is looked at once this event is
            // handled (`collect_dangling`), or at the deletion being handled: upstream's
            // graph builder enqueues it once it has verified that owner absent.
            let orphan = meta.is_some_and(|m| {
                m.deletion_timestamp.is_none()
                    && self
                        .classify(
                            store,
                            kind,
                            m.owner_references.as_deref().unwrap_or_default(),
                        )
                        .is_some_and(|c| !c.dangling.is_empty())
            });
            if let Some(owned) = self.owners.get_mut(kind).and_then(|m| m.get_mut(name)) {
                owned.maybe_orphan = orphan;
            }
            let candidates = self.candidates(kind);
            if orphan {
                candidates
                    .entry(kind.clone())
                    .or_default()
                    .insert(name.to_string());
            } else if let Some(names) = candidates.get_mut(kind) {
                names.remove(name);
            }
        }
    }

    /// Upstream's `addDependentToOwners` for the references a cluster-scoped dependent
    /// gained: the first that names a live namespaced object (by UID) is reported
    /// (`OwnerRefInvalidNamespace`); a reference to an absent owner is passed over, and one
    /// whose coordinates differ from the object with its UID ends the check unreported.
    fn check_namespaces<'a>(
        &mut self,
        kind: &ObjectKind,
        name: &str,
        added: impl Iterator<Item = &'a OwnerReference>,
    ) {
        for r in added {
            let Some((owner_kind, owner_name)) = self.objects.get(&r.uid) else {
                continue;
            };
            if owner_kind.namespaced() {
                self.invalid_namespace
                    .push(((kind.clone(), name.to_string()), r.clone()));
                return;
            }
            let api_version = owner_kind.info().map(|i| i.api_version);
            if *owner_name != r.name
                || owner_kind.name() != r.kind
                || api_version.is_some_and(|v| v != r.api_version)
            {
                return;
            }
        }
    }

    fn candidates(&mut self, kind: &ObjectKind) -> &mut Candidates {
        if *kind == ObjectKind::PersistentVolumeClaim {
            &mut self.orphan_claims
        } else {
            &mut self.orphans
        }
    }

    /// The live owner a reference of a `dependent` names: the object of that kind and name
    /// with that UID, or the object with that UID. `Err` when the reference cannot be
    /// checked: a kind the API server does not serve (`apiVersion` and `kind` not in its
    /// REST mapping, say a custom resource whose definition is not installed), whose
    /// absence upstream's collector cannot verify (`isDangling` fails and is retried), or a
    /// namespaced owner of a cluster-scoped dependent, a reference upstream's collector
    /// cannot resolve (`namespacedOwnerOfClusterScopedObjectErr`). Either way upstream's
    /// `attemptToDeleteItem` does nothing to the dependent.
    fn resolve(
        &self,
        store: &Store,
        dependent: &ObjectKind,
        r: &OwnerReference,
    ) -> Result<Option<Key>, ()> {
        let has_uid = |kind: &ObjectKind, name: &str| {
            store.meta(kind, name).and_then(|m| m.uid.as_deref()) == Some(&r.uid)
        };
        let owner_kind = ObjectKind::from_kind(&r.kind);
        if has_uid(&owner_kind, &r.name) {
            return Ok(Some((owner_kind, r.name.clone())));
        }
        if let Some((kind, name)) = self.objects.get(&r.uid) {
            if has_uid(kind, name) {
                return Ok(Some((kind.clone(), name.clone())));
            }
        }
        if crate::sim::api::kinds::lookup(&r.api_version, &r.kind).is_err()
            || (!dependent.namespaced() && owner_kind.namespaced())
        {
            return Err(());
        }
        Ok(None)
    }

    /// Upstream's `classifyReferences`: each owner reference is solid (the owner exists and
    /// is not being deleted in the foreground), dangling (no owner with that UID), or
    /// waiting (the owner is being deleted with the `foregroundDeletion` finalizer). `None`
    /// when one reference cannot be checked (`resolve`).
    fn classify(
        &self,
        store: &Store,
        dependent: &ObjectKind,
        refs: &[OwnerReference],
    ) -> Option<Classified> {
        let mut classified = Classified::default();
        for r in refs {
            match self.resolve(store, dependent, r).ok()? {
                None => classified.dangling.push(r.uid.clone()),
                Some((kind, name)) if is_foreground_deleting(store, &kind, &name) => {
                    classified.waiting.push(r.uid.clone())
                }
                Some(_) => classified.solid = true,
            }
        }
        Some(classified)
    }

    /// The live object with this UID (any kind can be deleted in the foreground).
    fn owner(&self, store: &Store, uid: &str) -> Option<Key> {
        let (kind, name) = self.objects.get(uid)?;
        let live = store.meta(kind, name).and_then(|m| m.uid.as_deref()) == Some(uid);
        live.then(|| (kind.clone(), name.clone()))
    }
}

/// Brings the graph up to date: the event being dispatched (unless it was seen queued),
/// then every queued event not looked at yet. The collector reads its graph only in its
/// own handler.
fn catch_up(world: &mut World, event: &WatchEvent) {
    let gc = &mut world.garbage_collector;
    // An event seen while it was queued need not be looked at again (`WatchCursor`).
    if !gc.cursor.dispatched() {
        gc.observe(&world.store, &event.kind, &event.name);
    }
    for e in gc.cursor.unseen(world.store.pending_watch_events(), false) {
        gc.observe(&world.store, &e.kind, &e.name);
    }
}

pub fn on_event(world: &mut World, event: &WatchEvent) -> Result<(), SimError> {
    catch_up(world, event);
    report_invalid_namespaces(world);
    // A pod is an owner like any other object (B-DEL-6): its deletion collects its
    // dependents, and a foreground or orphaning delete of it is acted on.
    match event.change {
        Change::Deleted => collect_orphans(world),
        Change::Modified => {
            start_foreground(world, &event.kind, &event.name);
            orphan_dependents(world, &event.kind, &event.name);
            collect_dangling(world);
        }
        Change::Added => collect_dangling(world),
    }
    finish_released(world);
    Ok(())
}

/// A cluster-scoped dependent of a namespaced owner is told so, as upstream's graph
/// builder does when it finds the owner observed in another namespace
/// (`reportInvalidNamespaceOwnerRef`: `ownerRef [v1/Pod, namespace: , name: p, uid: …]
/// does not exist in namespace ""`). The dependent stays: `isDangling` cannot resolve
/// such a reference (`resolve`).
fn report_invalid_namespaces(world: &mut World) {
    if world.garbage_collector.invalid_namespace.is_empty() {
        return;
    }
    let reports = std::mem::take(&mut world.garbage_collector.invalid_namespace);
    for ((kind, name), r) in reports {
        let message = format!(
            "ownerRef [{}/{}, namespace: , name: {}, uid: {}] does not exist in namespace \"\"",
            r.api_version, r.kind, r.name, r.uid
        );
        crate::sim::events::record(
            world,
            crate::sim::events::Recorder::GARBAGE_COLLECTOR,
            kind,
            &name,
            "Warning",
            "OwnerRefInvalidNamespace",
            message,
        );
    }
}

/// Every owner that may have lost its last blocking dependent is looked at
/// (`finish_foreground`), in the order the graph saw them go (B-DEL-7).
fn finish_released(world: &mut World) {
    if world.garbage_collector.released.is_empty() {
        return;
    }
    let released = std::mem::take(&mut world.garbage_collector.released);
    for owner in &released {
        finish_foreground(world, owner);
    }
}

/// An object that names only owners that do not exist (or not with that UID) is deleted
/// as soon as the collector sees it, as upstream's `attemptToDeleteItem` does once it has
/// verified that each owner of the "virtual" node it made for them is absent. Nothing to
/// do on the usual event: candidates are recorded only when such an object is observed.
fn collect_dangling(world: &mut World) {
    let gc = &world.garbage_collector;
    if gc.orphans.is_empty() && gc.orphan_claims.is_empty() {
        return;
    }
    collect_orphans(world);
}

/// Every object one of whose owners went is looked at (`attempt_to_delete`), by kind and
/// name.
fn collect_orphans(world: &mut World) {
    let gc = &mut world.garbage_collector;
    let mut candidates: Vec<Key> = Vec::new();
    let mut take = |set: &mut Candidates| {
        for (kind, names) in set.drain() {
            candidates.extend(names.into_iter().map(|name| (kind.clone(), name)));
        }
    };
    take(&mut gc.orphan_claims);
    take(&mut gc.orphans);
    if candidates.is_empty() {
        return;
    }
    candidates.sort();
    for (kind, name) in candidates {
        attempt_to_delete(world, &kind, &name);
    }
}

/// Upstream's `attemptToDeleteItem` for an object not being deleted. With a solid owner
/// the object stays, and its references to dangling and waiting owners are removed in one
/// patch (a waiting owner may then go). With none, it is deleted: in the foreground when an
/// owner waits for it and it has dependents itself (a Deployment's ReplicaSet, so the owner
/// waits for the whole tree; when one of those dependents is itself being deleted in the
/// foreground its references stop blocking first, as upstream breaks a cycle), else with
/// the policy its own finalizers ask (`orphan`, `foregroundDeletion`), else in the
/// background. Nothing is done when a reference cannot be checked.
fn attempt_to_delete(world: &mut World, kind: &ObjectKind, name: &str) {
    let Some(meta) = world.store.meta(kind, name) else {
        return;
    };
    if meta.deletion_timestamp.is_some() {
        return;
    }
    let refs = meta.owner_references.as_deref().unwrap_or_default();
    if refs.is_empty() {
        return;
    }
    let Some(classified) = world.garbage_collector.classify(&world.store, kind, refs) else {
        return;
    };
    let finalizers = meta.finalizers.clone().unwrap_or_default();
    let uid = meta.uid.clone();
    if classified.solid {
        if classified.dangling.is_empty() && classified.waiting.is_empty() {
            return;
        }
        let gone: Vec<&String> = classified
            .dangling
            .iter()
            .chain(&classified.waiting)
            .collect();
        patch_owner_references(world, kind, name, |refs| {
            refs.retain(|r| !gone.contains(&&r.uid))
        });
        for owner in &classified.waiting {
            finish_foreground(world, owner);
        }
        return;
    }
    let dependents = uid
        .as_deref()
        .map(|uid| dependents_of(world, uid))
        .unwrap_or_default();
    let propagation = if !classified.waiting.is_empty() && !dependents.is_empty() {
        let cycle = dependents
            .iter()
            .any(|((kind, name), _, _)| is_foreground_deleting(&world.store, kind, name));
        if cycle {
            patch_owner_references(world, kind, name, |refs| {
                for r in refs.iter_mut() {
                    if r.block_owner_deletion == Some(true) {
                        r.block_owner_deletion = Some(false);
                    }
                }
            });
        }
        Propagation::Foreground
    } else if finalizers.iter().any(|f| f == FINALIZER_ORPHAN_DEPENDENTS) {
        Propagation::Orphan
    } else if finalizers.iter().any(|f| f == FINALIZER_DELETE_DEPENDENTS) {
        Propagation::Foreground
    } else {
        Propagation::Background
    };
    let _ = server::delete(world, kind, name, propagation, false);
}

/// Changes an object's owner references as the collector's patch does (an empty list goes).
fn patch_owner_references(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    change: impl Fn(&mut Vec<OwnerReference>),
) {
    let apply = |meta: &mut ObjectMeta| {
        let before = meta.owner_references.clone();
        let mut refs = meta.owner_references.take().unwrap_or_default();
        change(&mut refs);
        meta.owner_references = (!refs.is_empty()).then_some(refs);
        meta.owner_references != before
    };
    if *kind == ObjectKind::Pod {
        // Owner references are metadata: a pod update may change them.
        server::write::<k8s_openapi::api::core::v1::Pod>(
            world,
            name,
            server::Author::Other,
            |pod| apply(&mut pod.metadata),
        );
        return;
    }
    let Some(mut value) = world.store.to_json(kind, name) else {
        return;
    };
    let Some(mut meta) = value
        .get("metadata")
        .and_then(|m| serde_json::from_value::<ObjectMeta>(m.clone()).ok())
    else {
        return;
    };
    if !apply(&mut meta) {
        return;
    }
    let Some(object) = value.get_mut("metadata").and_then(|m| m.as_object_mut()) else {
        return;
    };
    match meta.owner_references.map(serde_json::to_value).transpose() {
        Ok(Some(refs)) => {
            object.insert("ownerReferences".to_string(), refs);
        }
        Ok(None) => {
            object.remove("ownerReferences");
        }
        Err(_) => return,
    }
    let _ = server::update(world, kind, name, &value);
}

fn uid_of(world: &World, kind: &ObjectKind, name: &str) -> Option<String> {
    world.store.meta(kind, name)?.uid.clone()
}

fn is_foreground_deleting(store: &Store, kind: &ObjectKind, name: &str) -> bool {
    store.meta(kind, name).is_some_and(|m| {
        m.deletion_timestamp.is_some()
            && m.finalizers
                .iter()
                .flatten()
                .any(|f| f == FINALIZER_DELETE_DEPENDENTS)
    })
}

/// The objects that name `uid` as an owner, by kind and name, each with its
/// reference to that owner.
fn dependents_of(world: &World, uid: &str) -> Vec<(Key, OwnerReference, bool)> {
    let gc = &world.garbage_collector;
    let mut found: Vec<(Key, OwnerReference, bool)> = gc
        .dependents
        .get(uid)
        .into_iter()
        .flatten()
        .filter_map(|(kind, name)| {
            let meta = world.store.meta(kind, name)?;
            let r = meta
                .owner_references
                .iter()
                .flatten()
                .find(|r| r.uid == uid)?;
            Some((
                (kind.clone(), name.clone()),
                r.clone(),
                meta.deletion_timestamp.is_some(),
            ))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// Foreground: every dependent is looked at (`attempt_to_delete`: deleted unless another
/// owner keeps it); the owner waits (B-DEL-2, B-DEL-5).
fn start_foreground(world: &mut World, kind: &ObjectKind, name: &str) {
    if !is_foreground_deleting(&world.store, kind, name) {
        return;
    }
    let Some(uid) = uid_of(world, kind, name) else {
        return;
    };
    let dependents = dependents_of(world, &uid);
    for ((dep_kind, dep_name), _, deleting) in &dependents {
        if !deleting {
            attempt_to_delete(world, dep_kind, dep_name);
        }
    }
    finish_foreground(world, &uid);
}

/// Once no blocking dependent is left, the foreground finalizer goes and the owner with it.
fn finish_foreground(world: &mut World, owner_uid: &str) {
    let Some((kind, name)) = world.garbage_collector.owner(&world.store, owner_uid) else {
        return;
    };
    if !is_foreground_deleting(&world.store, &kind, &name) {
        return;
    }
    // Upstream's `blockingDependents`: dependents whose reference to this owner blocks.
    let gc = &world.garbage_collector;
    let blocking = gc
        .dependents
        .get(owner_uid)
        .into_iter()
        .flatten()
        .any(|(kind, name)| {
            world.store.meta(kind, name).is_some_and(|m| {
                m.owner_references
                    .iter()
                    .flatten()
                    .any(|r| r.uid == owner_uid && r.block_owner_deletion == Some(true))
            })
        });
    if blocking {
        return;
    }
    let Some(mut value) = world.store.to_json(&kind, &name) else {
        return;
    };
    remove_finalizer(&mut value, FINALIZER_DELETE_DEPENDENTS);
    let _ = server::update(world, &kind, &name, &value);
}

/// `--cascade=orphan` (B-DEL-3): the API server marked the owner deleted with the `orphan`
/// finalizer; its dependents lose their owner reference and stay, then the finalizer goes
/// and the owner with it (upstream's `attemptToOrphanWorker`: `orphanDependents`, then
/// `removeFinalizer`).
fn orphan_dependents(world: &mut World, kind: &ObjectKind, name: &str) {
    let waiting = world.store.meta(kind, name).is_some_and(|m| {
        m.deletion_timestamp.is_some()
            && m.finalizers
                .iter()
                .flatten()
                .any(|f| f == FINALIZER_ORPHAN_DEPENDENTS)
    });
    if !waiting {
        return;
    }
    let Some(owner_uid) = uid_of(world, kind, name) else {
        return;
    };
    for ((dep_kind, dep_name), _, _) in dependents_of(world, &owner_uid) {
        patch_owner_references(world, &dep_kind, &dep_name, |refs| {
            refs.retain(|r| r.uid != owner_uid)
        });
    }
    let Some(mut value) = world.store.to_json(kind, name) else {
        return;
    };
    remove_finalizer(&mut value, FINALIZER_ORPHAN_DEPENDENTS);
    let _ = server::update(world, kind, name, &value);
}

/// Upstream's `removeFinalizer`: the list without `finalizer`; an empty list is no list
/// (`finalizers` is `omitempty`).
fn remove_finalizer(value: &mut serde_json::Value, finalizer: &str) {
    let Some(meta) = value.get_mut("metadata").and_then(|m| m.as_object_mut()) else {
        return;
    };
    let empty = match meta.get_mut("finalizers").and_then(|f| f.as_array_mut()) {
        Some(list) => {
            list.retain(|f| f != finalizer);
            list.is_empty()
        }
        None => false,
    };
    if empty {
        meta.remove("finalizers");
    }
}
