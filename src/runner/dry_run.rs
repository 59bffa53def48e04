//! `scn check`'s dry run: every manifest document a file applies goes through the same
//! kubectl apply, API validation and admission a run would use, each on a fresh simulated
//! cluster, so `check` refuses what `run` refuses, at the manifest's own line.
//!
//! An `apply` that ends in `fails with` is expected to be refused and is not checked.
//! Each document is created on its own fresh cluster: what a document refuses on its own.
//! Refusals that depend on what a scenario did before (a forbidden update) show in `run`.

use crate::diagnostic::Diagnostic;
use crate::kubectl::client;
use crate::lang::ast::{ApplySource, Span, Stmt, StmtKind};
use crate::sim::server::RequestError;
use crate::sim::World;

use super::load::{more_errors, span_at, Document, LoadError, LoadedFile, MAX_FILE_ERRORS};

/// The refusals of the file's manifests, one per refused document.
pub fn check(file: &LoadedFile) -> Vec<LoadError> {
    let Ok(config) = super::exec::sim_config(&file.ast.cluster) else {
        // The cluster block's own errors are the loader's to report.
        return Vec::new();
    };
    let statements: Vec<&Stmt> = file
        .ast
        .setup
        .iter()
        .chain(file.ast.scenarios.iter().flat_map(|s| s.body.iter()))
        .filter(|s| s.fails_with.is_none())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut errors = Vec::new();
    for stmt in statements {
        let StmtKind::Apply(source) = &stmt.kind else {
            continue;
        };
        let (docs, shown, manifest) = match source {
            ApplySource::File { path, .. } => {
                if !seen.insert(path.clone()) {
                    continue;
                }
                let Some(docs) = file.manifests.get(path) else {
                    continue;
                };
                (docs, path.clone(), Some(path))
            }
            ApplySource::Inline(text) => {
                let Some(docs) = file.inline.get(&text.origin.start) else {
                    continue;
                };
                (docs, "STDIN".to_string(), None)
            }
            ApplySource::Submission { .. } => continue,
        };
        for doc in docs {
            // Each refusal reads its manifest's text: a file of 40,000 refused documents
            // stops at the first screens, as `run` and the loader do.
            if errors.len() >= MAX_FILE_ERRORS {
                errors.push(more_errors(&file.display, None));
                return errors;
            }
            let Ok(mut world) = World::new(config.clone()) else {
                return errors;
            };
            if let Err(RequestError::Api(e)) = client::apply(&mut world, &doc.value, &shown) {
                errors.push(refusal(file, stmt.span, manifest, doc, &e.to_string()));
            }
        }
    }
    errors
}

/// The refusal at the line of the field it names (else the document's first line) of the
/// manifest file, or of the `"""` block in the `.scn` file.
fn refusal(
    file: &LoadedFile,
    apply: Span,
    manifest: Option<&String>,
    doc: &Document,
    message: &str,
) -> LoadError {
    let applied_at = format!("{}:{}:{}", file.display, apply.line, apply.col);
    let (shown, text, first_line) = match manifest {
        Some(path) => {
            let full = file
                .path
                .parent()
                .unwrap_or(std::path::Path::new("."))
                .join(path);
            let text =
                super::load::read_text(&full, super::load::MAX_TEXT_BYTES).unwrap_or_default();
            (
                super::load::display_path(&file.display, path),
                text,
                doc.line,
            )
        }
        // An inline block: its document lines start after the `apply """` line.
        None => (
            file.display.clone(),
            file.source.clone(),
            apply.line + doc.line,
        ),
    };
    let (line, col) = field_line(&text, first_line, message).unwrap_or((first_line, 1));
    LoadError {
        diagnostic: Diagnostic {
            file: shown,
            span: Some(span_at(&text, line, col)),
            message: format!("a run would refuse this object: {message}"),
            label: "refused".into(),
            hint: Some(format!(
                "checked as `apply` at {applied_at} sends it, on a fresh simulated cluster"
            )),
        },
        source: text,
    }
}

/// The line and column of the field an API error names (`unknown field "spec.replica"`,
/// `spec.replicas: Invalid value`), searched from the document's first line to its end.
fn field_line(text: &str, first_line: u32, message: &str) -> Option<(u32, u32)> {
    let path = message
        .split("unknown field \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .or_else(|| {
            // One cause follows `is invalid: `; several are kubectl's `* <field>: …` lines.
            message
                .split([':', '\n'])
                .map(|part| part.trim_start_matches(['*', ' ']))
                .find(|part| part.starts_with("spec.") || part.starts_with("metadata."))
        })?;
    let last = path.rsplit('.').next()?.split('[').next()?;
    if last.is_empty() {
        return None;
    }
    for (i, line) in text
        .lines()
        .enumerate()
        .skip(first_line.saturating_sub(1) as usize)
    {
        if i + 1 > first_line as usize && line.starts_with("---") {
            break;
        }
        let trimmed = line.trim_start();
        let key = trimmed.strip_prefix("- ").unwrap_or(trimmed).trim_start();
        if key.starts_with(&format!("{last}:")) {
            let col = line.len() - key.len() + 1;
            return Some((i as u32 + 1, col as u32));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::field_line;

    const SERVICE: &str =
        "apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec:\n  ports:\n  - port: 99999\n";

    #[test]
    fn the_first_cause_of_a_refusal_is_located_with_one_cause_or_several() {
        let one = "The Service \"bad\" is invalid: spec.ports[0].port: Invalid value: 99999: must be between 1 and 65535, inclusive";
        assert_eq!(field_line(SERVICE, 1, one), Some((6, 5)));
        let several = "The Service \"bad\" is invalid:\n* spec.ports[0].port: Invalid value: 99999: must be between 1 and 65535, inclusive\n* spec.ports[0].targetPort: Invalid value: 99999: must be between 1 and 65535, inclusive";
        assert_eq!(field_line(SERVICE, 1, several), Some((6, 5)));
    }
}
