//! `arshif new`: one new article with complete front matter, dated now in
//! the site's timezone, at `content/YYYY/MM/<slug>.md`; never overwrites.

use std::fs;

use crate::support::SiteTest;

/// The path `new` printed, relative to the site root.
fn written(site: &SiteTest, stdout: &str) -> String {
    let printed = stdout.trim();
    let root = site.root().to_string_lossy().into_owned();
    printed
        .strip_prefix(&root)
        .unwrap_or_else(|| panic!("{printed} is not inside the site"))
        .trim_start_matches('/')
        .to_string()
}

#[test]
fn new_writes_an_article_that_builds() {
    let site = SiteTest::seed();
    let r = site.run(
        "new",
        &[
            "--title",
            "موقع عربي: جهود روسية لتنسيق تعاون أمني",
            "--countries",
            "روسيا، فرنسا,سوريا",
            "--actors",
            "نظام الأسد",
        ],
    );
    r.success();
    let rel = written(&site, &r.stdout);
    // content/YYYY/MM/<slug>.md, with the slug made from the Arabic title.
    let parts: Vec<&str> = rel.split('/').collect();
    assert_eq!(parts.len(), 4, "{rel}");
    assert_eq!(parts[0], "content");
    assert!(
        parts[1].len() == 4 && parts[1].parse::<u32>().is_ok(),
        "{rel}"
    );
    assert!(
        parts[2].len() == 2 && parts[2].parse::<u32>().is_ok(),
        "{rel}"
    );
    assert_eq!(parts[3], "موقع-عربي-جهود-روسية-لتنسيق-تعاون-أمني.md");

    let text = fs::read_to_string(site.root().join(&rel)).unwrap();
    assert!(text.starts_with("---\n"), "{text}");
    assert!(
        text.contains("title: \"موقع عربي: جهود روسية لتنسيق تعاون أمني\"\n"),
        "a title with `: ` is quoted:\n{text}"
    );
    // Dated in the site's timezone (+03:00), in the month of its folder.
    let date = text
        .lines()
        .find_map(|l| l.strip_prefix("date: "))
        .expect("a date line");
    assert!(date.ends_with("+03:00"), "{date}");
    assert!(
        date.starts_with(&format!("{}-{}-", parts[1], parts[2])),
        "{date} vs {rel}"
    );
    assert!(
        text.contains("countries: [روسيا, فرنسا, سوريا]\n"),
        "{text}"
    );
    assert!(text.contains("actors: [نظام الأسد]\n"), "{text}");

    site.build().success();
    let slug = parts[3].trim_end_matches(".md");
    let page = site.page(&format!("{}/{}/{slug}/index.html", parts[1], parts[2]));
    assert_eq!(
        page.text_of("h1").as_deref(),
        Some("موقع عربي: جهود روسية لتنسيق تعاون أمني")
    );
}

#[test]
fn new_never_overwrites() {
    let site = SiteTest::seed();
    let first = site.run("new", &["--title", "خبر عاجل", "--slug", "breaking"]);
    first.success();
    let rel = written(&site, &first.stdout);
    assert!(rel.ends_with("/breaking.md"), "{rel}");
    let path = site.root().join(&rel);
    fs::write(
        &path,
        "---\ntitle: كتبه المحرر\ndate: 2020-10-27\n---\nنص المحرر.\n",
    )
    .unwrap();

    let again = site.run("new", &["--title", "خبر آخر", "--slug", "breaking"]);
    again.exit(1);
    again.stderr_has(&format!("{rel}: error: this file already exists"));
    again.stderr_has("no article was written");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "---\ntitle: كتبه المحرر\ndate: 2020-10-27\n---\nنص المحرر.\n",
        "the editor's file is untouched"
    );
}

#[test]
fn new_refuses_a_bad_slug_and_an_unknown_taxonomy() {
    let site = SiteTest::seed();
    let r = site.run("new", &["--title", "خبر", "--slug", "../escape"]);
    r.exit(2);
    r.stderr_has("--slug: error: the slug \"../escape\" cannot be used");
    let r = site.run("new", &["--title", "خبر", "--category", "السياسة"]);
    r.exit(2);
    r.stderr_has("site.toml has no taxonomy `category`");
    let r = site.run("new", &["--title", "«»", "--countries", "سوريا"]);
    r.exit(2);
    r.stderr_has("no letter or digit");
    assert_eq!(
        crate::support::files_under(&site.root().join("content")).len(),
        1,
        "nothing was written"
    );
}
