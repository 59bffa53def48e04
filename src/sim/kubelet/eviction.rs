//! Node-pressure eviction by the kubelet (`pkg/kubelet/eviction`): the containers are
//! killed, then the pod is Failed with reason Evicted and the `DisruptionTarget`
//! condition; the object stays (B-FAIL-1 has the StatefulSet controller replace it).

use k8s_openapi::api::core::v1::{Pod, PodStatus};

use super::super::clock::Millis;
use super::super::podutil;
use super::super::server;
use super::super::world::World;
use super::{event, PodRuntime};

/// `immediateEvictionGracePeriodSeconds`: the grace period a hard eviction threshold gives
/// the pod's containers.
pub const EVICTION_GRACE: Millis = Millis::secs(1);

/// `make pod/x evicted`: node-pressure eviction by the kubelet (`evictPod` →
/// `killPodFunc`): every running container gets `Killing` "Stopping container <name>" and
/// stops within the 1 s grace period (exit 0, or 137 when it would take longer); scn stops
/// them in the instant of the eviction. The status the kubelet then writes has phase
/// Failed, reason Evicted, the message of the `Evicted` event (`evictionMessage`: scn names
/// no threshold or usage), and `DisruptionTarget=True` with reason `TerminationByKubelet`
/// and the same message, which the status manager appends after the kubelet's own
/// conditions (`mergePodStatus`); kubectl shows the pod as `Evicted`.
///
/// Only a running kubelet evicts, and only the pods bound to its node: a pod on a node
/// that is down (its kubelet stopped, nothing it could write reaches the API server), on
/// a node that does not exist, or bound to no node is left as it is.
pub fn evict(world: &mut World, name: &str) {
    let now = world.now;
    let Some(pod) = world.store.pods().get(name) else {
        return;
    };
    let node = super::node_of(pod);
    let kubelet_runs = node.as_ref().is_some_and(|node| {
        world.store.nodes().get(node).is_some() && !world.kubelet.down.contains(node)
    });
    if !kubelet_runs {
        return;
    }
    let finished = podutil::is_failed(pod) || podutil::is_succeeded(pod);
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    if finished {
        if let Some(rt) = world.kubelet.pods.get_mut(&uid) {
            rt.frozen = true;
        }
        return;
    }
    // The event comes first, then the kill.
    let message = "The node was low on resource: memory. ".to_string();
    event(world, name, "Warning", "Evicted", message.clone());
    // The worker's record is taken out while the containers are stopped, and put back.
    let mut rt = world.kubelet.pods.remove(&uid);
    if let Some(rt) = rt.as_mut() {
        rt.frozen = true;
        kill(world, rt);
    }
    server::write::<Pod>(world, name, server::Author::Other, |pod| {
        let generation = pod.metadata.generation;
        let status = pod.status.get_or_insert_with(PodStatus::default);
        status.phase = Some("Failed".into());
        status.reason = Some("Evicted".into());
        status.message = Some(message.clone());
        // The container states keep their last observation: the first status upstream
        // writes for an evicted pod, which kubectl shows as `Evicted`
        // (kubernetes/kubernetes#105358). A later sync may show the stopped containers'
        // reason instead, which upstream tracks as a wrong status (#105467); the kubelet
        // writes nothing more for a pod it has evicted.
        super::status::mark_not_ready(status, pod.spec.as_ref(), now);
        super::status::kubelet_conditions(status, generation, now);
        podutil::update_pod_condition(
            status.conditions.get_or_insert_with(Vec::new),
            podutil::disruption_target("TerminationByKubelet", &message, generation, now),
        );
        true
    });
    if let Some(rt) = rt {
        world.kubelet.pods.insert(uid, rt);
    }
}

/// `killPodWithSyncResult` with the eviction's grace period: regular containers in spec
/// order, then sidecars in reverse order, each stopped now (exit 0, or 137 for one that
/// would take longer than the grace period).
fn kill(world: &mut World, rt: &mut PodRuntime) {
    for i in super::termination::stop_order(rt) {
        let (_, code) = super::pod_workers::kill_time(world, &rt.containers[i], EVICTION_GRACE);
        super::termination::stop_now(world, rt, i, code);
    }
    super::termination::forget_readiness(rt);
}
