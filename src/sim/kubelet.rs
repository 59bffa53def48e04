//! The kubelet of every node: starts a bound pod's sandbox and containers, pulls images,
//! runs the readiness probe, and stops containers when the pod is deleted (LANGUAGE.md
//! timing). Faults (`make pod unready`, `make image unpullable`, `evict`) act here.
//!
//! Timing: IP at once; `ContainerCreating` for 2 s; `Running`; Ready at once without a
//! readiness probe, else after its initialDelaySeconds. A deleted pod stops at once (Ready
//! False) and is gone 1 s later unless finalizers hold it. A kubelet whose node is down
//! does nothing until the node is up again.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    ContainerStatus, HostIP, Pod, PodIP, PodStatus, Probe,
};

use super::clock::{self, to_time, Millis, SECOND};
use super::error::SimError;
use super::ipam::NodeIpam;
use super::kinds::ObjectKind;
use super::podutil;
use super::scheduler::set_condition;
use super::world::{Timer, World};

/// How long pulling the image and starting the containers takes.
pub const CONTAINER_START: Millis = 2 * SECOND;
/// How long a deleted pod takes to disappear once its containers stopped.
pub const TERMINATION: Millis = SECOND;
/// Image pull back-off: 10 s, doubling, at most 300 s.
pub const PULL_BACKOFF_START: Millis = 10 * SECOND;
pub const PULL_BACKOFF_MAX: Millis = 300 * SECOND;
/// How long `ErrImagePull` shows before the back-off's `ImagePullBackOff`.
pub const ERR_IMAGE_PULL_SHOWN: Millis = SECOND;

#[derive(Debug, Default)]
pub struct Kubelet {
    /// Pods (by UID) whose sandbox was started.
    started: BTreeSet<String>,
    /// Pods (by UID) whose termination began.
    terminating: BTreeSet<String>,
    ipam: BTreeMap<String, NodeIpam>,
    /// Pods (by UID) whose readiness probe fails (`make pod/x unready`).
    pub unready: BTreeSet<String>,
    /// Images that cannot be pulled (`make image "x" unpullable`).
    pub unpullable: BTreeSet<String>,
    /// The current pull back-off of pods (by UID) stuck on an image.
    pull_backoff: BTreeMap<String, Millis>,
    /// Nodes whose kubelet stopped (`make node/n down`).
    pub down: BTreeSet<String>,
}

fn node_of(pod: &Pod) -> Option<String> {
    pod.spec.as_ref().and_then(|s| s.node_name.clone())
}

fn readiness_probe(pod: &Pod) -> Option<&Probe> {
    pod.spec
        .as_ref()?
        .containers
        .first()?
        .readiness_probe
        .as_ref()
}

/// failureThreshold × periodSeconds (3 × 10 s by default); 0 without a probe.
fn failure_delay(pod: &Pod) -> Millis {
    readiness_probe(pod).map_or(0, |p| {
        clock::seconds_times(
            p.failure_threshold.unwrap_or(3).max(1).into(),
            p.period_seconds.unwrap_or(10).max(1).into(),
        )
    })
}

/// successThreshold × periodSeconds (1 × 10 s by default); 0 without a probe.
fn success_delay(pod: &Pod) -> Millis {
    readiness_probe(pod).map_or(0, |p| {
        clock::seconds_times(
            p.success_threshold.unwrap_or(1).max(1).into(),
            p.period_seconds.unwrap_or(10).max(1).into(),
        )
    })
}

fn event(world: &mut World, pod: &str, type_: &'static str, reason: &str, message: String) {
    let now = world.now;
    world
        .events
        .record(now, ObjectKind::Pod, pod, type_, reason, message);
}

pub fn on_pod(world: &mut World, name: &str) -> Result<(), SimError> {
    let Some(pod) = world.store.pods.get(name) else {
        return Ok(());
    };
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let Some(node) = node_of(pod) else {
        return Ok(());
    };
    if world.kubelet.down.contains(&node) {
        return Ok(()); // nobody is there to act; `make node up` re-announces its pods
    }
    if podutil::is_terminating(pod) {
        if world.kubelet.terminating.insert(uid.clone()) {
            stop_containers(world, name, &uid);
        }
        return Ok(());
    }
    if world.kubelet.started.insert(uid.clone()) {
        start_sandbox(world, name, &uid, &node);
    }
    Ok(())
}

/// The sandbox gets its IP in the instant the pod is bound; the containers are created.
fn start_sandbox(world: &mut World, name: &str, uid: &str, node: &str) {
    let node_number = node
        .strip_prefix("node-")
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    let host = world
        .kubelet
        .ipam
        .entry(node.to_string())
        .or_default()
        .allocate();
    let host_ip = world
        .store
        .nodes
        .get(node)
        .and_then(|n| n.status.as_ref()?.addresses.as_ref()?.first().cloned())
        .map(|a| a.address)
        .unwrap_or_default();
    let now = world.now;
    let Some(pod) = world.store.pods.get_mut(name) else {
        return;
    };
    let containers: Vec<(String, String)> = pod
        .spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .map(|c| (c.name.clone(), c.image.clone().unwrap_or_default()))
        .collect();
    let status = pod.status.get_or_insert_with(PodStatus::default);
    if status.phase.as_deref() == Some("Failed") {
        return;
    }
    status.phase = Some("Pending".into());
    if let Some(host) = host {
        let ip = format!("10.244.{node_number}.{host}");
        status.pod_ip = Some(ip.clone());
        status.pod_ips = Some(vec![PodIP { ip }]);
    }
    status.host_ip = Some(host_ip.clone());
    status.host_ips = Some(vec![HostIP { ip: host_ip }]);
    status.start_time = Some(to_time(now));
    status.qos_class = Some("BestEffort".into());
    set_condition(status, "PodReadyToStartContainers", true, now);
    set_condition(status, "Initialized", true, now);
    set_condition(status, "Ready", false, now);
    set_condition(status, "ContainersReady", false, now);
    status.container_statuses = Some(
        containers
            .iter()
            .map(|(cname, image)| ContainerStatus {
                name: cname.clone(),
                image: image.clone(),
                image_id: String::new(),
                ready: false,
                restart_count: 0,
                started: Some(false),
                state: Some(waiting("ContainerCreating", None)),
                ..Default::default()
            })
            .collect(),
    );
    for (_, image) in &containers {
        event(
            world,
            name,
            "Normal",
            "Pulling",
            format!("Pulling image \"{image}\""),
        );
    }
    world.timers.at(
        now + CONTAINER_START,
        Timer::ContainersStarted {
            pod: name.to_string(),
            uid: uid.to_string(),
        },
    );
    super::server::touch_pod(world, name);
}

fn waiting(reason: &str, message: Option<String>) -> ContainerState {
    ContainerState {
        waiting: Some(ContainerStateWaiting {
            reason: Some(reason.into()),
            message,
        }),
        ..Default::default()
    }
}

/// SIGTERM: the containers stop at once, so the pod is no longer Ready.
fn stop_containers(world: &mut World, name: &str, uid: &str) {
    let now = world.now;
    let Some(pod) = world.store.pods.get(name) else {
        return;
    };
    let grace_zero = pod.metadata.deletion_grace_period_seconds == Some(0);
    let running: Vec<String> = pod
        .status
        .iter()
        .flat_map(|s| s.container_statuses.iter().flatten())
        .filter(|c| c.state.as_ref().is_some_and(|s| s.running.is_some()))
        .map(|c| c.name.clone())
        .collect();
    for container in running {
        event(
            world,
            name,
            "Normal",
            "Killing",
            format!("Stopping container {container}"),
        );
    }
    if let Some(pod) = world.store.pods.get_mut(name) {
        if let Some(status) = pod.status.as_mut() {
            if status.conditions.is_some() {
                set_condition(status, "Ready", false, now);
                set_condition(status, "ContainersReady", false, now);
            }
            for container in status.container_statuses.iter_mut().flatten() {
                container.ready = false;
            }
        }
    }
    let at = if grace_zero { now } else { now + TERMINATION };
    world.timers.at(
        at,
        Timer::TerminationFinished {
            pod: name.to_string(),
            uid: uid.to_string(),
        },
    );
    super::server::touch_pod(world, name);
}

pub fn on_timer(world: &mut World, timer: Timer) -> Result<(), SimError> {
    match timer {
        Timer::ContainersStarted { pod, uid } => containers_started(world, &pod, &uid),
        Timer::ReadinessChanged { pod, uid, ready } => readiness_changed(world, &pod, &uid, ready),
        Timer::TerminationFinished { pod, uid } => {
            if node_is_up(world, &pod) {
                termination_finished(world, &pod, &uid)
            }
        }
        Timer::ImagePullRetry { pod, uid } => {
            if current(world, &pod, &uid) && !is_terminating(world, &pod) && node_is_up(world, &pod)
            {
                containers_started(world, &pod, &uid);
            }
        }
        Timer::ImagePullBackOff { pod, uid } => image_pull_backoff(world, &pod, &uid),
        Timer::NodeNotReady { node, epoch } => {
            super::controllers::node_lifecycle::not_ready(world, &node, epoch)
        }
        Timer::NodeEvictPods { node, epoch } => {
            super::controllers::node_lifecycle::evict_pods(world, &node, epoch)
        }
        Timer::SyncStatefulSet { .. } => {}
    }
    Ok(())
}

fn current(world: &World, name: &str, uid: &str) -> bool {
    world
        .store
        .pods
        .get(name)
        .is_some_and(|p| p.metadata.uid.as_deref() == Some(uid))
}

fn is_terminating(world: &World, name: &str) -> bool {
    world
        .store
        .pods
        .get(name)
        .is_some_and(podutil::is_terminating)
}

fn node_is_up(world: &World, name: &str) -> bool {
    world
        .store
        .pods
        .get(name)
        .and_then(node_of)
        .is_none_or(|node| !world.kubelet.down.contains(&node))
}

fn unpullable_image(world: &World, pod: &Pod) -> Option<String> {
    pod.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .filter_map(|c| c.image.clone())
        .find(|image| world.kubelet.unpullable.contains(image))
}

fn containers_started(world: &mut World, name: &str, uid: &str) {
    if !current(world, name, uid) || is_terminating(world, name) || !node_is_up(world, name) {
        return;
    }
    let now = world.now;
    // Read what is needed without copying the pod.
    let Some(pod) = world.store.pods.get(name) else {
        return;
    };
    if podutil::is_failed(pod) {
        return;
    }
    if let Some(image) = unpullable_image(world, pod) {
        pull_failed(world, name, uid, &image);
        return;
    }
    let probe_delay = readiness_probe(pod)
        .map(|p| clock::seconds_times(p.initial_delay_seconds.unwrap_or(0).into(), 1));
    let containers: Vec<(String, String)> = pod
        .spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .map(|c| (c.name.clone(), c.image.clone().unwrap_or_default()))
        .collect();
    world.kubelet.pull_backoff.remove(uid);
    for (container, image) in &containers {
        event(
            world,
            name,
            "Normal",
            "Pulled",
            format!("Successfully pulled image \"{image}\" in 2s (2s including waiting)"),
        );
        event(
            world,
            name,
            "Normal",
            "Created",
            format!("Created container: {container}"),
        );
        event(
            world,
            name,
            "Normal",
            "Started",
            format!("Started container {container}"),
        );
    }
    let Some(pod) = world.store.pods.get_mut(name) else {
        return;
    };
    let status = pod.status.get_or_insert_with(PodStatus::default);
    status.phase = Some("Running".into());
    for container in status.container_statuses.iter_mut().flatten() {
        container.started = Some(true);
        container.state = Some(ContainerState {
            running: Some(ContainerStateRunning {
                started_at: Some(to_time(now)),
            }),
            ..Default::default()
        });
    }
    let faulty = world.kubelet.unready.contains(uid);
    match probe_delay {
        _ if faulty => super::server::touch_pod(world, name),
        None | Some(0) => set_ready(world, name, true),
        Some(delay) => {
            world.timers.at(
                clock::later(now, delay),
                Timer::ReadinessChanged {
                    pod: name.to_string(),
                    uid: uid.to_string(),
                    ready: true,
                },
            );
            super::server::touch_pod(world, name);
        }
    }
}

/// A pull failed: `ErrImagePull` now, `ImagePullBackOff` shortly after, another attempt
/// after the back-off (10 s doubling to 300 s).
fn pull_failed(world: &mut World, name: &str, uid: &str, image: &str) {
    let now = world.now;
    let backoff = world
        .kubelet
        .pull_backoff
        .get(uid)
        .map(|b| (b * 2).min(PULL_BACKOFF_MAX))
        .unwrap_or(PULL_BACKOFF_START);
    world.kubelet.pull_backoff.insert(uid.to_string(), backoff);
    let message = format!(
        "failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": not found"
    );
    event(
        world,
        name,
        "Warning",
        "Failed",
        format!("Failed to pull image \"{image}\": {message}"),
    );
    event(
        world,
        name,
        "Warning",
        "Failed",
        "Error: ErrImagePull".into(),
    );
    set_waiting(world, name, image, "ErrImagePull", Some(message));
    let (pod, uid) = (name.to_string(), uid.to_string());
    world.timers.at(
        now + ERR_IMAGE_PULL_SHOWN,
        Timer::ImagePullBackOff {
            pod: pod.clone(),
            uid: uid.clone(),
        },
    );
    world
        .timers
        .at(now + backoff, Timer::ImagePullRetry { pod, uid });
}

fn image_pull_backoff(world: &mut World, name: &str, uid: &str) {
    if !current(world, name, uid) || is_terminating(world, name) || !node_is_up(world, name) {
        return;
    }
    let Some(image) = world
        .store
        .pods
        .get(name)
        .and_then(|p| unpullable_image(world, p))
    else {
        return;
    };
    event(
        world,
        name,
        "Normal",
        "BackOff",
        format!("Back-off pulling image \"{image}\""),
    );
    event(
        world,
        name,
        "Warning",
        "Failed",
        "Error: ImagePullBackOff".into(),
    );
    set_waiting(
        world,
        name,
        &image,
        "ImagePullBackOff",
        Some(format!("Back-off pulling image \"{image}\"")),
    );
}

fn set_waiting(world: &mut World, name: &str, image: &str, reason: &str, message: Option<String>) {
    if let Some(pod) = world.store.pods.get_mut(name) {
        for container in pod
            .status
            .iter_mut()
            .flat_map(|s| s.container_statuses.iter_mut().flatten())
        {
            if container.image == image {
                container.state = Some(waiting(reason, message.clone()));
            }
        }
    }
    super::server::touch_pod(world, name);
}

fn readiness_changed(world: &mut World, name: &str, uid: &str, ready: bool) {
    if !current(world, name, uid) || is_terminating(world, name) || !node_is_up(world, name) {
        return;
    }
    // A result that the current fault contradicts is stale.
    if ready == world.kubelet.unready.contains(uid) {
        return;
    }
    if world
        .store
        .pods
        .get(name)
        .is_some_and(|p| podutil::phase(p) != "Running")
    {
        return;
    }
    if !ready {
        event(
            world,
            name,
            "Warning",
            "Unhealthy",
            "Readiness probe failed".into(),
        );
    }
    set_ready(world, name, ready);
}

pub fn set_ready(world: &mut World, name: &str, ready: bool) {
    let now = world.now;
    if let Some(pod) = world.store.pods.get_mut(name) {
        let status = pod.status.get_or_insert_with(PodStatus::default);
        set_condition(status, "Ready", ready, now);
        set_condition(status, "ContainersReady", ready, now);
        for container in status.container_statuses.iter_mut().flatten() {
            container.ready = ready;
        }
    }
    super::server::touch_pod(world, name);
}

/// `make pod/x unready`: the probe starts failing; Ready turns False after
/// failureThreshold × periodSeconds (at once without a probe).
pub fn make_unready(world: &mut World, name: &str) {
    let Some(pod) = world.store.pods.get(name) else {
        return;
    };
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let delay = failure_delay(pod);
    if !world.kubelet.unready.insert(uid.clone()) {
        return;
    }
    if podutil::is_ready(pod) {
        schedule_readiness(world, name, &uid, false, delay);
    }
}

/// `make pod/x ready`: the probe succeeds again; Ready after successThreshold ×
/// periodSeconds (at once without a probe).
pub fn make_ready(world: &mut World, name: &str) {
    let Some(pod) = world.store.pods.get(name) else {
        return;
    };
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let delay = success_delay(pod);
    let running = podutil::phase(pod) == "Running";
    let ready = podutil::is_ready(pod);
    if !world.kubelet.unready.remove(&uid) {
        return;
    }
    if running && !ready {
        schedule_readiness(world, name, &uid, true, delay);
    }
}

fn schedule_readiness(world: &mut World, name: &str, uid: &str, ready: bool, delay: Millis) {
    if delay == 0 {
        readiness_changed(world, name, uid, ready);
    } else {
        world.timers.at(
            clock::later(world.now, delay),
            Timer::ReadinessChanged {
                pod: name.to_string(),
                uid: uid.to_string(),
                ready,
            },
        );
    }
}

/// `make image "x" unpullable`: pulls of that image fail from now on.
pub fn make_unpullable(world: &mut World, image: &str) {
    world.kubelet.unpullable.insert(image.to_string());
}

/// `evict pod/x`: node-pressure eviction by the kubelet: phase Failed, reason Evicted,
/// containers stopped; the object stays (B-FAIL-1 has the controller replace it).
pub fn evict(world: &mut World, name: &str) {
    let now = world.now;
    let Some(pod) = world.store.pods.get_mut(name) else {
        return;
    };
    if podutil::is_failed(pod) || podutil::is_succeeded(pod) {
        return;
    }
    let message = "The node was low on resource: memory. ".to_string();
    let status = pod.status.get_or_insert_with(PodStatus::default);
    status.phase = Some("Failed".into());
    status.reason = Some("Evicted".into());
    status.message = Some(message.clone());
    if status.conditions.is_some() {
        set_condition(status, "Ready", false, now);
        set_condition(status, "ContainersReady", false, now);
    }
    // Container states keep their last observation, so kubectl shows `Evicted`.
    for container in status.container_statuses.iter_mut().flatten() {
        container.ready = false;
    }
    event(world, name, "Warning", "Evicted", message);
    super::server::touch_pod(world, name);
}

/// The containers have exited. Without finalizers the object goes; with them it stays,
/// in a terminal phase, until they are removed.
fn termination_finished(world: &mut World, name: &str, uid: &str) {
    if !current(world, name, uid) {
        return;
    }
    let now = world.now;
    let Some(pod) = world.store.pods.get_mut(name) else {
        return;
    };
    let held = pod
        .metadata
        .finalizers
        .as_ref()
        .is_some_and(|f| !f.is_empty());
    if !held {
        super::server::remove_pod(world, name);
        return;
    }
    pod.metadata.deletion_grace_period_seconds = Some(0);
    if let Some(status) = pod.status.as_mut() {
        if status.phase.as_deref() != Some("Failed") {
            status.phase = Some("Succeeded".into());
        }
        for container in status.container_statuses.iter_mut().flatten() {
            container.ready = false;
            container.started = Some(false);
            if container
                .state
                .as_ref()
                .is_some_and(|s| s.terminated.is_some())
            {
                continue;
            }
            container.state = Some(ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: 0,
                    reason: Some("Completed".into()),
                    finished_at: Some(to_time(now)),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
    }
    super::server::touch_pod(world, name);
}

/// The kubelet of `node` comes back: it acts on every pod bound there.
pub fn node_up(world: &mut World, node: &str) {
    world.kubelet.down.remove(node);
    let pods: Vec<(String, String, bool)> = world
        .store
        .pods
        .iter()
        .filter(|(_, p)| node_of(p).as_deref() == Some(node))
        .map(|(n, p)| {
            (
                n.clone(),
                p.metadata.uid.clone().unwrap_or_default(),
                podutil::is_terminating(p),
            )
        })
        .collect();
    for (name, uid, terminating) in pods {
        if terminating {
            // Containers were stopped long ago: the object goes after the usual second.
            world.kubelet.terminating.insert(uid.clone());
            world.timers.at(
                world.now + TERMINATION,
                Timer::TerminationFinished { pod: name, uid },
            );
            continue;
        }
        if !world.kubelet.started.contains(&uid) {
            super::server::touch_pod(world, &name); // start it now
            continue;
        }
        let running = world
            .store
            .pods
            .get(&name)
            .is_some_and(|p| podutil::phase(p) == "Running");
        if running && !world.kubelet.unready.contains(&uid) {
            let delay = world.store.pods.get(&name).map(success_delay).unwrap_or(0);
            schedule_readiness(world, &name, &uid, true, delay);
        }
    }
}

/// Releases the pod's IP; called when the pod object is removed.
pub fn forget(world: &mut World, pod: &Pod) {
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    world.kubelet.started.remove(&uid);
    world.kubelet.terminating.remove(&uid);
    world.kubelet.unready.remove(&uid);
    world.kubelet.pull_backoff.remove(&uid);
    let node = node_of(pod);
    let ip = pod.status.as_ref().and_then(|s| s.pod_ip.clone());
    if let (Some(node), Some(ip)) = (node, ip) {
        if let Some(host) = ip.rsplit('.').next().and_then(|h| h.parse::<u8>().ok()) {
            if let Some(ipam) = world.kubelet.ipam.get_mut(&node) {
                ipam.release(host);
            }
        }
    }
}
