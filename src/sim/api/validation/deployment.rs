//! Deployment and ReplicaSet validation (`pkg/apis/apps/validation/validation.go`:
//! `ValidateDeployment`, `ValidateDeploymentSpec`, `ValidateDeploymentStrategy`,
//! `ValidateRollingUpdateDeployment`, `ValidateReplicaSet`, `ValidateReplicaSetSpec` and the
//! template check both share, `ValidatePodTemplateSpecForReplicaSet`), plus the strategies'
//! update rule that the selector of an `apps/v1` object is immutable
//! (`pkg/registry/apps/{deployment,replicaset}/strategy.go` `ValidateUpdate`).
//!
//! The objects are checked from the JSON as applied (defaulted first), so that an absent
//! `spec.selector` (nil upstream) is told apart from `{}`: k8s-openapi decodes both as an
//! empty selector.

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentStatus, DeploymentStrategy, ReplicaSet, ReplicaSetStatus,
};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use super::super::field_error::{FieldError, FieldErrorKind};
use super::names::{nonnegative, percent};
use super::pod::validate_workload_template;
use super::render::{go_json, int_or_string_json, json_label_selector, json_string_map};
use super::selector::{selector_matches, validate_label_selector};

/// `IsValidPercent`'s message.
const PERCENT_MSG: &str = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

fn selector_absent(body: &Value) -> bool {
    body.pointer("/spec/selector").is_none_or(Value::is_null)
}

/// The selector checks both kinds share (`ValidateDeploymentSpec` and
/// `ValidateReplicaSetSpec` word them alike, "for deployment" included), then the template.
fn selector_and_template(
    selector: &LabelSelector,
    absent: bool,
    template: &PodTemplateSpec,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut convertible = true;
    if absent {
        errs.push(FieldError::required("spec.selector", ""));
    } else {
        let (sel_errs, ok) = validate_label_selector(selector, "spec.selector");
        errs.extend(sel_errs);
        convertible = ok;
        let empty = selector.match_labels.as_ref().is_none_or(|m| m.is_empty())
            && selector
                .match_expressions
                .as_ref()
                .is_none_or(|e| e.is_empty());
        if empty {
            errs.push(FieldError::invalid(
                "spec.selector",
                json_label_selector(selector),
                "empty selector is invalid for deployment",
            ));
        }
    }
    if !convertible {
        errs.push(FieldError::invalid(
            "spec.selector",
            json_label_selector(selector),
            "invalid label selector",
        ));
        return errs;
    }
    errs.extend(template_for_replica_set(
        (!absent).then_some(selector),
        template,
    ));
    errs
}

/// `ValidatePodTemplateSpecForReplicaSet`: the selector matches the template's labels (a
/// nil selector is `labels.Nothing()`, which matches nothing; an empty one is skipped), the
/// template (`ValidatePodTemplateSpec`: labels, annotations, the pod spec), restartPolicy
/// `Always`, no activeDeadlineSeconds.
fn template_for_replica_set(
    selector: Option<&LabelSelector>,
    template: &PodTemplateSpec,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let labels = template.metadata.as_ref().and_then(|m| m.labels.as_ref());
    let empty = selector.is_some_and(|s| {
        s.match_labels.as_ref().is_none_or(|m| m.is_empty())
            && s.match_expressions.as_ref().is_none_or(|e| e.is_empty())
    });
    if !empty && !selector_matches(selector, labels) {
        errs.push(FieldError::invalid(
            "spec.template.metadata.labels",
            json_string_map(labels),
            "`selector` does not match template `labels`",
        ));
    }
    errs.extend(validate_workload_template(template, "ReplicaSet"));
    errs
}

/// `ValidatePositiveIntOrPercent`.
fn positive_int_or_percent(v: &IntOrString, path: &str) -> Vec<FieldError> {
    match v {
        IntOrString::String(s) => {
            if percent(s).is_none() {
                vec![FieldError::invalid(
                    path,
                    go_json(&int_or_string_json(v)),
                    PERCENT_MSG,
                )]
            } else {
                Vec::new()
            }
        }
        IntOrString::Int(i) => nonnegative(path, i64::from(*i)).into_iter().collect(),
    }
}

/// `getIntOrPercentValue`: a valid percent's number, else `IntValue()` (a string that is
/// not a percent parses as an integer, 0 when it does not).
fn int_or_percent_value(v: &IntOrString) -> i64 {
    match v {
        IntOrString::Int(i) => i64::from(*i),
        IntOrString::String(s) => percent(s).unwrap_or_else(|| super::names::go_atoi(s)),
    }
}

/// The JSON of the internal `apps.DeploymentStrategy` (Go field names), as `NotSupported`
/// renders it.
fn strategy_json(strategy: &DeploymentStrategy) -> String {
    let rolling = strategy.rolling_update.as_ref().map_or(Value::Null, |r| {
        serde_json::json!({
            "MaxUnavailable": r.max_unavailable.as_ref().map_or(Value::Null, int_or_string_json),
            "MaxSurge": r.max_surge.as_ref().map_or(Value::Null, int_or_string_json),
        })
    });
    let mut obj = serde_json::Map::new();
    obj.insert(
        "Type".into(),
        Value::String(strategy.type_.clone().unwrap_or_default()),
    );
    obj.insert("RollingUpdate".into(), rolling);
    go_json(&Value::Object(obj))
}

/// `ValidateDeploymentStrategy` with `ValidateRollingUpdateDeployment`.
fn validate_strategy(strategy: &DeploymentStrategy) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let path = "spec.strategy";
    match strategy.type_.as_deref().unwrap_or("") {
        "Recreate" => {
            if strategy.rolling_update.is_some() {
                errs.push(FieldError::forbidden(
                    format!("{path}.rollingUpdate"),
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
        }
        "RollingUpdate" => match &strategy.rolling_update {
            None => errs.push(FieldError::required(
                format!("{path}.rollingUpdate"),
                "this should be defaulted and never be nil",
            )),
            Some(ru) => {
                let zero = IntOrString::Int(0);
                let unavailable = ru.max_unavailable.as_ref().unwrap_or(&zero);
                let surge = ru.max_surge.as_ref().unwrap_or(&zero);
                let pu = format!("{path}.rollingUpdate.maxUnavailable");
                errs.extend(positive_int_or_percent(unavailable, &pu));
                errs.extend(positive_int_or_percent(
                    surge,
                    &format!("{path}.rollingUpdate.maxSurge"),
                ));
                if int_or_percent_value(unavailable) == 0 && int_or_percent_value(surge) == 0 {
                    errs.push(FieldError::invalid(
                        pu.clone(),
                        go_json(&int_or_string_json(unavailable)),
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
                if let IntOrString::String(s) = unavailable {
                    if percent(s).is_some_and(|n| n > 100) {
                        errs.push(FieldError::invalid(
                            pu,
                            go_json(&int_or_string_json(unavailable)),
                            "must not be greater than 100%",
                        ));
                    }
                }
            }
        },
        _ => {
            // `field.NotSupported` of the whole strategy: a structure, printed as it is
            // (not quoted as a string), as the DaemonSet's `updateStrategy`.
            errs.push(FieldError {
                path: path.into(),
                kind: FieldErrorKind::UnsupportedRendered {
                    value: strategy_json(strategy),
                    supported: vec!["Recreate".into(), "RollingUpdate".into()],
                },
            });
        }
    }
    errs
}

/// `ValidateDeploymentSpec` of a defaulted Deployment, its JSON as applied telling whether
/// the selector was given.
pub fn validate_deployment_spec(d: &Deployment, body: &Value) -> Vec<FieldError> {
    let default = Default::default();
    let spec = d.spec.as_ref().unwrap_or(&default);
    let mut errs = Vec::new();
    errs.extend(nonnegative(
        "spec.replicas",
        i64::from(spec.replicas.unwrap_or(1)),
    ));
    errs.extend(selector_and_template(
        &spec.selector,
        selector_absent(body),
        &spec.template,
    ));
    let default_strategy = DeploymentStrategy::default();
    errs.extend(validate_strategy(
        spec.strategy.as_ref().unwrap_or(&default_strategy),
    ));
    let min_ready = i64::from(spec.min_ready_seconds.unwrap_or(0));
    errs.extend(nonnegative("spec.minReadySeconds", min_ready));
    if let Some(limit) = spec.revision_history_limit {
        errs.extend(nonnegative("spec.revisionHistoryLimit", i64::from(limit)));
    }
    if let Some(deadline) = spec.progress_deadline_seconds {
        let deadline = i64::from(deadline);
        errs.extend(nonnegative("spec.progressDeadlineSeconds", deadline));
        if deadline <= min_ready {
            errs.push(FieldError::invalid(
                "spec.progressDeadlineSeconds",
                deadline.to_string(),
                "must be greater than minReadySeconds",
            ));
        }
    }
    errs
}

/// `ValidateReplicaSetSpec` of a defaulted ReplicaSet.
pub fn validate_replicaset_spec(rs: &ReplicaSet, body: &Value) -> Vec<FieldError> {
    let default = Default::default();
    let spec = rs.spec.as_ref().unwrap_or(&default);
    let mut errs = Vec::new();
    errs.extend(nonnegative(
        "spec.replicas",
        i64::from(spec.replicas.unwrap_or(1)),
    ));
    errs.extend(nonnegative(
        "spec.minReadySeconds",
        i64::from(spec.min_ready_seconds.unwrap_or(0)),
    ));
    let default_template = PodTemplateSpec::default();
    errs.extend(selector_and_template(
        &spec.selector,
        selector_absent(body),
        spec.template.as_ref().unwrap_or(&default_template),
    ));
    errs
}

/// The strategies' `ValidateUpdate` for `apps/v1`: `ValidateImmutableField` of the
/// selector (`field is immutable`, the new selector's JSON as the value).
pub fn validate_selector_update(body: &Value, old: &Value) -> Vec<FieldError> {
    let new_sel = body.pointer("/spec/selector");
    let old_sel = old.pointer("/spec/selector");
    let decode = |v: Option<&Value>| {
        v.and_then(|v| serde_json::from_value::<LabelSelector>(v.clone()).ok())
            .unwrap_or_default()
    };
    if decode(new_sel) == decode(old_sel) {
        return Vec::new();
    }
    let value = match new_sel {
        Some(v) if !v.is_null() => json_label_selector(&decode(new_sel)),
        _ => "null".to_string(),
    };
    vec![FieldError::invalid(
        "spec.selector",
        value,
        "field is immutable",
    )]
}

/// `cannot be greater than status.replicas` of each count that exceeds `replicas`, then
/// `availableReplicas` against `readyReplicas` (`ValidateDeploymentStatus`,
/// `ValidateReplicaSetStatus`).
fn counts_within_replicas(
    replicas: i32,
    counts: &[(&str, i32)],
    available: i32,
    ready: i32,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for &(path, v) in counts {
        if v > replicas {
            errs.push(FieldError::invalid(
                path,
                v.to_string(),
                "cannot be greater than status.replicas",
            ));
        }
    }
    if available > ready {
        errs.push(FieldError::invalid(
            "status.availableReplicas",
            available.to_string(),
            "cannot be greater than readyReplicas",
        ));
    }
    errs
}

/// `ValidateDeploymentStatusUpdate` (upstream `pkg/apis/apps/validation`): the counts
/// non-negative (`ValidateDeploymentStatus`), none above `status.replicas`, available not
/// above ready, and `collisionCount` not decremented.
pub fn validate_deployment_status(
    status: &DeploymentStatus,
    old: Option<&DeploymentStatus>,
) -> Vec<FieldError> {
    let n = |v: Option<i32>| v.unwrap_or(0);
    let mut errs = Vec::new();
    errs.extend(nonnegative(
        "status.observedGeneration",
        status.observed_generation.unwrap_or(0),
    ));
    for (path, v) in [
        ("status.replicas", n(status.replicas)),
        ("status.updatedReplicas", n(status.updated_replicas)),
        ("status.readyReplicas", n(status.ready_replicas)),
        ("status.availableReplicas", n(status.available_replicas)),
        ("status.unavailableReplicas", n(status.unavailable_replicas)),
    ] {
        errs.extend(nonnegative(path, i64::from(v)));
    }
    if let Some(c) = status.collision_count {
        errs.extend(nonnegative("status.collisionCount", i64::from(c)));
    }
    errs.extend(counts_within_replicas(
        n(status.replicas),
        &[
            ("status.updatedReplicas", n(status.updated_replicas)),
            ("status.readyReplicas", n(status.ready_replicas)),
            ("status.availableReplicas", n(status.available_replicas)),
        ],
        n(status.available_replicas),
        n(status.ready_replicas),
    ));
    errs.extend(super::names::collision_count_not_decremented(
        status.collision_count,
        old.and_then(|o| o.collision_count),
    ));
    errs
}

/// `ValidateReplicaSetStatusUpdate` (upstream `pkg/apis/apps/validation`): the counts and
/// the observed generation non-negative, none above `status.replicas`, available not above
/// ready.
pub fn validate_replicaset_status(status: &ReplicaSetStatus) -> Vec<FieldError> {
    let n = |v: Option<i32>| v.unwrap_or(0);
    let mut errs = Vec::new();
    for (path, v) in [
        ("status.replicas", status.replicas),
        (
            "status.fullyLabeledReplicas",
            n(status.fully_labeled_replicas),
        ),
        ("status.readyReplicas", n(status.ready_replicas)),
        ("status.availableReplicas", n(status.available_replicas)),
    ] {
        errs.extend(nonnegative(path, i64::from(v)));
    }
    errs.extend(nonnegative(
        "status.observedGeneration",
        status.observed_generation.unwrap_or(0),
    ));
    errs.extend(counts_within_replicas(
        status.replicas,
        &[
            (
                "status.fullyLabeledReplicas",
                n(status.fully_labeled_replicas),
            ),
            ("status.readyReplicas", n(status.ready_replicas)),
            ("status.availableReplicas", n(status.available_replicas)),
        ],
        n(status.available_replicas),
        n(status.ready_replicas),
    ));
    errs
}
