//! `scn grade` and `scn gradebook`, called from `main.rs`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::batch::{self, BatchOptions};
use super::formats::{self, Format};
use super::view::View;
use super::{check, grade, load_assignment, points};

/// The modes a batch-only flag (`--gradebook`, `--shard`, ...) conflicts with: given with
/// one submission it would be silently ignored, so it is a usage error.
const BATCH_ONLY: [&str; 3] = ["submission", "check", "student_pack"];

/// `scn grade`.
#[derive(Args, Debug)]
pub struct GradeArgs {
    /// The assignment folder (with assignment.toml).
    pub assignment: PathBuf,
    /// A student's submission folder.
    #[arg(long, conflicts_with_all = ["submissions", "check", "student_pack"])]
    pub submission: Option<PathBuf>,
    /// Write what students may run locally into this (new or empty) folder: the visible
    /// scenarios, the manifests they apply and a README.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["submissions", "check"])]
    pub student_pack: Option<PathBuf>,
    /// A folder of submission folders, graded in parallel into a CSV gradebook.
    #[arg(long, conflicts_with = "check")]
    pub submissions: Option<PathBuf>,
    /// Prove the reference solution scores full marks and each sample its declared score.
    #[arg(long)]
    pub check: bool,
    /// Output format (one submission).
    #[arg(long, value_enum, default_value_t = Format::Human, conflicts_with = "submissions")]
    pub format: Format,
    /// Write the result here instead of standard output (one submission, or --check).
    #[arg(long, short = 'o', conflicts_with = "submissions")]
    pub output: Option<PathBuf>,
    /// Show only what a student may see (before the due date, unless --after-due/--published),
    /// in every format. One submission only: a batch writes student.txt itself.
    #[arg(long, conflicts_with_all = ["submissions", "check", "student_pack"])]
    pub student_view: bool,
    /// With --student-view: the due date has passed (after_due_date scenarios are shown).
    #[arg(long, requires = "student_view")]
    pub after_due: bool,
    /// With --student-view: grades are published (after_published scenarios are shown).
    #[arg(long, requires = "student_view")]
    pub published: bool,
    /// Exit 0 even without full marks (default: exit 1 then, as GitHub Classroom expects).
    #[arg(long, conflicts_with = "submissions")]
    pub exit_zero: bool,
    /// Batch: the CSV gradebook (default ./gradebook.csv; never inside the submissions).
    #[arg(long, conflicts_with_all = BATCH_ONLY)]
    pub gradebook: Option<PathBuf>,
    /// Batch: exit 1 when a submission's total is below N points (default: exit 0
    /// whenever grading succeeded, whatever the marks).
    #[arg(long, value_name = "N", conflicts_with_all = BATCH_ONLY, value_parser = parse_fail_under, allow_negative_numbers = true)]
    pub fail_under: Option<f64>,
    /// Batch: write a report folder per submission here.
    #[arg(long, conflicts_with_all = BATCH_ONLY)]
    pub reports: Option<PathBuf>,
    /// Batch: worker threads (default: one per core). The gradebook is the same for any number.
    #[arg(long, short = 'j', default_value_t = 0, value_parser = crate::cli::parse_jobs, conflicts_with_all = BATCH_ONLY)]
    pub jobs: usize,
    /// Batch: grade only shard i of n (1-based), e.g. 2/4; merge with `scn gradebook merge`.
    #[arg(long, conflicts_with_all = BATCH_ONLY)]
    pub shard: Option<String>,
    /// Batch: wall-clock seconds per submission before it is stopped (default: the
    /// assignment's [limits] time-limit-seconds, else 60).
    #[arg(long, value_name = "SECONDS", conflicts_with_all = BATCH_ONLY)]
    pub time_limit: Option<u64>,
    /// Batch: memory per submission in MiB before it is stopped (default: the assignment's
    /// [limits] memory-limit-mib, else 2048; unix only).
    #[arg(long, value_name = "MIB", conflicts_with_all = BATCH_ONLY)]
    pub memory_limit: Option<u64>,
}

/// `--fail-under N`: a number of points, finite and at least 0 (`nan` would never fire and
/// silently switch the gate off).
fn parse_fail_under(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && (0.0..=1e9).contains(&n) => Ok(n),
        Ok(_) => Err("expected a number of points between 0 and 1000000000".to_string()),
        Err(_) => Err("expected a number of points, e.g. 8 or 7.5".to_string()),
    }
}

/// `scn gradebook`.
#[derive(Subcommand, Debug)]
pub enum GradebookCommand {
    /// Merge gradebooks of one assignment (e.g. shards) into one.
    Merge {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, short = 'o')]
        output: PathBuf,
    },
}

fn emit(text: &str, output: Option<&Path>) -> Result<(), String> {
    match output {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            Ok(())
        }
    }
}

/// `path` made absolute with its links resolved, as far as it exists (a gradebook or a
/// reports folder usually does not exist yet): the longest existing ancestor is
/// canonicalized and the rest appended.
fn resolved(path: &Path) -> Option<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let mut rest = Vec::new();
    let mut at = absolute.as_path();
    loop {
        if let Ok(real) = at.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return Some(out);
        }
        rest.push(at.file_name()?.to_os_string());
        at = at.parent()?;
    }
}

/// Refuses an output path (`what`, given with `flag`) inside one of `folders`: the
/// assignment's files and the students' folders are inputs, never outputs (a gradebook
/// written over assignment.toml, reports written into each student's folder where the next
/// batch would grade them).
fn outside(path: &Path, flag: &str, what: &str, folders: &[(&Path, &str)]) -> Result<(), String> {
    let Some(target) = resolved(path) else {
        return Ok(());
    };
    for (folder, name) in folders {
        let Ok(folder) = folder.canonicalize() else {
            continue;
        };
        if target.starts_with(&folder) {
            return Err(format!(
                "the {what} {} would be inside the {name} {}; give {flag} a path outside it",
                path.display(),
                folder.display()
            ));
        }
    }
    Ok(())
}

/// Runs `scn grade`; returns the exit code: 0 full marks (or --exit-zero), 1 not full
/// marks, 2 the assignment or the command line is wrong. A batch (`--submissions`) exits
/// 0 when every submission was graded, 1 only under `--fail-under N`.
pub fn run_grade(args: &GradeArgs) -> i32 {
    let assignment = match load_assignment(&args.assignment) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let view = if args.student_view {
        View::Student {
            after_due: args.after_due,
            published: args.published,
        }
    } else {
        View::Teacher
    };
    let not_full = if args.exit_zero { 0 } else { 1 };
    // -o never writes over the assignment, nor over a file the student handed in. A new
    // file in the submission folder is allowed: GitHub Classroom grades in the student's
    // own checkout (`--submission . -o results.json`).
    if let Some(output) = &args.output {
        let inputs = [(args.assignment.as_path(), "assignment folder")];
        let mut refused = outside(output, "-o", "output", &inputs);
        if let (Ok(()), Some(submission)) = (&refused, &args.submission) {
            if output.exists() {
                refused = outside(
                    output,
                    "-o",
                    "output (an existing file)",
                    &[(submission.as_path(), "submission folder")],
                );
            }
        }
        if let Err(e) = refused {
            eprintln!("error: {e}");
            return 2;
        }
    }
    if let Some(dir) = &args.student_pack {
        return match super::pack::write(&assignment, dir) {
            Ok(files) => {
                let _ = emit(
                    &format!(
                        "student pack written to {}: {}\n",
                        dir.display(),
                        files.join(", ")
                    ),
                    None,
                );
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                2
            }
        };
    }
    if args.check {
        let (text, ok) = match check::check(&assignment) {
            Ok(checked) => checked,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        };
        if let Err(e) = emit(&text, args.output.as_deref()) {
            eprintln!("error: {e}");
            return 2;
        }
        return if ok { 0 } else { 1 };
    }
    if let Some(dir) = &args.submissions {
        let shard = match args.shard.as_deref().map(batch::parse_shard).transpose() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        };
        let path = args
            .gradebook
            .clone()
            .unwrap_or_else(|| PathBuf::from("gradebook.csv"));
        let inputs = [
            (dir.as_path(), "submissions folder"),
            (args.assignment.as_path(), "assignment folder"),
        ];
        let checks = std::iter::once((&path, "--gradebook", "gradebook")).chain(
            args.reports
                .iter()
                .map(|r| (r, "--reports", "reports folder")),
        );
        for (out, flag, what) in checks {
            if let Err(e) = outside(out, flag, what, &inputs) {
                eprintln!("error: {e}");
                return 2;
            }
        }
        let options = BatchOptions {
            jobs: args.jobs,
            shard,
            reports: args.reports.clone(),
            time_limit: args.time_limit,
            memory_limit: args.memory_limit,
        };
        let reports = match batch::grade_all(&assignment, dir, &options) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        };
        let book = batch::gradebook(&assignment, &reports);
        if let Err(e) = std::fs::write(&path, &book) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return 2;
        }
        let full = reports.iter().filter(|r| r.full_marks()).count();
        let mut summary = String::new();
        for r in &reports {
            let reasons = batch::summary_reasons(r);
            summary.push_str(&format!(
                "{} {}/{}{}\n",
                batch::escape_control(&r.submission),
                points(r.score),
                points(r.max_score),
                if reasons.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", reasons.join("; "))
                }
            ));
        }
        summary.push_str(&format!(
            "\n{} submissions graded, {} with full marks; gradebook: {}\n",
            reports.len(),
            full,
            path.display()
        ));
        let _ = emit(&summary, None);
        // A batch succeeded when every submission was graded: a class where some students
        // lack full marks is normal, not a failure of the teacher's CI.
        let under = args
            .fail_under
            .map_or(0, |n| reports.iter().filter(|r| r.score < n).count());
        if under > 0 {
            eprintln!(
                "{under} submission{} scored under {} points (--fail-under)",
                if under == 1 { "" } else { "s" },
                points(args.fail_under.unwrap_or(0.0))
            );
            return 1;
        }
        return 0;
    }
    let Some(submission) = &args.submission else {
        eprintln!("error: give --submission DIR, --submissions DIR or --check");
        return 2;
    };
    // A mistyped path is the teacher's slip, not the student's 0 points.
    if submission.symlink_metadata().is_err() {
        eprintln!(
            "error: the submission folder {} does not exist",
            submission.display()
        );
        return 2;
    }
    let name = submission.display().to_string();
    let name = name.strip_prefix("./").unwrap_or(&name).to_string();
    let report = grade(&assignment, submission, &name);
    let text = formats::render(&report, args.format, view);
    if let Err(e) = emit(&text, args.output.as_deref()) {
        eprintln!("error: {e}");
        return 2;
    }
    if report.full_marks() {
        0
    } else {
        not_full
    }
}

pub fn run_gradebook(command: &GradebookCommand) -> i32 {
    match command {
        GradebookCommand::Merge { files, output } => {
            let mut texts = Vec::new();
            for f in files {
                match crate::runner::load::read_text(f, crate::runner::load::MAX_GRADEBOOK_BYTES) {
                    Ok(t) => texts.push((f.display().to_string(), t)),
                    Err(e) => {
                        eprintln!("error: cannot read {}: {e}", f.display());
                        return 2;
                    }
                }
            }
            match batch::merge(&texts).and_then(|merged| emit(&merged, Some(output))) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("error: {e}");
                    2
                }
            }
        }
    }
}
