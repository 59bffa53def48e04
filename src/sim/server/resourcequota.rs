//! The ResourceQuota admission plugin (`plugin/pkg/admission/resourcequota`), the last
//! validating admission of a create of a namespaced object (a Service's update too, whose
//! type can change what it costs): it reads the namespace's quotas, refuses
//! what would exceed one (`exceeded quota: …`) or what a quota's constraints refuse
//! (`failed quota: …`), and otherwise charges the object to each quota, writing the
//! quota's new `status.used` before the object is stored (`CheckRequest`, then the
//! quota's status update). The arithmetic is `api/resourcequota.rs`'s.

use super::*;
use crate::sim::api::resourcequota::{self as quota, Charged, QuotaStatus, Usage};

/// The namespace's quotas, in name order, as the plugin reads them (their status).
pub fn quotas(world: &World) -> Vec<QuotaStatus> {
    let from = (quota::KIND.to_string(), String::new());
    world
        .store
        .others()
        .range(from..)
        .take_while(|((kind, _), _)| kind == quota::KIND)
        .map(|((_, name), object)| QuotaStatus {
            name: name.clone(),
            hard: quota::parse_list(object.body.pointer("/status/hard")),
            used: quota::parse_list(object.body.pointer("/status/used")),
            scopes: quota::requirements(&object.body),
        })
        .collect()
}

/// Whether the namespace has a quota (the plugin has nothing to do without one).
pub fn any(world: &World) -> bool {
    let from = (quota::KIND.to_string(), String::new());
    world
        .store
        .others()
        .range(from..)
        .next()
        .is_some_and(|((kind, _), _)| kind == quota::KIND)
}

/// Charges `delta` to the quotas, or refuses the create of `resource "name"` (`pods
/// "web-2" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited:
/// pods=2`).
fn admit(
    world: &mut World,
    resource: &str,
    name: &str,
    charged: Charged,
    delta: &Usage,
    matches: impl Fn(&[quota::Requirement]) -> bool,
    constraints: impl Fn(&Usage) -> Result<(), String>,
) -> Result<(), ApiError> {
    if !any(world) {
        return Ok(());
    }
    let quotas = quotas(world);
    let charges =
        quota::check(&quotas, charged, delta, matches, constraints).map_err(|reason| {
            ApiError::new(
                Reason::Forbidden,
                format!("{resource} \"{name}\" is forbidden: {reason}"),
            )
        })?;
    let kind = ObjectKind::from_kind(quota::KIND);
    for (quota_name, used) in charges {
        let used = quota::list_json(&used);
        write_other(world, &kind, &quota_name, Author::Other, |object| {
            if object.body.pointer("/status/used") == Some(&used) {
                return false;
            }
            object.body["status"]["used"] = used.clone();
            true
        });
    }
    Ok(())
}

/// A pod's create: its usage (`PodUsageFunc`) and the constraints of a quota on cpu or
/// memory.
pub fn admit_pod(world: &mut World, name: &str, pod: &Pod) -> Result<(), ApiError> {
    if !any(world) {
        return Ok(());
    }
    let delta = quota::pod_usage(pod, world.now);
    admit(
        world,
        "pods",
        name,
        Charged::Pod,
        &delta,
        |scopes| pod_matches(scopes, pod),
        |hard| quota::pod_constraints(pod, hard),
    )
}

/// Whether a quota's scopes select the pod (`podMatchesScopeFunc`, its QoS class as
/// `GetPodQOS` reads it: the stored one, else computed).
pub fn pod_matches(scopes: &[quota::Requirement], pod: &Pod) -> bool {
    if scopes.is_empty() {
        return true;
    }
    let stored = pod.status.as_ref().and_then(|s| s.qos_class.as_deref());
    let qos = stored.unwrap_or_else(|| super::pod::qos_class(pod));
    quota::pod_matches(scopes, pod, qos)
}

/// A claim's create: the claim, its storage request, and both under its class.
pub fn admit_claim(
    world: &mut World,
    name: &str,
    claim: &PersistentVolumeClaim,
) -> Result<(), ApiError> {
    if !any(world) {
        return Ok(());
    }
    let delta = quota::claim_usage(claim);
    admit_unscoped(
        world,
        "persistentvolumeclaims",
        name,
        Charged::Claim,
        &delta,
    )
}

/// A Service's create: the Service, its load balancer and node ports.
pub fn admit_service(world: &mut World, name: &str, svc: &Service) -> Result<(), ApiError> {
    if !any(world) {
        return Ok(());
    }
    let delta = quota::service_usage(svc);
    admit_unscoped(world, "services", name, Charged::Service, &delta)
}

/// A Service's update: only what the new form costs beyond the old (a ClusterIP Service
/// turned NodePort charges its node ports); nothing to check when that is nothing.
pub fn admit_service_update(
    world: &mut World,
    name: &str,
    svc: &Service,
    old: &Service,
) -> Result<(), ApiError> {
    if !any(world) {
        return Ok(());
    }
    let delta = quota::subtract_counts(&quota::service_usage(svc), &quota::service_usage(old));
    if delta.values().all(|q| q.nanos() == 0) {
        return Ok(());
    }
    admit_unscoped(world, "services", name, Charged::Service, &delta)
}

/// The create of an object of any other namespaced kind (`kind`, its Kind) a quota counts
/// by `count/<resource>.<group>`: `statefulsets.apps "web" is forbidden: exceeded quota: q,
/// requested: count/statefulsets.apps=1, …`.
pub fn admit_object(world: &mut World, kind: &ObjectKind, name: &str) -> Result<(), ApiError> {
    if !any(world) {
        return Ok(());
    }
    let Some(charged @ Charged::Object(info)) = quota::Charged::of_kind(kind.name()) else {
        return Ok(());
    };
    let delta = quota::object_usage(info, 1);
    admit_unscoped(world, &info.resource(), name, charged, &delta)
}

/// `admit` for an evaluator with `generic.MatchesNoScopeFunc` and no constraints: a scoped
/// quota never selects the object.
fn admit_unscoped(
    world: &mut World,
    resource: &str,
    name: &str,
    charged: Charged,
    delta: &Usage,
) -> Result<(), ApiError> {
    admit(
        world,
        resource,
        name,
        charged,
        delta,
        <[quota::Requirement]>::is_empty,
        |_| Ok(()),
    )
}
