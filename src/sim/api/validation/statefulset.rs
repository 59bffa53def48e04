//! StatefulSet validation (`pkg/apis/apps/validation`): create (B-VAL-1..13, 15, 18, 22),
//! update (B-VAL-14), warnings (B-VAL-16) and the status subresource (B-VAL-17).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetSpec, StatefulSetStatus,
    StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::super::defaults::{default_statefulset, FeatureGates};
use super::super::field_error::FieldError;
use super::names::{
    dns1123_label_errors, dns1123_subdomain_errors, nonnegative, validate_annotations,
    validate_labels,
};
use super::persistentvolumeclaim::validate_pvc_spec;
use super::pod::{validate_pod_spec, PodSpecChecks};
use super::render::{
    int_or_string_value, json_label_selector, json_rolling_update, json_string_map,
    json_update_strategy,
};
use super::selector::{selector_is_empty, selector_matches, validate_label_selector};

/// B-VAL-14 (v1.35+ text, lists 'revisionHistoryLimit').
pub const FORBIDDEN_UPDATE_MSG: &str = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

/// B-VAL-16.
pub const NEGATIVE_HISTORY_WARNING: &str = "spec.revisionHistoryLimit: a negative value retains all historical revisions; a value >= 0 is recommended";

fn validate_rolling_update(r: &RollingUpdateStatefulSetStrategy, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    errs.extend(nonnegative(
        &format!("{path}.partition"),
        i64::from(r.partition.unwrap_or(0)),
    ));
    if let Some(mu) = &r.max_unavailable {
        let p = format!("{path}.maxUnavailable");
        let value = int_or_string_value(mu);
        let numeric: Option<i64> = match mu {
            IntOrString::Int(i) => {
                errs.extend(nonnegative(&p, i64::from(*i)));
                Some(i64::from(*i))
            }
            IntOrString::String(s) => {
                match super::names::percent(s) {
                    Some(n) => Some(n),
                    None => {
                        errs.push(FieldError::invalid(
                            p.clone(),
                            value.clone(),
                            super::super::poddisruptionbudget::INVALID_PERCENT_MSG,
                        ));
                        // `getIntOrPercentValue` falls back to `IntValue()` (Atoi, 0 on
                        // error): "abc" or "0" is also "cannot be 0".
                        (super::names::go_atoi(s) == 0).then_some(0)
                    }
                }
            }
        };
        if numeric == Some(0) {
            errs.push(FieldError::invalid(p.clone(), value.clone(), "cannot be 0"));
        }
        if let (IntOrString::String(_), Some(n)) = (mu, numeric) {
            if n > 100 {
                errs.push(FieldError::invalid(
                    p,
                    value,
                    "must not be greater than 100%",
                ));
            }
        }
    }
    errs
}

/// `StatefulSetValidationOptions`: what create and update check differently.
#[derive(Clone, Copy)]
struct SpecOptions {
    /// `AllowInvalidServiceName`: set on update (the field is immutable, so a stored
    /// invalid name must not block other updates), unset on create.
    allow_invalid_service_name: bool,
}

fn validate_statefulset_spec(spec: &StatefulSetSpec, opts: SpecOptions) -> Vec<FieldError> {
    let mut errs = Vec::new();
    // B-VAL-5
    match spec.pod_management_policy.as_deref().unwrap_or("") {
        "" => errs.push(FieldError::required("spec.podManagementPolicy", "")),
        "OrderedReady" | "Parallel" => {}
        other => errs.push(FieldError::invalid_str(
            "spec.podManagementPolicy",
            other,
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    // B-VAL-6, B-VAL-7, B-VAL-8, B-VAL-9
    let default_strategy = StatefulSetUpdateStrategy::default();
    let strategy = spec.update_strategy.as_ref().unwrap_or(&default_strategy);
    match strategy.type_.as_deref().unwrap_or("") {
        "" => errs.push(FieldError::required("spec.updateStrategy", "")),
        "OnDelete" => {
            if let Some(ru) = &strategy.rolling_update {
                errs.push(FieldError::invalid(
                    "spec.updateStrategy.rollingUpdate",
                    json_rolling_update(ru),
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        "RollingUpdate" => {
            if let Some(ru) = &strategy.rolling_update {
                errs.extend(validate_rolling_update(
                    ru,
                    "spec.updateStrategy.rollingUpdate",
                ));
            }
        }
        _ => errs.push(FieldError::invalid(
            "spec.updateStrategy",
            json_update_strategy(strategy),
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }
    // B-VAL-13
    if let Some(policy) = &spec.persistent_volume_claim_retention_policy {
        for (field, value) in [
            ("whenDeleted", policy.when_deleted.as_deref()),
            ("whenScaled", policy.when_scaled.as_deref()),
        ] {
            let v = value.unwrap_or("");
            if v != "Retain" && v != "Delete" {
                errs.push(FieldError::unsupported(
                    format!("spec.persistentVolumeClaimRetentionPolicy.{field}"),
                    v,
                    &["Retain", "Delete"],
                ));
            }
        }
    }
    // B-VAL-18: claim templates, right after the retention policy (`ValidateVolumeClaimTemplates`,
    // kubernetes/kubernetes#132212).
    for (i, claim) in spec.volume_claim_templates.iter().flatten().enumerate() {
        let p = format!("spec.volumeClaimTemplates[{i}]");
        let name = claim.metadata.name.as_deref().unwrap_or("");
        if name.is_empty() {
            errs.push(FieldError::required(format!("{p}.metadata.name"), ""));
        } else {
            for e in dns1123_subdomain_errors(name) {
                errs.push(FieldError::invalid_str(
                    format!("{p}.metadata.name"),
                    name,
                    e,
                ));
            }
        }
        errs.extend(validate_labels(
            claim.metadata.labels.as_ref(),
            &format!("{p}.metadata.labels"),
        ));
        errs.extend(validate_pvc_spec(claim.spec.as_ref(), &format!("{p}.spec")));
    }
    // B-VAL-4
    errs.extend(nonnegative(
        "spec.replicas",
        i64::from(spec.replicas.unwrap_or(1)),
    ));
    // B-VAL-12
    errs.extend(nonnegative(
        "spec.minReadySeconds",
        i64::from(spec.min_ready_seconds.unwrap_or(0)),
    ));
    // B-VAL-12 (after the counts, as `ValidateStatefulSetSpec` checks it)
    if let Some(ord) = &spec.ordinals {
        errs.extend(nonnegative(
            "spec.ordinals.start",
            i64::from(ord.start.unwrap_or(0)),
        ));
    }
    // B-VAL-22: a non-empty `serviceName` is a DNS-1123 label (`ValidateDNS1123Label`,
    // kubernetes/kubernetes#130233, v1.33+): it becomes each pod's `spec.subdomain`.
    let service_name = spec.service_name.as_deref().unwrap_or("");
    if !opts.allow_invalid_service_name && !service_name.is_empty() {
        for e in dns1123_label_errors(service_name) {
            errs.push(FieldError::invalid_str("spec.serviceName", service_name, e));
        }
    }
    // B-VAL-3 (B-VAL-2, an absent selector, is handled by `validate_statefulset_json`:
    // k8s-openapi decodes an absent selector as `{}`).
    let selector = &spec.selector;
    let (sel_errs, convertible) = validate_label_selector(selector, "spec.selector");
    errs.extend(sel_errs);
    if selector_is_empty(selector) {
        errs.push(FieldError::invalid(
            "spec.selector",
            json_label_selector(selector),
            "empty selector is invalid for statefulset",
        ));
    }
    let labels = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref());
    if !convertible {
        errs.push(FieldError::invalid(
            "spec.selector",
            json_label_selector(selector),
            "",
        ));
    } else if !selector_is_empty(selector) && !selector_matches(Some(selector), labels) {
        // B-VAL-1
        errs.push(template_mismatch(labels));
    }
    // `ValidatePodTemplateSpecForStatefulSet` runs only when the selector converts
    // (`LabelSelectorAsSelector`; upstream's TestValidateStatefulSet "invalid_label 2"
    // wants no template error). It names these under the template itself
    // (`fldPath.Child("labels")`), unlike the selector mismatch (`metadata.labels`).
    let default_pod = PodSpec::default();
    let pod_spec = spec.template.spec.as_ref().unwrap_or(&default_pod);
    if convertible {
        errs.extend(validate_template(spec, labels, pod_spec));
    }
    // B-VAL-10
    let rp = pod_spec.restart_policy.as_deref().unwrap_or("");
    if rp != "Always" {
        errs.push(FieldError::unsupported(
            "spec.template.spec.restartPolicy",
            rp,
            &["Always"],
        ));
    }
    // B-VAL-11
    if pod_spec.active_deadline_seconds.is_some() {
        errs.push(FieldError::forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            "activeDeadlineSeconds in StatefulSet is not Supported",
        ));
    }
    errs
}

/// `ValidatePodTemplateSpecForStatefulSet`'s checks of the template (the selector match
/// aside): its labels and annotations, and its pod spec (B-VAL-18).
fn validate_template(
    spec: &StatefulSetSpec,
    labels: Option<&BTreeMap<String, String>>,
    pod_spec: &PodSpec,
) -> Vec<FieldError> {
    let mut errs = validate_labels(labels, "spec.template.labels");
    errs.extend(validate_annotations(
        spec.template
            .metadata
            .as_ref()
            .and_then(|m| m.annotations.as_ref()),
        "spec.template.annotations",
    ));
    errs.extend(super::pod::validate_pod_specific_annotations(
        spec.template
            .metadata
            .as_ref()
            .and_then(|m| m.annotations.as_ref()),
        "spec.template.annotations",
    ));
    // B-VAL-18: the pod template is validated since v1.34 (mount names are not cross-checked).
    errs.extend(validate_pod_spec(
        pod_spec,
        "spec.template.spec",
        PodSpecChecks {
            mounts: false,
            restart_policy: false,
            pod: false,
        },
        None,
    ));
    errs
}

fn template_mismatch(labels: Option<&BTreeMap<String, String>>) -> FieldError {
    FieldError::invalid(
        "spec.template.metadata.labels",
        json_string_map(labels),
        "`selector` does not match template `labels`",
    )
}

/// Create validation of a (defaulted) StatefulSet: B-VAL-1..13, 15, 18, 22. The Service named by
/// `serviceName` is not checked (B-VAL-20); B-VAL-19 fails only at pod creation
/// ([`validate_pod`]).
///
/// A missing `spec.selector` (B-VAL-2) cannot be represented in the k8s-openapi type (the
/// field is required there); use [`validate_statefulset_json`] to get that error.
pub fn validate_statefulset(sts: &StatefulSet, _gates: &FeatureGates) -> Vec<FieldError> {
    // `ValidateObjectMeta`: the name, labels, annotations.
    let mut errs = super::objectmeta::validate_object_meta("StatefulSet", &sts.metadata);
    errs.extend(validate_spec_of(
        sts,
        SpecOptions {
            allow_invalid_service_name: false,
        },
    ));
    errs
}

fn validate_spec_of(sts: &StatefulSet, opts: SpecOptions) -> Vec<FieldError> {
    match &sts.spec {
        Some(spec) => validate_statefulset_spec(spec, opts),
        None => validate_statefulset_spec(&StatefulSetSpec::default(), opts),
    }
}

/// Like [`validate_statefulset`], but from the JSON object as submitted, so that an absent
/// `spec.selector` gives `spec.selector: Required value` plus the B-VAL-1 error (B-VAL-2).
/// The object is defaulted first ([`default_statefulset`], idempotent). The JSON must decode
/// as a StatefulSet; a decoding error is returned as `Err`.
pub fn validate_statefulset_json(
    obj: &serde_json::Value,
    gates: &FeatureGates,
) -> Result<Vec<FieldError>, String> {
    let mut sts: StatefulSet =
        <StatefulSet as serde::Deserialize>::deserialize(obj).map_err(|e| e.to_string())?;
    default_statefulset(&mut sts, gates);
    let selector_absent = obj.pointer("/spec/selector").is_none_or(|v| v.is_null());
    if !selector_absent {
        return Ok(validate_statefulset(&sts, gates));
    }
    // Run the checks, then replace the selector errors by the nil-selector ones.
    let mut errs: Vec<FieldError> = validate_statefulset(&sts, gates)
        .into_iter()
        .filter(|e| e.path != "spec.selector" && !e.path.starts_with("spec.selector."))
        .filter(|e| {
            !(e.path == "spec.template.metadata.labels"
                && e.detail() == "`selector` does not match template `labels`")
        })
        .collect();
    let labels = sts
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.labels.as_ref());
    // Upstream order: the selector errors come after the claim templates and the counts,
    // before the template errors.
    let pos = errs
        .iter()
        .position(|e| e.path.starts_with("spec.template"))
        .unwrap_or(errs.len());
    errs.insert(pos, template_mismatch(labels));
    errs.insert(pos, FieldError::required("spec.selector", ""));
    Ok(errs)
}

/// Replaces every `resources.{requests,limits}` quantity by its exact value (in nano-units),
/// so that `1Gi` and `1024Mi` compare equal, as `Quantity.Cmp` compares them.
fn normalize_quantities(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let v = if k == "requests" || k == "limits" || k == "capacity" {
                        match v {
                            Value::Object(q) => Value::Object(
                                q.into_iter()
                                    .map(|(qk, qv)| {
                                        let n = qv.as_str().map(crate::quantity::parse);
                                        match n {
                                            Some(Ok(n)) => (qk, Value::from(n.nanos().to_string())),
                                            _ => (qk, qv),
                                        }
                                    })
                                    .collect(),
                            ),
                            other => normalize_quantities(other),
                        }
                    } else {
                        normalize_quantities(v)
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(normalize_quantities).collect()),
        other => other,
    }
}

/// The fields of a spec an update may not change, as JSON with quantities normalized
/// (`1Gi` and `1073741824` are one request). The pattern names every field, so a field a
/// newer API adds must be sorted into mutable or not before this compiles.
fn immutable_part(spec: Option<&StatefulSetSpec>) -> serde_json::Value {
    let default = StatefulSetSpec::default();
    let StatefulSetSpec {
        min_ready_seconds: _,
        ordinals: _,
        persistent_volume_claim_retention_policy: _,
        pod_management_policy,
        replicas: _,
        revision_history_limit: _,
        selector,
        service_name,
        template: _,
        update_strategy: _,
        volume_claim_templates,
    } = spec.unwrap_or(&default);
    let fixed = serde_json::json!({
        "podManagementPolicy": pod_management_policy,
        "selector": selector,
        "serviceName": service_name,
        "volumeClaimTemplates": volume_claim_templates,
    });
    normalize_quantities(fixed)
}

/// Update validation: every create check, then B-VAL-14 (only `replicas`, `ordinals`,
/// `template`, `updateStrategy`, `revisionHistoryLimit`, `persistentVolumeClaimRetentionPolicy`
/// and `minReadySeconds` may change). Both objects are expected to be defaulted.
pub fn validate_statefulset_update(
    new: &StatefulSet,
    old: &StatefulSet,
    gates: &FeatureGates,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if new.metadata.name != old.metadata.name {
        errs.push(FieldError::invalid_str(
            "metadata.name",
            new.metadata.name.as_deref().unwrap_or(""),
            "field is immutable",
        ));
    }
    // `ValidateStatefulSetUpdate` passes `AllowInvalidServiceName: true`: serviceName is
    // immutable, so a name stored before v1.33 must not block other updates.
    let _ = gates;
    errs.extend(super::objectmeta::validate_object_meta(
        "StatefulSet",
        &new.metadata,
    ));
    errs.extend(validate_spec_of(
        new,
        SpecOptions {
            allow_invalid_service_name: true,
        },
    ));
    if immutable_part(new.spec.as_ref()) != immutable_part(old.spec.as_ref()) {
        errs.push(FieldError::forbidden("spec", FORBIDDEN_UPDATE_MSG));
    }
    errs
}

/// The warning about a negative `revisionHistoryLimit`, returned with a create or update
/// (B-VAL-16); the server adds the pod and claim templates' warnings before it.
pub fn statefulset_warnings(sts: &StatefulSet) -> Vec<String> {
    let mut out = Vec::new();
    if sts
        .spec
        .as_ref()
        .and_then(|s| s.revision_history_limit)
        .is_some_and(|l| l < 0)
    {
        out.push(NEGATIVE_HISTORY_WARNING.to_string());
    }
    out
}

/// Status subresource validation (B-VAL-17). `old` enables the `collisionCount` check.
pub fn validate_statefulset_status(
    status: &StatefulSetStatus,
    old: Option<&StatefulSetStatus>,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let replicas = status.replicas;
    let fields = [
        ("status.replicas", Some(status.replicas)),
        ("status.readyReplicas", status.ready_replicas),
        ("status.currentReplicas", status.current_replicas),
        ("status.updatedReplicas", status.updated_replicas),
        ("status.availableReplicas", status.available_replicas),
        (
            "status.observedGeneration",
            status.observed_generation.map(|g| g as i32),
        ),
        ("status.collisionCount", status.collision_count),
    ];
    for (path, v) in fields {
        if let Some(v) = v {
            errs.extend(nonnegative(path, i64::from(v)));
        }
    }
    for (path, v) in [
        ("status.readyReplicas", status.ready_replicas),
        ("status.currentReplicas", status.current_replicas),
        ("status.updatedReplicas", status.updated_replicas),
        ("status.availableReplicas", status.available_replicas),
    ] {
        if let Some(v) = v {
            if v > replicas {
                errs.push(FieldError::invalid(
                    path,
                    v.to_string(),
                    "cannot be greater than status.replicas",
                ));
            }
        }
    }
    if let Some(a) = status.available_replicas {
        if a > status.ready_replicas.unwrap_or(0) {
            errs.push(FieldError::invalid(
                "status.availableReplicas",
                a.to_string(),
                "cannot be greater than status.readyReplicas",
            ));
        }
    }
    errs.extend(super::names::collision_count_not_decremented(
        status.collision_count,
        old.and_then(|o| o.collision_count),
    ));
    errs
}
