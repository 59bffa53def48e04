//! LimitRange objects (`v1`) and the LimitRanger admission plugin's defaults
//! (`plugin/pkg/admission/limitranger`): a LimitRange's `Container` items are defaulted as
//! `SetDefaults_LimitRangeItem` does (the limit from `max`, the request from the limit, or
//! else from `min`), and a new pod's containers without a request or limit of a resource
//! get the namespace's (`defaultContainerResourceRequirements`, `mergeContainerResources`),
//! recorded in the `kubernetes.io/limit-ranger` annotation. The plugin's validation (`min`,
//! `max`, `maxLimitRequestRatio`, the `Pod` and `PersistentVolumeClaim` items) is not
//! simulated: `unsimulated_warnings` names what a LimitRange sets of it.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::Value;

pub const KIND: &str = "LimitRange";
/// `limitRangerAnnotation`.
pub const ANNOTATION: &str = "kubernetes.io/limit-ranger";
pub const NOT_ENFORCED_WHY: &str =
    "the LimitRanger admission plugin only sets containers' default requests and limits in scn: nothing is refused for it";

/// `SetDefaults_LimitRangeItem` on each `Container` item of `body`, and each item's
/// quantities as the API server stores them.
pub fn default(body: &mut Value) {
    let Some(items) = body
        .pointer_mut("/spec/limits")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for item in items {
        // `SetDefaults_ResourceList` on each list of the item: quantities as stored.
        for list in ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"] {
            super::defaults::default_resource_list_json(item.get_mut(list));
        }
        if item.get("type").and_then(Value::as_str) != Some("Container") {
            continue;
        }
        let list = |item: &Value, key: &str| -> serde_json::Map<String, Value> {
            item.get(key)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let mut limit = list(item, "default");
        let mut request = list(item, "defaultRequest");
        for (name, q) in list(item, "max") {
            limit.entry(name).or_insert(q);
        }
        for (name, q) in &limit {
            request.entry(name.clone()).or_insert_with(|| q.clone());
        }
        for (name, q) in list(item, "min") {
            request.entry(name).or_insert(q);
        }
        item["default"] = Value::Object(limit);
        item["defaultRequest"] = Value::Object(request);
    }
}

/// The namespace's default requests and limits for a container: every LimitRange's
/// `Container` items, in order, a later one's value winning.
pub fn container_defaults<'a>(
    ranges: impl Iterator<Item = &'a Value>,
) -> (BTreeMap<String, Quantity>, BTreeMap<String, Quantity>) {
    let mut requests = BTreeMap::new();
    let mut limits = BTreeMap::new();
    for range in ranges {
        let items = range
            .pointer("/spec/limits")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for item in items {
            if item.get("type").and_then(Value::as_str) != Some("Container") {
                continue;
            }
            for (key, into) in [("defaultRequest", &mut requests), ("default", &mut limits)] {
                for (name, q) in item
                    .get(key)
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if let Some(text) = q.as_str() {
                        into.insert(name.clone(), Quantity(text.to_string()));
                    }
                }
            }
        }
    }
    (requests, limits)
}

/// `mergeContainerResources`: what the container lacks, and the annotation's parts.
fn merge(
    c: &mut Container,
    defaults: &(BTreeMap<String, Quantity>, BTreeMap<String, Quantity>),
    prefix: &str,
    notes: &mut Vec<String>,
) {
    let resources = c.resources.get_or_insert_with(Default::default);
    let mut set_limits = Vec::new();
    let limits = resources.limits.get_or_insert_with(Default::default);
    for (name, q) in &defaults.1 {
        if !limits.contains_key(name) {
            limits.insert(name.clone(), q.clone());
            set_limits.push(name.clone());
        }
    }
    let mut set_requests = Vec::new();
    let requests = resources.requests.get_or_insert_with(Default::default);
    for (name, q) in &defaults.0 {
        if !requests.contains_key(name) {
            requests.insert(name.clone(), q.clone());
            set_requests.push(name.clone());
        }
    }
    if resources.limits.as_ref().is_some_and(BTreeMap::is_empty) {
        resources.limits = None;
    }
    if resources.requests.as_ref().is_some_and(BTreeMap::is_empty) {
        resources.requests = None;
    }
    if !set_requests.is_empty() {
        notes.push(format!(
            "{} request for {prefix} {}",
            set_requests.join(", "),
            c.name
        ));
    }
    if !set_limits.is_empty() {
        notes.push(format!(
            "{} limit for {prefix} {}",
            set_limits.join(", "),
            c.name
        ));
    }
}

/// The plugin's `Admit` of a new pod: the defaults into its containers and init
/// containers, and `kubernetes.io/limit-ranger: LimitRanger plugin set: cpu request for
/// container app; …` when it set any.
pub fn admit<'a>(pod: &mut Pod, ranges: impl Iterator<Item = &'a Value>) {
    let defaults = container_defaults(ranges);
    if defaults.0.is_empty() && defaults.1.is_empty() {
        return;
    }
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    let mut notes = Vec::new();
    for c in &mut spec.containers {
        merge(c, &defaults, "container", &mut notes);
    }
    for c in spec.init_containers.iter_mut().flatten() {
        merge(c, &defaults, "init container", &mut notes);
    }
    if !notes.is_empty() {
        pod.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(
                ANNOTATION.into(),
                format!("LimitRanger plugin set: {}", notes.join("; ")),
            );
    }
}

/// What a LimitRange sets that scn does not enforce, each `path: not simulated by scn
/// (why)`: the bounds of any item, and the defaults of a `Pod` or `PersistentVolumeClaim`
/// item (which have none upstream either, but whose bounds are checked).
pub fn unsimulated_warnings(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let items = body
        .pointer("/spec/limits")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for (i, item) in items.iter().enumerate() {
        for field in ["max", "min", "maxLimitRequestRatio"] {
            let set = item
                .get(field)
                .and_then(Value::as_object)
                .is_some_and(|m| !m.is_empty());
            if set {
                out.push(format!(
                    "spec.limits[{i}].{field}: not simulated by scn ({NOT_ENFORCED_WHY})"
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_fill_what_each_container_lacks_and_say_so() {
        let mut range = json!({"spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "128Mi"}, "defaultRequest": {"cpu": "250m"}}]}});
        default(&mut range);
        assert_eq!(
            range["spec"]["limits"][0]["defaultRequest"],
            json!({"cpu": "250m", "memory": "128Mi"})
        );
        let mut pod: Pod =
            serde_json::from_value(json!({"metadata": {"name": "p"}, "spec": {"containers": [
                {"name": "app", "image": "x", "resources": {"limits": {"cpu": "1"}}},
                {"name": "side", "image": "x"}
            ]}}))
            .unwrap();
        admit(&mut pod, [&range].into_iter());
        let c = &pod.spec.as_ref().unwrap().containers;
        assert_eq!(
            c[0].resources.as_ref().unwrap().limits.as_ref().unwrap()["cpu"].0,
            "1"
        );
        assert_eq!(
            c[1].resources.as_ref().unwrap().requests.as_ref().unwrap()["cpu"].0,
            "250m"
        );
        assert_eq!(
            pod.metadata.annotations.as_ref().unwrap()[ANNOTATION],
            "LimitRanger plugin set: cpu, memory request for container app; memory limit for container app; cpu, memory request for container side; cpu, memory limit for container side"
        );
    }
}
