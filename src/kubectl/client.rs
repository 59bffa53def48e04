//! kubectl's client-side commands: apply (three-way merge with the last-applied
//! configuration), scale, set image, rollout restart and undo, patch, delete. Each returns
//! the lines kubectl prints and the warnings the server returned, or the error it prints.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::sim::api::field_error::quote;
use crate::sim::api::{apply as client_apply, kinds as api_kinds};
use crate::sim::clock::to_time;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, ApiError, PatchType, Propagation, Reason, RequestError};
use crate::sim::World;

/// What a command that the server accepted printed: its lines (stdout, and kubectl's own
/// stderr lines such as the force-deletion warning), and the warnings the API server
/// returned with its requests, in order (kubectl prints each as `Warning: …` on stderr
/// before the lines: [`Reply::print`]). `notes` (the manifest's fields scn does not
/// simulate) and `hints` (the field a misspelt one probably meant) are scn's own words
/// about the command: kubectl prints nothing of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub lines: Vec<String>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    pub hints: Vec<String>,
}

impl Reply {
    /// One line, no warning.
    pub fn line(line: impl Into<String>) -> Reply {
        Reply {
            lines: vec![line.into()],
            ..Reply::default()
        }
    }

    /// One line, after the warnings of the request that printed it.
    fn with_warnings(line: impl Into<String>, warnings: Vec<String>) -> Reply {
        Reply {
            lines: vec![line.into()],
            warnings,
            ..Reply::default()
        }
    }

    /// What kubectl shows, after what the command printed before (`printed`): each warning
    /// as `Warning: …` unless the command printed it already ([`print_warnings`]), then the
    /// lines. The notes are not kubectl's: they are not printed.
    pub fn print(&self, printed: &mut Vec<String>) {
        print_warnings(printed, &self.warnings);
        printed.extend(self.lines.iter().cloned());
    }
}

pub type Outcome = Result<Reply, RequestError>;

fn bad(message: impl Into<String>) -> RequestError {
    RequestError::Api(ApiError::new(Reason::BadRequest, message))
}

fn client_error(message: impl Into<String>) -> RequestError {
    RequestError::Api(ApiError::new(Reason::NoMatch, message))
}

/// A `schema.GroupKind` as its `String()` prints it: `Pod`, `Deployment.apps`.
fn group_kind(kind: &ObjectKind) -> String {
    match kind.info().map(|info| info.group()) {
        Some(group) if !group.is_empty() => format!("{}.{group}", kind.name()),
        _ => kind.name().to_string(),
    }
}

/// kubectl's resource builder reading its `TYPE/NAME` arguments (cli-runtime `builder.go`,
/// `splitResourceTypeName`, which `ResourceTypeOrNameArgs` and `ResourceNames` share): an
/// argument whose name is empty (`pod/`, what `pod/""` is on a command line) is refused
/// before anything is sent, for every command that names objects so (`get`, `delete`,
/// `scale`, `patch`, `set image`, `rollout`, `cordon`, `drain`), and one such argument stops
/// the whole command: nothing of it is done. `CheckErr` prints it as `error: …`.
pub fn resource_args<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), ApiError> {
    if names.into_iter().any(str::is_empty) {
        return Err(ApiError::new(
            Reason::NoMatch,
            "arguments in resource/name form must have a single resource and name",
        ));
    }
    Ok(())
}

/// `kubectl apply -f` with a source that holds no object (an empty file, only comments or
/// `---`): kubectl refuses before it talks to the server, `error: no objects passed to
/// apply` (apply.go, `len(infos) == 0`).
pub fn apply_nothing() -> ApiError {
    ApiError::new(Reason::NoMatch, "no objects passed to apply")
}

/// `kubectl apply -f` for one document of `source` (the file name kubectl shows): the
/// resource builder's reading ([`read`]), then the request.
pub fn apply(world: &mut World, document: &Value, source: &str) -> Outcome {
    let kind = read(document, source)?;
    apply_read(world, document, &kind, source)
}

/// What kubectl's resource builder does with one document before anything is sent
/// (`resource.Builder` with `ContinueOnError`, which reads every document of the command
/// first): the check that it names its `apiVersion` and `kind`, and the mapping of the kind
/// to a resource. Its errors come before the others when the command prints them
/// ([`apply_errors`]).
pub fn read(document: &Value, source: &str) -> Result<ObjectKind, ApiError> {
    let api_version = document
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind_name = document
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if api_version.is_empty() || kind_name.is_empty() {
        let missing: Vec<&str> = [("apiVersion", api_version), ("kind", kind_name)]
            .iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(k, _)| *k)
            .collect();
        return Err(ApiError::new(
            Reason::NoMatch,
            format!(
                "error validating \"{source}\": error validating data: [{}]",
                missing
                    .iter()
                    .map(|k| format!("{k} not set"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    server::resolve_kind(api_version, kind_name).map_err(|_| {
        ApiError::new(
            Reason::NoMatch,
            api_kinds::no_matches_message(&object_name(document), source, api_version, kind_name),
        )
    })
}

fn object_name(document: &Value) -> String {
    document
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// What `applyOneObject` prints on stderr before it patches a live object that lacks the
/// `kubectl.kubernetes.io/last-applied-configuration` annotation (one created by a
/// controller, or by the cluster): `warningNoLastAppliedConfigAnnotation`, naming the object
/// as `Info.ObjectName` does (`<resource>/<name>`, no group). `None` when the document names
/// no object, the object does not exist (it is created), or it has the annotation. It comes
/// before the patch is sent, so it prints also when the server refuses the patch.
fn apply_missing_annotation_warning(
    world: &World,
    document: &Value,
    kind: &ObjectKind,
) -> Option<String> {
    let name = object_name(document);
    if name.is_empty() {
        return None;
    }
    let live = world.store.to_json(kind, &name)?;
    let has = live
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .is_some_and(|a| a.contains_key(client_apply::LAST_APPLIED));
    (!has).then(|| {
        format!(
            "Warning: resource {}/{name} is missing the {} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.",
            kind.info().map_or_else(|| kind.resource(), |info| info.plural.to_string()),
            client_apply::LAST_APPLIED
        )
    })
}

/// What `applyOneObject` prints on stderr after its `info.Get()` and before it creates or
/// patches: the GET's own warnings (a deprecated kind's, which every request on it gets; the
/// later create or patch repeats them, and kubectl's deduplicating warning handler prints
/// each once), then kubectl's missing-annotation warning
/// (`warningNoLastAppliedConfigAnnotation`). Already printed lines are not printed again.
pub fn print_apply_get(
    printed: &mut Vec<String>,
    world: &World,
    document: &Value,
    kind: &ObjectKind,
) {
    if object_name(document).is_empty() {
        return;
    }
    print_warnings(printed, &server::kind_warnings(kind));
    printed.extend(apply_missing_annotation_warning(world, document, kind));
}

/// `WarnIfDeleting` (apply.go): after the patch (or the empty patch kubectl does not send),
/// an object that is being deleted gets `Warning: Detected changes to resource <name> which
/// is currently being deleted.` on stderr, before its `configured`/`unchanged` line.
fn warn_if_deleting(world: &World, kind: &ObjectKind, name: &str) -> Option<String> {
    let object = world.store.to_json(kind, name)?;
    object
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|t| !t.is_null())
        .then(|| {
            format!(
                "Warning: Detected changes to resource {name} which is currently being deleted."
            )
        })
}

/// `applyOneObject`: a document [`read`] accepted, created or three-way merged.
pub fn apply_read(world: &mut World, document: &Value, kind: &ObjectKind, source: &str) -> Outcome {
    let kind = kind.clone();
    let name = object_name(document);
    let generate_name = document
        .pointer("/metadata/generateName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.is_empty() && !generate_name.is_empty() {
        return Err(client_error(format!(
            "from {generate_name}: cannot use generate name with apply"
        )));
    }
    if name.is_empty() {
        return Err(client_error(format!(
            "error when retrieving current configuration of:\nResource: \"{}\", Name: \"\"\nfrom server for: \"{source}\": resource name may not be empty",
            kind.resource()
        )));
    }
    let prefix = kind.kubectl_prefix();
    // kubectl's builder gives a namespaced object without one the namespace it works in
    // (`SetNamespace` → `UpdateObjectNamespace`), so the applied configuration names it.
    let mut document = document.clone();
    if kind.namespaced() {
        if let Some(meta) = document.get_mut("metadata").and_then(Value::as_object_mut) {
            if meta.get("namespace").is_none_or(Value::is_null) {
                meta.insert(
                    "namespace".into(),
                    Value::String(world.config.namespace.clone()),
                );
            }
        }
    }
    let document = &document;
    let mut configuration = document.clone();
    if let Some(annotations) = configuration
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        annotations.remove(client_apply::LAST_APPLIED);
    }
    // kubectl reads the live object in the manifest's version (the API server converts a
    // stored object to an older version it serves).
    let older = document
        .get("apiVersion")
        .and_then(Value::as_str)
        .and_then(|v| crate::sim::kinds::older_version(v, kind.name()));
    let live = world.store.to_json(&kind, &name).map(|live| match older {
        Some(o) => (o.from_stored)(&live),
        None => live,
    });
    match live {
        None => {
            let mut object = document.clone();
            let annotations = object["metadata"]
                .as_object_mut()
                .map(|m| m.entry("annotations").or_insert_with(|| json!({})));
            if let Some(Value::Object(annotations)) = annotations {
                // The same text a later apply writes, so re-applying an unchanged
                // manifest prints `unchanged` (B-OUT-1).
                annotations.insert(
                    client_apply::LAST_APPLIED.into(),
                    Value::String(client_apply::applied_configuration(&configuration)),
                );
            }
            let warnings = server::create(world, &kind, &object)
                .map_err(|e| add_source_to_err(e, "creating", source))?
                .warnings;
            Ok(Reply {
                notes: unsimulated(document),
                ..Reply::with_warnings(format!("{prefix}/{name} created"), warnings)
            })
        }
        Some(live) => {
            let last = live
                .pointer(&format!(
                    "/metadata/annotations/{}",
                    client_apply::LAST_APPLIED.replace('/', "~1")
                ))
                .and_then(Value::as_str)
                .and_then(|s| serde_json::from_str::<Value>(s).ok());
            let patched =
                client_apply::apply_patch(last.as_ref(), &configuration, &live, kind.name())
                    .map_err(bad)?;
            // An apply that changes nothing is an empty patch, which kubectl does not send
            // (`patcher.Patch` returns at `{}`): it prints `unchanged` and no server warning.
            // A patch that is not empty is sent and prints `configured` even when the server
            // finds nothing to change. kubectl's three-way patch compares the file's JSON
            // with the live object's (strategicpatch `diffMaps`: a key of the file the live
            // object lacks, or holds otherwise, is in the patch), not their meaning: a field
            // the file gives empty (`args: []`, B-KCTL-7) or zero (`hostNetwork: false`,
            // B-KCTL-12), which the live object never holds, and a quantity not in canonical
            // form (`cpu: "0.5"`, stored as `500m`; kubernetes/kubernetes#116135) are patched
            // at every apply. So the patch is sent whenever the merged object's JSON is not
            // the live object's.
            let sends_patch = patched != live || server::stores_less(&kind, &patched);
            // The patch handler converts the patched map to the kind's type first
            // (`applyPatchToObject`): a field of the wrong type is its error about the patch
            // kubectl sent, `The request is invalid: patch: Invalid value: "map[…]": …`.
            // With `fieldValidation=Strict`, an unknown field is the same converter's error
            // (`strict decoding error: unknown field "spec.replica"`) about the patch.
            let patch_refusal = |why: &str| {
                let modified = modified_configuration(&configuration);
                let patch = client_apply::three_way_patch_value(
                    last.as_ref(),
                    &modified,
                    &live,
                    kind.name(),
                );
                RequestError::Api(ApiError::unconvertible_patch(&patch, why))
            };
            const STRICT: &str = "strict decoding error: ";
            let converted = match kind.info().and_then(|i| i.api.conversion_error(&patched)) {
                Some(why) => Err(patch_refusal(&why)),
                None => server::update(world, &kind, &name, &patched).map_err(|e| match e {
                    RequestError::Api(api)
                        if api.reason == Reason::BadRequest && api.message.contains(STRICT) =>
                    {
                        // The converter sorts them by their text, not in the document's
                        // order the create's decoder follows.
                        let at = api.message.find(STRICT).unwrap_or(0);
                        let mut paths = unknown_fields_named(&api.message[at..]);
                        crate::sim::api::strict::converter_order(&mut paths);
                        let listed: Vec<String> = paths
                            .iter()
                            .map(|p| format!("unknown field \"{p}\""))
                            .collect();
                        patch_refusal(&format!("{STRICT}{}", listed.join(", ")))
                    }
                    other => other,
                }),
            };
            let response = converted.map_err(|e| {
                applying_patch_error(e, last.as_ref(), &configuration, &live, &kind, source)
            })?;
            let (verb, warnings) = if response.value || sends_patch {
                ("configured", response.warnings)
            } else {
                ("unchanged", Vec::new())
            };
            let mut lines: Vec<String> =
                warn_if_deleting(world, &kind, &name).into_iter().collect();
            lines.push(format!("{prefix}/{name} {verb}"));
            Ok(Reply {
                lines,
                warnings,
                notes: unsimulated(document),
                ..Reply::default()
            })
        }
    }
}

/// `GetModifiedConfiguration` with `annotate`: the file's object with the new last-applied
/// annotation, as the three-way patch compares it.
fn modified_configuration(configuration: &Value) -> Value {
    let mut modified = configuration.clone();
    if let Some(meta) = modified.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if !annotations.is_object() {
            *annotations = Value::Object(Map::new());
        }
        if let Some(a) = annotations.as_object_mut() {
            a.insert(
                client_apply::LAST_APPLIED.into(),
                Value::String(client_apply::applied_configuration(configuration)),
            );
        }
    }
    modified
}

/// `applyOneObject`: a refused patch is `AddSourceToErr("applying patch:\n<patch>\nto:\n<info>\nfor:",
/// source, err)`, so the server's message gets `error when applying patch:`, the three-way
/// patch kubectl sent (strategicpatch `CreateThreeWayMergePatch` of the last-applied
/// configuration, the file with its new annotation and the live object), the object as
/// `resource.Info.String()` names it (`Resource: "apps/v1, Resource=statefulsets",
/// GroupVersionKind: "apps/v1, Kind=StatefulSet"` and `Name: "web", Namespace: "default"`) and
/// `for: "<source>": ` before it. It shows where the message is printed: a Conflict, or any
/// refusal among several errors; an invalid object alone still prints from its details.
fn applying_patch_error(
    e: RequestError,
    last: Option<&Value>,
    configuration: &Value,
    live: &Value,
    kind: &ObjectKind,
    source: &str,
) -> RequestError {
    let mut api = match e {
        RequestError::Api(api) if api.reason != Reason::NoMatch => api,
        other => return other,
    };
    let modified = modified_configuration(configuration);
    let patch = client_apply::three_way_patch(last, &modified, live, kind.name());
    let api_version = configuration
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("v1");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let plural = kind
        .info()
        .map_or_else(|| kind.resource(), |info| info.plural.to_string());
    let name = object_name(configuration);
    let namespace = configuration
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    api.message = format!(
        "error when applying patch:\n{patch}\nto:\nResource: \"{group}/{version}, Resource={plural}\", GroupVersionKind: \"{group}/{version}, Kind={}\"\nName: {}, Namespace: {}\nfor: {}: {}",
        kind.name(),
        quote(&name),
        quote(namespace),
        quote(source),
        api.message
    );
    RequestError::Api(api)
}

/// `cmdutil.AddSourceToErr`: a server error gets `error when <verb> "<source>": ` before its
/// message. (An invalid object prints alone from its details, so the prefix shows only
/// among several errors: `Error from server (Invalid): error when creating …`.)
fn add_source_to_err(e: RequestError, verb: &str, source: &str) -> RequestError {
    match e {
        RequestError::Api(mut api) if api.reason != Reason::NoMatch => {
            api.message = format!("error when {verb} \"{source}\": {}", api.message);
            RequestError::Api(api)
        }
        other => other,
    }
}

/// What kubectl's `cmdutil.CheckErr` prints for the errors of an `apply`, after every
/// object's line (`ApplyOptions.Run` collects them): the builder's errors ([`read`]) as
/// one aggregate first, then each refused request's. A single error prints as itself
/// ([`ApiError`]'s `Display`); several print one `messageForError` each, the builder's
/// aggregate among others as its `[a, b]` text.
pub fn apply_errors(read: &[ApiError], applied: &[ApiError]) -> Vec<String> {
    if applied.is_empty() {
        return check_err(read);
    }
    if read.is_empty() {
        return check_err(applied);
    }
    let texts: Vec<String> = read.iter().map(|e| e.message.clone()).collect();
    let mut lines = split_lines(&crate::sim::api::field_error::aggregate(&texts));
    for e in applied {
        lines.extend(split_lines(&e.message_for_error()));
    }
    lines
}

/// `cmdutil.CheckErr` for a command's errors: none prints nothing, one prints as itself,
/// several (kubectl's aggregate) print one `messageForError` line each, in order.
pub fn check_err(errors: &[ApiError]) -> Vec<String> {
    match errors {
        [] => Vec::new(),
        [one] => split_lines(&one.to_string()),
        many => many
            .iter()
            .flat_map(|e| split_lines(&e.message_for_error()))
            .collect(),
    }
}

/// A printed text as lines, without trailing blanks.
fn split_lines(text: &str) -> Vec<String> {
    text.lines().map(|l| l.trim_end().to_string()).collect()
}

/// The manifest's fields that scn does not simulate: scn's notes on the apply, not the
/// server's warnings (kubectl prints none of them).
fn unsimulated(document: &Value) -> Vec<String> {
    crate::sim::api::unsimulated::warnings(document)
}

/// scn's guesses at what misspelt fields of `document` meant, for a request refused or
/// warned about with `unknown field "<path>"`: `unknown field "spec.replica": did you mean
/// "replicas"?`. `unknown` are the paths the server named.
pub fn unknown_field_hints(kind: &ObjectKind, document: &Value, unknown: &[String]) -> Vec<String> {
    crate::sim::api::fields::suggestions(kind.name(), document, unknown)
        .into_iter()
        .map(|(path, s)| format!("unknown field \"{path}\": did you mean \"{s}\"?"))
        .collect()
}

/// The paths a server text names as unknown fields (`unknown field "spec.replica"`, in a
/// strict decoding error or a warning).
pub fn unknown_fields_named(text: &str) -> Vec<String> {
    const MARK: &str = "unknown field \"";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        rest = &rest[at + MARK.len()..];
        let Some(end) = rest.find('"') else {
            break;
        };
        out.push(rest[..end].to_string());
        rest = &rest[end..];
    }
    out
}

fn require(world: &World, kind: &ObjectKind, name: &str) -> Result<Value, RequestError> {
    world
        .store
        .to_json(kind, name)
        .ok_or_else(|| RequestError::Api(ApiError::not_found(kind, name)))
}

/// `kubectl scale KIND/NAME --replicas=N`, through the scale subresource.
pub fn scale(world: &mut World, kind: &ObjectKind, name: &str, replicas: i64) -> Outcome {
    if replicas < 0 {
        return Err(client_error(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
        ));
    }
    // kubectl reads the object first, then its scale subresource: a kind without one
    // answers the API server's bare 404 for an unknown path.
    require(world, kind, name)?;
    if !server::SCALE_KINDS.contains(&kind.name()) {
        return Err(RequestError::Api(ApiError::new(
            Reason::NotFound,
            "the server could not find the requested resource",
        )));
    }
    // kubectl sends the count as it is (`uint`): a count past int32 goes to the scale
    // subresource, whose decoder refuses what does not fit (`ScaleSimple`'s merge patch of
    // the Scale); any other is the object's merge patch, as before.
    let body = json!({"spec": {"replicas": replicas}});
    let send = if replicas > i64::from(i32::MAX) {
        server::patch_scale
    } else {
        server::patch
    };
    let response = send(world, kind, name, PatchType::Merge, &body)?;
    Ok(Reply::with_warnings(
        format!("{}/{name} scaled", kind.kubectl_prefix()),
        response.warnings,
    ))
}

/// Where a kind's pod spec sits in its object, as `updatePodSpecForObject`
/// (polymorphichelpers) knows it: a Pod, the workloads' template, a CronJob's job template;
/// `None` for a kind without one.
fn pod_spec_pointer(kind: &ObjectKind) -> Option<&'static str> {
    match kind.name() {
        "Pod" => Some("/spec"),
        "StatefulSet"
        | "Deployment"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => Some("/spec/template/spec"),
        "CronJob" => Some("/spec/jobTemplate/spec/template/spec"),
        _ => None,
    }
}

/// A pod-spec patch wrapped in the object's own path to it.
fn wrap_pod_spec(pointer: &str, patch: Value) -> Value {
    pointer
        .split('/')
        .filter(|p| !p.is_empty())
        .rev()
        .fold(patch, |inner, key| {
            let mut map = Map::new();
            map.insert(key.to_string(), inner);
            Value::Object(map)
        })
}

/// `kubectl set image KIND/NAME container=image ...`: as `SetImageOptions.Run`, each name
/// is looked for among the init containers and the containers, and `*` names them all.
///
/// `Validate` refuses `*` with another pair before anything is sent. A name no container
/// has is an error collected while the object is edited: the other pairs are still sent
/// and printed (`image updated`), and the errors follow (`CheckErr` of the aggregate: one
/// error alone as `error: …`, several one `messageForError` line each), so the command
/// fails after changing what it could. The missing name's error carries its own `error: `
/// (`fmt.Errorf("error: unable to find container named %q")`), so several of them print
/// that way too, one line each.
pub fn set_image(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    images: &[(String, String)],
) -> Result<Printed, RequestError> {
    let distinct: BTreeSet<&str> = images.iter().map(|(c, _)| c.as_str()).collect();
    if distinct.len() > 1 && distinct.contains("*") {
        return Err(client_error(
            "all containers are already specified by *, but saw more than one container_name=container_image pairs",
        ));
    }
    let live = require(world, kind, name)?;
    // `CalculatePatches`: the edit of an object without a pod template fails; `Run` prints
    // it as `error: <Info.ObjectName> <error>` (the Go type as `%T` writes it).
    let Some(pointer) = pod_spec_pointer(kind) else {
        let version = kind
            .info()
            .map_or("v1", |i| i.api_version.rsplit('/').next().unwrap_or("v1"));
        let plural = kind
            .info()
            .map_or_else(|| kind.resource(), |i| i.plural.to_string());
        return Ok(Printed {
            reply: Reply::default(),
            errors: vec![format!(
                "error: {plural}/{name} the object is not a pod or does not have a pod template: *{version}.{}",
                kind.name()
            )],
        });
    };
    let spec = live.pointer(pointer);
    let list = |field: &str| {
        spec.and_then(|s| s.get(field))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let lists = [
        ("initContainers", list("initContainers")),
        ("containers", list("containers")),
    ];
    let mut printed = Printed::default();
    let mut reported = BTreeSet::new();
    for (container, _) in images {
        let known = container == "*"
            || lists.iter().any(|(_, containers)| {
                containers
                    .iter()
                    .any(|c| c.get("name").and_then(Value::as_str) == Some(container))
            });
        if !known && reported.insert(container.as_str()) {
            printed.errors.push(format!(
                "error: unable to find container named \"{container}\""
            ));
        }
    }
    // kubectl edits its copy of the object and sends `CreateTwoWayMergePatch(original,
    // modified)`: the changed containers in the object's own order plus
    // `$setElementOrder/<list>` naming every container, so the list keeps its order whatever
    // order the pairs were written in (a later pair for the same container wins).
    let mut patch: Map<String, Value> = Map::new();
    for (field, containers) in &lists {
        let mut changed = Vec::new();
        for c in containers {
            let cname = c.get("name").and_then(Value::as_str).unwrap_or_default();
            let current = c.get("image").and_then(Value::as_str);
            let wanted = images
                .iter()
                .rev()
                .find(|(container, _)| container == "*" || container == cname)
                .map(|(_, image)| image.as_str());
            if let Some(image) = wanted.filter(|image| current != Some(image)) {
                changed.push(json!({"image": image, "name": cname}));
            }
        }
        if !changed.is_empty() {
            let order = containers
                .iter()
                .map(|c| json!({"name": c.get("name").cloned().unwrap_or(Value::Null)}))
                .collect();
            patch.insert(format!("$setElementOrder/{field}"), Value::Array(order));
            patch.insert(field.to_string(), Value::Array(changed));
        }
    }
    // `SetImageOptions.Run`: an empty patch (every image already the one asked for) is
    // skipped; nothing is sent and nothing printed.
    if patch.is_empty() {
        printed.errors = check_err_texts(printed.errors);
        return Ok(printed);
    }
    let body = wrap_pod_spec(pointer, Value::Object(patch));
    match server::patch(world, kind, name, PatchType::Strategic, &body) {
        Ok(response) => {
            printed.reply = Reply::with_warnings(
                format!("{}/{name} image updated", kind.kubectl_prefix()),
                response.warnings,
            );
        }
        // `Run` collects the edit's errors first, then the request's, wrapped as
        // `failed to patch image update to pod template: <the Status's message>`.
        Err(RequestError::Api(e)) => printed.errors.push(format!(
            "failed to patch image update to pod template: {}",
            e.message
        )),
        Err(e) => return Err(e),
    }
    printed.errors = check_err_texts(printed.errors);
    Ok(printed)
}

/// `cmdutil.CheckErr` of an aggregate of plain errors (not the API server's): one error
/// prints as itself with `error: ` before it (unless it starts so already); several print
/// one `messageForError` line each, as they are, adding no `error: ` (`MultipleErrors("", …)`):
/// a text that carries its own (`error: unable to find container named "x"`) keeps it.
fn check_err_texts(errors: Vec<String>) -> Vec<String> {
    match errors.as_slice() {
        [one] if !one.starts_with("error: ") => vec![format!("error: {one}")],
        _ => errors,
    }
}

/// `kubectl rollout restart`: a template annotation with the time (B-UPD-8).
pub fn rollout_restart(world: &mut World, kind: &ObjectKind, name: &str) -> Outcome {
    let live = require(world, kind, name)?;
    // `defaultObjectRestarter` knows Deployments, DaemonSets and StatefulSets; for anything
    // else `RunRestart` prints the error itself and sends nothing.
    if !matches!(kind.name(), "StatefulSet" | "Deployment" | "DaemonSet") {
        return Err(client_error(format!(
            "{} {} restarting is not supported",
            kind.resource(),
            quote(name)
        )));
    }
    // `defaultObjectRestarter`: a paused Deployment is refused before any patch is made.
    if kind.name() == "Deployment"
        && live.pointer("/spec/paused").and_then(Value::as_bool) == Some(true)
    {
        return Err(client_error(format!(
            "{} {} can't restart paused deployment (run rollout resume first)",
            kind.resource(),
            quote(name)
        )));
    }
    let now = serde_json::to_value(to_time(world.now)).unwrap_or(Value::Null);
    // `RunRestart`: the annotation has a one-second resolution, so a restart in the same
    // second makes an empty patch, which kubectl refuses.
    let restarted_at = live
        .pointer("/spec/template/metadata/annotations")
        .and_then(|a| a.get("kubectl.kubernetes.io/restartedAt"));
    if restarted_at == Some(&now) {
        return Err(client_error(format!(
            "failed to create patch for {name}: if restart has already been triggered within the past second, please wait before attempting to trigger another"
        )));
    }
    let body = json!({"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": now
    }}}}});
    let response = server::patch(world, kind, name, PatchType::Strategic, &body)?;
    Ok(Reply::with_warnings(
        format!("{}/{name} restarted", kind.kubectl_prefix()),
        response.warnings,
    ))
}

/// `kubectl rollout undo [--to-revision=N]`: the template of an earlier
/// ControllerRevision is patched back (B-REV-4).
pub fn rollout_undo(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    to_revision: Option<i64>,
) -> Outcome {
    let live = require(world, kind, name)?;
    if kind.name() == "Deployment" {
        return rollout_undo_deployment(world, kind, name, &live, to_revision);
    }
    // `RollbackerFor`: the StatefulSet and DaemonSet rollbackers both patch back a
    // ControllerRevision's template (`rollback.go`).
    if !matches!(kind, ObjectKind::StatefulSet | ObjectKind::DaemonSet) {
        return Err(client_error(format!(
            "no rollbacker has been implemented for {}",
            quote(&group_kind(kind))
        )));
    }
    let uid = live
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    // `controlledHistory`: the revisions the object's selector matches (listed with it as
    // the label selector) that it controls; one relabelled out of the selector is not
    // history (B-REV-10).
    let selector: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector> = live
        .pointer("/spec/selector")
        .cloned()
        .and_then(|s| serde_json::from_value(s).ok());
    let mut history: Vec<(i64, Value)> = world
        .store
        .revisions()
        .values()
        .filter(|r| {
            r.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == uid && o.controller == Some(true))
        })
        .filter(|r| crate::sim::labels::matches(selector.as_ref(), r.metadata.labels.as_ref()))
        .filter_map(|r| Some((r.revision, r.data.as_ref()?.0.clone())))
        .collect();
    history.sort_by_key(|(n, _)| *n);
    let target = match to_revision {
        Some(0) | None => {
            if history.len() < 2 {
                return Err(client_error("no last revision to roll back to"));
            }
            history[history.len() - 2].1.clone()
        }
        Some(n) => match history.iter().find(|(r, _)| *r == n) {
            Some((_, data)) => data.clone(),
            None => {
                return Err(client_error(format!(
                    "unable to find specified revision {n} in history"
                )))
            }
        },
    };
    // kubectl prints the revision as it was given: 0 when none was.
    let number = to_revision.unwrap_or(0);
    // `statefulsetMatch` / `daemonSetMatch`: the revision's data equals the patch the
    // controller would store for the current template.
    let current = live
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(Value::Null);
    let mut current_patch = current;
    if let Some(map) = current_patch.as_object_mut() {
        map.insert("$patch".into(), Value::String("replace".into()));
    }
    if target == json!({"spec": {"template": current_patch}}) {
        return Ok(Reply::line(format!(
            "{}/{name} skipped rollback (current template already matches revision {number})",
            kind.kubectl_prefix()
        )));
    }
    // The revision's data is sent as it is, as a strategic merge patch (its template
    // carries `$patch: replace`); a refusal is wrapped as kubectl wraps it.
    let response =
        server::patch(world, kind, name, PatchType::Strategic, &target).map_err(|e| match e {
            RequestError::Api(e) => {
                client_error(format!("failed restoring revision {number}: {}", e.message))
            }
            other => other,
        })?;
    Ok(Reply::with_warnings(
        format!("{}/{name} rolled back", kind.kubectl_prefix()),
        response.warnings,
    ))
}

/// The annotations kubectl's rollbacker keeps from the Deployment and does not take from
/// the ReplicaSet (`annotationsToSkip` of `kubectl/pkg/polymorphichelpers/rollback.go`).
const ROLLBACK_SKIPPED_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// `DeploymentRollbacker.Rollback`: the ReplicaSet of the revision asked for (by default
/// the one before the newest, `deploymentRevision`) gives its template (the
/// pod-template-hash label dropped) and annotations back to the Deployment, in one JSON
/// patch (B-DEPLOY-10).
fn rollout_undo_deployment(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    live: &Value,
    to_revision: Option<i64>,
) -> Outcome {
    use crate::sim::controllers::{deployment::util, replicaset};
    let to_revision = to_revision.unwrap_or(0);
    if to_revision < 0 {
        return Err(client_error(format!(
            "unable to find specified revision {to_revision} in history"
        )));
    }
    let uid = live
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let sets = replicaset::controlled_by(world, &uid);
    let mut latest: Option<(i64, &k8s_openapi::api::apps::v1::ReplicaSet)> = None;
    let mut previous: Option<(i64, &k8s_openapi::api::apps::v1::ReplicaSet)> = None;
    let mut chosen = None;
    for rs in &sets {
        let Some(v) = util::revision(rs) else {
            continue;
        };
        if to_revision == 0 {
            if latest.is_none_or(|(l, _)| l < v) {
                previous = latest;
                latest = Some((v, rs));
            } else if previous.is_none_or(|(p, _)| p < v) {
                previous = Some((v, rs));
            }
        } else if v == to_revision {
            chosen = Some(rs);
            break;
        }
    }
    let rs = match chosen {
        Some(rs) => rs,
        None if to_revision > 0 => {
            return Err(client_error(format!(
                "unable to find specified revision {to_revision} in history"
            )))
        }
        None => match previous {
            Some((_, rs)) => rs,
            None => {
                return Err(client_error(format!(
                    "no rollout history found for deployment {}",
                    quote(name)
                )))
            }
        },
    };
    if live.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        return Err(client_error(format!(
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/{name}' and try again"
        )));
    }
    let mut template = rs
        .spec
        .as_ref()
        .and_then(|s| s.template.clone())
        .unwrap_or_default();
    let current: k8s_openapi::api::core::v1::PodTemplateSpec = live
        .pointer("/spec/template")
        .and_then(|t| serde_json::from_value(t.clone()).ok())
        .unwrap_or_default();
    if util::equal_ignore_hash(&template, &current) {
        return Ok(Reply::line(format!(
            "{}/{name} skipped rollback (current template already matches revision {to_revision})",
            kind.kubectl_prefix()
        )));
    }
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(util::POD_TEMPLATE_HASH);
    }
    let mut annotations = serde_json::Map::new();
    if let Some(live_annotations) = live
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
    {
        for key in ROLLBACK_SKIPPED_ANNOTATIONS {
            if let Some(v) = live_annotations.get(*key) {
                annotations.insert((*key).to_string(), v.clone());
            }
        }
    }
    for (k, v) in rs.metadata.annotations.iter().flatten() {
        if !ROLLBACK_SKIPPED_ANNOTATIONS.contains(&k.as_str()) {
            annotations.insert(k.clone(), Value::String(v.clone()));
        }
    }
    let body = json!([
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]);
    let response =
        server::patch(world, kind, name, PatchType::Json, &body).map_err(|e| match e {
            RequestError::Api(e) => client_error(format!(
                "failed restoring revision {to_revision}: {}",
                e.message
            )),
            other => other,
        })?;
    Ok(Reply::with_warnings(
        format!("{}/{name} rolled back", kind.kubectl_prefix()),
        response.warnings,
    ))
}

/// `kubectl patch KIND/NAME [--type merge|json] -p BODY`.
pub fn patch(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    patch_type: PatchType,
    body: &Value,
) -> Outcome {
    let response = server::patch(world, kind, name, patch_type, body)?;
    let unknown: Vec<String> = response
        .warnings
        .iter()
        .flat_map(|w| unknown_fields_named(w))
        .collect();
    Ok(Reply {
        hints: unknown_field_hints(kind, body, &unknown),
        ..Reply::with_warnings(
            patched_line(&kind.kubectl_prefix(), name, response.value),
            response.warnings,
        )
    })
}

/// What `kubectl patch` prints: `patched`, or `patched (no change)`, after the returned
/// object's `<resource>.<group>/<name>`.
fn patched_line(prefix: &str, name: &str, changed: bool) -> String {
    let what = if changed {
        "patched"
    } else {
        "patched (no change)"
    };
    format!("{prefix}/{name} {what}")
}

/// `kubectl patch KIND/NAME --subresource=status [--type merge|json] -p BODY`.
pub fn patch_status(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    patch_type: PatchType,
    body: &Value,
) -> Outcome {
    let response = server::patch_status(world, kind, name, patch_type, body)?;
    Ok(Reply::with_warnings(
        patched_line(&kind.kubectl_prefix(), name, response.value),
        response.warnings,
    ))
}

/// `kubectl patch KIND/NAME --subresource=scale [--type merge|json] -p BODY`. kubectl reads
/// the object's scale first: a kind without the subresource answers the API server's bare
/// 404 for an unknown path (as `scale`).
pub fn patch_scale(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    patch_type: PatchType,
    body: &Value,
) -> Outcome {
    if !server::SCALE_KINDS.contains(&kind.name()) {
        return Err(RequestError::Api(ApiError::new(
            Reason::NotFound,
            "the server could not find the requested resource",
        )));
    }
    let response = server::patch_scale(world, kind, name, patch_type, body)?;
    // kubectl names the object the server returned: the Scale.
    Ok(Reply::with_warnings(
        patched_line("scale.autoscaling", name, response.value),
        response.warnings,
    ))
}

/// One DELETE of `kubectl delete KIND/NAME [--cascade=…] [--force --grace-period=0]`: the
/// line kubectl prints for it (B-OUT-5), `pod "web-0" deleted from default namespace`, or
/// `force deleted` with `force`.
pub fn delete(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    propagation: Propagation,
    force: bool,
) -> Outcome {
    delete_with_grace(world, kind, name, propagation, force.then_some(0))
}

/// One DELETE with `gracePeriodSeconds` (`None`: the object's own); a period of 0 prints
/// `force deleted`.
fn delete_with_grace(
    world: &mut World,
    kind: &ObjectKind,
    name: &str,
    propagation: Propagation,
    grace: Option<i64>,
) -> Outcome {
    let warnings = server::delete_with_grace(world, kind, name, propagation, grace)?.warnings;
    let verb = if grace == Some(0) {
        "force deleted"
    } else {
        "deleted"
    };
    let from = if kind.namespaced() {
        format!(" from {} namespace", world.config.namespace)
    } else {
        String::new()
    };
    Ok(Reply {
        lines: vec![format!("{} \"{name}\" {verb}{from}", kind.kubectl_prefix())],
        warnings,
        ..Reply::default()
    })
}

/// What a command over several objects printed: its lines (each object's after the
/// `Warning:` lines of its request, as [`print_warnings`] prints them) and the server's
/// warnings, then the errors, which kubectl prints after every line (`errors`, as
/// [`check_err`] renders them; empty when all went through).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Printed {
    pub reply: Reply,
    pub errors: Vec<String>,
}

/// kubectl's warning handler (`rest.WarningWriter` with `Deduplicate`): each warning of a
/// response as `Warning: …` on stderr, when it arrives, and a warning the command already
/// printed not again. `printed` is what the command printed so far.
pub fn print_warnings(printed: &mut Vec<String>, warnings: &[String]) {
    for warning in warnings {
        let line = format!("Warning: {warning}");
        if !printed.contains(&line) {
            printed.push(line);
        }
    }
}

/// `kubectl delete KIND/NAME…`: `DeleteOptions.Validate` prints the immediate-deletion
/// warning once, before anything, when `force`; `DeleteResult` then deletes the objects in
/// order, and a refused one (`NotFound`) does not stop the others: the builder's
/// `ContinueOnError` collects the errors, which `CheckErr` prints after the lines.
pub fn delete_all(
    world: &mut World,
    targets: &[(ObjectKind, String)],
    propagation: Propagation,
    force: bool,
    grace_period: Option<i64>,
) -> Result<Printed, crate::sim::SimError> {
    let mut printed = Printed::default();
    // kubectl delete's `Complete` and `Validate`: `--grace-period=0` without `--force` is
    // taken as 1; `--force` alone is a grace period of 0, and with a period over 0 refused.
    if force && grace_period.is_some_and(|g| g > 0) {
        printed.errors = check_err(&[ApiError::new(
            Reason::NoMatch,
            "--force and --grace-period greater than 0 cannot be specified together",
        )]);
        return Ok(printed);
    }
    // A negative period is kubectl's default (-1): none is sent, unless with `--force`.
    let grace = match grace_period {
        Some(g) if g < 0 => force.then_some(0),
        Some(0) if !force => Some(1),
        None if force => Some(0),
        g => g,
    };
    if grace == Some(0) {
        printed.reply.lines.push(FORCE_WARNING.to_string());
    }
    let mut errors = Vec::new();
    for (kind, name) in targets {
        match delete_with_grace(world, kind, name, propagation, grace) {
            Ok(mut reply) => {
                print_warnings(&mut printed.reply.lines, &reply.warnings);
                printed.reply.lines.append(&mut reply.lines);
                printed.reply.warnings.append(&mut reply.warnings);
            }
            Err(RequestError::Api(e)) => errors.push(e),
            Err(RequestError::Sim(e)) => return Err(e),
        }
    }
    printed.errors = check_err(&errors);
    Ok(printed)
}

/// What kubectl prints (on stderr) before a `--grace-period=0 --force` delete.
pub const FORCE_WARNING: &str = "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.";
