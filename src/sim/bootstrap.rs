//! What a fresh cluster has before the first statement: nodes, the default StorageClass,
//! the `kubernetes` Service (docs/language.md, timing defaults) and its EndpointSlice.

use serde_json::json;

use super::clock::to_time;
use super::kinds::ObjectKind;
use k8s_openapi::api::core::v1::{Node, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;

use super::server::{self, store::Stored};
use super::world::World;

pub fn bootstrap(world: &mut World) {
    for (i, shape) in world.config.node_shapes().iter().enumerate() {
        let node = super::nodes::node_object(shape, i as u32 + 1, super::clock::ZERO);
        insert_system(world, ObjectKind::Node, node);
    }
    let class = json!({
        "metadata": {"name": "standard", "annotations": {
            "storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate",
        "allowVolumeExpansion": false
    });
    insert_system(world, ObjectKind::StorageClass, class);
    let kubernetes = json!({
        "metadata": {"name": "kubernetes", "namespace": world.config.namespace,
            "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
            "sessionAffinity": "None", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster"}
    });
    insert_system(world, ObjectKind::Service, kubernetes);
    // The API server's endpoint reconciler mirrors its own address into an EndpointSlice
    // named after the Service (pkg/controlplane/reconcilers/endpointsadapter.go): only the
    // service-name label, no owner and no managed-by label, so the EndpointSlice
    // controller and the garbage collector leave it alone.
    let slice = json!({
        "metadata": {"name": "kubernetes", "namespace": world.config.namespace,
            "labels": {"kubernetes.io/service-name": "kubernetes"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [API_SERVER_ADDRESS], "conditions": {"ready": true}}],
        "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]
    });
    // Its UID is outside the counter's range (which starts at 1), so adding it does not
    // change the UIDs, and the slice names derived from them, of what callers create.
    insert_system_with_uid(
        world,
        ObjectKind::EndpointSlice,
        slice,
        RESERVED_UID.to_string(),
    );
}

/// The API server's address: the control plane is not one of the simulated nodes
/// (`node-1` is 172.18.0.2), so it takes the address below them.
pub const API_SERVER_ADDRESS: &str = "172.18.0.1";

/// The UID the store's counter would give for 0: never handed out.
const RESERVED_UID: &str = "00000000-0000-4000-8000-000000000000";

/// Objects the cluster's installer creates: stored without admission.
pub(crate) fn insert_system(world: &mut World, kind: ObjectKind, value: serde_json::Value) {
    let uid = world.store.new_uid();
    insert_system_with_uid(world, kind, value, uid);
}

fn insert_system_with_uid(
    world: &mut World,
    kind: ObjectKind,
    mut value: serde_json::Value,
    uid: String,
) {
    let meta = &mut value["metadata"];
    meta["uid"] = json!(uid);
    meta["creationTimestamp"] = json!(to_time(world.now));
    let name = meta["name"].as_str().unwrap_or_default().to_string();
    fn add<T: Stored>(world: &mut World, value: serde_json::Value) -> bool {
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
    debug_assert!(stored, "bootstrap object {name} must deserialize");
}
