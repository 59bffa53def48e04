//! What running a scenario produced.

use crate::lang::ast::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Passed,
    Failed(Box<Failure>),
}

/// A failed statement: where, what, and what the cluster looked like.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Failure {
    pub span: Span,
    /// The statement's source text (its first line).
    pub statement: String,
    /// One sentence: what went wrong.
    pub message: String,
    /// Expected and actual, as lines, when the failure is a comparison.
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// Virtual time of the failure, as the language writes durations.
    pub at: String,
    /// `kubectl get pods -o wide` at that moment.
    pub snapshot: String,
    /// What `scn run --bless` would write, for a failed expectation; `None` when the
    /// scenario failed for another reason (a refused action, a timeout, a limit).
    pub bless: Option<super::bless::Blessing>,
    /// One-line notes under the diff where a misunderstanding is likely (`runner::notes`).
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioResult {
    pub title: String,
    pub tags: Vec<String>,
    pub status: Status,
    /// Wall-clock time in milliseconds (the one nondeterministic field).
    pub duration_ms: u128,
}
