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
//! was deleted, or replaced by another build, is not trusted). It lives next
//! to the output folder, as `.<output>.arshif-cache` (like the staging
//! folder of a build), so a build writes nothing into the site's own folder.
//! It is removed just before a build's commit point, so a build killed after
//! that leaves no cache that could describe the wrong files: the next build
//! is then a full one. The articles are kept in parts, by source: a part
//! none of whose articles changed is copied from the previous cache into
//! the next (see [`Parts`]), so a build that changes a story encodes one part.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::content;
use crate::error::{Diagnostic, Error, Result};
use crate::output::{DirId, Fingerprints};

mod hash;

pub use hash::{hash_of, HashWriter};

/// Bumped whenever the cache's layout changes, the pages made from the
/// same inputs do (another minifier, say), or fingerprints are computed
/// another way (an older cache's would match no page, and the build would
/// rewrite every file as changed): a cache of another format makes a full
/// build.
const FORMAT: u32 = 13;

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

/// Every file under `dir` (links followed, as Tera follows them), by its
/// path relative to `dir` and its bytes: a folder named or placed otherwise
/// has the same hash.
pub fn hash_folder(dir: &Path) -> Result<u128> {
    let mut h = HashWriter::default();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
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
    /// Where its articles lie in its file, for the next cache to copy.
    pub parts: Parts,
}

/// The parts of a cache's article list as they lie in its file (still open,
/// so that a cache written in their place reads the same bytes): a part
/// whose articles a build took from the cache unchanged is copied into the
/// next cache instead of being encoded again.
#[derive(Debug)]
pub struct Parts {
    file: fs::File,
    /// By their first article's source, which is increasing.
    parts: Vec<OldPart>,
}

/// One part of a previous cache's article list.
#[derive(Debug)]
struct OldPart {
    first: PathBuf,
    count: usize,
    /// Where its encoded articles start in the file, and their length.
    offset: u64,
    len: u64,
}

// The file holds postcard values one after the other: the key (so that a
// cache of other settings is rejected before anything else is decoded), the
// articles and the related lists (written while the build renders, see
// [`Writer`]), and the rest, which only the end of the build knows.

/// The part of the file written at the end of a build.
#[derive(Serialize, Deserialize)]
struct Tail<F, S> {
    /// The output folder's device and inode when the build committed.
    output: DirId,
    files: F,
    search: Option<S>,
}

/// Where the cache of the output folder `output` lives: beside it.
pub fn path(output: &Path) -> Result<PathBuf> {
    Ok(crate::output::beside(
        &crate::output::absolute(output)?,
        "cache",
    ))
}

/// How a build with `key` may use the cache at `path`, read from the start
/// of the file only (so [`load`] may still find the rest unusable): `None`
/// when it may not, else whether it was written with the same templates.
pub fn fit(path: &Path, key: Key) -> Option<bool> {
    let file = fs::File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    // A key is two postcard `u128`s, at most 19 bytes each.
    let head = read_at(&file, 0, size.min(40))?;
    let (stored, _) = stored_key(&head)?;
    key.admits(&stored)
        .then_some(stored.templates == key.templates)
}

/// The key a cache file's `bytes` start with, and where what follows it
/// starts.
fn stored_key(bytes: &[u8]) -> Option<(Key, usize)> {
    let (key, rest): (Key, _) = postcard::take_from_bytes(bytes).ok()?;
    Some((key, bytes.len() - rest.len()))
}

/// Reads the cache at `path` if it describes `output` as built with `key`.
/// Anything else (no cache, another version, a damaged file) is no cache.
pub fn load(path: &Path, key: Key, output: &Path) -> Option<Cache> {
    let file = fs::File::open(path).ok()?;
    let Decoded {
        spans,
        articles: decoded,
        related,
        tail,
    } = match map(&file) {
        Some(map) => decode(&map, key)?,
        // A file system that cannot map files: the file is read whole.
        None => {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut &file, &mut bytes).ok()?;
            decode(&bytes, key)?
        }
    };
    let mut old = Vec::with_capacity(spans.len());
    for (&(offset, len), articles) in spans.iter().zip(&decoded) {
        if let Some(first) = articles.first() {
            old.push(OldPart {
                first: first.source.clone(),
                count: articles.len(),
                offset: offset as u64,
                len: len as u64,
            });
        }
    }
    let mut articles = decoded;
    for a in articles.iter_mut().flatten() {
        a.cached = true;
    }
    let id = crate::output::dir_id(output)?;
    // The folder is the one described, and still holds what it held: a
    // sample of its files must be there (a file deleted by hand is not
    // noticed beyond that sample; `build --full` repairs anything).
    let whole = tail
        .files
        .keys()
        .take(64)
        .all(|rel| output.join(rel).is_file());
    (tail.output == id && whole).then_some(Cache {
        articles,
        related,
        files: tail.files,
        search: tail.search,
        parts: Parts { file, parts: old },
    })
}

/// A cache file's contents, decoded.
#[expect(
    clippy::vec_box,
    reason = "articles are boxed where they are made, see `content::Content`"
)]
struct Decoded {
    /// Where each part of the article list lies (offset and length).
    spans: Vec<(usize, usize)>,
    articles: Vec<Vec<Box<content::Article>>>,
    related: crate::site::related::Lists,
    tail: Tail<Fingerprints, crate::search::State>,
}

/// Decodes a cache file's `bytes` if its key admits `key`: the key, then
/// where each part of the article list lies; the parts, then the rest of
/// the file, each on its own, in parallel, where they are (nothing is
/// copied to be decoded).
fn decode(bytes: &[u8], key: Key) -> Option<Decoded> {
    let (stored, at) = stored_key(bytes)?;
    if !key.admits(&stored) {
        return None;
    }
    let (spans, at) = article_spans(bytes, at)?;
    let (articles, rest) = rayon::join(
        || decode_articles(bytes, &spans),
        || -> Option<(crate::site::related::Lists, Tail<Fingerprints, crate::search::State>)> {
            let (related, rest) = postcard::take_from_bytes(&bytes[at..]).ok()?;
            Some((related, postcard::from_bytes(rest).ok()?))
        },
    );
    let (related, tail) = rest?;
    Some(Decoded {
        spans,
        articles: articles?,
        related,
        tail,
    })
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

/// Writes the articles (sorted by source) as a count of parts, then each
/// part as its length and its postcard bytes, copied from the previous
/// cache where it holds the same part unchanged. Returns the writer, and
/// how many parts were copied of how many.
fn write_articles<W: Write>(
    articles: &[Stored<'_>],
    previous: Option<&Parts>,
    mut w: W,
) -> std::io::Result<(W, [usize; 2])> {
    let mut parts: Vec<&[Stored<'_>]> = Vec::new();
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
    w.write_all(&(parts.len() as u64).to_le_bytes())?;
    let (mut copied, total) = (0, parts.len());
    for part in parts {
        if let Some((file, old)) = previous.and_then(|p| p.same(part)) {
            w.write_all(&old.len.to_le_bytes())?;
            let mut from = file;
            std::io::Seek::seek(&mut from, std::io::SeekFrom::Start(old.offset))?;
            // File to file, the kernel copies (`copy_file_range`).
            let n = std::io::copy(&mut std::io::Read::take(from, old.len), &mut w)?;
            if n != old.len {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            copied += 1;
            continue;
        }
        let bytes = postcard::to_allocvec(part).map_err(std::io::Error::other)?;
        w.write_all(&(bytes.len() as u64).to_le_bytes())?;
        w.write_all(&bytes)?;
    }
    Ok((w, [copied, total]))
}

impl Parts {
    /// The previous cache's part holding exactly the articles of `part`, if
    /// every one of them was taken from it unchanged: the same first
    /// article, as many, none read again (an article added or changed would
    /// have been read; one removed changes the count).
    fn same(&self, part: &[Stored<'_>]) -> Option<(&fs::File, &OldPart)> {
        let first = &part.first()?.source;
        let i = self
            .parts
            .binary_search_by(|p| p.first.as_path().cmp(first))
            .ok()?;
        let old = &self.parts[i];
        let unchanged = part
            .iter()
            .all(|a| matches!(a, Stored::Kept(a) if a.cached));
        (old.count == part.len() && unchanged).then_some((&self.file, old))
    }
}

/// Where the parts [`write_articles`] wrote from byte `at` of `bytes` lie,
/// as offsets and lengths, and where the bytes after them start; `None` if
/// they are not that.
fn article_spans(bytes: &[u8], mut at: usize) -> Option<(Vec<(usize, usize)>, usize)> {
    let u64_at = |at: usize| {
        let word = bytes.get(at..at.checked_add(8)?)?;
        usize::try_from(u64::from_le_bytes(word.try_into().ok()?)).ok()
    };
    let count = u64_at(at)?;
    at += 8;
    let mut spans = Vec::new();
    for _ in 0..count {
        let len = u64_at(at)?;
        spans.push((at + 8, len));
        at = at.checked_add(8)?.checked_add(len)?;
        if at > bytes.len() {
            return None;
        }
    }
    Some((spans, at))
}

/// `len` bytes of `file` from `offset`; `None` if it ends before.
fn read_at(file: &fs::File, offset: u64, len: u64) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut bytes = vec![0; usize::try_from(len).ok()?];
    file.read_exact_at(&mut bytes, offset).ok()?;
    Some(bytes)
}

/// The whole of a cache `file`, mapped into memory; `None` where the file
/// system cannot map it. Reading it instead (some 145 MB at 100,000
/// articles) cost a rebuild close to a tenth of its CPU: the kernel zeroing
/// fresh buffers, then copying the file into them.
fn map(file: &fs::File) -> Option<memmap2::Mmap> {
    // SAFETY: the map is only read, and only while the cache is loaded. A
    // cache file is never written in place: a build writes a new file
    // beside it and renames it over (`Writer::place`), so the file mapped
    // keeps its bytes. Someone truncating it by hand meanwhile would stop
    // this process (SIGBUS), as it would any program reading a file that
    // way (ripgrep maps the files it searches alike); the output is then
    // left as it was, as when a build is killed.
    unsafe { memmap2::Mmap::map(file) }.ok()
}

/// The articles of the parts at `spans` (offset and length) of `bytes`,
/// decoded in parallel, part by part, each sharing the texts its articles
/// repeat (their terms).
#[expect(
    clippy::vec_box,
    reason = "articles are boxed where they are made, see `content::Content`"
)]
fn decode_articles(
    bytes: &[u8],
    spans: &[(usize, usize)],
) -> Option<Vec<Vec<Box<content::Article>>>> {
    spans
        .par_iter()
        .map(|&(offset, len)| {
            let part = bytes.get(offset..offset.checked_add(len)?)?;
            content::compact::shared::within(|| postcard::from_bytes(part).ok())
        })
        .collect()
}

/// Removes the cache at `path`: done just before a build's commit point.
pub fn remove(path: &Path) {
    let _ = fs::remove_file(path);
}

/// How close to the build's start a file may have been changed and still
/// be trusted by its stamp: a file saved again within the file system's
/// timestamp granularity of the build's read could keep its size and mtime.
const RACY_NANOS: i128 = 2_000_000_000;

/// A cache being written while the build goes on. [`Writer::start`] writes
/// the key, the articles and the related lists (known once the model is
/// built, and most of the file) to a temporary file beside the cache, on a
/// thread of its own while the pages are rendered; [`Writer::end`] adds
/// what only the end of the build knows, while the output is committed;
/// [`Writer::place`] puts the file in place once it is. A writer dropped
/// before that (the build failed) removes its temporary file.
pub struct Writer {
    tmp: PathBuf,
    file: std::io::Result<std::io::BufWriter<fs::File>>,
    copied: [usize; 2],
}

impl Writer {
    /// Starts the cache at `path` of a build that started at `started`,
    /// writing its key, its articles (the drafts left out included) and the
    /// related lists.
    pub fn start<'a>(
        path: &Path,
        key: Key,
        started: std::time::SystemTime,
        articles: impl Iterator<Item = &'a content::Article>,
        related: &crate::site::related::Lists,
        previous: Option<&Parts>,
    ) -> Writer {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let started = content::FileStamp::nanos(started);
        // Sorted as references: an article is hundreds of bytes, and a sort
        // of 100,000 of them spent most of its time moving them.
        let mut articles: Vec<&content::Article> = articles.collect();
        articles.par_sort_unstable_by(|a, b| content::source_order(&a.source, &b.source));
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
        // Streamed to the file: a large archive's cache is over 100 MB,
        // which a buffer would add to the build's peak memory.
        let mut copied = [0, 0];
        let file = fs::File::create(&tmp)
            .map(std::io::BufWriter::new)
            .and_then(|file| postcard::to_io(&key, file).map_err(std::io::Error::other))
            .and_then(|file| write_articles(&articles, previous, file))
            .and_then(|(file, n)| {
                copied = n;
                postcard::to_io(related, file).map_err(std::io::Error::other)
            });
        Writer { tmp, file, copied }
    }

    /// How many parts of the article list were copied from the previous
    /// cache rather than encoded again, of how many.
    pub fn copied(&self) -> [usize; 2] {
        self.copied
    }

    /// Adds what only the end of the build knows: the identity of the
    /// output folder once committed, each output file's fingerprint and
    /// the search index's state. Runs while the build commits.
    pub fn end(
        &mut self,
        output: DirId,
        files: &Fingerprints,
        search: Option<&crate::search::State>,
    ) {
        let tail = Tail {
            output,
            files,
            search,
        };
        let file = std::mem::replace(&mut self.file, Err(std::io::ErrorKind::NotFound.into()));
        self.file = file
            .and_then(|file| postcard::to_io(&tail, file).map_err(std::io::Error::other))
            .and_then(|mut file| file.flush().map(|()| file));
    }

    /// Puts the ended cache at `path`, once the build has committed. A
    /// cache that cannot be written is a warning: the next build is a full
    /// one, nothing else is lost.
    pub fn place(self, path: &Path) -> Option<Diagnostic> {
        let written = match &self.file {
            Ok(_) => fs::rename(&self.tmp, path),
            Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
        };
        written.err().map(|e| {
            Diagnostic::warning(
                path,
                format!(
                    "the build cache cannot be written ({e}); the next build will be a full one"
                ),
            )
        })
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Gone already when `place` renamed it.
        let _ = fs::remove_file(&self.tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beside(output: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(output.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
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
        Built {
            path: path(&output).unwrap(),
            id: crate::output::dir_id(&output).unwrap(),
            files: Fingerprints::from_iter([("index.html".to_string(), 5u128)]),
            output,
            _dir: dir,
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
        let warning = writer.place(&path);
        assert!(warning.is_none(), "{warning:?}");
        assert_eq!(beside(&output), [".public.arshif-cache", "public"]);
        let cache = load(&path, Key::new("7", 1), &output).expect("the cache is read back");
        assert_eq!(cache.files, files);
        assert!(cache.articles.is_empty() && cache.search.is_none());
        // Other templates still read it (the pages are rendered again);
        // other settings, or a damaged file, make it no cache.
        assert_eq!(fit(&path, Key::new("7", 1)), Some(true));
        assert_eq!(fit(&path, Key::new("7", 2)), Some(false));
        assert_eq!(fit(&path, Key::new("8", 1)), None);
        assert!(load(&path, Key::new("7", 2), &output).is_some());
        assert!(load(&path, Key::new("8", 1), &output).is_none());
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(load(&path, Key::new("7", 1), &output).is_none());
    }

    fn articles(n: u64, config: &crate::Config) -> Vec<content::Article> {
        let opts = content::LoadOptions::default();
        (0..n)
            .map(|n| {
                let text = format!("---\ntitle: خبر {n}\ndate: 2020-01-01\n---\nنص {n}.\n");
                let rel = PathBuf::from(format!("content/2020/01/a{n}.md"));
                content::article_from_text(&text, &rel, config, &[], opts)
                    .unwrap()
                    .0
            })
            .collect()
    }

    #[test]
    fn articles_read_back_from_several_parts() {
        let config = crate::Config::parse("title = \"t\"\n").unwrap();
        let mut articles = articles(ARTICLES_PER_PART * 3, &config);
        articles.sort_by(|a, b| content::source_order(&a.source, &b.source));
        let cows: Vec<_> = articles.iter().map(Stored::Kept).collect();
        let (mut bytes, [copied, total]) = write_articles(&cows, None, Vec::new()).unwrap();
        assert_eq!(copied, 0);
        assert!(total > 1, "{total} parts");
        bytes.extend_from_slice(b"rest");
        type Read<'b> = (Vec<Vec<Box<content::Article>>>, &'b [u8]);
        fn read(bytes: &[u8]) -> Option<Read<'_>> {
            let (spans, rest) = article_spans(bytes, 0)?;
            Some((decode_articles(bytes, &spans)?, &bytes[rest..]))
        }
        let (back, rest) = read(&bytes).expect("read back");
        assert_eq!(rest, b"rest");
        let back = back.concat();
        assert_eq!(back.len(), articles.len());
        for (a, b) in articles.iter().zip(&back) {
            assert_eq!((&a.source, &a.front.title), (&b.source, &b.front.title));
        }
        // Cut anywhere in the parts: not articles.
        assert!(read(&bytes[..bytes.len() / 2]).is_none());
    }

    #[test]
    fn unchanged_parts_are_copied_and_the_cache_is_the_same() {
        let Built {
            output,
            path,
            id,
            files,
            _dir,
        } = built();
        // Long after the articles' stamps: none is too recent to keep.
        let now = std::time::SystemTime::now();
        let write = |articles: &[Box<content::Article>], previous: Option<&Parts>| {
            let mut w = Writer::start(
                &path,
                Key::new("7", 1),
                now,
                articles.iter().map(|a| &**a),
                &Default::default(),
                previous,
            );
            w.end(id, &files, None);
            let copied = w.copied();
            assert!(w.place(&path).is_none());
            (fs::read(&path).unwrap(), copied)
        };
        let config = crate::Config::parse("title = \"t\"\n").unwrap();
        let all: Vec<_> = articles(ARTICLES_PER_PART * 3, &config)
            .into_iter()
            .map(Box::new)
            .collect();
        let (fresh, [copied, total]) = write(&all, None);
        assert_eq!(copied, 0);
        assert!(total > 1, "{total} parts");

        // Read back, all parts are copied, and the cache is as it was.
        let cache = load(&path, Key::new("7", 1), &output).unwrap();
        let read: Vec<_> = cache.articles.concat();
        assert!(read.iter().all(|a| a.cached));
        let (again, copied) = write(&read, Some(&cache.parts));
        assert_eq!(copied, [total, total]);
        assert_eq!(again, fresh);

        // One article read again, one gone, one new: their parts are encoded
        // anew, the others copied, and the cache is what a fresh one is.
        let cache = load(&path, Key::new("7", 1), &output).unwrap();
        let mut changed = cache.articles.concat();
        changed.sort_by(|a, b| content::source_order(&a.source, &b.source));
        changed[10].cached = false;
        changed[10].front.title = "تغير".into();
        changed.remove(changed.len() / 2);
        let mut new = articles(ARTICLES_PER_PART * 3 + 1, &config).pop().unwrap();
        new.source = PathBuf::from("content/2020/01/new.md");
        changed.push(Box::new(new));
        let expected = {
            let fresh: Vec<_> = changed
                .iter()
                .map(|a| {
                    Box::new(content::Article {
                        cached: false,
                        ..(**a).clone()
                    })
                })
                .collect();
            // Put in place of the cache read, which stays open, as a
            // build's new cache does.
            write(&fresh, None).0
        };
        let (patched, [copied, total]) = write(&changed, Some(&cache.parts));
        assert!(copied + 3 >= total && copied < total, "{copied} of {total}");
        assert_eq!(patched, expected);
    }
}
