//! Manifest fields that change what a real cluster does but that scn does not simulate.
//! `apply` warns about each one it finds (docs/language.md: "say what is not simulated"), so a
//! manifest never gets a confident answer that silently ignores part of it.
//!
//! [`FIELDS`] is the one place that lists them; docs/language.md repeats it and a test
//! checks that each entry warns. Scheduling fields (affinity, topology spread, tolerations,
//! nodeSelector, resource requests) and container lifecycle fields (probes, init
//! containers, lifecycle hooks, terminationGracePeriodSeconds) are simulated and are not
//! listed.

use serde_json::Value;

/// Where a field lives: in a pod spec (a Pod's `spec`, a StatefulSet's
/// `spec.template.spec`), a Service's `spec` or a PersistentVolumeClaim's `spec`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    PodSpec,
    Service,
    Claim,
}

/// One field scn does not simulate.
#[derive(Debug, Clone, Copy)]
pub struct Unsimulated {
    pub scope: Scope,
    /// The path under the scope: `.` between fields, `[*]` for every element of a list.
    pub path: &'static str,
    /// The values that mean "what scn simulates anyway" (no warning), as JSON text.
    pub harmless: &'static [&'static str],
    /// What a real cluster would do that scn does not.
    pub why: &'static str,
    /// An example value, for the test and the docs (JSON text).
    #[cfg_attr(not(test), allow(dead_code))]
    pub example: &'static str,
}

const fn f(
    scope: Scope,
    path: &'static str,
    harmless: &'static [&'static str],
    why: &'static str,
    example: &'static str,
) -> Unsimulated {
    Unsimulated {
        scope,
        path,
        harmless,
        why,
        example,
    }
}

use Scope::{Claim, PodSpec, Service};

pub static FIELDS: &[Unsimulated] = &[
    f(PodSpec, "hostNetwork", &["false"], "the pod would share the node's network namespace; scn only gives it the node's IP", "true"),
    f(PodSpec, "hostPID", &["false"], "the pod would share the node's process namespace", "true"),
    f(PodSpec, "hostIPC", &["false"], "the pod would share the node's IPC namespace", "true"),
    f(PodSpec, "dnsPolicy", &["\"ClusterFirst\"", "\"ClusterFirstWithHostNet\""], "the pod's /etc/resolv.conf follows it, but scn's resolver answers every name as a ClusterFirst pod does", "\"Default\""),
    f(PodSpec, "dnsConfig.searches", &["[]"], "the pod's /etc/resolv.conf has them, but scn's resolver searches only the cluster's paths", "[\"corp.example\"]"),
    f(PodSpec, "dnsConfig.options", &["[]"], "the pod's /etc/resolv.conf has them, but scn's resolver uses ndots:5 and no other option", "[{\"name\":\"ndots\",\"value\":\"2\"}]"),
    f(PodSpec, "runtimeClassName", &[], "the class's overhead and scheduling apply, but scn's nodes run every handler as their default runtime", "\"gvisor\""),
    f(PodSpec, "securityContext", &[], "users, groups and fsGroup do not restrict what the pod may read or write in scn", "{\"runAsUser\":1000}"),
    f(PodSpec, "containers[*].securityContext", &[], "capabilities, users and read-only root filesystems are not enforced", "{\"readOnlyRootFilesystem\":true}"),
    f(PodSpec, "containers[*].resources.limits", &[], "limits are not enforced: no OOM kill, no CPU throttling", "{\"memory\":\"128Mi\"}"),
    f(PodSpec, "ephemeralContainers", &[], "ephemeral (debug) containers are not simulated", "[{\"name\":\"debug\",\"image\":\"busybox\"}]"),
    f(PodSpec, "imagePullSecrets", &[], "registry credentials are not simulated: every image pulls unless made unpullable", "[{\"name\":\"registry\"}]"),
    f(PodSpec, "volumes[*].hostPath", &[], "hostPath volumes are not simulated: files do not stay on the node", "{\"path\":\"/data\"}"),
    f(PodSpec, "volumes[*].nfs", &[], "NFS volumes are not simulated", "{\"server\":\"nfs\",\"path\":\"/\"}"),
    f(PodSpec, "volumes[*].csi", &[], "inline CSI volumes are not simulated", "{\"driver\":\"example.csi\"}"),
    f(PodSpec, "volumes[*].projected.sources[*].serviceAccountToken", &[], "no token is issued: the file is absent", "{\"path\":\"token\"}"),
    f(PodSpec, "volumes[*].projected.sources[*].clusterTrustBundle", &[], "cluster trust bundles are not simulated: the file is absent", "{\"signerName\":\"example.com/s\",\"path\":\"ca.pem\"}"),
    f(PodSpec, "volumes[*].projected.sources[*].podCertificate", &[], "pod certificates are not simulated: the file is absent", "{\"signerName\":\"example.com/s\",\"keyType\":\"ED25519\",\"credentialBundlePath\":\"creds.pem\"}"),
    f(PodSpec, "volumes[*].emptyDir.sizeLimit", &[], "an emptyDir over its size limit would get the pod evicted", "\"1Gi\""),
    f(Service, "externalTrafficPolicy", &["\"Cluster\""], "traffic routing from outside the cluster is not simulated", "\"Local\""),
    f(Service, "sessionAffinity", &["\"None\""], "connections are not simulated, so neither is client affinity", "\"ClientIP\""),
    f(Service, "externalIPs", &[], "external IPs are not routed", "[\"192.0.2.10\"]"),
    f(Service, "loadBalancerSourceRanges", &[], "no load balancer is provisioned", "[\"10.0.0.0/8\"]"),
    f(Claim, "dataSource", &[], "volumes are provisioned empty: no clone or snapshot restore", "{\"kind\":\"VolumeSnapshot\",\"name\":\"snap\"}"),
    f(Claim, "dataSourceRef", &[], "volumes are provisioned empty: no populator runs", "{\"kind\":\"VolumeSnapshot\",\"name\":\"snap\"}"),
    f(Claim, "volumeAttributesClassName", &[], "no CSI driver applies the class's attributes, and the provisioned volume does not name it", "\"gold\""),
];

/// The kinds that make pods in a real cluster but that no component of scn acts on: the
/// object is stored, and nothing happens (B-DS-13); Namespace, stored while everything
/// runs in the one namespace; and the kinds whose admission plugin or controller does not
/// run (HorizontalPodAutoscaler). A ResourceQuota warns only for the resources and scopes
/// scn does not count (`resourcequota::unsimulated_warnings`).
pub static KINDS: &[(&str, &str)] = &[
    (
        "Job",
        "the Job controller does not run: the Job creates no pods and gets no status",
    ),
    (
        "CronJob",
        "the CronJob controller does not run: no Job is created on its schedule",
    ),
    (
        "Namespace",
        "the cluster has one namespace, default: an object in another one is refused",
    ),
    (
        "HorizontalPodAutoscaler",
        "the horizontal pod autoscaler does not run (scn has no metrics): the target is never scaled and the status stays empty",
    ),
];

/// A Service annotation that changes what a real cluster does and that scn does not
/// simulate: topology aware routing (`hintsEnabled` in upstream's
/// `staging/src/k8s.io/endpointslice/reconciler.go`: the deprecated
/// `service.kubernetes.io/topology-aware-hints`, when present, decides, else
/// `service.kubernetes.io/topology-mode`; `Auto` or `auto` enables it). The topology cache's
/// proportional hints are not simulated, and the annotation overrides `trafficDistribution`,
/// so the Service's endpoints get no hint at all.
pub const TOPOLOGY_MODE_WHY: &str = "topology aware routing is not simulated: its endpoints get no hints, and spec.trafficDistribution is ignored as upstream ignores it";

/// The warnings for `object` (a manifest as applied), each `path: not simulated by scn
/// (why)`, in table order then element order; first, for a kind of [`KINDS`], `kind: Job:
/// not simulated by scn (why)`; last, a Service's topology annotation.
pub fn warnings(object: &Value) -> Vec<String> {
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // The namespace everything runs in is simulated.
    let default_namespace = kind == "Namespace"
        && object.pointer("/metadata/name").and_then(Value::as_str) == Some("default");
    let mut out: Vec<String> = KINDS
        .iter()
        .filter(|(k, _)| *k == kind && !default_namespace)
        .map(|(k, why)| format!("kind: {k}: not simulated by scn ({why})"))
        .collect();
    // Where the kind keeps the fields of each scope: the registry's `unsimulated` roots.
    let roots: Vec<(Scope, &str, Option<&Value>)> = super::kinds::by_kind(kind)
        .map_or(&[][..], |info| info.unsimulated)
        .iter()
        .map(|(scope, prefix)| {
            let pointer = format!("/{}", prefix.replace('.', "/"));
            (*scope, *prefix, object.pointer(&pointer))
        })
        .collect();
    for (scope, prefix, root) in roots {
        let Some(root) = root else { continue };
        for field in FIELDS.iter().filter(|f| f.scope == scope) {
            let harmless: Vec<Value> = field
                .harmless
                .iter()
                .filter_map(|h| serde_json::from_str(h).ok())
                .collect();
            let mut found = Vec::new();
            find(root, prefix.to_string(), field.path, &mut found);
            for (path, value) in found {
                if value.is_null() || harmless.contains(value) {
                    continue;
                }
                out.push(format!("{path}: not simulated by scn ({})", field.why));
            }
        }
    }
    if kind == "Service" {
        out.extend(topology_annotation_warning(object));
    }
    if kind == "StorageClass" {
        out.extend(attachable_provisioner_warning(object));
    }
    if kind == super::resourcequota::KIND {
        out.extend(super::resourcequota::unsimulated_warnings(object));
    }
    out
}

/// Provisioners whose volumes are local to a node (a `hostPath` or `local` volume, as scn
/// provisions every volume): nothing is attached.
const LOCAL_PROVISIONERS: [&str; 5] = [
    "rancher.io/local-path",
    "kubernetes.io/no-provisioner",
    "k8s.io/minikube-hostpath",
    "kubernetes.io/host-path",
    "docker.io/hostpath",
];

/// Why a class of another provisioner warns: its volumes would be attached to nodes.
pub const ATTACH_WHY: &str = "its volumes would be attached to nodes by the attach/detach controller; scn attaches nothing: no VolumeAttachment, no SuccessfulAttachVolume event, and a ReadWriteOnce volume moves to another node without a Multi-Attach error or the 6-minute wait for a detach";

/// `provisioner: not simulated by scn (…)` for a StorageClass whose provisioner is not a
/// node-local one.
fn attachable_provisioner_warning(object: &Value) -> Option<String> {
    let provisioner = object.get("provisioner")?.as_str()?;
    (!LOCAL_PROVISIONERS.contains(&provisioner))
        .then(|| format!("provisioner: not simulated by scn ({ATTACH_WHY})"))
}

/// `metadata.annotations[<key>]: not simulated by scn (…)` when the Service's annotations
/// enable topology aware hints, naming the key that decides.
fn topology_annotation_warning(object: &Value) -> Option<String> {
    use crate::sim::controllers::endpointslice::trafficdist::{
        ANNOTATION_TOPOLOGY_AWARE_HINTS, ANNOTATION_TOPOLOGY_MODE,
    };
    let annotations = object.pointer("/metadata/annotations")?.as_object()?;
    let key = if annotations.contains_key(ANNOTATION_TOPOLOGY_AWARE_HINTS) {
        ANNOTATION_TOPOLOGY_AWARE_HINTS
    } else {
        ANNOTATION_TOPOLOGY_MODE
    };
    let value = annotations.get(key)?.as_str()?;
    matches!(value, "Auto" | "auto")
        .then(|| format!("metadata.annotations[{key}]: not simulated by scn ({TOPOLOGY_MODE_WHY})"))
}

/// Every value at `path` under `at` (whose own path is `shown`).
fn find<'v>(at: &'v Value, shown: String, path: &str, out: &mut Vec<(String, &'v Value)>) {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let (name, each) = match head.strip_suffix("[*]") {
        Some(n) => (n, true),
        None => (head, false),
    };
    let Some(value) = at.get(name) else { return };
    let shown = format!("{shown}.{name}");
    let mut visit = |v: &'v Value, s: String| match rest {
        Some(rest) => find(v, s, rest, out),
        None => out.push((s, v)),
    };
    if each {
        for (i, element) in value.as_array().into_iter().flatten().enumerate() {
            visit(element, format!("{shown}[{i}]"));
        }
    } else {
        visit(value, shown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Puts `value` at `path` (index 0 for `[*]`) under `root`.
    fn put(root: &mut Value, path: &str, value: Value) -> String {
        let mut at = root;
        let mut shown = Vec::new();
        let parts: Vec<&str> = path.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let (name, each) = match part.strip_suffix("[*]") {
                Some(n) => (n, true),
                None => (*part, false),
            };
            shown.push(if each {
                format!("{name}[0]")
            } else {
                name.to_string()
            });
            if each {
                let list = at
                    .as_object_mut()
                    .unwrap()
                    .entry(name)
                    .or_insert_with(|| json!([{}]));
                at = &mut list[0];
                if last {
                    *at = value.clone();
                }
            } else if last {
                at[name] = value.clone();
            } else {
                at = at
                    .as_object_mut()
                    .unwrap()
                    .entry(name)
                    .or_insert_with(|| json!({}));
            }
        }
        shown.join(".")
    }

    #[test]
    fn every_listed_field_warns_with_its_path() {
        for field in FIELDS {
            let example: Value = serde_json::from_str(field.example).unwrap();
            let (mut object, prefix) = match field.scope {
                Scope::PodSpec => (
                    json!({"kind": "StatefulSet", "spec": {"template": {"spec": {}}}}),
                    "spec.template.spec",
                ),
                Scope::Service => (json!({"kind": "Service", "spec": {}}), "spec"),
                Scope::Claim => (json!({"kind": "PersistentVolumeClaim", "spec": {}}), "spec"),
            };
            let root = match field.scope {
                Scope::PodSpec => object.pointer_mut("/spec/template/spec").unwrap(),
                _ => object.get_mut("spec").unwrap(),
            };
            let path = put(root, field.path, example);
            let warnings = warnings(&object);
            let expected = format!("{prefix}.{path}: not simulated by scn ({})", field.why);
            assert!(
                warnings.contains(&expected),
                "{} did not warn: {warnings:?}",
                field.path
            );
            for harmless in field.harmless {
                let root = match field.scope {
                    Scope::PodSpec => object.pointer_mut("/spec/template/spec").unwrap(),
                    _ => object.get_mut("spec").unwrap(),
                };
                put(root, field.path, serde_json::from_str(harmless).unwrap());
                assert!(
                    !super::warnings(&object)
                        .iter()
                        .any(|w| w.starts_with(&format!("{prefix}.{path}:"))),
                    "{} warned for its harmless value",
                    field.path
                );
            }
        }
    }

    #[test]
    fn the_docs_list_every_field() {
        let docs = include_str!("../../../docs/language.md");
        let section = docs
            .split("## Not simulated")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .expect("docs/language.md has a \"Not simulated\" section");
        for field in FIELDS {
            // Volume types and projected sources are listed by their name.
            let shown = field
                .path
                .trim_start_matches("volumes[*].")
                .trim_start_matches("projected.sources[*].");
            assert!(
                section.contains(&format!("`{shown}`")),
                "docs/language.md does not list {}",
                field.path
            );
        }
    }

    #[test]
    fn the_topology_annotation_warns_when_it_enables_hints() {
        let service = |annotations: Value| {
            warnings(
                &json!({"kind": "Service", "metadata": {"annotations": annotations}, "spec": {}}),
            )
        };
        let mode = format!(
            "metadata.annotations[service.kubernetes.io/topology-mode]: not simulated by scn ({TOPOLOGY_MODE_WHY})"
        );
        assert_eq!(
            service(json!({"service.kubernetes.io/topology-mode": "Auto"})),
            vec![mode.clone()]
        );
        assert_eq!(
            service(json!({"service.kubernetes.io/topology-mode": "auto"})),
            vec![mode]
        );
        assert!(service(json!({"service.kubernetes.io/topology-mode": "Disabled"})).is_empty());
        // The deprecated annotation, when present, decides.
        assert!(service(json!({"service.kubernetes.io/topology-mode": "Auto", "service.kubernetes.io/topology-aware-hints": "Disabled"})).is_empty());
        assert_eq!(
            service(json!({"service.kubernetes.io/topology-aware-hints": "auto"})),
            vec![format!("metadata.annotations[service.kubernetes.io/topology-aware-hints]: not simulated by scn ({TOPOLOGY_MODE_WHY})")]
        );
        assert!(warnings(&json!({"kind": "Pod", "metadata": {"annotations": {"service.kubernetes.io/topology-mode": "Auto"}}})).is_empty());
    }

    #[test]
    fn a_plain_pod_spec_and_the_pod_kind_paths() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y", "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}}}]}});
        assert_eq!(
            warnings(&pod),
            vec!["spec.containers[1].resources.limits: not simulated by scn (limits are not enforced: no OOM kill, no CPU throttling)".to_string()]
        );
        let plain = json!({"kind": "Pod", "spec": {"dnsPolicy": "ClusterFirst", "containers": [{"name": "a", "image": "x"}]}});
        assert!(warnings(&plain).is_empty());
    }
}
