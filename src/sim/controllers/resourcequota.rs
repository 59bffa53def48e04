//! The resource quota controller (`pkg/controller/resourcequota`): it keeps each
//! ResourceQuota's `status.hard` (its `spec.hard`) and `status.used` (what the namespace's
//! pods, claims, Services and counted objects cost, `api/resourcequota.rs`). A quota is
//! synced when it is created or its `spec.hard` differs from its `status.hard`
//! (`addQuota`, `updateQuota`), and every quota that counts a kind is when an object of
//! that kind is deleted, or a pod, claim or Service changes (the quota monitor's
//! replenishment: a pod that ends or is deleted frees what it was charged). A create is
//! charged by the admission plugin (`server/resourcequota.rs`), not here; a create that
//! does not pass admission (the simulation's own controllers' ServiceAccounts and root CA
//! ConfigMaps) is counted at the next sync.
//!
//! Not simulated: the controller's full resync every 5 minutes, which is what frees a pod
//! stuck terminating past its grace period when nothing else changes.

use std::collections::{BTreeMap, BTreeSet};

use crate::sim::api::resourcequota::{self as quota, Charged, Usage};
use crate::sim::error::SimError;
use crate::sim::kinds::{KindInfo, ObjectKind};
use crate::sim::server;
use crate::sim::world::{Change, WatchEvent, World};

/// The controller's queue: the quotas due for a sync.
#[derive(Debug, Default)]
pub struct QuotaController {
    queue: BTreeSet<String>,
}

fn quota_kind() -> ObjectKind {
    ObjectKind::from_kind(quota::KIND)
}

/// The informers' handlers.
pub fn on_event(world: &mut World, event: &WatchEvent) {
    match &event.kind {
        ObjectKind::Other(kind) if kind == quota::KIND => {
            if event.change == Change::Deleted {
                world.resource_quota.queue.remove(&event.name);
                return;
            }
            let Some(body) = world.store.written_body(&quota_kind(), &event.name) else {
                return;
            };
            let hard = quota::parse_list(body.pointer("/spec/hard"));
            let status_hard = body
                .pointer("/status/hard")
                .map(|h| quota::parse_list(Some(h)));
            if event.change == Change::Added || status_hard.as_ref() != Some(&hard) {
                world.resource_quota.queue.insert(event.name.clone());
            }
        }
        ObjectKind::Pod | ObjectKind::PersistentVolumeClaim | ObjectKind::Service => {
            // A create is charged at admission. A pod's charge changes when it goes or
            // ends (its resources do not change), a claim's when it goes or is resized.
            if event.change == Change::Added || !server::resourcequota::any(world) {
                return;
            }
            if event.kind == ObjectKind::Pod && event.change == Change::Modified {
                let ended = world.store.pods().get(&event.name).is_none_or(|pod| {
                    !crate::sim::api::resourcequota::pod_is_charged(pod, world.now)
                });
                if !ended {
                    return;
                }
            }
            let names = server::resourcequota::quotas(world)
                .into_iter()
                .map(|q| q.name);
            world.resource_quota.queue.extend(names);
        }
        other => {
            // An object counted by `count/…` frees its count when it goes; one the
            // simulation made without admission is counted when it comes.
            if event.change == Change::Modified || !server::resourcequota::any(world) {
                return;
            }
            let Some(charged) = quota::Charged::of_kind(other.name()) else {
                return;
            };
            let names = server::resourcequota::quotas(world)
                .into_iter()
                .filter(|q| q.hard.keys().any(|r| quota::charged(r) == Some(charged)))
                .map(|q| q.name);
            world.resource_quota.queue.extend(names);
        }
    }
}

/// What the namespace's pods and claims cost, for the resources of `hard` scn counts.
/// Only what the quota's scopes select counts (`CalculateUsage` with the quota's scopes).
fn usage(world: &World, hard: &Usage, scopes: &[quota::Requirement]) -> Usage {
    let counted = |charged: Charged| hard.keys().any(|r| quota::charged(r) == Some(charged));
    let mut total = Usage::new();
    if counted(Charged::Pod) {
        for pod in world.store.pods().values() {
            if server::resourcequota::pod_matches(scopes, pod) {
                total = quota::add(&total, &quota::pod_usage(pod, world.now));
            }
        }
    }
    if counted(Charged::Claim) && scopes.is_empty() {
        for claim in world.store.claims().values() {
            total = quota::add(&total, &quota::claim_usage(claim));
        }
    }
    if counted(Charged::Service) && scopes.is_empty() {
        for svc in world.store.services().values() {
            total = quota::add(&total, &quota::service_usage(svc));
        }
    }
    // The object count evaluators: every object of each kind a resource counts.
    // (`configmaps` and `count/configmaps` name one kind: it is counted once.)
    let objects: BTreeMap<&str, &KindInfo> = hard
        .keys()
        .filter_map(|r| match quota::charged(r) {
            Some(Charged::Object(info)) if scopes.is_empty() => Some((info.kind, info)),
            _ => None,
        })
        .collect();
    for (kind, info) in objects {
        let n = world.store.names(&ObjectKind::from_kind(kind)).len();
        total.extend(quota::object_usage(info, n));
    }
    // `quota.Mask` to the hard resources, each counted one at zero when nothing uses it.
    hard.keys()
        .filter(|r| quota::charged(r).is_some())
        .map(|r| (r.clone(), total.get(r).copied().unwrap_or_else(quota::zero)))
        .collect()
}

/// `syncResourceQuota` of one quota: `status.hard` from the spec, `status.used` counted
/// again; written only when it changed.
pub fn work(world: &mut World) -> Result<bool, SimError> {
    let Some(name) = world.resource_quota.queue.pop_first() else {
        return Ok(false);
    };
    let kind = quota_kind();
    let Some(body) = world.store.written_body(&kind, &name) else {
        return Ok(true);
    };
    let hard = quota::parse_list(body.pointer("/spec/hard"));
    let scopes = quota::requirements(body);
    let used = quota::list_json(&usage(world, &hard, &scopes));
    let status_hard = quota::list_json(&hard);
    server::write_other(world, &kind, &name, server::Author::Owner, |object| {
        let status = object.body.get("status");
        if status.and_then(|s| s.get("hard")) == Some(&status_hard)
            && status.and_then(|s| s.get("used")) == Some(&used)
        {
            return false;
        }
        object.body["status"] = serde_json::json!({"hard": status_hard, "used": used});
        true
    });
    Ok(true)
}
