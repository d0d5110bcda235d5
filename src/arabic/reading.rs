//! Reading time (`docs/arabic.md` §6): counting words and saying how many
//! minutes an article takes, with correct Arabic plural agreement.
//!
//! The reading speed is configurable because published figures for Arabic
//! vary: about 138 words a minute read aloud, roughly 180 silently.

use unicode_segmentation::UnicodeSegmentation;

use super::date::Digits;
use super::plural::PluralForms;

/// Counts the words of body text by UAX #29 word boundaries.
///
/// UAX #29 splits at spaces and at Arabic punctuation (، ؛ « »), and keeps
/// tashkeel and tatweel inside their word, so vocalized text counts the same
/// as plain text. Clitics (و، ب، ال) stay part of their word, as readers see
/// them.
pub fn word_count(text: &str) -> usize {
    // UAX #29 never joins across white space, so each space-separated token
    // counts alone. Most tokens are plain letters, digits and harakat, which
    // UAX #29 keeps as one word: those are counted without the segmenter,
    // which is the slow part of loading a large archive.
    tokens(text).map(|t| words_of(t.text, t.simple)).sum()
}

/// A run of text between white space (see [`tokens`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub text: &'a str,
    /// Whether it is made only of simple word characters (see
    /// [`is_simple_word`]), as UAX #29 keeps in one word.
    pub simple: bool,
}

/// The runs of `text` between white space, as
/// `text.split(char::is_whitespace)` gives them (empty ones included), with
/// whether each is made of simple word characters.
///
/// Found by bytes: an ASCII byte is white space or not by itself, and no
/// character of the Arabic block (two bytes led by 0xD8–0xDB) is white
/// space; only other characters are decoded.
pub(crate) fn tokens(text: &str) -> impl Iterator<Item = Token<'_>> {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut simple = true;
        while i < bytes.len() {
            let b = bytes[i];
            // The Arabic block first: most bytes of Arabic text lead one of
            // its characters.
            let (len, space) = match b {
                0xD8..=0xDB => {
                    simple &= is_simple_arabic(b, bytes.get(i + 1));
                    (2, false)
                }
                b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => (1, true),
                b if b.is_ascii_alphanumeric() => (1, false),
                0..=0x7F => {
                    simple = false;
                    (1, false)
                }
                _ => {
                    let (len, space) = text[i..]
                        .chars()
                        .next()
                        .map_or((1, false), |c| (c.len_utf8(), c.is_whitespace()));
                    simple &= space;
                    (len, space)
                }
            };
            i += len;
            if space {
                let token = &text[start..i - len];
                start = i;
                return Some(Token {
                    text: token,
                    simple,
                });
            }
        }
        done = true;
        Some(Token {
            text: &text[start..],
            simple,
        })
    })
}

/// The words of one token, `simple` if it is made only of simple word
/// characters.
fn words_of(token: &str, simple: bool) -> usize {
    if simple && !starts_with_haraka(token) {
        usize::from(!token.is_empty())
    } else {
        token_words(token)
    }
}

/// Whether `s` opens with a haraka (U+064B–U+065F), which UAX #29 counts
/// as a word of its own when no letter comes before it.
fn starts_with_haraka(s: &str) -> bool {
    s.starts_with(|c| matches!(c, '\u{064B}'..='\u{065F}'))
}

/// The UAX #29 words of one token of text without white space.
fn token_words(token: &str) -> usize {
    // Punctuation at a token's edges never joins a word (UAX #29 joins `.`
    // `'` `:` only between letters or digits).
    let inner = token.trim_matches(is_edge_punctuation);
    // A haraka with no letter before it stands alone in UAX #29.
    if !starts_with_haraka(inner) && is_simple_word(inner.as_bytes()) {
        usize::from(!inner.is_empty())
    } else {
        token.unicode_words().count()
    }
}

/// Whether `word` is made only of the characters UAX #29 joins into one
/// word (ALetter, Numeric) and the harakat it attaches to them (Extend):
/// ASCII letters and digits, and the Arabic letters (U+0621–U+063A),
/// tatweel, harakat (U+0640–U+065F) and Arabic-Indic digits
/// (U+0660–U+0669), checked as UTF-8 bytes.
fn is_simple_word(word: &[u8]) -> bool {
    let mut i = 0;
    while i < word.len() {
        match word[i] {
            b if b.is_ascii_alphanumeric() => i += 1,
            b if is_simple_arabic(b, word.get(i + 1)) => i += 2,
            _ => return false,
        }
    }
    true
}

/// Whether the two bytes `lead` and `next` encode one of the Arabic
/// characters of [`is_simple_word`]: a letter (U+0621–U+063A), tatweel, a
/// haraka (U+0640–U+065F) or an Arabic-Indic digit (U+0660–U+0669).
fn is_simple_arabic(lead: u8, next: Option<&u8>) -> bool {
    matches!(
        (lead, next),
        (0xD8, Some(0xA1..=0xBA)) | (0xD9, Some(0x80..=0xA9))
    )
}

/// Punctuation that is never part of a word when it opens or closes a token.
fn is_edge_punctuation(c: char) -> bool {
    matches!(
        c,
        '.' | ','
            | ':'
            | ';'
            | '!'
            | '?'
            | '"'
            | '\''
            | '('
            | ')'
            | '«'
            | '»'
            | '،'
            | '؛'
            | '؟'
            | '…'
    )
}

/// Minutes to read `words` words at `wpm` words a minute, rounded up and at
/// least 1 (a page never claims to take no time). A `wpm` of 0 counts as 1
/// rather than dividing by zero.
pub fn reading_minutes(words: usize, wpm: u32) -> u32 {
    let wpm = u64::from(wpm.max(1));
    let words = u64::try_from(words).unwrap_or(u64::MAX);
    let minutes = words.div_ceil(wpm).max(1);
    u32::try_from(minutes).unwrap_or(u32::MAX)
}

/// The reading time as a phrase: "دقيقة واحدة"، "دقيقتان"، "5 دقائق"،
/// "11 دقيقة".
///
/// 0 gives "أقل من دقيقة". The dual after a preposition (دقيقتين) is the
/// caller's concern: this is the nominative form that stands alone, as in
/// "دقيقتان للقراءة".
pub fn minutes_phrase(minutes: u32, digits: Digits) -> String {
    const MINUTES: PluralForms<'static> = PluralForms {
        zero: "أقل من دقيقة",
        one: "دقيقة واحدة",
        two: "دقيقتان",
        few: "{n} دقائق",
        many: "{n} دقيقة",
        other: "{n} دقيقة",
    };
    MINUTES.pick(u64::from(minutes), digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_counts() {
        let vectors = [
            ("", 0),
            ("   ", 0),
            ("سوريا", 1),
            ("قال الرئيس، في كلمته؛ إن «الحرب» انتهت.", 7),
            ("مُحَمَّد رَسُول", 2),
            ("ســوريا اليوم", 2),
            ("والمدرسة بالقلم", 2),
            ("3 دقائق", 2),
            ("٢٠٢٠ عام", 2),
            ("دمشق/حلب", 2),
            ("Syria news: today", 3),
        ];
        for (text, want) in vectors {
            assert_eq!(word_count(text), want, "word_count({text:?})");
        }
    }

    /// Text of letters, harakat, digits, punctuation and white space: the
    /// edges of the ranges [`tokens`] and [`word_count`] tell apart by bytes,
    /// and spaces outside ASCII.
    const MIXED: &str = "[سوريابلنمـًَُِّ٣3a.,:;!?'\"()«»،؛؟… \u{200c}\u{200d}\u{301}\u{621}\u{63a}\u{63b}\u{640}\u{65f}\u{660}\u{669}\u{66a}\u{6f0}\u{6ff}\u{fefb}\u{a0}\u{85}\u{2003}\u{3000}\t\n\u{b}\u{c}\r-]{0,40}";

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Tokens are the runs `split(char::is_whitespace)` gives, and
        /// simple when every character is.
        #[test]
        fn tokens_are_the_split_at_white_space(
            text in MIXED
        ) {
            let got: Vec<Token<'_>> = tokens(&text).collect();
            let want: Vec<Token<'_>> = text
                .split(char::is_whitespace)
                .map(|t| Token { text: t, simple: is_simple_word(t.as_bytes()) })
                .collect();
            proptest::prop_assert_eq!(got, want);
        }

        /// Any mix of letters, harakat, digits and punctuation counts as
        /// UAX #29 counts it.
        #[test]
        fn the_fast_count_is_always_uax_29(
            text in MIXED
        ) {
            proptest::prop_assert_eq!(word_count(&text), text.unicode_words().count());
        }
    }

    #[test]
    fn the_fast_count_is_uax_29() {
        let seed =
            include_str!("../../tests/fixtures/seed/content/2020/10/russia-france-security.md");
        for text in [
            seed,
            "َ ً سوريا ِ 12 ab٣ c.d «قال» 3.5 don't ـــ ﻻ e\u{301} \u{200c}ب",
            "الأسد\u{200f} و\u{200d}ب x\ty\nz ١٢٣-٤٥٦",
            "«قال»، النار. (دمشق)؛ لماذا؟ ... «» .َ َ. 'x' don't. 3.5. a.b: «ـ» …حلب… ، ؟",
            // Found by the property below: a haraka before a digit.
            "\u{64e}3",
        ] {
            assert_eq!(word_count(text), text.unicode_words().count(), "{text:?}");
        }
    }

    #[test]
    fn minutes() {
        let vectors = [
            (0, 180, 1),
            (1, 180, 1),
            (180, 180, 1),
            (181, 180, 2),
            (380, 190, 2),
            (380, 180, 3),
            (1000, 200, 5),
            (10, 0, 10),
            (usize::MAX, 1, u32::MAX),
        ];
        for (words, wpm, want) in vectors {
            assert_eq!(
                reading_minutes(words, wpm),
                want,
                "reading_minutes({words}, {wpm})"
            );
        }
    }

    #[test]
    fn phrases() {
        let vectors = [
            (0, Digits::Latin, "أقل من دقيقة"),
            (1, Digits::Latin, "دقيقة واحدة"),
            (2, Digits::Latin, "دقيقتان"),
            (3, Digits::Latin, "3 دقائق"),
            (10, Digits::Latin, "10 دقائق"),
            (11, Digits::Latin, "11 دقيقة"),
            (99, Digits::Latin, "99 دقيقة"),
            (100, Digits::Latin, "100 دقيقة"),
            (101, Digits::Latin, "101 دقيقة"),
            (102, Digits::Latin, "102 دقيقة"),
            (103, Digits::Latin, "103 دقائق"),
            (5, Digits::Arabic, "٥ دقائق"),
            (25, Digits::Arabic, "٢٥ دقيقة"),
            (2, Digits::Arabic, "دقيقتان"),
        ];
        for (n, digits, want) in vectors {
            assert_eq!(
                minutes_phrase(n, digits),
                want,
                "minutes_phrase({n}, {digits:?})"
            );
        }
    }
}
