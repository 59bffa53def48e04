//! Defaulting (B-DEF) of the simulated API server.

use crate::sim::api::defaults::*;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PodSpec, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{json, Value};

fn minimal() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {"metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.9.1"}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "www"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
        }
    })
}

fn defaulted(v: Value, gates: &FeatureGates) -> Value {
    let mut sts: StatefulSet = serde_json::from_value(v).unwrap();
    default_statefulset(&mut sts, gates);
    serde_json::to_value(&sts).unwrap()
}

#[test]
fn b_def_1_2_3_6_7_set_defaults() {
    let v = defaulted(minimal(), &FeatureGates::default());
    let spec = &v["spec"];
    assert_eq!(spec["replicas"], json!(1)); // B-DEF-1
    assert_eq!(spec["podManagementPolicy"], json!("OrderedReady")); // B-DEF-2
    assert_eq!(
        spec["updateStrategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
    ); // B-DEF-3
    assert_eq!(spec["revisionHistoryLimit"], json!(10)); // B-DEF-6
    assert_eq!(
        spec["persistentVolumeClaimRetentionPolicy"],
        json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
    ); // B-DEF-7
}

#[test]
fn b_def_4_explicit_rolling_update_type_gets_no_rolling_update_block() {
    let mut v = minimal();
    v["spec"]["updateStrategy"] = json!({"type": "RollingUpdate"});
    let d = defaulted(v, &FeatureGates::default());
    assert_eq!(
        d["spec"]["updateStrategy"],
        json!({"type": "RollingUpdate"})
    );
}

#[test]
fn b_def_5_partition_defaulted_when_rolling_update_present() {
    let mut v = minimal();
    v["spec"]["updateStrategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {}});
    let d = defaulted(v, &FeatureGates::default());
    assert_eq!(
        d["spec"]["updateStrategy"]["rollingUpdate"],
        json!({"partition": 0})
    );
    // Not lost when type is unset either.
    let mut v = minimal();
    v["spec"]["updateStrategy"] = json!({"rollingUpdate": {"partition": 3}});
    let d = defaulted(v, &FeatureGates::default());
    assert_eq!(
        d["spec"]["updateStrategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 3}})
    );
}

#[test]
fn b_def_7_half_set_retention_policy_is_completed() {
    let mut v = minimal();
    v["spec"]["persistentVolumeClaimRetentionPolicy"] = json!({"whenScaled": "Delete"});
    let d = defaulted(v, &FeatureGates::default());
    assert_eq!(
        d["spec"]["persistentVolumeClaimRetentionPolicy"],
        json!({"whenDeleted": "Retain", "whenScaled": "Delete"})
    );
}

#[test]
fn b_def_8_max_unavailable_only_with_gate() {
    let on = FeatureGates::from_names(&["MaxUnavailableStatefulSet"]).unwrap();
    let d = defaulted(minimal(), &on);
    assert_eq!(
        d["spec"]["updateStrategy"]["rollingUpdate"],
        json!({"maxUnavailable": 1, "partition": 0})
    );
    let off = FeatureGates::default();
    let d = defaulted(minimal(), &off);
    assert!(d["spec"]["updateStrategy"]["rollingUpdate"]
        .get("maxUnavailable")
        .is_none());

    // A user-supplied value is dropped on create with the gate off ...
    let mut v = minimal();
    v["spec"]["updateStrategy"] =
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}});
    let mut sts: StatefulSet = serde_json::from_value(v).unwrap();
    drop_disabled_fields(&mut sts, None, &off);
    let ru = sts
        .spec
        .as_ref()
        .unwrap()
        .update_strategy
        .as_ref()
        .unwrap()
        .rolling_update
        .as_ref()
        .unwrap();
    assert_eq!(ru.max_unavailable, None);
    // ... kept on update when the old object already had it ...
    let mut v = minimal();
    v["spec"]["updateStrategy"] =
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}});
    let old: StatefulSet = serde_json::from_value(v.clone()).unwrap();
    let mut new: StatefulSet = serde_json::from_value(v.clone()).unwrap();
    drop_disabled_fields(&mut new, Some(&old), &off);
    let ru = new
        .spec
        .as_ref()
        .unwrap()
        .update_strategy
        .as_ref()
        .unwrap()
        .rolling_update
        .as_ref()
        .unwrap();
    assert_eq!(ru.max_unavailable, Some(IntOrString::Int(2)));
    // ... and kept with the gate on.
    let mut new: StatefulSet = serde_json::from_value(v).unwrap();
    drop_disabled_fields(&mut new, None, &on);
    let ru = new
        .spec
        .as_ref()
        .unwrap()
        .update_strategy
        .as_ref()
        .unwrap()
        .rolling_update
        .as_ref()
        .unwrap();
    assert_eq!(ru.max_unavailable, Some(IntOrString::Int(2)));
}

#[test]
fn b_def_9_no_defaults_for_min_ready_seconds_ordinals_service_name() {
    let d = defaulted(minimal(), &FeatureGates::default());
    assert!(d["spec"].get("minReadySeconds").is_none()); // 0, omitted
    assert!(d["spec"].get("ordinals").is_none());
    assert!(d["spec"].get("serviceName").is_none());
}

#[test]
fn b_def_10_and_12_are_not_defaulting() {
    // B-DEF-10 (generation) and B-DEF-12 (deletion propagation) belong to the object store,
    // not to this module; nothing here sets metadata.generation.
    let d = defaulted(minimal(), &FeatureGates::default());
    assert!(d["metadata"].get("generation").is_none());
}

#[test]
fn b_def_11_template_and_claim_templates_are_defaulted() {
    let d = defaulted(minimal(), &FeatureGates::default());
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"], json!("Always"));
    assert_eq!(pod["dnsPolicy"], json!("ClusterFirst"));
    assert_eq!(pod["terminationGracePeriodSeconds"], json!(30));
    assert_eq!(pod["schedulerName"], json!("default-scheduler"));
    assert_eq!(pod["securityContext"], json!({}));
    let c = &pod["containers"][0];
    assert_eq!(c["imagePullPolicy"], json!("IfNotPresent"));
    assert_eq!(c["terminationMessagePath"], json!("/dev/termination-log"));
    assert_eq!(c["terminationMessagePolicy"], json!("File"));
    let claim = &d["spec"]["volumeClaimTemplates"][0];
    assert_eq!(claim["apiVersion"], json!("v1"));
    assert_eq!(claim["kind"], json!("PersistentVolumeClaim"));
    assert_eq!(claim["spec"]["volumeMode"], json!("Filesystem"));
    assert_eq!(claim["status"], json!({"phase": "Pending"}));
}

#[test]
fn pod_spec_defaults_pull_policy_ports_probes() {
    let mut spec: PodSpec = serde_json::from_value(json!({
        "containers": [
            {"name": "a", "image": "nginx", "ports": [{"containerPort": 80}],
             "readinessProbe": {"httpGet": {"port": 80}}},
            {"name": "b", "image": "nginx:latest"},
            {"name": "c", "image": "registry:5000/nginx"},
            {"name": "d", "image": "nginx@sha256:abc"},
            {"name": "e", "image": "nginx:1.9.1", "imagePullPolicy": "Never"}
        ],
        "volumes": [{"name": "scratch"}]
    }))
    .unwrap();
    default_pod_spec(&mut spec);
    let v = serde_json::to_value(&spec).unwrap();
    let policies: Vec<&Value> = (0..5)
        .map(|i| &v["containers"][i]["imagePullPolicy"])
        .collect();
    assert_eq!(
        policies,
        vec![
            &json!("Always"),
            &json!("Always"),
            &json!("Always"),
            &json!("IfNotPresent"),
            &json!("Never")
        ]
    );
    assert_eq!(v["containers"][0]["ports"][0]["protocol"], json!("TCP"));
    assert_eq!(
        v["containers"][0]["readinessProbe"],
        json!({"failureThreshold": 3, "httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
               "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1})
    );
    assert_eq!(v["volumes"][0], json!({"emptyDir": {}, "name": "scratch"}));
}

#[test]
fn pvc_and_service_defaults() {
    let mut pvc: PersistentVolumeClaim = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "x"}, "spec": {}
    }))
    .unwrap();
    default_pvc(&mut pvc);
    assert_eq!(pvc.spec.unwrap().volume_mode.as_deref(), Some("Filesystem"));

    let mut svc: Service = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx"},
        "spec": {"clusterIP": "None", "ports": [{"port": 80, "name": "web"}]}
    }))
    .unwrap();
    default_service(&mut svc);
    let spec = svc.spec.unwrap();
    assert_eq!(spec.type_.as_deref(), Some("ClusterIP"));
    assert_eq!(spec.session_affinity.as_deref(), Some("None"));
    let port = &spec.ports.unwrap()[0];
    assert_eq!(port.protocol.as_deref(), Some("TCP"));
    assert_eq!(port.target_port, Some(IntOrString::Int(80)));
}

#[test]
fn feature_gates_from_names() {
    assert_eq!(
        FeatureGates::from_names::<&str>(&[]).unwrap(),
        FeatureGates::default()
    );
    assert!(
        FeatureGates::from_names(&["MaxUnavailableStatefulSet"])
            .unwrap()
            .max_unavailable_statefulset
    );
    let err = FeatureGates::from_names(&["Foo"]).unwrap_err();
    assert!(
        err.contains("Foo") && err.contains("MaxUnavailableStatefulSet"),
        "{err}"
    );
}
