//! Cluster DNS as CoreDNS's `kubernetes` plugin answers it (default kubeadm Corefile,
//! `pods insecure`), for a client pod in `world.config.namespace` (BEHAVIORS §1.17).
//!
//! Answers are computed from Services and EndpointSlices only, never from pods: what is
//! not in a slice (or is in one with `ready: false`, B-DNS-3) does not resolve.
//!
//! The client side is the pod's resolver: `search <ns>.svc.<zone> svc.<zone> <zone>` with
//! `options ndots:5` (B-DNS-10). As glibc does, a NODATA answer (the name exists, no record
//! of the type) does not stop the search but is what the resolver reports if no candidate
//! has records.
//!
//! Not simulated: caching and TTLs (B-DNS-13): every query sees the cluster as it is now,
//! so a name resolves in the instant its endpoint becomes ready. Names outside the cluster
//! zone are NXDOMAIN (there is no upstream resolver). An ExternalName Service's A query
//! follows its CNAME when the target is inside the cluster zone, as CoreDNS does; a
//! target outside it answers NODATA; its SRV query answers one record naming the target
//! (port 0). Wildcard queries and the
//! `endpoint_pod_names` option are not supported. Namespaces other than the configured one
//! hold only `kubernetes` (in `default`, with its EndpointSlice) and `kube-dns` (in
//! `kube-system`).

use std::net::Ipv4Addr;

use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::bootstrap::KUBERNETES_NAMESPACE;
use super::controllers::endpointslice::{self, LABEL_SERVICE_NAME};
use super::world::World;

/// What the resolver hands back to the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DnsAnswer {
    /// The records; empty for NODATA (the name exists without records of that type).
    Records(Vec<String>),
    NxDomain,
}

/// The `kubernetes` Service's ClusterIP (bootstrap, docs/language.md defaults).
pub const KUBERNETES_IP: &str = "10.96.0.1";
/// The DNS Service's ClusterIP (`kube-dns` in `kube-system`).
pub const KUBE_DNS_IP: &str = "10.96.0.10";

/// The search path's resolver option `ndots`.
const NDOTS: usize = 5;

/// A-record answers for `name` as a pod in the configured namespace would get them.
pub fn a(world: &World, name: &str) -> DnsAnswer {
    search(world, name, |fqdn| a_records(world, fqdn, 0))
}

/// How many CNAMEs CoreDNS follows in one answer (`backend_lookup.go` `A`: more than 7
/// previous records stop the chain).
const MAX_CNAME_CHAIN: usize = 8;

/// The A records of one fully qualified name. An ExternalName Service answers a CNAME to
/// its `externalName`; CoreDNS follows a target inside the cluster zone itself and answers
/// the CNAME and the target's addresses, which is what the resolver hands back. A target
/// outside the zone would go to the upstream resolver, which scn does not have: NODATA.
fn a_records(world: &World, fqdn: &str, depth: usize) -> Result<Vec<String>, Miss> {
    if let Some(target) = cname_target(world, fqdn) {
        let zone = zone(world);
        let in_zone = target == zone || target.ends_with(&format!(".{zone}"));
        if !in_zone || target == fqdn || depth + 1 >= MAX_CNAME_CHAIN {
            return Err(Miss::NoData);
        }
        return a_records(world, &target, depth + 1).map_err(|_| Miss::NoData);
    }
    let found = lookup(world, fqdn)?;
    let mut hosts: Vec<&str> = Vec::new();
    let mut ips: Vec<String> = Vec::new();
    for record in &found {
        // A records only: CoreDNS deduplicates hosts (one record per port otherwise), and
        // answers the IPv4 form of an IPv4-mapped address. A host that is no address is a
        // CNAME to a name outside the zone, for the upstream resolver scn does not have.
        if let HostType::A(ip) = host_type(&record.host) {
            if !hosts.contains(&record.host.as_str()) {
                hosts.push(&record.host);
                ips.push(ip.to_string());
            }
        }
    }
    Ok(ips)
}

/// What CoreDNS makes of a record's host (`msg.Service.HostType`): Go's `net.ParseIP`,
/// which takes no IPv4 octet with a leading zero, an A record for an IPv4 address or an
/// IPv4-mapped IPv6 one (`To4`), AAAA for another IPv6 address, and a CNAME for anything
/// else. A cluster IP stored as written with leading zeros (`010.96.0.050`, B-SVC-7) is
/// therefore a CNAME target, and `::ffff:10.96.0.51` an A record `10.96.0.51`.
#[derive(Debug, PartialEq, Eq)]
enum HostType {
    A(Ipv4Addr),
    Aaaa,
    Cname,
}

fn host_type(host: &str) -> HostType {
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return HostType::A(ip);
    }
    match host.parse::<std::net::Ipv6Addr>() {
        Ok(ip) => ip.to_ipv4_mapped().map_or(HostType::Aaaa, HostType::A),
        Err(_) => HostType::Cname,
    }
}

/// The CNAME target of `<service>.<namespace>.svc.<zone>` when that Service is of type
/// ExternalName (`findServices`; a name with an endpoint part has none).
fn cname_target(world: &World, fqdn: &str) -> Option<String> {
    let zone = zone(world);
    let base = fqdn.strip_suffix(&format!(".{zone}"))?;
    // `<service>.<ns>.svc` or `<port>.<proto>.<service>.<ns>.svc` (`parseRequest`; the port
    // part does not matter to an ExternalName Service, an endpoint part skips it).
    let segs: Vec<&str> = base.split('.').collect();
    let [.., service, namespace, kind] = segs.as_slice() else {
        return None;
    };
    let (service, namespace) = (*service, *namespace);
    if *kind != "svc"
        || !matches!(segs.len(), 3 | 5)
        || segs.iter().any(|s| s.is_empty())
        || !namespace_exists(world, namespace)
    {
        return None;
    }
    // An address is no CNAME target (`msg.Service.HostType` is A or AAAA): no record.
    service_view(world, service, namespace)?
        .external
        .filter(|t| t.parse::<std::net::IpAddr>().is_err())
}

/// SRV answers for `name`, each `"priority weight port target."` (B-DNS-7).
pub fn srv(world: &World, name: &str) -> DnsAnswer {
    search(world, name, |fqdn| {
        let found = lookup(world, fqdn)?;
        // backend_lookup.go: all records share priority 0; each weighs 100 and is scaled
        // to 100 in total, floored, at least 1. Port -1 (no ports) records count but are
        // not answered.
        let weight = (100 / found.len().max(1)).max(1);
        let mut out: Vec<String> = Vec::new();
        for record in &found {
            if record.port < 0 {
                continue;
            }
            // `SRV`: an address is named by the record's owner name; a host that is no
            // address is the target itself (an ExternalName's, or a cluster IP CoreDNS
            // cannot parse, `HostType`).
            let target = match host_type(&record.host) {
                HostType::Cname => record.host.as_str(),
                HostType::A(_) | HostType::Aaaa => record.key.as_str(),
            };
            let line = format!("0 {weight} {} {target}.", record.port);
            if !out.contains(&line) {
                out.push(line);
            }
        }
        Ok(out)
    })
}

/// PTR answers for an IPv4 address (or its `in-addr.arpa` name): names with the trailing
/// dot (B-DNS-9). A ClusterIP names its Service; otherwise every ready endpoint with that
/// address names itself, `<hostname or dashed IP>.<svc>.<ns>.svc.<zone>.`.
pub fn ptr(world: &World, ip: &str) -> DnsAnswer {
    let Some(ip) = parse_ptr_target(ip) else {
        return DnsAnswer::NxDomain;
    };
    let zone = zone(world);
    for svc in services(world) {
        if svc.cluster_ips.contains(&ip) {
            return DnsAnswer::Records(vec![format!("{}.{}.svc.{zone}.", svc.name, svc.namespace)]);
        }
    }
    // `serviceRecordForIP` then `PTR`: one name per endpoint with that address, duplicates
    // dropped.
    let own = world.config.namespace.to_ascii_lowercase();
    let builtin = builtin_slice(world, "kubernetes", KUBERNETES_NAMESPACE);
    let slices = world
        .store
        .endpoint_slices()
        .values()
        .map(|slice| (own.as_str(), slice))
        .chain(builtin.iter().map(|slice| (KUBERNETES_NAMESPACE, slice)));
    let mut names: Vec<String> = Vec::new();
    for (namespace, slice) in slices {
        let Some(service) = service_label(slice) else {
            continue;
        };
        for endpoint in ready_endpoints(slice) {
            if endpoint.addresses.contains(&ip) {
                let host = endpoint_hostname(endpoint.hostname.as_deref(), &ip);
                let name = format!("{host}.{service}.{namespace}.svc.{zone}.");
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
    if names.is_empty() {
        DnsAnswer::NxDomain
    } else {
        DnsAnswer::Records(names)
    }
}

/// The names the resolver tries for `name`, in order (lower case, without the final
/// dot). A trailing dot makes the name absolute; a name with at least `ndots` dots is
/// tried as is before the search list, others after it.
pub fn candidates(name: &str, namespace: &str, zone: &str) -> Vec<String> {
    let name = name.trim().to_ascii_lowercase();
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    let namespace = namespace.to_ascii_lowercase();
    if name.is_empty() || name == "." {
        return Vec::new();
    }
    if let Some(absolute) = name.strip_suffix('.') {
        return vec![absolute.to_string()];
    }
    let searched = [
        format!("{name}.{namespace}.svc.{zone}"),
        format!("{name}.svc.{zone}"),
        format!("{name}.{zone}"),
    ];
    if name.matches('.').count() >= NDOTS {
        std::iter::once(name.clone()).chain(searched).collect()
    } else {
        searched.into_iter().chain(std::iter::once(name)).collect()
    }
}

/// Why a name has no records: NXDOMAIN, or NODATA (the name exists).
#[derive(Debug, PartialEq, Eq)]
enum Miss {
    NxDomain,
    NoData,
}

/// Runs the resolver's search over the candidates of `name`.
fn search(
    world: &World,
    name: &str,
    answer: impl Fn(&str) -> Result<Vec<String>, Miss>,
) -> DnsAnswer {
    let mut nodata = false;
    for fqdn in candidates(name, &world.config.namespace, &world.config.domain) {
        match answer(&fqdn) {
            Ok(records) if !records.is_empty() => return DnsAnswer::Records(records),
            Ok(_) | Err(Miss::NoData) => nodata = true,
            Err(Miss::NxDomain) => {}
        }
    }
    if nodata {
        DnsAnswer::Records(Vec::new())
    } else {
        DnsAnswer::NxDomain
    }
}

/// One answer of the kubernetes plugin before it becomes an RR (CoreDNS `msg.Service`).
#[derive(Clone, Debug)]
struct Record {
    host: String,
    port: i32,
    /// The owner name for SRV targets, without the final dot.
    key: String,
}

/// A Service as DNS sees it.
struct ServiceView {
    name: String,
    namespace: String,
    headless: bool,
    /// An ExternalName Service's `externalName` (lower case, without the final dot).
    external: Option<String>,
    cluster_ips: Vec<String>,
    /// (name, protocol, port)
    ports: Vec<(String, String, i32)>,
}

fn zone(world: &World) -> String {
    world
        .config
        .domain
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

fn namespace_exists(world: &World, namespace: &str) -> bool {
    // The cluster's own namespaces (a kind or kubeadm cluster has all four).
    namespace == world.config.namespace.to_ascii_lowercase()
        || matches!(
            namespace,
            "default" | "kube-system" | "kube-public" | "kube-node-lease"
        )
}

/// Every Service DNS knows: the stored ones (all in the configured namespace) and the two
/// the cluster's installer puts elsewhere.
fn services(world: &World) -> Vec<ServiceView> {
    let ns = world.config.namespace.to_ascii_lowercase();
    let mut out: Vec<ServiceView> = world
        .store
        .services()
        .keys()
        .filter_map(|name| stored_view(world, name))
        .collect();
    out.extend(builtin_view(world, "kubernetes", "default"));
    if ns != "kube-system" || !world.store.services().contains_key("kube-dns") {
        out.extend(builtin_view(world, "kube-dns", "kube-system"));
    }
    out
}

/// The Service `name` in `namespace` as DNS sees it, found by name.
fn service_view(world: &World, name: &str, namespace: &str) -> Option<ServiceView> {
    if namespace == world.config.namespace.to_ascii_lowercase() {
        if let Some(view) = stored_view(world, name) {
            return Some(view);
        }
    }
    builtin_view(world, name, namespace)
}

/// A stored Service (in the configured namespace).
fn stored_view(world: &World, name: &str) -> Option<ServiceView> {
    let ns = world.config.namespace.to_ascii_lowercase();
    let svc = world.store.services().get(name)?;
    let spec = svc.spec.clone().unwrap_or_default();
    let cluster_ip = spec.cluster_ip.clone().unwrap_or_default();
    let mut cluster_ips = spec.cluster_ips.clone().unwrap_or_default();
    if cluster_ips.is_empty() && !cluster_ip.is_empty() {
        cluster_ips.push(cluster_ip.clone());
    }
    cluster_ips.retain(|ip| ip != "None" && !ip.is_empty());
    Some(ServiceView {
        name: name.to_ascii_lowercase(),
        namespace: ns,
        headless: cluster_ip == "None",
        external: (spec.type_.as_deref() == Some("ExternalName")).then(|| {
            let target = spec.external_name.clone().unwrap_or_default();
            target.trim_end_matches('.').to_ascii_lowercase()
        }),
        cluster_ips,
        ports: spec
            .ports
            .iter()
            .flatten()
            .map(|p| {
                (
                    p.name.clone().unwrap_or_default(),
                    p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                    p.port,
                )
            })
            .collect(),
    })
}

/// `kubernetes` in `default` and `kube-dns` in `kube-system` when the configured
/// namespace is another one (there the stored Services answer).
fn builtin_view(world: &World, name: &str, namespace: &str) -> Option<ServiceView> {
    let ns = world.config.namespace.to_ascii_lowercase();
    let view = |ip: &str, ports: &[(&str, &str, i32)]| ServiceView {
        name: name.into(),
        namespace: namespace.into(),
        headless: false,
        external: None,
        cluster_ips: vec![ip.into()],
        ports: ports
            .iter()
            .map(|(n, p, port)| (n.to_string(), p.to_string(), *port))
            .collect(),
    };
    match (name, namespace) {
        ("kubernetes", "default") if ns != "default" => {
            Some(view(KUBERNETES_IP, &[("https", "TCP", 443)]))
        }
        ("kube-dns", "kube-system")
            if ns != "kube-system" || !world.store.services().contains_key("kube-dns") =>
        {
            Some(view(
                KUBE_DNS_IP,
                &[
                    ("dns", "UDP", 53),
                    ("dns-tcp", "TCP", 53),
                    ("metrics", "TCP", 9153),
                ],
            ))
        }
        _ => None,
    }
}

/// The `kubernetes` Service's EndpointSlice when the configured namespace is another
/// than `default` (there the stored one answers).
fn builtin_slice(world: &World, service: &str, namespace: &str) -> Option<EndpointSlice> {
    let own = world.config.namespace.to_ascii_lowercase();
    (service == "kubernetes" && namespace == KUBERNETES_NAMESPACE && own != KUBERNETES_NAMESPACE)
        .then(super::bootstrap::kubernetes_endpoint_slice)
}

fn service_label(slice: &EndpointSlice) -> Option<String> {
    slice
        .metadata
        .labels
        .as_ref()?
        .get(LABEL_SERVICE_NAME)
        .map(|s| s.to_ascii_lowercase())
}

/// CoreDNS `endpointsliceReady`: a missing `ready` counts as ready (B-DNS-3).
fn ready_endpoints(
    slice: &EndpointSlice,
) -> impl Iterator<Item = &k8s_openapi::api::discovery::v1::Endpoint> {
    slice
        .endpoints
        .iter()
        .flatten()
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready) != Some(false))
}

/// CoreDNS `endpointHostname`: the endpoint's hostname, else its dashed IP (B-DNS-8).
fn endpoint_hostname(hostname: Option<&str>, ip: &str) -> String {
    match hostname {
        Some(h) if !h.is_empty() => h.to_ascii_lowercase(),
        _ => ip.replace(['.', ':'], "-"),
    }
}

/// `matchPortAndProtocol`: an empty query part matches anything; otherwise equal,
/// ignoring case.
fn port_matches(query_port: &str, query_proto: &str, name: &str, proto: &str) -> bool {
    (query_port.is_empty() || query_port.eq_ignore_ascii_case(name))
        && (query_proto.is_empty() || query_proto.eq_ignore_ascii_case(proto))
}

/// The kubernetes plugin's `Records` for one fully qualified name (`parseRequest`, then
/// `findPods` or `findServices`).
fn lookup(world: &World, fqdn: &str) -> Result<Vec<Record>, Miss> {
    let zone = zone(world);
    let base = if fqdn == zone {
        ""
    } else {
        fqdn.strip_suffix(&format!(".{zone}"))
            .ok_or(Miss::NxDomain)?
    };
    // The apex and the bare `svc`/`pod` subdomains exist without address records.
    if base.is_empty() || base == "svc" || base == "pod" {
        return Err(Miss::NoData);
    }
    let segs: Vec<&str> = base.split('.').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err(Miss::NxDomain);
    }
    let mut rest = segs.as_slice();
    let Some((&kind, more)) = rest.split_last() else {
        return Err(Miss::NxDomain);
    };
    rest = more;
    if kind != "svc" && kind != "pod" {
        return Err(Miss::NxDomain);
    }
    let Some((&namespace, more)) = rest.split_last() else {
        return Err(Miss::NoData);
    };
    rest = more;
    if !namespace_exists(world, namespace) {
        return Err(Miss::NxDomain);
    }
    let Some((&service, more)) = rest.split_last() else {
        return Err(Miss::NoData); // a namespace exists but has no address
    };
    // One label left is an endpoint; two are `_port._proto`; more is too long.
    let (endpoint, port, proto) = match more {
        [] => ("", "", ""),
        [endpoint] => (*endpoint, "", ""),
        [port, proto] => (
            "",
            port.strip_prefix('_').unwrap_or(port),
            proto.strip_prefix('_').unwrap_or(proto),
        ),
        _ => return Err(Miss::NxDomain),
    };

    if kind == "pod" {
        // `pods insecure`: the dashed IP is the answer, no pod is looked up (B-DNS-12).
        // `findPods`: three dashes and no `--` are an IPv4 address, anything else is read
        // as IPv6 (`fd00--1` is `fd00::1`); a name that is no address is NXDOMAIN. An
        // IPv6 name exists but has no A record: NODATA.
        let ip = if service.matches('-').count() == 3 && !service.contains("--") {
            service.replace('-', ".")
        } else {
            service.replace('-', ":")
        };
        if ip.parse::<std::net::IpAddr>().is_err() {
            return Err(Miss::NxDomain);
        }
        return Ok(vec![Record {
            host: ip,
            port: -1,
            key: format!("{service}.{namespace}.pod.{zone}"),
        }]);
    }

    let svc_domain = format!("{service}.{namespace}.svc.{zone}");
    let mut found: Vec<Record> = Vec::new();
    let mut matched = false;
    if let Some(svc) = service_view(world, service, namespace) {
        if let Some(target) = &svc.external {
            // `findServices`: an ExternalName Service has no endpoints (a name with an
            // endpoint part skips it) but its port part is not looked at; it gives a record
            // only when its name is a host name (`HostType` is CNAME), not an address:
            // otherwise nothing matched, NXDOMAIN (`errNoItems`). That record is what an SRV
            // query answers (`backend_lookup.go` `SRV`, the CNAME case): port 0, the target
            // as the SRV target.
            if !endpoint.is_empty() || target.parse::<std::net::IpAddr>().is_ok() {
                return Err(Miss::NxDomain);
            }
            return Ok(vec![Record {
                host: target.clone(),
                port: 0,
                key: target.clone(),
            }]);
        }
        // Endpoint query or headless service: answered from the ready endpoints of every
        // slice of the Service (B-DNS-4, B-DNS-5, B-DNS-11), found through the slices'
        // service-name index.
        if svc.headless || !endpoint.is_empty() {
            let builtin = builtin_slice(world, service, namespace);
            let slices = (namespace == world.config.namespace.to_ascii_lowercase())
                .then(|| endpointslice::slices_of(world, service))
                .into_iter()
                .flatten()
                .chain(builtin.iter());
            for slice in slices {
                // CoreDNS gives an endpoint without ports the port -1.
                let mut ports: Vec<(String, String, i32)> = slice
                    .ports
                    .iter()
                    .flatten()
                    .map(|p| {
                        (
                            p.name.clone().unwrap_or_default(),
                            p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                            p.port.unwrap_or(-1),
                        )
                    })
                    .collect();
                if ports.is_empty() {
                    ports.push((String::new(), String::new(), -1));
                }
                for e in ready_endpoints(slice) {
                    for address in &e.addresses {
                        let host = endpoint_hostname(e.hostname.as_deref(), address);
                        if !endpoint.is_empty() && host != endpoint {
                            continue;
                        }
                        for (name, protocol, number) in &ports {
                            if !port_matches(port, proto, name, protocol) {
                                continue;
                            }
                            matched = true;
                            found.push(Record {
                                host: address.clone(),
                                port: *number,
                                key: format!("{host}.{svc_domain}"),
                            });
                        }
                    }
                }
            }
        } else {
            // ClusterIP service: the VIP, whatever the endpoints (B-DNS-6).
            for (name, protocol, number) in &svc.ports {
                if !port_matches(port, proto, name, protocol) {
                    continue;
                }
                matched = true;
                for ip in &svc.cluster_ips {
                    found.push(Record {
                        host: ip.clone(),
                        port: *number,
                        key: svc_domain.clone(),
                    });
                }
            }
        }
    }
    if matched {
        Ok(found)
    } else {
        Err(Miss::NxDomain)
    }
}

/// `10.244.1.2` or `2.1.244.10.in-addr.arpa[.]` → `10.244.1.2`.
pub fn parse_ptr_target(input: &str) -> Option<String> {
    let input = input.trim().trim_end_matches('.').to_ascii_lowercase();
    let ip = match input.strip_suffix(".in-addr.arpa") {
        Some(reversed) => reversed.rsplit('.').collect::<Vec<_>>().join("."),
        None => input,
    };
    ip.parse::<Ipv4Addr>().ok().map(|ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_try_the_search_list_first() {
        assert_eq!(
            candidates("web-0.nginx", "default", "cluster.local"),
            [
                "web-0.nginx.default.svc.cluster.local",
                "web-0.nginx.svc.cluster.local",
                "web-0.nginx.cluster.local",
                "web-0.nginx",
            ]
        );
    }

    #[test]
    fn five_dots_are_tried_as_is_first_and_a_trailing_dot_is_absolute() {
        let fqdn = "web-0.nginx.default.svc.cluster.local";
        assert_eq!(candidates(fqdn, "default", "cluster.local")[0], fqdn);
        assert_eq!(
            candidates(&format!("{fqdn}."), "default", "cluster.local"),
            [fqdn]
        );
        // Four dots: still below ndots, so the search list comes first.
        assert_eq!(
            candidates(
                "nginx.default.svc.cluster.local",
                "default",
                "cluster.local"
            )[0],
            "nginx.default.svc.cluster.local.default.svc.cluster.local"
        );
    }

    #[test]
    fn names_are_case_insensitive_and_empty_names_have_no_candidates() {
        assert_eq!(
            candidates("NGINX", "Default", "Cluster.Local")[0],
            "nginx.default.svc.cluster.local"
        );
        assert!(candidates("", "default", "cluster.local").is_empty());
        assert!(candidates(".", "default", "cluster.local").is_empty());
    }

    #[test]
    fn ptr_targets_accept_reverse_names() {
        assert_eq!(
            parse_ptr_target("2.1.244.10.in-addr.arpa."),
            Some("10.244.1.2".into())
        );
        assert_eq!(parse_ptr_target("10.244.1.2"), Some("10.244.1.2".into()));
        assert_eq!(parse_ptr_target("web-0"), None);
    }

    #[test]
    fn hosts_are_typed_as_go_parses_them() {
        assert_eq!(
            host_type("10.96.0.5"),
            HostType::A(Ipv4Addr::new(10, 96, 0, 5))
        );
        assert_eq!(
            host_type("::ffff:10.96.0.51"),
            HostType::A(Ipv4Addr::new(10, 96, 0, 51))
        );
        assert_eq!(host_type("fd00::1"), HostType::Aaaa);
        assert_eq!(host_type("010.96.0.050"), HostType::Cname);
        assert_eq!(host_type("db.example.com"), HostType::Cname);
    }

    #[test]
    fn port_parts_match_names_and_protocols_ignoring_case() {
        assert!(port_matches("web", "tcp", "web", "TCP"));
        assert!(port_matches("", "", "", "TCP"));
        assert!(!port_matches("web", "udp", "web", "TCP"));
        assert!(!port_matches("http", "tcp", "", "TCP"));
    }
}
