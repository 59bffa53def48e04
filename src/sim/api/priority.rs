//! The Priority admission plugin (upstream `plugin/pkg/admission/priority`): a new pod's
//! `spec.priority` and `spec.preemptionPolicy` come from its PriorityClass. scn stores no
//! PriorityClass objects, so the classes are the two every cluster has, which the API
//! server creates at start-up (`system-cluster-critical`, `system-node-critical`), and no
//! class is the global default: a pod without `priorityClassName` gets priority 0 and
//! `PreemptLowerPriority`; a pod naming another class is refused.

use k8s_openapi::api::core::v1::Pod;

/// The built-in classes (`scheduling.SystemPriorityClasses`): name and value. Their
/// preemption policy is the default, `PreemptLowerPriority`.
pub const SYSTEM_PRIORITY_CLASSES: [(&str, i32); 2] = [
    ("system-node-critical", 2_000_001_000),
    ("system-cluster-critical", 2_000_000_000),
];

/// `scheduling.DefaultPriorityWhenNoDefaultClassExists`.
pub const DEFAULT_PRIORITY: i32 = 0;
const PREEMPT_LOWER_PRIORITY: &str = "PreemptLowerPriority";

/// `admitPod` on create. `Err` is the reason the pod is forbidden (the caller prefixes
/// `pods "<name>" is forbidden: `).
pub fn admit_create(pod: &mut Pod) -> Result<(), String> {
    let Some(spec) = pod.spec.as_mut() else {
        return Ok(());
    };
    let class = spec.priority_class_name.as_deref().unwrap_or("");
    let priority = if class.is_empty() {
        DEFAULT_PRIORITY
    } else {
        match SYSTEM_PRIORITY_CLASSES
            .iter()
            .find(|(name, _)| *name == class)
        {
            Some((_, value)) => *value,
            None => return Err(format!("no PriorityClass with name {class} was found")),
        }
    };
    if let Some(given) = spec.priority.filter(|p| *p != priority) {
        return Err(format!(
            "the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name"
        ));
    }
    spec.priority = Some(priority);
    if let Some(given) = spec
        .preemption_policy
        .as_deref()
        .filter(|p| *p != PREEMPT_LOWER_PRIORITY)
    {
        return Err(format!(
            "the string value of PreemptionPolicy ({given}) must not be provided in pod spec; priority admission controller computed {PREEMPT_LOWER_PRIORITY} from the given PriorityClass name"
        ));
    }
    spec.preemption_policy = Some(PREEMPT_LOWER_PRIORITY.into());
    Ok(())
}

/// `admitPod` on update: a new object without the fields the plugin set on create keeps
/// the old values (they cannot change; validation refuses any other value).
pub fn admit_update(pod: &mut Pod, old: &Pod) {
    let (Some(spec), Some(old_spec)) = (pod.spec.as_mut(), old.spec.as_ref()) else {
        return;
    };
    if spec.priority.is_none() {
        spec.priority = old_spec.priority;
    }
    if spec.preemption_policy.is_none() {
        spec.preemption_policy = old_spec.preemption_policy.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::PodSpec;

    fn pod(class: Option<&str>, priority: Option<i32>) -> Pod {
        Pod {
            spec: Some(PodSpec {
                priority_class_name: class.map(String::from),
                priority,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn priorities_come_from_the_system_classes_or_are_zero() {
        let mut p = pod(None, None);
        admit_create(&mut p).unwrap();
        let spec = p.spec.unwrap();
        assert_eq!(spec.priority, Some(0));
        assert_eq!(
            spec.preemption_policy.as_deref(),
            Some("PreemptLowerPriority")
        );
        let mut p = pod(Some("system-node-critical"), None);
        admit_create(&mut p).unwrap();
        assert_eq!(p.spec.unwrap().priority, Some(2_000_001_000));
        // Admitting twice changes nothing (the controller's pods pass once more).
        let mut p = pod(Some("system-cluster-critical"), None);
        admit_create(&mut p).unwrap();
        admit_create(&mut p).unwrap();
        assert_eq!(p.spec.unwrap().priority, Some(2_000_000_000));
    }

    #[test]
    fn unknown_classes_and_other_priorities_are_forbidden() {
        assert_eq!(
            admit_create(&mut pod(Some("nope"), None)),
            Err("no PriorityClass with name nope was found".into())
        );
        assert_eq!(
            admit_create(&mut pod(None, Some(5))),
            Err("the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name".into())
        );
    }
}
