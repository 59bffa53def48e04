//! VolumeZone (`volumezone/volume_zone.go`, B-SCHED-1): a bound PersistentVolume labelled
//! with a zone or region (`topology.kubernetes.io/zone`, `…/region`, or their
//! `failure-domain.beta.kubernetes.io/…` forerunners) admits only the nodes labelled with one
//! of its values (a label may list several, joined by `__`). A node with none of these
//! labels is not constrained; an unbound claim (WaitForFirstConsumer) is skipped, its volume
//! being made for the chosen node. Failing nodes read "node(s) had no available volume
//! zone" (UnschedulableAndUnresolvable).

use std::collections::BTreeMap;

use super::super::framework::{Code, Status};
use crate::sim::World;

pub const ERR_REASON_CONFLICT: &str = "node(s) had no available volume zone";

const BETA_ZONE: &str = "failure-domain.beta.kubernetes.io/zone";
const BETA_REGION: &str = "failure-domain.beta.kubernetes.io/region";
const ZONE: &str = "topology.kubernetes.io/zone";
const REGION: &str = "topology.kubernetes.io/region";

/// `topologyLabels`, in upstream's order.
const TOPOLOGY_LABELS: [&str; 4] = [BETA_ZONE, BETA_REGION, ZONE, REGION];

/// One topology label of one of the pod's volumes, and the values it admits.
pub struct PvTopology {
    key: &'static str,
    values: Vec<String>,
}

/// PreFilter (`getPVbyPod`): the topology labels of the volumes bound to the pod's claims.
pub fn pre_filter(world: &World, claims: &[String]) -> Vec<PvTopology> {
    let mut out = Vec::new();
    for name in claims {
        let volume = world
            .store
            .claims()
            .get(name)
            .and_then(|c| c.spec.as_ref())
            .and_then(|s| s.volume_name.as_deref())
            .filter(|v| !v.is_empty());
        let Some(pv) = volume.and_then(|v| world.store.volumes().get(v)) else {
            continue;
        };
        let Some(labels) = pv.metadata.labels.as_ref() else {
            continue;
        };
        for key in TOPOLOGY_LABELS {
            if let Some(value) = labels.get(key) {
                // `LabelZonesToSet`: values joined by "__"; empty ones are dropped.
                let values: Vec<String> = value
                    .split("__")
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect();
                if !values.is_empty() {
                    out.push(PvTopology { key, values });
                }
            }
        }
    }
    out
}

/// `translateToGALabel`: a beta key matches a node's GA label too.
fn ga_label(key: &str) -> &str {
    match key {
        BETA_ZONE => ZONE,
        BETA_REGION => REGION,
        other => other,
    }
}

pub fn filter(topologies: &[PvTopology], labels: &BTreeMap<String, String>) -> Option<Status> {
    if topologies.is_empty() || !TOPOLOGY_LABELS.iter().any(|k| labels.contains_key(*k)) {
        return None;
    }
    for t in topologies {
        let value = labels.get(t.key).or_else(|| labels.get(ga_label(t.key)));
        if !value.is_some_and(|v| t.values.iter().any(|w| w == v)) {
            return Some(Status::new(
                Code::UnschedulableAndUnresolvable,
                ERR_REASON_CONFLICT,
            ));
        }
    }
    None
}
