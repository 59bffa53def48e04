//! The pvc-protection and pv-protection controllers: a deleted claim stays while a
//! scheduled, unfinished pod uses it; a deleted volume stays while a claim is bound to it.

use serde_json::Value;

use super::{claims_of, quietly, PVC_PROTECTION};
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil;
use crate::sim::server;
use crate::sim::world::World;

/// A scheduled pod that has not finished uses its claims (pvc-protection).
fn in_use(world: &World, claim: &str) -> bool {
    world.store.pods.values().any(|pod| {
        let scheduled = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_ref())
            .is_some();
        scheduled
            && !podutil::is_failed(pod)
            && !podutil::is_succeeded(pod)
            && claims_of(pod).iter().any(|c| c == claim)
    })
}

pub(super) fn release_unused_claims(world: &mut World) {
    if world.store.claims.is_empty() {
        return;
    }
    let deleting: Vec<String> = world
        .store
        .claims
        .iter()
        .filter(|(_, c)| c.metadata.deletion_timestamp.is_some())
        .map(|(n, _)| n.clone())
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
        let _ = quietly(world, |world| server::update(world, kind, name, &value));
    }
}
