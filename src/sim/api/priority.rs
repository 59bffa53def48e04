//! The Priority admission plugin (upstream `plugin/pkg/admission/priority`): a new pod's
//! `spec.priority` and `spec.preemptionPolicy` come from its PriorityClass, or from the
//! class marked `globalDefault` when it names none (whose name it then gets); without
//! either, priority 0 and `PreemptLowerPriority`. A pod naming a class that does not exist
//! is refused. The classes are the two every cluster has, which the API server creates at
//! start-up (`system-cluster-critical`, `system-node-critical`), and the PriorityClass
//! objects applied (`api/priorityclass.rs`). The plugin's checks of a PriorityClass itself
//! (one global default) are in `api/priorityclass.rs`.

use k8s_openapi::api::core::v1::Pod;

/// The built-in classes (`scheduling.SystemPriorityClasses`): name and value. Their
/// preemption policy is the default, `PreemptLowerPriority`.
pub const SYSTEM_PRIORITY_CLASSES: [(&str, i32); 2] = [
    ("system-node-critical", 2_000_001_000),
    ("system-cluster-critical", 2_000_000_000),
];

/// `scheduling.DefaultPriorityWhenNoDefaultClassExists`.
pub const DEFAULT_PRIORITY: i32 = 0;
pub const PREEMPT_LOWER_PRIORITY: &str = "PreemptLowerPriority";

/// A PriorityClass as the plugin reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Class {
    pub name: String,
    pub value: i32,
    pub global_default: bool,
    /// Defaulted to `PreemptLowerPriority` when the class was stored.
    pub preemption_policy: String,
}

impl Class {
    /// The built-in classes.
    pub fn system() -> Vec<Class> {
        SYSTEM_PRIORITY_CLASSES
            .iter()
            .map(|(name, value)| Class {
                name: name.to_string(),
                value: *value,
                global_default: false,
                preemption_policy: PREEMPT_LOWER_PRIORITY.into(),
            })
            .collect()
    }
}

/// `getDefaultPriorityClass`: the class marked `globalDefault`; should several be (a race
/// upstream), the one with the lowest value.
pub fn default_class(classes: &[Class]) -> Option<&Class> {
    classes
        .iter()
        .filter(|c| c.global_default)
        .fold(None, |best: Option<&Class>, c| match best {
            Some(b) if b.value <= c.value => Some(b),
            _ => Some(c),
        })
}

/// `admitPod` on create, against the classes that exist. `Err` is the reason the pod is
/// forbidden (the caller prefixes `pods "<name>" is forbidden: `).
pub fn admit_create(pod: &mut Pod, classes: &[Class]) -> Result<(), String> {
    let Some(spec) = pod.spec.as_mut() else {
        return Ok(());
    };
    let class = spec.priority_class_name.clone().unwrap_or_default();
    let (priority, policy) = if class.is_empty() {
        match default_class(classes) {
            Some(c) => {
                // `getDefaultPriority`: the pod names the default class from now on.
                spec.priority_class_name = Some(c.name.clone());
                (c.value, c.preemption_policy.clone())
            }
            None => (DEFAULT_PRIORITY, PREEMPT_LOWER_PRIORITY.to_string()),
        }
    } else {
        match classes.iter().find(|c| c.name == class) {
            Some(c) => (c.value, c.preemption_policy.clone()),
            None => return Err(format!("no PriorityClass with name {class} was found")),
        }
    };
    if let Some(given) = spec.priority.filter(|p| *p != priority) {
        return Err(format!(
            "the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name"
        ));
    }
    spec.priority = Some(priority);
    if let Some(given) = spec.preemption_policy.as_deref().filter(|p| *p != policy) {
        return Err(format!(
            "the string value of PreemptionPolicy ({given}) must not be provided in pod spec; priority admission controller computed {policy} from the given PriorityClass name"
        ));
    }
    spec.preemption_policy = Some(policy);
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
        admit_create(&mut p, &Class::system()).unwrap();
        let spec = p.spec.unwrap();
        assert_eq!(spec.priority, Some(0));
        assert_eq!(
            spec.preemption_policy.as_deref(),
            Some("PreemptLowerPriority")
        );
        let mut p = pod(Some("system-node-critical"), None);
        admit_create(&mut p, &Class::system()).unwrap();
        assert_eq!(p.spec.unwrap().priority, Some(2_000_001_000));
        // Admitting twice changes nothing (the controller's pods pass once more).
        let mut p = pod(Some("system-cluster-critical"), None);
        admit_create(&mut p, &Class::system()).unwrap();
        admit_create(&mut p, &Class::system()).unwrap();
        assert_eq!(p.spec.unwrap().priority, Some(2_000_000_000));
    }

    #[test]
    fn unknown_classes_and_other_priorities_are_forbidden() {
        assert_eq!(
            admit_create(&mut pod(Some("nope"), None), &Class::system()),
            Err("no PriorityClass with name nope was found".into())
        );
        assert_eq!(
            admit_create(&mut pod(None, Some(5)), &Class::system()),
            Err("the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name".into())
        );
    }

    #[test]
    fn a_stored_class_and_the_global_default_give_priority_and_policy() {
        let mut classes = Class::system();
        classes.push(Class {
            name: "high".into(),
            value: 1_000_000,
            global_default: false,
            preemption_policy: "Never".into(),
        });
        classes.push(Class {
            name: "low".into(),
            value: 10,
            global_default: true,
            preemption_policy: PREEMPT_LOWER_PRIORITY.into(),
        });
        let mut p = pod(Some("high"), None);
        admit_create(&mut p, &classes).unwrap();
        let spec = p.spec.unwrap();
        assert_eq!(spec.priority, Some(1_000_000));
        assert_eq!(spec.preemption_policy.as_deref(), Some("Never"));
        let mut p = pod(None, None);
        admit_create(&mut p, &classes).unwrap();
        admit_create(&mut p, &classes).unwrap();
        let spec = p.spec.unwrap();
        assert_eq!(spec.priority_class_name.as_deref(), Some("low"));
        assert_eq!(spec.priority, Some(10));
    }
}
