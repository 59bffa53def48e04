//! The update events of an unscheduled pod (`framework/events.go`
//! `PodSchedulingPropertiesChange`) and the scheduling queue's answer to them
//! (`PriorityQueue.Update`, `isPodWorthRequeuing`): a pod waiting in the unschedulable
//! queue is tried again when it is itself updated in a way that one of the plugins that
//! rejected it registered, and that plugin's queueing hint says the update may help.
//!
//! v1.36's extractors, in order: labels changed (`UpdatePodLabel`), a request lowered or
//! removed (`UpdatePodScaleDown`), every scheduling gate removed (scn never queues a gated
//! pod, so it is not needed here), the number of tolerations changed
//! (`UpdatePodToleration`). Any other update (an annotation, an image, the pod's status,
//! the scheduler's own `PodScheduled` write) is the generic Pod/Update, which no default
//! plugin registers: the pod stays where it is.
//!
//! The hints, per rejecting plugin (`EventsToRegister`):
//! - UpdatePodToleration: TaintToleration (always), NodeUnschedulable (the pod now
//!   tolerates `node.kubernetes.io/unschedulable:NoSchedule`), PodTopologySpread (a
//!   `DoNotSchedule` constraint with `nodeTaintsPolicy: Honor`);
//! - UpdatePodLabel: PodTopologySpread (a `DoNotSchedule` selector matches the pod before
//!   and not after, or the reverse); InterPodAffinity registers it but skips an
//!   unscheduled pod's update;
//! - UpdatePodScaleDown: NodeResourcesFit (always, for the pod itself).
//!
//! NodeAffinity registers no Pod event (a pod's nodeSelector and affinity only change
//! while it is gated), nor do the volume plugins or NodePorts.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Toleration;

use super::framework::{PodInfo, Resources};
use super::plugins::taint_toleration;
use super::plugins::{self, node_resources_fit, node_unschedulable, pod_topology_spread};

/// What the update events of a waiting pod compare, as the scheduler last saw the pod.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    labels: BTreeMap<String, String>,
    tolerations: Vec<Toleration>,
    requests: Resources,
}

impl Seen {
    pub fn of(info: &PodInfo) -> Seen {
        Seen {
            labels: info.labels.clone(),
            tolerations: info.tolerations.clone(),
            requests: info.requests.clone(),
        }
    }
}

/// `extractPodScaleDown`: a resource the old pod requested is no longer requested, or less.
fn scaled_down(old: &Resources, new: &Resources) -> bool {
    let fixed = [
        (old.cpu, new.cpu),
        (old.memory, new.memory),
        (old.ephemeral_storage, new.ephemeral_storage),
    ];
    fixed.iter().any(|&(o, n)| o != 0 && n < o)
        || old.scalar.iter().any(|(k, &o)| o != 0 && new.amount(k) < o)
}

/// Whether the update from `old` to `new` of a pod that `rejectors` left unschedulable is
/// worth a retry (some rejecting plugin's hint answers Queue for one of its events).
pub fn worth_requeuing(old: &Seen, new: &PodInfo, rejectors: &BTreeSet<&'static str>) -> bool {
    let labels_changed = old.labels != new.labels;
    let tolerations_changed = old.tolerations.len() != new.tolerations.len();
    let scale_down = scaled_down(&old.requests, &new.requests);
    let rejected_by = |plugin: &str| rejectors.contains(plugin);
    if tolerations_changed
        && ((rejected_by(plugins::TAINT_TOLERATION)
            && taint_toleration::hint_after_own_toleration_change())
            || (rejected_by(plugins::NODE_UNSCHEDULABLE)
                && node_unschedulable::hint_after_own_toleration_change(new)))
    {
        return true;
    }
    if (labels_changed || tolerations_changed)
        && rejected_by(plugins::POD_TOPOLOGY_SPREAD)
        && pod_topology_spread::hint_after_own_update(
            new,
            &old.labels,
            old.tolerations != new.tolerations,
        )
    {
        return true;
    }
    scale_down
        && rejected_by(plugins::NODE_RESOURCES_FIT)
        && node_resources_fit::hint_after_own_scale_down()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lowered_or_removed_request_is_a_scale_down() {
        let mut old = Resources::new();
        old.cpu = 500;
        old.scalar.insert("example.com/gpu".into(), 1);
        let mut new = old.clone();
        assert!(!scaled_down(&old, &new));
        new.cpu = 400;
        assert!(scaled_down(&old, &new));
        new.cpu = 600;
        new.scalar.clear();
        assert!(scaled_down(&old, &new));
    }
}
