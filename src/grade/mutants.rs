//! The mutant-graded part of an assignment: the student hands in `.scn` scenarios, and
//! each seeded bug (`sim::mutants`) that one of them catches earns the mutant's points.
//!
//! A student scenario counts only if it loads and passes on the faithful simulation; one
//! that does not earns nothing (it would "catch" every mutant). The scenarios are
//! untrusted input: they are read from inside the submission folder only (`apply "…"`
//! paths too, with the same rules as `apply submission`), each run has the assignment's
//! budgets, and a panic is caught.
//!
//! In the grade report the part is one 0-point test "the scenarios load and pass on the
//! faithful simulation" (its feedback names those that do not), then one test per
//! `[[mutant]]`, passed when a scenario kills it. A mutant with `reveal = false` is named
//! by the behaviours it breaks only, never by its id or description.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{paths, Assignment, Limits, TestKind, TestResult, TestSpec, Visibility};
use crate::lang::ast::{self, ApplySource, StmtKind};
use crate::runner::load::{self, LoadedFile};
use crate::runner::mutants::{analyse, Matrix};
use crate::sim::Mutant;

/// `[[mutant]]` in `assignment.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MutantEntry {
    /// A mutant id (`scn mutants --list`).
    pub id: String,
    /// Points when a student scenario kills it.
    #[serde(default = "one")]
    #[serde(deserialize_with = "super::valid_points")]
    pub points: f64,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default)]
    pub hint: Option<String>,
    /// Whether feedback may name the mutant and say what it breaks; when false only its
    /// behaviour ids are shown.
    #[serde(default = "yes")]
    pub reveal: bool,
}

fn one() -> f64 {
    1.0
}

fn yes() -> bool {
    true
}

/// The folder of the submission holding the student's scenarios ("." by default).
pub fn folder(assignment: &Assignment) -> &str {
    assignment
        .config
        .student_scenarios
        .as_deref()
        .unwrap_or(".")
}

/// The tests of the mutant part, numbered from `first`, or the error in `assignment.toml`.
pub fn specs(
    entries: &[MutantEntry],
    student_folder: &str,
    first: usize,
) -> Result<Vec<TestSpec>, String> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    paths::check_relative(student_folder).map_err(|e| format!("student_scenarios: {e}"))?;
    let mut tests = vec![TestSpec {
        number: first,
        file: student_folder.to_string(),
        title: "the scenarios load and pass on the faithful simulation".into(),
        scenario: 0,
        line: 0,
        points: 0.0,
        visibility: Visibility::Visible,
        hint: Some("a scenario that fails without any bug earns nothing".into()),
        kind: TestKind::StudentScenarios,
    }];
    let mut seen = std::collections::BTreeSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let Some(mutant) = Mutant::from_id(&entry.id) else {
            let suggestion = crate::suggest::suggest(&entry.id, Mutant::ALL.iter().map(|m| m.id()))
                .map(|s| format!(" (did you mean \"{s}\"?)"))
                .unwrap_or_default();
            return Err(format!(
                "[[mutant]] id \"{}\" is not a mutant{suggestion}; `scn mutants --list` shows them",
                entry.id
            ));
        };
        if !seen.insert(mutant) {
            return Err(format!("[[mutant]] id \"{}\" is listed twice", entry.id));
        }
        let behaviors = mutant.behaviors().join(", ");
        let title = if entry.reveal {
            format!(
                "catches mutant {}: {} ({behaviors})",
                mutant.id(),
                mutant.summary()
            )
        } else {
            format!("catches mutant {} ({behaviors})", i + 1)
        };
        tests.push(TestSpec {
            number: first + tests.len(),
            file: student_folder.to_string(),
            title,
            scenario: 0,
            line: 0,
            points: entry.points,
            visibility: entry.visibility,
            hint: entry.hint.clone(),
            kind: TestKind::Mutant(mutant),
        });
    }
    Ok(tests)
}

/// A student's scenario file: its path relative to the submission, and the loaded file or
/// the reason it does not count.
type StudentFile = (String, Result<LoadedFile, String>);

/// The student's scenario files under `folder` of `submission`, each read and parsed once;
/// the files they apply are read through `read`, shared with the rest of the grading.
fn load_student_files(
    submission: &Path,
    folder: &str,
    limits: &Limits,
    read: &mut load::SubmissionFiles,
) -> Result<Vec<StudentFile>, String> {
    let root = paths::resolve(submission, folder)?;
    if !root.is_dir() {
        return Err(format!("{folder} is not a folder of the submission"));
    }
    let base = submission
        .canonicalize()
        .map_err(|e| format!("cannot read the submission folder: {e}"))?;
    let mut found = Vec::new();
    scn_files(&root, &mut found, &mut 0);
    found.sort();
    let mut files = Vec::new();
    for path in found {
        let relative = path
            .strip_prefix(&base)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| path.display().to_string());
        let loaded = read.read_text(&relative).and_then(|source| {
            let ast = load::parse_source(&relative, &source)
                .map_err(|errors| load::render_all(&errors))?;
            check_applies(submission, &relative, &ast)?;
            let dir = Path::new(&relative).parent().unwrap_or(Path::new(""));
            read.scenario_dir = Some(dir.to_string_lossy().replace('\\', "/"));
            let file = load::load_parsed_with(&path, &relative, source, ast, Some(read));
            read.scenario_dir = None;
            let mut file = file.map_err(|errors| load::render_all(&errors))?;
            if let Some(own) = file.submission.as_mut() {
                own.scenario_dir = None;
            }
            super::clamp_limits(&mut file, limits);
            Ok(file)
        });
        files.push((relative, loaded));
    }
    Ok(files)
}

/// The `.scn` files under `dir`, without following links (a link to a folder could loop
/// or lead out of the submission), at most [`paths::MAX_FILES`] entries visited.
fn scn_files(dir: &Path, out: &mut Vec<std::path::PathBuf>, visited: &mut usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        *visited += 1;
        if *visited > paths::MAX_FILES {
            return;
        }
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() && paths::skipped_folder(&entry.file_name()) => {}
            Ok(t) if t.is_dir() => scn_files(&path, out, visited),
            Ok(t) if t.is_file() && path.extension().is_some_and(|e| e == "scn") => out.push(path),
            _ => {}
        }
    }
}

/// Every `apply "…"` of a student scenario names a file inside the submission.
fn check_applies(submission: &Path, relative: &str, ast: &ast::File) -> Result<(), String> {
    let dir = Path::new(relative).parent().unwrap_or(Path::new(""));
    let statements = ast
        .setup
        .iter()
        .chain(ast.scenarios.iter().flat_map(|s| s.body.iter()));
    for stmt in statements {
        if let StmtKind::Apply(ApplySource::File { path, .. }) = &stmt.kind {
            let inside = dir.join(path).to_string_lossy().replace('\\', "/");
            let at = format!("{relative}:{}:{}", stmt.span.line, stmt.span.col);
            paths::resolve(submission, &inside)
                .map_err(|e| format!("{at}: apply \"{path}\" refused: {e}"))?;
            let bytes = std::fs::metadata(submission.join(&inside)).map(|m| m.len());
            if bytes.is_ok_and(|n| n > paths::MAX_FILE_BYTES) {
                return Err(format!(
                    "{at}: apply \"{path}\" refused: larger than {} bytes",
                    paths::MAX_FILE_BYTES
                ));
            }
        }
    }
    Ok(())
}

/// Grades the mutant part of `assignment` for `submission`: one result per test of
/// `specs` (the tests whose kind is not `Scenario`), in their order.
pub fn grade_part(
    assignment: &Assignment,
    submission: &Path,
    specs: &[&TestSpec],
    read: &mut load::SubmissionFiles,
) -> Vec<TestResult> {
    if specs.is_empty() {
        return Vec::new();
    }
    let mutants: Vec<Mutant> = specs
        .iter()
        .filter_map(|s| match s.kind {
            TestKind::Mutant(m) => Some(m),
            _ => None,
        })
        .collect();
    let loaded = load_student_files(
        submission,
        folder(assignment),
        &assignment.config.limits,
        read,
    );
    let (broken, matrix): (BTreeMap<String, String>, Option<Matrix>) = match &loaded {
        Err(message) => (BTreeMap::from([(String::new(), message.clone())]), None),
        Ok(files) => {
            let broken = files
                .iter()
                .filter_map(|(name, f)| f.as_ref().err().map(|e| (name.clone(), e.clone())))
                .collect();
            let ok: Vec<(String, &LoadedFile)> = files
                .iter()
                .filter_map(|(name, f)| f.as_ref().ok().map(|f| (name.clone(), f)))
                .collect();
            (broken, Some(analyse(&ok, &mutants, false)))
        }
    };
    specs
        .iter()
        .map(|spec| match spec.kind {
            TestKind::Mutant(m) => mutant_result(spec, m, matrix.as_ref()),
            _ => faithful_result(spec, &broken, matrix.as_ref()),
        })
        .collect()
}

fn faithful_result(
    spec: &TestSpec,
    broken: &BTreeMap<String, String>,
    matrix: Option<&Matrix>,
) -> TestResult {
    let mut output = String::new();
    for (file, message) in broken {
        if file.is_empty() {
            output.push_str(&format!("  error: {message}\n"));
        } else {
            output.push_str(&format!(
                "  {file} does not load (its scenarios earn nothing):\n"
            ));
            for line in message.lines() {
                output.push_str(&format!("    {line}\n"));
            }
        }
    }
    let mut passing = 0;
    for s in matrix.map(|m| m.scenarios.as_slice()).unwrap_or_default() {
        match &s.faithful_failure {
            None => passing += 1,
            Some(message) => output.push_str(&format!(
                "  {} fails on the faithful simulation (it earns nothing): {}\n",
                s.id.key(),
                // A student's own `cluster { max-pods … }` cannot raise the grading budget.
                super::limit_for_students(message)
            )),
        }
    }
    if output.is_empty() && passing == 0 {
        output = format!(
            "  error: no scenario found in {} of the submission\n",
            spec.file
        );
    }
    let passed = output.is_empty();
    TestResult {
        spec: spec.clone(),
        passed,
        score: 0.0,
        message: if passed {
            String::new()
        } else {
            "some scenarios do not count: they do not load, or fail without any bug".into()
        },
        output,
        tags: Vec::new(),
        duration_ms: 0,
        expectation_failed: false,
        blocked_by: None,
    }
}

fn mutant_result(spec: &TestSpec, mutant: Mutant, matrix: Option<&Matrix>) -> TestResult {
    let killers: Vec<String> = matrix
        .map(|m| m.killers(mutant).iter().map(|s| s.key()).collect())
        .unwrap_or_default();
    let passed = !killers.is_empty();
    let behaviors = mutant.behaviors().join(", ");
    TestResult {
        spec: spec.clone(),
        passed,
        score: if passed { spec.points } else { 0.0 },
        message: if passed {
            String::new()
        } else {
            format!("no scenario fails with this bug on: the behaviour {behaviors} went untested")
        },
        output: if passed {
            String::new()
        } else {
            format!(
                "  error: no scenario fails with this bug on: the behaviour {behaviors} went untested\n"
            )
        },
        tags: Vec::new(),
        duration_ms: 0,
        // A surviving mutant is what the teacher's hint for it is about.
        expectation_failed: !passed,
        blocked_by: None,
    }
}
