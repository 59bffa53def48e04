//! Pod-level `spec.resources` (`validatePodResources` in `pkg/apis/core/validation`;
//! PodLevelResources, on by default since v1.34): only cpu, memory and huge pages; a
//! request at most its limit; and a request at least what the containers ask together
//! (`AggregateContainerRequests`: app containers and sidecars add up, a regular init
//! container counts with the sidecars started before it, by the maximum).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodSpec;

use super::super::field_error::{quote, FieldError};
use super::super::resource::{aggregate_container_requests, is_supported_pod_level_resource};
use crate::quantity;

const SUPPORTED: [&str; 3] = ["cpu", "hugepages-", "memory"];

pub(super) fn validate_pod_resources(spec: &PodSpec, path: &str) -> Vec<FieldError> {
    let Some(resources) = spec.resources.as_ref() else {
        return Vec::new();
    };
    let empty = BTreeMap::new();
    let limits = resources.limits.as_ref().unwrap_or(&empty);
    let requests = resources.requests.as_ref().unwrap_or(&empty);
    let path = format!("{path}.resources");
    let mut errs = Vec::new();
    if resources.claims.as_ref().is_some_and(|c| !c.is_empty()) {
        errs.push(FieldError::forbidden(
            format!("{path}.claims"),
            "claims may not be set for Resources at pod-level",
        ));
    }
    for name in limits.keys() {
        if !is_supported_pod_level_resource(name) {
            errs.push(FieldError::unsupported(
                format!("{path}.limits[{name}]"),
                name,
                &SUPPORTED,
            ));
        }
    }
    for (name, q) in requests {
        let fp = format!("{path}.requests[{name}]");
        if !is_supported_pod_level_resource(name) {
            errs.push(FieldError::unsupported(fp.clone(), name, &SUPPORTED));
            continue;
        }
        let (Ok(request), Some(Ok(limit))) = (
            quantity::parse(&q.0),
            limits.get(name).map(|l| quantity::parse(&l.0)),
        ) else {
            continue;
        };
        if request > limit {
            errs.push(FieldError::invalid(
                fp,
                quote(&quantity::canonical(q)),
                format!("must be less than or equal to {name} limit of {limit}"),
            ));
        }
    }
    let containers = aggregate_container_requests(spec);
    for (name, total) in &containers {
        let Some(pod_request) = requests.get(name) else {
            continue;
        };
        if quantity::parse(&pod_request.0).is_ok_and(|r| *total > r) {
            errs.push(FieldError::invalid(
                format!("{path}.requests[{name}]"),
                quote(&quantity::canonical(pod_request)),
                format!("must be greater than or equal to aggregate container requests of {total}"),
            ));
        }
    }
    errs
}
