//! Resource quantities (`1Gi`, `500m`, `1.5`, `1e3`), as apimachinery's `resource.Quantity`
//! reads, compares, adds and prints them (`pkg/api/resource/quantity.go`), in exact integer
//! arithmetic: a quantity is a whole number of nano-units (10⁻⁹) in an `i128`, never a
//! float. Digits finer than a nano-unit round the magnitude up, as `ParseQuantity` does
//! ("if you want some resources, you should get some resources").
//!
//! One difference, on purpose: upstream keeps arbitrarily large decimal values (and caps
//! binary ones at 2⁶³-1), then its int64 accessors (`Value`, `MilliValue`) wrap. Here a
//! magnitude above 2⁶³-1 units is refused ([`ParseError::OutOfRange`]), so no caller ever
//! sees a wrapped number.

use std::cmp::Ordering;
use std::fmt;

/// Nano-units in one unit.
const NANO: i128 = 1_000_000_000;
/// The largest magnitude held, in nano-units: 2⁶³-1 units, upstream's `maxAllowed`.
const MAX_NANOS: i128 = i64::MAX as i128 * NANO;

/// How a quantity prints, chosen by the suffix it was written with (`resource.Format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `1e3`, `12E6`: a power-of-ten exponent.
    DecimalExponent,
    /// `Ki` … `Ei`: powers of 1024.
    BinarySI,
    /// `n`, `u`, `m`, none, `k`, `M`, `G`, `T`, `P`, `E`.
    DecimalSI,
}

/// Why a text is not a quantity (upstream's `ErrFormatWrong`, `ErrSuffix`), or is one too
/// large to hold. (Upstream's `ErrNumeric` cannot happen here: the digits are read exactly.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    FormatWrong,
    Suffix,
    OutOfRange,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::FormatWrong => {
                "quantities must match the regular expression \
                 '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            }
            ParseError::Suffix => "unable to parse quantity's suffix",
            ParseError::OutOfRange => "quantity is too large: at most 2^63-1 in magnitude",
        })
    }
}

/// A parsed quantity: its exact value and the format it prints in. Two quantities are
/// equal when their values are (`Quantity.Cmp`), whatever their formats.
#[derive(Clone, Copy, Debug)]
pub struct Quantity {
    nanos: i128,
    format: Format,
    /// `ParseQuantity` keeps the text it read when that text is already canonical by its
    /// own test; `String()` then prints the text as written (`+1`, `01` included).
    keeps_text: bool,
    /// The `int64Amount` `ParseQuantity` keeps, when its fast path holds the number.
    int64: Option<(i64, i32)>,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Quantity) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Quantity) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Quantity) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

/// `ceil(a / b)` for `b > 0`.
fn div_ceil(a: i128, b: i128) -> i128 {
    let q = a.div_euclid(b);
    if a.rem_euclid(b) == 0 {
        q
    } else {
        q + 1
    }
}

impl Quantity {
    /// `resource.NewQuantity(n, DecimalSI)`: a count (`2`), zero included.
    pub fn from_count(n: i64) -> Quantity {
        Quantity {
            nanos: i128::from(n) * NANO,
            format: Format::DecimalSI,
            keeps_text: false,
            int64: Some((n, 0)),
        }
    }

    /// The value in nano-units.
    pub fn nanos(&self) -> i128 {
        self.nanos
    }

    /// `Quantity.Value()`: the value in units, rounded up (`500m` → 1, `1Gi` → 1073741824).
    pub fn value(&self) -> i64 {
        // In range by construction: |nanos| ≤ (2⁶³-1)·10⁹.
        i64::try_from(div_ceil(self.nanos, NANO)).unwrap_or(i64::MAX)
    }

    /// `Quantity.MilliValue()`: the value in thousandths, rounded up (`0.1` → 100); `None`
    /// when that does not fit an `i64` (where upstream's would wrap).
    pub fn milli_value(&self) -> Option<i64> {
        i64::try_from(div_ceil(self.nanos, NANO / 1000)).ok()
    }

    /// `Quantity.Add`, exactly; `None` past the range. Adding to zero takes the other's
    /// format, as upstream does. (The scheduler sums amounts in its own units; validation
    /// sums quantities where it prints the sum.)
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        let nanos = self.nanos.checked_add(other.nanos)?;
        if nanos.abs() > MAX_NANOS {
            return None;
        }
        let format = if self.nanos == 0 {
            other.format
        } else {
            self.format
        };
        Some(Quantity {
            nanos,
            format,
            keeps_text: false,
            int64: None,
        })
    }

    /// The canonical text, as `Quantity.String()` prints a quantity it computed (not read).
    fn canonical(&self) -> String {
        if self.nanos == 0 {
            return "0".to_string();
        }
        let binary = self.format == Format::BinarySI
            && self.nanos.abs() >= 1024 * NANO
            && self.nanos % NANO == 0;
        if binary {
            // `AsCanonicalBase1024Bytes`: the largest power of 1024 that divides the value.
            let mut amount = self.nanos / NANO;
            let mut times = 0;
            while times < 6 && amount.abs() >= 1024 && amount % 1024 == 0 {
                amount /= 1024;
                times += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][times];
            return format!("{amount}{suffix}");
        }
        // `AsCanonicalBytes`: every factor of ten into the exponent, then the exponent down
        // to a multiple of three.
        let mut amount = self.nanos;
        let mut exponent: i32 = -9;
        while amount % 10 == 0 {
            amount /= 10;
            exponent += 1;
        }
        while exponent.rem_euclid(3) != 0 {
            amount *= 10;
            exponent -= 1;
        }
        let suffix = if self.format == Format::DecimalExponent {
            if exponent == 0 {
                String::new()
            } else {
                format!("e{exponent}")
            }
        } else {
            // In range, the exponent is at most 18 (`E`).
            let index = usize::try_from((exponent + 9) / 3).unwrap_or(0);
            ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"][index.min(9)].to_string()
        };
        format!("{amount}{suffix}")
    }
}

impl fmt::Display for Quantity {
    /// The canonical form (`1024Mi` → `1Gi`, `1.5` → `1500m`, `2000` → `2k`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// `resource.ParseQuantity` on a trimmed text (as `UnmarshalJSON` trims it).
pub fn parse(text: &str) -> Result<Quantity, ParseError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ParseError::FormatWrong);
    }
    let (negative, rest) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let rest = rest.trim_start_matches('0');
    let num_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let num = &rest[..num_end];
    let mut rest = &rest[num_end..];
    let mut denom = "";
    if let Some(after) = rest.strip_prefix('.') {
        let end = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        denom = &after[..end];
        rest = &after[end..];
    }
    // The suffix: letters of `eEinumkKMGTP`, then an optional sign and digits.
    let letters = rest
        .find(|c: char| !"eEinumkKMGTP".contains(c))
        .unwrap_or(rest.len());
    let tail = &rest[letters..];
    let tail = tail.strip_prefix(['+', '-']).unwrap_or(tail);
    if !tail.chars().all(|c| c.is_ascii_digit()) {
        return Err(ParseError::FormatWrong);
    }
    let (base, exponent, format) = interpret(rest).ok_or(ParseError::Suffix)?;
    let digits: Vec<u8> = num.bytes().chain(denom.bytes()).map(|b| b - b'0').collect();
    let magnitude = if base == 10 {
        // The decimal point, moved to the nano-unit: digits before it count exactly, any
        // non-zero digit after it rounds up.
        let point = num.len() as i64 + i64::from(exponent) + 9;
        scaled(&digits, point, 0)?
    } else {
        scaled(&digits, num.len() as i64 + 9, exponent as u32)?
    };
    if magnitude > MAX_NANOS {
        return Err(ParseError::OutOfRange);
    }
    let keeps_text = keeps_text(num, denom, base, exponent, format);
    let int64 = int64_amount(num, denom, base, exponent)
        .map(|(value, scale)| (if negative { -value } else { value }, scale));
    Ok(Quantity {
        nanos: if negative { -magnitude } else { magnitude },
        format,
        keeps_text,
        int64,
    })
}

/// `ParseQuantity`'s fast path: the `int64Amount` (value, scale) it stores when the number
/// fits an int64 at a scale of nano or coarser; `None` where it keeps an `inf.Dec`.
fn int64_amount(num: &str, denom: &str, base: u32, exponent: i32) -> Option<(i64, i32)> {
    let num = if num.is_empty() { "0" } else { num };
    let (mut scale, precision, mantissa) = if base == 10 {
        (exponent, 18 - (num.len() + denom.len()) as i64, 1i64)
    } else if exponent >= 0 && denom.is_empty() {
        let mantissa = 1i64.checked_shl(exponent as u32)?;
        let precision = 15 - num.len() as i64 - (exponent as f32 * 3.0 / 10.0) as i64 - 1;
        (0, precision, mantissa)
    } else {
        return None;
    };
    if precision < 0 {
        return None;
    }
    scale = scale.checked_sub(i32::try_from(denom.len()).ok()?)?;
    if scale < -9 {
        return None;
    }
    let value: i64 = format!("{num}{denom}").parse().ok()?;
    Some((value.checked_mul(mantissa)?, scale))
}

/// How Go's `%#v` prints the quantity written as `text` once the API server decoded and
/// defaulted it (`SetDefaults_ResourceList` rounds up to milli-units):
/// `resource.Quantity{i:resource.int64Amount{value:5368709120, scale:0},
/// d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"5Gi", Format:"BinarySI"}`. A quantity
/// upstream holds as an `inf.Dec` prints a pointer, whose address scn cannot know.
pub fn go_syntax(text: &str) -> Option<String> {
    let q = parse(text).ok()?;
    let format = match q.format {
        Format::DecimalExponent => "DecimalExponent",
        Format::BinarySI => "BinarySI",
        Format::DecimalSI => "DecimalSI",
    };
    let (i, d, s) = match q.int64 {
        Some((value, scale)) if scale < -3 => {
            // `RoundUp(-3)`: the value at milli scale, rounded away from zero; the text
            // is dropped.
            let factor = 10i64.pow((-3 - scale) as u32);
            let rounded = value / factor + i64::from(value % factor != 0) * value.signum();
            ((rounded, -3), "nil", String::new())
        }
        Some(amount) => {
            let s = if q.keeps_text {
                text.trim().to_string()
            } else {
                String::new()
            };
            (amount, "nil", s)
        }
        None => ((0, 0), "0xc000010000", String::new()),
    };
    Some(format!(
        "resource.Quantity{{i:resource.int64Amount{{value:{}, scale:{}}}, \
         d:resource.infDecAmount{{Dec:(*inf.Dec)({d})}}, s:{}, Format:{}}}",
        i.0,
        i.1,
        serde_json::to_string(&s).unwrap_or_default(),
        serde_json::to_string(format).unwrap_or_default(),
    ))
}

/// `ceil(0.d₀d₁d₂… × 10^point × 2^shift)` for decimal digits, exactly; `OutOfRange` past
/// `i128`.
fn scaled(digits: &[u8], point: i64, shift: u32) -> Result<i128, ParseError> {
    let too_large = ParseError::OutOfRange;
    let split = point.clamp(0, digits.len() as i64) as usize;
    let (whole, fraction) = digits.split_at(split);
    let mut value: i128 = 0;
    for &d in whole {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i128::from(d)))
            .ok_or(too_large)?;
    }
    if value != 0 {
        // Zeros the point moved past the digits.
        for _ in digits.len() as i64..point {
            value = value.checked_mul(10).ok_or(too_large)?;
        }
        value = value.checked_mul(1i128 << shift).ok_or(too_large)?;
    }
    // The fraction times 2^shift: its whole part is the carry out of a schoolbook
    // multiplication; any digit left over rounds up.
    let mut carry: u128 = 0;
    let mut rest_nonzero = false;
    for &d in fraction.iter().rev() {
        let product = u128::from(d) * (1u128 << shift) + carry;
        rest_nonzero |= product % 10 != 0;
        carry = product / 10;
    }
    let carry = i128::try_from(carry).map_err(|_| too_large)?;
    value
        .checked_add(carry + i128::from(rest_nonzero))
        .ok_or(too_large)
}

/// `quantitySuffixer.interpret`: the base, exponent and format of a suffix.
fn interpret(suffix: &str) -> Option<(u32, i32, Format)> {
    let decimal = |e| Some((10, e, Format::DecimalSI));
    let binary = |e| Some((2, e, Format::BinarySI));
    match suffix {
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "" => decimal(0),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        s if s.len() > 1 && s.starts_with(['e', 'E']) => {
            // `strconv.ParseInt(s[1:], 10, 64)`, then `int32(parsed)`: an exponent past an
            // int64 is a suffix error, one past an int32 wraps as Go's conversion does.
            let exponent: i64 = s[1..].parse().ok()?;
            Some((10, exponent as i32, Format::DecimalExponent))
        }
        _ => None,
    }
}

/// Whether `ParseQuantity`'s fast path keeps the text as the quantity's string: the
/// number fits an int64 and is already in canonical form by upstream's test.
fn keeps_text(num: &str, denom: &str, base: u32, exponent: i32, format: Format) -> bool {
    let num = if num.is_empty() { "0" } else { num };
    if format == Format::BinarySI {
        // Only a whole number; `exponent*3/10` as upstream rounds it (toward zero).
        let precision = 15 - num.len() as i64 - i64::from(exponent * 3 / 10) - 1;
        if !denom.is_empty() || precision < 0 {
            return false;
        }
        let Ok(value) = num.parse::<i64>() else {
            return false;
        };
        return value.checked_mul(1i64 << exponent).is_some() && value & 0x07 != 0;
    }
    debug_assert_eq!(base, 10);
    let precision = 18 - (num.len() + denom.len()) as i64;
    let scale = i64::from(exponent) - denom.len() as i64;
    let shifted = format!("{num}{denom}");
    precision >= 0
        && scale >= -9
        && shifted.parse::<i64>().is_ok()
        && scale % 3 == 0
        && !shifted.ends_with("000")
        && !shifted.starts_with('0')
}

/// `ParseQuantity(text).String()`: the text as the API server would write it back, or
/// `None` when it is not a quantity.
pub fn to_canonical_string(text: &str) -> Option<String> {
    let q = parse(text).ok()?;
    Some(if q.keeps_text && q.nanos != 0 {
        text.trim().to_string()
    } else {
        q.canonical()
    })
}

/// `SetDefaults_ResourceList`: what the API server writes back for a quantity of a
/// resource list (a container's requests and limits, a claim's, a volume's capacity) once
/// its defaulter rounded it up to milli-units (`RoundUp(Milli)`, away from zero): `100u` is
/// stored as `1m`, `0.0001` as `1m`; a quantity without finer digits reads as
/// [`to_canonical_string`] gives it. `None` when the text is not a quantity.
pub fn to_defaulted_string(text: &str) -> Option<String> {
    const MILLI: i128 = NANO / 1000;
    let q = parse(text).ok()?;
    if q.nanos % MILLI == 0 {
        return to_canonical_string(text);
    }
    let rounded = (q.nanos / MILLI + q.nanos.signum()) * MILLI;
    Some(
        Quantity {
            nanos: rounded,
            format: q.format,
            keeps_text: false,
            int64: None,
        }
        .canonical(),
    )
}

/// The canonical text of an object's quantity (`1024Mi` → `1Gi`, `2000` → `2k`, `0.5Gi` →
/// `512Mi`), as `kubectl get` prints it; a text that is not a quantity prints as written.
pub fn canonical(q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity) -> String {
    to_canonical_string(&q.0).unwrap_or_else(|| q.0.trim().to_string())
}

/// A storage size in whole bytes, rounded up; `None` for a negative or unreadable one.
pub fn bytes(text: &str) -> Option<u128> {
    let q = parse(text).ok()?;
    (q.nanos >= 0).then(|| div_ceil(q.nanos, NANO) as u128)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn s(text: &str) -> String {
        to_canonical_string(text).unwrap_or_else(|| panic!("{text} does not parse"))
    }

    #[test]
    fn binary_decimal_and_milli_suffixes() {
        assert_eq!(bytes("1Gi"), Some(1 << 30));
        assert_eq!(bytes("500M"), Some(500_000_000));
        assert_eq!(bytes("1.5Ki"), Some(1536));
        assert_eq!(q("500m").milli_value(), Some(500));
        assert_eq!(q("500m").value(), 1);
        assert_eq!(q("1e3").value(), 1000);
        assert_eq!(q("1E+3").value(), 1000);
        assert_eq!(q("1e-3").milli_value(), Some(1));
        assert_eq!(q("2n").nanos(), 2);
        assert_eq!(q("3u").nanos(), 3000);
        assert_eq!(bytes("x"), None);
        assert_eq!(bytes("-1Gi"), None);
    }

    #[test]
    fn exact_where_a_float_is_not() {
        // 1Ei + 1 is 2^60 + 1: an f64 (53-bit mantissa) cannot tell it from 1Ei.
        let ei = q("1Ei");
        let plus_one = q("1152921504606846977");
        assert_ne!(ei, plus_one);
        assert!(ei < plus_one);
        assert_eq!(ei.checked_add(q("1")), Some(plus_one));
        assert_eq!(plus_one.value(), (1i64 << 60) + 1);
        // 0.1 + 0.2 is 0.30000000000000004 in f64.
        let sum = q("0.1").checked_add(q("0.2")).expect("in range");
        assert_eq!(sum, q("300m"));
        assert_eq!(sum.milli_value(), Some(300));
        assert_eq!(sum.to_string(), "300m");
        // The largest value held, and one more: refused, not wrapped or rounded.
        assert_eq!(q("9223372036854775807").value(), i64::MAX);
        assert_eq!(
            parse("9223372036854775808"),
            Err(ParseError::OutOfRange),
            "2^63 units is past the range"
        );
        assert_eq!(parse("8Ei"), Err(ParseError::OutOfRange));
        assert_eq!(parse("1e19"), Err(ParseError::OutOfRange));
        assert_eq!(parse("1e2147483647"), Err(ParseError::OutOfRange));
        assert_eq!(q("7Ei").checked_add(q("1Ei")), None);
        assert_eq!(q("9223372036854775807").milli_value(), None);
        // Beyond a float's precision, far to the right: rounds up to one nano-unit.
        assert_eq!(
            q("1.0000000000000000000000000000000000000001").nanos(),
            NANO + 1
        );
        assert_eq!(q("0.1n").nanos(), 1);
        assert_eq!(q("-0.1n").nanos(), -1);
        assert_eq!(q("1e-2147483648").nanos(), 1);
    }

    #[test]
    fn fractions_of_binary_suffixes_are_exact() {
        assert_eq!(q("0.5Ki").nanos(), 512 * NANO);
        // 0.1Ki = 102.4; 0.0000000001Ki = 1.024e-7 → rounds up to 103 nano-units.
        assert_eq!(q("0.1Ki").nanos(), 1024 * NANO / 10);
        assert_eq!(q("0.0000000001Ki").nanos(), 103);
        assert_eq!(
            q("1.000000000000000000001Ei").nanos(),
            (1i128 << 60) * NANO + 1_152_922
        );
    }

    #[test]
    fn malformed_texts_are_refused_with_upstreams_reason() {
        assert_eq!(parse(""), Err(ParseError::FormatWrong));
        assert_eq!(parse("1.5.5"), Err(ParseError::FormatWrong));
        assert_eq!(parse("abc"), Err(ParseError::FormatWrong));
        assert_eq!(parse("1Kb"), Err(ParseError::FormatWrong));
        assert_eq!(parse("1K"), Err(ParseError::Suffix));
        assert_eq!(parse("1e"), Err(ParseError::Suffix));
        assert_eq!(parse("1ee3"), Err(ParseError::Suffix));
        // 99999999999 fits an int64, and wraps to 1215752191 as an int32: too large.
        assert_eq!(parse("1e99999999999"), Err(ParseError::OutOfRange));
        assert_eq!(parse("1e99999999999999999999"), Err(ParseError::Suffix));
        assert_eq!(parse("512MB"), Err(ParseError::FormatWrong));
        assert_eq!(parse("1 Gi"), Err(ParseError::FormatWrong));
        assert_eq!(parse("2 cores"), Err(ParseError::FormatWrong));
        assert_eq!(parse("1e100Gi"), Err(ParseError::FormatWrong));
        assert_eq!(parse("1Mb"), Err(ParseError::FormatWrong));
        assert_eq!(parse("1mi"), Err(ParseError::Suffix));
        assert_eq!(parse("1.5e-2147483648").map(|q| q.nanos()), Ok(1));
    }

    #[test]
    fn strings_as_quantity_string_prints_them() {
        // Canonical forms (quantity_test.go's table, the cases in range).
        for (text, printed) in [
            ("0", "0"),
            ("0Gi", "0"),
            ("1024Mi", "1Gi"),
            ("1536Mi", "1536Mi"),
            ("1.5Gi", "1536Mi"),
            ("0.5Gi", "512Mi"),
            ("1000Ki", "1000Ki"),
            ("1023Ki", "1023Ki"),
            ("1Ki", "1Ki"),
            ("512", "512"),
            ("2000", "2k"),
            ("2k", "2k"),
            ("1.5", "1500m"),
            ("0.1", "100m"),
            ("1000m", "1"),
            ("1001m", "1001m"),
            ("1e3", "1e3"),
            ("1000e0", "1e3"),
            ("1.5e3", "1500"),
            ("12E6", "12E6"),
            ("1200e4", "12e6"),
            ("10", "10"),
            ("100", "100"),
            ("0.5Ki", "512"),
            ("100m", "100m"),
            ("-1Gi", "-1Gi"),
            ("-1.5", "-1500m"),
            ("0.1n", "1n"),
            ("1E", "1E"),
            ("1Ei", "1Ei"),
        ] {
            assert_eq!(s(text), printed, "{text}");
        }
        // Texts the fast path keeps as written.
        assert_eq!(s("+1"), "+1");
        assert_eq!(s("01"), "01");
        assert_eq!(s(" 7Mi "), "7Mi");
        // A computed quantity prints canonically.
        assert_eq!(
            q("2").checked_add(q("0")).map(|x| x.to_string()).as_deref(),
            Some("2")
        );
        assert_eq!(
            q("1Gi")
                .checked_add(q("1Gi"))
                .map(|x| x.to_string())
                .as_deref(),
            Some("2Gi")
        );
    }

    #[test]
    fn equality_is_by_value_whatever_the_format() {
        assert_eq!(q("1Gi"), q("1073741824"));
        assert_eq!(q("1"), q("1000m"));
        assert_eq!(q("1k"), q("1e3"));
        assert_ne!(q("1Ki"), q("1k"));
    }

    #[test]
    fn go_syntax_prints_the_parsed_amount() {
        let cases = [
            ("5Gi", "value:5368709120, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:\"5Gi\", Format:\"BinarySI\"}"),
            ("1024Mi", "value:1073741824, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:\"\", Format:\"BinarySI\"}"),
            ("1", "value:1, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:\"1\", Format:\"DecimalSI\"}"),
            ("500m", "value:500, scale:-3}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:\"500m\", Format:\"DecimalSI\"}"),
            ("1.5", "value:15, scale:-1}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:\"\", Format:\"DecimalSI\"}"),
            ("5n", "value:1, scale:-3}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:\"\", Format:\"DecimalSI\"}"),
        ];
        for (text, tail) in cases {
            let got = go_syntax(text).unwrap();
            assert_eq!(
                got,
                format!("resource.Quantity{{i:resource.int64Amount{{{tail}"),
                "{text}"
            );
        }
        assert_eq!(go_syntax("x"), None);
    }
    #[test]
    fn defaulted_quantities_round_up_to_milli_units() {
        for (text, stored) in [
            ("100u", "1m"),
            ("0.0001", "1m"),
            ("1500u", "2m"),
            ("5n", "1m"),
            ("1.0001", "1001m"),
            ("1500m", "1500m"),
            ("0.5", "500m"),
            ("1024Mi", "1Gi"),
            ("1.5Ki", "1536"),
            ("100.5", "100500m"),
            ("-100u", "-1m"),
        ] {
            assert_eq!(to_defaulted_string(text).as_deref(), Some(stored), "{text}");
        }
        assert_eq!(to_defaulted_string("x"), None);
    }
}
