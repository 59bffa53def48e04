//! Robustness: no input makes scn panic or hang. Mutated shipped scenarios (proptest) and
//! hostile inputs (empty, binary, huge, deeply nested, runaway limits) all end with exit
//! 0, 1 or 2 and, when they fail, with a worded message.

use std::path::{Path, PathBuf};

use kscn::runner::{self, exec, load, report, FileOutcome, Status};
use proptest::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped() -> Vec<(PathBuf, String)> {
    let files = runner::discover(&[root().join("scenarios")]).expect("scenarios/ exists");
    files
        .into_iter()
        .map(|(path, _)| {
            let text = std::fs::read_to_string(&path).expect("shipped scenarios are UTF-8");
            (path, text)
        })
        .collect()
}

/// Loads `source` as if it were at `path`, runs its first scenario with the limits capped
/// (so a mutation cannot make a run long), and returns the exit class and the report.
fn run_capped(path: &Path, source: String) -> (i32, String) {
    let result = match load::load_source(path, "mutated.scn", source) {
        Ok(mut file) => {
            crate::fuzz::cap_limits(&mut file, 60, 2 * 3_600_000, 8);
            Ok(file
                .ast
                .scenarios
                .first()
                .map(|_| vec![exec::run_scenario(&file, 0)])
                .unwrap_or_default())
        }
        Err(errors) => Err(errors),
    };
    let outcomes = vec![FileOutcome {
        display: "mutated.scn".into(),
        result,
    }];
    let text = report::render(&outcomes, report::Palette { color: false });
    (runner::exit_code(&outcomes), text)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// The fuzz harness's mutations (`fuzz.rs`), a few cases on every `cargo test`.
    #[test]
    fn mutated_scenarios_never_panic(
        pick in any::<usize>(),
        other in any::<usize>(),
        seed in any::<u64>(),
    ) {
        let files = shipped();
        let (path, text) = &files[pick % files.len()];
        let (_, other) = &files[other % files.len()];
        let source = crate::fuzz::mutate(&mut crate::fuzz::Rng(seed), text, other);
        let (code, report) = run_capped(path, source);
        prop_assert!((0..=2).contains(&code), "exit {code}");
        if code != 0 {
            prop_assert!(report.contains("error"), "a failure without words:\n{report}");
        }
    }
}

fn at_root() -> PathBuf {
    root().join("tests/fixtures/robust.scn")
}

fn load_text(source: String) -> Result<kscn::runner::LoadedFile, String> {
    load::load_source(&at_root(), "robust.scn", source).map_err(|errors| {
        report::render_load_errors("robust.scn", &errors, report::Palette { color: false })
    })
}

#[test]
fn an_empty_file_is_an_error() {
    let text = load_text(String::new()).expect_err("an empty file has no scenario");
    assert!(text.contains("the file has no scenario"), "{text}");
}

#[test]
fn binary_garbage_is_not_utf8() {
    let dir = std::env::temp_dir().join(format!("scn-robust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("garbage.scn");
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, bytes).expect("write");
    let errors = load::load(&path, "garbage.scn").expect_err("garbage does not load");
    let _ = std::fs::remove_dir_all(&dir);
    let text = report::render_load_errors("garbage.scn", &errors, report::Palette { color: false });
    assert!(text.contains("is not UTF-8"), "{text}");
}

#[test]
fn a_ten_megabyte_line_is_an_error_not_a_hang() {
    let source = format!(
        "scenario \"t\" {{\n  wait 1s {}\n}}\n",
        "x".repeat(10 * 1024 * 1024)
    );
    let started = std::time::Instant::now();
    let text = load_text(source).expect_err("a stray word");
    assert!(
        text.contains("robust.scn:2:11"),
        "{}",
        &text[..text.len().min(2000)]
    );
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn a_ten_megabyte_comment_is_fine() {
    let source = format!(
        "scenario \"t\" {{\n  wait 1s # {}\n}}\n",
        "x".repeat(10 * 1024 * 1024)
    );
    let file = load_text(source).expect("a comment is ignored");
    assert!(matches!(
        exec::run_scenario(&file, 0).status,
        Status::Passed
    ));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let depth = 10_000;
    let source = format!(
        "scenario \"t\" {{\n  expect pods == {}{}\n}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    // A thread with the default test stack: the parser must not recurse per level.
    let text = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || load_text(source).err())
        .expect("spawn")
        .join()
        .expect("no panic");
    let text = text.expect("10,000 levels are refused");
    assert!(text.contains("nested"), "{text}");
}

fn run_source(source: &str) -> (Status, std::time::Duration) {
    let file = load_text(source.to_string()).expect("loads");
    let started = std::time::Instant::now();
    let result = exec::run_scenario(&file, 0);
    (result.status, started.elapsed())
}

fn failure_message(status: &Status) -> String {
    match status {
        Status::Failed(f) => f.message.clone(),
        Status::Passed => panic!("expected a failure"),
    }
}

#[test]
fn two_hundred_thousand_replicas_end_with_the_pod_limit() {
    let (status, took) = run_source(
        "scenario \"t\" {\n  apply \"manifests/web-parallel.yaml\"\n  scale statefulset/web to 200000\n  await statefulset/web ready within 100000h\n}\n",
    );
    let message = failure_message(&status);
    assert!(message.contains("more than 100000 pods"), "{message}");
    if let Status::Failed(f) = &status {
        assert!(
            f.snapshot.lines().count() < 60,
            "the report shows the first pods"
        );
        assert!(f.snapshot.ends_with("more pods\n"), "{}", f.snapshot);
    }
    assert!(took.as_secs() < 60, "took {took:?}");
}

#[test]
fn a_very_long_wait_ends_with_the_time_limit() {
    let (status, took) = run_source("scenario \"t\" {\n  wait 100000h\n}\n");
    let message = failure_message(&status);
    assert!(message.contains("of virtual time"), "{message}");
    assert!(took.as_secs() < 10, "took {took:?}");
}
