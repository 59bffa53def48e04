//! kubectl-side presentation: printers for `kubectl get` tables.

pub mod duration;
pub mod printers;
pub mod quantity;
pub mod table;
