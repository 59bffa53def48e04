//! The pod strategy's `mutatePodAffinity` and `mutateTopologySpreadConstraints`
//! (`pkg/registry/core/pod/strategy.go`, PrepareForCreate): on create, each
//! `matchLabelKeys` key the pod carries joins the term's `labelSelector` as `key In
//! (value)`, each `mismatchLabelKeys` key as `key NotIn (value)`. MatchLabelKeysInPodAffinity
//! is GA (locked on since v1.33); MatchLabelKeysInPodTopologySpread and
//! MatchLabelKeysInPodTopologySpreadSelectorMerge are on by default in v1.36. A term
//! without a `labelSelector` is left alone (a nil selector matches nothing), and a key
//! the pod does not carry adds nothing.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, PodAffinityTerm, WeightedPodAffinityTerm};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

/// PrepareForCreate's merge of `matchLabelKeys`/`mismatchLabelKeys` into the selectors.
pub fn merge_label_keys(pod: &mut Pod) {
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    if let Some(affinity) = spec.affinity.as_mut() {
        if let Some(a) = affinity.pod_affinity.as_mut() {
            merge_terms(
                &mut a.preferred_during_scheduling_ignored_during_execution,
                &mut a.required_during_scheduling_ignored_during_execution,
                &labels,
            );
        }
        if let Some(a) = affinity.pod_anti_affinity.as_mut() {
            merge_terms(
                &mut a.preferred_during_scheduling_ignored_during_execution,
                &mut a.required_during_scheduling_ignored_during_execution,
                &labels,
            );
        }
    }
    for c in spec.topology_spread_constraints.iter_mut().flatten() {
        let keys = c.match_label_keys.clone().unwrap_or_default();
        if let Some(selector) = c.label_selector.as_mut() {
            apply_keys(selector, &keys, "In", &labels);
        }
    }
}

/// The terms of one pod (anti-)affinity, preferred and required.
fn merge_terms(
    preferred: &mut Option<Vec<WeightedPodAffinityTerm>>,
    required: &mut Option<Vec<PodAffinityTerm>>,
    labels: &BTreeMap<String, String>,
) {
    for w in preferred.iter_mut().flatten() {
        merge_term(&mut w.pod_affinity_term, labels);
    }
    for t in required.iter_mut().flatten() {
        merge_term(t, labels);
    }
}

/// `applyMatchLabelKeysAndMismatchLabelKeys`.
fn merge_term(term: &mut PodAffinityTerm, labels: &BTreeMap<String, String>) {
    let match_keys = term.match_label_keys.clone().unwrap_or_default();
    let mismatch_keys = term.mismatch_label_keys.clone().unwrap_or_default();
    let Some(selector) = term.label_selector.as_mut() else {
        return;
    };
    apply_keys(selector, &match_keys, "In", labels);
    apply_keys(selector, &mismatch_keys, "NotIn", labels);
}

/// `applyLabelKeysToLabelSelector`: one requirement per key the pod carries, appended to
/// `matchExpressions` in the keys' order.
fn apply_keys(
    selector: &mut LabelSelector,
    keys: &[String],
    operator: &str,
    labels: &BTreeMap<String, String>,
) {
    for key in keys {
        if let Some(value) = labels.get(key) {
            selector
                .match_expressions
                .get_or_insert_with(Vec::new)
                .push(LabelSelectorRequirement {
                    key: key.clone(),
                    operator: operator.into(),
                    values: Some(vec![value.clone()]),
                });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn keys_the_pod_carries_join_the_selectors() {
        let mut p = pod(json!({
            "metadata": {"name": "web-0", "labels": {"app": "web", "controller-revision-hash": "web-1"}},
            "spec": {
                "containers": [{"name": "c", "image": "x"}],
                "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname",
                     "matchLabelKeys": ["controller-revision-hash", "absent"], "mismatchLabelKeys": ["app"]},
                    {"topologyKey": "kubernetes.io/hostname", "matchLabelKeys": ["app"]}
                ]}},
                "topologySpreadConstraints": [
                    {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                     "labelSelector": {"matchLabels": {"app": "web"}}, "matchLabelKeys": ["controller-revision-hash"]}
                ]
            }
        }));
        merge_label_keys(&mut p);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v["spec"]["affinity"]["podAntiAffinity"]
                ["requiredDuringSchedulingIgnoredDuringExecution"][0]["labelSelector"]
                ["matchExpressions"],
            json!([
                {"key": "controller-revision-hash", "operator": "In", "values": ["web-1"]},
                {"key": "app", "operator": "NotIn", "values": ["web"]}
            ])
        );
        // A nil selector stays nil: it matches nothing either way.
        assert!(v["spec"]["affinity"]["podAntiAffinity"]
            ["requiredDuringSchedulingIgnoredDuringExecution"][1]
            .get("labelSelector")
            .is_none());
        assert_eq!(
            v["spec"]["topologySpreadConstraints"][0]["labelSelector"]["matchExpressions"],
            json!([{"key": "controller-revision-hash", "operator": "In", "values": ["web-1"]}])
        );
    }
}
