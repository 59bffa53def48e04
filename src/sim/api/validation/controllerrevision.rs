//! ControllerRevision validation (`ValidateControllerRevision` and its update).

use super::super::field_error::FieldError;
use super::names::nonnegative;

/// `ValidateControllerRevision`: `data` is mandatory and `revision` not negative.
pub fn validate_controller_revision(
    revision: &k8s_openapi::api::apps::v1::ControllerRevision,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if revision.data.as_ref().is_none_or(|d| d.0.is_null()) {
        errs.push(FieldError::required("data", "data is mandatory"));
    }
    errs.extend(nonnegative("revision", revision.revision));
    errs
}

/// `ValidateControllerRevisionUpdate`: the create checks, and `data` is immutable (the
/// revision number may change: that is how a rollback reuses a revision). The refused value
/// is shown as its JSON; upstream prints Go's `%#v` of the decoded bytes.
pub fn validate_controller_revision_update(
    new: &k8s_openapi::api::apps::v1::ControllerRevision,
    old: &k8s_openapi::api::apps::v1::ControllerRevision,
) -> Vec<FieldError> {
    let mut errs = validate_controller_revision(new);
    let data = |r: &k8s_openapi::api::apps::v1::ControllerRevision| {
        r.data.as_ref().map(|d| d.0.clone()).unwrap_or_default()
    };
    if data(new) != data(old) {
        errs.push(FieldError::invalid(
            "data",
            serde_json::to_string(&data(new)).unwrap_or_default(),
            "field is immutable",
        ));
    }
    errs
}
