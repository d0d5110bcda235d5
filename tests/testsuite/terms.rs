//! Taxonomy terms: one term, one page, however it is spelled.
//!
//! Term identity folds what Arabic writers vary without meaning another word
//! (SPEC §5, fold (b) of docs/arabic.md): hamza forms on alef, tashkeel,
//! tatweel, ى/ي and ة/ه. Other variants (سوريا/سورية) merge only through a
//! term file's `aliases`. Two different terms whose slugs collide are an
//! error naming both, never a silent merge.
//!
//! Fixtures: `terms/variants` (one taxonomy per fold, five articles) and
//! `terms/aliases` (a term file with aliases, three articles).

use std::collections::BTreeSet;

use crate::support::{files_under, SiteTest};

/// The term pages of a taxonomy: `<taxonomy>/<slug>/index.html`, without
/// the taxonomy's own index or pagination pages.
fn term_pages(site: &SiteTest, taxonomy: &str) -> Vec<String> {
    files_under(&site.out_path(taxonomy))
        .into_iter()
        .filter(|f| {
            let parts: Vec<&str> = f.split('/').collect();
            parts.len() == 2 && parts[1] == "index.html"
        })
        .map(|f| format!("{taxonomy}/{f}"))
        .collect()
}

/// The articles (`YYYY/MM/slug/index.html`) a list page links to.
fn listed_articles(site: &SiteTest, rel: &str) -> BTreeSet<String> {
    site.page(rel)
        .resolved_anchors()
        .into_iter()
        .map(|(target, _)| target)
        .filter(|t| is_article(t))
        .collect()
}

fn is_article(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts.len() == 4
        && parts[0].len() == 4
        && parts[0].bytes().all(|b| b.is_ascii_digit())
        && parts[1].len() == 2
        && parts[1].bytes().all(|b| b.is_ascii_digit())
        && parts[3] == "index.html"
}

fn article(slug: &str) -> String {
    let (ym, name) = slug.split_once(' ').unwrap();
    format!("{ym}/{name}/index.html")
}

const WASHINGTON: &str = "2021/01 washington-talks";
const SANCTIONS: &str = "2021/02 sanctions-review";
const AID: &str = "2021/03 aid-pledge";
const ENVOY: &str = "2021/04 envoy-visit";
const QUOTA: &str = "2021/05 refugee-quota";

/// Asserts that `taxonomy` has exactly one term page besides the `others`
/// and that it lists exactly `articles`; returns that page.
#[track_caller]
fn assert_one_term(site: &SiteTest, taxonomy: &str, others: &[&str], articles: &[&str]) -> String {
    let pages = term_pages(site, taxonomy);
    let merged: Vec<&String> = pages
        .iter()
        .filter(|p| {
            !others
                .iter()
                .any(|o| p.as_str() == format!("{taxonomy}/{o}/index.html"))
        })
        .collect();
    assert_eq!(
        merged.len(),
        1,
        "{taxonomy}: the variant spellings should give one term page besides {others:?}, found {pages:?}"
    );
    let page = merged[0].clone();
    let expected: BTreeSet<String> = articles.iter().map(|a| article(a)).collect();
    assert_eq!(
        listed_articles(site, &page),
        expected,
        "{page}: listed articles"
    );
    // And every article's tag link for this taxonomy leads to that one page.
    for a in articles {
        let links: Vec<String> = site
            .page(&article(a))
            .resolved_anchors()
            .into_iter()
            .map(|(t, _)| t)
            .filter(|t| t.starts_with(&format!("{taxonomy}/")) && t.matches('/').count() == 2)
            .collect();
        assert!(
            links.contains(&page),
            "{a}: its {taxonomy} link goes to {links:?}, not {page}"
        );
    }
    page
}

#[test]
fn hamza_forms_on_alef_are_one_term() {
    // أمريكا (twice), امريكا, إمريكا, آمريكا: one country page listing all five.
    let site = SiteTest::from_dir("terms/variants");
    site.build().success();
    let page = assert_one_term(
        &site,
        "countries",
        &["فرنسا"],
        &[WASHINGTON, SANCTIONS, AID, ENVOY, QUOTA],
    );
    // The slug is the folded name; the display name is the most used spelling.
    assert_eq!(page, "countries/امريكا/index.html");
    assert_eq!(site.page(&page).text_of("h1").as_deref(), Some("أمريكا"));
    // فرنسا stays its own term, with its one article.
    let france = "countries/فرنسا/index.html";
    assert_eq!(
        listed_articles(&site, france),
        BTreeSet::from([article(SANCTIONS)])
    );
    // The taxonomy index lists the two terms, each once.
    let index = site.page("countries/index.html").resolved_anchors();
    let terms: Vec<&String> = index
        .iter()
        .map(|(t, _)| t)
        .filter(|t| t.matches('/').count() == 2)
        .collect();
    let unique: BTreeSet<&&String> = terms.iter().collect();
    assert_eq!(
        unique.len(),
        2,
        "countries/index.html term links: {terms:?}"
    );
}

#[test]
fn tashkeel_and_tatweel_do_not_make_another_term() {
    // وزارة الخارجية, وِزَارَةُ الخَارِجِيَّةِ, الخارجيّة, الخارجيــة: one actor.
    let site = SiteTest::from_dir("terms/variants");
    site.build().success();
    let page = assert_one_term(
        &site,
        "actors",
        &[],
        &[WASHINGTON, SANCTIONS, AID, ENVOY, QUOTA],
    );
    assert_eq!(
        site.page(&page).text_of("h1").as_deref(),
        Some("وزارة الخارجية")
    );
}

#[test]
fn taa_marbuta_and_haa_are_one_term() {
    // السياسة, السياسه, السِّياسة: one category.
    let site = SiteTest::from_dir("terms/variants");
    site.build().success();
    let page = assert_one_term(
        &site,
        "category",
        &[],
        &[WASHINGTON, SANCTIONS, AID, ENVOY, QUOTA],
    );
    assert_eq!(site.page(&page).text_of("h1").as_deref(), Some("السياسة"));
}

#[test]
fn alef_maqsura_and_yaa_are_one_term() {
    // مصطفى, مصطفي, مُصطفى: one author (two articles have none).
    let site = SiteTest::from_dir("terms/variants");
    site.build().success();
    let page = assert_one_term(&site, "author", &[], &[WASHINGTON, SANCTIONS, AID]);
    assert_eq!(site.page(&page).text_of("h1").as_deref(), Some("مصطفى"));
}

#[test]
fn term_file_aliases_merge_other_spellings() {
    let site = SiteTest::from_dir("terms/aliases");
    site.build().success();
    assert_eq!(
        term_pages(&site, "countries"),
        vec!["countries/syria/index.html".to_string()],
        "سوريا, سورية and الجمهورية العربية السورية should share the term file's page"
    );
    let page = site.page("countries/syria/index.html");
    assert_eq!(
        page.text_of("h1").as_deref(),
        Some("سوريا"),
        "the term file's name"
    );
    assert!(
        page.body_text()
            .contains("دولة في المشرق العربي عاصمتها دمشق"),
        "the term's description is shown"
    );
    assert_eq!(
        listed_articles(&site, "countries/syria/index.html"),
        BTreeSet::from([
            "2022/01/census/index.html".to_string(),
            "2022/02/official-statement/index.html".to_string(),
            "2022/03/un-report/index.html".to_string(),
        ])
    );
}

#[test]
fn other_variants_stay_apart_without_aliases() {
    // سوريا/سورية is not a fold: without a term file they are two terms.
    let site = SiteTest::from_dir("terms/aliases");
    site.remove_file("content/countries/syria.md");
    site.build().success();
    let pages = term_pages(&site, "countries");
    assert!(
        pages.contains(&"countries/سوريا/index.html".to_string()),
        "{pages:?}"
    );
    assert_eq!(pages.len(), 3, "three spellings, three terms: {pages:?}");
}

#[test]
fn colliding_term_slugs_are_an_error_naming_both() {
    let site = SiteTest::from_dir("terms/aliases");
    site.write_file(
        "content/countries/syrian.md",
        "---\nname: سوري\nslug: syria\n---\nصفة لا بلد.\n",
    );
    site.write_file(
        "content/2022/04/adjective.md",
        "---\ntitle: خبر\ndate: 2022-04-01\ncountries: [سوري]\n---\nنص.\n",
    );
    let result = site.build();
    result.exit(1);
    for needle in [
        "سوريا",
        "سوري",
        "syria",
        "content/countries/syria.md",
        "content/countries/syrian.md",
    ] {
        result.stderr_has(needle);
    }
    assert!(!site.output().exists(), "a failed build wrote output");
}

#[test]
fn colliding_slugs_from_article_spellings_are_an_error() {
    // "علي مملوك" and "علي-مملوك" are different strings whose slugs are both علي-مملوك.
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/11/hyphen.md",
        "---\ntitle: خبر آخر\ndate: 2020-11-01\nactors: [علي-مملوك]\n---\nنص.\n",
    );
    let result = site.build();
    result.exit(1);
    result
        .stderr_has("علي مملوك")
        .stderr_has("علي-مملوك")
        .stderr_has("content/2020/11/hyphen.md")
        .stderr_has("content/2020/10/russia-france-security.md");
}

#[test]
fn a_term_with_an_empty_slug_is_an_error() {
    // Tatweel and tashkeel alone fold to nothing: no page can be named after it.
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/11/empty-term.md",
        "---\ntitle: خبر\ndate: 2020-11-03\ncountries: [\"ـــَ\"]\n---\nنص.\n",
    );
    let result = site.build();
    result.exit(1);
    result.stderr_has("content/2020/11/empty-term.md");
}

/// Writes one article naming `countries`.
fn article_with(site: &SiteTest, slug: &str, day: u32, countries: &str) {
    site.write_file(
        &format!("content/2022/03/{slug}.md"),
        &format!("---\ntitle: خبر {slug}\ndate: 2022-03-{day:02}\ncountries: [{countries}]\n---\nنص الخبر.\n"),
    );
}

#[test]
fn taxonomy_index_is_in_arabic_alphabetical_order_with_counts() {
    let site = SiteTest::with_config(
        "title = \"ترتيب\"\n[[taxonomies]]\nname = \"countries\"\ntitle = \"الدول\"\n",
    );
    // docs/arabic.md §8: آذربيجان العراق ألمانيا اليمن إيران بغداد (CLDR ar,
    // hamza forms on alef sort with ا), not code-point order.
    article_with(&site, "a", 1, "إيران, اليمن");
    article_with(&site, "b", 2, "ألمانيا, العراق, بغداد");
    article_with(&site, "c", 3, "آذربيجان, العراق");
    article_with(&site, "d", 4, "العراق");
    site.build().success();

    let page = site.page("countries/index.html");
    let names: Vec<String> = page
        .resolved_anchors()
        .into_iter()
        .filter(|(target, _)| target.starts_with("countries/") && target.matches('/').count() == 2)
        .map(|(_, text)| text.trim().to_string())
        .collect();
    assert_eq!(
        names,
        ["آذربيجان", "العراق", "ألمانيا", "اليمن", "إيران", "بغداد"],
        "taxonomy index order"
    );
    let items: Vec<String> = page
        .elements(|t| t.name == "li")
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert!(
        items
            .iter()
            .any(|t| t.contains("العراق") && t.contains('3')),
        "العراق is named by 3 articles: {items:?}"
    );
}

#[test]
fn a_term_page_shows_its_description_and_count() {
    let site = SiteTest::from_dir("terms/aliases");
    site.build().success();
    let page = site.page("countries/syria/index.html");
    let text = page.body_text();
    let description =
        std::fs::read_to_string(site.root().join("content/countries/syria.md")).unwrap();
    let first_words: String = description
        .split("---")
        .nth(2)
        .unwrap()
        .split_whitespace()
        .skip(1)
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains(&first_words),
        "no description «{first_words}» in {text}"
    );
    assert!(text.contains("3 مقالات"), "no «3 مقالات» count in {text}");
}
