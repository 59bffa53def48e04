//! What the schema knows of an object's fields: the field names of every struct (for "did
//! you mean" on unknown fields) and the fields it does not know (strict decoding).
//!
//! Technique: decode the input into its k8s-openapi type through a probing deserializer.
//! The generated `Deserialize` impls call `deserialize_struct` with the list of the
//! struct's field names, and skip a key they do not know with `deserialize_ignored_any`;
//! the probe records either under the path of the value being decoded (`spec`,
//! `spec.template.spec.containers[0].imagee`). The path is a chain of borrowed segments,
//! written out only for what is recorded.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::Value;

/// Where a value is in the object: a chain from the root, through keys and indices.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

/// One step of a field's path: a key of an object or an index of a list. Paths order as
/// Go's decoder meets them in the JSON kubectl sends (`json.Marshal` sorts every object's
/// keys): keys by bytes, indexes by number.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A path as the API server writes it: `spec.template.spec.containers[0].imagee`.
pub(crate) fn render(segments: &[Segment]) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            // Writing to a String cannot fail.
            Segment::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// Removes the field at `segments` from `value`, if it is there.
pub(crate) fn remove(value: &mut Value, segments: &[Segment]) {
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut at = value;
    for segment in parents {
        let next = match segment {
            Segment::Key(key) => at.get_mut(key.as_str()),
            Segment::Index(i) => at.get_mut(*i),
        };
        let Some(next) = next else {
            return;
        };
        at = next;
    }
    if let (Segment::Key(key), Value::Object(map)) = (last, at) {
        map.remove(key);
    }
}

impl Path<'_> {
    fn segments(&self) -> Vec<Segment> {
        let mut out = Vec::new();
        self.push_segments(&mut out);
        out
    }

    fn push_segments(&self, out: &mut Vec<Segment>) {
        match self {
            Path::Root => {}
            Path::Key(parent, key) => {
                parent.push_segments(out);
                out.push(Segment::Key((*key).to_string()));
            }
            Path::Index(parent, i) => {
                parent.push_segments(out);
                out.push(Segment::Index(*i));
            }
        }
    }

    fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Key(parent, key) => {
                parent.write(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Path::Index(parent, i) => {
                parent.write(out);
                // Writing to a String cannot fail.
                let _ = write!(out, "[{i}]");
            }
        }
    }
}

/// What one probe records.
enum Record {
    /// The field names of every struct, by path.
    Known(BTreeMap<String, &'static [&'static str]>),
    /// The paths of the keys the schema does not know, in the input's order, whatever
    /// their value.
    Unknown(Vec<Vec<Segment>>),
    /// The nulls decoded where the type wants a string, a number or a boolean (a map's
    /// value, a list's item, a field that is not optional), with the zero value Go's
    /// decoder leaves there.
    Nulls(Vec<(Vec<Segment>, Value)>),
    /// The quantities that `resource.Quantity`'s `UnmarshalJSON` refuses, with
    /// `ParseQuantity`'s error.
    Quantities(Vec<(Vec<Segment>, crate::quantity::ParseError)>),
    /// What the API server reads as no field (B-KCTL-7, B-KCTL-12):
    /// - the empty lists and maps of optional fields (k8s-openapi's `Option<Vec<_>>` and
    ///   `Option<BTreeMap<_, _>>`, Go's slices and maps): Go's `encoding/json` writes an
    ///   empty slice or map of an `omitempty` field as nothing, and the API server's storage
    ///   (protobuf) keeps no difference between an empty slice or map and none, so what is
    ///   read back has no such field. An empty structure (`emptyDir: {}`) is not one;
    /// - the zeros (`false`, `0`, `""`) of the value-typed `omitempty` scalar fields
    ///   ([`super::go_values`]), which Go decodes to what no field decodes to.
    ///
    /// `root` is the decoded kind's struct name (the first struct met), which tells
    /// same-named structs of two groups apart.
    Omitted {
        root: Option<&'static str>,
        paths: Vec<Vec<Segment>>,
    },
}

struct Probe<'a> {
    value: &'a Value,
    path: Path<'a>,
    record: &'a RefCell<Record>,
    /// Whether the type decodes this value as the inside of an `Option`.
    optional: bool,
    /// Whether this value is a value-typed `omitempty` scalar field of its struct, whose
    /// zero is recorded when omitted fields are looked for.
    zero_omitted: bool,
}

/// Why `resource.Quantity`'s `UnmarshalJSON` refuses `value`: it hands `ParseQuantity` the
/// JSON text, unquoted and trimmed (a null is the zero quantity), so a number is read as
/// written and `true` is not a quantity. A quantity too large for scn to hold
/// ([`crate::quantity::ParseError::OutOfRange`]) is one upstream reads, so it is not
/// refused here.
fn quantity_error(value: &Value) -> Option<crate::quantity::ParseError> {
    use crate::quantity::{parse, ParseError};
    let result = match value {
        Value::Null => return None,
        Value::String(s) => parse(s),
        Value::Number(n) => parse(&n.to_string()),
        Value::Bool(_) => Err(ParseError::FormatWrong),
        // An object or a list is a type error, told by the decoder.
        Value::Object(_) | Value::Array(_) => return None,
    };
    match result {
        Err(e @ (ParseError::FormatWrong | ParseError::Suffix)) => Some(e),
        _ => None,
    }
}

/// A scalar the type asks for: a null there is, for Go's `encoding/json`, a value it leaves
/// as it was (`literalStore`: null sets only an interface, pointer, map or slice), so the
/// zero value of the type; recorded when nulls are looked for. A written zero of a
/// value-typed `omitempty` field is recorded when omitted fields are looked for (a zero of
/// another JSON type is a decoding error, not a zero). Anything else decodes as
/// `deserialize_any` would.
macro_rules! null_as_zero {
    ($($method:ident => $zero:expr,)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                let zero: Value = $zero;
                if self.value.is_null() {
                    if let Record::Nulls(nulls) = &mut *self.record.borrow_mut() {
                        nulls.push((self.path.segments(), zero.clone()));
                        return zero.$method(visitor);
                    }
                }
                if self.zero_omitted && *self.value == zero {
                    self.record_omitted();
                }
                self.deserialize_any(visitor)
            }
        )*
    };
}

impl<'a> Probe<'a> {
    fn record_omitted(&self) {
        if let Record::Omitted { paths, .. } = &mut *self.record.borrow_mut() {
            paths.push(self.path.segments());
        }
    }

    /// Decodes an object with `omit`, the names of its struct's value-typed `omitempty`
    /// scalar fields, or anything else as itself.
    fn visit<'de, V: Visitor<'de>>(
        self,
        visitor: V,
        omit: &'static [&'static str],
    ) -> Result<V::Value, serde_json::Error> {
        match self.value {
            Value::Object(map) => visitor.visit_map(ProbeMap {
                iter: map.iter(),
                pending: None,
                path: self.path,
                record: self.record,
                omit,
            }),
            Value::Array(items) => visitor.visit_seq(ProbeSeq {
                iter: items.iter().enumerate(),
                path: self.path,
                record: self.record,
            }),
            scalar => scalar.clone().deserialize_any(visitor),
        }
    }
}

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.visit(visitor, &[])
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.value.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(Probe {
                optional: true,
                ..self
            })
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let mut omit: &'static [&'static str] = &[];
        match &mut *self.record.borrow_mut() {
            Record::Known(known) => {
                known.entry(self.path.render()).or_insert(fields);
            }
            Record::Omitted { root, .. } => {
                let root = *root.get_or_insert(name);
                omit = super::go_values::omitted(root, name);
            }
            _ => {}
        }
        self.visit(visitor, omit)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if name == "Quantity" {
            if let Record::Quantities(bad) = &mut *self.record.borrow_mut() {
                if let Some(e) = quantity_error(self.value) {
                    bad.push((self.path.segments(), e));
                }
            }
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.value.clone().deserialize_enum(name, variants, visitor)
    }

    /// A key the type does not know: its value is skipped, unlooked at.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        // Whatever its value: the decoder reports a key it does not know even when its
        // value is null, `[]` or `{}` (`strict decoding error: unknown field`).
        if let Record::Unknown(unknown) = &mut *self.record.borrow_mut() {
            unknown.push(self.path.segments());
        }
        visitor.visit_unit()
    }

    /// A list (Go's slice): recorded when it is optional and empty.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.optional && self.value.as_array().is_some_and(Vec::is_empty) {
            self.record_omitted();
        }
        self.deserialize_any(visitor)
    }

    /// A map (Go's map; a structure is `deserialize_struct`): recorded when it is optional
    /// and empty.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.optional
            && self
                .value
                .as_object()
                .is_some_and(serde_json::Map::is_empty)
        {
            self.record_omitted();
        }
        self.deserialize_any(visitor)
    }

    null_as_zero! {
        deserialize_bool => Value::Bool(false),
        deserialize_i8 => Value::from(0),
        deserialize_i16 => Value::from(0),
        deserialize_i32 => Value::from(0),
        deserialize_i64 => Value::from(0),
        deserialize_u8 => Value::from(0),
        deserialize_u16 => Value::from(0),
        deserialize_u32 => Value::from(0),
        deserialize_u64 => Value::from(0),
        deserialize_f32 => Value::from(0),
        deserialize_f64 => Value::from(0),
        deserialize_str => Value::String(String::new()),
        deserialize_string => Value::String(String::new()),
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char
        bytes byte_buf unit unit_struct tuple tuple_struct identifier
    }
}

struct ProbeMap<'a> {
    iter: serde_json::map::Iter<'a>,
    pending: Option<(&'a String, &'a Value)>,
    path: Path<'a>,
    record: &'a RefCell<Record>,
    /// The value-typed `omitempty` scalar fields of the object's struct.
    omit: &'static [&'static str],
}

impl<'de> MapAccess<'de> for ProbeMap<'_> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        match self.iter.next() {
            Some((k, v)) => {
                self.pending = Some((k, v));
                let key = de::value::StrDeserializer::<serde_json::Error>::new(k);
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, Self::Error> {
        let Some((k, v)) = self.pending.take() else {
            return Err(de::Error::custom("value without a key"));
        };
        seed.deserialize(Probe {
            value: v,
            path: Path::Key(&self.path, k),
            record: self.record,
            optional: false,
            zero_omitted: self.omit.contains(&k.as_str()),
        })
    }
}

struct ProbeSeq<'a> {
    iter: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
    path: Path<'a>,
    record: &'a RefCell<Record>,
}

impl<'de> SeqAccess<'de> for ProbeSeq<'_> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        match self.iter.next() {
            Some((i, v)) => seed
                .deserialize(Probe {
                    value: v,
                    path: Path::Index(&self.path, i),
                    record: self.record,
                    optional: false,
                    zero_omitted: false,
                })
                .map(Some),
            None => Ok(None),
        }
    }
}

pub(crate) fn probe_as<T: DeserializeOwned>(
    input: &Value,
) -> BTreeMap<String, &'static [&'static str]> {
    // A value that does not decode still leaves the structs visited before the error.
    match probe::<T>(input, Record::Known(BTreeMap::new())).1 {
        Record::Known(known) => known,
        _ => BTreeMap::new(),
    }
}

/// Decodes `input` as `T` through the probe, which fills `record` as it goes: whether the
/// decoding succeeded, and the record.
fn probe<T: DeserializeOwned>(input: &Value, record: Record) -> (bool, Record) {
    let record = RefCell::new(record);
    let decoded = T::deserialize(Probe {
        value: input,
        path: Path::Root,
        record: &record,
        optional: false,
        zero_omitted: false,
    })
    .is_ok();
    (decoded, record.into_inner())
}

/// The paths of `input`'s fields that `T` does not know, in the input's order; empty when
/// `input` does not decode as `T` at all (the decoding error is reported instead).
pub(crate) fn unknown_as<T: DeserializeOwned>(input: &Value) -> Vec<Vec<Segment>> {
    match probe::<T>(input, Record::Unknown(Vec::new())) {
        (true, Record::Unknown(unknown)) => unknown,
        _ => Vec::new(),
    }
}

/// Where `input` holds a null that Go's decoder would read as a string, number or boolean
/// of `T` (a ConfigMap's `data: {a: null}`, a label `a: null`), with the zero value it
/// reads there (`""`, 0, false); in the input's order.
pub(crate) fn nulls_as<T: DeserializeOwned>(input: &Value) -> Vec<(Vec<Segment>, Value)> {
    match probe::<T>(input, Record::Nulls(Vec::new())).1 {
        Record::Nulls(nulls) => nulls,
        _ => Vec::new(),
    }
}

/// The first quantity of `input` decoded as `T` that `ParseQuantity` refuses, in the order
/// Go's decoder meets them (keys sorted, as kubectl sends them), with its error.
pub(crate) fn quantity_error_as<T: DeserializeOwned>(
    input: &Value,
) -> Option<(Vec<Segment>, crate::quantity::ParseError)> {
    match probe::<T>(input, Record::Quantities(Vec::new())).1 {
        Record::Quantities(bad) => bad.into_iter().min_by(|a, b| a.0.cmp(&b.0)),
        _ => None,
    }
}

/// Where `input` holds what Go's decoder and the storage read back as no field at all, in
/// the input's order: an empty list or map that `T` decodes as an optional slice or map
/// (`tolerations: []`, `labels: {}`, `data: {}`; not an empty structure such as
/// `emptyDir: {}`, nor a required list, nor free JSON), and the zero (`false`, `0`, `""`)
/// of a value-typed `omitempty` scalar field (`hostNetwork: false`, `minReadySeconds: 0`;
/// [`super::go_values`]), all in one pass of the probe.
pub(crate) fn omitted_as<T: DeserializeOwned>(input: &Value) -> Vec<Vec<Segment>> {
    let record = Record::Omitted {
        root: None,
        paths: Vec::new(),
    };
    match probe::<T>(input, record).1 {
        Record::Omitted { paths, .. } => paths,
        _ => Vec::new(),
    }
}

/// Whether `value` holds an empty list, an empty object, `false`, `0` or `""` anywhere:
/// whether [`omitted_as`] can find anything.
pub(crate) fn has_omittable(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.is_empty() || map.values().any(has_omittable),
        Value::Array(items) => items.is_empty() || items.iter().any(has_omittable),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_u64() == Some(0) || n.as_i64() == Some(0),
        Value::String(s) => s.is_empty(),
        Value::Null => false,
    }
}

/// Sets the value at `segments`, if the place is there.
pub(crate) fn set(value: &mut Value, segments: &[Segment], new: Value) {
    let mut at = value;
    for segment in segments {
        let next = match segment {
            Segment::Key(key) => at.get_mut(key.as_str()),
            Segment::Index(i) => at.get_mut(*i),
        };
        let Some(next) = next else {
            return;
        };
        at = next;
    }
    *at = new;
}

/// Whether `value` holds a null anywhere.
pub(crate) fn has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.values().any(has_null),
        Value::Array(items) => items.iter().any(has_null),
        _ => false,
    }
}

/// The field names of every struct in `input` decoded as `kind`, by path (`""` is the
/// object itself). Empty for a kind the schema does not know.
pub fn known_fields(kind: &str, input: &Value) -> BTreeMap<String, &'static [&'static str]> {
    super::kinds::by_kind(kind).map_or_else(BTreeMap::new, |info| info.api.known_fields(input))
}

/// For each unknown field path (as [`super::strict::unknown_fields`] gives them), the
/// closest known field name of the same object, when one is close enough:
/// `spec.replica` → `replicas`.
pub fn suggestions(kind: &str, input: &Value, unknown: &[String]) -> Vec<(String, String)> {
    let known = known_fields(kind, input);
    let mut out = Vec::new();
    for path in unknown {
        let best = known
            .iter()
            .filter_map(|(parent, fields)| {
                let key = if parent.is_empty() {
                    path.as_str()
                } else {
                    path.strip_prefix(parent.as_str())?.strip_prefix('.')?
                };
                (!key.contains('[')).then_some((parent.len(), key, *fields))
            })
            .max_by_key(|(len, _, _)| *len);
        if let Some((_, key, fields)) = best {
            if let Some(s) = crate::suggest::suggest(key, fields.iter().copied()) {
                out.push((path.clone(), s));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn misspelt_fields_get_the_schema_name() {
        let v = json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web"},
            "spec": {"replica": 3, "template": {"spec": {"containers": [{"name": "a", "imagee": "x"}]}}}
        });
        let unknown = vec![
            "spec.replica".to_string(),
            "spec.template.spec.containers[0].imagee".to_string(),
            "spec.zzzzzzzzz".to_string(),
        ];
        assert_eq!(
            suggestions("StatefulSet", &v, &unknown),
            vec![
                ("spec.replica".to_string(), "replicas".to_string()),
                (
                    "spec.template.spec.containers[0].imagee".to_string(),
                    "image".to_string()
                ),
            ]
        );
    }
}
