//! NodeResourcesFit (`noderesources/fit.go`, B-SCHED-4): the pod's effective requests
//! against the node's allocatable minus what its bound pods (terminating ones included)
//! request; scored `LeastAllocated` on cpu and memory, weight 1 each.

use super::super::cache::NodeInfo;
use super::super::framework::{Code, PodInfo, Resources, Status, MAX_NODE_SCORE};

pub const ERR_REASON_TOO_MANY_PODS: &str = "Too many pods";

/// PreFilter (`computePodResourceRequest`): the pod's non-zero requests in the order the
/// filter reports them: cpu, memory, ephemeral-storage, then the other (scalar) resources
/// by name.
pub fn pre_filter(pod: &PodInfo) -> Vec<(&str, i64)> {
    let mut wants: Vec<(&str, i64)> = pod
        .requests
        .iter()
        .filter(|(k, v)| *k != "pods" && **v != 0)
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    let rank = |n: &str| match n {
        "cpu" => 0,
        "memory" => 1,
        "ephemeral-storage" => 2,
        _ => 3,
    };
    wants.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then_with(|| a.0.cmp(b.0)));
    wants
}

/// Every short resource adds `Insufficient <name>`, after `Too many pods`; `wants` comes
/// from `pre_filter`.
pub fn filter(wants: &[(&str, i64)], allocatable: &Resources, info: &NodeInfo) -> Option<Status> {
    let mut reasons = Vec::new();
    let allowed_pods = allocatable.get("pods").copied().unwrap_or(0);
    if i64::from(info.pods) + 1 > allowed_pods {
        reasons.push(ERR_REASON_TOO_MANY_PODS.to_string());
    }
    for &(name, want) in wants {
        let have = allocatable.get(name).copied().unwrap_or(0)
            - info.requested.get(name).copied().unwrap_or(0);
        if want > have {
            reasons.push(format!("Insufficient {name}"));
        }
    }
    (!reasons.is_empty()).then_some(Status {
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
    for (name, requested) in [
        ("cpu", info.non_zero.0 + pod.non_zero.0),
        ("memory", info.non_zero.1 + pod.non_zero.1),
    ] {
        let capacity = allocatable.get(name).copied().unwrap_or(0);
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
