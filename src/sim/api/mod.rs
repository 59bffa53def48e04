//! The API server: defaulting, validation, patching.
