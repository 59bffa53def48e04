//! The client side: what kubectl does (`client`) and prints (`printers`).

pub mod client;
