//! `spec.activeDeadlineSeconds` (upstream `pkg/kubelet/active_deadline.go`): a pod that has
//! been active on its node (since its `status.startTime`) for at least that long fails:
//! event `DeadlineExceeded`, phase `Failed` with reason `DeadlineExceeded` and message `Pod
//! was active on the node longer than the specified deadline`, and its containers are
//! killed. The object stays; a StatefulSet replaces it (B-FAIL-1). The deadline may be set
//! or lowered by a pod update, and is checked again then. A pod worker busy pulling an
//! image or in a postStart hook finds it past only when that `SyncPod` returned.

use k8s_openapi::api::core::v1::{Pod, PodStatus};

use super::super::clock::Millis;
use super::super::server;
use super::super::world::World;
use super::{event, PodRuntime, State};

const REASON: &str = "DeadlineExceeded";
const MESSAGE: &str = "Pod was active on the node longer than the specified deadline";

/// The instant the pod's active deadline passes, if it has one.
pub(crate) fn deadline(world: &World, rt: &PodRuntime) -> Option<Millis> {
    let seconds = world
        .store
        .pods()
        .get(&rt.name)?
        .spec
        .as_ref()?
        .active_deadline_seconds?;
    Some(rt.started + Millis::from_secs(seconds))
}

/// Whether the pod worker is still inside a `SyncPod` that returns at `now` or later:
/// pulling an image and creating a container (`startContainer` waits for
/// `EnsureImageExists`), or running a postStart hook. The deadline is found past
/// (`activeDeadlineHandler.ShouldEvict`, in `generateAPIPodStatus`) only by the sync after
/// it: the container it was starting starts first.
pub(crate) fn worker_busy(rt: &PodRuntime, now: Millis) -> bool {
    rt.containers.iter().any(|c| match c.state {
        State::Creating { until, .. } | State::PostStart { until, .. } => until >= now,
        _ => false,
    })
}

/// The deadline passed: the pod fails and its containers are killed (`killPod`), each with
/// `Killing` "Stopping container <name>". The container statuses keep their last
/// observation, so kubectl shows the pod's reason, as for an evicted pod (`eviction.rs`).
pub(crate) fn exceeded(world: &mut World, rt: &mut PodRuntime) {
    let now = world.now;
    let name = rt.name.clone();
    event(world, &name, "Normal", REASON, MESSAGE.to_string());
    for i in 0..rt.containers.len() {
        super::termination::stop_now(world, rt, i, 137);
    }
    super::termination::forget_readiness(rt);
    rt.frozen = true;
    server::write::<Pod>(world, &name, server::Author::Other, |pod| {
        let generation = pod.metadata.generation;
        let status = pod.status.get_or_insert_with(PodStatus::default);
        status.phase = Some("Failed".into());
        status.reason = Some(REASON.into());
        status.message = Some(MESSAGE.into());
        super::status::mark_not_ready(status, pod.spec.as_ref(), now);
        super::status::kubelet_conditions(status, generation, now);
        true
    });
}
