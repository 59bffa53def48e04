//! The DaemonSet controller (kubernetes `pkg/controller/daemon`), B-DS-4..B-DS-12.
//!
//! `sync` is `syncDaemonSet`: nothing for a set being deleted; its revisions
//! (`history.rs`); `manage` (one pod on each node where it should run, the failed and the
//! excess pods deleted, the pods of nodes that should not run it deleted); the update
//! strategy (`update.rs`) when `manage` changed nothing (upstream's expectations: the
//! pods it just wrote are not yet seen); old revisions pruned; the status. Pods are created
//! with `generateName: <ds>-`, pinned to their node by node affinity, and bound there by
//! the scheduler (`util.rs`).

mod history;
mod update;
pub mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetStatus};
use k8s_openapi::api::core::v1::{Node, Pod};
use serde_json::Value;

use crate::sim::clock::Millis;
use crate::sim::error::SimError;
use crate::sim::events::Recorder;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, Author, Propagation, RequestError};
use crate::sim::workqueue::RateLimitingQueue;
use crate::sim::world::{Change, Timer, WatchEvent, World};
use crate::sim::{labels, podutil};

/// `BurstReplicas`: at most this many creations or deletions per sync.
const BURST_REPLICAS: usize = 250;
/// `failedPodsBackoff`: `flowcontrol.NewBackOff(1s, 15min)`.
const FAILED_BACKOFF_INITIAL: Millis = Millis::secs(1);
const FAILED_BACKOFF_MAX: Millis = Millis::secs(15 * 60);

/// The controller's state: its queue (with the delayed syncs asked for and each set's
/// retry delay after a failed sync) and the failed-pod back-off per set and node.
#[derive(Debug)]
pub struct DaemonSetController {
    pub queue: RateLimitingQueue,
    /// `failedPodsBackoff`: (delay, last update) per `<uid>/<observedGeneration>/<node>`.
    failed: BTreeMap<String, (Millis, Millis)>,
    /// Each node as the node handler last heard of it (`updateNode`'s old object).
    nodes: BTreeMap<String, Arc<Node>>,
}

impl Default for DaemonSetController {
    fn default() -> Self {
        DaemonSetController {
            queue: RateLimitingQueue::for_failed_actions(),
            failed: BTreeMap::new(),
            nodes: BTreeMap::new(),
        }
    }
}

/// The informer handlers: sets, pods (by owner; an orphan to every set that selects it),
/// nodes (every set) and revisions (their owner).
pub fn on_event(world: &mut World, event: &WatchEvent) -> Result<(), SimError> {
    match event.kind {
        ObjectKind::DaemonSet if !event.status_only => {
            if event.change == Change::Deleted {
                forget(world, &event.name);
            } else {
                world.daemonset.queue.add(&event.name);
            }
        }
        ObjectKind::Pod => on_pod_event(world, event),
        ObjectKind::Node => on_node_event(world, event),
        ObjectKind::ControllerRevision if !event.status_only => {
            if let Some(set) = event
                .owner_uid
                .as_deref()
                .and_then(|uid| by_uid(world, uid))
            {
                world.daemonset.queue.add(&set);
            }
        }
        _ => {}
    }
    Ok(())
}

/// `addNode`/`updateNode`: a new node queues the sets that should run on it; an update
/// queues nothing when only the node's heartbeat moved (`shouldIgnoreNodeUpdate`: the
/// same conditions `True`, nothing else changed but them), else the sets for which it
/// changed whether they should run, or keep running, there (`NodeShouldRunDaemonPod`
/// before and after). The controller keeps the last node it heard of (the informer's old
/// object). A deleted node queues every set (scn's; its pods go with it).
fn on_node_event(world: &mut World, event: &WatchEvent) {
    let current = world.store.nodes().get_shared(&event.name);
    let old = match &current {
        Some(node) => world
            .daemonset
            .nodes
            .insert(event.name.clone(), node.clone()),
        None => world.daemonset.nodes.remove(&event.name),
    };
    let sets: Vec<(String, Arc<DaemonSet>)> = world
        .store
        .daemonsets()
        .keys()
        .filter_map(|name| Some((name.clone(), world.store.daemonsets().get_shared(name)?)))
        .collect();
    let queue: Vec<String> = match (&event.change, &current, &old) {
        (Change::Added, Some(node), _) => sets
            .into_iter()
            .filter(|(_, ds)| util::should_run(node, ds).0)
            .map(|(name, _)| name)
            .collect(),
        (Change::Modified, Some(node), Some(old)) => {
            if util::should_ignore_node_update(old, node) {
                return;
            }
            sets.into_iter()
                .filter(|(_, ds)| util::should_run(old, ds) != util::should_run(node, ds))
                .map(|(name, _)| name)
                .collect()
        }
        _ => sets.into_iter().map(|(name, _)| name).collect(),
    };
    for set in queue {
        world.daemonset.queue.add(&set);
    }
}

fn forget(world: &mut World, name: &str) {
    world.daemonset.queue.forget(name);
}

fn by_uid(world: &World, uid: &str) -> Option<String> {
    world
        .store
        .daemonsets()
        .iter()
        .find(|(_, ds)| ds.metadata.uid.as_deref() == Some(uid))
        .map(|(name, _)| name.clone())
}

/// `addPod`/`updatePod`/`deletePod`: the owner is synced; an orphan that is not being
/// deleted goes to every set whose selector matches it (one may adopt it).
fn on_pod_event(world: &mut World, event: &WatchEvent) {
    if world.store.daemonsets().is_empty() {
        return;
    }
    if let Some(set) = event
        .owner_uid
        .as_deref()
        .and_then(|uid| by_uid(world, uid))
    {
        world.daemonset.queue.add(&set);
        // `updatePod`: a pod that turned Ready is looked at again after `minReadySeconds`
        // and one second (upstream's margin against clock skew), when it is available.
        let min_ready = world
            .store
            .daemonsets()
            .get(&set)
            .and_then(|ds| ds.spec.as_ref()?.min_ready_seconds)
            .unwrap_or(0);
        let turned_ready = event.change == Change::Modified
            && world
                .store
                .pods()
                .get(&event.name)
                .and_then(podutil::ready_condition)
                .is_some_and(|(ready, since)| ready && since == world.now);
        if min_ready > 0 && turned_ready {
            let delay = Millis::from_secs(min_ready.into()) + Millis::secs(1);
            sync_after(world, &set, delay);
        }
        return;
    }
    if event.change == Change::Deleted {
        return;
    }
    let Some(pod) = world.store.pods().get(&event.name) else {
        return;
    };
    if pod.metadata.deletion_timestamp.is_some() || podutil::controller_uid(pod).is_some() {
        return;
    }
    let sets = labels::selecting(
        world.store.daemonsets().iter(),
        |ds| ds.spec.as_ref().map(|s| &s.selector),
        pod,
    );
    for set in sets {
        world.daemonset.queue.add(&set);
    }
}

/// The worker: one set from the queue.
pub fn work(world: &mut World) -> Result<bool, SimError> {
    let Some(name) = world.daemonset.queue.pop() else {
        return Ok(false);
    };
    match sync(world, &name)? {
        Outcome::Done => world.daemonset.queue.forget(&name),
        Outcome::Failed => {
            if let Some(at) = world.daemonset.queue.retry_at(&name, world.now) {
                sync_after(world, &name, at - world.now);
            }
        }
    }
    Ok(true)
}

/// Asks for a sync of `set` after `delay` (`enqueueDaemonSetAfter`).
pub fn sync_after(world: &mut World, set: &str, delay: Millis) {
    let at = world.now + delay;
    if world.daemonset.queue.add_after(set, at) {
        world.timers.at(
            at,
            Timer::SyncDaemonSet {
                name: set.to_string(),
            },
        );
    }
}

/// The timer of [`sync_after`] came.
pub fn fire(world: &mut World, set: &str) {
    world.daemonset.queue.fire(set, world.now);
}

enum Outcome {
    Done,
    Failed,
}

/// The template generation the set carries (`GetTemplateGeneration`).
fn template_generation(ds: &DaemonSet) -> Option<i64> {
    ds.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(server::TEMPLATE_GENERATION))
        .and_then(|v| v.parse().ok())
}

/// The set's pods by the node each is on or meant for (`getNodesToDaemonPods`), after
/// `ClaimPods`: an orphan the selector matches is adopted, an owned pod it no longer
/// matches released. Terminal pods being deleted are left out unless
/// `include_deleted_terminal`.
fn pods_by_node(
    world: &mut World,
    ds: &DaemonSet,
    include_deleted_terminal: bool,
) -> BTreeMap<String, Vec<Arc<Pod>>> {
    let uid = ds.metadata.uid.clone().unwrap_or_default();
    let selector = ds.spec.as_ref().map(|s| &s.selector);
    let deleting = ds.metadata.deletion_timestamp.is_some();
    let mut adopt = Vec::new();
    let mut release = Vec::new();
    let mut owned = Vec::new();
    for (name, pod) in world.store.pods() {
        let matches = labels::pod_matches(selector, pod);
        match podutil::controller_uid(pod) {
            Some(owner) if owner == uid => {
                if matches || deleting {
                    owned.push(name.clone());
                } else {
                    release.push(name.clone());
                }
            }
            Some(_) => {}
            None => {
                if matches && !deleting && pod.metadata.deletion_timestamp.is_none() {
                    adopt.push(name.clone());
                }
            }
        }
    }
    for name in release {
        server::write::<Pod>(world, &name, Author::Other, |pod| {
            crate::sim::meta::remove_owner_reference(&mut pod.metadata, &uid);
            true
        });
    }
    for name in adopt {
        server::write::<Pod>(world, &name, Author::Other, |pod| {
            crate::sim::meta::adopt(&mut pod.metadata, history::controller_ref(ds));
            true
        });
        owned.push(name);
    }
    let mut out: BTreeMap<String, Vec<Arc<Pod>>> = BTreeMap::new();
    for name in owned {
        let Some(pod) = world.store.pods().get_shared(&name) else {
            continue;
        };
        let terminal = podutil::is_failed(&pod) || podutil::is_succeeded(&pod);
        if !include_deleted_terminal && terminal && pod.metadata.deletion_timestamp.is_some() {
            continue;
        }
        if let Some(node) = util::target_node(&pod).map(str::to_string) {
            out.entry(node).or_default().push(pod);
        }
    }
    for pods in out.values_mut() {
        pods.sort_by(|a, b| util::by_age(a, b));
    }
    out
}

/// `syncDaemonSet`.
fn sync(world: &mut World, name: &str) -> Result<Outcome, SimError> {
    let Some(ds) = world.store.daemonsets().get_shared(name) else {
        forget(world, name);
        return Ok(Outcome::Done);
    };
    if ds.metadata.deletion_timestamp.is_some() {
        return Ok(Outcome::Done);
    }
    let Ok((hash, old)) = history::construct(world, &ds) else {
        return Ok(Outcome::Failed);
    };
    let (wrote, mut ok) = manage(world, &ds, &hash)?;
    if !wrote && ok {
        let strategy = ds
            .spec
            .as_ref()
            .and_then(|s| s.update_strategy.as_ref())
            .and_then(|s| s.type_.clone());
        if strategy.as_deref() == Some("RollingUpdate") {
            ok = update::rolling_update(world, &ds, &hash)?;
        }
        // `cleanupHistory` counts the terminal pods being deleted too.
        let live: BTreeSet<String> = pods_by_node(world, &ds, true)
            .values()
            .flatten()
            .filter_map(|p| podutil::label(p, util::HASH_LABEL).map(str::to_string))
            .collect();
        history::cleanup(world, &ds, &old, &live);
    }
    update_status(world, name, &hash);
    Ok(if ok { Outcome::Done } else { Outcome::Failed })
}

/// What `manage` decided for the nodes.
struct Plan {
    create_on: Vec<String>,
    delete: Vec<String>,
}

/// `manage` with `podsShouldBeOnNode`. Returns (whether it wrote anything, whether every
/// write went through).
fn manage(world: &mut World, ds: &DaemonSet, hash: &str) -> Result<(bool, bool), SimError> {
    let by_node = pods_by_node(world, ds, false);
    let nodes: Vec<_> = world.store.nodes().values().cloned().collect();
    let surge = update::allows_surge(ds);
    let min_ready = ds
        .spec
        .as_ref()
        .and_then(|s| s.min_ready_seconds)
        .unwrap_or(0);
    let mut plan = Plan {
        create_on: Vec::new(),
        delete: Vec::new(),
    };
    let mut events = Vec::new();
    let set = ds.metadata.name.clone().unwrap_or_default();
    let uid = ds.metadata.uid.clone().unwrap_or_default();
    let observed = ds
        .status
        .as_ref()
        .and_then(|s| s.observed_generation)
        .unwrap_or(0);
    for node in &nodes {
        let node_name = node.metadata.name.clone().unwrap_or_default();
        let (should_run, should_continue) = util::should_run(node, ds);
        let pods = by_node.get(&node_name);
        match pods {
            None if should_run => plan.create_on.push(node_name.clone()),
            Some(pods) if should_continue => {
                let mut running = Vec::new();
                for pod in pods {
                    if pod.metadata.deletion_timestamp.is_some() {
                        continue;
                    }
                    let pod_name = pod.metadata.name.clone().unwrap_or_default();
                    if podutil::is_failed(pod) {
                        let key = format!("{uid}/{observed}/{node_name}");
                        if let Some(delay) = in_backoff(world, &key) {
                            sync_after(world, &set, delay);
                            continue;
                        }
                        next_backoff(world, &key);
                        events.push((
                            "Warning",
                            "FailedDaemonPod",
                            format!(
                                "Found failed daemon pod {}/{pod_name} on node {node_name}, will try to kill it",
                                world.config.namespace
                            ),
                        ));
                        plan.delete.push(pod_name);
                    } else if podutil::is_succeeded(pod) {
                        events.push((
                            "Normal",
                            "SucceededDaemonPod",
                            format!(
                                "Found succeeded daemon pod {}/{pod_name} on node {node_name}, will try to delete it",
                                world.config.namespace
                            ),
                        ));
                        plan.delete.push(pod_name);
                    } else {
                        running.push(pod.clone());
                    }
                }
                if !surge {
                    if running.len() <= 1 {
                        continue;
                    }
                    // Keep the oldest (the list is sorted).
                    for pod in &running[1..] {
                        plan.delete
                            .push(pod.metadata.name.clone().unwrap_or_default());
                    }
                    continue;
                }
                if running.len() <= 1 {
                    // Surging: a node needs one pod that is not being deleted.
                    if running.is_empty() && should_run {
                        plan.create_on.push(node_name.clone());
                    }
                    continue;
                }
                // With surge, an old and a new pod may both stay while the new one is not
                // available and the old one ready; every other pod goes.
                let mut oldest_new: Option<&Arc<Pod>> = None;
                let mut oldest_old: Option<&Arc<Pod>> = None;
                for pod in &running {
                    let slot = if podutil::label(pod, util::HASH_LABEL) == Some(hash) {
                        &mut oldest_new
                    } else {
                        &mut oldest_old
                    };
                    if slot.is_none() {
                        *slot = Some(pod);
                        continue;
                    }
                    plan.delete
                        .push(pod.metadata.name.clone().unwrap_or_default());
                }
                if let (Some(new), Some(old)) = (oldest_new, oldest_old) {
                    if !podutil::is_ready(old) || util::is_available(new, min_ready, world.now) {
                        plan.delete
                            .push(old.metadata.name.clone().unwrap_or_default());
                    }
                }
            }
            Some(pods) if !should_continue => {
                for pod in pods {
                    if pod.metadata.deletion_timestamp.is_none() {
                        plan.delete
                            .push(pod.metadata.name.clone().unwrap_or_default());
                    }
                }
            }
            _ => {}
        }
    }
    // `getUnscheduledPodsWithoutNode`: pods meant for a node that does not exist, never
    // bound, are deleted here (pod GC only deletes the bound ones).
    for (node, pods) in &by_node {
        if world.store.nodes().contains_key(node) {
            continue;
        }
        for pod in pods {
            let bound = pod
                .spec
                .as_ref()
                .and_then(|s| s.node_name.as_deref())
                .is_some_and(|n| !n.is_empty());
            if !bound && pod.metadata.deletion_timestamp.is_none() {
                plan.delete
                    .push(pod.metadata.name.clone().unwrap_or_default());
            }
        }
    }
    for (type_, reason, message) in events {
        crate::sim::events::record(
            world,
            Recorder::DAEMONSET,
            ObjectKind::DaemonSet,
            &set,
            type_,
            reason,
            message,
        );
    }
    let wrote = !plan.create_on.is_empty() || !plan.delete.is_empty();
    let ok = sync_nodes(world, ds, &plan.delete, &plan.create_on, hash)?;
    Ok((wrote, ok))
}

/// `IsInBackOffSinceUpdate`: the delay when the key is still in back-off.
fn in_backoff(world: &World, key: &str) -> Option<Millis> {
    let (delay, last) = *world.daemonset.failed.get(key)?;
    let since = world.now - last;
    if since > FAILED_BACKOFF_MAX * 2 {
        return None;
    }
    (since < delay).then_some(delay)
}

/// `Next`: the first failure waits 1 s, each next one twice the last (at most 15 min); an
/// entry unused for twice the maximum starts again.
fn next_backoff(world: &mut World, key: &str) {
    let now = world.now;
    let entry = world.daemonset.failed.get(key).copied();
    let delay = match entry {
        Some((delay, last)) if now - last <= FAILED_BACKOFF_MAX * 2 => {
            (delay * 2).min(FAILED_BACKOFF_MAX)
        }
        _ => FAILED_BACKOFF_INITIAL,
    };
    world.daemonset.failed.insert(key.to_string(), (delay, now));
}

fn event(world: &mut World, ds: &DaemonSet, type_: &'static str, reason: &str, message: String) {
    let name = ds.metadata.name.clone().unwrap_or_default();
    crate::sim::events::record(
        world,
        Recorder::DAEMONSET,
        ObjectKind::DaemonSet,
        &name,
        type_,
        reason,
        message,
    );
}

/// `syncNodes`: creations in slow-start batches (1, 2, 4, …; a failure skips the rest),
/// then deletions; at most [`BURST_REPLICAS`] of each. Whether all went through.
fn sync_nodes(
    world: &mut World,
    ds: &DaemonSet,
    delete: &[String],
    create_on: &[String],
    hash: &str,
) -> Result<bool, SimError> {
    let mut ok = true;
    let create_on = &create_on[..create_on.len().min(BURST_REPLICAS)];
    let delete = &delete[..delete.len().min(BURST_REPLICAS)];
    let template = util::pod_template(ds, template_generation(ds), hash);
    let mut pos = 0;
    let mut batch = 1usize.min(create_on.len());
    while pos < create_on.len() {
        let mut failed = false;
        for node in &create_on[pos..pos + batch] {
            if !create_pod(world, ds, &template, node)? {
                failed = true;
            }
        }
        if failed {
            ok = false;
            break;
        }
        pos += batch;
        batch = (2 * batch).min(create_on.len() - pos);
    }
    for pod in delete {
        match server::delete(world, &ObjectKind::Pod, pod, Propagation::Unset, false) {
            Ok(_) => event(
                world,
                ds,
                "Normal",
                "SuccessfulDelete",
                format!("Deleted pod: {pod}"),
            ),
            Err(RequestError::Sim(e)) => return Err(e),
            Err(RequestError::Api(e)) if e.reason == server::Reason::NotFound => {}
            Err(RequestError::Api(e)) => {
                event(
                    world,
                    ds,
                    "Warning",
                    "FailedDelete",
                    format!("Error deleting: {}", e.message),
                );
                ok = false;
            }
        }
    }
    Ok(ok)
}

/// `GetPodFromTemplate` + `CreatePods`: a pod named `<ds>-<suffix>` with the template's
/// labels, annotations and finalizers, the set as controller, pinned to `node`. Whether
/// the API server took it (its refusal is a `FailedCreate` event).
fn create_pod(
    world: &mut World,
    ds: &DaemonSet,
    template: &k8s_openapi::api::core::v1::PodTemplateSpec,
    node: &str,
) -> Result<bool, SimError> {
    let meta = template.metadata.clone().unwrap_or_default();
    let mut spec = template.spec.clone().unwrap_or_default();
    spec.affinity = Some(util::pin_to_node(spec.affinity.take(), node));
    let set = ds.metadata.name.clone().unwrap_or_default();
    // `getPodsPrefix`: `<name>-` unless that is no valid pod name prefix.
    let prefix = format!("{set}-");
    let mut metadata = serde_json::json!({"generateName": prefix});
    if let Some(labels) = meta.labels.filter(|l| !l.is_empty()) {
        metadata["labels"] = serde_json::to_value(labels).unwrap_or(Value::Null);
    }
    if let Some(annotations) = meta.annotations.filter(|a| !a.is_empty()) {
        metadata["annotations"] = serde_json::to_value(annotations).unwrap_or(Value::Null);
    }
    if let Some(finalizers) = meta.finalizers.filter(|f| !f.is_empty()) {
        metadata["finalizers"] = serde_json::to_value(finalizers).unwrap_or(Value::Null);
    }
    metadata["ownerReferences"] =
        serde_json::to_value(vec![history::controller_ref(ds)]).unwrap_or(Value::Null);
    let pod = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": serde_json::to_value(&spec).unwrap_or(Value::Null),
    });
    match server::create(world, &ObjectKind::Pod, &pod) {
        Ok(response) => {
            let pod = response.value;
            event(
                world,
                ds,
                "Normal",
                "SuccessfulCreate",
                format!("Created pod: {pod}"),
            );
            Ok(true)
        }
        Err(RequestError::Sim(e)) => Err(e),
        Err(RequestError::Api(e)) => {
            // `RealPodControl.createPods`: `Error creating: %v` of the API error, its
            // message (kubectl's `Error from server (…)` is no part of it).
            event(
                world,
                ds,
                "Warning",
                "FailedCreate",
                format!("Error creating: {}", e.message),
            );
            Ok(false)
        }
    }
}

/// `updateDaemonSetStatus` and `storeDaemonSetStatus`: the counts over the nodes, written
/// only when they (or the observed generation) changed; with `minReadySeconds`, a sync
/// again after it while some ready pod is not yet available.
fn update_status(world: &mut World, name: &str, hash: &str) {
    let Some(ds) = world.store.daemonsets().get_shared(name) else {
        return;
    };
    let by_node = pods_by_node(world, &ds, false);
    let min_ready = ds
        .spec
        .as_ref()
        .and_then(|s| s.min_ready_seconds)
        .unwrap_or(0);
    let generation = template_generation(&ds);
    let (mut desired, mut current, mut misscheduled) = (0, 0, 0);
    let (mut ready, mut updated, mut available) = (0, 0, 0);
    for node in world.store.nodes().values() {
        let node_name = node.metadata.name.as_deref().unwrap_or_default();
        let (should_run, _) = util::should_run(node, &ds);
        let pods = by_node.get(node_name).filter(|p| !p.is_empty());
        if !should_run {
            if pods.is_some() {
                misscheduled += 1;
            }
            continue;
        }
        desired += 1;
        let Some(pods) = pods else { continue };
        current += 1;
        let pod = &pods[0];
        if podutil::is_ready(pod) {
            ready += 1;
            if util::is_available(pod, min_ready, world.now) {
                available += 1;
            }
        }
        if util::is_updated(pod, hash, generation) {
            updated += 1;
        }
    }
    let unavailable = desired - available;
    let nonzero = |n: i32| (n != 0).then_some(n);
    let observed = ds.metadata.generation;
    let old = ds.status.clone().unwrap_or_default();
    let status = DaemonSetStatus {
        desired_number_scheduled: desired,
        current_number_scheduled: current,
        number_misscheduled: misscheduled,
        number_ready: ready,
        updated_number_scheduled: nonzero(updated),
        number_available: nonzero(available),
        number_unavailable: nonzero(unavailable),
        observed_generation: observed,
        collision_count: old.collision_count,
        conditions: old.conditions.clone(),
    };
    if status != old {
        server::write::<DaemonSet>(world, name, Author::Owner, |ds| {
            ds.status = Some(status);
            true
        });
    }
    if min_ready > 0 && ready != available {
        sync_after(world, name, Millis::from_secs(min_ready.into()));
    }
}
