//! The reconciler (upstream `staging/src/k8s.io/endpointslice/reconciler.go`,
//! `reconcileByAddressType`, `reconcileByPortMapping` and `finalize`): compares the
//! endpoints the Service's pods want with those its slices hold, and says which slices to
//! create, update and delete.
//!
//! As upstream: an endpoint that stays keeps its place (updated in place when its
//! conditions change); removed endpoints leave; a slice left with no endpoint is deleted;
//! new endpoints first fill the slices being updated anyway (fullest first), then, when
//! fewer than 100 remain, the unchanged slice that they bring closest to full, and only
//! then new slices of at most 100. Creations that would replace deletions become updates
//! of the deleted slices (their names stay). A Service with no endpoint keeps one
//! placeholder slice without ports.
//!
//! Where upstream picks at random (Go map order), scn picks deterministically: new
//! endpoints in natural pod-name order, slices in name order, port groups in the order
//! of their ports.
//!
//! The plan may look at only some pods (`Scope::Pods`, the pods that changed since the
//! last sync): the other endpoints are as a full sync would keep them, so the plan is the
//! one a full sync would make, at the cost of what changed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::api::discovery::v1::{Endpoint, EndpointPort, EndpointSlice};

use super::utils::{self, Identity, MAX_ENDPOINTS_PER_SLICE};

/// What the controller knows of one slice of the Service without reading it.
#[derive(Clone, Debug)]
pub struct SliceInfo {
    pub key: String,
    pub len: usize,
    pub owned: bool,
}

/// An endpoint a pod wants, with the ports of the slices it goes in.
pub struct Desired {
    pub key: String,
    pub ports: Vec<EndpointPort>,
    pub endpoint: Endpoint,
}

/// Which pods the plan looks at: all, or only these (the others are unchanged).
pub enum Scope<'a> {
    Full,
    Pods(&'a BTreeSet<String>),
}

/// How to rewrite an existing slice: edits of its endpoints in place (upstream rebuilds
/// the list; the result is the same), or, for a creation turned into an update, a whole
/// new shape.
#[derive(Default)]
pub struct Write {
    /// Positions (in the current list) of endpoints that leave, ascending.
    pub remove: Vec<usize>,
    /// Positions of endpoints replaced by a new version of themselves.
    pub replace: Vec<(usize, Endpoint)>,
    /// New endpoints, at the end.
    pub append: Vec<Endpoint>,
    /// A creation turned into an update: the new ports and endpoints.
    pub whole: Option<(Vec<EndpointPort>, Vec<Endpoint>)>,
}

#[derive(Default)]
pub struct Plan {
    /// New slices: (ports, endpoints).
    pub creates: Vec<(Vec<EndpointPort>, Vec<Endpoint>)>,
    /// Existing slices to rewrite, by name (labels follow the Service's in every one).
    pub updates: BTreeMap<String, Write>,
    pub deletes: Vec<String>,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Status {
    Unchanged,
    Update,
    Delete,
}

struct Work<'s> {
    name: &'s str,
    key: &'s str,
    len: usize,
    write: Write,
    status: Status,
}

/// Plans one sync of a Service's IPv4 slices.
///
/// `slices` are the Service's slices (managed by the controller, not being deleted) by
/// name; `load` reads one; `located` says which slice holds each pod's endpoint;
/// `desired` is what the pods in scope want, in natural pod-name order; `labels_changed`
/// says, for a full sync, whether a slice's labels must follow the Service's;
/// `placeholder_like` whether a slice is the placeholder this Service would get.
pub fn plan<'a>(
    slices: &BTreeMap<String, SliceInfo>,
    load: impl Fn(&str) -> Option<&'a EndpointSlice>,
    located: &BTreeMap<String, String>,
    scope: Scope<'_>,
    desired: &[Desired],
    labels_changed: impl Fn(&EndpointSlice) -> bool,
    placeholder_like: impl Fn(&EndpointSlice) -> bool,
) -> Plan {
    let full = matches!(scope, Scope::Full);
    let in_scope = |pod: Option<&str>| match &scope {
        Scope::Full => true,
        Scope::Pods(pods) => pod.is_some_and(|p| pods.contains(p)),
    };
    // The slices whose endpoints must be looked at.
    let examined: BTreeSet<&str> = match &scope {
        Scope::Full => slices.keys().map(String::as_str).collect(),
        Scope::Pods(pods) => pods
            .iter()
            .filter_map(|p| located.get(p))
            .map(String::as_str)
            .collect(),
    };
    let mut wanted: HashMap<(&str, Identity), usize> = HashMap::new();
    for (i, d) in desired.iter().enumerate() {
        wanted
            .entry((d.key.as_str(), utils::identity(&d.endpoint)))
            .or_insert(i);
    }
    let mut placed = vec![false; desired.len()];

    // 1. Existing slices: keep what is still wanted (in place), drop the rest.
    let mut work: Vec<Work> = Vec::with_capacity(slices.len());
    let mut unowned: Vec<String> = Vec::new();
    for (name, info) in slices {
        if !info.owned {
            unowned.push(name.clone());
            continue;
        }
        let mut w = Work {
            name,
            key: &info.key,
            len: info.len,
            write: Write::default(),
            status: Status::Unchanged,
        };
        if examined.contains(name.as_str()) {
            if let Some(slice) = load(name) {
                let old = slice.endpoints.as_deref().unwrap_or_default();
                for (at, e) in old.iter().enumerate() {
                    if !in_scope(utils::target_pod(e)) {
                        continue;
                    }
                    match wanted.get(&(info.key.as_str(), utils::identity(e))) {
                        Some(&i) if !placed[i] => {
                            placed[i] = true;
                            if desired[i].endpoint != *e {
                                w.write.replace.push((at, desired[i].endpoint.clone()));
                            }
                        }
                        _ => w.write.remove.push(at),
                    }
                }
                w.len = old.len() - w.write.remove.len();
                if !w.write.remove.is_empty() || !w.write.replace.is_empty() {
                    w.status = if w.len == 0 {
                        Status::Delete
                    } else {
                        Status::Update
                    };
                } else if full && labels_changed(slice) {
                    w.status = Status::Update;
                }
            }
        }
        work.push(w);
    }

    // The new endpoints, by port group, in pod-name order.
    let mut fresh: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in desired.iter().enumerate() {
        if !placed[i] {
            fresh.entry(d.key.as_str()).or_default().push(i);
        }
    }
    let mut groups: BTreeSet<&str> = fresh.keys().copied().collect();
    groups.extend(work.iter().map(|w| w.key));

    let mut plan = Plan::default();
    let mut deleted_in_groups: Vec<String> = Vec::new();
    let mut undesired: Vec<String> = Vec::new();
    for key in groups {
        let new: &[usize] = fresh.get(key).map(Vec::as_slice).unwrap_or_default();
        let wanted_here = !new.is_empty()
            || work
                .iter()
                .any(|w| w.key == key && w.status != Status::Delete && w.len > 0);
        if !wanted_here {
            // No pod wants these ports any more: every slice of the group goes.
            for w in work.iter_mut().filter(|w| w.key == key) {
                w.status = Status::Delete;
                undesired.push(w.name.to_string());
            }
            continue;
        }
        let mut queue = new.iter().copied().peekable();
        // 2. Fill the slices that are updated anyway, fullest first.
        let mut updating: Vec<usize> = (0..work.len())
            .filter(|&i| work[i].key == key && work[i].status == Status::Update)
            .collect();
        updating.sort_by(|&a, &b| {
            work[b]
                .len
                .cmp(&work[a].len)
                .then(work[a].name.cmp(work[b].name))
        });
        for i in updating {
            let w = &mut work[i];
            while w.len < MAX_ENDPOINTS_PER_SLICE {
                let Some(d) = queue.next() else { break };
                w.write.append.push(desired[d].endpoint.clone());
                w.len += 1;
            }
        }
        // 3. The rest: into the unchanged slice they fill best, else into new slices.
        let mut rest: Vec<usize> = queue.collect();
        while !rest.is_empty() {
            let mut target: Option<usize> = None;
            if rest.len() < MAX_ENDPOINTS_PER_SLICE {
                // `getSliceToFill`: the one left closest to full, if they all fit.
                let mut closest = MAX_ENDPOINTS_PER_SLICE;
                for (i, w) in work.iter().enumerate() {
                    if w.key != key || w.status != Status::Unchanged {
                        continue;
                    }
                    let total = rest.len() + w.len;
                    if total <= MAX_ENDPOINTS_PER_SLICE && MAX_ENDPOINTS_PER_SLICE - total < closest
                    {
                        closest = MAX_ENDPOINTS_PER_SLICE - total;
                        target = Some(i);
                        if closest == 0 {
                            break;
                        }
                    }
                }
            }
            let take = rest.len().min(MAX_ENDPOINTS_PER_SLICE);
            let batch: Vec<Endpoint> = rest
                .drain(..take)
                .map(|d| desired[d].endpoint.clone())
                .collect();
            match target {
                Some(i) => {
                    let w = &mut work[i];
                    w.len += batch.len();
                    w.write.append.extend(batch);
                    w.status = Status::Update;
                }
                None => {
                    let ports = desired[new[0]].ports.clone();
                    plan.creates.push((ports, batch));
                }
            }
        }
        for w in work
            .iter()
            .filter(|w| w.key == key && w.status == Status::Delete)
        {
            deleted_in_groups.push(w.name.to_string());
        }
    }

    for w in work.iter_mut() {
        if w.status == Status::Update {
            plan.updates
                .insert(w.name.to_string(), std::mem::take(&mut w.write));
        }
    }
    plan.deletes = unowned;
    plan.deletes.extend(deleted_in_groups);
    plan.deletes.extend(undesired);

    // A Service with no endpoint keeps one placeholder slice (no ports, no endpoints).
    if plan.deletes.len() == slices.len() && plan.creates.is_empty() {
        let keep = plan.deletes.len() == 1 && load(&plan.deletes[0]).is_some_and(&placeholder_like);
        if keep {
            plan.deletes.clear();
        } else {
            plan.creates.push((Vec::new(), Vec::new()));
        }
    }

    // `finalize`: a creation replaces a deletion of an owned slice as an update.
    let mut i = 0;
    while i < plan.deletes.len() && !plan.creates.is_empty() {
        if slices.get(&plan.deletes[i]).is_some_and(|s| s.owned) {
            let name = plan.deletes.remove(i);
            if let Some(shape) = plan.creates.pop() {
                plan.updates.insert(
                    name,
                    Write {
                        whole: Some(shape),
                        ..Default::default()
                    },
                );
            }
        } else {
            i += 1;
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ObjectReference;

    fn endpoint(pod: &str, ip: &str) -> Endpoint {
        Endpoint {
            addresses: vec![ip.into()],
            target_ref: Some(ObjectReference {
                name: Some(pod.into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn slice(name: &str, pods: std::ops::Range<usize>) -> EndpointSlice {
        EndpointSlice {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some(name.into()),
                ..Default::default()
            },
            address_type: "IPv4".into(),
            endpoints: Some(
                pods.map(|i| endpoint(&format!("p-{i}"), &format!("10.0.{}.{}", i / 200, i % 200)))
                    .collect(),
            ),
            ports: Some(Vec::new()),
        }
    }

    fn info(s: &EndpointSlice) -> SliceInfo {
        SliceInfo {
            key: utils::port_key(s.ports.as_deref()),
            len: s.endpoints.as_ref().map_or(0, Vec::len),
            owned: true,
        }
    }

    fn desired(range: std::ops::Range<usize>) -> Vec<Desired> {
        range
            .map(|i| Desired {
                key: utils::port_key(Some(&[])),
                ports: Vec::new(),
                endpoint: endpoint(&format!("p-{i}"), &format!("10.0.{}.{}", i / 200, i % 200)),
            })
            .collect()
    }

    /// Plans with the pods `new` in scope, new to two unchanged slices `a` (0..95) and `b`
    /// (100..160).
    fn plan_new(new: std::ops::Range<usize>) -> Plan {
        let a = slice("a", 0..95);
        let b = slice("b", 100..160);
        let slices: BTreeMap<String, SliceInfo> =
            [("a".to_string(), info(&a)), ("b".to_string(), info(&b))].into();
        let scope: BTreeSet<String> = new.clone().map(|i| format!("p-{i}")).collect();
        let want = desired(new);
        plan(
            &slices,
            |n| match n {
                "a" => Some(&a),
                "b" => Some(&b),
                _ => None,
            },
            &BTreeMap::new(),
            Scope::Pods(&scope),
            &want,
            |_| false,
            |_| false,
        )
    }

    #[test]
    fn few_new_endpoints_go_to_the_unchanged_slice_they_fill_best() {
        // 5 fit both; in `a` they leave 0 free places, in `b` 35: `a` is chosen.
        let p = plan_new(300..305);
        assert!(p.creates.is_empty());
        assert_eq!(p.updates.keys().collect::<Vec<_>>(), ["a"]);
        assert_eq!(p.updates["a"].append.len(), 5);
        // 40 fit only `b`.
        let p = plan_new(300..340);
        assert_eq!(p.updates.keys().collect::<Vec<_>>(), ["b"]);
        // 50 fit neither: a new slice.
        let p = plan_new(300..350);
        assert!(p.updates.is_empty());
        assert_eq!(p.creates.len(), 1);
        assert_eq!(p.creates[0].1.len(), 50);
    }

    #[test]
    fn many_new_endpoints_open_slices_of_100_and_leave_full_ones_alone() {
        let p = plan_new(300..550);
        assert!(p.updates.is_empty());
        let sizes: Vec<usize> = p.creates.iter().map(|c| c.1.len()).collect();
        assert_eq!(sizes, [100, 100, 50]);
    }

    #[test]
    fn removals_stay_in_place_and_new_endpoints_fill_the_slice_being_updated() {
        let a = slice("a", 0..100);
        let slices: BTreeMap<String, SliceInfo> = [("a".to_string(), info(&a))].into();
        let located: BTreeMap<String, String> = (0..100)
            .map(|i| (format!("p-{i}"), "a".to_string()))
            .collect();
        // p-7 is gone, p-500 is new.
        let scope: BTreeSet<String> = ["p-7".to_string(), "p-500".to_string()].into();
        let want = desired(500..501);
        let p = plan(
            &slices,
            |n| (n == "a").then_some(&a),
            &located,
            Scope::Pods(&scope),
            &want,
            |_| false,
            |_| false,
        );
        assert!(p.creates.is_empty() && p.deletes.is_empty());
        assert_eq!(p.updates["a"].remove, [7]);
        assert_eq!(p.updates["a"].append.len(), 1);
    }
}
