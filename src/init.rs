//! `scn init [DIR]`: a starter scenario suite that `cargo test` runs.
//!
//! Writes `DIR/scenarios/example.scn`, `DIR/scenarios/manifests/web.yaml` and
//! `DIR/tests/scenarios.rs` (three lines using [`crate::harness`]), and adds to
//! `DIR/Cargo.toml` a `[[test]]` entry with `harness = false` and a dev-dependency on kscn.
//! Without a `DIR/Cargo.toml`, a minimal library crate is created. Existing files are
//! never overwritten: the whole command is refused before anything is written.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the generated crate gets kscn from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A path dependency (by default this crate's own folder).
    Path(PathBuf),
    /// A git dependency.
    Git(String),
}

impl Source {
    /// The folder this `scn` was built from.
    pub fn this_crate() -> Source {
        Source::Path(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
    }

    fn dependency(&self) -> String {
        match self {
            Source::Path(p) => format!(
                "kscn = {{ path = {} }}",
                toml_string(&p.display().to_string())
            ),
            Source::Git(url) => format!("kscn = {{ git = {} }}", toml_string(url)),
        }
    }
}

/// Why `scn init` did nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct InitError {
    pub message: String,
    pub hint: Option<String>,
}

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InitError {}

pub const EXAMPLE_SCN: &str = r#"# A starter scenario. Run it with `cargo test --test scenarios` (or `scn run scenarios/`).
# The language is described in docs/language.md of the scn repository.

cluster {
  nodes 2
}

scenario "web starts its pods one at a time, in order" tags(example) {
  apply "manifests/web.yaml"
  await statefulset/web ready
  expect pods == [web-0, web-1]
  expect pods {
    NAME    READY   STATUS
    web-0   1/1     Running
    web-1   1/1     Running
  }
}

scenario "a deleted pod comes back with the same name" tags(example) {
  apply "manifests/web.yaml"
  await statefulset/web ready
  delete pod/web-1
  await pod/web-1 ready within 1m
  expect pods == [web-0, web-1]
}
"#;

pub const WEB_YAML: &str = r#"# A headless Service and a StatefulSet `web` with two replicas.
apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: "nginx"
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
          name: web
"#;

pub const SCENARIOS_RS: &str = r#"fn main() {
    kscn::harness::main("scenarios");
}
"#;

/// What `init` wrote or changed, relative to `dir`, for the message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub created: Vec<String>,
    pub changed: Vec<String>,
}

/// Creates the suite in `dir` (created if missing).
pub fn init(dir: &Path, source: &Source) -> Result<Summary, InitError> {
    let files: [(&str, &str); 3] = [
        ("scenarios/example.scn", EXAMPLE_SCN),
        ("scenarios/manifests/web.yaml", WEB_YAML),
        ("tests/scenarios.rs", SCENARIOS_RS),
    ];
    let existing: Vec<&str> = files
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| dir.join(p).exists())
        .collect();
    if !existing.is_empty() {
        return Err(InitError {
            message: format!(
                "{} already exist{}; scn init overwrites nothing",
                existing
                    .iter()
                    .map(|p| dir.join(p).display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                if existing.len() == 1 { "s" } else { "" }
            ),
            hint: Some("move them away, or pick another folder: `scn init DIR`".into()),
        });
    }
    let manifest = dir.join("Cargo.toml");
    let (cargo_toml, new_crate) = match std::fs::read_to_string(&manifest) {
        Ok(text) => (Some(text), false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (None, true),
        Err(e) => {
            return Err(InitError {
                message: format!("cannot read {}: {e}", manifest.display()),
                hint: None,
            })
        }
    };
    let updated = match &cargo_toml {
        Some(text) => add_to_manifest(text, source).map_err(|(message, hint)| InitError {
            message: format!("{}: {message}", manifest.display()),
            hint: Some(hint.into()),
        })?,
        None => new_manifest(&package_name(dir), source),
    };
    let lib_rs = dir.join("src/lib.rs");
    let write_lib = new_crate && !lib_rs.exists() && !dir.join("src/main.rs").exists();

    let mut summary = Summary::default();
    let write = |path: &Path, text: &str| -> Result<(), InitError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, &e))?;
        }
        std::fs::write(path, text).map_err(|e| io_error(path, &e))
    };
    for (path, text) in files {
        write(&dir.join(path), text)?;
        summary.created.push(path.to_string());
    }
    if write_lib {
        write(
            &lib_rs,
            "//! Scenario tests for this project's Kubernetes manifests.\n",
        )?;
        summary.created.push("src/lib.rs".into());
    }
    write(&manifest, &updated)?;
    if new_crate {
        summary.created.push("Cargo.toml".into());
    } else {
        summary.changed.push("Cargo.toml".into());
    }
    Ok(summary)
}

fn io_error(path: &Path, e: &std::io::Error) -> InitError {
    InitError {
        message: format!("cannot write {}: {e}", path.display()),
        hint: None,
    }
}

fn test_entry() -> &'static str {
    "\n# Every scenario under scenarios/ is one test (scn's harness).\n[[test]]\nname = \"scenarios\"\npath = \"tests/scenarios.rs\"\nharness = false\n"
}

fn new_manifest(name: &str, source: &Source) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "[package]\nname = {}\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dev-dependencies]\n{}\n",
        toml_string(name),
        source.dependency()
    );
    out.push_str(test_entry());
    out
}

/// Adds the dev-dependency and the test entry to an existing manifest, as text (comments
/// and layout are kept). The manifest is read as TOML first: a file cargo would refuse
/// after the edit (not TOML, a workspace root without `[package]`, kscn already a
/// dependency in any form, a `scenarios` test already there) is refused, with a hint.
fn add_to_manifest(text: &str, source: &Source) -> Result<String, (String, &'static str)> {
    const BY_HAND: &str = "remove the entry, or edit Cargo.toml by hand (see the README)";
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let at = e.span().map_or(String::new(), |span| {
            let (line, col) = crate::diagnostic::line_col(text, span.start);
            format!(" (line {line}, column {col})")
        });
        (
            format!("it is not valid TOML: {}{at}", e.message().trim_end()),
            "fix Cargo.toml so that cargo reads it, then run scn init again",
        )
    })?;
    if !table.contains_key("package") {
        return Err((
            "it has no [package]: a workspace root (virtual manifest) cannot hold tests".into(),
            "run scn init in a member crate's folder: `scn init crates/NAME`",
        ));
    }
    let tables = |t: &toml::Table| -> Vec<toml::Table> {
        ["dependencies", "dev-dependencies", "build-dependencies"]
            .iter()
            .filter_map(|k| t.get(*k).and_then(|v| v.as_table()).cloned())
            .collect()
    };
    let mut deps = tables(&table);
    if let Some(targets) = table.get("target").and_then(|v| v.as_table()) {
        for target in targets.values().filter_map(|v| v.as_table()) {
            deps.extend(tables(target));
        }
    }
    if deps.iter().any(|d| d.contains_key("kscn")) {
        return Err(("it already depends on kscn".into(), BY_HAND));
    }
    let has_test = table
        .get("test")
        .and_then(|v| v.as_array())
        .is_some_and(|tests| {
            tests
                .iter()
                .any(|t| t.get("name").and_then(|n| n.as_str()) == Some("scenarios"))
        });
    if has_test {
        return Err(("it already has a test named \"scenarios\"".into(), BY_HAND));
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut section = String::new();
    for line in &lines {
        let t = line.trim();
        if t.starts_with('[') {
            section = t.to_string();
        } else if section.contains("dependencies") && t.starts_with("kscn") {
            return Err((
                format!("it already depends on kscn (in {section})"),
                BY_HAND,
            ));
        } else if section == "[[test]]" && t.replace(' ', "") == "name=\"scenarios\"" {
            return Err(("it already has a test named \"scenarios\"".into(), BY_HAND));
        }
    }
    let mut out = String::with_capacity(text.len() + 200);
    let mut added = false;
    for line in &lines {
        out.push_str(line);
        out.push('\n');
        if !added && line.trim() == "[dev-dependencies]" {
            out.push_str(&source.dependency());
            out.push('\n');
            added = true;
        }
    }
    if !added {
        out.push_str("\n[dev-dependencies]\n");
        out.push_str(&source.dependency());
        out.push('\n');
    }
    out.push_str(test_entry());
    // The edit is textual: whatever layout it did not foresee (a dependency table written
    // inline, say) must still leave a file cargo reads, or nothing is written.
    if out.parse::<toml::Table>().is_err() {
        return Err((
            "scn cannot add its entries to this layout without breaking it".into(),
            "add the [dev-dependencies] entry and the [[test]] entry by hand (see the README)",
        ));
    }
    Ok(out)
}

/// A Cargo package name from the folder's name.
fn package_name(dir: &Path) -> String {
    let base = std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let mut name: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "scenarios-");
    }
    if name == "kscn" || name == "scenarios-" {
        name = "scenario-tests".into();
    }
    name
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_manifest_gets_the_dependency_and_the_test() {
        let text = "[package]\nname = \"x\"\n\n[dev-dependencies]\nserde = \"1\"\n";
        let out = add_to_manifest(text, &Source::Git("https://e.x/scn".into())).unwrap_or_default();
        assert!(
            out.contains("[dev-dependencies]\nkscn = { git = \"https://e.x/scn\" }\nserde"),
            "{out}"
        );
        assert!(
            out.contains(
                "[[test]]\nname = \"scenarios\"\npath = \"tests/scenarios.rs\"\nharness = false\n"
            ),
            "{out}"
        );
        let twice = add_to_manifest(&out, &Source::this_crate());
        assert!(twice.is_err());
    }

    #[test]
    fn a_manifest_cargo_would_refuse_after_the_edit_is_left_alone() {
        let source = Source::this_crate();
        for (text, says) in [
            ("[workspace]\nmembers = [\"a\"]\n", "workspace root"),
            (
                "[package]\nname = \"x\"\n\n[dev-dependencies.kscn]\npath = \"..\"\n",
                "already depends on kscn",
            ),
            (
                "[package]\nname = \"x\"\n[target.'cfg(unix)'.dev-dependencies]\nkscn = \"1\"\n",
                "already depends on kscn",
            ),
            ("this is not toml\n", "not valid TOML: "),
        ] {
            let (message, hint) = add_to_manifest(text, &source).unwrap_err();
            assert!(message.contains(says), "{text}: {message}");
            assert!(!hint.is_empty());
        }
    }

    #[test]
    fn package_names_are_valid() {
        assert_eq!(package_name(Path::new("/tmp/My Project")), "my-project");
        assert_eq!(package_name(Path::new("/tmp/1st")), "scenarios-1st");
    }
}
