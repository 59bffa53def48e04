//! The simulated cluster.

pub mod api;
