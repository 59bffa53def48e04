//! Which volume fits a claim (`component-helpers/storage/volume/pv_helpers.go`:
//! `FindMatchingVolume`, `CheckNodeAffinity`, `IsVolumeBoundToClaim`; the PV controller's
//! `checkVolumeSatisfyClaim`), shared by the PV controller and the scheduler's
//! VolumeBinding plugin.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};

use super::parse_quantity;

/// What a claim asks of a volume, read once.
pub(crate) struct Wants<'c> {
    claim: &'c PersistentVolumeClaim,
    name: &'c str,
    namespace: &'c str,
    class: &'c str,
    /// `volumeAttributesClassName`, nil and "" alike (unspecified).
    attributes_class: &'c str,
    mode: &'c str,
    size: u128,
    modes: &'c [String],
}

impl<'c> Wants<'c> {
    pub(crate) fn of(claim: &'c PersistentVolumeClaim) -> Wants<'c> {
        let spec = claim.spec.as_ref();
        Wants {
            claim,
            name: claim.metadata.name.as_deref().unwrap_or_default(),
            namespace: claim.metadata.namespace.as_deref().unwrap_or_default(),
            class: super::claim_class(claim),
            attributes_class: spec
                .and_then(|s| s.volume_attributes_class_name.as_deref())
                .unwrap_or_default(),
            mode: spec
                .and_then(|s| s.volume_mode.as_deref())
                .unwrap_or("Filesystem"),
            size: request_of(claim).unwrap_or(0),
            modes: spec
                .and_then(|s| s.access_modes.as_deref())
                .unwrap_or_default(),
        }
    }
}

pub(crate) fn request_of(claim: &PersistentVolumeClaim) -> Option<u128> {
    let q = crate::sim::api::validation::requested_storage(claim.spec.as_ref())?;
    parse_quantity(&q.0)
}

fn size_of(pv: &PersistentVolume) -> u128 {
    pv.spec
        .as_ref()
        .and_then(|s| s.capacity.as_ref())
        .and_then(|c| c.get("storage"))
        .and_then(|q| parse_quantity(&q.0))
        .unwrap_or(0)
}

fn class_of(pv: &PersistentVolume) -> &str {
    super::volume_class(pv)
}

/// A volume's `volumeAttributesClassName`, nil and "" alike (unspecified).
fn attributes_class_of(pv: &PersistentVolume) -> &str {
    pv.spec
        .as_ref()
        .and_then(|s| s.volume_attributes_class_name.as_deref())
        .unwrap_or_default()
}

fn mode_of(pv: &PersistentVolume) -> &str {
    pv.spec
        .as_ref()
        .and_then(|s| s.volume_mode.as_deref())
        .unwrap_or("Filesystem")
}

fn access_modes_of(pv: &PersistentVolume) -> &[String] {
    pv.spec
        .as_ref()
        .and_then(|s| s.access_modes.as_deref())
        .unwrap_or_default()
}

/// `IsVolumeBoundToClaim`: the volume's `claimRef` names the claim (and its UID, when it
/// has one).
pub(crate) fn is_bound_to_claim(pv: &PersistentVolume, wants: &Wants) -> bool {
    let Some(r) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) else {
        return false;
    };
    r.name.as_deref() == Some(wants.name)
        && r.namespace.as_deref().unwrap_or_default() == wants.namespace
        && r.uid
            .as_deref()
            .is_none_or(|u| u.is_empty() || Some(u) == wants.claim.metadata.uid.as_deref())
}

/// `CheckNodeAffinity`: a volume without required node affinity fits every node; else
/// one of its terms must match the node's labels.
pub(crate) fn node_affinity_admits(
    pv: &PersistentVolume,
    labels: &BTreeMap<String, String>,
) -> bool {
    let Some(required) = pv
        .spec
        .as_ref()
        .and_then(|s| s.node_affinity.as_ref())
        .and_then(|a| a.required.as_ref())
    else {
        return true;
    };
    required.node_selector_terms.iter().any(|term| {
        let expressions = term.match_expressions.as_deref().unwrap_or_default();
        let fields = term.match_fields.as_deref().unwrap_or_default();
        // An empty term matches no node.
        (!expressions.is_empty() || !fields.is_empty())
            && expressions.iter().all(|e| {
                crate::sim::labels::requirement_matches(
                    labels,
                    &e.key,
                    &e.operator,
                    e.values.as_deref().unwrap_or_default(),
                )
            })
            && fields.iter().all(|f| {
                // The only field a node selector may name is `metadata.name`.
                let name = labels
                    .get(crate::sim::nodes::LABEL_HOSTNAME)
                    .cloned()
                    .unwrap_or_default();
                let fields = BTreeMap::from([(f.key.clone(), name)]);
                crate::sim::labels::requirement_matches(
                    &fields,
                    &f.key,
                    &f.operator,
                    f.values.as_deref().unwrap_or_default(),
                )
            })
    })
}

fn has_access_modes(pv: &PersistentVolume, wants: &Wants) -> bool {
    let have = access_modes_of(pv);
    wants.modes.iter().all(|m| have.contains(m))
}

/// `checkVolumeSatisfyClaim`: why a volume the claim names by `spec.volumeName` cannot
/// be bound to it, if it cannot.
pub(crate) fn check_volume_satisfy_claim(
    pv: &PersistentVolume,
    wants: &Wants,
) -> Result<(), String> {
    if pv.metadata.deletion_timestamp.is_some() {
        return Err(format!(
            "the volume is marked for deletion \"{}\"",
            pv.metadata.name.as_deref().unwrap_or_default()
        ));
    }
    if size_of(pv) < wants.size {
        return Err("requested PV is too small".into());
    }
    if class_of(pv) != wants.class {
        return Err("storageClassName does not match".into());
    }
    if attributes_class_of(pv) != wants.attributes_class {
        return Err("volumeAttributesClassName does not match".into());
    }
    if mode_of(pv) != wants.mode {
        return Err("incompatible volumeMode".into());
    }
    if !has_access_modes(pv, wants) {
        return Err("incompatible accessMode".into());
    }
    Ok(())
}

/// How a search orders the volumes that fit.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Search {
    /// The PV controller's (`findByClaim`): the volumes grouped by their access modes,
    /// the groups with the fewest modes first, each searched on its own (a volume
    /// pre-bound to the claim wins in its group, the smallest otherwise); without a node,
    /// and with WaitForFirstConsumer (`delay_binding`) only a volume pre-bound to the
    /// claim.
    Controller { delay_binding: bool },
    /// The scheduler's (`findMatchingVolumes`): the smallest volume whose node affinity
    /// admits the node with these labels.
    Node,
}

/// The PV controller's `findByClaim` (`index.go`) or the scheduler's search, both by
/// `FindMatchingVolume`. `taken` volumes are skipped.
pub(crate) fn find_matching_volume<'v>(
    candidates: impl IntoIterator<Item = &'v PersistentVolume>,
    wants: &Wants,
    search: Search,
    node: Option<&BTreeMap<String, String>>,
    taken: &[&str],
) -> Option<&'v PersistentVolume> {
    let Search::Controller { delay_binding } = search else {
        return matching_volume(candidates, wants, false, node, taken);
    };
    // `allPossibleMatchingAccessModes`: the index's access-mode groups that hold every
    // mode the claim asks for, the fewest modes first (groups of as many modes are
    // searched as one: upstream's order between them is not fixed).
    let mut groups: BTreeMap<usize, Vec<&'v PersistentVolume>> = BTreeMap::new();
    for pv in candidates {
        if has_access_modes(pv, wants) {
            let mut modes: Vec<&String> = access_modes_of(pv).iter().collect();
            modes.sort_unstable();
            modes.dedup();
            groups.entry(modes.len()).or_default().push(pv);
        }
    }
    groups
        .into_values()
        .find_map(|group| matching_volume(group, wants, delay_binding, node, taken))
}

/// `FindMatchingVolume`: a volume pre-bound to the claim wins (none if its node affinity
/// refuses the node or its `volumeAttributesClassName` is not the claim's); else the
/// smallest Available volume of the claim's class, attributes class and volume mode, with
/// its access modes, at least its size and labels its selector matches.
fn matching_volume<'v>(
    candidates: impl IntoIterator<Item = &'v PersistentVolume>,
    wants: &Wants,
    delay_binding: bool,
    node: Option<&BTreeMap<String, String>>,
    taken: &[&str],
) -> Option<&'v PersistentVolume> {
    let selector = wants.claim.spec.as_ref().and_then(|s| s.selector.as_ref());
    let mut best: Option<((u128, &str), &PersistentVolume)> = None;
    for pv in candidates {
        let name = pv.metadata.name.as_deref().unwrap_or_default();
        if taken.contains(&name) {
            continue;
        }
        let spec = pv.spec.as_ref();
        let bound_here = is_bound_to_claim(pv, wants);
        if spec.is_some_and(|s| s.claim_ref.is_some()) && !bound_here {
            continue;
        }
        let size = size_of(pv);
        if size < wants.size
            || mode_of(pv) != wants.mode
            || pv.metadata.deletion_timestamp.is_some()
            || !has_access_modes(pv, wants)
        {
            continue;
        }
        let admits = node.is_none_or(|labels| node_affinity_admits(pv, labels));
        // VolumeAttributesClass (GA in v1.34): a volume and a claim match only with the
        // same class, nil and "" alike (KEP-3751 "Binding of PV and PVC").
        let same_attributes = attributes_class_of(pv) == wants.attributes_class;
        if bound_here {
            return (admits && same_attributes).then_some(pv);
        }
        if node.is_none() && delay_binding {
            // The scheduler binds this claim, unless a volume is pre-bound to it.
            continue;
        }
        let available = pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Available");
        if !available
            || selector
                .is_some_and(|s| !crate::sim::labels::matches(Some(s), pv.metadata.labels.as_ref()))
            || class_of(pv) != wants.class
            || !same_attributes
            || !admits
        {
            continue;
        }
        let key = (size, name);
        if best.as_ref().is_none_or(|(k, _)| key < *k) {
            best = Some((key, pv));
        }
    }
    best.map(|(_, pv)| pv)
}
