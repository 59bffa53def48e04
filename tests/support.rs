//! Helpers shared by the test modules that run the `scn` binary.

use std::process::{Command, Output};

/// Runs the built `scn` at the crate root, without colour and outside CI.
pub fn scn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scn"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .output()
        .expect("the scn binary runs")
}

/// What a run printed on standard output.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
