//! PriorityClass objects (`scheduling.k8s.io/v1`): their defaulting
//! (`SetDefaults_PriorityClass`: `preemptionPolicy: PreemptLowerPriority`), their
//! validation (`pkg/apis/scheduling/validation`: `ValidatePriorityClass`,
//! `ValidatePriorityClassUpdate`) and the Priority admission plugin's check of them
//! (`validatePriorityClass`: one global default). The pods' side of the plugin is
//! `priority.rs`.

use serde_json::Value;

use super::field_error::FieldError;
use super::priority::{Class, PREEMPT_LOWER_PRIORITY, SYSTEM_PRIORITY_CLASSES};

pub const KIND: &str = "PriorityClass";

/// `scheduling.HighestUserDefinablePriority`.
pub const HIGHEST_USER_DEFINABLE_PRIORITY: i64 = 1_000_000_000;
/// `scheduling.SystemPriorityClassPrefix`.
const SYSTEM_PREFIX: &str = "system-";
/// `ValidatePreemptionPolicy`'s values.
const PREEMPTION_POLICIES: [&str; 2] = ["PreemptLowerPriority", "Never"];

/// `SetDefaults_PriorityClass`; and `value`, which the Go type always holds (`value`
/// has no `omitempty`), is 0 when the manifest leaves it out.
pub fn default(body: &mut Value) {
    if body.get("value").is_none_or(Value::is_null) {
        if let Some(obj) = body.as_object_mut() {
            obj.insert("value".into(), Value::from(0));
        }
    }
    if body.get("preemptionPolicy").is_none_or(Value::is_null) {
        if let Some(obj) = body.as_object_mut() {
            obj.insert(
                "preemptionPolicy".into(),
                Value::String(PREEMPT_LOWER_PRIORITY.into()),
            );
        }
    }
}

/// A stored (defaulted) class as the admission plugin reads it.
pub fn class_of(body: &Value) -> Class {
    Class {
        // `get` twice rather than `pointer("/metadata/name")`, which splits and unescapes
        // the path on every call: the Priority plugin reads every class on every pod create.
        name: body
            .get("metadata")
            .and_then(|meta| meta.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        value: value_of(body).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
        global_default: global_default(body),
        preemption_policy: body
            .get("preemptionPolicy")
            .and_then(Value::as_str)
            .unwrap_or(PREEMPT_LOWER_PRIORITY)
            .to_string(),
    }
}

fn value_of(body: &Value) -> i64 {
    body.get("value").and_then(Value::as_i64).unwrap_or(0)
}

fn global_default(body: &Value) -> bool {
    body.get("globalDefault")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// `ValidatePriorityClass`, and on an update `ValidatePriorityClassUpdate`'s rules: the
/// value and the preemption policy may not change. The metadata is checked by the caller.
pub fn validate(body: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let name = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let value = value_of(body);
    if name.starts_with(SYSTEM_PREFIX) {
        if let Err(reason) = known_system_class(name, value, global_default(body)) {
            errs.push(FieldError::forbidden(
                "metadata.name",
                format!(
                    "priority class names with '{SYSTEM_PREFIX}' prefix are reserved for system use only. error: {reason}"
                ),
            ));
        }
    } else if value > HIGHEST_USER_DEFINABLE_PRIORITY {
        errs.push(FieldError::forbidden(
            "value",
            format!(
                "maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"
            ),
        ));
    }
    if let Some(policy) = body.get("preemptionPolicy").and_then(Value::as_str) {
        if policy.is_empty() {
            errs.push(FieldError::required("preemptionPolicy", ""));
        } else if !PREEMPTION_POLICIES.contains(&policy) {
            errs.push(FieldError::unsupported(
                "preemptionPolicy",
                policy,
                &PREEMPTION_POLICIES,
            ));
        }
    }
    if let Some(old) = old {
        if value_of(old) != value {
            errs.push(FieldError::forbidden(
                "value",
                "may not be changed in an update.",
            ));
        }
        let policy = |b: &Value| b.get("preemptionPolicy").cloned().unwrap_or(Value::Null);
        if policy(old) != policy(body) {
            let shown = match policy(body) {
                Value::String(p) => super::field_error::quote(&p),
                _ => "null".to_string(),
            };
            errs.push(FieldError::invalid(
                "preemptionPolicy",
                shown,
                "field is immutable",
            ));
        }
    }
    errs
}

/// `IsKnownSystemPriorityClass`.
fn known_system_class(name: &str, value: i64, global_default: bool) -> Result<(), String> {
    match SYSTEM_PRIORITY_CLASSES.iter().find(|(n, _)| *n == name) {
        Some((n, v)) if *v as i64 != value => {
            Err(format!("value of {n} PriorityClass must be {v}"))
        }
        Some((n, _)) if global_default => {
            Err(format!("globalDefault of {n} PriorityClass must be false"))
        }
        Some(_) => Ok(()),
        None => Err(format!("{name} is not a known system priority class")),
    }
}

/// The admission plugin's `validatePriorityClass`: a class marked `globalDefault` is
/// refused while another class is the default. `Err` is the reason it is forbidden.
pub fn admit(body: &Value, classes: &[Class]) -> Result<(), String> {
    if !global_default(body) {
        return Ok(());
    }
    let name = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match super::priority::default_class(classes) {
        Some(d) if d.name != name => Err(format!(
            "PriorityClass {} is already marked as default. Only one default can exist",
            d.name
        )),
        _ => Ok(()),
    }
}

/// The system PriorityClasses the API server creates at start-up
/// (`scheduling.SystemPriorityClasses`, stored by `AddSystemPriorityClasses` in
/// pkg/registry/scheduling/rest), as their objects.
pub fn system_objects(now: crate::sim::clock::Millis) -> Vec<serde_json::Value> {
    let time = crate::sim::clock::to_time(now);
    [
        (
            "system-node-critical",
            2_000_001_000i64,
            "Used for system critical pods that must not be moved from their current node.",
        ),
        (
            "system-cluster-critical",
            2_000_000_000,
            "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
        ),
    ]
    .into_iter()
    .map(|(name, value, description)| {
        serde_json::json!({
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": KIND,
            "metadata": {"name": name, "generation": 1, "creationTimestamp": time},
            "value": value,
            "description": description,
            "preemptionPolicy": "PreemptLowerPriority",
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_class_is_defaulted_and_validated() {
        let mut body = json!({"metadata": {"name": "high"}, "value": 1000});
        default(&mut body);
        assert_eq!(body["preemptionPolicy"], json!("PreemptLowerPriority"));
        assert!(validate(&body, None).is_empty());
        let bad = json!({"metadata": {"name": "huge"}, "value": 2_000_000_000, "preemptionPolicy": "Sometimes"});
        assert_eq!(
            texts(&validate(&bad, None)),
            [
                "value: Forbidden: maximum allowed value of a user defined priority is 1000000000",
                "preemptionPolicy: Unsupported value: \"Sometimes\": supported values: \"PreemptLowerPriority\", \"Never\"",
            ]
        );
        let system = json!({"metadata": {"name": "system-mine"}, "value": 5});
        assert_eq!(
            texts(&validate(&system, None)),
            ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"]
        );
        let changed =
            json!({"metadata": {"name": "high"}, "value": 1001, "preemptionPolicy": "Never"});
        assert_eq!(
            texts(&validate(&changed, Some(&body))),
            [
                "value: Forbidden: may not be changed in an update.",
                "preemptionPolicy: Invalid value: \"Never\": field is immutable",
            ]
        );
    }

    #[test]
    fn only_one_class_is_the_global_default() {
        let low = json!({"metadata": {"name": "low"}, "value": 1, "globalDefault": true});
        let mut classes = Class::system();
        assert_eq!(admit(&low, &classes), Ok(()));
        classes.push(class_of(&low));
        assert_eq!(admit(&low, &classes), Ok(()));
        let other = json!({"metadata": {"name": "other"}, "value": 2, "globalDefault": true});
        assert_eq!(
            admit(&other, &classes),
            Err(
                "PriorityClass low is already marked as default. Only one default can exist".into()
            )
        );
    }
}
