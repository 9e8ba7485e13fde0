//! Fingerprints: 64-bit hashes of what a cached parse, rendering or output
//! was made from, by which a rebuild tells what changed.
//!
//! XXH3 (the `xxhash-rust` crate) rather than the standard library's
//! SipHash: serializing a page view into the hasher makes many small
//! writes, and SipHash spent a tenth of a rebuild on them. Fingerprints are
//! compared only within one running process, never stored, and nothing
//! from outside chooses what is hashed against what, so a keyed hash buys
//! nothing here.

use std::hash::Hash;

pub use xxhash_rust::xxh3::Xxh3 as Hasher;

/// A fingerprint.
pub type Fp = u64;

/// A hash map for a build's many paths (tens of thousands of output
/// files): foldhash, seeded anew in each process, where the standard
/// library's SipHash was half of the writing step.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A set of the same kind.
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// A new hasher, always with the same seed.
pub fn hasher() -> Hasher {
    Hasher::new()
}

/// The fingerprint of `bytes`.
pub fn of_bytes(bytes: &[u8]) -> Fp {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// The fingerprint of anything hashable.
pub fn of(value: &impl Hash) -> Fp {
    use std::hash::Hasher as _;
    let mut h = hasher();
    value.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn equal_inputs_agree_and_different_ones_differ() {
        assert_eq!(super::of_bytes(b"abc"), super::of_bytes(b"abc"));
        assert_ne!(super::of_bytes(b"abc"), super::of_bytes(b"abd"));
        assert_eq!(super::of(&("a", 1u8)), super::of(&("a", 1u8)));
        assert_ne!(super::of(&("ab", "")), super::of(&("a", "b")));
    }
}
