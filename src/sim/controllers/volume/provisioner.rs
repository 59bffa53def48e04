//! The dynamic provisioner (an external provisioner, kind's local-path): `pvc-<claim uid>`
//! with the claim's size and modes, the class's reclaim policy and node affinity
//! (B-PV-2, B-PV-3).

use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::api::storage::v1::StorageClass;
use serde_json::json;

use crate::sim::kinds::ObjectKind;
use crate::sim::server;
use crate::sim::world::World;

use super::persistentvolume::bind;
use super::{record, tell, PV_PROTECTION};

/// The provisioner creates `pvc-<claim uid>` with the claim's size and modes and the
/// class's reclaim policy, then the PV controller binds the two (B-PV-1, B-PV-2).
pub(super) fn provision(
    world: &mut World,
    claim_name: &str,
    class: &StorageClass,
    node: Option<&str>,
) {
    let Some(claim) = world.store.claims().get_shared(claim_name) else {
        return;
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
            claim_name,
            "Warning",
            "ProvisioningFailed",
            "claim.Spec.Resources.Requests[storage] not found".into(),
        );
        return;
    };
    // The claim says which provisioner works on it (the PV controller's annotations).
    // (`setClaimProvisioner`: an update of the claim, which its watchers hear.)
    server::write::<PersistentVolumeClaim>(world, claim_name, server::Author::Other, |stored| {
        let annotations = stored
            .metadata
            .annotations
            .get_or_insert_with(Default::default);
        let beta = annotations.insert(
            "volume.beta.kubernetes.io/storage-provisioner".into(),
            class.provisioner.clone(),
        );
        let ga = annotations.insert(
            "volume.kubernetes.io/storage-provisioner".into(),
            class.provisioner.clone(),
        );
        beta.as_ref() != Some(&class.provisioner) || ga.as_ref() != Some(&class.provisioner)
    });
    record(
        world,
        claim_name,
        "Normal",
        "Provisioning",
        format!("External provisioner is provisioning volume for claim \"{ns}/{claim_name}\""),
    );
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
            // Where local-path keeps it on the node.
            "hostPath": {
                "path": format!("/var/local-path-provisioner/{pv_name}_{ns}_{claim_name}"),
                "type": "DirectoryOrCreate",
            },
        },
        "status": {"phase": "Pending"},
    });
    if let Some(affinity) = provisioned_affinity(world, class, node) {
        pv["spec"]["nodeAffinity"] = affinity;
    }
    // Built here, so it has no unknown field: the typed create skips the strict check.
    let created = match serde::Deserialize::deserialize(&pv) {
        Ok(volume) => server::create_volume(world, volume),
        Err(_) => server::create(world, &ObjectKind::PersistentVolume, &pv),
    };
    if let Err(e) = created {
        let message = match e {
            server::RequestError::Api(e) => e.message,
            server::RequestError::Sim(e) => e.to_string(),
        };
        tell(world, claim_name, "Warning", "ProvisioningFailed", message);
        return;
    }
    record(
        world,
        claim_name,
        "Normal",
        "ProvisioningSucceeded",
        format!("Successfully provisioned volume {pv_name}"),
    );
    bind(world, claim_name, &pv_name);
}

/// The node affinity of a provisioned volume: for WaitForFirstConsumer, the chosen node's
/// zone when it has one (a zonal disk), else the node itself (a local volume); for
/// Immediate, the first zone the class's `allowedTopologies` lists; else none.
fn provisioned_affinity(
    world: &World,
    class: &StorageClass,
    node: Option<&str>,
) -> Option<serde_json::Value> {
    let term = |key: &str, value: &str| {
        json!({"required": {"nodeSelectorTerms": [{
            "matchExpressions": [{"key": key, "operator": "In", "values": [value]}]}]}})
    };
    if let Some(node) = node {
        let zone = world
            .store
            .nodes()
            .get(node)
            .and_then(crate::sim::nodes::zone);
        return Some(match zone {
            Some(zone) => term(crate::sim::nodes::LABEL_ZONE, zone),
            None => term(crate::sim::nodes::LABEL_HOSTNAME, node),
        });
    }
    let first = class.allowed_topologies.as_ref()?.first()?;
    let expressions: Vec<serde_json::Value> = first
        .match_label_expressions
        .iter()
        .flatten()
        .filter_map(|e| {
            let value = e.values.first()?;
            Some(json!({"key": e.key, "operator": "In", "values": [value]}))
        })
        .collect();
    (!expressions.is_empty())
        .then(|| json!({"required": {"nodeSelectorTerms": [{"matchExpressions": expressions}]}}))
}
