//! Manifest fields that change what a real cluster does but that scn does not simulate.
//! `apply` warns about each one it finds (LANGUAGE.md: "say what is not simulated"), so a
//! manifest never gets a confident answer that silently ignores part of it.
//!
//! The table is the one place that lists them; docs/language.md repeats it and a test
//! checks that each entry warns.
