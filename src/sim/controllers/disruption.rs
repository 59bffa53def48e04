//! The disruption controller (upstream `pkg/controller/disruption/disruption.go`): keeps
//! each PodDisruptionBudget's status (B-PDB-1..10) from the pods its selector matches.
//!
//! A PDB is synced when it changes, when one of its pods changes, and when an entry of
//! `disruptedPods` expires (2 min after the eviction), as upstream's informers and
//! recheck queue do.

use crate::sim::events::Recorder;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use crate::sim::api::poddisruptionbudget::{self as pdb_api, KIND};
use crate::sim::clock::{from_time, to_time, Millis};
use crate::sim::kinds::ObjectKind;
use crate::sim::workqueue::WorkQueue;
use crate::sim::world::{Change, Timer, WatchEvent, World};
use crate::sim::{labels, podutil, server};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// `DeletionTimeout`: how long an evicted pod may take to start terminating.
pub const DELETION_TIMEOUT: Millis = Millis::secs(120);

#[derive(Debug, Default)]
pub struct DisruptionController {
    pub queue: WorkQueue,
    /// The pods each PDB selected at its last sync: a deleted pod (or one whose labels
    /// changed) still reaches the PDB that counted it, as the informer's old object does.
    selected: BTreeMap<String, BTreeSet<String>>,
}

pub fn kind() -> ObjectKind {
    ObjectKind::Other(KIND.into())
}

fn pdb_names(world: &World) -> Vec<String> {
    world.store.names(&kind())
}

/// Informers (`addPod`, `updatePod`, `deletePod`, `addDb`, `updateDb`): which PDB a change
/// concerns. A pod reaches one PDB, the first by name that selects it (`getPdbForPod`).
pub fn on_event(world: &mut World, event: &WatchEvent) {
    match &event.kind {
        ObjectKind::Pod => {
            if world.disruption.selected.is_empty() && pdb_names(world).is_empty() {
                return;
            }
            let before = world
                .disruption
                .selected
                .iter()
                .find(|(_, pods)| pods.contains(&event.name))
                .map(|(pdb, _)| pdb.clone());
            let now = match world.store.pods().get(&event.name).cloned() {
                Some(pod) => pdb_for_pod(world, &pod),
                None => None,
            };
            for name in [before, now].into_iter().flatten() {
                world.disruption.queue.add(&name);
            }
        }
        ObjectKind::Other(k) if k == KIND => {
            if event.change == Change::Deleted {
                world.disruption.selected.remove(&event.name);
            } else if !event.status_only {
                world.disruption.queue.add(&event.name);
            }
        }
        _ => {}
    }
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

/// The controller's worker: one budget from the queue.
pub fn work(world: &mut World) -> Result<bool, crate::sim::error::SimError> {
    match world.disruption.queue.pop() {
        Some(name) => {
            sync(world, &name);
            Ok(true)
        }
        None => Ok(false),
    }
}

pub fn sync(world: &mut World, name: &str) {
    let Some(pdb) = get(world, name) else {
        return;
    };
    if pdb.metadata.deletion_timestamp.is_some() {
        return;
    }
    let pods = pods_for(world, &pdb);
    world.disruption.selected.insert(
        name.to_string(),
        pods.iter()
            .filter_map(|p| p.metadata.name.clone())
            .collect(),
    );
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
            at,
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
        return Ok(((expected), (expected - max).max(0), unmanaged));
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

/// The kinds with a `scale` subresource among those the API server serves.
fn has_scale(kind: &ObjectKind) -> bool {
    matches!(kind, ObjectKind::StatefulSet)
        || ["Deployment", "ReplicaSet", "ReplicationController"].contains(&kind.name())
}

/// `getExpectedScale`: the summed scale of the controllers that own the pods.
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
        // `getPodDeployment`: a ReplicaSet a Deployment controls counts as the Deployment
        // (keyed by its UID, so the ReplicaSets of one Deployment count it once).
        if let Some((uid, scale)) = deployment_of(world, owner) {
            scales.insert(uid, scale);
            continue;
        }
        let scale = match owner.kind.as_str() {
            "StatefulSet" => world
                .store
                .statefulsets()
                .get(&owner.name)
                .filter(|s| s.metadata.uid.as_deref() == Some(owner.uid.as_str()))
                .map(|s| s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)),
            _ => world
                .store
                .others()
                .get(&(owner.kind.clone(), owner.name.clone()))
                .filter(|o| o.metadata.uid.as_deref() == Some(owner.uid.as_str()))
                .and_then(|o| o.body.pointer("/spec/replicas").and_then(Value::as_i64))
                .map(|r| r as i32),
        };
        match scale {
            Some(scale) => {
                scales.insert(owner.uid.clone(), scale);
            }
            None => {
                // `getScaleController`: a kind the API server knows but that has no scale
                // subresource says so; a scalable owner that is missing is "no controllers".
                let kind = ObjectKind::from_kind(&owner.kind);
                if let Some(info) = kind.info().filter(|_| !has_scale(&kind)) {
                    return Err(format!(
                        "{} does not implement the scale subresource",
                        info.resource()
                    ));
                }
                return Err(format!(
                    "found no controllers for pod \"{}\"",
                    pod.metadata.name.as_deref().unwrap_or_default()
                ));
            }
        }
    }
    Ok((scales.values().sum(), unmanaged))
}

/// `getPodDeployment`: the Deployment (UID and `spec.replicas`) that controls the
/// ReplicaSet `owner` names, if any.
fn deployment_of(
    world: &World,
    owner: &k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference,
) -> Option<(String, i32)> {
    if owner.kind != "ReplicaSet" {
        return None;
    }
    let rs_kind = ObjectKind::from_kind("ReplicaSet");
    let rs = world
        .store
        .meta(&rs_kind, &owner.name)
        .filter(|m| m.uid.as_deref() == Some(owner.uid.as_str()))?;
    let controller = rs
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true) && o.kind == "Deployment")?;
    let d = world
        .store
        .others()
        .get(&("Deployment".to_string(), controller.name.clone()))
        .filter(|o| o.metadata.uid.as_deref() == Some(controller.uid.as_str()))?;
    let replicas = d
        .body
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1) as i32;
    Some((controller.uid.clone(), replicas))
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
        // `expectedDeletion.Before(currentTime)`, else a recheck at `expectedDeletion`. On
        // a real clock the recheck comes after that instant; here it comes at it, so the
        // entry goes when its time has come (not one recheck later, forever). A time before
        // the clock's start has long passed.
        let expires = (at.0.as_millisecond() - crate::sim::clock::EPOCH_MS)
            .saturating_add(DELETION_TIMEOUT.as_ms() as i64);
        let expires = Millis::ms(u64::try_from(expires).unwrap_or(0));
        if expires <= now {
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
    let mut allowed = healthy - desired;
    if expected <= 0 || allowed <= 0 {
        allowed = 0;
    }
    let generation = pdb.metadata.generation.unwrap_or(0);
    let old = pdb.status.clone().unwrap_or_default();
    let old_disrupted = old.disrupted_pods.clone().unwrap_or_default();
    if old.current_healthy == Some(healthy)
        && old.desired_healthy == Some(desired)
        && old.expected_pods == Some(expected)
        && old.disruptions_allowed == Some(allowed)
        && old_disrupted == disrupted
        && old.observed_generation == Some(generation)
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

/// `ConditionsAreUpToDate`.
fn conditions_up_to_date(status: &PodDisruptionBudgetStatus, generation: i64) -> bool {
    let Some(c) = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "DisruptionAllowed")
    else {
        return false;
    };
    c.observed_generation == Some(generation)
        && (c.status == "True") == (status.disruptions_allowed.unwrap_or(0) > 0)
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
/// (it does not sync again for it); the eviction handler's write is seen as a change.
pub fn write_status(world: &mut World, name: &str, status: &PodDisruptionBudgetStatus, own: bool) {
    let author = if own {
        server::Author::Owner
    } else {
        server::Author::Other
    };
    server::write_other(world, &kind(), name, author, |object| {
        object.body["status"] = serde_json::to_value(status).unwrap_or(Value::Null);
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
