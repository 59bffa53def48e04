//! The pod strategy (`pkg/registry/core/pod/strategy.go`) and the pod's own verbs:
//! creation with its defaults, admission (Priority, DefaultTolerationSeconds) and status
//! (`qosClass`, `PodScheduled` for gated pods), graceful deletion,
//! the update rules (`ValidatePodUpdate`, in `api/validation/pod.rs`), and the
//! `DisruptionTarget` condition.

use super::*;

/// Creates a pod (a user's, or a controller's): phase Pending, then watchers see it.
pub fn insert_pod(world: &mut World, mut pod: Pod) -> Result<(), RequestError> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    if world.store.pods.contains_key(&name) {
        return Err(ApiError::new(
            Reason::AlreadyExists,
            format!("pods \"{name}\" already exists"),
        )
        .into());
    }
    // The pods a controller creates are defaulted and admitted here (a user's already
    // were, before validation; doing it again changes nothing).
    crate::sim::api::defaults::default_pod(&mut pod);
    crate::sim::api::defaults::drop_disabled_pod_fields(pod.spec.as_mut(), None);
    admit_limit_ranger(world, &mut pod);
    admit_service_account(world, &name, &mut pod)?;
    admit_priority(world, &name, &mut pod)?;
    admit_runtime_class(world, &name, &mut pod)?;
    admit_pod_topology_labels(world, &mut pod);
    // Validating admission, after the object's validation: LimitRanger, then RuntimeClass.
    validate_limit_ranger(world, &name, &pod)?;
    let class = runtime_class(world, &pod);
    crate::sim::api::runtimeclass::validate_overhead(&pod, class.as_ref()).map_err(|reason| {
        ApiError::new(
            Reason::Forbidden,
            format!("pods \"{name}\" is forbidden: {reason}"),
        )
    })?;
    // ResourceQuota, the last validating admission plugin: it charges the pod to the
    // namespace's quotas.
    super::resourcequota::admit_pod(world, &name, &pod)?;
    world.count_pod_creation()?;
    crate::sim::api::default_toleration_seconds::admit(&mut pod);
    init_meta(world, &ObjectKind::Pod, &mut pod.metadata);
    // The pod strategy's PrepareForCreate: every pod starts at generation 1, whatever the
    // client sent.
    pod.metadata.generation = Some(1);
    let gated = pod
        .spec
        .as_ref()
        .and_then(|s| s.scheduling_gates.as_ref())
        .is_some_and(|g| !g.is_empty());
    pod.status = Some(PodStatus {
        phase: Some("Pending".into()),
        qos_class: Some(qos_class(&pod).into()),
        // The pod strategy's applySchedulingGatedCondition (pkg/registry/core/pod).
        conditions: gated.then(|| {
            vec![k8s_openapi::api::core::v1::PodCondition {
                type_: "PodScheduled".into(),
                status: "False".into(),
                reason: Some("SchedulingGated".into()),
                message: Some("Scheduling is blocked due to non-empty scheduling gates".into()),
                ..Default::default()
            }]
        }),
        ..Default::default()
    });
    world.store.pods.insert(name.clone(), pod);
    world.pod_log.push(PodLifecycle {
        at: world.now,
        name: name.clone(),
        created: true,
    });
    write::announce_stored(world, &ObjectKind::Pod, &name, Change::Added);
    Ok(())
}

/// The namespace's LimitRanges, in name order (as scn lists them for the plugin).
pub(super) fn limit_ranges(world: &World) -> impl Iterator<Item = &Value> {
    use crate::sim::api::limitranger;
    let from = (limitranger::KIND.to_string(), String::new());
    world
        .store
        .others()
        .range(from..)
        .take_while(|((kind, _), _)| kind == limitranger::KIND)
        .map(|(_, object)| &object.body)
}

/// The LimitRanger admission plugin on create (`api/limitranger.rs`): the namespace's
/// LimitRanges' container defaults.
pub(super) fn admit_limit_ranger(world: &World, pod: &mut Pod) {
    crate::sim::api::limitranger::admit(pod, limit_ranges(world));
}

/// The LimitRanger plugin's validation of a new pod (`PodValidateLimitFunc`), the first
/// validating admission: a pod outside a LimitRange's bounds is forbidden.
pub(super) fn validate_limit_ranger(world: &World, name: &str, pod: &Pod) -> Result<(), ApiError> {
    use crate::sim::api::resourcequota::pod_total;
    let totals = |limits: bool| {
        pod_total(pod, limits)
            .into_iter()
            .map(|(n, q)| {
                (
                    n,
                    k8s_openapi::apimachinery::pkg::api::resource::Quantity(q.to_string()),
                )
            })
            .collect()
    };
    crate::sim::api::limitranger::validate_pod(pod, limit_ranges(world), totals).map_err(|reason| {
        ApiError::new(
            Reason::Forbidden,
            format!("pods \"{name}\" is forbidden: {reason}"),
        )
    })
}

/// The LimitRanger plugin's validation of a claim (create and update,
/// `PersistentVolumeClaimValidateLimitFunc`).
pub(super) fn validate_limit_ranger_claim(
    world: &World,
    name: &str,
    claim: &PersistentVolumeClaim,
) -> Result<(), ApiError> {
    crate::sim::api::limitranger::validate_claim(claim, limit_ranges(world)).map_err(|reason| {
        ApiError::new(
            Reason::Forbidden,
            format!("persistentvolumeclaims \"{name}\" is forbidden: {reason}"),
        )
    })
}

/// The ServiceAccount admission plugin on create (`api/service_account.rs`), against the
/// ServiceAccounts stored in the namespace; a refusal is `Forbidden`.
pub(super) fn admit_service_account(
    world: &World,
    name: &str,
    pod: &mut Pod,
) -> Result<(), ApiError> {
    let kind = ObjectKind::from_kind("ServiceAccount");
    let lookup = |account: &str| {
        world
            .store
            .written_body(&kind, account)
            .and_then(|body| serde::Deserialize::deserialize(body).ok())
    };
    crate::sim::api::service_account::admit(pod, &world.config.namespace, lookup).map_err(
        |reason| {
            ApiError::new(
                Reason::Forbidden,
                format!("pods \"{name}\" is forbidden: {reason}"),
            )
        },
    )
}

/// The stored RuntimeClass a pod names, if any (and if it decodes).
fn runtime_class(world: &World, pod: &Pod) -> Option<k8s_openapi::api::node::v1::RuntimeClass> {
    let name = pod.spec.as_ref()?.runtime_class_name.as_deref()?;
    let kind = ObjectKind::from_kind(crate::sim::api::runtimeclass::KIND);
    let body = world.store.written_body(&kind, name)?;
    serde_json::from_value(body.clone()).ok()
}

/// The RuntimeClass admission plugin's `Admit` on create (`api/runtimeclass.rs`): a
/// class it cannot find, an overhead other than the class's or a node selector that
/// conflicts with the class's is `Forbidden`. DefaultTolerationSeconds, which runs before
/// it in kube-apiserver's plugin order, has added its tolerations when the class merges
/// its own after them.
pub(super) fn admit_runtime_class(
    world: &World,
    name: &str,
    pod: &mut Pod,
) -> Result<(), ApiError> {
    let class = runtime_class(world, pod);
    if class.as_ref().is_some_and(|c| c.scheduling.is_some()) {
        crate::sim::api::default_toleration_seconds::admit(pod);
    }
    crate::sim::api::runtimeclass::admit(pod, class.as_ref()).map_err(|reason| {
        ApiError::new(
            Reason::Forbidden,
            format!("pods \"{name}\" is forbidden: {reason}"),
        )
    })
}

/// The PriorityClasses the Priority admission plugin knows: the two built-in ones, then
/// the stored ones in name order.
pub(super) fn priority_classes(world: &World) -> Vec<crate::sim::api::priority::Class> {
    use crate::sim::api::{priority::Class, priorityclass};
    let kind = ObjectKind::from_kind(priorityclass::KIND);
    let mut classes = Class::system();
    for name in world.store.names(&kind) {
        if let Some(body) = world.store.written_body(&kind, &name) {
            let class = priorityclass::class_of(body);
            if !classes.iter().any(|c| c.name == class.name) {
                classes.push(class);
            }
        }
    }
    classes
}

/// The Priority admission plugin on create (`api/priority.rs`); a refusal is `Forbidden`.
/// PodTopologyLabels on a pod created with `spec.nodeName` (`admitPod`).
pub(super) fn admit_pod_topology_labels(world: &World, pod: &mut Pod) {
    let Some(node) = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .filter(|n| !n.is_empty())
    else {
        return;
    };
    let labels =
        crate::sim::api::pod_topology_labels::topology_labels(world.store.nodes().get(node));
    crate::sim::api::pod_topology_labels::merge(pod, labels);
}

/// The `pods/binding` subresource (`BindingREST.Create`, `assignPod`,
/// `setPodNodeAndMetadata`): PodTopologyLabels admits the Binding first (the node's zone
/// and region labels, which the registry copies onto the pod), then the pod gets its node,
/// loses its nomination (ClearingNominatedNodeNameAfterBinding, on since v1.35) and gets
/// `PodScheduled=True` (`scheduled`, the condition's writer). `None` when the pod is gone.
pub fn bind(
    world: &mut World,
    name: &str,
    node: &str,
    scheduled: impl FnOnce(&mut k8s_openapi::api::core::v1::PodStatus),
) -> Option<String> {
    let labels =
        crate::sim::api::pod_topology_labels::topology_labels(world.store.nodes().get(node));
    write::<Pod>(world, name, Author::Other, |pod| {
        crate::sim::api::pod_topology_labels::merge(pod, labels);
        if let Some(spec) = pod.spec.as_mut() {
            spec.node_name = Some(node.to_string());
        }
        let status = pod
            .status
            .get_or_insert_with(k8s_openapi::api::core::v1::PodStatus::default);
        status.nominated_node_name = None;
        scheduled(status);
        true
    })
}

pub(super) fn admit_priority(world: &World, name: &str, pod: &mut Pod) -> Result<(), ApiError> {
    let classes = priority_classes(world);
    crate::sim::api::priority::admit_create(pod, &classes).map_err(|reason| {
        ApiError::new(
            Reason::Forbidden,
            format!("pods \"{name}\" is forbidden: {reason}"),
        )
    })
}

/// The server changed the pod in place: new resourceVersion, watchers told.
fn touch_pod(world: &mut World, name: &str) {
    let rv = world.store.new_resource_version();
    let Some(pod) = world.store.pods.get_mut(name) else {
        return;
    };
    pod.metadata.resource_version = Some(rv);
    write::announce_stored(world, &ObjectKind::Pod, name, Change::Modified);
}

/// The pod object leaves the API; its deletion is complete.
pub fn remove_pod(world: &mut World, name: &str) {
    let Some(pod) = world.store.pods.remove(name) else {
        return;
    };
    world.pod_log.push(PodLifecycle {
        at: world.now,
        name: name.to_string(),
        created: false,
    });
    // The scheduler's cache and the kubelet (the pod's files too) let it go when they hear
    // the DELETED event, which carries the pod's last state.
    write::announce(
        world,
        ObjectKind::Pod,
        name,
        Change::Deleted,
        write::Author::Other,
        Some(store::Object::Pod(pod)),
    );
}

/// Graceful pod deletion: deletionTimestamp now; the kubelet stops the containers. A pod
/// never bound to a node, one that has finished, or a forced delete, skips the kubelet.
/// Controllers send no propagation policy: the pod's own finalizers decide.
pub fn delete_pod(world: &mut World, name: &str, grace_zero: bool) {
    delete_pod_with_grace(
        world,
        name,
        grace_zero.then_some(0),
        super::Propagation::Unset,
    );
}

/// A pod's DELETE with `gracePeriodSeconds` (`None`: its `terminationGracePeriodSeconds`,
/// 30 s by default) and a propagation policy (`Unset`: none sent). On a pod already being
/// deleted only a shorter period is taken (`rest.BeforeDelete`). Unless that deletion is
/// pending (a period no shorter than the running one), the policy sets the garbage
/// collector's finalizers as for any object (`updateForGracefulDeletionAndFinalizers`,
/// `deletionFinalizersForGarbageCollection`): `foregroundDeletion` holds the pod object, once
/// its containers have stopped, until the collector has deleted its blocking dependents.
pub fn delete_pod_with_grace(
    world: &mut World,
    name: &str,
    requested: Option<i64>,
    propagation: super::Propagation,
) {
    let grace_zero = requested == Some(0);
    if world.mutant(crate::sim::Mutant::ClaimDeletedWithPod) {
        crate::sim::mutants::delete_pod_claims(world, name);
    }
    let now = world.now;
    let Some(pod) = world.store.pods.get_mut(name) else {
        return;
    };
    let unbound = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_ref())
        .is_none();
    // `podStrategy.CheckGracefulDelete`: a pod that has already finished (phase Succeeded
    // or Failed) is deleted at once, whatever grace period was asked for, as an
    // unscheduled one is.
    let finished = matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    );
    // `rest.BeforeDelete` on a pod already being deleted with a period left: without a
    // shorter period the deletion is pending and the request changes nothing (not even the
    // finalizers). One already at period 0 (held by finalizers) takes the request's
    // finalizers.
    let running = pod
        .metadata
        .deletion_timestamp
        .is_some()
        .then(|| pod.metadata.deletion_grace_period_seconds.unwrap_or(0));
    let pending = running.is_some_and(|old| old > 0 && requested.is_none_or(|p| p >= old));
    if pending {
        return;
    }
    let grace = if grace_zero || unbound || finished {
        0
    } else {
        requested.unwrap_or_else(|| {
            pod.spec
                .as_ref()
                .and_then(|s| s.termination_grace_period_seconds)
                .unwrap_or(30)
        })
    };
    let mut changed = match running {
        None => {
            // `rest.BeforeDelete`: the timestamp is when the grace period ends, and the
            // first graceful deletion is a new generation.
            pod.metadata.deletion_timestamp = Some(to_time(now + Millis::from_secs(grace)));
            pod.metadata.deletion_grace_period_seconds = Some(grace);
            if let Some(generation) = pod.metadata.generation.filter(|g| *g > 0) {
                pod.metadata.generation = Some(generation.saturating_add(1));
            }
            true
        }
        Some(0) => false,
        Some(_) => {
            let before = pod.metadata.deletion_grace_period_seconds;
            shorten_grace(&mut pod.metadata, grace);
            pod.metadata.deletion_grace_period_seconds != before
        }
    };
    let existing = pod.metadata.finalizers.clone().unwrap_or_default();
    let finalizers = super::gc_finalizers(&existing, propagation);
    if finalizers != existing {
        pod.metadata.finalizers = (!finalizers.is_empty()).then_some(finalizers);
        changed = true;
    }
    let held = pod
        .metadata
        .finalizers
        .as_ref()
        .is_some_and(|f| !f.is_empty());
    let period = pod.metadata.deletion_grace_period_seconds.unwrap_or(0);
    if period == 0 && !held {
        remove_pod(world, name);
        return;
    }
    // A DELETE that changes nothing (a pod already being deleted, with a period no
    // shorter) writes nothing: the storage's `GuaranteedUpdate` skips an unchanged object,
    // so no new resourceVersion and no watch event.
    if changed {
        touch_pod(world, name);
    }
}

/// `rest.BeforeDelete` on an object already being deleted: only a shorter grace period is
/// taken, and the deletion timestamp moves with it (start of the deletion + new period).
pub fn shorten_grace(meta: &mut ObjectMeta, grace: i64) {
    let old = meta.deletion_grace_period_seconds.unwrap_or(0);
    if grace >= old {
        return;
    }
    if let Some(at) = meta.deletion_timestamp.as_ref() {
        let started = from_time(at) - Millis::from_secs(old);
        meta.deletion_timestamp = Some(to_time(started + Millis::from_secs(grace)));
    }
    meta.deletion_grace_period_seconds = Some(grace);
}

/// UPDATE of a pod (the pod strategy's `ValidateUpdate`, `ValidatePodUpdate`): the spec
/// may change only where upstream allows (new images, a lower or new
/// `activeDeadlineSeconds`, added tolerations, removed scheduling gates, …); the kubelet and
/// the taint manager hear the update and act on it. Whether anything changed.
pub(super) fn update_pod(
    world: &mut World,
    name: &str,
    value: &Value,
) -> Result<bool, RequestError> {
    let kind = ObjectKind::Pod;
    let Some(old) = world.store.pods.get(name).cloned() else {
        return Err(ApiError::not_found(&kind, name).into());
    };
    let mut pod: Pod = decode(&kind, value)?;
    defaults::default_pod(&mut pod);
    defaults::drop_disabled_pod_fields(pod.spec.as_mut(), old.spec.as_ref());
    crate::sim::api::priority::admit_update(&mut pod, &old);
    // DefaultTolerationSeconds admits updates too (`admission.NewHandler(Create, Update)`):
    // a new tolerations list (the field is replaced whole) gets the two 300 s tolerations
    // back, so adding a toleration is only an addition for `validateOnlyAddedTolerations`.
    crate::sim::api::default_toleration_seconds::admit(&mut pod);
    let errors = validation::validate_pod_update(&pod, &old);
    if !errors.is_empty() {
        return Err(invalid(&kind, name, &errors).into());
    }
    if pod == old {
        return Ok(false);
    }
    // `updatePodGeneration`: a new spec is a new generation.
    if pod.spec != old.spec {
        pod.metadata.generation = Some(old.metadata.generation.unwrap_or(0).saturating_add(1));
    }
    pod.metadata.resource_version = Some(world.store.new_resource_version());
    world.store.pods.insert(name.to_string(), pod);
    Ok(true)
}

/// Sets the pod's `DisruptionTarget` condition before a disruption deletes it (the Eviction
/// API, the taint manager), as upstream's `UpdatePodCondition` does.
pub fn set_disruption_target(world: &mut World, name: &str, reason: &str, message: &str) {
    let now = world.now;
    let Some(pod) = world.store.pods.get_mut(name) else {
        return;
    };
    let generation = pod.metadata.generation;
    let status = pod.status.get_or_insert_with(Default::default);
    let changed = podutil::update_pod_condition(
        status.conditions.get_or_insert_with(Vec::new),
        podutil::disruption_target(reason, message, generation, now),
    );
    if changed {
        touch_pod(world, name);
    }
}

/// `GetPodQOS` (pkg/apis/core/helper/qos): `Guaranteed` when every container (init
/// containers included) limits cpu and memory and requests exactly its limits,
/// `BestEffort` when none requests or limits either, `Burstable` otherwise. Pod-level
/// `spec.resources`, when set, stand for all the containers.
pub(super) fn qos_class(pod: &Pod) -> &'static str {
    let Some(spec) = pod.spec.as_ref() else {
        return "BestEffort";
    };
    // Pod-level resources, when set, decide alone (`ComputePodQOS` with PodLevelResources).
    let pod_level = spec.resources.as_ref().filter(|r| {
        r.requests
            .iter()
            .chain(r.limits.iter())
            .any(|l| !l.is_empty())
    });
    let resources: Vec<Option<&k8s_openapi::api::core::v1::ResourceRequirements>> = match pod_level
    {
        Some(r) => vec![Some(r)],
        None => spec
            .init_containers
            .iter()
            .flatten()
            .chain(spec.containers.iter())
            .map(|c| c.resources.as_ref())
            .collect(),
    };
    let compute = |name: &String| name == "cpu" || name == "memory";
    let same = |a: &k8s_openapi::apimachinery::pkg::api::resource::Quantity,
                b: &k8s_openapi::apimachinery::pkg::api::resource::Quantity| {
        a.0 == b.0
            || matches!((crate::quantity::parse(&a.0), crate::quantity::parse(&b.0)), (Ok(x), Ok(y)) if x == y)
    };
    let mut any = false;
    let mut guaranteed = true;
    for resources in resources {
        let requests = resources.and_then(|r| r.requests.as_ref());
        let limits = resources.and_then(|r| r.limits.as_ref());
        any |= requests.is_some_and(|r| r.keys().any(compute))
            || limits.is_some_and(|l| l.keys().any(compute));
        for resource in ["cpu", "memory"] {
            let limit = limits.and_then(|l| l.get(resource));
            let request = requests.and_then(|r| r.get(resource));
            match (request, limit) {
                (_, None) => guaranteed = false,
                (Some(request), Some(limit)) if !same(request, limit) => guaranteed = false,
                _ => {}
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}
