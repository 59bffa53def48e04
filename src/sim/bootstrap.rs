//! What a fresh cluster has before the first statement: nodes, the default StorageClass,
//! the `kubernetes` Service (docs/language.md, timing defaults) and its EndpointSlice, and
//! in the namespace the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap
//! (which the service account and root CA controllers keep there), the two system
//! PriorityClasses the API server creates, the `kubernetes` Endpoints, and the Namespace
//! objects (`default`, `kube-system`, `kube-public`, `kube-node-lease`, and the cluster's).

use std::sync::Arc;

use serde_json::{json, Value};

use super::clock::to_time;
use super::kinds::ObjectKind;
use k8s_openapi::api::core::v1::{Node, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;

use super::server::{self, store::Stored};
use super::world::World;

pub fn bootstrap(world: &mut World) {
    let installed = installed(world);
    for object in installed.iter() {
        let uid = match object {
            // The reserved UID is outside the counter's range (which starts at 1), so adding
            // the slice does not change the UIDs, and the slice names derived from them, of
            // what callers create.
            Installed::EndpointSlice(_) => reserved_uid(0),
            _ => world.store.new_uid(),
        };
        let uid = Some(uid);
        match object {
            Installed::Node(o) => add(world, &**o, uid),
            Installed::StorageClass(o) => add(world, &**o, uid),
            Installed::Service(o) => add(world, &**o, uid),
            Installed::EndpointSlice(o) => add(world, &**o, uid),
        }
    }
    // The `kubernetes` Service lives in `default`: in another namespace it is not stored
    // (DNS and the kubelet's environment know it there), but the UID it would have taken is
    // still drawn, so the UIDs of what callers create do not depend on the namespace.
    let namespace = world.config.namespace.clone();
    if namespace != KUBERNETES_NAMESPACE {
        world.store.new_uid();
    }
    // The namespace's own objects, with reserved UIDs too.
    let now = world.now;
    let objects = [
        super::controllers::serviceaccounts::default_account(&namespace, now),
        super::controllers::root_ca_cert_publisher::config_map(&namespace, now),
    ];
    let objects = objects
        .into_iter()
        .chain(super::api::priorityclass::system_objects(now))
        .chain([kubernetes_endpoints(&namespace, now)])
        .chain(namespaces(&namespace, now));
    for (i, mut object) in objects.enumerate() {
        if object["metadata"]["namespace"]
            .as_str()
            .is_some_and(|ns| ns != KUBERNETES_NAMESPACE)
            && object["kind"] == "Endpoints"
        {
            continue;
        }
        object["metadata"]["uid"] = json!(reserved_uid(i as u64 + 1));
        server::add_other(world, object, server::Author::Other);
    }
}

/// The namespace of the `kubernetes` Service, its EndpointSlice and its Endpoints (the
/// API server's `kubernetesservice` controller keeps them in `default`).
pub const KUBERNETES_NAMESPACE: &str = "default";

/// The `kubernetes` Service's v1 Endpoints, which the API server keeps beside its
/// EndpointSlice (`pkg/controlplane/reconcilers`: the endpoints reconciler's object carries
/// `endpointslice.kubernetes.io/skip-mirror: "true"`, so the mirroring controller leaves it
/// alone; KEP-4974 keeps it in v1.36).
fn kubernetes_endpoints(namespace: &str, now: super::clock::Millis) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "kubernetes", "namespace": namespace,
            "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
            "creationTimestamp": to_time(now)},
        "subsets": [{"addresses": [{"ip": API_SERVER_ADDRESS}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]
    })
}

/// The namespaces the API server makes at start (`default` by the kubernetes Service's
/// controller, `pkg/controlplane/controller/kubernetesservice`; the other three by
/// `pkg/controlplane/controller/systemnamespaces`), plus the cluster's own when it is
/// another: objects `kubectl apply` finds and patches, with no last-applied annotation.
/// Only the cluster's namespace holds simulated objects.
fn namespaces(own: &str, now: super::clock::Millis) -> Vec<Value> {
    let mut names = vec!["default", "kube-system", "kube-public", "kube-node-lease"];
    if !names.contains(&own) {
        names.push(own);
    }
    names
        .into_iter()
        .map(|name| {
            json!({
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": name,
                    "labels": {"kubernetes.io/metadata.name": name},
                    "creationTimestamp": to_time(now)},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"}
            })
        })
        .collect()
}

/// Stores a copy of an installed object with its UID.
fn add<T: Stored + Clone>(world: &mut World, object: &T, uid: Option<String>) {
    let mut object = object.clone();
    object.metadata_mut().uid = uid;
    server::add(world, object, server::Author::Other);
}

/// One object the installer creates, decoded, without its UID (the store gives it).
#[derive(Clone)]
enum Installed {
    Node(Box<Node>),
    StorageClass(Box<StorageClass>),
    Service(Box<Service>),
    EndpointSlice(Box<EndpointSlice>),
}

/// What decides the installed objects: the nodes' shapes, the namespace and the time.
#[derive(PartialEq)]
struct InstallKey {
    shapes: Vec<super::nodes::NodeShape>,
    namespace: String,
    now: super::clock::Millis,
}

/// The installed objects of the last few cluster shapes. They are a pure function of the
/// key, built from JSON and decoded (about a quarter of a small run's set-up): every run of a
/// file, and most files, share one shape. At most [`INSTALL_CACHE`] shapes are kept.
static INSTALLED: std::sync::Mutex<Vec<(InstallKey, Arc<[Installed]>)>> =
    std::sync::Mutex::new(Vec::new());

/// How many cluster shapes [`INSTALLED`] keeps (the oldest goes first).
const INSTALL_CACHE: usize = 8;

fn installed(world: &World) -> Arc<[Installed]> {
    let key = InstallKey {
        shapes: world.config.node_shapes(),
        namespace: world.config.namespace.clone(),
        now: world.now,
    };
    // A poisoned lock only means another run panicked mid-update: build without the cache.
    if let Ok(cache) = INSTALLED.lock() {
        if let Some((_, objects)) = cache.iter().find(|(k, _)| *k == key) {
            return Arc::clone(objects);
        }
    }
    let objects: Arc<[Installed]> = install(&key).into();
    if let Ok(mut cache) = INSTALLED.lock() {
        if cache.len() >= INSTALL_CACHE {
            cache.remove(0);
        }
        cache.push((key, Arc::clone(&objects)));
    }
    objects
}

/// The installer's objects for `key`, in creation order.
fn install(key: &InstallKey) -> Vec<Installed> {
    let mut out = Vec::new();
    for (i, shape) in key.shapes.iter().enumerate() {
        let node = super::nodes::node_object(shape, i as u32 + 1, key.now);
        out.extend(decode(key, node).map(|o| Installed::Node(Box::new(o))));
    }
    let class = json!({
        "metadata": {"name": "standard", "annotations": {
            "storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate",
        "allowVolumeExpansion": false
    });
    out.extend(decode(key, class).map(|o| Installed::StorageClass(Box::new(o))));
    let kubernetes = json!({
        "metadata": {"name": "kubernetes", "namespace": key.namespace,
            "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": kubernetes_spec_json()
    });
    if key.namespace != KUBERNETES_NAMESPACE {
        return out;
    }
    out.extend(decode(key, kubernetes).map(|o| Installed::Service(Box::new(o))));
    // The API server's endpoint reconciler mirrors its own address into an EndpointSlice
    // named after the Service (pkg/controlplane/reconcilers/endpointsadapter.go): only the
    // service-name label, no owner and no managed-by label, so the EndpointSlice
    // controller and the garbage collector leave it alone. Created through the API, it has
    // the strategy's generation 1.
    let slice = kubernetes_slice_json(&key.namespace);
    out.extend(decode(key, slice).map(|o| Installed::EndpointSlice(Box::new(o))));
    out
}

/// The `kubernetes` Service's EndpointSlice: the API server's own address.
fn kubernetes_slice_json(namespace: &str) -> Value {
    json!({
        "metadata": {"name": "kubernetes", "namespace": namespace, "generation": 1,
            "labels": {"kubernetes.io/service-name": "kubernetes"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [API_SERVER_ADDRESS], "conditions": {"ready": true}}],
        "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]
    })
}

/// The `kubernetes` Service's EndpointSlice in `default`, for DNS in another namespace,
/// where it is not stored.
pub fn kubernetes_endpoint_slice() -> EndpointSlice {
    serde_json::from_value(kubernetes_slice_json(KUBERNETES_NAMESPACE)).unwrap_or_default()
}

/// The `kubernetes` Service's spec as the API server's `kubernetesservice` controller
/// writes it.
fn kubernetes_spec_json() -> Value {
    json!({"type": "ClusterIP", "clusterIP": super::dns::KUBERNETES_IP,
        "clusterIPs": [super::dns::KUBERNETES_IP],
        "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
        "sessionAffinity": "None", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
        "internalTrafficPolicy": "Cluster"})
}

/// The `kubernetes` Service's spec, for what knows the Service in `default` from another
/// namespace (the kubelet's service environment variables).
pub fn kubernetes_service_spec() -> k8s_openapi::api::core::v1::ServiceSpec {
    serde_json::from_value(kubernetes_spec_json()).unwrap_or_default()
}

/// `value` as `T`, created at the key's time.
fn decode<T: serde::de::DeserializeOwned>(key: &InstallKey, mut value: Value) -> Option<T> {
    value["metadata"]["creationTimestamp"] = json!(to_time(key.now));
    let decoded = serde_json::from_value(value);
    debug_assert!(decoded.is_ok(), "installed objects must decode");
    decoded.ok()
}

/// The API server's address: the control plane is not one of the simulated nodes
/// (`node-1` is 172.18.0.2), so it takes the address below them.
pub const API_SERVER_ADDRESS: &str = "172.18.0.1";

/// UIDs the store's counter never hands out: the counter's form with `n` in its last part
/// but zeros where it puts `n`'s hash, which for the few `n` used here (0 to 2) is never
/// zero, so no counter value matches.
fn reserved_uid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// Objects the cluster's installer creates: stored without admission.
pub(crate) fn insert_system(world: &mut World, kind: ObjectKind, mut value: Value) {
    let uid = world.store.new_uid();
    let meta = &mut value["metadata"];
    meta["uid"] = json!(uid);
    meta["creationTimestamp"] = json!(to_time(world.now));
    let name = meta["name"].as_str().unwrap_or_default().to_string();
    fn add<T: Stored>(world: &mut World, value: Value) -> bool {
        serde_json::from_value::<T>(value)
            .map(|object| server::add(world, object, server::Author::Other))
            .is_ok()
    }
    let stored = match kind {
        ObjectKind::Node => add::<Node>(world, value),
        ObjectKind::StorageClass => add::<StorageClass>(world, value),
        ObjectKind::Service => add::<Service>(world, value),
        ObjectKind::EndpointSlice => add::<EndpointSlice>(world, value),
        _ => false,
    };
    debug_assert!(stored, "installed object {name} must deserialize");
}

#[cfg(test)]
mod tests {
    use super::super::world::{Config, World};
    use super::ObjectKind;
    use serde_json::Value;

    /// Every installed object of a fresh World, as JSON, in kind and name order.
    fn installed(config: Config) -> Vec<Value> {
        let world = World::new(config).expect("a cluster");
        let kinds = [
            ObjectKind::Node,
            ObjectKind::StorageClass,
            ObjectKind::Service,
            ObjectKind::EndpointSlice,
        ];
        kinds
            .iter()
            .flat_map(|kind| {
                let store = &world.store;
                store
                    .names(kind)
                    .into_iter()
                    .filter_map(move |name| store.to_json(kind, &name))
            })
            .collect()
    }

    /// The cache of installed objects is keyed by everything they depend on: a cluster of
    /// another shape or namespace in between gets its own objects, and the first shape,
    /// built again, gets objects identical to its first build (UIDs included).
    #[test]
    fn installed_objects_follow_the_cluster_shape_and_namespace() {
        let small = Config::default;
        let first = installed(small());
        let zoned = installed(Config {
            nodes: 5,
            zones: vec!["a".into(), "b".into()],
            namespace: "team".into(),
            ..small()
        });
        let again = installed(small());
        assert_eq!(first, again);
        let nodes = |objects: &[Value]| {
            objects
                .iter()
                .filter(|o| o["kind"] == "Node")
                .map(|o| o["metadata"]["labels"]["topology.kubernetes.io/zone"].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(nodes(&first), vec![Value::Null; 3]);
        assert_eq!(
            nodes(&zoned),
            ["a", "b", "a", "b", "a"].map(Value::from).to_vec()
        );
        let namespaces = |objects: &[Value]| {
            objects
                .iter()
                .filter(|o| o["kind"] == "Service" || o["kind"] == "EndpointSlice")
                .map(|o| o["metadata"]["namespace"].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(namespaces(&first), vec![Value::from("default"); 2]);
        // The `kubernetes` Service and its slice live in `default` only.
        assert_eq!(namespaces(&zoned), Vec::<Value>::new());
    }
}
