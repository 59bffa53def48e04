//! The disruption controller (upstream `pkg/controller/disruption/disruption.go`): keeps
//! each PodDisruptionBudget's status (B-PDB-1..10) from the pods its selector matches.
//!
//! A PDB is synced when it changes, when a pod it selects changes (the pod's new labels
//! decide, as `updatePod` reads only the new object), and when an entry of `disruptedPods`
//! expires (2 min after the eviction), as upstream's informers and recheck queue do. A
//! pod's `DisruptionTarget` condition that no deletion followed is reset to False 2 min
//! after it was set (`syncStalePodDisruption`, B-PDB-13).

use crate::sim::events::Recorder;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, PodCondition};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use crate::sim::api::poddisruptionbudget::{self as pdb_api, KIND};
use crate::sim::clock::{from_time, to_time, Millis, ZERO};
use crate::sim::kinds::ObjectKind;
use crate::sim::workqueue::WorkQueue;
use crate::sim::world::{Change, Timer, WatchEvent, World};
use crate::sim::{labels, podutil, server};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// `DeletionTimeout`: how long an evicted pod may take to start terminating.
pub const DELETION_TIMEOUT: Millis = Millis::secs(120);

/// `stalePodDisruptionTimeout`: how long a `DisruptionTarget=True` condition may stay on a
/// pod that is not being deleted before the controller sets it to False.
pub const STALE_POD_DISRUPTION_TIMEOUT: Millis = Millis::secs(120);

/// The delay of a recheck: `processNextRecheckWorkItem` moves a budget from the recheck
/// queue to the work queue with `AddRateLimited`, whose `DefaultControllerRateLimiter`
/// gives a key with no failures 5 ms. So an entry of `disruptedPods` is dropped 5 ms after
/// its expiry, not at it (`expectedDeletion.Before(currentTime)` is false at the instant).
pub const RECHECK_DELAY: Millis = Millis::ms(5);

#[derive(Debug, Default)]
pub struct DisruptionController {
    pub queue: WorkQueue,
    /// `stalePodDisruptionQueue`: the pods whose stale `DisruptionTarget` is due now.
    stale: WorkQueue,
    /// The same queue's delayed adds (`AddAfter`): each pod's earliest instant, for which a
    /// `StalePodDisruption` timer is set.
    stale_waiting: BTreeMap<String, Millis>,
}

pub fn kind() -> ObjectKind {
    ObjectKind::Other(KIND.into())
}

fn pdb_names(world: &World) -> Vec<String> {
    world.store.names(&kind())
}

/// Informers (`addPod`, `updatePod`, `deletePod`, `addDb`, `updateDb`): which PDB a change
/// concerns. A pod reaches one PDB, the first by name that selects it (`getPdbForPod`), by
/// its labels now (an update's old labels are not looked at) or, deleted, by its last
/// state's. An added or updated pod with a stale `DisruptionTarget` is queued for its reset.
pub fn on_event(world: &mut World, event: &WatchEvent) {
    match &event.kind {
        ObjectKind::Pod => {
            if event.change != Change::Deleted {
                let now = world.now;
                let wait = world
                    .store
                    .pods()
                    .get(&event.name)
                    .and_then(|pod| stale_disruption_wait(pod, now));
                if let Some(wait) = wait {
                    enqueue_stale(world, &event.name, wait);
                }
            }
            if pdb_names(world).is_empty() {
                return;
            }
            let pod = if event.change == Change::Deleted {
                event.pod().cloned()
            } else {
                world.store.pods().get(&event.name).cloned()
            };
            if let Some(name) = pod.and_then(|pod| pdb_for_pod(world, &pod)) {
                world.disruption.queue.add(&name);
            }
        }
        // (`removeDB` queues the key too; its sync finds nothing to do.) `updateDB` queues
        // every update, the controller's own status writes included (its TODO: "could we
        // ignore this if resourceVersion didn't change?"), so a sync that writes the status is
        // followed by one more, which records its events (`NoPods`, `UnmanagedPods`, …)
        // again and writes nothing.
        ObjectKind::Other(k) if k == KIND && event.change != Change::Deleted => {
            world.disruption.queue.add(&event.name);
        }
        _ => {}
    }
}

/// `nonTerminatingPodHasStaleDisruptionCondition`: for a pod not being deleted and not
/// finished whose `DisruptionTarget` is True for another reason than the kubelet's
/// (`TerminationByKubelet`), how long until it is stale (zero: now). The condition's time
/// is read as stored, to the second; a condition without one is stale at once.
fn stale_disruption_wait(pod: &Pod, now: Millis) -> Option<Millis> {
    if pod.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let status = pod.status.as_ref()?;
    let condition = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "DisruptionTarget")?;
    if condition.status != "True"
        || condition.reason.as_deref() == Some("TerminationByKubelet")
        || matches!(status.phase.as_deref(), Some("Succeeded" | "Failed"))
    {
        return None;
    }
    let Some(since) = condition.last_transition_time.as_ref() else {
        return Some(ZERO);
    };
    let since = since.0.as_second().saturating_mul(1000);
    let now = crate::sim::clock::EPOCH_MS.saturating_add(now.as_ms() as i64);
    let wait =
        (STALE_POD_DISRUPTION_TIMEOUT.as_ms() as i64).saturating_sub(now.saturating_sub(since));
    Some(Millis::ms(u64::try_from(wait).unwrap_or(0)))
}

/// `enqueueStalePodDisruptionCleanup`: `AddAfter(key, wait)`; a pod already waiting for an
/// earlier instant keeps it.
fn enqueue_stale(world: &mut World, pod: &str, wait: Millis) {
    if wait == ZERO {
        world.disruption.stale.add(pod);
        return;
    }
    let at = world.now + wait;
    if world
        .disruption
        .stale_waiting
        .get(pod)
        .is_some_and(|t| *t <= at)
    {
        return;
    }
    world.disruption.stale_waiting.insert(pod.to_string(), at);
    world.timers.at(
        at,
        Timer::StalePodDisruption {
            pod: pod.to_string(),
        },
    );
}

/// A `StalePodDisruption` timer: the pod is queued if this is still its instant.
pub fn fire_stale(world: &mut World, pod: &str) {
    if world.disruption.stale_waiting.get(pod) == Some(&world.now) {
        world.disruption.stale_waiting.remove(pod);
        world.disruption.stale.add(pod);
    }
}

/// `syncStalePodDisruption`: a pod whose `DisruptionTarget` is still stale gets it as
/// `UpdatePodCondition` writes `{type: DisruptionTarget, status: False}`: a new transition
/// time, no reason and no message, and the pod's generation
/// (`CalculatePodConditionObservedGeneration`, PodObservedGenerationTracking on since
/// v1.34), through the status subresource.
fn sync_stale(world: &mut World, name: &str) {
    let Some(pod) = world.store.pods().get(name) else {
        return;
    };
    let Some(wait) = stale_disruption_wait(pod, world.now) else {
        return;
    };
    if wait != ZERO {
        enqueue_stale(world, name, wait);
        return;
    }
    let now = world.now;
    server::write::<Pod>(world, name, server::Author::Other, |pod| {
        let generation = pod.metadata.generation.filter(|g| *g != 0);
        let status = pod.status.get_or_insert_with(Default::default);
        podutil::update_pod_condition(
            status.conditions.get_or_insert_with(Vec::new),
            PodCondition {
                type_: "DisruptionTarget".into(),
                status: "False".into(),
                observed_generation: generation,
                last_transition_time: Some(to_time(now)),
                ..Default::default()
            },
        )
    });
}

/// `getPdbForPod`: the first PDB (by name) whose selector matches the pod; when several
/// do, the pod gets a `MultiplePodDisruptionBudgets` warning (B-PDB-10).
fn pdb_for_pod(world: &mut World, pod: &Pod) -> Option<String> {
    let matching: Vec<String> = pdb_names(world)
        .into_iter()
        .filter(|name| {
            get(world, name).is_some_and(|pdb| {
                let selector = pdb.spec.as_ref().and_then(|s| s.selector.as_ref());
                labels::pod_matches(selector, pod)
            })
        })
        .collect();
    if matching.len() > 1 {
        let pod_name = pod.metadata.name.clone().unwrap_or_default();
        let namespace = world.config.namespace.clone();
        crate::sim::events::record(
        world,
        Recorder::DISRUPTION,
        ObjectKind::Pod,
            &pod_name,
            "Warning",
            "MultiplePodDisruptionBudgets",
            format!(
                "Pod \"{namespace}\"/\"{pod_name}\" matches multiple PodDisruptionBudgets.  Chose \"{}\" arbitrarily.",
                matching[0]
            ),
        );
    }
    matching.into_iter().next()
}

/// The PDB's typed view, if it exists.
pub fn get(world: &World, name: &str) -> Option<PodDisruptionBudget> {
    world
        .store
        .others()
        .get(&(KIND.to_string(), name.to_string()))
        .and_then(|o| pdb_api::decode(&o.body))
}

/// `getPodsForPdb`: the pods in the namespace its selector matches (nil: none; `{}`: all).
pub fn pods_for(world: &World, pdb: &PodDisruptionBudget) -> Vec<Pod> {
    let selector = pdb.spec.as_ref().and_then(|s| s.selector.as_ref());
    world
        .store
        .pods()
        .values()
        .filter(|p| labels::pod_matches(selector, p))
        .cloned()
        .collect()
}

/// The controller's workers: one budget from the queue, else one pod from the stale
/// `DisruptionTarget` queue.
pub fn work(world: &mut World) -> Result<bool, crate::sim::error::SimError> {
    if let Some(name) = world.disruption.queue.pop() {
        sync(world, &name);
        return Ok(true);
    }
    match world.disruption.stale.pop() {
        Some(pod) => {
            sync_stale(world, &pod);
            Ok(true)
        }
        None => Ok(false),
    }
}

pub fn sync(world: &mut World, name: &str) {
    // A budget being deleted (a finalizer holds it) is synced like any other.
    let Some(pdb) = get(world, name) else {
        return;
    };
    let pods = pods_for(world, &pdb);
    if pods.is_empty() {
        event(
            world,
            name,
            "Normal",
            "NoPods",
            "No matching pods found".into(),
        );
    }
    let (expected, desired, unmanaged) = match expected_pod_count(world, &pdb, &pods) {
        Ok(counts) => counts,
        Err(message) => {
            event(
                world,
                name,
                "Warning",
                "CalculateExpectedPodCountFailed",
                format!("Failed to calculate the number of expected pods: {message}"),
            );
            fail_safe(world, name, &pdb, &message);
            return;
        }
    };
    if unmanaged {
        let selector = pdb
            .spec
            .as_ref()
            .and_then(|s| s.selector.as_ref())
            .map(proto_label_selector)
            .unwrap_or_else(|| "nil".into());
        event(
            world,
            name,
            "Warning",
            "UnmanagedPods",
            format!(
                "Pods selected by this PodDisruptionBudget (selector: {selector}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value."
            ),
        );
    }
    let now = world.now;
    let (disrupted, recheck) = disrupted_pod_map(world, &pdb, &pods, now);
    let healthy = count_healthy(&pods, &disrupted, now);
    update_status(world, name, &pdb, healthy, desired, expected, disrupted);
    if let Some(at) = recheck {
        world.timers.at(
            at + RECHECK_DELAY,
            Timer::SyncDisruptionBudget {
                name: name.to_string(),
            },
        );
    }
}

/// `getExpectedPodCount`: (expectedPods, desiredHealthy, some pods are unmanaged).
fn expected_pod_count(
    world: &World,
    pdb: &PodDisruptionBudget,
    pods: &[Pod],
) -> Result<(i32, i32, bool), String> {
    let spec = pdb.spec.clone().unwrap_or_default();
    if let Some(max) = &spec.max_unavailable {
        let (expected, unmanaged) = expected_scale(world, pods)?;
        let max = pdb_api::scaled(max, expected);
        // Go's int32 arithmetic wraps (so does the sum of the scales).
        return Ok((expected, expected.wrapping_sub(max).max(0), unmanaged));
    }
    match &spec.min_available {
        Some(IntOrString::Int(min)) => Ok((pods.len() as i32, *min, false)),
        Some(min @ IntOrString::String(_)) => {
            let (expected, unmanaged) = expected_scale(world, pods)?;
            Ok((expected, pdb_api::scaled(min, expected), unmanaged))
        }
        None => Ok((0, 0, false)),
    }
}

/// `getExpectedScale`: the summed scale of the controllers that own the pods, each found
/// by the first of upstream's finders (`finders()`) that knows it.
fn expected_scale(world: &World, pods: &[Pod]) -> Result<(i32, bool), String> {
    let mut unmanaged = false;
    let mut scales: BTreeMap<String, i32> = BTreeMap::new();
    for pod in pods {
        let Some(owner) = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|o| o.controller == Some(true))
        else {
            unmanaged = true;
            continue;
        };
        if scales.contains_key(&owner.uid) {
            continue;
        }
        match find_controller(world, owner)? {
            Some((uid, scale)) => {
                scales.insert(uid, scale);
            }
            None => {
                return Err(format!(
                    "found no controllers for pod \"{}\"",
                    pod.metadata.name.as_deref().unwrap_or_default()
                ))
            }
        }
    }
    // `expectedCount += count` on an int32: the sum wraps as Go's does.
    let sum = scales
        .values()
        .fold(0i32, |sum, scale| sum.wrapping_add(*scale));
    Ok((sum, unmanaged))
}

type OwnerRef = k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

/// The finders in upstream's order (`getPodReplicationController`, `getPodDeployment`,
/// `getPodReplicaSet`, `getPodStatefulSet`, `getScaleController`): the first that finds the
/// controller gives its UID and scale; an error (an apiVersion that does not parse, a kind
/// the REST mapping does not know, a kind without a scale subresource) ends the search.
fn find_controller(world: &World, owner: &OwnerRef) -> Result<Option<(String, i32)>, String> {
    // `getPodReplicationController`: scn serves no ReplicationController, so none is found.
    verify_group_kind(owner, "ReplicationController", &[""])?;
    if let Some(found) = pod_deployment(world, owner)? {
        return Ok(Some(found));
    }
    if verify_group_kind(owner, "ReplicaSet", &["apps", "extensions"])? {
        // `getPodReplicaSet`: a ReplicaSet no Deployment controls.
        if let Some(rs) = scalable(world, "ReplicaSet", owner) {
            let by_deployment =
                rs.0.owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.controller == Some(true) && o.kind == "Deployment");
            if !by_deployment {
                return Ok(Some((owner.uid.clone(), rs.1)));
            }
        }
    }
    if verify_group_kind(owner, "StatefulSet", &["apps"])? {
        if let Some((_, scale)) = scalable(world, "StatefulSet", owner) {
            return Ok(Some((owner.uid.clone(), scale)));
        }
    }
    scale_controller(world, owner)
}

/// `getPodDeployment`: the Deployment that controls the ReplicaSet `owner` names.
fn pod_deployment(world: &World, owner: &OwnerRef) -> Result<Option<(String, i32)>, String> {
    if !verify_group_kind(owner, "ReplicaSet", &["apps", "extensions"])? {
        return Ok(None);
    }
    let Some((rs, _)) = scalable(world, "ReplicaSet", owner) else {
        return Ok(None);
    };
    let Some(controller) = rs
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
    else {
        return Ok(None);
    };
    if !verify_group_kind(controller, "Deployment", &["apps", "extensions"])? {
        return Ok(None);
    }
    Ok(scalable(world, "Deployment", controller).map(|(_, scale)| (controller.uid.clone(), scale)))
}

/// `getScaleController`: the REST mapping of the owner's group, version and kind, then its
/// `scale` subresource: a kind without one says so; a missing object (or another with the
/// name) is not found.
fn scale_controller(world: &World, owner: &OwnerRef) -> Result<Option<(String, i32)>, String> {
    let (group, version) = parse_group_version(&owner.api_version)?;
    let Some(resource) = rest_mapping(group, version, &owner.kind) else {
        let searched = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        return Err(format!(
            "no matches for kind \"{}\" in version \"{searched}\"",
            owner.kind
        ));
    };
    if !SCALE_KINDS.contains(&owner.kind.as_str()) {
        return Err(format!(
            "{resource} does not implement the scale subresource"
        ));
    }
    Ok(scalable(world, &owner.kind, owner).map(|(_, scale)| (owner.uid.clone(), scale)))
}

/// The kinds whose resource has a `scale` subresource (their replicas the scale's).
const SCALE_KINDS: &[&str] = &[
    "StatefulSet",
    "Deployment",
    "ReplicaSet",
    "ReplicationController",
];

/// The `plural.group` resource the REST mapping gives for a group, version and kind the API
/// server serves (an empty version: the kind's served one), or `None`
/// (`NoKindMatchError`). ReplicationControllers (`v1`) are served though scn keeps none.
fn rest_mapping(group: &str, version: &str, kind: &str) -> Option<String> {
    if (group, kind) == ("", "ReplicationController") && matches!(version, "v1" | "") {
        return Some("replicationcontrollers".into());
    }
    let info = crate::sim::kinds::by_kind(kind)?;
    let served = info
        .api_version
        .rsplit_once('/')
        .map_or(info.api_version, |(_, v)| v);
    let older = crate::sim::kinds::OLDER_VERSIONS
        .iter()
        .any(|o| o.kind == kind && o.api_version == format!("{group}/{version}"));
    (info.group() == group && (version.is_empty() || version == served || older))
        .then(|| info.resource())
}

/// `verifyGroupKind`: whether the reference names `kind` in one of `groups`; its
/// apiVersion must parse.
fn verify_group_kind(reference: &OwnerRef, kind: &str, groups: &[&str]) -> Result<bool, String> {
    let (group, _) = parse_group_version(&reference.api_version)?;
    Ok(reference.kind == kind && groups.contains(&group))
}

/// `schema.ParseGroupVersion`: `v1` is the core group's, `apps/v1` a group's; more than
/// one slash is an error.
fn parse_group_version(api_version: &str) -> Result<(&str, &str), String> {
    if api_version.is_empty() || api_version == "/" {
        return Ok(("", ""));
    }
    match api_version.matches('/').count() {
        0 => Ok(("", api_version)),
        1 => Ok(api_version.split_once('/').unwrap_or(("", api_version))),
        _ => Err(format!("unexpected GroupVersion string: {api_version}")),
    }
}

/// The object of a scalable kind the reference names, if it exists with the reference's
/// UID: its metadata and its `spec.replicas` (1 when unset, as defaulted).
fn scalable<'w>(
    world: &'w World,
    kind: &str,
    reference: &OwnerRef,
) -> Option<(
    &'w k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    i32,
)> {
    if kind == "StatefulSet" {
        let set = world.store.statefulsets().get(&reference.name)?;
        if set.metadata.uid.as_deref() != Some(reference.uid.as_str()) {
            return None;
        }
        let replicas = set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        return Some((&set.metadata, replicas));
    }
    let object = world
        .store
        .others()
        .get(&(kind.to_string(), reference.name.clone()))?;
    if object.metadata.uid.as_deref() != Some(reference.uid.as_str()) {
        return None;
    }
    let replicas = object
        .body
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .map_or(1, |r| i32::try_from(r).unwrap_or(i32::MAX));
    Some((&object.metadata, replicas))
}

/// `buildDisruptedPodMap`: the entries still waiting for their pod to terminate, and the
/// instant of the earliest expiry. An expired entry gives the pod a `NotDeleted` event.
fn disrupted_pod_map(
    world: &mut World,
    pdb: &PodDisruptionBudget,
    pods: &[Pod],
    now: Millis,
) -> (BTreeMap<String, Time>, Option<Millis>) {
    let mut result = BTreeMap::new();
    let mut recheck: Option<Millis> = None;
    let Some(disrupted) = pdb.status.as_ref().and_then(|s| s.disrupted_pods.as_ref()) else {
        return (result, None);
    };
    let namespace = world.config.namespace.clone();
    for pod in pods {
        if podutil::is_terminating(pod) {
            continue;
        }
        let name = pod.metadata.name.clone().unwrap_or_default();
        let Some(at) = disrupted.get(&name) else {
            continue;
        };
        // `expectedDeletion.Before(currentTime)`, else a recheck at `expectedDeletion`,
        // which comes `RECHECK_DELAY` later (so the entry has expired by then). A time
        // before the clock's start has long passed.
        let expires = (at.0.as_millisecond() - crate::sim::clock::EPOCH_MS)
            .saturating_add(DELETION_TIMEOUT.as_ms() as i64);
        if expires < now.as_ms() as i64 {
            crate::sim::events::record(
                world,
                Recorder::DISRUPTION,
                ObjectKind::Pod,
                &name,
                "Warning",
                "NotDeleted",
                // Upstream passes the namespace twice.
                format!(
                    "Pod was expected by PDB {namespace}/{namespace} to be deleted but it wasn't"
                ),
            );
        } else {
            let expires = Millis::ms(u64::try_from(expires).unwrap_or(0));
            recheck = Some(recheck.map_or(expires, |r| r.min(expires)));
            result.insert(name, at.clone());
        }
    }
    (result, recheck)
}

/// `countHealthyPods`: not terminating, not recently disrupted, and Ready.
fn count_healthy(pods: &[Pod], disrupted: &BTreeMap<String, Time>, now: Millis) -> i32 {
    pods.iter()
        .filter(|p| !podutil::is_terminating(p))
        .filter(|p| {
            let name = p.metadata.name.as_deref().unwrap_or_default();
            disrupted
                .get(name)
                .is_none_or(|at| from_time(at) + DELETION_TIMEOUT <= now)
        })
        .filter(|p| podutil::is_ready(p))
        .count() as i32
}

fn update_status(
    world: &mut World,
    name: &str,
    pdb: &PodDisruptionBudget,
    healthy: i32,
    desired: i32,
    expected: i32,
    disrupted: BTreeMap<String, Time>,
) {
    let mut allowed = healthy.wrapping_sub(desired);
    if expected <= 0 || allowed <= 0 {
        allowed = 0;
    }
    let generation = pdb.metadata.generation.unwrap_or(0);
    let old = pdb.status.clone().unwrap_or_default();
    let old_disrupted = old.disrupted_pods.clone().unwrap_or_default();
    if old.current_healthy.unwrap_or(0) == healthy
        && old.desired_healthy.unwrap_or(0) == desired
        && old.expected_pods.unwrap_or(0) == expected
        && old.disruptions_allowed.unwrap_or(0) == allowed
        && old_disrupted == disrupted
        && old.observed_generation.unwrap_or(0) == generation
        && conditions_up_to_date(&old, generation)
    {
        return;
    }
    let mut status = PodDisruptionBudgetStatus {
        current_healthy: Some(healthy),
        desired_healthy: Some(desired),
        expected_pods: Some(expected),
        disruptions_allowed: Some(allowed),
        disrupted_pods: (!disrupted.is_empty()).then_some(disrupted),
        observed_generation: Some(generation),
        conditions: old.conditions.clone(),
    };
    update_disruption_allowed_condition(&mut status, world.now);
    // `UpdateStatus` goes through `ValidatePodDisruptionBudgetStatusUpdate`: a negative count
    // (only int32 wrap-around gives one: the scales of huge controllers summed) is refused,
    // and the sync's error goes to `failSafe`.
    let errors = pdb_api::validate_status(&serde_json::to_value(&status).unwrap_or(Value::Null));
    if !errors.is_empty() {
        let error = server::ApiError::invalid(&kind(), name, &errors);
        fail_safe(world, name, pdb, &error.message);
        return;
    }
    write_status(world, name, &status, true);
}

/// `failSafe`: a sync that failed leaves no disruption allowed. It does not advance
/// `observedGeneration` (only a successful sync does), and its condition carries the
/// generation last observed: a budget that never synced stays "still being processed" for
/// the Eviction API.
fn fail_safe(world: &mut World, name: &str, pdb: &PodDisruptionBudget, message: &str) {
    let mut status = pdb.status.clone().unwrap_or_default();
    status.disruptions_allowed = Some(0);
    let observed = status.observed_generation;
    set_condition(
        &mut status,
        Condition {
            type_: "DisruptionAllowed".into(),
            status: "False".into(),
            reason: "SyncFailed".into(),
            message: message.into(),
            observed_generation: observed,
            last_transition_time: to_time(world.now),
        },
    );
    write_status(world, name, &status, true);
}

/// `pdbhelper.ConditionsAreUpToDate`: the `DisruptionAllowed` condition exists, the
/// status observed the budget's generation, and the condition's status and reason are
/// those the allowed count gives (`SufficientPods` or `InsufficientPods`: a `SyncFailed`
/// left by a failed sync is never up to date). The condition's own `observedGeneration` is
/// not looked at.
fn conditions_up_to_date(status: &PodDisruptionBudgetStatus, generation: i64) -> bool {
    let Some(c) = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "DisruptionAllowed")
    else {
        return false;
    };
    if status.observed_generation.unwrap_or(0) != generation {
        return false;
    }
    if status.disruptions_allowed.unwrap_or(0) > 0 {
        c.status == "True" && c.reason == "SufficientPods"
    } else {
        c.status == "False" && c.reason == "InsufficientPods"
    }
}

/// `UpdateDisruptionAllowedCondition`.
pub fn update_disruption_allowed_condition(status: &mut PodDisruptionBudgetStatus, now: Millis) {
    let (value, reason) = if status.disruptions_allowed.unwrap_or(0) > 0 {
        ("True", "SufficientPods")
    } else {
        ("False", "InsufficientPods")
    };
    let condition = Condition {
        type_: "DisruptionAllowed".into(),
        status: value.into(),
        reason: reason.into(),
        message: String::new(),
        observed_generation: status.observed_generation,
        last_transition_time: to_time(now),
    };
    set_condition(status, condition);
}

/// `meta.SetStatusCondition`: the transition time moves only when the status changes.
fn set_condition(status: &mut PodDisruptionBudgetStatus, mut condition: Condition) {
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    if let Some(old) = conditions.iter_mut().find(|c| c.type_ == condition.type_) {
        if old.status == condition.status {
            condition.last_transition_time = old.last_transition_time.clone();
        }
        *old = condition;
    } else {
        conditions.push(condition);
    }
}

/// Writes `status` through the status subresource. `own` is the controller's own write
/// (`updateDB` syncs again for it as for any update); the eviction handler's is another
/// writer's. The
/// four counts have no `omitempty` in policy/v1: a zero (or one never set, as in
/// `failSafe`'s copy of a status no sync wrote) reads back as 0.
pub fn write_status(world: &mut World, name: &str, status: &PodDisruptionBudgetStatus, own: bool) {
    let author = if own {
        server::Author::Owner
    } else {
        server::Author::Other
    };
    let mut status = status.clone();
    for count in [
        &mut status.current_healthy,
        &mut status.desired_healthy,
        &mut status.disruptions_allowed,
        &mut status.expected_pods,
    ] {
        count.get_or_insert(0);
    }
    // An update that changes nothing is no write (the storage compares the bytes): no new
    // resourceVersion, no watch event, so `failSafe`'s repeated update ends the resyncs.
    let status = serde_json::to_value(&status).unwrap_or(Value::Null);
    server::write_other(world, &kind(), name, author, |object| {
        if object.body.get("status") == Some(&status) {
            return false;
        }
        object.body["status"] = status;
        true
    });
}

fn event(world: &mut World, name: &str, type_: &'static str, reason: &str, message: String) {
    crate::sim::events::record(
        world,
        Recorder::DISRUPTION,
        kind(),
        name,
        type_,
        reason,
        message,
    );
}

/// `%v` of a `*metav1.LabelSelector`: its generated protobuf `String()`, as upstream's
/// `UnmanagedPods` message prints it (map keys sorted, a comma after every item).
fn proto_label_selector(s: &LabelSelector) -> String {
    let labels: String = s
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}: {v},"))
        .collect();
    let expressions: String = s
        .match_expressions
        .iter()
        .flatten()
        .map(|r| {
            format!(
                "LabelSelectorRequirement{{Key:{},Operator:{},Values:[{}],}},",
                r.key,
                r.operator,
                r.values.clone().unwrap_or_default().join(" ")
            )
        })
        .collect();
    format!(
        "&LabelSelector{{MatchLabels:map[string]string{{{labels}}},MatchExpressions:[]LabelSelectorRequirement{{{expressions}}},}}"
    )
}
