//! ControllerRevisions: the history of a set's templates (B-REV-1..7; HIST, UTL).

use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use std::collections::BTreeMap;

use serde_json::Value;

use super::identity::{controller_ref, set_name};
use crate::sim::controllers::history;
use crate::sim::server;
use crate::sim::world::World;

/// `getPatch`: the revision data, `{"spec":{"template":{..., "$patch":"replace"}}}`.
pub fn patch_data(set: &StatefulSet) -> Value {
    crate::sim::controllers::history::template_patch_data(set.spec.as_ref().map(|s| &s.template))
}

pub use crate::sim::controllers::history::{hash, revision_name};

fn revision_of(data: &Value) -> Option<Value> {
    data.pointer("/spec/template").cloned()
}

/// `ApplyRevision`: the set with another pod template.
pub fn with_template(
    set: &StatefulSet,
    template: k8s_openapi::api::core::v1::PodTemplateSpec,
) -> StatefulSet {
    let mut applied = set.clone();
    if let Some(spec) = applied.spec.as_mut() {
        spec.template = template;
    }
    applied
}

/// `ListRevisions` after `adoptOrphanRevisions`: the revisions whose labels match the
/// set's selector and that the set controls or no controller does, the orphans adopted
/// (B-REV-8), as (revision number, name), sorted by revision number, creation time, then
/// name (`SortControllerRevisions`: which of two revisions of one number is the last
/// decides whether the update revision is renumbered, B-REV-9). A revision of the set
/// whose labels no longer match the selector is not among them: the set neither reuses,
/// counts nor truncates it (B-REV-10).
pub fn owned_revisions(world: &mut World, set: &StatefulSet) -> Vec<(i64, String)> {
    let selector = set.spec.as_ref().map(|s| &s.selector);
    let listed = history::list_controller_revisions(world, &set.metadata, selector);
    let owner = controller_ref(set);
    let mut owned = Vec::with_capacity(listed.len());
    for (number, name, orphan) in listed {
        if !orphan {
            owned.push((number, name));
        } else if set.metadata.deletion_timestamp.is_none() {
            if let Some(number) = history::adopt_revision(world, &name, &owner) {
                owned.push((number, name));
            }
        }
    }
    owned
}

/// Whether `adoptOrphanRevisions` would find revisions to adopt: orphans the set's
/// selector matches. A set being deleted cannot adopt (`canAdoptFunc`), so its sync fails
/// there, before it looks at its pods or writes its status (B-REV-10).
pub fn has_orphans(world: &World, set: &StatefulSet) -> bool {
    let selector = set.spec.as_ref().map(|s| &s.selector);
    history::list_controller_revisions(world, &set.metadata, selector)
        .iter()
        .any(|(_, _, orphan)| *orphan)
}

/// The controller writes its revisions during its own sync.
const OWN: server::Author = server::Author::Owner;

/// The current and update revision names and the collision count of a sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revisions {
    pub current: String,
    pub update: String,
    pub collision_count: i32,
}

/// `getStatefulSetRevisions`: the update revision is created, or an equal one reused (a
/// rollback bumps its number, B-REV-4); the current revision is the status's, else the
/// update revision.
pub fn current_and_update(world: &mut World, set: &StatefulSet, data: &Value) -> Revisions {
    let revisions = owned_revisions(world, set);
    let mut collision_count = set
        .status
        .as_ref()
        .and_then(|s| s.collision_count)
        .unwrap_or(0);
    let next_number = revisions.iter().map(|(n, _)| *n).max().unwrap_or(0) + 1;
    let equal = revisions
        .iter()
        .rev()
        .find(|(_, name)| {
            world
                .store
                .revisions()
                .get(name)
                .and_then(|r| r.data.as_ref())
                .is_some_and(|d| &d.0 == data)
        })
        .map(|(_, name)| name.clone());
    let update = match (equal, revisions.last()) {
        (Some(eq), Some((_, last))) if &eq == last => eq,
        (Some(eq), _) if world.mutant(crate::sim::Mutant::RollbackKeepsNumber) => eq,
        (Some(eq), _) => {
            server::write::<ControllerRevision>(world, &eq, OWN, |stored| {
                stored.revision = next_number;
                true
            });
            eq
        }
        (None, _) => create(world, set, data.clone(), next_number, &mut collision_count),
    };
    let current = set
        .status
        .as_ref()
        .and_then(|s| s.current_revision.clone())
        .filter(|c| revisions.iter().any(|(_, n)| n == c))
        .unwrap_or_else(|| update.clone());
    Revisions {
        current,
        update,
        collision_count,
    }
}

/// The pod template a revision holds.
pub fn template_of(
    world: &World,
    name: &str,
) -> Option<k8s_openapi::api::core::v1::PodTemplateSpec> {
    let data = &world.store.revisions().get(name)?.data.as_ref()?.0;
    let mut template = revision_of(data)?;
    if let Value::Object(map) = &mut template {
        map.remove("$patch");
    }
    serde_json::from_value(template).ok()
}

/// `CreateControllerRevision`: a name collision with different data bumps the count.
/// Only the name follows the bumped count: the hash label is `NewControllerRevision`'s,
/// taken with the count the sync began with, and the retries rename the revision without
/// touching its labels (B-REV-7).
fn create(
    world: &mut World,
    set: &StatefulSet,
    data: Value,
    number: i64,
    collision_count: &mut i32,
) -> String {
    let label_hash = hash(&data, *collision_count);
    loop {
        let hash = hash(&data, *collision_count);
        let name = revision_name(set_name(set), &hash);
        match world.store.revisions().get(&name) {
            Some(existing) if existing.data.as_ref().map(|d| &d.0) == Some(&data) => {
                return name;
            }
            Some(_) => {
                *collision_count += 1;
            }
            None => {
                let template_labels = set
                    .spec
                    .as_ref()
                    .and_then(|s| s.template.metadata.as_ref())
                    .and_then(|m| m.labels.as_ref());
                let revision = history::new_controller_revision(
                    world,
                    &set.metadata,
                    controller_ref(set),
                    template_labels,
                    (history::HASH_LABEL, &name, &label_hash),
                    data,
                    number,
                );
                server::add(world, revision, OWN);
                return name;
            }
        }
    }
}

/// `truncateHistory`: keep live revisions and at most `revisionHistoryLimit` others,
/// deleting the oldest (B-REV-6); a negative limit keeps all.
pub fn truncate_history(
    world: &mut World,
    set: &StatefulSet,
    live_labels: &BTreeMap<String, i32>,
    revisions: &[(i64, String)],
    current: &str,
    update: &str,
) {
    let limit = set
        .spec
        .as_ref()
        .and_then(|s| s.revision_history_limit)
        .unwrap_or(10);
    if limit < 0 || world.mutant(crate::sim::Mutant::HistoryNotPruned) {
        return;
    }
    let history: Vec<&String> = revisions
        .iter()
        .map(|(_, name)| name)
        .filter(|name| *name != current && *name != update && !live_labels.contains_key(*name))
        .collect();
    let excess = history.len().saturating_sub(limit as usize);
    for name in history.into_iter().take(excess) {
        server::remove_object::<ControllerRevision>(world, name, OWN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::controllers::history::safe_encode;
    use serde_json::json;

    #[test]
    fn safe_encoding_maps_digits_as_upstream() {
        // B-REV-2: digits 0-9 become 4 5 6 7 8 9 b c d f.
        assert_eq!(safe_encode("0123456789"), "456789bcdf");
    }

    #[test]
    fn hashes_differ_by_template_and_collision_count() {
        let a = json!({"spec": {"template": {"a": 1}}});
        let b = json!({"spec": {"template": {"a": 2}}});
        assert_ne!(hash(&a, 0), hash(&b, 0));
        assert_ne!(hash(&a, 0), hash(&a, 1));
        assert_eq!(hash(&a, 0), hash(&a, 0));
    }
}
