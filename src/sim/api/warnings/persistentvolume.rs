//! A PersistentVolume's warnings (upstream `pkg/api/persistentvolume/util.go`,
//! `warningsForPersistentVolumeSpecAndMeta`).

use k8s_openapi::api::core::v1::PersistentVolume;

use super::node::warnings_for_node_selector_term;
use super::persistentvolumeclaim::{BETA_STORAGE_CLASS, BETA_STORAGE_CLASS_MSG};

/// `core.MountOptionAnnotation`.
const BETA_MOUNT_OPTIONS: &str = "volume.beta.kubernetes.io/mount-options";

/// `GetWarningsForPersistentVolume`: the beta annotations, the deprecated Recycle policy,
/// deprecated node labels in the node affinity, and the volume plugins that no longer work.
pub fn warnings_for_persistent_volume(pv: &PersistentVolume) -> Vec<String> {
    let mut out = Vec::new();
    let annotations = pv.metadata.annotations.as_ref();
    let annotated = |key: &str| annotations.is_some_and(|a| a.contains_key(key));
    if annotated(BETA_STORAGE_CLASS) {
        out.push(format!(
            "metadata.annotations[{BETA_STORAGE_CLASS}]: {BETA_STORAGE_CLASS_MSG}"
        ));
    }
    if annotated(BETA_MOUNT_OPTIONS) {
        out.push(format!(
            "metadata.annotations[{BETA_MOUNT_OPTIONS}]: deprecated since v1.31; use \"mountOptions\" attribute instead"
        ));
    }
    let Some(spec) = &pv.spec else {
        return out;
    };
    if spec.persistent_volume_reclaim_policy.as_deref() == Some("Recycle") {
        out.push("spec.persistentVolumeReclaimPolicy: The Recycle reclaim policy is deprecated. Instead, the recommended approach is to use dynamic provisioning.".to_string());
    }
    if let Some(required) = spec
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
    {
        for (i, term) in required.node_selector_terms.iter().enumerate() {
            out.extend(warnings_for_node_selector_term(
                term,
                &format!("spec.nodeAffinity.required.nodeSelectorTerms[{i}]"),
            ));
        }
    }
    let plugins = [
        (spec.cephfs.is_some(), "cephfs"),
        (
            spec.photon_persistent_disk.is_some(),
            "photonPersistentDisk",
        ),
        (spec.scale_io.is_some(), "scaleIO"),
        (spec.storageos.is_some(), "storageOS"),
        (spec.glusterfs.is_some(), "glusterfs"),
        (spec.rbd.is_some(), "rbd"),
    ];
    out.extend(super::deprecated_plugins("spec", plugins));
    out
}
