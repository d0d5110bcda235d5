//! Writing the index into the output, in one of two ways that give the same
//! bytes:
//!
//! - **in full** ([`write()`] without a usable [`State`]): documents are
//!   analyzed in parallel, a batch at a time, and each record (key,
//!   document, fields, positions) is routed into its shard's compact buffer
//!   ([`ShardBuffer`]), and the buffers are spilled to files beside the
//!   output whenever they hold more than `SPILL_BYTES`; the shards are
//!   then built and written in parallel, each buffer dropped as soon as its
//!   files are written. Nothing holds every document's analysis, nor one
//!   map of every key.
//! - **by update**, when a previous build left its [`State`] (kept in the
//!   build cache) and this build patches its output: each document's
//!   identity (a hash of all it gives the index) says which documents
//!   changed. When few did (edited in place, added or removed at the
//!   newest end) and the shard count is the same, only those documents are
//!   analyzed; the shards they touched before or touch now, and the
//!   document chunks they are in, are read from the previous output,
//!   updated and written again. Every other shard and chunk is kept as it
//!   is. When the tail moved on ([`Layout`]), the documents it hands over
//!   to the base are taken from its files, not analyzed again.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64_with_seed, Xxh3};

use super::index::{
    extract_spans, push_positions, script, script_path, tag_words, DOC_CHUNK, FACET_CHUNK,
    FACET_SAMPLE, GAP, TAG,
};
use super::shard::{self, push_leb, read_leb, Layout, Names, Shard, ShardBuffer, ShardSkips};
use crate::error::{Error, Result};
use crate::mapped::Bytes;
use crate::output::Output;
use crate::render::context::Links;
use crate::site::{Article, Site};

/// Documents analyzed together in a full build (a multiple of
/// [`DOC_CHUNK`], so that each batch writes whole document chunks).
const BATCH: usize = 100 * DOC_CHUNK;

/// A full build keeps at most about this many bytes of records in memory;
/// beyond, each shard's records are appended to a file of its own.
const SPILL_BYTES: usize = 64 << 20;

/// A build updates the index only when at most this many documents
/// changed, or one in [`UPDATE_SHARE`] of them if that is more; beyond, a
/// full build is about as fast.
const UPDATE_MIN: usize = 32;
/// See [`UPDATE_MIN`].
const UPDATE_SHARE: usize = 100;

/// A document's records are hashed in this many groups, by slot (its
/// number modulo this): an update keeps, without reading them, the shards
/// of an edited document whose group's hash is the one it had (see
/// [`Groups`]).
const GROUPS: usize = 64;

/// The hash of a document's records in each group of slots: the wrapping
/// sum of their hashes (see [`add_record`]), so the order they come in does not
/// matter. An edit that leaves a group's records as they were (a typo
/// fixed, a paragraph added at the end: the other words keep their places)
/// leaves its hash; with 64 bits, a changed group keeps its hash by chance
/// about once in 2^64 edits.
type Groups = [u64; GROUPS];

/// The bytes of one document's [`Groups`] in the build cache.
const GROUP_BYTES: usize = GROUPS * 8;

/// Adds a record (its slot, fields, key and encoded positions) to `groups`.
fn add_record(groups: &mut Groups, slot: u32, fields: u8, key: &str, positions: &str) {
    let seed = (u64::from(slot) << 8) | u64::from(fields);
    let hash = xxh3_64_with_seed(
        positions.as_bytes(),
        xxh3_64_with_seed(key.as_bytes(), seed),
    );
    let group = &mut groups[slot as usize % GROUPS];
    *group = group.wrapping_add(hash);
}

/// What a build leaves for the next one to update the index: the shard
/// count and, per document (numbered oldest first), its identity and the
/// shards it has keys in, as slots of the index's [`Layout`].
#[derive(Clone, Debug, Default)]
pub struct State {
    shards: u32,
    docs: Vec<DocState>,
    /// The documents whose state may differ from the one at the same
    /// place of the state this one was loaded as (see
    /// [`State::from_chunks`]), increasing, removed ones included; `None`
    /// when that is not known (built in full, or from a state so): any may.
    changed: Option<Vec<u32>>,
    /// By slot, where its long posting lists may be read from (see
    /// [`ShardSkips`]); fewer (none) when not known.
    skips: Vec<ShardSkips>,
}

/// Two states are equal when they hold the same documents: what they know
/// of where they come from is not compared.
impl PartialEq for State {
    fn eq(&self, other: &State) -> bool {
        self.shards == other.shards && self.docs == other.docs
    }
}

impl Eq for State {}

impl State {
    /// The shard count the index was laid out with.
    pub fn shards(&self) -> u32 {
        self.shards
    }

    /// By slot, where the long posting lists of its files may be read
    /// from: kept by the build cache, so that an edited story's update
    /// reads the lists of the commonest words from near its place, not from
    /// their start. Each slot's hold only for the files they were taken
    /// from (by their fingerprints), and are not used otherwise.
    pub fn skips(&self) -> &[ShardSkips] {
        &self.skips
    }

    /// The state with the slots' `skips` (see [`State::skips`]).
    pub fn with_skips(self, skips: Vec<ShardSkips>) -> State {
        State { skips, ..self }
    }

    /// Its documents, oldest first, in runs of `size` (the last may be
    /// shorter): the build cache stores each in a file of its own, so that
    /// a build that adds a story or edits one writes one run, not all.
    ///
    /// Each run comes with whether it may have changed since the state was
    /// loaded (see [`State::from_chunks`]): `false` only when none of the
    /// documents of its place changed, nor was added or removed there,
    /// which a run that the state was loaded with, of the same place and
    /// length, then holds as it is.
    pub fn chunks(&self, size: usize) -> impl Iterator<Item = (StateChunk<'_>, bool)> {
        let size = size.max(1);
        self.docs.chunks(size).enumerate().map(move |(i, docs)| {
            let place = i * size..(i + 1) * size;
            let changed = self.changed.as_ref().is_none_or(|changed| {
                let first = changed.partition_point(|&d| (d as usize) < place.start);
                changed
                    .get(first)
                    .is_some_and(|&d| place.contains(&(d as usize)))
            });
            let chunk = StateChunk {
                docs: Cow::Borrowed(docs),
                groups: crate::mapped::Slice::default(),
            };
            (chunk, changed)
        })
    }

    /// The state of `shards` shards whose documents are `chunks`, in order:
    /// the inverse of [`State::shards`] and [`State::chunks`]. It is the
    /// state it was loaded as: none of its documents changed.
    pub fn from_chunks(shards: u32, chunks: Vec<StateChunk<'_>>) -> State {
        let mut docs = Vec::with_capacity(chunks.iter().map(StateChunk::len).sum());
        for chunk in chunks {
            let start = docs.len();
            let known = chunk.groups.len() == chunk.len() * GROUP_BYTES;
            docs.extend(chunk.docs.into_owned());
            if known {
                for (i, doc) in docs[start..].iter_mut().enumerate() {
                    doc.groups = chunk.groups.part(i * GROUP_BYTES..(i + 1) * GROUP_BYTES);
                }
            }
        }
        State {
            shards,
            docs,
            changed: Some(Vec::new()),
            skips: Vec::new(),
        }
    }

    /// A state of `shards` shards whose documents are `docs`, oldest
    /// first, each an identity and the shards it has keys in (increasing):
    /// for tests of the code that stores states.
    #[cfg(test)]
    pub(crate) fn of(shards: u32, docs: impl IntoIterator<Item = (u64, Vec<u32>)>) -> State {
        let docs = docs
            .into_iter()
            .map(|(identity, list)| DocState::new(identity, &list, None))
            .collect();
        State {
            shards,
            docs,
            changed: None,
            skips: Vec::new(),
        }
    }

    /// This state with the document numbered `doc` given the identity
    /// `identity`, as an update that changed it would: for tests of the
    /// code that stores states.
    #[cfg(test)]
    pub(crate) fn edited(mut self, doc: usize, identity: u64) -> State {
        self.docs[doc].identity = identity;
        if let Some(changed) = &mut self.changed {
            changed.push(doc as u32);
            changed.sort_unstable();
            changed.dedup();
        }
        self
    }
}

/// A run of consecutive documents of a [`State`] (see [`State::chunks`]):
/// borrowed from the state when written, owned when read back. Serialized
/// as the list of their states, then the hashes of their records by group
/// of shards, end to end (or nothing if one's are not known), which a build
/// that reads the chunk leaves where they lie, unread but for the
/// documents an update edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateChunk<'a> {
    docs: Cow<'a, [DocState]>,
    /// Read back: the documents' groups, end to end. Written: made from
    /// the documents' when the chunk is encoded.
    groups: crate::mapped::Slice,
}

impl StateChunk<'_> {
    /// How many documents it holds.
    pub(crate) fn len(&self) -> usize {
        self.docs.len()
    }
}

impl Serialize for StateChunk<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let mut groups = Vec::new();
        if self.docs.iter().all(|d| d.groups.len() == GROUP_BYTES) {
            groups.reserve(self.docs.len() * GROUP_BYTES);
            for doc in self.docs.iter() {
                groups.extend_from_slice(&doc.groups);
            }
        }
        (&*self.docs, crate::mapped::Slice::from(groups)).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for StateChunk<'static> {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let (docs, groups) = <(Vec<DocState>, crate::mapped::Slice)>::deserialize(deserializer)?;
        Ok(StateChunk {
            docs: Cow::Owned(docs),
            groups,
        })
    }
}

/// One document's part of the [`State`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct DocState {
    /// A hash of everything the document gives the index.
    identity: u64,
    /// The shards it has keys in: increasing, as gaps in LEB128 varints
    /// (read back from the build cache, left where they lie: see
    /// [`crate::mapped::Slice`]).
    shards: crate::mapped::Slice,
    /// Its records' [`Groups`], each as eight bytes, little-endian (left
    /// where they lie too); empty when not known. Kept apart in the cache
    /// (see [`StateChunk`]).
    #[serde(skip)]
    groups: crate::mapped::Slice,
}

impl DocState {
    fn new(identity: u64, shards: &[u32], groups: Option<&Groups>) -> DocState {
        let mut bytes = Vec::with_capacity(shards.len());
        let mut prev = 0;
        for &s in shards {
            push_leb(&mut bytes, u64::from(s - prev));
            prev = s;
        }
        let groups: Vec<u8> = groups
            .into_iter()
            .flatten()
            .flat_map(|g| g.to_le_bytes())
            .collect();
        DocState {
            identity,
            shards: bytes.into(),
            groups: groups.into(),
        }
    }

    /// Its records' [`Groups`], if known.
    fn groups(&self) -> Option<Groups> {
        let bytes: &[u8] = &self.groups;
        (bytes.len() == GROUP_BYTES).then(|| {
            std::array::from_fn(|g| {
                let mut word = [0; 8];
                word.copy_from_slice(&bytes[g * 8..g * 8 + 8]);
                u64::from_le_bytes(word)
            })
        })
    }

    /// The shards, increasing.
    fn shards(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.shards.len());
        let (mut at, mut s) = (0, 0u32);
        while let Some(gap) = read_leb(&self.shards, &mut at) {
            s = s.saturating_add(u32::try_from(gap).unwrap_or(u32::MAX));
            out.push(s);
        }
        out
    }
}

/// How a build wrote the index, for measuring (`ARSHIF_TIMINGS=1`) and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Report {
    /// Whether the previous index was updated rather than built anew.
    pub updated: bool,
    /// Documents analyzed (their bodies read).
    pub analyzed: usize,
    /// Shards (each a file of keys and one of positions) built or updated.
    pub shards_built: usize,
    /// Shards in the index, in both segments ([`Layout::slots`]).
    pub shards: u32,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} documents analyzed, {} of {} shards built",
            if self.updated { "updated" } else { "in full" },
            self.analyzed,
            self.shards_built,
            self.shards
        )
    }
}

/// What the index is made from.
pub struct Input<'a> {
    pub site: &'a Site,
    /// Each article's teaser fingerprint (what a result shows of it), by
    /// position in the newest-first list.
    pub teasers: &'a [u128],
    pub links: Links,
    /// An article's body as HTML, given the article and its position in
    /// the newest-first list. Called once for each document analyzed.
    pub body: &'a (dyn Fn(usize, &Article) -> Result<String> + Sync),
}

impl Input<'_> {
    /// The position, in the newest-first list, of the article numbered
    /// `doc` (oldest first).
    fn position(&self, doc: u32) -> usize {
        self.site.articles.len() - 1 - doc as usize
    }
}

/// Writes the index into `out`: by updating the previous one when
/// `previous` (the previous build's state) allows, else in full. Returns
/// the state to keep for the next build.
pub fn write(input: &Input<'_>, out: &Output, previous: Option<State>) -> Result<(State, Report)> {
    let terms = term_infos(input.site);
    let identities = identities(input, &terms);
    let written = match previous.and_then(|p| plan_update(out, p, &identities)) {
        Some(plan) => update(input, out, &terms, &identities, plan)?,
        None => write_full(input, out, &terms, &identities)?,
    };
    write_facets(input, out)?;
    write_manifest(input, out)?;
    Ok(written)
}

/// What the index says about one term of one taxonomy.
struct TermInfo {
    /// Its filter key, `#<taxonomy>:<slug>`.
    filter: String,
    /// The folded words of its name and spellings ([`tag_words`]).
    words: Vec<String>,
    /// A hash of both.
    identity: u64,
}

/// Every term's [`TermInfo`], by taxonomy and position.
fn term_infos(site: &Site) -> Vec<Vec<TermInfo>> {
    site.taxonomies
        .iter()
        .map(|tax| {
            tax.terms
                .iter()
                .map(|term| {
                    let filter = format!("#{}:{}", tax.config.name, term.slug.as_str());
                    let words = tag_words(term);
                    let mut h = Xxh3::new();
                    h.update(filter.as_bytes());
                    for w in &words {
                        h.update(&[0]);
                        h.update(w.as_bytes());
                    }
                    TermInfo {
                        filter,
                        words,
                        identity: h.digest(),
                    }
                })
                .collect()
        })
        .collect()
}

/// Each document's identity, oldest first: a hash of its file, its teaser,
/// its page (its link, given the build's link style, which the build cache
/// compares) and its terms' [`TermInfo`], which make all it gives the index.
/// Computed in parallel: every build computes all of them. Each is the
/// hash of those inputs laid end to end in a buffer of the thread's, in one
/// call: the same value as a streaming hasher fed them one by one, which
/// cost several times as much for inputs of a hundred bytes or so.
fn identities(input: &Input<'_>, terms: &[Vec<TermInfo>]) -> Vec<u64> {
    input
        .site
        .articles
        .par_iter()
        .zip(input.teasers)
        .rev()
        .map_init(Vec::new, |bytes: &mut Vec<u8>, (a, teaser)| {
            bytes.clear();
            bytes.extend_from_slice(&a.source.digest.to_le_bytes());
            bytes.extend_from_slice(&teaser.to_le_bytes());
            bytes.extend_from_slice(a.path.as_str().as_bytes());
            for (t, list) in a.terms.iter().enumerate() {
                bytes.extend_from_slice(&(list.len() as u64).to_le_bytes());
                for &i in list {
                    let id = terms
                        .get(t)
                        .and_then(|l| l.get(i))
                        .map_or(0, |t| t.identity);
                    bytes.extend_from_slice(&id.to_le_bytes());
                }
            }
            xxhash_rust::xxh3::xxh3_64(bytes)
        })
        .collect()
}

/// One key of one document: where its key and its positions lie in the
/// document's [`Contribution`].
struct Record {
    shard: u32,
    fields: u8,
    key: std::ops::Range<usize>,
    /// Encoded: the length, the first position and the gaps.
    positions: std::ops::Range<usize>,
}

/// What a result shows of a document (`d/`): title, link, date as RFC 3339,
/// date as shown, excerpt.
type DocRow = (String, String, String, String, String);

/// All one document gives the index. Its records' keys and positions are
/// ranges of two strings (the analysis's own, with the terms' appended), so
/// that the few hundred records of a document allocate nothing each.
struct Contribution {
    keys: String,
    positions: String,
    records: Vec<Record>,
    /// The records' hashes by group of slots.
    groups: Groups,
    row: DocRow,
}

impl Contribution {
    /// The shards of its keys, increasing.
    fn shards(&self) -> Vec<u32> {
        distinct_increasing(self.records.iter().map(|r| r.shard))
    }

    /// Each record with its key and its positions.
    fn records(&self) -> impl Iterator<Item = (&Record, &str, &str)> {
        self.records.iter().map(|r| {
            (
                r,
                &self.keys[r.key.clone()],
                &self.positions[r.positions.clone()],
            )
        })
    }
}

/// The distinct `values`, increasing.
///
/// A document has a few hundred records in far fewer shards: marked in a
/// bit set, they come out in order, rather than sorted and deduplicated.
/// Only when the bit set would be the larger, for a very large index,
/// are they sorted.
fn distinct_increasing(values: impl Iterator<Item = u32> + Clone) -> Vec<u32> {
    let (count, max) = values
        .clone()
        .fold((0, None), |(n, max), v| (n + 1, max.max(Some(v))));
    let Some(max) = max else {
        return Vec::new();
    };
    let words = max as usize / 64 + 1;
    if words > count {
        let mut sorted: Vec<u32> = values.collect();
        sorted.sort_unstable();
        sorted.dedup();
        return sorted;
    }
    let mut bits = vec![0u64; words];
    for v in values {
        bits[v as usize / 64] |= 1 << (v % 64);
    }
    let mut out = Vec::with_capacity(count.min(max as usize + 1));
    for (word, &set) in (0u32..).zip(&bits) {
        let mut rest = set;
        while rest != 0 {
            out.push(word * 64 + rest.trailing_zeros());
            rest &= rest - 1;
        }
    }
    out
}

/// Analyzes the article numbered `doc` (reading its body) into its
/// records, for an index laid out as `layout`, and its row.
fn contribute(
    input: &Input<'_>,
    terms: &[Vec<TermInfo>],
    layout: Layout,
    doc: u32,
) -> Result<Contribution> {
    let position = input.position(doc);
    let article = &input.site.articles[position];
    let html = (input.body)(position, article)?;
    let (entry, spans) = extract_spans(&article.source.front.title, &html);
    let (mut keys, mut positions) = (entry.keys, entry.positions);
    let mut records = Vec::with_capacity(spans.len() + 16);
    // The text's keys, each with its list of positions, in order.
    for (span, &fields) in spans.into_iter().zip(&entry.fields) {
        let key = &keys[span.key.clone()];
        if !key.is_empty() {
            records.push(Record {
                shard: layout.slot(key, doc),
                fields,
                key: span.key,
                positions: span.positions,
            });
        }
    }
    // Terms: filter keys, and the unstemmed words of their names, placed
    // after the text. Their keys and positions go after the text's.
    let mut push = |keys: &mut String, positions: &mut String, key: &str, list: &str| {
        let (key_at, list_at) = (keys.len(), positions.len());
        keys.push_str(key);
        positions.push_str(list);
        records.push(Record {
            shard: layout.slot(key, doc),
            fields: TAG,
            key: key_at..keys.len(),
            positions: list_at..positions.len(),
        });
    };
    let mut tags: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut pos = entry.length;
    for (t, list) in article.terms.iter().enumerate() {
        for &i in list {
            let Some(term) = terms.get(t).and_then(|l| l.get(i)) else {
                continue;
            };
            push(&mut keys, &mut positions, &term.filter, "0");
            for spelling in &term.words {
                for w in spelling.split(' ') {
                    tags.entry(format!("={w}")).or_default().push(pos);
                    pos += 1;
                }
                pos += GAP;
            }
        }
    }
    let mut encoded = String::new();
    for (key, mut list) in tags {
        list.sort_unstable();
        list.dedup();
        encoded.clear();
        push_positions(&mut encoded, &list);
        push(&mut keys, &mut positions, &key, &encoded);
    }
    let mut groups = [0; GROUPS];
    for r in &records {
        let (key, list) = (&keys[r.key.clone()], &positions[r.positions.clone()]);
        add_record(&mut groups, r.shard, r.fields, key, list);
    }
    let front = &article.source.front;
    let row = (
        front.title.to_string(),
        input.links.url(&article.path),
        front.date.rfc3339(),
        front.date.display(input.site.config.dates),
        entry.excerpt,
    );
    Ok(Contribution {
        keys,
        positions,
        records,
        groups,
        row,
    })
}

/// Analyzes the documents `docs` in parallel, in order.
fn contribute_all(
    input: &Input<'_>,
    terms: &[Vec<TermInfo>],
    layout: Layout,
    docs: &[u32],
) -> Result<Vec<Contribution>> {
    docs.par_iter()
        .map(|&doc| contribute(input, terms, layout, doc))
        .collect()
}

/// Builds the whole index, streaming (see the module doc): while one batch
/// of documents is analyzed, the previous one is routed to the shards.
fn write_full(
    input: &Input<'_>,
    out: &Output,
    terms: &[Vec<TermInfo>],
    identities: &[u64],
) -> Result<(State, Report)> {
    let n = identities.len();
    let layout = Layout::new(n);
    let mut router = Router {
        layout,
        buffers: (0..layout.slots())
            .map(|_| ShardBuffer::default())
            .collect(),
        scratch: out.scratch()?,
        docs: Vec::with_capacity(n),
    };
    let mut analyzed: Option<(u32, Vec<Contribution>)> = None;
    for start in (0..n).step_by(BATCH).chain([n]) {
        let ids: Vec<u32> = (start..n.min(start + BATCH)).map(|d| d as u32).collect();
        let (next, routed) = rayon::join(
            || contribute_all(input, terms, layout, &ids),
            || match analyzed.take() {
                Some((first, batch)) => router.route(out, identities, first, batch),
                None => Ok(()),
            },
        );
        routed?;
        analyzed = Some((start as u32, next?));
    }
    let (docs, skips) = router.finish(out)?;
    let report = Report {
        updated: false,
        analyzed: n,
        shards_built: layout.slots() as usize,
        shards: layout.slots(),
    };
    let state = State {
        shards: layout.shards,
        docs,
        changed: None,
        skips,
    };
    Ok((state, report))
}

/// Where a full build gathers the records of every shard.
struct Router {
    layout: Layout,
    /// By slot.
    buffers: Vec<ShardBuffer>,
    /// Holds the records spilled, a file per shard.
    scratch: crate::output::Scratch,
    docs: Vec<DocState>,
}

impl Router {
    /// Takes a batch of documents numbered from `first`: writes their
    /// document chunks and routes their records to the shards' buffers,
    /// spilling the buffers when they hold too much.
    fn route(
        &mut self,
        out: &Output,
        identities: &[u64],
        first: u32,
        batch: Vec<Contribution>,
    ) -> Result<()> {
        let rows: Vec<&DocRow> = batch.iter().map(|c| &c.row).collect();
        let chunk = first as usize / DOC_CHUNK;
        rows.par_chunks(DOC_CHUNK)
            .enumerate()
            .try_for_each(|(i, rows)| put(out, &format!("d/{}", chunk + i), &rows))?;
        for (doc, c) in (first..).zip(&batch) {
            for (r, key, positions) in c.records() {
                self.buffers[r.shard as usize].push(key, doc, r.fields, positions);
            }
            let identity = identities.get(doc as usize).copied().unwrap_or(0);
            self.docs
                .push(DocState::new(identity, &c.shards(), Some(&c.groups)));
        }
        drop(batch);
        if self.buffers.iter().map(ShardBuffer::held).sum::<usize>() > SPILL_BYTES {
            let dir = self.scratch.path();
            self.buffers
                .par_iter_mut()
                .enumerate()
                .try_for_each(|(s, buffer)| {
                    spill(&dir.join(s.to_string()), buffer.take_records())
                })?;
        }
        Ok(())
    }

    /// Builds and writes every shard, in parallel, each buffer dropped once
    /// its shard is written. Returns the documents' states and the slots'
    /// skips.
    fn finish(self, out: &Output) -> Result<(Vec<DocState>, Vec<ShardSkips>)> {
        let dir = self.scratch.path();
        let skips = self
            .buffers
            .into_par_iter()
            .enumerate()
            .map(|(s, buffer)| {
                let spilled = read_spilled(&dir.join(s.to_string()))?;
                write_shard(out, &self.layout.names(s as u32), &buffer.finish(spilled))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((self.docs, skips))
    }
}

/// Appends `records` to the spill file `file`.
fn spill(file: &std::path::Path, records: Vec<u8>) -> Result<()> {
    use std::io::Write;
    if records.is_empty() {
        return Ok(());
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .and_then(|mut f| f.write_all(&records))
        .map_err(|e| Error::io(file, e))
}

/// The records spilled to `file`, if any.
fn read_spilled(file: &std::path::Path) -> Result<Vec<u8>> {
    match std::fs::read(file) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io(file, e)),
    }
}

/// Writes the two files of the shard named `names`. Returns the skips of
/// its long lists.
fn write_shard(out: &Output, names: &Names, shard: &Shard) -> Result<ShardSkips> {
    let files = put_files(out, shard::files(names, shard))?;
    Ok(ShardSkips::of_shard(shard, files))
}

/// Claims and writes a shard's two files (each its path and bytes).
/// Returns their fingerprints, which its skips are taken for.
fn put_files(out: &Output, files: [(String, Vec<u8>); 2]) -> Result<[u128; 2]> {
    let [(k_rel, k), (p_rel, p)] = files;
    Ok([
        out.put_fingerprinted(&k_rel, &k)?,
        out.put_fingerprinted(&p_rel, &p)?,
    ])
}

/// Claims and writes `search/<name>.js` holding `data`, fingerprinted by
/// its bytes.
fn put(out: &Output, name: &str, data: &impl Serialize) -> Result<()> {
    let (rel, bytes) = script(name, data);
    out.put(&rel, &bytes)
}

/// The documents that changed since a previous build, for an update.
struct Plan {
    /// The previous build's state, which the update's is made from.
    previous: State,
    /// Changed documents, increasing: edited in place, added or removed.
    changed: Vec<u32>,
}

impl Plan {
    /// The changed documents that the previous index has, increasing: their
    /// postings there go.
    fn removed(&self) -> &[u32] {
        let old = self.previous.docs.len();
        &self.changed[..self.changed.partition_point(|&d| (d as usize) < old)]
    }
}

/// Whether the index can be updated from the previous build's: this build
/// patches its output, the shard count is the same (see [`Layout`]), few
/// documents changed and every file of the previous index is there.
fn plan_update(out: &Output, previous: State, identities: &[u64]) -> Option<Plan> {
    let n = identities.len();
    let old = previous.docs.len();
    let layout = Layout::new(n);
    if !out.is_incremental() || previous.shards != layout.shards {
        return None;
    }
    let changed: Vec<u32> = (0..n.max(old))
        .filter(|&d| d >= n.min(old) || previous.docs[d].identity != identities[d])
        .map(|d| d as u32)
        .collect();
    if changed.len() > UPDATE_MIN.max(n / UPDATE_SHARE) {
        return None;
    }
    let shards_there =
        (0..layout.slots()).all(|s| shard_files(layout, s).iter().all(|rel| out.had(rel)));
    let chunks_there = (0..old.div_ceil(DOC_CHUNK)).all(|c| out.had(&format!("search/d/{c}.js")));
    (shards_there && chunks_there).then_some(Plan { previous, changed })
}

/// Updates the previous index for the changed documents of `plan`. When the
/// tail moved on, the documents it hands over to the base are taken from
/// its files as they are, not analyzed again: the base's shards gain them
/// at their ends, and the tail's lose them. When it moved back (the newest
/// stories deleted right after it moved on), the base hands its newest
/// documents back to the tail the same way.
fn update(
    input: &Input<'_>,
    out: &Output,
    terms: &[Vec<TermInfo>],
    identities: &[u64],
    mut plan: Plan,
) -> Result<(State, Report)> {
    let n = identities.len();
    let layout = Layout::new(n);
    let mut previous_skips = std::mem::take(&mut plan.previous.skips);
    let present: Vec<u32> = plan
        .changed
        .iter()
        .copied()
        .filter(|&d| (d as usize) < n)
        .collect();
    let contributions = contribute_all(input, terms, layout, &present)?;
    let previous_tail = Layout::new(plan.previous.docs.len()).tail_start;
    // The documents that change segment, handed over to the base or back
    // to the tail, and the shards they leave: those they had keys in.
    let back = layout.tail_start < previous_tail;
    let moving = if back {
        layout.tail_start..previous_tail
    } else {
        previous_tail..layout.tail_start
    };
    let mut left: Vec<u32> = moving
        .clone()
        .filter_map(|doc| plan.previous.docs.get(doc as usize))
        .flat_map(DocState::shards)
        .collect();
    left.sort_unstable();
    left.dedup();
    let moved = handed_over(out, layout, &left, moving.clone(), &plan.changed)?;

    // The new records of each shard, in document order.
    let mut added: BTreeMap<u32, Vec<(&str, u32, u8, &str)>> = BTreeMap::new();
    for (&doc, c) in present.iter().zip(&contributions) {
        for (r, key, positions) in c.records() {
            added
                .entry(r.shard)
                .or_default()
                .push((key, doc, r.fields, positions));
        }
    }
    // The shards of each document handed over in the other segment, and
    // its records' groups there, for its state.
    let mut handed: BTreeMap<u32, (Vec<u32>, Groups)> = moving
        .clone()
        .map(|doc| (doc, (Vec::new(), [0; GROUPS])))
        .collect();
    // The shards they join.
    let mut joined = Vec::with_capacity(moved.len());
    for (key, doc, fields, positions) in &moved {
        let slot = layout.slot(key, *doc);
        joined.push(slot);
        added
            .entry(slot)
            .or_default()
            .push((key, *doc, *fields, positions));
        if let Some((list, groups)) = handed.get_mut(doc) {
            list.push(slot);
            add_record(groups, slot, *fields, key, positions);
        }
    }
    if !moved.is_empty() {
        for records in added.values_mut() {
            records.sort_by_key(|r| r.1);
        }
    }
    // Shards the changed documents had keys in before or have now, but
    // those of an edited document's groups that hash as they did (its
    // records there are as they were); those the documents changing
    // segment leave, and those they join.
    let mut touched: Vec<u32> = Vec::new();
    // The changed documents' contributions, by number.
    let now: BTreeMap<u32, &Contribution> = present.iter().copied().zip(&contributions).collect();
    for &doc in &plan.changed {
        let before = plan.previous.docs.get(doc as usize);
        let after = now.get(&doc);
        let same: Option<[bool; GROUPS]> = match (before.and_then(DocState::groups), after) {
            (Some(b), Some(c)) if !moving.contains(&doc) => {
                Some(std::array::from_fn(|g| b[g] == c.groups[g]))
            }
            _ => None,
        };
        let kept = |s: &u32| same.is_some_and(|same| same[*s as usize % GROUPS]);
        let shards = before
            .map(DocState::shards)
            .into_iter()
            .chain(after.map(|c| c.shards()))
            .flatten();
        touched.extend(shards.filter(|s| !kept(s)));
    }
    touched.extend(&left);
    touched.extend(joined);
    touched.sort_unstable();
    touched.dedup();

    // The documents each segment loses: the changed ones it had, and those
    // it hands over.
    let removed = plan.removed();
    let split = removed.partition_point(|&d| d < previous_tail);
    let with_moving = |own: &[u32]| -> Vec<u32> {
        let mut list: Vec<u32> = own.iter().copied().chain(moving.clone()).collect();
        list.sort_unstable();
        list.dedup();
        list
    };
    let (removed_from_base, removed_from_tail): (Cow<'_, [u32]>, Cow<'_, [u32]>) = if back {
        (
            with_moving(&removed[..split]).into(),
            Cow::Borrowed(&removed[split..]),
        )
    } else {
        (
            Cow::Borrowed(&removed[..split]),
            with_moving(removed).into(),
        )
    };
    previous_skips.resize(layout.slots() as usize, ShardSkips::default());
    let skips = previous_skips
        .into_par_iter()
        .enumerate()
        .map(|(s, skips)| {
            let s = s as u32;
            let names = shard_files(layout, s);
            if touched.binary_search(&s).is_err() {
                names.iter().try_for_each(|rel| keep(out, rel))?;
                return Ok(skips);
            }
            let records = added.get(&s).map_or(&[][..], Vec::as_slice);
            let removed = if s < layout.shards {
                &removed_from_base
            } else {
                &removed_from_tail
            };
            // The skips hold for the files they were taken from only.
            let previous = match names.each_ref().map(|rel| out.previous_fingerprint(rel)) {
                [Some(k), Some(p)] => [k, p],
                _ => [0; 2],
            };
            let skips = if skips.files == previous {
                skips
            } else {
                ShardSkips::default()
            };
            let updated = updated_shard(out, layout, s, removed, records, &skips)?;
            let files = match updated.files {
                Some([k, p]) => {
                    let [k_rel, p_rel] = names;
                    put_files(out, [(k_rel, k), (p_rel, p)])?
                }
                None => {
                    names.iter().try_for_each(|rel| keep(out, rel))?;
                    previous
                }
            };
            Ok(ShardSkips {
                files,
                keys: updated.skips,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let rows: BTreeMap<u32, &DocRow> = now.iter().map(|(&doc, c)| (doc, &c.row)).collect();
    update_chunks(out, n, &plan, &rows)?;

    // The previous states, taken over rather than copied (100,000 of them
    // in a large archive).
    let mut docs = plan.previous.docs;
    docs.truncate(n);
    // What changed since the state was loaded: the documents changed now
    // and those handed over, whose shards change.
    let changed = plan.previous.changed.map(|mut before| {
        before.extend(plan.changed.iter().copied().chain(handed.keys().copied()));
        before.sort_unstable();
        before.dedup();
        before
    });
    // The documents handed over are in the other segment's shards now.
    for (doc, (mut list, groups)) in handed {
        list.sort_unstable();
        list.dedup();
        if let Some(slot) = docs.get_mut(doc as usize) {
            *slot = DocState::new(identities[doc as usize], &list, Some(&groups));
        }
    }
    for (&doc, c) in present.iter().zip(&contributions) {
        let state = DocState::new(identities[doc as usize], &c.shards(), Some(&c.groups));
        match docs.get_mut(doc as usize) {
            Some(slot) => *slot = state,
            None => docs.push(state),
        }
    }
    let report = Report {
        updated: true,
        analyzed: present.len(),
        shards_built: touched.len(),
        shards: layout.slots(),
    };
    let state = State {
        shards: layout.shards,
        docs,
        changed,
        skips,
    };
    Ok((state, report))
}

/// Keeps a file of the previous index as it is.
fn keep(out: &Output, rel: &str) -> Result<()> {
    if out.keep(rel)? {
        Ok(())
    } else {
        Err(damaged(rel))
    }
}

/// The error for a file of the previous index that is missing or not what
/// the build cache says.
fn damaged(rel: &str) -> Error {
    Error::io(
        rel,
        std::io::Error::other(
            "this file of the previous build's search index is missing or damaged; build with --full",
        ),
    )
}

/// The files of slot `s` of the previous build (their bytes, keys then
/// positions), with the postings of the documents `removed` replaced by
/// `records`; `None` when that leaves them as they were.
fn updated_shard(
    out: &Output,
    layout: Layout,
    s: u32,
    removed: &[u32],
    records: &[(&str, u32, u8, &str)],
    skips: &ShardSkips,
) -> Result<shard::Updated> {
    let [k, p] = previous_shard(out, layout, s)?;
    shard::update(&layout.names(s), &k, &p, removed, records, skips)
        .ok_or_else(|| damaged(&shard_files(layout, s)[0]))
}

/// The previous build's files of slot `s`: their bytes, keys then
/// positions.
fn previous_shard(out: &Output, layout: Layout, s: u32) -> Result<[Bytes; 2]> {
    let [k, p] =
        shard_files(layout, s).map(|rel| out.read_previous(&rel)?.ok_or_else(|| damaged(&rel)));
    Ok([k?, p?])
}

/// The records that the previous build's `slots` hold for its documents
/// numbered in `docs`, except the `changed` ones (increasing), which are
/// analyzed again.
fn handed_over(
    out: &Output,
    layout: Layout,
    slots: &[u32],
    docs: Range<u32>,
    changed: &[u32],
) -> Result<Vec<shard::Record>> {
    let per_shard = slots
        .par_iter()
        .map(|&s| {
            let [k, p] = previous_shard(out, layout, s)?;
            let mut records = shard::records_in(&layout.names(s), &k, &p, docs.clone())
                .ok_or_else(|| damaged(&shard_files(layout, s)[0]))?;
            records.retain(|r| changed.binary_search(&r.1).is_err());
            Ok(records)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(per_shard.into_iter().flatten().collect())
}

/// The paths of slot `s`'s files in the output, keys then positions.
fn shard_files(layout: Layout, s: u32) -> [String; 2] {
    layout.names(s).map(|name| script_path(&name))
}

/// Rewrites the document chunks holding a changed document (with the
/// previous build's rows for the others) and keeps the rest.
fn update_chunks(out: &Output, n: usize, plan: &Plan, rows: &BTreeMap<u32, &DocRow>) -> Result<()> {
    let old = plan.previous.docs.len();
    (0..n.div_ceil(DOC_CHUNK))
        .into_par_iter()
        .try_for_each(|c| {
            let name = format!("d/{c}");
            let rel = format!("search/{name}.js");
            let first = (c * DOC_CHUNK) as u32;
            let range = first..first + DOC_CHUNK as u32;
            if !plan.changed.iter().any(|d| range.contains(d)) {
                return keep(out, &rel);
            }
            let before: Vec<DocRow> = if (first as usize) < old {
                let bytes = out.read_previous(&rel)?.ok_or_else(|| damaged(&rel))?;
                super::index::parse_script(&bytes).ok_or_else(|| damaged(&rel))?
            } else {
                Vec::new()
            };
            let mut chunk: Vec<&DocRow> = Vec::with_capacity(DOC_CHUNK);
            for doc in range.take_while(|&d| (d as usize) < n) {
                let row = match rows.get(&doc) {
                    Some(row) => *row,
                    None => before
                        .get((doc - first) as usize)
                        .ok_or_else(|| damaged(&rel))?,
                };
                chunk.push(row);
            }
            put(out, &name, &chunk)
        })
}

/// The facet chunks (`f/`): per document, per taxonomy, its terms' slugs.
/// Each chunk is fingerprinted by those slugs (hashed once per term) and
/// made only when they changed: every build would otherwise serialize all
/// of them only to find them unchanged.
fn write_facets(input: &Input<'_>, out: &Output) -> Result<()> {
    let site = input.site;
    let slugs: Vec<Vec<u64>> = site
        .taxonomies
        .iter()
        .map(|tax| {
            tax.terms
                .iter()
                .map(|t| xxhash_rust::xxh3::xxh3_64(t.slug.as_str().as_bytes()))
                .collect()
        })
        .collect();
    let docs: Vec<&Article> = site.articles.iter().rev().collect();
    docs.par_chunks(FACET_CHUNK)
        .enumerate()
        .try_for_each(|(n, chunk)| {
            let name = format!("f/{n}");
            let mut h = Xxh3::new();
            for a in chunk {
                for (list, slugs) in a.terms.iter().zip(&slugs) {
                    h.update(&(list.len() as u64).to_le_bytes());
                    for &i in list {
                        h.update(&slugs.get(i).copied().unwrap_or(0).to_le_bytes());
                    }
                }
            }
            if !out.claim(&script_path(&name), h.digest128())? {
                return Ok(());
            }
            let rows: Vec<Vec<Vec<&str>>> = chunk
                .iter()
                .map(|a| {
                    a.terms
                        .iter()
                        .zip(&site.taxonomies)
                        .map(|(list, tax)| {
                            list.iter()
                                .filter_map(|&i| tax.terms.get(i))
                                .map(|t| t.slug.as_str())
                                .collect()
                        })
                        .collect()
                })
                .collect();
            let (rel, bytes) = script(&name, &rows);
            out.write(&rel, &bytes)
        })
}

/// The manifest (`index.js`).
fn write_manifest(input: &Input<'_>, out: &Output) -> Result<()> {
    let site = input.site;
    let layout = Layout::new(site.articles.len());
    let taxonomies: Vec<serde_json::Value> = site
        .taxonomies
        .iter()
        .map(|t| {
            let terms: Vec<[&str; 2]> = t
                .terms
                .iter()
                .map(|term| [term.slug.as_str(), term.name.as_str()])
                .collect();
            serde_json::json!({"name": t.config.name, "title": t.config.title, "terms": terms})
        })
        .collect();
    let manifest = serde_json::json!({
        "version": super::index::FORMAT,
        "docs": site.articles.len(),
        "docChunk": DOC_CHUNK,
        "facetChunk": FACET_CHUNK,
        "facetSample": FACET_SAMPLE,
        "shards": layout.shards,
        "tailShards": layout.tail_shards,
        "tailFrom": layout.tail_start,
        "taxonomies": taxonomies,
    });
    put(out, "index", &manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The bit set gives what sorting and deduplicating gives, for
        /// shards of a small index, of a large one and of any number.
        #[test]
        fn distinct_values_are_the_sorted_deduplicated_ones(
            values in proptest::prop_oneof![
                proptest::collection::vec(0u32..64, 0..300),
                proptest::collection::vec(0u32..4096, 0..300),
                proptest::collection::vec(proptest::num::u32::ANY, 0..30),
            ],
        ) {
            let mut sorted = values.clone();
            sorted.sort_unstable();
            sorted.dedup();
            proptest::prop_assert_eq!(distinct_increasing(values.iter().copied()), sorted);
        }
    }

    /// Whether each run of `size` documents of `state` may have changed.
    fn changed(state: &State, size: usize) -> Vec<bool> {
        state.chunks(size).map(|(_, changed)| changed).collect()
    }

    fn loaded(n: u64) -> State {
        let docs: Vec<DocState> = (0..n).map(|d| DocState::new(d, &[1, 3], None)).collect();
        let chunk = StateChunk {
            docs: Cow::Owned(docs),
            groups: crate::mapped::Slice::default(),
        };
        State::from_chunks(40, vec![chunk])
    }

    /// `state`'s chunks of `size` documents, encoded, then decoded where
    /// they lie, as the build cache reads them.
    fn through_the_cache(state: &State, size: usize) -> State {
        let chunks = state
            .chunks(size)
            .map(|(chunk, _)| {
                let bytes =
                    std::sync::Arc::new(Bytes::Read(postcard::to_allocvec(&chunk).unwrap()));
                crate::mapped::within(&bytes, || {
                    postcard::from_bytes::<StateChunk<'static>>(&bytes)
                })
                .unwrap()
            })
            .collect();
        State::from_chunks(state.shards, chunks)
    }

    #[test]
    fn groups_come_back_from_the_cache_with_their_documents() {
        let groups: Vec<Groups> = (0..5u64)
            .map(|d| std::array::from_fn(|g| d << 32 | g as u64))
            .collect();
        let docs: Vec<DocState> = (0..5u32)
            .map(|d| DocState::new(u64::from(d), &[d, 7], Some(&groups[d as usize])))
            .collect();
        let state = State {
            shards: 8,
            docs,
            changed: None,
            skips: Vec::new(),
        };
        let back = through_the_cache(&state, 2);
        assert_eq!(back, state);
        let read: Vec<Option<Groups>> = back.docs.iter().map(DocState::groups).collect();
        assert_eq!(read, groups.into_iter().map(Some).collect::<Vec<_>>());
        // A chunk holding a document whose groups are not known keeps none:
        // an update then reads all the shards of its documents.
        let mut partly = state.clone();
        partly.docs[3] = DocState::new(3, &[3, 7], None);
        let back = through_the_cache(&partly, 2);
        let known: Vec<bool> = back.docs.iter().map(|d| d.groups().is_some()).collect();
        assert_eq!(known, [true, true, false, false, true]);
    }

    #[test]
    fn runs_say_whether_they_changed_since_the_state_was_loaded() {
        assert_eq!(changed(&loaded(10), 4), [false, false, false]);
        assert_eq!(changed(&loaded(10).edited(5, 99), 4), [false, true, false]);
        assert_eq!(changed(&loaded(10).edited(8, 99), 4), [false, false, true]);
        assert_eq!(changed(&loaded(10).edited(3, 99), 4), [true, false, false]);
        // Added or removed at the newest end: the run of that place.
        let mut state = loaded(10);
        state.changed = Some(vec![10, 11]);
        assert_eq!(changed(&state, 4), [false, false, true]);
        state.changed = Some(vec![12]);
        assert_eq!(changed(&state, 4), [false, false, false]);
        // Built in full, or made otherwise: any may have.
        let full = State::of(40, (0..10).map(|d| (d, vec![1])));
        assert_eq!(changed(&full, 4), [true, true, true]);
        assert_eq!(changed(&full.edited(5, 99), 4), [true, true, true]);
    }
}
