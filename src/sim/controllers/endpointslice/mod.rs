//! The EndpointSlice controller (kube-controller-manager's `endpointslice` controller,
//! upstream `pkg/controller/endpointslice/endpointslice_controller.go`): for every Service
//! with a selector, IPv4 EndpointSlices of at most 100 endpoints listing the selected pods
//! (BEHAVIORS B-DNS-1, B-DNS-2). CoreDNS answers from these slices (`sim::dns`).
//!
//! As upstream, the informers put Service keys on a work queue (coalesced): a Service
//! event queues that Service; a pod event queues the Services whose selector matches the
//! pod now (an index by selector label) or whose slices list it (an index by pod); a write
//! to a managed slice that the controller did not make (the tracker of its own writes
//! says so) queues the slice's Service. `work` drains the queue (registered in `components.rs`); each sync
//! reconciles only the pods that changed since the last one (`reconciler::plan`), or,
//! after a change of the Service or of its slices by someone else, all of them.
//!
//! Deterministic where upstream is random: slice names (`utils::slice_name`) and the
//! order in which new endpoints are placed (`reconciler`). A Service without a selector,
//! or of type ExternalName, gets no slice, and its old slices are left alone, as upstream
//! does. Slices of a deleted Service go with the garbage collector (owner reference).

mod reconciler;
pub mod trafficdist;
mod utils;

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use crate::sim::clock::{from_time, to_time, Millis, ZERO};
use crate::sim::controllers::informer::FastMap;
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil::{self, natural_cmp};
use crate::sim::server;
use crate::sim::workqueue::WorkQueue;
use crate::sim::world::{WatchEvent, World};

use reconciler::{Desired, Scope, SliceInfo, SliceSet};
pub use utils::LABEL_SERVICE_NAME;
pub(crate) use utils::{
    endpoint_hostname, endpoint_ports, should_be_in_endpoints, slice_name, sort_ports,
    CONTROLLER_NAME, LABEL_MANAGED_BY,
};

/// The controller's queue, informer indexes and per-Service state.
#[derive(Debug, Default)]
pub struct EndpointSliceController {
    pub queue: WorkQueue,
    services: BTreeMap<String, ServiceState>,
    selectors: SelectorIndex,
    /// pod → the Services whose slices list it.
    listed_in: FastMap<String, BTreeSet<String>>,
    /// Every slice by its service-name label (the lister CoreDNS and the controller use),
    /// and back.
    by_service: FastMap<String, BTreeSet<String>>,
    service_of: FastMap<String, String>,
    /// `EndpointSliceTracker`: the resourceVersion of each slice as this controller last
    /// wrote it (`None`: it deleted it), to tell its own writes from others'.
    written: FastMap<String, Option<String>>,
}

#[derive(Debug)]
struct ServiceState {
    uid: String,
    /// Look at every pod and slice again (the Service or its slices changed).
    full: bool,
    /// The pods that changed since the last sync.
    dirty: BTreeSet<String>,
    /// pod → the slice that holds its endpoint.
    located: BTreeMap<String, String>,
    /// The Service's managed slices.
    slices: SliceSet,
    /// Slices created so far (the next name's seed).
    created: u64,
    /// What the trigger time tracker saw at the last sync.
    trigger: TriggerTimes,
}

/// `TriggerTimeTracker` (`pkg/controller/util/endpoint/trigger_time_tracker.go`) for one
/// Service: the times it saw at the last sync, so that a sync can tell which changed. The
/// pods are the ones the Service selects; times are to the second, as objects read back
/// from the API server carry them.
#[derive(Debug, Default)]
pub(crate) struct TriggerTimes {
    known: bool,
    service: Millis,
    /// pod → its Ready condition's last transition.
    pods: BTreeMap<String, Millis>,
}

impl TriggerTimes {
    /// `ComputeEndpointLastChangeTriggerTime`: for a Service seen for the first time, its
    /// creation; later, the earliest trigger time that changed since the last sync (a
    /// pod's Ready transition, the Service's creation), or none. `pods` are the selected
    /// pods in the sync's scope: all of them (`full`), or those of `dirty` that still exist.
    pub(crate) fn last_change(
        &mut self,
        service: &Service,
        pods: &[&Pod],
        full: bool,
        dirty: &BTreeSet<String>,
    ) -> Option<Millis> {
        let to_second = |t: Millis| Millis::ms(t.as_ms() / 1000 * 1000);
        let mut earliest: Option<Millis> = None;
        let mut changed = |t: Millis| earliest = Some(earliest.map_or(t, |e| e.min(t)));
        let mut before = if full {
            std::mem::take(&mut self.pods)
        } else {
            dirty
                .iter()
                .filter_map(|pod| self.pods.remove_entry(pod))
                .collect()
        };
        for pod in pods {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let Some((_, since)) = podutil::ready_condition(pod) else {
                continue;
            };
            let since = to_second(since);
            if before.remove(&name).is_none_or(|seen| since > seen) {
                changed(since);
            }
            self.pods.insert(name, since);
        }
        let created = to_second(
            service
                .metadata
                .creation_timestamp
                .as_ref()
                .map_or(ZERO, from_time),
        );
        if !self.known || created > self.service {
            changed(created);
        }
        self.service = created;
        if !self.known {
            self.known = true;
            return Some(created);
        }
        earliest
    }
}

/// What every slice a sync writes carries: the Service's labels, its owner reference, and
/// the sync's trigger time.
struct SliceHeader {
    labels: BTreeMap<String, String>,
    owner: OwnerReference,
    trigger: Option<Millis>,
}

/// `endpoints.kubernetes.io/last-change-trigger-time` (`v1.EndpointsLastChangeTriggerTime`).
pub(crate) const LAST_CHANGE_TRIGGER_TIME: &str =
    "endpoints.kubernetes.io/last-change-trigger-time";

/// An instant as the API writes a `metav1.Time` (RFC 3339, UTC, whole seconds).
pub(crate) fn time_text(t: Millis) -> String {
    serde_json::to_value(to_time(t))
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `addTriggerTimeAnnotation`: every slice the reconciler creates or updates carries the
/// sync's trigger time (RFC 3339, UTC), or loses the annotation when there is none.
fn set_trigger_time(meta: &mut ObjectMeta, trigger: Option<Millis>) -> bool {
    let before = meta.annotations.clone();
    let annotations = meta.annotations.get_or_insert_with(BTreeMap::new);
    match trigger {
        Some(t) => {
            annotations.insert(LAST_CHANGE_TRIGGER_TIME.to_string(), time_text(t));
        }
        None => {
            annotations.remove(LAST_CHANGE_TRIGGER_TIME);
        }
    }
    if annotations.is_empty() {
        meta.annotations = None;
    }
    meta.annotations != before
}

impl ServiceState {
    fn new() -> ServiceState {
        ServiceState {
            uid: String::new(),
            full: true,
            dirty: BTreeSet::new(),
            located: BTreeMap::new(),
            slices: SliceSet::default(),
            created: 0,
            trigger: TriggerTimes::default(),
        }
    }
}

/// The Services with a selector, indexed by one of their selector's labels, so that a pod
/// finds the Services that select it without looking at every Service.
#[derive(Debug, Default)]
struct SelectorIndex {
    /// key → value → Services whose selector's first label is key=value.
    by_label: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    selector_of: BTreeMap<String, BTreeMap<String, String>>,
}

impl SelectorIndex {
    fn set(&mut self, service: &str, selector: Option<BTreeMap<String, String>>) {
        if let Some(old) = self.selector_of.remove(service) {
            if let Some((k, v)) = old.iter().next() {
                if let Some(values) = self.by_label.get_mut(k) {
                    if let Some(set) = values.get_mut(v) {
                        set.remove(service);
                        if set.is_empty() {
                            values.remove(v);
                        }
                    }
                    if values.is_empty() {
                        self.by_label.remove(k);
                    }
                }
            }
        }
        // A selector is never empty here (`managed_selector_ref`).
        let Some(selector) = selector else {
            return;
        };
        if let Some((k, v)) = selector.iter().next() {
            self.by_label
                .entry(k.clone())
                .or_default()
                .entry(v.clone())
                .or_default()
                .insert(service.to_string());
        }
        self.selector_of.insert(service.to_string(), selector);
    }

    /// `GetPodServiceMemberships`: the Services whose selector matches these labels
    /// (added to `out`, which the caller sorts).
    fn matching<'s>(&'s self, labels: Option<&BTreeMap<String, String>>, out: &mut Vec<&'s str>) {
        let Some(labels) = labels else {
            return;
        };
        for (k, v) in labels {
            let Some(candidates) = self.by_label.get(k).and_then(|values| values.get(v)) else {
                continue;
            };
            for service in candidates {
                let all = self
                    .selector_of
                    .get(service)
                    .is_some_and(|sel| sel.iter().all(|(sk, sv)| labels.get(sk) == Some(sv)));
                if all {
                    out.push(service);
                }
            }
        }
    }
}

/// The selector the controller works from: `None` for a Service it leaves alone (no
/// selector, or type ExternalName). The API server stores `selector: {}` as no selector
/// (`syncService` returns at once for it); an empty map is read the same way.
fn managed_selector(service: &Service) -> Option<BTreeMap<String, String>> {
    managed_selector_ref(service).cloned()
}

fn managed_selector_ref(service: &Service) -> Option<&BTreeMap<String, String>> {
    let spec = service.spec.as_ref()?;
    if spec.type_.as_deref() == Some("ExternalName") {
        return None;
    }
    spec.selector.as_ref().filter(|s| !s.is_empty())
}

/// The slices labelled with this Service's name (every slice, managed or not), in name
/// order: what CoreDNS reads for a Service.
pub fn slices_of<'a>(world: &'a World, service: &str) -> impl Iterator<Item = &'a EndpointSlice> {
    world
        .endpointslice
        .by_service
        .get(service)
        .into_iter()
        .flatten()
        .filter_map(|name| world.store.endpoint_slices().get(name))
}

/// Informer handlers: Services, pods and slices.
pub fn on_event(world: &mut World, event: &WatchEvent) {
    match event.kind {
        ObjectKind::Service => {
            let selector = world
                .store
                .services()
                .get(&event.name)
                .and_then(managed_selector);
            let c = &mut world.endpointslice;
            c.selectors.set(&event.name, selector);
            if let Some(state) = c.services.get_mut(&event.name) {
                state.full = true;
            }
            c.queue.add(&event.name);
        }
        ObjectKind::Pod => {
            let c = &mut world.endpointslice;
            // Mostly one Service or none: a sorted list without duplicates, in name
            // order as a set would give them, without a set's allocations.
            let mut services: Vec<&str> = Vec::new();
            c.selectors.matching(
                world
                    .store
                    .pods()
                    .get(&event.name)
                    .and_then(|p| p.metadata.labels.as_ref()),
                &mut services,
            );
            if let Some(listed) = c.listed_in.get(&event.name) {
                services.extend(listed.iter().map(String::as_str));
            }
            services.sort_unstable();
            services.dedup();
            for service in services {
                if let Some(state) = c.services.get_mut(service) {
                    if !state.dirty.contains(&event.name) {
                        state.dirty.insert(event.name.clone());
                    }
                }
                c.queue.add(service);
            }
        }
        ObjectKind::EndpointSlice => on_slice_event(world, &event.name),
        _ => {}
    }
}

/// A slice changed: re-index it; if someone else wrote a managed slice, its Service is
/// synced again in full (`onEndpointSlice{Add,Update,Delete}`).
fn on_slice_event(world: &mut World, name: &str) {
    let current = world.store.endpoint_slices().get(name);
    let rv = current.and_then(|s| s.metadata.resource_version.as_deref());
    let managed = current.is_some_and(utils::managed_by_controller);
    let label = current.and_then(utils::service_name_label);
    let c = &mut world.endpointslice;
    let own = match c.written.get(name) {
        Some(Some(written)) => rv == Some(written.as_str()),
        Some(None) => current.is_none(),
        None => false,
    };
    if current.is_none() {
        c.written.remove(name);
    }
    if own {
        index_slice(c, name, label);
        return;
    }
    let before = c.service_of.get(name).cloned();
    index_slice(c, name, label);
    let mut resync: BTreeSet<String> = BTreeSet::new();
    if managed {
        resync.extend(label.map(str::to_string));
    }
    // A slice that belonged to a Service's managed set and changed or left it.
    if let Some(before) = before {
        if c.services
            .get(&before)
            .is_some_and(|s| s.slices.contains_key(name))
        {
            resync.insert(before);
        }
    }
    for service in resync {
        if let Some(state) = c.services.get_mut(&service) {
            state.full = true;
        }
        c.queue.add(&service);
    }
}

fn index_slice(c: &mut EndpointSliceController, name: &str, label: Option<&str>) {
    // Indexed as it is already (the controller's own writes keep the label).
    // The label's value as written: CoreDNS's and the controller's indexes match it exactly
    // (`epNameNamespaceIndexFunc`, a label selector), so a `My-Service` label names no
    // Service (Service names are lower case).
    let same = match (c.service_of.get(name), label) {
        (Some(old), Some(label)) => old == label,
        (None, None) => true,
        _ => false,
    };
    if same {
        return;
    }
    if let Some(old) = c.service_of.remove(name) {
        if let Some(set) = c.by_service.get_mut(&old) {
            set.remove(name);
            if set.is_empty() {
                c.by_service.remove(&old);
            }
        }
    }
    if let Some(label) = label {
        let label = label.to_string();
        c.by_service
            .entry(label.clone())
            .or_default()
            .insert(name.to_string());
        c.service_of.insert(name.to_string(), label);
    }
}

/// The controller's worker: one Service from the queue.
pub fn work(world: &mut World) -> Result<bool, crate::sim::error::SimError> {
    match world.endpointslice.queue.pop() {
        Some(name) => {
            sync(world, &name);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// `syncService`: the queue's worker for one Service key.
pub fn sync(world: &mut World, service_name: &str) {
    let Some(service) = world.store.services().get_shared(service_name) else {
        forget(world, service_name);
        return;
    };
    // Read in place from the shared Service (no copy of the selector per sync).
    let Some(selector) = managed_selector_ref(&service) else {
        // Its slices are left as they are; the trigger time tracker still knows the Service
        // (it forgets one only when it is deleted), so a selector added back counts the
        // changes since then, not the Service's creation.
        let kept = forget(world, service_name);
        if let Some(kept) = kept {
            let state = ServiceState {
                trigger: kept.trigger,
                created: kept.created,
                ..ServiceState::new()
            };
            world
                .endpointslice
                .services
                .insert(service_name.to_string(), state);
        }
        return;
    };
    let mut state = world
        .endpointslice
        .services
        .remove(service_name)
        .unwrap_or_else(ServiceState::new);
    let uid = service.metadata.uid.as_deref().unwrap_or_default();
    let full = std::mem::take(&mut state.full) || state.uid != uid;
    let dirty = std::mem::take(&mut state.dirty);
    if full {
        state.uid = uid.to_string();
        state.slices = managed_slices(world, service_name, uid);
    }
    let publish_not_ready = service
        .spec
        .as_ref()
        .and_then(|s| s.publish_not_ready_addresses)
        .unwrap_or(false)
        || world.mutant(crate::sim::Mutant::DnsUnready);

    // The pods in scope and the endpoints they want.
    let mut pods = pods_in_scope(world, selector, full, &dirty);
    pods.sort_by(|a, b| {
        natural_cmp(
            a.metadata.name.as_deref().unwrap_or_default(),
            b.metadata.name.as_deref().unwrap_or_default(),
        )
    });
    let trigger = state.trigger.last_change(&service, &pods, full, &dirty);
    let hints = trafficdist::heuristic(&service);
    let mut desired: Vec<Desired> = Vec::with_capacity(pods.len());
    for pod in pods {
        if !utils::should_be_in_endpoints(pod) {
            continue;
        }
        let node_name = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
        let node = node_name.and_then(|n| world.store.nodes().get(n));
        // A pod on a node that no longer exists is left out unless not-ready addresses
        // are published (the pod GC removes it soon).
        if node_name.is_some_and(|n| !n.is_empty()) && node.is_none() && !publish_not_ready {
            continue;
        }
        let mut endpoint = utils::pod_to_endpoint(pod, node, &service, publish_not_ready);
        if endpoint.addresses.is_empty() {
            continue;
        }
        trafficdist::set_hints(&mut endpoint, hints);
        let ports = utils::endpoint_ports(&service, pod);
        // Pods of one Service mostly share their ports: their key is made once.
        let key = match desired.last() {
            Some(last) if last.ports == ports => last.key.clone(),
            _ => utils::port_key(Some(&ports)),
        };
        desired.push(Desired {
            key,
            ports,
            endpoint,
        });
    }
    // The slices' labels and owner reference are made only when a slice is written (most
    // syncs change no slice); the placeholder test, rare, makes the labels itself.
    let plan = {
        let store = &world.store;
        let scope = if full {
            Scope::Full
        } else {
            Scope::Pods(&dirty)
        };
        reconciler::plan(
            &state.slices,
            |name| store.endpoint_slices().get(name),
            &state.located,
            scope,
            &desired,
            |slice| utils::labels_changed(slice, &service),
            |slice| {
                slice.endpoints.as_deref().unwrap_or_default().is_empty()
                    && slice.ports.as_deref().unwrap_or_default().is_empty()
                    && slice.address_type == "IPv4"
                    && slice.metadata.labels.as_ref()
                        == Some(&utils::slice_labels(&service, service_name))
            },
        )
    };
    if !(plan.creates.is_empty() && plan.updates.is_empty() && plan.deletes.is_empty()) {
        write_plan(
            world,
            &mut state,
            service_name,
            &service,
            uid,
            plan,
            trigger,
        );
    }
    if full {
        relocate(world, &mut state, service_name);
    }
    world
        .endpointslice
        .services
        .insert(service_name.to_string(), state);
}

/// Carries out a plan with something to write: its slices carry the Service's labels and
/// owner reference.
fn write_plan(
    world: &mut World,
    state: &mut ServiceState,
    service_name: &str,
    service: &Service,
    uid: &str,
    plan: reconciler::Plan,
    trigger: Option<Millis>,
) {
    let owner = OwnerReference {
        api_version: "v1".into(),
        kind: "Service".into(),
        name: service_name.to_string(),
        uid: uid.to_string(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    };
    let header = SliceHeader {
        labels: utils::slice_labels(service, service_name),
        owner,
        trigger,
    };
    // Upstream creates no slice for a Service being deleted (the garbage collector is
    // removing them); updates and deletions still happen.
    let deleting = service.metadata.deletion_timestamp.is_some();
    if !deleting {
        for (ports, endpoints) in plan.creates {
            create_slice(world, state, service_name, &header, ports, endpoints);
        }
    }
    for (name, write) in plan.updates {
        update_slice(world, state, service_name, &name, &header, write);
    }
    for name in plan.deletes {
        delete_slice(world, state, service_name, &name);
    }
}

/// Whether a Service's selector (a plain map: `SelectorFromValidatedSet`) selects the pod.
pub(crate) fn selects(selector: &BTreeMap<String, String>, pod: &Pod) -> bool {
    let labels = pod.metadata.labels.as_ref();
    selector
        .iter()
        .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}

/// The pods a sync looks at: every pod the selector selects (a full sync), or those of the
/// pods that changed since the last one that it still selects.
pub(crate) fn pods_in_scope<'a>(
    world: &'a World,
    selector: &BTreeMap<String, String>,
    full: bool,
    dirty: &BTreeSet<String>,
) -> Vec<&'a Pod> {
    if full {
        world
            .store
            .pods()
            .values()
            .filter(|p| selects(selector, p))
            .collect()
    } else {
        dirty
            .iter()
            .filter_map(|name| world.store.pods().get(name))
            .filter(|p| selects(selector, p))
            .collect()
    }
}

/// The Service's managed slices as the lister shows them (service-name and managed-by
/// labels, not being deleted), with what the plan needs to know of each.
fn managed_slices(world: &World, service: &str, uid: &str) -> SliceSet {
    slices_of(world, service)
        .filter(|s| utils::service_name_label(s) == Some(service))
        .filter(|s| utils::managed_by_controller(s))
        .filter(|s| s.metadata.deletion_timestamp.is_none())
        .map(|s| (s.metadata.name.clone().unwrap_or_default(), info(s, uid)))
        .collect()
}

fn info(slice: &EndpointSlice, uid: &str) -> SliceInfo {
    SliceInfo {
        key: utils::port_key(slice.ports.as_deref()),
        len: slice.endpoints.as_ref().map_or(0, Vec::len),
        owned: utils::owned_by(slice, uid),
    }
}

/// After a full sync: where every endpoint of the Service's slices is, read again.
fn relocate(world: &mut World, state: &mut ServiceState, service: &str) {
    let c = &mut world.endpointslice;
    for pod in std::mem::take(&mut state.located).into_keys() {
        unlist(&mut c.listed_in, &pod, service);
    }
    for name in state.slices.keys() {
        let Some(slice) = world.store.endpoint_slices().get(name) else {
            continue;
        };
        for e in slice.endpoints.iter().flatten() {
            if let Some(pod) = utils::target_pod(e) {
                state.located.insert(pod.to_string(), name.clone());
                c.listed_in
                    .entry(pod.to_string())
                    .or_default()
                    .insert(service.to_string());
            }
        }
    }
}

fn unlist(listed_in: &mut FastMap<String, BTreeSet<String>>, pod: &str, service: &str) {
    if let Some(set) = listed_in.get_mut(pod) {
        set.remove(service);
        if set.is_empty() {
            listed_in.remove(pod);
        }
    }
}

/// The Service is gone or no longer has slices managed for it: forget its state.
fn forget(world: &mut World, service: &str) -> Option<ServiceState> {
    let c = &mut world.endpointslice;
    let state = c.services.remove(service)?;
    for pod in state.located.keys() {
        unlist(&mut c.listed_in, pod, service);
    }
    Some(state)
}

fn locate(world: &mut World, state: &mut ServiceState, service: &str, pod: &str, slice: &str) {
    state.located.insert(pod.to_string(), slice.to_string());
    world
        .endpointslice
        .listed_in
        .entry(pod.to_string())
        .or_default()
        .insert(service.to_string());
}

/// The pod's endpoint left `slice` (it may already be in another one).
fn unlocate(world: &mut World, state: &mut ServiceState, service: &str, pod: &str, slice: &str) {
    if state.located.get(pod).is_some_and(|s| s == slice) {
        state.located.remove(pod);
        unlist(&mut world.endpointslice.listed_in, pod, service);
    }
}

fn create_slice(
    world: &mut World,
    state: &mut ServiceState,
    service: &str,
    header: &SliceHeader,
    ports: Vec<EndpointPort>,
    endpoints: Vec<Endpoint>,
) {
    let owner = &header.owner;
    let store = &world.store;
    let name = utils::slice_name(
        |n| store.endpoint_slices().contains_key(n),
        service,
        &owner.uid,
        state.created,
    );
    state.created += 1;
    let mut slice = EndpointSlice {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            // The stored `generateName` is the whole `<service>-`; only the generated name
            // cuts it (`SimpleNameGenerator`).
            generate_name: Some(format!("{service}-")),
            namespace: Some(world.config.namespace.clone()),
            uid: Some(world.store.new_uid()),
            generation: Some(1),
            creation_timestamp: Some(to_time(world.now)),
            labels: Some(header.labels.clone()),
            owner_references: Some(vec![owner.clone()]),
            ..Default::default()
        },
        address_type: "IPv4".into(),
        endpoints: Some(endpoints),
        ports: Some(ports),
    };
    set_trigger_time(&mut slice.metadata, header.trigger);
    for pod in slice
        .endpoints
        .iter()
        .flatten()
        .filter_map(utils::target_pod)
    {
        locate(world, state, service, pod, &name);
    }
    state.slices.insert(name.clone(), info(&slice, &owner.uid));
    let rv = server::add(world, slice, server::Author::Other);
    let c = &mut world.endpointslice;
    index_slice(c, &name, Some(service));
    c.written.insert(name.clone(), Some(rv));
}

fn update_slice(
    world: &mut World,
    state: &mut ServiceState,
    service: &str,
    name: &str,
    header: &SliceHeader,
    write: reconciler::Write,
) {
    let (owner, labels) = (&header.owner, &header.labels);
    let mut left: Vec<String> = Vec::new();
    let mut came: Vec<String> = Vec::new();
    // Only a whole new shape changes the slice's ports (and with them its key).
    let same_ports = write.whole.is_none();
    let written = server::write::<EndpointSlice>(world, name, server::Author::Other, |slice| {
        let mut changed = false;
        if slice.metadata.labels.as_ref() != Some(labels) {
            slice.metadata.labels = Some(labels.clone());
            changed = true;
        }
        let list = slice.endpoints.get_or_insert_with(Vec::new);
        match write.whole {
            // A creation turned into an update: the slice takes the new one's whole shape.
            Some((ports, endpoints)) => {
                left.extend(
                    list.iter()
                        .filter_map(utils::target_pod)
                        .map(str::to_string),
                );
                came.extend(
                    endpoints
                        .iter()
                        .filter_map(utils::target_pod)
                        .map(str::to_string),
                );
                changed |= *list != endpoints || slice.ports.as_deref() != Some(&ports[..]);
                *list = endpoints;
                slice.ports = Some(ports);
                slice.metadata.owner_references = Some(vec![owner.clone()]);
            }
            None => {
                for (at, endpoint) in write.replace {
                    if let Some(e) = list.get_mut(at) {
                        *e = endpoint;
                        changed = true;
                    }
                }
                if !write.remove.is_empty() {
                    let mut gone = write.remove.iter().copied().peekable();
                    let mut at = 0;
                    list.retain(|e| {
                        let drop = gone.peek() == Some(&at);
                        if drop {
                            gone.next();
                            left.extend(utils::target_pod(e).map(str::to_string));
                        }
                        at += 1;
                        !drop
                    });
                    changed = true;
                }
                came.extend(
                    write
                        .append
                        .iter()
                        .filter_map(utils::target_pod)
                        .map(str::to_string),
                );
                changed |= !write.append.is_empty();
                list.extend(write.append);
            }
        }
        // The registry's new generation is for a change of the slice's content or
        // labels, not of its annotations.
        if changed {
            slice.metadata.generation = Some(slice.metadata.generation.unwrap_or(1) + 1);
        }
        set_trigger_time(&mut slice.metadata, header.trigger) || changed
    });
    let Some(rv) = written else {
        return;
    };
    let Some(slice) = world.store.endpoint_slices().get(name) else {
        return;
    };
    let info = match state.slices.get(name) {
        Some(before) if same_ports => SliceInfo {
            key: before.key.clone(),
            len: slice.endpoints.as_ref().map_or(0, Vec::len),
            owned: utils::owned_by(slice, &owner.uid),
        },
        _ => info(slice, &owner.uid),
    };
    for pod in &left {
        unlocate(world, state, service, pod, name);
    }
    for pod in &came {
        locate(world, state, service, pod, name);
    }
    state.slices.insert(name.to_string(), info);
    world
        .endpointslice
        .written
        .insert(name.to_string(), Some(rv));
}

fn delete_slice(world: &mut World, state: &mut ServiceState, service: &str, name: &str) {
    let Some(old) = server::remove_object::<EndpointSlice>(world, name, server::Author::Other)
    else {
        return;
    };
    for pod in old.endpoints.iter().flatten().filter_map(utils::target_pod) {
        unlocate(world, state, service, pod, name);
    }
    state.slices.remove(name);
    let c = &mut world.endpointslice;
    index_slice(c, name, None);
    c.written.insert(name.to_string(), None);
}

#[cfg(test)]
mod tests;
