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
use super::{grade, points, Assignment, GradeReport};

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

/// The sub-folders of `dir`, sorted by name.
pub fn submissions(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut found: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    found.sort();
    Ok(found)
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
    let mut all = submissions(dir)?;
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
/// gets a leading `'`, as OWASP's advice on CSV injection says, so it shows as text.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
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
/// submission; a submission in two files must have the same row in both.
pub fn merge(texts: &[(String, String)]) -> Result<String, String> {
    let mut header: Option<&str> = None;
    let mut rows: std::collections::BTreeMap<String, String> = Default::default();
    for (name, text) in texts {
        let mut lines = text.lines();
        let Some(h) = lines.next() else {
            return Err(format!("{name} is empty"));
        };
        match header {
            None => header = Some(h),
            Some(first) if first != h => {
                return Err(format!(
                    "{name}: its columns differ from the first gradebook's; merge gradebooks of the same assignment"
                ))
            }
            Some(_) => {}
        }
        for line in lines.filter(|l| !l.is_empty()) {
            let key = first_field(line);
            if let Some(existing) = rows.get(&key) {
                if existing != line {
                    return Err(format!(
                        "{name}: submission {key} has different grades in two gradebooks"
                    ));
                }
            }
            rows.insert(key, line.to_string());
        }
    }
    let mut out = format!("{}\n", header.unwrap_or("submission,total"));
    for line in rows.values() {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

fn first_field(line: &str) -> String {
    if let Some(rest) = line.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    out.push('"');
                } else {
                    break;
                }
            } else {
                out.push(c);
            }
        }
        out
    } else {
        line.split(',').next().unwrap_or_default().to_string()
    }
}
