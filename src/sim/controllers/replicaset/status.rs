//! The ReplicaSet's status (`replica_set_utils.go` `calculateStatus`,
//! `updateReplicaSetStatus`): `replicas` the claimed active pods, `fullyLabeledReplicas`
//! those whose labels hold the template's, `readyReplicas` the Ready ones,
//! `availableReplicas` those Ready for `minReadySeconds`, `terminatingReplicas` the claimed
//! pods being deleted (the DeploymentReplicaSetTerminatingReplicas gate, on since v1.35),
//! `observedGeneration`, and the `ReplicaFailure` condition while a write fails. It is
//! written only when one of them changed or the generation moved. Zero counts are omitted,
//! as the API's `omitempty` fields are; `terminatingReplicas` is a pointer and shows 0.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetCondition, ReplicaSetStatus};
use k8s_openapi::api::core::v1::Pod;

use super::kind;
use crate::sim::clock::{to_time, Millis};
use crate::sim::podutil;
use crate::sim::server;
use crate::sim::world::World;

fn nonzero(n: i32) -> Option<i32> {
    (n != 0).then_some(n)
}

/// `IsPodAvailable`: Ready for `minReadySeconds` (exactly that long after turning Ready,
/// as the StatefulSet's pods).
pub fn is_available(pod: &Pod, min_ready_seconds: i32, now: Millis) -> bool {
    match podutil::ready_condition(pod) {
        Some((true, since)) => {
            min_ready_seconds <= 0 || since + Millis::from_secs(min_ready_seconds.into()) <= now
        }
        _ => false,
    }
}

fn min_ready(rs: &ReplicaSet) -> i32 {
    rs.spec
        .as_ref()
        .and_then(|s| s.min_ready_seconds)
        .unwrap_or(0)
}

/// `calculateStatus`.
pub fn calculate(
    world: &World,
    rs: &ReplicaSet,
    pods: &[Arc<Pod>],
    terminating: i32,
    error: Option<&str>,
) -> ReplicaSetStatus {
    let mut status = rs.status.clone().unwrap_or_default();
    let template_labels = rs
        .spec
        .as_ref()
        .and_then(|s| s.template.as_ref())
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let min_ready = min_ready(rs);
    let (mut labelled, mut ready, mut available) = (0, 0, 0);
    for pod in pods {
        let pod_labels = pod.metadata.labels.clone().unwrap_or_default();
        if template_labels
            .iter()
            .all(|(k, v)| pod_labels.get(k) == Some(v))
        {
            labelled += 1;
        }
        if podutil::is_ready(pod) {
            ready += 1;
            if is_available(pod, min_ready, world.now) {
                available += 1;
            }
        }
    }
    let replicas = rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let has_failure = status
        .conditions
        .as_ref()
        .is_some_and(|c| c.iter().any(|c| c.type_ == "ReplicaFailure"));
    match error {
        Some(message) if !has_failure => {
            let diff = pods.len() as i64 - i64::from(replicas);
            let reason = match diff.cmp(&0) {
                std::cmp::Ordering::Less => "FailedCreate",
                std::cmp::Ordering::Greater => "FailedDelete",
                std::cmp::Ordering::Equal => "",
            };
            status
                .conditions
                .get_or_insert_with(Vec::new)
                .push(ReplicaSetCondition {
                    type_: "ReplicaFailure".into(),
                    status: "True".into(),
                    last_transition_time: Some(to_time(world.now)),
                    reason: Some(reason.into()),
                    message: Some(message.into()),
                });
        }
        None if has_failure => {
            if let Some(conditions) = status.conditions.as_mut() {
                conditions.retain(|c| c.type_ != "ReplicaFailure");
                if conditions.is_empty() {
                    status.conditions = None;
                }
            }
        }
        _ => {}
    }
    status.replicas = pods.len() as i32;
    status.fully_labeled_replicas = nonzero(labelled);
    status.ready_replicas = nonzero(ready);
    status.available_replicas = nonzero(available);
    status.terminating_replicas = Some(terminating);
    status
}

/// `updateReplicaSetStatus`: written when a count, the conditions or the generation moved.
pub fn update(world: &mut World, name: &str, rs: &ReplicaSet, mut status: ReplicaSetStatus) {
    let old = rs.status.clone().unwrap_or_default();
    let generation = rs.metadata.generation.unwrap_or(0);
    let same = old.replicas == status.replicas
        && old.fully_labeled_replicas.unwrap_or(0) == status.fully_labeled_replicas.unwrap_or(0)
        && old.ready_replicas.unwrap_or(0) == status.ready_replicas.unwrap_or(0)
        && old.available_replicas.unwrap_or(0) == status.available_replicas.unwrap_or(0)
        && old.terminating_replicas == status.terminating_replicas
        && old.observed_generation.unwrap_or(0) == generation
        && old.conditions == status.conditions;
    if same {
        return;
    }
    status.observed_generation = nonzero_i64(generation);
    let value = serde_json::to_value(&status).unwrap_or_default();
    server::write_other(world, &kind(), name, server::Author::Owner, |object| {
        object.body["status"] = value;
        true
    });
}

fn nonzero_i64(n: i64) -> Option<i64> {
    (n != 0).then_some(n)
}

/// When the sync should run again for a pod that turns available: the earliest instant a
/// Ready pod reaches `minReadySeconds` (upstream requeues after `minReadySeconds` while
/// `readyReplicas == replicas` but not all are available, and on a pod turning Ready).
pub fn next_availability(world: &World, rs: &ReplicaSet, pods: &[Arc<Pod>]) -> Option<Millis> {
    let min_ready = min_ready(rs);
    if min_ready <= 0 {
        return None;
    }
    pods.iter()
        .filter_map(|p| match podutil::ready_condition(p) {
            Some((true, since)) => Some(since + Millis::from_secs(min_ready.into())),
            _ => None,
        })
        .filter(|at| *at > world.now)
        .min()
}
