//! The node lifecycle controller (upstream `pkg/controller/nodelifecycle`), with the node's
//! own kubelet going down and up (`make node/n down|up`, docs/language.md timing): 50 s
//! after a node stops reporting (node-monitor grace period) its Ready and pressure
//! conditions are Unknown, it gets the `node.kubernetes.io/unreachable` NoSchedule taint and,
//! unless its zone is disrupted, the NoExecute one (B-TAINT-1); its pods are marked not
//! Ready (B-TAINT-5). The taint manager (`taint_eviction.rs`) then deletes each pod when its
//! toleration runs out (300 s by default, B-TAINT-2/3); the pods stay Terminating until the
//! node is up again or they are force-deleted (B-FAIL-4, B-TAINT-6).
//!
//! The NoExecute taints go through one rate-limited queue per zone
//! (`zoneNoExecuteTainter`, `doNoExecuteTaintingPass`): a token bucket of burst 1 at
//! `--node-eviction-rate` 0.1/s, so the nodes of a zone that go silent together are tainted
//! one every 10 s (their pods' tolerations count from their own taint).
//!
//! Zones (`handleDisruption`): a zone with no Ready node is fully disrupted; one with more
//! than two nodes not Ready, at least 55 % of it, partially. A partially disrupted zone of
//! at most 50 nodes taints no more nodes NoExecute (more than 50: 0.01/s). When every zone
//! is fully disrupted the controller blames its own connectivity ("master disruption
//! mode"): it takes every NoExecute taint off and evicts nothing until a node is Ready
//! again. A queue whose limiter was stopped starts again with an empty bucket
//! (`SwapLimiter`): its first node is tainted 10 s after the zone recovers.

use crate::sim::events::Recorder;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use k8s_openapi::api::core::v1::{Node, NodeCondition, Taint};

use crate::sim::clock::{to_time, Millis};
use crate::sim::kinds::ObjectKind;
use crate::sim::world::{Timer, World};

pub const NODE_MONITOR_GRACE: Millis = Millis::secs(50);

#[derive(Debug, Default)]
pub struct NodeLifecycle {
    /// Each down/up bumps the node's epoch, so timers of an earlier outage do nothing.
    epochs: BTreeMap<String, u64>,
    /// `zoneStates`: one per zone that has nodes.
    zone_states: BTreeMap<String, ZoneState>,
    /// `knownNodeSet`.
    known: BTreeSet<String>,
    /// The first monitor pass ran.
    started: bool,
    /// A node changed since the last monitor pass.
    monitor_due: bool,
    /// `zoneNoExecuteTainter`: one per zone ever seen (a zone that comes back gets a new
    /// one, as `addPodEvictorForNewZone` makes it).
    tainters: BTreeMap<String, Tainter>,
    /// When the tainting pass is next due (a timer is set for it).
    tainting_at: Option<Millis>,
}

/// `--node-eviction-rate` (0.1 nodes/s): one token each 10 s.
const EVICTION_PERIOD: Millis = Millis::secs(10);
/// `--secondary-node-eviction-rate` (0.01 nodes/s), for a partially disrupted zone of more
/// than `--large-cluster-size-threshold` nodes.
const SECONDARY_EVICTION_PERIOD: Millis = Millis::secs(100);

/// A tainter's limiter (`SwapLimiter`): a token bucket of burst 1 with a token each
/// `period`, or none (`NewFakeNeverRateLimiter` for a rate of 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rate {
    Healthy,
    Secondary,
    Never,
}

impl Rate {
    fn period(self) -> Option<Millis> {
        match self {
            Rate::Healthy => Some(EVICTION_PERIOD),
            Rate::Secondary => Some(SECONDARY_EVICTION_PERIOD),
            Rate::Never => None,
        }
    }
}

/// `RateLimitedTimedQueue` over a `UniqueQueue`: the nodes waiting for their NoExecute
/// taint, in the order they were queued; `set` also keeps the ones tainted since, so they
/// are not queued again while their taint stays.
#[derive(Debug)]
struct Tainter {
    rate: Rate,
    /// When the bucket next holds its one token.
    ready_at: Millis,
    set: BTreeSet<String>,
    queue: VecDeque<String>,
}

impl Tainter {
    /// A full bucket at the healthy rate.
    fn new(now: Millis) -> Tainter {
        Tainter {
            rate: Rate::Healthy,
            ready_at: now,
            set: BTreeSet::new(),
            queue: VecDeque::new(),
        }
    }

    /// `TryAccept`: takes the token if there is one.
    fn try_accept(&mut self, now: Millis) -> bool {
        match self.rate.period() {
            Some(period) if now >= self.ready_at => {
                self.ready_at = now + period;
                true
            }
            _ => false,
        }
    }

    /// `SwapLimiter`: a new limiter at the new rate, drained when the old one had no token.
    fn swap(&mut self, rate: Rate, now: Millis) {
        if rate == self.rate {
            return;
        }
        if let Some(period) = rate.period() {
            let had_token = self.try_accept(now);
            self.ready_at = if had_token { now } else { now + period };
        }
        self.rate = rate;
    }

    /// `UniqueQueue.Add`.
    fn add(&mut self, node: &str) {
        if self.set.insert(node.to_string()) {
            self.queue.push_back(node.to_string());
        }
    }

    /// `UniqueQueue.Remove`: out of the queue and the set.
    fn remove(&mut self, node: &str) {
        if self.set.remove(node) {
            self.queue.retain(|n| n != node);
        }
    }
}

fn bump(world: &mut World, node: &str) -> u64 {
    let epoch = world
        .node_lifecycle
        .epochs
        .entry(node.to_string())
        .or_default();
    *epoch += 1;
    *epoch
}

fn current(world: &World, node: &str, epoch: u64) -> bool {
    world.node_lifecycle.epochs.get(node) == Some(&epoch) && world.kubelet.down.contains(node)
}

fn pods_on(world: &World, node: &str) -> Vec<String> {
    world
        .store
        .pods()
        .iter()
        .filter(|(_, p)| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node))
        .map(|(n, _)| n.clone())
        .collect()
}

/// `make node/n down`: the kubelet stops; the control plane notices after the grace period.
pub fn make_down(world: &mut World, node: &str) {
    if world.kubelet.down.contains(node) {
        return;
    }
    world.kubelet.down.insert(node.to_string());
    let epoch = bump(world, node);
    world.timers.at(
        world.now + NODE_MONITOR_GRACE,
        Timer::NodeNotReady {
            node: node.to_string(),
            epoch,
        },
    );
}

pub fn not_ready(world: &mut World, node: &str, epoch: u64) {
    if !current(world, node, epoch) {
        return;
    }
    crate::sim::events::record(
        world,
        Recorder::NODE_CONTROLLER,
        ObjectKind::Node,
        node,
        "Normal",
        "NodeNotReady",
        format!("Node {node} status is now: NodeNotReady"),
    );
    mark_pods_not_ready(world, node);
    // Ready `Unknown`: the NoSchedule taint follows at once, the NoExecute one from the
    // monitor pass; the taint manager (taint_eviction.rs) takes it from there.
    node_status_unknown(world, node);
}

/// `MarkPodsNotReady` (B-TAINT-5): only the pod's `Ready` condition turns False (phase and
/// container statuses stay), with a `NodeNotReady` warning on each pod it changed.
fn mark_pods_not_ready(world: &mut World, node: &str) {
    let now = world.now;
    for pod in pods_on(world, node) {
        let written = crate::sim::server::write::<k8s_openapi::api::core::v1::Pod>(
            world,
            &pod,
            crate::sim::server::Author::Other,
            |object| {
                let Some(conditions) = object.status.as_mut().and_then(|s| s.conditions.as_mut())
                else {
                    return false;
                };
                let Some(ready) = conditions.iter_mut().find(|c| c.type_ == "Ready") else {
                    return false;
                };
                if ready.status == "False" {
                    return false;
                }
                ready.status = "False".into();
                ready.last_transition_time = Some(to_time(now));
                true
            },
        );
        if written.is_none() {
            continue;
        }
        crate::sim::events::record(
            world,
            Recorder::NODE_CONTROLLER,
            ObjectKind::Pod,
            &pod,
            "Warning",
            "NodeNotReady",
            "Node is not ready".into(),
        );
    }
}

/// `make node/n up`: the kubelet reports again at once; the controller takes its taints
/// off in its next pass; the kubelet finishes what waited for it.
pub fn make_up(world: &mut World, node: &str) -> Result<(), crate::sim::error::SimError> {
    if !world.kubelet.down.contains(node) {
        return Ok(());
    }
    bump(world, node);
    // The scheduler hears the node's updates (Ready, then untainted) and retries its
    // waiting pods from its own queue.
    crate::sim::node_status::report(world, node);
    // The controller's next pass (within its 5 s monitor period) takes the unreachable
    // taints off; here in the same instant, so the kubelet admits against the clean node.
    no_schedule_tainting(world, node);
    mark_node_as_reachable(world, node);
    super::super::kubelet::node_up(world, node)
}

/// `tryUpdateNodeHealth` after the grace period: Ready and the three pressure conditions
/// turn `Unknown` in place, keeping the kubelet's last heartbeat; a condition the kubelet
/// never posted is added as never updated.
fn node_status_unknown(world: &mut World, node: &str) {
    let now = world.now;
    crate::sim::server::write::<Node>(world, node, crate::sim::server::Author::Other, |object| {
        let created = object.metadata.creation_timestamp.clone();
        let status = object.status.get_or_insert_with(Default::default);
        let conditions = status.conditions.get_or_insert_with(Vec::new);
        let mut changed = false;
        for type_ in ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] {
            match conditions.iter_mut().find(|c| c.type_ == type_) {
                Some(condition) => {
                    if condition.status != "Unknown" {
                        condition.status = "Unknown".into();
                        condition.reason = Some("NodeStatusUnknown".into());
                        condition.message = Some("Kubelet stopped posting node status.".into());
                        condition.last_transition_time = Some(to_time(now));
                        changed = true;
                    }
                }
                None => {
                    conditions.push(NodeCondition {
                        type_: type_.into(),
                        status: "Unknown".into(),
                        reason: Some("NodeStatusNeverUpdated".into()),
                        message: Some("Kubelet never posted node status.".into()),
                        last_heartbeat_time: created.clone(),
                        last_transition_time: Some(to_time(now)),
                    });
                    changed = true;
                }
            }
        }
        changed
    });
}

/// The controller's informer handler: every change of a node gets the NoSchedule taints
/// of its conditions (and of a cordon) at once, and a monitor pass after this instant's
/// changes; the node's kubelet hears a changed `spec.unschedulable` at its next sync.
pub fn on_event(
    world: &mut World,
    event: &crate::sim::world::WatchEvent,
) -> Result<(), crate::sim::error::SimError> {
    if event.kind != ObjectKind::Node {
        return Ok(());
    }
    world.node_lifecycle.monitor_due = true;
    if event.change != crate::sim::world::Change::Deleted {
        no_schedule_tainting(world, &event.name);
        crate::sim::node_status::spec_changed(world, &event.name);
    } else {
        crate::sim::node_status::forget(world, &event.name);
    }
    Ok(())
}

/// `nodeConditionToTaintKeyStatusMap`: the NoSchedule taint each condition status carries.
const CONDITION_TAINTS: [(&str, &str, &str); 6] = [
    ("Ready", "False", NOT_READY),
    ("Ready", "Unknown", UNREACHABLE),
    (
        "MemoryPressure",
        "True",
        "node.kubernetes.io/memory-pressure",
    ),
    ("DiskPressure", "True", "node.kubernetes.io/disk-pressure"),
    (
        "NetworkUnavailable",
        "True",
        "node.kubernetes.io/network-unavailable",
    ),
    ("PIDPressure", "True", "node.kubernetes.io/pid-pressure"),
];

/// `doNoScheduleTaintingPass` (taint-nodes-by-condition, B-DRAIN-7): the NoSchedule taints
/// of the node's conditions, in the order of its conditions, then
/// `node.kubernetes.io/unschedulable` for a cordoned node. The taints it adds get
/// `timeAdded` (`SwapNodeControllerTaint` stamps every taint it adds; the Taint field's
/// old comment "only written for NoExecute taints" was removed for that reason,
/// kubernetes/kubernetes#131644); one already there keeps its time.
pub fn no_schedule_tainting(world: &mut World, node: &str) {
    let now = world.now;
    crate::sim::server::write::<Node>(world, node, crate::sim::server::Author::Other, |object| {
        let mut wanted: Vec<&str> = Vec::new();
        for condition in object
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_deref())
            .unwrap_or_default()
        {
            for (type_, status, key) in CONDITION_TAINTS {
                if condition.type_ == type_ && condition.status == status && !wanted.contains(&key)
                {
                    wanted.push(key);
                }
            }
        }
        let spec = object.spec.get_or_insert_with(Default::default);
        if spec.unschedulable.unwrap_or(false) {
            wanted.push(UNSCHEDULABLE);
        }
        let managed =
            |key: &str| key == UNSCHEDULABLE || CONDITION_TAINTS.iter().any(|(_, _, k)| *k == key);
        let taints = spec.taints.get_or_insert_with(Vec::new);
        let before = taints.len();
        taints.retain(|t| {
            !(t.effect == "NoSchedule" && managed(&t.key) && !wanted.contains(&t.key.as_str()))
        });
        let mut changed = taints.len() != before;
        for key in wanted {
            if !taints
                .iter()
                .any(|t| t.key == key && t.effect == "NoSchedule")
            {
                taints.push(Taint {
                    key: key.into(),
                    effect: "NoSchedule".into(),
                    time_added: Some(to_time(now)),
                    value: None,
                });
                changed = true;
            }
        }
        if taints.is_empty() {
            spec.taints = None;
        }
        changed
    });
}

/// The controller's queued work: one monitor pass once this instant's changes are in.
pub fn work(world: &mut World) -> Result<bool, crate::sim::error::SimError> {
    if !std::mem::take(&mut world.node_lifecycle.monitor_due) {
        return Ok(false);
    }
    monitor_node_health(world);
    Ok(true)
}

/// A zone's health (`ZoneState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneState {
    Initial,
    Normal,
    PartialDisruption,
    FullDisruption,
}

/// `--unhealthy-zone-threshold`.
const UNHEALTHY_ZONE_THRESHOLD: f64 = 0.55;
/// `--large-cluster-size-threshold`.
const LARGE_CLUSTER_THRESHOLD: usize = 50;

/// `ComputeZoneState` from the Ready statuses of a zone's nodes.
pub fn compute_zone_state(ready: &[bool]) -> ZoneState {
    let ready_nodes = ready.iter().filter(|r| **r).count();
    let not_ready = ready.len() - ready_nodes;
    if ready_nodes == 0 && not_ready > 0 {
        ZoneState::FullDisruption
    } else if not_ready > 2 && not_ready as f64 / ready.len() as f64 >= UNHEALTHY_ZONE_THRESHOLD {
        ZoneState::PartialDisruption
    } else {
        ZoneState::Normal
    }
}

/// `GetZoneKey`: region and zone; nodes with neither share the zone "".
fn zone_key(node: &Node) -> String {
    let region = crate::sim::nodes::label(node, "topology.kubernetes.io/region")
        .or_else(|| crate::sim::nodes::label(node, "failure-domain.beta.kubernetes.io/region"))
        .unwrap_or_default();
    let zone = crate::sim::nodes::zone(node)
        .or_else(|| crate::sim::nodes::label(node, "failure-domain.beta.kubernetes.io/zone"))
        .unwrap_or_default();
    if region.is_empty() && zone.is_empty() {
        String::new()
    } else {
        format!("{region}:\0:{zone}")
    }
}

fn ready_status(node: &Node) -> Option<&str> {
    node.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready")
        .map(|c| c.status.as_str())
}

/// `monitorNodeHealth` without the grace-period bookkeeping (the `NodeNotReady` timer does
/// that): nodes that joined or left, each node's NoExecute taint queued or taken off
/// (`processTaintBaseEviction`), then `handleDisruption`, then the zones' tainters.
fn monitor_node_health(world: &mut World) {
    let nodes: Vec<(String, String, Option<String>)> = world
        .store
        .nodes()
        .iter()
        .map(|(name, node)| {
            (
                name.clone(),
                zone_key(node),
                ready_status(node).map(String::from),
            )
        })
        .collect();
    register(world, &nodes);
    let now = world.now;
    // `addPodEvictorForNewZone`: a zone without a state gets one and a new tainter.
    for (_, zone, _) in &nodes {
        let lifecycle = &mut world.node_lifecycle;
        if !lifecycle.zone_states.contains_key(zone) {
            lifecycle
                .zone_states
                .insert(zone.clone(), ZoneState::Initial);
            lifecycle.tainters.insert(zone.clone(), Tainter::new(now));
        }
    }
    let mut zones: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    for (name, zone, ready) in &nodes {
        // `isNodeExcludedFromDisruptionChecks`.
        let excluded = world
            .store
            .nodes()
            .get(name)
            .is_some_and(|n| crate::sim::nodes::label(n, EXCLUDE_DISRUPTION).is_some());
        if !excluded {
            zones
                .entry(zone.clone())
                .or_default()
                .push(ready.as_deref() == Some("True"));
        }
        process_taint_base_eviction(world, name, zone, ready.as_deref());
    }
    handle_disruption(world, &zones);
    no_execute_tainting_pass(world);
}

/// `processTaintBaseEviction`: a Ready node loses its NoExecute taints; a not Ready one
/// swaps the other NoExecute taint for its own at once, or waits in its zone's queue
/// (`markNodeForTainting`: one without its taint is queued again at the back).
fn process_taint_base_eviction(world: &mut World, node: &str, zone: &str, ready: Option<&str>) {
    let (key, opposite) = match ready {
        None => return,
        Some("True") => {
            mark_node_as_reachable(world, node);
            return;
        }
        Some("False") => (NOT_READY, UNREACHABLE),
        Some(_) => (UNREACHABLE, NOT_READY),
    };
    if has_no_execute(world, node, opposite) {
        set_no_execute(world, node, Some(key));
        return;
    }
    let tainted = has_no_execute(world, node, key);
    if let Some(tainter) = world.node_lifecycle.tainters.get_mut(zone) {
        if !tainted {
            tainter.remove(node);
        }
        tainter.add(node);
    }
}

fn has_no_execute(world: &World, node: &str, key: &str) -> bool {
    world
        .store
        .nodes()
        .get(node)
        .and_then(|n| n.spec.as_ref())
        .and_then(|s| s.taints.as_ref())
        .is_some_and(|t| t.iter().any(|t| t.key == key && t.effect == "NoExecute"))
}

/// `markNodeAsReachable`: both NoExecute taints off, the node out of its zone's queue.
fn mark_node_as_reachable(world: &mut World, node: &str) {
    set_no_execute(world, node, None);
    let zone = world.store.nodes().get(node).map(zone_key);
    if let Some(tainter) = zone.and_then(|z| world.node_lifecycle.tainters.get_mut(&z)) {
        tainter.remove(node);
    }
}

/// `doNoExecuteTaintingPass` (every 100 ms upstream; here when something changed and when
/// a limiter's next token is due): each zone's queue, in order, as long as its limiter
/// gives tokens. A node gone or Ready again leaves the queue (its token spent); the others
/// get the taint of their Ready condition, the opposite one taken off.
pub fn no_execute_tainting_pass(world: &mut World) {
    let now = world.now;
    if world.node_lifecycle.tainting_at == Some(now) {
        world.node_lifecycle.tainting_at = None;
    }
    let zones: Vec<String> = world.node_lifecycle.tainters.keys().cloned().collect();
    let mut next: Option<Millis> = None;
    for zone in zones {
        while let Some(tainter) = world.node_lifecycle.tainters.get_mut(&zone) {
            let Some(node) = tainter.queue.front().cloned() else {
                break;
            };
            if !tainter.try_accept(now) {
                if tainter.rate != Rate::Never {
                    next = Some(next.map_or(tainter.ready_at, |n| n.min(tainter.ready_at)));
                }
                break;
            }
            // `RemoveFromQueue`: done with, but kept in the set.
            tainter.queue.pop_front();
            let ready = world
                .store
                .nodes()
                .get(&node)
                .map(|n| ready_status(n).map(String::from));
            match ready.flatten().as_deref() {
                Some("False") => set_no_execute(world, &node, Some(NOT_READY)),
                Some("Unknown") => set_no_execute(world, &node, Some(UNREACHABLE)),
                // Gone, Ready again or without a Ready condition: nothing to taint.
                _ => {
                    if let Some(tainter) = world.node_lifecycle.tainters.get_mut(&zone) {
                        tainter.set.remove(&node);
                    }
                }
            }
        }
    }
    if let Some(at) = next {
        let lifecycle = &mut world.node_lifecycle;
        if lifecycle.tainting_at.is_none_or(|t| t > at) {
            lifecycle.tainting_at = Some(at);
            world.timers.at(at, Timer::NoExecuteTainting);
        }
    }
}

/// The first pass sees the cluster's own nodes, registered before anything else happened;
/// later ones are announced (`RegisteredNode`), and so are the nodes that left
/// (`RemovingNode`), as `RecordNodeEvent` formats them.
fn register(world: &mut World, nodes: &[(String, String, Option<String>)]) {
    let started = world.node_lifecycle.started;
    world.node_lifecycle.started = true;
    for (name, _, _) in nodes {
        if world.node_lifecycle.known.insert(name.clone()) && started {
            crate::sim::events::record(
                world,
                Recorder::NODE_CONTROLLER,
                ObjectKind::Node,
                name,
                "Normal",
                "RegisteredNode",
                format!("Node {name} event: Registered Node {name} in Controller"),
            );
        }
    }
    let gone: Vec<String> = world
        .node_lifecycle
        .known
        .iter()
        .filter(|known| !nodes.iter().any(|(name, _, _)| name == *known))
        .cloned()
        .collect();
    for name in gone {
        world.node_lifecycle.known.remove(&name);
        world.node_lifecycle.epochs.remove(&name);
        crate::sim::events::record(
            world,
            Recorder::NODE_CONTROLLER,
            ObjectKind::Node,
            &name,
            "Normal",
            "RemovingNode",
            format!("Node {name} event: Removing Node {name} from Controller"),
        );
    }
}

fn all_fully_disrupted(states: &BTreeMap<String, ZoneState>) -> bool {
    !states.is_empty() && states.values().all(|s| *s == ZoneState::FullDisruption)
}

/// `handleDisruption`: when every zone has no Ready node, the controller assumes the
/// control plane lost the nodes rather than the nodes failing ("master disruption mode"):
/// it takes every NoExecute taint off and stops every tainter until some node is Ready
/// again, then resets each zone's limiter. Otherwise a zone whose state changed gets the
/// limiter of its new state (`setLimiterInZone`).
fn handle_disruption(world: &mut World, zones: &BTreeMap<String, Vec<bool>>) {
    let now = world.now;
    let new_states: BTreeMap<String, ZoneState> = zones
        .iter()
        .map(|(zone, ready)| (zone.clone(), compute_zone_state(ready)))
        .collect();
    let lifecycle = &mut world.node_lifecycle;
    lifecycle
        .zone_states
        .retain(|zone, _| zones.contains_key(zone));
    for zone in zones.keys() {
        lifecycle
            .zone_states
            .entry(zone.clone())
            .or_insert(ZoneState::Initial);
    }
    let all_are = all_fully_disrupted(&new_states);
    let all_were = all_fully_disrupted(&lifecycle.zone_states);
    if all_are && all_were {
        return;
    }
    if all_are {
        // Entering master disruption mode: `markNodeAsReachable` on every node.
        let names: Vec<String> = world.store.nodes().keys().cloned().collect();
        for name in names {
            mark_node_as_reachable(world, &name);
        }
        let lifecycle = &mut world.node_lifecycle;
        for (zone, state) in lifecycle.zone_states.iter_mut() {
            if let Some(tainter) = lifecycle.tainters.get_mut(zone) {
                tainter.swap(Rate::Never, now);
            }
            *state = ZoneState::FullDisruption;
        }
        return;
    }
    for (zone, state) in lifecycle.zone_states.iter_mut() {
        let new = new_states.get(zone).copied().unwrap_or(ZoneState::Normal);
        // Leaving master disruption mode resets every limiter; otherwise only a zone
        // whose state changed gets a new one.
        if new == *state && !all_were {
            continue;
        }
        let size = zones.get(zone).map_or(0, Vec::len);
        let rate = match new {
            ZoneState::PartialDisruption if size > LARGE_CLUSTER_THRESHOLD => Some(Rate::Secondary),
            ZoneState::PartialDisruption => Some(Rate::Never),
            ZoneState::Normal | ZoneState::FullDisruption => Some(Rate::Healthy),
            ZoneState::Initial => None,
        };
        if let (Some(rate), Some(tainter)) = (rate, lifecycle.tainters.get_mut(zone)) {
            tainter.swap(rate, now);
        }
        *state = new;
    }
}

/// The node's NoExecute taint: `unreachable` or `not-ready` (swapping the other) with
/// `timeAdded`, or neither.
fn set_no_execute(world: &mut World, node: &str, key: Option<&str>) {
    let now = world.now;
    crate::sim::server::write::<Node>(world, node, crate::sim::server::Author::Other, |object| {
        let spec = object.spec.get_or_insert_with(Default::default);
        let taints = spec.taints.get_or_insert_with(Vec::new);
        let has = |k: &str| taints.iter().any(|t| t.key == k && t.effect == "NoExecute");
        if key.is_some_and(has) {
            return false;
        }
        let before = taints.len();
        taints
            .retain(|t| !(t.effect == "NoExecute" && (t.key == UNREACHABLE || t.key == NOT_READY)));
        let mut changed = taints.len() != before;
        if let Some(key) = key {
            taints.push(Taint {
                key: key.into(),
                effect: "NoExecute".into(),
                time_added: Some(to_time(now)),
                value: None,
            });
            changed = true;
        }
        if taints.is_empty() {
            spec.taints = None;
        }
        changed
    });
}

/// The label that keeps a node out of its zone's health (`labelNodeDisruptionExclusion`).
const EXCLUDE_DISRUPTION: &str = "node.kubernetes.io/exclude-disruption";
pub const UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
pub const NOT_READY: &str = "node.kubernetes.io/not-ready";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_states_as_compute_zone_state() {
        assert_eq!(compute_zone_state(&[false]), ZoneState::FullDisruption);
        assert_eq!(
            compute_zone_state(&[false, false, false]),
            ZoneState::FullDisruption
        );
        assert_eq!(compute_zone_state(&[true, false, false]), ZoneState::Normal);
        // More than two not Ready, and at least 55 %.
        assert_eq!(
            compute_zone_state(&[true, true, false, false, false]),
            ZoneState::PartialDisruption
        );
        assert_eq!(
            compute_zone_state(&[true, true, true, false, false, false]),
            ZoneState::Normal
        );
        assert_eq!(compute_zone_state(&[]), ZoneState::Normal);
    }

    /// `SwapLimiter`: the new bucket is full unless the old one had no token; a rate of 0
    /// never lets a node through.
    #[test]
    fn swap_limiter_drains_when_the_old_bucket_was_empty() {
        let t0 = Millis::secs(100);
        let mut tainter = Tainter::new(t0);
        assert!(tainter.try_accept(t0));
        assert!(!tainter.try_accept(t0 + Millis::secs(9)));
        assert!(tainter.try_accept(t0 + Millis::secs(10)));
        tainter.swap(Rate::Never, t0 + Millis::secs(30));
        assert!(!tainter.try_accept(t0 + Millis::secs(1000)));
        tainter.swap(Rate::Healthy, t0 + Millis::secs(1000));
        assert!(!tainter.try_accept(t0 + Millis::secs(1009)));
        assert!(tainter.try_accept(t0 + Millis::secs(1010)));
        // A full bucket swapped to the secondary rate stays full.
        let mut tainter = Tainter::new(t0);
        tainter.swap(Rate::Secondary, t0);
        assert!(tainter.try_accept(t0));
        assert!(!tainter.try_accept(t0 + Millis::secs(99)));
        assert!(tainter.try_accept(t0 + Millis::secs(100)));
    }
}
