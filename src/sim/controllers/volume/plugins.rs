//! The PV controller's in-tree volume plugins and how it looks them up
//! (`cmd/kube-controller-manager/app/plugins.go` `ProbeControllerVolumePlugins`,
//! `pkg/volume/plugins.go` `VolumePluginMgr`, `pv_controller.go` `findProvisionablePlugin`,
//! `findDeletablePlugin`, `recycleVolumeOperation`).
//!
//! kube-controller-manager gives the PV controller two plugins of its own: host-path (it can
//! provision, but only when `--enable-hostpath-provisioner` is set, which it is not by
//! default; it deletes only under `/tmp/`; it recycles) and nfs (it recycles only). Every
//! other provisioner, deleter and resizer is external: a provisioner name without the
//! `kubernetes.io/` prefix, or an in-tree name migrated to a CSI driver. What the cluster's
//! external provisioner does is `provisioner.rs`.

use k8s_openapi::api::core::v1::PersistentVolume;

use super::PROVISIONED_BY;

const HOST_PATH: &str = "kubernetes.io/host-path";
const NFS: &str = "kubernetes.io/nfs";

/// The in-tree provisioner names whose plugins moved to CSI drivers, with the driver that
/// now does their work (`csi-translation-lib`); the PV controller hands them to it.
const MIGRATED: [(&str, &str); 7] = [
    ("kubernetes.io/aws-ebs", "ebs.csi.aws.com"),
    ("kubernetes.io/gce-pd", "pd.csi.storage.gke.io"),
    ("kubernetes.io/azure-disk", "disk.csi.azure.com"),
    ("kubernetes.io/azure-file", "file.csi.azure.com"),
    ("kubernetes.io/cinder", "cinder.csi.openstack.org"),
    ("kubernetes.io/vsphere-volume", "csi.vsphere.vmware.com"),
    ("kubernetes.io/portworx-volume", "pxd.portworx.com"),
];

fn migrated(name: &str) -> Option<&'static str> {
    MIGRATED
        .iter()
        .find(|(from, _)| *from == name)
        .map(|(_, to)| *to)
}

/// The annotation the PV controller puts on a volume (or a claim) whose provisioner is an
/// in-tree name migrated to a CSI driver: that driver's name.
pub(super) const MIGRATED_TO: &str = "pv.kubernetes.io/migrated-to";

/// `updateMigrationAnnotations`: the change the `pv.kubernetes.io/migrated-to` annotation
/// needs, read from the provisioner named under the first of `keys` present (a volume's
/// `pv.kubernetes.io/provisioned-by`; a claim's storage-provisioner annotations). `None`:
/// no change (nothing names a provisioner, or the annotation is right); `Some(Some(d))`:
/// set it to the driver `d` of a migrated in-tree provisioner; `Some(None)`: take off an
/// annotation a provisioner that is not migrated does not warrant.
pub(super) fn migration_annotation(
    annotations: Option<&std::collections::BTreeMap<String, String>>,
    keys: &[&str],
) -> Option<Option<&'static str>> {
    let annotations = annotations?;
    let provisioner = keys.iter().find_map(|k| annotations.get(*k))?;
    let current = annotations.get(MIGRATED_TO).map(String::as_str);
    match migrated(provisioner) {
        Some(driver) => (current != Some(driver)).then_some(Some(driver)),
        None => current.is_some_and(|c| !c.is_empty()).then_some(None),
    }
}

/// Who provisions for a StorageClass's provisioner.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Provisioner {
    /// An external provisioner, by the name the claim is annotated with.
    External(String),
    /// The in-tree plugin was found but cannot make a volume: the claim is annotated with
    /// the provisioner, then `ProvisioningFailed` with this message.
    Disabled(String),
    /// No plugin: `ProvisioningFailed` with this message, and the claim is not annotated.
    Missing(String),
}

/// `findProvisionablePlugin`.
pub(super) fn find_provisioner(name: &str) -> Provisioner {
    if let Some(driver) = migrated(name) {
        return Provisioner::External(driver.to_string());
    }
    if !name.starts_with("kubernetes.io/") {
        return Provisioner::External(name.to_string());
    }
    match name {
        // `hostPathPlugin.NewProvisioner`, through `provisionClaimOperation`.
        HOST_PATH => Provisioner::Disabled(format!(
            "Failed to create provisioner: provisioning in volume plugin \"{HOST_PATH}\" is disabled"
        )),
        // `FindProvisionablePluginByName`: found, but nfs does not provision.
        NFS => Provisioner::Missing("no provisionable volume plugin matched".into()),
        // `FindPluginByName` (`kubernetes.io/no-provisioner` among them).
        _ => Provisioner::Missing(format!("no volume plugin matched name: {name}")),
    }
}

/// How a released volume with reclaim policy `Delete` goes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Deleter {
    /// An external provisioner deletes it (the one that made it).
    External,
    /// Nobody deletes it: an external deleter is asked for, but none ever comes (a CSI
    /// volume made by hand: external provisioners delete only the volumes they made).
    Nobody,
    /// The host-path plugin deletes the directory, then the volume.
    HostPath,
    /// No deleter: the volume goes Failed with this message.
    Failed(String),
}

/// `findDeletablePlugin` (and `NewDeleter`): by the provisioner that made the volume, else
/// by its source.
pub(super) fn find_deleter(pv: &PersistentVolume) -> Deleter {
    let name = pv.metadata.name.as_deref().unwrap_or_default();
    let spec = pv.spec.as_ref();
    let host_path = spec.is_some_and(|s| s.host_path.is_some());
    let provisioned_by = pv
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(PROVISIONED_BY))
        .filter(|p| !p.is_empty());
    if let Some(by) = provisioned_by {
        return match by.as_str() {
            by if migrated(by).is_some() || !by.starts_with("kubernetes.io/") => Deleter::External,
            HOST_PATH if host_path => Deleter::HostPath,
            HOST_PATH => Deleter::Failed(format!(
                "failed to create deleter for volume \"{name}\": spec.PersistentVolumeSource.HostPath is nil"
            )),
            NFS => Deleter::Failed("no deletable volume plugin matched".into()),
            by => Deleter::Failed(format!("no volume plugin matched name: {by}")),
        };
    }
    if spec.is_some_and(|s| s.csi.is_some()) {
        return Deleter::Nobody;
    }
    if host_path {
        return Deleter::HostPath;
    }
    // `FindDeletablePluginBySpec`: nfs is found but cannot delete; other sources (local,
    // iscsi, fc, …) match no plugin of the PV controller's.
    let why = if spec.is_some_and(|s| s.nfs.is_some()) {
        "no deletable volume plugin matched"
    } else {
        "no volume plugin matched"
    };
    Deleter::Failed(format!(
        "error getting deleter volume plugin for volume \"{name}\": {why}"
    ))
}

/// `FindRecyclablePluginBySpec`: only hostPath and nfs volumes have a recycler.
pub(super) fn has_recycler(pv: &PersistentVolume) -> bool {
    pv.spec
        .as_ref()
        .is_some_and(|s| s.host_path.is_some() || s.nfs.is_some())
}

/// `hostPathDeleter.Delete` refuses a path that `/tmp/.+` does not match (anywhere: the
/// pattern is not anchored).
pub(super) fn host_path_delete_error(pv: &PersistentVolume) -> Option<String> {
    let path = &pv.spec.as_ref()?.host_path.as_ref()?.path;
    let under_tmp = path
        .match_indices("/tmp/")
        .any(|(at, m)| path.len() > at + m.len());
    (!under_tmp)
        .then(|| format!("host_path deleter only supports /tmp/.+ but received provided {path}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn volume(v: serde_json::Value) -> PersistentVolume {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn provisioners_without_a_plugin_fail_and_others_are_external() {
        assert_eq!(
            find_provisioner("kubernetes.io/no-provisioner"),
            Provisioner::Missing(
                "no volume plugin matched name: kubernetes.io/no-provisioner".into()
            )
        );
        assert_eq!(
            find_provisioner("kubernetes.io/nfs"),
            Provisioner::Missing("no provisionable volume plugin matched".into())
        );
        assert!(matches!(
            find_provisioner("kubernetes.io/host-path"),
            Provisioner::Disabled(_)
        ));
        assert_eq!(
            find_provisioner("rancher.io/local-path"),
            Provisioner::External("rancher.io/local-path".into())
        );
        assert_eq!(
            find_provisioner("kubernetes.io/aws-ebs"),
            Provisioner::External("ebs.csi.aws.com".into())
        );
    }

    #[test]
    fn a_migrated_provisioner_names_its_driver_and_only_it() {
        let ann = |pairs: &[(&str, &str)]| -> std::collections::BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let keys = [PROVISIONED_BY];
        // Made by hand: nothing names a provisioner.
        assert_eq!(migration_annotation(None, &keys), None);
        assert_eq!(
            migration_annotation(Some(&ann(&[(MIGRATED_TO, "x")])), &keys),
            None
        );
        assert_eq!(
            migration_annotation(
                Some(&ann(&[(PROVISIONED_BY, "kubernetes.io/aws-ebs")])),
                &keys
            ),
            Some(Some("ebs.csi.aws.com"))
        );
        assert_eq!(
            migration_annotation(
                Some(&ann(&[
                    (PROVISIONED_BY, "kubernetes.io/gce-pd"),
                    (MIGRATED_TO, "pd.csi.storage.gke.io")
                ])),
                &keys
            ),
            None
        );
        assert_eq!(
            migration_annotation(
                Some(&ann(&[
                    (PROVISIONED_BY, "rancher.io/local-path"),
                    (MIGRATED_TO, "ebs.csi.aws.com")
                ])),
                &keys
            ),
            Some(None)
        );
        assert_eq!(
            migration_annotation(
                Some(&ann(&[(PROVISIONED_BY, "rancher.io/local-path")])),
                &keys
            ),
            None
        );
    }

    #[test]
    fn volumes_made_by_hand_are_deleted_only_by_the_host_path_plugin() {
        let by_hand = |source: serde_json::Value| {
            let mut v = json!({"metadata": {"name": "pv1"}, "spec": {}});
            v["spec"]
                .as_object_mut()
                .unwrap()
                .extend(source.as_object().unwrap().clone());
            find_deleter(&volume(v))
        };
        assert_eq!(
            by_hand(json!({"nfs": {"server": "s", "path": "/x"}})),
            Deleter::Failed(
                "error getting deleter volume plugin for volume \"pv1\": no deletable volume plugin matched".into()
            )
        );
        assert_eq!(
            by_hand(json!({"local": {"path": "/mnt/disks/ssd1"}})),
            Deleter::Failed(
                "error getting deleter volume plugin for volume \"pv1\": no volume plugin matched"
                    .into()
            )
        );
        assert_eq!(
            by_hand(json!({"hostPath": {"path": "/mnt"}})),
            Deleter::HostPath
        );
        assert_eq!(
            by_hand(json!({"csi": {"driver": "d", "volumeHandle": "h"}})),
            Deleter::Nobody
        );
        let provisioned = volume(json!({
            "metadata": {"name": "pvc-1", "annotations": {PROVISIONED_BY: "rancher.io/local-path"}},
            "spec": {"hostPath": {"path": "/var/local-path-provisioner/x"}},
        }));
        assert_eq!(find_deleter(&provisioned), Deleter::External);
    }
}
