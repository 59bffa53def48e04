//! Service validation (`pkg/apis/core/validation/validation.go`: `ValidateService`,
//! `ValidateServiceClusterIPsRelatedFields`, `ValidateServiceUpdate`).
//!
//! Values in messages are rendered as the API server renders them since v1.34: strings
//! quoted, integers bare, lists and structures as JSON (`field.ErrorBody`), so a list of
//! cluster IPs reads `["None"]`.

use std::collections::HashSet;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::super::field_error::FieldError;
use super::super::validation_ranges::port_name_errors;
use super::ip::{is_ipv6_string, non_special_ip_errors, parse_ip_sloppy, INVALID_IP};
use super::names::{
    dns1123_label_errors, dns1123_subdomain_errors, qualified_name_errors, validate_labels,
    PORT_RANGE_MSG,
};

const TYPES: [&str; 4] = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

/// A list of strings as the API server prints it in a message (JSON).
pub fn json_list(items: &[String]) -> String {
    super::render::go_json(&serde_json::json!(items))
}

fn type_of(spec: &ServiceSpec) -> &str {
    spec.type_.as_deref().unwrap_or("")
}

fn cluster_ips(spec: &ServiceSpec) -> &[String] {
    spec.cluster_ips.as_deref().unwrap_or(&[])
}

/// `isHeadlessService`: exactly one cluster IP, `None`.
pub fn is_headless(spec: &ServiceSpec) -> bool {
    matches!(cluster_ips(spec), [only] if only == "None")
}

/// `apiservice.ExternallyAccessible`: NodePort and LoadBalancer, and a ClusterIP Service
/// with external IPs.
pub fn externally_accessible(spec: &ServiceSpec) -> bool {
    match type_of(spec) {
        "NodePort" | "LoadBalancer" => true,
        "ClusterIP" => spec
            .external_ips
            .as_ref()
            .is_some_and(|ips| !ips.is_empty()),
        _ => false,
    }
}

/// `apiservice.NeedsHealthCheck`: a LoadBalancer whose external traffic stays local.
pub fn needs_health_check(spec: &ServiceSpec) -> bool {
    type_of(spec) == "LoadBalancer" && spec.external_traffic_policy.as_deref() == Some("Local")
}

/// `%v`-free JSON of the internal `core.ServicePort` key the duplicate check builds
/// (protocol and port only; Go field names, as the internal type has no JSON tags).
fn port_key_json(protocol: &str, port: i32) -> String {
    format!(
        "{{\"Name\":\"\",\"Protocol\":{},\"AppProtocol\":null,\"Port\":{port},\"TargetPort\":0,\"NodePort\":0}}",
        serde_json::to_string(protocol).unwrap_or_default()
    )
}

/// `ValidateService`, on a Service as it is after defaulting and the allocator's
/// normalization (`clusterIPs` follows `clusterIP`).
pub fn validate_service(svc: &Service) -> Vec<FieldError> {
    // `ValidateObjectMeta`: the name, labels, annotations.
    let mut errs = super::objectmeta::validate_object_meta("Service", &svc.metadata);
    let default = ServiceSpec::default();
    let spec = svc.spec.as_ref().unwrap_or(&default);
    let ty = type_of(spec);
    let headless = is_headless(spec);
    let ports = spec.ports.as_deref().unwrap_or(&[]);

    if ports.is_empty() && !headless && ty != "ExternalName" {
        errs.push(FieldError::required("spec.ports", ""));
    }
    match ty {
        "LoadBalancer" | "NodePort" if headless => errs.push(FieldError::invalid_str(
            "spec.clusterIPs[0]",
            "None",
            format!("may not be set to 'None' for {ty} services"),
        )),
        "ExternalName" => {
            if !cluster_ips(spec).is_empty() {
                errs.push(FieldError::forbidden(
                    "spec.clusterIPs",
                    "may not be set for ExternalName services",
                ));
            }
            if spec.ip_families.as_ref().is_some_and(|f| !f.is_empty()) {
                errs.push(FieldError::forbidden(
                    "spec.ipFamilies",
                    "may not be set for ExternalName services",
                ));
            }
            if spec.ip_family_policy.is_some() {
                errs.push(FieldError::forbidden(
                    "spec.ipFamilyPolicy",
                    "may not be set for ExternalName services",
                ));
            }
            // The value (a CNAME) may end with a dot, to say it is fully qualified.
            let external = spec.external_name.as_deref().unwrap_or("");
            let cname = external.strip_suffix('.').unwrap_or(external);
            if cname.is_empty() {
                errs.push(FieldError::required("spec.externalName", ""));
            } else {
                for e in dns1123_subdomain_errors(cname) {
                    errs.push(FieldError::invalid_str("spec.externalName", cname, e));
                }
            }
        }
        _ => {}
    }

    let mut names: HashSet<&str> = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        validate_service_port(
            p,
            ports.len() > 1,
            &mut names,
            &format!("spec.ports[{i}]"),
            &mut errs,
        );
    }
    if spec.selector.is_some() {
        errs.extend(validate_labels(spec.selector.as_ref(), "spec.selector"));
    }

    let affinity = spec.session_affinity.as_deref().unwrap_or("");
    if affinity.is_empty() {
        errs.push(FieldError::required("spec.sessionAffinity", ""));
    } else if !["ClientIP", "None"].contains(&affinity) {
        errs.push(FieldError::unsupported(
            "spec.sessionAffinity",
            affinity,
            &["ClientIP", "None"],
        ));
    }
    let config = spec.session_affinity_config.as_ref();
    if affinity == "ClientIP" {
        let path = "spec.sessionAffinityConfig";
        let detail = "when session affinity type is ClientIP";
        match config.map(|c| c.client_ip.as_ref()) {
            None => errs.push(FieldError::required(path, detail)),
            Some(None) => errs.push(FieldError::required(format!("{path}.clientIP"), detail)),
            Some(Some(client)) => {
                let timeout = client.timeout_seconds.unwrap_or(0);
                if !(1..=86400).contains(&timeout) {
                    errs.push(FieldError::invalid(
                        format!("{path}.clientIP.timeoutSeconds"),
                        timeout.to_string(),
                        "must be greater than 0 and less than 86400",
                    ));
                }
            }
        }
    } else if affinity == "None" && config.is_some() {
        errs.push(FieldError::forbidden(
            "spec.sessionAffinityConfig",
            "must not be set when session affinity is None",
        ));
    }

    errs.extend(validate_cluster_ips_related_fields(spec));

    // `IsValidIP` (`ParseIPSloppy`), then `ValidateNonSpecialIP` for an address that parses.
    for (i, ip) in spec.external_ips.iter().flatten().enumerate() {
        let path = format!("spec.externalIPs[{i}]");
        if parse_ip_sloppy(ip).is_none() {
            errs.push(FieldError::invalid_str(path, ip, INVALID_IP));
        } else {
            errs.extend(non_special_ip_errors(ip, &path));
        }
    }

    if ty.is_empty() {
        errs.push(FieldError::required("spec.type", ""));
    } else if !TYPES.contains(&ty) {
        errs.push(FieldError::unsupported("spec.type", ty, &TYPES));
    }

    if ty == "ClusterIP" {
        for (i, p) in ports.iter().enumerate() {
            if p.node_port.unwrap_or(0) != 0 {
                errs.push(FieldError::forbidden(
                    format!("spec.ports[{i}].nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    // Duplicate node ports, then duplicate ports, each keyed by (protocol, number).
    let mut node_ports: HashSet<(&str, i32)> = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        let np = p.node_port.unwrap_or(0);
        if np != 0 && !node_ports.insert((p.protocol.as_deref().unwrap_or(""), np)) {
            errs.push(FieldError::duplicate_with_detail(
                format!("spec.ports[{i}].nodePort"),
                np.to_string(),
                "",
            ));
        }
    }
    let mut seen: HashSet<(&str, i32)> = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        let protocol = p.protocol.as_deref().unwrap_or("");
        if !seen.insert((protocol, p.port)) {
            errs.push(FieldError::duplicate_with_detail(
                format!("spec.ports[{i}]"),
                port_key_json(protocol, p.port),
                "",
            ));
        }
    }

    if spec
        .load_balancer_source_ranges
        .as_ref()
        .is_some_and(|r| !r.is_empty())
        && ty != "LoadBalancer"
    {
        errs.push(FieldError::forbidden(
            "spec.LoadBalancerSourceRanges",
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    if spec.allocate_load_balancer_node_ports.is_some() && ty != "LoadBalancer" {
        errs.push(FieldError::forbidden(
            "spec.allocateLoadBalancerNodePorts",
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    if ty == "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_none() {
        // Upstream's path really lacks the `spec.` prefix.
        errs.push(FieldError::required("allocateLoadBalancerNodePorts", ""));
    }
    // `validateLoadBalancerClassField`.
    match spec.load_balancer_class.as_deref() {
        Some(class) if ty == "LoadBalancer" => {
            for e in qualified_name_errors(class) {
                errs.push(FieldError::invalid_str("spec.loadBalancerClass", class, e));
            }
        }
        Some(_) => errs.push(FieldError::forbidden(
            "spec.loadBalancerClass",
            "may only be used when `type` is 'LoadBalancer'",
        )),
        None => {}
    }

    validate_external_traffic_policy(spec, &mut errs);

    match spec.internal_traffic_policy.as_deref() {
        None if ["NodePort", "LoadBalancer", "ClusterIP"].contains(&ty) => {
            errs.push(FieldError::required("spec.internalTrafficPolicy", ""));
        }
        Some(policy) if !["Cluster", "Local"].contains(&policy) => {
            errs.push(FieldError::unsupported(
                "spec.internalTrafficPolicy",
                policy,
                &["Cluster", "Local"],
            ));
        }
        _ => {}
    }

    // `validateServiceTrafficDistribution`, with `PreferSameTrafficDistribution` on (GA
    // and locked since v1.35): the three values, in the API's order.
    const TRAFFIC_DISTRIBUTIONS: [&str; 3] = ["PreferClose", "PreferSameZone", "PreferSameNode"];
    if let Some(td) = spec.traffic_distribution.as_deref() {
        errs.extend(FieldError::unless_supported(
            td,
            &TRAFFIC_DISTRIBUTIONS,
            || "spec.trafficDistribution",
        ));
    }
    errs
}

/// `validateServicePort`.
fn validate_service_port<'a>(
    p: &'a ServicePort,
    require_name: bool,
    names: &mut HashSet<&'a str>,
    pp: &str,
    errs: &mut Vec<FieldError>,
) {
    let name = p.name.as_deref().unwrap_or("");
    if require_name && name.is_empty() {
        errs.push(FieldError::required(format!("{pp}.name"), ""));
    } else if !name.is_empty() {
        for e in dns1123_label_errors(name) {
            errs.push(FieldError::invalid_str(format!("{pp}.name"), name, e));
        }
        if !names.insert(name) {
            errs.push(FieldError::duplicate(format!("{pp}.name"), name));
        }
    }
    errs.extend(super::names::port_and_protocol_errors(
        pp,
        p.port,
        p.protocol.as_deref(),
    ));
    // `ValidatePortNumOrName`: a number in range, or an IANA service name.
    match &p.target_port {
        Some(IntOrString::Int(t)) if !(1..=65535).contains(t) => errs.push(FieldError::invalid(
            format!("{pp}.targetPort"),
            t.to_string(),
            PORT_RANGE_MSG,
        )),
        Some(IntOrString::String(s)) => {
            for e in port_name_errors(s) {
                errs.push(FieldError::invalid_str(format!("{pp}.targetPort"), s, e));
            }
        }
        _ => {}
    }
    if let Some(app) = p.app_protocol.as_deref() {
        for e in qualified_name_errors(app) {
            errs.push(FieldError::invalid_str(format!("{pp}.appProtocol"), app, e));
        }
    }
}

/// `validateServiceExternalTrafficPolicy`.
fn validate_external_traffic_policy(spec: &ServiceSpec, errs: &mut Vec<FieldError>) {
    let policy = spec.external_traffic_policy.as_deref().unwrap_or("");
    if !externally_accessible(spec) {
        if !policy.is_empty() {
            errs.push(FieldError::invalid_str(
                "spec.externalTrafficPolicy",
                policy,
                "may only be set for externally-accessible services",
            ));
        }
    } else if policy.is_empty() {
        errs.push(FieldError::required("spec.externalTrafficPolicy", ""));
    } else if !["Cluster", "Local"].contains(&policy) {
        errs.push(FieldError::unsupported(
            "spec.externalTrafficPolicy",
            policy,
            &["Cluster", "Local"],
        ));
    }
    let hc = spec.health_check_node_port.unwrap_or(0);
    if !needs_health_check(spec) {
        if hc != 0 {
            errs.push(FieldError::invalid(
                "spec.healthCheckNodePort",
                hc.to_string(),
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
            ));
        }
    } else if hc == 0 {
        errs.push(FieldError::required("spec.healthCheckNodePort", ""));
    } else if !(1..=65535).contains(&hc) {
        errs.push(FieldError::invalid(
            "spec.healthCheckNodePort",
            hc.to_string(),
            PORT_RANGE_MSG,
        ));
    }
}

/// `ValidateServiceClusterIPsRelatedFields`: `clusterIP` and `clusterIPs` agree, families
/// and policy are known values, the IPs are valid (`None` only alone), at most one per
/// family, and each matches its family. Nothing to check for ExternalName (its own rules
/// forbid the fields).
pub fn validate_cluster_ips_related_fields(spec: &ServiceSpec) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if type_of(spec) == "ExternalName" {
        return errs;
    }
    let ips = cluster_ips(spec);
    let cluster_ip = spec.cluster_ip.as_deref().unwrap_or("");
    if !cluster_ip.is_empty() {
        if ips.is_empty() {
            errs.push(FieldError::required("spec.clusterIPs", ""));
        } else if ips[0] != cluster_ip {
            errs.push(FieldError::invalid(
                "spec.clusterIPs",
                json_list(ips),
                "first value must match `clusterIP`",
            ));
        }
    } else if !ips.is_empty() {
        errs.push(FieldError::invalid(
            "spec.clusterIPs",
            json_list(ips),
            "must be empty when `clusterIP` is not specified",
        ));
    }
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, family) in spec.ip_families.iter().flatten().enumerate() {
        let path = format!("spec.ipFamilies[{i}]");
        errs.extend(FieldError::unless_supported(
            family.as_str(),
            &["IPv4", "IPv6"],
            || &path,
        ));
        if !seen.insert(family) {
            errs.push(FieldError::duplicate(&path, family));
        }
    }
    if let Some(policy) = spec.ip_family_policy.as_deref() {
        let supported = ["PreferDualStack", "RequireDualStack", "SingleStack"];
        errs.extend(FieldError::unless_supported(policy, &supported, || {
            "spec.ipFamilyPolicy"
        }));
    }
    let mut invalid_ips = false;
    for (i, ip) in ips.iter().enumerate() {
        if i == 0 && ip == "None" {
            if ips.len() > 1 {
                invalid_ips = true;
                errs.push(FieldError::invalid(
                    "spec.clusterIPs",
                    json_list(ips),
                    "'None' must be the first and only value",
                ));
            }
            continue;
        }
        // `IsValidIPForLegacyField` with StrictIPCIDRValidation off (v1.36's default):
        // `ParseIPSloppy`, so IPv4 leading zeros pass (and are warned about).
        if parse_ip_sloppy(ip).is_none() {
            invalid_ips = true;
            errs.push(FieldError::invalid_str(
                format!("spec.clusterIPs[{i}]"),
                ip,
                INVALID_IP,
            ));
        }
    }
    if ips.len() > 2 {
        errs.push(FieldError::invalid(
            "spec.clusterIPs",
            json_list(ips),
            "may only hold up to 2 values",
        ));
    }
    if invalid_ips {
        return errs;
    }
    if ips.len() > 1 {
        let v6: Vec<bool> = ips.iter().map(|ip| is_ipv6_string(ip)).collect();
        if ips.len() != 2 || v6[0] == v6[1] {
            errs.push(FieldError::invalid(
                "spec.clusterIPs",
                json_list(ips),
                "may specify no more than one IP for each IP family",
            ));
        }
    }
    if !is_headless(spec) {
        let families = spec.ip_families.as_deref().unwrap_or(&[]);
        for (i, (ip, family)) in ips.iter().zip(families).enumerate() {
            let is_v6 = is_ipv6_string(ip);
            let expected = match family.as_str() {
                "IPv4" if is_v6 => "IPv4",
                "IPv6" if !is_v6 => "IPv6",
                _ => continue,
            };
            errs.push(FieldError::invalid_str(
                format!("spec.clusterIPs[{i}]"),
                ip,
                format!("expected an {expected} value as indicated by `ipFamilies[{i}]`"),
            ));
        }
    }
    errs
}

/// `ValidateServiceUpdate`: the update-only rules (a cluster IP and a family, once set,
/// stay; a health check node port in use stays), then every rule of a create.
pub fn validate_service_update(svc: &Service, old: &Service) -> Vec<FieldError> {
    let default = ServiceSpec::default();
    let new_spec = svc.spec.as_ref().unwrap_or(&default);
    let old_spec = old.spec.as_ref().unwrap_or(&default);
    let mut errs = upgrade_downgrade_cluster_ips(old_spec, new_spec);
    errs.extend(upgrade_downgrade_ip_families(old_spec, new_spec));
    // A load balancer's class stays while the Service stays a LoadBalancer.
    if type_of(old_spec) == "LoadBalancer"
        && type_of(new_spec) == "LoadBalancer"
        && old_spec.load_balancer_class != new_spec.load_balancer_class
    {
        errs.push(FieldError::invalid(
            "spec.loadBalancerClass",
            new_spec
                .load_balancer_class
                .as_deref()
                .map_or_else(|| "null".to_string(), super::super::field_error::quote),
            "may not change once set",
        ));
    }
    if needs_health_check(old_spec)
        && needs_health_check(new_spec)
        && new_spec.health_check_node_port != old_spec.health_check_node_port
    {
        errs.push(FieldError::forbidden(
            "spec.healthCheckNodePort",
            "field is immutable",
        ));
    }
    errs.extend(validate_service(svc));
    errs
}

/// `validateUpgradeDowngradeClusterIPs`: the primary cluster IP may not change (a
/// ClusterIP Service cannot become headless, nor the reverse); the secondary may come and
/// go with the policy.
fn upgrade_downgrade_cluster_ips(old: &ServiceSpec, new: &ServiceSpec) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if type_of(new) == "ExternalName" || type_of(old) == "ExternalName" {
        return errs;
    }
    if is_headless(old) && is_headless(new) {
        return errs;
    }
    let (old_ips, new_ips) = (cluster_ips(old), cluster_ips(new));
    let changed = |errs: &mut Vec<FieldError>, i: usize| {
        errs.push(FieldError::invalid(
            format!("spec.clusterIPs[{i}]"),
            json_list(new_ips),
            "may not change once set",
        ));
    };
    if old_ips.len() == new_ips.len() {
        for (i, ip) in old_ips.iter().enumerate() {
            if *ip != new_ips[i] {
                changed(&mut errs, i);
            }
        }
    } else if old_ips.len() > new_ips.len() {
        if new_ips.is_empty() {
            errs.push(FieldError::invalid(
                "spec.clusterIPs[0]",
                json_list(new_ips),
                "primary clusterIP can not be unset",
            ));
        }
        if !old_ips.is_empty() && !new_ips.is_empty() && new_ips[0] != old_ips[0] {
            changed(&mut errs, 0);
        }
        if new_ips.len() == 1 && new.ip_family_policy.as_deref() != Some("SingleStack") {
            errs.push(FieldError::invalid(
                "spec.ipFamilyPolicy",
                policy_value(new),
                "must be set to 'SingleStack' when releasing the secondary clusterIP",
            ));
        }
    } else if !old_ips.is_empty() && new_ips[0] != old_ips[0] {
        changed(&mut errs, 0);
    }
    errs
}

/// A policy as a message shows it: quoted, or `null` when unset.
fn policy_value(spec: &ServiceSpec) -> String {
    spec.ip_family_policy
        .as_deref()
        .map_or_else(|| "null".to_string(), super::super::field_error::quote)
}

/// `validateUpgradeDowngradeIPFamilies`: the primary family of a Service with a cluster
/// IP may not change (a headless one may change families freely).
fn upgrade_downgrade_ip_families(old: &ServiceSpec, new: &ServiceSpec) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if type_of(new) == "ExternalName" || type_of(old) == "ExternalName" {
        return errs;
    }
    if is_headless(old) != is_headless(new) || is_headless(new) {
        return errs;
    }
    let old_families = old.ip_families.as_deref().unwrap_or(&[]);
    let new_families = new.ip_families.as_deref().unwrap_or(&[]);
    let path = "spec.ipFamilies[0]";
    if old_families.len() == new_families.len() {
        for (i, family) in old_families.iter().enumerate() {
            if *family != new_families[i] {
                errs.push(FieldError::invalid(
                    path,
                    json_list(new_families),
                    "may not change once set",
                ));
            }
        }
    } else if old_families.len() > new_families.len() {
        if cluster_ips(new).is_empty() {
            errs.push(FieldError::invalid(
                path,
                json_list(new_families),
                "primary ipFamily can not be unset",
            ));
        }
        if !new_families.is_empty() && new_families[0] != old_families[0] {
            errs.push(FieldError::invalid(
                path,
                json_list(cluster_ips(new)),
                "may not change once set",
            ));
        }
        if new_families.len() == 1 && new.ip_family_policy.as_deref() != Some("SingleStack") {
            errs.push(FieldError::invalid(
                "spec.ipFamilyPolicy",
                policy_value(new),
                "must be set to 'SingleStack' when releasing the secondary ipFamily",
            ));
        }
    } else if !old_families.is_empty() && new_families[0] != old_families[0] {
        errs.push(FieldError::invalid(
            path,
            json_list(cluster_ips(new)),
            "may not change once set",
        ));
    }
    errs
}

/// `ValidateServiceStatusUpdate` → `ValidateLoadBalancerStatus` (with
/// `AllowServiceLBStatusOnNonLB` off and `LoadBalancerIPMode` on, the v1.36 defaults): an
/// ingress only on a LoadBalancer; each ingress `ip` an IP address, with an `ipMode` (`VIP`
/// or `Proxy`), and a `hostname` a DNS name that is not an IP address.
pub fn validate_service_status(svc: &Service) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let ingress = svc
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_deref())
        .unwrap_or_default();
    let path = "status.loadBalancer.ingress";
    let is_lb = svc
        .spec
        .as_ref()
        .is_some_and(|s| type_of(s) == "LoadBalancer");
    if !is_lb && !ingress.is_empty() {
        errs.push(FieldError::forbidden(
            path,
            "may only be used when `spec.type` is 'LoadBalancer'",
        ));
        return errs;
    }
    for (i, item) in ingress.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let ip = item.ip.as_deref().unwrap_or_default();
        if !ip.is_empty() && parse_ip_sloppy(ip).is_none() {
            errs.push(FieldError::invalid_str(format!("{at}.ip"), ip, INVALID_IP));
        }
        match item.ip_mode.as_deref() {
            None if !ip.is_empty() => errs.push(FieldError::required(
                format!("{at}.ipMode"),
                "must be specified when `ip` is set",
            )),
            Some(_) if ip.is_empty() => errs.push(FieldError::forbidden(
                format!("{at}.ipMode"),
                "may not be specified when `ip` is not set",
            )),
            Some(mode) if !["Proxy", "VIP"].contains(&mode) => errs.push(FieldError::unsupported(
                format!("{at}.ipMode"),
                mode,
                &["Proxy", "VIP"],
            )),
            _ => {}
        }
        if let Some(host) = item.hostname.as_deref().filter(|h| !h.is_empty()) {
            for message in dns1123_subdomain_errors(host) {
                errs.push(FieldError::invalid_str(
                    format!("{at}.hostname"),
                    host,
                    message,
                ));
            }
            if parse_ip_sloppy(host).is_some() {
                errs.push(FieldError::invalid_str(
                    format!("{at}.hostname"),
                    host,
                    "must be a DNS name, not an IP address",
                ));
            }
        }
    }
    errs
}
