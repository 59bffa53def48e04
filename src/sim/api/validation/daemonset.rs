//! DaemonSet validation (`pkg/apis/apps/validation`: `ValidateDaemonSet`,
//! `ValidateDaemonSetSpec`, `ValidateDaemonSetUpdateStrategy`, `ValidateRollingUpdateDaemonSet`;
//! the strategy's `ValidateUpdate` in `pkg/registry/apps/daemonset/strategy.go`), B-DS-2.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, DaemonSetStatus, DaemonSetUpdateStrategy,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{Map, Value};

use super::super::field_error::{FieldError, FieldErrorKind};
use super::names::{nonnegative, percent};
use super::pod::validate_workload_template;
use super::render::{go_json, int_or_string_json, json_label_selector, json_string_map};
use super::selector::{selector_is_empty, selector_matches, validate_label_selector};

/// `ValidatePositiveIntOrPercent` then `IsNotMoreThan100Percent`.
fn int_or_percent(v: &IntOrString, path: &str) -> Vec<FieldError> {
    let rendered = go_json(&int_or_string_json(v));
    let mut errs = Vec::new();
    match v {
        IntOrString::Int(i) => errs.extend(nonnegative(path, i64::from(*i))),
        IntOrString::String(s) => match percent(s) {
            None => errs.push(FieldError::invalid(
                path,
                rendered,
                super::super::poddisruptionbudget::INVALID_PERCENT_MSG,
            )),
            Some(n) if n > 100 => errs.push(FieldError::invalid(
                path,
                rendered,
                "must not be greater than 100%",
            )),
            Some(_) => {}
        },
    }
    errs
}

/// `getIntOrPercentValue`: a valid percentage's number, else the integer (`IntValue`: a
/// string that is no integer is 0).
fn int_or_percent_value(v: Option<&IntOrString>) -> i64 {
    match v {
        None => 0,
        Some(IntOrString::Int(i)) => i64::from(*i),
        Some(IntOrString::String(s)) => percent(s).unwrap_or_else(|| super::names::go_atoi(s)),
    }
}

/// The internal `apps.DaemonSetUpdateStrategy` as `field.Error` renders a structure.
fn json_strategy(strategy: &DaemonSetUpdateStrategy) -> String {
    let mut obj = Map::new();
    obj.insert(
        "Type".into(),
        Value::String(strategy.type_.clone().unwrap_or_default()),
    );
    let rolling = strategy.rolling_update.as_ref().map_or(Value::Null, |r| {
        let mut ru = Map::new();
        let field = |v: Option<&IntOrString>| v.map_or(Value::from(0), int_or_string_json);
        ru.insert("MaxUnavailable".into(), field(r.max_unavailable.as_ref()));
        ru.insert("MaxSurge".into(), field(r.max_surge.as_ref()));
        Value::Object(ru)
    });
    obj.insert("RollingUpdate".into(), rolling);
    go_json(&Value::Object(obj))
}

/// `ValidateDaemonSetUpdateStrategy` and `ValidateRollingUpdateDaemonSet`.
fn validate_update_strategy(strategy: &DaemonSetUpdateStrategy) -> Vec<FieldError> {
    let path = "spec.updateStrategy";
    let mut errs = Vec::new();
    match strategy.type_.as_deref().unwrap_or("") {
        "OnDelete" => {}
        "RollingUpdate" => {
            let Some(ru) = &strategy.rolling_update else {
                errs.push(FieldError::required(format!("{path}.rollingUpdate"), ""));
                return errs;
            };
            let p = format!("{path}.rollingUpdate");
            let zero = IntOrString::Int(0);
            let unavailable = ru.max_unavailable.as_ref().unwrap_or(&zero);
            let surge = ru.max_surge.as_ref().unwrap_or(&zero);
            errs.extend(int_or_percent(unavailable, &format!("{p}.maxUnavailable")));
            errs.extend(int_or_percent(surge, &format!("{p}.maxSurge")));
            let has_unavailable = int_or_percent_value(Some(unavailable)) != 0;
            let has_surge = int_or_percent_value(Some(surge)) != 0;
            if has_unavailable && has_surge {
                errs.push(FieldError::invalid(
                    format!("{p}.maxSurge"),
                    go_json(&int_or_string_json(surge)),
                    "may not be set when maxUnavailable is non-zero",
                ));
            } else if !has_unavailable && !has_surge {
                errs.push(FieldError::required(
                    format!("{p}.maxUnavailable"),
                    "cannot be 0 when maxSurge is 0",
                ));
            }
        }
        _ => errs.push(FieldError {
            path: path.into(),
            kind: FieldErrorKind::UnsupportedRendered {
                value: json_strategy(strategy),
                supported: vec!["RollingUpdate".into(), "OnDelete".into()],
            },
        }),
    }
    errs
}

fn template_mismatch(labels: Option<&BTreeMap<String, String>>) -> FieldError {
    FieldError::invalid(
        "spec.template.metadata.labels",
        json_string_map(labels),
        "`selector` does not match template `labels`",
    )
}

/// `ValidateDaemonSetSpec`. `selector` is `None` when the object has none (nil).
fn validate_spec(spec: &DaemonSetSpec, selector: Option<&LabelSelector>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let labels = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref());
    let convertible = match selector {
        Some(selector) => {
            let (sel_errs, convertible) = validate_label_selector(selector, "spec.selector");
            errs.extend(sel_errs);
            convertible
        }
        None => true,
    };
    // A nil selector selects nothing (`LabelSelectorAsSelector` gives `labels.Nothing()`).
    if convertible && !selector.is_some_and(|s| selector_matches(Some(s), labels)) {
        errs.push(template_mismatch(labels));
    }
    if let Some(selector) = selector.filter(|s| selector_is_empty(s)) {
        errs.push(FieldError::invalid(
            "spec.selector",
            json_label_selector(selector),
            "empty selector is invalid for daemonset",
        ));
    }
    errs.extend(validate_workload_template(&spec.template, "DaemonSet"));
    errs.extend(nonnegative(
        "spec.minReadySeconds",
        i64::from(spec.min_ready_seconds.unwrap_or(0)),
    ));
    errs.extend(validate_update_strategy(
        spec.update_strategy.as_ref().unwrap_or(&Default::default()),
    ));
    if let Some(limit) = spec.revision_history_limit {
        errs.extend(nonnegative("spec.revisionHistoryLimit", i64::from(limit)));
    }
    errs
}

/// Whether the object as written has a selector (k8s-openapi decodes an absent one as `{}`).
fn has_selector(body: &Value) -> bool {
    body.pointer("/spec/selector").is_some_and(|v| !v.is_null())
}

/// `ValidateDaemonSet` of a defaulted DaemonSet; `body` is the object as written (it tells a
/// missing selector from an empty one).
pub fn validate_daemonset(ds: &DaemonSet, body: &Value) -> Vec<FieldError> {
    let mut errs = super::objectmeta::validate_object_meta("DaemonSet", &ds.metadata);
    let default = DaemonSetSpec::default();
    let spec = ds.spec.as_ref().unwrap_or(&default);
    let selector = has_selector(body).then_some(&spec.selector);
    errs.extend(validate_spec(spec, selector));
    errs
}

/// The strategy's `ValidateUpdate`: `ValidateDaemonSet`, `ValidateDaemonSetUpdate` (the
/// same spec checks again) and the immutable selector of `apps/v1`. kubectl prints a cause
/// once however often the list holds it (`statusCausesToAggrError`), so each error is kept
/// once, where it first came.
pub fn validate_daemonset_update(ds: &DaemonSet, body: &Value, old: &DaemonSet) -> Vec<FieldError> {
    let mut errs = validate_daemonset(ds, body);
    let selector = |d: &DaemonSet| d.spec.as_ref().map(|s| s.selector.clone());
    let new_selector = has_selector(body).then(|| selector(ds)).flatten();
    if new_selector != selector(old) {
        let rendered = new_selector
            .as_ref()
            .map_or_else(|| "null".to_string(), json_label_selector);
        errs.push(FieldError::invalid(
            "spec.selector",
            rendered,
            "field is immutable",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    errs.retain(|e| seen.insert(e.to_string()));
    errs
}

/// `ValidateDaemonSetStatusUpdate` (upstream `pkg/apis/apps/validation`): the counts and
/// the observed generation non-negative (`validateDaemonSetStatus`), `collisionCount` not
/// decremented.
pub fn validate_daemonset_status(
    status: &DaemonSetStatus,
    old: Option<&DaemonSetStatus>,
) -> Vec<FieldError> {
    let n = |v: Option<i32>| i64::from(v.unwrap_or(0));
    let mut errs = Vec::new();
    for (path, v) in [
        (
            "status.currentNumberScheduled",
            i64::from(status.current_number_scheduled),
        ),
        (
            "status.numberMisscheduled",
            i64::from(status.number_misscheduled),
        ),
        (
            "status.desiredNumberScheduled",
            i64::from(status.desired_number_scheduled),
        ),
        ("status.numberReady", i64::from(status.number_ready)),
        (
            "status.observedGeneration",
            status.observed_generation.unwrap_or(0),
        ),
        (
            "status.updatedNumberScheduled",
            n(status.updated_number_scheduled),
        ),
        ("status.numberAvailable", n(status.number_available)),
        ("status.numberUnavailable", n(status.number_unavailable)),
    ] {
        errs.extend(nonnegative(path, v));
    }
    if let Some(c) = status.collision_count {
        errs.extend(nonnegative("status.collisionCount", i64::from(c)));
    }
    errs.extend(super::names::collision_count_not_decremented(
        status.collision_count,
        old.and_then(|o| o.collision_count),
    ));
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(body: Value) -> Vec<String> {
        let mut ds: DaemonSet = serde_json::from_value(body.clone()).expect("a DaemonSet");
        crate::sim::api::defaults::default_daemonset(&mut ds);
        validate_daemonset(&ds, &body)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn ds(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"}, "spec": spec})
    }

    fn template() -> Value {
        json!({"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "a", "image": "busybox"}]}})
    }

    #[test]
    fn b_ds_2_a_valid_daemonset_passes() {
        let body =
            ds(json!({"selector": {"matchLabels": {"app": "agent"}}, "template": template()}));
        assert!(check(body).is_empty());
    }

    #[test]
    fn b_ds_2_selector_and_strategy_errors_in_upstream_order() {
        let body = ds(json!({"template": template()}));
        assert_eq!(
            check(body),
            ["spec.template.metadata.labels: Invalid value: {\"app\":\"agent\"}: `selector` does not match template `labels`"]
        );
        let body = ds(json!({"selector": {}, "template": template()}));
        assert_eq!(
            check(body),
            ["spec.selector: Invalid value: {}: empty selector is invalid for daemonset"]
        );
        let body = ds(json!({
            "selector": {"matchLabels": {"app": "agent"}},
            "template": template(),
            "updateStrategy": {"rollingUpdate": {"maxUnavailable": 0}}
        }));
        assert_eq!(
            check(body),
            ["spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"]
        );
        let body = ds(json!({
            "selector": {"matchLabels": {"app": "agent"}},
            "template": template(),
            "updateStrategy": {"rollingUpdate": {"maxSurge": "150%"}}
        }));
        assert_eq!(
            check(body),
            [
                "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: \"150%\": must not be greater than 100%",
                "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: \"150%\": may not be set when maxUnavailable is non-zero",
            ]
        );
        let body = ds(json!({
            "selector": {"matchLabels": {"app": "agent"}},
            "template": template(),
            "updateStrategy": {"type": "Recreate"}
        }));
        assert_eq!(
            check(body),
            ["spec.updateStrategy: Unsupported value: {\"Type\":\"Recreate\",\"RollingUpdate\":null}: supported values: \"RollingUpdate\", \"OnDelete\""]
        );
    }

    #[test]
    fn b_ds_2_restart_policy_must_be_always() {
        let mut t = template();
        t["spec"]["restartPolicy"] = json!("Never");
        let body = ds(json!({"selector": {"matchLabels": {"app": "agent"}}, "template": t}));
        assert_eq!(
            check(body),
            ["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""]
        );
    }
}
