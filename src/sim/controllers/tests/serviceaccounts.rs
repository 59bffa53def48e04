//! The service account controller keeps `default` in the namespace (the language has no
//! ServiceAccount reference, so this goes through the API directly).

use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, Propagation};
use crate::sim::{Config, World};

#[test]
fn the_default_service_account_exists_and_comes_back_when_deleted() {
    let mut w = World::new(Config::default()).expect("the default cluster builds");
    let kind = ObjectKind::from_kind("ServiceAccount");
    let uid = w.store.meta(&kind, "default").and_then(|m| m.uid.clone());
    assert!(uid.is_some());
    server::delete(&mut w, &kind, "default", Propagation::Background, false).expect("deleted");
    w.settle().expect("settles");
    let again = w.store.meta(&kind, "default").and_then(|m| m.uid.clone());
    assert!(again.is_some());
    assert_ne!(again, uid);
}
