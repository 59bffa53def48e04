//! `persistentVolumeClaimRetentionPolicy` (B-RET-1..9): the owner references the
//! controller keeps on a pod's claims, which the garbage collector then acts on.
//!
//! | whenDeleted / whenScaled | claim of an in-range pod | claim of a condemned pod |
//! |---|---|---|
//! | Retain / Retain | none | none |
//! | Delete / Retain | the set | the set |
//! | Retain / Delete | none | the pod |
//! | Delete / Delete | the set | the pod only |

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

/// The UID of the one owner reference `wanted` gives, if any (what `claims_match` compares).
fn wanted_uid<'a>(set: &'a StatefulSet, pod: &'a Pod, condemned: bool) -> Option<&'a str> {
    let p = policy(set);
    if condemned && p.when_scaled {
        Some(pod.metadata.uid.as_deref().unwrap_or_default())
    } else if p.when_deleted {
        Some(set.metadata.uid.as_deref().unwrap_or_default())
    } else {
        None
    }
}

/// Owner references the controller manages: to this set, or to a pod of this name.
fn managed(set: &StatefulSet, pod: &Pod, r: &OwnerReference) -> bool {
    let set_uid = set.metadata.uid.as_deref().unwrap_or_default();
    r.uid == set_uid || (r.kind == "Pod" && Some(r.name.as_str()) == pod.metadata.name.as_deref())
}

/// `ClaimsMatchRetentionPolicy`.
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
    // What `wanted` gives is one reference or none: the managed references must be that
    // one (by UID) or none.
    let want = wanted_uid(set, pod, condemned);
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
        let Some(claim) = world.store.claims().get(&name) else {
            return true;
        };
        if foreign_controller(set, pod, claim.metadata.owner_references.as_deref()) {
            return true; // left alone (B-RET-8)
        }
        let mut have = claim
            .metadata
            .owner_references
            .iter()
            .flatten()
            .filter(|r| managed(set, pod, r));
        match want {
            None => have.next().is_none(),
            Some(uid) => {
                let (count, found) =
                    have.fold((0usize, false), |(n, f), r| (n + 1, f || r.uid == uid));
                count == 1 && found
            }
        }
    })
}

fn foreign_controller(set: &StatefulSet, pod: &Pod, refs: Option<&[OwnerReference]>) -> bool {
    refs.into_iter()
        .flatten()
        .any(|r| r.controller == Some(true) && !managed(set, pod, r))
}

/// `UpdatePodClaimForRetentionPolicy`: converge the claims' owner references (B-RET-9).
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
    // `hasUnexpectedController`: under Retain/Retain another controller is no problem;
    // under any other policy it is reported, even for a pod whose claims want no reference.
    let retain_all = {
        let p = policy(set);
        !p.when_deleted && !p.when_scaled
    };
    for name in claim_names(set, ordinal) {
        let Some(claim) = world.store.claims().get(&name) else {
            continue;
        };
        if foreign_controller(set, pod, claim.metadata.owner_references.as_deref()) {
            if retain_all {
                continue;
            }
            let message = format!(
                "PersistentVolumeClaim {name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim"
            );
            let now = world.now;
            world.events.record(
                now,
                ObjectKind::StatefulSet,
                set_name(set),
                "Warning",
                "ConflictingController",
                message,
            );
            continue;
        }
        let mut refs: Vec<OwnerReference> = claim
            .metadata
            .owner_references
            .iter()
            .flatten()
            .filter(|r| !managed(set, pod, r))
            .cloned()
            .collect();
        refs.extend(want.iter().cloned());
        server::write::<PersistentVolumeClaim>(world, &name, server::Author::Other, |claim| {
            claim.metadata.owner_references = (!refs.is_empty()).then_some(refs);
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
