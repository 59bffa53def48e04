//! The seed article's scenarios, and the reference's whole-file example (docs/language.md,
//! "A whole file") shipped as written.

use std::path::Path;

use kscn::runner::{self, RunOptions, Status};

const SPEC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md"));
const SHIPPED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/seed/whole-file.scn"
));

fn whole_file_example() -> String {
    let section = SPEC
        .split("## A whole file")
        .nth(1)
        .expect("the reference has the section");
    let block = section.split("```").nth(1).expect("a code block follows");
    block
        .strip_prefix("scn")
        .unwrap_or(block)
        .trim_start_matches('\n')
        .to_string()
}

#[test]
fn the_whole_file_example_ships_exactly_as_written() {
    let example = whole_file_example();
    assert!(example.contains("scenario \"a recreated pod finds its data\""));
    assert!(
        SHIPPED.ends_with(&example),
        "scenarios/seed/whole-file.scn must end with the reference's block verbatim"
    );
}

#[test]
fn the_whole_file_example_passes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/seed/whole-file.scn");
    let outcomes = runner::run(&[(path, "whole-file.scn".into())], &RunOptions::default());
    let results = outcomes[0].result.as_ref().expect("loads");
    assert_eq!(results.len(), 2);
    assert!(
        results.iter().all(|r| r.status == Status::Passed),
        "{results:#?}"
    );
}

#[test]
fn the_seed_readme_maps_every_scenario_line_it_names() {
    // Every `file.scn:LINE` the claims table cites exists and is a statement line.
    let readme = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/seed/README.md"
    ));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/seed");
    let mut cited = 0;
    for word in readme.split(|c: char| {
        c.is_whitespace() || c == '|' || c == '(' || c == ')' || c == '`' || c == '[' || c == ']'
    }) {
        let Some((file, line)) = word.split_once(".scn:") else {
            continue;
        };
        let line: usize = line
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .expect("a line number");
        let text = std::fs::read_to_string(root.join(format!("{file}.scn")))
            .expect("the cited file exists");
        let cited_line = text
            .lines()
            .nth(line - 1)
            .unwrap_or_else(|| panic!("{file}.scn has no line {line}"));
        assert!(
            !cited_line.trim().is_empty() && !cited_line.trim_start().starts_with('#'),
            "{file}.scn:{line} is not a statement: {cited_line:?}"
        );
        cited += 1;
    }
    assert!(cited >= 25, "the table cites {cited} lines");
}

#[test]
fn the_readmes_30_second_example_is_the_shipped_file() {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
    let shipped = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/seed/topology.scn"
    ));
    let quoted = readme
        .split("`scenarios/seed/topology.scn`:\n\n```\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README quotes scenarios/seed/topology.scn");
    assert!(quoted.starts_with("scenario \""), "{quoted}");
    assert!(
        shipped.contains(quoted),
        "the README's 30-second example must be scenarios/seed/topology.scn's text:\n{quoted}"
    );
}
