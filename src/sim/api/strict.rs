//! Unknown-field detection, as `kubectl apply --validate=strict` (the server's strict field
//! validation) reports it.
//!
//! Technique: decode into the typed k8s-openapi object through a probe that sees each key
//! the type skips (`fields.rs`), and report it whatever its value (null, `[]` and `{}`
//! included, as the API server's strict decoder does). The round trip through the type (decode, encode) that the first
//! design compared against is test-only: the tests check the kinds' decoding with it, and
//! the probe against it.

use serde_json::Value;

use super::{fields, kinds};

#[cfg(test)]
pub(crate) fn roundtrip_as<T: serde::de::DeserializeOwned + serde::Serialize>(
    input: &Value,
) -> Result<Value, String> {
    // Decoded from the borrowed value: the same decoder and messages as `from_value`,
    // without copying the object first.
    let t = <T as serde::Deserialize>::deserialize(input).map_err(|e| e.to_string())?;
    serde_json::to_value(&t).map_err(|e| e.to_string())
}

/// Decodes `input` as `kind` and encodes it again. `Err` carries the decoder's message (wrong
/// types, wrong apiVersion) or `unknown kind`.
#[cfg(test)]
pub fn roundtrip(kind: &str, input: &Value) -> Result<Value, String> {
    match kinds::by_kind(kind) {
        Some(info) => info.api.roundtrip(input),
        None => Err(format!("unknown kind {kind:?}")),
    }
}

/// Field paths of `input` (e.g. `spec.template.spec.containers[0].imagee`) that the schema of
/// `kind` does not know, whatever their value. Empty when the input does not
/// decode at all (that error is reported by [`decode_error_message`]) or the kind is
/// unknown.
pub fn unknown_fields(kind: &str, input: &Value) -> Vec<String> {
    unknown_paths(kind, input)
        .iter()
        .map(|segments| fields::render(segments))
        .collect()
}

/// In the order the server's decoder meets them: kubectl sends the object as Go's
/// `json.Marshal` writes it, every object's keys sorted, so a manifest's
/// `{zzz, containers, aaa}` is reported `aaa` first.
fn unknown_paths(kind: &str, input: &Value) -> Vec<Vec<fields::Segment>> {
    let mut paths =
        kinds::by_kind(kind).map_or_else(Vec::new, |info| info.api.unknown_fields(input));
    paths.sort();
    paths
}

/// The order the API server's converter reports unknown fields in, for a strategic merge
/// patch (`applyPatchToObject` → `FromUnstructuredWithValidation`, which sorts its errors by
/// their text, `unknown field "<path>"`), where the decoder of a create, a JSON merge or a
/// JSON patch reports them in the order of the JSON it reads (every object's keys sorted,
/// a list's items by index: [`unknown_fields`]). The two differ for a list of more than ten
/// items (`containers[10]` sorts before `containers[2]`) and for a key with a character
/// below `.` (`metadata-x` before `metadata.foo`).
pub fn converter_order(paths: &mut [String]) {
    paths.sort_by_cached_key(|p| format!("unknown field \"{p}\""));
}

/// What the API server does with unknown fields when the request asks it to warn
/// (`fieldValidation=Warn`, the default of a request without the directive): the decoded
/// object has none of them. Removes them from `input` and returns their paths, for the
/// warnings `unknown field "spec.replica"`.
pub fn drop_unknown_fields(kind: &str, input: &mut Value) -> Vec<String> {
    let paths = unknown_paths(kind, input);
    for segments in &paths {
        fields::remove(input, segments);
    }
    paths
        .iter()
        .map(|segments| fields::render(segments))
        .collect()
}

fn version_of(kind: &str) -> &'static str {
    let api_version = kinds::by_kind(kind).map_or("v1", |k| k.api_version);
    match api_version.rsplit_once('/') {
        Some((_, v)) => v,
        None => api_version,
    }
}

/// The server's text for unknown fields: `StatefulSet in version "v1" cannot be handled as a
/// StatefulSet: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`.
pub fn strict_decoding_message(kind: &str, errors: &[String]) -> String {
    let list: Vec<String> = errors
        .iter()
        .map(|e| format!("unknown field \"{e}\""))
        .collect();
    format!(
        "{kind} in version \"{}\" cannot be handled as a {kind}: strict decoding error: {}",
        version_of(kind),
        list.join(", ")
    )
}

/// The server's text for an object that does not decode (wrong value types), or `None`
/// (the server words it in `server::decode`; this checks the wording on its own).
#[cfg(test)]
pub fn decode_error_message(kind: &str, input: &Value) -> Option<String> {
    roundtrip(kind, input).err().map(|e| {
        format!(
            "{kind} in version \"{}\" cannot be handled as a {kind}: {e}",
            version_of(kind)
        )
    })
}
