//! The data templates receive, documented field by field in the README
//! ("Template context"). These structs borrow from the site model; they are
//! the contract between arshif and a theme, so renaming a field is a breaking
//! change for every forked theme.

use rayon::prelude::*;
use serde::Serialize;

use crate::arabic::date::month_display;
use crate::arabic::{minutes_phrase, ArticleDate, DateStyle};
use crate::site::{Article, Image, Site};

/// Turns page paths into link targets for one build.
#[derive(Clone, Copy, Debug)]
pub struct Links {
    /// Directory links end in `index.html`.
    pub offline: bool,
}

impl Links {
    /// The link target of a page path, relative to the site root.
    pub fn url(&self, path: &crate::site::PagePath) -> String {
        if self.offline {
            path.file()
        } else {
            path.as_str().to_string()
        }
    }

    /// The relative path from a page `depth` folders deep to the site root.
    pub fn root(depth: usize) -> String {
        if depth == 0 {
            "./".to_string()
        } else {
            "../".repeat(depth)
        }
    }
}

/// `site` in every template.
#[derive(Serialize)]
pub struct SiteCtx<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub language: &'a str,
    pub dir: &'a str,
    pub base_url: &'a str,
    pub home_url: &'static str,
    pub archive_url: String,
    /// The search page, when the theme has one.
    pub search_url: Option<String>,
    pub taxonomies: Vec<TaxonomyCtx<'a>>,
    pub fonts: Vec<FontCtx>,
    pub font_stack: Option<&'a str>,
    /// The site's Atom feed (`atom.xml`), or null when it has no articles.
    pub feed_url: Option<String>,
}

/// A `@font-face` rule's data.
#[derive(Serialize)]
pub struct FontCtx {
    pub family: String,
    pub weight: String,
    pub style: String,
    pub unicode_range: Option<String>,
    pub src: Vec<FontSrc>,
}

#[derive(Serialize)]
pub struct FontSrc {
    pub url: String,
    pub format: &'static str,
}

/// A taxonomy, as linked from the header and from term pages.
#[derive(Serialize, Clone)]
pub struct TaxonomyCtx<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub url: String,
}

/// A date in every form a template may want.
#[derive(Serialize)]
pub struct DateCtx {
    pub iso: String,
    pub rfc3339: String,
    pub display: String,
    pub year: i32,
    pub month: u32,
}

impl DateCtx {
    pub fn new(d: &ArticleDate, style: DateStyle) -> DateCtx {
        DateCtx {
            iso: d.iso_date(),
            rfc3339: d.rfc3339(),
            display: d.display(style),
            year: d.year(),
            month: d.month(),
        }
    }
}

#[derive(Serialize)]
pub struct ReadingTime {
    pub minutes: u32,
    pub text: String,
}

#[derive(Serialize)]
pub struct ImageCtx<'a> {
    pub url: &'a str,
    pub external: bool,
    /// The front matter's `image_alt`, if given.
    pub alt: Option<&'a str>,
}

/// A term as linked from an article.
#[derive(Serialize)]
pub struct TermLink<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub url: String,
}

/// One taxonomy's terms on an article.
#[derive(Serialize)]
pub struct ArticleTerms<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub url: String,
    pub terms: Vec<TermLink<'a>>,
}

/// An article in a list, and the common part of `page`.
#[derive(Serialize)]
pub struct Teaser<'a> {
    pub title: &'a str,
    pub url: String,
    pub slug: &'a str,
    pub lang: &'a str,
    pub dir: &'a str,
    pub summary: &'a str,
    pub date: DateCtx,
    pub updated: Option<DateCtx>,
    pub reading_time: ReadingTime,
    pub word_count: usize,
    pub source: Option<&'a str>,
    pub image: Option<ImageCtx<'a>>,
    pub taxonomies: Vec<ArticleTerms<'a>>,
}

/// Each term's part of a teaser's inputs (its name, slug, page and
/// schema.org type) hashed once, by taxonomy and position: articles name
/// the same terms over and over, and hashing a term's strings for each of
/// them was most of the cost of [`Teaser::inputs`].
pub struct TermHashes(Vec<Vec<u128>>);

impl TermHashes {
    pub fn new(site: &Site) -> TermHashes {
        TermHashes(
            site.taxonomies
                .iter()
                .map(|tax| {
                    tax.terms
                        .par_iter()
                        .map(|t| {
                            crate::cache::hash_of(&(
                                t.name.as_str(),
                                t.slug.as_str(),
                                t.path.as_str(),
                                t.kind.as_deref(),
                            ))
                        })
                        .collect()
                })
                .collect(),
        )
    }
}

/// The terms an article names, as [`Teaser::inputs`] counts them: per
/// taxonomy, each term's hash, serialized as they are walked.
struct ArticleTermInputs<'a> {
    hashes: &'a TermHashes,
    article: &'a Article,
}

impl Serialize for ArticleTermInputs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let per_taxonomy = self.hashes.0.iter().zip(&self.article.terms);
        serializer.collect_seq(
            per_taxonomy
                .map(|(hashes, terms)| IterSeq(terms.iter().map(|&i| hashes.get(i).copied()))),
        )
    }
}

/// A sequence serialized from an iterator as it is walked.
pub(crate) struct IterSeq<I>(pub I);

impl<I: Iterator<Item = T> + Clone, T: Serialize> Serialize for IterSeq<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.clone())
    }
}

impl<'a> Teaser<'a> {
    /// What [`Teaser::new`], the article's JSON-LD
    /// ([`meta::article_jsonld`](super::meta::article_jsonld)) and its feed
    /// entries read besides the configuration, for fingerprints: hashing
    /// this costs a fraction of building them (dates, URLs, phrases).
    /// Whatever any of them comes to read must be added here.
    ///
    /// Its terms count by their [`TermHashes`]. What the article's file
    /// alone makes (its title, summary and dates, given the configuration)
    /// counts by the hash of the file: the summary, some 500 bytes, was
    /// most of what was hashed.
    pub fn inputs(hashes: &'a TermHashes, article: &'a Article) -> impl Serialize + 'a {
        let terms = ArticleTermInputs { hashes, article };
        (
            article.source.digest,
            article.path.as_str(),
            article.slug.as_str(),
            &article.lang,
            article.dir,
            article.reading_minutes,
            &article.image,
            terms,
        )
    }

    pub fn new(site: &'a Site, article: &'a Article, links: Links) -> Teaser<'a> {
        let style = site.config.dates;
        let front = &article.source.front;
        let taxonomies = site
            .taxonomies
            .iter()
            .zip(&article.terms)
            .filter(|(_, terms)| !terms.is_empty())
            .map(|(tax, terms)| ArticleTerms {
                name: &tax.config.name,
                title: &tax.config.title,
                url: links.url(&tax.path),
                terms: terms
                    .iter()
                    .map(|&i| {
                        let t = &tax.terms[i];
                        TermLink {
                            name: &t.name,
                            slug: t.slug.as_str(),
                            url: links.url(&t.path),
                        }
                    })
                    .collect(),
            })
            .collect();
        Teaser {
            title: &front.title,
            url: links.url(&article.path),
            slug: article.slug.as_str(),
            lang: &article.lang,
            dir: article.dir,
            summary: article.summary(),
            date: DateCtx::new(&front.date, style),
            updated: front.updated.as_ref().map(|d| DateCtx::new(d, style)),
            reading_time: ReadingTime {
                minutes: article.reading_minutes,
                text: minutes_phrase(article.reading_minutes, style.digits),
            },
            word_count: article.source.body.word_count,
            source: front.source.as_deref(),
            image: article.image.as_ref().map(|i| {
                let alt = front.image_alt.as_deref();
                match i {
                    Image::Local(url) => ImageCtx {
                        url,
                        external: false,
                        alt,
                    },
                    Image::Remote(url) => ImageCtx {
                        url,
                        external: true,
                        alt,
                    },
                }
            }),
            taxonomies,
        }
    }
}

/// A neighbouring article.
#[derive(Serialize)]
pub struct Neighbour<'a> {
    pub title: &'a str,
    pub url: String,
}

/// `page` on an article page.
#[derive(Serialize)]
pub struct PageCtx<'a> {
    #[serde(flatten)]
    pub teaser: &'a Teaser<'a>,
    pub body: String,
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
    pub newer: Option<Neighbour<'a>>,
    pub older: Option<Neighbour<'a>>,
    /// Related coverage: earlier articles sharing countries and actors.
    pub related: Vec<Related<'a>>,
}

/// An article in `page.related`.
#[derive(Serialize)]
pub struct Related<'a> {
    pub title: &'a str,
    pub url: &'a str,
    pub lang: &'a str,
    pub dir: &'a str,
    pub date: &'a DateCtx,
}

impl<'a> Related<'a> {
    /// The article whose teaser is `t`, with the teaser's fields: an
    /// article is related to several others, and its date is formatted
    /// once.
    pub fn new(t: &'a Teaser<'_>) -> Related<'a> {
        Related {
            title: t.title,
            url: &t.url,
            lang: t.lang,
            dir: t.dir,
            date: &t.date,
        }
    }
}

/// A numbered page in a pager.
#[derive(Serialize)]
pub struct PagerLink {
    pub number: usize,
    pub url: String,
    pub current: bool,
    /// Pages were left out between this one and the previous one shown
    /// (for the first: between it and the list's first page).
    pub gap_before: bool,
}

/// `paginator` on list pages.
#[derive(Serialize)]
pub struct Paginator {
    pub current: Option<usize>,
    /// Given on the first page only: a numbered page that showed it would
    /// change whenever the list gains a page.
    pub full_pages: Option<usize>,
    pub newer_url: Option<String>,
    pub older_url: Option<String>,
    /// Newest first.
    pub pages: Vec<PagerLink>,
}

/// `term` on term pages: the index entry plus the description.
#[derive(Serialize)]
pub struct TermCtx<'a> {
    #[serde(flatten)]
    pub entry: TermEntry<'a>,
    pub description: Option<&'a str>,
    /// The term's Atom feed, relative to the site root, where its taxonomy
    /// has `feed = true`.
    pub feed_url: Option<String>,
}

/// A term in a taxonomy index.
#[derive(Serialize)]
pub struct TermEntry<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub url: String,
    /// Absent on a term's numbered pages, which must not change when the
    /// term gains a story.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
}

impl<'a> TermEntry<'a> {
    /// The term as its numbered pages show it: without a count.
    pub fn numbered(term: &'a crate::site::Term, links: Links) -> TermEntry<'a> {
        TermEntry {
            count: None,
            ..TermEntry::new(term, links)
        }
    }

    pub fn new(term: &'a crate::site::Term, links: Links) -> TermEntry<'a> {
        TermEntry {
            name: &term.name,
            slug: term.slug.as_str(),
            url: links.url(&term.path),
            count: Some(term.articles.len()),
        }
    }
}

/// A month in the archive.
#[derive(Serialize)]
pub struct MonthCtx {
    pub month: u32,
    pub name: String,
    pub url: String,
    pub count: usize,
}

impl MonthCtx {
    pub fn new(site: &Site, year: i32, month: &crate::site::Month, links: Links) -> MonthCtx {
        MonthCtx {
            month: month.month,
            name: month_display(year, month.month, site.config.dates),
            url: links.url(&month.path),
            count: month.articles.len(),
        }
    }
}

/// A year in the archive.
#[derive(Serialize)]
pub struct YearCtx {
    pub year: i32,
    pub url: String,
    /// Absent on a year's numbered pages (see [`TermEntry::count`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// Empty on a year's numbered pages.
    pub months: Vec<MonthCtx>,
}

impl YearCtx {
    /// The year without counts or months: on the numbered pages of its list
    /// and on its months' pages, which stay as they are when a story is
    /// added to another page or month.
    pub fn numbered(year: &crate::site::Year, links: Links) -> YearCtx {
        YearCtx {
            year: year.year,
            url: links.url(&year.path),
            count: None,
            months: Vec::new(),
        }
    }

    pub fn new(site: &Site, year: &crate::site::Year, links: Links) -> YearCtx {
        YearCtx {
            year: year.year,
            url: links.url(&year.path),
            count: Some(year.articles.len()),
            months: year
                .months
                .iter()
                .map(|m| MonthCtx::new(site, year.year, m, links))
                .collect(),
        }
    }
}
