//! The prober (`pkg/kubelet/prober`): when a container turns ready, unready, started, or is
//! killed by its liveness probe. Probe defaults (B-CTR-8): initialDelaySeconds 0,
//! periodSeconds 10, successThreshold 1, failureThreshold 3.
//!
//! - Readiness: ready once the startup probe succeeded and the readiness probe's
//!   initialDelaySeconds passed (at once without probes). `make pod/x unready` turns a
//!   probed container unready failureThreshold × periodSeconds later (a pod with no
//!   readiness probe at all: every container, at once); `make pod/x ready` turns it ready
//!   successThreshold × periodSeconds later.
//! - Startup: succeeds its initialDelaySeconds after the start; until then the container is
//!   not `started` and not ready.
//! - Liveness: under `make pod/x unhealthy` a container with a liveness probe is killed
//!   failureThreshold × periodSeconds after the fault (or after its start, if later), and not
//!   before initialDelaySeconds from its start; the kill is graceful.

use k8s_openapi::api::core::v1::Probe;

use super::super::clock::{Millis, ZERO};
use super::super::world::World;
use super::pod_workers::{kill_time, seconds};
use super::{event, PodRuntime, Role, State};

fn period(p: &Probe) -> Millis {
    Millis::from_secs(p.period_seconds.unwrap_or(10).max(1).into())
}

fn initial_delay(p: &Probe) -> Millis {
    seconds(p.initial_delay_seconds.map(i64::from))
}

/// failureThreshold × periodSeconds; 0 without a probe.
fn failure_delay(p: Option<&Probe>) -> Millis {
    p.map_or(ZERO, |p| {
        period(p).times(p.failure_threshold.unwrap_or(3).max(1).into())
    })
}

/// successThreshold × periodSeconds; 0 without a probe.
fn success_delay(p: Option<&Probe>) -> Millis {
    p.map_or(ZERO, |p| {
        period(p).times(p.success_threshold.unwrap_or(1).max(1).into())
    })
}

/// Whether `make pod/x unready` makes container `i` unready: its readiness probe fails; a
/// pod without any readiness probe turns unready as a whole.
fn fault_applies(rt: &PodRuntime, i: usize) -> bool {
    let c = &rt.containers[i];
    c.role != Role::Init
        && (c.readiness.is_some() || !rt.containers.iter().any(|c| c.readiness.is_some()))
}

/// When a failing liveness probe kills a container that started at `started` and whose
/// startup probe succeeded at `startup_ok`: failureThreshold × periodSeconds after the fault
/// or the startup, whichever is later, and not before initialDelaySeconds from the start.
fn liveness_kill(p: &Probe, fault_since: Millis, started: Millis, startup_ok: Millis) -> Millis {
    (fault_since.max(startup_ok) + failure_delay(Some(p))).max(started + initial_delay(p))
}

/// Container `i` just started.
pub(crate) fn on_start(world: &mut World, rt: &mut PodRuntime, i: usize) {
    let now = world.now;
    let unready = world.kubelet.unready.contains(&rt.uid) && fault_applies(rt, i);
    let unhealthy = world.kubelet.unhealthy.get(&rt.uid).copied();
    let c = &mut rt.containers[i];
    if c.role == Role::Init {
        // A regular init container has no probes: it counts as started while it runs
        // (`isContainerStarted`: no startup probe, so started).
        c.started = true;
        return;
    }
    let started_at = now + c.startup.as_deref().map_or(ZERO, initial_delay);
    c.started_at = Some(started_at);
    c.started = started_at == now;
    let ready_at = started_at.max(now + c.readiness.as_deref().map_or(ZERO, initial_delay));
    if !unready {
        if ready_at == now {
            c.ready = true;
        } else {
            c.ready_change = Some((ready_at, true));
        }
    }
    if let (Some(since), Some(p)) = (unhealthy, c.liveness.as_deref()) {
        let at = liveness_kill(p, since, now, started_at);
        if let State::Running { kill, .. } = &mut c.state {
            *kill = Some(at);
        }
    }
}

/// Readiness and startup changes that are due; true if something changed.
pub(crate) fn step(world: &mut World, rt: &mut PodRuntime, i: usize) -> bool {
    let now = world.now;
    let unready = world.kubelet.unready.contains(&rt.uid) && fault_applies(rt, i);
    let c = &mut rt.containers[i];
    let running = matches!(c.state, State::Running { .. });
    if let (false, Some(at)) = (c.started, c.started_at) {
        if at <= now && running {
            c.started = true;
            return true;
        }
    }
    let Some((at, to)) = c.ready_change else {
        return false;
    };
    if at > now {
        return false;
    }
    c.ready_change = None;
    // A result that the current fault contradicts is stale.
    if to == unready || !running || (to && !c.started) {
        return true;
    }
    if c.ready != to {
        c.ready = to;
        if !to {
            let message = match c.readiness.clone() {
                Some(p) => format!("Readiness probe failed: {}", probe_output(world, rt, i, &p)),
                None => "Readiness probe failed".into(),
            };
            event(world, &rt.name, "Warning", "Unhealthy", message);
        }
    }
    true
}

/// `make pod/x unready`.
pub(crate) fn readiness_fails(rt: &mut PodRuntime, now: Millis) {
    for i in 0..rt.containers.len() {
        if !fault_applies(rt, i) {
            continue;
        }
        let c = &mut rt.containers[i];
        if c.ready {
            c.ready_change = Some((now + failure_delay(c.readiness.as_deref()), false));
        } else {
            c.ready_change = None;
        }
    }
}

/// `make pod/x ready`.
pub(crate) fn readiness_succeeds(rt: &mut PodRuntime, now: Millis) {
    for c in rt.containers.iter_mut().filter(|c| c.role != Role::Init) {
        let running = matches!(c.state, State::Running { .. });
        if c.ready {
            c.ready_change = None;
        } else if running {
            let at = (now + success_delay(c.readiness.as_deref())).max(c.started_at.unwrap_or(now));
            c.ready_change = Some((at, true));
        }
    }
}

/// The node is back: running containers turn ready as after `make pod/x ready`
/// (docs/language.md timing). When the pod was marked not Ready (`marked`), one with a
/// readiness probe is ready only after successThreshold × periodSeconds, as a restarted
/// kubelet's probe workers start from failure and count the successes again; one without
/// at once.
pub(crate) fn restore_readiness(world: &mut World, uid: &str, marked: bool) {
    let now = world.now;
    if let Some(rt) = world.kubelet.pods.get_mut(uid) {
        for c in rt.containers.iter_mut().filter(|c| c.role != Role::Init) {
            if marked && c.readiness.is_some() && matches!(c.state, State::Running { .. }) {
                c.ready = false;
            }
        }
        readiness_succeeds(rt, now);
    }
}

/// `make pod/x unhealthy`: running containers with a liveness probe will be killed.
pub(crate) fn liveness_fails(rt: &mut PodRuntime, now: Millis) {
    for c in &mut rt.containers {
        let Some(p) = c.liveness.as_deref() else {
            continue;
        };
        let started_at = c.started_at.unwrap_or(now);
        if let State::Running { since, kill, .. } = &mut c.state {
            *kill = Some(liveness_kill(p, now, *since, started_at));
        }
    }
}

/// The probe's output in the `Unhealthy` event, as each handler reports a failure. A
/// tcpSocket probe dials the probe's `host`, by default the pod's IP, at its port (a named
/// port is the container's port of that name: `ResolveContainerPort`), and reports the
/// dialer's error (`pkg/probe/tcp`).
fn probe_output(world: &World, rt: &PodRuntime, i: usize, p: &Probe) -> String {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    if p.http_get.is_some() {
        "HTTP probe failed with statuscode: 500".into()
    } else if let Some(tcp) = &p.tcp_socket {
        let pod = world.store.pods().get(&rt.name);
        let port = match &tcp.port {
            IntOrString::Int(n) => n.to_string(),
            IntOrString::String(name) => pod
                .and_then(|pod| {
                    let spec = pod.spec.as_ref()?;
                    let c = spec
                        .init_containers
                        .iter()
                        .flatten()
                        .chain(spec.containers.iter())
                        .find(|c| c.name == rt.containers[i].name)?;
                    c.ports
                        .iter()
                        .flatten()
                        .find(|port| port.name.as_deref() == Some(name.as_str()))
                        .map(|port| port.container_port.to_string())
                })
                .unwrap_or_else(|| name.clone()),
        };
        let host = tcp
            .host
            .clone()
            .filter(|h| !h.is_empty())
            .or_else(|| pod.and_then(|p| p.status.as_ref()?.pod_ip.clone()))
            .unwrap_or_default();
        // `net.JoinHostPort`: an IPv6 address goes in brackets.
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        format!("dial tcp {host}:{port}: connect: connection refused")
    } else {
        String::new()
    }
}

/// The liveness probe failed failureThreshold times: `Unhealthy`, `Killing`, and a graceful
/// stop (SIGTERM; SIGKILL at the grace period: the probe's terminationGracePeriodSeconds, else
/// the pod's).
pub(crate) fn kill(world: &mut World, rt: &mut PodRuntime, i: usize, since: Millis, at: Millis) {
    let c = &rt.containers[i];
    let Some(p) = c.liveness.clone() else {
        return;
    };
    let name = c.name.clone();
    let pod_grace = world
        .store
        .pods()
        .get(&rt.name)
        .and_then(|p| p.spec.as_ref()?.termination_grace_period_seconds);
    let grace = seconds(
        p.termination_grace_period_seconds
            .or(pod_grace)
            .or(Some(30)),
    );
    event(
        world,
        &rt.name,
        "Warning",
        "Unhealthy",
        format!("Liveness probe failed: {}", probe_output(world, rt, i, &p)),
    );
    event(
        world,
        &rt.name,
        "Normal",
        "Killing",
        format!("Container {name} failed liveness probe, will be restarted"),
    );
    // The pod worker waits in `killContainer` until the container has stopped and writes
    // no status meanwhile: the container keeps its readiness until then.
    let (took, code) = kill_time(world, &rt.containers[i], grace);
    let c = &mut rt.containers[i];
    c.state = State::Stopping {
        since,
        until: at + took,
        code,
    };
}
