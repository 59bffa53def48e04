//! The field names of each kind, so that a typo in a field path
//! (`statefulset/web.status.updatedReplica`) is an error before anything runs instead of
//! an `absent` that passes.
//!
//! The schema comes from the k8s-openapi types themselves: their `Deserialize` impls name
//! every field of every struct (`deserialize_struct(name, FIELDS, visitor)`). A tracing
//! deserializer drives each impl once, offering every field in turn and one element of
//! every list and map, and records the shape it was asked for. Fields the API types hold
//! as free JSON (`ControllerRevision.data`, `IntOrString`, `Quantity`) are `Any`: paths
//! under them are not checked.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::lang::ast::PathSegment;

/// What a position in an object may hold.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// A string, number or boolean.
    Scalar,
    /// Free JSON: anything below it is accepted.
    Any,
    /// An object with these fields (by their JSON names).
    Struct(BTreeMap<String, Shape>),
    /// A list of elements of one shape.
    List(Box<Shape>),
    /// A map with free keys (labels, annotations, data).
    Map(Box<Shape>),
}

/// The shape of objects of a kind (by its API name: `StatefulSet`), `None` for kinds whose
/// fields scn does not know. Each kind is traced the first time it is asked for (a grading
/// child process asks for two or three of them).
pub fn of_kind(kind: &str) -> Option<&'static Shape> {
    use k8s_openapi::api::{apps, autoscaling, core, discovery, node, policy, scheduling, storage};
    type Tracing = fn() -> Result<Shape, TraceError>;
    const KINDS: [(&str, Tracing); 21] = [
        ("StatefulSet", trace::<apps::v1::StatefulSet>),
        ("Pod", trace::<core::v1::Pod>),
        (
            "PersistentVolumeClaim",
            trace::<core::v1::PersistentVolumeClaim>,
        ),
        ("PersistentVolume", trace::<core::v1::PersistentVolume>),
        ("StorageClass", trace::<storage::v1::StorageClass>),
        ("Service", trace::<core::v1::Service>),
        ("Node", trace::<core::v1::Node>),
        ("ControllerRevision", trace::<apps::v1::ControllerRevision>),
        ("EndpointSlice", trace::<discovery::v1::EndpointSlice>),
        ("DaemonSet", trace::<apps::v1::DaemonSet>),
        ("ConfigMap", trace::<core::v1::ConfigMap>),
        ("Secret", trace::<core::v1::Secret>),
        ("Deployment", trace::<apps::v1::Deployment>),
        ("ReplicaSet", trace::<apps::v1::ReplicaSet>),
        (
            "PodDisruptionBudget",
            trace::<policy::v1::PodDisruptionBudget>,
        ),
        ("PriorityClass", trace::<scheduling::v1::PriorityClass>),
        ("Endpoints", trace::<core::v1::Endpoints>),
        ("ResourceQuota", trace::<core::v1::ResourceQuota>),
        ("LimitRange", trace::<core::v1::LimitRange>),
        (
            "HorizontalPodAutoscaler",
            trace::<autoscaling::v2::HorizontalPodAutoscaler>,
        ),
        ("RuntimeClass", trace::<node::v1::RuntimeClass>),
    ];
    static SHAPES: [OnceLock<Option<Shape>>; KINDS.len()] =
        [const { OnceLock::new() }; KINDS.len()];
    let i = KINDS.iter().position(|(name, _)| *name == kind)?;
    // A type the tracer cannot drive is left unchecked; a test keeps them all drivable.
    SHAPES[i].get_or_init(|| KINDS[i].1().ok()).as_ref()
}

/// Why a path does not fit the schema: the index of the segment, the message and a hint.
#[derive(Clone, Debug, PartialEq)]
pub struct PathError {
    pub segment: usize,
    pub message: String,
    pub hint: Option<String>,
}

/// Checks `path` against `shape`; `target` is the reference as written, for messages. Map keys and list indexes are free; a field name must
/// exist where a struct is.
pub fn check(target: &str, shape: &Shape, path: &[PathSegment]) -> Result<(), PathError> {
    let mut at = shape;
    let mut walked = String::new();
    for (i, segment) in path.iter().enumerate() {
        let shown = |s: &PathSegment| match s {
            PathSegment::Field(f) => format!(".{f}"),
            PathSegment::Key(k) => format!("[\"{k}\"]"),
            PathSegment::Index(n) => format!("[{n}]"),
        };
        let here = format!("{target}{walked}");
        at = match (at, segment) {
            (Shape::Any, _) => return Ok(()),
            (Shape::Struct(fields), PathSegment::Field(name) | PathSegment::Key(name)) => {
                match fields.get(name) {
                    Some(next) => next,
                    None => {
                        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
                        let suggestion = crate::suggest::suggest(name, names.iter().copied());
                        return Err(PathError {
                            segment: i,
                            message: format!("{here} has no field `{name}`"),
                            hint: Some(match suggestion {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!("fields of {here}: {}", names.join(", ")),
                            }),
                        });
                    }
                }
            }
            (Shape::Struct(_), PathSegment::Index(_)) => {
                return Err(PathError {
                    segment: i,
                    message: format!("{here} is an object, not a list"),
                    hint: Some("index lists only, e.g. `spec.template.spec.containers[0]`".into()),
                })
            }
            (Shape::List(inner), PathSegment::Index(_)) => inner,
            (Shape::List(_), _) => {
                return Err(PathError {
                    segment: i,
                    message: format!("{here} is a list: `{}` needs an index", shown(segment)),
                    hint: Some(format!(
                        "pick an element first, e.g. `{here}[0]{}`",
                        shown(segment)
                    )),
                })
            }
            (Shape::Map(inner), PathSegment::Field(_) | PathSegment::Key(_)) => inner,
            (Shape::Map(_), PathSegment::Index(_)) => {
                return Err(PathError {
                    segment: i,
                    message: format!("{here} is a map, not a list"),
                    hint: Some(format!("a map is read by key, e.g. `{here}[\"key\"]`")),
                })
            }
            (Shape::Scalar, _) => {
                return Err(PathError {
                    segment: i,
                    message: format!("{here} is a single value: it has no `{}`", shown(segment)),
                    hint: Some(format!("compare `{here}` itself")),
                })
            }
        };
        walked.push_str(&shown(segment));
    }
    Ok(())
}

/// The shape of `T` as its `Deserialize` impl asks for it.
pub fn trace<T: for<'de> Deserialize<'de>>() -> Result<Shape, TraceError> {
    let mut shape = Shape::Any;
    T::deserialize(Tracer {
        out: &mut shape,
        depth: 0,
    })?;
    Ok(shape)
}

/// Deeper than any Kubernetes object nests: a recursive type.
const MAX_DEPTH: usize = 64;

#[derive(Debug)]
pub struct TraceError(String);

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

impl de::Error for TraceError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        TraceError(msg.to_string())
    }
}

struct Tracer<'a> {
    out: &'a mut Shape,
    depth: usize,
}

impl Tracer<'_> {
    fn check_depth(&self) -> Result<(), TraceError> {
        if self.depth > MAX_DEPTH {
            return Err(TraceError("the type nests too deep (recursive?)".into()));
        }
        Ok(())
    }
}

/// The text to offer a string visitor: a timestamp where one is expected, else empty
/// (which every other string type of the API accepts, base64 included).
fn string_for(expected: &dyn de::Expected) -> &'static str {
    if expected.to_string().contains("timestamp") {
        "2025-01-01T00:00:00Z"
    } else {
        ""
    }
}

macro_rules! scalar {
    ($($method:ident => $visit:ident($($value:expr)?)),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
            *self.out = Shape::Scalar;
            visitor.$visit($($value)?)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Tracer<'_> {
    type Error = TraceError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        // Free JSON, IntOrString, Quantity: all accept a string.
        *self.out = Shape::Any;
        visitor.visit_str("0")
    }

    scalar! {
        deserialize_bool => visit_bool(false),
        deserialize_i8 => visit_i8(0),
        deserialize_i16 => visit_i16(0),
        deserialize_i32 => visit_i32(0),
        deserialize_i64 => visit_i64(0),
        deserialize_u8 => visit_u8(0),
        deserialize_u16 => visit_u16(0),
        deserialize_u32 => visit_u32(0),
        deserialize_u64 => visit_u64(0),
        deserialize_f32 => visit_f32(0.0),
        deserialize_f64 => visit_f64(0.0),
        deserialize_char => visit_char('a'),
        deserialize_bytes => visit_bytes(&[]),
        deserialize_byte_buf => visit_bytes(&[]),
        deserialize_unit => visit_unit(),
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Shape::Scalar;
        let text = string_for(&visitor);
        visitor.visit_str(text)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        self.check_depth()?;
        *self.out = Shape::List(Box::new(Shape::Any));
        let Shape::List(inner) = self.out else {
            unreachable!("just set")
        };
        visitor.visit_seq(OneElement {
            out: Some(inner),
            depth: self.depth + 1,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        self.check_depth()?;
        *self.out = Shape::Map(Box::new(Shape::Any));
        let Shape::Map(inner) = self.out else {
            unreachable!("just set")
        };
        visitor.visit_map(OneEntry {
            out: Some(inner),
            key_given: false,
            depth: self.depth + 1,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.check_depth()?;
        let mut traced: BTreeMap<String, Shape> = BTreeMap::new();
        let value = visitor.visit_map(EveryField {
            fields,
            next: 0,
            traced: &mut traced,
            depth: self.depth + 1,
        })?;
        *self.out = Shape::Struct(traced);
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, TraceError> {
        Err(TraceError(format!("enum {name} is not traced")))
    }
}

/// A struct's fields, each once, in the order its impl lists them. `apiVersion` and
/// `kind` are recorded as scalars but not offered: top-level types check their value.
struct EveryField<'a> {
    fields: &'static [&'static str],
    next: usize,
    traced: &'a mut BTreeMap<String, Shape>,
    depth: usize,
}

impl<'de> MapAccess<'de> for EveryField<'_> {
    type Error = TraceError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        while let Some(field) = self.fields.get(self.next) {
            if *field == "apiVersion" || *field == "kind" {
                self.traced.insert(field.to_string(), Shape::Scalar);
                self.next += 1;
                continue;
            }
            let deserializer: de::value::StrDeserializer<'_, TraceError> =
                field.into_deserializer();
            return seed.deserialize(deserializer).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TraceError> {
        let field = self.fields[self.next];
        self.next += 1;
        let slot = self
            .traced
            .entry(field.to_string())
            .or_insert(Shape::Scalar);
        seed.deserialize(Tracer {
            out: slot,
            depth: self.depth,
        })
    }
}

/// A list with one element, traced into `out`.
struct OneElement<'a> {
    out: Option<&'a mut Shape>,
    depth: usize,
}

impl<'de> SeqAccess<'de> for OneElement<'_> {
    type Error = TraceError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TraceError> {
        match self.out.take() {
            Some(out) => seed
                .deserialize(Tracer {
                    out,
                    depth: self.depth,
                })
                .map(Some),
            None => Ok(None),
        }
    }
}

/// A map with one entry (key `key`), its value traced into `out`.
struct OneEntry<'a> {
    out: Option<&'a mut Shape>,
    key_given: bool,
    depth: usize,
}

impl<'de> MapAccess<'de> for OneEntry<'_> {
    type Error = TraceError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        if self.key_given || self.out.is_none() {
            return Ok(None);
        }
        self.key_given = true;
        let deserializer: de::value::StrDeserializer<'_, TraceError> = "key".into_deserializer();
        seed.deserialize(deserializer).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TraceError> {
        let out = self
            .out
            .take()
            .ok_or_else(|| TraceError("a map value asked twice".into()))?;
        seed.deserialize(Tracer {
            out,
            depth: self.depth,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> PathSegment {
        PathSegment::Field(name.into())
    }

    #[test]
    fn every_kind_is_traced() {
        for kind in [
            "StatefulSet",
            "Pod",
            "PersistentVolumeClaim",
            "PersistentVolume",
            "StorageClass",
            "Service",
            "Node",
            "ControllerRevision",
            "EndpointSlice",
            "ConfigMap",
            "Secret",
            "Deployment",
            "ReplicaSet",
            "PodDisruptionBudget",
            "PriorityClass",
            "Endpoints",
            "ResourceQuota",
            "LimitRange",
            "HorizontalPodAutoscaler",
            "RuntimeClass",
        ] {
            assert!(of_kind(kind).is_some(), "{kind}");
        }
    }

    #[test]
    fn a_typo_is_refused_with_a_suggestion() {
        let shape = of_kind("StatefulSet").expect("traced");
        assert_eq!(
            check(
                "statefulset/web",
                shape,
                &[field("status"), field("readyReplicas")]
            ),
            Ok(())
        );
        let error = check(
            "statefulset/web",
            shape,
            &[field("status"), field("updatedReplica")],
        )
        .expect_err("a typo");
        assert_eq!(error.segment, 1);
        assert_eq!(
            error.message,
            "statefulset/web.status has no field `updatedReplica`"
        );
        assert!(
            error.hint.as_deref().unwrap_or_default() == "did you mean `updatedReplicas`?",
            "{error:?}"
        );
    }

    #[test]
    fn keys_indexes_and_free_json_are_not_checked() {
        let pod = of_kind("Pod").expect("traced");
        let path = [
            field("metadata"),
            field("labels"),
            PathSegment::Key("apps.kubernetes.io/pod-index".into()),
        ];
        assert_eq!(check("pod/web-0", pod, &path), Ok(()));
        let path = [
            field("spec"),
            field("containers"),
            PathSegment::Index(7),
            field("image"),
        ];
        assert_eq!(check("pod/web-0", pod, &path), Ok(()));
        let path = [field("metadata"), field("creationTimestamp")];
        assert_eq!(check("pod/web-0", pod, &path), Ok(()));
        let revision = of_kind("ControllerRevision").expect("traced");
        let path = [field("data"), field("spec"), field("anything")];
        assert_eq!(check("controllerrevision/x", revision, &path), Ok(()));
    }

    #[test]
    fn lists_and_scalars_say_what_they_are() {
        let pod = of_kind("Pod").expect("traced");
        let error = check(
            "pod/web-0",
            pod,
            &[field("spec"), field("containers"), field("image")],
        )
        .expect_err("a list");
        assert_eq!(
            error.message,
            "pod/web-0.spec.containers is a list: `.image` needs an index"
        );
        let error = check(
            "pod/web-0",
            pod,
            &[field("spec"), field("hostname"), field("x")],
        )
        .expect_err("a scalar");
        assert_eq!(error.segment, 2);
    }
}
