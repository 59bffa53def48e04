//! Integration tests, one module per area (one binary links faster).

mod behaviors;
mod bless;
mod cli;
mod docs_examples;
mod error_catalog;
mod fuzz;
mod grade;
mod grade_view;
mod hostile;
mod init;
mod isolation;
mod lang_errors;
mod lang_nodes;
mod lang_parse;
mod lang_render;
mod layering;
mod mutants;
mod report;
mod reports;
mod robustness;
mod seed;
mod simulation;
mod support;
mod trace;
