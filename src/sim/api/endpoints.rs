//! The v1 Endpoints a user writes, as the API server stores it: `SetDefaults_Endpoints`
//! (a port without a protocol gets `TCP`), `ValidateEndpoints` (after the metadata), and
//! the strategy's `Canonicalize`, which is `RepackSubsets` (`pkg/api/v1/endpoints/util.go`):
//! every address under every port it is offered on, ports offering the same addresses (and
//! readiness, not-ready winning) in one subset, addresses sorted by IP then target UID
//! (`LessEndpointAddress`). The strategy's `PrepareForCreate` does nothing: no
//! `metadata.generation`.
//!
//! Deterministic where upstream is not: `SortSubsets` orders ports and subsets by an MD5 of
//! a `spew` dump; here ports keep their first appearance, and subsets the order of their
//! first port. With one port set the result is exact.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{EndpointAddress, EndpointPort, EndpointSubset, Endpoints};
use serde_json::Value;

use super::field_error::FieldError;

pub const KIND: &str = "Endpoints";

fn decode(body: &Value) -> Option<Endpoints> {
    serde_json::from_value::<Endpoints>(body.clone()).ok()
}

/// `SetDefaults_Endpoints` on the body.
pub fn default_body(body: &mut Value) {
    let Some(mut endpoints) = decode(body) else {
        return;
    };
    default(&mut endpoints);
    if let (Some(map), Some(subsets)) = (body.as_object_mut(), endpoints.subsets) {
        map.insert(
            "subsets".to_string(),
            serde_json::to_value(&subsets).unwrap_or(Value::Null),
        );
    }
}

/// `validateEndpointSubsets` of the body (the part of `ValidateEndpoints` after the
/// metadata).
pub fn validate(body: &Value) -> Vec<FieldError> {
    decode(body)
        .map(|e| {
            super::validation::validate_endpoint_subsets(e.subsets.as_deref().unwrap_or_default())
        })
        .unwrap_or_default()
}

/// The strategy's `Canonicalize`: the body's subsets repacked.
pub fn canonicalize(body: &mut Value) {
    let Some(endpoints) = decode(body) else {
        return;
    };
    let repacked = repack_subsets(endpoints.subsets.as_deref().unwrap_or_default());
    if let Some(map) = body.as_object_mut() {
        if repacked.is_empty() {
            map.remove("subsets");
        } else {
            map.insert(
                "subsets".to_string(),
                serde_json::to_value(&repacked).unwrap_or(Value::Null),
            );
        }
    }
}

/// `SetDefaults_Endpoints`: a port's protocol is TCP when unset.
fn default(endpoints: &mut Endpoints) {
    for subset in endpoints.subsets.iter_mut().flatten() {
        for port in subset.ports.iter_mut().flatten() {
            if port.protocol.as_deref().is_none_or(str::is_empty) {
                port.protocol = Some("TCP".to_string());
            }
        }
    }
}

/// `addressKey`: the IP and the target's UID.
fn address_key(a: &EndpointAddress) -> (String, String) {
    let uid = a.target_ref.as_ref().and_then(|r| r.uid.clone());
    (a.ip.clone(), uid.unwrap_or_default())
}

/// `LessEndpointAddress`: by IP (as bytes), then a missing target first, then target UID.
fn compare_addresses(a: &EndpointAddress, b: &EndpointAddress) -> Ordering {
    a.ip.as_bytes().cmp(b.ip.as_bytes()).then_with(|| {
        let uid = |x: &EndpointAddress| {
            x.target_ref
                .as_ref()
                .map(|r| r.uid.clone().unwrap_or_default())
        };
        match (uid(a), uid(b)) {
            (_, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(x), Some(y)) => x.cmp(&y),
        }
    })
}

/// `RepackSubsets`.
pub fn repack_subsets(subsets: &[EndpointSubset]) -> Vec<EndpointSubset> {
    // Every distinct address (the first copy of it), by key.
    let mut all: BTreeMap<(String, String), EndpointAddress> = BTreeMap::new();
    // Each port (`None`: the sentinel of a subset without ports), in first appearance,
    // with the addresses offering it and whether each is ready.
    let mut by_port: Vec<(Option<EndpointPort>, BTreeMap<(String, String), bool>)> = Vec::new();
    for subset in subsets {
        let ports: Vec<Option<&EndpointPort>> = match subset.ports.as_deref() {
            None | Some([]) => vec![None],
            Some(ports) => ports.iter().map(Some).collect(),
        };
        let ready = subset.addresses.iter().flatten().map(|a| (a, true));
        let not_ready = subset
            .not_ready_addresses
            .iter()
            .flatten()
            .map(|a| (a, false));
        let addresses: Vec<(&EndpointAddress, bool)> = ready.chain(not_ready).collect();
        for port in ports {
            let at = match by_port.iter().position(|(p, _)| p.as_ref() == port) {
                Some(at) => at,
                None => {
                    by_port.push((port.cloned(), BTreeMap::new()));
                    by_port.len() - 1
                }
            };
            for (address, is_ready) in &addresses {
                let key = address_key(address);
                all.entry(key.clone()).or_insert_with(|| (*address).clone());
                // Not ready wins over ready.
                let entry = by_port[at].1.entry(key).or_insert(*is_ready);
                *entry &= *is_ready;
            }
        }
    }
    // Ports offering the same addresses share a subset.
    let mut grouped: Vec<(Vec<EndpointPort>, &BTreeMap<(String, String), bool>)> = Vec::new();
    for (port, addresses) in &by_port {
        match grouped.iter_mut().find(|(_, a)| *a == addresses) {
            Some((ports, _)) => ports.extend(port.clone()),
            None => grouped.push((port.iter().cloned().collect(), addresses)),
        }
    }
    grouped
        .into_iter()
        .map(|(ports, addresses)| {
            let pick = |ready: bool| -> Option<Vec<EndpointAddress>> {
                let mut list: Vec<EndpointAddress> = addresses
                    .iter()
                    .filter(|(_, r)| **r == ready)
                    .filter_map(|(k, _)| all.get(k).cloned())
                    .collect();
                list.sort_by(compare_addresses);
                (!list.is_empty()).then_some(list)
            };
            EndpointSubset {
                addresses: pick(true),
                not_ready_addresses: pick(false),
                ports: (!ports.is_empty()).then_some(ports),
            }
        })
        .collect()
}
