//! The Arabic analysis shared by the indexer and the browser
//! (`themes/default/static/search.js` implements the same steps, and
//! `tests/search-vectors.tsv` holds the word → key pairs both are checked
//! against).
//!
//! 1. **Fold** with [`fold_search`] (fold a of `docs/arabic.md` §1): NFC,
//!    presentation forms expanded, invisible marks, tashkeel and tatweel
//!    dropped, آ أ إ ٱ → ا, ى → ي, ة → ه, ؤ → و, ئ → ي, Persian ی ک → ي ك,
//!    Arabic-Indic and Persian digits → 0–9, Latin lowercased.
//! 2. **Split** into words: runs of letters and digits
//!    (`char::is_alphanumeric`; in JavaScript `[\p{Alphabetic}\p{N}]`).
//! 3. **Stem** each word made only of Arabic letters (U+0621–U+064A) with a
//!    light stemmer after light10 (`docs/arabic.md` §2): one prefix, then
//!    one suffix, each the first of its list that leaves at least
//!    [`MIN_STEM`] letters:
//!    * prefixes, longest first: وال بال كال فال لل ال;
//!    * suffixes, longest first: يين يون ات ون ين ها هم يه يا ه ي ا.
//!
//!    The suffixes يه (ية after folding), يا and ي make a country, its
//!    adjective and the variant spelling meet: سوريا, سورية, سوري, السوريين
//!    all give سور; روسيا, الروسية give روس. ان is *not* a suffix: it would
//!    turn لبنان into لبن and إيران into اير, and keep them apart from
//!    لبناني, إيراني (which meet them as it is).
//!
//! The single-letter proclitics و ف ب ل ك are too often a word's own first
//! letter (وزير، فكرة، بريطانيا، لبنان، كندا) to strip from a key. Instead a
//! word of the *text* that starts with one and keeps at least [`MIN_STEM`]
//! letters without it is indexed under a second key, the stem of the rest
//! ([`alt_key`]): «وروسيا» is found by روسيا, «بسوريا» by سوريا, while the
//! query وزير still means وزير. A query word has one key ([`key`]).
//!
//! Tag names are never stemmed: their words are indexed folded only
//! (see [`crate::search::index`]).

use crate::arabic::{block, fold_search};

/// The fewest letters a stripping step may leave.
pub const MIN_STEM: usize = 3;

/// Prefixes, longest first; at most one is stripped.
const PREFIXES: &[&str; 6] = &["وال", "بال", "كال", "فال", "لل", "ال"];

/// Suffixes, longest first; at most one is stripped.
const SUFFIXES: &[&str; 12] = &[
    "يين", "يون", "ات", "ون", "ين", "ها", "هم", "يه", "يا", "ه", "ي", "ا",
];

/// Single-letter proclitics that give a text word its second key.
const PROCLITICS: &[&str; 5] = &["و", "ف", "ب", "ل", "ك"];

/// The search fold of `text` (step 1).
pub fn fold(text: &str) -> String {
    fold_search(text)
}

/// The words of a text (steps 1 and 2): the words of [`fold`]`(text)`,
/// found in the same pass as the fold for most text.
pub struct FoldedWords {
    /// The words, joined by single spaces.
    text: String,
    /// Where each word of `text` ends, in bytes.
    ends: Vec<u32>,
}

impl FoldedWords {
    pub fn new(text: &str) -> FoldedWords {
        match crate::arabic::fold::fold_search_words(text) {
            Some((text, ends)) => FoldedWords { text, ends },
            None => {
                let folded = fold(text);
                let mut text = String::with_capacity(folded.len());
                let mut ends = Vec::new();
                for w in words(&folded) {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(w);
                    ends.push(text.len() as u32);
                }
                FoldedWords { text, ends }
            }
        }
    }

    /// The words, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let word = &self.text[start..end as usize];
            // The space after it.
            start = end as usize + 1;
            word
        })
    }

    /// How many words there are.
    pub fn word_count(&self) -> usize {
        self.ends.len()
    }

    /// The words, joined by single spaces.
    pub fn into_joined(self) -> String {
        self.text
    }
}

/// The words of folded text (step 2): the runs of letters and digits
/// (`char::is_alphanumeric`).
///
/// Found by bytes, as an article's text is thousands of them: ASCII answers
/// by itself, and a character of the Arabic block (two bytes led by
/// 0xD8–0xDB) by the table; only other characters are decoded.
pub fn words(folded: &str) -> impl Iterator<Item = &str> {
    // The table is looked up once, not at every character.
    let table: &[u64; 4] = &ARABIC_WORD_CHARS;
    let mut i = 0;
    std::iter::from_fn(move || {
        let start = loop {
            let (len, word) = char_at(folded, i, table)?;
            if word {
                break i;
            }
            i += len;
        };
        while let Some((len, true)) = char_at(folded, i, table) {
            i += len;
        }
        // Both ends are character boundaries: `char_at` steps by whole
        // characters.
        Some(&folded[start..i])
    })
}

/// The length of the character at byte `i` of `text` (a boundary) and
/// whether it is a word character; `None` at the end. `table` is
/// [`ARABIC_WORD_CHARS`].
///
/// Inlined into the loops of [`words`], with the rare characters (neither
/// ASCII nor Arabic) answered out of line.
#[inline(always)]
fn char_at(text: &str, i: usize, table: &[u64; 4]) -> Option<(usize, bool)> {
    let bytes = text.as_bytes();
    let b = *bytes.get(i)?;
    if b.is_ascii() {
        return Some((1, b.is_ascii_alphanumeric()));
    }
    if let (block::FIRST_LEAD..=block::LAST_LEAD, Some(&next)) = (b, bytes.get(i + 1)) {
        let at = block::offset(b, next);
        return Some((2, table[at / 64] & (1 << (at % 64)) != 0));
    }
    other_char_at(text, i)
}

/// [`char_at`] for a character that is neither ASCII nor Arabic.
#[cold]
#[inline(never)]
fn other_char_at(text: &str, i: usize) -> Option<(usize, bool)> {
    let c = text.get(i..)?.chars().next()?;
    Some((c.len_utf8(), is_word_char(c)))
}

/// First and one-past-last code point of the block [`ARABIC_WORD_CHARS`]
/// covers: Arabic (U+0600–U+06FF).
const ARABIC_BLOCK: (u32, u32) = (0x0600, 0x0700);

/// Per code point of [`ARABIC_BLOCK`], whether it is alphanumeric, as bits:
/// taken from `char::is_alphanumeric` itself, once.
static ARABIC_WORD_CHARS: std::sync::LazyLock<[u64; 4]> = std::sync::LazyLock::new(|| {
    let mut bits = [0u64; 4];
    for (i, code) in (ARABIC_BLOCK.0..ARABIC_BLOCK.1).enumerate() {
        if char::from_u32(code).is_some_and(char::is_alphanumeric) {
            bits[i / 64] |= 1 << (i % 64);
        }
    }
    bits
});

/// `c.is_alphanumeric()`, with Arabic letters and digits answered from a
/// small table instead of the general Unicode lookup, which is slow for
/// them (ASCII has its own fast path already).
fn is_word_char(c: char) -> bool {
    let code = c as u32;
    if (ARABIC_BLOCK.0..ARABIC_BLOCK.1).contains(&code) {
        return is_arabic_word_char(code);
    }
    c.is_alphanumeric()
}

/// [`ARABIC_WORD_CHARS`]' answer for `code`, a code point of
/// [`ARABIC_BLOCK`].
#[inline]
fn is_arabic_word_char(code: u32) -> bool {
    let i = (code - ARABIC_BLOCK.0) as usize;
    ARABIC_WORD_CHARS[i / 64] & (1 << (i % 64)) != 0
}

/// The key of one folded word (step 3), a part of it: the word itself
/// unless it is all Arabic letters, else its light stem.
pub fn key(word: &str) -> &str {
    stem(word).0
}

/// The key ([`key`]) and the second key ([`alt_key`]) of a folded text
/// word, the word stemmed once for both: what the indexer asks of every
/// distinct word of a text.
pub fn keys(word: &str) -> (&str, Option<&str>) {
    if !is_stemmable(word.as_bytes()) {
        // Not all Arabic letters, or too short to strip anything from:
        // then too short to lose a proclitic as well.
        return (word, None);
    }
    let (own, prefixed) = strip_affixes(word);
    if prefixed || !starts_with_proclitic(word.as_bytes()) {
        return (own, None);
    }
    // The proclitic is one letter, two bytes; the rest keeps MIN_STEM
    // letters, as the word has more than that.
    let alt = key(&word[2..]);
    (own, (alt != own).then_some(alt))
}

/// The light stem of `word` (a part of it), and whether a prefix was
/// stripped.
fn stem(word: &str) -> (&str, bool) {
    if is_stemmable(word.as_bytes()) {
        strip_affixes(word)
    } else {
        (word, false)
    }
}

/// Whether a stripping step could apply to a word of these bytes: all
/// basic Arabic letters, more of them than [`MIN_STEM`].
fn is_stemmable(bytes: &[u8]) -> bool {
    // A stripping step leaves MIN_STEM letters: a shorter word keeps all.
    bytes.len() >= 2 * (MIN_STEM + 1) && is_arabic_letters(bytes)
}

/// Whether `bytes` start with one of the [`PROCLITICS`].
fn starts_with_proclitic(bytes: &[u8]) -> bool {
    bytes.get(..2).is_some_and(|head| {
        let head = big_endian(head);
        PACKED_PROCLITICS
            .iter()
            .any(|&(proclitic, _)| proclitic == head)
    })
}

/// [`stem`] of a word that [`is_stemmable`].
///
/// Compared as numbers: every word of a text is stemmed, and an affix is
/// at most [`AFFIX_BYTES`] bytes, so the word's first and last ones, read
/// once, answer for every affix of the lists.
fn strip_affixes(word: &str) -> (&str, bool) {
    let bytes = word.as_bytes();
    // Every letter is two bytes (U+0621–U+064A), and the word has more of
    // them than the longest affix.
    let letters = |bytes: usize| bytes / 2;
    let head = big_endian(&bytes[..AFFIX_BYTES]);
    let tail = big_endian(&bytes[bytes.len() - AFFIX_BYTES..]);
    let mut start = 0;
    for &(prefix, n) in &PACKED_PREFIXES {
        if head >> (8 * (AFFIX_BYTES - n)) == prefix && letters(bytes.len() - n) >= MIN_STEM {
            start = n;
            break;
        }
    }
    let mut end = bytes.len();
    for &(suffix, n) in &PACKED_SUFFIXES {
        if tail & ((1 << (8 * n)) - 1) == suffix && letters(end - n - start) >= MIN_STEM {
            end -= n;
            break;
        }
    }
    // Both ends are letter boundaries: the affixes are whole letters.
    (&word[start..end], start > 0)
}

/// Whether `bytes` are all basic Arabic letters (U+0621–U+064A, two bytes
/// each: D8 A1–D8 BF, D9 80–D9 8A).
fn is_arabic_letters(bytes: &[u8]) -> bool {
    bytes.len() % 2 == 0
        && bytes.chunks_exact(2).all(|pair| match pair[0] {
            0xD8 => (0xA1..=0xBF).contains(&pair[1]),
            0xD9 => (0x80..=0x8A).contains(&pair[1]),
            _ => false,
        })
}

/// The most bytes an affix has (three letters).
const AFFIX_BYTES: usize = 6;

/// `bytes` (at most eight) as a big-endian number.
const fn big_endian(bytes: &[u8]) -> u64 {
    let mut n = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        n = (n << 8) | bytes[i] as u64;
        i += 1;
    }
    n
}

/// Each affix of `list` as [`big_endian`] gives it, with its length.
const fn packed<const N: usize>(list: &[&str; N]) -> [(u64, usize); N] {
    let mut out = [(0, 0); N];
    let mut i = 0;
    while i < N {
        let bytes = list[i].as_bytes();
        assert!(bytes.len() <= AFFIX_BYTES);
        out[i] = (big_endian(bytes), bytes.len());
        i += 1;
    }
    out
}

/// [`PREFIXES`], [`SUFFIXES`] and [`PROCLITICS`] as [`strip_affixes`] and
/// [`keys`] compare them.
const PACKED_PREFIXES: [(u64, usize); PREFIXES.len()] = packed(PREFIXES);
const PACKED_SUFFIXES: [(u64, usize); SUFFIXES.len()] = packed(SUFFIXES);
const PACKED_PROCLITICS: [(u64, usize); PROCLITICS.len()] = packed(PROCLITICS);

/// The second key of a folded text word that may start with a
/// single-letter proclitic: the key of the rest, when the word lost no
/// prefix to [`key`], the rest keeps at least [`MIN_STEM`] letters and its
/// key differs from the word's.
pub fn alt_key(word: &str) -> Option<&str> {
    keys(word).1
}

/// The keys of a query or any text: fold, split, [`key`] each word.
pub fn analyze(text: &str) -> Vec<String> {
    words(&fold(text)).map(|w| key(w).to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tests/search-vectors.tsv`: `word<TAB>key[<TAB>alt key]`, `#` comments.
    fn vectors() -> Vec<(String, String, Option<String>)> {
        let text = include_str!("../../tests/search-vectors.tsv");
        text.lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                let cols: Vec<&str> = l.split('\t').collect();
                assert!(cols.len() >= 2, "a vector needs word<TAB>key: {l:?}");
                let alt = cols.get(2).filter(|a| !a.is_empty()).map(|a| a.to_string());
                (cols[0].to_string(), cols[1].to_string(), alt)
            })
            .collect()
    }

    #[test]
    fn shared_vectors() {
        let vectors = vectors();
        assert!(vectors.len() >= 60, "only {} vectors", vectors.len());
        let mut wrong = Vec::new();
        for (word, want, want_alt) in &vectors {
            let keys = analyze(word);
            let got = keys.join(" ");
            let folded = fold(word);
            let alt: Vec<&str> = words(&folded).filter_map(alt_key).collect();
            let got_alt = (!alt.is_empty()).then(|| alt.join(" "));
            if &got != want || &got_alt != want_alt {
                wrong.push(format!(
                    "{word:?}: key {got:?} (want {want:?}), alt {got_alt:?} (want {want_alt:?})"
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn variants_meet() {
        let same = |a: &str, b: &str| assert_eq!(analyze(a), analyze(b), "{a} / {b}");
        same("الأسد", "الاسد");
        same("الأسد", "أسد");
        same("سورية", "سوريا");
        same("سَوْرِيَا", "سوريا");
        same("مسؤول", "مسوول");
        same("رئيس", "رييس");
        same("٢٠٢٠", "2020");
    }

    #[test]
    fn short_words_are_not_stemmed() {
        for w in ["الآن", "وزير", "قوات", "هذا", "لبنان", "إلى", "على"] {
            assert_eq!(analyze(w), vec![fold(w)], "{w}");
        }
    }

    /// The table answers exactly as `char::is_alphanumeric` for every code
    /// point of the block it covers, and so for every other one.
    #[test]
    fn word_chars_are_alphanumeric() {
        for code in 0..=0x10FFFF {
            if let Some(c) = char::from_u32(code) {
                assert_eq!(is_word_char(c), c.is_alphanumeric(), "U+{code:04X}");
            }
        }
    }

    proptest::proptest! {
        /// The byte scan finds the words splitting on every character
        /// that is not alphanumeric finds.
        #[test]
        fn words_are_the_alphanumeric_runs(
            text in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::char::range('\u{0600}', '\u{06FF}'),
                    proptest::char::range('\0', '\u{7F}'),
                    proptest::char::any(),
                ],
                0..40,
            ),
        ) {
            let text: String = text.into_iter().collect();
            let split: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            proptest::prop_assert_eq!(words(&text).collect::<Vec<_>>(), split);
        }

        /// Finding the words with the fold gives the words of the folded
        /// text: Arabic with tashkeel and tatweel, the letters the fold
        /// changes, presentation forms (which take the long way), Latin
        /// capitals, punctuation and every kind of white space.
        #[test]
        fn folded_words_are_the_words_of_the_fold(
            text in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::char::range('\u{0600}', '\u{06FF}'),
                    proptest::sample::select(vec![
                        'أ', 'إ', 'آ', 'ى', 'ة', 'ؤ', 'ئ', 'ی', 'ک', '\u{064E}', '\u{0651}',
                        '\u{0640}', '\u{0653}', '\u{0654}', '\u{200C}', '\u{FEFB}', ' ', '\n',
                        '\u{A0}', '\u{2003}', '،', '.', '-', 'A', 'ẞ', 'İ', '٣', '۴', '\u{0301}',
                    ]),
                    proptest::char::range('\0', '\u{7F}'),
                    proptest::char::any(),
                ],
                0..40,
            ),
        ) {
            let text: String = text.into_iter().collect();
            let folded = fold(&text);
            let expected: Vec<&str> = words(&folded).collect();
            let found = FoldedWords::new(&text);
            proptest::prop_assert_eq!(found.iter().collect::<Vec<_>>(), expected.clone());
            proptest::prop_assert_eq!(found.into_joined(), expected.join(" "));
        }
    }

    /// Whether `c` is a basic Arabic letter (ء … ي), the only letters the
    /// stemmer strips.
    fn is_arabic_letter(c: char) -> bool {
        ('\u{0621}'..='\u{064A}').contains(&c)
    }

    /// [`stem`] as first written, by strings: each list tried in order,
    /// the first affix that leaves [`MIN_STEM`] letters stripped.
    fn stem_by_strings(word: &str) -> (&str, bool) {
        if !word.chars().all(is_arabic_letter) {
            return (word, false);
        }
        let letters = |s: &str| s.chars().count();
        let mut stem = word;
        let mut prefixed = false;
        if let Some(rest) = PREFIXES
            .iter()
            .filter_map(|p| stem.strip_prefix(p))
            .find(|rest| letters(rest) >= MIN_STEM)
        {
            stem = rest;
            prefixed = true;
        }
        if let Some(rest) = SUFFIXES
            .iter()
            .filter_map(|s| stem.strip_suffix(s))
            .find(|rest| letters(rest) >= MIN_STEM)
        {
            stem = rest;
        }
        (stem, prefixed)
    }

    proptest::proptest! {
        /// Comparing affixes as numbers strips what comparing strings
        /// does: words made of an affix or none at either end and a few
        /// letters between (so of every length around the shortest that
        /// can be stemmed), and words with a letter from outside the basic
        /// range.
        #[test]
        fn stems_are_those_of_the_string_comparison(
            prefix in proptest::sample::select([&["", "و", "ل"][..], &PREFIXES[..]].concat()),
            middle in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => proptest::sample::select(vec!['و', 'ا', 'ل', 'ي', 'ن', 'ت', 'ه', 'م', 'س']),
                    1 => proptest::char::range('\u{0621}', '\u{064A}'),
                    1 => proptest::char::range('\u{0600}', '\u{06FF}'),
                    1 => proptest::char::range('a', 'z'),
                ],
                0..6,
            ),
            suffix in proptest::sample::select([&["", "ي", "ن"][..], &SUFFIXES[..]].concat()),
        ) {
            let word = format!("{prefix}{}{suffix}", middle.into_iter().collect::<String>());
            proptest::prop_assert_eq!(stem(&word), stem_by_strings(&word));
        }
    }

    /// [`alt_key`] as first written, by characters, stemming the word
    /// again.
    fn alt_key_by_chars(word: &str) -> Option<&str> {
        let mut chars = word.chars();
        let first = chars.next()?;
        let rest = chars.as_str();
        if !['و', 'ف', 'ب', 'ل', 'ك'].contains(&first) || rest.chars().count() < MIN_STEM {
            return None;
        }
        let (own, prefixed) = stem(word);
        if prefixed || !word.chars().all(is_arabic_letter) {
            return None;
        }
        let alt = key(rest);
        (alt != own).then_some(alt)
    }

    proptest::proptest! {
        /// [`keys`] gives the key and the second key as first written:
        /// words of an optional proclitic or other letter, an optional
        /// prefix, a few letters (mostly those of the affixes) and an
        /// optional suffix, so of every length around the shortest that
        /// can be stemmed or lose a proclitic.
        #[test]
        fn keys_are_those_first_written(
            proclitic in proptest::sample::select(vec!["", "و", "ف", "ب", "ل", "ك", "س", "ا", "a", "\u{0670}"]),
            prefix in proptest::sample::select([&[""][..], &PREFIXES[..]].concat()),
            middle in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => proptest::sample::select(vec!['و', 'ا', 'ل', 'ي', 'ن', 'ت', 'ه', 'م', 'ب', 'ك', 'ف']),
                    1 => proptest::char::range('\u{0621}', '\u{064A}'),
                    1 => proptest::char::range('\u{0600}', '\u{06FF}'),
                    1 => proptest::char::range('a', 'z'),
                ],
                0..6,
            ),
            suffix in proptest::sample::select([&[""][..], &SUFFIXES[..]].concat()),
        ) {
            let word = format!("{proclitic}{prefix}{}{suffix}", middle.into_iter().collect::<String>());
            proptest::prop_assert_eq!(keys(&word), (key(&word), alt_key_by_chars(&word)));
        }

        /// The same for any string.
        #[test]
        fn keys_of_any_string_are_those_first_written(word in "\\PC{0,8}") {
            proptest::prop_assert_eq!(keys(&word), (key(&word), alt_key_by_chars(&word)));
        }
    }

    #[test]
    fn alt_keys_only_for_proclitics() {
        assert_eq!(alt_key("وروسيا"), Some("روس"));
        assert_eq!(alt_key("روسيا"), None);
        assert_eq!(alt_key("والاسد"), None);
        assert_eq!(alt_key("وقت"), None);
        assert_eq!(alt_key("w123"), None);
    }
}
