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
//! one a full sync would make, at the cost of what changed: the slices that hold those
//! pods are read, and the others are known from the `SliceSet`'s index (by port group and
//! length), so a scoped plan does not look at every slice of the Service.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::discovery::v1::{Endpoint, EndpointPort, EndpointSlice};

use super::utils::{self, Identity, MAX_ENDPOINTS_PER_SLICE};
use crate::sim::controllers::informer::FastMap;

/// What the controller knows of one slice of the Service without reading it.
#[derive(Clone, Debug)]
pub struct SliceInfo {
    pub key: String,
    pub len: usize,
    pub owned: bool,
}

/// The Service's slices (managed by the controller, not being deleted) by name, with the
/// owned ones indexed by port group, then length and name.
#[derive(Clone, Debug, Default)]
pub struct SliceSet {
    all: BTreeMap<String, SliceInfo>,
    /// Port group → (length, name) of its owned slices.
    groups: BTreeMap<String, BTreeSet<(usize, String)>>,
    /// How many slices are not owned by the Service.
    unowned: usize,
}

impl SliceSet {
    pub fn get(&self, name: &str) -> Option<&SliceInfo> {
        self.all.get(name)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.all.contains_key(name)
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.all.keys()
    }

    pub fn insert(&mut self, name: String, info: SliceInfo) {
        // The usual case: a slice of the Service rewritten, in the same port group.
        if let Some(old) = self.all.get_mut(&name) {
            if old.owned && info.owned && old.key == info.key {
                if old.len != info.len {
                    if let Some(group) = self.groups.get_mut(&info.key) {
                        let entry = group.take(&(old.len, name)).map(|(_, name)| name);
                        if let Some(name) = entry {
                            group.insert((info.len, name));
                        }
                    }
                }
                *old = info;
                return;
            }
        }
        self.remove(&name);
        if info.owned {
            self.groups
                .entry(info.key.clone())
                .or_default()
                .insert((info.len, name.clone()));
        } else {
            self.unowned += 1;
        }
        self.all.insert(name, info);
    }

    pub fn remove(&mut self, name: &str) -> Option<SliceInfo> {
        let (name, info) = self.all.remove_entry(name)?;
        if info.owned {
            if let Some(group) = self.groups.get_mut(&info.key) {
                group.remove(&(info.len, name));
                if group.is_empty() {
                    self.groups.remove(&info.key);
                }
            }
        } else {
            self.unowned -= 1;
        }
        Some(info)
    }
}

impl FromIterator<(String, SliceInfo)> for SliceSet {
    fn from_iter<I: IntoIterator<Item = (String, SliceInfo)>>(iter: I) -> SliceSet {
        let mut set = SliceSet::default();
        for (name, info) in iter {
            set.insert(name, info);
        }
        set
    }
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
#[derive(Debug, Default, PartialEq)]
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

#[derive(Debug, Default, PartialEq)]
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

/// Step 2 of a port group: its new endpoints (`queue`, in order) first fill the slices
/// that are updated anyway (`updating`), fullest first, then first by name.
fn fill_updated(
    work: &mut [Work],
    mut updating: Vec<usize>,
    queue: &mut impl Iterator<Item = usize>,
    desired: &[Desired],
) {
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
}

/// Plans one sync of a Service's IPv4 slices.
///
/// `slices` are the Service's slices (managed by the controller, not being deleted) by
/// name; `load` reads one; `located` says which slice holds each pod's endpoint;
/// `desired` is what the pods in scope want, in natural pod-name order; `labels_changed`
/// says, for a full sync, whether a slice's labels must follow the Service's;
/// `placeholder_like` whether a slice is the placeholder this Service would get.
///
/// A scoped plan of a Service whose slices are all its own reads only the slices that
/// hold the pods in scope (`plan_scoped`); it is the plan `plan_all` makes by looking at
/// every slice.
pub fn plan<'a>(
    slices: &SliceSet,
    load: impl Fn(&str) -> Option<&'a EndpointSlice>,
    located: &BTreeMap<String, String>,
    scope: Scope<'_>,
    desired: &[Desired],
    labels_changed: impl Fn(&EndpointSlice) -> bool,
    placeholder_like: impl Fn(&EndpointSlice) -> bool,
) -> Plan {
    match scope {
        Scope::Pods(pods) if slices.unowned == 0 => {
            plan_scoped(slices, load, located, pods, desired, placeholder_like)
        }
        scope => plan_all(
            slices,
            load,
            located,
            scope,
            desired,
            labels_changed,
            placeholder_like,
        ),
    }
}

/// The plan, looking at every slice.
fn plan_all<'a>(
    slices: &SliceSet,
    load: impl Fn(&str) -> Option<&'a EndpointSlice>,
    located: &BTreeMap<String, String>,
    scope: Scope<'_>,
    desired: &[Desired],
    labels_changed: impl Fn(&EndpointSlice) -> bool,
    placeholder_like: impl Fn(&EndpointSlice) -> bool,
) -> Plan {
    let set = slices;
    let slices = &set.all;
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
    let wanted = wanted_of(desired);
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
                examine(&mut w, slice, in_scope, &wanted, &mut placed, desired);
                if w.status == Status::Unchanged && full && labels_changed(slice) {
                    w.status = Status::Update;
                }
            }
        }
        work.push(w);
    }

    // The new endpoints, by port group, in pod-name order.
    let fresh = fresh_of(desired, &placed);
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
        let updating: Vec<usize> = (0..work.len())
            .filter(|&i| work[i].key == key && work[i].status == Status::Update)
            .collect();
        fill_updated(&mut work, updating, &mut queue, desired);
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
    finish(plan, set, load, placeholder_like)
}

/// The endpoints a slice holds for the pods in scope: kept in place (replaced by their new
/// version when it differs) while wanted, removed otherwise.
fn examine(
    w: &mut Work,
    slice: &EndpointSlice,
    in_scope: impl Fn(Option<&str>) -> bool,
    wanted: &FastMap<(&str, Identity<'_>), usize>,
    placed: &mut [bool],
    desired: &[Desired],
) {
    let old = slice.endpoints.as_deref().unwrap_or_default();
    for (at, e) in old.iter().enumerate() {
        if !in_scope(utils::target_pod(e)) {
            continue;
        }
        match wanted.get(&(w.key, utils::identity(e))) {
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
    }
}

/// `desired`'s endpoints by port group and identity: the first pod that wants each.
fn wanted_of(desired: &[Desired]) -> FastMap<(&str, Identity<'_>), usize> {
    let mut wanted: FastMap<(&str, Identity<'_>), usize> =
        FastMap::with_capacity_and_hasher(desired.len(), Default::default());
    for (i, d) in desired.iter().enumerate() {
        wanted
            .entry((d.key.as_str(), utils::identity(&d.endpoint)))
            .or_insert(i);
    }
    wanted
}

/// The new endpoints (not placed in a slice that holds them), by port group, in pod-name
/// order.
fn fresh_of<'d>(desired: &'d [Desired], placed: &[bool]) -> BTreeMap<&'d str, Vec<usize>> {
    let mut fresh: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in desired.iter().enumerate() {
        if !placed[i] {
            fresh.entry(d.key.as_str()).or_default().push(i);
        }
    }
    fresh
}

/// A slice the new endpoints may go to: one already examined (`work[i]`) or one not
/// read (by name).
enum Target<'s> {
    Examined(usize),
    Untouched(&'s str),
}

/// `plan_all` for `Scope::Pods` when every slice is owned, reading only the slices that
/// hold the pods in scope: the others are unchanged, and what the plan needs of them
/// (whether a port group still has endpoints, the slice the new endpoints fill best, the
/// slices of a group no pod wants any more) comes from the `SliceSet`'s index.
fn plan_scoped<'a>(
    slices: &SliceSet,
    load: impl Fn(&str) -> Option<&'a EndpointSlice>,
    located: &BTreeMap<String, String>,
    pods: &BTreeSet<String>,
    desired: &[Desired],
    placeholder_like: impl Fn(&EndpointSlice) -> bool,
) -> Plan {
    let in_scope = |pod: Option<&str>| pod.is_some_and(|p| pods.contains(p));
    let wanted = wanted_of(desired);
    let mut placed = vec![false; desired.len()];

    // 1. The slices that hold a pod in scope (and can be read), in name order.
    let mut names: Vec<&str> = pods
        .iter()
        .filter_map(|p| located.get(p))
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut work: Vec<Work> = Vec::with_capacity(names.len());
    for name in names {
        let Some((name, info)) = slices.all.get_key_value(name) else {
            continue;
        };
        let Some(slice) = load(name) else {
            continue;
        };
        let mut w = Work {
            name,
            key: &info.key,
            len: info.len,
            write: Write::default(),
            status: Status::Unchanged,
        };
        examine(&mut w, slice, in_scope, &wanted, &mut placed, desired);
        work.push(w);
    }
    let read: Vec<&str> = work.iter().map(|w| w.name).collect();
    let examined = |name: &str| read.binary_search(&name).is_ok();

    let fresh = fresh_of(desired, &placed);
    let mut groups: BTreeSet<&str> = fresh.keys().copied().collect();
    groups.extend(slices.groups.keys().map(String::as_str));

    let mut plan = Plan::default();
    let mut extra: Vec<Work> = Vec::new();
    let mut deleted_in_groups: Vec<String> = Vec::new();
    let mut undesired: Vec<String> = Vec::new();
    let empty = BTreeSet::new();
    for key in groups {
        let new: &[usize] = fresh.get(key).map(Vec::as_slice).unwrap_or_default();
        let index = slices.groups.get(key).unwrap_or(&empty);
        let mine: Vec<usize> = (0..work.len()).filter(|&i| work[i].key == key).collect();
        let wanted_here = !new.is_empty()
            || mine
                .iter()
                .any(|&i| work[i].status != Status::Delete && work[i].len > 0)
            || index
                .iter()
                .rev()
                .take_while(|(len, _)| *len > 0)
                .any(|(_, name)| !examined(name));
        if !wanted_here {
            // No pod wants these ports any more: every slice of the group goes.
            for &i in &mine {
                work[i].status = Status::Delete;
            }
            let mut gone: Vec<&str> = index.iter().map(|(_, name)| name.as_str()).collect();
            gone.sort_unstable();
            undesired.extend(gone.into_iter().map(str::to_string));
            continue;
        }
        let mut queue = new.iter().copied().peekable();
        // 2. Fill the slices that are updated anyway, fullest first.
        let updating: Vec<usize> = mine
            .iter()
            .copied()
            .filter(|&i| work[i].status == Status::Update)
            .collect();
        fill_updated(&mut work, updating, &mut queue, desired);
        // 3. The rest: into the unchanged slice they fill best, else into new slices.
        let mut rest: Vec<usize> = queue.collect();
        while !rest.is_empty() {
            let mut target: Option<Target> = None;
            if rest.len() < MAX_ENDPOINTS_PER_SLICE {
                // `getSliceToFill`: the longest unchanged slice they all fit in, the first
                // by name of those as long.
                let room = MAX_ENDPOINTS_PER_SLICE - rest.len();
                let mut best: Option<(usize, &str, Target)> = None;
                for &i in &mine {
                    let w = &work[i];
                    if w.status != Status::Unchanged || w.len > room {
                        continue;
                    }
                    if best
                        .as_ref()
                        .is_none_or(|(l, n, _)| w.len > *l || (w.len == *l && w.name < *n))
                    {
                        best = Some((w.len, w.name, Target::Examined(i)));
                    }
                }
                // The longest untouched slice that fits, then the first by name that long.
                let longest = index
                    .range(..(room + 1, String::new()))
                    .rev()
                    .find(|(_, name)| !examined(name))
                    .map(|(len, _)| *len);
                if let Some(len) = longest {
                    let first = index
                        .range((len, String::new())..(len + 1, String::new()))
                        .find(|(_, name)| !examined(name))
                        .map(|(_, name)| name.as_str());
                    if let Some(name) = first {
                        if best
                            .as_ref()
                            .is_none_or(|(l, n, _)| len > *l || (len == *l && name < *n))
                        {
                            best = Some((len, name, Target::Untouched(name)));
                        }
                    }
                }
                target = best.map(|(_, _, t)| t);
            }
            let take = rest.len().min(MAX_ENDPOINTS_PER_SLICE);
            let batch: Vec<Endpoint> = rest
                .drain(..take)
                .map(|d| desired[d].endpoint.clone())
                .collect();
            match target {
                Some(Target::Examined(i)) => {
                    let w = &mut work[i];
                    w.len += batch.len();
                    w.write.append.extend(batch);
                    w.status = Status::Update;
                }
                Some(Target::Untouched(name)) => {
                    let info = &slices.all[name];
                    extra.push(Work {
                        name,
                        key: &info.key,
                        len: info.len + batch.len(),
                        write: Write {
                            append: batch,
                            ..Default::default()
                        },
                        status: Status::Update,
                    });
                }
                None => {
                    let ports = desired[new[0]].ports.clone();
                    plan.creates.push((ports, batch));
                }
            }
        }
        for &i in &mine {
            if work[i].status == Status::Delete {
                deleted_in_groups.push(work[i].name.to_string());
            }
        }
    }

    for w in work.iter_mut().chain(extra.iter_mut()) {
        if w.status == Status::Update {
            plan.updates
                .insert(w.name.to_string(), std::mem::take(&mut w.write));
        }
    }
    plan.deletes = deleted_in_groups;
    plan.deletes.extend(undesired);
    finish(plan, slices, load, placeholder_like)
}

/// The end of every plan: the placeholder, then creations turned into updates.
fn finish<'a>(
    mut plan: Plan,
    slices: &SliceSet,
    load: impl Fn(&str) -> Option<&'a EndpointSlice>,
    placeholder_like: impl Fn(&EndpointSlice) -> bool,
) -> Plan {
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
        let slices: SliceSet = [("a".to_string(), info(&a)), ("b".to_string(), info(&b))]
            .into_iter()
            .collect();
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
        let slices: SliceSet = [("a".to_string(), info(&a))].into_iter().collect();
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

    /// A small deterministic generator (no dependency).
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n.max(1)
        }
    }

    fn pod(i: usize) -> String {
        format!("p-{i:05}")
    }

    fn ip(i: usize) -> String {
        format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256)
    }

    fn ports_of(group: u64) -> Vec<EndpointPort> {
        match group {
            0 => Vec::new(),
            g => vec![EndpointPort {
                port: Some(80 + g as i32),
                ..Default::default()
            }],
        }
    }

    /// Random Services: slices of two port groups with random lengths (empty and full
    /// ones included), pods in scope that stay, change, move to another group, go, or are
    /// new. The scoped plan (its fast path) must be the plan that looks at every slice
    /// with the same scope, and the plan of a full sync that sees every pod.
    #[test]
    fn the_scoped_plan_is_the_plan_of_every_slice_and_of_a_full_sync() {
        let mut rng = Rng(7);
        let mut fast_paths = 0;
        for case in 0..3000 {
            let mut next_pod = 0usize;
            let mut store: BTreeMap<String, EndpointSlice> = BTreeMap::new();
            let mut located: BTreeMap<String, String> = BTreeMap::new();
            // Every pod listed now: (group, endpoint).
            let mut listed: Vec<(u64, Endpoint)> = Vec::new();
            for n in 0..rng.below(6) {
                let group = rng.below(2);
                let len = match rng.below(5) {
                    0 => 0,
                    1 => 100,
                    2 => 99 - rng.below(3) as usize,
                    _ => 1 + rng.below(100) as usize,
                };
                let name = format!("s-{n}");
                let mut endpoints = Vec::new();
                for _ in 0..len {
                    let e = endpoint(&pod(next_pod), &ip(next_pod));
                    located.insert(pod(next_pod), name.clone());
                    listed.push((group, e.clone()));
                    endpoints.push(e);
                    next_pod += 1;
                }
                store.insert(
                    name.clone(),
                    EndpointSlice {
                        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                            name: Some(name),
                            ..Default::default()
                        },
                        address_type: "IPv4".into(),
                        endpoints: Some(endpoints),
                        ports: Some(ports_of(group)),
                    },
                );
            }
            let slices: SliceSet = store
                .iter()
                .map(|(name, s)| (name.clone(), info(s)))
                .collect();
            // The pods in scope and what they want now; the others want what they have.
            let mut scope: BTreeSet<String> = BTreeSet::new();
            let mut want: Vec<Desired> = Vec::new();
            let mut everyone: Vec<Desired> = Vec::new();
            let odds = 1 + rng.below(20);
            let to_desired = |group: u64, endpoint: Endpoint| Desired {
                key: utils::port_key(Some(&ports_of(group))),
                ports: ports_of(group),
                endpoint,
            };
            for (group, e) in &listed {
                let name = e.target_ref.as_ref().unwrap().name.clone().unwrap();
                if rng.below(odds) != 0 {
                    everyone.push(to_desired(*group, e.clone()));
                    continue;
                }
                scope.insert(name);
                let now = match rng.below(4) {
                    0 => None,
                    1 => Some((*group, e.clone())),
                    2 => {
                        let mut changed = e.clone();
                        changed.conditions = Some(Default::default());
                        Some((*group, changed))
                    }
                    _ => Some((1 - *group, e.clone())),
                };
                if let Some((group, e)) = now {
                    want.push(to_desired(group, e.clone()));
                    everyone.push(to_desired(group, e));
                }
            }
            let new = match rng.below(5) {
                0 => 0,
                1 => 1,
                2 => 1 + rng.below(10),
                3 => 90 + rng.below(20),
                _ => 150 + rng.below(100),
            } as usize;
            for i in next_pod..next_pod + new {
                scope.insert(pod(i));
                let group = rng.below(2);
                want.push(to_desired(group, endpoint(&pod(i), &ip(i))));
                everyone.push(to_desired(group, endpoint(&pod(i), &ip(i))));
            }
            want.sort_by(|a, b| {
                utils::target_pod(&a.endpoint).cmp(&utils::target_pod(&b.endpoint))
            });
            everyone.sort_by(|a, b| {
                utils::target_pod(&a.endpoint).cmp(&utils::target_pod(&b.endpoint))
            });
            let load = |n: &str| store.get(n);
            let placeholder = |s: &EndpointSlice| {
                s.endpoints.as_deref().unwrap_or_default().is_empty()
                    && s.ports.as_deref().unwrap_or_default().is_empty()
            };
            fast_paths += usize::from(slices.unowned == 0);
            let fast = plan(
                &slices,
                load,
                &located,
                Scope::Pods(&scope),
                &want,
                |_| false,
                placeholder,
            );
            let every_slice = plan_all(
                &slices,
                load,
                &located,
                Scope::Pods(&scope),
                &want,
                |_| false,
                placeholder,
            );
            assert_eq!(fast, every_slice, "case {case}");
            let full = plan_all(
                &slices,
                load,
                &located,
                Scope::Full,
                &everyone,
                |_| false,
                placeholder,
            );
            assert_eq!(fast, full, "case {case}");
        }
        assert_eq!(fast_paths, 3000);
    }

    /// The index of a `SliceSet` is what it would be if built anew from its slices,
    /// whatever the inserts (new slices, rewrites, changes of group or owner) and removals.
    #[test]
    fn the_slice_index_follows_every_insert_and_removal() {
        let mut rng = Rng(11);
        let mut set = SliceSet::default();
        for step in 0..5000 {
            let name = format!("s-{}", rng.below(8));
            if rng.below(4) == 0 {
                set.remove(&name);
            } else {
                let info = SliceInfo {
                    key: format!("k{}", rng.below(2)),
                    len: rng.below(101) as usize,
                    owned: rng.below(8) != 0,
                };
                set.insert(name, info);
            }
            let again: SliceSet = set
                .all
                .iter()
                .map(|(name, info)| (name.clone(), info.clone()))
                .collect();
            assert_eq!(set.groups, again.groups, "step {step}");
            assert_eq!(set.unowned, again.unowned, "step {step}");
        }
    }
}
