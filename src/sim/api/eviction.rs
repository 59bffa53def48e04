//! The pods/eviction subresource (upstream `pkg/registry/core/pod/storage/eviction.go`,
//! B-EVICT-1..5): a graceful delete that PodDisruptionBudgets may refuse.

use k8s_openapi::api::policy::v1::PodDisruptionBudget;

use crate::sim::clock::to_time;
use crate::sim::controllers::disruption;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, ApiError, Reason};
use crate::sim::{labels, podutil, World};

/// `MaxDisruptedPodSize`.
pub const MAX_DISRUPTED_POD_SIZE: usize = 2000;

pub const VIOLATION: &str = "Cannot evict pod as it would violate the pod's disruption budget.";

/// `Create`: evicts pod `name` or says why not.
pub fn evict(world: &mut World, name: &str) -> Result<(), ApiError> {
    let Some(pod) = world.store.pods().get(name).cloned() else {
        return Err(ApiError::not_found(&ObjectKind::Pod, name));
    };
    // `canIgnorePDB`: finished, Pending and terminating pods go without the budget.
    let phase = podutil::phase(&pod);
    if matches!(phase, "Succeeded" | "Failed" | "Pending") || podutil::is_terminating(&pod) {
        delete(world, name);
        return Ok(());
    }
    let pdbs = budgets_for(world, &pod);
    if pdbs.len() > 1 {
        // A bare `metav1.Status` (code 500, no reason), not `NewInternalError`: no
        // "Internal error occurred" prefix.
        return Err(ApiError::new(
            Reason::Unknown,
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        ));
    }
    let Some((pdb_name, pdb)) = pdbs.into_iter().next() else {
        delete(world, name);
        return Ok(());
    };
    let spec = pdb.spec.clone().unwrap_or_default();
    let status = pdb.status.clone().unwrap_or_default();
    if !podutil::is_ready(&pod) {
        // An unhealthy pod: B-PDB-12, B-EVICT-3.
        if spec.unhealthy_pod_eviction_policy.as_deref() == Some("AlwaysAllow") {
            delete(world, name);
            return Ok(());
        }
        let (current, desired) = (
            status.current_healthy.unwrap_or(0),
            status.desired_healthy.unwrap_or(0),
        );
        if current >= desired && desired > 0 {
            delete(world, name);
            return Ok(());
        }
    }
    check_and_decrement(world, name, &pdb_name, &pdb)?;
    delete(world, name);
    Ok(())
}

/// `getPodDisruptionBudgets`: the budgets whose selector matches the pod's labels. A nil
/// selector matches nothing; an empty one (`{}`) matches every pod, as the disruption
/// controller counts it (since v1.29, kubernetes#119732).
fn budgets_for(
    world: &World,
    pod: &k8s_openapi::api::core::v1::Pod,
) -> Vec<(String, PodDisruptionBudget)> {
    world
        .store
        .names(&disruption::kind())
        .into_iter()
        .filter_map(|n| disruption::get(world, &n).map(|p| (n, p)))
        .filter(|(_, pdb)| {
            let Some(selector) = pdb.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
                return false;
            };
            labels::pod_matches(Some(selector), pod)
        })
        .collect()
}

/// `checkAndDecrement`.
fn check_and_decrement(
    world: &mut World,
    pod: &str,
    pdb_name: &str,
    pdb: &PodDisruptionBudget,
) -> Result<(), ApiError> {
    let mut status = pdb.status.clone().unwrap_or_default();
    if status.observed_generation.unwrap_or(0) < pdb.metadata.generation.unwrap_or(0) {
        return Err(ApiError::new(Reason::TooManyRequests, VIOLATION));
    }
    let allowed = status.disruptions_allowed.unwrap_or(0);
    if allowed < 0 {
        return Err(ApiError::new(
            Reason::Forbidden,
            format!("poddisruptionbudget.policy \"{pdb_name}\" is forbidden: pdb disruptions allowed is negative"),
        ));
    }
    if status.disrupted_pods.as_ref().map_or(0, |m| m.len()) > MAX_DISRUPTED_POD_SIZE {
        return Err(ApiError::new(
            Reason::Forbidden,
            format!("poddisruptionbudget.policy \"{pdb_name}\" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller"),
        ));
    }
    if allowed == 0 {
        return Err(ApiError::new(Reason::TooManyRequests, VIOLATION));
    }
    status.disruptions_allowed = Some(allowed - 1);
    if allowed - 1 == 0 {
        disruption::update_disruption_allowed_condition(&mut status, world.now);
    }
    status
        .disrupted_pods
        .get_or_insert_with(Default::default)
        .insert(pod.to_string(), to_time(world.now));
    disruption::write_status(world, pdb_name, &status, false);
    Ok(())
}

/// `addConditionAndDeletePod`: the DisruptionTarget condition (reason
/// `EvictionByEvictionAPI`) on every pod it evicts, finished ones included, then a graceful
/// delete.
fn delete(world: &mut World, name: &str) {
    server::set_disruption_target(
        world,
        name,
        "EvictionByEvictionAPI",
        "Eviction API: evicting",
    );
    server::delete_pod(world, name, false);
}
