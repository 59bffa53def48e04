//! What `await … ready` and `await … deleted` wait for (docs/language.md "Time"), with the
//! lines a timeout shows as a diff.

use k8s_openapi::api::core::v1::Pod;

use crate::kubectl::printers::pod_status;
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil;
use crate::sim::World;

/// Sets larger than this list only their first differing pods in a timeout's diff.
const MAX_LISTED: i64 = 20;

pub struct Verdict {
    pub ok: bool,
    pub expected: String,
    pub actual: String,
}

/// A cheap necessary condition of `await statefulset/NAME ready`: the status counts and
/// generation. The full check (every pod) runs only when this holds, so an await over a
/// large set costs little per instant.
pub fn may_be_ready(world: &World, kind: &ObjectKind, name: &str) -> bool {
    if *kind != ObjectKind::StatefulSet {
        return true;
    }
    let Some(set) = world.store.statefulsets().get(name) else {
        return false;
    };
    let replicas = set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let Some(status) = set.status.as_ref() else {
        return false;
    };
    status.observed_generation == set.metadata.generation
        && status.replicas == replicas
        && status.ready_replicas.unwrap_or(0) == replicas
        && status.available_replicas.unwrap_or(0) == replicas
}

pub fn check(world: &World, kind: &ObjectKind, name: &str) -> Result<Verdict, String> {
    match kind {
        ObjectKind::StatefulSet => Ok(statefulset(world, name)),
        ObjectKind::Pod => Ok(pod(world, name)),
        ObjectKind::DaemonSet => Ok(daemonset(world, name)),
        ObjectKind::Other(k) if k == "Deployment" => Ok(deployment(world, name)),
        other => Err(format!(
            "`await … ready` is defined for statefulset/NAME, daemonset/NAME, deployment/NAME and pod/NAME, not for {}",
            other.name().to_lowercase()
        )),
    }
}

/// The set has rolled out as `kubectl rollout status` says it (B-DS-10): the generation
/// observed, every node that should run a pod has an updated, available one. (An OnDelete
/// set needs only the first and the last.)
fn daemonset(world: &World, name: &str) -> Verdict {
    let expected = format!("daemonset/{name}: ready\n");
    let Some(ds) = world.store.daemonsets().get(name) else {
        return Verdict {
            ok: false,
            expected,
            actual: format!("daemonset/{name}: absent\n"),
        };
    };
    let status = ds.status.clone().unwrap_or_default();
    let on_delete = ds
        .spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|s| s.type_.as_deref())
        == Some("OnDelete");
    let desired = status.desired_number_scheduled;
    let updated = status.updated_number_scheduled.unwrap_or(0);
    let available = status.number_available.unwrap_or(0);
    let observed = status.observed_generation.unwrap_or(0) >= ds.metadata.generation.unwrap_or(0);
    let ok = observed && (on_delete || updated >= desired) && available >= desired;
    let actual = if ok {
        format!("daemonset/{name}: ready\n")
    } else {
        format!(
            "daemonset/{name}: {desired} desired, {updated} updated, {available} available{}\n",
            if observed {
                ""
            } else {
                ", generation not yet observed"
            }
        )
    };
    Verdict {
        ok,
        expected,
        actual,
    }
}

fn describe(pod: &Pod, min_ready_seconds: i32, now: crate::sim::clock::Millis) -> String {
    let mut words = vec![pod_status(pod)];
    words.push(
        if podutil::is_ready(pod) {
            "Ready"
        } else {
            "not Ready"
        }
        .into(),
    );
    if podutil::is_running_and_ready(pod) && min_ready_seconds > 0 {
        words.push(
            if podutil::is_running_and_available(pod, min_ready_seconds, now) {
                "Available"
            } else {
                "not yet Available"
            }
            .into(),
        );
    }
    words.join(", ")
}

fn pod(world: &World, name: &str) -> Verdict {
    let expected = format!("pod/{name}: Running, Ready\n");
    match world.store.pods().get(name) {
        Some(p) => Verdict {
            ok: podutil::is_running_and_ready(p),
            expected,
            actual: format!("pod/{name}: {}\n", describe(p, 0, world.now)),
        },
        None => Verdict {
            ok: false,
            expected,
            actual: format!("pod/{name}: absent\n"),
        },
    }
}

/// The Deployment is complete as upstream's `DeploymentComplete` (and `kubectl rollout
/// status`) define it: its status has observed the generation, and `updatedReplicas`,
/// `replicas` and `availableReplicas` all equal `spec.replicas` (B-DEPLOY-10).
fn deployment(world: &World, name: &str) -> Verdict {
    let Some(d) = crate::sim::controllers::deployment::get(world, name) else {
        return Verdict {
            ok: false,
            expected: format!("deployment/{name}: ready\n"),
            actual: format!("deployment/{name}: absent\n"),
        };
    };
    let status = d.status.clone().unwrap_or_default();
    let replicas = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let generation = d.metadata.generation.unwrap_or(0);
    let observed = status.observed_generation.unwrap_or(0);
    let counts = [
        ("replicas", status.replicas.unwrap_or(0)),
        ("updatedReplicas", status.updated_replicas.unwrap_or(0)),
        ("availableReplicas", status.available_replicas.unwrap_or(0)),
    ];
    let mut expected = format!("status.observedGeneration: {generation}\n");
    let mut actual = format!("status.observedGeneration: {observed}\n");
    let mut ok = observed >= generation;
    for (field, value) in counts {
        expected.push_str(&format!("status.{field}: {replicas}\n"));
        actual.push_str(&format!("status.{field}: {value}\n"));
        ok &= value == replicas;
    }
    Verdict {
        ok,
        expected,
        actual,
    }
}

/// The set has settled: observedGeneration current, every ordinal Running, Ready and
/// Available and not terminating, nothing outside the range, the counts equal, and (for
/// RollingUpdate) every pod from the partition up at the update revision.
fn statefulset(world: &World, name: &str) -> Verdict {
    let Some(set) = world.store.statefulsets().get(name) else {
        return Verdict {
            ok: false,
            expected: format!("statefulset/{name}: ready\n"),
            actual: format!("statefulset/{name}: absent\n"),
        };
    };
    let spec = set.spec.clone().unwrap_or_default();
    let status = set.status.clone().unwrap_or_default();
    let replicas = spec.replicas.unwrap_or(1).max(0) as i64;
    let start = spec.ordinals.as_ref().and_then(|o| o.start).unwrap_or(0) as i64;
    let mrs = spec.min_ready_seconds.unwrap_or(0);
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    let rolling = strategy.type_.as_deref().unwrap_or("RollingUpdate") == "RollingUpdate";
    let partition = strategy
        .rolling_update
        .as_ref()
        .and_then(|r| r.partition)
        .unwrap_or(0) as i64;
    let update_revision = status.update_revision.clone().unwrap_or_default();
    let uid = set.metadata.uid.clone().unwrap_or_default();
    let now = world.now;

    let mut expected = String::new();
    let mut actual = String::new();
    let mut ok = true;
    let generation = set.metadata.generation.unwrap_or(0);
    let observed = status.observed_generation.unwrap_or(0);
    expected.push_str(&format!("status.observedGeneration: {generation}\n"));
    actual.push_str(&format!("status.observedGeneration: {observed}\n"));
    ok &= observed == generation;

    // Large sets show only the pods that differ (the first few) and a count, so a diff
    // of a 100,000-replica set stays readable and cheap.
    let listed_all = replicas <= MAX_LISTED;
    let (mut shown, mut good) = (0i64, 0i64);
    // Whether one ordinal's pod is as wanted (what `line` says, without its words).
    let fine = |index: i64| -> bool {
        let pod_name = pod_name(name, start + index);
        world
            .store
            .pods()
            .get(&pod_name)
            .filter(|p| podutil::controller_uid(p) == Some(uid.as_str()))
            .is_some_and(|p| {
                podutil::is_running_and_available(p, mrs, now)
                    && !podutil::is_terminating(p)
                    && (!(rolling && index >= partition)
                        || podutil::label(p, "controller-revision-hash").unwrap_or_default()
                            == update_revision)
            })
    };
    // One ordinal's wanted and seen lines, and whether it is as wanted.
    let line = |index: i64| -> (String, String, bool) {
        let pod_name = pod_name(name, start + index);
        let want_revision = rolling && index >= partition;
        let want = if mrs > 0 {
            "Running, Ready, Available"
        } else {
            "Running, Ready"
        };
        let pod = world
            .store
            .pods()
            .get(&pod_name)
            .filter(|p| podutil::controller_uid(p) == Some(uid.as_str()));
        match pod {
            Some(p) => {
                let healthy =
                    podutil::is_running_and_available(p, mrs, now) && !podutil::is_terminating(p);
                let revision = podutil::label(p, "controller-revision-hash").unwrap_or_default();
                let at_revision = !want_revision || revision == update_revision;
                // Revisions are shown only where they differ, to keep the diff short.
                let (want_rev, seen_rev) = if at_revision {
                    (String::new(), String::new())
                } else {
                    (
                        format!(", revision {update_revision} (update)"),
                        format!(", revision {revision}"),
                    )
                };
                let seen = if healthy {
                    want.to_string()
                } else {
                    describe(p, mrs, now)
                };
                (
                    format!("{pod_name}: {want}{want_rev}\n"),
                    format!("{pod_name}: {seen}{seen_rev}\n"),
                    healthy && at_revision,
                )
            }
            None => (
                format!("{pod_name}: {want}\n"),
                format!("{pod_name}: absent\n"),
                false,
            ),
        }
    };
    if listed_all {
        for index in 0..replicas {
            let (want_line, seen_line, fine) = line(index);
            ok &= fine;
            expected.push_str(&want_line);
            actual.push_str(&seen_line);
        }
    } else {
        // A large set costs its pods, not its replicas: `replicas: 2147483647` must not
        // walk two billion ordinals. The pods as wanted are counted among the set's pods;
        // the first ordinals that are not are listed, in order.
        let owned: Vec<i64> = world
            .store
            .pods()
            .iter()
            .filter(|(_, p)| podutil::controller_uid(p) == Some(uid.as_str()))
            .filter_map(|(n, _)| podutil::parent_and_ordinal(n))
            .filter(|(parent, o)| *parent == name && (start..start + replicas).contains(o))
            .map(|(_, o)| o - start)
            .collect();
        for index in owned {
            if fine(index) {
                good += 1;
            }
        }
        let mut index = 0;
        while index < replicas && shown < MAX_LISTED {
            if !fine(index) {
                let (want_line, seen_line, _) = line(index);
                shown += 1;
                expected.push_str(&want_line);
                actual.push_str(&seen_line);
            }
            index += 1;
        }
        ok &= good == replicas;
    }
    if !listed_all {
        expected.push_str(&format!("pods as wanted: {replicas} of {replicas}\n"));
        actual.push_str(&format!("pods as wanted: {good} of {replicas}\n"));
    }
    let mut outside: Vec<&String> = world
        .store
        .pods()
        .iter()
        .filter(|(_, p)| podutil::controller_uid(p) == Some(uid.as_str()))
        .filter(|(n, _)| {
            podutil::parent_and_ordinal(n).is_none_or(|(_, o)| o < start || o >= start + replicas)
        })
        .map(|(n, _)| n)
        .collect();
    outside.sort_by(|a, b| podutil::natural_cmp(a, b));
    for extra in outside {
        ok = false;
        actual.push_str(&format!(
            "{extra}: still exists (outside the set's range)\n"
        ));
    }
    let counts = [
        ("replicas", status.replicas as i64),
        ("readyReplicas", status.ready_replicas.unwrap_or(0) as i64),
        (
            "availableReplicas",
            status.available_replicas.unwrap_or(0) as i64,
        ),
    ];
    for (field, value) in counts {
        expected.push_str(&format!("status.{field}: {replicas}\n"));
        actual.push_str(&format!("status.{field}: {value}\n"));
        ok &= value == replicas;
    }
    Verdict {
        ok,
        expected,
        actual,
    }
}

/// The object that existed when the await started (by UID) is gone; a re-created one of
/// the same name does not count.
pub fn check_deleted(world: &World, kind: &ObjectKind, name: &str, uid: Option<&str>) -> Verdict {
    let expected = format!("{}/{name}: deleted\n", kind.name().to_lowercase());
    let still_there = match kind {
        ObjectKind::Pod => match uid {
            Some(uid) => world
                .store
                .pods()
                .get(name)
                .filter(|p| p.metadata.uid.as_deref() == Some(uid)),
            None => None,
        }
        .map(|p| format!("{}/{name}: exists ({})\n", "pod", pod_status(p))),
        other => world
            .store
            .exists(other, name)
            .then(|| format!("{}/{name}: exists\n", other.name().to_lowercase())),
    };
    match still_there {
        Some(actual) => Verdict {
            ok: false,
            expected,
            actual,
        },
        None => Verdict {
            ok: true,
            actual: expected.clone(),
            expected,
        },
    }
}

/// `<set>-<ordinal>`, the name of the set's pod at that ordinal.
fn pod_name(set: &str, ordinal: i64) -> String {
    let mut name = String::with_capacity(set.len() + 21);
    name.push_str(set);
    name.push('-');
    name.push_str(itoa::Buffer::new().format(ordinal));
    name
}
