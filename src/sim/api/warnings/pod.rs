//! A pod's and a pod template's warnings (upstream `pkg/api/pod/warnings.go`,
//! `warningsForPodSpecAndMeta`), in upstream's order: deprecated node labels, null label
//! selectors of spread constraints, deprecated annotations, deprecated volume plugins,
//! duplicate host aliases and image pull secrets, fractional byte amounts, hidden env
//! vars, duplicate or overlapping container ports, a negative grace period, null label
//! selectors of pod (anti-)affinity terms.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, Pod, PodAffinityTerm, PodSpec, PodTemplateSpec,
    WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::node::{deprecated_message, warnings_for_node_selector_term};
use super::persistentvolumeclaim::warnings_for_claim_spec;
use super::{child, fractional_bytes};
use crate::sim::api::field_error::quote;

/// The pod strategy's `WarningsOnCreate`: a name that is no DNS label (it becomes the
/// hostname), then `GetWarningsForPod`. Its `WarningsOnUpdate` is `GetWarningsForPod`
/// alone (`create` false).
pub fn warnings_for_pod(pod: &Pod, create: bool) -> Vec<String> {
    let mut out = Vec::new();
    if create {
        let name = pod.metadata.name.as_deref().unwrap_or("");
        let msgs = crate::sim::api::validation::dns1123_label_errors(name);
        if !msgs.is_empty() {
            out.push(format!(
                "metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: [{}]",
                msgs.join(" ")
            ));
        }
    }
    if let Some(spec) = &pod.spec {
        out.extend(warnings_for_spec_and_meta("", spec, &pod.metadata));
    }
    out
}

/// The Deployment and ReplicaSet strategies' `WarningsOnCreate`: a name that is no DNS
/// label (it starts every pod's name and hostname), then the template's warnings.
pub fn warnings_for_workload_create(name: &str, template: &PodTemplateSpec) -> Vec<String> {
    let mut out = Vec::new();
    let msgs = crate::sim::api::validation::dns1123_label_errors(name);
    if !msgs.is_empty() {
        out.push(format!(
            "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [{}]",
            msgs.join(" ")
        ));
    }
    out.extend(warnings_for_pod_template("spec.template", template));
    out
}

/// `GetWarningsForPodTemplate`: the template at `path` (`spec.template`).
pub fn warnings_for_pod_template(path: &str, template: &PodTemplateSpec) -> Vec<String> {
    let meta = template.metadata.clone().unwrap_or_default();
    match &template.spec {
        Some(spec) => warnings_for_spec_and_meta(path, spec, &meta),
        None => Vec::new(),
    }
}

/// `deprecatedAnnotations`.
const DEPRECATED_ANNOTATIONS: &[(&str, &str)] = &[
    (
        "scheduler.alpha.kubernetes.io/critical-pod",
        "non-functional in v1.16+; use the \"priorityClassName\" field instead",
    ),
    (
        "security.alpha.kubernetes.io/sysctls",
        "non-functional in v1.11+; use the \"sysctls\" field instead",
    ),
    (
        "security.alpha.kubernetes.io/unsafe-sysctls",
        "non-functional in v1.11+; use the \"sysctls\" field instead",
    ),
];

/// `v1.SeccompPodAnnotationKey` and the container prefix.
const SECCOMP_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";
/// `DeprecatedAppArmorAnnotationKeyPrefix`.
const APPARMOR_CONTAINER_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// `pods.VisitContainersWithPath`: init containers, containers, ephemeral containers (their
/// common part), each with its path.
fn containers_with_path(spec: &PodSpec, spec_path: &str) -> Vec<(Container, String)> {
    let mut out = Vec::new();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        out.push((c.clone(), format!("{spec_path}.initContainers[{i}]")));
    }
    for (i, c) in spec.containers.iter().enumerate() {
        out.push((c.clone(), format!("{spec_path}.containers[{i}]")));
    }
    for (i, e) in spec.ephemeral_containers.iter().flatten().enumerate() {
        // The fields warned about are common to both types.
        let c = Container {
            name: e.name.clone(),
            env: e.env.clone(),
            ports: e.ports.clone(),
            resources: e.resources.clone(),
            security_context: e.security_context.clone(),
            ..Default::default()
        };
        out.push((c, format!("{spec_path}.ephemeralContainers[{i}]")));
    }
    out
}

fn warnings_for_spec_and_meta(path: &str, spec: &PodSpec, meta: &ObjectMeta) -> Vec<String> {
    let mut out = Vec::new();
    let spec_path = child(path, "spec");
    let annotations_path = child(path, "metadata.annotations");
    let empty = BTreeMap::new();
    let annotations = meta.annotations.as_ref().unwrap_or(&empty);

    // Deprecated node labels in the node selector, the node affinity, the spread constraints.
    for key in spec.node_selector.iter().flat_map(|s| s.keys()) {
        if let Some(msg) = deprecated_message(key) {
            out.push(format!("{spec_path}.nodeSelector[{key}]: {msg}"));
        }
    }
    if let Some(node) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
    {
        if let Some(required) = &node.required_during_scheduling_ignored_during_execution {
            for (i, term) in required.node_selector_terms.iter().enumerate() {
                out.extend(warnings_for_node_selector_term(
                    term,
                    &format!("{spec_path}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[{i}]"),
                ));
            }
        }
        for (i, term) in node
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .flatten()
            .enumerate()
        {
            out.extend(warnings_for_node_selector_term(
                &term.preference,
                &format!("{spec_path}.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}].preference"),
            ));
        }
    }
    for (i, t) in spec
        .topology_spread_constraints
        .iter()
        .flatten()
        .enumerate()
    {
        let at = format!("{spec_path}.topologySpreadConstraints[{i}]");
        if let Some(msg) = deprecated_message(&t.topology_key) {
            out.push(format!("{at}.topologyKey: {} is {msg}", t.topology_key));
        }
        if t.label_selector.is_none() {
            out.push(format!(
                "{at}.labelSelector: a null labelSelector results in matching no pod"
            ));
        }
    }

    for (key, msg) in DEPRECATED_ANNOTATIONS {
        if annotations.contains_key(*key) {
            out.push(format!("{annotations_path}[{key}]: {msg}"));
        }
    }

    // Deprecated and removed volume plugins.
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let at = format!("{spec_path}.volumes[{i}]");
        let plugins = [
            (v.photon_persistent_disk.is_some(), "photonPersistentDisk"),
            (v.git_repo.is_some(), "gitRepo"),
            (v.scale_io.is_some(), "scaleIO"),
            (v.flocker.is_some(), "flocker"),
            (v.storageos.is_some(), "storageOS"),
            (v.quobyte.is_some(), "quobyte"),
            (v.glusterfs.is_some(), "glusterfs"),
        ];
        out.extend(super::deprecated_plugins(&at, plugins));
        if let Some(template) = v
            .ephemeral
            .as_ref()
            .and_then(|e| e.volume_claim_template.as_ref())
        {
            out.extend(warnings_for_claim_spec(
                &format!("{at}.ephemeral.volumeClaimTemplate.spec"),
                &template.spec,
            ));
        }
        // Upstream checks these two after the ephemeral claim template.
        out.extend(super::deprecated_plugins(
            &at,
            [(v.cephfs.is_some(), "cephfs"), (v.rbd.is_some(), "rbd")],
        ));
    }

    // Duplicate host aliases and image pull secrets; a pull secret without a name.
    let mut seen: Vec<&str> = Vec::new();
    for (i, alias) in spec.host_aliases.iter().flatten().enumerate() {
        if seen.contains(&alias.ip.as_str()) {
            out.push(format!(
                "{spec_path}.hostAliases[{i}].ip: duplicate ip {}",
                quote(&alias.ip)
            ));
        } else {
            seen.push(&alias.ip);
        }
    }
    let secrets = spec.image_pull_secrets.as_deref().unwrap_or(&[]);
    let mut seen: Vec<&str> = Vec::new();
    for (i, secret) in secrets.iter().enumerate() {
        if seen.contains(&secret.name.as_str()) {
            out.push(format!(
                "{spec_path}.imagePullSecrets[{i}].name: duplicate name {}",
                quote(&secret.name)
            ));
        } else {
            seen.push(&secret.name);
        }
    }
    for (i, secret) in secrets.iter().enumerate() {
        if secret.name.is_empty() {
            out.push(format!(
                "{spec_path}.imagePullSecrets[{i}].name: invalid empty name \"\""
            ));
        }
    }

    // Fractional bytes in the overhead.
    for resource in ["memory", "ephemeral-storage"] {
        out.extend(fractional_bytes(
            &format!("{spec_path}.overhead[{resource}]"),
            spec.overhead.as_ref().and_then(|o| o.get(resource)),
        ));
    }

    // Seccomp and AppArmor annotations without the fields that replaced them.
    let pod_seccomp = spec
        .security_context
        .as_ref()
        .is_some_and(|s| s.seccomp_profile.is_some());
    if !pod_seccomp && annotations.contains_key(SECCOMP_POD) {
        out.push(format!(
            "{annotations_path}[{SECCOMP_POD}]: non-functional in v1.27+; use the \"seccompProfile\" field instead"
        ));
    }
    let pod_apparmor = spec
        .security_context
        .as_ref()
        .is_some_and(|s| s.app_armor_profile.is_some());

    let containers = containers_with_path(spec, &spec_path);
    for (c, at) in &containers {
        let sc = c.security_context.as_ref();
        let key = format!("{SECCOMP_CONTAINER_PREFIX}{}", c.name);
        if sc.is_none_or(|s| s.seccomp_profile.is_none()) && annotations.contains_key(&key) {
            out.push(format!(
                "{annotations_path}[{key}]: non-functional in v1.27+; use the \"seccompProfile\" field instead"
            ));
        }
        // A pod's own AppArmor annotations are warned about elsewhere upstream
        // (applyAppArmorVersionSkew); only a template's here.
        let key = format!("{APPARMOR_CONTAINER_PREFIX}{}", c.name);
        let apparmor = pod_apparmor || sc.is_some_and(|s| s.app_armor_profile.is_some());
        if !path.is_empty() && !apparmor && annotations.contains_key(&key) {
            out.push(format!(
                "{annotations_path}[{key}]: deprecated since v1.30; use the \"appArmorProfile\" field instead"
            ));
        }
        let resources = c.resources.as_ref();
        for (resource, field) in [
            ("memory", "limits"),
            ("memory", "requests"),
            ("ephemeral-storage", "limits"),
            ("ephemeral-storage", "requests"),
        ] {
            let list = resources.and_then(|r| {
                if field == "limits" {
                    r.limits.as_ref()
                } else {
                    r.requests.as_ref()
                }
            });
            out.extend(fractional_bytes(
                &format!("{at}.resources.{field}[{resource}]"),
                list.and_then(|l| l.get(resource)),
            ));
        }
        out.extend(hidden_env(c, at));
    }

    out.extend(port_warnings(&containers));

    if spec.termination_grace_period_seconds.is_some_and(|g| g < 0) {
        out.push(format!(
            "{spec_path}.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1"
        ));
    }

    let affinity = spec.affinity.as_ref();
    let terms = [
        (
            "podAffinity",
            affinity.and_then(|a| a.pod_affinity.as_ref()).map(|p| {
                (
                    &p.required_during_scheduling_ignored_during_execution,
                    &p.preferred_during_scheduling_ignored_during_execution,
                )
            }),
        ),
        (
            "podAntiAffinity",
            affinity
                .and_then(|a| a.pod_anti_affinity.as_ref())
                .map(|p| {
                    (
                        &p.required_during_scheduling_ignored_during_execution,
                        &p.preferred_during_scheduling_ignored_during_execution,
                    )
                }),
        ),
    ];
    for (field, terms) in terms {
        if let Some((required, preferred)) = terms {
            let at = format!("{spec_path}.affinity.{field}");
            out.extend(null_selector_terms(required.as_deref(), &at));
            out.extend(null_selector_weighted(preferred.as_deref(), &at));
        }
    }
    out
}

/// A repeated env var that replaces an earlier one (rather than extending it with
/// `$(NAME)`): apply may drop one of the two.
fn hidden_env(c: &Container, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, e) in c.env.iter().flatten().enumerate() {
        if !seen.contains(&e.name.as_str()) {
            seen.push(&e.name);
            continue;
        }
        let reference = format!("$({})", e.name);
        let value = e.value.as_deref().unwrap_or("");
        let bad = e.value_from.is_some() || value == reference || !value.contains(&reference);
        if bad {
            out.push(format!(
                "{at}.env[{i}]: hides previous definition of {}, which may be dropped when using apply",
                quote(&e.name)
            ));
        }
    }
    out
}

/// Go's `%+v` of the internal `ContainerPort`.
fn port_struct(p: &ContainerPort) -> String {
    format!(
        "{{Name:{} HostPort:{} ContainerPort:{} Protocol:{} HostIP:{}}}",
        p.name.as_deref().unwrap_or(""),
        p.host_port.unwrap_or(0),
        p.container_port,
        p.protocol.as_deref().unwrap_or("TCP"),
        p.host_ip.as_deref().unwrap_or("")
    )
}

/// Ports across all containers: a host IP without a host port, and two definitions of one
/// port and protocol that are duplicate, overlapping (one without host port) or ambiguous
/// (the same host port, one with a host IP and one without).
fn port_warnings(containers: &[(Container, String)]) -> Vec<String> {
    let mut out = Vec::new();
    // (containerPort/protocol, hostIP, hostPort, path), in the order met.
    let mut seen: Vec<(String, &str, i32, String)> = Vec::new();
    for (c, at) in containers {
        for (i, p) in c.ports.iter().flatten().enumerate() {
            let here = format!("{at}.ports[{i}]");
            let host_ip = p.host_ip.as_deref().unwrap_or("");
            let host_port = p.host_port.unwrap_or(0);
            if !host_ip.is_empty() && host_port == 0 {
                out.push(format!(
                    "{here}: hostIP set without hostPort: {}",
                    port_struct(p)
                ));
            }
            let key = format!(
                "{}/{}",
                p.container_port,
                p.protocol.as_deref().unwrap_or("TCP")
            );
            for (other_key, other_ip, other_port, other_at) in &seen {
                if *other_key != key {
                    continue;
                }
                let (a, b) = (host_ip.is_empty(), other_ip.is_empty());
                if host_ip == *other_ip && host_port == *other_port {
                    out.push(format!("{here}: duplicate port definition with {other_at}"));
                } else if host_port == 0 || *other_port == 0 {
                    out.push(format!(
                        "{here}: overlapping port definition with {other_at}"
                    ));
                } else if host_port == *other_port && (a || b) && !(a && b) {
                    out.push(format!(
                        "{here}: dangerously ambiguous port definition with {other_at}"
                    ));
                }
            }
            seen.push((key, host_ip, host_port, here));
        }
    }
    out
}

fn null_selector_terms(terms: Option<&[PodAffinityTerm]>, at: &str) -> Vec<String> {
    terms
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter(|(_, t)| t.label_selector.is_none())
        .map(|(i, _)| {
            format!("{at}.requiredDuringSchedulingIgnoredDuringExecution[{i}].labelSelector: a null labelSelector results in matching no pod")
        })
        .collect()
}

fn null_selector_weighted(terms: Option<&[WeightedPodAffinityTerm]>, at: &str) -> Vec<String> {
    terms
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter(|(_, t)| t.pod_affinity_term.label_selector.is_none())
        .map(|(i, _)| {
            format!("{at}.preferredDuringSchedulingIgnoredDuringExecution[{i}].podAffinityTerm.labelSelector: a null labelSelector results in matching no pod")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(spec: serde_json::Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "p"}, "spec": spec})).unwrap()
    }

    #[test]
    fn an_env_var_that_extends_the_previous_one_is_not_warned_about() {
        let p = pod(json!({"containers": [{"name": "c", "env": [
            {"name": "A", "value": "1"},
            {"name": "A", "value": "$(A):2"},
            {"name": "A", "value": "$(A)"},
            {"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        ]}]}));
        assert_eq!(
            warnings_for_pod(&p, true),
            [
                "spec.containers[0].env[2]: hides previous definition of \"A\", which may be dropped when using apply",
                "spec.containers[0].env[3]: hides previous definition of \"A\", which may be dropped when using apply",
            ]
        );
    }

    #[test]
    fn ports_across_init_and_regular_containers() {
        let p = pod(json!({
            "initContainers": [{"name": "i", "ports": [{"containerPort": 53, "protocol": "UDP", "hostPort": 53}]}],
            "containers": [
                {"name": "a", "ports": [{"containerPort": 53, "protocol": "UDP", "hostPort": 53, "hostIP": "10.0.0.1"}]},
                {"name": "b", "ports": [{"containerPort": 53, "protocol": "TCP"}]},
            ],
        }));
        assert_eq!(
            warnings_for_pod(&p, true),
            ["spec.containers[0].ports[0]: dangerously ambiguous port definition with spec.initContainers[0].ports[0]"]
        );
    }

    #[test]
    fn a_template_warns_under_its_path() {
        let t: PodTemplateSpec = serde_json::from_value(json!({
            "metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "runtime/default"}},
            "spec": {"containers": [{"name": "c", "resources": {"limits": {"ephemeral-storage": "1.5"}}}],
                      "imagePullSecrets": [{"name": "x"}, {"name": "x"}, {"name": ""}]},
        }))
        .unwrap();
        assert_eq!(
            warnings_for_pod_template("spec.template", &t),
            [
                "spec.template.spec.imagePullSecrets[1].name: duplicate name \"x\"",
                "spec.template.spec.imagePullSecrets[2].name: invalid empty name \"\"",
                "spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: deprecated since v1.30; use the \"appArmorProfile\" field instead",
                "spec.template.spec.containers[0].resources.limits[ephemeral-storage]: fractional byte value \"1500m\" is invalid, must be an integer",
            ]
        );
    }
}
