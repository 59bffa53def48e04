//! The kinds of object the simulated API server stores.

use std::fmt;

/// A kind the store keeps. `Other` holds any other built-in kind (ConfigMap, Secret,
/// Deployment, ...): stored and returned as written, but no controller acts on it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    StatefulSet,
    Pod,
    PersistentVolumeClaim,
    PersistentVolume,
    StorageClass,
    Service,
    Node,
    ControllerRevision,
    EndpointSlice,
    Other(String),
}

impl ObjectKind {
    pub fn from_kind(kind: &str) -> ObjectKind {
        match kind {
            "StatefulSet" => ObjectKind::StatefulSet,
            "Pod" => ObjectKind::Pod,
            "PersistentVolumeClaim" => ObjectKind::PersistentVolumeClaim,
            "PersistentVolume" => ObjectKind::PersistentVolume,
            "StorageClass" => ObjectKind::StorageClass,
            "Service" => ObjectKind::Service,
            "Node" => ObjectKind::Node,
            "ControllerRevision" => ObjectKind::ControllerRevision,
            "EndpointSlice" => ObjectKind::EndpointSlice,
            other => ObjectKind::Other(other.to_string()),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            ObjectKind::StatefulSet => "StatefulSet",
            ObjectKind::Pod => "Pod",
            ObjectKind::PersistentVolumeClaim => "PersistentVolumeClaim",
            ObjectKind::PersistentVolume => "PersistentVolume",
            ObjectKind::StorageClass => "StorageClass",
            ObjectKind::Service => "Service",
            ObjectKind::Node => "Node",
            ObjectKind::ControllerRevision => "ControllerRevision",
            ObjectKind::EndpointSlice => "EndpointSlice",
            ObjectKind::Other(kind) => kind,
        }
    }

    /// The resource name kubectl uses in messages: `statefulsets.apps "web" not found`.
    pub fn resource(&self) -> String {
        match self {
            ObjectKind::StatefulSet => "statefulsets.apps".into(),
            ObjectKind::Pod => "pods".into(),
            ObjectKind::PersistentVolumeClaim => "persistentvolumeclaims".into(),
            ObjectKind::PersistentVolume => "persistentvolumes".into(),
            ObjectKind::StorageClass => "storageclasses.storage.k8s.io".into(),
            ObjectKind::Service => "services".into(),
            ObjectKind::Node => "nodes".into(),
            ObjectKind::ControllerRevision => "controllerrevisions.apps".into(),
            ObjectKind::EndpointSlice => "endpointslices.discovery.k8s.io".into(),
            ObjectKind::Other(kind) => match kind.as_str() {
                "Deployment" => "deployments.apps".into(),
                "ConfigMap" => "configmaps".into(),
                "Secret" => "secrets".into(),
                "PodDisruptionBudget" => "poddisruptionbudgets.policy".into(),
                "DaemonSet" => "daemonsets.apps".into(),
                "ReplicaSet" => "replicasets.apps".into(),
                other => format!("{}s", other.to_lowercase()),
            },
        }
    }

    /// The `kind.group/name` form kubectl prints: `statefulset.apps/web`.
    pub fn kubectl_prefix(&self) -> String {
        let resource = self.resource();
        match resource.split_once('.') {
            Some((plural, group)) => format!("{}.{group}", singular(plural)),
            None => singular(&resource).to_string(),
        }
    }

    pub fn namespaced(&self) -> bool {
        !matches!(
            self,
            ObjectKind::PersistentVolume | ObjectKind::StorageClass | ObjectKind::Node
        ) && !matches!(self, ObjectKind::Other(k) if matches!(k.as_str(), "Namespace" | "ClusterRole" | "ClusterRoleBinding"))
    }
}

fn singular(plural: &str) -> &str {
    plural.strip_suffix('s').unwrap_or(plural)
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
