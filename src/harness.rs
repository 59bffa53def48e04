//! A `cargo test` harness for `.scn` files: every scenario under a folder becomes one test
//! named `<path>::<title>` (libtest-mimic: filterable, `--list`, `--exact`, `--ignored`
//! does nothing special). A file that does not load is one failing test, `<path>::(load)`,
//! whose message is the located error.
//!
//! In another crate, `tests/scenarios.rs`:
//!
//! ```no_run
//! fn main() {
//!     kscn::harness::main("scenarios");
//! }
//! ```
//!
//! with, in its `Cargo.toml`, `[[test]] name = "scenarios"` and `harness = false`
//! (`scn init` writes both).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};

use crate::runner::{self, exec, load, report, Status};

/// Runs every scenario under `folder` (relative to the current folder, which `cargo test`
/// sets to the package root) as tests, with the command line's arguments, and exits.
pub fn main(folder: impl AsRef<Path>) -> ! {
    let args = Arguments::from_args();
    let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    libtest_mimic::run(&args, trials(&root, &root.join(folder.as_ref()))).exit()
}

/// The tests for every `.scn` file under `folder`, named by their path relative to `root`.
/// A missing folder is one failing test that says so.
pub fn trials(root: &Path, folder: &Path) -> Vec<Trial> {
    let files = match runner::discover(&[folder.to_path_buf()]) {
        Ok(files) => files,
        Err(missing) => {
            let message = format!(
                "no such folder: {} (the scenarios are looked for relative to {})",
                missing.0,
                root.display()
            );
            return vec![Trial::test("(scenarios folder)", move || {
                Err(Failed::from(message))
            })];
        }
    };
    let mut trials = Vec::new();
    for (path, _) in files {
        let shown = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        match load::load(&path, &shown) {
            Ok(file) => {
                let file = Arc::new(file);
                for (index, scenario) in file.ast.scenarios.iter().enumerate() {
                    let file = file.clone();
                    let name = format!("{shown}::{}", scenario.title);
                    trials.push(
                        Trial::test(name, move || {
                            let result = exec::run_scenario(&file, index);
                            match &result.status {
                                Status::Passed => Ok(()),
                                Status::Failed(_) => Err(Failed::from(report::render_scenario(
                                    &file.display,
                                    &result,
                                    report::Palette { color: false },
                                ))),
                            }
                        })
                        .with_kind(scenario.tags.join(",")),
                    );
                }
            }
            Err(errors) => {
                let text =
                    report::render_load_errors(&shown, &errors, report::Palette { color: false });
                trials.push(Trial::test(format!("{shown}::(load)"), move || {
                    Err(Failed::from(text))
                }));
            }
        }
    }
    trials
}
