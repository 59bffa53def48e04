//! RuntimeClass objects (`node.k8s.io/v1`): their validation (`pkg/apis/node/validation`:
//! `ValidateRuntimeClass`, `ValidateRuntimeClassUpdate`) and the RuntimeClass admission
//! plugin (upstream `plugin/pkg/admission/runtimeclass`), which on a pod's create looks its
//! `runtimeClassName` up (a class it cannot find is refused), sets the pod's overhead from
//! the class (`setOverhead`), merges the class's node selector and tolerations into the
//! pod's (`setScheduling`), and then checks the overhead (`validateOverhead`). The handler
//! itself is the node's business: scn's nodes run every handler as their default runtime.

use k8s_openapi::api::core::v1::{Pod, ResourceRequirements, Toleration};
use k8s_openapi::api::node::v1::RuntimeClass;
use serde_json::Value;

use super::field_error::FieldError;
use super::validation::{
    dns1123_label_errors, validate_labels, validate_resource_requirements, validate_tolerations,
};

pub const KIND: &str = "RuntimeClass";

/// `ValidateRuntimeClass` (the handler is a DNS label, the overhead's quantities and
/// resource names, the scheduling's node selector and tolerations) and, on an update,
/// `ValidateRuntimeClassUpdate` (the handler is immutable). The object's metadata is
/// checked by the caller.
pub fn validate(body: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let handler = body
        .get("handler")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut errs: Vec<FieldError> = dns1123_label_errors(handler)
        .into_iter()
        .map(|msg| FieldError::invalid_str("handler", handler, msg))
        .collect();
    // The decoder has checked the shapes; a body it would refuse has nothing more to say.
    if let Ok(class) = serde_json::from_value::<RuntimeClass>(body.clone()) {
        // `validateOverhead`: the pod-fixed overhead as a container's limits, under
        // `overhead.limits` (upstream reuses `ValidateResourceRequirements`).
        if let Some(overhead) = &class.overhead {
            let as_limits = ResourceRequirements {
                limits: overhead.pod_fixed.clone(),
                ..Default::default()
            };
            errs.extend(validate_resource_requirements(&as_limits, "overhead"));
        }
        // `validateScheduling`: the node selector's labels and the tolerations.
        if let Some(scheduling) = &class.scheduling {
            errs.extend(validate_labels(
                scheduling.node_selector.as_ref(),
                "scheduling.nodeSelector",
            ));
            let tolerations = scheduling.tolerations.as_deref().unwrap_or_default();
            errs.extend(validate_tolerations(tolerations, "scheduling.tolerations"));
        }
    }
    if let Some(old) = old {
        let was = old
            .get("handler")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if was != handler {
            errs.push(FieldError::invalid_str(
                "handler",
                handler,
                "field is immutable",
            ));
        }
    }
    errs
}

/// `Admit` on a pod's create (a mutating plugin, after Priority and DefaultTolerationSeconds
/// in kube-apiserver's plugin order). `class` is the stored RuntimeClass the pod names, if
/// any: a name with no class is `pod rejected: RuntimeClass "x" not found` (`Forbidden`,
/// `prepareObjects`). The class's overhead becomes the pod's (a pod that already carries
/// another is refused); its node selector is added to the pod's (a key the pod gives
/// another value is a conflict); its tolerations are merged after the pod's
/// (`MergeTolerations`).
pub fn admit(pod: &mut Pod, class: Option<&RuntimeClass>) -> Result<(), String> {
    let Some(spec) = pod.spec.as_mut() else {
        return Ok(());
    };
    let Some(name) = spec.runtime_class_name.as_deref() else {
        return Ok(());
    };
    let Some(class) = class else {
        return Err(format!(
            "pod rejected: RuntimeClass {} not found",
            super::field_error::quote(name)
        ));
    };
    // `setOverhead`.
    if let Some(overhead) = class.overhead.as_ref() {
        let fixed = overhead.pod_fixed.as_ref().filter(|f| !f.is_empty());
        let own = spec.overhead.as_ref().filter(|o| !o.is_empty());
        if own.is_some() && own != fixed {
            return Err(OVERHEAD_MISMATCH.to_string());
        }
        spec.overhead = overhead.pod_fixed.clone();
    }
    // `setScheduling`.
    if let Some(scheduling) = class.scheduling.as_ref() {
        let class_selector = scheduling.node_selector.clone().unwrap_or_default();
        match spec.node_selector.as_mut() {
            None => spec.node_selector = scheduling.node_selector.clone(),
            Some(selector) => {
                for (key, value) in class_selector {
                    if let Some(own) = selector.get(&key).filter(|own| **own != value) {
                        return Err(format!(
                            "conflict: runtimeClass.scheduling.nodeSelector[{key}] = {value}; pod.spec.nodeSelector[{key}] = {own}"
                        ));
                    }
                    selector.insert(key, value);
                }
            }
        }
        let own = spec.tolerations.take().unwrap_or_default();
        let merged = merge_tolerations(own, scheduling.tolerations.clone().unwrap_or_default());
        spec.tolerations = (!merged.is_empty()).then_some(merged);
    }
    Ok(())
}

const OVERHEAD_MISMATCH: &str =
    "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead";

/// `validateOverhead` on create: the pod's overhead must be its class's exactly; a pod
/// whose class defines none (or that names no class) may carry none.
pub fn validate_overhead(pod: &Pod, class: Option<&RuntimeClass>) -> Result<(), String> {
    let Some(spec) = pod.spec.as_ref() else {
        return Ok(());
    };
    match class.and_then(|c| c.overhead.as_ref()) {
        Some(overhead) => {
            let fixed = overhead.pod_fixed.as_ref().filter(|f| !f.is_empty());
            if spec.overhead.as_ref().filter(|o| !o.is_empty()) != fixed {
                return Err(OVERHEAD_MISMATCH.to_string());
            }
        }
        None if spec.overhead.is_some() => {
            return Err(
                "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"
                    .to_string(),
            );
        }
        None => {}
    }
    Ok(())
}

/// `tolerations.MergeTolerations`: the pod's tolerations then the class's, each left out
/// when another one tolerates a superset of what it does (of two equal ones, the first
/// stays).
fn merge_tolerations(first: Vec<Toleration>, second: Vec<Toleration>) -> Vec<Toleration> {
    let all: Vec<Toleration> = first.into_iter().chain(second).collect();
    let mut merged: Vec<Toleration> = Vec::new();
    for (i, t) in all.iter().enumerate() {
        if merged.iter().any(|kept| is_superset(kept, t)) {
            continue;
        }
        if all[i + 1..]
            .iter()
            .any(|later| later != t && is_superset(later, t))
        {
            continue;
        }
        merged.push(t.clone());
    }
    merged
}

/// `isSuperset`: whether `ss` tolerates everything `t` does.
fn is_superset(ss: &Toleration, t: &Toleration) -> bool {
    if ss == t {
        return true;
    }
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let (ss_key, t_key) = (text(&ss.key), text(&t.key));
    let ss_op = text(&ss.operator);
    // An empty key with `Exists` matches every key and value.
    if t_key != ss_key && (!ss_key.is_empty() || ss_op != "Exists") {
        return false;
    }
    let (ss_effect, t_effect) = (text(&ss.effect), text(&t.effect));
    if t_effect != ss_effect && !ss_effect.is_empty() {
        return false;
    }
    if ss_effect == "NoExecute" {
        if let Some(limit) = ss.toleration_seconds {
            if t.toleration_seconds.is_none_or(|s| s > limit) {
                return false;
            }
        }
    }
    match ss_op.as_str() {
        "Equal" | "" => text(&t.operator) == "Equal" && text(&t.value) == text(&ss.value),
        "Exists" => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toleration(key: &str, op: &str, effect: &str) -> Toleration {
        Toleration {
            key: (!key.is_empty()).then(|| key.to_string()),
            operator: Some(op.to_string()),
            effect: (!effect.is_empty()).then(|| effect.to_string()),
            ..Default::default()
        }
    }

    #[test]
    fn merged_tolerations_drop_the_ones_a_broader_one_covers() {
        let pod = vec![toleration("a", "Exists", "NoSchedule")];
        let class = vec![
            toleration("a", "Exists", ""),
            toleration("a", "Exists", ""),
            toleration("b", "Exists", "NoSchedule"),
        ];
        let merged = merge_tolerations(pod, class);
        assert_eq!(
            merged,
            vec![
                toleration("a", "Exists", ""),
                toleration("b", "Exists", "NoSchedule")
            ]
        );
    }
}
