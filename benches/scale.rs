//! Scale benchmarks through the public run path, on `cluster { nodes 100 }`.
//!
//! - `shapes`: the StatefulSet shapes users run (docs: README "Performance"), each at
//!   1,000 and 10,000 replicas, each through scale-up, a full rolling update, `scale … to
//!   0` and the deletion of the set: OrderedReady plain; + headless Service; the same in a
//!   file that names `endpoints` (the v1 Endpoints controller runs); + claim templates; +
//!   retention Delete/Delete; Parallel + Service + claims; Parallel + Service + claims +
//!   retention Delete/Delete. The scenario text is generated (see `shape`).
//! - `scale_up_then_roll_out`: benches/scenarios/scale-*.scn (plain scale-up and roll).
//! - `scale_up_with_anti_affinity_and_spread`: the scheduler's cost per pod.
//! - `pending_pods_with_claims`: 10,000 replicas with claims, all but 330 Pending: what a
//!   claim or volume event costs while thousands of pods wait.
//!
//! Run with `cargo bench`; the README has the figures.

use std::path::PathBuf;

use kscn::runner::{self, RunOptions, Status};

// The scn binary uses mimalloc; so does its benchmark.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn run_path(path: PathBuf, name: &str) {
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
    assert!(passed, "the benchmark scenario {name} must pass");
}

fn run_file(name: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("benches/scenarios")
        .join(name);
    run_path(path, name);
}

/// The seven shapes of the `shapes` benchmark.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Plain,
    Service,
    /// The Service shape in a file that names `endpoints`: the v1 Endpoints controller
    /// runs too (docs/language.md "Endpoints").
    Endpoints,
    Claims,
    Retention,
    Parallel,
    ParallelRetention,
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Shape::Plain => "ordered",
            Shape::Service => "ordered+service",
            Shape::Endpoints => "ordered+service+endpoints",
            Shape::Claims => "ordered+service+claims",
            Shape::Retention => "ordered+service+claims+retention",
            Shape::Parallel => "parallel+service+claims",
            Shape::ParallelRetention => "parallel+service+claims+retention",
        })
    }
}

/// The scenario of `shape` at `replicas`: scale up, roll, scale to 0, delete.
fn shape(shape: Shape, replicas: usize) -> String {
    let (parallel, service, claims, retention) = match shape {
        Shape::Plain => (false, false, false, false),
        Shape::Service | Shape::Endpoints => (false, true, false, false),
        Shape::Claims => (false, true, true, false),
        Shape::Retention => (false, true, true, true),
        Shape::Parallel => (true, true, true, false),
        Shape::ParallelRetention => (true, true, true, true),
    };
    let mut s = String::from("cluster {\n  nodes 100\n}\n");
    if matches!(shape, Shape::Endpoints) {
        s += "# The Service's v1 endpoints are kept too.\n";
    }
    s += &format!("scenario \"{shape} at {replicas}\" {{\n");
    if service {
        s += "  apply \"\"\"\n    apiVersion: v1\n    kind: Service\n    metadata: {name: web}\n    spec:\n      clusterIP: None\n      selector: {app: web}\n      ports: [{port: 80, name: web}]\n  \"\"\"\n";
    }
    let policy = if parallel { "Parallel" } else { "OrderedReady" };
    s += &format!(
        "  apply \"\"\"\n    apiVersion: apps/v1\n    kind: StatefulSet\n    metadata: {{name: web}}\n    spec:\n      serviceName: web\n      podManagementPolicy: {policy}\n      replicas: {replicas}\n      selector: {{matchLabels: {{app: web}}}}\n"
    );
    if retention {
        s += "      persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}\n";
    }
    s += "      template:\n        metadata: {labels: {app: web}}\n        spec:\n          containers:\n          - name: nginx\n            image: nginx:1.9.1\n";
    if claims {
        s += "            volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]\n      volumeClaimTemplates:\n      - metadata: {name: www}\n        spec:\n          accessModes: [ReadWriteOnce]\n          resources: {requests: {storage: 1Gi}}\n";
    }
    s += "  \"\"\"\n";
    s += &format!(
        "  await statefulset/web ready within 1000h\n  set image statefulset/web nginx=nginx:1.10\n  await statefulset/web ready within 1000h\n  expect statefulset/web.status.updatedReplicas == {replicas}\n  scale statefulset/web to 0\n  await statefulset/web ready within 1000h\n  expect pods(statefulset/web) == []\n  delete statefulset/web\n  await statefulset/web deleted within 1000h\n}}\n"
    );
    s
}

const SHAPES: [Shape; 7] = [
    Shape::Plain,
    Shape::Service,
    Shape::Endpoints,
    Shape::Claims,
    Shape::Retention,
    Shape::Parallel,
    Shape::ParallelRetention,
];

#[divan::bench(args = SHAPES, consts = [1_000, 10_000], sample_count = 3, sample_size = 1)]
fn shapes<const REPLICAS: usize>(bencher: divan::Bencher, which: Shape) {
    let dir = std::env::temp_dir().join(format!("scn-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let name = format!("{which}-{REPLICAS}.scn");
    let path = dir.join(&name);
    std::fs::write(&path, shape(which, REPLICAS)).expect("the scenario file");
    bencher.bench(|| run_path(path.clone(), &name));
    let _ = std::fs::remove_file(&path);
}

#[divan::bench(args = [1_000, 10_000], sample_count = 5, sample_size = 1)]
fn scale_up_then_roll_out(replicas: usize) {
    run_file(&format!("scale-{replicas}.scn"));
}

/// 10,000 replicas with preferred hostname anti-affinity and a zone spread constraint,
/// scaled up (Parallel) on 100 nodes in 4 zones: the scheduler's cost per pod.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn scale_up_with_anti_affinity_and_spread() {
    run_file("spread-10000.scn");
}

/// 10,000 Parallel replicas with claims on 3 nodes, 9,670 of them Pending: each claim bound
/// and volume provisioned wakes only the pods it can help.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn pending_pods_with_claims() {
    run_file("pending-10000.scn");
}
