//! The runner: where the language meets the simulation.
