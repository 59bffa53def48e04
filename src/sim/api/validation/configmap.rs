//! ConfigMap and Secret validation (`ValidateConfigMap`, `ValidateSecret` in upstream
//! `pkg/apis/core/validation`): the metadata, each key a file name a volume can hold, and a
//! Secret's type-specific keys. Both kinds are stored as written otherwise.

use serde_json::Value;

use super::super::field_error::FieldError;
use super::names::config_map_key_errors;

/// The keys of a `data`-like map of the body, in order (Go visits a map in no fixed order;
/// the sorted one keeps the errors deterministic).
fn keys<'a>(body: &'a Value, field: &str) -> Vec<&'a str> {
    let mut keys: Vec<&str> = body
        .get(field)
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

fn key_errors(path: &str, key: &str) -> Vec<FieldError> {
    config_map_key_errors(key)
        .into_iter()
        .map(|m| FieldError::invalid_str(format!("{path}[{key}]"), key, m))
        .collect()
}

/// `ValidateConfigMap` after the metadata: every key of `data` and `binaryData` is a valid
/// config key, and no key is in both.
pub fn validate_config_map(body: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let binary = keys(body, "binaryData");
    for key in keys(body, "data") {
        errs.extend(key_errors("data", key));
        if binary.contains(&key) {
            errs.push(FieldError::invalid_str(
                format!("data[{key}]"),
                key,
                "duplicate of key present in binaryData",
            ));
        }
    }
    for key in binary {
        errs.extend(key_errors("binaryData", key));
    }
    errs
}

/// `ValidateSecret` after the metadata (on the body whose `stringData` is already merged
/// into `data`, as the API's conversion does): every key is a valid config key, and a
/// typed Secret has the keys its type needs. (Upstream writes two of the paths with a
/// literal `[%s]`: `data[%s][username]`.)
pub fn validate_secret(body: &Value) -> Vec<FieldError> {
    let data = keys(body, "data");
    let mut errs: Vec<FieldError> = data.iter().flat_map(|k| key_errors("data", k)).collect();
    let has = |key: &str| data.contains(&key);
    let required = |path: String| FieldError::required(path, "");
    match body.get("type").and_then(Value::as_str).unwrap_or("") {
        "kubernetes.io/service-account-token" => {
            let name = body
                .pointer("/metadata/annotations/kubernetes.io~1service-account.name")
                .and_then(Value::as_str)
                .unwrap_or("");
            if name.is_empty() {
                errs.push(required(
                    "metadata.annotations[kubernetes.io/service-account.name]".into(),
                ));
            }
        }
        "kubernetes.io/dockercfg" if !has(".dockercfg") => {
            errs.push(required("data[.dockercfg]".into()));
        }
        "kubernetes.io/dockerconfigjson" if !has(".dockerconfigjson") => {
            errs.push(required("data[.dockerconfigjson]".into()));
        }
        "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
            errs.push(required("data[%s][username]".into()));
            errs.push(required("data[%s][password]".into()));
        }
        "kubernetes.io/ssh-auth" => {
            let empty = body
                .pointer("/data/ssh-privatekey")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty);
            if empty {
                errs.push(required("data[%s][ssh-privatekey]".into()));
            }
        }
        "kubernetes.io/tls" => {
            for key in ["tls.crt", "tls.key"] {
                if !has(key) {
                    errs.push(required(format!("data[{key}]")));
                }
            }
        }
        _ => {}
    }
    errs
}

const IMMUTABLE_MSG: &str = "field is immutable when `immutable` is set";

/// The update rules of `ValidateConfigMapUpdate` / `ValidateSecretUpdate` before the
/// object's own validation: a Secret keeps its type, and an object marked `immutable` keeps
/// that mark and its data.
pub fn validate_data_update(kind: &str, new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if kind == "Secret" {
        // The type defaults to Opaque.
        let type_of = |v: &Value| {
            v.get("type")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .unwrap_or("Opaque")
                .to_string()
        };
        let (t, was) = (type_of(new), type_of(old));
        if t != was {
            errs.push(FieldError::invalid_str("type", &t, "field is immutable"));
        }
    }
    if old.get("immutable").and_then(Value::as_bool) == Some(true) {
        if new.get("immutable").and_then(Value::as_bool) != Some(true) {
            errs.push(FieldError::forbidden("immutable", IMMUTABLE_MSG));
        }
        let fields: &[&str] = if kind == "Secret" {
            &["data"]
        } else {
            &["data", "binaryData"]
        };
        for field in fields {
            let empty = |v: Option<&Value>| {
                v.is_none_or(|v| v.is_null() || v == &Value::Object(Default::default()))
            };
            let (a, b) = (new.get(*field), old.get(*field));
            if a != b && !(empty(a) && empty(b)) {
                errs.push(FieldError::forbidden(*field, IMMUTABLE_MSG));
            }
        }
    }
    errs
}
