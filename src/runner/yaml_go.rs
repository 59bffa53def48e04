//! How kubectl reads a YAML scalar, where it differs from the YAML 1.2 library scn uses.
//!
//! kubectl turns YAML into JSON with sigs.k8s.io/yaml (`yamlToJSONTarget`), which reads
//! YAML 1.1 with goyaml.v2 (`resolve.go`) and writes the result with Go's `json.Marshal`:
//!
//! - an unquoted `yes`, `no`, `on`, `off`, `y`, `n` (and their `Yes`/`YES` forms) is a
//!   boolean, so `app: yes` in a label is refused by the API server as `cannot unmarshal
//!   bool into Go struct field ... of type string`;
//! - an unquoted number may hold `_` (`1_000` is 1000) and a leading `0` means octal
//!   (`010` is 8; `08`, not octal, is read as the float 8);
//! - a float with no fraction is written as an integer (`3.0` and `1e1` become `3` and
//!   `10`), so `replicas: 3.0` is accepted;
//! - `.nan` and `.inf` cannot be written as JSON: the file is refused
//!   (`yaml_limits::Budgeted`).
//!
//! Not followed: a plain timestamp (`2024-01-01` becomes `2024-01-01T00:00:00Z` in Go),
//! integers beyond 64 bits written with `_`, and mapping keys (`yes:` as a key is
//! `"true"` in Go).

use serde_json::{Number, Value};

/// YAML 1.1 booleans that goyaml.v2 resolves and YAML 1.2 reads as strings.
fn yaml11_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` (then `ParseUint`): a sign, then `0x`, `0o`, `0b` or
/// a leading `0` (octal) or decimal digits.
fn go_parse_int(text: &str) -> Option<Number> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = unsigned.to_ascii_lowercase();
    let (radix, digits) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        let value = 0i64.checked_sub_unsigned(magnitude)?;
        Some(value.into())
    } else {
        Some(magnitude.into())
    }
}

/// goyaml.v2's float syntax: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((whole, fraction)) => digits(whole) && fraction.bytes().all(|b| b.is_ascii_digit()),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// What kubectl makes of an unquoted scalar that the YAML 1.2 library read as the string
/// `text`; `None` when kubectl reads it as the same string.
pub fn plain_scalar(text: &str) -> Option<Value> {
    if let Some(boolean) = yaml11_bool(text) {
        return Some(Value::Bool(boolean));
    }
    // goyaml.v2 tries numbers only for a scalar that starts with a digit or a sign.
    if !text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
        return None;
    }
    // A date (`2024-01-01`) is a timestamp to goyaml.v2; left as the string (see above).
    if text.len() > 4 && text.as_bytes()[4] == b'-' && text[..4].bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let plain = text.replace('_', "");
    if let Some(number) = go_parse_int(&plain) {
        return Some(Value::Number(number));
    }
    if is_yaml_float(&plain) {
        let float: f64 = plain.parse().ok()?;
        return json_float(float).map(Value::Number);
    }
    None
}

/// A float as Go's `json.Marshal` writes it and the API server then reads it: without a
/// fraction and under 1e21 it is written as an integer (`3.0` is `3`); `None` for NaN and
/// the infinities, which it cannot write.
pub fn json_float(value: f64) -> Option<Number> {
    if !value.is_finite() {
        return None;
    }
    if value.fract() == 0.0 && value.abs() < 1e21 {
        // Exact for every integral float within i64 (the casts saturate, then compare).
        if value >= i64::MIN as f64 && value < i64::MAX as f64 {
            return Some((value as i64).into());
        }
        if value >= 0.0 && value < u64::MAX as f64 {
            return Some((value as u64).into());
        }
    }
    Number::from_f64(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_resolve_as_goyaml_v2_resolves_them() {
        for (text, expected) in [
            ("yes", Some(Value::Bool(true))),
            ("On", Some(Value::Bool(true))),
            ("N", Some(Value::Bool(false))),
            ("OFF", Some(Value::Bool(false))),
            ("1_000", Some(1000.into())),
            ("010", Some(8.into())),
            ("-010", Some((-8).into())),
            ("0X1f", Some(31.into())),
            ("08", Some(8.into())),
            ("1_0.5", Some(serde_json::json!(10.5))),
            ("0", None),
            ("yess", None),
            ("nginx", None),
            ("2024-01-01", None),
            ("1.2.3", None),
            ("-", None),
            ("0x", None),
            ("1e400", None),
            ("80/TCP", None),
        ] {
            let got = if text == "0" {
                // serde_yaml reads `0` itself; it never reaches here, but it is an int.
                assert_eq!(plain_scalar(text), Some(0.into()));
                None
            } else {
                plain_scalar(text)
            };
            assert_eq!(got, expected, "{text}");
        }
    }

    #[test]
    fn integral_floats_are_written_as_integers() {
        assert_eq!(json_float(3.0), Some(3.into()));
        assert_eq!(json_float(-0.0), Some(0.into()));
        assert_eq!(json_float(1e1), Some(10.into()));
        assert_eq!(json_float(3.5), Number::from_f64(3.5));
        assert_eq!(json_float(1e21), Number::from_f64(1e21));
        assert_eq!(json_float(f64::NAN), None);
        assert_eq!(json_float(f64::INFINITY), None);
    }
}
