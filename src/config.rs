//! `site.toml`: the site's configuration, with a sensible default for every key.
//!
//! A one-line `title = "…"` builds. Unknown keys are errors (a misspelt key
//! silently ignored is a setting the publisher thinks they made), and every
//! error points at its line in site.toml.

use std::path::{Path, PathBuf};

use chrono::FixedOffset;
use serde::Deserialize;

use crate::arabic::{DateStyle, Digits, MonthNames};
use crate::error::{line_col, Diagnostic, Error, Result};

/// The file name of the configuration, at the site root.
pub const CONFIG_FILE: &str = "site.toml";

/// Top-level output folders a taxonomy may not be named after.
const RESERVED_NAMES: &[&str] = &["page", "archive", "search", "media", "fonts", "static"];

/// The validated configuration of one site.
#[derive(Clone, Debug)]
pub struct Config {
    pub title: String,
    pub description: String,
    /// Always ends in `/`. Used only for canonical links, feeds and sitemaps.
    pub base_url: String,
    /// BCP 47 tag of the site's language, e.g. `ar`.
    pub language: String,
    /// Offset applied to dates written without one.
    pub timezone: FixedOffset,
    pub theme: String,
    /// Articles per list page.
    pub paginate: usize,
    /// Words per minute for reading time.
    pub reading_speed: u32,
    pub dates: DateStyle,
    pub taxonomies: Vec<TaxonomyConfig>,
    pub markdown: MarkdownConfig,
    /// Font files the publisher supplies; copied into the output.
    pub fonts: Vec<FontConfig>,
    /// A CSS font-family list the theme puts before its own stack.
    pub font_stack: Option<String>,
    pub feeds: FeedsConfig,
    pub sitemap: SitemapConfig,
}

/// One taxonomy: a front-matter key whose values become term pages.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    /// Front-matter key and URL segment, `[a-z][a-z0-9_-]*`.
    pub name: String,
    /// The display title, e.g. «الدول».
    pub title: String,
    /// Whether each term gets an Atom feed.
    #[serde(default)]
    pub feed: bool,
    /// Whether shared terms make articles related; default: for `countries`
    /// and `actors` only.
    #[serde(default)]
    pub related: Option<bool>,
}

impl TaxonomyConfig {
    /// Whether this taxonomy's shared terms count for related coverage.
    pub fn counts_for_related(&self) -> bool {
        self.related
            .unwrap_or(matches!(self.name.as_str(), "countries" | "actors"))
    }
}

/// `[feeds]`: the Atom feeds.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedsConfig {
    /// Entries per feed (the newest).
    #[serde(default = "default_feed_limit")]
    pub limit: usize,
    /// Whether the site feed's entries carry the whole article or its
    /// summary only.
    #[serde(default)]
    pub content: FeedContent,
    /// The same for the terms' feeds. Summaries by default: an article
    /// appears in the feed of every term it names, so whole articles would
    /// make term feeds a large share of the output (a quarter of it for a
    /// 10,000-article archive) and of the build's time.
    #[serde(default = "default_term_content")]
    pub term_content: FeedContent,
}

impl Default for FeedsConfig {
    fn default() -> Self {
        FeedsConfig {
            limit: default_feed_limit(),
            content: FeedContent::default(),
            term_content: default_term_content(),
        }
    }
}

fn default_feed_limit() -> usize {
    20
}

fn default_term_content() -> FeedContent {
    FeedContent::Summary
}

/// What a feed entry carries besides its summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedContent {
    /// The article's whole body.
    #[default]
    Full,
    /// The summary only.
    Summary,
}

/// The sitemap protocol's limit of URLs in one sitemap file.
pub const SITEMAP_MAX_URLS: usize = 50_000;

/// URLs per sitemap file by default, as WordPress writes them: a new story
/// changes a few parts of a large site's sitemap, each some 250 KB, where
/// parts of 50,000 URLs made it rewrite two of 6 MB (see
/// `render::sitemap`).
pub const SITEMAP_URLS: usize = 2_000;

/// `[sitemap]`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SitemapConfig {
    /// URLs per sitemap file before the sitemap is split under an index (at
    /// most [`SITEMAP_MAX_URLS`]; [`SITEMAP_URLS`] by default).
    #[serde(default = "default_urls_per_file")]
    pub urls_per_file: usize,
}

impl Default for SitemapConfig {
    fn default() -> Self {
        SitemapConfig {
            urls_per_file: default_urls_per_file(),
        }
    }
}

fn default_urls_per_file() -> usize {
    SITEMAP_URLS
}

/// How Markdown bodies are treated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    #[serde(default)]
    pub raw_html: RawHtml,
}

/// What happens to raw HTML written in a Markdown body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawHtml {
    /// Passed through: the writer's HTML is trusted.
    #[default]
    Allow,
    /// Shown as text.
    Escape,
}

/// A font file declared with `@font-face` and copied to `fonts/` in the output.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FontConfig {
    pub family: String,
    /// Path of the font file, relative to the site root or absolute.
    pub path: PathBuf,
    #[serde(default = "default_weight")]
    pub weight: String,
    #[serde(default = "default_style")]
    pub style: String,
    #[serde(default)]
    pub unicode_range: Option<String>,
}

impl FontConfig {
    /// The font file to copy: `path` as written if absolute, else from the site root.
    pub fn source(&self, root: &Path) -> PathBuf {
        if self.path.is_absolute() {
            self.path.clone()
        } else {
            root.join(&self.path)
        }
    }
}

fn default_weight() -> String {
    "400".into()
}

fn default_style() -> String {
    "normal".into()
}

/// site.toml as written; validated into [`Config`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default = "default_base_url")]
    base_url: String,
    #[serde(default = "default_language")]
    language: String,
    #[serde(default = "default_timezone")]
    timezone: String,
    #[serde(default = "default_theme")]
    theme: String,
    #[serde(default = "default_paginate")]
    paginate: usize,
    #[serde(default = "default_reading_speed")]
    reading_speed: u32,
    #[serde(default)]
    dates: RawDates,
    taxonomies: Option<Vec<TaxonomyConfig>>,
    #[serde(default)]
    markdown: MarkdownConfig,
    #[serde(default)]
    fonts: Vec<FontConfig>,
    font_stack: Option<String>,
    #[serde(default)]
    feeds: FeedsConfig,
    #[serde(default)]
    sitemap: SitemapConfig,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDates {
    #[serde(default)]
    months: MonthNames,
    #[serde(default)]
    digits: Digits,
}

fn default_base_url() -> String {
    "https://example.org/".into()
}
fn default_language() -> String {
    "ar".into()
}
fn default_timezone() -> String {
    "+00:00".into()
}
fn default_theme() -> String {
    "default".into()
}
fn default_paginate() -> usize {
    20
}
fn default_reading_speed() -> u32 {
    200
}

/// The taxonomies a site has when site.toml names none.
pub fn default_taxonomies() -> Vec<TaxonomyConfig> {
    [
        ("countries", "الدول", true),
        ("actors", "الجهات الفاعلة", true),
        ("category", "الأقسام", false),
        ("author", "الكتّاب", false),
    ]
    .into_iter()
    .map(|(name, title, feed)| TaxonomyConfig {
        name: name.into(),
        title: title.into(),
        feed,
        related: None,
    })
    .collect()
}

impl Config {
    /// Reads and validates `site.toml` in `root`.
    pub fn load(root: &Path) -> Result<Config> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::Config(vec![Diagnostic::error(
                CONFIG_FILE,
                format!("cannot read {}: {e}", path.display()),
            )
            .with_hint(
                "run arshif in a site folder, or pass --root DIR; `arshif init` makes one",
            )])
        })?;
        let config = Config::parse(&text)?;
        let missing: Vec<Diagnostic> = config
            .fonts
            .iter()
            .filter(|font| !font.source(root).is_file())
            .map(|font| {
                let shown = font.path.display().to_string();
                let mut d = Diagnostic::error(CONFIG_FILE, format!("the font file {shown} does not exist"))
                    .with_hint("install the font (e.g. apt-get install fonts-hosny-amiri) or fix `path` under [[fonts]]");
                d.line = text.lines().position(|l| l.contains(&shown)).map(|i| i + 1);
                d
            })
            .collect();
        if !missing.is_empty() {
            return Err(Error::Config(missing));
        }
        Ok(config)
    }

    /// Parses and validates the text of a site.toml.
    pub fn parse(text: &str) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let message = e.message().trim_end().to_string();
            let hint = if message.starts_with("unknown field") {
                "correct the key's spelling or remove the line; each key is described in the README under site.toml"
            } else {
                "write `key = value` with text in double quotes, e.g. `title = \"أرشيف\"`, `paginate = 20`"
            };
            let mut d = Diagnostic::error(CONFIG_FILE, message).with_hint(hint);
            if let Some(span) = e.span() {
                let (line, col) = line_col(text, span.start);
                // Name the key when the error points at its value (`key = value`).
                let key = text
                    .lines()
                    .nth(line - 1)
                    .and_then(|l| l.split_once('='))
                    .map(|(k, _)| k.trim())
                    .filter(|k| {
                        !k.is_empty()
                            && k.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
                    });
                if let (Some(key), true) = (key, col > 1) {
                    d.message = format!("`{key}`: {}", d.message);
                }
                d = d.at(line, col);
            }
            Error::Config(vec![d])
        })?;
        raw.validate(text)
    }

    /// Replaces `base_url` (from `--base-url`), with the same checks as site.toml.
    pub fn set_base_url(&mut self, url: &str) -> Result<()> {
        self.base_url = normalize_base_url(url).map_err(|(message, hint)| {
            Error::Config(vec![
                Diagnostic::error("--base-url", message).with_hint(hint)
            ])
        })?;
        Ok(())
    }

    /// The configuration of the named taxonomy, if the site has it.
    pub fn taxonomy(&self, name: &str) -> Option<&TaxonomyConfig> {
        self.taxonomies.iter().find(|t| t.name == name)
    }

    /// The writing direction of the site's language.
    pub fn dir(&self) -> &'static str {
        direction_of(&self.language)
    }
}

/// `rtl` for languages written right to left (ar, fa, he, ur…), else `ltr`.
pub fn direction_of(lang: &str) -> &'static str {
    const RTL: [&str; 12] = [
        "ar", "fa", "he", "ur", "ps", "sd", "ug", "yi", "ckb", "dv", "ku", "syr",
    ];
    let primary = lang.split(['-', '_']).next().unwrap_or("");
    // Compared without a lowercased copy: the model asks once per article.
    if RTL.iter().any(|rtl| rtl.eq_ignore_ascii_case(primary)) {
        "rtl"
    } else {
        "ltr"
    }
}

/// Checks a base URL and makes it end in `/`.
fn normalize_base_url(url: &str) -> std::result::Result<String, (String, &'static str)> {
    let mut base_url = url.trim().to_string();
    let valid = ["https://", "http://"].iter().any(|scheme| {
        base_url
            .strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
    });
    if !valid {
        return Err((
            format!("`base_url` {base_url:?} is not an http(s) URL"),
            "write the address the site will be published at, e.g. \"https://archive.example.org/\"",
        ));
    }
    if !base_url.ends_with('/') {
        base_url.push('/');
    }
    Ok(base_url)
}

/// Finds the 1-based line of a top-level key, for errors found after parsing.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

impl RawConfig {
    fn validate(self, text: &str) -> Result<Config> {
        let mut errors = Vec::new();
        let locate = |key: &str, message: String, hint: &str| {
            let mut d = Diagnostic::error(CONFIG_FILE, message).with_hint(hint);
            if let Some(line) = key_line(text, key) {
                d = d.at_line(line);
            }
            d
        };

        let timezone = parse_offset(&self.timezone).unwrap_or_else(|| {
            errors.push(locate(
                "timezone",
                format!("`timezone` {:?} is not a UTC offset", self.timezone),
                "write an offset such as \"+03:00\" or \"-05:00\"",
            ));
            FixedOffset::east_opt(0).expect("zero offset is valid")
        });

        let base_url = normalize_base_url(&self.base_url).unwrap_or_else(|(message, hint)| {
            errors.push(locate("base_url", message, hint));
            self.base_url.clone()
        });

        if self.paginate == 0 {
            errors.push(locate(
                "paginate",
                "`paginate` must be at least 1".into(),
                "write e.g. `paginate = 20`",
            ));
        }
        if self.reading_speed == 0 {
            errors.push(locate(
                "reading_speed",
                "`reading_speed` must be at least 1 word per minute".into(),
                "write e.g. `reading_speed = 200`",
            ));
        }
        if self.theme.is_empty()
            || !self
                .theme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.push(locate(
                "theme",
                format!("`theme` {:?} is not a theme folder name", self.theme),
                "name a folder of themes/, e.g. \"default\"",
            ));
        }

        if self.feeds.limit == 0 {
            errors.push(locate(
                "limit",
                "`limit` under [feeds] must be at least 1".into(),
                "write e.g. `limit = 20`",
            ));
        }
        if self.sitemap.urls_per_file == 0 || self.sitemap.urls_per_file > SITEMAP_MAX_URLS {
            errors.push(locate(
                "urls_per_file",
                format!(
                    "`urls_per_file` under [sitemap] must be between 1 and {SITEMAP_MAX_URLS} (the sitemap protocol's limit)"
                ),
                "leave it out to use 50000",
            ));
        }

        let taxonomies = self.taxonomies.unwrap_or_else(default_taxonomies);
        let mut seen = std::collections::BTreeSet::new();
        for t in &taxonomies {
            let valid = t.name.starts_with(|c: char| c.is_ascii_lowercase())
                && t.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !valid || RESERVED_NAMES.contains(&t.name.as_str()) {
                errors.push(locate(
                    "name",
                    format!("taxonomy name {:?} cannot be used as a URL folder", t.name),
                    "use lowercase ASCII letters, digits and '-', not one of page, archive, search, media, fonts, static",
                ));
            }
            if !seen.insert(t.name.as_str()) {
                errors.push(locate(
                    "name",
                    format!("taxonomy {:?} is configured twice", t.name),
                    "remove one of the [[taxonomies]] entries",
                ));
            }
        }

        if !errors.is_empty() {
            return Err(Error::Config(errors));
        }
        Ok(Config {
            title: self.title,
            description: self.description,
            base_url,
            language: self.language,
            timezone,
            theme: self.theme,
            paginate: self.paginate,
            reading_speed: self.reading_speed,
            dates: DateStyle {
                months: self.dates.months,
                digits: self.dates.digits,
            },
            taxonomies,
            markdown: self.markdown,
            fonts: self.fonts,
            font_stack: self.font_stack,
            feeds: self.feeds,
            sitemap: self.sitemap,
        })
    }
}

/// Parses `+03:00`, `-0500`, `Z` or `UTC` into a fixed offset.
pub fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_builds_with_defaults() {
        let c = Config::parse("title = \"أرشيف\"").unwrap();
        assert_eq!(c.paginate, 20);
        assert_eq!(c.language, "ar");
        assert_eq!(c.dir(), "rtl");
        assert_eq!(
            c.taxonomies
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>(),
            ["countries", "actors", "category", "author"]
        );
        assert!(c.base_url.ends_with('/'));
    }

    #[test]
    fn wrong_type_is_located() {
        let err = Config::parse("title = \"x\"\npaginate = \"twenty\"\n").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let d = &err.diagnostics()[0];
        assert_eq!(d.line, Some(2));
    }

    #[test]
    fn unknown_key_is_an_error() {
        let err = Config::parse("title = \"x\"\npaginat = 3\n").unwrap_err();
        assert!(err.diagnostics()[0].message.contains("paginat"));
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+03:00").unwrap().local_minus_utc(), 3 * 3600);
        assert_eq!(
            parse_offset("-0530").unwrap().local_minus_utc(),
            -(5 * 3600 + 1800)
        );
        assert!(parse_offset("03:00").is_none());
        assert!(parse_offset("+25:00").is_none());
    }

    #[test]
    fn bad_timezone_and_taxonomy_name() {
        let err = Config::parse(
            "title = \"x\"\ntimezone = \"Damascus\"\n[[taxonomies]]\nname = \"page\"\ntitle = \"x\"\n",
        )
        .unwrap_err();
        let lines: Vec<_> = err.diagnostics().iter().map(|d| d.line).collect();
        assert_eq!(lines, [Some(2), Some(4)]);
    }

    #[test]
    fn feeds_sitemap_and_related() {
        let c = Config::parse("title = \"x\"").unwrap();
        assert_eq!(c.feeds.limit, 20);
        assert_eq!(c.feeds.content, FeedContent::Full);
        assert_eq!(c.feeds.term_content, FeedContent::Summary);
        assert_eq!(c.sitemap.urls_per_file, SITEMAP_URLS);
        let related: Vec<bool> = c
            .taxonomies
            .iter()
            .map(|t| t.counts_for_related())
            .collect();
        assert_eq!(related, [true, true, false, false]);
        let c = Config::parse(
            "title = \"x\"\n[feeds]\nlimit = 5\ncontent = \"summary\"\n[sitemap]\nurls_per_file = 3\n",
        )
        .unwrap();
        assert_eq!((c.feeds.limit, c.feeds.content), (5, FeedContent::Summary));
        assert_eq!(c.sitemap.urls_per_file, 3);
        let err = Config::parse("title = \"x\"\n[sitemap]\nurls_per_file = 50001\n").unwrap_err();
        assert_eq!(err.diagnostics()[0].line, Some(3));
    }

    #[test]
    fn directions() {
        for (lang, dir) in [
            ("ar", "rtl"),
            ("ar-SY", "rtl"),
            ("AR", "rtl"),
            ("He_IL", "rtl"),
            ("fa", "rtl"),
            ("ara", "ltr"),
            ("en", "ltr"),
            ("fr-FR", "ltr"),
        ] {
            assert_eq!(direction_of(lang), dir, "{lang}");
        }
    }
}
