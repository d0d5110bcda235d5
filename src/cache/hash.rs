//! Hashing values for fingerprints.

use std::io::Write;

use serde::Serialize;
use xxhash_rust::xxh3::Xxh3;

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
