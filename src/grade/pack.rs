//! `scn grade ASSIGNMENT --student-pack DIR`: what students may run on their own files.
//!
//! The pack holds `README.md` (the assignment's own README.md, if any, then how to run the
//! pack) and `scenarios/` with each `visible` scenario and the manifests they apply, so
//! that `scn run --submission <your folder>` run in the pack checks a submission against
//! the visible scenarios. A scenario file that also holds scenarios students may not read
//! (`hidden`, `title_and_points`, `after_*`, or not graded at all) is written without
//! them, and without the comment lines just above each; a file with no visible scenario
//! is left out.

use std::collections::BTreeSet;
use std::path::Path;

use super::{paths, Assignment, TestKind, Visibility};
use crate::runner::load;

/// What the pack's README says after the assignment's text.
pub const RUN_LINE: &str = "scn run --submission <your folder>";

/// Writes the pack into `dir` (created; refused when it exists and is not empty). Returns
/// the pack's files, relative to `dir`, in order.
pub fn write(assignment: &Assignment, dir: &Path) -> Result<Vec<String>, String> {
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(format!(
            "the student pack folder {} is not empty; give an empty or new folder",
            dir.display()
        ));
    }
    let mut files: Vec<(String, String)> = Vec::new();
    let mut manifests: BTreeSet<String> = BTreeSet::new();
    for (file, source) in &assignment.sources {
        let visible: BTreeSet<usize> = assignment
            .tests
            .iter()
            .filter(|t| {
                t.kind == TestKind::Scenario
                    && &t.file == file
                    && t.visibility == Visibility::Visible
            })
            .map(|t| t.scenario)
            .collect();
        if visible.is_empty() {
            continue;
        }
        let text = only_scenarios(source, &visible)?;
        let loaded = load::load_source_with(
            &assignment.dir.join(file),
            file,
            text.clone(),
            Some(&assignment.dir),
        )
        .map_err(|errors| {
            format!(
                "{file} without its hidden scenarios does not load: {}",
                load::render_all(&errors)
            )
        })?;
        let folder = Path::new(file).parent().unwrap_or(Path::new(""));
        for manifest in loaded.manifests.keys() {
            let path = folder.join(manifest);
            let path = path.to_string_lossy().replace('\\', "/");
            paths::check_relative_in(&path, "assignment").map_err(|e| {
                format!("{file} applies \"{manifest}\", which cannot go in the pack: {e}")
            })?;
            manifests.insert(path);
        }
        files.push((file.clone(), text));
    }
    for manifest in &manifests {
        let text = load::read_text(&assignment.dir.join(manifest), load::MAX_TEXT_BYTES)
            .map_err(|e| format!("cannot read {manifest}: {e}"))?;
        files.push((manifest.clone(), text));
    }
    files.sort();
    let mut written = vec!["README.md".to_string()];
    let readme = readme(assignment, files.is_empty());
    put(dir, "README.md", &readme)?;
    for (path, text) in &files {
        let rel = format!("scenarios/{path}");
        put(dir, &rel, text)?;
        written.push(rel);
    }
    Ok(written)
}

fn put(dir: &Path, rel: &str, text: &str) -> Result<(), String> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn readme(assignment: &Assignment, empty: bool) -> String {
    let own = load::read_text(&assignment.dir.join("README.md"), load::MAX_TEXT_BYTES)
        .unwrap_or_else(|_| format!("# {}\n", assignment.config.title));
    let mut out = own.trim_end().to_string();
    out.push_str("\n\n## Checking your work\n\n");
    if empty {
        out.push_str("This assignment has no scenario you can run yourself.\n");
        return out;
    }
    if !assignment.config.required_files.is_empty() {
        out.push_str(&format!(
            "Your folder must hold: {}.\n\n",
            assignment.config.required_files.join(", ")
        ));
    }
    out.push_str(&format!(
        "`scenarios/` holds the scenarios you may run. In this folder, run\n\n    {RUN_LINE}\n\n\
         to check your files against them. Grading runs more scenarios than these, with \
         budgets on pods, events and time.\n"
    ));
    out
}

/// `source` with only the scenarios numbered in `keep` (0-based, in file order). A
/// scenario is cut from the comment and blank lines just above its header to the next
/// scenario's; what comes before the first scenario (the cluster block) stays.
fn only_scenarios(source: &str, keep: &BTreeSet<usize>) -> Result<String, String> {
    let ast = crate::lang::parse(source).map_err(|_| "does not parse".to_string())?;
    let line_start = |at: usize| source[..at].rfind('\n').map_or(0, |i| i + 1);
    // Where each scenario's text starts: its leading comments and blank lines included.
    let starts: Vec<usize> = ast
        .scenarios
        .iter()
        .map(|s| {
            let mut start = line_start(s.span.start);
            while start > 0 {
                let previous = line_start(start - 1);
                let line = source[previous..start].trim();
                if line.is_empty() || line.starts_with('#') {
                    start = previous;
                } else {
                    break;
                }
            }
            start
        })
        .collect();
    let Some(&first) = starts.first() else {
        return Ok(source.to_string());
    };
    let mut out = source[..first].to_string();
    for (i, &start) in starts.iter().enumerate() {
        if keep.contains(&i) {
            let end = starts.get(i + 1).copied().unwrap_or(source.len());
            out.push_str(&source[start..end]);
        }
    }
    Ok(out)
}
