//! v1 Endpoints validation (`pkg/apis/core/validation/validation.go`: `ValidateEndpoints`,
//! `validateEndpointSubsets`, `validateEndpointAddress`, `validateEndpointPort`): each
//! subset needs an address; each address a valid IP (`IsValidIP`), a DNS-1123 label
//! hostname, a DNS-1123 subdomain node name, and an IP that is not special
//! (`ValidateNonSpecialIP`); each port a name when there are several, a number in range
//! and a supported protocol. The metadata is checked by the caller, first.

use k8s_openapi::api::core::v1::{EndpointAddress, EndpointPort, EndpointSubset};

use super::super::field_error::FieldError;
use super::ip::{non_special_ip_errors, parse_ip_sloppy, INVALID_IP};
use super::names::{dns1123_label_errors, dns1123_subdomain_errors, qualified_name_errors};

/// `validateEndpointSubsets`.
pub fn validate_endpoint_subsets(subsets: &[EndpointSubset]) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (i, subset) in subsets.iter().enumerate() {
        let at = format!("subsets[{i}]");
        let addresses = subset.addresses.as_deref().unwrap_or_default();
        let not_ready = subset.not_ready_addresses.as_deref().unwrap_or_default();
        if addresses.is_empty() && not_ready.is_empty() {
            errs.push(FieldError::required(
                &at,
                "must specify `addresses` or `notReadyAddresses`",
            ));
        }
        for (j, a) in addresses.iter().enumerate() {
            errs.extend(address_errors(a, &format!("{at}.addresses[{j}]")));
        }
        for (j, a) in not_ready.iter().enumerate() {
            errs.extend(address_errors(a, &format!("{at}.notReadyAddresses[{j}]")));
        }
        let ports = subset.ports.as_deref().unwrap_or_default();
        for (j, p) in ports.iter().enumerate() {
            errs.extend(port_errors(p, ports.len() > 1, &format!("{at}.ports[{j}]")));
        }
    }
    errs
}

/// `validateEndpointAddress`.
fn address_errors(address: &EndpointAddress, at: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let ip_path = format!("{at}.ip");
    if parse_ip_sloppy(&address.ip).is_none() {
        errs.push(FieldError::invalid_str(&ip_path, &address.ip, INVALID_IP));
    }
    if let Some(hostname) = address.hostname.as_deref().filter(|h| !h.is_empty()) {
        for m in dns1123_label_errors(hostname) {
            errs.push(FieldError::invalid_str(
                format!("{at}.hostname"),
                hostname,
                m,
            ));
        }
    }
    // `ValidateNodeName`: a DNS-1123 subdomain.
    if let Some(node) = address.node_name.as_deref() {
        for m in dns1123_subdomain_errors(node) {
            errs.push(FieldError::invalid_str(format!("{at}.nodeName"), node, m));
        }
    }
    errs.extend(non_special_ip_errors(&address.ip, &ip_path));
    errs
}

/// `validateEndpointPort`.
fn port_errors(port: &EndpointPort, require_name: bool, at: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let name = port.name.as_deref().unwrap_or("");
    if require_name && name.is_empty() {
        errs.push(FieldError::required(format!("{at}.name"), ""));
    } else if !name.is_empty() {
        for m in dns1123_label_errors(name) {
            errs.push(FieldError::invalid_str(format!("{at}.name"), name, m));
        }
    }
    errs.extend(super::names::port_and_protocol_errors(
        at,
        port.port,
        port.protocol.as_deref(),
    ));
    if let Some(app) = port.app_protocol.as_deref() {
        for m in qualified_name_errors(app) {
            errs.push(FieldError::invalid_str(format!("{at}.appProtocol"), app, m));
        }
    }
    errs
}
