//! The RollingUpdate strategy (`pkg/controller/daemon/update.go` `rollingUpdate`,
//! `updatedDesiredNodeCounts`, `findUpdatedPodsOnNode`; `util.UnavailableCount`,
//! `SurgeCount`, `AllowsSurge`), B-DS-8/9.
//!
//! Without surge, old pods are deleted while fewer than `maxUnavailable` nodes are
//! unavailable (an old pod that is not available is always replaced); `manage` creates the
//! new pods. With surge, a new pod is created beside an old one on at most `maxSurge`
//! nodes at once, and the old one goes when the new one is available. Upstream walks its
//! nodes in map order; scn walks them in name order.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::util;
use crate::sim::error::SimError;
use crate::sim::world::World;

/// `GetScaledValueFromIntOrPercent(value, total, roundUp=true)`.
fn scaled(value: Option<&IntOrString>, total: i64) -> i64 {
    match value {
        None => 0,
        Some(IntOrString::Int(i)) => i64::from(*i),
        Some(IntOrString::String(s)) => {
            let Some(percent) = s.strip_suffix('%').and_then(|n| n.parse::<i64>().ok()) else {
                return 0;
            };
            (percent.saturating_mul(total) + 99).div_euclid(100)
        }
    }
}

fn rolling(ds: &DaemonSet) -> Option<&k8s_openapi::api::apps::v1::RollingUpdateDaemonSet> {
    let strategy = ds.spec.as_ref()?.update_strategy.as_ref()?;
    if strategy.type_.as_deref() != Some("RollingUpdate") {
        return None;
    }
    strategy.rolling_update.as_ref()
}

/// `AllowsSurge`: a RollingUpdate whose `maxSurge` is not 0.
pub fn allows_surge(ds: &DaemonSet) -> bool {
    rolling(ds).is_some_and(|r| {
        // A percentage above 0 of any count rounds up to at least one.
        scaled(r.max_surge.as_ref(), 1) != 0
    })
}

/// The pods of a node split into the updated and the old one (`findUpdatedPodsOnNode`);
/// `None` when the node has two of either (the core loop cleans it up first).
type NodePods = (Option<Arc<Pod>>, Option<Arc<Pod>>);

fn split(pods: &[Arc<Pod>], hash: &str, generation: Option<i64>) -> Option<NodePods> {
    let (mut new, mut old) = (None, None);
    for pod in pods {
        if pod.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let slot = if util::is_updated(pod, hash, generation) {
            &mut new
        } else {
            &mut old
        };
        if slot.is_some() {
            return None;
        }
        *slot = Some(pod.clone());
    }
    Some((new, old))
}

/// `rollingUpdate`: the old pods to delete and (with surge) the nodes to create a new pod
/// on, handed to `syncNodes`. Whether every write went through.
pub fn rolling_update(world: &mut World, ds: &DaemonSet, hash: &str) -> Result<bool, SimError> {
    let mut by_node = super::pods_by_node(world, ds, false);
    let nodes: Vec<_> = world.store.nodes().values().cloned().collect();
    let mut desired = 0i64;
    for node in &nodes {
        if util::should_run(node, ds).0 {
            desired += 1;
            by_node
                .entry(node.metadata.name.clone().unwrap_or_default())
                .or_default();
        }
    }
    let r = rolling(ds);
    let mut max_unavailable = scaled(r.and_then(|r| r.max_unavailable.as_ref()), desired);
    let max_surge = scaled(r.and_then(|r| r.max_surge.as_ref()), desired);
    if desired > 0 && max_unavailable == 0 && max_surge == 0 {
        max_unavailable = 1;
    }
    let min_ready = ds
        .spec
        .as_ref()
        .and_then(|s| s.min_ready_seconds)
        .unwrap_or(0);
    let now = world.now;
    let available = |pod: &Pod| util::is_available(pod, min_ready, now);
    let generation = super::template_generation(ds);
    let name = |pod: &Arc<Pod>| pod.metadata.name.clone().unwrap_or_default();

    if max_surge == 0 {
        let mut unavailable = 0i64;
        let mut replace = Vec::new();
        let mut candidates = Vec::new();
        for pods in by_node.values() {
            let Some((new, old)) = split(pods, hash, generation) else {
                unavailable += 1;
                continue;
            };
            match (new, old) {
                (None, None) | (Some(_), Some(_)) => unavailable += 1,
                (Some(new), None) => {
                    if !available(&new) {
                        unavailable += 1;
                    }
                }
                (None, Some(old)) => {
                    if !available(&old) {
                        // An unavailable old pod is replaced at once, and it counts
                        // against maxUnavailable (kubernetes#123233).
                        replace.push(name(&old));
                        unavailable += 1;
                    } else if unavailable < max_unavailable {
                        candidates.push(name(&old));
                    }
                }
            }
        }
        let remaining = (max_unavailable - unavailable).clamp(0, candidates.len() as i64);
        replace.extend(candidates.into_iter().take(remaining as usize));
        return super::sync_nodes(world, ds, &replace, &[], hash);
    }

    let mut delete = Vec::new();
    let mut should_not_run = Vec::new();
    let mut candidates = Vec::new();
    let mut allowed = Vec::new();
    let (mut surging, mut available_count) = (0i64, 0i64);
    for (node_name, pods) in &by_node {
        let Some((new, old)) = split(pods, hash, generation) else {
            surging += 1;
            continue;
        };
        match (&old, &new) {
            (Some(old), _) if available(old) => available_count += 1,
            (None, Some(new)) if available(new) => available_count += 1,
            _ => {}
        }
        let node = nodes
            .iter()
            .find(|n| n.metadata.name.as_deref() == Some(node_name.as_str()));
        let runs = node.is_some_and(|n| util::should_run(n, ds).0);
        match (old, new) {
            (None, _) => {}
            (Some(old), None) => {
                if !available(&old) {
                    if !runs {
                        delete.push(name(&old));
                        continue;
                    }
                    allowed.push(node_name.clone());
                } else {
                    if !runs {
                        should_not_run.push(name(&old));
                        continue;
                    }
                    if surging >= max_surge {
                        continue;
                    }
                    candidates.push(node_name.clone());
                }
            }
            (Some(old), Some(new)) => {
                if !available(&new) {
                    surging += 1;
                    continue;
                }
                delete.push(name(&old));
            }
        }
    }
    let deletable = (available_count - desired).min(should_not_run.len() as i64);
    if deletable > 0 {
        delete.extend(should_not_run.into_iter().take(deletable as usize));
    }
    let remaining = (max_surge - surging).clamp(0, candidates.len() as i64);
    allowed.extend(candidates.into_iter().take(remaining as usize));
    super::sync_nodes(world, ds, &delete, &allowed, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// B-DS-8: `GetScaledValueFromIntOrPercent` rounds a percentage up.
    #[test]
    fn b_ds_8_percentages_round_up() {
        let p = |s: &str| IntOrString::String(s.into());
        assert_eq!(scaled(Some(&p("10%")), 3), 1);
        assert_eq!(scaled(Some(&p("50%")), 3), 2);
        assert_eq!(scaled(Some(&p("100%")), 3), 3);
        assert_eq!(scaled(Some(&p("0%")), 3), 0);
        assert_eq!(scaled(Some(&IntOrString::Int(2)), 3), 2);
        assert_eq!(scaled(None, 3), 0);
    }
}
