//! Range checks of the durations and counts a pod spec gives (probes, tolerations,
//! deadlines), with the API server's own limits and texts (`pkg/apis/core/validation`:
//! `validateProbe`, `validateLivenessProbe`, `validateReadinessProbe`,
//! `validateStartupProbe`, `validateHandler`, `validateLifecycle`, `validateInitContainers`,
//! `ValidateTolerations`, `validatePodSpec`'s `activeDeadlineSeconds`). They run on the
//! defaulted object, as upstream's do, for pods and for the pod templates of workloads,
//! so that every number the kubelet and the taint manager turn into time was accepted by
//! the same rules a cluster applies.

use k8s_openapi::api::core::v1::{
    Container, ExecAction, GRPCAction, HTTPGetAction, PodSpec, Probe, SleepAction, TCPSocketAction,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::field_error::FieldError;

const NONNEGATIVE_MSG: &str = "must be greater than or equal to 0";
/// `validation.InclusiveRangeError(1, math.MaxInt32)`.
const ACTIVE_DEADLINE_MSG: &str = "must be between 1 and 2147483647, inclusive";
const PORT_RANGE_MSG: &str = "must be between 1 and 65535, inclusive";
const INIT_FORBIDDEN_MSG: &str = "may not be set for init containers without restartPolicy=Always";

/// Every range check of a pod spec at `path` (`spec` for a pod, `spec.template.spec` for
/// a workload's template): each container's, then the pod's own. (Validation runs them
/// inside `validate_pod_spec`; this is the tests' way to check them alone.)
#[cfg(test)]
pub fn validate_pod_spec_ranges(spec: &PodSpec, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let grace = spec.termination_grace_period_seconds;
    for (i, c) in spec.containers.iter().enumerate() {
        let cp = format!("{path}.containers[{i}]");
        errs.extend(validate_container_ranges(c, grace, &cp, false));
    }
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        let cp = format!("{path}.initContainers[{i}]");
        errs.extend(validate_container_ranges(c, grace, &cp, true));
    }
    errs.extend(validate_pod_level_ranges(spec, path, Vec::new()));
    errs
}

/// One container's hooks and probes (`validateContainers`, `validateInitContainers`): a
/// regular container's and a sidecar's are checked, a regular init container may have
/// none. Pod validation calls it where upstream does, after the container's other checks.
pub fn validate_container_ranges(
    c: &Container,
    grace: Option<i64>,
    cp: &str,
    init: bool,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if !init || c.restart_policy.as_deref() == Some("Always") {
        // A regular container, or a sidecar: hooks and probes as a regular container's.
        errs.extend(validate_lifecycle(c, grace, cp));
        errs.extend(validate_container_probes(c, cp));
        return errs;
    }
    for (field, set) in [
        ("lifecycle", c.lifecycle.is_some()),
        ("livenessProbe", c.liveness_probe.is_some()),
        ("readinessProbe", c.readiness_probe.is_some()),
        ("startupProbe", c.startup_probe.is_some()),
    ] {
        if set {
            errs.push(FieldError::forbidden(
                format!("{cp}.{field}"),
                INIT_FORBIDDEN_MSG,
            ));
        }
    }
    errs
}

/// The pod's own ranges: `activeDeadlineSeconds`, then (`between`: what `ValidatePodSpec`
/// checks in between, the hostname and subdomain) the tolerations.
pub fn validate_pod_level_ranges(
    spec: &PodSpec,
    path: &str,
    between: Vec<FieldError>,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(d) = spec.active_deadline_seconds {
        if !(1..=i64::from(i32::MAX)).contains(&d) {
            errs.push(FieldError::invalid(
                format!("{path}.activeDeadlineSeconds"),
                d.to_string(),
                ACTIVE_DEADLINE_MSG,
            ));
        }
    }
    errs.extend(between);
    errs.extend(super::validation::validate_tolerations(
        spec.tolerations.as_deref().unwrap_or(&[]),
        &format!("{path}.tolerations"),
    ));
    errs
}

/// `validateLifecycle`: each hook's handler (`validateHandler` of
/// `handlerFromLifecycle`): exactly one of exec, httpGet, tcpSocket, sleep, each checked
/// as a probe's is; a `sleep` between 0 and the pod's terminationGracePeriodSeconds
/// (`validateSleepAction`, the zero value allowed since PodLifecycleSleepActionAllowZero
/// went GA; not checked without a grace period), its path ending at `sleep`.
fn validate_lifecycle(c: &Container, grace: Option<i64>, cp: &str) -> Vec<FieldError> {
    let Some(lifecycle) = &c.lifecycle else {
        return Vec::new();
    };
    let mut errs = Vec::new();
    for (hook, handler) in [
        ("postStart", lifecycle.post_start.as_ref()),
        ("preStop", lifecycle.pre_stop.as_ref()),
    ] {
        let Some(h) = handler else { continue };
        let hp = format!("{cp}.lifecycle.{hook}");
        let handler = Handler {
            exec: h.exec.as_ref(),
            http_get: h.http_get.as_ref(),
            tcp_socket: h.tcp_socket.as_ref(),
            grpc: None,
            sleep: h.sleep.as_ref(),
        };
        errs.extend(validate_handler(&handler, grace, &hp));
    }
    errs
}

/// `validateLivenessProbe`, `validateReadinessProbe` and `validateStartupProbe` of one
/// container, in that order.
fn validate_container_probes(c: &Container, cp: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(p) = &c.liveness_probe {
        let pp = format!("{cp}.livenessProbe");
        errs.extend(validate_probe(p, &pp));
        errs.extend(success_threshold_is_one(p, &pp));
    }
    if let Some(p) = &c.readiness_probe {
        let pp = format!("{cp}.readinessProbe");
        errs.extend(validate_probe(p, &pp));
        if let Some(g) = p.termination_grace_period_seconds {
            errs.push(FieldError::invalid(
                format!("{pp}.terminationGracePeriodSeconds"),
                g.to_string(),
                "must not be set for readinessProbes",
            ));
        }
    }
    if let Some(p) = &c.startup_probe {
        let pp = format!("{cp}.startupProbe");
        errs.extend(validate_probe(p, &pp));
        errs.extend(success_threshold_is_one(p, &pp));
    }
    errs
}

/// A liveness or startup probe's `successThreshold` must be 1 (after defaulting: 0 and
/// unset become 1).
fn success_threshold_is_one(p: &Probe, pp: &str) -> Option<FieldError> {
    let value = p.success_threshold.unwrap_or(0);
    (value != 1).then(|| {
        FieldError::invalid(
            format!("{pp}.successThreshold"),
            value.to_string(),
            "must be 1",
        )
    })
}

/// `validateProbe`: one handler, and every duration and count at least 0; a probe-level
/// `terminationGracePeriodSeconds` greater than 0.
fn validate_probe(p: &Probe, pp: &str) -> Vec<FieldError> {
    let handler = Handler {
        exec: p.exec.as_ref(),
        http_get: p.http_get.as_ref(),
        tcp_socket: p.tcp_socket.as_ref(),
        grpc: p.grpc.as_ref(),
        sleep: None,
    };
    let mut errs = validate_handler(&handler, None, pp);
    for (field, value) in [
        ("initialDelaySeconds", p.initial_delay_seconds),
        ("timeoutSeconds", p.timeout_seconds),
        ("periodSeconds", p.period_seconds),
        ("successThreshold", p.success_threshold),
        ("failureThreshold", p.failure_threshold),
    ] {
        let value = value.unwrap_or(0);
        if value < 0 {
            errs.push(FieldError::invalid(
                format!("{pp}.{field}"),
                value.to_string(),
                NONNEGATIVE_MSG,
            ));
        }
    }
    if let Some(g) = p.termination_grace_period_seconds.filter(|g| *g <= 0) {
        errs.push(FieldError::invalid(
            format!("{pp}.terminationGracePeriodSeconds"),
            g.to_string(),
            "must be greater than 0",
        ));
    }
    errs
}

/// upstream's `commonHandler`: what a probe (`handlerFromProbe`, no sleep) or a lifecycle
/// hook (`handlerFromLifecycle`, no grpc) may do.
struct Handler<'a> {
    exec: Option<&'a ExecAction>,
    http_get: Option<&'a HTTPGetAction>,
    tcp_socket: Option<&'a TCPSocketAction>,
    grpc: Option<&'a GRPCAction>,
    sleep: Option<&'a SleepAction>,
}

/// `validateHandler`: exactly one of exec, httpGet, tcpSocket, grpc, sleep (in that order;
/// a second one is forbidden at its own path), each with what it needs.
fn validate_handler(h: &Handler, grace: Option<i64>, pp: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut handlers = 0;
    let mut one = |name: &str, set: bool, errs: &mut Vec<FieldError>| -> bool {
        if !set {
            return false;
        }
        if handlers > 0 {
            errs.push(FieldError::forbidden(
                format!("{pp}.{name}"),
                "may not specify more than 1 handler type",
            ));
            return false;
        }
        handlers += 1;
        true
    };
    if one("exec", h.exec.is_some(), &mut errs) {
        let empty = h
            .exec
            .is_none_or(|e| e.command.as_ref().is_none_or(Vec::is_empty));
        if empty {
            errs.push(FieldError::required(format!("{pp}.exec.command"), ""));
        }
    }
    if one("httpGet", h.http_get.is_some(), &mut errs) {
        if let Some(g) = h.http_get {
            if g.path.as_deref().unwrap_or("").is_empty() {
                errs.push(FieldError::required(format!("{pp}.httpGet.path"), ""));
            }
            errs.extend(port_num_or_name(&g.port, &format!("{pp}.httpGet.port")));
            let scheme = g.scheme.as_deref().unwrap_or("");
            if scheme != "HTTP" && scheme != "HTTPS" {
                errs.push(FieldError::unsupported(
                    format!("{pp}.httpGet.scheme"),
                    scheme,
                    &["HTTP", "HTTPS"],
                ));
            }
            // `validation.IsHTTPHeaderName` of each header, reported at the list's path.
            for header in g.http_headers.iter().flatten() {
                let name = header.name.as_str();
                let valid = !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
                if !valid {
                    errs.push(FieldError::invalid_str(
                        format!("{pp}.httpGet.httpHeaders"),
                        name,
                        "a valid HTTP header must consist of alphanumeric characters or '-' \
                         (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')",
                    ));
                }
            }
        }
    }
    if one("tcpSocket", h.tcp_socket.is_some(), &mut errs) {
        if let Some(t) = h.tcp_socket {
            errs.extend(port_num_or_name(&t.port, &format!("{pp}.tcpSocket.port")));
        }
    }
    if one("grpc", h.grpc.is_some(), &mut errs) {
        if let Some(g) = h.grpc {
            errs.extend(port_num_or_name(
                &IntOrString::Int(g.port),
                &format!("{pp}.grpc.port"),
            ));
        }
    }
    if one("sleep", h.sleep.is_some(), &mut errs) {
        if let (Some(sleep), Some(grace)) = (h.sleep, grace) {
            if !(0..=grace).contains(&sleep.seconds) {
                errs.push(FieldError::invalid(
                    format!("{pp}.sleep"),
                    sleep.seconds.to_string(),
                    format!(
                        "must be non-negative and less than terminationGracePeriodSeconds ({grace})"
                    ),
                ));
            }
        }
    }
    if handlers == 0 {
        errs.push(FieldError::required(pp, "must specify a handler type"));
    }
    errs
}

/// `ValidatePortNumOrName`: a number in 1..=65535 or an IANA service name.
fn port_num_or_name(port: &IntOrString, path: &str) -> Vec<FieldError> {
    match port {
        IntOrString::Int(n) => {
            if (1..=65535).contains(n) {
                Vec::new()
            } else {
                vec![FieldError::invalid(path, n.to_string(), PORT_RANGE_MSG)]
            }
        }
        IntOrString::String(name) => port_name_errors(name)
            .into_iter()
            .map(|m| FieldError::invalid_str(path, name, m))
            .collect(),
    }
}

/// `validation.IsValidPortName`'s messages.
pub(super) fn port_name_errors(name: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    if name.len() > 15 {
        out.push("must be no more than 15 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        out.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        out.push("must contain at least one letter (a-z)");
    }
    if name.contains("--") {
        out.push("must not contain consecutive hyphens");
    }
    if name.starts_with('-') || name.ends_with('-') {
        out.push("must not begin or end with a hyphen");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{TCPSocketAction, Toleration};

    fn probe() -> Probe {
        Probe {
            tcp_socket: Some(TCPSocketAction {
                port: IntOrString::Int(80),
                ..Default::default()
            }),
            period_seconds: Some(10),
            timeout_seconds: Some(1),
            success_threshold: Some(1),
            failure_threshold: Some(3),
            ..Default::default()
        }
    }

    fn spec(c: Container) -> PodSpec {
        PodSpec {
            containers: vec![c],
            ..Default::default()
        }
    }

    fn texts(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_defaulted_probe_passes() {
        let c = Container {
            name: "app".into(),
            liveness_probe: Some(probe()),
            readiness_probe: Some(probe()),
            startup_probe: Some(probe()),
            ..Default::default()
        };
        assert!(validate_pod_spec_ranges(&spec(c), "spec").is_empty());
    }

    #[test]
    fn negative_durations_and_counts_are_refused_with_their_paths() {
        let p = Probe {
            period_seconds: Some(-1),
            failure_threshold: Some(-3),
            initial_delay_seconds: Some(i32::MIN),
            ..probe()
        };
        let c = Container {
            readiness_probe: Some(p),
            ..Default::default()
        };
        assert_eq!(
            texts(&validate_pod_spec_ranges(&spec(c), "spec")),
            [
                "spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -2147483648: must be greater than or equal to 0",
                "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
                "spec.containers[0].readinessProbe.failureThreshold: Invalid value: -3: must be greater than or equal to 0",
            ]
        );
    }

    #[test]
    fn liveness_success_threshold_must_be_one() {
        let c = Container {
            liveness_probe: Some(Probe {
                success_threshold: Some(2),
                termination_grace_period_seconds: Some(0),
                ..probe()
            }),
            ..Default::default()
        };
        assert_eq!(
            texts(&validate_pod_spec_ranges(&spec(c), "spec.template.spec")),
            [
                "spec.template.spec.containers[0].livenessProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0",
                "spec.template.spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
            ]
        );
    }

    #[test]
    fn a_probe_needs_exactly_one_handler() {
        let none = Probe {
            tcp_socket: None,
            ..probe()
        };
        let c = Container {
            readiness_probe: Some(none),
            ..Default::default()
        };
        assert_eq!(
            texts(&validate_pod_spec_ranges(&spec(c), "spec")),
            ["spec.containers[0].readinessProbe: Required value: must specify a handler type"]
        );
    }

    #[test]
    fn toleration_seconds_need_no_execute_and_deadlines_a_range() {
        let s = PodSpec {
            containers: vec![Container::default()],
            active_deadline_seconds: Some(0),
            tolerations: Some(vec![
                Toleration {
                    operator: Some("Exists".into()),
                    effect: Some("NoSchedule".into()),
                    toleration_seconds: Some(i64::MAX),
                    ..Default::default()
                },
                Toleration {
                    operator: Some("Exists".into()),
                    effect: Some("NoExecute".into()),
                    toleration_seconds: Some(i64::MAX),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        };
        assert_eq!(
            texts(&validate_pod_spec_ranges(&s, "spec")),
            [
                "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
                "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
            ]
        );
    }

    #[test]
    fn probes_on_an_init_container_are_forbidden_unless_it_is_a_sidecar() {
        let init = Container {
            name: "init".into(),
            readiness_probe: Some(probe()),
            ..Default::default()
        };
        let sidecar = Container {
            restart_policy: Some("Always".into()),
            ..init.clone()
        };
        let s = PodSpec {
            containers: vec![Container::default()],
            init_containers: Some(vec![init, sidecar]),
            ..Default::default()
        };
        assert_eq!(
            texts(&validate_pod_spec_ranges(&s, "spec")),
            ["spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"]
        );
    }
}
