//! Patches as `kubectl patch` sends them: strategic merge (the default), JSON merge (RFC 7386)
//! and JSON patch (RFC 6902).

use serde_json::{Map, Value};

/// How a list field is patched (its `patchStrategy`/`patchMergeKey` tags upstream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStrategy {
    /// Lists of maps merged by the named key.
    MergeKey(&'static str),
    /// Lists of scalars merged as a set (`finalizers`).
    MergeScalars,
    /// Replaced as a whole (every list without a strategy).
    Replace,
}

/// The strategy of list field `field` whose parent object is at `path` (map keys only, list
/// indices omitted) in an object of `kind`.
pub fn list_strategy(kind: &str, path: &[String], field: &str) -> ListStrategy {
    let parent = path.last().map(String::as_str).unwrap_or("");
    match field {
        "containers" | "initContainers" | "ephemeralContainers" => ListStrategy::MergeKey("name"),
        "volumes" | "env" | "imagePullSecrets" | "schedulingGates" | "resourceClaims" => {
            ListStrategy::MergeKey("name")
        }
        "volumeMounts" => ListStrategy::MergeKey("mountPath"),
        "volumeDevices" => ListStrategy::MergeKey("devicePath"),
        "hostAliases" => ListStrategy::MergeKey("ip"),
        "ownerReferences" => ListStrategy::MergeKey("uid"),
        "finalizers" if parent == "metadata" => ListStrategy::MergeScalars,
        "conditions" if parent == "status" => ListStrategy::MergeKey("type"),
        "ports" => match parent {
            "containers" | "initContainers" | "ephemeralContainers" => {
                ListStrategy::MergeKey("containerPort")
            }
            "spec" if kind == "Service" && path.len() == 1 => ListStrategy::MergeKey("port"),
            _ => ListStrategy::Replace,
        },
        _ => ListStrategy::Replace,
    }
}

/// Whether field `field` of the object at `path` (as in [`list_strategy`]) carries the
/// `retainKeys` patch strategy in the API types of `kind` (v1.36): apps/v1
/// `DeploymentSpec.Strategy` (`patchStrategy:"retainKeys"`), and the items of core/v1
/// `PodSpec.Volumes` and `PodSpec.ResourceClaims` (`patchStrategy:"merge,retainKeys"`).
/// `StatefulSetSpec.UpdateStrategy` and `DaemonSetSpec.UpdateStrategy` have none (B-VAL-21).
pub fn retain_keys(kind: &str, path: &[String], field: &str) -> bool {
    let parent = path.last().map(String::as_str).unwrap_or("");
    match field {
        "strategy" => kind == "Deployment" && path.len() == 1 && parent == "spec",
        "volumes" | "resourceClaims" => parent == "spec",
        _ => false,
    }
}

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ELEMENT_ORDER: &str = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE: &str = "$deleteFromPrimitiveList/";

/// Strategic merge patch of `patch` onto `original` (an object of `kind`), as the API server
/// applies `kubectl patch` without `--type`. Lists with a merge key merge item by item, other
/// lists are replaced; `null` deletes a key; `$patch: replace|delete|merge` work on maps and
/// list items; `$retainKeys`, `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`
/// are understood. `updateStrategy` has no `retainKeys` strategy (B-VAL-21).
pub fn strategic_merge_patch(original: &Value, patch: &Value, kind: &str) -> Result<Value, String> {
    // `strategicPatchObject` decodes the patch into a map first.
    let p = match patch {
        Value::Object(p) => p,
        Value::Null => &Map::new(),
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_type_name(other)
            ))
        }
    };
    let empty = Map::new();
    let o = original.as_object().unwrap_or(&empty);
    match merge_map(o, p, kind, &mut Vec::new())? {
        Some(m) => Ok(Value::Object(m)),
        None => Ok(Value::Object(Map::new())),
    }
}

/// Merges `patch` into `orig`; `None` means the map is deleted (`$patch: delete`).
fn merge_map(
    orig: &Map<String, Value>,
    patch: &Map<String, Value>,
    kind: &str,
    path: &mut Vec<String>,
) -> Result<Option<Map<String, Value>>, String> {
    match patch.get(DIRECTIVE) {
        None => {}
        Some(Value::String(d)) if d == "replace" => {
            return Ok(Some(strip_directives(patch)));
        }
        Some(Value::String(d)) if d == "delete" => return Ok(None),
        Some(Value::String(d)) if d == "merge" => {}
        Some(other) => return Err(format!("Unknown patch type: {other}")),
    }
    let mut out = orig.clone();
    if let Some(retain) = patch.get(RETAIN_KEYS) {
        let Value::Array(keys) = retain else {
            return Err("invalid $retainKeys: must be a list of strings".into());
        };
        let keep: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
        out.retain(|k, _| keep.contains(&k.as_str()));
    }
    let ordered = set_element_order(&mut out, patch, kind, path)?;
    for (key, pv) in patch {
        if key == DIRECTIVE
            || key == RETAIN_KEYS
            || key.starts_with(SET_ELEMENT_ORDER)
            || ordered.contains(&key.as_str())
        {
            continue;
        }
        if let Some(field) = key.strip_prefix(DELETE_FROM_PRIMITIVE) {
            if let (Some(Value::Array(list)), Value::Array(remove)) = (out.get_mut(field), pv) {
                list.retain(|v| !remove.contains(v));
            }
            continue;
        }
        if pv.is_null() {
            out.remove(key);
            continue;
        }
        let current = out.get(key);
        let merged = merge_value(current, pv, kind, path, key)?;
        match merged {
            Some(v) => {
                out.insert(key.clone(), v);
            }
            None => {
                out.remove(key);
            }
        }
    }
    Ok(Some(out))
}

/// `mergePatchIntoOriginal`: each `$setElementOrder/<list>` directive merges its list (if
/// the patch has it) and orders the result by the directive: the items it names in its
/// order, the server's other items where they were (see [`normalize_element_order`]).
/// Returns the lists it merged, which the caller then skips.
fn set_element_order<'p>(
    out: &mut Map<String, Value>,
    patch: &'p Map<String, Value>,
    kind: &str,
    path: &mut Vec<String>,
) -> Result<Vec<&'p str>, String> {
    let mut merged_lists = Vec::new();
    for (key, order) in patch {
        let Some(field) = key.strip_prefix(SET_ELEMENT_ORDER) else {
            continue;
        };
        let Value::Array(order) = order else {
            return Err("invalid patch: $setElementOrder list must be a list".into());
        };
        let strategy = list_strategy(kind, path, field);
        let merge_key = match strategy {
            ListStrategy::MergeKey(mk) => Some(mk),
            ListStrategy::MergeScalars => None,
            // A list without a merge strategy is replaced; the order is the patch's.
            ListStrategy::Replace => continue,
        };
        let empty = Vec::new();
        let original = match out.get(field) {
            Some(Value::Array(list)) => Some(list.clone()),
            _ => None,
        };
        let original = original.as_ref();
        let merged = match (original, patch.get(field)) {
            (_, Some(v)) if !v.is_array() => continue,
            (None, None) => continue,
            (Some(list), None) => list.clone(),
            (original, Some(v)) => {
                let items = v.as_array().unwrap_or(&empty);
                path.push(field.to_string());
                let r = merge_list(original.unwrap_or(&empty), items, strategy, kind, path);
                path.pop();
                r?
            }
        };
        let ordered = normalize_element_order(merged, order, original.unwrap_or(&empty), merge_key);
        out.insert(field.to_string(), Value::Array(ordered));
        if let Some((name, _)) = patch.get_key_value(field) {
            merged_lists.push(name.as_str());
        }
    }
    Ok(merged_lists)
}

fn merge_value(
    current: Option<&Value>,
    pv: &Value,
    kind: &str,
    path: &mut Vec<String>,
    key: &str,
) -> Result<Option<Value>, String> {
    match pv {
        Value::Object(pm) => {
            let empty = Map::new();
            let om = match current {
                Some(Value::Object(m)) => m,
                _ => &empty,
            };
            path.push(key.to_string());
            let r = merge_map(om, pm, kind, path);
            path.pop();
            Ok(r?.map(Value::Object))
        }
        Value::Array(pl) => {
            let empty = Vec::new();
            let ol = match current {
                Some(Value::Array(l)) => l,
                _ => &empty,
            };
            let strategy = list_strategy(kind, path, key);
            path.push(key.to_string());
            let r = merge_list(ol, pl, strategy, kind, path);
            path.pop();
            Ok(Some(Value::Array(r?)))
        }
        other => Ok(Some(other.clone())),
    }
}

fn merge_list(
    orig: &[Value],
    patch: &[Value],
    strategy: ListStrategy,
    kind: &str,
    path: &mut Vec<String>,
) -> Result<Vec<Value>, String> {
    match strategy {
        ListStrategy::Replace => {
            // `[{"$patch": "replace"}, ...]` means the other items; a list without a strategy
            // is replaced by the patch's anyway.
            Ok(patch
                .iter()
                .filter(|v| v.get(DIRECTIVE).is_none())
                .map(|v| match v {
                    Value::Object(m) => Value::Object(strip_directives(m)),
                    other => other.clone(),
                })
                .collect())
        }
        ListStrategy::MergeScalars => {
            // `mergeSlice` for scalars: the union of both lists without repeats, then put
            // in order (`normalizeElementOrder`).
            let mut merged: Vec<Value> = Vec::with_capacity(orig.len() + patch.len());
            for v in orig.iter().chain(patch) {
                if !merged.contains(v) {
                    merged.push(v.clone());
                }
            }
            Ok(normalize_element_order(merged, patch, orig, None))
        }
        ListStrategy::MergeKey(mk) => {
            // `mergeSliceWithSpecialElements`: items with a `$patch` directive act on the
            // whole list first (`delete` removes every item with that key, `replace` makes
            // the list the patch's other items).
            let mut original = orig.to_vec();
            let mut items: Vec<&Map<String, Value>> = Vec::with_capacity(patch.len());
            let mut replace = false;
            for item in patch {
                let Value::Object(pm) = item else {
                    return Err(format!(
                        "unable to find api field in struct for the list item {item}: items of {} must be objects",
                        path.join(".")
                    ));
                };
                match pm.get(DIRECTIVE) {
                    None => items.push(pm),
                    Some(Value::String(d)) if d == "delete" => {
                        let Some(kv) = pm.get(mk) else {
                            return Err(no_merge_key(pm, mk));
                        };
                        original.retain(|o| o.get(mk) != Some(kv));
                    }
                    Some(Value::String(d)) if d == "replace" => replace = true,
                    Some(Value::String(d)) if d == "merge" => {
                        return Err("merging lists cannot yet be specified in the patch".into());
                    }
                    Some(other) => {
                        return Err(format!(
                            "unknown patch type: {} in map: {}",
                            other
                                .as_str()
                                .map_or_else(|| other.to_string(), str::to_string),
                            Value::Object(pm.clone())
                        ))
                    }
                }
            }
            if replace {
                return Ok(items
                    .into_iter()
                    .map(|m| Value::Object(strip_directives(m)))
                    .collect());
            }
            // `mergeSliceWithoutSpecialElements`: an item whose key the list has merges into
            // it; any other is added.
            let mut merged = original.clone();
            for pm in &items {
                let Some(kv) = pm.get(mk) else {
                    return Err(no_merge_key(pm, mk));
                };
                match merged.iter().position(|o| o.get(mk) == Some(kv)) {
                    Some(i) => {
                        let empty = Map::new();
                        let om = merged[i].as_object().unwrap_or(&empty).clone();
                        if let Some(m) = merge_map(&om, pm, kind, path)? {
                            merged[i] = Value::Object(m);
                        }
                    }
                    None => {
                        if let Some(m) = merge_map(&Map::new(), pm, kind, path)? {
                            merged.push(Value::Object(m));
                        }
                    }
                }
            }
            let order: Vec<Value> = items
                .into_iter()
                .map(|m| Value::Object(m.clone()))
                .collect();
            Ok(normalize_element_order(merged, &order, &original, Some(mk)))
        }
    }
}

fn no_merge_key(m: &Map<String, Value>, mk: &str) -> String {
    format!(
        "map: {} does not contain declared merge key: {mk}",
        Value::Object(m.clone())
    )
}

/// What a list item is for ordering: the value of its merge key in a list of maps, the item
/// itself in a list of scalars.
fn identity<'a>(item: &'a Value, merge_key: Option<&str>) -> Option<&'a Value> {
    match merge_key {
        Some(mk) => item.get(mk),
        None => Some(item),
    }
}

/// Where an item with `item`'s identity first is in `list` (upstream's `index`).
fn index_of(list: &[Value], item: &Value, merge_key: Option<&str>) -> Option<usize> {
    let id = identity(item, merge_key);
    list.iter().position(|v| identity(v, merge_key) == id)
}

/// `normalizeElementOrder`: the order of a merged list. The items the patch names
/// (`patch_order`: the patch's own list, or its `$setElementOrder`) take the patch's order;
/// the items only the server had keep theirs (`server_order`: the list before the patch);
/// the two are then interleaved by `mergeSortedSlice`. So a patch item the server did not
/// have comes before every server-only item that follows it, which is why `kubectl patch`
/// adding a container puts it first.
pub(crate) fn normalize_element_order(
    merged: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: Option<&str>,
) -> Vec<Value> {
    let (mut patch_items, mut server_only): (Vec<Value>, Vec<Value>) = merged
        .into_iter()
        .partition(|v| index_of(patch_order, v, merge_key).is_some());
    // Stable sorts, as `sort.SliceStable`.
    patch_items.sort_by_key(|v| index_of(patch_order, v, merge_key).unwrap_or(usize::MAX));
    server_only.sort_by_key(|v| index_of(server_order, v, merge_key).unwrap_or(usize::MAX));
    merge_sorted_slice(server_only, patch_items, server_order, merge_key)
}

/// `mergeSortedSlice`: inserts each server-only item (`left`) among the patch items
/// (`right`), keeping the order within each. A server-only item goes first only when both
/// it and the next patch item are in the live list and it is the earlier there; a patch
/// item the live list does not have always goes first.
fn merge_sorted_slice(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Value],
    merge_key: Option<&str>,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => matches!(
                (
                    index_of(server_order, l, merge_key),
                    index_of(server_order, r, merge_key)
                ),
                (Some(li), Some(ri)) if li < ri
            ),
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    out
}

/// The patch map without directives and nulls (what it means as a plain value).
fn strip_directives(m: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in m {
        if k.starts_with('$') || v.is_null() {
            continue;
        }
        let v = match v {
            Value::Object(inner) => Value::Object(strip_directives(inner)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| match i {
                        Value::Object(im) => Value::Object(strip_directives(im)),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
        out.insert(k.clone(), v);
    }
    out
}

/// Why a patch did not apply, as the API server's patcher answers (`patch.go`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchError {
    /// 400: the body is not a patch of its type (`errors.NewBadRequest`).
    BadRequest(String),
    /// The generic 422 (`NewGenericServerResponse(422)`) of a JSON patch that does not
    /// apply: a failed `test`, a missing path, an unknown operation. It carries no detail:
    /// kubectl prints `The request is invalid: the server rejected our request due to an
    /// error in our request`; the detail is kept here for scn's hint.
    Unprocessable(String),
}

/// Go's name for a JSON value's type in `json: cannot unmarshal <type> into …`.
pub fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// JSON merge patch (RFC 7386), as `kubectl patch --type merge` (evanphx/json-patch
/// `MergePatch`): a patch that is not an object replaces the document when it is a list
/// (the API server then fails to decode the result), and is `Invalid JSON Patch` otherwise.
pub fn merge_patch(original: &Value, patch: &Value) -> Result<Value, PatchError> {
    match patch {
        Value::Object(_) => {
            let mut doc = original.clone();
            json_patch::merge(&mut doc, patch);
            Ok(doc)
        }
        Value::Array(_) => Ok(patch.clone()),
        _ => Err(PatchError::BadRequest("Invalid JSON Patch".into())),
    }
}

/// JSON patch (RFC 6902), as `kubectl patch --type json` (`jsonpatch.DecodePatch`, then
/// `Apply`): a body that is not a list of objects is a Bad Request with Go's decoding text;
/// an operation that does not apply is the generic 422.
pub fn json_patch(original: &Value, patch: &Value) -> Result<Value, PatchError> {
    let Value::Array(items) = patch else {
        return Err(PatchError::BadRequest(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
            json_type_name(patch)
        )));
    };
    if let Some(item) = items.iter().find(|i| !i.is_object() && !i.is_null()) {
        return Err(PatchError::BadRequest(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
            json_type_name(item)
        )));
    }
    let ops: json_patch::Patch = serde_json::from_value(patch.clone()).map_err(|e| {
        PatchError::Unprocessable(format!("the patch is not a valid JSON patch: {e}"))
    })?;
    let mut doc = original.clone();
    if let Err(e) = json_patch::patch(&mut doc, &ops) {
        let op = ops.0.get(e.operation);
        let (name, path) = match op {
            Some(json_patch::PatchOperation::Add(o)) => ("add", o.path.to_string()),
            Some(json_patch::PatchOperation::Remove(o)) => ("remove", o.path.to_string()),
            Some(json_patch::PatchOperation::Replace(o)) => ("replace", o.path.to_string()),
            Some(json_patch::PatchOperation::Move(o)) => ("move", o.path.to_string()),
            Some(json_patch::PatchOperation::Copy(o)) => ("copy", o.path.to_string()),
            Some(json_patch::PatchOperation::Test(o)) => ("test", o.path.to_string()),
            None => ("unknown", e.path.to_string()),
        };
        return Err(PatchError::Unprocessable(match e.kind {
            json_patch::PatchErrorKind::TestFailed => {
                format!(
                    "operation {} of the patch (test {path}) failed: the value there differs",
                    e.operation + 1
                )
            }
            _ => format!(
                "operation {} of the patch ({name} {path}) does not apply: the path does not exist (a JSON patch creates no missing parent)",
                e.operation + 1
            ),
        }));
    }
    Ok(doc)
}
