//! Unit tests of what kubectl prints and shows.

mod errors;
mod events;
mod printers;
