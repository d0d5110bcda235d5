//! The full text of error messages, as a writer sees them: snapshot files in
//! `tests/testsuite/messages/<case>.txt`, one per kind of mistake.
//!
//! Each case breaks one thing in the seed site and compares the build's
//! stderr with its snapshot. Regenerate them after a deliberate change with
//! `UPDATE_SNAPSHOTS=1 cargo test --test testsuite messages::` and review
//! the diff. Every headline must show the offending line with a caret and say
//! what to write instead.

use std::fs;

use crate::support::{testsuite_dir, SiteTest};

/// Builds the seed site with `files` written, expecting `exit`, and compares
/// stderr with the snapshot `name`.
#[track_caller]
fn snapshot_case(name: &str, exit: i32, files: &[(&str, &str)]) {
    let site = SiteTest::seed();
    for (rel, text) in files {
        site.write_file(rel, text);
    }
    let r = site.build();
    r.exit(exit);
    let tmp = site.tmp().to_string_lossy().into_owned();
    assert!(
        !r.stderr.contains(&tmp),
        "a temp path leaked into the message:\n{}",
        r.stderr
    );
    assert_located_with_help(&r.stderr);

    let file = testsuite_dir().join("messages").join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        fs::write(&file, &r.stderr).unwrap();
        return;
    }
    let expected = fs::read_to_string(&file).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}; run with UPDATE_SNAPSHOTS=1 to write it",
            file.display()
        )
    });
    assert_eq!(
        r.stderr,
        expected,
        "stderr differs from {} (UPDATE_SNAPSHOTS=1 rewrites it)",
        file.display()
    );
}

/// Every located headline is followed by the source line, a caret line and
/// a `= help:` line.
#[track_caller]
fn assert_located_with_help(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut seen = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some((place, _)) = line.split_once(": error: ") else {
            continue;
        };
        let mut parts = place.rsplitn(3, ':');
        let (Some(col), Some(row)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(_), Ok(row)) = (col.parse::<usize>(), row.parse::<usize>()) else {
            continue;
        };
        seen += 1;
        let block = &lines[i + 1..(i + 5).min(lines.len())];
        assert!(block.len() == 4, "a short block after {line}:\n{stderr}");
        assert!(
            block[0].trim_end().ends_with('|'),
            "no gutter after {line}:\n{stderr}"
        );
        assert!(
            block[1].starts_with(&format!("{row} | ")),
            "no source line after {line}:\n{stderr}"
        );
        assert!(block[2].contains('^'), "no caret after {line}:\n{stderr}");
        assert!(
            block[3].contains("= help: "),
            "no help after {line}:\n{stderr}"
        );
    }
    assert!(seen > 0, "no located error in:\n{stderr}");
}

const ARTICLE: &str = "content/2020/11/story.md";

#[test]
fn invalid_date() {
    snapshot_case(
        "invalid-date",
        1,
        &[(ARTICLE, "---\ntitle: خبر\ndate: 2020-13-40\n---\nنص.\n")],
    );
}

#[test]
fn day_first_date() {
    snapshot_case(
        "day-first-date",
        1,
        &[(ARTICLE, "---\ntitle: خبر\ndate: 27-10-2020\n---\nنص.\n")],
    );
}

#[test]
fn hijri_date() {
    snapshot_case(
        "hijri-date",
        1,
        &[(ARTICLE, "---\ntitle: خبر\ndate: 1442-03-10\n---\nنص.\n")],
    );
}

#[test]
fn missing_title() {
    snapshot_case(
        "missing-title",
        1,
        &[(
            ARTICLE,
            "---\ndate: 2020-11-01\ncountries: [سوريا]\n---\nنص.\n",
        )],
    );
}

#[test]
fn missing_date() {
    snapshot_case(
        "missing-date",
        1,
        &[(ARTICLE, "---\ntitle: خبر\ncountries: [سوريا]\n---\nنص.\n")],
    );
}

#[test]
fn invalid_yaml() {
    snapshot_case(
        "invalid-yaml",
        1,
        &[(
            ARTICLE,
            "---\ntitle: خبر\ndate: 2020-11-01\ncountries: [سوريا, روسيا\n---\nنص.\n",
        )],
    );
}

#[test]
fn unclosed_front_matter() {
    snapshot_case(
        "unclosed-front-matter",
        1,
        &[(ARTICLE, "---\ntitle: خبر\ndate: 2020-11-01\nنص.\n")],
    );
}

#[test]
fn no_front_matter() {
    snapshot_case("no-front-matter", 1, &[(ARTICLE, "خبر بلا مقدمة.\n")]);
}

#[test]
fn slug_with_a_slash() {
    snapshot_case(
        "slug-with-a-slash",
        1,
        &[(
            ARTICLE,
            "---\ntitle: خبر\ndate: 2020-11-01\nslug: أخبار/سوريا\n---\nنص.\n",
        )],
    );
}

#[test]
fn draft_not_a_boolean() {
    snapshot_case(
        "draft-not-a-boolean",
        1,
        &[(
            ARTICLE,
            "---\ntitle: خبر\ndate: 2020-11-01\ndraft: نعم\n---\nنص.\n",
        )],
    );
}

#[test]
fn title_is_a_list() {
    snapshot_case(
        "title-is-a-list",
        1,
        &[(
            ARTICLE,
            "---\ntitle: [خبر, عاجل]\ndate: 2020-11-01\n---\nنص.\n",
        )],
    );
}

#[test]
fn image_outside_the_site() {
    snapshot_case(
        "image-outside-the-site",
        1,
        &[(
            ARTICLE,
            "---\ntitle: خبر\ndate: 2020-11-01\nimage: ../../secret.jpg\n---\nنص.\n",
        )],
    );
}

#[test]
fn two_articles_one_url() {
    snapshot_case(
        "two-articles-one-url",
        1,
        &[(
            "content/2020/10/other.md",
            "---\ntitle: خبر آخر\ndate: 2020-10-28\nslug: russia-france-security\n---\nنص.\n",
        )],
    );
}

#[test]
fn language_tag() {
    snapshot_case(
        "language-tag",
        1,
        &[(
            ARTICLE,
            "---\ntitle: خبر\ndate: 2020-11-01\nlang: عربي\n---\nنص.\n",
        )],
    );
}

#[test]
fn several_mistakes_at_once() {
    snapshot_case(
        "several-mistakes",
        1,
        &[
            (
                ARTICLE,
                "---\ntitle: خبر\ndate: 2020-02-30\ndraft: maybe\n---\nنص.\n",
            ),
            (
                "content/2020/11/second.md",
                "---\ntitle:\ndate: 2020-11-01T25:00\n---\nنص.\n",
            ),
        ],
    );
}

#[test]
fn unknown_key_in_site_toml() {
    snapshot_case(
        "site-toml-unknown-key",
        2,
        &[(
            "site.toml",
            "title = \"أرشيف\"\ntimezone = \"+03:00\"\npaginat = 20\n",
        )],
    );
}

#[test]
fn build_json_gives_the_same_findings() {
    let site = SiteTest::seed();
    site.write_file(
        ARTICLE,
        "---\ntitle: خبر\ndate: 2020-13-40\ndraft: maybe\n---\nنص.\n",
    );
    let human = site.build();
    let r = site.build_with(&["--format", "json"]);
    r.exit(1);
    let doc = r.json();
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0]["path"], ARTICLE);
    assert_eq!(findings[0]["line"], 3);
    assert_eq!(findings[0]["column"], 7);
    assert_eq!(findings[0]["severity"], "error");
    assert!(findings[0]["hint"]
        .as_str()
        .unwrap()
        .contains("2020-10-27T14:05:00+03:00"));
    for f in findings {
        let message = f["message"].as_str().unwrap();
        assert!(
            human.stderr.contains(message),
            "{message} not in the human output"
        );
    }
    assert_eq!(doc["summary"]["ok"], false);
    assert_eq!(doc["summary"]["errors"], 2);

    site.remove_file(ARTICLE);
    let r = site.build_with(&["--format", "json"]);
    r.success();
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("stdout is JSON");
    assert_eq!(doc["summary"]["ok"], true);
    assert!(doc["summary"]["pages"].as_u64().unwrap() > 5);
}

#[test]
fn build_ends_with_pages_and_time_and_quiet_is_quiet() {
    let site = SiteTest::seed();
    let r = site.build();
    r.success();
    // Not a terminal: no progress bar, just the final line.
    let last = r.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("built ") && last.contains(" pages into ") && last.contains("s ("),
        "{last}"
    );
    assert!(!r.stderr.contains("rendering"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let r = site.build_with(&["--quiet"]);
    r.success();
    assert_eq!(r.stderr, "");
}
