//! A pod volume's source (`validateVolumeSource` in `pkg/apis/core/validation`): exactly
//! one source, and the fields the common sources cannot do without; a `downwardAPI`
//! volume's files (`validateDownwardAPIVolumeSource`), also as a projected source.

use k8s_openapi::api::core::v1::{DownwardAPIVolumeFile, KeyToPath, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::super::field_error::FieldError;
use super::env::{validate_container_resource_field_selector, validate_object_field_selector};

/// The sources in upstream's order of checking: the JSON field, and the path upstream
/// gives its "more than 1 volume type" error (`cephFS` and, upstream's typo, `downwarAPI`).
const SOURCES: [(&str, &str); 30] = [
    ("emptyDir", "emptyDir"),
    ("hostPath", "hostPath"),
    ("gitRepo", "gitRepo"),
    ("gcePersistentDisk", "gcePersistentDisk"),
    ("awsElasticBlockStore", "awsElasticBlockStore"),
    ("secret", "secret"),
    ("nfs", "nfs"),
    ("iscsi", "iscsi"),
    ("glusterfs", "glusterfs"),
    ("flocker", "flocker"),
    ("persistentVolumeClaim", "persistentVolumeClaim"),
    ("rbd", "rbd"),
    ("cinder", "cinder"),
    ("cephfs", "cephFS"),
    ("quobyte", "quobyte"),
    ("downwardAPI", "downwarAPI"),
    ("fc", "fc"),
    ("flexVolume", "flexVolume"),
    ("configMap", "configMap"),
    ("azureFile", "azureFile"),
    ("vsphereVolume", "vsphereVolume"),
    ("photonPersistentDisk", "photonPersistentDisk"),
    ("portworxVolume", "portworxVolume"),
    ("azureDisk", "azureDisk"),
    ("storageos", "storageos"),
    ("projected", "projected"),
    ("scaleIO", "scaleIO"),
    ("csi", "csi"),
    ("ephemeral", "ephemeral"),
    ("image", "image"),
];

/// The volume's source named `field` (its JSON name), as JSON, when it is set.
fn source_value(v: &Volume, field: &str) -> Option<Value> {
    fn json<T: serde::Serialize>(source: &Option<T>) -> Option<Value> {
        source.as_ref().and_then(|s| serde_json::to_value(s).ok())
    }
    match field {
        "emptyDir" => json(&v.empty_dir),
        "hostPath" => json(&v.host_path),
        "gitRepo" => json(&v.git_repo),
        "gcePersistentDisk" => json(&v.gce_persistent_disk),
        "awsElasticBlockStore" => json(&v.aws_elastic_block_store),
        "secret" => json(&v.secret),
        "nfs" => json(&v.nfs),
        "iscsi" => json(&v.iscsi),
        "glusterfs" => json(&v.glusterfs),
        "flocker" => json(&v.flocker),
        "persistentVolumeClaim" => json(&v.persistent_volume_claim),
        "rbd" => json(&v.rbd),
        "cinder" => json(&v.cinder),
        "cephfs" => json(&v.cephfs),
        "quobyte" => json(&v.quobyte),
        "downwardAPI" => json(&v.downward_api),
        "fc" => json(&v.fc),
        "flexVolume" => json(&v.flex_volume),
        "configMap" => json(&v.config_map),
        "azureFile" => json(&v.azure_file),
        "vsphereVolume" => json(&v.vsphere_volume),
        "photonPersistentDisk" => json(&v.photon_persistent_disk),
        "portworxVolume" => json(&v.portworx_volume),
        "azureDisk" => json(&v.azure_disk),
        "storageos" => json(&v.storageos),
        "projected" => json(&v.projected),
        "scaleIO" => json(&v.scale_io),
        "csi" => json(&v.csi),
        "ephemeral" => json(&v.ephemeral),
        "image" => json(&v.image),
        _ => None,
    }
}

/// The `hostPath` types (`supportedHostPathTypes`, sorted as `sets.List` gives them).
const HOST_PATH_TYPES: [&str; 8] = [
    "",
    "BlockDevice",
    "CharDevice",
    "Directory",
    "DirectoryOrCreate",
    "File",
    "FileOrCreate",
    "Socket",
];

/// `validateHostPathVolumeSource`, for a pod's volume and a PersistentVolume alike: a
/// path, without a `..` element (`validatePathNoBacksteps`), and a supported type
/// (`validateHostPathType`). `path` is the source's field path.
pub(super) fn validate_host_path(
    host_path: &str,
    kind: Option<&str>,
    path: &str,
) -> Vec<FieldError> {
    if host_path.is_empty() {
        return vec![FieldError::required(format!("{path}.path"), "")];
    }
    let mut errs = Vec::new();
    if host_path.split('/').any(|part| part == "..") {
        errs.push(FieldError::invalid_str(
            format!("{path}.path"),
            host_path,
            "must not contain '..'",
        ));
    }
    if let Some(kind) = kind.filter(|k| !HOST_PATH_TYPES.contains(k)) {
        errs.push(FieldError::unsupported(
            format!("{path}.type"),
            kind,
            &HOST_PATH_TYPES,
        ));
    }
    errs
}

const FILE_MODE_MSG: &str = "must be a number between 0 and 0777 (octal), both inclusive";

/// `validateVolumeSource` for the volume at `path` (`spec.volumes[i]`); `pod_name` is the
/// pod's name when the spec is a Pod's (a template has none).
pub(super) fn validate_volume_source(
    volume: &Volume,
    path: &str,
    pod_name: Option<&str>,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut found = 0;
    for (field, error_field) in SOURCES {
        // Only a source that is set is written as JSON (most volumes have one).
        let Some(source) = source_value(volume, field) else {
            continue;
        };
        let source = &source;
        if found > 0 {
            errs.push(FieldError::forbidden(
                format!("{path}.{error_field}"),
                "may not specify more than 1 volume type",
            ));
            continue;
        }
        found += 1;
        let at = format!("{path}.{field}");
        errs.extend(source_errors(field, source, &at));
        if let Some(d) = volume
            .downward_api
            .as_ref()
            .filter(|_| field == "downwardAPI")
        {
            // `validateDownwardAPIVolumeSource`: the files' errors are at the source's own
            // path, not at `items[i]` (upstream passes the source's path down).
            for file in d.items.iter().flatten() {
                errs.extend(validate_downward_api_volume_file(file, &at));
            }
        }
        if let Some(p) = volume.projected.as_ref().filter(|_| field == "projected") {
            errs.extend(projection_sources_errors(p, &at));
        }
        // `validateEphemeralVolumeSource`: the claim template's spec is a claim's
        // (`ValidatePersistentVolumeClaimTemplate`).
        let template = volume
            .ephemeral
            .as_ref()
            .filter(|_| field == "ephemeral")
            .and_then(|e| e.volume_claim_template.as_ref());
        if let Some(template) = template {
            errs.extend(template_object_meta_errors(
                template.metadata.as_ref(),
                &format!("{at}.volumeClaimTemplate.metadata"),
            ));
            errs.extend(super::persistentvolumeclaim::validate_pvc_spec(
                Some(&template.spec),
                &format!("{at}.volumeClaimTemplate.spec"),
            ));
        }
        // The claim the volume gets, `<pod>-<volume>`, must be a valid claim name.
        if let Some(pod) = pod_name.filter(|_| field == "ephemeral" && !volume.name.is_empty()) {
            let claim = format!("{pod}-{}", volume.name);
            for msg in super::names::dns1123_subdomain_errors(&claim) {
                errs.push(FieldError::invalid_str(
                    format!("{path}.name"),
                    &volume.name,
                    format!(
                        "PVC name {}: {msg}",
                        super::super::field_error::quote(&claim)
                    ),
                ));
            }
        }
        // `validateConfigMapVolumeSource`, `validateSecretVolumeSource`: each item.
        let items = match field {
            "configMap" => volume.config_map.as_ref().and_then(|c| c.items.as_deref()),
            "secret" => volume.secret.as_ref().and_then(|s| s.items.as_deref()),
            _ => None,
        };
        for (j, item) in items.into_iter().flatten().enumerate() {
            errs.extend(key_to_path_errors(item, &format!("{at}.items[{j}]")));
        }
        // `validateVolumeSource`: an emptyDir's size limit may not be negative.
        let negative_limit = volume
            .empty_dir
            .as_ref()
            .filter(|_| field == "emptyDir")
            .and_then(|e| e.size_limit.as_ref())
            .and_then(|q| crate::quantity::parse(&q.0).ok())
            .is_some_and(|q| q.nanos() < 0);
        if negative_limit {
            errs.push(FieldError::forbidden(
                format!("{at}.sizeLimit"),
                "SizeLimit field must be a valid resource quantity",
            ));
        }
    }
    if found == 0 {
        errs.push(FieldError::required(path, "must specify a volume type"));
    }
    errs
}

/// `ValidateTemplateObjectMeta` of an ephemeral volume's claim template: its annotations
/// and labels, and no other metadata field set (`validateFieldAllowList`, each set field
/// named as Go's field with its first letter lowered, in the struct's order).
fn template_object_meta_errors(meta: Option<&ObjectMeta>, path: &str) -> Vec<FieldError> {
    let Some(meta) = meta else {
        return Vec::new();
    };
    let mut errs = super::names::validate_annotations(
        meta.annotations.as_ref(),
        &format!("{path}.annotations"),
    );
    errs.extend(super::names::validate_labels(
        meta.labels.as_ref(),
        &format!("{path}.labels"),
    ));
    let set = [
        ("name", meta.name.as_ref().is_some_and(|s| !s.is_empty())),
        (
            "generateName",
            meta.generate_name.as_ref().is_some_and(|s| !s.is_empty()),
        ),
        (
            "namespace",
            meta.namespace.as_ref().is_some_and(|s| !s.is_empty()),
        ),
        (
            "selfLink",
            meta.self_link.as_ref().is_some_and(|s| !s.is_empty()),
        ),
        ("uID", meta.uid.as_ref().is_some_and(|s| !s.is_empty())),
        (
            "resourceVersion",
            meta.resource_version
                .as_ref()
                .is_some_and(|s| !s.is_empty()),
        ),
        ("generation", meta.generation.is_some_and(|g| g != 0)),
        ("creationTimestamp", meta.creation_timestamp.is_some()),
        ("deletionTimestamp", meta.deletion_timestamp.is_some()),
        (
            "deletionGracePeriodSeconds",
            meta.deletion_grace_period_seconds.is_some(),
        ),
        ("ownerReferences", meta.owner_references.is_some()),
        ("finalizers", meta.finalizers.is_some()),
        ("managedFields", meta.managed_fields.is_some()),
    ];
    for (field, is_set) in set {
        if is_set {
            errs.push(FieldError::forbidden(
                format!("{path}.{field}"),
                "cannot be set",
            ));
        }
    }
    errs
}

/// The checks of the common sources: the names and paths they need, file modes in range.
fn source_errors(field: &str, source: &Value, path: &str) -> Vec<FieldError> {
    let text = |name: &str| source.get(name).and_then(Value::as_str).unwrap_or("");
    let required = |name: &str| {
        text(name)
            .is_empty()
            .then(|| FieldError::required(format!("{path}.{name}"), ""))
    };
    let mode = |name: &str| {
        source
            .get(name)
            .and_then(Value::as_i64)
            .filter(|m| !(0..=0o777).contains(m))
            .map(|m| FieldError::invalid(format!("{path}.{name}"), m.to_string(), FILE_MODE_MSG))
    };
    let mut errs = Vec::new();
    match field {
        "hostPath" => {
            let kind = source.get("type").and_then(Value::as_str);
            errs.extend(validate_host_path(text("path"), kind, path));
        }
        "secret" => {
            errs.extend(required("secretName"));
            errs.extend(mode("defaultMode"));
        }
        "configMap" => {
            errs.extend(required("name"));
            errs.extend(mode("defaultMode"));
        }
        "downwardAPI" | "projected" => errs.extend(mode("defaultMode")),
        "persistentVolumeClaim" => errs.extend(required("claimName")),
        "nfs" => {
            errs.extend(required("server"));
            errs.extend(required("path"));
            if !text("path").starts_with('/') {
                errs.push(FieldError::invalid_str(
                    format!("{path}.path"),
                    text("path"),
                    "must be an absolute path",
                ));
            }
        }
        "ephemeral" if source.get("volumeClaimTemplate").is_none_or(Value::is_null) => {
            errs.extend(required("volumeClaimTemplate"));
        }
        _ => {}
    }
    errs
}

/// The fields a `downwardAPI` file may read (`validVolumeDownwardAPIFieldPathExpressions`),
/// sorted as `sets.List` gives them; a subscript of labels or annotations is also allowed.
const VOLUME_FIELD_PATHS: [&str; 5] = [
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
];

/// `validateDownwardAPIVolumeFile`: the path required, relative, without `..`; exactly one
/// of `fieldRef` (a metadata field) and `resourceFieldRef` (naming its container); the
/// file's mode in range.
fn validate_downward_api_volume_file(file: &DownwardAPIVolumeFile, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if file.path.is_empty() {
        errs.push(FieldError::required(format!("{path}.path"), ""));
    }
    errs.extend(local_non_reserved_path(&file.path, &format!("{path}.path")));
    if let Some(fs) = &file.field_ref {
        errs.extend(validate_object_field_selector(
            fs,
            &VOLUME_FIELD_PATHS,
            &format!("{path}.fieldRef"),
        ));
        if file.resource_field_ref.is_some() {
            errs.push(FieldError::invalid_str(
                path,
                "resource",
                "fieldRef and resourceFieldRef can not be specified simultaneously",
            ));
        }
    } else if let Some(rs) = &file.resource_field_ref {
        errs.extend(validate_container_resource_field_selector(
            rs,
            &format!("{path}.resourceFieldRef"),
            true,
        ));
    } else {
        errs.push(FieldError::required(
            path,
            "one of fieldRef and resourceFieldRef is required",
        ));
    }
    if let Some(m) = file.mode.filter(|m| !(0..=0o777).contains(m)) {
        errs.push(FieldError::invalid(
            format!("{path}.mode"),
            m.to_string(),
            FILE_MODE_MSG,
        ));
    }
    errs
}

/// `validateProjectionSources`: each source's name and items (`validateKeyToPath` at
/// `sources[i].<kind>.items[j]`), each downward API file, the service account token's
/// expiry and path; a path an earlier item took is `conflicting duplicate paths` at the
/// volume (with the ConfigMap's or Secret's name as the value, or the path for a downward
/// API file); more than one kind in one source is forbidden. Cluster trust bundles and pod
/// certificates are not checked (scn does not simulate them and warns).
fn projection_sources_errors(
    projected: &k8s_openapi::api::core::v1::ProjectedVolumeSource,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, source) in projected.sources.iter().flatten().enumerate() {
        let src = format!("{path}.sources[{i}]");
        let mut kinds = 0;
        let key_sources = [
            (
                "secret",
                source
                    .secret
                    .as_ref()
                    .map(|s| (s.name.as_str(), s.items.as_deref())),
            ),
            (
                "configMap",
                source
                    .config_map
                    .as_ref()
                    .map(|c| (c.name.as_str(), c.items.as_deref())),
            ),
        ];
        for (kind, found) in key_sources {
            let Some((name, items)) = found else { continue };
            kinds += 1;
            let at = format!("{src}.{kind}");
            if name.is_empty() {
                errs.push(FieldError::required(format!("{at}.name"), ""));
            }
            for (j, item) in items.into_iter().flatten().enumerate() {
                errs.extend(key_to_path_errors(item, &format!("{at}.items[{j}]")));
                if !item.path.is_empty() {
                    if seen.contains(&item.path.as_str()) {
                        errs.push(FieldError::invalid_str(
                            path,
                            name,
                            "conflicting duplicate paths",
                        ));
                    } else {
                        seen.push(&item.path);
                    }
                }
            }
        }
        if let Some(d) = &source.downward_api {
            kinds += 1;
            let at = format!("{src}.downwardAPI");
            for file in d.items.iter().flatten() {
                errs.extend(validate_downward_api_volume_file(file, &at));
                if !file.path.is_empty() {
                    if seen.contains(&file.path.as_str()) {
                        errs.push(FieldError::invalid_str(
                            path,
                            &file.path,
                            "conflicting duplicate paths",
                        ));
                    } else {
                        seen.push(&file.path);
                    }
                }
            }
        }
        if let Some(t) = &source.service_account_token {
            kinds += 1;
            let at = format!("{src}.serviceAccountToken");
            let expiry = t.expiration_seconds.unwrap_or(0);
            if expiry < 10 * 60 {
                errs.push(FieldError::invalid(
                    format!("{at}.expirationSeconds"),
                    expiry.to_string(),
                    "may not specify a duration less than 10 minutes",
                ));
            }
            if expiry > 1 << 32 {
                errs.push(FieldError::invalid(
                    format!("{at}.expirationSeconds"),
                    expiry.to_string(),
                    "may not specify a duration larger than 2^32 seconds",
                ));
            }
            // Upstream reports the token's path at the volume's `path`, not the source's.
            if t.path.is_empty() {
                errs.push(FieldError::required(format!("{path}.path"), ""));
            } else {
                errs.extend(local_non_reserved_path(&t.path, &format!("{path}.path")));
            }
        }
        if source.cluster_trust_bundle.is_some() {
            kinds += 1;
        }
        if kinds > 1 {
            errs.push(FieldError::forbidden(
                src,
                "may not specify more than 1 volume type",
            ));
        }
    }
    errs
}

/// `validateKeyToPath`: the key and path required, the path relative without `..`, the
/// mode in range.
fn key_to_path_errors(item: &KeyToPath, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if item.key.is_empty() {
        errs.push(FieldError::required(format!("{path}.key"), ""));
    }
    if item.path.is_empty() {
        errs.push(FieldError::required(format!("{path}.path"), ""));
    }
    errs.extend(local_non_reserved_path(&item.path, &format!("{path}.path")));
    if let Some(m) = item.mode.filter(|m| !(0..=0o777).contains(m)) {
        errs.push(FieldError::invalid(
            format!("{path}.mode"),
            m.to_string(),
            FILE_MODE_MSG,
        ));
    }
    errs
}

/// `ValidateLocalNonReservedPath`: `validateLocalDescendingPath` (relative, no `..`
/// element), and not starting with `..` (unless that was `../`, already told).
fn local_non_reserved_path(target: &str, path: &str) -> Vec<FieldError> {
    let mut errs = super::pod::local_descending_path_errors(target, path);
    if target.starts_with("..") && !target.starts_with("../") {
        errs.push(FieldError::invalid_str(
            path,
            target,
            "must not start with '..'",
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The errors of the volume `json` at `spec.volumes[0]`, as printed.
    fn texts(json: Value) -> Vec<String> {
        let v: Volume = serde_json::from_value(json).unwrap();
        validate_volume_source(&v, "spec.volumes[0]", None)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn one_source_each_with_what_it_needs() {
        assert_eq!(
            texts(serde_json::json!({
                "name": "data",
                "emptyDir": {},
                "persistentVolumeClaim": {"claimName": "x"},
                "downwardAPI": {}
            })),
            [
                "spec.volumes[0].persistentVolumeClaim: Forbidden: may not specify more than 1 volume type",
                "spec.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type",
            ]
        );
        assert_eq!(
            texts(serde_json::json!({"name": "data", "secret": {"defaultMode": 1000}})),
            [
                "spec.volumes[0].secret.secretName: Required value",
                "spec.volumes[0].secret.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive",
            ]
        );
    }
}
