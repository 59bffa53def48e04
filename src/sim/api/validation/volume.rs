//! A pod volume's source (`validateVolumeSource` in `pkg/apis/core/validation`): exactly
//! one source, and the fields the common sources cannot do without.

use k8s_openapi::api::core::v1::Volume;
use serde_json::Value;

use super::super::field_error::FieldError;

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

const FILE_MODE_MSG: &str = "must be a number between 0 and 0777 (octal), both inclusive";

/// `validateVolumeSource` for the volume at `path` (`spec.volumes[i]`).
pub(super) fn validate_volume_source(volume: &Volume, path: &str) -> Vec<FieldError> {
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
        errs.extend(source_errors(field, source, &format!("{path}.{field}")));
    }
    if found == 0 {
        errs.push(FieldError::required(path, "must specify a volume type"));
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
        "hostPath" => errs.extend(required("path")),
        "secret" => {
            errs.extend(required("secretName"));
            errs.extend(mode("defaultMode"));
        }
        "configMap" => {
            errs.extend(required("name"));
            errs.extend(mode("defaultMode"));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The errors of the volume `json` at `spec.volumes[0]`, as printed.
    fn texts(json: Value) -> Vec<String> {
        let v: Volume = serde_json::from_value(json).unwrap();
        validate_volume_source(&v, "spec.volumes[0]")
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
