//! The Endpoints controller (kube-controller-manager's `endpoints-controller`, upstream
//! `pkg/controller/endpoint/endpoints_controller.go`, still enabled by default in v1.36:
//! KEP-4974 deprecates the v1 Endpoints API but keeps its controllers): for every Service
//! with a selector, a v1 Endpoints object of the same name (B-DNS-21).
//!
//! `syncService`: the selected pods that should be in endpoints (an IP, not terminal, and not
//! terminating unless `publishNotReadyAddresses`) each give an address (`ip`, `nodeName`,
//! `targetRef`, `hostname` when the pod's subdomain is the Service's name), ready when the
//! pod is Ready (or `publishNotReadyAddresses`), else in `notReadyAddresses`; one per
//! Service port the pod resolves (`FindPort`), or, for a headless Service without ports, one
//! without ports. `RepackSubsets` groups them: addresses by port, ports offering the same
//! addresses in one subset, addresses sorted by IP (then pod UID). The Endpoints carries the
//! Service's labels (plus `service.kubernetes.io/headless` for a headless Service, without it
//! otherwise, and `endpoints.kubernetes.io/managed-by: endpoint-controller`), the
//! `endpoints.kubernetes.io/last-change-trigger-time` annotation, and, over 1000 addresses,
//! is truncated (`truncateEndpoints`) and annotated `endpoints.kubernetes.io/over-capacity:
//! truncated`. It is written only when its subsets, labels or capacity annotation differ.
//! The Endpoints of a deleted Service is deleted; one deleted by someone else is made again.
//! A Service without a selector, or of type ExternalName, is left alone (its Endpoints, if
//! any, is the user's).
//!
//! `RepackSubsets` ends with `SortSubsets`: ports and subsets in the order of the MD5 of
//! their `spew` dump (`endpoints_util.rs`).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, EndpointSubset, Endpoints, ObjectReference, Pod, Service,
};
use serde_json::{json, Value};

use crate::sim::controllers::endpointslice::{
    endpoint_ports, pods_in_scope, selects, should_be_in_endpoints, time_text, TriggerTimes,
    LAST_CHANGE_TRIGGER_TIME,
};
use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil;
use crate::sim::server::{self, Propagation};
use crate::sim::workqueue::WorkQueue;
use crate::sim::world::{Change, WatchEvent, World};

pub const KIND: &str = "Endpoints";
/// `v1.EndpointsOverCapacity`.
pub const OVER_CAPACITY: &str = "endpoints.kubernetes.io/over-capacity";
/// `v1.IsHeadlessService`.
const LABEL_HEADLESS: &str = "service.kubernetes.io/headless";
/// `LabelManagedBy` and `ControllerName` (v1.33+): the label the controller puts on every
/// Endpoints it writes, left out when it compares the Service's labels with the stored ones.
const LABEL_MANAGED_BY: &str = "endpoints.kubernetes.io/managed-by";
const CONTROLLER_NAME: &str = "endpoint-controller";
/// `maxCapacity`: the most addresses an Endpoints holds.
pub const MAX_CAPACITY: usize = 1000;

/// The controller's queue and per-Service state.
#[derive(Debug, Default)]
pub struct EndpointsController {
    pub queue: WorkQueue,
    services: BTreeMap<String, ServiceState>,
    /// Endpoints objects created so far (their UIDs' sequence).
    created: u64,
}

#[derive(Debug, Default)]
struct ServiceState {
    uid: String,
    /// Look at every selected pod again.
    full: bool,
    /// Pods changed since the last sync.
    dirty: BTreeSet<String>,
    /// pod → what it gives the Endpoints.
    given: BTreeMap<String, Given>,
    trigger: TriggerTimes,
    /// Of the pods that offer an address (on at least one port, or the headless Service
    /// has none): each distinct port list, and how many pods offer it.
    shapes: Vec<(Option<Vec<EndpointPort>>, usize)>,
    /// Those pods' addresses by `LessEndpointAddress` key, ready and not ready.
    ready: BTreeMap<(String, String), String>,
    not_ready: BTreeMap<(String, String), String>,
    /// The Endpoints' resourceVersion as this controller last wrote it.
    written: Option<String>,
}

impl ServiceState {
    fn index(&mut self, pod: &str, given: &Given, add: bool) {
        if given.ports.as_ref().is_some_and(Vec::is_empty) {
            return;
        }
        let key = address_key(&given.address);
        let map = if given.ready {
            &mut self.ready
        } else {
            &mut self.not_ready
        };
        let at = self.shapes.iter().position(|(p, _)| *p == given.ports);
        if add {
            map.insert(key, pod.to_string());
            match at {
                Some(at) => self.shapes[at].1 += 1,
                None => self.shapes.push((given.ports.clone(), 1)),
            }
        } else {
            map.remove(&key);
            if let Some(at) = at {
                self.shapes[at].1 -= 1;
                if self.shapes[at].1 == 0 {
                    self.shapes.remove(at);
                }
            }
        }
    }

    /// The one port list every offering pod offers, when there is exactly one: the
    /// Endpoints then has exactly one subset.
    fn one_shape(&self) -> Option<&Option<Vec<EndpointPort>>> {
        match self.shapes.as_slice() {
            [(ports, _)] => Some(ports),
            _ => None,
        }
    }
}

/// One pod's address and the ports it offers it on (`None`: a headless Service without
/// ports).
#[derive(Debug, Clone, PartialEq)]
struct Given {
    address: EndpointAddress,
    ready: bool,
    ports: Option<Vec<EndpointPort>>,
}

/// `LessEndpointAddress`: by IP (bytes), then the target's UID.
fn address_key(a: &EndpointAddress) -> (String, String) {
    (
        a.ip.clone(),
        a.target_ref
            .as_ref()
            .and_then(|r| r.uid.clone())
            .unwrap_or_default(),
    )
}

fn selector_of(service: &Service) -> Option<&BTreeMap<String, String>> {
    let spec = service.spec.as_ref()?;
    if spec.type_.as_deref() == Some("ExternalName") {
        return None;
    }
    spec.selector.as_ref().filter(|s| !s.is_empty())
}

/// Informer handlers: Services (added, updated, deleted), pods (the Services they belong
/// or belonged to), Endpoints (deleted: its Service is synced again).
pub fn on_event(world: &mut World, event: &WatchEvent) -> Result<(), SimError> {
    if !world.config.endpoints_controller {
        return Ok(());
    }
    match &event.kind {
        ObjectKind::Service => {
            let c = &mut world.endpoints;
            c.services.entry(event.name.clone()).or_default().full = true;
            c.queue.add(&event.name);
        }
        ObjectKind::Pod => {
            let pod = world.store.pods().get(&event.name);
            let services = world.store.services();
            let c = &mut world.endpoints;
            for (name, state) in c.services.iter_mut() {
                let member = state.given.contains_key(&event.name)
                    || pod.is_some_and(|p| {
                        services
                            .get(name)
                            .and_then(selector_of)
                            .is_some_and(|sel| selects(sel, p))
                    });
                if member {
                    state.dirty.insert(event.name.clone());
                    c.queue.add(name);
                }
            }
        }
        ObjectKind::Other(k) if k == KIND && event.change == Change::Deleted => {
            let c = &mut world.endpoints;
            if let Some(state) = c.services.get_mut(&event.name) {
                state.full = true;
                c.queue.add(&event.name);
            }
        }
        _ => {}
    }
    Ok(())
}

/// The controller's worker: one Service from the queue.
pub fn work(world: &mut World) -> Result<bool, SimError> {
    match world.endpoints.queue.pop() {
        Some(name) => {
            sync(world, &name);
            Ok(true)
        }
        None => Ok(false),
    }
}

fn endpoints_kind() -> ObjectKind {
    ObjectKind::from_kind(KIND)
}

/// `syncService`.
fn sync(world: &mut World, name: &str) {
    let Some(service) = world.store.services().get_shared(name) else {
        // The Service is gone: so is its Endpoints.
        world.endpoints.services.remove(name);
        if world.store.exists(&endpoints_kind(), name) {
            let _ = server::delete(world, &endpoints_kind(), name, Propagation::Unset, false);
        }
        return;
    };
    let Some(selector) = selector_of(&service) else {
        // Left alone; its state is kept so that a selector added later is seen.
        if let Some(state) = world.endpoints.services.get_mut(name) {
            state.given.clear();
            state.dirty.clear();
            state.full = true;
        }
        return;
    };
    let mut state = world.endpoints.services.remove(name).unwrap_or_default();
    let uid = service.metadata.uid.clone().unwrap_or_default();
    let full = std::mem::take(&mut state.full) || state.uid != uid;
    let dirty = std::mem::take(&mut state.dirty);
    state.uid = uid;
    let publish_not_ready = service
        .spec
        .as_ref()
        .and_then(|s| s.publish_not_ready_addresses)
        .unwrap_or(false);
    let pods = pods_in_scope(world, selector, full, &dirty);
    let trigger = state.trigger.last_change(&service, &pods, full, &dirty);
    let shape_before = state.one_shape().cloned();
    let mut before = if full {
        state.shapes.clear();
        state.ready.clear();
        state.not_ready.clear();
        std::mem::take(&mut state.given)
    } else {
        let before: BTreeMap<String, Given> = dirty
            .iter()
            .filter_map(|pod| state.given.remove_entry(pod))
            .collect();
        for (pod, given) in &before {
            state.index(pod, given, false);
        }
        before
    };
    let mut changed = full;
    // What the Endpoints' subsets are made of changed (not only a pod that offers
    // nothing): with `full`, unknown.
    let mut offered_changed = full;
    // The addresses whose place in the Endpoints may have changed.
    let mut moved: Vec<(String, String)> = Vec::new();
    let offers = |g: &Given| !g.ports.as_ref().is_some_and(Vec::is_empty);
    for pod in pods {
        if let Some(given) = give(&service, pod, publish_not_ready) {
            let pod_name = pod.metadata.name.clone().unwrap_or_default();
            let old = before.remove(&pod_name);
            if old.as_ref() != Some(&given) {
                changed = true;
                let was = old.as_ref().filter(|g| offers(g));
                if was.is_some() || offers(&given) {
                    offered_changed = true;
                    moved.extend(was.map(|g| address_key(&g.address)));
                    if offers(&given) {
                        moved.push(address_key(&given.address));
                    }
                }
            }
            if !full {
                state.index(&pod_name, &given, true);
            }
            state.given.insert(pod_name, given);
        }
    }
    // A pod that gave an address and gives none now.
    changed |= !before.is_empty();
    for gone in before.values().filter(|g| offers(g)) {
        offered_changed = true;
        moved.push(address_key(&gone.address));
    }
    if full {
        let given = std::mem::take(&mut state.given);
        for (pod, g) in &given {
            state.index(pod, g, true);
        }
        state.given = given;
    }
    if !changed {
        // What the pods give is what the Endpoints already holds (upstream compares and
        // writes nothing): no repacking.
        world.endpoints.services.insert(name.to_string(), state);
        return;
    }
    let namespace = world.config.namespace.clone();
    let one = !full && shape_before.is_some() && state.one_shape() == shape_before.as_ref();
    if one
        && write_one(
            world,
            &service,
            name,
            &mut state,
            offered_changed,
            &moved,
            trigger,
        )
    {
        world.endpoints.services.insert(name.to_string(), state);
        return;
    }
    let subsets = repack(&state.given);
    if let Some(rv) = write(world, &service, name, &namespace, subsets, trigger) {
        state.written = Some(rv);
    }
    world.endpoints.services.insert(name.to_string(), state);
}

/// The labels the controller writes on a Service's Endpoints: the Service's, with
/// `service.kubernetes.io/headless` for a headless Service (without it otherwise) and
/// its managed-by label.
fn endpoints_labels(service: &Service) -> BTreeMap<String, String> {
    let mut labels = service.metadata.labels.clone().unwrap_or_default();
    let headless = service
        .spec
        .as_ref()
        .and_then(|s| s.cluster_ip.as_deref())
        .is_none_or(|ip| ip.is_empty() || ip == "None");
    // A Service with a cluster IP drops a headless label it carries itself
    // (`CloneAndRemoveLabel`); the controller marks what it writes as its own.
    if headless {
        labels.insert(LABEL_HEADLESS.to_string(), String::new());
    } else {
        labels.remove(LABEL_HEADLESS);
    }
    labels.insert(LABEL_MANAGED_BY.to_string(), CONTROLLER_NAME.to_string());
    labels
}

/// Whether the stored labels, less the two the controller adds, are the Service's.
fn labels_match(stored: Option<&BTreeMap<String, String>>, service: &Service) -> bool {
    let stored = stored
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != LABEL_HEADLESS && k.as_str() != LABEL_MANAGED_BY);
    let wanted = service.metadata.labels.iter().flatten();
    stored.eq(wanted)
}

/// The key an address written as JSON sorts by (`LessEndpointAddress`).
fn json_key(v: &Value) -> (&str, &str) {
    (
        v.get("ip").and_then(Value::as_str).unwrap_or_default(),
        v.pointer("/targetRef/uid")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    )
}

/// Keeps a written address list the first `limit` addresses of `all` (in key order) when
/// it was that before the addresses of `moved` changed: they leave the list, come back
/// where they sort if they are still in `all` and before its last one, then the list is
/// cut to `limit` or filled up from `all`.
fn keep_prefix(
    list: &mut Vec<Value>,
    all: &BTreeMap<(String, String), String>,
    given: &BTreeMap<String, Given>,
    moved: &[(String, String)],
    limit: usize,
) {
    let find = |list: &[Value], key: &(String, String)| {
        list.binary_search_by(|v| json_key(v).cmp(&(key.0.as_str(), key.1.as_str())))
    };
    for key in moved {
        if let Ok(at) = find(list, key) {
            list.remove(at);
        }
    }
    let json = |pod: &String| {
        given
            .get(pod)
            .and_then(|g| serde_json::to_value(&g.address).ok())
            .unwrap_or(Value::Null)
    };
    for key in moved {
        let Some(pod) = all.get(key) else {
            continue;
        };
        if let Err(at) = find(list, key) {
            if at < list.len() {
                list.insert(at, json(pod));
            }
        }
    }
    list.truncate(limit);
    while list.len() < limit {
        let next = match list.last() {
            None => all.iter().next(),
            Some(last) => {
                let (ip, uid) = json_key(last);
                let after = (ip.to_string(), uid.to_string());
                all.range((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded))
                    .next()
            }
        };
        match next {
            Some((_, pod)) => list.push(json(pod)),
            None => break,
        }
    }
}

/// The write of `write` for an Endpoints of one subset that this controller wrote last and
/// that keeps one subset with the same ports: only the addresses that changed are
/// placed, removed or let in under the capacity. False when the Endpoints is not such
/// (the caller repacks every address).
fn write_one(
    world: &mut World,
    service: &Service,
    name: &str,
    state: &mut ServiceState,
    offered_changed: bool,
    moved: &[(String, String)],
    trigger: Option<crate::sim::clock::Millis>,
) -> bool {
    let kind = endpoints_kind();
    let Some(body) = world.store.written_body(&kind, name) else {
        return false;
    };
    let stored_rv = body
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str);
    if stored_rv.is_none() || stored_rv != state.written.as_deref() {
        return false;
    }
    if body
        .get("subsets")
        .and_then(Value::as_array)
        .is_none_or(|s| s.len() != 1)
    {
        return false;
    }
    let over = body
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(OVER_CAPACITY))
        .is_some();
    let stored_labels: Option<BTreeMap<String, String>> = body
        .pointer("/metadata/labels")
        .and_then(|l| serde_json::from_value(l.clone()).ok());
    // `endpointSubsetsEqualIgnoreResourceVersion`, the labels and
    // `capacityAnnotationSetCorrectly`: an Endpoints under capacity as this controller
    // wrote it holds every address.
    if !offered_changed && !over && labels_match(stored_labels.as_ref(), service) {
        return true;
    }
    let (ready, not_ready) = (state.ready.len(), state.not_ready.len());
    // `truncateEndpoints` of one subset: its share is everything that fits.
    let truncated = ready.saturating_add(not_ready) > MAX_CAPACITY;
    let (ready_limit, not_ready_limit) = if !truncated {
        (ready, not_ready)
    } else if ready > MAX_CAPACITY {
        (MAX_CAPACITY, 0)
    } else {
        (ready, MAX_CAPACITY - ready)
    };
    let labels = endpoints_labels(service);
    let state_ref = &*state;
    let rv = server::write_other(world, &kind, name, server::Author::Other, |object| {
        let mut annotations = object.metadata.annotations.take().unwrap_or_default();
        set_sync_annotations(&mut annotations, trigger, truncated);
        object.metadata.annotations = (!annotations.is_empty()).then_some(annotations);
        object.metadata.labels = Some(labels);
        let Some(Value::Object(subset)) = object.body.pointer_mut("/subsets/0") else {
            return true;
        };
        let mut old = std::mem::take(subset);
        let mut list = |key: &str, all, limit| {
            let mut list = match old.shift_remove(key) {
                Some(Value::Array(list)) => list,
                _ => Vec::new(),
            };
            keep_prefix(&mut list, all, &state_ref.given, moved, limit);
            list
        };
        let addresses = list("addresses", &state_ref.ready, ready_limit);
        let not_ready = list("notReadyAddresses", &state_ref.not_ready, not_ready_limit);
        if !addresses.is_empty() {
            subset.insert("addresses".into(), Value::Array(addresses));
        }
        if !not_ready.is_empty() {
            subset.insert("notReadyAddresses".into(), Value::Array(not_ready));
        }
        subset.extend(old);
        true
    });
    state.written = rv;
    true
}

/// `podToEndpointAddressForService` and what the pod offers it on.
fn give(service: &Service, pod: &Pod, publish_not_ready: bool) -> Option<Given> {
    if !should_be_in_endpoints(pod) {
        return None;
    }
    // `ShouldPodBeInEndpoints(pod, publishNotReadyAddresses)`: a terminating pod only
    // when not-ready addresses are published.
    if !publish_not_ready && pod.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let status = pod.status.as_ref()?;
    let is_v4 = |ip: &str| ip.parse::<std::net::Ipv4Addr>().is_ok();
    let ip = status
        .pod_ips
        .iter()
        .flatten()
        .map(|p| p.ip.clone())
        .find(|ip| is_v4(ip))?;
    let spec = pod.spec.as_ref();
    let hostname = crate::sim::controllers::endpointslice::endpoint_hostname(pod, service);
    let address = EndpointAddress {
        ip,
        hostname,
        node_name: Some(spec.and_then(|s| s.node_name.clone()).unwrap_or_default()),
        target_ref: Some(ObjectReference {
            kind: Some("Pod".into()),
            namespace: pod.metadata.namespace.clone(),
            name: pod.metadata.name.clone(),
            uid: pod.metadata.uid.clone(),
            ..Default::default()
        }),
    };
    let ready = publish_not_ready || podutil::is_ready(pod);
    let service_spec = service.spec.as_ref();
    let no_ports = service_spec
        .and_then(|s| s.ports.as_ref())
        .is_none_or(|p| p.is_empty());
    let ports = if no_ports {
        // Only a headless Service may have no ports.
        if service_spec.and_then(|s| s.cluster_ip.as_deref()) != Some("None") {
            return None;
        }
        None
    } else {
        Some(
            endpoint_ports(service, pod)
                .into_iter()
                .map(|p| EndpointPort {
                    name: p.name.filter(|n| !n.is_empty()),
                    port: p.port.unwrap_or_default(),
                    protocol: p.protocol,
                    app_protocol: p.app_protocol,
                })
                .collect(),
        )
    };
    Some(Given {
        address,
        ready,
        ports,
    })
}

/// `RepackSubsets`: per port, the addresses offering it (a not-ready one stays not ready);
/// ports offering the same addresses share a subset; addresses sorted by IP then UID.
fn repack(given: &BTreeMap<String, Given>) -> Vec<EndpointSubset> {
    repack_entries(given.values().flat_map(|g| {
        let ports: Vec<Option<&EndpointPort>> = match &g.ports {
            None => vec![None],
            Some(ports) => ports.iter().map(Some).collect(),
        };
        ports
            .into_iter()
            .map(move |port| (&g.address, g.ready, port))
    }))
}

/// `RepackSubsets` of subsets as written (the mirroring controller canonicalizes a user's
/// Endpoints with it): the same address offered on several ports, or in several subsets,
/// is regrouped; an address that is not ready on a port stays not ready there.
pub(crate) fn repack_subsets(subsets: &[EndpointSubset]) -> Vec<EndpointSubset> {
    repack_entries(subsets.iter().flat_map(|subset| {
        let ports: Vec<Option<&EndpointPort>> = match subset.ports.as_deref() {
            None | Some([]) => vec![None],
            Some(ports) => ports.iter().map(Some).collect(),
        };
        let addresses: Vec<(&EndpointAddress, bool)> = subset
            .addresses
            .iter()
            .flatten()
            .map(|a| (a, true))
            .chain(
                subset
                    .not_ready_addresses
                    .iter()
                    .flatten()
                    .map(|a| (a, false)),
            )
            .collect();
        ports.into_iter().flat_map(move |port| {
            addresses
                .clone()
                .into_iter()
                .map(move |(address, ready)| (address, ready, port))
        })
    }))
}

/// `RepackSubsets` from (address, ready, port) entries (`None`: the sentinel of a subset
/// without ports). An address is known by its IP and target UID; its first form is kept.
fn repack_entries<'g>(
    entries: impl Iterator<Item = (&'g EndpointAddress, bool, Option<&'g EndpointPort>)>,
) -> Vec<EndpointSubset> {
    type Addresses<'g> = BTreeMap<(String, String), (&'g EndpointAddress, bool)>;
    // Port (`None` for none) → addresses.
    let mut by_port: Vec<(Option<EndpointPort>, Addresses<'_>)> = Vec::new();
    for (address, ready, port) in entries {
        let at = match by_port.iter().position(|(p, _)| p.as_ref() == port) {
            Some(at) => at,
            None => {
                by_port.push((port.cloned(), BTreeMap::new()));
                by_port.len() - 1
            }
        };
        let entry = by_port[at]
            .1
            .entry(address_key(address))
            .or_insert((address, ready));
        // Not ready wins over ready.
        entry.1 &= ready;
    }
    // Ports with the same addresses (and readiness) share a subset.
    let mut subsets: Vec<(Vec<EndpointPort>, &Addresses<'_>)> = Vec::new();
    for (port, addresses) in &by_port {
        let same = |a: &Addresses<'_>| {
            a.len() == addresses.len()
                && a.iter()
                    .zip(addresses.iter())
                    .all(|((ka, (_, ra)), (kb, (_, rb)))| ka == kb && ra == rb)
        };
        match subsets.iter_mut().find(|(_, a)| same(a)) {
            Some((ports, _)) => ports.extend(port.clone()),
            None => subsets.push((port.iter().cloned().collect(), addresses)),
        }
    }
    let mut repacked: Vec<EndpointSubset> = subsets
        .into_iter()
        .map(|(ports, addresses)| {
            let pick = |ready: bool| -> Option<Vec<EndpointAddress>> {
                let list: Vec<EndpointAddress> = addresses
                    .values()
                    .filter(|(_, r)| *r == ready)
                    .map(|(a, _)| (*a).clone())
                    .collect();
                (!list.is_empty()).then_some(list)
            };
            EndpointSubset {
                addresses: pick(true),
                not_ready_addresses: pick(false),
                ports: (!ports.is_empty()).then_some(ports),
            }
        })
        .collect();
    // `SortSubsets`: ports, then subsets, by the MD5 of their dump.
    crate::sim::controllers::endpoints_util::sort_by_hash(&mut repacked);
    repacked
}

/// `truncateEndpoints`: over [`MAX_CAPACITY`] addresses, each subset keeps its share
/// (rounded up, within what is left) of the ready addresses, or, when the ready ones fit,
/// of the not-ready ones. Says whether it truncated.
fn truncate(subsets: &mut [EndpointSubset]) -> bool {
    let len = |l: &Option<Vec<EndpointAddress>>| l.as_ref().map_or(0, Vec::len);
    let total_ready: usize = subsets.iter().map(|s| len(&s.addresses)).sum();
    let total_not_ready: usize = subsets.iter().map(|s| len(&s.not_ready_addresses)).sum();
    if total_ready.saturating_add(total_not_ready) <= MAX_CAPACITY {
        return false;
    }
    let truncate_ready = total_ready > MAX_CAPACITY;
    let (max, total) = if truncate_ready {
        (MAX_CAPACITY, total_ready)
    } else {
        (MAX_CAPACITY - total_ready, total_not_ready)
    };
    let mut can_be_added = max;
    for subset in subsets.iter_mut() {
        let in_subset = if truncate_ready {
            len(&subset.addresses)
        } else {
            len(&subset.not_ready_addresses)
        };
        // `math.Ceil((float64(numInSubset) / float64(numTotal)) * float64(max))`, in Go's
        // floating point (counts are far below 2^53).
        let share = if total == 0 {
            0
        } else {
            ((in_subset as f64 / total as f64) * max as f64).ceil() as usize
        };
        let to_be_added = share.min(can_be_added);
        if truncate_ready {
            if let Some(list) = subset.addresses.as_mut() {
                list.truncate(to_be_added);
            }
            subset.not_ready_addresses = None;
            can_be_added -= len(&subset.addresses);
        } else {
            if let Some(list) = subset.not_ready_addresses.as_mut() {
                list.truncate(to_be_added);
            }
            can_be_added -= len(&subset.not_ready_addresses);
        }
        // An empty list is not written (`omitempty`): the JSON has no key, not `[]`.
        for list in [&mut subset.addresses, &mut subset.not_ready_addresses] {
            if list.as_ref().is_some_and(Vec::is_empty) {
                *list = None;
            }
        }
    }
    true
}

/// Creates or updates the Endpoints when its subsets, labels or capacity annotation differ.
fn write(
    world: &mut World,
    service: &Service,
    name: &str,
    namespace: &str,
    subsets: Vec<EndpointSubset>,
    trigger: Option<crate::sim::clock::Millis>,
) -> Option<String> {
    let kind = endpoints_kind();
    let service_labels = service.metadata.labels.clone().unwrap_or_default();
    let current: Option<Endpoints> = world
        .store
        .written_body(&kind, name)
        .and_then(|b| serde_json::from_value(b.clone()).ok());
    if let Some(current) = &current {
        let mut labels = current.metadata.labels.clone().unwrap_or_default();
        labels.remove(LABEL_HEADLESS);
        labels.remove(LABEL_MANAGED_BY);
        let current_subsets = current.subsets.clone().unwrap_or_default();
        let over = current
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key(OVER_CAPACITY));
        let current_count: usize = current_subsets
            .iter()
            .map(|s| {
                s.addresses.as_ref().map_or(0, Vec::len)
                    + s.not_ready_addresses.as_ref().map_or(0, Vec::len)
            })
            .sum();
        let capacity_ok = current_count <= MAX_CAPACITY && !over;
        if current_subsets == subsets && labels == service_labels && capacity_ok {
            return None;
        }
    }
    let mut subsets = subsets;
    let truncated = truncate(&mut subsets);
    let mut annotations = current
        .as_ref()
        .and_then(|c| c.metadata.annotations.clone())
        .unwrap_or_default();
    set_sync_annotations(&mut annotations, trigger, truncated);
    let labels = endpoints_labels(service);
    let subsets_json = serde_json::to_value(&subsets).unwrap_or(Value::Null);
    let labels_json = (!labels.is_empty()).then(|| json!(labels));
    let annotations_json = (!annotations.is_empty()).then(|| json!(annotations));
    match current {
        None => {
            let c = &mut world.endpoints;
            c.created += 1;
            let uid = format!("00000000-0000-4000-9000-{:012x}", c.created);
            let mut metadata = json!({
                "name": name,
                "namespace": namespace,
                "uid": uid,
                "creationTimestamp": crate::sim::clock::to_time(world.now),
            });
            if let Some(l) = labels_json {
                metadata["labels"] = l;
            }
            if let Some(a) = annotations_json {
                metadata["annotations"] = a;
            }
            let mut body = json!({"apiVersion": "v1", "kind": KIND, "metadata": metadata});
            if !subsets.is_empty() {
                body["subsets"] = subsets_json;
            }
            server::add_other(world, body, server::Author::Other)
        }
        Some(_) => server::write_other(world, &kind, name, server::Author::Other, |object| {
            let meta = &mut object.metadata;
            meta.labels = (!labels.is_empty()).then_some(labels);
            meta.annotations = (!annotations.is_empty()).then_some(annotations);
            match object.body.as_object_mut() {
                Some(body) if !subsets.is_empty() => {
                    body.insert("subsets".into(), subsets_json);
                }
                Some(body) => {
                    body.remove("subsets");
                }
                None => {}
            }
            true
        }),
    }
}

/// The two annotations `syncService` keeps on the Endpoints it writes: the last change's
/// trigger time (removed when there is none) and `endpoints.kubernetes.io/over-capacity:
/// truncated` when the addresses were cut to the capacity.
fn set_sync_annotations(
    annotations: &mut BTreeMap<String, String>,
    trigger: Option<crate::sim::clock::Millis>,
    truncated: bool,
) {
    match trigger {
        Some(t) => {
            annotations.insert(LAST_CHANGE_TRIGGER_TIME.to_string(), time_text(t));
        }
        None => {
            annotations.remove(LAST_CHANGE_TRIGGER_TIME);
        }
    }
    if truncated {
        annotations.insert(OVER_CAPACITY.to_string(), "truncated".to_string());
    } else {
        annotations.remove(OVER_CAPACITY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subset(ready: usize, not_ready: usize) -> EndpointSubset {
        let list = |n: usize, tag: &str| {
            (n > 0).then(|| {
                (0..n)
                    .map(|i| EndpointAddress {
                        ip: format!("{tag}{i}"),
                        ..Default::default()
                    })
                    .collect()
            })
        };
        EndpointSubset {
            addresses: list(ready, "r"),
            not_ready_addresses: list(not_ready, "n"),
            ports: None,
        }
    }

    fn sizes(subsets: &[EndpointSubset]) -> Vec<(usize, usize)> {
        subsets
            .iter()
            .map(|s| {
                (
                    s.addresses.as_ref().map_or(0, Vec::len),
                    s.not_ready_addresses.as_ref().map_or(0, Vec::len),
                )
            })
            .collect()
    }

    /// B-DNS-21 `truncateEndpoints`: at most 1000 addresses; each subset keeps its share,
    /// rounded up, of the ready ones (the not-ready ones all go), or, when the ready ones
    /// fit, of the not-ready ones.
    #[test]
    fn over_1000_addresses_are_truncated_by_share() {
        let mut fits = vec![subset(600, 0), subset(400, 0)];
        assert!(!truncate(&mut fits));
        assert_eq!(sizes(&fits), vec![(600, 0), (400, 0)]);
        let mut ready = vec![subset(700, 5), subset(600, 5)];
        assert!(truncate(&mut ready));
        assert_eq!(sizes(&ready), vec![(539, 0), (461, 0)]);
        let mut not_ready = vec![subset(500, 300), subset(100, 300)];
        assert!(truncate(&mut not_ready));
        assert_eq!(sizes(&not_ready), vec![(500, 200), (100, 200)]);
    }

    /// An address list kept as the first `limit` addresses of a changing set, one change
    /// at a time (`keep_prefix`), is always what cutting the whole sorted set gives.
    #[test]
    fn a_kept_prefix_is_the_prefix_of_the_whole_set() {
        let address = |i: u64| EndpointAddress {
            ip: format!("10.244.{}.{}", i % 7, i),
            target_ref: Some(ObjectReference {
                uid: Some(format!("u{i}")),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut given: BTreeMap<String, Given> = BTreeMap::new();
        let mut all: BTreeMap<(String, String), String> = BTreeMap::new();
        let mut list: Vec<Value> = Vec::new();
        let mut seed = 7u64;
        for step in 0..400u64 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (seed >> 33) % 60;
            let pod = format!("p{i}");
            let a = address(i);
            let key = address_key(&a);
            if given.remove(&pod).is_some() {
                all.remove(&key);
            } else {
                all.insert(key.clone(), pod.clone());
                given.insert(
                    pod,
                    Given {
                        address: a,
                        ready: true,
                        ports: None,
                    },
                );
            }
            let limit = 10 + (step % 25) as usize;
            keep_prefix(&mut list, &all, &given, &[key], limit);
            let want: Vec<Value> = all
                .values()
                .take(limit)
                .map(|pod| serde_json::to_value(&given[pod].address).unwrap_or(Value::Null))
                .collect();
            assert_eq!(list, want, "step {step}");
        }
    }
}
