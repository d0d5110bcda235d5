//! Loading `content/`: articles, term files and media, as written on disk.
//!
//! The walk (walkdir, never following a link out of `content/`) sorts every
//! file into one of three kinds. Articles and term files are read, split,
//! typed and rendered in parallel; every problem of every file is collected
//! before the load fails, so one build shows a writer all their mistakes.
//! Nothing here knows about URLs, terms or pages: that is the site model's job.

pub(crate) mod compact;
pub mod frontmatter;
pub mod markdown;
mod plain_yaml;

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Diagnostic, Error, Result};
pub use crate::mapped::Text;
pub use frontmatter::{FrontMatter, TermFrontMatter};
use markdown::MarkdownOptions;

/// The folder of articles, term files and media, relative to the site root.
pub const CONTENT_DIR: &str = "content";

/// Whether a file or folder of that name is one a build leaves out, in
/// content/ as in a theme: hidden (its name starts with `.`: `.git`, Emacs
/// lock files `.#article.md`, Vim swap files `.article.md.swp`), or an
/// editor's backup or scratch copy (`article.md~`, Emacs autosaves
/// `#article.md#`, `*.swp`, `*.tmp`). A build that read them would fail
/// while a file is open, or publish an old copy of a story beside it.
/// `serve` ignores changes to the same files.
pub fn left_out(name: &[u8]) -> bool {
    name.starts_with(b".")
        || name.ends_with(b"~")
        || (name.len() > 1 && name.starts_with(b"#") && name.ends_with(b"#"))
        || name.ends_with(b".swp")
        || name.ends_with(b".tmp")
}

/// The entries of `walk` that a build reads: all but those [`left_out`].
/// A folder left out is not entered, and the error of an entry left out
/// (a lock file, a link to nowhere, in a walk that follows links) is left
/// out with it. The walk's own folder always counts.
pub fn visible(walk: walkdir::WalkDir) -> impl Iterator<Item = walkdir::Result<walkdir::DirEntry>> {
    let hidden = |depth: usize, name: Option<&std::ffi::OsStr>| {
        depth > 0 && name.is_some_and(|n| left_out(n.as_bytes()))
    };
    walk.into_iter()
        .filter_entry(move |e| !hidden(e.depth(), Some(e.file_name())))
        .filter(move |item| match item {
            Ok(_) => true,
            Err(e) => !hidden(e.depth(), e.path().and_then(Path::file_name)),
        })
}

/// Relative path from an article page (`YYYY/MM/<slug>/`) to the site root.
pub const ARTICLE_ROOT: &str = "../../../";
/// Relative path from a term page (`<taxonomy>/<slug>/`) to the site root.
pub const TERM_ROOT: &str = "../../";

/// What a load needs to know beyond site.toml.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Include articles marked `draft: true`.
    pub drafts: bool,
    /// Render links for browsing from disk.
    pub offline: bool,
}

/// One article, read. Its body's HTML is kept only within
/// [`KEPT_HTML_BYTES`] for the whole content (a large archive would hold
/// gigabytes of it): [`body_html`] renders it again when a page needs it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Article {
    /// Path relative to the site root, e.g. `content/2020/10/x.md`.
    pub source: PathBuf,
    /// The file stem: the slug when the front matter gives none.
    pub stem: Text,
    pub front: FrontMatter,
    pub body: markdown::BodyFacts,
    /// Size and modification time of the file when it was read.
    pub stamp: FileStamp,
    /// A hash of the file's bytes: the body's identity for incremental builds.
    pub digest: u128,
    /// Reading the file gave warnings: the build cache does not keep it, so
    /// the next build reads it again and shows them again.
    #[serde(skip)]
    pub warned: bool,
    /// Taken from the build cache as it was, not read from its file: the
    /// next cache can copy the bytes it was read from.
    #[serde(skip)]
    pub cached: bool,
    /// Its place among the content's articles, drafts included, in source
    /// order ([`source_order`]): set by [`load_known`], so that the cache
    /// can list them in that order again without sorting them.
    #[serde(skip)]
    pub order: usize,
    /// Its body's HTML, made as it was read, until its page takes it.
    #[serde(skip)]
    pub html: KeptHtml,
}

/// How many bytes of body HTML a load keeps for the pages, all articles
/// together: all of them in an archive of some ten thousand articles, a
/// bounded part of a larger one, so that its memory stays small.
pub const KEPT_HTML_BYTES: usize = 96 << 20;

/// An article's body HTML, made when it was read, for its page to take
/// (see [`body_html`]): its page is then made without reading the file
/// and parsing its Markdown a second time. Kept with whether its links were
/// made for browsing from disk. A clone holds none.
#[derive(Default)]
pub struct KeptHtml(std::sync::Mutex<Option<(bool, Box<str>)>>);

impl KeptHtml {
    fn keep(offline: bool, html: String) -> KeptHtml {
        KeptHtml(std::sync::Mutex::new(Some((
            offline,
            html.into_boxed_str(),
        ))))
    }

    /// The HTML, once, if it was made with links `offline` or not.
    fn take(&self, offline: bool) -> Option<Box<str>> {
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match kept.take() {
            Some((made, html)) if made == offline => Some(html),
            _ => None,
        }
    }

    #[cfg(test)]
    fn is_kept(&self) -> bool {
        self.0.lock().is_ok_and(|h| h.is_some())
    }
}

impl Clone for KeptHtml {
    fn clone(&self) -> KeptHtml {
        KeptHtml::default()
    }
}

impl std::fmt::Debug for KeptHtml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.0.lock().map(|h| h.as_ref().map(|h| h.1.len())).ok();
        write!(f, "KeptHtml({kept:?})")
    }
}

/// What tells an unchanged file from a changed one without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct FileStamp {
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub modified: i128,
}

impl FileStamp {
    /// The stamp of a file's metadata.
    pub fn of(meta: &std::fs::Metadata) -> FileStamp {
        FileStamp {
            size: meta.len(),
            modified: meta.modified().map(FileStamp::nanos).unwrap_or(0),
        }
    }

    /// The stamp of a file's `stat`: the same as [`FileStamp::of`] its
    /// metadata.
    pub fn of_stat(st: &rustix::fs::Stat) -> FileStamp {
        FileStamp {
            size: u64::try_from(st.st_size).unwrap_or(0),
            modified: i128::from(st.st_mtime) * 1_000_000_000 + i128::from(st.st_mtime_nsec),
        }
    }

    /// A time as nanoseconds since the Unix epoch.
    pub fn nanos(t: std::time::SystemTime) -> i128 {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i128::try_from(d.as_nanos()).unwrap_or(i128::MAX),
            Err(e) => i128::try_from(e.duration().as_nanos()).map_or(i128::MIN, |n| -n),
        }
    }
}

/// Articles read by an earlier build, in parts, sorted by source path: a
/// file whose stamp is unchanged is taken from here instead of being read
/// again. Sorted as the content scan lists files, so the two are matched in
/// one pass, without a map of 100,000 paths (and the articles are moved
/// once, not into a map and out again).
#[derive(Debug, Default)]
#[expect(
    clippy::vec_box,
    reason = "articles are boxed where they are made, see `Content`"
)]
pub struct Known {
    parts: Vec<Vec<Box<Article>>>,
}

impl Known {
    /// The articles of `parts`, in any order (the build cache's come
    /// sorted; others are sorted here).
    pub fn new(mut parts: Vec<Vec<Box<Article>>>) -> Known {
        // Each part in parallel, and where one ends and the next begins.
        let in_order = |a: &Article, b: &Article| source_order(&a.source, &b.source).is_le();
        let ends: Vec<(&Article, &Article)> = parts
            .iter()
            .filter_map(|p| Some((&**p.first()?, &**p.last()?)))
            .collect();
        let sorted = ends.windows(2).all(|w| in_order(w[0].1, w[1].0))
            && parts
                .par_iter()
                .all(|p| p.is_sorted_by(|a, b| in_order(a, b)));
        if !sorted {
            let mut all: Vec<Box<Article>> = parts.into_iter().flatten().collect();
            all.par_sort_unstable_by(|a, b| source_order(&a.source, &b.source));
            parts = vec![all];
        }
        Known { parts }
    }
}

/// The order of source paths: `Path`'s own (component by component) for
/// the relative, normalized paths the scan makes (no `.` or `..`
/// components, no doubled or trailing `/`), found by comparing their bytes
/// once with `/` below every other byte, instead of taking both paths
/// apart: sorting a large archive's paths took seconds of CPU that way.
pub fn source_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    let (a, b) = (
        a.as_os_str().as_encoded_bytes(),
        b.as_os_str().as_encoded_bytes(),
    );
    // Paths of one archive share long prefixes: compared a word at a time.
    let n = a.len().min(b.len());
    let mut common = 0;
    while common + 8 <= n && a[common..common + 8] == b[common..common + 8] {
        common += 8;
    }
    while common < n && a[common] == b[common] {
        common += 1;
    }
    // The end of a path sorts first, then a separator, then any other byte.
    let rank = |s: &[u8]| {
        s.get(common)
            .map(|&c| if c == b'/' { 0 } else { u16::from(c) + 1 })
    };
    rank(a).cmp(&rank(b))
}

impl Article {
    /// An error about this article, placed at `key`'s value when the front
    /// matter has that key, else at the top of the file.
    pub fn error_at(&self, key: &str, message: impl Into<String>) -> Diagnostic {
        let (line, col) = self.front.positions.get(key).unwrap_or((1, 1));
        Diagnostic::error(&self.source, message).at(line, col)
    }
}

/// A term's own description file.
#[derive(Clone, Debug)]
pub struct TermFile {
    pub source: PathBuf,
    pub taxonomy: String,
    pub stem: String,
    pub front: TermFrontMatter,
    /// The description, rendered for the term's page.
    pub description: Option<String>,
}

/// A file copied to the output as it is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MediaFile {
    /// Absolute (or root-joined) path to read from.
    pub source: PathBuf,
    /// Path inside the output, same as inside `content/`.
    pub output: PathBuf,
}

/// Everything under `content/`.
///
/// Articles are boxed where they are made (read, or decoded from the build
/// cache, both in parallel): an article is large, and on its way into the
/// model each is moved, one after another, in path order and then in date
/// order; a box moves as a pointer.
#[derive(Clone, Debug, Default)]
pub struct Content {
    /// Articles in file-path order; drafts only with `--drafts`.
    pub articles: Vec<Box<Article>>,
    /// The drafts left out (without `--drafts`), for the build cache: the
    /// next build need not read them again either.
    pub drafts: Vec<Box<Article>>,
    pub terms: Vec<TermFile>,
    pub media: Vec<MediaFile>,
    /// Problems that do not stop the build.
    pub warnings: Vec<Diagnostic>,
}

enum Entry {
    Article(PathBuf),
    Term(PathBuf, String),
    Media(PathBuf),
}

/// Loads the `content/` folder of the site at `root`.
pub fn load(root: &Path, config: &Config, opts: LoadOptions) -> Result<Content> {
    load_known(root, config, opts, scan(root, config)?, Known::default())
}

/// The files of `content/`, listed and stated but not read: all a build
/// needs to know before its cache, so that it can do both at once.
pub struct Scan {
    entries: Vec<Entry>,
    /// Problems met while listing.
    problems: Vec<Diagnostic>,
    /// Per entry, an article file's size and mtime (`None` for other files,
    /// or where it cannot be stated: it is then read, and the error told).
    stamps: Vec<Option<FileStamp>>,
}

/// Lists `content/` in a stable order and states every article file.
///
/// Each folder of `content/` is walked as a task of its own, in parallel,
/// and the walks are put end to end in the order of their folders: the
/// same list as one walk makes. Stating 100,000 files is mostly the
/// kernel's work, one file after another, and took longer on one core than
/// decoding the build cache beside it on the other.
pub fn scan(root: &Path, config: &Config) -> Result<Scan> {
    let dir = root.join(CONTENT_DIR);
    if !dir.is_dir() {
        return Err(Error::Content(vec![Diagnostic::error(
            CONTENT_DIR,
            "there is no content/ folder",
        )
        .with_hint(
            "create content/ and put articles in it, e.g. content/2020/10/my-story.md",
        )]));
    }
    let real_dir = dir.canonicalize().map_err(|e| Error::io(&dir, e))?;
    let top: Vec<_> = visible(sorted_walk(&dir).min_depth(1).max_depth(1)).collect();
    let walks: Vec<Scan> = top
        .into_par_iter()
        .with_max_len(1)
        .map(|item| match item {
            Ok(folder) if folder.depth() == 1 && folder.file_type().is_dir() => {
                walk(root, &real_dir, config, visible(sorted_walk(folder.path())))
            }
            item => walk(root, &real_dir, config, std::iter::once(item)),
        })
        .collect();
    let mut scan = Scan {
        entries: Vec::with_capacity(walks.iter().map(|w| w.entries.len()).sum()),
        problems: Vec::new(),
        stamps: Vec::with_capacity(walks.iter().map(|w| w.stamps.len()).sum()),
    };
    for mut w in walks {
        scan.entries.append(&mut w.entries);
        scan.problems.append(&mut w.problems);
        scan.stamps.append(&mut w.stamps);
    }
    Ok(scan)
}

/// A walk of `dir` (links not followed) in the order the scan lists files.
fn sorted_walk(dir: &Path) -> walkdir::WalkDir {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        // By file name: the entries of one folder share its path up to
        // their names, so comparing whole paths is comparing names,
        // without taking each path apart for its name at every
        // comparison.
        .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
}

/// A known article an entry of the scan takes as it is: its position in
/// [`Known`], and whether it is a draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reused {
    at: usize,
    draft: bool,
}

/// How many entries of the scan one thread finds in [`Known`] in a row.
const REUSE_RUN: usize = 4096;

/// For each entry of the scan (with its file's stamp), the article of
/// `known` (sorted by path) it takes as it is: the one of its path, if its
/// file is unchanged. In runs of `run` entries, in parallel, each walking
/// `known` from where a bisection puts its first article.
fn reuse(
    entries: &[Entry],
    stamps: &[Option<FileStamp>],
    known: &[&Article],
    run: usize,
) -> Vec<Option<Reused>> {
    let mut reused = vec![None; entries.len()];
    reused
        .par_chunks_mut(run)
        .zip(entries.par_chunks(run))
        .zip(stamps.par_chunks(run))
        .for_each(|((reused, entries), stamps)| {
            let mut at = entries
                .iter()
                .find_map(|entry| match entry {
                    Entry::Article(rel) => Some(rel),
                    _ => None,
                })
                .map_or(known.len(), |first| {
                    known.partition_point(|a| source_order(&a.source, first).is_lt())
                });
            for ((slot, entry), &stamp) in reused.iter_mut().zip(entries).zip(stamps) {
                let Entry::Article(rel) = entry else {
                    continue;
                };
                // Those before it are gone: deleted or renamed.
                while known
                    .get(at)
                    .is_some_and(|a| source_order(&a.source, rel).is_lt())
                {
                    at += 1;
                }
                let Some(a) = known.get(at).filter(|a| a.source == *rel) else {
                    continue;
                };
                *slot = (stamp.is_some() && Some(a.stamp) == stamp).then_some(Reused {
                    at,
                    draft: a.front.draft,
                });
                at += 1;
            }
        });
    reused
}

/// How many entries one thread reads in a row, sharing their terms' texts:
/// enough for most terms to be met again, few enough to spread the work.
const SHARED_RUN: usize = 128;

/// Loads the scanned `content/`, taking unchanged articles from `known`
/// (see [`Known`]). Articles with warnings are always read again, so
/// warnings are never lost.
pub fn load_known(
    root: &Path,
    config: &Config,
    opts: LoadOptions,
    scan: Scan,
    known: Known,
) -> Result<Content> {
    let Scan {
        entries,
        problems: mut errors,
        stamps,
    } = scan;
    let taxonomies: Vec<&str> = config.taxonomies.iter().map(|t| t.name.as_str()).collect();

    // Where each entry's known article is, when its file is unchanged: its
    // position in `known`, found by walking both lists, sorted by path (were
    // the scan's not, an article would only be read again), in runs of
    // entries, in parallel, each from where a bisection of `known` puts its
    // first article. Found by reference here, with whether it is a draft;
    // each is moved once, into the content, below: on a large archive that
    // is almost all of them.
    let reused = {
        let known: Vec<&Article> = known.parts.iter().flatten().map(|a| &**a).collect();
        reuse(&entries, &stamps, &known, REUSE_RUN)
    };

    let kept = AtomicUsize::new(0);
    let load = |(entry, reused): (&Entry, &Option<Reused>)| {
        if reused.is_some() {
            return None;
        }
        Some(match entry {
            Entry::Article(rel) => load_article(root, rel, config, &taxonomies, opts, &kept)
                .map(|(a, w)| Loaded::Article(Box::new(a), w)),
            Entry::Term(rel, taxonomy) => {
                load_term(root, rel, taxonomy, config, opts).map(|t| Loaded::Term(Box::new(t)))
            }
            Entry::Media(rel) => Ok(Loaded::Media(MediaFile {
                source: root.join(rel),
                output: rel.strip_prefix(CONTENT_DIR).unwrap_or(rel).to_path_buf(),
            })),
        })
    };
    // Read in runs of entries, each run on one thread sharing the texts its
    // articles repeat (their terms: see `compact::shared`).
    let loaded: Vec<Option<Result<Loaded, Vec<Diagnostic>>>> = entries
        .par_chunks(SHARED_RUN)
        .zip(reused.par_chunks(SHARED_RUN))
        .flat_map_iter(|(entries, reused)| {
            // Asked for first: read one by one, files not in memory would
            // each wait for the disk.
            crate::mapped::ask_ahead(
                entries
                    .iter()
                    .zip(reused)
                    .filter(|(_, reused)| reused.is_none())
                    .filter_map(|(entry, _)| match entry {
                        Entry::Article(rel) | Entry::Term(rel, _) => Some(root.join(rel)),
                        Entry::Media(_) => None,
                    }),
            );
            compact::shared::within(|| entries.iter().zip(reused).map(load).collect::<Vec<_>>())
        })
        .collect();

    // Articles and drafts are put in order by pointer alone; each one's
    // place is set afterwards, in parallel (touching 100,000 articles one
    // after another is as many cache misses on one core).
    let mut content = Content::default();
    content.articles.reserve(reused.len());
    let mut places: [Vec<usize>; 2] = [Vec::with_capacity(reused.len()), Vec::new()];
    let mut add = |content: &mut Content, a: Box<Article>, draft: bool| {
        let place = content.articles.len() + content.drafts.len();
        if opts.drafts || !draft {
            content.articles.push(a);
            places[0].push(place);
        } else {
            content.drafts.push(a);
            places[1].push(place);
        }
    };
    // The positions increase: each reused article is ahead in `known`.
    let mut known = known.parts.into_iter().flatten().enumerate();
    for (item, reused) in loaded.into_iter().zip(reused) {
        if let Some((r, (_, a))) = reused.and_then(|r| Some((r, known.find(|&(i, _)| i == r.at)?)))
        {
            add(&mut content, a, r.draft);
            continue;
        }
        match item {
            Some(Ok(Loaded::Article(a, warnings))) => {
                content.warnings.extend(warnings);
                let draft = a.front.draft;
                add(&mut content, a, draft);
            }
            Some(Ok(Loaded::Term(t))) => content.terms.push(*t),
            Some(Ok(Loaded::Media(m))) => content.media.push(m),
            Some(Err(mut e)) => errors.append(&mut e),
            None => {}
        }
    }
    let [article_places, draft_places] = places;
    for (list, places) in [
        (&mut content.articles, article_places),
        (&mut content.drafts, draft_places),
    ] {
        list.par_iter_mut()
            .zip(places)
            .for_each(|(a, place)| a.order = place);
    }
    if errors.iter().any(Diagnostic::is_error) {
        errors.sort();
        return Err(Error::Content(errors));
    }
    content.warnings.extend(errors);
    Ok(content)
}

enum Loaded {
    Article(Box<Article>, Vec<Diagnostic>),
    Term(Box<TermFile>),
    Media(MediaFile),
}

/// Sorts the entries of a walk of `content/` (whose real path is
/// `real_dir`) into kinds, in its order, and states every article file.
///
/// Each article is stated relative to its folder, which the walk opens
/// once (and keeps open while it is inside it): stating it by its full path
/// would make the kernel look up every folder of the path again, for every
/// file, a third of the scan of a large archive. A file whose folder the
/// walk did not enter (a file of `content/` itself) is stated by its path.
fn walk(
    root: &Path,
    real_dir: &Path,
    config: &Config,
    walker: impl Iterator<Item = walkdir::Result<walkdir::DirEntry>>,
) -> Scan {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut stamps = Vec::new();
    // The folders the walk is in, by depth: a file's folder is the last one
    // entered above it (`None` where a folder cannot be opened: its files
    // are then stated by their full path).
    let mut folders: Vec<Option<rustix::fd::OwnedFd>> = Vec::new();
    for item in walker {
        let entry = match item {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| relative(root, p))
                    .unwrap_or_else(|| CONTENT_DIR.into());
                problems.push(Diagnostic::error(path, format!("cannot read: {e}")));
                continue;
            }
        };
        let file_type = entry.file_type();
        if file_type.is_dir() {
            let fd = rustix::fs::open(
                entry.path(),
                rustix::fs::OFlags::RDONLY
                    | rustix::fs::OFlags::DIRECTORY
                    | rustix::fs::OFlags::CLOEXEC,
                rustix::fs::Mode::empty(),
            )
            .ok();
            folders.truncate(entry.depth());
            folders.resize_with(entry.depth(), || None);
            folders.push(fd);
            continue;
        }
        let rel = relative(root, entry.path());
        if file_type.is_symlink() {
            match entry.path().canonicalize() {
                Ok(target) if target.starts_with(real_dir) && target.is_file() => {}
                Ok(target) if target.starts_with(real_dir) => {
                    problems.push(Diagnostic::warning(&rel, "a link to a folder inside content/ is skipped (its files are read where they are)"));
                    continue;
                }
                Ok(_) => {
                    problems.push(
                        Diagnostic::error(&rel, "this link points outside content/")
                            .with_hint("copy the file into content/ instead of linking to it"),
                    );
                    continue;
                }
                Err(e) => {
                    problems.push(Diagnostic::error(
                        &rel,
                        format!("this link cannot be followed: {e}"),
                    ));
                    continue;
                }
            }
        } else if !file_type.is_file() {
            continue;
        }
        if let Err(d) = check_path(&rel) {
            problems.push(d);
            continue;
        }
        // Taken from the path's bytes: `rel` is checked UTF-8 without `\`,
        // made by the walk (no `.`, `..`, doubled or trailing `/`), and
        // taking paths apart was a third of a large archive's scan.
        let rel_str = rel.to_str().unwrap_or_default();
        let name = rel_str.rsplit('/').next().unwrap_or_default();
        let is_markdown = [".md", ".markdown"]
            .iter()
            .any(|ext| name.len() > ext.len() && name.ends_with(ext));
        if !is_markdown {
            entries.push(Entry::Media(rel));
            stamps.push(None);
            continue;
        }
        let mut in_content = rel_str.split('/').skip(1);
        let taxonomy = match (in_content.next(), in_content.next(), in_content.next()) {
            (Some(first), Some(_file), None) => config.taxonomy(first).map(|t| t.name.clone()),
            _ => None,
        };
        let stamp = match taxonomy {
            Some(_) => None,
            None => {
                let folder = entry
                    .depth()
                    .checked_sub(1)
                    .and_then(|d| folders.get(d))
                    .and_then(Option::as_ref);
                match folder {
                    Some(fd) => rustix::fs::statat(fd, name, rustix::fs::AtFlags::empty())
                        .ok()
                        .map(|st| FileStamp::of_stat(&st)),
                    None => std::fs::metadata(entry.path())
                        .ok()
                        .map(|m| FileStamp::of(&m)),
                }
            }
        };
        entries.push(match taxonomy {
            Some(t) => Entry::Term(rel, t),
            None => Entry::Article(rel),
        });
        stamps.push(stamp);
    }
    Scan {
        entries,
        problems,
        stamps,
    }
}

/// Path of `path` relative to the site root, for messages and output paths.
fn relative(root: &Path, path: &Path) -> PathBuf {
    // The walk's paths are `root` joined with more: its bytes and the `/`
    // after them are cut off, without taking both paths apart.
    let (r, p) = (
        root.as_os_str().as_encoded_bytes(),
        path.as_os_str().as_encoded_bytes(),
    );
    let rest = p
        .strip_prefix(r)
        .and_then(|rest| match rest {
            [] => Some(rest),
            [b'/', rest @ ..] => Some(rest),
            _ if r.ends_with(b"/") => Some(rest),
            _ => None,
        })
        .filter(|rest| !rest.starts_with(b"/"));
    match rest {
        Some(rest) => PathBuf::from(std::ffi::OsStr::from_bytes(rest)),
        None => path.strip_prefix(root).unwrap_or(path).to_path_buf(),
    }
}

/// Rejects file names that cannot be published safely (bidi spoofing, controls).
fn check_path(rel: &Path) -> Result<(), Diagnostic> {
    let Some(s) = rel.to_str() else {
        return Err(Diagnostic::error(rel, "this file name is not valid UTF-8")
            .with_hint("rename the file using UTF-8 (e.g. only letters, digits and '-')"));
    };
    if s.contains('\\') {
        return Err(Diagnostic::error(
            rel,
            "the file name contains `\\`, a folder separator on Windows",
        )
        .with_hint("rename the file without `\\` (e.g. only letters, digits and '-')"));
    }
    // Printable ASCII, as most names are, holds neither.
    let plain = s.bytes().all(|b| (0x20..0x7f).contains(&b));
    let hidden = |c: char| c.is_control() || crate::arabic::fold::is_bidi_control(c);
    let found = if plain {
        None
    } else {
        s.chars().find(|&c| hidden(c))
    };
    if let Some(c) = found {
        return Err(Diagnostic::error(
            rel,
            format!(
                "the file name contains the invisible character U+{:04X}",
                c as u32
            ),
        )
        .with_hint("rename the file without control or direction characters"));
    }
    Ok(())
}

/// The largest article or term file read, in bytes (10 MiB: a long report
/// is a few hundred KiB). Bigger files are refused before they are read, so
/// that a dump pasted into one article fails at once with a clear message
/// instead of taking minutes and gigabytes; media files have no limit.
pub const MAX_TEXT_BYTES: u64 = 10 * 1024 * 1024;

/// Reads a content file as UTF-8 text with `\n` line ends and no BOM.
pub fn read_text(root: &Path, rel: &Path) -> Result<String, Diagnostic> {
    let (bytes, _) = read_bytes(root, rel)?;
    decode(bytes, rel)
}

/// Decodes file bytes: UTF-8 (a BOM is dropped), `\r\n` and `\r` become `\n`.
pub fn decode(bytes: Vec<u8>, rel: &Path) -> Result<String, Diagnostic> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(
            Diagnostic::error(rel, "the file is UTF-16; arshif reads UTF-8")
                .at(1, 1)
                .with_hint("save the file as UTF-8 (in most editors: Save As → Encoding → UTF-8)"),
        );
    }
    // simdutf8 checks Arabic text several times faster than the standard
    // library; the copy it costs is cheaper than the check it saves. The
    // standard check runs only to place an error.
    if let Ok(text) = simdutf8::basic::from_utf8(&bytes) {
        return normalize_text(text.to_owned(), rel);
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let prefix = String::from_utf8_lossy(&bytes[..valid]);
        let (line, col) = crate::error::line_col(&prefix, prefix.len());
        Diagnostic::error(rel, "the file is not valid UTF-8")
            .at(line, col)
            .with_hint("save the file as UTF-8 (in most editors: Save As → Encoding → UTF-8)")
    })?;
    normalize_text(text, rel)
}

/// Decoded text without its BOM and with `\n` line ends; an error if it
/// holds a NUL byte.
fn normalize_text(mut text: String, rel: &Path) -> Result<String, Diagnostic> {
    if let Some(stripped) = text.strip_prefix('\u{FEFF}') {
        text = stripped.to_string();
    }
    // By memchr's vectorized search: every article is read whole twice.
    if let Some(nul) = memchr::memchr(0, text.as_bytes()) {
        let (line, col) = crate::error::line_col(&text, nul);
        return Err(Diagnostic::error(rel, "the file contains a NUL byte")
            .at(line, col)
            .with_hint("remove the NUL character; it is never part of text"));
    }
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        text = text.replace("\r\n", "\n").replace('\r', "\n");
    }
    Ok(text)
}

fn load_article(
    root: &Path,
    rel: &Path,
    config: &Config,
    taxonomies: &[&str],
    opts: LoadOptions,
    kept: &AtomicUsize,
) -> Result<(Article, Vec<Diagnostic>), Vec<Diagnostic>> {
    let (bytes, stamp) = read_bytes(root, rel).map_err(|d| vec![d])?;
    let digest = xxhash_rust::xxh3::xxh3_128(&bytes);
    let text = decode(bytes, rel).map_err(|d| vec![d])?;
    let (mut article, warnings) = read_article(&text, rel, config, taxonomies, opts, Some(kept))?;
    article.stamp = stamp;
    article.digest = digest;
    Ok((article, warnings))
}

/// Reads an article from its decoded text: front matter typed, body rendered.
/// (Its stamp is left empty and its digest is the text's: [`load`] sets
/// them from the file.)
pub fn article_from_text(
    text: &str,
    rel: &Path,
    config: &Config,
    taxonomies: &[&str],
    opts: LoadOptions,
) -> Result<(Article, Vec<Diagnostic>), Vec<Diagnostic>> {
    read_article(text, rel, config, taxonomies, opts, None)
}

/// [`article_from_text`], keeping the body's HTML while the bytes `kept`
/// counts (for all articles) stay within [`KEPT_HTML_BYTES`].
fn read_article(
    text: &str,
    rel: &Path,
    config: &Config,
    taxonomies: &[&str],
    opts: LoadOptions,
    kept: Option<&AtomicUsize>,
) -> Result<(Article, Vec<Diagnostic>), Vec<Diagnostic>> {
    let split = frontmatter::split(text, rel).map_err(|d| vec![d])?;
    let (front, warnings) = frontmatter::article(&split, rel, taxonomies, config.timezone)?;
    let markdown = article_markdown(config, opts.offline);
    // Room is claimed before the render, by the Markdown's size (its HTML
    // is about as long), and given back at once when it does not fit. A
    // draft left out of the site has no page to take its HTML.
    let size = split.body.len();
    let room = kept.filter(|kept| {
        (opts.drafts || !front.draft) && {
            let fits = kept.fetch_add(size, Ordering::Relaxed) + size <= KEPT_HTML_BYTES;
            if !fits {
                kept.fetch_sub(size, Ordering::Relaxed);
            }
            fits
        }
    });
    let (body, html) = match room {
        Some(kept) => {
            let whole = markdown::render(split.body, markdown);
            kept.fetch_add(whole.html.len(), Ordering::Relaxed);
            kept.fetch_sub(size, Ordering::Relaxed);
            (whole.facts, KeptHtml::keep(opts.offline, whole.html))
        }
        None => (markdown::facts(split.body, markdown), KeptHtml::default()),
    };
    let stem = rel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((
        Article {
            source: rel.to_path_buf(),
            stem: stem.into(),
            front,
            body,
            stamp: FileStamp::default(),
            digest: xxhash_rust::xxh3::xxh3_128(text.as_bytes()),
            warned: !warnings.is_empty(),
            cached: false,
            order: 0,
            html,
        },
        warnings,
    ))
}

/// How article bodies are rendered for their pages.
fn article_markdown(config: &Config, offline: bool) -> MarkdownOptions<'static> {
    MarkdownOptions {
        root: ARTICLE_ROOT,
        offline,
        raw_html: config.markdown.raw_html,
    }
}

/// Reads a file's bytes and its stamp; a file over [`MAX_TEXT_BYTES`] is
/// refused before it is read.
fn read_bytes(root: &Path, rel: &Path) -> Result<(Vec<u8>, FileStamp), Diagnostic> {
    let cannot = |e: std::io::Error| Diagnostic::error(rel, format!("cannot read: {e}"));
    let mut file = std::fs::File::open(root.join(rel)).map_err(cannot)?;
    let stamp = FileStamp::of(&file.metadata().map_err(cannot)?);
    if stamp.size > MAX_TEXT_BYTES {
        return Err(Diagnostic::error(
            rel,
            format!(
                "the file is {:.1} MiB; an article or term file may be at most {} MiB",
                stamp.size as f64 / (1024.0 * 1024.0),
                MAX_TEXT_BYTES / (1024 * 1024)
            ),
        )
        .at(1, 1)
        .with_hint("split it into several articles, or move embedded data (images, tables) into files under content/media/"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(stamp.size).unwrap_or(0) + 1);
    std::io::Read::read_to_end(&mut file, &mut bytes).map_err(cannot)?;
    Ok((bytes, stamp))
}

/// An article's body as HTML for its page: the HTML kept when it was read,
/// the first time it is asked for, else rendered again from the file.
///
/// The file must still be the one the article was loaded from: if it changed
/// during the build, the page would not match the rest of the site, so that
/// is an error asking for another build.
pub fn body_html(
    root: &Path,
    article: &Article,
    config: &Config,
    offline: bool,
) -> Result<String, Diagnostic> {
    if let Some(html) = article.html.take(offline) {
        return Ok(html.into());
    }
    let rel = &article.source;
    let (bytes, _) = read_bytes(root, rel)?;
    if xxhash_rust::xxh3::xxh3_128(&bytes) != article.digest {
        return Err(Diagnostic::error(rel, "the file changed during the build")
            .with_hint("build again once the file is saved"));
    }
    let text = decode(bytes, rel)?;
    let split = frontmatter::split(&text, rel)?;
    Ok(markdown::html(
        split.body,
        article_markdown(config, offline),
    ))
}

fn load_term(
    root: &Path,
    rel: &Path,
    taxonomy: &str,
    config: &Config,
    opts: LoadOptions,
) -> Result<TermFile, Vec<Diagnostic>> {
    let text = read_text(root, rel).map_err(|d| vec![d])?;
    let split = frontmatter::split(&text, rel).map_err(|d| vec![d])?;
    let front = frontmatter::term(&split, rel)?;
    let description = (!split.body.trim().is_empty()).then(|| {
        markdown::render(
            split.body,
            MarkdownOptions {
                root: TERM_ROOT,
                offline: opts.offline,
                raw_html: config.markdown.raw_html,
            },
        )
        .html
    });
    let stem = rel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(TermFile {
        source: rel.to_path_buf(),
        taxonomy: taxonomy.to_string(),
        stem,
        front,
        description,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_order_puts_a_folder_before_its_longer_siblings() {
        let order = |a: &str, b: &str| source_order(Path::new(a), Path::new(b));
        // Bytes alone would put "01-x" first: '-' is below '/'.
        assert!(order("content/2020/01/a.md", "content/2020/01-x.md").is_lt());
        assert!(order("content/a", "content/a/b.md").is_lt());
        assert!(order("content/ab.md", "content/a/b.md").is_gt());
        assert!(order("content/a.md", "content/a.md").is_eq());
    }

    proptest::proptest! {
        #[test]
        fn source_order_is_the_order_of_paths(
            a in proptest::collection::vec("[a-c0-9._ء-]{1,3}", 1..4),
            b in proptest::collection::vec("[a-c0-9._ء-]{1,3}", 1..4),
        ) {
            // Components as the scan makes them: never `.` or `..`.
            proptest::prop_assume!(a.iter().chain(&b).all(|c| c != "." && c != ".."));
            let (a, b) = (PathBuf::from(a.join("/")), PathBuf::from(b.join("/")));
            proptest::prop_assert_eq!(source_order(&a, &b), a.cmp(&b));
        }
    }

    #[test]
    fn decode_handles_bom_crlf_and_rejects_bad_encodings() {
        let p = Path::new("a.md");
        assert_eq!(
            decode(b"\xEF\xBB\xBF---\r\nx\r\n".to_vec(), p).unwrap(),
            "---\nx\n"
        );
        assert!(decode(b"\xFF\xFE-\0-\0".to_vec(), p)
            .unwrap_err()
            .message
            .contains("UTF-16"));
        let d = decode(b"---\ntitle: \xC3\x28\n".to_vec(), p).unwrap_err();
        assert_eq!((d.line, d.column), (Some(2), Some(8)));
        let d = decode(b"ab\ncd\0".to_vec(), p).unwrap_err();
        assert_eq!(d.line, Some(2));
    }

    #[test]
    fn the_scan_lists_files_in_source_order_whichever_folder_they_are_in() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let files = [
            "content/z.md",
            "content/2020/02/c.md",
            "content/2020/01-x.md",
            "content/a.md",
            "content/2020/01/b.md",
            "content/2019/d.md",
            "content/2019/photo.jpg",
            "content/.hidden/e.md",
            "content/2020/.f.md",
        ];
        for f in files {
            let path = root.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let config = Config::parse("title = \"t\"\n").unwrap();
        let scan = scan(root, &config).unwrap();
        let listed: Vec<&Path> = scan
            .entries
            .iter()
            .map(|e| match e {
                Entry::Article(p) | Entry::Term(p, _) | Entry::Media(p) => p.as_path(),
            })
            .collect();
        let mut want: Vec<&Path> = files[..7].iter().map(Path::new).collect();
        want.sort_by(|a, b| source_order(a, b));
        assert_eq!(listed, want);
        // Every article is stated, wherever it lies; other files are not.
        for (entry, stamp) in scan.entries.iter().zip(&scan.stamps) {
            assert_eq!(matches!(entry, Entry::Article(_)), stamp.is_some());
        }
        assert!(scan.problems.is_empty());
    }

    /// A site folder with an empty `content/2020/01/`, and that folder.
    fn site_with_a_month() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("content/2020/01");
        std::fs::create_dir_all(&folder).unwrap();
        (dir, folder)
    }

    /// Writes the story `<name>.md` of 2020-01-01, titled `name`, into `folder`.
    fn write_story(folder: &Path, name: &str, body: &str) {
        let text = format!("---\ntitle: {name}\ndate: 2020-01-01\n---\n{body}\n");
        std::fs::write(folder.join(format!("{name}.md")), text).unwrap();
    }

    #[test]
    fn known_articles_are_matched_to_the_scan_in_any_order() {
        let (dir, folder) = site_with_a_month();
        let root = dir.path();
        let write = |name: &str, body: &str| write_story(&folder, name, body);
        for name in ["a", "b", "c", "d"] {
            write(name, "نص");
        }
        let config = Config::parse("title = \"t\"\n").unwrap();
        let opts = LoadOptions::default();
        let mut first = load(root, &config, opts).unwrap().articles;
        for a in &mut first {
            // Marks what is taken from `known` rather than read again.
            a.cached = true;
        }
        first.reverse();
        let later = first.split_off(2);
        let known = Known::new(vec![first, later]);

        std::fs::remove_file(folder.join("b.md")).unwrap();
        write("c", "نص أطول من قبل");
        let loaded = load_known(root, &config, opts, scan(root, &config).unwrap(), known).unwrap();
        let got: Vec<(String, bool)> = loaded
            .articles
            .iter()
            .map(|a| (a.front.title.to_string(), a.cached))
            .collect();
        let want = [("a", true), ("c", false), ("d", true)].map(|(t, c)| (t.to_string(), c));
        assert_eq!(got, want);
    }

    #[test]
    fn runs_of_any_length_find_the_same_known_articles() {
        let (dir, folder) = site_with_a_month();
        let root = dir.path();
        let write = |name: &str, body: &str| write_story(&folder, name, body);
        for name in ["a", "b", "c", "d", "e", "f", "g"] {
            write(name, "نص");
        }
        let config = Config::parse("title = \"t\"\n").unwrap();
        let known = load(root, &config, LoadOptions::default())
            .unwrap()
            .articles;
        let known: Vec<&Article> = known.iter().map(|a| &**a).collect();
        std::fs::remove_file(folder.join("b.md")).unwrap();
        std::fs::remove_file(folder.join("f.md")).unwrap();
        write("c", "نص أطول من قبل");
        write("cc", "جديد");
        let Scan {
            entries, stamps, ..
        } = scan(root, &config).unwrap();
        // a, c (changed), cc (new), d, e, g: known at 0, 3, 4, 6.
        let at = |r: Vec<Option<Reused>>| r.iter().map(|r| r.map(|r| r.at)).collect::<Vec<_>>();
        let want = [Some(0), None, None, Some(3), Some(4), Some(6)];
        for run in [1, 2, 3, 4, REUSE_RUN] {
            assert_eq!(
                at(reuse(&entries, &stamps, &known, run)),
                want,
                "runs of {run}"
            );
        }
    }

    #[test]
    fn a_body_kept_from_the_load_is_the_body_rendered_again() {
        let (dir, folder) = site_with_a_month();
        let root = dir.path();
        let text =
            "---\ntitle: خبر\ndate: 2020-01-01\n---\n# عنوان\n\nنص [رابط](/2020/01/b/) **مهم**.\n";
        std::fs::write(folder.join("a.md"), text).unwrap();
        let config = Config::parse("title = \"t\"\n").unwrap();
        for offline in [false, true] {
            let opts = LoadOptions {
                offline,
                ..LoadOptions::default()
            };
            let article = &load(root, &config, opts).unwrap().articles[0];
            assert!(article.html.is_kept());
            let kept = body_html(root, article, &config, offline).unwrap();
            // Taken once: asked again, it is rendered from the file.
            assert!(!article.html.is_kept());
            let again = body_html(root, article, &config, offline).unwrap();
            assert_eq!(kept, again);
            assert!(kept.contains("<h2") && kept.contains("<strong>مهم</strong>"));
            assert_eq!(kept.contains("index.html"), offline, "{kept}");

            // Kept for one kind of link, asked for the other: rendered again.
            let article = &load(root, &config, opts).unwrap().articles[0];
            let other = body_html(root, article, &config, !offline).unwrap();
            assert_eq!(other.contains("index.html"), !offline, "{other}");
        }
        // A clone (as the cache makes) holds none.
        let article = &load(root, &config, LoadOptions::default())
            .unwrap()
            .articles[0];
        assert!(article.html.is_kept() && !article.clone().html.is_kept());
        // A draft left out has no page: none is kept for it.
        let draft = "---\ntitle: مسودة\ndate: 2020-01-02\ndraft: true\n---\nنص.\n";
        std::fs::write(folder.join("b.md"), draft).unwrap();
        let content = load(root, &config, LoadOptions::default()).unwrap();
        assert!(!content.drafts[0].html.is_kept());
        let drafts = LoadOptions {
            drafts: true,
            ..LoadOptions::default()
        };
        let content = load(root, &config, drafts).unwrap();
        assert!(content.articles.iter().all(|a| a.html.is_kept()));
    }
}
