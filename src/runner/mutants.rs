//! `scn mutants`: which seeded bugs (`sim::mutants`) the scenarios catch.
//!
//! Every scenario runs first on the faithful simulation; then once per mutant, each pair
//! in parallel. A scenario *kills* a mutant when it passes on the faithful simulation and
//! fails with the mutant on. Results keep file, scenario and mutant order whatever the
//! number of jobs, so reports are the same byte for byte.

use std::path::PathBuf;

use rayon::prelude::*;
use serde_json::json;

use super::exec;
use super::load::{self, LoadError, LoadedFile};
use super::outcome::Status;
use crate::sim::Mutant;

/// One scenario of the analysed files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioId {
    /// The file as reports show it.
    pub file: String,
    pub title: String,
    /// Index of the file in the analysed list, and of the scenario in the file.
    pub file_index: usize,
    pub scenario: usize,
}

impl ScenarioId {
    pub fn key(&self) -> String {
        format!("{}::{}", self.file, self.title)
    }
}

/// The faithful run of one scenario and the mutants it kills.
#[derive(Clone, Debug)]
pub struct ScenarioKills {
    pub id: ScenarioId,
    /// `None` when the scenario passed on the faithful simulation, else its failure message.
    pub faithful_failure: Option<String>,
    /// Killed mutants, in [`Mutant::ALL`] order (empty when the faithful run failed).
    pub kills: Vec<Mutant>,
}

/// The kill matrix of a set of scenarios against a set of mutants.
#[derive(Clone, Debug)]
pub struct Matrix {
    pub mutants: Vec<Mutant>,
    pub scenarios: Vec<ScenarioKills>,
}

impl Matrix {
    /// The scenarios that kill `mutant`.
    pub fn killers(&self, mutant: Mutant) -> Vec<&ScenarioId> {
        self.scenarios
            .iter()
            .filter(|s| s.kills.contains(&mutant))
            .map(|s| &s.id)
            .collect()
    }

    pub fn survivors(&self) -> Vec<Mutant> {
        self.mutants
            .iter()
            .copied()
            .filter(|m| self.killers(*m).is_empty())
            .collect()
    }

    pub fn faithful_failures(&self) -> Vec<&ScenarioKills> {
        self.scenarios
            .iter()
            .filter(|s| s.faithful_failure.is_some())
            .collect()
    }

    /// Killed mutants over all mutants, in percent (100 with no mutants).
    pub fn score(&self) -> f64 {
        if self.mutants.is_empty() {
            return 100.0;
        }
        let killed = self.mutants.len() - self.survivors().len();
        killed as f64 * 100.0 / self.mutants.len() as f64
    }
}

/// Runs every scenario of `files` on the faithful simulation, then, for the scenarios
/// that passed, once per mutant of `mutants`. With `stop_on_failure` the mutant runs are
/// skipped when any faithful run failed (`scn mutants`); grading goes on with the others.
pub fn analyse(
    files: &[(String, &LoadedFile)],
    mutants: &[Mutant],
    stop_on_failure: bool,
) -> Matrix {
    let ids: Vec<ScenarioId> = files
        .iter()
        .enumerate()
        .flat_map(|(fi, (shown, file))| {
            file.ast
                .scenarios
                .iter()
                .enumerate()
                .map(move |(si, s)| ScenarioId {
                    file: shown.clone(),
                    title: s.title.clone(),
                    file_index: fi,
                    scenario: si,
                })
        })
        .collect();
    let mut mutants = mutants.to_vec();
    mutants.sort();
    mutants.dedup();
    let run = |id: &ScenarioId, mutant: Option<Mutant>| -> Option<String> {
        let file = files[id.file_index].1;
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            exec::run_scenario_mutant(file, id.scenario, mutant)
        }));
        match ran {
            Ok(result) => match result.status {
                Status::Passed => None,
                Status::Failed(failure) => Some(failure.message),
            },
            Err(_) => Some("scn stopped on an internal error while running this scenario".into()),
        }
    };
    let faithful: Vec<Option<String>> = ids.par_iter().map(|id| run(id, None)).collect();
    let any_failed = faithful.iter().any(Option::is_some);
    let pairs: Vec<(usize, Mutant)> = if stop_on_failure && any_failed {
        Vec::new()
    } else {
        ids.iter()
            .enumerate()
            .filter(|(i, _)| faithful[*i].is_none())
            .flat_map(|(i, _)| mutants.iter().map(move |m| (i, *m)))
            .collect()
    };
    let killed: Vec<bool> = pairs
        .par_iter()
        .map(|(i, m)| run(&ids[*i], Some(*m)).is_some())
        .collect();
    let scenarios = ids
        .into_iter()
        .zip(faithful)
        .enumerate()
        .map(|(i, (id, faithful_failure))| {
            let kills: Vec<Mutant> = pairs
                .iter()
                .zip(&killed)
                .filter(|((pi, _), k)| *pi == i && **k)
                .map(|((_, m), _)| *m)
                .collect();
            ScenarioKills {
                id,
                faithful_failure,
                kills,
            }
        })
        .collect();
    Matrix { mutants, scenarios }
}

/// What `scn mutants` found: the load errors, or the matrix.
pub enum Outcome {
    /// Files that could not be loaded (exit 2).
    Broken(Vec<LoadError>),
    Analysed(Matrix),
}

/// Loads `files` and analyses them against `mutants` in a pool of `jobs` threads (0: one
/// per core).
pub fn run(files: &[(PathBuf, String)], mutants: &[Mutant], jobs: usize) -> Outcome {
    let work = || {
        let loaded: Vec<Result<LoadedFile, Vec<LoadError>>> = files
            .par_iter()
            .map(|(path, shown)| load::load(path, shown))
            .collect();
        let errors: Vec<LoadError> = loaded
            .iter()
            .filter_map(|l| l.as_ref().err())
            .flatten()
            .cloned()
            .collect();
        if !errors.is_empty() {
            return Outcome::Broken(errors);
        }
        let ok: Vec<(String, &LoadedFile)> = loaded
            .iter()
            .zip(files)
            .filter_map(|(l, (_, shown))| l.as_ref().ok().map(|f| (shown.clone(), f)))
            .collect();
        Outcome::Analysed(analyse(&ok, mutants, true))
    };
    match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// 0 every mutant killed; 1 a survivor, or a scenario failed on the faithful simulation.
pub fn exit_code(matrix: &Matrix) -> i32 {
    if matrix.faithful_failures().is_empty() && matrix.survivors().is_empty() {
        0
    } else {
        1
    }
}

/// The human report.
pub fn render_human(matrix: &Matrix) -> String {
    let mut out = String::new();
    let failures = matrix.faithful_failures();
    if !failures.is_empty() {
        out.push_str(&format!(
            "{} scenario(s) fail on the faithful simulation; fix them first (no mutant was run):\n",
            failures.len()
        ));
        for s in failures {
            out.push_str(&format!(
                "  FAIL {}\n       {}\n",
                s.id.key(),
                s.faithful_failure.as_deref().unwrap_or_default()
            ));
        }
        return out;
    }
    out.push_str(&format!(
        "{} scenario(s) pass on the faithful simulation; {} mutant(s)\n\n",
        matrix.scenarios.len(),
        matrix.mutants.len()
    ));
    out.push_str("kills per scenario:\n");
    let mut idle = 0;
    for s in &matrix.scenarios {
        if s.kills.is_empty() {
            idle += 1;
            continue;
        }
        let ids: Vec<&str> = s.kills.iter().map(|m| m.id()).collect();
        out.push_str(&format!("  {}\n    kills {}\n", s.id.key(), ids.join(", ")));
    }
    if idle > 0 {
        out.push_str(&format!("  ({idle} scenario(s) kill no mutant)\n"));
    }
    out.push_str("\nmutants:\n");
    let width = matrix
        .mutants
        .iter()
        .map(|m| m.id().len())
        .max()
        .unwrap_or(0);
    for m in &matrix.mutants {
        let n = matrix.killers(*m).len();
        let verdict = if n == 0 {
            "SURVIVED".to_string()
        } else {
            format!("killed by {n}")
        };
        out.push_str(&format!("  {:width$}  {verdict}\n", m.id()));
    }
    let survivors = matrix.survivors();
    if !survivors.is_empty() {
        out.push_str("\nsurvivors (no scenario fails with them on):\n");
        for m in &survivors {
            out.push_str(&format!(
                "  {}: {} ({})\n",
                m.id(),
                m.summary(),
                m.behaviors().join(", ")
            ));
        }
    }
    out.push_str(&format!(
        "\nmutation score: {}/{} killed ({})\n",
        matrix.mutants.len() - survivors.len(),
        matrix.mutants.len(),
        percent(matrix.score())
    ));
    out
}

fn percent(score: f64) -> String {
    let rounded = (score * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{}%", rounded as i64)
    } else {
        format!("{rounded:.1}%")
    }
}

/// The JSON report (schema in docs/mutants.md).
pub fn render_json(matrix: &Matrix) -> String {
    let faithful_failures: Vec<_> = matrix
        .faithful_failures()
        .iter()
        .map(|s| {
            json!({
                "file": s.id.file,
                "title": s.id.title,
                "message": s.faithful_failure,
            })
        })
        .collect();
    let scenarios: Vec<_> = matrix
        .scenarios
        .iter()
        .map(|s| {
            json!({
                "file": s.id.file,
                "title": s.id.title,
                "passed": s.faithful_failure.is_none(),
                "kills": s.kills.iter().map(|m| m.id()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mutants: Vec<_> = matrix
        .mutants
        .iter()
        .map(|m| {
            json!({
                "id": m.id(),
                "summary": m.summary(),
                "behaviors": m.behaviors(),
                "killed_by": matrix.killers(*m).iter().map(|s| s.key()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let survivors: Vec<&str> = matrix.survivors().iter().map(|m| m.id()).collect();
    let ran = faithful_failures.is_empty();
    let value = json!({
        "faithful_failures": faithful_failures,
        "mutants_run": ran,
        "scenarios": scenarios,
        "mutants": mutants,
        "survivors": survivors,
        "killed": matrix.mutants.len() - survivors.len(),
        "total": matrix.mutants.len(),
        "score": if ran { json!((matrix.score() * 10.0).round() / 10.0) } else { json!(null) },
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// `--mutant` values: ids, or the error naming the unknown one with the known ids.
pub fn parse_ids(ids: &[String]) -> Result<Vec<Mutant>, String> {
    ids.iter()
        .map(|id| {
            Mutant::from_id(id).ok_or_else(|| {
                let suggestion = crate::suggest::suggest(id, Mutant::ALL.iter().map(|m| m.id()))
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default();
                format!("no mutant \"{id}\"{suggestion}; `scn mutants --list` shows them all")
            })
        })
        .collect()
}

/// `scn mutants --list`: every mutant with its summary and behaviour ids.
pub fn render_list() -> String {
    let width = Mutant::ALL.iter().map(|m| m.id().len()).max().unwrap_or(0);
    Mutant::ALL
        .iter()
        .map(|m| {
            format!(
                "{:width$}  {} ({})\n",
                m.id(),
                m.summary(),
                m.behaviors().join(", ")
            )
        })
        .collect()
}
