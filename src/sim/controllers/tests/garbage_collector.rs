//! `--cascade=orphan` goes through the API as upstream's does: the API server marks the
//! owner deleted with the `orphan` finalizer, and the garbage collector, hearing that
//! update, strips the dependents' owner references and then the finalizer (B-DEL-3).

use crate::kubectl::client;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, FINALIZER_ORPHAN_DEPENDENTS};
use crate::sim::{Config, World};
use serde_json::json;

fn world_with_set(finalizers: &[&str]) -> World {
    let mut w = World::new(Config::default()).expect("the default cluster builds");
    let set = json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web", "finalizers": finalizers},
        "spec": {
            "replicas": 2,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.9.1"}]}
            }
        }
    });
    client::apply(&mut w, &set, "test").expect("accepted");
    w.settle().expect("no limit");
    assert_eq!(w.store.pods().len(), 2);
    w
}

fn owned(w: &World, pod: &str) -> bool {
    w.store.pods()[pod].metadata.owner_references.is_some()
}

#[test]
fn the_server_adds_the_orphan_finalizer_and_the_collector_acts_on_the_update() {
    let mut w = world_with_set(&[]);
    super::orphan_set(&mut w, "web");
    // The request only marks the owner; nothing has reacted yet.
    let set = &w.store.statefulsets()["web"];
    assert!(set.metadata.deletion_timestamp.is_some());
    assert_eq!(
        set.metadata.finalizers.as_deref(),
        Some(&[FINALIZER_ORPHAN_DEPENDENTS.to_string()][..])
    );
    assert!(owned(&w, "web-0") && owned(&w, "web-1"));
    // The collector hears the update: the pods lose their owner, then the set goes.
    w.settle().expect("no limit");
    assert!(w.store.statefulsets().is_empty());
    assert_eq!(w.store.pods().len(), 2);
    assert!(!owned(&w, "web-0") && !owned(&w, "web-1"));
}

#[test]
fn an_orphaned_owner_with_another_finalizer_stays_until_that_one_goes() {
    let mut w = world_with_set(&["example.com/hold"]);
    super::orphan_set(&mut w, "web");
    w.settle().expect("no limit");
    // Only the collector's own finalizer went: the set waits for the other one.
    let set = &w.store.statefulsets()["web"];
    assert!(set.metadata.deletion_timestamp.is_some());
    assert_eq!(
        set.metadata.finalizers.as_deref(),
        Some(&["example.com/hold".to_string()][..])
    );
    assert!(!owned(&w, "web-0") && !owned(&w, "web-1"));
    client::patch(
        &mut w,
        &ObjectKind::StatefulSet,
        "web",
        server::PatchType::Merge,
        &json!({"metadata": {"finalizers": null}}),
    )
    .expect("patched");
    w.settle().expect("no limit");
    assert!(w.store.statefulsets().is_empty());
    assert_eq!(w.store.pods().len(), 2, "the orphans stay");
}
