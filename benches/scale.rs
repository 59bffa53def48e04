//! Scale benchmark through the public run path: an OrderedReady StatefulSet of 1,000 and
//! 10,000 replicas on `cluster { nodes 100 }` is created, then fully rolled to a new image
//! (benches/scenarios/scale-*.scn). Run with `cargo bench`; the README has the figures.

use std::path::PathBuf;

use kscn::runner::{self, RunOptions, Status};

// The scn binary uses mimalloc; so does its benchmark.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn run(replicas: usize) {
    run_file(&format!("scale-{replicas}.scn"));
}

fn run_file(name: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("benches/scenarios")
        .join(name);
    let files = vec![(path, name.to_string())];
    let outcomes = runner::run(
        &files,
        &RunOptions {
            jobs: 1,
            ..RunOptions::default()
        },
    );
    let passed = outcomes[0]
        .result
        .as_ref()
        .is_ok_and(|results| results.iter().all(|r| r.status == Status::Passed));
    assert!(passed, "the benchmark scenario must pass");
}

#[divan::bench(args = [1_000, 10_000], sample_count = 5, sample_size = 1)]
fn scale_up_then_roll_out(replicas: usize) {
    run(replicas);
}

/// 10,000 replicas with preferred hostname anti-affinity and a zone spread constraint,
/// scaled up (Parallel) on 100 nodes in 4 zones: the scheduler's cost per pod.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn scale_up_with_anti_affinity_and_spread() {
    run_file("spread-10000.scn");
}
