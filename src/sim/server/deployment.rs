//! The Deployment and ReplicaSet strategies (`pkg/registry/apps/deployment/strategy.go`,
//! `pkg/registry/apps/replicaset/strategy.go`), for the two kinds the store keeps as
//! written: the defaults (`SetDefaults_Deployment`, `SetDefaults_ReplicaSet` and the pod
//! template's), validation on create and update, `PrepareForCreate` (status cleared,
//! generation 1) and `PrepareForUpdate` (status kept, generation bumped by a new spec, and
//! for a Deployment by new annotations too: they are copied to its ReplicaSets).

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use serde_json::Value;

use super::super::api::{defaults, field_error::FieldError, validation};
use super::ApiError;

/// Whether `kind` is one of the two.
pub fn handles(kind: &str) -> bool {
    matches!(kind, "Deployment" | "ReplicaSet")
}

/// The defaults, applied to the body as written (through the kind's type; `metadata` and
/// `status` stay as they are, and a missing selector stays missing for validation to tell).
pub fn default_body(kind: &str, body: &mut Value) -> Result<(), ApiError> {
    let object = super::ObjectKind::from_kind(kind);
    let mut defaulted = match kind {
        "Deployment" => {
            let mut d: Deployment = super::decode(&object, body)?;
            defaults::default_deployment(&mut d);
            // `DropDisabledTemplateFields`: no stored template can hold a dropped field,
            // so the old one has nothing to keep.
            defaults::drop_disabled_pod_fields(
                d.spec.as_mut().and_then(|s| s.template.spec.as_mut()),
                None,
            );
            serde_json::to_value(&d).unwrap_or(Value::Null)
        }
        "ReplicaSet" => {
            let mut rs: ReplicaSet = super::decode(&object, body)?;
            defaults::default_replicaset(&mut rs);
            defaults::drop_disabled_pod_fields(
                rs.spec
                    .as_mut()
                    .and_then(|s| s.template.as_mut())
                    .and_then(|t| t.spec.as_mut()),
                None,
            );
            serde_json::to_value(&rs).unwrap_or(Value::Null)
        }
        _ => return Ok(()),
    };
    crate::sim::api::go_values::drop_empty_pull_secret_names(&mut defaulted);
    let Some(spec) = defaulted.get_mut("spec") else {
        return Ok(());
    };
    if body.pointer("/spec/selector").is_none_or(Value::is_null) {
        if let Some(spec) = spec.as_object_mut() {
            spec.remove("selector");
        }
    }
    body["spec"] = spec.take();
    Ok(())
}

/// The kind's own validation after the metadata's (`ValidateDeployment` /
/// `ValidateReplicaSet`, and on an update the immutable selector).
pub fn validate(kind: &str, body: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errs = match kind {
        "Deployment" => match serde_json::from_value::<Deployment>(body.clone()) {
            Ok(d) => validation::validate_deployment_spec(&d, body),
            Err(_) => Vec::new(),
        },
        "ReplicaSet" => match serde_json::from_value::<ReplicaSet>(body.clone()) {
            Ok(rs) => validation::validate_replicaset_spec(&rs, body),
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    };
    if let Some(old) = old {
        errs.extend(validation::validate_selector_update(body, old));
    }
    errs
}

/// `PrepareForCreate`: no status.
pub fn prepare_for_create(body: &mut Value) {
    if let Some(map) = body.as_object_mut() {
        map.remove("status");
    }
}

/// `PrepareForUpdate`'s generation rule: whether the update starts a new generation.
pub fn new_generation(kind: &str, body: &Value, old: &Value) -> bool {
    let annotations = |v: &Value| v.pointer("/metadata/annotations").cloned();
    old.get("spec") != body.get("spec")
        || (kind == "Deployment" && annotations(old) != annotations(body))
}
