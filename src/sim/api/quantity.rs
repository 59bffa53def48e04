//! Resource quantities (`1Gi`, `1024Mi`, `500m`, `1e3`), as apimachinery's
//! `resource.Quantity` reads them.

/// The quantity's value (`1Gi` is 1073741824, `500m` is 0.5).
pub fn value(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        s if s.starts_with('e') || s.starts_with('E') => 10f64.powi(s[1..].parse::<i32>().ok()?),
        _ => return None,
    };
    Some(number * factor)
}

/// A storage size in whole bytes, rounded up; `None` for a negative or unreadable one.
pub fn bytes(text: &str) -> Option<u128> {
    let value = value(text)?;
    (value >= 0.0).then(|| value.ceil() as u128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_decimal_and_milli_suffixes() {
        assert_eq!(bytes("1Gi"), Some(1 << 30));
        assert_eq!(bytes("500M"), Some(500_000_000));
        assert_eq!(bytes("1.5Ki"), Some(1536));
        assert_eq!(value("500m"), Some(0.5));
        assert_eq!(value("1e3"), Some(1000.0));
        assert_eq!(bytes("x"), None);
    }
}
