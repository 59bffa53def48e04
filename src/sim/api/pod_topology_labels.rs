//! The PodTopologyLabels admission plugin (upstream `plugin/pkg/admission/podtopologylabels`;
//! gate PodTopologyLabelsAdmission, beta and on by default since v1.35; in kube-apiserver's
//! default-on plugins, `pkg/kubeapiserver/options/plugins.go`): on a Binding (the
//! scheduler's `pods/binding`) and on the creation of a pod that already names its node
//! (`spec.nodeName`), the node's `topology.kubernetes.io/zone` and
//! `topology.kubernetes.io/region` labels are copied onto the pod, overwriting the pod's
//! own values (`mergeLabels`). A node without them, or one that does not exist, adds
//! nothing. Other updates of a pod are not admitted (the handler takes `Create` only).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod};

/// `defaultConfig.Labels`.
pub const LABELS: [&str; 2] = [
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
];

/// `topologyLabelsForNodeName`: the node's labels among `LABELS`.
pub fn topology_labels(node: Option<&Node>) -> BTreeMap<String, String> {
    node.and_then(|n| n.metadata.labels.as_ref())
        .into_iter()
        .flatten()
        .filter(|(k, _)| LABELS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Copies `labels` onto the pod (`mergeLabels`: existing keys are overwritten).
pub fn merge(pod: &mut Pod, labels: BTreeMap<String, String>) {
    if labels.is_empty() {
        return;
    }
    pod.metadata
        .labels
        .get_or_insert_with(BTreeMap::new)
        .extend(labels);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_zone_and_region_are_copied_and_they_overwrite() {
        let node: Node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "n", "labels": {
                "topology.kubernetes.io/zone": "a",
                "topology.kubernetes.io/region": "r",
                "kubernetes.io/hostname": "n"
            }}
        }))
        .unwrap();
        let mut pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "labels": {"topology.kubernetes.io/zone": "z", "app": "x"}}
        }))
        .unwrap();
        merge(&mut pod, topology_labels(Some(&node)));
        let labels = pod.metadata.labels.unwrap();
        assert_eq!(labels.len(), 3);
        assert_eq!(labels["topology.kubernetes.io/zone"], "a");
        assert_eq!(labels["topology.kubernetes.io/region"], "r");
        assert!(topology_labels(None).is_empty());
    }
}
