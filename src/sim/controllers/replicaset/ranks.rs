//! Which pods a ReplicaSet deletes first when it scales down: `getPodsToDelete` with
//! `getPodsRankedByRelatedPodsOnSameNode` (`replica_set.go`) and `ActivePodsWithRanks.Less`
//! (`pkg/controller/controller_utils.go`), with the v1.36 gates: `PodDeletionCost` (beta,
//! on) and `LogarithmicScaleDown` (GA).
//!
//! The order, smallest (deleted first) to largest: unassigned before assigned; Pending,
//! Unknown, Running; not Ready before Ready; lower `controller.kubernetes.io/pod-deletion-cost`
//! first; more active related pods on the same node first ("doubled up": related pods are
//! those of every ReplicaSet with the same controller; a set without a controller has none,
//! so this rank does not order its pods);
//! Ready for less time first (compared on a log2 scale of the time since, ties broken by
//! UID); more container restarts first (regular containers, then sidecars); newer first
//! (the same log2 scale and UID tie-break). Upstream sorts with `sort.Sort`, which is not
//! stable, from the informer's list in no set order; here the pods start in name order and
//! the sort is stable, so pods equal in every rank go by name.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Pod;

use super::is_active;
use crate::sim::clock::{from_time, Millis};
use crate::sim::podutil;
use crate::sim::world::World;

/// `getPodsToDelete`: all of them when all go, else the `diff` smallest by rank.
pub fn pods_to_delete(
    world: &World,
    rs: &ReplicaSet,
    active: &[String],
    diff: usize,
) -> Vec<String> {
    let mut pods: Vec<Arc<Pod>> = active
        .iter()
        .filter_map(|n| world.store.pods().get_shared(n))
        .collect();
    if diff < pods.len() {
        let on_node = related_pods_on_nodes(world, rs);
        let now = world.now;
        pods.sort_by(|a, b| less(a, b, &on_node, now));
    }
    pods.iter()
        .take(diff)
        .filter_map(|p| p.metadata.name.clone())
        .collect()
}

/// `getIndirectlyRelatedPods` counted per node: the active pods of every ReplicaSet that
/// shares the set's controller; none for a set without a controller.
fn related_pods_on_nodes(world: &World, rs: &ReplicaSet) -> BTreeMap<String, u64> {
    let owner = rs
        .metadata
        .owner_references
        .as_ref()
        .and_then(|refs| refs.iter().find(|r| r.controller == Some(true)))
        .map(|r| r.uid.clone());
    // `getReplicaSetsWithSameController` gives nothing for a set without a controller
    // ("ReplicaSet has no controller"): its pods all rank 0.
    let Some(owner) = owner else {
        return BTreeMap::new();
    };
    let kind = super::kind();
    let related: Vec<String> = super::names(world)
        .iter()
        .filter_map(|n| world.store.meta(&kind, n))
        .filter(|m| {
            m.owner_references
                .as_ref()
                .and_then(|refs| refs.iter().find(|r| r.controller == Some(true)))
                .is_some_and(|r| r.uid == owner)
        })
        .filter_map(|m| m.uid.clone())
        .collect();
    let mut on_node = BTreeMap::new();
    for pod in world.store.pods().values() {
        let owned = podutil::controller_uid(pod).is_some_and(|u| related.iter().any(|r| r == u));
        if owned && is_active(pod) {
            let node = node_of(pod).to_string();
            *on_node.entry(node).or_insert(0) += 1;
        }
    }
    on_node
}

fn node_of(pod: &Pod) -> &str {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or("")
}

/// `podPhaseToOrdinal`.
fn phase_ordinal(pod: &Pod) -> u8 {
    match podutil::phase(pod) {
        "Unknown" => 1,
        "Running" => 2,
        _ => 0,
    }
}

/// `GetDeletionCostFromPodAnnotations`: the annotation as an int32, 0 when absent or
/// invalid (the API server refuses an invalid one).
fn deletion_cost(pod: &Pod) -> i32 {
    crate::sim::api::validation::deletion_cost(pod.metadata.annotations.as_ref()).unwrap_or(0)
}

/// `podReadyTime`: when a Ready pod turned Ready; `None` (the zero time) otherwise.
fn ready_time(pod: &Pod) -> Option<Millis> {
    match podutil::ready_condition(pod) {
        Some((true, since)) => Some(since),
        _ => None,
    }
}

fn creation_time(pod: &Pod) -> Option<Millis> {
    pod.metadata.creation_timestamp.as_ref().map(from_time)
}

/// `logarithmicRankDiff`: floor(log2) of the time since each, in nanoseconds (-1 for none).
fn log_rank(t: Millis, now: Millis) -> i64 {
    let d = (now - t).as_ms() as u128 * 1_000_000;
    if d == 0 {
        -1
    } else {
        (127 - d.leading_zeros()) as i64
    }
}

/// `afterOrZero` as an ordering: the zero time first, then the later time first.
fn after_or_zero(a: Option<Millis>, b: Option<Millis>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => b.cmp(&a),
    }
}

/// A time rank with `LogarithmicScaleDown`: the log2 buckets of the time since (a lower
/// bucket, more recent, first), ties broken by UID; the zero time as `afterOrZero`.
fn time_rank(a: Option<Millis>, b: Option<Millis>, pa: &Pod, pb: &Pod, now: Millis) -> Ordering {
    match (a, b) {
        (Some(ta), Some(tb)) => {
            let diff = log_rank(ta, now) - log_rank(tb, now);
            if diff == 0 {
                pa.metadata.uid.cmp(&pb.metadata.uid)
            } else {
                diff.cmp(&0)
            }
        }
        _ => after_or_zero(a, b),
    }
}

/// `maxContainerRestarts`: the most restarts of a regular container, and of a sidecar.
fn max_restarts(pod: &Pod) -> (i32, i32) {
    let status = pod.status.as_ref();
    let regular = status
        .and_then(|s| s.container_statuses.as_ref())
        .map_or(0, |cs| {
            cs.iter().map(|c| c.restart_count).max().unwrap_or(0)
        });
    let sidecars: Vec<&str> = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .map(|cs| {
            cs.iter()
                .filter(|c| c.restart_policy.as_deref() == Some("Always"))
                .map(|c| c.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    let sidecar = status
        .and_then(|s| s.init_container_statuses.as_ref())
        .map_or(0, |cs| {
            cs.iter()
                .filter(|c| sidecars.contains(&c.name.as_str()))
                .map(|c| c.restart_count)
                .max()
                .unwrap_or(0)
        });
    (regular, sidecar)
}

/// `ActivePodsWithRanks.Less`, as an ordering (`Less` is `Ordering::Less`).
fn less(a: &Pod, b: &Pod, on_node: &BTreeMap<String, u64>, now: Millis) -> Ordering {
    let (na, nb) = (node_of(a), node_of(b));
    // 1. Unassigned < assigned.
    if na != nb && (na.is_empty() || nb.is_empty()) {
        return if na.is_empty() {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    // 2. Pending < Unknown < Running.
    let order = phase_ordinal(a).cmp(&phase_ordinal(b));
    if order != Ordering::Equal {
        return order;
    }
    // 3. Not ready < ready.
    let (ra, rb) = (podutil::is_ready(a), podutil::is_ready(b));
    if ra != rb {
        return if !ra {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    // 4. Lower pod-deletion-cost < higher.
    let order = deletion_cost(a).cmp(&deletion_cost(b));
    if order != Ordering::Equal {
        return order;
    }
    // 5. Doubled up < not doubled up: more related pods on the node first.
    let rank = |n: &str| on_node.get(n).copied().unwrap_or(0);
    let order = rank(nb).cmp(&rank(na));
    if order != Ordering::Equal {
        return order;
    }
    // 6. Ready for less time < more time.
    if ra && rb {
        let (ta, tb) = (ready_time(a), ready_time(b));
        if ta != tb {
            return time_rank(ta, tb, a, b, now);
        }
    }
    // 7. More restarts < fewer.
    let (ma, mb) = (max_restarts(a), max_restarts(b));
    if ma.0 != mb.0 {
        return mb.0.cmp(&ma.0);
    }
    if ma.1 != mb.1 {
        return mb.1.cmp(&ma.1);
    }
    // 8. Newer < older.
    let (ca, cb) = (creation_time(a), creation_time(b));
    if ca != cb {
        return time_rank(ca, cb, a, b, now);
    }
    Ordering::Equal
}
