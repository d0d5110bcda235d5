//! Writing the output, in one of two ways, both all-or-nothing.
//!
//! - [`Staging`] (a full build with no previous output, or over one
//!   holding what no build leaves): every file goes into a temporary folder
//!   next to the output and, only when everything succeeded, the folder is
//!   swapped with the old output in one atomic `renameat2(RENAME_EXCHANGE)`.
//!   A file whose bytes did not change is hard-linked from the previous
//!   output, so it keeps its mtime (and rsync and caches see it unchanged).
//! - [`Patch`] (an incremental build, or a full build over a previous
//!   output): only changed files are written, into a folder next to the
//!   output; a journal listing their moves and the removals is then
//!   committed with one rename, and applied. A build killed before the
//!   commit leaves the old output untouched; one killed after it is
//!   completed by [`recover`] at the start of the next build. A full build
//!   leaves the same files either way, but a patch neither creates a new
//!   tree of folders nor deletes the old one (at 100,000 articles, a quarter
//!   of a million entries each).
//!
//! [`Output`] puts both behind one interface that also keeps each file's
//! fingerprint, for the build cache. Every path is checked to stay inside
//! the output folder, and two pages claiming one path are an error.

use std::cell::Cell;
use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::error::{Diagnostic, Error, Result};
use crate::mapped::{self, Bytes};

mod fingerprints;
mod minify;

pub use fingerprints::Fingerprints;
pub use minify::minify;

/// Counts of what a build did to the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Files whose content is new or changed.
    pub written: usize,
    /// Files identical to the previous build's, kept as they were.
    pub unchanged: usize,
}

impl Stats {
    pub fn files(&self) -> usize {
        self.written + self.unchanged
    }
}

/// A new output being assembled next to the old one.
pub struct Staging {
    output: PathBuf,
    tmp: PathBuf,
    /// Whether there was an output to link unchanged files from: a first
    /// build does not look for each of its files in a folder that is not
    /// there.
    previous: bool,
    committed: bool,
}

impl Staging {
    /// Prepares a staging folder for `output`, refusing an output folder that
    /// would swallow the site itself.
    pub fn new(output: &Path, site_root: &Path) -> Result<Staging> {
        Staging::start(ready(output, site_root)?)
    }

    /// [`Staging::new`] for an output [`ready`] has checked.
    fn start(output: PathBuf) -> Result<Staging> {
        let tmp = beside(&output, &std::process::id().to_string());
        let parent = tmp.parent().unwrap_or(Path::new("/"));
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        remove_stale(&output);
        fs::create_dir(&tmp).map_err(|e| {
            Error::io(
                &output,
                std::io::Error::new(
                    e.kind(),
                    format!(
                        "cannot create the build's staging folder in {}: {e}",
                        parent.display()
                    ),
                ),
            )
        })?;
        Ok(Staging {
            previous: output.is_dir(),
            output,
            tmp,
            committed: false,
        })
    }

    /// Writes `bytes` at the checked `path`, or links the previous output's
    /// identical file. Returns whether new bytes were written.
    fn write(&self, path: &Path, bytes: &[u8]) -> Result<bool> {
        let target = self.tmp.join(path);
        ensure_parent(&target)?;
        if self.previous {
            let old = self.output.join(path);
            if same_content(&old, bytes) && fs::hard_link(&old, &target).is_ok() {
                return Ok(false);
            }
        }
        fs::write(&target, bytes).map_err(|e| Error::io(&target, e))?;
        Ok(true)
    }

    /// Swaps the new output in. Until this returns, the old output is intact.
    pub fn commit(mut self) -> Result<()> {
        sync_dir(&self.tmp);
        if self.output.exists() {
            match rustix::fs::renameat_with(
                rustix::fs::CWD,
                &self.tmp,
                rustix::fs::CWD,
                &self.output,
                rustix::fs::RenameFlags::EXCHANGE,
            ) {
                Ok(()) => {}
                Err(_) => {
                    // No atomic exchange on this file system: two renames.
                    let mut aside = self.tmp.clone().into_os_string();
                    aside.push(".old");
                    let aside = PathBuf::from(aside);
                    fs::rename(&self.output, &aside).map_err(|e| Error::io(&self.output, e))?;
                    if let Err(e) = fs::rename(&self.tmp, &self.output) {
                        let _ = fs::rename(&aside, &self.output);
                        return Err(Error::io(&self.output, e));
                    }
                    fs::rename(&aside, &self.tmp).map_err(|e| Error::io(&aside, e))?;
                }
            }
            // `tmp` now holds the previous output.
            let _ = fs::remove_dir_all(&self.tmp);
        } else {
            fs::rename(&self.tmp, &self.output).map_err(|e| Error::io(&self.output, e))?;
        }
        if let Some(parent) = self.output.parent() {
            sync_dir(parent);
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    /// A build that did not commit leaves no trace.
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Whether `rel` is not empty, holds no NUL or `\`, and is a relative path
/// of names only: what `Path::components` would give as `Normal` names and
/// nothing else (a `.` after the first name or an empty name, which it
/// skips, is allowed; `..`, a leading `/` or `.` are not). Read a byte at a
/// time, not taken apart as a `Path`: every file a build claims is checked.
fn stays_inside(rel: &str) -> bool {
    let b = rel.as_bytes();
    // A `..` that is a whole name: found from the dots, of which an output
    // path has one or two (`index.html`).
    let parent = |at: usize| {
        b.get(at + 1) == Some(&b'.')
            && (at == 0 || b[at - 1] == b'/')
            && b.get(at + 2).is_none_or(|&c| c == b'/')
    };
    !b.is_empty()
        && b[0] != b'/'
        && rel != "."
        && !rel.starts_with("./")
        && memchr::memchr2(0, b'\\', b).is_none()
        && !memchr::memchr_iter(b'.', b).any(parent)
}

/// A relative output path that cannot leave the output folder.
fn checked(rel: &str) -> Result<PathBuf> {
    check(rel).map(|()| PathBuf::from(rel))
}

/// Fails unless `rel` is a relative output path that stays inside the
/// output folder; allocates nothing, since every claim checks one.
fn check(rel: &str) -> Result<()> {
    if stays_inside(rel) {
        Ok(())
    } else {
        Err(Error::Content(vec![Diagnostic::error(
            rel,
            "this output path would leave the output folder",
        )
        .with_hint(
            "use slugs, aliases and media names without `..`, `/` at the start or `\\`",
        )]))
    }
}

/// `p` made absolute and cleaned of `.` and `..`, without touching the disk.
pub(crate) fn absolute(p: &Path) -> Result<PathBuf> {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(p, e))?
            .join(p)
    };
    // Lexical clean-up of `.` and `..`, so that comparisons mean something.
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Ok(out)
}

fn ensure_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(parent) => match fs::create_dir_all(parent) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(Error::io(parent, e)),
        },
        None => Ok(()),
    }
}

/// What is at a path, against the bytes about to be written there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum There {
    /// A file holding exactly those bytes.
    Same,
    /// A file holding others, which the new one replaces.
    OtherFile,
    /// No file (nothing, or a folder).
    NoFile,
}

/// What is at `old`, against `bytes`.
fn there(old: &Path, bytes: &[u8]) -> There {
    match fs::metadata(old) {
        Ok(m) if m.is_file() => {
            if m.len() == bytes.len() as u64 && fs::read(old).is_ok_and(|b| b == bytes) {
                There::Same
            } else {
                There::OtherFile
            }
        }
        _ => There::NoFile,
    }
}

/// Whether the file at `old` holds exactly `bytes`.
pub(crate) fn same_content(old: &Path, bytes: &[u8]) -> bool {
    there(old, bytes) == There::Same
}

/// Starts writing `file`'s bytes to disk, without waiting for them: for a
/// file that is to be renamed over another.
///
/// On ext4 (with its default `auto_da_alloc`), renaming a file over another
/// first sends the new file's bytes to the disk, inside the rename, with
/// both folders locked: a patch's commit did that for every file it
/// replaced, one after another on one core. Started as the file is written,
/// that work is spread over the cores that render, and the rename finds it
/// done: the commit of a story added to 100,000 (150 files) went from 36 to
/// 25 ms. Elsewhere it is only a hint, and its failure changes nothing.
fn start_writeback(file: &fs::File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a system call on the descriptor of an open file, reading
        // no memory of this process.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// A folder's identity: tells the output a cache describes from a folder
/// that replaced it. Device and inode are not enough (a new folder often
/// gets the inode just freed), so its creation time counts too, where the
/// file system records one.
pub fn dir_id(path: &Path) -> Option<DirId> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| DirId {
        dev: m.dev(),
        ino: m.ino(),
        created: m
            .created()
            .map(crate::content::FileStamp::nanos)
            .unwrap_or(0),
    })
}

/// See [`dir_id`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DirId {
    pub dev: u64,
    pub ino: u64,
    /// Nanoseconds since the Unix epoch; 0 where unknown.
    pub created: i128,
}

/// The folder next to `output` holding an incremental build's new files.
fn patch_dir(output: &Path) -> PathBuf {
    beside(output, "patch")
}

/// Where a build keeps something of its own for the output folder `output`:
/// `.<name>.arshif-<what>` beside it, in the same parent (renames from there
/// are atomic, and nothing is written into the site's own folder).
pub(crate) fn beside(output: &Path, what: &str) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    output
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"))
        .join(format!(".{name}.arshif-{what}"))
}

/// The list of changes an incremental build commits.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Journal {
    /// File name in the patch folder → path in the output.
    moves: Vec<(String, String)>,
    /// Paths in the output to remove.
    removals: Vec<String>,
}

const JOURNAL: &str = "journal";

/// Finishes or undoes an incremental build that was interrupted: a committed
/// journal is applied, an uncommitted one dropped with its files. Either
/// way the output is whole again: the new build's or the old one's.
pub fn recover(output: &Path) -> Result<()> {
    let output = absolute(output)?;
    let dir = patch_dir(&output);
    if !dir.exists() {
        return Ok(());
    }
    let journal = dir.join(JOURNAL);
    if let Ok(text) = fs::read(&journal) {
        let journal: Journal = serde_json::from_slice(&text)
            .map_err(|e| Error::io(&journal, std::io::Error::other(e)))?;
        apply(&output, &dir, &journal)?;
    }
    fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))
}

/// Applies a committed journal. Safe to repeat: a move whose file is gone
/// was done already. The removals go first, so that a new file may take
/// the place of a folder that held only removed files, and a new folder the
/// place of a removed file.
fn apply(output: &Path, dir: &Path, journal: &Journal) -> Result<()> {
    for rel in &journal.removals {
        let path = output.join(checked(rel)?);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
        // Folders the removal emptied go too (an article's own folder).
        let mut parent = path.parent();
        while let Some(p) = parent {
            if p == output || fs::remove_dir(p).is_err() {
                break;
            }
            parent = p.parent();
        }
    }
    for (name, rel) in &journal.moves {
        let from = dir.join(name);
        if !from.exists() {
            continue;
        }
        let to = output.join(checked(rel)?);
        ensure_parent(&to)?;
        fs::rename(&from, &to).map_err(|e| Error::io(&to, e))?;
    }
    Ok(())
}

/// Changes to an existing output, committed all at once (see the module doc).
pub struct Patch {
    output: PathBuf,
    dir: PathBuf,
    next: AtomicUsize,
    moves: Mutex<Vec<(String, String)>>,
    committed: bool,
}

impl Patch {
    /// Starts changing `output`, which must be a previous build's output.
    pub fn new(output: &Path, site_root: &Path) -> Result<Patch> {
        Patch::start(ready(output, site_root)?)
    }

    /// [`Patch::new`] for an output [`ready`] has checked.
    fn start(output: PathBuf) -> Result<Patch> {
        remove_stale(&output);
        let dir = patch_dir(&output);
        fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Patch {
            output,
            dir,
            next: AtomicUsize::new(0),
            moves: Mutex::new(Vec::new()),
            committed: false,
        })
    }

    /// Writes `bytes` at `rel` unless the file there holds them already.
    /// Returns whether anything was written.
    fn put(&self, path: &Path, rel: &str, bytes: &[u8]) -> Result<bool> {
        let target = self.output.join(path);
        let there = there(&target, bytes);
        if there == There::Same {
            return Ok(false);
        }
        let name = self.next.fetch_add(1, Ordering::Relaxed).to_string();
        let tmp = self.dir.join(&name);
        // Named by the page it is for: the scratch name means nothing to people.
        let cannot = |e| Error::io(&target, e);
        let mut file = fs::File::create(&tmp).map_err(cannot)?;
        file.write_all(bytes).map_err(cannot)?;
        if there == There::OtherFile {
            start_writeback(&file);
        }
        self.moves
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name, rel.to_string()));
        Ok(true)
    }

    /// Commits the changes and removes `removals` (paths checked already).
    fn commit(mut self, mut removals: Vec<String>) -> Result<()> {
        let mut moves = std::mem::take(&mut *self.moves.lock().unwrap_or_else(|e| e.into_inner()));
        moves.sort_by(|a, b| a.1.cmp(&b.1));
        removals.sort();
        let journal = Journal { moves, removals };
        let text = serde_json::to_vec(&journal)
            .map_err(|e| Error::io(&self.dir, std::io::Error::other(e)))?;
        let tmp = self.dir.join("journal.tmp");
        fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        sync_dir(&self.dir);
        fs::rename(&tmp, self.dir.join(JOURNAL)).map_err(|e| Error::io(&tmp, e))?;
        sync_dir(&self.dir);
        self.committed = true;
        apply(&self.output, &self.dir, &journal)?;
        fs::remove_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))
    }
}

impl Drop for Patch {
    /// Changes that were not committed leave no trace.
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// A folder for a build's temporary files ([`Output::scratch`]), removed
/// with everything in it when dropped.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// How a build writes: all anew, or only what changed.
enum Mode {
    Full(Staging),
    Patch(Patch),
}

/// A build's output: claims paths, skips files whose fingerprint matches the
/// previous build's, writes the rest (see the module doc).
pub struct Output {
    mode: Mode,
    /// Whether files whose fingerprint matches the previous build's are
    /// skipped: false in a full build, even over a previous output.
    incremental: bool,
    /// Each file of the previous build and its fingerprint.
    previous: Fingerprints,
    /// Per file of `previous`, by number, whether this build claimed it
    /// (with its fingerprint there or a new one, then also in `claimed`):
    /// 0 if not, else its place in this build's order plus one (see
    /// [`Order`]).
    taken: Vec<AtomicU32>,
    /// The previous output's files a full build patches over: removed
    /// unless this build makes them again.
    replaced: Vec<String>,
    /// Each file of this build and its fingerprint, except those the
    /// previous build wrote with the same fingerprint (marked in `taken`),
    /// with its place in this build's order.
    claimed: Mutex<(Fingerprints, Vec<u32>)>,
    written: AtomicUsize,
    /// Files written with the bytes they had. Those claimed with their
    /// previous fingerprint are counted when the output is sealed, from
    /// `taken` and `claimed`: counted as they came, by both cores at once,
    /// the counter's line went from one core to the other 150,000 times a
    /// rebuild at 100,000 articles (three quarters of `claim`'s own time).
    unchanged: AtomicUsize,
}

impl Output {
    /// A full build: every file written anew. Over a previous output, as a
    /// patch that writes only the files whose bytes changed and removes
    /// those it does not make again; otherwise into a staging folder.
    /// `listing`, when given, lists the previous output's files.
    pub fn full(output: &Path, site_root: &Path, listing: Option<Listing>) -> Result<Output> {
        let output = ready(output, site_root)?;
        let files = match listing {
            Some(listing) => listing.files(),
            None => previous_files(&output),
        };
        let mode = match files {
            Some(_) => Mode::Patch(Patch::start(output)?),
            None => Mode::Full(Staging::start(output)?),
        };
        let mut out = Output::with(mode, Fingerprints::default(), false);
        out.replaced = files.unwrap_or_default();
        Ok(out)
    }

    /// An incremental build over the output a previous build left, whose
    /// files had the fingerprints in `previous`.
    pub fn patch(output: &Path, site_root: &Path, previous: Fingerprints) -> Result<Output> {
        Ok(Output::with(
            Mode::Patch(Patch::new(output, site_root)?),
            previous,
            true,
        ))
    }

    fn with(mode: Mode, previous: Fingerprints, incremental: bool) -> Output {
        let taken = (0..previous.len()).map(|_| AtomicU32::new(0)).collect();
        Output {
            incremental,
            mode,
            previous,
            taken,
            replaced: Vec::new(),
            claimed: Mutex::default(),
            written: AtomicUsize::new(0),
            unchanged: AtomicUsize::new(0),
        }
    }

    /// A new folder beside the output for this build's temporary files.
    pub fn scratch(&self) -> Result<Scratch> {
        let output = match &self.mode {
            Mode::Full(staging) => &staging.output,
            Mode::Patch(patch) => &patch.output,
        };
        // Named like a staging folder, so that the next build removes it if
        // this one is killed.
        let dir = beside(output, &format!("{}.scratch", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Scratch { dir })
    }

    /// Whether this build rewrites only what changed.
    pub fn is_incremental(&self) -> bool {
        self.incremental
    }

    /// Claims `rel` for a file with this fingerprint; a second claim is an
    /// error. Returns whether the file must be written: false when the
    /// previous build wrote the same fingerprint there.
    ///
    /// A file the previous build wrote is marked claimed by its number in
    /// `previous`, and kept there when its fingerprint is the same: a
    /// rebuild at 100,000 articles claims 150,000 such files, and one
    /// lookup each is a fraction of what a second table of them costs.
    pub fn claim(&self, rel: &str, fingerprint: u128) -> Result<bool> {
        self.claim_in(rel, fingerprint, Order::After)
    }

    /// [`claim`](Self::claim) for the `job`-th page of the site's list of
    /// pages (`render::pages`). Its file is looked for first where the
    /// previous build's table had the file of the job this thread claimed
    /// last, moved on as far as the jobs are apart: the table is kept in
    /// the order of the jobs (see [`Output::seal`]), which the threads take
    /// in runs, so that the look-up seldom hashes the path and reads the
    /// table in order, not at random (a rebuild at 100,000 articles claims
    /// 140,000 pages, and a look-up by hash was four or five cache misses).
    pub fn claim_page(&self, rel: &str, fingerprint: u128, job: usize) -> Result<bool> {
        self.claim_in(rel, fingerprint, Order::Job(job))
    }

    fn claim_in(&self, rel: &str, fingerprint: u128, order: Order) -> Result<bool> {
        check(rel)?;
        let found = match order {
            Order::Job(job) => self.find_near(rel, job),
            Order::After => self.previous.find(rel),
        };
        let same = found.is_some_and(|i| self.previous.print(i) == fingerprint);
        if let Some(i) = found {
            if self.taken[i].swap(order.mark(), Ordering::Relaxed) != 0 {
                return Err(duplicate(rel));
            }
        }
        if !same {
            let mut claimed = self.claimed.lock().unwrap_or_else(|e| e.into_inner());
            let (files, places) = &mut *claimed;
            if !files.insert(rel, fingerprint) {
                return Err(duplicate(rel));
            }
            places.push(order.place());
        }
        Ok(!same)
    }

    /// The number of the previous build's file at `rel`, the page of `job`
    /// (see [`claim_page`](Self::claim_page)).
    fn find_near(&self, rel: &str, job: usize) -> Option<usize> {
        thread_local! {
            /// The last page this thread claimed that the previous build
            /// had: its job, and its file's number in the previous table.
            static LAST: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
        }
        let (last_job, last_file) = LAST.get();
        let guess = last_file.wrapping_add(job.wrapping_sub(last_job));
        let found = if self.previous.is_at(guess, rel) {
            Some(guess)
        } else {
            self.previous.find(rel)
        };
        if let Some(i) = found {
            LAST.set((job, i));
        }
        found
    }

    /// Whether the previous build, which this one patches, wrote `rel`.
    pub fn had(&self, rel: &str) -> bool {
        self.is_incremental() && self.previous.contains(rel)
    }

    /// The bytes the previous build wrote at `rel`, when this build patches
    /// its output and it wrote that file (`None` otherwise). Read before
    /// the commit, so always the previous build's file.
    pub fn read_previous(&self, rel: &str) -> Result<Option<Bytes>> {
        let Mode::Patch(patch) = &self.mode else {
            return Ok(None);
        };
        if !self.previous.contains(rel) {
            return Ok(None);
        }
        let path = patch.output.join(checked(rel)?);
        let file = match fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        // SAFETY: a build never writes an output file in place: a patch
        // renames a new file over it at the commit, after this build's
        // reads (see `Patch::put`), and a full build writes a new folder.
        unsafe { mapped::contents(&file) }
            .map(Some)
            .map_err(|e| Error::io(&path, e))
    }

    /// Claims `rel` with the fingerprint the previous build gave it, keeping
    /// its file as it is. Returns false, claiming nothing, when this build
    /// does not patch a previous output holding that file.
    pub fn keep(&self, rel: &str) -> Result<bool> {
        if !self.is_incremental() {
            return Ok(false);
        }
        match self.previous.get(rel) {
            Some(fingerprint) => {
                self.claim(rel, fingerprint)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Writes a claimed file.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = checked(rel)?;
        let wrote = match &self.mode {
            Mode::Full(staging) => staging.write(&path, bytes)?,
            Mode::Patch(patch) => patch.put(&path, rel, bytes)?,
        };
        let counter = if wrote {
            &self.written
        } else {
            &self.unchanged
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Claims and writes `bytes` at `rel`, fingerprinted by their hash.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        self.put_fingerprinted(rel, bytes).map(|_| ())
    }

    /// [`put`](Self::put), returning the fingerprint it gave the file.
    pub fn put_fingerprinted(&self, rel: &str, bytes: &[u8]) -> Result<u128> {
        let fingerprint = xxhash_rust::xxh3::xxh3_128(bytes);
        if self.claim(rel, fingerprint)? {
            self.write(rel, bytes)?;
        }
        Ok(fingerprint)
    }

    /// The fingerprint the previous build, which this one patches, gave
    /// its file `rel` (`None` if it wrote none, or this build does not
    /// patch it).
    pub fn previous_fingerprint(&self, rel: &str) -> Option<u128> {
        if !self.is_incremental() {
            return None;
        }
        self.previous.get(rel)
    }

    /// Claims `rel` for a copy of the file `from`, fingerprinted by its
    /// path, size and modification time, and copies it if that changed.
    pub fn copy(&self, rel: &str, from: &Path) -> Result<()> {
        let meta = fs::metadata(from).map_err(|e| Error::io(from, e))?;
        let stamp = crate::content::FileStamp::of(&meta);
        if self.claim(rel, copy_fingerprint(from, &stamp))? {
            let bytes = fs::read(from).map_err(|e| Error::io(from, e))?;
            self.write(rel, &bytes)?;
        }
        Ok(())
    }

    /// Ends the writing: what the build cache needs of the output is known
    /// from here, before the commit (see [`Sealed`]).
    pub fn seal(self) -> Sealed {
        let (claimed, mut places) = self.claimed.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut stats = Stats {
            written: self.written.load(Ordering::Relaxed),
            unchanged: self.unchanged.load(Ordering::Relaxed),
        };
        // The previous build's files, less those not claimed again, with
        // the fingerprints of the others (when there were any: the claims
        // of a build without them are all its files as they are).
        let mut dropped = Vec::new();
        let mut files = self.previous;
        if files.is_empty() {
            files = claimed;
        } else {
            // Claimed again with another fingerprint: that one, in place.
            let new: Vec<(&str, u128, u32)> = claimed
                .iter()
                .zip(&places)
                .filter(|&((rel, print), _)| !files.update(rel, print))
                .map(|((rel, print), &place)| (rel, print, place))
                .collect();
            let mut kept_places = Vec::with_capacity(files.len() + new.len());
            files.retain(|i, rel| {
                let mark = self.taken[i].load(Ordering::Relaxed);
                if mark == 0 {
                    dropped.push(rel.to_string());
                } else {
                    kept_places.push(mark - 1);
                }
                mark != 0
            });
            // Of the files claimed again, those with another fingerprint
            // are in `claimed`; the others kept theirs.
            stats.unchanged += files.len() - (claimed.len() - new.len());
            files.extend(new.iter().map(|&(rel, print, _)| (rel, print)));
            kept_places.extend(new.iter().map(|&(_, _, place)| place));
            places = kept_places;
        }
        let files = in_order(files, &places);
        let (dir_id, pending) = match self.mode {
            // The staging folder becomes the output, under its own inode.
            Mode::Full(staging) => (dir_id(&staging.tmp), Pending::Full(staging)),
            Mode::Patch(patch) => {
                let replaced = self.replaced.into_iter();
                let removals: Vec<String> = dropped
                    .into_iter()
                    .chain(replaced.filter(|rel| !files.contains(rel)))
                    .collect();
                (dir_id(&patch.output), Pending::Patch(patch, removals))
            }
        };
        Sealed {
            stats,
            files,
            dir_id,
            commit: Commit(pending),
        }
    }
}

/// Where a claimed file goes in the order the files' table is kept in (see
/// [`Output::claim_page`]): a page by its job, any other file after them.
#[derive(Clone, Copy)]
enum Order {
    Job(usize),
    After,
}

impl Order {
    /// The place of the files claimed after the pages.
    const AFTER: u32 = u32::MAX - 1;

    fn place(self) -> u32 {
        match self {
            Order::Job(job) => u32::try_from(job).map_or(Order::AFTER, |j| j.min(Order::AFTER)),
            Order::After => Order::AFTER,
        }
    }

    /// How `taken` marks a file claimed in this place (never 0).
    fn mark(self) -> u32 {
        self.place() + 1
    }
}

/// `files` in the order of their `places` (one each; files of equal places
/// in their order), unless they are nearly in it: a table out of order makes
/// the next build's [`Output::claim_page`] hash its paths. Rebuilt after a
/// full build (whose threads claimed the pages in turns); a rebuild adds a
/// story's page at the end, out of place, and costs the next one a look-up
/// or two by hash for it, so the table is rebuilt only once such places are
/// more than one in 64.
fn in_order(files: Fingerprints, places: &[u32]) -> Fingerprints {
    let descents = places.windows(2).filter(|w| w[1] < w[0]).count();
    if places.len() != files.len() || descents <= files.len() / 64 {
        return files;
    }
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| places[i]);
    files.select(&order)
}

/// A build's output with every file written, not yet committed: counts,
/// each file's fingerprint and the identity the output folder will have,
/// so that the build cache can be written while the commit runs.
pub struct Sealed {
    pub stats: Stats,
    pub files: Fingerprints,
    pub dir_id: Option<DirId>,
    pub commit: Commit,
}

/// The commit of a [`Sealed`] output; dropped instead of run, it leaves the
/// old output as it was.
pub struct Commit(Pending);

enum Pending {
    Full(Staging),
    Patch(Patch, Vec<String>),
}

impl Commit {
    /// Makes the new output the output. Until this returns, the old output
    /// is intact; `before` runs just before the point of no return.
    pub fn run(self, before: impl FnOnce()) -> Result<()> {
        before();
        match self.0 {
            Pending::Full(staging) => staging.commit(),
            Pending::Patch(patch, removals) => patch.commit(removals),
        }
    }
}

fn duplicate(rel: &str) -> Error {
    Error::Content(vec![Diagnostic::error(
        rel,
        "two pages or files would be written at this path",
    )
    .with_hint(
        "rename the media file or change the slug or alias that produces this path",
    )])
}

/// `output` made absolute, once checked not to hold the site nor to be
/// read-only, and with any interrupted incremental build there completed:
/// where either kind of build starts.
fn ready(output: &Path, site_root: &Path) -> Result<PathBuf> {
    let output = absolute(output)?;
    check_output(&output, &absolute(site_root)?)?;
    writable(&output)?;
    recover(&output)?;
    Ok(output)
}

/// Refuses a read-only output folder, which stays as it is: a build would
/// replace it or change files in it.
fn writable(output: &Path) -> Result<()> {
    if output.is_dir() && rustix::fs::access(output, rustix::fs::Access::WRITE_OK).is_err() {
        return Err(Error::io(
            output,
            std::io::Error::new(
                ErrorKind::PermissionDenied,
                "the output folder is read-only (Permission denied); make it writable or choose another --output",
            ),
        ));
    }
    Ok(())
}

/// The files of a previous output, as paths relative to it: `None` unless
/// it is a folder holding only files and folders that hold files, each
/// named as a build names them (what a build leaves). Anything else (a
/// link, an empty folder, a name a build would refuse) is left to a
/// staging folder, which replaces the whole folder.
fn previous_files(output: &Path) -> Option<Vec<String>> {
    if !output.is_dir() {
        return None;
    }
    let (mut files, mut folders) = (Vec::new(), Vec::new());
    for entry in walkdir::WalkDir::new(output).min_depth(1) {
        let entry = entry.ok()?;
        let rel = entry
            .path()
            .strip_prefix(output)
            .ok()?
            .to_str()?
            .to_string();
        check(&rel).ok()?;
        match entry.file_type() {
            t if t.is_file() => files.push(rel),
            t if t.is_dir() => folders.push(rel),
            _ => return None,
        }
    }
    // A folder with no file under it would outlive the patch.
    let held: std::collections::HashSet<&str> = files
        .iter()
        .flat_map(|f| f.match_indices('/').map(|(i, _)| &f[..i]))
        .collect();
    folders
        .iter()
        .all(|f| held.contains(f.as_str()))
        .then_some(files)
}

/// The files of a previous output, listed on a thread of their own from
/// the start of a build that writes every file anew (at 100,000 articles, a
/// second of reading folders), while the content is read; `None` where
/// [`Output::full`] must replace the folder whole.
pub struct Listing(std::thread::JoinHandle<Option<Vec<String>>>);

impl Listing {
    /// Starts listing `output`, which [`recover`] has made whole.
    pub fn start(output: &Path) -> Listing {
        let output = output.to_path_buf();
        Listing(std::thread::spawn(move || previous_files(&output)))
    }

    fn files(self) -> Option<Vec<String>> {
        self.0.join().ok().flatten()
    }
}

/// Refuses an output folder that would swallow the site or is not an output.
fn check_output(output: &Path, root: &Path) -> Result<()> {
    if root.starts_with(output) {
        return Err(Error::Config(vec![Diagnostic::error(
            output.display().to_string(),
            "the output folder contains the site itself; a build replaces the whole output folder",
        )
        .with_hint(
            "write the output to a folder of its own, e.g. --output public",
        )]));
    }
    if output.exists()
        && (!output.is_dir()
            || output.join("site.toml").exists()
            || output.join("content").is_dir())
    {
        return Err(Error::Config(vec![Diagnostic::error(
            output.display().to_string(),
            "the output path exists and is not a build output (it is a file or a site folder)",
        )
        .with_hint(
            "choose another --output folder; a build replaces the whole output folder",
        )]));
    }
    Ok(())
}

/// Removes the staging folders beside `output` left by builds that were
/// killed; a folder whose build is still running (another process) is left
/// alone.
fn remove_stale(output: &Path) {
    let any = beside(output, "");
    let (Some(parent), Some(prefix)) = (any.parent(), any.file_name()) else {
        return;
    };
    let prefix = prefix.to_string_lossy();
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        // Only staging and scratch folders (`<pid>`, `<pid>.old`,
        // `<pid>.scratch`): the cache and an incremental build's folder have
        // names of their own.
        let Some(pid) = file_name
            .strip_prefix(&*prefix)
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        else {
            continue;
        };
        let running = pid.parse::<u32>().is_ok_and(|pid| {
            pid != std::process::id() && Path::new("/proc").join(pid.to_string()).exists()
        });
        if !running {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(f) = fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// A copied file's fingerprint: its path (as bytes, so that a path that is
/// not UTF-8, which serde refuses, counts as well), size and mtime.
fn copy_fingerprint(from: &Path, stamp: &crate::content::FileStamp) -> u128 {
    crate::cache::hash_of(&(
        from.as_os_str().as_encoded_bytes(),
        stamp.size,
        stamp.modified,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn copies_from_paths_that_are_not_utf8_count_by_stamp() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(std::ffi::OsStr::from_bytes(b"/site/\xff/logo.png"));
        let stamp = |size, modified| crate::content::FileStamp { size, modified };
        let other = Path::new(std::ffi::OsStr::from_bytes(b"/site/\xfe/logo.png"));
        let a = copy_fingerprint(path, &stamp(1, 2));
        assert_eq!(a, copy_fingerprint(path, &stamp(1, 2)));
        assert_ne!(a, copy_fingerprint(path, &stamp(1, 3)));
        assert_ne!(a, copy_fingerprint(path, &stamp(4, 2)));
        assert_ne!(a, copy_fingerprint(other, &stamp(1, 2)));
    }

    #[test]
    fn paths_that_escape_are_refused() {
        for bad in ["../x", "/etc/x", "a/../../b", "", "a\\b", "a\0b", "./a"] {
            assert!(checked(bad).is_err(), "{bad:?}");
        }
        assert!(checked("2020/10/x/index.html").is_ok());
    }

    /// Commits a full build's output; its counts.
    fn commit(full: Output) -> Result<Stats> {
        let sealed = full.seal();
        sealed.commit.run(|| {})?;
        Ok(sealed.stats)
    }

    #[test]
    fn swap_keeps_unchanged_files_and_drops_removed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        fs::create_dir(&site).unwrap();
        let out = site.join("public");
        let s = Output::full(&out, &site, None).unwrap();
        s.put("a.txt", b"one").unwrap();
        s.put("b/c.txt", b"two").unwrap();
        assert!(s.put("a.txt", b"again").is_err());
        assert_eq!(
            commit(s).unwrap(),
            Stats {
                written: 2,
                unchanged: 0
            }
        );
        let before = inode(&out.join("a.txt"));

        let s = Output::full(&out, &site, None).unwrap();
        s.put("a.txt", b"one").unwrap();
        s.put("d.txt", b"new").unwrap();
        assert_eq!(
            commit(s).unwrap(),
            Stats {
                written: 1,
                unchanged: 1
            }
        );
        assert_eq!(inode(&out.join("a.txt")), before);
        assert!(!out.join("b").exists());
        let leftovers: Vec<_> = fs::read_dir(&site)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("public")]);
    }

    #[test]
    fn an_uncommitted_build_leaves_the_old_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let s = Output::full(&out, &dir.path().join("site"), None).unwrap();
        s.put("keep.txt", b"old").unwrap();
        commit(s).unwrap();
        {
            let s = Output::full(&out, &dir.path().join("site"), None).unwrap();
            s.put("keep.txt", b"new").unwrap();
        }
        assert_eq!(fs::read(out.join("keep.txt")).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_to_replace_the_site() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Staging::new(dir.path(), &dir.path().join("site")).is_err());
        assert!(Staging::new(&dir.path().join("site"), &dir.path().join("site")).is_err());
    }

    fn patch_of(out: &Path, site: &Path, previous: &[(&str, u128)]) -> Output {
        let previous = previous.iter().map(|(p, f)| (p.to_string(), *f)).collect();
        Output::patch(out, site, previous).unwrap()
    }

    /// A first build of three files, two of them in folders, into `out`
    /// under `dir`: the site folder, the output folder and the files'
    /// fingerprints.
    fn three_files(dir: &Path) -> (PathBuf, PathBuf, Fingerprints) {
        let (site, out) = (dir.join("site"), dir.join("out"));
        let full = Output::full(&out, &site, None).unwrap();
        for (rel, bytes) in [("a.txt", "a"), ("b/c.txt", "c"), ("d/e/f.txt", "f")] {
            full.put(rel, bytes.as_bytes()).unwrap();
        }
        let sealed = full.seal();
        sealed.commit.run(|| {}).unwrap();
        (site, out, sealed.files)
    }

    #[test]
    fn a_patch_writes_only_changes_and_removes_what_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out, files) = three_files(dir.path());
        let fp = |rel: &str| files.get(rel).unwrap();

        let patch = patch_of(
            &out,
            &site,
            &[
                ("a.txt", fp("a.txt")),
                ("b/c.txt", fp("b/c.txt")),
                ("d/e/f.txt", fp("d/e/f.txt")),
            ],
        );
        assert!(!patch.claim("a.txt", fp("a.txt")).unwrap(), "unchanged");
        assert!(patch.claim("b/c.txt", 7).unwrap(), "changed");
        patch.write("b/c.txt", b"new").unwrap();
        assert!(patch.claim("a.txt", 1).is_err(), "claimed twice");
        assert!(patch.claim("b/c.txt", 7).is_err(), "changed, claimed twice");
        assert!(patch.claim("g.txt", 8).unwrap(), "new");
        patch.write("g.txt", b"g").unwrap();
        assert!(patch.claim("g.txt", 8).is_err(), "new, claimed twice");
        let done = patch.seal();
        done.commit.run(|| {}).unwrap();
        assert_eq!(
            done.stats,
            Stats {
                written: 2,
                unchanged: 1
            }
        );
        // For the next build: the files claimed, each with its new
        // fingerprint; not the one this build did not make again.
        let next: Vec<_> = done.files.iter().collect();
        assert_eq!(next, [("a.txt", fp("a.txt")), ("b/c.txt", 7), ("g.txt", 8)]);
        assert_eq!(fs::read(out.join("b/c.txt")).unwrap(), b"new");
        assert!(!out.join("d").exists(), "emptied folders go too");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no patch folder left"
        );
    }

    #[test]
    fn the_files_table_is_kept_in_the_order_of_the_pages() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out) = (dir.path().join("site"), dir.path().join("out"));
        let page = |k: usize| format!("p/{k}/index.html");
        // A full build: pages claimed out of their order, among other
        // files, come out in it, the other files after them.
        let full = Output::full(&out, &site, None).unwrap();
        full.put("feed.xml", b"f").unwrap();
        for k in [3, 0, 199, 2, 1].into_iter().chain(4..199) {
            assert!(full.claim_page(&page(k), k as u128, k).unwrap());
            full.write(&page(k), b"p").unwrap();
        }
        assert!(full.claim_page(&page(5), 9, 5).is_err(), "claimed twice");
        full.put("search/0.js", b"s").unwrap();
        let sealed = full.seal();
        sealed.commit.run(|| {}).unwrap();
        let paths: Vec<String> = sealed.files.paths().map(str::to_string).collect();
        let expected: Vec<String> = (0..200)
            .map(page)
            .chain(["feed.xml".into(), "search/0.js".into()])
            .collect();
        assert_eq!(paths, expected);

        // A rebuild with a page added first (every job one further on) and
        // the last one gone: each page is found wherever this thread's
        // guess falls, the new one is added at the end, and the table,
        // nearly in order, is kept as it is.
        let patch = Output::patch(&out, &site, sealed.files).unwrap();
        assert!(patch.claim_page("p/new/index.html", 7, 0).unwrap(), "new");
        patch.write("p/new/index.html", b"n").unwrap();
        for k in (0..199).rev() {
            let claimed = patch.claim_page(&page(k), k as u128, k + 1);
            assert!(!claimed.unwrap(), "unchanged: {k}");
        }
        assert!(!patch
            .claim("feed.xml", xxhash_rust::xxh3::xxh3_128(b"f"))
            .unwrap());
        assert!(patch.claim_page(&page(150), 150, 151).is_err(), "twice");
        let sealed = patch.seal();
        assert_eq!(
            sealed.stats,
            Stats {
                written: 1,
                unchanged: 200
            }
        );
        let paths: Vec<&str> = sealed.files.paths().collect();
        assert_eq!(paths.len(), 201);
        assert_eq!(paths[..2], [page(0), page(1)]);
        assert_eq!(paths[198..], [&page(198), "feed.xml", "p/new/index.html"]);
        assert!(!sealed.files.contains(&page(199)), "not made again");
        assert!(!sealed.files.contains("search/0.js"), "not made again");

        // A table far from the pages' order (an older build's) is put in it.
        let reversed = (0..200).rev().map(|k| (page(k), k as u128)).collect();
        let patch = Output::patch(&out, &site, reversed).unwrap();
        for k in 0..200 {
            assert!(!patch.claim_page(&page(k), k as u128, k).unwrap());
        }
        let sealed = patch.seal();
        assert!(sealed.files.paths().eq((0..200).map(page)));
    }

    #[test]
    fn a_patch_keeps_and_reads_the_previous_files() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out) = (dir.path().join("site"), dir.path().join("out"));
        let full = Output::full(&out, &site, None).unwrap();
        assert!(
            !full.keep("a.txt").unwrap(),
            "nothing to keep in a full build"
        );
        assert!(full.read_previous("a.txt").unwrap().is_none());
        full.put("a.txt", b"a").unwrap();
        full.put("b.txt", b"b").unwrap();
        let sealed = full.seal();
        sealed.commit.run(|| {}).unwrap();
        let files = sealed.files;

        let patch = Output::patch(&out, &site, files).unwrap();
        assert!(patch.had("b.txt") && !patch.had("c.txt"));
        assert_eq!(
            patch.read_previous("a.txt").unwrap().as_deref(),
            Some(&b"a"[..])
        );
        assert!(patch.read_previous("c.txt").unwrap().is_none());
        assert!(patch.keep("a.txt").unwrap());
        assert!(!patch.keep("c.txt").unwrap(), "no previous file to keep");
        assert!(patch.keep("a.txt").is_err(), "claimed twice");
        let scratch = patch.scratch().unwrap();
        fs::write(scratch.path().join("x"), b"x").unwrap();
        let scratch_dir = scratch.path().to_path_buf();
        drop(scratch);
        assert!(!scratch_dir.exists(), "a scratch folder goes when dropped");
        patch.seal().commit.run(|| {}).unwrap();
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"a");
        assert!(
            !out.join("b.txt").exists(),
            "neither kept nor written: removed"
        );
    }

    fn inode(p: &Path) -> u64 {
        std::os::unix::fs::MetadataExt::ino(&fs::symlink_metadata(p).unwrap())
    }

    /// Every entry under `dir`, relative, sorted; folders end in `/`.
    fn entries(dir: &Path) -> Vec<String> {
        walkdir::WalkDir::new(dir)
            .min_depth(1)
            .sort_by_file_name()
            .into_iter()
            .map(|e| {
                let e = e.unwrap();
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if e.file_type().is_dir() {
                    rel + "/"
                } else {
                    rel
                }
            })
            .collect()
    }

    #[test]
    fn a_full_build_over_a_previous_output_patches_it() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out, _) = three_files(dir.path());
        let (folder, kept) = (inode(&out), inode(&out.join("a.txt")));

        let full = Output::full(&out, &site, Some(Listing::start(&out))).unwrap();
        assert!(!full.is_incremental(), "every file is written anew");
        assert!(!full.had("a.txt") && !full.keep("a.txt").unwrap());
        assert!(full.read_previous("a.txt").unwrap().is_none());
        full.put("a.txt", b"a").unwrap();
        full.put("b/c.txt", b"changed").unwrap();
        full.put("g.txt", b"g").unwrap();
        assert_eq!(
            commit(full).unwrap(),
            Stats {
                written: 2,
                unchanged: 1
            }
        );
        // Patched where it is: the same folder, the unchanged file untouched,
        // and what this build did not make gone with its folders.
        assert_eq!(inode(&out), folder);
        assert_eq!(inode(&out.join("a.txt")), kept);
        assert_eq!(entries(&out), ["a.txt", "b/", "b/c.txt", "g.txt"]);
        assert_eq!(fs::read(out.join("b/c.txt")).unwrap(), b"changed");
        assert_eq!(
            entries(dir.path()),
            ["out/", "out/a.txt", "out/b/", "out/b/c.txt", "out/g.txt"]
        );
    }

    #[test]
    fn a_file_and_a_folder_may_trade_places() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out) = (dir.path().join("site"), dir.path().join("out"));
        let first = Output::full(&out, &site, None).unwrap();
        first.put("x", b"a file").unwrap();
        first.put("y/index.html", b"a page").unwrap();
        commit(first).unwrap();
        let again = Output::full(&out, &site, None).unwrap();
        assert!(matches!(again.mode, Mode::Patch(_)));
        again.put("x/index.html", b"a page").unwrap();
        again.put("y", b"a file").unwrap();
        commit(again).unwrap();
        assert_eq!(entries(&out), ["x/", "x/index.html", "y"]);
    }

    #[test]
    fn an_output_holding_what_no_build_leaves_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out) = (dir.path().join("site"), dir.path().join("out"));
        let first = Output::full(&out, &site, None).unwrap();
        first.put("a.txt", b"a").unwrap();
        commit(first).unwrap();
        for odd in ["empty folder", "link"] {
            if odd == "link" {
                std::os::unix::fs::symlink("a.txt", out.join("link")).unwrap();
            } else {
                fs::create_dir(out.join("empty")).unwrap();
            }
            let (folder, kept) = (inode(&out), inode(&out.join("a.txt")));
            let full = Output::full(&out, &site, None).unwrap();
            assert!(matches!(full.mode, Mode::Full(_)), "{odd}: staged");
            full.put("a.txt", b"a").unwrap();
            commit(full).unwrap();
            assert_ne!(inode(&out), folder, "{odd}: a new folder");
            assert_eq!(
                inode(&out.join("a.txt")),
                kept,
                "{odd}: an unchanged file is linked from the old output"
            );
            assert_eq!(entries(&out), ["a.txt"], "{odd}");
        }
    }

    #[test]
    fn an_interrupted_patch_is_undone_or_completed() {
        let dir = tempfile::tempdir().unwrap();
        let (site, out) = (dir.path().join("site"), dir.path().join("out"));
        let full = Output::full(&out, &site, None).unwrap();
        full.put("a.txt", b"old").unwrap();
        full.put("gone.txt", b"x").unwrap();
        full.seal().commit.run(|| {}).unwrap();

        // Killed before the commit point: the old output stays.
        let patch = patch_of(&out, &site, &[("a.txt", 1)]);
        patch.claim("a.txt", 2).unwrap();
        patch.write("a.txt", b"new").unwrap();
        std::mem::forget(patch); // as if the process died here
        recover(&out).unwrap();
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        // Killed after it: the next build completes the journal first.
        let patch_dir = patch_dir(&out);
        fs::create_dir(&patch_dir).unwrap();
        fs::write(patch_dir.join("0"), b"new").unwrap();
        let journal = Journal {
            moves: vec![("0".into(), "a.txt".into())],
            removals: vec!["gone.txt".into()],
        };
        fs::write(
            patch_dir.join(JOURNAL),
            serde_json::to_vec(&journal).unwrap(),
        )
        .unwrap();
        recover(&out).unwrap();
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"new");
        assert!(!out.join("gone.txt").exists());
        assert!(!patch_dir.exists());
    }

    /// What `check` allowed when it took paths apart with `Path::components`.
    fn components_stay_inside(rel: &str) -> bool {
        !rel.is_empty()
            && !rel.contains('\0')
            && !rel.contains('\\')
            && Path::new(rel)
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
    }

    #[test]
    fn output_paths_that_would_leave_are_refused() {
        for rel in ["", "/a", ".", "./a", "..", "a/..", "a/../b", "a\\b", "a\0b"] {
            assert!(check(rel).is_err(), "{rel:?}");
        }
        for rel in [
            "a",
            "a/b/index.html",
            "a/./b",
            "a//b",
            "a/",
            "a/.",
            ".a",
            "a/..b",
        ] {
            assert!(check(rel).is_ok(), "{rel:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_check_is_the_one_path_components_make(rel in "[a./\\\\\\x00]{0,8}") {
            proptest::prop_assert_eq!(stays_inside(&rel), components_stay_inside(&rel));
        }
    }
}
