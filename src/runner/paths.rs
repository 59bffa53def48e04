//! Reading a student's files safely: a submission file is a relative path inside the
//! submission folder (no `..`, not absolute), and after resolving symlinks it must still
//! be inside the folder. Files are size-limited; folders are count-limited.
//!
//! `load` reads the files `apply submission "…"` names with it, and `grade` checks an
//! assignment's and a submission's files with it: it lives here, below both.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The largest submission file read (1 MiB).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// The most files a submission folder may hold (counted recursively).
pub const MAX_FILES: usize = 200;

/// The path as written in `apply submission "…"`: relative, without `..`.
pub fn check_relative(path: &str) -> Result<(), String> {
    check_relative_in(path, "submission")
}

/// A path to a file of the submission (`apply submission`, `required_files`): as
/// [`check_relative`], and not the folder itself nor a path ending in `/`.
pub fn check_file(path: &str) -> Result<(), String> {
    check_relative(path)?;
    let folder = "submission";
    let p = Path::new(path);
    // `.`, `./`: the folder itself, no file in it.
    if !p.components().any(|c| matches!(c, Component::Normal(_))) {
        return Err(format!(
            "\"{path}\" is the {folder} folder itself; name a file in it, e.g. \"web.yaml\""
        ));
    }
    // `web.yaml/` names a folder: a file's name has no trailing slash.
    if path.ends_with(['/', '\\']) || path.ends_with("/.") {
        return Err(format!(
            "\"{path}\" names a folder (it ends with `/`); a {folder} file is a file's path, e.g. \"{}\"",
            path.trim_end_matches(['/', '\\', '.'])
        ));
    }
    Ok(())
}

/// A path relative to a `folder` (`submission`, `assignment`): not empty, not absolute,
/// without `..`; the message names the folder it must stay in.
pub fn check_relative_in(path: &str, folder: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err(format!("a {folder} file needs a name"));
    }
    let p = Path::new(path);
    if p.is_absolute() || path.starts_with('/') || path.starts_with('\\') {
        return Err(format!(
            "\"{path}\" is absolute; a {folder} file is relative to the {folder} folder"
        ));
    }
    for component in p.components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            _ => {
                return Err(format!(
                    "\"{path}\" leaves the {folder} folder; `..` is not allowed"
                ))
            }
        }
    }
    Ok(())
}

/// `dir/path`, refused unless it is inside `dir` once symlinks are resolved.
pub fn resolve(dir: &Path, path: &str) -> Result<PathBuf, String> {
    check_relative(path)?;
    let root = dir
        .canonicalize()
        .map_err(|e| format!("cannot read the submission folder {}: {e}", dir.display()))?;
    let full = dir.join(path);
    let real = match full.canonicalize() {
        Ok(real) => real,
        Err(_) if full.symlink_metadata().is_ok() => {
            return Err(format!(
                "{path} is a link to a file that does not exist or is outside the submission"
            ))
        }
        Err(_) => {
            return Err(match near_miss(dir, path) {
                Some(hint) => format!("the submission has no file {path}; {hint}"),
                None => format!("the submission has no file {path}"),
            })
        }
    };
    if !real.starts_with(&root) {
        return Err(format!(
            "{path} refused: it resolves outside the submission folder"
        ));
    }
    Ok(real)
}

/// A file of the submission that is probably the one `path` names, as a hint: the same
/// path in another case (`Web.yaml`), with the other YAML extension (`web.yml`), the same
/// name in another folder (`k8s/web.yaml`), or a close misspelling. Students hand these in
/// often; "no file web.yaml" alone does not tell them what to rename.
fn near_miss(dir: &Path, path: &str) -> Option<String> {
    let mut files = Vec::new();
    list_files(dir, "", 0, &mut files);
    files.sort();
    // `Web.YML` and `web.yaml` are the same file to a student.
    let key = |p: &str| {
        let lower = p.to_lowercase();
        match lower.strip_suffix(".yml") {
            Some(stem) => format!("{stem}.yaml"),
            None => lower,
        }
    };
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let wanted = key(path);
    let found = files
        .iter()
        .find(|f| key(f) == wanted)
        .or_else(|| files.iter().find(|f| key(&base(f)) == key(&base(path))))
        .cloned()
        .or_else(|| crate::suggest::suggest(path, files.iter().map(String::as_str)))?;
    let verb = if base(&found) == base(path) {
        "move"
    } else {
        "rename"
    };
    Some(format!("it has {found} ({verb} it to {path})"))
}

/// The files under `dir` as relative `/`-separated paths, without following links, at
/// most `MAX_FILES` of them and 32 folders deep.
fn list_files(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    if depth > 32 {
        return;
    }
    for entry in entries.flatten() {
        if out.len() > MAX_FILES {
            return;
        }
        let Some(name) = entry.file_name().to_str().map(String::from) else {
            continue;
        };
        let rel = format!("{prefix}{name}");
        match entry.file_type() {
            Ok(t) if t.is_dir() && skipped_folder(&entry.file_name()) => {}
            Ok(t) if t.is_dir() => list_files(&entry.path(), &format!("{rel}/"), depth + 1, out),
            Ok(_) => out.push(rel),
            Err(_) => {}
        }
    }
}

/// The text of a submission file: inside the folder, at most `MAX_FILE_BYTES`, UTF-8.
pub fn read_submission_file(dir: &Path, path: &str) -> Result<String, String> {
    let bytes = read_submission_bytes(dir, path)?;
    String::from_utf8(bytes).map_err(|_| format!("{path} is not UTF-8 text"))
}

/// The text of a submission's manifest: as [`read_submission_file`], and UTF-16 with a
/// byte-order mark read as kubectl reads it ([`super::load::bom_override`]).
pub fn read_submission_manifest(dir: &Path, path: &str) -> Result<String, String> {
    let bytes = super::load::bom_override(read_submission_bytes(dir, path)?);
    String::from_utf8(bytes).map_err(|_| format!("{path} is not UTF-8 text"))
}

/// The bytes of a submission file: inside the folder, at most `MAX_FILE_BYTES`.
fn read_submission_bytes(dir: &Path, path: &str) -> Result<Vec<u8>, String> {
    let real = resolve(dir, path)?;
    if real.is_dir() {
        return Err(format!(
            "{path} is a folder; the assignment needs a file of that name (YAML text)"
        ));
    }
    if !real.is_file() {
        return Err(format!(
            "{path} is not a regular file (a FIFO, a socket or a device); hand in a file"
        ));
    }
    let file = std::fs::File::open(&real).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "{path} is larger than the limit of {} KiB",
            MAX_FILE_BYTES / 1024
        ));
    }
    Ok(bytes)
}

/// A folder a submission walk skips: a name starting with `.` (`.git`, `.github`,
/// `.vscode`, `.idea`): version-control and editor state, never handed-in work. A
/// cloned repository's `.git` alone holds hundreds of files.
pub fn skipped_folder(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// What [`count_files`] saw.
#[cfg(feature = "cli")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCount {
    /// Files counted (it stops one past [`MAX_FILES`]).
    pub files: usize,
    /// The top-level entry holding the most of them (`node_modules/`), with its count.
    pub busiest: Option<(String, usize)>,
}

#[cfg(feature = "cli")]
impl FileCount {
    /// Past the limit, the reason: the limit, and the top-level folder most files were
    /// under (`node_modules/`) when one holds more than half of them.
    pub fn too_many(&self) -> Option<String> {
        if self.files <= MAX_FILES {
            return None;
        }
        let mut text = format!(
            "the submission has more than {MAX_FILES} files (folders starting with `.` not counted)"
        );
        if let Some((top, _)) = &self.busiest {
            text.push_str(&format!(
                ", most of them under {top}/: hand in the files the assignment names, not {top}/"
            ));
        }
        Some(text)
    }
}

/// Counts the files of a submission folder (stopping past the limit), without following
/// symlinked folders and skipping [`skipped_folder`]s. The walk keeps its folders in a
/// list, not on the call stack: a submission of folders nested two thousand deep (as deep
/// as a path can go) costs a list, never the stack of the thread that grades it.
#[cfg(feature = "cli")]
pub fn count_files(dir: &Path) -> FileCount {
    let mut n = 0;
    // Each folder with the index of the top-level folder it is under (None: the top).
    let mut folders: Vec<(std::path::PathBuf, Option<usize>)> = vec![(dir.to_path_buf(), None)];
    let mut tops: Vec<(String, usize)> = Vec::new();
    'walk: while let Some((folder, top)) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            if n > MAX_FILES {
                break 'walk;
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() => {
                    if skipped_folder(&entry.file_name()) {
                        continue;
                    }
                    let top = top.or_else(|| {
                        tops.push((entry.file_name().to_string_lossy().into_owned(), 0));
                        Some(tops.len() - 1)
                    });
                    folders.push((entry.path(), top));
                }
                Ok(_) => {
                    n += 1;
                    if let Some(i) = top {
                        tops[i].1 += 1;
                    }
                }
                Err(_) => {}
            }
        }
    }
    // The first of the largest, in the order the walk met them.
    let busiest = tops
        .into_iter()
        .filter(|(_, count)| *count > MAX_FILES / 2)
        .fold(None::<(String, usize)>, |best, (name, count)| match best {
            Some(b) if b.1 >= count => Some(b),
            _ => Some((name, count)),
        });
    FileCount { files: n, busiest }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_submission_are_refused() {
        assert!(check_relative("web.yaml").is_ok());
        assert!(check_relative("k8s/web.yaml").is_ok());
        assert!(check_relative("../x").is_err());
        assert!(check_relative("a/../../x").is_err());
        // The folder itself, or a path to a folder: not a file.
        assert!(check_file(".")
            .unwrap_err()
            .contains("the submission folder itself"));
        assert!(check_file("./").is_err());
        assert!(
            check_relative(".").is_ok(),
            "a folder may be named where one is wanted"
        );
        assert!(check_file("web.yaml/")
            .unwrap_err()
            .contains("names a folder (it ends with `/`)"));
        assert!(check_file("./web.yaml").is_ok());
        assert!(check_relative("/etc/passwd").is_err());
        assert!(check_relative("").is_err());

        let tmp = tempfile::tempdir().unwrap();
        let sub = tmp.path().join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(tmp.path().join("secret.yaml"), "apiVersion: v1\n").unwrap();
        std::fs::write(sub.join("web.yaml"), "apiVersion: v1\n").unwrap();
        assert!(resolve(&sub, "web.yaml").is_ok());
        assert!(resolve(&sub, "../secret.yaml").is_err());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("../secret.yaml", sub.join("link.yaml")).unwrap();
            let e = resolve(&sub, "link.yaml").unwrap_err();
            assert!(e.contains("outside the submission"), "{e}");
        }
    }

    #[test]
    fn a_missing_file_names_the_near_miss_the_student_handed_in() {
        for (present, says) in [
            ("web.yml", "it has web.yml (rename it to web.yaml)"),
            ("Web.yaml", "it has Web.yaml (rename it to web.yaml)"),
            ("k8s/web.yaml", "it has k8s/web.yaml (move it to web.yaml)"),
            ("wbe.yaml", "it has wbe.yaml (rename it to web.yaml)"),
        ] {
            let tmp = tempfile::tempdir().unwrap();
            let file = tmp.path().join(present);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, "a: 1\n").unwrap();
            std::fs::write(tmp.path().join("README.md"), "x").unwrap();
            let e = resolve(tmp.path(), "web.yaml").unwrap_err();
            assert_eq!(e, format!("the submission has no file web.yaml; {says}"));
        }
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("notes.txt"), "x").unwrap();
        let e = resolve(tmp.path(), "web.yaml").unwrap_err();
        assert_eq!(e, "the submission has no file web.yaml");
    }

    /// A folder chain as deep as paths go, counted on a 64 KiB stack: the recursive walk
    /// overflowed it (a stack overflow aborts the whole grader).
    #[cfg(feature = "cli")]
    #[test]
    fn counting_files_of_deeply_nested_folders_needs_no_stack() {
        let tmp = tempfile::tempdir().unwrap();
        let mut deep = tmp.path().to_path_buf();
        let mut made = 0;
        for _ in 0..1500 {
            let next = deep.join("a");
            if std::fs::create_dir(&next).is_err() {
                break;
            }
            deep = next;
            made += 1;
        }
        assert!(made > 500, "only {made} levels");
        std::fs::write(deep.join("web.yaml"), "a: 1\n").unwrap();
        std::fs::write(tmp.path().join("top.yaml"), "a: 1\n").unwrap();
        let root = tmp.path().to_path_buf();
        let n = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || count_files(&root))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(n.files, 2);
    }

    /// A folder named like the file (`web.yaml/`, a student who unzipped into it) is named
    /// as a folder: "is not a file" did not say what was there instead.
    #[test]
    fn a_folder_named_like_the_file_is_named_a_folder() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("web.yaml")).unwrap();
        let e = read_submission_file(tmp.path(), "web.yaml").unwrap_err();
        assert_eq!(
            e,
            "web.yaml is a folder; the assignment needs a file of that name (YAML text)"
        );
    }
}
