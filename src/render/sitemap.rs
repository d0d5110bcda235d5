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
///
/// A list's last change is the newest among its articles' (the last of
/// equal ones, in the list's order, as `max` gives). The pages of a list
/// show all its articles between them: a taxonomy's is found from its
/// terms' pages, and the archive's from the home pages, without going
/// over every article again (at 100,000 articles, 680,000 of the 1.5
/// million looked up), when `jobs` holds those pages (as [`pages`](super::pages())
/// makes them); otherwise from the articles.
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
    let newest = |list: &[usize], items: std::ops::Range<usize>| {
        newest_change(&changes, list[items.clone()].iter().copied()).map(|n| n.from(items.start))
    };
    // The newest of all the articles, and of each term's, from their pages.
    let mut home: Option<Option<Newest<'_>>> = None;
    let mut terms: Vec<Vec<Option<Option<Newest<'_>>>>> = site
        .taxonomies
        .iter()
        .map(|t| vec![None; t.terms.len()])
        .collect();
    // The lists whose last change is known once all pages are seen: their
    // place in `others`, and which they are.
    let mut pending: Vec<(usize, &PageJob)> = Vec::new();
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
            PageJob::Home(p) => {
                let found = newest_change(&changes, p.items.clone()).map(|n| n.from(p.items.start));
                home = Some(Newest::later(home.flatten(), found));
                (
                    Cow::Owned(list_path(&PagePath::root(), p)),
                    found.map(|n| n.date),
                )
            }
            PageJob::Term(t, i, p) => {
                let term = &site.taxonomies[*t].terms[*i];
                let found = newest(&term.articles, p.items.clone());
                let seen = &mut terms[*t][*i];
                *seen = Some(Newest::later(seen.flatten(), found));
                (Cow::Owned(list_path(&term.path, p)), found.map(|n| n.date))
            }
            PageJob::Taxonomy(t) => {
                pending.push((others.len(), job));
                (Cow::Borrowed(&site.taxonomies[*t].path), None)
            }
            PageJob::Year(y, p) => {
                let year = &site.years[*y];
                (
                    Cow::Owned(list_path(&year.path, p)),
                    newest(&year.articles, p.items.clone()).map(|n| n.date),
                )
            }
            PageJob::Month(y, m) => {
                let month = &site.years[*y].months[*m];
                (
                    Cow::Borrowed(&month.path),
                    newest(&month.articles, 0..month.articles.len()).map(|n| n.date),
                )
            }
            PageJob::Archive => {
                pending.push((others.len(), job));
                (Cow::Owned(archive_path()), None)
            }
            // The search page has no content of its own to index.
            PageJob::NotFound | PageJob::Redirect(_) | PageJob::Search => continue,
        };
        others.push(Url {
            path,
            lastmod,
            teaser: None,
        });
    }
    for (at, job) in pending {
        let found = match job {
            PageJob::Taxonomy(t) => {
                // Term after term, as the taxonomy lists their articles:
                // of equal changes, the later term's (each term's newest
                // counts by the term's place).
                let tax = &site.taxonomies[*t];
                tax.terms.iter().zip(&terms[*t]).enumerate().fold(
                    None,
                    |newest, (k, (term, seen))| {
                        let found = seen.unwrap_or_else(|| {
                            newest_change(&changes, term.articles.iter().copied())
                        });
                        Newest::later(newest, found.map(|f| Newest { place: k, ..f }))
                    },
                )
            }
            _ => home.unwrap_or_else(|| newest_change(&changes, 0..site.articles.len())),
        };
        others[at].lastmod = found.map(|n| n.date);
    }
    articles.reverse();
    let count = articles.len();
    articles.extend(others);
    (articles, count)
}

/// The newest last change among some articles of a list: its instant, its
/// place in the list and the date.
#[derive(Clone, Copy)]
struct Newest<'a> {
    at: (i64, u32),
    place: usize,
    date: &'a ArticleDate,
}

impl<'a> Newest<'a> {
    /// Found in a part of a list starting at `start`: its place in the list.
    fn from(self, start: usize) -> Newest<'a> {
        Newest {
            place: start + self.place,
            ..self
        }
    }

    /// The newer of two found in parts of one list; of equal changes, the
    /// one later in the list, as a `max` over the whole list takes.
    fn later(a: Option<Newest<'a>>, b: Option<Newest<'a>>) -> Option<Newest<'a>> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if (b.at, b.place) >= (a.at, a.place) {
                b
            } else {
                a
            }),
            (a, b) => a.or(b),
        }
    }
}

/// The newest of the last changes of these articles (by position), the
/// last of equal ones, as `max` gives, with its place among them.
fn newest_change<'a>(
    changes: &[((i64, u32), &'a ArticleDate)],
    articles: impl Iterator<Item = usize>,
) -> Option<Newest<'a>> {
    articles
        .enumerate()
        .map(|(place, i)| (changes[i], place))
        .max_by_key(|&((at, _), _)| at)
        .map(|((at, date), place)| Newest { at, place, date })
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

    /// A list's last change as found before lists were found from their
    /// pages: over all of what it shows, the last of equal ones.
    fn over_all<'a>(site: &'a Site, job: &PageJob) -> Option<&'a ArticleDate> {
        let changes: Vec<_> = site
            .articles
            .iter()
            .map(|a| (last_change(a).instant(), last_change(a)))
            .collect();
        let shown: Vec<usize> = match job {
            PageJob::Home(p) => p.items.clone().collect(),
            PageJob::Term(t, i, p) => {
                site.taxonomies[*t].terms[*i].articles[p.items.clone()].to_vec()
            }
            PageJob::Taxonomy(t) => site.taxonomies[*t]
                .terms
                .iter()
                .flat_map(|t| t.articles.iter().copied())
                .collect(),
            PageJob::Year(y, p) => site.years[*y].articles[p.items.clone()].to_vec(),
            PageJob::Month(y, m) => site.years[*y].months[*m].articles.clone(),
            PageJob::Archive => (0..site.articles.len()).collect(),
            _ => return None,
        };
        shown
            .into_iter()
            .map(|i| changes[i])
            .max_by_key(|&(at, _)| at)
            .map(|(_, d)| d)
    }

    #[test]
    fn lists_found_from_their_pages_take_the_change_a_whole_list_takes() {
        use crate::site::related::tests::source;
        // Two by two on a page, so that a term's, the home's and a year's
        // articles are on pages that overlap (stable pagination); equal
        // instants in other offsets (whose dates read differently), and
        // older stories updated later than newer ones.
        // Each with its countries; the newest two are equal, in two terms
        // that share neither.
        let stories: [(&str, Option<&str>, &[&str]); 11] = [
            ("2020-01-01T12:00:00+03:00", None, &["a", "b"]),
            ("2020-01-01T09:00:00+00:00", None, &["b"]),
            (
                "2020-01-02T10:00:00+00:00",
                Some("2020-03-01T12:00:00+03:00"),
                &["a", "c"],
            ),
            (
                "2020-01-03T10:00:00+00:00",
                Some("2020-03-01T09:00:00+00:00"),
                &["a", "b"],
            ),
            ("2020-01-04T13:00:00+04:00", None, &["b"]),
            ("2020-01-04T09:00:00+00:00", None, &["a", "c"]),
            (
                "2021-02-01T10:00:00+00:00",
                Some("2021-02-02T10:00:00+00:00"),
                &["a", "b"],
            ),
            ("2021-02-02T13:00:00+03:00", None, &["b"]),
            ("2021-02-03T10:00:00+00:00", None, &["a", "c"]),
            ("2022-05-01T12:00:00+03:00", None, &["a"]),
            ("2022-05-01T09:00:00+00:00", None, &["c"]),
        ];
        let utc = chrono::FixedOffset::east_opt(0).unwrap();
        let articles = stories
            .iter()
            .enumerate()
            .map(|(k, (date, updated, terms))| {
                let mut a = source(&format!("a{k}"), date);
                a.front.updated = updated.map(|u| ArticleDate::parse(u, utc).unwrap());
                let names = terms.iter().map(|&t| t.into()).collect();
                a.front.taxonomies.insert("countries".into(), names);
                Box::new(a)
            })
            .collect();
        let config = crate::config::Config::parse("title = \"t\"\npaginate = 2\n").unwrap();
        let content = crate::content::Content {
            articles,
            ..Default::default()
        };
        let site = Site::build(config, content).unwrap();
        let jobs = super::super::pages::pages(&site);
        // The same article's date, not only the same instant.
        let same = |a: Option<&ArticleDate>, b: Option<&ArticleDate>| {
            a.map(std::ptr::from_ref) == b.map(std::ptr::from_ref)
        };
        let lists = jobs.iter().filter(|j| !matches!(j, PageJob::Article(_)));
        let (all, articles) = urls(&site, &[], &jobs);
        let found: Vec<_> = all[articles..].iter().map(|u| u.lastmod).collect();
        let listed: Vec<_> = lists
            .filter(|j| {
                !matches!(
                    j,
                    PageJob::NotFound | PageJob::Redirect(_) | PageJob::Search
                )
            })
            .collect();
        assert_eq!(found.len(), listed.len());
        let countries = listed.iter().position(|j| **j == PageJob::Taxonomy(0));
        assert!(countries.is_some_and(|c| found[c].is_some()));
        for (job, found) in listed.iter().zip(&found) {
            let whole = over_all(&site, job);
            assert!(
                same(*found, whole),
                "{job:?}: {:?} against {:?}",
                found.map(ArticleDate::rfc3339),
                whole.map(ArticleDate::rfc3339)
            );
        }
        // Without the pages of the lists, from the articles themselves.
        let alone: Vec<PageJob> = jobs
            .iter()
            .filter(|j| matches!(j, PageJob::Taxonomy(_) | PageJob::Archive))
            .cloned()
            .collect();
        let (all, _) = urls(&site, &[], &alone);
        for (job, url) in alone.iter().zip(&all) {
            let whole = over_all(&site, job);
            assert!(same(url.lastmod, whole), "{job:?} alone");
        }
    }

    #[test]
    fn robots_points_at_the_sitemap() {
        assert_eq!(
            robots("https://a.example/x/"),
            "User-agent: *\nDisallow:\n\nSitemap: https://a.example/x/sitemap.xml\n"
        );
    }
}
