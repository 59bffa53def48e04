//! The `scn` command line.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::runner::plan::Shard;
use crate::runner::{self, formats, listing, report, FileOutcome, RunOptions};
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "scn",
    version,
    about = "Check StatefulSet scenarios against a simulated Kubernetes cluster",
    after_help = "Exit codes: 0 success; 1 a scenario failed (run, trace), a mutant survived\n\
                  (mutants) or marks are missing (grade); 2 a file could not be loaded, a usage\n\
                  error or a broken assignment."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the scenarios of .scn files and folders (searched recursively).
    #[command(
        after_help = "Exit codes: 0 every scenario passed (or none was selected); 1 a scenario\n\
                      failed; 2 a file could not be loaded (syntax, a missing manifest: its\n\
                      scenarios do not run, the others do) or a usage error. 2 wins over 1."
    )]
    Run {
        /// Files or folders; the current folder when none is given.
        paths: Vec<PathBuf>,
        /// Worker threads (default: one per core). Results are the same for any number.
        #[arg(long, short = 'j', default_value_t = 0, value_parser = parse_jobs)]
        jobs: usize,
        /// Run only scenarios whose `path::title` contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// When to color the report.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
        #[command(flatten)]
        selection: Selection,
        /// Start no scenario after the first failure; the report shows what ran, in order.
        #[arg(long)]
        fail_fast: bool,
        #[command(flatten)]
        report: ReportArgs,
        /// Rewrite the literal expected values of failing expectations with what the
        /// cluster showed (also with SCN_BLESS=1).
        #[arg(long)]
        bless: bool,
        /// Run with this seeded bug switched on (`scn mutants --list` shows them).
        #[arg(long, value_name = "ID")]
        mutant: Option<String>,
        /// Run `apply submission "…"` against the files of this folder, as `scn grade`
        /// does (a student trying an assignment's visible scenarios).
        #[arg(long, value_name = "DIR")]
        submission: Option<PathBuf>,
    },
    /// Run the scenarios once on the faithful simulation, then once per seeded bug
    /// (mutant): which mutants each scenario kills, the survivors, the mutation score.
    Mutants {
        /// Files or folders; the current folder when none is given.
        paths: Vec<PathBuf>,
        /// Only these mutants (repeatable; default: all).
        #[arg(long = "mutant", value_name = "ID")]
        mutants: Vec<String>,
        /// Worker threads (default: one per core). Results are the same for any number.
        #[arg(long, short = 'j', default_value_t = 0, value_parser = parse_jobs)]
        jobs: usize,
        /// The report's format.
        #[arg(long, value_enum, default_value_t = MutantsFormat::Human)]
        format: MutantsFormat,
        /// Write the report to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// List the mutants (id, what it breaks, behaviour ids) and exit.
        #[arg(long)]
        list: bool,
    },
    /// List the scenarios a run would start, as `path::title [tag, tag]`, one per line.
    List {
        /// Files or folders; the current folder when none is given.
        paths: Vec<PathBuf>,
        /// Only scenarios whose `path::title` contains this text.
        #[arg(long)]
        filter: Option<String>,
        #[command(flatten)]
        selection: Selection,
        /// When to color load errors.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Parse and load files (manifests, blocks) without running: `ok PATH` or the errors.
    #[command(
        after_help = "Exit codes: 0 every file loads; 2 a file could not be loaded or a usage error."
    )]
    Check {
        /// Files or folders; the current folder when none is given.
        paths: Vec<PathBuf>,
        /// When to color the errors.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Show one scenario's timeline as `kubectl get pods -w` shows it, with each statement
    /// and the reasons the StatefulSet controller waited.
    Trace {
        /// The .scn file.
        file: PathBuf,
        /// The scenario's title (default: the file's first scenario).
        #[arg(long)]
        scenario: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TraceFormat::Human)]
        format: TraceFormat,
        /// Use ASCII marks (`>`, `||`, `x`) instead of `▶`, `⏸`, `✗`.
        #[arg(long)]
        ascii: bool,
    },
    /// Create a scenario suite that `cargo test` runs: scenarios/, tests/scenarios.rs and
    /// the Cargo.toml entries (a new library crate when DIR has no Cargo.toml).
    Init {
        /// The crate's folder (created if missing); the current folder when not given.
        dir: Option<PathBuf>,
        /// Depend on kscn from this git repository instead of this build's own folder.
        #[arg(long, value_name = "URL")]
        git: Option<String>,
    },
    /// Grade a student's submission against an assignment (see README "Grading").
    Grade(crate::grade::cli::GradeArgs),
    /// Work with gradebooks written by `scn grade --submissions`.
    #[command(subcommand)]
    Gradebook(crate::grade::cli::GradebookCommand),
    /// Internal: grade one submission of a batch as JSON on stdout (a child process of
    /// `scn grade --submissions`, under its time and memory limits).
    #[command(name = "grade-one", hide = true)]
    GradeOne {
        assignment: PathBuf,
        submission: PathBuf,
        name: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MutantsFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum TraceFormat {
    Human,
    Json,
}

/// Which of the scenarios run (with `--filter`).
#[derive(Args)]
struct Selection {
    /// Only scenarios with this tag (repeatable: any of the tags).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Only shard i of n (1-based) of the selected scenarios, numbered in path then
    /// scenario order: those whose number % n == i - 1.
    #[arg(long, value_name = "i/n")]
    shard: Option<Shard>,
}

/// What the report looks like and where it goes.
#[derive(Args)]
struct ReportArgs {
    /// The report's format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Zero the wall-clock fields, so two runs give byte-identical reports.
    #[arg(long)]
    no_timings: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
    Junit,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// `--jobs N`: 0 (one per core) to `runner::MAX_JOBS`; more is a usage error, not
/// silently fewer.
pub fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n <= runner::MAX_JOBS => Ok(n),
        _ => Err(format!(
            "expected a number of worker threads from 0 (one per core) to {}",
            runner::MAX_JOBS
        )),
    }
}

/// Refuses a report path that would replace one of the files a run reads: a scenario
/// file of the run, or any existing `.scn`, `.yaml` or `.yml` file (a manifest).
fn not_an_input(output: &std::path::Path, files: &[(PathBuf, String)]) -> Result<(), String> {
    let Ok(target) = output.canonicalize() else {
        return Ok(());
    };
    let is_input = files
        .iter()
        .any(|(path, _)| path.canonicalize().is_ok_and(|p| p == target))
        || (target.is_file()
            && target
                .extension()
                .is_some_and(|e| e == "scn" || e == "yaml" || e == "yml"));
    if is_input {
        return Err(format!(
            "the output {} would replace an input (a scenario or a manifest); give --output a new path",
            output.display()
        ));
    }
    Ok(())
}

/// Writes to stdout; a failed write (a full disk, a closed file) is an error, exit 2. A
/// reader that went away (`scn run | head`) is not: nothing is printed about it.
fn write_stdout(text: &[u8]) -> Result<(), ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            eprintln!("error: cannot write the report to standard output: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal(),
    }
}

/// Runs the `scn` command line on the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Usage errors are exit 2, as docs/language.md asks; --help and --version are 0.
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Trace {
            file,
            scenario,
            format,
            ascii,
        } => trace_command(&file, scenario.as_deref(), format, ascii),
        Command::Init { dir, git } => init(&dir.unwrap_or_else(|| PathBuf::from(".")), git),
        Command::Grade(args) => ExitCode::from(crate::grade::cli::run_grade(&args) as u8),
        Command::Gradebook(command) => {
            ExitCode::from(crate::grade::cli::run_gradebook(&command) as u8)
        }
        Command::GradeOne {
            assignment,
            submission,
            name,
        } => ExitCode::from(
            crate::grade::isolate::run_grade_one(&assignment, &submission, &name) as u8,
        ),
        Command::Run {
            paths,
            jobs,
            filter,
            color,
            selection,
            fail_fast,
            report,
            bless,
            mutant,
            submission,
        } => {
            let mutant = match mutant
                .map(|id| runner::mutants::parse_ids(&[id]))
                .transpose()
            {
                Ok(m) => m.and_then(|m| m.first().copied()),
                Err(message) => {
                    eprintln!("error: {message}");
                    return ExitCode::from(2);
                }
            };
            if let Some(m) = mutant {
                eprintln!("note: mutant {m} is on: {}", m.summary());
            }
            let files = match files_or_exit(paths) {
                Ok(files) => files,
                Err(code) => return code,
            };
            if let Some(output) = &report.output {
                if let Err(e) = not_an_input(output, &files) {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
            // A mistyped path is a usage error (as for `scn grade`), not one failure per
            // scenario.
            if let Some(dir) = &submission {
                if !dir.is_dir() {
                    let what = if dir.symlink_metadata().is_ok() {
                        "is not a folder"
                    } else {
                        "does not exist"
                    };
                    eprintln!("error: the submission folder {} {what}", dir.display());
                    return ExitCode::from(2);
                }
            }
            // With `--submission DIR` the files that apply a submission's files run against it.
            let files = if submission.is_some() {
                files
            } else {
                skip_submissions(files, report.format == Format::Human)
            };
            let options = RunOptions {
                jobs,
                filter,
                tags: selection.tags,
                shard: selection.shard,
                fail_fast,
                mutant,
                submission,
            };
            if bless || std::env::var("SCN_BLESS").is_ok_and(|v| v == "1") {
                let blessed = runner::bless::run(&files, &options);
                let code = emit(blessed.outcomes, &report, color);
                let mut stdout = std::io::stdout().lock();
                for line in &blessed.lines {
                    let _ = writeln!(stdout, "{line}");
                }
                return code;
            }
            let outcomes = runner::run(&files, &options);
            let ran: usize = outcomes
                .iter()
                .filter_map(|f| f.result.as_ref().ok())
                .map(Vec::len)
                .sum();
            let code = emit(outcomes, &report, color);
            // Nothing selected: say so (stderr), and exit as the run did (0 with no
            // failure), as `cargo test FILTER` does.
            if ran == 0 {
                if let Some(note) = listing::nothing_selected(&files, &options) {
                    eprintln!("{note}");
                }
            }
            code
        }
        Command::List {
            paths,
            filter,
            selection,
            color,
        } => match files_or_exit(paths) {
            Ok(files) => {
                // stdout stays one scenario per line.
                let files = skip_submissions(files, false);
                let options = RunOptions {
                    filter,
                    tags: selection.tags,
                    shard: selection.shard,
                    ..RunOptions::default()
                };
                print(listing::list(&files, &options, palette(color)))
            }
            Err(code) => code,
        },
        Command::Mutants {
            paths,
            mutants,
            jobs,
            format,
            output,
            list,
        } => mutants_command(paths, &mutants, jobs, format, output, list),
        Command::Check { paths, color } => match files_or_exit(paths) {
            Ok(files) => {
                let files = skip_submissions(files, true);
                print(listing::check(&files, palette(color)))
            }
            Err(code) => code,
        },
    }
}

/// `scn mutants`: 0 every mutant killed, 1 a survivor or a scenario failing on the
/// faithful simulation, 2 a file that does not load or a usage error.
fn mutants_command(
    paths: Vec<PathBuf>,
    ids: &[String],
    jobs: usize,
    format: MutantsFormat,
    output: Option<PathBuf>,
    list: bool,
) -> ExitCode {
    if list {
        print!("{}", runner::mutants::render_list());
        return ExitCode::SUCCESS;
    }
    let mutants = if ids.is_empty() {
        crate::sim::Mutant::ALL.to_vec()
    } else {
        match runner::mutants::parse_ids(ids) {
            Ok(m) => m,
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        }
    };
    let files = match files_or_exit(paths) {
        Ok(files) => files,
        Err(code) => return code,
    };
    if let Some(output) = &output {
        if let Err(e) = not_an_input(output, &files) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let matrix = match runner::mutants::run(&files, &mutants, jobs) {
        runner::mutants::Outcome::Broken(errors) => {
            eprint!("{}", runner::load::render_all(&errors));
            return ExitCode::from(2);
        }
        runner::mutants::Outcome::Analysed(matrix) => matrix,
    };
    let text = match format {
        MutantsFormat::Human => runner::mutants::render_human(&matrix),
        MutantsFormat::Json => runner::mutants::render_json(&matrix),
    };
    match output {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, &text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
        None => print!("{text}"),
    }
    ExitCode::from(runner::mutants::exit_code(&matrix) as u8)
}

fn palette(color: Color) -> report::Palette {
    report::Palette {
        color: use_color(color),
    }
}

/// The `.scn` files under `paths`, or, when none is given, under the project's roots
/// (`scenarios/`, or the `roots` of `scn.toml`, less its `exclude`); or the usage error.
fn files_or_exit(paths: Vec<PathBuf>) -> Result<Vec<(PathBuf, String)>, ExitCode> {
    if paths.is_empty() {
        return match runner::discover_project(std::path::Path::new(".")) {
            Ok(files) if files.is_empty() => {
                eprintln!("error: no .scn files found in the project's scenario roots");
                Err(ExitCode::from(2))
            }
            Ok(files) => Ok(files),
            Err(message) => {
                eprintln!("error: {message}");
                eprintln!(
                    "hint: give files or folders (`scn run path/to/scenarios`), or write an scn.toml with `roots = [\"…\"]`"
                );
                Err(ExitCode::from(2))
            }
        };
    }
    match runner::discover(&paths) {
        Ok(files) if files.is_empty() => {
            eprintln!(
                "error: no .scn files found in {}",
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Err(ExitCode::from(2))
        }
        Ok(files) => Ok(files),
        Err(missing) => {
            eprintln!("error: no such file or folder: {}", missing.0);
            let shown = missing.0.clone();
            match runner::listed_scenario(&shown) {
                // `scn list` prints `path::title`: pasted as a path, it names one scenario.
                Some((file, _)) => eprintln!(
                    "hint: `{shown}` is how `scn list` names a scenario; to run only it: `scn run {file} --filter {}`",
                    runner::shell_quote(&shown)
                ),
                None => eprintln!(
                    "hint: `scn` takes .scn files and folders, e.g. `scn run scenarios/`"
                ),
            }
            Err(ExitCode::from(2))
        }
    }
}

/// Leaves out the files that apply a submission's files (they run under `scn grade`), with
/// one line each saying so: on stdout before a human report, else on stderr.
fn skip_submissions(files: Vec<(PathBuf, String)>, to_stdout: bool) -> Vec<(PathBuf, String)> {
    let (skipped, kept): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|(path, _)| runner::needs_submission(path));
    for (_, shown) in &skipped {
        let line =
            format!("SKIP {shown}: it applies a submission's files; run it with `scn grade`, or `scn run --submission DIR`");
        if to_stdout {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
    kept
}

/// `scn trace`: 0 when the scenario passed, 1 when it failed, 2 when the file could not be
/// loaded or has no such scenario.
fn trace_command(
    file: &std::path::Path,
    scenario: Option<&str>,
    format: TraceFormat,
    ascii: bool,
) -> ExitCode {
    let shown = file.display().to_string();
    let shown = shown.strip_prefix("./").unwrap_or(&shown).to_string();
    if file.is_dir() {
        eprintln!("error: {shown} is a folder; `scn trace` follows one scenario of one .scn file");
        let files = runner::discover(&[file.to_path_buf()]).unwrap_or_default();
        match files.as_slice() {
            [] => eprintln!("hint: there is no .scn file under {shown}"),
            files => {
                eprintln!("hint: `scn trace FILE [--scenario TITLE]`, with FILE one of:");
                for (_, name) in files.iter().take(10) {
                    eprintln!("  {name}");
                }
                if files.len() > 10 {
                    eprintln!(
                        "  ... and {} more (`scn list {shown}` lists the scenarios)",
                        files.len() - 10
                    );
                }
            }
        }
        return ExitCode::from(2);
    }
    let loaded = match runner::load::load(file, &shown) {
        Ok(loaded) => loaded,
        Err(errors) => {
            let palette = report::Palette {
                color: use_color(Color::Auto),
            };
            eprint!("{}", report::render_load_errors(&shown, &errors, palette));
            return ExitCode::from(2);
        }
    };
    let titles: Vec<&str> = loaded
        .ast
        .scenarios
        .iter()
        .map(|s| s.title.as_str())
        .collect();
    let index = match scenario {
        None if titles.is_empty() => {
            eprintln!("error: {shown} has no scenario");
            return ExitCode::from(2);
        }
        None => 0,
        Some(title) => match titles.iter().position(|t| *t == title) {
            Some(i) => i,
            None => {
                eprintln!("error: {shown} has no scenario \"{title}\"; its scenarios are:");
                for t in &titles {
                    eprintln!("  {t}");
                }
                return ExitCode::from(2);
            }
        },
    };
    let traced = runner::trace::trace(&loaded, index);
    let text = match format {
        TraceFormat::Human => runner::trace::render_human(
            &traced,
            if ascii {
                runner::trace::ASCII
            } else {
                runner::trace::UNICODE
            },
        ),
        TraceFormat::Json => runner::trace::render_json(&traced),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    ExitCode::from(if traced.passed { 0 } else { 1 })
}

fn print(printed: listing::Printed) -> ExitCode {
    let _ = std::io::stdout()
        .lock()
        .write_all(printed.stdout.as_bytes());
    let _ = std::io::stderr()
        .lock()
        .write_all(printed.stderr.as_bytes());
    ExitCode::from(printed.code)
}

/// Renders the report in its format, writes it to `--output` or stdout, and on GitHub
/// Actions adds the annotation lines of the human format to stdout.
fn emit(mut outcomes: Vec<FileOutcome>, args: &ReportArgs, color: Color) -> ExitCode {
    if args.no_timings {
        formats::zero_timings(&mut outcomes);
    }
    let text = match args.format {
        Format::Human => report::render(
            &outcomes,
            report::Palette {
                // A file gets colors only when asked for.
                color: match args.output {
                    Some(_) => matches!(color, Color::Always),
                    None => use_color(color),
                },
            },
        ),
        Format::Json => formats::render_json(&outcomes),
        Format::Junit => formats::render_junit(&outcomes),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text.as_bytes()) {
                eprintln!("error: cannot write the report to {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
        None => {
            if let Err(code) = write_stdout(text.as_bytes()) {
                return code;
            }
        }
    }
    if args.format == Format::Human && formats::on_github_actions() {
        if let Err(code) = write_stdout(formats::github_annotations(&outcomes).as_bytes()) {
            return code;
        }
    }
    ExitCode::from(runner::exit_code(&outcomes) as u8)
}

fn init(dir: &std::path::Path, git: Option<String>) -> ExitCode {
    use crate::init::{self, Source};
    let source = git.map_or_else(Source::this_crate, Source::Git);
    match init::init(dir, &source) {
        Ok(summary) => {
            for path in &summary.created {
                println!("created {}", dir.join(path).display());
            }
            for path in &summary.changed {
                println!("updated {}", dir.join(path).display());
            }
            println!(
                "run the scenarios with `cargo test --test scenarios` in {}",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
