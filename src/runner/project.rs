//! The project's scenario roots: what `scn run`, `scn list` and `scn check` take when no
//! path is given. `scenarios/` by default; an `scn.toml` in the current folder may name
//! other roots and exclude folders or files under them:
//!
//! ```toml
//! roots = ["scenarios", "more-scenarios"]
//! exclude = ["scenarios/wip"]
//! ```

use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

/// The file that configures the roots, in the folder `scn` runs in.
pub const CONFIG: &str = "scn.toml";

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Folders (or files) searched for `.scn` files.
    #[serde(default = "default_roots")]
    pub roots: Vec<PathBuf>,
    /// Folders or files (relative to the project folder) whose `.scn` files are skipped.
    #[serde(default)]
    pub exclude: Vec<PathBuf>,
}

fn default_roots() -> Vec<PathBuf> {
    vec![PathBuf::from("scenarios")]
}

impl Default for Project {
    fn default() -> Self {
        Project {
            roots: default_roots(),
            exclude: Vec::new(),
        }
    }
}

/// The project of folder `dir`: its `scn.toml`, or the default. An unreadable or invalid
/// `scn.toml` is an error that names it.
pub fn load(dir: &Path) -> Result<Project, String> {
    let path = dir.join(CONFIG);
    let text = match super::load::read_text(&path, super::load::MAX_TEXT_BYTES) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Project::default()),
        Err(e) => return Err(format!("cannot read {CONFIG}: {e}")),
    };
    let mut project: Project = toml::from_str(&text).map_err(|e| {
        let at = e.span().map_or(String::new(), |span| {
            let (line, col) = crate::diagnostic::line_col(&text, span.start);
            format!(" (line {line}, column {col})")
        });
        format!("{CONFIG} is not valid: {}{at}", e.message().trim_end())
    })?;
    // A root named twice (`scenarios` and `./scenarios`) would run its scenarios twice.
    let mut seen = std::collections::HashSet::new();
    project.roots.retain(|root| seen.insert(normal(root)));
    if project.roots.is_empty() {
        return Err(format!(
            "{CONFIG}: `roots` is empty; name at least one folder"
        ));
    }
    Ok(project)
}

impl Project {
    /// Whether `path` (as discovered under a root) is excluded.
    pub fn excludes(&self, path: &Path) -> bool {
        let path = normal(path);
        self.exclude.iter().any(|e| path.starts_with(normal(e)))
    }
}

/// The path without `.` components, so `./scenarios/x` and `scenarios/x` compare equal.
fn normal(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_default_to_scenarios_and_excludes_match_prefixes() {
        assert_eq!(Project::default().roots, vec![PathBuf::from("scenarios")]);
        let project: Project =
            toml::from_str("roots = [\"a\", \"b\"]\nexclude = [\"a/wip\"]\n").expect("valid");
        assert_eq!(project.roots.len(), 2);
        assert!(project.excludes(Path::new("a/wip/x.scn")));
        assert!(project.excludes(Path::new("./a/wip/y/z.scn")));
        assert!(!project.excludes(Path::new("a/wipe.scn")));
        assert!(!project.excludes(Path::new("b/x.scn")));
    }

    #[test]
    fn an_invalid_file_is_located_and_a_root_named_twice_counts_once() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(CONFIG), "roots = [\"a\"]\nexclude = 3\n").unwrap();
        let e = load(tmp.path()).unwrap_err();
        assert!(e.contains("(line 2, column 11)"), "{e}");
        let roots = "roots = [\"scenarios\", \"./scenarios\", \"b\"]\n";
        std::fs::write(tmp.path().join(CONFIG), roots).unwrap();
        let project = load(tmp.path()).unwrap();
        assert_eq!(project.roots.len(), 2);
    }

    #[test]
    fn an_unknown_key_is_refused() {
        assert!(toml::from_str::<Project>("root = [\"a\"]\n").is_err());
    }
}
