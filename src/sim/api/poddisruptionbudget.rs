//! PodDisruptionBudget (policy/v1) in the API server: decoding the stored object and the
//! registry's validation (`ValidatePodDisruptionBudgetSpec` in upstream
//! `pkg/apis/policy/validation`).

use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::field_error::{quote, FieldError};
use super::validation::{
    go_json, int_or_string_json, label_selector_value, validate_label_selector,
};

pub const KIND: &str = "PodDisruptionBudget";

/// The policies `spec.unhealthyPodEvictionPolicy` accepts.
pub const UNHEALTHY_POD_EVICTION_POLICIES: &[&str] = &["AlwaysAllow", "IfHealthyBudget"];

/// The typed view of a stored PDB body (fields the simulation does not know are ignored).
pub fn decode(body: &Value) -> Option<PodDisruptionBudget> {
    <PodDisruptionBudget as serde::Deserialize>::deserialize(body).ok()
}

/// `ValidatePodDisruptionBudgetSpec`: minAvailable and maxUnavailable are exclusive, each a
/// non-negative integer or a percentage of at most 100%, the selector is valid
/// (`ValidateLabelSelector`, label values checked as on a create), and the eviction policy
/// is known.
pub fn validate(body: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let spec = body.get("spec").cloned().unwrap_or(Value::Null);
    let min = spec.get("minAvailable").filter(|v| !v.is_null());
    let max = spec.get("maxUnavailable").filter(|v| !v.is_null());
    if min.is_some() && max.is_some() {
        errors.push(FieldError::invalid(
            "spec",
            go_spec(&spec),
            "minAvailable and maxUnavailable cannot be both set",
        ));
    }
    for (field, value) in [("minAvailable", min), ("maxUnavailable", max)] {
        if let Some(value) = value {
            errors.extend(int_or_percent(&format!("spec.{field}"), value));
        }
    }
    if let Some(selector) = spec
        .get("selector")
        .filter(|s| !s.is_null())
        .and_then(|s| <LabelSelector as serde::Deserialize>::deserialize(s).ok())
    {
        errors.extend(validate_label_selector(&selector, "spec.selector").0);
    }
    if let Some(policy) = spec
        .get("unhealthyPodEvictionPolicy")
        .and_then(Value::as_str)
    {
        if !UNHEALTHY_POD_EVICTION_POLICIES.contains(&policy) {
            errors.push(FieldError::unsupported(
                "spec.unhealthyPodEvictionPolicy",
                policy,
                UNHEALTHY_POD_EVICTION_POLICIES,
            ));
        }
    }
    errors
}

/// apimachinery's `IsValidPercent` message (`RegexError` of `[0-9]+%`).
pub const INVALID_PERCENT_MSG: &str = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/// `ValidatePositiveIntOrPercent` and `IsNotMoreThan100Percent`: an integer at least 0, or a
/// string that `IsValidPercent` accepts and at most 100%.
fn int_or_percent(path: &str, value: &Value) -> Vec<FieldError> {
    match value {
        Value::Number(n) => match n.as_i64() {
            Some(i) if i < 0 => vec![FieldError::invalid(
                path,
                i.to_string(),
                "must be greater than or equal to 0",
            )],
            _ => Vec::new(),
        },
        Value::String(s) => match percent(s) {
            None => vec![FieldError::invalid(path, quote(s), INVALID_PERCENT_MSG)],
            Some(p) if p > 100 => vec![FieldError::invalid(
                path,
                quote(s),
                "must not be greater than 100%",
            )],
            Some(_) => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// `50%` → 50; anything else (`50`, `%`, `-5%`) is not a percentage.
fn percent(s: &str) -> Option<i64> {
    let digits = s.strip_suffix('%')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `GetScaledValueFromIntOrPercent(value, total, roundUp=true)`.
pub fn scaled(value: &IntOrString, total: i32) -> i32 {
    match value {
        IntOrString::Int(i) => *i,
        IntOrString::String(s) => {
            let p = percent(s).unwrap_or(0);
            ((p * total as i64 + 99) / 100) as i32
        }
    }
}

/// How kubectl prints a min/max value: as written, `N/A` when unset.
pub fn printed(value: Option<&IntOrString>) -> String {
    match value {
        None => "N/A".into(),
        Some(IntOrString::Int(i)) => i.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
    }
}

/// The spec in the "cannot be both set" message: the internal `policy.PodDisruptionBudgetSpec`
/// as JSON, so with its Go field names in their order (the selector is a `metav1` type and
/// keeps its API names).
fn go_spec(spec: &Value) -> String {
    let int_or_string = |key: &str| {
        spec.get(key)
            .and_then(|v| serde_json::from_value::<IntOrString>(v.clone()).ok())
            .map_or(Value::Null, |v| int_or_string_json(&v))
    };
    let selector = spec
        .get("selector")
        .filter(|v| !v.is_null())
        .and_then(|v| serde_json::from_value::<LabelSelector>(v.clone()).ok())
        .map_or(Value::Null, |s| label_selector_value(&s));
    let policy = spec
        .get("unhealthyPodEvictionPolicy")
        .and_then(Value::as_str)
        .map_or(Value::Null, |p| Value::String(p.to_string()));
    let mut obj = serde_json::Map::new();
    obj.insert("MinAvailable".into(), int_or_string("minAvailable"));
    obj.insert("Selector".into(), selector);
    obj.insert("MaxUnavailable".into(), int_or_string("maxUnavailable"));
    obj.insert("UnhealthyPodEvictionPolicy".into(), policy);
    go_json(&Value::Object(obj))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_set_is_invalid() {
        let errors = validate(&json!({"spec": {"minAvailable": 1, "maxUnavailable": 1}}));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].detail().contains("cannot be both set"));
        // v1.34+ renders the internal spec as JSON, Go field names in their order.
        assert_eq!(
            errors[0].to_string(),
            "spec: Invalid value: {\"MinAvailable\":1,\"Selector\":null,\"MaxUnavailable\":1,\"UnhealthyPodEvictionPolicy\":null}: minAvailable and maxUnavailable cannot be both set"
        );
    }

    #[test]
    fn percentages_and_integers() {
        assert!(validate(&json!({"spec": {"minAvailable": "50%"}})).is_empty());
        assert_eq!(
            validate(&json!({"spec": {"minAvailable": "150%"}})).len(),
            1
        );
        assert_eq!(validate(&json!({"spec": {"maxUnavailable": -1}})).len(), 1);
        assert_eq!(
            validate(&json!({"spec": {"maxUnavailable": "half"}})).len(),
            1
        );
        assert_eq!(
            validate(&json!({"spec": {"minAvailable": 1, "unhealthyPodEvictionPolicy": "Never"}}))
                .len(),
            1
        );
    }

    #[test]
    fn scaling_rounds_up() {
        assert_eq!(scaled(&IntOrString::String("30%".into()), 5), 2);
        assert_eq!(scaled(&IntOrString::String("50%".into()), 3), 2);
        assert_eq!(scaled(&IntOrString::Int(1), 5), 1);
    }
}
