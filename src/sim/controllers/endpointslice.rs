//! The EndpointSlice controller (kube-controller-manager's `endpointslice` controller):
//! for every Service with a selector, one IPv4 EndpointSlice listing the selected pods
//! (BEHAVIORS B-DNS-1, B-DNS-2). CoreDNS answers from these slices (`sim::dns`).
//!
//! Simplifications, each deterministic: one slice per Service (upstream splits at 100
//! endpoints and by port set; with a named targetPort the first endpoint pod's port
//! numbers are used for all); the slice name's 5-character suffix comes from the Service
//! UID instead of `generateName`'s random one; endpoints are sorted by pod name.
//! A Service without a selector gets no slice, and its old slices are left alone, as
//! upstream does. Slices of a deleted Service go with the garbage collector (owner
//! reference), as upstream.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ObjectReference, Pod, Service};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::sim::clock::to_time;
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil::{self, natural_cmp};
use crate::sim::world::{Change, WatchEvent, World};

pub const LABEL_SERVICE_NAME: &str = "kubernetes.io/service-name";
pub const LABEL_MANAGED_BY: &str = "endpointslice.kubernetes.io/managed-by";
pub const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
const LABEL_HEADLESS: &str = "service.kubernetes.io/headless";

/// Informer handler: a Pod or Service changed. Every Service is looked at again; a slice
/// is written only when it differs, so settling terminates.
pub fn on_event(world: &mut World, event: &WatchEvent) {
    match event.kind {
        ObjectKind::Service => {
            let services: Vec<String> = world.store.services.keys().cloned().collect();
            for name in services {
                sync_service(world, &name);
            }
        }
        // A pod changes at most its own endpoint, in the slices of the Services that
        // select it now or listed it before.
        ObjectKind::Pod => {
            if world.store.endpoint_slices.is_empty()
                && !world
                    .store
                    .services
                    .values()
                    .any(|s| s.spec.as_ref().is_some_and(|s| s.selector.is_some()))
            {
                return;
            }
            let services: Vec<String> = world
                .store
                .services
                .iter()
                .filter(|(_, svc)| svc.spec.as_ref().is_some_and(|s| s.selector.is_some()))
                .map(|(name, _)| name.clone())
                .collect();
            for name in services {
                update_pod_endpoint(world, &name, &event.name);
            }
        }
        _ => {}
    }
}

/// The endpoint of one pod in one Service's slice: inserted, replaced or removed in
/// place (endpoints stay in natural pod-name order), so a pod event costs one endpoint.
fn update_pod_endpoint(world: &mut World, service_name: &str, pod_name: &str) {
    let Some(service) = world.store.services.get(service_name) else {
        return;
    };
    if service.metadata.deletion_timestamp.is_some() {
        return;
    }
    let Some(spec) = service.spec.as_ref() else {
        return;
    };
    let Some(selector) = spec.selector.clone() else {
        return;
    };
    let selector = LabelSelector {
        match_labels: Some(selector),
        match_expressions: None,
    };
    let uid = service.metadata.uid.clone().unwrap_or_default();
    let publish_not_ready = spec.publish_not_ready_addresses.unwrap_or(false)
        || world.mutant(crate::sim::Mutant::DnsUnready);
    let endpoint = world
        .store
        .pods
        .get(pod_name)
        .filter(|p| {
            crate::sim::labels::pod_matches(Some(&selector), p) && should_be_in_endpoints(p)
        })
        .map(|p| pod_to_endpoint(p, service, publish_not_ready));
    let Some((slice_name, slice)) = world
        .store
        .endpoint_slices
        .iter()
        .find(|(_, s)| owned_by(s, &uid))
    else {
        if endpoint.is_some() {
            sync_service(world, service_name);
        }
        return;
    };
    let endpoints = slice.endpoints.as_deref().unwrap_or_default();
    let target = |e: &Endpoint| {
        e.target_ref
            .as_ref()
            .and_then(|r| r.name.clone())
            .unwrap_or_default()
    };
    let position = endpoints.binary_search_by(|e| natural_cmp(&target(e), pod_name));
    let empty_before = endpoints.is_empty();
    let empty_after = match (&position, &endpoint) {
        (Ok(_), None) => endpoints.len() == 1,
        _ => empty_before && endpoint.is_none(),
    };
    // The slice's ports come from its first pod: a slice that gains its first endpoint
    // or loses its last is computed whole.
    if empty_before != empty_after {
        sync_service(world, service_name);
        return;
    }
    let unchanged = match (&position, &endpoint) {
        (Ok(i), Some(new)) => &endpoints[*i] == new,
        (Err(_), None) => true,
        _ => false,
    };
    if unchanged {
        return;
    }
    let slice_name = slice_name.clone();
    let rv = world.store.new_resource_version();
    let Some(slice) = world.store.endpoint_slices.get_mut(&slice_name) else {
        return;
    };
    let list = slice.endpoints.get_or_insert_with(Vec::new);
    match (position, endpoint) {
        (Ok(i), Some(new)) => list[i] = new,
        (Ok(i), None) => {
            list.remove(i);
        }
        (Err(i), Some(new)) => list.insert(i, new),
        (Err(_), None) => {}
    }
    slice.metadata.resource_version = Some(rv);
    slice.metadata.generation = Some(slice.metadata.generation.unwrap_or(1) + 1);
    world.notify(
        ObjectKind::EndpointSlice,
        &slice_name,
        Change::Modified,
        Some(uid),
    );
}

/// `syncService`: computes the Service's slice and writes it if it changed.
pub fn sync_service(world: &mut World, service_name: &str) {
    let Some(service) = world.store.services.get(service_name).cloned() else {
        return;
    };
    let service = &service;
    if service.metadata.deletion_timestamp.is_some() {
        return;
    }
    let Some(spec) = service.spec.as_ref() else {
        return;
    };
    let Some(selector) = spec.selector.clone() else {
        return; // no selector: the user (or the mirroring controller) owns the endpoints
    };
    let uid = service.metadata.uid.clone().unwrap_or_default();
    let selector = LabelSelector {
        match_labels: Some(selector),
        match_expressions: None,
    };
    let publish_not_ready = spec.publish_not_ready_addresses.unwrap_or(false)
        || world.mutant(crate::sim::Mutant::DnsUnready);

    let mut pods: Vec<&Pod> = world
        .store
        .pods
        .values()
        .filter(|p| crate::sim::labels::pod_matches(Some(&selector), p))
        .filter(|p| should_be_in_endpoints(p))
        .collect();
    pods.sort_by(|a, b| {
        natural_cmp(
            a.metadata.name.as_deref().unwrap_or_default(),
            b.metadata.name.as_deref().unwrap_or_default(),
        )
    });
    let endpoints: Vec<Endpoint> = pods
        .iter()
        .map(|p| pod_to_endpoint(p, service, publish_not_ready))
        .collect();
    // With no endpoints upstream keeps a placeholder slice without ports.
    let ports = match pods.first() {
        Some(pod) => endpoint_ports(service, pod),
        None => Vec::new(),
    };

    let existing = world
        .store
        .endpoint_slices
        .iter()
        .find(|(_, s)| owned_by(s, &uid))
        .map(|(n, s)| (n.clone(), s.clone()));
    let mut labels: BTreeMap<String, String> = service.metadata.labels.clone().unwrap_or_default();
    labels.insert(LABEL_SERVICE_NAME.into(), service_name.to_string());
    labels.insert(LABEL_MANAGED_BY.into(), CONTROLLER_NAME.into());
    if spec.cluster_ip.as_deref() == Some("None") {
        labels.insert(LABEL_HEADLESS.into(), String::new());
    }
    let owner = OwnerReference {
        api_version: "v1".into(),
        kind: "Service".into(),
        name: service_name.to_string(),
        uid: uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    };
    let endpoints = Some(endpoints);
    let ports = Some(ports);

    match existing {
        Some((name, old)) => {
            let mut slice = old.clone();
            slice.metadata.labels = Some(labels);
            slice.endpoints = endpoints;
            slice.ports = ports;
            if slice == old {
                return;
            }
            slice.metadata.resource_version = Some(world.store.new_resource_version());
            slice.metadata.generation = Some(old.metadata.generation.unwrap_or(1) + 1);
            world.store.endpoint_slices.insert(name.clone(), slice);
            world.notify(
                ObjectKind::EndpointSlice,
                &name,
                Change::Modified,
                Some(uid),
            );
        }
        None => {
            let name = slice_name(world, service_name, &uid);
            let slice = EndpointSlice {
                metadata: ObjectMeta {
                    name: Some(name.clone()),
                    generate_name: Some(format!("{service_name}-")),
                    namespace: Some(world.config.namespace.clone()),
                    uid: Some(world.store.new_uid()),
                    resource_version: Some(world.store.new_resource_version()),
                    generation: Some(1),
                    creation_timestamp: Some(to_time(world.now)),
                    labels: Some(labels),
                    owner_references: Some(vec![owner]),
                    ..Default::default()
                },
                address_type: "IPv4".into(),
                endpoints,
                ports,
            };
            world.store.endpoint_slices.insert(name.clone(), slice);
            world.notify(ObjectKind::EndpointSlice, &name, Change::Added, Some(uid));
        }
    }
}

fn owned_by(slice: &EndpointSlice, service_uid: &str) -> bool {
    let managed = slice
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(LABEL_MANAGED_BY))
        .is_some_and(|v| v == CONTROLLER_NAME);
    managed
        && slice
            .metadata
            .owner_references
            .iter()
            .flatten()
            .any(|r| r.controller == Some(true) && r.uid == service_uid)
}

/// `ShouldPodBeInEndpoints` (terminating pods included, as for slices): an IP and not
/// in a terminal phase.
fn should_be_in_endpoints(pod: &Pod) -> bool {
    if podutil::is_failed(pod) || podutil::is_succeeded(pod) {
        return false;
    }
    let status = pod.status.as_ref();
    let has_ip = status
        .and_then(|s| s.pod_ip.as_deref())
        .is_some_and(|ip| !ip.is_empty())
        || status
            .and_then(|s| s.pod_ips.as_ref())
            .is_some_and(|ips| !ips.is_empty());
    has_ip
}

/// `podToEndpoint` (B-DNS-1, B-DNS-2).
fn pod_to_endpoint(pod: &Pod, service: &Service, publish_not_ready: bool) -> Endpoint {
    let serving = podutil::is_ready(pod);
    let terminating = podutil::is_terminating(pod);
    // "ready" is never true for a terminating pod unless publishNotReadyAddresses is set.
    let ready = publish_not_ready || (serving && !terminating);
    let status = pod.status.as_ref();
    let ip = status
        .and_then(|s| s.pod_ip.clone())
        .filter(|ip| !ip.is_empty())
        .or_else(|| {
            status
                .and_then(|s| s.pod_ips.as_ref())
                .and_then(|ips| ips.first())
                .map(|ip| ip.ip.clone())
        })
        .unwrap_or_default();
    let spec = pod.spec.as_ref();
    // `ShouldSetHostname`: only through the Service the pod's subdomain names.
    let hostname = spec
        .filter(|s| {
            s.subdomain.as_deref().is_some_and(|sub| !sub.is_empty())
                && s.subdomain.as_deref() == service.metadata.name.as_deref()
        })
        .and_then(|s| s.hostname.clone())
        .filter(|h| !h.is_empty());
    Endpoint {
        addresses: vec![ip],
        conditions: Some(EndpointConditions {
            ready: Some(ready),
            serving: Some(serving),
            terminating: Some(terminating),
        }),
        hostname,
        node_name: spec.and_then(|s| s.node_name.clone()),
        target_ref: Some(ObjectReference {
            kind: Some("Pod".into()),
            name: pod.metadata.name.clone(),
            namespace: pod.metadata.namespace.clone(),
            uid: pod.metadata.uid.clone(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// `getEndpointPorts`: the Service's ports with the target port resolved against the pod
/// (`FindPort`); a named target port the pod does not declare is left out.
fn endpoint_ports(service: &Service, pod: &Pod) -> Vec<EndpointPort> {
    let ports = service
        .spec
        .as_ref()
        .and_then(|s| s.ports.as_ref())
        .cloned()
        .unwrap_or_default();
    ports
        .iter()
        .filter_map(|sp| {
            let number = match &sp.target_port {
                None => sp.port,
                Some(IntOrString::Int(n)) => *n,
                Some(IntOrString::String(name)) => find_named_port(pod, name)?,
            };
            Some(EndpointPort {
                name: Some(sp.name.clone().unwrap_or_default()),
                port: Some(number),
                protocol: Some(sp.protocol.clone().unwrap_or_else(|| "TCP".into())),
                app_protocol: sp.app_protocol.clone(),
            })
        })
        .collect()
}

fn find_named_port(pod: &Pod, name: &str) -> Option<i32> {
    pod.spec
        .as_ref()?
        .containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| p.name.as_deref() == Some(name))
        .map(|p| p.container_port)
}

/// `<service>-<5 chars>`, the suffix drawn from the Service UID with the alphabet
/// `generateName` uses; a name already taken moves to the next candidate.
fn slice_name(world: &World, service: &str, uid: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    // generateName trims the base so the whole name fits in 63 characters.
    let base: String = service.chars().take(57).collect();
    let mut seed: u64 = 0xcbf2_9ce4_8422_2325;
    for b in uid.bytes() {
        seed = (seed ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    loop {
        let mut n = seed;
        let suffix: String = (0..5)
            .map(|_| {
                let c = ALPHABET[(n % ALPHABET.len() as u64) as usize] as char;
                n /= ALPHABET.len() as u64;
                c
            })
            .collect();
        let name = format!("{base}-{suffix}");
        if !world.store.endpoint_slices.contains_key(&name) {
            return name;
        }
        seed = seed.wrapping_mul(0x0100_0000_01b3).wrapping_add(1);
    }
}
