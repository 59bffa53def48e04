//! The DaemonSet strategy (`pkg/registry/apps/daemonset/strategy.go`) and the `apps/v1`
//! conversion of its template generation (`pkg/apis/apps/v1/conversion.go`), B-DS-1/2/3.
//!
//! On create the status is cleared, the generation is 1 and the template generation at
//! least 1; on update the status and template generation are the old ones, a changed
//! template moves both the template generation and the generation, any other spec change
//! the generation. The internal `spec.templateGeneration` is served in `apps/v1` as the
//! annotation `deprecated.daemonset.template.generation`.

use k8s_openapi::api::apps::v1::DaemonSet;
use serde_json::Value;

use super::{decode, defaults, init_meta, invalid, validation, ApiError, RequestError};
use crate::sim::api::warnings::warnings_for_pod_template;
use crate::sim::kinds::ObjectKind;
use crate::sim::world::World;

/// The annotation that carries the template generation in `apps/v1`.
pub const TEMPLATE_GENERATION: &str = "deprecated.daemonset.template.generation";

/// The template generation an object holds (the annotation as the conversion reads it; 0
/// when absent or not a number).
pub(super) fn template_generation(ds: &DaemonSet) -> i64 {
    ds.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(TEMPLATE_GENERATION))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn set_template_generation(ds: &mut DaemonSet, generation: i64) {
    ds.metadata
        .annotations
        .get_or_insert_with(Default::default)
        .insert(TEMPLATE_GENERATION.into(), generation.to_string());
}

/// The annotations as the internal object has them (the conversion takes the template
/// generation out), for validation.
fn without_generation(ds: &DaemonSet) -> DaemonSet {
    let mut internal = ds.clone();
    if let Some(annotations) = internal.metadata.annotations.as_mut() {
        annotations.remove(TEMPLATE_GENERATION);
        if annotations.is_empty() {
            internal.metadata.annotations = None;
        }
    }
    internal
}

/// POST of a DaemonSet: defaults, validation, `PrepareForCreate`, stored. The warnings.
pub(super) fn create(
    world: &mut World,
    name: &str,
    value: &Value,
) -> Result<Vec<String>, RequestError> {
    let kind = ObjectKind::DaemonSet;
    let mut ds: DaemonSet = decode(&kind, value)?;
    defaults::default_daemonset(&mut ds);
    defaults::drop_disabled_pod_fields(
        ds.spec.as_mut().and_then(|s| s.template.spec.as_mut()),
        None,
    );
    ds.metadata.name = Some(name.to_string());
    let errors = validation::validate_daemonset(&without_generation(&ds), value);
    if !errors.is_empty() {
        return Err(invalid(&kind, name, &errors).into());
    }
    let warnings = ds
        .spec
        .as_ref()
        .map(|s| warnings_for_pod_template("spec.template", &s.template))
        .unwrap_or_default();
    super::resourcequota::admit_object(world, &kind, name)?;
    let generation = template_generation(&ds).max(1);
    set_template_generation(&mut ds, generation);
    init_meta(world, &kind, &mut ds.metadata);
    ds.metadata.generation = Some(1);
    ds.status = None;
    world.store.daemonsets.insert(name.to_string(), ds);
    Ok(warnings)
}

/// PUT of a DaemonSet (`value` already carries the server-owned metadata and the old
/// status). Whether it changed, and the warnings.
pub(super) fn update(
    world: &mut World,
    name: &str,
    value: &Value,
) -> Result<(bool, Vec<String>), RequestError> {
    let kind = ObjectKind::DaemonSet;
    let Some(old) = world.store.daemonsets.get(name).cloned() else {
        return Err(ApiError::not_found(&kind, name).into());
    };
    let mut ds: DaemonSet = decode(&kind, value)?;
    defaults::default_daemonset(&mut ds);
    defaults::drop_disabled_pod_fields(
        ds.spec.as_mut().and_then(|s| s.template.spec.as_mut()),
        old.spec.as_ref().and_then(|s| s.template.spec.as_ref()),
    );
    let errors = validation::validate_daemonset_update(&without_generation(&ds), value, &old);
    if !errors.is_empty() {
        return Err(invalid(&kind, name, &errors).into());
    }
    let template = |d: &DaemonSet| d.spec.as_ref().map(|s| s.template.clone());
    let template_changed = template(&ds) != template(&old);
    let spec_changed = ds.spec != old.spec;
    let warnings = match (&ds.spec, spec_changed) {
        (Some(spec), true) => warnings_for_pod_template("spec.template", &spec.template),
        _ => Vec::new(),
    };
    let old_generation = old.metadata.generation.unwrap_or(0);
    let mut template_generation = template_generation(&old);
    if template_changed {
        template_generation += 1;
    }
    set_template_generation(&mut ds, template_generation);
    ds.metadata.generation = Some(if spec_changed {
        old_generation + 1
    } else {
        old_generation
    });
    ds.status = old.status.clone();
    if ds == old {
        return Ok((false, warnings));
    }
    ds.metadata.resource_version = Some(world.store.new_resource_version());
    world.store.daemonsets.insert(name.to_string(), ds);
    Ok((true, warnings))
}
