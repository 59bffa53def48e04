//! scn: scenario tests for Kubernetes StatefulSets against a deterministic simulation.
//!
//! A `.scn` file applies manifests, changes the cluster (scale, patch, delete, faults), and
//! states what must hold (`expect`, `await`). The `scn` binary runs such files; this crate
//! runs them from `cargo test` and exposes the simulation itself. See ARCHITECTURE.md for
//! the map of the crate and docs/language.md for the language.
//!
//! # Scenarios as `cargo test` tests
//!
//! `scn init` sets a crate up (or do it by hand): `scenarios/*.scn`, a dev-dependency on
//! `kscn`, a `[[test]] name = "scenarios"` entry with `harness = false` in `Cargo.toml`, and
//! this `tests/scenarios.rs`:
//!
//! ```no_run
//! fn main() {
//!     kscn::harness::main("scenarios");
//! }
//! ```
//!
//! Every scenario becomes one test named `<path>::<title>`; `cargo test --test scenarios
//! -- rolling` filters as usual. A file that does not load is one failing test whose
//! message is the located error.
//!
//! # Running files from Rust
//!
//! [`runner::discover`] finds `.scn` files, [`runner::run`] loads and runs them (in
//! parallel, results in file order), [`runner::report::render`] prints the report and
//! [`runner::exit_code`] gives 0 (all passed), 1 (a scenario failed) or 2 (a file could
//! not be loaded). [`runner::load::load_source`] and [`runner::exec::run_scenario`] do the
//! same for one text and one scenario.
//!
//! ```no_run
//! use std::path::PathBuf;
//! use kscn::runner::{self, report, RunOptions};
//!
//! let files = runner::discover(&[PathBuf::from("scenarios")]).expect("the folder exists");
//! let outcomes = runner::run(&files, &RunOptions::default());
//! print!("{}", report::render(&outcomes, report::Palette { color: false }));
//! std::process::exit(runner::exit_code(&outcomes));
//! ```
//!
//! # The simulation from Rust
//!
//! A [`sim::World`] is a whole cluster (API server, StatefulSet controller, scheduler,
//! kubelet, …) in virtual time. [`kubectl::client`] sends the requests kubectl would;
//! `settle` runs everything due at the current instant, `step` moves to the next timer.
//! The same input gives the same output, byte for byte.
//!
//! ```
//! use kscn::kubectl::client;
//! use kscn::sim::{server, Config, World};
//! use serde_json::json;
//!
//! let mut world = World::new(Config::default()).expect("the default cluster builds");
//! let web = json!({
//!     "apiVersion": "apps/v1",
//!     "kind": "StatefulSet",
//!     "metadata": {"name": "web"},
//!     "spec": {
//!         "replicas": 3,
//!         "selector": {"matchLabels": {"app": "web"}},
//!         "template": {
//!             "metadata": {"labels": {"app": "web"}},
//!             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}
//!         }
//!     }
//! });
//! client::apply(&mut world, &web, "web.yaml").expect("the API server accepts it");
//! world.settle().expect("no limit reached");
//! while world.step().expect("no limit reached") {}
//! // OrderedReady: three pods, one after the other, 2 s each.
//! assert_eq!(world.store.pods.keys().collect::<Vec<_>>(), ["web-0", "web-1", "web-2"]);
//! assert_eq!(world.now, 6_000);
//!
//! // A refusal is an answer, with kube-apiserver's text.
//! let typo = json!({
//!     "apiVersion": "apps/v1", "kind": "StatefulSet",
//!     "metadata": {"name": "db"}, "spec": {"replica": 1}
//! });
//! let Err(server::RequestError::Api(refusal)) = client::apply(&mut world, &typo, "db.yaml") else {
//!     panic!("strict decoding refuses unknown fields");
//! };
//! assert!(refusal.message.contains("unknown field \"spec.replica\""));
//! assert!(refusal.message.contains("did you mean \"replicas\"?"));
//! ```
//!
//! # Diagnostics
//!
//! Every error scn reports is located and worded: `file:line:col` (in the `.scn` file, or
//! in the manifest file a YAML error is in), the line with a caret, and a hint where one
//! helps, "did you mean" included (for statements, kinds, queries, faults, table columns,
//! settings and unknown manifest fields). [`diagnostic::render`] prints them; the
//! catalogue of every error kind is pinned in `tests/error_catalog.rs`. No input makes scn
//! panic or hang: limits (`max-pods`, `max-time`, `max-events`) end runaway scenarios with
//! a message.

// The docs show `tests/scenarios.rs` whole, `fn main` included, as a user writes it.
#![allow(clippy::needless_doctest_main)]

pub mod diagnostic;
pub mod grade;
pub mod harness;
pub mod init;
pub mod kubectl;
pub mod lang;
pub mod runner;
pub mod sim;
pub mod suggest;
