//! PersistentVolumes and StorageClasses on the API server: defaults and validation, the
//! PersistentVolume registry strategy
//! (`pkg/registry/core/persistentvolume`: a new volume's status is `Pending` since now) and
//! the StorageObjectInUseProtection admission plugin (`kubernetes.io/pv-protection` on
//! every new volume).

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeStatus};
use k8s_openapi::api::storage::v1::StorageClass;

use super::*;
use crate::sim::controllers::volume::PV_PROTECTION;

/// What the API server does to every new volume, whoever made it: its status starts over
/// as `Pending` (with the time of that phase) and it is protected while bound.
fn admit_volume(world: &World, pv: &mut PersistentVolume) {
    pv.status = Some(PersistentVolumeStatus {
        phase: Some("Pending".into()),
        last_phase_transition_time: Some(to_time(world.now)),
        ..Default::default()
    });
    let finalizers = pv.metadata.finalizers.get_or_insert_with(Vec::new);
    if !finalizers.iter().any(|f| f == PV_PROTECTION) {
        finalizers.push(PV_PROTECTION.into());
    }
}

/// POST of a volume: defaults, validation, admission, stored.
pub(super) fn create_pv(world: &mut World, value: &Value) -> Result<(), ApiError> {
    let kind = ObjectKind::PersistentVolume;
    let mut pv: PersistentVolume = decode(&kind, value)?;
    defaults::default_pv(&mut pv);
    let errors = validation::validate_pv(&pv);
    if !errors.is_empty() {
        let name = pv.metadata.name.clone().unwrap_or_default();
        return Err(invalid(&kind, &name, &errors));
    }
    insert_volume(world, pv);
    Ok(())
}

/// A defaulted, valid volume is admitted and stored. The provisioner's volumes come here
/// directly: they are built valid (with the claim's validated modes and size).
pub(super) fn insert_volume(world: &mut World, mut pv: PersistentVolume) {
    let kind = ObjectKind::PersistentVolume;
    let name = pv.metadata.name.clone().unwrap_or_default();
    defaults::default_pv(&mut pv);
    admit_volume(world, &mut pv);
    init_meta(world, &kind, &mut pv.metadata);
    world.store.volumes.insert(name, pv);
}

/// PUT of a volume: defaults and `ValidatePersistentVolumeUpdate` (the status stays the
/// stored one).
pub(super) fn update_pv(world: &mut World, name: &str, value: &Value) -> Result<bool, ApiError> {
    let kind = ObjectKind::PersistentVolume;
    let mut pv: PersistentVolume = decode(&kind, value)?;
    defaults::default_pv(&mut pv);
    let Some(old) = world.store.volumes().get(name) else {
        return Err(ApiError::not_found(&kind, name));
    };
    let errors = validation::validate_pv_update(&pv, old);
    if !errors.is_empty() {
        return Err(invalid(&kind, name, &errors));
    }
    let value =
        serde_json::to_value(&pv).map_err(|e| ApiError::new(Reason::BadRequest, e.to_string()))?;
    replace_typed::<PersistentVolume>(world, name, &value)
}

/// POST of a StorageClass: defaults (`SetDefaults_StorageClass`), validation, stored.
pub(super) fn create_storage_class(world: &mut World, value: &Value) -> Result<(), ApiError> {
    let kind = ObjectKind::StorageClass;
    let mut class: StorageClass = decode(&kind, value)?;
    defaults::default_storage_class(&mut class);
    let name = class.metadata.name.clone().unwrap_or_default();
    let errors = validation::validate_storage_class(&class);
    if !errors.is_empty() {
        return Err(invalid(&kind, &name, &errors));
    }
    init_meta(world, &kind, &mut class.metadata);
    world.store.storage_classes.insert(name, class);
    Ok(())
}

/// PUT of a StorageClass: what provisions and how stays as created.
pub(super) fn update_storage_class(
    world: &mut World,
    name: &str,
    value: &Value,
) -> Result<bool, ApiError> {
    let kind = ObjectKind::StorageClass;
    let mut class: StorageClass = decode(&kind, value)?;
    defaults::default_storage_class(&mut class);
    let Some(old) = world.store.storage_classes().get(name) else {
        return Err(ApiError::not_found(&kind, name));
    };
    let errors = validation::validate_storage_class_update(&class, old);
    if !errors.is_empty() {
        return Err(invalid(&kind, name, &errors));
    }
    let value = serde_json::to_value(&class)
        .map_err(|e| ApiError::new(Reason::BadRequest, e.to_string()))?;
    replace_typed::<StorageClass>(world, name, &value)
}
