//! Mutants: named, documented bugs that can be switched on in the simulation for one run.
//!
//! Each mutant is a plausible misunderstanding of how a StatefulSet behaves ("the rolling
//! update goes from web-0 up", "a pod's claim goes with the pod"). A good test passes on
//! the faithful simulation and fails with the mutant on: it *kills* the mutant. The runner
//! runs each test once per mutant; grading can award points per killed mutant.
//!
//! This file is the one switchboard: the list, each mutant's id, one-line summary and the
//! behaviour ids (docs/behaviors.md) it breaks. The alteration itself lives beside the code it
//! alters, as a one-line `if world.mutant(Mutant::X)` check; `grep Mutant::X src/` finds it.
//! With no mutant on (`Config::mutant` is `None`, the default) every check is one compare
//! of a byte and the simulation is the faithful one.

use super::world::World;

/// A seeded bug. The order of [`Mutant::ALL`] is the order of every report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mutant {
    UpdateForwardOrder,
    CreateBeforeReady,
    ScaleDownForwardOrder,
    ScaleDownAllAtOnce,
    ClaimDeletedWithPod,
    ClaimRecreated,
    PartitionExclusive,
    PartitionIgnored,
    DnsUnready,
    NoHostname,
    NoSubdomain,
    IpReused,
    OnDeleteRolls,
    RolloutNoHalt,
    MinReadyIgnored,
    HistoryNotPruned,
    RetentionIgnored,
    MaxUnavailableRoundUp,
    MaxUnavailableIgnored,
    ParallelIgnored,
    FailedNotReplaced,
    TerminatingNotBlocking,
    OnDeletePromotes,
    NoPodIndexLabel,
    RollbackKeepsNumber,
}

impl Mutant {
    pub const ALL: [Mutant; 25] = [
        Mutant::UpdateForwardOrder,
        Mutant::CreateBeforeReady,
        Mutant::ScaleDownForwardOrder,
        Mutant::ScaleDownAllAtOnce,
        Mutant::ClaimDeletedWithPod,
        Mutant::ClaimRecreated,
        Mutant::PartitionExclusive,
        Mutant::PartitionIgnored,
        Mutant::DnsUnready,
        Mutant::NoHostname,
        Mutant::NoSubdomain,
        Mutant::IpReused,
        Mutant::OnDeleteRolls,
        Mutant::RolloutNoHalt,
        Mutant::MinReadyIgnored,
        Mutant::HistoryNotPruned,
        Mutant::RetentionIgnored,
        Mutant::MaxUnavailableRoundUp,
        Mutant::MaxUnavailableIgnored,
        Mutant::ParallelIgnored,
        Mutant::FailedNotReplaced,
        Mutant::TerminatingNotBlocking,
        Mutant::OnDeletePromotes,
        Mutant::NoPodIndexLabel,
        Mutant::RollbackKeepsNumber,
    ];

    /// The id the command line and `assignment.toml` use.
    pub fn id(self) -> &'static str {
        self.info().0
    }

    /// What the bug does, in one line.
    pub fn summary(self) -> &'static str {
        self.info().1
    }

    /// The docs/behaviors.md ids the bug breaks.
    pub fn behaviors(self) -> &'static [&'static str] {
        self.info().2
    }

    pub fn from_id(id: &str) -> Option<Mutant> {
        Mutant::ALL.into_iter().find(|m| m.id() == id)
    }

    fn info(self) -> (&'static str, &'static str, &'static [&'static str]) {
        match self {
            Mutant::UpdateForwardOrder => (
                "update-forward-order",
                "the rolling update replaces pods from the lowest ordinal up",
                &["B-UPD-2", "B-UPD-4", "B-TUT-5"],
            ),
            Mutant::CreateBeforeReady => (
                "create-before-ready",
                "OrderedReady creates the next pod once the previous one is Running, before it is Ready",
                &["B-ORD-2", "B-TUT-1"],
            ),
            Mutant::ScaleDownForwardOrder => (
                "scale-down-forward-order",
                "scale-down removes the lowest condemned ordinal first",
                &["B-ORD-5", "B-TUT-4"],
            ),
            Mutant::ScaleDownAllAtOnce => (
                "scale-down-all-at-once",
                "OrderedReady scale-down deletes every condemned pod at once",
                &["B-ORD-5", "B-TUT-4"],
            ),
            Mutant::ClaimDeletedWithPod => (
                "claim-deleted-with-pod",
                "deleting a pod deletes its PersistentVolumeClaims too",
                &["B-PVC-4", "B-RET-3"],
            ),
            Mutant::ClaimRecreated => (
                "claim-recreated",
                "a re-created pod gets a new PersistentVolumeClaim instead of its old one",
                &["B-PVC-3", "B-PVC-4", "B-ID-9"],
            ),
            Mutant::PartitionExclusive => (
                "partition-exclusive",
                "the update step compares ordinals with the partition using > instead of >=",
                &["B-PART-1", "B-PART-4"],
            ),
            Mutant::PartitionIgnored => (
                "partition-ignored",
                "pods below the partition are updated too",
                &["B-PART-1", "B-PART-2"],
            ),
            Mutant::DnsUnready => (
                "dns-unready",
                "pods that are not ready are published as ready endpoints, so DNS answers for them",
                &["B-DNS-3", "B-DNS-5"],
            ),
            Mutant::NoHostname => (
                "no-hostname",
                "pods are created without spec.hostname",
                &["B-ID-5", "B-DNS-2"],
            ),
            Mutant::NoSubdomain => (
                "no-subdomain",
                "pods are created without spec.subdomain (the serviceName)",
                &["B-ID-5", "B-DNS-2"],
            ),
            Mutant::IpReused => (
                "ip-reused",
                "a node hands a freed pod IP out again at once, so a re-created pod keeps its IP",
                &["B-DNS-15", "B-ID-9"],
            ),
            Mutant::OnDeleteRolls => (
                "ondelete-rolls",
                "OnDelete replaces outdated pods by itself, like RollingUpdate",
                &["B-ONDEL-1"],
            ),
            Mutant::RolloutNoHalt => (
                "rollout-no-halt",
                "the update step deletes the next outdated pod while one above it is unavailable (Parallel)",
                &["B-UPD-2", "B-PAR-3", "B-PAR-4"],
            ),
            Mutant::MinReadyIgnored => (
                "min-ready-ignored",
                "minReadySeconds is ignored: a Ready pod is Available at once",
                &["B-AVAIL-1", "B-AVAIL-2"],
            ),
            Mutant::HistoryNotPruned => (
                "history-not-pruned",
                "old ControllerRevisions are kept beyond revisionHistoryLimit",
                &["B-REV-6"],
            ),
            Mutant::RetentionIgnored => (
                "retention-ignored",
                "persistentVolumeClaimRetentionPolicy is ignored: claims always stay",
                &["B-RET-1", "B-RET-2", "B-RET-9"],
            ),
            Mutant::MaxUnavailableRoundUp => (
                "max-unavailable-round-up",
                "a percentage maxUnavailable is rounded up instead of down",
                &["B-MAXU-2"],
            ),
            Mutant::MaxUnavailableIgnored => (
                "max-unavailable-ignored",
                "maxUnavailable is ignored: the update replaces one pod at a time",
                &["B-MAXU-3", "B-MAXU-6"],
            ),
            Mutant::ParallelIgnored => (
                "parallel-ignored",
                "podManagementPolicy Parallel is managed as OrderedReady",
                &["B-PAR-1", "B-TUT-9"],
            ),
            Mutant::FailedNotReplaced => (
                "failed-not-replaced",
                "a Failed or Succeeded pod is left in place instead of being replaced",
                &["B-FAIL-1"],
            ),
            Mutant::TerminatingNotBlocking => (
                "terminating-not-blocking",
                "the scan skips a Terminating pod: OrderedReady goes on to the pods after it",
                &["B-ORD-4"],
            ),
            Mutant::OnDeletePromotes => (
                "ondelete-promotes",
                "OnDelete advances currentRevision once every pod is updated",
                &["B-ONDEL-3"],
            ),
            Mutant::NoPodIndexLabel => (
                "no-pod-index-label",
                "pods are created without the apps.kubernetes.io/pod-index label",
                &["B-ID-3"],
            ),
            Mutant::RollbackKeepsNumber => (
                "rollback-keeps-number",
                "a rollback reuses the earlier ControllerRevision without raising its revision number",
                &["B-REV-4"],
            ),
        }
    }
}

impl std::fmt::Display for Mutant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl World {
    /// Whether `mutant` is switched on for this run.
    #[inline(always)]
    pub fn mutant(&self, mutant: Mutant) -> bool {
        self.config.mutant == Some(mutant)
    }

    /// `mutated` when `mutant` is on, else `faithful`: a one-line hook for a value.
    #[inline(always)]
    pub fn mutated<T>(&self, mutant: Mutant, faithful: T, mutated: T) -> T {
        if self.mutant(mutant) {
            mutated
        } else {
            faithful
        }
    }

    /// [`World::mutated`] for a value that costs something to compute: only when on.
    #[inline(always)]
    pub fn mutated_with<T>(&self, mutant: Mutant, faithful: T, mutated: impl FnOnce() -> T) -> T {
        if self.mutant(mutant) {
            mutated()
        } else {
            faithful
        }
    }
}

/// `claim-deleted-with-pod`: delete the claims a pod's volumes name.
pub(crate) fn delete_pod_claims(world: &mut World, pod: &str) {
    let claims: Vec<String> = world
        .store
        .pods()
        .get(pod)
        .and_then(|p| p.spec.as_ref()?.volumes.clone())
        .into_iter()
        .flatten()
        .filter_map(|v| v.persistent_volume_claim.map(|c| c.claim_name))
        .collect();
    for claim in claims {
        let _ = super::server::delete(
            world,
            &super::kinds::ObjectKind::PersistentVolumeClaim,
            &claim,
            super::server::Propagation::Background,
            false,
        );
    }
}

/// `claim-recreated`: a claim found for a pod about to be created is deleted, so the pod
/// waits and then gets a new one.
pub(crate) fn drop_existing_claim(world: &mut World, claim: &str) {
    let _ = super::server::delete(
        world,
        &super::kinds::ObjectKind::PersistentVolumeClaim,
        claim,
        super::server::Propagation::Background,
        false,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for m in Mutant::ALL {
            assert!(seen.insert(m.id()), "duplicate id {}", m.id());
            assert!(m.id().bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
            assert_eq!(Mutant::from_id(m.id()), Some(m));
            assert!(!m.summary().is_empty());
            assert!(m.behaviors().iter().all(|b| b.starts_with("B-")));
        }
        assert_eq!(Mutant::from_id("no-such-mutant"), None);
    }
}
