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

/// The fingerprint of `value` as JSON would show it, hashed while serde
/// walks it instead of writing the JSON out: strings go in as they are,
/// with their length, rather than escaped character by character (the
/// escaping was a tenth of a rebuild).
///
/// Values whose JSON is the same get the same fingerprint: a struct and
/// its `serde_json::Value` (kept in order) agree, `None` and `()` are both
/// null, an enum variant is its name. Every part is tagged and every
/// string carries its length, so two different JSON texts do not run
/// together into one stream of bytes. Map keys go in as they are, where
/// JSON would turn a number into a string.
pub fn of_serialized(value: &impl serde::Serialize) -> Fp {
    use std::hash::Hasher as _;
    let mut feed = Feed {
        hasher: hasher(),
        buffer: Vec::with_capacity(FEED_BUFFER),
    };
    // Plain data always serializes; were it not to, the fingerprint of
    // what was fed so far still differs from that of the whole.
    let _ = value.serialize(&mut feed);
    feed.flush();
    feed.hasher.finish()
}

/// Bytes gathered before they go into the hasher: XXH3 costs a call per
/// write, and a page view is hundreds of small ones.
const FEED_BUFFER: usize = 4096;
/// Parts this long skip the buffer.
const FEED_DIRECT: usize = 256;

/// The tags of [`of_serialized`]'s byte stream.
mod tag {
    pub const NULL: u8 = 0;
    pub const FALSE: u8 = 1;
    pub const TRUE: u8 = 2;
    pub const UNSIGNED: u8 = 3;
    pub const SIGNED: u8 = 4;
    pub const WIDE: u8 = 5;
    pub const FLOAT: u8 = 6;
    pub const STRING: u8 = 7;
    pub const LIST: u8 = 8;
    pub const MAP: u8 = 9;
    pub const END: u8 = 10;
    pub const WIDE_UNSIGNED: u8 = 11;
}

struct Feed {
    hasher: Hasher,
    buffer: Vec<u8>,
}

impl Feed {
    fn bytes(&mut self, bytes: &[u8]) {
        // A long string (a page's HTML) goes to the hasher as it is, not
        // copied into the buffer first.
        if bytes.len() >= FEED_DIRECT {
            self.flush();
            self.hasher.update(bytes);
            return;
        }
        if self.buffer.len() + bytes.len() > FEED_BUFFER {
            self.flush();
        }
        self.buffer.extend_from_slice(bytes);
    }

    fn flush(&mut self) {
        self.hasher.update(&self.buffer);
        self.buffer.clear();
    }

    fn tag(&mut self, tag: u8) {
        self.bytes(&[tag]);
    }

    fn string(&mut self, text: &str) {
        self.tag(tag::STRING);
        self.bytes(&(text.len() as u64).to_le_bytes());
        self.bytes(text.as_bytes());
    }

    fn integer(&mut self, n: i128) {
        if let Ok(n) = u64::try_from(n) {
            self.tag(tag::UNSIGNED);
            self.bytes(&n.to_le_bytes());
        } else if let Ok(n) = i64::try_from(n) {
            self.tag(tag::SIGNED);
            self.bytes(&n.to_le_bytes());
        } else {
            self.tag(tag::WIDE);
            self.bytes(&n.to_le_bytes());
        }
    }

    /// A list or map begins: its parts follow, then [`tag::END`].
    fn open(&mut self, tag: u8) -> &mut Feed {
        self.tag(tag);
        self
    }

    /// `{"variant": …}`, as JSON writes an enum variant with data; the
    /// map is closed by the caller.
    fn variant(&mut self, variant: &str) {
        self.tag(tag::MAP);
        self.string(variant);
    }
}

/// What a `Serialize` implementation may report; [`of_serialized`] then
/// keeps what was fed so far.
#[derive(Debug)]
struct FeedError(String);

impl std::fmt::Display for FeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FeedError {}

impl serde::ser::Error for FeedError {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        FeedError(message.to_string())
    }
}

type Fed = Result<(), FeedError>;

impl serde::Serializer for &mut Feed {
    type Ok = ();
    type Error = FeedError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Fed {
        self.tag(if v { tag::TRUE } else { tag::FALSE });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Fed {
        self.integer(v.into());
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Fed {
        self.integer(v.into());
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Fed {
        self.integer(v.into());
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Fed {
        self.integer(v.into());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Fed {
        self.integer(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Fed {
        self.integer(v.into());
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Fed {
        self.integer(v.into());
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Fed {
        self.integer(v.into());
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Fed {
        self.integer(v.into());
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Fed {
        match i128::try_from(v) {
            Ok(n) => self.integer(n),
            Err(_) => {
                self.tag(tag::WIDE_UNSIGNED);
                self.bytes(&v.to_le_bytes());
            }
        }
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Fed {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Fed {
        self.tag(tag::FLOAT);
        self.bytes(&v.to_bits().to_le_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Fed {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Fed {
        self.string(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Fed {
        self.tag(tag::LIST);
        for b in v {
            self.integer((*b).into());
        }
        self.tag(tag::END);
        Ok(())
    }
    fn serialize_none(self) -> Fed {
        self.tag(tag::NULL);
        Ok(())
    }
    fn serialize_some<T: ?Sized + serde::Serialize>(self, value: &T) -> Fed {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Fed {
        self.tag(tag::NULL);
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Fed {
        self.tag(tag::NULL);
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Fed {
        self.string(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + serde::Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Fed {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + serde::Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Fed {
        self.variant(variant);
        value.serialize(&mut *self)?;
        self.tag(tag::END);
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self, FeedError> {
        Ok(self.open(tag::LIST))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self, FeedError> {
        Ok(self.open(tag::LIST))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self, FeedError> {
        Ok(self.open(tag::LIST))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, FeedError> {
        self.variant(variant);
        Ok(self.open(tag::LIST))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self, FeedError> {
        Ok(self.open(tag::MAP))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, FeedError> {
        Ok(self.open(tag::MAP))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, FeedError> {
        self.variant(variant);
        Ok(self.open(tag::MAP))
    }
}

/// The parts of a list: each element as it is, then the end; `ends` is
/// 2 where a variant's map closes too.
macro_rules! list_parts {
    ($trait:ident, $method:ident, $ends:expr) => {
        impl serde::ser::$trait for &mut Feed {
            type Ok = ();
            type Error = FeedError;
            fn $method<T: ?Sized + serde::Serialize>(&mut self, value: &T) -> Fed {
                value.serialize(&mut **self)
            }
            fn end(self) -> Fed {
                for _ in 0..$ends {
                    self.tag(tag::END);
                }
                Ok(())
            }
        }
    };
}

list_parts!(SerializeSeq, serialize_element, 1);
list_parts!(SerializeTuple, serialize_element, 1);
list_parts!(SerializeTupleStruct, serialize_field, 1);
list_parts!(SerializeTupleVariant, serialize_field, 2);

/// The fields of a struct: each name, then its value, as a map's entries.
macro_rules! field_parts {
    ($trait:ident, $ends:expr) => {
        impl serde::ser::$trait for &mut Feed {
            type Ok = ();
            type Error = FeedError;
            fn serialize_field<T: ?Sized + serde::Serialize>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Fed {
                self.string(key);
                value.serialize(&mut **self)
            }
            fn end(self) -> Fed {
                for _ in 0..$ends {
                    self.tag(tag::END);
                }
                Ok(())
            }
        }
    };
}

field_parts!(SerializeStruct, 1);
field_parts!(SerializeStructVariant, 2);

impl serde::ser::SerializeMap for &mut Feed {
    type Ok = ();
    type Error = FeedError;
    fn serialize_key<T: ?Sized + serde::Serialize>(&mut self, key: &T) -> Fed {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: ?Sized + serde::Serialize>(&mut self, value: &T) -> Fed {
        value.serialize(&mut **self)
    }
    fn end(self) -> Fed {
        self.tag(tag::END);
        Ok(())
    }
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

    use super::of_serialized;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    #[derive(serde::Serialize)]
    struct View<'a> {
        title: &'a str,
        count: u32,
        offset: i64,
        share: f32,
        missing: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        left_out: Option<u8>,
        tags: Vec<&'a str>,
        kind: Kind,
        shape: Shape,
        #[serde(flatten)]
        more: serde_json::Map<String, Value>,
    }

    #[derive(serde::Serialize)]
    enum Kind {
        Publication,
    }

    #[derive(serde::Serialize)]
    enum Shape {
        Square { side: u8 },
    }

    #[test]
    fn a_struct_and_its_json_value_have_one_fingerprint() {
        let mut more = serde_json::Map::new();
        more.insert("extra".into(), json!({"a": [1, -2, 3.5, null, true]}));
        let view = View {
            title: "Statushouders \"aan\" het werk\n",
            count: 7,
            offset: -3,
            share: 0.5,
            missing: None,
            left_out: None,
            tags: vec!["a", "é"],
            kind: Kind::Publication,
            shape: Shape::Square { side: 2 },
            more,
        };
        let value = serde_json::to_value(&view).unwrap();
        assert_eq!(of_serialized(&view), of_serialized(&value));
    }

    #[test]
    fn values_that_run_together_as_bytes_still_differ() {
        let pairs = [
            (json!(["ab", ""]), json!(["a", "b"])),
            // A string holding the byte of the string tag.
            (json!(["a\u{7}b"]), json!(["a", "b"])),
            (json!([[1], 2]), json!([[1, 2]])),
            (json!({"a": "b"}), json!(["a", "b"])),
            (json!({"a": null}), json!({"a": false})),
            (json!(1), json!(1.0)),
            (json!(-1), json!(u64::MAX)),
            (json!(""), json!(null)),
            (json!([]), json!({})),
        ];
        for (a, b) in pairs {
            assert_ne!(of_serialized(&a), of_serialized(&b), "{a} and {b}");
        }
        // Longer than the feed's buffer, and than what goes past it.
        let long = "x".repeat(super::FEED_BUFFER * 3 + 5);
        assert_eq!(of_serialized(&long), of_serialized(&long.clone()));
        assert_ne!(of_serialized(&long), of_serialized(&format!("{long}y")));
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((".{0,6}", inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Two values have one fingerprint exactly when their JSON is the
        /// same text (within a 64-bit hash's chance).
        #[test]
        fn fingerprints_agree_exactly_when_the_json_does(a in json_value(), b in json_value()) {
            let same_text = serde_json::to_string(&a).unwrap() == serde_json::to_string(&b).unwrap();
            prop_assert_eq!(of_serialized(&a) == of_serialized(&b), same_text);
            prop_assert_eq!(of_serialized(&a), of_serialized(&a.clone()));
        }
    }
}
