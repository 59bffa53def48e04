//! NodeResourcesFit (`noderesources/fit.go`, B-SCHED-4): the pod's effective requests
//! against the node's allocatable minus what its bound pods (terminating ones included)
//! request; scored `LeastAllocated` on cpu and memory, weight 1 each.
//!
//! A node that is merely full rejects the pod as `Unschedulable`: evicting pods could make
//! room, so preemption might help. A node whose whole allocatable is smaller than what the
//! pod asks for some resource (a GPU request on a node without GPUs included) can never
//! take it, whatever it runs: that rejection is `UnschedulableAndUnresolvable` (since
//! v1.34, kubernetes/kubernetes#131345), and preemption says it is not helpful there.
//! `Too many pods` alone stays `Unschedulable`.

use super::super::cache::NodeInfo;
use super::super::framework::{
    Code, PodInfo, Resources, Status, CPU, EPHEMERAL_STORAGE, MAX_NODE_SCORE, MEMORY,
};

pub const ERR_REASON_TOO_MANY_PODS: &str = "Too many pods";

/// PreFilter (`computePodResourceRequest`): the pod's non-zero requests in the order the
/// filter reports them: cpu, memory, ephemeral-storage, then the other (scalar) resources
/// by name.
pub fn pre_filter(pod: &PodInfo) -> Vec<(&str, i64)> {
    let r = &pod.requests;
    [
        (CPU, r.cpu),
        (MEMORY, r.memory),
        (EPHEMERAL_STORAGE, r.ephemeral_storage),
    ]
    .into_iter()
    .chain(r.scalar.iter().map(|(k, v)| (k.as_str(), *v)))
    .filter(|(_, v)| *v != 0)
    .collect()
}

/// `isSchedulableAfterPodEvent` for Pod/UpdatePodScaleDown of the unschedulable pod itself
/// (`isSchedulableAfterPodScaleDown`: the target pod's own scale-down may make it fit).
pub fn hint_after_own_scale_down() -> bool {
    true
}

/// Every short resource adds `Insufficient <name>`, after `Too many pods`; `wants` comes
/// from `pre_filter`. One resource asked for beyond the node's whole allocatable makes the
/// status `UnschedulableAndUnresolvable` (`fitsRequest`'s `Unresolvable`).
pub fn filter(wants: &[(&str, i64)], allocatable: &Resources, info: &NodeInfo) -> Option<Status> {
    let too_many = i64::from(info.pods) + 1 > allocatable.pods;
    let short =
        |&(name, want): &(&str, i64)| want > allocatable.amount(name) - info.requested.amount(name);
    if !too_many && !wants.iter().any(short) {
        return None;
    }
    let mut reasons = Vec::new();
    let mut code = Code::Unschedulable;
    if too_many {
        reasons.push(ERR_REASON_TOO_MANY_PODS.to_string());
    }
    for &(name, want) in wants.iter().filter(|w| short(w)) {
        reasons.push(format!("Insufficient {name}"));
        if want > allocatable.amount(name) {
            code = Code::UnschedulableAndUnresolvable;
        }
    }
    Some(Status {
        code,
        reasons,
        plugin: "",
    })
}

/// `isSchedulableAfterNodeChange` (Node/Add, Node/UpdateNodeAllocatable): worth a retry
/// when the pod fits the node's allocatable with nothing on it (`isFit`) and, for an
/// update, the allocatable grew for the pod count or for a resource the pod requests
/// (`haveAnyRequestedResourcesIncreased`).
pub fn hint_after_node_change(pod: &PodInfo, old: Option<&Resources>, new: &Resources) -> bool {
    let wants = pre_filter(pod);
    if filter(&wants, new, &NodeInfo::default()).is_some() {
        return false;
    }
    let Some(old) = old else {
        return true;
    };
    new.pods > old.pods
        || wants
            .iter()
            .any(|&(name, want)| want > 0 && new.amount(name) > old.amount(name))
}

/// `leastRequestedScore`.
fn least_requested(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

/// LeastAllocated over cpu and memory with the non-zero requests (B-SCHED-3).
pub fn score(pod: &PodInfo, allocatable: &Resources, info: &NodeInfo) -> i64 {
    let mut sum = 0;
    let mut weights = 0;
    for (capacity, requested) in [
        (allocatable.cpu, info.non_zero.0 + pod.non_zero.0),
        (allocatable.memory, info.non_zero.1 + pod.non_zero.1),
    ] {
        if capacity == 0 {
            continue;
        }
        sum += least_requested(requested, capacity);
        weights += 1;
    }
    if weights == 0 {
        0
    } else {
        sum / weights
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(cpu: i64, gpus: i64, pods: i64) -> Resources {
        let mut r = Resources::new();
        r.cpu = cpu;
        r.pods = pods;
        if gpus > 0 {
            *r.entry("nvidia.com/gpu") = gpus;
        }
        r
    }

    fn held(cpu: i64, pods: u32) -> NodeInfo {
        let mut info = NodeInfo {
            pods,
            ..NodeInfo::default()
        };
        info.requested.cpu = cpu;
        info
    }

    #[test]
    fn a_full_node_may_be_helped_by_preemption() {
        let status = filter(&[(CPU, 2000)], &node(4000, 0, 110), &held(3000, 1)).unwrap();
        assert_eq!(status.code, Code::Unschedulable);
        assert_eq!(status.reasons, vec!["Insufficient cpu"]);
    }

    #[test]
    fn a_request_beyond_the_whole_allocatable_is_unresolvable() {
        let status = filter(&[(CPU, 6000)], &node(4000, 0, 110), &held(0, 0)).unwrap();
        assert_eq!(status.code, Code::UnschedulableAndUnresolvable);
        // A GPU asked of a node without any.
        let status = filter(&[("nvidia.com/gpu", 1)], &node(4000, 0, 110), &held(0, 0)).unwrap();
        assert_eq!(status.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(status.reasons, vec!["Insufficient nvidia.com/gpu"]);
        // One resource beyond the allocatable is enough, the others merely short.
        let status = filter(
            &[(CPU, 2000), ("nvidia.com/gpu", 2)],
            &node(4000, 1, 110),
            &held(3000, 1),
        )
        .unwrap();
        assert_eq!(status.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(
            status.reasons,
            vec!["Insufficient cpu", "Insufficient nvidia.com/gpu"]
        );
    }

    #[test]
    fn too_many_pods_stays_resolvable() {
        let status = filter(&[], &node(4000, 0, 1), &held(0, 1)).unwrap();
        assert_eq!(status.code, Code::Unschedulable);
        assert_eq!(status.reasons, vec![ERR_REASON_TOO_MANY_PODS]);
    }
}
