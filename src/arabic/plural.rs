//! Arabic plural agreement (`docs/arabic.md` §6).
//!
//! Arabic has six plural forms: a counted noun takes a different form for 0,
//! 1, 2, 3–10 and 11–99, and numbers above 100 agree by their last two
//! digits. Getting this wrong reads as a grammar mistake ("2 دقيقة" instead
//! of "دقيقتان"), so every generated count goes through [`PluralForms`].

use super::date::Digits;

/// A CLDR plural category for Arabic cardinal numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PluralCategory {
    /// 0.
    Zero,
    /// 1.
    One,
    /// 2 (the dual).
    Two,
    /// 3–10, and numbers ending in 03–10 (103, 1005).
    Few,
    /// 11–99, and numbers ending in 11–99 (111, 1050).
    Many,
    /// Everything else: 100–102, 200, 1000, 1001, …
    Other,
}

/// The CLDR plural category of `n` in Arabic.
///
/// Rules (CLDR `ar`): zero is n = 0, one is n = 1, two is n = 2, few is
/// n mod 100 in 3–10, many is n mod 100 in 11–99, other is the rest.
pub fn plural_category(n: u64) -> PluralCategory {
    match (n, n % 100) {
        (0, _) => PluralCategory::Zero,
        (1, _) => PluralCategory::One,
        (2, _) => PluralCategory::Two,
        (_, 3..=10) => PluralCategory::Few,
        (_, 11..=99) => PluralCategory::Many,
        _ => PluralCategory::Other,
    }
}

/// The six forms of a counted phrase, each possibly containing `{n}` where
/// the number goes.
///
/// Zero, one and two usually omit the number ("دقيقتان" already says two).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PluralForms<'a> {
    /// For 0, e.g. "لا مقالات".
    pub zero: &'a str,
    /// For 1, e.g. "مقال واحد".
    pub one: &'a str,
    /// For 2, e.g. "مقالان".
    pub two: &'a str,
    /// For 3–10, e.g. "{n} مقالات".
    pub few: &'a str,
    /// For 11–99, e.g. "{n} مقالًا".
    pub many: &'a str,
    /// For 100–102 and the like, e.g. "{n} مقال".
    pub other: &'a str,
}

impl PluralForms<'_> {
    /// The form for `n`, with `{n}` replaced by `n` written in `digits`.
    pub fn pick(&self, n: u64, digits: Digits) -> String {
        let form = match plural_category(n) {
            PluralCategory::Zero => self.zero,
            PluralCategory::One => self.one,
            PluralCategory::Two => self.two,
            PluralCategory::Few => self.few,
            PluralCategory::Many => self.many,
            PluralCategory::Other => self.other,
        };
        if form.contains("{n}") {
            form.replace("{n}", &digits.apply(&n.to_string()))
        } else {
            form.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PluralCategory::*;
    use super::*;

    #[test]
    fn categories() {
        let vectors = [
            (0, Zero),
            (1, One),
            (2, Two),
            (3, Few),
            (10, Few),
            (11, Many),
            (26, Many),
            (99, Many),
            (100, Other),
            (101, Other),
            (102, Other),
            (103, Few),
            (110, Few),
            (111, Many),
            (199, Many),
            (200, Other),
            (1000, Other),
            (1001, Other),
            (1002, Other),
            (1005, Few),
            (1011, Many),
            (u64::MAX, Many),
        ];
        for (n, want) in vectors {
            assert_eq!(plural_category(n), want, "plural_category({n})");
        }
    }

    #[test]
    fn pick() {
        let articles = PluralForms {
            zero: "لا مقالات",
            one: "مقال واحد",
            two: "مقالان",
            few: "{n} مقالات",
            many: "{n} مقالًا",
            other: "{n} مقال",
        };
        let vectors = [
            (0, Digits::Latin, "لا مقالات"),
            (1, Digits::Latin, "مقال واحد"),
            (2, Digits::Arabic, "مقالان"),
            (3, Digits::Latin, "3 مقالات"),
            (7, Digits::Arabic, "٧ مقالات"),
            (11, Digits::Latin, "11 مقالًا"),
            (100, Digits::Latin, "100 مقال"),
            (102, Digits::Arabic, "١٠٢ مقال"),
            (103, Digits::Latin, "103 مقالات"),
        ];
        for (n, digits, want) in vectors {
            assert_eq!(articles.pick(n, digits), want, "pick({n}, {digits:?})");
        }
    }
}
