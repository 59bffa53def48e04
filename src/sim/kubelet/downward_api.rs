//! The `downwardAPI` volume plugin (`pkg/volume/downwardapi`), also a projected volume's
//! `downwardAPI` source: `CollectData` gives one file per item, at its cleaned path, holding
//! the pod field (`fieldpath.ExtractFieldPathAsString`: `metadata.name`, `namespace`, `uid`,
//! a label or annotation by subscript, or all labels or annotations as `key="value"` lines)
//! or a container's resource (`ExtractResourceValueByContainerNameAndNodeAllocatable`),
//! each value's lines sorted (`sortLines`). An item whose value cannot be extracted (a
//! container the pod does not have) is the plugin's error: `MountVolume.SetUp` fails.
//!
//! The files are computed when read, from the pod as the API holds it now (the kubelet
//! rewrites them when the pod's labels or annotations change, at its next sync of the pod).
//! File modes are not simulated (nothing in a container reads them).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{DownwardAPIVolumeFile, Pod};

use super::super::api::validation::split_subscripted_path;
use super::super::world::World;

/// `CollectData`: every item's file by its cleaned path, or the plugin's error (one error as
/// it is, several as `utilerrors.NewAggregate` joins them).
pub(crate) fn collect_data(
    world: &World,
    pod: &Pod,
    items: &[DownwardAPIVolumeFile],
) -> Result<BTreeMap<String, String>, String> {
    let mut data = BTreeMap::new();
    let mut errors: Vec<String> = Vec::new();
    for item in items {
        let value = if let Some(fs) = &item.field_ref {
            field_path_as_string(world, pod, &fs.field_path)
        } else if let Some(rs) = &item.resource_field_ref {
            let name = rs.container_name.as_deref().unwrap_or("");
            let spec = pod.spec.as_ref();
            let container = spec.and_then(|s| {
                s.containers
                    .iter()
                    .chain(s.init_containers.iter().flatten())
                    .find(|c| c.name == name)
            });
            match container {
                Some(c) => Ok(super::env::resource_value(world, pod, c, rs)),
                None => Err(format!("container {name} not found")),
            }
        } else {
            Ok(String::new())
        };
        match value {
            Ok(v) => {
                data.insert(clean(&item.path), sort_lines(&v));
            }
            Err(e) => errors.push(e),
        }
    }
    match errors.len() {
        0 => Ok(data),
        1 => Err(errors.remove(0)),
        _ => Err(format!("[{}]", errors.join(", "))),
    }
}

/// `fieldpath.ExtractFieldPathAsString` for the fields a volume may read.
fn field_path_as_string(world: &World, pod: &Pod, path: &str) -> Result<String, String> {
    let meta = &pod.metadata;
    if let Some((head, key)) = split_subscripted_path(path) {
        let map = match head {
            "metadata.annotations" => meta.annotations.as_ref(),
            "metadata.labels" => meta.labels.as_ref(),
            _ => return Err(format!("fieldPath \"{path}\" does not support subscript")),
        };
        return Ok(map.and_then(|m| m.get(key)).cloned().unwrap_or_default());
    }
    match path {
        "metadata.annotations" => Ok(format_map(meta.annotations.as_ref())),
        "metadata.labels" => Ok(format_map(meta.labels.as_ref())),
        "metadata.name" => Ok(meta.name.clone().unwrap_or_default()),
        "metadata.namespace" => Ok(meta
            .namespace
            .clone()
            .unwrap_or_else(|| world.config.namespace.clone())),
        "metadata.uid" => Ok(meta.uid.clone().unwrap_or_default()),
        other => Err(format!("unsupported fieldPath: {other}")),
    }
}

/// `fieldpath.FormatMap`: one `key="value"` line per entry (the value quoted as Go's `%q`),
/// keys sorted, no final newline.
fn format_map(map: Option<&BTreeMap<String, String>>) -> String {
    map.into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `sortLines`: the value's lines sorted bytewise (so `a.b="…"` comes before `a="…"`).
fn sort_lines(value: &str) -> String {
    let mut lines: Vec<&str> = value.split('\n').collect();
    lines.sort_unstable();
    lines.join("\n")
}

/// `path.Clean` of a relative path (validation has refused absolute ones and `..`).
fn clean(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// Go's `strconv.Quote`: `"` and `\` escaped, the C escapes for `\a\b\f\n\r\t\v`, other
/// control characters as `\x..` (below U+0080) or `\u....`, everything else as it is.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_are_quoted_lines_sorted_bytewise() {
        let mut m = BTreeMap::new();
        m.insert("a".to_string(), "x".to_string());
        m.insert("a.b".to_string(), "say \"hi\"\nthere".to_string());
        let text = sort_lines(&format_map(Some(&m)));
        assert_eq!(text, "a.b=\"say \\\"hi\\\"\\nthere\"\na=\"x\"");
        assert_eq!(sort_lines("b\na"), "a\nb");
        assert_eq!(go_quote("tab\there\u{1}"), "\"tab\\there\\x01\"");
        assert_eq!(clean("./a//b/"), "a/b");
    }
}
