//! Search: the index files, the search page and box, and searching an
//! `--offline` build from `file://` in headless Chromium.
//!
//! The browser tests run `tests/browser/search.mjs` on a small site written
//! here ([`search_site`]), whose articles are made so that each promise can
//! fail on its own: an article found only through its tag (نظام الأسد) by a
//! query spelled without hamza, two words that appear apart but not as a
//! phrase, a country filter, and a title that tries to inject markup. The
//! shared vectors (`tests/search-vectors.tsv`) are checked against the
//! analyzer in the page.

use std::path::Path;

use serde_json::Value;

use crate::support::{
    node_report, percent_decode, repo_root, require_tools, resolve, step, SiteTest, Tool,
};

/// The data of an index file: the JSON inside `arshifSearch("<name>", …);`.
fn index_data(site: &SiteTest, name: &str) -> Value {
    let text = site.read(&format!("search/{name}.js"));
    let head = format!("arshifSearch({name:?},");
    let json = text
        .strip_prefix(&head)
        .and_then(|t| t.trim_end().strip_suffix(");"))
        .unwrap_or_else(|| panic!("search/{name}.js is not `{head}…);`: {text:.200}"));
    serde_json::from_str(json).unwrap_or_else(|e| panic!("search/{name}.js: {e}"))
}

/// The documents listed for `key`, in both segments: the base shard that
/// holds it (the FNV-1a hash of its bytes, masked to the shard count) for
/// those before `tailFrom`, the tail shard (masked to the tail's count) for
/// the rest. Each segment's list numbers documents from its first.
fn postings(site: &SiteTest, key: &str) -> Vec<u64> {
    let manifest = index_data(site, "index");
    let count = |name: &str| manifest[name].as_u64().unwrap() as u32;
    let hash = arshif::search::shard::fnv1a32(key.as_bytes());
    let files = [
        format!("k/{}", hash & (count("shards") - 1)),
        format!("kt/{}", hash & (count("tailShards") - 1)),
    ];
    let mut docs = Vec::new();
    for file in files {
        let Some(list) = index_data(site, &file)[key].as_str().map(str::to_string) else {
            continue;
        };
        let mut at = 0;
        let mut doc: Option<u64> = None;
        while at < list.len() {
            let v = arshif::search::index::read_varint(list.as_bytes(), &mut at).unwrap();
            doc = Some(doc.map_or(v / 8, |d| d + v / 8 + 1));
            docs.extend(doc);
        }
    }
    docs
}

#[test]
fn the_build_writes_the_index_and_the_search_page() {
    let site = SiteTest::demo();
    site.build().success();
    let manifest = index_data(&site, "index");
    let articles = site
        .html_files()
        .into_iter()
        .filter(|f| {
            let p: Vec<&str> = f.split('/').collect();
            let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
            p.len() == 4 && digits(p[0], 4) && digits(p[1], 2)
        })
        // Not the alias redirects.
        .filter(|f| !site.read(f).contains("http-equiv"))
        .count();
    assert_eq!(manifest["docs"], articles, "one document per article");
    for (count, dirs) in [("shards", ["k", "p"]), ("tailShards", ["kt", "pt"])] {
        let shards = manifest[count].as_u64().unwrap();
        assert!(shards.is_power_of_two(), "{shards} {count}");
        for n in 0..shards {
            for dir in dirs {
                assert!(
                    site.has(&format!("search/{dir}/{n}.js")),
                    "shard {dir}/{n} missing"
                );
            }
        }
    }
    // The newest documents are in the tail, the others in the base.
    let tail = manifest["tailFrom"].as_u64().unwrap();
    assert!(0 < tail && tail < articles as u64, "tail from {tail}");
    // Keys are the analysis's: سوريا is found under سور, the tag نظام الأسد
    // under its unstemmed folded words.
    let syria = postings(&site, "سور");
    assert!(
        syria.iter().any(|&d| d < tail) && syria.iter().any(|&d| d >= tail),
        "سور is not listed in both segments: {syria:?}"
    );
    assert!(
        syria.windows(2).all(|w| w[0] < w[1]),
        "documents out of order: {syria:?}"
    );
    assert!(!postings(&site, "=الاسد").is_empty(), "no tag key =الاسد");
    assert!(
        postings(&site, "سوريا").is_empty(),
        "سوريا should be stemmed"
    );

    let page = site.page("search/index.html");
    assert_eq!(page.html_attr("dir"), Some("rtl"));
    let input = page
        .tags()
        .find(|t| t.name == "input" && t.attr("id") == Some("search-q"))
        .expect("the search page has its search box");
    assert_eq!(input.attr("name"), Some("q"));
    let scripts: Vec<&str> = page
        .tags()
        .filter(|t| t.name == "script")
        .filter_map(|t| t.attr("src"))
        .collect();
    assert_eq!(scripts, vec!["../search.js"]);
    assert!(site.has("search.js"));
    // Only <script> loading: nothing in search.js can fetch.
    let js = site.read("search.js");
    for banned in ["fetch(", "XMLHttpRequest", "import(", "http://", "https://"] {
        assert!(!js.contains(banned), "search.js uses {banned}");
    }
}

#[test]
fn every_page_has_a_search_box_that_reaches_the_search_page() {
    for offline in [false, true] {
        let site = SiteTest::seed();
        let args: &[&str] = if offline { &["--offline"] } else { &[] };
        site.build_with(args).success();
        for file in site.html_files() {
            if file == "404.html" && !offline {
                continue; // absolute links, checked elsewhere
            }
            let page = site.page(&file);
            if page
                .first("meta")
                .is_some_and(|m| m.attr("http-equiv").is_some())
            {
                continue; // alias redirects
            }
            let forms: Vec<&str> = page
                .tags()
                .filter(|t| t.name == "form")
                .filter_map(|t| t.attr("action"))
                .collect();
            assert!(!forms.is_empty(), "{file}: no search form");
            for action in forms {
                let target = resolve(&file, action)
                    .unwrap_or_else(|e| panic!("{file}: form action {action:?}: {e:?}"));
                assert_eq!(target.file(), "search/index.html", "{file}: {action}");
                assert_eq!(
                    action.ends_with("index.html"),
                    offline,
                    "{file}: {action} (offline {offline})"
                );
            }
        }
    }
}

#[test]
fn a_theme_without_search_html_builds_without_search() {
    let site = SiteTest::seed();
    std::fs::remove_file(site.root().join("themes/default/templates/search.html")).unwrap();
    site.build().success();
    assert!(!site.has("search/index.html"));
    assert!(!site.has("search/index.js"));
    let page = site.page("index.html");
    assert!(
        page.first("form").is_none(),
        "a search box with no search page"
    );
}

#[test]
fn a_search_script_that_reads_an_older_index_is_named() {
    let site = SiteTest::seed();
    let fresh = site.build();
    fresh.success();
    assert!(!fresh.stderr.contains("search.js"), "{}", fresh.stderr);
    // A theme forked from an older default theme: its search.js says it
    // reads the format before this one.
    let format = arshif::search::index::FORMAT;
    let script = site.root().join("themes/default/static/search.js");
    let text = std::fs::read_to_string(&script).unwrap();
    let mark = format!("// arshif-search-index: {format}\n");
    assert!(text.contains(&mark), "the default search.js is marked");
    let older = format!("// arshif-search-index: {}\n", format - 1);
    std::fs::write(&script, text.replace(&mark, &older)).unwrap();
    let old = site.build();
    old.success();
    for said in [
        "themes/default/static/search.js".to_string(),
        format!("format {format}"),
        format!("`{}`", mark.trim_end()),
    ] {
        assert!(
            old.stderr.contains(&said),
            "{said:?} not in:\n{}",
            old.stderr
        );
    }
    let check = site.run("check", &[]);
    assert!(
        check.stdout.contains("themes/default/static/search.js")
            || check.stderr.contains("themes/default/static/search.js"),
        "check does not name the script:\n{}{}",
        check.stdout,
        check.stderr
    );
}

/// Words that none of the queries of the Chromium test look for.
const PREFACE: &str = "في صباح يوم بارد من أيام الشتاء الطويلة خرج الناس إلى الشوارع والأسواق والحدائق العامة يتحدثون عن الأخبار والأسعار والطقس والمدارس والطرق والمواصلات والأعمال والرحلات والكتب والمطاعم والملاعب والمقاهي والمتاحف والمسارح والجسور والأنهار والجبال.";

/// A site whose articles make each search promise testable.
fn search_site() -> SiteTest {
    let site = SiteTest::with_config("title = \"بحث\"\nlanguage = \"ar\"\n");
    let article = |path: &str, front: &str, body: &str| {
        site.write_file(path, &format!("---\n{front}\n---\n{body}\n"));
    };
    article(
        "content/2024/01/moscow.md",
        "title: اجتماع في موسكو بين روسيا وفرنسا\ndate: 2024-01-10\ncountries: [روسيا, فرنسا]",
        // The phrase is past the 32nd word: its positions take two
        // characters each, so a reader that took a list's length for its
        // count of positions would misread them.
        &format!("{PREFACE} عقد مجلس الأمن الدولي جلسة طارئة لبحث الوضع."),
    );
    article(
        "content/2024/02/food.md",
        "title: تقرير عن الغذاء\ndate: 2024-02-10\ncountries: [سوريا]",
        "قال الأمن العام إن المجلس المحلي اجتمع أمس.",
    );
    article(
        "content/2024/03/idlib.md",
        "title: قصف على ريف إدلب\ndate: 2024-03-10\ncountries: [سوريا]\nactors: [نظام الأسد]",
        "قصفت قوات النظام قرى في ريف إدلب الجنوبي.",
    );
    article(
        "content/2024/04/paris.md",
        "title: فرنسا تستدعي السفير\ndate: 2024-04-10\ncountries: [فرنسا]",
        "استدعت وزارة الخارجية الفرنسية السفير.",
    );
    article(
        "content/2024/05/speech.md",
        "title: \"<script>window.__pwned=true</script><img src=x onerror=\\\"window.__pwned=true\\\"> الأسد يخطب\"\ndate: 2024-05-10\ncountries: [لبنان]\nslug: speech",
        "ألقى الأسد خطاباً في دمشق.",
    );
    article(
        "content/2023/06/refugees.md",
        "title: لاجئون في لبنان\ndate: 2023-06-10\ncountries: [لبنان]",
        "عاد لاجئون إلى سوريا من لبنان.",
    );
    // The oldest: with it, the six older articles make the index's base
    // and the newest (the speech) its tail, so that a query reads both.
    article(
        "content/2022/06/weather.md",
        "title: نشرة الطقس\ndate: 2022-06-10\ncountries: [الأردن]",
        "طقس معتدل في عمّان.",
    );
    site
}

const HOSTILE: &str =
    "<script>window.__pwned=true</script><img src=x onerror=\"window.__pwned=true\"> الأسد يخطب";

/// Runs search.mjs on `out`; its JSON report.
fn search_in_chromium(out: &Path, steps: &[&str]) -> Value {
    let vectors = repo_root().join("tests").join("search-vectors.tsv");
    let mut args = vec![out.as_os_str(), vectors.as_os_str()];
    args.extend(steps.iter().map(std::ffi::OsStr::new));
    node_report("search.mjs", &args)
}

/// The result titles of a step, in order.
fn titles(s: &Value) -> Vec<String> {
    assert_eq!(s["state"], "done", "{}: {}", s["step"], s["status"]);
    s["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn searching_an_offline_build_from_disk_in_chromium() {
    if !require_tools(
        "search::searching_an_offline_build_from_disk_in_chromium",
        &[Tool::Node, Tool::Playwright, Tool::Chromium],
    ) {
        return;
    }
    let site = search_site();
    site.build_with(&["--offline"]).success();
    let manifest = index_data(&site, "index");
    assert_eq!(
        (&manifest["docs"], &manifest["tailFrom"]),
        (&Value::from(7), &Value::from(6)),
        "the speech alone in the tail"
    );
    let report = search_in_chromium(
        site.output(),
        &[
            "q:الاسد",
            "q:الأَسَدُ",
            "q:روسيا فرنسا",
            "q:مجلس الأمن",
            "q:\"مجلس الأمن\"",
            "q:«مجلس الأمن»",
            "q:سورية",
            "filter:الأسد|countries|سوريا",
            "type:فرنسا",
        ],
    );
    assert_eq!(
        report["externalRequests"],
        Value::Array(vec![]),
        "other hosts"
    );
    assert_eq!(
        report["failedRequests"],
        Value::Array(vec![]),
        "failed loads"
    );
    assert_eq!(report["pageErrors"], Value::Array(vec![]), "script errors");

    // The analyzer in the browser gives the Rust analyzer's keys.
    let vectors = &report["vectors"];
    assert!(vectors["checked"].as_u64().unwrap() >= 60, "{vectors}");
    assert_eq!(
        vectors["wrong"],
        Value::Array(vec![]),
        "search.js disagrees with tests/search-vectors.tsv"
    );

    // Without hamza, the query finds the article tagged نظام الأسد (its
    // text never says الأسد) and the one whose title says الأسد; both are
    // title/tag matches, so the newer comes first.
    let s = step(&report, "q:الاسد");
    assert_eq!(titles(s), vec![HOSTILE, "قصف على ريف إدلب"]);
    // The hostile title is text: no element but <mark> inside the link, no
    // script ran.
    let hostile = &s["results"][0];
    let elements: Vec<&str> = hostile["titleElements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(elements, vec!["mark"], "elements inside the hostile title");
    assert_eq!(hostile["marks"][0], "الأسد");
    assert_eq!(s["scriptsInResults"], 0);
    assert_eq!(s["pwned"], false, "a script from a title ran");
    // The link leads to the article's page on disk.
    let href = hostile["href"].as_str().unwrap();
    let path = percent_decode(href.strip_prefix("file://").unwrap()).unwrap();
    assert!(
        path.ends_with("/2024/05/speech/index.html") && Path::new(&path).is_file(),
        "{href}"
    );
    assert!(
        s["results"][0]["date"].as_str().unwrap().contains("أيار"),
        "{}",
        s["results"][0]["date"]
    );

    // Tashkeel in the query changes nothing.
    assert_eq!(
        titles(step(&report, "q:الأَسَدُ")),
        titles(step(&report, "q:الاسد"))
    );

    // Every word must match.
    assert_eq!(
        titles(step(&report, "q:روسيا فرنسا")),
        vec!["اجتماع في موسكو بين روسيا وفرنسا"]
    );

    // Apart, both words match two articles; as a phrase, only the one that
    // says «مجلس الأمن».
    let mut apart = titles(step(&report, "q:مجلس الأمن"));
    apart.sort();
    assert_eq!(
        apart,
        vec!["اجتماع في موسكو بين روسيا وفرنسا", "تقرير عن الغذاء"]
    );
    for q in ["q:\"مجلس الأمن\"", "q:«مجلس الأمن»"] {
        let s = step(&report, q);
        assert_eq!(titles(s), vec!["اجتماع في موسكو بين روسيا وفرنسا"], "{q}");
        let marks: Vec<&str> = s["results"][0]["marks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        assert_eq!(marks, vec!["مجلس", "الأمن"], "{q}: highlighted words");
    }

    // سورية meets سوريا in the text (the tags are matched unstemmed).
    assert_eq!(titles(step(&report, "q:سورية")), vec!["لاجئون في لبنان"]);

    // The country filter keeps the Syrian article only, and offers the
    // countries of the results.
    let s = step(&report, "filter:الأسد|countries|سوريا");
    assert_eq!(titles(s), vec!["قصف على ريف إدلب"]);
    let countries: Vec<(&str, bool)> = s["filters"]["countries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["term"].as_str().unwrap(), b["pressed"].as_bool().unwrap()))
        .collect();
    assert!(countries.contains(&("سوريا", true)), "{countries:?}");

    // Typing: results follow the box, and the URL keeps the query.
    let s = step(&report, "type:فرنسا");
    let mut typed = titles(s);
    typed.sort();
    assert_eq!(
        typed,
        vec!["اجتماع في موسكو بين روسيا وفرنسا", "فرنسا تستدعي السفير"]
    );
    assert!(s["ms"].as_f64().unwrap() >= 0.0);
}
