//! A container's `resources` (`ValidateContainerResourceRequirements` and
//! `validateContainerResourceName` in `pkg/apis/core/validation`): each resource name is a
//! standard container resource (cpu, memory, ephemeral-storage, hugepages-*) or a
//! fully qualified extended resource; each quantity is at least 0 (extended resources
//! whole); a request is at most its limit, and equal to it for resources that cannot be
//! overcommitted (extended resources, huge pages), which also need a limit.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::super::field_error::{quote, FieldError};
use super::names::{qualified_name_errors, NONNEGATIVE_MSG};
use crate::quantity;

/// `standardResources` (`helper.IsStandardResourceName`), besides the huge page names.
const STANDARD_RESOURCES: [&str; 20] = [
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "storage",
    "requests.storage",
    "services.nodeports",
    "services.loadbalancers",
];

fn is_huge_pages(name: &str) -> bool {
    name.starts_with("hugepages-")
}

/// `IsNativeResource`: no domain, or a `kubernetes.io` one.
fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// `IsExtendedResourceName`: a domain-prefixed name outside `kubernetes.io` that would also
/// be a valid quota name (`requests.<name>`).
pub(crate) fn is_extended(name: &str) -> bool {
    !is_native(name)
        && !name.starts_with("requests.")
        && qualified_name_errors(&format!("requests.{name}")).is_empty()
}

/// `IsOvercommitAllowed`.
pub(crate) fn overcommit_allowed(name: &str) -> bool {
    is_native(name) && !is_huge_pages(name)
}

/// `validateResourceName`: a qualified name, and a standard resource unless
/// domain-prefixed.
pub(crate) fn standard_resource_name_errors(name: &str, path: &str) -> Vec<FieldError> {
    let invalid = |m: &str| FieldError::invalid(path, quote(name), m);
    let mut errs: Vec<FieldError> = qualified_name_errors(name)
        .iter()
        .map(|m| invalid(m))
        .collect();
    if errs.is_empty()
        && !name.contains('/')
        && !STANDARD_RESOURCES.contains(&name)
        && !is_huge_pages(name)
        && !name.starts_with("requests.hugepages-")
    {
        errs.push(invalid(
            "must be a standard resource type or fully qualified",
        ));
    }
    errs
}

/// `validateContainerResourceName`: `validateResourceName`, then a container's resource
/// (cpu, memory, ephemeral-storage, huge pages) or an extended resource.
pub(crate) fn resource_name_errors(name: &str, path: &str) -> Vec<FieldError> {
    let mut errs = standard_resource_name_errors(name, path);
    let invalid = |m: &str| FieldError::invalid(path, quote(name), m);
    if !name.contains('/') {
        if !["cpu", "memory", "ephemeral-storage"].contains(&name) && !is_huge_pages(name) {
            errs.push(invalid("must be a standard resource for containers"));
        }
    } else if !is_native(name) && !is_extended(name) {
        errs.push(invalid("doesn't follow extended resource name standard"));
    }
    errs
}

/// `ValidateResourceQuantityValue` (and the huge page size rule), for a quantity at `path`.
fn quantity_errors(name: &str, q: &quantity::Quantity, text: &str, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if q.nanos() < 0 {
        errs.push(FieldError::invalid(path, quote(text), NONNEGATIVE_MSG));
    }
    if is_extended(name) && q.milli_value().is_none_or(|m| m % 1000 != 0) {
        errs.push(FieldError::invalid(path, quote(text), "must be an integer"));
    }
    if let Some(size) = name
        .strip_prefix("hugepages-")
        .and_then(|s| quantity::parse(s).ok())
    {
        let divisible = size.nanos() > 0 && q.nanos() % size.nanos() == 0;
        if !divisible {
            errs.push(FieldError::invalid(
                path,
                quote(text),
                format!("{text} is not positive integer multiple of {name}"),
            ));
        }
    }
    errs
}

/// The parsed quantity and its canonical text (`Quantity.String()`); `None` for a text that
/// is not a quantity (which the decoder refuses before validation).
fn parsed(q: &Quantity) -> Option<(quantity::Quantity, String)> {
    Some((quantity::parse(&q.0).ok()?, quantity::canonical(q)))
}

pub(crate) fn validate_resource_requirements(
    r: &ResourceRequirements,
    path: &str,
) -> Vec<FieldError> {
    let empty = BTreeMap::new();
    let limits = r.limits.as_ref().unwrap_or(&empty);
    let requests = r.requests.as_ref().unwrap_or(&empty);
    let (lim_path, req_path) = (format!("{path}.limits"), format!("{path}.requests"));
    let mut errs = Vec::new();
    let compute = |n: &str| n == "cpu" || n == "memory";
    let mut huge_pages = false;
    let mut cpu_or_memory = false;
    for (name, q) in limits {
        let fp = format!("{lim_path}[{name}]");
        errs.extend(resource_name_errors(name, &fp));
        if let Some((value, text)) = parsed(q) {
            errs.extend(quantity_errors(name, &value, &text, &fp));
        }
        huge_pages |= is_huge_pages(name);
        cpu_or_memory |= compute(name);
    }
    for (name, q) in requests {
        let fp = format!("{req_path}[{name}]");
        errs.extend(resource_name_errors(name, &fp));
        let request = parsed(q);
        if let Some((value, text)) = &request {
            errs.extend(quantity_errors(name, value, text, &fp));
        }
        match (request, limits.get(name).and_then(parsed)) {
            (Some((value, text)), Some((limit, limit_text))) => {
                if value != limit && !overcommit_allowed(name) {
                    errs.push(FieldError::invalid(
                        req_path.clone(),
                        quote(&text),
                        format!("must be equal to {name} limit of {limit_text}"),
                    ));
                } else if value > limit {
                    errs.push(FieldError::invalid(
                        req_path.clone(),
                        quote(&text),
                        format!("must be less than or equal to {name} limit of {limit_text}"),
                    ));
                }
            }
            _ if !limits.contains_key(name) && !overcommit_allowed(name) => {
                errs.push(FieldError::required(
                    lim_path.clone(),
                    "Limit must be set for non overcommitable resources",
                ));
            }
            _ => {}
        }
        huge_pages |= is_huge_pages(name);
        cpu_or_memory |= compute(name);
    }
    if huge_pages && !cpu_or_memory {
        errs.push(FieldError::forbidden(
            path,
            "HugePages require cpu or memory",
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[(&str, &str)]) -> Option<BTreeMap<String, Quantity>> {
        Some(
            items
                .iter()
                .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
                .collect(),
        )
    }

    fn texts(r: ResourceRequirements) -> Vec<String> {
        validate_resource_requirements(&r, "spec.containers[0].resources")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn requests_above_limits_and_negative_quantities() {
        let r = ResourceRequirements {
            limits: list(&[("cpu", "1000m")]),
            requests: list(&[("cpu", "2"), ("memory", "-1")]),
            ..Default::default()
        };
        assert_eq!(
            texts(r),
            [
                "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1",
                "spec.containers[0].resources.requests[memory]: Invalid value: \"-1\": must be greater than or equal to 0",
            ]
        );
    }

    #[test]
    fn resource_names_and_extended_resources() {
        let r = ResourceRequirements {
            limits: list(&[("example.com/gpu", "1")]),
            requests: list(&[("example.com/gpu", "500m"), ("pods", "1"), ("foo", "1")]),
            ..Default::default()
        };
        assert_eq!(
            texts(r),
            [
                "spec.containers[0].resources.requests[example.com/gpu]: Invalid value: \"500m\": must be an integer",
                "spec.containers[0].resources.requests: Invalid value: \"500m\": must be equal to example.com/gpu limit of 1",
                "spec.containers[0].resources.requests[foo]: Invalid value: \"foo\": must be a standard resource type or fully qualified",
                "spec.containers[0].resources.requests[foo]: Invalid value: \"foo\": must be a standard resource for containers",
                "spec.containers[0].resources.requests[pods]: Invalid value: \"pods\": must be a standard resource for containers",
            ]
        );
    }
}
