//! Related coverage on article pages: at most five *earlier* articles that
//! share countries or actors, and an earlier page that does not change when
//! a newer story arrives.

use std::collections::BTreeMap;

use crate::feeds::{article_files, meta, metas};
use crate::support::{Page, SiteTest};

/// The article files a page's related list links to.
fn related(page: &Page) -> Vec<String> {
    let mut inside = false;
    let mut out = Vec::new();
    for node in &page.nodes {
        match node {
            crate::support::Node::Start(t) if t.name == "aside" => {
                inside = t.attr("class") == Some("related")
            }
            crate::support::Node::End(n) if n == "aside" => inside = false,
            crate::support::Node::Start(t) if inside && t.name == "a" => {
                let href = t.attr("href").unwrap();
                out.push(
                    crate::support::resolve(&page.path, href)
                        .unwrap_or_else(|e| panic!("{}: {href}: {e:?}", page.path))
                        .file(),
                );
            }
            _ => {}
        }
    }
    out
}

#[test]
fn related_articles_are_earlier_and_share_terms() {
    let site = SiteTest::demo();
    site.build().success();
    let pages: BTreeMap<String, Page> = article_files(&site)
        .into_iter()
        .map(|f| (f.clone(), site.page(&f)))
        .collect();
    let date = |p: &Page| {
        chrono::DateTime::parse_from_rfc3339(meta(p, "article:published_time").unwrap()).unwrap()
    };
    let mut lists = 0;
    for (file, page) in &pages {
        let list = related(page);
        assert!(list.len() <= 5, "{file}: {list:?}");
        let tags = metas(page, "article:tag");
        for other in &list {
            let o = pages
                .get(other)
                .unwrap_or_else(|| panic!("{file}: related {other} is not an article"));
            assert!(other != file, "{file} lists itself");
            assert!(date(o) <= date(page), "{file}: {other} is later");
            assert!(
                metas(o, "article:tag").iter().any(|t| tags.contains(t)),
                "{file}: {other} shares no country or actor"
            );
        }
        lists += usize::from(!list.is_empty());
    }
    assert!(
        lists > 10,
        "only {lists} demo articles have related coverage"
    );
}

#[test]
fn a_newer_story_leaves_earlier_pages_byte_identical() {
    let site = SiteTest::seed();
    let story = |slug: &str, date: &str, actors: &str| {
        site.write_file(
            &format!("content/2021/01/{slug}.md"),
            &format!("---\ntitle: خبر {slug}\ndate: {date}\ncountries: [روسيا, فرنسا]\nactors: [{actors}]\n---\nنص الخبر.\n"),
        );
    };
    story("one", "2021-01-01", "علي مملوك");
    story("two", "2021-01-02", "نظام الأسد");
    story("three", "2021-01-03", "الاستخبارات الروسية");
    site.build().success();
    // The seed article and "one" are older than the story before the newest.
    let earlier = [
        "2020/10/russia-france-security/index.html",
        "2021/01/one/index.html",
        "2021/01/two/index.html",
    ];
    let before: Vec<Vec<u8>> = earlier
        .iter()
        .map(|f| std::fs::read(site.out_path(f)).unwrap())
        .collect();
    assert_eq!(
        related(&site.page("2021/01/two/index.html")),
        [
            // Three shared terms, one of them rarer, before two.
            "2020/10/russia-france-security/index.html",
            "2021/01/one/index.html"
        ]
    );

    // A newer story sharing every term with them all.
    site.write_file(
        "content/2021/02/four.md",
        "---\ntitle: خبر أحدث\ndate: 2021-02-01\ncountries: [روسيا, فرنسا, سوريا]\nactors: [علي مملوك, نظام الأسد, الاستخبارات الروسية, مكتب الأمن الوطني]\n---\nنص.\n",
    );
    site.build().success();
    let newest = related(&site.page("2021/02/four/index.html"));
    assert_eq!(newest.len(), 4, "{newest:?}");
    assert_eq!(
        newest[0], "2020/10/russia-france-security/index.html",
        "the seed shares the most terms"
    );
    for (file, old) in earlier.iter().zip(&before) {
        let now = std::fs::read(site.out_path(file)).unwrap();
        assert!(
            now == *old,
            "{file} changed when a newer story arrived:\n{}",
            String::from_utf8_lossy(&now)
        );
    }
}
