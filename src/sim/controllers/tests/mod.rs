//! Unit tests that drive several controllers through the API, as a user would.

mod garbage_collector;
mod informer;
mod objects_budget;
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
