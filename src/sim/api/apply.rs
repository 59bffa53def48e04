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

/// What to leave out of a diff (strategicpatch `DiffOptions`).
#[derive(Clone, Copy)]
struct DiffOptions {
    ignore_changes_and_additions: bool,
    ignore_deletions: bool,
    build_retain_keys: bool,
}

/// The patch kubectl's client-side apply sends: strategicpatch `CreateThreeWayMergePatch` of
/// the last-applied configuration (`original`; `None` when the live object has none), the
/// file's object as kubectl encodes it with the new annotation (`modified`) and the live
/// object (`current`): the changes and additions from `current` to `modified`, merged into the
/// deletions from `original` to `modified`, each list that changes with its
/// `$setElementOrder`, as Go's `json.Marshal` writes it (sorted keys, HTML escapes).
/// kubectl quotes it when the server refuses it (`error when applying patch:`).
pub fn three_way_patch(
    original: Option<&Value>,
    modified: &Value,
    current: &Value,
    kind: &str,
) -> String {
    super::canonical::to_go_json(&three_way_patch_value(original, modified, current, kind))
}

/// [`three_way_patch`] as a JSON value.
pub fn three_way_patch_value(
    original: Option<&Value>,
    modified: &Value,
    current: &Value,
    kind: &str,
) -> Value {
    let empty = Map::new();
    let as_map = |v: Option<&Value>| v.and_then(Value::as_object).unwrap_or(&empty).clone();
    let original = as_map(original);
    let modified = as_map(Some(modified));
    let current = as_map(Some(current));
    let delta = diff_maps(
        &current,
        &modified,
        kind,
        &mut Vec::new(),
        DiffOptions {
            ignore_changes_and_additions: false,
            ignore_deletions: true,
            build_retain_keys: false,
        },
    );
    let deletions = diff_maps(
        &original,
        &modified,
        kind,
        &mut Vec::new(),
        DiffOptions {
            ignore_changes_and_additions: true,
            ignore_deletions: false,
            build_retain_keys: false,
        },
    );
    Value::Object(merge_patches(deletions, delta, kind, &mut Vec::new()))
}

/// How Go's `fmt` `%v` prints a JSON scalar (the merge key's value when lists are sorted).
fn go_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

/// The two values have the same Go type after `json.Unmarshal` into `interface{}`.
fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// strategicpatch `diffMaps`.
fn diff_maps(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    kind: &str,
    path: &mut Vec<String>,
    options: DiffOptions,
) -> Map<String, Value> {
    let mut patch = Map::new();
    let mut retain: Vec<String> = Vec::new();
    for (key, mv) in modified {
        if options.build_retain_keys && !mv.is_null() {
            retain.push(key.clone());
        }
        let Some(ov) = original.get(key) else {
            if !options.ignore_changes_and_additions {
                patch.insert(key.clone(), mv.clone());
            }
            continue;
        };
        if key == "$patch" {
            if ov != mv {
                patch.insert(key.clone(), mv.clone());
            }
            continue;
        }
        if !same_type(ov, mv) {
            if !options.ignore_changes_and_additions {
                patch.insert(key.clone(), mv.clone());
            }
            continue;
        }
        match (ov, mv) {
            (Value::Object(om), Value::Object(mm)) => {
                let sub_options = DiffOptions {
                    build_retain_keys: retain_keys(kind, path, key),
                    ..options
                };
                path.push(key.clone());
                let sub = diff_maps(om, mm, kind, path, sub_options);
                path.pop();
                if !sub.is_empty() {
                    patch.insert(key.clone(), Value::Object(sub));
                }
            }
            (Value::Array(ol), Value::Array(ml)) => {
                diff_slice(key, ol, ml, &mut patch, kind, path, options);
            }
            _ => {
                if !options.ignore_changes_and_additions && ov != mv {
                    patch.insert(key.clone(), mv.clone());
                }
            }
        }
    }
    if !options.ignore_deletions {
        for key in original.keys() {
            if !modified.contains_key(key) {
                patch.insert(key.clone(), Value::Null);
            }
        }
    }
    let additional = original
        .iter()
        .any(|(k, v)| !v.is_null() && !modified.contains_key(k));
    if !retain.is_empty() && (!patch.is_empty() || additional) {
        retain.sort();
        patch.insert(
            "$retainKeys".into(),
            Value::Array(retain.into_iter().map(Value::String).collect()),
        );
    }
    patch
}

/// strategicpatch `handleSliceDiff` with `diffLists`.
fn diff_slice(
    key: &str,
    original: &[Value],
    modified: &[Value],
    patch: &mut Map<String, Value>,
    kind: &str,
    path: &mut Vec<String>,
    options: DiffOptions,
) {
    let strategy = list_strategy(kind, path, key);
    let changes = !options.ignore_changes_and_additions;
    let deletions = !options.ignore_deletions;
    match strategy {
        ListStrategy::Replace => {
            if changes && original != modified {
                patch.insert(key.to_string(), Value::Array(modified.to_vec()));
            }
        }
        _ if original.is_empty() => {
            if !modified.is_empty() && changes {
                patch.insert(key.to_string(), Value::Array(modified.to_vec()));
            }
        }
        ListStrategy::MergeScalars => {
            let mut orig: Vec<&Value> = original.iter().collect();
            let mut modi: Vec<&Value> = modified.iter().collect();
            orig.sort_by_key(|v| go_text(v));
            modi.sort_by_key(|v| go_text(v));
            let (mut add, mut del) = (Vec::new(), Vec::new());
            let (mut i, mut j) = (0, 0);
            while i < orig.len() || j < modi.len() {
                let o = orig.get(i).map(|v| go_text(v));
                let m = modi.get(j).map(|v| go_text(v));
                match (o, m) {
                    (Some(o), Some(m)) if o == m => {
                        i += 1;
                        j += 1;
                    }
                    (Some(o), Some(m)) if o > m => {
                        if changes {
                            add.push(modi[j].clone());
                        }
                        j += 1;
                    }
                    (None, Some(_)) => {
                        if changes {
                            add.push(modi[j].clone());
                        }
                        j += 1;
                    }
                    _ => {
                        if deletions && !del.contains(orig[i]) {
                            del.push(orig[i].clone());
                        }
                        i += 1;
                    }
                }
            }
            add.sort_by_key(|v| modified.iter().position(|m| m == v));
            let order = (deletions && !del.is_empty()) || (changes && original != modified);
            if !add.is_empty() {
                patch.insert(key.to_string(), Value::Array(add));
            }
            if !del.is_empty() {
                patch.insert(format!("$deleteFromPrimitiveList/{key}"), Value::Array(del));
            }
            if order {
                patch.insert(
                    format!("$setElementOrder/{key}"),
                    Value::Array(modified.to_vec()),
                );
            }
        }
        ListStrategy::MergeKey(mk) => {
            let key_text = |v: &Value| v.get(mk).map(go_text).unwrap_or_default();
            let mut orig: Vec<&Value> = original.iter().collect();
            let mut modi: Vec<&Value> = modified.iter().collect();
            orig.sort_by_key(|v| key_text(v));
            modi.sort_by_key(|v| key_text(v));
            let item_options = DiffOptions {
                build_retain_keys: retain_keys(kind, path, key),
                ..options
            };
            path.push(key.to_string());
            let (mut list, mut del) = (Vec::new(), Vec::new());
            let (mut i, mut j) = (0, 0);
            while i < orig.len() || j < modi.len() {
                let o = orig.get(i).map(|v| key_text(v));
                let m = modi.get(j).map(|v| key_text(v));
                match (o, m) {
                    (Some(o), Some(m)) if o == m => {
                        let empty = Map::new();
                        let om = orig[i].as_object().unwrap_or(&empty);
                        let mm = modi[j].as_object().unwrap_or(&empty);
                        let mut sub = diff_maps(om, mm, kind, path, item_options);
                        if !sub.is_empty() {
                            sub.insert(mk.to_string(), mm.get(mk).cloned().unwrap_or(Value::Null));
                            list.push(Value::Object(sub));
                        }
                        i += 1;
                        j += 1;
                    }
                    (None, Some(_)) => {
                        if changes {
                            list.push(modi[j].clone());
                        }
                        j += 1;
                    }
                    (Some(o), Some(m)) if o > m => {
                        if changes {
                            list.push(modi[j].clone());
                        }
                        j += 1;
                    }
                    _ => {
                        if deletions {
                            let mut directive = Map::new();
                            directive.insert("$patch".into(), Value::String("delete".into()));
                            directive.insert(
                                mk.to_string(),
                                orig[i].get(mk).cloned().unwrap_or(Value::Null),
                            );
                            del.push(Value::Object(directive));
                        }
                        i += 1;
                    }
                }
            }
            path.pop();
            // `normalizeSliceOrder`: the items in the file's order, the deletions last.
            list.sort_by_key(|v| {
                modified
                    .iter()
                    .position(|m| m.get(mk) == v.get(mk))
                    .unwrap_or(usize::MAX)
            });
            let same_order = original.len() == modified.len()
                && original
                    .iter()
                    .zip(modified)
                    .all(|(o, m)| o.get(mk) == m.get(mk));
            list.extend(del);
            let order =
                (changes && (!list.is_empty() || !same_order)) || (deletions && !list.is_empty());
            if !list.is_empty() {
                patch.insert(key.to_string(), Value::Array(list));
            }
            if order {
                let keys = modified
                    .iter()
                    .map(|m| {
                        let mut only = Map::new();
                        only.insert(mk.to_string(), m.get(mk).cloned().unwrap_or(Value::Null));
                        Value::Object(only)
                    })
                    .collect();
                patch.insert(format!("$setElementOrder/{key}"), Value::Array(keys));
            }
        }
    }
}

/// strategicpatch `mergeMap` of the delta onto the deletions (`MergeOptions{}`): maps merge
/// key by key, the delta's value wins, a list with a merge key gets the delta's items first
/// and the deletions after them, a `$setElementOrder` list is kept once.
fn merge_patches(
    mut deletions: Map<String, Value>,
    delta: Map<String, Value>,
    kind: &str,
    path: &mut Vec<String>,
) -> Map<String, Value> {
    for (key, pv) in delta {
        if key.starts_with("$setElementOrder/") {
            deletions.entry(key).or_insert(pv);
            continue;
        }
        let merged = match (deletions.remove(&key), pv) {
            (Some(Value::Object(a)), Value::Object(b)) => {
                path.push(key.clone());
                let m = merge_patches(a, b, kind, path);
                path.pop();
                Value::Object(m)
            }
            (Some(Value::Array(a)), Value::Array(b)) => match list_strategy(kind, path, &key) {
                ListStrategy::Replace => Value::Array(b),
                ListStrategy::MergeKey(_) => Value::Array(b.into_iter().chain(a).collect()),
                ListStrategy::MergeScalars => {
                    let mut all = a;
                    for v in b {
                        if !all.contains(&v) {
                            all.push(v);
                        }
                    }
                    Value::Array(all)
                }
            },
            (_, pv) => pv,
        };
        deletions.insert(key, merged);
    }
    deletions
}
