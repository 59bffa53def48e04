//! Pod validation (`ValidatePodCreate`, `ValidatePodSpec` in `pkg/apis/core/validation`):
//! the template since v1.34 (B-VAL-18) and the pods the controller creates.

use std::collections::HashSet;

use k8s_openapi::api::core::v1::{Pod, PodSpec};

use super::super::field_error::FieldError;
use super::names::{
    dns1123_label_errors, validate_labels, validate_object_meta_name, NONNEGATIVE_MSG,
    PORT_RANGE_MSG,
};

pub(super) struct PodSpecChecks {
    /// Check each volumeMount's name against the pod's volumes (pods only, B-VAL-18).
    pub(super) mounts: bool,
    /// Check restartPolicy against all values (pods); the StatefulSet checks it itself.
    pub(super) restart_policy: bool,
}

pub(super) fn validate_pod_spec(
    spec: &PodSpec,
    path: &str,
    checks: PodSpecChecks,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    // volumes
    let mut volume_names: HashSet<&str> = HashSet::new();
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let p = format!("{path}.volumes[{i}].name");
        if v.name.is_empty() {
            errs.push(FieldError::required(p, ""));
            continue;
        }
        for e in dns1123_label_errors(&v.name) {
            errs.push(FieldError::invalid_str(p.clone(), &v.name, e));
        }
        if !volume_names.insert(v.name.as_str()) {
            errs.push(FieldError::duplicate(p, &v.name));
        }
    }
    // containers
    if spec.containers.is_empty() {
        errs.push(FieldError::required(format!("{path}.containers"), ""));
    }
    let mut names: HashSet<&str> = HashSet::new();
    let groups: [(&str, &[k8s_openapi::api::core::v1::Container]); 2] = [
        (
            "initContainers",
            spec.init_containers.as_deref().unwrap_or(&[]),
        ),
        ("containers", &spec.containers),
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
            if c.image.as_deref().unwrap_or("").trim().is_empty() {
                errs.push(FieldError::required(format!("{cp}.image"), ""));
            }
            if let Some(pp) = c.image_pull_policy.as_deref() {
                if !["Always", "IfNotPresent", "Never"].contains(&pp) {
                    errs.push(FieldError::unsupported(
                        format!("{cp}.imagePullPolicy"),
                        pp,
                        &["Always", "IfNotPresent", "Never"],
                    ));
                }
            }
            for (j, port) in c.ports.iter().flatten().enumerate() {
                let pp = format!("{cp}.ports[{j}]");
                if !(1..=65535).contains(&port.container_port) {
                    errs.push(FieldError::invalid(
                        format!("{pp}.containerPort"),
                        port.container_port.to_string(),
                        PORT_RANGE_MSG,
                    ));
                }
                if let Some(proto) = port.protocol.as_deref() {
                    if !["SCTP", "TCP", "UDP"].contains(&proto) {
                        errs.push(FieldError::unsupported(
                            format!("{pp}.protocol"),
                            proto,
                            &["SCTP", "TCP", "UDP"],
                        ));
                    }
                }
            }
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
            }
        }
    }
    if checks.restart_policy {
        if let Some(rp) = spec.restart_policy.as_deref() {
            if !["Always", "OnFailure", "Never"].contains(&rp) {
                errs.push(FieldError::unsupported(
                    format!("{path}.restartPolicy"),
                    rp,
                    &["Always", "OnFailure", "Never"],
                ));
            }
        }
    }
    if let Some(dp) = spec.dns_policy.as_deref() {
        let ok = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
        if !ok.contains(&dp) {
            errs.push(FieldError::unsupported(
                format!("{path}.dnsPolicy"),
                dp,
                &ok,
            ));
        }
    }
    if let Some(g) = spec.termination_grace_period_seconds {
        if g < 0 {
            errs.push(FieldError::invalid(
                format!("{path}.terminationGracePeriodSeconds"),
                g.to_string(),
                NONNEGATIVE_MSG,
            ));
        }
    }
    errs.extend(crate::sim::api::validation_ranges::validate_pod_spec_ranges(spec, path));
    errs
}

/// Validation of a Pod the controller (or a user) creates: metadata.name (DNS subdomain),
/// labels (B-VAL-19), containers (names required and unique, image required), each
/// volumeMount naming a volume (B-VAL-18, `Not found`).
pub fn validate_pod(pod: &Pod) -> Vec<FieldError> {
    let mut errs = validate_object_meta_name("Pod", pod.metadata.name.as_deref().unwrap_or(""));
    errs.extend(validate_labels(
        pod.metadata.labels.as_ref(),
        "metadata.labels",
    ));
    match &pod.spec {
        None => errs.push(FieldError::required("spec.containers", "")),
        Some(spec) => {
            for (field, value) in [
                ("spec.hostname", spec.hostname.as_deref()),
                ("spec.subdomain", spec.subdomain.as_deref()),
            ] {
                if let Some(v) = value.filter(|v| !v.is_empty()) {
                    for e in dns1123_label_errors(v) {
                        errs.push(FieldError::invalid_str(field, v, e));
                    }
                }
            }
            errs.extend(validate_pod_spec(
                spec,
                "spec",
                PodSpecChecks {
                    mounts: true,
                    restart_policy: true,
                },
            ));
        }
    }
    errs
}
