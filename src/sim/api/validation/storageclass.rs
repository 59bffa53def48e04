//! StorageClass validation (`pkg/apis/storage/validation`: `ValidateStorageClass`,
//! `ValidateStorageClassUpdate`).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::TopologySelectorTerm;
use k8s_openapi::api::storage::v1::StorageClass;

use super::super::field_error::{quote, FieldError};
use super::names::qualified_name_errors;
use super::taint::label_name_errors;

const RECLAIM_POLICIES: [&str; 2] = ["Delete", "Retain"];
const BINDING_MODES: [&str; 2] = ["Immediate", "WaitForFirstConsumer"];
/// `maxProvisionerParameterLen` and `maxProvisionerParameterSize` (256 KiB).
const MAX_PARAMETERS: usize = 512;
const MAX_PARAMETERS_SIZE: usize = 256 << 10;

/// A new (defaulted) class: a name, a provisioner that is a qualified name, a supported
/// reclaim policy and binding mode.
pub fn validate_storage_class(class: &StorageClass) -> Vec<FieldError> {
    // `ValidateObjectMeta`: the name, labels, annotations.
    let mut errs = super::objectmeta::validate_object_meta("StorageClass", &class.metadata);
    if class.provisioner.is_empty() {
        errs.push(FieldError::required("provisioner", ""));
    } else {
        for msg in qualified_name_errors(&class.provisioner.to_lowercase()) {
            errs.push(FieldError::invalid_str(
                "provisioner",
                &class.provisioner.to_lowercase(),
                msg,
            ));
        }
    }
    // `validateParameters`: at most 512 parameters, no empty key, 256 KiB of keys and values.
    let parameters = class.parameters.as_ref();
    if parameters.is_some_and(|p| p.len() > MAX_PARAMETERS) {
        errs.push(FieldError::too_long("parameters", MAX_PARAMETERS));
    } else if let Some(parameters) = parameters {
        if parameters.contains_key("") {
            errs.push(FieldError::invalid_str(
                "parameters",
                "",
                "field can not be empty.",
            ));
        }
        let size: usize = parameters.iter().map(|(k, v)| k.len() + v.len()).sum();
        if size > MAX_PARAMETERS_SIZE {
            errs.push(FieldError::too_long("parameters", MAX_PARAMETERS_SIZE));
        }
    }
    if let Some(policy) = class.reclaim_policy.as_deref() {
        if !policy.is_empty() && !RECLAIM_POLICIES.contains(&policy) {
            errs.push(FieldError::unsupported(
                "reclaimPolicy",
                policy,
                &RECLAIM_POLICIES,
            ));
        }
    }
    match class.volume_binding_mode.as_deref() {
        None => errs.push(FieldError::required("volumeBindingMode", "")),
        Some(mode) if !BINDING_MODES.contains(&mode) => errs.push(FieldError::unsupported(
            "volumeBindingMode",
            mode,
            &BINDING_MODES,
        )),
        Some(_) => {}
    }
    errs.extend(allowed_topologies_errors(
        class.allowed_topologies.as_deref().unwrap_or_default(),
    ));
    errs
}

/// `validateAllowedTopologies`: each term's label requirements (`ValidateTopologySelectorTerm`:
/// values required and distinct, a label-name key, no key twice), and no two terms alike
/// (`Duplicate value: ""` at the later term's `matchLabelExpressions`). Upstream starts its
/// list of seen terms with one empty entry per term and compares them semantically (nil and
/// empty alike), so a term without requirements is always a duplicate.
fn allowed_topologies_errors(terms: &[TopologySelectorTerm]) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut seen: Vec<BTreeMap<&str, BTreeSet<&str>>> = Vec::new();
    for (i, term) in terms.iter().enumerate() {
        let at = format!("allowedTopologies[{i}].matchLabelExpressions");
        let mut keys: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (j, requirement) in term.match_label_expressions.iter().flatten().enumerate() {
            let path = format!("{at}[{j}]");
            let mut values = BTreeSet::new();
            if requirement.values.is_empty() {
                errs.push(FieldError::required(format!("{path}.values"), ""));
            }
            for (k, value) in requirement.values.iter().enumerate() {
                if !values.insert(value.as_str()) {
                    errs.push(FieldError::duplicate(format!("{path}.values[{k}]"), value));
                }
            }
            errs.extend(label_name_errors(&requirement.key, &format!("{path}.key")));
            if keys.contains_key(requirement.key.as_str()) {
                errs.push(FieldError::duplicate(
                    format!("{path}.key"),
                    &requirement.key,
                ));
            }
            keys.insert(&requirement.key, values);
        }
        if keys.is_empty() || seen.contains(&keys) {
            errs.push(FieldError::duplicate(at, ""));
        }
        seen.push(keys);
    }
    errs
}

/// An update: what provisions and how may not change (parameters, provisioner, reclaim
/// policy, binding mode); labels, annotations and `allowVolumeExpansion` may.
pub fn validate_storage_class_update(new: &StorageClass, old: &StorageClass) -> Vec<FieldError> {
    let mut errs = validate_storage_class(new);
    let parameters = |c: &StorageClass| c.parameters.clone().filter(|p| !p.is_empty());
    // Upstream's three checks share one wording: `updates to <field> are forbidden.`
    let fixed = [
        ("parameters", parameters(new) != parameters(old)),
        ("provisioner", new.provisioner != old.provisioner),
        ("reclaimPolicy", new.reclaim_policy != old.reclaim_policy),
    ];
    for (field, changed) in fixed {
        if changed {
            errs.push(FieldError::forbidden(
                field,
                format!("updates to {field} are forbidden."),
            ));
        }
    }
    if new.volume_binding_mode != old.volume_binding_mode {
        errs.push(FieldError::invalid(
            "volumeBindingMode",
            new.volume_binding_mode
                .as_deref()
                .map_or_else(|| "null".to_string(), quote),
            "field is immutable",
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn class(v: serde_json::Value) -> StorageClass {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn what_provisions_cannot_change() {
        let old = class(
            json!({"metadata": {"name": "gp2"}, "provisioner": "ebs.csi.aws.com",
            "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
            "parameters": {"type": "gp2"}}),
        );
        assert!(validate_storage_class_update(&old, &old).is_empty());
        let new = class(
            json!({"metadata": {"name": "gp2"}, "provisioner": "ebs.csi.aws.com",
            "reclaimPolicy": "Retain", "volumeBindingMode": "WaitForFirstConsumer",
            "parameters": {"type": "gp3"}, "allowVolumeExpansion": true}),
        );
        let messages: Vec<String> = validate_storage_class_update(&new, &old)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            messages,
            [
                "parameters: Forbidden: updates to parameters are forbidden.",
                "reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.",
                "volumeBindingMode: Invalid value: \"WaitForFirstConsumer\": field is immutable"
            ]
        );
    }

    #[test]
    fn a_class_needs_a_provisioner_and_known_modes() {
        let bad = class(json!({"metadata": {"name": "x"}, "provisioner": "",
            "reclaimPolicy": "Recycle", "volumeBindingMode": "Later"}));
        let messages: Vec<String> = validate_storage_class(&bad)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            messages,
            [
                "provisioner: Required value",
                "reclaimPolicy: Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\"",
                "volumeBindingMode: Unsupported value: \"Later\": supported values: \"Immediate\", \"WaitForFirstConsumer\""
            ]
        );
    }
}
