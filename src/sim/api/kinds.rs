//! The API server's REST mapping (discovery): which kind a manifest's `apiVersion`/`kind`
//! or a resource name means. The kinds themselves are the registry's (`sim/kinds.rs`).

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub use crate::sim::kinds::{by_kind, KindInfo, KINDS};

/// What the API server's decoding of a kind gives validation and apply, whatever its
/// type: each registry row holds one ([`KindInfo::api`]), so no code lists the kinds' types.
pub trait KindApi: Sync {
    /// Decodes `input` as the kind and encodes it again (for the tests: the kinds' decoding,
    /// and the oracle of strict decoding); `Err` carries the decoder's message.
    #[cfg(test)]
    fn roundtrip(&self, input: &Value) -> Result<Value, String>;
    /// The field names of every struct in `input` decoded as the kind, by path.
    fn known_fields(&self, input: &Value) -> BTreeMap<String, &'static [&'static str]>;
    /// The paths of the fields of `input` the kind does not know (strict decoding).
    fn unknown_fields(&self, input: &Value) -> Vec<Vec<super::fields::Segment>>;
    /// Why `input` does not decode as the kind (a field of the wrong type, in Go's words
    /// where scn knows them), or `None`.
    fn decode_error(&self, input: &Value, kind: &str) -> Option<String>;
    /// Why `input` does not convert to the kind as the strategic merge patch handler converts
    /// the patched map (`FromUnstructured`: a field of the wrong type, a quantity that does
    /// not parse), in the converter's words where scn knows them, or `None`.
    fn conversion_error(&self, input: &Value) -> Option<String>;
    /// The nulls of `input` that Go's decoder reads as the zero value of a string, number
    /// or boolean of the kind, with that value.
    fn nulls(&self, input: &Value) -> Vec<(Vec<super::fields::Segment>, Value)>;
    /// The error of the first quantity of `input` that `resource.Quantity`'s `UnmarshalJSON`
    /// refuses (`ParseQuantity`'s text), which ends the decoding.
    fn quantity_error(&self, input: &Value) -> Option<String>;
    /// What of `input` the kind reads back as no field (Go's `omitempty`, the storage's
    /// encoding): the empty lists and maps of its optional slices and maps, and the zeros
    /// of its value-typed `omitempty` scalars.
    fn omitted(&self, input: &Value) -> Vec<Vec<super::fields::Segment>>;
}

/// The decoding of the k8s-openapi type `T` (a zero-sized handle).
pub struct Typed<T>(pub PhantomData<fn() -> T>);

impl<T: DeserializeOwned + Serialize> KindApi for Typed<T> {
    #[cfg(test)]
    fn roundtrip(&self, input: &Value) -> Result<Value, String> {
        super::strict::roundtrip_as::<T>(input)
    }

    fn known_fields(&self, input: &Value) -> BTreeMap<String, &'static [&'static str]> {
        super::fields::probe_as::<T>(input)
    }

    fn unknown_fields(&self, input: &Value) -> Vec<Vec<super::fields::Segment>> {
        super::fields::unknown_as::<T>(input)
    }

    fn nulls(&self, input: &Value) -> Vec<(Vec<super::fields::Segment>, Value)> {
        super::fields::nulls_as::<T>(input)
    }

    fn quantity_error(&self, input: &Value) -> Option<String> {
        super::fields::quantity_error_as::<T>(input).map(|(_, e)| e.to_string())
    }

    fn omitted(&self, input: &Value) -> Vec<Vec<super::fields::Segment>> {
        super::fields::omitted_as::<T>(input)
    }

    fn conversion_error(&self, input: &Value) -> Option<String> {
        super::go_json::conversion_error::<T>(input).or_else(|| self.quantity_error(input))
    }

    fn decode_error(&self, input: &Value, kind: &str) -> Option<String> {
        let err = T::deserialize(input).err()?;
        Some(
            super::go_json::type_error::<T>(input, kind)
                .unwrap_or_else(|| super::go_json::other_error(&err.to_string())),
        )
    }
}

/// The kind served at `api_version`; otherwise the API server's `no matches for kind ...` text.
pub fn lookup(api_version: &str, kind: &str) -> Result<&'static KindInfo, String> {
    let api_version = match crate::sim::kinds::older_version(api_version, kind) {
        Some(_) => by_kind(kind).map_or(api_version, |info| info.api_version),
        None => api_version,
    };
    KINDS
        .iter()
        .copied()
        .find(|i| i.api_version == api_version && i.kind == kind)
        .ok_or_else(|| format!("no matches for kind \"{kind}\" in version \"{api_version}\""))
}

/// The kind by a resource name as kubectl accepts it, in any case: the plural, the
/// singular or a short name (`sts`, `po`, `svc`, `pvc`, ...; the registry's `short_names`).
/// (The language resolves its own words; this is how kubectl resolves a resource name, and
/// the tests check the language's words against it.)
#[cfg(test)]
pub fn by_resource(name: &str) -> Option<&'static KindInfo> {
    let name = name.to_ascii_lowercase();
    KINDS
        .iter()
        .copied()
        .find(|i| i.spellings().any(|s| s == name))
}

/// kubectl's message for an object of an unknown kind in a file, e.g.
/// `resource mapping not found for name: "web" namespace: "" from "web.yaml": no matches for
/// kind "StatefullSet" in version "apps/v1"` followed by the line `ensure CRDs are installed
/// first`.
pub fn no_matches_message(name: &str, source: &str, api_version: &str, kind: &str) -> String {
    format!(
        "resource mapping not found for name: \"{name}\" namespace: \"\" from \"{source}\": no matches for kind \"{kind}\" in version \"{api_version}\"\nensure CRDs are installed first"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_resolve_by_every_spelling_in_any_case() {
        for info in KINDS {
            for spelling in info.spellings() {
                assert_eq!(by_resource(spelling).map(|i| i.kind), Some(info.kind));
                let upper = spelling.to_ascii_uppercase();
                assert_eq!(by_resource(&upper).map(|i| i.kind), Some(info.kind));
            }
            assert!(std::ptr::eq(
                lookup(info.api_version, info.kind).expect("served"),
                *info
            ));
        }
        assert_eq!(by_resource("sts").map(|i| i.kind), Some("StatefulSet"));
        assert_eq!(by_resource("statefulset.apps"), None);
        assert!(lookup("v1", "StatefulSet").is_err());
        // An older version the API server converts.
        assert_eq!(
            lookup("autoscaling/v1", "HorizontalPodAutoscaler").map(|i| i.api_version),
            Ok("autoscaling/v2")
        );
        assert!(lookup("autoscaling/v1", "ResourceQuota").is_err());
    }
}
