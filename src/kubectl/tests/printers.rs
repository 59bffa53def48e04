//! `kubectl get` printers: cells as kubectl prints them.

use crate::kubectl::duration::human_duration;
use crate::kubectl::printers::{self, pod_status};
use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::{json, Value};

const CREATED: &str = "2026-01-01T00:00:00Z";

fn at(s: &str) -> Time {
    serde_json::from_value(json!(s)).expect("timestamp")
}

/// Five minutes after CREATED.
fn now() -> Time {
    at("2026-01-01T00:05:00Z")
}

fn obj<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("object")
}

fn pod(name: &str, status: Value) -> Pod {
    let mut v = json!({
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": CREATED},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}], "nodeName": "node-1"},
    });
    if !status.is_null() {
        v["status"] = status;
    }
    obj(v)
}

fn running_status(ip: &str) -> Value {
    json!({
        "phase": "Running",
        "podIP": ip,
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{
            "name": "nginx", "image": "nginx:1.27", "imageID": "", "ready": true,
            "restartCount": 0, "started": true,
            "state": {"running": {"startedAt": CREATED}}
        }]
    })
}

fn waiting_status(reason: &str) -> Value {
    json!({
        "phase": "Pending",
        "containerStatuses": [{
            "name": "nginx", "image": "nginx:1.27", "imageID": "", "ready": false,
            "restartCount": 0, "state": {"waiting": {"reason": reason}}
        }]
    })
}

#[test]
fn pod_statuses() {
    let cases: Vec<(Pod, &str)> = vec![
        (pod("no-status", Value::Null), "Pending"),
        (pod("pending", json!({"phase": "Pending"})), "Pending"),
        (
            pod("creating", waiting_status("ContainerCreating")),
            "ContainerCreating",
        ),
        (pod("running", running_status("10.0.0.1")), "Running"),
        (
            pod("errpull", waiting_status("ErrImagePull")),
            "ErrImagePull",
        ),
        (
            pod("backoff", waiting_status("ImagePullBackOff")),
            "ImagePullBackOff",
        ),
        (
            pod("crash", waiting_status("CrashLoopBackOff")),
            "CrashLoopBackOff",
        ),
        (
            pod(
                "evicted",
                json!({"phase": "Failed", "reason": "Evicted", "message": "low on memory"}),
            ),
            "Evicted",
        ),
        (
            pod(
                "completed",
                json!({"phase": "Succeeded", "containerStatuses": [{
                    "name": "nginx", "image": "", "imageID": "", "ready": false, "restartCount": 0,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}
                }]}),
            ),
            "Completed",
        ),
        (
            pod(
                "error",
                json!({"phase": "Failed", "containerStatuses": [{
                    "name": "nginx", "image": "", "imageID": "", "ready": false, "restartCount": 0,
                    "state": {"terminated": {"exitCode": 1, "reason": "Error"}}
                }]}),
            ),
            "Error",
        ),
        (
            pod(
                "signal",
                json!({"phase": "Failed", "containerStatuses": [{
                    "name": "nginx", "image": "", "imageID": "", "ready": false, "restartCount": 0,
                    "state": {"terminated": {"exitCode": 137, "signal": 9}}
                }]}),
            ),
            "Signal:9",
        ),
        (
            pod(
                "exitcode",
                json!({"phase": "Failed", "containerStatuses": [{
                    "name": "nginx", "image": "", "imageID": "", "ready": false, "restartCount": 0,
                    "state": {"terminated": {"exitCode": 2}}
                }]}),
            ),
            "ExitCode:2",
        ),
    ];
    for (p, want) in &cases {
        assert_eq!(pod_status(p), *want, "pod {:?}", p.metadata.name.as_deref());
    }
}

#[test]
fn terminating_and_node_lost() {
    let mut p = pod("web-0", running_status("10.0.0.1"));
    p.metadata.deletion_timestamp = Some(now());
    assert_eq!(pod_status(&p), "Terminating");

    let mut lost = pod("web-1", running_status("10.0.0.2"));
    lost.metadata.deletion_timestamp = Some(now());
    lost.status.as_mut().unwrap().reason = Some("NodeLost".into());
    assert_eq!(pod_status(&lost), "Unknown");

    // A terminal pod being deleted keeps its status.
    let mut done = pod("job", json!({"phase": "Succeeded"}));
    done.metadata.deletion_timestamp = Some(now());
    assert_eq!(pod_status(&done), "Succeeded");
}

#[test]
fn init_containers() {
    let p: Pod = obj(json!({
        "metadata": {"name": "init", "creationTimestamp": CREATED},
        "spec": {
            "initContainers": [{"name": "a"}, {"name": "b"}],
            "containers": [{"name": "main"}]
        },
        "status": {
            "phase": "Pending",
            "initContainerStatuses": [
                {"name": "a", "image": "", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "b", "image": "", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"running": {}}}
            ]
        }
    }));
    assert_eq!(pod_status(&p), "Init:1/2");
}

#[test]
fn pods_table_cells() {
    let running = pod("web-0", running_status("10.0.0.1"));
    let pending = pod("web-1", Value::Null);
    let t = printers::pods(&[&running, &pending], now());
    assert_eq!(
        t.columns,
        vec![
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED NODE",
            "READINESS GATES"
        ]
    );
    assert_eq!(t.cell(0, "READY"), Some("1/1"));
    assert_eq!(t.cell(0, "STATUS"), Some("Running"));
    assert_eq!(t.cell(0, "RESTARTS"), Some("0"));
    assert_eq!(t.cell(0, "AGE"), Some("5m"));
    assert_eq!(t.cell(0, "IP"), Some("10.0.0.1"));
    assert_eq!(t.cell(0, "NODE"), Some("node-1"));
    assert_eq!(t.cell(0, "NOMINATED NODE"), Some("<none>"));
    assert_eq!(t.cell(0, "READINESS GATES"), Some("<none>"));
    assert_eq!(t.cell(1, "READY"), Some("0/1"));
    assert_eq!(t.cell(1, "IP"), Some("<none>"));
    assert_eq!(t.cell(0, "NO SUCH COLUMN"), None);
    assert_eq!(t.cell(9, "NAME"), None);
}

#[test]
fn restarts_with_last_termination() {
    let p = pod(
        "crashy",
        json!({
            "phase": "Running",
            "containerStatuses": [{
                "name": "nginx", "image": "", "imageID": "", "ready": false, "restartCount": 3,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                             "finishedAt": "2026-01-01T00:04:30Z"}}
            }]
        }),
    );
    let no_time = pod(
        "restarted",
        json!({
            "phase": "Running",
            "containerStatuses": [{
                "name": "nginx", "image": "", "imageID": "", "ready": true, "restartCount": 2,
                "state": {"running": {}}
            }]
        }),
    );
    let t = printers::pods(&[&p, &no_time], now());
    assert_eq!(t.cell(0, "RESTARTS"), Some("3 (30s ago)"));
    assert_eq!(t.cell(0, "STATUS"), Some("CrashLoopBackOff"));
    assert_eq!(t.cell(1, "RESTARTS"), Some("2"));
}

#[test]
fn rows_sort_by_name_bytewise() {
    let a = pod("web-2", Value::Null);
    let b = pod("web-10", Value::Null);
    let c = pod("web-1", Value::Null);
    let t = printers::pods(&[&a, &b, &c], now());
    let names: Vec<&str> = (0..3).map(|i| t.cell(i, "NAME").unwrap()).collect();
    assert_eq!(names, vec!["web-1", "web-10", "web-2"]);
}

#[test]
fn pods_table_snapshot() {
    let p0 = pod("web-0", running_status("10.244.1.5"));
    let p1 = pod("web-1", waiting_status("ContainerCreating"));
    let p10 = pod("web-10", Value::Null);
    let t = printers::pods(&[&p1, &p10, &p0], now());
    // Snapshot file name without the module path (`snapshots/kubectl_pods_table.snap`).
    insta::with_settings!({prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("kubectl_pods_table", t.render());
    });
}

#[test]
fn render_alignment() {
    let t = printers::PrintedTable {
        columns: vec!["NAME", "AGE", "X"],
        rows: vec![vec!["a".into(), "5s".into(), "".into()]],
        names: vec!["a".into()],
    };
    // Columns are at least 6 wide (kubectl's tabwriter minwidth), padding 3; trailing spaces go.
    assert_eq!(t.render(), "NAME   AGE   X\na      5s\n");
}

#[test]
fn statefulset_ready() {
    let set: StatefulSet = obj(json!({
        "metadata": {"name": "web", "creationTimestamp": CREATED},
        "spec": {
            "replicas": 3,
            "serviceName": "nginx",
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {"spec": {"containers": [
                {"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.24"},
                {"name": "sidecar", "image": "busybox"}
            ]}}
        },
        "status": {"replicas": 3, "readyReplicas": 2}
    }));
    let bare: StatefulSet = obj(json!({"metadata": {"name": "bare"}}));
    let t = printers::statefulsets(&[&set, &bare], now());
    assert_eq!(
        t.columns,
        vec!["NAME", "READY", "AGE", "CONTAINERS", "IMAGES"]
    );
    let web = t.row_named("web").unwrap();
    assert_eq!(t.cell(web, "READY"), Some("2/3"));
    assert_eq!(t.cell(web, "CONTAINERS"), Some("nginx,sidecar"));
    assert_eq!(
        t.cell(web, "IMAGES"),
        Some("registry.k8s.io/nginx-slim:0.24,busybox")
    );
    let bare = t.row_named("bare").unwrap();
    assert_eq!(t.cell(bare, "READY"), Some("0/0"));
    assert_eq!(t.cell(bare, "AGE"), Some("<unknown>"));
}

#[test]
fn pvc_row() {
    let bound: PersistentVolumeClaim = obj(json!({
        "metadata": {"name": "www-web-0", "namespace": "default", "creationTimestamp": CREATED},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
            "storageClassName": "standard",
            "volumeName": "pvc-0b5c4f1e",
            "volumeMode": "Filesystem"
        },
        "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1024Mi"}}
    }));
    let pending: PersistentVolumeClaim = obj(json!({
        "metadata": {"name": "www-web-1"},
        "spec": {"accessModes": ["ReadWriteOnce"]},
        "status": {"phase": "Pending"}
    }));
    let t = printers::pvcs(&[&pending, &bound], now());
    assert_eq!(
        t.rows[0],
        vec![
            "www-web-0",
            "Bound",
            "pvc-0b5c4f1e",
            "1Gi",
            "RWO",
            "standard",
            "<unset>",
            "5m",
            "Filesystem"
        ]
    );
    assert_eq!(
        t.rows[1],
        vec![
            "www-web-1",
            "Pending",
            "",
            "",
            "",
            // No class: `GetPersistentVolumeClaimClass` is "", printed as is.
            "",
            "<unset>",
            "<unknown>",
            "<unset>"
        ]
    );
}

#[test]
fn pv_row() {
    let pv: PersistentVolume = obj(json!({
        "metadata": {"name": "pvc-0b5c4f1e", "creationTimestamp": CREATED},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Delete",
            "claimRef": {"namespace": "default", "name": "www-web-0"},
            "storageClassName": "standard",
            "volumeMode": "Filesystem"
        },
        "status": {"phase": "Bound"}
    }));
    let t = printers::pvs(&[&pv], now());
    assert_eq!(
        t.rows[0],
        vec![
            "pvc-0b5c4f1e",
            "1Gi",
            "RWO,RWX",
            "Delete",
            "Bound",
            "default/www-web-0",
            "standard",
            "<unset>",
            "",
            "5m",
            "Filesystem"
        ]
    );
    let empty: PersistentVolume = obj(json!({"metadata": {}}));
    assert_eq!(printers::pvs(&[&empty], now()).rows.len(), 1);
}

#[test]
fn default_storage_class() {
    let standard: StorageClass = obj(json!({
        "metadata": {"name": "standard", "creationTimestamp": CREATED,
                     "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path",
        "volumeBindingMode": "WaitForFirstConsumer"
    }));
    let fast: StorageClass = obj(json!({
        "metadata": {"name": "fast"},
        "provisioner": "csi.example.com",
        "reclaimPolicy": "Retain",
        "allowVolumeExpansion": true
    }));
    let t = printers::storageclasses(&[&standard, &fast], now());
    assert_eq!(
        t.rows[0],
        vec![
            "fast",
            "csi.example.com",
            "Retain",
            "Immediate",
            "true",
            "<unknown>"
        ]
    );
    assert_eq!(
        t.rows[1],
        vec![
            "standard (default)",
            "rancher.io/local-path",
            "Delete",
            "WaitForFirstConsumer",
            "false",
            "5m"
        ]
    );
}

#[test]
fn services_table() {
    let headless: Service = obj(json!({
        "metadata": {"name": "nginx", "creationTimestamp": CREATED},
        "spec": {"clusterIP": "None", "clusterIPs": ["None"],
                 "ports": [{"port": 80, "name": "web"}],
                 "selector": {"tier": "web", "app": "nginx"}}
    }));
    let np: Service = obj(json!({
        "metadata": {"name": "np"},
        "spec": {"type": "NodePort", "clusterIP": "10.96.0.12",
                 "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"},
                           {"port": 53, "protocol": "UDP"}]}
    }));
    let t = printers::services(&[&np, &headless], now());
    let h = t.row_named("nginx").unwrap();
    assert_eq!(t.cell(h, "TYPE"), Some("ClusterIP"));
    assert_eq!(t.cell(h, "CLUSTER-IP"), Some("None"));
    assert_eq!(t.cell(h, "EXTERNAL-IP"), Some("<none>"));
    assert_eq!(t.cell(h, "PORT(S)"), Some("80/TCP"));
    assert_eq!(t.cell(h, "SELECTOR"), Some("app=nginx,tier=web"));
    let n = t.row_named("np").unwrap();
    assert_eq!(t.cell(n, "CLUSTER-IP"), Some("10.96.0.12"));
    assert_eq!(t.cell(n, "PORT(S)"), Some("80:30080/TCP,53/UDP"));
    assert_eq!(t.cell(n, "SELECTOR"), Some("<none>"));
}

#[test]
fn nodes_table() {
    let node: Node = obj(json!({
        "metadata": {"name": "kind-control-plane", "creationTimestamp": CREATED,
                     "labels": {"node-role.kubernetes.io/control-plane": ""}},
        "spec": {"unschedulable": true},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "addresses": [{"type": "InternalIP", "address": "172.18.0.2"},
                          {"type": "Hostname", "address": "kind-control-plane"}],
            "nodeInfo": {"kubeletVersion": "v1.36.0", "osImage": "Debian GNU/Linux 12 (bookworm)",
                         "kernelVersion": "6.8.0", "containerRuntimeVersion": "containerd://2.1.0",
                         "architecture": "amd64", "bootID": "", "kubeProxyVersion": "",
                         "machineID": "", "operatingSystem": "linux", "systemUUID": ""}
        }
    }));
    let worker: Node = obj(json!({
        "metadata": {"name": "worker"},
        "status": {"conditions": [{"type": "Ready", "status": "False"}]}
    }));
    let t = printers::nodes(&[&worker, &node], now());
    assert_eq!(
        t.rows[0],
        vec![
            "kind-control-plane",
            "Ready,SchedulingDisabled",
            "control-plane",
            "5m",
            "v1.36.0",
            "172.18.0.2",
            "<none>",
            "Debian GNU/Linux 12 (bookworm)",
            "6.8.0",
            "containerd://2.1.0"
        ]
    );
    assert_eq!(t.cell(1, "STATUS"), Some("NotReady"));
    assert_eq!(t.cell(1, "ROLES"), Some("<none>"));
    assert_eq!(t.cell(1, "OS-IMAGE"), Some("<unknown>"));
}

#[test]
fn controllerrevisions_table() {
    let rev: ControllerRevision = obj(json!({
        "metadata": {"name": "web-7b9f8c6d5", "creationTimestamp": CREATED,
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                                          "name": "web", "uid": "u1", "controller": true}]},
        "revision": 2
    }));
    let orphan: ControllerRevision = obj(json!({"metadata": {"name": "orphan"}, "revision": 1}));
    let t = printers::controllerrevisions(&[&rev, &orphan], now());
    assert_eq!(t.rows[0], vec!["orphan", "<none>", "1", "<unknown>"]);
    assert_eq!(
        t.rows[1],
        vec!["web-7b9f8c6d5", "statefulset.apps/web", "2", "5m"]
    );
}

#[test]
fn endpointslices_table() {
    let slice: EndpointSlice = obj(json!({
        "metadata": {"name": "nginx-abcde", "creationTimestamp": CREATED},
        "addressType": "IPv4",
        "ports": [{"port": 80, "name": "web", "protocol": "TCP"}],
        "endpoints": [
            {"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2"]},
            {"addresses": ["10.0.0.3"]}, {"addresses": ["10.0.0.4", "10.0.0.5"]}
        ]
    }));
    let empty: EndpointSlice = obj(json!({"metadata": {"name": "empty"}, "addressType": "IPv4"}));
    let t = printers::endpointslices(&[&slice, &empty], now());
    assert_eq!(
        t.rows[0],
        vec!["empty", "IPv4", "<unset>", "<unset>", "<unknown>"]
    );
    assert_eq!(
        t.rows[1],
        vec![
            "nginx-abcde",
            "IPv4",
            "80",
            "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...",
            "5m"
        ]
    );
}

#[test]
fn human_durations() {
    let cases: &[(i64, &str)] = &[
        (-5, "<invalid>"),
        (-2, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (59, "59s"),
        (60, "60s"),
        (119, "119s"),
        (120, "2m"),
        (125, "2m5s"),
        (599, "9m59s"),
        (600, "10m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 60 * 30, "3h30m"),
        (8 * 3600 - 1, "7h59m"),
        (8 * 3600, "8h"),
        (47 * 3600 + 3599, "47h"),
        (48 * 3600, "2d"),
        (50 * 3600, "2d2h"),
        (8 * 86400 - 1, "7d23h"),
        (8 * 86400, "8d"),
        (2 * 365 * 86400 - 1, "729d"),
        (2 * 365 * 86400, "2y"),
        (3 * 365 * 86400 + 10 * 86400, "3y10d"),
        (8 * 365 * 86400, "8y"),
        (20 * 365 * 86400 + 3 * 86400, "20y"),
    ];
    for (secs, want) in cases {
        assert_eq!(human_duration(*secs), *want, "{secs}s");
    }
}

#[test]
fn odd_objects_do_not_panic() {
    let empty_pod: Pod = obj(json!({}));
    let t = printers::pods(&[&empty_pod], at("1970-01-01T00:00:00Z"));
    assert_eq!(t.cell(0, "NAME"), Some(""));
    assert_eq!(t.cell(0, "READY"), Some("0/0"));
    assert_eq!(t.cell(0, "STATUS"), Some("Pending"));
    assert_eq!(t.cell(0, "AGE"), Some("<unknown>"));
    let _ = printers::statefulsets(&[&obj(json!({}))], now()).render();
    let _ = printers::pvcs(&[&obj(json!({"spec": {"volumeName": "v"}}))], now()).render();
    let _ = printers::services(&[&obj(json!({"spec": {"type": "LoadBalancer"}}))], now()).render();
    let _ = printers::nodes(&[&obj(json!({}))], now()).render();
    let _ = printers::storageclasses(&[&obj(json!({"provisioner": ""}))], now()).render();
    // A creation time in the future by more than a second.
    let future = pod("future", Value::Null);
    let t = printers::pods(&[&future], at("2025-12-31T23:59:00Z"));
    assert_eq!(t.cell(0, "AGE"), Some("<invalid>"));
}

/// `printResourceQuota`: `status.hard` in name order, `limits.…` under LIMIT, a resource
/// with no usage yet as 0.
#[test]
fn resource_quota_cells() {
    let quota: k8s_openapi::api::core::v1::ResourceQuota = obj(json!({
        "metadata": {"name": "q", "namespace": "default", "creationTimestamp": CREATED},
        "status": {
            "hard": {"pods": "10", "limits.cpu": "2", "requests.memory": "1024Mi", "limits.memory": "2Gi"},
            "used": {"pods": "3", "limits.cpu": "1500m"}
        }
    }));
    let table = printers::resourcequotas(&[&quota], now());
    assert_eq!(
        table.rows[0],
        [
            "q",
            "5m",
            "pods: 3/10, requests.memory: 0/1Gi",
            "limits.cpu: 1500m/2, limits.memory: 0/2Gi"
        ]
    );
}

/// `printHorizontalPodAutoscaler` and `formatHPAMetrics`: `<unknown>` current values, at
/// most two metrics.
#[test]
fn horizontal_pod_autoscaler_cells() {
    let hpa: k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler = obj(json!({
        "metadata": {"name": "web", "namespace": "default", "creationTimestamp": CREATED},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web"},
            "minReplicas": 2, "maxReplicas": 5,
            "metrics": [
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
                {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "512Mi"}}},
                {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}}
            ]
        }
    }));
    let table = printers::horizontalpodautoscalers(&[&hpa], now());
    assert_eq!(
        table.rows[0],
        [
            "web",
            "StatefulSet/web",
            "cpu: <unknown>/60%, memory: <unknown>/512Mi + 1 more...",
            "2",
            "5",
            "0",
            "5m"
        ]
    );
}

/// `Requirement.String()` sorts an `In`/`NotIn` list (`safeSort`) and keeps it as given: a
/// repeated value prints twice (no set). Requirements sort by key; an empty selector prints
/// nothing, and `FormatLabelSelector`'s `<none>` is the ReplicaSet printer's.
#[test]
fn selector_string_sorts_values_and_keeps_repeats() {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
    let selector: LabelSelector = obj(json!({
        "matchLabels": {"zone": "a"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["web", "api", "web"]},
            {"key": "app", "operator": "Exists"},
            {"key": "env", "operator": "NotIn", "values": ["prod"]},
            {"key": "old", "operator": "DoesNotExist"}
        ]
    }));
    assert_eq!(
        printers::selector_string(Some(&selector)).as_deref(),
        Some("app,env notin (prod),!old,tier in (api,web,web),zone=a")
    );
    assert_eq!(
        printers::selector_string(Some(&LabelSelector::default())).as_deref(),
        Some("")
    );
    let bad: LabelSelector = obj(json!({"matchExpressions": [{"key": "a", "operator": "Near"}]}));
    assert_eq!(printers::selector_string(Some(&bad)), None);
}
