//! The pod worker: `sync_pod` applies what is due (a pull that finished, an exit, a probe's
//! kill, the end of a back-off, a readiness change), then starts what may start, as
//! `kuberuntime_manager.go`'s `computePodActions` decides: the first unfinished init
//! container (one at a time, in spec order; a sidecar lets the next one start once it has
//! started), and, once initialization is done, every app container; once the pod has
//! finished (no app container runs or will restart), it stops what still runs, the
//! sidecars (KillPod). Then it writes the status (`status.rs`) and asks to be woken at the
//! next instant something is due.

use k8s_openapi::api::core::v1::Pod;

use super::super::clock::{Millis, ZERO};
use super::super::podutil;
use super::super::world::World;
use super::images::{self, PullDecision};
use super::{
    backoff, env, event, prober, status, sync_at, volume_manager, Ctr, LastTermination, PodRuntime,
    Role, StartError, State,
};

/// Bounds the transitions of one sync (a `crashing after=0s` container crashes, restarts
/// and crashes again in one instant, then waits in back-off).
const MAX_STEPS: usize = 256;

/// How long the pod worker waits after a sync that failed (`backOffPeriod`) before it
/// tries again, as it does after `CreateContainerConfigError`, `ErrImageNeverPull` or
/// `InvalidImageName`.
pub(super) const SYNC_RETRY: Millis = Millis::secs(10);

fn ctr(c: &k8s_openapi::api::core::v1::Container, role: Role) -> Ctr {
    Ctr {
        name: c.name.clone(),
        image: c.image.clone().unwrap_or_default(),
        role,
        state: State::NotStarted,
        restart_count: 0,
        last: None,
        earlier: None,
        backoff: None,
        backoff_updated: ZERO,
        ready: false,
        ready_change: None,
        readiness_failure: None,
        readiness_proven: false,
        liveness_failure: None,
        restart_after_kill: false,
        started: false,
        started_at: None,
        slow_to_stop: ZERO,
        pull_backoff: None,
        pull_policy: c
            .image_pull_policy
            .clone()
            .unwrap_or_else(|| "IfNotPresent".into()),
        readiness: c.readiness_probe.clone().map(Box::new),
        liveness: c.liveness_probe.clone().map(Box::new),
        startup: c.startup_probe.clone().map(Box::new),
        next_image: None,
        restart_policy: c.restart_policy.clone(),
        restart_rules: c.restart_policy_rules.clone().unwrap_or_default(),
        pre_stop_sleep: sleep_hook(c.lifecycle.as_ref().and_then(|l| l.pre_stop.as_ref())),
        post_start_sleep: sleep_hook(c.lifecycle.as_ref().and_then(|l| l.post_start.as_ref())),
        resources: Some(Box::new(c.resources.clone().unwrap_or_default())),
        volume_mounts: super::status::volume_mount_statuses(c),
        exit_message: None,
    }
}

/// How long a lifecycle hook takes: a `sleep` action its seconds (`runSleepHandler`); an
/// `exec` or `httpGet` hook returns at once.
fn sleep_hook(hook: Option<&k8s_openapi::api::core::v1::LifecycleHandler>) -> Millis {
    hook.and_then(|h| h.sleep.as_ref())
        .map_or(ZERO, |s| Millis::from_secs(s.seconds.max(0)))
}

fn runtime(pod: &Pod, name: &str, uid: &str, node: &str) -> PodRuntime {
    let spec = pod.spec.as_ref();
    let init = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or_default();
    let app = spec.map_or(&[][..], |s| s.containers.as_slice());
    // Exactly as many as the pod has: a growing vector would keep room for four.
    let mut containers: Vec<Ctr> = Vec::with_capacity(init.len() + app.len());
    containers.extend(init.iter().map(|c| {
        let role = if c.restart_policy.as_deref() == Some("Always") {
            Role::Sidecar
        } else {
            Role::Init
        };
        ctr(c, role)
    }));
    containers.extend(app.iter().map(|c| ctr(c, Role::App)));
    let initialized = !containers.iter().any(|c| c.role != Role::App);
    PodRuntime {
        name: name.to_string(),
        namespace: pod
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into()),
        uid: uid.to_string(),
        node: node.to_string(),
        restart_policy: spec
            .and_then(|s| s.restart_policy.clone())
            .unwrap_or_else(|| "Always".into()),
        host_network: spec.and_then(|s| s.host_network) == Some(true),
        containers,
        initialized,
        gone_at: None,
        stops_at: None,
        grace: None,
        frozen: false,
        sandbox: None,
        mount: None,
        sandbox_retry: None,
        started: ZERO,
        exited_unready: false,
        cached_status: None,
    }
}

/// The kubelet starts the pod in the instant it is bound: its volumes are set up, then the
/// sandbox gets its IP and the worker starts the containers. A volume that cannot be set
/// up holds the sandbox back (`volume_manager.rs`).
pub(crate) fn start_sandbox(world: &mut World, name: &str, uid: &str, node: &str) {
    let Some(pod) = world.store.pods().get(name) else {
        return;
    };
    if podutil::is_failed(pod) {
        return;
    }
    let mut rt = runtime(pod, name, uid, node);
    rt.started = world.now;
    let failures = volume_manager::failures(world, pod);
    if failures.is_empty() {
        if let Err(why) = sandbox_config(world, name) {
            sandbox_failed(world, &mut rt, why);
        } else {
            // A failure has set the retry that `sync_pod` waits for.
            let _ = create_sandbox(world, &mut rt);
        }
    } else {
        rt.sandbox = Some(super::Sandbox {
            pod_ip: host_network_ip(world, &rt),
            host_ip: host_ip(world, node),
            started: world.now,
            created: false,
        });
        volume_manager::failed(world, &mut rt, failures);
    }
    world.kubelet.pods.insert(uid.to_string(), rt);
    sync_pod(world, name, uid);
}

/// The node's address (the pod's `hostIP`).
fn host_ip(world: &World, node: &str) -> String {
    world
        .store
        .nodes()
        .get(node)
        .and_then(|n| n.status.as_ref()?.addresses.as_ref()?.first().cloned())
        .map(|a| a.address)
        .unwrap_or_default()
}

/// A pod on the host's network has the node's address as its IP from its first status on
/// (`generateAPIPodStatus`: host-network pods inherit the node's IPs, whether or not the
/// sandbox exists yet); `None` for any other pod.
fn host_network_ip(world: &World, rt: &PodRuntime) -> Option<String> {
    rt.host_network
        .then(|| host_ip(world, &rt.node))
        .filter(|ip| !ip.is_empty())
}

/// `generatePodSandboxConfig`: the pod's DNS configuration first (`GetPodDNS`, whose cuts
/// to the resolver's limits are `DNSConfigForming` Warning events), then its refusal, if
/// any: with `setHostnameAsFQDN` the kernel hostname is the FQDN, which may be at most 64
/// characters (`GetNodenameForKernel`; a pod on the host's network keeps the node's).
fn sandbox_config(world: &mut World, name: &str) -> Result<(), String> {
    let Some(pod) = world.store.pods().get(name) else {
        return Ok(());
    };
    // Only a pod's own dnsConfig can exceed the limits: the policies' bases are within.
    let has_dns_config = pod.spec.as_ref().is_some_and(|s| s.dns_config.is_some());
    let dns_messages = if has_dns_config {
        super::dns::pod_dns(world, pod).1
    } else {
        Vec::new()
    };
    let host_network = pod.spec.as_ref().and_then(|s| s.host_network) == Some(true);
    let fqdn = podutil::kernel_hostname(pod, &world.config.namespace, &world.config.domain);
    for message in dns_messages {
        event(world, name, "Warning", "DNSConfigForming", message);
    }
    // Only an FQDN (setHostnameAsFQDN) can be that long: a hostname is at most 63.
    if !host_network && fqdn.len() > 64 {
        return Err(format!(
            "failed to construct FQDN from pod hostname and cluster domain, FQDN {fqdn} is too long (64 characters is the max, {} characters requested)",
            fqdn.len()
        ));
    }
    Ok(())
}

/// The sandbox cannot be created: `FailedCreatePodSandBox`, and the pod worker tries again
/// after its back-off (the pod stays Pending, `ContainerCreating`, without an IP).
fn sandbox_failed(world: &mut World, rt: &mut PodRuntime, why: String) {
    event(
        world,
        &rt.name,
        "Warning",
        "FailedCreatePodSandBox",
        format!("Failed to create pod sandbox: {why}"),
    );
    if rt.sandbox.is_none() {
        rt.sandbox = Some(super::Sandbox {
            pod_ip: host_network_ip(world, rt),
            host_ip: host_ip(world, &rt.node),
            started: rt.started,
            created: false,
        });
    }
    let retry = world.now + SYNC_RETRY;
    rt.sandbox_retry = Some(retry);
    let (name, uid) = (rt.name.clone(), rt.uid.clone());
    sync_at(world, &name, &uid, retry);
}

/// The first three octets of the node's pod CIDR (`spec.podCIDR`, a /24 here), with the
/// dot: `10.244.1.` for `10.244.1.0/24`. A node without one (a Node object written without
/// it) hands out `10.244.0.x`.
fn pod_cidr_prefix(world: &World, node: &str) -> String {
    let cidr = world
        .store
        .nodes()
        .get(node)
        .and_then(|n| n.spec.as_ref()?.pod_cidr.clone());
    cidr.as_deref()
        .and_then(|c| c.split('/').next())
        .and_then(|ip| ip.rsplit_once('.'))
        .filter(|(net, _)| net.split('.').count() == 3)
        .map(|(net, _)| format!("{net}."))
        .unwrap_or_else(|| "10.244.0.".to_string())
}

/// The sandbox starts and takes the next IP of its node's range (the host-local IPAM of
/// the node's `spec.podCIDR`), unless it is on the host's network. False if no address was
/// free.
fn create_sandbox(world: &mut World, rt: &mut PodRuntime) -> bool {
    let node = rt.node.clone();
    if rt.host_network {
        // The sandbox shares the node's network namespace: no CNI, no address of the
        // node's range (containerd sets up no pod network for it).
        rt.sandbox = Some(super::Sandbox {
            pod_ip: host_network_ip(world, rt),
            host_ip: host_ip(world, &node),
            started: rt.started,
            created: true,
        });
        return true;
    }
    let prefix = pod_cidr_prefix(world, &node);
    let lowest_free = world.mutant(crate::sim::Mutant::IpReused);
    let ipam = world.kubelet.ipam.entry(node.clone()).or_default();
    let host = if lowest_free {
        ipam.allocate_lowest()
    } else {
        ipam.allocate()
    };
    let Some(host) = host else {
        // Every address of the node's range is taken (a node that runs more than 253
        // pods): host-local IPAM fails the sandbox's network setup, and the pod worker
        // tries again after its back-off, until an address is free.
        let sandbox = status::container_id(&rt.uid, "sandbox", 0);
        let sandbox = sandbox.rsplit('/').next().unwrap_or_default().to_string();
        let why = format!(
            "rpc error: code = Unknown desc = failed to setup network for sandbox \"{sandbox}\": plugin type=\"host-local\" failed (add): failed to allocate for range 0: no IP addresses available in range set: {prefix}1-{prefix}254"
        );
        sandbox_failed(world, rt, why);
        return false;
    };
    rt.sandbox = Some(super::Sandbox {
        pod_ip: Some(format!("{prefix}{host}")),
        host_ip: host_ip(world, &node),
        started: rt.started,
        created: true,
    });
    true
}

/// The pod waits for its volumes or for its sandbox: at the attempt's instant the volumes
/// are set up again, then the sandbox is created. False while it still waits.
fn prepare_sandbox(world: &mut World, rt: &mut PodRuntime) -> bool {
    let now = world.now;
    if let Some(wait) = rt.mount.as_ref() {
        if wait.retry > now {
            return false;
        }
        let failures = match world.store.pods().get(&rt.name) {
            Some(pod) => volume_manager::failures(world, pod),
            None => volume_manager::Failures::default(),
        };
        if !failures.is_empty() {
            volume_manager::failed(world, rt, failures);
            return false;
        }
        rt.mount = None;
    } else if let Some(at) = rt.sandbox_retry {
        if at > now {
            return false;
        }
        rt.sandbox_retry = None;
    } else {
        return true;
    }
    let name = rt.name.clone();
    let refused = sandbox_config(world, &name).err();
    if let Some(why) = refused {
        sandbox_failed(world, rt, why);
        return false;
    }
    create_sandbox(world, rt)
}

/// One run of the pod's worker at the current instant.
pub(crate) fn sync_pod(world: &mut World, name: &str, uid: &str) {
    let Some(rt) = world.kubelet.pods.get(uid) else {
        return;
    };
    if let Some(gone_at) = rt.gone_at {
        super::termination::probe_readiness(world, name, uid);
        let Some(rt) = world.kubelet.pods.get(uid) else {
            return;
        };
        let stopped = rt.stops_at.is_some_and(|at| at <= world.now);
        if stopped {
            if let Some(rt) = world.kubelet.pods.get_mut(uid) {
                rt.stops_at = None;
            }
            super::termination::stopped(world, name, uid);
        }
        if gone_at <= world.now {
            super::termination::finish(world, name, uid);
        }
        return;
    }
    if rt.frozen {
        return;
    }
    // The worker takes its record out while it runs (it reads and writes the world), and
    // puts it back under the same key.
    let Some((key, mut rt)) = world.kubelet.pods.remove_entry(uid) else {
        return;
    };
    let deadline = super::active_deadline::deadline(world, &rt);
    let past_deadline = deadline.is_some_and(|at| at <= world.now);
    if past_deadline && !super::active_deadline::worker_busy(&rt, world.now) {
        super::active_deadline::exceeded(world, &mut rt);
        world.kubelet.pods.insert(key, rt);
        return;
    }
    if !prepare_sandbox(world, &mut rt) {
        status::write(world, &mut rt);
        world.kubelet.pods.insert(key, rt);
        return;
    }
    for _ in 0..MAX_STEPS {
        let mut changed = apply_spec_images(world, &mut rt);
        for i in 0..rt.containers.len() {
            changed |= step(world, &mut rt, i);
        }
        if past_deadline && !super::active_deadline::worker_busy(&rt, world.now) {
            // The `SyncPod` that was pulling or running a hook returned; the next sync
            // finds the deadline past before it starts anything more.
            status::observe_containers(world, &rt);
            super::active_deadline::exceeded(world, &mut rt);
            world.kubelet.pods.insert(key, rt);
            return;
        }
        changed |= start_next(world, &mut rt);
        changed |= kill_finished_pod(world, &mut rt);
        if !changed {
            break;
        }
    }
    let next = next_due(&rt, world.now)
        .into_iter()
        .chain(deadline.filter(|at| *at > world.now))
        .min();
    let terminal = status::write(world, &mut rt);
    if terminal {
        rt.frozen = true;
    }
    world.kubelet.pods.insert(key, rt);
    if let (Some(at), false) = (next, terminal) {
        sync_at(world, name, uid, at);
    }
}

/// The earliest instant after now at which something of the pod is due.
fn next_due(rt: &PodRuntime, now: Millis) -> Option<Millis> {
    let mut due: Vec<Millis> = Vec::new();
    for c in &rt.containers {
        match &c.state {
            State::Creating { until, .. } => due.push(*until),
            State::PullFailed {
                backoff_shown,
                announced,
                retry,
                ..
            } => {
                if !announced {
                    due.push(*backoff_shown);
                }
                due.push(*retry);
            }
            State::Running { exit, kill, .. } => {
                due.extend(exit.map(|e| e.0));
                due.extend(*kill);
            }
            State::Stopping { until, .. } | State::PostStart { until, .. } => due.push(*until),
            State::BackOff { until, .. } => due.push(*until),
            State::StartFailed { retry, .. } => due.push(*retry),
            _ => {}
        }
        due.extend(c.ready_change.map(|r| r.0));
        due.extend(c.readiness_failure);
        due.extend(c.liveness_failure);
        if !c.started {
            due.extend(c.started_at);
        }
    }
    due.into_iter().filter(|t| *t > now).min()
}

/// Applies what is due for container `i`; true if something changed.
fn step(world: &mut World, rt: &mut PodRuntime, i: usize) -> bool {
    let now = world.now;
    let state = rt.containers[i].state.clone();
    match state {
        State::Creating { until, pull } if until <= now => {
            // The pod worker starts containers one after the other: one whose postStart
            // hook still runs holds back the start of the next (`SyncPod`).
            if let Some(hook_ends) = running_post_start(rt, i) {
                rt.containers[i].state = State::Creating {
                    until: hook_ends,
                    pull,
                };
                return true;
            }
            let image = rt.containers[i].image.clone();
            if pull.is_some() && world.kubelet.unpullable.contains(&image) {
                images::pull_failed(world, rt, i);
            } else {
                container_started(world, rt, i, pull);
            }
            true
        }
        State::PullFailed {
            backoff_shown,
            announced: false,
            ..
        } if backoff_shown <= now => {
            images::announce_backoff(world, rt, i);
            true
        }
        State::PullFailed { retry, .. } if retry <= now => {
            images::pulling(world, rt, i);
            let image = rt.containers[i].image.clone();
            if world.kubelet.unpullable.contains(&image) {
                images::pull_failed(world, rt, i);
            } else {
                container_started(world, rt, i, Some(ZERO));
            }
            true
        }
        State::Running {
            since,
            exit: Some((at, code)),
            ..
        } if at <= now => {
            terminated(world, rt, i, since, at, code);
            true
        }
        State::Running {
            since,
            kill: Some(at),
            ..
        } if at <= now => {
            prober::kill(world, rt, i, since, at);
            true
        }
        State::Stopping { since, until, code } if until <= now => {
            terminated(world, rt, i, since, until, code);
            true
        }
        State::PostStart { since, until, exit } if until <= now => {
            rt.containers[i].state = State::Running {
                since,
                exit,
                kill: None,
            };
            prober::on_start(world, rt, i);
            true
        }
        // A finished pod starts nothing again (`computePodActions` KillPod).
        State::BackOff { .. }
            if due_backoff(&state, now) && status::terminal_phase(rt).is_none() =>
        {
            restart(world, rt, i);
            true
        }
        State::StartFailed { retry, .. } if retry <= now => {
            // The pod worker's next sync starts the container again (the image manager
            // first, as every attempt does).
            begin_create(world, rt, i, false);
            true
        }
        _ => prober::step(world, rt, i),
    }
}

/// When the postStart hook of a container before `i` (that `SyncPod` started first) ends,
/// if one still runs.
fn running_post_start(rt: &PodRuntime, i: usize) -> Option<Millis> {
    rt.containers[..i].iter().find_map(|c| match c.state {
        State::PostStart { until, .. } => Some(until),
        _ => None,
    })
}

fn due_backoff(state: &State, now: Millis) -> bool {
    matches!(state, State::BackOff { until, .. } if *until <= now)
}

/// Starts what may start now; true if something began.
fn start_next(world: &mut World, rt: &mut PodRuntime) -> bool {
    if status::terminal_phase(rt).is_some() {
        return false;
    }
    let mut began = false;
    let mut initialized = true;
    for i in 0..rt.containers.len() {
        let c = &rt.containers[i];
        match c.role {
            Role::App => {}
            Role::Init => {
                if matches!(c.state, State::Terminated { code: 0, .. }) {
                    continue;
                }
                if c.state == State::NotStarted && !rt.initialized {
                    begin_create(world, rt, i, true);
                    began = true;
                }
                initialized = false;
                break;
            }
            Role::Sidecar => {
                if c.state == State::NotStarted {
                    begin_create(world, rt, i, true);
                    began = true;
                }
                let c = &rt.containers[i];
                if matches!(c.state, State::Running { .. }) && c.started {
                    continue;
                }
                if rt.initialized {
                    continue; // a restarting sidecar does not hold the app containers back
                }
                initialized = false;
                break;
            }
        }
    }
    if !initialized && !rt.initialized {
        return began;
    }
    rt.initialized = true;
    // `SyncPod` starts the app containers one after the other in spec order, and
    // `startContainer` returns only when the container's postStart hook has: a container
    // after one whose hook is still to run (or runs) is not pulled, created or started
    // before it returns, and from there on each waits for the one before it to have
    // started. Before the first hook the app containers take their 2 s together.
    let mut hook_ahead = false;
    let mut after_hook = false;
    for i in 0..rt.containers.len() {
        let c = &rt.containers[i];
        if c.role != Role::App {
            continue;
        }
        if c.state == State::NotStarted && !hook_ahead {
            if after_hook {
                begin_after_post_start(world, rt, i);
            } else {
                begin_create(world, rt, i, true);
            }
            began = true;
        }
        let c = &rt.containers[i];
        after_hook |= c.post_start_sleep > ZERO;
        if after_hook
            && matches!(
                c.state,
                State::NotStarted | State::Creating { .. } | State::PostStart { .. }
            )
        {
            hook_ahead = true;
        }
    }
    began
}

/// Container `i`, which waited for the postStart hook of a container before it: its
/// `startContainer` begins now, so its image is pulled now (the first pull takes 2 s, or
/// `slow-to-pull`), and an image already on the node (the one the hooked container pulled)
/// lets it start at once (`EnsureImageExists`: already present).
fn begin_after_post_start(world: &mut World, rt: &mut PodRuntime, i: usize) {
    let now = world.now;
    match images::decide(world, rt, i, true) {
        PullDecision::Failed(reason, message) => {
            images::start_failed(world, rt, i, reason, message)
        }
        PullDecision::Pull(took) => {
            rt.containers[i].state = State::Creating {
                until: now + took,
                pull: Some(took),
            };
        }
        PullDecision::Present => container_started(world, rt, i, None),
    }
}

/// The pod's `terminationGracePeriodSeconds` (30 s by default), the time a container
/// gets between SIGTERM and SIGKILL.
fn grace_period(world: &World, pod: &str) -> Millis {
    seconds(
        world
            .store
            .pods()
            .get(pod)
            .and_then(|p| p.spec.as_ref()?.termination_grace_period_seconds)
            .or(Some(30)),
    )
}

/// `computePodActions` KillPod: once the pod has finished (no app container runs or will
/// be restarted: `restartPolicy` Never or OnFailure, or a regular init container that
/// failed for good), the kubelet stops what still runs, its sidecars above all (they do not
/// keep the pod alive, and are not restarted), as for a deletion but with the pod's own
/// grace period. True if it stopped something.
fn kill_finished_pod(world: &mut World, rt: &mut PodRuntime) -> bool {
    if status::terminal_phase(rt).is_none() {
        return false;
    }
    let running = rt
        .containers
        .iter()
        .any(|c| matches!(c.state, State::Running { .. } | State::PostStart { .. }));
    if !running {
        return false;
    }
    let grace = grace_period(world, &rt.name);
    super::termination::kill_containers(world, rt, grace);
    for c in &mut rt.containers {
        c.ready = false;
        c.ready_change = None;
    }
    true
}

/// Pull (as the policy says) and create container `i`. A first start takes 2 s (or the
/// image's `slow-to-pull`); a restart starts at once unless it pulls.
fn begin_create(world: &mut World, rt: &mut PodRuntime, i: usize, first: bool) {
    let now = world.now;
    match images::decide(world, rt, i, first) {
        PullDecision::Failed(reason, message) => {
            images::start_failed(world, rt, i, reason, message);
        }
        PullDecision::Pull(took) => {
            if took == ZERO {
                // A restart's pull (policy `Always`) fails at once for an image that can no
                // longer be pulled, as every other pull does (`EnsureImageExists`).
                if world.kubelet.unpullable.contains(&rt.containers[i].image) {
                    images::pull_failed(world, rt, i);
                } else {
                    container_started(world, rt, i, Some(ZERO));
                }
            } else {
                rt.containers[i].state = State::Creating {
                    until: now + took,
                    pull: Some(took),
                };
            }
        }
        PullDecision::Present => {
            if first {
                rt.containers[i].state = State::Creating {
                    until: now + super::CONTAINER_START,
                    pull: None,
                };
            } else {
                container_started(world, rt, i, None);
            }
        }
    }
}

/// The container runs: Pulled, Created, Started events; the image is on the node now.
fn container_started(world: &mut World, rt: &mut PodRuntime, i: usize, pulled: Option<Millis>) {
    let now = world.now;
    let image = rt.containers[i].image.clone();
    images::pulled(world, rt, i, pulled);
    let environment = match world.store.pods().get(&rt.name) {
        // `GenerateRunContainerOptions`: the environment, then the mounts (a subPathExpr
        // expands from that environment).
        Some(pod) => env::check(world, pod, &rt.containers[i].name)
            .and_then(|()| volume_manager::check_mounts(world, pod, &rt.containers[i].name)),
        None => Ok(()),
    };
    if let Err(message) = environment {
        event(
            world,
            &rt.name,
            "Warning",
            "Failed",
            format!("Error: {message}"),
        );
        rt.containers[i].state = State::StartFailed {
            reason: StartError::CreateContainerConfigError,
            message,
            retry: now + SYNC_RETRY,
        };
        return;
    }
    // A new instance of the pod's first container (the one `write` and `read` act in)
    // starts from its image: what the last instance wrote outside volumes is gone.
    let first_app = rt.containers.iter().position(|c| c.role == Role::App);
    if rt.containers[i].restart_count > 0 && first_app == Some(i) {
        world.files.container_restarted(&rt.uid);
    }
    event(
        world,
        &rt.name,
        "Normal",
        "Created",
        // `startContainer` since v1.35 (the container's name is in the event's fieldPath).
        "Container created".to_string(),
    );
    event(
        world,
        &rt.name,
        "Normal",
        "Started",
        "Container started".to_string(),
    );
    let faults = world
        .kubelet
        .image_faults
        .get(&image)
        .cloned()
        .unwrap_or_default();
    let c = &mut rt.containers[i];
    c.pull_backoff = None;
    c.slow_to_stop = faults.slow_to_stop;
    let exit = match (faults.crashing, c.role) {
        (Some((code, after)), _) => Some((now + after, code)),
        // A regular init container does its work and exits 0 at once.
        (None, Role::Init) => Some((now, 0)),
        (None, _) => None,
    };
    if c.post_start_sleep > ZERO {
        // `startContainer` runs the postStart hook right after the start and returns when
        // it does: the container is not running before then.
        c.state = State::PostStart {
            since: now,
            until: now + c.post_start_sleep,
            exit,
        };
        return;
    }
    c.state = State::Running {
        since: now,
        exit,
        kill: None,
    };
    prober::on_start(world, rt, i);
}

/// `getTerminationMessage`: what container `i`'s instance left at its
/// `terminationMessagePath` (`/dev/termination-log` by default), its last 4096 bytes
/// (`MaxContainerTerminationMessageLength`, read with `tail.ReadAtMost`); `None` when it
/// left nothing. Files are written in the pod's first container only (`write`), so only it
/// can leave one. With `FallbackToLogsOnError` the kubelet would use the log's tail after a
/// failure without a message; scn keeps no logs.
pub(crate) fn termination_message(world: &World, rt: &PodRuntime, i: usize) -> Option<String> {
    let first_app = rt.containers.iter().position(|c| c.role == Role::App);
    if first_app != Some(i) {
        return None;
    }
    let pod = world.store.pods().get(&rt.name)?;
    let container = pod
        .spec
        .as_ref()?
        .containers
        .iter()
        .find(|c| c.name == rt.containers[i].name)?;
    let path = container
        .termination_message_path
        .as_deref()
        .unwrap_or("/dev/termination-log");
    let text = crate::sim::volumes::container_file(world, &rt.uid, path)?;
    const MAX: usize = 4096;
    let mut start = text.len().saturating_sub(MAX);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let text = &text[start..];
    (!text.is_empty()).then(|| text.to_string())
}

/// Container `i` stopped at `at` with `code`: restart it (at once the first time, else after
/// the crash back-off) as the restart policy says, or leave it terminated.
fn terminated(
    world: &mut World,
    rt: &mut PodRuntime,
    i: usize,
    since: Millis,
    at: Millis,
    code: i32,
) {
    // A pod that has finished (every app container stopped for good) restarts nothing: its
    // sidecars were stopped to end it (`computePodActions` KillPod).
    let finished = status::terminal_phase(rt).is_some();
    let message = termination_message(world, rt, i);
    let c = &mut rt.containers[i];
    c.ready = false;
    c.ready_change = None;
    c.readiness_failure = None;
    c.liveness_failure = None;
    let killed_to_restart = std::mem::take(&mut c.restart_after_kill);
    c.started = false;
    c.started_at = None;
    let mut new_definition = false;
    if c.role == Role::Init {
        if let Some(image) = c.next_image.take() {
            new_definition = true;
            // A regular init container that ran on while its image changed: its next start,
            // if its exit calls for one, is the new definition's first (a fresh back-off).
            c.image = image;
            c.backoff = None;
            c.pull_backoff = None;
        }
    }
    if let Some(image) = c.next_image.take() {
        // Stopped for a new definition: restarted whatever the restart policy, with the new
        // image and a fresh back-off (upstream keys the back-off by the container's hash).
        c.earlier = c.last.take().map(Box::new);
        c.last = Some(LastTermination {
            instance: c.restart_count,
            started: since,
            finished: at,
            code,
            message,
        });
        c.image = image;
        c.backoff = None;
        c.pull_backoff = None;
        c.restart_count += 1;
        start_new_definition(world, rt, i);
        return;
    }
    let restarts = !finished && (killed_to_restart || should_restart(c, &rt.restart_policy, code));
    if !restarts {
        c.state = State::Terminated {
            started: since,
            finished: at,
            code,
        };
        c.exit_message = message;
        return;
    }
    c.earlier = c.last.take().map(Box::new);
    c.last = Some(LastTermination {
        instance: c.restart_count,
        started: since,
        finished: at,
        code,
        message,
    });
    // A liveness kill is a stop like a crash: the restart timing counts from when it
    // stopped (LANGUAGE.md's normative rule, which scn keeps where upstream's `doBackOff`
    // reads the status taken before the kill and so restarts several kills at once,
    // kubernetes/kubernetes#22240).
    match backoff::next(c, at, &world.config.gates) {
        None if new_definition => {
            // The new image is pulled as for a first start when the node lacks it.
            rt.containers[i].restart_count += 1;
            start_new_definition(world, rt, i);
        }
        None => {
            // `syncPod` writes the status it generated from the runtime (this container
            // exited, so not ready) before `SyncPod` starts it again; a liveness kill
            // restarts it within the one `SyncPod` that killed it, unseen.
            rt.exited_unready |= !killed_to_restart;
            restart(world, rt, i)
        }
        Some(delay) => {
            rt.containers[i].state = State::BackOff {
                until: at + delay,
                delay,
            };
            let message = format!(
                "Back-off restarting failed container {} in pod {}",
                rt.containers[i].name,
                backoff::pod_ref(rt)
            );
            event(world, &rt.name, "Warning", "BackOff", message);
        }
    }
}

/// Whether container `c`, which exited with `code`, is started again
/// (`ShouldContainerBeRestarted` with ContainerRestartRules, on by default since v1.35): a
/// sidecar always; a regular init container that succeeded never; otherwise the first of
/// its `restartPolicyRules` whose exit codes match decides, then its own `restartPolicy`,
/// then the pod's (`Always`; `OnFailure`: on a non-zero code; `Never`). An init container
/// under a pod's `Always` restarts only when it failed.
pub(crate) fn should_restart(c: &Ctr, pod_policy: &str, code: i32) -> bool {
    match c.role {
        Role::Sidecar => return true,
        Role::Init if code == 0 => return false,
        _ => {}
    }
    for rule in &c.restart_rules {
        let Some(on) = rule.exit_codes.as_ref() else {
            continue;
        };
        let listed = on.values.as_deref().unwrap_or_default().contains(&code);
        let matched = match on.operator.as_str() {
            "In" => listed,
            "NotIn" => !listed,
            _ => false,
        };
        if matched {
            // `Restart`, and `RestartAllContainers` (which upstream turns into a restart of
            // the whole pod in place; here only this container restarts).
            return true;
        }
    }
    match c.restart_policy.as_deref().unwrap_or(pod_policy) {
        "Never" => false,
        "OnFailure" => code != 0,
        _ => true,
    }
}

/// A new instance of container `i`.
fn restart(world: &mut World, rt: &mut PodRuntime, i: usize) {
    rt.containers[i].restart_count += 1;
    // `doBackOff` moves the back-off on (`Next`) in the sync that restarts the container.
    rt.containers[i].backoff_updated = world.now;
    begin_create(world, rt, i, false);
}

/// The images the pod's spec asks for, in the runtime's container order (init containers,
/// then app containers); `None` when the lists do not match the runtime's.
fn spec_images(world: &World, rt: &PodRuntime) -> Option<Vec<String>> {
    let spec = world.store.pods().get(&rt.name)?.spec.as_ref()?;
    let images: Vec<String> = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .map(|c| c.image.clone().unwrap_or_default())
        .collect();
    (images.len() == rt.containers.len()).then_some(images)
}

/// Whether container `c` runs (or is about to run) another image than `image`, and would be
/// restarted for it: a container that stopped for good keeps its last image.
fn wants_image(c: &Ctr, image: &str) -> bool {
    c.next_image.as_deref().unwrap_or(&c.image) != image
        && !matches!(c.state, State::Terminated { .. })
}

/// Whether the pod object (the runtime's pod) asks the worker for something it has not
/// done: a changed image, or an active deadline (checked at every sync).
pub(crate) fn spec_changed(pod: &Pod, rt: &PodRuntime) -> bool {
    if rt.gone_at.is_some() || rt.frozen {
        return false;
    }
    let deadline = pod
        .spec
        .as_ref()
        .and_then(|s| s.active_deadline_seconds)
        .is_some();
    deadline || spec_wants_new_images(pod, rt)
}

/// Whether some container would take another image from the spec (`spec_images` without
/// copying the images: the common answer, no, costs no allocation).
fn wants_new_images(world: &World, rt: &PodRuntime) -> bool {
    world
        .store
        .pods()
        .get(&rt.name)
        .is_some_and(|pod| spec_wants_new_images(pod, rt))
}

fn spec_wants_new_images(pod: &Pod, rt: &PodRuntime) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return false;
    };
    let init = spec.init_containers.as_deref().unwrap_or_default();
    if init.len() + spec.containers.len() != rt.containers.len() {
        return false;
    }
    init.iter()
        .chain(spec.containers.iter())
        .zip(&rt.containers)
        .any(|(s, c)| wants_image(c, s.image.as_deref().unwrap_or_default()))
}

/// `computePodActions` for containers whose definition changed (a pod update gave them a
/// new image): a running one is killed (`Killing` "Container <name> definition changed,
/// will be restarted", a graceful stop; a sidecar's "Init container <name> definition
/// changed", `computeInitContainerActions`) and restarted with the new image; one that is not
/// running takes the new image for its next start, at once. A running regular init
/// container is left to finish; one that finished keeps its image (it never runs again).
/// True if something changed.
fn apply_spec_images(world: &mut World, rt: &mut PodRuntime) -> bool {
    if !wants_new_images(world, rt) {
        return false;
    }
    let Some(images) = spec_images(world, rt) else {
        return false;
    };
    let grace = grace_period(world, &rt.name);
    let now = world.now;
    let mut changed = false;
    for (i, image) in images.into_iter().enumerate() {
        if !wants_image(&rt.containers[i], &image) {
            continue;
        }
        let role = rt.containers[i].role;
        match rt.containers[i].state.clone() {
            // A regular init container that runs is not killed (`computeInitContainerActions`:
            // "nothing to do but wait for it to finish"): done, it stays done with the image
            // it ran; failed, it is started again with the new one.
            State::Running { .. } if role == Role::Init => {
                rt.containers[i].next_image = Some(image);
            }
            State::Running { since, .. } => {
                let name = rt.containers[i].name.clone();
                // A sidecar's message is `computeInitContainerActions`' own, without the
                // ", will be restarted" that `computePodActions` adds for app containers.
                let message = if role == Role::Sidecar {
                    format!("Init container {name} definition changed")
                } else {
                    format!("Container {name} definition changed, will be restarted")
                };
                event(world, &rt.name, "Normal", "Killing", message);
                // Ready until it has stopped, as for a liveness kill.
                let (took, code) = kill_time(world, &rt.containers[i], grace);
                let c = &mut rt.containers[i];
                c.next_image = Some(image);
                c.state = State::Stopping {
                    since,
                    until: now + took,
                    code,
                };
            }
            // Stopping already (a liveness kill): it restarts with the new image.
            State::Stopping { .. } => rt.containers[i].next_image = Some(image),
            // Being created (or in its postStart hook): it starts, then is killed for the
            // new definition.
            State::Creating { .. } | State::PostStart { .. } => continue,
            State::NotStarted => rt.containers[i].image = image,
            State::BackOff { .. } => {
                // The back-off belonged to the old definition: a new instance now.
                let c = &mut rt.containers[i];
                c.image = image;
                c.backoff = None;
                c.pull_backoff = None;
                c.restart_count += 1;
                start_new_definition(world, rt, i);
            }
            State::PullFailed { .. } | State::StartFailed { .. } => {
                let c = &mut rt.containers[i];
                c.image = image;
                c.pull_backoff = None;
                start_new_definition(world, rt, i);
            }
            State::Terminated { .. } => continue,
        }
        changed = true;
    }
    changed
}

/// Starts container `i` with its new image: at once when the image is on the node (as a
/// restart), else after the pull (2 s, or the image's `slow-to-pull`), as a first start.
fn start_new_definition(world: &mut World, rt: &mut PodRuntime, i: usize) {
    let on_node = images::present(world, &rt.node, &rt.containers[i].image);
    begin_create(world, rt, i, !on_node);
}

fn pod_runtime<'a>(world: &'a mut World, name: &str) -> Option<(&'a mut PodRuntime, String)> {
    let uid = world.store.pods().get(name)?.metadata.uid.clone()?;
    let rt = world.kubelet.pods.get_mut(&uid)?;
    Some((rt, uid))
}

/// Wake the pod's worker now (a fault changed what is due).
fn resync(world: &mut World, name: &str, uid: &str) {
    let now = world.now;
    sync_at(world, name, uid, now);
}

/// `make pod/x unready`: its readiness probe fails from now on.
pub fn make_unready(world: &mut World, name: &str) {
    let Some(uid) = pod_uid(world, name) else {
        return;
    };
    if !world.kubelet.unready.insert(uid.clone()) {
        return;
    }
    let now = world.now;
    if let Some((rt, _)) = pod_runtime(world, name) {
        prober::readiness_fails(rt, now);
    }
    resync(world, name, &uid);
}

/// `make pod/x ready`: its readiness probe succeeds again.
pub fn make_ready(world: &mut World, name: &str) {
    let Some(uid) = pod_uid(world, name) else {
        return;
    };
    if !world.kubelet.unready.remove(&uid) {
        return;
    }
    let now = world.now;
    if let Some((rt, _)) = pod_runtime(world, name) {
        prober::readiness_succeeds(rt, now);
    }
    resync(world, name, &uid);
}

/// `make pod/x unhealthy`: its liveness probes fail from now on.
pub fn make_unhealthy(world: &mut World, name: &str) {
    let Some(uid) = pod_uid(world, name) else {
        return;
    };
    let now = world.now;
    if world.kubelet.unhealthy.contains_key(&uid) {
        return;
    }
    world.kubelet.unhealthy.insert(uid.clone(), now);
    if let Some((rt, _)) = pod_runtime(world, name) {
        prober::liveness_fails(rt, now);
    }
    resync(world, name, &uid);
}

/// `make pod/x healthy`: its liveness probes succeed again.
pub fn make_healthy(world: &mut World, name: &str) {
    let Some(uid) = pod_uid(world, name) else {
        return;
    };
    if world.kubelet.unhealthy.remove(&uid).is_none() {
        return;
    }
    if let Some((rt, _)) = pod_runtime(world, name) {
        for c in &mut rt.containers {
            c.liveness_failure = None;
            if let State::Running { kill, .. } = &mut c.state {
                *kill = None;
            }
        }
    }
    resync(world, name, &uid);
}

/// `make pod/x crash`: its running containers exit with code 1 now, once.
pub fn crash(world: &mut World, name: &str) {
    let now = world.now;
    let Some((rt, uid)) = pod_runtime(world, name) else {
        return;
    };
    if rt.gone_at.is_some() || rt.frozen {
        return;
    }
    for c in &mut rt.containers {
        if let State::Running { exit, .. } = &mut c.state {
            *exit = Some((now, 1));
        }
    }
    resync(world, name, &uid);
}

/// A probe's or deletion's stop: the time SIGTERM takes (the image's `slow-to-stop` when the
/// container started, or now if set since), cut at the grace period (then SIGKILL: 137).
pub(crate) fn stop_time(world: &World, c: &Ctr, grace: Millis) -> (Millis, i32) {
    // `killContainer`: "always give containers a minimal shutdown window to avoid
    // unnecessary SIGKILLs" — what is left after the hook and the turn, at least 2 s.
    let grace = grace.max(MINIMUM_GRACE_PERIOD);
    let now = world
        .kubelet
        .image_faults
        .get(&c.image)
        .map_or(ZERO, |f| f.slow_to_stop);
    let took = c.slow_to_stop.max(now);
    if took > grace {
        (grace, 137)
    } else {
        (took, 0)
    }
}

/// `killContainer` for one container: its preStop hook (a `sleep` takes its seconds, at
/// most the grace period), then the stop of `stop_time` within what is left of the grace
/// period.
/// `minimumGracePeriodInSeconds` (`kuberuntime_container.go`).
pub(crate) const MINIMUM_GRACE_PERIOD: Millis = Millis::secs(2);

pub(crate) fn kill_time(world: &World, c: &Ctr, grace: Millis) -> (Millis, i32) {
    let hook = c.pre_stop_sleep.min(grace);
    let (took, code) = stop_time(world, c, grace - hook);
    (hook + took, code)
}

pub(crate) fn seconds(s: Option<i64>) -> Millis {
    Millis::from_secs(s.unwrap_or(0))
}

/// The UID of the pod object named `name`, if it exists (a fault acts on that object).
fn pod_uid(world: &World, name: &str) -> Option<String> {
    world.store.pods().get(name)?.metadata.uid.clone()
}
