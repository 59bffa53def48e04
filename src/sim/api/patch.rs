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
    let Value::Object(p) = patch else {
        return Err("invalid JSON document: a strategic merge patch must be a JSON object".into());
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
    for (key, pv) in patch {
        if key == DIRECTIVE || key == RETAIN_KEYS || key.starts_with(SET_ELEMENT_ORDER) {
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
    // `[{"$patch": "replace"}, ...]` replaces the whole list with the other items.
    let replace = patch
        .iter()
        .any(|v| v.get(DIRECTIVE).and_then(Value::as_str) == Some("replace"));
    if replace {
        return Ok(patch
            .iter()
            .filter(|v| v.get(DIRECTIVE).is_none())
            .map(|v| match v {
                Value::Object(m) => Value::Object(strip_directives(m)),
                other => other.clone(),
            })
            .collect());
    }
    match strategy {
        ListStrategy::Replace => Ok(patch
            .iter()
            .map(|v| match v {
                Value::Object(m) => Value::Object(strip_directives(m)),
                other => other.clone(),
            })
            .collect()),
        ListStrategy::MergeScalars => {
            let mut out = orig.to_vec();
            for v in patch {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            Ok(out)
        }
        ListStrategy::MergeKey(mk) => {
            let mut out = orig.to_vec();
            for item in patch {
                let Value::Object(pm) = item else {
                    return Err(format!(
                        "unable to find api field in struct for the list item {item}: items of {} must be objects",
                        path.join(".")
                    ));
                };
                let Some(kv) = pm.get(mk) else {
                    return Err(format!(
                        "map: {} does not contain declared merge key: {mk}",
                        Value::Object(pm.clone())
                    ));
                };
                let pos = out.iter().position(|o| o.get(mk) == Some(kv));
                let directive = pm.get(DIRECTIVE).and_then(Value::as_str);
                if directive == Some("delete") {
                    out.retain(|o| o.get(mk) != Some(kv));
                    continue;
                }
                match pos {
                    Some(i) => {
                        let empty = Map::new();
                        let om = out[i].as_object().unwrap_or(&empty).clone();
                        match merge_map(&om, pm, kind, path)? {
                            Some(m) => out[i] = Value::Object(m),
                            None => {
                                out.remove(i);
                            }
                        }
                    }
                    None => {
                        if let Some(m) = merge_map(&Map::new(), pm, kind, path)? {
                            out.push(Value::Object(m));
                        }
                    }
                }
            }
            Ok(out)
        }
    }
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

/// JSON merge patch (RFC 7386), as `kubectl patch --type merge`.
pub fn merge_patch(original: &Value, patch: &Value) -> Value {
    let mut doc = original.clone();
    json_patch::merge(&mut doc, patch);
    doc
}

/// JSON patch (RFC 6902), as `kubectl patch --type json`. Errors use the API server's
/// wording where it differs from the library's.
pub fn json_patch(original: &Value, patch: &Value) -> Result<Value, String> {
    let ops: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|e| format!("json: cannot unmarshal the patch: {e}"))?;
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
        return Err(match e.kind {
            json_patch::PatchErrorKind::TestFailed => {
                format!("the server rejected our request due to an error in our request: testing value {path} failed: test failed")
            }
            _ => format!(
                "the server rejected our request due to an error in our request: {name} operation does not apply: doc is missing path: \"{path}\": missing value"
            ),
        });
    }
    Ok(doc)
}
