//! The value-typed `omitempty` scalar fields of the Go API types: a `bool`, an integer or a
//! string (also a named string type: `PullPolicy`, `Protocol`, `DNSPolicy`, ...) that is
//! not a pointer and is tagged `json:",omitempty"`.
//!
//! Go's `encoding/json` decodes a written zero value of such a field (`false`, `0`, `""`)
//! to the field's zero value, which is what no field at all decodes to: the API server
//! cannot tell `hostNetwork: false` from no `hostNetwork`. It does not write it back
//! (`omitempty`), the storage (protobuf) keeps nothing for it, and
//! `apiequality.Semantic.DeepEqual` finds the two equal, so a zero written where none
//! was is no change and no new generation (B-KCTL-12). k8s-openapi decodes every optional
//! field as an `Option`, which keeps `Some(false)`: the probe of [`super::fields`] records
//! these zeros and the server drops them from the request (`server::go_nulls`).
//!
//! A pointer field (`*int32`, `*bool`, `*string`: `replicas`,
//! `automountServiceAccountToken`, `terminationGracePeriodSeconds`, the security
//! contexts' ids and flags, ...) keeps an explicit zero, and a field without `omitempty`
//! (`Container.name`, `ContainerPort.containerPort`, `ServicePort.port`,
//! `StatefulSetOrdinals.start`, `RoleRef.apiGroup`) is always written: neither is here.
//!
//! Read from upstream's `staging/src/k8s.io/api/{core,apps,batch,networking,rbac,
//! scheduling,autoscaling}/v1*/types.go` and `apimachinery/pkg/apis/meta/v1/types.go`
//! (v1.36), for the structs of the kinds scn decodes; keyed by the struct name k8s-openapi
//! hands `deserialize_struct` (a kind's own struct by its Kind: `Secret`, `PriorityClass`)
//! and the JSON field names. The status structs are here for the status patches a client
//! sends (`patch --subresource=status`): a written `readyReplicas: 0` or a condition's
//! `reason: ""` is stored as no field, as upstream's are; the controllers write their
//! statuses through the types, not a request's decoding. The discovery/v1 structs hold pointers only; its
//! `EndpointPort` shares its name with core/v1's, whose `name` and `protocol` are values
//! ([`omitted`] tells them apart by the kind decoded). policy/v1 and storage/v1 specs
//! hold pointers only.
//!
//! `LocalObjectReference.name` (inlined in the ConfigMap and Secret env sources, key
//! selectors, projections and the ConfigMap volume source) is a value with `omitempty`
//! upstream, but a required string in k8s-openapi: the request's `name: ""` is dropped
//! here as the other zeros are, and [`drop_empty_pull_secret_names`] drops the empty
//! string k8s-openapi writes back for the one such reference validation lets through
//! empty (`imagePullSecrets`, only warned about).
//!
//! Sorted by struct name (a test checks), for a binary search.
use serde_json::Value;

pub(crate) const OMITTED_ZEROS: &[(&str, &[&str])] = &[
    (
        "AWSElasticBlockStoreVolumeSource",
        &["fsType", "partition", "readOnly"],
    ),
    ("AzureFilePersistentVolumeSource", &["readOnly"]),
    ("AzureFileVolumeSource", &["readOnly"]),
    ("CSIPersistentVolumeSource", &["fsType", "readOnly"]),
    (
        "CephFSPersistentVolumeSource",
        &["path", "readOnly", "secretFile", "user"],
    ),
    (
        "CephFSVolumeSource",
        &["path", "readOnly", "secretFile", "user"],
    ),
    ("CinderPersistentVolumeSource", &["fsType", "readOnly"]),
    ("CinderVolumeSource", &["fsType", "readOnly"]),
    ("Condition", &["observedGeneration"]),
    ("ConfigMapEnvSource", &["name"]),
    ("ConfigMapKeySelector", &["name"]),
    ("ConfigMapNodeConfigSource", &["resourceVersion", "uid"]),
    ("ConfigMapProjection", &["name"]),
    ("ConfigMapVolumeSource", &["name"]),
    (
        "Container",
        &[
            "image",
            "imagePullPolicy",
            "stdin",
            "stdinOnce",
            "terminationMessagePath",
            "terminationMessagePolicy",
            "tty",
            "workingDir",
        ],
    ),
    ("ContainerPort", &["hostIP", "hostPort", "name", "protocol"]),
    (
        "ContainerStateTerminated",
        &["containerID", "message", "reason", "signal"],
    ),
    ("ContainerStateWaiting", &["message", "reason"]),
    ("ContainerStatus", &["containerID"]),
    ("CronJobSpec", &["concurrencyPolicy"]),
    ("CrossVersionObjectReference", &["apiVersion"]),
    ("DaemonSetCondition", &["message", "reason"]),
    ("DaemonSetSpec", &["minReadySeconds"]),
    (
        "DaemonSetStatus",
        &[
            "numberAvailable",
            "numberUnavailable",
            "observedGeneration",
            "updatedNumberScheduled",
        ],
    ),
    ("DaemonSetUpdateStrategy", &["type"]),
    ("DeploymentCondition", &["message", "reason"]),
    ("DeploymentSpec", &["minReadySeconds", "paused"]),
    (
        "DeploymentStatus",
        &[
            "availableReplicas",
            "observedGeneration",
            "readyReplicas",
            "replicas",
            "unavailableReplicas",
            "updatedReplicas",
        ],
    ),
    ("DeploymentStrategy", &["type"]),
    ("EmptyDirVolumeSource", &["medium"]),
    ("EndpointAddress", &["hostname"]),
    ("EndpointPort", &["name", "protocol"]),
    ("EnvFromSource", &["prefix"]),
    ("EnvVar", &["value"]),
    (
        "EphemeralContainer",
        &[
            "image",
            "imagePullPolicy",
            "stdin",
            "stdinOnce",
            "targetContainerName",
            "terminationMessagePath",
            "terminationMessagePolicy",
            "tty",
            "workingDir",
        ],
    ),
    ("Event", &["action", "count", "message", "reason", "type"]),
    ("EventSeries", &["count"]),
    ("EventSource", &["component", "host"]),
    ("FCVolumeSource", &["fsType", "readOnly"]),
    ("FlexPersistentVolumeSource", &["fsType", "readOnly"]),
    ("FlexVolumeSource", &["fsType", "readOnly"]),
    ("FlockerVolumeSource", &["datasetName", "datasetUUID"]),
    (
        "GCEPersistentDiskVolumeSource",
        &["fsType", "partition", "readOnly"],
    ),
    ("GitRepoVolumeSource", &["directory", "revision"]),
    ("GlusterfsPersistentVolumeSource", &["readOnly"]),
    ("GlusterfsVolumeSource", &["readOnly"]),
    ("HTTPGetAction", &["host", "path", "scheme"]),
    ("HTTPIngressPath", &["path"]),
    (
        "ISCSIPersistentVolumeSource",
        &[
            "chapAuthDiscovery",
            "chapAuthSession",
            "fsType",
            "iscsiInterface",
            "readOnly",
        ],
    ),
    (
        "ISCSIVolumeSource",
        &[
            "chapAuthDiscovery",
            "chapAuthSession",
            "fsType",
            "iscsiInterface",
            "readOnly",
        ],
    ),
    ("ImageVolumeSource", &["pullPolicy", "reference"]),
    ("IngressRule", &["host"]),
    ("IngressTLS", &["secretName"]),
    ("LoadBalancerIngress", &["hostname", "ip"]),
    ("LocalObjectReference", &["name"]),
    (
        "ManagedFieldsEntry",
        &[
            "apiVersion",
            "fieldsType",
            "manager",
            "operation",
            "subresource",
        ],
    ),
    ("NFSVolumeSource", &["readOnly"]),
    (
        "NodeSpec",
        &["externalID", "podCIDR", "providerID", "unschedulable"],
    ),
    ("ObjectFieldSelector", &["apiVersion"]),
    (
        "ObjectMeta",
        &[
            "generateName",
            "generation",
            "name",
            "namespace",
            "resourceVersion",
            "selfLink",
            "uid",
        ],
    ),
    (
        "ObjectReference",
        &[
            "apiVersion",
            "fieldPath",
            "kind",
            "name",
            "namespace",
            "resourceVersion",
            "uid",
        ],
    ),
    ("PersistentVolumeClaimCondition", &["message", "reason"]),
    ("PersistentVolumeClaimSpec", &["volumeName"]),
    ("PersistentVolumeClaimStatus", &["phase"]),
    ("PersistentVolumeClaimVolumeSource", &["readOnly"]),
    (
        "PersistentVolumeSpec",
        &["persistentVolumeReclaimPolicy", "storageClassName"],
    ),
    ("PersistentVolumeStatus", &["message", "phase", "reason"]),
    ("PhotonPersistentDiskVolumeSource", &["fsType"]),
    (
        "PodCertificateProjection",
        &["certificateChainPath", "credentialBundlePath", "keyPath"],
    ),
    ("PodCondition", &["message", "observedGeneration", "reason"]),
    ("PodDNSConfigOption", &["name"]),
    ("PodDisruptionBudgetStatus", &["observedGeneration"]),
    (
        "PodSpec",
        &[
            "dnsPolicy",
            "hostIPC",
            "hostNetwork",
            "hostPID",
            "hostname",
            "nodeName",
            "priorityClassName",
            "restartPolicy",
            "schedulerName",
            "serviceAccount",
            "serviceAccountName",
            "subdomain",
        ],
    ),
    (
        "PodStatus",
        &[
            "hostIP",
            "message",
            "nominatedNodeName",
            "observedGeneration",
            "phase",
            "podIP",
            "qosClass",
            "reason",
            "resize",
        ],
    ),
    ("PortworxVolumeSource", &["fsType", "readOnly"]),
    ("PriorityClass", &["description", "globalDefault"]),
    (
        "Probe",
        &[
            "failureThreshold",
            "initialDelaySeconds",
            "periodSeconds",
            "successThreshold",
            "timeoutSeconds",
        ],
    ),
    (
        "QuobyteVolumeSource",
        &["group", "readOnly", "tenant", "user"],
    ),
    (
        "RBDPersistentVolumeSource",
        &["fsType", "keyring", "pool", "readOnly", "user"],
    ),
    (
        "RBDVolumeSource",
        &["fsType", "keyring", "pool", "readOnly", "user"],
    ),
    ("ReplicaSetCondition", &["message", "reason"]),
    ("ReplicaSetSpec", &["minReadySeconds"]),
    (
        "ReplicaSetStatus",
        &[
            "availableReplicas",
            "fullyLabeledReplicas",
            "observedGeneration",
            "readyReplicas",
        ],
    ),
    ("ResourceClaim", &["request"]),
    ("ResourceFieldSelector", &["containerName"]),
    ("SELinuxOptions", &["level", "role", "type", "user"]),
    (
        "ScaleIOPersistentVolumeSource",
        &[
            "fsType",
            "protectionDomain",
            "readOnly",
            "sslEnabled",
            "storageMode",
            "storagePool",
            "volumeName",
        ],
    ),
    (
        "ScaleIOVolumeSource",
        &[
            "fsType",
            "protectionDomain",
            "readOnly",
            "sslEnabled",
            "storageMode",
            "storagePool",
            "volumeName",
        ],
    ),
    ("Secret", &["type"]),
    ("SecretEnvSource", &["name"]),
    ("SecretKeySelector", &["name"]),
    ("SecretProjection", &["name"]),
    ("SecretReference", &["name", "namespace"]),
    ("SecretVolumeSource", &["secretName"]),
    ("ServiceAccountTokenProjection", &["audience"]),
    ("ServiceBackendPort", &["name", "number"]),
    ("ServicePort", &["name", "nodePort", "protocol"]),
    (
        "ServiceSpec",
        &[
            "clusterIP",
            "externalName",
            "externalTrafficPolicy",
            "healthCheckNodePort",
            "loadBalancerIP",
            "publishNotReadyAddresses",
            "sessionAffinity",
            "type",
        ],
    ),
    ("StatefulSetCondition", &["message", "reason"]),
    (
        "StatefulSetPersistentVolumeClaimRetentionPolicy",
        &["whenDeleted", "whenScaled"],
    ),
    (
        "StatefulSetSpec",
        &["minReadySeconds", "podManagementPolicy", "serviceName"],
    ),
    (
        "StatefulSetStatus",
        &[
            "currentReplicas",
            "currentRevision",
            "observedGeneration",
            "readyReplicas",
            "updateRevision",
            "updatedReplicas",
        ],
    ),
    ("StatefulSetUpdateStrategy", &["type"]),
    (
        "StorageOSPersistentVolumeSource",
        &["fsType", "readOnly", "volumeName", "volumeNamespace"],
    ),
    (
        "StorageOSVolumeSource",
        &["fsType", "readOnly", "volumeName", "volumeNamespace"],
    ),
    ("Subject", &["apiGroup", "namespace"]),
    ("TCPSocketAction", &["host"]),
    ("Taint", &["value"]),
    ("Toleration", &["effect", "key", "operator", "value"]),
    ("VolumeMount", &["readOnly", "subPath", "subPathExpr"]),
    (
        "VsphereVirtualDiskVolumeSource",
        &["fsType", "storagePolicyID", "storagePolicyName"],
    ),
];

/// The value-typed `omitempty` scalar fields of the struct k8s-openapi names `name`,
/// met while decoding an object of kind `root`.
pub(crate) fn omitted(root: &str, name: &str) -> &'static [&'static str] {
    // discovery/v1's EndpointPort (of an EndpointSlice) holds pointers only.
    if name == "EndpointPort" && root == "EndpointSlice" {
        return &[];
    }
    OMITTED_ZEROS
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .map_or(&[], |i| OMITTED_ZEROS[i].1)
}

/// Go writes a pod spec's `imagePullSecrets` item of an empty name as `{}` (`omitempty`);
/// k8s-openapi, whose `LocalObjectReference.name` is a required string, writes
/// `{"name":""}`. `object` is an object's JSON: its pod spec is at `spec` (a Pod), at
/// `spec.template.spec` (a StatefulSet, DaemonSet) or at `template.spec` (a PodTemplate, a
/// revision's template).
pub(crate) fn drop_empty_pull_secret_names(object: &mut Value) {
    for spec in ["/spec", "/spec/template/spec", "/template/spec"] {
        let Some(Value::Array(secrets)) = object
            .pointer_mut(spec)
            .and_then(|s| s.get_mut("imagePullSecrets"))
        else {
            continue;
        };
        for secret in secrets {
            if let Value::Object(map) = secret {
                if map.get("name").and_then(Value::as_str) == Some("") {
                    map.remove("name");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_holds_values_not_pointers() {
        assert!(OMITTED_ZEROS.windows(2).all(|w| w[0].0 < w[1].0));
        for (_, fields) in OMITTED_ZEROS {
            assert!(fields.windows(2).all(|w| w[0] < w[1]), "{fields:?}");
        }
        // Values with `omitempty` upstream.
        assert!(omitted("Pod", "PodSpec").contains(&"hostNetwork"));
        assert!(omitted("StatefulSet", "StatefulSetSpec").contains(&"minReadySeconds"));
        assert!(omitted("Pod", "VolumeMount").contains(&"readOnly"));
        assert!(omitted("Pod", "Probe").contains(&"initialDelaySeconds"));
        assert!(omitted("Pod", "ContainerPort").contains(&"hostPort"));
        assert!(omitted("Pod", "Container").contains(&"workingDir"));
        assert!(omitted("Endpoints", "EndpointPort").contains(&"name"));
        // Pointers upstream, or not `omitempty`: kept as written.
        assert!(!omitted("StatefulSet", "StatefulSetSpec").contains(&"replicas"));
        for pointer in [
            "automountServiceAccountToken",
            "terminationGracePeriodSeconds",
            "activeDeadlineSeconds",
            "enableServiceLinks",
            "priority",
        ] {
            assert!(!omitted("Pod", "PodSpec").contains(&pointer), "{pointer}");
        }
        assert!(omitted("Pod", "SecurityContext").is_empty());
        assert!(omitted("Pod", "PodSecurityContext").is_empty());
        assert!(!omitted("Pod", "ContainerPort").contains(&"containerPort"));
        assert!(!omitted("Service", "ServicePort").contains(&"port"));
        assert!(omitted("StatefulSet", "StatefulSetOrdinals").is_empty());
        assert!(omitted("EndpointSlice", "EndpointPort").is_empty());
        assert!(omitted("Job", "JobSpec").is_empty());
    }
}
