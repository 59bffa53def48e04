//! Defaulting as the API server does it on create and update (B-DEF), and the feature gates
//! that change it.

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy, RollingUpdateDaemonSet,
    RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy,
    StatefulSetSpec, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{
    Container, EmptyDirVolumeSource, PersistentVolume, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PersistentVolumeClaimStatus, PersistentVolumeSpec,
    PersistentVolumeStatus, Pod, PodSecurityContext, PodSpec, Probe, Service, ServiceSpec, Volume,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The feature gate name for `spec.updateStrategy.rollingUpdate.maxUnavailable`.
pub const MAX_UNAVAILABLE_STATEFULSET: &str = "MaxUnavailableStatefulSet";

/// The kubelet's alpha gate for a faster container restart back-off (1 s doubling to 60 s).
pub const REDUCE_DEFAULT_CRASH_LOOP_BACK_OFF_DECAY: &str = "ReduceDefaultCrashLoopBackOffDecay";

/// Feature gates the simulation knows. The default is the v1.36 default: every gate off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeatureGates {
    /// `MaxUnavailableStatefulSet` (off by default in v1.35.4–v1.36).
    pub max_unavailable_statefulset: bool,
    /// `ReduceDefaultCrashLoopBackOffDecay` (alpha, off by default in v1.36).
    pub reduce_default_crash_loop_back_off_decay: bool,
}

impl FeatureGates {
    /// The gate names the simulation knows.
    pub const KNOWN: &'static [&'static str] = &[
        MAX_UNAVAILABLE_STATEFULSET,
        REDUCE_DEFAULT_CRASH_LOOP_BACK_OFF_DECAY,
    ];

    /// Gates turned on by name; an unknown name is an error that lists the known ones.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<FeatureGates, String> {
        let mut gates = FeatureGates::default();
        for name in names {
            match name.as_ref() {
                MAX_UNAVAILABLE_STATEFULSET => gates.max_unavailable_statefulset = true,
                REDUCE_DEFAULT_CRASH_LOOP_BACK_OFF_DECAY => {
                    gates.reduce_default_crash_loop_back_off_decay = true
                }
                other => {
                    return Err(format!(
                        "unrecognized feature gate: {other} (known gates: {})",
                        Self::KNOWN.join(", ")
                    ))
                }
            }
        }
        Ok(gates)
    }
}

/// `SetDefaults_StatefulSet` (B-DEF-1..9) plus the embedded pod template and claim templates
/// (B-DEF-11).
pub fn default_statefulset(sts: &mut StatefulSet, gates: &FeatureGates) {
    let spec = sts.spec.get_or_insert_with(StatefulSetSpec::default);
    // B-DEF-2
    if spec
        .pod_management_policy
        .as_deref()
        .unwrap_or("")
        .is_empty()
    {
        spec.pod_management_policy = Some("OrderedReady".into());
    }
    // B-DEF-3 / B-DEF-4: rollingUpdate is only allocated when the type was empty.
    let strategy = spec
        .update_strategy
        .get_or_insert_with(StatefulSetUpdateStrategy::default);
    if strategy.type_.as_deref().unwrap_or("").is_empty() {
        strategy.type_ = Some("RollingUpdate".into());
        if strategy.rolling_update.is_none() {
            strategy.rolling_update = Some(RollingUpdateStatefulSetStrategy::default());
        }
    }
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        if let Some(ru) = strategy.rolling_update.as_mut() {
            // B-DEF-5
            if ru.partition.is_none() {
                ru.partition = Some(0);
            }
            // B-DEF-8
            if gates.max_unavailable_statefulset && ru.max_unavailable.is_none() {
                ru.max_unavailable = Some(IntOrString::Int(1));
            }
        }
    }
    // B-DEF-7
    let policy = spec
        .persistent_volume_claim_retention_policy
        .get_or_insert_with(StatefulSetPersistentVolumeClaimRetentionPolicy::default);
    if policy.when_deleted.as_deref().unwrap_or("").is_empty() {
        policy.when_deleted = Some("Retain".into());
    }
    if policy.when_scaled.as_deref().unwrap_or("").is_empty() {
        policy.when_scaled = Some("Retain".into());
    }
    // B-DEF-1
    if spec.replicas.is_none() {
        spec.replicas = Some(1);
    }
    // B-DEF-6
    if spec.revision_history_limit.is_none() {
        spec.revision_history_limit = Some(10);
    }
    // B-DEF-9: minReadySeconds (0, omitted), ordinals (nil) and serviceName have no default.
    // B-DEF-11
    let template_spec = spec.template.spec.get_or_insert_with(PodSpec::default);
    default_pod_spec(template_spec);
    if let Some(claims) = spec.volume_claim_templates.as_mut() {
        for claim in claims {
            default_pvc(claim);
        }
    }
}

/// `SetDefaults_DaemonSet` (`pkg/apis/apps/v1/defaults.go`, B-DS-1): an empty update
/// strategy type is `RollingUpdate`, whose `rollingUpdate` gets `maxUnavailable: 1` and
/// `maxSurge: 0` where unset; `revisionHistoryLimit` 10; then the pod template's defaults
/// (`SetObjectDefaults_DaemonSet` runs `SetDefaults_PodSpec` and the rest on the template).
pub fn default_daemonset(ds: &mut DaemonSet) {
    let spec = ds.spec.get_or_insert_with(DaemonSetSpec::default);
    let strategy = spec
        .update_strategy
        .get_or_insert_with(DaemonSetUpdateStrategy::default);
    if strategy.type_.as_deref().unwrap_or("").is_empty() {
        strategy.type_ = Some("RollingUpdate".into());
    }
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        let ru = strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateDaemonSet::default);
        if ru.max_unavailable.is_none() {
            ru.max_unavailable = Some(IntOrString::Int(1));
        }
        if ru.max_surge.is_none() {
            ru.max_surge = Some(IntOrString::Int(0));
        }
    }
    if spec.revision_history_limit.is_none() {
        spec.revision_history_limit = Some(10);
    }
    let template_spec = spec.template.spec.get_or_insert_with(PodSpec::default);
    default_pod_spec(template_spec);
}

/// `dropStatefulSetDisabledFields` (B-DEF-8): with the MaxUnavailableStatefulSet gate off,
/// `rollingUpdate.maxUnavailable` is dropped on create, and on update unless the old object
/// already used it; then the template's (`DropDisabledTemplateFields`).
pub fn drop_disabled_fields(
    new: &mut StatefulSet,
    old: Option<&StatefulSet>,
    gates: &FeatureGates,
) {
    let old_template = old
        .and_then(|o| o.spec.as_ref())
        .and_then(|s| s.template.spec.as_ref());
    drop_disabled_pod_fields(
        new.spec.as_mut().and_then(|s| s.template.spec.as_mut()),
        old_template,
    );
    if gates.max_unavailable_statefulset {
        return;
    }
    let old_in_use = old
        .and_then(|o| o.spec.as_ref())
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.rolling_update.as_ref())
        .is_some_and(|r| r.max_unavailable.is_some());
    if old_in_use {
        return;
    }
    if let Some(ru) = new
        .spec
        .as_mut()
        .and_then(|s| s.update_strategy.as_mut())
        .and_then(|u| u.rolling_update.as_mut())
    {
        ru.max_unavailable = None;
    }
}

/// `dropDisabledFields` of a pod spec (pkg/api/pod/util.go; the pod strategy's and every
/// workload template's PrepareForCreate and PrepareForUpdate), for the gates off in v1.36
/// whose fields scn's types hold: ContainerStopSignals (alpha) drops every container's
/// `lifecycle.stopSignal`, and a lifecycle it leaves empty, unless the old spec used one
/// (B-DEF-15).
pub fn drop_disabled_pod_fields(spec: Option<&mut PodSpec>, old: Option<&PodSpec>) {
    use k8s_openapi::api::core::v1::Lifecycle;
    let Some(spec) = spec else {
        return;
    };
    fn lifecycles(spec: &PodSpec) -> impl Iterator<Item = Option<&Lifecycle>> {
        spec.containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
            .map(|c| c.lifecycle.as_ref())
            .chain(
                spec.ephemeral_containers
                    .iter()
                    .flatten()
                    .map(|c| c.lifecycle.as_ref()),
            )
    }
    let in_use = old.is_some_and(|o| lifecycles(o).flatten().any(|l| l.stop_signal.is_some()));
    if in_use {
        return;
    }
    let wipe = |lifecycle: &mut Option<Lifecycle>| {
        if let Some(l) = lifecycle.as_mut() {
            if l.stop_signal.take().is_some() && *l == Lifecycle::default() {
                *lifecycle = None;
            }
        }
    };
    for c in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        wipe(&mut c.lifecycle);
    }
    for c in spec.ephemeral_containers.iter_mut().flatten() {
        wipe(&mut c.lifecycle);
    }
}

fn set_if_empty(field: &mut Option<String>, value: &str) {
    if field.as_deref().unwrap_or("").is_empty() {
        *field = Some(value.to_string());
    }
}

/// The default of a field that is a pointer upstream (`*PersistentVolumeMode`,
/// `*ServiceInternalTrafficPolicy`, …): only a missing value is defaulted; an empty string
/// is a value, which validation then refuses (or keeps).
fn set_if_none(field: &mut Option<String>, value: &str) {
    if field.is_none() {
        *field = Some(value.to_string());
    }
}

/// `SetDefaults_Deployment` (`pkg/apis/apps/v1/defaults.go`): one replica, the
/// `RollingUpdate` strategy with 25% `maxUnavailable` and `maxSurge` (a `rollingUpdate` is
/// allocated only for that type), `revisionHistoryLimit` 10, `progressDeadlineSeconds` 600;
/// then the pod template's defaults (B-DEPLOY-1).
pub fn default_deployment(d: &mut k8s_openapi::api::apps::v1::Deployment) {
    use k8s_openapi::api::apps::v1::{DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment};
    let spec = d.spec.get_or_insert_with(DeploymentSpec::default);
    if spec.replicas.is_none() {
        spec.replicas = Some(1);
    }
    let strategy = spec
        .strategy
        .get_or_insert_with(DeploymentStrategy::default);
    if strategy.type_.as_deref().unwrap_or("").is_empty() {
        strategy.type_ = Some("RollingUpdate".into());
    }
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        let ru = strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateDeployment::default);
        if ru.max_unavailable.is_none() {
            ru.max_unavailable = Some(IntOrString::String("25%".into()));
        }
        if ru.max_surge.is_none() {
            ru.max_surge = Some(IntOrString::String("25%".into()));
        }
    }
    if spec.revision_history_limit.is_none() {
        spec.revision_history_limit = Some(10);
    }
    if spec.progress_deadline_seconds.is_none() {
        spec.progress_deadline_seconds = Some(600);
    }
    default_pod_spec(spec.template.spec.get_or_insert_with(PodSpec::default));
}

/// `SetDefaults_ReplicaSet`: one replica; then the pod template's defaults (B-RS-1).
pub fn default_replicaset(rs: &mut k8s_openapi::api::apps::v1::ReplicaSet) {
    let spec = rs.spec.get_or_insert_with(Default::default);
    if spec.replicas.is_none() {
        spec.replicas = Some(1);
    }
    let template = spec.template.get_or_insert_with(Default::default);
    default_pod_spec(template.spec.get_or_insert_with(PodSpec::default));
}

/// `SetDefaults_PodSpec` and the container/probe/volume defaults under it.
pub fn default_pod_spec(spec: &mut PodSpec) {
    set_if_empty(&mut spec.dns_policy, "ClusterFirst");
    set_if_empty(&mut spec.restart_policy, "Always");
    if spec.termination_grace_period_seconds.is_none() {
        spec.termination_grace_period_seconds = Some(30);
    }
    set_if_empty(&mut spec.scheduler_name, "default-scheduler");
    service_account_conversion(spec);
    if spec.security_context.is_none() {
        spec.security_context = Some(PodSecurityContext::default());
    }
    canonical_quantities(spec.overhead.as_mut());
    if let Some(resources) = spec.resources.as_mut() {
        canonical_quantities(resources.requests.as_mut());
        canonical_quantities(resources.limits.as_mut());
    }
    for c in spec.containers.iter_mut() {
        default_container(c);
    }
    if let Some(init) = spec.init_containers.as_mut() {
        for c in init {
            default_container(c);
        }
    }
    if let Some(volumes) = spec.volumes.as_mut() {
        for v in volumes {
            default_volume(v);
        }
    }
}

/// The v1 conversion of a pod spec (`Convert_v1_PodSpec_To_core_PodSpec` and back): the
/// deprecated `serviceAccount` names the account when `serviceAccountName` does not, and the
/// v1 form repeats `serviceAccountName` in it.
fn service_account_conversion(spec: &mut PodSpec) {
    let name = spec
        .service_account_name
        .as_deref()
        .filter(|n| !n.is_empty());
    let deprecated = spec.service_account.as_deref().filter(|n| !n.is_empty());
    match (name, deprecated) {
        (Some(name), _) => spec.service_account = Some(name.to_string()),
        (None, Some(old)) => spec.service_account_name = Some(old.to_string()),
        (None, None) => {}
    }
}

/// `SetDefaults_Pod`: what a Pod gets beyond its spec's defaults (a pod template does not):
/// each container's and init container's missing requests are copied from its limits
/// (per resource, so partly set requests keep theirs), pod-level requests are filled in
/// where pod-level limits are set (`defaultPodRequests`), `enableServiceLinks` is true, and
/// with `hostNetwork` each container port's `hostPort` defaults to its `containerPort`.
pub fn default_pod(pod: &mut Pod) {
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    default_pod_spec(spec);
    // `Convert_v1_Pod_To_core_Pod` (kubernetes/kubernetes#115606, v1.27): a Pod's negative
    // grace period is taken as 1 on the way in; a pod template keeps its value and only
    // warns (B-POD-9).
    if spec.termination_grace_period_seconds.is_some_and(|g| g < 0) {
        spec.termination_grace_period_seconds = Some(1);
    }
    let init = spec.init_containers.iter_mut().flatten();
    for c in spec.containers.iter_mut().chain(init) {
        let Some(resources) = c.resources.as_mut() else {
            continue;
        };
        let Some(limits) = resources.limits.as_ref() else {
            continue;
        };
        let requests = resources.requests.get_or_insert_with(Default::default);
        for (name, value) in limits {
            requests
                .entry(name.clone())
                .or_insert_with(|| value.clone());
        }
    }
    super::resource::default_pod_requests(spec);
    if spec.enable_service_links.is_none() {
        spec.enable_service_links = Some(true);
    }
    // `defaultHostNetworkPorts`: on the host's network every port without a hostPort takes
    // its containerPort as hostPort (pods only since v1.28, not templates), so the
    // scheduler's NodePorts filter keeps such pods one per node.
    if spec.host_network == Some(true) {
        let init = spec.init_containers.iter_mut().flatten();
        for c in spec.containers.iter_mut().chain(init) {
            for port in c.ports.iter_mut().flatten() {
                if port.host_port.unwrap_or(0) == 0 {
                    port.host_port = Some(port.container_port);
                }
            }
        }
    }
}

/// `imagePullPolicy` default: `Always` for the `latest` tag or no tag (and no digest), else
/// `IfNotPresent`; an image the reference grammar refuses (`parsers.ParseImageName` fails:
/// `NGINX`, `app:1:2`) has no tag to read and gets `IfNotPresent`.
pub fn default_pull_policy(image: &str) -> &'static str {
    if crate::sim::kubelet::image_reference::check(image).is_err() {
        return "IfNotPresent";
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t);
    match tag {
        Some("latest") => "Always",
        Some(_) => "IfNotPresent",
        None if digest => "IfNotPresent",
        None => "Always",
    }
}

fn default_container(c: &mut Container) {
    // `resources` is a struct, not a pointer, in the API's Go types: it is always there,
    // `{}` when nothing is requested, in the stored object and in the revision data that
    // names a ControllerRevision.
    let resources = c.resources.get_or_insert_with(Default::default);
    canonical_quantities(resources.requests.as_mut());
    canonical_quantities(resources.limits.as_mut());
    if c.image_pull_policy.as_deref().unwrap_or("").is_empty() {
        let policy = default_pull_policy(c.image.as_deref().unwrap_or(""));
        c.image_pull_policy = Some(policy.to_string());
    }
    set_if_empty(&mut c.termination_message_path, "/dev/termination-log");
    set_if_empty(&mut c.termination_message_policy, "File");
    if let Some(ports) = c.ports.as_mut() {
        for p in ports {
            set_if_empty(&mut p.protocol, "TCP");
        }
    }
    for probe in [
        c.liveness_probe.as_mut(),
        c.readiness_probe.as_mut(),
        c.startup_probe.as_mut(),
    ]
    .into_iter()
    .flatten()
    {
        default_probe(probe);
    }
    // `SetDefaults_HTTPGetAction` applies to the hooks' handlers as to the probes'.
    if let Some(lifecycle) = c.lifecycle.as_mut() {
        for hook in [lifecycle.post_start.as_mut(), lifecycle.pre_stop.as_mut()]
            .into_iter()
            .flatten()
        {
            if let Some(h) = hook.http_get.as_mut() {
                set_if_empty(&mut h.path, "/");
                set_if_empty(&mut h.scheme, "HTTP");
            }
        }
    }
    if let Some(env) = c.env.as_mut() {
        for e in env {
            if let Some(f) = e.value_from.as_mut().and_then(|v| v.field_ref.as_mut()) {
                set_if_empty(&mut f.api_version, "v1");
            }
            // `FileKeySelector.optional` is `+default=false` (EnvFiles, beta since v1.35).
            if let Some(f) = e.value_from.as_mut().and_then(|v| v.file_key_ref.as_mut()) {
                f.optional.get_or_insert(false);
            }
            if let Some(r) = e
                .value_from
                .as_mut()
                .and_then(|v| v.resource_field_ref.as_mut())
            {
                stored_divisor(r);
            }
        }
    }
}

/// A `resourceFieldRef`'s `divisor` is a Quantity held by value (`omitempty` does not
/// omit a struct): written back canonical, and `"0"` when not given (which reads as 1).
fn stored_divisor(r: &mut k8s_openapi::api::core::v1::ResourceFieldSelector) {
    let divisor = r.divisor.get_or_insert_with(|| Quantity("0".into()));
    if let Some(text) = crate::quantity::to_canonical_string(&divisor.0) {
        divisor.0 = text;
    }
}

/// `SetDefaults_Probe`: the fields are plain int32 upstream, so 0 (the zero value) is
/// defaulted as an absent field is.
fn default_probe(p: &mut Probe) {
    for (field, default) in [
        (&mut p.timeout_seconds, 1),
        (&mut p.period_seconds, 10),
        (&mut p.success_threshold, 1),
        (&mut p.failure_threshold, 3),
    ] {
        if field.is_none_or(|v| v == 0) {
            *field = Some(default);
        }
    }
    if let Some(h) = p.http_get.as_mut() {
        set_if_empty(&mut h.path, "/");
        set_if_empty(&mut h.scheme, "HTTP");
    }
    // `GRPCAction.Service` is `+default=""` (the generated defaulter): a gRPC probe
    // without a service stores `service: ""`.
    if let Some(g) = p.grpc.as_mut() {
        g.service.get_or_insert_with(String::new);
    }
}

fn default_volume(v: &mut Volume) {
    // A volume with no source gets `emptyDir: {}` (SetDefaults_Volume).
    let has_source = serde_json::to_value(&*v)
        .ok()
        .and_then(|j| j.as_object().map(|m| m.keys().any(|k| k != "name")))
        .unwrap_or(true);
    if !has_source {
        v.empty_dir = Some(EmptyDirVolumeSource::default());
    }
    // `SetDefaults_HostPathVolumeSource`: an unset type is `""` (HostPathUnset).
    if let Some(h) = v.host_path.as_mut() {
        h.type_.get_or_insert_with(String::new);
    }
    if let Some(s) = v.secret.as_mut() {
        if s.default_mode.is_none() {
            s.default_mode = Some(0o644);
        }
    }
    if let Some(s) = v.config_map.as_mut() {
        if s.default_mode.is_none() {
            s.default_mode = Some(0o644);
        }
    }
    // `SetDefaults_DownwardAPIVolumeSource`, `SetDefaults_ProjectedVolumeSource` (0644),
    // `SetDefaults_ServiceAccountTokenProjection` (an hour) and, for every file's
    // `fieldRef`, `SetDefaults_ObjectFieldSelector` (`v1`).
    let mut files = Vec::new();
    if let Some(d) = v.downward_api.as_mut() {
        d.default_mode.get_or_insert(0o644);
        files.extend(d.items.iter_mut().flatten());
    }
    if let Some(p) = v.projected.as_mut() {
        p.default_mode.get_or_insert(0o644);
        for source in p.sources.iter_mut().flatten() {
            if let Some(d) = source.downward_api.as_mut() {
                files.extend(d.items.iter_mut().flatten());
            }
            if let Some(t) = source.service_account_token.as_mut() {
                t.expiration_seconds.get_or_insert(3600);
            }
        }
    }
    for file in files {
        if let Some(f) = file.field_ref.as_mut() {
            set_if_empty(&mut f.api_version, "v1");
        }
        if let Some(r) = file.resource_field_ref.as_mut() {
            stored_divisor(r);
        }
    }
    // A generic ephemeral volume's claim template gets `SetDefaults_PersistentVolumeClaimSpec`
    // (`volumeMode: Filesystem`) and its resource lists' defaults.
    if let Some(spec) = v
        .ephemeral
        .as_mut()
        .and_then(|e| e.volume_claim_template.as_mut())
        .map(|t| &mut t.spec)
    {
        default_pvc_spec(spec);
    }
}

/// `SetDefaults_ResourceList`, and the canonical form the API server writes every quantity
/// back in (`Quantity.MarshalJSON` of what `ParseQuantity` read): a value with digits finer
/// than a milli-unit is rounded up to one (`100u` is stored as `1m`), `0.5` is stored as
/// `500m`, `1024Mi` as `1Gi`, `1000m` as `1`; a text already canonical stays as written.
/// One that does not parse is left for validation to refuse.
fn canonical_quantities(map: Option<&mut std::collections::BTreeMap<String, Quantity>>) {
    for q in map.into_iter().flat_map(|m| m.values_mut()) {
        if let Some(text) = crate::quantity::to_defaulted_string(&q.0) {
            q.0 = text;
        }
    }
}

/// [`canonical_quantities`] on a resource list held as JSON (a ResourceQuota's `hard`, a
/// LimitRange item's lists): each quantity, a string or a number as Go's decoder reads it,
/// becomes the string the API server stores; an entry that is not a quantity is left for
/// validation.
pub fn default_resource_list_json(list: Option<&mut serde_json::Value>) {
    use serde_json::Value;
    let Some(map) = list.and_then(Value::as_object_mut) else {
        return;
    };
    for q in map.values_mut() {
        let text = match q {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        if let Some(stored) = crate::quantity::to_defaulted_string(&text) {
            *q = Value::String(stored);
        }
    }
}

/// `SetDefaults_EndpointPort` (discovery/v1): a port's name is `""` and its protocol `TCP`
/// unless given.
pub fn default_endpoint_slice(slice: &mut EndpointSlice) {
    // `Endpoint.Conditions` is a struct, which Go's JSON encoder always writes: an
    // endpoint without conditions reads back `conditions: {}`.
    for endpoint in slice.endpoints.iter_mut().flatten() {
        endpoint.conditions.get_or_insert_with(Default::default);
    }
    for port in slice.ports.iter_mut().flatten() {
        if port.name.is_none() {
            port.name = Some(String::new());
        }
        if port.protocol.is_none() {
            port.protocol = Some("TCP".to_string());
        }
    }
}

/// `SetDefaults_PersistentVolumeClaim(Spec)`: `volumeMode: Filesystem`, `status.phase: Pending`.
pub fn default_pvc(pvc: &mut PersistentVolumeClaim) {
    let spec = pvc
        .spec
        .get_or_insert_with(PersistentVolumeClaimSpec::default);
    default_pvc_spec(spec);
    let status = pvc
        .status
        .get_or_insert_with(PersistentVolumeClaimStatus::default);
    set_if_empty(&mut status.phase, "Pending");
}

/// `SetDefaults_PersistentVolumeClaimSpec` (`volumeMode: Filesystem`) and the claim's
/// resource lists' defaults: for a claim, a claim template and an ephemeral volume's.
fn default_pvc_spec(spec: &mut PersistentVolumeClaimSpec) {
    set_if_none(&mut spec.volume_mode, "Filesystem");
    if let Some(resources) = spec.resources.as_mut() {
        canonical_quantities(resources.requests.as_mut());
        canonical_quantities(resources.limits.as_mut());
    }
}

/// `SetDefaults_PersistentVolume`: reclaim policy `Retain`, `volumeMode: Filesystem`,
/// `status.phase: Pending`; the capacity in canonical form.
pub fn default_pv(pv: &mut PersistentVolume) {
    let spec = pv.spec.get_or_insert_with(PersistentVolumeSpec::default);
    set_if_empty(&mut spec.persistent_volume_reclaim_policy, "Retain");
    set_if_none(&mut spec.volume_mode, "Filesystem");
    if let Some(h) = spec.host_path.as_mut() {
        h.type_.get_or_insert_with(String::new);
    }
    canonical_quantities(spec.capacity.as_mut());
    let status = pv
        .status
        .get_or_insert_with(PersistentVolumeStatus::default);
    set_if_empty(&mut status.phase, "Pending");
}

/// `SetDefaults_StorageClass`: `reclaimPolicy: Delete`, `volumeBindingMode: Immediate`.
pub fn default_storage_class(class: &mut StorageClass) {
    set_if_none(&mut class.reclaim_policy, "Delete");
    set_if_none(&mut class.volume_binding_mode, "Immediate");
}

/// `SetDefaults_Service`'s status part, on a Service as JSON: a LoadBalancer's ingress with
/// an `ip` and no `ipMode` gets `VIP` (`LoadBalancerIPMode`, on by default since v1.32).
pub fn default_ingress_ip_mode(svc: &mut serde_json::Value) {
    if svc.pointer("/spec/type").and_then(|t| t.as_str()) != Some("LoadBalancer") {
        return;
    }
    let Some(ingress) = svc
        .pointer_mut("/status/loadBalancer/ingress")
        .and_then(|i| i.as_array_mut())
    else {
        return;
    };
    for item in ingress.iter_mut().filter_map(|i| i.as_object_mut()) {
        let has_ip = item
            .get("ip")
            .and_then(|ip| ip.as_str())
            .is_some_and(|ip| !ip.is_empty());
        if has_ip && item.get("ipMode").is_none_or(|m| m.is_null()) {
            item.insert("ipMode".into(), serde_json::Value::from("VIP"));
        }
    }
}

/// `SetDefaults_Service`: `sessionAffinity: None` (a `ClientIP` affinity gets a 10800 s
/// timeout; `None` drops any affinity config), `type: ClusterIP`, port `protocol: TCP` and
/// `targetPort` = `port`, `externalTrafficPolicy: Cluster` for an externally-accessible
/// Service, `internalTrafficPolicy: Cluster` for the ClusterIP, NodePort and LoadBalancer
/// types, `allocateLoadBalancerNodePorts: true` for a LoadBalancer.
pub fn default_service(svc: &mut Service) {
    let spec = svc.spec.get_or_insert_with(ServiceSpec::default);
    set_if_empty(&mut spec.session_affinity, "None");
    match spec.session_affinity.as_deref() {
        Some("None") => spec.session_affinity_config = None,
        Some("ClientIP") => {
            let config = spec
                .session_affinity_config
                .get_or_insert_with(Default::default);
            let client = config.client_ip.get_or_insert_with(Default::default);
            client.timeout_seconds.get_or_insert(10800);
        }
        _ => {}
    }
    set_if_empty(&mut spec.type_, "ClusterIP");
    if let Some(ports) = spec.ports.as_mut() {
        for p in ports {
            set_if_empty(&mut p.protocol, "TCP");
            let unset = match &p.target_port {
                None => true,
                Some(IntOrString::Int(0)) => true,
                Some(IntOrString::String(s)) => s.is_empty(),
                Some(_) => false,
            };
            if unset {
                p.target_port = Some(IntOrString::Int(p.port));
            }
        }
    }
    if super::validation::externally_accessible(spec) {
        set_if_empty(&mut spec.external_traffic_policy, "Cluster");
    }
    let ty = spec.type_.as_deref().unwrap_or_default();
    if ["ClusterIP", "NodePort", "LoadBalancer"].contains(&ty) {
        set_if_none(&mut spec.internal_traffic_policy, "Cluster");
    }
    if ty == "LoadBalancer" {
        spec.allocate_load_balancer_node_ports.get_or_insert(true);
    }
}

/// A Secret's `stringData` (`Convert_v1_Secret_To_core_Secret`): a write-only field whose
/// keys are merged into `data`, base64-encoded, over any `data` key of the same name; the
/// stored Secret has no `stringData`.
pub fn merge_secret_string_data(body: &mut serde_json::Value) {
    let Some(map) = body.as_object_mut() else {
        return;
    };
    let Some(serde_json::Value::Object(strings)) = map.remove("stringData") else {
        return;
    };
    let data = map
        .entry("data")
        .or_insert_with(|| serde_json::Value::Object(Default::default()));
    if !data.is_object() {
        *data = serde_json::Value::Object(Default::default());
    }
    let Some(data) = data.as_object_mut() else {
        return;
    };
    for (key, value) in strings {
        let text = match value {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        let encoded = serde_json::to_value(k8s_openapi::ByteString(text.into_bytes()))
            .unwrap_or(serde_json::Value::Null);
        data.insert(key, encoded);
    }
}
