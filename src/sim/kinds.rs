//! The kind registry: every kind of object scn knows, defined once.
//!
//! One row per kind gives what the API server's discovery serves for it (`kubectl
//! api-resources`: the Kind, its `apiVersion`, the plural resource, the singular, the short
//! names, whether it is namespaced), whether a component of the simulation acts on it, where
//! the store keeps it (its own typed map, or the generic map of kinds scn only stores), the
//! columns of its table (`kubectl get -o wide`, the server-side printer's column definitions
//! of `pkg/printers/internalversion`), its decoding (its k8s-openapi type) and where its
//! objects hold the fields of the not-simulated list. Everything else that lists kinds reads
//! this table: the [`ObjectKind`] enum and its names, the REST mapping of `api/kinds.rs`, the
//! store's dispatch, strict decoding and known fields, the not-simulated warnings, the
//! printers' columns and dispatch; the language's own word list is checked against it by
//! tests (`runner/kinds_check.rs`).
//!
//! Adding a kind scn only stores is one row in `generic` (its Kind and k8s-openapi type, then
//! its discovery fields) and its line in docs/language.md's table, which a test prints. A kind
//! with its own store map is one row in `typed`, plus its map in `Store`, its `stored!` line
//! and, with a table, one printer (`printers::print`).

use std::fmt;
use std::marker::PhantomData;

use k8s_openapi::api::{
    apps, autoscaling, batch, core, discovery, networking, node, policy, rbac, scheduling, storage,
};

use super::api::kinds::{KindApi, Typed};
use super::api::unsimulated::Scope;
use super::server::store::{Map, TypedMap};

/// One kind the API server serves.
pub struct KindInfo {
    /// The Kind, as in a manifest's `kind:` (`StatefulSet`).
    pub kind: &'static str,
    /// `apps/v1`, `v1` (the core group has no group part), ...
    pub api_version: &'static str,
    /// The resource name, as in `kubectl get <plural>`.
    pub plural: &'static str,
    /// The singular resource name: the lower-case Kind (`kubectl get statefulset`).
    pub singular: &'static str,
    /// The short names discovery lists (`sts`), as upstream's REST storage declares them
    /// (`ShortNames()` in `pkg/registry/*/*/storage/storage.go`).
    pub short_names: &'static [&'static str],
    pub namespaced: bool,
    /// Whether a component of the simulation acts on objects of this kind; the others are
    /// only stored.
    pub simulated: bool,
    /// The columns `kubectl get -o wide` prints for the kind, in order; empty when scn has
    /// no printer for it.
    pub columns: &'static [&'static str],
    /// The kind's own typed map in the store; `None`: the generic map (`Store::others`).
    pub typed_map: Option<&'static dyn TypedMap>,
    /// The kind's decoding as the API server's (its k8s-openapi type): strict decoding and
    /// the known field names that validation and apply use.
    pub api: &'static dyn KindApi,
    /// Where the kind's objects hold the fields of each scope of the not-simulated list
    /// (`api/unsimulated.rs`), as dotted paths: a Pod's pod spec is at `spec`.
    pub unsimulated: &'static [(Scope, &'static str)],
}

impl KindInfo {
    /// The API group: `apps`, `""` for the core group.
    pub fn group(&self) -> &'static str {
        self.api_version
            .split_once('/')
            .map_or("", |(group, _)| group)
    }

    /// The `plural.group` form kubectl prints in messages: `statefulsets.apps "web" not
    /// found`, plain `pods` in the core group.
    pub fn resource(&self) -> String {
        match self.group() {
            "" => self.plural.to_string(),
            group => format!("{}.{group}", self.plural),
        }
    }

    /// The form kubectl's name printer writes before a name, the lower-case `Kind.group`
    /// (cli-runtime's `printers/name.go`), which is `singular.group`: `statefulset.apps/web`.
    pub fn kubectl_prefix(&self) -> String {
        match self.group() {
            "" => self.singular.to_string(),
            group => format!("{}.{group}", self.singular),
        }
    }

    /// Every spelling kubectl accepts for the resource (besides `kind.group` forms):
    /// plural, singular and short names.
    pub fn spellings(&self) -> impl Iterator<Item = &'static str> {
        [self.plural, self.singular]
            .into_iter()
            .chain(self.short_names.iter().copied())
    }
}

/// Rows are equal when they are the same kind (a Kind is one row).
impl PartialEq for KindInfo {
    fn eq(&self, other: &KindInfo) -> bool {
        self.kind == other.kind && self.api_version == other.api_version
    }
}

impl Eq for KindInfo {}

impl fmt::Debug for KindInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KindInfo")
            .field("kind", &self.kind)
            .field("api_version", &self.api_version)
            .field("plural", &self.plural)
            .field("namespaced", &self.namespaced)
            .field("simulated", &self.simulated)
            .field("typed", &self.typed_map.is_some())
            .finish()
    }
}

/// Builds the registry: the [`ObjectKind`] enum (one variant per `typed` row, then
/// `Other`), one static [`KindInfo`] per row and [`KINDS`], every row in order.
macro_rules! registry {
    (
        typed { $( $tv:ident($tty:ty) { $($tf:tt)* } )* }
        generic { $( $gv:ident($gty:ty) { $($gf:tt)* } )* }
    ) => {
        /// A kind the store keeps. The typed kinds have their own map in the store; `Other`
        /// holds any other kind of the registry (ConfigMap, Secret, Deployment, ...), stored
        /// and returned as written.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ObjectKind {
            $( $tv, )*
            Other(String),
        }

        /// One static row per kind, named as the Kind.
        #[allow(non_upper_case_globals)]
        pub mod row {
            use super::*;
            $(
                pub static $tv: KindInfo = KindInfo {
                    kind: stringify!($tv),
                    typed_map: Some(&Map::<$tty>(PhantomData)),
                    api: &Typed::<$tty>(PhantomData),
                    $($tf)*
                };
            )*
            $(
                pub static $gv: KindInfo = KindInfo {
                    kind: stringify!($gv),
                    typed_map: None,
                    api: &Typed::<$gty>(PhantomData),
                    $($gf)*
                };
            )*
        }

        /// Every kind scn knows: the typed kinds, then the generic ones.
        pub static KINDS: &[&KindInfo] = &[ $( &row::$tv, )* $( &row::$gv, )* ];

        impl ObjectKind {
            /// The kind of a manifest's `kind:`; any kind without a typed map is `Other`.
            pub fn from_kind(kind: &str) -> ObjectKind {
                match kind {
                    $( stringify!($tv) => ObjectKind::$tv, )*
                    other => ObjectKind::Other(other.to_string()),
                }
            }

            /// The Kind: `StatefulSet`.
            pub fn name(&self) -> &str {
                match self {
                    $( ObjectKind::$tv => stringify!($tv), )*
                    ObjectKind::Other(kind) => kind,
                }
            }

            /// The kind's registry row; `None` only for an `Other` kind scn does not know.
            pub fn info(&self) -> Option<&'static KindInfo> {
                match self {
                    $( ObjectKind::$tv => Some(&row::$tv), )*
                    ObjectKind::Other(kind) => by_kind(kind),
                }
            }
        }
    };
}

registry! {
    typed {
        StatefulSet(apps::v1::StatefulSet) {
            api_version: "apps/v1",
            plural: "statefulsets",
            singular: "statefulset",
            short_names: &["sts"],
            namespaced: true,
            simulated: true,
            columns: &["NAME", "READY", "AGE", "CONTAINERS", "IMAGES"],
            unsimulated: &[(Scope::PodSpec, "spec.template.spec")],
        }
        Pod(core::v1::Pod) {
            api_version: "v1",
            plural: "pods",
            singular: "pod",
            short_names: &["po"],
            namespaced: true,
            simulated: true,
            columns: &[
                "NAME",
                "READY",
                "STATUS",
                "RESTARTS",
                "AGE",
                "IP",
                "NODE",
                "NOMINATED NODE",
                "READINESS GATES",
            ],
            unsimulated: &[(Scope::PodSpec, "spec")],
        }
        PersistentVolumeClaim(core::v1::PersistentVolumeClaim) {
            api_version: "v1",
            plural: "persistentvolumeclaims",
            singular: "persistentvolumeclaim",
            short_names: &["pvc"],
            namespaced: true,
            simulated: true,
            columns: &[
                "NAME",
                "STATUS",
                "VOLUME",
                "CAPACITY",
                "ACCESS MODES",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "AGE",
                "VOLUMEMODE",
            ],
            unsimulated: &[(Scope::Claim, "spec")],
        }
        PersistentVolume(core::v1::PersistentVolume) {
            api_version: "v1",
            plural: "persistentvolumes",
            singular: "persistentvolume",
            short_names: &["pv"],
            namespaced: false,
            simulated: true,
            columns: &[
                "NAME",
                "CAPACITY",
                "ACCESS MODES",
                "RECLAIM POLICY",
                "STATUS",
                "CLAIM",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "REASON",
                "AGE",
                "VOLUMEMODE",
            ],
            unsimulated: &[],
        }
        StorageClass(storage::v1::StorageClass) {
            api_version: "storage.k8s.io/v1",
            plural: "storageclasses",
            singular: "storageclass",
            short_names: &["sc"],
            namespaced: false,
            simulated: true,
            columns: &[
                "NAME",
                "PROVISIONER",
                "RECLAIMPOLICY",
                "VOLUMEBINDINGMODE",
                "ALLOWVOLUMEEXPANSION",
                "AGE",
            ],
            unsimulated: &[],
        }
        Service(core::v1::Service) {
            api_version: "v1",
            plural: "services",
            singular: "service",
            short_names: &["svc"],
            namespaced: true,
            simulated: true,
            columns: &[
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE",
                "SELECTOR",
            ],
            unsimulated: &[(Scope::Service, "spec")],
        }
        Node(core::v1::Node) {
            api_version: "v1",
            plural: "nodes",
            singular: "node",
            short_names: &["no"],
            namespaced: false,
            simulated: true,
            columns: &[
                "NAME",
                "STATUS",
                "ROLES",
                "AGE",
                "VERSION",
                "INTERNAL-IP",
                "EXTERNAL-IP",
                "OS-IMAGE",
                "KERNEL-VERSION",
                "CONTAINER-RUNTIME",
            ],
            unsimulated: &[],
        }
        ControllerRevision(apps::v1::ControllerRevision) {
            api_version: "apps/v1",
            plural: "controllerrevisions",
            singular: "controllerrevision",
            short_names: &[],
            namespaced: true,
            simulated: true,
            columns: &["NAME", "CONTROLLER", "REVISION", "AGE"],
            unsimulated: &[],
        }
        EndpointSlice(discovery::v1::EndpointSlice) {
            api_version: "discovery.k8s.io/v1",
            plural: "endpointslices",
            singular: "endpointslice",
            short_names: &[],
            namespaced: true,
            simulated: true,
            columns: &["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
            unsimulated: &[],
        }
        // The DaemonSet controller (`controllers/daemon/`).
        DaemonSet(apps::v1::DaemonSet) {
            api_version: "apps/v1",
            plural: "daemonsets",
            singular: "daemonset",
            short_names: &["ds"],
            namespaced: true,
            simulated: true,
            columns: &[
                "NAME",
                "DESIRED",
                "CURRENT",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "NODE SELECTOR",
                "AGE",
                "CONTAINERS",
                "IMAGES",
                "SELECTOR",
            ],
            unsimulated: &[(Scope::PodSpec, "spec.template.spec")],
        }
    }
    generic {
        Deployment(apps::v1::Deployment) {
            api_version: "apps/v1",
            plural: "deployments",
            singular: "deployment",
            short_names: &["deploy"],
            namespaced: true,
            // The deployment controller (`controllers/deployment/`).
            simulated: true,
            columns: &[
                "NAME",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "AGE",
                "CONTAINERS",
                "IMAGES",
                "SELECTOR",
            ],
            unsimulated: &[(Scope::PodSpec, "spec.template.spec")],
        }
        ReplicaSet(apps::v1::ReplicaSet) {
            api_version: "apps/v1",
            plural: "replicasets",
            singular: "replicaset",
            short_names: &["rs"],
            namespaced: true,
            // The replicaset controller (`controllers/replicaset/`).
            simulated: true,
            columns: &[
                "NAME",
                "DESIRED",
                "CURRENT",
                "READY",
                "AGE",
                "CONTAINERS",
                "IMAGES",
                "SELECTOR",
            ],
            unsimulated: &[(Scope::PodSpec, "spec.template.spec")],
        }
        ConfigMap(core::v1::ConfigMap) {
            api_version: "v1",
            plural: "configmaps",
            singular: "configmap",
            short_names: &["cm"],
            namespaced: true,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        Secret(core::v1::Secret) {
            api_version: "v1",
            plural: "secrets",
            singular: "secret",
            short_names: &[],
            namespaced: true,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        Namespace(core::v1::Namespace) {
            api_version: "v1",
            plural: "namespaces",
            singular: "namespace",
            short_names: &["ns"],
            namespaced: false,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        ServiceAccount(core::v1::ServiceAccount) {
            api_version: "v1",
            plural: "serviceaccounts",
            singular: "serviceaccount",
            short_names: &["sa"],
            namespaced: true,
            // The ServiceAccount admission plugin reads them; the service account
            // controller keeps `default`.
            simulated: true,
            columns: &[],
            unsimulated: &[],
        }
        Endpoints(core::v1::Endpoints) {
            api_version: "v1",
            plural: "endpoints",
            singular: "endpoints",
            short_names: &["ep"],
            namespaced: true,
            // The Endpoints controller (`controllers/endpoint.rs`) writes them.
            simulated: true,
            columns: &["NAME", "ENDPOINTS", "AGE"],
            unsimulated: &[],
        }
        Event(core::v1::Event) {
            api_version: "v1",
            plural: "events",
            singular: "event",
            short_names: &["ev"],
            namespaced: true,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        Job(batch::v1::Job) {
            api_version: "batch/v1",
            plural: "jobs",
            singular: "job",
            short_names: &[],
            namespaced: true,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        CronJob(batch::v1::CronJob) {
            api_version: "batch/v1",
            plural: "cronjobs",
            singular: "cronjob",
            short_names: &["cj"],
            namespaced: true,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        // The disruption controller acts on budgets (they are stored as generic objects and
        // read through the `policy/v1` type).
        PodDisruptionBudget(policy::v1::PodDisruptionBudget) {
            api_version: "policy/v1",
            plural: "poddisruptionbudgets",
            singular: "poddisruptionbudget",
            short_names: &["pdb"],
            namespaced: true,
            simulated: true,
            columns: &[
                "NAME",
                "MIN AVAILABLE",
                "MAX UNAVAILABLE",
                "ALLOWED DISRUPTIONS",
                "AGE",
            ],
            unsimulated: &[],
        }
        // The Priority admission plugin reads them (`api/priority.rs`).
        PriorityClass(scheduling::v1::PriorityClass) {
            api_version: "scheduling.k8s.io/v1",
            plural: "priorityclasses",
            singular: "priorityclass",
            short_names: &["pc"],
            namespaced: false,
            simulated: true,
            columns: &["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"],
            unsimulated: &[],
        }
        // The RuntimeClass admission plugin reads them (`api/runtimeclass.rs`): a pod's
        // class sets its overhead and merges its scheduling constraints.
        RuntimeClass(node::v1::RuntimeClass) {
            api_version: "node.k8s.io/v1",
            plural: "runtimeclasses",
            singular: "runtimeclass",
            short_names: &[],
            namespaced: false,
            simulated: true,
            columns: &[],
            unsimulated: &[],
        }
        // GA since v1.34; scn's provisioner (local-path, not a CSI driver) does not read it.
        VolumeAttributesClass(storage::v1::VolumeAttributesClass) {
            api_version: "storage.k8s.io/v1",
            plural: "volumeattributesclasses",
            singular: "volumeattributesclass",
            short_names: &["vac"],
            namespaced: false,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        Ingress(networking::v1::Ingress) {
            api_version: "networking.k8s.io/v1",
            plural: "ingresses",
            singular: "ingress",
            short_names: &["ing"],
            namespaced: true,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        NetworkPolicy(networking::v1::NetworkPolicy) {
            api_version: "networking.k8s.io/v1",
            plural: "networkpolicies",
            singular: "networkpolicy",
            short_names: &["netpol"],
            namespaced: true,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        Role(rbac::v1::Role) {
            api_version: "rbac.authorization.k8s.io/v1",
            plural: "roles",
            singular: "role",
            short_names: &[],
            namespaced: true,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        RoleBinding(rbac::v1::RoleBinding) {
            api_version: "rbac.authorization.k8s.io/v1",
            plural: "rolebindings",
            singular: "rolebinding",
            short_names: &[],
            namespaced: true,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        ClusterRole(rbac::v1::ClusterRole) {
            api_version: "rbac.authorization.k8s.io/v1",
            plural: "clusterroles",
            singular: "clusterrole",
            short_names: &[],
            namespaced: false,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        ClusterRoleBinding(rbac::v1::ClusterRoleBinding) {
            api_version: "rbac.authorization.k8s.io/v1",
            plural: "clusterrolebindings",
            singular: "clusterrolebinding",
            short_names: &[],
            namespaced: false,
            simulated: false,
            columns: &[],
            unsimulated: &[],
        }
        // The ResourceQuota admission plugin and the quota controller
        // (`api/resourcequota.rs`, `controllers/resourcequota.rs`).
        ResourceQuota(core::v1::ResourceQuota) {
            api_version: "v1",
            plural: "resourcequotas",
            singular: "resourcequota",
            short_names: &["quota"],
            namespaced: true,
            simulated: true,
            columns: &["NAME", "AGE", "REQUEST", "LIMIT"],
            unsimulated: &[],
        }
        // The LimitRanger admission plugin's defaults (`api/limitranger.rs`).
        LimitRange(core::v1::LimitRange) {
            api_version: "v1",
            plural: "limitranges",
            singular: "limitrange",
            short_names: &["limits"],
            namespaced: true,
            simulated: true,
            columns: &[],
            unsimulated: &[],
        }
        // Served at `autoscaling/v1` too, converted to this version (`api/hpa.rs`).
        HorizontalPodAutoscaler(autoscaling::v2::HorizontalPodAutoscaler) {
            api_version: "autoscaling/v2",
            plural: "horizontalpodautoscalers",
            singular: "horizontalpodautoscaler",
            short_names: &["hpa"],
            namespaced: true,
            simulated: false,
            columns: &[
                "NAME",
                "REFERENCE",
                "TARGETS",
                "MINPODS",
                "MAXPODS",
                "REPLICAS",
                "AGE",
            ],
            unsimulated: &[],
        }
    }
}

/// A version the API server serves for a kind besides the row's (which it stores): objects
/// written in it are decoded as its own type, then converted to the row's version; read in
/// it (kubectl apply reads the live object in the manifest's version), converted back.
pub struct OlderVersion {
    pub kind: &'static str,
    pub api_version: &'static str,
    /// Its decoding, for strict decoding and the decoder's errors.
    pub api: &'static dyn KindApi,
    /// The object as the row's version.
    pub to_stored: fn(&serde_json::Value) -> serde_json::Value,
    /// A stored object as this version.
    pub from_stored: fn(&serde_json::Value) -> serde_json::Value,
}

/// The older versions served (`autoscaling/v1` HorizontalPodAutoscalers, converted as
/// `pkg/apis/autoscaling/v1/conversion.go` does, `api/horizontalpodautoscaler.rs`).
pub static OLDER_VERSIONS: &[OlderVersion] = &[OlderVersion {
    kind: "HorizontalPodAutoscaler",
    api_version: "autoscaling/v1",
    api: &Typed::<autoscaling::v1::HorizontalPodAutoscaler>(PhantomData),
    to_stored: super::api::horizontalpodautoscaler::v1_to_v2,
    from_stored: super::api::horizontalpodautoscaler::v2_to_v1,
}];

/// The older version `api_version` of `kind`, if the API server serves one.
pub fn older_version(api_version: &str, kind: &str) -> Option<&'static OlderVersion> {
    OLDER_VERSIONS
        .iter()
        .find(|o| o.api_version == api_version && o.kind == kind)
}

/// The kind by its Kind alone.
pub fn by_kind(kind: &str) -> Option<&'static KindInfo> {
    KINDS.iter().copied().find(|i| i.kind == kind)
}

/// The kind by its singular resource name (`statefulset`).
pub fn by_singular(singular: &str) -> Option<&'static KindInfo> {
    KINDS.iter().copied().find(|i| i.singular == singular)
}

impl ObjectKind {
    /// The resource name kubectl uses in messages: `statefulsets.apps "web" not found`.
    pub fn resource(&self) -> String {
        match self.info() {
            Some(info) => info.resource(),
            None => format!("{}s", self.name().to_lowercase()),
        }
    }

    /// The `kind.group/name` form kubectl prints: `statefulset.apps/web`.
    pub fn kubectl_prefix(&self) -> String {
        match self.info() {
            Some(info) => info.kubectl_prefix(),
            None => self.name().to_lowercase(),
        }
    }

    pub fn namespaced(&self) -> bool {
        self.info().is_none_or(|info| info.namespaced)
    }

    /// The columns of the kind's table (`kubectl get -o wide`); empty without a printer.
    pub fn columns(&self) -> &'static [&'static str] {
        self.info().map_or(&[], |info| info.columns)
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Kinds, (group, plural) pairs and spellings are unique, so a name never resolves to two
    /// kinds; singulars are the lower-case Kind, as discovery derives them.
    #[test]
    fn every_name_names_one_kind() {
        let mut kinds = BTreeSet::new();
        let mut resources = BTreeSet::new();
        let mut spellings = BTreeSet::new();
        for info in KINDS {
            assert!(kinds.insert(info.kind), "{}", info.kind);
            assert!(resources.insert(info.resource()), "{}", info.kind);
            assert_eq!(info.singular, info.kind.to_ascii_lowercase());
            for spelling in info.spellings() {
                // `endpoints` is its own singular, as upstream's discovery has it.
                if spelling == info.singular && spelling == info.plural {
                    continue;
                }
                assert!(spellings.insert(spelling), "{spelling} names two kinds");
                assert_eq!(spelling, spelling.to_ascii_lowercase());
            }
        }
    }

    /// Every typed row is an `ObjectKind` variant, its map is the store's map of that kind,
    /// and every other row is `Other`.
    #[test]
    fn typed_rows_are_the_typed_kinds() {
        for info in KINDS {
            let kind = ObjectKind::from_kind(info.kind);
            assert_eq!(kind.name(), info.kind);
            assert!(std::ptr::eq(kind.info().expect("a row"), *info));
            match info.typed_map {
                Some(map) => {
                    assert!(!matches!(kind, ObjectKind::Other(_)), "{}", info.kind);
                    assert_eq!(map.object_kind(), kind);
                }
                None => assert_eq!(kind, ObjectKind::Other(info.kind.to_string())),
            }
        }
    }

    /// Each row's decoding is its own kind's type: an object decoded through it comes back
    /// with the row's apiVersion and Kind.
    #[test]
    fn every_row_decodes_as_its_own_type() {
        for info in KINDS {
            let object = serde_json::json!({
                "apiVersion": info.api_version,
                "kind": info.kind,
                "metadata": {"name": "x"}
            });
            let decoded = info.api.roundtrip(&object).expect(info.kind);
            assert_eq!(decoded["apiVersion"], info.api_version, "{}", info.kind);
            assert_eq!(decoded["kind"], info.kind);
            assert!(info.api.known_fields(&object).contains_key(""));
        }
    }

    #[test]
    fn resource_and_prefix_as_kubectl_prints_them() {
        let sts = ObjectKind::StatefulSet;
        assert_eq!(sts.resource(), "statefulsets.apps");
        assert_eq!(sts.kubectl_prefix(), "statefulset.apps");
        assert_eq!(ObjectKind::Pod.resource(), "pods");
        assert_eq!(ObjectKind::Pod.kubectl_prefix(), "pod");
        let ing = ObjectKind::from_kind("Ingress");
        assert_eq!(ing.resource(), "ingresses.networking.k8s.io");
        assert_eq!(ing.kubectl_prefix(), "ingress.networking.k8s.io");
        assert!(!ObjectKind::from_kind("ClusterRole").namespaced());
        let unknown = ObjectKind::Other("Widget".into());
        assert_eq!(unknown.resource(), "widgets");
        assert!(unknown.namespaced());
    }
}
