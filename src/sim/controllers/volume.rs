//! The PersistentVolume controller, a dynamic provisioner and the pvc-/pv-protection
//! controllers (BEHAVIORS §1.16, B-PV-1..4), as kube-controller-manager and an external
//! provisioner (kind's local-path) do it:
//!
//! - a Pending claim binds to an Available volume that fits, else a class with
//!   `volumeBindingMode: Immediate` provisions `pvc-<claim uid>` at once; with
//!   `WaitForFirstConsumer` the scheduler picks the node first (`prebind`);
//! - a deleted claim stays while a scheduled, non-terminal pod uses it; a volume whose
//!   claim is gone is Released, then deleted when its reclaim policy is Delete.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use serde_json::{json, Value};

use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil;
use crate::sim::server::{self, Propagation};
use crate::sim::world::{Change, WatchEvent, World};

pub const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";
pub const PV_PROTECTION: &str = "kubernetes.io/pv-protection";
/// The scheduler's choice for a WaitForFirstConsumer claim.
pub const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

#[derive(Debug, Default)]
pub struct VolumeController {
    /// (claim UID, reason) already recorded: upstream repeats these events on every resync,
    /// kubectl folds the repeats into one line with a count, so scn records one.
    told: BTreeSet<(String, String)>,
}

pub fn on_event(world: &mut World, event: &WatchEvent) -> Result<(), SimError> {
    match (&event.kind, &event.change) {
        (ObjectKind::PersistentVolumeClaim, Change::Deleted) => {
            // The volumes that were bound to it learn that it is gone.
            let bound: Vec<String> = world
                .store
                .volumes
                .iter()
                .filter(|(_, pv)| claim_ref_name(pv) == Some(event.name.as_str()))
                .map(|(name, _)| name.clone())
                .collect();
            for pv in bound {
                sync_volume(world, &pv);
            }
        }
        (ObjectKind::PersistentVolumeClaim, change) => {
            sync_claim(world, &event.name);
            // A pod set aside because its claim was missing may now wait for its node.
            if *change == Change::Added {
                wake_pods_using(world, &event.name);
            }
        }
        (ObjectKind::PersistentVolume, Change::Deleted) => world.files.volume_gone(&event.name),
        (ObjectKind::PersistentVolume, _) => {
            sync_volume(world, &event.name);
            // A new volume may fit a claim that waits for one.
            if event.change == Change::Added {
                sync_pending_claims(world);
            }
        }
        (ObjectKind::StorageClass, Change::Added) => sync_pending_claims(world),
        (ObjectKind::Pod, _) => release_unused_claims(world),
        _ => {}
    }
    Ok(())
}

fn sync_pending_claims(world: &mut World) {
    let pending: Vec<String> = world
        .store
        .claims
        .iter()
        .filter(|(_, c)| phase_of_claim(c) == "Pending")
        .map(|(n, _)| n.clone())
        .collect();
    for name in pending {
        sync_claim(world, &name);
    }
}

fn phase_of_claim(claim: &PersistentVolumeClaim) -> &str {
    claim
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending")
}

fn claim_ref_name(pv: &PersistentVolume) -> Option<&str> {
    pv.spec.as_ref()?.claim_ref.as_ref()?.name.as_deref()
}

fn class_of<'w>(
    world: &'w World,
    claim: &PersistentVolumeClaim,
) -> (String, Option<&'w StorageClass>) {
    let name = claim
        .spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default();
    let class = world.store.storage_classes.get(&name);
    (name, class)
}

fn waits_for_consumer(class: &StorageClass) -> bool {
    class.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer")
}

/// Records an event about a claim once per claim UID and reason.
fn tell(world: &mut World, claim: &str, type_: &'static str, reason: &str, message: String) {
    let uid = world
        .store
        .claims
        .get(claim)
        .and_then(|c| c.metadata.uid.clone())
        .unwrap_or_default();
    if world
        .volume_controller
        .told
        .insert((uid, reason.to_string()))
    {
        let now = world.now;
        world.events.record(
            now,
            ObjectKind::PersistentVolumeClaim,
            claim,
            type_,
            reason,
            message,
        );
    }
}

fn record(world: &mut World, claim: &str, type_: &'static str, reason: &str, message: String) {
    let now = world.now;
    world.events.record(
        now,
        ObjectKind::PersistentVolumeClaim,
        claim,
        type_,
        reason,
        message,
    );
}

/// `syncClaim` for an unbound claim: bind, provision, or wait.
fn sync_claim(world: &mut World, name: &str) {
    let Some(claim) = world.store.claims.get(name).cloned() else {
        return;
    };
    if claim.metadata.deletion_timestamp.is_some() {
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
        if let Some(pv) = find_volume(world, &claim) {
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
    if !delayed {
        if let Some(pv) = find_volume(world, &claim) {
            bind(world, name, &pv);
            return;
        }
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
        let pv = world.store.volumes.get(volume)?;
        let taken = pv
            .spec
            .as_ref()
            .and_then(|s| s.claim_ref.as_ref())
            .is_some_and(|r| r.name.as_deref() != Some(name));
        return (!taken && pv.metadata.deletion_timestamp.is_none()).then(|| volume.clone());
    }
    let mut best: Option<(u128, String)> = None;
    for (pv_name, pv) in &world.store.volumes {
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

pub use crate::quantity::bytes as parse_quantity;

/// The provisioner creates `pvc-<claim uid>` with the claim's size and modes and the
/// class's reclaim policy, then the PV controller binds the two (B-PV-1, B-PV-2).
fn provision(world: &mut World, claim_name: &str, class: &StorageClass, node: Option<&str>) {
    let Some(claim) = world.store.claims.get(claim_name).cloned() else {
        return;
    };
    let ns = world.config.namespace.clone();
    let uid = claim.metadata.uid.clone().unwrap_or_default();
    let pv_name = format!("pvc-{uid}");
    let spec = claim.spec.clone().unwrap_or_default();
    let Some(request) = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .cloned()
    else {
        tell(
            world,
            claim_name,
            "Warning",
            "ProvisioningFailed",
            "claim.Spec.Resources.Requests[storage] not found".into(),
        );
        return;
    };
    // The claim says which provisioner works on it (the PV controller's annotations).
    if let Some(stored) = world.store.claims.get_mut(claim_name) {
        let annotations = stored
            .metadata
            .annotations
            .get_or_insert_with(Default::default);
        annotations.insert(
            "volume.beta.kubernetes.io/storage-provisioner".into(),
            class.provisioner.clone(),
        );
        annotations.insert(
            "volume.kubernetes.io/storage-provisioner".into(),
            class.provisioner.clone(),
        );
    }
    record(
        world,
        claim_name,
        "Normal",
        "Provisioning",
        format!("External provisioner is provisioning volume for claim \"{ns}/{claim_name}\""),
    );
    let mut pv = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": pv_name,
            "annotations": {"pv.kubernetes.io/provisioned-by": class.provisioner},
            "finalizers": [PV_PROTECTION],
        },
        "spec": {
            "capacity": {"storage": request},
            "accessModes": spec.access_modes.clone().unwrap_or_default(),
            "persistentVolumeReclaimPolicy": class.reclaim_policy.clone().unwrap_or_else(|| "Delete".into()),
            "storageClassName": class.metadata.name.clone().unwrap_or_default(),
            "volumeMode": spec.volume_mode.clone().unwrap_or_else(|| "Filesystem".into()),
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "namespace": ns,
                "name": claim_name,
                "uid": uid,
                "resourceVersion": claim.metadata.resource_version.clone().unwrap_or_default(),
            },
            // Where local-path keeps it on the node.
            "hostPath": {
                "path": format!("/var/local-path-provisioner/{pv_name}_{ns}_{claim_name}"),
                "type": "DirectoryOrCreate",
            },
        },
        "status": {"phase": "Pending"},
    });
    if let Some(affinity) = provisioned_affinity(world, class, node) {
        pv["spec"]["nodeAffinity"] = affinity;
    }
    let created = quietly(world, |world| {
        server::create(world, &ObjectKind::PersistentVolume, &pv)
    });
    if let Err(e) = created {
        let message = match e {
            server::RequestError::Api(e) => e.message,
            server::RequestError::Sim(e) => e.to_string(),
        };
        tell(world, claim_name, "Warning", "ProvisioningFailed", message);
        return;
    }
    record(
        world,
        claim_name,
        "Normal",
        "ProvisioningSucceeded",
        format!("Successfully provisioned volume {pv_name}"),
    );
    bind(world, claim_name, &pv_name);
}

/// The node affinity of a provisioned volume: for WaitForFirstConsumer, the chosen node's
/// zone when it has one (a zonal disk), else the node itself (a local volume); for
/// Immediate, the first zone the class's `allowedTopologies` lists; else none.
fn provisioned_affinity(
    world: &World,
    class: &StorageClass,
    node: Option<&str>,
) -> Option<serde_json::Value> {
    let term = |key: &str, value: &str| {
        json!({"required": {"nodeSelectorTerms": [{
            "matchExpressions": [{"key": key, "operator": "In", "values": [value]}]}]}})
    };
    if let Some(node) = node {
        let zone = world
            .store
            .nodes
            .get(node)
            .and_then(crate::sim::nodes::zone);
        return Some(match zone {
            Some(zone) => term(crate::sim::nodes::LABEL_ZONE, zone),
            None => term(crate::sim::nodes::LABEL_HOSTNAME, node),
        });
    }
    let first = class.allowed_topologies.as_ref()?.first()?;
    let expressions: Vec<serde_json::Value> = first
        .match_label_expressions
        .iter()
        .flatten()
        .filter_map(|e| {
            let value = e.values.first()?;
            Some(json!({"key": e.key, "operator": "In", "values": [value]}))
        })
        .collect();
    (!expressions.is_empty())
        .then(|| json!({"required": {"nodeSelectorTerms": [{"matchExpressions": expressions}]}}))
}

/// VolumeBinding's check for claims still to be provisioned on the chosen node: a
/// WaitForFirstConsumer class with `allowedTopologies` admits only the nodes it lists.
pub fn provisionable_on(world: &World, pod: &Pod, node: &Node) -> bool {
    let empty = Default::default();
    let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
    claims_of(pod).iter().all(|claim_name| {
        let Some(claim) = world.store.claims.get(claim_name) else {
            return true;
        };
        if phase_of_claim(claim) != "Pending" {
            return true;
        }
        let (_, class) = class_of(world, claim);
        let Some(terms) = class
            .filter(|c| waits_for_consumer(c))
            .and_then(|c| c.allowed_topologies.as_ref())
            .filter(|t| !t.is_empty())
        else {
            return true;
        };
        terms.iter().any(|term| {
            term.match_label_expressions
                .iter()
                .flatten()
                .all(|e| labels.get(&e.key).is_some_and(|v| e.values.contains(v)))
        })
    })
}

/// `bind`: the volume points at the claim and the claim at the volume; both are Bound.
fn bind(world: &mut World, claim_name: &str, pv_name: &str) {
    let Some(claim) = world.store.claims.get(claim_name).cloned() else {
        return;
    };
    let ns = world.config.namespace.clone();
    let Some(pv) = world.store.volumes.get_mut(pv_name) else {
        return;
    };
    let pv_spec = pv.spec.get_or_insert_with(Default::default);
    if pv_spec.claim_ref.is_none() {
        // The controller, not the user, chose this claim for the volume.
        pv.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert("pv.kubernetes.io/bound-by-controller".into(), "yes".into());
    }
    let claim_ref = pv_spec.claim_ref.get_or_insert_with(Default::default);
    claim_ref.api_version = Some("v1".into());
    claim_ref.kind = Some("PersistentVolumeClaim".into());
    claim_ref.namespace = Some(ns);
    claim_ref.name = Some(claim_name.to_string());
    claim_ref.uid = claim.metadata.uid.clone();
    let capacity = pv_spec.capacity.clone();
    let modes = pv_spec.access_modes.clone();
    pv.status.get_or_insert_with(Default::default).phase = Some("Bound".into());
    server::touch(world, &ObjectKind::PersistentVolume, pv_name);

    let Some(stored) = world.store.claims.get_mut(claim_name) else {
        return;
    };
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
    server::touch(world, &ObjectKind::PersistentVolumeClaim, claim_name);
    wake_pods_using(world, claim_name);
}

/// Pods the scheduler set aside for this claim get another chance.
fn wake_pods_using(world: &mut World, claim: &str) {
    let waiting = world.scheduler.unschedulable.iter().any(|p| {
        world
            .store
            .pods
            .get(p.as_str())
            .is_some_and(|pod| claims_of(pod).iter().any(|c| c == claim))
    });
    if waiting {
        crate::sim::scheduler::request_retry(world);
    }
}

/// The claims a pod's volumes name.
pub fn claims_of(pod: &Pod) -> Vec<String> {
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .map(|c| c.claim_name.clone())
        .collect()
}

/// `syncVolume`: a new volume without a claim is Available; a bound volume whose claim
/// is gone is Released and reclaimed; a deleted volume no claim uses loses pv-protection.
fn sync_volume(world: &mut World, name: &str) {
    let Some(pv) = world.store.volumes.get(name).cloned() else {
        return;
    };
    let mut phase = pv
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default();
    let deleting = pv.metadata.deletion_timestamp.is_some();
    match pv.spec.as_ref().and_then(|s| s.claim_ref.clone()) {
        None => {
            if !deleting && (phase.is_empty() || phase == "Pending") {
                set_volume_phase(world, name, "Available");
            }
        }
        // Without a UID it is pre-bound by name and waits for its claim.
        Some(claim_ref) if claim_ref.uid.is_some() => {
            let claim_lives = world
                .store
                .claims
                .get(claim_ref.name.as_deref().unwrap_or_default())
                .is_some_and(|c| c.metadata.uid == claim_ref.uid);
            if !claim_lives && phase != "Released" && phase != "Failed" {
                // The claim is gone: released, and its reclaim policy applies (B-PV-4).
                set_volume_phase(world, name, "Released");
                phase = "Released".into();
                let policy = pv
                    .spec
                    .as_ref()
                    .and_then(|s| s.persistent_volume_reclaim_policy.clone())
                    .unwrap_or_else(|| "Retain".into());
                if policy == "Delete" && !deleting {
                    let _ = quietly(world, |world| {
                        server::delete(
                            world,
                            &ObjectKind::PersistentVolume,
                            name,
                            Propagation::Background,
                            false,
                        )
                    });
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
    if let Some(pv) = world.store.volumes.get_mut(name) {
        pv.status.get_or_insert_with(Default::default).phase = Some(phase.to_string());
        server::touch(world, &ObjectKind::PersistentVolume, name);
    }
}

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

fn release_unused_claims(world: &mut World) {
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
fn release_if_unused(world: &mut World, name: &str) {
    if !in_use(world, name) {
        remove_finalizer(
            world,
            &ObjectKind::PersistentVolumeClaim,
            name,
            PVC_PROTECTION,
        );
    }
}

fn remove_finalizer(world: &mut World, kind: &ObjectKind, name: &str, finalizer: &str) {
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

/// Runs a controller's API request without clearing the warnings the user's last action
/// got (the server resets them on every request; `warnings` is about the user's).
fn quietly<T>(world: &mut World, request: impl FnOnce(&mut World) -> T) -> T {
    let warnings = std::mem::take(&mut world.warnings);
    let out = request(world);
    world.warnings = warnings;
    out
}

/// Why a pod cannot be scheduled because of its claims, as the scheduler's VolumeBinding
/// plugin says it (`PreFilter`), or the nodes its bound volumes allow (`Filter`).
pub enum ClaimCheck {
    /// Schedulable; `Some` restricts the nodes to those the bound volumes' affinity allows.
    Ready(Option<BTreeSet<String>>),
    Unschedulable(String),
}

pub fn check_pod(world: &World, pod: &Pod) -> ClaimCheck {
    let mut allowed: Option<BTreeSet<String>> = None;
    for claim_name in claims_of(pod) {
        let Some(claim) = world.store.claims.get(&claim_name) else {
            return ClaimCheck::Unschedulable(format!(
                "persistentvolumeclaim \"{claim_name}\" not found"
            ));
        };
        if claim.metadata.deletion_timestamp.is_some() {
            return ClaimCheck::Unschedulable(format!(
                "persistentvolumeclaim \"{claim_name}\" is being deleted"
            ));
        }
        if phase_of_claim(claim) == "Bound" {
            let pv = claim
                .spec
                .as_ref()
                .and_then(|s| s.volume_name.as_ref())
                .and_then(|v| world.store.volumes.get(v));
            if let Some(nodes) = pv.and_then(|pv| affinity_nodes(world, pv)) {
                allowed = Some(match allowed {
                    Some(prev) => prev.intersection(&nodes).cloned().collect(),
                    None => nodes,
                });
            }
            continue;
        }
        let (_, class) = class_of(world, claim);
        if !class.is_some_and(waits_for_consumer) {
            return ClaimCheck::Unschedulable(
                "pod has unbound immediate PersistentVolumeClaims".into(),
            );
        }
    }
    ClaimCheck::Ready(allowed)
}

/// The nodes a volume's required node affinity admits (hostname terms, as local volumes
/// write them); None when it has none.
fn affinity_nodes(world: &World, pv: &PersistentVolume) -> Option<BTreeSet<String>> {
    let terms = &pv
        .spec
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required
        .as_ref()?
        .node_selector_terms;
    let nodes = world
        .store
        .nodes
        .iter()
        .filter(|(_, node)| {
            let labels = node.metadata.labels.clone().unwrap_or_default();
            terms.iter().any(|term| {
                term.match_expressions.iter().flatten().all(|e| {
                    crate::sim::labels::requirement_matches(
                        &labels,
                        &e.key,
                        &e.operator,
                        e.values.as_deref().unwrap_or_default(),
                    )
                })
            })
        })
        .map(|(name, _)| name.clone())
        .collect();
    Some(nodes)
}

/// The scheduler's `PreBind` for WaitForFirstConsumer claims: the chosen node is written
/// on the claim, and the provisioner makes a volume there before the pod is bound (B-PV-3).
pub fn prebind(world: &mut World, pod: &str, node: &str) {
    let Some(claims) = world.store.pods.get(pod).map(claims_of) else {
        return;
    };
    for claim_name in claims {
        let Some(claim) = world.store.claims.get_mut(&claim_name) else {
            continue;
        };
        if phase_of_claim(claim) != "Pending" {
            continue;
        }
        claim
            .metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(SELECTED_NODE.into(), node.to_string());
        server::touch(world, &ObjectKind::PersistentVolumeClaim, &claim_name);
        sync_claim(world, &claim_name);
    }
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
