//! The Service REST storage (`pkg/registry/core/service/storage`) and strategy
//! (`pkg/registry/core/service/strategy.go`).
//!
//! Before a Service is validated, the storage's `beginCreate` / `beginUpdate` hooks run:
//! on an update the values the API server allocated and the client left out are put back
//! (`patchAllocatedValues`), `clusterIPs` is made to follow `clusterIP`
//! (`normalizeClusterIPs`), the IP families are initialised (`initIPFamilyFields`) and the
//! cluster IP and node ports are allocated (`alloc.go`). The strategy then drops the fields
//! a changed type no longer uses (`dropTypeDependentFields`), and validation runs last.
//! So a refusal from the allocator comes before any validation error.
//!
//! The cluster is single-stack IPv4: cluster IPs come from 10.96.0.0/12, node ports from
//! 30000-32767. Nothing is kept besides the Services themselves: what is allocated is what
//! the other Services hold.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::ServiceSpec;

use super::field_error::{quote, FieldError};
use super::*;

/// The service CIDR (`--service-cluster-ip-range`).
const SERVICE_CIDR: &str = "10.96.0.0/12";
/// The DNS Service's address, which the kubelet writes into every pod's resolv.conf.
const DNS_SERVICE_IP: &str = "10.96.0.10";
/// The node port range (`--service-node-port-range`).
const NODE_PORTS: std::ops::RangeInclusive<i32> = 30000..=32767;
/// The low end of the node port range kept for ports a client asks for by number: the
/// allocator picks from above it first (`calculateRangeOffset`: min(max(16, 2768/32), 128)).
const NODE_PORT_STATIC_BAND: i32 = 86;

fn spec_mut(svc: &mut Service) -> &mut ServiceSpec {
    svc.spec.get_or_insert_with(ServiceSpec::default)
}

fn type_of(spec: &ServiceSpec) -> &str {
    spec.type_.as_deref().unwrap_or("")
}

/// `needsClusterIP`: every type but ExternalName (even a headless Service holds `None`).
fn needs_cluster_ip(spec: &ServiceSpec) -> bool {
    type_of(spec) != "ExternalName"
}

fn needs_node_port(spec: &ServiceSpec) -> bool {
    matches!(type_of(spec), "NodePort" | "LoadBalancer")
}

fn cluster_ips(spec: &ServiceSpec) -> Vec<String> {
    spec.cluster_ips.clone().unwrap_or_default()
}

fn node_port_of(p: &k8s_openapi::api::core::v1::ServicePort) -> i32 {
    p.node_port.unwrap_or(0)
}

fn invalid_service(name: &str, errors: &[FieldError]) -> ApiError {
    ApiError::invalid(&ObjectKind::Service, name, errors)
}

/// `beginCreate`: normalize, initialise the IP families, allocate.
pub(super) fn begin_create(world: &World, name: &str, svc: &mut Service) -> Result<(), ApiError> {
    let spec = spec_mut(svc);
    normalize_cluster_ips(spec, None);
    init_ip_family_fields(spec, None).map_err(|e| invalid_service(name, &e))?;
    if needs_cluster_ip(spec) && !validation::is_headless(spec) {
        alloc_cluster_ips(world, name, spec).map_err(|e| invalid_service(name, &e))?;
    }
    let mut used = allocated_node_ports(world, name);
    if needs_node_port(spec) {
        init_node_ports(spec, &mut used).map_err(|e| invalid_service(name, &e))?;
    }
    if validation::needs_health_check(spec) && spec.health_check_node_port.unwrap_or(0) == 0 {
        spec.health_check_node_port = next_node_port(&used);
    }
    Ok(())
}

/// PUT of a Service: defaults, `beginUpdate`, the strategy's `PrepareForUpdate`, then
/// `ValidateServiceUpdate` (which includes every rule of a create).
pub(super) fn update_service(
    world: &mut World,
    name: &str,
    value: &Value,
    warnings: &mut Vec<String>,
) -> Result<bool, ApiError> {
    let kind = ObjectKind::Service;
    let mut svc: Service = decode(&kind, value)?;
    defaults::default_service(&mut svc);
    let Some(old) = world.store.services.get(name).cloned() else {
        return Err(ApiError::not_found(&kind, name));
    };
    // Quota admission before the allocation, which a refusal would have to undo.
    super::resourcequota::admit_service_update(world, name, &svc, &old)?;
    begin_update(world, name, &mut svc, &old)?;
    drop_type_dependent_fields(
        spec_mut(&mut svc),
        old.spec.as_ref().unwrap_or(&Default::default()),
    );
    let errors = validation::validate_service_update(&svc, &old);
    if !errors.is_empty() {
        return Err(invalid(&kind, name, &errors));
    }
    stored_form(&mut svc);
    // The strategy's `WarningsOnUpdate` (`GetWarningsForService`).
    warnings.extend(crate::sim::api::warnings::warnings_for_service(&svc));
    let value =
        serde_json::to_value(&svc).map_err(|e| ApiError::new(Reason::BadRequest, e.to_string()))?;
    replace_typed::<Service>(world, name, &value)
}

/// What storage keeps of a Service: an empty selector map is not written (a protobuf map
/// with no entry reads back as none), so `selector: {}` is a Service without a selector;
/// the status always has its load balancer.
pub(super) fn stored_form(svc: &mut Service) {
    if let Some(spec) = svc.spec.as_mut() {
        if spec.selector.as_ref().is_some_and(|s| s.is_empty()) {
            spec.selector = None;
        }
    }
    // `ServiceStatus.LoadBalancer` is a struct, which Go's JSON encoder always writes:
    // every Service reads back `status: {loadBalancer: {}}`.
    svc.status
        .get_or_insert_with(Default::default)
        .load_balancer
        .get_or_insert_with(Default::default);
}

/// `beginUpdate`.
fn begin_update(
    world: &World,
    name: &str,
    svc: &mut Service,
    old: &Service,
) -> Result<(), ApiError> {
    let default = ServiceSpec::default();
    let old = old.spec.as_ref().unwrap_or(&default);
    let spec = spec_mut(svc);
    patch_allocated_values(spec, old);
    normalize_cluster_ips(spec, Some(old));
    init_ip_family_fields(spec, Some(old)).map_err(|e| invalid_service(name, &e))?;
    // Only a Service that had no cluster IP (an ExternalName one) gets one on update; a
    // changed cluster IP is refused by validation.
    if type_of(old) == "ExternalName" && needs_cluster_ip(spec) && !validation::is_headless(spec) {
        alloc_cluster_ips(world, name, spec).map_err(|e| invalid_service(name, &e))?;
    }
    let mut used = allocated_node_ports(world, name);
    if needs_node_port(spec) {
        update_node_ports(spec, old, &mut used).map_err(|e| invalid_service(name, &e))?;
    }
    if !validation::needs_health_check(old)
        && validation::needs_health_check(spec)
        && spec.health_check_node_port.unwrap_or(0) == 0
    {
        spec.health_check_node_port = next_node_port(&used);
    }
    Ok(())
}

/// `patchAllocatedValues`: a client that leaves out what the API server allocated (kubectl
/// apply of a manifest without `clusterIP`, which even sends `clusterIP: null` when an
/// earlier apply had one) keeps it, so re-applying a manifest succeeds and a headless
/// Service stays headless.
fn patch_allocated_values(new: &mut ServiceSpec, old: &ServiceSpec) {
    if needs_cluster_ip(old) && needs_cluster_ip(new) {
        if new.cluster_ip.as_deref().unwrap_or("").is_empty() {
            new.cluster_ip = old.cluster_ip.clone();
        }
        if new.cluster_ips.as_ref().is_none_or(|ips| ips.is_empty())
            && old.cluster_ips.as_ref().is_some_and(|ips| !ips.is_empty())
        {
            new.cluster_ips = old.cluster_ips.clone();
        }
    }
    if needs_node_port(old) && needs_node_port(new) {
        // Node ports the new object already names cannot be given to another port.
        let used: BTreeSet<i32> = node_ports(old)
            .intersection(&node_ports(new))
            .copied()
            .collect();
        // Matched by port name: the client may have changed anything else.
        let by_name: BTreeMap<&str, i32> = old
            .ports
            .iter()
            .flatten()
            .map(|p| (p.name.as_deref().unwrap_or(""), node_port_of(p)))
            .collect();
        for p in new.ports.iter_mut().flatten() {
            if node_port_of(p) == 0 {
                let old_value = by_name
                    .get(p.name.as_deref().unwrap_or(""))
                    .copied()
                    .unwrap_or(0);
                if old_value != 0 && !used.contains(&old_value) {
                    p.node_port = Some(old_value);
                }
            }
        }
    }
    if validation::needs_health_check(old)
        && validation::needs_health_check(new)
        && new.health_check_node_port.unwrap_or(0) == 0
    {
        new.health_check_node_port = old.health_check_node_port;
    }
}

/// `normalizeClusterIPs`: a client that sets only `clusterIP` (as most manifests do) gets
/// `clusterIPs` to match.
fn normalize_cluster_ips(new: &mut ServiceSpec, old: Option<&ServiceSpec>) {
    let cluster_ip = new.cluster_ip.clone().unwrap_or_default();
    let Some(old) = old else {
        if !cluster_ip.is_empty() && cluster_ips(new).is_empty() {
            new.cluster_ips = Some(vec![cluster_ip]);
        }
        return;
    };
    let old_ip = old.cluster_ip.clone().unwrap_or_default();
    // A client that does not know the plural field left it out.
    if !cluster_ips(old).is_empty() && cluster_ips(new).is_empty() && old_ip == cluster_ip {
        new.cluster_ips = old.cluster_ips.clone();
    }
    if old_ip != cluster_ip {
        let same_plural = cluster_ips(old) == cluster_ips(new);
        if !old_ip.is_empty() && cluster_ip.is_empty() {
            // Clearing the singular clears the plural the client did not touch.
            if same_plural {
                new.cluster_ips = None;
            }
        } else if same_plural {
            new.cluster_ips = Some(vec![cluster_ip]);
        }
    }
}

/// `isMatchingPreferDualStackClusterIPFields`: an update of a PreferDualStack Service
/// that changes neither its type, its cluster IPs nor its families needs nothing.
fn is_matching_prefer_dual_stack(new: &ServiceSpec, old: Option<&ServiceSpec>) -> bool {
    let Some(old) = old else { return false };
    let prefer = |s: &ServiceSpec| s.ip_family_policy.as_deref() == Some("PreferDualStack");
    new.ip_family_policy.is_some()
        && type_of(old) == type_of(new)
        && matches!(type_of(new), "ClusterIP" | "NodePort" | "LoadBalancer")
        && prefer(new)
        && (old.ip_family_policy.is_none() || prefer(old))
        && cluster_ips(old) == cluster_ips(new)
        && old.ip_families == new.ip_families
}

/// `netutils.IPFamilyOfString`, read sloppily: an IPv4-mapped IPv6 address is IPv4.
fn family_of(ip: &str) -> &'static str {
    if validation::parse_ip_sloppy(ip).is_some_and(|ip| ip.to_v4().is_none()) {
        "IPv6"
    } else {
        "IPv4"
    }
}

/// An IPv4 address as the allocator reads it (`ParseIPSloppy`, so `010.96.0.5` is
/// `10.96.0.5` and `::ffff:10.96.0.5` too).
fn ipv4_of(ip: &str) -> Option<Ipv4Addr> {
    validation::parse_ip_sloppy(ip).and_then(validation::GoIp::to_v4)
}

/// `initIPFamilyFields` on a single-stack IPv4 cluster. The policy defaults to the old
/// one on update, else to `RequireDualStack` for a headless Service without a selector
/// and `SingleStack` for every other one. A headless Service without a selector may list
/// both families even here (its endpoints are whatever its author writes), and unless it
/// is `SingleStack` it gets both; any other Service asking for dual-stack or IPv6 is
/// refused.
fn init_ip_family_fields(
    spec: &mut ServiceSpec,
    old: Option<&ServiceSpec>,
) -> Result<(), Vec<FieldError>> {
    if type_of(spec) == "ExternalName" || is_matching_prefer_dual_stack(spec, old) {
        return Ok(());
    }
    let headless_selectorless = spec.cluster_ip.as_deref() == Some("None")
        && spec.selector.as_ref().is_none_or(|s| s.is_empty());
    if spec.ip_family_policy.is_none() {
        spec.ip_family_policy = match old.and_then(|o| o.ip_family_policy.clone()) {
            Some(policy) => Some(policy),
            None if headless_selectorless => Some("RequireDualStack".into()),
            None => Some("SingleStack".into()),
        };
    }
    let errors = validation::validate_cluster_ips_related_fields(spec);
    if !errors.is_empty() {
        return Err(errors);
    }
    let policy = spec.ip_family_policy.clone().unwrap_or_default();
    let policy_value = quote(&policy);
    let mut errors = Vec::new();
    if let Some(old) = old {
        let (new_ips, old_ips) = (cluster_ips(spec), cluster_ips(old));
        let new_families = spec.ip_families.clone().unwrap_or_default();
        let old_families = old.ip_families.clone().unwrap_or_default();
        if policy == "SingleStack" {
            // With the same fields, asking for one stack is clear intent: keep the first.
            if new_ips == old_ips && new_ips.len() > 1 {
                spec.cluster_ips = Some(new_ips[..1].to_vec());
            }
            if new_families == old_families && new_families.len() > 1 {
                spec.ip_families = Some(new_families[..1].to_vec());
            }
        } else {
            if !new_ips.is_empty() && new_ips.len() < old_ips.len() {
                errors.push(FieldError::invalid(
                    "spec.ipFamilyPolicy",
                    policy_value.clone(),
                    "must be 'SingleStack' to release the secondary cluster IP",
                ));
            }
            if !new_families.is_empty() && new_families.len() < old_families.len() {
                errors.push(FieldError::invalid(
                    "spec.ipFamilyPolicy",
                    policy_value.clone(),
                    "must be 'SingleStack' to release the secondary IP family",
                ));
            }
        }
    }
    if policy == "SingleStack" {
        if cluster_ips(spec).len() == 2 {
            errors.push(FieldError::invalid(
                "spec.ipFamilyPolicy",
                policy_value.clone(),
                "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified",
            ));
        }
        if spec.ip_families.as_ref().is_some_and(|f| f.len() == 2) {
            errors.push(FieldError::invalid(
                "spec.ipFamilyPolicy",
                policy_value.clone(),
                "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified",
            ));
        }
    }
    // Families follow the cluster IPs the client gave.
    let ips = cluster_ips(spec);
    for (i, ip) in ips.iter().enumerate() {
        if ip == "None" {
            break;
        }
        let families = spec.ip_families.get_or_insert_with(Vec::new);
        if i >= families.len() {
            let family = family_of(ip);
            if family == "IPv4" {
                families.push(family.into());
            } else {
                errors.push(FieldError::invalid(
                    format!("spec.clusterIPs[{i}]"),
                    validation::json_list(&ips),
                    format!("{family} is not configured on this cluster"),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if spec.ip_families.as_ref().is_some_and(|f| f.is_empty()) {
        spec.ip_families = None;
    }
    if headless_selectorless {
        let families = spec.ip_families.get_or_insert_with(|| vec!["IPv4".into()]);
        if families.len() < 2 && policy != "SingleStack" {
            let other = if families[0] == "IPv4" {
                "IPv6"
            } else {
                "IPv4"
            };
            families.push(other.into());
        }
        return Ok(());
    }
    if policy == "RequireDualStack" {
        errors.push(FieldError::invalid(
            "spec.ipFamilyPolicy",
            policy_value,
            "this cluster is not configured for dual-stack services",
        ));
    }
    for (i, family) in spec.ip_families.iter().flatten().enumerate() {
        if family != "IPv4" {
            errors.push(FieldError::invalid_str(
                format!("spec.ipFamilies[{i}]"),
                family,
                "not configured on this cluster",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    spec.ip_families.get_or_insert_with(|| vec!["IPv4".into()]);
    Ok(())
}

/// The specs of every Service but `except`: what the allocators count as taken.
fn other_specs<'a>(world: &'a World, except: &'a str) -> impl Iterator<Item = &'a ServiceSpec> {
    world
        .store
        .services
        .iter()
        .filter(move |(name, _)| name.as_str() != except)
        .filter_map(|(_, s)| s.spec.as_ref())
}

/// The cluster IPs the other Services hold, the DNS Service's and the `kubernetes`
/// Service's (which, in another namespace than `default`, is not stored).
fn allocated_ips(world: &World, except: &str) -> BTreeSet<Ipv4Addr> {
    other_specs(world, except)
        .flat_map(|spec| {
            cluster_ips(spec)
                .into_iter()
                .chain(spec.cluster_ip.clone())
                .collect::<Vec<_>>()
        })
        .chain([
            DNS_SERVICE_IP.to_string(),
            crate::sim::dns::KUBERNETES_IP.to_string(),
        ])
        .filter_map(|ip| ipv4_of(&ip))
        .collect()
}

/// `allocClusterIPs` for the one family: the IP the client asked for, if it is free and in
/// the range, else the lowest free one from 10.96.0.2 up (upstream picks at random).
fn alloc_cluster_ips(
    world: &World,
    name: &str,
    spec: &mut ServiceSpec,
) -> Result<(), Vec<FieldError>> {
    let used = allocated_ips(world, name);
    let ips = cluster_ips(spec);
    let ip = match ips.first().filter(|ip| !ip.is_empty()) {
        Some(requested) => {
            if let Err(why) = allocate_ip(requested, &used) {
                return Err(vec![FieldError::invalid(
                    "spec.clusterIPs",
                    validation::json_list(&ips),
                    format!("failed to allocate IP {requested}: {why}"),
                )]);
            }
            requested.clone()
        }
        None => {
            let next = (2u32..(1 << 20) - 1)
                .map(|n| Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 96, 0, 0)) + n))
                .find(|ip| !used.contains(ip))
                .map(|ip| ip.to_string());
            let Some(next) = next else {
                return Err(vec![FieldError::required(
                    "spec.clusterIPs",
                    "failed to allocate a serviceIP: range is full",
                )]);
            };
            next
        }
    };
    spec.cluster_ip = Some(ip.clone());
    spec.cluster_ips = Some(vec![ip]);
    Ok(())
}

/// The service CIDR's allocator (`MetaAllocator.AllocateService`): an address outside the
/// CIDR has no allocator at all; the CIDR's network and broadcast addresses are outside the
/// allocator's range.
fn allocate_ip(requested: &str, used: &BTreeSet<Ipv4Addr>) -> Result<(), String> {
    let Some(ip) = ipv4_of(requested) else {
        return Err("the provided network does not match the current range".into());
    };
    let n = u32::from(ip);
    let base = u32::from(Ipv4Addr::new(10, 96, 0, 0));
    if n & 0xfff0_0000 != base {
        return Err("the provided network does not match the current range".into());
    }
    if n == base || n == base | 0x000f_ffff {
        return Err(format!(
            "the provided IP ({ip}) is not in the valid range. The range of valid IPs is {SERVICE_CIDR}"
        ));
    }
    if used.contains(&ip) {
        return Err("provided IP is already allocated".into());
    }
    Ok(())
}

/// The node ports the other Services hold (their ports' and health checks').
/// The node ports a Service's ports hold (0, unset, is none).
fn node_ports(spec: &ServiceSpec) -> BTreeSet<i32> {
    spec.ports
        .iter()
        .flatten()
        .map(node_port_of)
        .filter(|np| *np != 0)
        .collect()
}

fn allocated_node_ports(world: &World, except: &str) -> BTreeSet<i32> {
    other_specs(world, except)
        .flat_map(|spec| {
            spec.ports
                .iter()
                .flatten()
                .map(node_port_of)
                .chain(spec.health_check_node_port)
                .filter(|np| *np != 0)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The port allocator's next free port: scn takes the lowest free one above the static
/// band, then the lowest free one in it (upstream picks at random in the same order).
fn next_node_port(used: &BTreeSet<i32>) -> Option<i32> {
    let split = NODE_PORTS.start() + NODE_PORT_STATIC_BAND;
    (split..=*NODE_PORTS.end())
        .chain(*NODE_PORTS.start()..split)
        .find(|p| !used.contains(p))
}

/// The port allocator's `Allocate` of a port asked for by number.
fn allocate_node_port(
    i: usize,
    port: i32,
    used: &mut BTreeSet<i32>,
) -> Result<(), Vec<FieldError>> {
    let why = if !NODE_PORTS.contains(&port) {
        format!(
            "provided port is not in the valid range. The range of valid ports is {}-{}",
            NODE_PORTS.start(),
            NODE_PORTS.end()
        )
    } else if !used.insert(port) {
        "provided port is already allocated".to_string()
    } else {
        return Ok(());
    };
    Err(vec![FieldError::invalid(
        format!("spec.ports[{i}].nodePort"),
        port.to_string(),
        why,
    )])
}

fn allocate_next_node_port(used: &mut BTreeSet<i32>) -> Result<i32, Vec<FieldError>> {
    let Some(port) = next_node_port(used) else {
        return Err(vec![FieldError::required(
            "spec.ports",
            "failed to allocate a nodePort: range is full",
        )]);
    };
    used.insert(port);
    Ok(port)
}

/// `shouldAllocateNodePorts`: every NodePort Service; a LoadBalancer unless it opts out.
fn should_allocate_node_ports(spec: &ServiceSpec) -> bool {
    match type_of(spec) {
        "NodePort" => true,
        "LoadBalancer" => spec.allocate_load_balancer_node_ports.unwrap_or(true),
        _ => false,
    }
}

/// `initNodePorts`: each port gets a node port; ports with the same number (TCP and UDP
/// 53) share one.
fn init_node_ports(
    spec: &mut ServiceSpec,
    used: &mut BTreeSet<i32>,
) -> Result<(), Vec<FieldError>> {
    let allocate = should_allocate_node_ports(spec);
    let requested: Vec<(i32, i32)> = spec
        .ports
        .iter()
        .flatten()
        .map(|p| (p.port, node_port_of(p)))
        .collect();
    let mut by_port: BTreeMap<i32, i32> = BTreeMap::new();
    for (i, p) in spec.ports.iter_mut().flatten().enumerate() {
        let node_port = node_port_of(p);
        if node_port == 0 && !allocate {
            continue;
        }
        match by_port.get(&p.port).copied() {
            None => {
                let asked = requested
                    .iter()
                    .find(|(port, np)| *port == p.port && *np != 0)
                    .map_or(0, |(_, np)| *np);
                let np = if asked != 0 {
                    allocate_node_port(i, asked, used)?;
                    asked
                } else {
                    allocate_next_node_port(used)?
                };
                p.node_port = Some(np);
                by_port.insert(p.port, np);
            }
            Some(shared) if node_port != shared => {
                if node_port == 0 {
                    p.node_port = Some(shared);
                } else {
                    allocate_node_port(i, node_port, used)?;
                }
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// `updateNodePorts`: ports the old object held stay theirs; new ones are allocated.
fn update_node_ports(
    spec: &mut ServiceSpec,
    old: &ServiceSpec,
    used: &mut BTreeSet<i32>,
) -> Result<(), Vec<FieldError>> {
    let allocate = should_allocate_node_ports(spec);
    let old_ports: BTreeSet<i32> = old.ports.iter().flatten().map(node_port_of).collect();
    let mut taken: BTreeSet<i32> = BTreeSet::new();
    for (i, p) in spec.ports.iter_mut().flatten().enumerate() {
        let node_port = node_port_of(p);
        if node_port == 0 && !allocate {
            continue;
        }
        if node_port != 0 {
            if !old_ports.contains(&node_port) && !taken.contains(&node_port) {
                allocate_node_port(i, node_port, used)?;
                taken.insert(node_port);
            }
        } else {
            p.node_port = Some(allocate_next_node_port(used)?);
        }
    }
    Ok(())
}

/// `dropTypeDependentFields`: a Service whose type changes loses the fields the new type
/// does not use, unless the client also changed them (validation then speaks).
fn drop_type_dependent_fields(new: &mut ServiceSpec, old: &ServiceSpec) {
    if needs_cluster_ip(old) && !needs_cluster_ip(new) {
        if old.cluster_ip == new.cluster_ip && cluster_ips(old) == cluster_ips(new) {
            new.cluster_ip = None;
            new.cluster_ips = None;
        }
        if old.ip_families == new.ip_families {
            new.ip_families = None;
        }
        if old.ip_family_policy == new.ip_family_policy {
            new.ip_family_policy = None;
        }
    }
    if needs_node_port(old)
        && !needs_node_port(new)
        && node_ports(old).is_superset(&node_ports(new))
    {
        for p in new.ports.iter_mut().flatten() {
            p.node_port = None;
        }
    }
    if validation::needs_health_check(old)
        && !validation::needs_health_check(new)
        && old.health_check_node_port == new.health_check_node_port
    {
        new.health_check_node_port = None;
    }
    if type_of(old) == "LoadBalancer" && type_of(new) != "LoadBalancer" {
        if new.allocate_load_balancer_node_ports.is_some()
            && new.allocate_load_balancer_node_ports == old.allocate_load_balancer_node_ports
        {
            new.allocate_load_balancer_node_ports = None;
        }
        if new.load_balancer_class == old.load_balancer_class {
            new.load_balancer_class = None;
        }
    }
    if validation::externally_accessible(old)
        && !validation::externally_accessible(new)
        && old.external_traffic_policy == new.external_traffic_policy
    {
        new.external_traffic_policy = None;
    }
}
