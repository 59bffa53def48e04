//! PodDisruptionBudget (policy/v1) in the API server: decoding the stored object and the
//! registry's validation (`ValidatePodDisruptionBudgetSpec` in upstream
//! `pkg/apis/policy/validation`).

use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::field_error::{quote, FieldError};
use super::validation::{
    go_json, int_or_string_json, label_selector_value, percent, validate_label_selector,
};

pub const KIND: &str = "PodDisruptionBudget";

/// The policies `spec.unhealthyPodEvictionPolicy` accepts.
pub const UNHEALTHY_POD_EVICTION_POLICIES: &[&str] = &["AlwaysAllow", "IfHealthyBudget"];

/// The four counts of `PodDisruptionBudgetStatus`, which policy/v1 declares without
/// `omitempty`: the API server always returns them, 0 when unset.
pub const STATUS_COUNTS: &[&str] = &[
    "currentHealthy",
    "desiredHealthy",
    "disruptionsAllowed",
    "expectedPods",
];

/// A status as the API server stores and returns it: the counts a write left out (or set
/// to null) read as 0, and a status that is not an object (none, null) is the zero status.
/// `PrepareForCreate` gives every new budget the zero status.
pub fn stored_status(status: &Value) -> Value {
    let mut status = match status {
        Value::Object(_) => status.clone(),
        _ => Value::Object(Default::default()),
    };
    if let Some(map) = status.as_object_mut() {
        for count in STATUS_COUNTS {
            if map.get(*count).is_none_or(Value::is_null) {
                map.insert((*count).to_string(), Value::from(0));
            }
        }
    }
    status
}

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
        errors.extend(FieldError::unless_supported(
            policy,
            UNHEALTHY_POD_EVICTION_POLICIES,
            || "spec.unhealthyPodEvictionPolicy",
        ));
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

/// `GetScaledValueFromIntOrPercent(value, total, roundUp=true)`: `ceil(percent × total /
/// 100)`, towards +∞ also for a negative total (a wrapped sum of scales).
pub fn scaled(value: &IntOrString, total: i32) -> i32 {
    match value {
        IntOrString::Int(i) => *i,
        IntOrString::String(s) => {
            let product = percent(s).unwrap_or(0).saturating_mul(i64::from(total));
            let ceil = product.div_euclid(100) + i64::from(product.rem_euclid(100) != 0);
            i32::try_from(ceil).unwrap_or(if ceil < 0 { i32::MIN } else { i32::MAX })
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

/// `metav1validation.ValidateConditions` (apimachinery `pkg/apis/meta/v1/validation`): a
/// type seen once, a qualified name; a known status; a non-negative observed generation;
/// a transition time; a reason of the condition reason syntax (at most 1024 characters);
/// a message of at most 32768.
fn validate_conditions(conditions: &[Value], path: &str) -> Vec<FieldError> {
    const REASON_MSG: &str = "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')";
    let mut errs = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, c) in conditions.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let text = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
        let type_ = text("type");
        if !seen.insert(type_.to_string()) {
            errs.push(FieldError::duplicate(format!("{at}.type"), type_));
        }
        for e in super::validation::qualified_name_errors(type_) {
            errs.push(FieldError::invalid_str(format!("{at}.type"), type_, e));
        }
        let status = text("status");
        errs.extend(FieldError::unless_supported(
            status,
            &["False", "True", "Unknown"],
            || format!("{at}.status"),
        ));
        let generation = c.get("observedGeneration").and_then(Value::as_i64);
        if let Some(g) = generation.filter(|g| *g < 0) {
            errs.push(FieldError::invalid(
                format!("{at}.observedGeneration"),
                g.to_string(),
                "must be greater than or equal to zero",
            ));
        }
        if text("lastTransitionTime").is_empty() {
            errs.push(FieldError::required(
                format!("{at}.lastTransitionTime"),
                "must be set",
            ));
        }
        let reason = text("reason");
        if reason.is_empty() {
            errs.push(FieldError::required(format!("{at}.reason"), "must be set"));
        } else {
            let ok = reason.starts_with(|ch: char| ch.is_ascii_alphabetic())
                && reason
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_,:".contains(ch))
                && reason.ends_with(|ch: char| ch.is_ascii_alphanumeric() || ch == '_');
            if !ok {
                errs.push(FieldError::invalid_str(
                    format!("{at}.reason"),
                    reason,
                    REASON_MSG,
                ));
            }
            if reason.len() > 1024 {
                errs.push(FieldError::too_long(format!("{at}.reason"), 1024));
            }
        }
        if text("message").len() > 32 * 1024 {
            errs.push(FieldError::too_long(format!("{at}.message"), 32 * 1024));
        }
    }
    errs
}

/// `ValidatePodDisruptionBudgetStatusUpdate` for policy/v1: the conditions
/// (`ValidateConditions`), then the four counts non-negative. `status` is the status as
/// written (JSON).
pub fn validate_status(status: &Value) -> Vec<FieldError> {
    let conditions = status
        .get("conditions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut errs = validate_conditions(conditions, "status.conditions");
    for field in [
        "disruptionsAllowed",
        "currentHealthy",
        "desiredHealthy",
        "expectedPods",
    ] {
        let v = status.get(field).and_then(Value::as_i64).unwrap_or(0);
        if v < 0 {
            errs.push(FieldError::invalid(
                format!("status.{field}"),
                v.to_string(),
                "must be greater than or equal to 0",
            ));
        }
    }
    errs
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
        // Too large for an int: a valid percent string, more than 100%.
        let errors = validate(&json!({"spec": {"minAvailable": "99999999999999999999%"}}));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].detail().contains("must not be greater than 100%"));
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
        // Go's math.Ceil goes towards +inf: ceil(-0.2) = 0, ceil(-20.5) = -20.
        assert_eq!(scaled(&IntOrString::String("10%".into()), -2), 0);
        assert_eq!(scaled(&IntOrString::String("10%".into()), -205), -20);
    }
}
