//! EndpointSlice validation (`ValidateEndpointSliceCreate`, `ValidateEndpointSliceUpdate` in
//! `pkg/apis/discovery/validation`): the metadata, the address type, each endpoint's
//! addresses by that type, its topology labels and hostname, and the ports. A slice the
//! endpointslice controller writes passes them; one a user writes (for a Service without a
//! selector) is refused as the API server refuses it.

use k8s_openapi::api::discovery::v1::{Endpoint, EndpointPort, EndpointSlice};

use super::super::field_error::FieldError;
use super::ip::{non_special_ip_errors, parse_ip_sloppy, INVALID_IP};
use super::names::{dns1123_label_errors, dns1123_subdomain_errors, qualified_name_errors};

/// `supportedAddressTypes`, sorted as `sets.String.List` gives them.
const ADDRESS_TYPES: [&str; 3] = ["FQDN", "IPv4", "IPv6"];
/// On update the deprecated `IP` type is accepted too (`deprecatedAddressTypes`).
const ADDRESS_TYPES_ON_UPDATE: [&str; 4] = ["FQDN", "IP", "IPv4", "IPv6"];
use super::names::PROTOCOLS;
const MAX_TOPOLOGY_LABELS: usize = 16;
const MAX_ADDRESSES: usize = 100;
const MAX_PORTS: usize = 100;
const MAX_ENDPOINTS: usize = 1000;

/// `ValidateEndpointSliceCreate`.
pub fn validate_endpoint_slice(slice: &EndpointSlice) -> Vec<FieldError> {
    validate(slice, &ADDRESS_TYPES)
}

/// `ValidateEndpointSliceUpdate`: the slice is valid (the deprecated `IP` type allowed) and
/// its `addressType` is the old one.
pub fn validate_endpoint_slice_update(new: &EndpointSlice, old: &EndpointSlice) -> Vec<FieldError> {
    let mut errs = validate(new, &ADDRESS_TYPES_ON_UPDATE);
    if new.address_type != old.address_type {
        errs.push(FieldError::invalid_str(
            "addressType",
            &new.address_type,
            "field is immutable",
        ));
    }
    errs
}

/// `ValidateEndpointSlice`: metadata, address type, endpoints, ports, in that order.
fn validate(slice: &EndpointSlice, address_types: &[&str]) -> Vec<FieldError> {
    let mut errs = super::objectmeta::validate_object_meta("EndpointSlice", &slice.metadata);
    let address_type = slice.address_type.as_str();
    if address_type.is_empty() {
        errs.push(FieldError::required("addressType", ""));
    } else if !address_types.contains(&address_type) {
        errs.push(FieldError::unsupported(
            "addressType",
            address_type,
            address_types,
        ));
    }
    errs.extend(validate_endpoints(
        slice.endpoints.as_deref().unwrap_or_default(),
        address_type,
    ));
    errs.extend(validate_ports(slice.ports.as_deref().unwrap_or_default()));
    errs
}

/// `validateEndpoints`: at most 1000; each with 1 to 100 addresses of the slice's type (an
/// unknown type is not checked), at most 16 valid topology labels, a DNS-1123 hostname.
fn validate_endpoints(endpoints: &[Endpoint], address_type: &str) -> Vec<FieldError> {
    if endpoints.len() > MAX_ENDPOINTS {
        return vec![FieldError::too_many(
            "endpoints",
            endpoints.len(),
            MAX_ENDPOINTS,
        )];
    }
    let mut errs = Vec::new();
    for (i, endpoint) in endpoints.iter().enumerate() {
        let idx = format!("endpoints[{i}]");
        let addresses_path = format!("{idx}.addresses");
        if endpoint.addresses.is_empty() {
            errs.push(FieldError::required(
                &addresses_path,
                "must contain at least 1 address",
            ));
        } else if endpoint.addresses.len() > MAX_ADDRESSES {
            errs.push(FieldError::too_many(
                &addresses_path,
                endpoint.addresses.len(),
                MAX_ADDRESSES,
            ));
        }
        for (j, address) in endpoint.addresses.iter().enumerate() {
            errs.extend(address_errors(
                address_type,
                address,
                &format!("{addresses_path}[{j}]"),
            ));
        }
        // The v1 `deprecatedTopology` is the internal type's `topology`.
        let topology_path = format!("{idx}.topology");
        let topology = endpoint.deprecated_topology.as_ref();
        let count = topology.map_or(0, |t| t.len());
        if count > MAX_TOPOLOGY_LABELS {
            errs.push(FieldError::too_many(
                &topology_path,
                count,
                MAX_TOPOLOGY_LABELS,
            ));
        }
        errs.extend(super::names::validate_labels(topology, &topology_path));
        if let Some(hostname) = &endpoint.hostname {
            for m in dns1123_label_errors(hostname) {
                errs.push(FieldError::invalid_str(
                    format!("{idx}.hostname"),
                    hostname,
                    m,
                ));
            }
        }
    }
    errs
}

/// One address checked by the slice's type.
fn address_errors(address_type: &str, address: &str, path: &str) -> Vec<FieldError> {
    match address_type {
        "IP" => match parse_ip_sloppy(address) {
            Some(_) => Vec::new(),
            None => vec![FieldError::invalid_str(path, address, INVALID_IP)],
        },
        "IPv4" | "IPv6" => {
            let v4 = address_type == "IPv4";
            let family_ok = match parse_ip_sloppy(address) {
                Some(ip) => ip.to_v4().is_some() == v4,
                None => false,
            };
            let mut errs = Vec::new();
            if !family_ok {
                let family = if v4 { "IPv4" } else { "IPv6" };
                errs.push(FieldError::invalid_str(
                    path,
                    address,
                    format!("must be a valid {family} address"),
                ));
            }
            errs.extend(non_special_ip_errors(address, path));
            errs
        }
        "FQDN" => fqdn_errors(address, path),
        _ => Vec::new(),
    }
}

/// `IsFullyQualifiedDomainName`: a DNS-1123 subdomain (a trailing dot allowed) of at least
/// two labels; the first error alone is told.
fn fqdn_errors(address: &str, path: &str) -> Vec<FieldError> {
    if address.is_empty() {
        return vec![FieldError::required(path, "")];
    }
    let name = address.strip_suffix('.').unwrap_or(address);
    let errs = dns1123_subdomain_errors(name);
    if !errs.is_empty() {
        return vec![FieldError::invalid_str(path, name, errs.join(","))];
    }
    if name.split('.').count() < 2 {
        return vec![FieldError::invalid_str(
            path,
            name,
            "should be a domain with at least two segments separated by dots",
        )];
    }
    for label in name.split('.') {
        let errs = dns1123_label_errors(label);
        if !errs.is_empty() {
            return vec![FieldError::invalid_str(path, label, errs.join(","))];
        }
    }
    Vec::new()
}

/// `validatePorts`: at most 100; names DNS-1123 labels (or empty) and unique, the protocol
/// required (defaulted to TCP) and supported, an appProtocol a qualified name.
fn validate_ports(ports: &[EndpointPort]) -> Vec<FieldError> {
    if ports.len() > MAX_PORTS {
        return vec![FieldError::too_many("ports", ports.len(), MAX_PORTS)];
    }
    let mut errs = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let idx = format!("ports[{i}]");
        let name = port.name.as_deref().unwrap_or("");
        if !name.is_empty() {
            for m in dns1123_label_errors(name) {
                errs.push(FieldError::invalid_str(format!("{idx}.name"), name, m));
            }
        }
        if names.contains(&name) {
            errs.push(FieldError::duplicate(format!("{idx}.name"), name));
        } else {
            names.push(name);
        }
        match port.protocol.as_deref() {
            None => errs.push(FieldError::required(format!("{idx}.protocol"), "")),
            Some(p) if !PROTOCOLS.contains(&p) => errs.push(FieldError::unsupported(
                format!("{idx}.protocol"),
                p,
                &PROTOCOLS,
            )),
            Some(_) => {}
        }
        if let Some(app) = &port.app_protocol {
            for m in qualified_name_errors(app) {
                errs.push(FieldError::invalid_str(
                    format!("{idx}.appProtocol"),
                    app,
                    m,
                ));
            }
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn slice(value: serde_json::Value) -> EndpointSlice {
        serde_json::from_value(value).expect("an EndpointSlice")
    }

    fn texts(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_controller_made_slice_passes() {
        let ok = slice(json!({
            "metadata": {"name": "web-abcde", "labels": {"kubernetes.io/service-name": "web"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.244.1.2"], "hostname": "web-0", "conditions": {"ready": true}}],
            "ports": [{"name": "", "port": 80, "protocol": "TCP"}]
        }));
        assert!(validate_endpoint_slice(&ok).is_empty());
    }

    #[test]
    fn types_addresses_and_ports_are_checked_in_upstream_order() {
        let bad = slice(json!({
            "metadata": {"name": "bad"},
            "addressType": "IPv4",
            "endpoints": [
                {"addresses": []},
                {"addresses": ["db.example.com", "127.0.0.1", "::1"], "hostname": "A"}
            ],
            "ports": [{"name": "http", "protocol": "TCP"}, {"name": "http", "protocol": "ICMP"}]
        }));
        assert_eq!(
            texts(&validate_endpoint_slice(&bad)),
            [
                "endpoints[0].addresses: Required value: must contain at least 1 address",
                "endpoints[1].addresses[0]: Invalid value: \"db.example.com\": must be a valid IPv4 address",
                "endpoints[1].addresses[0]: Invalid value: \"db.example.com\": must be a valid IP address",
                "endpoints[1].addresses[1]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
                "endpoints[1].addresses[2]: Invalid value: \"::1\": must be a valid IPv4 address",
                "endpoints[1].addresses[2]: Invalid value: \"::1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
                "endpoints[1].hostname: Invalid value: \"A\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                "ports[1].name: Duplicate value: \"http\"",
                "ports[1].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
            ]
        );
        let foo = slice(json!({"metadata": {"name": "x"}, "addressType": "Foo", "endpoints": []}));
        assert_eq!(
            texts(&validate_endpoint_slice(&foo)),
            ["addressType: Unsupported value: \"Foo\": supported values: \"FQDN\", \"IPv4\", \"IPv6\""]
        );
        let fqdn = slice(json!({"metadata": {"name": "x"}, "addressType": "FQDN",
            "endpoints": [{"addresses": ["db.example.com.", "db", "Db.x"]}]}));
        assert_eq!(
            texts(&validate_endpoint_slice(&fqdn)),
            [
                "endpoints[0].addresses[1]: Invalid value: \"db\": should be a domain with at least two segments separated by dots",
                "endpoints[0].addresses[2]: Invalid value: \"Db.x\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            ]
        );
    }

    #[test]
    fn the_address_type_is_immutable() {
        let old = slice(json!({"metadata": {"name": "x"}, "addressType": "IPv4", "endpoints": []}));
        let new = slice(json!({"metadata": {"name": "x"}, "addressType": "IPv6", "endpoints": []}));
        assert_eq!(
            texts(&validate_endpoint_slice_update(&new, &old)),
            ["addressType: Invalid value: \"IPv6\": field is immutable"]
        );
    }
}
