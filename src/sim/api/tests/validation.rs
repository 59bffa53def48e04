//! Validation (B-VAL) of the simulated API server.

use crate::sim::api::defaults::{default_statefulset, FeatureGates};
use crate::sim::api::field_error::{invalid_object_message, FieldError, FieldErrorKind};
use crate::sim::api::kinds::{lookup, no_matches_message};
use crate::sim::api::validation::*;
use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetStatus};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod, Service};
use serde_json::{json, Value};

fn seed_json() -> Value {
    super::fixtures_seed::statefulset()
}

/// The seed set with `edit` applied to its JSON, decoded and defaulted.
fn sts_with(edit: impl FnOnce(&mut Value)) -> StatefulSet {
    let mut v = seed_json();
    edit(&mut v);
    let mut sts: StatefulSet = serde_json::from_value(v).unwrap();
    default_statefulset(&mut sts, &FeatureGates::default());
    sts
}

fn errors_of(edit: impl FnOnce(&mut Value)) -> Vec<FieldError> {
    validate_statefulset(&sts_with(edit), &FeatureGates::default())
}

fn has(errs: &[FieldError], path: &str, detail: &str) -> bool {
    errs.iter().any(|e| e.path == path && e.detail() == detail)
}

fn texts(errs: &[FieldError]) -> Vec<String> {
    errs.iter().map(|e| e.to_string()).collect()
}

#[test]
fn seed_statefulset_is_valid() {
    let errs = errors_of(|_| {});
    assert!(errs.is_empty(), "{:?}", texts(&errs));
}

#[test]
fn b_val_1_selector_does_not_match_template_labels() {
    let errs = errors_of(|v| v["spec"]["selector"]["matchLabels"]["app"] = json!("web"));
    assert!(has(
        &errs,
        "spec.template.metadata.labels",
        "`selector` does not match template `labels`"
    ));
    assert_eq!(
        invalid_object_message("StatefulSet", "web", &errs),
        "The StatefulSet \"web\" is invalid: spec.template.metadata.labels: Invalid value: \
         {\"app\":\"nginx\"}: `selector` does not match template `labels`"
    );
}

#[test]
fn b_val_2_missing_selector_is_required_and_does_not_match() {
    let mut v = seed_json();
    v["spec"].as_object_mut().unwrap().remove("selector");
    let errs = validate_statefulset_json(&v, &FeatureGates::default()).unwrap();
    assert_eq!(
        texts(&errs),
        vec![
            "spec.selector: Required value".to_string(),
            "spec.template.metadata.labels: Invalid value: {\"app\":\"nginx\"}: `selector` does not match template `labels`".to_string(),
        ]
    );
    // With a selector present, the JSON entry point gives the same as the typed one.
    let ok = validate_statefulset_json(&seed_json(), &FeatureGates::default()).unwrap();
    assert!(ok.is_empty());
}

#[test]
fn b_val_3_empty_selector_is_invalid_without_mismatch_error() {
    let errs = errors_of(|v| v["spec"]["selector"] = json!({}));
    assert_eq!(errs.len(), 1, "{:?}", texts(&errs));
    assert!(has(
        &errs,
        "spec.selector",
        "empty selector is invalid for statefulset"
    ));
    assert_eq!(
        errs[0].to_string(),
        "spec.selector: Invalid value: {}: empty selector is invalid for statefulset"
    );
}

#[test]
fn b_val_4_negative_replicas() {
    let errs = errors_of(|v| v["spec"]["replicas"] = json!(-1));
    assert_eq!(
        texts(&errs),
        vec!["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]
    );
    assert_eq!(
        invalid_object_message("StatefulSet", "web", &errs),
        "The StatefulSet \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
}

#[test]
fn b_val_5_pod_management_policy() {
    let errs = errors_of(|v| v["spec"]["podManagementPolicy"] = json!("Foo"));
    assert_eq!(
        texts(&errs),
        vec!["spec.podManagementPolicy: Invalid value: \"Foo\": must be 'OrderedReady' or 'Parallel'"]
    );
}

#[test]
fn b_val_6_update_strategy_type() {
    let errs = errors_of(|v| v["spec"]["updateStrategy"] = json!({"type": "Foo"}));
    assert!(has(
        &errs,
        "spec.updateStrategy",
        "must be 'RollingUpdate' or 'OnDelete'"
    ));
    assert_eq!(errs.len(), 1);
}

#[test]
fn b_val_7_rolling_update_with_on_delete() {
    let errs = errors_of(|v| {
        v["spec"]["updateStrategy"] = json!({"type": "OnDelete", "rollingUpdate": {"partition": 0}})
    });
    assert!(has(
        &errs,
        "spec.updateStrategy.rollingUpdate",
        "only allowed for updateStrategy 'RollingUpdate'"
    ));
    assert_eq!(
        errs[0].to_string(),
        "spec.updateStrategy.rollingUpdate: Invalid value: {\"Partition\":0,\"MaxUnavailable\":null}: only allowed for updateStrategy 'RollingUpdate'"
    );
    // OnDelete without rollingUpdate is fine.
    assert!(errors_of(|v| v["spec"]["updateStrategy"] = json!({"type": "OnDelete"})).is_empty());
}

#[test]
fn b_val_8_negative_partition() {
    let errs = errors_of(|v| {
        v["spec"]["updateStrategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": -1}})
    });
    assert_eq!(
        texts(&errs),
        vec!["spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"]
    );
}

#[test]
fn b_val_9_max_unavailable_zero_with_gate_on() {
    let gates = FeatureGates::from_names(&["MaxUnavailableStatefulSet"]).unwrap();
    let mut v = seed_json();
    v["spec"]["updateStrategy"] =
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}});
    let mut sts: StatefulSet = serde_json::from_value(v).unwrap();
    default_statefulset(&mut sts, &gates);
    let errs = validate_statefulset(&sts, &gates);
    assert_eq!(
        texts(&errs),
        vec!["spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0"]
    );
    let mut v = seed_json();
    v["spec"]["updateStrategy"] =
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "150%"}});
    let mut sts: StatefulSet = serde_json::from_value(v).unwrap();
    default_statefulset(&mut sts, &gates);
    let errs = validate_statefulset(&sts, &gates);
    assert!(has(
        &errs,
        "spec.updateStrategy.rollingUpdate.maxUnavailable",
        "must not be greater than 100%"
    ));
}

#[test]
fn b_val_10_restart_policy_must_be_always() {
    let errs = errors_of(|v| v["spec"]["template"]["spec"]["restartPolicy"] = json!("Never"));
    assert_eq!(
        texts(&errs),
        vec!["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""]
    );
}

#[test]
fn b_val_11_active_deadline_seconds_forbidden() {
    let errs = errors_of(|v| v["spec"]["template"]["spec"]["activeDeadlineSeconds"] = json!(10));
    assert_eq!(
        texts(&errs),
        vec!["spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported"]
    );
}

#[test]
fn b_val_12_min_ready_seconds_and_ordinals_start() {
    let errs = errors_of(|v| {
        v["spec"]["minReadySeconds"] = json!(-1);
        v["spec"]["ordinals"] = json!({"start": -1});
    });
    assert!(has(
        &errs,
        "spec.minReadySeconds",
        "must be greater than or equal to 0"
    ));
    assert!(has(
        &errs,
        "spec.ordinals.start",
        "must be greater than or equal to 0"
    ));
    assert_eq!(errs.len(), 2);
}

#[test]
fn b_val_13_retention_policy_values() {
    let errs = errors_of(|v| {
        v["spec"]["persistentVolumeClaimRetentionPolicy"] =
            json!({"whenDeleted": "Foo", "whenScaled": "Bar"})
    });
    assert_eq!(
        texts(&errs),
        vec![
            "spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: \"Foo\": supported values: \"Retain\", \"Delete\"",
            "spec.persistentVolumeClaimRetentionPolicy.whenScaled: Unsupported value: \"Bar\": supported values: \"Retain\", \"Delete\"",
        ]
    );
}

#[test]
fn b_val_14_forbidden_update_of_other_spec_fields() {
    let gates = FeatureGates::default();
    let old = sts_with(|_| {});
    for edit in [
        |v: &mut Value| v["spec"]["serviceName"] = json!("other"),
        |v: &mut Value| v["spec"]["podManagementPolicy"] = json!("Parallel"),
        |v: &mut Value| {
            v["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] =
                json!("2Gi")
        },
    ] {
        let new = sts_with(edit);
        let errs = validate_statefulset_update(&new, &old, &gates);
        assert_eq!(
            invalid_object_message("StatefulSet", "web", &errs),
            "The StatefulSet \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
        );
    }
    // Quantities compare by value, as upstream's semantic equality does.
    let new = sts_with(|v| {
        v["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] =
            json!("1024Mi")
    });
    assert!(validate_statefulset_update(&new, &old, &gates).is_empty());
    // The allowed fields may change.
    let new = sts_with(|v| {
        v["spec"]["replicas"] = json!(5);
        v["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.10");
        v["spec"]["updateStrategy"] = json!({"type": "OnDelete"});
        v["spec"]["revisionHistoryLimit"] = json!(3);
        v["spec"]["minReadySeconds"] = json!(10);
        v["spec"]["ordinals"] = json!({"start": 2});
        v["spec"]["persistentVolumeClaimRetentionPolicy"] =
            json!({"whenDeleted": "Delete", "whenScaled": "Delete"});
    });
    let errs = validate_statefulset_update(&new, &old, &gates);
    assert!(errs.is_empty(), "{:?}", texts(&errs));
}

#[test]
fn several_errors_are_listed_in_brackets() {
    let errs = errors_of(|v| {
        v["spec"]["replicas"] = json!(-1);
        v["spec"]["podManagementPolicy"] = json!("Foo");
    });
    assert_eq!(
        invalid_object_message("StatefulSet", "web", &errs),
        "The StatefulSet \"web\" is invalid: [spec.podManagementPolicy: Invalid value: \"Foo\": must be 'OrderedReady' or 'Parallel', spec.replicas: Invalid value: -1: must be greater than or equal to 0]"
    );
}

#[test]
fn b_val_15_statefulset_name_is_a_dns_label() {
    let upper = errors_of(|v| v["metadata"]["name"] = json!("Web"));
    assert_eq!(upper.len(), 1);
    assert_eq!(upper[0].path, "metadata.name");
    assert!(upper[0]
        .to_string()
        .starts_with("metadata.name: Invalid value: \"Web\": "));
    assert!(upper[0].detail().contains(
        "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    ));
    let dots = errors_of(|v| v["metadata"]["name"] = json!("web.v1"));
    assert_eq!(
        texts(&dots),
        vec!["metadata.name: Invalid value: \"web.v1\": must not contain dots"]
    );
    let long = "a".repeat(64);
    let errs = errors_of(|v| v["metadata"]["name"] = json!(long));
    assert!(has(
        &errs,
        "metadata.name",
        "must be no more than 63 characters"
    ));
    // Other kinds take DNS subdomains (dots allowed).
    assert!(validate_object_meta_name("ConfigMap", "web.v1").is_empty());
    assert!(validate_object_meta_name("PersistentVolumeClaim", "www-web-0").is_empty());
    assert_eq!(
        texts(&validate_object_meta_name("StatefulSet", "")),
        vec!["metadata.name: Required value: name or generateName is required"]
    );
}

#[test]
fn b_val_16_negative_revision_history_limit_is_a_warning() {
    let sts = sts_with(|v| v["spec"]["revisionHistoryLimit"] = json!(-1));
    assert!(validate_statefulset(&sts, &FeatureGates::default()).is_empty());
    assert_eq!(
        statefulset_warnings(&sts),
        vec!["spec.revisionHistoryLimit: a negative value retains all historical revisions; a value >= 0 is recommended"]
    );
    assert!(statefulset_warnings(&sts_with(|_| {})).is_empty());
}

#[test]
fn b_val_17_status_counts() {
    let status = StatefulSetStatus {
        replicas: 2,
        ready_replicas: Some(3),
        available_replicas: Some(3),
        collision_count: Some(0),
        ..Default::default()
    };
    let old = StatefulSetStatus {
        collision_count: Some(1),
        ..Default::default()
    };
    let errs = validate_statefulset_status(&status, Some(&old));
    assert!(has(
        &errs,
        "status.readyReplicas",
        "cannot be greater than status.replicas"
    ));
    assert!(has(
        &errs,
        "status.availableReplicas",
        "cannot be greater than status.replicas"
    ));
    assert!(has(&errs, "status.collisionCount", "cannot be decremented"));
}

#[test]
fn b_val_18_template_and_claim_templates_validated_at_create() {
    let errs = errors_of(|v| {
        v["spec"]["template"]["spec"]["containers"][0]
            .as_object_mut()
            .unwrap()
            .remove("image");
    });
    assert_eq!(
        texts(&errs),
        vec!["spec.template.spec.containers[0].image: Required value"]
    );
    let errs = errors_of(|v| {
        v["spec"]["volumeClaimTemplates"][0]["spec"]
            .as_object_mut()
            .unwrap()
            .remove("accessModes");
    });
    assert_eq!(
        texts(&errs),
        vec!["spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required"]
    );
    // A mount naming no volume passes set validation; it fails when the pod is created.
    let errs = errors_of(|v| {
        v["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["name"] = json!("data")
    });
    assert!(errs.is_empty(), "{:?}", texts(&errs));
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-0", "labels": {"app": "nginx"}},
        "spec": {
            "containers": [{"name": "nginx", "image": "nginx:1.9.1",
                "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
            "volumes": [{"name": "www", "persistentVolumeClaim": {"claimName": "www-web-0"}}]
        }
    }))
    .unwrap();
    assert_eq!(
        texts(&validate_pod(&pod)),
        vec!["spec.containers[0].volumeMounts[0].name: Not found: \"data\""]
    );
    assert_eq!(
        invalid_object_message("Pod", "web-0", &validate_pod(&pod)),
        "The Pod \"web-0\" is invalid: spec.containers[0].volumeMounts[0].name: Not found: \"data\""
    );
}

#[test]
fn b_val_19_long_set_name_makes_pod_label_too_long() {
    let name = "a".repeat(55);
    // The set itself is valid (≤63).
    assert!(errors_of(|v| v["metadata"]["name"] = json!(name)).is_empty());
    let hash_label = format!("{name}-58d5fbb889");
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{name}-0"), "labels": {"controller-revision-hash": hash_label}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}
    }))
    .unwrap();
    let errs = validate_pod(&pod);
    assert_eq!(
        texts(&errs),
        vec![format!(
            "metadata.labels: Invalid value: \"{hash_label}\": must be no more than 63 characters"
        )]
    );
}

#[test]
fn b_val_20_service_name_is_not_checked() {
    assert!(errors_of(|v| v["spec"]["serviceName"] = json!("does-not-exist")).is_empty());
    assert!(errors_of(|v| {
        v["spec"].as_object_mut().unwrap().remove("serviceName");
    })
    .is_empty());
}

#[test]
fn pod_container_names_required_and_unique() {
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [
            {"name": "a", "image": "x"}, {"name": "a", "image": "y"}, {"name": "", "image": "z"}
        ]}
    }))
    .unwrap();
    assert_eq!(
        texts(&validate_pod(&pod)),
        vec![
            "spec.containers[1].name: Duplicate value: \"a\"",
            "spec.containers[2].name: Required value",
        ]
    );
}

fn defaulted_service(value: Value) -> Service {
    let mut svc: Service = serde_json::from_value(value).unwrap();
    crate::sim::api::defaults::default_service(&mut svc);
    svc
}

#[test]
fn service_validation() {
    let headless = defaulted_service(json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx"},
        "spec": {"clusterIP": "None", "clusterIPs": ["None"], "selector": {"app": "nginx"}}
    }));
    assert!(validate_service(&headless).is_empty());
    // The allocator has made `clusterIPs` follow `clusterIP` before validation runs
    // (`normalizeClusterIPs`), so the bad address is reported at `clusterIPs[0]`.
    let no_ports = defaulted_service(json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx"},
        "spec": {"clusterIP": "bogus", "clusterIPs": ["bogus"]}
    }));
    assert_eq!(
        texts(&validate_service(&no_ports)),
        vec![
            "spec.ports: Required value",
            "spec.clusterIPs[0]: Invalid value: \"bogus\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        ]
    );
    // An undefaulted Service misses what `SetDefaults_Service` fills.
    let raw: Service = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx"},
        "spec": {"clusterIP": "None", "clusterIPs": ["None"]}
    }))
    .unwrap();
    assert_eq!(
        texts(&validate_service(&raw)),
        vec![
            "spec.sessionAffinity: Required value",
            "spec.type: Required value"
        ]
    );
}

#[test]
fn service_update_keeps_the_primary_cluster_ip() {
    let old = defaulted_service(json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx"},
        "spec": {"clusterIP": "10.96.0.2", "clusterIPs": ["10.96.0.2"], "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack", "selector": {"app": "nginx"}, "ports": [{"port": 80}]}
    }));
    let headless = defaulted_service(json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx"},
        "spec": {"clusterIP": "None", "clusterIPs": ["None"], "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack", "selector": {"app": "nginx"}, "ports": [{"port": 80}]}
    }));
    // Lists are rendered as JSON since v1.34 (kubernetes PR #132314).
    assert_eq!(
        texts(&validate_service_update(&headless, &old)),
        vec!["spec.clusterIPs[0]: Invalid value: [\"None\"]: may not change once set"]
    );
    assert_eq!(
        texts(&validate_service_update(&old, &headless)),
        vec!["spec.clusterIPs[0]: Invalid value: [\"10.96.0.2\"]: may not change once set"]
    );
    assert!(validate_service_update(&old, &old).is_empty());
}

#[test]
fn service_ports_are_checked_as_upstream_checks_them() {
    let svc = defaulted_service(json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "np"},
        "spec": {"type": "NodePort", "clusterIP": "10.96.0.2", "clusterIPs": ["10.96.0.2"],
            "ports": [
                {"name": "a", "port": 80, "nodePort": 30080},
                {"name": "b", "port": 80, "nodePort": 30080, "targetPort": "-web"}
            ]}
    }));
    assert_eq!(
        texts(&validate_service(&svc)),
        vec![
            "spec.ports[1].targetPort: Invalid value: \"-web\": must not begin or end with a hyphen",
            "spec.ports[1].nodePort: Duplicate value: 30080",
            "spec.ports[1]: Duplicate value: {\"Name\":\"\",\"Protocol\":\"TCP\",\"AppProtocol\":null,\"Port\":80,\"TargetPort\":0,\"NodePort\":0}",
        ]
    );
}

#[test]
fn pvc_validation() {
    let pvc: PersistentVolumeClaim = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "www-web-0"},
        "spec": {}
    }))
    .unwrap();
    assert_eq!(
        texts(&validate_pvc(&pvc)),
        vec![
            "spec.accessModes: Required value: at least 1 access mode is required",
            "spec.resources[storage]: Required value"
        ]
    );
}

#[test]
fn field_error_display_forms() {
    let e = FieldError {
        path: "spec.x".into(),
        kind: FieldErrorKind::TooLong { max: 63 },
    };
    assert_eq!(
        e.to_string(),
        "spec.x: Too long: may not be more than 63 bytes"
    );
    assert_eq!(
        FieldError::forbidden("spec", "nope").to_string(),
        "spec: Forbidden: nope"
    );
}

#[test]
fn unknown_kind_is_refused_with_kubectl_text() {
    assert!(lookup("apps/v1", "StatefulSet").unwrap().simulated);
    assert!(!lookup("v1", "ConfigMap").unwrap().simulated);
    assert_eq!(
        lookup("apps/v1", "StatefullSet").unwrap_err(),
        "no matches for kind \"StatefullSet\" in version \"apps/v1\""
    );
    assert_eq!(
        no_matches_message("web", "web.yaml", "apps/v1", "StatefullSet"),
        "resource mapping not found for name: \"web\" namespace: \"\" from \"web.yaml\": no matches for kind \"StatefullSet\" in version \"apps/v1\"\nensure CRDs are installed first"
    );
}
