//! Kind names as a reference or a table may spell them (kubectl's aliases).
//!
//! The language keeps its own words (it knows nothing of the simulation); the runner's
//! `kinds_check` tests hold them to the kind registry (`sim/kinds.rs`) both ways: every word
//! is a spelling discovery serves for its kind (or the plural of a short name, `pvcs`), and
//! every spelling of a kind the language knows is a word.

use super::ast::Kind;

/// Every spelling a reference accepts, with its kind: singular, plural and short forms.
pub const ALIASES: &[(&str, Kind)] = &[
    ("statefulset", Kind::StatefulSet),
    ("statefulsets", Kind::StatefulSet),
    ("sts", Kind::StatefulSet),
    ("pod", Kind::Pod),
    ("pods", Kind::Pod),
    ("po", Kind::Pod),
    ("persistentvolumeclaim", Kind::PersistentVolumeClaim),
    ("persistentvolumeclaims", Kind::PersistentVolumeClaim),
    ("pvc", Kind::PersistentVolumeClaim),
    ("pvcs", Kind::PersistentVolumeClaim),
    ("persistentvolume", Kind::PersistentVolume),
    ("persistentvolumes", Kind::PersistentVolume),
    ("pv", Kind::PersistentVolume),
    ("pvs", Kind::PersistentVolume),
    ("storageclass", Kind::StorageClass),
    ("storageclasses", Kind::StorageClass),
    ("sc", Kind::StorageClass),
    ("service", Kind::Service),
    ("services", Kind::Service),
    ("svc", Kind::Service),
    ("node", Kind::Node),
    ("nodes", Kind::Node),
    ("no", Kind::Node),
    ("controllerrevision", Kind::ControllerRevision),
    ("controllerrevisions", Kind::ControllerRevision),
    ("endpointslice", Kind::EndpointSlice),
    ("endpointslices", Kind::EndpointSlice),
    ("daemonset", Kind::DaemonSet),
    ("daemonsets", Kind::DaemonSet),
    ("ds", Kind::DaemonSet),
    ("configmap", Kind::ConfigMap),
    ("configmaps", Kind::ConfigMap),
    ("cm", Kind::ConfigMap),
    ("secret", Kind::Secret),
    ("secrets", Kind::Secret),
    ("deployment", Kind::Deployment),
    ("deployments", Kind::Deployment),
    ("deploy", Kind::Deployment),
    ("replicaset", Kind::ReplicaSet),
    ("replicasets", Kind::ReplicaSet),
    ("rs", Kind::ReplicaSet),
    ("poddisruptionbudget", Kind::PodDisruptionBudget),
    ("poddisruptionbudgets", Kind::PodDisruptionBudget),
    ("pdb", Kind::PodDisruptionBudget),
    ("pdbs", Kind::PodDisruptionBudget),
    ("priorityclass", Kind::PriorityClass),
    ("priorityclasses", Kind::PriorityClass),
    ("pc", Kind::PriorityClass),
    ("endpoints", Kind::Endpoints),
    ("ep", Kind::Endpoints),
    ("resourcequota", Kind::ResourceQuota),
    ("resourcequotas", Kind::ResourceQuota),
    ("quota", Kind::ResourceQuota),
    ("limitrange", Kind::LimitRange),
    ("limitranges", Kind::LimitRange),
    ("limits", Kind::LimitRange),
    ("horizontalpodautoscaler", Kind::HorizontalPodAutoscaler),
    ("horizontalpodautoscalers", Kind::HorizontalPodAutoscaler),
    ("hpa", Kind::HorizontalPodAutoscaler),
    ("runtimeclass", Kind::RuntimeClass),
    ("runtimeclasses", Kind::RuntimeClass),
];

/// The kinds that have a table (`expect pods { ... }`).
pub const TABLE_KINDS: &[Kind] = &[
    Kind::Pod,
    Kind::StatefulSet,
    Kind::PersistentVolumeClaim,
    Kind::PersistentVolume,
    Kind::StorageClass,
    Kind::Service,
    Kind::Node,
    Kind::ControllerRevision,
    Kind::EndpointSlice,
    Kind::DaemonSet,
    Kind::PodDisruptionBudget,
    Kind::PriorityClass,
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::Endpoints,
    Kind::ResourceQuota,
    Kind::HorizontalPodAutoscaler,
];

pub fn by_alias(word: &str) -> Option<Kind> {
    ALIASES.iter().find(|(a, _)| *a == word).map(|(_, k)| *k)
}

/// The table kind that `word` names, if it is one of the kinds with a table.
pub fn table_kind(word: &str) -> Option<Kind> {
    by_alias(word).filter(|k| TABLE_KINDS.contains(k))
}

/// Lower-case singular name, as in `statefulset/web`.
pub fn singular(kind: Kind) -> &'static str {
    match kind {
        Kind::StatefulSet => "statefulset",
        Kind::Pod => "pod",
        Kind::PersistentVolumeClaim => "persistentvolumeclaim",
        Kind::PersistentVolume => "persistentvolume",
        Kind::StorageClass => "storageclass",
        Kind::Service => "service",
        Kind::Node => "node",
        Kind::ControllerRevision => "controllerrevision",
        Kind::EndpointSlice => "endpointslice",
        Kind::DaemonSet => "daemonset",
        Kind::ConfigMap => "configmap",
        Kind::Secret => "secret",
        Kind::Deployment => "deployment",
        Kind::ReplicaSet => "replicaset",
        Kind::PodDisruptionBudget => "poddisruptionbudget",
        Kind::PriorityClass => "priorityclass",
        Kind::Endpoints => "endpoints",
        Kind::ResourceQuota => "resourcequota",
        Kind::LimitRange => "limitrange",
        Kind::HorizontalPodAutoscaler => "horizontalpodautoscaler",
        Kind::RuntimeClass => "runtimeclass",
    }
}

/// The plural spelling used for tables (`expect pvcs { ... }`).
pub fn table_name(kind: Kind) -> &'static str {
    match kind {
        Kind::StatefulSet => "statefulsets",
        Kind::Pod => "pods",
        Kind::PersistentVolumeClaim => "pvcs",
        Kind::PersistentVolume => "pvs",
        Kind::StorageClass => "storageclasses",
        Kind::Service => "services",
        Kind::Node => "nodes",
        Kind::ControllerRevision => "controllerrevisions",
        Kind::EndpointSlice => "endpointslices",
        Kind::DaemonSet => "daemonsets",
        Kind::ConfigMap => "configmaps",
        Kind::Secret => "secrets",
        Kind::Deployment => "deployments",
        Kind::ReplicaSet => "replicasets",
        Kind::PodDisruptionBudget => "poddisruptionbudgets",
        Kind::PriorityClass => "priorityclasses",
        Kind::Endpoints => "endpoints",
        Kind::ResourceQuota => "resourcequotas",
        Kind::LimitRange => "limitranges",
        Kind::HorizontalPodAutoscaler => "horizontalpodautoscalers",
        Kind::RuntimeClass => "runtimeclasses",
    }
}
