//! How the cluster's components write objects: through these verbs only (the store's
//! mutating methods are private to `sim::server`). Each write takes a new resourceVersion
//! and is announced on the watch stream, as a write through kube-apiserver reaches every
//! informer.
//!
//! A deletion's event carries the object's last state (the store no longer has it). An
//! addition's or update's event carries the key only: its handlers read the store, which
//! holds the newest state, as upstream's workers read their informer's lister after the
//! queue coalesced the updates. Keeping every version alive in the queue would make each
//! write of a pod that still has an event in flight copy the whole pod (copy on write).

use std::sync::Arc;

use crate::sim::kinds::ObjectKind;
use crate::sim::world::{Change, WatchEvent, World};

use super::store::{GenericObject, Object, Stored};

/// Who wrote, as the watchers tell writes apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Author {
    /// A user or another component: every watcher reacts, the owner's controller included.
    Other,
    /// The object's own controller, during its sync (its status subresource, its
    /// ControllerRevisions): the watchers hear it, and the controller owes itself no sync
    /// for it (the sync that wrote it already acted on everything it could see).
    Owner,
}

/// Announces a change on the watch stream. `object` is the object's state after it (for a
/// deletion, its last state); the event keeps it only for a deletion.
pub(super) fn announce(
    world: &mut World,
    kind: ObjectKind,
    name: &str,
    change: Change,
    author: Author,
    object: Option<Object>,
) {
    if author == Author::Other && world.trace.is_some() {
        crate::sim::trace::on_notify(world, &kind, name, &change, object.as_ref());
    }
    let owner_uid = object.as_ref().and_then(|o| {
        o.meta()
            .owner_references
            .as_ref()?
            .iter()
            .find(|r| r.controller == Some(true))
            .map(|r| r.uid.clone())
    });
    let object = if change == Change::Deleted {
        object
    } else {
        None
    };
    world.store.watch.push_back(WatchEvent {
        kind,
        name: name.to_string(),
        change,
        owner_uid,
        status_only: author == Author::Owner,
        object,
    });
}

/// Changes a stored object in place. `change` returns whether it changed anything; only
/// then does the object take a new resourceVersion (returned) and the watchers hear of it.
pub fn write<T: Stored>(
    world: &mut World,
    name: &str,
    author: Author,
    change: impl FnOnce(&mut T) -> bool,
) -> Option<String> {
    // The version is taken only when `change` changed something (the counter is part of
    // what a run prints), so it is peeked first and taken after.
    let next = world.store.peek_resource_version();
    let shared = T::map_mut(&mut world.store).modify(name, change, |object| {
        object.metadata_mut().resource_version = Some(next);
    })?;
    let rv = world.store.new_resource_version();
    let shared = Some(T::shared(shared));
    announce(
        world,
        T::OBJECT_KIND,
        name,
        Change::Modified,
        author,
        shared,
    );
    Some(rv)
}

/// Changes a stored object of a kind kept as written (its body is kept in step with its
/// metadata). Returns the new resourceVersion when `change` changed something.
pub fn write_other(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    author: Author,
    change: impl FnOnce(&mut GenericObject) -> bool,
) -> Option<String> {
    let key = (kind.name().to_string(), name.to_string());
    let object = world.store.others.get_mut(&key)?;
    if !change(object) {
        return None;
    }
    let rv = world.store.new_resource_version();
    let object = world.store.others.get_mut(&key)?;
    object.metadata.resource_version = Some(rv.clone());
    object.body["metadata"] =
        serde_json::to_value(&object.metadata).unwrap_or(serde_json::Value::Null);
    let shared = world.store.others.get_shared(&key).map(Object::Other);
    announce(world, kind.clone(), name, Change::Modified, author, shared);
    Some(rv)
}

/// Stores a new object a component made (its metadata complete but for the
/// resourceVersion, which it gets here) and announces it. Returns the resourceVersion.
pub fn add<T: Stored>(world: &mut World, mut object: T, author: Author) -> String {
    let rv = world.store.new_resource_version();
    object.metadata_mut().resource_version = Some(rv.clone());
    let name = object.metadata().name.clone().unwrap_or_default();
    let shared = Arc::new(object);
    T::map_mut(&mut world.store).insert_shared(name.clone(), Arc::clone(&shared));
    announce(
        world,
        T::OBJECT_KIND,
        &name,
        Change::Added,
        author,
        Some(T::shared(shared)),
    );
    rv
}

/// Stores a new object of a kind kept as written (its `kind` and complete metadata in
/// `body`, but for the resourceVersion, which it gets here) and announces it. `None` when
/// the body names no kind or name.
pub fn add_other(world: &mut World, mut body: serde_json::Value, author: Author) -> Option<String> {
    let kind = body.get("kind")?.as_str()?.to_string();
    let rv = world.store.new_resource_version();
    body["metadata"]["resourceVersion"] = serde_json::Value::String(rv.clone());
    let metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta =
        serde_json::from_value(body["metadata"].clone()).ok()?;
    let name = metadata.name.clone()?;
    let key = (kind.clone(), name.clone());
    world
        .store
        .others
        .insert(key.clone(), GenericObject { metadata, body });
    let shared = world.store.others.get_shared(&key).map(Object::Other);
    announce(
        world,
        ObjectKind::from_kind(&kind),
        &name,
        Change::Added,
        author,
        shared,
    );
    Some(rv)
}

/// Removes a stored object (its deletion is complete) and announces it with its last
/// state, which it returns.
pub fn remove_object<T: Stored>(world: &mut World, name: &str, author: Author) -> Option<Arc<T>> {
    let old = T::map_mut(&mut world.store).remove(name)?;
    announce(
        world,
        T::OBJECT_KIND,
        name,
        Change::Deleted,
        author,
        Some(T::shared(Arc::clone(&old))),
    );
    Some(old)
}

/// Announces a change of a stored object (added or modified), carrying its state now.
pub(super) fn announce_stored(world: &mut World, kind: &ObjectKind, name: &str, change: Change) {
    let object = world.store.shared(kind, name);
    announce(world, kind.clone(), name, change, Author::Other, object);
}
