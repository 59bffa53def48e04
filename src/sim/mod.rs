//! The simulated cluster.
//!
//! Built as Kubernetes is: an API server over a store (`server`, `store`, `api`),
//! controllers that reconcile (`controllers`), a scheduler, a kubelet per node, and IPAM.
//! Everything lives in one [`world::World`]; time is virtual (`clock`).
//!
//! Architecture invariant: nothing here knows the language of `lang`, nor uses `lang`,
//! `runner`, `grade` or `kubectl` (checked by `layering` tests in `lib.rs`).

pub(crate) mod api;
pub(crate) mod bootstrap;
pub mod clock;
pub(crate) mod components;
pub(crate) mod controllers;
pub(crate) mod dns;
pub mod error;
pub(crate) mod events;
pub(crate) mod faults;
pub(crate) mod ipam;
pub mod kinds;
pub(crate) mod kubelet;
pub(crate) mod labels;
pub(crate) mod meta;
pub(crate) mod mutants;
pub(crate) mod node_status;
pub(crate) mod nodes;
pub(crate) mod podutil;
pub(crate) mod scheduler;
pub(crate) mod server;
/// The API server's storage (re-exported from `server`, which alone writes it).
pub mod store {
    pub use super::server::store::{GenericObject, Object, Objects, Store, Stored};
}
pub(crate) mod trace;
pub(crate) mod uid;
pub(crate) mod volumes;
pub(crate) mod workqueue;
pub(crate) mod world;

pub use error::{Limit, SimError};
pub use mutants::Mutant;
pub use server::{ApiError, RequestError};
pub use world::{Config, World};

/// A duration in milliseconds, compactly: `1h2m3s500ms`, `0s` (`Millis`'s `Display`).
pub fn clock_fmt(ms: clock::Millis) -> String {
    ms.to_string()
}
