//! Alphabetical order for Arabic (`docs/arabic.md` §8): term indexes, author
//! lists and anything else sorted for readers.
//!
//! Code-point order puts آ, أ, إ and ا far apart and mixes hamza forms; the
//! Unicode Collation Algorithm with the CLDR "ar" tailoring sorts the way an
//! Arabic dictionary does. Collation decides order only, never identity:
//! terms are the same only when [`fold_identity`](super::fold_identity)
//! says so.

use std::cmp::Ordering;

use icu_collator::options::{CollatorOptions, Strength};
use icu_collator::{Collator, CollatorBorrowed};
use icu_locale_core::locale;

/// Compares strings in Arabic alphabetical order.
///
/// Comparison is at primary strength (tashkeel, tatweel and letter case do
/// not affect order; أ and إ sort as ا; ٣ sorts as 3), and strings equal at
/// that strength fall back to code-point order, so the order is total and
/// every build sorts identically.
#[derive(Debug)]
pub struct ArabicCollator {
    /// `None` only if the compiled-in collation data failed to load, which
    /// does not happen with the data the crate ships; comparison then falls
    /// back to plain code-point order rather than failing the build.
    inner: Option<CollatorBorrowed<'static>>,
}

impl ArabicCollator {
    /// Creates the collator from ICU4X's compiled-in data for locale `ar`.
    pub fn new() -> ArabicCollator {
        let mut options = CollatorOptions::default();
        options.strength = Some(Strength::Primary);
        let inner = Collator::try_new(locale!("ar").into(), options).ok();
        ArabicCollator { inner }
    }

    /// Orders `a` and `b`: by collation, then by code points.
    pub fn compare(&self, a: &str, b: &str) -> Ordering {
        match &self.inner {
            Some(collator) => collator.compare(a, b).then_with(|| a.cmp(b)),
            None => a.cmp(b),
        }
    }
}

impl Default for ArabicCollator {
    fn default() -> ArabicCollator {
        ArabicCollator::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(words: &[&'static str]) -> Vec<&'static str> {
        let collator = ArabicCollator::new();
        let mut words = words.to_vec();
        words.sort_by(|a, b| collator.compare(a, b));
        words
    }

    #[test]
    fn uses_icu_data() {
        assert!(ArabicCollator::new().inner.is_some());
    }

    #[test]
    fn countries_sort_as_in_the_docs() {
        let words = ["اليمن", "إيران", "العراق", "بغداد", "ألمانيا", "آذربيجان"];
        let want = ["آذربيجان", "العراق", "ألمانيا", "اليمن", "إيران", "بغداد"];
        assert_eq!(sorted(&words), want);
    }

    #[test]
    fn sort_vectors() {
        let vectors: &[(&[&str], &[&str])] = &[
            // Hamza seats sort before alef.
            (&["آذربيجان", "ئ", "ؤ", "ء"], &["ء", "ؤ", "ئ", "آذربيجان"]),
            // Arabic before Latin.
            (&["syria", "سوريا", "Berlin"], &["سوريا", "Berlin", "syria"]),
            // Ties at primary strength fall back to code points.
            (&["محمد", "مُحَمَّد", "محـمد"], &["محـمد", "محمد", "مُحَمَّد"]),
            (&["b", "B", "a"], &["a", "B", "b"]),
            // Digits of any script are the same number.
            (&["٣", "2", "۴", "1"], &["1", "2", "٣", "۴"]),
        ];
        for &(input, want) in vectors {
            assert_eq!(sorted(input), want, "sorting {input:?}");
        }
    }

    #[test]
    fn primary_strength_equalities_are_broken_by_code_points() {
        let collator = ArabicCollator::new();
        let vectors = [
            ("أحمد", "احمد"),
            ("إيران", "ايران"),
            ("على", "علي"),
            ("مدرسة", "مدرست"),
            ("ســوريا", "سوريا"),
            ("٣", "3"),
        ];
        for (a, b) in vectors {
            let icu = collator.inner.as_ref().map(|c| c.compare(a, b));
            assert_eq!(icu, Some(Ordering::Equal), "{a} vs {b} at primary strength");
            assert_eq!(collator.compare(a, b), a.cmp(b), "{a} vs {b} tie break");
            assert_eq!(collator.compare(a, a), Ordering::Equal);
        }
    }

    #[test]
    fn shareable_across_threads() {
        fn check<T: Send + Sync>() {}
        check::<ArabicCollator>();
    }
}
