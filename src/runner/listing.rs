//! `scn list` and `scn check`: what a run would do, without running anything.

use std::path::PathBuf;

use rayon::prelude::*;

use super::load::{self, LoadError, LoadedFile};
use super::report::{self, Palette};
use super::{plan, RunOptions};

/// What a command prints and its exit code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Printed {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

fn load_all(files: &[(PathBuf, String)]) -> Vec<Result<LoadedFile, Vec<LoadError>>> {
    files
        .par_iter()
        .map(|(path, shown)| load::load(path, shown))
        .collect()
}

/// `path::title [tag, tag]` (no brackets without tags).
pub fn scenario_line(file: &LoadedFile, index: usize) -> String {
    let scenario = &file.ast.scenarios[index];
    if scenario.tags.is_empty() {
        format!("{}::{}", file.display, scenario.title)
    } else {
        format!(
            "{}::{} [{}]",
            file.display,
            scenario.title,
            scenario.tags.join(", ")
        )
    }
}

/// `scn list`: every scenario a run with these options would start, one per line, in
/// run order, on stdout; load errors on stderr and exit 2.
pub fn list(files: &[(PathBuf, String)], options: &RunOptions, palette: Palette) -> Printed {
    let loaded = load_all(files);
    let mut printed = Printed::default();
    for (i, s) in plan::jobs(&loaded, options) {
        if let Ok(file) = &loaded[i] {
            printed.stdout.push_str(&scenario_line(file, s));
            printed.stdout.push('\n');
        }
    }
    for (l, (_, shown)) in loaded.iter().zip(files) {
        if let Err(errors) = l {
            printed
                .stderr
                .push_str(&report::render_load_errors(shown, errors, palette));
            printed.code = 2;
        }
    }
    printed
}

/// `scn check`: parses and loads every file (manifests, `"""` blocks, patches) and dry-runs
/// its manifests (`dry_run`) without running a scenario; `ok PATH` per good file, the
/// diagnostics of the others, exit 2 if any failed.
pub fn check(files: &[(PathBuf, String)], palette: Palette) -> Printed {
    let mut printed = Printed::default();
    for (l, (_, shown)) in load_all(files).iter().zip(files) {
        let refused = match l {
            Ok(file) => super::dry_run::check(file),
            Err(_) => Vec::new(),
        };
        match l {
            Ok(_) if refused.is_empty() => printed.stdout.push_str(&format!("ok {shown}\n")),
            Ok(_) => {
                printed
                    .stdout
                    .push_str(&report::render_load_errors(shown, &refused, palette));
                printed.code = 2;
            }
            Err(errors) => {
                printed
                    .stdout
                    .push_str(&report::render_load_errors(shown, errors, palette));
                printed.code = 2;
            }
        }
    }
    printed
}
