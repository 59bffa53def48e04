//! A StatefulSet pod's identity: name, labels, hostname, subdomain, owner, volumes
//! (B-ID-1..5, 7, 8; UTL `newStatefulSetPod`, `initIdentity`, `updateStorage`).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimVolumeSource, Pod, PodSpec, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use crate::sim::podutil;

pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
pub const REVISION_LABEL: &str = "controller-revision-hash";

pub fn set_name(set: &StatefulSet) -> &str {
    set.metadata.name.as_deref().unwrap_or_default()
}

/// `getPodName`: `<set>-<ordinal>` (B-ID-1).
pub fn pod_name(set: &str, ordinal: i64) -> String {
    let mut name = String::with_capacity(set.len() + 21);
    name.push_str(set);
    name.push('-');
    name.push_str(itoa::Buffer::new().format(ordinal));
    name
}

/// `getStartOrdinal`.
pub fn start_ordinal(set: &StatefulSet) -> i64 {
    set.spec
        .as_ref()
        .and_then(|s| s.ordinals.as_ref())
        .and_then(|o| o.start)
        .unwrap_or(0) as i64
}

pub fn replicas(set: &StatefulSet) -> i64 {
    set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1) as i64
}

/// `metav1.NewControllerRef` for the set (B-ID-7).
pub fn controller_ref(set: &StatefulSet) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: "StatefulSet".into(),
        name: set_name(set).to_string(),
        uid: set.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// `getPersistentVolumeClaimName`: `<claim>-<set>-<ordinal>` (B-PVC-1).
pub fn claim_name(claim: &str, set: &str, ordinal: i64) -> String {
    let mut name = String::with_capacity(claim.len() + set.len() + 22);
    name.push_str(claim);
    name.push('-');
    name.push_str(set);
    name.push('-');
    name.push_str(itoa::Buffer::new().format(ordinal));
    name
}

/// `newStatefulSetPod`: the pod for `ordinal` from the set's template.
pub fn new_pod(set: &StatefulSet, ordinal: i64) -> Pod {
    // Only the template's parts the pod takes are copied, not the whole spec.
    let spec = set.spec.as_ref();
    let template = spec.map(|s| &s.template);
    let template_meta = template.and_then(|t| t.metadata.as_ref());
    let name = pod_name(set_name(set), ordinal);
    let mut pod = Pod {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            // `GetPodFromTemplate` sets `getPodsPrefix(set name)`, `<set>-`; the name
            // itself is set, so the prefix generates nothing.
            generate_name: Some(format!("{}-", set_name(set))),
            namespace: set.metadata.namespace.clone(),
            labels: template_meta.and_then(|m| m.labels.clone()),
            annotations: template_meta.and_then(|m| m.annotations.clone()),
            finalizers: template_meta.and_then(|m| m.finalizers.clone()),
            owner_references: Some(vec![controller_ref(set)]),
            ..Default::default()
        },
        spec: Some(template.and_then(|t| t.spec.clone()).unwrap_or_default()),
        status: None,
    };
    update_identity(set, &mut pod, ordinal);
    let pod_spec = pod.spec.get_or_insert_with(PodSpec::default);
    // initIdentity: set only at creation (B-ID-5).
    pod_spec.hostname = Some(name);
    pod_spec.subdomain = spec
        .and_then(|s| s.service_name.clone())
        .filter(|s| !s.is_empty());
    update_storage(set, &mut pod, ordinal);
    pod
}

/// `updateIdentity`: the pod-name and pod-index labels (B-ID-3).
pub fn update_identity(set: &StatefulSet, pod: &mut Pod, ordinal: i64) {
    let name = pod_name(set_name(set), ordinal);
    pod.metadata.name = Some(name.clone());
    pod.metadata.namespace = set.metadata.namespace.clone();
    let labels = pod.metadata.labels.get_or_insert_with(BTreeMap::new);
    labels.insert(POD_NAME_LABEL.into(), name);
    labels.insert(POD_INDEX_LABEL.into(), ordinal.to_string());
}

/// `identityMatches`: a parsed ordinal, the set's name as parent, the name
/// `getPodName(set, ordinal)` (so `web-01`, ordinal 1, never matches, B-ID-12), the
/// namespace and the pod-name label (B-ID-4).
pub fn identity_matches(set: &StatefulSet, pod: &Pod) -> bool {
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    let Some((parent, _ordinal)) = podutil::parent_and_ordinal(name) else {
        return false;
    };
    // `name == getPodName(set, ordinal)`: the parent is the set's, so the digits must be
    // the ordinal as `%d` writes it: no leading zero (they parsed as a non-negative int32).
    let digits = &name[parent.len() + 1..];
    parent == set_name(set)
        && (digits.len() == 1 || !digits.starts_with('0'))
        && pod.metadata.namespace == set.metadata.namespace
        && podutil::label(pod, POD_NAME_LABEL) == Some(name)
}

/// `updateStorage`: one claim volume per claim template, first, replacing a template
/// volume of the same name; then the remaining template volumes (B-ID-8).
/// The claim templates as `getPersistentVolumeClaims` keys them, by name: two templates of
/// one name make one claim, the last one's (a Go map); here in the order each name first
/// appears.
pub fn claim_templates(set: &StatefulSet) -> Vec<&PersistentVolumeClaim> {
    let mut out: Vec<&PersistentVolumeClaim> = Vec::new();
    let all = set
        .spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_deref())
        .unwrap_or_default();
    for template in all {
        match out
            .iter_mut()
            .find(|t| t.metadata.name == template.metadata.name)
        {
            Some(slot) => *slot = template,
            None => out.push(template),
        }
    }
    out
}

pub fn update_storage(set: &StatefulSet, pod: &mut Pod, ordinal: i64) {
    let templates = claim_templates(set);
    if templates.is_empty() {
        return;
    }
    let spec = pod.spec.get_or_insert_with(PodSpec::default);
    let existing = spec.volumes.take().unwrap_or_default();
    let mut volumes: Vec<Volume> = Vec::with_capacity(templates.len() + existing.len());
    for template in templates {
        let claim = template.metadata.name.clone().unwrap_or_default();
        volumes.push(Volume {
            name: claim.clone(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: claim_name(&claim, set_name(set), ordinal),
                // `updateStorage` sets `ReadOnly: false`, which the API's `omitempty` drops:
                // the stored pod has only the claim's name.
                read_only: None,
            }),
            ..Default::default()
        });
    }
    for volume in existing {
        if !volumes.iter().any(|v| v.name == volume.name) {
            volumes.push(volume);
        }
    }
    spec.volumes = Some(volumes);
}

/// `storageMatches`: every claim template has its claim volume.
pub fn storage_matches(set: &StatefulSet, pod: &Pod, ordinal: i64) -> bool {
    let volumes: &[Volume] = pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.as_deref())
        .unwrap_or_default();
    set.spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_ref())
        .into_iter()
        .flatten()
        .all(|template| {
            let claim = template.metadata.name.as_deref().unwrap_or_default();
            let want = claim_name(claim, set_name(set), ordinal);
            volumes.iter().any(|v| {
                v.name == claim
                    && v.persistent_volume_claim
                        .as_ref()
                        .is_some_and(|p| p.claim_name == want)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::{claim_name, pod_name};

    /// The names are the ones `format!` gives, at the edges of `i64` too.
    #[test]
    fn names_are_written_as_display_writes_them() {
        let ordinals = [0, 1, 9, 10, 99, 100, 12_345, -1, -10, i64::MAX, i64::MIN];
        for n in ordinals.into_iter().chain(0..1000) {
            assert_eq!(pod_name("web", n), format!("web-{n}"));
            assert_eq!(claim_name("www", "web", n), format!("www-web-{n}"));
        }
    }
}
