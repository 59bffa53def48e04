//! `kubectl apply` (client-side): a three-way strategic merge between the last-applied
//! configuration, the file and the live object.

use serde_json::{Map, Value};

use super::patch::{list_strategy, normalize_element_order, retain_keys, ListStrategy};

/// The annotation kubectl keeps the applied configuration in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The last-applied configuration stored on `live`, if any (and if it parses).
#[cfg_attr(not(test), allow(dead_code))]
pub fn last_applied(live: &Value) -> Option<Value> {
    let text = live
        .pointer("/metadata/annotations")?
        .get(LAST_APPLIED)?
        .as_str()?;
    serde_json::from_str(text).ok()
}

/// The configuration kubectl stores: `modified` without the last-applied annotation (an empty
/// `annotations: {}` stays, as kubectl writes it), as compact JSON with sorted keys and the
/// newline Go's `json.Encoder` ends it with (`runtime.Encode` in
/// `GetModifiedConfiguration`), which `kubectl get -o yaml` shows as a `|` block; the
/// encoder's HTML escapes included.
pub fn applied_configuration(modified: &Value) -> String {
    let mut m = modified.clone();
    if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(a) = annotations.as_object_mut() {
            a.remove(LAST_APPLIED);
        } else {
            *annotations = Value::Object(Map::new());
        }
    }
    let mut text = super::canonical::to_go_json(&m);
    text.push('\n');
    text
}

/// kubectl client-side apply of `modified` (the file's object) onto `live` (the server's
/// object; `Value::Null` when it does not exist yet), given the configuration applied last
/// time. Fields present in `last_applied` but absent from `modified` are deleted; fields in
/// `modified` are set (lists with a merge key merge item by item); everything else on `live`
/// (status, fields other writers set) is kept. The result carries the new last-applied
/// annotation.
pub fn apply_patch(
    last_applied: Option<&Value>,
    modified: &Value,
    live: &Value,
    kind: &str,
) -> Result<Value, String> {
    let Value::Object(mm) = modified else {
        return Err("error: the applied configuration must be an object".into());
    };
    // As kubectl, the configuration merged always carries `metadata.annotations` (it holds the
    // new last-applied annotation), so annotations other writers set are never dropped.
    let mut mod_clean = mm.clone();
    if let Some(meta) = mod_clean.get_mut("metadata").and_then(Value::as_object_mut) {
        let ann = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        match ann.as_object_mut() {
            Some(a) => {
                a.remove(LAST_APPLIED);
            }
            None => *ann = Value::Object(Map::new()),
        }
    }
    let empty = Map::new();
    let live_map = live.as_object().unwrap_or(&empty);
    let last_map = last_applied.and_then(Value::as_object);
    let mut out = merge3_map(last_map, &mod_clean, live_map, kind, &mut Vec::new(), false);
    let config = applied_configuration(modified);
    let meta = out
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    if let Some(meta) = meta.as_object_mut() {
        let ann = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if !ann.is_object() {
            *ann = Value::Object(Map::new());
        }
        if let Some(ann) = ann.as_object_mut() {
            ann.insert(LAST_APPLIED.to_string(), Value::String(config));
        }
    }
    Ok(Value::Object(out))
}

fn merge3_map(
    last: Option<&Map<String, Value>>,
    modified: &Map<String, Value>,
    live: &Map<String, Value>,
    kind: &str,
    path: &mut Vec<String>,
    retain: bool,
) -> Map<String, Value> {
    let mut out = live.clone();
    // A map whose field has the `retainKeys` patch strategy: kubectl's three-way patch
    // (strategicpatch `diffMaps` with `BuildRetainKeysDirective`) carries
    // `"$retainKeys": [the file's keys whose value is not null]`, sent when the file's map has
    // such a key and the patch of the map is not empty or the live (or last-applied) map has
    // a key the file's has not (`hasAdditionalNewField`); the API server
    // (`applyRetainKeysDirective`) then drops every other key of the live map. When it is not
    // sent, the live keys are the file's already, so dropping the others is the same.
    if retain && modified.values().any(|v| !v.is_null()) {
        out.retain(|k, _| modified.get(k).is_some_and(|v| !v.is_null()));
    }
    if let Some(last) = last {
        for k in last.keys() {
            if !modified.contains_key(k) {
                out.remove(k);
            }
        }
    }
    for (k, mv) in modified {
        if mv.is_null() {
            out.remove(k);
            continue;
        }
        let lv = last.and_then(|l| l.get(k));
        let merged = merge3_value(lv, mv, live.get(k), kind, path, k);
        out.insert(k.clone(), merged);
    }
    out
}

fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

fn merge3_value(
    last: Option<&Value>,
    modified: &Value,
    live: Option<&Value>,
    kind: &str,
    path: &mut Vec<String>,
    key: &str,
) -> Value {
    match (modified, live) {
        (Value::Object(mm), Some(Value::Object(lm))) => {
            let retain = retain_keys(kind, path, key);
            path.push(key.to_string());
            let r = merge3_map(last.and_then(Value::as_object), mm, lm, kind, path, retain);
            path.pop();
            Value::Object(r)
        }
        (Value::Array(ml), Some(Value::Array(ll))) => {
            let strategy = list_strategy(kind, path, key);
            let retain = retain_keys(kind, path, key);
            path.push(key.to_string());
            let last_list = last.and_then(Value::as_array).map(Vec::as_slice);
            let r = merge3_list(last_list, ml, ll, strategy, kind, path, retain);
            path.pop();
            Value::Array(r)
        }
        _ => strip_nulls(modified),
    }
}

fn merge3_list(
    last: Option<&[Value]>,
    modified: &[Value],
    live: &[Value],
    strategy: ListStrategy,
    kind: &str,
    path: &mut Vec<String>,
    retain: bool,
) -> Vec<Value> {
    match strategy {
        ListStrategy::Replace => modified.iter().map(strip_nulls).collect(),
        ListStrategy::MergeScalars => {
            let removed: Vec<&Value> = last
                .unwrap_or(&[])
                .iter()
                .filter(|v| !modified.contains(v))
                .collect();
            let mut out: Vec<Value> = live
                .iter()
                .filter(|v| !removed.contains(v))
                .cloned()
                .collect();
            for v in modified {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            normalize_element_order(out, modified, live, None)
        }
        ListStrategy::MergeKey(mk) => {
            let key_of = |v: &Value| v.get(mk).cloned();
            let mod_keys: Vec<Option<Value>> = modified.iter().map(key_of).collect();
            // Items the last configuration had and the file dropped are deleted.
            let removed: Vec<Value> = last
                .unwrap_or(&[])
                .iter()
                .filter_map(key_of)
                .filter(|k| !mod_keys.contains(&Some(k.clone())))
                .collect();
            let mut out: Vec<Value> = live
                .iter()
                .filter(|v| key_of(v).is_none_or(|k| !removed.contains(&k)))
                .cloned()
                .collect();
            for (mi, item) in modified.iter().enumerate() {
                let k = &mod_keys[mi];
                // A key the file repeats (two ports on one containerPort, which the API
                // server only warns about) pairs its n-th item with the n-th item of that
                // key on the server, as the diff of two lists sorted by key walks them.
                let nth = mod_keys[..mi].iter().filter(|o| *o == k).count();
                let live_pos = k.as_ref().and_then(|k| {
                    out.iter()
                        .enumerate()
                        .filter(|(_, o)| key_of(o).as_ref() == Some(k))
                        .nth(nth)
                        .map(|(p, _)| p)
                });
                let last_item = k.as_ref().and_then(|k| {
                    last.unwrap_or(&[])
                        .iter()
                        .filter(|o| key_of(o).as_ref() == Some(k))
                        .nth(nth)
                });
                let merged = match (item, live_pos.map(|p| &out[p])) {
                    (Value::Object(mm), Some(Value::Object(lm))) => Value::Object(merge3_map(
                        last_item.and_then(Value::as_object),
                        mm,
                        lm,
                        kind,
                        path,
                        retain,
                    )),
                    _ => strip_nulls(item),
                };
                match live_pos {
                    Some(p) => out[p] = merged,
                    None => out.push(merged),
                }
            }
            // kubectl's patch carries `$setElementOrder` with the file's order whenever the
            // list differs from the live one: the file's items in its order, the items only
            // the server has where they were.
            normalize_element_order(out, modified, live, Some(mk))
        }
    }
}
