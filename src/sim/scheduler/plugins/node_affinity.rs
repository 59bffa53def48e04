//! NodeAffinity (`nodeaffinity/node_affinity.go`, B-SCHED-9): `nodeSelector` and the
//! required node affinity filter; preferred terms score by the sum of their weights.
//!
//! Its PreFilter narrows the cycle to named nodes when every required term names nodes
//! with `matchFields: metadata.name In [...]` (the pattern DaemonSets use): only those
//! nodes are filtered, and every other node is rejected, without running any filter, as
//! `node(s) didn't satisfy plugin(s) [NodeAffinity]`. Terms whose names
//! cannot overlap reject the pod as a whole: `pod affinity terms conflict`.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Node, NodeSelectorRequirement, NodeSelectorTerm};

use super::super::framework::{Code, PodInfo, Status};

pub const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";
/// `errReasonConflict`: the terms' node names have nothing in common.
pub const ERR_REASON_CONFLICT: &str = "pod affinity terms conflict";
/// What the framework says of the nodes a PreFilter result leaves out
/// (`findNodesThatFitPod`: the plugins that returned a node set, sorted, as Go prints a
/// list); NodeAffinity is the only such plugin of the default profile.
pub const ERR_REASON_NOT_IN_PREFILTER: &str = "node(s) didn't satisfy plugin(s) [NodeAffinity]";

/// The field selector key `matchFields` may use (`metav1.ObjectNameField`).
const OBJECT_NAME_FIELD: &str = "metadata.name";

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

/// PreFilter's `PreFilterResult`: `Ok(None)` for every node; `Ok(Some(names))` when each
/// required term names its nodes (`metadata.name In` fields of a term intersect, terms
/// unite); `Err` when those names come out empty. The names need not be nodes that exist.
pub fn pre_filter(pod: &PodInfo) -> Result<Option<BTreeSet<&str>>, &'static str> {
    let Some(terms) = pod.required_node_terms.as_deref() else {
        return Ok(None);
    };
    if terms.is_empty() {
        return Ok(None);
    }
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for term in terms {
        let mut term_names: Option<BTreeSet<&str>> = None;
        let fields = term.match_fields.iter().flatten();
        for r in fields.filter(|r| r.key == OBJECT_NAME_FIELD && r.operator == "In") {
            let values: BTreeSet<&str> = r.values.iter().flatten().map(String::as_str).collect();
            term_names = Some(match term_names {
                None => values,
                Some(before) => before.intersection(&values).copied().collect(),
            });
        }
        // A term that names no node admits every node: the terms are ORed.
        let Some(term_names) = term_names else {
            return Ok(None);
        };
        names.extend(term_names);
    }
    if names.is_empty() {
        return Err(ERR_REASON_CONFLICT);
    }
    Ok(Some(names))
}

/// The status of a node a PreFilter result left out.
pub fn not_in_prefilter() -> Status {
    Status::new(
        Code::UnschedulableAndUnresolvable,
        ERR_REASON_NOT_IN_PREFILTER,
    )
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

/// `isSchedulableAfterNodeChange` (Node/Add, Node/UpdateNodeLabel): worth a retry when the
/// node now matches the pod's nodeSelector and required affinity, and (an update) did not.
pub fn hint_after_node_change(pod: &PodInfo, old: Option<&Node>, new: &Node) -> bool {
    matches_required(pod, new) && old.is_none_or(|old| !matches_required(pod, old))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(terms: serde_json::Value) -> PodInfo {
        PodInfo {
            required_node_terms: Some(serde_json::from_value(terms).unwrap()),
            ..PodInfo::default()
        }
    }

    fn names<'a>(r: &'a Result<Option<BTreeSet<&'a str>>, &'static str>) -> Vec<&'a str> {
        r.as_ref().unwrap().iter().flatten().copied().collect()
    }

    #[test]
    fn matchfields_narrow_the_nodes() {
        let one = pod(serde_json::json!([
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-3", "node-1"]}]}
        ]));
        assert_eq!(names(&pre_filter(&one)), vec!["node-1", "node-3"]);
        // Fields of a term intersect, terms unite.
        let two = pod(serde_json::json!([
            {"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": ["a", "b"]},
                {"key": "metadata.name", "operator": "In", "values": ["b", "c"]}
            ]},
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["d"]}]}
        ]));
        assert_eq!(names(&pre_filter(&two)), vec!["b", "d"]);
    }

    #[test]
    fn a_term_without_names_admits_every_node() {
        let p = pod(serde_json::json!([
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["a"]}]},
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["x"]}]}
        ]));
        assert_eq!(pre_filter(&p), Ok(None));
        let not_in = pod(serde_json::json!([
            {"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["a"]}]}
        ]));
        assert_eq!(pre_filter(&not_in), Ok(None));
        assert_eq!(pre_filter(&PodInfo::default()), Ok(None));
    }

    #[test]
    fn names_that_cannot_overlap_conflict() {
        let p = pod(serde_json::json!([
            {"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": ["a"]},
                {"key": "metadata.name", "operator": "In", "values": ["b"]}
            ]}
        ]));
        assert_eq!(pre_filter(&p), Err(ERR_REASON_CONFLICT));
    }
}
