//! How the runner words what stopped the simulation. The simulation says which budget ran
//! out ([`Limit`]); the runner names the `cluster` block setting that raises it.

use crate::sim::error::Limit;
use crate::sim::SimError;

/// The failure message for a simulation error, as `scn run` shows it.
pub fn message(e: &SimError) -> String {
    match e {
        SimError::Limit { limit, max } => format!(
            "limit reached: the scenario needs {}; {}",
            SimError::limit_text(*limit, *max),
            match limit {
                // Nothing to raise past the largest `max-time`.
                Limit::Time if *max >= crate::lang::MAX_DURATION_MS => {
                    "that is the largest `max-time` (1000000h): look for a `wait`, `await` or \
                     `drain` that never ends"
                }
                _ => hint(*limit),
            }
        ),
        SimError::Config(_) => e.to_string(),
    }
}

/// The setting that raises a limit.
fn hint(limit: Limit) -> &'static str {
    match limit {
        Limit::Events => {
            "raise it with `max-events N` in the cluster block, or look for a controller that \
             never settles"
        }
        Limit::Objects => {
            "raise it with `max-pods N` in the cluster block (objects may be ten times as many \
             as pods)"
        }
        Limit::Pods => "raise it with `max-pods N` in the cluster block",
        Limit::Time => "raise it with `max-time D` in the cluster block",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_names_the_setting_that_raises_it() {
        assert_eq!(
            message(&SimError::limit(Limit::Pods, 3)),
            "limit reached: the scenario needs more than 3 pods; raise it with `max-pods N` in \
             the cluster block"
        );
        assert_eq!(
            message(&SimError::limit(Limit::Time, 3_600_000)),
            "limit reached: the scenario needs more than 1h of virtual time; raise it with \
             `max-time D` in the cluster block"
        );
        assert!(message(&SimError::limit(Limit::Events, 20)).contains("`max-events N`"));
        // At the largest `max-time`, "raise it" would send the author nowhere.
        let at_most = message(&SimError::limit(Limit::Time, 1_000_000 * 3_600_000));
        assert!(
            at_most.contains("that is the largest `max-time`"),
            "{at_most}"
        );
        assert!(!at_most.contains("raise it"), "{at_most}");
        assert!(message(&SimError::limit(Limit::Objects, 20))
            .starts_with("limit reached: the scenario needs more than 20 objects (of any kind)"));
        // The simulation's own text names no setting of the language.
        let plain = SimError::limit(Limit::Pods, 3).to_string();
        assert_eq!(plain, "limit reached: the run needs more than 3 pods");
    }
}
