//! `expect KIND/NAME matches """…"""`: a partial object match as kuttl asserts do: maps
//! are subset-matched, lists element by element (same length), scalars by text.

use serde_json::Value;

use super::exec_check::Check;
use super::load::parse_yaml_documents;
use super::query::scalar_text;
use crate::sim::kinds::ObjectKind;
use crate::sim::World;

pub fn check(
    world: &World,
    kind: &ObjectKind,
    name: &str,
    document: &str,
) -> Result<Check, String> {
    let docs = parse_yaml_documents(document)
        .map_err(|(m, l, c)| format!("the document is not valid YAML at {l}:{c}: {m}"))?;
    let Some(wanted) = docs.into_iter().next().map(|d| d.value) else {
        return Err("the document is empty".into());
    };
    let expected = to_yaml(&wanted);
    let Some(object) = world.store.to_json(kind, name) else {
        return Ok(Check {
            ok: false,
            expected,
            actual: format!("{}/{name}: absent\n", kind.name().to_lowercase()),
            message: format!("{}/{name} does not exist", kind.name().to_lowercase()),
        });
    };
    let ok = subset(&wanted, &object);
    let actual = to_yaml(&project(&wanted, &object));
    Ok(Check {
        ok,
        expected,
        actual,
        message: "the object does not match the document".into(),
    })
}

fn subset(wanted: &Value, actual: &Value) -> bool {
    match (wanted, actual) {
        (Value::Object(w), Value::Object(a)) => w.iter().all(|(k, v)| match a.get(k) {
            Some(av) => subset(v, av),
            None => v.is_null(),
        }),
        (Value::Array(w), Value::Array(a)) => {
            w.len() == a.len() && w.iter().zip(a).all(|(w, a)| subset(w, a))
        }
        (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => false,
        (w, a) => scalar_text(w) == scalar_text(a),
    }
}

/// The part of `actual` that has the shape of `wanted`, so a diff shows only what was asked.
fn project(wanted: &Value, actual: &Value) -> Value {
    match (wanted, actual) {
        (Value::Object(w), Value::Object(a)) => {
            let mut out = serde_json::Map::new();
            for (k, v) in w {
                if let Some(av) = a.get(k) {
                    out.insert(k.clone(), project(v, av));
                }
            }
            Value::Object(out)
        }
        (Value::Array(w), Value::Array(a)) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, av)| match w.get(i) {
                    Some(wv) => project(wv, av),
                    None => av.clone(),
                })
                .collect(),
        ),
        (w, a)
            if !a.is_object()
                && !a.is_array()
                && !w.is_object()
                && !w.is_array()
                && scalar_text(w) == scalar_text(a) =>
        {
            w.clone()
        }
        (_, a) => a.clone(),
    }
}

fn to_yaml(value: &Value) -> String {
    serde_yaml::to_string(value).unwrap_or_else(|_| value.to_string())
}
