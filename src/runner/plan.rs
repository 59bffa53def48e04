//! Which scenarios a run starts, and in what order: `--filter`, `--tag`, `--shard` and
//! `--fail-fast`. Everything here is a function of the inputs, never of timing, so the
//! report is the same for any number of jobs.

use rayon::prelude::*;

use super::load::{LoadError, LoadedFile};
use super::outcome::{ScenarioResult, Status};
use super::{exec, RunOptions};

/// `--shard i/n`: the `i`-th (1-based) of `n` shares of the selected scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `i/n` with 1 <= i <= n.
    fn from_str(s: &str) -> Result<Self, String> {
        let usage = || format!("invalid shard `{s}`: expected i/n with 1 <= i <= n, e.g. 1/2");
        let (i, n) = s.split_once('/').ok_or_else(usage)?;
        let index: usize = i.trim().parse().map_err(|_| usage())?;
        let count: usize = n.trim().parse().map_err(|_| usage())?;
        if index == 0 || count == 0 || index > count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A job, (file, scenario), and its result.
pub type Ran = ((usize, usize), ScenarioResult);

/// Whether scenario `index` of `file` passes `--filter` and `--tag`.
pub fn selected(file: &LoadedFile, index: usize, options: &RunOptions) -> bool {
    let scenario = &file.ast.scenarios[index];
    let by_filter = options
        .filter
        .as_ref()
        .is_none_or(|f| format!("{}::{}", file.display, scenario.title).contains(f.as_str()));
    let by_tag = options.tags.is_empty() || scenario.tags.iter().any(|t| options.tags.contains(t));
    by_filter && by_tag
}

/// The (file, scenario) pairs to run, in file then scenario order: those selected by
/// `--filter` and `--tag`, numbered from 0 in that order, and of those the shard's
/// (`number % n == i - 1`).
pub fn jobs(
    loaded: &[Result<LoadedFile, Vec<LoadError>>],
    options: &RunOptions,
) -> Vec<(usize, usize)> {
    let all = loaded
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.as_ref().ok().map(|f| (i, f)))
        .flat_map(|(i, f)| {
            (0..f.ast.scenarios.len())
                .filter(|&s| selected(f, s, options))
                .map(move |s| (i, s))
                .collect::<Vec<_>>()
        });
    match options.shard {
        None => all.collect(),
        Some(shard) => all
            .enumerate()
            .filter(|(n, _)| n % shard.count == shard.index - 1)
            .map(|(_, job)| job)
            .collect(),
    }
}

/// Runs `jobs` in parallel. With `--fail-fast` they run in rounds of one job per worker,
/// in order; after the first round with a failure (or once the jobs before the first file
/// that did not load are done) nothing more starts, and the results end at the first
/// failure in order. Returns the results and, when the run stopped early, the index of
/// the last file to report.
pub fn execute(
    loaded: &[Result<LoadedFile, Vec<LoadError>>],
    jobs: &[(usize, usize)],
    options: &RunOptions,
) -> (Vec<Ran>, Option<usize>) {
    let run = |&(i, s): &(usize, usize)| {
        let result = match &loaded[i] {
            Ok(file) => exec::run_scenario_mutant(file, s, options.mutant),
            Err(_) => unreachable!("only loaded files get jobs"),
        };
        ((i, s), result)
    };
    if !options.fail_fast {
        return (jobs.par_iter().map(run).collect(), None);
    }
    let first_broken = loaded.iter().position(|l| l.is_err());
    let jobs: Vec<(usize, usize)> = jobs
        .iter()
        .copied()
        .filter(|(i, _)| first_broken.is_none_or(|b| *i < b))
        .collect();
    let round = rayon::current_num_threads().max(1);
    let mut results = Vec::new();
    for chunk in jobs.chunks(round) {
        let ran: Vec<_> = chunk.par_iter().map(run).collect();
        let failed = ran
            .iter()
            .position(|(_, r)| matches!(r.status, Status::Failed(_)));
        match failed {
            Some(at) => {
                let file = ran[at].0 .0;
                results.extend(ran.into_iter().take(at + 1));
                return (results, Some(file));
            }
            None => results.extend(ran),
        }
    }
    (results, first_broken)
}
