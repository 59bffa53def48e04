//! The API server: defaulting, validation, patching.
//!
//! One idea per file:
//! - [`field_error`]: upstream `field.Error` and kubectl's "is invalid" text;
//! - [`defaults`]: defaulting (B-DEF) and feature gates;
//! - [`validation`]: validation and forbidden updates (B-VAL);
//! - [`validation_ranges`]: range checks of a pod spec's durations and counts (probes,
//!   tolerations, deadlines);
//! - [`patch`]: strategic merge, JSON merge and RFC 6902 patches;
//! - [`apply`]: kubectl client-side apply (three-way merge);
//! - [`canonical`]: JSON with sorted keys, as Go writes a map;
//! - [`strict`]: unknown-field detection as `--validate=strict`;
//! - [`fields`]: the schema's field names, for "did you mean" on unknown fields;
//! - [`go_values`]: the value-typed `omitempty` scalar fields of the Go types, whose written
//!   zero the server reads as no field;
//! - [`kinds`]: the kinds the server knows;
//! - [`endpoints`]: a user's v1 Endpoints: defaults and validation;
//! - [`label_keys`]: the pod strategy's merge of `matchLabelKeys`/`mismatchLabelKeys` into
//!   the selectors on create;
//! - [`limitranger`]: LimitRange defaulting and the LimitRanger admission plugin's
//!   defaults for containers;
//! - [`poddisruptionbudget`]: PDB validation and scaling;
//! - [`priority`]: the Priority admission plugin (a pod's priority from its class);
//! - [`priorityclass`]: PriorityClass defaulting, validation and the one global default;
//! - [`resource`]: resource arithmetic on pod specs (component-helpers' `resource`);
//! - [`resourcequota`]: ResourceQuota validation, what pods and claims cost, and the
//!   ResourceQuota admission plugin's check;
//! - [`horizontalpodautoscaler`]: HorizontalPodAutoscaler conversion from
//!   `autoscaling/v1`, defaulting and validation (stored, not acted on);
//! - [`runtimeclass`]: RuntimeClass validation and the RuntimeClass admission plugin (a
//!   pod's overhead, node selector and tolerations from its class);
//! - [`service_account`]: the ServiceAccount admission plugin (a pod's account and its
//!   token volume);
//! - [`warnings`]: the warnings the API server returns with a create or update;
//! - [`eviction`]: the pods/eviction subresource (B-EVICT);
//! - [`unsimulated`]: manifest fields scn does not simulate, warned about at apply.

pub mod apply;
pub mod canonical;
pub mod default_toleration_seconds;
pub mod defaults;
pub mod endpoints;
pub mod eviction;
pub mod field_error;
pub mod fields;
pub mod go_json;
pub mod go_values;
pub mod horizontalpodautoscaler;
pub mod kinds;
pub mod label_keys;
pub mod limitranger;
pub mod patch;
pub mod pod_topology_labels;
pub mod poddisruptionbudget;
pub mod priority;
pub mod priorityclass;
pub mod resource;
pub mod resourcequota;
pub mod runtimeclass;
pub mod service_account;
pub mod strict;
pub mod unsimulated;
pub mod validation;
pub mod validation_ranges;
pub mod warnings;

#[cfg(test)]
mod tests;
