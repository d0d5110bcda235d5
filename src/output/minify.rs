//! Minifying the markup that values put in pages (an article's body, a
//! term's description): minify-html's one-pass variant where it accepts
//! it, minify-html itself where it does not. The theme's own text is
//! squeezed once instead (see `render::squeeze`).
//!
//! The one-pass variant minifies in place, about twice as fast, but refuses
//! HTML with omitted opening tags or stray closing tags, and it drops the
//! space between a quoted attribute value and the next attribute
//! (`title="a"href=b`). Browsers read that as if the space were there, but it
//! is a parse error, and pages must pass the Nu checker: [`space_attributes`]
//! puts the spaces back.

use std::ops::Range;

use memchr::memchr;

mod verbatim;

/// The minifier settings: spec-compliant output only (the Nu checker must pass).
fn minify_cfg() -> minify_html::Cfg {
    minify_html::Cfg {
        keep_html_and_head_opening_tags: true,
        minify_css: true,
        minify_js: true,
        ..minify_html::Cfg::new()
    }
}

/// The one-pass minifier's settings, as close to [`minify_cfg`] as it has.
const ONE_PASS: minify_html_onepass::Cfg = minify_html_onepass::Cfg {
    minify_css: true,
    minify_js: true,
};

/// Minifies HTML markup (an article's body, say); `None` when neither
/// minifier could.
///
/// Markup made from Markdown is well-formed and takes the fast path; raw
/// HTML a writer put in an article may not be, and then goes through
/// minify-html, which accepts anything.
///
/// minify-html asserts on some malformed raw HTML (found by fuzzing:
/// `<script>x</scriptcript>`). Such markup is better written as it is
/// than the build stopped, so panics are caught, and kept off the terminal:
/// the build warns about the page instead.
pub fn minify(html: &[u8]) -> Option<Vec<u8>> {
    thread_local! {
        static CFG: minify_html::Cfg = minify_cfg();
    }
    quiet_panics::install();
    if let Some(page) = one_pass_aside(html) {
        return Some(space_attributes(page));
    }
    CFG.with(|cfg| quiet_panics::catch(|| minify_html::minify(html, cfg)))
}

/// The one-pass minifier's output for `html`, with its verbatim runs set
/// aside meanwhile (see [`verbatim`]); `None` if it refuses the page.
fn one_pass_aside(html: &[u8]) -> Option<Vec<u8>> {
    let Some(aside) = verbatim::SetAside::new(html) else {
        return one_pass(html);
    };
    let minified = one_pass(aside.html())?;
    aside.put_back(html, &minified).or_else(|| one_pass(html))
}

/// The one-pass minifier's output for `html`; `None` if it refuses it.
fn one_pass(html: &[u8]) -> Option<Vec<u8>> {
    let mut page = html.to_vec();
    let done = quiet_panics::catch(|| minify_html_onepass::truncate(&mut page, &ONE_PASS).is_ok());
    (done == Some(true)).then_some(page)
}

/// Elements whose content is text up to their own end tag: nothing inside
/// them is a tag (raw text and RCDATA elements of the HTML parser, with
/// scripting on).
const RAW_TEXT: [&[u8]; 9] = [
    b"script",
    b"style",
    b"title",
    b"textarea",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"noscript",
];

/// `html` with a space after every quoted attribute value that is directly
/// followed by another attribute.
///
/// Tags are found as the minifier finds them ([`walk`]); only a quote that
/// opens a value (right after `=`) is paired, so text, comments and
/// scripts are never touched.
fn space_attributes(html: Vec<u8>) -> Vec<u8> {
    let mut gaps = Vec::new();
    walk(&html, |piece| {
        if let Piece::Gap(at) = piece {
            gaps.push(at);
        }
    });
    if gaps.is_empty() {
        return html;
    }
    let mut spaced = Vec::with_capacity(html.len() + gaps.len());
    let mut from = 0;
    for gap in gaps {
        spaced.extend_from_slice(&html[from..gap]);
        spaced.push(b' ');
        from = gap;
    }
    spaced.extend_from_slice(&html[from..]);
    spaced
}

/// What [`walk`] meets in a page, as positions in it.
enum Piece {
    /// Text the minifier reads: a stretch between markup (a `<` that opens
    /// nothing stays in it), and whether a comment, which the minifier
    /// drops, came just before it.
    Text(Range<usize>, bool),
    /// A start tag's attribute name and its quoted value (inside the
    /// quotes).
    Value(Range<usize>, Range<usize>),
    /// Where a quoted value runs into the next attribute (`title="a"href`).
    Gap(usize),
}

/// Walks `html` as the minifier reads it, giving `each` its pieces in
/// order. `<` and a letter, a digit, `:` or `-` opens a tag (the minifier
/// takes more for a tag name than HTML does); comments, CDATA sections,
/// doctypes and other `<!`, processing instructions and end tags are
/// skipped whole, and inside raw text elements (`script`, `style`,
/// `title`…) only their end tag counts.
fn walk(html: &[u8], mut each: impl FnMut(Piece)) {
    let (mut start, mut i, mut after_comment) = (0, 0, false);
    while let Some(found) = memchr(b'<', &html[i..]) {
        let at = i + found;
        i = at + 1;
        let Some(&c) = html.get(i) else { break };
        let tag = c.is_ascii_alphanumeric() || c == b':' || c == b'-';
        if !tag && !matches!(c, b'!' | b'?' | b'/') {
            continue;
        }
        each(Piece::Text(start..at, after_comment));
        let comment = html[i..].starts_with(b"!--");
        let end = if comment {
            after(html, i + 3, b"-->")
        } else if html[i..].starts_with(b"![CDATA[") {
            after(html, i + 8, b"]]>")
        } else if c == b'?' {
            after(html, i, b"?>")
        } else if !tag {
            after(html, i, b">")
        } else {
            let name_end = i + html[i..]
                .iter()
                .position(|&c| c.is_ascii_whitespace() || c == b'/' || c == b'>')
                .unwrap_or(html.len() - i);
            let name = &html[i..name_end];
            let end = start_tag(html, name_end, &mut each);
            match RAW_TEXT.iter().find(|r| r.eq_ignore_ascii_case(name)) {
                Some(raw) => after(html, end_tag(html, end, raw), b">"),
                None => end,
            }
        };
        (start, i, after_comment) = (end, end, comment);
    }
    each(Piece::Text(start..html.len(), after_comment));
}

/// The position after the first `end` at or after `i` (the end of the
/// input when there is none).
fn after(html: &[u8], i: usize, end: &[u8]) -> usize {
    let rest = &html[i.min(html.len())..];
    // Most ends are one `>`: memchr finds it without memmem's set-up.
    let found = match end {
        [byte] => memchr(*byte, rest),
        _ => memchr::memmem::find(rest, end),
    };
    found.map_or(html.len(), |at| i + at + end.len())
}

/// Reads a start tag's attributes from `i` (just after its name) to its
/// `>`, giving `each` their quoted values and the gaps after them. Returns
/// the position after the tag.
fn start_tag(html: &[u8], mut i: usize, each: &mut impl FnMut(Piece)) -> usize {
    let delimits = |c: u8| c.is_ascii_whitespace() || c == b'/' || c == b'>';
    while let Some(&c) = html.get(i) {
        if c == b'>' {
            return i + 1;
        }
        if c.is_ascii_whitespace() || c == b'/' {
            i += 1;
            continue;
        }
        // An attribute name (its first character may be anything else).
        let name_start = i;
        i += 1;
        while html.get(i).is_some_and(|&c| !delimits(c) && c != b'=') {
            i += 1;
        }
        let name = name_start..i;
        while html.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if html.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while html.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        match html.get(i) {
            Some(&quote @ (b'"' | b'\'')) => {
                let Some(close) = memchr(quote, &html[i + 1..]) else {
                    return html.len();
                };
                each(Piece::Value(name, i + 1..i + 1 + close));
                i += close + 2;
                if html.get(i).is_some_and(|&c| !delimits(c)) {
                    each(Piece::Gap(i));
                }
            }
            _ => {
                while html
                    .get(i)
                    .is_some_and(|&c| !c.is_ascii_whitespace() && c != b'>')
                {
                    i += 1;
                }
            }
        }
    }
    html.len()
}

/// The position of the end tag `</name` of a raw text element whose content
/// starts at `i` (the end of the input when there is none).
fn end_tag(html: &[u8], mut i: usize, name: &[u8]) -> usize {
    while let Some(found) = memchr(b'<', &html[i..]) {
        let at = i + found;
        let rest = &html[at + 1..];
        let closes = rest.first() == Some(&b'/')
            && rest.len() > name.len()
            && rest[1..=name.len()].eq_ignore_ascii_case(name)
            && rest
                .get(name.len() + 1)
                .is_none_or(|&c| c.is_ascii_whitespace() || c == b'/' || c == b'>');
        if closes {
            return at;
        }
        i = at + 1;
    }
    html.len()
}

/// Panics caught on purpose, kept quiet: a panic hook that stays silent on
/// the thread running [`catch`](quiet_panics::catch) and defers to the
/// previous hook elsewhere.
mod quiet_panics {
    use std::cell::Cell;
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::Once;

    thread_local! {
        static QUIET: Cell<bool> = const { Cell::new(false) };
    }

    /// Installs the hook once, on top of whatever hook is in place then.
    pub fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            let previous = panic::take_hook();
            panic::set_hook(Box::new(move |info| {
                if !QUIET.with(Cell::get) {
                    previous(info);
                }
            }));
        });
    }

    /// Runs `f`, turning a panic into `None` without a word on stderr.
    pub fn catch<T>(f: impl FnOnce() -> T) -> Option<T> {
        QUIET.with(|q| q.set(true));
        let result = panic::catch_unwind(AssertUnwindSafe(f));
        QUIET.with(|q| q.set(false));
        result.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spaced(html: &str) -> String {
        String::from_utf8(space_attributes(html.as_bytes().to_vec())).unwrap()
    }

    #[test]
    fn a_space_goes_between_a_quoted_value_and_the_next_attribute() {
        assert_eq!(
            spaced(r#"<a title="x y"href=b class='c'id=d>t</a>"#),
            r#"<a title="x y" href=b class='c' id=d>t</a>"#
        );
        assert_eq!(spaced(r#"<img alt="x">"#), r#"<img alt="x">"#);
        assert_eq!(spaced(r#"<p a="x"/>"#), r#"<p a="x"/>"#);
    }

    #[test]
    fn text_scripts_and_comments_are_left_alone() {
        let same = [
            r#"<p>قال "نعم"لا و"x"y</p>"#,
            r#"<script>var a="x"+b;if(a<b){c="d"e}</script><i a="1"b>"#,
            r#"<title><a b="c"d></title>"#,
            r#"<!-- <a b="c"d> --><p>"#,
            r#"<!doctype html><p>a < b "c"d"#,
            r#"<svg><![CDATA[<a b="c"d>]]></svg>"#,
            r#"<a b=c"d"e>"#,
            r#"<a "b"c>"#,
            r#"<a b="unclosed"#,
        ];
        for html in same {
            let expected = html.replace(r#"<i a="1"b>"#, r#"<i a="1" b>"#);
            assert_eq!(spaced(html), expected, "{html}");
        }
    }

    #[test]
    fn raw_text_ends_only_at_its_own_end_tag() {
        assert_eq!(
            spaced(r#"<style>a[b="c"d]{}</styles></STYLE ><a b="c"d>"#),
            r#"<style>a[b="c"d]{}</styles></STYLE ><a b="c" d>"#
        );
    }

    #[test]
    fn minified_pages_keep_their_attribute_spaces() {
        let page = r#"<!doctype html><html lang="ar" dir="rtl"><head><title>ت</title><link rel="alternate" type="application/atom+xml" title="أرشيف وكالة" href="a.xml"></head><body><p class="a b" id="x">نص</p></body></html>"#;
        let out = String::from_utf8(minify(page.as_bytes()).unwrap()).unwrap();
        assert!(out.contains(r#"title="أرشيف وكالة" href="#), "{out}");
        assert!(out.contains(r#"class="a b" id=x"#), "{out}");
    }

    /// Elements of pages, for [`minify_equals_minifying_the_whole_page`]:
    /// every kind of markup the runs set aside must stay out of.
    const ELEMENTS: &[(&str, &str)] = &[
        ("", ""),
        ("<p>", ""),
        ("<p>", "</p>"),
        ("<div class=\"a  b\">", "</div>"),
        ("<ul><li>", "</ul>"),
        ("<h2 id=x>", "</h2>"),
        ("<a href=\"../../countries/سوريا/\">", "</a>"),
        (
            "<a title=\"عنوان طويل فيه مسافات\"href=\"../../actors/الاستخبارات-الروسية/\">",
            "</a>",
        ),
        ("<span title=' عنوان بفراغ في أوله'>", "</span>"),
        ("<pre>", "</pre>"),
        ("<textarea>", "</textarea>"),
        ("<script>", "</script>"),
        ("<script type=\"application/javascript\">", "</script>"),
        ("<script type=application/ld+json>", "</script>"),
        ("<style>", "</style>"),
        ("<title>", "</title>"),
        ("<svg>", "</svg>"),
        ("<!-- ", " -->"),
        ("<![CDATA[", "]]>"),
    ];

    /// What goes inside them: text with entities, quotes and white space
    /// (a single space twice as often as the rest), void elements with
    /// values, comments, tags that nest or close the element early, and the
    /// markers themselves.
    const PIECES: &[&str] = &[
        "المتحدث",
        "باسم",
        "الوزارة",
        "long",
        "words",
        "here",
        " ",
        " ",
        "  ",
        "\n",
        "\t",
        "&amp;",
        "&amp",
        "&lt;",
        "&lt;b",
        "&quot;",
        "&#xE000;",
        "&#57345;",
        "&#xE002;",
        "\"",
        "'",
        "=",
        "`",
        ">",
        "<",
        "<3",
        "\u{E001}",
        "<br>",
        "<img alt=\"صورة من بنش\" src=x.jpg>",
        "<meta content=\"وصف طويل جدا للمقال المنشور\">",
        "<input disabled=\"قيمة طويلة جدا هنا\">",
        "<img src='../../media/2024/01/elections-syria.jpg'alt=x>",
        "<!-- تعليق -->",
        "<!---->",
        "<!x>",
        "<?x?>",
        "<b>",
        "</b>",
        "<p>",
        "</p>",
        "<li>",
        "</li>",
        "</div>",
    ];

    proptest::proptest! {
        // About one page in ten is well-formed and has runs to set aside.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        #[test]
        fn minify_equals_minifying_the_whole_page(
            elements in proptest::collection::vec(
                (
                    proptest::sample::select(ELEMENTS),
                    proptest::collection::vec(proptest::sample::select(PIECES), 0..16),
                ),
                0..12,
            ),
        ) {
            let html: String = elements
                .iter()
                .map(|((open, close), inside)| format!("{open}{}{close}", inside.concat()))
                .collect();
            proptest::prop_assert_eq!(one_pass_aside(html.as_bytes()), one_pass(html.as_bytes()));
        }
    }

    #[test]
    fn a_comment_dropped_before_a_run_leaves_no_tag_behind() {
        // Found by the property test: the minifier drops the comment and
        // must write `&LT` before `long`, or `<long…` would open a tag.
        let html = "&lt;<!-- تعليق -->longالوزارة".as_bytes();
        let out = minify(html).unwrap();
        assert!(
            out.starts_with(b"&LTlong"),
            "{}",
            String::from_utf8_lossy(&out)
        );
        assert_eq!(one_pass_aside(html), one_pass(html));
    }

    #[test]
    fn malformed_html_falls_back_on_minify_html() {
        // A stray closing tag is refused by the one-pass minifier.
        let html = b"<p>a</b></p>  <p>b";
        assert!(minify_html_onepass::copy(html, &ONE_PASS).is_err());
        let out = minify(html).unwrap();
        assert_eq!(out, minify_html::minify(html, &minify_cfg()));
        assert_eq!(String::from_utf8(out).unwrap(), "<p>a<p>b");
    }
}
