//! `manageReplicas` and the pod writes it makes through `RealPodControl`
//! (`pkg/controller/controller_utils.go`): pods from the template with `generateName`
//! `<set>-` and the set's controller reference, in slow-start batches (1, 2, 4, … pods;
//! a batch with a failure ends the creations), and the deletions `getPodsToDelete`
//! chooses. Each write records its event: `SuccessfulCreate` `Created pod: <name>`,
//! `FailedCreate` `Error creating: <error>`, `SuccessfulDelete` `Deleted pod: <name>`.

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{controller_ref, kind, ranks, BURST_REPLICAS};
use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, RequestError};
use crate::sim::world::World;

/// `controller.SlowStartInitialBatchSize`.
const SLOW_START_INITIAL_BATCH_SIZE: usize = 1;

/// The replicaset controller's recorder (client-go's `tools/record`, correlated).
const RECORDER: crate::sim::events::Recorder<'static> = crate::sim::events::Recorder::Record {
    component: "replicaset-controller",
    host: "",
};

fn event(world: &mut World, rs: &str, type_: &'static str, reason: &str, message: String) {
    crate::sim::events::record(world, RECORDER, kind(), rs, type_, reason, message);
}

/// `getPodsPrefix`: `<name>-`, or the bare name when that is not a valid pod name prefix.
fn pods_prefix(name: &str) -> String {
    let prefix = format!("{name}-");
    let cut = server::names::prefix(&prefix);
    let valid =
        crate::sim::api::validation::dns1123_subdomain_errors(&(cut.clone() + "x")).is_empty();
    if valid {
        prefix
    } else {
        name.to_string()
    }
}

/// `GetPodFromTemplate`: the template's labels, annotations, finalizers and spec, a
/// `generateName` and the controller reference.
pub fn pod_from_template(rs: &ReplicaSet) -> Pod {
    let template = rs.spec.as_ref().and_then(|s| s.template.clone());
    let template = template.unwrap_or_default();
    let meta = template.metadata.unwrap_or_default();
    let name = rs.metadata.name.clone().unwrap_or_default();
    Pod {
        metadata: ObjectMeta {
            labels: meta.labels,
            annotations: meta.annotations,
            finalizers: meta.finalizers,
            generate_name: Some(pods_prefix(&name)),
            owner_references: Some(vec![controller_ref(rs)]),
            ..Default::default()
        },
        spec: template.spec,
        status: None,
    }
}

/// `manageReplicas`: `Ok(Err(message))` when a write failed (the sync's error, which the
/// status's `ReplicaFailure` condition carries).
pub fn manage_replicas(
    world: &mut World,
    rs: &ReplicaSet,
    active: &[String],
) -> Result<Result<(), String>, SimError> {
    let name = rs.metadata.name.clone().unwrap_or_default();
    let replicas = rs
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1)
        .max(0) as usize;
    if active.len() < replicas {
        let diff = (replicas - active.len()).min(BURST_REPLICAS);
        return create_pods(world, rs, &name, diff);
    }
    if active.len() > replicas {
        let diff = (active.len() - replicas).min(BURST_REPLICAS);
        let chosen = ranks::pods_to_delete(world, rs, active, diff);
        for pod in chosen {
            // `DeletePod`: a pod already gone is not an error, and records nothing.
            if !world.store.pods().contains_key(&pod) {
                continue;
            }
            server::delete_pod(world, &pod, false);
            event(
                world,
                &name,
                "Normal",
                "SuccessfulDelete",
                format!("Deleted pod: {pod}"),
            );
        }
    }
    Ok(Ok(()))
}

/// `slowStartBatch` of `CreatePods`: batches of 1, 2, 4, … until `diff` pods are made or a
/// batch has a failure (the first failure's message is the sync's error).
fn create_pods(
    world: &mut World,
    rs: &ReplicaSet,
    name: &str,
    diff: usize,
) -> Result<Result<(), String>, SimError> {
    let mut remaining = diff;
    let mut batch = SLOW_START_INITIAL_BATCH_SIZE.min(remaining);
    while batch > 0 {
        let mut failure: Option<String> = None;
        for _ in 0..batch {
            if let Err(message) = create_pod(world, rs, name)? {
                failure.get_or_insert(message);
            }
        }
        if let Some(message) = failure {
            return Ok(Err(message));
        }
        remaining -= batch;
        batch = remaining.min(2 * batch);
    }
    Ok(Ok(()))
}

/// One `CreatePods`: the pod through the API server (defaults, admission, validation),
/// then its event.
fn create_pod(
    world: &mut World,
    rs: &ReplicaSet,
    name: &str,
) -> Result<Result<(), String>, SimError> {
    let pod = pod_from_template(rs);
    let body = serde_json::to_value(&pod).unwrap_or_default();
    match server::create(world, &ObjectKind::Pod, &body) {
        Ok(response) => {
            event(
                world,
                name,
                "Normal",
                "SuccessfulCreate",
                format!("Created pod: {}", response.value),
            );
            Ok(Ok(()))
        }
        Err(RequestError::Sim(e)) => Err(e),
        Err(RequestError::Api(e)) => {
            let message = e.message.clone();
            event(
                world,
                name,
                "Warning",
                "FailedCreate",
                format!("Error creating: {message}"),
            );
            Ok(Err(message))
        }
    }
}
