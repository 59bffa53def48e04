//! `validateAffinity` (`pkg/apis/core/validation`): node affinity terms (operators, values,
//! keys; label values only checked in required terms; weights 1..100 for preferred terms)
//! and pod (anti-)affinity terms (label and namespace selectors, namespaces,
//! `matchLabelKeys`/`mismatchLabelKeys`, a required `topologyKey` that is a label name).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    Affinity, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm,
    PodAffinityTerm, WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::super::field_error::FieldError;
use super::names::{dns1123_label_errors, dns1123_subdomain_errors, label_value_errors};
use super::selector::validate_label_selector;
use super::taint::label_name_errors;

const WEIGHT_MSG: &str = "must be in the range 1-100";

pub(super) fn validate_affinity(affinity: &Affinity, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(na) = &affinity.node_affinity {
        errs.extend(validate_node_affinity(na, &format!("{path}.nodeAffinity")));
    }
    for (field, terms) in [
        (
            "podAffinity",
            affinity.pod_affinity.as_ref().map(|a| {
                (
                    a.required_during_scheduling_ignored_during_execution
                        .as_deref(),
                    a.preferred_during_scheduling_ignored_during_execution
                        .as_deref(),
                )
            }),
        ),
        (
            "podAntiAffinity",
            affinity.pod_anti_affinity.as_ref().map(|a| {
                (
                    a.required_during_scheduling_ignored_during_execution
                        .as_deref(),
                    a.preferred_during_scheduling_ignored_during_execution
                        .as_deref(),
                )
            }),
        ),
    ] {
        let Some((required, preferred)) = terms else {
            continue;
        };
        let ap = format!("{path}.{field}");
        for (i, term) in required.unwrap_or(&[]).iter().enumerate() {
            errs.extend(validate_pod_affinity_term(
                term,
                &format!("{ap}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"),
            ));
        }
        errs.extend(validate_weighted_terms(
            preferred.unwrap_or(&[]),
            &format!("{ap}.preferredDuringSchedulingIgnoredDuringExecution"),
        ));
    }
    errs
}

/// `validateNodeAffinity`: the required selector (`ValidateNodeSelector`, label values
/// checked) and the preferred terms (`ValidatePreferredSchedulingTerms`, any label value).
fn validate_node_affinity(na: &NodeAffinity, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(required) = &na.required_during_scheduling_ignored_during_execution {
        errs.extend(validate_node_selector(
            required,
            &format!("{path}.requiredDuringSchedulingIgnoredDuringExecution"),
        ));
    }
    let pp = format!("{path}.preferredDuringSchedulingIgnoredDuringExecution");
    for (i, term) in na
        .preferred_during_scheduling_ignored_during_execution
        .iter()
        .flatten()
        .enumerate()
    {
        if !(1..=100).contains(&term.weight) {
            errs.push(FieldError::invalid(
                format!("{pp}[{i}].weight"),
                term.weight.to_string(),
                WEIGHT_MSG,
            ));
        }
        errs.extend(validate_node_selector_term(
            &term.preference,
            false,
            &format!("{pp}[{i}].preference"),
        ));
    }
    errs
}

/// `ValidateNodeSelector`: at least one term, each term's requirements (label values
/// checked). Shared by a pod's required node affinity and a volume's (`nodeAffinity.required`).
pub(super) fn validate_node_selector(selector: &NodeSelector, path: &str) -> Vec<FieldError> {
    let tp = format!("{path}.nodeSelectorTerms");
    if selector.node_selector_terms.is_empty() {
        return vec![FieldError::required(
            tp,
            "must have at least one node selector term",
        )];
    }
    let mut errs = Vec::new();
    for (i, term) in selector.node_selector_terms.iter().enumerate() {
        errs.extend(validate_node_selector_term(
            term,
            true,
            &format!("{tp}[{i}]"),
        ));
    }
    errs
}

/// `ValidateNodeSelectorTerm`.
fn validate_node_selector_term(
    term: &NodeSelectorTerm,
    check_values: bool,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (j, req) in term.match_expressions.iter().flatten().enumerate() {
        errs.extend(validate_node_selector_requirement(
            req,
            check_values,
            &format!("{path}.matchExpressions[{j}]"),
        ));
    }
    for (j, req) in term.match_fields.iter().flatten().enumerate() {
        errs.extend(validate_node_field_selector_requirement(
            req,
            &format!("{path}.matchFields[{j}]"),
        ));
    }
    errs
}

/// `ValidateNodeSelectorRequirement`.
fn validate_node_selector_requirement(
    req: &NodeSelectorRequirement,
    check_values: bool,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let values = req.values.as_deref().unwrap_or(&[]);
    let vp = format!("{path}.values");
    match req.operator.as_str() {
        "In" | "NotIn" if values.is_empty() => errs.push(FieldError::required(
            vp.clone(),
            "must be specified when `operator` is 'In' or 'NotIn'",
        )),
        "Exists" | "DoesNotExist" if !values.is_empty() => errs.push(FieldError::forbidden(
            vp.clone(),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        )),
        "Gt" | "Lt" if values.len() != 1 => errs.push(FieldError::required(
            vp.clone(),
            "must be specified single value when `operator` is 'Lt' or 'Gt'",
        )),
        "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" => {}
        other => errs.push(FieldError::invalid_str(
            format!("{path}.operator"),
            other,
            "not a valid selector operator",
        )),
    }
    errs.extend(label_name_errors(&req.key, &format!("{path}.key")));
    if check_values {
        for (i, v) in values.iter().enumerate() {
            for m in label_value_errors(v) {
                errs.push(FieldError::invalid_str(format!("{vp}[{i}]"), v, m));
            }
        }
    }
    errs
}

/// `ValidateNodeFieldSelectorRequirement`: only `metadata.name`, with `In` or `NotIn` and
/// exactly one node name.
fn validate_node_field_selector_requirement(
    req: &NodeSelectorRequirement,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let values = req.values.as_deref().unwrap_or(&[]);
    match req.operator.as_str() {
        "In" | "NotIn" => {
            if values.len() != 1 {
                errs.push(FieldError::required(
                    format!("{path}.values"),
                    "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
                ));
            }
        }
        other => errs.push(FieldError::invalid_str(
            format!("{path}.operator"),
            other,
            "not a valid selector operator",
        )),
    }
    if req.key != "metadata.name" {
        errs.push(FieldError::invalid_str(
            format!("{path}.key"),
            &req.key,
            "not a valid field selector key",
        ));
    } else {
        for (i, v) in values.iter().enumerate() {
            for m in dns1123_subdomain_errors(v) {
                errs.push(FieldError::invalid_str(format!("{path}.values[{i}]"), v, m));
            }
        }
    }
    errs
}

/// `validateWeightedPodAffinityTerms`.
fn validate_weighted_terms(terms: &[WeightedPodAffinityTerm], path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (j, t) in terms.iter().enumerate() {
        if !(1..=100).contains(&t.weight) {
            errs.push(FieldError::invalid(
                format!("{path}[{j}].weight"),
                t.weight.to_string(),
                WEIGHT_MSG,
            ));
        }
        errs.extend(validate_pod_affinity_term(
            &t.pod_affinity_term,
            &format!("{path}[{j}].podAffinityTerm"),
        ));
    }
    errs
}

/// `validatePodAffinityTerm`.
fn validate_pod_affinity_term(term: &PodAffinityTerm, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (field, selector) in [
        ("labelSelector", term.label_selector.as_ref()),
        ("namespaceSelector", term.namespace_selector.as_ref()),
    ] {
        if let Some(s) = selector {
            errs.extend(validate_label_selector(s, &format!("{path}.{field}")).0);
        }
    }
    for name in term.namespaces.iter().flatten() {
        // Upstream names the field `namespace` here.
        for m in dns1123_label_errors(name) {
            errs.push(FieldError::invalid_str(
                format!("{path}.namespace"),
                name,
                m,
            ));
        }
    }
    errs.extend(match_and_mismatch_label_keys(
        path,
        term.match_label_keys.as_deref().unwrap_or(&[]),
        term.mismatch_label_keys.as_deref().unwrap_or(&[]),
        term.label_selector.as_ref(),
    ));
    let kp = format!("{path}.topologyKey");
    if term.topology_key.is_empty() {
        errs.push(FieldError::required(kp.clone(), "can not be empty"));
    }
    errs.extend(label_name_errors(&term.topology_key, &kp));
    errs
}

/// `validateMatchLabelKeysAndMismatchLabelKeys`, for pod affinity terms and (the merge
/// gate on) topology spread constraints.
pub(super) fn match_and_mismatch_label_keys(
    path: &str,
    match_keys: &[String],
    mismatch_keys: &[String],
    selector: Option<&LabelSelector>,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (field, keys) in [
        ("matchLabelKeys", match_keys),
        ("mismatchLabelKeys", mismatch_keys),
    ] {
        if keys.is_empty() {
            continue;
        }
        let fp = format!("{path}.{field}");
        if selector.is_none() {
            errs.push(FieldError::forbidden(
                fp,
                "must not be specified when labelSelector is not set",
            ));
            continue;
        }
        for (i, key) in keys.iter().enumerate() {
            errs.extend(label_name_errors(key, &format!("{fp}[{i}]")));
        }
    }
    if let Some(s) = selector {
        let mut selector_keys: BTreeSet<&str> = s
            .match_labels
            .iter()
            .flatten()
            .map(|(k, _)| k.as_str())
            .collect();
        for expr in s.match_expressions.iter().flatten() {
            let key = expr.key.as_str();
            // Upstream indexes the term's path itself here (not `matchLabelKeys`).
            if let Some(i) = match_keys.iter().rposition(|k| k == key) {
                if selector_keys.contains(key) {
                    errs.push(FieldError::invalid_str(
                        format!("{path}[{i}]"),
                        key,
                        "exists in both matchLabelKeys and labelSelector",
                    ));
                }
            }
            selector_keys.insert(key);
        }
    }
    for (i, key) in match_keys.iter().enumerate() {
        if mismatch_keys.contains(key) {
            errs.push(FieldError::invalid_str(
                format!("{path}.matchLabelKeys[{i}]"),
                key,
                "exists in both matchLabelKeys and mismatchLabelKeys",
            ));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{NodeSelector, PodAntiAffinity, PreferredSchedulingTerm};

    fn texts(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    fn req(key: &str, op: &str, values: &[&str]) -> NodeSelectorRequirement {
        NodeSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: (!values.is_empty()).then(|| values.iter().map(|v| v.to_string()).collect()),
        }
    }

    #[test]
    fn node_affinity_operators_values_and_weights() {
        let a = Affinity {
            node_affinity: Some(NodeAffinity {
                required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                    node_selector_terms: vec![NodeSelectorTerm {
                        match_expressions: Some(vec![
                            req("a", "Foo", &["b"]),
                            req("a", "In", &[]),
                            req("a", "Gt", &["1", "2"]),
                            req("a", "In", &["b c"]),
                        ]),
                        match_fields: None,
                    }],
                }),
                preferred_during_scheduling_ignored_during_execution: Some(vec![
                    PreferredSchedulingTerm {
                        weight: 0,
                        preference: NodeSelectorTerm {
                            match_expressions: Some(vec![req("a", "In", &["b c"])]),
                            match_fields: None,
                        },
                    },
                ]),
            }),
            ..Default::default()
        };
        let p = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions";
        assert_eq!(
            texts(&validate_affinity(&a, "spec.affinity")),
            [
                format!("{p}[0].operator: Invalid value: \"Foo\": not a valid selector operator"),
                format!("{p}[1].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"),
                format!("{p}[2].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"),
                format!("{p}[3].values[0]: Invalid value: \"b c\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
                "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100".to_string(),
            ]
        );
    }

    #[test]
    fn a_pod_affinity_term_needs_a_topology_key() {
        let a = Affinity {
            pod_anti_affinity: Some(PodAntiAffinity {
                required_during_scheduling_ignored_during_execution: Some(vec![PodAffinityTerm {
                    topology_key: String::new(),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let errs = texts(&validate_affinity(&a, "spec.affinity"));
        assert_eq!(
            errs[0],
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty"
        );
        assert!(errs[1].ends_with("topologyKey: Invalid value: \"\": name part must be non-empty"));
    }
}
