//! UIDs as the components that remember many of them key their maps: a UID in the
//! canonical form of a UUID (36 characters, lower-case hexadecimal and four dashes, as the
//! API server gives every object) packed into its 16 bytes, any other text kept as it is.
//! A `String` of a UUID is 24 bytes and an allocation of 36; a [`Uid`] is 24 bytes, no
//! allocation. Every text has one form, so two UIDs are equal exactly when their texts are.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Uid {
    /// A canonical UUID's 16 bytes.
    Packed([u8; 16]),
    /// Any other text (a UID a user wrote in an owner reference, or none: empty).
    Other(Box<str>),
}

/// Where the dashes of a canonical UUID are.
const DASHES: [usize; 4] = [8, 13, 18, 23];

impl Uid {
    pub fn new(text: &str) -> Uid {
        Uid::pack(text).map_or_else(|| Uid::Other(text.into()), Uid::Packed)
    }

    fn pack(text: &str) -> Option<[u8; 16]> {
        let bytes = text.as_bytes();
        if bytes.len() != 36 {
            return None;
        }
        let mut out = [0u8; 16];
        let mut nibbles = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if DASHES.contains(&i) {
                if b != b'-' {
                    return None;
                }
                continue;
            }
            let v = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                _ => return None,
            };
            out[nibbles / 2] |= if nibbles % 2 == 0 { v << 4 } else { v };
            nibbles += 1;
        }
        Some(out)
    }
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uid::Other(text) => f.write_str(text),
            Uid::Packed(bytes) => {
                for (i, b) in bytes.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        f.write_str("-")?;
                    }
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A canonical UUID is packed and prints back as it was; any other text is kept.
    #[test]
    fn packs_canonical_uuids_only() {
        let uuid = "9e3779b9-7f4a-4c15-8c15-000000000001";
        assert!(matches!(Uid::new(uuid), Uid::Packed(_)));
        assert_eq!(Uid::new(uuid).to_string(), uuid);
        for other in [
            "",
            "9E3779B9-7F4A-4C15-8C15-000000000001",
            "9e3779b9_7f4a-4c15-8c15-000000000001",
            "9e3779b9-7f4a-4c15-8c15-00000000001",
            "uid-1",
        ] {
            assert_eq!(Uid::new(other), Uid::Other(other.into()));
            assert_eq!(Uid::new(other).to_string(), other);
        }
        assert_ne!(Uid::new(uuid), Uid::new(&uuid.to_uppercase()));
        assert_eq!(std::mem::size_of::<Uid>(), 24);
    }
}
