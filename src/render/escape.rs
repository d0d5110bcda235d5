//! Escaping of printed values for HTML pages and XML feeds: Tera's escape
//! functions.
//!
//! Every `{{ value }}` of a page goes through one of these, so they copy the
//! runs of text between special characters whole, and write a value with
//! none as it is. Pages escape what Tera 1's escaper did, but `/` (which
//! HTML does not need and the minifier would only decode again), so that
//! themes keep their output: `'` as `&#x27;` (Tera 2's own writes `&#39;`).

/// Escapes text for HTML content and quoted attribute values: `&`, `<`, `>`,
/// `"` and `'` (so that a theme may quote attributes either way).
///
/// A long value's special characters (a title's, a summary's) are found
/// with memchr's vectorized searches, one for `&<>` and one for the quotes,
/// merged in order: such values hold few or none, and a walk over all
/// their bytes was the larger part of printing them. A short value's (a
/// name's, a link's, a date's: most of a page's values) are found by that
/// walk, which costs less than setting the searches up.
pub fn escape_html(text: &str) -> String {
    let bytes = text.as_bytes();
    if bytes.len() <= SHORT {
        let specials = bytes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
            .map(|(i, _)| i);
        return replace_bytes(text, specials, html_entity);
    }
    let mut angles = memchr::memchr3_iter(b'&', b'<', b'>', bytes).peekable();
    let mut quotes = memchr::memchr2_iter(b'"', b'\'', bytes).peekable();
    let specials = std::iter::from_fn(move || match (angles.peek(), quotes.peek()) {
        (Some(&a), Some(&q)) if a < q => angles.next(),
        (Some(_), None) => angles.next(),
        _ => quotes.next(),
    });
    replace_bytes(text, specials, html_entity)
}

/// The longest value [`escape_html`] walks byte by byte.
const SHORT: usize = 64;

/// The reference [`escape_html`] writes for one of its special bytes.
fn html_entity(b: u8) -> &'static str {
    match b {
        b'&' => "&amp;",
        b'<' => "&lt;",
        b'>' => "&gt;",
        b'"' => "&quot;",
        _ => "&#x27;",
    }
}

/// `text` with the byte at each of `positions` (increasing, each of an
/// ASCII character) replaced by what `replacement` gives for it.
pub(crate) fn replace_bytes(
    text: &str,
    positions: impl Iterator<Item = usize>,
    replacement: impl Fn(u8) -> &'static str,
) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut from = 0;
    for at in positions {
        out.push_str(&text[from..at]);
        out.push_str(replacement(text.as_bytes()[at]));
        from = at + 1;
    }
    out.push_str(&text[from..]);
    out
}

/// Escapes text for XML content and attribute values. Characters XML 1.0
/// does not allow at all (control characters other than tab and line
/// breaks, U+FFFE and U+FFFF) are dropped rather than written.
pub fn escape_xml(text: &str) -> String {
    // Non-ASCII bytes give None: every cut falls on a character boundary.
    let special = |b: u8| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&apos;"),
        b'\t' | b'\n' | b'\r' => None,
        b if b < 0x20 => Some(""),
        _ => None,
    };
    let specials = text
        .bytes()
        .enumerate()
        .filter(|&(_, b)| special(b).is_some())
        .map(|(i, _)| i);
    let escaped = replace_bytes(text, specials, |b| special(b).unwrap_or_default());
    // U+FFFE and U+FFFF are EF BF BE and EF BF BF in UTF-8: rare enough to
    // be looked for once, after the common case.
    if escaped.contains(['\u{FFFE}', '\u{FFFF}']) {
        escaped.replace(['\u{FFFE}', '\u{FFFF}'], "")
    } else {
        escaped
    }
}

/// [`escape_html`] as Tera's escape function, writing to its output: a
/// value with nothing to escape (most are) is written as it is, with no
/// copy made.
pub fn write_html(text: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let bytes = text.as_bytes();
    let clean = if bytes.len() <= SHORT {
        !bytes
            .iter()
            .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    } else {
        memchr::memchr3(b'&', b'<', b'>', bytes).is_none()
            && memchr::memchr2(b'"', b'\'', bytes).is_none()
    };
    match clean {
        true => out.write_all(bytes),
        false => out.write_all(escape_html(text).as_bytes()),
    }
}

/// [`escape_xml`] as Tera's escape function, writing to its output.
pub fn write_xml(text: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    out.write_all(escape_xml(text).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn html_escaping() {
        assert_eq!(
            escape_html("a<b & \"c\" 'd'> سوريا/روسيا"),
            "a&lt;b &amp; &quot;c&quot; &#x27;d&#x27;&gt; سوريا/روسيا"
        );
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("&"), "&amp;");
        // Longer than SHORT: the vectorized searches.
        let long = "«سوريا» & <b>'x'</b> ".repeat(8);
        assert!(long.len() > SHORT);
        assert_eq!(escape_html(&long), html_by_char(&long));
    }

    #[test]
    fn xml_escaping() {
        assert_eq!(
            escape_xml("a<b & \"c\" 'd'>\u{1}\t\n"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\t\n"
        );
        assert_eq!(escape_xml("سوريا/روسيا\u{FFFE}x\u{FFFF}"), "سوريا/روسياx");
    }

    /// The character-by-character definitions the byte scan must agree with.
    fn html_by_char(text: &str) -> String {
        text.chars()
            .map(|c| match c {
                '&' => "&amp;".to_string(),
                '<' => "&lt;".to_string(),
                '>' => "&gt;".to_string(),
                '"' => "&quot;".to_string(),
                '\'' => "&#x27;".to_string(),
                c => c.to_string(),
            })
            .collect()
    }

    fn xml_by_char(text: &str) -> String {
        text.chars()
            .filter_map(|c| match c {
                '&' => Some("&amp;".to_string()),
                '<' => Some("&lt;".to_string()),
                '>' => Some("&gt;".to_string()),
                '"' => Some("&quot;".to_string()),
                '\'' => Some("&apos;".to_string()),
                c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => None,
                '\u{FFFE}' | '\u{FFFF}' => None,
                c => Some(c.to_string()),
            })
            .collect()
    }

    proptest! {
        #[test]
        fn the_byte_scan_escapes_as_the_characters_say(
            text in "[a-z&<>\"'/\\x00-\\x1f\u{600}-\u{6ff}\u{fffe}\u{ffff}\u{1f600} ]{0,200}"
        ) {
            prop_assert_eq!(escape_html(&text), html_by_char(&text));
            let mut written = Vec::new();
            write_html(&text, &mut written).unwrap();
            prop_assert_eq!(String::from_utf8(written).unwrap(), html_by_char(&text));
            let mut written = Vec::new();
            write_xml(&text, &mut written).unwrap();
            prop_assert_eq!(String::from_utf8(written).unwrap(), xml_by_char(&text));
            prop_assert_eq!(escape_xml(&text), xml_by_char(&text));
        }
    }
}
