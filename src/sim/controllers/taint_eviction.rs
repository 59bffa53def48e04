//! The taint manager (upstream `pkg/controller/tainteviction/taint_eviction.go`): deletes
//! the pods of a node with `NoExecute` taints they do not tolerate, at once, or after the
//! smallest `tolerationSeconds` of the tolerations they use (B-TAINT-3, B-TAINT-4).
//!
//! It reacts to a node that was added or whose NoExecute taints changed and to a pod that
//! was bound, got new tolerations or went away, as upstream's `NodeUpdated`/`PodUpdated`
//! handlers do. A deleted node's taints are forgotten; its pods' scheduled deletions stay.

use crate::sim::events::Recorder;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Taint, Toleration};

use crate::sim::clock::{Millis, ZERO};
use crate::sim::kinds::ObjectKind;
use crate::sim::world::{Change, Timer, WatchEvent, World};

/// A deletion the taint manager scheduled (`TimedWorkerQueue`'s worker).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Scheduled {
    uid: String,
    created: Millis,
    fire_at: Millis,
    /// The deletion ran; the key stays so that it is not scheduled twice.
    fired: bool,
}

#[derive(Debug, Default)]
pub struct TaintEviction {
    /// Each node's NoExecute taints as last seen (`taintedNodes`).
    tainted: BTreeMap<String, Vec<Taint>>,
    /// Each pod's node and tolerations as last seen, to tell which updates matter.
    pods: BTreeMap<String, (String, String)>,
    scheduled: BTreeMap<String, Scheduled>,
}

fn no_execute(taints: Option<&Vec<Taint>>) -> Vec<Taint> {
    taints
        .into_iter()
        .flatten()
        .filter(|t| t.effect == "NoExecute")
        .cloned()
        .collect()
}

/// `Toleration.ToleratesTaint`.
pub fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    if toleration
        .effect
        .as_deref()
        .is_some_and(|e| !e.is_empty() && e != taint.effect)
    {
        return false;
    }
    if toleration
        .key
        .as_deref()
        .is_some_and(|k| !k.is_empty() && k != taint.key)
    {
        return false;
    }
    match toleration.operator.as_deref().unwrap_or("") {
        "" | "Equal" => {
            toleration.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
        }
        "Exists" => true,
        _ => false,
    }
}

/// `GetMatchingTolerations`: whether every taint is tolerated, and the tolerations used.
fn matching_tolerations<'a>(
    taints: &[Taint],
    tolerations: &'a [Toleration],
) -> (bool, Vec<&'a Toleration>) {
    let mut used = Vec::new();
    for taint in taints {
        match tolerations.iter().find(|t| tolerates(t, taint)) {
            Some(t) => used.push(t),
            None => return (false, Vec::new()),
        }
    }
    (true, used)
}

/// `getMinTolerationTime`: `None` tolerates forever; `<= 0` seconds is at once.
fn min_toleration_time(used: &[&Toleration]) -> Option<Millis> {
    if used.is_empty() {
        return Some(ZERO);
    }
    let mut min: Option<i64> = None;
    for t in used {
        if let Some(seconds) = t.toleration_seconds {
            if seconds <= 0 {
                return Some(ZERO);
            }
            min = Some(min.map_or(seconds, |m| m.min(seconds)));
        }
    }
    // Any int64 is valid: the product saturates at the end of virtual time, never wraps.
    min.map(Millis::from_secs)
}

pub fn on_event(world: &mut World, event: &WatchEvent) {
    match event.kind {
        ObjectKind::Node => {
            // `handleNodeUpdate` of a node that is gone only forgets its taints: the
            // deletions it scheduled stay, and fire unless their pods go first (a pod's
            // deletion cancels its own).
            if event.change == Change::Deleted {
                world.taint_eviction.tainted.remove(&event.name);
                return;
            }
            let node = world.store.nodes().get(&event.name);
            let taints = no_execute(node.and_then(|n| n.spec.as_ref()?.taints.as_ref()));
            let old = world
                .taint_eviction
                .tainted
                .get(&event.name)
                .cloned()
                .unwrap_or_default();
            // `NodeUpdated` compares the taints of an update only: an added node is always
            // handled (without NoExecute taints, the pods bound to it have their pending
            // deletions cancelled).
            if old == taints && event.change != Change::Added {
                return;
            }
            if taints.is_empty() {
                world.taint_eviction.tainted.remove(&event.name);
            } else {
                world
                    .taint_eviction
                    .tainted
                    .insert(event.name.clone(), taints.clone());
            }
            handle_node_update(world, &event.name, &taints);
        }
        ObjectKind::Pod => handle_pod_update(world, &event.name),
        _ => {}
    }
}

fn handle_node_update(world: &mut World, node: &str, taints: &[Taint]) {
    let pods: Vec<String> = world
        .store
        .pods()
        .iter()
        .filter(|(_, p)| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node))
        .map(|(n, _)| n.clone())
        .collect();
    if taints.is_empty() {
        for pod in pods {
            cancel_with_event(world, &pod);
        }
        return;
    }
    for pod in pods {
        process_pod_on_node(world, &pod, taints);
    }
}

fn handle_pod_update(world: &mut World, name: &str) {
    let state = &world.taint_eviction;
    if state.tainted.is_empty() && state.scheduled.is_empty() && state.pods.is_empty() {
        return; // nothing tainted: nothing to do, and nothing to remember
    }
    let Some(pod) = world.store.pods().get(name) else {
        world.taint_eviction.pods.remove(name);
        cancel_with_event(world, name);
        world.taint_eviction.scheduled.remove(name);
        return;
    };
    let spec = pod.spec.as_ref();
    let node = spec.and_then(|s| s.node_name.clone()).unwrap_or_default();
    let tolerations = spec.and_then(|s| s.tolerations.clone()).unwrap_or_default();
    let seen = (
        node.clone(),
        serde_json::to_string(&tolerations).unwrap_or_default(),
    );
    if world.taint_eviction.pods.get(name) == Some(&seen) {
        return;
    }
    world.taint_eviction.pods.insert(name.to_string(), seen);
    if node.is_empty() {
        return;
    }
    let Some(taints) = world.taint_eviction.tainted.get(&node).cloned() else {
        return;
    };
    process_pod_on_node(world, name, &taints);
}

/// `processPodOnNode`.
fn process_pod_on_node(world: &mut World, name: &str, taints: &[Taint]) {
    let Some(pod) = world.store.pods().get(name) else {
        return;
    };
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let tolerations = pod
        .spec
        .as_ref()
        .and_then(|s| s.tolerations.clone())
        .unwrap_or_default();
    let node = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.clone())
        .unwrap_or_default();
    let seen = (
        node,
        serde_json::to_string(&tolerations).unwrap_or_default(),
    );
    world.taint_eviction.pods.insert(name.to_string(), seen);
    let now = world.now;
    let (all, used) = matching_tolerations(taints, &tolerations);
    if !all {
        cancel_with_event(world, name);
        schedule(world, name, &uid, now, now);
        return;
    }
    let Some(min) = min_toleration_time(&used) else {
        cancel_with_event(world, name);
        return;
    };
    let mut start = now;
    let trigger = now + min;
    if let Some(existing) = world.taint_eviction.scheduled.get(name).cloned() {
        if existing.uid == uid {
            start = existing.created;
            if start + min < trigger || existing.fired {
                return;
            }
        }
        cancel_with_event(world, name);
    }
    schedule(world, name, &uid, start, start + min);
}

fn schedule(world: &mut World, name: &str, uid: &str, created: Millis, fire_at: Millis) {
    world.taint_eviction.scheduled.insert(
        name.to_string(),
        Scheduled {
            uid: uid.to_string(),
            created,
            fire_at,
            fired: false,
        },
    );
    world.timers.at(
        fire_at.max(world.now),
        Timer::TaintEviction {
            pod: name.to_string(),
            uid: uid.to_string(),
        },
    );
}

/// `cancelWorkWithEvent`: a pending deletion is cancelled, with an event.
fn cancel_with_event(world: &mut World, name: &str) {
    let Some(existing) = world.taint_eviction.scheduled.remove(name) else {
        return;
    };
    if existing.fired {
        return;
    }
    record_event(world, name, "Cancelling deletion of");
}

/// The scheduled time came: `deletePodHandler` and `addConditionAndDeletePod`.
pub fn fire(world: &mut World, name: &str, uid: &str) {
    let due = world
        .taint_eviction
        .scheduled
        .get(name)
        .is_some_and(|s| s.uid == uid && !s.fired && s.fire_at <= world.now);
    if !due {
        return;
    }
    if let Some(s) = world.taint_eviction.scheduled.get_mut(name) {
        s.fired = true;
    }
    record_event(world, name, "Marking for deletion");
    crate::sim::server::set_disruption_target(
        world,
        name,
        "DeletionByTaintManager",
        "Taint manager: deleting due to NoExecute taint",
    );
    crate::sim::server::delete_pod(world, name, false);
}

/// The taint manager's `TaintManagerEviction` event: `<what> Pod <namespace>/<name>`.
fn record_event(world: &mut World, name: &str, what: &str) {
    let namespace = world.config.namespace.clone();
    crate::sim::events::record(
        world,
        Recorder::TAINT_EVICTION,
        ObjectKind::Pod,
        name,
        "Normal",
        "TaintManagerEviction",
        format!("{what} Pod {namespace}/{name}"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str) -> Taint {
        Taint {
            key: key.into(),
            effect: "NoExecute".into(),
            ..Default::default()
        }
    }

    fn toleration(key: &str, seconds: Option<i64>) -> Toleration {
        Toleration {
            key: Some(key.into()),
            operator: Some("Exists".into()),
            effect: Some("NoExecute".into()),
            toleration_seconds: seconds,
            ..Default::default()
        }
    }

    #[test]
    fn the_smallest_toleration_seconds_wins() {
        let taints = [taint("a"), taint("b")];
        let tolerations = [toleration("a", Some(300)), toleration("b", Some(60))];
        let (all, used) = matching_tolerations(&taints, &tolerations);
        assert!(all);
        assert_eq!(min_toleration_time(&used), Some(Millis::secs(60)));
    }

    #[test]
    fn the_largest_toleration_seconds_saturate_instead_of_wrapping() {
        let used = [toleration("a", Some(i64::MAX))];
        let used: Vec<&Toleration> = used.iter().collect();
        assert_eq!(
            min_toleration_time(&used),
            Some(crate::sim::clock::END_OF_TIME)
        );
    }

    #[test]
    fn no_seconds_tolerates_forever_and_a_missing_toleration_evicts() {
        let forever = [toleration("a", None)];
        let (all, used) = matching_tolerations(&[taint("a")], &forever);
        assert!(all);
        assert_eq!(min_toleration_time(&used), None);
        let (all, _) = matching_tolerations(&[taint("b")], &forever);
        assert!(!all);
    }
}
