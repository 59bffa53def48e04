//! Unit tests of the API server's defaulting, patching and validation, on real manifests
//! (the seed's `web` with storage) and hand-written objects.

mod defaults;
mod fixtures_seed;
mod patch;
mod pod_update;
mod validation;
