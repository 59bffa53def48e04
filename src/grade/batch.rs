//! Grading many submissions: every sub-folder of a folder, in parallel, into a CSV
//! gradebook (`submission,total,<one column per scenario>`, rows sorted by submission)
//! and a report folder per submission. A broken submission scores what it earns and
//! never stops the batch. The gradebook is the same byte for byte for any `--jobs`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::formats::{self, Format};
use super::isolate::{self, Isolation};
use super::view::View;
use super::{grade, points, Assignment, GradeReport, TestResult};

#[derive(Clone, Debug, Default)]
pub struct BatchOptions {
    pub jobs: usize,
    /// `(i, n)`: grade only the submissions whose sorted index is `i - 1` modulo `n`.
    pub shard: Option<(usize, usize)>,
    pub reports: Option<PathBuf>,
    /// Wall-clock seconds per submission (`isolate`); `None`: the assignment's, or 60.
    pub time_limit: Option<u64>,
    /// MiB per submission (`isolate`); `None`: the assignment's, or 2048.
    pub memory_limit: Option<u64>,
}

/// `"2/5"` as `(2, 5)`, with 1 <= i <= n.
pub fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("--shard {text}: expected i/n, e.g. 1/4"))?;
    let i: usize = i
        .trim()
        .parse()
        .map_err(|_| format!("--shard {text}: i is not a number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("--shard {text}: n is not a number"))?;
    if n == 0 || i == 0 || i > n {
        return Err(format!("--shard {text}: expected 1 <= i <= n"));
    }
    Ok((i, n))
}

/// The submissions found (display name, path) and the notes about entries left out.
pub type Found = (Vec<(String, PathBuf)>, Vec<String>);

/// The submissions under `dir`, sorted by name, and a note for each entry left out.
/// A submission is a sub-folder, or a link to one (student repositories cloned elsewhere
/// and linked in); a link that leads nowhere is a submission too, so a failed clone gets
/// a row with 0 points and the reason instead of vanishing. Hidden folders (`.git`, any
/// name starting with `.`) are left out with a note; plain files are not submissions.
pub fn submissions(dir: &Path) -> Result<Found, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    let mut notes = Vec::new();
    for entry in entries.flatten() {
        let name = display_name(&entry.file_name());
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let is_link = kind.is_symlink();
        let is_dir =
            kind.is_dir() || (is_link && std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()));
        let dangling = is_link && std::fs::metadata(entry.path()).is_err();
        if !(is_dir || dangling) {
            continue;
        }
        if name.starts_with('.') {
            notes.push(format!(
                "note: {} is hidden (its name starts with `.`); it is not graded",
                escape_control(&name)
            ));
            continue;
        }
        found.push((name, entry.path()));
    }
    found.sort();
    notes.sort();
    // Two folders whose names differ only in bytes that are not UTF-8 could still show
    // as one name; their rows and reports would mix, so the batch stops.
    for pair in found.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(format!(
                "two submission folders show as the same name {}: {} and {}; rename one",
                escape_control(&pair[0].0),
                pair[0].1.display(),
                pair[1].1.display()
            ));
        }
    }
    Ok((found, notes))
}

/// A folder name as text. A name that is not UTF-8 keeps its valid parts and shows each
/// other byte as `\xNN`, so two such names never show as one (a lossy `\u{FFFD}` would
/// merge `bad\xff` and `bad\xfe` into one gradebook row and one report folder).
pub fn display_name(name: &std::ffi::OsStr) -> String {
    if let Some(text) = name.to_str() {
        return text.to_string();
    }
    #[cfg(unix)]
    {
        use std::fmt::Write;
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for byte in chunk.invalid() {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// Why a submission scored what it did, for its line of a batch's summary: its problems
/// (a missing or unreadable required file), then each submission file that could not be
/// loaded and that no problem names (an empty file: `web.yaml is empty: no objects passed
/// to apply`), by the first line of its error, control characters escaped.
pub fn summary_reasons(report: &GradeReport) -> Vec<String> {
    let mut reasons: Vec<String> = report.problems.iter().map(|p| escape_control(p)).collect();
    for error in &report.load_errors {
        if !report.problems.iter().any(|p| p.contains(&error.file)) {
            let first = error.message.lines().next().unwrap_or_default();
            reasons.push(escape_control(first));
        }
    }
    if reasons.is_empty() {
        reasons.extend(common_refusal(report));
    }
    reasons
}

/// When every test failed the same way before any expectation was checked (an object of
/// the submission refused by the API server, a limit), that failure, on one line: a 0/N
/// without a word would send the teacher into the reports to learn what one line can say.
fn common_refusal(report: &GradeReport) -> Option<String> {
    const MAX_CHARS: usize = 200;
    let first = report.tests.first()?;
    let same = |t: &TestResult| !t.passed && !t.expectation_failed && t.message == first.message;
    if first.message.trim().is_empty() || !report.tests.iter().all(same) {
        return None;
    }
    let text = first
        .message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut short: String = text.chars().take(MAX_CHARS).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    Some(format!(
        "every scenario failed the same way: {}",
        escape_control(&short)
    ))
}

/// Text from a student (a folder name, a scenario title) for a terminal or a report
/// file: control characters (a line break, an escape sequence, a bidirectional
/// override) are shown escaped (`\n`, `\u{1b}`), so they cannot forge or hide lines.
pub fn escape_control(text: &str) -> String {
    crate::diagnostic::escape_control(text)
}

fn show_progress() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// Grades the submissions under `dir` (after sharding), in name order.
pub fn grade_all(
    assignment: &Assignment,
    dir: &Path,
    options: &BatchOptions,
) -> Result<Vec<GradeReport>, String> {
    // Each submission in its own process under the limits, when this is the scn binary.
    let isolation = Isolation::new(assignment, options.time_limit, options.memory_limit)?;
    let (mut all, notes) = submissions(dir)?;
    for note in notes {
        eprintln!("{note}");
    }
    if let Some((i, n)) = options.shard {
        all = all
            .into_iter()
            .enumerate()
            .filter(|(k, _)| k % n == i - 1)
            .map(|(_, s)| s)
            .collect();
    }
    let bar = if show_progress() {
        let bar = indicatif::ProgressBar::new(all.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} submissions {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let work = || -> Vec<GradeReport> {
        all.par_iter()
            .map(|(name, path)| {
                let report = match &isolation {
                    Some(iso) => isolate::grade_isolated(iso, assignment, path, name),
                    None => grade(assignment, path, name),
                };
                if let Some(bar) = &bar {
                    bar.inc(1);
                }
                report
            })
            .collect()
    };
    let reports = match rayon::ThreadPoolBuilder::new()
        .num_threads(crate::runner::clamp_jobs(options.jobs))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(out) = &options.reports {
        for report in &reports {
            write_reports(out, report)?;
        }
    }
    Ok(reports)
}

/// `OUT/<submission>/`: the teacher's human report, the student's, and every JSON format.
pub fn write_reports(out: &Path, report: &GradeReport) -> Result<(), String> {
    let dir = out.join(&report.submission);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let student = View::Student {
        after_due: false,
        published: false,
    };
    let files = [
        (
            "report.txt",
            formats::render(report, Format::Human, View::Teacher),
        ),
        (
            "student.txt",
            formats::render(report, Format::Human, student),
        ),
        (
            "results.json",
            formats::render(report, Format::Json, View::Teacher),
        ),
        (
            "gradescope.json",
            formats::render(report, Format::Gradescope, View::Teacher),
        ),
        (
            "classroom.json",
            formats::render(report, Format::Classroom, View::Teacher),
        ),
        (
            "prairielearn.json",
            formats::render(report, Format::Prairielearn, student),
        ),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// One CSV cell. A cell that a spreadsheet would read as a formula (it starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return: a submission folder named `=HYPERLINK(…)`)
/// gets a leading `'`, as OWASP's advice on CSV injection says, so it shows as text. A
/// name that itself starts with `'` gets one too, so `merge` reads every name back by
/// removing one leading `'` (`=x` and `'=x` stay two names).
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The gradebook: a header, then one row per report, sorted by submission name.
pub fn gradebook(assignment: &Assignment, reports: &[GradeReport]) -> String {
    let mut header = vec!["submission".to_string(), "total".to_string()];
    header.extend(assignment.tests.iter().map(|t| csv_field(&t.title)));
    let mut rows: Vec<(String, String)> = reports
        .iter()
        .map(|r| {
            let mut row = vec![csv_field(&r.submission), points(r.score)];
            row.extend(r.tests.iter().map(|t| points(t.score)));
            (r.submission.clone(), row.join(","))
        })
        .collect();
    rows.sort();
    let mut out = header.join(",");
    out.push('\n');
    for (_, row) in rows {
        out.push_str(&row);
        out.push('\n');
    }
    out
}

/// Merges gradebooks of the same assignment (shards): same header, rows sorted by
/// submission exactly as [`gradebook`] sorts them, so merged shards equal the unsharded
/// gradebook byte for byte; a submission in two files must have the same row in both.
/// The records are read as CSV (RFC 4180): a quoted cell may hold commas, quotes and line
/// breaks (a folder named with a newline), so a record is not a line.
pub fn merge(texts: &[(String, String)]) -> Result<String, String> {
    if texts.is_empty() {
        return Err("give the gradebooks to merge".to_string());
    }
    let mut header: Option<&str> = None;
    let mut rows: std::collections::BTreeMap<String, &str> = Default::default();
    for (name, text) in texts {
        let records = csv_records(text).map_err(|e| format!("{name}: {e}"))?;
        let mut records = records.into_iter();
        let Some((h, _)) = records.next() else {
            return Err(format!("{name} is empty"));
        };
        if !h.starts_with("submission,total") {
            return Err(format!(
                "{name} is not a gradebook: it does not start with `submission,total`"
            ));
        }
        match header {
            None => header = Some(h),
            Some(first) if first != h => {
                return Err(format!(
                    "{name}: its columns differ from the first gradebook's; merge gradebooks of the same assignment"
                ))
            }
            Some(_) => {}
        }
        for (record, first) in records {
            let key = submission_name(&first);
            if let Some(existing) = rows.get(&key) {
                if *existing != record {
                    return Err(format!(
                        "{name}: submission {key} has different grades in two gradebooks"
                    ));
                }
            }
            rows.insert(key, record);
        }
    }
    let mut out = format!("{}\n", header.unwrap_or("submission,total"));
    for record in rows.values() {
        out.push_str(record);
        out.push('\n');
    }
    Ok(out)
}

/// The submission name a first cell was written for: [`csv_field`]'s leading `'` removed.
fn submission_name(cell: &str) -> String {
    cell.strip_prefix('\'').unwrap_or(cell).to_string()
}

/// The non-empty records of a CSV text, each as its exact text (without the line break
/// that ends it) and its first cell unquoted. An unterminated quote is an error.
fn csv_records(text: &str) -> Result<Vec<(&str, String)>, String> {
    let mut records = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut line = 1usize;
    while start < bytes.len() {
        let record_line = line;
        let mut i = start;
        let mut in_quotes = false;
        let mut first: Option<String> = None;
        let mut cell = String::new();
        let mut cell_start = start;
        let end = loop {
            if i >= bytes.len() {
                if in_quotes {
                    return Err(format!(
                        "the quoted cell of the record at line {record_line} is never closed"
                    ));
                }
                break i;
            }
            let b = bytes[i];
            if in_quotes {
                if b == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 1;
                    } else {
                        in_quotes = false;
                        if first.is_none() {
                            // The unquoted text of the cell, quotes undoubled.
                            cell = text[cell_start + 1..i].replace("\"\"", "\"");
                        }
                    }
                } else if b == b'\n' {
                    line += 1;
                }
            } else if b == b'"' && i == cell_start {
                in_quotes = true;
            } else if b == b',' || b == b'\n' {
                if first.is_none() {
                    if !text[cell_start..i].starts_with('"') {
                        cell = text[cell_start..i].to_string();
                    }
                    first = Some(std::mem::take(&mut cell));
                }
                if b == b'\n' {
                    line += 1;
                    break i;
                }
                cell_start = i + 1;
            }
            i += 1;
        };
        let mut record = &text[start..end];
        if first.is_none() {
            if !record.starts_with('"') {
                cell = record.trim_end_matches('\r').to_string();
            }
            first = Some(cell);
        }
        record = record.strip_suffix('\r').unwrap_or(record);
        if !record.is_empty() {
            records.push((record, first.unwrap_or_default()));
        }
        start = end + 1;
    }
    Ok(records)
}
