//! Every ```scn example of docs/language.md parses: whole files as they are, statement
//! blocks inside a scenario.

use kscn::lang::parse;

const DOC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md"));

fn scn_blocks(md: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in md.lines().enumerate() {
        let fence = line.trim_start();
        match current.as_mut() {
            None if fence == "```scn" => current = Some((n + 1, String::new())),
            Some(_) if fence == "```" => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn every_example_of_the_reference_parses() {
    let blocks = scn_blocks(DOC);
    assert!(blocks.len() >= 12, "found {} examples", blocks.len());
    for (line, block) in blocks {
        let whole = ["scenario", "cluster", "setup"]
            .iter()
            .any(|k| block.trim_start().starts_with(k));
        let source = if whole {
            block.clone()
        } else {
            let bind = if block.contains("$old") && !block.contains("let old") {
                "  let old = 1\n"
            } else {
                ""
            };
            format!("scenario \"example\" {{\n{bind}{block}}}\n")
        };
        if let Err(errors) = parse(&source) {
            panic!(
                "docs/language.md:{line}: example does not parse:\n{}\n--- source ---\n{source}",
                errors
                    .iter()
                    .map(|e| format!("{}:{} {}", e.span.line, e.span.col, e.message()))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

/// Whole-file examples also run, next to the seed's manifests, and pass.
#[test]
fn every_whole_file_example_of_the_reference_runs_and_passes() {
    use kscn::runner::{self, RunOptions, Status};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("scn-docs-examples-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("manifests")).expect("a temp folder");
    let manifests = root.join("scenarios/seed/manifests");
    for entry in std::fs::read_dir(&manifests).expect("the seed's manifests") {
        let path = entry.expect("an entry").path();
        if let Some(name) = path.file_name() {
            std::fs::copy(&path, dir.join("manifests").join(name)).expect("copied");
        }
    }
    let mut ran = 0;
    for (line, block) in scn_blocks(DOC) {
        let whole = ["scenario", "cluster", "setup"]
            .iter()
            .any(|k| block.trim_start().starts_with(k));
        if !whole {
            continue;
        }
        let path = dir.join(format!("example-{line}.scn"));
        std::fs::write(&path, &block).expect("written");
        let outcomes = runner::run(
            &[(path, format!("docs/language.md:{line}"))],
            &RunOptions::default(),
        );
        let results = outcomes[0].result.as_ref().expect("the example loads");
        assert!(
            !results.is_empty() && results.iter().all(|r| r.status == Status::Passed),
            "docs/language.md:{line}: {results:#?}"
        );
        ran += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(ran >= 1, "the reference has a whole-file example");
}
