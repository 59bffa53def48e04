//! Integration tests, one module per area.
mod api_defaults;
mod api_patch;
mod api_validation;
