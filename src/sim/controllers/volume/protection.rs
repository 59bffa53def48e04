//! The pvc-protection and pv-protection controllers: a deleted claim stays while a
//! scheduled pod that names it exists; a deleted volume stays while a claim is bound to it.

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Pod};
use serde_json::Value;

use super::PVC_PROTECTION;
use crate::sim::kinds::ObjectKind;
use crate::sim::server;
use crate::sim::server::store::Stored;
use crate::sim::world::World;

/// pvc-protection's `podUsesPVC`: a scheduled pod uses a claim its claim volume names while
/// the pod object exists, finished or not; it uses its generic ephemeral volume's claim
/// only when the claim is the pod's own (`VolumeIsForPod`) and the pod is not shut down
/// (`podIsShutDown`: being deleted with a grace period of 0, so the kubelet is done with it
/// or it was force-deleted, and only finalizers keep it).
fn in_use(world: &mut World, claim: &str) -> bool {
    super::index::catch_up(world, None);
    let Some(pvc) = world.store.claims().get(claim) else {
        return false;
    };
    let index = &world.volume_controller.index;
    index.pods_using(claim).any(|name| {
        let Some(pod) = world.store.pods().get(name) else {
            return false;
        };
        let Some(spec) = pod.spec.as_ref().filter(|s| s.node_name.is_some()) else {
            return false;
        };
        spec.volumes.iter().flatten().any(|v| {
            if let Some(source) = &v.persistent_volume_claim {
                return source.claim_name == claim;
            }
            v.ephemeral.is_some()
                && !pod_is_shut_down(pod)
                && super::ephemeral_claim_name(name, &v.name) == claim
                && super::volume_is_for_pod(pod, pvc).is_ok()
        })
    })
}

/// `podIsShutDown`: deleted with a grace period of 0.
fn pod_is_shut_down(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
        && pod.metadata.deletion_grace_period_seconds == Some(0)
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

/// `NeedToAddFinalizer`, as pvc-protection and pv-protection check every claim or volume
/// they hear of: one that is not being deleted and lacks its protection finalizer (a user
/// removed it) gets it back.
pub(super) fn add_finalizer_if_missing(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    finalizer: &str,
) {
    let missing = world.store.meta(kind, name).is_some_and(|meta| {
        meta.deletion_timestamp.is_none()
            && !meta
                .finalizers
                .as_deref()
                .is_some_and(|f| f.iter().any(|f| f == finalizer))
    });
    if !missing {
        return;
    }
    let add = |meta: &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        meta.finalizers
            .get_or_insert_with(Vec::new)
            .push(finalizer.to_string());
        true
    };
    match kind {
        ObjectKind::PersistentVolumeClaim => {
            server::write::<PersistentVolumeClaim>(world, name, server::Author::Other, |c| {
                add(&mut c.metadata)
            });
        }
        ObjectKind::PersistentVolume => {
            server::write::<PersistentVolume>(world, name, server::Author::Other, |v| {
                add(&mut v.metadata)
            });
        }
        _ => {}
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
