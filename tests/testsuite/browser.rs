//! A reader's browser: the `--offline` build opened from disk in headless Chromium.
//!
//! `tests/browser/navigate.mjs` (Node + playwright-core, driving Debian's
//! Chromium) opens `index.html` from `file://`, clicks through to an article
//! and on to a country page, and reports what the rendered DOM says. These
//! tests assert on that report: each page is right-to-left by attribute and
//! by computed style, each click lands on a `file://…/index.html` that
//! exists in the output (a folder would show a directory listing, not the
//! page), the heading is what the link promised, and nothing was requested
//! from another host.

use std::path::Path;

use serde_json::Value;

use crate::support::{node_report, percent_decode, require_tools, step, SiteTest, Tool};

/// Runs navigate.mjs on `out` (plus extra pages to describe); its JSON report.
fn navigate(out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![out.as_os_str()];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    node_report("navigate.mjs", &args)
}

/// Asserts that a step shows an existing page of `out`, right-to-left, and
/// returns that page's path relative to `out`.
#[track_caller]
fn assert_page(out: &Path, s: &Value, dir: &str) -> String {
    let url = s["url"].as_str().unwrap();
    let path = url
        .strip_prefix("file://")
        .unwrap_or_else(|| panic!("{}: not a file:// URL: {url}", s["step"]));
    assert!(
        path.ends_with("/index.html"),
        "{}: landed on {url}, not an index.html",
        s["step"]
    );
    let path = percent_decode(path).expect("a decodable URL");
    let file = Path::new(&path)
        .canonicalize()
        .unwrap_or_else(|e| panic!("{}: {path}: {e}", s["step"]));
    assert!(file.is_file(), "{}: {path} is not a file", s["step"]);
    let out = out.canonicalize().unwrap();
    let rel = file.strip_prefix(&out).unwrap_or_else(|_| {
        panic!(
            "{}: {path} is outside the output {}",
            s["step"],
            out.display()
        )
    });
    assert_eq!(s["dir"], dir, "{}: document.documentElement.dir", s["step"]);
    assert_eq!(
        s["bodyDirection"], dir,
        "{}: getComputedStyle(document.body).direction",
        s["step"]
    );
    rel.to_string_lossy().into_owned()
}

/// Asserts the click-through of a report: home → article → country.
#[track_caller]
fn assert_click_through(out: &Path, report: &Value) {
    assert_eq!(
        report["externalRequests"],
        Value::Array(vec![]),
        "requests to other hosts"
    );
    assert_eq!(
        report["failedRequests"],
        Value::Array(vec![]),
        "failed requests"
    );
    assert_eq!(report["pageErrors"], Value::Array(vec![]), "script errors");

    let home = step(report, "home");
    assert_eq!(assert_page(out, home, "rtl"), "index.html");
    assert_eq!(home["lang"], "ar");

    let article = step(report, "article");
    let rel = assert_page(out, article, "rtl");
    let parts: Vec<&str> = rel.split('/').collect();
    assert!(
        parts.len() == 4 && parts[0].len() == 4 && parts[1].len() == 2,
        "the click from the home page landed on {rel}, not an article"
    );
    assert_eq!(
        article["h1"], article["clicked"]["text"],
        "the article's heading is the title that was clicked"
    );

    let country = step(report, "country");
    let rel = assert_page(out, country, "rtl");
    assert!(
        rel.starts_with("countries/"),
        "landed on {rel}, not a country page"
    );
    let h1 = country["h1"].as_str().unwrap_or("");
    let clicked = country["clicked"]["text"].as_str().unwrap();
    assert!(
        !clicked.is_empty() && h1.contains(clicked),
        "country page heading {h1:?} for link {clicked:?}"
    );
}

#[test]
fn offline_demo_site_in_chromium() {
    if !require_tools(
        "browser::offline_demo_site_in_chromium",
        &[Tool::Node, Tool::Playwright, Tool::Chromium],
    ) {
        return;
    }
    let site = SiteTest::demo();
    site.build_with(&["--offline"]).success();
    // The English article, to see the direction switch in the rendered DOM.
    let english = site
        .html_files()
        .into_iter()
        .find(|f| f.split('/').count() == 4 && site.page(f).html_attr("lang") == Some("en"))
        .expect("the demo site has an English article");
    // Readable on a phone: no page kind makes a reader scroll sideways,
    // not even the article with a table.
    let table = site
        .html_files()
        .into_iter()
        .find(|f| f.split('/').count() == 4 && site.read(f).contains("<table"))
        .expect("the demo site has an article with a table");
    let phone: Vec<String> = [
        "index.html",
        "page/1/index.html",
        "countries/index.html",
        "countries/syria/index.html",
        "archive/index.html",
        table.as_str(),
    ]
    .iter()
    .map(|p| format!("phone:{p}"))
    .collect();
    let mut extra: Vec<&str> = vec![&english];
    extra.extend(phone.iter().map(String::as_str));
    let report = navigate(site.output(), &extra);
    assert_click_through(site.output(), &report);
    let en = step(&report, &english);
    assert_page(site.output(), en, "ltr");
    assert_eq!(en["lang"], "en");
    for p in &phone {
        let s = step(&report, p);
        assert_eq!(
            s["viewportWidth"], 360,
            "{p}: not opened on a phone-sized screen"
        );
        assert_eq!(
            s["overflowX"], false,
            "{p}: wider than a 360 px phone screen"
        );
    }
    for s in report["steps"].as_array().unwrap() {
        assert_eq!(
            s["overflowX"], false,
            "{}: wider than the screen",
            s["step"]
        );
    }
}

#[test]
fn offline_seed_site_in_chromium() {
    // Arabic folder names (countries/روسيا/) from file://, percent-encoded by the browser.
    if !require_tools(
        "browser::offline_seed_site_in_chromium",
        &[Tool::Node, Tool::Playwright, Tool::Chromium],
    ) {
        return;
    }
    let site = SiteTest::seed();
    site.build_with(&["--offline"]).success();
    let report = navigate(site.output(), &[]);
    assert_click_through(site.output(), &report);
    assert_eq!(
        step(&report, "article")["h1"],
        "موقع عربي يكشف عن جهود روسية لتنسيق تعاون أمني بين فرنسا ونظام الأسد"
    );
    assert_eq!(step(&report, "country")["h1"], "روسيا");
}

#[test]
fn an_alias_page_opened_from_disk_lands_on_the_article() {
    // An archive migrated from another system: the old address still works,
    // offline too (the meta refresh follows a relative link).
    if !require_tools(
        "browser::an_alias_page_opened_from_disk_lands_on_the_article",
        &[Tool::Node, Tool::Playwright, Tool::Chromium],
    ) {
        return;
    }
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/12/moved.md",
        "---\ntitle: خبر انتقل من النظام القديم\ndate: 2020-12-02\ncountries: [سوريا]\naliases: [/old/news/1234.html, /أخبار/قديم/]\n---\nنص.\n",
    );
    site.build_with(&["--offline"]).success();
    let old = [
        "redirect:old/news/1234.html",
        "redirect:أخبار/قديم/index.html",
    ];
    let report = navigate(site.output(), &old);
    assert_click_through(site.output(), &report);
    for name in old {
        let s = step(&report, name);
        assert_eq!(
            assert_page(site.output(), s, "rtl"),
            "2020/12/moved/index.html",
            "{name} did not land on the article"
        );
        assert_eq!(s["h1"], "خبر انتقل من النظام القديم");
    }
}
