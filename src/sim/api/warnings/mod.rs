//! The warnings the API server returns with a create or update (the strategies'
//! `WarningsOnCreate` / `WarningsOnUpdate`), which kubectl prints as `Warning: …` lines. One
//! file per upstream helper package:
//!
//! - `node`: deprecated node labels (`pkg/api/node`);
//! - `pod`: a pod's or a pod template's (`pkg/api/pod/warnings.go`);
//! - `persistentvolume`, `persistentvolumeclaim`: a volume's and a claim's
//!   (`pkg/api/persistentvolume`, `pkg/api/persistentvolumeclaim`);
//! - `endpointslice`: an EndpointSlice's (`pkg/registry/discovery/endpointslice/strategy.go`);
//! - `service`: a Service's (`pkg/api/service/warnings.go`).
//!
//! Go visits a map in no fixed order; where upstream walks a map (a node selector), the
//! keys are taken in sorted order so that the warnings are deterministic.

mod endpointslice;
mod node;
mod persistentvolume;
mod persistentvolumeclaim;
mod pod;
mod service;

pub use endpointslice::warnings_for_endpoint_slice;
pub use persistentvolume::warnings_for_persistent_volume;
pub use persistentvolumeclaim::{warnings_for_claim, warnings_for_claim_spec};
pub use pod::{warnings_for_pod, warnings_for_pod_template, warnings_for_workload_create};
pub use service::warnings_for_service;

/// `field.Path` joined as upstream prints it: `prefix.rest`, or `rest` alone at the root.
/// The deprecated and removed in-tree volume plugins, by the field that names them, with
/// upstream's warning (`pkg/api/pod/warnings.go`, `pkg/api/persistentvolume/util.go`).
const DEPRECATED_PLUGINS: [(&str, &str); 9] = [
    (
        "photonPersistentDisk",
        "deprecated in v1.11, non-functional in v1.16+",
    ),
    ("gitRepo", "deprecated in v1.11"),
    ("scaleIO", "deprecated in v1.16, non-functional in v1.22+"),
    ("flocker", "deprecated in v1.22, non-functional in v1.25+"),
    ("storageOS", "deprecated in v1.22, non-functional in v1.25+"),
    ("quobyte", "deprecated in v1.22, non-functional in v1.25+"),
    ("glusterfs", "deprecated in v1.25, non-functional in v1.26+"),
    ("cephfs", "deprecated in v1.28, non-functional in v1.31+"),
    ("rbd", "deprecated in v1.28, non-functional in v1.31+"),
];

/// `<at>.<field>: <deprecation>` for each plugin of `set` that is set, in `set`'s order.
fn deprecated_plugins<const N: usize>(at: &str, set: [(bool, &str); N]) -> Vec<String> {
    set.into_iter()
        .filter(|(is_set, _)| *is_set)
        .filter_map(|(_, field)| {
            DEPRECATED_PLUGINS
                .iter()
                .find(|(name, _)| *name == field)
                .map(|(_, msg)| format!("{at}.{field}: {msg}"))
        })
        .collect()
}

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

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{PersistentVolume, Pod};
    use serde_json::json;

    /// Every deprecated plugin a pod volume or a PersistentVolume can name gets its warning,
    /// in upstream's order (cephfs and rbd last for a pod volume).
    #[test]
    fn every_deprecated_volume_plugin_is_warned_about() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a", "image": "x"}], "volumes": [{
                "name": "v",
                "photonPersistentDisk": {"pdID": "d"},
                "gitRepo": {"repository": "r"},
                "scaleIO": {"gateway": "g", "system": "s", "secretRef": {}},
                "flocker": {},
                "storageos": {},
                "quobyte": {"registry": "r", "volume": "v"},
                "glusterfs": {"endpoints": "e", "path": "p"},
                "cephfs": {"monitors": []},
                "rbd": {"monitors": [], "image": "i"}
            }]}
        }))
        .unwrap();
        let at = "spec.volumes[0]";
        let want: Vec<String> = [
            "photonPersistentDisk: deprecated in v1.11, non-functional in v1.16+",
            "gitRepo: deprecated in v1.11",
            "scaleIO: deprecated in v1.16, non-functional in v1.22+",
            "flocker: deprecated in v1.22, non-functional in v1.25+",
            "storageOS: deprecated in v1.22, non-functional in v1.25+",
            "quobyte: deprecated in v1.22, non-functional in v1.25+",
            "glusterfs: deprecated in v1.25, non-functional in v1.26+",
            "cephfs: deprecated in v1.28, non-functional in v1.31+",
            "rbd: deprecated in v1.28, non-functional in v1.31+",
        ]
        .iter()
        .map(|w| format!("{at}.{w}"))
        .collect();
        let got: Vec<String> = super::warnings_for_pod(&pod, false)
            .into_iter()
            .filter(|w| w.starts_with(at))
            .collect();
        assert_eq!(got, want);

        let pv: PersistentVolume = serde_json::from_value(json!({
            "metadata": {"name": "v"},
            "spec": {
                "cephfs": {"monitors": []},
                "photonPersistentDisk": {"pdID": "d"},
                "scaleIO": {"gateway": "g", "system": "s", "secretRef": {}},
                "storageos": {},
                "glusterfs": {"endpoints": "e", "path": "p"},
                "rbd": {"monitors": [], "image": "i"}
            }
        }))
        .unwrap();
        let got: Vec<String> = super::warnings_for_persistent_volume(&pv)
            .into_iter()
            .filter(|w| w.contains("deprecated in"))
            .collect();
        assert_eq!(
            got,
            [
                "spec.cephfs: deprecated in v1.28, non-functional in v1.31+",
                "spec.photonPersistentDisk: deprecated in v1.11, non-functional in v1.16+",
                "spec.scaleIO: deprecated in v1.16, non-functional in v1.22+",
                "spec.storageOS: deprecated in v1.22, non-functional in v1.25+",
                "spec.glusterfs: deprecated in v1.25, non-functional in v1.26+",
                "spec.rbd: deprecated in v1.28, non-functional in v1.31+",
            ]
        );
    }
}
