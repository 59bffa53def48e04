//! Nodes: their shape (capacity, zone, labels, taints) and the predicates shared by the
//! scheduler and the kubelet.

use k8s_openapi::api::core::v1::{Node, Taint};
use serde_json::{json, Value};

/// The well-known labels every node carries (`k8s.io/api/core/v1` `LabelHostname`, …).
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
pub const LABEL_OS: &str = "kubernetes.io/os";
pub const LABEL_ARCH: &str = "kubernetes.io/arch";
/// The deprecated labels `initialNode` still sets (`kubeletapis.LabelOS`, `LabelArch`).
pub const LABEL_BETA_OS: &str = "beta.kubernetes.io/os";
pub const LABEL_BETA_ARCH: &str = "beta.kubernetes.io/arch";
pub const LABEL_ZONE: &str = "topology.kubernetes.io/zone";

/// The most nodes a cluster may have: each gets the pod CIDR `10.244.N.0/24`.
pub const MAX_NODES: u32 = 250;

/// One taint as written on a node (`key=value:Effect`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaintSpec {
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}

/// A node's options; unset ones take the cluster's (`Config::capacity`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeOptions {
    pub zone: Option<String>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub pods: Option<u32>,
    pub labels: Vec<(String, String)>,
    pub taints: Vec<TaintSpec>,
}

/// The allocatable of every node unless a node says otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capacity {
    pub cpu: String,
    pub memory: String,
    pub pods: u32,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            cpu: "4".into(),
            memory: "16Gi".into(),
            pods: 110,
        }
    }
}

/// A node's complete shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeShape {
    pub name: String,
    pub zone: Option<String>,
    pub cpu: String,
    pub memory: String,
    pub pods: u32,
    pub labels: Vec<(String, String)>,
    pub taints: Vec<TaintSpec>,
}

impl NodeShape {
    pub fn new(name: &str, options: &NodeOptions, capacity: &Capacity) -> NodeShape {
        NodeShape {
            name: name.to_string(),
            zone: options.zone.clone(),
            cpu: options.cpu.clone().unwrap_or_else(|| capacity.cpu.clone()),
            memory: options
                .memory
                .clone()
                .unwrap_or_else(|| capacity.memory.clone()),
            pods: options.pods.unwrap_or(capacity.pods),
            labels: options.labels.clone(),
            taints: options.taints.clone(),
        }
    }
}

/// What the node's kubelet reads of its machine (cAdvisor's `CapacityFromMachineInfo` and
/// its kubelet configuration's `maxPods`): its capacity, and its allocatable (scn reserves
/// nothing).
pub fn machine_resources(shape: &NodeShape) -> Value {
    json!({"pods": shape.pods.to_string(), "cpu": shape.cpu, "memory": shape.memory,
        "ephemeral-storage": "100Gi"})
}

/// The node object for `shape`, with pod CIDR `10.244.<index>.0/24`, Ready since `now`.
pub fn node_object(shape: &NodeShape, index: u32, now: super::clock::Millis) -> Value {
    let name = &shape.name;
    let mut labels = serde_json::Map::new();
    // The kubelet's `initialNode`: hostname, the stable os/arch labels and their deprecated
    // beta twins, which it still sets (older manifests select on them).
    labels.insert(LABEL_BETA_ARCH.into(), json!("amd64"));
    labels.insert(LABEL_BETA_OS.into(), json!("linux"));
    labels.insert(LABEL_ARCH.into(), json!("amd64"));
    labels.insert(LABEL_HOSTNAME.into(), json!(name));
    labels.insert(LABEL_OS.into(), json!("linux"));
    if let Some(zone) = &shape.zone {
        labels.insert(LABEL_ZONE.into(), json!(zone));
    }
    for (k, v) in &shape.labels {
        labels.insert(k.clone(), json!(v));
    }
    let mut spec = json!({
        "podCIDR": format!("10.244.{index}.0/24"),
        "podCIDRs": [format!("10.244.{index}.0/24")],
    });
    if !shape.taints.is_empty() {
        let taints: Vec<Value> = shape
            .taints
            .iter()
            .map(|t| {
                let mut taint = json!({"key": t.key, "effect": t.effect});
                if let Some(v) = &t.value {
                    taint["value"] = json!(v);
                }
                taint
            })
            .collect();
        spec["taints"] = json!(taints);
    }
    let resources = machine_resources(shape);
    json!({
        "metadata": {"name": name, "labels": labels},
        "spec": spec,
        "status": {
            "capacity": resources,
            "allocatable": resources,
            "conditions": super::node_status::initial_conditions(now),
            "addresses": [{"type": "InternalIP", "address": format!("172.18.0.{}", index + 1)},
                          {"type": "Hostname", "address": name}],
            "nodeInfo": {"kubeletVersion": "v1.36.0", "kubeProxyVersion": "",
                "osImage": "Debian GNU/Linux 12 (bookworm)", "kernelVersion": "6.1.0",
                "containerRuntimeVersion": "containerd://2.1.0", "operatingSystem": "linux",
                "architecture": "amd64", "machineID": "", "systemUUID": "", "bootID": ""},
            // The kubelet's `NodeFeatures` setter: containerd 2.x supports
            // `supplementalGroupsPolicy: Strict` (the gate is GA since v1.35), so the
            // kubelet admits such pods (`SupplementalGroupsPolicyNotSupported` elsewhere).
            "features": {"supplementalGroupsPolicy": true}
        }
    })
}

/// The index (`N` of `10.244.N.0/24`) a new node gets: one more than the highest in use.
pub fn next_index(nodes: &crate::sim::store::Objects<Node>) -> u32 {
    nodes
        .values()
        .filter_map(|n| n.spec.as_ref()?.pod_cidr.as_deref())
        .filter_map(|cidr| cidr.split('.').nth(2)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1
}

/// `spec.unschedulable` (cordoned).
pub fn is_unschedulable(node: &Node) -> bool {
    node.spec
        .as_ref()
        .and_then(|s| s.unschedulable)
        .unwrap_or(false)
}

pub fn taints(node: &Node) -> &[Taint] {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_deref())
        .unwrap_or_default()
}

pub fn label<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

/// The node's zone label, if any.
pub fn zone(node: &Node) -> Option<&str> {
    label(node, LABEL_ZONE)
}

/// `add node/NAME …`: a node joins the cluster, Ready at once (its kubelet registered it).
pub fn add(
    world: &mut super::World,
    name: &str,
    options: &NodeOptions,
) -> Result<(), super::server::ApiError> {
    use super::server::{ApiError, Reason};
    if world.store.nodes().contains_key(name) {
        return Err(ApiError::new(
            Reason::AlreadyExists,
            format!("nodes \"{name}\" already exists"),
        ));
    }
    let errors = super::api::validation::validate_object_meta_name("Node", name);
    if !errors.is_empty() {
        return Err(ApiError::invalid(
            &super::kinds::ObjectKind::Node,
            name,
            &errors,
        ));
    }
    let index = next_index(world.store.nodes());
    if world.store.nodes().len() as u32 >= MAX_NODES || index > MAX_NODES {
        return Err(ApiError::new(
            Reason::Forbidden,
            format!(
                "node \"{name}\" cannot join: a cluster has at most {MAX_NODES} nodes \
                 (each gets the pod CIDR 10.244.N.0/24)"
            ),
        ));
    }
    let shape = NodeShape::new(name, options, &world.config.capacity);
    let object = node_object(&shape, index, world.now);
    super::bootstrap::insert_system(world, super::kinds::ObjectKind::Node, object);
    super::node_status::kubelet_started(world, name);
    Ok(())
}
