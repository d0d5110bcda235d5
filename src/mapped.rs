//! A whole file's bytes, mapped into memory where the file system allows,
//! else read: how the build reads the large files of the previous build
//! (the cache's parts, the search index's shards) without copying them.

use std::fs;
use std::io;

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
