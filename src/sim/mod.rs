//! The simulated cluster.
//!
//! Built as Kubernetes is: an API server over a store (`server`, `store`, `api`),
//! controllers that reconcile (`controllers`), a scheduler, a kubelet per node, and IPAM.
//! Everything lives in one [`world::World`]; time is virtual (`clock`).
//!
//! Architecture invariant: nothing here knows the `.scn` language.

pub mod api;
pub mod bootstrap;
pub mod clock;
pub mod components;
pub mod controllers;
pub mod dns;
pub mod error;
pub mod events;
pub mod faults;
pub mod ipam;
pub mod kinds;
pub mod kubelet;
pub mod labels;
pub mod meta;
pub mod mutants;
pub mod nodes;
pub mod podutil;
pub mod scheduler;
pub mod server;
pub mod store;
pub mod trace;
pub mod volumes;
pub mod world;

pub use error::SimError;
pub use mutants::Mutant;
pub use world::{Config, World};

/// A duration in milliseconds as the language writes it: `1h2m3s500ms`, `0s`.
pub fn clock_fmt(ms: clock::Millis) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, milli) = (rest / 1000, rest % 1000);
    let mut out = String::new();
    for (n, unit) in [(h, "h"), (m, "m"), (s, "s"), (milli, "ms")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}
