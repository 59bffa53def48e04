//! The simulation driven from Rust, as a library user would: a World, kubectl-like
//! requests, and the state it settles into.

use kscn::kubectl::client;
use kscn::sim::kinds::ObjectKind;
use kscn::sim::{Config, World};
use serde_json::json;

fn set(name: &str, replicas: i32) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.9.1"}]}
            }
        }
    })
}

fn world() -> World {
    World::new(Config::default()).expect("the default cluster builds")
}

#[test]
fn step_says_whether_work_remains_and_the_set_settles() {
    let mut w = world();
    client::apply(&mut w, &set("web", 3), "test").expect("accepted");
    w.settle().expect("no limit");
    let mut steps = 0;
    while w.step().expect("no limit") {
        steps += 1;
        assert!(steps < 1000, "the cluster must go quiet");
    }
    let status = w.store.statefulsets()["web"]
        .status
        .clone()
        .expect("status written");
    assert_eq!(status.ready_replicas, Some(3));
    assert_eq!(w.store.pods().len(), 3);
    // Three pods, 2 s each, one after the other (B-ORD-1).
    assert_eq!(w.now, kscn::sim::clock::Millis::ms(6_000));
}

/// B-VAL-19: a set name that passes validation but makes the revision label too long.
#[test]
fn a_long_set_name_makes_every_pod_creation_fail_with_the_label_error() {
    let mut w = world();
    let name = "a-statefulset-name-that-is-long-enough-to-break-every-pod";
    client::apply(&mut w, &set(name, 1), "test").expect("the set itself is valid");
    w.advance_to(kscn::sim::clock::Millis::ms(10_000))
        .expect("no limit");
    assert!(w.store.pods().is_empty());
    let events: Vec<String> = w
        .events
        .about(&ObjectKind::StatefulSet, name, w.now)
        .map(|e| format!("{}: {}", e.reason, e.message))
        .collect();
    let first = events.first().expect("a FailedCreate event");
    assert!(first.starts_with(&format!("FailedCreate: create Pod {name}-0 in StatefulSet {name} failed error: Pod \"{name}-0\" is invalid: metadata.labels: Invalid value: \"{name}-")), "{first}");
    assert!(
        first.ends_with("must be no more than 63 characters"),
        "{first}"
    );
    // Retried after 1 s, doubling (docs/language.md): attempts at 0, 1, 3 and 7 s.
    let times: Vec<u64> = w
        .events
        .about(&ObjectKind::StatefulSet, name, w.now)
        .map(|e| e.at.as_ms())
        .collect();
    assert_eq!(times, vec![0, 1_000, 3_000, 7_000], "{times:?}");
}

#[test]
fn the_same_requests_give_the_same_world() {
    let run = || {
        let mut w = world();
        client::apply(&mut w, &set("web", 5), "test").expect("accepted");
        w.advance_to(kscn::sim::clock::Millis::ms(60_000))
            .expect("no limit");
        serde_json::to_string(&w.store.to_json(&ObjectKind::Pod, "web-4")).expect("serializes")
    };
    assert_eq!(run(), run());
}
