//! Pod predicates as the StatefulSet controller defines them (BEHAVIORS §0.1).

use k8s_openapi::api::core::v1::Pod;

use super::clock::{from_time, Millis, ZERO};

pub fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// Created: the API server set a phase (`Pending` on create).
pub fn is_created(pod: &Pod) -> bool {
    !phase(pod).is_empty()
}

pub fn is_terminating(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
}

pub fn is_failed(pod: &Pod) -> bool {
    phase(pod) == "Failed"
}

pub fn is_succeeded(pod: &Pod) -> bool {
    phase(pod) == "Succeeded"
}

pub fn is_pending(pod: &Pod) -> bool {
    phase(pod) == "Pending"
}

/// The `Ready` condition's status and last transition, if the pod has one.
pub fn ready_condition(pod: &Pod) -> Option<(bool, Millis)> {
    let conditions = pod.status.as_ref()?.conditions.as_ref()?;
    let ready = conditions.iter().find(|c| c.type_ == "Ready")?;
    let since = ready
        .last_transition_time
        .as_ref()
        .map(from_time)
        .unwrap_or(ZERO);
    Some((ready.status == "True", since))
}

pub fn is_ready(pod: &Pod) -> bool {
    matches!(ready_condition(pod), Some((true, _)))
}

/// `isRunningAndReady`: phase Running and the Ready condition True.
pub fn is_running_and_ready(pod: &Pod) -> bool {
    phase(pod) == "Running" && is_ready(pod)
}

/// `isRunningAndAvailable`: Running, Ready, and Ready for at least `min_ready_seconds`.
pub fn is_running_and_available(pod: &Pod, min_ready_seconds: i32, now: Millis) -> bool {
    if phase(pod) != "Running" {
        return false;
    }
    match ready_condition(pod) {
        Some((true, since)) => {
            min_ready_seconds <= 0 || since + Millis::from_secs(min_ready_seconds.into()) <= now
        }
        _ => false,
    }
}

pub fn controller_uid(pod: &Pod) -> Option<&str> {
    pod.metadata
        .owner_references
        .as_ref()?
        .iter()
        .find(|r| r.controller == Some(true))
        .map(|r| r.uid.as_str())
}

pub fn label<'a>(pod: &'a Pod, key: &str) -> Option<&'a str> {
    pod.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

/// `getParentNameAndOrdinal`: `web-3` is ordinal 3 of `web`; names that do not end in
/// `-<digits>` have no ordinal (B-ID-2), nor do those whose digits do not fit an `int32`
/// (`strconv.ParseInt(…, 10, 32)` fails: upstream's ordinal -1), though they still have a
/// parent ([`parent_name`], B-ID-13).
pub fn parent_and_ordinal(name: &str) -> Option<(&str, i64)> {
    let parent = parent_name(name)?;
    let ordinal: i32 = name[parent.len() + 1..].parse().ok()?;
    Some((parent, i64::from(ordinal)))
}

/// `getParentName`: the name before the last `-<digits>` (`statefulPodRegex`,
/// `(.*)-([0-9]+)$`), whatever the digits' value; `isMemberOf` compares it with the set's.
pub fn parent_name(name: &str) -> Option<&str> {
    let (parent, ordinal) = name.rsplit_once('-')?;
    if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(parent)
}

/// Natural order: `web-2` before `web-10` (docs/language.md `pods`).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, _) => return std::cmp::Ordering::Less,
            (_, None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (trim_zeros(&a[..da]), trim_zeros(&b[..db]));
                let ord = na
                    .len()
                    .cmp(&nb.len())
                    .then_with(|| na.cmp(nb))
                    .then(da.cmp(&db));
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                a = &a[da..];
                b = &b[db..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&c| c == b'0').count();
    &digits[zeros.min(digits.len().saturating_sub(1))..]
}

/// The pod's hostname: `spec.hostname`, else the pod name cut to 63 characters without a
/// trailing `-` or `.` (`truncatePodHostnameIfNeeded`).
pub fn hostname(pod: &Pod) -> String {
    let spec = pod.spec.as_ref();
    spec.and_then(|s| s.hostname.clone()).unwrap_or_else(|| {
        let name = pod.metadata.name.as_deref().unwrap_or_default();
        let cut: String = name.chars().take(63).collect();
        cut.trim_end_matches(['-', '.']).to_string()
    })
}

/// The pod's kernel hostname as the kubelet sets it (`GeneratePodHostNameAndDomain`,
/// `GetNodenameForKernel`): its [`hostname`]; with `setHostnameAsFQDN` and a subdomain,
/// the pod's FQDN `<hostname>.<subdomain>.<namespace>.svc.<domain>`. A pod on the host's
/// network shares the node's UTS namespace: the kubelet gives its sandbox no hostname and
/// the runtime uses the node's (`generatePodSandboxConfig`, containerd's
/// `setupSandboxFiles`), which is the node's name.
pub fn kernel_hostname(pod: &Pod, namespace: &str, domain: &str) -> String {
    let spec = pod.spec.as_ref();
    if spec.and_then(|s| s.host_network) == Some(true) {
        if let Some(node) = spec.and_then(|s| s.node_name.as_deref()) {
            return node.to_string();
        }
    }
    let hostname = hostname(pod);
    let subdomain = spec
        .and_then(|s| s.subdomain.as_deref())
        .filter(|s| !s.is_empty());
    match subdomain {
        Some(sub) if spec.and_then(|s| s.set_hostname_as_fqdn) == Some(true) => {
            let namespace = pod.metadata.namespace.as_deref().unwrap_or(namespace);
            format!("{hostname}.{sub}.{namespace}.svc.{domain}")
        }
        _ => hostname,
    }
}

/// The `DisruptionTarget=True` condition a disruption puts on a pod before it deletes it
/// (the Eviction API, the taint manager, the kubelet's node-pressure eviction, the pod GC),
/// with its reason and message, for the pod's generation; set with [`update_pod_condition`].
pub fn disruption_target(
    reason: &str,
    message: &str,
    generation: Option<i64>,
    now: super::clock::Millis,
) -> k8s_openapi::api::core::v1::PodCondition {
    k8s_openapi::api::core::v1::PodCondition {
        observed_generation: generation,
        type_: "DisruptionTarget".into(),
        status: "True".into(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_transition_time: Some(super::clock::to_time(now)),
        ..Default::default()
    }
}

/// `UpdatePodCondition`: adds or replaces the condition; false when nothing changed. The
/// transition time moves only when the status changes.
pub fn update_pod_condition(
    conditions: &mut Vec<k8s_openapi::api::core::v1::PodCondition>,
    mut condition: k8s_openapi::api::core::v1::PodCondition,
) -> bool {
    match conditions.iter_mut().find(|c| c.type_ == condition.type_) {
        Some(old) => {
            if old.status == condition.status {
                condition.last_transition_time = old.last_transition_time.clone();
            }
            let changed = *old != condition;
            *old = condition;
            changed
        }
        None => {
            conditions.push(condition);
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_parse_only_trailing_digits() {
        assert_eq!(parent_and_ordinal("web-12"), Some(("web", 12)));
        assert_eq!(parent_and_ordinal("my-web-0"), Some(("my-web", 0)));
        assert_eq!(parent_and_ordinal("web-x"), None);
        assert_eq!(parent_and_ordinal("web"), None);
        assert_eq!(parent_and_ordinal("web-"), None);
        // B-ID-13: `ParseInt(…, 10, 32)`: beyond int32 there is a parent but no ordinal.
        assert_eq!(parent_and_ordinal("web-01"), Some(("web", 1)));
        assert_eq!(
            parent_and_ordinal("web-2147483647"),
            Some(("web", 2147483647))
        );
        assert_eq!(parent_and_ordinal("web-2147483648"), None);
        assert_eq!(parent_name("web-3000000000"), Some("web"));
        assert_eq!(parent_name("web-x"), None);
    }

    #[test]
    fn natural_order_puts_web_2_before_web_10() {
        let mut names = vec!["web-10", "web-2", "web-1", "node-10", "node-2"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["node-2", "node-10", "web-1", "web-2", "web-10"]);
    }
}
