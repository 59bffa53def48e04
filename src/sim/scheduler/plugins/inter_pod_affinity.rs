//! InterPodAffinity (`interpodaffinity/filtering.go`, `scoring.go`, B-SCHED-10..13):
//! required affinity and anti-affinity of the incoming pod, the required anti-affinity of
//! pods already bound (symmetry), and preferred terms of both sides as scores. Counts come
//! from the cache's indexes, so a cycle costs the nodes, not the pods.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::super::cache::{Cache, Count, TermKind};
use super::super::framework::{Code, NodeEntry, PodInfo, Status, MAX_NODE_SCORE};
use crate::sim::labels;

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

fn all(counts: Option<&BTreeMap<String, Count>>, node: &str) -> i64 {
    counts
        .and_then(|c| c.get(node))
        .map_or(0, |c| i64::from(c.all))
}

/// Matching pods per topology value of each term's key.
fn per_domain(
    key: &str,
    counts: Option<&BTreeMap<String, Count>>,
    nodes: &[NodeEntry],
) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for node in nodes {
        let n = all(counts, node.name);
        if n == 0 {
            continue;
        }
        if let Some(value) = node.label(key) {
            *out.entry(value.to_string()).or_default() += n;
        }
    }
    out
}

pub struct FilterState {
    /// Per required affinity term: pods matching all the terms, per domain.
    affinity: Vec<BTreeMap<String, i64>>,
    affinity_matches_anywhere: bool,
    self_affine: bool,
    /// Per required anti-affinity term: matching pods, per domain.
    anti: Vec<BTreeMap<String, i64>>,
    /// Domains (key, value) where a bound pod's required anti-affinity rejects this pod.
    existing: BTreeSet<(String, String)>,
}

pub fn pre_filter(pod: &PodInfo, nodes: &[NodeEntry], cache: &Cache) -> FilterState {
    let mut state = FilterState {
        affinity: Vec::new(),
        affinity_matches_anywhere: false,
        self_affine: false,
        anti: Vec::new(),
        existing: BTreeSet::new(),
    };
    if !pod.required_affinity.is_empty() {
        let selectors: Vec<LabelSelector> = pod
            .required_affinity
            .iter()
            .map(|t| t.selector.clone())
            .collect();
        let counts = cache.counts(&selectors);
        for t in &pod.required_affinity {
            let domains = per_domain(&t.topology_key, counts, nodes);
            state.affinity_matches_anywhere |= !domains.is_empty();
            state.affinity.push(domains);
        }
        state.self_affine = selectors
            .iter()
            .all(|s| labels::matches(Some(s), Some(&pod.labels)));
    }
    for t in &pod.required_anti_affinity {
        let counts = cache.counts(std::slice::from_ref(&t.selector));
        state.anti.push(per_domain(&t.topology_key, counts, nodes));
    }
    let node_labels: BTreeMap<&str, &NodeEntry> = nodes.iter().map(|n| (n.name, n)).collect();
    for entry in cache.terms.values() {
        if entry.kind != TermKind::RequiredAntiAffinity
            || !labels::matches(Some(&entry.term.selector), Some(&pod.labels))
        {
            continue;
        }
        for (node, n) in &entry.per_node {
            if *n == 0 {
                continue;
            }
            if let Some(value) = node_labels
                .get(node.as_str())
                .and_then(|e| e.label(&entry.term.topology_key))
            {
                state
                    .existing
                    .insert((entry.term.topology_key.clone(), value.to_string()));
            }
        }
    }
    state
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
    for (key, value) in node.labels {
        if state.existing.contains(&(key.clone(), value.clone())) {
            return Some(Status::new(
                Code::Unschedulable,
                ERR_REASON_EXISTING_ANTI_AFFINITY,
            ));
        }
    }
    None
}

/// PreScore, Score and NormalizeScore: one score per feasible node.
pub fn score(
    pod: &PodInfo,
    all_nodes: &[NodeEntry],
    feasible: &[&NodeEntry],
    cache: &Cache,
) -> Vec<i64> {
    // topologyScore: key -> value -> weight sum.
    let mut topology: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut add = |key: &str, domains: BTreeMap<String, i64>, weight: i64| {
        let entry = topology.entry(key.to_string()).or_default();
        for (value, n) in domains {
            *entry.entry(value).or_default() += weight * n;
        }
    };
    for (terms, sign) in [
        (&pod.preferred_affinity, 1),
        (&pod.preferred_anti_affinity, -1),
    ] {
        for t in terms {
            let counts = cache.counts(std::slice::from_ref(&t.selector));
            add(
                &t.topology_key,
                per_domain(&t.topology_key, counts, all_nodes),
                sign * t.weight,
            );
        }
    }
    let node_by_name: BTreeMap<&str, &NodeEntry> = all_nodes.iter().map(|n| (n.name, n)).collect();
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
        let mut domains: BTreeMap<String, i64> = BTreeMap::new();
        for (node, n) in &entry.per_node {
            if let Some(value) = node_by_name
                .get(node.as_str())
                .and_then(|e| e.label(&entry.term.topology_key))
            {
                *domains.entry(value.to_string()).or_default() += i64::from(*n);
            }
        }
        add(&entry.term.topology_key, domains, sign * entry.term.weight);
    }
    let mut scores: Vec<i64> = feasible
        .iter()
        .map(|node| {
            topology
                .iter()
                .filter_map(|(key, values)| values.get(node.label(key)?))
                .sum()
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
