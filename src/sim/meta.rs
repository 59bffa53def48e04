//! Small helpers on object metadata shared by components.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

/// Drops owner references to `uid`; an empty list is omitted, as the API serializes it.
pub fn remove_owner_reference(meta: &mut ObjectMeta, uid: &str) {
    if let Some(refs) = meta.owner_references.as_mut() {
        refs.retain(|r| r.uid != uid);
        if refs.is_empty() {
            meta.owner_references = None;
        }
    }
}

/// Adds a controller's owner reference as the adoption patch does
/// (`controller_ref_manager.go` `ownerRefControllerPatch`): a strategic merge patch, whose
/// list of owner references merges by `uid`, so an existing reference to the same owner is
/// replaced in place rather than doubled.
pub fn adopt(meta: &mut ObjectMeta, reference: OwnerReference) {
    let refs = meta.owner_references.get_or_insert_with(Vec::new);
    match refs.iter_mut().find(|r| r.uid == reference.uid) {
        Some(existing) => *existing = reference,
        None => refs.push(reference),
    }
}
