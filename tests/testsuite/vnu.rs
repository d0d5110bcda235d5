//! Valid HTML5: generated pages pass the Nu Html Checker without errors.
//!
//! A sample with one page of every kind (home, article, term page, taxonomy
//! index, year, month, archive, search, 404, a numbered page, the English
//! article, an article with a lead image, an alias redirect)
//! from the demo site, plus the seed article, is copied under plain ASCII
//! names (Java's file-name decoding depends on the locale) and checked in
//! one run of `java -jar vnu.jar --errors-only --format json`. vnu.jar comes
//! from `npm ci` in tests/browser (the `vnu-jar` package).

use std::fs;
use std::process::Command;

use crate::support::{require_tools, vnu_jar, SiteTest, Tool};

/// Picks one page of each kind from a demo build: (kind, output path).
fn sample(site: &SiteTest) -> Vec<(&'static str, String)> {
    let files = site.html_files();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let parts = |f: &String| f.split('/').map(str::to_string).collect::<Vec<_>>();
    let find = |kind: &'static str, pred: &dyn Fn(&[String]) -> bool| -> (&'static str, String) {
        let file = files
            .iter()
            .find(|f| pred(&parts(f)))
            .unwrap_or_else(|| panic!("the demo build has no {kind} page: {files:?}"));
        (kind, file.clone())
    };
    let articles: Vec<&String> = files
        .iter()
        .filter(|f| {
            let p = parts(f);
            p.len() == 4 && digits(&p[0], 4) && digits(&p[1], 2)
        })
        .collect();
    let english = articles
        .iter()
        .find(|f| site.page(f).html_attr("lang") == Some("en"))
        .expect("the demo site has an English article (lang: en)");
    let arabic = articles
        .iter()
        .find(|f| site.page(f).html_attr("lang") == Some("ar"))
        .expect("the demo site has Arabic articles");
    vec![
        ("home", "index.html".to_string()),
        ("article", (*arabic).clone()),
        ("article-en", (*english).clone()),
        find("term", &|p| {
            p.len() == 3 && p[0] == "countries" && p[2] == "index.html"
        }),
        ("taxonomy", "countries/index.html".to_string()),
        find("year", &|p| {
            p.len() == 2 && digits(&p[0], 4) && p[1] == "index.html"
        }),
        find("month", &|p| {
            p.len() == 3 && digits(&p[0], 4) && digits(&p[1], 2) && p[2] == "index.html"
        }),
        ("archive", "archive/index.html".to_string()),
        ("search", "search/index.html".to_string()),
        ("404", "404.html".to_string()),
        find("page", &|p| {
            p.len() == 3 && p[0] == "page" && p[2] == "index.html"
        }),
        find("actor", &|p| {
            p.len() == 3 && p[0] == "actors" && p[2] == "index.html"
        }),
        // Open Graph with an image and its alt text, JSON-LD, related coverage.
        (
            "article-image",
            "2023/02/earthquake-aid-crossings/index.html".to_string(),
        ),
        // A redirect left at an old address (front matter `aliases`).
        ("alias", "news/2020/10/27/12345.html".to_string()),
    ]
}

#[test]
fn generated_pages_pass_the_nu_html_checker() {
    if !require_tools(
        "vnu::generated_pages_pass_the_nu_html_checker",
        &[Tool::Java, Tool::VnuJar],
    ) {
        return;
    }
    let site = SiteTest::demo();
    site.build().success();
    let seed = SiteTest::seed();
    seed.build().success();

    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for (kind, rel) in sample(&site) {
        let name = format!("{kind}.html");
        fs::copy(site.out_path(&rel), dir.path().join(&name)).unwrap();
        names.push((name, format!("demo: {rel}")));
    }
    let offline_home = SiteTest::demo();
    offline_home.build_with(&["--offline"]).success();
    fs::copy(
        offline_home.out_path("index.html"),
        dir.path().join("home-offline.html"),
    )
    .unwrap();
    names.push((
        "home-offline.html".into(),
        "demo --offline: index.html".into(),
    ));
    let rel = "2020/10/russia-france-security/index.html";
    fs::copy(seed.out_path(rel), dir.path().join("seed.html")).unwrap();
    names.push(("seed.html".into(), format!("seed: {rel}")));

    let out = Command::new("java")
        .arg("-jar")
        .arg(vnu_jar())
        .args(["--errors-only", "--format", "json"])
        .args(names.iter().map(|(n, _)| dir.path().join(n)))
        .output()
        .expect("run java");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let json: serde_json::Value = serde_json::from_str(&stderr).unwrap_or_else(|e| {
        panic!(
            "vnu printed no JSON ({e}):\n{stderr}\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let messages = json["messages"].as_array().expect("messages array");
    let problems: Vec<String> = messages
        .iter()
        .map(|m| {
            let url = m["url"].as_str().unwrap_or("");
            let file = url.rsplit('/').next().unwrap_or(url);
            let page = names
                .iter()
                .find(|(n, _)| n == file)
                .map_or(file.to_string(), |(_, what)| what.clone());
            format!(
                "{page}:{}:{}: {}: {}\n    {}",
                m["lastLine"],
                m["firstColumn"]
                    .as_u64()
                    .or(m["lastColumn"].as_u64())
                    .unwrap_or(0),
                m["type"].as_str().unwrap_or("?"),
                m["message"].as_str().unwrap_or(""),
                m["extract"].as_str().unwrap_or("").replace('\n', " ")
            )
        })
        .collect();
    assert!(
        problems.is_empty(),
        "the Nu Html Checker found {} error(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        out.status.success(),
        "vnu exited with {}:\n{stderr}",
        out.status
    );
}
