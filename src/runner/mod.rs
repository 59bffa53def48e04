//! The runner: where the language meets the simulation. It finds `.scn` files, loads
//! them (exit-2 errors), runs every scenario in its own World in parallel, and reports.
//!
//! Architecture invariant: the runner is the only module that knows both `lang` and `sim`.

pub(crate) mod answer;
pub(crate) mod bless;
pub(crate) mod dry_run;
pub mod exec;
mod exec_check;
pub mod formats;
#[cfg(test)]
mod kinds_check;
pub(crate) mod limits;
pub(crate) mod listing;
pub mod load;
mod matches;
#[cfg(feature = "cli")]
pub(crate) mod mutants;
pub(crate) mod notes;
pub mod outcome;
pub(crate) mod paths;
pub(crate) mod plan;
pub(crate) mod project;
pub(crate) mod query;
pub(crate) mod readiness;
pub mod report;
pub(crate) mod schema;
pub(crate) mod table;
pub mod trace;
pub(crate) mod yaml_go;
pub(crate) mod yaml_limits;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use listing::{check, list, Printed};
pub use load::{listed_scenario, shell_quote, LoadError, LoadedFile};
pub use outcome::{Failure, ScenarioResult, Status};

/// One `.scn` file's results, or the errors that kept it from running.
#[derive(Clone, Debug)]
pub struct FileOutcome {
    pub display: String,
    pub result: Result<Vec<ScenarioResult>, Vec<LoadError>>,
}

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    /// Run only scenarios whose `path::title` contains this text.
    pub filter: Option<String>,
    /// Run only scenarios with any of these tags (all when empty).
    pub tags: Vec<String>,
    /// Run only this shard of the selected scenarios.
    pub shard: Option<plan::Shard>,
    /// Start no scenario after the first failure (or file that did not load).
    pub fail_fast: bool,
    /// Run with this seeded bug switched on (`--mutant`).
    pub mutant: Option<crate::sim::Mutant>,
    /// `apply submission "…"` reads from this folder (`scn run --submission DIR`), as
    /// `scn grade` does, with the same path and size rules.
    pub submission: Option<PathBuf>,
}

/// A path given on the command line that does not exist.
#[derive(Clone, Debug, PartialEq)]
pub struct MissingPath(pub String);

/// Every `.scn` file under `paths` (files as given; folders searched recursively), in
/// sorted order, each with the path reports show. What the walk skipped is said on
/// standard error (see [`discover_noting`]).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, MissingPath> {
    let mut notes = Vec::new();
    let found = discover_noting(paths, &mut notes)?;
    for note in notes {
        eprintln!("note: {note}");
    }
    Ok(found)
}

/// [`discover`], with a note for each entry the walk skipped: a link to a folder (never
/// followed, so a link loop cannot make the walk endless or list a file twice), a `.scn`
/// that is not a regular file (a FIFO would block the reader), an unreadable folder.
/// A path given by name is taken as it is: loading it says what is wrong with it.
pub fn discover_noting(
    paths: &[PathBuf],
    notes: &mut Vec<String>,
) -> Result<Vec<(PathBuf, String)>, MissingPath> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files, notes);
            files.sort();
            found.extend(files.into_iter().map(|p| {
                let d = display(&p);
                (p, d)
            }));
        } else if path.symlink_metadata().is_ok() {
            found.push((path.clone(), display(path)));
        } else {
            return Err(MissingPath(path.display().to_string()));
        }
    }
    Ok(once_each(found))
}

/// The files with a path named twice (`a.scn ./a.scn`, a folder and a file in it) kept
/// once, at its first place: each scenario runs once. Paths compare as absolute paths
/// without `.`, links unresolved: a link to a file is a file of its own, as the walk says.
fn once_each(mut found: Vec<(PathBuf, String)>) -> Vec<(PathBuf, String)> {
    let mut seen = std::collections::HashSet::new();
    found.retain(|(p, _)| {
        let key: PathBuf = std::path::absolute(p)
            .unwrap_or_else(|_| p.clone())
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        seen.insert(key)
    });
    found
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, notes: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            notes.push(format!("cannot read folder {}: {e}; skipped", display(dir)));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                notes.push(format!(
                    "cannot read an entry of {}: {e}; skipped",
                    display(dir)
                ));
                continue;
            }
        };
        let path = entry.path();
        let scn = path.extension().is_some_and(|e| e == "scn");
        let Ok(kind) = entry.file_type() else {
            notes.push(format!("cannot read {}; skipped", display(&path)));
            continue;
        };
        if kind.is_dir() {
            walk(&path, out, notes);
        } else if kind.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(target) if target.is_dir() => notes.push(format!(
                    "{} is a link to a folder; not followed",
                    display(&path)
                )),
                Ok(target) if target.is_file() && scn => out.push(path),
                Ok(target) if target.is_file() => {}
                Ok(_) if scn => notes.push(format!(
                    "{} links to something that is not a regular file; skipped",
                    display(&path)
                )),
                Err(e) if scn => notes.push(format!("{}: {e}; skipped", display(&path))),
                _ => {}
            }
        } else if scn {
            if kind.is_file() {
                out.push(path);
            } else {
                notes.push(format!(
                    "{} is not a regular file (a FIFO, a socket or a device); skipped",
                    display(&path)
                ));
            }
        }
    }
}

fn display(path: &Path) -> String {
    let shown = path.display().to_string();
    shown.strip_prefix("./").unwrap_or(&shown).to_string()
}

/// Loads and runs every scenario of `files`, in parallel; results keep file and
/// scenario order whatever the number of jobs.
pub fn run(files: &[(PathBuf, String)], options: &RunOptions) -> Vec<FileOutcome> {
    let work = || {
        if options.shard.is_none() && !options.fail_fast {
            return pipelined(files, options);
        }
        let loaded: Vec<Result<LoadedFile, Vec<LoadError>>> = files
            .par_iter()
            .map(|(path, shown)| load::load_with(path, shown, options.submission.as_deref()))
            .collect();
        let jobs = plan::jobs(&loaded, options);
        let (results, stop) = plan::execute(&loaded, &jobs, options);
        loaded
            .into_iter()
            .enumerate()
            .take(stop.map_or(usize::MAX, |last| last + 1))
            .map(|(i, l)| FileOutcome {
                display: files[i].1.clone(),
                result: l.map(|_| {
                    results
                        .iter()
                        .filter(|((fi, _), _)| *fi == i)
                        .map(|(_, r)| r.clone())
                        .collect()
                }),
            })
            .collect()
    };
    match rayon::ThreadPoolBuilder::new()
        .num_threads(clamp_jobs(options.jobs))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// [`run`] when each file's scenarios can start as soon as the file is loaded: without
/// `--shard` (which numbers the scenarios of all files) and `--fail-fast` (which runs in
/// rounds, in order). No worker waits for the last file to load.
fn pipelined(files: &[(PathBuf, String)], options: &RunOptions) -> Vec<FileOutcome> {
    files
        .par_iter()
        .map(|(path, shown)| {
            let loaded = load::load_with(path, shown, options.submission.as_deref());
            let result = loaded.map(|file| {
                let picked: Vec<usize> = (0..file.ast.scenarios.len())
                    .filter(|&s| plan::selected(&file, s, options))
                    .collect();
                picked
                    .par_iter()
                    .map(|&s| exec::run_scenario_mutant(&file, s, options.mutant))
                    .collect()
            });
            FileOutcome {
                display: shown.clone(),
                result,
            }
        })
        .collect()
}

/// The most worker threads `--jobs` starts: more than a machine's cores only costs memory
/// and thread stacks (`--jobs 100000` would start a hundred thousand threads).
pub const MAX_JOBS: usize = 256;

/// `--jobs N` as started: 0 is one per core; more than [`MAX_JOBS`] is [`MAX_JOBS`].
pub fn clamp_jobs(jobs: usize) -> usize {
    jobs.min(MAX_JOBS)
}

/// 0 all passed; 1 a scenario failed; 2 a file could not be loaded (wins over 1).
pub fn exit_code(outcomes: &[FileOutcome]) -> i32 {
    let t = report::totals(outcomes);
    if t.broken_files > 0 {
        2
    } else if t.failed > 0 {
        1
    } else {
        0
    }
}

/// Whether the file applies a submission's files (`apply submission "…"`): such a file
/// runs under `scn grade` only. A file that does not parse is not one (its errors show).
pub fn needs_submission(path: &Path) -> bool {
    // Read as the loader reads (bounded, regular files only): a FIFO or an enormous file is
    // not one, and the loader reports it.
    let Ok(bytes) = load::read_limited(path, load::MAX_SCN_BYTES) else {
        return false;
    };
    let Ok(source) = String::from_utf8(bytes) else {
        return false;
    };
    // Only a file that says `submission` can apply one: the others are not parsed twice.
    if !source.contains("submission") {
        return false;
    }
    let Ok(file) = crate::lang::parse(&source) else {
        return false;
    };
    file.setup
        .iter()
        .chain(file.scenarios.iter().flat_map(|s| s.body.iter()))
        .any(|stmt| {
            matches!(
                stmt.kind,
                crate::lang::ast::StmtKind::Apply(crate::lang::ast::ApplySource::Submission { .. })
            )
        })
}

/// The `.scn` files of the project in folder `dir` (its roots, less its excludes), as
/// [`discover`] finds them; the error says what is missing.
pub fn discover_project(dir: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let project = project::load(dir)?;
    let mut files = Vec::new();
    for root in &project.roots {
        let at = dir.join(root);
        if !at.exists() {
            return Err(if dir.join(project::CONFIG).exists() {
                format!(
                    "the root {} named in {} does not exist",
                    root.display(),
                    project::CONFIG
                )
            } else {
                format!(
                    "no {} folder here, and no {} naming the scenario roots",
                    root.display(),
                    project::CONFIG
                )
            });
        }
        let found = discover(std::slice::from_ref(&at)).map_err(|m| m.0)?;
        files.extend(
            found
                .into_iter()
                .filter(|(p, _)| !project.excludes(p.strip_prefix(dir).unwrap_or(p))),
        );
    }
    Ok(once_each(files))
}
