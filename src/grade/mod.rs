//! Grading: an assignment folder (`assignment.toml` and its `.scn` scenarios) run against a
//! student's submission folder; points per scenario, feedback as visibility allows, and the
//! result in the formats of the grading platforms (Gradescope, GitHub Classroom,
//! PrairieLearn). See README "Grading".
//!
//! The scenarios name the student's files with `apply submission "web.yaml"`; those are
//! read only from inside the submission folder (`runner::paths`). Nothing in a submission is ever
//! executed: scn has no statement that runs a host command, so a submission is data only.

pub mod batch;
pub mod check;
pub mod cli;
pub mod formats;
pub mod isolate;
pub mod mutants;
pub mod pack;
pub mod view;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;

use crate::runner::load::{self, LoadedFile};
use crate::runner::paths;
use crate::runner::report::{self, Palette};
use crate::runner::{exec, Status};

/// The file that makes a folder an assignment.
pub const ASSIGNMENT_FILE: &str = "assignment.toml";
/// Grading's per-scenario event budget when the assignment sets none (the simulation's
/// own default is 50 million, far more than any assignment needs).
pub const DEFAULT_MAX_EVENTS: u64 = 2_000_000;
/// Grading's pod budget per scenario when the assignment sets none.
pub const DEFAULT_MAX_PODS: u64 = 500;
/// Grading's virtual-time budget per scenario when the assignment sets none (24 h).
pub const DEFAULT_MAX_TIME_MS: u64 = 24 * 3_600_000;

/// Who sees what of a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Visible,
    Hidden,
    AfterDueDate,
    AfterPublished,
    /// The title and the points are shown to students, the failure and hint never.
    #[serde(alias = "title-and-points")]
    TitleAndPoints,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Visible => "visible",
            Visibility::Hidden => "hidden",
            Visibility::AfterDueDate => "after_due_date",
            Visibility::AfterPublished => "after_published",
            Visibility::TitleAndPoints => "title_and_points",
        }
    }
}

/// `assignment.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentToml {
    pub title: String,
    /// The scn language version the scenarios are written for.
    #[serde(default = "default_version")]
    pub scn: String,
    #[serde(default)]
    pub required_files: Vec<String>,
    /// The reference solution's folder, relative to the assignment.
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default, rename = "scenario")]
    pub scenarios: Vec<ScenarioEntry>,
    #[serde(default, rename = "sample")]
    pub samples: Vec<SampleEntry>,
    #[serde(default)]
    pub limits: Limits,
    /// The submission's folder of student scenarios graded by mutants (default ".").
    #[serde(default)]
    pub student_scenarios: Option<String>,
    /// The mutant-graded part: points per seeded bug a student scenario catches.
    #[serde(default, rename = "mutant")]
    pub mutants: Vec<mutants::MutantEntry>,
}

fn default_version() -> String {
    "1".into()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioEntry {
    pub file: String,
    /// A scenario title of `file`, or `*` for each of its scenarios (each worth `points`).
    pub title: String,
    #[serde(deserialize_with = "valid_points")]
    pub points: f64,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default)]
    pub hint: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleEntry {
    pub submission: String,
    pub score: f64,
}

/// Deterministic budgets per scenario; exceeding one fails the scenario.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Limits {
    #[serde(default, deserialize_with = "positive")]
    pub max_events: Option<NonZeroU64>,
    #[serde(default, deserialize_with = "positive")]
    pub max_pods: Option<NonZeroU64>,
    /// Virtual time, in seconds.
    #[serde(default, deserialize_with = "positive")]
    pub max_time_seconds: Option<NonZeroU64>,
    /// Batch grading: wall-clock seconds per submission (`isolate`).
    #[serde(default, deserialize_with = "positive")]
    pub time_limit_seconds: Option<NonZeroU64>,
    /// Batch grading: memory per submission, in MiB (`isolate`).
    #[serde(default, deserialize_with = "positive")]
    pub memory_limit_mib: Option<NonZeroU64>,
}

/// The most points one `[[scenario]]` or `[[mutant]]` entry may carry (as `--fail-under`):
/// beyond it sums lose their units and, past f64's range, become `inf` (Gradescope's
/// `"score": null`).
pub const MAX_POINTS: f64 = 1e9;

/// What a TOML value is, in a teacher's words.
fn toml_kind(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "a whole number",
        toml::Value::Float(_) => "a number with a fraction",
        toml::Value::Boolean(_) => "true or false",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
}

/// A `points = …` value: checked while the file is read, so that the error names the line
/// and column of the value.
pub(crate) fn valid_points<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let value = match toml::Value::deserialize(d)? {
        toml::Value::Integer(n) => n as f64,
        toml::Value::Float(x) => x,
        other => {
            return Err(serde::de::Error::custom(format!(
                "points must be a number, like `points = 10`, not {}",
                toml_kind(&other)
            )))
        }
    };
    if !(value.is_finite() && value >= 0.0) {
        Err(serde::de::Error::custom(format!(
            "points must be a number >= 0, not {value}"
        )))
    } else if value > MAX_POINTS {
        Err(serde::de::Error::custom(format!(
            "points must be at most 1000000000 (one billion), not {value:e}"
        )))
    } else {
        Ok(value)
    }
}

/// A budget in `[limits]`: 0 would fail every scenario before it starts, so it is refused
/// where it is written.
fn positive<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NonZeroU64>, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::Integer(n) => match u64::try_from(n).ok().and_then(NonZeroU64::new) {
            Some(n) => Ok(Some(n)),
            None => Err(serde::de::Error::custom(format!(
                "a limit must be at least 1, not {n} (leave it out to use the default)"
            ))),
        },
        other => Err(serde::de::Error::custom(format!(
            "a limit is a whole number, like 100, not {}",
            toml_kind(&other)
        ))),
    }
}

/// One graded scenario.
#[derive(Clone, Debug)]
pub struct TestSpec {
    /// 1-based, in `assignment.toml` order.
    pub number: usize,
    /// The `.scn` file, relative to the assignment folder.
    pub file: String,
    pub title: String,
    pub scenario: usize,
    pub line: u32,
    pub points: f64,
    pub visibility: Visibility,
    pub hint: Option<String>,
    /// What the test grades.
    pub kind: TestKind,
}

/// What a test grades: a teacher's scenario against the submission's manifests, or the
/// student's own scenarios (`mutants.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestKind {
    Scenario,
    /// The student's scenarios load and pass on the faithful simulation (0 points).
    StudentScenarios,
    /// A student scenario catches this mutant.
    Mutant(crate::sim::Mutant),
}

/// A checked assignment, ready to grade submissions.
#[derive(Clone, Debug)]
pub struct Assignment {
    pub dir: PathBuf,
    pub config: AssignmentToml,
    pub tests: Vec<TestSpec>,
    /// Scenario files by their path relative to the assignment, with their text.
    pub sources: BTreeMap<String, String>,
    /// The same files read, parsed and loaded once (manifests and blocks included), with
    /// their `apply submission` files left for each submission (`load::with_submission`).
    pub loaded: BTreeMap<String, LoadedFile>,
}

impl Assignment {
    pub fn max_score(&self) -> f64 {
        self.tests.iter().map(|t| t.points).sum()
    }
}

/// The line (1-based) where each `[[scenario]]` entry of `assignment.toml` starts.
fn entry_lines(text: &str) -> Vec<usize> {
    #[derive(Deserialize)]
    struct Spans {
        #[serde(default)]
        scenario: Vec<toml::Spanned<toml::Value>>,
    }
    let Ok(spans) = toml::from_str::<Spans>(text) else {
        return Vec::new();
    };
    spans
        .scenario
        .iter()
        .map(|entry| {
            let start = entry.span().start.min(text.len());
            text.as_bytes()[..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        })
        .collect()
}

/// Reads and checks an assignment folder (exit-2 errors as text).
pub fn load_assignment(dir: &Path) -> Result<Assignment, String> {
    let toml_path = dir.join(ASSIGNMENT_FILE);
    let text = load::read_text(&toml_path, load::MAX_TEXT_BYTES)
        .map_err(|e| format!("cannot read {}: {e}", toml_path.display()))?;
    let config: AssignmentToml = toml::from_str(&text)
        .map_err(|e| format!("{} is not a valid assignment: {e}", toml_path.display()))?;
    if !config.scn.starts_with('1') {
        return Err(format!(
            "{}: scn language version \"{}\" is not supported (this scn reads version 1)",
            toml_path.display(),
            config.scn
        ));
    }
    if config.scenarios.is_empty() && config.mutants.is_empty() {
        return Err(format!(
            "{}: no [[scenario]] or [[mutant]] entries; an assignment grades at least one",
            toml_path.display()
        ));
    }
    for f in &config.required_files {
        paths::check_file(f).map_err(|e| format!("required_files: {e}"))?;
    }
    let mut sources = BTreeMap::new();
    let mut loaded: BTreeMap<String, LoadedFile> = BTreeMap::new();
    let mut tests = Vec::new();
    let entry_lines = entry_lines(&text);
    // Which entry first graded each scenario (file, index): a second one would count it twice.
    let mut graded: BTreeMap<(String, usize), usize> = BTreeMap::new();
    for (number, entry) in config.scenarios.iter().enumerate() {
        paths::check_relative_in(&entry.file, "assignment")
            .map_err(|e| format!("{ASSIGNMENT_FILE}: [[scenario]] file: {e}"))?;
        if !sources.contains_key(&entry.file) {
            let path = dir.join(&entry.file);
            let source = load::read_text(&path, load::MAX_SCN_BYTES)
                .map_err(|e| format!("cannot read scenario file {}: {e}", path.display()))?;
            // Read, parse and load once (syntax, manifests); submission files are only
            // read when grading, once per submission.
            let mut deferred = load::SubmissionFiles::new(dir);
            deferred.deferred = true;
            let file = load::parse_source(&entry.file, &source)
                .and_then(|ast| {
                    load::load_parsed_with(
                        &path,
                        &entry.file,
                        source.clone(),
                        ast,
                        Some(&mut deferred),
                    )
                })
                .map_err(|errors| {
                    // The caller prefixes `error: `; the rendered text starts with it already.
                    let text = crate::runner::load::render_all(&errors);
                    text.strip_prefix("error: ").unwrap_or(&text).to_string()
                })?;
            sources.insert(entry.file.clone(), source);
            loaded.insert(entry.file.clone(), file);
        }
        let ast = &loaded[&entry.file].ast;
        let picked: Vec<usize> = if entry.title == "*" {
            (0..ast.scenarios.len()).collect()
        } else {
            ast.scenarios
                .iter()
                .position(|s| s.title == entry.title)
                .into_iter()
                .collect()
        };
        if picked.is_empty() {
            return Err(format!(
                "[[scenario]] {}: no scenario titled \"{}\" (its scenarios: {})",
                entry.file,
                entry.title,
                ast.scenarios
                    .iter()
                    .map(|s| format!("\"{}\"", s.title))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for index in picked {
            let s = &ast.scenarios[index];
            if let Some(first) = graded.insert((entry.file.clone(), index), number) {
                let at = |n: usize| {
                    entry_lines
                        .get(n)
                        .map_or(String::new(), |line| format!(" (line {line})"))
                };
                return Err(format!(
                    "{ASSIGNMENT_FILE}: scenario \"{}\" of {} is graded by two [[scenario]] entries, number {}{} and number {}{}: it would count twice; keep one",
                    s.title,
                    entry.file,
                    first + 1,
                    at(first),
                    number + 1,
                    at(number),
                ));
            }
            tests.push(TestSpec {
                number: tests.len() + 1,
                file: entry.file.clone(),
                title: s.title.clone(),
                scenario: index,
                line: s.span.line,
                points: entry.points,
                visibility: entry.visibility,
                hint: entry.hint.clone(),
                kind: TestKind::Scenario,
            });
        }
    }
    let student_folder = config.student_scenarios.as_deref().unwrap_or(".");
    let mutant_tests = mutants::specs(&config.mutants, student_folder, tests.len() + 1)?;
    tests.extend(mutant_tests);
    Ok(Assignment {
        dir: dir.to_path_buf(),
        config,
        tests,
        sources,
        loaded,
    })
}

/// The result of one scenario for one submission.
#[derive(Clone, Debug)]
pub struct TestResult {
    pub spec: TestSpec,
    pub passed: bool,
    pub score: f64,
    /// One paragraph: what went wrong (empty when passed).
    pub message: String,
    /// The failure as `scn run` shows it, without colors (empty when passed).
    pub output: String,
    pub tags: Vec<String>,
    /// Wall clock; never in the human report or the gradebook.
    pub duration_ms: u128,
    /// The scenario ran and an `expect` or `await` of it did not hold: the teacher's hint
    /// is about that. Not for a file that did not load, a refused action (a submission
    /// that is not valid YAML) or a limit, where the hint would mislead.
    pub expectation_failed: bool,
    /// The submission file whose load error (missing, too large, not YAML, empty) stopped
    /// this test: the error is reported once per submission (`GradeReport::load_errors`).
    pub blocked_by: Option<String>,
}

impl TestResult {
    /// A test that earned nothing without its scenario deciding it (the submission was not
    /// run, or was stopped): `message` for the summary, `output` for the feedback.
    pub fn not_earned(spec: &TestSpec, message: String, output: String) -> Self {
        TestResult {
            spec: spec.clone(),
            passed: false,
            score: 0.0,
            message,
            output,
            tags: Vec::new(),
            duration_ms: 0,
            expectation_failed: false,
            blocked_by: None,
        }
    }
}

/// A submission file that could not be loaded, reported once for the whole submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The file as `apply submission` names it.
    pub file: String,
    /// What is wrong, with its line and column where there is one.
    pub message: String,
}

/// One submission graded.
#[derive(Clone, Debug)]
pub struct GradeReport {
    pub assignment: String,
    pub submission: String,
    pub score: f64,
    pub max_score: f64,
    /// False when a required file is missing or is not YAML: platforms that can (PrairieLearn)
    /// then do not count the attempt.
    pub gradable: bool,
    pub problems: Vec<String>,
    /// Submission files that could not be loaded, in file order; the tests they blocked
    /// name them in `TestResult::blocked_by`.
    pub load_errors: Vec<LoadError>,
    pub tests: Vec<TestResult>,
    pub duration_ms: u128,
}

impl GradeReport {
    pub fn full_marks(&self) -> bool {
        self.tests.iter().all(|t| t.passed)
    }
}

/// Grades `submission` (a folder), shown as `name`.
pub fn grade(assignment: &Assignment, submission: &Path, name: &str) -> GradeReport {
    grade_reading(assignment, submission, name).0
}

/// [`grade`], with the submission's files as it read them: each at most once
/// (`SubmissionFiles::reads`), whatever the number of scenario files that apply it.
pub fn grade_reading(
    assignment: &Assignment,
    submission: &Path,
    name: &str,
) -> (GradeReport, load::SubmissionFiles) {
    let started = std::time::Instant::now();
    let mut read = load::SubmissionFiles::new(submission);
    let mut problems = Vec::new();
    if !submission.is_dir() {
        problems.push(format!("the submission {name} is not a folder"));
    } else if let Some(reason) = paths::count_files(submission).too_many() {
        problems.push(reason);
    }
    // One rule for a submission too large (or not a folder) in every format: nothing runs,
    // every test scores 0 with the reason, and the attempt is not gradable.
    if let Some(reason) = problems.first().cloned() {
        let tests: Vec<TestResult> = assignment
            .tests
            .iter()
            .map(|spec| {
                TestResult::not_earned(
                    spec,
                    format!("not run: {reason}"),
                    format!("  not run: {reason}\n"),
                )
            })
            .collect();
        let report = GradeReport {
            assignment: assignment.config.title.clone(),
            submission: name.to_string(),
            score: 0.0,
            max_score: assignment.max_score(),
            gradable: false,
            problems,
            load_errors: Vec::new(),
            tests,
            duration_ms: started.elapsed().as_millis(),
        };
        return (report, read);
    }
    for required in &assignment.config.required_files {
        if let Err(message) = read.documents(required).clone() {
            match read.problems.get(required) {
                Some(load::FileProblem::NotYaml) => {
                    problems.push(format!("required file {message}"));
                }
                Some(load::FileProblem::Empty) => {} // valid YAML; `apply` refuses it
                _ => problems.push(format!("required file {required}: {message}")),
            }
        }
    }
    let limits = &assignment.config.limits;
    let files: BTreeMap<&String, Result<LoadedFile, String>> = assignment
        .loaded
        .iter()
        .map(|(file, template)| {
            let mut f = load::with_submission(template, &mut read);
            clamp_limits(&mut f, limits);
            (file, Ok(f))
        })
        .collect();
    let mut tests: Vec<TestResult> = assignment
        .tests
        .par_iter()
        .filter(|spec| spec.kind == TestKind::Scenario)
        .map(|spec| run_test(spec, &files[&spec.file]))
        .collect();
    let student_part: Vec<&TestSpec> = assignment
        .tests
        .iter()
        .filter(|spec| spec.kind != TestKind::Scenario)
        .collect();
    tests.extend(mutants::grade_part(
        assignment,
        submission,
        &student_part,
        &mut read,
    ));
    let mut load_errors: Vec<LoadError> = Vec::new();
    for t in &tests {
        if let Some(file) = &t.blocked_by {
            if !load_errors.iter().any(|e| &e.file == file) {
                load_errors.push(LoadError {
                    file: file.clone(),
                    message: t.message.clone(),
                });
            }
        }
    }
    load_errors.sort_by(|a, b| a.file.cmp(&b.file));
    for t in &mut tests {
        if let Some(file) = &t.blocked_by {
            t.message = format!("not run: {file} could not be loaded");
            t.output = String::new();
        }
    }
    let score = tests.iter().map(|t| t.score).sum();
    let report = GradeReport {
        assignment: assignment.config.title.clone(),
        submission: name.to_string(),
        score,
        max_score: assignment.max_score(),
        gradable: problems.is_empty(),
        problems,
        load_errors,
        tests,
        duration_ms: started.elapsed().as_millis(),
    };
    (report, read)
}

/// The assignment's budgets (or grading's defaults) over a file's own `cluster { }` ones.
pub(crate) fn clamp_limits(file: &mut LoadedFile, limits: &Limits) {
    let c = &mut file.ast.cluster;
    c.max_events = c.max_events.min(
        limits
            .max_events
            .map_or(DEFAULT_MAX_EVENTS, NonZeroU64::get),
    );
    c.max_pods = c
        .max_pods
        .min(limits.max_pods.map_or(DEFAULT_MAX_PODS, NonZeroU64::get));
    c.max_time_ms = c.max_time_ms.min(
        limits
            .max_time_seconds
            .map_or(DEFAULT_MAX_TIME_MS, |s| s.get().saturating_mul(1000)),
    );
}

fn run_test(spec: &TestSpec, file: &Result<LoadedFile, String>) -> TestResult {
    let failed = |message: String, output: String, duration_ms| TestResult {
        spec: spec.clone(),
        passed: false,
        score: 0.0,
        message,
        output,
        tags: Vec::new(),
        duration_ms,
        expectation_failed: false,
        blocked_by: None,
    };
    let file = match file {
        Ok(file) => file,
        Err(text) => {
            return failed(
                "the scenario file could not be loaded".into(),
                text.clone(),
                0,
            )
        }
    };
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        exec::run_scenario(file, spec.scenario)
    }));
    let result = match run {
        Ok(result) => result,
        Err(_) => {
            return failed(
                "scn stopped on an internal error while running this scenario".into(),
                String::new(),
                0,
            )
        }
    };
    match &result.status {
        Status::Passed => TestResult {
            spec: spec.clone(),
            passed: true,
            score: spec.points,
            message: String::new(),
            output: String::new(),
            tags: result.tags.clone(),
            duration_ms: result.duration_ms,
            expectation_failed: false,
            blocked_by: None,
        },
        Status::Failed(failure) => {
            let mut failure = shorten(failure);
            failure.message = limit_for_students(&failure.message);
            let output = report::render_failure(&spec.file, &failure, Palette { color: false });
            let first_word = failure.statement.split_whitespace().next();
            // A submission file that did not load fails every scenario applying it with
            // the same message: report it once (the message is the loader's own).
            let blocked_by = file.submission.as_ref().and_then(|s| {
                s.files
                    .iter()
                    .find(|(_, docs)| docs.as_ref().err() == Some(&failure.message))
                    .map(|(path, _)| path.clone())
            });
            TestResult {
                tags: result.tags.clone(),
                blocked_by,
                expectation_failed: matches!(first_word, Some("expect" | "await"))
                    && !failure.message.starts_with("limit reached"),
                ..failed(failure.message.clone(), output, result.duration_ms)
            }
        }
    }
}

/// A limit's advice speaks to whoever wrote the cluster block (`raise it with max-pods N`);
/// under grading that is the teacher, and the student cannot change it: say what the
/// budget means for the submission instead.
pub(crate) fn limit_for_students(message: &str) -> String {
    match message.split_once("; raise it with") {
        Some((head, _)) if head.starts_with("limit reached:") => format!(
            "{head}: the assignment's grading budget; a correct submission stays well within it (look for a huge `replicas`, or pods that never become Ready)"
        ),
        _ => message.to_string(),
    }
}

/// Most lines of an expected/actual text or pod list in feedback. A huge submission (say
/// 100,000 replicas) would otherwise make the diff itself the slow part.
pub const MAX_FEEDBACK_LINES: usize = 40;

fn shorten(failure: &crate::runner::Failure) -> crate::runner::Failure {
    fn cut(text: &str) -> String {
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() <= MAX_FEEDBACK_LINES {
            return text.to_string();
        }
        let mut out = lines[..MAX_FEEDBACK_LINES].join("\n");
        out.push_str(&format!(
            "\n... {} more lines\n",
            lines.len() - MAX_FEEDBACK_LINES
        ));
        out
    }
    let mut f = failure.clone();
    f.expected = f.expected.as_deref().map(cut);
    f.actual = f.actual.as_deref().map(cut);
    f.snapshot = cut(&f.snapshot);
    f
}

/// Points as people write them: `2`, `2.5`, `0.25`.
pub fn points(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{}", rounded as i64)
    } else {
        let s = format!("{rounded:.2}");
        s.trim_end_matches('0').to_string()
    }
}
