//! Integration tests, one module per area (one binary links faster).

mod kubectl_printers;
mod lang_errors;
mod lang_parse;
mod lang_render;
