//! NodeResourcesFit (`noderesources/fit.go`, B-SCHED-4): the pod's effective requests
//! against the node's allocatable minus what its bound pods (terminating ones included)
//! request; scored `LeastAllocated` on cpu and memory, weight 1 each.

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

/// Every short resource adds `Insufficient <name>`, after `Too many pods`; `wants` comes
/// from `pre_filter`.
pub fn filter(wants: &[(&str, i64)], allocatable: &Resources, info: &NodeInfo) -> Option<Status> {
    let too_many = i64::from(info.pods) + 1 > allocatable.pods;
    let short =
        |&(name, want): &(&str, i64)| want > allocatable.amount(name) - info.requested.amount(name);
    if !too_many && !wants.iter().any(short) {
        return None;
    }
    let mut reasons = Vec::new();
    if too_many {
        reasons.push(ERR_REASON_TOO_MANY_PODS.to_string());
    }
    for want in wants.iter().filter(|w| short(w)) {
        reasons.push(format!("Insufficient {}", want.0));
    }
    Some(Status {
        code: Code::Unschedulable,
        reasons,
    })
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
