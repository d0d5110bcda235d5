//! Keys and their postings: which shard holds a key, the posting lists of
//! a shard while they are built or updated, and the `k/` and `p/` files.
//!
//! A key's shard is [`shard_of`]: the 32-bit FNV-1a hash of its UTF-8 bytes,
//! masked to the shard count, a power of two that depends on the document
//! count only ([`shard_count`]). So a key stays in its shard while stories
//! are added, and a new story changes only the shards of its own keys.
//!
//! The shards come in two segments ([`Layout`]): the newest documents are
//! in a few small *tail* shards, so that a new story does not rewrite the
//! long posting lists of the commonest words.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::ser::{Error as _, Serialize, SerializeMap, Serializer};

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

/// How an index of a given document count lies in shards: the documents
/// numbered below [`tail_start`](Layout::tail_start) are in the *base*
/// segment, [`shards`](Layout::shards) shards (`k/<n>` and `p/<n>`); the
/// newer ones are in the *tail*, [`tail_shards`](Layout::tail_shards)
/// shards (`kt/<n>` and `pt/<n>`). A key is in base shard
/// [`shard_of`]`(key, shards)` and in tail shard `shard_of(key,
/// tail_shards)`: the same hash, masked to fewer bits.
///
/// The tail starts at the largest multiple of the segment step (half a
/// document per base shard: a 128th of the documents the base is sized
/// for, so at most as many per tail shard as per base shard; two at
/// least) not above the document count. So the tail holds less than a
/// 64th of the documents (past the first 256), and a new story (the
/// newest) rewrites only tail shards. When the count passes the next
/// multiple (once every 1,024 stories at 100,000), the tail hands its
/// documents over to the base, whose shards are rewritten then; when it
/// falls below the tail's start, the base hands its newest back. Like the
/// shard count, the layout depends on the document count only, so a full
/// build and an update write the same files.
///
/// The shards of both segments are numbered as *slots*: the base's from 0,
/// then the tail's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Shards in the base.
    pub shards: u32,
    /// Shards in the tail: a power of two, one per [`TAIL_SHARE`] base
    /// shards, at least one.
    pub tail_shards: u32,
    /// The first document in the tail.
    pub tail_start: u32,
}

/// The tail has one shard for each this many base shards, and documents
/// for as many: its step is `shards × DOCS_PER_SHARD / TAIL_SHARE`.
///
/// Each shard the tail has is two files that every new story rewrites: at
/// 100,000 articles, with the same 637 documents in the tail, an added
/// story took 0.61 s with 16 tail shards against 0.74 s with 64 (medians of
/// five, in turns), and 0.63 s with 4, whose tail moves on four times as
/// often.
pub const TAIL_SHARE: u32 = 128;

impl Layout {
    /// The layout of an index of `docs` documents.
    pub fn new(docs: usize) -> Layout {
        let shards = shard_count(docs);
        let step = (shards as usize * DOCS_PER_SHARD / TAIL_SHARE as usize).max(2);
        Layout {
            shards,
            tail_shards: (shards / TAIL_SHARE).max(1),
            tail_start: u32::try_from(docs - docs % step).unwrap_or(u32::MAX),
        }
    }

    /// Shards in both segments.
    pub fn slots(&self) -> u32 {
        self.shards + self.tail_shards
    }

    /// The slot holding `key`'s postings of document `doc`.
    pub fn slot(&self, key: &str, doc: u32) -> u32 {
        let shard = shard_of(key, self.shards);
        if doc < self.tail_start {
            shard
        } else {
            self.shards + (shard & (self.tail_shards - 1))
        }
    }

    /// The names of a slot's two files, its keys' then their positions', as
    /// [`super::index::script`] takes them.
    pub fn names(&self, slot: u32) -> Names {
        match slot.checked_sub(self.shards) {
            None => [format!("k/{slot}"), format!("p/{slot}")],
            Some(tail) => [format!("kt/{tail}"), format!("pt/{tail}")],
        }
    }
}

/// The names of a shard's two files (see [`Layout::names`]).
pub type Names = [String; 2];

/// One key's postings: the documents with their fields (for `k/`) and their
/// positions (for `p/`), both in the index's encoding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Posting {
    docs: String,
    /// ASCII, as `docs` (see [`push_varint`]): kept as bytes, so that the
    /// records of a full build are added without a check of each one's.
    positions: Vec<u8>,
    last: Option<u32>,
    /// How many documents are listed (counted from the list's start).
    count: u32,
    /// Where reading may resume, every [`SKIP_EVERY`] documents.
    skips: Vec<Skip>,
}

/// A long posting list is given a [`Skip`] every this many documents (in
/// unit tests every three, so that lists of a few dozen have several).
#[cfg(not(test))]
pub const SKIP_EVERY: u32 = 1024;
/// See above.
#[cfg(test)]
pub const SKIP_EVERY: u32 = 3;

/// A place in a long posting list where reading may resume: the state
/// before its document number `count` (counted from 0), the least number
/// that document can have (one more than the one before it), and where its
/// posting starts in the `k/` string and its positions in the `p/` string.
/// Kept by the build cache (see [`ShardSkips`]): an edited story's place in
/// the lists of the commonest words, tens of thousands of documents in, is
/// reached from the last skip before it instead of from the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skip {
    pub count: u32,
    pub least: u32,
    pub docs: u32,
    pub positions: u32,
}

/// The [`Skip`]s of a shard's long posting lists, by key in byte order,
/// with the fingerprints of the two files (`k/`, `p/`) they were taken
/// from: they hold for those files' bytes, and are not used for others.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShardSkips {
    pub files: [u128; 2],
    pub keys: Vec<(String, Vec<Skip>)>,
}

impl ShardSkips {
    /// The skips of `key`'s list (none if it has none).
    fn of(&self, key: &[u8]) -> &[Skip] {
        self.keys
            .binary_search_by(|(k, _)| k.as_bytes().cmp(key))
            .map_or(&[][..], |i| &self.keys[i].1)
    }

    /// The skips of a shard's lists, as built.
    pub fn of_shard(shard: &Shard, files: [u128; 2]) -> ShardSkips {
        let keys = shard
            .iter()
            .filter(|(_, p)| !p.skips.is_empty())
            .map(|(k, p)| (k.clone(), p.skips.clone()))
            .collect();
        ShardSkips { files, keys }
    }
}

impl Posting {
    /// Adds a document, in increasing order, with its fields and its
    /// already encoded positions. A document added twice counts once.
    pub fn add(&mut self, doc: u32, fields: u8, positions: &str) {
        self.add_encoded(doc, fields, positions.as_bytes());
    }

    /// [`add`](Self::add), with the positions as the bytes of their text.
    fn add_encoded(&mut self, doc: u32, fields: u8, positions: &[u8]) {
        if self.last.is_some_and(|last| doc <= last) {
            return;
        }
        let gap = match self.last {
            Some(last) => doc - last,
            None => doc + 1,
        };
        if let (Some(last), true) = (self.last, self.count % SKIP_EVERY == 0) {
            // Offsets past 4 GiB are not kept: the list is read instead.
            if let (Ok(docs), Ok(positions)) = (
                u32::try_from(self.docs.len()),
                u32::try_from(self.positions.len()),
            ) {
                self.skips.push(Skip {
                    count: self.count,
                    least: last + 1,
                    docs,
                    positions,
                });
            }
        }
        push_varint(&mut self.docs, u64::from(gap - 1) * 8 + u64::from(fields));
        self.positions.extend_from_slice(positions);
        self.last = Some(doc);
        self.count += 1;
    }

    /// Whether no document is listed.
    pub fn is_empty(&self) -> bool {
        self.last.is_none()
    }

    /// Its `k/` and `p/` strings; `None` if no document is listed.
    fn values(&self) -> Option<[&[u8]; 2]> {
        (!self.is_empty()).then_some([self.docs.as_bytes(), &self.positions])
    }
}

/// One document of a posting list being read: its number, fields and
/// encoded positions.
pub type Entry<'a> = (u32, u8, &'a str);

/// One document of a posting list's `k/` string: where its posting starts,
/// its number and its fields.
type Listed = (usize, u32, u8);

/// Each [`Listed`] document of a posting list's `k/` string, in order; a
/// `None` item where it is malformed.
fn postings(docs: &[u8]) -> Postings<'_> {
    Postings {
        docs,
        at: 0,
        least: 0,
    }
}

/// [`postings`] from the last of `skips` (increasing) before the document
/// `target`, if any and if it lies within `docs` and the first `positions`
/// bytes of the `p/` string: the reader, how many documents it passed, the
/// last of them, and where their positions end in the `p/` string.
fn postings_before<'a>(
    docs: &'a [u8],
    positions: usize,
    skips: &[Skip],
    target: u32,
) -> (Postings<'a>, u32, Option<u32>, usize) {
    let i = skips.partition_point(|s| s.least <= target);
    let resume = i.checked_sub(1).map(|i| skips[i]).filter(|s| {
        s.least > 0 && s.docs as usize <= docs.len() && s.positions as usize <= positions
    });
    match resume {
        Some(s) => (
            Postings {
                docs,
                at: s.docs as usize,
                least: u64::from(s.least),
            },
            s.count,
            Some(s.least - 1),
            s.positions as usize,
        ),
        None => (postings(docs), 0, None, 0),
    }
}

/// A posting list's `k/` string being read (see [`postings`]).
struct Postings<'a> {
    docs: &'a [u8],
    /// Where the next posting starts.
    at: usize,
    /// The least number the next document can have: 0 for the first, one
    /// more than the previous after it (each posting holds the gap less
    /// one).
    least: u64,
}

impl Postings<'_> {
    /// Reads the next posting: where it starts, its document (not yet
    /// known to fit a `u32`) and its fields.
    #[inline(always)]
    fn step(&mut self) -> Step {
        if self.at >= self.docs.len() {
            return Step::End;
        }
        let start = self.at;
        let Some(v) = read_varint(self.docs, &mut self.at) else {
            self.at = self.docs.len();
            return Step::Malformed;
        };
        // No overflow: `least` is at most 2³² and `v / 8` below 2⁶¹.
        let doc = self.least + v / 8;
        self.least = doc + 1;
        Step::At(start, doc, (v % 8) as u8)
    }

    /// Reads past the documents numbered below `target`, and the first at
    /// or after it: what was passed, and that document as the iterator
    /// gives it (`None` if the list ends first); `None` if the list is
    /// malformed before that document. Faster than stepping through them:
    /// an edited document's words are found in lists of up to every
    /// document.
    fn seek(&mut self, target: u32) -> Option<(Passed, Option<Listed>)> {
        let mut passed = Passed {
            count: 0,
            last: None,
        };
        loop {
            match self.step() {
                Step::End => return Some((passed, None)),
                Step::Malformed => return None,
                Step::At(start, doc, fields) if doc >= u64::from(target) => {
                    return Some((passed, Some((start, u32::try_from(doc).ok()?, fields))));
                }
                Step::At(_, doc, _) => {
                    passed.count += 1;
                    // Below `target`, so a `u32`.
                    passed.last = Some(doc as u32);
                }
            }
        }
    }
}

/// What [`Postings::step`] read.
enum Step {
    End,
    Malformed,
    At(usize, u64, u8),
}

/// The documents [`Postings::seek`] read past.
struct Passed {
    /// How many.
    count: usize,
    /// The last of them.
    last: Option<u32>,
}

impl Iterator for Postings<'_> {
    type Item = Option<Listed>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Step::End => None,
            Step::Malformed => Some(None),
            Step::At(start, doc, fields) => match u32::try_from(doc) {
                Ok(doc) => Some(Some((start, doc, fields))),
                Err(_) => {
                    self.at = self.docs.len();
                    Some(None)
                }
            },
        }
    }
}

/// What [`merge`] makes of a previous build's posting list.
#[derive(Debug, PartialEq, Eq)]
enum Merged {
    /// The list comes out as it was.
    Unchanged,
    /// No document is left.
    Gone,
    /// Its new `k/` and `p/` strings, and its [`Skip`]s.
    Lists([Vec<u8>; 2], Vec<Skip>),
}

/// A previous build's posting list (its `k/` and `p/` strings, and the
/// [`Skip`]s taken from them) with the documents `removed` (increasing)
/// dropped and `extra` (in increasing document order) merged in. `None` if
/// the previous data is malformed.
///
/// Only the documents from the first change to the first one after the
/// last change are read and encoded again: both strings stay as they are
/// before them (read from the last skip before the first change, each
/// document's positions skipped in the same loop as its posting) and after
/// them, since a document's gap and positions do not change while the one
/// before it stays. When that stretch comes out as it was (an edited story
/// whose words here, and their places, are the same), nothing is copied:
/// most lists an edited story is in end so. Nothing is collected: a story
/// added as the newest reads each list it is in from its last skip and
/// appends to it, and an edited one reads each list from the last skip
/// before its place.
fn merge(
    docs: &[u8],
    positions: &[u8],
    removed: &[u32],
    extra: &[Entry<'_>],
    skips: &[Skip],
) -> Option<Merged> {
    let changes = || removed.iter().copied().chain(extra.iter().map(|e| e.0));
    let (lo, hi) = (
        changes().min().unwrap_or(u32::MAX),
        changes().max().unwrap_or(u32::MAX),
    );
    let (mut entries, mut count, mut last, mut list_at) =
        postings_before(docs, positions.len(), skips, lo);
    // Before the first change: passed, each document's positions skipped
    // in the same loop (two chains of reads the processor overlaps).
    let first = loop {
        match entries.step() {
            Step::End => break None,
            Step::Malformed => return None,
            Step::At(start, doc, fields) if doc >= u64::from(lo) => {
                break Some((start, u32::try_from(doc).ok()?, fields));
            }
            Step::At(_, doc, _) => {
                list_at = skip_list(positions, list_at)?;
                // Below `lo`, so a `u32`.
                last = Some(doc as u32);
                count += 1;
            }
        }
    };
    let (docs_at, lists_at, count_at) = (first.map_or(docs.len(), |f| f.0), list_at, count);
    // From the first change to the first document after the last one (its
    // gap may change): encoded again, after the documents passed.
    let mut middle = Posting {
        last,
        count,
        ..Posting::default()
    };
    let mut extra = extra.iter().peekable();
    let mut next = first;
    let mut rest = [docs.len(), positions.len()];
    // How many of the previous documents the stretch held.
    let mut read = 0;
    while let Some((_, doc, fields)) = next {
        let end = skip_list(positions, list_at)?;
        let list = &positions[list_at..end];
        list_at = end;
        read += 1;
        while let Some(&(d, f, p)) = extra.next_if(|e| e.0 < doc) {
            middle.add(d, f, p);
        }
        if removed.binary_search(&doc).is_err() {
            middle.add_encoded(doc, fields, list);
        }
        next = match entries.next() {
            Some(item) => Some(item?),
            None => None,
        };
        if doc > hi {
            // Every change is behind: the rest stays as it is.
            rest = [next.map_or(docs.len(), |n| n.0), list_at];
            break;
        }
    }
    for &(d, f, p) in extra {
        middle.add(d, f, p);
    }
    let old = [&docs[docs_at..rest[0]], &positions[lists_at..rest[1]]];
    if [middle.docs.as_bytes(), &middle.positions[..]] == old {
        return Some(Merged::Unchanged);
    }
    if middle.is_empty() && docs_at == 0 && rest[0] == docs.len() {
        return Some(Merged::Gone);
    }
    // What is copied was not all read: it must be varint characters, as the
    // rest of the file's strings (no quote, backslash or other byte that
    // would break the file).
    let copied = [
        &docs[rest[0]..],
        &positions[..lists_at],
        &positions[rest[1]..],
    ];
    if !copied.iter().all(|part| part.is_ascii()) {
        return None;
    }
    let spliced = |old: &[u8], at: usize, new: &[u8], from: usize| {
        let mut out = Vec::with_capacity(old.len() - (from - at) + new.len());
        out.extend_from_slice(&old[..at]);
        out.extend_from_slice(new);
        out.extend_from_slice(&old[from..]);
        out
    };
    let lists = [
        spliced(docs, docs_at, middle.docs.as_bytes(), rest[0]),
        spliced(positions, lists_at, &middle.positions, rest[1]),
    ];
    // The skips: those before the stretch as they were, the stretch's own
    // (it was encoded counting on from them), and those after it moved by
    // what the stretch gained or lost.
    let mut new_skips: Vec<Skip> = skips
        .iter()
        .copied()
        .take_while(|s| s.count <= count_at)
        .collect();
    new_skips.extend(middle.skips.iter().filter_map(|s| {
        Some(Skip {
            docs: u32::try_from(docs_at + s.docs as usize).ok()?,
            positions: u32::try_from(lists_at + s.positions as usize).ok()?,
            ..*s
        })
    }));
    let (gained, lost) = (middle.count - count_at, read);
    new_skips.extend(
        skips
            .iter()
            .filter(|s| s.count >= count_at + lost && rest[0] < docs.len())
            .filter_map(|s| {
                Some(Skip {
                    count: (s.count + gained).checked_sub(lost)?,
                    least: s.least,
                    docs: u32::try_from(
                        (s.docs as usize + docs_at + middle.docs.len()).checked_sub(rest[0])?,
                    )
                    .ok()?,
                    positions: u32::try_from(
                        (s.positions as usize + lists_at + middle.positions.len())
                            .checked_sub(rest[1])?,
                    )
                    .ok()?,
                })
            }),
    );
    new_skips.dedup_by_key(|s| s.count);
    Some(Merged::Lists(lists, new_skips))
}

/// Where the encoded list of positions starting at byte `at` of
/// `positions` ends; `None` if it is malformed or runs past the end.
#[inline(always)]
fn skip_list(positions: &[u8], mut at: usize) -> Option<usize> {
    let len = read_varint(positions, &mut at)?;
    at.checked_add(usize::try_from(len).ok()?)
        .filter(|&end| end <= positions.len())
}

/// The postings of one shard, by key in byte order.
pub type Shard = BTreeMap<String, Posting>;

/// The records of one shard gathered during a full build, compactly: per
/// record its key, the document, the fields and the encoded positions, as
/// bytes. Documents must come in increasing order.
///
/// A record holds its key's text, not a number for it: numbering the keys
/// as they come would look each one up in a table of the shard's keys,
/// and with a news archive's vocabulary the tables of all the shards
/// together outgrow the processor's caches (each look-up then waited for
/// memory). [`finish`](Self::finish) looks them up one shard at a time,
/// in a table that stays in the caches, and the shards are finished in
/// parallel where the records come one by one.
#[derive(Default)]
pub struct ShardBuffer {
    bytes: Vec<u8>,
}

impl ShardBuffer {
    /// Adds one record.
    pub fn push(&mut self, key: &str, doc: u32, fields: u8, positions: &str) {
        push_leb(&mut self.bytes, key.len() as u64);
        self.bytes.extend_from_slice(key.as_bytes());
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
    /// file) until [`finish`](Self::finish).
    pub fn take_records(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }

    /// The shard's postings, the buffer dropped. `spilled` are the records
    /// taken from it before, in order.
    pub fn finish(self, spilled: Vec<u8>) -> Shard {
        let mut bytes = spilled;
        bytes.extend_from_slice(&self.bytes);
        drop(self.bytes);
        // Each key's postings (hashed with FxHash: the keys are the
        // articles' own words).
        let mut postings: rustc_hash::FxHashMap<&[u8], Posting> = Default::default();
        let mut at = 0;
        while let Some((key, doc, fields, positions)) = read_record(&bytes, &mut at) {
            postings
                .entry(key)
                .or_default()
                .add_encoded(doc, fields, positions);
        }
        // Collected, not inserted one by one: a map built from its entries
        // sorts them once and fills its nodes in order. A key is the bytes
        // of a `&str` (see `push`).
        postings
            .into_iter()
            .filter_map(|(key, posting)| Some((String::from_utf8(key.to_vec()).ok()?, posting)))
            .collect()
    }
}

/// Reads the record [`ShardBuffer::push`] wrote at `at`, advancing it:
/// key, document, fields, positions. `None` at the end, or where the bytes
/// end within a record.
fn read_record<'a>(bytes: &'a [u8], at: &mut usize) -> Option<(&'a [u8], u32, u8, &'a [u8])> {
    let piece = |at: &mut usize| {
        let len = usize::try_from(read_leb(bytes, at)?).ok()?;
        let piece = bytes.get(*at..at.checked_add(len)?)?;
        *at += len;
        Some(piece)
    };
    let key = piece(at)?;
    let doc = u32::try_from(read_leb(bytes, at)?).ok()?;
    let fields = *bytes.get(*at)?;
    *at += 1;
    let positions = piece(at)?;
    Some((key, doc, fields, positions))
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
        let mut map = serializer.serialize_map(Some(self.shard.len()))?;
        for (key, p) in self.shard {
            let value = if self.positions {
                // One check of a key's whole list, where its records were
                // added unchecked.
                simdutf8::basic::from_utf8(&p.positions).map_err(S::Error::custom)?
            } else {
                &p.docs
            };
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// The two files of a shard named `names` ([`Layout::names`]): each one's
/// path in the output and its bytes, written by [`super::index::script`].
pub fn files(names: &Names, shard: &Shard) -> [(String, Vec<u8>); 2] {
    [false, true].map(|positions| {
        super::index::script(&names[usize::from(positions)], &Column { shard, positions })
    })
}

/// A record of a shard: key, document, fields and encoded positions.
pub type Record = (String, u32, u8, String);

/// The postings of the documents numbered in `docs` in a previous build's
/// shard named `names`, given its two files' bytes: what one segment hands
/// over to the other when the tail moves on (the oldest of the tail's
/// documents) or back (the newest of the base's). By key in byte order,
/// each key's in document order; `None` if the files are malformed.
pub fn records_in(names: &Names, k: &[u8], p: &[u8], docs: Range<u32>) -> Option<Vec<Record>> {
    let mut records = Vec::new();
    for pair in Pairs::new(names, k, p)? {
        let pair = pair?;
        let key = String::from_utf8(unescape(pair.token, pair.escaped)?.into_owned()).ok()?;
        let mut reader = PositionReader::new(std::str::from_utf8(pair.positions).ok()?);
        for item in postings(pair.docs) {
            let (_, doc, fields) = item?;
            if doc >= docs.end {
                break;
            }
            let list = reader.next_list();
            if list.is_empty() {
                return None;
            }
            if doc >= docs.start {
                records.push((key.clone(), doc, fields, list.to_string()));
            }
        }
    }
    Some(records)
}

/// Updates a previous build's shard named `names`, given its two files'
/// bytes: the postings of the documents `removed` (increasing) are
/// dropped, then `added` records (key, document, fields, positions; in
/// increasing document order per key) are merged in. Keys left with no
/// document go. `None` if the previous data is malformed; `Some(None)` if
/// the shard comes out as it was (an edited document whose words in this
/// shard, and their places, are the same); else the two files' new bytes,
/// the same as [`files`] of the updated shard.
///
/// Both files are walked in lockstep, token by token, and merge-joined with
/// the added keys: a key with no added record and none of its documents
/// removed is kept as it is, without decoding its lists. Nothing is copied
/// until the first entry that changes (see `Spliced`): an edited
/// document leaves most of the shards it is in as they were.
pub fn update(
    names: &Names,
    k: &[u8],
    p: &[u8],
    removed: &[u32],
    added: &[(&str, u32, u8, &str)],
    skips: &ShardSkips,
) -> Option<Updated> {
    let mut kept = Vec::new();
    let mut new: BTreeMap<&str, Vec<Entry<'_>>> = BTreeMap::new();
    for &(key, doc, fields, positions) in added {
        new.entry(key).or_default().push((doc, fields, positions));
    }
    let mut new = new.into_iter().peekable();
    let mut pairs = Pairs::new(names, k, p)?;
    let mut out = Spliced::new([k, p], pairs.starts());
    let mut previous: Option<std::borrow::Cow<'_, [u8]>> = None;
    while let Some(pair) = pairs.next() {
        let Pair {
            token,
            escaped,
            docs,
            positions,
        } = pair?;
        let key = unescape(token, escaped)?;
        if previous.as_ref().is_some_and(|prev| *prev >= key) {
            return None;
        }
        while let Some((key, entries)) = new.next_if(|(new, _)| new.as_bytes() < &*key) {
            push_new(out.changed(), key, &entries, &mut kept)?;
        }
        let extra = new.next_if(|(new, _)| new.as_bytes() == &*key);
        let ends = pairs.ends();
        let old_skips = skips.of(&key);
        let keep_skips = |kept: &mut Vec<(String, Vec<Skip>)>, list: &[Skip]| -> Option<()> {
            if !list.is_empty() {
                kept.push((String::from_utf8(key.to_vec()).ok()?, list.to_vec()));
            }
            Some(())
        };
        if extra.is_none() && !lists_any(docs, removed, old_skips) {
            out.unchanged(token, [docs, positions], ends);
            keep_skips(&mut kept, old_skips)?;
        } else {
            let extra = extra.map(|(_, entries)| entries).unwrap_or_default();
            match merge(docs, positions, removed, &extra, old_skips)? {
                Merged::Unchanged => {
                    out.unchanged(token, [docs, positions], ends);
                    keep_skips(&mut kept, old_skips)?;
                }
                Merged::Gone => push_entry(out.changed(), token, None),
                Merged::Lists([d, p], list) => {
                    push_entry(out.changed(), token, Some([&d, &p]));
                    keep_skips(&mut kept, &list)?;
                }
            }
        }
        previous = Some(key);
    }
    for (key, entries) in new {
        push_new(out.changed(), key, &entries, &mut kept)?;
    }
    let Some(mut files) = out.files else {
        return Some(Updated {
            files: None,
            skips: kept,
        });
    };
    for file in &mut files {
        file.push(b'}');
        file.extend_from_slice(super::index::SCRIPT_TAIL);
    }
    let files = (files[0] != k || files[1] != p).then_some(files);
    Some(Updated { files, skips: kept })
}

/// What [`update`] makes of a shard.
#[derive(Debug, PartialEq, Eq)]
pub struct Updated {
    /// The two files' new bytes; `None` if they come out as they were.
    pub files: Option<[Vec<u8>; 2]>,
    /// The skips of its long lists, by key in byte order (see
    /// [`ShardSkips`]).
    pub skips: Vec<(String, Vec<Skip>)>,
}

/// The two files of a shard being updated: nothing while every entry so
/// far is kept as it was, only how far into the old files that reaches;
/// from the first change on, the new files' bytes.
struct Spliced<'a> {
    old: [&'a [u8]; 2],
    /// How many bytes of each old file the new one starts with.
    kept: [usize; 2],
    files: Option<[Vec<u8>; 2]>,
}

impl<'a> Spliced<'a> {
    /// Files that start as `old` do, up to `kept` bytes (their heads).
    fn new(old: [&'a [u8]; 2], kept: [usize; 2]) -> Self {
        Spliced {
            old,
            kept,
            files: None,
        }
    }

    /// An entry kept as it was, which ends at `ends` in the old files.
    fn unchanged(&mut self, token: &[u8], values: [&[u8]; 2], ends: [usize; 2]) {
        match &mut self.files {
            Some(files) => push_entry(files, token, Some(values)),
            None => self.kept = ends,
        }
    }

    /// The new files, to write a change to: from the first change on, the
    /// old files' kept bytes and what follows them.
    fn changed(&mut self) -> &mut [Vec<u8>; 2] {
        let (old, kept) = (self.old, self.kept);
        self.files.get_or_insert_with(|| {
            [0, 1].map(|i| {
                let mut file = Vec::with_capacity(old[i].len() + 1024);
                file.extend_from_slice(&old[i][..kept[i]]);
                file
            })
        })
    }
}

/// The key of a JSON string token (quotes included) as bytes: the token's
/// own inside unless it holds an escape. `None` if it is not a string.
fn unescape(token: &[u8], escaped: bool) -> Option<std::borrow::Cow<'_, [u8]>> {
    if escaped {
        let key: String = serde_json::from_slice(token).ok()?;
        Some(key.into_bytes().into())
    } else {
        Some(token.get(1..token.len().checked_sub(1)?)?.into())
    }
}

/// The start of a file written by [`super::index::script`] for `name`, up
/// to its data's opening brace.
fn head(name: &str) -> String {
    super::index::script_head(name) + "{"
}

/// Appends a key that the previous shard did not have, with its entries,
/// its token escaped as `serde_json` does.
fn push_new(
    files: &mut [Vec<u8>; 2],
    key: &str,
    entries: &[Entry<'_>],
    skips: &mut Vec<(String, Vec<Skip>)>,
) -> Option<()> {
    let token = serde_json::to_vec(key).ok()?;
    let posting = encode(entries);
    push_entry(files, &token, posting.values());
    if !posting.skips.is_empty() {
        skips.push((key.to_string(), posting.skips));
    }
    Some(())
}

/// Appends one entry (a key's JSON string token and its `k/` and `p/`
/// strings) to both files being written; nothing for `None`, a key left
/// with no document.
fn push_entry(files: &mut [Vec<u8>; 2], token: &[u8], values: Option<[&[u8]; 2]>) {
    let Some(values) = values else {
        return;
    };
    for (file, value) in files.iter_mut().zip(values) {
        if file.last() != Some(&b'{') {
            file.push(b',');
        }
        file.extend_from_slice(token);
        file.extend_from_slice(b":\"");
        file.extend_from_slice(value);
        file.push(b'"');
    }
}

/// Whether the posting list `docs` (a `k/` string) lists any of the
/// documents `removed` (increasing), read from the last of its `skips`
/// before the first of them and only until its documents pass the largest.
/// Also true where it is malformed, for [`merge`] to say so.
fn lists_any(docs: &[u8], removed: &[u32], skips: &[Skip]) -> bool {
    let first = removed.first().copied().unwrap_or(u32::MAX);
    // The positions are not read: no skip is out of their bounds.
    let mut list = postings_before(docs, usize::MAX, skips, first).0;
    // The first document at or after the last removed one sought.
    let mut reached: Option<u32> = None;
    for &r in removed {
        if let Some(doc) = reached.filter(|&doc| doc >= r) {
            if doc == r {
                return true;
            }
            continue;
        }
        match list.seek(r) {
            None => return true,
            Some((_, None)) => return false,
            Some((_, Some((_, doc, _)))) if doc == r => return true,
            Some((_, Some((_, doc, _)))) => reached = Some(doc),
        }
    }
    false
}

/// One entry of a shard's file, not decoded.
struct Token<'a> {
    /// The key's JSON string token, quotes included.
    key: &'a [u8],
    /// Whether the key holds an escape.
    escaped: bool,
    /// The value's characters, quotes excluded.
    value: &'a [u8],
}

/// The entries of one file of a shard (`k/<n>` or `p/<n>`) as [`Token`]s;
/// a `None` item where the file is malformed, and no more.
struct Entries<'a> {
    /// The JSON object's inside, between its braces.
    body: &'a [u8],
    at: usize,
    /// Where `body` starts in the file.
    start: usize,
}

impl<'a> Entries<'a> {
    /// The entries of `bytes`, a file written by [`super::index::script`]
    /// for `name`; `None` if it is not one.
    fn new(bytes: &'a [u8], name: &str) -> Option<Self> {
        let head = head(name);
        let body = bytes
            .strip_prefix(head.as_bytes())?
            .strip_suffix(super::index::SCRIPT_TAIL)?
            .strip_suffix(b"}")?;
        Some(Entries {
            body,
            at: 0,
            start: head.len(),
        })
    }

    /// Where the entries read so far end in the file.
    fn end(&self) -> usize {
        self.start + self.at
    }

    /// Reads one entry at `at`, after a comma unless it is the first.
    fn entry(&mut self) -> Option<Token<'a>> {
        if self.at > 0 {
            self.expect(b',')?;
        }
        let (key, escaped) = self.string()?;
        self.expect(b':')?;
        // Varint digits only: no escape.
        let (value, false) = self.string()? else {
            return None;
        };
        Some(Token {
            key,
            escaped,
            value: value.get(1..value.len() - 1)?,
        })
    }

    /// Reads the byte `b` at `at`.
    fn expect(&mut self, b: u8) -> Option<()> {
        (self.body.get(self.at) == Some(&b)).then(|| self.at += 1)
    }

    /// Reads a JSON string token at `at`, quotes included, and whether it
    /// holds an escape.
    fn string(&mut self) -> Option<(&'a [u8], bool)> {
        let start = self.at;
        self.expect(b'"')?;
        let mut escaped = false;
        loop {
            let rest = self.body.get(self.at..)?;
            let i = self.at + memchr::memchr2(b'"', b'\\', rest)?;
            if self.body.get(i) == Some(&b'"') {
                self.at = i + 1;
                return Some((self.body.get(start..self.at)?, escaped));
            }
            escaped = true;
            self.at = i + 2;
        }
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Option<Token<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.body.len() {
            return None;
        }
        let entry = self.entry();
        if entry.is_none() {
            self.at = self.body.len();
        }
        Some(entry)
    }
}

/// The entries of a shard's two files (`k/` and `p/` or the tail's), read
/// in lockstep: each key with its values in both. A `None` item where a
/// file is malformed or the two disagree (another key, one longer than the
/// other), and no more.
struct Pairs<'a> {
    keys: Entries<'a>,
    lists: Entries<'a>,
}

/// One key of a shard, in both of its files.
struct Pair<'a> {
    /// The key's JSON string token, quotes included.
    token: &'a [u8],
    /// Whether the key holds an escape.
    escaped: bool,
    /// Its `k/` string: documents and fields.
    docs: &'a [u8],
    /// Its `p/` string: positions.
    positions: &'a [u8],
}

impl<'a> Pairs<'a> {
    /// The entries of the files named `names`, given their bytes; `None` if
    /// they are not such files.
    fn new(names: &Names, k: &'a [u8], p: &'a [u8]) -> Option<Self> {
        Some(Pairs {
            keys: Entries::new(k, &names[0])?,
            lists: Entries::new(p, &names[1])?,
        })
    }

    /// Where the entries start in each file.
    fn starts(&self) -> [usize; 2] {
        [self.keys.start, self.lists.start]
    }

    /// Where the entries read so far end in each file.
    fn ends(&self) -> [usize; 2] {
        [self.keys.end(), self.lists.end()]
    }

    fn pair(&mut self, entry: Option<Token<'a>>) -> Option<Pair<'a>> {
        let keys = entry?;
        let lists = self.lists.next()??;
        (keys.key == lists.key).then_some(Pair {
            token: keys.key,
            escaped: keys.escaped,
            docs: keys.value,
            positions: lists.value,
        })
    }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = Option<Pair<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let Some(entry) = self.keys.next() else {
            // Both end together, or the positions are longer.
            return self.lists.next().map(|_| None);
        };
        let pair = self.pair(entry);
        if pair.is_none() {
            self.keys.at = self.keys.body.len();
            self.lists.at = self.lists.body.len();
        }
        Some(pair)
    }
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

    /// The names of base shard `n` (below 2,048).
    fn base(n: u32) -> Names {
        Layout::new(100_000).names(n)
    }

    #[test]
    fn the_tail_holds_the_newest_documents_in_fewer_shards() {
        let layout = Layout::new(100_000);
        assert_eq!((layout.shards, layout.tail_shards), (2048, 16));
        // Steps of 1,024: 97 × 1,024 = 99,328.
        assert_eq!(layout.tail_start, 99_328);
        assert_eq!(Layout::new(99_328).tail_start, 99_328, "an empty tail");
        assert_eq!(Layout::new(100_351).tail_start, 99_328);
        let key = "سور";
        let shard = shard_of(key, 2048);
        assert_eq!(layout.slot(key, 99_327), shard);
        let tail = layout.slot(key, 99_328);
        assert_eq!(tail, 2048 + shard_of(key, 16));
        assert_eq!(
            layout.names(shard),
            [format!("k/{shard}"), format!("p/{shard}")]
        );
        let t = tail - 2048;
        assert_eq!(layout.names(tail), [format!("kt/{t}"), format!("pt/{t}")]);
        // Small indexes: one tail shard, steps of half a document per
        // shard, and of two at least.
        let small = Layout::new(2_001);
        assert_eq!(
            (small.shards, small.tail_shards, small.tail_start),
            (32, 1, 2_000)
        );
        assert_eq!(
            Layout::new(0),
            Layout {
                shards: 1,
                tail_shards: 1,
                tail_start: 0
            }
        );
        assert_eq!(Layout::new(3).tail_start, 2, "steps of two");
        assert_eq!(Layout::new(130).tail_start, 130, "4 shards, steps of two");
        assert_eq!(Layout::new(302).tail_start, 300, "8 shards, steps of 4");
    }

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
        assert_eq!(buffer.held(), 8, "the last record only");
        assert_eq!(buffer.finish(spilled), want);
    }

    proptest::proptest! {
        /// A buffer builds what adding each record to its key's posting
        /// builds, whatever its keys (short, long, Arabic, sharing a start)
        /// and wherever its records are spilled.
        #[test]
        fn buffers_build_what_postings_build_wherever_spilled(
            docs in proptest::collection::vec(
                proptest::collection::btree_map(
                    "[ab]{1,3}|سور[يةا]{0,2}|[a-z]{15,20}",
                    (1u8..8, "[0-9A-Za-z]{1,6}"),
                    0..6,
                ),
                0..12,
            ),
            spill_after in proptest::collection::vec(proptest::bool::ANY, 12),
        ) {
            let mut buffer = ShardBuffer::default();
            let mut want = Shard::new();
            let mut spilled = Vec::new();
            for (doc, records) in (0u32..).zip(&docs) {
                for (key, (fields, pos)) in records {
                    buffer.push(key, doc, *fields, pos);
                    want.entry(key.clone()).or_default().add(doc, *fields, pos);
                }
                if spill_after[doc as usize] {
                    spilled.extend(buffer.take_records());
                }
            }
            proptest::prop_assert_eq!(buffer.finish(spilled), want);
        }
    }

    #[test]
    fn lists_any_finds_a_removed_document_behind_the_last_one_sought() {
        let mut list = Posting::default();
        for doc in [3, 7, 40] {
            list.add(doc, 1, "10");
        }
        let docs = list.docs.as_bytes();
        for (removed, want) in [
            (&[][..], false),
            (&[3], true),
            (&[5, 6], false),
            // 5 is sought, and 7 found, before 7 is.
            (&[5, 7], true),
            (&[5, 8, 40], true),
            (&[41], false),
        ] {
            assert_eq!(lists_any(docs, removed, &[]), want, "{removed:?}");
        }
    }

    #[test]
    fn merges_refuse_to_copy_what_is_no_varint() {
        // Two documents, the first's positions two bytes that are no
        // varint characters (é): skipped, not read, when the second goes.
        let positions = "2\u{e9}10".as_bytes();
        assert_eq!(merge(b"11", positions, &[1], &[], &[]), None);
        assert_eq!(
            merge(b"11", b"2aa10", &[1], &[], &[]),
            Some(Merged::Lists([b"1".to_vec(), b"2aa".to_vec()], Vec::new()))
        );
        assert_eq!(
            merge(b"11", b"2aa10", &[2], &[], &[]),
            Some(Merged::Unchanged)
        );
        // An edited document that comes back as it was.
        let echo = [(1, 1, "10")];
        assert_eq!(
            merge(b"11", b"2aa10", &[1], &echo, &[]),
            Some(Merged::Unchanged)
        );
        assert_eq!(merge(b"1", b"10", &[0], &[], &[]), Some(Merged::Gone));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// Seeking through a posting list finds what stepping through it
        /// finds, and `lists_any` says what a search of the list says.
        #[test]
        fn seeking_equals_stepping(
            listed in proptest::collection::btree_map(0u32..100_000, 0u8..8, 0..200),
            targets in proptest::collection::btree_set(0u32..100_001, 0..6),
        ) {
            let mut list = Posting::default();
            for (&doc, &fields) in &listed {
                list.add(doc, fields, "10");
            }
            let docs = list.docs.as_bytes();
            let stepped: Vec<Listed> = postings(docs).map(Option::unwrap).collect();
            let mut seeking = postings(docs);
            let mut from = 0;
            for &target in &targets {
                let (passed, found) = seeking.seek(target).unwrap();
                // Each seek starts after the document the last one found.
                let below = stepped[from.min(stepped.len())..].iter().take_while(|p| p.1 < target).count();
                proptest::prop_assert_eq!(passed.count, below);
                proptest::prop_assert_eq!(passed.last, (below > 0).then(|| stepped[from + below - 1].1));
                proptest::prop_assert_eq!(found, stepped.get(from + below).copied());
                from += below + 1;
            }
            let removed: Vec<u32> = targets.iter().copied().collect();
            proptest::prop_assert_eq!(
                lists_any(docs, &removed, &[]),
                removed.iter().any(|r| listed.contains_key(r))
            );
            proptest::prop_assert_eq!(
                lists_any(docs, &removed, &list.skips),
                removed.iter().any(|r| listed.contains_key(r))
            );
        }

        /// Merging into a previous posting list (reading only up to the last
        /// change and copying the rest) gives the list built from scratch.
        #[test]
        fn merging_equals_building_anew(
            old in proptest::collection::btree_map(0u32..300, (1u8..8, proptest::collection::btree_set(0u32..5000, 1..40)), 0..60),
            gone in proptest::collection::vec(proptest::bool::weighted(0.1), 300),
            new in proptest::collection::btree_map(0u32..320, (1u8..8, proptest::collection::btree_set(0u32..5000, 1..40)), 0..6),
            (from, width) in (0u32..320, 1u32..330),
        ) {
            // Changes fall in a window: narrow ones leave lists to copy on
            // both sides, as an edited story does.
            let inside = |doc: u32| (from..from.saturating_add(width)).contains(&doc);
            let encoded = |fields: u8, list: &std::collections::BTreeSet<u32>| {
                let mut s = String::new();
                super::super::index::push_positions(&mut s, &list.iter().copied().collect::<Vec<_>>());
                (fields, s)
            };
            let old: Vec<(u32, (u8, String))> =
                old.iter().map(|(&d, (f, l))| (d, encoded(*f, l))).collect();
            let removed = |doc: u32| inside(doc) && gone[doc as usize % gone.len()];
            // Documents come back only where they went or were not there.
            let extra: Vec<(u32, (u8, String))> = new
                .iter()
                .filter(|(d, _)| inside(**d))
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
            let removed_docs: Vec<u32> = (0..320).filter(|&d| removed(d)).collect();
            let fresh = encode(&want);
            // With the previous list's skips and without: the same lists.
            for skips in [&previous.skips[..], &[]] {
                let merged = merge(previous.docs.as_bytes(), &previous.positions, &removed_docs, &extra, skips);
                match merged {
                    Some(Merged::Unchanged) => proptest::prop_assert_eq!(&fresh.values(), &previous.values()),
                    Some(Merged::Gone) => proptest::prop_assert!(fresh.is_empty()),
                    Some(Merged::Lists([d, p], new_skips)) => {
                        proptest::prop_assert_ne!(&fresh.values(), &previous.values());
                        proptest::prop_assert_eq!(Some([&d[..], &p[..]]), fresh.values());
                        if !skips.is_empty() {
                            assert_skips_hold(&d, &p, &new_skips);
                            // No stretch of more than twice the spacing without one.
                            let counts: Vec<u32> = [0].into_iter().chain(new_skips.iter().map(|s| s.count)).chain([fresh.count]).collect();
                            proptest::prop_assert!(counts.windows(2).all(|w| w[1] - w[0] <= 2 * SKIP_EVERY), "{counts:?}");
                        }
                    }
                    None => proptest::prop_assert!(false, "refused its own list"),
                }
            }
        }
    }

    /// Each skip is where reading the lists `docs` and `positions` from
    /// their start reaches it: the same place in both, and the same least
    /// next document.
    fn assert_skips_hold(docs: &[u8], positions: &[u8], skips: &[Skip]) {
        let mut list = postings(docs);
        let (mut count, mut list_at, mut last) = (0, 0, None);
        for skip in skips {
            while count < skip.count {
                let Step::At(_, doc, _) = list.step() else {
                    panic!("{skip:?} is past the list's end");
                };
                list_at = skip_list(positions, list_at).unwrap();
                last = Some(doc as u32);
                count += 1;
            }
            assert_eq!(
                (list.at, list_at, last.map(|l| l + 1)),
                (
                    skip.docs as usize,
                    skip.positions as usize,
                    Some(skip.least)
                ),
                "{skip:?}"
            );
        }
    }

    #[test]
    fn lists_are_given_skips_that_hold_as_they_grow() {
        let mut list = Posting::default();
        for doc in 0..20 {
            list.add(doc * 3, 1, if doc % 2 == 0 { "10" } else { "223" });
        }
        let counts: Vec<u32> = list.skips.iter().map(|s| s.count).collect();
        assert_eq!(counts, [3, 6, 9, 12, 15, 18]);
        assert_skips_hold(list.docs.as_bytes(), &list.positions, &list.skips);
        // A seek from a skip finds what one from the start finds.
        for target in [0, 10, 31, 59, 60] {
            let (mut from_skip, passed, _, _) = postings_before(
                list.docs.as_bytes(),
                list.positions.len(),
                &list.skips,
                target,
            );
            let (mut from_start, _, _, _) =
                postings_before(list.docs.as_bytes(), list.positions.len(), &[], target);
            let a = from_skip.seek(target).unwrap();
            let b = from_start.seek(target).unwrap();
            assert_eq!(
                (passed as usize + a.0.count, a.1),
                (b.0.count, b.1),
                "{target}"
            );
        }
    }

    /// A shard of `(key, document, fields, positions)` records, in order.
    fn shard_of_records(records: &[(&str, u32, u8, &str)]) -> Shard {
        let mut shard = Shard::new();
        for &(key, doc, fields, pos) in records {
            shard
                .entry(key.to_string())
                .or_default()
                .add(doc, fields, pos);
        }
        shard
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
        let old = shard_of_records(&records);
        let [(_, k), (_, p)] = files(&base(7), &old);
        // Document 1 edited (now only "b"), document 3 added.
        let added = [("b", 1, 1, "10"), ("a", 3, 1, "10"), ("d", 3, 2, "15")];
        let updated = update(&base(7), &k, &p, &[1], &added, &ShardSkips::default())
            .unwrap()
            .files
            .unwrap();
        let fresh = shard_of_records(&[
            ("a", 0, 1, "11"),
            ("b", 0, 2, "10"),
            ("b", 1, 1, "10"),
            ("a", 2, 2, "13"),
            ("a", 3, 1, "10"),
            ("d", 3, 2, "15"),
        ]);
        assert_eq!(updated, files(&base(7), &fresh).map(|(_, bytes)| bytes));
        assert!(
            !updated
                .iter()
                .any(|file| file.windows(4).any(|w| w == b"\"c\":")),
            "a key with no document goes"
        );

        // Document 1 edited with the same words at the same places: the
        // shard is as it was. A word less, a place more or other fields:
        // it is not.
        let update_1 = |records: &[(&str, u32, u8, &str)]| {
            update(&base(7), &k, &p, &[1], records, &ShardSkips::default())
                .unwrap()
                .files
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

    #[test]
    fn the_records_in_a_range_of_documents_are_read_back() {
        let records = [
            ("a", 0, 1, "11"),
            ("b\"q", 1, 2, "2a4"),
            ("a", 2, 2, "13"),
            ("a", 3, 1, "10"),
            ("c", 4, 2, "15"),
        ];
        let shard = shard_of_records(&records);
        let [(_, k), (_, p)] = files(&base(5), &shard);
        let owned = |list: &[(&str, u32, u8, &str)]| -> Vec<Record> {
            list.iter()
                .map(|&(key, doc, fields, pos)| (key.to_string(), doc, fields, pos.to_string()))
                .collect()
        };
        let mut want: Vec<Record> = owned(&records).into_iter().filter(|r| r.1 < 3).collect();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(records_in(&base(5), &k, &p, 0..3), Some(want));
        assert_eq!(records_in(&base(5), &k, &p, 0..0), Some(Vec::new()));
        // The newest of them, as the base hands them back to the tail.
        let newest = owned(&[("a", 2, 2, "13"), ("a", 3, 1, "10"), ("c", 4, 2, "15")]);
        assert_eq!(records_in(&base(5), &k, &p, 2..9), Some(newest));
        assert_eq!(
            records_in(&base(4), &k, &p, 0..3),
            None,
            "another shard's name"
        );
        let cut = &p[..p.len() - 6];
        assert_eq!(
            records_in(&base(5), &k, cut, 0..9),
            None,
            "positions cut short"
        );
    }

    /// A shard file given as `(key, value)` tokens, as JSON written raw.
    fn raw(name: &str, entries: &[(&str, &str)]) -> Vec<u8> {
        let body: Vec<String> = entries.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        format!("arshifSearch(\"{name}\",{{{}}});\n", body.join(",")).into_bytes()
    }

    #[test]
    fn malformed_shards_are_refused() {
        let k = raw("k/3", &[(r#""a""#, r#""1""#), (r#""b""#, r#""9""#)]);
        let p = raw("p/3", &[(r#""a""#, r#""10""#), (r#""b""#, r#""10""#)]);
        let no_skips = ShardSkips::default();
        let update = |k: &[u8], p: &[u8], removed: &[u32]| {
            update(&base(3), k, p, removed, &[], &no_skips).map(|u| u.files)
        };
        assert_eq!(update(&k, &p, &[]), Some(None));
        assert_eq!(update(&k, &p, &[0, 1]).map(|f| f.is_some()), Some(true));
        for (k, p) in [
            (
                raw("k/4", &[(r#""a""#, r#""1""#), (r#""b""#, r#""9""#)]),
                p.clone(),
            ),
            (k.clone(), k.clone()),
            (k[..k.len() - 1].to_vec(), p.clone()),
            (raw("k/3", &[(r#""a""#, r#""1""#)]), p.clone()),
            (
                raw("k/3", &[(r#""a""#, r#""1""#), (r#""c""#, r#""9""#)]),
                p.clone(),
            ),
            (
                raw("k/3", &[(r#""a""#, r#""1""#), (r#""b""#, r#""\u0039""#)]),
                p.clone(),
            ),
            (
                raw("k/3", &[(r#""a""#, r#""1""#), (r#""b""#, r#""9"#)]),
                p.clone(),
            ),
            (
                raw("k/3", &[(r#""b""#, r#""1""#), (r#""a""#, r#""9""#)]),
                raw("p/3", &[(r#""b""#, r#""10""#), (r#""a""#, r#""10""#)]),
            ),
        ] {
            assert_eq!(update(&k, &p, &[]), None, "{}", String::from_utf8_lossy(&k));
        }
    }

    /// Keys of one to three characters among a few, some of which JSON
    /// escapes, so that old and new keys often meet.
    const KEYS: &str = "[ab\"\\\\\n\u{1}\u{627}]{0,3}";

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// Splicing a shard's files gives the files of the shard built anew,
        /// or `Some(None)` exactly when those are the files as they were.
        #[test]
        fn splicing_equals_building_anew(
            n in 0u32..4,
            old in proptest::collection::btree_map(
                KEYS,
                proptest::collection::btree_map(0u32..40, (1u8..8, proptest::collection::btree_set(0u32..3000, 1..5)), 1..8),
                0..12,
            ),
            changed in proptest::collection::btree_set(0u32..48, 0..5),
            echo in proptest::collection::vec(proptest::bool::ANY, 5),
            new in proptest::collection::vec((KEYS, 0usize..5, 1u8..8, proptest::collection::btree_set(0u32..3000, 1..5)), 0..10),
        ) {
            let encoded = |list: &std::collections::BTreeSet<u32>| {
                let mut s = String::new();
                super::super::index::push_positions(&mut s, &list.iter().copied().collect::<Vec<_>>());
                s
            };
            let changed: Vec<u32> = changed.into_iter().collect();
            // The previous documents are 0 to 39: a changed one among them
            // is removed, and comes back with its records as they were
            // (`echo`) or with new ones.
            let removed: Vec<u32> = changed.iter().copied().filter(|&d| d < 40).collect();
            let mut records: BTreeMap<(u32, String), (u8, String)> = BTreeMap::new();
            for (i, &doc) in changed.iter().enumerate() {
                if echo[i] && doc < 40 {
                    for (key, docs) in &old {
                        if let Some((fields, list)) = docs.get(&doc) {
                            records.insert((doc, key.clone()), (*fields, encoded(list)));
                        }
                    }
                }
            }
            for (key, i, fields, list) in &new {
                let i = i % changed.len().max(1);
                if let Some(&doc) = changed.get(i) {
                    if !(echo[i] && doc < 40) {
                        records.entry((doc, key.clone())).or_insert((*fields, encoded(list)));
                    }
                }
            }
            let added: Vec<(&str, u32, u8, &str)> = records
                .iter()
                .map(|((doc, key), (fields, positions))| (key.as_str(), *doc, *fields, positions.as_str()))
                .collect();

            let mut before = Shard::new();
            let mut fresh: BTreeMap<(u32, &str), (u8, String)> = BTreeMap::new();
            for (key, docs) in &old {
                for (&doc, (fields, list)) in docs {
                    before.entry(key.clone()).or_default().add(doc, *fields, &encoded(list));
                    if removed.binary_search(&doc).is_err() {
                        fresh.insert((doc, key), (*fields, encoded(list)));
                    }
                }
            }
            for &(key, doc, fields, positions) in &added {
                fresh.insert((doc, key), (fields, positions.to_string()));
            }
            let mut after = Shard::new();
            for ((doc, key), (fields, positions)) in &fresh {
                after.entry(key.to_string()).or_default().add(*doc, *fields, positions);
            }

            let [k, p] = files(&base(n), &before).map(|(_, bytes)| bytes);
            let want = files(&base(n), &after).map(|(_, bytes)| bytes);
            // With the skips of the shard before and without: the same files;
            // with them, skips that hold for the lists after.
            let skips = ShardSkips::of_shard(&before, [0; 2]);
            for skips in [&skips, &ShardSkips::default()] {
                let Some(updated) = update(&base(n), &k, &p, &removed, &added, skips) else {
                    proptest::prop_assert!(false, "refused its own files");
                    continue;
                };
                match updated.files {
                    None => proptest::prop_assert_eq!(&want, &[k.clone(), p.clone()]),
                    Some(got) => {
                        proptest::prop_assert_ne!(&got, &[k.clone(), p.clone()]);
                        proptest::prop_assert_eq!(&got, &want);
                    }
                }
                for (key, list) in &updated.skips {
                    let posting = &after[key];
                    assert_skips_hold(posting.docs.as_bytes(), &posting.positions, list);
                }
                if !skips.keys.is_empty() {
                    // Every list long enough to have skips keeps some.
                    let kept: Vec<&String> = updated.skips.iter().map(|(k, _)| k).collect();
                    let long = after.iter().filter(|(_, p)| p.count > 2 * SKIP_EVERY);
                    for (key, _) in long {
                        proptest::prop_assert!(kept.contains(&key), "{key:?} lost its skips");
                    }
                }
            }
        }
    }
}
