//! A ResourceQuota's `scopes` and `scopeSelector`: as validation sees them
//! (`validateResourceQuotaScopes`, `validateScopedResourceSelectorRequirement` and the
//! scope rule of `ValidateResourceQuotaUpdate`, with `helper.IsStandardResourceQuotaScope`
//! and `IsResourceQuotaScopeValidForResource`), and what they select
//! (`getScopeSelectorsFromQuota`, the pod evaluator's `podMatchesScopeFunc`; the claim
//! evaluator matches no scope, `generic.MatchesNoScopeFunc`). The VolumeAttributesClass
//! scope is not simulated: a quota with it counts no claim, and says so at apply.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Pod, PodAffinityTerm};
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

/// One scope requirement of a quota as its evaluators read it: each of `spec.scopes` with
/// `Exists`, then the scope selector's requirements (`getScopeSelectorsFromQuota`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requirement {
    pub scope: String,
    pub operator: String,
    pub values: Vec<String>,
}

/// A quota's scope requirements, from its object (`spec.scopes`, `spec.scopeSelector`).
pub fn requirements(body: &Value) -> Vec<Requirement> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let scopes = body
        .pointer("/spec/scopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|scope| Requirement {
            scope: text(scope),
            operator: "Exists".into(),
            values: Vec::new(),
        });
    let selected = body
        .pointer("/spec/scopeSelector/matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|r| Requirement {
            scope: r.get("scopeName").map(text).unwrap_or_default(),
            operator: r.get("operator").map(text).unwrap_or_default(),
            values: r
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(text)
                .collect(),
        });
    scopes.chain(selected).collect()
}

/// `podMatchesScopeFunc` for every requirement (`generic.Matches`: all must hold; none is
/// a match). `qos` is the pod's QoS class (`qos.GetPodQOS`).
pub fn pod_matches(requirements: &[Requirement], pod: &Pod, qos: &str) -> bool {
    requirements.iter().all(|r| pod_matches_one(r, pod, qos))
}

fn pod_matches_one(requirement: &Requirement, pod: &Pod, qos: &str) -> bool {
    let spec = pod.spec.as_ref();
    // `IsTerminating`: an active deadline of zero or more.
    let terminating = spec
        .and_then(|s| s.active_deadline_seconds)
        .is_some_and(|d| d >= 0);
    match requirement.scope.as_str() {
        "Terminating" => terminating,
        "NotTerminating" => !terminating,
        "BestEffort" => qos == "BestEffort",
        "NotBestEffort" => qos != "BestEffort",
        "PriorityClass" => {
            let class = spec
                .and_then(|s| s.priority_class_name.as_deref())
                .unwrap_or_default();
            // `podMatchesSelector`: a label selector on the one label `PriorityClass`,
            // which a pod without a class lacks.
            let has = !class.is_empty();
            let listed = requirement.values.iter().any(|v| v == class);
            match requirement.operator.as_str() {
                "Exists" => has,
                "DoesNotExist" => !has,
                "In" => has && listed,
                "NotIn" => !has || !listed,
                _ => false,
            }
        }
        "CrossNamespacePodAffinity" => uses_cross_namespace_pod_affinity(pod),
        _ => false,
    }
}

/// `usesCrossNamespacePodAffinity`: a pod (anti-)affinity term, required or preferred,
/// that names namespaces or has a namespace selector.
fn uses_cross_namespace_pod_affinity(pod: &Pod) -> bool {
    let Some(affinity) = pod.spec.as_ref().and_then(|s| s.affinity.as_ref()) else {
        return false;
    };
    let cross = |t: &PodAffinityTerm| {
        t.namespaces.as_ref().is_some_and(|n| !n.is_empty()) || t.namespace_selector.is_some()
    };
    let terms =
        |required: Option<&Vec<PodAffinityTerm>>,
         preferred: Option<&Vec<k8s_openapi::api::core::v1::WeightedPodAffinityTerm>>| {
            required.into_iter().flatten().any(cross)
                || preferred
                    .into_iter()
                    .flatten()
                    .any(|w| cross(&w.pod_affinity_term))
        };
    affinity.pod_affinity.as_ref().is_some_and(|a| {
        terms(
            a.required_during_scheduling_ignored_during_execution
                .as_ref(),
            a.preferred_during_scheduling_ignored_during_execution
                .as_ref(),
        )
    }) || affinity.pod_anti_affinity.as_ref().is_some_and(|a| {
        terms(
            a.required_during_scheduling_ignored_during_execution
                .as_ref(),
            a.preferred_during_scheduling_ignored_during_execution
                .as_ref(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `podMatchesScopeFunc`'s PriorityClass cases: a pod without a class has no label, so
    /// `NotIn` and `DoesNotExist` select it, `In` and `Exists` do not.
    #[test]
    fn a_priority_class_selector_reads_the_class_as_a_label() {
        let pod = |class: Option<&str>| -> Pod {
            serde_json::from_value(json!({"spec": {"priorityClassName": class, "containers": []}}))
                .unwrap()
        };
        let quota = |op: &str, values: &[&str]| {
            requirements(&json!({"spec": {"scopeSelector": {"matchExpressions": [
                {"scopeName": "PriorityClass", "operator": op, "values": values}]}}}))
        };
        let cases = [
            ("In", vec!["high"], [true, false, false]),
            ("NotIn", vec!["high"], [false, true, true]),
            ("Exists", vec![], [true, true, false]),
            ("DoesNotExist", vec![], [false, false, true]),
        ];
        for (op, values, want) in cases {
            let reqs = quota(op, &values);
            let got =
                [Some("high"), Some("low"), None].map(|c| pod_matches(&reqs, &pod(c), "Burstable"));
            assert_eq!(got, want, "{op}");
        }
        // `spec.scopes` are `Exists` requirements, and all of them must hold.
        let scoped = requirements(&json!({"spec": {"scopes": ["Terminating", "BestEffort"]}}));
        let deadline: Pod =
            serde_json::from_value(json!({"spec": {"activeDeadlineSeconds": 0, "containers": []}}))
                .unwrap();
        assert!(pod_matches(&scoped, &deadline, "BestEffort"));
        assert!(!pod_matches(&scoped, &deadline, "Burstable"));
        assert!(!pod_matches(&scoped, &pod(None), "BestEffort"));
    }
}
