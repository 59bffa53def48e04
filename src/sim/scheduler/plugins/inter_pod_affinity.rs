//! InterPodAffinity (`interpodaffinity/filtering.go`, `scoring.go`, B-SCHED-10..13):
//! required affinity and anti-affinity of the incoming pod, the required anti-affinity of
//! pods already bound (symmetry), and preferred terms of both sides as scores. Counts come
//! from the cache's indexes, so a cycle costs the nodes, not the pods.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Node;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::super::cache::{Cache, Count, TermKind};
use super::super::framework::{AffinityTerm, Code, NodeEntry, PodInfo, Status, MAX_NODE_SCORE};
use crate::sim::labels;
use crate::sim::nodes::LABEL_HOSTNAME;

pub const ERR_REASON_AFFINITY: &str = "node(s) didn't match pod affinity rules";
pub const ERR_REASON_ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";
pub const ERR_REASON_EXISTING_ANTI_AFFINITY: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";

/// The selectors the plugin will count with, to register in the cache first.
pub fn selectors(pod: &PodInfo) -> Vec<Vec<LabelSelector>> {
    let mut out: Vec<Vec<LabelSelector>> = Vec::new();
    if !pod.required_affinity.is_empty() {
        out.push(
            pod.required_affinity
                .iter()
                .map(|t| t.selector.clone())
                .collect(),
        );
    }
    for t in pod
        .required_anti_affinity
        .iter()
        .chain(&pod.preferred_affinity)
        .chain(&pod.preferred_anti_affinity)
    {
        out.push(vec![t.selector.clone()]);
    }
    out
}

/// Matching pods per topology value of the term's key (`counts` aligned with `nodes`).
fn per_domain<'a>(key: &str, counts: &[u32], nodes: &[NodeEntry<'a>]) -> BTreeMap<&'a str, i64> {
    let mut out = BTreeMap::new();
    for node in nodes {
        let n = counts[node.index];
        if n == 0 {
            continue;
        }
        if let Some(value) = node.labels.get(key) {
            *out.entry(value.as_str()).or_default() += i64::from(n);
        }
    }
    out
}

fn all(counts: Vec<Count>) -> Vec<u32> {
    counts.into_iter().map(|c| c.all).collect()
}

pub struct FilterState<'a> {
    /// Per required affinity term: pods matching all the terms, per domain.
    affinity: Vec<BTreeMap<&'a str, i64>>,
    affinity_matches_anywhere: bool,
    self_affine: bool,
    /// Per required anti-affinity term: matching pods, per domain.
    anti: Vec<BTreeMap<&'a str, i64>>,
    /// Per topology key, the values where a bound pod's required anti-affinity rejects this
    /// pod.
    existing: BTreeMap<String, BTreeSet<&'a str>>,
}

pub fn pre_filter<'a>(pod: &PodInfo, nodes: &[NodeEntry<'a>], cache: &Cache) -> FilterState<'a> {
    let mut state = FilterState {
        affinity: Vec::new(),
        affinity_matches_anywhere: false,
        self_affine: false,
        anti: Vec::new(),
        existing: BTreeMap::new(),
    };
    if !pod.required_affinity.is_empty() {
        let selectors: Vec<LabelSelector> = pod
            .required_affinity
            .iter()
            .map(|t| t.selector.clone())
            .collect();
        let counts = all(cache.counts(&selectors, nodes));
        for t in &pod.required_affinity {
            let domains = per_domain(&t.topology_key, &counts, nodes);
            state.affinity_matches_anywhere |= !domains.is_empty();
            state.affinity.push(domains);
        }
        state.self_affine = selectors
            .iter()
            .all(|s| labels::matches(Some(s), Some(&pod.labels)));
    }
    for t in &pod.required_anti_affinity {
        let counts = all(cache.counts(std::slice::from_ref(&t.selector), nodes));
        state.anti.push(per_domain(&t.topology_key, &counts, nodes));
    }
    for entry in cache.terms.values() {
        if entry.kind != TermKind::RequiredAntiAffinity
            || !labels::matches(Some(&entry.term.selector), Some(&pod.labels))
        {
            continue;
        }
        let counts: Vec<u32> = nodes.iter().map(|n| entry.on(n.slot)).collect();
        let domains = per_domain(&entry.term.topology_key, &counts, nodes);
        if !domains.is_empty() {
            state
                .existing
                .entry(entry.term.topology_key.clone())
                .or_default()
                .extend(domains.keys());
        }
    }
    state
}

/// `podMatchesAllAffinityTerms`: the terms are not empty and every one selects the labels.
/// (v1.36's hints read anti-affinity terms this way too; "any" came later.)
fn matches_all(terms: &[AffinityTerm], pod_labels: &BTreeMap<String, String>) -> bool {
    !terms.is_empty()
        && terms
            .iter()
            .all(|t| labels::matches(Some(&t.selector), Some(pod_labels)))
}

/// Whether some required affinity term of the waiting pod selects the labels: the
/// scheduling queue moves a waiting pod on an assigned pod's add or label update only
/// then, or when PodTopologySpread rejected it (`getUnschedulablePodsWithCrossTopologyTerm`).
pub fn any_affinity_term_selects(pod: &PodInfo, pod_labels: &BTreeMap<String, String>) -> bool {
    pod.required_affinity
        .iter()
        .any(|t| labels::matches(Some(&t.selector), Some(pod_labels)))
}

/// `isSchedulableAfterNodeChange` (Node/Add, UpdateNodeLabel, UpdateNodeTaint): worth a
/// retry only when the node carries the topology key of one of the waiting pod's required
/// affinity or anti-affinity terms; a pod with none (one that only bound pods'
/// anti-affinity rejected) waits for another event or the leftover flush.
pub fn hint_after_node_change(pod: &PodInfo, new: &Node) -> bool {
    let labels = new.metadata.labels.as_ref();
    pod.required_affinity
        .iter()
        .chain(&pod.required_anti_affinity)
        .any(|t| labels.is_some_and(|l| l.contains_key(&t.topology_key)))
}

/// `isSchedulableAfterPodChange` for an assigned pod that came: it matches all the waiting
/// pod's required affinity terms.
pub fn hint_after_assigned_pod_added(pod: &PodInfo, added: &BTreeMap<String, String>) -> bool {
    matches_all(&pod.required_affinity, added)
}

/// `isSchedulableAfterPodChange` for an assigned pod relabelled: it now matches all the
/// waiting pod's required affinity terms and did not, or matched all its anti-affinity
/// terms and no longer does.
pub fn hint_after_assigned_pod_relabelled(
    pod: &PodInfo,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> bool {
    (!matches_all(&pod.required_affinity, old) && matches_all(&pod.required_affinity, new))
        || (matches_all(&pod.required_anti_affinity, old)
            && !matches_all(&pod.required_anti_affinity, new))
}

/// `isSchedulableAfterPodChange` for an assigned pod that went: it matched all the waiting
/// pod's required anti-affinity terms, or one of its own required anti-affinity terms
/// (`gone_anti`) selected the waiting pod (kubernetes#135325). The last peer of a required
/// affinity going is no retry (kubernetes#141354).
pub fn hint_after_assigned_pod_deleted(
    pod: &PodInfo,
    gone: &BTreeMap<String, String>,
    gone_anti: &[&LabelSelector],
) -> bool {
    matches_all(&pod.required_anti_affinity, gone)
        || gone_anti
            .iter()
            .any(|s| labels::matches(Some(s), Some(&pod.labels)))
}

/// PreFilter: whether the pod has required terms, or a bound pod's required anti-affinity
/// rejects it somewhere (else every node passes).
pub fn filters(pod: &PodInfo, state: &FilterState) -> bool {
    !pod.required_affinity.is_empty()
        || !pod.required_anti_affinity.is_empty()
        || !state.existing.is_empty()
}

pub fn filter(pod: &PodInfo, state: &FilterState, node: &NodeEntry) -> Option<Status> {
    // satisfyPodAffinity
    let mut pods_exist = true;
    for (t, domains) in pod.required_affinity.iter().zip(&state.affinity) {
        let Some(value) = node.label(&t.topology_key) else {
            return Some(Status::new(
                Code::UnschedulableAndUnresolvable,
                ERR_REASON_AFFINITY,
            ));
        };
        if domains.get(value).copied().unwrap_or(0) <= 0 {
            pods_exist = false;
        }
    }
    // The first pod of a group that is affine to itself may go anywhere with the labels.
    if !pods_exist && (state.affinity_matches_anywhere || !state.self_affine) {
        return Some(Status::new(
            Code::UnschedulableAndUnresolvable,
            ERR_REASON_AFFINITY,
        ));
    }
    // satisfyPodAntiAffinity
    for (t, domains) in pod.required_anti_affinity.iter().zip(&state.anti) {
        if let Some(value) = node.label(&t.topology_key) {
            if domains.get(value).copied().unwrap_or(0) > 0 {
                return Some(Status::new(Code::Unschedulable, ERR_REASON_ANTI_AFFINITY));
            }
        }
    }
    // satisfyExistingPodsAntiAffinity
    for (key, values) in &state.existing {
        if node.label(key).is_some_and(|v| values.contains(v)) {
            return Some(Status::new(
                Code::Unschedulable,
                ERR_REASON_EXISTING_ANTI_AFFINITY,
            ));
        }
    }
    None
}

/// PreScore: whether any term can score, the pod's preferred ones or those bound pods
/// carry (required anti-affinity does not score); else every node scores 0.
pub fn scores(pod: &PodInfo, cache: &Cache) -> bool {
    !pod.preferred_affinity.is_empty()
        || !pod.preferred_anti_affinity.is_empty()
        || cache
            .terms
            .values()
            .any(|e| e.kind != TermKind::RequiredAntiAffinity)
}

/// PreScore, Score and NormalizeScore: one score per feasible node.
pub fn score<'a>(
    pod: &PodInfo,
    all_nodes: &[NodeEntry<'a>],
    feasible: &[&NodeEntry<'a>],
    cache: &Cache,
) -> Vec<i64> {
    // topologyScore: key -> value -> weight sum; the hostname key, one domain per node,
    // is kept per node instead.
    let mut topology: BTreeMap<&str, BTreeMap<&'a str, i64>> = BTreeMap::new();
    let mut per_host = vec![0i64; all_nodes.len()];
    // Read once, and only when a hostname term needs it.
    let mut unique_hosts: Option<bool> = None;
    let mut add = |key: &'a str, counts: &[u32], weight: i64| {
        if weight == 0 {
            return;
        }
        if key == LABEL_HOSTNAME
            && *unique_hosts.get_or_insert_with(|| {
                all_nodes
                    .iter()
                    .all(|n| n.label(LABEL_HOSTNAME) == Some(n.name))
            })
        {
            for node in all_nodes {
                per_host[node.index] += weight * i64::from(counts[node.index]);
            }
            return;
        }
        let entry = topology.entry(key).or_default();
        for (value, n) in per_domain(key, counts, all_nodes) {
            *entry.entry(value).or_default() += weight * n;
        }
    };
    let mut any = false;
    for (terms, sign) in [
        (&pod.preferred_affinity, 1),
        (&pod.preferred_anti_affinity, -1),
    ] {
        for t in terms {
            let counts = all(cache.counts(std::slice::from_ref(&t.selector), all_nodes));
            // The key is borrowed from a node's labels, where it exists.
            let key = all_nodes
                .iter()
                .find_map(|n| n.labels.get_key_value(&t.topology_key))
                .map(|(k, _)| k.as_str());
            if let Some(key) = key {
                add(key, &counts, sign * t.weight);
                any = true;
            }
        }
    }
    for entry in cache.terms.values() {
        let sign = match entry.kind {
            // HardPodAffinityWeight (1): an existing pod's required affinity attracts.
            TermKind::RequiredAffinity | TermKind::PreferredAffinity => 1,
            TermKind::PreferredAntiAffinity => -1,
            TermKind::RequiredAntiAffinity => continue,
        };
        if !labels::matches(Some(&entry.term.selector), Some(&pod.labels)) {
            continue;
        }
        let counts: Vec<u32> = all_nodes.iter().map(|n| entry.on(n.slot)).collect();
        let key = all_nodes
            .iter()
            .find_map(|n| n.labels.get_key_value(&entry.term.topology_key))
            .map(|(k, _)| k.as_str());
        if let Some(key) = key {
            add(key, &counts, sign * entry.term.weight);
            any = true;
        }
    }
    if !any {
        return vec![0; feasible.len()];
    }
    let mut scores: Vec<i64> = feasible
        .iter()
        .map(|node| {
            per_host[node.index]
                + topology
                    .iter()
                    .filter_map(|(key, values)| values.get(node.label(key)?))
                    .sum::<i64>()
        })
        .collect();
    let min = scores.iter().copied().min().unwrap_or(0);
    let max = scores.iter().copied().max().unwrap_or(0);
    let diff = max - min;
    for s in scores.iter_mut() {
        *s = if diff > 0 {
            (MAX_NODE_SCORE as f64 * ((*s - min) as f64 / diff as f64)) as i64
        } else {
            0
        };
    }
    scores
}
