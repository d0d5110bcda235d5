//! Arabic text rules: every decision about how arshif reads, compares, names,
//! dates, counts and sorts Arabic text lives in this module, so that the rest
//! of the crate never hard-codes a letter, a month name or a plural form.
//!
//! The rules follow `docs/arabic.md`; each submodule names the section it
//! implements:
//!
//! * [`fold`]: NFC, and the folds used for term identity and search (§1).
//! * [`slug`]: readable, safe URL path segments and heading anchors (§3).
//! * [`date`]: parsing front-matter dates and writing them in Arabic (§5).
//! * [`plural`]: CLDR plural categories for Arabic (§6).
//! * [`reading`]: word counts and the reading-time phrase (§6).
//! * [`collate`]: alphabetical order with the CLDR "ar" tailoring (§8).
//!
//! Displayed text is never altered beyond NFC; the folds only build keys.

pub(crate) mod block;
pub mod collate;
pub mod date;
pub mod fold;
pub mod plural;
pub mod reading;
pub mod slug;

pub use collate::ArabicCollator;
pub use date::{ArticleDate, DateError, DateStyle, Digits, MonthNames};
pub use fold::{
    fold_identity, fold_search, has_bidi_controls, likely_duplicate_key, nfc, strip_invisible,
};
pub use plural::{plural_category, PluralCategory, PluralForms};
pub use reading::{minutes_phrase, reading_minutes, word_count};
pub use slug::{Slug, SlugError};
