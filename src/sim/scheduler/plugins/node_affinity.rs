//! NodeAffinity (`nodeaffinity/node_affinity.go`, B-SCHED-9): `nodeSelector` and the
//! required node affinity filter; preferred terms score by the sum of their weights.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, NodeSelectorRequirement, NodeSelectorTerm};

use super::super::framework::{Code, PodInfo, Status};

pub const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";

/// One node selector requirement: label operators plus `Gt`/`Lt` on integers.
fn requirement(labels: &BTreeMap<String, String>, r: &NodeSelectorRequirement) -> bool {
    let values = r.values.as_deref().unwrap_or_default();
    match r.operator.as_str() {
        "Gt" | "Lt" => {
            let (Some(have), Some(bound)) = (
                labels.get(&r.key).and_then(|v| v.parse::<i64>().ok()),
                values.first().and_then(|v| v.parse::<i64>().ok()),
            ) else {
                return false;
            };
            if r.operator == "Gt" {
                have > bound
            } else {
                have < bound
            }
        }
        op => crate::sim::labels::requirement_matches(labels, &r.key, op, values),
    }
}

/// A term matches when all its expressions and fields do; an empty term matches nothing.
pub fn term_matches(term: &NodeSelectorTerm, node: &Node) -> bool {
    let empty = BTreeMap::new();
    let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
    let exprs = term.match_expressions.as_deref().unwrap_or_default();
    let fields = term.match_fields.as_deref().unwrap_or_default();
    if exprs.is_empty() && fields.is_empty() {
        return false;
    }
    let mut name = BTreeMap::new();
    name.insert(
        "metadata.name".to_string(),
        node.metadata.name.clone().unwrap_or_default(),
    );
    exprs.iter().all(|r| requirement(labels, r)) && fields.iter().all(|r| requirement(&name, r))
}

/// PreFilter: whether the pod has a nodeSelector or required node affinity (else every
/// node passes).
pub fn filters(pod: &PodInfo) -> bool {
    !pod.node_selector.is_empty() || pod.required_node_terms.is_some()
}

/// nodeSelector and required node affinity (`GetRequiredNodeAffinity(pod).Match(node)`).
pub fn matches_required(pod: &PodInfo, node: &Node) -> bool {
    if !filters(pod) {
        return true;
    }
    let empty = BTreeMap::new();
    let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
    if !pod
        .node_selector
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v))
    {
        return false;
    }
    match &pod.required_node_terms {
        Some(terms) => terms.iter().any(|t| term_matches(t, node)),
        None => true,
    }
}

pub fn filter(pod: &PodInfo, node: &Node) -> Option<Status> {
    (!matches_required(pod, node))
        .then(|| Status::new(Code::UnschedulableAndUnresolvable, ERR_REASON_POD))
}

/// The sum of the weights of the preferred terms the node matches (normalised by the max).
pub fn score(pod: &PodInfo, node: &Node) -> i64 {
    if pod.preferred_node_terms.is_empty() {
        return 0;
    }
    pod.preferred_node_terms
        .iter()
        .filter(|t| t.weight != 0 && term_matches(&t.preference, node))
        .map(|t| t.weight as i64)
        .sum()
}
