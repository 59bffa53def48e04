//! The fuzz harness (issue 11), on stable Rust: mutations of the shipped scenarios and
//! manifests fed to the parser, the manifest loader and the runner. Ignored by default
//! (it runs for minutes); run it with
//!
//! ```text
//! SCN_FUZZ_PARSES=10000000 SCN_FUZZ_RUNS=50000 nice -n 19 \
//!     cargo test --release --test lib fuzz:: -- --ignored --nocapture
//! ```
//!
//! `SCN_FUZZ_SEED` picks another sequence of mutations. A panicking input is written to
//! `target/fuzz-failure.*` and the test fails; keep it as a regression test in
//! `tests/hostile.rs`. An abort (a stack overflow) ends the process at once: the parser
//! test prints each batch it starts, and `SCN_FUZZ_FROM=<batch> SCN_FUZZ_KEEP=1` replays
//! that batch writing every input first. Mutation is blind (no coverage feedback), seeded from every file the
//! repository ships, with a dictionary of the language's and YAML's tokens.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kscn::runner::{exec, load};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env_count(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// splitmix64: a deterministic sequence from one seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    "\"",
    "\"\"\"",
    "\"\"\"\n",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "[[[[",
    "((((",
    "$x",
    "let",
    "expect",
    "await",
    "within",
    "throughout",
    "fails with",
    "to",
    "0",
    "-1",
    "2147483647",
    "2147483648",
    "18446744073709551615ms",
    "1000000h",
    "99999999h",
    "\n",
    "\r",
    "\r\n",
    "\0",
    "\t",
    "#",
    "\\",
    "é",
    "absent",
    "nxdomain",
    "pods",
    "==",
    "!=",
    "contains",
    "pod/",
    "statefulset/",
    "replicas: ",
    ": ",
    "- ",
    "&a ",
    "*a",
    "<<: ",
    "---\n",
    "|\n",
    "{a: [",
    "'",
    "max-pods",
    "max-time",
    "max-events",
    "wait",
    "scale",
    "apply",
    "submission",
    "matches",
    "make",
    "evict",
    "unpullable",
    "down",
    "up",
];

/// One to four mutations of `text`: delete, duplicate or swap a range, insert a token,
/// splice in part of another seed, or repeat an opening bracket many times.
fn mutate(rng: &mut Rng, text: &str, other: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len();
        let at = rng.below(len + 1);
        let span = 1 + rng.below(16.min(len.max(1)));
        let end = (at + span).min(len);
        match rng.below(7) {
            0 => {
                bytes.drain(at..end);
            }
            1 => {
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                bytes.splice(at..at, token.iter().copied());
            }
            3 => {
                let o = other.as_bytes();
                let from = rng.below(o.len());
                let to = (from + 1 + rng.below(200)).min(o.len());
                bytes.splice(at..at, o[from..to].iter().copied());
            }
            4 => {
                let opener = [b'[', b'(', b'{'][rng.below(3)];
                let n = 1 + rng.below(3000);
                bytes.splice(at..at, std::iter::repeat_n(opener, n));
            }
            5 if end > at => {
                let line = rng.below(200);
                bytes.splice(at..end, line.to_string().into_bytes());
            }
            _ => {
                if len > 2 {
                    let other_at = rng.below(len);
                    bytes.swap(at.min(len - 1), other_at);
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn seeds(ext: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, ext: &str, out: &mut Vec<(PathBuf, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, ext, out);
            } else if path.extension().is_some_and(|e| e == ext) {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    out.push((path, text));
                }
            }
        }
    }
    let mut out = Vec::new();
    for dir in ["scenarios", "assignments", "tests/fixtures", "docs"] {
        walk(&root().join(dir), ext, &mut out);
    }
    out
}

fn keep_failure(kind: &str, input: &str) -> PathBuf {
    let path = root().join(format!("target/fuzz-failure.{kind}"));
    let _ = std::fs::write(&path, input);
    path
}

/// Runs `f` on a thread with the smallest stack scn runs on (rayon's 2 MiB workers).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .ok()
}

#[test]
#[ignore = "long: the fuzz harness (see the module's comment)"]
fn fuzz_the_parser_and_the_manifest_loader() {
    let total = env_count("SCN_FUZZ_PARSES", 100_000);
    let seed = env_count("SCN_FUZZ_SEED", 11);
    let scn = seeds("scn");
    let yaml = seeds("yaml");
    assert!(!scn.is_empty() && !yaml.is_empty());
    let started = Instant::now();
    // Batches on one small-stack thread each, so a stack overflow fails the test (the
    // whole process aborts: the input is written first).
    let batch = 10_000u64;
    let keep = std::env::var_os("SCN_FUZZ_KEEP").is_some();
    let mut done = env_count("SCN_FUZZ_FROM", 0);
    while done < total {
        let n = batch.min(total - done);
        if done % 1_000_000 == 0 || keep {
            eprintln!("fuzz: batch {done}");
        }
        let (scn, yaml) = (scn.clone(), yaml.clone());
        let first = done;
        let ok = on_small_stack(move || {
            let mut rng = Rng(seed ^ first.wrapping_mul(0x2545_F491_4F6C_DD1D));
            for i in 0..n {
                let yaml_turn = i % 4 == 3;
                let pool = if yaml_turn { &yaml } else { &scn };
                let (_, text) = &pool[rng.below(pool.len())];
                let (_, other) = &pool[rng.below(pool.len())];
                let input = mutate(&mut rng, text, other);
                let kind = if yaml_turn { "yaml" } else { "scn" };
                if keep {
                    keep_failure(kind, &input);
                }
                let result = std::panic::catch_unwind(|| {
                    if yaml_turn {
                        let _ = load::parse_yaml_documents(&input);
                        let _ = load::parse_patch(&input);
                    } else {
                        let _ = kscn::lang::parse(&input);
                    }
                });
                if result.is_err() {
                    return Err(keep_failure(kind, &input));
                }
            }
            Ok(())
        });
        match ok {
            Some(Ok(())) => {}
            Some(Err(path)) => panic!("a panic; the input is in {}", path.display()),
            None => panic!("the fuzz thread died; the input is in target/fuzz-failure.*"),
        }
        done += n;
    }
    let _ = std::fs::remove_file(root().join("target/fuzz-failure.scn"));
    let _ = std::fs::remove_file(root().join("target/fuzz-failure.yaml"));
    eprintln!(
        "fuzz: {total} parser and loader executions in {:?}, no panic",
        started.elapsed()
    );
}

#[test]
#[ignore = "long: the fuzz harness (see the module's comment)"]
fn fuzz_whole_scenario_runs() {
    let total = env_count("SCN_FUZZ_RUNS", 2_000);
    let seed = env_count("SCN_FUZZ_SEED", 11);
    let scn = seeds("scn");
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut loaded = 0u64;
    for _ in 0..total {
        let (path, text) = &scn[rng.below(scn.len())];
        let (_, other) = &scn[rng.below(scn.len())];
        let input = mutate(&mut rng, text, other);
        let failure = keep_failure("scn", &input);
        let (path, input2) = (path.clone(), input.clone());
        let run = on_small_stack(move || {
            let Ok(mut file) = load::load_source(&path, "fuzz.scn", input2) else {
                return (false, Duration::ZERO);
            };
            // The limits a grader would set, so one mutation cannot run for minutes.
            let c = &mut file.ast.cluster;
            c.max_pods = c.max_pods.min(500);
            c.max_events = c.max_events.min(2_000_000);
            c.max_time_ms = c.max_time_ms.min(24 * 3_600_000);
            c.nodes = c.nodes.min(20);
            let one = Instant::now();
            for i in 0..file.ast.scenarios.len() {
                let _ = exec::run_scenario(&file, i);
            }
            (true, one.elapsed())
        });
        let Some((ran, took)) = run else {
            panic!("a run panicked; the input is in {}", failure.display());
        };
        assert!(
            took < Duration::from_secs(60),
            "a run took {took:?}; the input is in {}",
            failure.display()
        );
        loaded += u64::from(ran);
    }
    let _ = std::fs::remove_file(root().join("target/fuzz-failure.scn"));
    eprintln!(
        "fuzz: {total} mutated files ({loaded} loaded and run) in {:?}, no panic",
        started.elapsed()
    );
}
