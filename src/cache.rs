//! The build cache: what the previous build read and wrote, so that the next
//! build reads only changed files and renders only pages whose inputs changed.
//!
//! It holds every article as loaded (front matter and body facts, not the
//! HTML) with its file's size and mtime, and every output file's fingerprint
//! (see `render::Renderer::fingerprint`), and the search index's state
//! (`search::State`), which lets the next build update the index. It is
//! valid only for the same arshif version, site.toml, theme files and build
//! options, and only for
//! the very output folder it describes (by device and inode: an output that
//! was deleted, or replaced by another build, is not trusted). It lives next
//! to the output folder, as `.<output>.arshif-cache` (like the staging
//! folder of a build), so a build writes nothing into the site's own folder.
//! It is removed just before a build's commit point, so a build killed after
//! that leaves no cache that could describe the wrong files: the next build
//! is then a full one.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use crate::content;
use crate::error::{Diagnostic, Error, Result};
use crate::output::DirId;

/// Bumped whenever the cache's layout changes.
const FORMAT: u32 = 4;

/// The 128-bit XXH3 hash of a value's JSON form, streamed into the hasher.
pub fn hash_of<T: Serialize + ?Sized>(value: &T) -> u128 {
    let mut w = HashWriter::default();
    // Writing to a hasher cannot fail; a value that cannot serialize hashes
    // what was written before the failure, and fails wherever it is used.
    let _ = serde_json::to_writer(&mut w, value);
    w.finish()
}

/// An `io::Write` that feeds an XXH3 hasher.
///
/// Serializers write in many pieces of a few bytes; they are gathered in a
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

    pub fn finish(mut self) -> u128 {
        self.state.update(&self.buf);
        self.state.digest128()
    }
}

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What must be equal for a cache to be used: version, configuration, theme
/// files and options. Computed by [`Key::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key(u128);

impl Key {
    /// The key of a build: `settings` is anything that shapes the output
    /// (the configuration and options, in a stable textual form), and every
    /// file of the theme counts by path and content.
    pub fn new(settings: &str, theme_dir: &Path) -> Result<Key> {
        let mut h = HashWriter::default();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update(&FORMAT.to_le_bytes());
        h.update(settings.as_bytes());
        for entry in walkdir::WalkDir::new(theme_dir).sort_by_file_name() {
            let entry = entry.map_err(|e| Error::io(theme_dir, e.into()))?;
            if entry.file_type().is_file() {
                let bytes = fs::read(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
                // Relative to the theme: a site built from another folder,
                // or named another way, has the same key.
                let rel = entry.path().strip_prefix(theme_dir).unwrap_or(entry.path());
                h.update(rel.to_string_lossy().as_bytes());
                h.update(&[0]);
                h.update(&(bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
        }
        Ok(Key(h.finish()))
    }
}

/// A previous build, as far as the next one needs to know it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Cache {
    key: Key,
    /// The output folder's device and inode when the build committed.
    output: DirId,
    pub articles: Vec<content::Article>,
    /// Each output file's fingerprint.
    pub files: HashMap<String, u128>,
    /// What the search index needs to be updated rather than built anew.
    pub search: Option<crate::search::State>,
}

/// The same, borrowed, for writing.
#[derive(Serialize)]
struct CacheRef<'a> {
    key: Key,
    output: DirId,
    articles: Vec<std::borrow::Cow<'a, content::Article>>,
    files: &'a HashMap<String, u128>,
    search: Option<&'a crate::search::State>,
}

/// Where the cache of the output folder `output` lives: beside it.
pub fn path(output: &Path) -> Result<PathBuf> {
    Ok(crate::output::beside(
        &crate::output::absolute(output)?,
        "cache",
    ))
}

/// Reads the cache at `path` if it describes `output` as built with `key`.
/// Anything else (no cache, another version, a damaged file) is no cache.
pub fn load(path: &Path, key: Key, output: &Path) -> Option<Cache> {
    let bytes = fs::read(path).ok()?;
    let cache: Cache = postcard::from_bytes(&bytes).ok()?;
    let id = crate::output::dir_id(output)?;
    // The folder is the one described, and still holds what it held: a
    // sample of its files must be there (a file deleted by hand is not
    // noticed beyond that sample; `build --full` repairs anything).
    let whole = cache
        .files
        .keys()
        .take(64)
        .all(|rel| output.join(rel).is_file());
    (cache.key == key && cache.output == id && whole).then_some(cache)
}

/// Removes the cache at `path`: done just before a build's commit point.
pub fn remove(path: &Path) {
    let _ = fs::remove_file(path);
}

/// How close to the build's start a file may have been changed and still
/// be trusted by its stamp: a file saved again within the file system's
/// timestamp granularity of the build's read could keep its size and mtime.
const RACY_NANOS: i128 = 2_000_000_000;

/// Writes the cache of a committed build that started at `started`. A cache
/// that cannot be written is a warning: the next build is a full one,
/// nothing else is lost.
pub fn save<'a>(
    path: &Path,
    key: Key,
    output: DirId,
    started: std::time::SystemTime,
    articles: impl Iterator<Item = &'a content::Article>,
    files: &HashMap<String, u128>,
    search: Option<&crate::search::State>,
) -> Option<Diagnostic> {
    let started = content::FileStamp::nanos(started);
    let articles = articles
        .map(|a| {
            if a.warned || a.stamp.modified > started - RACY_NANOS {
                // Changed just before or during the build, or with warnings
                // to show again: read it next time.
                let mut a = a.clone();
                a.stamp = content::FileStamp::default();
                std::borrow::Cow::Owned(a)
            } else {
                std::borrow::Cow::Borrowed(a)
            }
        })
        .collect();
    let cache = CacheRef {
        key,
        output,
        articles,
        files,
        search,
    };
    let write = || -> std::io::Result<()> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        // Streamed to the file: a large archive's cache is over 100 MB,
        // which a buffer would add to the build's peak memory.
        let file = std::io::BufWriter::new(fs::File::create(&tmp)?);
        let mut file = postcard::to_io(&cache, file).map_err(std::io::Error::other)?;
        file.flush()?;
        drop(file);
        fs::rename(&tmp, path)
    };
    write().err().map(|e| {
        Diagnostic::warning(
            path,
            format!("the build cache cannot be written ({e}); the next build will be a full one"),
        )
    })
}
