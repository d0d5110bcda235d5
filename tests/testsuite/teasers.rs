//! Teasers made once: a theme's `teaser.html` is rendered once per article
//! and put in every list that prints `t.html`, with each page's root. Lists
//! must read exactly as if each had rendered its teasers itself, and nothing
//! an article or a term file says can pass for a teaser's place.

use std::fs;

use crate::support::{assert_same_tree, snapshot, Entry, SiteTest};

/// Makes the theme's lists render each teaser themselves, as a theme
/// written before `t.html` does.
fn include_teasers(site: &SiteTest) {
    let list = site.root().join("themes/default/templates/list.html");
    let text = fs::read_to_string(&list).unwrap();
    let (head, rest) = text.split_once("{%- for t in articles %}").unwrap();
    let (_, tail) = rest.split_once("{%- endfor %}").unwrap();
    let own = "{%- for t in articles %}{% set front = loop.first and kind == \"home\" \
               and not paginator.current %}{% include \"teaser.html\" %}{%- endfor %}";
    fs::write(&list, format!("{head}{own}{tail}")).unwrap();
    assert!(!fs::read_to_string(&list).unwrap().contains("t.html"));
}

/// Adds the newest story of the demo site, titled `title`, about Syria: the
/// first teaser of the home page, of the country's list and of 2024's.
fn add_newest(site: &SiteTest, slug: &str, title: &str) {
    site.write_file(
        &format!("content/2024/12/{slug}.md"),
        &format!(
            "---\ntitle: \"{title}\"\ndate: 2024-12-31T10:00:00+03:00\ncountries: [سوريا]\n---\n\nنص الخبر.\n"
        ),
    );
    site.build().success();
}

/// The demo site built with `args`, after asserting that a copy of it with
/// `change` made builds to the same output (`what` says how the two are
/// made, the changed one first).
fn same_when_changed(args: &[&str], change: impl Fn(&SiteTest), what: &str) -> SiteTest {
    let site = SiteTest::demo_copy();
    site.build_with(args).success();
    let changed = SiteTest::demo_copy();
    change(&changed);
    changed.build_with(args).success();
    assert_same_tree(
        &snapshot(changed.output()),
        &snapshot(site.output()),
        &format!("{args:?}: {what}"),
    );
    site
}

#[test]
fn teasers_made_once_read_as_rendered_on_each_page() {
    for args in [&[][..], &["--offline"][..]] {
        let made_once = same_when_changed(
            args,
            include_teasers,
            "lists rendering their own teasers, then made once",
        );
        let a = snapshot(made_once.output());
        let mut lists = 0;
        for (rel, entry) in &a {
            if let Entry::File(bytes) = entry {
                let text = String::from_utf8_lossy(bytes);
                lists += usize::from(text.contains("<article class=\"teaser"));
                assert!(
                    !text.contains('\u{E010}'),
                    "{args:?}: {rel} kept a teaser mark"
                );
            }
        }
        // Home, years, terms and their numbered pages, at every depth.
        assert!(lists > 40, "{args:?}: only {lists} pages with teasers");
        let page = made_once.read("page/2/index.html");
        assert!(
            page.contains("href=\"../../20"),
            "a numbered page's teasers link up two folders:\n{page}"
        );
    }
}

/// A month's page is given the fields of its teasers it reads (date, link,
/// language and title): it must read exactly as given whole teasers, which
/// its template gets once it reads an item itself.
#[test]
fn a_month_given_the_fields_it_reads_reads_as_given_whole_teasers() {
    for args in [&[][..], &["--offline"][..]] {
        let whole = |site: &SiteTest| {
            site.replace_in(
                "themes/default/templates/month.html",
                "{%- for a in articles %}\n<li>",
                "{%- for a in articles %}\n<li{% if a %}{% endif %}>",
            );
        };
        let fields =
            same_when_changed(args, whole, "months given whole teasers, then their fields");
        let month = fields.read("2024/05/index.html");
        assert!(
            month.matches("<time datetime=\"2024-05-").count() == 2 && month.contains("<a href="),
            "{args:?}: the month lists its stories by date and title:\n{month}"
        );
    }
}

#[test]
fn a_teaser_whose_text_holds_the_root_mark_is_made_for_each_page() {
    let site = SiteTest::demo_copy();
    let title = "خبر \u{E010}arshif:root\u{E011} غريب";
    add_newest(&site, "mark", title);
    // The home page's lead story (`front_html`) is made for its page; the
    // country's and the year's first teasers are made once, one and two
    // folders deep.
    for (page, root) in [
        ("index.html", "./"),
        ("countries/syria/index.html", "../../"),
        ("2024/index.html", "../"),
    ] {
        let html = site.read(page);
        assert!(html.contains(title), "{page}: the title lost its text");
        let link = format!("href=\"{root}2024/12/mark/\"");
        assert!(html.contains(&link), "{page}: no link {link}");
    }
}

#[test]
fn nothing_a_writer_types_takes_a_teasers_place() {
    let site = SiteTest::demo_copy();
    // The mark of the first teaser slot, as far as a writer can know it, in
    // the title of the newest story: on lists at one to two folders deep,
    // in its own teaser and beside others.
    let title = "خبر \u{E010}arshif:teaser:0\u{E011} مزيف";
    add_newest(&site, "fake", title);
    for page in [
        "index.html",
        "countries/syria/index.html",
        "2024/index.html",
    ] {
        let html = site.read(page);
        assert_eq!(
            html.matches(title).count(),
            1,
            "{page}: the title was not kept as written"
        );
        assert_eq!(html.matches("<article class").count(), 5, "{page}: {html}");
    }
}

/// The demo site with a teaser template that fails on every article: it
/// prints a field teasers do not have.
fn demo_with_a_broken_teaser() -> SiteTest {
    let site = SiteTest::demo_copy();
    site.replace_in(
        "themes/default/templates/teaser.html",
        "<h2",
        "{{ t.no_such_field }}<h2",
    );
    site
}

#[test]
fn a_broken_teaser_template_names_itself_and_the_article() {
    let site = demo_with_a_broken_teaser();
    site.build()
        .exit(1)
        .stderr_has("themes/default/templates/teaser.html")
        .stderr_has("no_such_field")
        .stderr_has("while rendering the teaser of content/");
    assert!(
        !site.output().exists(),
        "a failed first build wrote an output"
    );
}

#[test]
fn check_names_a_broken_teaser_template() {
    demo_with_a_broken_teaser()
        .run("check", &[])
        .exit(1)
        .stderr_has("themes/default/templates/teaser.html")
        .stderr_has("no_such_field");
}

#[test]
fn a_list_that_reads_a_teasers_field_gets_every_field() {
    // The default list prints only `t.html` and `t.front_html`, and gets
    // its teasers as those alone; one that reads a field too gets them all.
    let site = SiteTest::demo_copy();
    let list = "themes/default/templates/list.html";
    let text = fs::read_to_string(site.root().join(list)).unwrap();
    assert_eq!(text.matches("{{ t.html | safe }}").count(), 1);
    site.replace_in(
        list,
        "{{ t.html | safe }}",
        "{{ t.html | safe }}<p class=probe>{{ t.slug }}</p>",
    );
    site.build().success();
    let page = site.read("page/2/index.html");
    assert_eq!(page.matches("<p class=probe>").count(), 5, "{page}");
    assert!(!page.contains("<p class=probe></p>"), "{page}");
}

#[test]
fn a_theme_without_a_teaser_template_still_lists() {
    let site = SiteTest::demo_copy();
    include_teasers(&site);
    site.replace_in(
        "themes/default/templates/list.html",
        "{% include \"teaser.html\" %}",
        "<p>{{ t.title }}</p>",
    );
    fs::remove_file(site.root().join("themes/default/templates/teaser.html")).unwrap();
    site.build().success();
    let home = site.read("index.html");
    assert!(home.matches("<p>").count() >= 5, "{home}");
}
