//! Feeds, sitemap and robots.txt: what feed readers and crawlers read.
//!
//! Feeds are parsed with a real feed library (`feed-rs`) and sitemaps with an
//! XML parser (`roxmltree`); the tests check what they read back against the
//! HTML pages of the same build: ids and links are the pages' canonical URLs,
//! dates are the articles' dates, Arabic text arrives unchanged, and the
//! sitemap names every page exactly once.

use std::collections::BTreeSet;

use std::fs;

use crate::support::{assert_same_tree, percent_decode, snapshot, Page, SiteTest};

const BASE: &str = "https://archive.example.org/";

/// The content of `<meta property|name=…>`.
pub fn meta<'a>(page: &'a Page, key: &str) -> Option<&'a str> {
    page.tags()
        .find(|t| {
            t.name == "meta" && (t.attr("property") == Some(key) || t.attr("name") == Some(key))
        })
        .and_then(|t| t.attr("content"))
}

/// Every `<meta property=…>` value of `key`.
pub fn metas<'a>(page: &'a Page, key: &str) -> Vec<&'a str> {
    page.tags()
        .filter(|t| t.name == "meta" && t.attr("property") == Some(key))
        .filter_map(|t| t.attr("content"))
        .collect()
}

/// The `<link rel=canonical>` of a page.
pub fn canonical(page: &Page) -> String {
    page.tags()
        .find(|t| t.name == "link" && t.attr("rel") == Some("canonical"))
        .and_then(|t| t.attr("href"))
        .unwrap_or_else(|| panic!("{}: no canonical link", page.path))
        .to_string()
}

/// The article pages of a build (`YYYY/MM/<slug>/index.html`).
pub fn article_files(site: &SiteTest) -> Vec<String> {
    site.html_files()
        .into_iter()
        .filter(|f| is_article_file(f))
        .collect()
}

/// Whether an output file is an article's page (`YYYY/MM/<slug>/index.html`).
fn is_article_file(file: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let p: Vec<&str> = file.split('/').collect();
    p.len() == 4 && digits(p[0], 4) && digits(p[1], 2)
}

/// Parses an output file as a feed.
#[track_caller]
fn feed(site: &SiteTest, rel: &str) -> feed_rs::model::Feed {
    let bytes = std::fs::read(site.out_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{rel} is not a valid feed: {e}"))
}

/// The `<link rel=alternate type=application/atom+xml>` hrefs of a page.
fn feed_links(page: &Page) -> Vec<String> {
    page.tags()
        .filter(|t| {
            t.name == "link"
                && t.attr("rel") == Some("alternate")
                && t.attr("type") == Some("application/atom+xml")
        })
        .filter_map(|t| t.attr("href").map(str::to_string))
        .collect()
}

/// The output file a page's relative link points to.
fn resolve(page: &str, href: &str) -> String {
    crate::support::resolve(page, href)
        .unwrap_or_else(|e| panic!("{page}: cannot resolve {href}: {e:?}"))
        .file()
}

#[test]
fn the_site_feed_carries_the_newest_articles_as_their_pages_show_them() {
    let site = SiteTest::demo();
    site.build().success();
    let f = feed(&site, "atom.xml");
    assert_eq!(f.id, format!("{BASE}atom.xml"));
    assert_eq!(f.language.as_deref(), Some("ar"));
    assert_eq!(
        f.title.as_ref().map(|t| t.content.as_str()),
        Some("أرشيف وكالة زيتون")
    );
    let self_link = f.links.iter().find(|l| l.rel.as_deref() == Some("self"));
    assert_eq!(self_link.map(|l| l.href.as_str()), Some(f.id.as_str()));

    // The newest 20 (the default limit) of the demo's articles, newest first.
    let articles = article_files(&site);
    assert!(
        articles.len() > 20,
        "the demo site has more articles than a feed"
    );
    assert_eq!(f.entries.len(), 20);
    let mut by_url = std::collections::BTreeMap::new();
    for file in &articles {
        let page = site.page(file);
        by_url.insert(canonical(&page), page);
    }
    // feed-rs does not report an entry's xml:lang: read it from the XML.
    let xml = site.read("atom.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let xml_langs: std::collections::BTreeMap<String, String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("entry"))
        .map(|n| {
            let id = n
                .children()
                .find(|c| c.has_tag_name("id"))
                .and_then(|c| c.text());
            let lang = n.attribute(("http://www.w3.org/XML/1998/namespace", "lang"));
            (id.unwrap_or("").to_string(), lang.unwrap_or("").to_string())
        })
        .collect();
    let mut newest = None;
    let mut previous: Option<chrono::DateTime<chrono::Utc>> = None;
    for e in &f.entries {
        let page = by_url
            .get(&e.id)
            .unwrap_or_else(|| panic!("entry id {} is no article's canonical URL", e.id));
        let link = e
            .links
            .iter()
            .find(|l| l.rel.as_deref() != Some("enclosure"));
        // feed-rs gives links percent-encoded.
        assert_eq!(
            link.and_then(|l| percent_decode(&l.href)),
            Some(e.id.clone())
        );
        // Arabic text survives: the entry's title is the page's heading.
        assert_eq!(
            e.title.as_ref().map(|t| t.content.clone()),
            page.text_of("h1"),
            "{}",
            e.id
        );
        let published = e.published.expect("published");
        let page_published =
            chrono::DateTime::parse_from_rfc3339(meta(page, "article:published_time").unwrap())
                .unwrap();
        assert_eq!(published, page_published, "{}", e.id);
        let updated = e.updated.expect("updated");
        assert!(updated >= published);
        if let Some(p) = previous {
            assert!(published <= p, "entries are newest first");
        }
        previous = Some(published);
        newest = newest.max(Some(updated));
        // The full body in the article's direction (rtl, or ltr for the
        // English one), and the summary.
        let content = e
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .unwrap_or("");
        let dir = format!("<div dir=\"{}\"", page.html_attr("dir").unwrap());
        assert!(content.starts_with(&dir), "{}: {content:.200}", e.id);
        assert_eq!(
            xml_langs.get(&e.id).map(String::as_str),
            page.html_attr("lang"),
            "{}: xml:lang",
            e.id
        );
        let body = page
            .elements(|t| t.attr("class") == Some("body"))
            .pop()
            .map(|(_, text)| text)
            .unwrap_or_default();
        let first_words: Vec<&str> = body.split_whitespace().take(4).collect();
        assert!(first_words.len() == 4, "{}: no body on the page", e.id);
        assert!(
            content.contains(&first_words.join(" ")),
            "{}: the body is missing from the entry: {first_words:?}",
            e.id
        );
        assert!(e.summary.is_some(), "{}: no summary", e.id);
        let countries: Vec<&str> = e
            .categories
            .iter()
            .filter(|c| c.scheme.as_deref() == Some(format!("{BASE}countries/").as_str()))
            .map(|c| c.term.as_str())
            .collect();
        let tags = metas(page, "article:tag");
        for c in &countries {
            assert!(
                tags.contains(c),
                "{}: category {c} is not a tag of the page",
                e.id
            );
        }
    }
    // Deterministic: the feed is as new as its newest entry, not the build.
    assert_eq!(f.updated, newest);
}

#[test]
fn term_feeds_exist_where_configured_and_term_pages_link_them() {
    let site = SiteTest::demo();
    site.build().success();
    let home = site.page("index.html");
    assert_eq!(feed_links(&home), ["./atom.xml"]);
    let mut checked = 0;
    for file in site.html_files() {
        let parts: Vec<&str> = file.split('/').collect();
        if parts.len() != 3 || parts[2] != "index.html" {
            continue;
        }
        let page = site.page(&file);
        let links: Vec<String> = feed_links(&page)
            .iter()
            .map(|h| resolve(&file, h))
            .collect();
        let own = format!("{}/{}/atom.xml", parts[0], parts[1]);
        match parts[0] {
            "countries" | "actors" => {
                assert!(
                    links.contains(&own),
                    "{file} does not link {own}: {links:?}"
                );
                let f = feed(&site, &own);
                assert_eq!(f.id, format!("{BASE}{own}"));
                let name = page.text_of("h1").unwrap();
                assert!(!f.entries.is_empty());
                for e in &f.entries {
                    assert!(
                        e.content.is_none() && e.summary.is_some(),
                        "{own}: term feeds carry summaries by default: {}",
                        e.id
                    );
                    assert!(
                        e.categories.iter().any(|c| c.term == name),
                        "{own}: an entry without the term {name}: {}",
                        e.id
                    );
                }
                let alternate = f
                    .links
                    .iter()
                    .find(|l| l.rel.as_deref() == Some("alternate"));
                assert_eq!(
                    alternate.and_then(|l| percent_decode(&l.href)),
                    Some(canonical(&page)),
                    "{own}: the alternate link is the term page"
                );
                checked += 1;
            }
            "category" | "author" => {
                assert!(!site.has(&own), "{own}: the taxonomy has no feed = true");
                assert!(!links.contains(&own));
            }
            _ => {}
        }
    }
    assert!(checked > 10, "only {checked} term feeds checked");
}

#[test]
fn feed_limit_summary_content_and_escaping() {
    let site = SiteTest::seed();
    let toml = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write_file(
        "site.toml",
        &toml.replace(
            "paginate = 20\n",
            "paginate = 20\n\n[feeds]\nlimit = 2\ncontent = \"summary\"\nterm_content = \"full\"\n",
        ),
    );
    for (name, day, title) in [
        ("a", "01", r#""<b>عنوان</b> & \"اقتباس\" ']]>""#),
        ("b", "02", "خبر ثانٍ"),
    ] {
        site.write_file(
            &format!("content/2020/11/{name}.md"),
            &format!(
                "---\ntitle: {title}\ndate: 2020-11-{day}T10:00:00+03:00\ncountries: [سوريا]\n---\nنص الخبر الأول.\n"
            ),
        );
    }
    site.build().success();
    let f = feed(&site, "atom.xml");
    assert_eq!(f.entries.len(), 2, "[feeds] limit = 2");
    assert_eq!(
        f.entries[1].title.as_ref().unwrap().content,
        "<b>عنوان</b> & \"اقتباس\" ']]>"
    );
    for e in &f.entries {
        assert!(e.content.is_none(), "content = \"summary\": {}", e.id);
        assert_eq!(e.summary.as_ref().unwrap().content, "نص الخبر الأول.");
    }
    // The term feed has the same limit: سوريا is in all three articles.
    // and follows `term_content = "full"`.
    let syria = feed(&site, "countries/سوريا/atom.xml");
    assert_eq!(syria.entries.len(), 2);
    for e in &syria.entries {
        let body = e.content.as_ref().and_then(|c| c.body.as_deref());
        assert!(
            body.is_some_and(|b| b.contains("نص الخبر الأول.")),
            "term_content = \"full\": {}: {body:?}",
            e.id
        );
    }
}

/// The URLs and lastmods of a sitemap (`urlset`), in order.
fn urlset(xml: &str) -> Vec<(String, Option<String>)> {
    let doc = roxmltree::Document::parse(xml).expect("a sitemap is XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "urlset");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    root.children()
        .filter(|n| n.has_tag_name("url"))
        .map(|url| {
            let child = |name: &str| {
                url.children()
                    .find(|c| c.has_tag_name(name))
                    .and_then(|c| c.text())
                    .map(str::to_string)
            };
            (child("loc").expect("<loc>"), child("lastmod"))
        })
        .collect()
}

/// The page file a sitemap URL stands for.
fn url_file(url: &str) -> String {
    let path = url
        .strip_prefix(BASE)
        .unwrap_or_else(|| panic!("{url} is not under {BASE}"));
    assert!(path.is_ascii(), "{url} is not percent-encoded");
    let path = percent_decode(path).expect("decodable");
    format!("{path}index.html")
}

#[test]
fn the_sitemap_lists_every_page_once_with_its_last_change() {
    let site = SiteTest::demo();
    site.build().success();
    let urls = urlset(&site.read("sitemap.xml"));
    let listed: Vec<String> = urls.iter().map(|(u, _)| url_file(u)).collect();
    let unique: BTreeSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "a URL is listed twice");
    // Every page but 404.html and the redirects at old addresses.
    let redirect = |f: &String| {
        site.page(f)
            .tags()
            .any(|t| t.name == "meta" && t.attr("http-equiv") == Some("refresh"))
    };
    let pages: BTreeSet<String> = site
        .html_files()
        .into_iter()
        // The search page has nothing of its own to index.
        .filter(|f| f != "404.html" && f != "search/index.html" && !redirect(f))
        .collect();
    assert!(
        site.has("news/2020/10/27/12345.html"),
        "the demo's alias page is not there to be left out"
    );
    let listed: BTreeSet<String> = listed.into_iter().collect();
    assert_eq!(
        pages.difference(&listed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "pages missing from the sitemap"
    );
    assert_eq!(
        listed.difference(&pages).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "sitemap URLs with no page"
    );
    // An article's lastmod is its modified time; the home page's the newest.
    let mut newest = String::new();
    for (url, lastmod) in &urls {
        let file = url_file(url);
        if article_files(&site).contains(&file) {
            let page = site.page(&file);
            assert_eq!(
                lastmod.as_deref(),
                meta(&page, "article:modified_time"),
                "{url}"
            );
            assert_eq!(canonical(&page), percent_decode(url).unwrap());
            let t = chrono::DateTime::parse_from_rfc3339(lastmod.as_deref().unwrap()).unwrap();
            if newest.is_empty() || t > chrono::DateTime::parse_from_rfc3339(&newest).unwrap() {
                newest = lastmod.clone().unwrap();
            }
        }
    }
    let home = urls.iter().find(|(u, _)| u == BASE).expect("the home page");
    assert_eq!(home.1.as_deref(), Some(newest.as_str()));
    // An Arabic slug is percent-encoded (and decodes to its folder above).
    assert!(
        urls.iter().any(|(u, _)| u.contains("/%D8%")),
        "no encoded Arabic URL"
    );

    assert_eq!(
        site.read("robots.txt"),
        format!("User-agent: *\nDisallow:\n\nSitemap: {BASE}sitemap.xml\n")
    );
}

#[test]
fn a_sitemap_past_the_limit_is_split_under_an_index() {
    let whole = SiteTest::demo();
    whole.build().success();
    let all: Vec<String> = urlset(&whole.read("sitemap.xml"))
        .into_iter()
        .map(|(u, _)| u)
        .collect();

    // The demo site with a limit of 7 URLs per file.
    let split = SiteTest::empty();
    crate::support::copy_dir(
        &crate::support::repo_root().join("content"),
        &split.root().join("content"),
    );
    let toml = std::fs::read_to_string(crate::support::repo_root().join("site.toml")).unwrap();
    split.write_file(
        "site.toml",
        &format!("{toml}\n[sitemap]\nurls_per_file = 7\n"),
    );
    split.build().success();

    let index = split.read("sitemap.xml");
    let doc = roxmltree::Document::parse(&index).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "sitemapindex");
    let parts: Vec<String> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("sitemap"))
        .map(|s| {
            s.children()
                .find(|c| c.has_tag_name("loc"))
                .and_then(|c| c.text())
                .unwrap()
                .to_string()
        })
        .collect();
    // The articles' URLs (oldest first) in parts of 7, then the others'.
    let is_article = |url: &str| is_article_file(&url_file(url));
    let articles = all.iter().take_while(|u| is_article(u)).count();
    assert!(
        articles > 7,
        "the demo site has enough articles for two parts"
    );
    assert!(all[articles..].iter().all(|u| !is_article(u)));
    assert_eq!(
        parts.len(),
        articles.div_ceil(7) + (all.len() - articles).div_ceil(7)
    );
    let mut joined = Vec::new();
    let mut files = Vec::new();
    for (n, loc) in parts.iter().enumerate() {
        let name = format!("sitemap-{}.xml", n + 1);
        assert_eq!(*loc, format!("{BASE}{name}"));
        let urls = urlset(&split.read(&name));
        assert!(urls.len() <= 7 && !urls.is_empty());
        let kinds: Vec<bool> = urls.iter().map(|(u, _)| is_article(u)).collect();
        assert!(
            kinds.iter().all(|&k| k == kinds[0]),
            "{name} mixes articles and other pages"
        );
        joined.extend(urls.into_iter().map(|(u, _)| u));
        files.push(split.read(&name));
    }
    assert_eq!(joined, all, "the parts together are the whole sitemap");
    assert!(!split.has(&format!("sitemap-{}.xml", parts.len() + 1)));

    // A story added: the incremental build, which makes only the files
    // whose URLs or dates changed, writes what a full build writes.
    split.write_file(
        "content/zz-new-story.md",
        "---\ntitle: خبر جديد\ndate: 2025-01-01T09:00:00+03:00\ncountries: [سوريا]\n---\nنص الخبر.\n",
    );
    let sitemap = |site: &SiteTest| -> Vec<(String, String)> {
        std::iter::once("sitemap.xml".to_string())
            .chain((1..=parts.len() + 1).map(|n| format!("sitemap-{n}.xml")))
            .filter(|f| site.has(f))
            .map(|f| (f.clone(), site.read(&f)))
            .collect()
    };
    split.build().success();
    let incremental = sitemap(&split);
    assert!(incremental
        .iter()
        .any(|(_, xml)| xml.contains("zz-new-story")));
    // The articles' parts before the last are as they were.
    for (n, before) in files.iter().enumerate().take(articles.div_ceil(7) - 1) {
        assert_eq!(&split.read(&format!("sitemap-{}.xml", n + 1)), before);
    }
    split.build_with(&["--full"]).success();
    assert_eq!(incremental, sitemap(&split));
}

#[test]
fn the_sitemap_limit_is_the_protocols() {
    let site = SiteTest::seed();
    let toml = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write_file(
        "site.toml",
        &format!("{toml}\n[sitemap]\nurls_per_file = 50001\n"),
    );
    site.build().exit(2).stderr_has("urls_per_file");
}

/// Makes the theme's feed render each entry itself, as an `atom.xml` written
/// before `atom-entry.xml` does: the entry template's markup in its loop.
fn inline_entries(site: &SiteTest) {
    let templates = site.root().join("themes/default/templates");
    let entry = fs::read_to_string(templates.join("atom-entry.xml")).unwrap();
    let (_, markup) = entry.split_once("-#}").unwrap();
    let (markup, _) = markup.rsplit_once("{#-").unwrap();
    let atom = fs::read_to_string(templates.join("atom.xml")).unwrap();
    assert_eq!(atom.matches("{{ e.xml | safe }}").count(), 1);
    fs::write(
        templates.join("atom.xml"),
        atom.replace("{{ e.xml | safe }}", markup.trim_end()),
    )
    .unwrap();
    fs::remove_file(templates.join("atom-entry.xml")).unwrap();
}

#[test]
fn entries_made_once_read_as_rendered_in_each_feed() {
    for terms_full in [false, true] {
        let sites = [SiteTest::demo_copy(), SiteTest::demo_copy()];
        for site in &sites {
            if terms_full {
                let toml = fs::read_to_string(site.root().join("site.toml")).unwrap();
                let toml = format!("{toml}\n[feeds]\nterm_content = \"full\"\n");
                fs::write(site.root().join("site.toml"), toml).unwrap();
            }
        }
        inline_entries(&sites[1]);
        for site in &sites {
            site.build().success();
        }
        let (made_once, own) = (snapshot(sites[0].output()), snapshot(sites[1].output()));
        assert_same_tree(
            &own,
            &made_once,
            &format!(
                "term feeds full: {terms_full}; feeds rendering their own entries, then made once"
            ),
        );
        let country = feed(&sites[0], "countries/syria/atom.xml");
        assert!(country.entries.len() >= 2, "{:?}", country.entries.len());
        assert_eq!(
            country.entries.iter().all(|e| e.content.is_some()),
            terms_full,
            "term feeds full: {terms_full}"
        );
        let xml = fs::read_to_string(sites[0].out_path("atom.xml")).unwrap();
        assert!(!xml.contains('\u{E010}'), "a feed kept an entry's mark");
    }
}

#[test]
fn a_feed_that_reads_an_entrys_field_gets_every_field() {
    // The default feed prints only `e.xml` and gets its entries as that
    // alone; one that reads a field too gets them all.
    let site = SiteTest::demo_copy();
    site.replace_in(
        "themes/default/templates/atom.xml",
        "{{ e.xml | safe }}",
        "{{ e.xml | safe }}<!-- {{ e.id }} -->",
    );
    site.build().success();
    let xml = fs::read_to_string(site.out_path("atom.xml")).unwrap();
    let parsed = feed(&site, "atom.xml");
    assert!(!parsed.entries.is_empty());
    for entry in &parsed.entries {
        assert!(xml.contains(&format!("<!-- {} -->", entry.id)), "{xml}");
    }
}

#[test]
fn a_broken_entry_template_names_itself_and_the_article() {
    let site = SiteTest::demo_copy();
    site.replace_in(
        "themes/default/templates/atom-entry.xml",
        "<id>",
        "{{ e.no_such_field }}<id>",
    );
    site.build()
        .exit(1)
        .stderr_has("themes/default/templates/atom-entry.xml")
        .stderr_has("no_such_field")
        .stderr_has("while rendering the feed entry of content/");
}

#[test]
fn a_broken_feed_template_is_named_from_the_site_root() {
    // As page, teaser and entry templates are: the message names the file
    // a writer opens, not where the site happens to lie on this machine.
    let site = SiteTest::demo_copy();
    site.replace_in(
        "themes/default/templates/atom.xml",
        "<id>",
        "{{ feed.no_such_field }}<id>",
    );
    let result = site.build();
    result
        .exit(1)
        .stderr_has("no_such_field")
        .stderr_has("while rendering ");
    let lines = result.error_lines();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("themes/default/templates/atom.xml")),
        "{}",
        result.stderr
    );
    let root = site.root().to_string_lossy().into_owned();
    assert!(!result.stderr.contains(&root), "{}", result.stderr);
}
