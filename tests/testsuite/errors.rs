//! Errors and safety: a writer's mistake is reported precisely and harms nothing.
//!
//! A broken front matter fails the build (exit 1) with
//! `path:line:col: error: message`; every error of a build is reported at
//! once; the previous output stays byte-for-byte as it was (and no staging
//! folder is left behind); nothing from content can write outside the
//! output; a wrong site.toml is a configuration error (exit 2); and a build
//! never touches `content/`.

use std::fs;

use crate::support::{assert_same_tree, snapshot, SiteTest};

/// Writes a good second article next to the seed one.
fn add_good_article(site: &SiteTest) {
    site.write_file(
        "content/2020/11/refugee-conference.md",
        "---\ntitle: مؤتمر اللاجئين في دمشق\ndate: 2020-11-11\ncountries: [سوريا, روسيا]\n---\nانعقد المؤتمر وسط مقاطعة غربية.\n",
    );
}

/// Asserts that stderr has a headline `<path>:<line>:<col>: error:`, with the
/// line (and column) given when known; returns the headline.
#[track_caller]
fn located_error<'a>(
    stderr: &'a str,
    path: &str,
    line: Option<usize>,
    col: Option<usize>,
) -> &'a str {
    let found = stderr.lines().find(|l| {
        let Some(rest) = l.strip_prefix(path).and_then(|r| r.strip_prefix(':')) else {
            return false;
        };
        let mut parts = rest.splitn(3, ':');
        let (Some(l), Some(c)) = (parts.next(), parts.next()) else {
            return false;
        };
        let (Ok(l), Ok(c)) = (l.parse::<usize>(), c.parse::<usize>()) else {
            return false;
        };
        parts.next().is_some_and(|r| r.starts_with(" error: "))
            && line.is_none_or(|want| want == l)
            && col.is_none_or(|want| want == c)
    });
    found.unwrap_or_else(|| {
        panic!(
            "no `{path}:{}:{}: error: …` line in stderr:\n{stderr}",
            line.map_or("LINE".into(), |l| l.to_string()),
            col.map_or("COL".into(), |c| c.to_string())
        )
    })
}

#[test]
fn invalid_yaml_is_located() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/11/bad-yaml.md",
        "---\ntitle: خبر\ndate: 2020-11-01\ncountries: [سوريا, روسيا\n---\nنص.\n",
    );
    let r = site.build();
    r.exit(1);
    located_error(&r.stderr, "content/2020/11/bad-yaml.md", None, None);
}

#[test]
fn invalid_date_is_located_and_names_the_key() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/11/bad-date.md",
        "---\ntitle: خبر\ndate: 2020-13-40\n---\nنص.\n",
    );
    let r = site.build();
    r.exit(1);
    let line = located_error(&r.stderr, "content/2020/11/bad-date.md", Some(3), None);
    assert!(
        line.contains("date"),
        "the message should name the key: {line}"
    );
    assert!(
        line.contains("2020-13-40"),
        "the message should quote the value: {line}"
    );
}

#[test]
fn a_list_where_the_title_belongs_is_located() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/11/list-title.md",
        "---\ntitle: [خبر, عاجل]\ndate: 2020-11-01\n---\nنص.\n",
    );
    let r = site.build();
    r.exit(1);
    let line = located_error(&r.stderr, "content/2020/11/list-title.md", Some(2), None);
    assert!(
        line.contains("title"),
        "the message should name the key: {line}"
    );
}

#[test]
fn a_missing_title_is_an_error() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/11/untitled.md",
        "---\ndate: 2020-11-01\n---\nنص.\n",
    );
    let r = site.build();
    r.exit(1);
    assert!(
        r.error_lines()
            .iter()
            .any(|l| l.starts_with("content/2020/11/untitled.md") && l.contains("title")),
        "{}",
        r.stderr
    );
}

#[test]
fn all_errors_are_reported_together() {
    let site = SiteTest::seed();
    site.write_file(
        "content/2020/11/one.md",
        "---\ntitle: خبر\ndate: 2020-13-40\n---\nنص.\n",
    );
    site.write_file(
        "content/2021/02/two.md",
        "---\ntitle: [خبر, عاجل]\ndate: 2021-02-01\n---\nنص.\n",
    );
    let r = site.build();
    r.exit(1);
    located_error(&r.stderr, "content/2020/11/one.md", Some(3), None);
    located_error(&r.stderr, "content/2021/02/two.md", Some(2), None);
}

#[test]
fn a_failed_build_leaves_the_previous_output_intact() {
    let site = SiteTest::seed();
    add_good_article(&site);
    site.build().success();
    let before = snapshot(site.output());
    let beside_before = snapshot(site.tmp());
    assert!(before.len() > 10);

    // Break one article, change another, delete nothing: the build must fail whole.
    site.write_file(
        "content/2020/11/refugee-conference.md",
        "---\ntitle: مؤتمر اللاجئين في دمشق\ndate: 2020-13-40\n---\nتغيّر النص.\n",
    );
    site.write_file(
        "content/2020/12/new.md",
        "---\ntitle: خبر جديد\ndate: 2020-12-01\n---\nخبر لم يُنشر بعد.\n",
    );
    let r = site.build();
    r.exit(1);
    located_error(
        &r.stderr,
        "content/2020/11/refugee-conference.md",
        Some(3),
        None,
    );
    assert_same_tree(
        &before,
        &snapshot(site.output()),
        "output after a failed build",
    );

    // Nothing left beside the output either (no staging folder), and the
    // site is as the test wrote it.
    let mut after = snapshot(site.tmp());
    let mut expected = beside_before;
    for t in [&mut after, &mut expected] {
        t.retain(|k, _| !k.starts_with("site/content/"));
    }
    assert_same_tree(&expected, &after, "temp folder after a failed build");
}

#[test]
fn path_escaping_slugs_are_rejected() {
    for (name, front) in [
        ("dotdot", "slug: ../../x"),
        ("dotdot-deep", "slug: ../../../../../../tmp/arshif-escape"),
        ("absolute", "slug: /tmp/arshif-escape"),
        ("inner", "slug: a/../../x"),
        ("alias", "aliases: [../../../x/index.html]"),
    ] {
        let site = SiteTest::seed();
        site.build().success();
        let before_all = snapshot(site.tmp());
        site.write_file(
            &format!("content/2020/11/{name}.md"),
            &format!("---\ntitle: خبر\ndate: 2020-11-01\n{front}\n---\nنص.\n"),
        );
        let r = site.build();
        assert_eq!(r.code, 1, "{front}: should be an error\n{}", r.stderr);
        let path = format!("content/2020/11/{name}.md");
        assert!(
            r.error_lines().iter().any(|l| l.starts_with(&path)),
            "{front}: the error should name {path}:\n{}",
            r.stderr
        );
        // Nothing changed anywhere in the temp folder but the new source file.
        let mut after = snapshot(site.tmp());
        after.retain(|k, _| !k.starts_with("site/content/2020/11"));
        assert_same_tree(&before_all, &after, front);
        assert!(
            !std::path::Path::new("/tmp/arshif-escape").exists(),
            "{front}: wrote /tmp/arshif-escape"
        );
    }
}

#[test]
fn escaping_slugs_and_aliases_are_located() {
    // The slug or alias line, so the writer knows where to look (SPEC §7:
    // "the line and column where it can").
    for (name, front) in [
        ("slug", "slug: ../../x"),
        ("alias", "aliases: [../../../x/index.html]"),
    ] {
        let site = SiteTest::seed();
        site.write_file(
            &format!("content/2020/11/{name}.md"),
            &format!("---\ntitle: خبر\ndate: 2020-11-01\n{front}\n---\nنص.\n"),
        );
        let r = site.build();
        r.exit(1);
        located_error(
            &r.stderr,
            &format!("content/2020/11/{name}.md"),
            Some(4),
            None,
        );
    }
}

#[test]
fn a_term_without_a_usable_slug_is_located_at_its_list() {
    let site = SiteTest::seed();
    // The list is on line 5; its only term is punctuation, which gives no slug.
    site.write_file(
        "content/2020/11/no-slug-term.md",
        "---\ntitle: خبر\ndate: 2020-11-01\nactors: [روسيا]\ncountries: [\"؟؟\"]\n---\nنص.\n",
    );
    let r = site.build();
    r.exit(1);
    // A term is named by the line of its list, without a column.
    r.stderr_has(
        "content/2020/11/no-slug-term.md:5: error: the countries term \"؟؟\" has no usable slug",
    );
}

#[test]
fn path_escaping_term_slugs_are_rejected() {
    let site = SiteTest::seed();
    site.write_file(
        "content/countries/syria.md",
        "---\nname: سوريا\nslug: ../../evil\n---\nوصف.\n",
    );
    let r = site.build();
    r.exit(1);
    r.stderr_has("content/countries/syria.md");
    assert!(!site.output().exists(), "a failed first build wrote output");
    assert!(!site.tmp().join("evil").exists() && !site.root().join("evil").exists());
}

#[test]
fn a_wrong_type_in_site_toml_is_a_configuration_error() {
    let site = SiteTest::seed();
    let toml = fs::read_to_string(site.root().join("site.toml")).unwrap();
    let broken = toml.replace("paginate = 20", "paginate = \"twenty\"");
    assert_ne!(toml, broken);
    site.write_file("site.toml", &broken);
    let r = site.build();
    r.exit(2);
    let line_no = broken
        .lines()
        .position(|l| l.starts_with("paginate"))
        .unwrap()
        + 1;
    located_error(&r.stderr, "site.toml", Some(line_no), None);
    assert!(!site.output().exists());
}

#[test]
fn unknown_command_line_options_are_usage_errors() {
    let site = SiteTest::seed();
    site.build_with(&["--no-such-option"]).exit(2);
}

#[test]
fn a_build_never_modifies_content() {
    let site = SiteTest::seed();
    add_good_article(&site);
    site.write_file(
        "content/2020/11/crlf.md",
        "\u{feff}---\r\ntitle: خبر\r\ndate: 2020-11-02\r\n---\r\nنص.\r\n",
    );
    site.write_file(
        "content/media/map.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    let before = snapshot(&site.root().join("content"));
    site.build().success();
    site.build_with(&["--offline", "--drafts"]).success();
    assert_same_tree(
        &before,
        &snapshot(&site.root().join("content")),
        "content/ after builds",
    );
    assert!(site.has("media/map.svg"), "media files are copied");

    site.write_file(
        "content/2020/11/broken.md",
        "---\ntitle: [x]\ndate: 2020-11-01\n---\n",
    );
    let before = snapshot(&site.root().join("content"));
    site.build().exit(1);
    assert_same_tree(
        &before,
        &snapshot(&site.root().join("content")),
        "content/ after a failed build",
    );
}

#[test]
fn links_out_of_content_are_refused_and_links_inside_are_read() {
    let site = SiteTest::seed();
    // A file outside the site: a link to it must not be published.
    let secret = site.tmp().join("secret.md");
    fs::write(&secret, "---\ntitle: سر\ndate: 2020-01-01\n---\nلا ينشر.\n").unwrap();
    let content = site.root().join("content");
    std::os::unix::fs::symlink(&secret, content.join("2020/10/outside.md")).unwrap();
    let result = site.build();
    result.exit(1).stderr_has("content/2020/10/outside.md");
    result.stderr_has("outside content/");
    assert!(!site.output().exists(), "a failed first build wrote output");

    // A link to a file inside content/ is read like the file itself.
    fs::remove_file(content.join("2020/10/outside.md")).unwrap();
    std::os::unix::fs::symlink(
        content.join("2020/10/russia-france-security.md"),
        content.join("2020/10/same-story.md"),
    )
    .unwrap();
    site.build().success();
    assert!(site.has("2020/10/same-story/index.html"));

    // A folder link back into content/ (a loop) is skipped, not followed forever.
    std::os::unix::fs::symlink(&content, content.join("2020/loop")).unwrap();
    site.build().success();
    assert!(!site.has("2020/loop/10/russia-france-security/index.html"));
}
