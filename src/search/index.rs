//! The search index: what each article contributes ([`extract`], pure and
//! cacheable), and the files built from all of them ([`assemble`]).
//!
//! Every file is a script that hands its data to the page's global
//! `arshifSearch(name, data)`, so a reader's browser loads it with a
//! `<script src>` tag, from `file://` as over HTTP. Under `search/`:
//!
//! | file | holds | loaded |
//! |---|---|---|
//! | `index.js` | the manifest: document count, chunk sizes, the first key of every shard, each taxonomy's term names | on every search |
//! | `k/<n>.js` | keys `first[n] ≤ key < first[n+1]`, each with its postings: documents and fields | for each query word |
//! | `p/<n>.js` | the same keys' word positions | only for a "quoted phrase" |
//! | `d/<n>.js` | [`DOC_CHUNK`] documents: title, link, date, excerpt, terms | for the results shown |
//! | `f/<n>.js` | [`FACET_CHUNK`] documents' terms, for the filters | for the first [`FACET_SAMPLE`] results |
//!
//! Keys are sorted and cut into shards of about [`SHARD_BYTES`] (a key with
//! a longer posting list gets a shard of its own), so a one-word query loads
//! the manifest, one shard and the documents it shows.
//!
//! Documents are numbered oldest first, so that a new story appends to the
//! posting lists and the last chunks instead of renumbering every document
//! (the files of the index that did not change are kept). A posting list
//! is a string of numbers in a base-64 varint ([`push_varint`]): per document
//! `(gap − 1) × 8 + fields` (gap from the previous document, fields a bit set
//! of [`TITLE`], [`BODY`], [`TAG`]). Its positions (in `p/`) are per document
//! the count, then the first position and the gaps to the next.
//!
//! Besides word keys (see [`analyze`](super::analyze)) the index holds, for
//! each term an article is tagged with, `=` + each folded word of the term's
//! name and spellings (never stemmed), and `#<taxonomy>:<term>` for filters.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::analyze::{alt_key, fold, key, words};
use crate::render::context::Links;
use crate::site::{Article, Site};

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
/// Shards are cut when they reach about this many bytes.
pub const SHARD_BYTES: usize = 32 * 1024;
/// Characters of body text kept for snippets.
pub const EXCERPT_CHARS: usize = 320;
/// Positions left empty between title, body and each term, so that a
/// phrase never spans two of them.
const GAP: u32 = 2;

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

/// Analyzes one article.
pub fn extract(article: &Article, body_html: &str) -> DocEntry {
    let mut keys: HashMap<String, (u8, Vec<u32>)> = HashMap::new();
    let mut pos = 0u32;
    let mut add = |k: String, field: u8, pos: u32| {
        let e = keys.entry(k).or_insert((0, Vec::new()));
        e.0 |= field;
        if e.1.last() != Some(&pos) {
            e.1.push(pos);
        }
    };
    let text = html_text(body_html);
    for (field, source) in [(TITLE, article.source.front.title.as_str()), (BODY, &text)] {
        let folded = fold(source);
        for w in words(&folded) {
            add(key(w), field, pos);
            if let Some(alt) = alt_key(w) {
                add(alt, field, pos);
            }
            pos += 1;
        }
        pos += GAP;
    }
    let mut sorted: Vec<(String, (u8, Vec<u32>))> = keys.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut entry = DocEntry {
        keys: String::new(),
        fields: Vec::with_capacity(sorted.len()),
        positions: String::new(),
        length: pos,
        excerpt: cut_at_word(&text, EXCERPT_CHARS),
    };
    for (i, (k, (fields, positions))) in sorted.into_iter().enumerate() {
        if i > 0 {
            entry.keys.push(' ');
        }
        entry.keys.push_str(&k);
        entry.fields.push(fields);
        push_positions(&mut entry.positions, &positions);
    }
    entry
}

/// Builds every file of the index from the entries of all articles
/// (`entries[i]` is `extract` of `site.articles[i]`): `(path in the output,
/// bytes)`, in a stable order, byte-identical for the same input.
pub fn assemble(site: &Site, entries: &[DocEntry], links: Links) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut postings: HashMap<String, Posting> = HashMap::new();
    // Each term's tag keys, once per term.
    let term_keys: Vec<Vec<Vec<String>>> = site
        .taxonomies
        .iter()
        .map(|tax| tax.terms.iter().map(tag_words).collect())
        .collect();

    // Oldest first: a new story appends to the lists instead of renumbering them.
    for (doc, (article, entry)) in site.articles.iter().zip(entries).rev().enumerate() {
        let doc = doc as u32;
        let mut positions = PositionReader::new(&entry.positions);
        for (k, &fields) in entry.keys.split(' ').zip(&entry.fields) {
            let pos = positions.next_list();
            if k.is_empty() {
                continue;
            }
            match postings.get_mut(k) {
                Some(p) => p.add(doc, fields, pos),
                None => {
                    let mut p = Posting::default();
                    p.add(doc, fields, pos);
                    postings.insert(k.to_string(), p);
                }
            }
        }
        // Terms: filter keys and the unstemmed words of their names.
        let mut tags: HashMap<String, Vec<u32>> = HashMap::new();
        let mut pos = entry.length;
        for (t, terms) in article.terms.iter().enumerate() {
            for &i in terms {
                postings
                    .entry(format!("#{t}:{i}"))
                    .or_default()
                    .add(doc, TAG, "0");
                for spelling in &term_keys[t][i] {
                    for w in spelling.split(' ') {
                        let list = tags.entry(format!("={w}")).or_default();
                        list.push(pos);
                        pos += 1;
                    }
                    pos += GAP;
                }
            }
        }
        let mut tags: Vec<(String, Vec<u32>)> = tags.into_iter().collect();
        tags.sort();
        for (k, mut list) in tags {
            list.sort_unstable();
            list.dedup();
            let mut enc = String::new();
            push_positions(&mut enc, &list);
            postings.entry(k).or_default().add(doc, TAG, &enc);
        }
    }

    let mut keys: Vec<(String, Posting)> = postings.into_iter().collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    let mut firsts: Vec<String> = Vec::new();
    let mut shard_k = serde_json::Map::new();
    let mut shard_p = serde_json::Map::new();
    let mut size = 0usize;
    let flush = |out: &mut Vec<(String, Vec<u8>)>,
                 n: usize,
                 k: &mut serde_json::Map<String, serde_json::Value>,
                 p: &mut serde_json::Map<String, serde_json::Value>| {
        out.push(script(&format!("k/{n}"), &std::mem::take(k)));
        out.push(script(&format!("p/{n}"), &std::mem::take(p)));
    };
    for (k, posting) in keys {
        if size > 0 && size + posting.docs.len() > SHARD_BYTES {
            flush(&mut out, firsts.len() - 1, &mut shard_k, &mut shard_p);
            size = 0;
        }
        if size == 0 {
            firsts.push(k.clone());
        }
        size += k.len() + posting.docs.len() + 6;
        shard_p.insert(k.clone(), posting.positions.into());
        shard_k.insert(k, posting.docs.into());
    }
    if size > 0 {
        flush(&mut out, firsts.len() - 1, &mut shard_k, &mut shard_p);
    }

    // Documents: what a result shows, and the terms for the filters.
    let style = site.config.dates;
    let docs: Vec<serde_json::Value> = site
        .articles
        .iter()
        .zip(entries)
        .rev()
        .map(|(a, e)| {
            serde_json::json!([
                a.source.front.title,
                links.url(&a.path),
                a.source.front.date.rfc3339(),
                a.source.front.date.display(style),
                e.excerpt,
                a.terms,
            ])
        })
        .collect();
    for (n, chunk) in docs.chunks(DOC_CHUNK).enumerate() {
        out.push(script(&format!("d/{n}"), &chunk));
    }
    let terms: Vec<&Vec<Vec<usize>>> = site.articles.iter().rev().map(|a| &a.terms).collect();
    for (n, chunk) in terms.chunks(FACET_CHUNK).enumerate() {
        out.push(script(&format!("f/{n}"), &chunk));
    }

    let taxonomies: Vec<serde_json::Value> = site
        .taxonomies
        .iter()
        .map(|t| {
            let names: Vec<&str> = t.terms.iter().map(|term| term.name.as_str()).collect();
            serde_json::json!({"name": t.config.name, "title": t.config.title, "terms": names})
        })
        .collect();
    let manifest = serde_json::json!({
        "version": 1,
        "docs": site.articles.len(),
        "docChunk": DOC_CHUNK,
        "facetChunk": FACET_CHUNK,
        "facetSample": FACET_SAMPLE,
        "shards": firsts,
        "taxonomies": taxonomies,
    });
    out.push(script("index", &manifest));
    out
}

/// The folded words of a term's name and of every spelling articles used,
/// each list of words space-separated, without repeats.
fn tag_words(term: &crate::site::Term) -> Vec<String> {
    let mut list: Vec<String> = std::iter::once(&term.name)
        .chain(term.spellings.keys())
        .map(|s| words(&fold(s)).collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
        .collect();
    list.sort();
    list.dedup();
    list
}

/// One key's postings while they are being built.
#[derive(Default)]
struct Posting {
    docs: String,
    positions: String,
    last: Option<u32>,
}

impl Posting {
    /// Adds a document (in increasing order) with its fields and its
    /// already encoded positions.
    fn add(&mut self, doc: u32, fields: u8, positions: &str) {
        if self.last == Some(doc) {
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
}

/// `arshifSearch("<name>", <data>);` as the bytes of `search/<name>.js`.
fn script(name: &str, data: &impl Serialize) -> (String, Vec<u8>) {
    let json = serde_json::to_string(data).unwrap_or_else(|_| "null".into());
    let body = format!("arshifSearch({name:?},{json});\n");
    (format!("search/{name}.js"), body.into_bytes())
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

/// The value of one varint character.
fn digit_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'z' => Some(b - b'a' + 10),
        b'A'..=b'Z' => Some(b - b'A' + 36),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// Appends a list of increasing positions: count, first, gaps.
fn push_positions(out: &mut String, list: &[u32]) {
    push_varint(out, list.len() as u64);
    let mut prev = 0;
    for (i, &p) in list.iter().enumerate() {
        push_varint(out, u64::from(if i == 0 { p } else { p - prev }));
        prev = p;
    }
}

/// Reads the per-key position lists of a [`DocEntry`] one after the other,
/// as encoded slices.
struct PositionReader<'a> {
    rest: &'a str,
}

impl<'a> PositionReader<'a> {
    fn new(s: &'a str) -> Self {
        PositionReader { rest: s }
    }

    /// The next list, still encoded (count and positions).
    fn next_list(&mut self) -> &'a str {
        let s = self.rest;
        let mut at = 0;
        let count = read_varint(s, &mut at).unwrap_or(0);
        for _ in 0..count {
            if read_varint(s, &mut at).is_none() {
                break;
            }
        }
        self.rest = &s[at..];
        &s[..at]
    }
}

/// Reads one varint at byte `at`, advancing it.
pub fn read_varint(s: &str, at: &mut usize) -> Option<u64> {
    let bytes = s.as_bytes();
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
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_decoded(&mut out, &rest[..lt]);
        out.push(' ');
        let tag = &rest[lt..];
        let end = tag.find('>').map_or(tag.len(), |i| i + 1);
        let name: String = tag[1..end.min(tag.len())]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &tag[end..];
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = lower.find(&close).map_or("", |i| &rest[i..]);
        }
    }
    push_decoded(&mut out, rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Appends `text` with its character references decoded (the ones
/// pulldown-cmark writes, and numeric ones).
fn push_decoded(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').filter(|&i| i <= 10);
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
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        for n in [0u64, 1, 7, 31, 32, 33, 1023, 1024, 99_999, u32::MAX as u64] {
            let mut s = String::new();
            push_varint(&mut s, n);
            let mut at = 0;
            assert_eq!(read_varint(&s, &mut at), Some(n), "{n} as {s}");
            assert_eq!(at, s.len());
        }
        let mut s = String::new();
        push_varint(&mut s, 5);
        assert_eq!(s, "5");
        for (i, &d) in DIGITS.iter().enumerate() {
            assert_eq!(digit_value(d), Some(i as u8));
        }
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
    }
}
