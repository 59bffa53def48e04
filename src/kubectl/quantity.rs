//! Resource quantities in their canonical form, as `Quantity.String()` prints them.

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

const BINARY: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const DECIMAL: [&str; 7] = ["", "k", "M", "G", "T", "P", "E"];

/// The canonical text of a quantity for the common case of a non-negative integer with a binary
/// (`Ki`..`Ei`) or decimal (`k`..`E`, none) suffix: `1024Mi` → `1Gi`, `2000` → `2k`,
/// `512` stays `512`. A binary value below 1024 is printed in decimal form (`0Gi` → `0`),
/// as apimachinery does. Anything else (fractions, signs, exponents, milli units) is printed
/// as written.
pub fn canonical(q: &Quantity) -> String {
    canonical_str(&q.0).unwrap_or_else(|| q.0.trim().to_string())
}

fn canonical_str(s: &str) -> Option<String> {
    let s = s.trim();
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits_end == 0 || digits_end > 30 {
        return None;
    }
    let n: u128 = s[..digits_end].parse().ok()?;
    let suffix = &s[digits_end..];
    if let Some(k) = BINARY.iter().skip(1).position(|x| *x == suffix) {
        let value = n.checked_mul(1024u128.checked_pow(k as u32 + 1)?)?;
        if value < 1024 {
            return Some(reduce(value, 1000, &DECIMAL));
        }
        return Some(reduce(value, 1024, &BINARY));
    }
    let k = DECIMAL.iter().position(|x| *x == suffix)?;
    let value = n.checked_mul(1000u128.checked_pow(k as u32)?)?;
    Some(reduce(value, 1000, &DECIMAL))
}

fn reduce(mut value: u128, base: u128, suffixes: &[&str; 7]) -> String {
    let mut exp = 0;
    while value != 0 && value % base == 0 && exp + 1 < suffixes.len() {
        value /= base;
        exp += 1;
    }
    format!("{value}{}", suffixes[exp])
}
