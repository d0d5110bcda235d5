//! The build cache's forms of an article's fields, and of its longest lists
//! of numbers (`#[serde(with = …)]`).
//!
//! A large archive's cache holds a few hundred megabytes of articles, and a
//! no-op build reads all of it before anything else can start, so these
//! forms are chosen to be cheap to read back: text as bytes checked with a
//! vectorised UTF-8 check (most of it is Arabic, which the standard check
//! takes a byte at a time), dates as integers instead of RFC 3339 text to
//! parse, an empty `extra` as nothing instead of JSON text to parse, and
//! lists of numbers as runs of bytes instead of a varint each; the texts
//! a part's articles share, once each, and numbers in their place.
//! Only arshif reads the cache, so nothing else sees these forms: the fields'
//! own serde forms are unchanged.

use std::fmt;

use serde::de::{DeserializeSeed, Error as _, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Text stored as its UTF-8 bytes.
pub mod text {
    use super::*;

    /// Writes `s` as bytes.
    pub fn serialize<S: Serializer>(s: &str, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_bytes(s.as_bytes())
    }

    /// Reads text written by [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_bytes(TextVisitor(|bytes| {
            simdutf8::basic::from_utf8(bytes).ok().map(str::to_owned)
        }))
    }
}

/// Bytes stored as one run (a derived `Vec<u8>` is a sequence, read and
/// written a byte at a time). Written only: they are read back borrowed, or
/// as a [`crate::mapped::Slice`] (the same form).
pub mod bytes {
    use super::*;

    /// Writes `b` as bytes.
    pub fn serialize<S: Serializer>(b: &[u8], ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_bytes(b)
    }
}

/// Numbers stored as one run of their little-endian bytes: a derived
/// `Vec<u32>`, `Vec<u64>` or `Vec<u128>` is a sequence of varints, read
/// back one at a time (the related lists and output fingerprints of a
/// large archive are hundreds of thousands), in a vector grown as they
/// come; this is one check of the length and a copy.
pub mod le {
    use super::*;

    /// A number of a fixed size.
    pub trait Fixed: Copy {
        /// Its size in bytes.
        const SIZE: usize;
        /// Writes its little-endian bytes at the end of `out`.
        fn put(self, out: &mut Vec<u8>);
        /// From exactly [`Fixed::SIZE`] bytes.
        fn get(bytes: &[u8]) -> Self;
    }

    macro_rules! fixed {
        ($($t:ty),*) => {$(
            impl Fixed for $t {
                const SIZE: usize = std::mem::size_of::<$t>();
                fn put(self, out: &mut Vec<u8>) {
                    out.extend_from_slice(&self.to_le_bytes());
                }
                fn get(bytes: &[u8]) -> Self {
                    let mut b = [0; std::mem::size_of::<$t>()];
                    b.copy_from_slice(bytes);
                    <$t>::from_le_bytes(b)
                }
            }
        )*};
    }
    fixed!(u32, u64, u128);

    /// Writes `v` as bytes.
    pub fn serialize<T: Fixed, S: Serializer>(v: &[T], ser: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::with_capacity(v.len() * T::SIZE);
        for &x in v {
            x.put(&mut bytes);
        }
        ser.serialize_bytes(&bytes)
    }

    /// Reads numbers written by [`serialize`].
    pub fn deserialize<'de, T: Fixed, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_bytes(LeVisitor(std::marker::PhantomData))
    }

    struct LeVisitor<T>(std::marker::PhantomData<T>);

    impl<T: Fixed> Visitor<'_> for LeVisitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "bytes, {} a number", T::SIZE)
        }

        fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Vec<T>, E> {
            if bytes.len() % T::SIZE != 0 {
                return Err(E::invalid_length(bytes.len(), &self));
            }
            Ok(bytes.chunks_exact(T::SIZE).map(T::get).collect())
        }
    }
}

/// An optional text, as [`text`].
pub mod option_text {
    use super::*;

    /// Writes `s` as an option of bytes.
    pub fn serialize<S: Serializer>(s: &Option<String>, ser: S) -> Result<S::Ok, S::Error> {
        s.as_deref().map(Text).serialize(ser)
    }

    /// Reads an optional text written by [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Option::<Owned>::deserialize(d)?.map(|t| t.0))
    }
}

/// A list of texts, each as [`text`].
pub mod list {
    use super::*;

    /// Writes `list` as a sequence of bytes.
    pub fn serialize<S: Serializer>(list: &[String], ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(list.iter().map(|s| Text(s)))
    }

    /// Reads a list written by [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_seq(ListVisitor)
    }
}

/// Lists of texts by name (an article's terms by taxonomy), as a sequence
/// of (name, list) pairs, each text as [`text`], or by its number inside
/// [`numbered`].
pub mod lists_by_name {
    use super::*;

    type Map = crate::content::frontmatter::TermLists;

    /// Writes `map` as a sequence of pairs.
    pub fn serialize<S: Serializer>(map: &Map, ser: S) -> Result<S::Ok, S::Error> {
        let mut seq = ser.serialize_seq(Some(map.iter().len()))?;
        for (name, list) in map.iter() {
            seq.serialize_element(&(SharedText(name), SharedList(list)))?;
        }
        seq.end()
    }

    /// Reads lists written by [`serialize`]: each into place, as they
    /// were written in order of their names (see [`Map::push_last`]).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = Map;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence of (name, list) pairs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Map, A::Error> {
                let mut map = Map::default();
                while seq.next_element_seed(Pair(&mut map))?.is_some() {}
                Ok(map)
            }
        }
        d.deserialize_seq(MapVisitor)
    }

    /// Reads one (name, list) pair into a map.
    struct Pair<'m>(&'m mut Map);

    impl<'de> DeserializeSeed<'de> for Pair<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_tuple(2, self)
        }
    }

    impl<'de> Visitor<'de> for Pair<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a (name, list) pair")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let missing = || A::Error::invalid_length(0, &"a (name, list) pair");
            let name = seq.next_element::<Shared>()?.ok_or_else(missing)?.0;
            if self.0.goes_last(&name) {
                self.0.push_last(name, |terms| {
                    seq.next_element_seed(Terms(terms))?.ok_or_else(missing)
                })
            } else {
                let mut list = Vec::new();
                seq.next_element_seed(Terms(&mut list))?
                    .ok_or_else(missing)?;
                self.0.insert(name, list);
                Ok(())
            }
        }
    }

    /// Reads a list of shared texts onto the end of a vector: a list that
    /// goes last straight into place, any other into a vector of its own.
    struct Terms<'v>(&'v mut Vec<std::sync::Arc<str>>);

    impl<'de> DeserializeSeed<'de> for Terms<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for Terms<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a sequence of texts")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(t) = seq.next_element::<Shared>()? {
                self.0.push(t.0);
            }
            Ok(())
        }
    }
}

/// A date as seconds and nanoseconds since the Unix epoch and its offset
/// east of UTC in seconds: the same instant and offset, without text.
pub mod date {
    use super::*;
    use crate::arabic::ArticleDate;
    use chrono::{DateTime, FixedOffset};

    /// The parts of `date`.
    fn parts(date: &ArticleDate) -> (i64, u32, i32) {
        let dt = date.datetime();
        (
            dt.timestamp(),
            dt.timestamp_subsec_nanos(),
            dt.offset().local_minus_utc(),
        )
    }

    /// The date of `parts`, if they are one.
    fn from_parts((secs, nanos, offset): (i64, u32, i32)) -> Option<ArticleDate> {
        let offset = FixedOffset::east_opt(offset)?;
        let utc = DateTime::from_timestamp(secs, nanos)?;
        Some(ArticleDate::from(utc.with_timezone(&offset)))
    }

    /// Writes `date` as its parts.
    pub fn serialize<S: Serializer>(date: &ArticleDate, ser: S) -> Result<S::Ok, S::Error> {
        parts(date).serialize(ser)
    }

    /// Reads a date written by [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ArticleDate, D::Error> {
        from_parts(Deserialize::deserialize(d)?).ok_or_else(|| D::Error::custom("not a date"))
    }

    /// An optional date, as [`date`](self).
    pub mod option {
        use super::*;

        /// Writes `date` as an option of its parts.
        pub fn serialize<S: Serializer>(
            date: &Option<ArticleDate>,
            ser: S,
        ) -> Result<S::Ok, S::Error> {
            date.as_ref().map(parts).serialize(ser)
        }

        /// Reads an optional date written by [`serialize`].
        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<ArticleDate>, D::Error> {
            Option::<(i64, u32, i32)>::deserialize(d)?
                .map(|p| from_parts(p).ok_or_else(|| D::Error::custom("not a date")))
                .transpose()
        }
    }
}

/// A JSON object (a front matter's unknown keys) as JSON text, which
/// compact formats without self-description can hold whatever the values;
/// the empty object, which almost every article has, as empty text.
pub mod json_object {
    use super::*;

    type Map = serde_json::Map<String, serde_json::Value>;

    /// Writes `map` as JSON text (empty for no keys).
    pub fn serialize<S: Serializer>(map: &Map, ser: S) -> Result<S::Ok, S::Error> {
        if map.is_empty() {
            return ser.serialize_str("");
        }
        serde_json::to_string(map)
            .map_err(serde::ser::Error::custom)?
            .serialize(ser)
    }

    /// Reads an object written by [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map, D::Error> {
        struct JsonVisitor;
        impl Visitor<'_> for JsonVisitor {
            type Value = Map;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("JSON text")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Map, E> {
                if s.is_empty() {
                    return Ok(Map::new());
                }
                serde_json::from_str(s).map_err(E::custom)
            }
        }
        d.deserialize_str(JsonVisitor)
    }
}

/// Texts that many articles repeat (taxonomy names and terms), shared while
/// a run of articles is read from their files: within [`shared::within`],
/// each distinct text is checked as UTF-8 and allocated once, and every
/// article naming it holds the same `Arc<str>`. (A part of the cache holds
/// each of its texts once and names them by number: see [`numbered`].) The
/// generated archive of 100,000 articles names taxonomies and terms 980,000
/// times, with some 1,400 distinct texts in each part of its cache (3,300
/// articles).
pub mod shared {
    use std::borrow::Borrow;
    use std::cell::RefCell;
    use std::hash::{Hash, Hasher};
    use std::sync::Arc;

    /// A shared text, looked up by its bytes.
    struct Key(Arc<str>);

    impl Borrow<[u8]> for Key {
        fn borrow(&self) -> &[u8] {
            self.0.as_bytes()
        }
    }

    // Hashed and compared as the bytes it is looked up by.
    impl Hash for Key {
        fn hash<H: Hasher>(&self, state: &mut H) {
            self.0.as_bytes().hash(state);
        }
    }

    impl PartialEq for Key {
        fn eq(&self, other: &Key) -> bool {
            self.0 == other.0
        }
    }

    impl Eq for Key {}

    thread_local! {
        /// The texts met so far on this thread, inside [`within`].
        static TABLE: RefCell<Option<rustc_hash::FxHashSet<Key>>> = const { RefCell::new(None) };
    }

    /// Runs `read` with texts shared on this thread; they stop being shared
    /// (the table is dropped, the texts live on in what holds them) when it
    /// returns. Nests: an inner call has a table of its own.
    pub fn within<T>(read: impl FnOnce() -> T) -> T {
        crate::mapped::with_local(&TABLE, Some(Default::default()), read)
    }

    /// The text of `bytes`, shared if met before inside [`within`]; `None`
    /// if they are not UTF-8.
    pub(super) fn text(bytes: &[u8]) -> Option<Arc<str>> {
        lookup(bytes, || simdutf8::basic::from_utf8(bytes).ok())
    }

    /// `s` as a shared text, the one met before inside [`within`] if any.
    pub fn str(s: &str) -> Arc<str> {
        lookup(s.as_bytes(), || Some(s)).unwrap_or_else(|| Arc::from(s))
    }

    /// The text of `bytes` met before inside [`within`], else `checked`
    /// made shared (`None` if it is `None`).
    fn lookup<'a>(bytes: &[u8], checked: impl FnOnce() -> Option<&'a str>) -> Option<Arc<str>> {
        TABLE.with(|t| {
            let mut table = t.borrow_mut();
            let Some(table) = table.as_mut() else {
                return checked().map(Arc::from);
            };
            if let Some(found) = table.get(bytes) {
                return Some(found.0.clone());
            }
            let text: Arc<str> = Arc::from(checked()?);
            table.insert(Key(text.clone()));
            Some(text)
        })
    }
}

/// A part of the cache with the texts its articles share (taxonomy names
/// and terms) written once, before the articles, which name them by their
/// numbers in that list: [`Numbered`](numbered::Numbered) writes it,
/// [`Unnumbered`](numbered::Unnumbered) reads it.
///
/// Looking each of them up by its bytes in a table of the texts met so
/// far ([`shared`]) was a third of decoding the cache's articles: at
/// 100,000 articles, 980,000 texts hashed and compared, of some 1,400
/// distinct in each part. A number is read and the text at it taken in
/// two thirds of that time, and the cache is 13 MB smaller (134 MB).
pub mod numbered {
    use std::cell::RefCell;
    use std::sync::Arc;

    use rustc_hash::FxHashMap;
    use serde::de::{DeserializeOwned, Error as _, SeqAccess, Visitor};
    use serde::ser::SerializeTuple;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::mapped::with_local;

    thread_local! {
        /// The numbers of the texts of the part being written on this thread.
        static NUMBERS: RefCell<Option<FxHashMap<Box<str>, u32>>> = const { RefCell::new(None) };
        /// The texts of the part being read on this thread, by number.
        static TEXTS: RefCell<Option<Vec<super::Shared>>> = const { RefCell::new(None) };
    }

    /// `value` written with `texts` (every text it shares, each once)
    /// before it.
    pub struct Numbered<'a, T> {
        texts: Vec<&'a str>,
        value: &'a T,
    }

    impl<'a, T> Numbered<'a, T> {
        pub fn new(texts: Vec<&'a str>, value: &'a T) -> Numbered<'a, T> {
            Numbered { texts, value }
        }
    }

    impl<T: Serialize> Serialize for Numbered<'_, T> {
        fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
            let mut tuple = ser.serialize_tuple(2)?;
            tuple.serialize_element(&super::TextList(&self.texts))?;
            let numbers = self
                .texts
                .iter()
                .enumerate()
                .map(|(n, &t)| (Box::from(t), n as u32))
                .collect();
            with_local(&NUMBERS, Some(numbers), || {
                tuple.serialize_element(self.value)
            })?;
            tuple.end()
        }
    }

    /// A value read with the texts [`Numbered`] wrote before it.
    pub struct Unnumbered<T>(pub T);

    impl<'de, T: DeserializeOwned> Deserialize<'de> for Unnumbered<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Unnumbered<T>, D::Error> {
            d.deserialize_tuple(2, PartVisitor(std::marker::PhantomData))
        }
    }

    struct PartVisitor<T>(std::marker::PhantomData<T>);

    impl<'de, T: DeserializeOwned> Visitor<'de> for PartVisitor<T> {
        type Value = Unnumbered<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("texts, then what names them by number")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unnumbered<T>, A::Error> {
            let missing = || A::Error::invalid_length(0, &self);
            // The texts themselves are texts, even inside another part;
            // each is checked as UTF-8 once.
            let texts = with_local(&TEXTS, None, || seq.next_element::<Vec<super::Shared>>())?;
            let texts = texts.ok_or_else(missing)?;
            let value = with_local(&TEXTS, Some(texts), || seq.next_element::<T>())?;
            Ok(Unnumbered(value.ok_or_else(missing)?))
        }
    }

    /// Inside a part being written: `Some` with the number of `text`
    /// (`None` if the part does not number it); outside, `None`.
    pub(super) fn number(text: &str) -> Option<Option<u32>> {
        NUMBERS.with(|t| t.borrow().as_ref().map(|n| n.get(text).copied()))
    }

    /// Whether a part is being read on this thread, whose texts are numbers.
    pub(super) fn reading() -> bool {
        TEXTS.with(|t| t.borrow().is_some())
    }

    /// The text numbered `n` in the part being read.
    pub(super) fn text(n: u32) -> Option<Arc<str>> {
        TEXTS.with(|t| Some(t.borrow().as_ref()?.get(n as usize)?.0.clone()))
    }
}

/// Text read as [`text`], shared ([`shared`]).
struct Shared(std::sync::Arc<str>);

impl<'de> Deserialize<'de> for Shared {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Shared, D::Error> {
        if numbered::reading() {
            let n = u32::deserialize(d)?;
            return numbered::text(n)
                .map(Shared)
                .ok_or_else(|| D::Error::custom("a text numbered past the part's texts"));
        }
        d.deserialize_bytes(TextVisitor(shared::text)).map(Shared)
    }
}

/// A text many articles share: as [`text`], or by its number inside
/// [`numbered`].
struct SharedText<'a>(&'a str);

impl Serialize for SharedText<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        match numbered::number(self.0) {
            Some(Some(n)) => ser.serialize_u32(n),
            Some(None) => Err(serde::ser::Error::custom("a text the part does not number")),
            None => text::serialize(self.0, ser),
        }
    }
}

/// A list of shared texts, each as [`SharedText`].
struct SharedList<'a>(&'a [std::sync::Arc<str>]);

impl Serialize for SharedList<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.0.iter().map(|s| SharedText(s)))
    }
}

/// Borrowed texts, written as [`list`].
struct TextList<'a>(&'a [&'a str]);

impl Serialize for TextList<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.0.iter().map(|s| Text(s)))
    }
}

/// Borrowed text, written as [`text`].
struct Text<'a>(&'a str);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        text::serialize(self.0, ser)
    }
}

/// Text read as [`text`].
struct Owned(String);

impl<'de> Deserialize<'de> for Owned {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Owned, D::Error> {
        text::deserialize(d).map(Owned)
    }
}

/// Reads text from bytes with its function (`None`: not UTF-8), which
/// makes a `String` ([`text`]) or a shared text ([`shared`]).
struct TextVisitor<T>(fn(&[u8]) -> Option<T>);

impl<T> Visitor<'_> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UTF-8 bytes")
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<T, E> {
        (self.0)(bytes).ok_or_else(|| E::custom("text that is not UTF-8"))
    }

    // Formats that hand bytes over as text.
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<T, E> {
        self.visit_bytes(s.as_bytes())
    }
}

/// Reads a list of texts.
struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence of texts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        // The hint is the length the cache wrote, but a damaged file could
        // claim any: never reserve more than a few entries up front.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(t) = seq.next_element::<Owned>()? {
            out.push(t.0);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arabic::ArticleDate;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        #[serde(with = "text")]
        title: String,
        #[serde(with = "option_text")]
        summary: Option<String>,
        #[serde(with = "option_text")]
        none: Option<String>,
        #[serde(with = "list")]
        aliases: Vec<String>,
        #[serde(with = "lists_by_name")]
        terms: crate::content::frontmatter::TermLists,
        #[serde(with = "date")]
        date: ArticleDate,
        #[serde(with = "date::option")]
        updated: Option<ArticleDate>,
        #[serde(with = "date::option")]
        never: Option<ArticleDate>,
        #[serde(with = "json_object")]
        extra: serde_json::Map<String, serde_json::Value>,
        #[serde(with = "json_object")]
        no_extra: serde_json::Map<String, serde_json::Value>,
        bytes: crate::mapped::Slice,
        #[serde(with = "le")]
        small: Vec<u32>,
        #[serde(with = "le")]
        large: Vec<u64>,
    }

    #[test]
    fn fields_read_back_as_written() {
        let offset = |h| chrono::FixedOffset::east_opt(h * 3600).unwrap();
        let date = |s| ArticleDate::parse(s, offset(3)).unwrap();
        let extra = serde_json::json!({"author": ["أ", 1, {"x": null}]});
        let sample = Sample {
            title: "روسيا وفرنسا: ✓".into(),
            summary: Some(String::new()),
            none: None,
            aliases: vec!["/old/1.html".into(), "قديم".into()],
            terms: {
                let mut terms = crate::content::frontmatter::TermLists::default();
                terms.insert("countries".into(), vec!["سوريا".into(), "تركيا".into()]);
                terms.insert("actors".into(), Vec::new());
                terms
            },
            date: date("2020-10-27T14:05:09.123456789+03:00"),
            updated: Some(date("1969-12-31T23:59:59-09:30")),
            never: None,
            extra: extra.as_object().unwrap().clone(),
            no_extra: serde_json::Map::new(),
            bytes: vec![0, 200, 3].into(),
            small: vec![0, 1, 0x8000_0001, u32::MAX],
            large: vec![u64::MAX, 0, 0x0102_0304_0506_0708],
        };
        let bytes = postcard::to_allocvec(&sample).unwrap();
        let back: Sample = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, sample);
        // Offsets and sub-second parts survive, not only the instant.
        assert_eq!(back.date.rfc3339(), "2020-10-27T14:05:09+03:00");
        assert_eq!(back.date.datetime(), sample.date.datetime());
        assert_eq!(
            back.updated.unwrap().datetime().offset(),
            sample.updated.unwrap().datetime().offset()
        );
    }

    #[test]
    fn numbers_read_back_only_from_whole_runs() {
        #[derive(Debug, Serialize, Deserialize)]
        struct Numbers(#[serde(with = "le")] Vec<u32>);
        // Five bytes are no run of four-byte numbers.
        let bytes = postcard::to_allocvec(&Bytes(vec![1, 0, 0, 0, 2])).unwrap();
        assert!(postcard::from_bytes::<Numbers>(&bytes).is_err());
        let bytes = postcard::to_allocvec(&Bytes(vec![1, 0, 0, 0, 2, 0, 0, 0])).unwrap();
        assert_eq!(postcard::from_bytes::<Numbers>(&bytes).unwrap().0, [1, 2]);

        #[derive(Serialize)]
        struct Bytes(#[serde(with = "bytes")] Vec<u8>);
    }

    #[test]
    fn bad_text_is_an_error_not_a_panic() {
        #[derive(Debug, Deserialize)]
        struct One(
            #[allow(dead_code)]
            #[serde(with = "text")]
            String,
        );
        // Postcard's bytes: a length, then the bytes (here not UTF-8).
        assert!(postcard::from_bytes::<One>(&[3, b'a', 0xC3, 0x28]).is_err());
        assert!(postcard::from_bytes::<One>(&[3, b'a', 0xC3, 0xA9]).is_ok());
    }

    /// Terms read within [`shared::within`] are one allocation per text,
    /// read back as written, and a term that is not UTF-8 is an error.
    #[test]
    fn terms_read_within_a_part_share_their_texts() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Terms(#[serde(with = "lists_by_name")] crate::content::frontmatter::TermLists);
        let list = |v: &[&str]| v.iter().map(|&s| s.into()).collect();
        let mut one = crate::content::frontmatter::TermLists::default();
        one.insert("countries".into(), list(&["سوريا", "لبنان"]));
        one.insert("actors".into(), list(&["سوريا"]));
        let mut two = crate::content::frontmatter::TermLists::default();
        two.insert("countries".into(), list(&["لبنان"]));
        let written = postcard::to_allocvec(&(Terms(one.clone()), Terms(two.clone()))).unwrap();
        let read = || postcard::from_bytes::<(Terms, Terms)>(&written).unwrap();

        let (a, b) = shared::within(read);
        assert_eq!((&a.0, &b.0), (&one, &two));
        let syria = &a.0.get("countries").unwrap()[0];
        assert!(std::sync::Arc::ptr_eq(
            syria,
            &a.0.get("actors").unwrap()[0]
        ));
        let lebanon = &a.0.get("countries").unwrap()[1];
        assert!(std::sync::Arc::ptr_eq(
            lebanon,
            &b.0.get("countries").unwrap()[0]
        ));
        let countries = |t: &Terms| {
            let (name, _) = t.0.iter().find(|(n, _)| *n == "countries").unwrap();
            name.as_ptr()
        };
        assert_eq!(
            countries(&a),
            countries(&b),
            "taxonomy names are shared too"
        );

        // Outside, or in another part, nothing is shared.
        let (c, _) = read();
        assert!(!std::sync::Arc::ptr_eq(
            syria,
            &c.0.get("countries").unwrap()[0]
        ));
        let (d, _) = shared::within(read);
        assert!(!std::sync::Arc::ptr_eq(
            syria,
            &d.0.get("countries").unwrap()[0]
        ));

        // Lists written out of the order of their names read back as if
        // set in that order.
        let unsorted = [
            ("countries", vec!["سوريا"]),
            ("actors", vec!["الأسد", "بوتين"]),
        ];
        let read: Terms =
            postcard::from_bytes(&postcard::to_allocvec(&unsorted.to_vec()).unwrap()).unwrap();
        let mut set = crate::content::frontmatter::TermLists::default();
        for (name, terms) in &unsorted {
            set.insert((*name).into(), list(terms));
        }
        assert_eq!(read.0, set);
        assert_eq!(
            read.0.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            ["actors", "countries"]
        );

        // A term of bytes that are not UTF-8 (postcard: count, name, count,
        // term).
        let bad = [1, 1, b'c', 1, 2, 0xC3, 0x28];
        assert!(shared::within(|| postcard::from_bytes::<Terms>(&bad)).is_err());
        let good = [1, 1, b'c', 1, 2, 0xC3, 0xA9];
        assert!(shared::within(|| postcard::from_bytes::<Terms>(&good)).is_ok());
    }

    /// A numbered part reads back as written, its articles holding one
    /// allocation per text; a number past its texts, or a text that is not
    /// UTF-8, is an error; around it, texts are texts again.
    #[test]
    fn a_numbered_part_reads_back_its_texts_by_number() {
        use numbered::{Numbered, Unnumbered};
        use std::sync::Arc;

        type Lists = crate::content::frontmatter::TermLists;
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        struct Terms(#[serde(with = "lists_by_name")] Lists);
        let lists = |pairs: &[(&str, &[&str])]| {
            let mut l = Lists::default();
            for (name, terms) in pairs {
                l.insert((*name).into(), terms.iter().map(|&t| t.into()).collect());
            }
            Terms(l)
        };
        let part = vec![
            lists(&[("countries", &["سوريا", "لبنان"]), ("actors", &["سوريا"])]),
            lists(&[("countries", &["لبنان"])]),
            lists(&[]),
        ];
        let texts = vec!["countries", "سوريا", "لبنان", "actors"];
        let written = postcard::to_allocvec(&Numbered::new(texts.clone(), &part)).unwrap();
        let plain = postcard::to_allocvec(&part).unwrap();
        let count = |bytes: &[u8], text: &str| {
            let t = text.as_bytes();
            bytes.windows(t.len()).filter(|w| *w == t).count()
        };
        for text in &texts {
            assert_eq!(count(&written, text), 1, "{text} is written once");
        }
        assert_eq!(count(&plain, "لبنان"), 2);
        let Unnumbered(read): Unnumbered<Vec<Terms>> = postcard::from_bytes(&written).unwrap();
        assert_eq!(read, part);
        let get = |k: usize, name: &str, i: usize| Arc::clone(&read[k].0.get(name).unwrap()[i]);
        assert!(Arc::ptr_eq(&get(0, "countries", 0), &get(0, "actors", 0)));
        assert!(Arc::ptr_eq(
            &get(0, "countries", 1),
            &get(1, "countries", 0)
        ));

        // Outside a part, the same lists are written and read as texts.
        assert_eq!(postcard::to_allocvec(&part).unwrap(), plain);
        let again: Vec<Terms> = postcard::from_bytes(&plain).unwrap();
        assert_eq!(again, part);

        // A text the part does not number cannot be written.
        let short = Numbered::new(vec!["countries", "سوريا"], &part);
        assert!(postcard::to_allocvec(&short).is_err());
        // A number past the texts (postcard: the texts, then one list of
        // one pair, named 0, of one term, numbered 1).
        let past = [1, 1, b'c', 1, 1, 0, 1, 1];
        assert!(postcard::from_bytes::<Unnumbered<Vec<Terms>>>(&past).is_err());
        let within = [1, 1, b'c', 1, 1, 0, 1, 0];
        let Unnumbered(one) = postcard::from_bytes::<Unnumbered<Vec<Terms>>>(&within).unwrap();
        assert_eq!(one, [lists(&[("c", &["c"])])]);
        // A text of bytes that are not UTF-8.
        let bad = [1, 2, 0xC3, 0x28, 1, 1, 0, 1, 0];
        assert!(postcard::from_bytes::<Unnumbered<Vec<Terms>>>(&bad).is_err());
        // After a part, damaged or not, texts are texts.
        assert_eq!(postcard::from_bytes::<Vec<Terms>>(&plain).unwrap(), part);
    }

    #[test]
    fn bytes_are_written_as_a_sequence_of_bytes_was() {
        // Postcard writes both as a length and the bytes: caches written
        // before `bytes` read the same.
        #[derive(Serialize)]
        struct Run(#[serde(with = "bytes")] Vec<u8>);
        let b = vec![1, 2, 255];
        let run = postcard::to_allocvec(&Run(b.clone())).unwrap();
        assert_eq!(run, postcard::to_allocvec(&b).unwrap());
        let back: crate::mapped::Slice = postcard::from_bytes(&run).unwrap();
        assert_eq!(*back, b);
    }
}
