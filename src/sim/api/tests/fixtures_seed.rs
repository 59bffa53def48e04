//! The seed article's `web` with storage (Service + StatefulSet), as shipped in
//! scenarios/seed/manifests, for tests that need real manifests.

use serde_json::Value;

const WEB_WITH_STORAGE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/seed/manifests/web-with-storage.yaml"
));

/// Every document of the manifest, as JSON: the Service `nginx`, then the StatefulSet `web`.
pub fn documents() -> Vec<Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(WEB_WITH_STORAGE)
        .map(|d| Value::deserialize(d).expect("the shipped manifest is YAML"))
        .collect()
}

/// The StatefulSet `web`.
pub fn statefulset() -> Value {
    documents().remove(1)
}
