//! `arshif check`: everything a build checks plus links, images, likely
//! duplicate terms, ى/ي and ة/ه merges and misspelled keys; one line per
//! finding, a summary, exit 1 on errors, JSON with `--format json`, and
//! nothing written.

use crate::support::{assert_same_tree, snapshot, SiteTest};

/// A site with one of each kind of finding `check` adds to a build's.
fn site_with_findings() -> SiteTest {
    let site = SiteTest::seed();
    site.write_file("content/media/2020/map.png", "png");
    site.write_file(
        "content/countries/syria.md",
        "---\nname: سوريا\nslug: syria\naliases: [الجمهورية العربية السورية]\n---\nدولة في المشرق.\n",
    );
    site.write_file(
        "content/2020/11/conference.md",
        "---\ntitle: مؤتمر في دمشق\ndate: 2020-11-11\ncountries: [سورية, روسيا]\nactors: [مصطفي]\ncountires: [لبنان]\nimage: /media/2020/missing.jpg\n---\nانظر [الخبر السابق](/2020/10/russia-france-securty/) و[الخريطة](/media/2020/map.png)\nو[سوريا](/countries/syria/) و[ملف](../../10/russia-france-security.md) و[موقع](https://example.org/x).\n",
    );
    site.write_file(
        "content/2020/11/aid.md",
        "---\ntitle: مساعدات\ndate: 2020-11-12\ncountries: [سوريا]\nactors: [مصطفى]\n---\nوصلت المساعدات. [المؤتمر](../conference/)\n",
    );
    site
}

#[test]
fn check_reports_links_images_terms_and_keys() {
    let site = site_with_findings();
    let before = snapshot(site.root());
    let r = site.run("check", &[]);
    r.exit(1);
    let conference = "content/2020/11/conference.md";
    for needle in [
        // A broken root link, located at the link, with a near page suggested.
        &format!("{conference}:9:"),
        "error: the link `/2020/10/russia-france-securty/` leads to nothing",
        "did you mean /2020/10/russia-france-security/?",
        // A link to the Markdown file instead of the page.
        "error: the link `../../10/russia-france-security.md` leads to nothing",
        "link to the article's page, not its file: /2020/10/russia-france-security/",
        // The lead image that does not exist.
        &format!("{conference}:7:8: error: the image /media/2020/missing.jpg does not exist"),
        // سورية/سوريا: likely one term; the alias line names the term file.
        &format!("{conference}:4:13: warning: `countries`: «سورية» (1 article) and «سوريا» (2 articles) are likely the same term"),
        "add it to content/countries/syria.md: `aliases: [الجمهورية العربية السورية, سورية]`",
        // ى/ي merged by term identity, listed for an editor to confirm.
        "«مصطفي» is published as «مصطفى» (ى/ي taken as one letter)",
        // A misspelled key.
        &format!("{conference}:6:1: warning: unknown key `countires`: did you mean `countries`?"),
        "check: 3 errors, 3 warnings (3 articles checked,",
    ] {
        r.stderr_has(needle);
    }
    // Good links are not reported.
    let headlines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains(": error: ") || l.contains(": warning: "))
        .collect();
    for good in [
        "/media/2020/map.png",
        "/countries/syria/",
        "../conference/",
        "example.org",
    ] {
        assert!(
            !headlines.iter().any(|l| l.contains(good)),
            "{good} was reported:\n{}",
            r.stderr
        );
    }
    // Every finding shows its line and says what to do.
    assert_eq!(headlines.len(), 6, "{}", r.stderr);
    assert_eq!(r.stderr.matches("  = help: ").count(), 6, "{}", r.stderr);
    assert_same_tree(&before, &snapshot(site.root()), "check writes nothing");
    assert!(!site.output().exists(), "check made an output folder");
}

#[test]
fn check_json_has_the_same_findings() {
    let site = site_with_findings();
    let human = site.run("check", &[]);
    let r = site.run("check", &["--format", "json"]);
    r.exit(1);
    let doc = r.json();
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 6);
    for f in findings {
        let headline = format!(
            "{}:{}:{}: {}: {}",
            f["path"].as_str().unwrap(),
            f["line"],
            f["column"],
            f["severity"].as_str().unwrap(),
            f["message"].as_str().unwrap()
        );
        assert!(
            human.stderr.contains(&headline),
            "{headline} not in the human output"
        );
        assert!(f["hint"].is_string(), "{f}");
    }
    assert_eq!(doc["summary"]["errors"], 3);
    assert_eq!(doc["summary"]["warnings"], 3);
    assert_eq!(doc["summary"]["ok"], false);
}

#[test]
fn check_reports_what_a_build_reports() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/11/bad.md",
        "---\ntitle: خبر\ndate: 2020-13-40\ncountries: [سوريا]\n---\nنص.\n",
    );
    let build = site.build();
    build.exit(1);
    let check = site.run("check", &[]);
    check.exit(1);
    let headline = build.error_lines()[0];
    assert!(
        headline.starts_with("content/2020/11/bad.md:3:7: error: `date`"),
        "{headline}"
    );
    check.stderr_has(headline);
    check.stderr_has("check: 1 error, 0 warnings");
}

#[test]
fn check_passes_the_demo_site() {
    let site = SiteTest::demo();
    let r = site.run("check", &[]);
    r.success();
    r.stderr_has("check: 0 errors,");
    assert!(!site.output().exists());
}

#[test]
fn check_finds_template_errors() {
    let site = SiteTest::seed();
    site.write_file(
        "themes/default/templates/month.html",
        "{% extends \"base.html\" %}{% block content %}{{ month.nonexistent.deeper }}{% endblock %}",
    );
    let r = site.run("check", &[]);
    r.exit(1);
    r.stderr_has("month.html");
    r.stderr_has("check: 1 error");
}

#[test]
fn check_warns_about_one_slug_in_two_months() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/12/russia-france-security.md",
        "---\ntitle: جهود روسية مجددًا\ndate: 2020-12-01\ncountries: [روسيا]\n---\nنص.\n",
    );
    let r = site.run("check", &[]);
    r.success();
    r.stderr_has("content/2020/12/russia-france-security.md:1:1: warning: the slug `russia-france-security` is also used by content/2020/10/russia-france-security.md (/2020/10/russia-france-security/)");
    r.stderr_has("check: 0 errors, 1 warning");
}
