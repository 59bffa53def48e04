//! PodTopologySpread (`podtopologyspread/filtering.go`, `scoring.go`, `common.go`,
//! B-SCHED-14/15). `DoNotSchedule` constraints filter by skew; `ScheduleAnyway` ones, or
//! for a pod without constraints the cluster defaults (hostname maxSkew 3, zone maxSkew 5,
//! with the selector of the pod's Services and its ReplicaSet or StatefulSet), score.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Node;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::super::cache::{Cache, Count, Domains};
use super::super::framework::{Code, NodeEntry, PodInfo, SpreadConstraint, Status, MAX_NODE_SCORE};
use super::{node_affinity, taint_toleration};
use crate::sim::labels;
use crate::sim::nodes::{self, LABEL_HOSTNAME, LABEL_ZONE};

pub const ERR_REASON_CONSTRAINTS_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints";
pub const ERR_REASON_NODE_LABEL_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

/// `systemDefaultConstraints` (`defaultingType: System`).
pub fn system_defaults(selector: LabelSelector) -> Vec<SpreadConstraint> {
    [(LABEL_HOSTNAME, 3), (LABEL_ZONE, 5)]
        .into_iter()
        .map(|(key, skew)| SpreadConstraint {
            max_skew: skew,
            topology_key: key.to_string(),
            selector: selector.clone(),
            min_domains: 1,
            honor_affinity: true,
            honor_taints: false,
        })
        .collect()
}

/// `isSchedulableAfterPodChange` for an update of the unschedulable pod itself (its
/// Pod/UpdatePodLabel and Pod/UpdatePodToleration events): worth a retry when it got a
/// toleration and a `DoNotSchedule` constraint honours taints, or when its new labels
/// flip whether a `DoNotSchedule` constraint's selector matches it (the cluster defaults
/// are `ScheduleAnyway`: they never count here).
pub fn hint_after_own_update(
    new: &PodInfo,
    old_labels: &std::collections::BTreeMap<String, String>,
    tolerations_changed: bool,
) -> bool {
    if tolerations_changed && new.hard_spread.iter().any(|c| c.honor_taints) {
        return true;
    }
    if *old_labels == new.labels {
        return false;
    }
    new.hard_spread.iter().any(|c| {
        labels::matches(Some(&c.selector), Some(old_labels))
            != labels::matches(Some(&c.selector), Some(&new.labels))
    })
}

/// `isSchedulableAfterNodeChange` (Node/Add, Node/UpdateNodeLabel, Node/UpdateNodeTaint)
/// with the pod's `DoNotSchedule` constraints: a new node that carries every topology key;
/// an update that makes the node carry them all or no longer, or, while it carries them,
/// changes one's value or the node's taints.
pub fn hint_after_node_change(pod: &PodInfo, old: Option<&Node>, new: &Node) -> bool {
    let empty = BTreeMap::new();
    let labels_of = |n: &Node| n.metadata.labels.as_ref().unwrap_or(&empty).clone();
    let carries = |l: &BTreeMap<String, String>| {
        pod.hard_spread
            .iter()
            .all(|c| l.contains_key(&c.topology_key))
    };
    let new_labels = labels_of(new);
    let Some(old) = old else {
        return carries(&new_labels);
    };
    let old_labels = labels_of(old);
    if carries(&old_labels) != carries(&new_labels) {
        return true;
    }
    carries(&new_labels)
        && (pod
            .hard_spread
            .iter()
            .any(|c| old_labels.get(&c.topology_key) != new_labels.get(&c.topology_key))
            || nodes::taints(old) != nodes::taints(new))
}

/// `isSchedulableAfterNodeChange` for Node/Delete: the deleted node carried every topology
/// key of the pod's `DoNotSchedule` constraints (its domain may be gone).
pub fn hint_after_node_deleted(pod: &PodInfo, old: &Node) -> bool {
    pod.hard_spread
        .iter()
        .all(|c| nodes::label(old, &c.topology_key).is_some())
}

/// The selectors the plugin will count with, to register in the cache first.
pub fn selectors<'a>(
    pod: &'a PodInfo,
    defaults: &'a [SpreadConstraint],
) -> impl Iterator<Item = &'a LabelSelector> {
    pod.hard_spread
        .iter()
        .chain(&pod.soft_spread)
        .chain(defaults)
        .map(|c| &c.selector)
}

fn has_keys(node: &NodeEntry, constraints: &[SpreadConstraint]) -> bool {
    constraints
        .iter()
        .all(|c| node.labels.contains_key(&c.topology_key))
}

/// `MatchNodeInclusionPolicies`.
fn included(pod: &PodInfo, c: &SpreadConstraint, node: &NodeEntry) -> bool {
    (!c.honor_affinity || node_affinity::matches_required(pod, node.node))
        && (!c.honor_taints || taint_toleration::tolerates_node(pod, node.node))
}

fn live(counts: &[Count], node: &NodeEntry) -> i64 {
    i64::from(counts[node.index].live)
}

/// `countPodsMatchSelector` counts no pod for an empty selector (`selector.Empty()`: a
/// `labelSelector: {}` with nothing merged into it), in the filter and the score alike,
/// though the incoming pod still matches it itself (B-SCHED-14).
pub fn counts_nothing(selector: &LabelSelector) -> bool {
    selector.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && selector
            .match_expressions
            .as_ref()
            .is_none_or(|e| e.is_empty())
}

/// PreFilter: per hard constraint, the matching pods per domain and the global minimum.
pub struct FilterState<'a> {
    constraints: Vec<(SpreadConstraint, BTreeMap<&'a str, i64>, i64, i64)>,
}

pub fn pre_filter<'a>(pod: &PodInfo, nodes: &[NodeEntry<'a>], cache: &Cache) -> FilterState<'a> {
    let mut constraints = Vec::new();
    for c in &pod.hard_spread {
        let counts = cache.counts(std::slice::from_ref(&c.selector), nodes);
        let none = counts_nothing(&c.selector);
        let mut domains: BTreeMap<&'a str, i64> = BTreeMap::new();
        for node in nodes {
            if !has_keys(node, &pod.hard_spread) || !included(pod, c, node) {
                continue;
            }
            let Some(value) = node.labels.get(&c.topology_key) else {
                continue;
            };
            *domains.entry(value.as_str()).or_default() +=
                if none { 0 } else { live(&counts, node) };
        }
        let min = if (domains.len() as i64) < c.min_domains {
            0
        } else {
            domains.values().copied().min().unwrap_or(0)
        };
        let self_match = i64::from(labels::matches(Some(&c.selector), Some(&pod.labels)));
        constraints.push((c.clone(), domains, min, self_match));
    }
    FilterState { constraints }
}

pub fn filter(state: &FilterState, node: &NodeEntry) -> Option<Status> {
    if state.constraints.is_empty() {
        return None;
    }
    for (c, domains, min, self_match) in &state.constraints {
        let Some(value) = node.label(&c.topology_key) else {
            return Some(Status::new(
                Code::UnschedulableAndUnresolvable,
                ERR_REASON_NODE_LABEL_NOT_MATCH,
            ));
        };
        let matched = domains.get(value).copied().unwrap_or(0);
        if matched + self_match - min > c.max_skew {
            return Some(Status::new(
                Code::Unschedulable,
                ERR_REASON_CONSTRAINTS_NOT_MATCH,
            ));
        }
    }
    None
}

/// The topology keys whose node domains the scoring reads (for the hostname, which counts
/// per node, only which nodes have it): registered in the cache before a cycle.
pub fn domain_keys<'a>(pod: &'a PodInfo, defaults: &'a [SpreadConstraint]) -> Vec<&'a str> {
    let constraints: &[SpreadConstraint] = if pod.has_own_spread {
        &pod.soft_spread
    } else {
        defaults
    };
    constraints
        .iter()
        .map(|c| c.topology_key.as_str())
        .collect()
}

/// Score and NormalizeScore over the feasible nodes; returns one score per node.
pub fn score<'a>(
    pod: &PodInfo,
    defaults: &[SpreadConstraint],
    all: &[NodeEntry<'a>],
    feasible: &[&NodeEntry<'a>],
    cache: &Cache,
) -> Vec<i64> {
    let constraints: &[SpreadConstraint] = if pod.has_own_spread {
        &pod.soft_spread
    } else {
        defaults
    };
    if constraints.is_empty() || feasible.is_empty() {
        return vec![0; feasible.len()];
    }
    let require_all = pod.has_own_spread;
    // Each node's domain per constraint, from the cache (`Cache::index_domains`, kept per
    // topology key until a node changes): `domain[i][node.index]` is the index of the node's
    // topology value ("" when it lacks the key, as upstream counts it), `has_key[i][node.
    // index]` whether it has the key at all. Hostname constraints count per node and read
    // only the latter.
    let cached = |c: &SpreadConstraint| {
        cache
            .domains
            .get(&c.topology_key)
            .filter(|d| d.of_node.len() == all.len())
    };
    // A key the cache does not hold for these nodes is computed here (same rule).
    let local: Vec<Option<Domains>> = constraints
        .iter()
        .map(|c| match cached(c) {
            Some(_) => None,
            None => Some(Domains::of(
                all.iter().map(|node| node.labels.get(&c.topology_key)),
            )),
        })
        .collect();
    let domains: Vec<&Domains> = constraints
        .iter()
        .zip(&local)
        .map(|(c, l)| match l {
            Some(d) => d,
            None => cached(c).expect("held by the cache"),
        })
        .collect();
    let is_host: Vec<bool> = constraints
        .iter()
        .map(|c| c.topology_key == LABEL_HOSTNAME)
        .collect();
    // A constraint whose key no node has scores nothing: every node skips it below, and
    // it weighs nothing in the others' scores. Upstream still walks it; the result is
    // the same, so its per-node work is not done (the default zone constraint on a
    // cluster without zones).
    let active: Vec<bool> = domains
        .iter()
        .map(|d| d.has_key.iter().any(|&k| k))
        .collect();
    let has_all = |node: &NodeEntry| domains.iter().all(|d| d.has_key[node.index]);
    let mut ignored = vec![false; all.len()];
    let mut ignored_count = 0;
    // The domains with a feasible node (`pairs`), with the matching pods they hold.
    let mut pairs: Vec<Vec<Option<i64>>> = domains
        .iter()
        .zip(&is_host)
        .map(|(d, &host)| vec![None; if host { 0 } else { d.count }])
        .collect();
    for node in feasible {
        if require_all && !has_all(node) {
            ignored[node.index] = true;
            ignored_count += 1;
            continue;
        }
        for i in 0..constraints.len() {
            if active[i] && !is_host[i] {
                pairs[i][domains[i].of_node[node.index]].get_or_insert(0);
            }
        }
    }
    let weights: Vec<f64> = pairs
        .iter()
        .zip(&is_host)
        .map(|(p, &host)| {
            let size = if host {
                feasible.len() - ignored_count
            } else {
                p.iter().filter(|p| p.is_some()).count()
            };
            ((size + 2) as f64).ln()
        })
        .collect();
    let counts: Vec<&[Count]> = constraints
        .iter()
        .map(|c| {
            if counts_nothing(&c.selector) {
                return &[][..];
            }
            cache
                .counts_by_slot(std::slice::from_ref(&c.selector))
                .unwrap_or_default()
        })
        .collect();
    let live = |i: usize, node: &NodeEntry| {
        counts[i]
            .get(node.slot)
            .map_or(0, |count| i64::from(count.live))
    };
    for node in all {
        if require_all && !has_all(node) {
            continue;
        }
        for (i, c) in constraints.iter().enumerate() {
            if !active[i] || is_host[i] || !included(pod, c, node) {
                continue;
            }
            if let Some(total) = pairs[i][domains[i].of_node[node.index]].as_mut() {
                *total += live(i, node);
            }
        }
    }
    let mut scores: Vec<i64> = feasible
        .iter()
        .map(|node| {
            if ignored[node.index] {
                return 0;
            }
            let mut score = 0.0;
            for (i, c) in constraints.iter().enumerate() {
                if !domains[i].has_key[node.index] {
                    continue;
                }
                let count = if is_host[i] {
                    live(i, node)
                } else {
                    pairs[i][domains[i].of_node[node.index]].unwrap_or(0)
                };
                score += count as f64 * weights[i] + (c.max_skew - 1) as f64;
            }
            score.round() as i64
        })
        .collect();
    let considered = || {
        feasible
            .iter()
            .zip(scores.iter())
            .filter(|(n, _)| !ignored[n.index])
            .map(|(_, s)| *s)
    };
    let min = considered().min().unwrap_or(0);
    let max = considered().max().unwrap_or(0);
    for (node, s) in feasible.iter().zip(scores.iter_mut()) {
        *s = if ignored[node.index] {
            0
        } else if max == 0 {
            MAX_NODE_SCORE
        } else {
            MAX_NODE_SCORE * (max + min - *s) / max
        };
    }
    scores
}
