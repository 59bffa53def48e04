//! The API server: create, update, patch and delete with defaulting, validation and
//! admission, as kube-apiserver does for the kinds scn simulates. Every change is
//! announced as a watch event, which is how controllers learn about it.
//!
//! Per-kind rules live beside it, as upstream's `pkg/registry/*/strategy.go`: `pod.rs`
//! (the pod strategy and its verbs), `claim.rs` (claim admission), `service.rs` (the Service
//! storage's allocation and the strategy's update rules).
//!
//! Architecture invariant: components change objects only through this module's
//! functions (or by mutating the store and calling `touch_*`), so every change is seen
//! by the watchers.

mod claim;
mod daemonset;
mod deployment;
pub mod names;
mod persistentvolume;
mod pod;
pub mod resourcequota;
mod service;
pub mod store;
mod write;

use std::fmt;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v1::Scale;
use k8s_openapi::api::core::v1::{
    Node, PersistentVolume, PersistentVolumeClaim, Pod, PodStatus, Service,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::api::{defaults, endpoints, field_error, kinds as api_kinds, patch, strict, validation};
use super::api::{horizontalpodautoscaler as hpa, resourcequota as quota};
use super::clock::{from_time, to_time, Millis};
use super::error::SimError;
use super::kinds::ObjectKind;
use super::podutil;
use super::world::{Change, PodLifecycle, World};
use store::{GenericObject, Stored};

use claim::{admit_claim, prepare_data_sources, update_claim};
pub use daemonset::TEMPLATE_GENERATION;
use pod::update_pod;
pub use pod::{bind, delete_pod, insert_pod, remove_pod, set_disruption_target, shorten_grace};
pub use write::{add, add_other, remove_object, write, write_other, Author};

/// Why the API server refused a request (its `metav1.Status`); `Display` gives the text
/// kubectl prints for it alone.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub reason: Reason,
    /// The status message: `StatefulSet.apps "web" is invalid: spec.replicas: …` for an
    /// invalid object, `pods "nope" not found`, …
    pub message: String,
    /// What kubectl builds its text from for an `Invalid` refusal (`metav1.StatusDetails`).
    pub details: Option<Box<StatusDetails>>,
    /// What went wrong, where the API server's answer does not say (the generic 422 of a
    /// JSON patch that does not apply): for a report's hint, never in kubectl's text.
    pub detail: Option<String>,
}

/// The kind, name and causes of an `Invalid` refusal, as `apierrors.NewInvalid` fills
/// them: the Kind without its group, and one `field: message` text per field error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusDetails {
    pub kind: String,
    pub name: String,
    pub causes: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Invalid,
    NotFound,
    AlreadyExists,
    BadRequest,
    Forbidden,
    /// The client could not map the kind (`no matches for kind`): kubectl's own error.
    NoMatch,
    /// 429: the Eviction API refused because of a PodDisruptionBudget.
    TooManyRequests,
    /// A failure Status with no reason (the Eviction API's 500 for a pod two budgets
    /// cover): kubectl prints `Error from server: …`.
    Unknown,
    /// 409: a write whose `metadata.resourceVersion` is not the stored one.
    Conflict,
}

impl ApiError {
    pub fn new(reason: Reason, message: impl Into<String>) -> ApiError {
        ApiError {
            reason,
            message: message.into(),
            details: None,
            detail: None,
        }
    }

    /// `NewGenericServerResponse(422)`: `The request is invalid: the server rejected our
    /// request due to an error in our request`, whatever went wrong (`detail`).
    pub fn unprocessable(detail: String) -> ApiError {
        ApiError {
            detail: Some(detail),
            ..ApiError::new(
                Reason::Invalid,
                "the server rejected our request due to an error in our request",
            )
        }
    }

    /// The strategic merge patch handler's conversion of the patched map to the kind's type
    /// (`applyPatchToObject`: `FromUnstructuredWithValidation` fails on a field of the
    /// wrong type): `NewInvalid(schema.GroupKind{}, "", field.Invalid(field.NewPath("patch"),
    /// fmt.Sprintf("%+v", patchMap), err))`, which kubectl prints as `The request is invalid:
    /// patch: Invalid value: "map[spec:map[replicas:abc]]": unrecognized type: int32`.
    pub fn unconvertible_patch(patch: &Value, why: &str) -> ApiError {
        let cause = format!(
            "patch: Invalid value: {}: {why}",
            field_error::quote(&super::api::go_json::go_fmt_v(patch))
        );
        ApiError {
            reason: Reason::Invalid,
            message: format!(" \"\" is invalid: {cause}"),
            details: Some(Box::new(StatusDetails {
                kind: String::new(),
                name: String::new(),
                causes: vec![cause],
            })),
            detail: None,
        }
    }

    /// The patcher's decoding of a patched object that is not an object
    /// (`NewInvalid(schema.GroupKind{}, "", field.Invalid(field.NewPath("patch"), …))`):
    /// `The request is invalid: patch: Invalid value: "[]": couldn't get version/kind; …`.
    pub fn undecodable_patch_result(patched: &Value) -> ApiError {
        let text = serde_json::to_string(patched).unwrap_or_default();
        let cause = format!(
            "patch: Invalid value: {}: couldn't get version/kind; json parse error: json: cannot unmarshal {} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}",
            field_error::quote(&text),
            patch::json_type_name(patched),
        );
        ApiError {
            reason: Reason::Invalid,
            message: cause.clone(),
            details: Some(Box::new(StatusDetails {
                kind: String::new(),
                name: String::new(),
                causes: vec![cause],
            })),
            detail: None,
        }
    }

    pub fn not_found(kind: &ObjectKind, name: &str) -> ApiError {
        ApiError::new(
            Reason::NotFound,
            format!("{} \"{name}\" not found", kind.resource()),
        )
    }

    /// `apierrors.NewConflict` as the storage's `GuaranteedUpdate` returns it for a write
    /// that names a resourceVersion other than the stored one
    /// (`storage.NewResourceVersionConflictsError`, `OptimisticLockErrorMsg`).
    pub fn conflict(kind: &ObjectKind, name: &str) -> ApiError {
        ApiError::new(
            Reason::Conflict,
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                kind.resource()
            ),
        )
    }

    /// `apierrors.NewInvalid`: the message names the kind with its group
    /// (`StatefulSet.apps "web" is invalid: …`) and joins the field errors as an aggregate
    /// does (one alone, several as `[a, b]`, repeats dropped); the details keep each one.
    pub fn invalid(kind: &ObjectKind, name: &str, errors: &[field_error::FieldError]) -> ApiError {
        let qualified = match kind.info().map(|info| info.group()) {
            Some(group) if !group.is_empty() => format!("{}.{group}", kind.name()),
            _ => kind.name().to_string(),
        };
        let causes: Vec<String> = errors.iter().map(ToString::to_string).collect();
        ApiError {
            reason: Reason::Invalid,
            message: format!(
                "{qualified} {} is invalid: {}",
                field_error::quote(name),
                field_error::aggregate(&causes)
            ),
            details: Some(Box::new(StatusDetails {
                kind: kind.name().to_string(),
                name: name.to_string(),
                causes,
            })),
            detail: None,
        }
    }

    /// kubectl's `messageForError`, the text of one error among several that a command
    /// prints (`cmdutil.MultipleErrors`): a server's refusal as `Error from server
    /// (Reason): <message>`, whatever its reason, and kubectl's own errors bare.
    pub fn message_for_error(&self) -> String {
        match self.reason {
            Reason::NoMatch => self.message.clone(),
            Reason::Unknown => format!("Error from server: {}", self.message),
            reason => format!("Error from server ({reason:?}): {}", self.message),
        }
    }
}

/// kubectl's `cmdutil.CheckErr` for one error. An invalid object is printed from the
/// details, not the message: `The StatefulSet "web" is invalid: <cause>`, or with several
/// causes that line ending at the colon and one `* <cause>` line per cause
/// (`MultilineError`; kubectl leaves a blank after the colon, which scn drops). Other
/// refusals are `Error from server (Reason): <message>`; kubectl's own errors
/// `error: <message>`.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.reason, &self.details) {
            (Reason::Invalid, Some(details)) => {
                // `checkErr`: without a kind or a name, "The request is invalid".
                if details.kind.is_empty() && details.name.is_empty() {
                    f.write_str("The request is invalid")?;
                } else {
                    write!(
                        f,
                        "The {} {} is invalid",
                        details.kind,
                        field_error::quote(&details.name)
                    )?;
                }
                let mut causes: Vec<&String> = Vec::new();
                for cause in &details.causes {
                    if !causes.contains(&cause) {
                        causes.push(cause);
                    }
                }
                match causes.as_slice() {
                    [] => Ok(()),
                    [one] => write!(f, ": {one}"),
                    many => {
                        f.write_str(":")?;
                        for cause in many {
                            write!(f, "\n* {cause}")?;
                        }
                        Ok(())
                    }
                }
            }
            // An `Invalid` Status without details (the generic 422).
            (Reason::Invalid, None) => write!(f, "The request is invalid: {}", self.message),
            (Reason::NoMatch, _) => write!(f, "error: {}", self.message),
            (Reason::Unknown, _) => write!(f, "Error from server: {}", self.message),
            (reason, _) => write!(f, "Error from server ({reason:?}): {}", self.message),
        }
    }
}

impl std::error::Error for ApiError {}

/// A refusal, or a limit that stopped the simulation while the request was served.
#[derive(Clone, Debug, PartialEq)]
pub enum RequestError {
    Api(ApiError),
    Sim(SimError),
}

impl From<ApiError> for RequestError {
    fn from(e: ApiError) -> Self {
        RequestError::Api(e)
    }
}

impl From<SimError> for RequestError {
    fn from(e: SimError) -> Self {
        RequestError::Sim(e)
    }
}

/// What the API server answers to a request it served: the verb's result (`value`: the
/// name a create gave, whether an update changed anything) and the request's warnings,
/// which kube-apiserver sends as `Warning` headers of the response and kubectl prints
/// (`Warning: …`). The warnings belong to the request that got them: nothing else in the
/// cluster sees them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response<T> {
    pub value: T,
    pub warnings: Vec<String>,
}

impl<T> Response<T> {
    /// A response without warnings.
    pub fn new(value: T) -> Response<T> {
        Response {
            value,
            warnings: Vec::new(),
        }
    }
}

/// How a delete treats the object's dependents (`kubectl delete --cascade`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Propagation {
    Background,
    Foreground,
    Orphan,
    /// No policy in the DeleteOptions (a controller's `metav1.DeleteOptions{}`): the
    /// object's own `orphan` or `foregroundDeletion` finalizer decides, else background.
    Unset,
}

/// An object written in an older version the API server serves (`autoscaling/v1`), decoded
/// as that version's type (strictly, in its words), then converted to the stored version;
/// any other object as it is.
fn convert_older_version(value: &Value) -> Result<std::borrow::Cow<'_, Value>, ApiError> {
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(older) = crate::sim::kinds::older_version(api_version, kind) else {
        return Ok(std::borrow::Cow::Borrowed(value));
    };
    let version = version_of(value);
    if let Some(why) = older.api.decode_error(value, kind) {
        return Err(ApiError::new(
            Reason::BadRequest,
            format!("{kind} in version \"{version}\" cannot be handled as a {kind}: {why}"),
        ));
    }
    let mut unknown: Vec<String> = older
        .api
        .unknown_fields(value)
        .iter()
        .map(|segments| super::api::fields::render(segments))
        .collect();
    unknown.sort();
    if !unknown.is_empty() {
        let list: Vec<String> = unknown
            .iter()
            .map(|e| format!("unknown field \"{e}\""))
            .collect();
        return Err(ApiError::new(
            Reason::BadRequest,
            format!(
                "{kind} in version \"{version}\" cannot be handled as a {kind}: strict decoding error: {}",
                list.join(", ")
            ),
        ));
    }
    Ok(std::borrow::Cow::Owned((older.to_stored)(value)))
}

/// Identifies a stored object by kind and name; takes the API's `kind` string.
pub fn resolve_kind(api_version: &str, kind: &str) -> Result<ObjectKind, String> {
    api_kinds::lookup(api_version, kind).map(|_| ObjectKind::from_kind(kind))
}

fn meta_of(value: &Value) -> ObjectMeta {
    value
        .get("metadata")
        .and_then(|m| <ObjectMeta as serde::Deserialize>::deserialize(m).ok())
        .unwrap_or_default()
}

/// The new and the old status of a status update, each decoded with its whole object (a
/// field of the wrong type anywhere is a Bad Request), an absent status as the empty one.
fn statuses<T: serde::de::DeserializeOwned, S: Default>(
    kind: &ObjectKind,
    new: &Value,
    old: &Value,
    status: impl Fn(T) -> Option<S>,
) -> Result<(S, S), ApiError> {
    let new = status(decode(kind, new)?).unwrap_or_default();
    let old = status(decode(kind, old)?).unwrap_or_default();
    Ok((new, old))
}

fn decode<T: serde::de::DeserializeOwned>(kind: &ObjectKind, value: &Value) -> Result<T, ApiError> {
    T::deserialize(value).map_err(|e| {
        // A field of the wrong type is told in Go's words; any other error in serde's.
        let why = super::api::go_json::type_error::<T>(value, kind.name())
            .unwrap_or_else(|| e.to_string());
        ApiError::new(
            Reason::BadRequest,
            format!(
                "{kind} in version \"{}\" cannot be handled as a {kind}: {why}",
                version_of(value)
            ),
        )
    })
}

fn version_of(value: &Value) -> &str {
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("v1");
    api_version.rsplit('/').next().unwrap_or(api_version)
}

fn invalid(kind: &ObjectKind, name: &str, errors: &[field_error::FieldError]) -> ApiError {
    ApiError::invalid(kind, name, errors)
}

/// Fills the metadata the API server owns on create.
fn init_meta(world: &mut World, kind: &ObjectKind, meta: &mut ObjectMeta) {
    meta.uid = Some(world.store.new_uid());
    meta.resource_version = Some(world.store.new_resource_version());
    meta.creation_timestamp = Some(to_time(world.now));
    // `rest.BeforeCreate`: a new object is not being deleted.
    meta.deletion_timestamp = None;
    meta.deletion_grace_period_seconds = None;
    if kind.namespaced() {
        meta.namespace = Some(world.config.namespace.clone());
    } else {
        meta.namespace = None;
    }
}

/// A namespaced object's namespace, when it names one, is the cluster's (the only one).
/// Another is the API server's NotFound; one created as a Namespace object is refused in
/// scn's words, since the API server would take the object.
fn check_namespace(world: &World, kind: &ObjectKind, ns: Option<&str>) -> Result<(), ApiError> {
    match ns {
        Some(ns) if kind.namespaced() && ns != world.config.namespace => {
            let created = world
                .store
                .meta(&ObjectKind::from_kind("Namespace"), ns)
                .is_some();
            Err(if created {
                ApiError::new(
                    Reason::NoMatch,
                    format!(
                        "scn simulates one namespace, {}: namespace \"{ns}\" exists, but objects in it are not simulated",
                        world.config.namespace
                    ),
                )
            } else {
                ApiError::new(Reason::NotFound, format!("namespaces \"{ns}\" not found"))
            })
        }
        _ => Ok(()),
    }
}

/// The `fieldValidation` directive of a write (metav1.FieldValidation*): what the API server
/// does with fields the kind does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValidation {
    /// Refuse the request with the strict decoding error. `kubectl apply` and `create` send
    /// it (their `--validate` defaults to `strict`).
    Strict,
    /// Drop the fields and warn about each, `unknown field "spec.replica"`: the server's
    /// default for a request without the directive (`fieldValidation` in the handlers'
    /// rest.go), which is what `kubectl patch`, `scale` and `set image` send (`kubectl
    /// patch` has no `--validate` flag).
    Warn,
}

/// Checks that apply to every request: the namespace, the owner references, strict
/// decoding (for every kind: each has its typed decoder, as the API server's codec).
pub fn check_request(world: &World, kind: &ObjectKind, value: &Value) -> Result<(), ApiError> {
    check_namespace(
        world,
        kind,
        value.pointer("/metadata/namespace").and_then(Value::as_str),
    )?;
    // `ValidateObjectMeta`, the part every kind shares: owner references, then the
    // finalizer names (`validateKubeFinalizerName`, on create and update alike).
    let meta = meta_of(value);
    let mut errors =
        validation::validate_owner_references(meta.owner_references.as_deref().unwrap_or(&[]));
    errors.extend(validation::validate_finalizer_names(
        meta.finalizers.as_deref().unwrap_or(&[]),
    ));
    if !errors.is_empty() {
        return Err(invalid(kind, meta.name.as_deref().unwrap_or(""), &errors));
    }
    // The typed kinds are decoded by their verbs; a kind stored as written is decoded here
    // (its object is kept as JSON, but the API server's codec reads it as its type). So is
    // a typed kind whose metadata does not decode (`labels: {app: true}`): the codec
    // refuses it before anything reads its name, which would otherwise read as missing.
    let meta_decodes = value
        .get("metadata")
        .is_none_or(|m| <ObjectMeta as serde::Deserialize>::deserialize(m).is_ok());
    // A quantity `ParseQuantity` refuses ends the decoding with its error, before the
    // decoder's type errors and unknown fields are told (`Quantity.UnmarshalJSON`).
    if let Some(why) = kind.info().and_then(|info| info.api.quantity_error(value)) {
        return Err(ApiError::new(
            Reason::BadRequest,
            format!(
                "{kind} in version \"{}\" cannot be handled as a {kind}: {why}",
                version_of(value)
            ),
        ));
    }
    let decoded_here = matches!(kind, ObjectKind::Other(_)) || !meta_decodes;
    if let (true, Some(info)) = (decoded_here, kind.info()) {
        if let Some(why) = info.api.decode_error(value, kind.name()) {
            return Err(ApiError::new(
                Reason::BadRequest,
                format!(
                    "{kind} in version \"{}\" cannot be handled as a {kind}: {why}",
                    version_of(value)
                ),
            ));
        }
    }
    let unknown = strict::unknown_fields(kind.name(), value);
    if !unknown.is_empty() {
        return Err(ApiError::new(
            Reason::BadRequest,
            strict::strict_decoding_message(kind.name(), &unknown),
        ));
    }
    Ok(())
}

/// What the API server's decoder reads from a request's body: a null where the kind has a
/// string, number or boolean (a map's value, a list's item, a field that is not optional)
/// is that type's zero value, since Go's `encoding/json` leaves such a value as it was
/// (`literalStore`); so `data: {a: null}` is stored as `a: ""`, not refused. And what Go
/// decodes to what no field decodes to is no field: an empty list or map of an optional
/// slice or map field (`tolerations: []`, `labels: {}`; B-KCTL-7), and the zero (`false`,
/// `0`, `""`) of a value-typed `omitempty` scalar field (`hostNetwork: false`,
/// `minReadySeconds: 0`, `readOnly: false`; B-KCTL-12, [`crate::sim::api::go_values`]).
/// Go's `omitempty` writes none and the storage keeps none, so it reads back absent and
/// compares equal to none (`apiequality.Semantic.DeepEqual`): no change, no new
/// generation, no new revision. An empty structure (`emptyDir: {}`) and a pointer's zero
/// (`replicas: 0`, `automountServiceAccountToken: false`) stay.
fn go_nulls<'a>(kind: &ObjectKind, value: &'a Value) -> std::borrow::Cow<'a, Value> {
    use crate::sim::api::fields;
    use std::borrow::Cow;
    let Some(info) = kind.info() else {
        return Cow::Borrowed(value);
    };
    let mut out = Cow::Borrowed(value);
    if fields::has_null(value) {
        let nulls = info.api.nulls(value);
        if !nulls.is_empty() {
            let owned = out.to_mut();
            for (path, zero) in nulls {
                fields::set(owned, &path, zero);
            }
        }
    }
    let omitted = omitted(kind, &out);
    if !omitted.is_empty() {
        let owned = out.to_mut();
        for path in omitted {
            fields::remove(owned, &path);
        }
    }
    out
}

/// Where the request's decoded object still shows an empty list or map to validation, which
/// the stored object does not hold: a field whose validation prints the empty value apart
/// from none (`field.NotSupported` shows `core.ResourceList{}`, not `(nil)`), and which is
/// invalid when empty, so that nothing empty is stored.
const VALIDATED_EMPTY: &[(&str, &str)] = &[("PersistentVolume", "spec.capacity")];

/// What of `value` the stored object will not hold: the empty lists and maps of its
/// optional slices and maps (B-KCTL-7) and the zeros of its value-typed `omitempty` scalars
/// (B-KCTL-12), found in one pass of the decoding probe.
fn omitted(kind: &ObjectKind, value: &Value) -> Vec<Vec<crate::sim::api::fields::Segment>> {
    use crate::sim::api::fields;
    let Some(info) = kind.info() else {
        return Vec::new();
    };
    if !fields::has_omittable(value) {
        return Vec::new();
    }
    let mut omitted = info.api.omitted(value);
    omitted.retain(|path| {
        let rendered = fields::render(path);
        !VALIDATED_EMPTY
            .iter()
            .any(|(k, p)| *k == kind.name() && *p == rendered)
    });
    omitted
}

/// Whether `value`, sent as `kind`, holds an empty list or map, or the zero of a
/// value-typed `omitempty` scalar, that the stored object will not hold (B-KCTL-7,
/// B-KCTL-12): a client that compares what it sends with the live object sees a change
/// the server then does not make.
pub fn stores_less(kind: &ObjectKind, value: &Value) -> bool {
    !omitted(kind, value).is_empty()
}

/// POST: creates an object. Returns the name, and the request's warnings.
pub fn create(
    world: &mut World,
    kind: &ObjectKind,
    value: &Value,
) -> Result<Response<String>, RequestError> {
    let converted = convert_older_version(value)?;
    let decoded = go_nulls(kind, &converted);
    let value: &Value = &decoded;
    check_request(world, kind, value)?;
    let generated = generate_name(world, kind, value);
    let value = generated.as_ref().unwrap_or(value);
    let name = admit_new_name(world, kind, meta_of(value).name.unwrap_or_default())?;
    let mut warnings = Vec::new();
    match kind {
        ObjectKind::StatefulSet => {
            let mut set: StatefulSet = decode(kind, value)?;
            defaults::default_statefulset(&mut set, &world.config.gates);
            defaults::drop_disabled_fields(&mut set, None, &world.config.gates);
            let mut errors = validation::validate_object_meta_name("StatefulSet", &name);
            // From the JSON, so that a missing selector is told apart from `{}` (B-VAL-2).
            let mut defaulted = value.clone();
            if let Ok(mut v) = serde_json::to_value(&set) {
                if value.pointer("/spec/selector").is_none_or(Value::is_null) {
                    if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) {
                        spec.remove("selector");
                    }
                }
                defaulted = v;
            }
            errors.extend(
                validation::validate_statefulset_json(&defaulted, &world.config.gates)
                    .map_err(|e| ApiError::new(Reason::BadRequest, e))?,
            );
            if !errors.is_empty() {
                return Err(invalid(kind, &name, &errors).into());
            }
            warnings = statefulset_warnings(&set, None);
            resourcequota::admit_object(world, kind, &name)?;
            init_meta(world, kind, &mut set.metadata);
            set.metadata.generation = Some(1);
            set.status = None;
            world.store.statefulsets.insert(name.clone(), set);
        }
        ObjectKind::Pod => {
            let mut pod: Pod = decode(kind, value)?;
            defaults::default_pod(&mut pod);
            defaults::drop_disabled_pod_fields(pod.spec.as_mut(), None);
            // Mutating admission runs before validation, in kube-apiserver's plugin order,
            // and before the name is generated: its refusals name the object by its
            // `generateName` (admission's `extractResourceName`).
            let admitted_as = match &generated {
                Some(_) => meta_of(value).generate_name.unwrap_or_default(),
                None => name.clone(),
            };
            pod::admit_limit_ranger(world, &mut pod);
            pod::admit_service_account(world, &admitted_as, &mut pod)?;
            pod::admit_priority(world, &admitted_as, &mut pod)?;
            pod::admit_runtime_class(world, &admitted_as, &mut pod)?;
            pod::admit_pod_topology_labels(world, &mut pod);
            // The strategy's PrepareForCreate, then validation.
            super::api::label_keys::merge_label_keys(&mut pod);
            let errors = validation::validate_pod_create(&pod);
            if !errors.is_empty() {
                return Err(invalid(kind, &name, &errors).into());
            }
            let warnings = super::api::warnings::warnings_for_pod(&pod, true);
            insert_pod(world, pod)?;
            return Ok(Response {
                value: name,
                warnings,
            });
        }
        ObjectKind::Service => {
            let mut svc: Service = decode(kind, value)?;
            defaults::default_service(&mut svc);
            // Quota admission here, not after validation as upstream's: a refusal after
            // the allocation would have to undo it (B-QUOTA-12).
            resourcequota::admit_service(world, &name, &svc)?;
            // The storage allocates before the strategy validates (`beginCreate`).
            service::begin_create(world, &name, &mut svc)?;
            let errors = validation::validate_service(&svc);
            if !errors.is_empty() {
                return Err(invalid(kind, &name, &errors).into());
            }
            // The strategy's PrepareForCreate: `service.Status = api.ServiceStatus{}`.
            svc.status = None;
            service::stored_form(&mut svc);
            warnings = super::api::warnings::warnings_for_service(&svc);
            init_meta(world, kind, &mut svc.metadata);
            world.store.services.insert(name.clone(), svc);
        }
        ObjectKind::PersistentVolumeClaim => {
            let mut claim: PersistentVolumeClaim = decode(kind, value)?;
            prepare_data_sources(&mut claim, None);
            defaults::default_pvc(&mut claim);
            let errors = validation::validate_pvc(&claim);
            if !errors.is_empty() {
                return Err(invalid(kind, &name, &errors).into());
            }
            warnings = super::api::warnings::warnings_for_claim(&claim);
            admit_claim(world, &mut claim);
            pod::validate_limit_ranger_claim(world, &name, &claim)?;
            resourcequota::admit_claim(world, &name, &claim)?;
            init_meta(world, kind, &mut claim.metadata);
            world.store.claims.insert(name.clone(), claim);
        }
        ObjectKind::PersistentVolume => {
            persistentvolume::create_pv(world, value)?;
            warnings = volume_warnings(kind, value);
        }
        ObjectKind::StorageClass => persistentvolume::create_storage_class(world, value)?,
        ObjectKind::Node => {
            check_node(kind, &name, value)?;
            store_typed::<k8s_openapi::api::core::v1::Node>(world, value)?
        }
        ObjectKind::ControllerRevision => {
            let revision: k8s_openapi::api::apps::v1::ControllerRevision = decode(kind, value)?;
            let errors = validation::validate_controller_revision(&revision);
            if !errors.is_empty() {
                return Err(invalid(kind, &name, &errors).into());
            }
            store_typed::<k8s_openapi::api::apps::v1::ControllerRevision>(world, value)?
        }
        ObjectKind::DaemonSet => warnings = daemonset::create(world, &name, value)?,
        ObjectKind::EndpointSlice => {
            let mut slice: EndpointSlice = decode(kind, value)?;
            defaults::default_endpoint_slice(&mut slice);
            let errors = validation::validate_endpoint_slice(&slice);
            if !errors.is_empty() {
                return Err(invalid(kind, &name, &errors).into());
            }
            warnings = super::api::warnings::warnings_for_endpoint_slice(&slice, true);
            init_meta(world, kind, &mut slice.metadata);
            // The strategy's `PrepareForCreate`.
            slice.metadata.generation = Some(1);
            world.store.endpoint_slices.insert(name.clone(), slice);
        }
        ObjectKind::Other(other) => {
            warnings.extend(kind_warnings(kind));
            let mut body = value.clone();
            if other == "Secret" {
                // The API's conversion merges stringData before validation.
                defaults::merge_secret_string_data(&mut body);
            }
            if other == super::api::priorityclass::KIND {
                super::api::priorityclass::default(&mut body);
            }
            if other == hpa::KIND {
                hpa::default(&mut body);
            }
            if other == super::api::limitranger::KIND {
                super::api::limitranger::default(&mut body);
            }
            if other == quota::KIND {
                quota::default(&mut body);
            }
            // The ResourceQuota and HorizontalPodAutoscaler strategies' PrepareForCreate:
            // the status is the controllers'.
            if (other == quota::KIND || other == hpa::KIND) && body.get("status").is_some() {
                if let Some(map) = body.as_object_mut() {
                    map.remove("status");
                }
            }
            // The PodDisruptionBudget strategy's PrepareForCreate: the zero status, whose
            // counts policy/v1 always returns.
            if other == super::api::poddisruptionbudget::KIND {
                body["status"] = super::api::poddisruptionbudget::stored_status(&Value::Null);
            }
            if deployment::handles(other) {
                deployment::default_body(other, &mut body)?;
                deployment::prepare_for_create(&mut body);
            }
            if other == endpoints::KIND {
                endpoints::default_body(&mut body);
            }
            let errors = validate_other(other, &body, None);
            if !errors.is_empty() {
                return Err(invalid(kind, &name, &errors).into());
            }
            admit_priority_class(world, other, &name, &body)?;
            resourcequota::admit_object(world, kind, &name)?;
            warnings.extend(other_warnings(other, &body, None));
            let mut metadata = meta_of(value);
            init_meta(world, kind, &mut metadata);
            metadata.generation = has_generation(other).then_some(1);
            body["metadata"] = serde_json::to_value(&metadata).unwrap_or(Value::Null);
            world.store.others.insert(
                (other.clone(), name.clone()),
                GenericObject { metadata, body },
            );
        }
    }
    write::announce_stored(world, kind, &name, Change::Added);
    Ok(Response {
        value: name,
        warnings,
    })
}

/// The StatefulSet strategy's `WarningsOnCreate` / `WarningsOnUpdate` (`old` on an
/// update): the pod template's warnings (on an update only when the spec changed, that is
/// when the generation moves), each claim template's (the update's path has upstream's
/// `.Spec`, sic), and a negative `revisionHistoryLimit` (B-VAL-16).
fn statefulset_warnings(set: &StatefulSet, old: Option<&StatefulSet>) -> Vec<String> {
    use super::api::warnings::{warnings_for_claim_spec, warnings_for_pod_template};
    let mut out = Vec::new();
    let Some(spec) = &set.spec else {
        return out;
    };
    if old.is_none_or(|old| old.spec != set.spec) {
        out.extend(warnings_for_pod_template("spec.template", &spec.template));
    }
    for (i, template) in spec.volume_claim_templates.iter().flatten().enumerate() {
        let path = match old {
            None => format!("spec.volumeClaimTemplates[{i}]"),
            Some(_) => format!("spec.volumeClaimTemplates[{i}].Spec"),
        };
        if let Some(claim_spec) = &template.spec {
            out.extend(warnings_for_claim_spec(&path, claim_spec));
        }
    }
    out.extend(validation::statefulset_warnings(set));
    out
}

/// The PersistentVolume and PersistentVolumeClaim strategies' warnings, on create and
/// update alike, of the object the request wrote.
fn volume_warnings(kind: &ObjectKind, value: &Value) -> Vec<String> {
    use super::api::warnings::{warnings_for_claim, warnings_for_persistent_volume};
    match kind {
        ObjectKind::PersistentVolume => decode(kind, value)
            .map(|pv| warnings_for_persistent_volume(&pv))
            .unwrap_or_default(),
        ObjectKind::PersistentVolumeClaim => decode(kind, value)
            .map(|claim| warnings_for_claim(&claim))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The warnings of a Deployment or a ReplicaSet stored as written (their strategies'
/// `WarningsOnCreate` / `WarningsOnUpdate`): on create the name and the pod template, on
/// an update the template only when the generation moves (a new spec; for a Deployment
/// new annotations too).
fn other_warnings(kind: &str, body: &Value, old: Option<&Value>) -> Vec<String> {
    use super::api::warnings::{warnings_for_pod_template, warnings_for_workload_create};
    if !matches!(kind, "Deployment" | "ReplicaSet") {
        return Vec::new();
    }
    let template = body
        .pointer("/spec/template")
        .and_then(|t| {
            <k8s_openapi::api::core::v1::PodTemplateSpec as serde::Deserialize>::deserialize(t).ok()
        })
        .unwrap_or_default();
    match old {
        None => {
            let name = meta_of(body).name.unwrap_or_default();
            warnings_for_workload_create(&name, &template)
        }
        Some(old) => {
            let annotations = |v: &Value| v.pointer("/metadata/annotations").cloned();
            let moved = old.get("spec") != body.get("spec")
                || (kind == "Deployment" && annotations(old) != annotations(body));
            if moved {
                warnings_for_pod_template("spec.template", &template)
            } else {
                Vec::new()
            }
        }
    }
}

/// The validation of a kind stored as written, as its registry strategy and the generic
/// registry run it. Most strategies check the metadata first (the name by the kind's rule,
/// labels, annotations), then the kind's own fields: ConfigMap and Secret keys (after the
/// update rules of an `immutable` object), a Deployment's ranges. The PodDisruptionBudget
/// strategy checks only the spec; the generic registry's check of the metadata (its name
/// only by the URL path rules) runs when the spec passed.
fn validate_other(kind: &str, body: &Value, old: Option<&Value>) -> Vec<field_error::FieldError> {
    let meta = validation::validate_object_meta(kind, &meta_of(body));
    match kind {
        super::api::poddisruptionbudget::KIND => {
            let errors = super::api::poddisruptionbudget::validate(body);
            if errors.is_empty() {
                meta
            } else {
                errors
            }
        }
        "ConfigMap" | "Secret" => {
            let mut errors = old
                .map(|old| validation::validate_data_update(kind, body, old))
                .unwrap_or_default();
            errors.extend(meta);
            errors.extend(if kind == "Secret" {
                validation::validate_secret(body)
            } else {
                validation::validate_config_map(body)
            });
            errors
        }
        super::api::priorityclass::KIND => {
            let mut errors = meta;
            errors.extend(super::api::priorityclass::validate(body, old));
            errors
        }
        super::api::runtimeclass::KIND => {
            let mut errors = meta;
            errors.extend(super::api::runtimeclass::validate(body, old));
            errors
        }
        "Deployment" | "ReplicaSet" => {
            let mut errors = meta;
            errors.extend(deployment::validate(kind, body, old));
            errors
        }
        quota::KIND => {
            let mut errors = meta;
            errors.extend(quota::validate(body, old));
            errors
        }
        super::api::limitranger::KIND => {
            let mut errors = meta;
            errors.extend(super::api::limitranger::validate(body));
            errors
        }
        hpa::KIND => {
            let mut errors = meta;
            errors.extend(hpa::validate(body, old));
            errors
        }
        endpoints::KIND => {
            let mut errors = meta;
            errors.extend(endpoints::validate(body));
            errors
        }
        _ => meta,
    }
}

/// The Priority admission plugin's check of a PriorityClass (validating admission, after
/// the object's validation): one global default (`api/priorityclass.rs`).
fn admit_priority_class(
    world: &World,
    kind: &str,
    name: &str,
    body: &Value,
) -> Result<(), ApiError> {
    if kind != super::api::priorityclass::KIND {
        return Ok(());
    }
    let classes = pod::priority_classes(world);
    super::api::priorityclass::admit(body, &classes).map_err(|reason| {
        ApiError::new(
            Reason::Forbidden,
            format!("priorityclasses.scheduling.k8s.io \"{name}\" is forbidden: {reason}"),
        )
    })
}

/// `ValidateNode` / `ValidateNodeUpdate`, for the part a user can get wrong: the taints.
fn check_node(kind: &ObjectKind, name: &str, value: &Value) -> Result<(), ApiError> {
    let node: k8s_openapi::api::core::v1::Node = decode(kind, value)?;
    let taints = node.spec.and_then(|s| s.taints).unwrap_or_default();
    let errors = validation::validate_node_taints(&taints);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid(kind, name, &errors))
    }
}

fn store_typed<T: Stored>(world: &mut World, value: &Value) -> Result<(), ApiError> {
    let mut object: T = decode(&T::OBJECT_KIND, value)?;
    let name = object.metadata().name.clone().unwrap_or_default();
    init_meta(world, &T::OBJECT_KIND, object.metadata_mut());
    T::map_mut(&mut world.store).insert(name, object);
    Ok(())
}

/// Removes any object from the store (its deletion is complete).
pub fn remove(world: &mut World, kind: &ObjectKind, name: &str) {
    if *kind == ObjectKind::Pod {
        remove_pod(world, name);
        return;
    }
    let removed = world.store.remove(kind, name);
    if let Some(last) = removed {
        write::announce(
            world,
            kind.clone(),
            name,
            Change::Deleted,
            Author::Other,
            Some(last),
        );
    }
}

/// PUT: replaces an object with `value` (from kubectl apply, rollout undo, the
/// controllers), with strict field validation. Returns whether anything changed, and the
/// request's warnings.
pub fn update(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    value: &Value,
) -> Result<Response<bool>, RequestError> {
    update_with(world, kind, name, value, FieldValidation::Strict)
}

fn update_with(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    value: &Value,
    validation: FieldValidation,
) -> Result<Response<bool>, RequestError> {
    // Of the stored object, only its status is read (serializing the rest is wasted).
    let Some(old_status) = world.store.status_json(kind, name) else {
        return Err(ApiError::not_found(kind, name).into());
    };
    let converted = convert_older_version(value)?;
    let decoded = go_nulls(kind, &converted);
    let value: &Value = &decoded;
    // Unknown fields are refused, or (Warn) dropped with a warning each, which comes before
    // the strategy's own warnings (the patch is decoded before the update runs).
    let mut decoding_warnings = Vec::new();
    let dropped;
    let value = match validation {
        FieldValidation::Strict => value,
        FieldValidation::Warn => {
            let mut v = value.clone();
            decoding_warnings = strict::drop_unknown_fields(kind.name(), &mut v)
                .into_iter()
                .map(|path| format!("unknown field \"{path}\""))
                .collect();
            dropped = v;
            &dropped
        }
    };
    check_request(world, kind, value)?;
    let old_meta = world.store.meta(kind, name).cloned().unwrap_or_default();
    // An update that names a resourceVersion is a precondition: another one than the stored
    // object's is a conflict (apiserver `registry/generic/registry/store.go` `Update`,
    // etcd3 `GuaranteedUpdate`); none is an unconditional update (B-KCTL-11).
    let sent_version = value
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty());
    if sent_version.is_some() && sent_version != old_meta.resource_version.as_deref() {
        return Err(ApiError::conflict(kind, name).into());
    }
    let mut new_meta = meta_of(value);
    if new_meta.name.as_deref().unwrap_or(name) != name {
        return Err(ApiError::new(
            Reason::BadRequest,
            format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                new_meta.name.unwrap_or_default()
            ),
        )
        .into());
    }
    // Fields the API server owns survive any update (`rest.BeforeUpdate`): the generation
    // and creation time always; the uid when none is sent; the deletion timestamp of an
    // object being deleted; its grace period when none is sent. What is sent otherwise must
    // equal the stored value (`ValidateObjectMetaAccessorUpdate`, which also refuses a new
    // finalizer on an object being deleted); its errors come before the kind's own.
    new_meta.name = Some(name.to_string());
    if new_meta.uid.as_deref().is_none_or(str::is_empty) {
        new_meta.uid = old_meta.uid.clone();
    }
    new_meta.creation_timestamp = old_meta.creation_timestamp.clone();
    if old_meta.deletion_timestamp.is_some() {
        new_meta.deletion_timestamp = old_meta.deletion_timestamp.clone();
    }
    if new_meta.deletion_grace_period_seconds.is_none() {
        new_meta.deletion_grace_period_seconds = old_meta.deletion_grace_period_seconds;
    }
    let meta_errors = validation::validate_object_meta_update(&new_meta, &old_meta);
    if !meta_errors.is_empty() {
        return Err(invalid(kind, name, &meta_errors).into());
    }
    new_meta.generation = old_meta.generation;
    new_meta.namespace = old_meta.namespace.clone();
    new_meta.resource_version = old_meta.resource_version.clone();
    let mut value = value.clone();
    value["metadata"] = serde_json::to_value(&new_meta).unwrap_or(Value::Null);
    // The main resource cannot change status (that is the status subresource's job).
    if let Some(status) = old_status {
        value["status"] = status;
    } else if let Some(map) = value.as_object_mut() {
        map.remove("status");
    }

    let mut warnings = decoding_warnings;
    let changed = match kind {
        ObjectKind::StatefulSet => {
            let Some(old) = world.store.statefulsets.get(name).cloned() else {
                return Err(ApiError::not_found(kind, name).into());
            };
            let mut set: StatefulSet = decode(kind, &value)?;
            defaults::default_statefulset(&mut set, &world.config.gates);
            defaults::drop_disabled_fields(&mut set, Some(&old), &world.config.gates);
            let errors = validation::validate_statefulset_update(&set, &old, &world.config.gates);
            if !errors.is_empty() {
                return Err(invalid(kind, name, &errors).into());
            }
            warnings.extend(statefulset_warnings(&set, Some(&old)));
            if set == old {
                false
            } else {
                if set.spec != old.spec {
                    set.metadata.generation = Some(old.metadata.generation.unwrap_or(0) + 1);
                }
                set.metadata.resource_version = Some(world.store.new_resource_version());
                world.store.statefulsets.insert(name.to_string(), set);
                true
            }
        }
        ObjectKind::Pod => update_pod(world, name, &value)?,
        ObjectKind::Service => service::update_service(world, name, &value, &mut warnings)?,
        ObjectKind::PersistentVolumeClaim => {
            let changed = update_claim(world, name, &value)?;
            warnings.extend(volume_warnings(kind, &value));
            changed
        }
        ObjectKind::PersistentVolume => {
            let changed = persistentvolume::update_pv(world, name, &value)?;
            warnings.extend(volume_warnings(kind, &value));
            changed
        }
        ObjectKind::StorageClass => persistentvolume::update_storage_class(world, name, &value)?,
        ObjectKind::Node => {
            check_node(kind, name, &value)?;
            replace_typed::<k8s_openapi::api::core::v1::Node>(world, name, &value)?
        }
        ObjectKind::ControllerRevision => {
            let revision: k8s_openapi::api::apps::v1::ControllerRevision = decode(kind, &value)?;
            if let Some(old) = world.store.revisions.get(name) {
                let errors = validation::validate_controller_revision_update(&revision, old);
                if !errors.is_empty() {
                    return Err(invalid(kind, name, &errors).into());
                }
            }
            replace_typed::<k8s_openapi::api::apps::v1::ControllerRevision>(world, name, &value)?
        }
        ObjectKind::DaemonSet => {
            let (changed, more) = daemonset::update(world, name, &value)?;
            warnings.extend(more);
            changed
        }
        ObjectKind::EndpointSlice => {
            let mut slice: EndpointSlice = decode(kind, &value)?;
            defaults::default_endpoint_slice(&mut slice);
            if let Some(old) = world.store.endpoint_slices.get(name) {
                let errors = validation::validate_endpoint_slice_update(&slice, old);
                if !errors.is_empty() {
                    return Err(invalid(kind, name, &errors).into());
                }
                warnings.extend(super::api::warnings::warnings_for_endpoint_slice(
                    &slice, false,
                ));
                // `PrepareForUpdate`: a new generation when anything but the metadata
                // changed, or the labels did.
                let content_changed = EndpointSlice {
                    metadata: Default::default(),
                    ..slice.clone()
                } != EndpointSlice {
                    metadata: Default::default(),
                    ..old.clone()
                };
                if content_changed || slice.metadata.labels != old.metadata.labels {
                    slice.metadata.generation = Some(old.metadata.generation.unwrap_or(0) + 1);
                }
            }
            let defaulted = serde_json::to_value(&slice).unwrap_or(value);
            replace_typed::<EndpointSlice>(world, name, &defaulted)?
        }
        ObjectKind::Other(k) => {
            warnings.extend(kind_warnings(kind));
            let key = (k.clone(), name.to_string());
            let old = world.store.others.get(&key).map(|o| o.body.clone());
            if k == "Secret" {
                defaults::merge_secret_string_data(&mut value);
            }
            if k == super::api::priorityclass::KIND {
                super::api::priorityclass::default(&mut value);
            }
            if k == hpa::KIND {
                hpa::default(&mut value);
            }
            if k == super::api::limitranger::KIND {
                super::api::limitranger::default(&mut value);
            }
            if k == quota::KIND {
                quota::default(&mut value);
            }
            if deployment::handles(k) {
                deployment::default_body(k, &mut value)?;
            }
            if k == endpoints::KIND {
                endpoints::default_body(&mut value);
            }
            let errors = validate_other(k, &value, old.as_ref());
            if !errors.is_empty() {
                return Err(invalid(kind, name, &errors).into());
            }
            admit_priority_class(world, k, name, &value)?;
            warnings.extend(other_warnings(k, &value, old.as_ref()));
            if old.as_ref() == Some(&value) {
                false
            } else {
                // A new spec is a new generation (the disruption controller's
                // observedGeneration follows it).
                let bump = match &old {
                    Some(old) if deployment::handles(k) => {
                        deployment::new_generation(k, &value, old)
                    }
                    old => {
                        has_generation(k)
                            && old.as_ref().and_then(|o| o.get("spec")) != value.get("spec")
                    }
                };
                if bump {
                    let generation = old_meta.generation.unwrap_or(0) + 1;
                    value["metadata"]["generation"] = generation.into();
                }
                // Every write that changes the object gives it a new resourceVersion.
                value["metadata"]["resourceVersion"] =
                    Value::String(world.store.new_resource_version());
                let metadata = meta_of(&value);
                world.store.others.insert(
                    key,
                    GenericObject {
                        metadata,
                        body: value.clone(),
                    },
                );
                true
            }
        }
    };
    if changed {
        write::announce_stored(world, kind, name, Change::Modified);
        finish_if_released(world, kind, name);
    }
    Ok(Response {
        value: changed,
        warnings,
    })
}

fn replace_typed<T: Stored + PartialEq>(
    world: &mut World,
    name: &str,
    value: &Value,
) -> Result<bool, ApiError> {
    let object: T = decode(&T::OBJECT_KIND, value)?;
    let old = world.store.get::<T>(name);
    if old == Some(&object) {
        return Ok(false);
    }
    let mut object = object;
    object.metadata_mut().resource_version = Some(world.store.new_resource_version());
    T::map_mut(&mut world.store).insert(name.to_string(), object);
    Ok(true)
}

/// An object being deleted whose last finalizer went away is removed.
fn finish_if_released(world: &mut World, kind: &ObjectKind, name: &str) {
    let Some(meta) = world.store.meta(kind, name) else {
        return;
    };
    if meta.deletion_timestamp.is_none() || meta.finalizers.as_ref().is_some_and(|f| !f.is_empty())
    {
        return;
    }
    if *kind == ObjectKind::Pod && meta.deletion_grace_period_seconds != Some(0) {
        return; // the kubelet is still stopping the containers
    }
    remove(world, kind, name);
}

/// The object a PATCH applies to, as JSON, or the NotFound every verb answers.
fn live_json(world: &World, kind: &ObjectKind, name: &str) -> Result<Value, ApiError> {
    world
        .store
        .to_json(kind, name)
        .ok_or_else(|| ApiError::not_found(kind, name))
}

/// Whether the kind's strategy gives it a `metadata.generation` (`PrepareForCreate` sets 1,
/// `PrepareForUpdate` bumps it on a new spec): the workloads, budgets, priority classes,
/// ingresses and network policies. ConfigMaps, Secrets, Namespaces, ServiceAccounts,
/// Endpoints and Events have none (their strategies never set it).
fn has_generation(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment"
            | "ReplicaSet"
            | "Job"
            | "CronJob"
            | "PodDisruptionBudget"
            | "PriorityClass"
            | "Ingress"
            | "NetworkPolicy"
    )
}

/// PATCH: `kubectl patch` with a strategic merge, JSON merge or JSON patch. kubectl sends
/// no `fieldValidation`, so unknown fields are dropped with a warning
/// ([`FieldValidation::Warn`]).
pub fn patch(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    patch_type: PatchType,
    body: &Value,
) -> Result<Response<bool>, RequestError> {
    let live = live_json(world, kind, name)?;
    let patched = patch_type.apply(&live, body, kind)?;
    check_conversion(kind, patch_type, body, &patched)?;
    // `checkName`: a patch that removes or changes the name is refused.
    let patched_name = patched
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if patched_name != name {
        return Err(ApiError::new(
            Reason::BadRequest,
            format!(
                "the name of the object ({patched_name}) does not match the name on the URL ({name})"
            ),
        )
        .into());
    }
    let mut response = update_with(world, kind, name, &patched, FieldValidation::Warn)?;
    if patch_type == PatchType::Strategic {
        // The decoding warnings come first; the converter sorts them by their text.
        const MARK: &str = "unknown field \"";
        let mut paths: Vec<String> = response
            .warnings
            .iter()
            .map_while(|w| w.strip_prefix(MARK)?.strip_suffix('"'))
            .map(str::to_string)
            .collect();
        strict::converter_order(&mut paths);
        for (warning, path) in response.warnings.iter_mut().zip(paths) {
            *warning = format!("{MARK}{path}\"");
        }
    }
    Ok(response)
}

/// A strategic merge patch's result is converted to the kind's type from the merged map
/// (`applyPatchToObject`), before anything else looks at it; a field of the wrong type is
/// the converter's error about the patch (the JSON merge and JSON patches decode the
/// patched JSON instead, and quote all of it: scn keeps the create's words for them).
fn check_conversion(
    kind: &ObjectKind,
    patch_type: PatchType,
    body: &Value,
    patched: &Value,
) -> Result<(), ApiError> {
    if patch_type != PatchType::Strategic {
        return Ok(());
    }
    match kind
        .info()
        .and_then(|info| info.api.conversion_error(patched))
    {
        Some(why) => Err(ApiError::unconvertible_patch(body, &why)),
        None => Ok(()),
    }
}

/// PATCH of the `status` subresource (`kubectl patch --subresource=status`). The status
/// strategies' `PrepareForUpdate` keep the spec (and the Deployment's labels); the generation
/// is kept (`rest.BeforeUpdate`); `ValidateUpdate` checks the status
/// (`pkg/registry/apps/{statefulset,daemonset,deployment,replicaset}/strategy.go`,
/// `pkg/registry/policy/poddisruptionbudget/strategy.go`). For pods only the status is
/// taken: the conditions a readiness gate names, which the kubelet keeps when it writes its
/// own (`mergePodStatus`). Whether anything changed.
pub fn patch_status(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    patch_type: PatchType,
    body: &Value,
) -> Result<Response<bool>, RequestError> {
    let live = live_json(world, kind, name)?;
    if *kind == ObjectKind::Pod {
        return patch_pod_status(world, kind, name, &live, patch_type, body);
    }
    if !STATUS_PATCH_KINDS.contains(&kind.name()) {
        // scn's own refusal, not the API server's: it would take the patch.
        return Err(ApiError::new(
            Reason::NoMatch,
            format!(
                "scn simulates status patches of pods, nodes, statefulsets, daemonsets, deployments, replicasets, poddisruptionbudgets, persistentvolumeclaims, persistentvolumes and services only, not of {}",
                kind.resource()
            ),
        )
        .into());
    }
    let patched = patch_type.apply(&live, body, kind)?;
    check_conversion(kind, patch_type, body, &patched)?;
    let mut patched = go_nulls(kind, &patched).into_owned();
    // kubectl sends no fieldValidation: unknown fields are dropped with a warning.
    let warnings: Vec<String> = strict::drop_unknown_fields(kind.name(), &mut patched)
        .into_iter()
        .map(|path| format!("unknown field \"{path}\""))
        .collect();
    if patched.get("metadata") != live.get("metadata") {
        // The status strategies take metadata changes (the Deployment's labels aside),
        // which scn does not simulate on this path.
        return Err(ApiError::new(
            Reason::NoMatch,
            "scn does not simulate metadata changes through the status subresource",
        )
        .into());
    }
    let old_status = live.get("status").cloned().unwrap_or(Value::Null);
    let new_status = patched.get("status").cloned().unwrap_or(Value::Null);
    let mut response = Response::new(false);
    response.warnings = warnings;
    if old_status == new_status {
        return Ok(response);
    }
    // The whole object decodes (a field of the wrong type is a Bad Request), with the old
    // spec and the new status.
    let mut object = live.clone();
    object["status"] = new_status.clone();
    if kind.name() == "Service" {
        // `SetDefaults_Service`: an ingress with an IP and no `ipMode` gets `VIP` (a
        // LoadBalancer's, with `LoadBalancerIPMode` on by default since v1.32).
        defaults::default_ingress_ip_mode(&mut object);
    }
    let status_value = |v: &Value| v.get("status").cloned().unwrap_or(Value::Null);
    let errors = match kind.name() {
        // `ValidatePersistentVolumeClaimStatusUpdate` and `ValidatePersistentVolumeStatusUpdate`
        // check what scn's claims and volumes never carry (resize statuses); the decode
        // checks the types.
        "PersistentVolumeClaim" => {
            decode::<PersistentVolumeClaim>(kind, &object)?;
            Vec::new()
        }
        "PersistentVolume" => {
            decode::<PersistentVolume>(kind, &object)?;
            Vec::new()
        }
        // The node's kubelet posts its own status at its next sync (`node_status.rs`):
        // what a client adds (an extended resource's capacity) stays, the rest goes back.
        "Node" => {
            decode::<Node>(kind, &object)?;
            Vec::new()
        }
        "Service" => {
            let svc: Service = decode(kind, &object)?;
            validation::validate_service_status(&svc)
        }
        "StatefulSet" => {
            let (new, old) = statuses(kind, &object, &live, |s: StatefulSet| s.status)?;
            validation::validate_statefulset_status(&new, Some(&old))
        }
        "DaemonSet" => {
            let (new, old) = statuses(kind, &object, &live, |d: DaemonSet| d.status)?;
            validation::validate_daemonset_status(&new, Some(&old))
        }
        "Deployment" => {
            let (new, old) = statuses(kind, &object, &live, |d: Deployment| d.status)?;
            validation::validate_deployment_status(&new, Some(&old))
        }
        "ReplicaSet" => {
            let new: ReplicaSet = decode(kind, &object)?;
            validation::validate_replicaset_status(&new.status.unwrap_or_default())
        }
        _ => {
            if let Some(why) =
                super::api::go_json::type_error::<PodDisruptionBudget>(&object, kind.name())
            {
                return Err(ApiError::new(
                    Reason::BadRequest,
                    format!(
                        "{kind} in version \"{}\" cannot be handled as a {kind}: {why}",
                        version_of(&object)
                    ),
                )
                .into());
            }
            super::api::poddisruptionbudget::validate_status(&status_value(&object))
        }
    };
    if !errors.is_empty() {
        return Err(invalid(kind, name, &errors).into());
    }
    let author = write::Author::Other;
    let now = to_time(world.now);
    match kind.name() {
        "StatefulSet" => write_status(world, kind, name, &object, |s: &mut StatefulSet, n| {
            s.status = n.status
        })?,
        "DaemonSet" => write_status(world, kind, name, &object, |s: &mut DaemonSet, n| {
            s.status = n.status
        })?,
        "PersistentVolumeClaim" => write_status(
            world,
            kind,
            name,
            &object,
            |s: &mut PersistentVolumeClaim, n| s.status = n.status,
        )?,
        "PersistentVolume" => {
            write_status(
                world,
                kind,
                name,
                &object,
                |s: &mut PersistentVolume, mut n| {
                    // `persistentVolumeStatusStrategy.PrepareForUpdate`: a new phase takes the
                    // time of the change unless the patch set one.
                    let phase = |v: &PersistentVolume| v.status.as_ref()?.phase.clone();
                    let stamp = |v: &PersistentVolume| {
                        v.status.as_ref()?.last_phase_transition_time.clone()
                    };
                    if phase(&n) != phase(s) && stamp(&n) == stamp(s) {
                        n.status
                            .get_or_insert_with(Default::default)
                            .last_phase_transition_time = Some(now);
                    }
                    s.status = n.status
                },
            )?
        }
        "Node" => write_status(world, kind, name, &object, |s: &mut Node, n| {
            s.status = n.status
        })?,
        "Service" => write_status(world, kind, name, &object, |s: &mut Service, n| {
            s.status = n.status;
            service::stored_form(s);
        })?,
        _ => {
            let new_status = if kind.name() == super::api::poddisruptionbudget::KIND {
                super::api::poddisruptionbudget::stored_status(&new_status)
            } else {
                new_status
            };
            write::write_other(world, kind, name, author, |stored| {
                if new_status.is_null() {
                    if let Some(map) = stored.body.as_object_mut() {
                        map.remove("status");
                    }
                } else {
                    stored.body["status"] = new_status;
                }
                true
            });
        }
    }
    response.value = true;
    Ok(response)
}

/// Writes the status of `object` (the stored object with the patched status) into the
/// stored object of that kind: `take` moves the decoded object's status into the stored one.
fn write_status<T: Stored + serde::de::DeserializeOwned>(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    object: &Value,
    take: impl FnOnce(&mut T, T),
) -> Result<(), ApiError> {
    let new: T = decode(kind, object)?;
    write::write::<T>(world, name, write::Author::Other, |stored| {
        take(stored, new);
        true
    });
    Ok(())
}

/// The kinds with a `scale` subresource (their registries' `ScaleREST`).
pub const SCALE_KINDS: &[&str] = &["StatefulSet", "Deployment", "ReplicaSet"];

/// PATCH of the `scale` subresource (`kubectl patch --subresource=scale`), as the kinds'
/// `ScaleREST.Update` (`pkg/registry/apps/{statefulset,deployment,replicaset}/storage/
/// storage.go`) does it: the patch applies to the object's autoscaling/v1 Scale
/// (`scaleFrom…`: name, namespace, uid, resourceVersion, creationTimestamp, `spec.replicas`,
/// `status.replicas` and `status.selector`), the Scale is validated (`ValidateScale`:
/// `spec.replicas` not negative), and only its `spec.replicas` goes to the object, through
/// the kind's update strategy. The caller checked the kind has the subresource. Whether
/// anything changed.
pub fn patch_scale(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    patch_type: PatchType,
    body: &Value,
) -> Result<Response<bool>, RequestError> {
    let live = live_json(world, kind, name)?;
    let meta = live.get("metadata").cloned().unwrap_or(Value::Null);
    let mut scale_meta = serde_json::Map::new();
    for key in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = meta.get(key) {
            scale_meta.insert(key.to_string(), v.clone());
        }
    }
    let replicas = live
        .pointer("/spec/replicas")
        .cloned()
        .unwrap_or(Value::Null);
    let scale = serde_json::json!({
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": scale_meta,
        "spec": {"replicas": replicas},
        "status": {
            // `status.selector` (the selector's `String()`) is left out: only
            // `spec.replicas` of the patched Scale is read.
            "replicas": live.pointer("/status/replicas").cloned().unwrap_or(Value::from(0)),
        },
    });
    // A Scale has no list a strategic merge patch merges by key.
    let patched = match patch_type {
        PatchType::Strategic | PatchType::Merge => PatchType::Merge.apply(&scale, body, kind)?,
        PatchType::Json => PatchType::Json.apply(&scale, body, kind)?,
    };
    let scale_kind = ObjectKind::from_kind("Scale");
    let scale: Scale = decode(&scale_kind, &patched)?;
    let new_replicas = scale.spec.and_then(|s| s.replicas).unwrap_or(0);
    if new_replicas < 0 {
        return Err(ApiError::invalid(
            &scale_kind,
            name,
            &[field_error::FieldError::invalid(
                "spec.replicas",
                new_replicas.to_string(),
                "must be greater than or equal to 0",
            )],
        )
        .into());
    }
    patch(
        world,
        kind,
        name,
        PatchType::Merge,
        &serde_json::json!({"spec": {"replicas": new_replicas}}),
    )
}

/// The kinds whose status patches scn simulates, besides pods.
const STATUS_PATCH_KINDS: &[&str] = &[
    "Node",
    "StatefulSet",
    "DaemonSet",
    "Deployment",
    "ReplicaSet",
    "PodDisruptionBudget",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "Service",
];

/// A pod's status patch: only the status changes.
fn patch_pod_status(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    live: &Value,
    patch_type: PatchType,
    body: &Value,
) -> Result<Response<bool>, RequestError> {
    let patched = patch_type.apply(live, body, kind)?;
    check_conversion(kind, patch_type, body, &patched)?;
    // What the decoder reads as no field is no field (`reason: ""` of a condition).
    let patched = go_nulls(kind, &patched);
    let new_status = patched.get("status").cloned().unwrap_or(Value::Null);
    if live.get("status").unwrap_or(&Value::Null) == &new_status {
        return Ok(Response::new(false));
    }
    let status: PodStatus = serde_json::from_value(new_status).map_err(|e| {
        ApiError::new(
            Reason::BadRequest,
            format!("Pod in version \"v1\" cannot be handled as a Pod: {e}"),
        )
    })?;
    let errors = validation::validate_pod_status_conditions(&status);
    if !errors.is_empty() {
        return Err(ApiError::invalid(kind, name, &errors).into());
    }
    let old = world
        .store
        .pods()
        .get(name)
        .and_then(|p| p.status.clone())
        .unwrap_or_default();
    write::write::<Pod>(world, name, write::Author::Other, |pod| {
        pod.status = Some(status);
        true
    });
    // The kubelet's status manager keeps what it wrote, and writes it back.
    super::kubelet::status_patched(world, name, old);
    Ok(Response::new(true))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    Strategic,
    Merge,
    Json,
}

impl PatchType {
    /// `live` patched with `body`, as the patcher applies it (`patch.go`): a body that is not
    /// a patch of its type is a Bad Request, a JSON patch that does not apply the generic
    /// 422, and a result that is not an object cannot be decoded.
    fn apply(self, live: &Value, body: &Value, kind: &ObjectKind) -> Result<Value, ApiError> {
        let patched = match self {
            PatchType::Strategic => patch::strategic_merge_patch(live, body, kind.name())
                .map_err(|message| ApiError::new(Reason::BadRequest, message))?,
            PatchType::Merge => patch::merge_patch(live, body).map_err(patch_error)?,
            PatchType::Json => patch::json_patch(live, body).map_err(patch_error)?,
        };
        if !patched.is_object() {
            return Err(ApiError::undecodable_patch_result(&patched));
        }
        Ok(patched)
    }
}

fn patch_error(e: patch::PatchError) -> ApiError {
    match e {
        patch::PatchError::BadRequest(message) => ApiError::new(Reason::BadRequest, message),
        patch::PatchError::Unprocessable(detail) => ApiError::unprocessable(detail),
    }
}

/// v1 Endpoints is deprecated since v1.33 (KEP-4974): the API server answers every
/// request on it with this warning. kubectl drops repeated warnings, so a command prints
/// it once.
pub const ENDPOINTS_DEPRECATED: &str =
    "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

/// The warnings every request on `kind` gets (a GET's included, found or not).
pub fn kind_warnings(kind: &ObjectKind) -> Vec<String> {
    match kind {
        ObjectKind::Other(k) if k == "Endpoints" => vec![ENDPOINTS_DEPRECATED.to_string()],
        _ => Vec::new(),
    }
}

/// DELETE. `grace_zero` is `--force --grace-period=0`.
pub fn delete(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    propagation: Propagation,
    grace_zero: bool,
) -> Result<Response<()>, RequestError> {
    delete_with_grace(world, kind, name, propagation, grace_zero.then_some(0))
}

/// DELETE with `DeleteOptions.gracePeriodSeconds` (`None`: the object's own; only pods
/// delete gracefully).
pub fn delete_with_grace(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    propagation: Propagation,
    grace: Option<i64>,
) -> Result<Response<()>, RequestError> {
    let mut response = delete_object(world, kind, name, propagation, grace)?;
    response.warnings.extend(kind_warnings(kind));
    Ok(response)
}

fn delete_object(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    propagation: Propagation,
    grace: Option<i64>,
) -> Result<Response<()>, RequestError> {
    let Some(meta) = world.store.meta(kind, name).cloned() else {
        return Err(ApiError::not_found(kind, name).into());
    };
    // The PriorityClass registry's `Delete` refuses the system classes.
    let system_class = *kind == ObjectKind::from_kind(crate::sim::api::priorityclass::KIND)
        && crate::sim::api::priority::Class::system()
            .iter()
            .any(|c| c.name == name);
    if system_class {
        return Err(ApiError::new(
            Reason::Forbidden,
            format!(
                "priorityclasses.scheduling.k8s.io \"{name}\" is forbidden: this is a system priority class and cannot be deleted"
            ),
        )
        .into());
    }
    if *kind == ObjectKind::Pod {
        pod::delete_pod_with_grace(world, name, grace, propagation);
        return Ok(Response::new(()));
    }
    if meta.deletion_timestamp.is_some() {
        // `updateForGracefulDeletionAndFinalizers`: an object already being deleted (with no
        // graceful deletion pending: these kinds have none) gets its garbage-collection
        // finalizers from the new request's propagation, so a second `delete` with another
        // cascade switches to it (`foregroundDeletion`, `orphan`, neither).
        let existing = meta.finalizers.as_deref().unwrap_or_default();
        let finalizers = gc_finalizers(existing, propagation);
        if finalizers != existing {
            set_deleting_finalizers(world, kind, name, finalizers);
            // One left with no finalizer is deleted now.
            finish_if_released(world, kind, name);
        }
        return Ok(Response::new(()));
    }
    // The generic registry's deletionFinalizersForGarbageCollection: the propagation
    // becomes a finalizer the garbage collector acts on when it hears the update
    // (`orphan`: it strips the dependents' owner references, then the finalizer).
    let finalizers = gc_finalizers(meta.finalizers.as_deref().unwrap_or_default(), propagation);
    if finalizers.is_empty() {
        remove(world, kind, name);
        return Ok(Response::new(()));
    }
    set_deleting(world, kind, name, finalizers);
    Ok(Response::new(()))
}

/// The generic registry's `deletionFinalizersForGarbageCollection` (store.go): the
/// object's finalizers without `orphan` and `foregroundDeletion`, then `orphan` when the
/// dependents are to be orphaned and `foregroundDeletion` when they are to be deleted in the
/// foreground (`shouldOrphanDependents`, `shouldDeleteDependents`). An explicit propagation
/// policy decides; without one (`Unset`, a DELETE with empty options, as controllers send)
/// the object's own finalizers do. No kind scn serves has a default policy other than
/// background deletion.
pub(crate) fn gc_finalizers(existing: &[String], propagation: Propagation) -> Vec<String> {
    let has = |f: &str| existing.iter().any(|e| e == f);
    let (orphan, foreground) = match propagation {
        Propagation::Orphan => (true, false),
        Propagation::Foreground => (false, true),
        Propagation::Background => (false, false),
        // Validation lets an object carry only one of the two.
        Propagation::Unset => {
            let first = existing
                .iter()
                .find(|f| *f == FINALIZER_ORPHAN_DEPENDENTS || *f == FINALIZER_DELETE_DEPENDENTS);
            (
                first.is_some_and(|f| f == FINALIZER_ORPHAN_DEPENDENTS),
                first.is_some_and(|f| f == FINALIZER_DELETE_DEPENDENTS),
            )
        }
    };
    let mut out: Vec<String> = existing
        .iter()
        .filter(|f| *f != FINALIZER_ORPHAN_DEPENDENTS && *f != FINALIZER_DELETE_DEPENDENTS)
        .cloned()
        .collect();
    if orphan {
        out.push(FINALIZER_ORPHAN_DEPENDENTS.into());
    }
    if foreground {
        out.push(FINALIZER_DELETE_DEPENDENTS.into());
    }
    // The finalizers are rewritten only when they differ as sets.
    let same = out.iter().all(|f| has(f)) && existing.iter().all(|f| out.contains(f));
    if same {
        return existing.to_vec();
    }
    out
}

/// metav1.FinalizerOrphanDependents: a delete with `propagationPolicy: Orphan`.
pub const FINALIZER_ORPHAN_DEPENDENTS: &str = "orphan";
/// metav1.FinalizerDeleteDependents: a delete with `propagationPolicy: Foreground`.
pub const FINALIZER_DELETE_DEPENDENTS: &str = "foregroundDeletion";

fn set_deleting(world: &mut World, kind: &ObjectKind, name: &str, finalizers: Vec<String>) {
    mark_deleting(world, kind, name, finalizers, true);
}

/// The finalizers of an object already being deleted, rewritten by another delete request.
fn set_deleting_finalizers(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    finalizers: Vec<String>,
) {
    mark_deleting(world, kind, name, finalizers, false);
}

fn mark_deleting(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    finalizers: Vec<String>,
    starts: bool,
) {
    let now = starts.then(|| to_time(world.now));
    let rv = world.store.new_resource_version();
    fn mark(
        meta: &mut ObjectMeta,
        now: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>,
        finalizers: Vec<String>,
        rv: String,
    ) {
        // `markAsDeleting`: a kind without graceful deletion that has a generation gets a
        // new one when its deletion starts (not when a later request changes finalizers).
        if let Some(now) = now {
            if let Some(generation) = meta.generation.filter(|g| *g > 0) {
                meta.generation = Some(generation.saturating_add(1));
            }
            meta.deletion_timestamp = Some(now);
            meta.deletion_grace_period_seconds = Some(0);
        }
        meta.finalizers = Some(finalizers);
        meta.resource_version = Some(rv);
    }
    match kind {
        ObjectKind::StatefulSet => {
            if let Some(o) = world.store.statefulsets.get_mut(name) {
                mark(&mut o.metadata, now, finalizers, rv);
            }
        }
        ObjectKind::DaemonSet => {
            if let Some(o) = world.store.daemonsets.get_mut(name) {
                mark(&mut o.metadata, now, finalizers, rv);
            }
        }
        ObjectKind::PersistentVolumeClaim => {
            if let Some(o) = world.store.claims.get_mut(name) {
                mark(&mut o.metadata, now, finalizers, rv);
            }
        }
        ObjectKind::PersistentVolume => {
            if let Some(o) = world.store.volumes.get_mut(name) {
                mark(&mut o.metadata, now, finalizers, rv);
            }
        }
        ObjectKind::Service => {
            if let Some(o) = world.store.services.get_mut(name) {
                mark(&mut o.metadata, now, finalizers, rv);
            }
        }
        ObjectKind::Other(k) => {
            if let Some(o) = world.store.others.get_mut(&(k.clone(), name.to_string())) {
                mark(&mut o.metadata, now, finalizers, rv);
                o.body["metadata"] = serde_json::to_value(&o.metadata).unwrap_or(Value::Null);
            }
        }
        _ => {
            // Kinds without finalizers in practice: remove at once.
            remove(world, kind, name);
            return;
        }
    }
    write::announce_stored(world, kind, name, Change::Modified);
}

/// POST from a controller that built the object itself (typed, so it has no unknown field
/// to report: kubectl's strict check and the JSON round trip are skipped). The request's
/// other steps are `create`'s, in its order: namespace, name, existence, the object budget;
/// the kind's defaults, validation and admission follow in the kind's own function.
fn admit_typed_create(
    world: &mut World,
    kind: &ObjectKind,
    meta: &ObjectMeta,
) -> Result<String, RequestError> {
    check_namespace(world, kind, meta.namespace.as_deref())?;
    admit_new_name(world, kind, meta.name.clone().unwrap_or_default())
}

/// A creation's name: present, not taken, and within the object budget.
/// `rest.BeforeCreate`: an object with a `generateName` and no name is given one
/// (`names.go`); `None` when the body keeps its own.
fn generate_name(world: &mut World, kind: &ObjectKind, value: &Value) -> Option<Value> {
    let meta = value.get("metadata")?;
    let named = meta
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let base = meta.get("generateName").and_then(Value::as_str)?;
    if named || base.is_empty() {
        return None;
    }
    let store = &world.store;
    let name = world.names.generate(base, |n| store.exists(kind, n));
    let mut body = value.clone();
    body["metadata"]["name"] = Value::String(name);
    Some(body)
}

fn admit_new_name(
    world: &mut World,
    kind: &ObjectKind,
    name: String,
) -> Result<String, RequestError> {
    if name.is_empty() {
        let required =
            field_error::FieldError::required("metadata.name", "name or generateName is required");
        return Err(invalid(kind, "", &[required]).into());
    }
    if world.store.exists(kind, &name) {
        return Err(ApiError::new(
            Reason::AlreadyExists,
            format!("{} \"{name}\" already exists", kind.resource()),
        )
        .into());
    }
    world.count_object_creation()?;
    Ok(name)
}

/// `create` of a PersistentVolumeClaim a controller built (the StatefulSet controller's
/// claims from its templates): defaults, validation, admission, as `create` does them.
pub fn create_claim(
    world: &mut World,
    mut claim: PersistentVolumeClaim,
) -> Result<Response<String>, RequestError> {
    let kind = ObjectKind::PersistentVolumeClaim;
    let name = admit_typed_create(world, &kind, &claim.metadata)?;
    prepare_data_sources(&mut claim, None);
    defaults::default_pvc(&mut claim);
    let errors = validation::validate_pvc(&claim);
    if !errors.is_empty() {
        return Err(invalid(&kind, &name, &errors).into());
    }
    admit_claim(world, &mut claim);
    pod::validate_limit_ranger_claim(world, &name, &claim)?;
    resourcequota::admit_claim(world, &name, &claim)?;
    init_meta(world, &kind, &mut claim.metadata);
    world.store.claims.insert(name.clone(), claim);
    write::announce_stored(world, &kind, &name, Change::Added);
    Ok(Response::new(name))
}

/// `create` of a PersistentVolume a controller built (the provisioner's).
pub fn create_volume(
    world: &mut World,
    volume: k8s_openapi::api::core::v1::PersistentVolume,
) -> Result<Response<String>, RequestError> {
    let kind = ObjectKind::PersistentVolume;
    let name = admit_typed_create(world, &kind, &volume.metadata)?;
    persistentvolume::insert_volume(world, volume);
    write::announce_stored(world, &kind, &name, Change::Added);
    Ok(Response::new(name))
}
