//! Label selectors: matching (`LabelSelectorAsSelector` + `Matches`) and
//! `ValidateLabelSelector` (apimachinery's `meta/v1/validation`).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::super::field_error::FieldError;
use super::names::{label_value_errors, qualified_name_errors, validate_labels};

/// Whether `selector` matches `labels` (`LabelSelectorAsSelector` + `Matches`). `None` (nil
/// selector) matches nothing; an empty selector matches everything.
pub fn selector_matches(
    selector: Option<&LabelSelector>,
    labels: Option<&BTreeMap<String, String>>,
) -> bool {
    let Some(sel) = selector else { return false };
    let empty = BTreeMap::new();
    let labels = labels.unwrap_or(&empty);
    for (k, v) in sel.match_labels.iter().flatten() {
        if labels.get(k) != Some(v) {
            return false;
        }
    }
    for r in sel.match_expressions.iter().flatten() {
        let values = r.values.clone().unwrap_or_default();
        let have = labels.get(&r.key);
        let ok = match r.operator.as_str() {
            "In" => have.is_some_and(|h| values.contains(h)),
            "NotIn" => have.is_none_or(|h| !values.contains(h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

pub(super) fn selector_is_empty(s: &LabelSelector) -> bool {
    s.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && s.match_expressions.as_ref().is_none_or(|m| m.is_empty())
}

/// `ValidateLabelSelector` with `AllowInvalidLabelValueInSelector` off (what a create
/// gets): the matchLabels first, then each requirement's operator and values, its key, and
/// each value by index. Returns the errors and whether the selector can be converted.
pub(crate) fn validate_label_selector(s: &LabelSelector, path: &str) -> (Vec<FieldError>, bool) {
    let mut errs = validate_labels(s.match_labels.as_ref(), &format!("{path}.matchLabels"));
    let mut convertible = errs.is_empty();
    for (i, r) in s.match_expressions.iter().flatten().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        let nvalues = r.values.as_ref().map_or(0, |v| v.len());
        match r.operator.as_str() {
            "In" | "NotIn" => {
                if nvalues == 0 {
                    errs.push(FieldError::required(
                        format!("{p}.values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if nvalues > 0 {
                    errs.push(FieldError::forbidden(
                        format!("{p}.values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            other => {
                convertible = false;
                errs.push(FieldError::invalid_str(
                    format!("{p}.operator"),
                    other,
                    "not a valid selector operator",
                ));
            }
        }
        for e in qualified_name_errors(&r.key) {
            errs.push(FieldError::invalid_str(format!("{p}.key"), &r.key, e));
        }
        for (j, v) in r.values.iter().flatten().enumerate() {
            for e in label_value_errors(v) {
                convertible = false;
                errs.push(FieldError::invalid_str(format!("{p}.values[{j}]"), v, e));
            }
        }
    }
    (errs, convertible)
}
