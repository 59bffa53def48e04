//! VolumeBinding (`volumebinding/volume_binding.go`, `binder.go`, B-SCHED-16): the pod's
//! claims must exist; an unbound Immediate claim fails PreFilter; a bound volume's node
//! affinity admits only its nodes; a WaitForFirstConsumer claim is provisioned on the
//! chosen node within its class's `allowedTopologies` (`PreBind` writes the node on the
//! claim and has the PV controller bind or provision it before the pod is bound).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    PersistentVolume, PersistentVolumeClaim, Pod, TopologySelectorTerm,
};

use super::super::framework::{Code, Status};
use crate::sim::controllers::volume::{
    claims_of, class_of, phase_of_claim, sync_claim, waits_for_consumer, SELECTED_NODE,
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

/// `index` is the node's place in the store's order.
pub fn filter(
    state: &FilterState,
    index: usize,
    labels: &BTreeMap<String, String>,
) -> Option<Status> {
    if state.allowed.is_some_and(|a| !a[index]) {
        return Some(Status::new(
            Code::UnschedulableAndUnresolvable,
            ERR_REASON_NODE_CONFLICT,
        ));
    }
    if !provisionable_on(&state.topologies, labels) {
        return Some(Status::new(
            Code::UnschedulableAndUnresolvable,
            ERR_REASON_BIND_CONFLICT,
        ));
    }
    None
}

/// What the filter needs of the pod's claims, read once per cycle: the nodes its bound
/// volumes admit, and the `allowedTopologies` of each claim still to be provisioned.
pub struct FilterState<'a> {
    pub allowed: Option<&'a [bool]>,
    pub topologies: Vec<&'a [TopologySelectorTerm]>,
}

/// Per claim still to be provisioned on the chosen node (Pending, of a
/// WaitForFirstConsumer class with `allowedTopologies`), the class's terms. A claim of any
/// other kind admits every node, so a pod with none of these is provisionable anywhere.
pub fn topologies<'w>(world: &'w World, claims: &[String]) -> Vec<&'w [TopologySelectorTerm]> {
    claims
        .iter()
        .filter_map(|claim_name| {
            let claim = world.store.claims().get(claim_name)?;
            if phase_of_claim(claim) != "Pending" {
                return None;
            }
            let (_, class) = class_of(world, claim);
            class
                .filter(|c| waits_for_consumer(c))
                .and_then(|c| c.allowed_topologies.as_deref())
                .filter(|t| !t.is_empty())
        })
        .collect()
}

/// VolumeBinding's check for claims still to be provisioned on the chosen node: a
/// WaitForFirstConsumer class with `allowedTopologies` admits only the nodes it lists.
pub fn provisionable_on(
    topologies: &[&[TopologySelectorTerm]],
    labels: &BTreeMap<String, String>,
) -> bool {
    topologies.iter().all(|terms| {
        terms.iter().any(|term| {
            term.match_label_expressions
                .iter()
                .flatten()
                .all(|e| labels.get(&e.key).is_some_and(|v| e.values.contains(v)))
        })
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

pub fn check_pod(world: &World, pod: &Pod) -> ClaimCheck {
    let mut allowed: Option<Vec<bool>> = None;
    for claim_name in claims_of(pod) {
        let Some(claim) = world.store.claims().get(&claim_name) else {
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
                .and_then(|v| world.store.volumes().get(v));
            if let Some(nodes) = pv.and_then(|pv| affinity_nodes(world, pv)) {
                allowed = Some(match allowed {
                    Some(prev) => prev.iter().zip(&nodes).map(|(a, b)| *a && *b).collect(),
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

/// Which nodes a volume's required node affinity admits (hostname terms, as local volumes
/// write them), one flag per node in the store's order; None when it has none.
fn affinity_nodes(world: &World, pv: &PersistentVolume) -> Option<Vec<bool>> {
    let terms = &pv
        .spec
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required
        .as_ref()?
        .node_selector_terms;
    let empty = BTreeMap::new();
    let nodes = world
        .store
        .nodes()
        .values()
        .map(|node| {
            let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
            terms.iter().any(|term| {
                term.match_expressions.iter().flatten().all(|e| {
                    crate::sim::labels::requirement_matches(
                        labels,
                        &e.key,
                        &e.operator,
                        e.values.as_deref().unwrap_or_default(),
                    )
                })
            })
        })
        .collect();
    Some(nodes)
}

/// The scheduler's `PreBind` for WaitForFirstConsumer claims: the chosen node is written
/// on the claim, and the provisioner makes a volume there before the pod is bound (B-PV-3).
pub fn prebind(world: &mut World, pod: &str, node: &str) {
    let Some(claims) = world.store.pods().get(pod).map(claims_of) else {
        return;
    };
    for claim_name in claims {
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
        sync_claim(world, &claim_name);
    }
}
