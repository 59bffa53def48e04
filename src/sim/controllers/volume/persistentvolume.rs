//! The PersistentVolume controller (`pv_controller.go`): `syncClaim` binds a claim to the
//! best Available volume or asks the provisioner for one; `syncVolume` makes a new volume
//! Available and releases and reclaims one whose claim is gone (B-PV-1, B-PV-4).

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};

use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, Propagation};
use crate::sim::world::World;

use super::protection::{release_if_unused, remove_finalizer};
use super::provisioner::provision;
use super::{
    class_of, parse_quantity, phase_of_claim, tell, waits_for_consumer, NO_PROVISIONER,
    PV_PROTECTION, SELECTED_NODE,
};

pub(super) fn sync_pending_claims(world: &mut World) {
    let pending: Vec<String> = world
        .volume_controller
        .index
        .pending()
        .into_iter()
        .filter(|c| {
            world
                .store
                .claims()
                .get(c)
                .is_some_and(|c| phase_of_claim(c) == "Pending")
        })
        .collect();
    for name in pending {
        sync_claim(world, &name);
    }
}

/// `syncClaim` for an unbound claim: bind, provision, or wait.
pub(crate) fn sync_claim(world: &mut World, name: &str) {
    super::index::catch_up(world, None);
    let Some(claim) = world.store.claims().get_shared(name) else {
        return;
    };
    if claim.metadata.deletion_timestamp.is_some() {
        // Let go of the claim before anyone writes it (no copy on write).
        drop(claim);
        release_if_unused(world, name);
        return;
    }
    if phase_of_claim(&claim) != "Pending" {
        return;
    }
    if claim
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.as_ref())
        .is_some()
    {
        // Pre-bound to a volume by name: that one or none.
        let found = find_volume(world, &claim);
        drop(claim);
        if let Some(pv) = found {
            bind(world, name, &pv);
        }
        return;
    }
    let selected = claim
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(SELECTED_NODE))
        .cloned();
    let (class_name, class) = class_of(world, &claim);
    // WaitForFirstConsumer delays even static binding until the scheduler chose a node.
    let delayed = class.is_some_and(waits_for_consumer) && selected.is_none();
    let found = if delayed {
        None
    } else {
        find_volume(world, &claim)
    };
    drop(claim);
    if let Some(pv) = found {
        bind(world, name, &pv);
        return;
    }
    if class_name.is_empty() {
        tell(
            world,
            name,
            "Normal",
            "FailedBinding",
            "no persistent volumes available for this claim and no storage class is set".into(),
        );
        return;
    }
    let Some(class) = class.cloned() else {
        tell(
            world,
            name,
            "Warning",
            "ProvisioningFailed",
            format!("storageclass.storage.k8s.io \"{class_name}\" not found"),
        );
        return;
    };
    if waits_for_consumer(&class) {
        match selected {
            Some(node) if class.provisioner != NO_PROVISIONER => {
                provision(world, name, &class, Some(&node))
            }
            Some(_) => {}
            None => tell(
                world,
                name,
                "Normal",
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding".into(),
            ),
        }
        return;
    }
    if class.provisioner == NO_PROVISIONER {
        // Nobody provisions for this class: a volume must be made by hand.
        tell(
            world,
            name,
            "Normal",
            "ExternalProvisioning",
            format!(
                "Waiting for a volume to be created either by the external provisioner '{NO_PROVISIONER}' \
                 or manually by the system administrator. If volume creation is delayed, please \
                 verify that the provisioner is running and correctly registered."
            ),
        );
        return;
    }
    provision(world, name, &class, None);
}

/// `findBestMatchForClaim`: an Available volume (or the one the claim or the volume names)
/// of the same class and mode, with the claim's access modes and at least its size; the
/// smallest wins, then the first by name.
fn find_volume(world: &World, claim: &PersistentVolumeClaim) -> Option<String> {
    let name = claim.metadata.name.as_deref()?;
    let spec = claim.spec.as_ref()?;
    let class = spec.storage_class_name.clone().unwrap_or_default();
    let mode = spec.volume_mode.as_deref().unwrap_or("Filesystem");
    let want = request_of(claim).unwrap_or(0);
    let modes = spec.access_modes.clone().unwrap_or_default();
    if let Some(volume) = &spec.volume_name {
        let pv = world.store.volumes().get(volume)?;
        let taken = pv
            .spec
            .as_ref()
            .and_then(|s| s.claim_ref.as_ref())
            .is_some_and(|r| r.name.as_deref() != Some(name));
        return (!taken && pv.metadata.deletion_timestamp.is_none()).then(|| volume.clone());
    }
    let mut best: Option<(u128, String)> = None;
    for pv_name in world.volume_controller.index.bindable(name) {
        let Some(pv) = world.store.volumes().get(pv_name) else {
            continue;
        };
        let Some(pv_spec) = pv.spec.as_ref() else {
            continue;
        };
        if pv.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let phase = pv.status.as_ref().and_then(|s| s.phase.as_deref());
        let pre_bound = pv_spec.claim_ref.as_ref().map(|r| {
            r.name.as_deref() == Some(name)
                && r.uid
                    .as_deref()
                    .is_none_or(|u| Some(u) == claim.metadata.uid.as_deref())
        });
        match pre_bound {
            Some(true) => return Some(pv_name.clone()),
            Some(false) => continue,
            None => {}
        }
        if !matches!(phase, None | Some("Available") | Some("Pending")) {
            continue;
        }
        if pv_spec.storage_class_name.clone().unwrap_or_default() != class
            || pv_spec.volume_mode.as_deref().unwrap_or("Filesystem") != mode
        {
            continue;
        }
        let pv_modes = pv_spec.access_modes.clone().unwrap_or_default();
        if !modes.iter().all(|m| pv_modes.contains(m)) {
            continue;
        }
        let size = pv_spec
            .capacity
            .as_ref()
            .and_then(|c| c.get("storage"))
            .and_then(|q| parse_quantity(&q.0))
            .unwrap_or(0);
        if size < want {
            continue;
        }
        if best.as_ref().is_none_or(|(s, _)| size < *s) {
            best = Some((size, pv_name.clone()));
        }
    }
    best.map(|(_, name)| name)
}

fn request_of(claim: &PersistentVolumeClaim) -> Option<u128> {
    let q = claim
        .spec
        .as_ref()?
        .resources
        .as_ref()?
        .requests
        .as_ref()?
        .get("storage")?;
    parse_quantity(&q.0)
}

/// `bind`: the volume points at the claim and the claim at the volume; both are Bound.
pub(super) fn bind(world: &mut World, claim_name: &str, pv_name: &str) {
    let Some(claim_uid) = world
        .store
        .claims()
        .get(claim_name)
        .map(|c| c.metadata.uid.clone())
    else {
        return;
    };
    let ns = world.config.namespace.clone();
    let mut bound_as = None;
    server::write::<PersistentVolume>(world, pv_name, server::Author::Other, |pv| {
        let pv_spec = pv.spec.get_or_insert_with(Default::default);
        if pv_spec.claim_ref.is_none() {
            // The controller, not the user, chose this claim for the volume.
            pv.metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert("pv.kubernetes.io/bound-by-controller".into(), "yes".into());
        }
        let pv_spec = pv.spec.get_or_insert_with(Default::default);
        let claim_ref = pv_spec.claim_ref.get_or_insert_with(Default::default);
        claim_ref.api_version = Some("v1".into());
        claim_ref.kind = Some("PersistentVolumeClaim".into());
        claim_ref.namespace = Some(ns);
        claim_ref.name = Some(claim_name.to_string());
        claim_ref.uid = claim_uid;
        bound_as = Some((pv_spec.capacity.clone(), pv_spec.access_modes.clone()));
        pv.status.get_or_insert_with(Default::default).phase = Some("Bound".into());
        true
    });
    let Some((capacity, modes)) = bound_as else {
        return;
    };
    // The scheduler hears the claim's update and wakes the pods that wait for it.
    server::write::<PersistentVolumeClaim>(world, claim_name, server::Author::Other, |stored| {
        let by_controller = stored
            .spec
            .as_ref()
            .and_then(|s| s.volume_name.as_ref())
            .is_none();
        let spec = stored.spec.get_or_insert_with(Default::default);
        spec.volume_name = Some(pv_name.to_string());
        let annotations = stored
            .metadata
            .annotations
            .get_or_insert_with(Default::default);
        annotations.insert("pv.kubernetes.io/bind-completed".into(), "yes".into());
        if by_controller {
            annotations.insert("pv.kubernetes.io/bound-by-controller".into(), "yes".into());
        }
        let status = stored.status.get_or_insert_with(Default::default);
        status.phase = Some("Bound".into());
        status.capacity = capacity;
        status.access_modes = modes;
        true
    });
}

/// `syncVolume`: a new volume without a claim is Available; a bound volume whose claim
/// is gone is Released and reclaimed; a deleted volume no claim uses loses pv-protection.
pub(super) fn sync_volume(world: &mut World, name: &str) {
    let Some(pv) = world.store.volumes().get_shared(name) else {
        return;
    };
    let mut phase = pv
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default();
    let deleting = pv.metadata.deletion_timestamp.is_some();
    let claim_ref = pv.spec.as_ref().and_then(|s| s.claim_ref.clone());
    let policy = pv
        .spec
        .as_ref()
        .and_then(|s| s.persistent_volume_reclaim_policy.clone())
        .unwrap_or_else(|| "Retain".into());
    // Let go of the volume before it is written (no copy on write).
    drop(pv);
    match claim_ref {
        None => {
            if !deleting && (phase.is_empty() || phase == "Pending") {
                set_volume_phase(world, name, "Available");
            }
        }
        // Without a UID it is pre-bound by name and waits for its claim.
        Some(claim_ref) if claim_ref.uid.is_some() => {
            let claim_lives = world
                .store
                .claims()
                .get(claim_ref.name.as_deref().unwrap_or_default())
                .is_some_and(|c| c.metadata.uid == claim_ref.uid);
            if !claim_lives && phase != "Released" && phase != "Failed" {
                // The claim is gone: released, and its reclaim policy applies (B-PV-4).
                set_volume_phase(world, name, "Released");
                phase = "Released".into();
                if policy == "Delete" && !deleting {
                    let _ = server::delete(
                        world,
                        &ObjectKind::PersistentVolume,
                        name,
                        Propagation::Background,
                        false,
                    );
                    return;
                }
            }
        }
        Some(_) => {}
    }
    // pv-protection: a deleted volume goes once no claim is bound to it.
    if deleting && phase != "Bound" {
        remove_finalizer(world, &ObjectKind::PersistentVolume, name, PV_PROTECTION);
    }
}

fn set_volume_phase(world: &mut World, name: &str, phase: &str) {
    server::write::<PersistentVolume>(world, name, server::Author::Other, |pv| {
        pv.status.get_or_insert_with(Default::default).phase = Some(phase.to_string());
        true
    });
}
