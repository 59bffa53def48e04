//! Errors the simulation itself raises (as opposed to API refusals, which are answers).

use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum SimError {
    /// A limit of the cluster block was reached.
    Limit {
        what: &'static str,
        limit: String,
        hint: String,
    },
    /// The cluster block asks for something the simulation cannot build.
    Config(String),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Limit { what, limit, hint } => {
                write!(
                    f,
                    "limit reached: the scenario needs more than {limit} {what}; {hint}"
                )
            }
            SimError::Config(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for SimError {}
