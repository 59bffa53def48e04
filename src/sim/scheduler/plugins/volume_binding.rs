//! VolumeBinding (`volumebinding/volume_binding.go`, `binder.go`, B-SCHED-16): the pod's
//! claims must exist, not be Lost (bound to a volume that is gone) nor being deleted; then
//! an unbound Immediate claim fails PreFilter; a bound volume's node
//! affinity admits only its nodes; an unbound WaitForFirstConsumer claim needs, on each
//! node, an Available volume that fits it and whose node affinity admits the node, else a
//! class that can provision there (a provisioner other than `kubernetes.io/no-provisioner`,
//! within its `allowedTopologies`). `PreBind` binds the volumes chosen for the node, and
//! writes the node on the claims left to provision, which the PV controller then does.

use crate::sim::error::SimError;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    PersistentVolume, PersistentVolumeClaim, Pod, TopologySelectorTerm,
};

use super::super::framework::{Code, Status};
use crate::sim::controllers::volume::{
    bind_volume, bindable_volumes, catch_up_index, claims_of, class_of, ephemeral_claim_name,
    find_matching_volume, node_affinity_admits, phase_of_claim, request_of, sync_claim,
    volume_is_for_pod, waits_for_consumer, Search, Wants, NO_PROVISIONER, SELECTED_NODE,
};
use crate::sim::server;
use crate::sim::World;

pub const ERR_REASON_NODE_CONFLICT: &str = "node(s) didn't match PersistentVolume's node affinity";
pub const ERR_REASON_BIND_CONFLICT: &str =
    "node(s) didn't find available persistent volumes to bind";

/// PreFilter: `Err` is the whole-pod reason; `Ok(Some(admits))` which nodes bound volumes
/// admit, one flag per node in the store's order.
pub fn pre_filter(world: &World, pod: &Pod) -> Result<Option<Vec<bool>>, String> {
    match check_pod(world, pod) {
        ClaimCheck::Ready(allowed) => Ok(allowed),
        ClaimCheck::Unschedulable(reason) => Err(reason),
    }
}

/// The controllers' view of volumes is brought up to date before a cycle reads it.
pub fn prepare(world: &mut World) {
    catch_up_index(world);
}

/// `index` is the node's place in the store's order. `FindPodVolumes` checks the bound
/// claims and the unbound ones independently and appends a reason for each that fails, in
/// that order (`ErrReasonNodeConflict`, then `ErrReasonBindConflict`): a node can count
/// under both in the FailedScheduling message.
pub fn filter(
    state: &FilterState,
    index: usize,
    labels: &BTreeMap<String, String>,
) -> Option<Status> {
    let mut reasons = Vec::new();
    if state.allowed.is_some_and(|a| !a[index]) {
        reasons.push(ERR_REASON_NODE_CONFLICT.to_string());
    }
    if !state.unbound.is_empty() && find_pod_volumes(&state.unbound, labels).is_none() {
        reasons.push(ERR_REASON_BIND_CONFLICT.to_string());
    }
    (!reasons.is_empty()).then_some(Status {
        code: Code::UnschedulableAndUnresolvable,
        reasons,
        plugin: "",
    })
}

/// What the filter needs of the pod's claims, read once per cycle: the nodes its bound
/// volumes admit, and its claims the scheduler binds.
pub struct FilterState<'a> {
    pub allowed: Option<&'a [bool]>,
    pub unbound: Vec<DelayedClaim<'a>>,
}

/// A Pending claim of a WaitForFirstConsumer class: the volumes it may bind (checked per
/// node for their node affinity), and where its class can provision.
pub struct DelayedClaim<'a> {
    name: &'a str,
    wants: Wants<'a>,
    size: u128,
    candidates: Vec<&'a PersistentVolume>,
    /// `None` when its class cannot provision (`checkVolumeProvisions`); else the class's
    /// `allowedTopologies` (empty: every node).
    provision: Option<&'a [TopologySelectorTerm]>,
}

/// The pod's Pending WaitForFirstConsumer claims, smallest request first (the binder
/// gives each claim the smallest volume that fits, in that order).
pub fn delayed_claims<'w>(world: &'w World, claims: &[String]) -> Vec<DelayedClaim<'w>> {
    let mut delayed: Vec<DelayedClaim> = claims
        .iter()
        .filter_map(|claim_name| {
            let claim = world.store.claims().get(claim_name)?;
            if phase_of_claim(claim) != "Pending" {
                return None;
            }
            let (_, class) = class_of(world, claim);
            let class = class.filter(|c| waits_for_consumer(c))?;
            let provision = (!class.provisioner.is_empty() && class.provisioner != NO_PROVISIONER)
                .then(|| class.allowed_topologies.as_deref().unwrap_or_default());
            Some(DelayedClaim {
                name: claim.metadata.name.as_deref().unwrap_or_default(),
                wants: Wants::of(claim),
                size: request_of(claim).unwrap_or(0),
                candidates: bindable_volumes(world, claim_name),
                provision,
            })
        })
        .collect();
    delayed.sort_by_key(|c| c.size);
    delayed
}

/// `FindPodVolumes` on one node: for each claim, the volume it would bind there (`None`:
/// provisioned there); `None` when a claim can have neither.
fn find_pod_volumes<'a>(
    claims: &[DelayedClaim<'a>],
    labels: &BTreeMap<String, String>,
) -> Option<Vec<Option<&'a PersistentVolume>>> {
    let mut chosen: Vec<&str> = Vec::new();
    let mut plan = Vec::with_capacity(claims.len());
    for claim in claims {
        let found = if claim.candidates.is_empty() {
            None
        } else {
            find_matching_volume(
                claim.candidates.iter().copied(),
                &claim.wants,
                Search::Node,
                Some(labels),
                &chosen,
            )
        };
        match found {
            Some(pv) => chosen.push(pv.metadata.name.as_deref().unwrap_or_default()),
            None if claim.provision.is_some_and(|t| provisionable_on(t, labels)) => {}
            None => return None,
        }
        plan.push(found);
    }
    Some(plan)
}

/// A class's `allowedTopologies` admit a node when one term matches its labels (no terms:
/// every node).
pub fn provisionable_on(terms: &[TopologySelectorTerm], labels: &BTreeMap<String, String>) -> bool {
    terms.is_empty()
        || terms.iter().any(|term| {
            term.match_label_expressions
                .iter()
                .flatten()
                .all(|e| labels.get(&e.key).is_some_and(|v| e.values.contains(v)))
        })
}

/// Why a pod cannot be scheduled because of its claims, as the scheduler's VolumeBinding
/// plugin says it (`PreFilter`), or the nodes its bound volumes allow (`Filter`).
pub enum ClaimCheck {
    /// Schedulable; `Some` restricts the nodes to those the bound volumes' affinity allows
    /// (one flag per node, in the store's order).
    Ready(Option<Vec<bool>>),
    Unschedulable(String),
}

/// Whether the claim is the one of a generic ephemeral volume of the pod.
fn is_ephemeral_claim(pod: &Pod, claim: &str) -> bool {
    let pod_name = pod.metadata.name.as_deref().unwrap_or_default();
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .any(|v| v.ephemeral.is_some() && ephemeral_claim_name(pod_name, &v.name) == claim)
}

pub fn check_pod(world: &World, pod: &Pod) -> ClaimCheck {
    let claims = claims_of(pod);
    // `podHasPVCs`: every claim of the pod must exist, have its volume and not be going,
    // checked claim by claim in the order the pod names them, before anything else.
    let mut found = Vec::with_capacity(claims.len());
    for claim_name in &claims {
        let Some(claim) = world.store.claims().get(claim_name) else {
            // Normal right after a pod with a generic ephemeral volume is created.
            if is_ephemeral_claim(pod, claim_name) {
                return ClaimCheck::Unschedulable(format!(
                    "waiting for ephemeral volume controller to create the persistentvolumeclaim \"{claim_name}\""
                ));
            }
            return ClaimCheck::Unschedulable(format!(
                "persistentvolumeclaim \"{claim_name}\" not found"
            ));
        };
        if phase_of_claim(claim) == "Lost" {
            let volume = claim
                .spec
                .as_ref()
                .and_then(|s| s.volume_name.as_deref())
                .unwrap_or_default();
            return ClaimCheck::Unschedulable(format!(
                "persistentvolumeclaim \"{claim_name}\" bound to non-existent persistentvolume \"{volume}\""
            ));
        }
        if claim.metadata.deletion_timestamp.is_some() {
            return ClaimCheck::Unschedulable(format!(
                "persistentvolumeclaim \"{claim_name}\" is being deleted"
            ));
        }
        if is_ephemeral_claim(pod, claim_name) {
            if let Err(why) = volume_is_for_pod(pod, claim) {
                return ClaimCheck::Unschedulable(why);
            }
        }
        found.push(claim);
    }
    // `GetPodVolumeClaims`: an unbound claim of an Immediate class should have been bound
    // by the PV controller already; bound volumes restrict the nodes.
    let mut allowed: Option<Vec<bool>> = None;
    for claim in found {
        if phase_of_claim(claim) == "Bound" {
            let pv = claim
                .spec
                .as_ref()
                .and_then(|s| s.volume_name.as_ref())
                .and_then(|v| world.store.volumes().get(v));
            if let Some(nodes) = pv.and_then(|pv| affinity_nodes(world, pv)) {
                allowed = Some(match allowed {
                    Some(prev) => prev.iter().zip(&nodes).map(|(a, b)| *a && *b).collect(),
                    None => nodes,
                });
            }
            continue;
        }
        // A claim that names its volume (pre-bound) counts as Immediate whatever its
        // class: the scheduler does not pick volumes for it.
        let pre_bound = claim
            .spec
            .as_ref()
            .and_then(|s| s.volume_name.as_deref())
            .is_some_and(|v| !v.is_empty());
        let (_, class) = class_of(world, claim);
        if pre_bound || !class.is_some_and(waits_for_consumer) {
            return ClaimCheck::Unschedulable(
                "pod has unbound immediate PersistentVolumeClaims".into(),
            );
        }
    }
    ClaimCheck::Ready(allowed)
}

/// Which nodes a volume's required node affinity admits, one flag per node in the store's
/// order; None when it has none.
fn affinity_nodes(world: &World, pv: &PersistentVolume) -> Option<Vec<bool>> {
    pv.spec
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required
        .as_ref()?;
    let empty = BTreeMap::new();
    let nodes = world
        .store
        .nodes()
        .values()
        .map(|node| node_affinity_admits(pv, node.metadata.labels.as_ref().unwrap_or(&empty)))
        .collect();
    Some(nodes)
}

/// The scheduler's `PreBind` (`BindPodVolumes`): the volumes chosen for the node are bound
/// to their claims; the claims left to provision get the node (`selected-node`), and the
/// PV controller has the provisioner make a volume there, before the pod is bound (B-PV-3).
pub fn prebind(world: &mut World, pod: &str, node: &str) -> Result<(), SimError> {
    let Some(claims) = world.store.pods().get(pod).map(claims_of) else {
        return Ok(());
    };
    catch_up_index(world);
    let empty = BTreeMap::new();
    let chosen: Vec<(String, String)> = {
        let labels = world
            .store
            .nodes()
            .get(node)
            .and_then(|n| n.metadata.labels.as_ref())
            .unwrap_or(&empty);
        let delayed = delayed_claims(world, &claims);
        find_pod_volumes(&delayed, labels)
            .into_iter()
            .flat_map(|plan| delayed.iter().zip(plan))
            .filter_map(|(claim, pv)| Some((claim.name.to_string(), pv?.metadata.name.clone()?)))
            .collect()
    };
    for (claim, pv) in &chosen {
        bind_volume(world, claim, pv);
    }
    for claim_name in claims {
        if chosen.iter().any(|(c, _)| *c == claim_name) {
            continue;
        }
        let written = server::write::<PersistentVolumeClaim>(
            world,
            &claim_name,
            server::Author::Other,
            |claim| {
                if phase_of_claim(claim) != "Pending" {
                    return false;
                }
                claim
                    .metadata
                    .annotations
                    .get_or_insert_with(Default::default)
                    .insert(SELECTED_NODE.into(), node.to_string());
                true
            },
        );
        if written.is_none() {
            continue;
        }
        sync_claim(world, &claim_name)?;
    }
    Ok(())
}
