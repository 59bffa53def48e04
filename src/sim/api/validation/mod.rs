//! Validation on create and update (B-VAL), with upstream field paths and messages, split
//! as upstream's packages are:
//!
//! - `names`: name, label and number syntax (apimachinery's `util/validation`) and each
//!   kind's `metadata.name` rule;
//! - `objectmeta`: what every kind's metadata must hold (name, labels, annotations, owner
//!   references);
//! - `selector`: label selectors, matched and validated (`meta/v1/validation`);
//! - `render`: values inside messages, rendered as upstream's `field.Error` does: strings
//!   quoted, integers bare, maps and structures as their JSON (internal types with their Go
//!   field names);
//! - per kind (`pkg/apis/{core,apps}/validation`): `pod`, `persistentvolume`,
//!   `persistentvolumeclaim`, `storageclass`, `service`, `statefulset`,
//!   `controllerrevision`, `daemonset`, `deployment` (Deployment and ReplicaSet), `configmap` (ConfigMap and Secret keys);
//! - the parts of a pod spec with rules of their own: `resources` (a container's requests
//!   and limits), `affinity`, `topology_spread`, `taint` (tolerations, and a Node's taints),
//!   `volume` (a volume's source), `env` (a container's environment);
//! - `endpoints` (v1 Endpoints' subsets), `endpointslice` (`pkg/apis/discovery/validation`);
//! - `ip`: IP addresses (apimachinery's `util/validation/ip.go`, `ValidateNonSpecialIP`).

mod affinity;
mod configmap;
mod controllerrevision;
mod daemonset;
mod deployment;
mod endpoints;
mod endpointslice;
mod env;
mod ip;
mod names;
mod objectmeta;
mod persistentvolume;
mod persistentvolumeclaim;
mod pod;
mod pod_resources;
mod render;
mod resources;
pub(crate) use names::{percent, validate_labels};
pub(crate) use resources::{
    is_extended as is_extended_resource, overcommit_allowed, resource_name_errors,
    standard_resource_name_errors, validate_resource_requirements,
};
mod security_context;
mod selector;
mod service;
mod statefulset;
mod storageclass;
mod taint;
mod topology_spread;
mod volume;

pub use configmap::{validate_config_map, validate_data_update, validate_secret};
pub use controllerrevision::{validate_controller_revision, validate_controller_revision_update};
pub use daemonset::{validate_daemonset, validate_daemonset_status, validate_daemonset_update};
pub use deployment::{
    validate_deployment_spec, validate_deployment_status, validate_replicaset_spec,
    validate_replicaset_status, validate_selector_update,
};
pub use endpoints::validate_endpoint_subsets;
pub use endpointslice::{validate_endpoint_slice, validate_endpoint_slice_update};
pub(crate) use env::split_subscripted_path;
pub(crate) use ip::{parse_ip_sloppy, warnings_for_ip, GoIp};
pub use names::{dns1123_label_errors, dns1123_subdomain_errors, validate_object_meta_name};
pub(crate) use names::{path_segment_errors, qualified_name_errors};
pub use objectmeta::{
    validate_finalizer_names, validate_object_meta, validate_object_meta_update,
    validate_owner_references,
};
pub use persistentvolume::{validate_pv, validate_pv_update};
pub use persistentvolumeclaim::{
    requested_storage, storage_request, validate_pvc, validate_pvc_update,
};
pub use pod::{
    deletion_cost, validate_pod, validate_pod_create, validate_pod_status_conditions,
    validate_pod_update,
};
pub(crate) use render::{go_json, int_or_string_json, label_selector_value};
pub(crate) use selector::validate_label_selector;
pub use service::{
    externally_accessible, is_headless, json_list, needs_health_check,
    validate_cluster_ips_related_fields, validate_service, validate_service_status,
    validate_service_update,
};
#[cfg(test)]
pub use statefulset::validate_statefulset;
pub use statefulset::{
    statefulset_warnings, validate_statefulset_json, validate_statefulset_status,
    validate_statefulset_update,
};
pub use storageclass::{validate_storage_class, validate_storage_class_update};
pub use taint::{validate_node_taints, validate_tolerations};
