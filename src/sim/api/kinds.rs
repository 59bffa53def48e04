//! The kinds the simulated API server knows (its discovery/REST mapping).

/// One kind the API server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    /// `apps/v1`, `v1`, ...
    pub api_version: &'static str,
    pub kind: &'static str,
    /// The resource name, as in `kubectl get <plural>`.
    pub plural: &'static str,
    pub namespaced: bool,
    /// Whether a controller of the simulation acts on objects of this kind; the others are
    /// only stored.
    pub simulated: bool,
}

const fn k(
    api_version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    simulated: bool,
) -> KindInfo {
    KindInfo {
        api_version,
        kind,
        plural,
        namespaced,
        simulated,
    }
}

/// Every known kind.
pub static KINDS: &[KindInfo] = &[
    k("apps/v1", "StatefulSet", "statefulsets", true, true),
    k("apps/v1", "Deployment", "deployments", true, false),
    k("apps/v1", "ReplicaSet", "replicasets", true, false),
    k("apps/v1", "DaemonSet", "daemonsets", true, false),
    k(
        "apps/v1",
        "ControllerRevision",
        "controllerrevisions",
        true,
        true,
    ),
    k("v1", "Pod", "pods", true, true),
    k("v1", "Service", "services", true, true),
    k(
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        true,
    ),
    k("v1", "PersistentVolume", "persistentvolumes", false, true),
    k("v1", "Node", "nodes", false, true),
    k("v1", "ConfigMap", "configmaps", true, false),
    k("v1", "Secret", "secrets", true, false),
    k("v1", "Namespace", "namespaces", false, false),
    k("v1", "ServiceAccount", "serviceaccounts", true, false),
    k("v1", "Endpoints", "endpoints", true, false),
    k("v1", "Event", "events", true, false),
    k(
        "storage.k8s.io/v1",
        "StorageClass",
        "storageclasses",
        false,
        true,
    ),
    k(
        "discovery.k8s.io/v1",
        "EndpointSlice",
        "endpointslices",
        true,
        true,
    ),
    k("batch/v1", "Job", "jobs", true, false),
    k("batch/v1", "CronJob", "cronjobs", true, false),
    k(
        "policy/v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        false,
    ),
    k("networking.k8s.io/v1", "Ingress", "ingresses", true, false),
    k(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        false,
    ),
    k("rbac.authorization.k8s.io/v1", "Role", "roles", true, false),
    k(
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        "rolebindings",
        true,
        false,
    ),
    k(
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        "clusterroles",
        false,
        false,
    ),
    k(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        false,
    ),
];

/// The kind served at `api_version`; otherwise the API server's `no matches for kind ...` text.
pub fn lookup(api_version: &str, kind: &str) -> Result<&'static KindInfo, String> {
    KINDS
        .iter()
        .find(|i| i.api_version == api_version && i.kind == kind)
        .ok_or_else(|| format!("no matches for kind \"{kind}\" in version \"{api_version}\""))
}

/// The kind by its name alone (first match).
pub fn by_kind(kind: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|i| i.kind == kind)
}

/// kubectl's message for an object of an unknown kind in a file, e.g.
/// `resource mapping not found for name: "web" namespace: "" from "web.yaml": no matches for
/// kind "StatefullSet" in version "apps/v1"` followed by the line `ensure CRDs are installed
/// first`.
pub fn no_matches_message(name: &str, source: &str, api_version: &str, kind: &str) -> String {
    format!(
        "resource mapping not found for name: \"{name}\" namespace: \"\" from \"{source}\": no matches for kind \"{kind}\" in version \"{api_version}\"\nensure CRDs are installed first"
    )
}
