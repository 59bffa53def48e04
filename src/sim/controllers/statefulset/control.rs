//! `defaultStatefulSetControl.UpdateStatefulSet`: one sync, in the upstream order
//! (BEHAVIORS §1.4): revisions; status from the pods; if the set is being deleted, only
//! status; process replicas in index order; process condemned pods from the highest
//! ordinal; status; stop for OnDelete; the rolling-update step.

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetStatus};
use k8s_openapi::api::core::v1::Pod;

use super::identity::{self, replicas, start_ordinal, REVISION_LABEL};
use super::pod_control::{self, WriteError};
use super::retention;
use super::revision;
use crate::sim::clock::SECOND;
use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil::{
    self, is_created, is_running_and_available, is_running_and_ready, is_terminating,
    is_unavailable,
};
use crate::sim::world::{Change, World};

pub enum Outcome {
    Done,
    /// A write failed: retry with back-off.
    Failed,
}

/// One slot of the ordinal range: the live pod, or the one the controller would create.
struct Replica {
    ordinal: i64,
    pod: Pod,
    exists: bool,
}

fn revision_of(pod: &Pod) -> &str {
    podutil::label(pod, REVISION_LABEL).unwrap_or_default()
}

fn min_ready_seconds(set: &StatefulSet) -> i32 {
    set.spec
        .as_ref()
        .and_then(|s| s.min_ready_seconds)
        .unwrap_or(0)
}

fn is_monotonic(set: &StatefulSet) -> bool {
    set.spec
        .as_ref()
        .and_then(|s| s.pod_management_policy.as_deref())
        != Some("Parallel")
}

fn strategy_type(set: &StatefulSet) -> &str {
    set.spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.type_.as_deref())
        .unwrap_or("RollingUpdate")
}

fn partition(set: &StatefulSet) -> Option<i64> {
    let rolling = set
        .spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.rolling_update.as_ref())?;
    Some(rolling.partition.unwrap_or(0) as i64)
}

pub fn update_statefulset(
    world: &mut World,
    set: &StatefulSet,
    pods: Vec<Pod>,
) -> Result<Outcome, SimError> {
    let revisions = revision::owned_revisions(world, set);
    let (current_rev, update_rev, collision_count) =
        revision::current_and_update(world, set, &revisions);
    let current_name = current_rev.metadata.name.clone().unwrap_or_default();
    let update_name = update_rev.metadata.name.clone().unwrap_or_default();
    let current_set = revision::apply_revision(set, &current_rev);
    let update_set = revision::apply_revision(set, &update_rev);

    let result = sync_pods(
        world,
        set,
        &current_set,
        &update_set,
        &current_name,
        &update_name,
        pods,
    );
    let (status_pods, outcome) = match result {
        Ok(r) => r,
        Err(WriteError::Sim(e)) => return Err(e),
        Err(WriteError::Failed(_)) => (None, Outcome::Failed),
    };
    let status_pods = match status_pods {
        Some(p) => p,
        None => owned_pods(world, set),
    };
    let mut status = compute_status(
        world,
        set,
        &status_pods,
        &current_name,
        &update_name,
        collision_count,
    );
    complete_rolling_update(set, &mut status);
    write_status(world, set, status);
    schedule_availability_checks(world, set, &status_pods);

    // truncateHistory, with the revisions as they are after this sync.
    let pod_revisions: Vec<String> = owned_pods(world, set)
        .iter()
        .map(|p| revision_of(p).to_string())
        .collect();
    let revisions = revision::owned_revisions(world, set);
    let (current, update) = latest_revision_names(world, set, &current_name, &update_name);
    revision::truncate_history(world, set, &pod_revisions, &revisions, &current, &update);
    Ok(outcome)
}

fn latest_revision_names(
    world: &World,
    set: &StatefulSet,
    current: &str,
    update: &str,
) -> (String, String) {
    let name = set.metadata.name.as_deref().unwrap_or_default();
    let status = world
        .store
        .statefulsets
        .get(name)
        .and_then(|s| s.status.clone());
    let current = status
        .as_ref()
        .and_then(|s| s.current_revision.clone())
        .unwrap_or_else(|| current.to_string());
    (current, update.to_string())
}

fn owned_pods(world: &World, set: &StatefulSet) -> Vec<Pod> {
    let uid = set.metadata.uid.as_deref().unwrap_or_default();
    world
        .store
        .pods
        .values()
        .filter(|p| podutil::controller_uid(p) == Some(uid))
        .cloned()
        .collect()
}

/// Steps 4 to 9. Returns the pods to count in status when the sync ended early with
/// the pods it saw (None: recount from the store), and the outcome.
#[allow(clippy::too_many_arguments)]
fn sync_pods(
    world: &mut World,
    set: &StatefulSet,
    current_set: &StatefulSet,
    update_set: &StatefulSet,
    current_rev: &str,
    update_rev: &str,
    pods: Vec<Pod>,
) -> Result<(Option<Vec<Pod>>, Outcome), WriteError> {
    let start = start_ordinal(set);
    let count = replicas(set).max(0);
    let end = start + count;
    let mut slots: Vec<Option<Pod>> = vec![None; count as usize];
    let mut condemned: Vec<(i64, Pod)> = Vec::new();
    for pod in pods {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let Some((_, ordinal)) = podutil::parent_and_ordinal(&name) else {
            continue; // B-ID-2: names that do not parse are ignored
        };
        if (start..end).contains(&ordinal) {
            slots[(ordinal - start) as usize] = Some(pod);
        } else {
            condemned.push((ordinal, pod));
        }
    }
    // Condemned pods are processed from the highest ordinal down.
    condemned.sort_by_key(|c| std::cmp::Reverse(c.0));
    let mut replicas: Vec<Replica> = slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| {
            let ordinal = start + i as i64;
            match slot {
                Some(pod) => Replica {
                    ordinal,
                    pod,
                    exists: true,
                },
                None => Replica {
                    ordinal,
                    pod: new_versioned_pod(
                        current_set,
                        update_set,
                        current_rev,
                        update_rev,
                        ordinal,
                    ),
                    exists: false,
                },
            }
        })
        .collect();

    // Step 3: a set being deleted only gets its status written (B-STAT-4).
    if set.metadata.deletion_timestamp.is_some() {
        return Ok((None, Outcome::Done));
    }

    let now = world.now;
    let mrs = min_ready_seconds(set);
    // The first unhealthy pod: the lowest in range, else the lowest condemned (B-ORD-7).
    let first_unhealthy: Option<String> = replicas
        .iter()
        .find(|r| !r.exists || is_unavailable(&r.pod, mrs, now))
        .map(|r| r.pod.metadata.name.clone().unwrap_or_default())
        .or_else(|| {
            condemned
                .iter()
                .rev()
                .find(|(_, p)| is_unavailable(p, mrs, now))
                .map(|(_, p)| p.metadata.name.clone().unwrap_or_default())
        });
    let monotonic = is_monotonic(set);

    // Step 4: process replicas in index order.
    for replica in replicas.iter_mut() {
        let exit = process_replica(world, set, update_set, monotonic, replica)?;
        if exit && monotonic {
            return Ok((None, Outcome::Done));
        }
    }

    // Step 5: claims of condemned pods get their owner references before the pod goes,
    // so a crash cannot delete a pod without them (B-RET-2).
    for (ordinal, pod) in &condemned {
        if !retention::claims_match(world, update_set, pod, *ordinal, true) {
            retention::update_claims(world, update_set, pod, *ordinal, true);
        }
    }

    // Step 6: condemned pods, highest ordinal first.
    for (_, pod) in &condemned {
        let name = pod.metadata.name.clone().unwrap_or_default();
        if is_terminating(pod) {
            if monotonic {
                return Ok((None, Outcome::Done));
            }
            continue;
        }
        // Only the first unhealthy pod may be deleted while unhealthy (B-ORD-7).
        if !is_running_and_available(pod, mrs, now)
            && monotonic
            && first_unhealthy.as_deref() != Some(name.as_str())
        {
            return Ok((None, Outcome::Done));
        }
        pod_control::delete_pod(world, set, &name);
        if monotonic {
            return Ok((None, Outcome::Done));
        }
    }

    // Step 8: OnDelete stops here (B-ONDEL-1).
    if strategy_type(set) == "OnDelete" {
        return Ok((None, Outcome::Done));
    }

    if world.config.gates.max_unavailable_statefulset {
        update_with_max_unavailable(world, set, &replicas, update_rev, !monotonic);
        return Ok((None, Outcome::Done));
    }

    // Step 9: the rolling-update step (maxUnavailable gate off): from the highest index
    // down to the partition, delete the first pod not at the update revision; wait on an
    // updated pod that is not yet available (B-UPD-2).
    let update_min = partition(set).unwrap_or(0).max(0) as usize;
    for target in (update_min..replicas.len()).rev() {
        let replica = &replicas[target];
        if !replica.exists {
            continue;
        }
        let pod = world
            .store
            .pods
            .get(replica.pod.metadata.name.as_deref().unwrap_or_default())
            .cloned();
        let Some(pod) = pod else {
            continue;
        };
        if revision_of(&pod) != update_rev && !is_terminating(&pod) {
            let name = pod.metadata.name.clone().unwrap_or_default();
            pod_control::delete_pod(world, set, &name);
            return Ok((None, Outcome::Done));
        }
        if is_unavailable(&pod, mrs, now) {
            return Ok((None, Outcome::Done));
        }
    }
    Ok((None, Outcome::Done))
}

/// `getStatefulSetMaxUnavailable`: an integer, or a percentage of replicas rounded down,
/// at least 1 (B-MAXU-2: the code rounds down although the docs say up).
pub fn max_unavailable(set: &StatefulSet) -> i64 {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    let replicas = replicas(set);
    let value = set
        .spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.rolling_update.as_ref())
        .and_then(|r| r.max_unavailable.clone());
    let n = match value {
        None => 1,
        Some(IntOrString::Int(n)) => n as i64,
        Some(IntOrString::String(s)) => {
            match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
                Some(percent) => replicas * percent / 100,
                None => 1,
            }
        }
    };
    n.max(1)
}

/// The update step with the MaxUnavailableStatefulSet gate on, as v1.37 does it
/// (B-MAXU-3, 4, 6): count unavailable pods over the whole range; if fewer than
/// maxUnavailable, delete up to the difference of outdated pods from the highest index
/// down to the partition. For Parallel, outdated pods that are unavailable anyway are
/// deleted first, so a broken pod is replaced (the v1.37 fix of B-MAXU-5).
fn update_with_max_unavailable(
    world: &mut World,
    set: &StatefulSet,
    replicas: &[Replica],
    update_rev: &str,
    unavailable_first: bool,
) {
    let now = world.now;
    let mrs = min_ready_seconds(set);
    let update_min = partition(set).unwrap_or(0).max(0) as usize;
    let max = max_unavailable(set);
    let pods: Vec<Option<Pod>> = replicas
        .iter()
        .map(|r| {
            r.exists
                .then(|| {
                    world
                        .store
                        .pods
                        .get(r.pod.metadata.name.as_deref().unwrap_or_default())
                        .cloned()
                })
                .flatten()
        })
        .collect();
    let outdated = |p: &Pod| revision_of(p) != update_rev && !is_terminating(p);
    let mut doomed = Vec::new();
    if unavailable_first {
        for target in (update_min..pods.len()).rev() {
            if let Some(pod) = &pods[target] {
                if outdated(pod) && is_unavailable(pod, mrs, now) {
                    doomed.push(target);
                }
            }
        }
    }
    let unavailable = pods
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            !doomed.contains(i) && p.as_ref().is_none_or(|p| is_unavailable(p, mrs, now))
        })
        .count() as i64;
    if unavailable < max {
        let mut budget = max - unavailable;
        for target in (update_min..pods.len()).rev() {
            if budget == 0 {
                break;
            }
            if let Some(pod) = &pods[target] {
                if outdated(pod) && !doomed.contains(&target) {
                    doomed.push(target);
                    budget -= 1;
                }
            }
        }
    }
    for target in doomed {
        if let Some(pod) = &pods[target] {
            let name = pod.metadata.name.clone().unwrap_or_default();
            pod_control::delete_pod(world, set, &name);
        }
    }
}

/// `processReplica`: returns whether a monotonic sync must stop here.
fn process_replica(
    world: &mut World,
    set: &StatefulSet,
    update_set: &StatefulSet,
    monotonic: bool,
    replica: &mut Replica,
) -> Result<bool, WriteError> {
    let now = world.now;
    let mrs = min_ready_seconds(set);
    let name = replica.pod.metadata.name.clone().unwrap_or_default();
    // A Failed or Succeeded pod is deleted; its replacement comes in a later sync, once
    // the old object is gone (B-FAIL-1).
    if replica.exists && (podutil::is_failed(&replica.pod) || podutil::is_succeeded(&replica.pod)) {
        if !is_terminating(&replica.pod) {
            pod_control::delete_pod(world, set, &name);
        }
        return Ok(true);
    }
    if !replica.exists || !is_created(&replica.pod) {
        // A claim still owned by an older pod of this name blocks creation (B-RET-5).
        if retention::claim_is_stale(world, set, &name, replica.ordinal) {
            return Ok(true);
        }
        match pod_control::create_pod(world, set, replica.pod.clone(), replica.ordinal) {
            Ok(()) => {
                replica.exists = true;
                return Ok(monotonic);
            }
            Err(e) => return Err(e),
        }
    }
    // A terminating pod blocks everything after it (B-ORD-4).
    if is_terminating(&replica.pod) && monotonic {
        return Ok(true);
    }
    // Every predecessor must be Running and Ready (B-ORD-2) and Available (B-AVAIL-2).
    if !is_running_and_ready(&replica.pod) && monotonic {
        return Ok(true);
    }
    if !is_running_and_available(&replica.pod, mrs, now) && monotonic {
        return Ok(true);
    }
    // Enforce the identity, storage and retention invariants (B-ID-4, B-RET-9).
    let identity_ok = identity::identity_matches(set, &replica.pod)
        && identity::storage_matches(set, &replica.pod, replica.ordinal);
    if !retention::claims_match(world, update_set, &replica.pod, replica.ordinal, false) {
        retention::update_claims(world, update_set, &replica.pod, replica.ordinal, false);
    }
    if identity_ok || is_terminating(&replica.pod) {
        return Ok(false);
    }
    let mut fixed = replica.pod.clone();
    identity::update_identity(update_set, &mut fixed, replica.ordinal);
    identity::update_storage(update_set, &mut fixed, replica.ordinal);
    pod_control::update_pod(world, update_set, fixed);
    Ok(false)
}

/// `newVersionedStatefulSetPod`: which revision a new pod gets (B-UPD-9, B-PART-3).
fn new_versioned_pod(
    current_set: &StatefulSet,
    update_set: &StatefulSet,
    current_rev: &str,
    update_rev: &str,
    ordinal: i64,
) -> Pod {
    let start = start_ordinal(current_set);
    let rolling = strategy_type(current_set) == "RollingUpdate";
    let current_replicas = current_set
        .status
        .as_ref()
        .and_then(|s| s.current_replicas)
        .unwrap_or(0) as i64;
    let use_current = match partition(current_set) {
        // `rollingUpdate: null` (B-DEF-4): below the current replica count.
        None => rolling && ordinal < start + current_replicas,
        Some(partition) => ordinal < start + partition,
    };
    let (template_set, revision) = if use_current {
        (current_set, current_rev)
    } else {
        (update_set, update_rev)
    };
    let mut pod = identity::new_pod(template_set, ordinal);
    pod.metadata
        .labels
        .get_or_insert_with(Default::default)
        .insert(REVISION_LABEL.into(), revision.to_string());
    pod
}

/// `computeReplicaStatus` plus the generation and revisions.
fn compute_status(
    world: &World,
    set: &StatefulSet,
    pods: &[Pod],
    current_rev: &str,
    update_rev: &str,
    collision_count: i32,
) -> StatefulSetStatus {
    let now = world.now;
    let mrs = min_ready_seconds(set);
    let (mut replicas, mut ready, mut available, mut current, mut updated) = (0, 0, 0, 0, 0);
    for pod in pods {
        if is_created(pod) {
            replicas += 1;
        }
        if is_running_and_ready(pod) {
            ready += 1;
            if is_running_and_available(pod, mrs, now) {
                available += 1;
            }
        }
        if is_created(pod) && !is_terminating(pod) {
            let revision = revision_of(pod);
            if revision == current_rev {
                current += 1;
            }
            if revision == update_rev {
                updated += 1;
            }
        }
    }
    // Counts with `omitempty` are omitted at zero; replicas and availableReplicas are not
    // (B-STAT-1).
    let nonzero = |n: i32| (n != 0).then_some(n);
    StatefulSetStatus {
        replicas,
        ready_replicas: nonzero(ready),
        available_replicas: Some(available),
        current_replicas: nonzero(current),
        updated_replicas: nonzero(updated),
        observed_generation: set.metadata.generation,
        current_revision: Some(current_rev.to_string()),
        update_revision: Some(update_rev.to_string()),
        collision_count: Some(collision_count),
        conditions: set.status.as_ref().and_then(|s| s.conditions.clone()),
    }
}

/// `completeRollingUpdate`: RollingUpdate only, and Ready (not Available) counts
/// (B-REV-5; OnDelete never promotes, B-ONDEL-3).
fn complete_rolling_update(set: &StatefulSet, status: &mut StatefulSetStatus) {
    let spec_replicas = replicas(set) as i32;
    let updated = status.updated_replicas.unwrap_or(0);
    let ready = status.ready_replicas.unwrap_or(0);
    if strategy_type(set) == "RollingUpdate"
        && updated == ready
        && ready == status.replicas
        && status.replicas == spec_replicas
    {
        status.current_replicas = status.updated_replicas;
        status.current_revision = status.update_revision.clone();
    }
}

/// Writes status only when it changed (`inconsistentStatus`, B-STAT-3).
fn write_status(world: &mut World, set: &StatefulSet, status: StatefulSetStatus) {
    let name = set.metadata.name.clone().unwrap_or_default();
    let Some(stored) = world.store.statefulsets.get(&name) else {
        return;
    };
    if stored.status.as_ref() == Some(&status) {
        return;
    }
    let rv = world.store.new_resource_version();
    if let Some(stored) = world.store.statefulsets.get_mut(&name) {
        stored.status = Some(status);
        stored.metadata.resource_version = Some(rv);
    }
    world.notify(ObjectKind::StatefulSet, &name, Change::Modified, None);
}

/// A Ready pod becomes Available minReadySeconds later: sync at exactly that instant
/// (B-AVAIL-4, as LANGUAGE.md's timing asks).
fn schedule_availability_checks(world: &mut World, set: &StatefulSet, pods: &[Pod]) {
    let mrs = min_ready_seconds(set);
    if mrs <= 0 {
        return;
    }
    let name = set.metadata.name.clone().unwrap_or_default();
    let now = world.now;
    for pod in pods {
        if let Some((true, since)) = podutil::ready_condition(pod) {
            let at = since + mrs as u64 * SECOND;
            if at > now {
                super::sync_at(world, &name, at);
            }
        }
    }
}
