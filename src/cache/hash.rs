//! Hashing values for fingerprints: a `serde::Serializer` that streams a
//! value, as a compact binary encoding of serde's data model, into XXH3.
//!
//! The encoding is injective: it records every serde call (its kind, each
//! scalar's exact bits, each name) and is prefix-free, so two values encode
//! to the same bytes only if they make the same calls, and so would make
//! the same JSON (which is what templates receive). It is only ever hashed,
//! never stored; unlike JSON it needs no escaping, no number formatting and
//! no allocation per value.
//!
//! Every value starts with a [`Tag`] byte naming its kind. Scalars follow
//! as fixed-width little-endian bytes (floats by their bits, a char as its
//! `u32`); strings, bytes and names as a varint length and the bytes; a
//! variant as its enum's name, index and name. Each item of a sequence,
//! tuple, map or struct is preceded by [`MORE`], and [`END`] follows them
//! all, so no length needs to be known beforehand (`collect_seq` and
//! `collect_map` over iterators give none); a map entry is its key then its
//! value, a struct field its name then its value.

use std::fmt::{self, Display, Write as _};
use std::hash::{BuildHasher, RandomState};

use serde::ser::{self, Serialize};
use xxhash_rust::xxh3::Xxh3;

/// The 128-bit XXH3 hash of a value's encoding (see the module's doc).
///
/// The encoder has no error of its own, and takes any map key: only a
/// type's own `Serialize` can fail, through serde's `custom` error (a `Path`
/// that is not UTF-8, a `SystemTime` before 1970, a poisoned `Mutex`, a
/// `Display` that fails). The values fingerprinted hold no such type: they
/// are strings, numbers, dates, options and collections of them, and the
/// front matter's JSON (most are what Tera is given, which would panic on
/// such a failure). Should one fail anyway, see [`HashWriter::value`]: its
/// hash then matches no other.
pub fn hash_of<T: Serialize + ?Sized>(value: &T) -> u128 {
    let mut w = HashWriter::default();
    w.value(value);
    w.finish()
}

/// Whether a string of `value` (a field's, a key's, an item's: what its
/// JSON would hold) contains `needle`, found by walking the value as
/// [`hash_of`] does, without making its JSON.
///
/// It never says no for a needle a string holds; it may say yes for a
/// needle of at most 17 bytes that a scalar's encoding happens to form,
/// and says yes when the value's `Serialize` fails: callers take it as
/// "cannot rule it out".
pub fn holds_text<T: Serialize + ?Sized>(value: &T, needle: &str) -> bool {
    let mut finder = Finder {
        needle: memchr::memmem::Finder::new(needle),
        found: false,
    };
    value.serialize(&mut Encoder::new(&mut finder)).is_err() || finder.found
}

/// Looks for a needle in each piece of a value's encoding (see
/// [`holds_text`]): a string's bytes are one piece.
struct Finder<'n> {
    needle: memchr::memmem::Finder<'n>,
    found: bool,
}

impl Out for Finder<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.found = self.found || self.needle.find(bytes).is_some();
    }
}

/// A buffered XXH3 hasher.
///
/// The encoder writes in many pieces of a few bytes; they are gathered in a
/// buffer and hashed a block at a time, which costs a fraction of feeding
/// the hasher each piece (a page's fingerprint is mostly such pieces).
pub struct HashWriter {
    state: Xxh3,
    buf: Vec<u8>,
}

impl Default for HashWriter {
    fn default() -> Self {
        HashWriter {
            state: Xxh3::new(),
            buf: Vec::with_capacity(HashWriter::BLOCK),
        }
    }
}

impl HashWriter {
    /// Bytes gathered before they are hashed.
    const BLOCK: usize = 8 * 1024;

    /// Hashes `bytes` as they are.
    #[inline]
    pub fn update(&mut self, bytes: &[u8]) {
        if self.buf.len() + bytes.len() > HashWriter::BLOCK {
            self.state.update(&self.buf);
            self.buf.clear();
            if bytes.len() > HashWriter::BLOCK {
                self.state.update(bytes);
                return;
            }
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Hashes a value's encoding (see the module's doc), which is
    /// prefix-free: whatever is hashed after it cannot be mistaken for
    /// part of it.
    ///
    /// If the value's `Serialize` fails (see [`hash_of`] for why none of
    /// ours does), random bytes are hashed after what was encoded, so the
    /// hash matches no other build's and what it fingerprints is made anew,
    /// rather than one that would match whatever else failed the same way.
    pub fn value<T: Serialize + ?Sized>(&mut self, value: &T) {
        if value.serialize(&mut Encoder::new(self)).is_err() {
            let salt = RandomState::new().hash_one(());
            self.update(&[FAILED]);
            self.update(&salt.to_le_bytes());
        }
    }

    /// The hash of everything written.
    pub fn finish(mut self) -> u128 {
        self.state.update(&self.buf);
        self.state.digest128()
    }
}

/// Where the encoder writes: the hasher, or a vector in tests.
trait Out {
    fn put(&mut self, bytes: &[u8]);
}

impl Out for HashWriter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

#[cfg(test)]
impl Out for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// The first byte of every value's encoding: which serde kind it is.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Tag {
    Bool = 1,
    I8,
    I16,
    I32,
    I64,
    I128,
    U8,
    U16,
    U32,
    U64,
    U128,
    F32,
    F64,
    Char,
    Str,
    Bytes,
    None,
    Some,
    Unit,
    UnitStruct,
    UnitVariant,
    NewtypeStruct,
    NewtypeVariant,
    Seq,
    Tuple,
    TupleStruct,
    TupleVariant,
    Map,
    Struct,
    StructVariant,
}

/// Precedes each item of a sequence, tuple, map or struct.
const MORE: u8 = 0xA0;
/// Follows the last item of a sequence, tuple, map or struct.
const END: u8 = 0xA1;
/// Precedes the random bytes hashed after a value that failed to serialize.
const FAILED: u8 = 0xFF;

/// A failure of a value's own `Serialize` (serde's `custom`); the encoder
/// itself has none.
#[derive(Debug)]
struct Failed(String);

impl Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failed {}

impl ser::Error for Failed {
    fn custom<T: Display>(msg: T) -> Self {
        Failed(msg.to_string())
    }
}

/// The serializer: writes a value's encoding to `out`.
struct Encoder<'w, W> {
    out: &'w mut W,
    /// Reused by `collect_str`, which would otherwise allocate a string
    /// each time (dates serialize that way).
    scratch: String,
}

type Done = Result<(), Failed>;

impl<'w, W: Out> Encoder<'w, W> {
    fn new(out: &'w mut W) -> Self {
        Encoder {
            out,
            scratch: String::new(),
        }
    }

    /// `lead` (a tag or marker, or nothing), the length of `bytes` as a
    /// LEB128 varint, then `bytes`.
    #[inline]
    fn prefixed(&mut self, lead: &[u8], bytes: &[u8]) {
        let mut head = [0u8; 11];
        head[..lead.len()].copy_from_slice(lead);
        let mut at = lead.len();
        let mut n = bytes.len() as u64;
        while n >= 0x80 {
            head[at] = (n as u8) | 0x80;
            n >>= 7;
            at += 1;
        }
        head[at] = n as u8;
        self.out.put(&head[..=at]);
        self.out.put(bytes);
    }

    /// `tag` then a scalar's bytes (at most 16), in one write.
    #[inline]
    fn scalar<const N: usize>(&mut self, tag: Tag, bytes: [u8; N]) -> Done {
        let mut all = [0u8; 17];
        all[0] = tag as u8;
        all[1..=N].copy_from_slice(&bytes);
        self.out.put(&all[..=N]);
        Ok(())
    }

    /// A variant's tag, enum name, index and name.
    fn variant(&mut self, tag: Tag, name: &str, index: u32, variant: &str) {
        self.prefixed(&[tag as u8], name.as_bytes());
        self.out.put(&index.to_le_bytes());
        self.prefixed(&[], variant.as_bytes());
    }

    #[inline]
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.out.put(&[MORE]);
        value.serialize(self)
    }

    #[inline]
    fn close(&mut self) -> Done {
        self.out.put(&[END]);
        Ok(())
    }
}

/// Integers: their tag, then their little-endian bytes.
macro_rules! integers {
    ($($method:ident : $ty:ty => $tag:ident),+) => {$(
        fn $method(self, v: $ty) -> Done {
            self.scalar(Tag::$tag, v.to_le_bytes())
        }
    )+};
}

impl<W: Out> ser::Serializer for &mut Encoder<'_, W> {
    type Ok = ();
    type Error = Failed;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Done {
        self.scalar(Tag::Bool, [u8::from(v)])
    }
    integers!(
        serialize_i8: i8 => I8,
        serialize_i16: i16 => I16,
        serialize_i32: i32 => I32,
        serialize_i64: i64 => I64,
        serialize_i128: i128 => I128,
        serialize_u8: u8 => U8,
        serialize_u16: u16 => U16,
        serialize_u32: u32 => U32,
        serialize_u64: u64 => U64,
        serialize_u128: u128 => U128
    );
    fn serialize_f32(self, v: f32) -> Done {
        self.scalar(Tag::F32, v.to_bits().to_le_bytes())
    }
    fn serialize_f64(self, v: f64) -> Done {
        self.scalar(Tag::F64, v.to_bits().to_le_bytes())
    }
    fn serialize_char(self, v: char) -> Done {
        self.scalar(Tag::Char, u32::from(v).to_le_bytes())
    }
    fn serialize_str(self, v: &str) -> Done {
        self.prefixed(&[Tag::Str as u8], v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Done {
        self.prefixed(&[Tag::Bytes as u8], v);
        Ok(())
    }
    fn serialize_none(self) -> Done {
        self.scalar(Tag::None, [])
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        self.out.put(&[Tag::Some as u8]);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Done {
        self.scalar(Tag::Unit, [])
    }
    fn serialize_unit_struct(self, name: &'static str) -> Done {
        self.prefixed(&[Tag::UnitStruct as u8], name.as_bytes());
        Ok(())
    }
    fn serialize_unit_variant(self, name: &'static str, index: u32, variant: &'static str) -> Done {
        self.variant(Tag::UnitVariant, name, index, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Done {
        self.prefixed(&[Tag::NewtypeStruct as u8], name.as_bytes());
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Done {
        self.variant(Tag::NewtypeVariant, name, index, variant);
        value.serialize(self)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self, Failed> {
        self.out.put(&[Tag::Seq as u8]);
        Ok(self)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self, Failed> {
        self.out.put(&[Tag::Tuple as u8]);
        Ok(self)
    }
    fn serialize_tuple_struct(self, name: &'static str, _len: usize) -> Result<Self, Failed> {
        self.prefixed(&[Tag::TupleStruct as u8], name.as_bytes());
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, Failed> {
        self.variant(Tag::TupleVariant, name, index, variant);
        Ok(self)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self, Failed> {
        self.out.put(&[Tag::Map as u8]);
        Ok(self)
    }
    fn serialize_struct(self, name: &'static str, _len: usize) -> Result<Self, Failed> {
        self.prefixed(&[Tag::Struct as u8], name.as_bytes());
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, Failed> {
        self.variant(Tag::StructVariant, name, index, variant);
        Ok(self)
    }

    /// Formats into a reused buffer, then encodes as `serialize_str` would
    /// (the same string hashes the same whichever way it came).
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Done {
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        let written = write!(text, "{value}");
        self.prefixed(&[Tag::Str as u8], text.as_bytes());
        self.scratch = text;
        written.map_err(|_| ser::Error::custom("a Display implementation failed"))
    }

    /// As for JSON, so that types with two forms (dates, say) pick the one
    /// templates see.
    fn is_human_readable(&self) -> bool {
        true
    }
}

/// The compound kinds whose items are values alone: each item is
/// [`MORE`] then the value, and [`END`] closes them.
macro_rules! items {
    ($($kind:ident :: $method:ident),+) => {$(
        impl<W: Out> ser::$kind for &mut Encoder<'_, W> {
            type Ok = ();
            type Error = Failed;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
                self.item(value)
            }
            fn end(self) -> Done {
                self.close()
            }
        }
    )+};
}

items!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl<W: Out> ser::SerializeMap for &mut Encoder<'_, W> {
    type Ok = ();
    type Error = Failed;
    /// Any key, not only strings as JSON: the encoder has no error.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        self.item(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        value.serialize(&mut **self)
    }
    fn end(self) -> Done {
        self.close()
    }
}

/// The compound kinds whose items are named fields: each field is
/// [`MORE`], its name, then its value (a skipped field leaves no trace, as
/// in JSON), and [`END`] closes them.
macro_rules! fields {
    ($($kind:ident),+) => {$(
        impl<W: Out> ser::$kind for &mut Encoder<'_, W> {
            type Ok = ();
            type Error = Failed;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Done {
                self.prefixed(&[MORE], key.as_bytes());
                value.serialize(&mut **self)
            }
            fn end(self) -> Done {
                self.close()
            }
        }
    )+};
}

fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::ser::{
        SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
        SerializeTupleStruct, SerializeTupleVariant, Serializer,
    };

    /// A value's encoding.
    fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
        let mut out = Vec::new();
        value
            .serialize(&mut Encoder::new(&mut out))
            .expect("encodes");
        out
    }

    /// Names for unit structs, variants and fields, empty and Arabic ones
    /// included.
    const NAMES: [&str; 4] = ["", "a", "ab", "عنوان"];

    /// A tree of serde calls: each kind makes its own call and nothing
    /// else (no wrapping as derive would add), so two trees are equal
    /// exactly when they make the same calls.
    #[derive(Clone, Debug, PartialEq)]
    enum V {
        Bool(bool),
        I8(i8),
        I16(i16),
        I32(i32),
        I64(i64),
        I128(i128),
        U8(u8),
        U16(u16),
        U32(u32),
        U64(u64),
        U128(u128),
        /// By bits, so that NaN equals itself and -0 differs from 0.
        F32(u32),
        F64(u64),
        Char(char),
        Str(String),
        Bytes(Vec<u8>),
        None,
        Some(Box<V>),
        Unit,
        UnitStruct(usize),
        UnitVariant(usize),
        NewtypeStruct(usize, Box<V>),
        NewtypeVariant(usize, Box<V>),
        /// Made with an unknown length.
        Seq(Vec<V>),
        Tuple(Vec<V>),
        TupleStruct(usize, Vec<V>),
        TupleVariant(usize, Vec<V>),
        /// Any keys, made with an unknown length.
        Map(Vec<(V, V)>),
        Struct(usize, Vec<(usize, V)>),
        StructVariant(usize, Vec<(usize, V)>),
    }

    impl Serialize for V {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let variant = |i: usize| (i as u32, NAMES[i]);
            match self {
                V::Bool(v) => s.serialize_bool(*v),
                V::I8(v) => s.serialize_i8(*v),
                V::I16(v) => s.serialize_i16(*v),
                V::I32(v) => s.serialize_i32(*v),
                V::I64(v) => s.serialize_i64(*v),
                V::I128(v) => s.serialize_i128(*v),
                V::U8(v) => s.serialize_u8(*v),
                V::U16(v) => s.serialize_u16(*v),
                V::U32(v) => s.serialize_u32(*v),
                V::U64(v) => s.serialize_u64(*v),
                V::U128(v) => s.serialize_u128(*v),
                V::F32(v) => s.serialize_f32(f32::from_bits(*v)),
                V::F64(v) => s.serialize_f64(f64::from_bits(*v)),
                V::Char(v) => s.serialize_char(*v),
                V::Str(v) => s.serialize_str(v),
                V::Bytes(v) => s.serialize_bytes(v),
                V::None => s.serialize_none(),
                V::Some(v) => s.serialize_some(v),
                V::Unit => s.serialize_unit(),
                V::UnitStruct(n) => s.serialize_unit_struct(NAMES[*n]),
                V::UnitVariant(i) => {
                    let (i, name) = variant(*i);
                    s.serialize_unit_variant("E", i, name)
                }
                V::NewtypeStruct(n, v) => s.serialize_newtype_struct(NAMES[*n], v),
                V::NewtypeVariant(i, v) => {
                    let (i, name) = variant(*i);
                    s.serialize_newtype_variant("E", i, name, v)
                }
                V::Seq(items) => {
                    let mut seq = s.serialize_seq(None)?;
                    for v in items {
                        seq.serialize_element(v)?;
                    }
                    seq.end()
                }
                V::Tuple(items) => {
                    let mut t = s.serialize_tuple(items.len())?;
                    for v in items {
                        t.serialize_element(v)?;
                    }
                    t.end()
                }
                V::TupleStruct(n, items) => {
                    let mut t = s.serialize_tuple_struct(NAMES[*n], items.len())?;
                    for v in items {
                        t.serialize_field(v)?;
                    }
                    t.end()
                }
                V::TupleVariant(i, items) => {
                    let (i, name) = variant(*i);
                    let mut t = s.serialize_tuple_variant("E", i, name, items.len())?;
                    for v in items {
                        t.serialize_field(v)?;
                    }
                    t.end()
                }
                V::Map(entries) => {
                    let mut m = s.serialize_map(None)?;
                    for (k, v) in entries {
                        m.serialize_entry(k, v)?;
                    }
                    m.end()
                }
                V::Struct(n, fields) => {
                    let mut st = s.serialize_struct(NAMES[*n], fields.len())?;
                    for (f, v) in fields {
                        st.serialize_field(NAMES[*f], v)?;
                    }
                    st.end()
                }
                V::StructVariant(i, fields) => {
                    let (i, name) = variant(*i);
                    let mut st = s.serialize_struct_variant("E", i, name, fields.len())?;
                    for (f, v) in fields {
                        st.serialize_field(NAMES[*f], v)?;
                    }
                    st.end()
                }
            }
        }
    }

    /// Trees with small leaves, so that equal and nearly equal ones come up
    /// often; the characters include the tags' and markers' bytes.
    fn tree() -> impl Strategy<Value = V> {
        let text = "[ab\u{0}\u{1}\u{f}\u{12}\u{18}\u{1c}\u{a0}ءبـ]{0,3}";
        let leaf = prop_oneof![
            any::<bool>().prop_map(V::Bool),
            (-1i8..=1).prop_map(V::I8),
            (-1i16..=1).prop_map(V::I16),
            (-1i32..=1).prop_map(V::I32),
            prop_oneof![Just(0), Just(1), Just(-1), Just(i64::MIN), Just(0xA0A0)].prop_map(V::I64),
            (-1i128..=1).prop_map(V::I128),
            (0u8..=2).prop_map(V::U8),
            prop_oneof![Just(0), Just(0xA0A1)].prop_map(V::U16),
            prop_oneof![Just(0), Just(1), Just(0xA1), Just(u32::MAX)].prop_map(V::U32),
            (0u64..=1).prop_map(V::U64),
            (0u128..=1).prop_map(V::U128),
            prop_oneof![Just(0.0f32), Just(-0.0), Just(1.0), Just(f32::NAN)]
                .prop_map(|f| V::F32(f.to_bits())),
            prop_oneof![Just(0.0f64), Just(-0.0), Just(1.0), Just(f64::NAN)]
                .prop_map(|f| V::F64(f.to_bits())),
            prop_oneof![Just('a'), Just('\0'), Just('ب')].prop_map(V::Char),
            text.prop_map(V::Str),
            proptest::collection::vec(
                prop_oneof![Just(0u8), Just(b'a'), Just(0xF), Just(MORE), Just(END)],
                0..3
            )
            .prop_map(V::Bytes),
            Just(V::None),
            Just(V::Unit),
            (0..NAMES.len()).prop_map(V::UnitStruct),
            (0..NAMES.len()).prop_map(V::UnitVariant),
        ];
        leaf.prop_recursive(4, 24, 3, |inner| {
            let items = || proptest::collection::vec(inner.clone(), 0..3);
            let name = || 0..NAMES.len();
            let fields = || proptest::collection::vec((name(), inner.clone()), 0..3);
            prop_oneof![
                inner.clone().prop_map(|v| V::Some(Box::new(v))),
                (name(), inner.clone()).prop_map(|(n, v)| V::NewtypeStruct(n, Box::new(v))),
                (name(), inner.clone()).prop_map(|(n, v)| V::NewtypeVariant(n, Box::new(v))),
                items().prop_map(V::Seq),
                items().prop_map(V::Tuple),
                (name(), items()).prop_map(|(n, v)| V::TupleStruct(n, v)),
                (name(), items()).prop_map(|(n, v)| V::TupleVariant(n, v)),
                proptest::collection::vec((inner.clone(), inner.clone()), 0..3).prop_map(V::Map),
                (name(), fields()).prop_map(|(n, f)| V::Struct(n, f)),
                (name(), fields()).prop_map(|(n, f)| V::StructVariant(n, f)),
            ]
        })
    }

    /// Reads an encoding back into a tree: as it reads each byte once, in
    /// order, and needs nothing after a value to know the value ended,
    /// that it gives every tree back from its bytes alone, none left over,
    /// shows the encoding is injective and prefix-free.
    struct Decoder<'b>(&'b [u8]);

    impl Decoder<'_> {
        fn take(&mut self, n: usize) -> Option<&[u8]> {
            let (head, rest) = self.0.split_at_checked(n)?;
            self.0 = rest;
            Some(head)
        }

        fn byte(&mut self) -> Option<u8> {
            Some(self.take(1)?[0])
        }

        fn fixed<const N: usize>(&mut self) -> Option<[u8; N]> {
            self.take(N)?.try_into().ok()
        }

        fn text(&mut self) -> Option<&[u8]> {
            let (mut len, mut shift) = (0u64, 0);
            loop {
                let b = self.byte()?;
                len |= u64::from(b & 0x7F).checked_shl(shift)?;
                shift += 7;
                if b < 0x80 {
                    break;
                }
            }
            self.take(usize::try_from(len).ok()?)
        }

        fn name(&mut self) -> Option<usize> {
            let text = self.text()?;
            NAMES.iter().position(|n| n.as_bytes() == text)
        }

        fn variant(&mut self) -> Option<usize> {
            (self.text()? == b"E").then_some(())?;
            let index = u32::from_le_bytes(self.fixed()?);
            let name = self.name()?;
            (name == index as usize).then_some(name)
        }

        /// Items up to `END`, each read by `item` after its `MORE`.
        fn items<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
            let mut items = Vec::new();
            loop {
                match self.byte()? {
                    MORE => items.push(item(self)?),
                    END => return Some(items),
                    _ => return None,
                }
            }
        }

        fn field(&mut self) -> Option<(usize, V)> {
            Some((self.name()?, self.value()?))
        }

        fn value(&mut self) -> Option<V> {
            const TAGS: [Tag; 30] = [
                Tag::Bool,
                Tag::I8,
                Tag::I16,
                Tag::I32,
                Tag::I64,
                Tag::I128,
                Tag::U8,
                Tag::U16,
                Tag::U32,
                Tag::U64,
                Tag::U128,
                Tag::F32,
                Tag::F64,
                Tag::Char,
                Tag::Str,
                Tag::Bytes,
                Tag::None,
                Tag::Some,
                Tag::Unit,
                Tag::UnitStruct,
                Tag::UnitVariant,
                Tag::NewtypeStruct,
                Tag::NewtypeVariant,
                Tag::Seq,
                Tag::Tuple,
                Tag::TupleStruct,
                Tag::TupleVariant,
                Tag::Map,
                Tag::Struct,
                Tag::StructVariant,
            ];
            let byte = self.byte()?;
            let tag = *TAGS.iter().find(|&&t| t as u8 == byte)?;
            Some(match tag {
                Tag::Bool => match self.byte()? {
                    0 => V::Bool(false),
                    1 => V::Bool(true),
                    _ => return None,
                },
                Tag::I8 => V::I8(i8::from_le_bytes(self.fixed()?)),
                Tag::I16 => V::I16(i16::from_le_bytes(self.fixed()?)),
                Tag::I32 => V::I32(i32::from_le_bytes(self.fixed()?)),
                Tag::I64 => V::I64(i64::from_le_bytes(self.fixed()?)),
                Tag::I128 => V::I128(i128::from_le_bytes(self.fixed()?)),
                Tag::U8 => V::U8(u8::from_le_bytes(self.fixed()?)),
                Tag::U16 => V::U16(u16::from_le_bytes(self.fixed()?)),
                Tag::U32 => V::U32(u32::from_le_bytes(self.fixed()?)),
                Tag::U64 => V::U64(u64::from_le_bytes(self.fixed()?)),
                Tag::U128 => V::U128(u128::from_le_bytes(self.fixed()?)),
                Tag::F32 => V::F32(u32::from_le_bytes(self.fixed()?)),
                Tag::F64 => V::F64(u64::from_le_bytes(self.fixed()?)),
                Tag::Char => V::Char(char::from_u32(u32::from_le_bytes(self.fixed()?))?),
                Tag::Str => V::Str(String::from_utf8(self.text()?.to_vec()).ok()?),
                Tag::Bytes => V::Bytes(self.text()?.to_vec()),
                Tag::None => V::None,
                Tag::Some => V::Some(Box::new(self.value()?)),
                Tag::Unit => V::Unit,
                Tag::UnitStruct => V::UnitStruct(self.name()?),
                Tag::UnitVariant => V::UnitVariant(self.variant()?),
                Tag::NewtypeStruct => V::NewtypeStruct(self.name()?, Box::new(self.value()?)),
                Tag::NewtypeVariant => V::NewtypeVariant(self.variant()?, Box::new(self.value()?)),
                Tag::Seq => V::Seq(self.items(Self::value)?),
                Tag::Tuple => V::Tuple(self.items(Self::value)?),
                Tag::TupleStruct => V::TupleStruct(self.name()?, self.items(Self::value)?),
                Tag::TupleVariant => V::TupleVariant(self.variant()?, self.items(Self::value)?),
                Tag::Map => V::Map(self.items(|d| Some((d.value()?, d.value()?)))?),
                Tag::Struct => V::Struct(self.name()?, self.items(Self::field)?),
                Tag::StructVariant => V::StructVariant(self.variant()?, self.items(Self::field)?),
            })
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// Every tree is read back from its encoding, whatever follows it.
        #[test]
        fn encodings_read_back(value in tree(), tail in proptest::collection::vec(any::<u8>(), 0..3)) {
            let mut bytes = encode(&value);
            let len = bytes.len();
            bytes.extend_from_slice(&tail);
            let mut d = Decoder(&bytes);
            prop_assert_eq!(d.value(), Some(value));
            prop_assert_eq!(d.0, &bytes[len..]);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        /// Two trees encode and hash the same exactly when they are equal,
        /// whatever follows them.
        #[test]
        fn equal_encodings_are_equal_values(
            values in proptest::collection::vec(tree(), 2..8),
        ) {
            for a in &values {
                for b in &values {
                    let same = a == b;
                    prop_assert_eq!(encode(a) == encode(b), same, "{:?} / {:?}", a, b);
                    prop_assert_eq!(hash_of(a) == hash_of(b), same, "{:?} / {:?}", a, b);
                    // Prefix-free: a value followed by anything differs from
                    // another followed by anything else.
                    prop_assert_eq!(encode(&(a, 1u8)) == encode(&(b, 2u8)), false);
                    let (ea, eb) = (encode(a), encode(b));
                    if !same {
                        prop_assert!(!ea.starts_with(&eb) && !eb.starts_with(&ea));
                    }
                }
            }
        }

        /// However the bytes are split into writes, the hash is XXH3's of
        /// them all at once.
        #[test]
        fn buffering_keeps_the_hash(
            pieces in proptest::collection::vec(
                prop_oneof![0usize..40, 8000usize..9000, Just(HashWriter::BLOCK)],
                0..30,
            ),
        ) {
            let mut all = Vec::new();
            let mut w = HashWriter::default();
            for (n, len) in pieces.into_iter().enumerate() {
                let piece: Vec<u8> = (0..len).map(|i| (i * 31 + n) as u8).collect();
                w.update(&piece);
                all.extend_from_slice(&piece);
            }
            prop_assert_eq!(w.finish(), xxhash_rust::xxh3::xxh3_128(&all));
        }
    }

    #[test]
    fn values_that_json_tells_apart_hash_apart() {
        #[derive(serde::Serialize)]
        #[serde(rename = "S")]
        struct AB {
            a: u8,
            b: u8,
        }
        #[derive(serde::Serialize)]
        #[serde(rename = "S")]
        struct BA {
            b: u8,
            a: u8,
        }
        let pairs = [
            (hash_of(&vec!["ab"]), hash_of(&vec!["a", "b"])),
            (hash_of(&vec![Vec::<()>::new()]), hash_of(&Vec::<()>::new())),
            (hash_of(&Some(())), hash_of(&None::<()>)),
            (hash_of(&("a", "")), hash_of(&("", "a"))),
            (hash_of(&AB { a: 1, b: 2 }), hash_of(&BA { b: 1, a: 2 })),
            (
                hash_of(&std::collections::BTreeMap::from([("a", 1)])),
                hash_of(&("a", 1)),
            ),
            (
                hash_of(&std::collections::BTreeMap::from([("a", 1)])),
                hash_of(&serde_json::json!(["a", 1])),
            ),
            (hash_of(&1u32), hash_of(&1u64)),
            (hash_of(&0.0f64), hash_of(&-0.0f64)),
            (hash_of("\0"), hash_of("")),
            (
                hash_of(&serde_json::json!([[], "a"])),
                hash_of(&serde_json::json!([["a"]])),
            ),
            (
                hash_of(&serde_json::json!({"a": "\u{f}b"})),
                hash_of(&serde_json::json!({"a\u{f}": "b"})),
            ),
            (hash_of("عربي"), hash_of("عربى")),
        ];
        for (i, (a, b)) in pairs.into_iter().enumerate() {
            assert_ne!(a, b, "pair {i}");
        }
        // Arrays are tuples to serde, slices and vectors sequences.
        assert_ne!(hash_of(&["ab"]), hash_of(&vec!["ab"]));
        assert_eq!(hash_of(&["ab"][..]), hash_of(&vec!["ab".to_string()]));
    }

    #[test]
    fn maps_take_keys_json_refuses() {
        let map = std::collections::BTreeMap::from([((1, 2), [3]), ((1, 3), [2])]);
        assert!(serde_json::to_vec(&map).is_err());
        let mut w = HashWriter::default();
        assert!(map.serialize(&mut Encoder::new(&mut w)).is_ok());
        assert_eq!(hash_of(&map), w.finish());
    }

    /// A string hashes the same whether it comes whole or formatted.
    #[test]
    fn collected_strings_are_strings() {
        struct Shown;
        impl Serialize for Shown {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&format_args!("{}-{}", "سنة", 2024))
            }
        }
        assert_eq!(encode(&[Shown, Shown]), encode(&["سنة-2024", "سنة-2024"]));
    }

    /// Streaming through the buffer, with strings longer than a block,
    /// hashes what encoding at once does.
    #[test]
    fn long_values_hash_their_encoding() {
        let long = "ب".repeat(HashWriter::BLOCK);
        let value: Vec<(String, u32)> = (0..3000u32)
            .map(|i| {
                (
                    if i % 1000 == 7 {
                        long.clone()
                    } else {
                        i.to_string()
                    },
                    i,
                )
            })
            .collect();
        let bytes = encode(&value);
        assert!(bytes.len() > 4 * HashWriter::BLOCK);
        assert_eq!(hash_of(&value), xxhash_rust::xxh3::xxh3_128(&bytes));
    }

    /// A value whose `Serialize` fails hashes differently each time, so
    /// that nothing it fingerprints is taken as unchanged.
    #[test]
    fn failures_match_nothing() {
        struct Fails;
        impl Serialize for Fails {
            fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(ser::Error::custom("no"))
            }
        }
        assert_ne!(hash_of(&("a", Fails)), hash_of(&("a", Fails)));
    }

    #[test]
    fn holds_text_finds_a_needle_in_any_string_and_only_there() {
        let mark = "\u{E010}arshif:root\u{E011}";
        let inside = format!("before {mark} after");
        let nested = serde_json::json!({"t": {"tags": [1, "x", inside]}});
        assert!(holds_text(&nested, mark));
        let key = serde_json::json!({ inside.clone(): 1 });
        assert!(holds_text(&key, mark));
        // Split between two strings, it is in neither.
        let split = ("before \u{E010}arshif:", "root\u{E011} after");
        assert!(!holds_text(&split, mark));
        assert!(!holds_text(
            &serde_json::json!({"a": ["b", 1.5, null]}),
            mark
        ));
        // What cannot be walked cannot be ruled out.
        struct Fails;
        impl Serialize for Fails {
            fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(ser::Error::custom("no"))
            }
        }
        assert!(holds_text(&Fails, mark));
    }
}
