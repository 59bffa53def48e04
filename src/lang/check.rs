//! Variable scoping: a `let` in setup is visible in every scenario; a name is bound once
//! per scenario; a `$name` must be bound by an earlier `let`.

use std::collections::HashMap;

use super::ast::Span;
use super::build::StmtInfo;
use super::error::{SyntaxError, SyntaxErrorKind};

pub fn variables(setup: &[&StmtInfo], scenarios: &[Vec<&StmtInfo>], errors: &mut Vec<SyntaxError>) {
    let mut scope = HashMap::new();
    walk(setup, &mut scope, errors);
    for body in scenarios {
        let mut scope = scope.clone();
        walk(body, &mut scope, errors);
    }
}

fn walk(stmts: &[&StmtInfo], scope: &mut HashMap<String, Span>, errors: &mut Vec<SyntaxError>) {
    for info in stmts {
        for (name, span) in &info.uses {
            if !scope.contains_key(name) {
                errors.push(SyntaxError::new(
                    *span,
                    SyntaxErrorKind::UnboundVariable { name: name.clone() },
                ));
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
