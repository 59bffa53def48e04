//! The downward API volume plugin (`pkg/volume/downwardapi` `CollectData`): the file each
//! `items` entry of a `downwardAPI` volume (or of a `projected` volume's `downwardAPI`
//! source) puts at its path. A `fieldRef` gives the field as `fieldpath.ExtractFieldPathAsString`
//! formats it: `metadata.labels` and `metadata.annotations` as `key="value"` lines sorted by
//! key (`FormatMap`, the value quoted as Go's `%q`, no final newline), one key with a
//! subscript (`metadata.labels['app']`), `metadata.name`, `metadata.namespace`,
//! `metadata.uid`; a `resourceFieldRef` gives the container's request or limit divided by
//! the divisor and rounded up, an unset limit being the node's allocatable (as for the
//! environment). The kubelet refreshes the files when the pod's metadata changes; they are
//! read here from the pod as it is now.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{DownwardAPIVolumeFile, Pod};

use super::super::api::validation::split_subscripted_path;
use super::super::world::World;

/// The content of the file an item puts at `relative` (a path inside the volume), `None`
/// when no item lands there.
pub(crate) fn file(
    world: &World,
    pod: &Pod,
    items: &[DownwardAPIVolumeFile],
    relative: &str,
) -> Option<String> {
    let item = items.iter().find(|item| clean(&item.path) == relative)?;
    if let Some(fs) = &item.field_ref {
        return field(world, pod, &fs.field_path);
    }
    let rs = item.resource_field_ref.as_ref()?;
    let container = pod
        .spec
        .as_ref()?
        .containers
        .iter()
        .find(|c| Some(c.name.as_str()) == rs.container_name.as_deref())?;
    Some(super::env::resource_value(world, pod, container, rs))
}

/// `filepath.Clean` of an item's relative path, as `read()` splits paths.
fn clean(path: &str) -> String {
    path.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// `fieldpath.ExtractFieldPathAsString`: the fields a volume may project; `None` for
/// another path (the plugin fails to build the payload, which validation prevents).
fn field(world: &World, pod: &Pod, path: &str) -> Option<String> {
    let meta = &pod.metadata;
    if let Some((head, key)) = split_subscripted_path(path) {
        let map = match head {
            "metadata.labels" => meta.labels.as_ref(),
            "metadata.annotations" => meta.annotations.as_ref(),
            _ => return None,
        };
        return Some(map.and_then(|m| m.get(key)).cloned().unwrap_or_default());
    }
    Some(match path {
        "metadata.labels" => format_map(meta.labels.as_ref()),
        "metadata.annotations" => format_map(meta.annotations.as_ref()),
        "metadata.name" => meta.name.clone().unwrap_or_default(),
        "metadata.namespace" => meta
            .namespace
            .clone()
            .unwrap_or_else(|| world.config.namespace.clone()),
        "metadata.uid" => meta.uid.clone().unwrap_or_default(),
        _ => return None,
    })
}

/// `fieldpath.FormatMap`: `key="value"` lines in key order, without a final newline.
fn format_map(map: Option<&BTreeMap<String, String>>) -> String {
    map.into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Go's `strconv.Quote` (`%q`): a double-quoted string, with `\"`, `\\`, the C escapes,
/// `\xNN` for other control bytes and `\uNNNN` for other characters Go does not print.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
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
    use super::{clean, go_quote};

    #[test]
    fn values_are_quoted_as_go_quotes_them() {
        assert_eq!(go_quote("nginx"), "\"nginx\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("{\"x\":1}\n"), "\"{\\\"x\\\":1}\\n\"");
        assert_eq!(go_quote("\u{1}"), "\"\\x01\"");
        assert_eq!(go_quote("é"), "\"é\"");
    }

    #[test]
    fn item_paths_are_cleaned() {
        assert_eq!(clean("labels"), "labels");
        assert_eq!(clean("./a//b/"), "a/b");
    }
}
