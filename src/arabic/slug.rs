//! Slugs: the URL path segments of generated pages and the ids of headings
//! (`docs/arabic.md` §3).
//!
//! A [`Slug`] is always safe to use as one path segment on any platform: it is
//! NFC, non-empty, at most [`MAX_BYTES`] long, made of letters, digits, `-`
//! and `_` only (so never `.`, `..`, a separator, `%`, whitespace, a control
//! or a bidi mark), and not a Windows device name. Its constructors differ in
//! how they treat input that does not fit:
//!
//! * [`Slug::term`] derives a readable slug from a term's folded Arabic name;
//! * [`Slug::ascii`] and [`Slug::article`] validate a slug an author wrote
//!   and report, with a suggested fix, what is wrong;
//! * [`Slug::sanitize`] makes the best slug it can from free text.
//!
//! Slugs are never Latin transliterations: those are unreadable and collide
//! (سوريا and سوري are both `swry`).

use std::borrow::Borrow;
use std::fmt;

use unicode_normalization::char::is_combining_mark;

use super::fold::{
    expand_presentation_forms, fold_identity, is_invisible, is_tashkeel, nfc_cow, TATWEEL,
};

/// The longest slug, in UTF-8 bytes.
///
/// File systems cap a name at 255 bytes and an Arabic letter takes two; the
/// margin leaves room for suffixes such as `-2` that callers add to resolve
/// collisions.
pub const MAX_BYTES: usize = 200;

/// How many characters [`Slug::sanitize`] keeps: enough for a headline's
/// first dozen words, short enough for a readable URL.
const SANITIZE_MAX_CHARS: usize = 80;

/// A validated URL path segment (see the module docs for its guarantees).
///
/// Serializes as a plain string.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Slug(String);

/// Why a string is not acceptable as a slug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    /// Nothing usable is left: no letter or digit.
    #[error("slug is empty: it needs at least one letter or digit")]
    Empty,
    /// A character that cannot appear in a slug.
    #[error("slug contains {}, which slugs cannot contain{}", describe(*.ch), hint(.suggestion.as_deref()))]
    InvalidChar {
        /// The first offending character.
        ch: char,
        /// A corrected slug, when one can be made.
        suggestion: Option<String>,
    },
    /// Tashkeel, tatweel or another combining mark: slugs are written bare so
    /// that a vocalized and an unvocalized link reach the same page.
    #[error(
        "slug contains the mark {}; slugs are written without tashkeel, tatweel or other marks{}",
        describe(*.ch),
        hint(.suggestion.as_deref())
    )]
    Mark {
        /// The first offending mark.
        ch: char,
        /// The slug without its marks, when one is left.
        suggestion: Option<String>,
    },
    /// An explicit term slug with a non-ASCII character.
    #[error("slug must be ASCII, using only a-z, 0-9 and `-`{}", hint(.suggestion.as_deref()))]
    NotAscii {
        /// A corrected slug, when one can be made without losing letters.
        suggestion: Option<String>,
    },
    /// An ASCII slug that starts or ends with `-` or has `--`.
    #[error("slug must not start or end with `-` or contain `--`{}", hint(.suggestion.as_deref()))]
    Hyphens {
        /// The slug with its hyphens tidied.
        suggestion: Option<String>,
    },
    /// `.` or `..`, which name a folder rather than a page.
    #[error("slug `.` or `..` would point at a folder instead of a page")]
    DotSegment,
    /// Longer than [`MAX_BYTES`].
    #[error("slug is {bytes} bytes long in UTF-8; the limit is {max} bytes")]
    TooLong {
        /// The slug's length in bytes.
        bytes: usize,
        /// The limit, [`MAX_BYTES`].
        max: usize,
    },
    /// A Windows device name (`con`, `nul`, `com1`, …): a folder with that
    /// name cannot be unpacked on Windows, where archives are often browsed.
    #[error("slug `{slug}` is a reserved device name on Windows; choose another")]
    Reserved {
        /// The rejected slug.
        slug: String,
    },
}

impl Slug {
    /// Derives a term's slug from its name, for terms whose file gives none.
    ///
    /// The name goes through [`fold_identity`], so two spellings of one term
    /// get one slug; letters and digits are kept and every other run
    /// (spaces, punctuation, «», ،) becomes one `-`: "نظام الأسد" →
    /// `نظام-الاسد`. A name with no letter or digit is an error, never a
    /// silent empty slug.
    pub fn term(name: &str) -> Result<Slug, SlugError> {
        let folded = fold_identity(name);
        let slug = hyphenate(folded.chars(), is_decoration);
        Slug::checked(nfc_cow(&slug).into_owned())
    }

    /// Validates an explicit term slug from a term file, which must match
    /// `[a-z0-9]+(-[a-z0-9]+)*` so that important terms get stable, short,
    /// typeable URLs.
    pub fn ascii(s: &str) -> Result<Slug, SlugError> {
        if s.is_empty() {
            return Err(SlugError::Empty);
        }
        if !s.is_ascii() {
            return Err(SlugError::NotAscii {
                suggestion: ascii_fix(s),
            });
        }
        if let Some(ch) = s
            .chars()
            .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        {
            return Err(SlugError::InvalidChar {
                ch,
                suggestion: ascii_fix(s),
            });
        }
        if !s.bytes().any(|b| b.is_ascii_alphanumeric()) {
            return Err(SlugError::Empty);
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(SlugError::Hyphens {
                suggestion: ascii_fix(s),
            });
        }
        Slug::checked(s.to_owned())
    }

    /// Validates an article's explicit `slug:` from its front matter.
    ///
    /// The value is taken in NFC and may use letters and digits of any
    /// script, `-` and `_`. Anything else (`/`, `\`, `.`, `%`, `:`, spaces,
    /// controls, bidi marks, tashkeel) is reported with a suggestion from
    /// [`Slug::sanitize`], rather than silently changed, because the author
    /// chose this URL and links may already point to it.
    pub fn article(s: &str) -> Result<Slug, SlugError> {
        let s = nfc_cow(s);
        if s.is_empty() {
            return Err(SlugError::Empty);
        }
        if s == "." || s == ".." {
            return Err(SlugError::DotSegment);
        }
        let suggest = || Slug::sanitize(&s).map(String::from);
        for ch in s.chars() {
            if is_slug_char(ch) || ch == '-' || ch == '_' {
                continue;
            }
            return Err(if is_decoration(ch) {
                SlugError::Mark {
                    ch,
                    suggestion: suggest(),
                }
            } else {
                SlugError::InvalidChar {
                    ch,
                    suggestion: suggest(),
                }
            });
        }
        if !s.chars().any(is_slug_char) {
            return Err(SlugError::Empty);
        }
        Slug::checked(s.into_owned())
    }

    /// Makes the best readable slug it can from free text: file stems,
    /// titles for `arshif new`, heading text. Returns `None` when the text
    /// has no letter or digit.
    ///
    /// Letters are kept as written (أ, ة, ى are not folded, Arabic-Indic
    /// digits stay) because this slug is shown, not compared; invisible
    /// marks, tashkeel and tatweel are dropped, presentation forms expanded,
    /// cased letters lowercased, and every other run becomes one `-`. Longer
    /// results are cut to 80 characters at a `-` where possible.
    pub fn sanitize(s: &str) -> Option<Slug> {
        sanitize_with(s, true)
    }

    /// The slug as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Applies the checks every constructor shares.
    fn checked(s: String) -> Result<Slug, SlugError> {
        if !s.chars().any(is_slug_char) {
            return Err(SlugError::Empty);
        }
        if s.len() > MAX_BYTES {
            return Err(SlugError::TooLong {
                bytes: s.len(),
                max: MAX_BYTES,
            });
        }
        if is_reserved(&s) {
            return Err(SlugError::Reserved { slug: s });
        }
        Ok(Slug(s))
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Slug {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> String {
        slug.0
    }
}

/// A heading's `id`: [`Slug::sanitize`] of its text, or `section` when the
/// text has no letter or digit.
///
/// Ids are not file names, so unlike `sanitize` this keeps Windows device
/// names as they are. Making ids unique within a page is the caller's job.
pub fn anchor(text: &str) -> String {
    sanitize_with(text, false).map_or_else(|| "section".to_owned(), String::from)
}

fn sanitize_with(s: &str, avoid_reserved: bool) -> Option<Slug> {
    // Most file stems already are slugs; the full path below would give
    // them back as they are, at the cost of two normalizations.
    if is_plain_slug(s) && !(avoid_reserved && is_reserved(s)) {
        return Some(Slug(s.to_owned()));
    }
    sanitize_fully(s, avoid_reserved)
}

/// [`sanitize_with`] without its shortcut.
fn sanitize_fully(s: &str, avoid_reserved: bool) -> Option<Slug> {
    let s = nfc_cow(s);
    let s = expand_presentation_forms(&s);
    let lower = s.chars().flat_map(char::to_lowercase);
    let hyphenated = hyphenate(lower, |c| is_invisible(c) || is_decoration(c));
    let normalized = nfc_cow(&hyphenated);
    let mut slug = shorten(&normalized).to_owned();
    if slug.is_empty() {
        return None;
    }
    if avoid_reserved && is_reserved(&slug) {
        slug.push_str("-1");
    }
    Some(Slug(slug))
}

/// Whether `s` is letters and digits in words joined by single `-`, short
/// enough not to be cut, of characters that sanitizing leaves as they are:
/// lowercase ASCII letters, ASCII digits and the basic Arabic letters
/// (U+0621–U+063A, U+0641–U+064A: no tatweel, no mark, none that NFC or
/// lowercasing changes). Then it sanitizes to itself: most file stems are
/// such slugs (`arshif new` names a file so, after an Arabic title too).
fn is_plain_slug(s: &str) -> bool {
    // One pass: at 100,000 articles this runs for every file stem.
    let b = s.as_bytes();
    if b.first().is_none_or(|&c| c == b'-') || b.last() == Some(&b'-') {
        return false;
    }
    let mut count = 0;
    let mut hyphen = false;
    for c in s.chars() {
        count += 1;
        match c {
            '-' if hyphen => return false,
            '-' => hyphen = true,
            'a'..='z' | '0'..='9' | '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' => {
                hyphen = false
            }
            _ => return false,
        }
    }
    // At most two bytes a character: within `MAX_BYTES` too.
    count <= SANITIZE_MAX_CHARS
}

/// Keeps slug characters, drops those for which `skip` holds without
/// breaking the word, and turns every other run into one inner `-`.
fn hyphenate(chars: impl Iterator<Item = char>, skip: impl Fn(char) -> bool) -> String {
    let mut out = String::new();
    let mut pending = false;
    for c in chars {
        if is_slug_char(c) {
            if pending && !out.is_empty() {
                out.push('-');
            }
            pending = false;
            out.push(c);
        } else if !skip(c) {
            pending = true;
        }
    }
    out
}

/// Cuts a hyphenated slug to at most [`SANITIZE_MAX_CHARS`] characters and
/// [`MAX_BYTES`] bytes, at a `-` when the prefix has one.
fn shorten(s: &str) -> &str {
    let end = s
        .char_indices()
        .enumerate()
        .find(|&(count, (i, c))| count == SANITIZE_MAX_CHARS || i + c.len_utf8() > MAX_BYTES)
        .map_or(s.len(), |(_, (i, _))| i);
    // `end` is a char boundary from `char_indices`, so slicing cannot panic.
    let (head, tail) = s.split_at(end);
    if tail.is_empty() || tail.starts_with('-') {
        return head;
    }
    match head.rfind('-') {
        Some(i) if i > 0 => &head[..i],
        _ => head,
    }
}

/// A letter or digit of any script, excluding marks and tatweel (which are
/// Unicode-alphabetic but decorate rather than spell).
fn is_slug_char(c: char) -> bool {
    c.is_alphanumeric() && !is_decoration(c)
}

/// Tashkeel, Quranic marks, tatweel and any other combining mark.
fn is_decoration(c: char) -> bool {
    c == TATWEEL || is_tashkeel(c) || is_combining_mark(c)
}

/// Windows device names, which cannot be folder names there.
fn is_reserved(s: &str) -> bool {
    // Three or four ASCII letters and digits, lowercased without a copy of
    // the whole: every article's slug is asked.
    let b = s.as_bytes();
    if !(3..=4).contains(&b.len()) {
        return false;
    }
    let mut lower = [0; 4];
    for (l, c) in lower.iter_mut().zip(b) {
        *l = c.to_ascii_lowercase();
    }
    match &lower[..b.len()] {
        b"con" | b"prn" | b"aux" | b"nul" => true,
        [b'c', b'o', b'm', d] | [b'l', b'p', b't', d] => d.is_ascii_digit(),
        _ => false,
    }
}

/// The fix for a malformed ASCII slug: lowercase, other runs to `-`. `None`
/// when that would lose letters (a non-ASCII letter) or leave nothing.
fn ascii_fix(s: &str) -> Option<String> {
    if s.chars().any(|c| !c.is_ascii() && c.is_alphanumeric()) {
        return None;
    }
    let fixed = hyphenate(s.chars().map(|c| c.to_ascii_lowercase()), |_| false);
    (!fixed.is_empty()).then_some(fixed)
}

fn describe(ch: char) -> String {
    format!("{ch:?} (U+{:04X})", u32::from(ch))
}

fn hint(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(s) => format!("; try `{s}`"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Result<String, SlugError> {
        Ok(s.to_owned())
    }

    fn invalid(ch: char, suggestion: Option<&str>) -> Result<String, SlugError> {
        Err(SlugError::InvalidChar {
            ch,
            suggestion: suggestion.map(str::to_owned),
        })
    }

    fn run(f: fn(&str) -> Result<Slug, SlugError>, input: &str) -> Result<String, SlugError> {
        f(input).map(String::from)
    }

    #[test]
    fn term_vectors() {
        let vectors = [
            ("نظام الأسد", ok("نظام-الاسد")),
            ("علي مملوك", ok("علي-مملوك")),
            ("سورية", ok("سوريه")),
            ("سوريا", ok("سوريا")),
            ("«داعش»", ok("داعش")),
            ("هيئة تحرير الشام", ok("هيئه-تحرير-الشام")),
            ("حزب الله (لبنان)", ok("حزب-الله-لبنان")),
            ("الشرق الأوسط، وأفريقيا", ok("الشرق-الاوسط-وافريقيا")),
            ("مُحَمَّد", ok("محمد")),
            ("ســوريا", ok("سوريا")),
            ("ﻻ", ok("لا")),
            ("٢٠٢٠", ok("2020")),
            ("Syria News", ok("syria-news")),
            ("U.S.A.", ok("u-s-a")),
            ("  مصر  ", ok("مصر")),
            ("ک\u{200C}ی", ok("كي")),
            ("!!!", Err(SlugError::Empty)),
            ("", Err(SlugError::Empty)),
            ("\u{064E}\u{0640}", Err(SlugError::Empty)),
            (
                "CON",
                Err(SlugError::Reserved {
                    slug: "con".to_owned(),
                }),
            ),
        ];
        for (input, want) in vectors {
            assert_eq!(run(Slug::term, input), want, "Slug::term({input:?})");
        }
    }

    #[test]
    fn term_spellings_share_a_slug() {
        let slugs: Vec<_> = ["الأسد", "الاسد", "الإسد", "الأَسَد", "الـأسد"]
            .iter()
            .map(|s| Slug::term(s))
            .collect();
        assert!(slugs.windows(2).all(|w| w[0] == w[1]), "{slugs:?}");
    }

    #[test]
    fn ascii_vectors() {
        let hyphens = |s: Option<&str>| {
            Err(SlugError::Hyphens {
                suggestion: s.map(str::to_owned),
            })
        };
        let not_ascii = |s: Option<&str>| {
            Err(SlugError::NotAscii {
                suggestion: s.map(str::to_owned),
            })
        };
        let vectors = [
            ("syria", ok("syria")),
            ("ali-mamlouk", ok("ali-mamlouk")),
            ("a1-b2-3", ok("a1-b2-3")),
            ("2020", ok("2020")),
            ("Syria", invalid('S', Some("syria"))),
            ("ali mamlouk", invalid(' ', Some("ali-mamlouk"))),
            ("ali_mamlouk", invalid('_', Some("ali-mamlouk"))),
            ("../x", invalid('.', Some("x"))),
            ("a/b", invalid('/', Some("a-b"))),
            ("!!!", invalid('!', None)),
            ("-syria", hyphens(Some("syria"))),
            ("syria-", hyphens(Some("syria"))),
            ("a--b", hyphens(Some("a-b"))),
            ("سوريا", not_ascii(None)),
            ("syria-سوريا", not_ascii(None)),
            ("café", not_ascii(None)),
            ("«syria»", not_ascii(Some("syria"))),
            ("", Err(SlugError::Empty)),
            ("---", Err(SlugError::Empty)),
            (
                "nul",
                Err(SlugError::Reserved {
                    slug: "nul".to_owned(),
                }),
            ),
            (
                "lpt1",
                Err(SlugError::Reserved {
                    slug: "lpt1".to_owned(),
                }),
            ),
            ("lpt", ok("lpt")),
            ("console", ok("console")),
        ];
        for (input, want) in vectors {
            assert_eq!(run(Slug::ascii, input), want, "Slug::ascii({input:?})");
        }
    }

    #[test]
    fn article_vectors() {
        let mark = |ch, s: &str| {
            Err(SlugError::Mark {
                ch,
                suggestion: Some(s.to_owned()),
            })
        };
        let vectors = [
            ("سوريا-اليوم", ok("سوريا-اليوم")),
            ("syria_2020", ok("syria_2020")),
            ("Syria", ok("Syria")),
            ("أخبار", ok("أخبار")),
            ("ا\u{0654}حمد", ok("أحمد")),
            ("٢٠٢٠-تقرير", ok("٢٠٢٠-تقرير")),
            ("مُحَمَّد", mark('\u{064F}', "محمد")),
            ("ســوريا", mark(TATWEEL, "سوريا")),
            ("a/b", invalid('/', Some("a-b"))),
            ("a\\b", invalid('\\', Some("a-b"))),
            ("a.b", invalid('.', Some("a-b"))),
            ("a b", invalid(' ', Some("a-b"))),
            ("a:b", invalid(':', Some("a-b"))),
            ("a\0b", invalid('\0', Some("a-b"))),
            ("%2e%2e", invalid('%', Some("2e-2e"))),
            ("\u{202E}abc", invalid('\u{202E}', Some("abc"))),
            ("سوريا\u{200C}", invalid('\u{200C}', Some("سوريا"))),
            ("../", invalid('.', None)),
            ("..", Err(SlugError::DotSegment)),
            (".", Err(SlugError::DotSegment)),
            ("", Err(SlugError::Empty)),
            ("---", Err(SlugError::Empty)),
            ("_", Err(SlugError::Empty)),
            (
                "Aux",
                Err(SlugError::Reserved {
                    slug: "Aux".to_owned(),
                }),
            ),
        ];
        for (input, want) in vectors {
            assert_eq!(run(Slug::article, input), want, "Slug::article({input:?})");
        }
    }

    #[test]
    fn article_rejects_overlong() {
        let long = "س".repeat(MAX_BYTES);
        assert_eq!(
            Slug::article(&long),
            Err(SlugError::TooLong {
                bytes: 2 * MAX_BYTES,
                max: MAX_BYTES
            })
        );
        assert!(Slug::article(&"s".repeat(MAX_BYTES)).is_ok());
    }

    #[test]
    fn sanitize_vectors() {
        let vectors = [
            ("نظام الأسد", Some("نظام-الأسد")),
            ("مدرسة على الطريق", Some("مدرسة-على-الطريق")),
            ("مُحَمَّد", Some("محمد")),
            ("ســوريا", Some("سوريا")),
            ("ﻻ للحرب", Some("لا-للحرب")),
            ("Hello, World!", Some("hello-world")),
            ("my_file name.md", Some("my-file-name-md")),
            ("2020-10-27-سوريا", Some("2020-10-27-سوريا")),
            ("٢٠٢٠", Some("٢٠٢٠")),
            ("«الحرب» في سوريا؟", Some("الحرب-في-سوريا")),
            ("\u{202E}abc\u{202C}", Some("abc")),
            ("a\u{200B}b", Some("ab")),
            ("İstanbul", Some("istanbul")),
            ("CON", Some("con-1")),
            ("", None),
            ("!!!", None),
            ("\u{064E}\u{200F}", None),
        ];
        for (input, want) in vectors {
            let got = Slug::sanitize(input);
            assert_eq!(got.as_ref().map(Slug::as_str), want, "sanitize({input:?})");
        }
    }

    #[test]
    fn sanitize_cuts_long_text_at_a_hyphen() {
        let title = vec!["كلمة"; 30].join(" ");
        let slug = Slug::sanitize(&title).expect("slug");
        let s = slug.as_str();
        assert!(s.chars().count() <= SANITIZE_MAX_CHARS, "{s}");
        assert!(s.split('-').all(|w| w == "كلمة"), "{s}");
        assert_eq!(s.chars().count(), 16 * 4 + 15);

        let word = "ب".repeat(100);
        let slug = Slug::sanitize(&word).expect("slug");
        assert_eq!(slug.as_str(), "ب".repeat(SANITIZE_MAX_CHARS));

        // Four-byte letters hit the byte limit before the character limit.
        let wide = "𐐨".repeat(70);
        let slug = Slug::sanitize(&wide).expect("slug");
        assert!(slug.as_str().len() <= MAX_BYTES);
    }

    #[test]
    fn sanitize_output_is_a_valid_article_slug() {
        for input in hostile_inputs()
            .into_iter()
            .chain(["نظام الأسد", "A title!"])
        {
            if let Some(slug) = Slug::sanitize(input) {
                assert_eq!(Slug::article(slug.as_str()), Ok(slug.clone()), "{input:?}");
            }
        }
    }

    #[test]
    fn anchor_vectors() {
        let vectors = [
            ("مقدمة", "مقدمة"),
            ("الفصل الأول: البداية", "الفصل-الأول-البداية"),
            ("Con", "con"),
            ("!!!", "section"),
            ("", "section"),
        ];
        for (input, want) in vectors {
            assert_eq!(anchor(input), want, "anchor({input:?})");
        }
    }

    fn hostile_inputs() -> Vec<&'static str> {
        vec![
            "../../x",
            "/etc/passwd",
            "C:\\x",
            "C:\\Windows\\..\\x",
            "%2e%2e",
            "%2F",
            "a\0b",
            "\u{202E}abc",
            "abc\u{2066}",
            "..",
            ".",
            "...",
            "./.",
            " ",
            "\t\n",
            "-",
            "—",
            "a/../b",
            "\u{FEFF}",
            "\u{0000}\u{0001}\u{007F}",
            "nul",
            "com1",
            "سوريا/../..",
            "ﻻ/ﻻ",
        ]
    }

    #[test]
    fn no_constructor_yields_a_dangerous_slug() {
        for input in hostile_inputs() {
            let results = [
                Slug::term(input).ok(),
                Slug::ascii(input).ok(),
                Slug::article(input).ok(),
                Slug::sanitize(input),
                Some(Slug(anchor(input))),
            ];
            for slug in results.into_iter().flatten() {
                let s = slug.as_str();
                assert!(!s.is_empty() && s != "." && s != "..", "{input:?} -> {s:?}");
                assert!(
                    !s.chars()
                        .any(|c| matches!(c, '/' | '\\' | '\0' | '%' | '.' | ':')
                            || c.is_whitespace()
                            || c.is_control()
                            || is_invisible(c)),
                    "{input:?} -> {s:?}"
                );
            }
        }
    }

    #[test]
    fn error_messages_say_what_is_wrong() {
        let err = Slug::article("a/b").unwrap_err().to_string();
        assert_eq!(
            err,
            "slug contains '/' (U+002F), which slugs cannot contain; try `a-b`"
        );
        let err = Slug::article("مُحَمَّد").unwrap_err().to_string();
        assert!(err.contains("U+064F") && err.contains("محمد"), "{err}");
        let err = Slug::ascii("Syria").unwrap_err().to_string();
        assert!(err.ends_with("try `syria`"), "{err}");
    }

    #[test]
    fn slug_traits() {
        let slug = Slug::ascii("syria").expect("valid");
        assert_eq!(slug.to_string(), "syria");
        assert_eq!(slug.as_ref(), "syria");
        assert_eq!(serde_json::to_string(&slug).expect("json"), "\"syria\"");
        let set: std::collections::HashSet<Slug> = [slug].into_iter().collect();
        assert!(set.contains("syria"));
    }

    #[test]
    fn plain_slugs_take_the_shortcut_to_what_the_full_path_gives() {
        let long = "a".repeat(SANITIZE_MAX_CHARS);
        let longer = "a".repeat(SANITIZE_MAX_CHARS + 1);
        let long_arabic = "س".repeat(SANITIZE_MAX_CHARS);
        let longer_arabic = "س".repeat(SANITIZE_MAX_CHARS + 1);
        for s in [
            "040794-conscription-syria-saudi",
            "نظام-الأسد-2020",
            "سوريا",
            "مؤتمر-ـ-جنيف",
            "آب",
            "سُوريا",
            long_arabic.as_str(),
            longer_arabic.as_str(),
            "syria",
            "2020",
            "a-b",
            "con",
            "com1",
            "lpt9",
            "-a",
            "a-",
            "a--b",
            "A-b",
            "a_b",
            "a b",
            "",
            "-",
            long.as_str(),
            longer.as_str(),
        ] {
            for avoid_reserved in [true, false] {
                assert_eq!(
                    sanitize_with(s, avoid_reserved),
                    sanitize_fully(s, avoid_reserved),
                    "{s:?}"
                );
            }
        }
        assert!(is_plain_slug("040794-conscription-syria-saudi"));
        assert!(is_plain_slug("نظام-الأسد-2020") && is_plain_slug(&long_arabic));
        assert!(!is_plain_slug(&longer) && !is_plain_slug(&longer_arabic));
        assert!(!is_plain_slug("سُوريا"), "tashkeel");
        assert!(!is_plain_slug("مؤتمرـجنيف"), "tatweel");
    }

    proptest::proptest! {
        #[test]
        fn the_shortcut_never_changes_a_slug(
            s in "[a-z0-9\u{0620}-\u{064C}\u{0653}-]{0,90}",
            avoid_reserved: bool,
        ) {
            proptest::prop_assert_eq!(
                sanitize_with(&s, avoid_reserved),
                sanitize_fully(&s, avoid_reserved)
            );
        }
    }
}
