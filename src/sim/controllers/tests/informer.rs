//! The indexes the controllers keep from watch events (`informer::WatchCursor`) answer as
//! a store scan would, even for changes still queued when a controller looks.

use crate::kubectl::client;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, Propagation};
use crate::sim::{Config, World};
use serde_json::json;

fn world() -> World {
    World::new(Config::default()).expect("the default cluster builds")
}

fn set(name: &str) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.9.1"}]}
            }
        }
    })
}

/// pvc-protection (B-PV-4's protection half): a claim deleted just before a pod that mounts
/// it is created, both changes still queued when the controller looks at the claim, stays
/// while the pod uses it, and goes with the pod. Upstream's controller asks the API server
/// when its informer has not seen a user yet (`pvc_protection_controller.go`,
/// `askAPIServer`); scn's index looks at the queued events first (`informer::WatchCursor`).
#[test]
fn a_deleted_claim_stays_for_a_pod_created_before_the_controller_looked() {
    let mut w = world();
    let claim = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    });
    server::create(&mut w, &ObjectKind::PersistentVolumeClaim, &claim).expect("created");
    w.settle().expect("no limit");
    server::delete(
        &mut w,
        &ObjectKind::PersistentVolumeClaim,
        "data",
        Propagation::Background,
        false,
    )
    .expect("deleted");
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "user"},
        "spec": {
            "nodeName": "node-1",
            "containers": [{"name": "app", "image": "nginx:1.9.1",
                            "volumeMounts": [{"name": "d", "mountPath": "/data"}]}],
            "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]
        }
    });
    server::create(&mut w, &ObjectKind::Pod, &pod).expect("created");
    w.settle().expect("no limit");
    let kept = &w.store.claims()["data"];
    assert!(kept.metadata.deletion_timestamp.is_some());
    server::delete(
        &mut w,
        &ObjectKind::Pod,
        "user",
        Propagation::Background,
        true,
    )
    .expect("deleted");
    w.advance_to(w.now + crate::sim::clock::Millis::secs(60))
        .expect("no limit");
    assert!(w.store.pods().is_empty());
    assert!(
        !w.store.claims().contains_key("data"),
        "the claim goes with its last user"
    );
}

/// `--cascade=orphan` (B-DEL-3): a dependent created just before its owner's orphaning
/// delete, its creation still queued, loses its owner reference and stays; the collector
/// does not take it for an orphan when the owner's deletion arrives.
#[test]
fn an_orphaning_delete_reaches_a_dependent_the_collector_has_not_seen_yet() {
    let mut w = world();
    client::apply(&mut w, &set("web"), "test").expect("accepted");
    w.settle().expect("no limit");
    let uid = w.store.statefulsets()["web"]
        .metadata
        .uid
        .clone()
        .expect("uid");
    let config_map = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "ownerReferences": [{
            "apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": uid}]},
        "data": {"a": "b"}
    });
    let kind = ObjectKind::Other("ConfigMap".into());
    server::create(&mut w, &kind, &config_map).expect("created");
    super::orphan_set(&mut w, "web");
    w.settle().expect("no limit");
    assert!(w.store.statefulsets().is_empty());
    let kept = w.store.meta(&kind, "cfg").expect("the dependent stays");
    assert_eq!(kept.owner_references, None);
}
