//! The `.scn` language: grammar, syntax tree, parser and checks done before anything runs.

pub mod ast;
