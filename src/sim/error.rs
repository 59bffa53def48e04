//! Errors the simulation itself raises (as opposed to API refusals, which are answers).
//!
//! A reached limit says which budget of [`Config`](super::Config) ran out and its value;
//! how to raise it is the caller's to word (the runner names its own settings).

use std::fmt;

/// A budget of [`Config`](super::Config) that ends a run when exhausted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// `Config::max_events`: units of work (timers fired, watch events, syncs).
    Events,
    /// `Config::max_objects`: objects of any kind created through the API server.
    Objects,
    /// `Config::max_pods`: pods created.
    Pods,
    /// `Config::max_time_ms`: virtual time.
    Time,
}

impl Limit {
    /// What the budget counts, as the message names it after the value.
    pub fn what(self) -> &'static str {
        match self {
            Limit::Events => "events",
            Limit::Objects => "objects (of any kind)",
            Limit::Pods => "pods",
            Limit::Time => "of virtual time",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum SimError {
    /// A budget was exhausted; `max` is its value (milliseconds for [`Limit::Time`]).
    Limit { limit: Limit, max: u64 },
    /// The configuration asks for something the simulation cannot build.
    Config(String),
}

impl SimError {
    pub fn limit(limit: Limit, max: u64) -> SimError {
        SimError::Limit { limit, max }
    }

    /// "more than 3 pods", "more than 1h of virtual time".
    pub fn limit_text(limit: Limit, max: u64) -> String {
        let value = match limit {
            Limit::Time => super::clock_fmt(super::clock::Millis::ms(max)),
            _ => max.to_string(),
        };
        format!("more than {value} {}", limit.what())
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Limit { limit, max } => {
                write!(
                    f,
                    "limit reached: the run needs {}",
                    SimError::limit_text(*limit, *max)
                )
            }
            SimError::Config(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for SimError {}
