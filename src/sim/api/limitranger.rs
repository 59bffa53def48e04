//! LimitRange objects (`v1`) and the LimitRanger admission plugin's defaults
//! (`plugin/pkg/admission/limitranger`): a LimitRange's `Container` items are defaulted as
//! `SetDefaults_LimitRangeItem` does (the limit from `max`, the request from the limit, or
//! else from `min`), and a new pod's containers without a request or limit of a resource
//! get the namespace's (`defaultContainerResourceRequirements`, `mergeContainerResources`),
//! recorded in the `kubernetes.io/limit-ranger` annotation. The plugin's validation then
//! refuses a new pod or claim outside an item's `min`, `max` or `maxLimitRequestRatio`
//! (`Container`, `Pod` and `PersistentVolumeClaim` items). The LimitRange object's own
//! validation (`ValidateLimitRange`: `min` ≤ `defaultRequest` ≤ `default` ≤ `max`) is
//! [`validate`].

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PersistentVolumeClaim, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::Value;

use super::field_error::{quote, FieldError};
use super::validation;

pub const KIND: &str = "LimitRange";
/// `limitRangerAnnotation`.
pub const ANNOTATION: &str = "kubernetes.io/limit-ranger";

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
        for list in [
            "max",
            "min",
            "default",
            "defaultRequest",
            "maxLimitRequestRatio",
        ] {
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

/// The standard limit types (`helper.IsStandardLimitRangeType`).
const STANDARD_TYPES: [&str; 3] = ["Pod", "Container", "PersistentVolumeClaim"];

/// `ValidateLimitRange` (after the defaults above), besides the object's metadata: each
/// item's `type` is a standard one or fully qualified, and appears once; its resource names
/// are valid (container resources for `Pod` and `Container` items); a `Pod` item has no
/// defaults; a `PersistentVolumeClaim` item bounds `storage`; and per resource
/// `min` ≤ `defaultRequest` ≤ `default` ≤ `max`, with `maxLimitRequestRatio` at least 1 and
/// at most `max`/`min`. Upstream walks Go maps; scn takes the resources in name order.
pub fn validate(body: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let items = body
        .pointer("/spec/limits")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut types = std::collections::BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("spec.limits[{i}]");
        let kind = item.get("type").and_then(Value::as_str).unwrap_or_default();
        errs.extend(type_name_errors(kind, &format!("{path}.type")));
        if !types.insert(kind) {
            errs.push(FieldError::duplicate(format!("{path}.type"), kind));
        }
        let name_errors = |name: &str, at: &str| {
            if kind == "Pod" || kind == "Container" {
                validation::resource_name_errors(name, at)
            } else {
                validation::standard_resource_name_errors(name, at)
            }
        };
        let mut lists: BTreeMap<&str, BTreeMap<String, crate::quantity::Quantity>> =
            BTreeMap::new();
        let mut read = |list: &'static str, errs: &mut Vec<FieldError>| {
            let entries = item.get(list).and_then(Value::as_object);
            for (name, q) in entries.into_iter().flatten() {
                errs.extend(name_errors(name, &format!("{path}.{list}[{name}]")));
                if let Some(q) = q.as_str().and_then(|t| crate::quantity::parse(t).ok()) {
                    lists.entry(list).or_default().insert(name.clone(), q);
                }
            }
        };
        read("max", &mut errs);
        read("min", &mut errs);
        if kind == "Pod" {
            for list in ["default", "defaultRequest"] {
                if item
                    .get(list)
                    .and_then(Value::as_object)
                    .is_some_and(|m| !m.is_empty())
                {
                    errs.push(FieldError::forbidden(
                        format!("{path}.{list}"),
                        "may not be specified when `type` is 'Pod'",
                    ));
                }
            }
        } else {
            read("default", &mut errs);
            read("defaultRequest", &mut errs);
        }
        if kind == "PersistentVolumeClaim" {
            let bounded = |list: &str| item.get(list).and_then(|l| l.get("storage")).is_some();
            if !bounded("min") && !bounded("max") {
                errs.push(FieldError::required(
                    format!("{path}.limits"),
                    "either minimum or maximum storage value is required, but neither was provided",
                ));
            }
        }
        read("maxLimitRequestRatio", &mut errs);
        errs.extend(bound_errors(&path, &lists));
    }
    errs
}

/// `validateLimitRangeTypeName`.
fn type_name_errors(kind: &str, path: &str) -> Vec<FieldError> {
    let errs: Vec<FieldError> = validation::qualified_name_errors(kind)
        .iter()
        .map(|m| FieldError::invalid(path, quote(kind), m.as_str()))
        .collect();
    if errs.is_empty() && !kind.contains('/') && !STANDARD_TYPES.contains(&kind) {
        return vec![FieldError::invalid(
            path,
            quote(kind),
            "must be a standard limit type or fully qualified",
        )];
    }
    errs
}

/// The per-resource order checks of `ValidateLimitRange`, for one item's lists (`max`,
/// `min`, `default`, `defaultRequest`, `maxLimitRequestRatio`). A quantity is shown as
/// its JSON (`"2"`), the text as `Quantity.String()`.
fn bound_errors(
    path: &str,
    lists: &BTreeMap<&str, BTreeMap<String, crate::quantity::Quantity>>,
) -> Vec<FieldError> {
    use crate::quantity::Quantity as Q;
    let mut errs = Vec::new();
    let keys: std::collections::BTreeSet<&String> =
        lists.values().flat_map(BTreeMap::keys).collect();
    for k in keys {
        let get = |list: &str| lists.get(list).and_then(|l| l.get(k));
        let (min, max) = (get("min"), get("max"));
        let (default, request) = (get("default"), get("defaultRequest"));
        let ratio = get("maxLimitRequestRatio");
        let mut check = |list: &str, shown: &Q, broken: bool, message: String| {
            if broken {
                errs.push(FieldError::invalid(
                    format!("{path}.{list}[{k}]"),
                    quote(&shown.to_string()),
                    message,
                ));
            }
        };
        if let (Some(min), Some(max)) = (min, max) {
            check(
                "min",
                min,
                min > max,
                format!("min value {min} is greater than max value {max}"),
            );
        }
        if let (Some(request), Some(min)) = (request, min) {
            check(
                "defaultRequest",
                request,
                min > request,
                format!("min value {min} is greater than default request value {request}"),
            );
        }
        if let (Some(request), Some(max)) = (request, max) {
            check(
                "defaultRequest",
                request,
                request > max,
                format!("default request value {request} is greater than max value {max}"),
            );
        }
        if let (Some(request), Some(default)) = (request, default) {
            check(
                "defaultRequest",
                request,
                request > default,
                format!(
                    "default request value {request} is greater than default limit value {default}"
                ),
            );
        }
        // Upstream shows `min` at the `default` path here, and `max` below (sic).
        if let (Some(default), Some(min)) = (default, min) {
            check(
                "default",
                min,
                min > default,
                format!("min value {min} is greater than default value {default}"),
            );
        }
        if let (Some(default), Some(max)) = (default, max) {
            check(
                "default",
                max,
                default > max,
                format!("default value {default} is greater than max value {max}"),
            );
        }
        if let Some(ratio) = ratio {
            check(
                "maxLimitRequestRatio",
                ratio,
                *ratio < Q::from_count(1),
                format!("ratio {ratio} is less than 1"),
            );
            if let (Some(min), Some(max)) = (min, max) {
                let limit = ratio_limit(ratio, min, max);
                check(
                    "maxLimitRequestRatio",
                    ratio,
                    limit.0 > limit.1,
                    format!("ratio {ratio} is greater than max/min = {:.6}", limit.1),
                );
            }
        }
        if let (Some(default), Some(request)) = (default, request) {
            check(
                "defaultRequest",
                request,
                !validation::overcommit_allowed(k) && default != request,
                format!(
                    "default value {default} must equal to defaultRequest value {request} in {k}"
                ),
            );
        }
    }
    errs
}

/// The ratio and `max`/`min` as upstream compares them, in float64: in milli-units when the
/// three fit (`resource.MaxMilliValue`), else in units.
fn ratio_limit(
    ratio: &crate::quantity::Quantity,
    min: &crate::quantity::Quantity,
    max: &crate::quantity::Quantity,
) -> (f64, f64) {
    const MAX_MILLI_VALUE: i64 = i64::MAX / 1000;
    let fits = [ratio, min, max]
        .iter()
        .all(|q| q.value() < MAX_MILLI_VALUE);
    let milli = |q: &crate::quantity::Quantity| q.milli_value().unwrap_or(i64::MAX) as f64;
    if fits {
        (milli(ratio) / 1000.0, milli(max) / milli(min))
    } else {
        (
            ratio.value() as f64,
            max.value() as f64 / min.value() as f64,
        )
    }
}

/// The items of `ranges`' `spec.limits`, in order: those of `type` `kind`, or all.
fn limit_items<'a>(
    ranges: impl Iterator<Item = &'a Value>,
    kind: Option<&'a str>,
) -> impl Iterator<Item = &'a Value> {
    ranges
        .filter_map(|range| range.pointer("/spec/limits").and_then(Value::as_array))
        .flatten()
        .filter(move |item| {
            kind.is_none_or(|kind| item.get("type").and_then(Value::as_str) == Some(kind))
        })
}

/// The namespace's default requests and limits for a container: every LimitRange's
/// `Container` items, in order, a later one's value winning.
pub fn container_defaults<'a>(
    ranges: impl Iterator<Item = &'a Value>,
) -> (BTreeMap<String, Quantity>, BTreeMap<String, Quantity>) {
    let mut requests = BTreeMap::new();
    let mut limits = BTreeMap::new();
    for item in limit_items(ranges, Some("Container")) {
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

/// A quantity of a LimitRange item's list, with the text it prints (`Quantity.String()`).
fn item_list(item: &Value, key: &str) -> Vec<(String, i128, String)> {
    item.get(key)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, q)| {
            let text = q.as_str()?;
            let parsed = crate::quantity::parse(text).ok()?;
            Some((name.clone(), parsed.nanos(), parsed.to_string()))
        })
        .collect()
}

/// A resource list of an object, by name: the value and the text it prints.
fn observed(list: Option<&BTreeMap<String, Quantity>>, name: &str) -> Option<(i128, String)> {
    let q = list?.get(name)?;
    let parsed = crate::quantity::parse(&q.0).ok()?;
    Some((parsed.nanos(), parsed.to_string()))
}

/// An item's constraint on a resource, as upstream's four checks read it: `minConstraint`
/// (a request is needed, and neither it nor the limit may be below `min`), `maxConstraint`
/// (a limit is needed, and neither it nor the request may exceed `max`),
/// `maxRequestConstraint` (a claim's `max`: the request is needed and may not exceed it)
/// and `limitRequestRatioConstraint` (the limit over the request may not exceed
/// `maxLimitRequestRatio`).
#[derive(Clone, Copy, PartialEq)]
enum Constraint {
    Min,
    Max,
    MaxRequest,
    Ratio,
}

impl Constraint {
    /// The refusal, if any: the value that must be given is checked first ("…is 100m.  No
    /// request is specified"), then the first value that breaks the bound is named
    /// ("minimum cpu usage per Container is 100m, but request is 50m").
    fn check(
        self,
        kind: &str,
        name: &str,
        (enforced, text): (i128, &str),
        request: Option<(i128, String)>,
        limit: Option<(i128, String)>,
    ) -> Option<String> {
        let (word, observed) = match self {
            Constraint::Min => ("minimum", [("request", request), ("limit", limit)]),
            Constraint::Max => ("maximum", [("limit", limit), ("request", request)]),
            Constraint::MaxRequest => ("maximum", [("request", request), ("limit", None)]),
            Constraint::Ratio => {
                let head = format!("{name} max limit to request ratio per {kind} is {text}");
                let value = |v: Option<(i128, String)>| v.map_or(0, |(v, _)| v);
                return ratio(&head, enforced, value(request), value(limit));
            }
        };
        let head = format!("{word} {name} usage per {kind} is {text}");
        if let Some((what, None)) = observed.first() {
            return Some(format!("{head}.  No {what} is specified"));
        }
        let breaks = |v: i128| {
            if self == Constraint::Min {
                v < enforced
            } else {
                v > enforced
            }
        };
        observed.iter().find_map(|(what, value)| match value {
            Some((v, shown)) if breaks(*v) => Some(format!("{head}, but {what} is {shown}")),
            _ => None,
        })
    }
}

/// `limitRequestRatioConstraint`'s refusal: the limit over the request (in milli-units, as
/// `requestLimitEnforcedValues` reads them, 0 when not given) may not exceed `enforced`.
fn ratio(head: &str, enforced: i128, request: i128, limit: i128) -> Option<String> {
    if request == 0 {
        return Some(format!(
            "{head}, but no request is specified or request is 0"
        ));
    }
    if limit == 0 {
        return Some(format!("{head}, but no limit is specified or limit is 0"));
    }
    // limit / request > enforced, exactly where it fits (upstream compares float64
    // milli-ratios).
    let exceeds = match (
        limit.checked_mul(1_000_000_000),
        enforced.checked_mul(request),
    ) {
        (Some(l), Some(e)) => l > e,
        _ => limit as f64 / request as f64 > enforced as f64 / 1e9,
    };
    exceeds.then(|| {
        let ratio = limit as f64 / request as f64;
        format!("{head}, but provided ratio is {ratio:.6}")
    })
}

/// `utilerrors.NewAggregate(...).Error()`: one message alone, several (each once) as
/// `[a, b]`; no message is no refusal.
fn aggregate(messages: Vec<String>) -> Result<(), String> {
    if messages.is_empty() {
        return Ok(());
    }
    Err(super::field_error::aggregate(&messages))
}

/// The LimitRanger plugin's `Validate` of a new pod (`PodValidateLimitFunc`), after its
/// defaults: each `Container` item's `min`, `max` and `maxLimitRequestRatio` against every
/// container and init container, each `Pod` item's against the pod's total requests and
/// limits (`PodRequests`, `PodLimits`: `pod_totals`). `Err` is the reason the pod is
/// forbidden: `maximum cpu usage per Container is 800m, but limit is 1500m`.
pub fn validate_pod<'a>(
    pod: &Pod,
    ranges: impl Iterator<Item = &'a Value>,
    pod_totals: impl Fn(bool) -> BTreeMap<String, Quantity>,
) -> Result<(), String> {
    let Some(spec) = pod.spec.as_ref() else {
        return Ok(());
    };
    let mut errs = Vec::new();
    let mut check = |item: &Value,
                     kind: &str,
                     requests: Option<&BTreeMap<String, Quantity>>,
                     limits: Option<&BTreeMap<String, Quantity>>| {
        for (name, n, text) in item_list(item, "min") {
            let (r, l) = (observed(requests, &name), observed(limits, &name));
            errs.extend(Constraint::Min.check(kind, &name, (n, &text), r, l));
        }
        for (name, n, text) in item_list(item, "max") {
            let (r, l) = (observed(requests, &name), observed(limits, &name));
            errs.extend(Constraint::Max.check(kind, &name, (n, &text), r, l));
        }
        for (name, n, text) in item_list(item, "maxLimitRequestRatio") {
            let (r, l) = (observed(requests, &name), observed(limits, &name));
            errs.extend(Constraint::Ratio.check(kind, &name, (n, &text), r, l));
        }
    };
    for item in limit_items(ranges, None) {
        match item.get("type").and_then(Value::as_str) {
            Some("Container") => {
                let init = spec.init_containers.iter().flatten();
                for c in spec.containers.iter().chain(init) {
                    let r = c.resources.as_ref();
                    check(
                        item,
                        "Container",
                        r.and_then(|r| r.requests.as_ref()),
                        r.and_then(|r| r.limits.as_ref()),
                    );
                }
            }
            Some("Pod") => {
                let (requests, limits) = (pod_totals(false), pod_totals(true));
                check(item, "Pod", Some(&requests), Some(&limits));
            }
            _ => {}
        }
    }
    aggregate(errs)
}

/// The LimitRanger plugin's `Validate` of a claim (`PersistentVolumeClaimValidateLimitFunc`):
/// each `PersistentVolumeClaim` item's `min` and `max` against the claim's requests.
pub fn validate_claim<'a>(
    claim: &PersistentVolumeClaim,
    ranges: impl Iterator<Item = &'a Value>,
) -> Result<(), String> {
    const KIND: &str = "PersistentVolumeClaim";
    let requests = claim
        .spec
        .as_ref()
        .and_then(|s| s.resources.as_ref())
        .and_then(|r| r.requests.as_ref());
    let mut errs = Vec::new();
    for item in limit_items(ranges, Some(KIND)) {
        for (name, n, text) in item_list(item, "min") {
            let r = observed(requests, &name);
            errs.extend(Constraint::Min.check(KIND, &name, (n, &text), r, None));
        }
        for (name, n, text) in item_list(item, "max") {
            let r = observed(requests, &name);
            errs.extend(Constraint::MaxRequest.check(KIND, &name, (n, &text), r, None));
        }
    }
    aggregate(errs)
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
    #[test]
    fn bounds_refuse_with_the_plugins_texts() {
        let mut range = json!({"spec": {"limits": [
            {"type": "Container", "max": {"cpu": "800m"}, "min": {"cpu": "200m"}, "maxLimitRequestRatio": {"memory": "2"}},
            {"type": "PersistentVolumeClaim", "max": {"storage": "2Gi"}}
        ]}});
        default(&mut range);
        let pod = |resources: Value| -> Pod {
            serde_json::from_value(json!({"metadata": {"name": "p"}, "spec": {"containers": [
                {"name": "app", "image": "x", "resources": resources}
            ]}}))
            .unwrap()
        };
        let none = |_| BTreeMap::new();
        let ok = pod(
            json!({"limits": {"cpu": "800m", "memory": "2Gi"}, "requests": {"cpu": "200m", "memory": "1Gi"}}),
        );
        assert_eq!(validate_pod(&ok, [&range].into_iter(), none), Ok(()));
        let over = pod(
            json!({"limits": {"cpu": "1500m", "memory": "3Gi"}, "requests": {"cpu": "1", "memory": "1Gi"}}),
        );
        assert_eq!(
            validate_pod(&over, [&range].into_iter(), none),
            Err("[maximum cpu usage per Container is 800m, but limit is 1500m, memory max limit to request ratio per Container is 2, but provided ratio is 3.000000]".into())
        );
        let bare = pod(json!({}));
        assert_eq!(
            validate_pod(&bare, [&range].into_iter(), none),
            Err("[minimum cpu usage per Container is 200m.  No request is specified, maximum cpu usage per Container is 800m.  No limit is specified, memory max limit to request ratio per Container is 2, but no request is specified or request is 0]".into())
        );
        let claim: PersistentVolumeClaim = serde_json::from_value(
            json!({"spec": {"resources": {"requests": {"storage": "5Gi"}}}}),
        )
        .unwrap();
        assert_eq!(
            validate_claim(&claim, [&range].into_iter()),
            Err(
                "maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi".into()
            )
        );
    }
}
