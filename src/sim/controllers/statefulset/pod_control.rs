//! `StatefulPodControl`: the controller's writes (pods, claims) and the events it records
//! for them (B-EVT-1, B-ORD-9, B-PVC-3, B-PVC-5).

use crate::sim::events::Recorder;
use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::identity::{self, claim_name, set_name};
use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, RequestError};
use crate::sim::world::World;

/// A controller write failed; the sync stops and is retried with back-off. The text is
/// the failure's, for the trace, when no event records it.
#[derive(Debug)]
pub struct Failed(pub Option<String>);

pub enum WriteError {
    Failed(Failed),
    Sim(SimError),
}

impl From<SimError> for WriteError {
    fn from(e: SimError) -> Self {
        WriteError::Sim(e)
    }
}

fn event(world: &mut World, set: &StatefulSet, type_: &'static str, reason: &str, message: String) {
    crate::sim::events::record(
        world,
        Recorder::STATEFULSET,
        ObjectKind::StatefulSet,
        set_name(set),
        type_,
        reason,
        message,
    );
}

/// `CreateStatefulPod`: the claims first, then the pod (B-ORD-9). Whatever the pod's
/// create answered (but AlreadyExists), the claims then get their retention owner
/// references as far as possible (`UpdatePodClaimForRetentionPolicy`, B-RET-10), before
/// the pod's event is recorded.
pub fn create_pod(
    world: &mut World,
    set: &StatefulSet,
    pod: Pod,
    ordinal: i64,
) -> Result<(), WriteError> {
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let set_name = set_name(set).to_string();
    if let Err(message) = create_claims(world, set, &pod_name, ordinal)? {
        event(
            world,
            set,
            "Warning",
            "FailedCreate",
            format!("create Pod {pod_name} in StatefulSet {set_name} failed error: {message}"),
        );
        return Err(WriteError::Failed(Failed(None)));
    }
    // Decoding defaults the pod (`SetDefaults_Pod`, e.g. a hostNetwork pod's hostPorts), and
    // the pod strategy's PrepareForCreate merges the label keys, before validation.
    let mut pod = pod;
    crate::sim::api::defaults::default_pod(&mut pod);
    crate::sim::api::label_keys::merge_label_keys(&mut pod);
    let errors = crate::sim::api::validation::validate_pod(&pod);
    let created = if errors.is_empty() {
        server::insert_pod(world, pod)
    } else {
        // The server's text, which kubectl would prefix with "The ".
        let message =
            crate::sim::api::field_error::invalid_object_message("Pod", &pod_name, &errors);
        let message = message.strip_prefix("The ").unwrap_or(&message).to_string();
        Err(RequestError::Api(server::ApiError::new(
            server::Reason::Invalid,
            message,
        )))
    };
    let message = match created {
        Ok(()) => None,
        Err(RequestError::Sim(e)) => return Err(WriteError::Sim(e)),
        // "sink already exists errors": the name is taken (a released pod holds it); the
        // sync fails and is retried, but no event is recorded (B-ADOPT-2).
        Err(RequestError::Api(e)) if e.reason == server::Reason::AlreadyExists => {
            return Err(WriteError::Failed(Failed(Some(e.message))));
        }
        Err(RequestError::Api(e)) => Some(e.message),
    };
    // `UpdatePodClaimForRetentionPolicy(set, pod)` with the pod the controller built: the
    // create's answer is not read back, so the pod has no UID here, refused or not.
    let built = Pod {
        metadata: ObjectMeta {
            name: Some(pod_name.clone()),
            namespace: set.metadata.namespace.clone(),
            ..Default::default()
        },
        ..Default::default()
    };
    super::retention::update_claims(world, set, &built, ordinal, false);
    match message {
        None => {
            event(
                world,
                set,
                "Normal",
                "SuccessfulCreate",
                format!("create Pod {pod_name} in StatefulSet {set_name} successful"),
            );
            Ok(())
        }
        Some(message) => {
            event(
                world,
                set,
                "Warning",
                "FailedCreate",
                format!("create Pod {pod_name} in StatefulSet {set_name} failed error: {message}"),
            );
            Err(WriteError::Failed(Failed(None)))
        }
    }
}

/// `createMissingPersistentVolumeClaims`, for a Pending pod, at every sync that reaches
/// it: the missing claims are created (each with its event); then
/// `UpdatePodClaimForRetentionPolicy` sets their retention owner references as far as
/// possible and records `ConflictingController` for each claim another controller holds,
/// every time (B-RET-8). A failure fails the sync without a pod event.
pub fn create_missing_claims(
    world: &mut World,
    set: &StatefulSet,
    pod: &Pod,
    ordinal: i64,
) -> Result<(), WriteError> {
    // The common case, every claim there and usable, costs lookups only.
    let templates = set
        .spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_deref())
        .unwrap_or_default();
    let all_usable = templates.iter().all(|t| {
        let claim = claim_name(
            t.metadata.name.as_deref().unwrap_or_default(),
            set_name(set),
            ordinal,
        );
        world
            .store
            .claims()
            .get(&claim)
            .is_some_and(|c| c.metadata.deletion_timestamp.is_none())
    });
    if all_usable
        && super::retention::claims_match(world, set, pod, ordinal, false)
        && !super::retention::any_conflict(world, set, pod, ordinal)
    {
        return Ok(());
    }
    let name = pod.metadata.name.clone().unwrap_or_default();
    if let Err(message) = create_claims(world, set, &name, ordinal)? {
        return Err(WriteError::Failed(Failed(Some(message))));
    }
    super::retention::update_claims(world, set, pod, ordinal, false);
    Ok(())
}

/// `createPersistentVolumeClaims`: every claim of the pod is tried. A missing claim is
/// created (its own `SuccessfulCreate` or `FailedCreate` claim event); one being deleted is
/// an error (B-PVC-5); an existing one is used as it is (B-PVC-3). The errors are
/// aggregated as `errorutils.NewAggregate` writes them: the one error's text, or
/// `[a, b]` for several (duplicates once). Upstream walks a Go map, so its order among
/// several errors varies from run to run; scn takes the claim templates' order (B-PVC-9).
/// A budget the simulation runs out of is its error (the outer one), not an event.
fn create_claims(
    world: &mut World,
    set: &StatefulSet,
    pod_name: &str,
    ordinal: i64,
) -> Result<Result<(), String>, SimError> {
    let mut errors: Vec<String> = Vec::new();
    for claim in claims_for(set, ordinal) {
        let name = claim.metadata.name.clone().unwrap_or_default();
        if world.mutant(crate::sim::Mutant::ClaimRecreated) {
            crate::sim::mutants::drop_existing_claim(world, &name);
        }
        if let Some(existing) = world.store.claims().get(&name) {
            if existing.metadata.deletion_timestamp.is_some() {
                errors.push(format!("pvc {name} is being deleted"));
            }
            continue;
        }
        let set_name = set_name(set).to_string();
        match server::create_claim(world, claim) {
            Ok(_) => event(
                world,
                set,
                "Normal",
                "SuccessfulCreate",
                format!("create Claim {name} Pod {pod_name} in StatefulSet {set_name} success"),
            ),
            Err(RequestError::Api(e)) if e.reason == server::Reason::AlreadyExists => {
                // No event for a claim someone else just created.
                errors.push(format!("failed to create PVC {name}: {}", e.message));
            }
            Err(RequestError::Sim(e)) => return Err(e),
            Err(RequestError::Api(e)) => {
                let message = e.message;
                event(
                    world,
                    set,
                    "Warning",
                    "FailedCreate",
                    format!("create Claim {name} for Pod {pod_name} in StatefulSet {set_name} failed error: {message}"),
                );
                // The claim's event has the server's error; the pod's, the aggregate.
                errors.push(format!("failed to create PVC {name}: {message}"));
            }
        }
    }
    Ok(match aggregate(errors) {
        None => Ok(()),
        Some(message) => Err(message),
    })
}

/// `errorutils.NewAggregate(errs).Error()`: nothing for no error, the text of one, and
/// `[a, b, …]` for several distinct texts (a repeated text is written once).
fn aggregate(errors: Vec<String>) -> Option<String> {
    (!errors.is_empty()).then(|| crate::sim::api::field_error::aggregate(&errors))
}

/// `getPersistentVolumeClaims`: a deep copy of each template, with the claim's name, the
/// set's namespace, and the template's labels with the selector's matchLabels over them
/// (B-PVC-2). The rest of the template's metadata comes along: annotations, finalizers,
/// owner references and `generateName` (B-PVC-10); what the API server sets itself on a
/// create (UID, resourceVersion, timestamps) it sets again.
pub fn claims_for(set: &StatefulSet, ordinal: i64) -> Vec<PersistentVolumeClaim> {
    let Some(spec) = set.spec.as_ref() else {
        return Vec::new();
    };
    super::identity::claim_templates(set)
        .into_iter()
        .map(|template| {
            let claim = template.metadata.name.clone().unwrap_or_default();
            let mut labels = template.metadata.labels.clone().unwrap_or_default();
            for (k, v) in spec.selector.match_labels.iter().flatten() {
                labels.insert(k.clone(), v.clone());
            }
            PersistentVolumeClaim {
                metadata: ObjectMeta {
                    name: Some(claim_name(&claim, set_name(set), ordinal)),
                    namespace: set.metadata.namespace.clone(),
                    labels: (!labels.is_empty()).then_some(labels),
                    annotations: template.metadata.annotations.clone(),
                    finalizers: template.metadata.finalizers.clone(),
                    owner_references: template.metadata.owner_references.clone(),
                    generate_name: template.metadata.generate_name.clone(),
                    ..Default::default()
                },
                spec: template.spec.clone(),
                status: None,
            }
        })
        .collect()
}

/// `DeleteStatefulPod`.
pub fn delete_pod(world: &mut World, set: &StatefulSet, pod_name: &str) {
    server::delete_pod(world, pod_name, false);
    let set_name = set_name(set).to_string();
    event(
        world,
        set,
        "Normal",
        "SuccessfulDelete",
        format!("delete Pod {pod_name} in StatefulSet {set_name} successful"),
    );
}

/// `UpdateStatefulPod`: restores the identity labels, the claim volumes (creating missing
/// claims first) and the claims' retention owner references of a live pod (B-ID-4,
/// B-PVC-7). A refused update records `FailedUpdate` and fails the sync, which stops there
/// and is retried with back-off: the pod is neither deleted nor replaced.
pub fn update_pod(
    world: &mut World,
    set: &StatefulSet,
    pod: Pod,
    ordinal: i64,
) -> Result<(), WriteError> {
    update_pod_attempt(world, set, pod, ordinal, false)
}

/// One round of `UpdateStatefulPod`'s `RetryOnConflict`. `updateIdentity` names the copy
/// `getPodName(set, ordinal)`: a pod whose name is not that (an adopted `web-01` has
/// ordinal 1) is written under the new name, so the update is a NotFound (`pods "web-1"
/// not found`) on every sync, or, when a pod of that name exists, a conflict, after which
/// the round is run again on that pod (`attempted`: an update was tried, so an event is
/// recorded whatever the outcome) (B-ID-12).
fn update_pod_attempt(
    world: &mut World,
    set: &StatefulSet,
    pod: Pod,
    ordinal: i64,
    attempted: bool,
) -> Result<(), WriteError> {
    let set_name = set_name(set).to_string();
    let failed = |world: &mut World, name: &str, message: String| {
        event(
            world,
            set,
            "Warning",
            "FailedUpdate",
            format!("update Pod {name} in StatefulSet {set_name} failed error: {message}"),
        );
        Err(WriteError::Failed(Failed(None)))
    };
    let mut fixed = pod;
    let mut consistent = true;
    if !identity::identity_matches(set, &fixed) {
        identity::update_identity(set, &mut fixed, ordinal);
        consistent = false;
    }
    let name = fixed.metadata.name.clone().unwrap_or_default();
    if !identity::storage_matches(set, &fixed, ordinal) {
        identity::update_storage(set, &mut fixed, ordinal);
        consistent = false;
        if let Err(message) = create_claims(world, set, &name, ordinal)? {
            return failed(world, &name, message);
        }
    }
    if !super::retention::claims_match(world, set, &fixed, ordinal, false) {
        super::retention::update_claims(world, set, &fixed, ordinal, false);
        consistent = false;
    }
    if consistent {
        if attempted {
            succeeded(world, set, &name);
        }
        return Ok(());
    }
    let Some(stored) = world.store.pods().get(&name) else {
        return failed(world, &name, format!("pods \"{name}\" not found"));
    };
    if stored.metadata.uid != fixed.metadata.uid {
        // Another pod holds the name: its resourceVersion is not the copy's (a 409); the
        // retry reads that pod and tries again, once.
        if attempted {
            let message = format!(
                "Operation cannot be fulfilled on pods \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
            );
            return failed(world, &name, message);
        }
        let stored = stored.clone();
        return update_pod_attempt(world, set, stored, ordinal, true);
    }
    let labels_only = stored.spec == fixed.spec;
    if !labels_only {
        // The API server refuses the new volumes (`ValidatePodUpdate`); client-go's error
        // reads `Pod "web-0" is invalid: …`.
        let errors = crate::sim::api::validation::validate_pod_update(&fixed, stored);
        let message = crate::sim::api::field_error::invalid_object_message("Pod", &name, &errors);
        return failed(world, &name, message.trim_start_matches("The ").to_string());
    }
    // Only the claims' owner references were wrong: the pod update changes nothing and
    // succeeds, and upstream still records it.
    let labels = fixed
        .metadata
        .labels
        .clone()
        .or_else(|| Some(BTreeMap::new()));
    server::write::<Pod>(world, &name, server::Author::Other, |stored| {
        if stored.metadata.labels == labels {
            return false;
        }
        stored.metadata.labels = labels;
        true
    });
    succeeded(world, set, &name);
    Ok(())
}

fn succeeded(world: &mut World, set: &StatefulSet, name: &str) {
    let set_name = set_name(set).to_string();
    event(
        world,
        set,
        "Normal",
        "SuccessfulUpdate",
        format!("update Pod {name} in StatefulSet {set_name} successful"),
    );
}
