//! The dynamic provisioner (an external provisioner, kind's local-path): `pvc-<claim uid>`
//! with the claim's size and modes, the class's reclaim policy and node affinity
//! (B-PV-2, B-PV-3).

use crate::sim::error::SimError;
use crate::sim::events::Recorder;
use k8s_openapi::api::core::v1::{
    HostPathVolumeSource, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, ObjectReference,
    PersistentVolume, PersistentVolumeClaimSpec, PersistentVolumeSpec, PersistentVolumeStatus,
    VolumeNodeAffinity,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::sim::server;
use crate::sim::world::World;

use super::persistentvolume::bind;
use super::{record, tell, PV_PROTECTION};

/// csi-provisioner's refusal of a claim with `spec.selector` (`prepareProvision`).
pub const SELECTOR_NOT_SUPPORTED: &str = "claim Selector is not supported";

/// The provisioner creates `pvc-<claim uid>` with the claim's size and modes and the
/// class's reclaim policy, then the PV controller binds the two (B-PV-1, B-PV-2). `Err` is
/// a simulation budget the volume does not fit in.
pub(super) fn provision(
    world: &mut World,
    claim_name: &str,
    class: &StorageClass,
    node: Option<&str>,
) -> Result<(), SimError> {
    let Some(claim) = world.store.claims().get_shared(claim_name) else {
        return Ok(());
    };
    let ns = world.config.namespace.clone();
    let uid = claim.metadata.uid.clone().unwrap_or_default();
    let pv_name = format!("pvc-{uid}");
    let spec = claim.spec.clone().unwrap_or_default();
    let claim_rv = claim.metadata.resource_version.clone().unwrap_or_default();
    // Let go of the claim before it is written (no copy on write).
    drop(claim);
    let Some(request) = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .cloned()
    else {
        tell(
            world,
            Recorder::PROVISIONER,
            claim_name,
            "Warning",
            "ProvisioningFailed",
            "claim.Spec.Resources.Requests[storage] not found".into(),
        );
        return Ok(());
    };
    let provisioning =
        format!("External provisioner is provisioning volume for claim \"{ns}/{claim_name}\"");
    if spec.selector.is_some() {
        // csi-provisioner's `prepareProvision` refuses a claim with a selector (even an
        // empty one), and the provisioner library records the error as it is, after its
        // `Provisioning` event. Upstream retries with back-off and repeats both; scn
        // records them once. The claim stays Pending (a volume made by hand that the
        // selector matches still binds it).
        tell(
            world,
            Recorder::PROVISIONER,
            claim_name,
            "Normal",
            "Provisioning",
            provisioning,
        );
        tell(
            world,
            Recorder::PROVISIONER,
            claim_name,
            "Warning",
            "ProvisioningFailed",
            SELECTOR_NOT_SUPPORTED.into(),
        );
        return Ok(());
    }
    record(
        world,
        Recorder::PROVISIONER,
        claim_name,
        "Normal",
        "Provisioning",
        provisioning,
    );
    let pv = provisioned_volume(
        &pv_name,
        &ns,
        claim_name,
        &uid,
        &claim_rv,
        &spec,
        request,
        class,
        provisioned_affinity(world, class, node),
    );
    // Built here, so it has no unknown field: the typed create skips the strict check.
    let created = server::create_volume(world, pv);
    if let Err(e) = created {
        // The API server's refusal is the provisioner's to report; a simulation budget
        // that ran out ends the run, as it does for every other creation.
        let message = match e {
            server::RequestError::Api(e) => e.message,
            server::RequestError::Sim(e) => return Err(e),
        };
        tell(
            world,
            Recorder::PROVISIONER,
            claim_name,
            "Warning",
            "ProvisioningFailed",
            message,
        );
        return Ok(());
    }
    record(
        world,
        Recorder::PROVISIONER,
        claim_name,
        "Normal",
        "ProvisioningSucceeded",
        format!("Successfully provisioned volume {pv_name}"),
    );
    bind(world, claim_name, &pv_name);
    Ok(())
}

/// The volume the provisioner makes for a claim (what it writes as YAML upstream).
#[allow(clippy::too_many_arguments)]
fn provisioned_volume(
    pv_name: &str,
    ns: &str,
    claim_name: &str,
    uid: &str,
    claim_rv: &str,
    spec: &PersistentVolumeClaimSpec,
    request: Quantity,
    class: &StorageClass,
    affinity: Option<VolumeNodeAffinity>,
) -> PersistentVolume {
    PersistentVolume {
        metadata: ObjectMeta {
            name: Some(pv_name.to_string()),
            annotations: Some(
                [(
                    "pv.kubernetes.io/provisioned-by".to_string(),
                    class.provisioner.clone(),
                )]
                .into(),
            ),
            finalizers: Some(vec![PV_PROTECTION.to_string()]),
            ..Default::default()
        },
        spec: Some(PersistentVolumeSpec {
            capacity: Some([("storage".to_string(), request)].into()),
            access_modes: Some(spec.access_modes.clone().unwrap_or_default()),
            persistent_volume_reclaim_policy: Some(
                class
                    .reclaim_policy
                    .clone()
                    .unwrap_or_else(|| "Delete".into()),
            ),
            storage_class_name: Some(class.metadata.name.clone().unwrap_or_default()),
            volume_mode: Some(
                spec.volume_mode
                    .clone()
                    .unwrap_or_else(|| "Filesystem".into()),
            ),
            claim_ref: Some(ObjectReference {
                api_version: Some("v1".into()),
                kind: Some("PersistentVolumeClaim".into()),
                namespace: Some(ns.to_string()),
                name: Some(claim_name.to_string()),
                uid: Some(uid.to_string()),
                resource_version: Some(claim_rv.to_string()),
                ..Default::default()
            }),
            // Where local-path keeps it on the node.
            host_path: Some(HostPathVolumeSource {
                path: format!("/var/local-path-provisioner/{pv_name}_{ns}_{claim_name}"),
                type_: Some("DirectoryOrCreate".into()),
            }),
            node_affinity: affinity,
            ..Default::default()
        }),
        status: Some(PersistentVolumeStatus {
            phase: Some("Pending".into()),
            ..Default::default()
        }),
    }
}

fn node_affinity(expressions: Vec<NodeSelectorRequirement>) -> VolumeNodeAffinity {
    VolumeNodeAffinity {
        required: Some(NodeSelector {
            node_selector_terms: vec![NodeSelectorTerm {
                match_expressions: Some(expressions),
                match_fields: None,
            }],
        }),
    }
}

fn requirement(key: &str, value: &str) -> NodeSelectorRequirement {
    NodeSelectorRequirement {
        key: key.to_string(),
        operator: "In".into(),
        values: Some(vec![value.to_string()]),
    }
}

/// The node affinity of a provisioned volume: for WaitForFirstConsumer, the chosen node's
/// zone when it has one (a zonal disk), else the node itself (a local volume); for
/// Immediate, the first zone the class's `allowedTopologies` lists; else none.
fn provisioned_affinity(
    world: &World,
    class: &StorageClass,
    node: Option<&str>,
) -> Option<VolumeNodeAffinity> {
    if let Some(node) = node {
        let zone = world
            .store
            .nodes()
            .get(node)
            .and_then(crate::sim::nodes::zone);
        return Some(node_affinity(vec![match zone {
            Some(zone) => requirement(crate::sim::nodes::LABEL_ZONE, zone),
            None => requirement(crate::sim::nodes::LABEL_HOSTNAME, node),
        }]));
    }
    let first = class.allowed_topologies.as_ref()?.first()?;
    let expressions: Vec<NodeSelectorRequirement> = first
        .match_label_expressions
        .iter()
        .flatten()
        .filter_map(|e| Some(requirement(&e.key, e.values.first()?)))
        .collect();
    (!expressions.is_empty()).then(|| node_affinity(expressions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The volume the provisioner built as JSON before it was built typed.
    #[allow(clippy::too_many_arguments)]
    fn as_json(
        pv_name: &str,
        ns: &str,
        claim_name: &str,
        uid: &str,
        claim_rv: &str,
        spec: &PersistentVolumeClaimSpec,
        request: Quantity,
        class: &StorageClass,
        affinity: Option<serde_json::Value>,
    ) -> PersistentVolume {
        let mut pv = json!({
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {
                "name": pv_name,
                "annotations": {"pv.kubernetes.io/provisioned-by": class.provisioner},
                "finalizers": [PV_PROTECTION],
            },
            "spec": {
                "capacity": {"storage": request},
                "accessModes": spec.access_modes.clone().unwrap_or_default(),
                "persistentVolumeReclaimPolicy": class.reclaim_policy.clone().unwrap_or_else(|| "Delete".into()),
                "storageClassName": class.metadata.name.clone().unwrap_or_default(),
                "volumeMode": spec.volume_mode.clone().unwrap_or_else(|| "Filesystem".into()),
                "claimRef": {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "namespace": ns,
                    "name": claim_name,
                    "uid": uid,
                    "resourceVersion": claim_rv,
                },
                "hostPath": {
                    "path": format!("/var/local-path-provisioner/{pv_name}_{ns}_{claim_name}"),
                    "type": "DirectoryOrCreate",
                },
            },
            "status": {"phase": "Pending"},
        });
        if let Some(affinity) = affinity {
            pv["spec"]["nodeAffinity"] = affinity;
        }
        serde::Deserialize::deserialize(&pv).unwrap()
    }

    #[test]
    fn the_typed_volume_is_the_one_built_as_json() {
        let term = |key: &str, value: &str| {
            json!({"required": {"nodeSelectorTerms": [{
                "matchExpressions": [{"key": key, "operator": "In", "values": [value]}]}]}})
        };
        let classes: Vec<StorageClass> = vec![
            serde_json::from_value(json!({
                "metadata": {"name": "standard"},
                "provisioner": "rancher.io/local-path",
                "volumeBindingMode": "WaitForFirstConsumer",
            }))
            .unwrap(),
            serde_json::from_value(json!({
                "metadata": {"name": "kept"},
                "provisioner": "example.com/disk",
                "reclaimPolicy": "Retain",
            }))
            .unwrap(),
            StorageClass::default(),
        ];
        let specs = [
            PersistentVolumeClaimSpec::default(),
            PersistentVolumeClaimSpec {
                access_modes: Some(vec!["ReadWriteOnce".into(), "ReadOnlyMany".into()]),
                volume_mode: Some("Block".into()),
                ..Default::default()
            },
        ];
        let affinities = [
            None,
            Some(("kubernetes.io/hostname", "node-1")),
            Some(("topology.kubernetes.io/zone", "zone-a")),
        ];
        for class in &classes {
            for spec in &specs {
                for affinity in affinities {
                    let typed = provisioned_volume(
                        "pvc-u1",
                        "default",
                        "www-web-0",
                        "u1",
                        "42",
                        spec,
                        Quantity("1Gi".into()),
                        class,
                        affinity.map(|(k, v)| node_affinity(vec![requirement(k, v)])),
                    );
                    let json = as_json(
                        "pvc-u1",
                        "default",
                        "www-web-0",
                        "u1",
                        "42",
                        spec,
                        Quantity("1Gi".into()),
                        class,
                        affinity.map(|(k, v)| term(k, v)),
                    );
                    assert_eq!(typed, json);
                }
            }
        }
        // Several expressions (a class's allowed topologies).
        let two = json!({"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "a", "operator": "In", "values": ["1"]},
            {"key": "b", "operator": "In", "values": ["2"]}]}]}});
        assert_eq!(
            serde_json::from_value::<VolumeNodeAffinity>(two).unwrap(),
            node_affinity(vec![requirement("a", "1"), requirement("b", "2")])
        );
    }
}
