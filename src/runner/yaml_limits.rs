//! Limits on the YAML a file or a submission hands to the loader, checked before and while
//! the YAML library reads it: a size, a nesting depth and a number of nodes (which bounds
//! what anchors and aliases expand to), and no duplicate keys.
//!
//! Without them one small file could stall or exhaust the machine: the YAML library reads
//! deeply nested text in super-linear time, and a few kilobytes of aliases expand to
//! gigabytes. kubectl refuses duplicate keys in a mapping (`mapping key "x" already
//! defined`); so does scn, rather than let the last one win silently.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The largest manifest or block read: the API server's own limit on a request body
/// (3 MiB, `apiserver.MaxRequestBodyBytes` in k8s.io/apiserver).
pub const MAX_YAML_BYTES: usize = 3 * 1024 * 1024;

/// The deepest nesting of mappings and sequences. Kubernetes objects nest about 15 levels;
/// the YAML library stops at 128, but only after it has read the whole text, which is
/// what takes super-linear time.
pub const MAX_YAML_DEPTH: usize = 100;

/// The most values (scalars, mappings, sequences) one text may expand to, aliases
/// included: far more than any manifest holds, far less than what exhausts memory.
pub const MAX_YAML_NODES: usize = 1_000_000;

/// The hint for a YAML error that is one of these limits rather than a mistake of syntax,
/// where "check the indentation" would send the writer looking for the wrong thing.
pub fn limit_hint(message: &str) -> Option<&'static str> {
    if message.contains("levels deep") {
        Some(
            "a Kubernetes object nests a few dozen levels at most: look for a runaway `[` or `{`, \
             or indentation that grows on every line",
        )
    } else if message.contains("(anchors and aliases included)") {
        Some(
            "each alias (`*name`) repeats its anchor's whole value, and aliases of aliases \
             multiply: write the values out, or use fewer nested aliases",
        )
    } else {
        None
    }
}

/// Checks the size and the nesting of `text` without parsing it. The error is a message,
/// a line and a column (1-based).
pub fn prescan(text: &str) -> Result<(), (String, u32, u32)> {
    if text.len() > MAX_YAML_BYTES {
        return Err((
            format!(
                "the text is {} bytes, more than the {} bytes the API server accepts in one request",
                text.len(),
                MAX_YAML_BYTES
            ),
            1,
            1,
        ));
    }
    let mut scan = Scan::default();
    for (number, line) in text.lines().enumerate() {
        if let Some(col) = scan.line(line) {
            return Err((
                format!("the YAML nests more than {MAX_YAML_DEPTH} levels deep"),
                number as u32 + 1,
                col as u32 + 1,
            ));
        }
    }
    Ok(())
}

/// The state of the depth pre-scan between lines.
#[derive(Default)]
struct Scan {
    /// Indentations of the enclosing block collections.
    indents: Vec<usize>,
    /// Open `[` and `{` (flow collections may span lines).
    flow: usize,
    /// Inside a quoted scalar that spans lines: its quote character.
    quote: Option<u8>,
    /// Inside a `|` or `>` block scalar: the indentation of the line that opened it.
    block_scalar: Option<usize>,
}

impl Scan {
    /// Scans one line; returns the column where the depth goes over the limit.
    fn line(&mut self, line: &str) -> Option<usize> {
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|b| **b == b' ').count();
        let blank = bytes[indent..]
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r'));
        if let Some(opener) = self.block_scalar {
            if blank || indent > opener {
                return None;
            }
            self.block_scalar = None;
        }
        if blank {
            return None;
        }
        let mut i = indent;
        if self.quote.is_none() && self.flow == 0 {
            if bytes[i] == b'#' {
                return None;
            }
            if line[i..].starts_with("---") || line[i..].starts_with("...") {
                self.indents.clear();
                return None;
            }
            while self.indents.last().is_some_and(|l| *l >= indent) {
                self.indents.pop();
            }
            self.indents.push(indent);
            // `- - - x`: each dash opens one more sequence on the same line.
            while i + 1 < bytes.len() && bytes[i] == b'-' && bytes[i + 1] == b' ' {
                i += 2;
                while i < bytes.len() && bytes[i] == b' ' {
                    i += 1;
                }
                self.indents.push(i);
            }
            if self.depth() > MAX_YAML_DEPTH {
                return Some(i.min(bytes.len().saturating_sub(1)));
            }
        }
        let mut last_token = b' ';
        while i < bytes.len() {
            let b = bytes[i];
            if let Some(q) = self.quote {
                if b == b'\\' && q == b'"' {
                    i += 2;
                    continue;
                }
                if b == q {
                    if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    self.quote = None;
                }
                i += 1;
                continue;
            }
            let at_token_start = matches!(last_token, b' ' | b'\t' | b'[' | b'{' | b',' | b':');
            match b {
                b'#' if matches!(last_token, b' ' | b'\t') => break,
                b'"' | b'\'' if at_token_start => self.quote = Some(b),
                b'[' | b'{' if at_token_start => {
                    self.flow += 1;
                    if self.depth() > MAX_YAML_DEPTH {
                        return Some(i);
                    }
                }
                b']' | b'}' => self.flow = self.flow.saturating_sub(1),
                _ => {}
            }
            last_token = b;
            i += 1;
        }
        if self.quote.is_none() && self.flow == 0 {
            let content = line[..line.len()].trim_end();
            let content = match content.find(" #") {
                Some(at) => content[..at].trim_end(),
                None => content,
            };
            let indicator =
                content.trim_end_matches(|c: char| c == '+' || c == '-' || c.is_ascii_digit());
            if indicator.ends_with(['|', '>'])
                && (indicator.len() == 1
                    || indicator[..indicator.len() - 1].ends_with([' ', ':', '-']))
            {
                self.block_scalar = Some(indent);
            }
        }
        None
    }

    fn depth(&self) -> usize {
        self.indents.len() + self.flow
    }
}

/// Deserializes one YAML document into JSON while counting its nodes against
/// [`MAX_YAML_NODES`] (shared by all documents of a text) and refusing duplicate keys.
pub struct Budgeted<'a> {
    pub nodes: &'a Cell<usize>,
    /// The text the YAML library reads (and lends its scalars from): whether a scalar was
    /// quoted is read there, since kubectl resolves unquoted ones as YAML 1.1
    /// (`yaml_go`).
    pub text: &'a str,
    /// Whether kubectl reads `text` as YAML: false for a text that starts with `{`, which
    /// kubectl decodes as JSON (apimachinery `YAMLOrJSONDecoder`, `IsJSONBuffer`; `ToJSON`
    /// passes it through), so no YAML 1.1 reading applies.
    pub yaml11: bool,
}

impl<'a> Budgeted<'a> {
    /// A budget over `text`, read as kubectl reads it (YAML 1.1, or JSON).
    pub fn new(nodes: &'a Cell<usize>, text: &'a str) -> Self {
        let yaml11 = !text.trim_start().starts_with('{');
        Budgeted {
            nodes,
            text,
            yaml11,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Budgeted<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Budgeted<'_> {
    /// Whether `scalar`, lent from `self.text`, was written unquoted and untagged.
    fn is_plain(&self, scalar: &str) -> bool {
        let start = (scalar.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        let Some(before) = self.text.get(..start) else {
            return false;
        };
        if start + scalar.len() > self.text.len() {
            return false;
        }
        if before.ends_with(['"', '\'']) {
            return false;
        }
        // A tag (`!!str yes`, `!foo yes`) decides the type itself.
        let token = before
            .trim_end_matches([' ', '\t'])
            .rsplit([' ', '\t', '\n', '[', '{', ','])
            .next()
            .unwrap_or("");
        !token.starts_with('!')
    }

    fn count<E: de::Error>(&self) -> Result<(), E> {
        let n = self.nodes.get() + 1;
        self.nodes.set(n);
        if n > MAX_YAML_NODES {
            return Err(E::custom(format_args!(
                "the YAML expands to more than {MAX_YAML_NODES} values (anchors and aliases included)"
            )));
        }
        Ok(())
    }
}

impl<'de> Visitor<'de> for Budgeted<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Number(v.into()))
    }

    // An integer beyond 64 bits is still valid YAML: kept as the nearest float, so the API
    // layer refuses it as kubectl does (`cannot unmarshal number ... of type int32`)
    // instead of calling the file invalid YAML.
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        self.visit_f64(v as f64)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        self.visit_f64(v as f64)
    }

    // `.nan`, `.inf` and `-.inf` are YAML floats that JSON cannot carry. kubectl converts
    // YAML to JSON first (sigs.k8s.io/yaml `yamlToJSONTarget`: Go's `json.Marshal` of the
    // value), so it refuses the file: `error converting YAML to JSON: json: unsupported
    // value: NaN`. They used to become `null` here, a field silently unset (`replicas:
    // .nan` ran one replica).
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.count()?;
        let number = if self.yaml11 {
            super::yaml_go::json_float(v)
        } else {
            Number::from_f64(v)
        };
        match number {
            Some(number) => Ok(Value::Number(number)),
            None => {
                let (go, yaml) = if v.is_nan() {
                    ("NaN", ".nan")
                } else if v > 0.0 {
                    ("+Inf", ".inf")
                } else {
                    ("-Inf", "-.inf")
                };
                Err(E::custom(format_args!(
                    "error converting YAML to JSON: json: unsupported value: {go} \
                     (JSON has no {go}; write \"{yaml}\" in quotes for a string)"
                )))
            }
        }
    }

    // The YAML library lends an unquoted scalar it read as a string from the text itself:
    // one not preceded by a quote or a tag (`!!str yes`) is resolved as kubectl does.
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Value, E> {
        if self.yaml11 && self.is_plain(v) {
            if let Some(value) = super::yaml_go::plain_scalar(v) {
                self.count()?;
                return Ok(value);
            }
        }
        self.visit_str(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.count()?;
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.count()?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.count()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Budgeted {
            nodes: self.nodes,
            text: self.text,
            yaml11: self.yaml11,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.count()?;
        let mut object = Map::new();
        // After a merge key, the keys written in the mapping (not those the merge brought).
        let mut written: Option<std::collections::HashSet<String>> = None;
        while let Some(key) = map.next_key::<String>()? {
            self.count()?;
            let again = match &mut written {
                None => object.contains_key(&key),
                Some(written) => !written.insert(key.clone()),
            };
            if again {
                // kubectl (sigs.k8s.io/yaml): `mapping key "replicas" already defined`.
                return Err(de::Error::custom(format_args!(
                    "mapping key \"{key}\" already defined"
                )));
            }
            let value = map.next_value_seed(Budgeted {
                nodes: self.nodes,
                text: self.text,
                yaml11: self.yaml11,
            })?;
            if key == MERGE_KEY {
                let written = written.get_or_insert_with(|| object.keys().cloned().collect());
                written.insert(key);
                merge(&mut object, value).map_err(de::Error::custom)?;
                continue;
            }
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// YAML 1.1's merge key, which goyaml.v2 (under sigs.k8s.io/yaml) resolves.
const MERGE_KEY: &str = "<<";

/// goyaml.v2's `decoder.merge`: the mapping (an alias of one, usually `<<: *defaults`) or
/// each mapping of a sequence (the last first, so the earlier ones take precedence) is
/// written into the mapping being read, in the document's order: a key written after `<<`
/// replaces the merged one, a key written before it is replaced by it (goyaml.v2 decodes
/// the mapping in order into the same map; goyaml.v3 changed this). Anything else is
/// refused with goyaml.v2's words.
fn merge(object: &mut Map<String, Value>, value: Value) -> Result<(), String> {
    const WANT_MAP: &str = "map merge requires map or sequence of maps as the value";
    match value {
        Value::Object(entries) => object.extend(entries),
        Value::Array(items) => {
            for item in items.into_iter().rev() {
                let Value::Object(entries) = item else {
                    return Err(WANT_MAP.into());
                };
                object.extend(entries);
            }
        }
        _ => return Err(WANT_MAP.into()),
    }
    Ok(())
}

/// A duplicate key is reported by the YAML library at the start of its mapping; kubectl
/// names the line of the second key and the line of the first (`line 8: mapping key
/// "replicas" already defined at line 6`). Finds both among the lines of the mapping: the
/// lines from the mapping's start indented exactly as it is.
pub fn locate_duplicate(text: &str, error: (String, u32, u32)) -> (String, u32, u32) {
    let (message, line, col) = error;
    let Some(key) = message
        .split("mapping key \"")
        .nth(1)
        .and_then(|rest| rest.split("\" already defined").next())
    else {
        return (message, line, col);
    };
    let column = col.saturating_sub(1) as usize;
    let mut found = Vec::new();
    for (number, l) in text
        .lines()
        .enumerate()
        .skip(line.saturating_sub(1) as usize)
    {
        let indent = l.len() - l.trim_start_matches([' ', '-']).len();
        if found.is_empty() && number + 1 == line as usize {
            // The mapping's first line may start with `- ` or follow `key: ` on its line.
        } else if indent < column && !l.trim().is_empty() && !l.trim_start().starts_with('#') {
            break;
        }
        if indent != column {
            continue;
        }
        let rest = l[indent..].trim_start_matches(['"', '\'']);
        if rest.starts_with(key)
            && rest[key.len()..]
                .trim_start_matches(['"', '\''])
                .starts_with(':')
        {
            found.push(number as u32 + 1);
            if found.len() == 2 {
                return (format!("{message} at line {}", found[0]), found[1], col);
            }
        }
    }
    (message, line, col)
}
