//! Label selectors (`metav1.LabelSelectorAsSelector`): matchLabels and matchExpressions.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// Whether `labels` satisfy `selector`. A missing selector matches nothing; an empty one
/// matches everything (as upstream; validation refuses both for a StatefulSet).
pub fn matches(
    selector: Option<&LabelSelector>,
    labels: Option<&BTreeMap<String, String>>,
) -> bool {
    let Some(selector) = selector else {
        return false;
    };
    let empty = BTreeMap::new();
    let labels = labels.unwrap_or(&empty);
    let labels_ok = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let expressions_ok = selector.match_expressions.iter().flatten().all(|e| {
        requirement_matches(
            labels,
            &e.key,
            &e.operator,
            e.values.as_deref().unwrap_or_default(),
        )
    });
    labels_ok && expressions_ok
}

/// One `key operator values` requirement (label selectors and node selector terms alike).
pub fn requirement_matches(
    labels: &BTreeMap<String, String>,
    key: &str,
    operator: &str,
    values: &[String],
) -> bool {
    let value = labels.get(key);
    match operator {
        "In" => value.is_some_and(|v| values.contains(v)),
        "NotIn" => value.is_none_or(|v| !values.contains(v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        _ => false,
    }
}

pub fn pod_matches(selector: Option<&LabelSelector>, pod: &Pod) -> bool {
    matches(selector, pod.metadata.labels.as_ref())
}

/// The names of the controllers whose selector (`selector_of`) selects `pod`, in name
/// order: the sets an orphan pod's event is sent to (`getPodStatefulSets`,
/// `getPodDaemonSets`, …).
pub fn selecting<'a, T: 'a>(
    controllers: impl IntoIterator<Item = (&'a String, &'a T)>,
    selector_of: impl Fn(&T) -> Option<&LabelSelector>,
    pod: &Pod,
) -> Vec<String> {
    controllers
        .into_iter()
        .filter(|(_, c)| selector_of(c).is_some_and(|s| pod_matches(Some(s), pod)))
        .map(|(name, _)| name.clone())
        .collect()
}
