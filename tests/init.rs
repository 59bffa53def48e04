//! `scn init`: the generated suite builds and passes with `cargo test --test scenarios`.
//! The suite is written to a temporary folder and built in the caller's target folder
//! (`CARGO_TARGET_DIR` when set, else this crate's `target/`), so it reuses the
//! dependencies this build already compiled; the temporary folder is removed afterwards.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scn(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_scn"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the scn binary runs")
}

fn cargo_on_path() -> bool {
    Command::new("cargo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn fresh(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("create the folder");
}

#[test]
fn init_refuses_to_overwrite() {
    let dir = std::env::temp_dir().join(format!("scn-init-refuse-{}", std::process::id()));
    fresh(&dir);
    std::fs::create_dir_all(dir.join("tests")).expect("tests/");
    std::fs::write(dir.join("tests/scenarios.rs"), "// mine\n").expect("write");
    let out = scn(&["init", &dir.display().to_string()]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("scenarios.rs already exists; scn init overwrites nothing"),
        "{stderr}"
    );
    assert!(
        !dir.join("Cargo.toml").exists(),
        "nothing is written when refused"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("tests/scenarios.rs")).unwrap_or_default(),
        "// mine\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn init_adds_to_an_existing_crate_with_a_git_dependency() {
    let dir = std::env::temp_dir().join(format!("scn-init-git-{}", std::process::id()));
    fresh(&dir);
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"mine\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .expect("write");
    let out = scn(&[
        "init",
        &dir.display().to_string(),
        "--git",
        "https://example.com/scn.git",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
    assert!(
        manifest.starts_with("[package]\nname = \"mine\""),
        "{manifest}"
    );
    assert!(
        manifest.contains("[dev-dependencies]\nkscn = { git = \"https://example.com/scn.git\" }"),
        "{manifest}"
    );
    assert!(
        manifest.contains("[[test]]\nname = \"scenarios\""),
        "{manifest}"
    );
    assert!(
        !dir.join("src/lib.rs").exists(),
        "an existing crate keeps its sources"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_generated_suite_builds_and_passes() {
    if !cargo_on_path() {
        eprintln!("skipped: cargo is not on PATH");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The crate is always named `suite`, one level below a per-process folder: cargo hashes
    // a path package by its name and its path relative to the workspace, so every run
    // builds the same artifacts and overwrites the last run's instead of adding new ones.
    let base = std::env::temp_dir().join(format!("scn-init-{}", std::process::id()));
    let dir = base.join("suite");
    fresh(&dir);
    let out = scn(&["init", &dir.display().to_string()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same versions as this crate: nothing to resolve or download, and the compiled
    // dependencies of the caller's target folder are reused.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"));
    let out = Command::new("cargo")
        .args(["test", "--offline", "--test", "scenarios"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let _ = std::fs::remove_dir_all(&base);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("test result: ok. 2 passed"), "{stdout}");
    assert!(
        stdout.contains("scenarios/example.scn::web starts its pods one at a time, in order"),
        "{stdout}"
    );
}
