//! `pkg/controller/history` and `rand.SafeEncodeString`: what the StatefulSet and DaemonSet
//! controllers share about ControllerRevisions (their hash, their name, claiming them, a
//! new one for a parent), and the encoding the Deployment controller's pod-template-hash
//! uses too.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::ControllerRevision;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::runtime::RawExtension;
use serde_json::Value;

use crate::sim::clock::to_time;
use crate::sim::world::World;
use crate::sim::{labels, server};

/// `ControllerRevisionHashLabel`, the StatefulSet controller's (`NewControllerRevision`).
pub const HASH_LABEL: &str = "controller.kubernetes.io/hash";

/// `HashControllerRevision`: FNV-1 32 over the data as `json.Marshal` wrote it (`&`, `<`
/// and `>` escaped), then the collision count, printed in decimal and passed through
/// `rand.SafeEncodeString` (B-REV-2).
pub fn hash(data: &Value, collision_count: i32) -> String {
    let mut h: u32 = 0x811c_9dc5;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h = h.wrapping_mul(0x0100_0193);
            h ^= *b as u32;
        }
    };
    feed(crate::sim::api::canonical::to_go_json(data).as_bytes());
    feed(collision_count.to_string().as_bytes());
    safe_encode(&h.to_string())
}

/// `rand.SafeEncodeString`: maps each character into a vowel-free alphabet.
pub fn safe_encode(s: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.bytes()
        .map(|b| ALPHANUMS[b as usize % ALPHANUMS.len()] as char)
        .collect()
}

/// `ControllerRevisionName`: the prefix is cut at 223 characters.
pub fn revision_name(prefix: &str, hash: &str) -> String {
    let prefix: String = prefix.chars().take(223).collect();
    format!("{prefix}-{hash}")
}

/// `NewControllerRevision` (or the DaemonSet controller's `snapshot`): a revision of
/// `parent` named `name`, carrying the template's labels plus `hash` under `label` (the
/// StatefulSet's [`HASH_LABEL`], the DaemonSet's `controller-revision-hash`), the
/// parent's annotations and a controller reference to it.
pub fn new_controller_revision(
    world: &mut World,
    parent: &ObjectMeta,
    owner: OwnerReference,
    template_labels: Option<&BTreeMap<String, String>>,
    (label, name, hash): (&str, &str, &str),
    data: Value,
    number: i64,
) -> ControllerRevision {
    let mut labels = template_labels.cloned().unwrap_or_default();
    labels.insert(label.into(), hash.to_string());
    ControllerRevision {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: parent.namespace.clone(),
            labels: Some(labels),
            annotations: parent.annotations.clone(),
            owner_references: Some(vec![owner]),
            uid: Some(world.store.new_uid()),
            creation_timestamp: Some(to_time(world.now)),
            ..Default::default()
        },
        data: Some(RawExtension(data)),
        revision: number,
    }
}

/// `ClaimControllerRevisions` (the DaemonSet's `controlledHistories`): the revisions
/// `parent` controls, adopting the orphans its selector matches (not while it is being
/// deleted) with `owner` as their controller; (revision number, name), sorted by number
/// then name (`SortControllerRevisions`).
pub fn claim_revisions(
    world: &mut World,
    parent: &ObjectMeta,
    selector: Option<&LabelSelector>,
    owner: OwnerReference,
) -> Vec<(i64, String)> {
    let uid = parent.uid.clone().unwrap_or_default();
    let mut adopt = Vec::new();
    let mut owned = Vec::new();
    for (name, revision) in world.store.revisions() {
        match controller_uid(revision) {
            Some(r) if r == uid => owned.push((revision.revision, name.clone())),
            Some(_) => {}
            None if parent.deletion_timestamp.is_none()
                && labels::matches(selector, revision.metadata.labels.as_ref()) =>
            {
                adopt.push(name.clone())
            }
            None => {}
        }
    }
    for name in adopt {
        if let Some(number) = adopt_revision(world, &name, &owner) {
            owned.push((number, name));
        }
    }
    owned.sort();
    owned
}

/// `ListControllerRevisions` (the StatefulSet's `ListRevisions`): the revisions whose
/// labels the selector matches and that `parent` controls or no controller does, as
/// (revision number, name, orphan), sorted by `SortControllerRevisions`: by revision
/// number, then creation time (whole seconds, as the API serializes it), then name. A
/// revision of the parent whose labels stopped matching is not listed (B-REV-10).
pub fn list_controller_revisions(
    world: &World,
    parent: &ObjectMeta,
    selector: Option<&LabelSelector>,
) -> Vec<(i64, String, bool)> {
    let uid = parent.uid.as_deref().unwrap_or_default();
    let mut listed: Vec<(i64, i64, String, bool)> = world
        .store
        .revisions()
        .iter()
        .filter(|(_, r)| labels::matches(selector, r.metadata.labels.as_ref()))
        .filter_map(|(name, r)| {
            let orphan = match controller_uid(r) {
                None => true,
                Some(owner) if owner == uid => false,
                Some(_) => return None,
            };
            let created = r
                .metadata
                .creation_timestamp
                .as_ref()
                .map_or(0, |t| t.0.as_second());
            Some((r.revision, created, name.clone(), orphan))
        })
        .collect();
    listed.sort();
    listed
        .into_iter()
        .map(|(number, _, name, orphan)| (number, name, orphan))
        .collect()
}

/// The UID of the revision's controller, if it has one.
fn controller_uid(revision: &ControllerRevision) -> Option<&str> {
    revision
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true))
        .map(|r| r.uid.as_str())
}

/// `AdoptControllerRevision`: `owner` becomes the revision's controller; its revision
/// number, or `None` when it is gone.
pub fn adopt_revision(world: &mut World, name: &str, owner: &OwnerReference) -> Option<i64> {
    server::write::<ControllerRevision>(world, name, server::Author::Owner, |revision| {
        crate::sim::meta::adopt(&mut revision.metadata, owner.clone());
        true
    })
    .and_then(|_| world.store.revisions().get(name))
    .map(|revision| revision.revision)
}

/// `getPatch` of the StatefulSet and DaemonSet controllers: a revision's data is the
/// template, as `{"spec":{"template":{..., "$patch":"replace"}}}`.
pub fn template_patch_data(
    template: Option<&k8s_openapi::api::core::v1::PodTemplateSpec>,
) -> serde_json::Value {
    use serde_json::{json, Value};
    let mut template = template
        .and_then(|t| serde_json::to_value(t).ok())
        .unwrap_or_else(|| json!({}));
    crate::sim::api::go_values::drop_empty_pull_secret_names(&mut template);
    if let Value::Object(map) = &mut template {
        map.insert("$patch".into(), json!("replace"));
    }
    json!({"spec": {"template": template}})
}
