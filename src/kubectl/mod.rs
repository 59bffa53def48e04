//! The client side: what kubectl does (`client`, `drain`) and prints (`printers`, `table`,
//! `duration`, `quantity`).

pub mod client;
pub mod drain;
pub mod duration;
pub mod printers;
pub mod quantity;
pub mod rollout_status;
pub mod table;
