//! The kubelet's ConfigMap and Secret managers (`pkg/kubelet/configmap`,
//! `pkg/kubelet/secret`): what a pod's environment (`env.rs`) and its `configMap`, `secret`
//! and `projected` volumes (`volume_manager.rs`) read from the API. A missing object is the
//! manager's NotFound error, worded as upstream's (`configmap "x" not found`: the managers
//! name the resource in the singular).

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::kinds::ObjectKind;
use super::super::world::World;

/// Which of the two kinds a reference names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    ConfigMap,
    Secret,
}

impl Source {
    fn kind(self) -> &'static str {
        match self {
            Source::ConfigMap => "ConfigMap",
            Source::Secret => "Secret",
        }
    }

    /// The managers' resource name in NotFound errors.
    fn resource(self) -> &'static str {
        match self {
            Source::ConfigMap => "configmap",
            Source::Secret => "secret",
        }
    }

    /// `configmap "x" not found`, `secret "x" not found`.
    pub fn not_found(self, name: &str) -> String {
        format!("{} \"{name}\" not found", self.resource())
    }
}

/// The object's keys and their values as text (`data` and, for a ConfigMap, `binaryData`;
/// a Secret's `data` decoded from base64); `None` when the object does not exist.
pub(crate) fn data(world: &World, source: Source, name: &str) -> Option<BTreeMap<String, String>> {
    let body = world
        .store
        .written_body(&ObjectKind::from_kind(source.kind()), name)?;
    let mut out = BTreeMap::new();
    let text = |value: &Value| -> String {
        match (source, value) {
            (Source::Secret, Value::String(b64)) => decode_base64(b64),
            (_, Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        }
    };
    for (key, value) in body
        .get("data")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        out.insert(key.clone(), text(value));
    }
    if source == Source::ConfigMap {
        for (key, value) in body
            .get("binaryData")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let bytes = match value {
                Value::String(b64) => decode_base64(b64),
                other => other.to_string(),
            };
            out.insert(key.clone(), bytes);
        }
    }
    Some(out)
}

/// A ConfigMap's `data` only: what an environment variable may read
/// (`makeEnvironmentVariables` looks in `configMap.Data`).
pub(crate) fn env_data(
    world: &World,
    source: Source,
    name: &str,
) -> Option<BTreeMap<String, String>> {
    let mut all = data(world, source, name)?;
    if source == Source::ConfigMap {
        let body = world
            .store
            .to_json(&ObjectKind::from_kind(source.kind()), name)?;
        let plain = body.get("data").and_then(Value::as_object);
        all.retain(|k, _| plain.is_some_and(|d| d.contains_key(k)));
    }
    Some(all)
}

/// Base64 as the API encodes `[]byte`, decoded with the same codec k8s-openapi uses; text
/// that is not valid base64 (or not UTF-8 once decoded) is shown as it is.
fn decode_base64(b64: &str) -> String {
    match serde_json::from_value::<k8s_openapi::ByteString>(Value::String(b64.to_string())) {
        Ok(bytes) => String::from_utf8(bytes.0).unwrap_or_else(|_| b64.to_string()),
        Err(_) => b64.to_string(),
    }
}
