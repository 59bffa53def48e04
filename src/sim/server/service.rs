//! The Service strategy's ClusterIP allocation (`pkg/registry/core/service/ipallocator`)
//! and IP families (`storage/alloc.go` `initIPFamilyFields`).

use super::*;

/// ClusterIPs come from 10.96.0.0/12 in order, skipping .1 (kubernetes) and .10 (DNS).
pub(super) fn allocate_cluster_ip(world: &World, svc: &mut Service) {
    let Some(spec) = svc.spec.as_mut() else {
        return;
    };
    init_ip_families(spec);
    if spec.cluster_ip.as_deref() == Some("None") {
        spec.cluster_ips = Some(vec!["None".into()]);
        return;
    }
    if spec.cluster_ip.as_deref().is_some_and(|ip| !ip.is_empty()) {
        return;
    }
    let used: std::collections::BTreeSet<&str> = world
        .store
        .services
        .values()
        .filter_map(|s| s.spec.as_ref()?.cluster_ip.as_deref())
        .collect();
    let ip = (2u32..(1 << 20))
        .filter(|n| *n != 10)
        .map(|n| format!("10.{}.{}.{}", 96 + (n >> 16), (n >> 8) & 0xff, n & 0xff))
        .find(|ip| !used.contains(ip.as_str()));
    if let Some(ip) = ip {
        spec.cluster_ip = Some(ip.clone());
        spec.cluster_ips = Some(vec![ip]);
    }
}

/// `initIPFamilyFields` on a single-stack IPv4 cluster: an ExternalName Service has none;
/// a headless Service without a selector is `RequireDualStack` over the cluster's families
/// (IPv4 only here); every other one `SingleStack`, `[IPv4]`. What the user set is kept.
fn init_ip_families(spec: &mut k8s_openapi::api::core::v1::ServiceSpec) {
    if spec.type_.as_deref() == Some("ExternalName") {
        return;
    }
    let headless = spec.cluster_ip.as_deref() == Some("None");
    let selectorless = spec.selector.as_ref().is_none_or(|s| s.is_empty());
    if spec.ip_family_policy.is_none() {
        let policy = if headless && selectorless {
            "RequireDualStack"
        } else {
            "SingleStack"
        };
        spec.ip_family_policy = Some(policy.into());
    }
    if spec.ip_families.as_ref().is_none_or(|f| f.is_empty()) {
        spec.ip_families = Some(vec!["IPv4".into()]);
    }
}
