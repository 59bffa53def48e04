//! Validation on create and update (B-VAL), with upstream field paths and messages.
//!
//! Values inside messages are rendered as upstream's `field.Error` does: strings quoted,
//! integers bare, maps and structures as Go's `%#v` of the internal type.

use std::collections::{BTreeMap, HashSet};

use k8s_openapi::api::apps::v1::{
    RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetSpec, StatefulSetStatus,
    StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimSpec, Pod, PodSpec, Service,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::defaults::{default_statefulset, FeatureGates};
use super::field_error::{quote, FieldError};

const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUALIFIED_NAME_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const NONNEGATIVE_MSG: &str = "must be greater than or equal to 0";
const PORT_RANGE_MSG: &str = "must be between 1 and 65535, inclusive";

/// B-VAL-14 (v1.35+ text, lists 'revisionHistoryLimit').
pub const FORBIDDEN_UPDATE_MSG: &str = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

/// B-VAL-16.
pub const NEGATIVE_HISTORY_WARNING: &str = "spec.revisionHistoryLimit: a negative value retains all historical revisions; a value >= 0 is recommended";

// ---------------------------------------------------------------------------------------------
// Name and label syntax

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| is_lower_alnum(c) || c == '-')
        && s.chars().next().is_some_and(is_lower_alnum)
        && s.chars().last().is_some_and(is_lower_alnum)
}

fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
}

fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(is_dns1123_label)
}

/// Errors of a DNS-1123 label (`IsDNS1123Label`): length, dots, syntax.
pub fn dns1123_label_errors(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    if s.len() > 63 {
        out.push("must be no more than 63 characters".to_string());
    }
    if s.contains('.') {
        out.push("must not contain dots".to_string());
    } else if !is_dns1123_label(s) {
        out.push(DNS1123_LABEL_MSG.to_string());
    }
    out
}

fn dns1035_label_errors(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    if s.len() > 63 {
        out.push("must be no more than 63 characters".to_string());
    }
    if !is_dns1035_label(s) {
        out.push(DNS1035_LABEL_MSG.to_string());
    }
    out
}

/// Errors of a DNS-1123 subdomain (`IsDNS1123Subdomain`).
pub fn dns1123_subdomain_errors(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    if s.len() > 253 {
        out.push("must be no more than 253 characters".to_string());
    }
    if !is_dns1123_subdomain(s) {
        out.push(DNS1123_SUBDOMAIN_MSG.to_string());
    }
    out
}

fn is_label_name_part(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    !s.is_empty()
        && s.chars()
            .all(|c| alnum(c) || c == '-' || c == '_' || c == '.')
        && s.chars().next().is_some_and(alnum)
        && s.chars().last().is_some_and(alnum)
}

fn qualified_name_errors(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if p.is_empty() {
            out.push("prefix part must be non-empty".to_string());
        } else {
            for e in dns1123_subdomain_errors(p) {
                out.push(format!("prefix part {e}"));
            }
        }
    }
    if name.is_empty() {
        out.push("name part must be non-empty".to_string());
    } else {
        if name.len() > 63 {
            out.push("name part must be no more than 63 characters".to_string());
        }
        if !is_label_name_part(name) || name.contains('/') {
            out.push(QUALIFIED_NAME_MSG.to_string());
        }
    }
    out
}

fn label_value_errors(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    if v.len() > 63 {
        out.push("must be no more than 63 characters".to_string());
    }
    if !v.is_empty() && !is_label_name_part(v) {
        out.push(LABEL_VALUE_MSG.to_string());
    }
    out
}

/// `ValidateLabels`: keys are qualified names, values ≤63 characters of the label syntax.
/// All errors carry `path` itself (e.g. `metadata.labels`), as upstream.
pub fn validate_labels(labels: Option<&BTreeMap<String, String>>, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (k, v) in labels.into_iter().flatten() {
        for e in qualified_name_errors(k) {
            errs.push(FieldError::invalid_str(path, k, e));
        }
        for e in label_value_errors(v) {
            errs.push(FieldError::invalid_str(path, v, e));
        }
    }
    errs
}

/// `metadata.name` of an object of `kind`: a DNS-1123 label for StatefulSet and Namespace
/// (B-VAL-15), a DNS-1035 label for Service (upstream `ValidateServiceName`), a DNS-1123
/// subdomain for every other kind.
pub fn validate_object_meta_name(kind: &str, name: &str) -> Vec<FieldError> {
    let path = "metadata.name";
    if name.is_empty() {
        return vec![FieldError::required(
            path,
            "name or generateName is required",
        )];
    }
    let msgs = match kind {
        "StatefulSet" | "Namespace" => dns1123_label_errors(name),
        "Service" => dns1035_label_errors(name),
        _ => dns1123_subdomain_errors(name),
    };
    msgs.into_iter()
        .map(|m| FieldError::invalid_str(path, name, m))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Go `%#v` rendering of the values upstream puts into messages

fn go_string_map(m: Option<&BTreeMap<String, String>>) -> String {
    match m {
        None => "map[string]string(nil)".to_string(),
        Some(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}:{}", quote(k), quote(v)))
                .collect();
            format!("map[string]string{{{}}}", items.join(", "))
        }
    }
}

fn go_string_slice(v: Option<&Vec<String>>) -> String {
    match v {
        None => "[]string(nil)".to_string(),
        Some(v) => {
            let items: Vec<String> = v.iter().map(|s| quote(s)).collect();
            format!("[]string{{{}}}", items.join(", "))
        }
    }
}

fn go_requirement(r: &LabelSelectorRequirement) -> String {
    format!(
        "v1.LabelSelectorRequirement{{Key:{}, Operator:{}, Values:{}}}",
        quote(&r.key),
        quote(&r.operator),
        go_string_slice(r.values.as_ref())
    )
}

/// `%#v` of a (dereferenced) `metav1.LabelSelector`.
pub fn go_label_selector(s: &LabelSelector) -> String {
    let exprs = match &s.match_expressions {
        None => "[]v1.LabelSelectorRequirement(nil)".to_string(),
        Some(v) => {
            let items: Vec<String> = v.iter().map(go_requirement).collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", items.join(", "))
        }
    };
    format!(
        "v1.LabelSelector{{MatchLabels:{}, MatchExpressions:{}}}",
        go_string_map(s.match_labels.as_ref()),
        exprs
    )
}

const GO_POINTER: &str = "0xc000010000";

/// `%#v` of a (dereferenced) `apps.RollingUpdateStatefulSetStrategy`.
pub fn go_rolling_update(r: &RollingUpdateStatefulSetStrategy) -> String {
    let mu = match &r.max_unavailable {
        None => "(*intstr.IntOrString)(nil)".to_string(),
        Some(_) => format!("(*intstr.IntOrString)({GO_POINTER})"),
    };
    format!(
        "apps.RollingUpdateStatefulSetStrategy{{Partition:{}, MaxUnavailable:{}}}",
        r.partition.unwrap_or(0),
        mu
    )
}

/// `%#v` of an `apps.StatefulSetUpdateStrategy`.
pub fn go_update_strategy(u: &StatefulSetUpdateStrategy) -> String {
    let ru = match &u.rolling_update {
        None => "(*apps.RollingUpdateStatefulSetStrategy)(nil)".to_string(),
        Some(_) => format!("(*apps.RollingUpdateStatefulSetStrategy)({GO_POINTER})"),
    };
    format!(
        "apps.StatefulSetUpdateStrategy{{Type:{}, RollingUpdate:{}}}",
        quote(u.type_.as_deref().unwrap_or("")),
        ru
    )
}

fn int_or_string_value(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => quote(s),
    }
}

// ---------------------------------------------------------------------------------------------
// Label selectors

/// Whether `selector` matches `labels` (`LabelSelectorAsSelector` + `Matches`). `None` (nil
/// selector) matches nothing; an empty selector matches everything.
pub fn selector_matches(
    selector: Option<&LabelSelector>,
    labels: Option<&BTreeMap<String, String>>,
) -> bool {
    let Some(sel) = selector else { return false };
    let empty = BTreeMap::new();
    let labels = labels.unwrap_or(&empty);
    for (k, v) in sel.match_labels.iter().flatten() {
        if labels.get(k) != Some(v) {
            return false;
        }
    }
    for r in sel.match_expressions.iter().flatten() {
        let values = r.values.clone().unwrap_or_default();
        let have = labels.get(&r.key);
        let ok = match r.operator.as_str() {
            "In" => have.is_some_and(|h| values.contains(h)),
            "NotIn" => have.is_none_or(|h| !values.contains(h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

fn selector_is_empty(s: &LabelSelector) -> bool {
    s.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && s.match_expressions.as_ref().is_none_or(|m| m.is_empty())
}

/// `ValidateLabelSelector`; returns the errors and whether the selector can be converted.
fn validate_label_selector(s: &LabelSelector, path: &str) -> (Vec<FieldError>, bool) {
    let mut errs = Vec::new();
    let mut convertible = true;
    for (i, r) in s.match_expressions.iter().flatten().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        let nvalues = r.values.as_ref().map_or(0, |v| v.len());
        match r.operator.as_str() {
            "In" | "NotIn" => {
                if nvalues == 0 {
                    errs.push(FieldError::required(
                        format!("{p}.values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if nvalues > 0 {
                    errs.push(FieldError::forbidden(
                        format!("{p}.values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            other => {
                convertible = false;
                errs.push(FieldError::invalid_str(
                    format!("{p}.operator"),
                    other,
                    "not a valid selector operator",
                ));
            }
        }
        for e in qualified_name_errors(&r.key) {
            errs.push(FieldError::invalid_str(format!("{p}.key"), &r.key, e));
        }
        for v in r.values.iter().flatten() {
            for e in label_value_errors(v) {
                convertible = false;
                errs.push(FieldError::invalid_str(format!("{p}.values"), v, e));
            }
        }
    }
    let ml = validate_labels(s.match_labels.as_ref(), &format!("{path}.matchLabels"));
    if !ml.is_empty() {
        convertible = false;
    }
    errs.extend(ml);
    (errs, convertible)
}

// ---------------------------------------------------------------------------------------------
// Pod spec (the template since v1.34, B-VAL-18, and pods the controller creates)

struct PodSpecChecks {
    /// Check each volumeMount's name against the pod's volumes (pods only, B-VAL-18).
    mounts: bool,
    /// Check restartPolicy against all values (pods); the StatefulSet checks it itself.
    restart_policy: bool,
}

fn validate_pod_spec(spec: &PodSpec, path: &str, checks: PodSpecChecks) -> Vec<FieldError> {
    let mut errs = Vec::new();
    // volumes
    let mut volume_names: HashSet<&str> = HashSet::new();
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let p = format!("{path}.volumes[{i}].name");
        if v.name.is_empty() {
            errs.push(FieldError::required(p, ""));
            continue;
        }
        for e in dns1123_label_errors(&v.name) {
            errs.push(FieldError::invalid_str(p.clone(), &v.name, e));
        }
        if !volume_names.insert(v.name.as_str()) {
            errs.push(FieldError::duplicate(p, &v.name));
        }
    }
    // containers
    if spec.containers.is_empty() {
        errs.push(FieldError::required(format!("{path}.containers"), ""));
    }
    let mut names: HashSet<&str> = HashSet::new();
    let groups: [(&str, &[k8s_openapi::api::core::v1::Container]); 2] = [
        (
            "initContainers",
            spec.init_containers.as_deref().unwrap_or(&[]),
        ),
        ("containers", &spec.containers),
    ];
    for (group, containers) in groups {
        for (i, c) in containers.iter().enumerate() {
            let cp = format!("{path}.{group}[{i}]");
            if c.name.is_empty() {
                errs.push(FieldError::required(format!("{cp}.name"), ""));
            } else {
                for e in dns1123_label_errors(&c.name) {
                    errs.push(FieldError::invalid_str(format!("{cp}.name"), &c.name, e));
                }
                if !names.insert(c.name.as_str()) {
                    errs.push(FieldError::duplicate(format!("{cp}.name"), &c.name));
                }
            }
            if c.image.as_deref().unwrap_or("").trim().is_empty() {
                errs.push(FieldError::required(format!("{cp}.image"), ""));
            }
            if let Some(pp) = c.image_pull_policy.as_deref() {
                if !["Always", "IfNotPresent", "Never"].contains(&pp) {
                    errs.push(FieldError::unsupported(
                        format!("{cp}.imagePullPolicy"),
                        pp,
                        &["Always", "IfNotPresent", "Never"],
                    ));
                }
            }
            for (j, port) in c.ports.iter().flatten().enumerate() {
                let pp = format!("{cp}.ports[{j}]");
                if !(1..=65535).contains(&port.container_port) {
                    errs.push(FieldError::invalid(
                        format!("{pp}.containerPort"),
                        port.container_port.to_string(),
                        PORT_RANGE_MSG,
                    ));
                }
                if let Some(proto) = port.protocol.as_deref() {
                    if !["SCTP", "TCP", "UDP"].contains(&proto) {
                        errs.push(FieldError::unsupported(
                            format!("{pp}.protocol"),
                            proto,
                            &["SCTP", "TCP", "UDP"],
                        ));
                    }
                }
            }
            for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
                let mp = format!("{cp}.volumeMounts[{j}]");
                if m.name.is_empty() {
                    errs.push(FieldError::required(format!("{mp}.name"), ""));
                } else if checks.mounts && !volume_names.contains(m.name.as_str()) {
                    errs.push(FieldError::not_found(format!("{mp}.name"), &m.name));
                }
                if m.mount_path.is_empty() {
                    errs.push(FieldError::required(format!("{mp}.mountPath"), ""));
                }
            }
        }
    }
    if checks.restart_policy {
        if let Some(rp) = spec.restart_policy.as_deref() {
            if !["Always", "OnFailure", "Never"].contains(&rp) {
                errs.push(FieldError::unsupported(
                    format!("{path}.restartPolicy"),
                    rp,
                    &["Always", "OnFailure", "Never"],
                ));
            }
        }
    }
    if let Some(dp) = spec.dns_policy.as_deref() {
        let ok = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
        if !ok.contains(&dp) {
            errs.push(FieldError::unsupported(
                format!("{path}.dnsPolicy"),
                dp,
                &ok,
            ));
        }
    }
    if let Some(g) = spec.termination_grace_period_seconds {
        if g < 0 {
            errs.push(FieldError::invalid(
                format!("{path}.terminationGracePeriodSeconds"),
                g.to_string(),
                NONNEGATIVE_MSG,
            ));
        }
    }
    errs.extend(super::validation_ranges::validate_pod_spec_ranges(
        spec, path,
    ));
    errs
}

/// Validation of a Pod the controller (or a user) creates: metadata.name (DNS subdomain),
/// labels (B-VAL-19), containers (names required and unique, image required), each
/// volumeMount naming a volume (B-VAL-18, `Not found`).
pub fn validate_pod(pod: &Pod) -> Vec<FieldError> {
    let mut errs = validate_object_meta_name("Pod", pod.metadata.name.as_deref().unwrap_or(""));
    errs.extend(validate_labels(
        pod.metadata.labels.as_ref(),
        "metadata.labels",
    ));
    match &pod.spec {
        None => errs.push(FieldError::required("spec.containers", "")),
        Some(spec) => {
            for (field, value) in [
                ("spec.hostname", spec.hostname.as_deref()),
                ("spec.subdomain", spec.subdomain.as_deref()),
            ] {
                if let Some(v) = value.filter(|v| !v.is_empty()) {
                    for e in dns1123_label_errors(v) {
                        errs.push(FieldError::invalid_str(field, v, e));
                    }
                }
            }
            errs.extend(validate_pod_spec(
                spec,
                "spec",
                PodSpecChecks {
                    mounts: true,
                    restart_policy: true,
                },
            ));
        }
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// PersistentVolumeClaim

const ACCESS_MODES: [&str; 4] = [
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];

fn validate_pvc_spec(spec: Option<&PersistentVolumeClaimSpec>, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let default = PersistentVolumeClaimSpec::default();
    let spec = spec.unwrap_or(&default);
    let modes = spec.access_modes.as_deref().unwrap_or(&[]);
    if modes.is_empty() {
        errs.push(FieldError::required(format!("{path}.accessModes"), ""));
    }
    for m in modes {
        if !ACCESS_MODES.contains(&m.as_str()) {
            errs.push(FieldError::unsupported(
                format!("{path}.accessModes"),
                m,
                &ACCESS_MODES,
            ));
        }
    }
    let has_storage = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .is_some_and(|r| r.contains_key("storage"));
    if !has_storage {
        errs.push(FieldError::required(
            format!("{path}.resources[storage]"),
            "",
        ));
    }
    if let Some(vm) = spec.volume_mode.as_deref() {
        if !["Block", "Filesystem"].contains(&vm) {
            errs.push(FieldError::unsupported(
                format!("{path}.volumeMode"),
                vm,
                &["Block", "Filesystem"],
            ));
        }
    }
    errs
}

/// PVC validation: name, `spec.accessModes` required (and supported), `spec.resources[storage]`
/// required.
pub fn validate_pvc(pvc: &PersistentVolumeClaim) -> Vec<FieldError> {
    let mut errs = validate_object_meta_name(
        "PersistentVolumeClaim",
        pvc.metadata.name.as_deref().unwrap_or(""),
    );
    errs.extend(validate_labels(
        pvc.metadata.labels.as_ref(),
        "metadata.labels",
    ));
    errs.extend(validate_pvc_spec(pvc.spec.as_ref(), "spec"));
    errs
}

// ---------------------------------------------------------------------------------------------
// Service

/// Service validation: name (DNS-1035 label), ports required unless headless or ExternalName,
/// port numbers, names (required with several ports, unique), protocols, clusterIP (`None`,
/// empty or an IP address), type.
pub fn validate_service(svc: &Service) -> Vec<FieldError> {
    let mut errs = validate_object_meta_name("Service", svc.metadata.name.as_deref().unwrap_or(""));
    errs.extend(validate_labels(
        svc.metadata.labels.as_ref(),
        "metadata.labels",
    ));
    let default = Default::default();
    let spec = svc.spec.as_ref().unwrap_or(&default);
    let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    let ty = spec.type_.as_deref().unwrap_or("ClusterIP");
    if !types.contains(&ty) {
        errs.push(FieldError::unsupported("spec.type", ty, &types));
    }
    let cluster_ip = spec.cluster_ip.as_deref().unwrap_or("");
    let headless = cluster_ip == "None";
    if !cluster_ip.is_empty() && !headless && cluster_ip.parse::<std::net::IpAddr>().is_err() {
        errs.push(FieldError::invalid_str(
            "spec.clusterIPs[0]",
            cluster_ip,
            "must be empty, 'None', or a valid IP address",
        ));
    }
    let ports = spec.ports.as_deref().unwrap_or(&[]);
    if ports.is_empty() && !headless && ty != "ExternalName" {
        errs.push(FieldError::required("spec.ports", ""));
    }
    let mut names: HashSet<&str> = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        let pp = format!("spec.ports[{i}]");
        let name = p.name.as_deref().unwrap_or("");
        if ports.len() > 1 && name.is_empty() {
            errs.push(FieldError::required(format!("{pp}.name"), ""));
        } else if !name.is_empty() {
            for e in dns1123_label_errors(name) {
                errs.push(FieldError::invalid_str(format!("{pp}.name"), name, e));
            }
            if !names.insert(name) {
                errs.push(FieldError::duplicate(format!("{pp}.name"), name));
            }
        }
        if !(1..=65535).contains(&p.port) {
            errs.push(FieldError::invalid(
                format!("{pp}.port"),
                p.port.to_string(),
                PORT_RANGE_MSG,
            ));
        }
        if let Some(proto) = p.protocol.as_deref() {
            if !["SCTP", "TCP", "UDP"].contains(&proto) {
                errs.push(FieldError::unsupported(
                    format!("{pp}.protocol"),
                    proto,
                    &["SCTP", "TCP", "UDP"],
                ));
            }
        }
        if let Some(IntOrString::Int(t)) = &p.target_port {
            if !(1..=65535).contains(t) {
                errs.push(FieldError::invalid(
                    format!("{pp}.targetPort"),
                    t.to_string(),
                    PORT_RANGE_MSG,
                ));
            }
        }
    }
    errs.extend(validate_labels(spec.selector.as_ref(), "spec.selector"));
    errs
}

// ---------------------------------------------------------------------------------------------
// StatefulSet

fn nonnegative(path: &str, v: i64) -> Option<FieldError> {
    (v < 0).then(|| FieldError::invalid(path, v.to_string(), NONNEGATIVE_MSG))
}

fn validate_rolling_update(r: &RollingUpdateStatefulSetStrategy, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    errs.extend(nonnegative(
        &format!("{path}.partition"),
        i64::from(r.partition.unwrap_or(0)),
    ));
    if let Some(mu) = &r.max_unavailable {
        let p = format!("{path}.maxUnavailable");
        let value = int_or_string_value(mu);
        let numeric: Option<i64> = match mu {
            IntOrString::Int(i) => {
                errs.extend(nonnegative(&p, i64::from(*i)));
                Some(i64::from(*i))
            }
            IntOrString::String(s) => {
                match s.strip_suffix('%').and_then(|n| n.parse::<i64>().ok()) {
                    Some(n) => {
                        errs.extend(nonnegative(&p, n).map(|_| {
                            FieldError::invalid(p.clone(), value.clone(), NONNEGATIVE_MSG)
                        }));
                        Some(n)
                    }
                    None => {
                        errs.push(FieldError::invalid(
                        p.clone(),
                        value.clone(),
                        "a valid percent string must be a numeric string followed by an ending '%'",
                    ));
                        None
                    }
                }
            }
        };
        if numeric == Some(0) {
            errs.push(FieldError::invalid(p.clone(), value.clone(), "cannot be 0"));
        }
        if let (IntOrString::String(_), Some(n)) = (mu, numeric) {
            if n > 100 {
                errs.push(FieldError::invalid(
                    p,
                    value,
                    "must not be greater than 100%",
                ));
            }
        }
    }
    errs
}

fn validate_statefulset_spec(spec: &StatefulSetSpec) -> Vec<FieldError> {
    let mut errs = Vec::new();
    // B-VAL-5
    match spec.pod_management_policy.as_deref().unwrap_or("") {
        "" => errs.push(FieldError::required("spec.podManagementPolicy", "")),
        "OrderedReady" | "Parallel" => {}
        other => errs.push(FieldError::invalid_str(
            "spec.podManagementPolicy",
            other,
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    // B-VAL-6, B-VAL-7, B-VAL-8, B-VAL-9
    let default_strategy = StatefulSetUpdateStrategy::default();
    let strategy = spec.update_strategy.as_ref().unwrap_or(&default_strategy);
    match strategy.type_.as_deref().unwrap_or("") {
        "" => errs.push(FieldError::required("spec.updateStrategy", "")),
        "OnDelete" => {
            if let Some(ru) = &strategy.rolling_update {
                errs.push(FieldError::invalid(
                    "spec.updateStrategy.rollingUpdate",
                    go_rolling_update(ru),
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        "RollingUpdate" => {
            if let Some(ru) = &strategy.rolling_update {
                errs.extend(validate_rolling_update(
                    ru,
                    "spec.updateStrategy.rollingUpdate",
                ));
            }
        }
        _ => errs.push(FieldError::invalid(
            "spec.updateStrategy",
            go_update_strategy(strategy),
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }
    // B-VAL-13
    if let Some(policy) = &spec.persistent_volume_claim_retention_policy {
        for (field, value) in [
            ("whenDeleted", policy.when_deleted.as_deref()),
            ("whenScaled", policy.when_scaled.as_deref()),
        ] {
            let v = value.unwrap_or("");
            if v != "Retain" && v != "Delete" {
                errs.push(FieldError::unsupported(
                    format!("spec.persistentVolumeClaimRetentionPolicy.{field}"),
                    v,
                    &["Retain", "Delete"],
                ));
            }
        }
    }
    // B-VAL-12
    if let Some(ord) = &spec.ordinals {
        errs.extend(nonnegative(
            "spec.ordinals.start",
            i64::from(ord.start.unwrap_or(0)),
        ));
    }
    // B-VAL-4
    errs.extend(nonnegative(
        "spec.replicas",
        i64::from(spec.replicas.unwrap_or(1)),
    ));
    // B-VAL-12
    errs.extend(nonnegative(
        "spec.minReadySeconds",
        i64::from(spec.min_ready_seconds.unwrap_or(0)),
    ));
    // B-VAL-3 (B-VAL-2, an absent selector, is handled by `validate_statefulset_json`:
    // k8s-openapi decodes an absent selector as `{}`).
    let selector = &spec.selector;
    let (sel_errs, convertible) = validate_label_selector(selector, "spec.selector");
    errs.extend(sel_errs);
    if selector_is_empty(selector) {
        errs.push(FieldError::invalid(
            "spec.selector",
            go_label_selector(selector),
            "empty selector is invalid for statefulset",
        ));
    }
    let labels = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref());
    if !convertible {
        errs.push(FieldError::invalid(
            "spec.selector",
            go_label_selector(selector),
            "",
        ));
    } else if !selector_is_empty(selector) && !selector_matches(Some(selector), labels) {
        // B-VAL-1
        errs.push(template_mismatch(labels));
    }
    errs.extend(validate_labels(labels, "spec.template.metadata.labels"));
    // B-VAL-18: the pod template is validated since v1.34 (mount names are not cross-checked).
    let default_pod = PodSpec::default();
    let pod_spec = spec.template.spec.as_ref().unwrap_or(&default_pod);
    errs.extend(validate_pod_spec(
        pod_spec,
        "spec.template.spec",
        PodSpecChecks {
            mounts: false,
            restart_policy: false,
        },
    ));
    // B-VAL-10
    let rp = pod_spec.restart_policy.as_deref().unwrap_or("");
    if rp != "Always" {
        errs.push(FieldError::unsupported(
            "spec.template.spec.restartPolicy",
            rp,
            &["Always"],
        ));
    }
    // B-VAL-11
    if pod_spec.active_deadline_seconds.is_some() {
        errs.push(FieldError::forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            "activeDeadlineSeconds in StatefulSet is not Supported",
        ));
    }
    // B-VAL-18: claim templates
    for (i, claim) in spec.volume_claim_templates.iter().flatten().enumerate() {
        let p = format!("spec.volumeClaimTemplates[{i}]");
        let name = claim.metadata.name.as_deref().unwrap_or("");
        if name.is_empty() {
            errs.push(FieldError::required(format!("{p}.metadata.name"), ""));
        } else {
            for e in dns1123_subdomain_errors(name) {
                errs.push(FieldError::invalid_str(
                    format!("{p}.metadata.name"),
                    name,
                    e,
                ));
            }
        }
        errs.extend(validate_labels(
            claim.metadata.labels.as_ref(),
            &format!("{p}.metadata.labels"),
        ));
        errs.extend(validate_pvc_spec(claim.spec.as_ref(), &format!("{p}.spec")));
    }
    errs
}

fn template_mismatch(labels: Option<&BTreeMap<String, String>>) -> FieldError {
    FieldError::invalid(
        "spec.template.metadata.labels",
        go_string_map(labels),
        "`selector` does not match template `labels`",
    )
}

/// Create validation of a (defaulted) StatefulSet: B-VAL-1..13, 15, 18. The Service named by
/// `serviceName` is not checked (B-VAL-20); B-VAL-19 fails only at pod creation
/// ([`validate_pod`]).
///
/// A missing `spec.selector` (B-VAL-2) cannot be represented in the k8s-openapi type (the
/// field is required there); use [`validate_statefulset_json`] to get that error.
pub fn validate_statefulset(sts: &StatefulSet, _gates: &FeatureGates) -> Vec<FieldError> {
    let mut errs =
        validate_object_meta_name("StatefulSet", sts.metadata.name.as_deref().unwrap_or(""));
    errs.extend(validate_labels(
        sts.metadata.labels.as_ref(),
        "metadata.labels",
    ));
    match &sts.spec {
        Some(spec) => errs.extend(validate_statefulset_spec(spec)),
        None => errs.extend(validate_statefulset_spec(&StatefulSetSpec::default())),
    }
    errs
}

/// Like [`validate_statefulset`], but from the JSON object as submitted, so that an absent
/// `spec.selector` gives `spec.selector: Required value` plus the B-VAL-1 error (B-VAL-2).
/// The object is defaulted first ([`default_statefulset`], idempotent). The JSON must decode
/// as a StatefulSet; a decoding error is returned as `Err`.
pub fn validate_statefulset_json(
    obj: &serde_json::Value,
    gates: &FeatureGates,
) -> Result<Vec<FieldError>, String> {
    let mut sts: StatefulSet = serde_json::from_value(obj.clone()).map_err(|e| e.to_string())?;
    default_statefulset(&mut sts, gates);
    let selector_absent = obj.pointer("/spec/selector").is_none_or(|v| v.is_null());
    if !selector_absent {
        return Ok(validate_statefulset(&sts, gates));
    }
    // Run the checks, then replace the selector errors by the nil-selector ones.
    let mut errs: Vec<FieldError> = validate_statefulset(&sts, gates)
        .into_iter()
        .filter(|e| e.path != "spec.selector" && !e.path.starts_with("spec.selector."))
        .filter(|e| {
            !(e.path == "spec.template.metadata.labels"
                && e.detail() == "`selector` does not match template `labels`")
        })
        .collect();
    let labels = sts
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.labels.as_ref());
    // Upstream order: the selector errors come before the template errors.
    let pos = errs
        .iter()
        .position(|e| {
            e.path.starts_with("spec.template") || e.path.starts_with("spec.volumeClaimTemplates")
        })
        .unwrap_or(errs.len());
    errs.insert(pos, template_mismatch(labels));
    errs.insert(pos, FieldError::required("spec.selector", ""));
    Ok(errs)
}

pub use super::quantity::value as quantity_value;

/// Replaces every `resources.{requests,limits}` quantity by its numeric value.
fn normalize_quantities(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let v = if k == "requests" || k == "limits" || k == "capacity" {
                        match v {
                            Value::Object(q) => Value::Object(
                                q.into_iter()
                                    .map(|(qk, qv)| {
                                        let n = qv.as_str().and_then(quantity_value);
                                        match n {
                                            Some(n) => (qk, Value::from(n)),
                                            None => (qk, qv),
                                        }
                                    })
                                    .collect(),
                            ),
                            other => normalize_quantities(other),
                        }
                    } else {
                        normalize_quantities(v)
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(normalize_quantities).collect()),
        other => other,
    }
}

fn spec_or_default(s: &StatefulSet) -> StatefulSetSpec {
    s.spec.clone().unwrap_or_default()
}

/// Update validation: every create check, then B-VAL-14 (only `replicas`, `ordinals`,
/// `template`, `updateStrategy`, `revisionHistoryLimit`, `persistentVolumeClaimRetentionPolicy`
/// and `minReadySeconds` may change). Both objects are expected to be defaulted.
pub fn validate_statefulset_update(
    new: &StatefulSet,
    old: &StatefulSet,
    gates: &FeatureGates,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if new.metadata.name != old.metadata.name {
        errs.push(FieldError::invalid_str(
            "metadata.name",
            new.metadata.name.as_deref().unwrap_or(""),
            "field is immutable",
        ));
    }
    errs.extend(validate_statefulset(new, gates));
    let old_spec = spec_or_default(old);
    let mut clone = spec_or_default(new);
    clone.replicas = old_spec.replicas;
    clone.template = old_spec.template.clone();
    clone.update_strategy = old_spec.update_strategy.clone();
    clone.min_ready_seconds = old_spec.min_ready_seconds;
    clone.ordinals = old_spec.ordinals.clone();
    clone.revision_history_limit = old_spec.revision_history_limit;
    clone.persistent_volume_claim_retention_policy =
        old_spec.persistent_volume_claim_retention_policy.clone();
    let a = serde_json::to_value(&clone).ok().map(normalize_quantities);
    let b = serde_json::to_value(&old_spec)
        .ok()
        .map(normalize_quantities);
    if a != b {
        errs.push(FieldError::forbidden("spec", FORBIDDEN_UPDATE_MSG));
    }
    errs
}

/// Warnings returned with a create or update (B-VAL-16).
pub fn statefulset_warnings(sts: &StatefulSet) -> Vec<String> {
    let mut out = Vec::new();
    if sts
        .spec
        .as_ref()
        .and_then(|s| s.revision_history_limit)
        .is_some_and(|l| l < 0)
    {
        out.push(NEGATIVE_HISTORY_WARNING.to_string());
    }
    out
}

/// Status subresource validation (B-VAL-17). `old` enables the `collisionCount` check.
pub fn validate_statefulset_status(
    status: &StatefulSetStatus,
    old: Option<&StatefulSetStatus>,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let replicas = status.replicas;
    let fields = [
        ("status.replicas", Some(status.replicas)),
        ("status.readyReplicas", status.ready_replicas),
        ("status.currentReplicas", status.current_replicas),
        ("status.updatedReplicas", status.updated_replicas),
        ("status.availableReplicas", status.available_replicas),
        (
            "status.observedGeneration",
            status.observed_generation.map(|g| g as i32),
        ),
        ("status.collisionCount", status.collision_count),
    ];
    for (path, v) in fields {
        if let Some(v) = v {
            errs.extend(nonnegative(path, i64::from(v)));
        }
    }
    for (path, v) in [
        ("status.readyReplicas", status.ready_replicas),
        ("status.currentReplicas", status.current_replicas),
        ("status.updatedReplicas", status.updated_replicas),
        ("status.availableReplicas", status.available_replicas),
    ] {
        if let Some(v) = v {
            if v > replicas {
                errs.push(FieldError::invalid(
                    path,
                    v.to_string(),
                    "cannot be greater than status.replicas",
                ));
            }
        }
    }
    if let Some(a) = status.available_replicas {
        if a > status.ready_replicas.unwrap_or(0) {
            errs.push(FieldError::invalid(
                "status.availableReplicas",
                a.to_string(),
                "cannot be greater than status.readyReplicas",
            ));
        }
    }
    if let (Some(new), Some(old)) = (status.collision_count, old.and_then(|o| o.collision_count)) {
        if new < old {
            errs.push(FieldError::invalid(
                "status.collisionCount",
                new.to_string(),
                "cannot be decremented",
            ));
        }
    }
    errs
}

/// `ValidateControllerRevision`: `data` is mandatory and `revision` not negative.
pub fn validate_controller_revision(
    revision: &k8s_openapi::api::apps::v1::ControllerRevision,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if revision.data.as_ref().is_none_or(|d| d.0.is_null()) {
        errs.push(FieldError::required("data", "data is mandatory"));
    }
    errs.extend(nonnegative("revision", revision.revision));
    errs
}

/// `ValidateControllerRevisionUpdate`: the create checks, and `data` is immutable (the
/// revision number may change: that is how a rollback reuses a revision). The refused value
/// is shown as its JSON; upstream prints Go's `%#v` of the decoded bytes.
pub fn validate_controller_revision_update(
    new: &k8s_openapi::api::apps::v1::ControllerRevision,
    old: &k8s_openapi::api::apps::v1::ControllerRevision,
) -> Vec<FieldError> {
    let mut errs = validate_controller_revision(new);
    let data = |r: &k8s_openapi::api::apps::v1::ControllerRevision| {
        r.data.as_ref().map(|d| d.0.clone()).unwrap_or_default()
    };
    if data(new) != data(old) {
        errs.push(FieldError::invalid(
            "data",
            serde_json::to_string(&data(new)).unwrap_or_default(),
            "field is immutable",
        ));
    }
    errs
}
