//! Hints for a Service's `spec.trafficDistribution` (upstream
//! `staging/src/k8s.io/endpointslice/trafficdist/trafficdist.go`, `ReconcileHints`; the
//! reconciler calls it when the topology annotation is not set, `reconciler.go`
//! `reconcileByAddressType`). `PreferClose`, `PreferSameZone` and `PreferSameNode` (the
//! `ServiceTrafficDistribution` gate GA in 1.33, `PreferSameTrafficDistribution` GA in 1.35)
//! give every ready endpoint `hints.forZones: [{name: <its zone>}]` when it has a zone, and,
//! for `PreferSameNode`, `hints.forNodes: [{name: <its node>}]` when it has a node; any other
//! value, or none, gives no hint (B-DNS-20).
//!
//! Upstream computes the endpoints without hints and adds them to the slices it writes, and
//! rewrites an unchanged slice whose ready endpoints' hints are wrong or stale; the outcome is
//! that every written endpoint carries exactly the hints computed here. scn puts them on the
//! desired endpoints, so the reconciler rewrites a slice whose hints differ.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointHints, ForNode, ForZone};

/// `v1.AnnotationTopologyMode`.
pub const ANNOTATION_TOPOLOGY_MODE: &str = "service.kubernetes.io/topology-mode";
/// `v1.DeprecatedAnnotationTopologyAwareHints`.
pub const ANNOTATION_TOPOLOGY_AWARE_HINTS: &str = "service.kubernetes.io/topology-aware-hints";

/// Which hints the Service's endpoints get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heuristic {
    /// `defaultHeuristic`: no hint.
    None,
    /// `preferCloseHeuristic`: zone hints, and node hints for `PreferSameNode`.
    PreferClose { node_hints: bool },
}

/// `hintsEnabled`: the deprecated annotation, when present, decides; else `topology-mode`;
/// either enables topology aware hints with `Auto` or `auto`.
pub fn hints_enabled(annotations: Option<&BTreeMap<String, String>>) -> bool {
    let Some(annotations) = annotations else {
        return false;
    };
    let value = annotations
        .get(ANNOTATION_TOPOLOGY_AWARE_HINTS)
        .or_else(|| annotations.get(ANNOTATION_TOPOLOGY_MODE));
    matches!(value.map(String::as_str), Some("Auto" | "auto"))
}

/// The heuristic for the Service: `trafficDistribution` counts only when topology aware hints
/// are not enabled by annotation (`canUseTrafficDistribution`); the topology cache that the
/// annotation enables is not simulated (apply warns about it) and gives no hint here.
pub fn heuristic(service: &Service) -> Heuristic {
    if hints_enabled(service.metadata.annotations.as_ref()) {
        return Heuristic::None;
    }
    match service
        .spec
        .as_ref()
        .and_then(|s| s.traffic_distribution.as_deref())
    {
        Some("PreferClose" | "PreferSameZone") => Heuristic::PreferClose { node_hints: false },
        Some("PreferSameNode") => Heuristic::PreferClose { node_hints: true },
        _ => Heuristic::None,
    }
}

/// `preferCloseHeuristic.update` for one endpoint: a ready endpoint gets its zone and (for
/// `PreferSameNode`) node hints, or none when it has neither; a not-ready one is left alone.
pub fn set_hints(endpoint: &mut Endpoint, heuristic: Heuristic) {
    let Heuristic::PreferClose { node_hints } = heuristic else {
        endpoint.hints = None;
        return;
    };
    let ready = endpoint
        .conditions
        .as_ref()
        .and_then(|c| c.ready)
        .unwrap_or(false);
    if !ready {
        return;
    }
    let for_zones = endpoint
        .zone
        .as_ref()
        .map(|zone| vec![ForZone { name: zone.clone() }]);
    let for_nodes = endpoint
        .node_name
        .as_ref()
        .filter(|_| node_hints)
        .map(|node| vec![ForNode { name: node.clone() }]);
    endpoint.hints = (for_zones.is_some() || for_nodes.is_some()).then_some(EndpointHints {
        for_zones,
        for_nodes,
    });
}
