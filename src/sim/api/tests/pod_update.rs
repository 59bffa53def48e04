//! `validate_pod_update` (B-POD): the rules a scenario cannot reach (a negative grace period
//! is refused at creation, so its one allowed change is shown here), and the finer points
//! of the gated pod's node affinity.

use crate::sim::api::defaults::default_pod_spec;
use crate::sim::api::validation::validate_pod_update;
use k8s_openapi::api::core::v1::Pod;
use serde_json::{json, Value};

fn pod(spec: Value) -> Pod {
    let mut spec = spec;
    spec["containers"] = json!([{"name": "app", "image": "app:1"}]);
    let mut pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "app"},
        "spec": spec,
    }))
    .unwrap();
    if let Some(spec) = pod.spec.as_mut() {
        default_pod_spec(spec);
    }
    pod
}

fn errors(new: Value, old: Value) -> Vec<String> {
    validate_pod_update(&pod(new), &pod(old))
        .iter()
        .map(ToString::to_string)
        .collect()
}

const FORBIDDEN: &str = "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

#[test]
fn b_pod_1_a_negative_grace_period_may_become_1_and_nothing_else() {
    // Only the new pod is validated as a pod (a negative value is refused there), so the
    // old one may hold -1: 1 passes, 2 is an update of a fixed field.
    let old = json!({"terminationGracePeriodSeconds": -1});
    assert_eq!(
        errors(json!({"terminationGracePeriodSeconds": 1}), old.clone()),
        Vec::<String>::new()
    );
    assert_eq!(
        errors(json!({"terminationGracePeriodSeconds": 2}), old),
        vec![FORBIDDEN]
    );
    assert_eq!(
        errors(
            json!({"terminationGracePeriodSeconds": 1}),
            json!({"terminationGracePeriodSeconds": 30})
        ),
        vec![FORBIDDEN]
    );
}

#[test]
fn b_pod_3_active_deadline_range_and_direction() {
    assert_eq!(
        errors(json!({"activeDeadlineSeconds": 3_000_000_000_i64}), json!({})),
        vec![
            "spec.activeDeadlineSeconds: Invalid value: 3000000000: must be between 1 and 2147483647, inclusive",
            "spec.activeDeadlineSeconds: Invalid value: 3000000000: must be between 0 and 2147483647, inclusive",
        ]
    );
    assert!(errors(
        json!({"activeDeadlineSeconds": 10}),
        json!({"activeDeadlineSeconds": 20})
    )
    .is_empty());
    assert!(errors(json!({"activeDeadlineSeconds": 10}), json!({})).is_empty());
}

#[test]
fn b_pod_5_toleration_seconds_may_go_either_way() {
    let toleration = |seconds: i64| json!({"tolerations": [{"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": seconds}]});
    assert!(errors(toleration(600), toleration(60)).is_empty());
    assert!(errors(toleration(6), toleration(60)).is_empty());
    assert_eq!(
        errors(json!({}), toleration(60)),
        vec!["spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"]
    );
}

#[test]
fn b_pod_6_every_new_gate_is_reported_at_its_index() {
    assert_eq!(
        errors(
            json!({"schedulingGates": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}),
            json!({"schedulingGates": [{"name": "b"}]})
        ),
        vec![
            "spec.schedulingGates[0].name: Forbidden: only deletion is allowed, but found new scheduling gate 'a'",
            "spec.schedulingGates[2].name: Forbidden: only deletion is allowed, but found new scheduling gate 'c'",
        ]
    );
}

fn required_terms(terms: Value) -> Value {
    json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}})
}

#[test]
fn b_pod_6_a_gated_pod_may_add_to_its_required_node_affinity_terms() {
    let zone = json!({"key": "zone", "operator": "In", "values": ["a"]});
    let disk = json!({"key": "disk", "operator": "In", "values": ["ssd"]});
    let gated = |terms: Value| json!({"schedulingGates": [{"name": "g"}], "affinity": required_terms(terms)});
    // A new requirement at the end of an existing term: allowed.
    assert!(errors(
        gated(json!([{"matchExpressions": [zone.clone(), disk.clone()]}])),
        gated(json!([{"matchExpressions": [zone.clone()]}]))
    )
    .is_empty());
    // A new term: refused.
    let refused = errors(
        gated(json!([{"matchExpressions": [zone.clone()]}, {"matchExpressions": [disk.clone()]}])),
        gated(json!([{"matchExpressions": [zone.clone()]}])),
    );
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].starts_with("spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Invalid value: "));
    assert!(refused[0]
        .ends_with(": no additions/deletions to non-empty NodeSelectorTerms list are allowed"));
    // A changed requirement: refused at its term.
    let changed = errors(
        gated(json!([{"matchExpressions": [disk.clone()]}])),
        gated(json!([{"matchExpressions": [zone.clone()]}])),
    );
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].ends_with(": only additions are allowed (no mutations or deletions)"));
    // Setting node affinity on a gated pod that had none: allowed.
    assert!(errors(
        gated(json!([{"matchExpressions": [zone.clone()]}])),
        json!({"schedulingGates": [{"name": "g"}]})
    )
    .is_empty());
    // Not gated: node affinity is fixed like the rest of the spec.
    assert_eq!(
        errors(
            json!({"affinity": required_terms(json!([{"matchExpressions": [zone.clone(), disk]}]))}),
            json!({"affinity": required_terms(json!([{"matchExpressions": [zone]}]))})
        ),
        vec![FORBIDDEN]
    );
}
