//! Integration tests, one module per area.
mod lang_errors;
mod lang_parse;
mod lang_render;
