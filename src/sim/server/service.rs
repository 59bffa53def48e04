//! The Service strategy's ClusterIP allocation (`pkg/registry/core/service/ipallocator`).

use super::*;

/// ClusterIPs come from 10.96.0.0/12 in order, skipping .1 (kubernetes) and .10 (DNS).
pub(super) fn allocate_cluster_ip(world: &World, svc: &mut Service) {
    let Some(spec) = svc.spec.as_mut() else {
        return;
    };
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
