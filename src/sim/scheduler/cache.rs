//! The scheduler's cache (`pkg/scheduler/backend/cache`): per node, the pods bound to it
//! and what they request; and two indexes that keep scheduling linear in the number of
//! nodes, not pods: per label selector, how many bound pods match it on each node; per
//! inter-pod term carried by bound pods, how many carry it on each node.
//!
//! Every node name the cache hears of (a node, or the node a bound pod names, which may
//! not exist yet or any more) gets a slot, a small number kept for the cache's life; the
//! per-node figures are vectors indexed by slot, so a cycle reads them without looking a
//! name up. A node that goes and comes back under its name finds its slot again.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::framework::{AffinityTerm, NodeEntry, PodInfo, Resources};
use super::plugins::node_ports::HostPort;
use crate::sim::labels;

/// The pods bound to one node and their requests (`framework.NodeInfo`).
#[derive(Debug, Default, Clone)]
pub struct NodeInfo {
    pub pods: u32,
    pub requested: Resources,
    /// cpu (milli) and memory with the scoring defaults (`NonZeroRequested`).
    pub non_zero: (i64, i64),
    /// The host ports its pods take (`UsedPorts`), one entry per pod's port.
    pub used_ports: Vec<HostPort>,
}

/// What the cache remembers of a bound pod, to undo it when the pod goes.
#[derive(Debug, Clone)]
pub struct BoundPod {
    /// The slot of the node it is bound to.
    pub slot: usize,
    pub labels: BTreeMap<String, String>,
    pub owner: String,
    pub requests: Resources,
    pub non_zero: (i64, i64),
    pub terminating: bool,
    pub terms: Vec<String>,
    /// The claims its volumes name.
    pub claims: Vec<String>,
    /// The host ports its containers take.
    pub host_ports: Vec<HostPort>,
    /// `spec.priority` (0 when unset).
    pub priority: i32,
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
    /// By slot; a slot past the end counts nothing.
    per_node: Vec<Count>,
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
    /// By slot; a slot past the end counts nothing.
    pub per_node: Vec<u32>,
}

impl TermEntry {
    /// How many bound pods carrying the term are on the node in `slot`.
    pub fn on(&self, slot: usize) -> u32 {
        self.per_node.get(slot).copied().unwrap_or(0)
    }
}

#[derive(Debug, Default)]
pub struct Cache {
    /// Each node name's slot.
    slots: BTreeMap<String, usize>,
    /// By slot: the pods bound there.
    infos: Vec<NodeInfo>,
    /// Per controller owner UID, its pods on each node, by slot (the tie-break rule).
    owners: BTreeMap<String, Vec<u32>>,
    pub bound: BTreeMap<String, BoundPod>,
    /// One entry per distinct list of selectors, in the order they were registered.
    selectors: Vec<SelectorEntry>,
    /// Keyed by kind, weight, topology key and selector; kept in key order.
    pub terms: BTreeMap<String, TermEntry>,
    /// Bumped on every Node event: what is derived from the nodes is valid for one epoch.
    pub node_epoch: u64,
    /// Per topology key, each node's domain (nodes in name order, a missing key counting
    /// as the value ""), the number of domains, and the epoch and node count it was
    /// computed for: the spread plugin's scoring reads it instead of looking every node's
    /// label up on every cycle.
    pub domains: BTreeMap<String, Domains>,
    /// Per claim, how many bound pods name it, on any node (`PVCRefCounts` summed over
    /// the nodes, what `IsPVCUsedByPods` reads).
    claim_refs: BTreeMap<String, u32>,
    /// How many bound pods have each priority: preemption looks for victims only when
    /// one has a lower priority than the pod.
    priorities: BTreeMap<i32, u32>,
    /// The labels of the namespace the pods run in, as the scheduler last read them (its
    /// `kubernetes.io/metadata.name` at least): what the namespace selectors of bound
    /// pods' affinity terms are matched against.
    pub namespace_labels: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
pub struct Domains {
    pub of_node: Vec<usize>,
    /// Per node, whether it has the key at all (a label with the value "" shares the
    /// domain of the nodes without it, but has the key).
    pub has_key: Vec<bool>,
    pub count: usize,
    epoch: u64,
}

impl Domains {
    /// The domains of the nodes whose values of a key are `values`, in the nodes' order.
    pub fn of<'a>(values: impl Iterator<Item = Option<&'a String>>) -> Domains {
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        let mut has_key = Vec::new();
        let of_node = values
            .map(|value| {
                has_key.push(value.is_some());
                let value = value.map_or("", String::as_str);
                let next = ids.len();
                *ids.entry(value).or_insert(next)
            })
            .collect();
        Domains {
            of_node,
            has_key,
            count: ids.len(),
            epoch: 0,
        }
    }
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
        let domains = Domains {
            epoch,
            ..Domains::of(
                nodes
                    .values()
                    .map(|node| node.metadata.labels.as_ref().and_then(|l| l.get(key))),
            )
        };
        self.domains.insert(key.to_string(), domains);
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

/// The entry of `v` at `slot`, growing `v` to hold it.
fn at<T: Default + Clone>(v: &mut Vec<T>, slot: usize) -> &mut T {
    if v.len() <= slot {
        v.resize(slot + 1, T::default());
    }
    &mut v[slot]
}

fn step(v: &mut u32, sign: i64) {
    *v = if sign > 0 {
        v.saturating_add(1)
    } else {
        v.saturating_sub(1)
    }
}

impl Cache {
    /// The slot of a node name, given one the first time the name is heard of.
    pub fn slot(&mut self, name: &str) -> usize {
        if let Some(&slot) = self.slots.get(name) {
            return slot;
        }
        let slot = self.infos.len();
        self.slots.insert(name.to_string(), slot);
        self.infos.push(NodeInfo::default());
        slot
    }

    /// The slot of a node name, if the cache has heard of it.
    pub fn slot_of(&self, name: &str) -> Option<usize> {
        self.slots.get(name).copied()
    }

    /// The pods bound to the node in `slot`.
    pub fn info(&self, slot: usize) -> &NodeInfo {
        &self.infos[slot]
    }

    pub fn node(&self, name: &str) -> Option<&NodeInfo> {
        self.slot_of(name).map(|slot| &self.infos[slot])
    }

    /// The pods of a controller owner on each node, by slot (empty when it has none).
    pub fn owned(&self, owner: &str) -> &[u32] {
        self.owners.get(owner).map_or(&[], Vec::as_slice)
    }

    /// Starts counting, per node, the bound pods that match every selector of `selectors`
    /// (once per distinct selector; kept up to date from then on).
    pub fn register(&mut self, selectors: &[LabelSelector]) {
        if self.selectors.iter().any(|e| e.selectors == selectors) {
            return;
        }
        let mut per_node: Vec<Count> = Vec::new();
        for pod in self.bound.values() {
            if matches_all(selectors, &pod.labels) {
                let c = at(&mut per_node, pod.slot);
                c.all += 1;
                if !pod.terminating {
                    c.live += 1;
                }
            }
        }
        self.selectors.push(SelectorEntry {
            selectors: selectors.to_vec(),
            per_node,
        });
    }

    /// The counts of a registered selector by node slot (a slot past the end counts
    /// nothing), read in place; `None` when the selector is not registered.
    pub fn counts_by_slot(&self, selectors: &[LabelSelector]) -> Option<&[Count]> {
        self.selectors
            .iter()
            .find(|e| e.selectors == selectors)
            .map(|e| e.per_node.as_slice())
    }

    /// The counts of a registered selector, one per node of `nodes`.
    pub fn counts(&self, selectors: &[LabelSelector], nodes: &[NodeEntry]) -> Vec<Count> {
        match self.selectors.iter().find(|e| e.selectors == selectors) {
            Some(e) => nodes
                .iter()
                .map(|n| e.per_node.get(n.slot).copied().unwrap_or_default())
                .collect(),
            None => vec![Count::default(); nodes.len()],
        }
    }

    /// Adds (`sign` 1) or removes (-1) a bound pod in every index.
    fn account(&mut self, pod: &BoundPod, sign: i64) {
        let count = self.priorities.entry(pod.priority).or_default();
        step(count, sign);
        if *count == 0 {
            self.priorities.remove(&pod.priority);
        }
        let info = &mut self.infos[pod.slot];
        step(&mut info.pods, sign);
        info.requested.add_scaled(&pod.requests, sign);
        info.non_zero.0 += sign * pod.non_zero.0;
        info.non_zero.1 += sign * pod.non_zero.1;
        for port in &pod.host_ports {
            if sign > 0 {
                info.used_ports.push(port.clone());
            } else if let Some(i) = info.used_ports.iter().position(|p| p == port) {
                info.used_ports.swap_remove(i);
            }
        }
        let owned = match self.owners.get_mut(&pod.owner) {
            Some(owned) => owned,
            None => self.owners.entry(pod.owner.clone()).or_default(),
        };
        step(at(owned, pod.slot), sign);
        if sign < 0 && owned.iter().all(|&n| n == 0) {
            self.owners.remove(&pod.owner);
        }
        for entry in &mut self.selectors {
            if matches_all(&entry.selectors, &pod.labels) {
                let c = at(&mut entry.per_node, pod.slot);
                step(&mut c.all, sign);
                if !pod.terminating {
                    step(&mut c.live, sign);
                }
            }
        }
        for key in &pod.terms {
            if let Some(entry) = self.terms.get_mut(key) {
                step(at(&mut entry.per_node, pod.slot), sign);
            }
        }
        for claim in &pod.claims {
            if sign > 0 {
                step(self.claim_refs.entry(claim.clone()).or_default(), sign);
            } else if let Some(n) = self.claim_refs.get_mut(claim) {
                step(n, sign);
                if *n == 0 {
                    self.claim_refs.remove(claim);
                }
            }
        }
    }

    /// Whether a bound pod (terminating ones included, until they are gone) names the claim.
    pub fn claim_in_use(&self, claim: &str) -> bool {
        self.claim_refs.get(claim).is_some_and(|&n| n > 0)
    }

    /// A pod was bound to `node` (or is found bound).
    pub fn add(&mut self, pod: &Pod, node: &str) {
        if self.set_terminating(pod, node) {
            return;
        }
        let info = if self.namespace_labels.is_empty() {
            PodInfo::new(pod)
        } else {
            PodInfo::in_namespace(pod, &self.namespace_labels)
        };
        self.add_info(&info, crate::sim::podutil::is_terminating(pod), node);
    }

    /// A pod, of which the scheduler already read what the cache keeps, was bound to
    /// `node`.
    pub fn add_info(&mut self, info: &PodInfo, terminating: bool, node: &str) {
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
                    per_node: Vec::new(),
                });
                keys.push(key);
            }
        }
        let bound = BoundPod {
            slot: self.slot(node),
            labels: info.labels.clone(),
            owner: info.owner.clone(),
            requests: info.requests.clone(),
            non_zero: info.non_zero,
            terminating,
            terms: keys,
            claims: info.claims.clone(),
            host_ports: info.host_ports.clone(),
            priority: info.priority,
        };
        if let Some(old) = self.bound.remove(&info.name) {
            self.account(&old, -1);
        }
        self.account(&bound, 1);
        self.bound.insert(info.name.clone(), bound);
    }

    /// A bound pod the cache holds on `node` with its labels and owner, that only started
    /// (or stopped) terminating: its own entry and the live counts of the selectors it
    /// matches follow, and nothing else is read again (what else the cache keeps of a pod
    /// comes from its spec, which does not change once bound). False when the pod changed
    /// in another way, or is not cached.
    fn set_terminating(&mut self, pod: &Pod, node: &str) -> bool {
        let name = pod.metadata.name.as_deref().unwrap_or_default();
        let (Some(slot), Some(bound)) = (self.slots.get(node).copied(), self.bound.get_mut(name))
        else {
            return false;
        };
        let empty = BTreeMap::new();
        let owner = crate::sim::podutil::controller_uid(pod).unwrap_or_default();
        if bound.slot != slot
            || bound.owner != owner
            || &bound.labels != pod.metadata.labels.as_ref().unwrap_or(&empty)
        {
            return false;
        }
        let terminating = crate::sim::podutil::is_terminating(pod);
        if bound.terminating == terminating {
            return true;
        }
        bound.terminating = terminating;
        let sign = if terminating { -1 } else { 1 };
        for entry in &mut self.selectors {
            if matches_all(&entry.selectors, &bound.labels) {
                step(&mut at(&mut entry.per_node, slot).live, sign);
            }
        }
        true
    }

    /// Whether the cached copy of a bound pod differs from `pod` only in that it started
    /// (or stopped) terminating.
    pub fn only_terminating_changed(&self, pod: &Pod, node: &str) -> bool {
        let name = pod.metadata.name.as_deref().unwrap_or_default();
        let (Some(slot), Some(bound)) = (self.slots.get(node).copied(), self.bound.get(name))
        else {
            return false;
        };
        let empty = BTreeMap::new();
        bound.slot == slot
            && bound.owner == crate::sim::podutil::controller_uid(pod).unwrap_or_default()
            && &bound.labels == pod.metadata.labels.as_ref().unwrap_or(&empty)
            && bound.terminating != crate::sim::podutil::is_terminating(pod)
    }

    /// The lowest priority of a bound pod, None when no pod is bound.
    pub fn lowest_priority(&self) -> Option<i32> {
        self.priorities.keys().next().copied()
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

    /// What the cache holds of a bound pod.
    pub fn bound(&self, name: &str) -> Option<&BoundPod> {
        self.bound.get(name)
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
