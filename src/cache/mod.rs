//! The build cache: what the previous build read and wrote, so that the next
//! build reads only changed files and renders only pages whose inputs changed.
//!
//! It holds every article as loaded (front matter and body facts, not the
//! HTML; drafts too) with its file's size and mtime, and every output file's fingerprint
//! (see `render::Renderer::fingerprint`), and the search index's state
//! (`search::State`), which lets the next build update the index. It is
//! valid only for the same arshif version, site.toml and build options (a
//! theme change re-renders the pages from it, see [`Key`]), and only for
//! the very output folder it describes (by device and inode: an output that
//! was deleted, or replaced by another build, is not trusted).
//!
//! It is a folder next to the output folder, `.<output>.arshif-cache` (like
//! the staging folder of a build), so a build writes nothing into the
//! site's own folder. The folder holds:
//!
//! - `index`: the key (first, so that a cache of other settings is turned
//!   down by reading the start of one file), the list of the article
//!   parts (each by its file's name, its first article's source, its count
//!   and its length), the related lists, and what only the end of a build
//!   knows (the output folder's identity, the fingerprints, and the search
//!   index's shard count with the list of its state's chunks, each by its
//!   file's name, its count and its length);
//! - one part file per part of the article list (about 4096 articles, by
//!   source), and one per chunk of the search index's state (4096
//!   documents, by position, oldest first: see `STATE_CHUNK`), each named
//!   by the hash of its bytes (`<hex>.part`);
//! - while a build writes, temporary files (`<pid>-<n>.tmp`).
//!
//! A part file is never written in place: it is written under a temporary
//! name and renamed to its content's name, and a name already holding those
//! bytes is not written again. A part none of whose articles changed is
//! named by the next index as it is (see [`Parts`]), and a part or a chunk
//! of the search state encoded to the bytes of a file the previous index
//! named is neither compared nor written again: a build that
//! changes a story writes one article part, the chunk of the state it is
//! in (rarely more) and the index, and copies nothing. The index is put in
//! place by a rename too, and only then are the part files it does not
//! name deleted. The index is removed just before a build's commit point,
//! so a build killed after that leaves no cache that could describe the
//! wrong files: the next build is then a full one, and the parts no index
//! names are deleted once its index is in place.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::content;
use crate::error::{Diagnostic, Error, Result};
use crate::mapped::{self, Bytes};
use crate::output::{DirId, Fingerprints};

mod hash;

pub use hash::{hash_of, holds_text, HashWriter};

/// Bumped whenever the cache's layout changes, the pages made from the
/// same inputs do (another minifier, say), or fingerprints are computed
/// another way (an older cache's would match no page, and the build would
/// rewrite every file as changed): a cache of another format makes a full
/// build.
const FORMAT: u32 = 27;

/// What a cache was written for. It is used only by a build of the same
/// arshif version, configuration and options (`settings`). The theme's
/// templates are not among them: every page's fingerprint has their hash
/// (see `render::Renderer::templates_hash`), so after a template change a
/// build re-renders every page from the cached articles and keeps the
/// search index; `templates` tells it beforehand that it will. The theme's
/// static files are copied by their size and mtime, like any asset.
/// Computed by [`Key::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    settings: u128,
    templates: u128,
}

impl Key {
    /// The key of a build: `settings` is anything that shapes the output
    /// besides the templates (the configuration and options, in a stable
    /// textual form), `templates` the hash of the theme's templates.
    pub fn new(settings: &str, templates: u128) -> Key {
        let mut h = HashWriter::default();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update(&FORMAT.to_le_bytes());
        h.update(settings.as_bytes());
        Key {
            settings: h.finish(),
            templates,
        }
    }

    /// Whether a cache written with `stored` may be used by this build.
    fn admits(&self, stored: &Key) -> bool {
        self.settings == stored.settings
    }
}

/// Every file under `dir` a build reads (links followed, as Tera follows
/// them; hidden ones left out, see [`content::visible`]), by its path
/// relative to `dir` and its bytes: a folder named or placed otherwise has
/// the same hash.
pub fn hash_folder(dir: &Path) -> Result<u128> {
    let mut h = HashWriter::default();
    for entry in content::visible(
        walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name(),
    ) {
        let entry = entry.map_err(|e| Error::io(dir, e.into()))?;
        if entry.file_type().is_file() {
            let bytes = fs::read(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            h.update(rel.to_string_lossy().as_bytes());
            h.update(&[0]);
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
    }
    Ok(h.finish())
}

/// The file of the cache folder that names the rest (see the module's doc).
const INDEX: &str = "index";

/// A previous build, as far as the next one needs to know it.
#[derive(Debug)]
pub struct Cache {
    /// Every article as loaded, the drafts a build left out included: in
    /// parts, sorted by source.
    pub articles: Vec<Vec<Box<content::Article>>>,
    /// Every article's related articles (`site::related`).
    pub related: crate::site::related::Lists,
    /// Each output file's fingerprint.
    pub files: Fingerprints,
    /// What the search index needs to be updated rather than built anew.
    pub search: Option<crate::search::State>,
    /// Its part files (the article list's and the search state's), for
    /// the next cache to name again.
    pub parts: Parts,
}

/// The parts of a cache's article list, as its index names them: a part
/// whose articles a build took from the cache unchanged is named by the
/// next index as it is, instead of being encoded and written again.
///
/// So are the chunks of its search index's state: a chunk of the next
/// state whose bytes have the name of one of them is not written again.
///
/// Only names are kept, no open file: a part file is never changed once
/// made (its name is the hash of its bytes), and it is deleted only once an
/// index that does not name it is in place; the next index names again
/// every part it keeps, so those stay.
#[derive(Debug)]
pub struct Parts {
    /// By their first article's source, which is increasing.
    parts: Vec<Part>,
    /// The search state's chunks, in order, loaded and checked with the
    /// cache: each file holds the bytes its name says.
    chunks: Vec<Chunk>,
}

/// A part file of the cache folder (a part of the article list or a chunk
/// of the search state), as the index names it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct PartFile {
    /// Named by the hash of its bytes (see [`part_name`]).
    name: String,
    /// Its length: a file cut short is found before it is decoded.
    len: u64,
}

impl PartFile {
    /// Its bytes, in the cache folder `dir` (see [`contents`]); `None` if
    /// its name is not one [`part_name`] makes, or the file cannot be read
    /// or is not as long as the index says.
    fn read(&self, dir: &Path) -> Option<Bytes> {
        let bytes = contents(&fs::File::open(self.path(dir)?).ok()?)?;
        (bytes.len() as u64 == self.len).then_some(bytes)
    }

    /// Its path in the cache folder `dir`; `None` if its name is not one
    /// [`part_name`] makes.
    fn path(&self, dir: &Path) -> Option<PathBuf> {
        is_part_name(&self.name).then(|| dir.join(&self.name))
    }
}

/// One part of a cache's article list, as its index names it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Part {
    file: PartFile,
    /// Its first article's source.
    first: PathBuf,
    /// How many articles it holds.
    count: usize,
}

// The index holds postcard values one after the other: the key (so that a
// cache of other settings is rejected before anything else is decoded), the
// list of parts and the related lists (written while the build renders, see
// [`Writer`]), and the rest, which only the end of the build knows.

/// The part of the index written at the end of a build: read as owned
/// values, written from borrowed ones (the same bytes), so that a build
/// does not copy the search index's skips to write them (the fingerprints
/// are laid out as runs as they are written, see [`files`]).
#[derive(Serialize, Deserialize)]
#[serde(bound(
    serialize = "F: std::borrow::Borrow<Fingerprints>, S: Serialize",
    deserialize = "F: From<Fingerprints>, S: Deserialize<'de>"
))]
struct Tail<F, S> {
    /// The output folder's device and inode when the build committed.
    output: DirId,
    #[serde(with = "files")]
    files: F,
    search: Option<SearchParts<S>>,
}

/// The output's files and their fingerprints, as the index holds them:
/// the paths laid end to end (one UTF-8 check for all), where each ends,
/// and the fingerprints, each a run of bytes. As a postcard map, each of
/// 155,000 paths of a large archive was checked on its own, and each
/// fingerprint read as a varint of up to 19 bytes, on the one thread that
/// reads the index's serial part.
mod files {
    use super::*;
    use crate::content::compact;

    #[derive(Serialize)]
    struct Written<'a> {
        #[serde(with = "compact::bytes")]
        paths: &'a [u8],
        #[serde(with = "compact::le")]
        ends: Vec<u32>,
        #[serde(with = "compact::le")]
        prints: &'a [u128],
    }

    #[derive(Deserialize)]
    struct Read<'a> {
        #[serde(borrow)]
        paths: &'a [u8],
        #[serde(with = "compact::le")]
        ends: Vec<u32>,
        #[serde(with = "compact::le")]
        prints: Vec<u128>,
    }

    pub fn serialize<F, S>(files: &F, ser: S) -> Result<S::Ok, S::Error>
    where
        F: std::borrow::Borrow<Fingerprints>,
        S: serde::Serializer,
    {
        let (paths, ends, prints) = files.borrow().parts();
        let ends = ends
            .iter()
            .map(|&end| u32::try_from(end))
            .collect::<Result<Vec<u32>, _>>()
            .map_err(serde::ser::Error::custom)?;
        Written {
            paths: paths.as_bytes(),
            ends,
            prints,
        }
        .serialize(ser)
    }

    pub fn deserialize<'de, F, D>(d: D) -> Result<F, D::Error>
    where
        F: From<Fingerprints>,
        D: serde::Deserializer<'de>,
    {
        use serde::de::Error as _;
        let read = Read::deserialize(d)?;
        let paths = simdutf8::basic::from_utf8(read.paths)
            .map_err(|_| D::Error::custom("paths that are not UTF-8"))?;
        let ends = read.ends.iter().map(|&end| end as usize);
        Fingerprints::from_parts(paths, ends, read.prints)
            .map(F::from)
            .ok_or_else(|| D::Error::custom("paths out of place"))
    }
}

/// The [`Tail`] as read.
type ReadTail = Tail<Fingerprints, Vec<crate::search::ShardSkips>>;

/// Documents per chunk of the search index's state (one of about 300
/// bytes, so a chunk is about a megabyte). The chunks are cut by position,
/// oldest first: a story added at the newest end changes the last chunk
/// only, one edited in place the chunk it is in.
const STATE_CHUNK: usize = 4096;

/// The search index's state as the index names it: its shard count, and
/// its documents in chunk files (see [`crate::search::State::chunks`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct SearchParts<S> {
    shards: u32,
    /// In order, oldest documents first.
    chunks: Vec<Chunk>,
    /// By slot: where the index's long posting lists may be read from (see
    /// [`crate::search::State::skips`]).
    skips: S,
}

/// One chunk of the search index's state, as the index names it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Chunk {
    file: PartFile,
    /// How many documents it holds.
    count: usize,
}

/// Where the cache (a folder) of the output folder `output` lives: beside
/// it.
pub fn path(output: &Path) -> Result<PathBuf> {
    Ok(crate::output::beside(
        &crate::output::absolute(output)?,
        "cache",
    ))
}

/// How a build with `key` may use the cache at `path`, read from the start
/// of its index only (so [`load`] may still find the rest unusable): `None`
/// when it may not, else whether it was written with the same templates.
/// An older arshif's cache, a plain file at `path`, has no index: `None`.
pub fn fit(path: &Path, key: Key) -> Option<bool> {
    let file = fs::File::open(path.join(INDEX)).ok()?;
    let size = file.metadata().ok()?.len();
    // A key is two postcard `u128`s, at most 19 bytes each.
    let head = read_at(&file, 0, size.min(40))?;
    let (stored, _) = stored_key(&head)?;
    key.admits(&stored)
        .then_some(stored.templates == key.templates)
}

/// The key an index's `bytes` start with, and where what follows it
/// starts.
fn stored_key(bytes: &[u8]) -> Option<(Key, usize)> {
    let (key, rest): (Key, _) = postcard::take_from_bytes(bytes).ok()?;
    Some((key, bytes.len() - rest.len()))
}

/// Reads the cache at `path` if it describes `output` as built with `key`.
/// Anything else (no cache, another version, an older arshif's cache file,
/// a part file missing or damaged) is no cache.
///
/// The index is decoded up to its list of parts; then the part files and
/// the rest of the index, each on its own, in parallel, where they lie
/// (mapped: nothing is copied to be decoded); the search state's chunk
/// files, named at the index's end, in parallel too once it is decoded.
pub fn load(path: &Path, key: Key, output: &Path) -> Option<Cache> {
    let index = contents(&fs::File::open(path.join(INDEX)).ok()?)?;
    let (stored, at) = stored_key(&index)?;
    if !key.admits(&stored) {
        return None;
    }
    let (parts, rest): (Vec<Part>, _) = postcard::take_from_bytes(&index[at..]).ok()?;
    // The rest is one long serial decode (the fingerprints, the related
    // lists): begun first, so that the parts, in parallel, end the load on
    // every core free, not the rest on one.
    let (rest, articles) = rayon::join(|| read_rest(path, rest), || read_parts(path, &parts));
    let (related, tail, search) = rest?;
    let articles = articles?;
    let id = crate::output::dir_id(output)?;
    // The folder is the one described, and still holds what it held: a
    // sample of its files must be there (a file deleted by hand is not
    // noticed beyond that sample; `build --full` repairs anything).
    let whole = tail
        .files
        .paths()
        .take(64)
        .all(|rel| output.join(rel).is_file());
    (tail.output == id && whole).then_some(Cache {
        articles,
        related,
        files: tail.files,
        parts: Parts {
            parts,
            chunks: tail.search.into_iter().flat_map(|s| s.chunks).collect(),
        },
        search,
    })
}

/// What the index holds after its list of parts (`rest`): the related
/// lists and its [`Tail`], with the search state read from the chunk files
/// it names in the cache folder `dir`; `None` if any is not what the index
/// says.
fn read_rest(
    dir: &Path,
    rest: &[u8],
) -> Option<(
    crate::site::related::Lists,
    ReadTail,
    Option<crate::search::State>,
)> {
    let (related, rest) = postcard::take_from_bytes(rest).ok()?;
    let mut tail: ReadTail = postcard::from_bytes(rest).ok()?;
    let search = match &mut tail.search {
        Some(parts) => {
            let skips = std::mem::take(&mut parts.skips);
            Some(read_state(dir, parts)?.with_skips(skips))
        }
        None => None,
    };
    Some((related, tail, search))
}

/// The search state whose chunk files `parts` names in the cache folder
/// `dir`, read and decoded in parallel, each a task of its own (as in
/// [`read_parts`]); `None` if any is missing or is not what the index says.
fn read_state<S>(dir: &Path, parts: &SearchParts<S>) -> Option<crate::search::State> {
    mapped::ask_ahead(parts.chunks.iter().filter_map(|c| c.file.path(dir)));
    let chunks = parts
        .chunks
        .par_iter()
        .with_max_len(1)
        .map(|chunk| read_chunk(dir, chunk))
        .collect::<Option<Vec<_>>>()?;
    Some(crate::search::State::from_chunks(parts.shards, chunks))
}

/// The documents of one chunk file of the search state; `None` unless it
/// has the length and the count its index says.
fn read_chunk(dir: &Path, chunk: &Chunk) -> Option<crate::search::StateChunk<'static>> {
    let bytes = std::sync::Arc::new(chunk.file.read(dir)?);
    let docs: crate::search::StateChunk<'static> =
        crate::mapped::within(&bytes, || postcard::from_bytes(&bytes).ok())?;
    (docs.len() == chunk.count).then_some(docs)
}

/// Articles per part of the cache's article list, on average. The parts
/// are decoded in parallel: decoding is most of a no-op build's first
/// stage, and the content scan beside it leaves a core free.
const ARTICLES_PER_PART: u64 = 4096;

/// Whether an article starts a part of the cache's article list (sorted by
/// source): one in [`ARTICLES_PER_PART`], chosen by a hash of its source, so
/// that a story added or removed changes only the part it is in.
fn starts_part(source: &Path) -> bool {
    xxhash_rust::xxh3::xxh3_64(source.as_os_str().as_encoded_bytes()) % ARTICLES_PER_PART == 0
}

/// An article as the cache stores it: the build's own, or a copy whose
/// stamp was cleared so that the next build reads its file again. A pointer
/// either way: a list of 100,000 articles by value (about 500 bytes each)
/// was 50 MB made and touched on every build.
enum Stored<'a> {
    Kept(&'a content::Article),
    Copied(Box<content::Article>),
}

impl std::ops::Deref for Stored<'_> {
    type Target = content::Article;

    fn deref(&self) -> &content::Article {
        match self {
            Stored::Kept(a) => a,
            Stored::Copied(a) => a,
        }
    }
}

impl Serialize for Stored<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        (**self).serialize(ser)
    }
}

/// The texts the articles of a part share (their taxonomies' names and
/// terms), each once, as they come: what the part numbers (see
/// [`content::compact::numbered`]).
fn shared_texts<'a>(part: &'a [Stored<'_>]) -> Vec<&'a str> {
    let mut seen = rustc_hash::FxHashSet::default();
    let mut texts = Vec::new();
    for a in part {
        for (name, terms) in a.front.taxonomies.iter() {
            for text in std::iter::once(name).chain(terms.iter().map(|t| &**t)) {
                if seen.insert(text) {
                    texts.push(text);
                }
            }
        }
    }
    texts
}

/// The articles (sorted by source) cut into parts, each starting where
/// [`starts_part`] says (or at the first article).
fn split<'s, 'a>(articles: &'s [Stored<'a>]) -> Vec<&'s [Stored<'a>]> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, a) in articles.iter().enumerate() {
        if i > start && starts_part(&a.source) {
            parts.push(&articles[start..i]);
            start = i;
        }
    }
    if start < articles.len() {
        parts.push(&articles[start..]);
    }
    parts
}

impl Parts {
    /// The previous cache's part holding exactly the articles of `part`, if
    /// every one of them was taken from it unchanged: the same first
    /// article, as many, none read again (an article added or changed would
    /// have been read; one removed changes the count).
    fn same(&self, part: &[Stored<'_>]) -> Option<&Part> {
        let first = &part.first()?.source;
        let i = self
            .parts
            .binary_search_by(|p| p.first.as_path().cmp(first))
            .ok()?;
        let old = &self.parts[i];
        let unchanged = part
            .iter()
            .all(|a| matches!(a, Stored::Kept(a) if a.cached));
        (old.count == part.len() && unchanged).then_some(old)
    }
}

/// The name of the part file holding `bytes`: their 128-bit XXH3 hash, so
/// that a name stands for one content.
fn part_name(bytes: &[u8]) -> String {
    format!("{:032x}.part", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// Whether `name` is one [`part_name`] makes: an index naming anything
/// else (a path elsewhere) is no cache.
fn is_part_name(name: &str) -> bool {
    name.strip_suffix(".part").is_some_and(|hex| {
        hex.len() == 32 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// The articles of the part files `parts` names in the cache folder `dir`,
/// read and decoded in parallel, part by part; `None` if any is missing or
/// is not what the index says.
///
/// Each part is a task of its own (`with_max_len(1)`): rayon would
/// otherwise give the core that decodes a run of parts up front, and the
/// core that ends the content scan found none left to take, while the last
/// run was decoded alone (some 15 ms at 100,000 articles).
#[expect(
    clippy::vec_box,
    reason = "articles are boxed where they are made, see `content::Content`"
)]
fn read_parts(dir: &Path, parts: &[Part]) -> Option<Vec<Vec<Box<content::Article>>>> {
    mapped::ask_ahead(parts.iter().filter_map(|p| p.file.path(dir)));
    parts
        .par_iter()
        .with_max_len(1)
        .map(|part| read_part(dir, part))
        .collect()
}

/// The articles of one part file, decoded where it lies, sharing the texts
/// its articles repeat (their terms, which it numbers) and leaving their
/// other texts there (see [`content::Text`]), each marked as taken from the
/// cache; `None` unless it has the length, the first article and the count
/// its index says.
#[expect(
    clippy::vec_box,
    reason = "articles are boxed where they are made, see `content::Content`"
)]
fn read_part(dir: &Path, part: &Part) -> Option<Vec<Box<content::Article>>> {
    let bytes = std::sync::Arc::new(part.file.read(dir)?);
    let content::compact::numbered::Unnumbered::<Vec<Box<content::Article>>>(mut articles) =
        crate::mapped::within(&bytes, || postcard::from_bytes(&bytes).ok())?;
    for a in &mut articles {
        a.cached = true;
    }
    let first = &articles.first()?.source;
    (articles.len() == part.count && *first == part.first).then_some(articles)
}

/// `len` bytes of `file` from `offset`; `None` if it ends before.
fn read_at(file: &fs::File, offset: u64, len: u64) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut bytes = vec![0; usize::try_from(len).ok()?];
    file.read_exact_at(&mut bytes, offset).ok()?;
    Some(bytes)
}

/// The whole of a cache `file`, mapped into memory where the file system
/// allows (see [`mapped::contents`]); `None` if it cannot be read. Reading
/// the cache instead (some 145 MB at 100,000 articles) cost a rebuild close
/// to a tenth of its CPU.
fn contents(file: &fs::File) -> Option<Bytes> {
    // SAFETY: the map is only read, and only while the cache is loaded. No
    // cache file is ever written in place: a part file is made under a
    // temporary name and renamed to the hash of its bytes, an index is
    // renamed over the previous one (`Writer::place`), and a part file no
    // index names is deleted.
    unsafe { mapped::contents(file) }.ok()
}

/// Removes the cache at `path`: done just before a build's commit point.
/// Its index only: the part files it named are garbage once the next index
/// is in place (see [`Writer::place`]). An older arshif's cache (a plain
/// file there) goes too, since that arshif would still trust it.
pub fn remove(path: &Path) {
    let _ = fs::remove_file(path.join(INDEX));
    if !path.is_dir() {
        let _ = fs::remove_file(path);
    }
}

/// How close to the build's start a file may have been changed and still
/// be trusted by its stamp: a file saved again within the file system's
/// timestamp granularity of the build's read could keep its size and mtime.
const RACY_NANOS: i128 = 2_000_000_000;

/// A cache being written while the build goes on. [`Writer::start`] writes
/// the parts of the article list that changed to files of their own, and
/// the start of the index (the key, the list of parts and the related
/// lists, known once the model is built) to a temporary file in the cache
/// folder, on a thread of its own while the pages are rendered;
/// [`Writer::end`] writes the chunks of the search state that changed and
/// adds to the index what only the end of the build knows, while the output
/// is committed; [`Writer::place`] puts the index in place once it is, and
/// deletes the part files it does not name.
///
/// A writer dropped before that (the build failed) removes its temporary
/// file and the part files it made: the index in place does not name them,
/// since they were not there when it started (or held other bytes than
/// their name says, which that index could not be loaded with anyway), so
/// that cache is left whole.
pub struct Writer {
    /// The cache folder.
    dir: PathBuf,
    /// The index being written, by its temporary name in `dir`, once made.
    tmp: Option<PathBuf>,
    index: io::Result<io::BufWriter<fs::File>>,
    /// The part files the index names.
    names: Vec<String>,
    /// The part files this writer made.
    made: Vec<PathBuf>,
    /// The part files the previous cache's index named (see [`Parts`]),
    /// which were read and checked when it was loaded: a part of one of
    /// these names is there, and is neither compared nor written again.
    known: HashSet<String>,
    /// The previous cache's chunks of the search state, in order: those a
    /// state loaded with it and unchanged since holds as they are.
    chunks: Vec<Chunk>,
    kept: [usize; 2],
    /// Whether the index was put in place: the files are then the cache.
    placed: bool,
}

/// `articles` in source order: put in place by their `order` when that
/// numbers them from 0 and puts them in source order (as
/// [`content::load_known`] does: the checks are a fraction of a sort of
/// 100,000 paths), sorted otherwise.
fn in_source_order(articles: Vec<&content::Article>) -> Vec<&content::Article> {
    let mut placed: Vec<Option<&content::Article>> = vec![None; articles.len()];
    let numbered = articles.iter().all(|&a| {
        placed
            .get_mut(a.order)
            .is_some_and(|slot| slot.replace(a).is_none())
    });
    if numbered {
        let placed: Vec<&content::Article> = placed.into_iter().flatten().collect();
        if placed.is_sorted_by(|a, b| content::source_order(&a.source, &b.source).is_lt()) {
            return placed;
        }
    }
    // Sorted as references: an article is hundreds of bytes, and a sort of
    // 100,000 of them spent most of its time moving them.
    let mut articles = articles;
    articles.par_sort_unstable_by(|a, b| content::source_order(&a.source, &b.source));
    articles
}

impl Writer {
    /// Starts the cache at `path` of a build that started at `started`,
    /// writing the parts of its articles (the drafts left out included)
    /// that `previous` does not hold unchanged, and its index's key, list
    /// of parts and related lists.
    pub fn start<'a>(
        path: &Path,
        key: Key,
        started: std::time::SystemTime,
        articles: impl Iterator<Item = &'a content::Article>,
        related: &crate::site::related::Lists,
        previous: Option<&Parts>,
    ) -> Writer {
        let started = content::FileStamp::nanos(started);
        let articles = in_source_order(articles.collect());
        let articles: Vec<_> = articles
            .into_iter()
            .map(|a| {
                if a.warned || a.stamp.modified > started - RACY_NANOS {
                    // Changed just before or during the build, or with
                    // warnings to show again: read it next time.
                    let mut a = a.clone();
                    a.stamp = content::FileStamp::default();
                    Stored::Copied(Box::new(a))
                } else {
                    Stored::Kept(a)
                }
            })
            .collect();
        let mut writer = Writer {
            dir: path.to_path_buf(),
            tmp: None,
            index: Err(io::ErrorKind::NotFound.into()),
            names: Vec::new(),
            made: Vec::new(),
            known: previous
                .map(|p| {
                    let parts = p.parts.iter().map(|part| &part.file.name);
                    let chunks = p.chunks.iter().map(|chunk| &chunk.file.name);
                    parts.chain(chunks).cloned().collect()
                })
                .unwrap_or_default(),
            chunks: previous.map(|p| p.chunks.clone()).unwrap_or_default(),
            kept: [0, 0],
            placed: false,
        };
        writer.index = writer.begin(key, &articles, related, previous);
        writer
    }

    /// What [`Writer::start`] writes, in the cache folder (made if need
    /// be): the part files, then the start of the index, which is returned
    /// to be ended.
    fn begin(
        &mut self,
        key: Key,
        articles: &[Stored<'_>],
        related: &crate::site::related::Lists,
        previous: Option<&Parts>,
    ) -> io::Result<io::BufWriter<fs::File>> {
        folder(&self.dir)?;
        let parts = self.write_parts(articles, previous)?;
        let (tmp, file) = create_temp(&self.dir)?;
        self.tmp = Some(tmp);
        // Streamed to the file: the related lists and the fingerprints of a
        // large archive are megabytes, which a buffer would add to the
        // build's peak memory.
        let file = postcard::to_io(&key, io::BufWriter::new(file)).map_err(io::Error::other)?;
        let file = postcard::to_io(&parts, file).map_err(io::Error::other)?;
        postcard::to_io(related, file).map_err(io::Error::other)
    }

    /// Writes each part of the articles (sorted by source) to a file of its
    /// own, unless the previous cache holds it unchanged (see
    /// [`Parts::same`]), whose file is named again. Returns every part, for
    /// the index.
    fn write_parts(
        &mut self,
        articles: &[Stored<'_>],
        previous: Option<&Parts>,
    ) -> io::Result<Vec<Part>> {
        let parts = split(articles);
        let mut list = Vec::with_capacity(parts.len());
        let mut kept = 0;
        for part in &parts {
            if let Some(old) = previous.and_then(|p| p.same(part)) {
                self.names.push(old.file.name.clone());
                list.push(old.clone());
                kept += 1;
                continue;
            }
            let Some(first) = part.first() else {
                continue;
            };
            let numbered = content::compact::numbered::Numbered::new(shared_texts(part), &part);
            list.push(Part {
                file: self.store(&postcard::to_allocvec(&numbered).map_err(io::Error::other)?)?,
                first: first.source.clone(),
                count: part.len(),
            });
        }
        self.kept = [kept, parts.len()];
        Ok(list)
    }

    /// How many parts of the article list the index names as the previous
    /// cache had them, rather than encoded again, of how many.
    pub fn kept(&self) -> [usize; 2] {
        self.kept
    }

    /// Adds what only the end of the build knows: the identity of the
    /// output folder once committed, each output file's fingerprint and
    /// the search index's state, whose chunks are written to files of their
    /// own (see `Writer::write_state`). Runs while the build commits.
    ///
    /// A `search` state loaded with a cache must come from the one whose
    /// [`Parts`] the writer started with: the chunks it did not change are
    /// named as that cache named them, unread.
    pub fn end(
        &mut self,
        output: DirId,
        files: &Fingerprints,
        search: Option<&crate::search::State>,
    ) {
        let file = std::mem::replace(&mut self.index, Err(io::ErrorKind::NotFound.into()));
        self.index = file
            .and_then(|file| {
                let search = search.map(|s| self.write_state(s)).transpose()?;
                let tail = Tail {
                    output,
                    files,
                    search,
                };
                postcard::to_io(&tail, file).map_err(io::Error::other)
            })
            .and_then(|mut file| file.flush().map(|()| file));
    }

    /// Writes each chunk of the search state (see [`STATE_CHUNK`]) to a
    /// file of its own (see [`Writer::store`]), except a chunk that did not
    /// change since the state was loaded with the previous cache, whose
    /// file is named again without encoding it. Returns what the index
    /// says of them.
    fn write_state<'s>(
        &mut self,
        state: &'s crate::search::State,
    ) -> io::Result<SearchParts<&'s [crate::search::ShardSkips]>> {
        let mut chunks = Vec::new();
        for (i, (chunk, changed)) in state.chunks(STATE_CHUNK).enumerate() {
            let loaded = self.chunks.get(i).filter(|old| old.count == chunk.len());
            if let Some(old) = loaded.filter(|_| !changed) {
                self.names.push(old.file.name.clone());
                chunks.push(old.clone());
                continue;
            }
            chunks.push(Chunk {
                file: self.store(&postcard::to_allocvec(&chunk).map_err(io::Error::other)?)?,
                count: chunk.len(),
            });
        }
        Ok(SearchParts {
            shards: state.shards(),
            chunks,
            skips: state.skips(),
        })
    }

    /// Makes `bytes` (an encoded part or chunk) a part file of the cache
    /// folder, which the index names: written (see [`put`]) unless the
    /// previous index named a file of the same name, which holds them.
    fn store(&mut self, bytes: &[u8]) -> io::Result<PartFile> {
        let name = part_name(bytes);
        if !self.known.contains(&name) && put(&self.dir, &name, bytes)? {
            self.made.push(self.dir.join(&name));
        }
        self.names.push(name.clone());
        Ok(PartFile {
            name,
            len: bytes.len() as u64,
        })
    }

    /// Puts the ended cache's index in place, once the build has
    /// committed, then deletes from the cache folder what it does not name.
    /// A cache that cannot be written is a warning: the next build is a
    /// full one, nothing else is lost.
    pub fn place(mut self) -> Option<Diagnostic> {
        let placed = match (&self.index, &self.tmp) {
            (Ok(_), Some(tmp)) => fs::rename(tmp, self.dir.join(INDEX)),
            (Ok(_), None) => Err(io::ErrorKind::NotFound.into()),
            (Err(e), _) => Err(io::Error::new(e.kind(), e.to_string())),
        };
        if let Err(e) = placed {
            return Some(Diagnostic::warning(
                &self.dir,
                format!(
                    "the build cache cannot be written ({e}); the next build will be a full one"
                ),
            ));
        }
        self.placed = true;
        collect(&self.dir, &self.names);
        None
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Once placed, the index and the parts it names are the cache.
        if self.placed {
            return;
        }
        if let Some(tmp) = &self.tmp {
            let _ = fs::remove_file(tmp);
        }
        for part in &self.made {
            let _ = fs::remove_file(part);
        }
        // An empty folder (a first build failed) goes too, as the build's
        // other files do; one holding a cache is not empty, and stays.
        let _ = fs::remove_dir(&self.dir);
    }
}

/// Makes the cache folder at `path` unless it is there. A plain file there
/// is an older arshif's cache, which this one cannot use (see [`fit`]): it
/// makes way for the folder.
fn folder(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    fs::create_dir(path)
}

/// A new file of a temporary name in the cache folder `dir`:
/// `<pid>-<n>.tmp`, so that it is no other writer's.
fn create_temp(dir: &Path) -> io::Result<(PathBuf, fs::File)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!("{}-{n}.tmp", std::process::id()));
    let create = || {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
    };
    let file = match create() {
        // Left by a killed build whose process had this one's id: no one
        // writes it any more.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(&path)?;
            create()?
        }
        file => file?,
    };
    Ok((path, file))
}

/// Makes the part file `name` in the cache folder `dir` hold `bytes`, and
/// says whether it wrote it. It is written under a temporary name and
/// renamed, so that no reader sees it half written (nor a map of it
/// changes), unless a file of that name holds those bytes already (left by
/// an earlier cache this build could not use). The bytes are compared, not
/// trusted by the name: a file damaged on disk would otherwise be named by
/// every next index, and no cache be loaded. (The files the previous index
/// named were checked as it was loaded: [`Writer::store`] trusts those.)
fn put(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<bool> {
    let path = dir.join(name);
    if crate::output::same_content(&path, bytes) {
        return Ok(false);
    }
    let (tmp, mut file) = create_temp(dir)?;
    let written = file.write_all(bytes).and_then(|()| fs::rename(&tmp, &path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map(|()| true)
}

/// Deletes from the cache folder `dir` the part files its index does not
/// name (`names`: those of earlier caches, or made by failed builds) and
/// the temporary files that builds killed on their way left.
fn collect(dir: &Path, names: &[String]) {
    let named: HashSet<&str> = names.iter().map(String::as_str).collect();
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        if name.ends_with(".tmp") || (is_part_name(name) && !named.contains(name)) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn beside(output: &Path) -> Vec<String> {
        listing(output.parent().unwrap())
    }

    /// The names in `dir`, sorted.
    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The part files in the cache folder `dir`, each with its inode and
    /// mtime: a file written again (even to the same bytes) differs.
    fn part_files(dir: &Path) -> BTreeMap<String, (u64, std::time::SystemTime)> {
        use std::os::unix::fs::MetadataExt;
        listing(dir)
            .into_iter()
            .filter(|n| n.ends_with(".part"))
            .map(|n| {
                let m = fs::metadata(dir.join(&n)).unwrap();
                (n, (m.ino(), m.modified().unwrap()))
            })
            .collect()
    }

    /// An output folder holding one file, with its cache's path, the
    /// folder's identity and the file's fingerprint.
    struct Built {
        /// Kept until the test ends: the folder goes with it.
        _dir: tempfile::TempDir,
        output: PathBuf,
        path: PathBuf,
        id: DirId,
        files: Fingerprints,
    }

    fn built() -> Built {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        fs::create_dir(&output).unwrap();
        fs::write(output.join("index.html"), "x").unwrap();
        fs::create_dir_all(output.join("countries/سوريا")).unwrap();
        fs::write(output.join("countries/سوريا/index.html"), "y").unwrap();
        Built {
            path: path(&output).unwrap(),
            id: crate::output::dir_id(&output).unwrap(),
            files: Fingerprints::from_iter([
                ("index.html", 5u128),
                ("countries/سوريا/index.html", u128::MAX - 7),
            ]),
            output,
            _dir: dir,
        }
    }

    impl Built {
        /// Writes and places the cache of `articles`, as a build would, and
        /// says how many parts it kept of how many.
        fn write(
            &self,
            articles: &[Box<content::Article>],
            previous: Option<&Parts>,
        ) -> [usize; 2] {
            self.write_with(articles, previous, None)
        }

        /// Writes and places the cache of `articles` and the search state
        /// `search`, as a build would, and says how many article parts it
        /// kept of how many.
        fn write_with(
            &self,
            articles: &[Box<content::Article>],
            previous: Option<&Parts>,
            search: Option<&crate::search::State>,
        ) -> [usize; 2] {
            let mut w = self.start(articles, previous);
            w.end(self.id, &self.files, search);
            let kept = w.kept();
            let warning = w.place();
            assert!(warning.is_none(), "{warning:?}");
            kept
        }

        /// Starts the cache of `articles`, long after their stamps: none is
        /// too recent to keep.
        fn start(&self, articles: &[Box<content::Article>], previous: Option<&Parts>) -> Writer {
            Writer::start(
                &self.path,
                Key::new("7", 1),
                std::time::SystemTime::now(),
                articles.iter().map(|a| &**a),
                &Default::default(),
                previous,
            )
        }

        fn load(&self) -> Option<Cache> {
            load(&self.path, Key::new("7", 1), &self.output)
        }
    }

    #[test]
    fn a_placed_writer_leaves_the_cache_and_an_unplaced_one_nothing() {
        let Built {
            output,
            path,
            id,
            files,
            _dir,
        } = built();
        let now = std::time::SystemTime::now();
        let start = || {
            let related = Default::default();
            Writer::start(&path, Key::new("7", 1), now, [].iter(), &related, None)
        };

        // A build that failed after the articles were written.
        drop(start());
        assert_eq!(beside(&output), ["public"]);

        let mut writer = start();
        writer.end(id, &files, None);
        let warning = writer.place();
        assert!(warning.is_none(), "{warning:?}");
        assert_eq!(beside(&output), [".public.arshif-cache", "public"]);
        assert_eq!(listing(&path), ["index"]);
        let cache = load(&path, Key::new("7", 1), &output).expect("the cache is read back");
        assert_eq!(cache.files, files);
        assert!(cache.files.paths().eq(files.paths()), "in the same order");
        assert!(cache.articles.is_empty() && cache.search.is_none());
        // Other templates still read it (the pages are rendered again);
        // other settings, or a damaged file, make it no cache.
        assert_eq!(fit(&path, Key::new("7", 1)), Some(true));
        assert_eq!(fit(&path, Key::new("7", 2)), Some(false));
        assert_eq!(fit(&path, Key::new("8", 1)), None);
        assert!(load(&path, Key::new("7", 2), &output).is_some());
        assert!(load(&path, Key::new("8", 1), &output).is_none());
        let index = path.join(INDEX);
        let bytes = fs::read(&index).unwrap();
        fs::write(&index, &bytes[..bytes.len() - 1]).unwrap();
        assert!(load(&path, Key::new("7", 1), &output).is_none());
        // Removed before a commit: no cache.
        fs::write(&index, &bytes).unwrap();
        assert!(load(&path, Key::new("7", 1), &output).is_some());
        remove(&path);
        assert_eq!(listing(&path), Vec::<String>::new());
        assert_eq!(fit(&path, Key::new("7", 1)), None);
    }

    #[expect(clippy::vec_box, reason = "boxed as a build's articles are")]
    fn articles(n: u64, config: &crate::Config) -> Vec<Box<content::Article>> {
        let opts = content::LoadOptions::default();
        (0..n)
            .map(|n| {
                let text = format!("---\ntitle: خبر {n}\ndate: 2020-01-01\n---\nنص {n}.\n");
                let rel = PathBuf::from(format!("content/2020/01/a{n}.md"));
                Box::new(
                    content::article_from_text(&text, &rel, config, &[], opts)
                        .unwrap()
                        .0,
                )
            })
            .collect()
    }

    #[test]
    fn articles_are_put_in_source_order_by_number_or_sorted() {
        let config = crate::Config::parse("title = \"t\"\n").unwrap();
        let mut list = articles(40, &config);
        let sources = |v: &[&content::Article]| -> Vec<PathBuf> {
            v.iter().map(|a| a.source.clone()).collect()
        };
        let mut want: Vec<PathBuf> = list.iter().map(|a| a.source.clone()).collect();
        want.sort_by(|a, b| content::source_order(a, b));
        // a10.md comes before a2.md: the made order is not the source order.
        assert_ne!(
            want,
            list.iter().map(|a| a.source.clone()).collect::<Vec<_>>()
        );
        fn given(list: &[Box<content::Article>]) -> Vec<&content::Article> {
            list.iter().rev().map(|a| &**a).collect()
        }

        // Unnumbered (all 0), as articles made outside a build are: sorted.
        assert_eq!(sources(&in_source_order(given(&list))), want);
        // Numbered in source order, as `content::load_known` numbers them.
        for a in &mut list {
            a.order = want.iter().position(|s| *s == a.source).unwrap();
        }
        assert_eq!(sources(&in_source_order(given(&list))), want);
        // Numbered, but not in source order: sorted.
        for a in &mut list {
            a.order = 39 - a.order;
        }
        assert_eq!(sources(&in_source_order(given(&list))), want);
    }

    /// Articles enough for several parts of the cache.
    #[expect(clippy::vec_box, reason = "boxed as a build's articles are")]
    fn several_parts() -> Vec<Box<content::Article>> {
        let config = crate::Config::parse("title = \"t\"\n").unwrap();
        articles(ARTICLES_PER_PART * 3, &config)
    }

    /// The articles' encoding, sorted by source: equal articles, equal
    /// bytes (whether they were taken from a cache is not encoded).
    fn encoded(articles: &[Box<content::Article>]) -> Vec<u8> {
        let mut articles: Vec<_> = articles.iter().collect();
        articles.sort_by(|a, b| content::source_order(&a.source, &b.source));
        postcard::to_allocvec(&articles).unwrap()
    }

    #[test]
    fn articles_read_back_from_several_part_files() {
        let b = built();
        let all = several_parts();
        let [kept, total] = b.write(&all, None);
        assert_eq!(kept, 0);
        assert!(total > 1, "{total} parts");
        assert_eq!(part_files(&b.path).len(), total);
        assert_eq!(listing(&b.path).len(), total + 1, "the index and the parts");
        let cache = b.load().expect("read back");
        assert_eq!(cache.articles.len(), total);
        let read = cache.articles.concat();
        assert!(read.iter().all(|a| a.cached));
        assert_eq!(encoded(&read), encoded(&all));
    }

    /// Damages the cache file `file` of the cache `b` every way a disk or a
    /// hand can (gone, cut short, longer, emptied) and checks that each is
    /// no cache; leaves the file missing. `kind` names it in messages.
    fn assert_damage_is_no_cache(b: &Built, file: &Path, kind: &str) {
        let bytes = fs::read(file).unwrap();
        let cases: [(&str, Option<&[u8]>); 4] = [
            ("missing", None),
            ("cut short", Some(&bytes[..bytes.len() - 1])),
            ("longer", Some(&[&bytes[..], b"x"].concat())),
            ("empty", Some(b"")),
        ];
        for (what, damaged) in cases {
            match damaged {
                None => fs::remove_file(file).unwrap(),
                Some(damaged) => fs::write(file, damaged).unwrap(),
            }
            assert!(b.load().is_none(), "a {kind} file {what} is no cache");
        }
        let _ = fs::remove_file(file);
    }

    #[test]
    fn a_part_file_missing_or_damaged_is_no_cache() {
        let b = built();
        b.write(&several_parts(), None);
        assert!(b.load().is_some());
        let (name, _) = part_files(&b.path).pop_first().unwrap();
        let part = b.path.join(name);
        let bytes = fs::read(&part).unwrap();
        assert_damage_is_no_cache(&b, &part, "part");
        // The next build's cache, with no previous one, writes it again.
        b.write(&several_parts(), None);
        assert_eq!(fs::read(&part).unwrap(), bytes);
        assert!(b.load().is_some());
        // Damaged to the same length: found by its decoding or the index's
        // count, and written again by the next cache, not trusted by name.
        let mut flipped = bytes.clone();
        flipped[..4].copy_from_slice(&[0xff; 4]);
        fs::write(&part, &flipped).unwrap();
        assert!(b.load().is_none());
        b.write(&several_parts(), None);
        assert_eq!(fs::read(&part).unwrap(), bytes);
    }

    #[test]
    fn unchanged_parts_are_kept_and_not_written_again() {
        let b = built();
        let [kept, total] = b.write(&several_parts(), None);
        assert_eq!(kept, 0);
        assert!(total > 1, "{total} parts");
        let fresh = part_files(&b.path);
        let index = fs::read(b.path.join(INDEX)).unwrap();

        // Read back and nothing changed: every part is kept, no part file is
        // written, and the cache is as it was.
        let cache = b.load().unwrap();
        let read = cache.articles.concat();
        assert_eq!(b.write(&read, Some(&cache.parts)), [total, total]);
        assert_eq!(part_files(&b.path), fresh);
        assert_eq!(fs::read(b.path.join(INDEX)).unwrap(), index);
        assert_eq!(
            encoded(&b.load().unwrap().articles.concat()),
            encoded(&read)
        );

        // One article read again, one gone, one new: their parts get new
        // files, the others are kept as they were, and the files no index
        // names are gone once it is placed.
        let cache = b.load().unwrap();
        let mut changed = cache.articles.concat();
        changed.sort_by(|a, b| content::source_order(&a.source, &b.source));
        changed[10].cached = false;
        changed[10].front.title = "تغير".into();
        changed.remove(changed.len() / 2);
        let config = crate::Config::parse("title = \"t\"\n").unwrap();
        let mut new = articles(ARTICLES_PER_PART * 3 + 1, &config).pop().unwrap();
        new.source = PathBuf::from("content/2020/01/new.md");
        changed.push(new);
        let [kept, total] = b.write(&changed, Some(&cache.parts));
        assert!(kept + 3 >= total && kept < total, "{kept} of {total}");
        let patched = part_files(&b.path);
        assert_eq!(patched.len(), total, "only the parts the index names");
        let same = patched.iter().filter(|(n, f)| fresh.get(*n) == Some(*f));
        assert_eq!(same.count(), kept, "the kept parts' files are untouched");
        assert_eq!(listing(&b.path).len(), total + 1, "no temporary file left");
        let loaded = encoded(&b.load().unwrap().articles.concat());
        assert_eq!(loaded, encoded(&changed));

        // A fresh cache of the same articles is the same cache: the same
        // part files (already there, so none written again), the same index.
        let index = fs::read(b.path.join(INDEX)).unwrap();
        let fresh: Vec<_> = changed
            .iter()
            .map(|a| {
                Box::new(content::Article {
                    cached: false,
                    ..(**a).clone()
                })
            })
            .collect();
        assert_eq!(b.write(&fresh, None)[0], 0);
        assert_eq!(part_files(&b.path), patched);
        assert_eq!(fs::read(b.path.join(INDEX)).unwrap(), index);
    }

    #[test]
    fn a_dropped_writer_leaves_the_placed_cache_whole() {
        let b = built();
        b.write(&several_parts(), None);
        let before = listing(&b.path);
        let cache = b.load().unwrap();
        let mut changed = cache.articles.concat();
        changed[0].cached = false;
        changed[0].front.title = "تغير".into();
        // A build that failed once its parts and index were written: the
        // files it made go with it.
        let mut w = b.start(&changed, Some(&cache.parts));
        assert_eq!(w.kept()[0] + 1, w.kept()[1]);
        assert_eq!(
            listing(&b.path).len(),
            before.len() + 2,
            "a part and the index"
        );
        w.end(b.id, &b.files, None);
        drop(w);
        assert_eq!(listing(&b.path), before);
        let again = b.load().expect("the placed cache is still read");
        assert_eq!(
            encoded(&again.articles.concat()),
            encoded(&cache.articles.concat())
        );

        // What a killed build leaves (its temporary files, a part no index
        // names) goes when the next cache is placed.
        fs::write(b.path.join("1-0.tmp"), "half").unwrap();
        let stray = b.path.join(part_name(b"stray"));
        fs::write(&stray, "stray").unwrap();
        fs::create_dir(b.path.join("kept.d")).unwrap();
        b.write(&changed, Some(&cache.parts));
        let mut after = listing(&b.path);
        after.retain(|n| n != "kept.d");
        assert_eq!(after.len(), before.len(), "{after:?}");
        assert!(after.iter().all(|n| n == INDEX || n.ends_with(".part")));
        assert!(!stray.exists());
        assert!(
            b.path.join("kept.d").is_dir(),
            "only the cache's own files go"
        );
    }

    /// A search state of `n` documents, each with keys in two of 40 shards
    /// and an identity of its own, the one numbered `edited` (if any)
    /// another.
    fn search_state(n: usize, edited: Option<usize>) -> crate::search::State {
        let docs = (0..n).map(|d| {
            let identity = d as u64 * 7919 + u64::from(edited == Some(d));
            (identity, vec![(d % 37) as u32, 37 + (d % 3) as u32])
        });
        crate::search::State::of(40, docs)
    }

    /// Documents enough for several chunks of the search state, the last
    /// one short.
    const SEVERAL_CHUNKS: usize = STATE_CHUNK * 3 + 10;

    #[test]
    fn the_search_state_reads_back_from_several_chunk_files() {
        let b = built();
        let skips = crate::search::ShardSkips {
            files: [1, 2],
            keys: vec![(
                "مفتاح".to_string(),
                vec![crate::search::shard::Skip {
                    count: 1024,
                    least: 2000,
                    docs: 3000,
                    positions: 4000,
                }],
            )],
        };
        let state = search_state(SEVERAL_CHUNKS, None).with_skips(vec![skips; 3]);
        b.write_with(&[], None, Some(&state));
        // No articles: the part files are the chunks.
        assert_eq!(part_files(&b.path).len(), 4);
        let cache = b.load().expect("read back");
        assert_eq!(cache.search.as_ref(), Some(&state));
        let skips = cache.search.as_ref().map(crate::search::State::skips);
        assert_eq!(skips, Some(state.skips()), "the skips come back too");
        assert_eq!(cache.parts.chunks.len(), 4);
        // With articles beside, each kind is read back from its own files.
        let all = several_parts();
        let [_, total] = b.write_with(&all, None, Some(&state));
        assert_eq!(part_files(&b.path).len(), total + 4);
        let cache = b.load().expect("read back");
        assert_eq!(cache.search.as_ref(), Some(&state));
        assert_eq!(encoded(&cache.articles.concat()), encoded(&all));
    }

    #[test]
    fn a_changed_search_state_writes_only_the_chunk_that_changed() {
        let b = built();
        b.write_with(&[], None, Some(&search_state(SEVERAL_CHUNKS, None)));
        let steps = [
            ("a document added", search_state(SEVERAL_CHUNKS + 1, None)),
            ("one edited", search_state(SEVERAL_CHUNKS + 1, Some(5000))),
        ];
        for (what, state) in steps {
            let before = part_files(&b.path);
            let cache = b.load().unwrap();
            b.write_with(&[], Some(&cache.parts), Some(&state));
            let after = part_files(&b.path);
            assert_eq!(
                after.len(),
                before.len(),
                "{what}: the replaced chunk is gone"
            );
            let untouched = after.iter().filter(|(n, f)| before.get(*n) == Some(*f));
            assert_eq!(untouched.count(), before.len() - 1, "{what}");
            let new: Vec<_> = after.keys().filter(|n| !before.contains_key(*n)).collect();
            assert_eq!(new.len(), 1, "{what}: one chunk written");
            assert_eq!(b.load().unwrap().search, Some(state), "{what}");
        }

        // A build that fails once its chunk is written leaves the placed
        // cache as it was: the chunk it made goes with it.
        let before = listing(&b.path);
        let cache = b.load().unwrap();
        let mut w = b.start(&[], Some(&cache.parts));
        w.end(
            b.id,
            &b.files,
            Some(&search_state(SEVERAL_CHUNKS + 2, Some(5000))),
        );
        assert_eq!(
            listing(&b.path).len(),
            before.len() + 2,
            "a chunk and the index"
        );
        drop(w);
        assert_eq!(listing(&b.path), before);
        assert_eq!(b.load().unwrap().search, cache.search);

        // A state loaded with the cache names its chunks again as they are,
        // but the one it changed since.
        for edited in [None, Some(STATE_CHUNK + 1)] {
            let before = part_files(&b.path);
            let cache = b.load().unwrap();
            let mut state = cache.search.clone().unwrap();
            if let Some(doc) = edited {
                state = state.edited(doc, 1);
            }
            b.write_with(&[], Some(&cache.parts), Some(&state));
            let after = part_files(&b.path);
            let new = after.keys().filter(|n| !before.contains_key(*n)).count();
            assert_eq!(new, usize::from(edited.is_some()), "{edited:?}");
            assert_eq!(after.len(), before.len());
            assert_eq!(b.load().unwrap().search, Some(state), "{edited:?}");
        }
    }

    #[test]
    fn a_chunk_file_missing_or_damaged_is_no_cache() {
        let b = built();
        let state = search_state(SEVERAL_CHUNKS, None);
        b.write_with(&[], None, Some(&state));
        assert!(b.load().is_some());
        let (name, _) = part_files(&b.path).pop_first().unwrap();
        let chunk = b.path.join(name);
        let bytes = fs::read(&chunk).unwrap();
        assert_damage_is_no_cache(&b, &chunk, "chunk");
        // The next cache, with no previous one, writes it again.
        b.write_with(&[], None, Some(&state));
        assert_eq!(fs::read(&chunk).unwrap(), bytes);
        assert_eq!(b.load().unwrap().search, Some(state));
    }

    #[test]
    fn an_older_cache_file_is_no_cache_and_makes_way_for_the_folder() {
        let b = built();
        // What an older arshif left: one file, starting with a key.
        let mut old = postcard::to_allocvec(&Key::new("7", 1)).unwrap();
        old.extend_from_slice(&[0; 64]);
        fs::write(&b.path, &old).unwrap();
        assert_eq!(fit(&b.path, Key::new("7", 1)), None);
        assert!(b.load().is_none());
        let all = several_parts();
        b.write(&all, None);
        assert!(b.path.is_dir());
        assert_eq!(beside(&b.output), [".public.arshif-cache", "public"]);
        assert_eq!(encoded(&b.load().unwrap().articles.concat()), encoded(&all));

        // Removed before a commit, so that the older arshif, which would
        // still trust it, does not find it describing the wrong files.
        fs::remove_dir_all(&b.path).unwrap();
        fs::write(&b.path, &old).unwrap();
        remove(&b.path);
        assert!(!b.path.exists());
    }
}
