//! The scheduler's cache (`pkg/scheduler/backend/cache`): per node, the pods bound to it
//! and what they request; and two indexes that keep scheduling linear in the number of
//! nodes, not pods: per label selector, how many bound pods match it on each node; per
//! inter-pod term carried by bound pods, how many carry it on each node.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::framework::{AffinityTerm, NodeEntry, PodInfo, Resources};
use crate::sim::labels;

/// The pods bound to one node and their requests (`framework.NodeInfo`).
#[derive(Debug, Default, Clone)]
pub struct NodeInfo {
    pub pods: u32,
    pub requested: Resources,
    /// cpu (milli) and memory with the scoring defaults (`NonZeroRequested`).
    pub non_zero: (i64, i64),
    /// Pods per controller owner UID (the tie-break rule).
    pub owned: BTreeMap<String, u32>,
}

/// What the cache remembers of a bound pod, to undo it when the pod goes.
#[derive(Debug, Clone)]
pub struct BoundPod {
    pub node: String,
    pub labels: BTreeMap<String, String>,
    pub owner: String,
    pub requests: Resources,
    pub non_zero: (i64, i64),
    pub terminating: bool,
    pub terms: Vec<String>,
}

/// Per node: pods matching (all, not terminating).
#[derive(Debug, Default, Clone, Copy)]
pub struct Count {
    pub all: u32,
    pub live: u32,
}

#[derive(Debug)]
struct SelectorEntry {
    selectors: Vec<LabelSelector>,
    per_node: BTreeMap<String, Count>,
}

/// The kinds of inter-pod terms bound pods carry (named as the pod spec's fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(clippy::enum_variant_names)]
pub enum TermKind {
    RequiredAffinity,
    RequiredAntiAffinity,
    PreferredAffinity,
    PreferredAntiAffinity,
}

#[derive(Debug)]
pub struct TermEntry {
    pub kind: TermKind,
    pub term: AffinityTerm,
    pub per_node: BTreeMap<String, u32>,
}

#[derive(Debug, Default)]
pub struct Cache {
    pub nodes: BTreeMap<String, NodeInfo>,
    pub bound: BTreeMap<String, BoundPod>,
    selectors: BTreeMap<String, SelectorEntry>,
    /// Keyed by kind, weight, topology key and selector; kept in key order.
    pub terms: BTreeMap<String, TermEntry>,
    /// Bumped on every Node event: what is derived from the nodes is valid for one epoch.
    pub node_epoch: u64,
    /// Per topology key, each node's domain (nodes in name order, a missing key counting
    /// as the value ""), the number of domains, and the epoch and node count it was
    /// computed for: the spread plugin's scoring reads it instead of looking every node's
    /// label up on every cycle.
    pub domains: BTreeMap<String, Domains>,
}

#[derive(Debug, Default)]
pub struct Domains {
    pub of_node: Vec<usize>,
    pub count: usize,
    epoch: u64,
}

impl Cache {
    /// Makes sure the domains of `key` are those of the current nodes.
    pub fn index_domains(
        &mut self,
        key: &str,
        nodes: &crate::sim::store::Objects<k8s_openapi::api::core::v1::Node>,
    ) {
        let epoch = self.node_epoch;
        if let Some(d) = self.domains.get(key) {
            if d.epoch == epoch && d.of_node.len() == nodes.len() {
                return;
            }
        }
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        let of_node = nodes
            .values()
            .map(|node| {
                let value = node
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(key))
                    .map_or("", String::as_str);
                let next = ids.len();
                *ids.entry(value).or_insert(next)
            })
            .collect();
        let count = ids.len();
        self.domains.insert(
            key.to_string(),
            Domains {
                of_node,
                count,
                epoch,
            },
        );
    }
}

fn matches_all(selectors: &[LabelSelector], labels: &BTreeMap<String, String>) -> bool {
    selectors
        .iter()
        .all(|s| labels::matches(Some(s), Some(labels)))
}

fn term_key(kind: TermKind, term: &AffinityTerm) -> String {
    format!(
        "{kind:?}|{}|{}|{}",
        term.weight,
        term.topology_key,
        serde_json::to_string(&term.selector).unwrap_or_default()
    )
}

impl Cache {
    pub fn node(&self, name: &str) -> Option<&NodeInfo> {
        self.nodes.get(name)
    }

    /// Starts counting, per node, the bound pods that match every selector of `selectors`
    /// (once per distinct selector; kept up to date from then on).
    pub fn register(&mut self, selectors: &[LabelSelector]) {
        let key = serde_json::to_string(selectors).unwrap_or_default();
        if self.selectors.contains_key(&key) {
            return;
        }
        let mut per_node: BTreeMap<String, Count> = BTreeMap::new();
        for pod in self.bound.values() {
            if matches_all(selectors, &pod.labels) {
                let c = per_node.entry(pod.node.clone()).or_default();
                c.all += 1;
                if !pod.terminating {
                    c.live += 1;
                }
            }
        }
        self.selectors.insert(
            key,
            SelectorEntry {
                selectors: selectors.to_vec(),
                per_node,
            },
        );
    }

    /// The counts of a registered selector, one per node of `nodes` (sorted by name).
    pub fn counts(&self, selectors: &[LabelSelector], nodes: &[NodeEntry]) -> Vec<Count> {
        let key = serde_json::to_string(selectors).unwrap_or_default();
        match self.selectors.get(&key) {
            Some(e) => align(&e.per_node, nodes)
                .into_iter()
                .map(|c| c.copied().unwrap_or_default())
                .collect(),
            None => vec![Count::default(); nodes.len()],
        }
    }

    /// Adds (`sign` 1) or removes (-1) a bound pod in every index.
    fn account(&mut self, pod: &BoundPod, sign: i64) {
        let info = self.nodes.entry(pod.node.clone()).or_default();
        let step = |v: &mut u32| {
            *v = if sign > 0 {
                v.saturating_add(1)
            } else {
                v.saturating_sub(1)
            }
        };
        step(&mut info.pods);
        step(info.owned.entry(pod.owner.clone()).or_default());
        for (k, v) in &pod.requests {
            *info.requested.entry(k.clone()).or_default() += sign * v;
        }
        info.non_zero.0 += sign * pod.non_zero.0;
        info.non_zero.1 += sign * pod.non_zero.1;
        for entry in self.selectors.values_mut() {
            if matches_all(&entry.selectors, &pod.labels) {
                let c = entry.per_node.entry(pod.node.clone()).or_default();
                step(&mut c.all);
                if !pod.terminating {
                    step(&mut c.live);
                }
            }
        }
        for key in &pod.terms {
            if let Some(entry) = self.terms.get_mut(key) {
                step(entry.per_node.entry(pod.node.clone()).or_default());
            }
        }
    }

    /// A pod was bound to `node` (or is found bound).
    pub fn add(&mut self, pod: &Pod, node: &str) {
        let info = PodInfo::new(pod);
        let mut keys = Vec::new();
        for (kind, terms) in [
            (TermKind::RequiredAffinity, &info.required_affinity),
            (TermKind::RequiredAntiAffinity, &info.required_anti_affinity),
            (TermKind::PreferredAffinity, &info.preferred_affinity),
            (
                TermKind::PreferredAntiAffinity,
                &info.preferred_anti_affinity,
            ),
        ] {
            for term in terms {
                let key = term_key(kind, term);
                self.terms.entry(key.clone()).or_insert_with(|| TermEntry {
                    kind,
                    term: term.clone(),
                    per_node: BTreeMap::new(),
                });
                keys.push(key);
            }
        }
        let bound = BoundPod {
            node: node.to_string(),
            labels: info.labels,
            owner: info.owner,
            requests: info.requests,
            non_zero: info.non_zero,
            terminating: crate::sim::podutil::is_terminating(pod),
            terms: keys,
        };
        if let Some(old) = self.bound.remove(&info.name) {
            self.account(&old, -1);
        }
        self.account(&bound, 1);
        self.bound.insert(info.name, bound);
    }

    /// The pod object is gone: its node has room again.
    pub fn remove(&mut self, name: &str) -> bool {
        match self.bound.remove(name) {
            Some(old) => {
                self.account(&old, -1);
                true
            }
            None => false,
        }
    }

    /// Whether the cached copy of a bound pod is out of date (labels, termination).
    pub fn is_stale(&self, pod: &Pod) -> bool {
        let name = pod.metadata.name.as_deref().unwrap_or_default();
        let Some(bound) = self.bound.get(name) else {
            return true;
        };
        let empty = BTreeMap::new();
        bound.terminating != crate::sim::podutil::is_terminating(pod)
            || &bound.labels != pod.metadata.labels.as_ref().unwrap_or(&empty)
    }
}

/// The values of a name-keyed map for each node of `nodes` (both sorted by name), in one
/// walk: no lookups.
pub fn align<'m, V>(map: &'m BTreeMap<String, V>, nodes: &[NodeEntry]) -> Vec<Option<&'m V>> {
    align_names(map, nodes.iter().map(|n| n.name))
}

pub fn align_names<'m, 'n, V>(
    map: &'m BTreeMap<String, V>,
    names: impl Iterator<Item = &'n str>,
) -> Vec<Option<&'m V>> {
    let mut entries = map.iter().peekable();
    names
        .map(|name| {
            while entries.peek().is_some_and(|(k, _)| k.as_str() < name) {
                entries.next();
            }
            match entries.peek() {
                Some((k, v)) if k.as_str() == name => Some(*v),
                _ => None,
            }
        })
        .collect()
}
