//! Resource arithmetic on pod specs, as `k8s.io/component-helpers/resource` does it with
//! quantities (sums keep the format of their first term, so messages print `6Gi`, not
//! bytes). The scheduler sums in its own integer units (`scheduler::framework`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;

use crate::quantity::{self, Quantity};

/// `IsSupportedPodLevelResource`: cpu, memory and huge pages.
pub(crate) fn is_supported_pod_level_resource(name: &str) -> bool {
    name == "cpu" || name == "memory" || name.starts_with("hugepages-")
}

/// `addResourceList`: the sum keeps the format of the first quantity of each name.
fn add(list: &mut BTreeMap<String, Quantity>, more: &BTreeMap<String, Quantity>) {
    for (name, q) in more {
        match list.get(name) {
            Some(have) => {
                if let Some(sum) = have.checked_add(*q) {
                    list.insert(name.clone(), sum);
                }
            }
            None => {
                list.insert(name.clone(), *q);
            }
        }
    }
}

/// `maxResourceList`: the larger quantity of each name, with its own format.
fn max(list: &mut BTreeMap<String, Quantity>, other: &BTreeMap<String, Quantity>) {
    for (name, q) in other {
        if list.get(name).is_none_or(|have| q > have) {
            list.insert(name.clone(), *q);
        }
    }
}

/// A container's requests as the API stores them: a limit without a request is the
/// request (defaulting copies it).
fn requests(c: &Container) -> BTreeMap<String, Quantity> {
    let mut out = BTreeMap::new();
    let r = c.resources.as_ref();
    for list in [
        r.and_then(|r| r.limits.as_ref()),
        r.and_then(|r| r.requests.as_ref()),
    ]
    .into_iter()
    .flatten()
    {
        for (name, q) in list {
            if let Ok(parsed) = quantity::parse(&q.0) {
                out.insert(name.clone(), parsed);
            }
        }
    }
    out
}

/// `AggregateContainerRequests`: app containers and sidecars add up; a regular init
/// container counts with the sidecars started before it, by the maximum.
pub(crate) fn aggregate_container_requests(spec: &PodSpec) -> BTreeMap<String, Quantity> {
    let mut reqs = BTreeMap::new();
    for c in &spec.containers {
        add(&mut reqs, &requests(c));
    }
    let mut sidecars = BTreeMap::new();
    let mut init = BTreeMap::new();
    for c in spec.init_containers.iter().flatten() {
        let own = requests(c);
        if c.restart_policy.as_deref() == Some("Always") {
            add(&mut reqs, &own);
            add(&mut sidecars, &own);
            max(&mut init, &sidecars);
        } else {
            let mut with = own;
            add(&mut with, &sidecars);
            max(&mut init, &with);
        }
    }
    max(&mut reqs, &init);
    reqs
}

/// `defaultPodRequests` (`SetDefaults_Pod` with PodLevelResources): when pod-level limits
/// are set, a supported resource without a pod-level request gets the containers' total
/// request (huge pages excepted), or else its pod-level limit.
pub(crate) fn default_pod_requests(spec: &mut PodSpec) {
    let Some(resources) = spec.resources.as_ref() else {
        return;
    };
    let Some(limits) = resources.limits.as_ref().filter(|l| !l.is_empty()) else {
        return;
    };
    let mut requests = resources.requests.clone().unwrap_or_default();
    for (name, total) in aggregate_container_requests(spec) {
        if is_supported_pod_level_resource(&name)
            && !name.starts_with("hugepages-")
            && !requests.contains_key(&name)
        {
            requests.insert(name, ApiQuantity(total.to_string()));
        }
    }
    for (name, limit) in limits {
        if is_supported_pod_level_resource(name) && !requests.contains_key(name) {
            requests.insert(name.clone(), limit.clone());
        }
    }
    if !requests.is_empty() {
        if let Some(resources) = spec.resources.as_mut() {
            resources.requests = Some(requests);
        }
    }
}
