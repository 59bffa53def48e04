//! The `kubectl get` tables, one function per resource, following kubectl's printers
//! (`k8s.io/kubernetes/pkg/printers/internalversion/printers.go`) with every `-o wide` column.
//!
//! Rows are sorted by NAME byte-wise (then namespace), the order the API server lists objects in
//! (so `web-10` comes before `web-2`). Missing fields never panic: they print as kubectl prints
//! the zero value, or as the placeholder (`<none>`, `<unset>`, `<unknown>`) kubectl uses.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet,
};
use k8s_openapi::api::core::v1::{
    Container, ContainerStatus, Node, PersistentVolume, PersistentVolumeClaim, Pod, Service,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

use super::duration::age;
pub use super::table::PrintedTable;
use crate::quantity::canonical;
use crate::sim::clock::to_time;
use crate::sim::kinds::{row, ObjectKind};
use crate::sim::store::Objects;
use crate::sim::World;

const NONE: &str = "<none>";
const UNSET: &str = "<unset>";

/// Sorts `(name, namespace, cells)` rows and builds the table.
fn table(columns: Vec<&'static str>, mut rows: Vec<(String, String, Vec<String>)>) -> PrintedTable {
    rows.sort_by(|a, b| (a.0.as_bytes(), a.1.as_bytes()).cmp(&(b.0.as_bytes(), b.1.as_bytes())));
    let names = rows.iter().map(|(name, _, _)| name.clone()).collect();
    PrintedTable {
        columns,
        rows: rows.into_iter().map(|(_, _, cells)| cells).collect(),
        names,
    }
}

/// What `kubectl get <kind> -o wide` prints now for every object of `kind`, with the
/// registry's columns (`sim/kinds.rs`); `None` for a kind scn has no printer for (its
/// registry row lists no columns).
pub fn print(world: &World, kind: &ObjectKind) -> Option<PrintedTable> {
    fn all<T>(map: &Objects<T>) -> Vec<&T> {
        map.values().collect()
    }
    let now = to_time(world.now);
    let s = &world.store;
    let table = match kind {
        ObjectKind::Pod => pods(&all(s.pods()), now),
        ObjectKind::StatefulSet => statefulsets(&all(s.statefulsets()), now),
        ObjectKind::PersistentVolumeClaim => pvcs(&all(s.claims()), now),
        ObjectKind::PersistentVolume => pvs(&all(s.volumes()), now),
        ObjectKind::StorageClass => storageclasses(&all(s.storage_classes()), now),
        ObjectKind::Service => services(&all(s.services()), now),
        ObjectKind::Node => nodes(&all(s.nodes()), now),
        ObjectKind::ControllerRevision => controllerrevisions(&all(s.revisions()), now),
        ObjectKind::EndpointSlice => endpointslices(&all(s.endpoint_slices()), now),
        ObjectKind::DaemonSet => daemonsets(&all(s.daemonsets()), now),
        ObjectKind::Other(k) if k == row::PodDisruptionBudget.kind => {
            use crate::sim::controllers::disruption;
            let pdbs: Vec<_> = s
                .names(kind)
                .iter()
                .filter_map(|n| disruption::get(world, n))
                .collect();
            poddisruptionbudgets(&pdbs.iter().collect::<Vec<_>>(), now)
        }
        ObjectKind::Other(k) if k == row::PriorityClass.kind => {
            let classes: Vec<&serde_json::Value> = s
                .names(kind)
                .iter()
                .filter_map(|n| s.written_body(kind, n))
                .collect();
            priorityclasses(&classes, now)
        }
        ObjectKind::Other(k) if k == row::Deployment.kind => {
            let all: Vec<Deployment> = decoded(world, kind);
            deployments(&all.iter().collect::<Vec<_>>(), now)
        }
        ObjectKind::Other(k) if k == row::ReplicaSet.kind => {
            let all: Vec<ReplicaSet> = decoded(world, kind);
            replicasets(&all.iter().collect::<Vec<_>>(), now)
        }
        ObjectKind::Other(k) if k == row::Endpoints.kind => {
            let all: Vec<k8s_openapi::api::core::v1::Endpoints> = decoded(world, kind);
            endpoints(&all.iter().collect::<Vec<_>>(), now)
        }
        ObjectKind::Other(k) if k == row::ResourceQuota.kind => {
            let all: Vec<k8s_openapi::api::core::v1::ResourceQuota> = decoded(world, kind);
            resourcequotas(&all.iter().collect::<Vec<_>>(), now)
        }
        ObjectKind::Other(k) if k == row::HorizontalPodAutoscaler.kind => {
            use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
            let all: Vec<HorizontalPodAutoscaler> = decoded(world, kind);
            horizontalpodautoscalers(&all.iter().collect::<Vec<_>>(), now)
        }
        ObjectKind::Other(_) => return None,
    };
    Some(table)
}

fn name(meta: &ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

fn key(meta: &ObjectMeta) -> (String, String) {
    (name(meta), meta.namespace.clone().unwrap_or_default())
}

fn str_or<'a>(s: Option<&'a String>, default: &'a str) -> &'a str {
    match s {
        Some(s) if !s.is_empty() => s,
        _ => default,
    }
}

// ---------------------------------------------------------------------------------------------
// Pods

/// kubectl's `isRestartableInitContainer`: a sidecar (init container with restartPolicy Always).
fn is_restartable_init(pod: &Pod, name: &str) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.name == name))
        .is_some_and(|c| c.restart_policy.as_deref() == Some("Always"))
}

fn condition_true(pod: &Pod, type_: &str) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == type_ && c.status == "True"))
}

fn last_termination(c: &ContainerStatus) -> Option<&Time> {
    c.last_state
        .as_ref()?
        .terminated
        .as_ref()?
        .finished_at
        .as_ref()
}

/// The READY, STATUS and RESTARTS cells, computed together as `printPod` does.
struct PodSummary {
    ready: usize,
    total: usize,
    reason: String,
    restarts: i64,
    last_restart: Option<Time>,
}

fn later(current: Option<Time>, candidate: Option<&Time>) -> Option<Time> {
    match (current, candidate) {
        (Some(a), Some(b)) if *b > a => Some(b.clone()),
        (None, Some(b)) => Some(b.clone()),
        (a, _) => a,
    }
}

fn summarize_pod(pod: &Pod) -> PodSummary {
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let init_specs: &[Container] = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[]);
    let total = spec.map_or(0, |s| s.containers.len())
        + init_specs
            .iter()
            .filter(|c| c.restart_policy.as_deref() == Some("Always"))
            .count();
    let mut ready = 0usize;
    let mut restarts: i64 = 0;
    let mut sidecar_restarts: i64 = 0;
    let mut last_restart: Option<Time> = None;
    let mut last_sidecar_restart: Option<Time> = None;

    // The API server defaults an absent phase to Pending; print that rather than an empty cell.
    let phase = str_or(status.and_then(|s| s.phase.as_ref()), "Pending");
    let status_reason = status.and_then(|s| s.reason.as_deref()).unwrap_or("");
    let mut reason = if status_reason.is_empty() {
        phase.to_string()
    } else {
        status_reason.to_string()
    };
    if let Some(conds) = status.and_then(|s| s.conditions.as_ref()) {
        if conds
            .iter()
            .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"))
        {
            reason = "SchedulingGated".to_string();
        }
    }

    let mut initializing = false;
    let init_statuses: &[ContainerStatus] = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or(&[]);
    for (i, c) in init_statuses.iter().enumerate() {
        restarts += i64::from(c.restart_count);
        last_restart = later(last_restart, last_termination(c));
        let sidecar = is_restartable_init(pod, &c.name);
        if sidecar {
            sidecar_restarts += i64::from(c.restart_count);
            last_sidecar_restart = later(last_sidecar_restart, last_termination(c));
        }
        let state = c.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting_reason = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.as_deref())
            .unwrap_or("");
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if sidecar && c.started == Some(true) {
            if c.ready {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = terminated {
            reason = match t.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => match t.signal {
                    Some(sig) if sig != 0 => format!("Init:Signal:{sig}"),
                    _ => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{}/{}", i, init_specs.len());
        }
        initializing = true;
        break;
    }

    if !initializing || condition_true(pod, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        let statuses: &[ContainerStatus] = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or(&[]);
        for c in statuses.iter().rev() {
            restarts += i64::from(c.restart_count);
            last_restart = later(last_restart, last_termination(c));
            let state = c.state.as_ref();
            let waiting_reason = state
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref())
                .unwrap_or("");
            let terminated = state.and_then(|s| s.terminated.as_ref());
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if let Some(t) = terminated {
                reason = match t.reason.as_deref() {
                    Some(r) if !r.is_empty() => r.to_string(),
                    _ => match t.signal {
                        Some(sig) if sig != 0 => format!("Signal:{sig}"),
                        _ => format!("ExitCode:{}", t.exit_code),
                    },
                };
            } else if c.ready && state.is_some_and(|s| s.running.is_some()) {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(pod, "Ready") {
                "Running".to_string()
            } else {
                "NotReady".to_string()
            };
        }
    }

    if pod.metadata.deletion_timestamp.is_some() {
        if status_reason == "NodeLost" {
            reason = "Unknown".to_string();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".to_string();
        }
    }

    PodSummary {
        ready,
        total,
        reason,
        restarts,
        last_restart,
    }
}

/// The STATUS cell of `kubectl get pods`, as kubectl's `printPod` computes it: status.reason or
/// phase (an absent phase counts as `Pending`), `SchedulingGated`, the first unfinished init
/// container (`Init:…`), then the containers from the last to the first (waiting reason,
/// terminated reason, `Signal:N`, `ExitCode:N`), `Completed` turned back into `Running`/`NotReady`
/// while a container still runs, and finally `Terminating` (or `Unknown` for `NodeLost`) when the
/// pod is being deleted and its phase is not terminal.
pub fn pod_status(pod: &Pod) -> String {
    summarize_pod(pod).reason
}

/// The count in the RESTARTS cell (`1` of `1 (5s ago)`): init containers' restarts while the
/// pod initializes, else sidecars' and app containers' restarts.
pub fn pod_restarts(pod: &Pod) -> i64 {
    summarize_pod(pod).restarts
}

/// `kubectl get pods -o wide`.
pub fn pods(pods: &[&Pod], now: Time) -> PrintedTable {
    let columns = row::Pod.columns.to_vec();
    let rows = pods
        .iter()
        .map(|pod| {
            let s = summarize_pod(pod);
            let restarts = match (&s.last_restart, s.restarts) {
                (Some(t), n) if n != 0 => format!("{n} ({} ago)", age(Some(t), &now)),
                (_, n) => n.to_string(),
            };
            let status = pod.status.as_ref();
            let ip = status
                .and_then(|s| s.pod_ips.as_ref())
                .and_then(|ips| ips.first())
                .map(|ip| ip.ip.clone())
                .filter(|ip| !ip.is_empty())
                .or_else(|| status.and_then(|s| s.pod_ip.clone()))
                .filter(|ip| !ip.is_empty())
                .unwrap_or_else(|| NONE.to_string());
            let node = str_or(pod.spec.as_ref().and_then(|s| s.node_name.as_ref()), NONE);
            let nominated = str_or(status.and_then(|s| s.nominated_node_name.as_ref()), NONE);
            let gates = pod
                .spec
                .as_ref()
                .and_then(|s| s.readiness_gates.as_ref())
                .filter(|g| !g.is_empty())
                .map_or_else(
                    || NONE.to_string(),
                    |gates| {
                        let conds = status.and_then(|s| s.conditions.as_deref()).unwrap_or(&[]);
                        let ok = gates
                            .iter()
                            .filter(|g| {
                                conds
                                    .iter()
                                    .find(|c| c.type_ == g.condition_type)
                                    .is_some_and(|c| c.status == "True")
                            })
                            .count();
                        format!("{ok}/{}", gates.len())
                    },
                );
            let (n, ns) = key(&pod.metadata);
            let cells = vec![
                n.clone(),
                format!("{}/{}", s.ready, s.total),
                s.reason,
                restarts,
                age(pod.metadata.creation_timestamp.as_ref(), &now),
                ip,
                node.to_string(),
                nominated.to_string(),
                gates,
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

// ---------------------------------------------------------------------------------------------
// Workloads

/// kubectl's `layoutContainerCells`: container names and images, comma-joined.
fn container_cells(containers: &[Container]) -> (String, String) {
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let images: Vec<&str> = containers
        .iter()
        .map(|c| c.image.as_deref().unwrap_or(""))
        .collect();
    (names.join(","), images.join(","))
}

/// Every stored object of a kind kept as written, decoded through its type (one that does
/// not decode is left out).
fn decoded<T: serde::de::DeserializeOwned>(world: &World, kind: &ObjectKind) -> Vec<T> {
    world
        .store
        .names(kind)
        .iter()
        .filter_map(|n| world.store.written_body(kind, n))
        .filter_map(|body| T::deserialize(body).ok())
        .collect()
}

/// A label selector as `LabelSelectorAsSelector(...).String()` writes it: requirements
/// sorted by key, `key=value` for `matchLabels`, `key in (a,b)`, `key notin (a,b)` (values
/// sorted, `safeSort`, and kept as given: a repeated value prints twice), `key`, `!key`;
/// empty for an empty or absent selector. `None` for an operator `LabelSelectorAsSelector`
/// refuses (validation lets none be stored).
pub fn selector_string(
    selector: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
) -> Option<String> {
    let Some(selector) = selector else {
        return Some(String::new());
    };
    let mut reqs: Vec<(String, String)> = Vec::new();
    for (k, v) in selector.match_labels.iter().flatten() {
        reqs.push((k.clone(), format!("{k}={v}")));
    }
    for r in selector.match_expressions.iter().flatten() {
        let mut values = r.values.clone().unwrap_or_default();
        values.sort();
        let text = match r.operator.as_str() {
            "In" => format!("{} in ({})", r.key, values.join(",")),
            "NotIn" => format!("{} notin ({})", r.key, values.join(",")),
            "Exists" => r.key.clone(),
            "DoesNotExist" => format!("!{}", r.key),
            _ => return None,
        };
        reqs.push((r.key.clone(), text));
    }
    // `sort.Sort(ByKey(requirements))`: by key only (stable order within a key is not
    // promised upstream; the stable sort keeps matchLabels first).
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    Some(
        reqs.into_iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// `kubectl get deployments -o wide` (`printDeployment`): READY is
/// `readyReplicas/spec.replicas`, UP-TO-DATE `updatedReplicas`, AVAILABLE
/// `availableReplicas`; SELECTOR is the selector's `String()`.
pub fn deployments(deployments: &[&Deployment], now: Time) -> PrintedTable {
    let columns = row::Deployment.columns.to_vec();
    let rows = deployments
        .iter()
        .map(|d| {
            let spec = d.spec.as_ref();
            let status = d.status.as_ref();
            let desired = spec.and_then(|s| s.replicas).unwrap_or(0);
            let count = |f: fn(&k8s_openapi::api::apps::v1::DeploymentStatus) -> Option<i32>| {
                status.and_then(f).unwrap_or(0)
            };
            let containers: &[Container] = spec
                .and_then(|s| s.template.spec.as_ref())
                .map_or(&[], |p| p.containers.as_slice());
            let (names, images) = container_cells(containers);
            let (n, ns) = key(&d.metadata);
            let cells = vec![
                n.clone(),
                format!("{}/{desired}", count(|s| s.ready_replicas)),
                count(|s| s.updated_replicas).to_string(),
                count(|s| s.available_replicas).to_string(),
                age(d.metadata.creation_timestamp.as_ref(), &now),
                names,
                images,
                selector_string(spec.map(|s| &s.selector)).unwrap_or_default(),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

/// `kubectl get replicasets -o wide` (`printReplicaSet`): DESIRED `spec.replicas`, CURRENT
/// `status.replicas`, READY `readyReplicas`; SELECTOR is `FormatLabelSelector` (`<none>`
/// when empty).
pub fn replicasets(sets: &[&ReplicaSet], now: Time) -> PrintedTable {
    let columns = row::ReplicaSet.columns.to_vec();
    let rows = sets
        .iter()
        .map(|rs| {
            let spec = rs.spec.as_ref();
            let status = rs.status.as_ref();
            let containers: &[Container] = spec
                .and_then(|s| s.template.as_ref())
                .and_then(|t| t.spec.as_ref())
                .map_or(&[], |p| p.containers.as_slice());
            let (names, images) = container_cells(containers);
            let selector = format_label_selector(spec.map(|s| &s.selector));
            let (n, ns) = key(&rs.metadata);
            let cells = vec![
                n.clone(),
                spec.and_then(|s| s.replicas).unwrap_or(0).to_string(),
                status.map_or(0, |s| s.replicas).to_string(),
                status
                    .and_then(|s| s.ready_replicas)
                    .unwrap_or(0)
                    .to_string(),
                age(rs.metadata.creation_timestamp.as_ref(), &now),
                names,
                images,
                selector,
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

/// `kubectl get statefulsets -o wide`. Missing replica counts print as 0.
pub fn statefulsets(sets: &[&StatefulSet], now: Time) -> PrintedTable {
    let columns = row::StatefulSet.columns.to_vec();
    let rows = sets
        .iter()
        .map(|set| {
            let desired = set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
            let ready = set
                .status
                .as_ref()
                .and_then(|s| s.ready_replicas)
                .unwrap_or(0);
            let containers: &[Container] = set
                .spec
                .as_ref()
                .and_then(|s| s.template.spec.as_ref())
                .map_or(&[], |p| p.containers.as_slice());
            let (names, images) = container_cells(containers);
            let (n, ns) = key(&set.metadata);
            let cells = vec![
                n.clone(),
                format!("{ready}/{desired}"),
                age(set.metadata.creation_timestamp.as_ref(), &now),
                names,
                images,
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

/// `metav1.FormatLabelSelector`: [`selector_string`], `<none>` when empty, `<error>` for a
/// selector `LabelSelectorAsSelector` refuses.
fn format_label_selector(
    selector: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
) -> String {
    match selector_string(selector) {
        None => "<error>".to_string(),
        Some(s) if s.is_empty() => NONE.to_string(),
        Some(s) => s,
    }
}

/// `kubectl get daemonsets -o wide` (`printDaemonSet`): the status counts, the template's
/// node selector, then CONTAINERS, IMAGES and SELECTOR.
pub fn daemonsets(sets: &[&DaemonSet], now: Time) -> PrintedTable {
    let columns = row::DaemonSet.columns.to_vec();
    let rows = sets
        .iter()
        .map(|ds| {
            let status = ds.status.clone().unwrap_or_default();
            let spec = ds.spec.as_ref();
            let pod_spec = spec.and_then(|s| s.template.spec.as_ref());
            let containers: &[Container] = pod_spec.map_or(&[], |p| p.containers.as_slice());
            let (names, images) = container_cells(containers);
            let (n, ns) = key(&ds.metadata);
            let cells = vec![
                n.clone(),
                status.desired_number_scheduled.to_string(),
                status.current_number_scheduled.to_string(),
                status.number_ready.to_string(),
                status.updated_number_scheduled.unwrap_or(0).to_string(),
                status.number_available.unwrap_or(0).to_string(),
                format_labels(pod_spec.and_then(|p| p.node_selector.as_ref())),
                age(ds.metadata.creation_timestamp.as_ref(), &now),
                names,
                images,
                format_label_selector(spec.map(|s| &s.selector)),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

/// `kubectl get controllerrevisions -o wide`.
pub fn controllerrevisions(revisions: &[&ControllerRevision], now: Time) -> PrintedTable {
    let columns = row::ControllerRevision.columns.to_vec();
    let rows = revisions
        .iter()
        .map(|rev| {
            let controller = rev
                .metadata
                .owner_references
                .as_deref()
                .unwrap_or(&[])
                .iter()
                .find(|r| r.controller == Some(true))
                .map_or_else(
                    || NONE.to_string(),
                    |r| {
                        // GroupKind.String(): `Kind.group`, or `Kind` for the core group.
                        let group = r.api_version.rsplit_once('/').map_or("", |(g, _)| g);
                        let kind = if group.is_empty() {
                            r.kind.clone()
                        } else {
                            format!("{}.{group}", r.kind)
                        };
                        format!("{}/{}", kind.to_lowercase(), r.name)
                    },
                );
            let (n, ns) = key(&rev.metadata);
            let cells = vec![
                n.clone(),
                controller,
                rev.revision.to_string(),
                age(rev.metadata.creation_timestamp.as_ref(), &now),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

// ---------------------------------------------------------------------------------------------
// Storage

/// `GetAccessModesAsString`: deduplicated, in the fixed order RWO, ROX, RWX, RWOP.
fn access_modes(modes: Option<&Vec<String>>) -> String {
    let modes = modes.map(Vec::as_slice).unwrap_or(&[]);
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(long, _)| modes.iter().any(|m| m == long))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

/// `GetPersistentVolume(Claim)Class`: the beta annotation wins over spec.storageClassName.
fn storage_class_of(meta: &ObjectMeta, spec_class: Option<&String>) -> Option<String> {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(BETA_STORAGE_CLASS))
        .or(spec_class)
        .cloned()
}

fn phase_or_terminating(meta: &ObjectMeta, phase: Option<&String>) -> String {
    if meta.deletion_timestamp.is_some() {
        "Terminating".to_string()
    } else {
        phase.cloned().unwrap_or_default()
    }
}

/// `kubectl get pvc -o wide`. VOLUME, CAPACITY and ACCESS MODES stay empty until the claim names
/// a volume; then CAPACITY is status.capacity.storage (`0` when absent, like kubectl).
pub fn pvcs(claims: &[&PersistentVolumeClaim], now: Time) -> PrintedTable {
    let columns = row::PersistentVolumeClaim.columns.to_vec();
    let rows = claims
        .iter()
        .map(|pvc| {
            let spec = pvc.spec.as_ref();
            let status = pvc.status.as_ref();
            let volume = spec.and_then(|s| s.volume_name.clone()).unwrap_or_default();
            let (capacity, modes) = if volume.is_empty() {
                (String::new(), String::new())
            } else {
                let cap = status
                    .and_then(|s| s.capacity.as_ref())
                    .and_then(|c| c.get("storage"))
                    .map_or_else(|| "0".to_string(), canonical);
                (
                    cap,
                    access_modes(status.and_then(|s| s.access_modes.as_ref())),
                )
            };
            let class = storage_class_of(
                &pvc.metadata,
                spec.and_then(|s| s.storage_class_name.as_ref()),
            );
            let (n, ns) = key(&pvc.metadata);
            let cells = vec![
                n.clone(),
                phase_or_terminating(&pvc.metadata, status.and_then(|s| s.phase.as_ref())),
                volume,
                capacity,
                modes,
                // `GetPersistentVolumeClaimClass` as is: a claim without a class shows a
                // blank cell; the attributes class is `<unset>` only when the field is.
                class.unwrap_or_default(),
                spec.and_then(|s| s.volume_attributes_class_name.clone())
                    .unwrap_or_else(|| UNSET.to_string()),
                age(pvc.metadata.creation_timestamp.as_ref(), &now),
                str_or(spec.and_then(|s| s.volume_mode.as_ref()), UNSET).to_string(),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

/// `kubectl get pv -o wide`.
pub fn pvs(volumes: &[&PersistentVolume], now: Time) -> PrintedTable {
    let columns = row::PersistentVolume.columns.to_vec();
    let rows = volumes
        .iter()
        .map(|pv| {
            let spec = pv.spec.as_ref();
            let status = pv.status.as_ref();
            let capacity = spec
                .and_then(|s| s.capacity.as_ref())
                .and_then(|c| c.get("storage"))
                .map_or_else(|| "0".to_string(), canonical);
            let claim = spec
                .and_then(|s| s.claim_ref.as_ref())
                .map(|r| {
                    format!(
                        "{}/{}",
                        r.namespace.as_deref().unwrap_or(""),
                        r.name.as_deref().unwrap_or("")
                    )
                })
                .unwrap_or_default();
            let class = storage_class_of(
                &pv.metadata,
                spec.and_then(|s| s.storage_class_name.as_ref()),
            )
            .unwrap_or_default();
            let (n, ns) = key(&pv.metadata);
            let cells = vec![
                n.clone(),
                capacity,
                access_modes(spec.and_then(|s| s.access_modes.as_ref())),
                spec.and_then(|s| s.persistent_volume_reclaim_policy.clone())
                    .unwrap_or_default(),
                phase_or_terminating(&pv.metadata, status.and_then(|s| s.phase.as_ref())),
                claim,
                class,
                spec.and_then(|s| s.volume_attributes_class_name.clone())
                    .unwrap_or_else(|| UNSET.to_string()),
                status.and_then(|s| s.reason.clone()).unwrap_or_default(),
                age(pv.metadata.creation_timestamp.as_ref(), &now),
                str_or(spec.and_then(|s| s.volume_mode.as_ref()), UNSET).to_string(),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

/// `storageutil.IsDefaultAnnotation`: the GA or the beta default-class annotation is "true".
fn is_default_class(meta: &ObjectMeta) -> bool {
    meta.annotations.as_ref().is_some_and(|a| {
        a.get("storageclass.kubernetes.io/is-default-class")
            .is_some_and(|v| v == "true")
            || a.get("storageclass.beta.kubernetes.io/is-default-class")
                .is_some_and(|v| v == "true")
    })
}

/// `kubectl get storageclasses -o wide`. Reclaim policy defaults to Delete, binding mode to
/// Immediate, volume expansion to false.
pub fn storageclasses(classes: &[&StorageClass], now: Time) -> PrintedTable {
    let columns = row::StorageClass.columns.to_vec();
    let rows = classes
        .iter()
        .map(|sc| {
            let (n, ns) = key(&sc.metadata);
            let mut shown = n.clone();
            if is_default_class(&sc.metadata) {
                shown.push_str(" (default)");
            }
            let cells = vec![
                shown,
                sc.provisioner.clone(),
                sc.reclaim_policy
                    .clone()
                    .unwrap_or_else(|| "Delete".to_string()),
                sc.volume_binding_mode
                    .clone()
                    .unwrap_or_else(|| "Immediate".to_string()),
                sc.allow_volume_expansion.unwrap_or(false).to_string(),
                age(sc.metadata.creation_timestamp.as_ref(), &now),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

// ---------------------------------------------------------------------------------------------
// Networking

/// `labels.FormatLabels`: `k=v` sorted by key, comma-joined, `<none>` when empty.
fn format_labels(labels: Option<&BTreeMap<String, String>>) -> String {
    match labels {
        Some(l) if !l.is_empty() => l
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
        _ => NONE.to_string(),
    }
}

/// `kubectl get services -o wide`. TYPE defaults to ClusterIP (the API server's default).
pub fn services(services: &[&Service], now: Time) -> PrintedTable {
    let columns = row::Service.columns.to_vec();
    let rows = services
        .iter()
        .map(|svc| {
            let spec = svc.spec.as_ref();
            let type_ = str_or(spec.and_then(|s| s.type_.as_ref()), "ClusterIP").to_string();
            let cluster_ip = spec
                .and_then(|s| s.cluster_ips.as_ref())
                .and_then(|ips| ips.first())
                .or(spec.and_then(|s| s.cluster_ip.as_ref()))
                .filter(|ip| !ip.is_empty())
                .cloned()
                .unwrap_or_else(|| NONE.to_string());
            let external_ips: Vec<String> = spec
                .and_then(|s| s.external_ips.clone())
                .unwrap_or_default();
            let external = match type_.as_str() {
                "ClusterIP" | "NodePort" if !external_ips.is_empty() => external_ips.join(","),
                "ClusterIP" | "NodePort" => NONE.to_string(),
                "LoadBalancer" => {
                    // `loadBalancerStatusStringer`: the ingress points as a sorted set (each
                    // once; `-o wide` does not clip them), then `spec.externalIPs` as given.
                    let ingress: std::collections::BTreeSet<String> = svc
                        .status
                        .as_ref()
                        .and_then(|s| s.load_balancer.as_ref())
                        .and_then(|lb| lb.ingress.as_ref())
                        .map(|ing| {
                            ing.iter()
                                .filter_map(|i| {
                                    i.ip.clone()
                                        .filter(|s| !s.is_empty())
                                        .or_else(|| i.hostname.clone())
                                        .filter(|s| !s.is_empty())
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let mut all: Vec<String> = ingress.into_iter().collect();
                    all.extend(external_ips);
                    if all.is_empty() {
                        "<pending>".to_string()
                    } else {
                        all.join(",")
                    }
                }
                "ExternalName" => spec
                    .and_then(|s| s.external_name.clone())
                    .unwrap_or_default(),
                _ => "<unknown>".to_string(),
            };
            let ports = spec
                .and_then(|s| s.ports.as_ref())
                .map(|ports| {
                    ports
                        .iter()
                        .map(|p| {
                            let proto = str_or(p.protocol.as_ref(), "TCP");
                            match p.node_port {
                                Some(np) if np > 0 => format!("{}:{np}/{proto}", p.port),
                                _ => format!("{}/{proto}", p.port),
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| NONE.to_string());
            let (n, ns) = key(&svc.metadata);
            let cells = vec![
                n.clone(),
                type_,
                cluster_ip,
                external,
                ports,
                age(svc.metadata.creation_timestamp.as_ref(), &now),
                format_labels(spec.and_then(|s| s.selector.as_ref())),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

/// kubectl's `listWithMoreString`: the first three, then ` + N more...`; `<unset>` when empty.
fn list_with_more(items: Vec<String>) -> String {
    const MAX: usize = 3;
    if items.len() > MAX {
        format!("{} + {} more...", items[..MAX].join(","), items.len() - MAX)
    } else if items.is_empty() {
        UNSET.to_string()
    } else {
        items.join(",")
    }
}

/// `kubectl get endpoints` (`printEndpoints`, `formatEndpoints(endpoints, nil)` in
/// pkg/printers/internalversion/printers.go): `<ip>:<port>` for every port of a subset and
/// every ready address (a subset without ports lists its addresses' IPs), at most three and
/// then ` + N more...`; `<none>` without subsets (an empty list prints as empty).
pub fn endpoints(all: &[&k8s_openapi::api::core::v1::Endpoints], now: Time) -> PrintedTable {
    let columns = row::Endpoints.columns.to_vec();
    let rows = all
        .iter()
        .map(|ep| {
            let (n, ns) = key(&ep.metadata);
            let cells = vec![
                n.clone(),
                format_endpoints(ep),
                age(ep.metadata.creation_timestamp.as_ref(), &now),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

/// `formatEndpoints` with every port.
fn format_endpoints(ep: &k8s_openapi::api::core::v1::Endpoints) -> String {
    const MAX: usize = 3;
    let Some(subsets) = ep.subsets.as_deref().filter(|s| !s.is_empty()) else {
        return NONE.to_string();
    };
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count: usize = 0;
    for subset in subsets {
        let addresses = subset.addresses.as_deref().unwrap_or_default();
        let ports = subset.ports.as_deref().unwrap_or_default();
        if ports.is_empty() {
            count = count.saturating_add(addresses.len());
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(address.ip.clone());
            }
            continue;
        }
        for port in ports {
            count = count.saturating_add(addresses.len());
            for address in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                // `net.JoinHostPort`: an IPv6 address goes in brackets.
                let host = if address.ip.contains(':') {
                    format!("[{}]", address.ip)
                } else {
                    address.ip.clone()
                };
                list.push(format!("{host}:{}", port.port));
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count.saturating_sub(MAX))
    } else {
        joined
    }
}

/// `kubectl get endpointslices -o wide`. A port without a number prints its name, or `*`.
pub fn endpointslices(slices: &[&EndpointSlice], now: Time) -> PrintedTable {
    let columns = row::EndpointSlice.columns.to_vec();
    let rows = slices
        .iter()
        .map(|slice| {
            let ports = slice
                .ports
                .as_deref()
                .unwrap_or(&[])
                .iter()
                .map(|p| match (p.port, &p.name) {
                    (Some(port), _) => port.to_string(),
                    (None, Some(name)) => name.clone(),
                    (None, None) => "*".to_string(),
                })
                .collect();
            let addresses = slice
                .endpoints
                .as_deref()
                .unwrap_or(&[])
                .iter()
                .flat_map(|e| e.addresses.iter().cloned())
                .collect();
            let (n, ns) = key(&slice.metadata);
            let cells = vec![
                n.clone(),
                slice.address_type.clone(),
                list_with_more(ports),
                list_with_more(addresses),
                age(slice.metadata.creation_timestamp.as_ref(), &now),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

// ---------------------------------------------------------------------------------------------
// Nodes

/// kubectl's `findNodeRoles`: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role`
/// values, sorted and deduplicated.
fn node_roles(node: &Node) -> String {
    let mut roles: Vec<&str> = node
        .metadata
        .labels
        .as_ref()
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(k, v)| {
                    if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
                        (!role.is_empty()).then_some(role)
                    } else if k == "kubernetes.io/role" && !v.is_empty() {
                        Some(v.as_str())
                    } else {
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    roles.sort_unstable();
    roles.dedup();
    if roles.is_empty() {
        NONE.to_string()
    } else {
        roles.join(",")
    }
}

/// `kubectl get nodes -o wide`. STATUS is Ready/NotReady from the Ready condition (`Unknown`
/// without one), plus `,SchedulingDisabled` when cordoned.
pub fn nodes(nodes: &[&Node], now: Time) -> PrintedTable {
    let columns = row::Node.columns.to_vec();
    let rows = nodes
        .iter()
        .map(|node| {
            let status = node.status.as_ref();
            let ready = status
                .and_then(|s| s.conditions.as_ref())
                .and_then(|cs| cs.iter().rev().find(|c| c.type_ == "Ready"));
            let mut state = vec![match ready {
                Some(c) if c.status == "True" => "Ready",
                Some(_) => "NotReady",
                None => "Unknown",
            }];
            if node
                .spec
                .as_ref()
                .and_then(|s| s.unschedulable)
                .unwrap_or(false)
            {
                state.push("SchedulingDisabled");
            }
            let address = |type_: &str| {
                status
                    .and_then(|s| s.addresses.as_ref())
                    .and_then(|a| a.iter().find(|a| a.type_ == type_))
                    .map_or_else(|| NONE.to_string(), |a| a.address.clone())
            };
            let info = status.and_then(|s| s.node_info.as_ref());
            let info_or_unknown =
                |f: fn(&k8s_openapi::api::core::v1::NodeSystemInfo) -> &String| {
                    info.map(f)
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .unwrap_or_else(|| "<unknown>".to_string())
                };
            let (n, ns) = key(&node.metadata);
            let cells = vec![
                n.clone(),
                state.join(","),
                node_roles(node),
                age(node.metadata.creation_timestamp.as_ref(), &now),
                info.map(|i| i.kubelet_version.clone()).unwrap_or_default(),
                address("InternalIP"),
                address("ExternalIP"),
                info_or_unknown(|i| &i.os_image),
                info_or_unknown(|i| &i.kernel_version),
                info_or_unknown(|i| &i.container_runtime_version),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

// ---------------------------------------------------------------------------------------------
// Disruption

/// `kubectl get pdb` (`printPodDisruptionBudget`, B-PDB-11): min/max as written or `N/A`,
/// ALLOWED DISRUPTIONS from the status.
pub fn poddisruptionbudgets(
    pdbs: &[&k8s_openapi::api::policy::v1::PodDisruptionBudget],
    now: Time,
) -> PrintedTable {
    use crate::sim::api::poddisruptionbudget::printed;
    let columns = row::PodDisruptionBudget.columns.to_vec();
    let rows = pdbs
        .iter()
        .map(|pdb| {
            let spec = pdb.spec.as_ref();
            let (n, ns) = key(&pdb.metadata);
            let cells = vec![
                n.clone(),
                printed(spec.and_then(|s| s.min_available.as_ref())),
                printed(spec.and_then(|s| s.max_unavailable.as_ref())),
                pdb.status
                    .as_ref()
                    .and_then(|s| s.disruptions_allowed)
                    .unwrap_or(0)
                    .to_string(),
                age(pdb.metadata.creation_timestamp.as_ref(), &now),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

/// `kubectl get priorityclasses -o wide` (`printPriorityClass`: the value, `globalDefault`
/// as Go prints a bool, the age, the preemption policy, which the API server defaults).
pub fn priorityclasses(classes: &[&serde_json::Value], now: Time) -> PrintedTable {
    use crate::sim::api::priorityclass::class_of;
    let columns = row::PriorityClass.columns.to_vec();
    let rows = classes
        .iter()
        .map(|body| {
            let class = class_of(body);
            let created: Option<Time> = body
                .pointer("/metadata/creationTimestamp")
                .and_then(|t| serde_json::from_value(t.clone()).ok());
            let n = class.name.clone();
            let cells = vec![
                n.clone(),
                class.value.to_string(),
                class.global_default.to_string(),
                age(created.as_ref(), &now),
                class.preemption_policy,
            ];
            (n, String::new(), cells)
        })
        .collect();
    table(columns, rows)
}

// ---------------------------------------------------------------------------------------------
// Quotas and autoscalers

/// `kubectl get resourcequotas` (`printResourceQuota`): each resource of `status.hard`, in
/// name order, as `name: used/hard`; those named `limits.…` in LIMIT, the others in REQUEST.
pub fn resourcequotas(
    quotas: &[&k8s_openapi::api::core::v1::ResourceQuota],
    now: Time,
) -> PrintedTable {
    let columns = row::ResourceQuota.columns.to_vec();
    let rows = quotas
        .iter()
        .map(|quota| {
            let status = quota.status.as_ref();
            let used = status.and_then(|s| s.used.as_ref());
            let mut request = Vec::new();
            let mut limit = Vec::new();
            for (resource, hard) in status.and_then(|s| s.hard.as_ref()).into_iter().flatten() {
                let used = used
                    .and_then(|u| u.get(resource))
                    .map_or_else(|| "0".to_string(), canonical);
                let cell = format!("{resource}: {used}/{}", canonical(hard));
                match resource.split_once('.') {
                    Some(("limits", _)) => limit.push(cell),
                    _ => request.push(cell),
                }
            }
            let (n, ns) = key(&quota.metadata);
            // `printResourceQuota`'s columns: the age comes second.
            let cells = vec![
                n.clone(),
                age(quota.metadata.creation_timestamp.as_ref(), &now),
                request.join(", "),
                limit.join(", "),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}

/// `formatHPAMetrics`: each metric's `current/target` (the current is always `<unknown>`:
/// no autoscaler writes the status), at most two, then `+ N more...`; `<none>` without any.
fn hpa_targets(metrics: &[k8s_openapi::api::autoscaling::v2::MetricSpec]) -> String {
    use k8s_openapi::api::autoscaling::v2::MetricTarget;
    if metrics.is_empty() {
        return "<none>".into();
    }
    let unknown = "<unknown>";
    let quantity = |q: &Option<k8s_openapi::apimachinery::pkg::api::resource::Quantity>| {
        q.as_ref().map(canonical).unwrap_or_default()
    };
    let resource = |name: &str, target: &MetricTarget| match &target.average_value {
        Some(value) => format!("{name}: {unknown}/{}", canonical(value)),
        None => {
            let target = target
                .average_utilization
                .map_or_else(|| "<auto>".to_string(), |u| format!("{u}%"));
            format!("{name}: {unknown}/{target}")
        }
    };
    let value_or_average = |target: &MetricTarget| match &target.average_value {
        Some(average) => format!("{unknown}/{} (avg)", canonical(average)),
        None => format!("{unknown}/{}", quantity(&target.value)),
    };
    let list: Vec<String> = metrics
        .iter()
        .map(|m| match m.type_.as_str() {
            "External" => m
                .external
                .as_ref()
                .map_or_else(String::new, |e| value_or_average(&e.target)),
            "Pods" => m.pods.as_ref().map_or_else(String::new, |p| {
                format!("{unknown}/{}", quantity(&p.target.average_value))
            }),
            "Object" => m
                .object
                .as_ref()
                .map_or_else(String::new, |o| value_or_average(&o.target)),
            "Resource" => m
                .resource
                .as_ref()
                .map_or_else(String::new, |r| resource(&r.name, &r.target)),
            "ContainerResource" => m
                .container_resource
                .as_ref()
                .map_or_else(String::new, |r| resource(&r.name, &r.target)),
            _ => "<unknown type>".into(),
        })
        .collect();
    const MAX: usize = 2;
    if list.len() > MAX {
        format!("{} + {} more...", list[..MAX].join(", "), list.len() - MAX)
    } else {
        list.join(", ")
    }
}

/// `kubectl get hpa` (`printHorizontalPodAutoscaler`): `Kind/name` of the target, the
/// metrics, `minReplicas` (`<unset>`), `maxReplicas`, `status.currentReplicas`.
pub fn horizontalpodautoscalers(
    hpas: &[&k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler],
    now: Time,
) -> PrintedTable {
    let columns = row::HorizontalPodAutoscaler.columns.to_vec();
    let rows = hpas
        .iter()
        .map(|hpa| {
            let spec = Some(&hpa.spec);
            let reference = spec.map_or_else(String::new, |s| {
                format!("{}/{}", s.scale_target_ref.kind, s.scale_target_ref.name)
            });
            let (n, ns) = key(&hpa.metadata);
            let cells = vec![
                n.clone(),
                reference,
                hpa_targets(spec.and_then(|s| s.metrics.as_deref()).unwrap_or(&[])),
                spec.and_then(|s| s.min_replicas)
                    .map_or_else(|| "<unset>".to_string(), |m| m.to_string()),
                spec.map_or(0, |s| s.max_replicas).to_string(),
                hpa.status
                    .as_ref()
                    .and_then(|s| s.current_replicas)
                    .unwrap_or(0)
                    .to_string(),
                age(hpa.metadata.creation_timestamp.as_ref(), &now),
            ];
            (n, ns, cells)
        })
        .collect();
    table(columns, rows)
}
