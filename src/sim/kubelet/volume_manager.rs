//! The volume manager's part that needs the API (`WaitForAttachAndMount` in
//! `pkg/kubelet/volumemanager`, the `configmap`, `secret` and `projected` volume plugins):
//! before the sandbox starts, every volume of the pod is set up. A `configMap` or `secret`
//! volume (or a projected source) whose object does not exist, or lacks a key its `items`
//! name, fails `MountVolume.SetUp` unless it is `optional: true`: the kubelet records
//! `Warning FailedMount` and tries again after the operation's back-off (500 ms, doubling,
//! at most 2m2s, as `nestedpendingoperations` waits). Until every volume is set up the pod
//! has no sandbox: no IP, `PodReadyToStartContainers` False, its containers waiting in
//! `ContainerCreating`. A `downwardAPI` file that names a container the pod does not have
//! fails the same way (`container x not found`). Claims are not checked here: the scheduler binds a pod only once its
//! claims are bound.

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

/// The `FailedMount` messages of the volumes that cannot be set up now, in spec order.
pub(crate) fn failures(world: &World, pod: &Pod) -> Vec<String> {
    let volumes = pod.spec.as_ref().and_then(|s| s.volumes.as_ref());
    volumes
        .into_iter()
        .flatten()
        .filter_map(|v| {
            set_up(world, pod, v)
                .err()
                .map(|why| format!("MountVolume.SetUp failed for volume \"{}\" : {why}", v.name))
        })
        .collect()
}

/// Records the failures and waits: the next attempt follows the back-off.
pub(crate) fn failed(world: &mut World, rt: &mut PodRuntime, failures: Vec<String>) {
    let now = world.now;
    for message in failures {
        event(world, &rt.name, "Warning", "FailedMount", message);
    }
    let delay = match &rt.mount {
        None => MOUNT_RETRY_START,
        Some(wait) => (wait.delay * 2).min(MOUNT_RETRY_MAX),
    };
    let retry = now + delay;
    rt.mount = Some(MountWait { retry, delay });
    let (name, uid) = (rt.name.clone(), rt.uid.clone());
    sync_at(world, &name, &uid, retry);
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
