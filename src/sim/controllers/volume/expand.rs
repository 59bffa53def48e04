//! The expand controller of kube-controller-manager (`pkg/controller/volume/expand`
//! `expand_controller.go`): when a Bound claim asks for more storage than its
//! `status.capacity`, it looks for an in-tree plugin that can expand the volume. It has
//! none for the volumes here (its only plugin is portworx), so it records
//! `ExternalExpanding` and leaves the work to an external resizer. No resizer runs in this
//! cluster, so the claim's capacity and the volume keep their size.

use crate::sim::events::Recorder;
use crate::sim::kinds::ObjectKind;
use crate::sim::uid::Uid;
use crate::sim::world::World;

use super::matching::request_of;
use super::{parse_quantity, phase_of_claim};

/// A claim was added or updated: the controller looks at it when its request grew beyond
/// the request it last saw (the informer's update filter compares the two), and says
/// it waits for an external resizer when the request is above the claim's capacity.
pub(super) fn sync_claim(world: &mut World, name: &str) {
    let Some(claim) = world.store.claims().get(name) else {
        return;
    };
    let uid = Uid::new(claim.metadata.uid.as_deref().unwrap_or_default());
    let request = request_of(claim).unwrap_or(0);
    let seen = &mut world.volume_controller.requests_seen;
    let grew = seen.get(&uid).is_none_or(|before| request > *before);
    seen.insert(uid, request);
    if !grew || phase_of_claim(claim) != "Bound" {
        return;
    }
    let capacity = claim
        .status
        .as_ref()
        .and_then(|s| s.capacity.as_ref())
        .and_then(|c| c.get("storage"))
        .and_then(|q| parse_quantity(&q.0))
        .unwrap_or(0);
    if request <= capacity {
        return;
    }
    // The volume must be bound to this claim.
    let volume = claim.spec.as_ref().and_then(|s| s.volume_name.as_deref());
    let bound = volume
        .and_then(|v| world.store.volumes().get(v))
        .and_then(|pv| pv.spec.as_ref()?.claim_ref.as_ref())
        .is_some_and(|r| r.uid == claim.metadata.uid);
    if !bound {
        return;
    }
    // `FindExpandablePluginBySpec` finds no plugin at all, an error: a Warning.
    crate::sim::events::record(
        world,
        Recorder::VOLUME_EXPAND,
        ObjectKind::PersistentVolumeClaim,
        name,
        "Warning",
        "ExternalExpanding",
        "waiting for an external controller to expand this PVC".into(),
    );
}

/// A claim is gone: its last request is forgotten.
pub(super) fn forget_claim(world: &mut World, uid: &str) {
    world.volume_controller.requests_seen.remove(&Uid::new(uid));
}
