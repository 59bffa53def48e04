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
    /// Create a scenario suite that `cargo test` runs: scenarios/, tests/scenarios.rs and
    /// the Cargo.toml entries (a new library crate when DIR has no Cargo.toml).
    Init {
        /// The crate's folder (created if missing); the current folder when not given.
        dir: Option<PathBuf>,
        /// Depend on kscn from this git repository instead of this build's own folder.
        #[arg(long, value_name = "URL")]
        git: Option<String>,
    },
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
        Command::Init { dir, git } => init(&dir.unwrap_or_else(|| PathBuf::from(".")), git),
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

fn init(dir: &std::path::Path, git: Option<String>) -> ExitCode {
    use kscn::init::{self, Source};
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
