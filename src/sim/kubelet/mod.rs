//! The kubelet of every node, split as upstream's `pkg/kubelet` is:
//!
//! - `admission.rs`: the checks a pod passes before the kubelet starts it (resources, node
//!   affinity, `NoExecute` taints), and the rejection of one that fails them;
//! - `pod_workers.rs`: one worker per pod; `sync_pod` applies what is due and starts what
//!   may start (init containers one at a time, sidecars, then the app containers), as
//!   `kuberuntime_manager.go`'s `computePodActions`/`SyncPod` do;
//! - `images.rs`: the image manager (pull policy, the node's image cache, pull back-off);
//! - `image_reference.rs`: the image-reference grammar an image must follow
//!   (`InvalidImageName`);
//! - `prober.rs`: readiness, liveness and startup probe timing;
//! - `backoff.rs`: the container restart (crash loop) back-off;
//! - `termination.rs`: graceful shutdown of a deleted pod;
//! - `status.rs`: the pod status the kubelet writes (container statuses, phase, conditions);
//! - `volume_manager.rs`: setting up the pod's volumes before its sandbox starts (a
//!   missing ConfigMap or Secret is `FailedMount`);
//! - `env.rs`: a container's environment (a missing ConfigMap or Secret is
//!   `CreateContainerConfigError`);
//! - `config_objects.rs`: the ConfigMaps and Secrets those two read;
//! - `downward_api.rs`: the files of a `downwardAPI` volume (or projected source);
//! - `dns.rs`: the pod's DNS configuration (`GetPodDNS`) and its `/etc/resolv.conf`;
//! - `eviction.rs`: node-pressure eviction (`make pod/x evicted`);
//! - `container_gc.rs`: the container garbage collector (only the newest dead instance of a
//!   container stays);
//! - `active_deadline.rs`: `spec.activeDeadlineSeconds` (the pod fails when it has been
//!   active that long).
//!
//! The kubelet keeps its own view of each container (`PodRuntime`) and writes the pod status
//! from it; a `PodSync` timer wakes a pod's worker when something is due. A kubelet whose node
//! is down does nothing until the node is up again.

mod active_deadline;
mod admission;
mod backoff;
mod config_objects;
mod container_gc;
mod dns;
mod downward_api;
mod env;
mod eviction;
pub(crate) mod image_reference;
mod images;
mod pod_workers;
mod prober;
mod status;
mod termination;
mod volume_manager;

use crate::sim::events::Recorder;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{ContainerRestartRule, Pod, Probe};

use super::clock::{Millis, SECOND};
use super::controllers::informer::FastMap;
use super::error::SimError;
use super::ipam::NodeIpam;
use super::kinds::ObjectKind;
use super::world::{Timer, WatchEvent, World};

pub(crate) use config_objects::{data as config_data, Source as ConfigSource};
pub(crate) use dns::{pod_dns, resolv_conf};
pub(crate) use downward_api::collect_data as downward_api_files;
pub use eviction::evict;
pub use pod_workers::{crash, make_healthy, make_ready, make_unhealthy, make_unready};
pub(crate) use volume_manager::sub_path;

/// How long pulling an image and starting its container takes.
pub const CONTAINER_START: Millis = Millis::secs(2);
/// How long a deleted pod takes to disappear once its containers stopped.
pub const TERMINATION: Millis = SECOND;

/// What `make image "x" …` says about an image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageFaults {
    /// `crashing exit=N after=D`: containers exit with N, D after each start.
    pub crashing: Option<(i32, Millis)>,
    /// `slow-to-stop D`: after SIGTERM its containers take D to stop.
    pub slow_to_stop: Millis,
    /// `slow-to-pull D`: a pull takes D instead of 2 s.
    pub slow_to_pull: Option<Millis>,
}

#[derive(Debug, Default)]
pub struct Kubelet {
    /// The kubelet's view of each pod it runs, by UID. Only looked up by UID, never walked,
    /// so a hash map (a fixed-key hasher) serves: a pod event costs no ordered search.
    pods: FastMap<String, PodRuntime>,
    ipam: BTreeMap<String, NodeIpam>,
    /// Pods (by UID) whose readiness probe fails (`make pod/x unready`).
    pub unready: BTreeSet<String>,
    /// Pods (by UID) whose liveness probe fails (`make pod/x unhealthy`), and since when.
    pub unhealthy: BTreeMap<String, Millis>,
    /// Images that cannot be pulled (`make image "x" unpullable`).
    pub unpullable: BTreeSet<String>,
    /// Faults of images (`make image "x" crashing|slow-to-stop|slow-to-pull|healthy`).
    pub image_faults: BTreeMap<String, ImageFaults>,
    /// Images present on each node (pulled once, kept).
    node_images: BTreeMap<String, BTreeSet<String>>,
    /// Pod syncs already asked for, so each (instant, pod) is asked once.
    scheduled: BTreeMap<(Millis, String), u64>,
    /// Nodes whose kubelet stopped (`make node/n down`).
    pub down: BTreeSet<String>,
}

/// Which list a container comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Init,
    /// An init container with `restartPolicy: Always`.
    Sidecar,
    App,
}

/// Why `startContainer` failed before a container existed: the waiting reason, also in the
/// `Error: <reason>` event (`pkg/kubelet/images/types.go`, `kuberuntime_container.go`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StartError {
    /// The environment names a ConfigMap, Secret or key that does not exist.
    CreateContainerConfigError,
    /// `imagePullPolicy: Never` and the image is not on the node.
    ErrImageNeverPull,
    /// The image is not a valid reference (`applyDefaultImageTag`).
    InvalidImageName,
}

impl StartError {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::CreateContainerConfigError => "CreateContainerConfigError",
            Self::ErrImageNeverPull => "ErrImageNeverPull",
            Self::InvalidImageName => "InvalidImageName",
        }
    }
}

/// One container as the runtime sees it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum State {
    /// Not created yet: waiting with the default reason.
    NotStarted,
    /// Creating the container until `until`, after a pull that takes `pull` if it pulls.
    Creating { until: Millis, pull: Option<Millis> },
    /// The last pull failed: `ErrImagePull`, `ImagePullBackOff` from `backoff_shown`, the next
    /// attempt at `retry`.
    PullFailed {
        message: String,
        backoff_shown: Millis,
        announced: bool,
        retry: Millis,
    },
    /// `startContainer` failed before the runtime made a container (`reason`); the pod
    /// worker's sync failed, and it tries again at `retry`.
    StartFailed {
        reason: StartError,
        message: String,
        retry: Millis,
    },
    Running {
        since: Millis,
        /// A `crashing` image's exit: when, with which code.
        exit: Option<(Millis, i32)>,
        /// When the failing liveness (or startup) probe kills it.
        kill: Option<Millis>,
    },
    /// Started, and its postStart hook (a `sleep`) runs until `until`: the pod worker waits
    /// in `startContainer` and writes no status meanwhile, so the container still shows
    /// waiting; `exit` is the running instance's `crashing` exit, as for `Running`.
    PostStart {
        since: Millis,
        until: Millis,
        exit: Option<(Millis, i32)>,
    },
    /// Killed (a probe, a deletion, the end of the pod): stopping gracefully until `until`.
    Stopping {
        since: Millis,
        until: Millis,
        code: i32,
    },
    /// Waiting in crash back-off until `until` (`CrashLoopBackOff`).
    BackOff { until: Millis, delay: Millis },
    Terminated {
        started: Millis,
        finished: Millis,
        code: i32,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LastTermination {
    /// Which instance it was (the restart count it had): its `containerID`.
    pub instance: i32,
    pub started: Millis,
    pub finished: Millis,
    pub code: i32,
    /// What it left at its `terminationMessagePath` (`getTerminationMessage`).
    pub message: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Ctr {
    pub name: String,
    pub image: String,
    pub role: Role,
    pub state: State,
    pub restart_count: i32,
    pub last: Option<LastTermination>,
    /// The dead instance before `last`, until the container garbage collector removes it
    /// (`container_gc.rs`): a deleted pod's status shows it as the last state of a
    /// container whose newest instance had exited (`termination.rs`). Boxed: rarely set.
    pub earlier: Option<Box<LastTermination>>,
    /// The crash back-off that the next crash waits; `None` until the first crash.
    pub backoff: Option<Millis>,
    /// When the kubelet last decided to restart it (`Backoff.Next`'s `lastUpdate`): an
    /// exit more than 10 minutes later resets the back-off.
    pub backoff_updated: Millis,
    pub ready: bool,
    /// A readiness change due later: (when, to what).
    pub ready_change: Option<(Millis, bool)>,
    /// When the failing readiness probe runs next (each failed run records `Unhealthy`).
    pub readiness_failure: Option<Millis>,
    /// The readiness worker's last results were successThreshold successes in a row
    /// (`worker.go` keeps `lastResult`/`resultRun` across the container's restarts): a new
    /// instance is ready at its first successful run; until then, only after
    /// successThreshold of them.
    pub readiness_proven: bool,
    /// When the failing liveness probe runs next before the run that kills the container.
    pub liveness_failure: Option<Millis>,
    /// A liveness kill that restarts the container whatever its exit code
    /// (`computePodActions` put it in ContainersToStart).
    pub restart_after_kill: bool,
    /// The startup probe succeeded (or there is none).
    pub started: bool,
    /// When the startup probe succeeds.
    pub started_at: Option<Millis>,
    /// `slow-to-stop` of the image when this instance started.
    pub slow_to_stop: Millis,
    /// The current image pull back-off.
    pub pull_backoff: Option<Millis>,
    pub pull_policy: String,
    /// Boxed: most containers have no probes, and a `Probe` kept inline would make every
    /// container's record several times larger.
    pub readiness: Option<Box<Probe>>,
    pub liveness: Option<Box<Probe>>,
    pub startup: Option<Box<Probe>>,
    /// The spec's new image, while the old instance stops (`computePodActions`: the
    /// container's hash changed); the new instance starts with it.
    pub next_image: Option<String>,
    /// The container's own `restartPolicy` (ContainerRestartRules, on by default since
    /// v1.35): it overrides the pod's for this container.
    pub restart_policy: Option<String>,
    /// Its `restartPolicyRules`, evaluated in order on each exit before the policy.
    pub restart_rules: Vec<ContainerRestartRule>,
    /// A preStop `sleep` hook's seconds: the kubelet waits them before SIGTERM.
    pub pre_stop_sleep: Millis,
    /// A postStart `sleep` hook's seconds: the container is not running before they pass.
    pub post_start_sleep: Millis,
    /// The resources the kubelet allocated to it at admission (the spec's): what its status
    /// reports once the runtime made an instance of it. Boxed, as the probes are.
    pub resources: Option<Box<k8s_openapi::api::core::v1::ResourceRequirements>>,
    /// The status's `volumeMounts`, from the container's spec (`status.rs`).
    pub volume_mounts: Vec<k8s_openapi::api::core::v1::VolumeMountStatus>,
    /// The termination message of the instance whose exit `State::Terminated` shows.
    pub exit_message: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct PodRuntime {
    pub name: String,
    pub namespace: String,
    pub uid: String,
    pub node: String,
    pub restart_policy: String,
    /// `hostNetwork: true`: the pod's IP is its node's (no address of the node's range).
    pub host_network: bool,
    pub containers: Vec<Ctr>,
    /// Every init container finished (sidecars started) once: Initialized stays True.
    pub initialized: bool,
    /// Graceful termination began; the object goes at `.0`'s instant.
    pub gone_at: Option<Millis>,
    /// Graceful termination began and some container is still stopping: the status keeps
    /// its readiness until this instant, when the last one has stopped.
    pub stops_at: Option<Millis>,
    /// Graceful termination began with this grace period (the pod worker's
    /// `status.gracePeriod`, which can only decrease).
    pub grace: Option<Millis>,
    /// The pod was stopped from outside (evicted): the worker does nothing more.
    pub frozen: bool,
    /// The sandbox just started (or the pod waits for its volumes): its addresses, for the
    /// next status write.
    pub sandbox: Option<Sandbox>,
    /// Some volume could not be set up: the sandbox waits for the next attempt.
    pub mount: Option<volume_manager::MountWait>,
    /// The sandbox could not be created (`FailedCreatePodSandBox`): the next attempt.
    pub sandbox_retry: Option<Millis>,
    /// When the sandbox started (the pod's `status.startTime`), from which
    /// `activeDeadlineSeconds` counts.
    pub started: Millis,
    /// A container exited by itself and was restarted at once in this sync: the status
    /// written at its exit (`syncPod` writes `generateAPIPodStatus` before `SyncPod`
    /// restarts it) had it not ready, so `Ready` and `ContainersReady` went False then.
    pub exited_unready: bool,
    /// The status the kubelet last wrote, when someone else's status patch changed what it
    /// owns (the status manager's cache, `podStatuses`): its next write starts from it,
    /// and its 10 s `syncBatch` at `.1` writes it back (`needsReconcile`). Boxed: rare.
    pub cached_status: Option<Box<(k8s_openapi::api::core::v1::PodStatus, Millis)>>,
}

/// What the pod's status learns when its sandbox starts (`PodReadyToStartContainers`).
#[derive(Clone, Debug)]
pub(crate) struct Sandbox {
    pub pod_ip: Option<String>,
    pub host_ip: String,
    pub started: Millis,
    /// False while the pod waits for its volumes: the status shows the node's address and
    /// the start time, but no pod IP, and `PodReadyToStartContainers` is False.
    pub created: bool,
}

fn node_of(pod: &Pod) -> Option<String> {
    pod.spec.as_ref().and_then(|s| s.node_name.clone())
}

pub(crate) fn event(
    world: &mut World,
    pod: &str,
    type_: &'static str,
    reason: &str,
    message: String,
) {
    let node = world
        .store
        .pods()
        .get(pod)
        .and_then(|p| p.spec.as_ref()?.node_name.clone())
        .unwrap_or_default();
    crate::sim::events::record(
        world,
        Recorder::kubelet(&node),
        ObjectKind::Pod,
        pod,
        type_,
        reason,
        message,
    );
}

/// Asks for the pod's worker to run at `when` (once per instant).
pub(crate) fn sync_at(world: &mut World, name: &str, uid: &str, when: Millis) {
    let key = (when, uid.to_string());
    if world.kubelet.scheduled.contains_key(&key) {
        return;
    }
    let seq = world.timers.at(
        when,
        Timer::PodSync {
            pod: name.to_string(),
            uid: uid.to_string(),
        },
    );
    world.kubelet.scheduled.insert(key, seq);
}

/// [`sync_at`] for the instant a deleted pod's object goes: its turn in that instant is
/// taken now, after the pods deleted before it, even if a sync of the pod (a probe's) was
/// set for that instant earlier. Pods whose grace periods end together are gone in the
/// order they were deleted (`created`/`deleted` order).
pub(crate) fn sync_in_turn_at(world: &mut World, name: &str, uid: &str, when: Millis) {
    if let Some(seq) = world.kubelet.scheduled.remove(&(when, uid.to_string())) {
        world.timers.cancel(when, seq);
    }
    sync_at(world, name, uid, when);
}

/// The kubelet's informer handler: the pods (bound to its nodes) that changed.
pub fn on_event(world: &mut World, event: &WatchEvent) -> Result<(), SimError> {
    if event.kind == ObjectKind::Node && event.change == crate::sim::world::Change::Added {
        // A new node's kubelet starts: it lists the pods already bound there (a pod bound
        // by `spec.nodeName` before its node existed) and acts on each.
        return node_added(world, &event.name);
    }
    if event.kind != ObjectKind::Pod {
        return Ok(());
    }
    if event.change == crate::sim::world::Change::Deleted {
        if let Some(pod) = event.pod() {
            forget(world, pod);
        }
    } else {
        on_pod(world, &event.name)?;
    }
    Ok(())
}

pub fn on_pod(world: &mut World, name: &str) -> Result<(), SimError> {
    let Some(pod) = world.store.pods().get(name) else {
        return Ok(());
    };
    let uid = pod.metadata.uid.as_deref().unwrap_or_default();
    let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) else {
        return Ok(());
    };
    if world.kubelet.down.contains(node) {
        return Ok(()); // nobody is there to act; `make node up` re-announces its pods
    }
    if world.store.nodes().get(node).is_none() {
        // No kubelet runs for a node that does not exist: the pod is never started, and a
        // deleted one is not stopped; the pod GC removes it (`podgc.rs`).
        return Ok(());
    }
    let terminating = super::podutil::is_terminating(pod);
    let runtime = world.kubelet.pods.get(uid);
    if terminating {
        let begun = runtime.is_some_and(|rt| rt.gone_at.is_some());
        let (uid, node) = (uid.to_string(), node.to_string());
        if !begun {
            termination::begin(world, name, &uid, &node);
        } else if let Some(grace) = pod.metadata.deletion_grace_period_seconds {
            // A second DELETE with a shorter grace period (`rest.BeforeDelete`).
            termination::shorten(world, name, &uid, Millis::from_secs(grace));
        }
        return Ok(());
    }
    match runtime {
        // A pod the kubelet already ended (rejected, evicted) is not started again.
        None if super::podutil::is_failed(pod) || super::podutil::is_succeeded(pod) => {}
        None => {
            if let Some(rejection) = admission::admit(world, pod, node) {
                admission::reject(world, name, rejection);
                return Ok(());
            }
            let (uid, node) = (uid.to_string(), node.to_string());
            pod_workers::start_sandbox(world, name, &uid, &node);
        }
        // The runtime's pod is this one (the runtime is keyed by the pod's UID).
        Some(rt) if pod_workers::spec_changed(pod, rt) || status::gates_out_of_date(pod) => {
            // An update the worker acts on (a new image, an active deadline): sync now.
            let uid = uid.to_string();
            let now = world.now;
            sync_at(world, name, &uid, now);
        }
        Some(_) => {}
    }
    Ok(())
}

/// How often the status manager compares every pod's status on the API server with its
/// own (`status_manager.go` `syncPeriod`).
const STATUS_SYNC_PERIOD: Millis = Millis::secs(10);

/// A status patch from outside the kubelet changed the status of pod `name`, whose
/// status was `old`. When what the kubelet owns differs (`isPodStatusByKubeletEqual`: a
/// condition of its own missing, or with another status, reason or message, or any other
/// field), the status manager keeps its own (`old`, the last it wrote) and writes it back at
/// its next periodic sync (`syncBatch(true)`, `needsReconcile`), every 10 s from the
/// kubelet's start (the node's registration), or sooner if its status changes.
pub(crate) fn status_patched(
    world: &mut World,
    name: &str,
    old: k8s_openapi::api::core::v1::PodStatus,
) {
    let Some(pod) = world.store.pods().get(name) else {
        return;
    };
    let (Some(uid), Some(node)) = (pod.metadata.uid.as_deref(), node_of(pod)) else {
        return;
    };
    let Some(rt) = world.kubelet.pods.get(uid) else {
        return;
    };
    if rt.frozen || rt.gone_at.is_some() || rt.cached_status.is_some() {
        return;
    }
    let api = pod.status.clone().unwrap_or_default();
    if status::by_kubelet_equal(&api, &old) {
        return;
    }
    let registered = world
        .store
        .nodes()
        .get(&node)
        .and_then(|n| n.metadata.creation_timestamp.as_ref())
        .map(super::clock::from_time)
        .unwrap_or_default()
        .min(world.now);
    // The ticker's next tick strictly after now.
    let at = registered + (world.now - registered).next_multiple_of(STATUS_SYNC_PERIOD);
    let uid = uid.to_string();
    if let Some(rt) = world.kubelet.pods.get_mut(&uid) {
        rt.cached_status = Some(Box::new((old, at)));
    }
    sync_at(world, name, &uid, at);
}

pub fn on_timer(world: &mut World, timer: Timer) -> Result<(), SimError> {
    match timer {
        Timer::PodSync { pod, uid } => {
            let key = (world.now, uid);
            world.kubelet.scheduled.remove(&key);
            let uid = key.1;
            if current(world, &pod, &uid) && node_is_up(world, &pod) {
                pod_workers::sync_pod(world, &pod, &uid);
            }
        }
        Timer::NodeNotReady { node, epoch } => {
            super::controllers::node_lifecycle::not_ready(world, &node, epoch)
        }
        Timer::SyncStatefulSet { .. }
        | Timer::SyncDisruptionBudget { .. }
        | Timer::StalePodDisruption { .. }
        | Timer::SyncDaemonSet { .. }
        | Timer::TaintEviction { .. }
        | Timer::OrphanedPods { .. }
        | Timer::TerminatingPods { .. }
        | Timer::UnscheduledTerminatingPods
        | Timer::NoExecuteTainting
        | Timer::NodeStatusSync { .. }
        | Timer::ResyncClaims
        | Timer::FlushUnschedulableLeftover
        | Timer::RecycleVolume { .. }
        | Timer::SyncEphemeralPod { .. }
        | Timer::SyncReplicaSet { .. }
        | Timer::SyncDeployment { .. } => {}
    }
    Ok(())
}

pub(crate) fn current(world: &World, name: &str, uid: &str) -> bool {
    world
        .store
        .pods()
        .get(name)
        .is_some_and(|p| p.metadata.uid.as_deref() == Some(uid))
}

fn node_is_up(world: &World, name: &str) -> bool {
    world
        .store
        .pods()
        .get(name)
        .and_then(node_of)
        .is_none_or(|node| !world.kubelet.down.contains(&node))
}

/// `make image "x" unpullable`: pulls of that image fail from now on.
pub fn make_unpullable(world: &mut World, image: &str) {
    world.kubelet.unpullable.insert(image.to_string());
}

/// `make image "x" crashing [exit=N] [after=D]`.
pub fn make_crashing(world: &mut World, image: &str, exit: i32, after: Millis) {
    world
        .kubelet
        .image_faults
        .entry(image.to_string())
        .or_default()
        .crashing = Some((exit, after));
}

/// `make image "x" slow-to-stop D`.
pub fn make_slow_to_stop(world: &mut World, image: &str, d: Millis) {
    world
        .kubelet
        .image_faults
        .entry(image.to_string())
        .or_default()
        .slow_to_stop = d;
}

/// `make image "x" slow-to-pull D`.
pub fn make_slow_to_pull(world: &mut World, image: &str, d: Millis) {
    world
        .kubelet
        .image_faults
        .entry(image.to_string())
        .or_default()
        .slow_to_pull = Some(d);
}

/// `make image "x" healthy`: containers started from now on run normally.
pub fn make_image_healthy(world: &mut World, image: &str) {
    world.kubelet.image_faults.remove(image);
}

/// The kubelet of `node` comes back: it lists the pods bound there and acts on each (a
/// pod it never started is handled as its informer would: `on_pod`).
pub fn node_up(world: &mut World, node: &str) -> Result<(), SimError> {
    world.kubelet.down.remove(node);
    let pods: Vec<(String, String, bool, bool)> = world
        .store
        .pods()
        .iter()
        .filter(|(_, p)| node_of(p).as_deref() == Some(node))
        .map(|(n, p)| {
            (
                n.clone(),
                p.metadata.uid.clone().unwrap_or_default(),
                super::podutil::is_terminating(p),
                super::podutil::is_ready(p),
            )
        })
        .collect();
    let now = world.now;
    for (name, uid, terminating, ready) in pods {
        let known = world.kubelet.pods.get(&uid).map(|rt| rt.gone_at.is_some());
        match known {
            None => {
                on_pod(world, &name)?; // start (or stop) it now
                continue;
            }
            Some(false) if terminating => {
                termination::begin(world, &name, &uid, node);
                continue;
            }
            Some(true) => {
                // Containers were stopped long ago: the object goes after the usual second.
                if let Some(rt) = world.kubelet.pods.get_mut(&uid) {
                    let at = rt.gone_at.unwrap_or(now).max(now + TERMINATION);
                    rt.gone_at = Some(at);
                    sync_at(world, &name, &uid, at);
                }
                continue;
            }
            Some(false) => {}
        }
        // A pod the node lifecycle controller marked not Ready (the node was silent long
        // enough) turns Ready again as after `make pod ready`; one still Ready stays so.
        if !world.kubelet.unready.contains(&uid) {
            prober::restore_readiness(world, &uid, !ready);
        }
        sync_at(world, &name, &uid, now);
    }
    Ok(())
}

fn node_added(world: &mut World, node: &str) -> Result<(), SimError> {
    let pods: Vec<String> = world
        .store
        .pods()
        .iter()
        .filter(|(_, p)| node_of(p).as_deref() == Some(node))
        .map(|(n, _)| n.clone())
        .collect();
    for name in pods {
        on_pod(world, &name)?;
    }
    Ok(())
}

/// Releases the pod's IP; called when the pod object is removed.
pub fn forget(world: &mut World, pod: &Pod) {
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    world.kubelet.pods.remove(&uid);
    world.kubelet.unready.remove(&uid);
    world.kubelet.unhealthy.remove(&uid);
    // The pod's emptyDir and container filesystems go with it (the kubelet cleans up the
    // directories of pods that no longer exist).
    world.files.forget_pod(&uid);
    let node = node_of(pod);
    // A pod on the host's network holds no address of the node's range: its IP is the
    // node's.
    let host_network = pod.spec.as_ref().and_then(|s| s.host_network) == Some(true);
    let ip = pod
        .status
        .as_ref()
        .and_then(|s| s.pod_ip.clone())
        .filter(|_| !host_network);
    if let (Some(node), Some(ip)) = (node, ip) {
        if let Some(host) = ip.rsplit('.').next().and_then(|h| h.parse::<u8>().ok()) {
            if let Some(ipam) = world.kubelet.ipam.get_mut(&node) {
                ipam.release(host);
            }
        }
    }
}

/// Go's `time.Duration` text (`Duration.String`) of a whole number of milliseconds: `2s`,
/// `1.5s`, `1m30.25s`, `1h0m0s`, under a second `500ms`, and `0s`. The `Pulled` event's
/// durations are truncated to milliseconds upstream (`image_manager.go`), so this is exact.
pub(crate) fn go_duration(ms: Millis) -> String {
    let total = ms.as_ms();
    if total == 0 {
        return "0s".into();
    }
    if total < 1000 {
        return format!("{total}ms");
    }
    let s = total / 1000;
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut seconds = s.to_string();
    let frac = total % 1000;
    if frac > 0 {
        let digits = format!("{frac:03}");
        seconds.push('.');
        seconds.push_str(digits.trim_end_matches('0'));
    }
    if h > 0 {
        format!("{h}h{m}m{seconds}s")
    } else if m > 0 {
        format!("{m}m{seconds}s")
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::super::clock::Millis;
    use super::go_duration;

    #[test]
    fn go_durations_keep_fractions_as_go_prints_them() {
        let cases = [
            (0, "0s"),
            (500, "500ms"),
            (1_500, "1.5s"),
            (2_000, "2s"),
            (2_050, "2.05s"),
            (90_250, "1m30.25s"),
            (300_000, "5m0s"),
            (3_600_001, "1h0m0.001s"),
        ];
        for (ms, want) in cases {
            assert_eq!(go_duration(Millis::ms(ms)), want, "{ms}");
        }
    }
}
