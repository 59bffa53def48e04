//! Integration tests, one module per area.
mod kubectl_printers;
