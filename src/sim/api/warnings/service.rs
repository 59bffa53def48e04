//! A Service's warnings (upstream `pkg/api/service/warnings.go`, `GetWarningsForService`,
//! on create and on update alike), in upstream's order: the deprecated topology annotation,
//! non-standard cluster IPs, fields a headless Service ignores, non-standard external IPs,
//! the deprecated `externalIPs` (KEP-5707, v1.36), a non-standard `loadBalancerIP`, the
//! fields that do not go with the Service's type, and the deprecated `PreferClose`
//! traffic distribution (KEP-3015, kubernetes/kubernetes#134457, v1.35).

use k8s_openapi::api::core::v1::Service;

use super::super::validation::warnings_for_ip;

/// `api.DeprecatedAnnotationTopologyAwareHints` and `api.AnnotationTopologyMode`.
const TOPOLOGY_AWARE_HINTS: &str = "service.kubernetes.io/topology-aware-hints";
const TOPOLOGY_MODE: &str = "service.kubernetes.io/topology-mode";

/// `GetWarningsForService`, on the Service as the request stored it (defaulted).
pub fn warnings_for_service(svc: &Service) -> Vec<String> {
    let mut out = Vec::new();
    let annotations = svc.metadata.annotations.as_ref();
    if annotations.is_some_and(|a| a.contains_key(TOPOLOGY_AWARE_HINTS)) {
        out.push(format!(
            "annotation {TOPOLOGY_AWARE_HINTS} is deprecated, please use {TOPOLOGY_MODE} instead"
        ));
    }
    let Some(spec) = &svc.spec else {
        return out;
    };
    let ty = spec.type_.as_deref().unwrap_or("");
    let cluster_ip = spec.cluster_ip.as_deref().unwrap_or("");
    let external_ips = spec.external_ips.as_deref().unwrap_or_default();
    let lb_ip = spec.load_balancer_ip.as_deref().unwrap_or("");
    // `helper.IsServiceIPSet`.
    if !cluster_ip.is_empty() && cluster_ip != "None" {
        for (i, ip) in spec.cluster_ips.iter().flatten().enumerate() {
            out.extend(warnings_for_ip(&format!("spec.clusterIPs[{i}]"), ip));
        }
    }
    // `isHeadlessService`: a ClusterIP Service whose cluster IP is `None`.
    let headless = ty == "ClusterIP" && cluster_ip == "None";
    if headless {
        if !lb_ip.is_empty() {
            out.push("spec.loadBalancerIP is ignored for headless services".to_string());
        }
        if !external_ips.is_empty() {
            out.push("spec.externalIPs is ignored for headless services".to_string());
        }
        if spec.session_affinity.as_deref().unwrap_or("") != "None" {
            out.push("spec.SessionAffinity is ignored for headless services".to_string());
        }
    }
    for (i, ip) in external_ips.iter().enumerate() {
        out.extend(warnings_for_ip(&format!("spec.externalIPs[{i}]"), ip));
    }
    if !external_ips.is_empty() && !headless && ty != "ExternalName" {
        out.push(
            "spec.externalIPs is deprecated and may no longer be implemented in some clusters"
                .to_string(),
        );
    }
    if !lb_ip.is_empty() {
        out.extend(warnings_for_ip("spec.loadBalancerIP", lb_ip));
    }
    if ty == "ExternalName" && !external_ips.is_empty() {
        out.push("spec.externalIPs is ignored when spec.type is \"ExternalName\"".to_string());
    }
    if ty != "ExternalName" && !spec.external_name.as_deref().unwrap_or("").is_empty() {
        out.push("spec.externalName is ignored when spec.type is not \"ExternalName\"".to_string());
    }
    if spec.traffic_distribution.as_deref() == Some("PreferClose") {
        out.push(
            "spec.trafficDistribution: \"PreferClose\" is deprecated; use \"PreferSameZone\""
                .to_string(),
        );
    }
    out
}
