//! The warnings the API server returns with a create or update (the strategies'
//! `WarningsOnCreate` / `WarningsOnUpdate`), which kubectl prints as `Warning: …` lines. One
//! file per upstream helper package:
//!
//! - `node`: deprecated node labels (`pkg/api/node`);
//! - `pod`: a pod's or a pod template's (`pkg/api/pod/warnings.go`);
//! - `persistentvolume`, `persistentvolumeclaim`: a volume's and a claim's
//!   (`pkg/api/persistentvolume`, `pkg/api/persistentvolumeclaim`).
//!
//! Go visits a map in no fixed order; where upstream walks a map (a node selector), the
//! keys are taken in sorted order so that the warnings are deterministic.

mod node;
mod persistentvolume;
mod persistentvolumeclaim;
mod pod;

pub use persistentvolume::warnings_for_persistent_volume;
pub use persistentvolumeclaim::{warnings_for_claim, warnings_for_claim_spec};
pub use pod::{warnings_for_pod, warnings_for_pod_template, warnings_for_workload_create};

/// `field.Path` joined as upstream prints it: `prefix.rest`, or `rest` alone at the root.
fn child(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() {
        rest.to_string()
    } else {
        format!("{prefix}.{rest}")
    }
}

/// `fractional byte value "…" is invalid, must be an integer` for a memory or storage
/// amount that is not a whole number of bytes (`MilliValue() % 1000 != 0`); the value as
/// the API server writes it back (`Quantity.String()`).
fn fractional_bytes(
    path: &str,
    quantity: Option<&k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
) -> Option<String> {
    let q = quantity?;
    let milli = crate::quantity::parse(&q.0).ok()?.milli_value()?;
    (milli % 1000 != 0).then(|| {
        format!(
            "{path}: fractional byte value {} is invalid, must be an integer",
            super::field_error::quote(&crate::quantity::canonical(q))
        )
    })
}
