//! Loading a `.scn` file before anything runs: UTF-8, syntax, and every manifest and
//! `"""` document it names (docs/language.md: those errors are exit 2 and stop the file).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::lang::ast::{self, ApplySource, AwaitCond, Expectation, Span, Stmt, StmtKind, Text};

/// A YAML document of a manifest, with the line where it starts (1-based).
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub value: Value,
    pub line: u32,
}

/// A parsed, checked file, ready to run.
#[derive(Clone, Debug)]
pub struct LoadedFile {
    pub path: PathBuf,
    /// The path as reports show it.
    pub display: String,
    pub source: String,
    pub ast: ast::File,
    /// Manifest files by the path written in `apply "…"`.
    pub manifests: BTreeMap<String, Vec<Document>>,
    /// `"""` blocks of `apply`, by the byte offset where the block starts.
    pub inline: BTreeMap<usize, Vec<Document>>,
    /// Patch bodies, by the byte offset where the body starts.
    pub patches: BTreeMap<usize, Value>,
    /// The submission being graded (`scn grade`); `None` under `scn run`.
    pub submission: Option<SubmissionFiles>,
}

/// The files of a submission that `apply submission "…"` names: documents, or the message
/// that fails the scenario (missing, outside the folder, too large, not YAML). `scn grade`
/// shares one value between every scenario file of the assignment, the required-files
/// check and the student's own scenarios, so each file is read and parsed once.
#[derive(Clone, Debug, Default)]
pub struct SubmissionFiles {
    pub dir: PathBuf,
    pub files: BTreeMap<String, Result<Vec<Document>, String>>,
    /// How many times each file was read from the folder (`files` answers the later uses).
    pub reads: BTreeMap<String, u32>,
    /// Why a file of `files` failed, for callers that word it their own way.
    pub problems: BTreeMap<String, FileProblem>,
    /// Only check the paths of `apply submission`, read nothing: loading an assignment's
    /// own files before any submission is graded.
    pub deferred: bool,
    /// The folder (relative to `dir`, `/`-separated) of the student scenario being loaded:
    /// its `apply "…"` files are submission files, read through `files` too.
    pub scenario_dir: Option<String>,
}

/// Why a submission file gave no documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileProblem {
    /// Missing, outside the folder, not a file, too large or not UTF-8.
    Unreadable,
    NotYaml,
    /// Empty, or only comments and empty documents.
    Empty,
}

impl SubmissionFiles {
    pub fn new(dir: &Path) -> Self {
        SubmissionFiles {
            dir: dir.to_path_buf(),
            ..SubmissionFiles::default()
        }
    }

    /// The documents of the submission file `path`, read and parsed on its first use.
    pub fn documents(&mut self, path: &str) -> &Result<Vec<Document>, String> {
        if !self.files.contains_key(path) {
            *self.reads.entry(path.to_string()).or_default() += 1;
            let outcome = match super::paths::read_submission_manifest(&self.dir, path) {
                Err(e) => Err((FileProblem::Unreadable, e)),
                Ok(text) => match parse_yaml_documents(&text) {
                    Err((message, line, col)) => Err((
                        FileProblem::NotYaml,
                        format!("{path} is not valid YAML: {message} (line {line}, column {col})"),
                    )),
                    Ok(docs) if docs.is_empty() => Err((
                        FileProblem::Empty,
                        format!("{}: no objects passed to apply", empty_file(path, &text)),
                    )),
                    Ok(docs) => Ok(docs),
                },
            };
            let docs = outcome.map_err(|(problem, message)| {
                self.problems.insert(path.to_string(), problem);
                message
            });
            self.files.insert(path.to_string(), docs);
        }
        &self.files[path]
    }

    /// The text of the submission file `path` (inside the folder, within the size limit,
    /// UTF-8), counted in `reads`.
    pub fn read_text(&mut self, path: &str) -> Result<String, String> {
        *self.reads.entry(path.to_string()).or_default() += 1;
        super::paths::read_submission_file(&self.dir, path)
    }
}

/// A located error that stops a file, with the text its span points into.
#[derive(Clone, Debug)]
pub struct LoadError {
    pub diagnostic: Diagnostic,
    pub source: String,
}

impl LoadError {
    /// The located error as the terminal shows it.
    pub fn render(&self, color: bool) -> String {
        crate::diagnostic::render(std::slice::from_ref(&self.diagnostic), &self.source, color)
    }
}

/// Renders every error, without colors, one after the other.
pub fn render_all(errors: &[LoadError]) -> String {
    errors.iter().map(|e| e.render(false)).collect()
}

/// The largest `.scn` file read. A scenario file is a few KiB; the parser's working memory
/// is a few hundred times the source, so this bound keeps a hostile file to a few hundred
/// MiB of memory.
pub const MAX_SCN_BYTES: u64 = 1024 * 1024;

/// The largest other text file read beside scenarios (`scn.toml`, an assignment's files,
/// a manifest shown in a dry run, a README).
pub const MAX_TEXT_BYTES: u64 = 16 * 1024 * 1024;

/// The largest gradebook `scn gradebook merge` reads (a class of thousands is a few MiB).
pub const MAX_GRADEBOOK_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a regular file of at most `limit` bytes. A folder, a FIFO or a device (`/dev/zero`)
/// is refused before it is opened for reading, so that nothing blocks or reads forever.
pub(crate) fn read_limited(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a folder, a FIFO or a device)",
        ));
    }
    if meta.len() > limit {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!(
                "the file is {} bytes, more than the limit of {limit}",
                meta.len()
            ),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("the file is more than the limit of {limit} bytes"),
        ));
    }
    Ok(bytes)
}

/// Reads a regular text file of at most `limit` bytes, as [`read_limited`] does (nothing
/// blocks on a FIFO or reads forever from a device); invalid UTF-8 is an `InvalidData`
/// error. For the files scn reads beside scenarios: `scn.toml`, assignment files,
/// gradebooks, a scenario being blessed.
pub(crate) fn read_text(path: &Path, limit: u64) -> std::io::Result<String> {
    String::from_utf8(read_limited(path, limit)?).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// What kubectl's `FileVisitor` reads from a manifest file (cli-runtime `visitor.go`:
/// `unicode.BOMOverride(unicode.UTF8.NewDecoder())`): a file that starts with a UTF-16
/// byte-order mark (`FF FE` little-endian, `FE FF` big-endian) is UTF-16, turned into UTF-8
/// (an unpaired surrogate or a last odd byte as U+FFFD, as Go's decoder does); anything else
/// is left as it is (a UTF-8 mark is dropped by the YAML reading, B-KCTL-10).
pub(crate) fn bom_override(bytes: Vec<u8>) -> Vec<u8> {
    let little = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => true,
        Some([0xFE, 0xFF]) => false,
        _ => return bytes,
    };
    let body = &bytes[2..];
    let units = body.chunks(2).map(|pair| match pair {
        [a, b] if little => u16::from_le_bytes([*a, *b]),
        [a, b] => u16::from_be_bytes([*a, *b]),
        // A last odd byte: not a whole code unit.
        _ => 0xDC00,
    });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect::<String>()
        .into_bytes()
}

/// `bytes` as UTF-8, or a located error about the first invalid byte in `display`.
fn utf8(bytes: Vec<u8>, display: &str) -> Result<String, Box<LoadError>> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let valid = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
        let (line, col) = crate::diagnostic::line_col(&valid, at);
        Box::new(LoadError {
            diagnostic: Diagnostic {
                file: display.to_string(),
                span: Some(Span {
                    start: at,
                    end: at,
                    line,
                    col,
                }),
                message: format!("{display} is not UTF-8 text (invalid byte at {line}:{col})"),
                label: "invalid UTF-8 here".into(),
                hint: Some("save the file as UTF-8".into()),
            },
            source: valid,
        })
    })
}

/// `path/file.scn::title`, as `scn list` prints a scenario, when `path/file.scn` is a file:
/// the file and the title.
pub fn listed_scenario(shown: &str) -> Option<(&str, &str)> {
    let (file, title) = shown.split_once("::")?;
    (file.ends_with(".scn") && Path::new(file).is_file()).then_some((file, title))
}

/// `text` as one shell word: in single quotes unless it is plain.
pub fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

pub fn load(path: &Path, display: &str) -> Result<LoadedFile, Vec<LoadError>> {
    load_with(path, display, None)
}

/// [`load`]; `apply submission "…"` reads from `submission` when given.
pub(crate) fn load_with(
    path: &Path,
    display: &str,
    submission: Option<&Path>,
) -> Result<LoadedFile, Vec<LoadError>> {
    let bytes = read_limited(path, MAX_SCN_BYTES).map_err(|e| {
        // Too large (`InvalidData`): the path is right, the file is not a scenario file
        // as written by hand.
        let hint = if e.kind() == std::io::ErrorKind::InvalidData {
            "a .scn file is at most 1 MiB: split its scenarios over several files, and keep manifests in their own YAML files (`apply \"manifests/web.yaml\"`)".to_string()
        } else if let Some((file, title)) = listed_scenario(display) {
            // `scn list` prints `path::title`; `scn trace` takes the file and the title.
            format!(
                "`{display}` is how `scn list` names a scenario: give the file and the title, `scn trace {file} --scenario {}`",
                shell_quote(title)
            )
        } else {
            "check the path; `scn run` takes .scn files and folders".to_string()
        };
        vec![LoadError {
            diagnostic: Diagnostic {
                file: display.to_string(),
                span: None,
                message: format!("cannot read {display}: {e}"),
                label: String::new(),
                hint: Some(hint),
            },
            source: String::new(),
        }]
    })?;
    let source = utf8(bytes, display).map_err(|e| vec![*e])?;
    load_source_with(path, display, source, submission)
}

pub fn load_source(
    path: &Path,
    display: &str,
    source: String,
) -> Result<LoadedFile, Vec<LoadError>> {
    load_source_with(path, display, source, None)
}

/// `load_source` for `scn grade`: `apply submission "…"` reads from `submission`.
pub(crate) fn load_source_with(
    path: &Path,
    display: &str,
    source: String,
    submission: Option<&Path>,
) -> Result<LoadedFile, Vec<LoadError>> {
    let ast = parse_source(display, &source)?;
    let mut files = submission.map(SubmissionFiles::new);
    load_parsed_with(path, display, source, ast, files.as_mut())
}

/// The most errors one file reports: each carries the text it points into, so a file with
/// an error on each of its 100,000 lines would need gigabytes, and no one reads past the
/// first screens (later errors are often the first ones' consequences).
pub const MAX_FILE_ERRORS: usize = 50;

/// The note that ends a file's errors when more than [`MAX_FILE_ERRORS`] were found:
/// `more` is how many were left out, when known.
pub(crate) fn more_errors(display: &str, more: Option<usize>) -> LoadError {
    let message = match more {
        Some(1) => format!("1 more error in {display} is not shown"),
        Some(n) => format!("{n} more errors in {display} are not shown"),
        None => format!(
            "only the first {MAX_FILE_ERRORS} errors of {display} are shown; the rest of it was not checked"
        ),
    };
    LoadError {
        diagnostic: Diagnostic {
            file: display.to_string(),
            span: None,
            message,
            label: String::new(),
            hint: Some(
                "fix the errors above and run again: later errors are often consequences of the first ones"
                    .into(),
            ),
        },
        source: String::new(),
    }
}

/// The syntax tree of `source`, or its located errors (at most [`MAX_FILE_ERRORS`], then a
/// note of how many more).
pub fn parse_source(display: &str, source: &str) -> Result<ast::File, Vec<LoadError>> {
    crate::lang::parse(source).map_err(|errors| {
        let mut shown: Vec<LoadError> = errors
            .iter()
            .take(MAX_FILE_ERRORS)
            .map(|e| LoadError {
                diagnostic: e.to_diagnostic(display),
                source: source.to_string(),
            })
            .collect();
        if errors.len() > MAX_FILE_ERRORS {
            shown.push(more_errors(display, Some(errors.len() - MAX_FILE_ERRORS)));
        }
        shown
    })
}

/// Loads an already parsed file: every manifest, block and patch it names. Submission
/// files come from `submission` (read there on first use, so that files loaded one after
/// the other read each submission file once); the loaded file keeps a copy.
pub fn load_parsed_with(
    path: &Path,
    display: &str,
    source: String,
    ast: ast::File,
    submission: Option<&mut SubmissionFiles>,
) -> Result<LoadedFile, Vec<LoadError>> {
    let mut submission = submission;
    let mut file = LoadedFile {
        path: path.to_path_buf(),
        display: display.to_string(),
        source,
        ast,
        manifests: BTreeMap::new(),
        inline: BTreeMap::new(),
        patches: BTreeMap::new(),
        submission: submission.as_deref_mut().map(std::mem::take),
    };
    let mut errors = Vec::new();
    let statements: Vec<Stmt> = file
        .ast
        .setup
        .iter()
        .chain(file.ast.scenarios.iter().flat_map(|s| s.body.iter()))
        .cloned()
        .collect();
    for stmt in &statements {
        if errors.len() >= MAX_FILE_ERRORS {
            errors.truncate(MAX_FILE_ERRORS);
            errors.push(more_errors(display, None));
            break;
        }
        if let Err(e) = load_statement(&mut file, stmt) {
            errors.push(*e);
        }
        errors.extend(check_field_paths(&file, stmt));
    }
    if errors.len() <= MAX_FILE_ERRORS {
        errors.extend(check_cluster(&file));
    }
    if let (Some(shared), Some(own)) = (submission, file.submission.as_ref()) {
        *shared = own.clone();
    }
    if errors.is_empty() {
        Ok(file)
    } else {
        Err(errors)
    }
}

/// A copy of `template` (an assignment's file, loaded once with a deferred submission)
/// with the submission files its `apply submission` statements name, from `submission`.
pub fn with_submission(template: &LoadedFile, submission: &mut SubmissionFiles) -> LoadedFile {
    let mut file = template.clone();
    let statements = file
        .ast
        .setup
        .iter()
        .chain(file.ast.scenarios.iter().flat_map(|s| s.body.iter()));
    for stmt in statements {
        if let StmtKind::Apply(ApplySource::Submission { path, .. }) = &stmt.kind {
            if super::paths::check_file(path).is_ok() {
                submission.documents(path);
            }
        }
    }
    file.submission = Some(submission.clone());
    file
}

fn load_statement(file: &mut LoadedFile, stmt: &Stmt) -> Result<(), Box<LoadError>> {
    match &stmt.kind {
        StmtKind::Apply(ApplySource::File { path, span }) => {
            if file.manifests.contains_key(path) {
                return Ok(());
            }
            if let Some(submission) = file.submission.as_mut() {
                if let Some(dir) = submission.scenario_dir.clone() {
                    // A student's scenario: its manifests are submission files.
                    let inside = Path::new(&dir)
                        .join(path)
                        .to_string_lossy()
                        .replace('\\', "/");
                    let docs = submission.documents(&inside).clone();
                    let docs = docs.or_else(|message| {
                        if submission.problems.get(&inside) == Some(&FileProblem::Empty) {
                            Ok(Vec::new()) // `apply` refuses it when it runs, as kubectl does
                        } else {
                            Err(message)
                        }
                    });
                    let docs = docs.map_err(|message| LoadError {
                        diagnostic: Diagnostic {
                            file: file.display.clone(),
                            span: Some(*span),
                            message: format!("cannot load manifest \"{path}\": {message}"),
                            label: "this file".into(),
                            hint: Some(
                                "paths in `apply` are relative to the .scn file, inside the submission"
                                    .into(),
                            ),
                        },
                        source: file.source.clone(),
                    })?;
                    file.manifests.insert(path.clone(), docs);
                    return Ok(());
                }
            }
            let full = file.path.parent().unwrap_or(Path::new(".")).join(path);
            let bytes = read_limited(&full, super::yaml_limits::MAX_YAML_BYTES as u64);
            let bytes = bytes.map_err(|e| LoadError {
                diagnostic: Diagnostic {
                    file: file.display.clone(),
                    span: Some(*span),
                    message: format!("cannot read manifest \"{path}\": {e}"),
                    label: "this file".into(),
                    // The file was found but is too large: the path is right.
                    hint: Some(if e.kind() == std::io::ErrorKind::InvalidData {
                        format!(
                            "a manifest is at most {} MiB: split it into several files (one `apply` each) or shrink it",
                            super::yaml_limits::MAX_YAML_BYTES / (1024 * 1024)
                        )
                    } else {
                        format!(
                            "paths in `apply` are relative to the .scn file; looked for {}",
                            full.display()
                        )
                    }),
                },
                source: file.source.clone(),
            })?;
            let manifest_display = display_path(&file.display, path);
            let text = utf8(bom_override(bytes), &manifest_display)?;
            let docs = parse_yaml_documents(&text).map_err(|(message, line, col)| LoadError {
                diagnostic: Diagnostic {
                    file: manifest_display.clone(),
                    span: Some(span_at(&text, line, col)),
                    message: format!("{manifest_display} is not valid YAML: {message}"),
                    label: "here".into(),
                    hint: Some(format!(
                        "{} (loaded by `apply` at {}:{}:{})",
                        super::yaml_limits::limit_hint(&message).unwrap_or(
                            "check the indentation and the `key: value` pairs around this line"
                        ),
                        file.display,
                        span.line,
                        span.col
                    )),
                },
                source: text.clone(),
            })?;
            // A file without objects loads: `apply` refuses it when it runs, as kubectl
            // does (`no objects passed to apply`), so `fails with` can expect it.
            file.manifests.insert(path.clone(), docs);
        }
        StmtKind::Apply(ApplySource::Submission { path, span }) => {
            let located = |message: String, hint: &str| LoadError {
                diagnostic: Diagnostic {
                    file: file.display.clone(),
                    span: Some(*span),
                    message,
                    label: "this file".into(),
                    hint: Some(hint.into()),
                },
                source: file.source.clone(),
            };
            if let Err(message) = super::paths::check_file(path) {
                return Err(Box::new(located(
                    message,
                    "a submission file is a relative path inside the submission folder, e.g. \"web.yaml\"",
                )));
            }
            let Some(submission) = file.submission.as_mut() else {
                return Err(Box::new(located(
                    format!("this scenario expects a submission (run it with scn grade): apply submission \"{path}\""),
                    "`scn run --submission DIR` or `scn grade ASSIGNMENT --submission DIR` runs it against a student's files",
                )));
            };
            if !submission.deferred {
                submission.documents(path);
            }
        }
        StmtKind::Apply(ApplySource::Inline(text)) => {
            let docs = parse_yaml_documents(&text.text).map_err(|(message, line, col)| {
                block_error(file, text, &message, line, col, "YAML")
            })?;
            file.inline.insert(text.origin.start, docs);
        }
        StmtKind::Patch { body, .. } => {
            let value = parse_patch(&body.text).map_err(|(message, line, col)| {
                block_error(file, body, &message, line, col, "JSON")
            })?;
            file.patches.insert(body.origin.start, value);
        }
        StmtKind::Expect {
            expectation: Expectation::Matches { document, .. },
            ..
        }
        | StmtKind::Await {
            cond: AwaitCond::Expectation(Expectation::Matches { document, .. }),
            ..
        } => {
            parse_yaml_documents(&document.text).map_err(|(message, line, col)| {
                block_error(file, document, &message, line, col, "YAML")
            })?;
        }
        _ => {}
    }
    Ok(())
}

/// Every field path the statement reads (`statefulset/web.status.readyReplicas`), checked
/// against its kind's schema: a field that no object of the kind can have is an error.
fn check_field_paths(file: &LoadedFile, stmt: &Stmt) -> Vec<LoadError> {
    let mut queries = Vec::new();
    match &stmt.kind {
        StmtKind::Let { value, .. } => values_queries(value, &mut queries),
        StmtKind::Expect { expectation, .. }
        | StmtKind::Await {
            cond: AwaitCond::Expectation(expectation),
            ..
        } => {
            if let Expectation::Compare { lhs, rhs, .. } = expectation {
                query_queries(lhs, &mut queries);
                values_queries(rhs, &mut queries);
            }
        }
        _ => {}
    }
    let mut errors = Vec::new();
    for query in queries {
        let ast::Query::Field { target, path } = query else {
            continue;
        };
        let kind = super::query::object_kind(target.kind);
        let Some(shape) = super::schema::of_kind(kind.name()) else {
            continue;
        };
        let written = file
            .source
            .get(target.span.start..target.span.end)
            .unwrap_or_default();
        if let Err(e) = super::schema::check(written, shape, path) {
            let span = segment_span(&file.source, target.span, e.segment).unwrap_or(target.span);
            errors.push(LoadError {
                diagnostic: Diagnostic {
                    file: file.display.clone(),
                    span: Some(span),
                    message: e.message,
                    label: "not in the schema".into(),
                    hint: e.hint,
                },
                source: file.source.clone(),
            });
        }
    }
    errors
}

fn values_queries<'a>(value: &'a ast::Value, out: &mut Vec<&'a ast::Query>) {
    match value {
        ast::Value::List(items) => items.iter().for_each(|v| values_queries(v, out)),
        ast::Value::Query(q) => query_queries(q, out),
        _ => {}
    }
}

fn query_queries<'a>(query: &'a ast::Query, out: &mut Vec<&'a ast::Query>) {
    if let ast::Query::Call { args, .. } = query {
        args.iter().for_each(|v| values_queries(v, out));
    }
    out.push(query);
}

/// The span of path segment `index` written after the reference `target` (`.field`,
/// `["key"]` or `[0]`), found by reading the source after the reference.
fn segment_span(source: &str, target: Span, index: usize) -> Option<Span> {
    let bytes = source.as_bytes();
    let mut at = target.end;
    for i in 0..=index {
        let start = at;
        match bytes.get(at)? {
            b'.' => {
                at += 1;
                while bytes
                    .get(at)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
                {
                    at += 1;
                }
            }
            b'[' => {
                let mut quoted = false;
                at += 1;
                loop {
                    match bytes.get(at)? {
                        b'\\' if quoted => at += 1,
                        b'"' => quoted = !quoted,
                        b']' if !quoted => break,
                        b'\n' => return None,
                        _ => {}
                    }
                    at += 1;
                }
                at += 1;
            }
            _ => return None,
        }
        if i == index {
            let line_start = source[..start].rfind('\n').map_or(0, |n| n + 1);
            return Some(Span {
                start,
                end: at,
                line: target.line,
                col: source[line_start..start].chars().count() as u32 + 1,
            });
        }
    }
    None
}

/// How kubectl's "no objects passed to apply" names a file without objects.
fn empty_file(path: &str, text: &str) -> String {
    if text.trim().is_empty() {
        format!("{path} is empty")
    } else {
        format!("{path} holds no object (only comments or empty documents)")
    }
}

/// `manifests/web.yaml` next to `scenarios/seed/x.scn` shows as `scenarios/seed/manifests/web.yaml`.
pub(crate) fn display_path(scn_display: &str, relative: &str) -> String {
    match Path::new(scn_display).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(relative).display().to_string(),
        _ => relative.to_string(),
    }
}

fn block_error(
    file: &LoadedFile,
    text: &Text,
    message: &str,
    line: u32,
    col: u32,
    what: &str,
) -> LoadError {
    let file_line = |line: u32| {
        if text.verbatim {
            text.origin.line + line.saturating_sub(1)
        } else {
            text.origin.line
        }
    };
    let (line, col) = if text.verbatim {
        (file_line(line), text.indent + col)
    } else {
        (text.origin.line, text.origin.col + col)
    };
    // A duplicate key names the first key's line (`already defined at line N`): a line of
    // the block, told as the `.scn` file's line like the error's own position.
    let message = message
        .rsplit_once(" already defined at line ")
        .and_then(|(head, first)| Some((head, first.parse::<u32>().ok()?)))
        .map_or_else(
            || message.to_string(),
            |(head, first)| format!("{head} already defined at line {}", file_line(first)),
        );
    LoadError {
        diagnostic: Diagnostic {
            file: file.display.clone(),
            span: Some(span_at(&file.source, line, col)),
            message: format!("the block is not valid {what}: {message}"),
            label: "here".into(),
            hint: Some(
                if let Some(hint) = super::yaml_limits::limit_hint(&message) {
                    hint.into()
                } else if what == "JSON" {
                    "a patch body is JSON (or YAML), e.g. {\"spec\":{\"replicas\":3}}".into()
                } else {
                    "the block's common indentation is removed; the rest must be valid YAML".into()
                },
            ),
        },
        source: file.source.clone(),
    }
}

/// A span of one character at (line, col) of `text`, clamped to the text.
pub(crate) fn span_at(text: &str, line: u32, col: u32) -> Span {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let col_bytes: usize = l
                .chars()
                .take(col.saturating_sub(1) as usize)
                .map(char::len_utf8)
                .sum();
            offset += col_bytes.min(l.trim_end_matches('\n').len());
            return Span {
                start: offset,
                end: offset + 1,
                line,
                col: col.max(1),
            };
        }
        offset += l.len();
    }
    Span {
        start: text.len(),
        end: text.len(),
        line,
        col: col.max(1),
    }
}

/// Every non-empty document of a multi-document YAML text, within the limits of
/// `yaml_limits` (size, depth, nodes, no duplicate keys).
pub fn parse_yaml_documents(text: &str) -> Result<Vec<Document>, (String, u32, u32)> {
    use serde::de::DeserializeSeed;
    // kubectl reads files through `unicode.BOMOverride` (cli-runtime's visitor): a UTF-8
    // byte-order mark is dropped. Lines stay as they were.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    super::yaml_limits::prescan(text)?;
    if let Some(docs) = json_stream(text) {
        return Ok(docs);
    }
    let nodes = std::cell::Cell::new(0);
    let mut docs = Vec::new();
    let starts = document_start_lines(text);
    for (i, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = super::yaml_limits::Budgeted::new(&nodes, text)
            .deserialize(de)
            .map_err(|e| {
                explain_tab(
                    text,
                    super::yaml_limits::locate_duplicate(text, yaml_error(text, &e)),
                )
            })?;
        if value.is_null() {
            continue;
        }
        if !value.is_object() {
            let line = starts.get(i).copied().unwrap_or(1);
            return Err((
                "a manifest document must be a mapping (`apiVersion: ...`, `kind: ...`)".into(),
                line,
                1,
            ));
        }
        let line = starts.get(i).copied().unwrap_or(1);
        let Some(values) = flatten_list(value) else {
            return Err((
                "a list's items must be mappings (`apiVersion: ...`, `kind: ...`)".into(),
                line,
                1,
            ));
        };
        for value in values {
            docs.push(Document { value, line });
        }
    }
    Ok(docs)
}

/// apimachinery's `YAMLOrJSONDecoder` reads a stream that starts with `{` as JSON: one
/// object after another (`{...}\n{...}`), each its own document. `None` when the text does
/// not start with `{` or is not such a stream (then it is read as YAML, of which one JSON
/// object is a document).
fn json_stream(text: &str) -> Option<Vec<Document>> {
    let start = text.len() - text.trim_start().len();
    if !text[start..].starts_with('{') {
        return None;
    }
    let mut docs = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut offset = start;
    while let Some(next) = stream.next() {
        let value = next.ok()?;
        if !value.is_object() {
            return None;
        }
        let (line, _) = crate::diagnostic::line_col(text, offset);
        for value in flatten_list(value)? {
            docs.push(Document { value, line });
        }
        let end = stream.byte_offset();
        offset = end + (text[end..].len() - text[end..].trim_start().len());
    }
    (docs.len() > 1).then_some(docs)
}

/// kubectl's builder flattens a list (cli-runtime `FlattenListVisitor`): a document with
/// an `items` list is read as a list whatever its kind (apimachinery's unstructured decoder
/// reads any object with `items` as an `UnstructuredList`: `kind: List`, `ConfigMapList`,
/// ...), and each item is visited as its own object, nested lists flattened breadth first,
/// in that order. An item with neither `kind` nor `apiVersion` takes the list's apiVersion
/// and its kind without `List` (`decodeToList`). A document without `items` is itself.
/// `None` when an item is not a mapping (the decoder refuses it).
fn flatten_list(document: Value) -> Option<Vec<Value>> {
    let is_list = |v: &Value| v.get("items").is_some_and(Value::is_array);
    if !is_list(&document) {
        return Some(vec![document]);
    }
    let mut out = Vec::new();
    let mut queue = std::collections::VecDeque::from([document]);
    while let Some(current) = queue.pop_front() {
        if !is_list(&current) {
            out.push(current);
            continue;
        }
        let api_version = current.get("apiVersion").cloned();
        let item_kind = current
            .get("kind")
            .and_then(Value::as_str)
            .map(|k| k.strip_suffix("List").unwrap_or(k).to_string());
        let Value::Object(mut map) = current else {
            continue;
        };
        let Some(Value::Array(items)) = map.remove("items") else {
            continue;
        };
        for mut item in items {
            let Value::Object(fields) = &mut item else {
                return None;
            };
            let unset = |k: &str| fields.get(k).is_none_or(|v| v.as_str() == Some(""));
            if unset("kind") && unset("apiVersion") {
                if let Some(kind) = &item_kind {
                    fields.insert("kind".into(), Value::String(kind.clone()));
                }
                if let Some(v) = &api_version {
                    fields.insert("apiVersion".into(), v.clone());
                }
            }
            queue.push_back(item);
        }
    }
    Some(out)
}

/// A tab where YAML expected a token is the commonest YAML error of a hand-written file
/// (an editor indenting with tabs); the parser's words do not say so.
fn explain_tab(text: &str, (message, line, col): (String, u32, u32)) -> (String, u32, u32) {
    let at = text
        .lines()
        .nth((line as usize).saturating_sub(1))
        .and_then(|l| l.chars().nth((col as usize).saturating_sub(1)));
    if at == Some('\t') {
        let message = format!("{message} (a tab: YAML indents with spaces only)");
        (message, line, col)
    } else {
        (message, line, col)
    }
}

fn document_start_lines(text: &str) -> Vec<u32> {
    let mut starts = vec![1];
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("---") && i > 0 {
            starts.push(i as u32 + 2);
        }
    }
    if text.lines().next().is_some_and(|l| l.starts_with("---")) {
        starts[0] = 2;
    }
    starts
}

fn yaml_error(text: &str, e: &serde_yaml::Error) -> (String, u32, u32) {
    let (line, col) = e
        .location()
        .map(|l| (l.line() as u32, l.column() as u32))
        .unwrap_or((1, 1));
    let message = e.to_string();
    // serde_yaml appends " at line L column C"; the location is shown separately.
    let message = match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    // libyaml's scanner errors (`control characters are not allowed at position 14`)
    // carry a character position and no line: locate them from it.
    if let Some((head, tail)) = message.rsplit_once(" at position ") {
        if let Ok(n) = tail.trim().parse::<usize>() {
            let byte = text.char_indices().nth(n).map_or(text.len(), |(b, _)| b);
            let (line, col) = crate::diagnostic::line_col(text, byte);
            return (head.to_string(), line, col);
        }
    }
    // serde_yaml's own guard against alias bombs (aliases of aliases, expanding
    // exponentially) stops before scn's count does, and points at the document start: say
    // it in scn's words, at the first alias.
    if message.starts_with("repetition limit exceeded") {
        let (line, col) = first_alias(text).unwrap_or((line, col));
        return (
            format!(
                "the YAML expands to more than {} values (anchors and aliases included)",
                super::yaml_limits::MAX_YAML_NODES
            ),
            line,
            col,
        );
    }
    (message, line, col)
}

/// The line and column of the first alias (`*name` where a value starts), if any.
fn first_alias(text: &str) -> Option<(u32, u32)> {
    for (n, line) in text.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if *c == '#' && (i == 0 || chars[i - 1] == ' ') {
                break;
            }
            let starts_value = i == 0 || matches!(chars[i - 1], ' ' | '[' | ',' | '{');
            let named = chars
                .get(i + 1)
                .is_some_and(|n| n.is_alphanumeric() || *n == '_' || *n == '-');
            if *c == '*' && starts_value && named {
                return Some((n as u32 + 1, i as u32 + 1));
            }
        }
    }
    None
}

/// One YAML document within the limits of [`super::yaml_limits`].
fn parse_yaml_value(text: &str) -> Result<Value, (String, u32, u32)> {
    use serde::de::DeserializeSeed;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let nodes = std::cell::Cell::new(0);
    let de = serde_yaml::Deserializer::from_str(text);
    super::yaml_limits::Budgeted::new(&nodes, text)
        .deserialize(de)
        .map_err(|e| yaml_error(text, &e))
}

/// A patch body: JSON, or YAML as kubectl also accepts.
pub fn parse_patch(text: &str) -> Result<Value, (String, u32, u32)> {
    super::yaml_limits::prescan(text)?;
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(v),
        Err(json_error) => match parse_yaml_value(text) {
            Ok(v) if v.is_object() || v.is_array() => Ok(v),
            _ => Err((
                json_error
                    .to_string()
                    .split(" at line ")
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                json_error.line() as u32,
                json_error.column() as u32,
            )),
        },
    }
}

/// Where `word` starts a line of the `cluster { }` block (the block's first line for
/// "cluster"; a setting's last line, the last written winning); with `gate`, only a line
/// whose value is that.
fn locate_setting(source: &str, word: &str, gate: &str) -> Option<ast::Span> {
    let mut offset = 0;
    let mut span = None;
    let mut in_block = false;
    for (i, line) in source.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if in_block && (trimmed.starts_with("setup") || trimmed.starts_with("scenario")) {
            break;
        }
        in_block |= trimmed.starts_with("cluster");
        let at_word = trimmed.strip_prefix(word).is_some_and(|rest| {
            (rest.is_empty() || rest.starts_with([' ', '\t', '{', '\r', '\n']))
                && (gate.is_empty() || rest.trim().trim_matches('"') == gate)
        });
        if in_block && at_word {
            let col = line.len() - trimmed.len();
            span = Some(ast::Span {
                start: offset + col,
                end: offset + col + word.len(),
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                col: u32::try_from(col + 1).unwrap_or(u32::MAX),
            });
            // The block's first line; a setting's last one (the last written wins).
            if word == "cluster" {
                break;
            }
        }
        offset += line.len();
    }
    span
}

/// The `cluster { }` block as the simulation takes it: a node count it cannot build, an
/// unknown feature gate, a namespace or domain no cluster can have, is an error before
/// anything runs (exit 2), located at the block or at the setting.
fn check_cluster(file: &LoadedFile) -> Option<LoadError> {
    let message = match super::exec::sim_config(&file.ast.cluster) {
        Ok(config) => config.check().err()?,
        Err(message) => message,
    };
    // The setting the message is about (`namespace`, `domain`), else the block's first
    // line: each at the start of a line.
    let (word, label, hint) = if message.starts_with("Namespace ") {
        (
            "namespace",
            "this namespace",
            "a namespace name is lowercase letters, digits and `-`, at most 63 characters, \
             starting and ending with a letter or digit (e.g. `team-a`)"
                .to_string(),
        )
    } else if message.starts_with("networking.dnsDomain") {
        (
            "domain",
            "this domain",
            "a cluster domain is lowercase labels joined by dots (e.g. `cluster.local`)"
                .to_string(),
        )
    } else if message.starts_with("unrecognized feature gate") {
        (
            "feature-gate",
            "this feature gate",
            format!(
                "`feature-gate` takes one of: {}",
                crate::sim::api::defaults::FeatureGates::KNOWN.join(", ")
            ),
        )
    } else {
        (
            "nodes",
            "this node count",
            "`nodes N` and the `node NAME` lines add up to 1 to 250 nodes".to_string(),
        )
    };
    // For a feature gate, the line that names it.
    let gate = message
        .strip_prefix("unrecognized feature gate: ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_default()
        .to_string();
    let (label, hint) = (label.to_string(), hint);
    let (span, label, hint) = match locate_setting(&file.source, word, &gate) {
        Some(span) => (Some(span), label, hint),
        // No such line (the node count comes from `node` lines alone): the block.
        None => (
            locate_setting(&file.source, "cluster", ""),
            "in this cluster block".to_string(),
            hint,
        ),
    };
    Some(LoadError {
        diagnostic: Diagnostic {
            file: file.display.clone(),
            span,
            message,
            label,
            hint: Some(hint),
        },
        source: file.source.clone(),
    })
}
