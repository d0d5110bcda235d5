//! Keys and their postings: which shard holds a key, the posting lists of
//! a shard while they are built or updated, and the `k/` and `p/` files.
//!
//! A key's shard is [`shard_of`]: the 32-bit FNV-1a hash of its UTF-8 bytes,
//! masked to the shard count, a power of two that depends on the document
//! count only ([`shard_count`]). So a key stays in its shard while stories
//! are added, and a new story changes only the shards of its own keys.

use std::collections::{BTreeMap, HashMap};

use serde::ser::{Serialize, Serializer};

use super::index::{push_varint, read_varint, PositionReader};

/// About this many documents per shard; the shard count is the smallest
/// power of two at least `documents / DOCS_PER_SHARD`.
pub const DOCS_PER_SHARD: usize = 64;

/// The number of shards of an index of `docs` documents: a power of two.
pub fn shard_count(docs: usize) -> u32 {
    let wanted = docs.div_ceil(DOCS_PER_SHARD).max(1);
    // At most 2^20 shards (64 million documents), so that the count fits.
    u32::try_from(wanted.next_power_of_two())
        .unwrap_or(1 << 20)
        .min(1 << 20)
}

/// The 32-bit FNV-1a hash of `bytes` (`search.js` computes the same).
pub fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The shard holding `key` in an index of `shards` shards (a power of two).
pub fn shard_of(key: &str, shards: u32) -> u32 {
    fnv1a32(key.as_bytes()) & (shards - 1)
}

/// One key's postings: the documents with their fields (for `k/`) and their
/// positions (for `p/`), both in the index's encoding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Posting {
    docs: String,
    positions: String,
    last: Option<u32>,
}

impl Posting {
    /// Adds a document, in increasing order, with its fields and its
    /// already encoded positions. A document added twice counts once.
    pub fn add(&mut self, doc: u32, fields: u8, positions: &str) {
        if self.last.is_some_and(|last| doc <= last) {
            return;
        }
        let gap = match self.last {
            Some(last) => doc - last,
            None => doc + 1,
        };
        push_varint(&mut self.docs, u64::from(gap - 1) * 8 + u64::from(fields));
        self.positions.push_str(positions);
        self.last = Some(doc);
    }

    /// Whether no document is listed.
    pub fn is_empty(&self) -> bool {
        self.last.is_none()
    }
}

/// One document of a posting list being read: its number, fields and
/// encoded positions.
pub type Entry<'a> = (u32, u8, &'a str);

/// Each `(byte offset, document, fields)` of a posting list's `k/` string,
/// in order; a `None` item where it is malformed.
fn postings(docs: &str) -> impl Iterator<Item = Option<(usize, u32, u8)>> + '_ {
    let mut at = 0;
    let mut previous: Option<u64> = None;
    std::iter::from_fn(move || {
        if at >= docs.len() {
            return None;
        }
        let start = at;
        let Some(v) = read_varint(docs, &mut at) else {
            at = docs.len();
            return Some(None);
        };
        let doc = match previous {
            None => v / 8,
            Some(doc) => doc.saturating_add(v / 8).saturating_add(1),
        };
        previous = Some(doc);
        Some(
            u32::try_from(doc)
                .ok()
                .map(|doc| (start, doc, (v % 8) as u8)),
        )
    })
}

/// A previous build's posting list (its `k/` and `p/` strings) with the
/// documents for which `removed` holds dropped and `extra` (in increasing
/// document order) merged in. `None` if the previous data is malformed.
///
/// Only the documents up to the last change are read one by one: the rest
/// of both strings is copied as it is, since a document's gap and
/// positions do not change while the one before it stays. A story added
/// as the newest appends to every list it is in, and an edited one reads
/// each list up to its own place, so an update costs a copy of the lists
/// rather than their decoding.
fn merge(
    docs: &str,
    positions: &str,
    removed: &dyn Fn(u32) -> bool,
    extra: &[Entry<'_>],
) -> Option<Posting> {
    let old: Vec<(usize, u32, u8)> = postings(docs).collect::<Option<_>>()?;
    // A change at document i: it goes, or one comes before it. The one after
    // a removed document changes too (its gap does).
    let mut head = 0;
    for (i, &(_, doc, _)) in old.iter().enumerate() {
        if removed(doc) {
            head = head.max(i + 2);
        }
    }
    for &(doc, _, _) in extra {
        let i = old.partition_point(|&(_, d, _)| d <= doc);
        if i < old.len() {
            head = head.max(i + 1);
        }
    }
    let head = head.min(old.len());

    let mut out = Posting::default();
    let mut reader = PositionReader::new(positions);
    let mut extra = extra.iter().peekable();
    for &(_, doc, fields) in &old[..head] {
        let list = reader.next_list();
        if list.is_empty() {
            return None;
        }
        while let Some(&(d, f, p)) = extra.next_if(|e| e.0 < doc) {
            out.add(d, f, p);
        }
        if !removed(doc) {
            out.add(doc, fields, list);
        }
    }
    let read = positions.len() - reader.rest().len();
    if let Some(&(start, _, _)) = old.get(head) {
        // Untouched from here: its first gap still counts from the document
        // before it, which is kept.
        out.docs.push_str(&docs[start..]);
        out.positions.push_str(&positions[read..]);
        out.last = old.last().map(|&(_, doc, _)| doc);
    }
    for &(d, f, p) in extra {
        out.add(d, f, p);
    }
    Some(out)
}

/// The postings of one shard, by key in byte order.
pub type Shard = BTreeMap<String, Posting>;

/// The records of one shard gathered during a full build, compactly: each
/// key once in a table, then per record its key's number, the document,
/// the fields and the encoded positions, as bytes. Documents must come in
/// increasing order.
#[derive(Default)]
pub struct ShardBuffer {
    keys: HashMap<Box<str>, u32>,
    bytes: Vec<u8>,
}

impl ShardBuffer {
    /// Adds one record.
    pub fn push(&mut self, key: &str, doc: u32, fields: u8, positions: &str) {
        let next = self.keys.len() as u32;
        let id = match self.keys.get(key) {
            Some(&id) => id,
            None => {
                self.keys.insert(key.into(), next);
                next
            }
        };
        push_leb(&mut self.bytes, u64::from(id));
        push_leb(&mut self.bytes, u64::from(doc));
        self.bytes.push(fields);
        push_leb(&mut self.bytes, positions.len() as u64);
        self.bytes.extend_from_slice(positions.as_bytes());
    }

    /// The size of the records held, in bytes.
    pub fn held(&self) -> usize {
        self.bytes.len()
    }

    /// Hands over the records held, to be kept elsewhere (spilled to a
    /// file) until [`finish`](Self::finish); the key table stays.
    pub fn take_records(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }

    /// The shard's postings, the buffer dropped. `spilled` are the records
    /// taken from it before, in order.
    pub fn finish(self, spilled: Vec<u8>) -> Shard {
        let mut postings: Vec<Posting> = vec![Posting::default(); self.keys.len()];
        let mut bytes = spilled;
        bytes.extend_from_slice(&self.bytes);
        drop(self.bytes);
        let mut at = 0;
        while at < bytes.len() {
            let (Some(id), Some(doc)) = (read_leb(&bytes, &mut at), read_leb(&bytes, &mut at))
            else {
                break;
            };
            let fields = bytes.get(at).copied().unwrap_or(0);
            at += 1;
            let len = read_leb(&bytes, &mut at).unwrap_or(0) as usize;
            let end = (at + len).min(bytes.len());
            // Written from a `&str` by `push`, so always UTF-8.
            let positions = std::str::from_utf8(&bytes[at..end]).unwrap_or("");
            at = end;
            if let Some(p) = postings.get_mut(id as usize) {
                p.add(doc as u32, fields, positions);
            }
        }
        drop(bytes);
        let mut shard = Shard::new();
        for (key, id) in self.keys {
            let posting = std::mem::take(&mut postings[id as usize]);
            shard.insert(key.into_string(), posting);
        }
        shard
    }
}

/// Appends `n` as an LEB128 varint (the buffer's own encoding, and the
/// build cache's).
pub fn push_leb(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads an LEB128 varint at `at`, advancing it.
pub fn read_leb(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*at)?;
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(n);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

/// Serializes a shard's keys to one of its strings, as a JSON object in
/// key order.
struct Column<'a> {
    shard: &'a Shard,
    positions: bool,
}

impl Serialize for Column<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.shard.iter().map(|(key, p)| {
            let value = if self.positions {
                &p.positions
            } else {
                &p.docs
            };
            (key, value)
        }))
    }
}

/// The files of shard `n`: `(k/<n>, its data)` and `(p/<n>, its data)`, as
/// names and values to hand to [`super::index::script`].
pub fn files(n: u32, shard: &Shard) -> [(String, Vec<u8>); 2] {
    [
        super::index::script(
            &format!("k/{n}"),
            &Column {
                shard,
                positions: false,
            },
        ),
        super::index::script(
            &format!("p/{n}"),
            &Column {
                shard,
                positions: true,
            },
        ),
    ]
}

/// Reads shard `n` of a previous build from its two files' data. `None`
/// if they are not a shard's.
pub fn parse(k: &[u8], p: &[u8]) -> Option<(BTreeMap<String, String>, BTreeMap<String, String>)> {
    Some((
        super::index::parse_script(k)?,
        super::index::parse_script(p)?,
    ))
}

/// Updates a previous build's shard: the postings of the documents for
/// which `removed` holds are dropped, then `added` records (key, document,
/// fields, positions; in increasing document order per key) are merged in.
/// Keys left with no document go. `None` if the previous data is malformed;
/// `Some(None)` if the shard comes out as it was (an edited document whose
/// words in this shard, and their places, are the same).
pub fn update(
    k: BTreeMap<String, String>,
    mut p: BTreeMap<String, String>,
    removed: &dyn Fn(u32) -> bool,
    added: &[(&str, u32, u8, &str)],
) -> Option<Option<Shard>> {
    let mut new: BTreeMap<&str, Vec<Entry<'_>>> = BTreeMap::new();
    for &(key, doc, fields, positions) in added {
        new.entry(key).or_default().push((doc, fields, positions));
    }
    let mut shard = Shard::new();
    let mut same = true;
    for (key, docs) in k {
        let positions = p.remove(&key)?;
        let extra = new.remove(key.as_str()).unwrap_or_default();
        let posting = merge(&docs, &positions, removed, &extra)?;
        same &= posting.docs == docs && posting.positions == positions;
        if !posting.is_empty() {
            shard.insert(key, posting);
        }
    }
    for (key, entries) in new {
        let posting = encode(&entries);
        if !posting.is_empty() {
            same = false;
            shard.insert(key.to_string(), posting);
        }
    }
    Some((!same || !p.is_empty()).then_some(shard))
}

/// A posting list from its entries, in increasing document order.
fn encode(entries: &[Entry<'_>]) -> Posting {
    let mut posting = Posting::default();
    for &(doc, fields, positions) in entries {
        posting.add(doc, fields, positions);
    }
    posting
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_reference() {
        // Published FNV-1a 32-bit test vectors.
        assert_eq!(fnv1a32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a32(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn shard_counts_are_powers_of_two() {
        assert_eq!(shard_count(0), 1);
        assert_eq!(shard_count(1), 1);
        assert_eq!(shard_count(DOCS_PER_SHARD), 1);
        assert_eq!(shard_count(DOCS_PER_SHARD + 1), 2);
        assert_eq!(shard_count(100_000), 2048);
    }

    #[test]
    fn buffers_build_what_postings_build() {
        let mut buffer = ShardBuffer::default();
        let mut want = Shard::new();
        let mut spilled = Vec::new();
        for (key, doc, fields, pos) in [("a", 0, 1, "11"), ("b", 0, 2, "10"), ("a", 3, 2, "212")] {
            buffer.push(key, doc, fields, pos);
            if doc == 0 {
                spilled.extend(buffer.take_records());
            }
            want.entry(key.to_string())
                .or_default()
                .add(doc, fields, pos);
        }
        assert_eq!(buffer.held(), 7, "the last record only");
        assert_eq!(buffer.finish(spilled), want);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// Merging into a previous posting list (reading only up to the last
        /// change and copying the rest) gives the list built from scratch.
        #[test]
        fn merging_equals_building_anew(
            old in proptest::collection::btree_map(0u32..300, (1u8..8, proptest::collection::btree_set(0u32..5000, 1..40)), 0..60),
            gone in proptest::collection::vec(proptest::bool::weighted(0.1), 300),
            new in proptest::collection::btree_map(0u32..320, (1u8..8, proptest::collection::btree_set(0u32..5000, 1..40)), 0..6),
        ) {
            let encoded = |fields: u8, list: &std::collections::BTreeSet<u32>| {
                let mut s = String::new();
                super::super::index::push_positions(&mut s, &list.iter().copied().collect::<Vec<_>>());
                (fields, s)
            };
            let old: Vec<(u32, (u8, String))> =
                old.iter().map(|(&d, (f, l))| (d, encoded(*f, l))).collect();
            let removed = |doc: u32| gone[doc as usize % gone.len()];
            // Documents come back only where they went or were not there.
            let extra: Vec<(u32, (u8, String))> = new
                .iter()
                .filter(|(d, _)| removed(**d) || !old.iter().any(|(o, _)| o == *d))
                .map(|(&d, (f, l))| (d, encoded(*f, l)))
                .collect();
            let previous = encode(&old.iter().map(|(d, (f, p))| (*d, *f, p.as_str())).collect::<Vec<_>>());
            let extra: Vec<Entry<'_>> = extra.iter().map(|(d, (f, p))| (*d, *f, p.as_str())).collect();
            let mut want: Vec<Entry<'_>> = old
                .iter()
                .filter(|(d, _)| !removed(*d))
                .map(|(d, (f, p))| (*d, *f, p.as_str()))
                .collect();
            want.extend(extra.iter().copied());
            want.sort_by_key(|e| e.0);
            let merged = merge(&previous.docs, &previous.positions, &removed, &extra);
            proptest::prop_assert_eq!(merged, Some(encode(&want)));
        }
    }

    #[test]
    fn updates_equal_a_fresh_build() {
        let records = [
            ("a", 0, 1, "11"),
            ("b", 0, 2, "10"),
            ("a", 1, 2, "212"),
            ("c", 1, 2, "10"),
            ("a", 2, 2, "13"),
        ];
        let build = |records: &[(&str, u32, u8, &str)]| {
            let mut shard = Shard::new();
            for &(key, doc, fields, pos) in records {
                shard
                    .entry(key.to_string())
                    .or_default()
                    .add(doc, fields, pos);
            }
            shard
        };
        let old = build(&records);
        let columns = |shard: &Shard| {
            let k = shard
                .iter()
                .map(|(key, p)| (key.clone(), p.docs.clone()))
                .collect();
            let p = shard
                .iter()
                .map(|(key, p)| (key.clone(), p.positions.clone()))
                .collect();
            (k, p)
        };
        // Document 1 edited (now only "b"), document 3 added.
        let (k, p) = columns(&old);
        let added = [("b", 1, 1, "10"), ("a", 3, 1, "10"), ("d", 3, 2, "15")];
        let updated = update(k, p, &|doc| doc == 1, &added).unwrap().unwrap();
        let fresh = build(&[
            ("a", 0, 1, "11"),
            ("b", 0, 2, "10"),
            ("b", 1, 1, "10"),
            ("a", 2, 2, "13"),
            ("a", 3, 1, "10"),
            ("d", 3, 2, "15"),
        ]);
        assert_eq!(updated, fresh);
        assert!(!updated.contains_key("c"), "a key with no document goes");

        // Document 1 edited with the same words at the same places: the
        // shard is as it was. A word less, a place more or other fields:
        // it is not.
        let update_1 = |records: &[(&str, u32, u8, &str)]| {
            let (k, p) = columns(&old);
            update(k, p, &|doc| doc == 1, records).unwrap()
        };
        assert!(update_1(&[("a", 1, 2, "212"), ("c", 1, 2, "10")]).is_none());
        for changed in [
            &[("a", 1, 2, "212")][..],
            &[("a", 1, 2, "2121"), ("c", 1, 2, "10")],
            &[("a", 1, 1, "212"), ("c", 1, 2, "10")],
            &[("a", 1, 2, "212"), ("c", 1, 2, "10"), ("d", 1, 2, "10")],
        ] {
            assert!(update_1(changed).is_some(), "{changed:?}");
        }
    }
}
