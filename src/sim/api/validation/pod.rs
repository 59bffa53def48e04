//! Pod validation (`ValidatePodCreate`, `ValidatePodSpec` in `pkg/apis/core/validation`):
//! the template since v1.34 (B-VAL-18) and the pods the controller creates.

use std::collections::{BTreeMap, HashSet};

use k8s_openapi::api::core::v1::{
    Affinity, Container, NodeAffinity, NodeSelectorTerm, Pod, PodSpec, Toleration, VolumeMount,
};

use super::super::field_error::FieldError;
use super::super::validation_ranges::{
    port_name_errors, validate_container_ranges, validate_pod_level_ranges,
};
use super::affinity::validate_affinity;
use super::env::{validate_env, validate_env_from};
use super::names::{
    dns1123_label_errors, dns1123_subdomain_errors, qualified_name_errors, validate_labels,
    PORT_RANGE_MSG,
};
use super::resources::validate_resource_requirements;
use super::security_context::{validate_container_security_context, validate_pod_security_context};
use super::topology_spread::validate_topology_spread_constraints;
use super::volume::validate_volume_source;

pub(super) struct PodSpecChecks {
    /// Check each volumeMount's name against the pod's volumes (pods only, B-VAL-18).
    pub(super) mounts: bool,
    /// Check restartPolicy against all values (pods); the StatefulSet checks it itself.
    pub(super) restart_policy: bool,
    /// The spec is a Pod's (`PodValidationOptions.ResourceIsPod`), not a template's.
    pub(super) pod: bool,
}

/// `core.PodDeletionCost`: the annotation a ReplicaSet ranks its pods by when it scales down.
pub const POD_DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";

/// `GetDeletionCostFromPodAnnotations`: the annotation's int32 value, 0 when absent; `None`
/// when it is not a 32-bit integer written as Go's `validFirstDigit` wants it (no `+`, no
/// leading zero, not empty).
pub fn deletion_cost(annotations: Option<&BTreeMap<String, String>>) -> Option<i32> {
    let Some(value) = annotations.and_then(|a| a.get(POD_DELETION_COST)) else {
        return Some(0);
    };
    let first = value.as_bytes().first().copied()?;
    let valid_first = first == b'-' || value == "0" || (b'1'..=b'9').contains(&first);
    if !valid_first {
        return None;
    }
    value.parse::<i32>().ok()
}

/// `ValidatePodSpecificAnnotations`' deletion cost check (the `PodDeletionCost` gate, beta
/// and on): an annotation that is not a 32-bit integer is refused, `must be a 32bit
/// integer`. `path` is the annotations' path.
pub(super) fn validate_pod_specific_annotations(
    annotations: Option<&BTreeMap<String, String>>,
    path: &str,
) -> Vec<FieldError> {
    match annotations.and_then(|a| a.get(POD_DELETION_COST)) {
        Some(value) if deletion_cost(annotations).is_none() => vec![FieldError::invalid_str(
            format!("{path}[{POD_DELETION_COST}]"),
            value,
            "must be a 32bit integer",
        )],
        _ => Vec::new(),
    }
}

/// `ValidatePodTemplateSpec` of a workload's pod template (its labels, annotations and pod
/// spec, no ephemeral containers), then what `ValidatePodTemplateSpecForReplicaSet` and
/// `ValidateDaemonSetSpec` add for pods their controller restarts: restartPolicy `Always`
/// and no activeDeadlineSeconds (`kind` names the controller in that message).
pub(super) fn validate_workload_template(
    template: &k8s_openapi::api::core::v1::PodTemplateSpec,
    kind: &str,
) -> Vec<FieldError> {
    let meta = template.metadata.as_ref();
    let mut errs = validate_labels(meta.and_then(|m| m.labels.as_ref()), "spec.template.labels");
    errs.extend(super::names::validate_annotations(
        meta.and_then(|m| m.annotations.as_ref()),
        "spec.template.annotations",
    ));
    errs.extend(validate_pod_specific_annotations(
        meta.and_then(|m| m.annotations.as_ref()),
        "spec.template.annotations",
    ));
    let default_pod = PodSpec::default();
    let pod_spec = template.spec.as_ref().unwrap_or(&default_pod);
    errs.extend(validate_pod_spec(
        pod_spec,
        "spec.template.spec",
        PodSpecChecks {
            mounts: true,
            restart_policy: true,
            pod: false,
        },
        None,
    ));
    if pod_spec
        .ephemeral_containers
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        errs.push(FieldError::forbidden(
            "spec.template.spec.ephemeralContainers",
            "ephemeral containers not allowed in pod template",
        ));
    }
    let rp = pod_spec.restart_policy.as_deref().unwrap_or("");
    if rp != "Always" {
        errs.push(FieldError::unsupported(
            "spec.template.spec.restartPolicy",
            rp,
            &["Always"],
        ));
    }
    if pod_spec.active_deadline_seconds.is_some() {
        errs.push(FieldError::forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            format!("activeDeadlineSeconds in {kind} is not Supported"),
        ));
    }
    errs
}

/// `pod_name` is the pod's own name (a Pod's, not a template's): with it, the claims its
/// generic ephemeral volumes get (`<pod>-<volume>`) are checked (`ValidateVolumes`).
pub(super) fn validate_pod_spec(
    spec: &PodSpec,
    path: &str,
    checks: PodSpecChecks,
    pod_name: Option<&str>,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    // volumes
    let pod_name = pod_name.filter(|n| !n.is_empty());
    let created_claims: HashSet<String> = pod_name
        .map(|pod| {
            spec.volumes
                .iter()
                .flatten()
                .filter(|v| v.ephemeral.is_some())
                .map(|v| format!("{pod}-{}", v.name))
                .collect()
        })
        .unwrap_or_default();
    let mut volume_names: HashSet<&str> = HashSet::new();
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        errs.extend(validate_volume_source(
            v,
            &format!("{path}.volumes[{i}]"),
            pod_name,
        ));
        let p = format!("{path}.volumes[{i}].name");
        if v.name.is_empty() {
            errs.push(FieldError::required(p, ""));
        } else {
            for e in dns1123_label_errors(&v.name) {
                errs.push(FieldError::invalid_str(p.clone(), &v.name, e));
            }
            if !volume_names.insert(v.name.as_str()) {
                errs.push(FieldError::duplicate(p, &v.name));
            }
        }
        // A claim volume may not name a claim one of the pod's ephemeral volumes makes.
        if let Some(claim) = v
            .persistent_volume_claim
            .as_ref()
            .map(|c| c.claim_name.as_str())
            .filter(|c| created_claims.contains(*c))
        {
            errs.push(FieldError::invalid_str(
                format!("{path}.volumes[{i}].persistentVolumeClaim.claimName"),
                claim,
                "must not reference a PVC that gets created for an ephemeral volume",
            ));
        }
    }
    // containers
    if spec.containers.is_empty() {
        errs.push(FieldError::required(format!("{path}.containers"), ""));
    }
    let mut names: HashSet<&str> = HashSet::new();
    // Regular containers first (`validateContainers`), then init containers, whose names
    // must differ from theirs (`validateInitContainers` reports the duplicate).
    let groups: [(&str, &[k8s_openapi::api::core::v1::Container]); 2] = [
        ("containers", &spec.containers),
        (
            "initContainers",
            spec.init_containers.as_deref().unwrap_or(&[]),
        ),
    ];
    for (group, containers) in groups {
        for (i, c) in containers.iter().enumerate() {
            let cp = format!("{path}.{group}[{i}]");
            if c.name.is_empty() {
                errs.push(FieldError::required(format!("{cp}.name"), ""));
            } else {
                for e in dns1123_label_errors(&c.name) {
                    errs.push(FieldError::invalid_str(format!("{cp}.name"), &c.name, e));
                }
                if !names.insert(c.name.as_str()) {
                    errs.push(FieldError::duplicate(format!("{cp}.name"), &c.name));
                }
            }
            // Only an empty image is missing; whitespace around one is refused for pods
            // alone (`validateContainersOnlyForPod`), a template keeps upstream's leniency.
            if c.image.as_deref().unwrap_or("").is_empty() {
                errs.push(FieldError::required(format!("{cp}.image"), ""));
            }
            if let Some(tp) = c.termination_message_policy.as_deref() {
                errs.extend(FieldError::unless_supported(
                    tp,
                    &["File", "FallbackToLogsOnError"],
                    || format!("{cp}.terminationMessagePolicy"),
                ));
            }
            let mut port_names: HashSet<&str> = HashSet::new();
            for (j, port) in c.ports.iter().flatten().enumerate() {
                let pp = format!("{cp}.ports[{j}]");
                if let Some(name) = port.name.as_deref().filter(|n| !n.is_empty()) {
                    let msgs = port_name_errors(name);
                    if !msgs.is_empty() {
                        for m in msgs {
                            errs.push(FieldError::invalid_str(format!("{pp}.name"), name, m));
                        }
                    } else if !port_names.insert(name) {
                        errs.push(FieldError::duplicate(format!("{pp}.name"), name));
                    }
                }
                // `validateContainerPorts`: 0 (unset) is missing, anything else in range.
                if port.container_port == 0 {
                    errs.push(FieldError::required(format!("{pp}.containerPort"), ""));
                } else if !(1..=65535).contains(&port.container_port) {
                    errs.push(FieldError::invalid(
                        format!("{pp}.containerPort"),
                        port.container_port.to_string(),
                        PORT_RANGE_MSG,
                    ));
                }
                if let Some(hp) = port.host_port.filter(|hp| *hp != 0) {
                    if !(1..=65535).contains(&hp) {
                        errs.push(FieldError::invalid(
                            format!("{pp}.hostPort"),
                            hp.to_string(),
                            PORT_RANGE_MSG,
                        ));
                    }
                }
                if let Some(proto) = port.protocol.as_deref() {
                    errs.extend(FieldError::unless_supported(
                        proto,
                        &["SCTP", "TCP", "UDP"],
                        || format!("{pp}.protocol"),
                    ));
                }
            }
            errs.extend(validate_env(
                c.env.as_deref().unwrap_or_default(),
                &format!("{cp}.env"),
            ));
            errs.extend(validate_env_from(
                c.env_from.as_deref().unwrap_or_default(),
                &format!("{cp}.envFrom"),
            ));
            let mut mount_points: HashSet<&str> = HashSet::new();
            for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
                let mp = format!("{cp}.volumeMounts[{j}]");
                if m.name.is_empty() {
                    errs.push(FieldError::required(format!("{mp}.name"), ""));
                } else if checks.mounts && !volume_names.contains(m.name.as_str()) {
                    errs.push(FieldError::not_found(format!("{mp}.name"), &m.name));
                }
                if m.mount_path.is_empty() {
                    errs.push(FieldError::required(format!("{mp}.mountPath"), ""));
                }
                // `ValidateVolumeMounts`: each mount point once in a container.
                if !mount_points.insert(m.mount_path.as_str()) {
                    errs.push(FieldError::invalid_str(
                        format!("{mp}.mountPath"),
                        &m.mount_path,
                        "must be unique",
                    ));
                }
                errs.extend(validate_sub_paths(m, &cp, &mp));
                errs.extend(mount_propagation_errors(m, c, &mp));
            }
            if let Some(pp) = c.image_pull_policy.as_deref() {
                errs.extend(FieldError::unless_supported(
                    pp,
                    &["Always", "IfNotPresent", "Never"],
                    || format!("{cp}.imagePullPolicy"),
                ));
            }
            if let Some(r) = &c.resources {
                errs.extend(validate_resource_requirements(
                    r,
                    &format!("{cp}.resources"),
                ));
            }
            // `validateContainerCommon` ends with `ValidateSecurityContext`.
            errs.extend(validate_container_security_context(
                c.security_context.as_ref(),
                &format!("{cp}.securityContext"),
            ));
            errs.extend(validate_container_restart_policy(c, &cp));
            if group == "initContainers" {
                // `validateInitContainers` checks each init container's host ports on
                // their own (they run one by one), as a list of one: its path is always
                // `initContainers[0]`.
                errs.extend(host_port_conflicts(
                    std::slice::from_ref(c),
                    &format!("{path}.initContainers"),
                ));
            }
            // `validateContainers` / `validateInitContainers`: the hooks and probes last.
            errs.extend(validate_container_ranges(
                c,
                spec.termination_grace_period_seconds,
                &cp,
                group == "initContainers",
            ));
        }
        if group == "containers" {
            // `validateContainers`: port conflicts across all the regular containers.
            errs.extend(host_port_conflicts(
                containers,
                &format!("{path}.containers"),
            ));
        }
    }
    if checks.restart_policy {
        if let Some(rp) = spec.restart_policy.as_deref() {
            errs.extend(FieldError::unless_supported(
                rp,
                &["Always", "OnFailure", "Never"],
                || format!("{path}.restartPolicy"),
            ));
        }
    }
    if let Some(dp) = spec.dns_policy.as_deref() {
        let ok = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
        errs.extend(FieldError::unless_supported(dp, &ok, || {
            format!("{path}.dnsPolicy")
        }));
    }
    errs.extend(validate_labels(
        spec.node_selector.as_ref(),
        &format!("{path}.nodeSelector"),
    ));
    // `validatePodSpecSecurityContext`, between the node selector and the affinity.
    errs.extend(validate_pod_security_context(
        spec.security_context.as_ref(),
        &format!("{path}.securityContext"),
    ));
    if let Some(affinity) = &spec.affinity {
        errs.extend(validate_affinity(affinity, &format!("{path}.affinity")));
    }
    errs.extend(validate_pod_dns_config(spec, &format!("{path}.dnsConfig")));
    // `validateReadinessGates`: each condition type a qualified name.
    for (i, gate) in spec.readiness_gates.iter().flatten().enumerate() {
        for m in qualified_name_errors(&gate.condition_type) {
            errs.push(FieldError::invalid_str(
                format!("{path}.readinessGates[{i}].conditionType"),
                &gate.condition_type,
                m,
            ));
        }
    }
    // `validateSchedulingGates`: each name a qualified name, none twice.
    let mut gates: HashSet<&str> = HashSet::new();
    for (i, gate) in spec.scheduling_gates.iter().flatten().enumerate() {
        let at = format!("{path}.schedulingGates[{i}]");
        for m in qualified_name_errors(&gate.name) {
            errs.push(FieldError::invalid_str(at.clone(), &gate.name, m));
        }
        if !gates.insert(gate.name.as_str()) {
            errs.push(FieldError::duplicate(at, &gate.name));
        }
    }
    errs.extend(validate_topology_spread_constraints(
        spec.topology_spread_constraints.as_deref().unwrap_or(&[]),
        &format!("{path}.topologySpreadConstraints"),
    ));
    // No range check for `terminationGracePeriodSeconds`: a negative value is stored in a
    // template with a warning and taken as 1 in a Pod (kubernetes/kubernetes#103476).
    errs.extend(super::pod_resources::validate_pod_resources(spec, path));
    // `ValidateServiceAccountName`, just before the node name; `ValidateNodeName`, just
    // before activeDeadlineSeconds.
    subdomain_field(
        &mut errs,
        path,
        "serviceAccountName",
        &spec.service_account_name,
    );
    subdomain_field(&mut errs, path, "nodeName", &spec.node_name);
    // `ValidatePodSpec` checks the hostname and subdomain after activeDeadlineSeconds and
    // before the tolerations (a template's as a pod's).
    let mut names = Vec::new();
    for (field, value) in [
        ("hostname", spec.hostname.as_deref()),
        ("subdomain", spec.subdomain.as_deref()),
    ] {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            for e in dns1123_label_errors(v) {
                names.push(FieldError::invalid_str(format!("{path}.{field}"), v, e));
            }
        }
    }
    errs.extend(validate_pod_level_ranges(spec, path, names));
    errs.extend(validate_host_aliases(spec, path));
    // `ValidatePriorityClassName`, after the host aliases.
    subdomain_field(
        &mut errs,
        path,
        "priorityClassName",
        &spec.priority_class_name,
    );
    // `validateOS`, last: a name, `linux` or `windows`.
    if let Some(os) = &spec.os {
        if os.name.is_empty() {
            errs.push(FieldError::required(
                format!("{path}.os.name"),
                "cannot be empty",
            ));
        } else {
            errs.extend(FieldError::unless_supported(
                &os.name,
                &["linux", "windows"],
                || format!("{path}.os"),
            ));
        }
    }
    errs.extend(validate_host_network_ports(spec, path, checks.pod));
    errs
}

/// `validateMountPropagation`: a known mode, and `Bidirectional` only in a privileged
/// container.
fn mount_propagation_errors(m: &VolumeMount, c: &Container, mp: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(mode) = m.mount_propagation.as_deref() else {
        return errs;
    };
    let path = format!("{mp}.mountPropagation");
    let supported = ["Bidirectional", "HostToContainer", "None"];
    errs.extend(FieldError::unless_supported(mode, &supported, || {
        path.clone()
    }));
    let privileged = c
        .security_context
        .as_ref()
        .and_then(|sc| sc.privileged)
        .unwrap_or(false);
    if mode == "Bidirectional" && !privileged {
        errs.push(FieldError::forbidden(
            path,
            "Bidirectional mount propagation is available only to privileged containers",
        ));
    }
    errs
}

/// `checkHostPortConflicts` (`AccumulateUniqueHostPorts`): a host port (non-zero) used
/// twice by `protocol/hostIP/port` is a duplicate, reported at the second use.
fn host_port_conflicts(containers: &[Container], list: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (i, c) in containers.iter().enumerate() {
        for (j, port) in c.ports.iter().flatten().enumerate() {
            let Some(hp) = port.host_port.filter(|hp| *hp != 0) else {
                continue;
            };
            let key = format!(
                "{}/{}/{hp}",
                port.protocol.as_deref().unwrap_or("TCP"),
                port.host_ip.as_deref().unwrap_or("")
            );
            if seen.contains(&key) {
                errs.push(FieldError::duplicate(
                    format!("{list}[{i}].ports[{j}].hostPort"),
                    &key,
                ));
            } else {
                seen.insert(key);
            }
        }
    }
    errs
}

/// `validatePodHostNetworkDeps`: on the host's network a container port's hostPort must be
/// its containerPort; a template may leave it 0 (the pod's defaulting fills it in, B-DEF-13).
fn validate_host_network_ports(spec: &PodSpec, path: &str, pod: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if spec.host_network != Some(true) {
        return errs;
    }
    for (i, c) in spec.containers.iter().enumerate() {
        for (j, port) in c.ports.iter().flatten().enumerate() {
            let hp = port.host_port.unwrap_or(0);
            if (pod || hp != 0) && hp != port.container_port {
                errs.push(FieldError::invalid(
                    format!("{path}.containers[{i}].ports[{j}].hostPort"),
                    hp.to_string(),
                    "must match `containerPort` when `hostNetwork` is true",
                ));
            }
        }
    }
    errs
}

/// `ValidateVolumeMounts`' checks of `subPath` and `subPathExpr`: each a relative path
/// without `..` (`validateLocalDescendingPath`), and not both. Upstream reports the path
/// checks at the list's path without the mount's index
/// (`spec.containers[0].volumeMounts.subPath`), the exclusion at the mount's.
fn validate_sub_paths(m: &VolumeMount, cp: &str, mp: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let list = format!("{cp}.volumeMounts");
    let sub_path = m.sub_path.as_deref().unwrap_or("");
    let expr = m.sub_path_expr.as_deref().unwrap_or("");
    if !sub_path.is_empty() {
        errs.extend(local_descending_path_errors(
            sub_path,
            &format!("{list}.subPath"),
        ));
    }
    if !expr.is_empty() {
        if !sub_path.is_empty() {
            errs.push(FieldError::invalid_str(
                format!("{mp}.subPathExpr"),
                expr,
                "subPathExpr and subPath are mutually exclusive",
            ));
        }
        errs.extend(local_descending_path_errors(
            expr,
            &format!("{list}.subPathExpr"),
        ));
    }
    errs
}

/// `validatePodDNSConfig`: `dnsPolicy: None` needs a `dnsConfig` with a nameserver; at
/// most 3 nameservers (`MaxDNSNameservers`), each an IP address; at most 32 search paths
/// and 2048 characters of them joined by spaces (`MaxDNSSearchPaths`,
/// `MaxDNSSearchListChars`), each a subdomain (underscores allowed) or "."; every option
/// named.
fn validate_pod_dns_config(spec: &PodSpec, path: &str) -> Vec<FieldError> {
    const MAX_NAMESERVERS: usize = 3;
    const MAX_SEARCH_PATHS: usize = 32;
    const MAX_SEARCH_LIST_CHARS: usize = 2048;
    let mut errs = Vec::new();
    let config = spec.dns_config.as_ref();
    if spec.dns_policy.as_deref() == Some("None") {
        let Some(config) = config else {
            errs.push(FieldError::required(
                path,
                "must provide `dnsConfig` when `dnsPolicy` is None",
            ));
            return errs;
        };
        if config.nameservers.as_ref().is_none_or(|n| n.is_empty()) {
            errs.push(FieldError::required(
                format!("{path}.nameservers"),
                "must provide at least one DNS nameserver when `dnsPolicy` is None",
            ));
            return errs;
        }
    }
    let Some(config) = config else {
        return errs;
    };
    // A list in a field error is its JSON since v1.34 (`render.rs`).
    let go_list = |items: &[String]| super::render::go_json(&serde_json::json!(items));
    let nameservers = config.nameservers.as_deref().unwrap_or(&[]);
    if nameservers.len() > MAX_NAMESERVERS {
        errs.push(FieldError::invalid(
            format!("{path}.nameservers"),
            go_list(nameservers),
            format!("must not have more than {MAX_NAMESERVERS} nameservers"),
        ));
    }
    // `IsValidIP` (the legacy, sloppy reading while StrictIPCIDRValidation is off): an
    // IPv4 octet may have leading zeros (`010.0.0.1` passes and is written as given).
    for (i, ns) in nameservers.iter().enumerate() {
        if super::ip::parse_ip_sloppy(ns).is_none() {
            errs.push(FieldError::invalid_str(
                format!("{path}.nameservers[{i}]"),
                ns,
                super::ip::INVALID_IP,
            ));
        }
    }
    let searches = config.searches.as_deref().unwrap_or(&[]);
    if searches.len() > MAX_SEARCH_PATHS {
        errs.push(FieldError::invalid(
            format!("{path}.searches"),
            go_list(searches),
            format!("must not have more than {MAX_SEARCH_PATHS} search paths"),
        ));
    }
    if searches.join(" ").len() > MAX_SEARCH_LIST_CHARS {
        errs.push(FieldError::invalid(
            format!("{path}.searches"),
            go_list(searches),
            format!(
                "must not have more than {MAX_SEARCH_LIST_CHARS} characters (including spaces) in the search list"
            ),
        ));
    }
    // RelaxedDNSSearchValidation (GA and locked since v1.34): "." is taken as it is; any
    // other entry, less one trailing dot, is a subdomain that may hold underscores.
    for (i, search) in searches.iter().enumerate() {
        if search == "." {
            continue;
        }
        let search = search.strip_suffix('.').unwrap_or(search);
        for message in super::names::dns1123_subdomain_with_underscore_errors(search) {
            errs.push(FieldError::invalid_str(
                format!("{path}.searches[{i}]"),
                search,
                message,
            ));
        }
    }
    for (i, option) in config.options.iter().flatten().enumerate() {
        if option.name.as_deref().unwrap_or("").is_empty() {
            errs.push(FieldError::required(
                format!("{path}.options[{i}]"),
                "must not be empty",
            ));
        }
    }
    errs
}

/// `validateLocalDescendingPath`: not absolute, and no `..` element
/// (`validatePathNoBacksteps`, one error however many there are).
pub(super) fn local_descending_path_errors(target: &str, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if target.starts_with('/') {
        errs.push(FieldError::invalid_str(
            path,
            target,
            "must be a relative path",
        ));
    }
    if target.split('/').any(|part| part == "..") {
        errs.push(FieldError::invalid_str(
            path,
            target,
            "must not contain '..'",
        ));
    }
    errs
}

/// `ValidateHostAliases` (right after the tolerations in `ValidatePodSpec`): each entry's
/// IP an IP address (`IsValidIPForLegacyField`), each hostname a DNS-1123 subdomain.
fn validate_host_aliases(spec: &PodSpec, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (i, alias) in spec.host_aliases.iter().flatten().enumerate() {
        let ap = format!("{path}.hostAliases[{i}]");
        if super::ip::parse_ip_sloppy(&alias.ip).is_none() {
            errs.push(FieldError::invalid_str(
                format!("{ap}.ip"),
                &alias.ip,
                super::ip::INVALID_IP,
            ));
        }
        for (j, hostname) in alias.hostnames.iter().flatten().enumerate() {
            for m in super::names::dns1123_subdomain_errors(hostname) {
                errs.push(FieldError::invalid_str(
                    format!("{ap}.hostnames[{j}]"),
                    hostname,
                    m,
                ));
            }
        }
    }
    errs
}

/// `validateContainerRestartPolicy` (ContainerRestartRules, on by default since v1.35):
/// a container's own `restartPolicy` is one of the three policies, and its
/// `restartPolicyRules` need it; each rule's action is `Restart` (or
/// `RestartAllContainers`, on by default since v1.36) and its `exitCodes` are required,
/// with the operator `In` or `NotIn`; at most 20 rules, and 255 exit codes in a rule.
fn validate_container_restart_policy(c: &Container, cp: &str) -> Vec<FieldError> {
    const POLICIES: [&str; 3] = ["Always", "Never", "OnFailure"];
    const ACTIONS: [&str; 2] = ["Restart", "RestartAllContainers"];
    const OPERATORS: [&str; 2] = ["In", "NotIn"];
    let mut errs = Vec::new();
    let rules = c.restart_policy_rules.as_deref().unwrap_or_default();
    match c.restart_policy.as_deref() {
        None if !rules.is_empty() => errs.push(FieldError::required(
            format!("{cp}.restartPolicy"),
            "must specify restartPolicy when restart rules are used",
        )),
        Some(p) if !POLICIES.contains(&p) => errs.push(FieldError::unsupported(
            format!("{cp}.restartPolicy"),
            p,
            &POLICIES,
        )),
        _ => {}
    }
    if rules.len() > 20 {
        errs.push(FieldError::too_many(
            format!("{cp}.restartPolicyRules"),
            rules.len(),
            20,
        ));
    }
    for (i, rule) in rules.iter().enumerate() {
        let rp = format!("{cp}.restartPolicyRules[{i}]");
        errs.extend(FieldError::unless_supported(
            rule.action.as_str(),
            &ACTIONS,
            || format!("{rp}.action"),
        ));
        let Some(on) = &rule.exit_codes else {
            errs.push(FieldError::required(
                format!("{rp}.exitCodes"),
                "must be specified",
            ));
            continue;
        };
        errs.extend(FieldError::unless_supported(
            on.operator.as_str(),
            &OPERATORS,
            || format!("{rp}.exitCodes.operator"),
        ));
        let values = on.values.as_deref().unwrap_or_default();
        if values.len() > 255 {
            errs.push(FieldError::too_many(
                format!("{rp}.exitCodes.values"),
                values.len(),
                255,
            ));
        }
    }
    errs
}

/// Validation of a Pod the controller (or a user) creates: metadata.name (DNS subdomain),
/// labels (B-VAL-19), containers (names required and unique, image required), each
/// volumeMount naming a volume (B-VAL-18, `Not found`).
/// `ValidatePodCreate`: [`validate_pod`], then what only a create refuses: ephemeral
/// containers, which come only through their subresource.
pub fn validate_pod_create(pod: &Pod) -> Vec<FieldError> {
    let mut errs = validate_pod(pod);
    let ephemeral = pod
        .spec
        .as_ref()
        .and_then(|s| s.ephemeral_containers.as_ref())
        .is_some_and(|e| !e.is_empty());
    if ephemeral {
        errs.push(FieldError::forbidden(
            "spec.ephemeralContainers",
            "cannot be set on create",
        ));
    }
    errs
}

pub fn validate_pod(pod: &Pod) -> Vec<FieldError> {
    // `ValidateObjectMeta`: the name, labels, annotations.
    let mut errs = super::objectmeta::validate_object_meta("Pod", &pod.metadata);
    errs.extend(validate_pod_specific_annotations(
        pod.metadata.annotations.as_ref(),
        "metadata.annotations",
    ));
    match &pod.spec {
        None => errs.push(FieldError::required("spec.containers", "")),
        Some(spec) => {
            errs.extend(validate_pod_spec(
                spec,
                "spec",
                PodSpecChecks {
                    mounts: true,
                    restart_policy: true,
                    pod: true,
                },
                pod.metadata.name.as_deref(),
            ));
            // `validateContainersOnlyForPod`.
            let init = spec.init_containers.as_deref().unwrap_or(&[]);
            for (group, containers) in [
                ("containers", &spec.containers[..]),
                ("initContainers", init),
            ] {
                for (i, c) in containers.iter().enumerate() {
                    let image = c.image.as_deref().unwrap_or("");
                    if image.trim() != image {
                        errs.push(FieldError::invalid_str(
                            format!("spec.{group}[{i}].image"),
                            image,
                            "must not have leading or trailing whitespace",
                        ));
                    }
                }
            }
        }
    }
    errs
}

/// The spec fields a pod update may change, as upstream lists them in the refusal
/// (`updatablePodSpecFields`).
const UPDATABLE_POD_SPEC_FIELDS: [&str; 5] = [
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

/// `ValidatePodUpdate`: the new pod is valid as a pod, and its spec differs from the old one
/// only where upstream allows: container and init container images (not to empty), a new
/// or lower `activeDeadlineSeconds` (never removed), added tolerations (an existing one may
/// change only its `tolerationSeconds`), removed scheduling gates, `terminationGracePeriodSeconds`
/// from a negative value to 1 and, while the pod is gated, additions to its `nodeSelector`
/// and required node affinity. Anything else is `spec: Forbidden: pod updates may not change
/// fields other than …` (upstream appends a Go `cmp.Diff` of the internal specs, which scn
/// does not print; docs/language.md, "Decisions").
/// The part of `ValidatePodStatusUpdate` a status patch reaches: `validatePodConditions`,
/// each condition type other than the system ones (PodScheduled, Ready, Initialized) a
/// qualified name. Upstream builds the path from `metadata` and names the field `Type`:
/// `metadata.conditions[i].Type`.
pub fn validate_pod_status_conditions(
    status: &k8s_openapi::api::core::v1::PodStatus,
) -> Vec<FieldError> {
    const SYSTEM: [&str; 3] = ["PodScheduled", "Ready", "Initialized"];
    let mut errs = Vec::new();
    for (i, c) in status.conditions.iter().flatten().enumerate() {
        if SYSTEM.contains(&c.type_.as_str()) {
            continue;
        }
        for m in qualified_name_errors(&c.type_) {
            errs.push(FieldError::invalid_str(
                format!("metadata.conditions[{i}].Type"),
                &c.type_,
                m,
            ));
        }
    }
    errs
}

pub fn validate_pod_update(new: &Pod, old: &Pod) -> Vec<FieldError> {
    let mut errs = validate_pod(new);
    let (Some(new_spec), Some(old_spec)) = (new.spec.as_ref(), old.spec.as_ref()) else {
        return errs;
    };
    let no_init: Vec<Container> = Vec::new();
    let groups: [(&str, &[Container], &[Container]); 2] = [
        ("containers", &new_spec.containers, &old_spec.containers),
        (
            "initContainers",
            new_spec.init_containers.as_deref().unwrap_or(&no_init),
            old_spec.init_containers.as_deref().unwrap_or(&no_init),
        ),
    ];
    for (group, new_containers, old_containers) in groups {
        let path = format!("spec.{group}");
        if new_containers.len() != old_containers.len() {
            errs.push(FieldError::forbidden(
                path,
                "pod updates may not add or remove containers",
            ));
            return errs;
        }
        for (i, c) in new_containers.iter().enumerate() {
            let image = c.image.as_deref().unwrap_or("");
            if image.is_empty() {
                errs.push(FieldError::required(format!("{path}[{i}].image"), ""));
            }
            if image.trim() != image {
                errs.push(FieldError::invalid_str(
                    format!("{path}[{i}].image"),
                    image,
                    "must not have leading or trailing whitespace",
                ));
            }
        }
    }
    // activeDeadlineSeconds: set when unset, or lowered; never raised, never removed.
    let deadline_path = "spec.activeDeadlineSeconds";
    match (
        new_spec.active_deadline_seconds,
        old_spec.active_deadline_seconds,
    ) {
        (Some(n), _) if !(0..=i64::from(i32::MAX)).contains(&n) => {
            errs.push(FieldError::invalid(
                deadline_path,
                n.to_string(),
                "must be between 0 and 2147483647, inclusive",
            ));
            return errs;
        }
        (Some(n), Some(o)) if o < n => {
            errs.push(FieldError::invalid(
                deadline_path,
                n.to_string(),
                "must be less than or equal to previous value",
            ));
            return errs;
        }
        (None, Some(_)) => errs.push(FieldError::invalid(
            deadline_path,
            "null",
            "must not update from a positive integer to nil value",
        )),
        _ => {}
    }
    errs.extend(only_added_tolerations(new_spec, old_spec));
    errs.extend(only_deleted_scheduling_gates(new_spec, old_spec));
    if new_spec == old_spec {
        return errs;
    }
    // The updatable fields are taken from the old spec; what differs then is forbidden.
    let mut munged = new_spec.clone();
    for (c, o) in munged.containers.iter_mut().zip(&old_spec.containers) {
        c.image = o.image.clone();
    }
    if let (Some(init), Some(old_init)) = (
        munged.init_containers.as_mut(),
        old_spec.init_containers.as_ref(),
    ) {
        for (c, o) in init.iter_mut().zip(old_init) {
            c.image = o.image.clone();
        }
    }
    munged.active_deadline_seconds = old_spec.active_deadline_seconds;
    munged.scheduling_gates = old_spec.scheduling_gates.clone();
    munged.tolerations = old_spec.tolerations.clone();
    if old_spec
        .termination_grace_period_seconds
        .is_some_and(|g| g < 0)
        && munged.termination_grace_period_seconds == Some(1)
    {
        munged.termination_grace_period_seconds = old_spec.termination_grace_period_seconds;
    }
    let gated = old_spec
        .scheduling_gates
        .as_ref()
        .is_some_and(|g| !g.is_empty());
    if gated {
        errs.extend(gated_placement_additions(&mut munged, old_spec));
    }
    if munged != *old_spec {
        errs.push(FieldError::forbidden(
            "spec",
            format!(
                "pod updates may not change fields other than {}",
                UPDATABLE_POD_SPEC_FIELDS.join(",")
            ),
        ));
    }
    errs
}

/// `validateOnlyAddedTolerations`: every old toleration is still there, its
/// `tolerationSeconds` aside (which may change either way).
fn only_added_tolerations(new: &PodSpec, old: &PodSpec) -> Vec<FieldError> {
    let strip = |t: &Toleration| Toleration {
        toleration_seconds: None,
        ..t.clone()
    };
    let new_tolerations: Vec<Toleration> = new.tolerations.iter().flatten().map(strip).collect();
    let kept = old
        .tolerations
        .iter()
        .flatten()
        .all(|o| new_tolerations.contains(&strip(o)));
    if kept {
        Vec::new()
    } else {
        vec![FieldError::forbidden(
            "spec.tolerations",
            "existing toleration can not be modified except its tolerationSeconds",
        )]
    }
}

/// `validateOnlyDeletedSchedulingGates`: a gate the old pod did not have is refused, at its
/// index (upstream walks a map; scn reports them in index order).
fn only_deleted_scheduling_gates(new: &PodSpec, old: &PodSpec) -> Vec<FieldError> {
    let before: Vec<&str> = old
        .scheduling_gates
        .iter()
        .flatten()
        .map(|g| g.name.as_str())
        .collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut errs = Vec::new();
    for (i, gate) in new.scheduling_gates.iter().flatten().enumerate() {
        if before.contains(&gate.name.as_str()) || !seen.insert(gate.name.as_str()) {
            continue;
        }
        errs.push(FieldError::forbidden(
            format!("spec.schedulingGates[{i}].name"),
            format!(
                "only deletion is allowed, but found new scheduling gate '{}'",
                gate.name
            ),
        ));
    }
    errs
}

/// A gated pod may add to its `nodeSelector` and to the terms of its required node affinity
/// (`validateNodeSelectorMutation`, `validateNodeAffinityMutation`); the allowed changes are
/// taken back into `munged` so that only other changes remain.
fn gated_placement_additions(munged: &mut PodSpec, old: &PodSpec) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if munged.node_selector != old.node_selector {
        let new_selector = munged.node_selector.clone().unwrap_or_default();
        let mutated = old
            .node_selector
            .iter()
            .flatten()
            .any(|(k, v)| new_selector.get(k) != Some(v));
        if mutated {
            errs.push(FieldError::invalid(
                "spec.nodeSelector",
                json(&munged.node_selector),
                "only additions to spec.nodeSelector are allowed (no mutations or deletions)",
            ));
        }
        munged.node_selector = old.node_selector.clone();
    }
    let old_na = old.affinity.as_ref().and_then(|a| a.node_affinity.clone());
    let new_na = munged
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.clone());
    if old_na != new_na {
        errs.extend(node_affinity_additions(new_na.as_ref(), old_na.as_ref()));
        match (&mut munged.affinity, &old_na) {
            (None, None) => {}
            (None, Some(_)) => {
                munged.affinity = Some(Affinity {
                    node_affinity: old_na.clone(),
                    ..Default::default()
                })
            }
            (Some(a), _)
                if old.affinity.is_none()
                    && a.pod_affinity.is_none()
                    && a.pod_anti_affinity.is_none() =>
            {
                munged.affinity = None
            }
            (Some(a), _) => a.node_affinity = old_na.clone(),
        }
    }
    errs
}

/// `validateNodeAffinityMutation`: with required terms already set, their number stays and
/// each term only gains match expressions or fields at its end.
fn node_affinity_additions(
    new: Option<&NodeAffinity>,
    old: Option<&NodeAffinity>,
) -> Vec<FieldError> {
    let path = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";
    let Some(old_required) = old.and_then(|o| {
        o.required_during_scheduling_ignored_during_execution
            .as_ref()
    }) else {
        return Vec::new();
    };
    let old_terms = &old_required.node_selector_terms;
    let new_terms: &[NodeSelectorTerm] = new
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map_or(&[], |r| &r.node_selector_terms);
    if !old_terms.is_empty() && old_terms.len() != new_terms.len() {
        return vec![FieldError::invalid(
            path,
            json(&new_terms),
            "no additions/deletions to non-empty NodeSelectorTerms list are allowed",
        )];
    }
    let mut errs = Vec::new();
    for (i, (o, n)) in old_terms.iter().zip(new_terms).enumerate() {
        if !term_has_only_additions(n, o) {
            errs.push(FieldError::invalid(
                format!("{path}[{i}]"),
                json(n),
                "only additions are allowed (no mutations or deletions)",
            ));
        }
    }
    errs
}

fn term_has_only_additions(new: &NodeSelectorTerm, old: &NodeSelectorTerm) -> bool {
    let old_exprs = old.match_expressions.as_deref().unwrap_or(&[]);
    let old_fields = old.match_fields.as_deref().unwrap_or(&[]);
    let new_exprs = new.match_expressions.as_deref().unwrap_or(&[]);
    let new_fields = new.match_fields.as_deref().unwrap_or(&[]);
    if old_exprs.is_empty()
        && old_fields.is_empty()
        && !(new_exprs.is_empty() && new_fields.is_empty())
    {
        return false;
    }
    new_exprs.starts_with(old_exprs) && new_fields.starts_with(old_fields)
}

/// A structured value in a message, as JSON: a map as apimachinery's `field.Error` renders
/// it since values are marshalled (`{"k":"v"}`, keys sorted; `null` for none). Node affinity
/// terms are rendered with their API field names (upstream marshals the internal type).
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A pod-spec field naming an object by a DNS subdomain (a service account, a node, a
/// priority class): each way a non-empty `value` is not one, at `<path>.<field>`.
fn subdomain_field(errs: &mut Vec<FieldError>, path: &str, field: &str, value: &Option<String>) {
    if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
        for m in dns1123_subdomain_errors(v) {
            errs.push(FieldError::invalid_str(format!("{path}.{field}"), v, m));
        }
    }
}
