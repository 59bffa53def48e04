//! DefaultPreemption, the default profile's PostFilter
//! (`pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go` with the
//! Evaluator of `pkg/scheduler/framework/preemption/preemption.go`), B-SCHED-24..27.
//!
//! A pod that fits nowhere may preempt: unless its `preemptionPolicy` is `Never`, or a
//! lower-priority pod that a preemption is terminating is still on the node it was
//! nominated to (`PodEligibleToPreemptOthers`), every node a filter rejected with a
//! resolvable status is dry-run (`SelectVictimsOnNode`): all its pods of lower priority
//! are taken off; if the pod then fits, they are put back one by one, the PDB-violating
//! ones first, each group most important first (higher priority, then the earlier
//! started), and a pod whose return makes the pod not fit again is a victim. Of the nodes
//! with victims one is picked (`pickOneNodeForPreemption`: fewest PDB violations, lowest
//! highest victim priority, smallest sum of priorities, fewest victims, latest start of
//! the highest-priority victims; then natural name order where upstream takes the first of
//! a map). Its victims get the `DisruptionTarget` condition (`PreemptionByScheduler`) and
//! are deleted gracefully, each with a `Preempted` event; lower-priority pods nominated to
//! the node lose their nomination; the pod is nominated to the node
//! (`status.nominatedNodeName`) and binds there when the victims are gone.
//!
//! Upstream dry-runs the resolvable nodes from a random offset until it has 100 candidates
//! (or 10% of the nodes); scn starts at the first node in the store's order. When other
//! pods are filtered, the pods nominated to a node with at least their priority count on it
//! for the resources they request (`RunFilterPluginsWithNominatedPods`; their ports, labels
//! and affinity do not).

use crate::sim::events::Recorder;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::jiff::Timestamp;

use crate::sim::api::poddisruptionbudget as pdb_api;
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil::natural_cmp;
use crate::sim::scheduler::framework::{preemption_fit_error, Code, PodInfo, Status};
use crate::sim::scheduler::{run_filters, PreFilterResult};
use crate::sim::server;
use crate::sim::world::World;

/// `v1.PodReasonPreemptionByScheduler`.
pub const REASON_PREEMPTION_BY_SCHEDULER: &str = "PreemptionByScheduler";
const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
const NO_VICTIMS: &str = "No preemption victims found for incoming pod";

/// What the PostFilter did.
pub enum Outcome {
    /// Victims are being deleted; the pod is nominated to this node.
    Nominated(String),
    /// No preemption: the message after `preemption: `, and whether the pod's nomination
    /// is cleared (no candidate at all) or kept (not eligible).
    Failed { message: String, clear: bool },
}

/// A pod on a node that preemption may take off.
#[derive(Clone)]
struct Victim {
    name: String,
    priority: i32,
    /// `status.startTime`; a pod not started counts as starting now (`GetPodStartTime`).
    start: Option<Timestamp>,
    labels: std::collections::BTreeMap<String, String>,
    terminating: bool,
}

struct Candidate {
    node: String,
    order: usize,
    /// Most important first.
    victims: Vec<Victim>,
    pdb_violations: i64,
}

/// `corev1helpers.PodPriority`.
pub fn priority(pod: &Pod) -> i32 {
    pod.spec.as_ref().and_then(|s| s.priority).unwrap_or(0)
}

/// `util.MoreImportantPod`: higher priority, then the earlier start (a pod not started
/// counts as starting now); equal ones in natural name order.
fn more_important(a: &Victim, b: &Victim) -> std::cmp::Ordering {
    b.priority
        .cmp(&a.priority)
        .then_with(|| match (a.start, b.start) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        })
        .then_with(|| natural_cmp(&a.name, &b.name))
}

/// `podTerminatingByPreemption`.
fn terminating_by_preemption(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
        && pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == "DisruptionTarget"))
            .is_some_and(|c| {
                c.status == "True" && c.reason.as_deref() == Some(REASON_PREEMPTION_BY_SCHEDULER)
            })
}

/// The pods the cache holds on `node` with a priority lower than `than`
/// (`isPreemptionAllowed`).
fn lower_priority_pods(world: &World, node: &str, than: i32) -> Vec<Victim> {
    // Most clusters have no pod of lower priority: then no pod is read.
    let lowest = world.scheduler.cache.lowest_priority();
    if lowest.is_none_or(|p| p >= than) {
        return Vec::new();
    }
    let Some(slot) = world.scheduler.cache.slot_of(node) else {
        return Vec::new();
    };
    world
        .scheduler
        .cache
        .bound
        .iter()
        .filter(|(_, b)| b.slot == slot && b.priority < than)
        .filter_map(|(name, b)| {
            let pod = world.store.pods().get(name)?;
            Some(Victim {
                name: name.clone(),
                priority: b.priority,
                start: pod
                    .status
                    .as_ref()
                    .and_then(|s| s.start_time.as_ref())
                    .map(|t| t.0),
                labels: b.labels.clone(),
                terminating: pod.metadata.deletion_timestamp.is_some(),
            })
        })
        .collect()
}

/// The PostFilter: preempts if it can (`DefaultPreemption.PostFilter`, `Evaluator.Preempt`).
pub fn post_filter(
    world: &mut World,
    name: &str,
    info: &PodInfo,
    pre: &PreFilterResult,
    statuses: &[(usize, Status)],
) -> Outcome {
    let Some(pod) = world.store.pods().get(name).cloned() else {
        return Outcome::Failed {
            message: String::new(),
            clear: false,
        };
    };
    let own = priority(&pod);
    let nodes: Vec<String> = world.store.nodes().keys().cloned().collect();
    let total = nodes.len();
    // 1) PodEligibleToPreemptOthers.
    if info.preempt_never {
        return Outcome::Failed {
            message: "not eligible due to preemptionPolicy=Never.".into(),
            clear: false,
        };
    }
    let nominated = pod
        .status
        .as_ref()
        .and_then(|s| s.nominated_node_name.clone())
        .filter(|n| !n.is_empty());
    if let Some(node) = nominated {
        // An absent node's status is UnschedulableAndUnresolvable.
        let resolvable = nodes
            .iter()
            .position(|n| *n == node)
            .and_then(|i| statuses.iter().find(|(j, _)| *j == i))
            .is_some_and(|(_, s)| s.code == Code::Unschedulable);
        let terminating = resolvable
            && lower_priority_pods(world, &node, own).iter().any(|v| {
                world
                    .store
                    .pods()
                    .get(&v.name)
                    .is_some_and(terminating_by_preemption)
            });
        if terminating {
            return Outcome::Failed {
                message: "not eligible due to a terminating pod on the nominated node.".into(),
                clear: false,
            };
        }
    }
    // 2) findCandidates: the nodes a filter rejected with a resolvable status.
    let potential: Vec<usize> = statuses
        .iter()
        .filter(|(_, s)| s.code == Code::Unschedulable)
        .map(|(i, _)| *i)
        .collect();
    let not_helpful = || Outcome::Failed {
        message: preemption_fit_error(total, &vec![NOT_HELPFUL; total]),
        clear: true,
    };
    if potential.is_empty() {
        return not_helpful();
    }
    let pdbs = budgets(world);
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut tried: Vec<(usize, Vec<String>)> = Vec::new();
    let wanted = num_candidates(potential.len());
    for index in potential {
        // DryRunPreemption stops once it has enough candidates, one of them violating no
        // budget.
        let non_violating = candidates.iter().filter(|c| c.pdb_violations == 0).count();
        if non_violating > 0 && candidates.len() >= wanted {
            break;
        }
        let node = nodes[index].clone();
        match select_victims_on_node(world, &pod, info, pre, &node, own, &pdbs) {
            Ok((victims, pdb_violations)) if !victims.is_empty() => {
                let order = world.scheduler.order_of(index).unwrap_or(usize::MAX);
                candidates.push(Candidate {
                    node,
                    order,
                    victims,
                    pdb_violations,
                });
            }
            Ok(_) => tried.push((index, vec![NO_VICTIMS.to_string()])),
            Err(reasons) => tried.push((index, reasons)),
        }
    }
    if candidates.is_empty() {
        let mut reasons: Vec<&str> = Vec::new();
        for i in 0..total {
            match tried.iter().find(|(j, _)| *j == i) {
                Some((_, r)) => reasons.extend(r.iter().map(String::as_str)),
                None => reasons.push(NOT_HELPFUL),
            }
        }
        return Outcome::Failed {
            message: preemption_fit_error(total, &reasons),
            clear: true,
        };
    }
    // 4) SelectCandidate, 5) prepareCandidate.
    let best = pick_one_node(candidates);
    prepare_candidate(world, &pod, own, &best);
    Outcome::Nominated(best.node)
}

/// `calculateNumCandidates` with the default `DefaultPreemptionArgs`
/// (`minCandidateNodesPercentage` 10, `minCandidateNodesAbsolute` 100): how many
/// candidates the dry run looks for, at most the number of nodes it may try.
fn num_candidates(nodes: usize) -> usize {
    (nodes / 10).max(100).min(nodes)
}

/// The PodDisruptionBudgets, as the scheduler's lister reads them.
fn budgets(world: &World) -> Vec<PodDisruptionBudget> {
    world
        .store
        .others()
        .iter()
        .filter(|((kind, _), _)| kind == pdb_api::KIND)
        .filter_map(|(_, o)| pdb_api::decode(&o.body))
        .collect()
}

/// `SelectVictimsOnNode`: the victims (most important first) and how many of them
/// violate a budget; Err with the filter's reasons when the pod does not fit even with
/// every lower-priority pod gone. The cache is what it was when this returns.
fn select_victims_on_node(
    world: &mut World,
    pod: &Pod,
    info: &PodInfo,
    pre: &PreFilterResult,
    node: &str,
    own: i32,
    pdbs: &[PodDisruptionBudget],
) -> Result<(Vec<Victim>, i64), Vec<String>> {
    let mut potential = lower_priority_pods(world, node, own);
    if potential.is_empty() {
        return Err(vec![NO_VICTIMS.to_string()]);
    }
    for v in &potential {
        world.scheduler.cache.remove(&v.name);
    }
    let mut removed: Vec<String> = potential.iter().map(|v| v.name.clone()).collect();
    let fits = |world: &World| run_filters(world, pod, info, pre, Some(node));
    let (statuses, _) = fits(world);
    let result = if let Some((_, status)) = statuses.first() {
        Err(status.reasons.clone())
    } else {
        potential.sort_by(more_important);
        let (violating, non_violating) = filter_pods_with_pdb_violation(&potential, pdbs);
        let mut victims: Vec<Victim> = Vec::new();
        let mut violations = 0i64;
        for (group, counts) in [(violating, true), (non_violating, false)] {
            for v in group {
                if let Some(p) = world.store.pods().get(&v.name).cloned() {
                    world.scheduler.cache.add(&p, node);
                }
                let (statuses, _) = fits(world);
                if statuses.is_empty() {
                    removed.retain(|n| *n != v.name);
                } else {
                    world.scheduler.cache.remove(&v.name);
                    if counts {
                        violations += 1;
                    }
                    victims.push(v);
                }
            }
        }
        victims.sort_by(more_important);
        Ok((victims, violations))
    };
    for name in removed {
        if let Some(p) = world.store.pods().get(&name).cloned() {
            world.scheduler.cache.add(&p, node);
        }
    }
    result
}

/// `filterPodsWithPDBViolation`: in order, the pods whose removal would take a matching
/// budget's `disruptionsAllowed` below zero, and the others.
fn filter_pods_with_pdb_violation(
    pods: &[Victim],
    pdbs: &[PodDisruptionBudget],
) -> (Vec<Victim>, Vec<Victim>) {
    let mut allowed: Vec<i32> = pdbs
        .iter()
        .map(|p| {
            p.status
                .as_ref()
                .and_then(|s| s.disruptions_allowed)
                .unwrap_or(0)
        })
        .collect();
    let (mut violating, mut non_violating) = (Vec::new(), Vec::new());
    for pod in pods {
        let mut violated = false;
        if !pod.labels.is_empty() {
            for (i, pdb) in pdbs.iter().enumerate() {
                let selector = pdb.spec.as_ref().and_then(|s| s.selector.as_ref());
                // A nil or empty selector matches nothing here.
                let empty = selector.is_none_or(|s| {
                    s.match_labels.as_ref().is_none_or(|m| m.is_empty())
                        && s.match_expressions.as_ref().is_none_or(|e| e.is_empty())
                });
                if empty || !crate::sim::labels::matches(selector, Some(&pod.labels)) {
                    continue;
                }
                let disrupted = pdb
                    .status
                    .as_ref()
                    .and_then(|s| s.disrupted_pods.as_ref())
                    .is_some_and(|d| d.contains_key(&pod.name));
                if disrupted {
                    continue;
                }
                allowed[i] = allowed[i].saturating_sub(1);
                if allowed[i] < 0 {
                    violated = true;
                }
            }
        }
        if violated {
            violating.push(pod.clone());
        } else {
            non_violating.push(pod.clone());
        }
    }
    (violating, non_violating)
}

/// `pickOneNodeForPreemption` with the default criteria, each kept only among the nodes
/// best by the ones before; the last tie goes to natural name order.
fn pick_one_node(candidates: Vec<Candidate>) -> Candidate {
    type Score = fn(&Candidate) -> i64;
    let scores: [Score; 5] = [
        |c| -c.pdb_violations,
        |c| -(c.victims.first().map_or(0, |v| v.priority) as i64),
        |c| {
            -c.victims
                .iter()
                .map(|v| v.priority as i64 + i32::MAX as i64 + 1)
                .sum::<i64>()
        },
        |c| -(c.victims.len() as i64),
        // `GetEarliestPodStartTime`: the earliest start among the highest-priority
        // victims; the later it is, the better. A pod not started counts as now.
        |c| {
            let top = c.victims.first().map_or(0, |v| v.priority);
            c.victims
                .iter()
                .filter(|v| v.priority == top)
                .map(|v| v.start.map_or(i64::MAX, |t| t.as_millisecond()))
                .min()
                .unwrap_or(i64::MAX)
        },
    ];
    let mut all = candidates;
    for score in scores {
        let best = all.iter().map(score).max().unwrap_or(0);
        all.retain(|c| score(c) == best);
        if all.len() == 1 {
            break;
        }
    }
    all.sort_by_key(|c| c.order);
    all.swap_remove(0)
}

/// `prepareCandidate`: each victim not already being deleted gets the `DisruptionTarget`
/// condition, is deleted gracefully, and gets a `Preempted` event; then the pods of lower
/// priority nominated to the node lose their nomination.
fn prepare_candidate(world: &mut World, preemptor: &Pod, own: i32, candidate: &Candidate) {
    let scheduler_name = preemptor
        .spec
        .as_ref()
        .and_then(|s| s.scheduler_name.clone())
        .unwrap_or_else(|| "default-scheduler".to_string());
    let uid = preemptor.metadata.uid.clone().unwrap_or_default();
    for victim in &candidate.victims {
        if victim.terminating {
            continue;
        }
        server::set_disruption_target(
            world,
            &victim.name,
            REASON_PREEMPTION_BY_SCHEDULER,
            &format!("{scheduler_name}: preempting to accommodate a higher priority pod"),
        );
        server::delete_pod(world, &victim.name, false);
        crate::sim::events::record(
            world,
            Recorder::SCHEDULER,
            ObjectKind::Pod,
            &victim.name,
            "Normal",
            "Preempted",
            format!("Preempted by pod {uid} on node {}", candidate.node),
        );
    }
    let preemptor_name = preemptor.metadata.name.clone().unwrap_or_default();
    // getLowerPriorityNominatedPods: the PodNominator's pods on the node.
    let lower: Vec<String> = world
        .scheduler
        .nominated
        .iter()
        .filter(|(n, nom)| {
            **n != preemptor_name && nom.priority < own && nom.node == candidate.node
        })
        .map(|(n, _)| n.clone())
        .collect();
    for name in lower {
        world.scheduler.nominated.remove(&name);
        server::write::<Pod>(world, &name, server::Author::Other, |pod| {
            if let Some(status) = pod.status.as_mut() {
                status.nominated_node_name = None;
            }
            true
        });
        // The pod is tried again (the update moves it to the active queue).
        world.scheduler.retry_pod(&name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn victim(name: &str, priority: i32, start: Option<i64>) -> Victim {
        Victim {
            name: name.into(),
            priority,
            start: start.map(|s| Timestamp::from_second(s).unwrap()),
            labels: [("app".to_string(), name.to_string())].into(),
            terminating: false,
        }
    }

    fn candidate(node: &str, order: usize, victims: Vec<Victim>, pdb: i64) -> Candidate {
        Candidate {
            node: node.into(),
            order,
            victims,
            pdb_violations: pdb,
        }
    }

    #[test]
    fn b_sched_26_pick_one_node_applies_the_criteria_in_order() {
        // Fewest PDB violations first, whatever the priorities.
        let picked = pick_one_node(vec![
            candidate("a", 0, vec![victim("x", 1, Some(10))], 1),
            candidate("b", 1, vec![victim("y", 100, Some(10))], 0),
        ]);
        assert_eq!(picked.node, "b");
        // Same highest priority: the smaller sum of priorities (offset by 2^31 each, so
        // one victim of priority 5 beats two of priority 5 and 0).
        let picked = pick_one_node(vec![
            candidate(
                "a",
                0,
                vec![victim("x", 5, Some(10)), victim("z", 0, Some(10))],
                0,
            ),
            candidate("b", 1, vec![victim("y", 5, Some(10))], 0),
        ]);
        assert_eq!(picked.node, "b");
        // Everything equal but the start: the later start of the top victims wins; a pod
        // not started counts as starting now.
        let picked = pick_one_node(vec![
            candidate("a", 0, vec![victim("x", 5, Some(10))], 0),
            candidate("b", 1, vec![victim("y", 5, Some(20))], 0),
        ]);
        assert_eq!(picked.node, "b");
        let picked = pick_one_node(vec![
            candidate("a", 0, vec![victim("x", 5, None)], 0),
            candidate("b", 1, vec![victim("y", 5, Some(20))], 0),
        ]);
        assert_eq!(picked.node, "a");
        // A full tie goes to natural name order.
        let picked = pick_one_node(vec![
            candidate("node-10", 1, vec![victim("x", 5, Some(10))], 0),
            candidate("node-9", 0, vec![victim("y", 5, Some(10))], 0),
        ]);
        assert_eq!(picked.node, "node-9");
    }

    #[test]
    fn b_sched_24_pdb_violation_counts_down_the_allowed_disruptions_in_order() {
        let pdb: PodDisruptionBudget = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]}},
            "status": {"disruptionsAllowed": 1, "currentHealthy": 2, "desiredHealthy": 1,
                "expectedPods": 2, "disruptedPods": {"c": "2026-01-01T00:00:00Z"}}
        }))
        .unwrap();
        let pods = vec![
            victim("a", 5, Some(1)),
            victim("b", 4, Some(1)),
            victim("c", 3, Some(1)),
        ];
        let (violating, non_violating) = filter_pods_with_pdb_violation(&pods, &[pdb]);
        let names = |v: &[Victim]| v.iter().map(|v| v.name.clone()).collect::<Vec<_>>();
        // `a` uses the one allowed disruption, `b` violates, `c` is already disrupted.
        assert_eq!(names(&violating), ["b"]);
        assert_eq!(names(&non_violating), ["a", "c"]);
    }

    #[test]
    fn more_important_is_higher_priority_then_earlier_start() {
        let mut v = [
            victim("late", 5, Some(20)),
            victim("low", 1, Some(1)),
            victim("unstarted", 5, None),
            victim("early", 5, Some(10)),
        ];
        v.sort_by(more_important);
        let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["early", "late", "unstarted", "low"]);
    }

    #[test]
    fn num_candidates_is_ten_percent_at_least_one_hundred_at_most_all() {
        assert_eq!(num_candidates(3), 3);
        assert_eq!(num_candidates(250), 100);
        assert_eq!(num_candidates(5000), 500);
    }
}
