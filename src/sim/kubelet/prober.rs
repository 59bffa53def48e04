//! The prober (`pkg/kubelet/prober`): when a container turns ready, unready, started, or is
//! killed by its liveness probe. Probe defaults (B-CTR-8): initialDelaySeconds 0,
//! periodSeconds 10, successThreshold 1, failureThreshold 3.
//!
//! - Readiness: ready once the startup probe succeeded and the readiness probe's
//!   initialDelaySeconds passed (at once without probes), and successThreshold − 1 periods
//!   later when its worker has not yet seen that many successes in a row (a restarted
//!   container of a worker that has is ready at its first run). `make pod/x unready` turns a
//!   probed container unready failureThreshold × periodSeconds later (a pod with no
//!   readiness probe at all: every container, at once); `make pod/x ready` turns it ready
//!   successThreshold × periodSeconds later. Readiness is probed for as long as the container
//!   runs, also while it is being stopped (`worker.go` `doProbe` stops only liveness and
//!   startup probes once the pod is deleted).
//! - Startup: succeeds its initialDelaySeconds after the start; until then the container is
//!   not `started` and not ready.
//! - Liveness: under `make pod/x unhealthy` a container with a liveness probe is killed
//!   failureThreshold × periodSeconds after the fault (or after its startup, if later), and
//!   not before initialDelaySeconds from its start; its probe fails every period before
//!   that, from failureThreshold − 1 periods before the kill (not before the initial
//!   delay); the kill is graceful.
//!
//! Every failed probe run records `Warning Unhealthy "<Type> probe failed: <output>"`
//! (`prober.go` `probe`), not only the one that changes the result (`worker.go` counts
//! failureThreshold of them first): a liveness kill follows failureThreshold `Unhealthy`
//! events, and a readiness probe that keeps failing records one every period, from its
//! first run (initialDelaySeconds after the start) whether or not the container was ever
//! ready.

use k8s_openapi::api::core::v1::Probe;

use super::super::clock::{Millis, ZERO};
use super::super::world::World;
use super::pod_workers::{kill_time, seconds};
use super::{event, Ctr, PodRuntime, Role, State};

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

/// A failing liveness probe of a container that started at `started` and whose startup
/// probe succeeded at `startup_ok`: the run that kills it, failureThreshold × periodSeconds
/// after the fault or the startup, whichever is later, and not before initialDelaySeconds
/// from the start (the documented timing); and its first failed run, failureThreshold − 1
/// periods before the kill, not before initialDelaySeconds from the start either (the
/// worker skips its runs until then, so a long initial delay leaves fewer failed runs
/// before the kill).
fn liveness_failures(
    p: &Probe,
    fault_since: Millis,
    started: Millis,
    startup_ok: Millis,
) -> (Millis, Millis) {
    let kill =
        (fault_since.max(startup_ok) + failure_delay(Some(p))).max(started + initial_delay(p));
    let first = (kill - (failure_delay(Some(p)) - period(p))).max(started + initial_delay(p));
    (first, kill)
}

/// The first run of container `c`'s readiness probe: once its startup probe succeeded and
/// initialDelaySeconds after its start (`since`).
fn first_readiness_probe(c: &Ctr, since: Millis) -> Millis {
    let delay = c.readiness.as_deref().map_or(ZERO, initial_delay);
    c.started_at.unwrap_or(since).max(since + delay)
}

/// When the instance of container `c` started, if it runs (or is being stopped: its probes
/// still run).
fn live_since(c: &Ctr) -> Option<Millis> {
    match c.state {
        State::Running { since, .. } | State::Stopping { since, .. } => Some(since),
        _ => None,
    }
}

/// Whether container `i`'s readiness probe fails now (`make pod/x unready`).
fn readiness_probe_fails(world: &World, rt: &PodRuntime, i: usize) -> bool {
    rt.containers[i].readiness.is_some()
        && world.kubelet.unready.contains(&rt.uid)
        && fault_applies(rt, i)
}

/// After a failed run at `at`, the next run: a period later, or, when the kubelet did not
/// run for longer (its node was down), a period from now.
fn next_run(at: Millis, p: &Probe, now: Millis) -> Millis {
    let next = at + period(p);
    if next <= now {
        now + period(p)
    } else {
        next
    }
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
    let first_run = first_readiness_probe(c, now);
    if !unready {
        // Until the worker has seen successThreshold successes in a row, the first run's
        // success leaves the container unready (`doProbe`: below the threshold the state
        // is left unchanged); each later run is a period after the one before.
        let ready_at = match c.readiness.as_deref() {
            Some(p) if !c.readiness_proven => first_run + success_delay(Some(p)) - period(p),
            _ => first_run,
        };
        if ready_at == now {
            c.ready = true;
            c.readiness_proven = c.readiness.is_some();
        } else {
            c.ready_change = Some((ready_at, true));
        }
    } else if c.readiness.is_some() {
        // Its readiness probe fails from its first run on.
        c.readiness_failure = Some(first_run);
    }
    if let (Some(since), Some(p)) = (unhealthy, c.liveness.as_deref()) {
        let (first, at) = liveness_failures(p, since, now, started_at);
        c.liveness_failure = (first < at).then_some(first);
        if let State::Running { kill, .. } = &mut c.state {
            *kill = Some(at);
        }
    }
}

/// The failed probe runs that are due and change nothing by themselves: each records
/// `Unhealthy`. A liveness run that kills is `kill`'s; a readiness run that turns the
/// container unready is recorded here too (it comes before the change, as the worker
/// records the result before it counts it). True if one ran.
fn failed_runs(world: &mut World, rt: &mut PodRuntime, i: usize) -> bool {
    let now = world.now;
    let mut ran = false;
    if let Some(at) = rt.containers[i].readiness_failure.filter(|at| *at <= now) {
        let c = &rt.containers[i];
        let failing = live_since(c).is_some() && readiness_probe_fails(world, rt, i);
        match c.readiness.clone() {
            Some(p) if failing => {
                let message = format!("Readiness probe failed: {}", probe_output(world, rt, i, &p));
                event(world, &rt.name, "Warning", "Unhealthy", message);
                rt.containers[i].readiness_failure = Some(next_run(at, &p, now));
            }
            _ => rt.containers[i].readiness_failure = None,
        }
        ran = true;
    }
    if let Some(at) = rt.containers[i].liveness_failure.filter(|at| *at <= now) {
        let c = &rt.containers[i];
        let kill = match c.state {
            State::Running { kill, .. } => kill,
            _ => None,
        };
        let p = c.liveness.clone();
        rt.containers[i].liveness_failure = None;
        if let (Some(kill), Some(p)) = (kill.filter(|k| at < *k), p) {
            let message = format!("Liveness probe failed: {}", probe_output(world, rt, i, &p));
            event(world, &rt.name, "Warning", "Unhealthy", message);
            let next = at + period(&p);
            rt.containers[i].liveness_failure = (next < kill).then_some(next);
        }
        ran = true;
    }
    ran
}

/// Readiness and startup changes, and failed probe runs, that are due; true if something
/// changed.
pub(crate) fn step(world: &mut World, rt: &mut PodRuntime, i: usize) -> bool {
    let now = world.now;
    let ran = failed_runs(world, rt, i);
    let unready = world.kubelet.unready.contains(&rt.uid) && fault_applies(rt, i);
    let c = &mut rt.containers[i];
    // A container being stopped is still probed for readiness.
    let running = live_since(c).is_some();
    if let (false, Some(at)) = (c.started, c.started_at) {
        if at <= now && matches!(c.state, State::Running { .. }) {
            c.started = true;
            return true;
        }
    }
    let Some((at, to)) = c.ready_change else {
        return ran;
    };
    if at > now {
        return ran;
    }
    c.ready_change = None;
    // A result that the current fault contradicts is stale.
    if to == unready || !running || (to && !c.started) {
        return true;
    }
    if c.ready != to {
        c.ready = to;
        c.readiness_proven = to && c.readiness.is_some();
        if !to && c.readiness.is_none() {
            // A pod without readiness probes turned unready as a whole: no probe ran, one
            // event says so.
            event(
                world,
                &rt.name,
                "Warning",
                "Unhealthy",
                "Readiness probe failed".into(),
            );
        }
    }
    true
}

/// `make pod/x unready`: a probed container's next run fails (its first run, if it has not
/// run yet), and failureThreshold of them turn a ready container unready.
pub(crate) fn readiness_fails(rt: &mut PodRuntime, now: Millis) {
    for i in 0..rt.containers.len() {
        if !fault_applies(rt, i) {
            continue;
        }
        let c = &mut rt.containers[i];
        if let (Some(since), Some(p)) = (live_since(c), c.readiness.as_deref()) {
            let first = first_readiness_probe(c, since);
            c.readiness_failure = Some(if now < first { first } else { now + period(p) });
        }
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
        c.readiness_failure = None;
        if c.ready {
            c.ready_change = None;
        } else if running {
            // The probe does not run before its first run (initialDelaySeconds after the
            // start, the startup probe passed: `doProbe` skips it until then); from there
            // successThreshold runs in a row. Once it runs, the fault's successes count from
            // the next period.
            let first = live_since(c).map(|since| first_readiness_probe(c, since));
            let at = match (first, c.readiness.as_deref()) {
                (Some(first), Some(_)) if now < first && c.readiness_proven => first,
                (Some(first), Some(p)) if now < first => first + success_delay(Some(p)) - period(p),
                _ => (now + success_delay(c.readiness.as_deref())).max(c.started_at.unwrap_or(now)),
            };
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
                c.readiness_proven = false;
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
            let (first, at) = liveness_failures(p, now, *since, started_at);
            *kill = Some(at);
            c.liveness_failure = (first < at).then_some(first);
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
    } else if p.grpc.is_some() {
        // `pkg/probe/grpc`: the health server answers NOT_SERVING.
        "service unhealthy (responded with \"NOT_SERVING\")".into()
    } else {
        String::new()
    }
}

/// Whether the kubelet starts container `c` again after a liveness kill
/// (`computePodActions`): a sidecar always; another container unless the pod's
/// `restartPolicy` is Never, its own `restartPolicy` (when it has one) deciding instead. Its
/// `restartPolicyRules` are not looked at: the container has not exited.
fn restarts_after_kill(c: &Ctr, pod_policy: &str) -> bool {
    match (c.role, c.restart_policy.as_deref()) {
        (Role::Sidecar, _) => true,
        (_, Some(own)) => own != "Never",
        (_, None) => pod_policy != "Never",
    }
}

/// The liveness probe failed failureThreshold times: its last `Unhealthy`, then the kill
/// `computePodActions` decides. A container that will be started again is stopped alone:
/// `Killing` "Container <name> failed liveness probe, will be restarted" ("Init container
/// <name> failed liveness probe" for a sidecar), a graceful stop (SIGTERM; SIGKILL at the
/// grace period: the probe's terminationGracePeriodSeconds, else the pod's). One that will
/// not is stopped alone too ("Container <name> failed liveness probe") while another app
/// container keeps running or will start; else the kubelet kills the whole pod (KillPod):
/// every running container gets "Stopping container <name>" and the pod's grace period, as
/// for a deletion.
pub(crate) fn kill(world: &mut World, rt: &mut PodRuntime, i: usize, since: Millis, at: Millis) {
    let c = &rt.containers[i];
    let Some(p) = c.liveness.clone() else {
        return;
    };
    let name = c.name.clone();
    let restart = restarts_after_kill(c, &rt.restart_policy);
    let pod_grace = world
        .store
        .pods()
        .get(&rt.name)
        .and_then(|p| p.spec.as_ref()?.termination_grace_period_seconds);
    event(
        world,
        &rt.name,
        "Warning",
        "Unhealthy",
        format!("Liveness probe failed: {}", probe_output(world, rt, i, &p)),
    );
    rt.containers[i].liveness_failure = None;
    // `keepCount == 0 && len(ContainersToStart) == 0`: no other app container runs on or
    // will be started.
    let others_kept = rt.containers.iter().enumerate().any(|(j, o)| {
        j != i && o.role == Role::App && !matches!(o.state, State::Terminated { .. })
    });
    if !restart && rt.containers[i].role == Role::App && !others_kept {
        super::termination::kill_containers(world, rt, seconds(pod_grace.or(Some(30))));
        super::termination::forget_readiness(rt);
        return;
    }
    let message = match (rt.containers[i].role, restart) {
        (Role::Sidecar, _) => format!("Init container {name} failed liveness probe"),
        (_, true) => format!("Container {name} failed liveness probe, will be restarted"),
        (_, false) => format!("Container {name} failed liveness probe"),
    };
    event(world, &rt.name, "Normal", "Killing", message);
    let grace = seconds(
        p.termination_grace_period_seconds
            .or(pod_grace)
            .or(Some(30)),
    );
    // The pod worker waits in `killContainer` until the container has stopped and writes
    // no status meanwhile: the container keeps its readiness until then (unless its
    // readiness probe fails meanwhile).
    let (took, code) = kill_time(world, &rt.containers[i], grace);
    let c = &mut rt.containers[i];
    c.restart_after_kill = restart;
    c.state = State::Stopping {
        since,
        until: at + took,
        code,
    };
}
