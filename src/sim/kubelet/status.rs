//! The pod status the kubelet writes (`kubelet_pods.go` `generateAPIPodStatus`, `getPhase`):
//! one status per init container and per container, the phase, and the conditions the
//! kubelet owns (`PodReadyToStartContainers`, `Initialized`, `Ready`, `ContainersReady`,
//! `PodScheduled`). A container not created yet waits with reason `PodInitializing` when the
//! pod has init containers, else `ContainerCreating`.

use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated,
    ContainerStateWaiting, ContainerStatus, HostIP, Pod, PodCondition, PodIP, PodSpec, PodStatus,
    VolumeMountStatus,
};

use super::super::clock::{to_time, Millis};
use super::super::scheduler::set_condition;
use super::super::server;
use super::super::world::World;
use super::{backoff, PodRuntime, Role, State};

fn waiting(reason: &str, message: Option<String>) -> ContainerState {
    ContainerState {
        waiting: Some(ContainerStateWaiting {
            reason: Some(reason.into()),
            message,
        }),
        ..Default::default()
    }
}

/// A stopped container: exit 0 is `Completed`, any other code (137 for a SIGKILL at the end
/// of the grace period) `Error`; `containerID` is the stopped instance's
/// (`convertContainerStatus` fills it for an exited container too).
pub(crate) fn terminated(
    code: i32,
    started: Millis,
    finished: Millis,
    container_id: String,
    message: Option<String>,
) -> ContainerState {
    ContainerState {
        terminated: Some(ContainerStateTerminated {
            exit_code: code,
            message,
            reason: Some(if code == 0 { "Completed" } else { "Error" }.into()),
            started_at: Some(to_time(started)),
            finished_at: Some(to_time(finished)),
            container_id: Some(container_id),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// `convertToAPIContainerStatuses`: the container's mounts as its status lists them (the
/// RecursiveReadOnlyMounts gate is GA and always on): name, path, `readOnly` when true, and
/// for a read-only mount its `recursiveReadOnly` mode, `Disabled` unless the spec asks for
/// it (`Enabled`, or `IfPossible`, which scn's runtime supports).
pub(crate) fn volume_mount_statuses(c: &Container) -> Vec<VolumeMountStatus> {
    c.volume_mounts
        .iter()
        .flatten()
        .map(|m| {
            let read_only = m.read_only == Some(true);
            let recursive = match m.recursive_read_only.as_deref() {
                Some("Enabled" | "IfPossible") => "Enabled",
                _ => "Disabled",
            };
            VolumeMountStatus {
                name: m.name.clone(),
                mount_path: m.mount_path.clone(),
                read_only: read_only.then_some(true),
                recursive_read_only: read_only.then(|| recursive.to_string()),
                volume_status: None,
            }
        })
        .collect()
}

/// The runtime's ID of a container instance, as the status shows it (`<runtime>://<64 hex
/// digits>`): containerd's IDs are random; scn's are a hash of the pod's UID, the container's
/// name and the instance's number (its restart count), so each instance has its own.
pub(crate) fn container_id(pod_uid: &str, name: &str, instance: i32) -> String {
    let mut stamp = itoa::Buffer::new();
    let stamp = stamp.format(instance);
    let mut seed = Vec::with_capacity(pod_uid.len() + name.len() + stamp.len() + 2);
    seed.extend_from_slice(pod_uid.as_bytes());
    seed.push(b'/');
    seed.extend_from_slice(name.as_bytes());
    seed.push(b'@');
    seed.extend_from_slice(stamp.as_bytes());
    let mut id = String::with_capacity(CONTAINER_RUNTIME.len() + 3 + 64);
    id.push_str(CONTAINER_RUNTIME);
    id.push_str("://");
    push_hex256(&mut id, &seed);
    id
}

/// Appends 64 hex digits that depend only on `seed` (FNV-1a, spread over 256 bits by
/// splitmix64 steps): scn's stand-in for the runtime's random IDs and the registry's
/// digests. Each status write names two or three of them, so they are written digit by
/// digit, not through the formatting machinery.
pub(crate) fn push_hex256(out: &mut String, seed: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in seed {
        hash = (hash ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    let mut digits = [0u8; 64];
    for chunk in digits.chunks_exact_mut(16) {
        hash = hash.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = hash;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // `{z:016x}`: sixteen digits, the most significant first.
        for (i, digit) in chunk.iter_mut().enumerate() {
            *digit = DIGITS[((z >> ((15 - i) * 4)) & 0xf) as usize];
        }
    }
    // Hex digits are ASCII: this is never `Err`.
    if let Ok(hex) = std::str::from_utf8(&digits) {
        out.push_str(hex);
    }
}

/// The resources allocated to a container (the spec's), as the kubelet writes them: every
/// quantity in its canonical form (a `Quantity` marshals canonically). The status of a
/// container that is not running reports these as its `resources`
/// (`convertContainerStatusResources`: "If the container isn't running, just use the
/// allocated resources").
fn allocated_resources(
    allocated: &k8s_openapi::api::core::v1::ResourceRequirements,
) -> k8s_openapi::api::core::v1::ResourceRequirements {
    let mut out = allocated.clone();
    canonicalize(&mut out);
    out
}

/// Every quantity of `r` in its canonical form (as a `Quantity` marshals).
fn canonicalize(r: &mut k8s_openapi::api::core::v1::ResourceRequirements) {
    for list in [r.requests.as_mut(), r.limits.as_mut()]
        .into_iter()
        .flatten()
    {
        for q in list.values_mut() {
            if let Some(text) = crate::quantity::to_canonical_string(&q.0) {
                q.0 = text;
            }
        }
    }
}

/// `convertContainerStatusResources`: what a running container's status reports as its
/// `resources` (InPlacePodVerticalScaling is GA): the resources allocated to it (the spec's,
/// `{}` when it has none), with the values the runtime reads back from the container's
/// cgroup for cpu and the memory limit. The cpu request goes through cgroup shares
/// (`MilliCPUToShares`, `sharesToMilliCPU`), kept as allocated when both are at most the 2
/// shares' minimum; the memory limit is the runtime's byte count (`1G` shows as
/// `1000000000`, `200Mi` as `200Mi`). A container that is not running reports its
/// allocated resources as they are ([`allocated_resources`]).
fn status_resources(
    allocated: &k8s_openapi::api::core::v1::ResourceRequirements,
) -> k8s_openapi::api::core::v1::ResourceRequirements {
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    let mut out = allocated.clone();
    let read_back = |q: &Quantity, f: &dyn Fn(i64) -> Option<String>| {
        crate::quantity::parse(&q.0)
            .ok()
            .and_then(|q| q.milli_value())
            .and_then(f)
            .map(Quantity)
    };
    if let Some(cpu) = out.requests.as_mut().and_then(|r| r.get_mut("cpu")) {
        // Shares are 1024 a cpu, at least 2; read back rounded up.
        let shares_back = |milli: i64| {
            let shares = (i128::from(milli) * 1024 / 1000).max(2);
            let back = (shares * 1000 + 1023) / 1024;
            (back > 2 || milli > 2).then(|| format!("{back}m"))
        };
        if let Some(q) = read_back(cpu, &shares_back) {
            *cpu = q;
        }
    }
    canonicalize(&mut out);
    if let Some(memory) = out.limits.as_mut().and_then(|l| l.get_mut("memory")) {
        if let Some(bytes) = crate::quantity::bytes(&memory.0) {
            // `resource.NewQuantity(bytes, BinarySI)`: a power-of-1024 suffix only when it
            // divides the value.
            memory.0 = if bytes >= 1024 && bytes % 1024 == 0 {
                let text = format!("{}Ki", bytes / 1024);
                crate::quantity::to_canonical_string(&text).unwrap_or(text)
            } else {
                bytes.to_string()
            };
        }
    }
    out
}

/// The container runtime of every node (`containerRuntimeVersion: containerd://…`).
const CONTAINER_RUNTIME: &str = "containerd";

fn is_running(state: &State) -> bool {
    matches!(state, State::Running { .. } | State::Stopping { .. })
}

pub(crate) fn container_status(rt: &PodRuntime, i: usize) -> ContainerStatus {
    let c = &rt.containers[i];
    let has_init = rt.containers.iter().any(|c| c.role != Role::App);
    let default_reason = if has_init {
        "PodInitializing"
    } else {
        "ContainerCreating"
    };
    let state = match &c.state {
        // Still waiting as the last status the pod worker wrote says: it writes none while
        // it runs a postStart hook.
        State::NotStarted | State::Creating { .. } | State::PostStart { .. } => {
            waiting(default_reason, None)
        }
        State::PullFailed {
            message,
            announced: false,
            ..
        } => waiting("ErrImagePull", Some(message.clone())),
        // `imageManager.pullImage` in back-off: the short text of the `BackOff` event, then
        // the failed attempt's error as it stored it (`prevPullErrMsg`, keyed by the pod's UID
        // and the image: `ErrImagePull: <pull error>`).
        State::PullFailed { message, .. } => waiting(
            "ImagePullBackOff",
            Some(format!(
                "Back-off pulling image \"{}\": ErrImagePull: {message}",
                c.image
            )),
        ),
        State::StartFailed {
            reason, message, ..
        } => waiting(reason.reason(), Some(message.clone())),
        State::Running { since, .. } | State::Stopping { since, .. } => ContainerState {
            running: Some(ContainerStateRunning {
                started_at: Some(to_time(*since)),
            }),
            ..Default::default()
        },
        State::BackOff { delay, .. } => waiting(
            "CrashLoopBackOff",
            Some(backoff::message(rt, &c.name, *delay)),
        ),
        State::Terminated {
            started,
            finished,
            code,
        } => terminated(
            *code,
            *started,
            *finished,
            container_id(&rt.uid, &c.name, c.restart_count),
            c.exit_message.clone(),
        ),
    };
    let running = is_running(&c.state);
    // The instance the status describes, once the runtime has created one: the current
    // one, or, in crash back-off, the one that exited.
    // (The restart count counts an instance when it is created, so in back-off it is still
    // the exited one's.)
    let created = match &c.state {
        State::Running { .. } | State::Stopping { .. } | State::Terminated { .. } => true,
        State::BackOff { .. } => c.last.is_some(),
        _ => false,
    };
    // The prober reports an init container ready once it has exited 0, and a sidecar (or
    // an app container) while it runs and passes its readiness probe.
    let completed = c.role == Role::Init && matches!(c.state, State::Terminated { code: 0, .. });
    ContainerStatus {
        name: c.name.clone(),
        // Before the runtime created an instance the kubelet shows the spec's image;
        // after, the runtime's normalized repository tag and digest.
        image: if created {
            super::images::repo_tag(&c.image)
        } else {
            c.image.clone()
        },
        image_id: if created {
            super::images::image_id(&c.image)
        } else {
            String::new()
        },
        ready: (c.ready && running) || completed,
        restart_count: c.restart_count,
        started: Some(c.started && running),
        state: Some(state),
        container_id: created.then(|| container_id(&rt.uid, &c.name, c.restart_count)),
        // `LastTerminationState` is a struct, not a pointer: the API shows `lastState: {}`
        // for a container that never stopped.
        last_state: Some(c.last.as_ref().map_or_else(ContainerState::default, |l| {
            terminated(
                l.code,
                l.started,
                l.finished,
                container_id(&rt.uid, &c.name, l.instance),
                l.message.clone(),
            )
        })),
        volume_mounts: (!c.volume_mounts.is_empty()).then(|| c.volume_mounts.clone()),
        // `convertToAPIContainerStatuses` (InPlacePodVerticalScaling, GA in v1.35): every
        // container the runtime knows, running or exited, init containers included, reports
        // `resources` (read back while it runs, else as allocated) and `allocatedResources`
        // (its requests; none without any); one never created has neither.
        resources: c.resources.as_deref().filter(|_| created).map(|r| {
            if running {
                status_resources(r)
            } else {
                allocated_resources(r)
            }
        }),
        allocated_resources: c
            .resources
            .as_deref()
            .filter(|_| created)
            .and_then(|r| allocated_resources(r).requests)
            .filter(|r| !r.is_empty()),
        ..Default::default()
    }
}

/// The pod stops being ready: its `Ready` and `ContainersReady` conditions (when it has
/// conditions) turn False, and every container status says not ready, except an init
/// container that ran to completion: the prober reports one ready as long as it is
/// terminated with exit code 0 (`prober_manager.go` `UpdatePodStatus`). The container
/// states keep their last observation. The conditions say why as
/// `GenerateContainersReadyCondition` does: `PodFailed` or `PodCompleted` for a terminal
/// phase, else `ContainersNotReady` naming the app containers in the spec's order.
pub(crate) fn mark_not_ready(status: &mut PodStatus, spec: Option<&PodSpec>, now: Millis) {
    if status.conditions.is_some() {
        let why = match status.phase.as_deref() {
            Some("Failed") => ("PodFailed", String::new()),
            Some("Succeeded") => ("PodCompleted", String::new()),
            _ => {
                let names: Vec<&str> = spec
                    .map(|s| s.containers.iter().map(|c| c.name.as_str()).collect())
                    .unwrap_or_default();
                (
                    "ContainersNotReady",
                    format!("containers with unready status: [{}]", names.join(" ")),
                )
            }
        };
        for type_ in ["Ready", "ContainersReady"] {
            set_condition(status, type_, false, now);
            explain(status, type_, Some((why.0, why.1.clone())));
        }
    }
    for container in status.container_statuses.iter_mut().flatten() {
        container.ready = false;
    }
    for container in status.init_container_statuses.iter_mut().flatten() {
        let completed = container
            .state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .is_some_and(|t| t.exit_code == 0);
        container.ready = completed;
    }
}

/// The status manager's `SetContainerReadiness`: the readiness the prober found for the
/// pod's containers goes into the stored status at once, with the `Ready` and
/// `ContainersReady` conditions it implies, whatever the pod worker is doing (it may be
/// waiting for containers to stop, and write nothing else).
pub(crate) fn set_container_readiness(world: &mut World, rt: &PodRuntime) {
    let now = world.now;
    server::write::<Pod>(world, &rt.name, server::Author::Other, |pod| {
        let Some(status) = pod.status.as_mut() else {
            return false;
        };
        let mut changed = false;
        let lists = [
            status.init_container_statuses.iter_mut().flatten(),
            status.container_statuses.iter_mut().flatten(),
        ];
        for s in lists.into_iter().flatten() {
            let Some(c) = rt.containers.iter().find(|c| c.name == s.name) else {
                continue;
            };
            let ready = c.ready && is_running(&c.state);
            if c.role != Role::Init && s.ready != ready {
                s.ready = ready;
                changed = true;
            }
        }
        if !changed || status.conditions.is_none() {
            return changed;
        }
        let unready = unready_containers(rt);
        let ready = unready.is_empty();
        let gates = ready
            .then(|| unready_gates(pod.spec.as_ref(), status))
            .flatten();
        for type_ in ["Ready", "ContainersReady"] {
            let value = ready && (type_ != "Ready" || gates.is_none());
            set_condition(status, type_, value, now);
            let why = (!ready).then(|| {
                (
                    "ContainersNotReady",
                    format!("containers with unready status: [{}]", unready.join(" ")),
                )
            });
            explain(status, type_, why);
        }
        hold_at_gates(status, gates);
        true
    });
}

/// The conditions the kubelet owns (`kubetypes.PodConditionsByKubelet`), in the order
/// `generateAPIPodStatus` appends them.
const KUBELET_CONDITIONS: [&str; 5] = [
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
];

/// Whether the kubelet owns conditions of this type (`PodConditionByKubelet`).
pub(crate) fn kubelet_owned(type_: &str) -> bool {
    KUBELET_CONDITIONS.contains(&type_)
}

/// The conditions as the kubelet's status manager writes them (`mergePodStatus`): the ones
/// it does not own first, as the stored status has them (`DisruptionTarget`, a readiness
/// gate's), then its own in `generateAPIPodStatus`'s order. `PodScheduled` is one of its
/// own: it is always True in what the kubelet writes (a pod bound by `spec.nodeName`, which
/// no scheduler saw, gets it here); a condition whose status did not change keeps its
/// lastTransitionTime (`updateLastTransitionTime`). The status and the kubelet's
/// conditions are for the pod's generation as the kubelet saw it (`observedGeneration`, Pod
/// Generation, GA in v1.35).
pub(crate) fn kubelet_conditions(status: &mut PodStatus, generation: Option<i64>, now: Millis) {
    terminal_conditions(status, now);
    stamp_conditions(status, generation, now);
}

/// `kubelet_conditions` without the terminal phase's reasons: `PodScheduled`, the
/// generation the kubelet saw, and the conditions' order.
pub(crate) fn stamp_conditions(status: &mut PodStatus, generation: Option<i64>, now: Millis) {
    set_condition(status, "PodScheduled", true, now);
    status.observed_generation = generation;
    if let Some(conditions) = status.conditions.as_mut() {
        for condition in conditions.iter_mut().filter(|c| kubelet_owned(&c.type_)) {
            condition.observed_generation = generation;
        }
        conditions.sort_by_key(|c| {
            KUBELET_CONDITIONS
                .iter()
                .position(|t| *t == c.type_)
                .map_or(0, |i| i + 1)
        });
    }
}

/// A finished pod's conditions (`generate*ConditionForTerminalPhase`,
/// `GeneratePodInitializedCondition`): Ready and ContainersReady are False with reason
/// `PodFailed` or `PodCompleted` and no message, a Succeeded pod is Initialized with reason
/// `PodCompleted`, and the sandbox the kubelet stopped is no longer ready to start
/// containers (`PodReadyToStartContainers` False).
fn terminal_conditions(status: &mut PodStatus, now: Millis) {
    let reason = match status.phase.as_deref() {
        Some("Failed") => "PodFailed",
        Some("Succeeded") => "PodCompleted",
        _ => return,
    };
    if status.conditions.is_none() {
        return;
    }
    set_condition(status, "PodReadyToStartContainers", false, now);
    for type_ in ["Ready", "ContainersReady"] {
        set_condition(status, type_, false, now);
        explain(status, type_, Some((reason, String::new())));
    }
    if reason == "PodCompleted" {
        set_condition(status, "Initialized", true, now);
        explain(status, "Initialized", Some((reason, String::new())));
    }
}

/// `getPhase`, when it is terminal: the containers stopped and will not restart.
pub(crate) fn terminal_phase(rt: &PodRuntime) -> Option<&'static str> {
    match phase(rt) {
        p @ ("Succeeded" | "Failed") => Some(p),
        _ => None,
    }
}

/// `getPhase`.
fn phase(rt: &PodRuntime) -> &'static str {
    if !rt.initialized {
        let failed = rt.containers.iter().any(|c| {
            c.role == Role::Init && matches!(c.state, State::Terminated { code, .. } if code != 0)
        });
        return if failed { "Failed" } else { "Pending" };
    }
    let (mut running, mut waiting, mut stopped, mut succeeded, mut restarting) = (0, 0, 0, 0, 0);
    for c in rt.containers.iter().filter(|c| c.role == Role::App) {
        match &c.state {
            s if is_running(s) => running += 1,
            State::Terminated { code, .. } => {
                stopped += 1;
                if *code == 0 {
                    succeeded += 1;
                }
            }
            _ if c.last.is_some() => {
                stopped += 1;
                restarting += 1;
            }
            _ => waiting += 1,
        }
    }
    // Every app container has stopped: the pod runs on while one of them is restarting
    // (the restart policy, the pod's or the container's own, said so); else it succeeded
    // if all exited 0, else it failed. A `Terminated` container is one that stays so.
    if waiting > 0 {
        "Pending"
    } else if running > 0 {
        "Running"
    } else if stopped > 0 {
        if restarting > 0 {
            "Running"
        } else if stopped == succeeded {
            "Succeeded"
        } else {
            "Failed"
        }
    } else {
        "Pending"
    }
}

/// Sets (or clears) the reason and message of a condition the kubelet owns.
fn explain(status: &mut PodStatus, type_: &str, why: Option<(&str, String)>) {
    let Some(c) = status
        .conditions
        .iter_mut()
        .flatten()
        .find(|c| c.type_ == type_)
    else {
        return;
    };
    match why {
        Some((reason, message)) => {
            c.reason = Some(reason.to_string());
            c.message = (!message.is_empty()).then_some(message);
        }
        None => {
            c.reason = None;
            c.message = None;
        }
    }
}

/// The container statuses of the runtime's view (`convertToAPIContainerStatuses`): the init
/// containers' list when the pod has any, in the spec's order
/// (`SortStatusesOfInitContainers`), and the app containers' sorted by name
/// (`kubetypes.SortedContainerStatuses`), whatever their order in the spec.
fn set_container_statuses(status: &mut PodStatus, rt: &PodRuntime) {
    let apps = rt.containers.iter().filter(|c| c.role == Role::App).count();
    let has_init = apps < rt.containers.len();
    // Exactly as many as there are containers: these are the stored status's lists, and a
    // vector grown by pushes would keep room for four statuses per pod.
    let mut init = Vec::with_capacity(rt.containers.len() - apps);
    let mut app = Vec::with_capacity(apps);
    for (i, c) in rt.containers.iter().enumerate() {
        let s = container_status(rt, i);
        if c.role == Role::App {
            app.push(s);
        } else {
            init.push(s);
        }
    }
    if has_init {
        status.init_container_statuses = Some(init);
    }
    app.sort_by(|a, b| a.name.cmp(&b.name));
    status.container_statuses = Some(app);
}

/// What the API shows of a container the runtime has no record of when the pod ends
/// (`status_manager.go` `TerminatePod`): exit 137, no times.
fn status_unknown() -> ContainerState {
    ContainerState {
        terminated: Some(ContainerStateTerminated {
            exit_code: 137,
            reason: Some("ContainerStatusUnknown".into()),
            message: Some("The container could not be located when the pod was terminated".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn is_terminated(c: &ContainerStatus) -> bool {
    c.state.as_ref().is_some_and(|s| s.terminated.is_some())
}

fn is_waiting(c: &ContainerStatus) -> bool {
    c.state.as_ref().is_some_and(|s| s.waiting.is_some())
}

fn exited_zero(state: Option<&ContainerState>) -> bool {
    state
        .and_then(|s| s.terminated.as_ref())
        .is_some_and(|t| t.exit_code == 0)
}

fn last_terminated(c: &ContainerStatus) -> bool {
    c.last_state
        .as_ref()
        .is_some_and(|s| s.terminated.is_some())
}

/// `TerminatePod`'s `hasPodInitialized`, on the status the API has: a pod without init
/// containers, one with a container that ever left waiting (or has a last termination), or
/// whose last init container has exited 0.
fn has_pod_initialized(spec: Option<&PodSpec>, status: &PodStatus) -> bool {
    if spec.is_none_or(|s| s.init_containers.as_ref().is_none_or(|i| i.is_empty())) {
        return true;
    }
    let apps = status.container_statuses.iter().flatten();
    if apps
        .into_iter()
        .any(|c| last_terminated(c) || !is_waiting(c))
    {
        return true;
    }
    status
        .init_container_statuses
        .as_ref()
        .and_then(|l| l.last())
        .is_some_and(|c| exited_zero(c.last_state.as_ref()) || exited_zero(c.state.as_ref()))
}

/// `getPhase` of a deleted pod whose containers have all stopped (podIsTerminal): a regular
/// init container that failed and would not be restarted fails the pod; one still to run,
/// or a container that never started, leaves it `Pending`; else it `Succeeded` if every
/// app container exited 0, or `Failed`.
fn deleted_pod_phase(rt: &PodRuntime) -> &'static str {
    let (mut pending, mut failed_init, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for c in &rt.containers {
        match (c.role, &c.state) {
            (Role::Init, State::Terminated { code, .. }) => {
                if *code != 0 && !super::pod_workers::should_restart(c, &rt.restart_policy, *code) {
                    failed_init += 1;
                }
            }
            (Role::Sidecar, State::Terminated { .. }) => {}
            (Role::App, State::Terminated { code, .. }) => {
                stopped += 1;
                if *code == 0 {
                    succeeded += 1;
                }
            }
            _ => pending += 1,
        }
    }
    if failed_init > 0 {
        "Failed"
    } else if pending > 0 || stopped == 0 {
        "Pending"
    } else if stopped == succeeded {
        "Succeeded"
    } else {
        "Failed"
    }
}

/// The kubelet's conditions in `generateAPIPodStatus` with podIsTerminal, for a pod whose
/// containers have all stopped and whose phase (held back or not) is `phase`: the stopped
/// sandbox is no longer ready to start containers; Ready and ContainersReady False with
/// `PodFailed` or `PodCompleted` for a terminal phase, else `ContainersNotReady`;
/// Initialized as `GeneratePodInitializedCondition` finds it (`PodCompleted` once
/// Succeeded).
pub(crate) fn deleted_pod_conditions(
    status: &mut PodStatus,
    rt: &PodRuntime,
    phase: &str,
    now: Millis,
) {
    set_condition(status, "PodReadyToStartContainers", false, now);
    let unready = unready_containers(rt);
    let why = match phase {
        "Failed" => ("PodFailed", String::new()),
        "Succeeded" => ("PodCompleted", String::new()),
        _ => (
            "ContainersNotReady",
            format!("containers with unready status: [{}]", unready.join(" ")),
        ),
    };
    for type_ in ["Ready", "ContainersReady"] {
        set_condition(status, type_, false, now);
        explain(status, type_, Some((why.0, why.1.clone())));
    }
    let app_started = status.container_statuses.iter().flatten().any(|c| {
        c.state
            .as_ref()
            .is_some_and(|s| s.running.is_some() || s.terminated.is_some())
    });
    let incomplete: Vec<&str> = rt
        .containers
        .iter()
        .filter(|c| match c.role {
            Role::Init => !matches!(c.state, State::Terminated { code: 0, .. }),
            Role::Sidecar => true,
            Role::App => false,
        })
        .map(|c| c.name.as_str())
        .collect();
    let initialized_condition = if phase == "Succeeded" {
        Some(("PodCompleted", String::new()))
    } else if app_started || incomplete.is_empty() {
        None
    } else {
        Some((
            "ContainersNotInitialized",
            format!(
                "containers with incomplete status: [{}]",
                incomplete.join(" ")
            ),
        ))
    };
    if !rt.containers.is_empty() {
        let value = initialized_condition
            .as_ref()
            .is_none_or(|(reason, _)| *reason == "PodCompleted");
        set_condition(status, "Initialized", value, now);
        explain(status, "Initialized", initialized_condition);
    }
}

/// The phase `generateAPIPodStatus` computes with podIsTerminal for a deleted pod whose
/// containers have all stopped: a terminal phase stays.
pub(crate) fn deleted_phase(status: &PodStatus, rt: &PodRuntime) -> &'static str {
    match status.phase.as_deref() {
        Some("Succeeded") => "Succeeded",
        Some("Failed") => "Failed",
        _ if rt.containers.is_empty() => "Pending",
        _ => deleted_pod_phase(rt),
    }
}

/// The last status of a deleted pod whose containers have all stopped, held by finalizers
/// (`kubelet.go` `SyncTerminatedPod`): `generateAPIPodStatus` with podIsTerminal (the phase of
/// `deleted_pod_phase`, and the conditions that phase implies: Ready and ContainersReady
/// False with `PodFailed` or `PodCompleted` for a terminal one, else `ContainersNotReady`;
/// Initialized as `GeneratePodInitializedCondition` finds it; the stopped sandbox no longer
/// ready to start containers), then the status manager's `TerminatePod`: once the pod has
/// initialized, an app container that is not terminated becomes `ContainerStatusUnknown`
/// (exit 137), as does every init container but the trailing ones that never started
/// (`initializedContainers`, which keeps at least the first); a phase still `Pending` or
/// `Running` becomes `Failed`, without new conditions. A terminal phase never changes.
pub(crate) fn terminated_pod(
    status: &mut PodStatus,
    spec: Option<&PodSpec>,
    rt: &PodRuntime,
    now: Millis,
) {
    let initialized = has_pod_initialized(spec, status);
    if !rt.containers.is_empty() {
        set_container_statuses(status, rt);
    }
    let phase = deleted_phase(status, rt);
    deleted_pod_conditions(status, rt, phase, now);
    // `TerminatePod`.
    if initialized {
        for c in status.container_statuses.iter_mut().flatten() {
            if !is_terminated(c) {
                c.state = Some(status_unknown());
            }
        }
    }
    if let Some(init) = status.init_container_statuses.as_mut() {
        // `initializedContainers`: all but the trailing containers still waiting with no
        // last termination, and at least the first.
        let tried = init
            .iter()
            .rposition(|c| !is_waiting(c) || last_terminated(c))
            .map_or(1, |i| i + 1);
        for c in init.iter_mut().take(tried) {
            if !is_terminated(c) {
                c.state = Some(status_unknown());
            }
        }
    }
    if !matches!(phase, "Succeeded" | "Failed") {
        status.phase = Some("Failed".into());
    } else {
        status.phase = Some(phase.into());
    }
}

/// The container statuses of the runtime's view go into the stored status, nothing else:
/// what the pod worker's next `generateAPIPodStatus` sees of its containers when it finds
/// the pod failed (`active_deadline.rs`).
pub(crate) fn observe_containers(world: &mut World, rt: &PodRuntime) {
    server::write::<Pod>(world, &rt.name, server::Author::Other, |pod| {
        let status = pod.status.get_or_insert_with(PodStatus::default);
        let before = (
            status.init_container_statuses.clone(),
            status.container_statuses.clone(),
        );
        set_container_statuses(status, rt);
        before
            != (
                status.init_container_statuses.clone(),
                status.container_statuses.clone(),
            )
    });
}

/// Writes the status the runtime shows (a watch event only when it changed); true when the
/// pod reached a terminal phase.
pub(crate) fn write(world: &mut World, rt: &mut PodRuntime) -> bool {
    let now = world.now;
    let Some(pod) = world.store.pods().get(&rt.name) else {
        return false;
    };
    // The status manager generates from its own status (`oldPodStatus`), and keeps the
    // conditions it does not own as the API server has them (`mergePodStatus`).
    let cached = rt.cached_status.take();
    let mut status: PodStatus = match cached.as_deref() {
        Some((own, _)) => {
            let mut status = own.clone();
            let stored = pod.status.as_ref().and_then(|s| s.conditions.as_deref());
            let mut conditions: Vec<PodCondition> = stored
                .unwrap_or_default()
                .iter()
                .filter(|c| !kubelet_owned(&c.type_))
                .cloned()
                .collect();
            conditions.extend(
                own.conditions
                    .iter()
                    .flatten()
                    .filter(|c| kubelet_owned(&c.type_))
                    .cloned(),
            );
            status.conditions = (!conditions.is_empty()).then_some(conditions);
            status
        }
        None => pod.status.clone().unwrap_or_default(),
    };
    if let Some(sandbox) = rt.sandbox.take() {
        status.phase = Some("Pending".into());
        if let Some(ip) = sandbox.pod_ip {
            status.pod_ip = Some(ip.clone());
            status.pod_ips = Some(vec![PodIP { ip }]);
        }
        status.host_ip = Some(sandbox.host_ip.clone());
        status.host_ips = Some(vec![HostIP {
            ip: sandbox.host_ip,
        }]);
        status.start_time = Some(to_time(sandbox.started));
        set_condition(
            &mut status,
            "PodReadyToStartContainers",
            sandbox.created,
            now,
        );
        set_condition(&mut status, "Initialized", rt.initialized, now);
        set_condition(&mut status, "Ready", false, now);
        set_condition(&mut status, "ContainersReady", false, now);
    }
    if std::mem::take(&mut rt.exited_unready) {
        // The status written when a container exited, before its restart in the same
        // instant: not ready (`lastTransitionTime` moves, and availability counts again).
        set_condition(&mut status, "Ready", false, now);
        set_condition(&mut status, "ContainersReady", false, now);
    }
    set_container_statuses(&mut status, rt);
    // `mergePodStatus`: a terminal phase is written only once no container can still be
    // running (the sidecars the kubelet stops when the app containers are done); until
    // then the pod keeps the phase it had.
    let mut phase = phase(rt);
    let still_running = rt.containers.iter().any(|c| is_running(&c.state));
    if matches!(phase, "Succeeded" | "Failed") && still_running {
        phase = match status.phase.as_deref() {
            Some("Pending") => "Pending",
            _ => "Running",
        };
    }
    status.phase = Some(phase.into());
    let ready = rt
        .containers
        .iter()
        .filter(|c| c.role != Role::Init)
        .all(|c| c.ready && is_running(&c.state));
    let gates = ready
        .then(|| unready_gates(pod.spec.as_ref(), &status))
        .flatten();
    set_condition(&mut status, "Initialized", rt.initialized, now);
    set_condition(&mut status, "Ready", ready && gates.is_none(), now);
    set_condition(&mut status, "ContainersReady", ready, now);
    // `GeneratePodInitializedCondition`, `GenerateContainersReadyCondition`: the reason and the
    // containers that hold the condition False.
    let incomplete: Vec<&str> = rt
        .containers
        .iter()
        .filter(|c| match c.role {
            Role::Init => !matches!(c.state, State::Terminated { code: 0, .. }),
            Role::Sidecar => !(is_running(&c.state) && c.started),
            Role::App => false,
        })
        .map(|c| c.name.as_str())
        .collect();
    let unready = unready_containers(rt);
    let completed = phase == "Succeeded";
    explain(
        &mut status,
        "Initialized",
        (!rt.initialized).then(|| {
            (
                "ContainersNotInitialized",
                format!(
                    "containers with incomplete status: [{}]",
                    incomplete.join(" ")
                ),
            )
        }),
    );
    for type_ in ["Ready", "ContainersReady"] {
        let why = match (ready, completed) {
            (true, _) => None,
            (false, true) => Some(("PodCompleted", String::new())),
            (false, false) => Some((
                "ContainersNotReady",
                format!("containers with unready status: [{}]", unready.join(" ")),
            )),
        };
        explain(&mut status, type_, why);
    }
    hold_at_gates(&mut status, gates);
    kubelet_conditions(&mut status, pod.metadata.generation, now);
    let terminal = matches!(phase, "Succeeded" | "Failed");
    if let Some(cached) = cached {
        if now < cached.1 && by_kubelet_equal(&status, &cached.0) {
            // Nothing new to the status manager (`updateStatusInternal` returns): the API
            // server's status waits for the periodic sync.
            rt.cached_status = Some(cached);
            return terminal;
        }
    }
    // `pod` is still the stored pod: nothing was written since it was read.
    let unchanged = match &pod.status {
        Some(old) => *old == status,
        None => status == PodStatus::default(),
    };
    if !unchanged {
        server::write::<Pod>(world, &rt.name, server::Author::Other, |pod| {
            pod.status = Some(status);
            true
        });
    }
    terminal
}

/// `isPodStatusByKubeletEqual`: whether the API server's status `api` says what the
/// kubelet's own `cached` does, the conditions it does not own aside (each condition it
/// owns, or shares, with the same status, reason and message; every other field equal).
pub(crate) fn by_kubelet_equal(api: &PodStatus, cached: &PodStatus) -> bool {
    let find = |type_: &str| api.conditions.iter().flatten().find(|c| c.type_ == type_);
    let conditions_agree = cached
        .conditions
        .iter()
        .flatten()
        .filter(|c| kubelet_owned(&c.type_) || c.type_ == "DisruptionTarget")
        .all(|c| {
            find(&c.type_).is_some_and(|o| {
                o.status == c.status && o.reason == c.reason && o.message == c.message
            })
        });
    conditions_agree && {
        let mut copy = api.clone();
        copy.conditions = cached.conditions.clone();
        copy == *cached
    }
}

/// `GeneratePodReadyCondition`'s readiness gates, once every container is ready: the
/// gates whose condition is missing from the status or not `True`, in the spec's order, as
/// its message says them (`None` when every gate is satisfied, or there is none).
fn unready_gates(spec: Option<&PodSpec>, status: &PodStatus) -> Option<String> {
    let conditions = status.conditions.as_deref().unwrap_or_default();
    let messages: Vec<String> = spec
        .and_then(|s| s.readiness_gates.as_deref())
        .unwrap_or_default()
        .iter()
        .filter_map(|gate| {
            let type_ = &gate.condition_type;
            match conditions.iter().find(|c| c.type_ == *type_) {
                None => Some(format!(
                    "corresponding condition of pod readiness gate {type_:?} does not exist."
                )),
                Some(c) if c.status != "True" => Some(format!(
                    "the status of pod readiness gate {type_:?} is not \"True\", but {}",
                    c.status
                )),
                Some(_) => None,
            }
        })
        .collect();
    (!messages.is_empty()).then(|| messages.join(", "))
}

/// Whether the stored `Ready` condition no longer says what the pod's readiness gates
/// imply (someone set or changed a gate's condition, `patch … subresource=status`): the
/// status manager's next sync writes it again. Only with every container ready.
pub(crate) fn gates_out_of_date(pod: &Pod) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return false;
    };
    if spec.readiness_gates.as_ref().is_none_or(|g| g.is_empty()) {
        return false;
    }
    let Some(status) = pod.status.as_ref() else {
        return false;
    };
    let condition = |type_: &str| {
        status
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == type_)
            .map(|c| c.status == "True")
    };
    if condition("ContainersReady") != Some(true) {
        return false;
    }
    let gated = unready_gates(Some(spec), status);
    let want_ready = gated.is_none();
    let message = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Ready")
        .and_then(|c| c.message.clone());
    condition("Ready") != Some(want_ready) || (!want_ready && message != gated)
}

/// A pod whose containers are all ready but whose readiness gates are not (its `Ready`
/// already written False): the reason `ReadinessGatesNotReady` and the gates' message
/// (`ContainersReady` stays True).
fn hold_at_gates(status: &mut PodStatus, gates: Option<String>) {
    if let Some(message) = gates {
        explain(status, "Ready", Some(("ReadinessGatesNotReady", message)));
    }
}

/// The containers that hold `ContainersReady` False (`GenerateContainersReadyCondition`):
/// sidecars and app containers that are not both running and ready, in the spec's order.
fn unready_containers(rt: &PodRuntime) -> Vec<&str> {
    rt.containers
        .iter()
        .filter(|c| c.role != Role::Init && !(c.ready && is_running(&c.state)))
        .map(|c| c.name.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{container_id, push_hex256, status_resources};

    /// The digits as `format!("{z:016x}")` wrote them, four times over.
    fn formatted_hex256(seed: &[u8]) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in seed {
            hash = (hash ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        let mut hex = String::new();
        for _ in 0..4 {
            hash = hash.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = hash;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            hex.push_str(&format!("{z:016x}"));
        }
        hex
    }

    #[test]
    fn hex_ids_are_the_formatted_digits() {
        for seed in ["", "a", "docker.io/library/nginx:1.9.1", "uid-1/nginx@0"] {
            let mut got = String::new();
            push_hex256(&mut got, seed.as_bytes());
            assert_eq!(got, formatted_hex256(seed.as_bytes()), "{seed:?}");
        }
        for (uid, name, instance) in [("u", "c", 0), ("0a1b-2c", "nginx", 12), ("x", "y", -1)] {
            let seed = format!("{uid}/{name}@{instance}");
            assert_eq!(
                container_id(uid, name, instance),
                format!("containerd://{}", formatted_hex256(seed.as_bytes()))
            );
        }
    }
    use k8s_openapi::api::core::v1::ResourceRequirements;
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

    fn list(pairs: &[(&str, &str)]) -> Option<std::collections::BTreeMap<String, Quantity>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
                .collect(),
        )
    }

    #[test]
    fn running_resources_are_read_back_as_the_runtime_reports_them() {
        let cases = [
            // (requests cpu, limits memory) → (status cpu, status memory)
            ("700m", "200Mi", "700m", "200Mi"),
            ("0.5", "1G", "500m", "1000000000"),
            ("1", "128M", "1", "125000Ki"),
            // At most the 2 shares' minimum: the allocated value is kept.
            ("1m", "1Gi", "1m", "1Gi"),
            ("3m", "1536Mi", "3m", "1536Mi"),
        ];
        for (cpu, memory, want_cpu, want_memory) in cases {
            let allocated = ResourceRequirements {
                requests: list(&[("cpu", cpu), ("ephemeral-storage", "1Gi")]),
                limits: list(&[("memory", memory)]),
                ..Default::default()
            };
            let got = status_resources(&allocated);
            let requests = got.requests.unwrap_or_default();
            let limits = got.limits.unwrap_or_default();
            assert_eq!(requests["cpu"].0, want_cpu, "{cpu}");
            assert_eq!(requests["ephemeral-storage"].0, "1Gi");
            assert_eq!(limits["memory"].0, want_memory, "{memory}");
        }
        // No resources at all: `{}`, not absent.
        assert_eq!(
            status_resources(&ResourceRequirements::default()),
            ResourceRequirements::default()
        );
    }
}
