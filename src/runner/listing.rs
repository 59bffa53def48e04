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
    if printed.stdout.is_empty() {
        if let Some(note) = nothing_selected(files, options) {
            printed.stderr.push_str(&note);
            printed.stderr.push('\n');
        }
    }
    printed
}

/// What `--filter`, `--tag` or `--shard` matched nothing of, as a note for stderr: the
/// selectors, how many scenarios the files hold, and the tags they use. `None` when a
/// scenario is selected, no selector was given, or no file loaded a scenario. A run that
/// selects nothing still exits 0, as `cargo test FILTER` (libtest) does.
pub fn nothing_selected(files: &[(PathBuf, String)], options: &RunOptions) -> Option<String> {
    if options.filter.is_none() && options.tags.is_empty() && options.shard.is_none() {
        return None;
    }
    let loaded = load_all(files);
    let scenarios: Vec<(&LoadedFile, usize)> = loaded
        .iter()
        .filter_map(|l| l.as_ref().ok())
        .flat_map(|f| (0..f.ast.scenarios.len()).map(move |s| (f, s)))
        .collect();
    if scenarios.is_empty() || !plan::jobs(&loaded, options).is_empty() {
        return None;
    }
    let unsharded = RunOptions {
        shard: None,
        ..options.clone()
    };
    let selected = plan::jobs(&loaded, &unsharded).len();
    let count = |n: usize| format!("{n} scenario{}", if n == 1 { "" } else { "s" });
    if selected > 0 {
        let shard = options.shard.map(|s| s.to_string()).unwrap_or_default();
        return Some(format!(
            "note: shard {shard} has no scenario: only {} {} selected",
            count(selected),
            if selected == 1 { "was" } else { "were" }
        ));
    }
    let mut what = Vec::new();
    if let Some(filter) = &options.filter {
        what.push(format!(
            "--filter {filter:?} (matched against `path::title`)"
        ));
    }
    if !options.tags.is_empty() {
        let tags: Vec<String> = options.tags.iter().map(|t| format!("--tag {t}")).collect();
        what.push(tags.join(" or "));
    }
    let mut tags: Vec<&str> = scenarios
        .iter()
        .flat_map(|(f, s)| f.ast.scenarios[*s].tags.iter().map(String::as_str))
        .collect();
    tags.sort_unstable();
    tags.dedup();
    let tags = if tags.is_empty() {
        "none of them has a tag".to_string()
    } else {
        format!("their tags: {}", tags.join(", "))
    };
    Some(format!(
        "note: no scenario matched {} among {}; {tags} (`scn list` shows them all)",
        what.join(" and "),
        count(scenarios.len())
    ))
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
