//! Entry point of the parser: prescan, grammar, then the syntax tree and its checks.

use pest::Parser;

use super::ast;
use super::build::Builder;
use super::error::SyntaxError;
use super::lines::LineIndex;
use super::{pest_error, prescan};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/scn.pest"]
pub struct ScnParser;

/// Parses a `.scn` file. Returns every error found: lexical ones (unclosed strings and
/// blocks), else the first grammar error, else every check that failed on the tree.
pub fn parse(source: &str) -> Result<ast::File, Vec<SyntaxError>> {
    let lines = LineIndex::new(source);
    let lexical = prescan::scan(source, &lines);
    if !lexical.is_empty() {
        return Err(lexical);
    }
    let mut pairs = match ScnParser::parse(Rule::file, source) {
        Ok(pairs) => pairs,
        Err(e) => return Err(vec![pest_error::convert(&e, source, &lines)]),
    };
    let Some(file) = pairs.next() else {
        return Err(vec![pest_error::at_end(source, &lines)]);
    };
    let mut builder = Builder::new(source, lines);
    let file = builder.file(file);
    if builder.errors.is_empty() {
        Ok(file)
    } else {
        let mut errors = builder.errors;
        errors.sort_by_key(|e| e.span.start);
        Err(errors)
    }
}
