//! Checks over the whole file. Variable scoping: a `let` in setup is visible in every
//! scenario; a name is bound once per scenario; a `$name` must be bound by an earlier `let`.
//! Titles: two scenarios of one file never share a title; a title is one line of text.

use std::collections::HashMap;

use super::ast::{Scenario, Span};
use super::build::StmtInfo;
use super::error::{SyntaxError, SyntaxErrorKind};

pub fn variables(setup: &[&StmtInfo], scenarios: &[Vec<&StmtInfo>], errors: &mut Vec<SyntaxError>) {
    // Every `let` of every scenario: an unbound `$name` says where it is bound, if anywhere.
    let binds: Vec<HashMap<&str, Span>> = scenarios
        .iter()
        .map(|body| {
            let mut lets = HashMap::new();
            for (name, span) in body.iter().filter_map(|info| info.binds.as_ref()) {
                lets.entry(name.as_str()).or_insert(*span);
            }
            lets
        })
        .collect();
    let mut scope = HashMap::new();
    walk(setup, &mut scope, errors, &|_| None);
    for (i, body) in scenarios.iter().enumerate() {
        let mut scope = scope.clone();
        let elsewhere = |name: &str| {
            if let Some(span) = binds[i].get(name) {
                return Some((span.line, true));
            }
            binds
                .iter()
                .find_map(|lets| lets.get(name))
                .map(|span| (span.line, false))
        };
        walk(body, &mut scope, errors, &elsewhere);
    }
}

fn walk(
    stmts: &[&StmtInfo],
    scope: &mut HashMap<String, Span>,
    errors: &mut Vec<SyntaxError>,
    elsewhere: &dyn Fn(&str) -> Option<(u32, bool)>,
) {
    for info in stmts {
        for (name, span) in &info.uses {
            if !scope.contains_key(name) {
                let kind = match elsewhere(name) {
                    // `let a = $a` is unbound, not used before its own `let`.
                    Some((line, later)) if line != span.line => {
                        SyntaxErrorKind::VariableBoundElsewhere {
                            name: name.clone(),
                            line,
                            later,
                        }
                    }
                    _ => SyntaxErrorKind::UnboundVariable { name: name.clone() },
                };
                errors.push(SyntaxError::new(*span, kind));
            }
        }
        if let Some((name, span)) = &info.binds {
            if scope.insert(name.clone(), *span).is_some() {
                errors.push(SyntaxError::new(
                    *span,
                    SyntaxErrorKind::VariableRebound { name: name.clone() },
                ));
            }
        }
    }
}

/// A second scenario with a title already used in the file is an error at its header, as
/// is an empty or blank title and one with a control character (written as an escape,
/// `"\n"` or `"\u{1b}"`): a title is one line of text in every report.
pub fn titles(scenarios: &[&Scenario], errors: &mut Vec<SyntaxError>) {
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for scenario in scenarios {
        let bad = scenario
            .title
            .chars()
            .find(|c| super::text::is_unsafe_char(*c));
        if bad.is_some() || scenario.title.trim().is_empty() {
            errors.push(SyntaxError::new(
                scenario.span,
                SyntaxErrorKind::BadTitle {
                    character: bad.map(|c| super::text::escape_control(&c.to_string())),
                },
            ));
        }
        match seen.get(scenario.title.as_str()) {
            Some(first_line) => errors.push(SyntaxError::new(
                scenario.span,
                SyntaxErrorKind::DuplicateTitle {
                    title: scenario.title.clone(),
                    first_line: *first_line,
                },
            )),
            None => {
                seen.insert(&scenario.title, scenario.span.line);
            }
        }
    }
}
