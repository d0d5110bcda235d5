//! The search index's files, and what each article gives it ([`extract`],
//! pure).
//!
//! Every file is a script that hands its data to the page's global
//! `arshifSearch(name, data)`, so a reader's browser loads it with a
//! `<script src>` tag, from `file://` as over HTTP. Under `search/`:
//!
//! | file | holds | loaded |
//! |---|---|---|
//! | `index.js` | the manifest: document count, chunk sizes, shard count, each taxonomy's terms as `[slug, name]` in the taxonomy's order | on every search |
//! | `k/<n>.js` | the keys of shard `n`, each with its postings: documents and fields | for each query word |
//! | `p/<n>.js` | the same keys' word positions | only for a "quoted phrase" |
//! | `kt/<n>.js`, `pt/<n>.js` | the same for the newest documents, in fewer shards (the tail, see [`Layout`](super::shard::Layout)) | beside `k/` and `p/` |
//! | `d/<n>.js` | [`DOC_CHUNK`] documents: title, link, date (RFC 3339 and as shown), excerpt | for the results shown |
//! | `f/<n>.js` | [`FACET_CHUNK`] documents' terms, per taxonomy the terms' slugs, for the filters | for the first [`FACET_SAMPLE`] results |
//!
//! A key's shard is the FNV-1a hash of its UTF-8 bytes masked to the shard
//! count, a power of two that depends on the document count only (see
//! [`shard`](super::shard)), so a one-word query loads the manifest, one
//! shard of each segment and the documents it shows, and a new story
//! changes only the tail shards of its own keys.
//!
//! Documents are numbered oldest first, so that a new story appends to the
//! posting lists and the last chunks instead of renumbering every document.
//! No file holds a number that another document can shift: terms are named
//! by their slugs, never by their place in the taxonomy. A posting list is
//! a string of numbers in a base-64 varint ([`push_varint`]): per document
//! `(gap − 1) × 8 + fields` (gap from the previous document, the first
//! document's number + 1 for the first, fields a bit set of [`TITLE`],
//! [`BODY`], [`TAG`]). Its positions (in `p/`) are per document the length
//! of its list (in characters), then the first position and the gaps to
//! the next.
//!
//! Besides word keys (see [`analyze`](mod@super::analyze)) the index holds, for
//! each term an article is tagged with, `=` + each folded word of the term's
//! name and spellings (never stemmed), placed after the text, and
//! `#<taxonomy>:<slug>` for filters.

use std::collections::hash_map::Entry;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::analyze::{keys, FoldedWords};
use crate::arabic::reading::tokens;

/// The format of the index, the manifest's `version`: what a reader
/// script must understand. 3 added the tail (`kt/`, `pt/`); 4 starts each
/// document's positions with their length rather than their count.
pub const FORMAT: u32 = 4;

/// How a reader script says which format it reads: the theme's
/// `static/search.js` holds `arshif-search-index: <format>`.
const READER_MARK: &str = "arshif-search-index: ";

/// A warning when the theme's `static/search.js` (under `root`, the site)
/// does not say it reads this [`FORMAT`]: a script forked from an older
/// default theme would search the index without its newest stories. None
/// when the script says so, or the theme has none.
pub fn reader_warning(root: &Path, theme_dir: &Path) -> Option<crate::error::Diagnostic> {
    let script = theme_dir.join("static").join("search.js");
    let text = std::fs::read_to_string(&script).ok()?;
    let current = format!("{READER_MARK}{FORMAT}");
    if text
        .lines()
        .any(|l| l.trim_start_matches("// ").trim() == current)
    {
        return None;
    }
    let rel = script.strip_prefix(root).unwrap_or(&script);
    Some(
        crate::error::Diagnostic::warning(
            rel,
            format!("this script does not say it reads the search index this version of arshif writes (format {FORMAT}): its searches may fail, miss the newest stories or misread phrases"),
        )
        .with_hint(format!("copy search.js from arshif's default theme (`arshif init` writes one), or update this one and mark it with the line `// {current}`")),
    )
}

/// A word of the title.
pub const TITLE: u8 = 1;
/// A word of the body.
pub const BODY: u8 = 2;
/// A word of a term the article is tagged with.
pub const TAG: u8 = 4;

/// Documents per display chunk (`d/`).
pub const DOC_CHUNK: usize = 10;
/// Documents per facet chunk (`f/`).
pub const FACET_CHUNK: usize = 1000;
/// Results whose terms make the filters (`search.js` also takes them from
/// at most 4 facet chunks).
pub const FACET_SAMPLE: usize = 500;
/// Characters of body text kept for snippets.
pub const EXCERPT_CHARS: usize = 320;
/// Positions left empty between title, body and each term, so that a
/// phrase never spans two of them.
pub const GAP: u32 = 2;

/// What one article gives the index: its analyzed words and its excerpt.
/// Depends on the article alone, so a build may cache it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocEntry {
    /// The keys of the title and body words, sorted, each once, separated by
    /// a space.
    pub keys: String,
    /// Per key: the fields it occurs in ([`TITLE`] | [`BODY`]).
    pub fields: Vec<u8>,
    /// Per key, in the index's encoding: the count of its positions, the
    /// first position and the gaps to the next.
    pub positions: String,
    /// The positions used; terms are placed after.
    pub length: u32,
    /// The start of the body as plain text, cut at a word.
    pub excerpt: String,
}

/// Analyzes one article: its title and its body as HTML.
pub fn extract(title: &str, body_html: &str) -> DocEntry {
    extract_spans(title, body_html).0
}

/// Where one key of a [`DocEntry`] lies in its `keys` and its list of
/// positions in its `positions` (as [`push_positions`] wrote it).
pub(crate) struct Span {
    pub key: std::ops::Range<usize>,
    pub positions: std::ops::Range<usize>,
}

/// [`extract`], with the [`Span`] of each key, in order: known as the
/// entry is written, so that the index need not split it again.
pub(crate) fn extract_spans(title: &str, body_html: &str) -> (DocEntry, Vec<Span>) {
    // The words are found with the fold, which collapses white space
    // itself: only the excerpt needs the text collapsed, and only its start.
    let text = raw_text(body_html);
    // About one distinct word in 16 bytes of Arabic text: sized so that
    // the maps rarely grow.
    let mut keys = Keys::with_capacity((title.len() + text.len()) / 16);
    let title = FoldedWords::new(title);
    let body = FoldedWords::new(&text);
    // Every (key number, position), in text order: each key's positions
    // are increasing. A position's field follows from it: the body starts
    // at `body_start`. One a word, and a few more for second keys.
    let words = title.word_count() + body.word_count();
    let mut occurrences: Vec<(u32, u32)> = Vec::with_capacity(words + words / 8);
    let mut pos = 0u32;
    let mut body_start = 0;
    for (field, folded) in [(TITLE, &title), (BODY, &body)] {
        if field == BODY {
            body_start = pos;
        }
        for w in folded.iter() {
            let (own, alt) = keys.of(w);
            occurrences.push((own, pos));
            if let Some(alt) = alt {
                occurrences.push((alt, pos));
            }
            pos += 1;
        }
        pos += GAP;
    }
    let mut entry = DocEntry::new(pos, excerpt(&text));
    let sorted = keys.sorted(&occurrences);
    let mut spans = Vec::with_capacity(sorted.keys.len());
    let mut positions: Vec<u32> = Vec::new();
    for (key, run) in sorted.iter() {
        positions.clear();
        let mut fields = 0;
        for &pos in run {
            fields |= if pos < body_start { TITLE } else { BODY };
            if positions.last() != Some(&pos) {
                positions.push(pos);
            }
        }
        spans.push(entry.push(key, fields, &positions));
    }
    (entry, spans)
}

impl DocEntry {
    /// An entry with no keys yet.
    fn new(length: u32, excerpt: String) -> DocEntry {
        DocEntry {
            keys: String::new(),
            fields: Vec::new(),
            positions: String::new(),
            length,
            excerpt,
        }
    }

    /// Adds a key (after those added before it, in sorted order) with its
    /// fields and its increasing positions. Returns where they went.
    fn push(&mut self, key: &str, fields: u8, positions: &[u32]) -> Span {
        if !self.fields.is_empty() {
            self.keys.push(' ');
        }
        let (key_at, list_at) = (self.keys.len(), self.positions.len());
        self.keys.push_str(key);
        self.fields.push(fields);
        push_positions(&mut self.positions, positions);
        Span {
            key: key_at..self.keys.len(),
            positions: list_at..self.positions.len(),
        }
    }
}

/// The keys of one document's words, numbered as first met: each distinct
/// word is stemmed once, however often the document uses it.
struct Keys<'a> {
    /// Each word met: the numbers of its key and of its second key.
    words: rustc_hash::FxHashMap<Word<'a>, (u32, Option<u32>)>,
    /// The keys of those words.
    keys: Numbered<'a>,
}

/// Keys numbered as first met.
struct Numbered<'a> {
    /// Each key's number.
    numbers: rustc_hash::FxHashMap<Word<'a>, u32>,
    /// The keys, by number.
    keys: Vec<&'a str>,
}

impl<'a> Keys<'a> {
    fn with_capacity(words: usize) -> Self {
        Keys {
            words: rustc_hash::FxHashMap::with_capacity_and_hasher(words, Default::default()),
            keys: Numbered {
                numbers: rustc_hash::FxHashMap::with_capacity_and_hasher(words, Default::default()),
                keys: Vec::with_capacity(words),
            },
        }
    }

    /// The numbers of `word`'s key and second key ([`keys`]): the word is
    /// looked up once, and analyzed only when first met.
    fn of(&mut self, word: &'a str) -> (u32, Option<u32>) {
        match self.words.entry(Word::new(word)) {
            Entry::Occupied(found) => *found.get(),
            Entry::Vacant(new) => {
                let (own, alt) = keys(word);
                let own = self.keys.number(own);
                let alt = alt.map(|k| self.keys.number(k));
                *new.insert((own, alt))
            }
        }
    }

    /// The keys in sorted order, each with its positions, taken from
    /// `occurrences` in their order (so increasing).
    fn sorted(self, occurrences: &[(u32, u32)]) -> Sorted<'a> {
        let keys = self.keys.keys;
        // Sorted by the first eight bytes first, as a number that orders as
        // they do: most keys differ there, and comparing two numbers costs
        // a fraction of comparing two strings.
        let mut prefixed: Vec<(u64, u32)> = (0..keys.len() as u32)
            .map(|n| (prefix(keys[n as usize]), n))
            .collect();
        prefixed.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| keys[a.1 as usize].cmp(keys[b.1 as usize]))
        });
        // Each key's place in that order, by number.
        let mut place = vec![0usize; keys.len()];
        for (i, &(_, n)) in prefixed.iter().enumerate() {
            place[n as usize] = i;
        }
        // All positions in one array, key after key (a counting sort by
        // place, which keeps each key's in their order), rather than a
        // vector per key.
        let mut bounds = vec![0usize; keys.len() + 1];
        for &(n, _) in occurrences {
            bounds[place[n as usize] + 1] += 1;
        }
        for i in 1..bounds.len() {
            bounds[i] += bounds[i - 1];
        }
        let mut next = bounds.clone();
        let mut positions = vec![0u32; occurrences.len()];
        for &(n, pos) in occurrences {
            let at = &mut next[place[n as usize]];
            positions[*at] = pos;
            *at += 1;
        }
        Sorted {
            keys: prefixed.iter().map(|&(_, n)| keys[n as usize]).collect(),
            bounds,
            positions,
        }
    }
}

impl<'a> Numbered<'a> {
    /// The number of `key`, given when first met.
    fn number(&mut self, key: &'a str) -> u32 {
        let next = self.keys.len() as u32;
        let n = *self.numbers.entry(Word::new(key)).or_insert(next);
        if n == next {
            self.keys.push(key);
        }
        n
    }
}

/// A word or a key as the key of a map: its text, and its bytes read as
/// two numbers that, with its length, are all of them for a text of at
/// most sixteen bytes (eight Arabic letters; nearly every word). Such
/// words are hashed and compared by those numbers alone, without a call
/// to `memcmp`, where a `&str` key was hashed and compared byte by byte
/// at each of the few thousand lookups of a document.
#[derive(Clone, Copy, Debug)]
struct Word<'a> {
    text: &'a str,
    /// Its first eight bytes and its last eight; the first four and the
    /// last four of a text of four to seven bytes; each byte of a shorter
    /// one, and zero.
    head: u64,
    tail: u64,
}

impl<'a> Word<'a> {
    /// The most bytes a text may have for `head` and `tail` to be all of
    /// them.
    const WHOLE: usize = 16;

    fn new(text: &'a str) -> Word<'a> {
        let bytes = text.as_bytes();
        let (head, tail) = match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            (Some(&head), Some(&tail)) => (u64::from_le_bytes(head), u64::from_le_bytes(tail)),
            _ => match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
                (Some(&head), Some(&tail)) => (
                    u64::from(u32::from_le_bytes(head)),
                    u64::from(u32::from_le_bytes(tail)),
                ),
                _ => {
                    let byte = |i: usize| bytes.get(i).map_or(0, |&b| u64::from(b));
                    (byte(0) | byte(1) << 8 | byte(2) << 16, 0)
                }
            },
        };
        Word { text, head, tail }
    }
}

/// Equal texts: by their numbers and length when those are all of them.
impl PartialEq for Word<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.head == other.head
            && self.tail == other.tail
            && self.text.len() == other.text.len()
            && (self.text.len() <= Self::WHOLE || self.text == other.text)
    }
}

impl Eq for Word<'_> {}

/// Hashed by what equal words share: their numbers and length.
impl std::hash::Hash for Word<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.head);
        state.write_u64(self.tail);
        state.write_usize(self.text.len());
    }
}

/// A document's keys in sorted order with their positions (see
/// [`Keys::sorted`]).
struct Sorted<'a> {
    keys: Vec<&'a str>,
    /// Key `i`'s positions are `positions[bounds[i]..bounds[i + 1]]`.
    bounds: Vec<usize>,
    positions: Vec<u32>,
}

impl<'a> Sorted<'a> {
    /// Each key with its positions, in order.
    fn iter(&self) -> impl Iterator<Item = (&'a str, &[u32])> + '_ {
        self.keys
            .iter()
            .zip(self.bounds.windows(2))
            .map(|(&key, run)| (key, &self.positions[run[0]..run[1]]))
    }
}

/// The first eight bytes of `key` as a big-endian number, zero-padded: if
/// one key's is less than another's, so is the key (a key that ends within
/// them is a prefix of the other up to its end, or differs before it).
fn prefix(key: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = key.len().min(8);
    bytes[..n].copy_from_slice(&key.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}

/// The folded words of a term's name and of every spelling articles used,
/// each list of words space-separated, without repeats.
pub fn tag_words(term: &crate::site::Term) -> Vec<String> {
    let mut list: Vec<String> = std::iter::once(&term.name)
        .chain(term.spellings.keys())
        .map(|s| FoldedWords::new(s).into_joined())
        .filter(|s| !s.is_empty())
        .collect();
    list.sort();
    list.dedup();
    list
}

/// `arshifSearch("<name>", <data>);`: the path of `search/<name>.js` in the
/// output and its bytes.
pub fn script(name: &str, data: &impl Serialize) -> (String, Vec<u8>) {
    let json = serde_json::to_string(data).unwrap_or_else(|_| "null".into());
    let mut body = script_head(name).into_bytes();
    body.extend_from_slice(json.as_bytes());
    body.extend_from_slice(SCRIPT_TAIL);
    (script_path(name), body)
}

/// The path of the [`script`] named `name`, relative to the output root.
pub fn script_path(name: &str) -> String {
    format!("search/{name}.js")
}

/// The start of a [`script`] named `name`, up to its data.
pub fn script_head(name: &str) -> String {
    format!("arshifSearch({name:?},")
}

/// The end of a [`script`], after its data.
pub const SCRIPT_TAIL: &[u8] = b");\n";

/// The data of a file written by [`script`]; `None` if it is not one.
pub fn parse_script<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let rest = bytes.strip_prefix(b"arshifSearch(\"")?;
    let quote = rest.iter().position(|&b| b == b'"')?;
    let json = rest[quote + 1..]
        .strip_prefix(b",")?
        .strip_suffix(SCRIPT_TAIL)?;
    serde_json::from_slice(json).ok()
}

/// The digits of the varint: the first 32 end a number, the last 32 say
/// that more 5-bit groups follow.
const DIGITS: &[u8; 64] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";

/// Appends `n` in the index's varint: 5 bits a character, lowest first.
pub fn push_varint(out: &mut String, mut n: u64) {
    loop {
        let low = (n & 31) as usize;
        n >>= 5;
        if n == 0 {
            out.push(DIGITS[low] as char);
            return;
        }
        out.push(DIGITS[32 + low] as char);
    }
}

/// Each byte's value as a varint character ([`DIGITS`]), or `NOT_DIGIT`.
const VALUES: [u8; 256] = {
    let mut values = [NOT_DIGIT; 256];
    let mut i = 0;
    while i < DIGITS.len() {
        values[DIGITS[i] as usize] = i as u8;
        i += 1;
    }
    values
};

/// What [`VALUES`] holds for a byte that is no varint character.
const NOT_DIGIT: u8 = u8::MAX;

/// The value of one varint character.
fn digit_value(b: u8) -> Option<u8> {
    let v = VALUES[usize::from(b)];
    (v != NOT_DIGIT).then_some(v)
}

/// Appends a list of increasing positions: its length in characters, then
/// the first position and the gaps to the next. The length lets a list be
/// skipped in one step: an update finds a document's list in a key's
/// positions by skipping the lists of the documents before it.
pub fn push_positions(out: &mut String, list: &[u32]) {
    let gaps = || {
        let mut prev = 0;
        list.iter().map(move |&p| {
            let gap = p - prev;
            prev = p;
            u64::from(gap)
        })
    };
    push_varint(out, gaps().map(varint_len).sum::<usize>() as u64);
    for gap in gaps() {
        push_varint(out, gap);
    }
}

/// How many characters [`push_varint`] writes for `n`.
fn varint_len(n: u64) -> usize {
    (64 - n.leading_zeros() as usize).div_ceil(5).max(1)
}

/// Reads the per-key position lists of a [`DocEntry`] one after the other,
/// as encoded slices.
pub struct PositionReader<'a> {
    rest: &'a str,
}

impl<'a> PositionReader<'a> {
    pub fn new(s: &'a str) -> Self {
        PositionReader { rest: s }
    }

    /// The next list, still encoded (length and positions); empty when
    /// none is left or it is malformed.
    pub fn next_list(&mut self) -> &'a str {
        let s = self.rest;
        let mut at = 0;
        let end = read_varint(s.as_bytes(), &mut at)
            .and_then(|len| at.checked_add(usize::try_from(len).ok()?))
            .filter(|&end| s.is_char_boundary(end));
        let Some(end) = end else {
            self.rest = "";
            return "";
        };
        self.rest = &s[end..];
        &s[..end]
    }

    /// Skips `n` lists; false if fewer are left or one is malformed (then
    /// nothing is left to read).
    pub fn skip(&mut self, n: usize) -> bool {
        (0..n).all(|_| !self.next_list().is_empty())
    }

    /// What is left to read.
    pub fn rest(&self) -> &'a str {
        self.rest
    }
}

/// Reads one varint at byte `at`, advancing it.
#[inline(always)]
pub fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    // Most are one character: posting lists are read a few million at a
    // time when an edited story is spliced into them.
    let digit = VALUES[usize::from(*bytes.get(*at)?)];
    if digit < 32 {
        *at += 1;
        return Some(u64::from(digit));
    }
    read_long_varint(bytes, at)
}

/// [`read_varint`] of a varint of several characters (or of none).
fn read_long_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*at)?;
        *at += 1;
        let d = u64::from(digit_value(b)?);
        n |= (d & 31) << shift;
        if d < 32 {
            return Some(n);
        }
        shift += 5;
        if shift > 60 {
            return None;
        }
    }
}

/// The text of an HTML body: tags dropped (each counts as a space), the
/// contents of `<script>` and `<style>` dropped, entities decoded,
/// whitespace collapsed.
pub fn html_text(html: &str) -> String {
    collapsed(&raw_text(html), usize::MAX)
}

/// [`html_text`] before its white space is collapsed.
fn raw_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    // ASCII bytes, found by memchr's vectorized search, are characters.
    while let Some(lt) = memchr::memchr(b'<', rest.as_bytes()) {
        push_decoded(&mut out, &rest[..lt]);
        out.push(' ');
        let tag = &rest[lt..];
        let end = memchr::memchr(b'>', tag.as_bytes()).map_or(tag.len(), |i| i + 1);
        let inside = &tag[1..end.min(tag.len())];
        let name_len = inside
            .bytes()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(inside.len());
        let name = &inside[..name_len];
        rest = &tag[end..];
        if name.eq_ignore_ascii_case("script") || name.eq_ignore_ascii_case("style") {
            let close = format!("</{}", name.to_ascii_lowercase());
            let lower = rest.to_ascii_lowercase();
            rest = lower.find(&close).map_or("", |i| &rest[i..]);
        }
    }
    push_decoded(&mut out, rest);
    out
}

/// `text`'s words joined by single spaces, up to the first that makes it
/// longer than `max` characters (all of them for `usize::MAX`).
fn collapsed(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max.saturating_mul(4)));
    let mut chars = 0;
    for word in tokens(text).map(|t| t.text).filter(|t| !t.is_empty()) {
        if chars > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
            chars += 1;
        }
        out.push_str(word);
        if max != usize::MAX {
            chars += word.chars().count();
        }
    }
    out
}

/// The excerpt of a body's text (as [`raw_text`] gives it): its start,
/// collapsed and cut at a word ([`cut_at_word`]). Only as much is collapsed
/// as the cut can reach: one character more than it keeps tells that it
/// cuts.
fn excerpt(text: &str) -> String {
    cut_at_word(&collapsed(text, EXCERPT_CHARS), EXCERPT_CHARS)
}

/// Appends `text` with its character references decoded (the ones
/// pulldown-cmark writes, and numeric ones).
fn push_decoded(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = memchr::memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // Within the ten bytes a reference's name may have.
        let semi = memchr::memchr(b';', &after.as_bytes()[..after.len().min(11)]);
        let decoded = semi.and_then(|i| {
            let name = &after[..i];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{A0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, i))
        });
        match decoded {
            Some((c, i)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// `text` cut to at most `max` characters at a space, with `…` if cut.
fn cut_at_word(text: &str, max: usize) -> String {
    let Some((end, _)) = text.char_indices().nth(max) else {
        return text.to_string();
    };
    let cut = &text[..end];
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::analyze::{alt_key, fold, key, words};
    use proptest::prelude::*;

    #[test]
    fn references_are_decoded_where_their_name_ends_within_ten_bytes() {
        let mut out = String::new();
        push_decoded(
            &mut out,
            "سوريا &amp; لبنان &#x41;&#66;&nbsp;x &#x00000043; &#x000000044; &foo; &ولا; & ولا ; &",
        );
        assert_eq!(
            out,
            "سوريا & لبنان AB\u{A0}x C &#x000000044; &foo; &ولا; & ولا ; &"
        );
    }

    /// [`extract`] as first written: every (key, position, field) sorted by
    /// key, stably. The numbered keys must give the same entry.
    fn extract_by_sorting(title: &str, body_html: &str) -> DocEntry {
        let text = html_text(body_html);
        let (title, body) = (fold(title), fold(&text));
        let mut occurrences: Vec<(&str, u32, u8)> = Vec::new();
        let mut pos = 0u32;
        for (field, folded) in [(TITLE, &title), (BODY, &body)] {
            for w in words(folded) {
                occurrences.push((key(w), pos, field));
                if let Some(alt) = alt_key(w) {
                    occurrences.push((alt, pos, field));
                }
                pos += 1;
            }
            pos += GAP;
        }
        occurrences.sort_by(|a, b| a.0.cmp(b.0));
        let mut entry = DocEntry::new(pos, cut_at_word(&text, EXCERPT_CHARS));
        for run in occurrences.chunk_by(|a, b| a.0 == b.0) {
            let mut positions: Vec<u32> = run.iter().map(|o| o.1).collect();
            positions.dedup();
            entry.push(run[0].0, run.iter().fold(0, |f, o| f | o.2), &positions);
        }
        entry
    }

    proptest! {
        #[test]
        fn extract_numbers_keys_as_sorting_would(
            title in proptest::collection::vec("(و|ب|ال|لل)?(سوريا|مدرسة|مدارس|قال|a1|z)", 0..4),
            body in proptest::collection::vec("(و|ف|ال|وال)?(سوريا|مدرسة|مدارس|قال|a1|z|الأسد)(ات|ون|ها)?[ ،.]", 0..40),
        ) {
            let (title, body) = (title.join(" "), format!("<p>{}</p>", body.concat()));
            prop_assert_eq!(extract(&title, &body), extract_by_sorting(&title, &body));
        }
    }

    proptest! {
        /// Each span is the key and the list of positions that splitting
        /// the entry's keys at spaces and reading its lists one by one find.
        #[test]
        fn spans_are_the_keys_and_lists_read_back(
            body in proptest::collection::vec("(و|ال)?(سوريا|مدرسة|قال|a1|z)(ات)?[ ،.]", 0..40),
        ) {
            let (entry, spans) = extract_spans("عنوان وسوريا", &format!("<p>{}</p>", body.concat()));
            let mut reader = PositionReader::new(&entry.positions);
            let keys: Vec<&str> = entry.keys.split(' ').collect();
            prop_assert_eq!(spans.len(), entry.fields.len());
            for (span, key) in spans.iter().zip(keys) {
                prop_assert_eq!(&entry.keys[span.key.clone()], key);
                prop_assert_eq!(&entry.positions[span.positions.clone()], reader.next_list());
            }
            prop_assert_eq!(reader.rest(), "");
        }
    }

    proptest! {
        /// Bodies with white space of every kind and length, and long enough
        /// to be cut for their excerpt: the same entry, excerpt included.
        #[test]
        fn extract_reads_spaced_text_as_collapsed_text(
            words in proptest::collection::vec(
                "(<p>|</p>\n|<em>|</em>|&amp;|)(سوريا|مدرسة|قال|a1|Zé|الأسد|٢٠٢٠)([ \t\n\u{A0}\u{2003}،.]{0,3})",
                0..150,
            ),
        ) {
            let body = words.concat();
            prop_assert_eq!(extract("عنوان", &body), extract_by_sorting("عنوان", &body));
        }
    }

    proptest! {
        /// Skipping lists leaves what reading them one by one leaves, for
        /// lengths of one, two and three characters; data cut short, or
        /// fewer lists than asked, is refused and leaves nothing.
        #[test]
        fn skipping_lists_equals_reading_them(
            lists in proptest::collection::vec(
                proptest::collection::btree_set(0u32..40_000, 1..700), 1..6),
            n in 0usize..8,
            cut in 0usize..4,
        ) {
            let mut encoded = String::new();
            for list in &lists {
                push_positions(&mut encoded, &list.iter().copied().collect::<Vec<_>>());
            }
            let mut one_by_one = PositionReader::new(&encoded);
            let read = (0..n).all(|_| !one_by_one.next_list().is_empty());
            let mut skipping = PositionReader::new(&encoded);
            prop_assert_eq!(skipping.skip(n), read);
            prop_assert_eq!(skipping.rest(), if read { one_by_one.rest() } else { "" });

            let short = &encoded[..encoded.len().saturating_sub(cut + 1)];
            let mut skipping = PositionReader::new(short);
            prop_assert!(!skipping.skip(lists.len()));
            prop_assert_eq!(skipping.rest(), "");
        }
    }

    #[test]
    fn excerpts_are_cut_at_a_word() {
        let body = "كلمة ".repeat(100);
        let entry = extract("", &format!("<p>{body}</p>"));
        assert!(entry.excerpt.ends_with("كلمة…"), "{}", entry.excerpt);
        assert!(entry.excerpt.chars().count() <= EXCERPT_CHARS + 1);
        assert_eq!(extract("", "<p>قصير  جدا</p>").excerpt, "قصير جدا");
    }

    proptest! {
        /// Two words are equal as map keys when their texts are, and then
        /// hash alike: texts of every length around those where the
        /// numbers stop being all of the bytes, most of them alike but
        /// for one letter or their length.
        #[test]
        fn words_are_equal_when_their_texts_are(
            a in "[ابتسلمن1\\x00]{0,20}",
            b in "[ابتسلمن1\\x00]{0,20}",
            at in 0usize..20,
            letter in "[ابتa]",
        ) {
            use std::hash::BuildHasher;
            let hash = |w: &Word| rustc_hash::FxBuildHasher.hash_one(w);
            // `b` as `a` with one letter replaced.
            let mut changed: Vec<char> = a.chars().collect();
            if let Some(c) = changed.get_mut(at) {
                *c = letter.chars().next().unwrap_or('a');
            }
            let changed: String = changed.into_iter().collect();
            for other in [&a, &b, &changed, &format!("{a}ا")] {
                let (x, y) = (Word::new(&a), Word::new(other));
                prop_assert_eq!(x == y, a == *other, "{:?} / {:?}", a, other);
                if x == y {
                    prop_assert_eq!(hash(&x), hash(&y));
                }
            }
        }
    }

    proptest! {
        /// Two keys whose prefixes differ order as their prefixes do.
        #[test]
        fn prefixes_order_as_keys_do(a in "[a\\x00ب-ي]{0,12}", b in "[a\\x00ب-ي]{0,12}") {
            if prefix(&a) != prefix(&b) {
                prop_assert_eq!(prefix(&a).cmp(&prefix(&b)), a.cmp(&b));
            }
        }
    }

    #[test]
    fn varints_round_trip() {
        for n in [0u64, 1, 7, 31, 32, 33, 1023, 1024, 99_999, u32::MAX as u64] {
            let mut s = String::new();
            push_varint(&mut s, n);
            let mut at = 0;
            assert_eq!(read_varint(s.as_bytes(), &mut at), Some(n), "{n} as {s}");
            assert_eq!(at, s.len());
            assert_eq!(varint_len(n), s.len(), "{n} as {s}");
        }
        let mut s = String::new();
        push_varint(&mut s, 5);
        assert_eq!(s, "5");
        for (i, &d) in DIGITS.iter().enumerate() {
            assert_eq!(digit_value(d), Some(i as u8));
        }
        let digits = (0..=u8::MAX).filter(|&b| digit_value(b).is_some());
        assert_eq!(digits.count(), DIGITS.len());
    }

    #[test]
    fn html_text_drops_markup() {
        assert_eq!(
            html_text(
                "<p>كشف &amp; <strong>موقع</strong></p><script>x<y</script><p>a&lt;b &#x41;</p>"
            ),
            "كشف & موقع a<b A"
        );
        assert_eq!(html_text("a &unknown b"), "a &unknown b");
    }

    #[test]
    fn positions_reader_splits_lists() {
        let mut s = String::new();
        push_positions(&mut s, &[1, 40, 41]);
        push_positions(&mut s, &[]);
        push_positions(&mut s, &[2000]);
        let mut r = PositionReader::new(&s);
        let a = r.next_list();
        let b = r.next_list();
        let c = r.next_list();
        assert_eq!(format!("{a}{b}{c}"), s);
        assert_eq!(b, "0");
        // Each list is its length, then the first position and the gaps.
        let decode = |list: &str| {
            let mut at = 0;
            let len = read_varint(list.as_bytes(), &mut at).unwrap();
            assert_eq!(at as u64 + len, list.len() as u64, "{list}");
            let mut gaps = Vec::new();
            while at < list.len() {
                gaps.push(read_varint(list.as_bytes(), &mut at).unwrap());
            }
            gaps
        };
        assert_eq!(decode(a), [1, 39, 1]);
        assert_eq!(decode(c), [2000]);
        // A list cut short is malformed: nothing more is read.
        let mut r = PositionReader::new(&s[..a.len() - 1]);
        assert_eq!(r.next_list(), "");
        assert_eq!(r.rest(), "");
    }
}
