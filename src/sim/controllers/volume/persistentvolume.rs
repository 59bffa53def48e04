//! The PersistentVolume controller (`pv_controller.go`): `syncClaim` binds a claim to the
//! best Available volume or asks the provisioner for one; `syncVolume` makes a new volume
//! Available and releases and reclaims one whose claim is gone (B-PV-1, B-PV-4).

use crate::sim::error::SimError;
use crate::sim::events::Recorder;
use k8s_openapi::api::core::v1::{
    ObjectReference, PersistentVolume, PersistentVolumeClaim, PersistentVolumeStatus,
};
use k8s_openapi::api::storage::v1::StorageClass;

use crate::sim::clock::{to_time, Millis};
use crate::sim::controllers::informer::FastMap;
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil;
use crate::sim::server::{self, Propagation};
use crate::sim::uid::Uid;
use crate::sim::world::{Change, World};

use super::matching::{
    check_volume_satisfy_claim, find_matching_volume, is_bound_to_claim, Search, Wants,
};
use super::plugins::{
    find_deleter, find_provisioner, has_recycler, host_path_delete_error, migration_annotation,
    Deleter, Provisioner, MIGRATED_TO,
};
use super::protection::{release_if_unused, remove_finalizer};
use super::provisioner::provision;
use super::{class_of, phase_of_claim, record, waits_for_consumer, PV_PROTECTION, SELECTED_NODE};

/// The claims of the index still Pending for which `also` holds.
fn pending_claims(world: &World, also: impl Fn(&PersistentVolumeClaim) -> bool) -> Vec<String> {
    world
        .volume_controller
        .index
        .pending()
        .into_iter()
        .filter(|c| {
            world
                .store
                .claims()
                .get(c)
                .is_some_and(|c| phase_of_claim(c) == "Pending" && also(c))
        })
        .collect()
}

/// A volume appeared or was freed: the Pending claims find it at their next sync, the
/// resync (`addVolume`/`updateVolume` queue only the volume, and `syncVolume` makes a
/// volume without a claim Available without telling any claim).
pub(super) fn owe_sync_pending_claims(world: &mut World) {
    for name in pending_claims(world, |_| true) {
        owe_sync(world, &name);
    }
}

/// A StorageClass was created: the Pending claims that name it and no volume are synced at
/// once. (The PV controller has no class handler and would see it at its next resync; scn
/// syncs them at once so that a class applied with the objects whose claims name it, as
/// one file, serves them as upstream's slower controllers do.)
pub(super) fn sync_claims_of_class(world: &mut World, class: &str) -> Result<(), SimError> {
    let provisioned = |c: &PersistentVolumeClaim| {
        super::claim_class(c) == class
            && c.spec
                .as_ref()
                .and_then(|s| s.volume_name.as_deref())
                .is_none_or(str::is_empty)
    };
    for name in pending_claims(world, provisioned) {
        sync(world, &name, false)?;
    }
    Ok(())
}

/// `syncClaim`: an unbound claim is bound, provisioned, or waits; a bound claim whose
/// volume is gone is Lost.
pub(crate) fn sync_claim(world: &mut World, name: &str) -> Result<(), SimError> {
    sync(world, name, true)?;
    Ok(())
}

/// `syncClaim`, as an event about the claim or the resync brings it (`announce`), or as
/// scn runs it early when a volume or a class appears (upstream's controller would see
/// them at its next resync): then a claim waiting for its first consumer says nothing yet,
/// and says it at the resync.
fn sync(world: &mut World, name: &str, announce: bool) -> Result<(), SimError> {
    super::index::catch_up(world, None);
    update_claim_migration_annotations(world, name);
    let Some(claim) = world.store.claims().get_shared(name) else {
        return Ok(());
    };
    if claim.metadata.deletion_timestamp.is_some() {
        // Let go of the claim before anyone writes it (no copy on write).
        drop(claim);
        release_if_unused(world, name);
        return Ok(());
    }
    // `syncClaim`: a claim the controller once finished binding (`bind-completed`) is a
    // bound claim whatever its phase; the others are unbound.
    if bind_completed(&claim) {
        drop(claim);
        sync_bound_claim(world, name);
        return Ok(());
    }
    if phase_of_claim(&claim) != "Pending" {
        return Ok(());
    }
    if let Some(volume) = claim.spec.as_ref().and_then(|s| s.volume_name.clone()) {
        drop(claim);
        sync_claim_naming(world, name, &volume);
        return Ok(());
    }
    let selected = claim
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(SELECTED_NODE))
        .cloned();
    let (class_name, class) = class_of(world, &claim);
    // WaitForFirstConsumer: the scheduler binds a volume that fits the node it chose; the
    // controller binds only a volume pre-bound to the claim.
    let delay_binding = class.is_some_and(waits_for_consumer);
    let has_class = super::claim_has_class(&claim);
    let found = find_volume(world, &claim, delay_binding);
    drop(claim);
    let class = class.cloned();
    if let Some(pv) = found {
        bind(world, name, &pv);
        return Ok(());
    }
    // `assignDefaultStorageClass` (RetroactiveDefaultStorageClass, GA in v1.28): a claim
    // that names no class (not even "") gets the default class, if there is one now; the
    // claim's update brings it back here to be provisioned.
    if !has_class && assign_default_class(world, name) {
        return Ok(());
    }
    // Both waits below are told at every sync (`syncUnboundClaim`; `provisionClaimOperation`
    // for a class that does not exist), so again at each resync; syncs of one claim within
    // one instant are one sync.
    if class_name.is_empty() {
        tell_at_every_sync(
            world,
            name,
            "Normal",
            "FailedBinding",
            "no persistent volumes available for this claim and no storage class is set".into(),
        );
        return Ok(());
    }
    let Some(class) = class else {
        tell_at_every_sync(
            world,
            name,
            "Warning",
            "ProvisioningFailed",
            format!("storageclass.storage.k8s.io \"{class_name}\" not found"),
        );
        return Ok(());
    };
    if waits_for_consumer(&class) && selected.is_none() {
        if announce {
            wait_for_first_consumer(world, name);
        }
        owe_sync(world, name);
        return Ok(());
    }
    provision_claim(world, name, &class, selected.as_deref(), announce)?;
    Ok(())
}

/// The storage-provisioner annotations a claim names its provisioner by, the GA one first.
const CLAIM_PROVISIONER_KEYS: [&str; 2] = [
    "volume.kubernetes.io/storage-provisioner",
    "volume.beta.kubernetes.io/storage-provisioner",
];

/// `updateClaimMigrationAnnotations`, the first step of `syncClaim`: a claim whose
/// storage-provisioner is a migrated in-tree name gets `pv.kubernetes.io/migrated-to`
/// (the controller itself annotates claims with the CSI driver's name, so this only ever
/// takes off an annotation the provisioner does not warrant).
fn update_claim_migration_annotations(world: &mut World, name: &str) {
    let Some(claim) = world.store.claims().get(name) else {
        return;
    };
    if let Some(wanted) =
        migration_annotation(claim.metadata.annotations.as_ref(), &CLAIM_PROVISIONER_KEYS)
    {
        server::write::<PersistentVolumeClaim>(world, name, server::Author::Other, |stored| {
            set_migrated_to(&mut stored.metadata, wanted)
        });
    }
}

/// `updateVolumeMigrationAnnotationsAndFinalizers`, the first step of `syncVolume`: a
/// volume provisioned for a migrated in-tree name (`pv.kubernetes.io/provisioned-by:
/// kubernetes.io/aws-ebs`) gets `pv.kubernetes.io/migrated-to` naming its CSI driver
/// (`ebs.csi.aws.com`); one provisioned by anything else loses such an annotation; one
/// made by hand is left alone.
fn update_volume_migration_annotations(world: &mut World, name: &str) {
    let Some(pv) = world.store.volumes().get(name) else {
        return;
    };
    if let Some(wanted) =
        migration_annotation(pv.metadata.annotations.as_ref(), &[super::PROVISIONED_BY])
    {
        server::write::<PersistentVolume>(world, name, server::Author::Other, |stored| {
            set_migrated_to(&mut stored.metadata, wanted)
        });
    }
}

fn set_migrated_to(
    meta: &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    wanted: Option<&str>,
) -> bool {
    let annotations = meta.annotations.get_or_insert_with(Default::default);
    match wanted {
        Some(driver) => {
            annotations
                .insert(MIGRATED_TO.into(), driver.into())
                .as_deref()
                != Some(driver)
        }
        None => annotations.remove(MIGRATED_TO).is_some(),
    }
}

/// `assignDefaultStorageClass`: the claim's `storageClassName` becomes the default class's
/// name (`GetDefaultClass`); says whether the claim was updated.
fn assign_default_class(world: &mut World, name: &str) -> bool {
    let Some(default) = super::default_class(&world.store).and_then(|c| c.metadata.name.clone())
    else {
        return false;
    };
    server::write::<PersistentVolumeClaim>(world, name, server::Author::Other, |claim| {
        let spec = claim.spec.get_or_insert_with(Default::default);
        if spec.storage_class_name.is_some() {
            return false;
        }
        spec.storage_class_name = Some(default.clone());
        true
    })
    .is_some()
}

/// `provisionClaim`: the plugin of the class's provisioner provisions; a provisioner that
/// is not built in is named on the claim and waited for (or for a volume made by hand);
/// a `kubernetes.io/` name without a plugin is a `ProvisioningFailed` at every sync (not at
/// the early sync scn runs when a class appears: upstream's controller would fail at its
/// next resync, and so does scn's).
fn provision_claim(
    world: &mut World,
    name: &str,
    class: &StorageClass,
    node: Option<&str>,
    announce: bool,
) -> Result<(), SimError> {
    let provisioner = find_provisioner(&class.provisioner);
    if !announce && !matches!(provisioner, Provisioner::External(_)) {
        owe_sync(world, name);
        return Ok(());
    }
    match provisioner {
        // `findProvisionablePlugin` fails, or the plugin's `NewProvisioner`: told at every
        // sync ("controller will retry the provisioning in every syncUnboundClaim() call"),
        // so again at each resync.
        Provisioner::Missing(message) => {
            tell_at_every_sync(world, name, "Warning", "ProvisioningFailed", message);
        }
        Provisioner::Disabled(message) => {
            // `provisionClaimOperation` names the plugin on the claim before it fails.
            set_claim_provisioner(world, name, &class.provisioner);
            tell_at_every_sync(world, name, "Warning", "ProvisioningFailed", message);
        }
        Provisioner::External(provisioner) => {
            // `provisionClaimOperationExternal`, at every sync of a claim that waits for
            // its volume (syncs of one claim within one instant are one sync).
            set_claim_provisioner(world, name, &provisioner);
            if first_provisioning_now(world, name) {
                record(
                    world,
                    Recorder::PERSISTENT_VOLUME,
                    name,
                    "Normal",
                    "ExternalProvisioning",
                    format!(
                        "Waiting for a volume to be created either by the external provisioner \
                     '{provisioner}' or manually by the system administrator. If volume \
                     creation is delayed, please verify that the provisioner is running and \
                     correctly registered."
                    ),
                );
            }
            provision(world, name, class, node)?;
            // A claim the provisioner leaves waiting (it refuses a selector) is provisioned
            // again, and told again, at every resync.
            let waits = world.store.claims().get(name).is_some_and(|c| {
                phase_of_claim(c) == "Pending"
                    && c.spec
                        .as_ref()
                        .and_then(|s| s.volume_name.as_deref())
                        .is_none_or(str::is_empty)
            });
            if waits {
                owe_sync(world, name);
            }
        }
    }
    Ok(())
}

/// Whether this is the claim's first `ExternalProvisioning` at this instant; notes it.
fn first_provisioning_now(world: &mut World, name: &str) -> bool {
    first_now(world, name, |r| &mut r.provisioning_told_at)
}

/// Whether the time `at` (one of [`Resync`]'s per-claim maps) holds for the claim `name` is
/// not this instant yet; notes this instant.
fn first_now(
    world: &mut World,
    name: &str,
    at: fn(&mut Resync) -> &mut FastMap<Uid, Millis>,
) -> bool {
    let uid = Uid::new(&super::claim_uid(world, name));
    let now = world.now;
    let times = at(&mut world.volume_controller.resync);
    if times.get(&uid) == Some(&now) {
        return false;
    }
    times.insert(uid, now);
    true
}

/// `setClaimProvisioner`: the claim says which provisioner works on it (an update of the
/// claim, which its watchers hear).
fn set_claim_provisioner(world: &mut World, name: &str, provisioner: &str) {
    server::write::<PersistentVolumeClaim>(world, name, server::Author::Other, |stored| {
        let annotations = stored
            .metadata
            .annotations
            .get_or_insert_with(Default::default);
        let mut changed = false;
        for key in [
            "volume.beta.kubernetes.io/storage-provisioner",
            "volume.kubernetes.io/storage-provisioner",
        ] {
            if annotations.get(key).map(String::as_str) != Some(provisioner) {
                annotations.insert(key.into(), provisioner.to_string());
                changed = true;
            }
        }
        changed
    });
}

/// `syncUnboundClaim` for a claim that names its volume (`spec.volumeName`): that volume
/// or none. A free volume that does not satisfy the claim is refused with `VolumeMismatch`;
/// one bound to another claim is waited for.
fn sync_claim_naming(world: &mut World, name: &str, volume: &str) {
    // A volume that does not exist (yet) is waited for without an event; its creation
    // owes the claim the next resync (`owe_sync_pending_claims`).
    let verdict = {
        let (Some(claim), Some(pv)) = (
            world.store.claims().get(name),
            world.store.volumes().get(volume),
        ) else {
            return;
        };
        let wants = Wants::of(claim);
        let claimed = pv.spec.as_ref().is_some_and(|s| s.claim_ref.is_some());
        if !claimed {
            check_volume_satisfy_claim(pv, &wants).map(|()| true)
        } else {
            Ok(is_bound_to_claim(pv, &wants))
        }
    };
    match verdict {
        Ok(true) => bind(world, name, volume),
        Ok(false) => {
            // The volume is bound to another claim: a Warning at every sync (the claim's
            // own events and the resync every 15 s), retried at the next resync.
            already_bound_elsewhere(world, name, volume);
            owe_sync(world, name);
        }
        // Told at every sync (the claim's events and each resync), as `FailedBinding`.
        Err(why) => tell_at_every_sync(
            world,
            name,
            "Warning",
            "VolumeMismatch",
            format!("Cannot bind to requested volume \"{volume}\": {why}"),
        ),
    }
}

/// `emitEventForUnboundDelayBindingClaim`, at every sync of a Pending claim of a
/// WaitForFirstConsumer class that no node was selected for: `WaitForPodScheduled` naming
/// the pods that use it and wait for a node (`findNonScheduledPodsByPVC`), else
/// `WaitForFirstConsumer`. Syncs of one claim within one instant are one sync.
fn wait_for_first_consumer(world: &mut World, name: &str) {
    if !first_sync_now(world, name) {
        return;
    }
    // `findNonScheduledPodsByPVC`: the pods that name the claim, not terminated and not
    // yet on a node; at a new claim's first sync, not created after it (the pod's creation
    // is still queued behind the claim's).
    let first = world.volume_controller.new_claim.as_deref() == Some(name);
    let created_after =
        |pod: &str| {
            first
                && world.store.pending_watch_events().iter().any(|e| {
                    e.kind == ObjectKind::Pod && e.change == Change::Added && e.name == pod
                })
        };
    let mut pods: Vec<&str> = world
        .volume_controller
        .index
        .pods_using(name)
        .filter(|p| !created_after(p))
        .filter_map(|p| world.store.pods().get(p))
        .filter(|p| {
            !podutil::is_failed(p)
                && !podutil::is_succeeded(p)
                && p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_none()
                && super::claims_of(p).iter().any(|c| c == name)
        })
        .filter_map(|p| p.metadata.name.as_deref())
        .collect();
    pods.sort_unstable();
    let (reason, message) = match pods.as_slice() {
        [] => (
            "WaitForFirstConsumer",
            "waiting for first consumer to be created before binding".to_string(),
        ),
        [one] => (
            "WaitForPodScheduled",
            format!("waiting for pod {one} to be scheduled"),
        ),
        many => (
            "WaitForPodScheduled",
            format!("waiting for pods {} to be scheduled", many.join(",")),
        ),
    };
    super::record(
        world,
        Recorder::PERSISTENT_VOLUME,
        name,
        "Normal",
        reason,
        message,
    );
}

/// Whether this is the claim's first sync at this instant that records an event (the work
/// queue holds a key once, so syncs of one instant are one sync); notes it.
fn first_sync_now(world: &mut World, name: &str) -> bool {
    first_now(world, name, |r| &mut r.synced_at)
}

/// An event `syncUnboundClaim` (or the provisioning it starts) records at every sync of a
/// claim that still waits: recorded once per instant (the work queue holds a key once), and
/// the claim is owed the next resync, where it is told again.
fn tell_at_every_sync(
    world: &mut World,
    name: &str,
    type_: &'static str,
    reason: &str,
    message: String,
) {
    if first_sync_now(world, name) {
        record(
            world,
            Recorder::PERSISTENT_VOLUME,
            name,
            type_,
            reason,
            message,
        );
    }
    owe_sync(world, name);
}

/// `syncUnboundClaim`'s `FailedBinding` for a claim whose volume names another claim (a
/// Warning, repeated at each sync). Syncs of one claim within one instant are one sync, as
/// the work queue holds a key once.
fn already_bound_elsewhere(world: &mut World, name: &str, volume: &str) {
    if !first_sync_now(world, name) {
        return;
    }
    super::record(
        world,
        Recorder::PERSISTENT_VOLUME,
        name,
        "Warning",
        "FailedBinding",
        format!("volume \"{volume}\" already bound to a different claim."),
    );
}

/// The claim's `pv.kubernetes.io/bind-completed` annotation: the controller finished
/// binding it once.
pub(super) fn bind_completed(claim: &PersistentVolumeClaim) -> bool {
    claim
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(BIND_COMPLETED))
}

const BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
const BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";

/// What `syncBoundClaim` finds for a claim bound once.
enum BoundClaim {
    /// It names no volume, or one that is gone: Lost, with the message.
    Lost(&'static str, &'static str),
    /// Its volume has no `claimRef`, or one with its UID: bound (again).
    Bind(String),
    /// Its volume's `claimRef` has another UID: Lost.
    Misbound,
}

/// `syncBoundClaim`'s verdict for a claim bound once, and whether acting on it changes
/// anything; `None` when the claim is gone.
fn bound_claim_verdict(world: &World, name: &str) -> Option<(BoundClaim, bool)> {
    let claim = world.store.claims().get(name)?;
    let phase = phase_of_claim(claim);
    let volume_name = claim
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.as_deref())
        .filter(|v| !v.is_empty());
    let Some(volume_name) = volume_name else {
        let lost = (
            "ClaimLost",
            "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!",
        );
        return Some((BoundClaim::Lost(lost.0, lost.1), phase != "Lost"));
    };
    let Some(pv) = world.store.volumes().get(volume_name) else {
        let lost = (
            "ClaimLost",
            "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
        );
        return Some((BoundClaim::Lost(lost.0, lost.1), phase != "Lost"));
    };
    let claim_ref = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
    match claim_ref {
        Some(r) if r.uid != claim.metadata.uid => Some((BoundClaim::Misbound, phase != "Lost")),
        _ => {
            // `bind` does nothing when both already say so: its `updateClaimStatus` copies
            // the volume's access modes into the claim's status at every sync.
            let modes = |modes: Option<&Vec<String>>| modes.filter(|m| !m.is_empty()).cloned();
            let same_modes = modes(claim.status.as_ref().and_then(|s| s.access_modes.as_ref()))
                == modes(pv.spec.as_ref().and_then(|s| s.access_modes.as_ref()));
            let bound = claim_ref.is_some()
                && phase == "Bound"
                && same_modes
                && pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound");
            Some((BoundClaim::Bind(volume_name.to_string()), !bound))
        }
    }
}

/// `syncBoundClaim`: a claim bound once whose volume is gone, or that names none, is Lost
/// (its data with it, `ClaimLost`); one whose volume lost its `claimRef` (or still names
/// it) is bound again (`bind`); one whose volume's `claimRef` names another claim is Lost
/// with `ClaimMisbound`. Lost is told only when the phase changes
/// (`updateClaimStatusWithEvent`).
fn sync_bound_claim(world: &mut World, name: &str) {
    // A claim and volume that already say so cost no write (`bind` would change nothing).
    let Some((verdict, true)) = bound_claim_verdict(world, name) else {
        return;
    };
    let (reason, message) = match verdict {
        BoundClaim::Bind(volume) => {
            bind(world, name, &volume);
            return;
        }
        BoundClaim::Lost(reason, message) => (reason, message),
        BoundClaim::Misbound => (
            "ClaimMisbound",
            "Two claims are bound to the same volume, this one is bound incorrectly",
        ),
    };
    let lost =
        server::write::<PersistentVolumeClaim>(world, name, server::Author::Other, |claim| {
            let status = claim.status.get_or_insert_with(Default::default);
            if status.phase.as_deref() == Some("Lost") {
                return false;
            }
            status.phase = Some("Lost".into());
            status.access_modes = None;
            status.capacity = None;
            status.current_volume_attributes_class_name = None;
            true
        });
    if lost.is_some() {
        record(
            world,
            Recorder::PERSISTENT_VOLUME,
            name,
            "Warning",
            reason,
            message.into(),
        );
    }
}

/// A volume changed, appeared or went: the claims bound once that name it and whose
/// `syncBoundClaim` would now change something are synced at the next resync (the PV
/// controller syncs every claim then; only these can change). A claim whose volume still
/// names it costs nothing.
pub(super) fn volume_changed(world: &mut World, volume: &str) {
    super::index::catch_up(world, None);
    for claim in world.volume_controller.index.claims_naming(volume) {
        let owed = world
            .store
            .claims()
            .get(&claim)
            .is_some_and(|c| bind_completed(c) && c.metadata.deletion_timestamp.is_none())
            && bound_claim_verdict(world, &claim).is_some_and(|(_, acts)| acts);
        if owed {
            owe_sync(world, &claim);
        }
    }
}

/// `findBestMatchForClaim` over the volumes the claim may bind (`matching.rs`).
fn find_volume(
    world: &World,
    claim: &PersistentVolumeClaim,
    delay_binding: bool,
) -> Option<String> {
    let name = claim.metadata.name.as_deref()?;
    let volumes = world.store.volumes();
    let candidates = world
        .volume_controller
        .index
        .bindable(name)
        .into_iter()
        .filter_map(|pv| volumes.get(pv));
    find_matching_volume(
        candidates,
        &Wants::of(claim),
        Search::Controller { delay_binding },
        None,
        &[],
    )
    .and_then(|pv| pv.metadata.name.clone())
}

/// `bind`: the volume points at the claim and the claim at the volume; both are Bound.
pub(crate) fn bind(world: &mut World, claim_name: &str, pv_name: &str) {
    let Some((claim_uid, claim_rv)) = world
        .store
        .claims()
        .get(claim_name)
        .map(|c| (c.metadata.uid.clone(), c.metadata.resource_version.clone()))
    else {
        return;
    };
    let ns = world.config.namespace.clone();
    let now = world.now;
    // `bindVolumeToClaim` (`GetBindVolumeToClaim`) and `updateVolumePhase`: each object is
    // written only where it does not say so already.
    let Some(pv) = world.store.volumes().get(pv_name) else {
        return;
    };
    let pv_spec = pv.spec.as_ref();
    let bound_as = (
        pv_spec.and_then(|s| s.capacity.clone()),
        pv_spec.and_then(|s| s.access_modes.clone()),
        pv_spec.and_then(|s| s.volume_attributes_class_name.clone()),
    );
    server::write::<PersistentVolume>(world, pv_name, server::Author::Other, |pv| {
        let pv_spec = pv.spec.get_or_insert_with(Default::default);
        // `IsVolumeBoundToClaim`: a `claimRef` naming the claim, with its UID or none.
        let bound_to_claim = pv_spec.claim_ref.as_ref().is_some_and(|r| {
            r.name.as_deref() == Some(claim_name)
                && r.namespace.as_deref() == Some(ns.as_str())
                && r.uid
                    .as_deref()
                    .is_none_or(|u| u.is_empty() || Some(u) == claim_uid.as_deref())
        });
        let mut dirty = false;
        let claim_ref = pv_spec.claim_ref.get_or_insert_with(Default::default);
        if claim_ref.name.as_deref() != Some(claim_name)
            || claim_ref.namespace.as_deref() != Some(ns.as_str())
            || claim_ref.uid != claim_uid
        {
            // `reference.GetReference(claim)`: a whole new reference, with the claim's
            // resourceVersion as the controller saw it.
            *claim_ref = ObjectReference {
                api_version: Some("v1".into()),
                kind: Some("PersistentVolumeClaim".into()),
                namespace: Some(ns.clone()),
                name: Some(claim_name.to_string()),
                uid: claim_uid.clone(),
                resource_version: claim_rv.clone(),
                field_path: None,
            };
            dirty = true;
        }
        if !bound_to_claim {
            // The controller, not the user, chose this claim for the volume.
            let annotations = pv.metadata.annotations.get_or_insert_with(Default::default);
            if !annotations.contains_key(BOUND_BY_CONTROLLER) {
                annotations.insert(BOUND_BY_CONTROLLER.into(), "yes".into());
                dirty = true;
            }
        }
        set_phase(pv.status.get_or_insert_with(Default::default), "Bound", now) || dirty
    });
    let (capacity, modes, attributes_class) = bound_as;
    // `bindClaimToVolume` and `updateClaimStatus(Bound)`. The scheduler hears the claim's
    // update and wakes the pods that wait for it.
    server::write::<PersistentVolumeClaim>(world, claim_name, server::Author::Other, |stored| {
        let mut dirty = false;
        let spec = stored.spec.get_or_insert_with(Default::default);
        let by_controller = spec.volume_name.as_deref() != Some(pv_name);
        if by_controller {
            spec.volume_name = Some(pv_name.to_string());
            dirty = true;
        }
        let annotations = stored
            .metadata
            .annotations
            .get_or_insert_with(Default::default);
        if !annotations.contains_key(BIND_COMPLETED) {
            annotations.insert(BIND_COMPLETED.into(), "yes".into());
            dirty = true;
        }
        if by_controller && !annotations.contains_key(BOUND_BY_CONTROLLER) {
            annotations.insert(BOUND_BY_CONTROLLER.into(), "yes".into());
            dirty = true;
        }
        let status = stored.status.get_or_insert_with(Default::default);
        if status.access_modes != modes {
            status.access_modes = modes;
            dirty = true;
        }
        // The capacity is the volume's when the claim becomes Bound, not after (a resize
        // may make them differ on purpose); so is the current VolumeAttributesClass (after
        // the binding, the resizer keeps it).
        if status.phase.as_deref() != Some("Bound") {
            status.phase = Some("Bound".into());
            status.capacity = capacity;
            status.current_volume_attributes_class_name = attributes_class;
            dirty = true;
        }
        dirty
    });
}

/// `syncVolume`: a volume without a claim, or pre-bound by name to one that has not come
/// yet, is Available; a bound volume whose claim is gone is Released and reclaimed; a
/// deleted volume no claim uses loses pv-protection.
pub(super) fn sync_volume(world: &mut World, name: &str) -> Result<(), SimError> {
    update_volume_migration_annotations(world, name);
    let Some(pv) = world.store.volumes().get_shared(name) else {
        return Ok(());
    };
    let mut phase = pv
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default();
    let deleting = pv.metadata.deletion_timestamp.is_some();
    let claim_ref = pv.spec.as_ref().and_then(|s| s.claim_ref.clone());
    // Let go of the volume before it is written (no copy on write).
    drop(pv);
    match claim_ref {
        // Unused, or reserved for a claim by name: the claim's sync binds it.
        None => {
            if !deleting && phase != "Available" {
                set_volume_phase(world, name, "Available");
            }
        }
        Some(claim_ref) if claim_ref.uid.as_deref().unwrap_or_default().is_empty() => {
            if !deleting && phase != "Available" {
                set_volume_phase(world, name, "Available");
            }
        }
        Some(claim_ref) => {
            let claim_name = claim_ref.name.clone().unwrap_or_default();
            // The claim's `volumeName`, if the claim the `claimRef` names lives.
            let claim_volume = world
                .store
                .claims()
                .get(&claim_name)
                .filter(|c| c.metadata.uid == claim_ref.uid)
                .map(|c| {
                    c.spec
                        .as_ref()
                        .and_then(|s| s.volume_name.clone())
                        .unwrap_or_default()
                });
            match claim_volume {
                None => {
                    // The claim is gone: released (a Failed volume stays Failed), and its
                    // reclaim policy applies at every sync, not only at the release: a
                    // released volume whose policy is changed to Delete or Recycle is
                    // then deleted or recycled (B-PV-4, B-PV-20).
                    if phase != "Released" && phase != "Failed" {
                        set_volume_phase(world, name, "Released");
                        phase = "Released".into();
                    }
                    if !deleting && reclaim(world, name) {
                        return Ok(());
                    }
                }
                // The binding is not completed: the claim's sync finishes it, queued at once.
                Some(volume) if volume.is_empty() => {
                    if !deleting {
                        sync_claim(world, &claim_name)?;
                    }
                }
                // All is bound.
                Some(volume) if volume == name => {
                    if phase != "Bound" {
                        set_volume_phase(world, name, "Bound");
                        phase = "Bound".into();
                    }
                }
                // The claim is bound to another volume: a volume provisioned for it with
                // the Delete policy is released and deleted; another is unbound
                // (`unbindVolume`).
                Some(_) => {
                    let provisioned_delete = world.store.volumes().get(name).is_some_and(|pv| {
                        pv.metadata
                            .annotations
                            .as_ref()
                            .is_some_and(|a| a.contains_key(super::PROVISIONED_BY))
                            && pv
                                .spec
                                .as_ref()
                                .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
                                == Some("Delete")
                    });
                    if provisioned_delete {
                        if phase != "Released" && phase != "Failed" {
                            set_volume_phase(world, name, "Released");
                            phase = "Released".into();
                        }
                        if !deleting && reclaim(world, name) {
                            return Ok(());
                        }
                    } else if !deleting {
                        unbind_volume(world, name);
                        return Ok(());
                    }
                }
            }
        }
    }
    // pv-protection: a deleted volume goes once no claim is bound to it.
    if deleting && phase != "Bound" {
        remove_finalizer(world, &ObjectKind::PersistentVolume, name, PV_PROTECTION);
    }
    Ok(())
}

/// `reclaimVolume` for a released volume: Retain keeps it; Delete has the plugin or the
/// provisioner that can delete it do so (`deleteVolumeOperation`), and a volume nobody can
/// delete is Failed (with the reason in `status.message` and a `VolumeFailedDelete`
/// event); Recycle scrubs it and makes it Available again (`recycleVolumeOperation`,
/// after [`RECYCLE_TIME`]). Says whether the volume was deleted.
fn reclaim(world: &mut World, name: &str) -> bool {
    let Some(pv) = world.store.volumes().get(name) else {
        return false;
    };
    let policy = pv
        .spec
        .as_ref()
        .and_then(|s| s.persistent_volume_reclaim_policy.clone());
    match policy.as_deref() {
        Some("Delete") => {}
        Some("Recycle") => {
            // `recycleVolumeOperation` looks for the recycler before it starts the
            // scrubber: a volume without one is Failed at once.
            if !has_recycler(pv) {
                fail_no_recycler(world, name);
                return false;
            }
            // One recycle at a time per volume (`scheduleOperation`: an operation of the
            // same name that is running is not started again).
            if !world.volume_controller.recycling.insert(name.to_string()) {
                return false;
            }
            let uid = claim_ref_uid(pv);
            let at = world.now + RECYCLE_TIME;
            world.timers.at(
                at,
                crate::sim::world::Timer::RecycleVolume {
                    name: name.to_string(),
                    claim_uid: uid,
                },
            );
            return false;
        }
        _ => return false,
    }
    let failure = match find_deleter(pv) {
        Deleter::External => None,
        Deleter::Nobody => return false,
        Deleter::HostPath => host_path_delete_error(pv),
        Deleter::Failed(message) => Some(message),
    };
    if let Some(message) = failure {
        fail_volume(world, name, "VolumeFailedDelete", message);
        return false;
    }
    let _ = server::delete(
        world,
        &ObjectKind::PersistentVolume,
        name,
        Propagation::Unset,
        false,
    );
    true
}

/// How long a recycle takes: upstream runs a scrubber pod (`recycler-for-<volume>`,
/// busybox running `find /scrub -mindepth 1 -delete`) and waits for it to complete.
pub const RECYCLE_TIME: Millis = Millis::secs(5);

/// `recycleVolumeOperation`, when the scrubber is done: a volume still released from the
/// same claim is scrubbed (its files are gone), `VolumeRecycled`, and unbound (Available);
/// a volume without a recycler is Failed with `VolumeFailedRecycle`.
pub fn recycle(world: &mut World, name: &str, claim_uid: &str) {
    world.volume_controller.recycling.remove(name);
    super::index::catch_up(world, None);
    let Some(pv) = world.store.volumes().get(name) else {
        return;
    };
    let released = pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Released")
        && pv.metadata.deletion_timestamp.is_none()
        && claim_ref_uid(pv) == claim_uid
        && pv
            .spec
            .as_ref()
            .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
            == Some("Recycle");
    if !released {
        return;
    }
    if !has_recycler(pv) {
        fail_no_recycler(world, name);
        return;
    }
    world.files.volume_gone(name);
    crate::sim::events::record(
        world,
        Recorder::PERSISTENT_VOLUME,
        ObjectKind::PersistentVolume,
        name,
        "Normal",
        "VolumeRecycled",
        "Volume recycled".into(),
    );
    unbind_volume(world, name);
}

/// `unbindVolume`: a binding the controller made is undone; one the user made keeps the
/// claim's name (pre-bound again) and loses only its UID. The volume is Available.
fn unbind_volume(world: &mut World, name: &str) {
    server::write::<PersistentVolume>(world, name, server::Author::Other, |pv| {
        let by_controller = pv
            .metadata
            .annotations
            .as_mut()
            .and_then(|a| a.remove("pv.kubernetes.io/bound-by-controller"))
            .is_some();
        if pv
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.is_empty())
        {
            pv.metadata.annotations = None;
        }
        let spec = pv.spec.get_or_insert_with(Default::default);
        if by_controller {
            spec.claim_ref = None;
        } else if let Some(claim_ref) = spec.claim_ref.as_mut() {
            claim_ref.uid = None;
        }
        true
    });
    set_volume_phase(world, name, "Available");
}

fn claim_ref_uid(pv: &PersistentVolume) -> String {
    pv.spec
        .as_ref()
        .and_then(|s| s.claim_ref.as_ref())
        .and_then(|r| r.uid.clone())
        .unwrap_or_default()
}

/// `updateVolumePhaseWithEvent(Failed)`: the reason in `status.message` and a Warning,
/// only when the volume was not Failed already (the controller retries a failed reclaim
/// at every sync; a retry that fails again changes nothing and says nothing).
fn fail_volume(world: &mut World, name: &str, reason: &str, message: String) {
    let failed = world
        .store
        .volumes()
        .get(name)
        .is_none_or(|pv| pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Failed"));
    if failed {
        return;
    }
    let now = world.now;
    server::write::<PersistentVolume>(world, name, server::Author::Other, |pv| {
        let status = pv.status.get_or_insert_with(Default::default);
        set_phase(status, "Failed", now);
        status.message = Some(message.clone());
        true
    });
    crate::sim::events::record(
        world,
        Recorder::PERSISTENT_VOLUME,
        ObjectKind::PersistentVolume,
        name,
        "Warning",
        reason,
        message,
    );
}

/// A volume's phase, with the time it changed (`lastPhaseTransitionTime`, which the API
/// server's strategy keeps on every phase change). Says whether it changed.
pub(super) fn set_phase(status: &mut PersistentVolumeStatus, phase: &str, now: Millis) -> bool {
    if status.phase.as_deref() == Some(phase) {
        return false;
    }
    status.phase = Some(phase.to_string());
    status.last_phase_transition_time = Some(to_time(now));
    true
}

fn set_volume_phase(world: &mut World, name: &str, phase: &str) {
    let now = world.now;
    server::write::<PersistentVolume>(world, name, server::Author::Other, |pv| {
        let status = pv.status.get_or_insert_with(Default::default);
        // `updateVolumePhase` clears the message of a phase it leaves.
        status.message = None;
        set_phase(status, phase, now)
    });
}

/// How often the PV controller syncs every claim again (`--pvclaimbinder-sync-period`).
pub const RESYNC_PERIOD: Millis = Millis::secs(15);

/// The resync, modelled where it can change something or records something: a claim's
/// sync does nothing new unless its inputs changed, and every input reaches the controller
/// through an event, except a StorageClass (no handler) and which pods wait for the claim.
/// So the claims owed a sync at the resync are those such an input may have changed, those
/// that wait for a volume bound to another claim (`FailedBinding` at every sync), those
/// that wait for their first consumer (`WaitForFirstConsumer` or `WaitForPodScheduled` at
/// every sync), and the claims bound once whose volume no longer says so (a volume event
/// does not sync its claim, the resync does: `volume_changed`): only those cost work at a
/// resync.
#[derive(Debug, Default)]
pub struct Resync {
    owed_sync: std::collections::BTreeSet<String>,
    /// When each claim (by UID) last recorded an event that every sync repeats (only looked
    /// up, never walked).
    synced_at: FastMap<Uid, Millis>,
    /// When each claim (by UID) was last told `ExternalProvisioning` (the same).
    provisioning_told_at: FastMap<Uid, Millis>,
    at: Option<Millis>,
}

/// A deleted claim (by UID) is forgotten.
pub(super) fn forget_claim(world: &mut World, uid: &str) {
    let uid = Uid::new(uid);
    world.volume_controller.resync.synced_at.remove(&uid);
    world
        .volume_controller
        .resync
        .provisioning_told_at
        .remove(&uid);
}

/// The next resync comes at the next multiple of [`RESYNC_PERIOD`] (set once).
fn schedule_resync(world: &mut World) {
    let resync = &mut world.volume_controller.resync;
    if resync.at.is_none() {
        let at = world.now.next_multiple_of(RESYNC_PERIOD);
        resync.at = Some(at);
        world.timers.at(at, crate::sim::world::Timer::ResyncClaims);
    }
}

/// The claim is synced again at the next resync.
fn owe_sync(world: &mut World, name: &str) {
    world
        .volume_controller
        .resync
        .owed_sync
        .insert(name.to_string());
    schedule_resync(world);
}

/// A StorageClass was created or changed. The PV controller has no handler for classes (it
/// only lists them), so a Pending claim that names no class sees a class newly marked
/// default at the next resync (`assignDefaultStorageClass`).
pub(super) fn owe_sync_classless(world: &mut World) {
    if super::default_class(&world.store).is_none() {
        return;
    }
    let pending = pending_claims(world, |c| {
        !super::claim_has_class(c)
            && c.metadata.deletion_timestamp.is_none()
            && c.spec
                .as_ref()
                .and_then(|s| s.volume_name.as_ref())
                .is_none()
            && !c
                .metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.contains_key(SELECTED_NODE))
    });
    for name in pending {
        owe_sync(world, &name);
    }
}

/// The resync came: each owed claim still Pending is synced again.
pub fn resync(world: &mut World) -> Result<(), SimError> {
    super::index::catch_up(world, None);
    let owed_sync = std::mem::take(&mut world.volume_controller.resync.owed_sync);
    world.volume_controller.resync.at = None;
    for name in owed_sync {
        let owed = world.store.claims().get(&name).is_some_and(|claim| {
            (phase_of_claim(claim) == "Pending" || bind_completed(claim))
                && claim.metadata.deletion_timestamp.is_none()
        });
        if owed {
            sync_claim(world, &name)?;
        }
    }
    Ok(())
}

/// `recycleVolumeOperation` without a recycler for the volume: Failed at once.
fn fail_no_recycler(world: &mut World, name: &str) {
    fail_volume(
        world,
        name,
        "VolumeFailedRecycle",
        "No recycler plugin found for the volume!".into(),
    );
}
