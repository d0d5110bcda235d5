//! Search that works offline: an index built with the site, read by the
//! theme's `search.js` through `<script>` tags only (no `fetch`), so it works
//! from `file://` as over HTTP.
//!
//! * [`analyze`]: the Arabic analysis (fold, words, light stemming), the same
//!   rules as the browser's.
//! * [`index`]: what each article gives the index ([`extract`], cacheable)
//!   and the index files built from all articles ([`assemble`]).
pub mod analyze;
pub mod index;

pub use analyze::analyze;
pub use index::{assemble, extract, DocEntry};
