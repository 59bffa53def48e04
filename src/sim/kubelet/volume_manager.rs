//! The volume manager's part that needs the API (`WaitForAttachAndMount` in
//! `pkg/kubelet/volumemanager`, the `configmap`, `secret` and `projected` volume plugins):
//! before the sandbox starts, every volume of the pod is set up. A `configMap` or `secret`
//! volume (or a projected source) whose object does not exist, or lacks a key its `items`
//! name, fails `MountVolume.SetUp` unless it is `optional: true`: the kubelet records
//! `Warning FailedMount` and tries again after the operation's back-off (500 ms, doubling,
//! at most 2m2s, as `nestedpendingoperations` waits). Until every volume is set up the pod
//! has no sandbox: no IP, `PodReadyToStartContainers` False, its containers waiting in
//! `ContainerCreating`. A `downwardAPI` file that names a container the pod does not have
//! fails the same way (`container x not found`). Before any of that, the desired state of
//! world populator looks up the claim behind each `persistentVolumeClaim` volume a container
//! mounts (`createVolumeSpec`): a claim that is missing, being deleted or not Bound, or whose
//! volume is missing or not bound to it, keeps the pod from starting; the pod worker records
//! `Warning FailedMount` `Unable to attach or mount volumes: …` and syncs again after its
//! back-off (10 s). The scheduler binds a pod only once its claims are bound, so this is
//! seen by pods that name their node (`spec.nodeName`).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Container, KeyToPath, Pod, Volume, VolumeMount};

use super::super::clock::Millis;
use super::super::world::World;
use super::config_objects::{data, Source};
use super::{event, sync_at, PodRuntime};

/// The first wait after a failed mount.
pub const MOUNT_RETRY_START: Millis = Millis::ms(500);
/// The longest wait between two mount attempts (`maxDurationBeforeRetry`, 2m2s).
pub const MOUNT_RETRY_MAX: Millis = Millis::ms(122_000);

/// The pod's volumes are not all set up: when to try again, and the wait after that.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MountWait {
    pub retry: Millis,
    pub delay: Millis,
}

/// Why the pod's volumes are not all set up now.
#[derive(Debug, Default)]
pub(crate) struct Failures {
    /// The `FailedMount` messages of the volumes whose `SetUp` fails, in spec order.
    set_up: Vec<String>,
    /// `WaitForAttachAndMount`'s error when the populator could not add every volume the
    /// containers use (a claim not usable yet): the pod's sync fails.
    unprocessed: Option<String>,
}

impl Failures {
    pub(crate) fn is_empty(&self) -> bool {
        self.set_up.is_empty() && self.unprocessed.is_none()
    }
}

/// The volumes that cannot be set up now.
pub(crate) fn failures(world: &World, pod: &Pod) -> Failures {
    let volumes = pod.spec.as_ref().and_then(|s| s.volumes.as_ref());
    let failing: Vec<(&str, String)> = volumes
        .into_iter()
        .flatten()
        .filter_map(|v| {
            set_up(world, pod, v)
                .err()
                .map(|why| (v.name.as_str(), why))
        })
        .collect();
    let unprocessed = unprocessed(world, pod, failing.iter().map(|(name, _)| *name));
    let set_up = failing
        .into_iter()
        .map(|(name, why)| format!("MountVolume.SetUp failed for volume \"{name}\" : {why}"))
        .collect();
    Failures {
        set_up,
        unprocessed,
    }
}

/// Records the failures and waits: the next attempt follows the mount back-off, or the
/// pod worker's back-off (`backOffPeriod`, 10 s) when the sync itself failed.
pub(crate) fn failed(world: &mut World, rt: &mut PodRuntime, failures: Failures) {
    let now = world.now;
    for message in failures.set_up {
        event(world, &rt.name, "Warning", "FailedMount", message);
    }
    let delay = match &rt.mount {
        None => MOUNT_RETRY_START,
        Some(wait) => (wait.delay * 2).min(MOUNT_RETRY_MAX),
    };
    let mut retry = now + delay;
    if let Some(error) = failures.unprocessed {
        // `SyncPod`: the error is not a timeout, so it is told.
        let message = format!("Unable to attach or mount volumes: {error}");
        event(world, &rt.name, "Warning", "FailedMount", message);
        retry = now + super::pod_workers::SYNC_RETRY;
    }
    rt.mount = Some(MountWait { retry, delay });
    let (name, uid) = (rt.name.clone(), rt.uid.clone());
    sync_at(world, &name, &uid, retry);
}

/// `GetPodVolumeNames`: the volumes the containers (init, app and ephemeral) mount, and
/// those they use as block devices.
fn used_volumes(pod: &Pod) -> (BTreeSet<&str>, BTreeSet<&str>) {
    let (mut mounts, mut devices) = (BTreeSet::new(), BTreeSet::new());
    let Some(spec) = pod.spec.as_ref() else {
        return (mounts, devices);
    };
    let containers = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .map(|c| (c.volume_mounts.as_deref(), c.volume_devices.as_deref()));
    let ephemeral = spec
        .ephemeral_containers
        .iter()
        .flatten()
        .map(|c| (c.volume_mounts.as_deref(), c.volume_devices.as_deref()));
    for (m, d) in containers.chain(ephemeral) {
        mounts.extend(m.unwrap_or_default().iter().map(|m| m.name.as_str()));
        devices.extend(d.unwrap_or_default().iter().map(|d| d.name.as_str()));
    }
    (mounts, devices)
}

/// The desired state of world populator's `processPodVolumes` for a pod not started yet:
/// each volume a container uses must be added, a claim's through the volume bound to it
/// (`createVolumeSpec`). When some cannot be, `WaitForAttachAndMount` fails with the
/// populator's errors (a set: sorted, joined by `; `) and names the volumes used and not
/// mounted (`unmounted volumes`: those not added, and those whose `SetUp` fails), none
/// waiting for an attach (no plugin here attaches), and those not added.
fn unprocessed<'p>(
    world: &World,
    pod: &'p Pod,
    not_set_up: impl Iterator<Item = &'p str>,
) -> Option<String> {
    let (mounts, devices) = used_volumes(pod);
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut errors = BTreeSet::new();
    let mut failed = BTreeSet::new();
    for volume in pod.spec.as_ref()?.volumes.iter().flatten() {
        let name = volume.name.as_str();
        if !mounts.contains(name) && !devices.contains(name) {
            continue;
        }
        // A generic ephemeral volume is its claim `<pod>-<volume>`, which the pod must own.
        let (claim_name, for_pod) = match (&volume.persistent_volume_claim, &volume.ephemeral) {
            (Some(source), _) => (source.claim_name.clone(), false),
            (None, Some(_)) => {
                let pod_name = pod.metadata.name.as_deref().unwrap_or_default();
                (
                    crate::sim::controllers::volume::ephemeral_claim_name(pod_name, name),
                    true,
                )
            }
            (None, None) => continue,
        };
        let used_as = (mounts.contains(name), devices.contains(name));
        let checked = claim_volume(
            world,
            namespace,
            name,
            &claim_name,
            used_as,
            for_pod.then_some(pod),
        );
        if let Err(error) = checked {
            errors.insert(error);
            failed.insert(name);
        }
    }
    if errors.is_empty() {
        return None;
    }
    // The volumes used and not mounted: those not added, and those added whose `SetUp`
    // fails.
    let mut unmounted = failed.clone();
    unmounted.extend(not_set_up.filter(|v| mounts.contains(v) || devices.contains(v)));
    let list = |names: BTreeSet<&str>| names.into_iter().collect::<Vec<_>>().join(" ");
    let errors: Vec<String> = errors.into_iter().collect();
    Some(format!(
        "unmounted volumes=[{}], unattached volumes=[], failed to process volumes=[{}]: {}",
        list(unmounted),
        list(failed),
        errors.join("; ")
    ))
}

/// `createVolumeSpec` for a claim volume: `getPVCExtractPV`, `getPVSpec`, then the volume
/// mode the containers use it with.
fn claim_volume(
    world: &World,
    namespace: &str,
    volume: &str,
    claim_name: &str,
    (mounted, device): (bool, bool),
    for_pod: Option<&Pod>,
) -> Result<(), String> {
    let wrap = |why: String| format!("error processing PVC {namespace}/{claim_name}: {why}");
    let Some(claim) = world.store.claims().get(claim_name) else {
        return Err(wrap(format!(
            "failed to fetch PVC from API server: persistentvolumeclaims \"{claim_name}\" not found"
        )));
    };
    if claim.metadata.deletion_timestamp.is_some() {
        return Err(wrap("PVC is being deleted".into()));
    }
    if claim.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Bound") {
        return Err(wrap("PVC is not bound".into()));
    }
    let pv_name = claim
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.as_deref())
        .unwrap_or_default();
    if pv_name.is_empty() {
        return Err(wrap("PVC has empty pvc.Spec.VolumeName".into()));
    }
    // `createVolumeSpec`: an ephemeral volume's claim must be the pod's (not wrapped).
    if let Some(pod) = for_pod {
        crate::sim::controllers::volume::volume_is_for_pod(pod, claim)?;
    }
    let Some(pv) = world.store.volumes().get(pv_name) else {
        return Err(wrap(format!(
            "failed to fetch PV {pv_name} from API server: persistentvolumes \"{pv_name}\" not found"
        )));
    };
    let spec = pv.spec.as_ref();
    let Some(claim_ref) = spec.and_then(|s| s.claim_ref.as_ref()) else {
        return Err(wrap(format!(
            "found PV object {pv_name} but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim"
        )));
    };
    if claim_ref.uid != claim.metadata.uid {
        return Err(wrap(format!(
            "found PV object {pv_name} but its pv.Spec.ClaimRef.UID {} does not point to claim.UID {}",
            claim_ref.uid.as_deref().unwrap_or_default(),
            claim.metadata.uid.as_deref().unwrap_or_default()
        )));
    }
    // `GetVolumeMode`: the volume's, Filesystem when it has none.
    let mode = spec
        .and_then(|s| s.volume_mode.as_deref())
        .unwrap_or("Filesystem");
    if mounted && mode != "Filesystem" {
        return Err(format!(
            "volume {volume} has volumeMode {mode}, but is specified in volumeMounts"
        ));
    }
    if device && mode != "Block" {
        return Err(format!(
            "volume {volume} has volumeMode {mode}, but is specified in volumeDevices"
        ));
    }
    Ok(())
}

/// One volume's `SetUp`: the error its plugin returns, if any.
fn set_up(world: &World, pod: &Pod, volume: &Volume) -> Result<(), String> {
    if let Some(d) = &volume.downward_api {
        let items = d.items.as_deref().unwrap_or_default();
        return super::downward_api::collect_data(world, pod, items).map(|_| ());
    }
    if let Some(cm) = &volume.config_map {
        return source(
            world,
            Source::ConfigMap,
            &cm.name,
            cm.items.as_deref(),
            cm.optional,
        );
    }
    if let Some(secret) = &volume.secret {
        let name = secret.secret_name.as_deref().unwrap_or_default();
        return source(
            world,
            Source::Secret,
            name,
            secret.items.as_deref(),
            secret.optional,
        );
    }
    if let Some(projected) = &volume.projected {
        // The projected plugin collects every source's error; one is told as it is, more
        // as a list (`utilerrors.NewAggregate`).
        let errors: Vec<String> = projected
            .sources
            .iter()
            .flatten()
            .filter_map(|s| {
                let result = if let Some(cm) = &s.config_map {
                    source(
                        world,
                        Source::ConfigMap,
                        &cm.name,
                        cm.items.as_deref(),
                        cm.optional,
                    )
                } else if let Some(secret) = &s.secret {
                    source(
                        world,
                        Source::Secret,
                        &secret.name,
                        secret.items.as_deref(),
                        secret.optional,
                    )
                } else if let Some(d) = &s.downward_api {
                    let items = d.items.as_deref().unwrap_or_default();
                    super::downward_api::collect_data(world, pod, items).map(|_| ())
                } else {
                    Ok(())
                };
                result.err()
            })
            .collect();
        return match errors.len() {
            0 => Ok(()),
            1 => Err(errors.into_iter().next().unwrap_or_default()),
            _ => Err(format!("[{}]", errors.join(", "))),
        };
    }
    Ok(())
}

/// A ConfigMap or Secret source: the object must exist and hold every key `items` names
/// (`MakePayload`), unless the source is optional.
fn source(
    world: &World,
    source: Source,
    name: &str,
    items: Option<&[KeyToPath]>,
    optional: Option<bool>,
) -> Result<(), String> {
    let optional = optional == Some(true);
    let Some(keys) = data(world, source, name) else {
        return if optional {
            Ok(())
        } else {
            Err(source.not_found(name))
        };
    };
    for item in items.into_iter().flatten() {
        if !keys.contains_key(&item.key) && !optional {
            return Err(match source {
                Source::ConfigMap => {
                    format!("configmap references non-existent config key: {}", item.key)
                }
                Source::Secret => format!("references non-existent secret key: {}", item.key),
            });
        }
    }
    Ok(())
}

/// The folder of the volume a mount shows (`makeMounts`): its `subPath`, or its
/// `subPathExpr` with `$(VAR)` expanded from the container's environment
/// (`ExpandContainerVolumeMounts`: a variable that is undefined or empty is an error);
/// `None` for the whole volume. The result must be relative and free of `..`, as the API
/// server checks `subPath` itself.
pub(crate) fn sub_path(
    world: &World,
    pod: &Pod,
    container: &Container,
    mount: &VolumeMount,
) -> Result<Option<String>, String> {
    let mut sub = mount.sub_path.clone().unwrap_or_default();
    if let Some(expr) = mount.sub_path_expr.as_deref().filter(|e| !e.is_empty()) {
        let env = super::env::environment(world, pod, container);
        let mut missing: Vec<String> = Vec::new();
        sub = super::env::expand(expr, |name| {
            let value = env.get(name).cloned().unwrap_or_default();
            if value.is_empty() && !missing.iter().any(|m| m == name) {
                missing.push(name.to_string());
            }
            value
        });
        if !missing.is_empty() {
            missing.sort();
            return Err(format!("missing value for {}", missing.join(", ")));
        }
    }
    if sub.is_empty() {
        return Ok(None);
    }
    if sub.starts_with('/') {
        return Err(format!(
            "error SubPath `{sub}` must not be an absolute path"
        ));
    }
    if sub.split('/').any(|part| part == "..") {
        return Err(format!(
            "unable to provision SubPath `{sub}`: must not contain '..'"
        ));
    }
    Ok(Some(sub))
}

/// Why the container's mounts cannot be made (the first mount's error, in spec order), or
/// `Ok`: `startContainer` then fails as for a missing environment source
/// (`CreateContainerConfigError`, retried on each sync).
pub(crate) fn check_mounts(world: &World, pod: &Pod, container: &str) -> Result<(), String> {
    let Some(spec) = pod.spec.as_ref() else {
        return Ok(());
    };
    let found = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .find(|c| c.name == container);
    let Some(c) = found else {
        return Ok(());
    };
    for mount in c.volume_mounts.iter().flatten() {
        sub_path(world, pod, c, mount)?;
    }
    Ok(())
}
