//! The API server decodes a manifest with Go's `encoding/json` (the `sigs.k8s.io/json`
//! fork): a field of the wrong JSON type is refused with `UnmarshalTypeError`'s text,
//! `json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type
//! int32`. scn decodes with serde into the same types (k8s-openapi); this module rewords
//! serde's `invalid type: string "3", expected i32` as Go's, from the path of the field
//! (its JSON names from the root, without list indices), the Go struct that holds it and
//! the field's Go type. The struct names come from k8s-openapi itself: its decoders name
//! their struct when they want one (serde's "…, expected StatefulSetSpec"), so the struct
//! around a field is found by decoding once more with that struct's place made a boolean.

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

/// Go's text for the first field of `value` that has the wrong JSON type for `T`; `None`
/// when the decoding error is of another sort (serde's text then stands).
pub fn type_error<T: DeserializeOwned>(value: &Value, kind: &str) -> Option<String> {
    let err = serde_path_to_error::deserialize::<_, T>(value).err()?;
    let segments: Vec<Segment> = err.path().iter().cloned().collect();
    let inner = err.into_inner().to_string();
    let expected = parse(&inner)?;
    let field_value = at(value, &segments)?;
    let shown = match field_value {
        Value::String(_) => "string".to_string(),
        Value::Bool(_) => "bool".to_string(),
        Value::Array(_) => "array".to_string(),
        Value::Object(_) => "object".to_string(),
        // Go names the number only when it does not fit a numeric field (`literalStore`'s
        // overflow error); a number where a string or a bool belongs is just `number`.
        Value::Number(n) if matches!(expected.as_str(), "i32" | "i64" | "f64") => {
            format!("number {n}")
        }
        Value::Number(_) => "number".to_string(),
        // Go leaves a field that is null as it was: serde's refusal is not Go's.
        Value::Null => return None,
    };
    let go_type = go_type::<T>(value, &segments, &expected)?;
    // Go's path (`errorContext.FieldStack`) names struct fields only: the keys of a map
    // field (`data`, `labels`) are not in it, and the struct is the one holding the map.
    let mut fields: Vec<usize> = segments
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s, Segment::Map { .. }))
        .map(|(i, _)| i)
        .collect();
    let owner = loop {
        let last = *fields.last()?;
        let owner = &segments[..last];
        if owner.is_empty() {
            break kind.to_string();
        }
        let expected = expected_at::<T>(value, owner, Value::Bool(false))?;
        if expected != "a map" {
            break expected;
        }
        fields.pop();
    };
    let field: Vec<&str> = fields
        .iter()
        .filter_map(|&i| match &segments[i] {
            Segment::Map { key } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    Some(format!(
        "json: cannot unmarshal {shown} into Go struct field {owner}.{} of type {go_type}",
        field.join(".")
    ))
}

/// The error of apimachinery's `DefaultUnstructuredConverter.FromUnstructured`
/// (`runtime/converter.go`) for the first field of `value` that has the wrong JSON type for
/// `T`: the strategic merge patch handler converts the patched map to the type with it, not
/// with `encoding/json`. A string, a bool, a list or a map where a number or a bool belongs
/// is `unrecognized type: int32` (the field's `reflect.Kind`; Go converts no string to a
/// number), a fraction where an integer belongs `cannot convert float64 to int32`, and a
/// value where a map, a list or a structure belongs `cannot restore map from string`,
/// `cannot restore slice from bool`, `cannot restore struct from: int64` (the value's kind:
/// a JSON number is an `int64`, or a `float64` with a fraction). `None` where the converter
/// would take the value (it wraps an integer too large for the field, and truncates
/// nothing) or where its text depends on more than scn knows: a number where a string
/// belongs (`cannot convert int64 to v1.PullPolicy` names Go's named string type), and the
/// types that decode themselves (`IntOrString`, `Quantity`, `Time`).
pub fn conversion_error<T: DeserializeOwned>(value: &Value) -> Option<String> {
    let err = serde_path_to_error::deserialize::<_, T>(value).err()?;
    let segments: Vec<Segment> = err.path().iter().cloned().collect();
    let expected = parse(&err.into_inner().to_string())?;
    let found = at(value, &segments)?;
    // Go converts a float64 without a fraction to any integer field.
    let whole = found
        .as_f64()
        .is_some_and(|f| f.is_finite() && f.fract() == 0.0);
    let source = match found {
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Array(_) => "slice",
        Value::Object(_) => "map",
        Value::Number(n) if n.as_i64().is_some() => "int64",
        Value::Number(_) => "float64",
        // The converter sets the field's zero.
        Value::Null => return None,
    };
    let scalar = |kind: &str| match source {
        "int64" => None,
        "float64" if kind == "float64" || (whole && kind != "bool") => None,
        "float64" if kind != "bool" => Some(format!("cannot convert float64 to {kind}")),
        _ => Some(format!("unrecognized type: {kind}")),
    };
    match expected.as_str() {
        "i32" => scalar("int32"),
        "i64" => scalar("int64"),
        "f64" => scalar("float64"),
        "a boolean" => (source != "bool").then(|| "unrecognized type: bool".to_string()),
        "a string" => match source {
            "int64" | "string" => None,
            _ => Some("unrecognized type: string".to_string()),
        },
        "a map" => Some(format!("cannot restore map from {source}")),
        "a sequence" => Some(format!("cannot restore slice from {source}")),
        "IntOrString" | "Quantity" | "Time" | "MicroTime" | "RawExtension" => None,
        name if name.chars().next().is_some_and(char::is_uppercase) => {
            Some(format!("cannot restore struct from: {source}"))
        }
        _ => None,
    }
}

/// `value` as Go's `fmt` prints it with `%+v` once `encoding/json` has decoded it into an
/// `interface{}` with integers kept (`UnmarshalCaseSensitivePreserveInts`): maps as
/// `map[k:v k2:v2]` with the keys sorted, lists as `[a b]`, strings bare, integers as
/// `int64`, other numbers as `float64` (`%v`: the shortest form, with an exponent below
/// 1e-4 and from 1e6), null as `<nil>`.
pub fn go_fmt_v(value: &Value) -> String {
    let mut out = String::new();
    write_go_v(value, &mut out);
    out
}

fn write_go_v(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::String(s) => out.push_str(s),
        Value::Number(n) => match n.as_i64() {
            Some(i) => out.push_str(&i.to_string()),
            None => out.push_str(&go_float(n.as_f64().unwrap_or(0.0))),
        },
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_go_v(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("map[");
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_go_v(v, out);
                }
            }
            out.push(']');
        }
    }
}

/// Go's `%v` of a `float64`: `strconv.FormatFloat(f, 'g', -1, 64)`, where the shortest
/// digits take an exponent when it is below -4 or at least 6 (`1e+06`, `123456`).
fn go_float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    // Rust's `{:e}` writes the shortest digits that read back: `1.5e-7`.
    let sci = format!("{f:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    // Plain notation: Rust's `Display` writes the same shortest digits without exponent.
    format!("{f}")
}

/// Go's text for a decoding error that is not a field's type: a `[]byte` field (a Secret's
/// `data`) that is not base64 is `illegal base64 data at input byte N`
/// (`base64.CorruptInputError`); the base64 decoder under k8s-openapi says `Invalid symbol
/// 32, offset 3.`. Other texts stay serde's.
pub fn other_error(message: &str) -> String {
    let offset = message
        .strip_prefix("Invalid symbol ")
        .and_then(|rest| rest.split_once(", offset "))
        .and_then(|(_, n)| n.trim_end_matches('.').parse::<usize>().ok());
    match offset {
        Some(n) => format!("illegal base64 data at input byte {n}"),
        None => message.to_string(),
    }
}

/// What serde expected: `invalid type: string "3", expected i32` → `i32`; the same for
/// `invalid value: …` (a number out of range).
fn parse(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?;
    let (_, expected) = rest.rsplit_once(", expected ")?;
    Some(expected.to_string())
}

/// The field's Go type from what serde expected there.
fn go_type<T: DeserializeOwned>(root: &Value, path: &[Segment], expected: &str) -> Option<String> {
    Some(match expected {
        "i32" => "int32".into(),
        "i64" => "int64".into(),
        "f64" => "float64".into(),
        "a boolean" => "bool".into(),
        "a string" => "string".into(),
        "a map" => "map[string]string".into(),
        "a sequence" => {
            // The element type: decode again with one boolean element.
            let element = expected_at::<T>(root, path, Value::Array(vec![Value::Bool(false)]))?;
            format!("[]{}", element_type(&element))
        }
        name if name.chars().next().is_some_and(char::is_uppercase) => format!("v1.{name}"),
        _ => return None,
    })
}

/// A list's element type in Go's words.
fn element_type(expected: &str) -> String {
    match expected {
        "a string" => "string".into(),
        "i32" => "int32".into(),
        "i64" => "int64".into(),
        name => format!("v1.{name}"),
    }
}

/// What serde expects at `path` (or, for a list given as `replacement`, in its first
/// element): decodes `root` again with the value at `path` replaced.
fn expected_at<T: DeserializeOwned>(
    root: &Value,
    path: &[Segment],
    replacement: Value,
) -> Option<String> {
    let mut probe = root.clone();
    *at_mut(&mut probe, path)? = replacement;
    let err = serde_path_to_error::deserialize::<_, T>(&probe).err()?;
    parse(&err.into_inner().to_string())
}

fn at<'a>(value: &'a Value, path: &[Segment]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, s| match s {
        Segment::Map { key } => v.get(key),
        Segment::Seq { index } => v.get(index),
        _ => None,
    })
}

fn at_mut<'a>(value: &'a mut Value, path: &[Segment]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, s| match s {
        Segment::Map { key } => v.get_mut(key),
        Segment::Seq { index } => v.get_mut(index),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::type_error;
    use k8s_openapi::api::apps::v1::StatefulSet;
    use serde_json::json;

    fn set(spec: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"}, "spec": spec})
    }

    #[test]
    fn a_quoted_number_is_told_as_go_does() {
        let text = type_error::<StatefulSet>(&set(json!({"replicas": "3"})), "StatefulSet");
        assert_eq!(
            text.as_deref(),
            Some("json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type int32")
        );
    }

    #[test]
    fn a_number_out_of_range_and_a_map_for_a_list() {
        let text =
            type_error::<StatefulSet>(&set(json!({"replicas": 2147483648u64})), "StatefulSet");
        assert_eq!(
            text.as_deref(),
            Some("json: cannot unmarshal number 2147483648 into Go struct field StatefulSetSpec.spec.replicas of type int32")
        );
        let spec = json!({"template": {"spec": {"containers": {"name": "nginx"}}}});
        let text = type_error::<StatefulSet>(&set(spec), "StatefulSet");
        assert_eq!(
            text.as_deref(),
            Some("json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container")
        );
    }

    /// The message kubectl users meet for `data: {port: 80}` in a ConfigMap: the map's key
    /// is not in Go's path, and a number is just `number`.
    #[test]
    fn a_value_of_a_map_field_names_the_map_field() {
        use k8s_openapi::api::core::v1::ConfigMap;
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"port": 80}});
        assert_eq!(
            type_error::<ConfigMap>(&cm, "ConfigMap").as_deref(),
            Some(
                "json: cannot unmarshal number into Go struct field ConfigMap.data of type string"
            )
        );
        let labels = set(json!({"template": {"metadata": {"labels": {"tier": true}}}}));
        assert_eq!(
            type_error::<StatefulSet>(&labels, "StatefulSet").as_deref(),
            Some("json: cannot unmarshal bool into Go struct field ObjectMeta.spec.template.metadata.labels of type string")
        );
    }

    /// `runtime/converter.go` `fromUnstructured`: no string converts to a number
    /// (`reflect.Value.ConvertibleTo`), and a value of another shape is told by its kind.
    #[test]
    fn the_unstructured_converter_errors() {
        use super::conversion_error;
        let err = |spec| conversion_error::<StatefulSet>(&set(spec));
        assert_eq!(
            err(json!({"replicas": "abc"})).as_deref(),
            Some("unrecognized type: int32")
        );
        assert_eq!(
            err(json!({"replicas": 1.5})).as_deref(),
            Some("cannot convert float64 to int32")
        );
        assert_eq!(err(json!({"replicas": 2147483648u64})), None);
        assert_eq!(err(json!({"replicas": 3.0})), None);
        assert_eq!(
            err(json!({"template": {"metadata": {"labels": "x"}}})).as_deref(),
            Some("cannot restore map from string")
        );
        assert_eq!(
            err(json!({"template": {"metadata": {"annotations": {"a": ["b"]}}}})).as_deref(),
            Some("unrecognized type: string")
        );
        assert_eq!(
            err(json!({"template": {"spec": {"containers": {"name": "c"}}}})).as_deref(),
            Some("cannot restore slice from map")
        );
        assert_eq!(
            err(json!({"updateStrategy": 3})).as_deref(),
            Some("cannot restore struct from: int64")
        );
        assert_eq!(
            err(json!({"template": {"spec": {"hostNetwork": "true"}}})).as_deref(),
            Some("unrecognized type: bool")
        );
        // A number where a string belongs names Go's (maybe named) string type: not told.
        assert_eq!(err(json!({"serviceName": 5})), None);
        // IntOrString decodes itself.
        assert_eq!(
            err(json!({"updateStrategy": {"rollingUpdate": {"maxUnavailable": true}}})),
            None
        );
    }

    #[test]
    fn a_patch_as_go_prints_it_with_percent_v() {
        use super::go_fmt_v;
        let patch = json!({"spec": {"replicas": "abc", "a": [1, 2.5, true, null, {}], "b": 1e6, "c": 0.00001, "d": 123456.0}});
        assert_eq!(
            go_fmt_v(&patch),
            "map[spec:map[a:[1 2.5 true <nil> map[]] b:1e+06 c:1e-05 d:123456 replicas:abc]]"
        );
    }

    #[test]
    fn a_secret_that_is_not_base64_is_told_as_go_does() {
        use k8s_openapi::api::core::v1::Secret;
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"a": "not base64!"}});
        let err = serde_json::from_value::<Secret>(secret).unwrap_err();
        assert_eq!(
            super::other_error(&err.to_string()),
            "illegal base64 data at input byte 3"
        );
    }

    #[test]
    fn a_field_inside_a_list_element_names_the_element_struct() {
        let spec = json!({"template": {"spec": {"containers": [{"name": "nginx", "ports": [{"containerPort": "80"}]}]}}});
        let text = type_error::<StatefulSet>(&set(spec), "StatefulSet");
        assert_eq!(
            text.as_deref(),
            Some("json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32")
        );
    }
}
