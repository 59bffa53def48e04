//! The container restart back-off (`kuberuntime_manager.go` `doBackOff`, v1.36 defaults:
//! `ReduceDefaultCrashLoopBackOffDecay` off): the first restart is immediate; each later one
//! waits 10 s, 20 s, 40 s, … at most 300 s, counted from the exit. The curve starts again
//! when the exit comes more than 10 minutes after the back-off was last moved on (the
//! kubelet's `HasExpiredFunc`: `finishedAt - lastUpdate > 600s`, strictly; `lastUpdate` is
//! the instant the kubelet decided the restart, before any pull): a container that ran
//! exactly 10 minutes waits its back-off. With the gate on (`feature-gate
//! ReduceDefaultCrashLoopBackOffDecay`) the curve is 1 s, 2 s, 4 s, … at most 60 s
//! (`kubelet.go` `newCrashLoopBackOff`: `reducedInitialCrashLoopBackOff`,
//! `reducedMaxCrashLoopBackOff`); the reset stays at 10 minutes.

use super::super::api::defaults::FeatureGates;
use super::super::clock::Millis;
use super::{Ctr, PodRuntime};

pub const INITIAL: Millis = Millis::secs(10);
pub const MAX: Millis = Millis::secs(300);
const REDUCED_INITIAL: Millis = Millis::secs(1);
const REDUCED_MAX: Millis = Millis::secs(60);
/// An exit more than this long after the last restart decision has its back-off reset.
pub const RESET_AFTER: Millis = Millis::secs(600);

/// The wait before restarting a container that exited at `finished`: `None` restarts it at
/// once (the back-off is moved on now, `Backoff.Next`).
pub(crate) fn next(c: &mut Ctr, finished: Millis, gates: &FeatureGates) -> Option<Millis> {
    let (initial, max) = if gates.reduce_default_crash_loop_back_off_decay {
        (REDUCED_INITIAL, REDUCED_MAX)
    } else {
        (INITIAL, MAX)
    };
    if finished - c.backoff_updated > RESET_AFTER {
        c.backoff = None;
    }
    match c.backoff {
        None => {
            c.backoff = Some(initial);
            c.backoff_updated = finished;
            None
        }
        Some(delay) => {
            c.backoff = Some((delay * 2).min(max));
            Some(delay)
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
