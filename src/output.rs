//! Writing the output: staged in a sibling folder, swapped in whole.
//!
//! A build writes every file into a temporary folder next to the output and,
//! only when everything succeeded, swaps it with the old output in one atomic
//! `renameat2(RENAME_EXCHANGE)`; a failed or killed build leaves the previous
//! output exactly as it was. A file whose bytes did not change is hard-linked
//! from the previous output instead of written, so it keeps its mtime (and
//! rsync and caches see it unchanged). Every path is checked to stay inside
//! the output folder, and two pages claiming one path are an error.

use std::collections::HashSet;
use std::fs;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::error::{Diagnostic, Error, Result};

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
    claimed: Mutex<HashSet<String>>,
    written: AtomicUsize,
    unchanged: AtomicUsize,
    committed: bool,
}

/// The minifier settings: spec-compliant output only (the Nu checker must pass).
fn minify_cfg() -> minify_html::Cfg {
    minify_html::Cfg {
        keep_html_and_head_opening_tags: true,
        minify_css: true,
        minify_js: true,
        ..minify_html::Cfg::new()
    }
}

/// Minifies an HTML page.
pub fn minify(html: &str) -> Vec<u8> {
    thread_local! {
        static CFG: minify_html::Cfg = minify_cfg();
    }
    CFG.with(|cfg| minify_html::minify(html.as_bytes(), cfg))
}

impl Staging {
    /// Prepares a staging folder for `output`, refusing an output folder that
    /// would swallow the site itself.
    pub fn new(output: &Path, site_root: &Path) -> Result<Staging> {
        let output = absolute(output)?;
        let root = absolute(site_root)?;
        if root.starts_with(&output) {
            return Err(Error::Config(vec![Diagnostic::error(
                output.display().to_string(),
                "the output folder contains the site itself; a build replaces the whole output folder",
            )
            .with_hint("write the output to a folder of its own, e.g. --output public")]));
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
        let parent = output
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/"));
        let name = output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        remove_stale(&parent, &name);
        // A read-only output stays as it is (the swap would replace it anyway).
        if output.is_dir() && rustix::fs::access(&output, rustix::fs::Access::WRITE_OK).is_err() {
            return Err(Error::io(
                &output,
                std::io::Error::new(
                    ErrorKind::PermissionDenied,
                    "the output folder is read-only (Permission denied); make it writable or choose another --output",
                ),
            ));
        }
        let tmp = parent.join(format!(".{name}.arshif-{}", std::process::id()));
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
            output,
            tmp,
            claimed: Mutex::new(HashSet::new()),
            written: AtomicUsize::new(0),
            unchanged: AtomicUsize::new(0),
            committed: false,
        })
    }

    /// Claims `rel` for one file; a second claim is an error.
    fn claim(&self, rel: &str) -> Result<PathBuf> {
        let path = checked(rel)?;
        let mut claimed = self.claimed.lock().unwrap_or_else(|e| e.into_inner());
        if !claimed.insert(rel.to_string()) {
            return Err(Error::Content(vec![Diagnostic::error(
                rel,
                "two pages or files would be written at this path",
            )
            .with_hint(
                "rename the media file or change the slug or alias that produces this path",
            )]));
        }
        Ok(path)
    }

    /// Minifies and writes an HTML page.
    pub fn page(&self, rel: &str, html: &str) -> Result<()> {
        self.put(rel, &minify(html))
    }

    /// Writes `bytes` at `rel`, or links the previous output's identical file.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.claim(rel)?;
        let target = self.tmp.join(&path);
        ensure_parent(&target)?;
        let old = self.output.join(&path);
        if same_content(&old, bytes) && fs::hard_link(&old, &target).is_ok() {
            self.unchanged.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        fs::write(&target, bytes).map_err(|e| Error::io(&target, e))?;
        self.written.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Copies the file `from` to `rel`, linking the previous copy when identical.
    pub fn copy(&self, rel: &str, from: &Path) -> Result<()> {
        let bytes = fs::read(from).map_err(|e| Error::io(from, e))?;
        self.put(rel, &bytes)
    }

    /// Swaps the new output in. Until this returns, the old output is intact.
    pub fn commit(mut self) -> Result<Stats> {
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
        Ok(Stats {
            written: self.written.load(Ordering::Relaxed),
            unchanged: self.unchanged.load(Ordering::Relaxed),
        })
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

/// A relative output path that cannot leave the output folder.
fn checked(rel: &str) -> Result<PathBuf> {
    let path = Path::new(rel);
    let safe = !rel.is_empty()
        && !rel.contains('\0')
        && !rel.contains('\\')
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    if safe {
        Ok(path.to_path_buf())
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

fn absolute(p: &Path) -> Result<PathBuf> {
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

fn same_content(old: &Path, bytes: &[u8]) -> bool {
    match fs::metadata(old) {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => {
            fs::read(old).is_ok_and(|b| b == bytes)
        }
        _ => false,
    }
}

/// Removes staging folders left by builds that were killed; a folder whose
/// build is still running (another process) is left alone.
fn remove_stale(parent: &Path, name: &str) {
    let prefix = format!(".{name}.arshif-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file_name.strip_prefix(&prefix) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_escape_are_refused() {
        for bad in ["../x", "/etc/x", "a/../../b", "", "a\\b", "a\0b", "./a"] {
            assert!(checked(bad).is_err(), "{bad:?}");
        }
        assert!(checked("2020/10/x/index.html").is_ok());
    }

    #[test]
    fn swap_keeps_unchanged_files_and_drops_removed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        fs::create_dir(&site).unwrap();
        let out = site.join("public");
        let s = Staging::new(&out, &site).unwrap();
        s.put("a.txt", b"one").unwrap();
        s.put("b/c.txt", b"two").unwrap();
        assert!(s.put("a.txt", b"again").is_err());
        assert_eq!(
            s.commit().unwrap(),
            Stats {
                written: 2,
                unchanged: 0
            }
        );
        let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&fs::metadata(p).unwrap());
        let before = inode(&out.join("a.txt"));

        let s = Staging::new(&out, &site).unwrap();
        s.put("a.txt", b"one").unwrap();
        s.put("d.txt", b"new").unwrap();
        assert_eq!(
            s.commit().unwrap(),
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
        let s = Staging::new(&out, &dir.path().join("site")).unwrap();
        s.put("keep.txt", b"old").unwrap();
        s.commit().unwrap();
        {
            let s = Staging::new(&out, &dir.path().join("site")).unwrap();
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
}
