//! Link checking: every internal link and asset reference of a build resolves.
//!
//! [`check`] reads every `.html` and `.css` file of an output folder and
//! follows each relative `href`, `src`, `srcset`, `poster`, `action` and CSS
//! `url(…)` (in style sheets, `<style>` and `style=""`): it must name an
//! existing file, a folder link must have an `index.html`, and nothing may
//! climb out of the output. Internal links are never absolute paths (`/x`):
//! the output has to work under any sub-path of a host. `http(s):`,
//! `mailto:`, `tel:`, `data:` and `#fragment` links are not followed, but in
//! offline mode nothing may be *loaded* from another host (`src`, `srcset`,
//! style sheets, icons, CSS `url()`), and every folder link must be written
//! as `…/index.html`, since a browser opening files from disk shows no
//! folder's index. `404.html` is exempt from the host rule: it is served by
//! a host, for any path, so it uses absolute `base_url` links.

use std::fs;
use std::path::Path;

use crate::support::{files_under, has_scheme, resolve, Page, SiteTest, Unresolved};

/// How the output was built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// `--offline`.
    Offline,
}

/// What [`check`] found.
#[derive(Debug, Default)]
pub struct Report {
    /// HTML pages read.
    pub pages: usize,
    /// References followed to a file of the output.
    pub checked: usize,
    /// One line per problem: `file: attr="url": what is wrong`.
    pub problems: Vec<String>,
}

impl Report {
    /// Panics with every problem, if any.
    #[track_caller]
    pub fn assert_clean(&self, what: &str) {
        assert!(
            self.problems.is_empty(),
            "{what}: {} broken link(s) in {} pages:\n{}",
            self.problems.len(),
            self.pages,
            self.problems.join("\n")
        );
    }
}

/// One reference found in a file.
struct Ref {
    /// `href`, `src`, `url()`…
    attr: String,
    url: String,
    /// Whether the browser loads it with the page (vs. follows it on a click).
    loads: bool,
}

/// Checks every link of the output folder `out`.
pub fn check(out: &Path, mode: Mode) -> Report {
    let mut report = Report::default();
    for file in files_under(out) {
        let refs = if file.ends_with(".html") {
            report.pages += 1;
            let html = fs::read_to_string(out.join(&file)).unwrap();
            html_refs(&Page::parse(&file, &html))
        } else if file.ends_with(".css") {
            let css = fs::read_to_string(out.join(&file)).unwrap();
            css_urls(&css)
                .into_iter()
                .map(|url| Ref {
                    attr: "url()".into(),
                    url,
                    loads: true,
                })
                .collect()
        } else {
            continue;
        };
        for r in refs {
            check_ref(out, &file, &r, mode, &mut report);
        }
    }
    report
}

fn check_ref(out: &Path, file: &str, r: &Ref, mode: Mode, report: &mut Report) {
    let url = r.url.trim();
    let mut problem = |what: &str| {
        report
            .problems
            .push(format!("{file}: {}=\"{}\": {what}", r.attr, r.url));
    };
    let exempt_from_hosts = file == "404.html";
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("//") {
        if !exempt_from_hosts {
            problem(
                "protocol-relative link: internal links must be relative, external ones http(s)://",
            );
        }
        return;
    }
    if has_scheme(url) {
        let remote = lower.starts_with("http://") || lower.starts_with("https://");
        if remote {
            if mode == Mode::Offline && r.loads && !exempt_from_hosts {
                problem("loads a resource from another host in an --offline build");
            }
        } else if !["mailto:", "tel:", "data:"]
            .iter()
            .any(|s| lower.starts_with(s))
        {
            problem("unexpected URL scheme");
        }
        return;
    }
    if url.is_empty() && r.attr != "action" {
        problem("empty link");
        return;
    }
    match resolve(file, url) {
        Err(Unresolved::External) => {}
        Err(Unresolved::AbsolutePath) => problem(
            "absolute path: internal links must be relative (the site may live under a sub-path)",
        ),
        Err(Unresolved::Escapes) => problem("climbs above the output folder"),
        Err(Unresolved::BadEscape) => problem("malformed %-escape"),
        Ok(target) => {
            report.checked += 1;
            let path = out.join(&target.path);
            let is_dir = target.is_dir || (path.is_dir() && !target.path.is_empty());
            if is_dir {
                if mode == Mode::Offline {
                    problem("folder link in an --offline build: must end in index.html");
                }
                if !path.join("index.html").is_file() {
                    problem("folder without index.html");
                }
            } else if !path.is_file() {
                problem("no such file in the output");
            }
        }
    }
}

/// The references of an HTML page.
fn html_refs(page: &Page) -> Vec<Ref> {
    let mut refs = Vec::new();
    let mut in_style = false;
    for node in &page.nodes {
        use crate::support::Node;
        match node {
            Node::Start(tag) => {
                in_style = tag.name == "style";
                for (attr, value) in &tag.attrs {
                    match attr.as_str() {
                        "href" => {
                            let rel = tag.attr("rel").unwrap_or("").to_ascii_lowercase();
                            let loads = tag.name == "link"
                                && rel.split_whitespace().any(|r| {
                                    matches!(
                                        r,
                                        "stylesheet"
                                            | "icon"
                                            | "preload"
                                            | "modulepreload"
                                            | "manifest"
                                            | "apple-touch-icon"
                                    )
                                });
                            // <link rel=canonical|alternate> name URLs, they are not followed
                            // by a browser, but a relative one must still resolve.
                            refs.push(Ref {
                                attr: format!("<{}> href", tag.name),
                                url: value.clone(),
                                loads,
                            });
                        }
                        "src" | "poster" => refs.push(Ref {
                            attr: format!("<{}> {attr}", tag.name),
                            url: value.clone(),
                            loads: true,
                        }),
                        "srcset" => {
                            for candidate in value.split(',') {
                                if let Some(url) = candidate.split_whitespace().next() {
                                    refs.push(Ref {
                                        attr: format!("<{}> srcset", tag.name),
                                        url: url.to_string(),
                                        loads: true,
                                    });
                                }
                            }
                        }
                        "action" => refs.push(Ref {
                            attr: format!("<{}> action", tag.name),
                            url: value.clone(),
                            loads: false,
                        }),
                        "style" => refs.extend(css_urls(value).into_iter().map(|url| Ref {
                            attr: "style url()".into(),
                            url,
                            loads: true,
                        })),
                        _ => {}
                    }
                }
            }
            Node::Text(text) if in_style => {
                refs.extend(css_urls(text).into_iter().map(|url| Ref {
                    attr: "<style> url()".into(),
                    url,
                    loads: true,
                }))
            }
            Node::End(_) => in_style = false,
            _ => {}
        }
    }
    refs
}

/// The `url(…)` references of CSS text (comments removed first).
pub fn css_urls(css: &str) -> Vec<String> {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        text.push_str(&rest[..i]);
        rest = rest[i + 2..]
            .split_once("*/")
            .map_or("", |(_, after)| after);
    }
    text.push_str(rest);
    let mut urls = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("url(") {
        let start = from + i + 4;
        let Some(len) = text[start..].find(')') else {
            break;
        };
        let inner = text[start..start + len]
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        urls.push(inner.to_string());
        from = start + len;
    }
    urls
}

#[test]
fn checker_catches_broken_links() {
    // The checker itself: a hand-made output with one of each mistake.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    fs::create_dir_all(out.join("a/b")).unwrap();
    fs::create_dir_all(out.join("noindex")).unwrap();
    fs::write(out.join("a/b/index.html"), "<p>ok").unwrap();
    fs::write(
        out.join("style.css"),
        "body{background:url(\"missing.png\")}",
    )
    .unwrap();
    fs::write(
        out.join("index.html"),
        concat!(
            "<!doctype html><html><link href=style.css rel=stylesheet>",
            "<a href=a/b/>ok</a><a href=./a/b/index.html>ok</a><a href=a/%62/>ok</a>",
            "<a href=#x>skip</a><a href=mailto:x@example.org>skip</a>",
            "<a href=https://example.org/>skip</a>",
            "<a href=missing/>1</a><a href=/a/b/>2</a><a href=../up.html>3</a>",
            "<a href=noindex/>4</a><img src=https://cdn.example.org/x.png>",
            "<div style=\"background:url(gone.svg)\"></div>"
        ),
    )
    .unwrap();
    let normal = check(out, Mode::Normal);
    let offline = check(out, Mode::Offline);
    let has = |r: &Report, needle: &str| r.problems.iter().any(|p| p.contains(needle));
    assert!(has(&normal, "missing/"), "{:?}", normal.problems);
    assert!(has(&normal, "/a/b/"), "{:?}", normal.problems);
    assert!(has(&normal, "../up.html"), "{:?}", normal.problems);
    assert!(has(&normal, "noindex/"), "{:?}", normal.problems);
    assert!(has(&normal, "missing.png"), "{:?}", normal.problems);
    assert!(has(&normal, "gone.svg"), "{:?}", normal.problems);
    assert_eq!(normal.problems.len(), 6, "{:#?}", normal.problems);
    // Offline adds: the remote image, and the three folder links (a/b/, a/%62/, noindex/ is already counted).
    assert!(has(&offline, "cdn.example.org"), "{:?}", offline.problems);
    assert!(
        has(&offline, "a/b/\": folder link"),
        "{:?}",
        offline.problems
    );
    assert!(!has(&offline, "a/b/index.html"), "{:?}", offline.problems);
}

/// Builds `site` (with `args`) and checks its links.
fn build_and_check(site: &SiteTest, args: &[&str], mode: Mode, what: &str) -> Report {
    site.build_with(args).success();
    let report = check(site.output(), mode);
    report.assert_clean(what);
    report
}

#[test]
fn demo_site_links_resolve() {
    let site = SiteTest::demo();
    let r = build_and_check(&site, &[], Mode::Normal, "demo site");
    assert!(r.pages >= 50, "too few pages checked: {}", r.pages);
    assert!(r.checked >= 1000, "too few links checked: {}", r.checked);
}

#[test]
fn demo_site_links_resolve_offline() {
    let site = SiteTest::demo();
    let r = build_and_check(&site, &["--offline"], Mode::Offline, "demo site --offline");
    assert!(r.pages >= 50, "too few pages checked: {}", r.pages);
    assert!(r.checked >= 1000, "too few links checked: {}", r.checked);
}

#[test]
fn seed_fixture_links_resolve() {
    let site = SiteTest::seed();
    let r = build_and_check(&site, &[], Mode::Normal, "seed fixture");
    assert!(r.pages >= 10 && r.checked >= 100, "{r:?}");
}

#[test]
fn seed_fixture_links_resolve_offline() {
    let site = SiteTest::seed();
    let r = build_and_check(
        &site,
        &["--offline"],
        Mode::Offline,
        "seed fixture --offline",
    );
    assert!(r.pages >= 10 && r.checked >= 100, "{r:?}");
}

#[test]
fn links_work_under_a_sub_path_base_url() {
    // A publisher hosting under a sub-path changes only base_url; internal
    // links stay relative, so nothing may start with the sub-path or `/`.
    let site = SiteTest::seed();
    build_and_check(
        &site,
        &["--base-url", "https://example.org/archives/zaitun/"],
        Mode::Normal,
        "seed fixture under a sub-path",
    );
    let article = site.read("2020/10/russia-france-security/index.html");
    assert!(
        article.contains("https://example.org/archives/zaitun/2020/10/russia-france-security/"),
        "the canonical link should use --base-url"
    );
}
