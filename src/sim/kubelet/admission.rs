//! Pod admission by the kubelet (`pkg/kubelet/lifecycle/predicate.go` `Admit`,
//! `generalFilter`; `kubelet.go` `rejectPod`). Before it starts a pod bound to its node the
//! kubelet checks that the pod fits there, as the scheduler would: a pod bound by
//! `spec.nodeName` skipped the scheduler, and this is its only check. The first failure, in
//! upstream's order, rejects the pod:
//!
//! - the operating system, first (the checks preemption cannot help): a pod label
//!   `kubernetes.io/os` other than the node's OS (`rejectPodAdmissionBasedOnOSSelector`:
//!   the kubelet's own `runtime.GOOS`, `linux`, whatever the node's label says): reason
//!   `PodOSSelectorNodeLabelDoesNotMatch`, message ``Failed to admit pod as the
//!   `kubernetes.io/os` label doesn't match node label``; then a `spec.os.name` other than
//!   `linux` (`rejectPodAdmissionBasedOnOSField`): reason `PodOSNotSupported`, message
//!   `Failed to admit pod as the OS field doesn't match node OS`;
//! - resources (`noderesources.Fits` against the node's allocatable minus what its other
//!   pods request): too many pods, then cpu, memory, ephemeral-storage, then the other
//!   resources by name (an extended resource the node does not list at all is dropped from
//!   the requests first, `removeMissingExtendedResources`); reason `OutOf<resource>` (`OutOfcpu`, `OutOfpods`, …), message
//!   `Node didn't have enough resource: <resource>, requested: N, used: N, capacity: N`
//!   (cpu in millicores);
//! - nodeSelector and required node affinity: reason `NodeAffinity`, message `Predicate
//!   NodeAffinity failed: node(s) didn't match Pod's node affinity/selector`;
//! - a `hostPort` one of the node's other pods already takes (the scheduler's NodePorts
//!   check): reason `NodePorts`, message `Predicate NodePorts failed: node(s) didn't have
//!   free ports for the requested pod ports`;
//! - a `NoExecute` taint the pod does not tolerate (the kubelet looks at no other effect):
//!   reason `TaintToleration`, message `Predicate TaintToleration failed: node(s) had taints
//!   that the pod didn't tolerate` (`tainttoleration.ErrReasonNotMatch`, not the words of
//!   the scheduler's filter).
//!
//! A rejected pod is never started: the kubelet records a Warning event with the reason and
//! message and writes the status `Failed`, that reason, and the message `Pod was rejected:
//! <message>`; the status has no container status, no IP and none of the kubelet's
//! conditions (the status manager keeps only the conditions the kubelet does not own).

use k8s_openapi::api::core::v1::{Pod, PodStatus};

use super::super::clock::to_time;
use super::super::scheduler::framework::{self, PodInfo, Resources};
use super::super::scheduler::plugins::{node_affinity, node_ports, taint_toleration};
use super::super::server;
use super::super::world::World;
use super::event;

/// Why the kubelet refuses the pod: (reason, message).
pub(crate) type Rejection = (String, String);

/// `Admit`: None when the pod may run on `node`.
pub(crate) fn admit(world: &World, pod: &Pod, node: &str) -> Option<Rejection> {
    let node_obj = world.store.nodes().get(node)?;
    if let Some(rejection) = os_mismatch(pod) {
        return Some(rejection);
    }
    // Only what `Admit` reads: the requests, the node selector and required node
    // affinity, the tolerations (not the labels, owner, inter-pod terms or spread).
    let spec = pod.spec.as_ref();
    let info = PodInfo {
        requests: framework::pod_requests(pod).0,
        tolerations: spec.and_then(|s| s.tolerations.clone()).unwrap_or_default(),
        node_selector: spec
            .and_then(|s| s.node_selector.clone())
            .unwrap_or_default(),
        required_node_terms: spec
            .and_then(|s| s.affinity.as_ref())
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|n| {
                n.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })
            .map(|s| s.node_selector_terms.clone()),
        ..PodInfo::default()
    };
    let allocatable = framework::node_allocatable(node_obj);
    // What the node's other pods hold. The kubelet counts the pods it admitted and that
    // have not finished; the scheduler's cache holds the same pods of the node (the pods
    // bound there that have not finished), this one included once its event was heard.
    let mut used = Resources::new();
    let mut pods = 0i64;
    let own_ports = node_ports::host_ports(pod);
    let mut used_ports = Vec::new();
    if let Some(n) = world.scheduler.cache.node(node) {
        used = n.requested.clone();
        pods = i64::from(n.pods);
        if !own_ports.is_empty() {
            used_ports = n.used_ports.clone();
        }
        // The pod's own entry, once its event was heard (a label change since does not
        // matter: what it holds comes from its spec).
        let name = pod.metadata.name.as_deref().unwrap_or_default();
        let cache = &world.scheduler.cache;
        let own = cache
            .bound
            .get(name)
            .filter(|b| Some(b.slot) == cache.slot_of(node));
        if let Some(own) = own {
            used.add_scaled(&own.requests, -1);
            pods -= 1;
            for port in &own.host_ports {
                if let Some(i) = used_ports.iter().position(|p| p == port) {
                    used_ports.swap_remove(i);
                }
            }
        }
    }
    if pods + 1 > allocatable.pods {
        return Some(insufficient("pods", 1, pods, allocatable.pods));
    }
    let wants = super::super::scheduler::plugins::node_resources_fit::pre_filter(&info);
    // `removeMissingExtendedResources`: an extended resource (a domain outside
    // kubernetes.io, e.g. `nvidia.com/gpu`; validation vouched for the rest of the name)
    // that the node does not list at all is not checked: the pod is admitted without it.
    let unknown_extended = |name: &str| {
        name.contains('/')
            && !name.contains("kubernetes.io/")
            && !allocatable.scalar.contains_key(name)
    };
    for (resource, want) in wants.into_iter().filter(|(r, _)| !unknown_extended(r)) {
        let have = allocatable.amount(resource);
        let held = used.amount(resource);
        if want > have - held {
            return Some(insufficient(resource, want, held, have));
        }
    }
    if !node_affinity::matches_required(&info, node_obj) {
        return Some(predicate("NodeAffinity", node_affinity::ERR_REASON_POD));
    }
    if node_ports::filter(&own_ports, &used_ports).is_some() {
        return Some(predicate("NodePorts", node_ports::ERR_REASON));
    }
    let untolerated = node_obj
        .spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .into_iter()
        .flatten()
        .filter(|t| t.effect == "NoExecute")
        .any(|t| !taint_toleration::tolerated(&info.tolerations, t));
    if untolerated {
        return Some(predicate("TaintToleration", ERR_REASON_TAINTS));
    }
    None
}

/// `tainttoleration.ErrReasonNotMatch`, which the kubelet's `generalFilter` reports (the
/// scheduler's `Filter` says `node(s) had untolerated taint(s)` instead).
const ERR_REASON_TAINTS: &str = "node(s) had taints that the pod didn't tolerate";

/// The kubelet's operating system (`runtime.GOOS`): every simulated node runs Linux.
const NODE_OS: &str = "linux";

/// `rejectPodAdmissionBasedOnOSSelector`, then `rejectPodAdmissionBasedOnOSField`.
fn os_mismatch(pod: &Pod) -> Option<Rejection> {
    let label = pod
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("kubernetes.io/os"));
    if label.is_some_and(|os| os != NODE_OS) {
        return Some((
            "PodOSSelectorNodeLabelDoesNotMatch".into(),
            "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label".into(),
        ));
    }
    let field = pod.spec.as_ref().and_then(|s| s.os.as_ref());
    if field.is_some_and(|os| os.name != NODE_OS) {
        return Some((
            "PodOSNotSupported".into(),
            "Failed to admit pod as the OS field doesn't match node OS".into(),
        ));
    }
    None
}

/// `InsufficientResourceError`: reason `OutOf<resource>`.
fn insufficient(resource: &str, requested: i64, used: i64, capacity: i64) -> Rejection {
    (
        format!("OutOf{resource}"),
        format!(
            "Node didn't have enough resource: {resource}, requested: {requested}, used: {used}, capacity: {capacity}"
        ),
    )
}

/// `PredicateFailureError`: reason the predicate's name.
fn predicate(name: &str, reason: &str) -> Rejection {
    (
        name.to_string(),
        format!("Predicate {name} failed: {reason}"),
    )
}

/// `rejectPod`: the event, and the status `Failed` with the reason.
pub(crate) fn reject(world: &mut World, name: &str, (reason, message): Rejection) {
    let now = world.now;
    event(world, name, "Warning", &reason, message.clone());
    server::write::<Pod>(world, name, server::Author::Other, |pod| {
        let old = pod.status.take().unwrap_or_default();
        let kept: Vec<_> = old
            .conditions
            .into_iter()
            .flatten()
            .filter(|c| !super::status::kubelet_owned(&c.type_))
            .collect();
        pod.status = Some(PodStatus {
            phase: Some("Failed".into()),
            reason: Some(reason),
            message: Some(format!("Pod was rejected: {message}")),
            qos_class: old.qos_class,
            start_time: old.start_time.or_else(|| Some(to_time(now))),
            conditions: (!kept.is_empty()).then_some(kept),
            ..Default::default()
        });
        true
    });
}
