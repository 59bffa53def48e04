//! The DaemonSet's ControllerRevisions (`daemon/update.go`: `constructHistory`,
//! `controlledHistories`, `snapshot`, `dedupCurHistories`, `cleanupHistory`), B-DS-6.
//!
//! A revision is `<ds>-<hash>`, its data the template as `getPatch` writes it
//! (`{"spec":{"template":{…,"$patch":"replace"}}}`), its labels the template's plus
//! `controller-revision-hash`. Upstream's hash (`controller.ComputeHash`) is FNV-32a over
//! a `spew` dump of the Go template; scn hashes the revision data instead (the
//! StatefulSet's `HashControllerRevision`), so the hash differs from a real cluster's.

use std::collections::BTreeSet;

use k8s_openapi::api::apps::v1::{ControllerRevision, DaemonSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use serde_json::Value;

use super::util::HASH_LABEL;
use crate::sim::controllers::history::{self, hash, revision_name};
use crate::sim::server;
use crate::sim::world::World;

const OWN: server::Author = server::Author::Owner;

/// `metav1.NewControllerRef(ds, controllerKind)`.
pub fn controller_ref(ds: &DaemonSet) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: "DaemonSet".into(),
        name: ds.metadata.name.clone().unwrap_or_default(),
        uid: ds.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// `getPatch`: the revision data of the set's template now.
pub fn patch_data(ds: &DaemonSet) -> Value {
    crate::sim::controllers::history::template_patch_data(ds.spec.as_ref().map(|s| &s.template))
}

/// `controlledHistories`: the revisions the set controls, adopting orphans its selector
/// matches; (revision number, name), sorted.
fn controlled(world: &mut World, ds: &DaemonSet) -> Vec<(i64, String)> {
    let selector = ds.spec.as_ref().map(|s| &s.selector);
    history::claim_revisions(world, &ds.metadata, selector, controller_ref(ds))
}

/// The current revision's hash label and the old revisions' names, after
/// `constructHistory`: every revision gets the hash label (its name when missing), the one
/// whose data is the template now is current (created, or its number raised to the
/// newest), the others are old. `Err` when a name collision raised the collision count
/// (the sync is retried).
pub fn construct(world: &mut World, ds: &DaemonSet) -> Result<(String, Vec<String>), ()> {
    let data = patch_data(ds);
    let mut current = Vec::new();
    let mut old = Vec::new();
    for (number, name) in controlled(world, ds) {
        let labelled = world
            .store
            .revisions()
            .get(&name)
            .and_then(|r| r.metadata.labels.as_ref())
            .is_some_and(|l| l.contains_key(HASH_LABEL));
        if !labelled {
            server::write::<ControllerRevision>(world, &name, OWN, |r| {
                let value = r.metadata.name.clone().unwrap_or_default();
                r.metadata
                    .labels
                    .get_or_insert_with(Default::default)
                    .insert(HASH_LABEL.into(), value);
                true
            });
        }
        let matches = world
            .store
            .revisions()
            .get(&name)
            .and_then(|r| r.data.as_ref())
            .is_some_and(|d| d.0 == data);
        if matches {
            current.push((number, name));
        } else {
            old.push((number, name));
        }
    }
    let next = old.iter().map(|(n, _)| *n).max().unwrap_or(0) + 1;
    let cur = match current.as_slice() {
        [] => snapshot(world, ds, data, next)?,
        [..] => {
            // `dedupCurHistories`: keep the newest; the others' pods take its hash label
            // (not modelled: two equal revisions only come from a hash collision), and go.
            let (number, keep) = current.last().cloned().unwrap_or_default();
            for (_, name) in &current[..current.len() - 1] {
                server::remove_object::<ControllerRevision>(world, name, OWN);
            }
            if number < next {
                server::write::<ControllerRevision>(world, &keep, OWN, |r| {
                    r.revision = next;
                    true
                });
            }
            keep
        }
    };
    let hash = world
        .store
        .revisions()
        .get(&cur)
        .and_then(|r| r.metadata.labels.as_ref())
        .and_then(|l| l.get(HASH_LABEL).cloned())
        .unwrap_or_default();
    Ok((hash, old.into_iter().map(|(_, n)| n).collect()))
}

/// `snapshot`: a new revision `<ds>-<hash>`; a name taken by another set's revision, or by
/// other data, is a collision: the set's `collisionCount` goes up and the sync fails.
fn snapshot(world: &mut World, ds: &DaemonSet, data: Value, number: i64) -> Result<String, ()> {
    let collisions = ds
        .status
        .as_ref()
        .and_then(|s| s.collision_count)
        .unwrap_or(0);
    let hash = hash(&data, collisions);
    let set = ds.metadata.name.clone().unwrap_or_default();
    let name = revision_name(&set, &hash);
    if let Some(existing) = world.store.revisions().get(&name) {
        let ours = existing
            .metadata
            .owner_references
            .iter()
            .flatten()
            .any(|r| Some(&r.uid) == ds.metadata.uid.as_ref() && r.controller == Some(true));
        if ours && existing.data.as_ref().is_some_and(|d| d.0 == data) {
            return Ok(name);
        }
        server::write::<DaemonSet>(world, &set, OWN, |ds| {
            let status = ds.status.get_or_insert_with(Default::default);
            status.collision_count = Some(status.collision_count.unwrap_or(0).saturating_add(1));
            true
        });
        return Err(());
    }
    let template_labels = ds
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.labels.as_ref());
    let revision = history::new_controller_revision(
        world,
        &ds.metadata,
        controller_ref(ds),
        template_labels,
        (HASH_LABEL, &name, &hash),
        data,
        number,
    );
    server::add(world, revision, OWN);
    Ok(name)
}

/// `cleanupHistory`: beyond `revisionHistoryLimit` old revisions, the oldest go, but never
/// one whose hash a live pod carries.
pub fn cleanup(world: &mut World, ds: &DaemonSet, old: &[String], live_hashes: &BTreeSet<String>) {
    let limit = ds
        .spec
        .as_ref()
        .and_then(|s| s.revision_history_limit)
        .unwrap_or(10)
        .max(0) as usize;
    let mut to_kill = old.len().saturating_sub(limit);
    if to_kill == 0 {
        return;
    }
    let mut sorted: Vec<(i64, String, String)> = old
        .iter()
        .filter_map(|name| {
            let r = world.store.revisions().get(name)?;
            let hash = r
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(HASH_LABEL).cloned())
                .unwrap_or_default();
            Some((r.revision, name.clone(), hash))
        })
        .collect();
    sorted.sort();
    for (_, name, hash) in sorted {
        if to_kill == 0 {
            break;
        }
        if live_hashes.contains(&hash) {
            continue;
        }
        server::remove_object::<ControllerRevision>(world, &name, OWN);
        to_kill -= 1;
    }
}
