//! PersistentVolumeClaim validation (`ValidatePersistentVolumeClaim`).

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PersistentVolumeClaimSpec};

use super::super::field_error::FieldError;
use super::names::{validate_labels, validate_object_meta_name};

const ACCESS_MODES: [&str; 4] = [
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];

pub(super) fn validate_pvc_spec(
    spec: Option<&PersistentVolumeClaimSpec>,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let default = PersistentVolumeClaimSpec::default();
    let spec = spec.unwrap_or(&default);
    let modes = spec.access_modes.as_deref().unwrap_or(&[]);
    if modes.is_empty() {
        errs.push(FieldError::required(
            format!("{path}.accessModes"),
            "at least 1 access mode is required",
        ));
    }
    for m in modes {
        if !ACCESS_MODES.contains(&m.as_str()) {
            errs.push(FieldError::unsupported(
                format!("{path}.accessModes"),
                m,
                &ACCESS_MODES,
            ));
        }
    }
    let has_storage = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .is_some_and(|r| r.contains_key("storage"));
    if !has_storage {
        errs.push(FieldError::required(
            format!("{path}.resources[storage]"),
            "",
        ));
    }
    if let Some(vm) = spec.volume_mode.as_deref() {
        if !["Block", "Filesystem"].contains(&vm) {
            errs.push(FieldError::unsupported(
                format!("{path}.volumeMode"),
                vm,
                &["Block", "Filesystem"],
            ));
        }
    }
    errs
}

/// PVC validation: name, `spec.accessModes` required (and supported), `spec.resources[storage]`
/// required.
pub fn validate_pvc(pvc: &PersistentVolumeClaim) -> Vec<FieldError> {
    let mut errs = validate_object_meta_name(
        "PersistentVolumeClaim",
        pvc.metadata.name.as_deref().unwrap_or(""),
    );
    errs.extend(validate_labels(
        pvc.metadata.labels.as_ref(),
        "metadata.labels",
    ));
    errs.extend(validate_pvc_spec(pvc.spec.as_ref(), "spec"));
    errs
}
