//! Every scenario under `scenarios/` as one `cargo test` test named `<path>::<title>`
//! (libtest-mimic: filterable, `--list`, `--exact`). The logic is `kscn::harness`, which
//! other crates use the same way.

fn main() {
    kscn::harness::main("scenarios");
}
