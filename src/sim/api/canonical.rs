//! JSON as Go's `json.Marshal` writes a map: object keys sorted, no spaces. The
//! ControllerRevision hash is taken over it, and kubectl writes the last-applied annotation
//! in it.

use serde_json::Value;

/// JSON with object keys sorted, as Go's `json.Marshal` of a map writes it.
pub fn to_string(value: &Value) -> String {
    let mut out = Vec::new();
    write_canonical(value, &mut out);
    // serde_json writes UTF-8 only.
    String::from_utf8(out).unwrap_or_default()
}

/// [`to_string`] with Go's escapes: the bytes `json.Marshal` writes (the ControllerRevision
/// data a hash is taken over, kubectl's last-applied annotation).
pub fn to_go_json(value: &Value) -> String {
    go_html_escape(&to_string(value))
}

/// Go's `json.Encoder` escapes `<`, `>` and `&` (`SetEscapeHTML` is on by default) and the
/// line and paragraph separators U+2028 and U+2029, wherever they stand in a string.
fn go_html_escape(json: &str) -> String {
    if !json.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// [`to_string`] into one buffer.
fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            write_joined(out, b'{', b'}', keys, |k, out| {
                write_scalar(k, out);
                out.push(b':');
                write_canonical(&map[k], out);
            });
        }
        Value::Array(items) => write_joined(out, b'[', b']', items, write_canonical),
        other => write_scalar(other, out),
    }
}

/// `open`, the items separated by commas, `close`.
fn write_joined<I: IntoIterator>(
    out: &mut Vec<u8>,
    open: u8,
    close: u8,
    items: I,
    mut write: impl FnMut(I::Item, &mut Vec<u8>),
) {
    out.push(open);
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(item, out);
    }
    out.push(close);
}

/// A key, string, number, bool or null as `serde_json` writes it.
fn write_scalar<T: serde::Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail, and these values have no map keys to reject.
    let _ = serde_json::to_writer(&mut *out, value);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// Keys sorted at every depth, strings escaped as serde_json escapes them, and the same
    /// text as serializing a key-sorted copy (kubectl's last-applied annotation).
    #[test]
    fn keys_are_sorted_at_every_depth() {
        let v = json!({"b": 1, "a": [true, null, {"z": "q\"u", "y": 1.5}], "é": {}});
        assert_eq!(
            super::to_string(&v),
            r#"{"a":[true,null,{"y":1.5,"z":"q\"u"}],"b":1,"é":{}}"#
        );
    }
}
