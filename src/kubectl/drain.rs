//! `kubectl cordon`, `uncordon` and `drain` (upstream `staging/src/k8s.io/kubectl/pkg/drain`
//! and `pkg/cmd/drain`), B-DRAIN-1..7. Drain is client-side: it cordons the node, filters
//! its pods, evicts them through the Eviction API, retries a refused eviction every 5 s
//! and polls every second until each evicted pod is gone, all in virtual time.
//!
//! Upstream runs one goroutine per pod; here the pods take their turns in name order at
//! each instant, so the printed lines are deterministic.

use serde_json::json;

use super::client::{Outcome, Reply};
use crate::sim::api::eviction;
use crate::sim::clock::{Millis, SECOND};
use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, ApiError, PatchType, Reason, RequestError};
use crate::sim::{podutil, SimError, World};

/// The retry interval after a 429 (`evictPods`).
pub const RETRY: Millis = Millis::secs(5);
/// `waitForDelete`'s poll interval.
pub const POLL: Millis = SECOND;
/// How many refused eviction attempts (two lines each) one drain keeps in its output.
/// kubectl prints every retry; a drain whose budget never allows the eviction retries every
/// 5 s until its timeout (700,000 times in 1000h), so scn keeps the first ones and counts
/// the rest in one line, keeping memory bounded.
pub const RETRIES_KEPT: u64 = 100;

/// What a drain printed (stdout and stderr, in order) and, if it failed, kubectl's error;
/// and the warnings the API server returned with its requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    pub lines: Vec<String>,
    pub error: Option<String>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct DrainOptions {
    /// `--force`: also pods that no controller owns.
    pub force: bool,
    /// `--timeout`: the global limit.
    pub timeout_ms: Millis,
}

/// `kubectl cordon`, `uncordon` or `drain` given an object that is not a node: the
/// resource builder gets it (so a missing one is the API server's `NotFound`), then the
/// command's `Complete` refuses it before anything is changed, naming the resource as
/// `schema.GroupVersionResource.String()` writes it: `error: expected resource of type node,
/// got "/v1, Resource=pods"`.
pub fn not_a_node(world: &World, kind: &ObjectKind, name: &str) -> RequestError {
    if world.store.to_json(kind, name).is_none() {
        return ApiError::not_found(kind, name).into();
    }
    let (group, version, plural) = match kind.info() {
        Some(info) => {
            let version = info
                .api_version
                .rsplit('/')
                .next()
                .unwrap_or(info.api_version);
            (info.group(), version, info.plural.to_string())
        }
        None => ("", "v1", kind.resource()),
    };
    RequestError::Api(ApiError::new(
        Reason::NoMatch,
        format!("expected resource of type node, got \"{group}/{version}, Resource={plural}\""),
    ))
}

/// `kubectl cordon` (`desired = true`) or `uncordon`: the line it prints.
pub fn cordon(world: &mut World, node: &str, desired: bool) -> Outcome {
    let Some(object) = world.store.nodes().get(node) else {
        return Err(ApiError::not_found(&ObjectKind::Node, node).into());
    };
    let current = object
        .spec
        .as_ref()
        .and_then(|s| s.unschedulable)
        .unwrap_or(false);
    let verb = if desired { "cordoned" } else { "uncordoned" };
    if current == desired {
        return Ok(Reply::line(format!("node/{node} already {verb}")));
    }
    // kubectl sends a two-way merge patch; `false` is omitted, so the field goes away.
    let value = if desired { json!(true) } else { json!(null) };
    let response = server::patch(
        world,
        &ObjectKind::Node,
        node,
        PatchType::Merge,
        &json!({"spec": {"unschedulable": value}}),
    )?;
    Ok(Reply {
        lines: vec![format!("node/{node} {verb}")],
        warnings: response.warnings,
        ..Reply::default()
    })
}

/// Go's `time.Duration` text: `2m0s`, `10m0s`, `1h0m0s`, `30s`, `1.5s`.
pub fn go_duration(duration: Millis) -> String {
    let ms = duration.as_ms();
    if ms == 0 {
        return "0s".into();
    }
    let h = ms / 3_600_000;
    let m = ms / 60_000 % 60;
    let s = ms / 1000 % 60;
    let frac = ms % 1000;
    let seconds = if frac == 0 {
        format!("{s}s")
    } else {
        let f = format!("{frac:03}");
        format!("{s}.{}s", f.trim_end_matches('0'))
    };
    if ms < 1000 {
        return format!("{ms}ms");
    }
    match (h, m) {
        (0, 0) => seconds,
        (0, m) => format!("{m}m{seconds}"),
        (h, m) => format!("{h}h{m}m{seconds}"),
    }
}

/// A pod's verdict from the filters (`PodDeleteStatus`).
enum Verdict {
    Delete,
    Warn(String),
    Skip,
    Fatal(String),
}

/// Without the leading "cannot delete " that `errors()` adds: kubernetes/kubernetes#135818
/// (Dec 2025, in v1.36) removed it from `unmanagedFatal`, which printed it twice before.
const UNMANAGED_FATAL: &str = "Pods that declare no controller (use --force to override)";
const UNMANAGED_WARNING: &str = "deleting Pods that declare no controller";
const DAEMONSET_WARNING: &str = "ignoring DaemonSet-managed Pods";

/// `makeFilters` in order: skipDeleted (off without --skip-wait-for-delete-timeout),
/// daemonSet (--ignore-daemonsets), mirrorPod, localStorage (--delete-emptydir-data),
/// unreplicated. A pod stops at the first filter that does not delete it; otherwise the
/// last filter's verdict stands (so the local-storage warning is dropped, as upstream).
fn filter(world: &World, pod: &k8s_openapi::api::core::v1::Pod, force: bool) -> Verdict {
    let controller = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true));
    let finished = podutil::is_failed(pod) || podutil::is_succeeded(pod);
    // `daemonSetFilter`: any finished pod can be removed.
    if let Some(owner) = controller.filter(|c| c.kind == "DaemonSet" && !finished) {
        if world.store.daemonsets().get(&owner.name).is_some() {
            return Verdict::Warn(DAEMONSET_WARNING.into());
        }
        // An orphan: an error, or under --force a deletion with a warning, which the next
        // filters' verdicts replace (the pod has a controller), as the local-storage one.
        if !force {
            return Verdict::Fatal(format!("daemonsets.apps \"{}\" not found", owner.name));
        }
    }
    let mirror = pod
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"));
    if mirror {
        return Verdict::Skip;
    }
    // localStorage: with --delete-emptydir-data the pod is deleted with a warning, which
    // the next filter's verdict replaces.
    if finished || controller.is_some() {
        return Verdict::Delete;
    }
    if force {
        Verdict::Warn(UNMANAGED_WARNING.into())
    } else {
        Verdict::Fatal(UNMANAGED_FATAL.into())
    }
}

/// `PodDeleteList`: the pods to evict, the warnings (`Warnings()`) and errors (`errors()`).
struct DeleteList {
    pods: Vec<(String, String)>,
    warnings: Vec<String>,
    errors: Vec<String>,
}

fn pods_for_deletion(world: &World, node: &str, force: bool) -> DeleteList {
    let namespace = &world.config.namespace;
    let mut list = DeleteList {
        pods: Vec::new(),
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    let mut warned: Vec<(String, Vec<String>)> = Vec::new();
    let mut fatal: Vec<(String, Vec<String>)> = Vec::new();
    let add = |groups: &mut Vec<(String, Vec<String>)>, message: String, pod: String| match groups
        .iter_mut()
        .find(|(m, _)| *m == message)
    {
        Some((_, pods)) => pods.push(pod),
        None => groups.push((message, vec![pod])),
    };
    for (name, pod) in world.store.pods() {
        if pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) != Some(node) {
            continue;
        }
        let shown = format!("{namespace}/{name}");
        match filter(world, pod, force) {
            Verdict::Delete => list
                .pods
                .push((name.clone(), pod.metadata.uid.clone().unwrap_or_default())),
            Verdict::Warn(message) => {
                if message != DAEMONSET_WARNING {
                    list.pods
                        .push((name.clone(), pod.metadata.uid.clone().unwrap_or_default()));
                }
                add(&mut warned, message, shown);
            }
            Verdict::Skip => {}
            Verdict::Fatal(message) => add(&mut fatal, message, shown),
        }
    }
    list.warnings = warned
        .into_iter()
        .map(|(m, pods)| format!("{m}: {}", pods.join(", ")))
        .collect();
    list.errors = fatal
        .into_iter()
        .map(|(m, pods)| format!("cannot delete {m}: {}", pods.join(", ")))
        .collect();
    list
}

/// `utilerrors.NewAggregate(errs).Error()`.
fn aggregate(errors: &[String]) -> String {
    match errors {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// Where one pod's eviction goroutine is.
enum Step {
    /// The next eviction attempt is due at this instant.
    Attempt(Millis),
    /// Evicted; the next poll for its disappearance is due at this instant.
    Waiting {
        uid: String,
        poll: Millis,
    },
    Done,
    Failed,
}

/// `kubectl drain NODE --ignore-daemonsets --delete-emptydir-data [--force] [--timeout]`.
pub fn drain(world: &mut World, node: &str, options: DrainOptions) -> Result<Printed, SimError> {
    let mut lines = Vec::new();
    let warnings = match cordon(world, node, true) {
        Ok(mut reply) => {
            lines.append(&mut reply.lines);
            reply.warnings
        }
        Err(RequestError::Sim(e)) => return Err(e),
        Err(RequestError::Api(e)) => {
            let error = e.to_string();
            lines.push(error.clone());
            return Ok(Printed {
                lines,
                error: Some(error),
                warnings: Vec::new(),
            });
        }
    };
    world.settle()?;
    let list = pods_for_deletion(world, node, options.force);
    if !list.errors.is_empty() {
        return Ok(unable(lines, node, list.errors, warnings));
    }
    if !list.warnings.is_empty() {
        lines.push(format!("Warning: {}", list.warnings.join("; ")));
    }
    let errors = evict_pods(world, &list.pods, options.timeout_ms, &mut lines)?;
    if errors.is_empty() {
        lines.push(format!("node/{node} drained"));
        return Ok(Printed {
            lines,
            error: None,
            warnings,
        });
    }
    let error = aggregate(&errors);
    let pending = pods_for_deletion(world, node, options.force);
    if !pending.pods.is_empty() {
        lines.push(format!(
            "There are pending pods in node \"{node}\" when an error occurred: {error}"
        ));
        for (name, _) in &pending.pods {
            lines.push(format!("pod/{name}"));
        }
    }
    Ok(unable(lines, node, errors, warnings))
}

/// `RunDrain`'s failure lines, then what kubectl's `CheckErr` prints for the error it
/// returns. That error is an aggregate of one (the node's) whose only element is itself an
/// aggregate (of the filter errors, or of `evictPods`' errors). `checkErr` unwraps the outer
/// one and prints the inner one with `MultipleErrors("", …)`: one line per error, and no
/// `error: ` prefix (`staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go`).
fn unable(
    mut lines: Vec<String>,
    node: &str,
    errors: Vec<String>,
    warnings: Vec<String>,
) -> Printed {
    lines.push(format!(
        "error: unable to drain node \"{node}\" due to error: {}, continuing command...",
        aggregate(&errors)
    ));
    lines.push("There are pending nodes to be drained:".into());
    lines.push(format!(" {node}"));
    lines.extend(errors.iter().cloned());
    Printed {
        lines,
        error: Some(errors.join("\n")),
        warnings,
    }
}

/// `evictPods`: every pod's loop, interleaved in virtual time. Returns the errors.
fn evict_pods(
    world: &mut World,
    pods: &[(String, String)],
    timeout: Millis,
    lines: &mut Vec<String>,
) -> Result<Vec<String>, SimError> {
    let namespace = world.config.namespace.clone();
    let start = world.now;
    let deadline = start + timeout;
    let timeout_text = go_duration(timeout);
    let mut steps: Vec<Step> = pods.iter().map(|_| Step::Attempt(start)).collect();
    let mut errors = Vec::new();
    let mut retries: u64 = 0;
    // Where the first retry past `RETRIES_KEPT` would have been.
    let mut omitted_at = None;
    loop {
        let now = world.now;
        for (i, (name, uid)) in pods.iter().enumerate() {
            match &steps[i] {
                Step::Attempt(at) if *at <= now => {
                    // kubectl prints the line before it checks the global timeout.
                    lines.push(format!("evicting pod {namespace}/{name}"));
                    if now >= deadline {
                        errors.push(format!(
                            "error when evicting pods/\"{name}\" -n \"{namespace}\": global timeout reached: {timeout_text}"
                        ));
                        steps[i] = Step::Failed;
                        continue;
                    }
                    // Every request is a unit of work against the event budget.
                    world.spend()?;
                    let result = eviction::evict(world, name);
                    world.settle()?;
                    steps[i] = match result {
                        Ok(()) => Step::Waiting {
                            uid: uid.clone(),
                            poll: now,
                        },
                        Err(e) if e.reason == Reason::NotFound => Step::Done,
                        Err(e) if e.reason == Reason::TooManyRequests => {
                            retries += 1;
                            if retries > RETRIES_KEPT {
                                // Drop this attempt's "evicting pod" line too.
                                lines.pop();
                                omitted_at.get_or_insert(lines.len());
                                steps[i] = Step::Attempt(now + RETRY);
                                continue;
                            }
                            lines.push(format!(
                                "error when evicting pods/\"{name}\" -n \"{namespace}\" (will retry after 5s): {}",
                                e.message
                            ));
                            Step::Attempt(now + RETRY)
                        }
                        Err(e) => {
                            errors.push(format!(
                                "error when evicting pods/\"{name}\" -n \"{namespace}\": {}",
                                error_text(&e)
                            ));
                            Step::Failed
                        }
                    };
                }
                Step::Waiting { uid, poll } if *poll <= now => {
                    world.spend()?;
                    let gone = world
                        .store
                        .pods()
                        .get(name)
                        .is_none_or(|p| p.metadata.uid.as_deref() != Some(uid.as_str()));
                    steps[i] = if gone {
                        lines.push(format!("pod/{name} evicted"));
                        Step::Done
                    } else if now >= deadline {
                        errors.push(format!(
                            "error when waiting for pod \"{name}\" in namespace \"{namespace}\" to terminate: global timeout reached: {timeout_text}"
                        ));
                        Step::Failed
                    } else {
                        Step::Waiting {
                            uid: uid.clone(),
                            poll: now + POLL,
                        }
                    };
                }
                _ => {}
            }
        }
        if world.now >= deadline {
            for (i, (name, _)) in pods.iter().enumerate() {
                match steps[i] {
                    Step::Attempt(_) => {
                        // It wakes from its 5 s sleep, prints, and sees the deadline.
                        lines.push(format!("evicting pod {namespace}/{name}"));
                        errors.push(format!(
                            "error when evicting pods/\"{name}\" -n \"{namespace}\": global timeout reached: {timeout_text}"
                        ))
                    }
                    Step::Waiting { .. } => errors.push(format!(
                        "error when waiting for pod \"{name}\" in namespace \"{namespace}\" to terminate: global timeout reached: {timeout_text}"
                    )),
                    Step::Done | Step::Failed => continue,
                }
                steps[i] = Step::Failed;
            }
        }
        let next = steps
            .iter()
            .filter_map(|s| match s {
                Step::Attempt(at) => Some(*at),
                Step::Waiting { poll, .. } => Some(*poll),
                _ => None,
            })
            .min();
        let Some(next) = next else {
            if let Some(at) = omitted_at {
                let more = retries - RETRIES_KEPT;
                lines.insert(
                    at,
                    format!(
                        "[scn: {more} more refused eviction attempts not shown, 2 lines each; a drain keeps the first {RETRIES_KEPT}]"
                    ),
                );
            }
            return Ok(errors);
        };
        // Every loop ends at the global deadline at the latest (scn's rounding of
        // upstream's "after its current sleep").
        world.advance_to(next.min(deadline).max(now))?;
    }
}

/// How kubectl shows an API error inside its own message: the server's message alone.
fn error_text(e: &ApiError) -> String {
    e.message.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Millis::ms(120_000)), "2m0s");
        assert_eq!(go_duration(Millis::ms(600_000)), "10m0s");
        assert_eq!(go_duration(Millis::ms(30_000)), "30s");
        assert_eq!(go_duration(Millis::ms(3_600_000)), "1h0m0s");
        assert_eq!(go_duration(Millis::ms(90_500)), "1m30.5s");
        assert_eq!(go_duration(Millis::ms(500)), "500ms");
    }

    #[test]
    fn a_failed_drain_ends_with_one_bare_line_per_error() {
        let printed = unable(
            vec!["node/n cordoned".into()],
            "n",
            vec!["a".into(), "b".into()],
            Vec::new(),
        );
        assert_eq!(
            printed.lines,
            [
                "node/n cordoned",
                "error: unable to drain node \"n\" due to error: [a, b], continuing command...",
                "There are pending nodes to be drained:",
                " n",
                "a",
                "b",
            ]
        );
        assert_eq!(printed.error.as_deref(), Some("a\nb"));
    }

    #[test]
    fn aggregates_as_go_does() {
        assert_eq!(aggregate(&["a".into()]), "a");
        assert_eq!(aggregate(&["a".into(), "b".into()]), "[a, b]");
    }
}
