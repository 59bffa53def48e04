//! `generateName` (apiserver `names.SimpleNameGenerator`, `rest.BeforeCreate`): an object
//! created with `metadata.generateName` and no name gets the prefix, cut to 58 characters,
//! and a 5-character suffix from the alphabet `utilrand.String` draws from.
//!
//! Upstream draws the suffix at random, and retries a name already taken (the
//! RetryGenerateName behaviour, on since v1.32). Here the suffix is a hash, so every run
//! names objects alike: the `n`-th name generated for a prefix hashes the prefix and `n`,
//! and a name already taken moves on to the next candidate.

use std::collections::BTreeMap;

/// The characters `utilrand.String` draws from (no vowels, no look-alike digits).
const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
/// `randomLength`.
pub const SUFFIX_LEN: usize = 5;
/// `maxNameLength`.
pub const MAX_NAME_LEN: usize = 63;
/// `maxGeneratedNameLength`: the longest prefix kept.
pub const MAX_GENERATED_PREFIX_LEN: usize = MAX_NAME_LEN - SUFFIX_LEN;

/// `GenerateName`'s truncation of the base (prefix) to 58 characters.
pub fn prefix(base: &str) -> String {
    base.chars().take(MAX_GENERATED_PREFIX_LEN).collect()
}

/// The first name from `seed` on that `taken` does not hold: `prefix` (already cut) and a
/// suffix drawn from the seed; each taken candidate moves the seed on.
pub fn draw(taken: impl Fn(&str) -> bool, prefix: &str, mut seed: u64) -> String {
    loop {
        let mut x = seed;
        let mut name = String::with_capacity(prefix.len() + SUFFIX_LEN);
        name.push_str(prefix);
        for _ in 0..SUFFIX_LEN {
            name.push(ALPHABET[(x % ALPHABET.len() as u64) as usize] as char);
            x /= ALPHABET.len() as u64;
        }
        if !taken(&name) {
            return name;
        }
        seed = seed.wrapping_mul(FNV_PRIME).wrapping_add(1);
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a over `bytes`, from `seed`.
pub fn fnv(seed: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(seed, |h, b| (h ^ *b as u64).wrapping_mul(FNV_PRIME))
}

/// FNV-1a's offset basis, the seed of a fresh hash.
pub const SEED: u64 = FNV_OFFSET;

/// How many names each prefix has been given, so the next one differs. One entry per
/// prefix ever used; objects are budgeted, and so are these.
#[derive(Clone, Debug, Default)]
pub struct NameGenerator {
    drawn: BTreeMap<String, u64>,
}

impl NameGenerator {
    /// A new name for `base` (the object's `generateName`) that `taken` does not hold.
    pub fn generate(&mut self, base: &str, taken: impl Fn(&str) -> bool) -> String {
        let prefix = prefix(base);
        let n = self.drawn.entry(prefix.clone()).or_insert(0);
        let mut seed = fnv(SEED, prefix.as_bytes());
        seed = fnv(seed, &n.to_le_bytes());
        *n += 1;
        draw(taken, &prefix, seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_prefix_and_five_characters_of_the_alphabet() {
        let mut names = NameGenerator::default();
        let a = names.generate("web-5d4f8c-", |_| false);
        let b = names.generate("web-5d4f8c-", |_| false);
        assert_ne!(a, b, "a second name for the same prefix differs");
        for name in [&a, &b] {
            let suffix = name
                .strip_prefix("web-5d4f8c-")
                .expect("the prefix is kept");
            assert_eq!(suffix.len(), SUFFIX_LEN);
            assert!(suffix.bytes().all(|c| ALPHABET.contains(&c)), "{name}");
        }
        // The same sequence of requests gives the same names.
        let mut again = NameGenerator::default();
        assert_eq!(again.generate("web-5d4f8c-", |_| false), a);
    }

    #[test]
    fn a_long_prefix_is_cut_to_58_and_a_taken_name_is_skipped() {
        let mut names = NameGenerator::default();
        let long = "a".repeat(70);
        let first = NameGenerator::default().generate(&long, |_| false);
        assert_eq!(first.len(), MAX_NAME_LEN);
        let other = names.generate(&long, |n| n == first);
        assert_ne!(other, first);
        assert_eq!(other.len(), MAX_NAME_LEN);
    }
}
