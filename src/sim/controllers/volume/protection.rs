//! The pvc-protection and pv-protection controllers: a deleted claim stays while a
//! scheduled pod that names it exists; a deleted volume stays while a claim is bound to it.

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use serde_json::Value;

use super::{claims_of, PVC_PROTECTION};
use crate::sim::kinds::ObjectKind;
use crate::sim::server;
use crate::sim::server::store::Stored;
use crate::sim::world::World;

/// A scheduled pod uses its claims while the pod object exists, finished or not
/// (pvc-protection's `podUsesPVC`).
fn in_use(world: &mut World, claim: &str) -> bool {
    super::index::catch_up(world, None);
    let index = &world.volume_controller.index;
    index.pods_using(claim).any(|name| {
        let Some(pod) = world.store.pods().get(name) else {
            return false;
        };
        let scheduled = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_ref())
            .is_some();
        scheduled && claims_of(pod).iter().any(|c| c == claim)
    })
}

pub(super) fn release_unused_claims(world: &mut World) {
    // Only the claims of the pods seen since the last look can have lost their last user.
    let to_check = world.volume_controller.index.take_to_check();
    if world.store.claims().is_empty() {
        return;
    }
    let deleting: Vec<String> = to_check
        .into_iter()
        .filter(|c| {
            world
                .store
                .claims()
                .get(c)
                .is_some_and(|c| c.metadata.deletion_timestamp.is_some())
        })
        .collect();
    for name in deleting {
        release_if_unused(world, &name);
    }
}

/// pvc-protection: a deleted claim no pod uses loses its finalizer, and so goes.
pub(super) fn release_if_unused(world: &mut World, name: &str) {
    if !in_use(world, name) {
        remove_finalizer(
            world,
            &ObjectKind::PersistentVolumeClaim,
            name,
            PVC_PROTECTION,
        );
    }
}

pub(super) fn remove_finalizer(world: &mut World, kind: &ObjectKind, name: &str, finalizer: &str) {
    let released = match kind {
        ObjectKind::PersistentVolumeClaim => {
            release::<PersistentVolumeClaim>(world, name, finalizer)
        }
        ObjectKind::PersistentVolume => release::<PersistentVolume>(world, name, finalizer),
        _ => false,
    };
    if !released {
        update_without_finalizer(world, kind, name, finalizer);
    }
}

/// The usual case, without a JSON round trip: the object is being deleted and this is its
/// last finalizer, so the update that removes it is followed by the object's removal (as
/// the API server does after an update). Says whether it was that case.
fn release<T: Stored>(world: &mut World, name: &str, finalizer: &str) -> bool {
    let last = T::map(&world.store).get(name).is_some_and(|object| {
        let meta = object.metadata();
        meta.deletion_timestamp.is_some()
            && meta
                .finalizers
                .as_deref()
                .is_some_and(|f| !f.is_empty() && f.iter().all(|f| f == finalizer))
    });
    if !last {
        return false;
    }
    server::write::<T>(world, name, server::Author::Other, |object| {
        if let Some(list) = object.metadata_mut().finalizers.as_mut() {
            list.clear();
        }
        true
    });
    server::remove(world, &T::OBJECT_KIND, name);
    true
}

/// An update of the object as JSON, without the finalizer.
fn update_without_finalizer(world: &mut World, kind: &ObjectKind, name: &str, finalizer: &str) {
    let Some(mut value) = world.store.to_json(kind, name) else {
        return;
    };
    let Some(list) = value
        .pointer_mut("/metadata/finalizers")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    let before = list.len();
    list.retain(|f| f != finalizer);
    if list.len() != before {
        let _ = server::update(world, kind, name, &value);
    }
}
