//! The scheduler: kube-scheduler's default profile (BEHAVIORS §1.21), one pod at a time in
//! the instant it is created (docs/language.md "Scheduling").
//!
//! `framework.rs` holds the shared types and the FailedScheduling text, `cache.rs` what is
//! bound where (with the indexes that keep a cycle linear in nodes), `plugins/` one file
//! per plugin. A cycle runs PreFilter (NodeAffinity's node names, VolumeBinding), the
//! filters in the profile's order on the nodes PreFilter left (the first that rejects a node
//! gives its reasons), then the weighted scores of the feasible nodes. Equal totals go to the node with the fewest pods of the same owner, then
//! the fewest pods, then the first in natural name order (upstream picks at random).
//!
//! A pod that fits nowhere runs the PostFilter (`plugins/default_preemption.rs`: it may
//! preempt lower-priority pods and be nominated to their node, which it then tries first),
//! and stays Pending with `PodScheduled=False` (`Unschedulable`) and a
//! `FailedScheduling` event; it is retried, higher priority first, then oldest first, and
//! before any new pod, in the
//! instant a node changes or joins (only the pods the node's events may help, as the
//! plugins' queueing hints say: `events.rs`), a bound pod goes away, or one of its claims
//! changes. A retry that fails for the same reasons records no new event.

pub mod cache;
pub mod events;
pub mod framework;
pub mod plugins;

use crate::sim::error::SimError;
use crate::sim::events::Recorder;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Node, Pod, PodCondition, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use self::cache::Cache;
use self::framework::{fit_error, NodeEntry, PodInfo, Resources, SpreadConstraint, Status};
use self::plugins::*;
use super::clock::{to_time, Millis};
use super::kinds::ObjectKind;
use super::podutil::{self, natural_cmp};
use super::server;
use super::world::{Change, World};

/// `ErrNoNodesAvailable`.
pub const NO_NODES_AVAILABLE: &str = "no nodes available to schedule pods";

#[derive(Debug, Default)]
pub struct Scheduler {
    pub cache: Cache,
    /// Pods that fit nowhere, waiting for a change that could let them fit.
    pub unschedulable: BTreeSet<String>,
    /// The last FailedScheduling message of each waiting pod.
    last_message: BTreeMap<String, String>,
    /// When each waiting pod last failed (`QueuedPodInfo.Timestamp`), for the leftover
    /// flush; and the flushes set to come.
    failed_at: BTreeMap<String, Millis>,
    leftover_flushes: BTreeSet<Millis>,
    /// Waiting pods the leftover flush moved: their next failure is recorded even with the
    /// same message (every attempt records `FailedScheduling`; a retry on a change that
    /// could not help is not made upstream, whose queueing hints skip it).
    flushed: BTreeSet<String>,
    /// A change asked for the waiting pods to be tried again.
    retry: bool,
    /// Waiting pods a change concerns alone (a claim of theirs was created or bound, a
    /// volume appeared for their unbound claims): tried again without the others, as
    /// upstream's queueing hints move only the pods an event can help.
    retry_only: BTreeSet<String>,
    /// The nodes as the last cycle read them, in the store's order.
    rows: Vec<NodeRow>,
    /// Each row's place in natural name order, recomputed when a row is read again.
    order: Vec<usize>,
    /// The store's node write count when the rows were last brought up to date: while it
    /// is the same, no node was added, removed or written, and the rows stand as they are.
    rows_at: Option<u64>,
    /// The waiting pods of each claim they name, and each waiting pod's claims: a claim
    /// that appears or is bound wakes only the pods that use it (VolumeBinding's events).
    claim_waiters: BTreeMap<String, BTreeSet<String>>,
    waiting_claims: BTreeMap<String, Vec<String>>,
    /// The claims of `claim_waiters` that are not bound: a new volume or StorageClass can
    /// only help the pods that wait for one of these.
    unbound_waited: BTreeSet<String>,
    /// The plugins that rejected each waiting pod in its last attempt
    /// (`QueuedPodInfo.UnschedulablePlugins`), and what its update events compare.
    rejectors: BTreeMap<String, BTreeSet<&'static str>>,
    seen: BTreeMap<String, events::Seen>,
    /// The waiting pods a preemption nominated to a node (`status.nominatedNodeName`),
    /// as the scheduler's PodNominator keeps them.
    pub nominated: BTreeMap<String, Nomination>,
    /// Each node as the scheduler's informer last heard it: a node's update is compared
    /// with it to tell its events (`NodeSchedulingPropertiesChange`).
    nodes_seen: BTreeMap<String, Node>,
}

/// A pod nominated to a node: its node, priority and requests.
#[derive(Debug, Clone)]
pub struct Nomination {
    pub node: String,
    pub priority: i32,
    pub requests: Resources,
}

impl Scheduler {
    /// The place in natural name order of the node at `index` of the store's order.
    pub fn order_of(&self, index: usize) -> Option<usize> {
        self.order.get(index).copied()
    }

    /// A waiting pod is tried again (an update of it moved it to the active queue).
    pub fn retry_pod(&mut self, name: &str) {
        if self.unschedulable.contains(name) {
            self.retry_only.insert(name.to_string());
        }
    }
}

/// One node as the scheduler last read it: its name and resourceVersion (a node whose
/// either differs is read again), its slot in the cache and its allocatable, parsed.
#[derive(Debug)]
struct NodeRow {
    name: String,
    resource_version: String,
    slot: usize,
    allocatable: Resources,
}

/// The scheduler's informer handlers: pods (to schedule, and the cache of bound pods) and
/// nodes (a node that joins or changes may let waiting pods fit).
pub fn on_event(world: &mut World, event: &super::world::WatchEvent) -> Result<(), SimError> {
    if event.kind == ObjectKind::Node {
        world.scheduler.cache.node_epoch += 1;
    }
    match (&event.kind, &event.change) {
        (ObjectKind::Pod, Change::Deleted) => forget(world, &event.name),
        (ObjectKind::Node, Change::Deleted) => on_node_deleted(world, &event.name),
        (_, Change::Deleted) => {}
        (ObjectKind::Pod, _) => on_pod(world, &event.name)?,
        (ObjectKind::Node, change) => on_node(world, &event.name, change)?,
        (kind, _) if *kind == ObjectKind::from_kind("Namespace") => {
            // InterPodAffinity registers Namespace events: a namespace's new labels may
            // change what a namespaceSelector selects.
            world.scheduler.cache.namespace_labels = namespace_labels(world);
            request_retry(world);
        }
        (ObjectKind::PersistentVolumeClaim, change) => on_claim(world, &event.name, change),
        (ObjectKind::PersistentVolume | ObjectKind::StorageClass, change) => {
            on_volume(world, &event.kind, &event.name, change)
        }
        _ => {}
    }
    Ok(())
}

/// The scheduling queue's retry: when a change asked for it, the waiting pods are tried
/// again, oldest first (upstream moves them from the unschedulable queue to the active one).
pub fn work(world: &mut World) -> Result<bool, SimError> {
    if !world.scheduler.retry && world.scheduler.retry_only.is_empty() {
        return Ok(false);
    }
    flush(world)?;
    Ok(true)
}

/// The labels of the cluster's namespace: its `kubernetes.io/metadata.name`, over the
/// labels of a stored Namespace object of that name (the namespace lister's).
fn namespace_labels(world: &World) -> BTreeMap<String, String> {
    let ns = &world.config.namespace;
    let mut labels = world
        .store
        .meta(&ObjectKind::from_kind("Namespace"), ns)
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    labels.insert(framework::LABEL_METADATA_NAME.to_string(), ns.clone());
    labels
}

/// A pod's watch event: schedule it if it waits for a node; keep the cache in step.
pub fn on_pod(world: &mut World, name: &str) -> Result<(), SimError> {
    if world.scheduler.cache.namespace_labels.is_empty() {
        world.scheduler.cache.namespace_labels = namespace_labels(world);
    }
    if world.scheduler.retry || !world.scheduler.retry_only.is_empty() {
        flush(world)?;
    }
    let Some(pod) = world.store.pods().get(name) else {
        return Ok(());
    };
    if let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
        // Bound (by this scheduler or by the manifest): the cache follows the object. A pod
        // that finished (Succeeded, Failed) no longer holds its node's resources.
        if podutil::is_failed(pod) || podutil::is_succeeded(pod) {
            if let Some(gone) = world.scheduler.cache.bound(name).cloned() {
                world.scheduler.cache.remove(name);
                retry_for_assigned_pod(world, &events::AssignedPodEvent::Delete(&gone));
            }
            return Ok(());
        }
        if world.scheduler.cache.is_stale(pod) {
            // A pod that only started terminating wakes no waiting pod: the queueing hints
            // of the filters (NodeResourcesFit, PodTopologySpread, InterPodAffinity) skip
            // an assigned pod's update that neither shrinks its requests nor changes its
            // labels; its room frees when it is gone.
            let only_terminating = world.scheduler.cache.only_terminating_changed(pod, node);
            let old_labels = world.scheduler.cache.bound(name).map(|b| b.labels.clone());
            let new_labels = pod.metadata.labels.clone().unwrap_or_default();
            world.scheduler.cache.add(pod, node);
            // A pod bound by its manifest or relabelled changes what affinity and spread
            // count (upstream requeues on assigned-pod events, as the hints say).
            if !only_terminating {
                let event = match &old_labels {
                    None => events::AssignedPodEvent::Add(&new_labels),
                    Some(old) => events::AssignedPodEvent::Update {
                        old,
                        new: &new_labels,
                    },
                };
                retry_for_assigned_pod(world, &event);
            }
        }
        return Ok(());
    }
    if world.scheduler.unschedulable.contains(name) {
        // `PriorityQueue.Update`: the waiting pod itself changed.
        let info = PodInfo::new(pod);
        let new = events::Seen::of(&info);
        let scheduler = &mut world.scheduler;
        if let (Some(old), Some(rejectors)) =
            (scheduler.seen.get(name), scheduler.rejectors.get(name))
        {
            if events::worth_requeuing(old, &info, rejectors) {
                scheduler.retry_pod(name);
            }
        }
        scheduler.seen.insert(name.to_string(), new);
        return Ok(());
    }
    if podutil::is_terminating(pod)
        || podutil::phase(pod) != "Pending"
        || !responsible_for_pod(pod)
        || is_gated(pod)
    {
        return Ok(());
    }
    schedule_one(world, name)?;
    Ok(())
}

/// The name of the scheduler's one profile (kube-scheduler's default configuration).
pub const SCHEDULER_NAME: &str = "default-scheduler";

/// `eventhandlers.go` `responsibleForPod`: the scheduler queues only the unassigned pods
/// whose `spec.schedulerName` one of its profiles has (`profile.Map.HandlesSchedulerName`);
/// any other pod waits for its own scheduler: it stays Pending, with no `PodScheduled`
/// condition and no event. (Assigned pods of any scheduler are in the cache all the same.)
fn responsible_for_pod(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.scheduler_name.as_deref())
        .is_none_or(|name| name == SCHEDULER_NAME)
}

/// SchedulingGates (PreEnqueue): a pod with `spec.schedulingGates` is not scheduled until
/// they are all removed (the pod's update is its next event).
fn is_gated(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.scheduling_gates.as_ref())
        .is_some_and(|g| !g.is_empty())
}

/// A change could let waiting pods fit: they are tried before the next pod is scheduled,
/// and at the latest once the events of this instant are heard (the scheduler's queue).
pub fn request_retry(world: &mut World) {
    if !world.scheduler.unschedulable.is_empty() {
        world.scheduler.retry = true;
    }
}

/// A node joined or changed: the waiting pods its events may help (`events.rs`,
/// `worth_requeuing_for_node`) are tried now; the others stay where they are.
fn on_node(world: &mut World, name: &str, change: &Change) -> Result<(), SimError> {
    let Some(node) = world.store.nodes().get(name) else {
        return Ok(());
    };
    let old = if *change == Change::Added {
        None
    } else {
        match world.scheduler.nodes_seen.get(name) {
            Some(old) => Some(old),
            None => {
                // A node installed with the cluster and not heard of since, while no pod
                // waited (`fail` notes every node): nothing can be told apart.
                let node = node.clone();
                world.scheduler.nodes_seen.insert(name.to_string(), node);
                world.scheduler.retry = true;
                flush(world)?;
                return Ok(());
            }
        }
    };
    let events = events::NodeEvents::of(old, node);
    let moved = waiting_moved_by(world, |pod, rejectors| {
        events::worth_requeuing_for_node(pod, rejectors, &events, old, node)
    });
    let node = node.clone();
    world.scheduler.nodes_seen.insert(name.to_string(), node);
    retry_moved(world, moved);
    flush(world)?;
    Ok(())
}

/// A node was deleted (Node/Delete): the waiting pods whose rejecting plugins registered
/// it and say it may help are tried now (PodTopologySpread: a domain may be gone).
fn on_node_deleted(world: &mut World, name: &str) {
    let Some(old) = world.scheduler.nodes_seen.remove(name) else {
        return;
    };
    let moved = waiting_moved_by(world, |pod, rejectors| {
        events::worth_requeuing_for_node_deleted(pod, rejectors, &old)
    });
    retry_moved(world, moved);
}

/// The waiting pods an event moves, as `moves` answers for each from its rejecting plugins
/// and (read only when a hint needs it) the pod; `None` when it moves every one of them.
fn waiting_moved_by(
    world: &World,
    moves: impl for<'p> Fn(&'p dyn Fn() -> &'p PodInfo, &BTreeSet<&'static str>) -> bool,
) -> Option<Vec<String>> {
    let scheduler = &world.scheduler;
    let empty = BTreeSet::new();
    let mut moved = Vec::new();
    for pod in &scheduler.unschedulable {
        let rejectors = scheduler.rejectors.get(pod).unwrap_or(&empty);
        let cell = std::cell::OnceCell::new();
        let Some(object) = world.store.pods().get(pod) else {
            moved.push(pod.clone());
            continue;
        };
        let info = || cell.get_or_init(|| PodInfo::new(object));
        if moves(&info, rejectors) {
            moved.push(pod.clone());
        }
    }
    (moved.len() < scheduler.unschedulable.len()).then_some(moved)
}

/// Asks for the moved waiting pods to be tried again (all of them: the whole queue).
fn retry_moved(world: &mut World, moved: Option<Vec<String>>) {
    match moved {
        Some(pods) => request_retry_of(world, &pods),
        None => request_retry(world),
    }
}

/// A change concerns these waiting pods only: they are tried again, the others not.
fn request_retry_of<'a>(world: &mut World, pods: impl IntoIterator<Item = &'a String>) {
    let scheduler = &mut world.scheduler;
    for pod in pods {
        if scheduler.unschedulable.contains(pod) {
            scheduler.retry_only.insert(pod.clone());
        }
    }
}

/// Tries every waiting pod again (or, when only some were asked for, those) in the
/// scheduling queue's order (PrioritySort's `Less`): higher `spec.priority` first, then
/// oldest first (creation time, then natural name order).
fn flush(world: &mut World) -> Result<(), SimError> {
    let all = std::mem::take(&mut world.scheduler.retry);
    let only = std::mem::take(&mut world.scheduler.retry_only);
    let scheduler = &world.scheduler;
    let chosen: Box<dyn Iterator<Item = &String>> = if all {
        Box::new(scheduler.unschedulable.iter())
    } else {
        Box::new(only.iter().filter(|p| scheduler.unschedulable.contains(*p)))
    };
    type Queued = (
        std::cmp::Reverse<i32>,
        Option<k8s_openapi::jiff::Timestamp>,
        String,
    );
    let mut waiting: Vec<Queued> = chosen
        .map(|name| {
            let pod = world.store.pods().get(name);
            let priority = pod
                .and_then(|p| p.spec.as_ref()?.priority)
                .unwrap_or_default();
            let created = pod
                .and_then(|p| p.metadata.creation_timestamp.as_ref())
                .map(|t| t.0);
            (std::cmp::Reverse(priority), created, name.clone())
        })
        .collect();
    waiting.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| natural_cmp(&a.2, &b.2))
    });
    for (_, _, name) in waiting {
        let schedulable = world.store.pods().get(&name).is_some_and(|pod| {
            pod.spec
                .as_ref()
                .and_then(|s| s.node_name.as_ref())
                .is_none()
                && !podutil::is_terminating(pod)
                && podutil::phase(pod) == "Pending"
        });
        if schedulable {
            schedule_one(world, &name)?;
        } else {
            world.scheduler.nominated.remove(&name);
            world.scheduler.unschedulable.remove(&name);
            world.scheduler.last_message.remove(&name);
            world.scheduler.failed_at.remove(&name);
            world.scheduler.flushed.remove(&name);
            world.scheduler.rejectors.remove(&name);
            world.scheduler.seen.remove(&name);
            stop_waiting_for_claims(world, &name);
        }
    }
    Ok(())
}

/// A claim that was created, or bound, may let the pods that wait for it fit (upstream's
/// VolumeBinding registers PersistentVolumeClaim events; its hint wakes only the pods that
/// use the claim).
fn on_claim(world: &mut World, claim: &str, change: &Change) {
    if !world.scheduler.claim_waiters.contains_key(claim) {
        return;
    }
    let is_bound = claim_is_bound(world, claim);
    if is_bound {
        world.scheduler.unbound_waited.remove(claim);
    } else {
        world.scheduler.unbound_waited.insert(claim.to_string());
    }
    if *change == Change::Added || is_bound {
        if let Some(pods) = world.scheduler.claim_waiters.get(claim).cloned() {
            request_retry_of(world, &pods);
        }
    }
}

/// A new StorageClass, a new volume, or a volume that became free may let the pods that
/// wait for their unbound claims fit (VolumeBinding registers PersistentVolume and
/// StorageClass events); a pod whose claims are all bound cannot be helped by them.
fn on_volume(world: &mut World, kind: &ObjectKind, name: &str, change: &Change) {
    if world.scheduler.unbound_waited.is_empty() {
        return;
    }
    let wakes = *change == Change::Added
        || *kind == ObjectKind::StorageClass
        || world.store.volumes().get(name).is_some_and(|pv| {
            pv.spec
                .as_ref()
                .and_then(|s| s.claim_ref.as_ref())
                .is_none_or(|r| r.uid.as_deref().unwrap_or_default().is_empty())
        });
    if !wakes {
        return;
    }
    let scheduler = &world.scheduler;
    let pods: BTreeSet<String> = scheduler
        .unbound_waited
        .iter()
        .filter_map(|claim| scheduler.claim_waiters.get(claim))
        .flatten()
        .cloned()
        .collect();
    request_retry_of(world, &pods);
}

/// Whether the claim exists and is `Bound`.
fn claim_is_bound(world: &World, claim: &str) -> bool {
    world
        .store
        .claims()
        .get(claim)
        .and_then(|c| c.status.as_ref()?.phase.as_deref())
        == Some("Bound")
}

/// The pod waits: the claims it names can wake it.
fn wait_for_claims(world: &mut World, name: &str) {
    if world.scheduler.waiting_claims.contains_key(name) {
        return;
    }
    let claims = world
        .store
        .pods()
        .get(name)
        .map(super::controllers::volume::claims_of)
        .unwrap_or_default();
    if claims.is_empty() {
        return;
    }
    for claim in &claims {
        if !claim_is_bound(world, claim) {
            world.scheduler.unbound_waited.insert(claim.clone());
        }
        world
            .scheduler
            .claim_waiters
            .entry(claim.clone())
            .or_default()
            .insert(name.to_string());
    }
    world
        .scheduler
        .waiting_claims
        .insert(name.to_string(), claims);
}

/// The pod no longer waits (bound, gone or no longer pending).
fn stop_waiting_for_claims(world: &mut World, name: &str) {
    let scheduler = &mut world.scheduler;
    for claim in scheduler.waiting_claims.remove(name).unwrap_or_default() {
        if let Some(pods) = scheduler.claim_waiters.get_mut(&claim) {
            pods.remove(name);
            if pods.is_empty() {
                scheduler.claim_waiters.remove(&claim);
                scheduler.unbound_waited.remove(&claim);
            }
        }
    }
}

/// `helper.DefaultSelector`, for the default spread constraints: the selectors of the
/// Services that select the pod, merged, and the requirements of the selector of its
/// controller when that is an `apps/v1` ReplicaSet or StatefulSet (looked up by name, as
/// the listers are; a `v1` ReplicationController would merge too, but scn serves none).
/// None when that leaves nothing to select by.
fn default_selector(world: &World, pod: &Pod) -> Option<LabelSelector> {
    let empty = BTreeMap::new();
    let labels = pod.metadata.labels.as_ref().unwrap_or(&empty);
    let mut selector = LabelSelector::default();
    for svc in world.store.services().values() {
        let Some(sel) = svc.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
            continue;
        };
        if !sel.iter().all(|(k, v)| labels.get(k) == Some(v)) {
            continue;
        }
        let ml = selector.match_labels.get_or_insert_with(Default::default);
        for (k, v) in sel {
            ml.insert(k.clone(), v.clone());
        }
    }
    let owner = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true));
    let owner_selector = match owner.map(|o| (o.api_version.as_str(), o.kind.as_str(), o)) {
        Some(("apps/v1", "StatefulSet", o)) => world
            .store
            .statefulsets()
            .get(&o.name)
            .and_then(|s| s.spec.as_ref())
            .map(|s| s.selector.clone()),
        Some(("apps/v1", "ReplicaSet", o)) => world
            .store
            .others()
            .get(&("ReplicaSet".to_string(), o.name.clone()))
            .and_then(|rs| rs.body.pointer("/spec/selector"))
            .and_then(|sel| serde_json::from_value::<LabelSelector>(sel.clone()).ok()),
        _ => None,
    };
    if let Some(sel) = owner_selector {
        for (k, v) in sel.match_labels.iter().flatten() {
            selector
                .match_labels
                .get_or_insert_with(Default::default)
                .insert(k.clone(), v.clone());
        }
        if let Some(exprs) = &sel.match_expressions {
            selector
                .match_expressions
                .get_or_insert_with(Vec::new)
                .extend(exprs.iter().cloned());
        }
    }
    let empty = selector.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && selector
            .match_expressions
            .as_ref()
            .is_none_or(|e| e.is_empty());
    (!empty).then_some(selector)
}

/// The cycle's rows, one per node in the store's order: a row is read again when its
/// node's name or resourceVersion is not the one it was read at (a node that changed, came
/// or went), so the allocatable is parsed once per node version. While no node was written
/// since the last refresh (the store's write count of nodes is the same), nothing is read.
fn refresh_nodes(world: &mut World) {
    let scheduler = &mut world.scheduler;
    let written = world.store.nodes().changes();
    if scheduler.rows_at == Some(written) {
        return;
    }
    scheduler.rows_at = Some(written);
    let mut changed = scheduler.rows.len() != world.store.nodes().len();
    scheduler.rows.truncate(world.store.nodes().len());
    for (index, (name, node)) in world.store.nodes().iter().enumerate() {
        let rv = node
            .metadata
            .resource_version
            .as_deref()
            .unwrap_or_default();
        if scheduler
            .rows
            .get(index)
            .is_some_and(|row| row.name == *name && row.resource_version == rv)
        {
            continue;
        }
        let allocatable = framework::node_allocatable(node);
        let row = NodeRow {
            name: name.clone(),
            resource_version: rv.to_string(),
            slot: scheduler.cache.slot(name),
            allocatable,
        };
        if index < scheduler.rows.len() {
            scheduler.rows[index] = row;
        } else {
            scheduler.rows.push(row);
        }
        changed = true;
    }
    if changed {
        let rows = &scheduler.rows;
        let mut by_name: Vec<usize> = (0..rows.len()).collect();
        by_name.sort_by(|&a, &b| natural_cmp(&rows[a].name, &rows[b].name));
        scheduler.order = vec![0; rows.len()];
        for (place, &index) in by_name.iter().enumerate() {
            scheduler.order[index] = place;
        }
    }
}

/// What PreFilter decided for a pod, which taking pods off a node does not change: the
/// nodes NodeAffinity names, the nodes VolumeBinding allows, the pod's claims and the
/// default spread constraints that apply to it.
pub struct PreFilterResult {
    named_nodes: Option<BTreeSet<String>>,
    allowed: Option<Vec<bool>>,
    claims: Vec<String>,
    defaults: Vec<SpreadConstraint>,
}

/// The nodes of the cycle, in the store's order, as the cache holds them now.
fn node_entries(world: &World) -> Vec<NodeEntry<'_>> {
    let scheduler = &world.scheduler;
    world
        .store
        .nodes()
        .iter()
        .zip(&scheduler.rows)
        .enumerate()
        .map(|(index, ((n, node), row))| NodeEntry {
            index,
            slot: row.slot,
            name: n,
            order: scheduler.order[index],
            node,
            labels: node.metadata.labels.as_ref().unwrap_or(&EMPTY_LABELS),
            info: scheduler.cache.info(row.slot),
            allocatable: &row.allocatable,
        })
        .collect()
}

static EMPTY_LABELS: BTreeMap<String, String> = BTreeMap::new();

/// The filters in the profile's order on every node (or on the node named `only`), as
/// the cache holds the nodes now: each rejected node's index and status, and the indexes
/// of the feasible nodes.
pub(crate) fn run_filters(
    world: &World,
    pod: &Pod,
    info: &PodInfo,
    pre: &PreFilterResult,
    only: Option<&str>,
) -> (Vec<(usize, Status)>, Vec<usize>) {
    let scheduler = &world.scheduler;
    let nodes = node_entries(world);
    // What does not depend on the node is read once: the claims' constraints, the
    // requests in the order the fit filter reports them.
    let claims = &pre.claims;
    let volumes = volume_binding::FilterState {
        allowed: pre.allowed.as_deref(),
        unbound: volume_binding::delayed_claims(world, claims),
    };
    let has_claims = !claims.is_empty();
    let once_pod_conflict =
        has_claims && volume_restrictions::pre_filter(world, claims, &scheduler.cache);
    let zones = volume_zone::pre_filter(world, claims);
    let wants = node_resources_fit::pre_filter(info);
    let spread = pod_topology_spread::pre_filter(info, &nodes, &scheduler.cache);
    let affinity = inter_pod_affinity::pre_filter(info, &nodes, &scheduler.cache);
    // Filters with nothing to check for this pod pass every node (upstream's Skip
    // status from PreFilter), so they are not run per node.
    let node_affinity_filters = node_affinity::filters(info);
    let pod_affinity_filters = inter_pod_affinity::filters(info, &affinity);
    // RunFilterPluginsWithNominatedPods: the pods nominated to a node with a priority at
    // least the pod's count on it (for the resources they request).
    let mut reserved: BTreeMap<&str, cache::NodeInfo> = BTreeMap::new();
    for (other, n) in &scheduler.nominated {
        if *other != info.name && n.priority >= info.priority {
            let entry = reserved.entry(n.node.as_str()).or_default();
            entry.pods += 1;
            entry.requested.add_scaled(&n.requests, 1);
        }
    }
    let mut statuses: Vec<(usize, Status)> = Vec::new();
    let mut feasible: Vec<usize> = Vec::with_capacity(nodes.len());
    for node in &nodes {
        if only.is_some_and(|o| o != node.name) {
            continue;
        }
        let with_nominated = reserved.get(node.name).map(|r| {
            let mut info = node.info.clone();
            info.pods += r.pods;
            info.requested.add_scaled(&r.requested, 1);
            info
        });
        let node_info = with_nominated.as_ref().unwrap_or(node.info);
        // A node the PreFilter result leaves out is not filtered at all.
        if pre
            .named_nodes
            .as_ref()
            .is_some_and(|n| !n.contains(node.name))
        {
            statuses.push((
                node.index,
                node_affinity::not_in_prefilter().from(plugins::NODE_AFFINITY),
            ));
            continue;
        }
        let status = node_unschedulable::filter(info, node.node)
            .map(|s| s.from(plugins::NODE_UNSCHEDULABLE))
            .or_else(|| node_name::filter(pod, node.name).map(|s| s.from(plugins::NODE_NAME)))
            .or_else(|| {
                taint_toleration::filter(info, node.node).map(|s| s.from(plugins::TAINT_TOLERATION))
            })
            .or_else(|| {
                if node_affinity_filters {
                    node_affinity::filter(info, node.node).map(|s| s.from(plugins::NODE_AFFINITY))
                } else {
                    None
                }
            })
            .or_else(|| {
                if info.host_ports.is_empty() {
                    None
                } else {
                    node_ports::filter(&info.host_ports, &node.info.used_ports)
                        .map(|s| s.from(plugins::NODE_PORTS))
                }
            })
            .or_else(|| {
                node_resources_fit::filter(&wants, node.allocatable, node_info)
                    .map(|s| s.from(plugins::NODE_RESOURCES_FIT))
            })
            .or_else(|| {
                volume_restrictions::filter(once_pod_conflict)
                    .map(|s| s.from(plugins::VOLUME_RESTRICTIONS))
            })
            .or_else(|| {
                if has_claims {
                    volume_binding::filter(&volumes, node.index, node.labels)
                        .map(|s| s.from(plugins::VOLUME_BINDING))
                } else {
                    None
                }
            })
            .or_else(|| {
                volume_zone::filter(&zones, node.labels).map(|s| s.from(plugins::VOLUME_ZONE))
            })
            .or_else(|| {
                pod_topology_spread::filter(&spread, node)
                    .map(|s| s.from(plugins::POD_TOPOLOGY_SPREAD))
            })
            .or_else(|| {
                if pod_affinity_filters {
                    inter_pod_affinity::filter(info, &affinity, node)
                        .map(|s| s.from(plugins::INTER_POD_AFFINITY))
                } else {
                    None
                }
            });
        match status {
            Some(status) => statuses.push((node.index, status)),
            None => feasible.push(node.index),
        }
    }
    (statuses, feasible)
}

/// One scheduling cycle for a pod without a node.
fn schedule_one(world: &mut World, name: &str) -> Result<(), SimError> {
    if world.scheduler.cache.namespace_labels.is_empty() {
        world.scheduler.cache.namespace_labels = namespace_labels(world);
    }
    let has_claims = world
        .store
        .pods()
        .get(name)
        .is_some_and(|pod| !super::controllers::volume::claims_of(pod).is_empty());
    if has_claims {
        volume_binding::prepare(world);
    }
    let Some(pod) = world.store.pods().get(name) else {
        return Ok(());
    };
    let info = PodInfo::in_namespace(pod, &world.scheduler.cache.namespace_labels);
    let total = world.store.nodes().len();
    if total == 0 {
        fail(
            world,
            name,
            NO_NODES_AVAILABLE.to_string(),
            None,
            BTreeSet::new(),
        );
        return Ok(());
    }
    // PreFilter, in the profile's order: NodeAffinity (the nodes a pod pinned by name may
    // go to), then VolumeBinding.
    let named_nodes = match node_affinity::pre_filter(&info) {
        Ok(names) => names.map(|n| n.into_iter().map(str::to_string).collect::<BTreeSet<_>>()),
        Err(reason) => {
            fail(
                world,
                name,
                fit_error(total, Some(reason), &[], false),
                None,
                BTreeSet::from([plugins::NODE_AFFINITY]),
            );
            return Ok(());
        }
    };
    let allowed = match volume_binding::pre_filter(world, pod) {
        Ok(allowed) => allowed,
        Err(reason) => {
            fail(
                world,
                name,
                fit_error(total, Some(&reason), &[], false),
                None,
                BTreeSet::from([plugins::VOLUME_BINDING]),
            );
            return Ok(());
        }
    };
    let claims = super::controllers::volume::claims_of(pod);
    let defaults: Vec<SpreadConstraint> = if info.has_own_spread {
        Vec::new()
    } else {
        default_selector(world, pod)
            .map(pod_topology_spread::system_defaults)
            .unwrap_or_default()
    };
    let nominated = pod
        .status
        .as_ref()
        .and_then(|s| s.nominated_node_name.clone())
        .filter(|n| !n.is_empty());
    let pre = PreFilterResult {
        named_nodes,
        allowed,
        claims,
        defaults,
    };
    refresh_nodes(world);
    {
        let cache = &mut world.scheduler.cache;
        for s in pod_topology_spread::selectors(&info, &pre.defaults) {
            cache.register(std::slice::from_ref(s));
        }
        for s in inter_pod_affinity::selectors(&info) {
            cache.register(&s);
        }
        for key in pod_topology_spread::domain_keys(&info, &pre.defaults) {
            cache.index_domains(key, world.store.nodes());
        }
    }
    let Some(pod) = world.store.pods().get(name) else {
        return Ok(());
    };
    // `evaluateNominatedNode`: a pod nominated by an earlier preemption goes to that node
    // if it fits there, without the others being filtered or scored.
    if let Some(node) = nominated {
        let (_, feasible) = run_filters(world, pod, &info, &pre, Some(&node));
        if !feasible.is_empty() {
            bind(world, name, &node, &info)?;
            return Ok(());
        }
    }
    let (statuses, feasible) = run_filters(world, pod, &info, &pre, None);
    if !feasible.is_empty() {
        let nodes = node_entries(world);
        let feasible: Vec<&NodeEntry> = feasible.iter().map(|&i| &nodes[i]).collect();
        let node = select_host(
            &info,
            &pre.defaults,
            &nodes,
            &feasible,
            &world.scheduler.cache,
        );
        bind(world, name, &node, &info)?;
        return Ok(());
    }
    // PostFilter: DynamicResources (no claims to deallocate), then DefaultPreemption.
    let only: Vec<Status> = statuses.iter().map(|(_, s)| s.clone()).collect();
    let rejectors: BTreeSet<&'static str> = only.iter().map(|s| s.plugin).collect();
    match default_preemption::post_filter(world, name, &info, &pre, &statuses) {
        default_preemption::Outcome::Nominated(node) => {
            // A PostFilter that succeeds ends the phase with no message.
            let message = framework::fit_error_post(total, &only, None);
            fail(world, name, message, Some(node), rejectors);
        }
        default_preemption::Outcome::Failed { message, clear } => {
            let message = framework::fit_error_post(total, &only, Some(&message));
            fail(world, name, message, clear.then(String::new), rejectors);
        }
    }
    Ok(())
}

/// Scores the feasible nodes under the default weights and picks the best; equal totals
/// go to the fewest pods of the same owner, then the fewest pods, then natural name order.
fn select_host(
    info: &PodInfo,
    defaults: &[SpreadConstraint],
    nodes: &[NodeEntry],
    feasible: &[&NodeEntry],
    cache: &Cache,
) -> String {
    let mut total = vec![0i64; feasible.len()];
    let mut add = |scores: Vec<i64>, weight: i64| {
        for (t, s) in total.iter_mut().zip(scores) {
            *t += s * weight;
        }
    };
    let prefer = taint_toleration::pre_score(info);
    let mut taints: Vec<i64> = feasible
        .iter()
        .map(|n| taint_toleration::score(&prefer, n.node))
        .collect();
    framework::default_normalize(&mut taints, true);
    add(taints, WEIGHT_TAINT_TOLERATION);
    // A plugin that scores every node 0 for this pod is skipped (upstream's Skip status
    // from PreScore): it would add nothing.
    if !info.preferred_node_terms.is_empty() {
        let mut affinity: Vec<i64> = feasible
            .iter()
            .map(|n| node_affinity::score(info, n.node))
            .collect();
        framework::default_normalize(&mut affinity, false);
        add(affinity, WEIGHT_NODE_AFFINITY);
    }
    add(
        pod_topology_spread::score(info, defaults, nodes, feasible, cache),
        WEIGHT_POD_TOPOLOGY_SPREAD,
    );
    if inter_pod_affinity::scores(info, cache) {
        add(
            inter_pod_affinity::score(info, nodes, feasible, cache),
            WEIGHT_INTER_POD_AFFINITY,
        );
    }
    add(
        feasible
            .iter()
            .map(|n| node_resources_fit::score(info, n.allocatable, n.info))
            .collect(),
        WEIGHT_NODE_RESOURCES_FIT,
    );
    if balanced_allocation::scores(info) {
        add(
            feasible
                .iter()
                .map(|n| balanced_allocation::score(info, n.allocatable, n.info))
                .collect(),
            WEIGHT_BALANCED_ALLOCATION,
        );
    }
    let owned = cache.owned(&info.owner);
    let mut best = 0;
    for i in 1..feasible.len() {
        let key = |j: usize| {
            let n = feasible[j];
            (
                -total[j],
                owned.get(n.slot).copied().unwrap_or(0),
                n.info.pods,
            )
        };
        let better = key(i)
            .cmp(&key(best))
            .then_with(|| feasible[i].order.cmp(&feasible[best].order))
            .is_lt();
        if better {
            best = i;
        }
    }
    feasible[best].name.to_string()
}

/// Binds the pod: WaitForFirstConsumer claims are provisioned on the node first (PreBind).
fn bind(world: &mut World, name: &str, node: &str, info: &PodInfo) -> Result<(), SimError> {
    plugins::volume_binding::prebind(world, name, node)?;
    world.scheduler.nominated.remove(name);
    world.scheduler.unschedulable.remove(name);
    world.scheduler.last_message.remove(name);
    world.scheduler.failed_at.remove(name);
    world.scheduler.flushed.remove(name);
    world.scheduler.rejectors.remove(name);
    world.scheduler.seen.remove(name);
    stop_waiting_for_claims(world, name);
    let now = world.now;
    // The binding subresource (with its admission) writes the pod; its condition carries
    // no observedGeneration, the kubelet's next status write adds it.
    let bound = server::bind(world, name, node, |status| {
        set_scheduled(status, None, None, now);
    });
    let Some(pod) = bound.and_then(|_| world.store.pods().get_shared(name)) else {
        return Ok(());
    };
    let terminating = podutil::is_terminating(&pod);
    world.scheduler.cache.add_info(info, terminating, node);
    // The informer hears the pod bound: an assigned pod's add (`AssignedPodAdded`).
    retry_for_assigned_pod(world, &events::AssignedPodEvent::Add(&info.labels));
    crate::sim::events::record(
        world,
        Recorder::SCHEDULER,
        ObjectKind::Pod,
        name,
        "Normal",
        "Scheduled",
        format!(
            "Successfully assigned {}/{name} to {node}",
            world.config.namespace
        ),
    );
    Ok(())
}

/// The pod fits nowhere: it waits. A new message is recorded and written on the pod, with
/// the node a preemption nominated it to (`Some("")` clears the nomination; `None` keeps
/// it), as `handleSchedulingFailure` writes them.
fn fail(
    world: &mut World,
    name: &str,
    message: String,
    nominated: Option<String>,
    rejectors: BTreeSet<&'static str>,
) {
    world.scheduler.unschedulable.insert(name.to_string());
    world
        .scheduler
        .rejectors
        .insert(name.to_string(), rejectors);
    // The nodes as they are now are what their next events compare with (a node heard of
    // since it was installed is noted already).
    if world.scheduler.nodes_seen.len() != world.store.nodes().len() {
        for (node, object) in world.store.nodes().iter() {
            if !world.scheduler.nodes_seen.contains_key(node) {
                world
                    .scheduler
                    .nodes_seen
                    .insert(node.clone(), object.clone());
            }
        }
    }
    if let Some(pod) = world.store.pods().get(name) {
        let seen = events::Seen::of(&PodInfo::new(pod));
        world.scheduler.seen.insert(name.to_string(), seen);
    }
    leftover_after(world, name);
    let flushed = world.scheduler.flushed.remove(name);
    // Claim and volume events requeue a pod only when a volume plugin rejected it
    // (`isPodWorthRequeuing`: the events of the plugins in its UnschedulablePlugins; only
    // VolumeBinding, VolumeZone and VolumeRestrictions register claim events).
    let volume_rejected = [
        plugins::VOLUME_BINDING,
        plugins::VOLUME_ZONE,
        plugins::VOLUME_RESTRICTIONS,
    ]
    .iter()
    .any(|p| {
        world
            .scheduler
            .rejectors
            .get(name)
            .is_some_and(|r| r.contains(p))
    });
    if volume_rejected {
        wait_for_claims(world, name);
    } else {
        stop_waiting_for_claims(world, name);
    }
    let nomination_changes = nominated.as_ref().is_some_and(|n| {
        world
            .store
            .pods()
            .get(name)
            .and_then(|p| p.status.as_ref()?.nominated_node_name.as_deref())
            .unwrap_or_default()
            != n
    });
    let same = world.scheduler.last_message.get(name) == Some(&message);
    if same && !nomination_changes && !flushed {
        return;
    }
    let now = world.now;
    if !same || flushed {
        world
            .scheduler
            .last_message
            .insert(name.to_string(), message.clone());
        crate::sim::events::record(
            world,
            Recorder::SCHEDULER,
            ObjectKind::Pod,
            name,
            "Warning",
            "FailedScheduling",
            message.clone(),
        );
    }
    if same && !nomination_changes {
        // `updatePod`: the condition did not change, so nothing is written.
        return;
    }
    server::write::<Pod>(world, name, server::Author::Other, |pod| {
        let generation = pod.metadata.generation;
        let status = pod.status.get_or_insert_with(PodStatus::default);
        set_scheduled(status, Some(&message), generation, now);
        if let Some(node) = &nominated {
            status.nominated_node_name = (!node.is_empty()).then(|| node.clone());
        }
        true
    });
    match nominated {
        Some(node) if !node.is_empty() => {
            if let Some(pod) = world.store.pods().get(name) {
                let info = PodInfo::new(pod);
                world.scheduler.nominated.insert(
                    name.to_string(),
                    Nomination {
                        node,
                        priority: info.priority,
                        requests: info.requests,
                    },
                );
            }
        }
        Some(_) => {
            world.scheduler.nominated.remove(name);
        }
        None => {}
    }
}

/// `podMaxInUnschedulablePodsDuration`: a pod unschedulable for longer is tried again
/// at the next leftover flush, whatever changed meanwhile.
const MAX_IN_UNSCHEDULABLE: Millis = Millis::secs(300);
/// The period of `flushUnschedulablePodsLeftover` (`wait.Until`, from the start).
const LEFTOVER_FLUSH_PERIOD: Millis = Millis::secs(30);

/// The pod just failed: the first leftover flush more than 5 minutes later moves it back
/// to be tried (`flushUnschedulablePodsLeftover`: `now - Timestamp >
/// podMaxInUnschedulablePodsDuration`).
fn leftover_after(world: &mut World, name: &str) {
    let now = world.now;
    world.scheduler.failed_at.insert(name.to_string(), now);
    let due = (now + MAX_IN_UNSCHEDULABLE).next_multiple_of(LEFTOVER_FLUSH_PERIOD);
    if world.scheduler.leftover_flushes.insert(due) {
        world
            .timers
            .at(due, super::world::Timer::FlushUnschedulableLeftover);
    }
}

/// `flushUnschedulablePodsLeftover`: the waiting pods that failed more than 5 minutes ago
/// are tried again now (their backoff is long over), as an update would.
pub fn flush_leftover(world: &mut World) {
    let now = world.now;
    world.scheduler.leftover_flushes.remove(&now);
    let due: Vec<String> = world
        .scheduler
        .failed_at
        .iter()
        .filter(|(name, at)| {
            now - **at > MAX_IN_UNSCHEDULABLE && world.scheduler.unschedulable.contains(*name)
        })
        .map(|(name, _)| name.clone())
        .collect();
    for name in due {
        world.scheduler.flushed.insert(name.clone());
        world.scheduler.retry_pod(&name);
    }
}

/// `PodScheduled`: True once bound; False with reason `Unschedulable` and the message, for
/// the pod's generation (`CalculatePodConditionObservedGeneration`).
fn set_scheduled(
    status: &mut PodStatus,
    unschedulable: Option<&str>,
    generation: Option<i64>,
    now: super::clock::Millis,
) {
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    let text = if unschedulable.is_some() {
        "False"
    } else {
        "True"
    };
    let condition = PodCondition {
        type_: "PodScheduled".into(),
        status: text.into(),
        reason: unschedulable.map(|_| "Unschedulable".to_string()),
        message: unschedulable.map(str::to_string),
        last_transition_time: Some(to_time(now)),
        last_probe_time: None,
        observed_generation: generation,
    };
    match conditions.iter_mut().find(|c| c.type_ == "PodScheduled") {
        Some(existing) => {
            let transition = if existing.status == text {
                existing.last_transition_time.clone()
            } else {
                condition.last_transition_time.clone()
            };
            *existing = PodCondition {
                last_transition_time: transition,
                ..condition
            };
        }
        None => conditions.push(condition),
    }
}

/// Frees the pod's place on its node; called when the pod object is removed.
/// A pod left the store: it no longer waits, and its node has room again.
pub fn forget(world: &mut World, name: &str) {
    stop_waiting_for_claims(world, name);
    world.scheduler.nominated.remove(name);
    world.scheduler.unschedulable.remove(name);
    world.scheduler.last_message.remove(name);
    world.scheduler.failed_at.remove(name);
    world.scheduler.flushed.remove(name);
    world.scheduler.rejectors.remove(name);
    world.scheduler.seen.remove(name);
    if let Some(gone) = world.scheduler.cache.bound(name).cloned() {
        // Room appeared: the pods it may help get another chance.
        world.scheduler.cache.remove(name);
        retry_for_assigned_pod(world, &events::AssignedPodEvent::Delete(&gone));
    }
}

/// An assigned pod came, changed its labels or went: the waiting pods the plugins that
/// rejected them say it may help are tried again (`events.rs`).
fn retry_for_assigned_pod(world: &mut World, event: &events::AssignedPodEvent) {
    if world.scheduler.unschedulable.is_empty() {
        return;
    }
    let moved = waiting_moved_by(world, |pod, rejectors| {
        events::worth_requeuing_for_assigned_pod(pod, rejectors, event, &world.scheduler.cache)
    });
    retry_moved(world, moved);
}

pub fn set_condition(status: &mut PodStatus, type_: &str, value: bool, now: super::clock::Millis) {
    let text = if value { "True" } else { "False" };
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    match conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(existing) => {
            if existing.status != text {
                existing.status = text.to_string();
                existing.last_transition_time = Some(to_time(now));
            }
        }
        None => conditions.push(PodCondition {
            type_: type_.to_string(),
            status: text.to_string(),
            last_transition_time: Some(to_time(now)),
            ..Default::default()
        }),
    }
}
