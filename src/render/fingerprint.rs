//! Page fingerprints: a 128-bit hash of a page's template variables.
//!
//! Variables are hashed as the serde data Tera is given, in a binary form
//! streamed into XXH3 (see `cache::hash`: equal encodings mean equal JSON),
//! so little is allocated per page. Three shortcuts keep it cheap on large
//! archives: a teaser counts by its fingerprint (the hash of its inputs,
//! computed once per build) on list pages and, for its own teaser, its
//! neighbours and its related articles, on an article page, where it also
//! stands for everything else of the article (its body, title, language,
//! URL and front matter: the teaser's inputs hold the hash of its file); a
//! value derived from such inputs (the JSON-LD, the paginator and its URLs)
//! counts by them. Each stands for exactly what it
//! replaces, given the same theme and configuration, which the build cache
//! compares separately.

use super::{ContextSink, Result};
use crate::cache::HashWriter;

/// Collects a page's variables into a hash.
pub struct Sink<'p> {
    hasher: HashWriter,
    /// Each article's teaser fingerprint, by position.
    teasers: &'p [u128],
}

impl<'p> Sink<'p> {
    pub fn new(teasers: &'p [u128]) -> Sink<'p> {
        Sink {
            hasher: HashWriter::default(),
            teasers,
        }
    }

    /// The page's fingerprint, its template's name included.
    pub fn finish(mut self, template: &str) -> u128 {
        self.key(template);
        self.hasher.finish()
    }

    fn key(&mut self, key: &str) {
        self.hasher.update(key.as_bytes());
        self.hasher.update(&[0]);
    }
}

impl ContextSink for Sink<'_> {
    fn insert<T: serde::Serialize + ?Sized>(&mut self, key: &str, value: &T) {
        self.key(key);
        self.hasher.value(value);
    }

    fn site(&mut self, prep: &super::Prepared<'_>) {
        self.key("site");
        self.hasher.update(&prep.site_hash.to_le_bytes());
    }

    fn teasers(&mut self, key: &str, articles: &[usize], _template: &str) -> Result<()> {
        self.key(key);
        // Counted, so that the run of hashes cannot be read another way
        // with the key after it.
        self.hasher.update(&(articles.len() as u64).to_le_bytes());
        for &i in articles {
            self.hasher.update(&self.teasers[i].to_le_bytes());
        }
        Ok(())
    }

    /// The teaser, the neighbours and the related articles of a `PageCtx`
    /// are each made of their article's teaser inputs only (title, URL,
    /// language, direction, date): their teaser fingerprints stand for them.
    /// The article's own stands for the rest of the page's article too.
    fn article_page(
        &mut self,
        site: &crate::site::Site,
        _prep: &super::Prepared<'_>,
        i: usize,
    ) -> Result<()> {
        let a = &site.articles[i];
        self.key("page");
        self.hasher.update(&self.teasers[i].to_le_bytes());
        for (slot, list) in [
            ("newer", a.newer.as_slice()),
            ("older", a.older.as_slice()),
            ("related", a.related.as_slice()),
        ] {
            self.teasers(slot, list, "article.html")?;
        }
        // Its body and `extra` are made of its file alone, whose hash is
        // among the teaser's inputs: counted above, by `self.teasers[i]`.
        Ok(())
    }

    fn derived<I: serde::Serialize + ?Sized, T>(
        &mut self,
        inputs: &I,
        _make: impl FnOnce() -> T,
    ) -> Option<T> {
        self.insert("derived", inputs);
        None
    }

    /// Counted where it is given: minifying it adds nothing to hash.
    fn markup(&mut self, _html: &str) {}
}
