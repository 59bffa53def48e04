//! Service validation (`ValidateService`).

use std::collections::HashSet;

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::super::field_error::FieldError;
use super::names::{
    dns1123_label_errors, validate_labels, validate_object_meta_name, PORT_RANGE_MSG,
};

/// Service validation: name (DNS-1035 label), ports required unless headless or ExternalName,
/// port numbers, names (required with several ports, unique), protocols, clusterIP (`None`,
/// empty or an IP address), type.
pub fn validate_service(svc: &Service) -> Vec<FieldError> {
    let mut errs = validate_object_meta_name("Service", svc.metadata.name.as_deref().unwrap_or(""));
    errs.extend(validate_labels(
        svc.metadata.labels.as_ref(),
        "metadata.labels",
    ));
    let default = Default::default();
    let spec = svc.spec.as_ref().unwrap_or(&default);
    let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    let ty = spec.type_.as_deref().unwrap_or("ClusterIP");
    if !types.contains(&ty) {
        errs.push(FieldError::unsupported("spec.type", ty, &types));
    }
    let cluster_ip = spec.cluster_ip.as_deref().unwrap_or("");
    let headless = cluster_ip == "None";
    if !cluster_ip.is_empty() && !headless && cluster_ip.parse::<std::net::IpAddr>().is_err() {
        errs.push(FieldError::invalid_str(
            "spec.clusterIPs[0]",
            cluster_ip,
            "must be empty, 'None', or a valid IP address",
        ));
    }
    let ports = spec.ports.as_deref().unwrap_or(&[]);
    if ports.is_empty() && !headless && ty != "ExternalName" {
        errs.push(FieldError::required("spec.ports", ""));
    }
    let mut names: HashSet<&str> = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        let pp = format!("spec.ports[{i}]");
        let name = p.name.as_deref().unwrap_or("");
        if ports.len() > 1 && name.is_empty() {
            errs.push(FieldError::required(format!("{pp}.name"), ""));
        } else if !name.is_empty() {
            for e in dns1123_label_errors(name) {
                errs.push(FieldError::invalid_str(format!("{pp}.name"), name, e));
            }
            if !names.insert(name) {
                errs.push(FieldError::duplicate(format!("{pp}.name"), name));
            }
        }
        if !(1..=65535).contains(&p.port) {
            errs.push(FieldError::invalid(
                format!("{pp}.port"),
                p.port.to_string(),
                PORT_RANGE_MSG,
            ));
        }
        if let Some(proto) = p.protocol.as_deref() {
            if !["SCTP", "TCP", "UDP"].contains(&proto) {
                errs.push(FieldError::unsupported(
                    format!("{pp}.protocol"),
                    proto,
                    &["SCTP", "TCP", "UDP"],
                ));
            }
        }
        if let Some(IntOrString::Int(t)) = &p.target_port {
            if !(1..=65535).contains(t) {
                errs.push(FieldError::invalid(
                    format!("{pp}.targetPort"),
                    t.to_string(),
                    PORT_RANGE_MSG,
                ));
            }
        }
    }
    errs.extend(validate_labels(spec.selector.as_ref(), "spec.selector"));
    errs
}
