//! Values inside field error messages, rendered as upstream's `field.Error` does since
//! v1.34 (kubernetes#132314): a string quoted, a number bare, anything else — a map, a
//! list, a structure — as Go's `json.Marshal` writes it. Validation runs on the internal
//! types, which have no JSON tags, so an internal structure keeps its Go field names
//! (`{"Partition":0,"MaxUnavailable":null}`), while a `metav1` one (a label selector) has
//! its API names and omits what is empty.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{RollingUpdateStatefulSetStrategy, StatefulSetUpdateStrategy};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{Map, Value};

use super::super::field_error::quote;

/// Go's `json.Marshal` of a value: serde's JSON with `<`, `>` and `&` escaped as Go's HTML-safe
/// encoder writes them (they can only occur inside strings).
pub(crate) fn go_json(value: &Value) -> String {
    let s = serde_json::to_string(value).unwrap_or_default();
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A `map[string]string` (labels): its JSON, `null` when unset. Go sorts map keys, as the
/// `BTreeMap` does.
pub(super) fn json_string_map(m: Option<&BTreeMap<String, String>>) -> String {
    match m {
        None => "null".to_string(),
        Some(m) => go_json(&serde_json::json!(m)),
    }
}

/// A `metav1.LabelSelector` as JSON: `matchLabels` and `matchExpressions` omitted when empty
/// (`omitempty`), a requirement's `values` too.
pub(crate) fn label_selector_value(s: &LabelSelector) -> Value {
    let mut obj = Map::new();
    if let Some(labels) = s.match_labels.as_ref().filter(|m| !m.is_empty()) {
        obj.insert("matchLabels".into(), serde_json::json!(labels));
    }
    if let Some(exprs) = s.match_expressions.as_ref().filter(|v| !v.is_empty()) {
        let items = exprs
            .iter()
            .map(|r| {
                let mut req = Map::new();
                req.insert("key".into(), Value::String(r.key.clone()));
                req.insert("operator".into(), Value::String(r.operator.clone()));
                if let Some(values) = r.values.as_ref().filter(|v| !v.is_empty()) {
                    req.insert("values".into(), serde_json::json!(values));
                }
                Value::Object(req)
            })
            .collect();
        obj.insert("matchExpressions".into(), Value::Array(items));
    }
    Value::Object(obj)
}

/// The JSON of a (dereferenced) `metav1.LabelSelector`.
pub fn json_label_selector(s: &LabelSelector) -> String {
    go_json(&label_selector_value(s))
}

/// An `intstr.IntOrString` as its JSON: a number or a string.
pub(crate) fn int_or_string_json(v: &IntOrString) -> Value {
    match v {
        IntOrString::Int(i) => Value::from(*i),
        IntOrString::String(s) => Value::String(s.clone()),
    }
}

fn rolling_update_value(r: &RollingUpdateStatefulSetStrategy) -> Value {
    // Keys in the internal type's field order (serde_json's `preserve_order` keeps it).
    let mut obj = Map::new();
    obj.insert("Partition".into(), Value::from(r.partition.unwrap_or(0)));
    obj.insert(
        "MaxUnavailable".into(),
        r.max_unavailable
            .as_ref()
            .map_or(Value::Null, int_or_string_json),
    );
    Value::Object(obj)
}

/// The JSON of a (dereferenced) internal `apps.RollingUpdateStatefulSetStrategy`.
pub fn json_rolling_update(r: &RollingUpdateStatefulSetStrategy) -> String {
    go_json(&rolling_update_value(r))
}

/// The JSON of an internal `apps.StatefulSetUpdateStrategy`.
pub fn json_update_strategy(u: &StatefulSetUpdateStrategy) -> String {
    let mut obj = Map::new();
    obj.insert(
        "Type".into(),
        Value::String(u.type_.clone().unwrap_or_default()),
    );
    obj.insert(
        "RollingUpdate".into(),
        u.rolling_update
            .as_ref()
            .map_or(Value::Null, rolling_update_value),
    );
    go_json(&Value::Object(obj))
}

pub(super) fn int_or_string_value(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => quote(s),
    }
}
