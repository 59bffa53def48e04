//! A ResourceQuota's `scopes` and `scopeSelector`, as validation sees them
//! (`validateResourceQuotaScopes`, `validateScopedResourceSelectorRequirement` and the
//! scope rule of `ValidateResourceQuotaUpdate`, with `helper.IsStandardResourceQuotaScope`
//! and `IsResourceQuotaScopeValidForResource`). What a scope selects is not simulated: the
//! quota counts every pod and claim, and says so at apply.

use std::collections::BTreeSet;

use serde_json::Value;

use super::super::field_error::{quote, FieldError};
use super::super::validation::go_json;
use super::is_standard_quota_resource;

/// The scopes a quota may name.
const STANDARD: [&str; 7] = [
    "Terminating",
    "NotTerminating",
    "BestEffort",
    "NotBestEffort",
    "PriorityClass",
    "CrossNamespacePodAffinity",
    "VolumeAttributesClass",
];

/// Pairs of scopes no quota may hold together.
const CONFLICTING: [(&str, &str); 2] = [
    ("BestEffort", "NotBestEffort"),
    ("Terminating", "NotTerminating"),
];

/// The scopes that take no values (`Exists` only).
const EXISTS_ONLY: [&str; 5] = [
    "BestEffort",
    "NotBestEffort",
    "Terminating",
    "NotTerminating",
    "CrossNamespacePodAffinity",
];

/// `IsResourceQuotaScopeValidForResource`: which hard limits a scope can track.
fn valid_for(scope: &str, resource: &str) -> bool {
    const POD_COMPUTE: [&str; 6] = [
        "cpu",
        "memory",
        "limits.cpu",
        "limits.memory",
        "requests.cpu",
        "requests.memory",
    ];
    match scope {
        "Terminating"
        | "NotTerminating"
        | "NotBestEffort"
        | "PriorityClass"
        | "CrossNamespacePodAffinity" => resource == "pods" || POD_COMPUTE.contains(&resource),
        "BestEffort" => resource == "pods",
        "VolumeAttributesClass" => {
            matches!(resource, "persistentvolumeclaims" | "requests.storage")
        }
        _ => true,
    }
}

/// The errors of `spec.scopes` and `spec.scopeSelector`, and on an update (`old`) a
/// changed set of scopes.
pub(super) fn validate(body: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let hard: BTreeSet<&str> = body
        .pointer("/spec/hard")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let scopes_value = body.pointer("/spec/scopes").cloned().unwrap_or(Value::Null);
    let scopes_json = go_json(&scopes_value);
    let scopes: Vec<&str> = scopes_value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let invalid = |path: &str, value: &str, detail: &str| FieldError::invalid(path, value, detail);
    // validateResourceQuotaScopes.
    if !scopes.is_empty() {
        for scope in &scopes {
            if !STANDARD.contains(scope) {
                errs.push(invalid("spec.scopes", &scopes_json, "unsupported scope"));
            }
            for k in &hard {
                if is_standard_quota_resource(k) && !valid_for(scope, k) {
                    errs.push(invalid(
                        "spec.scopes",
                        &scopes_json,
                        "unsupported scope applied to resource",
                    ));
                }
            }
        }
        errs.extend(conflicts(&scopes, "spec.scopes", &scopes_json));
    }
    // validateScopeSelector.
    if let Some(selector) = body.pointer("/spec/scopeSelector").filter(|s| !s.is_null()) {
        let path = "spec.scopeSelector.matchExpressions";
        let mut names = Vec::new();
        let requirements = selector
            .get("matchExpressions")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for req in requirements {
            let name = req.get("scopeName").and_then(Value::as_str).unwrap_or("");
            let operator = req.get("operator").and_then(Value::as_str).unwrap_or("");
            let values = req
                .get("values")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if !STANDARD.contains(&name) {
                errs.push(invalid(
                    &format!("{path}.scopeName"),
                    &quote(name),
                    "unsupported scope",
                ));
            }
            for k in &hard {
                if is_standard_quota_resource(k) && !valid_for(name, k) {
                    errs.push(invalid(
                        path,
                        &go_json(&internal_selector(requirements)),
                        "unsupported scope applied to resource",
                    ));
                }
            }
            if EXISTS_ONLY.contains(&name) && operator != "Exists" {
                errs.push(invalid(
                    &format!("{path}.operator"),
                    &quote(operator),
                    "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
                ));
            }
            match operator {
                "In" | "NotIn" if values == 0 => errs.push(FieldError::required(
                    format!("{path}.values"),
                    "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
                )),
                "Exists" | "DoesNotExist" if values != 0 => errs.push(invalid(
                    &format!("{path}.values"),
                    &go_json(req.get("values").unwrap_or(&Value::Null)),
                    "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
                )),
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                _ => errs.push(invalid(
                    &format!("{path}.operator"),
                    &quote(operator),
                    "not a valid selector operator",
                )),
            }
            names.push(name);
        }
        // Upstream shows `spec.scopes` here (sic).
        errs.extend(conflicts(&names, path, &scopes_json));
    }
    // ValidateResourceQuotaUpdate: the scopes, as a set, cannot change.
    if let Some(old) = old {
        let set = |v: &Value| -> BTreeSet<String> {
            v.pointer("/spec/scopes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        };
        if set(body) != set(old) {
            errs.push(invalid("spec.scopes", &scopes_json, "field is immutable"));
        }
    }
    errs
}

/// "conflicting scopes" for each pair that `scopes` holds both of.
fn conflicts(scopes: &[&str], path: &str, shown: &str) -> Vec<FieldError> {
    CONFLICTING
        .iter()
        .filter(|(a, b)| scopes.contains(a) && scopes.contains(b))
        .map(|_| FieldError::invalid(path, shown, "conflicting scopes"))
        .collect()
}

/// The internal `core.ScopeSelector` as `json.Marshal` writes it: no JSON tags, so Go's
/// field names, and `null` for a requirement without values.
fn internal_selector(requirements: &[Value]) -> Value {
    let items: Vec<Value> = requirements
        .iter()
        .map(|r| {
            serde_json::json!({
                "ScopeName": r.get("scopeName").cloned().unwrap_or(Value::from("")),
                "Operator": r.get("operator").cloned().unwrap_or(Value::from("")),
                "Values": r.get("values").cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    serde_json::json!({ "MatchExpressions": items })
}
