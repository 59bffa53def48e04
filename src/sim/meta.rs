//! Small helpers on object metadata shared by components.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

/// Drops owner references to `uid`; an empty list is omitted, as the API serializes it.
pub fn remove_owner_reference(meta: &mut ObjectMeta, uid: &str) {
    if let Some(refs) = meta.owner_references.as_mut() {
        refs.retain(|r| r.uid != uid);
        if refs.is_empty() {
            meta.owner_references = None;
        }
    }
}

/// The same on an object as JSON.
pub fn remove_owner_reference_json(object: &mut Value, uid: &str) {
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let empty = match meta
        .get_mut("ownerReferences")
        .and_then(Value::as_array_mut)
    {
        Some(list) => {
            list.retain(|r| r.get("uid").and_then(Value::as_str) != Some(uid));
            list.is_empty()
        }
        None => false,
    };
    if empty {
        meta.remove("ownerReferences");
    }
}
