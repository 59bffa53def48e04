//! NodeResourcesBalancedAllocation (`noderesources/balanced_allocation.go`): nodes whose
//! cpu and memory balance the pod would improve score higher. A pod that requests
//! neither is not scored by it (every node gets 0).
//!
//! Since v1.36 (kubernetes/kubernetes#135573) the score is the change of the node's
//! balance, not the balance with the pod alone: with `b(requests)` the old
//! `(1 - std) * 100` of the cpu and memory fractions (each capped at 1, a resource the
//! node has none of left out), a node scores `50 + (50 + b(with pod) - b(without)) / 2`
//! in integer arithmetic: 75 when the pod changes nothing, towards 100 when it improves
//! the balance, towards 50 when it breaks it.

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
    let without = balance(allocatable, info.requested.cpu, info.requested.memory);
    let with = balance(
        allocatable,
        info.requested.cpu.saturating_add(want.cpu),
        info.requested.memory.saturating_add(want.memory),
    );
    MAX_NODE_SCORE / 2 + (MAX_NODE_SCORE / 2 + with - without) / 2
}

/// `balancedResourceScore`: `(1 - std) * MaxNodeScore` of the requested fractions, each
/// capped at 1; with one resource (the node has none of the other) the std is 0.
fn balance(allocatable: &Resources, cpu: i64, memory: i64) -> i64 {
    let fraction = |requested: i64, capacity: i64| {
        (capacity != 0).then(|| (requested as f64 / capacity as f64).min(1.0))
    };
    let std = match (
        fraction(cpu, allocatable.cpu),
        fraction(memory, allocatable.memory),
    ) {
        (Some(c), Some(m)) => ((c - m) / 2.0).abs(),
        _ => 0.0,
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(cpu: i64, memory: i64) -> NodeInfo {
        let mut info = NodeInfo::default();
        info.requested.cpu = cpu;
        info.requested.memory = memory;
        info
    }

    /// The cases of upstream's `balanced_allocation_test.go` after #135573: from perfectly
    /// imbalanced to balanced is 100, the reverse 50, no change 75.
    #[test]
    fn scores_the_change_of_balance() {
        let allocatable = Resources {
            cpu: 3000,
            memory: 5000,
            ..Default::default()
        };
        let mut pod = PodInfo::default();
        pod.requests.memory = 5000;
        assert_eq!(score(&pod, &allocatable, &node(3000, 0)), 100);
        assert_eq!(score(&pod, &allocatable, &node(0, 0)), 50);
        pod.requests.memory = 0;
        pod.requests.cpu = 0;
        assert_eq!(score(&pod, &allocatable, &node(0, 0)), 0);
        pod.requests.cpu = 300;
        pod.requests.memory = 500;
        assert_eq!(score(&pod, &allocatable, &node(0, 0)), 75);
    }
}
