//! ResourceQuota objects (`v1`): their validation (`ValidateResourceQuota`:
//! `ValidateResourceQuotaSpec`, `ValidateResourceQuantityValue`), what a pod or a claim
//! costs (`pkg/quota/v1/evaluator/core`: `PodUsageFunc`, `podComputeUsageHelper`,
//! `QuotaV1Pod`, the claim evaluator's `Usage`), the pod evaluator's `Constraints` and the
//! ResourceQuota admission plugin's check (`plugin/pkg/admission/resourcequota`,
//! `CheckRequest`), as pure functions of the quotas' status; `server/quota.rs` runs them
//! on a create and writes the quotas' new usage, `controllers/resourcequota.rs` keeps
//! `status.hard` and `status.used`.
//!
//! Simulated resources: `pods`, `count/pods`, `cpu`, `memory`, `requests.cpu`,
//! `requests.memory`, `limits.cpu`, `limits.memory` (pods); `persistentvolumeclaims`,
//! `count/persistentvolumeclaims`, `requests.storage` and their per-class forms
//! `<class>.storageclass.storage.k8s.io/…` (claims); `services`, `count/services`,
//! `services.nodeports`, `services.loadbalancers` (the service evaluator); and the object
//! counts `count/<resource>.<group>` (`generic.ObjectCountEvaluator`) of the namespaced kinds
//! scn serves, with the legacy names `configmaps`, `secrets` and `resourcequotas`. Not
//! counted: events (upstream's quota ignores them) and the kinds the simulation's
//! controllers create without admission (ControllerRevisions, EndpointSlices, Endpoints).
//! Those, any other resource, and the VolumeAttributesClass scope are warned about at apply
//! (`unsimulated_warnings`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PersistentVolumeClaim, Pod, Service};
use serde_json::Value;

use super::field_error::FieldError;
use crate::quantity::{self, Quantity};
use crate::sim::clock::{from_time, Millis};
use crate::sim::kinds::{self, KindInfo};

mod scopes;

pub use scopes::{pod_matches, requirements, Requirement};

pub const KIND: &str = "ResourceQuota";

/// The resources a pod is charged (`podEvaluator.MatchingResources`, those scn counts).
pub const POD_RESOURCES: [&str; 8] = [
    "pods",
    "count/pods",
    "cpu",
    "memory",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
];
/// The resources a claim is charged, besides the per-class ones.
pub const CLAIM_RESOURCES: [&str; 3] = [
    "persistentvolumeclaims",
    "count/persistentvolumeclaims",
    "requests.storage",
];
/// The resources a Service is charged (`serviceResources`).
pub const SERVICE_RESOURCES: [&str; 4] = [
    "count/services",
    "services",
    "services.loadbalancers",
    "services.nodeports",
];
/// The core resources whose object count a quota may also name without `count/`
/// (`legacyObjectCountAliases`; `replicationcontrollers` too, a kind scn does not serve).
const LEGACY_COUNT_ALIASES: [&str; 3] = ["configmaps", "resourcequotas", "secrets"];
/// Namespaced resources scn does not count by `count/…`: events, which upstream's quota
/// ignores (`ignoredResources`), and the kinds the simulation's controllers create without
/// passing admission, where a quota would refuse nothing in scn but upstream refuses the
/// controller's create.
const UNCOUNTED_OBJECTS: [&str; 4] = [
    "events",
    "controllerrevisions.apps",
    "endpointslices.discovery.k8s.io",
    "endpoints",
];
/// `storageClassSuffix`: `<class>.storageclass.storage.k8s.io/requests.storage`.
const STORAGE_CLASS_SUFFIX: &str = ".storageclass.storage.k8s.io/";
/// The resources whose quota makes every container name them (`validationSet`).
const CONSTRAINED: [&str; 6] = [
    "cpu",
    "limits.cpu",
    "limits.memory",
    "memory",
    "requests.cpu",
    "requests.memory",
];
/// Why a quota resource or field scn does not count warns.
pub const NOT_COUNTED_WHY: &str =
    "the quota admission and controller count pods, claims, Services, their cpu, memory, storage and node ports, and count/<resource>.<group> of the namespaced kinds scn serves but events, ControllerRevisions, EndpointSlices and Endpoints: nothing is refused for it and status.used does not show it";
pub const SCOPES_WHY: &str =
    "the VolumeAttributesClass scope is not simulated: the quota counts no claim";

/// A resource list with parsed quantities, by name (sorted, as upstream prints them).
pub type Usage = BTreeMap<String, Quantity>;

/// What kind of object a quota resource charges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charged {
    Pod,
    Claim,
    Service,
    /// Any other namespaced kind, by count (`count/statefulsets.apps`, `configmaps`).
    Object(&'static KindInfo),
}

impl Charged {
    /// What a create of an object of `kind` is charged as; `None` for a kind no quota
    /// counts (cluster-scoped kinds, and those `UNCOUNTED_OBJECTS` names).
    pub fn of_kind(kind: &str) -> Option<Charged> {
        match kind {
            "Pod" => Some(Charged::Pod),
            "PersistentVolumeClaim" => Some(Charged::Claim),
            "Service" => Some(Charged::Service),
            _ => {
                let info = kinds::by_kind(kind)?;
                (info.namespaced && !UNCOUNTED_OBJECTS.contains(&info.resource().as_str()))
                    .then_some(Charged::Object(info))
            }
        }
    }
}

/// The kind of object `resource` charges, when scn counts it.
pub fn charged(resource: &str) -> Option<Charged> {
    if POD_RESOURCES.contains(&resource) {
        return Some(Charged::Pod);
    }
    if CLAIM_RESOURCES.contains(&resource) {
        return Some(Charged::Claim);
    }
    if SERVICE_RESOURCES.contains(&resource) {
        return Some(Charged::Service);
    }
    let counted = match resource.strip_prefix("count/") {
        Some(group_resource) => Some(group_resource),
        None => LEGACY_COUNT_ALIASES.contains(&resource).then_some(resource),
    };
    if let Some(group_resource) = counted {
        return kinds::KINDS
            .iter()
            .find(|info| info.resource() == group_resource)
            .and_then(|info| Charged::of_kind(info.kind));
    }
    let (class, rest) = resource.split_once(STORAGE_CLASS_SUFFIX)?;
    (!class.is_empty() && matches!(rest, "requests.storage" | "persistentvolumeclaims"))
        .then_some(Charged::Claim)
}

/// A parsed resource list of JSON (`spec.hard`, `status.used`; a quantity written as a
/// number too, as Go's decoder reads it); unparsable entries are left out (validation
/// refused them).
pub fn parse_list(list: Option<&Value>) -> Usage {
    list.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, q)| {
            let text = match q {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some((name.clone(), quantity::parse(&text).ok()?))
        })
        .collect()
}

/// A resource list as JSON, each quantity in its canonical form.
pub fn list_json(usage: &Usage) -> Value {
    Value::Object(
        usage
            .iter()
            .map(|(name, q)| (name.clone(), Value::String(q.to_string())))
            .collect(),
    )
}

fn count(n: i64) -> Quantity {
    Quantity::from_count(n)
}

/// A zero quantity (`resource.Quantity{Format: DecimalSI}`).
pub fn zero() -> Quantity {
    Quantity::from_count(0)
}

/// `quota.Add`.
pub fn add(a: &Usage, b: &Usage) -> Usage {
    let mut out = a.clone();
    for (name, q) in b {
        let sum = match out.get(name) {
            Some(have) => have.checked_add(*q).unwrap_or(*have),
            None => *q,
        };
        out.insert(name.clone(), sum);
    }
    out
}

/// `QuotaV1Pod`: a terminal pod, or one stuck terminating (past its deletion time plus
/// its grace period), is not charged for compute resources.
pub fn pod_is_charged(pod: &Pod, now: Millis) -> bool {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if matches!(phase, Some("Failed" | "Succeeded")) {
        return false;
    }
    match (
        &pod.metadata.deletion_timestamp,
        pod.metadata.deletion_grace_period_seconds,
    ) {
        (Some(at), Some(grace)) => now <= from_time(at) + Millis::from_secs(grace),
        _ => true,
    }
}

fn resources_of(c: &Container, limits: bool) -> BTreeMap<String, Quantity> {
    let r = c.resources.as_ref();
    let list = if limits {
        r.and_then(|r| r.limits.as_ref())
    } else {
        r.and_then(|r| r.requests.as_ref())
    };
    list.into_iter()
        .flatten()
        .filter_map(|(n, q)| Some((n.clone(), quantity::parse(&q.0).ok()?)))
        .collect()
}

/// `PodRequests` / `PodLimits` for cpu and memory: the containers add up, a regular init
/// container counts by the maximum (with the sidecars started before it), then the pod
/// overhead; pod-level resources, when set, replace the containers' sum.
pub(crate) fn pod_total(pod: &Pod, limits: bool) -> Usage {
    let Some(spec) = pod.spec.as_ref() else {
        return Usage::new();
    };
    let mut total = Usage::new();
    for c in &spec.containers {
        total = add(&total, &resources_of(c, limits));
    }
    let mut sidecars = Usage::new();
    let mut init = Usage::new();
    for c in spec.init_containers.iter().flatten() {
        let own = resources_of(c, limits);
        let with = if c.restart_policy.as_deref() == Some("Always") {
            total = add(&total, &own);
            sidecars = add(&sidecars, &own);
            sidecars.clone()
        } else {
            add(&own, &sidecars)
        };
        for (name, q) in with {
            if init.get(&name).is_none_or(|have| q > *have) {
                init.insert(name, q);
            }
        }
    }
    for (name, q) in init {
        if total.get(&name).is_none_or(|have| q > *have) {
            total.insert(name, q);
        }
    }
    let pod_level = spec.resources.as_ref().and_then(|r| {
        if limits {
            r.limits.as_ref()
        } else {
            r.requests.as_ref()
        }
    });
    for (name, q) in pod_level.into_iter().flatten() {
        if matches!(name.as_str(), "cpu" | "memory") {
            if let Ok(q) = quantity::parse(&q.0) {
                total.insert(name.clone(), q);
            }
        }
    }
    let overhead = spec
        .overhead
        .iter()
        .flatten()
        .filter_map(|(n, q)| Some((n.clone(), quantity::parse(&q.0).ok()?)))
        .collect::<Usage>();
    add(&total, &overhead)
}

/// `PodUsageFunc`: `count/pods` for every pod; for a charged pod also `pods` and
/// `podComputeUsageHelper`'s cpu and memory (a request counts as `cpu` and `requests.cpu`).
pub fn pod_usage(pod: &Pod, now: Millis) -> Usage {
    let mut out = Usage::new();
    out.insert("count/pods".into(), count(1));
    if !pod_is_charged(pod, now) {
        return out;
    }
    out.insert("pods".into(), count(1));
    let requests = pod_total(pod, false);
    let limits = pod_total(pod, true);
    for resource in ["cpu", "memory"] {
        if let Some(q) = requests.get(resource) {
            out.insert(resource.into(), *q);
            out.insert(format!("requests.{resource}"), *q);
        }
        if let Some(q) = limits.get(resource) {
            out.insert(format!("limits.{resource}"), *q);
        }
    }
    out
}

/// The claim evaluator's `Usage`: the claim, its storage request, and both again under
/// its class.
pub fn claim_usage(claim: &PersistentVolumeClaim) -> Usage {
    let mut out = Usage::new();
    out.insert("persistentvolumeclaims".into(), count(1));
    out.insert("count/persistentvolumeclaims".into(), count(1));
    let class = claim
        .spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .filter(|c| !c.is_empty());
    if let Some(class) = &class {
        out.insert(
            format!("{class}{STORAGE_CLASS_SUFFIX}persistentvolumeclaims"),
            count(1),
        );
    }
    let storage = claim
        .spec
        .as_ref()
        .and_then(|s| s.resources.as_ref())
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .and_then(|q| quantity::parse(&q.0).ok());
    if let Some(storage) = storage {
        out.insert("requests.storage".into(), storage);
        if let Some(class) = &class {
            out.insert(
                format!("{class}{STORAGE_CLASS_SUFFIX}requests.storage"),
                storage,
            );
        }
    }
    out
}

/// The service evaluator's `Usage`: the Service by both names, its load balancer, and its
/// node ports (every port of a NodePort or LoadBalancer Service; of a LoadBalancer that
/// allocates no node ports, only the ports that name one).
pub fn service_usage(svc: &Service) -> Usage {
    let spec = svc.spec.as_ref();
    let ports = spec.and_then(|s| s.ports.as_ref());
    let port_count = ports.map_or(0, Vec::len);
    let (node_ports, balancers) = match spec.and_then(|s| s.type_.as_deref()) {
        Some("NodePort") => (port_count, 0),
        Some("LoadBalancer") => {
            let allocates = spec.and_then(|s| s.allocate_load_balancer_node_ports) != Some(false);
            let with_node_port = || {
                ports
                    .into_iter()
                    .flatten()
                    .filter(|p| p.node_port.is_some_and(|n| n != 0))
                    .count()
            };
            (
                if allocates {
                    port_count
                } else {
                    with_node_port()
                },
                1,
            )
        }
        _ => (0, 0),
    };
    let as_count = |n: usize| count(i64::try_from(n).unwrap_or(i64::MAX));
    Usage::from([
        ("count/services".to_string(), count(1)),
        ("services".to_string(), count(1)),
        ("services.loadbalancers".to_string(), as_count(balancers)),
        ("services.nodeports".to_string(), as_count(node_ports)),
    ])
}

/// The object count evaluator's usage of `n` objects of a kind (`generic.ObjectCountEvaluator`,
/// one object's `Usage` when `n` is 1): `count/<resource>.<group>`, and the legacy name
/// where there is one.
pub fn object_usage(info: &KindInfo, n: usize) -> Usage {
    let resource = info.resource();
    let n = count(i64::try_from(n).unwrap_or(i64::MAX));
    let mut out = Usage::new();
    if LEGACY_COUNT_ALIASES.contains(&resource.as_str()) {
        out.insert(resource.clone(), n);
    }
    out.insert(format!("count/{resource}"), n);
    out
}

/// `quota.SubtractWithNonNegativeResult` for usages of counts (a Service's): what `new`
/// charges beyond `old`, each resource at least zero.
pub fn subtract_counts(new: &Usage, old: &Usage) -> Usage {
    new.iter()
        .map(|(name, q)| {
            let have = old.get(name).map_or(0, Quantity::value);
            (name.clone(), count(q.value().saturating_sub(have).max(0)))
        })
        .collect()
}

/// The pod evaluator's `Constraints`: with a quota on cpu or memory, every container (init
/// containers included) must request, or limit, what the quota names:
/// `must specify limits.cpu for: app; requests.memory for: app,db`.
pub fn pod_constraints(pod: &Pod, hard: &Usage) -> Result<(), String> {
    let required: Vec<&str> = CONSTRAINED
        .iter()
        .copied()
        .filter(|r| hard.contains_key(*r))
        .collect();
    if required.is_empty() {
        return Ok(());
    }
    let mut missing: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let spec = pod.spec.as_ref();
    let containers = spec
        .map(|s| s.containers.iter())
        .into_iter()
        .flatten()
        .chain(
            spec.and_then(|s| s.init_containers.as_ref())
                .into_iter()
                .flatten(),
        );
    for c in containers {
        let requests = resources_of(c, false);
        let limits = resources_of(c, true);
        let mut has: Vec<&str> = Vec::new();
        for resource in ["cpu", "memory"] {
            if requests.contains_key(resource) {
                has.push(resource);
                has.push(if resource == "cpu" {
                    "requests.cpu"
                } else {
                    "requests.memory"
                });
            }
            if limits.contains_key(resource) {
                has.push(if resource == "cpu" {
                    "limits.cpu"
                } else {
                    "limits.memory"
                });
            }
        }
        for r in &required {
            if !has.contains(r) {
                let names = missing.entry(r).or_default();
                if !names.contains(&c.name) {
                    names.push(c.name.clone());
                }
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let parts: Vec<String> = missing
        .into_iter()
        .map(|(r, mut names)| {
            names.sort();
            format!("{r} for: {}", names.join(","))
        })
        .collect();
    Err(format!("must specify {}", parts.join("; ")))
}

/// One quota as admission reads it: its name and status.
#[derive(Clone, Debug)]
pub struct QuotaStatus {
    pub name: String,
    pub hard: Usage,
    pub used: Usage,
    /// Its scope requirements (`spec.scopes`, `spec.scopeSelector`).
    pub scopes: Vec<Requirement>,
}

/// `prettyPrint`: `name=quantity` pairs in name order, joined by commas.
fn pretty(usage: &Usage) -> String {
    usage
        .iter()
        .map(|(n, q)| format!("{n}={q}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn mask(usage: &Usage, names: &[&String]) -> Usage {
    usage
        .iter()
        .filter(|(n, _)| names.contains(n))
        .map(|(n, q)| (n.clone(), *q))
        .collect()
}

/// `CheckRequest` for one object charging `delta`, against the quotas of its namespace
/// (in name order) whose scopes select it (`matches`, the evaluator's `Matches`): first
/// every quota's constraints (`constraints`, for a pod) and usage stats, then each quota's
/// new usage against its hard limits. `Ok` gives each quota whose usage changes, with its
/// new `used`; `Err` the reason after `is forbidden: `.
pub fn check(
    quotas: &[QuotaStatus],
    charged_kind: Charged,
    delta: &Usage,
    matches: impl Fn(&[Requirement]) -> bool,
    constraints: impl Fn(&Usage) -> Result<(), String>,
) -> Result<Vec<(String, Usage)>, String> {
    let mut interesting = Vec::new();
    for quota in quotas.iter().filter(|q| matches(&q.scopes)) {
        let restricted: Vec<&String> = quota
            .hard
            .keys()
            .filter(|r| charged(r) == Some(charged_kind))
            .collect();
        if restricted.is_empty() {
            continue;
        }
        constraints(&quota.hard).map_err(|e| format!("failed quota: {}: {e}", quota.name))?;
        let unknown: Vec<&str> = restricted
            .iter()
            .filter(|r| !quota.used.contains_key(**r))
            .map(|r| r.as_str())
            .collect();
        if !unknown.is_empty() {
            return Err(format!(
                "status unknown for quota: {}, resources: {}",
                quota.name,
                unknown.join(",")
            ));
        }
        interesting.push(quota);
    }
    let mut out = Vec::new();
    for quota in interesting {
        let hard_names: Vec<&String> = quota.hard.keys().collect();
        let requested = mask(delta, &hard_names);
        let new_usage = add(&quota.used, &requested);
        let requested_names: Vec<&String> = requested.keys().collect();
        let exceeded: Vec<&String> = requested_names
            .iter()
            .copied()
            .filter(|n| match (new_usage.get(*n), quota.hard.get(*n)) {
                (Some(used), Some(hard)) => used > hard,
                _ => false,
            })
            .collect();
        if !exceeded.is_empty() {
            return Err(format!(
                "exceeded quota: {}, requested: {}, used: {}, limited: {}",
                quota.name,
                pretty(&mask(&requested, &exceeded)),
                pretty(&mask(&quota.used, &exceeded)),
                pretty(&mask(&quota.hard, &exceeded)),
            ));
        }
        if !requested.is_empty() {
            out.push((quota.name.clone(), new_usage));
        }
    }
    Ok(out)
}

/// `IsIntegerResourceName`: the standard integer resources, or an extended resource (a
/// domain-prefixed name outside `kubernetes.io`: `count/pods`, the per-class claim counts).
fn is_integer_resource(name: &str) -> bool {
    super::validation::is_extended_resource(name)
        || matches!(
            name,
            "pods"
                | "services"
                | "replicationcontrollers"
                | "resourcequotas"
                | "secrets"
                | "configmaps"
                | "persistentvolumeclaims"
                | "services.nodeports"
                | "services.loadbalancers"
        )
}

/// `SetObjectDefaults_ResourceQuota`: `spec.hard` as the API server stores it
/// (`SetDefaults_ResourceList`: `0.5` is `500m`, `1024Mi` is `1Gi`).
pub fn default(body: &mut Value) {
    super::defaults::default_resource_list_json(body.pointer_mut("/spec/hard"));
}

/// `ValidateResourceQuota` on a create, `ValidateResourceQuotaUpdate` on an update (`old`):
/// each hard limit's name (`ValidateResourceQuotaResourceName`) and quantity
/// (`ValidateResourceQuantityValue`: not negative, whole for an integer resource), in name
/// order; the scopes and the scope selector; on an update, the same set of scopes.
pub fn validate(body: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for field in ["spec", "status"] {
        for list in ["hard", "used"] {
            if field == "spec" && list == "used" {
                continue;
            }
            let Some(map) = body
                .get(field)
                .and_then(|f| f.get(list))
                .and_then(Value::as_object)
            else {
                continue;
            };
            for (name, value) in map {
                let path = format!("{field}.{list}[{name}]");
                if field == "spec" {
                    errs.extend(resource_name_errors(name, &path));
                }
                let Some(q) = value.as_str().and_then(|t| quantity::parse(t).ok()) else {
                    continue;
                };
                if q.nanos() < 0 {
                    errs.push(FieldError::invalid(
                        path.clone(),
                        format!("\"{q}\""),
                        "must be greater than or equal to 0",
                    ));
                }
                if is_integer_resource(name) && q.nanos() % 1_000_000_000 != 0 {
                    errs.push(FieldError::invalid(
                        path,
                        format!("\"{q}\""),
                        "must be an integer",
                    ));
                }
            }
        }
    }
    errs.extend(scopes::validate(body, old));
    errs
}

/// `ValidateResourceQuotaResourceName`: `validateResourceName`, then a standard quota
/// resource unless domain-prefixed (`count/pods`, `requests.nvidia.com/gpu`).
fn resource_name_errors(name: &str, path: &str) -> Vec<FieldError> {
    let mut errs = super::validation::standard_resource_name_errors(name, path);
    if !name.contains('/') && !is_standard_quota_resource(name) {
        errs.push(FieldError::invalid(
            path,
            super::field_error::quote(name),
            "must be a standard resource for quota",
        ));
    }
    errs
}

/// `IsStandardQuotaResourceName`.
pub(super) fn is_standard_quota_resource(name: &str) -> bool {
    name.starts_with("hugepages-")
        || name.starts_with("requests.hugepages-")
        || matches!(
            name,
            "cpu"
                | "memory"
                | "ephemeral-storage"
                | "requests.cpu"
                | "requests.memory"
                | "requests.storage"
                | "requests.ephemeral-storage"
                | "limits.cpu"
                | "limits.memory"
                | "limits.ephemeral-storage"
                | "pods"
                | "resourcequotas"
                | "services"
                | "replicationcontrollers"
                | "secrets"
                | "persistentvolumeclaims"
                | "configmaps"
                | "services.nodeports"
                | "services.loadbalancers"
        )
}

/// The quota's parts scn does not count, each `path: not simulated by scn (why)`.
pub fn unsimulated_warnings(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(hard) = body.pointer("/spec/hard").and_then(Value::as_object) {
        for name in hard.keys() {
            if charged(name).is_some() {
                continue;
            }
            // `count/deployments` names a core resource that does not exist: upstream
            // counts nothing for it, silently.
            let grouped = name.strip_prefix("count/").and_then(|plural| {
                kinds::KINDS
                    .iter()
                    .find(|info| info.plural == plural && !info.group().is_empty())
            });
            match grouped {
                Some(info) => out.push(format!(
                    "spec.hard[{name}]: not simulated by scn (no core resource is called {}: count/{} counts {}s)",
                    info.plural,
                    info.resource(),
                    info.kind
                )),
                None => out.push(format!(
                    "spec.hard[{name}]: not simulated by scn ({NOT_COUNTED_WHY})"
                )),
            }
        }
    }
    let in_scopes = body
        .pointer("/spec/scopes")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|s| s == "VolumeAttributesClass"));
    let in_selector = body
        .pointer("/spec/scopeSelector/matchExpressions")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|r| r["scopeName"] == "VolumeAttributesClass"));
    for (field, given) in [("scopes", in_scopes), ("scopeSelector", in_selector)] {
        if given {
            out.push(format!("spec.{field}: not simulated by scn ({SCOPES_WHY})"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn usage(pairs: &[(&str, &str)]) -> Usage {
        pairs
            .iter()
            .map(|(n, q)| (n.to_string(), quantity::parse(q).unwrap()))
            .collect()
    }

    fn pod(value: Value) -> Pod {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_refusal_names_only_the_exceeded_resources() {
        let quotas = [QuotaStatus {
            name: "q".into(),
            hard: usage(&[("pods", "2"), ("requests.cpu", "4")]),
            used: usage(&[("pods", "2"), ("requests.cpu", "1")]),
            scopes: Vec::new(),
        }];
        let delta = usage(&[("pods", "1"), ("count/pods", "1"), ("requests.cpu", "500m")]);
        assert_eq!(
            check(&quotas, Charged::Pod, &delta, |_| true, |_| Ok(())).unwrap_err(),
            "exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2"
        );
        let roomy = [QuotaStatus {
            used: usage(&[("pods", "1"), ("requests.cpu", "1")]),
            ..quotas[0].clone()
        }];
        let ok = check(&roomy, Charged::Pod, &delta, |_| true, |_| Ok(())).unwrap();
        assert_eq!(
            list_json(&ok[0].1),
            json!({"pods": "2", "requests.cpu": "1500m"})
        );
    }

    #[test]
    fn terminal_pods_count_only_as_objects() {
        let running = pod(json!({"metadata": {"name": "a"}, "spec": {"containers": [
            {"name": "app", "image": "x", "resources": {"requests": {"cpu": "250m"}, "limits": {"memory": "64Mi"}}}
        ]}, "status": {"phase": "Running"}}));
        assert_eq!(
            list_json(&pod_usage(&running, crate::sim::clock::ZERO)),
            json!({"count/pods": "1", "pods": "1", "cpu": "250m", "requests.cpu": "250m", "limits.memory": "64Mi"})
        );
        let mut done = running.clone();
        done.status.as_mut().unwrap().phase = Some("Succeeded".into());
        assert_eq!(
            list_json(&pod_usage(&done, crate::sim::clock::ZERO)),
            json!({"count/pods": "1"})
        );
    }

    #[test]
    fn constraints_name_each_missing_resource_and_container() {
        let p = pod(json!({"metadata": {"name": "a"}, "spec": {"containers": [
            {"name": "app", "image": "x", "resources": {"requests": {"cpu": "1"}}},
            {"name": "db", "image": "x"}
        ]}}));
        assert_eq!(
            pod_constraints(&p, &usage(&[("limits.cpu", "2"), ("pods", "3")])).unwrap_err(),
            "must specify limits.cpu for: app,db"
        );
        assert_eq!(
            pod_constraints(&p, &usage(&[("requests.cpu", "2"), ("memory", "1Gi")])).unwrap_err(),
            "must specify memory for: app,db; requests.cpu for: db"
        );
        assert!(pod_constraints(&p, &usage(&[("pods", "3")])).is_ok());
    }

    #[test]
    fn validation_and_warnings() {
        let q = json!({"spec": {"hard": {"pods": "1500m", "requests.cpu": "-1", "services": "2"}, "scopes": ["BestEffort"]}});
        let errs: Vec<String> = validate(&q, None).iter().map(|e| e.to_string()).collect();
        // BestEffort tracks only pods: one scope error for each other standard resource.
        let scope =
            "spec.scopes: Invalid value: [\"BestEffort\"]: unsupported scope applied to resource";
        assert_eq!(
            errs,
            [
                "spec.hard[pods]: Invalid value: \"1500m\": must be an integer",
                "spec.hard[requests.cpu]: Invalid value: \"-1\": must be greater than or equal to 0",
                scope,
                scope,
            ]
        );
        // `services` is counted now (B-QUOTA-12); events never are.
        assert!(unsimulated_warnings(&q).is_empty());
        let events = json!({"spec": {"hard": {"count/events": "2"}}});
        assert_eq!(
            unsimulated_warnings(&events),
            [format!(
                "spec.hard[count/events]: not simulated by scn ({NOT_COUNTED_WHY})"
            )]
        );
        // Only the VolumeAttributesClass scope is not simulated.
        let vac = json!({"spec": {"hard": {"persistentvolumeclaims": "1"},
            "scopeSelector": {"matchExpressions": [{"scopeName": "VolumeAttributesClass", "operator": "In", "values": ["gold"]}]}}});
        assert_eq!(
            unsimulated_warnings(&vac),
            [format!(
                "spec.scopeSelector: not simulated by scn ({SCOPES_WHY})"
            )]
        );
        assert_eq!(
            charged("gold.storageclass.storage.k8s.io/requests.storage"),
            Some(Charged::Claim)
        );
    }

    /// B-QUOTA-12: which resource counts which kind. A naive `count/<plural>` match would
    /// take `count/deployments` for Deployments, and count the controllers' own objects.
    #[test]
    fn object_counts_name_their_kind_by_resource_and_group() {
        let kind_of = |r: &str| match charged(r) {
            Some(Charged::Object(info)) => Some(info.kind),
            _ => None,
        };
        assert_eq!(kind_of("count/statefulsets.apps"), Some("StatefulSet"));
        assert_eq!(
            kind_of("count/poddisruptionbudgets.policy"),
            Some("PodDisruptionBudget")
        );
        assert_eq!(kind_of("configmaps"), Some("ConfigMap"));
        assert_eq!(kind_of("count/configmaps"), Some("ConfigMap"));
        assert_eq!(kind_of("resourcequotas"), Some("ResourceQuota"));
        for never in [
            "count/deployments",
            "count/events",
            "count/controllerrevisions.apps",
            "count/endpointslices.discovery.k8s.io",
            "count/nodes",
            "count/persistentvolumes",
            "deployments",
        ] {
            assert_eq!(charged(never), None, "{never}");
        }
        assert_eq!(charged("count/services"), Some(Charged::Service));
        assert_eq!(charged("count/pods"), Some(Charged::Pod));
        let config_map = kinds::by_kind("ConfigMap").unwrap();
        assert_eq!(
            object_usage(config_map, 3),
            usage(&[("configmaps", "3"), ("count/configmaps", "3")])
        );
    }

    /// The service evaluator: node ports by type, and a LoadBalancer that allocates none
    /// counts only the ports that name one.
    #[test]
    fn a_service_costs_its_node_ports_and_load_balancer() {
        let svc =
            |spec: Value| -> Service { serde_json::from_value(json!({"spec": spec})).unwrap() };
        let two_ports = json!([{"port": 80}, {"port": 81, "nodePort": 30001}]);
        let cluster_ip = service_usage(&svc(json!({"ports": two_ports})));
        assert_eq!(cluster_ip["services.nodeports"].value(), 0);
        assert_eq!(cluster_ip["services"].value(), 1);
        let node_port = service_usage(&svc(json!({"type": "NodePort", "ports": two_ports})));
        assert_eq!(node_port["services.nodeports"].value(), 2);
        assert_eq!(node_port["services.loadbalancers"].value(), 0);
        let lb = service_usage(&svc(json!({"type": "LoadBalancer", "ports": two_ports,
            "allocateLoadBalancerNodePorts": false})));
        assert_eq!(lb["services.nodeports"].value(), 1);
        assert_eq!(lb["services.loadbalancers"].value(), 1);
        // An update is charged only what grows.
        let delta = subtract_counts(&lb, &node_port);
        assert_eq!(delta["services.loadbalancers"].value(), 1);
        assert_eq!(delta["services.nodeports"].value(), 0);
        assert_eq!(delta["services"].value(), 0);
    }
}
