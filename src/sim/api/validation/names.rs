//! Name, label and number syntax, as apimachinery's `util/validation` checks it
//! (`IsDNS1123Label`, `IsDNS1123Subdomain`, `IsQualifiedName`,
//! `IsValidLabelValue`, `ValidateLabels`, `ValidateNonnegativeField`, port ranges) and
//! the `metadata.name` rule of each kind.

use std::collections::BTreeMap;

use super::super::field_error::FieldError;

const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUALIFIED_NAME_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
pub(super) const NONNEGATIVE_MSG: &str = "must be greater than or equal to 0";
pub(super) const PORT_RANGE_MSG: &str = "must be between 1 and 65535, inclusive";

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| is_lower_alnum(c) || c == '-')
        && s.chars().next().is_some_and(is_lower_alnum)
        && s.chars().last().is_some_and(is_lower_alnum)
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
    if !is_dns1123_label(s) {
        // A valid subdomain that is not a label can only hold dots (its length was told).
        if is_dns1123_subdomain(s) {
            out.push("must not contain dots".to_string());
        } else {
            out.push(DNS1123_LABEL_MSG.to_string());
        }
    }
    out
}

/// `dns1123SubdomainErrorMsgFG` with its regex (`dns1123SubdomainFmtWithUnderscore`).
const DNS1123_SUBDOMAIN_UNDERSCORE_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*')";

/// `dns1123LabelFmtWithUnderscore`: `_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?`.
fn is_dns1123_label_with_underscore(s: &str) -> bool {
    let rest = s.strip_prefix('_').unwrap_or(s);
    !rest.is_empty()
        && rest
            .chars()
            .all(|c| is_lower_alnum(c) || c == '-' || c == '_')
        && rest.chars().next().is_some_and(is_lower_alnum)
        && rest.chars().last().is_some_and(is_lower_alnum)
}

/// Errors of a DNS-1123 subdomain that may hold underscores
/// (`IsDNS1123SubdomainWithUnderscore`).
pub fn dns1123_subdomain_with_underscore_errors(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    if s.len() > 253 {
        out.push("must be no more than 253 characters".to_string());
    }
    if s.is_empty() || !s.split('.').all(is_dns1123_label_with_underscore) {
        out.push(DNS1123_SUBDOMAIN_UNDERSCORE_MSG.to_string());
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

pub(crate) fn qualified_name_errors(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    if key.matches('/').count() > 1 {
        let body = QUALIFIED_NAME_MSG.trim_start_matches("name part ");
        return vec![format!(
            "a qualified name {body} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        )];
    }
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
    } else if name.len() > 63 {
        out.push("name part must be no more than 63 characters".to_string());
    }
    // The syntax is checked apart from the length: an empty name breaks both rules.
    if !is_label_name_part(name) || name.contains('/') {
        out.push(QUALIFIED_NAME_MSG.to_string());
    }
    out
}

pub(super) fn label_value_errors(v: &str) -> Vec<String> {
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

/// apimachinery's `path.IsValidPathSegmentName`: the only rule for the name of a kind whose
/// strategy does not check it (the generic registry's `ValidatePathSegmentName`).
pub(crate) fn path_segment_errors(name: &str) -> Vec<String> {
    for illegal in [".", ".."] {
        if name == illegal {
            return vec![format!("may not be '{illegal}'")];
        }
    }
    ["/", "%"]
        .iter()
        .filter(|illegal| name.contains(*illegal))
        .map(|illegal| format!("may not contain '{illegal}'"))
        .collect()
}

/// `metadata.name` of an object of `kind`: a DNS-1123 label for StatefulSet and Namespace
/// (B-VAL-15) and for Service (B-SVC-18: v1.36's `RelaxedServiceNameValidation`, beta and
/// on by default, validates a new Service's name with `NameIsDNSLabel` instead of the
/// DNS-1035 `ValidateServiceName`, so it may start with a digit); only the URL
/// path rules for the kinds whose validation leaves the name to the generic registry
/// (PodDisruptionBudget, Event, the RBAC kinds: `ValidateRBACName` is
/// `path.IsValidPathSegmentName`); a DNS-1123 subdomain for every other kind, a CronJob's
/// at most 52 characters (its Jobs add an 11-character suffix).
pub fn validate_object_meta_name(kind: &str, name: &str) -> Vec<FieldError> {
    let path = "metadata.name";
    if name.is_empty() {
        return vec![FieldError::required(
            path,
            "name or generateName is required",
        )];
    }
    let mut msgs = match kind {
        "StatefulSet" | "Namespace" | "Service" => dns1123_label_errors(name),
        "PodDisruptionBudget"
        | "Event"
        | "Role"
        | "RoleBinding"
        | "ClusterRole"
        | "ClusterRoleBinding" => path_segment_errors(name),
        _ => dns1123_subdomain_errors(name),
    };
    if kind == "CronJob" && name.len() > 52 {
        msgs.push("must be no more than 52 characters".to_string());
    }
    msgs.into_iter()
        .map(|m| FieldError::invalid_str(path, name, m))
        .collect()
}

/// apimachinery's `TotalAnnotationSizeLimitB`: the keys and values of an object's
/// annotations together.
const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// `ValidateAnnotations`: each key a qualified name (checked in lower case: the case of an
/// annotation key does not matter), and all of them at most 256 KiB.
pub fn validate_annotations(
    annotations: Option<&BTreeMap<String, String>>,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut total = 0usize;
    for (k, v) in annotations.into_iter().flatten() {
        for e in qualified_name_errors(&k.to_lowercase()) {
            errs.push(FieldError::invalid_str(path, k, e));
        }
        total = total.saturating_add(k.len()).saturating_add(v.len());
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.push(FieldError::too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT));
    }
    errs
}

const CONFIG_MAP_KEY_MSG: &str = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

/// `IsConfigMapKey`: a ConfigMap's or Secret's key is a file name in a volume: at most 253
/// characters of `[-._a-zA-Z0-9]`, and not `.`, `..` or starting with `..`.
pub fn config_map_key_errors(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    if key.len() > 253 {
        out.push("must be no more than 253 characters".to_string());
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    if key.is_empty() || !key.chars().all(allowed) {
        out.push(CONFIG_MAP_KEY_MSG.to_string());
    }
    if key == "." {
        out.push("must not be '.'".to_string());
    } else if key == ".." {
        out.push("must not be '..'".to_string());
    } else if key.starts_with("..") {
        out.push("must not start with '..'".to_string());
    }
    out
}

/// `getPercentValue` after `IsValidPercent` (digits then `%`, so never negative): the
/// number, or `None` for any other text. A number too large for an int is `strconv.Atoi`'s
/// range error, which gives the largest int: more than 100%, not an invalid percentage.
pub(crate) fn percent(s: &str) -> Option<i64> {
    s.strip_suffix('%')
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map(|n| n.parse::<i64>().unwrap_or(i64::MAX))
}

pub(super) fn nonnegative(path: &str, v: i64) -> Option<FieldError> {
    (v < 0).then(|| FieldError::invalid(path, v.to_string(), NONNEGATIVE_MSG))
}

/// `status.collisionCount` on a status update (`apivalidation.ValidateIfDecremented`, as the
/// StatefulSet, DaemonSet and Deployment status validations call it): a count that was set
/// may not go down, nor away.
pub(super) fn collision_count_not_decremented(
    new: Option<i32>,
    old: Option<i32>,
) -> Option<FieldError> {
    old.is_some_and(|o| new.is_none_or(|c| c < o)).then(|| {
        FieldError::invalid(
            "status.collisionCount",
            new.unwrap_or(0).to_string(),
            "cannot be decremented",
        )
    })
}

/// `intstr.IntOrString.IntValue()` of a string: Go's `strconv.Atoi`, whose error is
/// dropped (a string that is no integer is 0; one out of range is clamped).
pub(super) fn go_atoi(s: &str) -> i64 {
    use std::num::IntErrorKind;
    match s.parse::<i64>() {
        Ok(n) => n,
        Err(e) => match e.kind() {
            IntErrorKind::PosOverflow => i64::MAX,
            IntErrorKind::NegOverflow => i64::MIN,
            _ => 0,
        },
    }
}

/// `ValidateClassName` of a volume's or claim's `storageClassName` (empty means none): a
/// DNS-1123 subdomain.
pub(crate) fn class_name_errors(class: Option<&str>, path: &str) -> Vec<FieldError> {
    let Some(class) = class.filter(|c| !c.is_empty()) else {
        return Vec::new();
    };
    dns1123_subdomain_errors(class)
        .into_iter()
        .map(|msg| FieldError::invalid_str(format!("{path}.storageClassName"), class, msg))
        .collect()
}

/// `supportedPortProtocols`, sorted: the protocols a Service, Endpoints or EndpointSlice
/// port may name.
pub(super) const PROTOCOLS: [&str; 3] = ["SCTP", "TCP", "UDP"];

/// A Service's or Endpoints' port number (`IsValidPortNum`) and protocol (required, then
/// one of [`PROTOCOLS`]), at `at.port` and `at.protocol`.
pub(super) fn port_and_protocol_errors(
    at: &str,
    port: i32,
    protocol: Option<&str>,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if !(1..=65535).contains(&port) {
        errs.push(FieldError::invalid(
            format!("{at}.port"),
            port.to_string(),
            PORT_RANGE_MSG,
        ));
    }
    match protocol.unwrap_or("") {
        "" => errs.push(FieldError::required(format!("{at}.protocol"), "")),
        p if !PROTOCOLS.contains(&p) => errs.push(FieldError::unsupported(
            format!("{at}.protocol"),
            p,
            &PROTOCOLS,
        )),
        _ => {}
    }
    errs
}
