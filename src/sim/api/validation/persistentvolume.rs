//! PersistentVolume validation (`ValidatePersistentVolume`, `ValidatePersistentVolumeSpec`).

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeSpec};

use super::super::field_error::{quote, FieldError, FieldErrorKind};

use super::affinity::validate_node_selector;
use super::persistentvolumeclaim::validate_access_modes;
use super::volume::validate_host_path;

const RECLAIM_POLICIES: [&str; 3] = ["Delete", "Recycle", "Retain"];
const VOLUME_MODES: [&str; 2] = ["Block", "Filesystem"];

/// The volume sources a PersistentVolume may name, as the API spells them. Exactly one
/// must be set.
fn sources(spec: &PersistentVolumeSpec) -> Vec<&'static str> {
    let set = [
        ("hostPath", spec.host_path.is_some()),
        ("gcePersistentDisk", spec.gce_persistent_disk.is_some()),
        (
            "awsElasticBlockStore",
            spec.aws_elastic_block_store.is_some(),
        ),
        ("glusterfs", spec.glusterfs.is_some()),
        ("flocker", spec.flocker.is_some()),
        ("nfs", spec.nfs.is_some()),
        ("rbd", spec.rbd.is_some()),
        ("quobyte", spec.quobyte.is_some()),
        ("cephFS", spec.cephfs.is_some()),
        ("iscsi", spec.iscsi.is_some()),
        ("cinder", spec.cinder.is_some()),
        ("fc", spec.fc.is_some()),
        ("flexVolume", spec.flex_volume.is_some()),
        ("azureFile", spec.azure_file.is_some()),
        ("vsphereVolume", spec.vsphere_volume.is_some()),
        (
            "photonPersistentDisk",
            spec.photon_persistent_disk.is_some(),
        ),
        ("portworxVolume", spec.portworx_volume.is_some()),
        ("azureDisk", spec.azure_disk.is_some()),
        ("scaleIO", spec.scale_io.is_some()),
        ("local", spec.local.is_some()),
        ("storageos", spec.storageos.is_some()),
        ("csi", spec.csi.is_some()),
    ];
    set.into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect()
}

/// `ValidatePersistentVolumeSpec` for a stand-alone volume, in upstream's order: access
/// modes; a capacity of `storage` alone, above zero; a supported reclaim policy; the node
/// affinity (`validateVolumeNodeAffinity`); exactly one volume source, each checked
/// (`hostPath`: `validateHostPathVolumeSource`), a `local` one with node affinity; no
/// `Recycle` of a `hostPath` of `/`; the class name (`ValidateClassName`); the volume mode.
pub fn validate_pv_spec(spec: &PersistentVolumeSpec, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let modes = spec.access_modes.as_deref().unwrap_or(&[]);
    if modes.is_empty() {
        errs.push(FieldError::required(format!("{path}.accessModes"), ""));
    }
    errs.extend(validate_access_modes(modes, path));
    let capacity = spec.capacity.as_ref();
    if capacity.is_none_or(|c| c.is_empty()) {
        errs.push(FieldError::required(format!("{path}.capacity"), ""));
    }
    if capacity.is_none_or(|c| !c.contains_key("storage") || c.len() > 1) {
        errs.push(FieldError {
            path: format!("{path}.capacity"),
            kind: FieldErrorKind::UnsupportedRendered {
                value: go_resource_list(capacity),
                supported: vec!["storage".into()],
            },
        });
    }
    for (name, q) in capacity.into_iter().flatten() {
        let field = format!("{path}.capacity[{name}]");
        // The decoder refused a text that is not a quantity.
        let Ok(parsed) = crate::quantity::parse(&q.0) else {
            continue;
        };
        if parsed.nanos() < 0 {
            // `validateBasicResource` reports the value in whole units.
            errs.push(FieldError::invalid(
                field.clone(),
                (parsed.nanos() / 1_000_000_000).to_string(),
                "must be a valid resource quantity",
            ));
        }
        if parsed.nanos() <= 0 {
            errs.push(FieldError::invalid_str(
                field,
                &crate::quantity::canonical(q),
                "must be greater than zero",
            ));
        }
    }
    if let Some(policy) = spec.persistent_volume_reclaim_policy.as_deref() {
        if !policy.is_empty() && !RECLAIM_POLICIES.contains(&policy) {
            errs.push(FieldError::unsupported(
                format!("{path}.persistentVolumeReclaimPolicy"),
                policy,
                &RECLAIM_POLICIES,
            ));
        }
    }
    // `validateVolumeNodeAffinity`: a node affinity given (even empty) counts as given.
    if let Some(affinity) = &spec.node_affinity {
        let ap = format!("{path}.nodeAffinity");
        match &affinity.required {
            Some(required) => {
                errs.extend(validate_node_selector(required, &format!("{ap}.required")))
            }
            None => errs.push(FieldError::required(
                format!("{ap}.required"),
                "must specify required node constraints",
            )),
        }
    }
    let sources = sources(spec);
    for (i, source) in sources.iter().enumerate() {
        // `flexVolume` is counted but never refused as a second type (upstream's quirk).
        if i > 0 && *source != "flexVolume" {
            errs.push(FieldError::forbidden(
                format!("{path}.{source}"),
                "may not specify more than 1 volume type",
            ));
            continue;
        }
        match *source {
            "hostPath" => {
                let host_path = spec.host_path.as_ref();
                errs.extend(validate_host_path(
                    host_path.map_or("", |h| h.path.as_str()),
                    host_path.and_then(|h| h.type_.as_deref()),
                    &format!("{path}.hostPath"),
                ));
            }
            "local" if spec.node_affinity.is_none() => {
                errs.push(FieldError::required(
                    format!("{path}.nodeAffinity"),
                    "Local volume requires node affinity",
                ));
            }
            _ => {}
        }
    }
    if sources.is_empty() {
        errs.push(FieldError::required(path, "must specify a volume type"));
    }
    let recycles = spec.persistent_volume_reclaim_policy.as_deref() == Some("Recycle");
    if recycles
        && spec
            .host_path
            .as_ref()
            .is_some_and(|h| clean_path(&h.path) == "/")
    {
        errs.push(FieldError::forbidden(
            format!("{path}.persistentVolumeReclaimPolicy"),
            "may not be 'recycle' for a hostPath mount of '/'",
        ));
    }
    errs.extend(super::names::class_name_errors(
        spec.storage_class_name.as_deref(),
        path,
    ));
    if let Some(mode) = spec.volume_mode.as_deref() {
        errs.extend(FieldError::unless_supported(mode, &VOLUME_MODES, || {
            format!("{path}.volumeMode")
        }));
    }
    // VolumeAttributesClass (GA): a class name, not "", and only for a CSI volume.
    if let Some(class) = spec.volume_attributes_class_name.as_deref() {
        let at = format!("{path}.volumeAttributesClassName");
        if class.is_empty() {
            errs.push(FieldError::required(at, "an empty string is disallowed"));
        } else {
            for msg in super::names::dns1123_subdomain_errors(class) {
                errs.push(FieldError::invalid_str(at.clone(), class, msg));
            }
        }
        if spec.csi.is_none() {
            errs.push(FieldError::required(
                format!("{path}.csi"),
                "has to be specified when using volumeAttributesClassName",
            ));
        }
    }
    errs
}

/// Go's `path.Clean` of an absolute or relative slash path, enough to tell `/`: repeated
/// slashes, `.` and `..` elements resolved.
fn clean_path(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// How Go's `%#v` prints a volume's capacity (`core.ResourceList`, keys sorted), the value
/// `field.NotSupported` shows; `null` when there is none.
fn go_resource_list(
    capacity: Option<
        &std::collections::BTreeMap<
            String,
            k8s_openapi::apimachinery::pkg::api::resource::Quantity,
        >,
    >,
) -> String {
    let Some(capacity) = capacity else {
        return "core.ResourceList(nil)".into();
    };
    let entries: Vec<String> = capacity
        .iter()
        .map(|(name, q)| {
            format!(
                "{}:{}",
                quote(name),
                crate::quantity::go_syntax(&q.0).unwrap_or_else(|| quote(&q.0))
            )
        })
        .collect();
    format!("core.ResourceList{{{}}}", entries.join(", "))
}

/// PersistentVolume validation: the name (a DNS subdomain), labels and the spec.
pub fn validate_pv(pv: &PersistentVolume) -> Vec<FieldError> {
    // `ValidateObjectMeta`: the name, labels, annotations.
    let mut errs = super::objectmeta::validate_object_meta("PersistentVolume", &pv.metadata);
    errs.extend(validate_pv_spec(
        pv.spec.as_ref().unwrap_or(&PersistentVolumeSpec::default()),
        "spec",
    ));
    errs
}

/// A spec's volume source alone (`PersistentVolumeSource`): the other fields cleared.
fn source_of(spec: Option<&PersistentVolumeSpec>) -> PersistentVolumeSpec {
    let mut source = spec.cloned().unwrap_or_default();
    source.access_modes = None;
    source.capacity = None;
    source.claim_ref = None;
    source.mount_options = None;
    source.node_affinity = None;
    source.persistent_volume_reclaim_policy = None;
    source.storage_class_name = None;
    source.volume_attributes_class_name = None;
    source.volume_mode = None;
    source
}

/// `ValidatePersistentVolumeUpdate`: the new volume is valid, its source and volume mode
/// unchanged, a node affinity it had unchanged (one may be added), and a
/// `volumeAttributesClassName` it had not removed.
pub fn validate_pv_update(new: &PersistentVolume, old: &PersistentVolume) -> Vec<FieldError> {
    let mut errs = validate_pv(new);
    if source_of(new.spec.as_ref()) != source_of(old.spec.as_ref()) {
        // Upstream appends a Go diff of the two sources; scn gives the sentence alone.
        errs.push(FieldError::forbidden(
            "spec.persistentvolumesource",
            "spec.persistentvolumesource is immutable after creation",
        ));
    }
    let mode = |pv: &PersistentVolume| pv.spec.as_ref().and_then(|s| s.volume_mode.clone());
    if mode(new) != mode(old) {
        errs.push(FieldError::invalid(
            "volumeMode",
            mode(new).map_or_else(
                || "null".to_string(),
                |m| super::super::field_error::quote(&m),
            ),
            "field is immutable",
        ));
    }
    // A node affinity once set is immutable (MutablePVNodeAffinity, alpha and off in
    // v1.36): `ValidateImmutableField`, whose value Go prints with `%#v`.
    let affinity = |pv: &PersistentVolume| pv.spec.as_ref().and_then(|s| s.node_affinity.clone());
    if affinity(old).is_some() && affinity(new) != affinity(old) {
        let value = match affinity(new) {
            None => "null".to_string(),
            Some(a) if a.required.is_none() => {
                "core.VolumeNodeAffinity{Required:(*core.NodeSelector)(nil)}".to_string()
            }
            // A pointer whose address scn cannot know.
            Some(_) => {
                "core.VolumeNodeAffinity{Required:(*core.NodeSelector)(0xc000a1e2d0)}".to_string()
            }
        };
        errs.push(FieldError::invalid(
            "nodeAffinity",
            value,
            "field is immutable",
        ));
    }
    // A `volumeAttributesClassName` once set may change, but not back to nil.
    let attributes_class = |pv: &PersistentVolume| {
        pv.spec
            .as_ref()
            .and_then(|s| s.volume_attributes_class_name.clone())
    };
    if attributes_class(old).is_some() && attributes_class(new).is_none() {
        errs.push(FieldError::forbidden(
            "spec.volumeAttributesClassName",
            "update from non-nil value to nil is forbidden",
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pv(spec: serde_json::Value) -> PersistentVolume {
        serde_json::from_value(json!({"metadata": {"name": "pv1"}, "spec": spec})).unwrap()
    }

    fn messages(pv: &PersistentVolume) -> Vec<String> {
        validate_pv(pv).iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn a_volume_needs_a_capacity_and_a_source() {
        let ok = pv(
            json!({"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/mnt"}}),
        );
        assert!(messages(&ok).is_empty());
        let bare = pv(json!({"accessModes": ["ReadWriteOnce"]}));
        assert_eq!(
            messages(&bare),
            [
                "spec.capacity: Required value",
                "spec.capacity: Unsupported value: core.ResourceList(nil): supported values: \"storage\"",
                "spec: Required value: must specify a volume type"
            ]
        );
    }

    #[test]
    fn read_write_once_pod_stands_alone_and_local_needs_affinity() {
        let mixed = pv(json!({"capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOncePod", "ReadWriteOnce"], "local": {"path": "/mnt"}}));
        assert_eq!(
            messages(&mixed),
            [
                "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes",
                "spec.nodeAffinity: Required value: Local volume requires node affinity"
            ]
        );
        let two = pv(
            json!({"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/a"}, "nfs": {"server": "s", "path": "/b"}}),
        );
        assert_eq!(
            messages(&two),
            ["spec.nfs: Forbidden: may not specify more than 1 volume type"]
        );
    }

    #[test]
    fn a_volume_keeps_its_source_and_mode() {
        let old = pv(
            json!({"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/a"}, "volumeMode": "Filesystem"}),
        );
        let grown = pv(
            json!({"capacity": {"storage": "2Gi"}, "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/a"}, "volumeMode": "Filesystem",
            "claimRef": {"name": "c", "namespace": "default"}}),
        );
        assert!(validate_pv_update(&grown, &old).is_empty());
        let moved = pv(
            json!({"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/b"}, "volumeMode": "Block"}),
        );
        let messages: Vec<String> = validate_pv_update(&moved, &old)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            messages,
            [
                "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation",
                "volumeMode: Invalid value: \"Block\": field is immutable"
            ]
        );
    }

    #[test]
    fn clean_path_finds_the_root() {
        for (p, want) in [
            ("/", "/"),
            ("//", "/"),
            ("/a/..", "/"),
            ("/..", "/"),
            ("/a", "/a"),
            ("a/..", "."),
        ] {
            assert_eq!(clean_path(p), want, "{p}");
        }
    }
}
