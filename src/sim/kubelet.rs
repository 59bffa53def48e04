//! The kubelet of every node: starts a bound pod's sandbox and containers, runs the
//! readiness probe, and stops containers when the pod is deleted (LANGUAGE.md timing).
//!
//! Timing: IP at once; `ContainerCreating` for 2 s; `Running`; Ready at once without a
//! readiness probe, else after its initialDelaySeconds. A deleted pod stops at once (Ready
//! False) and is gone 1 s later unless finalizers hold it.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    ContainerStatus, HostIP, Pod, PodIP, PodStatus,
};

use super::clock::{to_time, Millis, SECOND};
use super::error::SimError;
use super::ipam::NodeIpam;
use super::podutil;
use super::scheduler::set_condition;
use super::world::{Timer, World};

/// How long pulling the image and starting the containers takes.
pub const CONTAINER_START: Millis = 2 * SECOND;
/// How long a deleted pod takes to disappear once its containers stopped.
pub const TERMINATION: Millis = SECOND;

#[derive(Debug, Default)]
pub struct Kubelet {
    /// Pods (by UID) whose sandbox was started.
    started: BTreeSet<String>,
    /// Pods (by UID) whose termination began.
    terminating: BTreeSet<String>,
    ipam: BTreeMap<String, NodeIpam>,
}

pub fn on_pod(world: &mut World, name: &str) -> Result<(), SimError> {
    let Some(pod) = world.store.pods.get(name) else {
        return Ok(());
    };
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) else {
        return Ok(());
    };
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
                state: Some(ContainerState {
                    waiting: Some(ContainerStateWaiting {
                        reason: Some("ContainerCreating".into()),
                        message: None,
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect(),
    );
    world.timers.at(
        now + CONTAINER_START,
        Timer::ContainersStarted {
            pod: name.to_string(),
            uid: uid.to_string(),
        },
    );
    super::server::touch_pod(world, name);
}

/// SIGTERM: the containers stop at once, so the pod is no longer Ready.
fn stop_containers(world: &mut World, name: &str, uid: &str) {
    let now = world.now;
    let grace_zero = world
        .store
        .pods
        .get(name)
        .and_then(|p| p.metadata.deletion_grace_period_seconds)
        == Some(0);
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
        Timer::ReadinessChanged { pod, uid, ready } => {
            if current(world, &pod, &uid) && !is_terminating(world, &pod) {
                set_ready(world, &pod, ready);
            }
        }
        Timer::TerminationFinished { pod, uid } => termination_finished(world, &pod, &uid),
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

fn containers_started(world: &mut World, name: &str, uid: &str) {
    if !current(world, name, uid) || is_terminating(world, name) {
        return;
    }
    let now = world.now;
    let Some(pod) = world.store.pods.get_mut(name) else {
        return;
    };
    let probe_delay = pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .and_then(|c| c.readiness_probe.as_ref())
        .map(|p| p.initial_delay_seconds.unwrap_or(0).max(0) as Millis * SECOND);
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
    match probe_delay {
        None | Some(0) => set_ready(world, name, true),
        Some(delay) => {
            world.timers.at(
                now + delay,
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

/// Releases the pod's IP; called when the pod object is removed.
pub fn forget(world: &mut World, pod: &Pod) {
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    world.kubelet.started.remove(&uid);
    world.kubelet.terminating.remove(&uid);
    let node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
    let ip = pod.status.as_ref().and_then(|s| s.pod_ip.clone());
    if let (Some(node), Some(ip)) = (node, ip) {
        if let Some(host) = ip.rsplit('.').next().and_then(|h| h.parse::<u8>().ok()) {
            if let Some(ipam) = world.kubelet.ipam.get_mut(&node) {
                ipam.release(host);
            }
        }
    }
}
