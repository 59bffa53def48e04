//! The client side: what kubectl does (`client`, `drain`) and prints (`printers`, `table`,
//! `duration`; quantities are `crate::quantity`).

pub mod client;
pub(crate) mod drain;
pub(crate) mod duration;
pub(crate) mod printers;
pub(crate) mod rollout_status;
pub(crate) mod table;

#[cfg(test)]
mod tests;
