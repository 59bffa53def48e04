//! scn: scenario tests for Kubernetes StatefulSets against a deterministic simulation.
//!
//! See ARCHITECTURE.md for the map of the crate.

pub mod diagnostic;
pub mod grade;
pub mod kubectl;
pub mod lang;
pub mod runner;
pub mod sim;
