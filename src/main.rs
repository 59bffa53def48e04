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
    /// Grade a student's submission against an assignment (see README "Grading").
    Grade(kscn::grade::cli::GradeArgs),
    /// Work with gradebooks written by `scn grade --submissions`.
    #[command(subcommand)]
    Gradebook(kscn::grade::cli::GradebookCommand),
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
        Command::Grade(args) => ExitCode::from(kscn::grade::cli::run_grade(&args) as u8),
        Command::Gradebook(command) => {
            ExitCode::from(kscn::grade::cli::run_gradebook(&command) as u8)
        }
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
