//! Taints and tolerations (`ValidateTolerations`, `validateTaintEffect` and
//! `validateNodeTaints` in `pkg/apis/core/validation`): a toleration's key is a label name,
//! its operator `Equal` (or empty) with a label value or `Exists` with none, its effect one
//! of the three taint effects; a node's taints each have a key, a label value and an
//! effect, and no two share a key and an effect.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Taint, Toleration};

use super::super::field_error::{quote, FieldError};
use super::names::{label_value_errors, qualified_name_errors};

/// The effects a taint (and a toleration naming one) may have, in upstream's order.
pub const TAINT_EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// `validateTaintEffect`: empty is allowed for a toleration (it matches every effect), not
/// for a taint.
fn validate_taint_effect(effect: &str, allow_empty: bool, path: &str) -> Option<FieldError> {
    if effect.is_empty() && !allow_empty {
        return Some(FieldError::required(path, ""));
    }
    (!TAINT_EFFECTS.contains(&effect))
        .then(|| FieldError::unsupported(path, effect, &TAINT_EFFECTS))
}

/// `ValidateLabelName`: one `Invalid` per rule a qualified name breaks.
pub(super) fn label_name_errors(key: &str, path: &str) -> Vec<FieldError> {
    qualified_name_errors(key)
        .into_iter()
        .map(|m| FieldError::invalid_str(path, key, m))
        .collect()
}

/// `ValidateTolerations` for the tolerations at `path` (`spec.tolerations` of a pod,
/// `spec.template.spec.tolerations` of a template).
pub fn validate_tolerations(tolerations: &[Toleration], path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (i, t) in tolerations.iter().enumerate() {
        let tp = format!("{path}[{i}]");
        let key = t.key.as_deref().unwrap_or("");
        let operator = t.operator.as_deref().unwrap_or("");
        let value = t.value.as_deref().unwrap_or("");
        let effect = t.effect.as_deref().unwrap_or("");
        if !key.is_empty() {
            errs.extend(label_name_errors(key, &format!("{tp}.key")));
        }
        // An empty key with Exists (and no value) matches every taint.
        if key.is_empty() && operator != "Exists" {
            errs.push(FieldError::invalid_str(
                format!("{tp}.operator"),
                operator,
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            ));
        }
        if t.toleration_seconds.is_some() && effect != "NoExecute" {
            errs.push(FieldError::invalid_str(
                format!("{tp}.effect"),
                effect,
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            ));
        }
        match operator {
            // An empty operator means Equal.
            "Equal" | "" => {
                let msgs = label_value_errors(value);
                if !msgs.is_empty() {
                    errs.push(FieldError::invalid_str(
                        format!("{tp}.operator"),
                        value,
                        msgs.join(";"),
                    ));
                }
            }
            "Exists" => {
                if !value.is_empty() {
                    errs.push(FieldError::invalid_str(
                        format!("{tp}.operator"),
                        value,
                        "value must be empty when `operator` is 'Exists'",
                    ));
                }
            }
            other => errs.push(FieldError::unsupported(
                format!("{tp}.operator"),
                other,
                &["Equal", "Exists"],
            )),
        }
        if !effect.is_empty() {
            errs.extend(validate_taint_effect(effect, true, &format!("{tp}.effect")));
        }
    }
    errs
}

/// `validateNodeTaints` for a Node's `spec.taints`. Upstream builds the path from the
/// metadata's (`ValidateNode`'s `fldPath` is `metadata`), so the errors read
/// `metadata.taints[i]…`; scn keeps that.
pub fn validate_node_taints(taints: &[Taint]) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (i, taint) in taints.iter().enumerate() {
        let tp = format!("metadata.taints[{i}]");
        let value = taint.value.as_deref().unwrap_or("");
        errs.extend(label_name_errors(&taint.key, &format!("{tp}.key")));
        let msgs = label_value_errors(value);
        if !msgs.is_empty() {
            errs.push(FieldError::invalid_str(
                format!("{tp}.value"),
                value,
                msgs.join(";"),
            ));
        }
        errs.extend(validate_taint_effect(
            &taint.effect,
            false,
            &format!("{tp}.effect"),
        ));
        if !seen.insert((taint.effect.as_str(), taint.key.as_str())) {
            errs.push(FieldError::duplicate_with_detail(
                tp,
                go_taint(taint),
                "taints must be unique by key and effect pair",
            ));
        }
    }
    errs
}

/// The taint as the error renders it: the internal type marshalled (`value` omitted when
/// empty, fields in the type's order).
fn go_taint(t: &Taint) -> String {
    let mut fields = vec![format!("\"key\":{}", quote(&t.key))];
    if let Some(v) = t.value.as_deref().filter(|v| !v.is_empty()) {
        fields.push(format!("\"value\":{}", quote(v)));
    }
    fields.push(format!("\"effect\":{}", quote(&t.effect)));
    format!("{{{}}}", fields.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    fn toleration(key: &str, operator: &str, value: &str, effect: &str) -> Toleration {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Toleration {
            key: some(key),
            operator: some(operator),
            value: some(value),
            effect: some(effect),
            toleration_seconds: None,
        }
    }

    #[test]
    fn toleration_operators_values_and_effects() {
        let ts = [
            toleration("k", "Exists", "v", "NoSchedule"),
            toleration("k", "In", "v", ""),
            toleration("", "Equal", "", ""),
            toleration("k", "", "b c", "Sometimes"),
            toleration("", "Exists", "", ""),
        ];
        assert_eq!(
            texts(&validate_tolerations(&ts, "spec.tolerations")),
            [
                "spec.tolerations[0].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
                "spec.tolerations[1].operator: Unsupported value: \"In\": supported values: \"Equal\", \"Exists\"",
                "spec.tolerations[2].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
                "spec.tolerations[3].operator: Invalid value: \"b c\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                "spec.tolerations[3].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
            ]
        );
    }

    #[test]
    fn node_taints_need_an_effect_and_are_unique_by_key_and_effect() {
        let taint = |key: &str, effect: &str| Taint {
            key: key.into(),
            effect: effect.into(),
            ..Default::default()
        };
        let taints = [
            taint("a", "Sometimes"),
            taint("b", ""),
            taint("c", "NoSchedule"),
            taint("c", "NoSchedule"),
        ];
        assert_eq!(
            texts(&validate_node_taints(&taints)),
            [
                "metadata.taints[0].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
                "metadata.taints[1].effect: Required value",
                "metadata.taints[3]: Duplicate value: {\"key\":\"c\",\"effect\":\"NoSchedule\"}: taints must be unique by key and effect pair",
            ]
        );
    }
}
