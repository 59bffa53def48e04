//! The `.scn` language: grammar, syntax tree, parser and checks done before anything runs.

pub mod ast;
pub(crate) mod columns;
pub mod error;
pub(crate) mod kinds;
pub(crate) mod parser;
pub(crate) mod queries;

mod build;
/// The longest duration the language takes (`max-time`, `wait`, `within`): 1,000,000 h.
pub(crate) use build::MAX_DURATION_MS;
mod check;
mod lines;
mod pest_error;
mod prescan;

mod table;
pub(crate) mod text;

/// Parses a whole `.scn` file; a leading UTF-8 byte-order mark is skipped. Spans stay
/// relative to `source` as given (BOM included), so they index the caller's text.
pub fn parse(source: &str) -> Result<ast::File, Vec<error::SyntaxError>> {
    parser::parse(source)
}
