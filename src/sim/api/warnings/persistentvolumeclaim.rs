//! A claim's warnings (upstream `pkg/api/persistentvolumeclaim/util.go`): the beta
//! storage-class annotation, and a storage size that is not a whole number of bytes.

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PersistentVolumeClaimSpec};

use super::{child, fractional_bytes};

/// `core.BetaStorageClassAnnotation`.
pub(super) const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";
pub(super) const BETA_STORAGE_CLASS_MSG: &str =
    "deprecated since v1.8; use \"storageClassName\" attribute instead";

/// `GetWarningsForPersistentVolumeClaim`.
pub fn warnings_for_claim(claim: &PersistentVolumeClaim) -> Vec<String> {
    let mut out = Vec::new();
    let annotations = claim.metadata.annotations.as_ref();
    if annotations.is_some_and(|a| a.contains_key(BETA_STORAGE_CLASS)) {
        out.push(format!(
            "metadata.annotations[{BETA_STORAGE_CLASS}]: {BETA_STORAGE_CLASS_MSG}"
        ));
    }
    if let Some(spec) = &claim.spec {
        out.extend(warnings_for_claim_spec("spec", spec));
    }
    out
}

/// `GetWarningsForPersistentVolumeClaimSpec`: the storage request and limit are whole
/// bytes. `path` is the spec's (`spec`, `spec.volumeClaimTemplates[0]`).
pub fn warnings_for_claim_spec(path: &str, spec: &PersistentVolumeClaimSpec) -> Vec<String> {
    let resources = spec.resources.as_ref();
    let mut out = Vec::new();
    for (field, list) in [
        ("requests", resources.and_then(|r| r.requests.as_ref())),
        ("limits", resources.and_then(|r| r.limits.as_ref())),
    ] {
        let at = child(path, &format!("resources.{field}[storage]"));
        out.extend(fractional_bytes(&at, list.and_then(|l| l.get("storage"))));
    }
    out
}
