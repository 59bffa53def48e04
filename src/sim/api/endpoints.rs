//! The v1 Endpoints a user writes, as the API server stores it: `SetDefaults_Endpoints`
//! (a port without a protocol gets `TCP`), then `ValidateEndpoints` (after the metadata).
//! The subsets are stored as written: the strategy's `Canonicalize` no longer repacks them
//! (kubernetes/kubernetes#94112, v1.20; `pkg/api/endpoints` removed in #94610). Its
//! `PrepareForCreate` does nothing: no `metadata.generation`.

use k8s_openapi::api::core::v1::Endpoints;
use serde_json::Value;

use super::field_error::FieldError;

pub const KIND: &str = "Endpoints";

fn decode(body: &Value) -> Option<Endpoints> {
    serde_json::from_value::<Endpoints>(body.clone()).ok()
}

/// `SetDefaults_Endpoints` on the body.
pub fn default_body(body: &mut Value) {
    let Some(mut endpoints) = decode(body) else {
        return;
    };
    default(&mut endpoints);
    if let (Some(map), Some(subsets)) = (body.as_object_mut(), endpoints.subsets) {
        map.insert(
            "subsets".to_string(),
            serde_json::to_value(&subsets).unwrap_or(Value::Null),
        );
    }
}

/// `validateEndpointSubsets` of the body (the part of `ValidateEndpoints` after the
/// metadata).
pub fn validate(body: &Value) -> Vec<FieldError> {
    decode(body)
        .map(|e| {
            super::validation::validate_endpoint_subsets(e.subsets.as_deref().unwrap_or_default())
        })
        .unwrap_or_default()
}

/// `SetDefaults_Endpoints`: a port's protocol is TCP when unset.
fn default(endpoints: &mut Endpoints) {
    for subset in endpoints.subsets.iter_mut().flatten() {
        for port in subset.ports.iter_mut().flatten() {
            if port.protocol.as_deref().is_none_or(str::is_empty) {
                port.protocol = Some("TCP".to_string());
            }
        }
    }
}
