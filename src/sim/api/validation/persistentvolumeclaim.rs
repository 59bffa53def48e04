//! PersistentVolumeClaim validation (`ValidatePersistentVolumeClaim`).

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PersistentVolumeClaimSpec};

use super::super::field_error::FieldError;
use super::names::{dns1123_label_errors, dns1123_subdomain_errors};
use super::selector::validate_label_selector;

/// The annotation that named a claim's class before `storageClassName`.
const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

const ACCESS_MODES: [&str; 4] = [
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];

/// Each access mode is supported, and `ReadWriteOncePod` is not mixed with another (for
/// volumes and claims alike).
pub(super) fn validate_access_modes(modes: &[String], path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let (mut once_pod, mut other) = (false, false);
    for m in modes {
        if !ACCESS_MODES.contains(&m.as_str()) {
            errs.push(FieldError::unsupported(
                format!("{path}.accessModes"),
                m,
                &ACCESS_MODES,
            ));
        } else if m == "ReadWriteOncePod" {
            once_pod = true;
        } else {
            other = true;
        }
    }
    if once_pod && other {
        errs.push(FieldError::forbidden(
            format!("{path}.accessModes"),
            "may not use ReadWriteOncePod with other access modes",
        ));
    }
    errs
}

pub(super) fn validate_pvc_spec(
    spec: Option<&PersistentVolumeClaimSpec>,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let default = PersistentVolumeClaimSpec::default();
    let spec = spec.unwrap_or(&default);
    let modes = spec.access_modes.as_deref().unwrap_or(&[]);
    if modes.is_empty() {
        errs.push(FieldError::required(
            format!("{path}.accessModes"),
            "at least 1 access mode is required",
        ));
    }
    if let Some(selector) = &spec.selector {
        errs.extend(validate_label_selector(selector, &format!("{path}.selector")).0);
    }
    errs.extend(validate_access_modes(modes, path));
    let storage = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"));
    match storage {
        None => errs.push(FieldError::required(
            format!("{path}.resources[storage]"),
            "",
        )),
        // `ValidatePositiveQuantityValue` (the request must be above zero), before
        // `ValidateResourceQuantityValue`.
        Some(q) => {
            if crate::quantity::parse(&q.0).is_ok_and(|parsed| parsed.nanos() <= 0) {
                errs.push(FieldError::invalid_str(
                    format!("{path}.resources[storage]"),
                    &crate::quantity::canonical(q),
                    "must be greater than zero",
                ));
            }
        }
    }
    errs.extend(super::names::class_name_errors(
        spec.storage_class_name.as_deref(),
        path,
    ));
    if let Some(vm) = spec.volume_mode.as_deref() {
        errs.extend(FieldError::unless_supported(
            vm,
            &["Block", "Filesystem"],
            || format!("{path}.volumeMode"),
        ));
    }
    if let Some(source) = &spec.data_source {
        errs.extend(validate_data_source(
            &source.name,
            &source.kind,
            source.api_group.as_deref(),
            &format!("{path}.dataSource"),
        ));
    }
    if let Some(source) = &spec.data_source_ref {
        let at = format!("{path}.dataSourceRef");
        errs.extend(validate_data_source(
            &source.name,
            &source.kind,
            source.api_group.as_deref(),
            &at,
        ));
        if let Some(ns) = source.namespace.as_deref().filter(|n| !n.is_empty()) {
            for msg in dns1123_label_errors(ns) {
                errs.push(FieldError::invalid_str(format!("{at}.namespace"), ns, msg));
            }
        }
    }
    // Both given: a cross-namespace `dataSourceRef` takes no `dataSource`; otherwise the two
    // must name the same object. Upstream's value is the `*field.Path` of `dataSource`,
    // which the error prints as Go's `%#v` of the path struct (its parent a pointer, whose
    // address scn cannot know: a fixed one stands in).
    let cross_namespace = spec
        .data_source_ref
        .as_ref()
        .is_some_and(|r| r.namespace.as_deref().is_some_and(|n| !n.is_empty()));
    let path_value = || {
        format!(
            "field.Path{{name:\"dataSource\", index:\"\", parent:(*field.Path)({PATH_POINTER})}}"
        )
    };
    if cross_namespace {
        if spec.data_source.is_some() {
            errs.push(FieldError::invalid(
                path,
                path_value(),
                "may not be specified when dataSourceRef.namespace is specified",
            ));
        }
    } else if let (Some(source), Some(reference)) = (&spec.data_source, &spec.data_source_ref) {
        if source.api_group != reference.api_group
            || source.kind != reference.kind
            || source.name != reference.name
        {
            errs.push(FieldError::invalid(
                path,
                path_value(),
                "must match dataSourceRef",
            ));
        }
    }
    if let Some(class) = spec
        .volume_attributes_class_name
        .as_deref()
        .filter(|c| !c.is_empty())
    {
        for msg in dns1123_subdomain_errors(class) {
            errs.push(FieldError::invalid_str(
                format!("{path}.volumeAttributesClassName"),
                class,
                msg,
            ));
        }
    }
    errs
}

/// The address scn prints for the parent pointer of a `*field.Path` value (see
/// [`validate_pvc_spec`]).
const PATH_POINTER: &str = "0xc000000000";

/// `validateDataSource` / `validateDataSourceRef`: a name and a kind; without an API group
/// the kind must be PersistentVolumeClaim; a group must be a DNS-1123 subdomain.
fn validate_data_source(
    name: &str,
    kind: &str,
    api_group: Option<&str>,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if name.is_empty() {
        errs.push(FieldError::required(format!("{path}.name"), ""));
    }
    if kind.is_empty() {
        errs.push(FieldError::required(format!("{path}.kind"), ""));
    }
    let group = api_group.unwrap_or_default();
    if group.is_empty() && kind != "PersistentVolumeClaim" {
        errs.push(FieldError::invalid_str(
            path,
            kind,
            "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
        ));
    }
    if !group.is_empty() {
        for msg in dns1123_subdomain_errors(group) {
            errs.push(FieldError::invalid_str(
                format!("{path}.apiGroup"),
                group,
                msg,
            ));
        }
    }
    errs
}

/// PVC validation: name, `spec.accessModes` required (and supported), `spec.resources[storage]`
/// required.
pub fn validate_pvc(pvc: &PersistentVolumeClaim) -> Vec<FieldError> {
    // `ValidateObjectMeta`: the name, labels, annotations.
    let mut errs = super::objectmeta::validate_object_meta("PersistentVolumeClaim", &pvc.metadata);
    errs.extend(validate_pvc_spec(pvc.spec.as_ref(), "spec"));
    errs
}

/// The claim's `resources.requests.storage`, as written (the one reading of it that the
/// binder, the resize admission and validation share).
pub fn requested_storage(
    spec: Option<&PersistentVolumeClaimSpec>,
) -> Option<&k8s_openapi::apimachinery::pkg::api::resource::Quantity> {
    spec?.resources.as_ref()?.requests.as_ref()?.get("storage")
}

/// The storage request in nano-units, for comparisons.
pub fn storage_request(spec: Option<&PersistentVolumeClaimSpec>) -> Option<i128> {
    Some(
        crate::quantity::parse(&requested_storage(spec)?.0)
            .ok()?
            .nanos(),
    )
}

/// `ValidatePersistentVolumeClaimUpdate`: the spec is immutable, except that `volumeName`
/// may be set once, and a Bound claim may change its storage request and
/// `volumeAttributesClassName`; the request may shrink only while it stays above
/// `status.capacity` (recovery from a failed expansion); `volumeMode` never changes.
/// `storageClassName` may be set once where it was nil (`validateStorageClassUpgradeFromNil`,
/// RetroactiveDefaultStorageClass), to the beta class annotation's value if the claim has one.
/// `new` carries the stored status (the main resource cannot change it).
pub fn validate_pvc_update(
    new: &PersistentVolumeClaim,
    old: &PersistentVolumeClaim,
) -> Vec<FieldError> {
    let mut errs = validate_pvc(new);
    let mut new_spec = new.spec.clone().unwrap_or_default();
    let mut old_spec = old.spec.clone().unwrap_or_default();
    let annotation = |c: &'_ PersistentVolumeClaim| {
        c.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(BETA_STORAGE_CLASS))
            .cloned()
    };
    let (old_annotation, new_annotation) = (annotation(old), annotation(new));
    // `validateStorageClassUpgradeFromAnnotation`: a class named by the beta annotation
    // may move to `storageClassName` (the annotation kept or dropped).
    let from_annotation = old_spec.storage_class_name.is_none()
        && old_annotation.is_some()
        && new_spec.storage_class_name == old_annotation
        && new_annotation
            .as_ref()
            .is_none_or(|a| Some(a) == old_annotation.as_ref());
    if from_annotation {
        new_spec.storage_class_name = None;
    } else {
        // `ValidateImmutableAnnotation`: the beta annotation never changes (absent reads
        // as "").
        let value = |a: &Option<String>| a.clone().unwrap_or_default();
        if value(&new_annotation) != value(&old_annotation) {
            errs.push(FieldError::invalid_str(
                format!("metadata.annotations.{BETA_STORAGE_CLASS}"),
                &value(&new_annotation),
                "field is immutable",
            ));
        }
        // `validateStorageClassUpgradeFromNil`: a nil `storageClassName` may be set once,
        // to the annotation's class if the claim had one.
        if let (None, Some(class)) = (&old_spec.storage_class_name, &new_spec.storage_class_name) {
            if old_annotation.as_ref().is_none_or(|a| a == class) {
                new_spec.storage_class_name = None;
            }
        }
    }
    if old_spec
        .volume_name
        .as_deref()
        .unwrap_or_default()
        .is_empty()
    {
        old_spec.volume_name = new_spec.volume_name.clone();
    }
    let bound = new.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound");
    if bound && new_spec.volume_attributes_class_name.is_some() {
        new_spec.volume_attributes_class_name = old_spec.volume_attributes_class_name.clone();
    }
    if bound {
        let old_request = old_spec
            .resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"))
            .cloned();
        if let Some(requests) = new_spec
            .resources
            .as_mut()
            .and_then(|r| r.requests.as_mut())
        {
            match old_request {
                Some(q) => requests.insert("storage".into(), q),
                None => requests.remove("storage"),
            };
        }
    }
    // Compared as stored: the API server wrote every quantity in canonical form.
    if new_spec != old_spec {
        // Upstream appends a Go diff of the two specs; scn gives the sentence alone.
        errs.push(FieldError::forbidden(
            "spec",
            "spec is immutable after creation except resources.requests and \
             volumeAttributesClassName for bound claims",
        ));
    }
    let (new_size, old_size) = (
        storage_request(new.spec.as_ref()),
        storage_request(old.spec.as_ref()),
    );
    if let (Some(new_size), Some(old_size)) = (new_size, old_size) {
        let status_size = old
            .status
            .as_ref()
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage"))
            .and_then(|q| crate::quantity::parse(&q.0).ok())
            .map_or(0, |q| q.nanos());
        if new_size < old_size && new_size <= status_size {
            errs.push(FieldError::forbidden(
                "spec.resources.requests.storage",
                "field can not be less than status.capacity",
            ));
        }
    }
    let (new_mode, old_mode) = (
        new.spec.as_ref().and_then(|s| s.volume_mode.as_deref()),
        old.spec.as_ref().and_then(|s| s.volume_mode.as_deref()),
    );
    if new_mode != old_mode {
        errs.push(FieldError::invalid(
            "volumeMode",
            new_mode.map_or_else(|| "null".to_string(), super::super::field_error::quote),
            "field is immutable",
        ));
    }
    // A `volumeAttributesClassName` once set may change, but not back to nil or "".
    let attributes_class = |c: &PersistentVolumeClaim| {
        c.spec
            .as_ref()
            .and_then(|s| s.volume_attributes_class_name.clone())
    };
    let (new_class, old_class) = (attributes_class(new), attributes_class(old));
    if old_class.is_some() && new_class != old_class {
        match new_class.as_deref() {
            None => errs.push(FieldError::forbidden(
                "spec.volumeAttributesClassName",
                "update from non-nil value to nil is forbidden",
            )),
            Some("") => errs.push(FieldError::forbidden(
                "spec.volumeAttributesClassName",
                "update from non-nil value to an empty string is forbidden",
            )),
            Some(_) => {}
        }
    }
    errs
}
