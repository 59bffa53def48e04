//! The container restart back-off (`kuberuntime_manager.go` `doBackOff`, v1.36 defaults:
//! `ReduceDefaultCrashLoopBackOffDecay` off): the first restart is immediate; each later one
//! waits 10 s, 20 s, 40 s, … at most 300 s, counted from the exit; a container that ran
//! 10 minutes starts the curve again.
//!
//! A liveness kill is different (B-CTR-11): `computePodActions` kills and restarts in the same
//! `SyncPod`, and `doBackOff` reads the pod status taken before the kill, whose newest exited
//! instance is the previous one (kubernetes/kubernetes#22240, #99697; PR #103257 that would
//! have changed it was closed unmerged). See [`after_kill`].

use super::super::clock::Millis;
use super::{Ctr, PodRuntime};

pub const INITIAL: Millis = Millis::secs(10);
pub const MAX: Millis = Millis::secs(300);
/// A container that ran this long without trouble has its back-off reset.
pub const RESET_AFTER: Millis = Millis::secs(600);

/// The wait before restarting a container that ran from `started` to `finished`: `None`
/// restarts it at once.
pub(crate) fn next(c: &mut Ctr, started: Millis, finished: Millis) -> Option<Millis> {
    if finished - started >= RESET_AFTER {
        c.backoff = None;
    }
    match c.backoff {
        None => {
            c.backoff = Some(INITIAL);
            None
        }
        Some(delay) => {
            c.backoff = Some((delay * 2).min(MAX));
            Some(delay)
        }
    }
}

/// The wait before restarting container `c` that a liveness kill just stopped (at `now`),
/// whose previous instance ran from `prev.0` to `prev.1` (`None`: it has none). `doBackOff`
/// looks at that previous instance: without one it starts the container and leaves the
/// back-off alone; while `now` is within the current back-off from its exit, the container
/// waits that back-off (counted from this kill: the next syncs see the killed instance),
/// which then doubles; otherwise it starts at once and the back-off doubles
/// (`backOff.Next`). Kills 30 s apart (3 × 10 s probes) restart at once four times and
/// reach `CrashLoopBackOff` (40 s) at the fifth.
pub(crate) fn after_kill(
    c: &mut Ctr,
    prev: Option<(Millis, Millis)>,
    now: Millis,
) -> Option<Millis> {
    let (started, finished) = prev?;
    if finished - started >= RESET_AFTER {
        c.backoff = None;
    }
    match c.backoff {
        None => {
            c.backoff = Some(INITIAL);
            None
        }
        Some(delay) => {
            c.backoff = Some((delay * 2).min(MAX));
            (now - finished < delay).then_some(delay)
        }
    }
}

/// `format.Pod`: `name_namespace(uid)`.
pub(crate) fn pod_ref(rt: &PodRuntime) -> String {
    format!("{}_{}({})", rt.name, rt.namespace, rt.uid)
}

/// The waiting message of a container in back-off.
pub(crate) fn message(rt: &PodRuntime, container: &str, delay: Millis) -> String {
    format!(
        "back-off {} restarting failed container={container} pod={}",
        super::go_duration(delay),
        pod_ref(rt)
    )
}
