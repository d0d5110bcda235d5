//! Building a site: the seed article becomes the page a reader expects.
//!
//! The seed fixture (`tests/fixtures/seed`) is a real news item of the
//! archive with its front matter; its page must carry the title, the date in
//! Arabic words, the tags linked to their term pages and the whole body, in a
//! right-to-left document. An article in another language switches the
//! document's language and direction.

use std::fs;

use crate::support::{repo_root, SiteTest};

const SEED_ARTICLE: &str = "2020/10/russia-france-security/index.html";
const SEED_TITLE: &str = "موقع عربي يكشف عن جهود روسية لتنسيق تعاون أمني بين فرنسا ونظام الأسد";

/// The body of the seed article's source: its paragraphs, as written.
fn seed_paragraphs() -> Vec<String> {
    let src = fs::read_to_string(
        repo_root().join("tests/fixtures/seed/content/2020/10/russia-france-security.md"),
    )
    .unwrap();
    let body = src.splitn(3, "---\n").nth(2).expect("front matter");
    body.split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

#[test]
fn seed_article_page() {
    let site = SiteTest::seed();
    site.build().success();
    let page = site.page(SEED_ARTICLE);

    // Title: the heading and the document title.
    assert_eq!(page.text_of("h1").as_deref(), Some(SEED_TITLE));
    let title = page.text_of("title").unwrap();
    assert!(title.contains(SEED_TITLE), "<title>: {title}");

    // Date: Levantine month name, never a bare numeric date; machine-readable in datetime.
    let times = page.elements(|t| t.name == "time");
    assert!(
        times.iter().any(|(t, text)| text == "27 تشرين الأول 2020"
            && t.attr("datetime")
                .is_some_and(|d| d.starts_with("2020-10-27"))),
        "no <time datetime=2020-10-27…>27 تشرين الأول 2020</time> in {times:?}"
    );
    assert!(
        !page.body_text().contains("2020-10-27"),
        "a bare numeric date is shown"
    );

    // Body: every paragraph of the source, unaltered, each its own <p>.
    let paragraphs: Vec<String> = page
        .elements(|t| t.name == "p")
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    for para in seed_paragraphs() {
        assert!(
            paragraphs.contains(&para),
            "body paragraph missing or altered: {para}"
        );
    }

    // Source line.
    assert!(page.body_text().contains("وكالة زيتون – متابعات"));
}

#[test]
fn seed_article_is_right_to_left() {
    let site = SiteTest::seed();
    site.build().success();
    for file in site.html_files() {
        let page = site.page(&file);
        assert_eq!(page.html_attr("lang"), Some("ar"), "{file}: <html lang>");
        assert_eq!(page.html_attr("dir"), Some("rtl"), "{file}: <html dir>");
        assert!(
            page.source.starts_with("<!doctype html>")
                || page.source.starts_with("<!DOCTYPE html>"),
            "{file}: no doctype"
        );
    }
}

#[test]
fn seed_article_tags_link_to_their_term_pages() {
    let site = SiteTest::seed();
    site.build().success();
    let page = site.page(SEED_ARTICLE);
    let anchors = page.anchors();

    // Countries: no term files in the fixture, so the slug is the Arabic name itself,
    // written raw (not percent-encoded) and relative.
    for country in ["روسيا", "فرنسا", "سوريا"] {
        let href = format!("../../../countries/{country}/");
        assert!(
            anchors
                .iter()
                .any(|(h, text)| *h == href && text == country),
            "no <a href={href}>{country}</a> in the article; links: {anchors:?}"
        );
    }
    // Actors: each links to its term page (slug: the folded name, spaces to '-').
    let actors = [
        "الاستخبارات الروسية",
        "نظام الأسد",
        "علي مملوك",
        "مكتب الأمن الوطني",
    ];
    let resolved = page.resolved_anchors();
    for actor in actors {
        let (target, _) = resolved
            .iter()
            .find(|(target, text)| text == actor && target.starts_with("actors/"))
            .unwrap_or_else(|| panic!("no link to the term page of {actor}: {resolved:?}"));
        let term = site.page(target);
        assert_eq!(
            term.text_of("h1").as_deref(),
            Some(actor),
            "{target}: heading"
        );
        assert!(
            term.resolved_anchors()
                .iter()
                .any(|(t, _)| t == SEED_ARTICLE),
            "{target} does not list the article"
        );
    }
    assert!(
        site.has("actors/علي-مملوك/index.html"),
        "expected actors/علي-مملوك/index.html: {:?}",
        site.html_files()
    );

    // Each country page exists, names the country and lists the article.
    for country in ["روسيا", "فرنسا", "سوريا"] {
        let rel = format!("countries/{country}/index.html");
        let term = site.page(&rel);
        assert_eq!(term.text_of("h1").as_deref(), Some(country));
        let listed = term.resolved_anchors();
        assert!(
            listed
                .iter()
                .any(|(t, text)| t == SEED_ARTICLE && text == SEED_TITLE),
            "{rel} does not list the article by its title: {listed:?}"
        );
    }
}

#[test]
fn seed_build_writes_the_documented_pages() {
    let site = SiteTest::seed();
    site.build().success();
    for rel in [
        "index.html",
        SEED_ARTICLE,
        "2020/index.html",
        "2020/10/index.html",
        "archive/index.html",
        "countries/index.html",
        "actors/index.html",
        "404.html",
        "style.css",
    ] {
        assert!(
            site.has(rel),
            "missing {rel}; output has {:?}",
            site.html_files()
        );
    }
    // The home page lists the article.
    let home = site.page("index.html");
    assert!(home
        .resolved_anchors()
        .iter()
        .any(|(t, text)| t == SEED_ARTICLE && text == SEED_TITLE));
}

#[test]
fn english_article_is_left_to_right() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2021/01/berlin-concert.md",
        "---\ntitle: A Night of Aleppo Music in Berlin\ndate: 2021-01-15\nlang: en\ncountries: [ألمانيا]\n---\nSyrian musicians filled a Berlin hall.\n",
    );
    site.build().success();
    let en = site.page("2021/01/berlin-concert/index.html");
    assert_eq!(en.html_attr("lang"), Some("en"));
    assert_eq!(en.html_attr("dir"), Some("ltr"));
    assert_eq!(
        en.text_of("h1").as_deref(),
        Some("A Night of Aleppo Music in Berlin")
    );
    assert!(en
        .body_text()
        .contains("Syrian musicians filled a Berlin hall."));
    // The Arabic pages around it stay Arabic and right-to-left.
    // ألمانيا folds to المانيا (hamza on alef) for its slug.
    for rel in ["index.html", SEED_ARTICLE, "countries/المانيا/index.html"] {
        let page = site.page(rel);
        assert_eq!(page.html_attr("lang"), Some("ar"), "{rel}");
        assert_eq!(page.html_attr("dir"), Some("rtl"), "{rel}");
    }
}

#[test]
fn bom_and_crlf_files_build() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/11/crlf.md",
        "\u{feff}---\r\ntitle: خبر بنهايات أسطر ويندوز\r\ndate: 2020-11-02\r\ncountries: [لبنان]\r\n---\r\nالفقرة الأولى.\r\n\r\nالفقرة الثانية.\r\n",
    );
    site.build().success();
    let page = site.page("2020/11/crlf/index.html");
    assert_eq!(
        page.text_of("h1").as_deref(),
        Some("خبر بنهايات أسطر ويندوز")
    );
    assert!(page.body_text().contains("الفقرة الثانية."));
    assert!(site.has("countries/لبنان/index.html"));
}

#[test]
fn drafts_only_with_the_flag() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/12/unfinished.md",
        "---\ntitle: مسودة\ndate: 2020-12-01\ndraft: true\ncountries: [مصر]\n---\nلم تكتمل بعد.\n",
    );
    site.build().success();
    assert!(
        !site.has("2020/12/unfinished/index.html"),
        "a draft was published"
    );
    assert!(
        !site.has("countries/مصر/index.html"),
        "a draft's term was published"
    );
    site.build_with(&["--drafts"]).success();
    assert!(site.has("2020/12/unfinished/index.html"));
}

#[test]
fn front_matter_text_is_escaped() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/12/xss.md",
        "---\ntitle: \"<script>alert(1)</script> عنوان & <b>\"\ndate: 2020-12-02\nsource: \"<img src=x onerror=alert(2)>\"\n---\nنص.\n",
    );
    site.build().success();
    for file in site.html_files() {
        let page = site.page(&file);
        // The only scripts are arshif's own JSON-LD (see metadata.rs) and
        // the search page's own script, the theme's.
        let scripts: Vec<Option<&str>> = page
            .tags()
            .filter(|t| t.name == "script")
            .filter(|t| !t.attr("src").is_some_and(|s| s.ends_with("/search.js")))
            .map(|t| t.attr("type"))
            .collect();
        assert!(
            scripts.iter().all(|t| *t == Some("application/ld+json")) && scripts.len() <= 1,
            "{file}: a <script> from front matter: {scripts:?}"
        );
        assert!(
            !page.tags().any(|t| t.attrs.contains_key("onerror")),
            "{file}: an onerror attribute from front matter"
        );
    }
    let page = site.page("2020/12/xss/index.html");
    assert_eq!(
        page.text_of("h1").as_deref(),
        Some("<script>alert(1)</script> عنوان & <b>")
    );
}

#[test]
fn publisher_fonts_are_copied_and_declared() {
    // A font file the publisher supplies (any bytes will do for the copy and
    // the @font-face rule; a real Amiri from fonts-hosny-amiri works the same).
    let site = SiteTest::seed();
    site.write_file("fonts-src/Amiri-Regular.ttf", "not really a font");
    let toml = fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write_file(
        "site.toml",
        &format!(
            "{toml}\n[[fonts]]\nfamily = \"Amiri\"\npath = \"fonts-src/Amiri-Regular.ttf\"\nunicode_range = \"U+0600-06FF\"\n"
        ),
    );
    site.build().success();
    assert_eq!(site.read("fonts/Amiri-Regular.ttf"), "not really a font");
    let html = site.read(SEED_ARTICLE);
    assert!(html.contains("@font-face"), "no @font-face rule");
    assert!(
        html.contains("../../../fonts/Amiri-Regular.ttf"),
        "the rule does not point at the copied file relatively"
    );
    assert!(html.contains("Amiri"), "the family is not used");

    // A font file that is not there is a configuration error (exit 2).
    site.remove_file("fonts-src/Amiri-Regular.ttf");
    site.build().exit(2).stderr_has("Amiri-Regular.ttf");
}

#[test]
fn articles_link_their_neighbours_and_say_their_reading_time() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2019/01/older.md",
        "---\ntitle: الخبر الأقدم\ndate: 2019-01-05\n---\nنص قصير.\n",
    );
    site.write_file(
        "content/2021/02/newer.md",
        "---\ntitle: الخبر الأحدث\ndate: 2021-02-07\n---\nنص قصير.\n",
    );
    site.build().success();
    let links = site.page(SEED_ARTICLE).resolved_anchors();
    let has = |target: &str, text: &str| links.iter().any(|(t, x)| t == target && x.contains(text));
    assert!(
        has("2021/02/newer/index.html", "الخبر الأحدث"),
        "no link to the newer article: {links:?}"
    );
    assert!(
        has("2019/01/older/index.html", "الخبر الأقدم"),
        "no link to the older article: {links:?}"
    );
    let oldest = site.page("2019/01/older/index.html").resolved_anchors();
    assert!(
        !oldest.iter().any(|(_, x)| x.contains("الخبر الأحدث")),
        "the oldest article links past its one neighbour"
    );

    // The seed's ~380 words at the default 200 words a minute: two minutes,
    // in the dual («دقيقتان», never «2 دقيقة»); a short article: one minute.
    let seed = site.page(SEED_ARTICLE).body_text();
    assert!(
        seed.contains("دقيقتان للقراءة"),
        "no «دقيقتان للقراءة» in the seed page"
    );
    assert!(!seed.contains("2 دقيقة"));
    assert!(site
        .page("2019/01/older/index.html")
        .body_text()
        .contains("دقيقة واحدة"));
}

#[test]
fn month_names_and_digits_follow_site_toml() {
    let site = SiteTest::seed();
    site.write_file(
        "site.toml",
        "title = \"أرشيف\"\ntimezone = \"+03:00\"\n[dates]\nmonths = \"egypt\"\ndigits = \"arabic\"\n",
    );
    site.build().success();
    let times: Vec<String> = site
        .page(SEED_ARTICLE)
        .elements(|t| t.name == "time")
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert!(
        times.iter().any(|t| t == "٢٧ أكتوبر ٢٠٢٠"),
        "no <time>٢٧ أكتوبر ٢٠٢٠</time> (Egyptian months, Arabic digits) in {times:?}"
    );
}

#[test]
fn markup_is_minified_where_printed_and_given_to_templates_as_written() {
    // Syria's term file describes it in two paragraphs: the term page
    // prints them minified, while its meta description, which the theme
    // makes with `striptags`, keeps them apart.
    let site = SiteTest::demo();
    site.build().success();
    let html = site.read("countries/syria/index.html");
    let (first_end, second) = ("بين نازح ولاجئ.", "يجمع هذا القسم");
    let after: Vec<&str> = html.split(first_end).skip(1).collect();
    assert!(
        after
            .iter()
            .any(|a| a.starts_with("<p>") || a.starts_with("</p><p>")),
        "the description is not printed minified:\n{html}"
    );
    assert!(
        !after.iter().any(|a| a.starts_with("</p>\n")),
        "the description is printed as rendered:\n{html}"
    );
    let page = site.page("countries/syria/index.html");
    let metas = page.elements(|t| t.name == "meta" && t.attr("name") == Some("description"));
    let description = metas[0].0.attr("content").unwrap_or_default();
    assert!(
        description.contains(&format!("{first_end}\n{second}"))
            || description.contains(&format!("{first_end} {second}")),
        "the paragraphs run together in {description:?}"
    );
    // An article's body too: no line break between its blocks.
    let article = site.read("2019/02/idlib-camps-winter-storm/index.html");
    assert!(!article.contains("</p>\n"), "{article}");
}
