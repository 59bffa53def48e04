//! `defaultStatefulSetControl.UpdateStatefulSet`: one sync, in the upstream order
//! (BEHAVIORS §1.4): revisions; status from the pods; if the set is being deleted, only
//! status; process replicas in index order; fix the claims of condemned pods; process
//! condemned pods from the highest ordinal; status; stop for OnDelete; the rolling-update
//! step.
//!
//! The scans read the set's [`SetIndex`]: step 4 visits only the ordinals where
//! `processReplica` has work, in index order, which is the upstream scan without its
//! no-op iterations.

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetStatus};
use k8s_openapi::api::core::v1::Pod;

use super::identity::{self, replicas, REVISION_LABEL};
use super::index::SetIndex;
use super::pod_control::{self, Failed, WriteError};
use super::retention;
use super::revision::{self, Revisions};
use crate::sim::clock::SECOND;
use crate::sim::error::SimError;
use crate::sim::kinds::ObjectKind;
use crate::sim::mutants::Mutant;
use crate::sim::podutil::{self, is_running_and_available, is_terminating};
use crate::sim::world::World;
use crate::sim::{server, trace};

pub enum Outcome {
    Done,
    /// A write failed: retry with back-off.
    Failed,
}

fn min_ready_seconds(set: &StatefulSet) -> i32 {
    set.spec
        .as_ref()
        .and_then(|s| s.min_ready_seconds)
        .unwrap_or(0)
}

fn is_monotonic(set: &StatefulSet) -> bool {
    set.spec
        .as_ref()
        .and_then(|s| s.pod_management_policy.as_deref())
        != Some("Parallel")
}

fn strategy_type(set: &StatefulSet) -> &str {
    set.spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.type_.as_deref())
        .unwrap_or("RollingUpdate")
}

fn partition(set: &StatefulSet) -> Option<i64> {
    let rolling = set
        .spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.rolling_update.as_ref())?;
    Some(rolling.partition.unwrap_or(0) as i64)
}

/// One sync of `set`, whose index is up to date: the pod work of steps 3 to 9, and the
/// status to write (steps 2 and 7).
pub fn update_statefulset(
    world: &mut World,
    set: &StatefulSet,
    revs: &Revisions,
    index: &mut SetIndex,
) -> Result<(Outcome, StatefulSetStatus), SimError> {
    // Step 2: status from the pods as the sync found them. The rolling-update step
    // lowers its currentReplicas for each pod it deletes (B-STAT-2).
    let mut status = compute_status(set, index, revs);
    if set.metadata.deletion_timestamp.is_some() && !index.unindexed.is_empty() {
        count_unindexed(world, set, index, revs, &mut status);
    }
    // The sets with a revision's template applied last across syncs while the set's
    // identity and spec (its generation) stay: they read nothing else of the set.
    let for_set = (
        set.metadata.uid.clone().unwrap_or_default(),
        set.metadata.generation.unwrap_or(0),
    );
    let cached = match index.template_sets.take() {
        Some((key, sets)) if key == for_set => sets,
        _ => Vec::new(),
    };
    let mut templates = Templates {
        cached,
        known: std::mem::take(&mut index.templates),
        retry: false,
    };
    trace::begin_sync(world);
    let result = sync_pods(world, set, revs, index, &mut templates, &mut status);
    if trace::enabled(world) {
        trace_sync_end(world, set, &result);
    }
    // A copy made without its revision's template (the revision was not found) is not
    // kept: the revision may be found later.
    let Templates {
        mut cached,
        known,
        retry,
    } = templates;
    cached.retain(|(revision, _)| known.contains_key(revision));
    index.templates = known;
    index.template_sets = Some((for_set, cached));
    let outcome = match result {
        Ok(()) if retry => Outcome::Failed,
        Ok(()) => Outcome::Done,
        Err(WriteError::Sim(e)) => return Err(e),
        Err(WriteError::Failed(_)) => Outcome::Failed,
    };
    // Step 7: complete the rollout if it is done.
    complete_rolling_update(set, &mut status, world.mutant(Mutant::OnDeletePromotes));
    Ok((outcome, status))
}

/// After the sync: write status when it changed, ask for a sync when the next pod turns
/// available, and truncate the history (live revisions and at most
/// revisionHistoryLimit others). Returns false when the API server refused the status
/// write (the sync failed: it is retried with back-off).
pub fn finish(
    world: &mut World,
    set: &mut std::sync::Arc<StatefulSet>,
    revs: &Revisions,
    index: &SetIndex,
    status: StatefulSetStatus,
) -> bool {
    let current = status
        .current_revision
        .clone()
        .unwrap_or_else(|| revs.current.clone());
    if !write_status(world, set, status) {
        return false;
    }
    if let Some(at) = index.next_availability() {
        if at > world.now {
            super::sync_at(world, set.metadata.name.as_deref().unwrap_or_default(), at);
        }
    }
    let revisions = revision::owned_revisions(world, set);
    // The pods without an ordinal keep their revisions live too (B-ID-13).
    let mut with_unindexed = None;
    if !index.unindexed.is_empty() {
        let mut labels = index.labels.clone();
        for name in &index.unindexed {
            if let Some(pod) = world.store.pods().get(name) {
                let label = podutil::label(pod, REVISION_LABEL).unwrap_or_default();
                *labels.entry(label.to_string()).or_default() += 1;
            }
        }
        with_unindexed = Some(labels);
    }
    revision::truncate_history(
        world,
        set,
        with_unindexed.as_ref().unwrap_or(&index.labels),
        &revisions,
        &current,
        &revs.update,
    );
    true
}

/// What the trace learns when a sync ended: a failed write is a wait with the event's text.
fn trace_sync_end(world: &mut World, set: &StatefulSet, result: &Result<(), WriteError>) {
    let name = identity::set_name(set).to_string();
    if let Err(WriteError::Failed(Failed(Some(reason)))) = result {
        let reason = format!("{reason}; retrying with back-off");
        trace::wait(world, &name, || reason);
    } else if let Err(WriteError::Failed(_)) = result {
        let last = world
            .events
            .about(&ObjectKind::StatefulSet, &name, world.now)
            .filter(|e| e.type_ == "Warning")
            .last()
            .map(|e| format!("{}: {}", e.reason, e.message));
        trace::wait(world, &name, || {
            last.unwrap_or_else(|| "a write failed; retrying with back-off".into())
        });
    }
    trace::end_sync(world, &name);
}

/// Records why `set`'s sync stops here (only when tracing is on).
fn waits(world: &mut World, set: &StatefulSet, reason: impl FnOnce() -> String) {
    trace::wait(world, identity::set_name(set), reason);
}

/// Steps 3 to 9.
fn sync_pods(
    world: &mut World,
    set: &StatefulSet,
    revs: &Revisions,
    index: &SetIndex,
    templates: &mut Templates,
    status: &mut StatefulSetStatus,
) -> Result<(), WriteError> {
    // Step 3: a set being deleted only gets its status written (B-STAT-4).
    if set.metadata.deletion_timestamp.is_some() {
        waits(world, set, || {
            "the set is being deleted: only its status is written".into()
        });
        return Ok(());
    }
    let now = world.now;
    let mrs = min_ready_seconds(set);
    let mrs = world.mutated(Mutant::MinReadyIgnored, mrs, 0);
    let monotonic = is_monotonic(set) || world.mutant(Mutant::ParallelIgnored);
    // Condemned: owned pods outside [start, end), highest ordinal first. The index keeps
    // the three subsets the steps below act on, so a step costs the pods it touches.
    let reverse = world.mutant(Mutant::ScaleDownForwardOrder);
    let highest_first = |set: &std::collections::BTreeSet<i64>| -> Vec<i64> {
        if reverse {
            set.iter().copied().collect()
        } else {
            set.iter().rev().copied().collect()
        }
    };

    // The first unhealthy pod: the lowest unavailable in range, else the lowest
    // unavailable condemned one (B-ORD-7). The index does not change during the sync, so
    // it is named only when the scale-down step asks.
    let first_unhealthy = || -> Option<String> {
        match index.unavailable.iter().next() {
            Some(ordinal) => Some(identity::pod_name(identity::set_name(set), *ordinal)),
            None => index
                .condemned_unavailable
                .iter()
                .next()
                .and_then(|o| index.entry_name(*o))
                .map(str::to_string),
        }
    };

    // Step 4: process replicas in index order; pods with nothing to do are skipped.
    // OrderedReady stops at the first pod that blocks or fails; Parallel runs them in
    // slow-start batches (`runForAll`).
    if monotonic {
        for &ordinal in index.not_fine.iter() {
            if process_replica(world, set, revs, index, templates, monotonic, ordinal)? {
                return Ok(());
            }
        }
    } else {
        let mut failed = None;
        let mut batch_end = 0;
        for &ordinal in index.not_fine.iter() {
            let position = ordinal - index.start;
            if position >= batch_end {
                if let Some(e) = failed.take() {
                    return Err(e);
                }
                batch_end = slow_start_batch_end(position);
            }
            match process_replica(world, set, revs, index, templates, monotonic, ordinal) {
                Ok(_) => {}
                Err(WriteError::Failed(e)) => failed = failed.or(Some(WriteError::Failed(e))),
                Err(e) => return Err(e),
            }
        }
        if let Some(e) = failed {
            return Err(e);
        }
    }

    // Step 5: claims of condemned pods get their owner references before the pod goes,
    // so a crash cannot delete a pod without them (B-RET-2). The index lists the condemned
    // pods whose claims do not match yet.
    for ordinal in highest_first(&index.condemned_claims) {
        let pod = index
            .entry_name(ordinal)
            .and_then(|n| world.store.pods().get_shared(n));
        if let Some(pod) = pod {
            retention::update_claims(world, set, &pod, ordinal, true);
        }
    }

    // Step 6: condemned pods, highest ordinal first. One by one, the highest condemned
    // pod decides: terminating, it is waited for; else it is deleted (B-ORD-5). In
    // Parallel every condemned pod that is not terminating yet is deleted.
    let one_by_one = monotonic && !world.mutant(Mutant::ScaleDownAllAtOnce);
    let doomed: Vec<i64> = if one_by_one {
        let above = index.pods.range(index.end..);
        let below = index.pods.range(..index.start);
        let first = if reverse {
            below.clone().next().or_else(|| above.clone().next())
        } else {
            above
                .clone()
                .next_back()
                .or_else(|| below.clone().next_back())
        };
        let highest = first.map(|(o, _)| *o);
        highest.into_iter().collect()
    } else {
        highest_first(&index.condemned_live)
    };
    for ordinal in doomed {
        let Some(entry) = index.pods.get(&ordinal) else {
            continue;
        };
        let name = entry.name.clone();
        let Some(pod) = world.store.pods().get(&name) else {
            continue;
        };
        if is_terminating(pod) {
            if one_by_one {
                waits(world, set, || format!("scale-down: {name} is Terminating"));
                return Ok(());
            }
            continue;
        }
        // Only the first unhealthy pod may be deleted while unhealthy (B-ORD-7).
        if !is_running_and_available(pod, mrs, now)
            && one_by_one
            && first_unhealthy().as_deref() != Some(name.as_str())
        {
            waits(world, set, || {
                format!("scale-down: {name} is unhealthy and not the first unhealthy pod")
            });
            return Ok(());
        }
        pod_control::delete_pod(world, set, &name);
        if one_by_one {
            return Ok(());
        }
    }

    // Step 8: OnDelete stops here (B-ONDEL-1).
    if strategy_type(set) == "OnDelete" && !world.mutant(Mutant::OnDeleteRolls) {
        if !index.outdated.is_empty() {
            waits(world, set, || {
                "OnDelete: outdated pods are replaced only when deleted".into()
            });
        }
        return Ok(());
    }
    let update_min = index.start + partition(set).unwrap_or(0).max(0);
    let update_min = update_min + i64::from(world.mutant(Mutant::PartitionExclusive));
    let update_min = world.mutated(Mutant::PartitionIgnored, update_min, index.start);
    if world.config.gates.max_unavailable_statefulset {
        update_with_max_unavailable(world, set, index, update_min, status);
        return Ok(());
    }

    // Step 9: the rolling-update step (maxUnavailable gate off): from the highest index
    // down to the partition, the first pod that is outdated is deleted, and an
    // unavailable one makes the step wait (B-UPD-2).
    let outdated = index.outdated.range(update_min..).next_back().copied();
    let lowest = || index.outdated.range(update_min..).next().copied();
    let outdated = world.mutated_with(Mutant::UpdateForwardOrder, outdated, lowest);
    let waiting = index.unavailable.range(update_min..).next_back().copied();
    let no_halt = world.mutant(Mutant::RolloutNoHalt);
    match (outdated, waiting) {
        (Some(o), w) if w.is_none_or(|w| o >= w) || no_halt => {
            if let Some(name) = index.entry_name(o) {
                let name = name.to_string();
                pod_control::delete_pod(world, set, &name);
                deleted_for_update(status);
            }
        }
        (Some(_), Some(w)) => waits(world, set, || {
            format!(
                "rolling update: waiting for {} to become available",
                identity::pod_name(identity::set_name(set), w)
            )
        }),
        _ => {}
    }
    Ok(())
}

/// Upstream's `MaxBatchSize`: at most this many requests in flight in one batch.
const MAX_BATCH_SIZE: i64 = 500;

/// `slowStartBatch(1, n, fn)` as `runForAll` uses it for Parallel: the replicas at
/// positions 0, 1–2, 3–6, 7–14, … (batches of 1, 2, 4, … up to 500) run together; every
/// call of a batch runs, and the first error of a batch stops the sync before the next
/// batch (B-PAR-2). Returns the end (exclusive) of the batch holding `position`.
fn slow_start_batch_end(position: i64) -> i64 {
    let (mut start, mut size) = (0i64, 1i64);
    while position >= start + size {
        start += size;
        size = (size * 2).min(MAX_BATCH_SIZE);
    }
    start + size
}

/// `getStatefulSetMaxUnavailable`: an integer, or a percentage of replicas rounded down,
/// at least 1 (B-MAXU-2: the code rounds down although the docs say up).
/// With `up` (the `max-unavailable-round-up` mutant) percentages are rounded up.
pub fn max_unavailable(set: &StatefulSet, up: bool) -> i64 {
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    let replicas = replicas(set);
    let value = set
        .spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.rolling_update.as_ref())
        .and_then(|r| r.max_unavailable.clone());
    let n = match value {
        None => 1,
        Some(IntOrString::Int(n)) => n as i64,
        Some(IntOrString::String(s)) => {
            match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
                Some(percent) if up => (replicas * percent + 99) / 100,
                Some(percent) => replicas * percent / 100,
                None => 1,
            }
        }
    };
    n.max(1)
}

/// The update step with the MaxUnavailableStatefulSet gate on, as v1.36 does it
/// (`updateStatefulSetAfterInvariantEstablished`, B-MAXU-3, 4, 6): count unavailable pods
/// over the whole range (missing ones included); if fewer than maxUnavailable, delete up to
/// the difference of outdated pods from the highest index down to the partition. Whatever
/// the pod management policy: with Parallel, old pods that are broken fill the budget and
/// the update never starts (B-MAXU-5; the fix that deletes them first came in v1.37,
/// kubernetes/kubernetes#137666).
fn update_with_max_unavailable(
    world: &mut World,
    set: &StatefulSet,
    index: &SetIndex,
    update_min: i64,
    status: &mut StatefulSetStatus,
) {
    let max = max_unavailable(set, world.mutant(Mutant::MaxUnavailableRoundUp));
    let max = world.mutated(Mutant::MaxUnavailableIgnored, max, 1);
    let unavailable = index.unavailable.len() as i64;
    if unavailable >= max && index.outdated.range(update_min..).next().is_some() {
        waits(world, set, || {
            format!("rolling update: {unavailable} pods unavailable, maxUnavailable is {max}")
        });
    }
    let budget = usize::try_from(max - unavailable).unwrap_or(0);
    let doomed: Vec<i64> = index
        .outdated
        .range(update_min..)
        .rev()
        .take(budget)
        .copied()
        .collect();
    for ordinal in doomed {
        if let Some(name) = index.entry_name(ordinal) {
            let name = name.to_string();
            pod_control::delete_pod(world, set, &name);
            deleted_for_update(status);
        }
    }
}

/// The update step's `status.CurrentReplicas--` after each deletion (B-STAT-2): the
/// status written in this sync already counts the deleted pod out, so the next sync's
/// `newVersionedStatefulSetPod` (`rollingUpdate: null`, B-UPD-9) reads the lowered count.
/// The deleted pod need not have been at the current revision: below zero, the status
/// write is refused (B-VAL-17) and the sync is retried.
fn deleted_for_update(status: &mut StatefulSetStatus) {
    let n = status.current_replicas.unwrap_or(0) - 1;
    status.current_replicas = (n != 0).then_some(n);
}

/// Pod templates of the revisions: `known` lasts across syncs (a revision's data never
/// changes), `cached` holds the set with each template applied, for the set's UID and
/// generation (what of the set the applied copies are read for: its name, namespace, UID
/// and spec).
struct Templates {
    cached: Vec<(String, StatefulSet)>,
    known: std::collections::BTreeMap<String, k8s_openapi::api::core::v1::PodTemplateSpec>,
    /// A replica waits for something no watched object will announce (a stale claim's
    /// removal, B-RET-5): the sync is retried with the back-off of a failed write, without
    /// stopping the other replicas as an error would.
    retry: bool,
}

impl Templates {
    fn set_for(
        &mut self,
        world: &World,
        set: &StatefulSet,
        _index: &SetIndex,
        revision: &str,
    ) -> &StatefulSet {
        if let Some(i) = self.cached.iter().position(|(r, _)| r == revision) {
            return &self.cached[i].1;
        }
        if !self.known.contains_key(revision) {
            if let Some(template) = revision::template_of(world, revision) {
                self.known.insert(revision.to_string(), template);
            }
        }
        let template = self.known.get(revision).cloned();
        let applied = match template {
            Some(t) => revision::with_template(set, t),
            None => set.clone(),
        };
        self.cached.push((revision.to_string(), applied));
        let last = self.cached.len() - 1;
        &self.cached[last].1
    }
}

/// `processReplica` for the in-range ordinal: returns whether a monotonic sync must stop.
#[allow(clippy::too_many_arguments)]
fn process_replica(
    world: &mut World,
    set: &StatefulSet,
    revs: &Revisions,
    index: &SetIndex,
    templates: &mut Templates,
    monotonic: bool,
    ordinal: i64,
) -> Result<bool, WriteError> {
    let now = world.now;
    let mrs = min_ready_seconds(set);
    let mrs = world.mutated(Mutant::MinReadyIgnored, mrs, 0);
    // Shared, not copied: nothing below writes the pod while holding it (the update
    // works on its own copy).
    let existing = index
        .entry_name(ordinal)
        .and_then(|n| world.store.pods().get_shared(n));
    let Some(pod) = existing else {
        // Not created: create it, claims first (B-ORD-9), unless a stale claim of an
        // older pod of this name is still there (B-RET-5).
        let name = identity::pod_name(identity::set_name(set), ordinal);
        if retention::claim_is_stale(world, set, &name, ordinal) {
            waits(world, set, || {
                format!("waiting for a stale claim of an older {name} to go")
            });
            templates.retry = true;
            return Ok(true);
        }
        let pod = new_versioned_pod(world, set, revs, index, templates, ordinal);
        pod_control::create_pod(world, set, pod, ordinal)?;
        return Ok(monotonic);
    };
    let name = pod.metadata.name.clone().unwrap_or_default();
    if is_terminating(&pod) && world.mutant(Mutant::TerminatingNotBlocking) {
        return Ok(false);
    }
    // A Failed or Succeeded pod is deleted; its replacement comes in a later sync, once
    // the old object is gone (B-FAIL-1): at once, as the API server removes a finished pod
    // without a grace period. A replacement that fails again in the instant its
    // predecessor was deleted (the kubelet rejects it at once) is deleted a second later:
    // upstream loops as fast as the API server answers; here each round takes a second.
    let failed_or_succeeded = podutil::is_failed(&pod) || podutil::is_succeeded(&pod);
    if failed_or_succeeded && !world.mutant(Mutant::FailedNotReplaced) {
        if !is_terminating(&pod) {
            let again = {
                let mut deleted = index.finished_deleted.borrow_mut();
                deleted.retain(|_, at| *at == now);
                deleted.insert(ordinal, now).is_some()
            };
            if again {
                super::sync_at(world, identity::set_name(set), now + SECOND);
            } else {
                pod_control::delete_pod(world, set, &name);
            }
        }
        if monotonic {
            waits(world, set, || {
                let phase = if podutil::is_failed(&pod) {
                    "Failed"
                } else {
                    "Succeeded"
                };
                format!("{name} is {phase}: it is deleted, and re-created once it is gone")
            });
        }
        return Ok(true);
    }
    // A Pending pod gets its missing claims again (B-PVC-6: `isPending` →
    // `createMissingPersistentVolumeClaims`), e.g. after its claim was deleted while it
    // could not start; a claim that is being deleted fails the sync.
    if podutil::is_pending(&pod) {
        pod_control::create_missing_claims(world, set, &pod, ordinal)?;
    }
    // A terminating pod blocks everything after it (B-ORD-4).
    if is_terminating(&pod) && monotonic {
        waits(world, set, || {
            format!("OrderedReady: {name} is Terminating")
        });
        return Ok(true);
    }
    // Every predecessor must be Running and Ready (B-ORD-2) and Available (B-AVAIL-2).
    let running_only = world.mutant(Mutant::CreateBeforeReady) && podutil::phase(&pod) == "Running";
    if !podutil::is_running_and_ready(&pod) && monotonic && !running_only {
        waits(world, set, || format!("OrderedReady: {name} is not Ready"));
        return Ok(true);
    }
    if !is_running_and_available(&pod, mrs, now) && monotonic && !running_only {
        waits(world, set, || {
            format!("OrderedReady: {name} is not yet available (minReadySeconds {mrs})")
        });
        return Ok(true);
    }
    // Enforce the identity, storage and retention invariants (B-ID-4, B-RET-9).
    let update_set = templates.set_for(world, set, index, &revs.update);
    let identity_ok =
        identity::identity_matches(set, &pod) && identity::storage_matches(set, &pod, ordinal);
    let retention_ok = retention::claims_match(world, update_set, &pod, ordinal, false);
    if identity_ok && retention_ok {
        return Ok(false);
    }
    // Under Parallel a terminating pod gets here too (the early return above is
    // OrderedReady's alone): its identity, storage and claims are restored as a live
    // pod's, with `SuccessfulUpdate` (B-PAR-6).
    // A refused update is processReplica's error: the sync ends here, so nothing after
    // this pod runs, not even the rolling-update step that would replace it (B-PVC-7).
    let pod = std::sync::Arc::unwrap_or_clone(pod);
    pod_control::update_pod(world, update_set, pod, ordinal)?;
    Ok(false)
}

/// `newVersionedStatefulSetPod`: which revision a new pod gets (B-UPD-9, B-PART-3).
fn new_versioned_pod(
    world: &World,
    set: &StatefulSet,
    revs: &Revisions,
    index: &SetIndex,
    templates: &mut Templates,
    ordinal: i64,
) -> Pod {
    let start = index.start;
    let rolling = strategy_type(set) == "RollingUpdate";
    let current_replicas = set
        .status
        .as_ref()
        .and_then(|s| s.current_replicas)
        .unwrap_or(0) as i64;
    let use_current = match partition(set) {
        // `rollingUpdate: null` (B-DEF-4): below the current replica count.
        None => rolling && ordinal < start + current_replicas,
        Some(_) if world.mutant(Mutant::PartitionIgnored) => false,
        Some(p) if world.mutant(Mutant::PartitionExclusive) => ordinal <= start + p,
        Some(partition) => ordinal < start + partition,
    };
    let revision = if use_current {
        &revs.current
    } else {
        &revs.update
    };
    let template_set = templates.set_for(world, set, index, revision);
    let mut pod = identity::new_pod(template_set, ordinal);
    pod.metadata
        .labels
        .get_or_insert_with(Default::default)
        .insert(REVISION_LABEL.into(), revision.to_string());
    if world.mutant(Mutant::NoHostname) {
        pod.spec.iter_mut().for_each(|s| s.hostname = None);
    }
    if world.mutant(Mutant::NoSubdomain) {
        pod.spec.iter_mut().for_each(|s| s.subdomain = None);
    }
    if world.mutant(Mutant::NoPodIndexLabel) {
        pod.metadata
            .labels
            .iter_mut()
            .for_each(|l| _ = l.remove(identity::POD_INDEX_LABEL));
    }
    pod
}

/// `computeReplicaStatus` plus the generation and revisions, from the index counts.
fn compute_status(set: &StatefulSet, index: &SetIndex, revs: &Revisions) -> StatefulSetStatus {
    let current = index.by_revision.get(&revs.current).copied().unwrap_or(0);
    let updated = index.by_revision.get(&revs.update).copied().unwrap_or(0);
    // Counts with `omitempty` are omitted at zero; replicas and availableReplicas are not
    // (B-STAT-1).
    let nonzero = |n: i32| (n != 0).then_some(n);
    StatefulSetStatus {
        replicas: index.created,
        ready_replicas: nonzero(index.ready),
        available_replicas: Some(index.available),
        current_replicas: nonzero(current),
        updated_replicas: nonzero(updated),
        observed_generation: set.metadata.generation,
        current_revision: Some(revs.current.clone()),
        update_revision: Some(revs.update.clone()),
        collision_count: Some(revs.collision_count),
        // `updateStatefulSet` starts from an empty `StatefulSetStatus{}`: a written status
        // carries no conditions (one a client patched in goes at the next write).
        conditions: None,
    }
}

/// The first `updateStatus` of upstream's sync counts every claimed pod, those whose name
/// has no int32 ordinal too; every later one counts only the replicas and the condemned
/// pods. So the status of a set being deleted, which is that first count, counts them
/// (B-ID-13).
fn count_unindexed(
    world: &World,
    set: &StatefulSet,
    index: &SetIndex,
    revs: &Revisions,
    status: &mut StatefulSetStatus,
) {
    let mrs = min_ready_seconds(set);
    let (mut ready, mut current, mut updated) = (0, 0, 0);
    for pod in index
        .unindexed
        .iter()
        .filter_map(|n| world.store.pods().get(n))
    {
        let created = podutil::is_created(pod);
        if created {
            status.replicas += 1;
        }
        if podutil::is_running_and_ready(pod) {
            ready += 1;
            if is_running_and_available(pod, mrs, world.now) {
                *status.available_replicas.get_or_insert(0) += 1;
            }
        }
        if created && !is_terminating(pod) {
            let revision = podutil::label(pod, REVISION_LABEL).unwrap_or_default();
            current += i32::from(revision == revs.current);
            updated += i32::from(revision == revs.update);
        }
    }
    let add = |n: Option<i32>, by: i32| Some(n.unwrap_or(0) + by).filter(|n| *n != 0);
    status.ready_replicas = add(status.ready_replicas, ready);
    status.current_replicas = add(status.current_replicas, current);
    status.updated_replicas = add(status.updated_replicas, updated);
}

/// `inconsistentStatus`: the fields whose change makes the controller write its status (the
/// collision count and the conditions are not among them).
fn inconsistent_status(old: Option<&StatefulSetStatus>, status: &StatefulSetStatus) -> bool {
    let default = StatefulSetStatus::default();
    let old = old.unwrap_or(&default);
    let n = |v: Option<i32>| v.unwrap_or(0);
    status.observed_generation.unwrap_or(0) > old.observed_generation.unwrap_or(0)
        || status.replicas != old.replicas
        || n(status.current_replicas) != n(old.current_replicas)
        || n(status.ready_replicas) != n(old.ready_replicas)
        || n(status.updated_replicas) != n(old.updated_replicas)
        || status.current_revision.as_deref().unwrap_or("")
            != old.current_revision.as_deref().unwrap_or("")
        || n(status.available_replicas) != n(old.available_replicas)
        || status.update_revision.as_deref().unwrap_or("")
            != old.update_revision.as_deref().unwrap_or("")
}

/// `completeRollingUpdate`: RollingUpdate only, and Ready (not Available) counts
/// (B-REV-5; OnDelete never promotes, B-ONDEL-3).
fn complete_rolling_update(set: &StatefulSet, status: &mut StatefulSetStatus, any_strategy: bool) {
    let spec_replicas = replicas(set) as i32;
    let updated = status.updated_replicas.unwrap_or(0);
    let ready = status.ready_replicas.unwrap_or(0);
    if (strategy_type(set) == "RollingUpdate" || any_strategy)
        && updated == ready
        && ready == status.replicas
        && status.replicas == spec_replicas
    {
        status.current_replicas = status.updated_replicas;
        status.current_revision = status.update_revision.clone();
    }
}

/// Writes status only when `inconsistentStatus` sees a change (B-STAT-3), through the
/// status subresource's validation (`ValidateStatefulSetStatusUpdate`, B-VAL-17): a status
/// the API server refuses is not written, and the sync fails.
fn write_status(
    world: &mut World,
    set: &mut std::sync::Arc<StatefulSet>,
    status: StatefulSetStatus,
) -> bool {
    if !inconsistent_status(set.status.as_ref(), &status) {
        return true;
    }
    let errors =
        crate::sim::api::validation::validate_statefulset_status(&status, set.status.as_ref());
    if !errors.is_empty() {
        return false;
    }
    let name = set.metadata.name.clone().unwrap_or_default();
    if !world.store.statefulsets().contains_key(&name) {
        return false;
    }
    // Let go of the stored set first: held, it would make the write copy the whole set.
    // (A shared empty set stands in meanwhile, so letting go allocates nothing.)
    static EMPTY: std::sync::OnceLock<std::sync::Arc<StatefulSet>> = std::sync::OnceLock::new();
    *set = std::sync::Arc::clone(EMPTY.get_or_init(Default::default));
    let written = server::write::<StatefulSet>(world, &name, server::Author::Owner, |stored| {
        stored.status = Some(status);
        true
    });
    if let Some(stored) = world.store.statefulsets().get_shared(&name) {
        *set = stored;
    }
    written.is_some()
}

#[cfg(test)]
mod tests {
    use super::{slow_start_batch_end, write_status};
    use crate::sim::{Config, World};
    use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetStatus};

    /// B-VAL-17: the status write goes through the status subresource's validation; a
    /// status that claims more ready pods than replicas is refused and not stored.
    #[test]
    fn b_val_17_an_invalid_status_write_is_refused() {
        let mut world = World::new(Config::default()).expect("a cluster");
        let mut set = StatefulSet::default();
        set.metadata.name = Some("web".into());
        crate::sim::server::add(&mut world, set, crate::sim::server::Author::Other);
        let mut set = world
            .store
            .statefulsets()
            .get_shared("web")
            .expect("stored");
        let valid = StatefulSetStatus {
            replicas: 2,
            ready_replicas: Some(2),
            ..Default::default()
        };
        assert!(write_status(&mut world, &mut set, valid.clone()));
        assert_eq!(set.status.as_ref(), Some(&valid));
        let invalid = StatefulSetStatus {
            replicas: 2,
            ready_replicas: Some(3),
            ..Default::default()
        };
        assert!(!write_status(&mut world, &mut set, invalid));
        assert_eq!(
            set.status.as_ref(),
            Some(&valid),
            "the refused status is not stored"
        );
    }

    #[test]
    fn slow_start_batches_double_up_to_the_maximum() {
        // Batches: [0], [1, 2], [3..7), [7..15), ...
        let ends: Vec<i64> = [0, 1, 2, 3, 6, 7, 14, 15]
            .iter()
            .map(|&p| slow_start_batch_end(p))
            .collect();
        assert_eq!(ends, vec![1, 3, 3, 7, 7, 15, 15, 31]);
        // 1 + 2 + ... + 256 = 511 positions, then batches of 500.
        assert_eq!(slow_start_batch_end(510), 511);
        assert_eq!(slow_start_batch_end(511), 1011);
        assert_eq!(slow_start_batch_end(1011), 1511);
    }
}
