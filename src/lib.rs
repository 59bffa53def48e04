//! scn: scenario tests for Kubernetes StatefulSets against a deterministic simulation.
//!
//! A `.scn` file applies manifests, changes the cluster (scale, patch, delete, faults), and
//! states what must hold (`expect`, `await`). The `scn` binary runs such files; this crate
//! runs them from `cargo test` and exposes the simulation itself. See ARCHITECTURE.md for
//! the map of the crate and docs/language.md for the language.
//!
//! # The public API and its features
//!
//! Public: [`lang::parse`] and its syntax tree ([`lang::ast`], [`lang::error`]); [`runner`]
//! (discover, load, run, check, list and report files); [`sim::World`] with its store,
//! [`sim::Config`] and [`sim::SimError`]; [`kubectl::client`], the requests kubectl sends;
//! [`diagnostic::render`]; `harness` (feature `harness`) and `cli` (feature `cli`, what the
//! `scn` binary runs). Everything else is the crate's own. Both features are on by
//! default; without them (`default-features = false`) the crate pulls no clap, indicatif,
//! mimalloc or libtest-mimic.
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
//! # One scenario from its text
//!
//! [`runner::load::load_source`] loads a text as if read from a file (the manifests are
//! `"""` blocks here), [`runner::exec::run_scenario`] runs one of its scenarios:
//!
//! ```
//! use std::path::Path;
//! use kscn::runner::{exec, load, Status};
//!
//! let source = r#"
//! scenario "pods start in order" {
//!   apply """
//!     apiVersion: apps/v1
//!     kind: StatefulSet
//!     metadata:
//!       name: web
//!     spec:
//!       replicas: 2
//!       selector:
//!         matchLabels: {app: web}
//!       template:
//!         metadata:
//!           labels: {app: web}
//!         spec:
//!           containers:
//!           - name: nginx
//!             image: nginx:1.27
//!     """
//!   await statefulset/web ready
//!   expect pods == [web-0, web-1]
//! }
//! "#;
//! let file = load::load_source(Path::new("inline.scn"), "inline.scn", source.to_string())
//!     .expect("it loads");
//! let result = exec::run_scenario(&file, 0);
//! assert!(matches!(result.status, Status::Passed));
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
//! use kscn::sim::{Config, RequestError, World};
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
//! assert_eq!(world.store.pods().keys().collect::<Vec<_>>(), ["web-0", "web-1", "web-2"]);
//! assert_eq!(world.now, kscn::sim::clock::Millis::secs(6));
//!
//! // A refusal is an answer, with kube-apiserver's text.
//! let typo = json!({
//!     "apiVersion": "apps/v1", "kind": "StatefulSet",
//!     "metadata": {"name": "db"}, "spec": {"replica": 1}
//! });
//! let Err(RequestError::Api(refusal)) = client::apply(&mut world, &typo, "db.yaml") else {
//!     panic!("strict decoding refuses unknown fields");
//! };
//! assert!(refusal.message.contains("unknown field \"spec.replica\""));
//! // The API server's text is kubectl's; scn's guess at the meant field is its own.
//! let hints = client::unknown_field_hints(
//!     &kscn::sim::kinds::ObjectKind::StatefulSet,
//!     &typo,
//!     &client::unknown_fields_named(&refusal.message),
//! );
//! assert_eq!(hints, ["unknown field \"spec.replica\": did you mean \"replicas\"?"]);
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

// The public API is what an embedder needs: `lang::parse`, `runner` (load, run, report),
// `sim::World` and `kubectl::client` to act on it, `harness`, `diagnostic`. The rest is the
// crate's own (`pub(crate)`), and the command line is the `cli` feature's.
#[cfg(feature = "cli")]
pub mod cli;
pub mod diagnostic;
#[cfg(feature = "cli")]
pub(crate) mod grade;
#[cfg(feature = "harness")]
pub mod harness;
#[cfg(feature = "cli")]
pub(crate) mod init;
pub mod kubectl;
pub mod lang;
pub(crate) mod quantity;
pub mod runner;
pub mod sim;
pub(crate) mod suggest;

#[cfg(test)]
mod tests {
    /// The README's Rust examples are the crate docs' own, which `cargo test --doc`
    /// compiles (and runs, unless marked `no_run`).
    #[test]
    fn the_readme_rust_examples_are_doc_tests() {
        let docs: Vec<&str> = include_str!("lib.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//!"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        let docs = docs.join("\n");
        let readme = include_str!("../README.md");
        let mut blocks = 0;
        for block in readme.split("```rust\n").skip(1) {
            let body = block.split("\n```").next().unwrap_or_default();
            assert!(
                docs.contains(body),
                "a README example is not in lib.rs's docs:\n{body}"
            );
            blocks += 1;
        }
        assert!(blocks >= 2, "{blocks} Rust examples in the README");
    }
}
