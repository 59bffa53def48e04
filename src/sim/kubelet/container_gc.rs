//! The container garbage collector (`kuberuntime_gc.go` `GarbageCollect`, run by the kubelet
//! every `ContainerGCPeriod`, one minute, from its start): with the kubelet's defaults
//! (`MaxPerPodContainer` 1, `MinAge` 0) it leaves each container of a pod only its newest
//! dead instance. scn keeps the instance before the newest dead one (`Ctr::earlier`) and
//! asks here whether the collector has removed it since.

use super::super::clock::{from_time, Millis};
use super::super::world::World;

/// `ContainerGCPeriod`.
const PERIOD: Millis = Millis::secs(60);

/// Whether the collector of `node`'s kubelet ran after `after` and by now: its passes run
/// at the kubelet's start (the node's registration) and every minute after
/// (`wait.Until`).
pub(crate) fn ran_since(world: &World, node: &str, after: Millis) -> bool {
    let started = world
        .store
        .nodes()
        .get(node)
        .and_then(|n| n.metadata.creation_timestamp.as_ref())
        .map(from_time)
        .unwrap_or_default();
    let next = if after < started {
        started
    } else {
        started + (after - started).next_multiple_of(PERIOD)
    };
    next <= world.now
}
