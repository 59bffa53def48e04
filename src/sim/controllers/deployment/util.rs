//! `pkg/controller/deployment/util/deployment_util.go` (and the pieces of
//! `controller_utils.go` the controller sorts with): the annotations a Deployment keeps on
//! its ReplicaSets, the fenceposts of a rolling update, the replica counts, the conditions,
//! and the pod-template-hash.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::sim::clock::{from_time, to_time, Millis};

pub const REVISION: &str = "deployment.kubernetes.io/revision";
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
/// `apps.DefaultDeploymentUniqueLabelKey`.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// `apps.DeprecatedRollbackTo`.
const DEPRECATED_ROLLBACK_TO: &str = "deprecated.deployment.rollback.to";
/// `v1.LastAppliedConfigAnnotation`.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// `maxRevHistoryLengthInChars` (the controller's default).
pub const MAX_REV_HISTORY_LENGTH: usize = 2000;

// Condition reasons.
pub const REPLICA_SET_UPDATED: &str = "ReplicaSetUpdated";
pub const FAILED_RS_CREATE: &str = "ReplicaSetCreateError";
pub const NEW_REPLICA_SET: &str = "NewReplicaSetCreated";
pub const FOUND_NEW_RS: &str = "FoundNewReplicaSet";
pub const NEW_RS_AVAILABLE: &str = "NewReplicaSetAvailable";
pub const TIMED_OUT: &str = "ProgressDeadlineExceeded";
pub const PAUSED: &str = "DeploymentPaused";
pub const RESUMED: &str = "DeploymentResumed";
pub const MINIMUM_REPLICAS_AVAILABLE: &str = "MinimumReplicasAvailable";
pub const MINIMUM_REPLICAS_UNAVAILABLE: &str = "MinimumReplicasUnavailable";

pub fn replicas(d: &Deployment) -> i32 {
    d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

pub fn rs_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

pub fn set_rs_replicas(rs: &mut ReplicaSet, n: i32) {
    rs.spec.get_or_insert_with(Default::default).replicas = Some(n);
}

pub fn rs_name(rs: &ReplicaSet) -> &str {
    rs.metadata.name.as_deref().unwrap_or_default()
}

fn rs_status<T: Default>(
    rs: &ReplicaSet,
    f: impl Fn(&k8s_openapi::api::apps::v1::ReplicaSetStatus) -> T,
) -> T {
    rs.status.as_ref().map(f).unwrap_or_default()
}

pub fn rs_available(rs: &ReplicaSet) -> i32 {
    rs_status(rs, |s| s.available_replicas.unwrap_or(0))
}

pub fn rs_actual(rs: &ReplicaSet) -> i32 {
    rs_status(rs, |s| s.replicas)
}

pub fn rs_ready(rs: &ReplicaSet) -> i32 {
    rs_status(rs, |s| s.ready_replicas.unwrap_or(0))
}

pub fn strategy_type(d: &Deployment) -> &str {
    d.spec
        .as_ref()
        .and_then(|s| s.strategy.as_ref())
        .and_then(|s| s.type_.as_deref())
        .unwrap_or("RollingUpdate")
}

pub fn is_rolling_update(d: &Deployment) -> bool {
    strategy_type(d) == "RollingUpdate"
}

pub fn paused(d: &Deployment) -> bool {
    d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false)
}

pub fn min_ready_seconds(d: &Deployment) -> i32 {
    d.spec
        .as_ref()
        .and_then(|s| s.min_ready_seconds)
        .unwrap_or(0)
}

pub fn template(d: &Deployment) -> PodTemplateSpec {
    d.spec
        .as_ref()
        .map(|s| s.template.clone())
        .unwrap_or_default()
}

/// `HasProgressDeadline`: set, and not `MaxInt32`.
pub fn progress_deadline(d: &Deployment) -> Option<i32> {
    d.spec
        .as_ref()
        .and_then(|s| s.progress_deadline_seconds)
        .filter(|s| *s != i32::MAX)
}

/// `HasRevisionHistoryLimit`: set, and not `MaxInt32`.
pub fn revision_history_limit(d: &Deployment) -> Option<i32> {
    d.spec
        .as_ref()
        .and_then(|s| s.revision_history_limit)
        .filter(|s| *s != i32::MAX)
}

/// `GetScaledValueFromIntOrPercent`: an integer as is; a percent of `total`, rounded up or
/// down. `None` for a string that is not a percent.
pub fn scaled_value(v: &IntOrString, total: i32, round_up: bool) -> Option<i32> {
    match v {
        IntOrString::Int(i) => Some(*i),
        IntOrString::String(s) => {
            let n: i64 = s.strip_suffix('%')?.parse().ok()?;
            let product = n * i64::from(total);
            let value = if round_up {
                (product + 99).div_euclid(100)
            } else {
                product.div_euclid(100)
            };
            Some(value.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
        }
    }
}

/// `ResolveFenceposts`: (maxSurge rounded up, maxUnavailable rounded down); both 0 makes
/// maxUnavailable 1.
pub fn fenceposts(d: &Deployment) -> (i32, i32) {
    let ru = d
        .spec
        .as_ref()
        .and_then(|s| s.strategy.as_ref())
        .and_then(|s| s.rolling_update.as_ref());
    let zero = IntOrString::Int(0);
    let desired = replicas(d);
    let surge = ru.and_then(|r| r.max_surge.as_ref()).unwrap_or(&zero);
    let unavailable = ru.and_then(|r| r.max_unavailable.as_ref()).unwrap_or(&zero);
    let surge = scaled_value(surge, desired, true).unwrap_or(0);
    let mut unavailable = scaled_value(unavailable, desired, false).unwrap_or(0);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable)
}

/// `MaxUnavailable`: 0 unless a rolling update of a non-zero size; at most the size.
pub fn max_unavailable(d: &Deployment) -> i32 {
    if !is_rolling_update(d) || replicas(d) == 0 {
        return 0;
    }
    fenceposts(d).1.min(replicas(d))
}

/// `MaxSurge`: 0 unless a rolling update.
pub fn max_surge(d: &Deployment) -> i32 {
    if !is_rolling_update(d) {
        return 0;
    }
    fenceposts(d).0
}

/// `GetReplicaCountForReplicaSets`: the sum of `spec.replicas`.
pub fn spec_count(sets: &[&ReplicaSet]) -> i32 {
    sets.iter().map(|rs| rs_replicas(rs)).sum()
}

/// `GetActualReplicaCountForReplicaSets`: the sum of `status.replicas`.
pub fn actual_count(sets: &[&ReplicaSet]) -> i32 {
    sets.iter().map(|rs| rs_actual(rs)).sum()
}

pub fn available_count(sets: &[&ReplicaSet]) -> i32 {
    sets.iter().map(|rs| rs_available(rs)).sum()
}

pub fn ready_count(sets: &[&ReplicaSet]) -> i32 {
    sets.iter().map(|rs| rs_ready(rs)).sum()
}

/// `GetTerminatingReplicaCountForReplicaSets`: `None` when a set reports none.
pub fn terminating_count(sets: &[&ReplicaSet]) -> Option<i32> {
    let mut total = 0;
    for rs in sets {
        total += rs.status.as_ref()?.terminating_replicas?;
    }
    Some(total)
}

fn annotation<'a>(rs: &'a ReplicaSet, key: &str) -> Option<&'a str> {
    rs.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

/// `Revision`: the revision annotation, as a number (`None` when it does not parse; an
/// absent one is 0).
pub fn revision(rs: &ReplicaSet) -> Option<i64> {
    match annotation(rs, REVISION) {
        None => Some(0),
        Some(v) => v.parse().ok(),
    }
}

/// `MaxRevision`.
pub fn max_revision(sets: &[&ReplicaSet]) -> i64 {
    sets.iter()
        .filter_map(|rs| revision(rs))
        .max()
        .unwrap_or(0)
        .max(0)
}

/// `GetDesiredReplicasAnnotation`.
pub fn desired_annotation(rs: &ReplicaSet) -> Option<i32> {
    annotation(rs, DESIRED_REPLICAS)?.parse().ok()
}

/// `getMaxReplicasAnnotation`.
fn max_annotation(rs: &ReplicaSet) -> Option<i32> {
    annotation(rs, MAX_REPLICAS)?.parse().ok()
}

/// `SetReplicasAnnotations`: whether they changed.
pub fn set_replicas_annotations(rs: &mut ReplicaSet, desired: i32, max: i32) -> bool {
    let annotations = rs.metadata.annotations.get_or_insert_with(BTreeMap::new);
    let mut updated = false;
    for (key, value) in [(DESIRED_REPLICAS, desired), (MAX_REPLICAS, max)] {
        let value = value.to_string();
        if annotations.get(key) != Some(&value) {
            annotations.insert(key.to_string(), value);
            updated = true;
        }
    }
    updated
}

/// `ReplicasAnnotationsNeedUpdate`.
pub fn replicas_annotations_need_update(rs: &ReplicaSet, desired: i32, max: i32) -> bool {
    annotation(rs, DESIRED_REPLICAS) != Some(desired.to_string().as_str())
        || annotation(rs, MAX_REPLICAS) != Some(max.to_string().as_str())
}

/// `annotationsToSkip`.
fn skip_copy(key: &str) -> bool {
    matches!(
        key,
        LAST_APPLIED
            | REVISION
            | REVISION_HISTORY
            | DESIRED_REPLICAS
            | MAX_REPLICAS
            | DEPRECATED_ROLLBACK_TO
    )
}

/// `copyDeploymentAnnotationsToReplicaSet`.
fn copy_annotations(d: &Deployment, rs: &mut ReplicaSet) -> bool {
    let annotations = rs.metadata.annotations.get_or_insert_with(BTreeMap::new);
    let mut changed = false;
    for (k, v) in d.metadata.annotations.iter().flatten() {
        if skip_copy(k) || annotations.get(k) == Some(v) {
            continue;
        }
        annotations.insert(k.clone(), v.clone());
        changed = true;
    }
    changed
}

/// `SetNewReplicaSetAnnotations`: the Deployment's annotations, the revision (only raised;
/// a raised one that existed goes into the revision history), and for a set about to be
/// created the replicas annotations. Whether anything changed.
pub fn set_new_rs_annotations(
    d: &Deployment,
    rs: &mut ReplicaSet,
    new_revision: i64,
    exists: bool,
) -> bool {
    let mut changed = copy_annotations(d, rs);
    let annotations = rs.metadata.annotations.get_or_insert_with(BTreeMap::new);
    let old = annotations.get(REVISION).cloned();
    let old_number = match &old {
        None => 0,
        Some(v) => match v.parse::<i64>() {
            Ok(n) => n,
            Err(_) if v.is_empty() => 0,
            Err(_) => return false,
        },
    };
    if old_number < new_revision {
        annotations.insert(REVISION.to_string(), new_revision.to_string());
        changed = true;
        if let Some(old) = old {
            let history = annotations
                .get(REVISION_HISTORY)
                .cloned()
                .unwrap_or_default();
            if history.is_empty() {
                annotations.insert(REVISION_HISTORY.to_string(), old);
            } else {
                let mut revisions: Vec<&str> = history.split(',').collect();
                let mut total = history.len() + old.len() + 1;
                let mut start = 0;
                while total > MAX_REV_HISTORY_LENGTH && start < revisions.len() {
                    total -= revisions[start].len() + 1;
                    start += 1;
                }
                if total <= MAX_REV_HISTORY_LENGTH {
                    revisions = revisions.split_off(start);
                    revisions.push(&old);
                    let joined = revisions.join(",");
                    annotations.insert(REVISION_HISTORY.to_string(), joined);
                }
            }
        }
    }
    if !exists && set_replicas_annotations(rs, replicas(d), replicas(d) + max_surge(d)) {
        changed = true;
    }
    changed
}

/// `SetDeploymentRevision`: whether it changed.
pub fn set_deployment_revision(d: &mut Deployment, revision: &str) -> bool {
    let annotations = d.metadata.annotations.get_or_insert_with(BTreeMap::new);
    if annotations.get(REVISION).map(String::as_str) != Some(revision) {
        annotations.insert(REVISION.to_string(), revision.to_string());
        true
    } else {
        false
    }
}

/// `EqualIgnoreHash`: the templates equal once the pod-template-hash label is dropped from
/// both.
pub fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    fn strip(t: &PodTemplateSpec) -> PodTemplateSpec {
        let mut t = t.clone();
        if let Some(meta) = t.metadata.as_mut() {
            if let Some(labels) = meta.labels.as_mut() {
                labels.remove(POD_TEMPLATE_HASH);
                if labels.is_empty() {
                    meta.labels = None;
                }
            }
        }
        t
    }
    strip(a) == strip(b)
}

/// `controller.ComputeHash` in scn: FNV-1a 32 over the template's canonical JSON (keys
/// sorted), then the collision count's four little-endian bytes when there is one, printed
/// in decimal through `rand.SafeEncodeString`. Upstream hashes a `spew` dump of the Go
/// structure, which cannot be reproduced, so the values differ from a cluster's; they have
/// its form (up to ten characters of `bcdfghjklmnpqrstvwxz2456789`) and are the same on
/// every run.
pub fn compute_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    let mut h: u32 = 0x811c_9dc5;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h ^= u32::from(*b);
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    let json = serde_json::to_value(template).unwrap_or_default();
    feed(crate::sim::api::canonical::to_string(&json).as_bytes());
    if let Some(c) = collision_count {
        feed(&(c as u32).to_le_bytes());
    }
    crate::sim::controllers::history::safe_encode(&h.to_string())
}

/// `ReplicaSetsByCreationTimestamp`: older first, then by name.
pub fn by_creation(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    let t = |rs: &ReplicaSet| rs.metadata.creation_timestamp.as_ref().map(from_time);
    t(a).cmp(&t(b)).then_with(|| rs_name(a).cmp(rs_name(b)))
}

/// `ReplicaSetsBySizeNewer`: larger first, then newer first.
pub fn by_size_newer(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    rs_replicas(b)
        .cmp(&rs_replicas(a))
        .then_with(|| by_creation(b, a))
}

/// `ReplicaSetsBySizeOlder`: larger first, then older first.
pub fn by_size_older(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    rs_replicas(b)
        .cmp(&rs_replicas(a))
        .then_with(|| by_creation(a, b))
}

/// `ReplicaSetsByRevision`: by revision, then by creation.
pub fn by_revision(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    let r = |rs: &ReplicaSet| revision(rs).unwrap_or(0);
    r(a).cmp(&r(b)).then_with(|| by_creation(a, b))
}

/// `IsSaturated`.
pub fn is_saturated(d: &Deployment, rs: Option<&ReplicaSet>) -> bool {
    let Some(rs) = rs else { return false };
    let Some(desired) = desired_annotation(rs) else {
        return false;
    };
    let n = replicas(d);
    rs_replicas(rs) == n && desired == n && rs_available(rs) == n
}

/// `NewRSNewReplicas`.
pub fn new_rs_new_replicas(d: &Deployment, all: &[&ReplicaSet], new_rs: &ReplicaSet) -> i32 {
    let n = replicas(d);
    if !is_rolling_update(d) {
        return n;
    }
    let surge = d
        .spec
        .as_ref()
        .and_then(|s| s.strategy.as_ref())
        .and_then(|s| s.rolling_update.as_ref())
        .and_then(|r| r.max_surge.as_ref())
        .and_then(|s| scaled_value(s, n, true))
        .unwrap_or(0);
    let current = spec_count(all);
    let max_total = n + surge;
    if current >= max_total {
        return rs_replicas(new_rs);
    }
    let up = (max_total - current).min(n - rs_replicas(new_rs));
    rs_replicas(new_rs) + up
}

/// `getReplicaSetFraction`.
fn fraction(rs: &ReplicaSet, d: &Deployment) -> i32 {
    if replicas(d) == 0 {
        return -rs_replicas(rs);
    }
    let max_replicas = replicas(d) + max_surge(d);
    let before = match max_annotation(rs) {
        Some(n) if n != 0 => n,
        _ => {
            let status = d.status.as_ref().and_then(|s| s.replicas).unwrap_or(0);
            if status == 0 {
                return replicas(d);
            }
            status
        }
    };
    let size = f64::from(rs_replicas(rs)) * f64::from(max_replicas) / f64::from(before);
    size.round() as i32 - rs_replicas(rs)
}

/// `GetProportion`.
pub fn proportion(rs: &ReplicaSet, d: &Deployment, to_add: i32, added: i32) -> i32 {
    if rs_replicas(rs) == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = fraction(rs, d);
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

pub fn condition<'a>(status: &'a DeploymentStatus, type_: &str) -> Option<&'a DeploymentCondition> {
    status
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_)
}

/// `NewDeploymentCondition` at `now`.
pub fn new_condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: String,
    now: Millis,
) -> DeploymentCondition {
    DeploymentCondition {
        type_: type_.to_string(),
        status: status.to_string(),
        last_update_time: Some(to_time(now)),
        last_transition_time: Some(to_time(now)),
        reason: Some(reason.to_string()),
        message: Some(message),
    }
}

/// `SetDeploymentCondition`: nothing when the status and reason are the same; the
/// transition time kept when the status is; the condition goes to the end of the list.
pub fn set_condition(status: &mut DeploymentStatus, mut condition: DeploymentCondition) {
    if let Some(current) = self::condition(status, &condition.type_) {
        if current.status == condition.status && current.reason == condition.reason {
            return;
        }
        if current.status == condition.status {
            condition.last_transition_time = current.last_transition_time.clone();
        }
    }
    remove_condition(status, &condition.type_);
    status
        .conditions
        .get_or_insert_with(Vec::new)
        .push(condition);
}

/// `RemoveDeploymentCondition`.
pub fn remove_condition(status: &mut DeploymentStatus, type_: &str) {
    if let Some(conditions) = status.conditions.as_mut() {
        conditions.retain(|c| c.type_ != type_);
        if conditions.is_empty() {
            status.conditions = None;
        }
    }
}

/// `DeploymentComplete`.
pub fn complete(d: &Deployment, status: &DeploymentStatus) -> bool {
    let n = replicas(d);
    status.updated_replicas.unwrap_or(0) == n
        && status.replicas.unwrap_or(0) == n
        && status.available_replicas.unwrap_or(0) == n
        && status.observed_generation.unwrap_or(0) >= d.metadata.generation.unwrap_or(0)
}

/// `DeploymentProgressing`.
pub fn progressing(d: &Deployment, new: &DeploymentStatus) -> bool {
    let old = d.status.clone().unwrap_or_default();
    let v = |s: &DeploymentStatus| {
        (
            s.replicas.unwrap_or(0),
            s.updated_replicas.unwrap_or(0),
            s.ready_replicas.unwrap_or(0),
            s.available_replicas.unwrap_or(0),
        )
    };
    let (old_r, old_u, old_ready, old_a) = v(&old);
    let (new_r, new_u, new_ready, new_a) = v(new);
    new_u > old_u || (new_r - new_u) < (old_r - old_u) || new_ready > old_ready || new_a > old_a
}

/// `DeploymentTimedOut`: the Progressing condition's last update more than the deadline
/// ago (strictly).
pub fn timed_out(d: &Deployment, status: &DeploymentStatus, now: Millis) -> bool {
    let Some(deadline) = progress_deadline(d) else {
        return false;
    };
    let Some(c) = condition(status, "Progressing") else {
        return false;
    };
    match c.reason.as_deref() {
        Some(NEW_RS_AVAILABLE) => return false,
        Some(TIMED_OUT) => return true,
        _ => {}
    }
    let from = c
        .last_update_time
        .as_ref()
        .map(from_time)
        .unwrap_or_default();
    from + Millis::from_secs(deadline.into()) < now
}
