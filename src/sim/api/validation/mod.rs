//! Validation on create and update (B-VAL), with upstream field paths and messages, split
//! as upstream's packages are:
//!
//! - `names`: name, label and number syntax (apimachinery's `util/validation`) and each
//!   kind's `metadata.name` rule;
//! - `selector`: label selectors, matched and validated (`meta/v1/validation`);
//! - `render`: values inside messages, rendered as upstream's `field.Error` does: strings
//!   quoted, integers bare, maps and structures as Go's `%#v` of the internal type;
//! - per kind (`pkg/apis/{core,apps}/validation`): `pod`, `persistentvolumeclaim`,
//!   `service`, `statefulset`, `controllerrevision`.

mod controllerrevision;
mod names;
mod persistentvolumeclaim;
mod pod;
mod render;
mod selector;
mod service;
mod statefulset;

pub use super::quantity::value as quantity_value;
pub use controllerrevision::{validate_controller_revision, validate_controller_revision_update};
pub use names::{
    dns1123_label_errors, dns1123_subdomain_errors, validate_labels, validate_object_meta_name,
};
pub use persistentvolumeclaim::validate_pvc;
pub use pod::validate_pod;
pub use render::{go_label_selector, go_rolling_update, go_update_strategy};
pub use selector::selector_matches;
pub use service::validate_service;
pub use statefulset::{
    statefulset_warnings, validate_statefulset, validate_statefulset_json,
    validate_statefulset_status, validate_statefulset_update, FORBIDDEN_UPDATE_MSG,
    NEGATIVE_HISTORY_WARNING,
};
