//! The EndpointSlice controller driven from Rust (B-DNS-1): its syncs look only at the pods
//! that changed, so after every step a full sync (forced by a change of the Service that
//! leaves its slices' labels alone) must find nothing to write; and whatever happened, the
//! slices hold every pod with an IP exactly once, at most 100 per slice, and DNS answers
//! each ready pod.

use std::collections::{BTreeMap, BTreeSet};

use crate::kubectl::client;
use crate::sim::dns::{self, DnsAnswer};
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil;
use crate::sim::server::Propagation;
use crate::sim::{Config, World};
use serde_json::{json, Value};

fn service(touch: u32) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "nginx", "annotations": {"touch": touch.to_string()}},
        "spec": {"clusterIP": "None", "selector": {"app": "nginx"},
                 "ports": [{"port": 80, "name": "web"}]}
    })
}

fn set(replicas: i32) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web"},
        "spec": {
            "serviceName": "nginx",
            "replicas": replicas,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.9.1"}]}
            }
        }
    })
}

/// The Service's slices: name → (resourceVersion, the pods listed, in order).
fn slices(w: &World) -> BTreeMap<String, (String, Vec<String>)> {
    w.store
        .endpoint_slices()
        .iter()
        .filter(|(_, s)| {
            s.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("kubernetes.io/service-name"))
                .is_some_and(|v| v == "nginx")
        })
        .map(|(name, s)| {
            let pods = s
                .endpoints
                .iter()
                .flatten()
                .map(|e| {
                    e.target_ref
                        .as_ref()
                        .and_then(|t| t.name.clone())
                        .unwrap_or_default()
                })
                .collect();
            (
                name.clone(),
                (
                    s.metadata.resource_version.clone().unwrap_or_default(),
                    pods,
                ),
            )
        })
        .collect()
}

/// The slices hold every pod with an IP (not Failed or Succeeded) once, at most 100 per
/// slice, each endpoint with the pod's current address; DNS answers every ready pod.
fn check(w: &World, at: &str) {
    let listed = slices(w);
    let mut seen: Vec<String> = Vec::new();
    for (name, (_, pods)) in &listed {
        assert!(pods.len() <= 100, "{at}: {name} holds {}", pods.len());
        seen.extend(pods.iter().cloned());
    }
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "{at}: a pod is listed twice");
    let expected: BTreeSet<String> = w
        .store
        .pods()
        .values()
        .filter(|p| p.status.as_ref().and_then(|s| s.pod_ip.as_ref()).is_some())
        .filter(|p| !podutil::is_failed(p) && !podutil::is_succeeded(p))
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    assert_eq!(unique, expected, "{at}");
    if listed.is_empty() {
        panic!("{at}: the Service has no slice");
    }
    for pod in w.store.pods().values() {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let answer = dns::a(w, &format!("{name}.nginx"));
        let ip = pod.status.as_ref().and_then(|s| s.pod_ip.clone());
        if podutil::is_ready(pod) && !podutil::is_terminating(pod) {
            let ip = ip.expect("a ready pod has an IP");
            assert_eq!(answer, DnsAnswer::Records(vec![ip]), "{at}: {name}");
        } else {
            assert_eq!(answer, DnsAnswer::NxDomain, "{at}: {name}");
        }
    }
}

/// A change of the Service alone makes the controller sync it in full: it must find the
/// slices exactly as its incremental syncs left them.
fn full_sync_finds_nothing_to_do(w: &mut World, touch: &mut u32, at: &str) {
    let before = slices(w);
    *touch += 1;
    client::apply(w, &service(*touch), "test").expect("accepted");
    w.settle().expect("no limit");
    assert_eq!(slices(w), before, "{at}: a full sync rewrote slices");
}

#[test]
fn incremental_syncs_leave_what_a_full_sync_would_and_every_pod_is_listed_once() {
    let mut w = World::new(Config::default()).expect("the default cluster builds");
    let mut touch = 0;
    client::apply(&mut w, &service(touch), "test").expect("accepted");
    client::apply(&mut w, &set(230), "test").expect("accepted");
    let mut now = 0;
    let mut step = |w: &mut World, touch: &mut u32, by: u64, at: &str| {
        now += by;
        w.advance_to(crate::sim::clock::Millis::ms(now))
            .expect("no limit");
        check(w, at);
        full_sync_finds_nothing_to_do(w, touch, at);
    };
    step(&mut w, &mut touch, 1_000, "230 pods starting");
    step(&mut w, &mut touch, 60_000, "230 pods ready");
    assert!(slices(&w).len() >= 3, "230 endpoints need three slices");
    client::scale(&mut w, &ObjectKind::StatefulSet, "web", 120).expect("scaled");
    step(&mut w, &mut touch, 500, "scaling down, pods terminating");
    step(&mut w, &mut touch, 60_000, "120 pods");
    for pod in ["web-3", "web-50", "web-110"] {
        client::delete(
            &mut w,
            &ObjectKind::Pod,
            pod,
            Propagation::Background,
            false,
        )
        .expect("deleted");
    }
    step(&mut w, &mut touch, 500, "three pods terminating");
    step(&mut w, &mut touch, 60_000, "three pods re-created");
    client::set_image(
        &mut w,
        &ObjectKind::StatefulSet,
        "web",
        &[("nginx".into(), "nginx:1.10".into())],
    )
    .expect("updated");
    for i in 0..8 {
        step(&mut w, &mut touch, 7_000, &format!("rolling, step {i}"));
    }
    client::scale(&mut w, &ObjectKind::StatefulSet, "web", 260).expect("scaled");
    step(&mut w, &mut touch, 1_000, "scaling up during the roll");
    step(&mut w, &mut touch, 1_200_000, "roll done, 260 pods");
    client::scale(&mut w, &ObjectKind::StatefulSet, "web", 0).expect("scaled");
    step(&mut w, &mut touch, 60_000, "no pods");
    // One placeholder slice stays, without ports or endpoints.
    let left = slices(&w);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left.values().all(|(_, pods)| pods.is_empty()), "{left:?}");
}

#[test]
fn a_managed_slice_deleted_by_hand_is_made_again() {
    let mut w = World::new(Config::default()).expect("the default cluster builds");
    client::apply(&mut w, &service(0), "test").expect("accepted");
    client::apply(&mut w, &set(150), "test").expect("accepted");
    w.advance_to(crate::sim::clock::Millis::ms(60_000))
        .expect("no limit");
    let before = slices(&w);
    assert_eq!(before.len(), 2, "{before:?}");
    let victim = before.keys().next().expect("a slice").clone();
    client::delete(
        &mut w,
        &ObjectKind::EndpointSlice,
        &victim,
        Propagation::Background,
        false,
    )
    .expect("deleted");
    w.settle().expect("no limit");
    let after = slices(&w);
    assert!(!after.contains_key(&victim), "{after:?}");
    assert_eq!(after.len(), 2, "{after:?}");
    check(&w, "after the hand deletion");
}

/// `podToEndpoint`: an endpoint carries its node's `topology.kubernetes.io/zone`.
#[test]
fn endpoints_carry_the_zone_of_their_node() {
    let config = Config {
        zones: vec!["zone-a".into(), "zone-b".into(), "zone-c".into()],
        ..Config::default()
    };
    let mut w = World::new(config).expect("a zoned cluster builds");
    client::apply(&mut w, &service(0), "test").expect("accepted");
    client::apply(&mut w, &set(3), "test").expect("accepted");
    w.advance_to(crate::sim::clock::Millis::ms(10_000))
        .expect("no limit");
    let mut zones: Vec<(String, String, String)> = w
        .store
        .endpoint_slices()
        .values()
        .flat_map(|s| s.endpoints.iter().flatten())
        .filter_map(|e| {
            Some((
                e.target_ref.as_ref()?.name.clone()?,
                e.node_name.clone()?,
                e.zone.clone()?,
            ))
        })
        .collect();
    zones.sort();
    assert_eq!(zones.len(), 3, "{zones:?}");
    for (pod, node, zone) in &zones {
        let labels = w.store.nodes()[node]
            .metadata
            .labels
            .clone()
            .unwrap_or_default();
        assert_eq!(
            labels.get("topology.kubernetes.io/zone"),
            Some(zone),
            "{pod} on {node}"
        );
    }
}

/// `syncService`: a Service of type ExternalName gets no slice, even with a selector.
#[test]
fn an_external_name_service_gets_no_slice() {
    let mut w = World::new(Config::default()).expect("the default cluster builds");
    let external = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "nginx"},
        "spec": {"type": "ExternalName", "externalName": "example.com",
                 "selector": {"app": "nginx"}}
    });
    client::apply(&mut w, &external, "test").expect("accepted");
    client::apply(&mut w, &set(2), "test").expect("accepted");
    w.advance_to(crate::sim::clock::Millis::ms(10_000))
        .expect("no limit");
    assert_eq!(w.store.pods().len(), 2);
    assert!(slices(&w).is_empty(), "{:?}", slices(&w));
}
