//! NodeResourcesBalancedAllocation (`noderesources/balanced_allocation.go`): nodes whose
//! cpu and memory would be used in equal fractions score higher. A pod that requests
//! neither is not scored by it (every node gets 0).

use super::super::cache::NodeInfo;
use super::super::framework::{PodInfo, Resources, MAX_NODE_SCORE};

/// PreScore: whether the pod requests cpu or memory (else every node scores 0).
pub fn scores(pod: &PodInfo) -> bool {
    pod.requests.cpu != 0 || pod.requests.memory != 0
}

pub fn score(pod: &PodInfo, allocatable: &Resources, info: &NodeInfo) -> i64 {
    let want = &pod.requests;
    if !scores(pod) {
        return 0;
    }
    let mut fractions = Vec::new();
    for (capacity, requested, wanted) in [
        (allocatable.cpu, info.requested.cpu, want.cpu),
        (allocatable.memory, info.requested.memory, want.memory),
    ] {
        if capacity == 0 {
            continue;
        }
        let requested = requested + wanted;
        fractions.push((requested as f64 / capacity as f64).min(1.0));
    }
    let std = if fractions.len() == 2 {
        ((fractions[0] - fractions[1]) / 2.0).abs()
    } else {
        0.0
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}
