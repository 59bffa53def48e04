//! Unit tests that drive several controllers through the API, as a user would.

mod ephemeral;
mod garbage_collector;
mod informer;
mod serviceaccounts;

/// `kubectl delete statefulset/NAME --cascade=orphan`, through the API server.
fn orphan_set(w: &mut crate::sim::World, name: &str) {
    crate::sim::server::delete(
        w,
        &crate::sim::kinds::ObjectKind::StatefulSet,
        name,
        crate::sim::server::Propagation::Orphan,
        false,
    )
    .expect("deleted");
}
