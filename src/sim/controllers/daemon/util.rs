//! `pkg/controller/daemon/util/daemonset_util.go` and the placement predicates of
//! `daemon_controller.go` (`NodeShouldRunDaemonPod`, `predicates`, `NewPod`): where a
//! daemon pod should run, the tolerations every daemon pod gets, the pod template with its
//! generation and hash labels, and the node affinity that pins a pod to its node.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{
    Affinity, Node, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod,
    PodSpec, PodTemplateSpec, Taint, Toleration,
};

use crate::sim::clock::{from_time, Millis};
use crate::sim::nodes;
use crate::sim::scheduler::plugins::{node_affinity, taint_toleration};

/// `extensions.DaemonSetTemplateGenerationKey`.
pub const TEMPLATE_GENERATION_LABEL: &str = "pod-template-generation";
/// `apps.DefaultDaemonSetUniqueLabelKey` (= `ControllerRevisionHashLabelKey`).
pub const HASH_LABEL: &str = "controller-revision-hash";

fn toleration(key: &str, effect: &str) -> Toleration {
    Toleration {
        key: Some(key.into()),
        operator: Some("Exists".into()),
        effect: Some(effect.into()),
        ..Default::default()
    }
}

/// `v1helper.AddOrUpdateTolerationInPodSpec`: a toleration equal in key, operator, value
/// and effect (`MatchToleration`) is replaced, any other appended.
fn add_or_update(spec: &mut PodSpec, t: Toleration) {
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    let same = |o: &Toleration| {
        o.key == t.key
            && o.operator.as_deref().unwrap_or("") == t.operator.as_deref().unwrap_or("")
            && o.value.as_deref().unwrap_or("") == t.value.as_deref().unwrap_or("")
            && o.effect.as_deref().unwrap_or("") == t.effect.as_deref().unwrap_or("")
    };
    match tolerations.iter_mut().find(|o| same(o)) {
        Some(existing) => *existing = t,
        None => tolerations.push(t),
    }
}

/// `AddOrUpdateDaemonPodTolerations` (B-DS-5): NoExecute `not-ready` and `unreachable`
/// without `tolerationSeconds` (so a daemon pod stays on a failed node), NoSchedule
/// `disk-pressure`, `memory-pressure`, `pid-pressure`, `unschedulable` (so a cordoned node
/// keeps its daemon pod), and `network-unavailable` for a `hostNetwork` pod.
pub fn add_daemon_tolerations(spec: &mut PodSpec) {
    add_or_update(
        spec,
        toleration("node.kubernetes.io/not-ready", "NoExecute"),
    );
    add_or_update(
        spec,
        toleration("node.kubernetes.io/unreachable", "NoExecute"),
    );
    add_or_update(
        spec,
        toleration("node.kubernetes.io/disk-pressure", "NoSchedule"),
    );
    add_or_update(
        spec,
        toleration("node.kubernetes.io/memory-pressure", "NoSchedule"),
    );
    add_or_update(
        spec,
        toleration("node.kubernetes.io/pid-pressure", "NoSchedule"),
    );
    add_or_update(
        spec,
        toleration("node.kubernetes.io/unschedulable", "NoSchedule"),
    );
    if spec.host_network == Some(true) {
        add_or_update(
            spec,
            toleration("node.kubernetes.io/network-unavailable", "NoSchedule"),
        );
    }
}

/// `CreatePodTemplate`: the template with the daemon tolerations, the template generation
/// label and the revision hash label.
pub fn pod_template(ds: &DaemonSet, generation: Option<i64>, hash: &str) -> PodTemplateSpec {
    let mut template = ds
        .spec
        .as_ref()
        .map(|s| s.template.clone())
        .unwrap_or_default();
    add_daemon_tolerations(template.spec.get_or_insert_with(Default::default));
    let labels = template
        .metadata
        .get_or_insert_with(Default::default)
        .labels
        .get_or_insert_with(BTreeMap::new);
    if let Some(generation) = generation {
        labels.insert(TEMPLATE_GENERATION_LABEL.into(), generation.to_string());
    }
    if !hash.is_empty() {
        labels.insert(HASH_LABEL.into(), hash.to_string());
    }
    template
}

/// `ReplaceDaemonSetPodNodeNameNodeAffinity`: the required node affinity becomes the one
/// term `matchFields: metadata.name In [node]` (the scheduler binds the pod there); the
/// other parts of the affinity are kept.
pub fn pin_to_node(affinity: Option<Affinity>, node: &str) -> Affinity {
    let term = NodeSelectorTerm {
        match_fields: Some(vec![NodeSelectorRequirement {
            key: "metadata.name".into(),
            operator: "In".into(),
            values: Some(vec![node.to_string()]),
        }]),
        ..Default::default()
    };
    let mut affinity = affinity.unwrap_or_default();
    let node_affinity = affinity
        .node_affinity
        .get_or_insert_with(NodeAffinity::default);
    match node_affinity
        .required_during_scheduling_ignored_during_execution
        .as_mut()
    {
        Some(required) => required.node_selector_terms = vec![term],
        None => {
            node_affinity.required_during_scheduling_ignored_during_execution = Some(NodeSelector {
                node_selector_terms: vec![term],
            })
        }
    }
    affinity
}

/// `GetTargetNodeName`: the pod's node, or the node its `matchFields` affinity names.
pub fn target_node(pod: &Pod) -> Option<&str> {
    let spec = pod.spec.as_ref()?;
    if let Some(node) = spec.node_name.as_deref().filter(|n| !n.is_empty()) {
        return Some(node);
    }
    let terms = &spec
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms;
    terms
        .iter()
        .flat_map(|t| t.match_fields.iter().flatten())
        .find(|r| r.key == "metadata.name" && r.operator == "In")
        .and_then(|r| r.values.as_ref())
        .filter(|v| v.len() == 1)
        .map(|v| v[0].as_str())
}

/// A taint that none of `tolerations` tolerates, among those `effect` picks
/// (`FindMatchingUntoleratedTaint`).
fn untolerated(
    taints: &[Taint],
    tolerations: &[Toleration],
    effect: impl Fn(&str) -> bool,
) -> bool {
    taints
        .iter()
        .filter(|t| effect(&t.effect))
        .any(|t| !taint_toleration::tolerated(tolerations, t))
}

/// `NodeShouldRunDaemonPod` (B-DS-4): (should run, should continue running). A node the
/// template's `nodeName`, `nodeSelector` or required node affinity excludes gets no pod; a
/// NoSchedule or NoExecute taint the pod (with the daemon tolerations) does not tolerate
/// keeps a new pod off, and a NoExecute one also evicts a running pod.
pub fn should_run(node: &Node, ds: &DaemonSet) -> (bool, bool) {
    let Some(spec) = ds.spec.as_ref() else {
        return (false, false);
    };
    let node_name = node.metadata.name.as_deref().unwrap_or_default();
    let mut pod_spec = spec.template.spec.clone().unwrap_or_default();
    if pod_spec
        .node_name
        .as_deref()
        .is_some_and(|n| !n.is_empty() && n != node_name)
    {
        return (false, false);
    }
    add_daemon_tolerations(&mut pod_spec);
    if !matches_node_affinity(&pod_spec, node) {
        return (false, false);
    }
    let tolerations = pod_spec.tolerations.as_deref().unwrap_or_default();
    let taints = nodes::taints(node);
    if untolerated(taints, tolerations, |e| {
        e == "NoExecute" || e == "NoSchedule"
    }) {
        let evicting = untolerated(taints, tolerations, |e| e == "NoExecute");
        return (false, !evicting);
    }
    (true, true)
}

/// `nodeInSameCondition`: the same condition types are `True`.
fn same_true_conditions(old: &Node, new: &Node) -> bool {
    let trues = |node: &Node| -> BTreeSet<String> {
        node.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .filter(|c| c.status == "True")
            .map(|c| c.type_.clone())
            .collect()
    };
    trues(old) == trues(new)
}

/// `shouldIgnoreNodeUpdate`: the same conditions are `True` and, the resource version and
/// the conditions aside, the node did not change (a heartbeat).
pub fn should_ignore_node_update(old: &Node, new: &Node) -> bool {
    if !same_true_conditions(old, new) {
        return false;
    }
    let mut old = old.clone();
    old.metadata.resource_version = new.metadata.resource_version.clone();
    let conditions = new.status.as_ref().and_then(|s| s.conditions.clone());
    if let Some(status) = old.status.as_mut() {
        status.conditions = conditions;
    } else if conditions.is_some() {
        return false;
    }
    &old == new
}

/// `nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)`: the nodeSelector and the
/// required node affinity terms.
fn matches_node_affinity(spec: &PodSpec, node: &Node) -> bool {
    let empty = BTreeMap::new();
    let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
    let selector_ok = spec
        .node_selector
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    if !selector_ok {
        return false;
    }
    let required = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    match required {
        Some(required) => required
            .node_selector_terms
            .iter()
            .any(|t| node_affinity::term_matches(t, node)),
        None => true,
    }
}

/// `IsPodUpdated`: the pod carries the current hash, or the current template generation.
pub fn is_updated(pod: &Pod, hash: &str, generation: Option<i64>) -> bool {
    let labels = pod.metadata.labels.as_ref();
    let label = |key: &str| labels.and_then(|l| l.get(key)).map(String::as_str);
    let template_matches = generation
        .is_some_and(|g| label(TEMPLATE_GENERATION_LABEL) == Some(g.to_string().as_str()));
    let hash_matches = !hash.is_empty() && label(HASH_LABEL) == Some(hash);
    hash_matches || template_matches
}

/// `podutil.IsPodAvailable`: Ready, for at least `min_ready_seconds`.
pub fn is_available(pod: &Pod, min_ready_seconds: i32, now: Millis) -> bool {
    match crate::sim::podutil::ready_condition(pod) {
        Some((true, since)) => {
            min_ready_seconds <= 0 || since + Millis::from_secs(min_ready_seconds.into()) <= now
        }
        _ => false,
    }
}

/// `podByCreationTimestampAndPhase`: scheduled pods first, then the oldest, then by name.
pub fn by_age(a: &Pod, b: &Pod) -> std::cmp::Ordering {
    let scheduled = |p: &Pod| {
        p.spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .is_some_and(|n| !n.is_empty())
    };
    let created = |p: &Pod| p.metadata.creation_timestamp.as_ref().map(from_time);
    scheduled(b)
        .cmp(&scheduled(a))
        .then_with(|| created(a).cmp(&created(b)))
        .then_with(|| a.metadata.name.cmp(&b.metadata.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ds(template_spec: serde_json::Value) -> DaemonSet {
        serde_json::from_value(json!({
            "metadata": {"name": "agent"},
            "spec": {
                "selector": {"matchLabels": {"app": "agent"}},
                "template": {"metadata": {"labels": {"app": "agent"}}, "spec": template_spec}
            }
        }))
        .expect("a DaemonSet")
    }

    fn node(labels: serde_json::Value, taints: serde_json::Value) -> Node {
        serde_json::from_value(json!({
            "metadata": {"name": "node-1", "labels": labels},
            "spec": {"taints": taints}
        }))
        .expect("a Node")
    }

    /// B-DS-5: the daemon tolerations, in upstream's order; `network-unavailable` only with
    /// `hostNetwork`; an equal toleration is replaced, not doubled.
    #[test]
    fn b_ds_5_daemon_tolerations() {
        let mut spec: PodSpec = serde_json::from_value(json!({
            "containers": [],
            "hostNetwork": true,
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}]
        }))
        .expect("a pod spec");
        add_daemon_tolerations(&mut spec);
        let keys: Vec<(String, String)> = spec
            .tolerations
            .iter()
            .flatten()
            .map(|t| {
                (
                    t.key.clone().unwrap_or_default(),
                    t.effect.clone().unwrap_or_default(),
                )
            })
            .collect();
        let expected = [
            ("node.kubernetes.io/not-ready", "NoExecute"),
            ("node.kubernetes.io/unreachable", "NoExecute"),
            ("node.kubernetes.io/disk-pressure", "NoSchedule"),
            ("node.kubernetes.io/memory-pressure", "NoSchedule"),
            ("node.kubernetes.io/pid-pressure", "NoSchedule"),
            ("node.kubernetes.io/unschedulable", "NoSchedule"),
            ("node.kubernetes.io/network-unavailable", "NoSchedule"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, e)| (k.to_string(), e.to_string()))
            .collect();
        assert_eq!(keys, expected);
        assert!(spec
            .tolerations
            .iter()
            .flatten()
            .all(|t| t.toleration_seconds.is_none()));
    }

    /// B-DS-4: nodeSelector and node affinity exclude a node; an untolerated NoSchedule
    /// taint keeps a new pod off but lets a running one stay, a NoExecute one does neither.
    #[test]
    fn b_ds_4_node_should_run() {
        let plain = ds(json!({"containers": []}));
        assert_eq!(
            should_run(&node(json!({}), json!([])), &plain),
            (true, true)
        );
        let selecting = ds(json!({"containers": [], "nodeSelector": {"disk": "ssd"}}));
        assert_eq!(
            should_run(&node(json!({}), json!([])), &selecting),
            (false, false)
        );
        assert_eq!(
            should_run(&node(json!({"disk": "ssd"}), json!([])), &selecting),
            (true, true)
        );
        let no_schedule = json!([{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]);
        assert_eq!(
            should_run(&node(json!({}), no_schedule), &plain),
            (false, true)
        );
        let no_execute = json!([{"key": "dedicated", "value": "db", "effect": "NoExecute"}]);
        assert_eq!(
            should_run(&node(json!({}), no_execute), &plain),
            (false, false)
        );
        let cordoned = json!([{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]);
        assert_eq!(should_run(&node(json!({}), cordoned), &plain), (true, true));
    }

    /// B-DS-4: the required node affinity becomes the one `matchFields` term; the preferred
    /// terms stay.
    #[test]
    fn b_ds_4_pinned_by_node_affinity() {
        let affinity: Affinity = serde_json::from_value(json!({
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}
                ]},
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 1, "preference": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}
                ]
            }
        }))
        .expect("an affinity");
        let pinned = serde_json::to_value(pin_to_node(Some(affinity), "node-2")).expect("json");
        assert_eq!(
            pinned["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"],
            json!({"nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-2"]}]}]})
        );
        assert_eq!(
            pinned["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"],
            1
        );
    }
}
