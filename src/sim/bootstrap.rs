//! What a fresh cluster has before the first statement: nodes, the default StorageClass,
//! and the `kubernetes` Service (LANGUAGE.md, timing defaults).

use serde_json::json;

use super::clock::to_time;
use super::kinds::ObjectKind;
use super::world::{Change, World};

pub fn bootstrap(world: &mut World) {
    for (i, shape) in world.config.node_shapes().iter().enumerate() {
        let node = super::nodes::node_object(shape, i as u32 + 1, 0);
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
}

/// Objects the cluster's installer creates: stored without admission.
pub(crate) fn insert_system(world: &mut World, kind: ObjectKind, mut value: serde_json::Value) {
    let uid = world.store.new_uid();
    let rv = world.store.new_resource_version();
    let meta = &mut value["metadata"];
    meta["uid"] = json!(uid);
    meta["resourceVersion"] = json!(rv);
    meta["creationTimestamp"] = json!(to_time(world.now));
    let name = meta["name"].as_str().unwrap_or_default().to_string();
    let stored = match kind {
        ObjectKind::Node => serde_json::from_value(value)
            .map(|node| {
                world.store.nodes.insert(name.clone(), node);
            })
            .is_ok(),
        ObjectKind::StorageClass => serde_json::from_value(value)
            .map(|class| {
                world.store.storage_classes.insert(name.clone(), class);
            })
            .is_ok(),
        ObjectKind::Service => serde_json::from_value(value)
            .map(|svc| {
                world.store.services.insert(name.clone(), svc);
            })
            .is_ok(),
        _ => false,
    };
    debug_assert!(stored, "bootstrap object {name} must deserialize");
    world.notify(kind, &name, Change::Added, None);
}
