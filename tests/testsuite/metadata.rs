//! News metadata: canonical links, Open Graph and Twitter tags, schema.org
//! JSON-LD on article and term pages (parsed back with serde_json), and the
//! redirect pages left at old addresses.

use serde_json::Value;

use crate::feeds::{canonical, meta, metas};
use crate::support::{Page, SiteTest};

const SEED_ARTICLE: &str = "2020/10/russia-france-security/index.html";
const SEED_URL: &str = "https://archive.example.org/2020/10/russia-france-security/";

/// The JSON-LD of a page: the text of its one `<script type=application/ld+json>`.
#[track_caller]
fn jsonld(page: &Page) -> Value {
    let scripts = page.elements(|t| t.name == "script");
    assert_eq!(scripts.len(), 1, "{}: scripts {scripts:?}", page.path);
    let (tag, text) = &scripts[0];
    assert_eq!(tag.attr("type"), Some("application/ld+json"));
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{}: JSON-LD does not parse: {e}\n{text}", page.path))
}

/// `name`s of a JSON-LD list, with their `@type`.
fn named(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap_or("").to_string(),
                v["@type"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn an_article_carries_news_article_json_ld_and_open_graph() {
    let site = SiteTest::seed();
    site.build().success();
    let page = site.page(SEED_ARTICLE);
    assert_eq!(canonical(&page), SEED_URL);
    let title = "موقع عربي يكشف عن جهود روسية لتنسيق تعاون أمني بين فرنسا ونظام الأسد";

    let ld = jsonld(&page);
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], title);
    assert_eq!(ld["datePublished"], "2020-10-27T14:05:00+03:00");
    assert_eq!(ld["dateModified"], "2020-10-27T14:05:00+03:00");
    assert_eq!(ld["inLanguage"], "ar");
    assert_eq!(ld["mainEntityOfPage"]["@id"], SEED_URL);
    assert_eq!(ld["publisher"]["name"], "أرشيف وكالة زيتون");
    assert_eq!(ld["publisher"]["@type"], "Organization");
    // No author taxonomy in the seed's site.toml: the publisher signs.
    assert_eq!(ld["author"][0]["name"], "أرشيف وكالة زيتون");
    let country = |n: &str| (n.to_string(), "Country".to_string());
    assert_eq!(
        named(&ld["about"]),
        [country("روسيا"), country("فرنسا"), country("سوريا")]
    );
    let thing = |n: &str| (n.to_string(), "Thing".to_string());
    assert_eq!(
        named(&ld["mentions"]),
        [
            thing("الاستخبارات الروسية"),
            thing("نظام الأسد"),
            thing("علي مملوك"),
            thing("مكتب الأمن الوطني")
        ]
    );
    assert_eq!(
        ld["about"][0]["url"],
        "https://archive.example.org/countries/روسيا/"
    );

    assert_eq!(meta(&page, "og:type"), Some("article"));
    assert_eq!(meta(&page, "og:url"), Some(SEED_URL));
    assert_eq!(meta(&page, "og:title"), Some(title));
    assert_eq!(meta(&page, "og:locale"), Some("ar_AR"));
    assert_eq!(meta(&page, "og:site_name"), Some("أرشيف وكالة زيتون"));
    assert!(meta(&page, "og:description").is_some_and(|d| d.starts_with("كشف موقع")));
    assert_eq!(
        meta(&page, "article:published_time"),
        Some("2020-10-27T14:05:00+03:00")
    );
    assert_eq!(
        meta(&page, "article:modified_time"),
        Some("2020-10-27T14:05:00+03:00")
    );
    assert_eq!(
        metas(&page, "article:tag"),
        [
            "روسيا",
            "فرنسا",
            "سوريا",
            "الاستخبارات الروسية",
            "نظام الأسد",
            "علي مملوك",
            "مكتب الأمن الوطني"
        ]
    );
    assert_eq!(meta(&page, "twitter:card"), Some("summary"));
    assert_eq!(meta(&page, "twitter:title"), Some(title));
}

#[test]
fn typed_terms_images_authors_and_updates_in_the_demo() {
    let site = SiteTest::demo();
    site.build().success();
    // An article with a lead image, an author and term files with `type`.
    let with_image = crate::feeds::article_files(&site)
        .into_iter()
        .find(|f| meta(&site.page(f), "og:image").is_some())
        .expect("a demo article with an image");
    let page = site.page(&with_image);
    let image = meta(&page, "og:image").unwrap();
    assert!(
        image.starts_with("https://archive.example.org/media/"),
        "{image}"
    );
    assert_eq!(meta(&page, "twitter:card"), Some("summary_large_image"));
    assert_eq!(jsonld(&page)["image"][0], image);
    // The front matter's image_alt: on the image and in the previews.
    let quake = site.page("2023/02/earthquake-aid-crossings/index.html");
    let alt = "خريطة شمال غربي سوريا ومعبر باب الهوى على الحدود التركية";
    assert_eq!(meta(&quake, "og:image:alt"), Some(alt));
    assert_eq!(meta(&quake, "twitter:image:alt"), Some(alt));
    let lead = quake
        .elements(|t| t.name == "img")
        .into_iter()
        .next()
        .expect("the lead image");
    assert_eq!(lead.0.attr("alt"), Some(alt));

    let mamlouk = crate::feeds::article_files(&site)
        .into_iter()
        .map(|f| site.page(&f))
        .find(|p| metas(p, "article:tag").contains(&"علي مملوك"))
        .expect("an article naming علي مملوك");
    let ld = jsonld(&mamlouk);
    let mentions = named(&ld["mentions"]);
    assert!(
        mentions.contains(&("علي مملوك".into(), "Person".into())),
        "type: Person from content/actors/ali-mamlouk.md: {mentions:?}"
    );
    assert!(
        ld["author"][0]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://archive.example.org/author/")),
        "{}",
        ld["author"]
    );

    // Term pages: the term as its schema.org type.
    for (file, name, kind) in [
        ("countries/syria/index.html", "سوريا", "Country"),
        ("actors/ali-mamlouk/index.html", "علي مملوك", "Person"),
        (
            "actors/assad-regime/index.html",
            "نظام الأسد",
            "Organization",
        ),
    ] {
        let page = site.page(file);
        let ld = jsonld(&page);
        assert_eq!(ld["@type"], kind, "{file}");
        assert_eq!(ld["name"], name, "{file}");
        assert_eq!(ld["mainEntityOfPage"]["@id"], canonical(&page), "{file}");
    }
    let syria = jsonld(&site.page("countries/syria/index.html"));
    assert!(
        syria["alternateName"]
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s == "سورية")),
        "{syria}"
    );
}

#[test]
fn a_hostile_title_cannot_close_the_json_ld_script() {
    let site = SiteTest::seed();
    let title = "</script><script>alert(1)</script> <!-- عنوان & ' \"";
    site.write_file(
        "content/2020/12/xss.md",
        &format!("---\ntitle: {title:?}\ndate: 2020-12-02\ncountries: [\"</script><script>alert(2)</script>\"]\n---\nنص.\n"),
    );
    site.build().success();
    let page = site.page("2020/12/xss/index.html");
    // One script element only, and its JSON says exactly what was written.
    let ld = jsonld(&page);
    assert_eq!(ld["headline"], title);
    assert_eq!(ld["about"][0]["name"], "</script><script>alert(2)</script>");
    let (_, text) = &page.elements(|t| t.name == "script")[0];
    assert!(!text.contains('<'), "{text}");
}

#[test]
fn an_updated_article_says_so() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/12/later.md",
        "---\ntitle: خبر محدث\ndate: 2020-12-02T10:00:00+03:00\nupdated: 2020-12-05T08:30:00+02:00\n---\nنص.\n",
    );
    site.build().success();
    let page = site.page("2020/12/later/index.html");
    assert_eq!(
        meta(&page, "article:modified_time"),
        Some("2020-12-05T08:30:00+02:00")
    );
    assert_eq!(jsonld(&page)["dateModified"], "2020-12-05T08:30:00+02:00");
    assert_eq!(jsonld(&page)["datePublished"], "2020-12-02T10:00:00+03:00");
}

#[test]
fn an_alias_writes_a_redirect_with_refresh_canonical_and_link() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/12/moved.md",
        "---\ntitle: خبر منقول\ndate: 2020-12-02\naliases: [/old/news/1234.html, /أخبار/قديم/]\n---\nنص.\n",
    );
    site.build().success();
    for (file, target) in [
        ("old/news/1234.html", "../../2020/12/moved/"),
        ("أخبار/قديم/index.html", "../../2020/12/moved/"),
    ] {
        let page = site.page(file);
        let refresh = page
            .tags()
            .find(|t| t.name == "meta" && t.attr("http-equiv") == Some("refresh"))
            .and_then(|t| t.attr("content"))
            .unwrap_or_else(|| panic!("{file}: no meta refresh"));
        assert_eq!(refresh, format!("0; url={target}"), "{file}");
        assert_eq!(
            canonical(&page),
            "https://archive.example.org/2020/12/moved/"
        );
        assert!(
            page.anchors().iter().any(|(href, _)| href == target),
            "{file}: no link to {target}"
        );
        assert_eq!(meta(&page, "robots"), Some("noindex"));
    }
}
