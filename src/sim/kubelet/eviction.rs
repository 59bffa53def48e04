//! Node-pressure eviction by the kubelet (`pkg/kubelet/eviction`): phase Failed, reason
//! Evicted, the `DisruptionTarget` condition; the object stays (B-FAIL-1 has the
//! StatefulSet controller replace it).

use k8s_openapi::api::core::v1::{Pod, PodStatus};

use super::super::podutil;
use super::super::server;
use super::super::world::World;
use super::event;

/// `make pod/x evicted`: node-pressure eviction by the kubelet (`evictPod`): phase Failed,
/// reason Evicted, the message of the `Evicted` event (`evictionMessage`: scn names no
/// threshold or usage), containers stopped; the object stays (B-FAIL-1 has the controller
/// replace it). The status carries `DisruptionTarget=True` with reason
/// `TerminationByKubelet` and the same message; the status manager appends it after the
/// kubelet's own conditions (`mergePodStatus`: a condition shared by the kubelet is replaced
/// or appended).
pub fn evict(world: &mut World, name: &str) {
    let now = world.now;
    let Some(pod) = world.store.pods().get(name) else {
        return;
    };
    if let Some(rt) = pod
        .metadata
        .uid
        .as_ref()
        .and_then(|uid| world.kubelet.pods.get_mut(uid))
    {
        rt.frozen = true;
    }
    if podutil::is_failed(pod) || podutil::is_succeeded(pod) {
        return;
    }
    let message = "The node was low on resource: memory. ".to_string();
    event(world, name, "Warning", "Evicted", message.clone());
    server::write::<Pod>(world, name, server::Author::Other, |pod| {
        let generation = pod.metadata.generation;
        let status = pod.status.get_or_insert_with(PodStatus::default);
        status.phase = Some("Failed".into());
        status.reason = Some("Evicted".into());
        status.message = Some(message.clone());
        // Container states keep their last observation, so kubectl shows `Evicted`.
        super::status::mark_not_ready(status, now);
        super::status::kubelet_conditions(status, generation, now);
        podutil::update_pod_condition(
            status.conditions.get_or_insert_with(Vec::new),
            podutil::disruption_target("TerminationByKubelet", &message, generation, now),
        );
        true
    });
}
