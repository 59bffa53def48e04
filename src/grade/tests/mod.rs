//! Unit tests of grading that need its internals.

mod reads;
