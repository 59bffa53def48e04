//! The root CA certificate publisher (upstream `pkg/controller/certificates/
//! rootcacertpublisher`, `Publisher.syncNamespace`): every namespace has the ConfigMap
//! `kube-root-ca.crt` whose `ca.crt` is the cluster's CA bundle, which every pod's service
//! account token volume projects. The cluster starts with it; deleted, or with its data
//! changed, it is created or restored at the publisher's next sync, in the same instant.
//!
//! scn's bundle is a fixed PEM block that no client verifies anything with.

use serde_json::{json, Value};

use crate::sim::api::service_account::ROOT_CA_CONFIG_MAP;
use crate::sim::clock::{to_time, Millis};
use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::server;
use crate::sim::world::{Change, WatchEvent, World};

const KIND: &str = "ConfigMap";
/// `DescriptionAnnotation` and `Description`.
const DESCRIPTION_ANNOTATION: &str = "kubernetes.io/description";
const DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/// The cluster's CA bundle (a placeholder certificate).
pub const ROOT_CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIBADAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwprdWJlcm5l\ndGVzMB4XDTI1MDEwMTAwMDAwMFoXDTM1MDEwMTAwMDAwMFowFTETMBEGA1UEAxMK\na3ViZXJuZXRlczBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABHNjbi1zaW11bGF0\nZWQtY2x1c3Rlci1yb290LWNhLW5vdC1mb3ItdmVyaWZ5aW5nLWFueXRoaW5nLi4u\n-----END CERTIFICATE-----\n";

/// The publisher's queue: its one namespace is due for a sync.
#[derive(Debug, Default)]
pub struct Publisher {
    queued: bool,
}

/// The ConfigMap of `namespace`, created at `now` (without UID and resourceVersion).
pub fn config_map(namespace: &str, now: Millis) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": KIND,
        "metadata": {"name": ROOT_CA_CONFIG_MAP, "namespace": namespace,
            "creationTimestamp": to_time(now),
            "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION}},
        "data": {"ca.crt": ROOT_CA}
    })
}

/// `configMapDeleted`, `configMapUpdated`: a change of the ConfigMap syncs its namespace.
pub fn on_event(world: &mut World, event: &WatchEvent) {
    if event.name == ROOT_CA_CONFIG_MAP
        && event.change != Change::Added
        && event.kind == ObjectKind::from_kind(KIND)
    {
        world.root_ca_publisher.queued = true;
    }
}

/// `syncNamespace`: creates the ConfigMap when it is missing; puts back its data (only
/// `ca.crt`) and its description when they changed.
pub fn work(world: &mut World) -> Result<bool, SimError> {
    if !std::mem::take(&mut world.root_ca_publisher.queued) {
        return Ok(false);
    }
    let kind = ObjectKind::from_kind(KIND);
    if !world.store.exists(&kind, ROOT_CA_CONFIG_MAP) {
        let mut object = config_map(&world.config.namespace, world.now);
        object["metadata"]["uid"] = json!(world.store.new_uid());
        server::add_other(world, object, server::Author::Other);
        return Ok(true);
    }
    let data = json!({"ca.crt": ROOT_CA});
    server::write_other(
        world,
        &kind,
        ROOT_CA_CONFIG_MAP,
        server::Author::Other,
        |object| {
            let described = object
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(DESCRIPTION_ANNOTATION))
                .is_some_and(|d| d == DESCRIPTION);
            if object.body.get("data") == Some(&data) && described {
                return false;
            }
            object.body["data"] = data.clone();
            object
                .metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(DESCRIPTION_ANNOTATION.into(), DESCRIPTION.into());
            true
        },
    );
    Ok(true)
}
