//! A whole file's bytes, mapped into memory where the file system allows,
//! else read: how the build reads the large files of the previous build
//! (the cache's parts, the search index's shards) without copying them;
//! [`Slice`] and [`Text`], values decoded from such bytes and left where
//! they lie; and [`ask_ahead`], which has the kernel read files before
//! they are needed.

use std::cell::RefCell;
use std::fmt;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::Arc;

use serde::de::{Deserializer, Visitor};
use serde::Serializer;

/// A file's bytes: mapped, or read where the file system cannot map it.
#[derive(Debug)]
pub enum Bytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(map) => map,
            Bytes::Read(bytes) => bytes,
        }
    }
}

/// The whole of `file`: mapped into memory, or read where the file system
/// cannot map it. Mapping spares the kernel zeroing a fresh buffer and
/// copying the file into it, which for files of hundreds of megabytes in
/// all was close to a tenth of a rebuild's CPU.
///
/// # Safety
///
/// The file must not be written in place while the bytes are alive: only
/// replaced (a new file renamed over it) or deleted, which on Unix leaves
/// a map of it readable, so the bytes mapped stay as they were. Someone
/// truncating it by hand meanwhile would stop this process (SIGBUS), as it
/// would any program reading a file that way (ripgrep maps the files it
/// searches alike).
pub unsafe fn contents(file: &fs::File) -> io::Result<Bytes> {
    // SAFETY: the caller promises the file is not written in place while
    // the map lives.
    if let Ok(map) = unsafe { memmap2::Mmap::map(file) } {
        return Ok(Bytes::Mapped(map));
    }
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut &*file, &mut bytes)?;
    Ok(Bytes::Read(bytes))
}

/// Asks the kernel to start reading the files at `paths` into its cache,
/// and does not wait. Files read one after another, or mapped and faulted
/// in a few pages at a time, then wait for the disk about once, not once a
/// file or a few pages, when they are not in memory: an archive or a cache
/// not read for a while (the 10,000-article corpus's Markdown took 0.8 s to
/// load that way, 0.25 s asked for ahead). Only a hint: a file that cannot
/// be opened here is left to whoever reads it, and its error to them.
pub fn ask_ahead<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    for path in paths {
        if let Ok(file) = fs::File::open(path) {
            let _ = rustix::fs::fadvise(&file, 0, None, rustix::fs::Advice::WillNeed);
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    let _ = paths;
}

/// Bytes owned, or lying in a file's [`Bytes`] (kept alive by it): how a
/// value decoded from a large file of the previous build keeps a run of
/// its bytes without copying it (see [`within`]).
#[derive(Clone, Default)]
pub struct Slice(Repr);

#[derive(Clone)]
enum Repr {
    Owned(Box<[u8]>),
    /// `len` bytes from `start` of `bytes`.
    In {
        bytes: Arc<Bytes>,
        start: u32,
        len: u32,
    },
}

impl Default for Repr {
    fn default() -> Repr {
        Repr::Owned(Box::default())
    }
}

impl Slice {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Owned(b) => b,
            Repr::In { bytes, start, len } => {
                let (start, len) = (*start as usize, *len as usize);
                bytes.get(start..start + len).unwrap_or_default()
            }
        }
    }

    /// Its bytes `range` (empty if out of bounds): left where they lie if
    /// it does, else copied.
    pub fn part(&self, range: std::ops::Range<usize>) -> Slice {
        let Some(bytes) = self.as_bytes().get(range.clone()) else {
            return Slice::default();
        };
        match &self.0 {
            Repr::In {
                bytes: whole,
                start,
                ..
            } => Slice(Repr::In {
                bytes: Arc::clone(whole),
                start: start + range.start as u32,
                len: bytes.len() as u32,
            }),
            Repr::Owned(_) => Slice::from(bytes.to_vec()),
        }
    }

    /// `bytes`, left where they lie if the bytes being decoded [`within`]
    /// hold them, else copied.
    fn decoded(bytes: &[u8]) -> Slice {
        let kept = SOURCE.with(|source| {
            let source = source.borrow();
            let whole = source.as_ref()?;
            let at = (bytes.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
            (at.checked_add(bytes.len())? <= whole.len()).then_some(())?;
            Some(Repr::In {
                bytes: Arc::clone(whole),
                start: u32::try_from(at).ok()?,
                len: u32::try_from(bytes.len()).ok()?,
            })
        });
        Slice(kept.unwrap_or_else(|| Repr::Owned(bytes.into())))
    }
}

impl From<Vec<u8>> for Slice {
    fn from(v: Vec<u8>) -> Slice {
        Slice(Repr::Owned(v.into_boxed_slice()))
    }
}

impl std::ops::Deref for Slice {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for Slice {
    fn eq(&self, other: &Slice) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Slice {}

impl fmt::Debug for Slice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_bytes(), f)
    }
}

/// Written as one run of bytes (as `content::compact::bytes` writes a
/// `Vec<u8>`), and read back left where it lies inside [`within`].
impl serde::Serialize for Slice {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_bytes(self.as_bytes())
    }
}

impl<'de> serde::Deserialize<'de> for Slice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Slice, D::Error> {
        d.deserialize_bytes(SliceVisitor(|b| Some(Slice::decoded(b))))
    }
}

/// A text: a `str` owned, or lying in a file's [`Bytes`] (see [`Slice`]),
/// checked as UTF-8 once, when it was decoded.
///
/// A rebuild of a large archive decodes every article of the build cache,
/// and copying each title, summary and source into an allocation of its
/// own was most of the memory that took (some 70 MB at 100,000 articles),
/// for texts that only the few pages a rebuild renders read.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Text(Slice);

impl Text {
    /// The text as a `str`.
    pub fn as_str(&self) -> &str {
        let bytes = self.0.as_bytes();
        // SAFETY: a `Text` is made only of a `str` or of bytes checked as
        // UTF-8 (`Text::decoded`); bytes lying in a file's `Bytes` do not
        // change while they are alive (see `contents`: the files mapped
        // are never written in place).
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// The text of `bytes`, as [`Slice::decoded`] keeps them; `None` if
    /// they are not UTF-8.
    fn decoded(bytes: &[u8]) -> Option<Text> {
        simdutf8::basic::from_utf8(bytes).ok()?;
        Some(Text(Slice::decoded(bytes)))
    }
}

thread_local! {
    /// The bytes being decoded on this thread, inside [`within`].
    static SOURCE: RefCell<Option<Arc<Bytes>>> = const { RefCell::new(None) };
}

/// Runs `decode` (which decodes from `bytes`) with the [`Slice`]s and
/// [`Text`]s it reads from `bytes` left there rather than copied. Nests:
/// the outer bytes are put back when it returns, however it ends.
pub fn within<T>(bytes: &Arc<Bytes>, decode: impl FnOnce() -> T) -> T {
    with_local(&SOURCE, Some(Arc::clone(bytes)), decode)
}

/// Runs `run` with the thread-local `key` set to `value`, and puts back the
/// value it had, however `run` ends: how a decoder is given what the
/// values it decodes need (the bytes they lie in, the texts they share).
/// Nests.
pub(crate) fn with_local<V: 'static, T>(
    key: &'static std::thread::LocalKey<RefCell<Option<V>>>,
    value: Option<V>,
    run: impl FnOnce() -> T,
) -> T {
    /// Puts the outer value back.
    struct Restore<V: 'static>(
        &'static std::thread::LocalKey<RefCell<Option<V>>>,
        Option<V>,
    );
    impl<V: 'static> Drop for Restore<V> {
        fn drop(&mut self) {
            let outer = self.1.take();
            self.0.with(|v| *v.borrow_mut() = outer);
        }
    }
    let _restore = Restore(key, key.with(|v| v.replace(value)));
    run()
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Slice::from(s.into_bytes()))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(Slice(Repr::Owned(s.as_bytes().into())))
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

/// As a `str`, to templates, and to the build cache (see its
/// `Deserialize`).
impl serde::Serialize for Text {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(self.as_str())
    }
}

/// Read back as written: postcard (the build cache) writes a `str` as it
/// writes bytes, a length and the bytes, which are left where they lie
/// inside [`within`] and checked as UTF-8.
impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        d.deserialize_bytes(SliceVisitor(Text::decoded))
    }
}

/// Reads bytes into a [`Slice`] or a [`Text`] with its function (`None`:
/// not UTF-8).
struct SliceVisitor<T>(fn(&[u8]) -> Option<T>);

impl<'de, T> Visitor<'de> for SliceVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bytes")
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<T, E> {
        (self.0)(bytes).ok_or_else(|| E::custom("text that is not UTF-8"))
    }

    fn visit_borrowed_bytes<E: serde::de::Error>(self, bytes: &'de [u8]) -> Result<T, E> {
        self.visit_bytes(bytes)
    }

    // Formats that hand bytes over as text.
    fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<T, E> {
        self.visit_bytes(s.as_bytes())
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<T, E> {
        self.visit_bytes(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(texts: &[&str]) -> Vec<u8> {
        let list: Vec<Text> = texts.iter().map(|&t| Text::from(t)).collect();
        let bytes = postcard::to_allocvec(&list).unwrap();
        // Written as the `str`s are, and as a `String` was.
        assert_eq!(bytes, postcard::to_allocvec(texts).unwrap());
        bytes
    }

    #[derive(serde::Deserialize)]
    struct R(Text);

    #[test]
    fn texts_decoded_within_their_bytes_are_left_there_and_read_back_equal() {
        let texts = ["عنوان الخبر", "", "plain", "ملخّص أطول قليلاً"];
        let bytes = Arc::new(Bytes::Read(encoded(&texts)));
        let read: Vec<R> = within(&bytes, || postcard::from_bytes(&bytes).unwrap());
        for (r, t) in read.iter().zip(texts) {
            assert!(matches!((r.0).0 .0, Repr::In { .. }));
            assert_eq!(r.0.as_str(), t);
        }
        // Outside `within`, and within other bytes, they are copied.
        let copy = encoded(&texts);
        let other = Arc::new(Bytes::Read(vec![1, 2, 3]));
        for read in [
            postcard::from_bytes::<Vec<R>>(&copy).unwrap(),
            within(&other, || postcard::from_bytes::<Vec<R>>(&copy).unwrap()),
        ] {
            assert!(read.iter().all(|r| matches!((r.0).0 .0, Repr::Owned(_))));
            let got: Vec<&str> = read.iter().map(|r| r.0.as_str()).collect();
            assert_eq!(got, texts);
        }
        // The bytes outlive the decode in the texts that lie in them.
        drop(bytes);
        assert_eq!(read[0].0, *"عنوان الخبر");
    }

    #[test]
    fn slices_decoded_within_their_bytes_are_left_there() {
        let runs: [&[u8]; 3] = [&[0, 255, 7], &[], &[1]];
        let written =
            postcard::to_allocvec(&runs.map(|r| Slice::from(r.to_vec())).to_vec()).unwrap();
        let bytes = Arc::new(Bytes::Read(written));
        let read: Vec<Slice> = within(&bytes, || postcard::from_bytes(&bytes).unwrap());
        assert!(read.iter().all(|s| matches!(s.0, Repr::In { .. })));
        assert_eq!(read.iter().map(|s| &**s).collect::<Vec<_>>(), runs);
        let copied: Vec<Slice> = postcard::from_bytes(&bytes).unwrap();
        assert!(copied.iter().all(|s| matches!(s.0, Repr::Owned(_))));
        assert_eq!(copied, read);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused() {
        let mut bad = encoded(&["ab"]);
        let last = bad.len() - 1;
        bad[last] = 0xff;
        let bytes = Arc::new(Bytes::Read(bad));
        assert!(within(&bytes, || postcard::from_bytes::<Vec<R>>(&bytes)).is_err());
    }

    #[test]
    fn within_puts_back_the_outer_bytes() {
        let outer = Arc::new(Bytes::Read(encoded(&["خارج"])));
        let inner = Arc::new(Bytes::Read(encoded(&["داخل"])));
        let read = within(&outer, || {
            within(&inner, || ());
            postcard::from_bytes::<Vec<R>>(&outer).unwrap()
        });
        assert!(matches!((read[0].0).0 .0, Repr::In { .. }));
    }
}
