//! The fuzz harness (issue 11), on stable Rust: blind mutation of the shipped scenarios and
//! manifests, fed to the parser, the manifest loader and the runner. The mutation helpers
//! here are shared with `robustness.rs` (its proptest cases draw a seed and mutate with
//! [`mutate`]). The two long tests are ignored by default; run them in release, on one
//! thread, with overflow checks on for scn's own code, so a wrapped number panics:
//!
//! ```text
//! SCN_FUZZ_PARSES=10000000 SCN_FUZZ_RUNS=50000 nice -n 19 cargo test --release \
//!     --config 'profile.release.package.kscn.overflow-checks=true' \
//!     --test lib fuzz:: -- --ignored --nocapture --test-threads 1
//! ```
//!
//! `SCN_FUZZ_SEED` picks another sequence of mutations; the same seed gives the same
//! inputs. A panicking input is written to `target/fuzz-failure.*` and the test fails; keep
//! it as a regression test in `tests/hostile.rs`. An abort (a stack overflow) ends the
//! process at once: both tests print each batch they start, and `SCN_FUZZ_FROM=<batch>
//! SCN_FUZZ_KEEP=1` replays that batch writing every input first; `SCN_FUZZ_LOAD_ONLY=1`
//! counts what a run campaign loads without running it. Mutation is blind (no
//! coverage feedback), seeded from every `.scn` and `.yaml` file the repository ships,
//! with a dictionary of the language's and YAML's tokens and of boundary numbers. Whole
//! runs also apply mutated manifests (wrapped in an `apply """` block), so the API
//! server's validation and the simulation see hostile field values too.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kscn::runner::{exec, load, LoadedFile};

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
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Tokens of the language and of YAML, and input that broke scn before.
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
    "1h",
    "0s",
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
    "*",
    "absent",
    "nxdomain",
    "pods",
    "==",
    "!=",
    "contains",
    "matches",
    "pod/",
    "statefulset/",
    "statefulset/web",
    ".spec.",
    "[0]",
    "scenario \"x\" {",
    "cluster {",
    "max-pods 0",
    "apply \"nope.yaml\"",
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
    "make",
    "evict",
    "unpullable",
    "down",
    "up",
    "periodSeconds: ",
    "failureThreshold: ",
    "initialDelaySeconds: ",
    "terminationGracePeriodSeconds: ",
    "tolerationSeconds: ",
    "minReadySeconds: ",
    "partition: ",
    // YAML 1.1 as kubectl reads it (`yaml_go`) and the cluster block's names.
    "yes",
    "Off",
    "!!str ",
    "\"yes\"",
    "namespace Foo_Bar",
    "domain a..b",
];

/// Numbers at the edges of the types that carry them (int32, int64, u64, milliseconds).
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "2147483647",
    "2147483648",
    "-2147483648",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "99999999999999999999",
    "1e308",
    "0.5",
    ".nan",
    "-.inf",
    "3.0",
    "010",
    "08",
    "1_000",
    "0x7fffffff",
    "1e21",
];

/// One to four mutations of `text`: delete, duplicate or swap a range, insert a token or a
/// boundary number, replace a number, splice in part of another seed, or repeat an opening
/// bracket many times.
pub(crate) fn mutate(rng: &mut Rng, text: &str, other: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len();
        let at = rng.below(len + 1);
        let span = 1 + rng.below(16.min(len.max(1)));
        let end = (at + span).min(len);
        match rng.below(9) {
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
            6 => {
                // The next number at or after `at` becomes a boundary number.
                let number = NUMBERS[rng.below(NUMBERS.len())].as_bytes();
                if let Some(start) = bytes[at..].iter().position(u8::is_ascii_digit) {
                    let start = at + start;
                    let stop = bytes[start..]
                        .iter()
                        .position(|b| !b.is_ascii_digit())
                        .map_or(bytes.len(), |n| start + n);
                    bytes.splice(start..stop, number.iter().copied());
                } else {
                    bytes.splice(at..at, number.iter().copied());
                }
            }
            7 => {
                let number = NUMBERS[rng.below(NUMBERS.len())].as_bytes();
                bytes.splice(at..at, number.iter().copied());
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

/// Every file with extension `ext` the repository ships (scenarios, assignments, test
/// fixtures, docs), in path order.
pub(crate) fn seeds(ext: &str) -> Vec<(PathBuf, String)> {
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

/// The limits a grader would set, so that one mutation cannot run for minutes.
pub(crate) fn cap_limits(file: &mut LoadedFile, max_pods: u64, max_time_ms: u64, nodes: u32) {
    let c = &mut file.ast.cluster;
    c.max_pods = c.max_pods.min(max_pods);
    c.max_events = c.max_events.min(max_pods.saturating_mul(4_000));
    c.max_time_ms = c.max_time_ms.min(max_time_ms);
    c.nodes = c.nodes.min(nodes);
}

/// A mutated manifest as a scenario: applied from a `"""` block, then given time, scaled,
/// rolled and deleted, so every component sees its values.
fn manifest_scenario(yaml: &str) -> String {
    let mut out = String::from("scenario \"a mutated manifest\" {\n  apply \"\"\"\n");
    for line in yaml.lines() {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(
        "  \"\"\"\n  wait 10m\n  scale statefulset/web to 3\n  wait 1h\n  \
         set image statefulset/web nginx=nginx:2\n  wait 1h\n  delete pod/web-0\n  wait 30m\n}\n",
    );
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

/// The mutation sequence of execution `i`: each execution has its own, so a batch can be
/// replayed alone (`SCN_FUZZ_FROM`).
fn rng_for(seed: u64, i: u64) -> Rng {
    Rng(seed ^ i.wrapping_mul(0x2545_F491_4F6C_DD1D))
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
    // whole process aborts: replay the batch with SCN_FUZZ_KEEP to get the input).
    let batch = 10_000u64;
    let keep = std::env::var_os("SCN_FUZZ_KEEP").is_some();
    let from = env_count("SCN_FUZZ_FROM", 0);
    let mut done = from;
    while done < total {
        let n = batch.min(total - done);
        if done % 500_000 == 0 || keep {
            eprintln!("fuzz: parser batch {done} at {:?}", started.elapsed());
        }
        let (scn, yaml) = (scn.clone(), yaml.clone());
        let first = done;
        let ok = on_small_stack(move || {
            for i in first..first + n {
                let mut rng = rng_for(seed, i);
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
        "fuzz: {} parser and loader executions (seed {seed}) in {:?}, no panic",
        total - from,
        started.elapsed()
    );
}

#[test]
#[ignore = "long: the fuzz harness (see the module's comment)"]
fn fuzz_whole_scenario_runs() {
    let total = env_count("SCN_FUZZ_RUNS", 2_000);
    let seed = env_count("SCN_FUZZ_SEED", 11);
    let keep = std::env::var_os("SCN_FUZZ_KEEP").is_some();
    // Counts what a campaign loaded and would run, without running it (for a campaign
    // stopped before its summary).
    let load_only = std::env::var_os("SCN_FUZZ_LOAD_ONLY").is_some();
    let from = env_count("SCN_FUZZ_FROM", 0);
    let scn = seeds("scn");
    let yaml = seeds("yaml");
    let started = Instant::now();
    let (mut loaded, mut scenarios, mut slowest) = (0u64, 0u64, Duration::ZERO);
    for i in from..total {
        if i % 1_000 == 0 || keep {
            eprintln!("fuzz: run {i} at {:?}", started.elapsed());
        }
        let mut rng = rng_for(seed, i);
        // One run in four applies a mutated manifest; the others run a mutated file.
        let (path, input) = if i % 4 == 3 {
            let (path, text) = &yaml[rng.below(yaml.len())];
            let (_, other) = &yaml[rng.below(yaml.len())];
            (
                path.clone(),
                manifest_scenario(&mutate(&mut rng, text, other)),
            )
        } else {
            let (path, text) = &scn[rng.below(scn.len())];
            let (_, other) = &scn[rng.below(scn.len())];
            (path.clone(), mutate(&mut rng, text, other))
        };
        // Written first: a stack overflow aborts the process before a panic could.
        let failure = keep_failure("scn", &input);
        let input2 = input.clone();
        let run = on_small_stack(move || {
            let Ok(mut file) = load::load_source(&path, "fuzz.scn", input2) else {
                return (false, 0, Duration::ZERO);
            };
            cap_limits(&mut file, 500, 24 * 3_600_000, 20);
            let one = Instant::now();
            for s in 0..file.ast.scenarios.len() {
                if !load_only {
                    let _ = exec::run_scenario(&file, s);
                }
            }
            (true, file.ast.scenarios.len() as u64, one.elapsed())
        });
        let Some((ran, n, took)) = run else {
            panic!("run {i} panicked; the input is in {}", failure.display());
        };
        if took > Duration::from_secs(30) {
            panic!(
                "run {i} took {took:?}; the input is in {}",
                failure.display()
            );
        }
        slowest = slowest.max(took);
        loaded += u64::from(ran);
        scenarios += n;
    }
    let _ = std::fs::remove_file(root().join("target/fuzz-failure.scn"));
    eprintln!(
        "fuzz: {} mutated files (seed {seed}; {loaded} loaded, {scenarios} scenarios run, \
         slowest {slowest:?}) in {:?}, no panic",
        total - from,
        started.elapsed()
    );
}
