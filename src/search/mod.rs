//! Search that works offline: an index built with the site, read by the
//! theme's `search.js` through `<script>` tags only (no `fetch`), so it works
//! from `file://` as over HTTP.
//!
//! * [`analyze`](mod@analyze): the Arabic analysis (fold, words, light stemming), the same
//!   rules as the browser's.
//! * [`index`]: the index's files, and what each article gives it
//!   ([`extract`]).
//! * [`shard`]: which shard holds a key, and the shards' posting lists.
//! * [`build`]: writing the index, in full or by updating the previous
//!   build's ([`build::write`]).
pub mod analyze;
pub mod build;
pub mod index;
pub mod shard;

pub use analyze::analyze;
pub use build::{write, Input, Report, State, StateChunk};
pub use index::{extract, reader_warning, DocEntry};
pub use shard::ShardSkips;
