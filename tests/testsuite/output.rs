//! The output folder: deterministic, incremental, and exact about what exists.
//!
//! Two builds of the same input are byte-identical (whatever the thread
//! scheduling); a rebuild with nothing changed rewrites no file (same inode,
//! same mtime), so rsync and caches see nothing new; an article deleted from
//! `content/` disappears from the output; `--offline` writes every folder
//! link as `…/index.html`.

use std::fs;
use std::time::{Duration, SystemTime};

use crate::links::{check, Mode};
use crate::support::{assert_same_tree, file_ids, files_under, snapshot, Page, SiteTest};

/// Adds three articles to the seed fixture, in three months.
fn seed_plus_three() -> SiteTest {
    let site = SiteTest::seed();
    for (path, title, date, countries) in [
        ("2019/03/early.md", "خبر قديم", "2019-03-01", "[سوريا]"),
        (
            "2020/11/conference.md",
            "مؤتمر اللاجئين",
            "2020-11-11",
            "[سوريا, روسيا]",
        ),
        (
            "2021/06/only-jordan.md",
            "خبر عن الأردن وحده",
            "2021-06-06",
            "[الأردن]",
        ),
    ] {
        site.write_file(
            &format!("content/{path}"),
            &format!(
                "---\ntitle: {title}\ndate: {date}\ncountries: {countries}\n---\nنص {title}.\n"
            ),
        );
    }
    site
}

#[test]
fn two_builds_are_byte_identical() {
    let mut site = SiteTest::demo();
    site.build().success();
    let first = snapshot(site.output());
    site.set_output("public-2");
    site.build().success();
    assert!(
        first.len() > 50,
        "the demo build wrote only {} entries",
        first.len()
    );
    assert_same_tree(
        &first,
        &snapshot(site.output()),
        "two builds of the demo site",
    );
}

#[test]
fn two_offline_builds_are_byte_identical() {
    let mut site = seed_plus_three();
    site.build_with(&["--offline"]).success();
    let first = snapshot(site.output());
    site.set_output("public-2");
    site.build_with(&["--offline", "--jobs", "1"]).success();
    assert_same_tree(&first, &snapshot(site.output()), "two --offline builds");
}

#[test]
fn a_noop_rebuild_rewrites_nothing() {
    let site = seed_plus_three();
    site.build().success();
    // Age every file, so that a rewrite could not keep the mtime by chance.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for rel in files_under(site.output()) {
        fs::File::options()
            .write(true)
            .open(site.out_path(&rel))
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let before = file_ids(site.output());
    let bytes = snapshot(site.output());
    site.build().success();
    assert_same_tree(&bytes, &snapshot(site.output()), "no-op rebuild");
    let after = file_ids(site.output());
    let changed: Vec<&String> = before
        .iter()
        .filter(|(rel, id)| after.get(*rel) != Some(*id))
        .map(|(rel, _)| rel)
        .collect();
    assert!(changed.is_empty(), "a no-op rebuild rewrote {changed:?}");
}

#[test]
fn editing_one_article_leaves_unrelated_pages_alone() {
    let site = seed_plus_three();
    site.build().success();
    let before = file_ids(site.output());
    let old_text = site.read("2021/06/only-jordan/index.html");
    site.write_file(
        "content/2021/06/only-jordan.md",
        "---\ntitle: خبر عن الأردن وحده\ndate: 2021-06-06\ncountries: [الأردن]\n---\nنص جديد بعد التصحيح.\n",
    );
    site.build().success();
    let after = file_ids(site.output());
    assert_ne!(site.read("2021/06/only-jordan/index.html"), old_text);
    assert!(site
        .read("2021/06/only-jordan/index.html")
        .contains("نص جديد بعد التصحيح."));
    // The oldest article is no neighbour of the edited one and shows nothing of it.
    for rel in ["2019/03/early/index.html", "style.css"] {
        assert_eq!(before.get(rel), after.get(rel), "{rel} was rewritten");
    }
}

#[test]
fn a_deleted_article_disappears() {
    let site = seed_plus_three();
    site.build().success();
    assert!(site.has("2021/06/only-jordan/index.html"));
    assert!(site.has("countries/الاردن/index.html") || site.has("countries/الأردن/index.html"));
    let conference = "2020/11/conference/index.html";
    assert!(site.has(conference));

    site.remove_file("content/2021/06/only-jordan.md");
    site.remove_file("content/2020/11/conference.md");
    site.build().success();

    let files = files_under(site.output());
    for gone in [
        "2021/06/",
        "2021/index.html",
        "2020/11/",
        "countries/الاردن/",
        "countries/الأردن/",
    ] {
        assert!(
            !files.iter().any(|f| f.starts_with(gone)),
            "{gone} should be gone: {files:?}"
        );
    }
    // No page links to them any more.
    for file in site.html_files() {
        let page = Page::parse(&file, &site.read(&file));
        for (target, _) in page.resolved_anchors() {
            assert!(
                !target.starts_with("2021/") && target != conference,
                "{file} still links to {target}"
            );
        }
    }
    check(site.output(), Mode::Normal).assert_clean("after deleting articles");
}

#[test]
fn offline_links_end_in_index_html() {
    let site = seed_plus_three();
    site.build_with(&["--offline"]).success();
    let report = check(site.output(), Mode::Offline);
    report.assert_clean("--offline build");
    let article = site.page("2020/10/russia-france-security/index.html");
    let hrefs: Vec<String> = article.anchors().into_iter().map(|(h, _)| h).collect();
    assert!(
        hrefs
            .iter()
            .any(|h| h == "../../../countries/سوريا/index.html"),
        "{hrefs:?}"
    );
    let home_links: Vec<&String> = hrefs
        .iter()
        .filter(|h| {
            h.trim_end_matches("index.html")
                .trim_end_matches('/')
                .trim_matches(['.', '/'])
                .is_empty()
        })
        .collect();
    assert!(!home_links.is_empty(), "no link back to the home page");
    for h in home_links {
        assert!(h.ends_with("/index.html"), "home link {h} in --offline");
    }
    // Without --offline, folder links stay short.
    site.build().success();
    let article = site.page("2020/10/russia-france-security/index.html");
    assert!(article
        .anchors()
        .iter()
        .any(|(h, _)| h == "../../../countries/سوريا/"));
}

#[test]
fn offline_and_normal_builds_share_an_output_folder() {
    // Switching modes rewrites what differs and leaves nothing stale behind.
    let site = seed_plus_three();
    site.build().success();
    let normal = snapshot(site.output());
    site.build_with(&["--offline"]).success();
    check(site.output(), Mode::Offline).assert_clean("--offline over a normal build");
    site.build().success();
    assert_same_tree(
        &normal,
        &snapshot(site.output()),
        "normal, offline, normal again",
    );
}

/// Writes the `n`-th article of a one-country, one-year site.
fn numbered_article(site: &SiteTest, n: u32) {
    site.write_file(
        &format!("content/2021/01/story-{n:02}.md"),
        &format!(
            "---\ntitle: الخبر رقم {n}\ndate: 2021-01-{n:02}T10:00:00+03:00\ncountries: [سوريا]\n---\nنص الخبر {n}.\n"
        ),
    );
}

/// The numbered pages (`…/page/<n>/index.html`) of the lists under `lists`,
/// with their file identities.
fn numbered_pages(site: &SiteTest, lists: &[&str]) -> Vec<(String, usize, crate::support::FileId)> {
    let ids = file_ids(site.output());
    let mut out = Vec::new();
    for (path, id) in ids {
        for list in lists {
            let Some(rest) = path.strip_prefix(&format!("{list}page/")) else {
                continue;
            };
            if let Some(n) = rest
                .strip_suffix("/index.html")
                .and_then(|n| n.parse().ok())
            {
                out.push((path.clone(), n, id));
                break;
            }
        }
    }
    out
}

#[test]
fn a_new_story_rewrites_a_handful_of_pages() {
    // SPEC §4: once a page is full it never changes. 2 articles a page and a
    // pager radius of 2: the home, the term and the year lists each have 6
    // full pages with 13 articles.
    let site =
        SiteTest::with_config("title = \"ثبات الصفحات\"\npaginate = 2\ntimezone = \"+03:00\"\n");
    for n in 1..=13 {
        numbered_article(&site, n);
    }
    site.build().success();
    let lists = ["", "countries/سوريا/", "2021/"];
    let before = numbered_pages(&site, &lists);
    assert_eq!(before.len(), 3 * 6, "pages: {before:?}");

    // A 14th story fills a 7th page: only the two pages whose pager reaches
    // it (5 and 6) change; pages 1–4 keep their inode and mtime.
    numbered_article(&site, 14);
    site.build().success();
    let after = numbered_pages(&site, &lists);
    assert_eq!(after.len(), 3 * 7);
    for (path, n, id) in &before {
        let now = after
            .iter()
            .find(|(p, _, _)| p == path)
            .map(|(_, _, id)| id);
        if *n <= 4 {
            assert_eq!(now, Some(id), "{path} was rewritten by a new story");
        }
    }

    // A 15th story fills no page: no numbered page changes at all.
    numbered_article(&site, 15);
    site.build().success();
    let last = numbered_pages(&site, &lists);
    for (path, _, id) in &after {
        let now = last.iter().find(|(p, _, _)| p == path).map(|(_, _, id)| id);
        assert_eq!(now, Some(id), "{path} was rewritten though no page filled");
    }
}
