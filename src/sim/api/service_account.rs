//! The ServiceAccount admission plugin (upstream `plugin/pkg/admission/serviceaccount`,
//! `Plugin.Admit`), on pod creation only:
//!
//! - a pod that names no service account runs as `default`;
//! - the service account it names must exist, else the pod is forbidden (`error looking up
//!   service account <ns>/<name>: serviceaccount "<name>" not found`);
//! - unless `automountServiceAccountToken` is false (the pod's setting wins over the service
//!   account's), every init container and container that has nothing mounted at
//!   `/var/run/secrets/kubernetes.io/serviceaccount` gets a read-only mount there of the
//!   projected volume `kube-api-access-<suffix>` (`mountServiceAccountToken`): a bound token,
//!   the cluster's CA (the `kube-root-ca.crt` ConfigMap) and the pod's namespace
//!   (`TokenVolumeSource`);
//! - a pod without `imagePullSecrets` takes the service account's.
//!
//! Upstream draws the suffix at random (`names.SimpleNameGenerator`: five characters of
//! `bcdfghjklmnpqrstvwxz2456789`); scn derives it from the pod's namespace and name, so a
//! pod re-created under the same name gets the same volume name and every run agrees.

use k8s_openapi::api::core::v1::{
    ConfigMapProjection, DownwardAPIProjection, DownwardAPIVolumeFile, KeyToPath,
    LocalObjectReference, ObjectFieldSelector, Pod, PodSpec, ProjectedVolumeSource, ServiceAccount,
    ServiceAccountTokenProjection, Volume, VolumeMount, VolumeProjection,
};

/// `DefaultServiceAccountName`.
pub const DEFAULT_SERVICE_ACCOUNT: &str = "default";
/// `DefaultAPITokenMountPath`.
pub const TOKEN_MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// `ServiceAccountVolumeName`: the token volume's name before its suffix.
pub const VOLUME_PREFIX: &str = "kube-api-access";
/// The ConfigMap the root-ca-cert-publisher keeps in every namespace.
pub const ROOT_CA_CONFIG_MAP: &str = "kube-root-ca.crt";
/// `serviceaccount.WarnOnlyBoundTokenExpirationSeconds`: 1 h 7 s.
pub const TOKEN_EXPIRATION_SECONDS: i64 = 3607;
/// `v1.ProjectedVolumeSourceDefaultMode` (0644), set explicitly (kubernetes#104464).
const DEFAULT_MODE: i32 = 420;

/// Admits a new pod in `namespace`; `lookup` finds a service account by name. The refusal
/// is the plugin's reason (the caller makes it `pods "x" is forbidden: …`).
pub fn admit(
    pod: &mut Pod,
    namespace: &str,
    lookup: impl Fn(&str) -> Option<ServiceAccount>,
) -> Result<(), String> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let Some(spec) = pod.spec.as_mut() else {
        return Ok(());
    };
    // Mirror pods (static pods' API copies) are left alone; scn has none.
    let account_name = match spec.service_account_name.as_deref() {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => DEFAULT_SERVICE_ACCOUNT.to_string(),
    };
    spec.service_account_name = Some(account_name.clone());
    // The v1 form repeats the name in the deprecated `serviceAccount`.
    spec.service_account = Some(account_name.clone());
    let Some(account) = lookup(&account_name) else {
        return Err(format!(
            "error looking up service account {namespace}/{account_name}: serviceaccount \"{account_name}\" not found"
        ));
    };
    let automount = spec
        .automount_service_account_token
        .or(account.automount_service_account_token)
        .unwrap_or(true);
    if automount {
        mount_token(spec, &volume_name(namespace, &name));
    }
    let pull_secrets = account.image_pull_secrets.unwrap_or_default();
    if spec
        .image_pull_secrets
        .as_ref()
        .is_none_or(|s| s.is_empty())
        && !pull_secrets.is_empty()
    {
        spec.image_pull_secrets = Some(
            pull_secrets
                .into_iter()
                .map(|r| LocalObjectReference { name: r.name })
                .collect(),
        );
    }
    Ok(())
}

/// `mountServiceAccountToken`: a volume already named `kube-api-access-…` is reused; a
/// container with anything mounted at the token path keeps its own mount; the volume is
/// added only when some container mounts it.
fn mount_token(spec: &mut PodSpec, generated: &str) {
    let existing = spec
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name.starts_with(&format!("{VOLUME_PREFIX}-")))
        .map(|v| v.name.clone());
    let volume_name = existing.clone().unwrap_or_else(|| generated.to_string());
    let mount = VolumeMount {
        name: volume_name.clone(),
        mount_path: TOKEN_MOUNT_PATH.into(),
        read_only: Some(true),
        ..Default::default()
    };
    let mut needed = false;
    let init = spec.init_containers.iter_mut().flatten();
    for c in init.chain(spec.containers.iter_mut()) {
        let mounts = c.volume_mounts.get_or_insert_with(Vec::new);
        if !mounts.iter().any(|m| m.mount_path == TOKEN_MOUNT_PATH) {
            mounts.push(mount.clone());
            needed = true;
        }
    }
    if existing.is_none() && needed {
        spec.volumes.get_or_insert_with(Vec::new).push(Volume {
            name: volume_name,
            projected: Some(token_volume_source()),
            ..Default::default()
        });
    }
}

/// `TokenVolumeSource`.
pub fn token_volume_source() -> ProjectedVolumeSource {
    ProjectedVolumeSource {
        default_mode: Some(DEFAULT_MODE),
        sources: Some(vec![
            VolumeProjection {
                service_account_token: Some(ServiceAccountTokenProjection {
                    path: "token".into(),
                    expiration_seconds: Some(TOKEN_EXPIRATION_SECONDS),
                    audience: None,
                }),
                ..Default::default()
            },
            VolumeProjection {
                config_map: Some(ConfigMapProjection {
                    name: ROOT_CA_CONFIG_MAP.into(),
                    items: Some(vec![KeyToPath {
                        key: "ca.crt".into(),
                        path: "ca.crt".into(),
                        mode: None,
                    }]),
                    optional: None,
                }),
                ..Default::default()
            },
            VolumeProjection {
                downward_api: Some(DownwardAPIProjection {
                    items: Some(vec![DownwardAPIVolumeFile {
                        path: "namespace".into(),
                        field_ref: Some(ObjectFieldSelector {
                            api_version: Some("v1".into()),
                            field_path: "metadata.namespace".into(),
                        }),
                        ..Default::default()
                    }]),
                }),
                ..Default::default()
            },
        ]),
    }
}

/// `kube-api-access-` and five characters of `generateName`'s alphabet, drawn from an
/// FNV-1a hash of the pod's namespace and name (upstream: at random).
fn volume_name(namespace: &str, pod: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in namespace.bytes().chain([b'/']).chain(pod.bytes()) {
        hash = (hash ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    let suffix: String = (0..5)
        .map(|_| {
            let c = ALPHABET[(hash % ALPHABET.len() as u64) as usize] as char;
            hash /= ALPHABET.len() as u64;
            c
        })
        .collect();
    format!("{VOLUME_PREFIX}-{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Container;

    fn pod(spec: PodSpec) -> Pod {
        Pod {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("web-0".into()),
                ..Default::default()
            },
            spec: Some(spec),
            ..Default::default()
        }
    }

    fn container(name: &str) -> Container {
        Container {
            name: name.into(),
            ..Default::default()
        }
    }

    fn default_account(name: &str) -> Option<ServiceAccount> {
        (name == DEFAULT_SERVICE_ACCOUNT).then(ServiceAccount::default)
    }

    #[test]
    fn default_account_and_token_volume_in_every_container() {
        let mut p = pod(PodSpec {
            init_containers: Some(vec![container("init")]),
            containers: vec![container("a"), container("b")],
            ..Default::default()
        });
        admit(&mut p, "default", default_account).unwrap();
        let spec = p.spec.unwrap();
        assert_eq!(spec.service_account_name.as_deref(), Some("default"));
        assert_eq!(spec.service_account.as_deref(), Some("default"));
        let volumes = spec.volumes.unwrap();
        assert_eq!(volumes.len(), 1);
        let name = volumes[0].name.clone();
        assert!(name.starts_with("kube-api-access-") && name.len() == 21);
        assert_eq!(name, volume_name("default", "web-0"));
        let init = spec.init_containers.unwrap();
        for c in init.iter().chain(spec.containers.iter()) {
            let m = &c.volume_mounts.as_ref().unwrap()[0];
            assert_eq!(m.name, name);
            assert_eq!(m.mount_path, TOKEN_MOUNT_PATH);
            assert_eq!(m.read_only, Some(true));
        }
        let json = serde_json::to_value(&volumes[0]).unwrap();
        assert_eq!(json["projected"]["defaultMode"], 420);
        assert_eq!(
            json["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"],
            3607
        );
    }

    #[test]
    fn automount_false_and_missing_account() {
        let mut p = pod(PodSpec {
            automount_service_account_token: Some(false),
            containers: vec![container("a")],
            ..Default::default()
        });
        admit(&mut p, "default", default_account).unwrap();
        assert!(p.spec.as_ref().unwrap().volumes.is_none());
        let mut p = pod(PodSpec {
            service_account_name: Some("app".into()),
            containers: vec![container("a")],
            ..Default::default()
        });
        assert_eq!(
            admit(&mut p, "default", default_account).unwrap_err(),
            "error looking up service account default/app: serviceaccount \"app\" not found"
        );
    }

    #[test]
    fn admitting_twice_changes_nothing() {
        let mut p = pod(PodSpec {
            containers: vec![container("a")],
            ..Default::default()
        });
        admit(&mut p, "default", default_account).unwrap();
        let once = p.clone();
        admit(&mut p, "default", default_account).unwrap();
        assert_eq!(p, once);
    }
}
