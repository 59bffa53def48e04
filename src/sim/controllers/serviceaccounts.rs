//! The service account controller (upstream `pkg/controller/serviceaccount`,
//! `serviceaccounts_controller.go`): every namespace has the ServiceAccount `default`, which
//! pods that name no account run as (the ServiceAccount admission plugin,
//! `api/service_account.rs`). The cluster starts with it; deleted, it is created again at
//! the controller's next sync, in the same instant.

use serde_json::{json, Value};

use crate::sim::api::service_account::DEFAULT_SERVICE_ACCOUNT;
use crate::sim::clock::{to_time, Millis};
use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::server;
use crate::sim::world::{Change, WatchEvent, World};

pub const KIND: &str = "ServiceAccount";

/// The controller's queue: its one namespace is due for a sync.
#[derive(Debug, Default)]
pub struct ServiceAccountsController {
    queued: bool,
}

/// The `default` ServiceAccount of `namespace`, created at `now` (without UID and
/// resourceVersion): no secrets, as since v1.24.
pub fn default_account(namespace: &str, now: Millis) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": KIND,
        "metadata": {"name": DEFAULT_SERVICE_ACCOUNT, "namespace": namespace,
            "creationTimestamp": to_time(now)}
    })
}

/// `serviceAccountDeleted`: the namespace is synced again when its `default` goes.
pub fn on_event(world: &mut World, event: &WatchEvent) {
    if event.change == Change::Deleted
        && event.name == DEFAULT_SERVICE_ACCOUNT
        && event.kind == ObjectKind::from_kind(KIND)
    {
        world.serviceaccounts.queued = true;
    }
}

/// `syncNamespace`: creates `default` when it is missing.
pub fn work(world: &mut World) -> Result<bool, SimError> {
    if !std::mem::take(&mut world.serviceaccounts.queued) {
        return Ok(false);
    }
    if !world
        .store
        .exists(&ObjectKind::from_kind(KIND), DEFAULT_SERVICE_ACCOUNT)
    {
        let mut account = default_account(&world.config.namespace, world.now);
        account["metadata"]["uid"] = json!(world.store.new_uid());
        server::add_other(world, account, server::Author::Other);
    }
    Ok(true)
}
