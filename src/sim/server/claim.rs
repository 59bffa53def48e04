//! Admission for PersistentVolumeClaims: the DefaultStorageClass plugin and the
//! `kubernetes.io/pvc-protection` finalizer (`pkg/registry/core/persistentvolumeclaim`,
//! `plugin/pkg/admission/storage`).

use super::*;

/// The DefaultStorageClass admission plugin and the pvc-protection finalizer.
pub(super) fn admit_claim(world: &World, claim: &mut PersistentVolumeClaim) {
    if let Some(spec) = claim.spec.as_mut() {
        if spec.storage_class_name.is_none() {
            spec.storage_class_name = world
                .store
                .storage_classes
                .iter()
                .find(|(_, c)| {
                    c.metadata
                        .annotations
                        .as_ref()
                        .and_then(|a| a.get("storageclass.kubernetes.io/is-default-class"))
                        .is_some_and(|v| v == "true")
                })
                .map(|(name, _)| name.clone());
        }
    }
    let finalizers = claim.metadata.finalizers.get_or_insert_with(Vec::new);
    if !finalizers
        .iter()
        .any(|f| f == "kubernetes.io/pvc-protection")
    {
        finalizers.push("kubernetes.io/pvc-protection".into());
    }
    claim.status.get_or_insert_with(Default::default).phase = Some("Pending".into());
}
