//! `sitemap.xml` and `robots.txt`.
//!
//! The sitemap lists every HTML page but `404.html` and the alias redirects,
//! with absolute, percent-encoded URLs and a `lastmod`: an article's
//! `updated` (else its date), a list's newest change among the articles it
//! shows. Articles come first, oldest first, then the other pages in build
//! order. Past `[sitemap] urls_per_file` URLs (2,000 unless set otherwise,
//! at most 50,000, the protocol's limit) it is split into `sitemap-1.xml`,
//! `sitemap-2.xml`… and `sitemap.xml` becomes their index; the articles and
//! the other pages are split apart, each into parts of that many URLs. A
//! new story then changes the last of the articles' parts and those of the
//! lists that show it; the other parts stay as they were, for crawlers
//! (their `lastmod` in the index says so) and for the next build, which
//! writes again only the parts that changed. `robots.txt` points at
//! `sitemap.xml`.

use std::borrow::Cow;
use std::fmt::Write;

use super::escape::escape_xml;
use super::feed::last_change;
use super::pages::{archive_path, list_path, PageJob};
use super::Prepared;
use crate::arabic::ArticleDate;
use crate::site::{PagePath, Site};

/// The sitemap (or sitemap index) at the site root.
pub const SITEMAP_FILE: &str = "sitemap.xml";

const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// One URL of the sitemap.
pub struct Url<'a> {
    /// Borrowed from the model where it holds the page's path (an article,
    /// a taxonomy, a month), else made for the page.
    path: Cow<'a, PagePath>,
    lastmod: Option<&'a ArticleDate>,
    /// An article's teaser fingerprint, which stands for its path and its
    /// last change in the file's fingerprint: the teaser's inputs hold both
    /// (the URL, and the hash of the file the dates are read from).
    teaser: Option<u128>,
}

/// One file to write: `sitemap.xml`, one of its parts or `robots.txt`.
pub struct File<'a> {
    /// Its path relative to the output root.
    pub path: String,
    base: &'a str,
    kind: Kind<'a>,
}

enum Kind<'a> {
    /// A `<urlset>` of these URLs.
    Urls(&'a [Url<'a>]),
    /// The index of these parts.
    Index(Vec<&'a [Url<'a>]>),
    Robots,
}

/// Every page's URL, from which [`files`] are made: the articles' first.
pub struct Urls<'a> {
    all: Vec<Url<'a>>,
    /// How many of them are the articles'.
    articles: usize,
}

impl<'a> Urls<'a> {
    pub fn new(site: &'a Site, prep: &Prepared<'_>, jobs: &[PageJob]) -> Urls<'a> {
        let (all, articles) = urls(site, &prep.hashes, jobs);
        Urls { all, articles }
    }
}

/// The files to write: `sitemap.xml` (and its parts) and `robots.txt`.
pub fn files<'a>(site: &'a Site, urls: &'a Urls<'a>) -> Vec<File<'a>> {
    let base = site.config.base_url.as_str();
    let per_file = site.config.sitemap.urls_per_file.max(1);
    let file = |path: String, kind| File { path, base, kind };
    let mut out = Vec::new();
    if urls.all.len() <= per_file {
        out.push(file(SITEMAP_FILE.to_string(), Kind::Urls(&urls.all)));
    } else {
        let (articles, others) = urls.all.split_at(urls.articles);
        let parts: Vec<&[Url<'_>]> = articles
            .chunks(per_file)
            .chain(others.chunks(per_file))
            .collect();
        for (n, &part) in parts.iter().enumerate() {
            out.push(file(part_name(n), Kind::Urls(part)));
        }
        out.push(file(SITEMAP_FILE.to_string(), Kind::Index(parts)));
    }
    out.push(file("robots.txt".to_string(), Kind::Robots));
    out
}

/// The name of part `n` (from 0) of a split sitemap.
fn part_name(n: usize) -> String {
    format!("sitemap-{}.xml", n + 1)
}

impl File<'_> {
    /// A hash of all the file is made of, without making it: what an
    /// incremental build compares with the previous one.
    pub fn fingerprint(&self) -> u128 {
        let mut h = crate::cache::HashWriter::default();
        match self.kind {
            Kind::Urls(urls) => {
                h.value(&(0u8, self.base));
                for u in urls {
                    match u.teaser {
                        Some(teaser) => h.value(&(0u8, teaser)),
                        None => h.value(&(
                            1u8,
                            u.path.as_str(),
                            u.lastmod.map(ArticleDate::seconds_and_offset),
                        )),
                    }
                }
            }
            // Made of the number of parts and each one's newest lastmod
            // (see `index`): their URLs are hashed for the parts alone.
            Kind::Index(ref parts) => {
                h.value(&(1u8, self.base, parts.len()));
                for part in parts {
                    h.value(&newest(part).map(ArticleDate::seconds_and_offset));
                }
            }
            Kind::Robots => h.value(&(2u8, self.base)),
        }
        h.finish()
    }

    /// The file's text.
    pub fn render(&self) -> String {
        match self.kind {
            Kind::Urls(urls) => urlset(self.base, urls),
            Kind::Index(ref parts) => index(self.base, parts),
            Kind::Robots => robots(self.base),
        }
    }
}

/// The sitemap index of a sitemap split into these parts.
fn index(base: &str, parts: &[&[Url<'_>]]) -> String {
    let mut index = format!("{XML_HEAD}<sitemapindex xmlns=\"{NS}\">\n");
    for (n, chunk) in parts.iter().enumerate() {
        let _ = write!(
            index,
            "<sitemap><loc>{}</loc>",
            escape_xml(&format!("{base}{}", part_name(n)))
        );
        if let Some(last) = newest(chunk) {
            push_lastmod(&mut index, last);
        }
        index.push_str("</sitemap>\n");
    }
    index.push_str("</sitemapindex>\n");
    index
}

/// The newest `lastmod` of a part of a split sitemap: what its index shows
/// of it.
fn newest<'a>(part: &[Url<'a>]) -> Option<&'a ArticleDate> {
    part.iter().filter_map(|u| u.lastmod).max()
}

/// `robots.txt`: everything may be crawled; where the sitemap is.
pub fn robots(base_url: &str) -> String {
    format!("User-agent: *\nDisallow:\n\nSitemap: {base_url}{SITEMAP_FILE}\n")
}

fn urlset(base: &str, urls: &[Url<'_>]) -> String {
    // Room for most URLs (a base, an article's path and its date take
    // some 150 bytes), so that a file of 50,000 is not copied as it grows.
    let mut xml = String::with_capacity(256 + urls.len() * 160);
    let _ = writeln!(xml, "{XML_HEAD}<urlset xmlns=\"{NS}\">");
    // A percent-encoded path has nothing to escape for XML: only the base
    // URL may, once for all.
    let base = escape_xml(base);
    for u in urls {
        xml.push_str("<url><loc>");
        xml.push_str(&base);
        push_encoded(&mut xml, u.path.as_str());
        xml.push_str("</loc>");
        if let Some(d) = u.lastmod {
            push_lastmod(&mut xml, d);
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

/// Writes a `<lastmod>` of `date` onto the end of `xml`.
fn push_lastmod(xml: &mut String, date: &ArticleDate) {
    xml.push_str("<lastmod>");
    xml.push_str(&date.rfc3339());
    xml.push_str("</lastmod>");
}

/// Percent-encodes a site-root path for a URL onto the end of `out` (UTF-8
/// bytes of Arabic slugs, anything but unreserved characters and `/`).
fn push_encoded(out: &mut String, path: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

/// Every page of the sitemap with its last change (`teasers`: each
/// article's teaser fingerprint), the articles first, and how many those
/// are.
fn urls<'a>(site: &'a Site, teasers: &[u128], jobs: &[PageJob]) -> (Vec<Url<'a>>, usize) {
    // Each article's last change with its instant, in one table: the lists
    // show each article many times (on its home, year and month pages, on
    // each of its terms' pages and on their taxonomies' pages), and reaching
    // its date through the article every time was most of the time spent
    // here. Dates are ordered by their instant; of equal ones the last is
    // taken, as `max` does.
    let changes: Vec<((i64, u32), &ArticleDate)> = site
        .articles
        .iter()
        .map(|a| {
            let d = last_change(a);
            (d.instant(), d)
        })
        .collect();
    let all = || newest_change(&changes, 0..site.articles.len());
    // Room for all from the start: the other pages' URLs are moved in
    // after the articles' without those being copied into a larger vector
    // (6 MB at 100,000 articles, copied and faulted in on every build).
    let mut articles = Vec::with_capacity(jobs.len());
    let mut others = Vec::with_capacity(jobs.len().saturating_sub(site.articles.len()));
    for job in jobs {
        // A list page: its path and the newest change of what it lists.
        let (path, lastmod) = match job {
            PageJob::Article(i) => {
                let a = &site.articles[*i];
                articles.push(Url {
                    path: Cow::Borrowed(&a.path),
                    lastmod: Some(changes[*i].1),
                    teaser: teasers.get(*i).copied(),
                });
                continue;
            }
            PageJob::Home(p) => (
                Cow::Owned(list_path(&PagePath::root(), p)),
                newest_change(&changes, p.items.clone()),
            ),
            PageJob::Term(t, i, p) => {
                let term = &site.taxonomies[*t].terms[*i];
                (
                    Cow::Owned(list_path(&term.path, p)),
                    newest_change(&changes, term.articles[p.items.clone()].iter().copied()),
                )
            }
            PageJob::Taxonomy(t) => {
                let tax = &site.taxonomies[*t];
                (
                    Cow::Borrowed(&tax.path),
                    newest_change(
                        &changes,
                        tax.terms.iter().flat_map(|t| t.articles.iter().copied()),
                    ),
                )
            }
            PageJob::Year(y, p) => {
                let year = &site.years[*y];
                (
                    Cow::Owned(list_path(&year.path, p)),
                    newest_change(&changes, year.articles[p.items.clone()].iter().copied()),
                )
            }
            PageJob::Month(y, m) => {
                let month = &site.years[*y].months[*m];
                (
                    Cow::Borrowed(&month.path),
                    newest_change(&changes, month.articles.iter().copied()),
                )
            }
            PageJob::Archive => (Cow::Owned(archive_path()), all()),
            // The search page has no content of its own to index.
            PageJob::NotFound | PageJob::Redirect(_) | PageJob::Search => continue,
        };
        others.push(Url {
            path,
            lastmod,
            teaser: None,
        });
    }
    articles.reverse();
    let count = articles.len();
    articles.extend(others);
    (articles, count)
}

/// The newest of the last changes of these articles (by position), the
/// last of equal ones, as `max` gives: a list's `lastmod`.
fn newest_change<'a>(
    changes: &[((i64, u32), &'a ArticleDate)],
    articles: impl Iterator<Item = usize>,
) -> Option<&'a ArticleDate> {
    articles
        .map(|i| changes[i])
        .max_by_key(|&(at, _)| at)
        .map(|(_, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_path(path: &str) -> String {
        let mut out = String::new();
        push_encoded(&mut out, path);
        out
    }

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(
            encode_path("countries/سوريا/"),
            "countries/%D8%B3%D9%88%D8%B1%D9%8A%D8%A7/"
        );
        assert_eq!(encode_path("2020/10/a_b-c/"), "2020/10/a_b-c/");
    }

    #[test]
    fn robots_points_at_the_sitemap() {
        assert_eq!(
            robots("https://a.example/x/"),
            "User-agent: *\nDisallow:\n\nSitemap: https://a.example/x/sitemap.xml\n"
        );
    }
}
