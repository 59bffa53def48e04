//! The scheduling framework's shared types (`pkg/scheduler/framework`): what a plugin
//! knows of the incoming pod (`PodInfo`), a filter's verdict (`Status`), score
//! normalisation, and the FailedScheduling message (`FitError.Error`, B-SCHED-17/18).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, NodeSelectorTerm, Pod, PodAffinityTerm, PreferredSchedulingTerm, Toleration,
    TopologySpreadConstraint,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::quantity;
use crate::sim::api::resource::is_supported_pod_level_resource;

/// `framework.MaxNodeScore`.
pub const MAX_NODE_SCORE: i64 = 100;
/// `DefaultMilliCPURequest` and `DefaultMemoryRequest`: what a container without a request
/// counts as when nodes are scored (B-SCHED-3).
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// Requested or allocatable amounts: `cpu` in millicores, every other resource in its unit
/// (bytes for memory). The four resources every node names are fields, so the per-node
/// work of a cycle reads them without a look-up by name; the others (extended resources,
/// hugepages) are kept by name. A resource not named counts as 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu: i64,
    pub memory: i64,
    pub ephemeral_storage: i64,
    pub pods: i64,
    /// Every other resource, by name.
    pub scalar: BTreeMap<String, i64>,
}

pub const CPU: &str = "cpu";
pub const MEMORY: &str = "memory";
pub const EPHEMERAL_STORAGE: &str = "ephemeral-storage";
pub const PODS: &str = "pods";

impl Resources {
    pub fn new() -> Resources {
        Resources::default()
    }

    /// The amount of `name` (0 when not named).
    pub fn amount(&self, name: &str) -> i64 {
        self.get(name).copied().unwrap_or(0)
    }

    /// The amount of `name`, None when it is 0 (a request of 0 is no request).
    pub fn get(&self, name: &str) -> Option<&i64> {
        let v = match name {
            CPU => &self.cpu,
            MEMORY => &self.memory,
            EPHEMERAL_STORAGE => &self.ephemeral_storage,
            PODS => &self.pods,
            _ => self.scalar.get(name)?,
        };
        (*v != 0).then_some(v)
    }

    /// The amount of `name`, for writing (a resource kept by name is added at 0).
    pub fn entry(&mut self, name: &str) -> &mut i64 {
        match name {
            CPU => &mut self.cpu,
            MEMORY => &mut self.memory,
            EPHEMERAL_STORAGE => &mut self.ephemeral_storage,
            PODS => &mut self.pods,
            _ => {
                if !self.scalar.contains_key(name) {
                    self.scalar.insert(name.to_string(), 0);
                }
                self.scalar.get_mut(name).expect("inserted above")
            }
        }
    }

    /// Adds `sign` times every amount of `from`.
    pub fn add_scaled(&mut self, from: &Resources, sign: i64) {
        self.cpu += sign * from.cpu;
        self.memory += sign * from.memory;
        self.ephemeral_storage += sign * from.ephemeral_storage;
        self.pods += sign * from.pods;
        for (k, v) in &from.scalar {
            *self.entry(k) += sign * v;
        }
    }

    /// Keeps, per resource, the larger of the two amounts.
    fn max_with(&mut self, from: &Resources) {
        self.cpu = self.cpu.max(from.cpu);
        self.memory = self.memory.max(from.memory);
        self.ephemeral_storage = self.ephemeral_storage.max(from.ephemeral_storage);
        self.pods = self.pods.max(from.pods);
        for (k, v) in &from.scalar {
            let e = self.entry(k);
            *e = (*e).max(*v);
        }
    }
}

/// A node's `status.allocatable` as amounts (what the scheduler's NodeResourcesFit and the
/// kubelet's admission compare requests against); a quantity that does not read counts 0.
pub fn node_allocatable(node: &k8s_openapi::api::core::v1::Node) -> Resources {
    let Some(listed) = node.status.as_ref().and_then(|s| s.allocatable.as_ref()) else {
        return Resources::new();
    };
    LAST_ALLOCATABLE.with(|last| {
        if let Some((seen, parsed)) = &*last.borrow() {
            if seen == listed {
                return parsed.clone();
            }
        }
        let mut allocatable = Resources::new();
        for (name, q) in listed {
            if let Some(v) = amount(name, &q.0) {
                *allocatable.entry(name) = v;
            }
        }
        *last.borrow_mut() = Some((listed.clone(), allocatable.clone()));
        allocatable
    })
}

thread_local! {
    /// The last allocatable `node_allocatable` parsed and what it made of it, a pure
    /// function of the listed quantities: the nodes of a cluster mostly list the same, so
    /// the kubelet's admission of each pod compares a few strings instead of parsing them.
    static LAST_ALLOCATABLE: std::cell::RefCell<Option<(BTreeMap<String, Quantity>, Resources)>> =
        const { std::cell::RefCell::new(None) };
}

/// A quantity in the unit `Resources` uses for `resource`, rounded up (`MilliValue` for
/// cpu, `Value` for the others); `None` for a negative, unreadable or huge one.
pub fn amount(resource: &str, text: &str) -> Option<i64> {
    let q = quantity::parse(text).ok()?;
    let scaled = if resource == "cpu" {
        q.milli_value()?
    } else {
        q.value()
    };
    (0..=i64::MAX / 4).contains(&scaled).then_some(scaled)
}

/// One node as a scheduling cycle sees it (`framework.NodeInfo` with its node).
pub struct NodeEntry<'a> {
    /// The node's place in the cycle's list (nodes sorted by name).
    pub index: usize,
    /// The node's slot in the scheduler's cache.
    pub slot: usize,
    pub name: &'a str,
    /// The node's place in natural name order (the last tie-break).
    pub order: usize,
    pub node: &'a k8s_openapi::api::core::v1::Node,
    pub labels: &'a BTreeMap<String, String>,
    pub info: &'a super::cache::NodeInfo,
    pub allocatable: &'a Resources,
}

impl NodeEntry<'_> {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

/// A filter's verdict on one node (`framework.Code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// Preemption might help (resources the node's pods hold, spread skew, anti-affinity).
    Unschedulable,
    /// Nothing on this node can change that (taints, cordon, node affinity, labels, a
    /// request beyond the node's whole allocatable).
    UnschedulableAndUnresolvable,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub code: Code,
    pub reasons: Vec<String>,
    /// The plugin that gave the verdict (`Diagnosis.UnschedulablePlugins` collects them),
    /// set by the cycle that ran it; "" until then.
    pub plugin: &'static str,
}

impl Status {
    pub fn new(code: Code, reason: &str) -> Status {
        Status {
            code,
            reasons: vec![reason.to_string()],
            plugin: "",
        }
    }

    /// The same verdict, from `plugin`.
    pub fn from(self, plugin: &'static str) -> Status {
        Status { plugin, ..self }
    }
}

/// A pod's required and preferred inter-pod terms, as `framework.AffinityTerm`.
#[derive(Clone, Debug, PartialEq)]
pub struct AffinityTerm {
    pub selector: LabelSelector,
    pub topology_key: String,
    pub weight: i64,
}

/// A spread constraint with its selector (matchLabelKeys merged in by the API server).
#[derive(Clone, Debug, PartialEq)]
pub struct SpreadConstraint {
    pub max_skew: i64,
    pub topology_key: String,
    pub selector: LabelSelector,
    pub min_domains: i64,
    /// `nodeAffinityPolicy: Honor` (the default): only nodes the pod's node affinity and
    /// nodeSelector admit count as domains.
    pub honor_affinity: bool,
    /// `nodeTaintsPolicy: Honor`: only nodes whose taints the pod tolerates count.
    pub honor_taints: bool,
}

/// What the plugins read of the incoming pod, computed once per scheduling attempt.
#[derive(Clone, Debug, Default)]
pub struct PodInfo {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub owner: String,
    /// The effective request (B-SCHED-5), for the NodeResourcesFit filter.
    pub requests: Resources,
    /// cpu (milli) and memory with defaults for containers that set none (B-SCHED-3).
    pub non_zero: (i64, i64),
    pub tolerations: Vec<Toleration>,
    pub node_selector: BTreeMap<String, String>,
    pub required_node_terms: Option<Vec<NodeSelectorTerm>>,
    pub preferred_node_terms: Vec<PreferredSchedulingTerm>,
    pub required_affinity: Vec<AffinityTerm>,
    pub required_anti_affinity: Vec<AffinityTerm>,
    pub preferred_affinity: Vec<AffinityTerm>,
    pub preferred_anti_affinity: Vec<AffinityTerm>,
    pub hard_spread: Vec<SpreadConstraint>,
    pub soft_spread: Vec<SpreadConstraint>,
    /// The pod declares spread constraints of its own (else the cluster defaults apply).
    pub has_own_spread: bool,
    /// The claims its volumes name (VolumeRestrictions counts bound pods' claims).
    pub claims: Vec<String>,
    /// The host ports its containers take (NodePorts).
    pub host_ports: Vec<super::plugins::node_ports::HostPort>,
    /// `preemptionPolicy: Never` (from its PriorityClass): DefaultPreemption does not try.
    pub preempt_never: bool,
    /// `spec.priority` (0 when unset).
    pub priority: i32,
}

/// The label every namespace carries with its own name (`NamespaceDefaultLabelName`).
pub const LABEL_METADATA_NAME: &str = "kubernetes.io/metadata.name";

/// The labels of the pod's namespace when nothing else is known of it: its
/// `kubernetes.io/metadata.name`.
pub fn own_namespace_labels(pod: &Pod) -> BTreeMap<String, String> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    BTreeMap::from([(LABEL_METADATA_NAME.to_string(), ns.to_string())])
}

/// Whether a pod (anti-)affinity term looks at pods of the pod's own namespace, the only
/// one scn runs (`getNamespacesFromPodAffinityTerm`, `mergeAffinityTermNamespacesIfNotEmpty`,
/// `AffinityTerm.Matches`): with neither `namespaces` nor `namespaceSelector`, the pod's
/// namespace; else a namespace that `namespaces` names or whose labels the selector
/// matches (`{}` matches every namespace). A term that leaves the namespace out matches
/// no pod, the pod itself included (`podMatchesAllAffinityTerms`).
pub fn term_includes_namespace(
    term: &PodAffinityTerm,
    namespace: &str,
    namespace_labels: &BTreeMap<String, String>,
) -> bool {
    let names = term.namespaces.as_deref().unwrap_or_default();
    let named = names.iter().any(|n| n == namespace);
    match &term.namespace_selector {
        None => names.is_empty() || named,
        Some(selector) => {
            named || crate::sim::labels::matches(Some(selector), Some(namespace_labels))
        }
    }
}

impl PodInfo {
    /// What the plugins read of `pod`, its namespace known only by name.
    pub fn new(pod: &Pod) -> PodInfo {
        PodInfo::in_namespace(pod, &own_namespace_labels(pod))
    }

    /// What the plugins read of `pod`, whose namespace has `namespace_labels`.
    pub fn in_namespace(pod: &Pod, namespace_labels: &BTreeMap<String, String>) -> PodInfo {
        let default_spec = k8s_openapi::api::core::v1::PodSpec::default();
        let spec = pod.spec.as_ref().unwrap_or(&default_spec);
        let labels = pod.metadata.labels.clone().unwrap_or_default();
        let (requests, non_zero) = pod_requests(pod);
        // Read in place: most pods have no affinity, and the rest is cloned term by term.
        let affinity = spec.affinity.as_ref();
        let node_affinity = affinity.and_then(|a| a.node_affinity.as_ref());
        let pod_affinity = affinity.and_then(|a| a.pod_affinity.as_ref());
        let anti = affinity.and_then(|a| a.pod_anti_affinity.as_ref());
        let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
        let term = |t: &PodAffinityTerm, weight: i64| AffinityTerm {
            selector: if term_includes_namespace(t, namespace, namespace_labels) {
                selector_or_none(t.label_selector.clone())
            } else {
                selector_or_none(None)
            },
            topology_key: t.topology_key.clone(),
            weight,
        };
        let mut info = PodInfo {
            name: pod.metadata.name.clone().unwrap_or_default(),
            owner: crate::sim::podutil::controller_uid(pod)
                .unwrap_or_default()
                .to_string(),
            requests,
            non_zero,
            tolerations: spec.tolerations.clone().unwrap_or_default(),
            node_selector: spec.node_selector.clone().unwrap_or_default(),
            required_node_terms: node_affinity
                .and_then(|n| {
                    n.required_during_scheduling_ignored_during_execution
                        .as_ref()
                })
                .map(|s| s.node_selector_terms.clone()),
            preferred_node_terms: node_affinity
                .and_then(|n| {
                    n.preferred_during_scheduling_ignored_during_execution
                        .clone()
                })
                .unwrap_or_default(),
            required_affinity: pod_affinity
                .and_then(|a| {
                    a.required_during_scheduling_ignored_during_execution
                        .as_ref()
                })
                .into_iter()
                .flatten()
                .map(|t| term(t, 1))
                .collect(),
            required_anti_affinity: anti
                .and_then(|a| {
                    a.required_during_scheduling_ignored_during_execution
                        .as_ref()
                })
                .into_iter()
                .flatten()
                .map(|t| term(t, 1))
                .collect(),
            preferred_affinity: pod_affinity
                .and_then(|a| {
                    a.preferred_during_scheduling_ignored_during_execution
                        .as_ref()
                })
                .into_iter()
                .flatten()
                .map(|w| term(&w.pod_affinity_term, w.weight as i64))
                .collect(),
            preferred_anti_affinity: anti
                .and_then(|a| {
                    a.preferred_during_scheduling_ignored_during_execution
                        .as_ref()
                })
                .into_iter()
                .flatten()
                .map(|w| term(&w.pod_affinity_term, w.weight as i64))
                .collect(),
            has_own_spread: spec
                .topology_spread_constraints
                .as_ref()
                .is_some_and(|c| !c.is_empty()),
            claims: crate::sim::controllers::volume::claims_of(pod),
            host_ports: super::plugins::node_ports::host_ports(pod),
            preempt_never: spec.preemption_policy.as_deref() == Some("Never"),
            priority: spec.priority.unwrap_or(0),
            ..Default::default()
        };
        for c in spec.topology_spread_constraints.iter().flatten() {
            let constraint = spread_constraint(c);
            if c.when_unsatisfiable == "DoNotSchedule" {
                info.hard_spread.push(constraint);
            } else {
                info.soft_spread.push(constraint);
            }
        }
        info.labels = labels;
        info
    }
}

fn spread_constraint(c: &TopologySpreadConstraint) -> SpreadConstraint {
    SpreadConstraint {
        max_skew: c.max_skew as i64,
        topology_key: c.topology_key.clone(),
        selector: selector_or_none(c.label_selector.clone()),
        min_domains: c.min_domains.unwrap_or(1) as i64,
        honor_affinity: c.node_affinity_policy.as_deref() != Some("Ignore"),
        honor_taints: c.node_taints_policy.as_deref() == Some("Honor"),
    }
}

/// The term's selector as the scheduler reads it: the API server already merged
/// `matchLabelKeys`/`mismatchLabelKeys` into it when the pod was created
/// (`api/label_keys.rs`). A missing selector selects nothing (as upstream).
fn selector_or_none(selector: Option<LabelSelector>) -> LabelSelector {
    selector.unwrap_or_else(|| {
        // Matches nothing: an expression no label can satisfy.
        LabelSelector {
            match_expressions: Some(vec![
                k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement {
                    key: String::new(),
                    operator: "In".into(),
                    values: Some(Vec::new()),
                },
            ]),
            match_labels: None,
        }
    })
}

/// One container's request per resource; a limit without a request counts as the request
/// (API defaulting copies it). With `non_zero`, a cpu or memory the container names
/// neither as request nor as limit counts the scoring default (an explicit 0 stays 0).
fn container_requests(c: &Container, non_zero: bool) -> Resources {
    let mut out = Resources::new();
    let (mut has_cpu, mut has_memory) = (false, false);
    let resources = c.resources.as_ref();
    for source in [
        resources.and_then(|r| r.limits.as_ref()),
        resources.and_then(|r| r.requests.as_ref()),
    ]
    .into_iter()
    .flatten()
    {
        for (name, q) in source {
            if let Some(v) = amount(name, &q.0) {
                *out.entry(name) = v;
                has_cpu |= name == CPU;
                has_memory |= name == MEMORY;
            }
        }
    }
    if non_zero {
        if !has_cpu {
            out.cpu = DEFAULT_MILLI_CPU_REQUEST;
        }
        if !has_memory {
            out.memory = DEFAULT_MEMORY_REQUEST;
        }
    }
    out
}

/// `PodRequests` (B-SCHED-5): app containers and every sidecar add up; a regular init
/// container counts with the sidecars started before it, by the maximum; pod-level
/// requests replace that sum for the resources they name; plus overhead.
/// With `non_zero`, containers without a cpu or memory request count the defaults.
fn effective(pod: &Pod, non_zero: bool) -> Resources {
    let Some(spec) = pod.spec.as_ref() else {
        return Resources::new();
    };
    let mut apps = Resources::new();
    for c in &spec.containers {
        apps.add_scaled(&container_requests(c, non_zero), 1);
    }
    let mut sidecars = Resources::new();
    let mut init_max = Resources::new();
    for c in spec.init_containers.iter().flatten() {
        let r = container_requests(c, non_zero);
        if c.restart_policy.as_deref() == Some("Always") {
            sidecars.add_scaled(&r, 1);
            apps.add_scaled(&r, 1);
            init_max.max_with(&sidecars);
        } else {
            let mut with_sidecars = r;
            with_sidecars.add_scaled(&sidecars, 1);
            init_max.max_with(&with_sidecars);
        }
    }
    apps.max_with(&init_max);
    // Pod-level resources (PodLevelResources, on by default since v1.34): a cpu, memory or
    // hugepages request in `spec.resources` replaces the containers' sum (defaulting has
    // filled the requests in where only limits were written).
    let pod_level = spec.resources.as_ref().and_then(|r| r.requests.as_ref());
    for (name, q) in pod_level.into_iter().flatten() {
        if let (true, Some(v)) = (is_supported_pod_level_resource(name), amount(name, &q.0)) {
            *apps.entry(name) = v;
        }
    }
    for (name, q) in spec.overhead.iter().flatten() {
        if let Some(v) = amount(name, &q.0) {
            *apps.entry(name) += v;
        }
    }
    apps
}

/// The pod's effective requests, and its non-zero cpu and memory for scoring.
pub fn pod_requests(pod: &Pod) -> (Resources, (i64, i64)) {
    let mut requests = effective(pod, false);
    requests.scalar.retain(|_, v| *v > 0);
    let non_zero = effective(pod, true);
    (requests, (non_zero.cpu, non_zero.memory))
}

/// `helper.DefaultNormalizeScore`: scales to 0..=100 by the maximum, reversed if asked.
pub fn default_normalize(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0);
    if max == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = MAX_NODE_SCORE);
        }
        return;
    }
    for s in scores.iter_mut() {
        let mut v = MAX_NODE_SCORE * *s / max;
        if reverse {
            v = MAX_NODE_SCORE - v;
        }
        *s = v;
    }
}

/// `"<count> <reason>"` per reason, sorted as strings, joined with `, ` (FitError).
fn histogram<'a>(reasons: impl Iterator<Item = &'a str>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in reasons {
        *counts.entry(r).or_default() += 1;
    }
    let mut parts: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    parts.sort();
    parts.join(", ")
}

/// The FailedScheduling message (`FitError.Error`, B-SCHED-17) followed by the PostFilter
/// plugins' messages, which v1.36 runs in the profile's order, DynamicResources before
/// DefaultPreemption (B-SCHED-19):
/// - after a node-by-node rejection, DynamicResources finds the pod has no ResourceClaims
///   and says `no new claims to deallocate`; DefaultPreemption then gives its per-node
///   verdict (B-SCHED-18), or, for a pod whose `preemptionPolicy` is `Never`,
///   `PodEligibleToPreemptOthers`' `not eligible due to preemptionPolicy=Never.` (B-SCHED-23).
///   `fit_error` gives the verdict of a dry run that found no lower-priority pod anywhere;
///   `plugins/default_preemption.rs` writes the others (`fit_error_post`).
/// - after a PreFilter rejection (NodeAffinity's conflicting node names; a missing, Lost,
///   deleted or unbound Immediate claim), the PreFilter plugins after it never ran
///   (DynamicResources is the last), so DynamicResources' PostFilter cannot read its state
///   and fails with `not found`, which ends the PostFilter phase: the message ends
///   `… PersistentVolumeClaims. not found`, as clusters of v1.34 to v1.36 print it.
pub fn fit_error(
    total: usize,
    prefilter: Option<&str>,
    statuses: &[Status],
    preempt_never: bool,
) -> String {
    let mut out = format!("0/{total} nodes are available: ");
    if let Some(message) = prefilter {
        out.push_str(message);
        out.push_str(". not found");
        return out;
    }
    out.push_str(&histogram(
        statuses
            .iter()
            .flat_map(|s| s.reasons.iter().map(String::as_str)),
    ));
    if preempt_never {
        out.push_str(
            ". no new claims to deallocate, preemption: not eligible due to preemptionPolicy=Never.",
        );
        return out;
    }
    let preemption = histogram(statuses.iter().map(|s| match s.code {
        Code::UnschedulableAndUnresolvable => "Preemption is not helpful for scheduling",
        Code::Unschedulable => "No preemption victims found for incoming pod",
    }));
    out.push_str(&format!(
        ". no new claims to deallocate, preemption: 0/{total} nodes are available: {preemption}."
    ));
    out
}

/// The FailedScheduling message after a node-by-node rejection: the filters' histogram,
/// then the PostFilter plugins' message when none of them succeeded
/// (`RunPostFilterPlugins`: DynamicResources' `no new claims to deallocate` joined with
/// DefaultPreemption's `preemption: …`). When DefaultPreemption nominates a node, the
/// phase succeeds and adds nothing: the message ends after the histogram.
pub fn fit_error_post(total: usize, statuses: &[Status], preemption: Option<&str>) -> String {
    let mut out = format!(
        "0/{total} nodes are available: {}.",
        histogram(
            statuses
                .iter()
                .flat_map(|s| s.reasons.iter().map(String::as_str)),
        )
    );
    if let Some(message) = preemption {
        out.push_str(" no new claims to deallocate, preemption: ");
        out.push_str(message);
    }
    out
}

/// DefaultPreemption's FitError when no node has victims whose removal lets the pod fit:
/// each node the dry run tried with its status's reasons, every other node `Preemption
/// is not helpful for scheduling`.
pub fn preemption_fit_error(total: usize, reasons: &[&str]) -> String {
    format!(
        "0/{total} nodes are available: {}.",
        histogram(reasons.iter().copied())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_error_counts_sorts_as_strings_and_adds_preemption() {
        let taint = Status::new(
            Code::UnschedulableAndUnresolvable,
            "node(s) had untolerated taint(s)",
        );
        let cpu = Status::new(Code::Unschedulable, "Insufficient cpu");
        let mut statuses = vec![taint];
        statuses.extend(std::iter::repeat_n(cpu, 10));
        statuses.push(Status::new(
            Code::UnschedulableAndUnresolvable,
            "node(s) had untolerated taint(s)",
        ));
        assert_eq!(
            fit_error(12, None, &statuses, false),
            "0/12 nodes are available: 10 Insufficient cpu, 2 node(s) had untolerated taint(s). \
             no new claims to deallocate, preemption: 0/12 nodes are available: 10 No \
             preemption victims found for incoming pod, 2 Preemption is not helpful for \
             scheduling."
        );
    }

    #[test]
    fn a_prefilter_rejection_ends_with_the_dynamic_resources_not_found() {
        assert_eq!(
            fit_error(
                3,
                Some("pod has unbound immediate PersistentVolumeClaims"),
                &[],
                false
            ),
            "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. not found"
        );
    }

    #[test]
    fn init_containers_count_by_maximum_and_sidecars_add() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {
                "initContainers": [
                    {"name": "a", "resources": {"requests": {"cpu": "1"}}},
                    {"name": "side", "restartPolicy": "Always", "resources": {"requests": {"cpu": "200m"}}},
                    {"name": "b", "resources": {"requests": {"cpu": "2"}}}
                ],
                "containers": [{"name": "app", "resources": {"requests": {"cpu": "500m"}}}]
            }
        }))
        .unwrap();
        let (requests, non_zero) = pod_requests(&pod);
        // max(500m + 200m, 1, 2 + 200m) = 2200m
        assert_eq!(requests.get("cpu"), Some(&2200));
        assert_eq!(requests.get("memory"), None);
        // B-SCHED-3: for scoring, every container without a memory request counts 200Mi:
        // app + sidecar, or b + sidecar, or a alone: 400Mi.
        assert_eq!(non_zero.1, 2 * DEFAULT_MEMORY_REQUEST);
    }

    #[test]
    fn normalize_reverses_and_scales() {
        let mut s = vec![0, 2, 4];
        default_normalize(&mut s, true);
        assert_eq!(s, vec![100, 50, 0]);
        let mut z = vec![0, 0];
        default_normalize(&mut z, false);
        assert_eq!(z, vec![0, 0]);
    }
}
