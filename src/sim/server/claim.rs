//! Admission for PersistentVolumeClaims: the DefaultStorageClass plugin and the
//! `kubernetes.io/pvc-protection` finalizer on create, validation and the resize plugin on
//! update (`pkg/registry/core/persistentvolumeclaim`, `plugin/pkg/admission/storage`).

use super::*;

/// The strategy's data-source steps of PrepareForCreate and PrepareForUpdate, with the
/// stored claim's spec on update:
/// - `DropDisabledFields`: a `dataSourceRef` naming another namespace is dropped, unless the
///   stored claim had a `dataSourceRef` (CrossNamespaceVolumeDataSource is alpha, off);
/// - `EnforceDataSourceBackwardsCompatibility`: unless the stored claim had a data source,
///   a `dataSource` given without a `dataSourceRef` that is neither a PersistentVolumeClaim
///   (core group) nor a `snapshot.storage.k8s.io` VolumeSnapshot is dropped silently;
/// - `NormalizeDataSources`: one data source is copied to the other.
///
/// Only a claim's strategy does this: a StatefulSet's claim templates are defaulted but
/// keep their data sources as written (B-DEF-11).
pub(super) fn prepare_data_sources(
    claim: &mut PersistentVolumeClaim,
    old: Option<&PersistentVolumeClaim>,
) {
    let old = old.and_then(|o| o.spec.as_ref());
    let Some(spec) = claim.spec.as_mut() else {
        return;
    };
    let old_ref = old.is_some_and(|o| o.data_source_ref.is_some());
    let cross_namespace = spec
        .data_source_ref
        .as_ref()
        .is_some_and(|r| r.namespace.as_deref().is_some_and(|n| !n.is_empty()));
    if cross_namespace && !old_ref {
        spec.data_source_ref = None;
    }
    let old_source = old.is_some_and(|o| o.data_source.is_some() || o.data_source_ref.is_some());
    if !old_source && spec.data_source_ref.is_none() {
        let legacy = spec.data_source.as_ref().is_some_and(|d| {
            let group = d.api_group.as_deref().unwrap_or_default();
            (d.kind == "PersistentVolumeClaim" && group.is_empty())
                || (d.kind == "VolumeSnapshot" && group == "snapshot.storage.k8s.io")
        });
        if !legacy {
            spec.data_source = None;
        }
    }
    normalize_data_sources(spec);
}

/// `NormalizeDataSources` (the claim strategy's PrepareForCreate and PrepareForUpdate,
/// AnyVolumeDataSource GA): a `dataSource` alone is copied to `dataSourceRef`, a
/// `dataSourceRef` without a namespace alone to `dataSource`, so validation sees both.
fn normalize_data_sources(spec: &mut k8s_openapi::api::core::v1::PersistentVolumeClaimSpec) {
    use k8s_openapi::api::core::v1::{TypedLocalObjectReference, TypedObjectReference};
    match (&spec.data_source, &spec.data_source_ref) {
        (Some(source), None) => {
            spec.data_source_ref = Some(TypedObjectReference {
                api_group: source.api_group.clone(),
                kind: source.kind.clone(),
                name: source.name.clone(),
                namespace: None,
            });
        }
        (None, Some(source)) if source.namespace.as_deref().unwrap_or_default().is_empty() => {
            spec.data_source = Some(TypedLocalObjectReference {
                api_group: source.api_group.clone(),
                kind: source.kind.clone(),
                name: source.name.clone(),
            });
        }
        _ => {}
    }
}

/// The DefaultStorageClass admission plugin and the pvc-protection finalizer.
pub(super) fn admit_claim(world: &World, claim: &mut PersistentVolumeClaim) {
    // A claim that names a class (the beta annotation included) is left alone.
    let has_class = crate::sim::controllers::volume::claim_has_class(claim);
    if let Some(spec) = claim.spec.as_mut() {
        if !has_class {
            // `GetDefaultClass`: the newest class marked default (GA or beta annotation).
            spec.storage_class_name = crate::sim::controllers::volume::default_class(&world.store)
                .and_then(|class| class.metadata.name.clone());
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

/// PUT of a claim: defaults, `ValidatePersistentVolumeClaimUpdate`, then the
/// PersistentVolumeClaimResize admission plugin (validation runs first, as the API server
/// validates before its validating admission).
pub(super) fn update_claim(world: &mut World, name: &str, value: &Value) -> Result<bool, ApiError> {
    let kind = ObjectKind::PersistentVolumeClaim;
    let mut claim: PersistentVolumeClaim = decode(&kind, value)?;
    let Some(old) = world.store.claims().get(name) else {
        return Err(ApiError::not_found(&kind, name));
    };
    prepare_data_sources(&mut claim, Some(old));
    defaults::default_pvc(&mut claim);
    let errors = validation::validate_pvc_update(&claim, old);
    if !errors.is_empty() {
        return Err(invalid(&kind, name, &errors));
    }
    super::pod::validate_limit_ranger_claim(world, name, &claim)?;
    if let Err(reason) = admit_resize(world, &claim, old) {
        return Err(ApiError::new(
            Reason::Forbidden,
            format!("persistentvolumeclaims \"{name}\" is forbidden: {reason}"),
        ));
    }
    let value = serde_json::to_value(&claim)
        .map_err(|e| ApiError::new(Reason::BadRequest, e.to_string()))?;
    replace_typed::<PersistentVolumeClaim>(world, name, &value)
}

/// `persistentVolumeClaimResize.Validate`: a claim may grow only when it is Bound and its
/// StorageClass (unchanged; the beta annotation counts, `GetPersistentVolumeClaimClass`)
/// says `allowVolumeExpansion: true`.
fn admit_resize(
    world: &World,
    claim: &PersistentVolumeClaim,
    old: &PersistentVolumeClaim,
) -> Result<(), &'static str> {
    let size = |c: &PersistentVolumeClaim| validation::storage_request(c.spec.as_ref());
    if size(claim).unwrap_or(0) <= size(old).unwrap_or(0) {
        return Ok(());
    }
    if old.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Bound") {
        return Err("Only bound persistent volume claims can be expanded");
    }
    let class =
        |c: &PersistentVolumeClaim| crate::sim::controllers::volume::claim_class(c).to_string();
    let (new_class, old_class) = (class(claim), class(old));
    let allowed = !new_class.is_empty()
        && new_class == old_class
        && world
            .store
            .storage_classes()
            .get(&new_class)
            .and_then(|c| c.allow_volume_expansion)
            .unwrap_or(false);
    if allowed {
        Ok(())
    } else {
        Err("only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize")
    }
}
