//! Markdown bodies to HTML, with the facts templates need about them.
//!
//! One pass of pulldown-cmark (tables, footnotes, strikethrough) gives the
//! HTML, the first paragraph as plain text (the default summary), the word
//! count (for reading time), and the internal links (for `check`). Heading ids
//! are readable Arabic anchors. Site-root links (`/2020/10/x/`) are rewritten
//! relative to the page, so the output works under any sub-path and from disk.

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

use crate::arabic::{slug::anchor, word_count};
use crate::config::RawHtml;

/// How to render one body.
#[derive(Clone, Copy, Debug)]
pub struct MarkdownOptions<'a> {
    /// Relative path from the page to the site root, e.g. `../../../`.
    pub root: &'a str,
    /// Directory links end in `index.html`; remote images become links.
    pub offline: bool,
    pub raw_html: RawHtml,
}

/// A rendered body.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    pub html: String,
    pub facts: BodyFacts,
}

/// What the site model needs to know about a body, without its HTML: small
/// enough to keep for every article of a large archive, and to cache.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct BodyFacts {
    /// The first paragraph as plain text, cut at a word boundary.
    pub summary: super::Text,
    pub word_count: usize,
    /// Link and image targets as written, for the link checker.
    #[serde(with = "super::compact::list")]
    pub links: Vec<String>,
}

/// Longest default summary, in characters.
const SUMMARY_CHARS: usize = 240;

/// Which parts of a render a caller needs; the others are not computed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    /// The HTML alone: a page being rendered (its facts are in the model).
    Html,
    /// The facts alone: an article being loaded into the model.
    Facts,
    Both,
}

/// Renders Markdown `text`: its HTML and its facts.
pub fn render(text: &str, opts: MarkdownOptions<'_>) -> Rendered {
    render_parts(text, opts, Parts::Both)
}

/// Renders Markdown `text` to HTML only, skipping the facts (summary, word
/// count, links) that loading the article gathered already: the same HTML
/// as [`render`], for less work on every page of a build.
pub fn html(text: &str, opts: MarkdownOptions<'_>) -> String {
    render_parts(text, opts, Parts::Html).html
}

/// Gathers the facts of Markdown `text` without writing its HTML: the same
/// facts as [`render`], for loading an article into the model.
pub fn facts(text: &str, opts: MarkdownOptions<'_>) -> BodyFacts {
    render_parts(text, opts, Parts::Facts).facts
}

/// Renders the `parts` of Markdown `text` that a caller needs; the other
/// part of the result is left empty.
fn render_parts(text: &str, opts: MarkdownOptions<'_>, parts: Parts) -> Rendered {
    let gather = parts != Parts::Html;
    let write = parts != Parts::Facts;
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut events: Vec<Event<'_>> = Parser::new_ext(text, options).collect();

    let mut links = Vec::new();
    let mut plain = String::new();
    let mut summary: Option<String> = None;
    let mut paragraph: Option<String> = None;
    let mut depth = 0usize;
    let mut used_ids = std::collections::BTreeSet::new();

    let mut i = 0;
    while i < events.len() {
        match &events[i] {
            Event::Start(tag) => {
                depth += 1;
                match tag {
                    Tag::Paragraph if gather && depth == 1 && summary.is_none() => {
                        paragraph = Some(String::new())
                    }
                    Tag::Heading { id, .. } if write => {
                        let wanted = match id {
                            Some(id) => id.to_string(),
                            None => anchor(&heading_text(&events[i + 1..])),
                        };
                        let unique = unique_id(wanted, &mut used_ids);
                        if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                            *id = Some(CowStr::from(unique));
                        }
                    }
                    _ => {}
                }
                if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) =
                    &mut events[i]
                {
                    if gather {
                        links.push(dest_url.to_string());
                    }
                    if write {
                        *dest_url = CowStr::from(rewrite_url(dest_url, opts.root, opts.offline));
                    }
                }
                if write && opts.offline {
                    if let Event::Start(Tag::Image {
                        dest_url,
                        title,
                        id,
                        ..
                    }) = &events[i]
                    {
                        if is_remote(dest_url) {
                            let link = Tag::Link {
                                link_type: LinkType::Inline,
                                dest_url: dest_url.clone(),
                                title: title.clone(),
                                id: id.clone(),
                            };
                            events[i] = Event::Start(link);
                            if let Some(end) = matching_end(&events, i) {
                                events[end] = Event::End(TagEnd::Link);
                            }
                        }
                    }
                }
            }
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                if *end == TagEnd::Paragraph && depth == 0 {
                    if let Some(p) = paragraph.take() {
                        if !p.trim().is_empty() {
                            summary = Some(p);
                        }
                    }
                }
            }
            Event::Text(t) | Event::Code(t) if gather => {
                plain.push_str(t);
                plain.push(' ');
                if let Some(p) = paragraph.as_mut() {
                    p.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak if gather => {
                plain.push(' ');
                if let Some(p) = paragraph.as_mut() {
                    p.push(' ');
                }
            }
            Event::Html(h) | Event::InlineHtml(h) if opts.raw_html == RawHtml::Escape => {
                events[i] = Event::Text(h.clone());
            }
            _ => {}
        }
        i += 1;
    }

    let mut html = String::new();
    if write {
        demote_headings(&mut events);
        html.reserve(text.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
    }
    let facts = if gather {
        BodyFacts {
            summary: summary
                .map(|s| cut_at_word(&s, SUMMARY_CHARS))
                .unwrap_or_default()
                .into(),
            word_count: word_count(&plain),
            links,
        }
    } else {
        BodyFacts::default()
    };
    Rendered { html, facts }
}

/// The page's title is its only `<h1>`: when a body uses `#` headings, every
/// heading of that body moves one level down (h1 → h2 … h5 → h6).
fn demote_headings(events: &mut [Event<'_>]) {
    let has_h1 = events.iter().any(|e| {
        matches!(
            e,
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            })
        )
    });
    if !has_h1 {
        return;
    }
    let down = |level: HeadingLevel| match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    };
    for e in events {
        match e {
            Event::Start(Tag::Heading { level, .. }) | Event::End(TagEnd::Heading(level)) => {
                *level = down(*level)
            }
            _ => {}
        }
    }
}

/// The text inside a heading, given the events that follow its start.
fn heading_text(events: &[Event<'_>]) -> String {
    let mut text = String::new();
    for e in events {
        match e {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            _ => {}
        }
    }
    text
}

/// Index of the event that ends the element started at `start`.
fn matching_end(events: &[Event<'_>], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (j, e) in events.iter().enumerate().skip(start) {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

fn unique_id(wanted: String, used: &mut std::collections::BTreeSet<String>) -> String {
    if used.insert(wanted.clone()) {
        return wanted;
    }
    (1..)
        .map(|n| format!("{wanted}-{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .unwrap_or(wanted)
}

/// Whether `url` points to another host (or uses a scheme).
pub fn is_remote(url: &str) -> bool {
    url.starts_with("//") || has_scheme(url)
}

fn has_scheme(url: &str) -> bool {
    match url.find(':') {
        Some(colon) => {
            let scheme = &url[..colon];
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// Makes a site-root link (`/x/y/`) relative to the page, and in offline mode
/// points directory links at their `index.html`. Remote links, fragments and
/// relative links are left as written (apart from the offline `index.html`).
pub fn rewrite_url(url: &str, root: &str, offline: bool) -> String {
    if url.is_empty() || url.starts_with('#') || is_remote(url) {
        return url.to_string();
    }
    let mut out = match url.strip_prefix('/') {
        Some(rest) => format!("{root}{rest}"),
        None => url.to_string(),
    };
    if offline {
        let path_end = out.find(['?', '#']).unwrap_or(out.len());
        if out[..path_end].ends_with('/') {
            out.insert_str(path_end, "index.html");
        }
    }
    out
}

/// Cuts `text` to at most `max` characters at a word boundary, adding `…`.
pub fn cut_at_word(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    let mut s = cut[..at]
        .trim_end_matches(['،', ',', '؛', ';', ':', ' '])
        .to_string();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(offline: bool) -> MarkdownOptions<'static> {
        MarkdownOptions {
            root: "../../../",
            offline,
            raw_html: RawHtml::Allow,
        }
    }

    #[test]
    fn arabic_heading_ids_are_readable_and_unique() {
        let r = render(
            "## السياق الاقتصادي\n\nنص\n\n## السياق الاقتصادي\n",
            opts(false),
        );
        assert!(
            r.html.contains(r#"<h2 id="السياق-الاقتصادي">"#),
            "{}",
            r.html
        );
        assert!(
            r.html.contains(r#"<h2 id="السياق-الاقتصادي-1">"#),
            "{}",
            r.html
        );
    }

    #[test]
    fn body_h1_moves_down_so_the_title_stays_the_only_h1() {
        let r = render("# أ\n\n## ب\n", opts(false));
        assert!(r.html.contains("<h2 id=\"أ\">أ</h2>"), "{}", r.html);
        assert!(r.html.contains("<h3 id=\"ب\">ب</h3>"), "{}", r.html);
        let r = render("## ب\n", opts(false));
        assert!(r.html.contains("<h2 id=\"ب\">"), "{}", r.html);
    }

    #[test]
    fn root_links_become_relative() {
        let r = render(
            "[خبر](/2020/10/x/) و![صورة](/media/a.svg) [خارجي](https://example.org/)",
            opts(false),
        );
        assert!(
            r.html.contains(r#"href="../../../2020/10/x/""#),
            "{}",
            r.html
        );
        assert!(
            r.html.contains(r#"src="../../../media/a.svg""#),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"href="https://example.org/""#));
        assert_eq!(
            r.facts.links,
            ["/2020/10/x/", "/media/a.svg", "https://example.org/"]
        );
    }

    #[test]
    fn offline_links_name_index_html_and_remote_images_become_links() {
        let r = render(
            "[خبر](/2020/10/x/#a) ![شعار](https://example.org/logo.png)",
            opts(true),
        );
        assert!(
            r.html.contains(r#"href="../../../2020/10/x/index.html#a""#),
            "{}",
            r.html
        );
        assert!(!r.html.contains("<img"), "{}", r.html);
        assert!(
            r.html
                .contains(r#"<a href="https://example.org/logo.png">شعار</a>"#),
            "{}",
            r.html
        );
    }

    #[test]
    fn summary_words_and_features() {
        let md = "## عنوان\n\nالفقرة الأولى **مهمة**.\n\nالثانية~~محذوف~~.\n\n| أ | ب |\n|---|---|\n| 1 | 2 |\n\nنص[^1]\n\n[^1]: حاشية\n";
        let r = render(md, opts(false));
        assert_eq!(r.facts.summary, "الفقرة الأولى مهمة.");
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>"));
        assert!(r.html.contains("footnote"));
        assert!(r.facts.word_count >= 8, "{}", r.facts.word_count);
    }

    #[test]
    fn raw_html_can_be_escaped() {
        let md = "<script>alert(1)</script>\n\nنص <b>x</b>";
        let r = render(
            md,
            MarkdownOptions {
                raw_html: RawHtml::Escape,
                ..opts(false)
            },
        );
        assert!(!r.html.contains("<script>"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;"));
        let r = render(md, opts(false));
        assert!(r.html.contains("<script>"));
    }

    #[test]
    fn html_and_facts_alone_are_the_parts_of_a_whole_render() {
        let md = "# أ\n\nالفقرة الأولى [خبر](/2020/10/x/) ![صورة](https://example.org/a.png).\n\n## أ\n\n<b>x</b> `رمز`\n";
        for offline in [false, true] {
            for raw_html in [RawHtml::Allow, RawHtml::Escape] {
                let opts = MarkdownOptions {
                    raw_html,
                    ..opts(offline)
                };
                let whole = render(md, opts);
                assert_eq!(html(md, opts), whole.html);
                let alone = facts(md, opts);
                assert_eq!(alone.summary, whole.facts.summary);
                assert_eq!(alone.word_count, whole.facts.word_count);
                assert_eq!(alone.links, whole.facts.links);
            }
        }
    }

    #[test]
    fn cut_respects_words() {
        assert_eq!(cut_at_word("واحد اثنان ثلاثة", 12), "واحد اثنان…");
        assert_eq!(cut_at_word("قصير", 12), "قصير");
    }

    #[test]
    fn urls() {
        assert_eq!(rewrite_url("/", "../", true), "../index.html");
        assert_eq!(rewrite_url("mailto:a@b", "../", true), "mailto:a@b");
        assert_eq!(rewrite_url("#note", "../", true), "#note");
        assert_eq!(rewrite_url("other/", "../", true), "other/index.html");
        assert_eq!(rewrite_url("/a/?q=1", "./", true), "./a/index.html?q=1");
    }
}
