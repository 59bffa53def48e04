//! Go `%#v` rendering of the values upstream puts into field error messages (the internal
//! types' field names and pointers, as `field.Invalid` prints them).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{RollingUpdateStatefulSetStrategy, StatefulSetUpdateStrategy};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::super::field_error::quote;

pub(super) fn go_string_map(m: Option<&BTreeMap<String, String>>) -> String {
    match m {
        None => "map[string]string(nil)".to_string(),
        Some(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}:{}", quote(k), quote(v)))
                .collect();
            format!("map[string]string{{{}}}", items.join(", "))
        }
    }
}

fn go_string_slice(v: Option<&Vec<String>>) -> String {
    match v {
        None => "[]string(nil)".to_string(),
        Some(v) => {
            let items: Vec<String> = v.iter().map(|s| quote(s)).collect();
            format!("[]string{{{}}}", items.join(", "))
        }
    }
}

fn go_requirement(r: &LabelSelectorRequirement) -> String {
    format!(
        "v1.LabelSelectorRequirement{{Key:{}, Operator:{}, Values:{}}}",
        quote(&r.key),
        quote(&r.operator),
        go_string_slice(r.values.as_ref())
    )
}

/// `%#v` of a (dereferenced) `metav1.LabelSelector`.
pub fn go_label_selector(s: &LabelSelector) -> String {
    let exprs = match &s.match_expressions {
        None => "[]v1.LabelSelectorRequirement(nil)".to_string(),
        Some(v) => {
            let items: Vec<String> = v.iter().map(go_requirement).collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", items.join(", "))
        }
    };
    format!(
        "v1.LabelSelector{{MatchLabels:{}, MatchExpressions:{}}}",
        go_string_map(s.match_labels.as_ref()),
        exprs
    )
}

const GO_POINTER: &str = "0xc000010000";

/// `%#v` of a (dereferenced) `apps.RollingUpdateStatefulSetStrategy`.
pub fn go_rolling_update(r: &RollingUpdateStatefulSetStrategy) -> String {
    let mu = match &r.max_unavailable {
        None => "(*intstr.IntOrString)(nil)".to_string(),
        Some(_) => format!("(*intstr.IntOrString)({GO_POINTER})"),
    };
    format!(
        "apps.RollingUpdateStatefulSetStrategy{{Partition:{}, MaxUnavailable:{}}}",
        r.partition.unwrap_or(0),
        mu
    )
}

/// `%#v` of an `apps.StatefulSetUpdateStrategy`.
pub fn go_update_strategy(u: &StatefulSetUpdateStrategy) -> String {
    let ru = match &u.rolling_update {
        None => "(*apps.RollingUpdateStatefulSetStrategy)(nil)".to_string(),
        Some(_) => format!("(*apps.RollingUpdateStatefulSetStrategy)({GO_POINTER})"),
    };
    format!(
        "apps.StatefulSetUpdateStrategy{{Type:{}, RollingUpdate:{}}}",
        quote(u.type_.as_deref().unwrap_or("")),
        ru
    )
}

pub(super) fn int_or_string_value(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => quote(s),
    }
}
