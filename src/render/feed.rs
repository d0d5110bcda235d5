//! Atom feeds (RFC 4287): the site's newest articles at `atom.xml`, and one
//! feed per term of every taxonomy with `feed = true` at
//! `<taxonomy>/<term-slug>/atom.xml`.
//!
//! The XML comes from the theme's `atom.xml` Tera template (the default
//! theme's when a theme has none), with this module's [`FeedCtx`] as `feed`
//! and [`EntryCtx`] list as `entries`. Every URL is absolute (from
//! `base_url`), ids are the articles' canonical URLs, and a feed's `updated`
//! is its newest entry's, never the build time: two builds are byte-identical.

use serde::Serialize;

use crate::arabic::ArticleDate;
use crate::site::{Article, Image, PagePath, Site};

/// The file name of every feed, in its list's folder.
pub const FEED_FILE: &str = "atom.xml";

/// The optional template of one entry, rendered once per article and
/// printed by `atom.xml` as `e.xml`.
pub const ENTRY_FILE: &str = "atom-entry.xml";

/// One feed to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// The newest articles of the site.
    Site,
    /// The newest articles naming one term: taxonomy, term.
    Term(usize, usize),
}

/// Every feed of the site: the site's (when it has articles) and one per
/// term of each taxonomy with `feed = true`.
pub fn feeds(site: &Site) -> Vec<Feed> {
    let mut out = Vec::new();
    if !site.articles.is_empty() {
        out.push(Feed::Site);
    }
    for (t, tax) in site.taxonomies.iter().enumerate() {
        if tax.config.feed {
            out.extend((0..tax.terms.len()).map(|i| Feed::Term(t, i)));
        }
    }
    out
}

/// The site feed's path relative to the site root, if the site has one.
pub fn site_feed_url(site: &Site) -> Option<String> {
    (!site.articles.is_empty()).then(|| FEED_FILE.to_string())
}

/// A term's feed path relative to the site root, if its taxonomy has feeds.
pub fn term_feed_url(site: &Site, t: usize, i: usize) -> Option<String> {
    let tax = &site.taxonomies[t];
    tax.config
        .feed
        .then(|| format!("{}{FEED_FILE}", tax.terms[i].path.as_str()))
}

impl Feed {
    /// The output file, relative to the output root.
    pub fn file(&self, site: &Site) -> String {
        format!("{}{FEED_FILE}", self.page(site).as_str())
    }

    /// Whether its entries carry whole articles (`[feeds] content` for the
    /// site feed, `term_content` for a term's).
    pub fn content(&self, site: &Site) -> crate::config::FeedContent {
        match self {
            Feed::Site => site.config.feeds.content,
            Feed::Term(..) => site.config.feeds.term_content,
        }
    }

    /// The HTML page the feed follows (home or the term's page).
    pub fn page(&self, site: &Site) -> PagePath {
        match self {
            Feed::Site => PagePath::root(),
            Feed::Term(t, i) => site.taxonomies[*t].terms[*i].path.clone(),
        }
    }

    /// Its entries: positions of the newest `[feeds] limit` articles,
    /// newest first.
    pub fn entries(&self, site: &Site) -> Vec<usize> {
        let limit = site.config.feeds.limit;
        match self {
            Feed::Site => (0..site.articles.len().min(limit)).collect(),
            Feed::Term(t, i) => {
                let all = &site.taxonomies[*t].terms[*i].articles;
                all[..all.len().min(limit)].to_vec()
            }
        }
    }
}

/// `feed` in atom.xml.
#[derive(Serialize)]
pub struct FeedCtx<'a> {
    /// The feed's own absolute URL (`rel="self"`), also its id.
    pub id: String,
    pub url: String,
    /// The absolute URL of the HTML page it follows (`rel="alternate"`).
    pub page_url: String,
    pub title: String,
    pub subtitle: &'a str,
    pub lang: &'a str,
    pub dir: &'a str,
    /// The newest entry's `updated` (RFC 3339); none for an empty feed.
    pub updated: Option<String>,
    /// `site` or the taxonomy's name.
    pub kind: &'a str,
}

/// One entry of `entries` in atom.xml.
#[derive(Serialize)]
pub struct EntryCtx<'a> {
    /// The article's canonical URL: its link and its id.
    pub id: String,
    pub url: String,
    pub title: &'a str,
    pub lang: &'a str,
    pub dir: &'a str,
    /// RFC 3339.
    pub published: String,
    /// `updated` from the front matter, else the date (RFC 3339).
    pub updated: String,
    pub summary: &'a str,
    /// The body as HTML (its links relative to `url`), or none when
    /// `[feeds] content = "summary"`. Filled by the renderer, which
    /// renders bodies again (the model does not keep them).
    pub content: Option<String>,
    pub authors: Vec<&'a str>,
    pub categories: Vec<CategoryCtx<'a>>,
    /// Absolute URL of the lead image.
    pub image: Option<String>,
}

/// A term of an entry: `<category term scheme>`.
#[derive(Serialize)]
pub struct CategoryCtx<'a> {
    /// The term's name.
    pub term: &'a str,
    /// The taxonomy's title.
    pub taxonomy: &'a str,
    /// Absolute URL of the taxonomy's page.
    pub scheme: String,
}

/// The later of an article's date and its `updated`.
pub fn last_change(a: &Article) -> &ArticleDate {
    let front = &a.source.front;
    match &front.updated {
        Some(u) if *u > front.date => u,
        _ => &front.date,
    }
}

/// The absolute URL of a page.
pub fn absolute(site: &Site, path: &PagePath) -> String {
    format!("{}{}", site.config.base_url, path.as_str())
}

/// The absolute URL of a lead image.
pub fn image_url(site: &Site, image: &Image) -> String {
    match image {
        Image::Local(path) => format!("{}{path}", site.config.base_url),
        Image::Remote(url) => url.clone(),
    }
}

/// `feed` in atom.xml, for a feed of the articles at `positions`.
pub fn feed_ctx<'a>(site: &'a Site, feed: &Feed, positions: &[usize]) -> FeedCtx<'a> {
    let config = &site.config;
    let updated = positions
        .iter()
        .map(|&i| last_change(&site.articles[i]))
        .max()
        .map(ArticleDate::rfc3339);
    let (title, kind) = match feed {
        Feed::Site => (config.title.clone(), "site"),
        Feed::Term(t, i) => {
            let tax = &site.taxonomies[*t];
            (
                format!("{} – {}", tax.terms[*i].name, config.title),
                tax.config.name.as_str(),
            )
        }
    };
    let url = format!("{}{}", config.base_url, feed.file(site));
    FeedCtx {
        id: url.clone(),
        url,
        page_url: absolute(site, &feed.page(site)),
        title,
        subtitle: &config.description,
        lang: &config.language,
        dir: config.dir(),
        updated,
        kind,
    }
}

/// One entry. It reads nothing of the article that its teaser's inputs
/// (`Teaser::inputs`) leave out, besides the configuration: feed
/// fingerprints count an entry by its teaser's fingerprint.
pub fn entry<'a>(site: &'a Site, a: &'a Article) -> EntryCtx<'a> {
    let front = &a.source.front;
    let url = absolute(site, &a.path);
    let mut authors = Vec::new();
    let mut categories = Vec::new();
    for (tax, terms) in site.taxonomies.iter().zip(&a.terms) {
        for &term in terms {
            let term = &tax.terms[term];
            if tax.config.name == "author" {
                authors.push(term.name.as_str());
            }
            categories.push(CategoryCtx {
                term: &term.name,
                taxonomy: &tax.config.title,
                scheme: absolute(site, &tax.path),
            });
        }
    }
    EntryCtx {
        id: url.clone(),
        url,
        title: &front.title,
        lang: &a.lang,
        dir: a.dir,
        published: front.date.rfc3339(),
        updated: last_change(a).rfc3339(),
        summary: a.summary(),
        content: None,
        authors,
        categories,
        image: a.image.as_ref().map(|i| image_url(site, i)),
    }
}
