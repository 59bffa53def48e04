//! `validateTopologySpreadConstraints` (`pkg/apis/core/validation`): each constraint has a
//! positive `maxSkew`, a `topologyKey`, a known `whenUnsatisfiable`, a positive
//! `minDomains` only with `DoNotSchedule`, known node inclusion policies, `matchLabelKeys`
//! checked as for pod affinity terms, and a valid label selector; no two
//! constraints share a `{topologyKey, whenUnsatisfiable}` pair.

use k8s_openapi::api::core::v1::TopologySpreadConstraint;

use super::super::field_error::FieldError;
use super::affinity::match_and_mismatch_label_keys;
use super::selector::validate_label_selector;

const NOT_POSITIVE_MSG: &str = "must be greater than zero";
/// `supportedScheduleActions`, sorted as upstream lists a set.
const SCHEDULE_ACTIONS: [&str; 2] = ["DoNotSchedule", "ScheduleAnyway"];
/// `supportedPodTopologySpreadNodePolicies`, sorted.
const NODE_INCLUSION_POLICIES: [&str; 2] = ["Honor", "Ignore"];

pub(super) fn validate_topology_spread_constraints(
    constraints: &[TopologySpreadConstraint],
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (i, c) in constraints.iter().enumerate() {
        let cp = format!("{path}[{i}]");
        if c.max_skew <= 0 {
            errs.push(FieldError::invalid(
                format!("{cp}.maxSkew"),
                c.max_skew.to_string(),
                NOT_POSITIVE_MSG,
            ));
        }
        if c.topology_key.is_empty() {
            errs.push(FieldError::required(
                format!("{cp}.topologyKey"),
                "can not be empty",
            ));
        }
        errs.extend(FieldError::unless_supported(
            c.when_unsatisfiable.as_str(),
            &SCHEDULE_ACTIONS,
            || format!("{cp}.whenUnsatisfiable"),
        ));
        // The tuple {topologyKey, whenUnsatisfiable} is one kind of spread; the first of a
        // repeated pair is the one reported.
        let repeated = constraints[i + 1..].iter().any(|rest| {
            rest.topology_key == c.topology_key && rest.when_unsatisfiable == c.when_unsatisfiable
        });
        if repeated {
            errs.push(FieldError::duplicate(
                format!("{cp}.{{topologyKey, whenUnsatisfiable}}"),
                &format!("{{{}, {}}}", c.topology_key, c.when_unsatisfiable),
            ));
        }
        if let Some(min) = c.min_domains {
            let mp = format!("{cp}.minDomains");
            if min <= 0 {
                errs.push(FieldError::invalid(
                    mp.clone(),
                    min.to_string(),
                    NOT_POSITIVE_MSG,
                ));
            }
            if c.when_unsatisfiable != "DoNotSchedule" {
                errs.push(FieldError::invalid(
                    mp,
                    min.to_string(),
                    format!(
                        "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {}",
                        c.when_unsatisfiable
                    ),
                ));
            }
        }
        for (field, policy) in [
            ("nodeAffinityPolicy", c.node_affinity_policy.as_deref()),
            ("nodeTaintsPolicy", c.node_taints_policy.as_deref()),
        ] {
            if let Some(p) = policy.filter(|p| !NODE_INCLUSION_POLICIES.contains(p)) {
                errs.push(FieldError::unsupported(
                    format!("{cp}.{field}"),
                    p,
                    &NODE_INCLUSION_POLICIES,
                ));
            }
        }
        // With MatchLabelKeysInPodTopologySpreadSelectorMerge (on by default since v1.34)
        // upstream checks the keys as for pod affinity terms
        // (`validateMatchLabelKeysAndMismatchLabelKeys`): a pod's selector already holds
        // the merged `key In (value)`, so only a key the selector names twice is refused.
        errs.extend(match_and_mismatch_label_keys(
            &cp,
            c.match_label_keys.as_deref().unwrap_or(&[]),
            &[],
            c.label_selector.as_ref(),
        ));
        if let Some(selector) = &c.label_selector {
            errs.extend(validate_label_selector(selector, &format!("{cp}.labelSelector")).0);
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraint(skew: i32, key: &str, when: &str) -> TopologySpreadConstraint {
        TopologySpreadConstraint {
            max_skew: skew,
            topology_key: key.into(),
            when_unsatisfiable: when.into(),
            ..Default::default()
        }
    }

    #[test]
    fn constraints_are_checked_field_by_field() {
        let mut with_min = constraint(1, "zone", "ScheduleAnyway");
        with_min.min_domains = Some(0);
        with_min.node_taints_policy = Some("Maybe".into());
        with_min.match_label_keys = Some(vec!["app".into()]);
        let cs = [
            constraint(0, "", "Foo"),
            constraint(1, "zone", "DoNotSchedule"),
            constraint(2, "zone", "DoNotSchedule"),
            with_min,
        ];
        let texts: Vec<String> =
            validate_topology_spread_constraints(&cs, "spec.topologySpreadConstraints")
                .iter()
                .map(ToString::to_string)
                .collect();
        assert_eq!(
            texts,
            [
                "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
                "spec.topologySpreadConstraints[0].topologyKey: Required value: can not be empty",
                "spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: \"Foo\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"",
                "spec.topologySpreadConstraints[1].{topologyKey, whenUnsatisfiable}: Duplicate value: \"{zone, DoNotSchedule}\"",
                "spec.topologySpreadConstraints[3].minDomains: Invalid value: 0: must be greater than zero",
                "spec.topologySpreadConstraints[3].minDomains: Invalid value: 0: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
                "spec.topologySpreadConstraints[3].nodeTaintsPolicy: Unsupported value: \"Maybe\": supported values: \"Honor\", \"Ignore\"",
                "spec.topologySpreadConstraints[3].matchLabelKeys: Forbidden: must not be specified when labelSelector is not set",
            ]
        );
    }
}
