//! Isolation in batch grading: each submission of `scn grade --submissions` is graded in a
//! child process (this scn binary, hidden subcommand `scn grade-one`, the result as JSON
//! on stdout) under a wall-clock limit and a memory limit. A submission that runs away
//! (a scenario that takes minutes, or gigabytes) is stopped and scores 0 with a clear
//! reason, while the rest of the batch is graded and the gradebook written complete.
//!
//! Time: the parent kills the child after the limit. Memory: the child's address space is
//! capped with `setrlimit(RLIMIT_AS)` before it starts (unix only; elsewhere there is no
//! memory limit). Single-submission `scn grade`, and callers that are not the scn binary
//! (the library's tests), grade in-process.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{Assignment, GradeReport, TestResult};

/// Wall-clock limit per submission when neither the assignment nor the command line set one.
pub const DEFAULT_TIME_LIMIT_SECONDS: u64 = 60;
/// Memory limit per submission (MiB) when neither the assignment nor the command line set one.
pub const DEFAULT_MEMORY_LIMIT_MIB: u64 = 2048;
/// The hidden subcommand a child runs.
pub const SUBCOMMAND: &str = "grade-one";

/// The least `--memory-limit` accepted: the address space a grading process needs before
/// it reads a submission (the binary, its thread stacks and allocator arenas; a release
/// build grades the example assignment's reference in 64 MiB and dies in 32). Below it,
/// every submission would be "stopped: used more than N MiB", the teacher's slip blamed
/// on the students.
pub const MIN_MEMORY_LIMIT_MIB: u64 = 64;

/// How a batch isolates its submissions.
#[derive(Clone, Debug)]
pub struct Isolation {
    /// The scn binary the children run.
    pub exe: PathBuf,
    pub time_limit: Duration,
    /// In MiB.
    pub memory_limit_mib: u64,
}

impl Isolation {
    /// Limits: the command line's over the assignment's over the defaults; a limit of 0
    /// is refused (exit 2). `Ok(None)` when this process is not the scn binary (a test of
    /// the library): grading stays in-process.
    pub fn new(
        assignment: &Assignment,
        time_limit_seconds: Option<u64>,
        memory_limit_mib: Option<u64>,
    ) -> Result<Option<Isolation>, String> {
        let limits = &assignment.config.limits;
        // `[limits]` values are at least 1 by their type (refused where they are written).
        let seconds = match (time_limit_seconds, limits.time_limit_seconds) {
            (Some(0), _) => return Err("--time-limit must be at least 1 (seconds)".into()),
            (Some(s), _) => s,
            (None, Some(s)) => s.get(),
            (None, None) => DEFAULT_TIME_LIMIT_SECONDS,
        };
        let mib = match (memory_limit_mib, limits.memory_limit_mib) {
            (Some(0), _) => return Err("--memory-limit must be at least 1 (MiB)".into()),
            (Some(m), _) if m < MIN_MEMORY_LIMIT_MIB => {
                return Err(format!(
                    "--memory-limit {m} is below the {MIN_MEMORY_LIMIT_MIB} MiB scn itself needs to start a grading process; give at least {MIN_MEMORY_LIMIT_MIB}"
                ))
            }
            (Some(m), _) => m,
            (None, Some(m)) if m.get() < MIN_MEMORY_LIMIT_MIB => {
                return Err(format!(
                    "memory-limit-mib = {m} in assignment.toml is below the {MIN_MEMORY_LIMIT_MIB} MiB scn itself needs to start a grading process; give at least {MIN_MEMORY_LIMIT_MIB}"
                ))
            }
            (None, Some(m)) => m.get(),
            (None, None) => DEFAULT_MEMORY_LIMIT_MIB,
        };
        let Some(exe) = scn_exe() else {
            return Ok(None);
        };
        Ok(Some(Isolation {
            exe,
            time_limit: Duration::from_secs(seconds),
            memory_limit_mib: mib,
        }))
    }
}

/// This process's executable when it is the scn binary.
fn scn_exe() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let stem = exe.file_stem()?.to_str()?;
    (stem == "scn" && exe.is_file()).then_some(exe)
}

/// `2 GiB`, `300 MiB`.
pub fn show_mib(mib: u64) -> String {
    if mib >= 1024 && mib % 1024 == 0 {
        format!("{} GiB", mib / 1024)
    } else {
        format!("{mib} MiB")
    }
}

/// `scn grade-one ASSIGNMENT SUBMISSION NAME`: grades one submission, prints the result
/// as JSON (`to_json`); exit 0 when it printed one, 2 when the assignment does not load.
pub fn run_grade_one(assignment: &Path, submission: &Path, name: &str) -> i32 {
    let assignment = match super::load_assignment(assignment) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let report = super::grade(&assignment, submission, name);
    let text = to_json(&report).to_string();
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).is_err() || stdout.flush().is_err() {
        return 2;
    }
    0
}

/// What a child sends its parent: the report without the assignment's own data (the
/// parent has the test specs; a test is named by its number).
pub fn to_json(report: &GradeReport) -> Value {
    json!({
        "submission": report.submission,
        "score": report.score,
        "gradable": report.gradable,
        "problems": report.problems,
        "load_errors": report.load_errors.iter().map(|e| json!({
            "file": e.file,
            "message": e.message,
        })).collect::<Vec<_>>(),
        "duration_ms": report.duration_ms as u64,
        "tests": report.tests.iter().map(|t| json!({
            "number": t.spec.number,
            "passed": t.passed,
            "score": t.score,
            "message": t.message,
            "output": t.output,
            "tags": t.tags,
            "duration_ms": t.duration_ms as u64,
            "expectation_failed": t.expectation_failed,
            "blocked_by": t.blocked_by,
        })).collect::<Vec<_>>(),
    })
}

/// The report a child sent, its tests matched to the assignment's by number.
pub fn from_json(assignment: &Assignment, value: &Value) -> Result<GradeReport, String> {
    let text = |v: &Value, key: &str| -> Result<String, String> {
        v[key]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no {key}"))
    };
    let number = |v: &Value, key: &str| v[key].as_f64().ok_or_else(|| format!("no {key}"));
    let flag = |v: &Value, key: &str| v[key].as_bool().ok_or_else(|| format!("no {key}"));
    let mut tests = Vec::new();
    for t in value["tests"].as_array().ok_or("no tests")? {
        let n = t["number"].as_u64().ok_or("no test number")?;
        let spec = assignment
            .tests
            .iter()
            .find(|s| s.number as u64 == n)
            .ok_or_else(|| format!("no test {n} in the assignment"))?;
        tests.push(TestResult {
            spec: spec.clone(),
            passed: flag(t, "passed")?,
            score: number(t, "score")?,
            message: text(t, "message")?,
            output: text(t, "output")?,
            tags: t["tags"]
                .as_array()
                .ok_or("no tags")?
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
            duration_ms: t["duration_ms"].as_u64().unwrap_or(0) as u128,
            expectation_failed: flag(t, "expectation_failed")?,
            blocked_by: t["blocked_by"].as_str().map(str::to_string),
        });
    }
    Ok(GradeReport {
        assignment: assignment.config.title.clone(),
        submission: text(value, "submission")?,
        score: number(value, "score")?,
        max_score: assignment.max_score(),
        gradable: flag(value, "gradable")?,
        problems: value["problems"]
            .as_array()
            .ok_or("no problems")?
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect(),
        load_errors: value["load_errors"]
            .as_array()
            .ok_or("no load_errors")?
            .iter()
            .map(|e| -> Result<super::LoadError, String> {
                Ok(super::LoadError {
                    file: text(e, "file")?,
                    message: text(e, "message")?,
                })
            })
            .collect::<Result<_, _>>()?,
        tests,
        duration_ms: value["duration_ms"].as_u64().unwrap_or(0) as u128,
    })
}

/// What a stopped submission's tests say after the reason: what to look for.
const STOPPED_ADVICE: &str = "no scenario of this submission earned points; a correct submission stays well within the limit (look for a huge `replicas`, or pods that never become Ready)";

/// A submission stopped before it finished: 0 points, `reason` as the report's problem
/// and on every test, with advice when a limit stopped it (students see both).
pub fn stopped(
    assignment: &Assignment,
    name: &str,
    reason: &str,
    elapsed: Duration,
) -> GradeReport {
    let message = if reason.starts_with("stopped: took") || reason.starts_with("stopped: used") {
        format!("{reason}: {STOPPED_ADVICE}")
    } else {
        reason.to_string()
    };
    GradeReport {
        assignment: assignment.config.title.clone(),
        submission: name.to_string(),
        score: 0.0,
        max_score: assignment.max_score(),
        gradable: true,
        problems: vec![reason.to_string()],
        load_errors: Vec::new(),
        tests: assignment
            .tests
            .iter()
            .map(|spec| TestResult::not_earned(spec, message.clone(), String::new()))
            .collect(),
        duration_ms: elapsed.as_millis(),
    }
}

/// Grades one submission in a child process under `iso`'s limits.
pub fn grade_isolated(
    iso: &Isolation,
    assignment: &Assignment,
    submission: &Path,
    name: &str,
) -> GradeReport {
    let started = Instant::now();
    let time_reason = format!("stopped: took more than {} s", iso.time_limit.as_secs());
    let memory_reason = format!("stopped: used more than {}", show_mib(iso.memory_limit_mib));
    let mut command = Command::new(&iso.exe);
    command
        .arg(SUBCOMMAND)
        // A submission folder named `--help` is a name, not a flag.
        .arg("--")
        .arg(&assignment.dir)
        .arg(submission)
        .arg(name)
        // One worker thread per child: the batch's --jobs is the parallelism.
        .env("RAYON_NUM_THREADS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    limit_memory(&mut command, iso.memory_limit_mib);
    let mut child = match command.spawn() {
        Ok(child) => child,
        // The machine, not the submission: grade it here, without the limits.
        Err(_) => return super::grade(assignment, submission, name),
    };
    // Drain both pipes on their own threads so a chatty child never blocks on a full pipe.
    let out = child.stdout.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    });
    let err = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            // Only the start matters (the reason a child died); never hold a flood.
            let _ = (&mut pipe).take(64 * 1024).read_to_end(&mut buf);
            let _ = std::io::copy(&mut pipe, &mut std::io::sink());
            buf
        })
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() >= iso.time_limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
    let Some(status) = status else {
        return stopped(assignment, name, &time_reason, started.elapsed());
    };
    if status.success() {
        if let Ok(value) = serde_json::from_slice::<Value>(&stdout) {
            if let Ok(report) = from_json(assignment, &value) {
                return report;
            }
        }
    }
    let stderr = String::from_utf8_lossy(&stderr);
    let reason = if out_of_memory(&status, &stderr) {
        memory_reason
    } else {
        format!(
            "stopped: scn's grading process ended without a result ({status}){}",
            stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .map(|l| format!(": {l}"))
                .unwrap_or_default()
        )
    };
    stopped(assignment, name, &reason, started.elapsed())
}

/// A child that died for want of memory: an allocation failed (Rust aborts, saying so), a
/// thread could not get its stack, or the allocator crashed on a refused mapping.
fn out_of_memory(status: &std::process::ExitStatus, stderr: &str) -> bool {
    if stderr.contains("memory allocation of")
        || stderr.contains("Cannot allocate memory")
        || stderr.contains("out of memory")
        || stderr.contains("failed to spawn thread")
        // A thread's stack could not be mapped (rayon's pool, under RLIMIT_AS).
        || stderr.contains("ThreadPoolBuildError")
    {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        matches!(
            status.signal(),
            Some(libc::SIGABRT | libc::SIGSEGV | libc::SIGBUS)
        )
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        false
    }
}

#[cfg(unix)]
fn limit_memory(command: &mut Command, mib: u64) {
    use std::os::unix::process::CommandExt;
    let bytes = mib.saturating_mul(1024 * 1024) as libc::rlim_t;
    // SAFETY: the closure runs in the forked child before exec and only calls
    // setrlimit, which is async-signal-safe; it allocates nothing.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn limit_memory(_command: &mut Command, _mib: u64) {}

#[cfg(test)]
mod tests {
    use super::show_mib;

    #[test]
    fn memory_shows_in_gib_when_whole() {
        assert_eq!(show_mib(2048), "2 GiB");
        assert_eq!(show_mib(300), "300 MiB");
        assert_eq!(show_mib(1536), "1536 MiB");
    }
}
