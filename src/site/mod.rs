//! The site model: what pages exist and what each shows. Pure data, no I/O.
//!
//! Built from the loaded [`Content`] and the [`Config`], it sorts articles
//! newest first, gives each its URL, groups them into taxonomy terms, years
//! and months, links neighbours, and checks that no two pages claim one
//! path. Rendering reads it; nothing here knows about Tera or files.

pub mod paginate;
pub mod related;
pub mod taxonomy;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::xxh3_64;

use crate::arabic::{reading_minutes, ArabicCollator, Slug};
use crate::config::{direction_of, Config};
use crate::content::markdown::is_remote;
use crate::content::{Article as Source, Content, MediaFile};
use crate::error::{Diagnostic, Error, Result};
pub use taxonomy::{Taxonomy, Term, TermKey};

/// A page's place in the site: a folder path relative to the site root,
/// empty or ending in `/` (e.g. `2020/10/russia-france-security/`). Built only
/// from validated segments, so it never climbs out of the output.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PagePath(String);

impl PagePath {
    /// The site root.
    pub fn root() -> PagePath {
        PagePath(String::new())
    }

    /// A folder made of `segments` (each already safe: a slug, a number, a
    /// configured name).
    pub fn dir(segments: &[&str]) -> PagePath {
        PagePath::root().join(segments)
    }

    /// An article's folder, `YYYY/MM/<slug>/`: as [`PagePath::dir`] of
    /// the zero-padded year and month and the slug, in one allocation.
    pub fn article(year: i32, month: u32, slug: &str) -> PagePath {
        use std::fmt::Write;
        debug_assert!(!slug.is_empty() && !slug.contains('/') && slug != "..");
        let mut s = String::with_capacity(9 + slug.len());
        // Writing to a string cannot fail.
        let _ = write!(s, "{year:04}/{month:02}/{slug}/");
        PagePath(s)
    }

    /// This folder's sub-folder `segment`.
    pub fn child(&self, segment: &str) -> PagePath {
        self.join(&[segment])
    }

    fn join(&self, segments: &[&str]) -> PagePath {
        // Allocated once: an article's path grown a segment at a time was
        // reallocated three times, at 100,000 articles.
        let len = self.0.len() + segments.iter().map(|seg| seg.len() + 1).sum::<usize>();
        let mut s = String::with_capacity(len);
        s.push_str(&self.0);
        for seg in segments {
            debug_assert!(!seg.is_empty() && !seg.contains('/') && *seg != "..");
            s.push_str(seg);
            s.push('/');
        }
        PagePath(s)
    }

    /// The `n`-th numbered page of the list at this path (`…/page/n/`).
    pub fn page(&self, n: usize) -> PagePath {
        self.join(&["page", &n.to_string()])
    }

    /// The folder path, empty for the root.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How many folders deep the page is.
    pub fn depth(&self) -> usize {
        slashes(&self.0)
    }

    /// The file a page at this path is written to.
    pub fn file(&self) -> String {
        // Not `format!`: every build asks for 150,000 of these at 100,000
        // articles, and the formatting machinery was most of their cost.
        [self.0.as_str(), "index.html"].concat()
    }
}

/// An article as the site shows it.
#[derive(Clone, Debug)]
pub struct Article {
    /// The article as read (boxed, see [`Content`]).
    pub source: Box<Source>,
    pub slug: Slug,
    pub path: PagePath,
    pub lang: String,
    pub dir: &'static str,
    pub reading_minutes: u32,
    pub image: Option<Image>,
    /// For each taxonomy (in configured order), positions of its terms in
    /// `Taxonomy::terms`, in the order the article names them.
    pub terms: TermPositions,
    /// Positions of the next newer and older articles.
    pub newer: Option<usize>,
    pub older: Option<usize>,
    /// Related coverage: positions of up to five *earlier* articles sharing
    /// the most (and rarest) countries and actors, best first. Depends only
    /// on this article and earlier ones (see [`related`]).
    pub related: Vec<usize>,
}

impl Article {
    /// The front matter's summary, else the first paragraph (read, not
    /// copied: a copy per article is some 45 MB at 100,000 articles).
    pub fn summary(&self) -> &str {
        let front = self.source.front.summary.as_deref();
        front.unwrap_or(&self.source.body.summary)
    }
}

/// For each taxonomy (in configured order), the positions of an article's
/// terms in its `Taxonomy::terms`: the lists one after the other, in one
/// allocation (a list of lists was one allocation a taxonomy and one more,
/// half a million at 100,000 articles, a third of the model's last step).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TermPositions {
    /// How many lists there are, where each ends (counted from the first
    /// position), then the positions.
    data: Box<[usize]>,
}

impl TermPositions {
    /// The positions of each list of `lists`, in order, each once a list
    /// (a term an article names twice is one of its terms).
    pub fn new<L: IntoIterator<Item = usize>>(lists: impl ExactSizeIterator<Item = L>) -> Self {
        let n = lists.len();
        // Room for a few terms a list: most articles name one to three.
        let mut data = Vec::with_capacity(n * 3 + 1);
        data.push(n);
        data.resize(n + 1, 0);
        for (t, list) in lists.enumerate() {
            let start = data.len();
            for position in list {
                if !data[start..].contains(&position) {
                    data.push(position);
                }
            }
            data[t + 1] = data.len() - n - 1;
        }
        TermPositions {
            data: data.into_boxed_slice(),
        }
    }

    /// How many lists there are (one a taxonomy).
    pub fn len(&self) -> usize {
        self.data.first().copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The positions of the `t`-th taxonomy's terms.
    pub fn get(&self, t: usize) -> Option<&[usize]> {
        let n = self.len();
        if t >= n {
            return None;
        }
        let start = if t == 0 { 0 } else { self.data[t] };
        let (positions, end) = (&self.data[n + 1..], self.data[t + 1]);
        positions.get(start..end)
    }

    /// Each list, in order.
    pub fn iter(&self) -> Lists<'_> {
        Lists {
            terms: self,
            next: 0,
        }
    }
}

/// The lists of a [`TermPositions`], in order.
pub struct Lists<'a> {
    terms: &'a TermPositions,
    next: usize,
}

impl<'a> Iterator for Lists<'a> {
    type Item = &'a [usize];

    fn next(&mut self) -> Option<&'a [usize]> {
        let list = self.terms.get(self.next)?;
        self.next += 1;
        Some(list)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.terms.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Lists<'_> {}

impl<'a> IntoIterator for &'a TermPositions {
    type Item = &'a [usize];
    type IntoIter = Lists<'a>;

    fn into_iter(self) -> Lists<'a> {
        self.iter()
    }
}

/// A lead image.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Image {
    /// A file of the site, relative to its root.
    Local(String),
    /// On another host.
    Remote(String),
}

/// A year of the archive.
#[derive(Clone, Debug)]
pub struct Year {
    pub year: i32,
    pub path: PagePath,
    /// Positions in the newest-first list.
    pub articles: Vec<usize>,
    /// Newest month first.
    pub months: Vec<Month>,
}

/// A month of the archive.
#[derive(Clone, Debug)]
pub struct Month {
    pub month: u32,
    pub path: PagePath,
    pub articles: Vec<usize>,
}

/// An old address that redirects to an article.
#[derive(Clone, Debug)]
pub struct Redirect {
    /// Output file, relative to the output root (`old/path/index.html` or `old.html`).
    pub file: String,
    pub target: usize,
}

/// The whole site.
#[derive(Clone, Debug)]
pub struct Site {
    pub config: Config,
    /// Newest first.
    pub articles: Vec<Article>,
    pub taxonomies: Vec<Taxonomy>,
    /// Newest year first.
    pub years: Vec<Year>,
    pub redirects: Vec<Redirect>,
    pub media: Vec<MediaFile>,
    pub warnings: Vec<Diagnostic>,
}

impl Site {
    /// Builds the model, related coverage included. All problems are
    /// reported together.
    pub fn build(config: Config, content: Content) -> Result<Site> {
        let mut site = Site::build_unrelated(config, content)?;
        site.link_related(None);
        Ok(site)
    }

    /// Fills each article's `related` list (the one costly step of the
    /// model, separate so that it can be timed), taking those of `previous`
    /// (a previous build's, of the same configuration) that are still
    /// right, and returns the lists for the next build.
    pub fn link_related(&mut self, previous: Option<&related::Lists>) -> related::Lists {
        let use_taxonomy: Vec<bool> = self
            .taxonomies
            .iter()
            .map(|t| t.config.counts_for_related())
            .collect();
        let (related, lists) =
            related::compute(&self.articles, &self.taxonomies, &use_taxonomy, previous);
        self.articles
            .par_iter_mut()
            .zip(related)
            .for_each(|(a, r)| a.related = r);
        lists
    }

    /// The model without related coverage: [`Site::build`] before
    /// [`Site::link_related`].
    pub fn build_unrelated(config: Config, content: Content) -> Result<Site> {
        let Content {
            articles: sources,
            terms: term_files,
            media,
            warnings,
            // Kept by the caller for the build cache, if it wants them.
            drafts: _,
        } = content;

        // Newest first, then in source order (boxes: each moves as a
        // pointer). Sorted by instants taken out once, beside the boxes:
        // reaching into each boxed article for its date at every
        // comparison was a cache miss each.
        let mut keyed: Vec<((i64, u32), Box<Source>)> = sources
            .into_par_iter()
            .map(|a| (a.front.date.instant(), a))
            .collect();
        keyed.par_sort_unstable_by(|(da, a), (db, b)| {
            db.cmp(da)
                .then_with(|| crate::content::source_order(&a.source, &b.source))
        });
        let sources: Vec<Box<Source>> = keyed.into_par_iter().map(|(_, a)| a).collect();

        // What each article needs that depends on it alone, in parallel,
        // with its spellings of each taxonomy (in configured order) put in
        // a table of a row an article: a taxonomy's mentions are gathered
        // from the table, not from each article's own lists, which lie far
        // apart in memory. (A row is never empty, to be a chunk.)
        let width = config.taxonomies.len().max(1);
        let mut named: Vec<&[Arc<str>]> = vec![&[]; sources.len() * width];
        let prepared: Vec<Prepared> = sources
            .par_iter()
            .enumerate()
            .zip(named.par_chunks_mut(width))
            .map(|((i, source), row)| {
                // Articles further on asked for ahead: each article and the
                // file stem its slug is made of lie apart in memory, and
                // waiting for the stem's first byte was most of making a
                // slug (at 100,000 articles, a sixth of the model's time).
                if let Some(a) = sources.get(i + AHEAD) {
                    prefetch(a.stem.as_bytes().as_ptr());
                }
                if let Some(a) = sources.get(i + 2 * AHEAD) {
                    prefetch(std::ptr::from_ref(&a.stem).cast());
                }
                for (slot, tax) in row.iter_mut().zip(&config.taxonomies) {
                    *slot = source.front.taxonomies.get(&tax.name).unwrap_or_default();
                }
                Prepared::new(source, &config)
            })
            .collect();
        let collator = ArabicCollator::new();
        // Independent steps side by side: which page each article claims
        // (in order: the first article to claim one has it) and the
        // archive's years and months, and the taxonomies, in parallel with
        // each other. All read the articles in the sorted order: an
        // article that claims no page is an error, so when the model is
        // built no article was left out, and an article's position in
        // `sources` is its number in the model.
        let ((claimed, years), built) = rayon::join(
            || (claim_pages(&sources, prepared), archive(&sources)),
            || {
                // Each taxonomy from every mention of its terms (newest
                // article first, in the order each article names them),
                // their results (and errors) then taken in configured
                // order. Per taxonomy: (article, term) for every mention,
                // in mention order. The mentions are gathered first (each
                // taxonomy's in parallel runs), so that the taxonomies are
                // built largest first, each a task of its own: a build is
                // one core's work, and the largest one (actors, some 20 ms
                // at 100,000 articles), begun last, ended the model alone.
                let mentions: Vec<Vec<taxonomy::Mention<'_>>> = (0..config.taxonomies.len())
                    .map(|t| mentions_of(&named, width, t))
                    .collect();
                let mut order: Vec<usize> = (0..mentions.len()).collect();
                order.sort_by_key(|&t| std::cmp::Reverse(mentions[t].len()));
                let mut built: Vec<(usize, _)> = order
                    .into_par_iter()
                    .with_max_len(1)
                    .map(|t| {
                        let (tax, mentions) = (&config.taxonomies[t], &mentions[t]);
                        let files: Vec<_> = term_files
                            .iter()
                            .filter(|f| f.taxonomy == tax.name)
                            .collect();
                        let origin = |i: usize| {
                            let a: &Source = &sources[i];
                            (a.source.as_path(), &a.front.positions)
                        };
                        let built = taxonomy::build(tax, &files, mentions, &origin, &collator).map(
                            |(built, terms)| {
                                let named = mentions
                                    .iter()
                                    .zip(terms)
                                    .map(|(m, term)| (m.article, term));
                                (built, named.collect::<Vec<_>>())
                            },
                        );
                        (t, built)
                    })
                    .collect();
                built.sort_unstable_by_key(|&(t, _)| t);
                built
                    .into_iter()
                    .map(|(_, built)| built)
                    .collect::<Vec<_>>()
            },
        );
        let (claims, mut errors) = claimed;
        // Made in parallel, then moved together where they were made (an
        // article that claimed no page, an error, is left out): 100,000
        // articles pushed one by one into a new vector took 10 ms on one
        // core, most of it faulting the vector in.
        let mut made: Vec<Option<Article>> = Vec::with_capacity(sources.len());
        sources
            .into_par_iter()
            .zip(claims)
            .map(|(source, claim)| {
                let Claim {
                    slug,
                    path,
                    lang,
                    image,
                } = claim?;
                Some(Article {
                    slug,
                    path,
                    dir: direction_of(&lang),
                    lang,
                    reading_minutes: reading_minutes(source.body.word_count, config.reading_speed),
                    image,
                    terms: TermPositions::default(),
                    newer: None,
                    older: None,
                    related: Vec::new(),
                    source,
                })
            })
            .collect_into_vec(&mut made);
        // In place, which `flatten` is not.
        #[expect(clippy::filter_map_identity, reason = "collected in place")]
        let mut articles: Vec<Article> = made.into_iter().filter_map(|a| a).collect();
        let count = articles.len();
        articles.par_iter_mut().enumerate().for_each(|(i, a)| {
            a.newer = i.checked_sub(1);
            a.older = (i + 1 < count).then_some(i + 1);
        });

        let mut article_terms: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut taxonomies = Vec::with_capacity(config.taxonomies.len());
        for result in built {
            match result {
                Ok((t, named)) => {
                    article_terms.push(named);
                    taxonomies.push(t);
                }
                Err(mut e) => errors.append(&mut e),
            }
        }

        let redirects = redirects(&articles, &mut errors);
        if !errors.is_empty() {
            errors.sort();
            return Err(Error::Content(errors));
        }

        // Each article's terms, per taxonomy, in the order it names them:
        // each taxonomy's mentions are in article order, so an article's
        // are one run of them. Runs of articles in parallel, each walking
        // the mentions from where its first article's start.
        articles
            .par_chunks_mut(MENTION_RUN)
            .enumerate()
            .for_each(|(run, chunk)| {
                let first = run * MENTION_RUN;
                let mut at: Vec<usize> = article_terms
                    .iter()
                    .map(|named| named.partition_point(|&(article, _)| article < first))
                    .collect();
                for (i, a) in (first..).zip(chunk) {
                    a.terms =
                        TermPositions::new(article_terms.iter().zip(&mut at).map(|(named, at)| {
                            std::iter::from_fn(move || {
                                let &(_, term) =
                                    named.get(*at).filter(|&&(article, _)| article == i)?;
                                *at += 1;
                                Some(term)
                            })
                        }));
                }
            });

        Ok(Site {
            config,
            articles,
            taxonomies,
            years,
            redirects,
            media,
            warnings,
        })
    }
}

/// Every mention of a term of the `t`-th taxonomy: newest article first, in
/// the order each article names them, from the table `named` (a row of
/// `width` spellings an article, one per taxonomy). Gathered in runs of
/// articles, in parallel: the largest taxonomy's mentions are on the
/// model's longest path.
fn mentions_of<'a>(named: &[&'a [Arc<str>]], width: usize, t: usize) -> Vec<taxonomy::Mention<'a>> {
    named
        .par_chunks(MENTION_RUN * width)
        .enumerate()
        .flat_map_iter(|(run, rows)| {
            let first = run * MENTION_RUN;
            rows.chunks(width).enumerate().flat_map(move |(i, row)| {
                row[t].iter().map(move |spelling| taxonomy::Mention {
                    spelling,
                    article: first + i,
                })
            })
        })
        .collect()
}

/// How many articles' mentions one thread gathers in a row (and how many
/// articles' terms it picks from the mentions).
const MENTION_RUN: usize = 8192;

/// What an article of the model has once it has claimed its page.
struct Claim {
    slug: Slug,
    path: PagePath,
    lang: String,
    image: Option<Image>,
}

/// Which page each article claims, in order: the first article to claim a
/// page has it. Per article, its claim, or `None` where it has an error
/// (with the errors, in no order). In parallel: pages claimed twice are
/// found among equal hashes of the pages' paths, sorted.
fn claim_pages(
    sources: &[Box<Source>],
    prepared: Vec<Prepared>,
) -> (Vec<Option<Claim>>, Vec<Diagnostic>) {
    // Each page claimed (by hash), with the position of its article.
    let mut claimed: Vec<(u64, usize)> = prepared
        .par_iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let (_, path) = p.claim.as_ref().ok()?;
            Some((xxh3_64(path.as_str().as_bytes()), i))
        })
        .collect();
    claimed.par_sort_unstable();
    // The article that has the page each other claimant asked for.
    let path_of = |i: usize| prepared[i].claim.as_ref().ok().map(|(_, path)| path);
    let mut taken: FxHashMap<usize, usize> = FxHashMap::default();
    for run in claimed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        for (k, &(_, i)) in run.iter().enumerate() {
            // The run is in article order: the first of the same path has it.
            if let Some(&(_, owner)) = run[..k].iter().find(|&&(_, j)| path_of(j) == path_of(i)) {
                taken.insert(i, owner);
            }
        }
    }
    // Errors are few: gathered under a lock.
    let errors = std::sync::Mutex::new(Vec::new());
    let error = |d: Diagnostic| errors.lock().unwrap_or_else(|e| e.into_inner()).push(d);
    let claims = prepared
        .into_par_iter()
        .enumerate()
        .map(|(i, prepared)| {
            let source = &sources[i];
            let Prepared { claim, lang, image } = prepared;
            let (slug, path) = claim.map_err(error).ok()?;
            if let Some(&owner) = taken.get(&i) {
                let other = &sources[owner].source;
                error(
                    source
                        .error_at(
                            "slug",
                            format!(
                                "this article and {} would both be published at {}",
                                other.display(),
                                path.as_str()
                            ),
                        )
                        .with_hint("give one of them a different `slug:`"),
                );
                return None;
            }
            let image = match image {
                Some(Ok(image)) => Some(image),
                Some(Err(message)) => {
                    error(source.error_at("image", message).with_hint(
                        "write a path inside the site such as /media/2020/10/photo.jpg, or an https:// address",
                    ));
                    None
                }
                None => None,
            };
            Some(Claim {
                slug,
                path,
                lang,
                image,
            })
        })
        .collect();
    (
        claims,
        errors.into_inner().unwrap_or_else(|e| e.into_inner()),
    )
}

/// How many articles ahead [`prefetch`] asks for their memory.
const AHEAD: usize = 4;

/// Asks the processor to bring the line at `at` into its caches, without
/// waiting for it (nothing where there is no such instruction).
#[inline(always)]
fn prefetch(at: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing and faults on no address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// What an article of the model needs that depends on that article alone:
/// worked out for all articles in parallel by [`Site::build_unrelated`].
struct Prepared {
    /// Its slug and page, or why it has none.
    claim: std::result::Result<(Slug, PagePath), Diagnostic>,
    lang: String,
    /// Its lead image, or why that cannot be used.
    image: Option<std::result::Result<Image, String>>,
}

impl Prepared {
    fn new(source: &Source, config: &Config) -> Prepared {
        let slug = match &source.front.slug {
            Some(s) => Ok(s.clone()),
            None => Slug::sanitize(&source.stem).ok_or_else(|| {
                Diagnostic::error(&source.source, "the file name gives no usable slug")
                    .with_hint("add `slug: …` to the front matter, e.g. `slug: russia-france`")
            }),
        };
        let claim = slug.map(|slug| {
            let date = source.front.date;
            let path = PagePath::article(date.year(), date.month(), slug.as_str());
            (slug, path)
        });
        Prepared {
            claim,
            lang: source
                .front
                .lang
                .clone()
                .unwrap_or_else(|| config.language.clone()),
            image: source.front.image.as_deref().map(image_ref),
        }
    }
}

/// Groups newest-first articles into years and months.
fn archive(articles: &[Box<Source>]) -> Vec<Year> {
    let mut years: Vec<Year> = Vec::new();
    for (i, a) in articles.iter().enumerate() {
        let (y, m) = (a.front.date.year(), a.front.date.month());
        if years.last().is_none_or(|last| last.year != y) {
            years.push(Year {
                year: y,
                path: PagePath::dir(&[&format!("{y:04}")]),
                articles: Vec::new(),
                months: Vec::new(),
            });
        }
        let year = years.last_mut().expect("pushed above");
        year.articles.push(i);
        if year.months.last().is_none_or(|last| last.month != m) {
            let path = year.path.child(&format!("{m:02}"));
            year.months.push(Month {
                month: m,
                path,
                articles: Vec::new(),
            });
        }
        year.months
            .last_mut()
            .expect("pushed above")
            .articles
            .push(i);
    }
    years
}

/// Reads a lead image reference: a remote URL, or a path inside the site.
fn image_ref(image: &str) -> std::result::Result<Image, String> {
    if is_remote(image) {
        // Only web addresses: `javascript:` would run when an offline build
        // turns the image into a link, and `C:\…` is a Windows path.
        let lower = image.trim().to_ascii_lowercase();
        return if ["https://", "http://", "//"]
            .iter()
            .any(|p| lower.starts_with(p))
        {
            Ok(Image::Remote(image.to_string()))
        } else {
            Err(format!(
                "`image` {image:?} is neither a path inside the site nor an http(s) address"
            ))
        };
    }
    safe_relative(image)
        .map(Image::Local)
        .ok_or_else(|| format!("`image` {image:?} points outside the site"))
}

/// A site-root path from a path written by a writer (`/media/x.jpg`,
/// `old/page.html`), or `None` if it could leave the output folder.
pub fn safe_relative(path: &str) -> Option<String> {
    let trimmed = path.trim().trim_start_matches('/');
    let lower = trimmed.to_ascii_lowercase();
    let bad = trimmed.is_empty()
        || trimmed.contains('\\')
        || trimmed.contains('\0')
        || lower.contains("%2e")
        || lower.contains("%2f")
        || lower.contains("%5c")
        || lower.contains("%00")
        || trimmed.chars().any(|c| c.is_control())
        || crate::arabic::has_bidi_controls(trimmed)
        || trimmed.as_bytes().get(1) == Some(&b':')
        || trimmed.split('/').any(|seg| seg == ".." || seg == ".");
    // `a//b` is `a/b` on disk: one spelling, so that two aliases cannot
    // claim one file under two names.
    let mut clean = trimmed
        .split('/')
        .filter(|seg| !seg.is_empty())
        .collect::<Vec<_>>()
        .join("/");
    if trimmed.ends_with('/') {
        clean.push('/');
    }
    (!bad).then(|| crate::arabic::nfc(&clean))
}

/// The redirect pages asked for by articles' `aliases`.
fn redirects(articles: &[Article], errors: &mut Vec<Diagnostic>) -> Vec<Redirect> {
    let mut out: Vec<Redirect> = Vec::new();
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    if articles.iter().all(|a| a.source.front.aliases.is_empty()) {
        return out;
    }
    let page_files: std::collections::HashSet<String> =
        articles.iter().map(|a| a.path.file()).collect();
    for (i, a) in articles.iter().enumerate() {
        for alias in &a.source.front.aliases {
            let Some(rel) = safe_relative(alias) else {
                errors.push(
                    a.source
                        .error_at("aliases", format!("the alias {alias:?} points outside the site"))
                    .with_hint(
                        "write the old address as a path from the site root, e.g. /news/1234.html",
                    ),
                );
                continue;
            };
            let file = if rel.ends_with(".html") || rel.ends_with(".htm") {
                rel
            } else {
                format!("{}/index.html", rel.trim_end_matches('/'))
            };
            let is_page = page_files.contains(&file);
            if is_page || seen.contains_key(&file) {
                let other = seen
                    .get(&file)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "an article".into());
                errors.push(
                    a.source
                        .error_at(
                            "aliases",
                            format!("the alias {alias:?} is already used by {other}"),
                        )
                        .with_hint("remove the alias or change it"),
                );
                continue;
            }
            seen.insert(file.clone(), a.source.source.clone());
            out.push(Redirect { file, target: i });
        }
    }
    out
}

/// How many `/` a path has: the folders a page or file is below the root.
/// Counted byte by byte, which the compiler vectorizes: `matches('/')`
/// searches for each one anew, and every build asks this of every page.
pub fn slashes(path: &str) -> usize {
    path.bytes().filter(|&b| b == b'/').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_positions_keep_each_list_in_order_and_each_position_once() {
        let lists = [vec![3, 1, 3], vec![], vec![7], vec![0, 0, 2]];
        let terms = TermPositions::new(lists.iter().map(|l| l.iter().copied()));
        assert_eq!(terms.len(), 4);
        let read: Vec<&[usize]> = terms.iter().collect();
        assert_eq!(read, [&[3, 1][..], &[], &[7], &[0, 2]]);
        assert_eq!(terms.iter().len(), 4);
        assert_eq!(terms.get(2), Some(&[7][..]));
        assert_eq!(terms.get(4), None);
        assert_eq!((&terms).into_iter().count(), 4);
        let none = TermPositions::default();
        assert!(none.is_empty() && none.iter().next().is_none() && none.get(0).is_none());
        let empty = TermPositions::new(std::iter::empty::<Vec<usize>>());
        assert!(empty.is_empty());
    }

    #[test]
    fn page_paths() {
        let p = PagePath::dir(&["2020", "10", "x"]);
        assert_eq!(p.as_str(), "2020/10/x/");
        assert_eq!(PagePath::article(2020, 10, "x"), p);
        assert_eq!(PagePath::article(987, 3, "قصة").as_str(), "0987/03/قصة/");
        assert_eq!(p.depth(), 3);
        assert_eq!(p.file(), "2020/10/x/index.html");
        assert_eq!(PagePath::root().file(), "index.html");
        assert_eq!(
            PagePath::dir(&["countries", "syria"]).page(2).as_str(),
            "countries/syria/page/2/"
        );
    }

    #[test]
    fn a_page_claimed_three_times_is_the_first_claimants() {
        let config = Config::parse("title = \"t\"\n").unwrap();
        let articles = [
            ("d", "other", "2020-10-01"),
            ("c", "same", "2020-10-02"),
            ("b", "same", "2020-10-03"),
            ("a", "same", "2020-10-02"),
        ]
        .into_iter()
        .map(|(stem, slug, day)| {
            let mut a = related::tests::source(stem, &format!("{day}T00:00:00+00:00"));
            a.front.slug = Slug::sanitize(slug);
            Box::new(a)
        })
        .collect();
        let content = Content {
            articles,
            ..Default::default()
        };
        let Err(Error::Content(errors)) = Site::build_unrelated(config, content) else {
            panic!("two articles lost their page");
        };
        // Newest first, then by path: b, a, c claim 2020/10/same/, b has it.
        let lost: Vec<(&str, &str)> = errors
            .iter()
            .map(|d| (d.path.to_str().unwrap(), d.message.as_str()))
            .collect();
        let message = "this article and content/b.md would both be published at 2020/10/same/";
        assert_eq!(lost, [("content/a.md", message), ("content/c.md", message)]);
    }

    #[test]
    fn hostile_paths_are_refused() {
        for bad in [
            "../x",
            "/a/../../b",
            "C:\\x",
            "c:/x",
            "%2e%2e/x",
            "a\0b",
            "",
            "/",
            "a/./b",
            "\u{202E}x",
        ] {
            assert_eq!(safe_relative(bad), None, "{bad:?}");
        }
        assert_eq!(
            safe_relative("/media/a.jpg").as_deref(),
            Some("media/a.jpg")
        );
        assert_eq!(
            safe_relative("old/news.html").as_deref(),
            Some("old/news.html")
        );
    }
}
