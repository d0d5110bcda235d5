//! Text the minifier would copy as it is, set aside while it runs.
//!
//! minify-html's one-pass variant walks text and attribute values byte by
//! byte, checking each for an entity, white space and markup, and an
//! article page is mostly text. But a run of words joined by single spaces,
//! with no `&`, `<` or quote in it, comes out of the minifier exactly as it
//! went in, and so does a quoted attribute value that is one such run.
//! [`SetAside`] replaces each with a marker of private-use characters
//! before the page is minified and puts them back after, so the minifier
//! walks a fraction of the page and the result is byte for byte what it
//! would have made of the whole (`minify_equals_minifying_the_whole_page`
//! checks this).
//!
//! Runs are only taken where the minifier sees text, as [`walk`] finds it:
//! outside tags, comments, doctypes, processing instructions, CDATA
//! sections and the content of raw text elements (`script`, `style`,
//! `title`…). A text run starts after white space or a tag, so nothing
//! before it reads its first character: not after a comment, which the
//! minifier drops, bringing the text before it next to the run
//! (`&lt;<!-- -->b` must come out as `&LTb`, not `<b`). Attribute values
//! are only taken from attributes the minifier has no rule for (no default
//! value it drops, no type it reads), and a value with a space in it is
//! replaced by two markers around a space, so that the minifier still
//! quotes it.

use std::ops::Range;

use memchr::memchr;

use super::{walk, Piece};

/// What stands for a run of text: U+E000, a private-use character no page
/// of ours contains (pages that do are minified whole).
const TEXT: &[u8] = "\u{E000}".as_bytes();

/// What stands for an attribute value with a space in it: U+E001, a space,
/// U+E001.
const SPACED: &[u8] = "\u{E001} \u{E001}".as_bytes();

/// What stands for an attribute value without a space: U+E002.
const UNSPACED: &[u8] = "\u{E002}".as_bytes();

/// The attributes whose values may be set aside: those that hold text or
/// links, which the minifier only quotes (or not).
const PLAIN_ATTRIBUTES: [&[u8]; 7] = [
    b"href",
    b"src",
    b"content",
    b"title",
    b"alt",
    b"datetime",
    b"aria-label",
];

/// The first byte of every marker.
const LEAD: u8 = 0xEE;

/// Runs shorter than this are left in place.
const SHORTEST: usize = 16;

/// A run set aside: its place in the page, and what stands for it.
struct Run {
    range: Range<usize>,
    marker: &'static [u8],
}

/// A page with its verbatim runs replaced by markers.
pub(super) struct SetAside {
    html: Vec<u8>,
    runs: Vec<Run>,
    /// The runs' length in all.
    kept: usize,
}

impl SetAside {
    /// `html` with its runs set aside; `None` when it has none worth it, or
    /// holds a marker already.
    pub(super) fn new(html: &[u8]) -> Option<SetAside> {
        let runs = runs(html);
        if runs.is_empty() || markers(html).next().is_some() {
            return None;
        }
        let kept: usize = runs.iter().map(|r| r.range.len()).sum();
        let mut out = Vec::with_capacity(html.len() - kept + runs.len() * SPACED.len());
        let mut from = 0;
        for run in &runs {
            out.extend_from_slice(&html[from..run.range.start]);
            out.extend_from_slice(run.marker);
            from = run.range.end;
        }
        out.extend_from_slice(&html[from..]);
        Some(SetAside {
            html: out,
            runs,
            kept,
        })
    }

    /// The page the minifier is to see.
    pub(super) fn html(&self) -> &[u8] {
        &self.html
    }

    /// `minified` (the minifier's output for [`SetAside::html`]) with each
    /// marker replaced by its run of `original`; `None` unless the markers
    /// are one for each run, in order (the minifier dropped a value, or
    /// decoded an entity into a marker).
    pub(super) fn put_back(&self, original: &[u8], minified: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(minified.len() + self.kept);
        let mut runs = self.runs.iter();
        let mut from = 0;
        for (at, marker) in markers(minified) {
            let run = runs.next().filter(|r| r.marker == marker)?;
            out.extend_from_slice(&minified[from..at]);
            out.extend_from_slice(&original[run.range.clone()]);
            from = at + marker.len();
        }
        out.extend_from_slice(&minified[from..]);
        runs.next().is_none().then_some(out)
    }
}

/// Where `html` holds a marker, and which. A U+E001 that is not part of a
/// marker counts as one too: markers are never lost from text, so with one
/// too many the runs cannot all be put back.
fn markers(html: &[u8]) -> impl Iterator<Item = (usize, &'static [u8])> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(found) = memchr(LEAD, &html[from..]) {
            let at = from + found;
            let rest = &html[at..];
            let marker = if rest.starts_with(SPACED) {
                SPACED
            } else if rest.starts_with(UNSPACED) {
                UNSPACED
            } else if rest.starts_with(TEXT) || rest.starts_with(&SPACED[..3]) {
                TEXT
            } else {
                from = at + 1;
                continue;
            };
            from = at + marker.len();
            return Some((at, marker));
        }
        None
    })
}

/// The runs of `html` worth setting aside, in order: in the text the
/// minifier reads ([`walk`]), and the quoted values of
/// [`PLAIN_ATTRIBUTES`] that are one run.
fn runs(html: &[u8]) -> Vec<Run> {
    let mut runs = Vec::new();
    walk(html, |piece| match piece {
        Piece::Text(text, after_comment) => text_runs(html, text, after_comment, &mut runs),
        Piece::Value(name, range) => {
            let name = &html[name];
            let plain = PLAIN_ATTRIBUTES
                .iter()
                .any(|a| a.eq_ignore_ascii_case(name));
            // Only a plain attribute's value is read.
            if let Some(marker) = plain.then(|| value_marker(&html[range.clone()])).flatten() {
                runs.push(Run { range, marker });
            }
        }
        Piece::Gap(_) => {}
    });
    runs
}

/// What stands for an attribute value that is one run (which the minifier
/// copies as it is, quoted if it has a space), or `None`.
fn value_marker(value: &[u8]) -> Option<&'static [u8]> {
    let plain = |c: &u8| CLASS[usize::from(*c)] == PLAIN;
    let run = value.len() >= SHORTEST
        && value.first().is_some_and(plain)
        && value.last().is_some_and(plain)
        && value.iter().all(|c| plain(c) || *c == b' ')
        && !value.windows(2).any(|w| w == b"  ");
    match run {
        false => None,
        true if value.contains(&b' ') => Some(SPACED),
        true => Some(UNSPACED),
    }
}

/// What each byte is to [`text_runs`]: white space as HTML (and the
/// minifier) knows it, or special (markup, entities, quotes and control
/// characters: a word holding one must stay for the minifier to read), or
/// plain.
const CLASS: [u8; 256] = {
    let mut class = [PLAIN; 256];
    let mut c = 0;
    while c < 0x20 {
        class[c] = SPECIAL;
        c += 1;
    }
    class[0x7F] = SPECIAL;
    let special = b"<>&\"'=`";
    let mut i = 0;
    while i < special.len() {
        class[special[i] as usize] = SPECIAL;
        i += 1;
    }
    let space = b"\t\n\x0C\r ";
    let mut i = 0;
    while i < space.len() {
        class[space[i] as usize] = SPACE;
        i += 1;
    }
    class
};
const PLAIN: u8 = 0;
const SPECIAL: u8 = 1;
const SPACE: u8 = 2;

/// Adds to `runs` the runs of `text`: words with nothing special in them,
/// joined by single spaces, at least [`SHORTEST`] bytes long. When `text`
/// follows a comment, its first word is not taken.
fn text_runs(html: &[u8], text: Range<usize>, after_comment: bool, runs: &mut Vec<Run>) {
    let mut run: Option<Range<usize>> = None;
    let mut close = |run: &mut Option<Range<usize>>| {
        if let Some(range) = run.take().filter(|r| r.len() >= SHORTEST) {
            runs.push(Run {
                range,
                marker: TEXT,
            });
        }
    };
    let mut i = text.start;
    while i < text.end {
        if CLASS[usize::from(html[i])] == SPACE {
            i += 1;
            continue;
        }
        let start = i;
        let mut seen = PLAIN;
        // Bytes that lead or continue a multi-byte character are plain:
        // an Arabic word is skipped eight bytes at a time, up to its first
        // ASCII byte (most often the space after it).
        while let Some(eight) = html.get(i..i + 8).filter(|_| i + 8 <= text.end) {
            let word = u64::from_le_bytes(eight.try_into().unwrap_or_default());
            let ascii = !word & 0x8080_8080_8080_8080;
            if ascii != 0 {
                i += ascii.trailing_zeros() as usize / 8;
                break;
            }
            i += 8;
        }
        while i < text.end {
            let class = CLASS[usize::from(html[i])];
            if class == SPACE {
                break;
            }
            seen |= class;
            i += 1;
        }
        if seen != PLAIN || (after_comment && start == text.start) {
            close(&mut run);
            continue;
        }
        match &mut run {
            Some(r) if start == r.end + 1 && html[r.end] == b' ' => r.end = i,
            _ => {
                close(&mut run);
                run = Some(start..i);
            }
        }
    }
    close(&mut run);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runs `html` has set aside, as text (attribute values marked `=`).
    fn aside(html: &str) -> Vec<String> {
        SetAside::new(html.as_bytes()).map_or(Vec::new(), |s| {
            s.runs
                .iter()
                .map(|r| {
                    let text = &html[r.range.clone()];
                    if r.marker == TEXT {
                        text.to_string()
                    } else {
                        format!("={text}")
                    }
                })
                .collect()
        })
    }

    #[test]
    fn text_runs_are_words_joined_by_single_spaces() {
        assert_eq!(
            aside("<p>قال المتحدث باسم الوزارة  إن الاجتماع\nانتهى &amp; لم يصدر بيان عن المجلس"),
            // «انتهى» after the newline is too short to be worth a marker.
            [
                "قال المتحدث باسم الوزارة",
                "إن الاجتماع",
                "لم يصدر بيان عن المجلس"
            ]
        );
        // Too short to be worth a marker.
        assert!(aside("<p>قال إن</p>").is_empty());
    }

    #[test]
    fn values_are_set_aside_whole() {
        let html = r#"<meta content="وصف المقال كما كتبه المحرر"><a title=" فراغ في أوله وآخره " href='../../countries/سوريا/'>x</a><i title="قيمة فيها &amp; كيان"><input type="application/javascript" value="قيمة لا تخص الروابط">"#;
        assert_eq!(
            aside(html),
            ["=وصف المقال كما كتبه المحرر", "=../../countries/سوريا/"]
        );
        let aside = SetAside::new(html.as_bytes()).unwrap();
        let markers: Vec<_> = aside.runs.iter().map(|r| r.marker).collect();
        assert_eq!(markers, [SPACED, UNSPACED]);
    }

    #[test]
    fn comments_raw_text_and_tags_hold_no_run() {
        let html = r#"<!-- تعليق طويل لا يمس أبدا --><script>var a = "نص طويل لا يمس أبدا";</script><title>عنوان طويل لا يمس أبدا</title><p>نص طويل يمكن نقله جانبا"#;
        assert_eq!(aside(html), ["نص طويل يمكن نقله جانبا"]);
        // `<3` is a tag to the minifier: nothing in it is text.
        assert!(aside("<3 long words in a tag name>").is_empty());
    }

    #[test]
    fn no_run_starts_where_a_dropped_comment_was() {
        // The minifier drops the comment: `<` (decoded) then meets `long`.
        assert!(aside("&lt;<!-- تعليق -->longالوزارة").is_empty());
        assert_eq!(aside("&lt;<!-- تعليق -->x longالوزارة"), ["longالوزارة"]);
        assert_eq!(aside("<p>longالوزارة"), ["longالوزارة"]);
    }

    #[test]
    fn a_page_holding_a_marker_is_left_whole() {
        for marker in ["\u{E000}", "\u{E001}", "\u{E002}"] {
            let html = format!("<p>{marker} نص طويل يمكن نقله جانبا");
            assert!(aside(&html).is_empty(), "{marker}");
        }
    }

    #[test]
    fn put_back_refuses_markers_that_are_not_the_runs() {
        let html = r#"<p title="عنوان طويل فيه مسافات">نص طويل يمكن نقله جانبا"#.as_bytes();
        let aside = SetAside::new(html).unwrap();
        assert_eq!(
            aside.html(),
            "<p title=\"\u{E001} \u{E001}\">\u{E000}".as_bytes()
        );
        assert_eq!(aside.put_back(html, aside.html()).unwrap(), html);
        let refused = [
            // A value dropped, one text marker too many, markers swapped.
            "<p>\u{E000}",
            "<p title=\"\u{E001} \u{E001}\">\u{E000}\u{E000}",
            "<p title=\"\u{E000}\">\u{E001} \u{E001}",
            // A value whose space the minifier trimmed.
            "<p title=\"\u{E001}\u{E001}\">\u{E000}",
        ];
        for minified in refused {
            assert_eq!(
                aside.put_back(html, minified.as_bytes()),
                None,
                "{minified}"
            );
        }
    }
}
