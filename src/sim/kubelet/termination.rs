//! Graceful termination of a deleted pod (`kuberuntime_container.go` `killContainer`,
//! BEHAVIORS B-CTR-15): each running container gets its preStop hook and SIGTERM (`Killing
//! "Stopping container <name>"`) and stops at once, or after its image's `slow-to-stop`
//! time, cut at the grace period (the delete's deletionGracePeriodSeconds, by default
//! terminationGracePeriodSeconds, 30 s) by SIGKILL: exit 137, reason `Error`; sidecars stop
//! after the app containers, in reverse order. Ready turns False when the last one has stopped (at once when none is slow): the
//! kubelet's pod worker waits in `killPod` and writes no status meanwhile; only the
//! prober, which still probes readiness, can turn a container unready before
//! (`probe_readiness`). The object is gone 1 s after the last one stopped, unless
//! finalizers hold it. A second delete with a shorter grace period restarts the kill with
//! it (`shorten`). A container that is not running when the pod is deleted is not restarted
//! and shows its newest instance (with the one before it, unless the container garbage
//! collector has removed it), or the default waiting reason (B-CTR-40); a held pod ends
//! with `SyncTerminatedPod`'s status and `TerminatePod` (`status::terminated_pod`).

use k8s_openapi::api::core::v1::Pod;

use super::super::clock::{Millis, ZERO};
use super::super::server;
use super::super::world::World;
use super::pod_workers::stop_time;
use super::{event, sync_at, PodRuntime, Role, State, TERMINATION};

/// `killContainersWithSyncResult`: every running container of the pod gets `Killing`
/// "Stopping container <name>", its preStop hook (a `sleep` takes its seconds, within the
/// grace period; other hooks no time) and then SIGTERM; it stops at once, or after its
/// image's `slow-to-stop` time, cut at what is left of the grace period by SIGKILL (137).
/// Regular init and app containers get SIGTERM after their hook; sidecars wait for their
/// turn (`terminationOrdering`): after the app containers and the sidecars after them have
/// stopped (reverse order). Returns the instant the last one stops. Their readiness is left
/// as it is: the prober keeps probing a container until it has stopped.
pub(crate) fn kill_containers(world: &mut World, rt: &mut PodRuntime, grace: Millis) -> Millis {
    let now = world.now;
    let order = stop_order(rt);
    let mut apps_stopped = now;
    let mut last = now;
    let deadline = now + grace;
    for i in order {
        let c = &rt.containers[i];
        let since = match c.state {
            State::Running { since, .. }
            | State::Stopping { since, .. }
            | State::PostStart { since, .. } => since,
            _ => continue,
        };
        let name_c = c.name.clone();
        // The preStop hook runs first (every container's at once), for at most the grace
        // period. SIGTERM then goes to a regular container, and to a sidecar once the app
        // containers (and the sidecars after it) have stopped; whatever still runs at the
        // end of the grace period is killed (137), as a liveness kill's stop is
        // (`stop_time`).
        let hooked = now + c.pre_stop_sleep.min(grace);
        let sigterm = if c.role == Role::Sidecar {
            hooked.max(last.max(apps_stopped).min(deadline))
        } else {
            hooked
        };
        let (took, code) = stop_time(world, c, deadline - sigterm);
        let stopped = sigterm + took;
        if c.role != Role::Sidecar {
            apps_stopped = apps_stopped.max(stopped);
        }
        last = last.max(stopped);
        rt.containers[i].state = State::Stopping {
            since,
            until: stopped,
            code,
        };
        event(
            world,
            &rt.name,
            "Normal",
            "Killing",
            format!("Stopping container {name_c}"),
        );
    }
    last
}

/// The order the kubelet stops a pod's containers in (`killPodWithSyncResult`): regular
/// init and app containers in spec order, then sidecars in reverse order.
pub(crate) fn stop_order(rt: &PodRuntime) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rt.containers.len())
        .filter(|&i| rt.containers[i].role != Role::Sidecar)
        .collect();
    order.extend(
        (0..rt.containers.len())
            .rev()
            .filter(|&i| rt.containers[i].role == Role::Sidecar),
    );
    order
}

/// Stops container `i` in this instant with exit `code`, after its `Killing` event "Stopping
/// container <name>" (an eviction's or a deadline's kill, which leave no time to run out);
/// a container that is not running is left as it is.
pub(crate) fn stop_now(world: &mut World, rt: &mut PodRuntime, i: usize, code: i32) {
    let c = &rt.containers[i];
    let since = match c.state {
        State::Running { since, .. }
        | State::Stopping { since, .. }
        | State::PostStart { since, .. } => since,
        _ => return,
    };
    let message = format!("Stopping container {}", c.name);
    event(world, &rt.name, "Normal", "Killing", message);
    rt.containers[i].exit_message = super::pod_workers::termination_message(world, rt, i);
    rt.containers[i].state = State::Terminated {
        started: since,
        finished: world.now,
        code,
    };
}

/// After a kill that leaves nothing to restart: no container is ready, none waits to
/// become so or for an image.
pub(crate) fn forget_readiness(rt: &mut PodRuntime) {
    for c in &mut rt.containers {
        c.ready = false;
        c.ready_change = None;
        c.next_image = None;
    }
}

/// While the containers of a deleted pod stop, the prober keeps probing their readiness
/// (`worker.go` `doProbe` stops only the liveness and startup probes of a deleted pod), and
/// the status manager writes each change of a container's readiness at once
/// (`SetContainerReadiness`), although the pod worker, waiting in `killPod`, writes no
/// status: a readiness probe that fails meanwhile turns the terminating pod not Ready.
pub(crate) fn probe_readiness(world: &mut World, name: &str, uid: &str) {
    let Some((key, mut rt)) = world.kubelet.pods.remove_entry(uid) else {
        return;
    };
    let before: Vec<bool> = rt.containers.iter().map(|c| c.ready).collect();
    let stopping = |c: &super::Ctr| matches!(c.state, State::Stopping { .. });
    for i in 0..rt.containers.len() {
        if stopping(&rt.containers[i]) {
            super::prober::step(world, &mut rt, i);
        }
    }
    let changed = rt
        .containers
        .iter()
        .zip(&before)
        .any(|(c, b)| c.ready != *b);
    if changed {
        super::status::set_container_readiness(world, &rt);
    }
    let now = world.now;
    let next = rt
        .containers
        .iter()
        .filter(|c| stopping(c))
        .flat_map(|c| {
            c.ready_change
                .map(|r| r.0)
                .into_iter()
                .chain(c.readiness_failure)
        })
        .filter(|at| *at > now)
        .min();
    world.kubelet.pods.insert(key, rt);
    if let Some(at) = next {
        sync_at(world, name, uid, at);
    }
}

/// The pod was deleted: stop its containers.
pub(crate) fn begin(world: &mut World, name: &str, uid: &str, node: &str) {
    let now = world.now;
    let Some(pod) = world.store.pods().get(name) else {
        return;
    };
    let grace = Millis::from_secs(pod.metadata.deletion_grace_period_seconds.unwrap_or(30));
    let mut rt = world
        .kubelet
        .pods
        .remove(uid)
        .unwrap_or_else(|| PodRuntime {
            name: name.to_string(),
            namespace: String::new(),
            uid: uid.to_string(),
            node: node.to_string(),
            restart_policy: "Always".into(),
            host_network: false,
            containers: Vec::new(),
            initialized: true,
            sandbox: None,
            mount: None,
            sandbox_retry: None,
            gone_at: None,
            stops_at: None,
            grace: None,
            frozen: false,
            started: now,
            exited_unready: false,
            cached_status: None,
        });
    rt.grace = Some(grace);
    let shown = show_stopped_instances(world, &mut rt);
    let last = kill_containers(world, &mut rt, grace);
    if shown && last > now {
        // Some container still stops: the status the pod worker wrote before `killPod`
        // already shows the others as the deleted pod's status does.
        write_stopped_instances(world, &rt);
    }
    let gone_at = if grace == ZERO {
        now
    } else {
        last + TERMINATION
    };
    rt.gone_at = Some(gone_at);
    rt.stops_at = (last > now).then_some(last);
    world.kubelet.pods.insert(uid.to_string(), rt);
    super::sync_in_turn_at(world, name, uid, gone_at);
    if last > now {
        sync_at(world, name, uid, last);
    } else {
        stopped(world, name, uid);
    }
}

/// A deleted pod is never restarted (`ShouldContainerBeRestarted` is false once it has a
/// deletionTimestamp), so `convertToAPIContainerStatuses` no longer lays the restart's
/// waiting reason (`CrashLoopBackOff`, `ImagePullBackOff`, `ErrImagePull`,
/// `CreateContainerConfigError`, …) over a container that is not running: one the runtime
/// has a dead instance of shows that instance, terminated with its exit code (a
/// crash-looping container its last exit, `Error`), with the instance before it as its
/// last state; one the runtime never created shows the default waiting reason
/// (`ContainerCreating`, or `PodInitializing` in a pod with init containers). True when a
/// container's state changed.
fn show_stopped_instances(world: &World, rt: &mut PodRuntime) -> bool {
    let mut changed = false;
    let node = rt.node.clone();
    for c in &mut rt.containers {
        match c.state {
            State::NotStarted
            | State::Running { .. }
            | State::PostStart { .. }
            | State::Stopping { .. }
            | State::Terminated { .. } => continue,
            State::Creating { .. }
            | State::PullFailed { .. }
            | State::StartFailed { .. }
            | State::BackOff { .. } => {}
        }
        changed = true;
        match c.last.take() {
            Some(last) => {
                c.state = State::Terminated {
                    started: last.started,
                    finished: last.finished,
                    code: last.code,
                };
                // The restart count and `containerID` of the newest instance the runtime has.
                c.restart_count = last.instance;
                c.exit_message = last.message;
                // The instance before it, unless the container garbage collector ran since
                // `last` died and left only the newest dead one (`MaxPerPodContainer` 1).
                let collected = super::container_gc::ran_since(world, &node, last.finished);
                c.last = c.earlier.take().filter(|_| !collected).map(|b| *b);
            }
            None => c.state = State::NotStarted,
        }
    }
    changed
}

/// Writes the container statuses of the deleted pod's containers that are not running (the
/// others keep what was written: the pod worker waits in `killPod`).
fn write_stopped_instances(world: &mut World, rt: &PodRuntime) {
    let stopped = |s: &State| !matches!(s, State::Stopping { .. });
    server::write::<Pod>(world, &rt.name, server::Author::Other, |pod| {
        let Some(status) = pod.status.as_mut() else {
            return false;
        };
        let lists = [
            status.init_container_statuses.iter_mut().flatten(),
            status.container_statuses.iter_mut().flatten(),
        ];
        for container in lists.into_iter().flatten() {
            if let Some(i) = rt.containers.iter().position(|c| c.name == container.name) {
                if stopped(&rt.containers[i].state) {
                    *container = super::status::container_status(rt, i);
                }
            }
        }
        true
    });
}

/// The pod, already terminating, was deleted again with a shorter grace period: the pod
/// worker takes it (`calculateEffectiveGracePeriod`: the period only decreases), cancels
/// the kill under way (`UpdatePod`: `wasGracePeriodShortened` → `cancelFn`) and kills
/// again with the new period from now (`killContainer`: `Killing` again, the preStop hook
/// again, then the stop signal with the shorter timeout). A container stops when the first
/// SIGTERM would have stopped it, or at the new deadline (SIGKILL, 137), whichever comes
/// first; one that has stopped already stays as it is.
pub(crate) fn shorten(world: &mut World, name: &str, uid: &str, grace: Millis) {
    let Some((key, mut rt)) = world.kubelet.pods.remove_entry(uid) else {
        return;
    };
    let shorter = rt.grace.is_some_and(|g| grace < g);
    if !shorter || rt.frozen || rt.stops_at.is_none() {
        world.kubelet.pods.insert(key, rt);
        return;
    }
    let now = world.now;
    rt.grace = Some(grace);
    // What has stopped already is not killed again.
    let mut pending = Vec::new();
    for i in 0..rt.containers.len() {
        if let State::Stopping { since, until, code } = rt.containers[i].state {
            if until <= now {
                rt.containers[i].exit_message =
                    super::pod_workers::termination_message(world, &rt, i);
                rt.containers[i].state = State::Terminated {
                    started: since,
                    finished: until,
                    code,
                };
            } else {
                pending.push((i, until, code));
            }
        }
    }
    kill_containers(world, &mut rt, grace);
    // The first SIGTERM still stops a container when it would have.
    for (i, until, code) in pending {
        if let State::Stopping {
            until: new_until,
            code: new_code,
            ..
        } = &mut rt.containers[i].state
        {
            if until < *new_until {
                *new_until = until;
                *new_code = code;
            }
        }
    }
    let last = rt
        .containers
        .iter()
        .filter_map(|c| match c.state {
            State::Stopping { until, .. } => Some(until),
            _ => None,
        })
        .max()
        .unwrap_or(now);
    let gone_at = if grace == ZERO {
        now
    } else {
        last + TERMINATION
    };
    rt.gone_at = Some(gone_at);
    rt.stops_at = (last > now).then_some(last);
    world.kubelet.pods.insert(key, rt);
    super::sync_in_turn_at(world, name, uid, gone_at);
    if last > now {
        sync_at(world, name, uid, last);
    } else {
        stopped(world, name, uid);
    }
}

/// Every container of the terminating pod has stopped: the status the kubelet writes once
/// `killPod` returns says not ready and shows each stopped container terminated, with its
/// exit code and the instant it stopped (`finishedAt`). Until then the pod keeps the
/// readiness it had, as upstream's pod worker writes no status while it waits for the
/// containers to stop (kubernetes/kubernetes#128820). The phase stays: the status manager
/// holds a terminal phase back until the pod worker has finished with the pod
/// (`mergePodStatus`), which is when the object goes (`finish`); the conditions are those
/// of that terminal phase already (Ready and ContainersReady `PodCompleted` or `PodFailed`,
/// PodReadyToStartContainers False, B-CTR-41).
pub(crate) fn stopped(world: &mut World, name: &str, uid: &str) {
    let now = world.now;
    let messages: Vec<Option<String>> = match world.kubelet.pods.get(uid) {
        Some(rt) => (0..rt.containers.len())
            .map(|i| super::pod_workers::termination_message(world, rt, i))
            .collect(),
        None => return,
    };
    let Some(rt) = world.kubelet.pods.get_mut(uid) else {
        return;
    };
    for (c, message) in rt.containers.iter_mut().zip(messages) {
        if let State::Stopping { since, until, code } = c.state {
            c.state = State::Terminated {
                started: since,
                finished: until,
                code,
            };
            c.exit_message = message;
        }
    }
    // A pod the kubelet had already stopped (evicted, past its active deadline) keeps the
    // container states of that status (docs/language.md: kubectl shows its reason).
    let rt = (!rt.frozen).then(|| rt.clone());
    server::write::<Pod>(world, name, server::Author::Other, |pod| {
        let generation = pod.metadata.generation;
        if let Some(status) = pod.status.as_mut() {
            super::status::mark_not_ready(status, pod.spec.as_ref(), now);
            let lists = [
                status.init_container_statuses.iter_mut().flatten(),
                status.container_statuses.iter_mut().flatten(),
            ];
            for container in lists.into_iter().flatten() {
                let Some(rt) = rt.as_ref() else { break };
                if let Some(i) = rt.containers.iter().position(|c| c.name == container.name) {
                    *container = super::status::container_status(rt, i);
                }
            }
            // `syncTerminatingPod` writes `generateAPIPodStatus(…, podIsTerminal=true)` once
            // `KillPod` returned: the status manager holds the terminal phase back while the
            // pod worker may still have running containers (`mergePodStatus` keeps the old
            // phase, reason and message), but not the conditions computed for that phase.
            if let Some(rt) = rt.as_ref() {
                let phase = super::status::deleted_phase(status, rt);
                super::status::deleted_pod_conditions(status, rt, phase, now);
            }
            super::status::kubelet_conditions(status, generation, now);
        }
        true
    });
}

/// The containers have stopped. Without finalizers the object goes; with them it stays,
/// in a terminal phase, until they are removed (B-CTR-40).
pub(crate) fn finish(world: &mut World, name: &str, uid: &str) {
    let now = world.now;
    let Some(pod) = world.store.pods().get(name) else {
        return;
    };
    let held = pod
        .metadata
        .finalizers
        .as_ref()
        .is_some_and(|f| !f.is_empty());
    if !held {
        server::remove_pod(world, name);
        return;
    }
    // A pod the kubelet had already stopped (evicted, past its active deadline) keeps the
    // container states and the phase of that status, as `stopped` leaves them.
    let rt = world.kubelet.pods.get_mut(uid).and_then(|rt| {
        let stopped_before = std::mem::replace(&mut rt.frozen, true);
        (!stopped_before).then(|| rt.clone())
    });
    server::write::<Pod>(world, name, server::Author::Other, |pod| {
        // The status manager's final delete has grace period 0 (`rest.BeforeDelete`).
        server::shorten_grace(&mut pod.metadata, 0);
        let generation = pod.metadata.generation;
        let spec = pod.spec.as_ref();
        if let Some(status) = pod.status.as_mut() {
            match rt.as_ref() {
                Some(rt) => {
                    super::status::terminated_pod(status, spec, rt, now);
                    super::status::stamp_conditions(status, generation, now);
                }
                None => super::status::kubelet_conditions(status, generation, now),
            }
        }
        true
    });
}
