//! HorizontalPodAutoscaler objects, stored in `autoscaling/v2` (the registry's version) and
//! served at `autoscaling/v1` too: the conversion of a v1 object
//! (`pkg/apis/autoscaling/v1/conversion.go`: `targetCPUUtilizationPercentage` is a CPU
//! `Resource` metric of type `Utilization`), the v2 defaulting
//! (`pkg/apis/autoscaling/v2/defaults.go`: `SetDefaults_HorizontalPodAutoscaler`) and the
//! spec's validation (`pkg/apis/autoscaling/validation`: `validateHorizontalPodAutoscalerSpec`,
//! `ValidateCrossVersionObjectReference`, `validateScalingRules`). No controller acts on
//! them (the autoscaler needs metrics, which scn does not have): `api/unsimulated.rs` says so.

use serde_json::{json, Value};

use super::field_error::FieldError;

pub const KIND: &str = "HorizontalPodAutoscaler";
/// The version the registry stores.
pub const STORED_VERSION: &str = "autoscaling/v2";
/// The older version the API server serves and converts.
pub const V1: &str = "autoscaling/v1";

/// `autoscaling.DefaultCPUUtilization`.
const DEFAULT_CPU_UTILIZATION: i64 = 80;
/// `MaxPeriodSeconds` and `MaxStabilizationWindowSeconds` of the validation.
const MAX_PERIOD_SECONDS: i64 = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS: i64 = 3600;

/// An `autoscaling/v1` object as the `autoscaling/v2` object the API server stores: the
/// same metadata, `scaleTargetRef`, `minReplicas` and `maxReplicas`, and
/// `targetCPUUtilizationPercentage` as the CPU utilization metric; the status's
/// `currentCPUUtilizationPercentage` is dropped (the controller writes the v2 status).
pub fn v1_to_v2(value: &Value) -> Value {
    let mut out = value.clone();
    out["apiVersion"] = Value::String(STORED_VERSION.into());
    if let Some(spec) = out.get_mut("spec").and_then(Value::as_object_mut) {
        if let Some(target) = spec.remove("targetCPUUtilizationPercentage") {
            if !target.is_null() {
                spec.insert(
                    "metrics".into(),
                    json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}}]),
                );
            }
        }
    }
    if let Some(status) = out.get_mut("status").and_then(Value::as_object_mut) {
        status.remove("currentCPUUtilizationPercentage");
    }
    out
}

/// A stored `autoscaling/v2` object as `autoscaling/v1` serves it: the CPU utilization
/// metric as `targetCPUUtilizationPercentage`, without the other metrics and `behavior`
/// (which upstream keeps in annotations, and scn drops) and without the v2 status fields.
pub fn v2_to_v1(value: &Value) -> Value {
    let mut out = value.clone();
    out["apiVersion"] = Value::String(V1.into());
    if let Some(spec) = out.get_mut("spec").and_then(Value::as_object_mut) {
        let cpu = spec
            .get("metrics")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|m| {
                m.get("type").and_then(Value::as_str) == Some("Resource")
                    && m.pointer("/resource/name").and_then(Value::as_str) == Some("cpu")
                    && m.pointer("/resource/target/type").and_then(Value::as_str)
                        == Some("Utilization")
            })
            .and_then(|m| m.pointer("/resource/target/averageUtilization"))
            .cloned();
        spec.remove("metrics");
        spec.remove("behavior");
        if let Some(cpu) = cpu {
            spec.insert("targetCPUUtilizationPercentage".into(), cpu);
        }
    }
    if let Some(status) = out.get_mut("status").and_then(Value::as_object_mut) {
        status.remove("currentMetrics");
        status.remove("conditions");
    }
    out
}

/// `SetDefaults_HorizontalPodAutoscaler`: `minReplicas` 1, the CPU metric at 80% when no
/// metric is given, and a given `behavior`'s rules filled from the defaults.
pub fn default(body: &mut Value) {
    let Some(spec) = body.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    if spec.get("minReplicas").is_none_or(Value::is_null) {
        spec.insert("minReplicas".into(), json!(1));
    }
    if spec
        .get("metrics")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        spec.insert(
            "metrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]),
        );
    }
    if let Some(behavior) = spec.get_mut("behavior").and_then(Value::as_object_mut) {
        let scale_up = json!({
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [
                {"type": "Pods", "value": 4, "periodSeconds": 15},
                {"type": "Percent", "value": 100, "periodSeconds": 15}
            ]
        });
        let scale_down = json!({
            "selectPolicy": "Max",
            "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]
        });
        for (key, defaults) in [("scaleUp", scale_up), ("scaleDown", scale_down)] {
            let mut rules = defaults;
            if let Some(given) = behavior.get(key).and_then(Value::as_object) {
                for (field, value) in given {
                    if !value.is_null() {
                        rules[field] = value.clone();
                    }
                }
            }
            behavior.insert(key.into(), rules);
        }
    }
}

fn int(value: Option<&Value>) -> Option<i64> {
    value.and_then(Value::as_i64)
}

/// `validateHorizontalPodAutoscalerSpec` (of the metrics only the scale-to-zero rule) on the defaulted
/// object; `minReplicas` may be 0 only on an update of an object that had 0 (the
/// `HPAScaleToZero` gate is alpha, off).
pub fn validate(body: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let spec = body.get("spec").unwrap_or(&Value::Null);
    let lower_bound = match old.and_then(|o| int(o.pointer("/spec/minReplicas"))) {
        Some(0) => 0,
        _ => 1,
    };
    let min = int(spec.get("minReplicas"));
    let max = int(spec.get("maxReplicas")).unwrap_or(0);
    if let Some(min) = min.filter(|m| *m < lower_bound) {
        errs.push(FieldError::invalid(
            "spec.minReplicas",
            min.to_string(),
            format!("must be greater than or equal to {lower_bound}"),
        ));
    }
    if max < 1 {
        errs.push(FieldError::invalid(
            "spec.maxReplicas",
            max.to_string(),
            "must be greater than 0",
        ));
    }
    if min.is_some_and(|min| max < min) {
        errs.push(FieldError::invalid(
            "spec.maxReplicas",
            max.to_string(),
            "must be greater than or equal to `minReplicas`",
        ));
    }
    let reference = spec.get("scaleTargetRef").unwrap_or(&Value::Null);
    for field in ["kind", "name"] {
        let path = format!("spec.scaleTargetRef.{field}");
        let value = reference
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default();
        if value.is_empty() {
            errs.push(FieldError::required(path, ""));
        } else {
            for msg in super::validation::path_segment_errors(value) {
                errs.push(FieldError::invalid_str(path.clone(), value, msg));
            }
        }
    }
    // `validateMetrics`' own rule (the metrics' sources are not checked).
    let scales_by_objects = spec
        .get("metrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|m| {
            matches!(
                m.get("type").and_then(Value::as_str),
                Some("Object" | "External")
            )
        });
    if min == Some(0) && !scales_by_objects {
        errs.push(FieldError::forbidden(
            "spec.metrics",
            "must specify at least one Object or External metric to support scaling to zero replicas",
        ));
    }
    for key in ["scaleUp", "scaleDown"] {
        if let Some(rules) = spec.pointer(&format!("/behavior/{key}")) {
            errs.extend(validate_rules(rules, &format!("spec.behavior.{key}")));
        }
    }
    errs
}

/// `validateScalingRules` and `validateScalingPolicy`.
fn validate_rules(rules: &Value, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(window) = int(rules.get("stabilizationWindowSeconds")) {
        let at = format!("{path}.stabilizationWindowSeconds");
        if window < 0 {
            errs.push(FieldError::invalid(
                at.clone(),
                window.to_string(),
                "must be greater than or equal to zero",
            ));
        }
        if window > MAX_STABILIZATION_WINDOW_SECONDS {
            errs.push(FieldError::invalid(
                at,
                window.to_string(),
                format!("must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}"),
            ));
        }
    }
    if let Some(select) = rules.get("selectPolicy").and_then(Value::as_str) {
        errs.extend(FieldError::unless_supported(
            select,
            &["Disabled", "Max", "Min"],
            || format!("{path}.selectPolicy"),
        ));
    }
    let policies = rules
        .get("policies")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if policies.is_empty() {
        errs.push(FieldError::required(
            format!("{path}.policies"),
            "must specify at least one Policy",
        ));
    }
    for (i, policy) in policies.iter().enumerate() {
        let at = format!("{path}.policies[{i}]");
        let kind = policy
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !["Pods", "Percent"].contains(&kind) {
            errs.push(FieldError::unsupported(
                format!("{at}.type"),
                kind,
                &["Percent", "Pods"],
            ));
        }
        let value = int(policy.get("value")).unwrap_or(0);
        if value <= 0 {
            errs.push(FieldError::invalid(
                format!("{at}.value"),
                value.to_string(),
                "must be greater than zero",
            ));
        }
        let period = int(policy.get("periodSeconds")).unwrap_or(0);
        if period <= 0 {
            errs.push(FieldError::invalid(
                format!("{at}.periodSeconds"),
                period.to_string(),
                "must be greater than zero",
            ));
        }
        if period > MAX_PERIOD_SECONDS {
            errs.push(FieldError::invalid(
                format!("{at}.periodSeconds"),
                period.to_string(),
                format!("must be less than or equal to {MAX_PERIOD_SECONDS}"),
            ));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v1_object_becomes_the_v2_cpu_metric() {
        let v1 = json!({"apiVersion": V1, "kind": KIND, "metadata": {"name": "web"}, "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web"}, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50}});
        let v2 = v1_to_v2(&v1);
        assert_eq!(v2["apiVersion"], STORED_VERSION);
        assert_eq!(
            v2["spec"]["metrics"],
            json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}])
        );
        assert!(v2["spec"].get("targetCPUUtilizationPercentage").is_none());
        assert_eq!(v2_to_v1(&v2), v1);
    }

    #[test]
    fn defaults_and_the_replica_bounds() {
        let mut hpa = json!({"spec": {"scaleTargetRef": {"kind": "StatefulSet", "name": "web"}, "maxReplicas": 0, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}});
        default(&mut hpa);
        assert_eq!(hpa["spec"]["minReplicas"], 1);
        assert_eq!(
            hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            80
        );
        assert_eq!(
            hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"],
            60
        );
        assert_eq!(
            hpa["spec"]["behavior"]["scaleUp"]["policies"][0]["value"],
            4
        );
        let errs: Vec<String> = validate(&hpa, None).iter().map(|e| e.to_string()).collect();
        assert_eq!(
            errs,
            [
                "spec.maxReplicas: Invalid value: 0: must be greater than 0",
                "spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`"
            ]
        );
        let empty_ref = json!({"spec": {"minReplicas": 0, "maxReplicas": 2}});
        let errs: Vec<String> = validate(&empty_ref, None)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            errs,
            [
                "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
                "spec.scaleTargetRef.kind: Required value",
                "spec.scaleTargetRef.name: Required value",
                "spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas"
            ]
        );
    }
}
