//! The volume controllers' view of the cluster, kept from watch events as their informers'
//! indexers keep it upstream: the claims each pod mounts and the pods that mount each claim
//! (pvc-protection's `podIndexer`), the Pending and the deleted claims, the volumes by the
//! claim their `claimRef` names, and the claims by the volume their `volumeName` names. A
//! Pod event costs that pod's claims, a claim's deletion its volumes.
//!
//! The view is brought up to date with every queued event before it is read
//! (`informer::WatchCursor`), so it answers as a scan of the store would; callers still
//! check what it returns against the store.

use std::collections::BTreeSet;

use super::super::informer::{FastMap, FastSet, WatchCursor};
use super::{claims_of, phase_of_claim};
use crate::sim::kinds::ObjectKind;
use crate::sim::server::store::Store;
use crate::sim::world::{WatchEvent, World};

/// A few names in order, a set as a sorted vector: the reverse maps hold one name per
/// key almost always (a claim's one pod, a volume's one claim), and a one-element
/// `BTreeSet` allocates a node of eleven (280 bytes) where this allocates one `String`.
#[derive(Debug, Default)]
struct Names(Vec<String>);

impl Names {
    fn insert(&mut self, name: String) {
        if let Err(at) = self.0.binary_search(&name) {
            self.0.insert(at, name);
        }
    }

    fn remove(&mut self, name: &str) {
        if let Ok(at) = self.0.binary_search_by(|n| n.as_str().cmp(name)) {
            self.0.remove(at);
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a Names {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[derive(Debug, Default)]
pub struct VolumeIndex {
    cursor: WatchCursor,
    claims_by_pod: FastMap<String, Vec<String>>,
    pods_by_claim: FastMap<String, Names>,
    pending: BTreeSet<String>,
    deleting: FastSet<String>,
    /// Claims that may have lost their last user since pvc-protection last looked: the
    /// claims of every pod seen since, and every claim seen deleted.
    to_check: BTreeSet<String>,
    claim_of_volume: FastMap<String, String>,
    volumes_by_claim: FastMap<String, Names>,
    /// Volumes with no `claimRef`, free for any claim that fits.
    unclaimed: BTreeSet<String>,
    /// Each claim's `spec.volumeName`, and the claims by the volume they name.
    volume_of_claim: FastMap<String, String>,
    claims_by_volume: FastMap<String, Names>,
}

impl VolumeIndex {
    fn observe(&mut self, store: &Store, kind: &ObjectKind, name: &str) {
        match kind {
            ObjectKind::Pod => self.observe_pod(store, name),
            ObjectKind::PersistentVolumeClaim => self.observe_claim(store, name),
            ObjectKind::PersistentVolume => self.observe_volume(store, name),
            _ => {}
        }
    }

    fn observe_pod(&mut self, store: &Store, name: &str) {
        let pod = store.pods().get(name);
        // The claims the pod names now, read in place (most pod events change none).
        let pod_name = pod.and_then(|p| p.metadata.name.as_deref()).unwrap_or(name);
        let now = || {
            pod.into_iter()
                .flat_map(|p| p.spec.iter())
                .flat_map(|s| s.volumes.iter().flatten())
                .filter_map(move |v| match &v.persistent_volume_claim {
                    Some(c) => Some(std::borrow::Cow::Borrowed(c.claim_name.as_str())),
                    None => v.ephemeral.as_ref().map(|_| {
                        std::borrow::Cow::Owned(super::ephemeral::claim_name(pod_name, &v.name))
                    }),
                })
        };
        let before = self
            .claims_by_pod
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        // Only a deleted claim is ever checked (`take_to_check`), and a claim seen deleted
        // later is added then: the others need not be kept.
        let claims = before
            .iter()
            .map(|c| std::borrow::Cow::Borrowed(c.as_str()))
            .chain(now());
        for claim in claims {
            if self.deleting.contains(claim.as_ref()) && !self.to_check.contains(claim.as_ref()) {
                self.to_check.insert(claim.into_owned());
            }
        }
        if before.iter().map(String::as_str).eq(now()) {
            return;
        }
        let now: Vec<String> = pod.map(claims_of).unwrap_or_default();
        let before = self.claims_by_pod.remove(name).unwrap_or_default();
        for claim in &before {
            if let Some(pods) = self.pods_by_claim.get_mut(claim) {
                pods.remove(name);
                if pods.is_empty() {
                    self.pods_by_claim.remove(claim);
                }
            }
        }
        for claim in &now {
            self.pods_by_claim
                .entry(claim.clone())
                .or_default()
                .insert(name.to_string());
        }
        if !now.is_empty() {
            self.claims_by_pod.insert(name.to_string(), now);
        }
    }

    fn observe_claim(&mut self, store: &Store, name: &str) {
        let claim = store.claims().get(name);
        if claim.is_some_and(|c| phase_of_claim(c) == "Pending") {
            if !self.pending.contains(name) {
                self.pending.insert(name.to_string());
            }
        } else {
            self.pending.remove(name);
        }
        if claim.is_some_and(|c| c.metadata.deletion_timestamp.is_some()) {
            if !self.deleting.contains(name) {
                self.deleting.insert(name.to_string());
            }
            if !self.to_check.contains(name) {
                self.to_check.insert(name.to_string());
            }
        } else {
            self.deleting.remove(name);
        }
        let now = claim
            .and_then(|c| c.spec.as_ref()?.volume_name.as_deref())
            .filter(|v| !v.is_empty());
        repoint(
            &mut self.volume_of_claim,
            &mut self.claims_by_volume,
            name,
            now,
        );
    }

    fn observe_volume(&mut self, store: &Store, name: &str) {
        let pv = store.volumes().get(name);
        let claim_ref = pv.and_then(|pv| pv.spec.as_ref()?.claim_ref.as_ref());
        let now = claim_ref.and_then(|r| r.name.as_deref());
        repoint(
            &mut self.claim_of_volume,
            &mut self.volumes_by_claim,
            name,
            now,
        );
        if pv.is_some() && claim_ref.is_none() {
            if !self.unclaimed.contains(name) {
                self.unclaimed.insert(name.to_string());
            }
        } else {
            self.unclaimed.remove(name);
        }
    }

    /// The pods that mount `claim`, by name.
    pub fn pods_using(&self, claim: &str) -> impl Iterator<Item = &String> {
        self.pods_by_claim.get(claim).into_iter().flatten()
    }

    /// The claims whose phase is Pending, by name.
    pub fn pending(&self) -> Vec<String> {
        self.pending.iter().cloned().collect()
    }

    /// Whether a claim waits to be looked at by [`VolumeIndex::take_to_check`].
    pub fn has_claims_to_check(&self) -> bool {
        !self.to_check.is_empty()
    }

    /// The deleted claims that may have lost their last user since the last call, by name.
    pub fn take_to_check(&mut self) -> Vec<String> {
        let to_check = std::mem::take(&mut self.to_check);
        to_check
            .into_iter()
            .filter(|c| self.deleting.contains(c))
            .collect()
    }

    /// The volumes whose `claimRef` names `claim`, by name.
    pub fn volumes_of(&self, claim: &str) -> Vec<String> {
        self.volumes_by_claim
            .get(claim)
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// The claims whose `spec.volumeName` names `volume`, by name.
    pub fn claims_naming(&self, volume: &str) -> Vec<String> {
        self.claims_by_volume
            .get(volume)
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// The volumes a claim named `claim` may bind: those with no `claimRef` and those whose
    /// `claimRef` names it, by name.
    pub fn bindable(&self, claim: &str) -> BTreeSet<&String> {
        self.unclaimed
            .iter()
            .chain(self.volumes_by_claim.get(claim).into_iter().flatten())
            .collect()
    }
}

/// Brings the view up to date: the event being dispatched (`current`, unless it was seen
/// queued), then every queued event not looked at yet. Without `current`, the caller runs
/// on behalf of another component (the scheduler's PreBind).
pub fn catch_up(world: &mut World, current: Option<&WatchEvent>) {
    let index = &mut world.volume_controller.index;
    if let Some(event) = current {
        // An event seen while it was queued need not be looked at again (`WatchCursor`).
        if !index.cursor.dispatched() {
            index.observe(&world.store, &event.kind, &event.name);
        }
    }
    for e in index
        .cursor
        .unseen(world.store.pending_watch_events(), current.is_none())
    {
        index.observe(&world.store, &e.kind, &e.name);
    }
}

/// Points `key` at `now` in a forward map (`key` → one target) and keeps its reverse
/// (target → keys) in step; an emptied reverse entry goes.
fn repoint(
    forward: &mut FastMap<String, String>,
    reverse: &mut FastMap<String, Names>,
    key: &str,
    now: Option<&str>,
) {
    if forward.get(key).map(String::as_str) == now {
        return;
    }
    if let Some(before) = forward.remove(key) {
        if let Some(keys) = reverse.get_mut(&before) {
            keys.remove(key);
            if keys.is_empty() {
                reverse.remove(&before);
            }
        }
    }
    if let Some(target) = now {
        reverse
            .entry(target.to_string())
            .or_default()
            .insert(key.to_string());
        forward.insert(key.to_string(), target.to_string());
    }
}
