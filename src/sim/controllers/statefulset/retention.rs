//! `persistentVolumeClaimRetentionPolicy` (B-RET-1..9): the owner references the
//! controller keeps on a pod's claims, which the garbage collector then acts on.
//!
//! | whenDeleted / whenScaled | claim of an in-range pod | claim of a condemned pod |
//! |---|---|---|
//! | Retain / Retain | none | none |
//! | Delete / Retain | the set | the set |
//! | Retain / Delete | none | the pod |
//! | Delete / Delete | the set | the pod only |

use crate::sim::events::Recorder;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use super::identity::{claim_name, controller_ref, set_name};
use crate::sim::kinds::ObjectKind;
use crate::sim::server;
use crate::sim::world::World;

struct Policy {
    when_deleted: bool,
    when_scaled: bool,
}

fn policy(set: &StatefulSet) -> Policy {
    let p = set
        .spec
        .as_ref()
        .and_then(|s| s.persistent_volume_claim_retention_policy.as_ref());
    Policy {
        when_deleted: p.and_then(|p| p.when_deleted.as_deref()) == Some("Delete"),
        when_scaled: p.and_then(|p| p.when_scaled.as_deref()) == Some("Delete"),
    }
}

fn claim_names(set: &StatefulSet, ordinal: i64) -> Vec<String> {
    set.spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_ref())
        .into_iter()
        .flatten()
        .map(|t| {
            claim_name(
                t.metadata.name.as_deref().unwrap_or_default(),
                set_name(set),
                ordinal,
            )
        })
        .collect()
}

fn pod_ref(pod: &Pod) -> OwnerReference {
    OwnerReference {
        api_version: "v1".into(),
        kind: "Pod".into(),
        name: pod.metadata.name.clone().unwrap_or_default(),
        uid: pod.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The owner references the policy asks for on the claims of `pod`.
fn wanted(set: &StatefulSet, pod: &Pod, condemned: bool) -> Vec<OwnerReference> {
    let p = policy(set);
    if condemned && p.when_scaled {
        vec![pod_ref(pod)]
    } else if p.when_deleted {
        vec![controller_ref(set)]
    } else {
        Vec::new()
    }
}

fn uid_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> &str {
    meta.uid.as_deref().unwrap_or_default()
}

/// `matchesRef` for the set: an `apps/v1` StatefulSet reference of the set's name.
fn names_set(r: &OwnerReference, set: &StatefulSet) -> bool {
    r.api_version == "apps/v1" && r.kind == "StatefulSet" && r.name == set_name(set)
}

/// `matchesRef` for the pod: a `v1` Pod reference of the pod's name.
fn names_pod(r: &OwnerReference, pod: &Pod) -> bool {
    r.api_version == "v1"
        && r.kind == "Pod"
        && Some(r.name.as_str()) == pod.metadata.name.as_deref()
}

/// `hasStaleOwnerRef`: the first reference naming the object carries another UID (an
/// earlier object of that name).
fn has_stale_ref(
    refs: &[OwnerReference],
    names: impl Fn(&OwnerReference) -> bool,
    uid: &str,
) -> bool {
    refs.iter().find(|r| names(r)).is_some_and(|r| r.uid != uid)
}

/// `hasOwnerRef`: a reference with the object's UID, controller or not.
fn has_ref(refs: &[OwnerReference], uid: &str) -> bool {
    refs.iter().any(|r| r.uid == uid)
}

/// `hasUnexpectedController`: under a policy other than Retain/Retain, another controller
/// of the claim, or a reference naming the set or pod with another UID.
fn has_unexpected_controller(refs: &[OwnerReference], set: &StatefulSet, pod: &Pod) -> bool {
    let p = policy(set);
    if !p.when_deleted && !p.when_scaled {
        return false;
    }
    refs.iter().any(|r| {
        if names_set(r, set) {
            r.uid != uid_of(&set.metadata)
        } else if names_pod(r, pod) {
            r.uid != uid_of(&pod.metadata)
        } else {
            r.controller == Some(true)
        }
    })
}

/// `hasNonControllerOwner`: a reference to the set or the pod (by UID) that is not a
/// controller reference, e.g. one whose `controller` flag was removed by hand.
fn has_non_controller_owner(refs: &[OwnerReference], set: &StatefulSet, pod: &Pod) -> bool {
    let (set_uid, pod_uid) = (uid_of(&set.metadata), uid_of(&pod.metadata));
    refs.iter()
        .any(|r| (r.uid == set_uid || r.uid == pod_uid) && r.controller != Some(true))
}

/// `isClaimOwnerUpToDate`: a claim with a stale reference (to an earlier set or pod of
/// the same name) is left as it is; one with another controller is up to date unless it
/// also names this set or pod (those references must go); a reference to the set or pod
/// without the controller flag is out of date; otherwise the references to the set and to
/// the pod must be exactly what the policy asks for.
fn claim_owner_up_to_date(
    claim: &PersistentVolumeClaim,
    set: &StatefulSet,
    pod: &Pod,
    condemned: bool,
) -> bool {
    let refs = claim
        .metadata
        .owner_references
        .as_deref()
        .unwrap_or_default();
    let (set_uid, pod_uid) = (uid_of(&set.metadata), uid_of(&pod.metadata));
    if has_stale_ref(refs, |r| names_set(r, set), set_uid)
        || has_stale_ref(refs, |r| names_pod(r, pod), pod_uid)
    {
        return true;
    }
    if has_unexpected_controller(refs, set, pod) {
        return !has_ref(refs, set_uid) && !has_ref(refs, pod_uid);
    }
    if has_non_controller_owner(refs, set, pod) {
        return false;
    }
    let want = wanted_uid(set, pod, condemned);
    let wants = |uid: &str| want == Some(uid);
    has_ref(refs, set_uid) == wants(set_uid) && has_ref(refs, pod_uid) == wants(pod_uid)
}

/// The UID of the one owner [`wanted`] asks for, without building the reference: the
/// check above runs for every claim of every pod the controller looks at.
fn wanted_uid<'a>(set: &'a StatefulSet, pod: &'a Pod, condemned: bool) -> Option<&'a str> {
    let p = policy(set);
    if condemned && p.when_scaled {
        Some(uid_of(&pod.metadata))
    } else if p.when_deleted {
        Some(uid_of(&set.metadata))
    } else {
        None
    }
}

/// `ClaimsMatchRetentionPolicy`: every existing claim of the pod is up to date.
pub fn claims_match(
    world: &World,
    set: &StatefulSet,
    pod: &Pod,
    ordinal: i64,
    condemned: bool,
) -> bool {
    if world.mutant(crate::sim::Mutant::RetentionIgnored) {
        return true;
    }
    let templates = set
        .spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_deref())
        .unwrap_or_default();
    templates.iter().all(|t| {
        let name = claim_name(
            t.metadata.name.as_deref().unwrap_or_default(),
            set_name(set),
            ordinal,
        );
        world
            .store
            .claims()
            .get(&name)
            .is_none_or(|claim| claim_owner_up_to_date(claim, set, pod, condemned))
    })
}

/// Whether a claim of the pod has a controller other than the set or the pod
/// (`hasUnexpectedController`): `UpdatePodClaimForRetentionPolicy` reports it each time.
pub fn any_conflict(world: &World, set: &StatefulSet, pod: &Pod, ordinal: i64) -> bool {
    let p = policy(set);
    if (!p.when_deleted && !p.when_scaled) || world.mutant(crate::sim::Mutant::RetentionIgnored) {
        return false;
    }
    claim_names(set, ordinal).iter().any(|name| {
        world.store.claims().get(name).is_some_and(|claim| {
            let refs = claim
                .metadata
                .owner_references
                .as_deref()
                .unwrap_or_default();
            has_unexpected_controller(refs, set, pod)
        })
    })
}

/// `UpdatePodClaimForRetentionPolicy`: converge the claims' owner references (B-RET-9).
/// Another controller is reported on every call (B-RET-8); a claim that is not up to date
/// loses its references to the set and the pod (`updateClaimOwnerRefForSetAndPod`) and,
/// unless another controller holds it, gets the ones the policy asks for, as controller
/// references.
pub fn update_claims(
    world: &mut World,
    set: &StatefulSet,
    pod: &Pod,
    ordinal: i64,
    condemned: bool,
) {
    if world.mutant(crate::sim::Mutant::RetentionIgnored) {
        return;
    }
    let want = wanted(set, pod, condemned);
    for name in claim_names(set, ordinal) {
        let Some(claim) = world.store.claims().get(&name) else {
            continue;
        };
        let refs = claim
            .metadata
            .owner_references
            .as_deref()
            .unwrap_or_default();
        let unexpected = has_unexpected_controller(refs, set, pod);
        let up_to_date = claim_owner_up_to_date(claim, set, pod, condemned);
        let mut kept: Vec<OwnerReference> = refs
            .iter()
            .filter(|r| !names_set(r, set) && !names_pod(r, pod))
            .cloned()
            .collect();
        if unexpected {
            let message = format!(
                "PersistentVolumeClaim {name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim"
            );
            crate::sim::events::record(
                world,
                Recorder::STATEFULSET,
                ObjectKind::StatefulSet,
                set_name(set),
                "Warning",
                "ConflictingController",
                message,
            );
        }
        if up_to_date {
            continue;
        }
        if !unexpected {
            // `addControllerRef`: not twice for one UID.
            for r in &want {
                if !kept.iter().any(|k| k.uid == r.uid) {
                    kept.push(r.clone());
                }
            }
        }
        server::write::<PersistentVolumeClaim>(world, &name, server::Author::Other, |claim| {
            claim.metadata.owner_references = (!kept.is_empty()).then_some(kept);
            true
        });
    }
}

/// `PodClaimIsStale` (B-RET-5): with whenScaled=Delete, a claim that still names an older
/// pod of the same name blocks the new pod until the garbage collector removed it.
pub fn claim_is_stale(world: &World, set: &StatefulSet, pod_name: &str, ordinal: i64) -> bool {
    if !policy(set).when_scaled {
        return false;
    }
    claim_names(set, ordinal).iter().any(|name| {
        world.store.claims().get(name).is_some_and(|claim| {
            claim
                .metadata
                .owner_references
                .iter()
                .flatten()
                .any(|r| r.kind == "Pod" && r.name == pod_name)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(policy: serde_json::Value) -> StatefulSet {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web", "uid": "set-uid"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {},
                "persistentVolumeClaimRetentionPolicy": policy
            }
        }))
        .unwrap()
    }

    fn pod() -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web-0", "uid": "pod-uid"}
        }))
        .unwrap()
    }

    fn claim(refs: serde_json::Value) -> PersistentVolumeClaim {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "www-web-0", "ownerReferences": refs}
        }))
        .unwrap()
    }

    fn set_ref(uid: &str, controller: Option<bool>) -> serde_json::Value {
        serde_json::json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": uid,
            "controller": controller, "blockOwnerDeletion": true
        })
    }

    #[test]
    fn a_set_reference_without_the_controller_flag_is_out_of_date() {
        let s = set(serde_json::json!({"whenDeleted": "Delete"}));
        let good = claim(serde_json::json!([set_ref("set-uid", Some(true))]));
        assert!(claim_owner_up_to_date(&good, &s, &pod(), false));
        for flag in [Some(false), None] {
            let lost = claim(serde_json::json!([set_ref("set-uid", flag)]));
            assert!(!claim_owner_up_to_date(&lost, &s, &pod(), false));
        }
        // Under Retain/Retain the reference should not be there at all.
        let retain = set(serde_json::json!({}));
        let lost = claim(serde_json::json!([set_ref("set-uid", Some(false))]));
        assert!(!claim_owner_up_to_date(&lost, &retain, &pod(), false));
    }

    #[test]
    fn a_stale_reference_leaves_the_claim_alone() {
        let s = set(serde_json::json!({"whenDeleted": "Delete"}));
        let stale = claim(serde_json::json!([set_ref("older-set", Some(true))]));
        assert!(claim_owner_up_to_date(&stale, &s, &pod(), false));
    }

    #[test]
    fn another_controller_is_tolerated_unless_the_claim_also_names_us() {
        let s = set(serde_json::json!({"whenDeleted": "Delete"}));
        let db = serde_json::json!({
            "apiVersion": "example.com/v1", "kind": "Database", "name": "db", "uid": "db-uid",
            "controller": true
        });
        let alone = claim(serde_json::json!([db.clone()]));
        assert!(claim_owner_up_to_date(&alone, &s, &pod(), false));
        let both = claim(serde_json::json!([db, set_ref("set-uid", Some(true))]));
        assert!(!claim_owner_up_to_date(&both, &s, &pod(), false));
    }

    #[test]
    fn the_policy_matrix() {
        let pod_ref = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod", "name": "web-0", "uid": "pod-uid",
            "controller": true, "blockOwnerDeletion": true
        });
        let both = set(serde_json::json!({"whenDeleted": "Delete", "whenScaled": "Delete"}));
        let on_set = claim(serde_json::json!([set_ref("set-uid", Some(true))]));
        let on_pod = claim(serde_json::json!([pod_ref]));
        assert!(claim_owner_up_to_date(&on_set, &both, &pod(), false));
        assert!(!claim_owner_up_to_date(&on_set, &both, &pod(), true));
        assert!(claim_owner_up_to_date(&on_pod, &both, &pod(), true));
        assert!(!claim_owner_up_to_date(&on_pod, &both, &pod(), false));
    }
}
