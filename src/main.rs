//! The `scn` command line.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use kscn::runner::{self, report, RunOptions};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "scn",
    version,
    about = "Check StatefulSet scenarios against a simulated Kubernetes cluster"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the scenarios of .scn files and folders (searched recursively).
    Run {
        /// Files or folders; the current folder when none is given.
        paths: Vec<PathBuf>,
        /// Worker threads (default: one per core). Results are the same for any number.
        #[arg(long, short = 'j', default_value_t = 0)]
        jobs: usize,
        /// Run only scenarios whose `path::title` contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// When to color the report.
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
}

#[derive(Clone, Copy, ValueEnum)]
enum TraceFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal(),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Usage errors are exit 2, as LANGUAGE.md asks; --help and --version are 0.
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
        Command::Run {
            paths,
            jobs,
            filter,
            color,
        } => {
            let paths = if paths.is_empty() {
                vec![PathBuf::from(".")]
            } else {
                paths
            };
            let files = match runner::discover(&paths) {
                Ok(files) => files,
                Err(missing) => {
                    eprintln!("error: no such file or folder: {}", missing.0);
                    eprintln!(
                        "hint: `scn run` takes .scn files and folders, e.g. `scn run scenarios/`"
                    );
                    return ExitCode::from(2);
                }
            };
            if files.is_empty() {
                eprintln!(
                    "error: no .scn files found in {}",
                    paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                return ExitCode::from(2);
            }
            let outcomes = runner::run(&files, &RunOptions { jobs, filter });
            let text = report::render(
                &outcomes,
                report::Palette {
                    color: use_color(color),
                },
            );
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            ExitCode::from(runner::exit_code(&outcomes) as u8)
        }
    }
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
