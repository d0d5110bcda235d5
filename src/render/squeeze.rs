//! The theme's HTML templates with the whitespace between tags that no
//! browser shows taken out, once when the theme loads.
//!
//! Pages come out minified without the minifier walking each of them: most
//! of a page's bytes are the theme's own text, the same on every page, and
//! are squeezed here once; the markup values a page prints (an article's
//! body, a term's description) are minified where it prints them (see
//! [`Renderer`](super::Renderer)).
//!
//! Only the text outside Tera's tags changes, so a squeezed template
//! parses as its source does and prints the same values. In that text:
//! - a run of whitespace next to a tag of an element laid out as a block
//!   (or of the document's head) is dropped: browsers show none there;
//! - any other run with a line break in it becomes one space, which is how
//!   a browser shows it, inside a tag as between words;
//! - an attribute value written out in full loses its quotes where it can
//!   do without (`class="teaser"` is `class=teaser`);
//! - HTML comments are dropped (Tera's comments are Tera's), but for all
//!   of them where dropping them would change the template's Tera tags
//!   (see [`squeeze`]);
//! - the content of `<pre>`, `<textarea>`, `<script>`, `<style>` and
//!   `{% raw %}` is kept as written.
//!
//! Whitespace with no line break elsewhere is kept: it is how a template
//! puts a space between two inline elements.

use memchr::memmem;

/// Elements whose tags browsers show no whitespace next to: laid out as
/// blocks, list items or table parts by default, or only ever in the head.
const BLOCKS: [&str; 56] = [
    "address",
    "article",
    "aside",
    "base",
    "blockquote",
    "body",
    "caption",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "link",
    "main",
    "menu",
    "meta",
    "nav",
    "ol",
    "optgroup",
    "option",
    "p",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
    // The doctype: `<!DOCTYPE html>`.
    "!doctype",
];

/// Elements whose content is kept as written.
const VERBATIM: [&str; 4] = ["pre", "textarea", "script", "style"];

/// `source`, a template, with its insignificant whitespace and HTML
/// comments taken out (see the module's doc).
///
/// Taking text out could join what is left into a Tera tag the template
/// does not have: a `{` just before a dropped comment, or a `{{` that opens
/// no tag only because a quote in a dropped comment runs to the end. So
/// the result's Tera tags are checked against the template's: where they
/// differ, it is squeezed again with every comment kept, and failing that
/// the template is used as it is.
pub fn squeeze(source: &str) -> String {
    let tags: Vec<&str> = tera_tags(source).collect();
    [true, false]
        .into_iter()
        .map(|drop_comments| squeezed(source, drop_comments))
        .find(|out| tera_tags(out).eq(tags.iter().copied()))
        .unwrap_or_else(|| source.to_string())
}

/// [`squeeze`] in one pass, dropping HTML comments or not.
fn squeezed(source: &str, drop_comments: bool) -> String {
    let mut c = Squeezer {
        out: String::with_capacity(source.len()),
        mode: Mode::Text,
        prev: Side::Unknown,
        drop_comments,
    };
    for piece in pieces(source) {
        match piece {
            Piece::Tera(tag) => c.tera(tag),
            Piece::Text(text) => c.text(text),
        }
    }
    c.out
}

/// The Tera tags of a template, in order.
pub(super) fn tera_tags(source: &str) -> impl Iterator<Item = &str> {
    pieces(source).filter_map(|p| match p {
        Piece::Tera(tag) => Some(tag),
        Piece::Text(_) => None,
    })
}

/// A stretch of a template: one Tera tag (a `{% raw %}` block whole), or
/// the text between two.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Tera(&'a str),
    Text(&'a str),
}

/// The template cut into [`Piece`]s, in order; together they are the
/// template. A tag Tera would not close is text (Tera has parsed the
/// template already: there is none).
fn pieces(source: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = source;
    let mut pending: Option<&str> = None;
    std::iter::from_fn(move || {
        if let Some(tag) = pending.take() {
            return Some(Piece::Tera(tag));
        }
        if rest.is_empty() {
            return None;
        }
        let bytes = rest.as_bytes();
        let mut from = 0;
        while let Some(at) = memchr::memchr(b'{', &bytes[from..]).map(|i| from + i) {
            if let Some(len) = tera_tag_len(&rest[at..]) {
                let (text, tag) = (&rest[..at], &rest[at..at + len]);
                rest = &rest[at + len..];
                if text.is_empty() {
                    return Some(Piece::Tera(tag));
                }
                pending = Some(tag);
                return Some(Piece::Text(text));
            }
            from = at + 1;
        }
        let text = rest;
        rest = "";
        Some(Piece::Text(text))
    })
}

/// The length of the Tera tag `s` starts with, with the block it opens
/// when it is `{% raw %}`; None when `s` starts with no closed tag.
fn tera_tag_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let close: &[u8] = match b.get(1)? {
        b'#' => return memmem::find(&b[2..], b"#}").map(|i| i + 4),
        b'{' => b"}}",
        b'%' => b"%}",
        _ => return None,
    };
    // Up to the closing pair that is not in a string literal.
    let mut quote = None;
    let mut i = 2;
    let len = loop {
        let &c = b.get(i)?;
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, b'"' | b'\'' | b'`') => quote = Some(c),
            None if b[i..].starts_with(close) => break i + 2,
            None => {}
        }
        i += 1;
    };
    if close == b"%}" && statement(&s[..len]) == "raw" {
        let mut from = len;
        while let Some(at) = memmem::find(&b[from..], b"{%").map(|i| from + i) {
            let end = tera_tag_len(&s[at..])?;
            if statement(&s[at..at + end]) == "endraw" {
                return Some(at + end);
            }
            from = at + end;
        }
        return None;
    }
    Some(len)
}

/// What a `{% … %}` tag says, without its delimiters, whitespace control
/// and surrounding whitespace.
fn statement(tag: &str) -> &str {
    let inner = &tag[2..tag.len() - 2];
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    inner.trim()
}

/// Where the squeezer is in the HTML the template's text makes.
enum Mode {
    /// Between tags.
    Text,
    /// Inside the tag of the element `name`, in an attribute value quoted
    /// with `quote` if any.
    Tag {
        name: String,
        end: bool,
        quote: Option<u8>,
    },
    /// Inside a [`VERBATIM`] element, up to its end tag.
    Verbatim(&'static str),
    /// Inside an HTML comment that a Tera tag is in: kept.
    Comment,
}

/// What is next to a run of whitespace on one side.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    /// A tag of one of the [`BLOCKS`].
    Block,
    /// Text, or another tag.
    Inline,
    /// A Tera tag: what it prints is not known.
    Unknown,
}

struct Squeezer {
    out: String,
    mode: Mode,
    /// What the text written last ends with, for a run of whitespace that
    /// comes next.
    prev: Side,
    /// Whether HTML comments go (see [`squeeze`]).
    drop_comments: bool,
}

impl Squeezer {
    fn tera(&mut self, tag: &str) {
        self.out.push_str(tag);
        // A Tera comment prints nothing: what precedes it still does.
        if matches!(self.mode, Mode::Text) && !tag.starts_with("{#") {
            self.prev = Side::Unknown;
        }
    }

    fn text(&mut self, mut text: &str) {
        while !text.is_empty() {
            text = match self.mode {
                Mode::Text => self.between_tags(text),
                Mode::Tag { .. } => self.in_tag(text),
                Mode::Verbatim(name) => {
                    let at = find_end_tag(text, name).unwrap_or(text.len());
                    self.out.push_str(&text[..at]);
                    if at < text.len() {
                        self.mode = Mode::Text;
                    }
                    &text[at..]
                }
                Mode::Comment => match memmem::find(text.as_bytes(), b"-->") {
                    Some(i) => {
                        self.out.push_str(&text[..i + 3]);
                        self.mode = Mode::Text;
                        self.prev = Side::Inline;
                        &text[i + 3..]
                    }
                    None => {
                        self.out.push_str(text);
                        ""
                    }
                },
            };
        }
    }

    /// Squeezes the start of `text`, between tags; returns the rest.
    fn between_tags<'t>(&mut self, text: &'t str) -> &'t str {
        let b = text.as_bytes();
        let space = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
        if space > 0 {
            let next = match b.get(space) {
                None => Side::Unknown,
                Some(b'<') => tag_side(&text[space..]),
                Some(_) => Side::Inline,
            };
            let run = &text[..space];
            if self.prev == Side::Block || next == Side::Block {
                // Shown nowhere.
            } else if run.contains(['\n', '\r']) {
                self.out.push(' ');
            } else {
                self.out.push_str(run);
            }
            return &text[space..];
        }
        if text.starts_with("<!--") {
            return match memmem::find(&b[4..], b"-->") {
                // Dropped; what came before it is still what whitespace
                // after it follows.
                Some(i) if self.drop_comments => &text[4 + i + 3..],
                Some(i) => {
                    self.out.push_str(&text[..4 + i + 3]);
                    &text[4 + i + 3..]
                }
                None => {
                    self.out.push_str(text);
                    self.mode = Mode::Comment;
                    ""
                }
            };
        }
        if let Some((name, end, len)) = tag_name(text) {
            self.out.push_str(&text[..len]);
            self.mode = Mode::Tag {
                name,
                end,
                quote: None,
            };
            return &text[len..];
        }
        // Text up to the next whitespace or tag.
        let len = b[1..]
            .iter()
            .position(|c| c.is_ascii_whitespace() || *c == b'<')
            .map_or(b.len(), |i| i + 1);
        self.out.push_str(&text[..len]);
        self.prev = Side::Inline;
        &text[len..]
    }

    /// Squeezes the start of `text`, inside a tag; returns the rest.
    fn in_tag<'t>(&mut self, text: &'t str) -> &'t str {
        let Mode::Tag { name, end, quote } = &mut self.mode else {
            return text;
        };
        let b = text.as_bytes();
        if let Some(q) = *quote {
            let len = match memchr::memchr(q, b) {
                Some(i) => {
                    *quote = None;
                    i + 1
                }
                None => b.len(),
            };
            self.out.push_str(&text[..len]);
            return &text[len..];
        }
        match b[0] {
            q @ (b'"' | b'\'') if self.out.ends_with('=') => {
                if let Some(len) = unquoted(b) {
                    self.out.push_str(&text[1..len - 1]);
                    return &text[len..];
                }
                *quote = Some(q);
                self.out.push_str(&text[..1]);
                &text[1..]
            }
            b'"' | b'\'' => {
                *quote = Some(b[0]);
                self.out.push_str(&text[..1]);
                &text[1..]
            }
            b'>' => {
                self.out.push('>');
                let block = is_block(name);
                self.prev = if block { Side::Block } else { Side::Inline };
                self.mode = match VERBATIM.iter().find(|v| !*end && **v == name.as_str()) {
                    Some(v) => Mode::Verbatim(v),
                    None => Mode::Text,
                };
                &text[1..]
            }
            c if c.is_ascii_whitespace() => {
                let space = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
                let run = &text[..space];
                if run.contains(['\n', '\r']) {
                    self.out.push(' ');
                } else {
                    self.out.push_str(run);
                }
                &text[space..]
            }
            _ => {
                let len = b
                    .iter()
                    .position(|c| c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b'>'))
                    .unwrap_or(b.len());
                self.out.push_str(&text[..len]);
                &text[len..]
            }
        }
    }
}

/// The length of the quoted attribute value `value` starts with, when its
/// quotes can go: it is written out, not made by Tera, is not empty, has
/// nothing an unquoted value may not have, and a space or the tag's end
/// follows it.
fn unquoted(value: &[u8]) -> Option<usize> {
    let end = memchr::memchr(value[0], &value[1..])? + 1;
    let inner = &value[1..end];
    let bare = !inner.is_empty()
        && inner.iter().all(|c| {
            !(c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b'=' | b'<' | b'>' | b'`'))
        });
    let next = value.get(end + 1)?;
    (bare && (next.is_ascii_whitespace() || *next == b'>')).then_some(end + 1)
}

/// The name of the tag `text` starts with (lowercase), whether it is an
/// end tag, and the length of `<`, `/` and the name; None when `text` does
/// not start with a tag.
fn tag_name(text: &str) -> Option<(String, bool, usize)> {
    let b = text.as_bytes();
    if b.first() != Some(&b'<') {
        return None;
    }
    let end = b.get(1) == Some(&b'/');
    let start = if end { 2 } else { 1 };
    let first = *b.get(start)?;
    if !(first.is_ascii_alphabetic() || (first == b'!' && !end)) {
        return None;
    }
    let len = b[start + 1..]
        .iter()
        .position(|c| !(c.is_ascii_alphanumeric() || *c == b'-'))
        .map_or(b.len(), |i| start + 1 + i);
    Some((text[start..len].to_ascii_lowercase(), end, len))
}

/// What a run of whitespace before `text`, which starts with `<`, is next to.
fn tag_side(text: &str) -> Side {
    match tag_name(text) {
        Some((name, _, _)) if is_block(&name) => Side::Block,
        _ => Side::Inline,
    }
}

fn is_block(name: &str) -> bool {
    BLOCKS.contains(&name)
}

/// Where in `text` the end tag of `name` starts, matched as HTML does
/// (any case, then a space, `/` or `>`).
fn find_end_tag(text: &str, name: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(at) = memmem::find(&b[from..], b"</").map(|i| from + i) {
        let after = &b[at + 2..];
        if after.len() > name.len()
            && after[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && matches!(
                after[name.len()],
                b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'
            )
        {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_next_to_blocks_goes() {
        assert_eq!(
            squeeze("<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n<p>x</p>"),
            "<ul><li>a</li><li>b</li></ul><p>x</p>"
        );
        assert_eq!(
            squeeze("<!DOCTYPE html>\n<html lang=\"ar\">\n<head>\n<meta charset=\"utf-8\">\n<title> t </title>"),
            "<!DOCTYPE html><html lang=ar><head><meta charset=utf-8><title>t</title>"
        );
    }

    #[test]
    fn whitespace_between_inline_things_is_one_space() {
        assert_eq!(
            squeeze("<p>\n<span>a</span>\n  <span>b</span> <b>c</b>\n   word\n</p>"),
            "<p><span>a</span> <span>b</span> <b>c</b> word</p>"
        );
        // Next to what a Tera tag prints.
        assert_eq!(
            squeeze("<span>{{ a }}\n  {{ b }}</span>\n{% if x %}\n<li>"),
            "<span>{{ a }} {{ b }}</span> {% if x %}<li>"
        );
    }

    #[test]
    fn tera_tags_are_kept_whole() {
        let src = "<a href=\"{{ root }}\n x\"{% if a %} lang=\"{{ l }}\"{% endif %}>{{ \"  %} \n <p> \" }}</a>\n{# \n <p> \n #}";
        let out = squeeze(src);
        for piece in pieces(src) {
            if let Piece::Tera(tag) = piece {
                assert!(out.contains(tag), "{tag:?} lost in {out:?}");
            }
        }
        assert_eq!(
            out,
            "<a href=\"{{ root }}\n x\"{% if a %} lang=\"{{ l }}\"{% endif %}>{{ \"  %} \n <p> \" }}</a> {# \n <p> \n #}"
        );
    }

    #[test]
    fn the_pieces_are_the_template() {
        let src = "a {{ b }}{% raw %} {{ x }} \n {% endraw %}\n{#c#}{ d }{%- e -%}";
        let pieces: Vec<Piece> = pieces(src).collect();
        assert_eq!(
            pieces,
            [
                Piece::Text("a "),
                Piece::Tera("{{ b }}"),
                Piece::Tera("{% raw %} {{ x }} \n {% endraw %}"),
                Piece::Text("\n"),
                Piece::Tera("{#c#}"),
                Piece::Text("{ d }"),
                Piece::Tera("{%- e -%}"),
            ]
        );
    }

    #[test]
    fn verbatim_elements_and_raw_blocks_are_kept() {
        let src = "<pre>\n  a\n\n  b\n</pre>\n<script>\nif (a < b) {}\n</script>\n<textarea>\n x {{ v }}\n y\n</TEXTAREA>\n{% raw %}\n <p>\n{% endraw %}";
        assert_eq!(
            squeeze(src),
            "<pre>\n  a\n\n  b\n</pre><script>\nif (a < b) {}\n</script> <textarea>\n x {{ v }}\n y\n</TEXTAREA> {% raw %}\n <p>\n{% endraw %}"
        );
    }

    #[test]
    fn comments_go_unless_a_tera_tag_is_in_them() {
        assert_eq!(
            squeeze("<p>a\n<!-- note --> b</p><!-- {{ x }}\n -->\n<div>"),
            "<p>a  b</p><!-- {{ x }}\n --><div>"
        );
        // Nor after a `{`, which it keeps from opening a Tera tag.
        assert_eq!(squeezed("{<!-- c -->{ x }}", true), "{{ x }}");
        assert_eq!(squeeze("{<!-- c -->{ x }}"), "{<!-- c -->{ x }}");
        assert_eq!(squeeze("{<!---->% x %}\n<p>"), "{<!---->% x %}<p>");
        // Nor where the quote in it keeps a `{{` before it from opening a
        // tag (found by the property test below).
        let src = "{{% if a %}<!--<a title='-->{{ x }}\n<p>";
        assert_eq!(squeezed(src, true), "{{% if a %}{{ x }}<p>");
        assert_eq!(squeeze(src), "{{% if a %}<!--<a title='-->{{ x }}<p>");
    }

    #[test]
    fn quotes_go_from_values_written_out() {
        assert_eq!(
            squeeze("<a class=\"a-b\" href='x/y' title=\"a b\" alt=\"\" id=\"{{ i }}\" lang=\"x\"{% if a %} dir=\"rtl\"{% endif %}>"),
            "<a class=a-b href=x/y title=\"a b\" alt=\"\" id=\"{{ i }}\" lang=\"x\"{% if a %} dir=\"rtl\"{% endif %}>"
        );
        assert_eq!(squeeze("<br class=\"x\"/>"), "<br class=\"x\"/>");
    }

    #[test]
    fn line_breaks_inside_tags_are_one_space() {
        assert_eq!(
            squeeze("<a\n  href=\"x\"\n  title='a\n b'>t</a>"),
            "<a href=x title='a\n b'>t</a>"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Whatever the text around them, squeezing keeps every Tera tag
        /// as it is, and makes none: the template means the same to Tera.
        #[test]
        fn tera_tags_are_kept_and_none_made(
            tokens in proptest::collection::vec(proptest::sample::select(vec![
                "<p>", "</p>", "<span>", "</span>", "<pre>", "</pre>", "<script>",
                "</script>", "<!--", "-->", "<a href=", "<a title='", ">", "<", "/>",
                "{{ x }}", "{% if a %}", "{% endif %}", "{# c #}", "{% raw %}",
                "{% endraw %}", "{", "}", "%", "#", "-", " ", "\n", "\t", "a", "=",
                "\"", "'", "ب",
            ]), 0..40)
        ) {
            let source = tokens.concat();
            let squeezed = squeeze(&source);
            proptest::prop_assert_eq!(
                tera_tags(&squeezed).collect::<Vec<_>>(),
                tera_tags(&source).collect::<Vec<_>>(),
                "{:?} → {:?}", source, squeezed
            );
        }
    }

    #[test]
    fn the_default_themes_templates_parse_squeezed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates");
        let mut templates = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "html") {
                let source = std::fs::read_to_string(&path).unwrap();
                let name = path.file_name().unwrap().to_str().unwrap().to_string();
                let squeezed = squeeze(&source);
                assert!(squeezed.len() < source.len(), "{name} did not shrink");
                templates.push((name, squeezed));
            }
        }
        assert!(templates.len() > 5);
        let mut tera = tera::Tera::default();
        crate::render::filters::register_filters(&mut tera, crate::arabic::Digits::Latin);
        tera.add_raw_templates(templates).unwrap();
    }
}
