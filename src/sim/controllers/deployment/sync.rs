//! `pkg/controller/deployment/sync.go`: the new and old ReplicaSets and the revision
//! (`getAllReplicaSetsAndSyncRevision`, `getNewReplicaSet`), scaling (`scale`,
//! `scaleReplicaSet` with its `ScalingReplicaSet` events), the history limit
//! (`cleanupDeployment`), the paused condition, and the status (`calculateStatus`,
//! `syncDeploymentStatus`).

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus, ReplicaSet, ReplicaSetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::util::{self, rs_name, rs_replicas};
use super::{controller_ref, kind};
use crate::sim::controllers::replicaset;
use crate::sim::error::SimError;
use crate::sim::server::{self, RequestError};
use crate::sim::world::World;

/// Why a sync stopped: a refused write (retried with back-off) or a reached limit.
pub enum Error {
    Failed(#[allow(dead_code)] String),
    Sim(SimError),
}

impl From<RequestError> for Error {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Api(e) => Error::Failed(e.message),
            RequestError::Sim(e) => Error::Sim(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

fn name(d: &Deployment) -> String {
    d.metadata.name.clone().unwrap_or_default()
}

pub fn event(
    world: &mut World,
    d: &Deployment,
    type_: &'static str,
    reason: &str,
    message: String,
) {
    crate::sim::events::record(world, RECORDER, kind(), &name(d), type_, reason, message);
}

/// The deployment controller's recorder (client-go's `tools/record`, correlated).
const RECORDER: crate::sim::events::Recorder<'static> = crate::sim::events::Recorder::Record {
    component: "deployment-controller",
    host: "",
};

fn nonzero(n: i32) -> Option<i32> {
    (n != 0).then_some(n)
}

/// `UpdateStatus` of the Deployment: its status, and its annotations (the revision), which
/// the status strategy keeps.
pub fn write_status(world: &mut World, d: &Deployment) {
    let status = serde_json::to_value(d.status.clone().unwrap_or_default()).unwrap_or_default();
    let annotations = d.metadata.annotations.clone();
    server::write_other(world, &kind(), &name(d), server::Author::Owner, |object| {
        let changed = object.metadata.annotations != annotations
            || object.body.get("status") != Some(&status);
        object.metadata.annotations = annotations;
        object.body["status"] = status;
        changed
    });
}

/// `FindNewReplicaSet`: the oldest set whose template equals the Deployment's (the
/// pod-template-hash label aside).
fn find_new(d: &Deployment, rs_list: &[ReplicaSet]) -> Option<ReplicaSet> {
    let mut sorted: Vec<&ReplicaSet> = rs_list.iter().collect();
    sorted.sort_by(|a, b| util::by_creation(a, b));
    let template = util::template(d);
    sorted
        .into_iter()
        .find(|rs| {
            rs.spec
                .as_ref()
                .and_then(|s| s.template.as_ref())
                .is_some_and(|t| util::equal_ignore_hash(t, &template))
        })
        .cloned()
}

/// `getAllReplicaSetsAndSyncRevision`: the new set (created when `create` and missing)
/// and every other one.
pub fn get_all(
    world: &mut World,
    d: &mut Deployment,
    rs_list: &[ReplicaSet],
    create: bool,
) -> Result<(Option<ReplicaSet>, Vec<ReplicaSet>)> {
    let new = find_new(d, rs_list);
    let new_name = new.as_ref().map(|rs| rs_name(rs).to_string());
    let old: Vec<ReplicaSet> = rs_list
        .iter()
        .filter(|rs| Some(rs_name(rs)) != new_name.as_deref())
        .cloned()
        .collect();
    let new = get_new_rs(world, d, new, &old, create)?;
    Ok((new, old))
}

/// Reads a set back after a write.
fn reread(world: &World, rs: &ReplicaSet) -> ReplicaSet {
    replicaset::get(world, rs_name(rs)).unwrap_or_else(|| rs.clone())
}

/// `getNewReplicaSet`.
fn get_new_rs(
    world: &mut World,
    d: &mut Deployment,
    existing: Option<ReplicaSet>,
    old: &[ReplicaSet],
    create: bool,
) -> Result<Option<ReplicaSet>> {
    let old_refs: Vec<&ReplicaSet> = old.iter().collect();
    let new_revision = util::max_revision(&old_refs) + 1;
    let now = world.now;
    if let Some(existing) = existing {
        let mut rs = existing.clone();
        let annotations_updated = util::set_new_rs_annotations(d, &mut rs, new_revision, true);
        let min_ready = util::min_ready_seconds(d);
        let rs_min_ready = rs
            .spec
            .as_ref()
            .and_then(|s| s.min_ready_seconds)
            .unwrap_or(0);
        if annotations_updated || rs_min_ready != min_ready {
            let spec = rs.spec.get_or_insert_with(Default::default);
            spec.min_ready_seconds = (min_ready != 0).then_some(min_ready);
            update_rs(world, &rs)?;
            return Ok(Some(reread(world, &rs)));
        }
        let revision = rs
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(util::REVISION))
            .cloned()
            .unwrap_or_default();
        let mut needs_update = util::set_deployment_revision(d, &revision);
        let has_deadline = util::progress_deadline(d).is_some();
        let status = d.status.get_or_insert_with(Default::default);
        if has_deadline && util::condition(status, "Progressing").is_none() {
            let message = format!("Found new replica set \"{}\"", rs_name(&rs));
            let condition =
                util::new_condition("Progressing", "True", util::FOUND_NEW_RS, message, now);
            util::set_condition(status, condition);
            needs_update = true;
        }
        if needs_update {
            write_status(world, d);
        }
        return Ok(Some(rs));
    }
    if !create {
        return Ok(None);
    }
    let mut template = util::template(d);
    let collision_count = d.status.as_ref().and_then(|s| s.collision_count);
    let hash = util::compute_hash(&template, collision_count);
    let meta = template.metadata.get_or_insert_with(Default::default);
    meta.labels
        .get_or_insert_with(Default::default)
        .insert(util::POD_TEMPLATE_HASH.into(), hash.clone());
    let mut selector = d
        .spec
        .as_ref()
        .map(|s| s.selector.clone())
        .unwrap_or_default();
    selector
        .match_labels
        .get_or_insert_with(Default::default)
        .insert(util::POD_TEMPLATE_HASH.into(), hash.clone());
    let rs_name = format!("{}-{hash}", name(d));
    let min_ready = util::min_ready_seconds(d);
    let mut rs = ReplicaSet {
        metadata: ObjectMeta {
            name: Some(rs_name.clone()),
            owner_references: Some(vec![controller_ref(d)]),
            labels: meta.labels.clone(),
            ..Default::default()
        },
        spec: Some(ReplicaSetSpec {
            replicas: Some(0),
            min_ready_seconds: (min_ready != 0).then_some(min_ready),
            selector,
            template: Some(template),
        }),
        status: None,
    };
    let mut all: Vec<&ReplicaSet> = old.iter().collect();
    all.push(&rs);
    let count = util::new_rs_new_replicas(d, &all, &rs);
    util::set_rs_replicas(&mut rs, count);
    util::set_new_rs_annotations(d, &mut rs, new_revision, false);
    let body = serde_json::to_value(&rs).unwrap_or_default();
    let mut already_exists = false;
    let created = match server::create(world, &replicaset::kind(), &body) {
        Ok(_) => reread(world, &rs),
        Err(RequestError::Sim(e)) => return Err(Error::Sim(e)),
        Err(RequestError::Api(e)) if e.reason == server::Reason::AlreadyExists => {
            already_exists = true;
            let found = replicaset::get(world, &rs_name);
            let ours =
                found.as_ref().is_some_and(|found| {
                    found.metadata.owner_references.iter().flatten().any(|r| {
                        r.controller == Some(true) && Some(&r.uid) == d.metadata.uid.as_ref()
                    }) && found
                        .spec
                        .as_ref()
                        .and_then(|s| s.template.as_ref())
                        .is_some_and(|t| util::equal_ignore_hash(&util::template(d), t))
                });
            match found {
                Some(found) if ours => found,
                _ => {
                    // A hash collision: the collision count moves, and the sync is retried.
                    let status = d.status.get_or_insert_with(Default::default);
                    status.collision_count = Some(status.collision_count.unwrap_or(0) + 1);
                    write_status(world, d);
                    return Err(Error::Failed(e.message));
                }
            }
        }
        Err(RequestError::Api(e)) => {
            let message = format!(
                "Failed to create new replica set \"{rs_name}\": {}",
                e.message
            );
            if util::progress_deadline(d).is_some() {
                let status = d.status.get_or_insert_with(Default::default);
                let condition = util::new_condition(
                    "Progressing",
                    "False",
                    util::FAILED_RS_CREATE,
                    message.clone(),
                    now,
                );
                util::set_condition(status, condition);
                write_status(world, d);
            }
            event(world, d, "Warning", util::FAILED_RS_CREATE, message);
            return Err(Error::Failed(e.message));
        }
    };
    if !already_exists && count > 0 {
        event(
            world,
            d,
            "Normal",
            "ScalingReplicaSet",
            format!("Scaled up replica set {rs_name} from 0 to {count}"),
        );
    }
    let mut needs_update = util::set_deployment_revision(d, &new_revision.to_string());
    if !already_exists && util::progress_deadline(d).is_some() {
        let message = format!("Created new replica set \"{rs_name}\"");
        let condition =
            util::new_condition("Progressing", "True", util::NEW_REPLICA_SET, message, now);
        util::set_condition(d.status.get_or_insert_with(Default::default), condition);
        needs_update = true;
    }
    if needs_update {
        write_status(world, d);
    }
    Ok(Some(created))
}

/// An update of a ReplicaSet through the API server.
fn update_rs(world: &mut World, rs: &ReplicaSet) -> Result<()> {
    let body = serde_json::to_value(rs).unwrap_or_default();
    server::update(world, &replicaset::kind(), rs_name(rs), &body)?;
    Ok(())
}

/// `scaleReplicaSetAndRecordEvent`: nothing when the size is already `new_scale`.
pub fn scale_and_record(
    world: &mut World,
    d: &Deployment,
    rs: &mut ReplicaSet,
    new_scale: i32,
) -> Result<bool> {
    if rs_replicas(rs) == new_scale {
        return Ok(false);
    }
    let op = if rs_replicas(rs) < new_scale {
        "up"
    } else {
        "down"
    };
    scale_rs(world, d, rs, new_scale, op)
}

/// `scaleReplicaSet`: the size and the replicas annotations, with a `ScalingReplicaSet`
/// event when the size changed.
pub fn scale_rs(
    world: &mut World,
    d: &Deployment,
    rs: &mut ReplicaSet,
    new_scale: i32,
    op: &str,
) -> Result<bool> {
    let size_changes = rs_replicas(rs) != new_scale;
    let desired = util::replicas(d);
    let max = desired + util::max_surge(d);
    let annotations_change = util::replicas_annotations_need_update(rs, desired, max);
    if !size_changes && !annotations_change {
        return Ok(false);
    }
    let old_scale = rs_replicas(rs);
    let mut copy = rs.clone();
    util::set_rs_replicas(&mut copy, new_scale);
    util::set_replicas_annotations(&mut copy, desired, max);
    update_rs(world, &copy)?;
    *rs = reread(world, &copy);
    if size_changes {
        event(
            world,
            d,
            "Normal",
            "ScalingReplicaSet",
            format!(
                "Scaled {op} replica set {} from {old_scale} to {new_scale}",
                rs_name(rs)
            ),
        );
    }
    Ok(size_changes)
}

/// `FilterActiveReplicaSets`: sets with replicas.
pub fn active(sets: &[ReplicaSet]) -> Vec<ReplicaSet> {
    sets.iter()
        .filter(|rs| rs_replicas(rs) > 0)
        .cloned()
        .collect()
}

/// `FindActiveOrLatest`.
fn active_or_latest(new: Option<&ReplicaSet>, old: &[ReplicaSet]) -> Option<String> {
    if new.is_none() && old.is_empty() {
        return None;
    }
    let mut sorted: Vec<&ReplicaSet> = old.iter().collect();
    sorted.sort_by(|a, b| util::by_creation(b, a));
    let mut all: Vec<&ReplicaSet> = sorted.clone();
    all.extend(new);
    let actives: Vec<&ReplicaSet> = all.into_iter().filter(|rs| rs_replicas(rs) > 0).collect();
    match actives.len() {
        0 => new
            .or(sorted.first().copied())
            .map(|rs| rs_name(rs).to_string()),
        1 => Some(rs_name(actives[0]).to_string()),
        _ => None,
    }
}

/// `scale`: a scaling event or a paused Deployment.
pub fn scale(
    world: &mut World,
    d: &Deployment,
    new: &mut Option<ReplicaSet>,
    old: &mut [ReplicaSet],
) -> Result<()> {
    let n = util::replicas(d);
    if let Some(target) = active_or_latest(new.as_ref(), old) {
        let rs = match new.as_mut().filter(|rs| rs_name(rs) == target) {
            Some(rs) => rs,
            None => match old.iter_mut().find(|rs| rs_name(rs) == target) {
                Some(rs) => rs,
                None => return Ok(()),
            },
        };
        if rs_replicas(rs) == n {
            return Ok(());
        }
        scale_and_record(world, d, rs, n)?;
        return Ok(());
    }
    if util::is_saturated(d, new.as_ref()) {
        for rs in old.iter_mut().filter(|rs| rs_replicas(rs) > 0) {
            scale_and_record(world, d, rs, 0)?;
        }
        return Ok(());
    }
    if !util::is_rolling_update(d) {
        return Ok(());
    }
    // Proportional scaling of every active set.
    let mut all: Vec<ReplicaSet> = old.iter().cloned().chain(new.clone()).collect();
    all.retain(|rs| rs_replicas(rs) > 0);
    let refs: Vec<&ReplicaSet> = all.iter().collect();
    let all_replicas = util::spec_count(&refs);
    let allowed = if n > 0 { n + util::max_surge(d) } else { 0 };
    let to_add = allowed - all_replicas;
    let op = match to_add.cmp(&0) {
        std::cmp::Ordering::Greater => {
            all.sort_by(util::by_size_newer);
            "up"
        }
        std::cmp::Ordering::Less => {
            all.sort_by(util::by_size_older);
            "down"
        }
        std::cmp::Ordering::Equal => "",
    };
    let mut added = 0;
    let mut sizes: Vec<i32> = Vec::with_capacity(all.len());
    for rs in &all {
        if to_add != 0 {
            let p = util::proportion(rs, d, to_add, added);
            sizes.push(rs_replicas(rs) + p);
            added += p;
        } else {
            sizes.push(rs_replicas(rs));
        }
    }
    for (i, rs) in all.iter_mut().enumerate() {
        if i == 0 && to_add != 0 {
            sizes[0] = (sizes[0] + to_add - added).max(0);
        }
        scale_rs(world, d, rs, sizes[i], op)?;
        let name = rs_name(rs).to_string();
        if let Some(n) = new.as_mut().filter(|n| rs_name(n) == name) {
            *n = rs.clone();
        }
        if let Some(o) = old.iter_mut().find(|o| rs_name(o) == name) {
            *o = rs.clone();
        }
    }
    Ok(())
}

/// `cleanupDeployment`: old sets beyond `revisionHistoryLimit`, oldest revision first, are
/// deleted when they have no replicas and their controller saw their last change.
pub fn cleanup(world: &mut World, d: &Deployment, old: &[ReplicaSet]) -> Result<()> {
    let Some(limit) = util::revision_history_limit(d) else {
        return Ok(());
    };
    let mut cleanable: Vec<&ReplicaSet> = old
        .iter()
        .filter(|rs| rs.metadata.deletion_timestamp.is_none())
        .collect();
    let diff = cleanable.len() as i64 - i64::from(limit);
    if diff <= 0 {
        return Ok(());
    }
    cleanable.sort_by(|a, b| util::by_revision(a, b));
    for rs in cleanable.into_iter().take(diff as usize) {
        let observed = rs
            .status
            .as_ref()
            .and_then(|s| s.observed_generation)
            .unwrap_or(0);
        if util::rs_actual(rs) != 0
            || rs_replicas(rs) != 0
            || rs.metadata.generation.unwrap_or(0) > observed
            || rs.metadata.deletion_timestamp.is_some()
        {
            continue;
        }
        match server::delete(
            world,
            &replicaset::kind(),
            rs_name(rs),
            server::Propagation::Unset,
            false,
        ) {
            Ok(_) => {}
            Err(RequestError::Api(e)) if e.reason == server::Reason::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// `calculateStatus`.
pub fn calculate_status(
    world: &World,
    all: &[&ReplicaSet],
    new: Option<&ReplicaSet>,
    d: &Deployment,
) -> DeploymentStatus {
    let available = util::available_count(all);
    let total = util::spec_count(all);
    let unavailable = (total - available).max(0);
    let old = d.status.clone().unwrap_or_default();
    let mut status = DeploymentStatus {
        observed_generation: d.metadata.generation.filter(|g| *g != 0),
        replicas: nonzero(util::actual_count(all)),
        updated_replicas: nonzero(new.map_or(0, util::rs_actual)),
        ready_replicas: nonzero(util::ready_count(all)),
        available_replicas: nonzero(available),
        unavailable_replicas: nonzero(unavailable),
        terminating_replicas: util::terminating_count(all),
        collision_count: old.collision_count,
        conditions: old.conditions.clone(),
    };
    let condition = if available >= util::replicas(d) - util::max_unavailable(d) {
        util::new_condition(
            "Available",
            "True",
            util::MINIMUM_REPLICAS_AVAILABLE,
            "Deployment has minimum availability.".into(),
            world.now,
        )
    } else {
        util::new_condition(
            "Available",
            "False",
            util::MINIMUM_REPLICAS_UNAVAILABLE,
            "Deployment does not have minimum availability.".into(),
            world.now,
        )
    };
    util::set_condition(&mut status, condition);
    status
}

fn all_sets<'a>(new: Option<&'a ReplicaSet>, old: &'a [ReplicaSet]) -> Vec<&'a ReplicaSet> {
    old.iter().chain(new).collect()
}

/// `syncDeploymentStatus`.
pub fn sync_deployment_status(
    world: &mut World,
    d: &mut Deployment,
    new: Option<&ReplicaSet>,
    old: &[ReplicaSet],
) {
    let status = calculate_status(world, &all_sets(new, old), new, d);
    if d.status.as_ref() == Some(&status) {
        return;
    }
    d.status = Some(status);
    write_status(world, d);
}

/// `syncStatusOnly`: a Deployment being deleted.
pub fn sync_status_only(
    world: &mut World,
    d: &mut Deployment,
    rs_list: &[ReplicaSet],
) -> Result<()> {
    let (new, old) = get_all(world, d, rs_list, false)?;
    sync_deployment_status(world, d, new.as_ref(), &old);
    Ok(())
}

/// `sync`: scaling, for a scaling event or a paused Deployment.
pub fn sync(world: &mut World, d: &mut Deployment, rs_list: &[ReplicaSet]) -> Result<()> {
    let (mut new, mut old) = get_all(world, d, rs_list, false)?;
    scale(world, d, &mut new, &mut old)?;
    if util::paused(d) {
        cleanup(world, d, &old)?;
    }
    sync_deployment_status(world, d, new.as_ref(), &old);
    Ok(())
}

/// `isScalingEvent`: an active set's desired-replicas annotation differs from the size.
pub fn is_scaling_event(
    world: &mut World,
    d: &mut Deployment,
    rs_list: &[ReplicaSet],
) -> Result<bool> {
    let (new, old) = get_all(world, d, rs_list, false)?;
    let n = util::replicas(d);
    Ok(old
        .iter()
        .chain(new.as_ref())
        .filter(|rs| rs_replicas(rs) > 0)
        .any(|rs| util::desired_annotation(rs).is_some_and(|desired| desired != n)))
}

/// `checkPausedConditions`: `Progressing` Unknown `DeploymentPaused` when paused,
/// `DeploymentResumed` when resumed, unless the rollout already timed out.
pub fn check_paused_conditions(world: &mut World, d: &mut Deployment) -> Result<()> {
    if util::progress_deadline(d).is_none() {
        return Ok(());
    }
    let status = d.status.clone().unwrap_or_default();
    let current = util::condition(&status, "Progressing");
    if current.is_some_and(|c| c.reason.as_deref() == Some(util::TIMED_OUT)) {
        return Ok(());
    }
    let paused_exists = current.is_some_and(|c| c.reason.as_deref() == Some(util::PAUSED));
    let now = world.now;
    let condition = if util::paused(d) && !paused_exists {
        util::new_condition(
            "Progressing",
            "Unknown",
            util::PAUSED,
            "Deployment is paused".into(),
            now,
        )
    } else if !util::paused(d) && paused_exists {
        util::new_condition(
            "Progressing",
            "Unknown",
            util::RESUMED,
            "Deployment is resumed".into(),
            now,
        )
    } else {
        return Ok(());
    };
    util::set_condition(d.status.get_or_insert_with(Default::default), condition);
    write_status(world, d);
    Ok(())
}
