//! The ephemeral volume controller (`pkg/controller/volume/ephemeral/controller.go`): for
//! each generic ephemeral volume of a pod that is not being deleted, the claim
//! `<pod>-<volume>` is created from the volume's `volumeClaimTemplate` (its labels,
//! annotations and spec), controlled by the pod, so the garbage collector deletes it with
//! the pod. A claim of that name the pod does not own is refused (`FailedBinding` on the
//! pod); a deleted claim is made again for the pods that still use it. A failed sync is
//! retried after 1 s, doubling up to 60 s (the timing rule for a failed controller action;
//! upstream's work queue starts at 5 ms and grows to 1000 s), each retry telling
//! `FailedBinding` again, so a claim refused (a quota, a stranger's claim of that name) is
//! made once the cause is gone.

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use crate::sim::error::SimError;
use crate::sim::events::Recorder;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, RequestError};
use crate::sim::workqueue::RateLimitingQueue;
use crate::sim::world::{Timer, World};

/// The controller's queue (a failed pod is retried after 1 s, doubling up to 60 s;
/// `Forget` once a sync succeeds).
#[derive(Debug)]
pub struct Queue(RateLimitingQueue);

impl Default for Queue {
    fn default() -> Self {
        Queue(RateLimitingQueue::for_failed_actions())
    }
}

/// `ephemeral.VolumeClaimName`: the claim of a pod's generic ephemeral volume.
pub fn claim_name(pod: &str, volume: &str) -> String {
    format!("{pod}-{volume}")
}

/// `ephemeral.VolumeIsForPod`: the claim must be controlled by this very pod.
pub fn volume_is_for_pod(pod: &Pod, claim: &PersistentVolumeClaim) -> Result<(), String> {
    let owned =
        claim.metadata.owner_references.iter().flatten().any(|r| {
            r.controller == Some(true) && Some(r.uid.as_str()) == pod.metadata.uid.as_deref()
        });
    if owned {
        return Ok(());
    }
    let ns = |m: &ObjectMeta| m.namespace.clone().unwrap_or_else(|| "default".into());
    Err(format!(
        "PVC {}/{} was not created for pod {}/{} (pod is not owner)",
        ns(&claim.metadata),
        claim.metadata.name.as_deref().unwrap_or_default(),
        ns(&pod.metadata),
        pod.metadata.name.as_deref().unwrap_or_default()
    ))
}

/// Whether the pod has a generic ephemeral volume.
fn has_ephemeral(pod: &Pod) -> bool {
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .any(|v| v.ephemeral.is_some())
}

/// `enqueuePod` for a pod that was added, and `processNextWorkItem`: the pod is synced; a
/// failed sync is retried after the key's back-off (`AddRateLimited`), a successful one
/// resets it (`Forget`).
pub(super) fn sync_pod(world: &mut World, name: &str) -> Result<(), SimError> {
    if sync_handler(world, name)? {
        world.volume_controller.ephemeral.0.forget(name);
    } else if let Some(at) = world
        .volume_controller
        .ephemeral
        .0
        .retry_at(name, world.now)
    {
        if world.volume_controller.ephemeral.0.add_after(name, at) {
            world.timers.at(
                at,
                Timer::SyncEphemeralPod {
                    pod: name.to_string(),
                },
            );
        }
    }
    Ok(())
}

/// The retry's timer came: the pod is queued.
pub fn fire(world: &mut World, pod: &str) {
    world.volume_controller.ephemeral.0.fire(pod, world.now);
}

/// The worker: one queued pod. `Ok(false)` when none is queued.
pub(super) fn work(world: &mut World) -> Result<bool, SimError> {
    let Some(pod) = world.volume_controller.ephemeral.0.pop() else {
        return Ok(false);
    };
    sync_pod(world, &pod)?;
    Ok(true)
}

/// `syncHandler`: each ephemeral volume's claim is made if missing (`handleVolume`); the
/// first volume that fails stops the sync with a `FailedBinding` Warning on the pod, and
/// the sync failed (`Ok(false)`). A pod gone or being deleted has nothing to do. A budget
/// the simulation runs out of is its error, not an event.
fn sync_handler(world: &mut World, name: &str) -> Result<bool, SimError> {
    let Some(pod) = world.store.pods().get(name) else {
        return Ok(true);
    };
    if pod.metadata.deletion_timestamp.is_some() || !has_ephemeral(pod) {
        return Ok(true);
    }
    let pod = pod.clone();
    for volume in pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
        let Some(source) = &volume.ephemeral else {
            continue;
        };
        if let Err(why) = handle_volume(world, &pod, &volume.name, source)? {
            crate::sim::events::record(
                world,
                Recorder::EPHEMERAL_VOLUME,
                ObjectKind::Pod,
                name,
                "Warning",
                "FailedBinding",
                format!("ephemeral volume {}: {why}", volume.name),
            );
            return Ok(false);
        }
    }
    Ok(true)
}

/// `handleVolume`: an existing claim must be the pod's; a missing one is created. The inner
/// error is the refusal the controller reports on the pod.
fn handle_volume(
    world: &mut World,
    pod: &Pod,
    volume: &str,
    source: &k8s_openapi::api::core::v1::EphemeralVolumeSource,
) -> Result<Result<(), String>, SimError> {
    let pod_name = pod.metadata.name.as_deref().unwrap_or_default();
    let name = claim_name(pod_name, volume);
    if let Some(claim) = world.store.claims().get(&name) {
        return Ok(volume_is_for_pod(pod, claim));
    }
    let template = source.volume_claim_template.clone().unwrap_or_default();
    let meta = template.metadata.unwrap_or_default();
    let claim = PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: pod.metadata.namespace.clone(),
            owner_references: Some(vec![OwnerReference {
                api_version: "v1".into(),
                kind: "Pod".into(),
                name: pod_name.to_string(),
                uid: pod.metadata.uid.clone().unwrap_or_default(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            annotations: meta.annotations,
            labels: meta.labels,
            ..Default::default()
        },
        spec: Some(template.spec),
        status: None,
    };
    match server::create_claim(world, claim) {
        Ok(_) => Ok(Ok(())),
        Err(RequestError::Api(e)) => Ok(Err(format!("create PVC {name}: {}", e.message))),
        Err(RequestError::Sim(e)) => Err(e),
    }
}

/// `onPVCDelete`: the pods whose ephemeral volume named the deleted claim are synced
/// again, so a pod still running gets its claim back.
pub(super) fn claim_deleted(world: &mut World, claim: &str) -> Result<(), SimError> {
    let pods: Vec<String> = world
        .volume_controller
        .index
        .pods_using(claim)
        .cloned()
        .collect();
    for pod in pods {
        let uses = world.store.pods().get(&pod).is_some_and(|p| {
            p.spec
                .iter()
                .flat_map(|s| s.volumes.iter().flatten())
                .any(|v| v.ephemeral.is_some() && claim_name(&pod, &v.name) == claim)
        });
        if uses {
            sync_pod(world, &pod)?;
        }
    }
    Ok(())
}
