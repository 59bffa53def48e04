//! `scn run --bless`: fixtures copied to a temporary folder, blessed, and compared byte for
//! byte with `tests/fixtures/bless/*.blessed.scn`; the blessed file then passes.

use crate::support::stdout;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fresh folder holding `bless/<name>.scn` and `manifests/web.yaml`, as the fixtures do.
fn copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "scn-bless-{}-{}-{name}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bless")).unwrap();
    std::fs::create_dir_all(dir.join("manifests")).unwrap();
    std::fs::copy(
        fixtures().join("manifests/web.yaml"),
        dir.join("manifests/web.yaml"),
    )
    .unwrap();
    let file = dir.join("bless").join(format!("{name}.scn"));
    std::fs::copy(fixtures().join("bless").join(format!("{name}.scn")), &file).unwrap();
    file
}

fn scn(args: &[&str], file: &Path, env: Option<(&str, &str)>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scn"));
    cmd.arg("run").args(args).arg(file).env("NO_COLOR", "1");
    cmd.env_remove("SCN_BLESS");
    if let Some((k, v)) = env {
        cmd.env(k, v);
    }
    cmd.output().expect("the scn binary runs")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Blesses fixture `name`, compares with `name.blessed.scn`, and runs the result.
fn blesses(name: &str, count: usize) {
    let file = copy(name);
    let out = scn(&["--bless"], &file, None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("blessed {count} expectation(s) in ")),
        "{text}"
    );
    let expected = read(&fixtures().join("bless").join(format!("{name}.blessed.scn")));
    assert_eq!(read(&file), expected);
    let again = scn(&[], &file, None);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    let _ = std::fs::remove_dir_all(file.parent().unwrap().parent().unwrap());
}

/// Blessing fixture `name` leaves it unchanged, exits 1 and says why.
fn refuses(name: &str, note: &str) {
    let file = copy(name);
    let before = read(&file);
    let out = scn(&["--bless"], &file, None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(note), "{text}");
    assert!(!text.contains("blessed "), "{text}");
    assert_eq!(read(&file), before);
    let _ = std::fs::remove_dir_all(file.parent().unwrap().parent().unwrap());
}

#[test]
fn a_list_gets_the_missing_pod_and_the_next_failure_is_blessed_too() {
    blesses("list", 2);
}

#[test]
fn a_set_value_is_written_sorted() {
    blesses("set", 1);
}

#[test]
fn a_table_cell_next_to_a_wildcard_keeps_the_columns_aligned() {
    blesses("table", 1);
}

#[test]
fn a_trailing_comment_is_kept() {
    blesses("comment", 2);
}

#[test]
fn strings_keep_their_quotes_and_bare_words_stay_bare() {
    blesses("string", 3);
}

#[test]
fn a_variable_on_the_right_is_refused() {
    refuses(
        "var",
        "var.scn:5:3: cannot bless: the expected value is not a literal",
    );
}

#[test]
fn a_refused_action_is_left_untouched() {
    refuses("refused", "refused.scn:3:3: not blessed");
}

#[test]
fn scn_bless_1_blesses_too() {
    let file = copy("set");
    let out = scn(&[], &file, Some(("SCN_BLESS", "1")));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(read(&file), read(&fixtures().join("bless/set.blessed.scn")));
    let _ = std::fs::remove_dir_all(file.parent().unwrap().parent().unwrap());
}

#[test]
fn without_bless_nothing_is_written() {
    let file = copy("list");
    let before = read(&file);
    let out = scn(&[], &file, None);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(read(&file), before);
    let _ = std::fs::remove_dir_all(file.parent().unwrap().parent().unwrap());
}
