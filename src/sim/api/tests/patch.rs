//! Patches, kubectl apply and strict decoding of the simulated API server.

use crate::sim::api::apply::{apply_patch, last_applied, LAST_APPLIED};
use crate::sim::api::defaults::{default_statefulset, FeatureGates};
use crate::sim::api::patch::{json_patch, merge_patch, strategic_merge_patch, PatchError};
use crate::sim::api::strict::{decode_error_message, strict_decoding_message, unknown_fields};
use crate::sim::api::validation::validate_statefulset;
use k8s_openapi::api::apps::v1::StatefulSet;
use serde_json::{json, Value};

fn seed_docs() -> Vec<Value> {
    super::fixtures_seed::documents()
}

fn seed_sts() -> Value {
    super::fixtures_seed::statefulset()
}

fn defaulted_sts() -> Value {
    let mut sts: StatefulSet = serde_json::from_value(seed_sts()).unwrap();
    default_statefulset(&mut sts, &FeatureGates::default());
    serde_json::to_value(&sts).unwrap()
}

fn two_containers() -> Value {
    json!({"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.9.1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
        {"name": "sidecar", "image": "busybox"}
    ]}}}})
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch

#[test]
fn smp_containers_merge_by_name() {
    let patched = strategic_merge_patch(
        &two_containers(),
        &json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.10"}]}}}}),
        "StatefulSet",
    )
    .unwrap();
    let cs = &patched["spec"]["template"]["spec"]["containers"];
    assert_eq!(cs.as_array().unwrap().len(), 2);
    assert_eq!(cs[0]["image"], json!("nginx:1.10"));
    assert_eq!(cs[0]["env"].as_array().unwrap().len(), 2);
    assert_eq!(cs[1], json!({"name": "sidecar", "image": "busybox"}));
}

#[test]
fn smp_env_merges_by_name_and_new_items_follow_the_patch_order() {
    let patched = strategic_merge_patch(
        &two_containers(),
        &json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx",
            "env": [{"name": "B", "value": "20"}, {"name": "C", "value": "3"}]}]}}}}),
        "StatefulSet",
    )
    .unwrap();
    assert_eq!(
        patched["spec"]["template"]["spec"]["containers"][0]["env"],
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "20"}, {"name": "C", "value": "3"}])
    );
}

#[test]
fn smp_null_deletes_and_delete_directive_removes_item() {
    let patched = strategic_merge_patch(
        &two_containers(),
        &json!({"spec": {"template": {"spec": {"containers": [
            {"name": "nginx", "env": null},
            {"name": "sidecar", "$patch": "delete"}
        ]}}}}),
        "StatefulSet",
    )
    .unwrap();
    assert_eq!(
        patched["spec"]["template"]["spec"]["containers"],
        json!([{"name": "nginx", "image": "nginx:1.9.1"}])
    );
}

#[test]
fn smp_patch_replace_directive() {
    // On a list: the list becomes exactly the other items.
    let patched = strategic_merge_patch(
        &two_containers(),
        &json!({"spec": {"template": {"spec": {"containers": [
            {"$patch": "replace"}, {"name": "only", "image": "x"}
        ]}}}}),
        "StatefulSet",
    )
    .unwrap();
    assert_eq!(
        patched["spec"]["template"]["spec"]["containers"],
        json!([{"name": "only", "image": "x"}])
    );
    // On a map: the map becomes exactly the patch.
    let patched = strategic_merge_patch(
        &json!({"metadata": {"labels": {"a": "1", "b": "2"}}}),
        &json!({"metadata": {"labels": {"$patch": "replace", "c": "3"}}}),
        "Pod",
    )
    .unwrap();
    assert_eq!(patched["metadata"]["labels"], json!({"c": "3"}));
}

#[test]
fn smp_lists_without_merge_key_are_replaced_and_finalizers_merge() {
    let orig = json!({"metadata": {"finalizers": ["a"]}, "spec": {"tolerations": [{"key": "x"}]}});
    let patched = strategic_merge_patch(
        &orig,
        &json!({"metadata": {"finalizers": ["example.com/hold"]}, "spec": {"tolerations": [{"key": "y"}]}}),
        "Pod",
    )
    .unwrap();
    // mergeSlice orders the union by normalizeElementOrder: the patch's new item first.
    assert_eq!(
        patched["metadata"]["finalizers"],
        json!(["example.com/hold", "a"])
    );
    assert_eq!(patched["spec"]["tolerations"], json!([{"key": "y"}]));
}

/// apimachinery strategicpatch `mergeSlice` → `normalizeElementOrder` → `mergeSortedSlice`:
/// a patch item the live list does not have comes before the server-only items; the patch's
/// items keep the patch's order; the server's keep theirs. (The kubectl patch task on
/// kubernetes.io prints the added redis container before nginx.)
#[test]
fn smp_new_items_come_first_in_the_patch_order() {
    let containers = |v: &Value| -> Vec<String> {
        v["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    let patched = strategic_merge_patch(
        &two_containers(),
        &json!({"spec": {"template": {"spec": {"containers": [{"name": "redis", "image": "redis"}]}}}}),
        "StatefulSet",
    )
    .unwrap();
    assert_eq!(containers(&patched), ["redis", "nginx", "sidecar"]);
    // Existing items named by the patch take the patch's order among themselves.
    let patched = strategic_merge_patch(
        &two_containers(),
        &json!({"spec": {"template": {"spec": {"containers": [
            {"name": "sidecar", "image": "b"}, {"name": "new"}, {"name": "nginx", "image": "n"}
        ]}}}}),
        "StatefulSet",
    )
    .unwrap();
    assert_eq!(containers(&patched), ["sidecar", "new", "nginx"]);
    // env [A, B] patched with [C]: C first.
    let patched = strategic_merge_patch(
        &two_containers(),
        &json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "env": [{"name": "C", "value": "3"}]}]}}}}),
        "StatefulSet",
    )
    .unwrap();
    let env: Vec<&str> = patched["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(env, ["C", "A", "B"]);
    // Scalars: [a, b] patched with [c, a]: the new `c` first, then `a` (before the
    // server-only `b` in the live list), then `b`.
    let patched = strategic_merge_patch(
        &json!({"metadata": {"finalizers": ["a", "b"]}}),
        &json!({"metadata": {"finalizers": ["c", "a"]}}),
        "Pod",
    )
    .unwrap();
    assert_eq!(patched["metadata"]["finalizers"], json!(["c", "a", "b"]));
    // A server item before the patch's existing item stays before it.
    let patched = strategic_merge_patch(
        &json!({"metadata": {"finalizers": ["a", "b"]}}),
        &json!({"metadata": {"finalizers": ["b"]}}),
        "Pod",
    )
    .unwrap();
    assert_eq!(patched["metadata"]["finalizers"], json!(["a", "b"]));
}

/// `$setElementOrder/<list>` (what kubectl apply's patches carry) orders the merged list.
#[test]
fn smp_set_element_order_orders_the_list() {
    let patched = strategic_merge_patch(
        &two_containers(),
        &json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx",
            "$setElementOrder/env": [{"name": "C"}, {"name": "B"}],
            "env": [{"name": "C", "value": "3"}]}]}}}}),
        "StatefulSet",
    )
    .unwrap();
    assert_eq!(
        patched["spec"]["template"]["spec"]["containers"][0]["env"],
        json!([{"name": "C", "value": "3"}, {"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
    );
    let patched = strategic_merge_patch(
        &json!({"metadata": {"finalizers": ["a", "b"]}}),
        &json!({"metadata": {"$setElementOrder/finalizers": ["b", "a"]}}),
        "Pod",
    )
    .unwrap();
    assert_eq!(patched["metadata"]["finalizers"], json!(["b", "a"]));
}

#[test]
fn smp_merge_directive_in_a_list_is_refused() {
    let err = strategic_merge_patch(
        &two_containers(),
        &json!({"spec": {"template": {"spec": {"containers": [{"name": "x", "$patch": "merge"}]}}}}),
        "StatefulSet",
    )
    .unwrap_err();
    assert_eq!(err, "merging lists cannot yet be specified in the patch");
}

#[test]
fn smp_service_ports_merge_by_port_container_ports_by_container_port() {
    let svc = json!({"spec": {"ports": [{"port": 80, "name": "web"}]}});
    let patched = strategic_merge_patch(
        &svc,
        &json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "name": "tls"}]}}),
        "Service",
    )
    .unwrap();
    assert_eq!(
        patched["spec"]["ports"],
        json!([{"port": 80, "name": "web", "targetPort": 8080}, {"port": 443, "name": "tls"}])
    );
    let sts = defaulted_sts();
    let patched = strategic_merge_patch(
        &sts,
        &json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx",
            "ports": [{"containerPort": 80, "name": "http"}]}]}}}}),
        "StatefulSet",
    )
    .unwrap();
    assert_eq!(
        patched["spec"]["template"]["spec"]["containers"][0]["ports"],
        json!([{"containerPort": 80, "name": "http", "protocol": "TCP"}])
    );
}

#[test]
fn smp_missing_merge_key_is_an_error() {
    let err = strategic_merge_patch(
        &two_containers(),
        &json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}),
        "StatefulSet",
    )
    .unwrap_err();
    assert!(
        err.contains("does not contain declared merge key: name"),
        "{err}"
    );
}

#[test]
fn b_val_21_tutorial_on_delete_patch_fails_on_defaulted_set() {
    // naive: treating updateStrategy as replaced by the patch (retainKeys) would drop
    // rollingUpdate and accept the patch; upstream has no retainKeys strategy on this field.
    let live = defaulted_sts();
    let patched = strategic_merge_patch(
        &live,
        &json!({"spec": {"updateStrategy": {"type": "OnDelete"}}}),
        "StatefulSet",
    )
    .unwrap();
    assert_eq!(
        patched["spec"]["updateStrategy"],
        json!({"type": "OnDelete", "rollingUpdate": {"partition": 0}})
    );
    let sts: StatefulSet = serde_json::from_value(patched).unwrap();
    let errs = validate_statefulset(&sts, &FeatureGates::default());
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].path, "spec.updateStrategy.rollingUpdate");
    assert_eq!(
        errs[0].detail(),
        "only allowed for updateStrategy 'RollingUpdate'"
    );

    // With "rollingUpdate": null in the same patch it works.
    let patched = strategic_merge_patch(
        &live,
        &json!({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}}}),
        "StatefulSet",
    )
    .unwrap();
    assert_eq!(
        patched["spec"]["updateStrategy"],
        json!({"type": "OnDelete"})
    );
    let sts: StatefulSet = serde_json::from_value(patched).unwrap();
    assert!(validate_statefulset(&sts, &FeatureGates::default()).is_empty());
}

// ---------------------------------------------------------------------------------------------
// JSON merge patch and JSON patch

#[test]
fn merge_patch_replaces_lists_and_null_deletes() {
    let patched = merge_patch(
        &two_containers(),
        &json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "x", "image": "y"}]}}}}),
    )
    .unwrap();
    assert_eq!(patched["spec"]["replicas"], json!(3));
    assert_eq!(
        patched["spec"]["template"]["spec"]["containers"],
        json!([{"name": "x", "image": "y"}])
    );
    let patched = merge_patch(&json!({"a": 1, "b": 2}), &json!({"a": null})).unwrap();
    assert_eq!(patched, json!({"b": 2}));
    // evanphx/json-patch `MergePatch`: a list replaces the document; a scalar or null is
    // `Invalid JSON Patch`.
    assert_eq!(merge_patch(&json!({"a": 1}), &json!([1])), Ok(json!([1])));
    for bad in [json!("x"), json!(42), json!(null), json!(true)] {
        assert_eq!(
            merge_patch(&json!({"a": 1}), &bad),
            Err(PatchError::BadRequest("Invalid JSON Patch".into()))
        );
    }
}

#[test]
fn json_patch_replace_container_image() {
    let patched = json_patch(
        &defaulted_sts(),
        &json!([{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "mysql:5.7.23"}]),
    )
    .unwrap();
    assert_eq!(
        patched["spec"]["template"]["spec"]["containers"][0]["image"],
        json!("mysql:5.7.23")
    );
    let err = json_patch(
        &defaulted_sts(),
        &json!([{"op": "replace", "path": "/spec/nothing/here", "value": 1}]),
    )
    .unwrap_err();
    // The generic 422; the detail is scn's hint.
    let PatchError::Unprocessable(detail) = err else {
        panic!("{err:?}")
    };
    assert!(detail.contains("(replace /spec/nothing/here)"), "{detail}");
    assert_eq!(
        json_patch(&json!({}), &json!({"op": "add"})),
        Err(PatchError::BadRequest(
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch".into()
        ))
    );
    assert_eq!(
        json_patch(&json!({}), &json!([1])),
        Err(PatchError::BadRequest(
            "json: cannot unmarshal number into Go value of type jsonpatch.Operation".into()
        ))
    );
    assert!(matches!(
        json_patch(&json!({}), &json!([{"op": "bogus", "path": "/a"}])),
        Err(PatchError::Unprocessable(_))
    ));
    assert!(matches!(
        json_patch(
            &json!({"a": 1}),
            &json!([{"op": "test", "path": "/a", "value": 2}])
        ),
        Err(PatchError::Unprocessable(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// kubectl apply

#[test]
fn apply_creates_with_last_applied_annotation() {
    let file = seed_sts();
    let created = apply_patch(None, &file, &Value::Null, "StatefulSet").unwrap();
    let stored = last_applied(&created).unwrap();
    assert_eq!(stored["spec"], file["spec"]);
    assert_eq!(stored["metadata"]["annotations"], json!({}));
    let text = created["metadata"]["annotations"][LAST_APPLIED]
        .as_str()
        .unwrap();
    assert!(text.starts_with(r#"{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"annotations":{},"name":"web"},"spec":{"replicas":2,"#), "{text}");
}

#[test]
fn apply_removes_fields_dropped_from_the_file_and_keeps_other_writers_fields() {
    // First apply: the file sets minReadySeconds and an env var, but not replicas' owner.
    let mut v1 = seed_sts();
    v1["spec"].as_object_mut().unwrap().remove("replicas");
    v1["spec"]["minReadySeconds"] = json!(5);
    v1["spec"]["template"]["spec"]["containers"][0]["env"] = json!([{"name": "A", "value": "1"}]);
    let created = apply_patch(None, &v1, &Value::Null, "StatefulSet").unwrap();
    // The server defaults, `kubectl scale` sets replicas, the controller writes status.
    let mut sts: StatefulSet = serde_json::from_value(created).unwrap();
    default_statefulset(&mut sts, &FeatureGates::default());
    let mut live = serde_json::to_value(&sts).unwrap();
    live["spec"]["replicas"] = json!(5);
    live["metadata"]["annotations"]["example.com/owner"] = json!("someone");
    live["status"] = json!({"replicas": 5, "readyReplicas": 5});
    // Second apply: minReadySeconds and the env var removed from the file, image changed.
    let mut v2 = seed_sts();
    v2["spec"].as_object_mut().unwrap().remove("replicas");
    v2["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.10");
    let last = last_applied(&live);
    let out = apply_patch(last.as_ref(), &v2, &live, "StatefulSet").unwrap();
    assert!(out["spec"].get("minReadySeconds").is_none());
    let c = &out["spec"]["template"]["spec"]["containers"][0];
    assert!(c.get("env").is_none());
    assert_eq!(c["image"], json!("nginx:1.10"));
    // Defaulted fields the file never set stay.
    assert_eq!(c["imagePullPolicy"], json!("IfNotPresent"));
    assert_eq!(out["spec"]["revisionHistoryLimit"], json!(10));
    // Fields set by other writers stay.
    assert_eq!(out["spec"]["replicas"], json!(5));
    assert_eq!(out["status"], json!({"replicas": 5, "readyReplicas": 5}));
    assert_eq!(
        out["metadata"]["annotations"]["example.com/owner"],
        json!("someone")
    );
    assert_eq!(last_applied(&out).unwrap()["spec"], v2["spec"]);
}

#[test]
fn apply_list_items_merge_by_key_and_removed_items_go() {
    let mut v1 = seed_sts();
    v1["spec"]["template"]["spec"]["containers"] = json!([
        {"name": "nginx", "image": "nginx:1.9.1"},
        {"name": "sidecar", "image": "busybox"}
    ]);
    let live = apply_patch(None, &v1, &Value::Null, "StatefulSet").unwrap();
    let mut live = live;
    // Another writer injects a container the file never had.
    live["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "injected", "image": "proxy"}));
    let mut v2 = seed_sts();
    v2["spec"]["template"]["spec"]["containers"] =
        json!([{"name": "nginx", "image": "nginx:1.10"}]);
    let out = apply_patch(last_applied(&live).as_ref(), &v2, &live, "StatefulSet").unwrap();
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([{"name": "nginx", "image": "nginx:1.10"}, {"name": "injected", "image": "proxy"}])
    );
}

/// kubectl apply's three-way patch carries `$setElementOrder` with the file's order: live env
/// [A, B] (A and B added by another writer), file [C, B] → [C, A, B], as the API server's
/// `mergeSortedSlice` interleaves the server-only A.
#[test]
fn apply_orders_list_items_as_the_set_element_order_patch_does() {
    let v1 = seed_sts();
    let mut live = apply_patch(None, &v1, &Value::Null, "StatefulSet").unwrap();
    live["spec"]["template"]["spec"]["containers"][0]["env"] =
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]);
    live["metadata"]["finalizers"] = json!(["x"]);
    let mut v2 = seed_sts();
    v2["spec"]["template"]["spec"]["containers"][0]["env"] =
        json!([{"name": "C", "value": "3"}, {"name": "B", "value": "2"}]);
    v2["metadata"]["finalizers"] = json!(["y"]);
    let out = apply_patch(last_applied(&live).as_ref(), &v2, &live, "StatefulSet").unwrap();
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["env"],
        json!([{"name": "C", "value": "3"}, {"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
    );
    assert_eq!(out["metadata"]["finalizers"], json!(["y", "x"]));
}

/// B-KCTL-6: apps/v1 `DeploymentSpec.Strategy` has `patchStrategy:"retainKeys"`, so kubectl
/// apply's three-way patch (strategicpatch `diffMaps`, `BuildRetainKeysDirective`) sends
/// `"strategy": {"$retainKeys": ["type"], "type": "Recreate"}` and the API server drops the
/// server-defaulted `rollingUpdate`; the last-applied configuration is the file, no directive.
#[test]
fn apply_retain_keys_replaces_a_deployment_strategy() {
    let deploy = |strategy: Value| {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "default"},
            "spec": {"replicas": 1, "strategy": strategy,
                     "selector": {"matchLabels": {"app": "d"}},
                     "template": {"metadata": {"labels": {"app": "d"}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}
        })
    };
    // Created without a strategy; the server defaults it.
    let mut v1 = deploy(json!(null));
    v1["spec"].as_object_mut().unwrap().remove("strategy");
    let mut live = apply_patch(None, &v1, &Value::Null, "Deployment").unwrap();
    let defaulted = json!({"type": "RollingUpdate",
                           "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
    live["spec"]["strategy"] = defaulted.clone();
    let v2 = deploy(json!({"type": "Recreate"}));
    let out = apply_patch(last_applied(&live).as_ref(), &v2, &live, "Deployment").unwrap();
    assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
    let mut written = v2.clone();
    written["metadata"]["annotations"] = json!({});
    assert_eq!(last_applied(&out), Some(written));
    // Only the file's keys whose value is not null are retained.
    let v3 = deploy(json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}));
    let out = apply_patch(last_applied(&out).as_ref(), &v3, &out, "Deployment").unwrap();
    assert_eq!(
        out["spec"]["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}})
    );
    // An empty map in the file lists no key: no directive, the live strategy stays.
    // (last applied without a strategy, so nothing is deleted either).
    let v4 = deploy(json!({}));
    let mut live = apply_patch(None, &v1, &Value::Null, "Deployment").unwrap();
    live["spec"]["strategy"] = defaulted.clone();
    let out = apply_patch(last_applied(&live).as_ref(), &v4, &live, "Deployment").unwrap();
    assert_eq!(out["spec"]["strategy"], defaulted);
    // A kind whose `strategy` field has no retainKeys strategy merges it as a map.
    let mut other = live.clone();
    other["kind"] = json!("Other");
    let out = apply_patch(last_applied(&other).as_ref(), &v2, &other, "Other").unwrap();
    assert_eq!(
        out["spec"]["strategy"],
        json!({"type": "Recreate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    );
}

/// B-KCTL-6: `PodSpec.Volumes` and `PodSpec.ResourceClaims` are `merge,retainKeys`: a volume
/// whose source another writer changed (so no deletion from the last-applied configuration
/// covers it) takes the file's source alone; `updateStrategy` (StatefulSet, DaemonSet) has no
/// retainKeys and keeps the live `rollingUpdate` (B-VAL-21).
#[test]
fn apply_retain_keys_replaces_a_volume_source_and_not_an_update_strategy() {
    let mut v1 = seed_sts();
    v1["spec"]["template"]["spec"]["volumes"] =
        json!([{"name": "data", "configMap": {"name": "conf"}}, {"name": "keep", "emptyDir": {}}]);
    v1["spec"]["template"]["spec"]["resourceClaims"] =
        json!([{"name": "gpu", "resourceClaimTemplateName": "t"}]);
    let mut live = apply_patch(None, &v1, &Value::Null, "StatefulSet").unwrap();
    live["spec"]["updateStrategy"] =
        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}});
    live["spec"]["template"]["spec"]["volumes"] = json!([{"name": "data", "emptyDir": {}}, {"name": "keep", "emptyDir": {"medium": "Memory"}}]);
    live["spec"]["template"]["spec"]["resourceClaims"] =
        json!([{"name": "gpu", "resourceClaimName": "a"}]);
    let mut v2 = v1.clone();
    v2["spec"]["updateStrategy"] = json!({"type": "OnDelete"});
    let out = apply_patch(last_applied(&live).as_ref(), &v2, &live, "StatefulSet").unwrap();
    assert_eq!(
        out["spec"]["template"]["spec"]["volumes"],
        json!([{"name": "data", "configMap": {"name": "conf"}},
               {"name": "keep", "emptyDir": {"medium": "Memory"}}])
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["resourceClaims"],
        json!([{"name": "gpu", "resourceClaimTemplateName": "t"}])
    );
    assert_eq!(
        out["spec"]["updateStrategy"],
        json!({"type": "OnDelete", "rollingUpdate": {"partition": 0}})
    );
    let mut written = v2;
    written["metadata"]["annotations"] = json!({});
    assert_eq!(last_applied(&out), Some(written));
}

// ---------------------------------------------------------------------------------------------
// Strict decoding (kubectl apply --validate=strict)

#[test]
fn strict_no_false_positives_on_seed_manifests() {
    for doc in seed_docs() {
        let kind = doc["kind"].as_str().unwrap().to_string();
        assert_eq!(unknown_fields(&kind, &doc), Vec::<String>::new(), "{kind}");
    }
}

/// The first design, kept as the oracle: decode and encode through the type, and report
/// each key of the input the round trip lost, unless its value was null or empty.
fn unknown_by_round_trip(kind: &str, input: &Value) -> Vec<String> {
    fn walk(input: &Value, rt: &Value, path: &str, out: &mut Vec<String>) {
        match (input, rt) {
            (Value::Object(im), Value::Object(rm)) => {
                for (k, v) in im {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    match rm.get(k) {
                        Some(r) => walk(v, r, &p, out),
                        None if v.is_null() || v == &json!({}) || v == &json!([]) => {}
                        None => out.push(p),
                    }
                }
            }
            (Value::Array(ia), Value::Array(ra)) => {
                for (i, (iv, rv)) in ia.iter().zip(ra).enumerate() {
                    walk(iv, rv, &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let Ok(rt) = crate::sim::api::strict::roundtrip(kind, input) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(input, &rt, "", &mut out);
    out
}

/// Every object of every seed manifest, each in turn given an unknown key (with a value,
/// and with an empty one): the probe reports what the round trip loses of the key with a
/// value, path for path.
#[test]
fn strict_probe_agrees_with_the_round_trip_everywhere() {
    fn object_paths(v: &Value, at: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                out.push(at.to_string());
                for (k, v) in m {
                    object_paths(v, &format!("{at}/{k}"), out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    object_paths(v, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut checked = 0;
    for doc in seed_docs() {
        let kind = doc["kind"].as_str().unwrap().to_string();
        let mut paths = Vec::new();
        object_paths(&doc, "", &mut paths);
        for at in paths {
            // The round trip cannot tell an unknown key with an empty value from a known
            // field left empty (both are lost), so the oracle is the key given a value: the
            // probe reports the key whatever its value, as the API server's strict decoder
            // does (`volumemounts: []` is an unknown field).
            let mut with_value = doc.clone();
            with_value.pointer_mut(&at).unwrap()["zzUnknown"] = json!("x");
            let oracle = unknown_by_round_trip(&kind, &with_value);
            for extra in [
                json!("x"),
                json!({"a": 1}),
                json!({}),
                json!([]),
                Value::Null,
            ] {
                let mut v = doc.clone();
                v.pointer_mut(&at).unwrap()["zzUnknown"] = extra.clone();
                assert_eq!(
                    unknown_fields(&kind, &v),
                    oracle,
                    "{kind} at {at:?} {extra}"
                );
            }
            checked += usize::from(!oracle.is_empty());
        }
    }
    // The unknown key is reported wherever a typed struct holds it (not inside maps such
    // as labels, where every key is data).
    assert!(checked > 15, "{checked}");
}

#[test]
fn strict_unknown_fields_are_reported_with_paths() {
    let mut v = seed_sts();
    v["spec"]["foo"] = json!("bar");
    v["spec"]["replica"] = json!(3);
    v["spec"]["template"]["spec"]["containers"][0]["imagee"] = json!("nginx");
    let unknown = unknown_fields("StatefulSet", &v);
    // In the order Go's decoder meets them in the JSON kubectl sends, whose keys
    // `json.Marshal` sorts: `foo` < `replica` < `template`, whatever the manifest's order.
    assert_eq!(
        unknown,
        vec![
            "spec.foo".to_string(),
            "spec.replica".to_string(),
            "spec.template.spec.containers[0].imagee".to_string(),
        ]
    );
    assert_eq!(
        strict_decoding_message("StatefulSet", &unknown[..1]),
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: strict decoding error: unknown field \"spec.foo\""
    );
    assert_eq!(
        strict_decoding_message("StatefulSet", &unknown[..2]),
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: strict decoding error: unknown field \"spec.foo\", unknown field \"spec.replica\""
    );
}

#[test]
fn strict_ignores_null_and_empty_values_and_reports_decode_errors() {
    let mut v = seed_sts();
    v["spec"]["template"]["metadata"]["annotations"] = json!({});
    v["spec"]["template"]["spec"]["tolerations"] = json!([]);
    v["spec"]["minReadySeconds"] = Value::Null;
    assert!(unknown_fields("StatefulSet", &v).is_empty());
    let mut bad = seed_sts();
    bad["spec"]["replicas"] = json!("two");
    assert!(unknown_fields("StatefulSet", &bad).is_empty());
    let msg = decode_error_message("StatefulSet", &bad).unwrap();
    assert!(
        msg.starts_with("StatefulSet in version \"v1\" cannot be handled as a StatefulSet: "),
        "{msg}"
    );
    assert!(decode_error_message("StatefulSet", &seed_sts()).is_none());
}

/// `fieldValidation=Warn` (what `kubectl patch` gets): the unknown fields leave the object,
/// each named for its warning; every kind has its decoder (a ConfigMap's as a StatefulSet's).
#[test]
fn warn_drops_unknown_fields_of_every_kind() {
    use crate::sim::api::strict::drop_unknown_fields;
    let mut v = seed_sts();
    v["spec"]["replica"] = json!(3);
    v["spec"]["template"]["spec"]["containers"][0]["imagee"] = json!("nginx");
    let before = seed_sts();
    let dropped = drop_unknown_fields("StatefulSet", &mut v);
    assert_eq!(
        dropped,
        ["spec.replica", "spec.template.spec.containers[0].imagee"]
    );
    assert_eq!(v, before);
    let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
        "dataa": {"a": "b"}, "data": {"x": "y"}});
    assert_eq!(drop_unknown_fields("ConfigMap", &mut cm), ["dataa"]);
    assert_eq!(cm.get("dataa"), None);
    assert_eq!(cm["data"], json!({"x": "y"}));
    let mut pdb = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": "p"}, "spec": {"maxUnavailble": 1}});
    assert_eq!(
        unknown_fields("PodDisruptionBudget", &pdb),
        ["spec.maxUnavailble"]
    );
    drop_unknown_fields("PodDisruptionBudget", &mut pdb);
    assert_eq!(pdb["spec"], json!({}));
}

// strategicpatch `CreateThreeWayMergePatch`, as kubectl apply sends it (and quotes it when the
// server refuses it): the changes from the live object to the file, the deletions from the
// last-applied configuration to the file, a changed merge list's `$setElementOrder`.
#[test]
fn three_way_patch_changes_deletions_and_element_order() {
    use crate::sim::api::apply::three_way_patch;
    let original =
        json!({"metadata": {"name": "c", "labels": {"a": "1", "b": "2"}}, "data": {"x": "1"}});
    let modified = json!({"metadata": {"name": "c", "labels": {"a": "1"}}, "data": {"x": "2"}});
    let current = json!({"metadata": {"name": "c", "uid": "u", "labels": {"a": "1", "b": "2", "c": "3"}}, "data": {"x": "1", "y": "9"}});
    assert_eq!(
        three_way_patch(Some(&original), &modified, &current, "ConfigMap"),
        r#"{"data":{"x":"2"},"metadata":{"labels":{"b":null}}}"#
    );
    // Nothing to change: the empty patch kubectl does not send.
    assert_eq!(
        three_way_patch(Some(&modified), &modified, &modified, "ConfigMap"),
        "{}"
    );
    // A container dropped from the file is a `$patch: delete` item after the changed ones.
    let original =
        json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
    let modified = json!({"spec": {"containers": [{"name": "a", "image": "z"}]}});
    let current = json!({"spec": {"containers": [{"name": "a", "image": "x", "imagePullPolicy": "Always"}, {"name": "b", "image": "y"}]}});
    assert_eq!(
        three_way_patch(Some(&original), &modified, &current, "Pod"),
        r#"{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"image":"z","name":"a"},{"$patch":"delete","name":"b"}]}}"#
    );
    // A finalizer the file dropped goes in the parallel deletion list.
    let original = json!({"metadata": {"finalizers": ["a/x", "b/y"]}});
    let modified = json!({"metadata": {"finalizers": ["a/x"]}});
    assert_eq!(
        three_way_patch(Some(&original), &modified, &original, "ConfigMap"),
        r#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["b/y"],"$setElementOrder/finalizers":["a/x"]}}"#
    );
    // `retainKeys` (a Deployment's strategy): the file's keys, sorted, with the change.
    let original = json!({"spec": {"strategy": {"type": "RollingUpdate"}}});
    let modified = json!({"spec": {"strategy": {"type": "Recreate"}}});
    let current = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}}}});
    assert_eq!(
        three_way_patch(Some(&original), &modified, &current, "Deployment"),
        r#"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#
    );
}
