//! Integration tests, one module per area (one binary links faster).

mod api_defaults;
mod api_patch;
mod api_validation;
mod behaviors;
mod bless;
mod cli;
mod docs_examples;
mod error_catalog;
mod fixtures_seed;
mod fuzz;
mod grade;
mod grade_view;
mod hostile;
mod init;
mod kubectl_printers;
mod lang_errors;
mod lang_nodes;
mod lang_parse;
mod lang_render;
mod mutants;
mod report;
mod reports;
mod robustness;
mod seed;
mod simulation;
mod trace;
