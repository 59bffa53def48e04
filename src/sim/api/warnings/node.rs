//! Deprecated node labels (upstream `pkg/api/node/util.go`).

use k8s_openapi::api::core::v1::NodeSelectorTerm;

/// `deprecatedNodeLabels`: the label, and what to say about it.
const DEPRECATED_NODE_LABELS: &[(&str, &str)] = &[
    (
        "beta.kubernetes.io/arch",
        "deprecated since v1.14; use \"kubernetes.io/arch\" instead",
    ),
    (
        "beta.kubernetes.io/os",
        "deprecated since v1.14; use \"kubernetes.io/os\" instead",
    ),
    (
        "failure-domain.beta.kubernetes.io/region",
        "deprecated since v1.17; use \"topology.kubernetes.io/region\" instead",
    ),
    (
        "failure-domain.beta.kubernetes.io/zone",
        "deprecated since v1.17; use \"topology.kubernetes.io/zone\" instead",
    ),
    (
        "beta.kubernetes.io/instance-type",
        "deprecated since v1.17; use \"node.kubernetes.io/instance-type\" instead",
    ),
    ("app.kubernetes.io/created-by", "deprecated since v1.9"),
    (
        "scheduler.alpha.kubernetes.io/preferAvoidPods",
        "deprecated since v1.22; use Taints and Tolerations instead",
    ),
    (
        "node-role.kubernetes.io/master",
        "use \"node-role.kubernetes.io/control-plane\" instead",
    ),
];

/// `GetNodeLabelDeprecatedMessage`.
pub(super) fn deprecated_message(key: &str) -> Option<&'static str> {
    DEPRECATED_NODE_LABELS
        .iter()
        .find(|(label, _)| *label == key)
        .map(|(_, msg)| *msg)
}

/// `GetWarningsForNodeSelectorTerm`: a requirement on a deprecated label.
pub(super) fn warnings_for_node_selector_term(term: &NodeSelectorTerm, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, r) in term.match_expressions.iter().flatten().enumerate() {
        if let Some(msg) = deprecated_message(&r.key) {
            out.push(format!(
                "{path}.matchExpressions[{i}].key: {} is {msg}",
                r.key
            ));
        }
    }
    out
}
