//! A container's environment (`makeEnvironmentVariables` in `pkg/kubelet/kubelet_pods.go`):
//! the ConfigMaps and Secrets that `envFrom` and `env[].valueFrom` read must exist, and a
//! key a variable names must be in the object, unless the reference is `optional: true`.
//! When one is missing the container is not created: `startContainer` records
//! `Warning Failed "Error: <why>"` and the container waits with reason
//! `CreateContainerConfigError` until a later sync finds the object.

use k8s_openapi::api::core::v1::{Container, Pod};

use super::super::world::World;
use super::config_objects::{env_data, Source};

/// Why the container's environment cannot be built, or `Ok` when it can.
pub(crate) fn check(world: &World, pod: &Pod, container: &str) -> Result<(), String> {
    let Some(container) = find(pod, container) else {
        return Ok(());
    };
    // `envFrom` first, then `env`, in the order they are written (upstream's order, which
    // decides which error is told when several are missing).
    for from in container.env_from.iter().flatten() {
        let refs = [
            from.config_map_ref
                .as_ref()
                .map(|r| (Source::ConfigMap, r.name.as_str(), r.optional)),
            from.secret_ref
                .as_ref()
                .map(|r| (Source::Secret, r.name.as_str(), r.optional)),
        ];
        for (source, name, optional) in refs.into_iter().flatten() {
            if env_data(world, source, name).is_none() && optional != Some(true) {
                return Err(source.not_found(name));
            }
        }
    }
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    for var in container.env.iter().flatten() {
        let Some(from) = var.value_from.as_ref() else {
            continue;
        };
        let refs = [
            from.config_map_key_ref.as_ref().map(|r| {
                (
                    Source::ConfigMap,
                    r.name.as_str(),
                    r.key.as_str(),
                    r.optional,
                )
            }),
            from.secret_key_ref
                .as_ref()
                .map(|r| (Source::Secret, r.name.as_str(), r.key.as_str(), r.optional)),
        ];
        for (source, name, key, optional) in refs.into_iter().flatten() {
            let optional = optional == Some(true);
            match env_data(world, source, name) {
                None if optional => {}
                None => return Err(source.not_found(name)),
                Some(data) if data.contains_key(key) || optional => {}
                Some(_) => {
                    let kind = match source {
                        Source::ConfigMap => "ConfigMap",
                        Source::Secret => "Secret",
                    };
                    return Err(format!(
                        "couldn't find key {key} in {kind} {namespace}/{name}"
                    ));
                }
            }
        }
    }
    Ok(())
}

fn find<'a>(pod: &'a Pod, name: &str) -> Option<&'a Container> {
    let spec = pod.spec.as_ref()?;
    spec.init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .find(|c| c.name == name)
}
