//! The shapes the EndpointSlice controller builds: endpoints from pods, ports from the
//! Service, slice labels, names and ownership (upstream
//! `staging/src/k8s.io/endpointslice/utils.go` and `util/controller_utils.go`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, ObjectReference, Pod, Service, ServicePort};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::sim::nodes::LABEL_ZONE;
use crate::sim::podutil;

pub const LABEL_SERVICE_NAME: &str = "kubernetes.io/service-name";
pub const LABEL_MANAGED_BY: &str = "endpointslice.kubernetes.io/managed-by";
pub const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
pub const LABEL_HEADLESS: &str = "service.kubernetes.io/headless";

/// kube-controller-manager's `--max-endpoints-per-slice` default.
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;

/// `ShouldPodBeInEndpoints(pod, includeTerminating=true)`: an IP and not in a terminal
/// phase.
pub fn should_be_in_endpoints(pod: &Pod) -> bool {
    if podutil::is_failed(pod) || podutil::is_succeeded(pod) {
        return false;
    }
    let status = pod.status.as_ref();
    status
        .and_then(|s| s.pod_ip.as_deref())
        .is_some_and(|ip| !ip.is_empty())
        || status
            .and_then(|s| s.pod_ips.as_ref())
            .is_some_and(|ips| !ips.is_empty())
}

/// `getEndpointAddresses` for the IPv4 address type: the pod's IPv4 addresses.
fn ipv4_addresses(pod: &Pod) -> Vec<String> {
    let status = pod.status.as_ref();
    let is_v4 = |ip: &str| ip.parse::<std::net::Ipv4Addr>().is_ok();
    let mut out: Vec<String> = status
        .and_then(|s| s.pod_ips.as_ref())
        .into_iter()
        .flatten()
        .map(|ip| ip.ip.clone())
        .filter(|ip| is_v4(ip))
        .collect();
    if out.is_empty() {
        if let Some(ip) = status
            .and_then(|s| s.pod_ip.as_ref())
            .filter(|ip| is_v4(ip))
        {
            out.push(ip.clone());
        }
    }
    out
}

/// `podToEndpoint` (B-DNS-1, B-DNS-2): conditions from readiness and deletion, the node
/// and its zone, the hostname when the pod's subdomain names this Service.
pub fn pod_to_endpoint(
    pod: &Pod,
    node: Option<&Node>,
    service: &Service,
    publish_not_ready: bool,
) -> Endpoint {
    let serving = podutil::is_ready(pod);
    let terminating = podutil::is_terminating(pod);
    // "ready" is never true for a terminating pod unless publishNotReadyAddresses is set.
    let ready = publish_not_ready || (serving && !terminating);
    let spec = pod.spec.as_ref();
    let hostname = endpoint_hostname(pod, service);
    let zone = node
        .and_then(|n| n.metadata.labels.as_ref())
        .and_then(|l| l.get(LABEL_ZONE))
        .filter(|z| !z.is_empty())
        .cloned();
    Endpoint {
        addresses: ipv4_addresses(pod),
        conditions: Some(EndpointConditions {
            ready: Some(ready),
            serving: Some(serving),
            terminating: Some(terminating),
        }),
        hostname,
        node_name: spec
            .and_then(|s| s.node_name.clone())
            .filter(|n| !n.is_empty()),
        zone,
        target_ref: Some(ObjectReference {
            kind: Some("Pod".into()),
            name: pod.metadata.name.clone(),
            namespace: pod.metadata.namespace.clone(),
            uid: pod.metadata.uid.clone(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// `getEndpointPorts`: the Service's ports with the target port resolved against the pod
/// (`FindPort`); a named target port the pod does not declare is left out. A headless
/// Service without ports gets none. In the order `NewPortMapKey` leaves them: the
/// reconciler keys them right away, which sorts the very slice it then writes
/// ([`sort_ports`]).
pub fn endpoint_ports(service: &Service, pod: &Pod) -> Vec<EndpointPort> {
    let spec = service.spec.as_ref();
    let ports = spec.and_then(|s| s.ports.as_deref()).unwrap_or_default();
    let mut ports: Vec<EndpointPort> = ports
        .iter()
        .filter_map(|sp| {
            let number = find_port(pod, sp)?;
            Some(EndpointPort {
                name: Some(sp.name.clone().unwrap_or_default()),
                port: Some(number),
                protocol: Some(protocol(sp.protocol.as_deref()).to_string()),
                app_protocol: sp.app_protocol.clone(),
            })
        })
        .collect();
    sort_ports(&mut ports);
    ports
}

/// `portsInOrder`, which `NewPortMapKey` sorts a port list with, in place: by
/// `deepHashObjectToString` of each port, the hex of the 128-bit FNV-1a hash
/// (`fnv.New128a`) of its `dump.ForHash` text (go-spew `%#v`: the fields of
/// `discovery/v1.EndpointPort` in their Go order, each a pointer). Hex strings of equal
/// length compare as the hashes do.
pub fn sort_ports(ports: &mut [EndpointPort]) {
    if ports.len() > 1 {
        ports.sort_by_cached_key(|p| fnv1a_128(port_dump(p).as_bytes()));
    }
}

/// `dump.ForHash` of a `discovery/v1.EndpointPort`.
pub fn port_dump(p: &EndpointPort) -> String {
    let ptr = |v: Option<String>| v.unwrap_or_else(|| "<nil>".to_string());
    format!(
        "(v1.EndpointPort){{Name:(*string){} Protocol:(*v1.Protocol){} Port:(*int32){} AppProtocol:(*string){}}}",
        ptr(p.name.clone()),
        ptr(p.protocol.clone()),
        ptr(p.port.map(|n| n.to_string())),
        ptr(p.app_protocol.clone()),
    )
}

/// Go's `hash/fnv` `New128a`: FNV-1a over 128 bits.
pub fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u128::from(*b)).wrapping_mul(PRIME))
}

fn protocol(p: Option<&str>) -> &str {
    p.filter(|p| !p.is_empty()).unwrap_or("TCP")
}

/// `FindPort`: a number is used as is; a name is looked up, with the Service port's
/// protocol, in the pod's containers and then its sidecars (restartable init containers).
fn find_port(pod: &Pod, sp: &ServicePort) -> Option<i32> {
    let name = match &sp.target_port {
        None => return Some(sp.port),
        Some(IntOrString::Int(n)) => return Some(*n),
        Some(IntOrString::String(name)) => name,
    };
    let spec = pod.spec.as_ref()?;
    let want = protocol(sp.protocol.as_deref());
    let sidecars = spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| c.restart_policy.as_deref() == Some("Always"));
    spec.containers
        .iter()
        .chain(sidecars)
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| {
            p.name.as_deref() == Some(name.as_str()) && protocol(p.protocol.as_deref()) == want
        })
        .map(|p| p.container_port)
}

/// `NewPortMapKey`: endpoints with the same ports share slices. scn keys by the ports in
/// their sorted order ([`sort_ports`]) as JSON (upstream by their hash).
pub fn port_key(ports: Option<&[EndpointPort]>) -> String {
    let ports = ports.unwrap_or_default();
    if ports.is_sorted_by_key(|p| fnv1a_128(port_dump(p).as_bytes())) {
        return serde_json::to_string(ports).unwrap_or_default();
    }
    let mut sorted = ports.to_vec();
    sort_ports(&mut sorted);
    serde_json::to_string(&sorted).unwrap_or_default()
}

/// `hashEndpoint`: what identifies an endpoint across syncs, so that a change of its
/// conditions, node or zone is an update in place: the sorted addresses, the hostname and
/// the target's namespace and name.
/// Borrowed from the endpoint (its addresses are copied only when not sorted already).
pub type Identity<'e> = (Cow<'e, [String]>, &'e str, &'e str, &'e str);

pub fn identity(e: &Endpoint) -> Identity<'_> {
    let addresses: Cow<'_, [String]> = if e.addresses.is_sorted() {
        Cow::Borrowed(&e.addresses)
    } else {
        let mut sorted = e.addresses.clone();
        sorted.sort();
        Cow::Owned(sorted)
    };
    let target = e.target_ref.as_ref();
    (
        addresses,
        e.hostname.as_deref().unwrap_or_default(),
        target
            .and_then(|t| t.namespace.as_deref())
            .unwrap_or_default(),
        target.and_then(|t| t.name.as_deref()).unwrap_or_default(),
    )
}

/// The pod an endpoint points at (`targetRef.name`), if any.
pub fn target_pod(e: &Endpoint) -> Option<&str> {
    e.target_ref.as_ref()?.name.as_deref()
}

fn is_reserved_label(key: &str) -> bool {
    key == LABEL_SERVICE_NAME || key == LABEL_MANAGED_BY || key == LABEL_HEADLESS
}

/// `setEndpointSliceLabels`: the Service's labels (less the reserved ones), the headless
/// label when the Service has no cluster IP, the service-name and managed-by labels.
pub fn slice_labels(service: &Service, service_name: &str) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = service
        .metadata
        .labels
        .iter()
        .flatten()
        .filter(|(k, _)| !is_reserved_label(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let cluster_ip = service
        .spec
        .as_ref()
        .and_then(|s| s.cluster_ip.as_deref())
        .unwrap_or_default();
    if cluster_ip == "None" || cluster_ip.is_empty() {
        labels.insert(LABEL_HEADLESS.into(), String::new());
    }
    labels.insert(LABEL_SERVICE_NAME.into(), service_name.to_string());
    labels.insert(LABEL_MANAGED_BY.into(), CONTROLLER_NAME.into());
    labels
}

/// `setEndpointSliceLabels`'s `updated`: the slice's own labels (less the reserved ones)
/// differ from the Service's.
pub fn labels_changed(slice: &EndpointSlice, service: &Service) -> bool {
    let own = |labels: Option<&BTreeMap<String, String>>| -> BTreeMap<String, String> {
        labels
            .into_iter()
            .flatten()
            .filter(|(k, _)| !is_reserved_label(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    own(slice.metadata.labels.as_ref()) != own(service.metadata.labels.as_ref())
}

/// `ownedBy`: an owner reference to this Service (by UID).
pub fn owned_by(slice: &EndpointSlice, service_uid: &str) -> bool {
    slice
        .metadata
        .owner_references
        .iter()
        .flatten()
        .any(|o| o.uid == service_uid && o.kind == "Service" && o.api_version == "v1")
}

/// `ManagedByController`: the managed-by label names this controller.
pub fn managed_by_controller(slice: &EndpointSlice) -> bool {
    slice
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(LABEL_MANAGED_BY))
        .is_some_and(|v| v == CONTROLLER_NAME)
}

/// The service-name label of a slice, if any.
pub fn service_name_label(slice: &EndpointSlice) -> Option<&str> {
    slice
        .metadata
        .labels
        .as_ref()?
        .get(LABEL_SERVICE_NAME)
        .map(String::as_str)
}

/// `getEndpointSlicePrefix` then `generateName`'s truncation: `<service>-`, cut to 58
/// characters so that the 5-character suffix fits in 63.
pub fn generate_name_prefix(service: &str) -> String {
    crate::sim::server::names::prefix(&format!("{service}-"))
}

/// A deterministic stand-in for `generateName`'s random suffix: the `n`-th slice created
/// for a Service draws its 5 characters (from the alphabet `generateName` uses) from the
/// Service UID and `n`; the first slice's suffix depends on the UID alone. A name already
/// taken moves on to the next candidate.
pub fn slice_name(taken: impl Fn(&str) -> bool, service: &str, uid: &str, n: u64) -> String {
    use crate::sim::server::names;
    let prefix = generate_name_prefix(service);
    let mut seed = names::fnv(names::SEED, uid.as_bytes());
    if n > 0 {
        seed = names::fnv(seed, format!("#{n}").as_bytes());
    }
    names::draw(taken, &prefix, seed)
}

/// The hostname an endpoint gets (`ShouldSetHostname`): the pod's, only through the Service
/// its subdomain names.
pub(crate) fn endpoint_hostname(
    pod: &Pod,
    service: &k8s_openapi::api::core::v1::Service,
) -> Option<String> {
    pod.spec
        .as_ref()
        .filter(|s| {
            s.subdomain.as_deref().is_some_and(|sub| !sub.is_empty())
                && s.subdomain.as_deref() == service.metadata.name.as_deref()
        })
        .and_then(|s| s.hostname.clone())
        .filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_is_the_service_name_and_a_dash_cut_to_58_characters() {
        assert_eq!(generate_name_prefix("nginx"), "nginx-");
        let long = "a".repeat(63);
        assert_eq!(generate_name_prefix(&long), "a".repeat(58));
        let name = slice_name(|_| false, &long, "uid", 0);
        assert_eq!(name.len(), 63);
    }

    #[test]
    fn each_slice_of_a_service_gets_its_own_suffix_and_taken_names_move_on() {
        let first = slice_name(|_| false, "nginx", "u-1", 0);
        let second = slice_name(|_| false, "nginx", "u-1", 1);
        assert_ne!(first, second);
        let other = slice_name(|n| n == first, "nginx", "u-1", 0);
        assert_ne!(other, first);
        assert!(other.starts_with("nginx-") && other.len() == "nginx-".len() + 5);
    }

    /// B-DNS-23: Go's `fnv.New128a` (its test vectors: "" is the offset basis, "a" is
    /// d228cb69…), over the `dump.ForHash` text of a discovery port; https/443 (5085…)
    /// sorts before http/80 (b6c4…).
    #[test]
    fn ports_sort_by_the_fnv128a_of_their_dump() {
        assert_eq!(
            format!("{:032x}", fnv1a_128(b"")),
            "6c62272e07bb014262b821756295c58d"
        );
        assert_eq!(
            format!("{:032x}", fnv1a_128(b"a")),
            "d228cb696f1a8caf78912b704e4a8964"
        );
        let port = |name: &str, number: i32| EndpointPort {
            name: Some(name.to_string()),
            port: Some(number),
            protocol: Some("TCP".to_string()),
            app_protocol: None,
        };
        assert_eq!(
            port_dump(&port("http", 80)),
            "(v1.EndpointPort){Name:(*string)http Protocol:(*v1.Protocol)TCP Port:(*int32)80 AppProtocol:(*string)<nil>}"
        );
        assert_eq!(
            format!(
                "{:032x}",
                fnv1a_128(port_dump(&port("http", 80)).as_bytes())
            ),
            "b6c4d325122a5ba6f795b0bbffcebb6f"
        );
        let mut ports = vec![port("http", 80), port("https", 443)];
        sort_ports(&mut ports);
        assert_eq!(ports[0].port, Some(443));
        // The key of a port group does not depend on the order a slice lists them in.
        let reversed = vec![port("http", 80), port("https", 443)];
        assert_eq!(port_key(Some(&reversed)), port_key(Some(&ports)));
    }
}
