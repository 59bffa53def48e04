//! Integration tests, one module per area (one binary links faster).

mod api_defaults;
mod api_patch;
mod api_validation;
mod cli;
mod docs_examples;
mod grade;
mod kubectl_printers;
mod lang_errors;
mod lang_parse;
mod lang_render;
mod report;
mod seed;
mod simulation;
