//! The EndpointSlice mirroring controller (kube-controller-manager's
//! `endpointslice-mirroring-controller`, upstream `pkg/controller/endpointslicemirroring`,
//! still enabled by default in v1.36, KEP-4974): the Endpoints of a Service without a
//! selector are mirrored into EndpointSlices, so that what reads slices (CoreDNS here) sees
//! hand-written Endpoints (B-DNS-22).
//!
//! `syncEndpoints`: nothing is mirrored (and mirrored slices are deleted) when the Endpoints
//! or its Service is missing, the Service has a selector, or the Endpoints is labelled
//! `endpointslice.kubernetes.io/skip-mirror: "true"` (as the `kubernetes` Endpoints is).
//! Otherwise `reconcile`: per subset its ports (`epPortsToEpsPorts`: name, port, protocol,
//! appProtocol) and at most 1000 addresses (`maxEndpointsPerSubset`: ready ones first), each
//! an endpoint (`addressToEndpoint`: the IP, `conditions.ready`, `nodeName`, `hostname`,
//! `targetRef`); subsets with the same ports share one slice per address type. A slice
//! carries the Endpoints' labels plus `kubernetes.io/service-name` and
//! `endpointslice.kubernetes.io/managed-by: endpointslicemirroring-controller.k8s.io`, its
//! annotations but the trigger time and `last-applied-configuration`, an owner reference
//! to the Endpoints, and a `generateName` of `<name>-`. An existing slice of the same ports
//! is updated when it differs; a slice of ports no longer wanted is deleted, or recycled for
//! a new port set (`recycleSlices`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{EndpointAddress, Endpoints, Service};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use crate::sim::clock::to_time;
use crate::sim::controllers::endpointslice::{
    slice_name, slices_of, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LAST_CHANGE_TRIGGER_TIME,
};
use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::server;
use crate::sim::workqueue::WorkQueue;
use crate::sim::world::{WatchEvent, World};

/// `ControllerName`: the managed-by label's value on mirrored slices.
pub const CONTROLLER_NAME: &str = "endpointslicemirroring-controller.k8s.io";
/// `discovery.LabelSkipMirror`.
pub const LABEL_SKIP_MIRROR: &str = "endpointslice.kubernetes.io/skip-mirror";
/// `corev1.LastAppliedConfigAnnotation`.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// `resourcelock.LeaderElectionRecordAnnotationKey`.
const LEADER_ELECTION: &str = "control-plane.alpha.kubernetes.io/leader";
/// `--mirroring-max-endpoints-per-subset` default.
pub const MAX_ENDPOINTS_PER_SUBSET: usize = 1000;

/// The controller's queue (Endpoints keys) and how many slices it created per Endpoints
/// (the next name's seed).
#[derive(Debug, Default)]
pub struct MirroringController {
    pub queue: WorkQueue,
    created: BTreeMap<String, u64>,
}

fn is_mirrored(slice: &EndpointSlice) -> bool {
    slice
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(LABEL_MANAGED_BY))
        .is_some_and(|v| v == CONTROLLER_NAME)
}

/// Informer handlers: an Endpoints or a Service queues its name; a mirrored slice queues
/// its service-name label.
pub fn on_event(world: &mut World, event: &WatchEvent) -> Result<(), SimError> {
    match &event.kind {
        ObjectKind::Service => world.mirroring.queue.add(&event.name),
        ObjectKind::Other(k) if k == "Endpoints" => world.mirroring.queue.add(&event.name),
        // Its own writes (`Author::Owner`) are expected (`endpointSliceTracker.ShouldSync`,
        // `HandleDeletion`): no sync for them.
        ObjectKind::EndpointSlice if event.status_only => {}
        ObjectKind::EndpointSlice => {
            // A deleted slice is gone from the store: its Endpoints is found again by the
            // slice's name only when still listed; the queue of every Endpoints with
            // mirrored slices is cheap, as they are few.
            let slice = world.store.endpoint_slices().get(&event.name);
            match slice {
                Some(s) if is_mirrored(s) => {
                    if let Some(name) = s
                        .metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get(LABEL_SERVICE_NAME))
                    {
                        world.mirroring.queue.add(&name.clone());
                    }
                }
                Some(_) => {}
                None => {
                    let names: Vec<String> = world.mirroring.created.keys().cloned().collect();
                    for name in names {
                        world.mirroring.queue.add(&name);
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The controller's worker: one Endpoints key from the queue.
pub fn work(world: &mut World) -> Result<bool, SimError> {
    match world.mirroring.queue.pop() {
        Some(name) => {
            sync(world, &name);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The mirrored slices of `name`, in name order.
fn mirrored(world: &World, name: &str) -> Vec<EndpointSlice> {
    slices_of(world, name)
        .filter(|s| is_mirrored(s))
        .filter(|s| {
            s.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(LABEL_SERVICE_NAME))
                .is_some_and(|n| n == name)
        })
        .cloned()
        .collect()
}

/// `syncEndpoints`.
fn sync(world: &mut World, name: &str) {
    let existing = mirrored(world, name);
    let service: Option<&Service> = world.store.services().get(name);
    let selectorless = service.is_some_and(|s| {
        s.spec
            .as_ref()
            .and_then(|spec| spec.selector.as_ref())
            .is_none_or(|sel| sel.is_empty())
    });
    // Only a selectorless Service's Endpoints is mirrored: another one (the Endpoints
    // controller's, rewritten at every change of its pods) is not decoded.
    let endpoints: Option<Endpoints> = selectorless
        .then(|| {
            world
                .store
                .written_body(&ObjectKind::from_kind("Endpoints"), name)
                .and_then(|b| serde_json::from_value(b.clone()).ok())
        })
        .flatten();
    let endpoints = endpoints.filter(|ep| {
        let labels = ep.metadata.labels.as_ref();
        let skip = labels
            .and_then(|l| l.get(LABEL_SKIP_MIRROR))
            .is_some_and(|v| v == "true");
        let leader = ep
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key(LEADER_ELECTION));
        selectorless && !skip && !leader
    });
    let Some(endpoints) = endpoints else {
        for slice in existing {
            let slice_name = slice.metadata.name.clone().unwrap_or_default();
            server::remove_object::<EndpointSlice>(world, &slice_name, server::Author::Owner);
        }
        return;
    };
    reconcile(world, &endpoints, existing);
}

/// What one port set (and address type) wants.
struct Desired {
    address_type: &'static str,
    ports: Vec<EndpointPort>,
    endpoints: Vec<Endpoint>,
}

/// `addressToEndpoint`: `None` for an address that is not an IP.
fn to_endpoint(address: &EndpointAddress, ready: bool) -> Option<(&'static str, Endpoint)> {
    let ip: std::net::IpAddr = address.ip.parse().ok()?;
    let address_type = if ip.is_ipv4() { "IPv4" } else { "IPv6" };
    Some((
        address_type,
        Endpoint {
            addresses: vec![ip.to_string()],
            conditions: Some(EndpointConditions {
                ready: Some(ready),
                ..Default::default()
            }),
            hostname: address.hostname.clone().filter(|h| !h.is_empty()),
            node_name: address.node_name.clone(),
            target_ref: address.target_ref.clone(),
            ..Default::default()
        },
    ))
}

/// `reconcile`.
fn reconcile(world: &mut World, endpoints: &Endpoints, existing: Vec<EndpointSlice>) {
    let name = endpoints.metadata.name.clone().unwrap_or_default();
    // Desired endpoints by (address type, ports), in the order first met.
    let mut desired: Vec<Desired> = Vec::new();
    // The subsets are canonicalized first (`RepackSubsets`): the same addresses in two
    // subsets, or on two ports, are one subset.
    let subsets = crate::sim::controllers::endpoint::repack_subsets(
        endpoints.subsets.as_deref().unwrap_or_default(),
    );
    let mut invalid = 0usize;
    let mut skipped = 0usize;
    for subset in &subsets {
        let mut ports: Vec<EndpointPort> = subset
            .ports
            .iter()
            .flatten()
            .map(|p| EndpointPort {
                name: Some(p.name.clone().unwrap_or_default()),
                port: Some(p.port),
                protocol: Some(
                    p.protocol
                        .clone()
                        .filter(|p| !p.is_empty())
                        .unwrap_or_else(|| "TCP".into()),
                ),
                app_protocol: p.app_protocol.clone(),
            })
            .collect();
        // `initPorts`: `NewPortMapKey` sorts the list the slices are written with.
        crate::sim::controllers::endpointslice::sort_ports(&mut ports);
        let mut added = 0usize;
        let ready = subset.addresses.iter().flatten().map(|a| (a, true));
        let not_ready = subset
            .not_ready_addresses
            .iter()
            .flatten()
            .map(|a| (a, false));
        let total = subset.addresses.as_ref().map_or(0, Vec::len)
            + subset.not_ready_addresses.as_ref().map_or(0, Vec::len);
        for (address, is_ready) in ready.chain(not_ready) {
            if added >= MAX_ENDPOINTS_PER_SUBSET {
                continue;
            }
            let Some((address_type, endpoint)) = to_endpoint(address, is_ready) else {
                invalid += 1;
                continue;
            };
            added += 1;
            let at = match desired
                .iter()
                .position(|d| d.address_type == address_type && d.ports == ports)
            {
                Some(at) => at,
                None => {
                    desired.push(Desired {
                        address_type,
                        ports: ports.clone(),
                        endpoints: Vec::new(),
                    });
                    desired.len() - 1
                }
            };
            // An endpoint already desired (same addresses, hostname and target) is kept once.
            let list = &mut desired[at].endpoints;
            if !list.iter().any(|e| {
                e.addresses == endpoint.addresses
                    && e.hostname == endpoint.hostname
                    && e.target_ref == endpoint.target_ref
            }) {
                list.push(endpoint);
            }
        }
        skipped += total - added;
    }
    // What was not mirrored is told on the Endpoints: invalid addresses, then those beyond
    // the 1000 a subset may give.
    let mut warn = |reason: &str, message: String| {
        crate::sim::events::record(
            world,
            crate::sim::events::Recorder::MIRRORING,
            ObjectKind::from_kind("Endpoints"),
            &name,
            "Warning",
            reason,
            message,
        );
    };
    if invalid > 0 {
        warn(
            "InvalidIPAddress",
            format!("Skipped {invalid} invalid IP addresses when mirroring to EndpointSlices"),
        );
    }
    if skipped > invalid {
        warn(
            "TooManyAddressesToMirror",
            format!(
                "A max of {MAX_ENDPOINTS_PER_SUBSET} addresses can be mirrored to EndpointSlices per Endpoints subset. {} addresses were skipped",
                skipped - invalid
            ),
        );
    }
    let labels = {
        let mut l = endpoints.metadata.labels.clone().unwrap_or_default();
        l.insert(LABEL_SERVICE_NAME.into(), name.clone());
        l.insert(LABEL_MANAGED_BY.into(), CONTROLLER_NAME.into());
        l
    };
    let annotations = {
        let mut a = endpoints.metadata.annotations.clone().unwrap_or_default();
        a.remove(LAST_CHANGE_TRIGGER_TIME);
        a.remove(LAST_APPLIED);
        a
    };
    let owner = OwnerReference {
        api_version: "v1".into(),
        kind: "Endpoints".into(),
        name: name.clone(),
        uid: endpoints.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    };
    // Per port set: the first existing slice of it is kept (updated when it differs), the
    // others go; a port set without an existing slice gets a new one.
    let mut to_create: Vec<(&Desired, Vec<Endpoint>)> = Vec::new();
    let mut to_update: Vec<(String, &Desired, Vec<Endpoint>)> = Vec::new();
    let mut to_delete: Vec<EndpointSlice> = Vec::new();
    let mut used = vec![false; existing.len()];
    for d in &desired {
        let endpoints: Vec<Endpoint> = d
            .endpoints
            .iter()
            .take(MAX_ENDPOINTS_PER_SUBSET)
            .cloned()
            .collect();
        if endpoints.is_empty() {
            continue;
        }
        let same: Vec<usize> = (0..existing.len())
            .filter(|&i| {
                !used[i]
                    && existing[i].address_type == d.address_type
                    && existing[i].ports.as_deref().unwrap_or_default() == &d.ports[..]
            })
            .collect();
        match same.split_first() {
            Some((&first, rest)) => {
                used[first] = true;
                for &i in rest {
                    used[i] = true;
                    to_delete.push(existing[i].clone());
                }
                let slice = &existing[first];
                let differs = slice.endpoints.as_deref().unwrap_or_default() != &endpoints[..]
                    || slice.metadata.labels.as_ref() != Some(&labels)
                    || slice.metadata.annotations.clone().unwrap_or_default() != annotations;
                if differs {
                    to_update.push((
                        slice.metadata.name.clone().unwrap_or_default(),
                        d,
                        endpoints,
                    ));
                }
            }
            None => to_create.push((d, endpoints)),
        }
    }
    for (i, slice) in existing.iter().enumerate() {
        if !used[i] {
            to_delete.push(slice.clone());
        }
    }
    // `recycleSlices`: a creation meeting a deletion of the same address type updates the
    // slice that would go.
    let mut creates: Vec<(&Desired, Vec<Endpoint>)> = Vec::new();
    for (d, eps) in to_create {
        match to_delete
            .iter()
            .position(|s| s.address_type == d.address_type)
        {
            Some(at) => {
                let slice = to_delete.remove(at);
                to_update.push((slice.metadata.name.clone().unwrap_or_default(), d, eps));
            }
            None => creates.push((d, eps)),
        }
    }
    let annotations = (!annotations.is_empty()).then_some(annotations);
    for (d, eps) in creates {
        let n = world.mirroring.created.entry(name.clone()).or_insert(0);
        let seed = *n;
        *n += 1;
        let store = &world.store;
        let slice_name = slice_name(
            |s| store.endpoint_slices().contains_key(s),
            &name,
            &owner.uid,
            seed,
        );
        let slice = EndpointSlice {
            metadata: ObjectMeta {
                name: Some(slice_name),
                generate_name: Some(format!("{name}-")),
                namespace: Some(world.config.namespace.clone()),
                uid: Some(world.store.new_uid()),
                generation: Some(1),
                creation_timestamp: Some(to_time(world.now)),
                labels: Some(labels.clone()),
                annotations: annotations.clone(),
                owner_references: Some(vec![owner.clone()]),
                ..Default::default()
            },
            address_type: d.address_type.into(),
            endpoints: Some(eps),
            ports: Some(d.ports.clone()),
        };
        server::add(world, slice, server::Author::Owner);
    }
    for (slice_name, d, eps) in to_update {
        server::write::<EndpointSlice>(world, &slice_name, server::Author::Owner, |slice| {
            slice.metadata.labels = Some(labels.clone());
            slice.metadata.annotations = annotations.clone();
            slice.metadata.owner_references = Some(vec![owner.clone()]);
            slice.address_type = d.address_type.into();
            slice.ports = Some(d.ports.clone());
            slice.endpoints = Some(eps);
            slice.metadata.generation = Some(slice.metadata.generation.unwrap_or(1) + 1);
            true
        });
    }
    for slice in to_delete {
        let slice_name = slice.metadata.name.clone().unwrap_or_default();
        server::remove_object::<EndpointSlice>(world, &slice_name, server::Author::Owner);
    }
}
