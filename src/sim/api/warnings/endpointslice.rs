//! An EndpointSlice's warnings (upstream `pkg/registry/discovery/endpointslice/strategy.go`,
//! `WarningsOnCreate` and `WarningsOnUpdate`): on create, the deprecated `FQDN` address
//! type (v1.27, kubernetes/kubernetes#114677); on create and update, each address in a
//! non-standard form (`warnOnBadIPs`: `GetWarningsForIP`, v1.33), except in a slice the
//! EndpointSlice or the mirroring controller manages, whose addresses they wrote.

use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::super::validation::warnings_for_ip;
use crate::sim::controllers::endpointslice::{CONTROLLER_NAME, LABEL_MANAGED_BY};
use crate::sim::controllers::endpointslicemirroring::CONTROLLER_NAME as MIRRORING_NAME;

/// The strategy's warnings for the slice as the request stored it (defaulted).
pub fn warnings_for_endpoint_slice(slice: &EndpointSlice, create: bool) -> Vec<String> {
    let mut out = Vec::new();
    if create && slice.address_type == "FQDN" {
        out.push("spec.addressType: FQDN endpoints are deprecated".to_string());
    }
    let managed_by = slice
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(LABEL_MANAGED_BY))
        .map(String::as_str);
    if managed_by == Some(CONTROLLER_NAME) || managed_by == Some(MIRRORING_NAME) {
        return out;
    }
    for (i, endpoint) in slice.endpoints.iter().flatten().enumerate() {
        for (j, address) in endpoint.addresses.iter().enumerate() {
            out.extend(warnings_for_ip(
                &format!("endpoints[{i}].addresses[{j}]"),
                address,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::discovery::v1::Endpoint;

    fn slice(address_type: &str, addresses: &[&str], managed_by: Option<&str>) -> EndpointSlice {
        let mut s = EndpointSlice {
            address_type: address_type.to_string(),
            endpoints: Some(vec![Endpoint {
                addresses: addresses.iter().map(|a| a.to_string()).collect(),
                ..Default::default()
            }]),
            ..Default::default()
        };
        if let Some(m) = managed_by {
            s.metadata.labels = Some([(LABEL_MANAGED_BY.to_string(), m.to_string())].into());
        }
        s
    }

    #[test]
    fn fqdn_is_deprecated_on_create_only() {
        let s = slice("FQDN", &["db.example.com"], None);
        assert_eq!(
            warnings_for_endpoint_slice(&s, true),
            ["spec.addressType: FQDN endpoints are deprecated"]
        );
        assert!(warnings_for_endpoint_slice(&s, false).is_empty());
    }

    #[test]
    fn non_standard_addresses_are_warned_about_unless_a_controller_wrote_them() {
        let s = slice("IPv4", &["10.1.2.3", "010.1.2.4"], None);
        assert_eq!(
            warnings_for_endpoint_slice(&s, false),
            ["endpoints[0].addresses[1]: non-standard IP address \"010.1.2.4\" will be considered invalid in a future Kubernetes release: use \"10.1.2.4\""]
        );
        let managed = slice("IPv4", &["010.1.2.4"], Some(CONTROLLER_NAME));
        assert!(warnings_for_endpoint_slice(&managed, true).is_empty());
        let mirrored = slice("IPv4", &["010.1.2.4"], Some(MIRRORING_NAME));
        assert!(warnings_for_endpoint_slice(&mirrored, true).is_empty());
    }
}
