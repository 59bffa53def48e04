//! The client side: what kubectl does (`client`, `drain`) and prints (`printers`, `table`,
//! `duration`; quantities are `sim::api::quantity`).

pub mod client;
pub mod drain;
pub mod duration;
pub mod printers;
pub mod rollout_status;
pub mod table;
