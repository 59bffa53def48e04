//! Controllers' creations count against the objects budget like any other: a claim that
//! the ephemeral volume controller or the StatefulSet controller cannot create, or a volume
//! the provisioner cannot create, because the budget ran out ends the run with the limit
//! error, not with an event that hides it.

use serde_json::{json, Value};

use crate::sim::error::{Limit, SimError};
use crate::sim::kinds::ObjectKind;
use crate::sim::server;
use crate::sim::{Config, World};

/// Creates `object` in a cluster whose objects budget is `max`, and settles.
fn create_and_settle(max: u64, kind: &ObjectKind, object: &Value) -> Result<World, SimError> {
    create_all_and_settle(max, &[(kind.clone(), object.clone())])
}

/// Creates `objects` in order in a cluster whose objects budget is `max`, and settles.
fn create_all_and_settle(max: u64, objects: &[(ObjectKind, Value)]) -> Result<World, SimError> {
    let mut w = World::new(Config {
        max_objects: max,
        ..Config::default()
    })?;
    for (kind, object) in objects {
        match server::create(&mut w, kind, object) {
            Ok(_) => {}
            Err(server::RequestError::Sim(e)) => return Err(e),
            Err(server::RequestError::Api(e)) => panic!("refused: {}", e.message),
        }
    }
    w.settle()?;
    Ok(w)
}

/// Creates a pod (with a generic ephemeral volume or not) in a cluster whose objects budget
/// is `max`, and settles.
fn run(max: u64, ephemeral: bool) -> Result<(), SimError> {
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}
    });
    if ephemeral {
        pod["spec"]["volumes"] = json!([{"name": "scratch", "ephemeral": {"volumeClaimTemplate": {
            "spec": {"storageClassName": "", "accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}
        }}}]);
    }
    create_and_settle(max, &ObjectKind::Pod, &pod).map(|_| ())
}

/// The check the tests make with their `run(budget, with_claim)`: in the smallest budget
/// the object fits in without its claim, the claim is one object too many and the run ends
/// with the objects limit; one object more and it fits. (The claims of the first two tests
/// name no class, so no volume is provisioned for them: the third test counts that one.)
fn claim_is_one_object_too_many(run: impl Fn(u64, bool) -> Result<(), SimError>) {
    let fits = (1..200)
        .find(|&max| run(max, false).is_ok())
        .expect("the object fits in some budget without its claim");
    assert!(matches!(
        run(fits, true),
        Err(SimError::Limit {
            limit: Limit::Objects,
            ..
        })
    ));
    assert!(run(fits + 1, true).is_ok());
}

#[test]
fn an_ephemeral_claim_over_the_objects_budget_is_the_limit_error() {
    claim_is_one_object_too_many(run);
}

/// A StatefulSet's claim creation counts against the same budget: in the smallest budget
/// the set fits in without claims, its claim is one object too many, and the run ends with
/// the limit error, not with a `FailedCreate` event and a set without pods.
#[test]
fn a_set_claim_over_the_objects_budget_is_the_limit_error() {
    fn run(max: u64, claims: bool) -> Result<(), SimError> {
        let mut set = json!({
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}
                }
            }
        });
        if claims {
            set["spec"]["volumeClaimTemplates"] = json!([{"metadata": {"name": "www"}, "spec": {
                "storageClassName": "",
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}}
            }}]);
        }
        let w = create_and_settle(max, &ObjectKind::StatefulSet, &set)?;
        assert_eq!(w.store.pods().len(), 1, "the set's pod is made");
        Ok(())
    }
    claim_is_one_object_too_many(run);
}

/// A claim of `class` ("" provisions nothing) mounted by a pod, in a cluster that also has
/// a WaitForFirstConsumer class `late`; says how many volumes there are after settling.
fn claim_with_pod(max: u64, class: &str) -> Result<usize, SimError> {
    let late = json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": "late"},
        "provisioner": "rancher.io/local-path",
        "volumeBindingMode": "WaitForFirstConsumer"
    });
    let claim = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {
            "storageClassName": class,
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}}
        }
    });
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "containers": [{"name": "c", "image": "nginx"}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
        }
    });
    let w = create_all_and_settle(
        max,
        &[
            (ObjectKind::from_kind("StorageClass"), late),
            (ObjectKind::PersistentVolumeClaim, claim),
            (ObjectKind::Pod, pod),
        ],
    )?;
    Ok(w.store.volumes().len())
}

/// The provisioner's volume counts against the budget, for an Immediate class (the PV
/// controller's claim sync provisions) and for a WaitForFirstConsumer class (the
/// scheduler's PreBind has it provisioned): in the smallest budget the claim and pod fit
/// in without a volume, the volume is one object too many and the run ends with the limit
/// error, not with a `ProvisioningFailed` event and a claim left Pending.
#[test]
fn a_provisioned_volume_over_the_objects_budget_is_the_limit_error() {
    for class in ["standard", "late"] {
        claim_is_one_object_too_many(|max, provisioned| {
            let volumes = claim_with_pod(max, if provisioned { class } else { "" })?;
            assert_eq!(volumes, usize::from(provisioned), "class {class}");
            Ok(())
        });
    }
}
