//! Unit tests of what kubectl prints and shows.

mod events;
mod printers;
