//! The PersistentVolume controller, a dynamic provisioner and the pvc-/pv-protection
//! controllers (BEHAVIORS §1.16, B-PV-1..4), as kube-controller-manager and an external
//! provisioner (kind's local-path) do it:
//!
//! - a Pending claim binds to an Available volume that fits, else a class with
//!   `volumeBindingMode: Immediate` provisions `pvc-<claim uid>` at once; with
//!   `WaitForFirstConsumer` the scheduler picks the node first, and binds a volume that
//!   fits that node or has the class provision there (`prebind`);
//! - a deleted claim stays while a scheduled pod that names it exists; a volume whose
//!   claim is gone is Released, then deleted (or Failed) when its reclaim policy is Delete,
//!   scrubbed and Available again when it is Recycle;
//! - a Bound claim that asks for more storage waits for an external resizer.
//!
//! Split as upstream's rooms: `persistentvolume.rs` is the PV controller's binding and
//! reclaim (`pkg/controller/volume/persistentvolume`), `plugins.rs` its in-tree volume
//! plugins, `matching.rs` which volume fits a claim (shared with the scheduler),
//! `provisioner.rs` the dynamic provisioner, `storageclass.rs` which class is the default
//! (`pkg/volume/util/storageclass.go`), `expand.rs` the expand controller
//! (`pkg/controller/volume/expand`), `protection.rs` the pvc-/pv-protection finalizers
//! (`pkg/controller/volume/pvcprotection`, `pvprotection`); the scheduler's side is
//! `scheduler/plugins/volume_binding.rs`.

mod ephemeral;
mod expand;
mod index;
mod matching;
mod persistentvolume;
mod plugins;
mod protection;
mod provisioner;
mod storageclass;

use crate::sim::controllers::informer::{FastMap, FastSet};
use crate::sim::events::Recorder;
use crate::sim::uid::Uid;
use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;

use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::store::Object;
use crate::sim::world::{Change, WatchEvent, World};

pub(crate) use matching::{find_matching_volume, node_affinity_admits, request_of, Search, Wants};
pub(crate) use persistentvolume::{bind as bind_volume, sync_claim};
use persistentvolume::{
    owe_sync_classless, owe_sync_pending_claims, sync_claims_of_class, sync_volume, volume_changed,
};
pub(crate) use persistentvolume::{recycle, resync};
use protection::release_unused_claims;
pub(crate) use storageclass::default_class;

pub const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";
pub const PV_PROTECTION: &str = "kubernetes.io/pv-protection";
/// The scheduler's choice for a WaitForFirstConsumer claim.
pub const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
pub const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";
/// The provisioner that made a volume (`pv.kubernetes.io/provisioned-by`).
const PROVISIONED_BY: &str = "pv.kubernetes.io/provisioned-by";

#[derive(Debug, Default)]
pub struct VolumeController {
    /// (claim UID, reason by its number in `reasons`) already recorded: upstream repeats
    /// these events on every resync, kubectl folds the repeats into one line with a count,
    /// so scn records one. Only looked up, never walked.
    told: FastSet<(Uid, u32)>,
    /// The reasons `told` names, each once.
    reasons: Vec<&'static str>,
    /// The controllers' view of pods, claims and volumes (`index.rs`).
    index: index::VolumeIndex,
    /// The claims owed the periodic resync, and when it comes (`persistentvolume.rs`).
    resync: persistentvolume::Resync,
    /// The expand controller's view: each live claim's storage request (by UID) when it
    /// last looked (`expand.rs`).
    requests_seen: FastMap<Uid, u128>,
    /// While a new claim's first sync runs, its name. Upstream's pod informer has not yet
    /// heard of a pod created after the claim (a StatefulSet creates a pod's claims, then
    /// the pod), so that sync names no such pod (`findNonScheduledPodsByPVC`).
    new_claim: Option<String>,
    /// The volumes being recycled (the scrubber runs): a sync meanwhile starts no other.
    recycling: BTreeSet<String>,
    /// The ephemeral volume controller's queue of pods to retry (`ephemeral.rs`).
    ephemeral: ephemeral::Queue,
}

pub fn on_event(world: &mut World, event: &WatchEvent) -> Result<(), SimError> {
    if event.kind == ObjectKind::PersistentVolumeClaim && event.change == Change::Added {
        world.volume_controller.new_claim = Some(event.name.clone());
    }
    index::catch_up(world, Some(event));
    match (&event.kind, &event.change) {
        (ObjectKind::PersistentVolumeClaim, Change::Deleted) => {
            if let Some(Object::PersistentVolumeClaim(claim)) = event.object.as_ref() {
                let uid = claim.metadata.uid.as_deref().unwrap_or_default();
                expand::forget_claim(world, uid);
                persistentvolume::forget_claim(world, uid);
            }
            // The volumes that were bound to it learn that it is gone.
            let bound: Vec<String> = world
                .volume_controller
                .index
                .volumes_of(&event.name)
                .into_iter()
                .filter(|pv| {
                    world
                        .store
                        .volumes()
                        .get(pv)
                        .is_some_and(|pv| claim_ref_name(pv) == Some(event.name.as_str()))
                })
                .collect();
            for pv in bound {
                sync_volume(world, &pv)?;
            }
            ephemeral::claim_deleted(world, &event.name)?;
        }
        (ObjectKind::PersistentVolumeClaim, _) => {
            protection::add_finalizer_if_missing(world, &event.kind, &event.name, PVC_PROTECTION);
            expand::sync_claim(world, &event.name);
            sync_claim(world, &event.name)?;
            world.volume_controller.new_claim = None;
        }
        (ObjectKind::PersistentVolume, Change::Deleted) => {
            world.files.volume_gone(&event.name);
            // The claim bound to it learns that it is lost.
            let claim = event.object.as_ref().and_then(|o| match o {
                Object::PersistentVolume(pv) => claim_ref_name(pv).map(str::to_string),
                _ => None,
            });
            if let Some(claim) = claim {
                sync_claim(world, &claim)?;
            }
            volume_changed(world, &event.name);
        }
        (ObjectKind::PersistentVolume, _) => {
            protection::add_finalizer_if_missing(world, &event.kind, &event.name, PV_PROTECTION);
            sync_volume(world, &event.name)?;
            volume_changed(world, &event.name);
            // A new volume, or one whose claim let go of it, may fit a claim that waits: the
            // claim finds it at its next sync, the resync.
            let free = || {
                world.store.volumes().get(&event.name).is_some_and(|pv| {
                    pv.spec
                        .as_ref()
                        .and_then(|s| s.claim_ref.as_ref())
                        .is_none_or(|r| r.uid.as_deref().unwrap_or_default().is_empty())
                })
            };
            if event.change == Change::Added || free() {
                owe_sync_pending_claims(world);
            }
        }
        (ObjectKind::StorageClass, Change::Added | Change::Modified) => {
            if event.change == Change::Added {
                sync_claims_of_class(world, &event.name)?;
            }
            // A class newly marked default reaches the claims that name none at the next
            // resync.
            owe_sync_classless(world);
        }
        // A new pod's generic ephemeral volumes get their claims.
        (ObjectKind::Pod, Change::Added) => ephemeral::sync_pod(world, &event.name)?,
        // A pod event only marks the deleted claims it may have freed (the index's
        // `to_check`); pvc-protection looks at them in its own turn ([`work`]), after the
        // controllers earlier in the table have synced: upstream's StatefulSet controller
        // hears a pod's deletion before pvc-protection has listed the pods again and
        // removed the finalizer (kubernetes/kubernetes#74374), so it finds the claim still
        // being deleted (B-PVC-5).
        _ => {}
    }
    Ok(())
}

/// pvc-protection's worker: the deleted claims the pod events of this instant may have
/// freed lose their finalizer when no scheduled pod names them. `Ok(false)` when there
/// was nothing to look at.
pub fn work(world: &mut World) -> Result<bool, SimError> {
    if ephemeral::work(world)? {
        return Ok(true);
    }
    if !world.volume_controller.index.has_claims_to_check() {
        return Ok(false);
    }
    release_unused_claims(world);
    Ok(true)
}

/// Brings the controllers' view of volumes and claims up to date, for a component that
/// reads it on their behalf (the scheduler's VolumeBinding).
pub(crate) fn catch_up_index(world: &mut World) {
    index::catch_up(world, None);
}

/// The volumes a claim named `claim` may bind (no `claimRef`, or one naming it), from the
/// controllers' view; call [`catch_up_index`] first.
pub(crate) fn bindable_volumes<'w>(world: &'w World, claim: &str) -> Vec<&'w PersistentVolume> {
    let volumes = world.store.volumes();
    world
        .volume_controller
        .index
        .bindable(claim)
        .into_iter()
        .filter_map(|pv| volumes.get(pv))
        .collect()
}

pub(crate) fn phase_of_claim(claim: &PersistentVolumeClaim) -> &str {
    claim
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending")
}

fn claim_ref_name(pv: &PersistentVolume) -> Option<&str> {
    pv.spec.as_ref()?.claim_ref.as_ref()?.name.as_deref()
}

/// The claim's class and the StorageClass of that name, if there is one.
pub(crate) fn class_of<'w>(
    world: &'w World,
    claim: &PersistentVolumeClaim,
) -> (String, Option<&'w StorageClass>) {
    let name = claim_class(claim).to_string();
    let class = world.store.storage_classes().get(&name);
    (name, class)
}

/// The annotation that named a class before `storageClassName` existed; still honoured.
pub const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

/// `GetPersistentVolumeClaimClass`: the beta annotation, when present (even empty), wins
/// over `spec.storageClassName`; no class is "".
pub(crate) fn claim_class(claim: &PersistentVolumeClaim) -> &str {
    match claim
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(BETA_STORAGE_CLASS))
    {
        Some(class) => class,
        None => claim
            .spec
            .as_ref()
            .and_then(|s| s.storage_class_name.as_deref())
            .unwrap_or_default(),
    }
}

/// `GetPersistentVolumeClass`: the same rule for a volume.
pub(crate) fn volume_class(pv: &PersistentVolume) -> &str {
    match pv
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(BETA_STORAGE_CLASS))
    {
        Some(class) => class,
        None => pv
            .spec
            .as_ref()
            .and_then(|s| s.storage_class_name.as_deref())
            .unwrap_or_default(),
    }
}

/// `PersistentVolumeClaimHasClass`: the claim names a class, by the beta annotation or by
/// `spec.storageClassName` (even ""), so the DefaultStorageClass admission leaves it alone.
pub(crate) fn claim_has_class(claim: &PersistentVolumeClaim) -> bool {
    claim
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(BETA_STORAGE_CLASS))
        || claim
            .spec
            .as_ref()
            .is_some_and(|s| s.storage_class_name.is_some())
}

pub(crate) fn waits_for_consumer(class: &StorageClass) -> bool {
    class.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer")
}

/// The stored claim's UID ("" when it is gone): the key of the per-claim event guards.
pub(crate) fn claim_uid(world: &World, claim: &str) -> String {
    world
        .store
        .claims()
        .get(claim)
        .and_then(|c| c.metadata.uid.clone())
        .unwrap_or_default()
}

/// Records an event about a claim once per claim UID and reason.
fn tell(
    world: &mut World,
    recorder: Recorder<'_>,
    claim: &str,
    type_: &'static str,
    reason: &'static str,
    message: String,
) {
    let uid = Uid::new(&claim_uid(world, claim));
    let controller = &mut world.volume_controller;
    let reason_id = match controller.reasons.iter().position(|r| *r == reason) {
        Some(i) => i,
        None => {
            controller.reasons.push(reason);
            controller.reasons.len() - 1
        }
    } as u32;
    if controller.told.insert((uid, reason_id)) {
        crate::sim::events::record(
            world,
            recorder,
            ObjectKind::PersistentVolumeClaim,
            claim,
            type_,
            reason,
            message,
        );
    }
}

pub(super) fn record(
    world: &mut World,
    recorder: Recorder<'_>,
    claim: &str,
    type_: &'static str,
    reason: &str,
    message: String,
) {
    crate::sim::events::record(
        world,
        recorder,
        ObjectKind::PersistentVolumeClaim,
        claim,
        type_,
        reason,
        message,
    );
}

pub use crate::quantity::bytes as parse_quantity;
pub use ephemeral::{
    claim_name as ephemeral_claim_name, fire as fire_ephemeral_retry, volume_is_for_pod,
};

/// The claims a pod's volumes name: a claim volume's, and a generic ephemeral volume's
/// (`<pod>-<volume>`, `ephemeral.VolumeClaimName`).
pub fn claims_of(pod: &Pod) -> Vec<String> {
    let pod_name = pod.metadata.name.as_deref().unwrap_or_default();
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| {
            if let Some(c) = &v.persistent_volume_claim {
                Some(c.claim_name.clone())
            } else {
                v.ephemeral
                    .as_ref()
                    .map(|_| ephemeral::claim_name(pod_name, &v.name))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse_quantity;

    #[test]
    fn quantities_compare_in_bytes() {
        assert_eq!(parse_quantity("1Gi"), Some(1 << 30));
        assert_eq!(parse_quantity("500M"), Some(500_000_000));
        assert_eq!(parse_quantity("1.5Ki"), Some(1536));
        assert_eq!(parse_quantity("x"), None);
    }
}
