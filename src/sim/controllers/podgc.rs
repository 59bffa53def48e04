//! The pod garbage collector's orphan sweep: pods bound to a node that no longer exists
//! are force-deleted at once (docs/language.md timing: `delete node/n`), since no kubelet is
//! left to stop them. Upstream waits a 40 s quarantine and re-checks the node with the API
//! server; scn's node deletion is final, so the wait would change nothing but the clock.

use crate::sim::podutil::natural_cmp;
use crate::sim::server;
use crate::sim::world::World;

/// The pod GC's informer handler: a deleted node orphans its pods.
pub fn on_event(
    world: &mut World,
    event: &crate::sim::world::WatchEvent,
) -> Result<(), crate::sim::error::SimError> {
    if event.kind == crate::sim::kinds::ObjectKind::Node
        && event.change == crate::sim::world::Change::Deleted
    {
        on_node_deleted(world, &event.name);
    }
    Ok(())
}

pub fn on_node_deleted(world: &mut World, node: &str) {
    let mut orphans: Vec<String> = world
        .store
        .pods()
        .iter()
        .filter(|(_, p)| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node))
        .map(|(name, _)| name.clone())
        .collect();
    orphans.sort_by(|a, b| natural_cmp(a, b));
    for pod in orphans {
        server::delete_pod(world, &pod, true);
    }
}
