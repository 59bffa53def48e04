//! Checks of `metadata` every kind shares (apimachinery's `api/validation/objectmeta.go`):
//! the name by the kind's rule, the labels, the annotations, the owner references.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use serde_json::{Map, Value};

use super::super::field_error::FieldError;
use super::names::{validate_annotations, validate_labels, validate_object_meta_name};
use super::render::go_json;

/// `ValidateObjectMeta` for what a manifest can get wrong: the name (by the kind's rule),
/// the labels, the annotations. (The owner references are checked for every request
/// before the kind's own validation.)
pub fn validate_object_meta(kind: &str, meta: &ObjectMeta) -> Vec<FieldError> {
    let mut errs = validate_object_meta_name(kind, meta.name.as_deref().unwrap_or(""));
    errs.extend(validate_labels(meta.labels.as_ref(), "metadata.labels"));
    errs.extend(validate_annotations(
        meta.annotations.as_ref(),
        "metadata.annotations",
    ));
    errs
}

const PATH: &str = "metadata.ownerReferences";

/// `schema.FromAPIVersionAndKind`'s group and version: `apps/v1` → (`apps`, `v1`), `v1` →
/// (``, `v1`); an apiVersion with more than one `/` parses to nothing.
fn group_version(api_version: &str) -> (&str, &str) {
    if api_version.is_empty() || api_version == "/" {
        return ("", "");
    }
    match api_version.matches('/').count() {
        0 => ("", api_version),
        1 => api_version.split_once('/').unwrap_or(("", "")),
        _ => ("", ""),
    }
}

/// An owner reference as the API serializes it (its JSON names, in the type's order).
fn reference_value(r: &OwnerReference) -> Value {
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String(r.api_version.clone()));
    obj.insert("kind".into(), Value::String(r.kind.clone()));
    obj.insert("name".into(), Value::String(r.name.clone()));
    obj.insert("uid".into(), Value::String(r.uid.clone()));
    if let Some(c) = r.controller {
        obj.insert("controller".into(), Value::Bool(c));
    }
    if let Some(b) = r.block_owner_deletion {
        obj.insert("blockOwnerDeletion".into(), Value::Bool(b));
    }
    Value::Object(obj)
}

fn invalid_empty(field: &str, value: &str, what: &str) -> FieldError {
    FieldError::invalid_str(
        format!("{PATH}.{field}"),
        value,
        format!("{what} must not be empty"),
    )
}

/// `ValidateOwnerReferences`: each reference has a version, a kind, a name and a uid, and
/// does not name an Event (`BannedOwners`); at most one is the controller. The path carries
/// no index, as upstream's.
pub fn validate_owner_references(refs: &[OwnerReference]) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut first_controller: Option<String> = None;
    for r in refs {
        let (group, version) = group_version(&r.api_version);
        if version.is_empty() {
            errs.push(invalid_empty("apiVersion", &r.api_version, "version"));
        }
        if r.kind.is_empty() {
            errs.push(invalid_empty("kind", &r.kind, "kind"));
        }
        if r.name.is_empty() {
            errs.push(invalid_empty("name", &r.name, "name"));
        }
        if r.uid.is_empty() {
            errs.push(invalid_empty("uid", &r.uid, "uid"));
        }
        if group.is_empty() && version == "v1" && r.kind == "Event" {
            errs.push(FieldError::invalid(
                PATH,
                go_json(&reference_value(r)),
                "/v1, Kind=Event is disallowed from being an owner",
            ));
        }
        if r.controller == Some(true) {
            let current = format!("{}/{}", r.kind, r.name);
            match &first_controller {
                Some(first) => errs.push(FieldError::invalid(
                    PATH,
                    go_json(&Value::Array(refs.iter().map(reference_value).collect())),
                    format!(
                        "Only one reference can have Controller set to true. Found \"true\" in references for {first} and {current}"
                    ),
                )),
                None => first_controller = Some(current),
            }
        }
    }
    errs
}

/// The finalizer names the core API group knows without a domain (`standardFinalizers` in
/// `pkg/apis/core/helper`).
const STANDARD_FINALIZERS: [&str; 3] = ["kubernetes", "orphan", "foregroundDeletion"];

/// `validateKubeFinalizerName`, which the core group's `ValidateObjectMeta` and
/// `ValidateObjectMetaUpdate` (and so every built-in kind) run on each finalizer: a name
/// without a `/` must be a standard one. The path carries the index.
pub fn validate_finalizer_names(finalizers: &[String]) -> Vec<FieldError> {
    finalizers
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.contains('/') && !STANDARD_FINALIZERS.contains(&f.as_str()))
        .map(|(i, f)| {
            FieldError::invalid_str(
                format!("metadata.finalizers[{i}]"),
                f,
                "name is neither a standard finalizer name nor is it fully qualified",
            )
        })
        .collect()
}

/// `ValidateObjectMetaAccessorUpdate` for what a request can send (`rest.BeforeUpdate` has
/// already kept the stored creation time, the deletion timestamp of an object being deleted,
/// an unset uid and an unset grace period): no new finalizer on an object being deleted, and
/// the uid, the deletion timestamp and the deletion grace period are immutable.
pub fn validate_object_meta_update(new: &ObjectMeta, old: &ObjectMeta) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if old.deletion_timestamp.is_some() {
        let old_finalizers = old.finalizers.as_deref().unwrap_or_default();
        let mut extra: Vec<&str> = new
            .finalizers
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|f| !old_finalizers.iter().any(|o| o == f))
            .collect();
        extra.sort_unstable();
        extra.dedup();
        if !extra.is_empty() {
            let list: Vec<String> = extra
                .iter()
                .map(|f| super::super::field_error::quote(f))
                .collect();
            errs.push(FieldError::forbidden(
                "metadata.finalizers",
                format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                    list.join(", ")
                ),
            ));
        }
    }
    if new.uid != old.uid {
        errs.push(FieldError::invalid_str(
            "metadata.uid",
            new.uid.as_deref().unwrap_or(""),
            "field is immutable",
        ));
    }
    if new.deletion_timestamp != old.deletion_timestamp {
        let value = new
            .deletion_timestamp
            .as_ref()
            .map_or_else(|| "null".to_string(), |t| go_time_string(&t.0));
        errs.push(FieldError::invalid(
            "metadata.deletionTimestamp",
            value,
            "field is immutable",
        ));
    }
    if new.deletion_grace_period_seconds != old.deletion_grace_period_seconds {
        let value = new
            .deletion_grace_period_seconds
            .map_or_else(|| "null".to_string(), |s| s.to_string());
        errs.push(FieldError::invalid(
            "metadata.deletionGracePeriodSeconds",
            value,
            "field is immutable",
        ));
    }
    errs
}

/// Go's `time.Time.String()` of a UTC time (`metav1.Time` is a `fmt.Stringer`, which
/// `field.Invalid` prints): `2026-12-07 09:00:00 +0000 UTC`, the fraction only when not zero.
fn go_time_string(t: &k8s_openapi::jiff::Timestamp) -> String {
    let mut out = t.strftime("%Y-%m-%d %H:%M:%S").to_string();
    let nanos = t.subsec_nanosecond();
    if nanos > 0 {
        let fraction = format!("{nanos:09}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push_str(" +0000 UTC");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(api_version: &str, kind: &str, name: &str, uid: &str) -> OwnerReference {
        OwnerReference {
            api_version: api_version.into(),
            kind: kind.into(),
            name: name.into(),
            uid: uid.into(),
            controller: Some(true),
            ..Default::default()
        }
    }

    #[test]
    fn empty_fields_and_two_controllers() {
        let texts = |refs: &[OwnerReference]| -> Vec<String> {
            validate_owner_references(refs)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            texts(&[reference("apps/v1", "StatefulSet", "web", "")]),
            ["metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty"]
        );
        assert_eq!(
            texts(&[reference("apps/", "", "web", "u")]),
            [
                "metadata.ownerReferences.apiVersion: Invalid value: \"apps/\": version must not be empty",
                "metadata.ownerReferences.kind: Invalid value: \"\": kind must not be empty",
            ]
        );
        let two = [
            reference("apps/v1", "StatefulSet", "a", "1"),
            reference("apps/v1", "StatefulSet", "b", "2"),
        ];
        assert_eq!(
            texts(&two),
            ["metadata.ownerReferences: Invalid value: [{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"name\":\"a\",\"uid\":\"1\",\"controller\":true},{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"name\":\"b\",\"uid\":\"2\",\"controller\":true}]: Only one reference can have Controller set to true. Found \"true\" in references for StatefulSet/a and StatefulSet/b"]
        );
        assert!(texts(&[reference("v1", "Pod", "p", "u")]).is_empty());
        assert_eq!(
            texts(&[reference("v1", "Event", "e", "u")]).len(),
            1,
            "an Event cannot own"
        );
    }
}
