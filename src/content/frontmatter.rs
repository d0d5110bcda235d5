//! Front matter: splitting it from the body and reading it into typed fields.
//!
//! The YAML is first parsed into a generic value (so syntax errors carry
//! serde_yaml's position), then each known key is converted on its own, so
//! that one file can report several mistakes and each names its key and line.
//! Unknown keys are kept for templates as `page.extra`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::FixedOffset;
use serde_yaml::Value;

use super::compact::shared;
use super::Text;
use crate::arabic::{nfc, ArticleDate, Slug};
use crate::error::Diagnostic;

/// Keys an article's front matter understands. Anything else goes to `extra`.
pub const ARTICLE_KEYS: &[&str] = &[
    "title",
    "date",
    "updated",
    "slug",
    "summary",
    "source",
    "image",
    "image_alt",
    "draft",
    "lang",
    "aliases",
];

/// A file split into its front matter and body.
#[derive(Debug)]
pub struct Split<'a> {
    /// The YAML between the `---` lines.
    pub yaml: &'a str,
    /// 1-based line of the first YAML line in the file.
    pub yaml_line: usize,
    /// The Markdown after the closing `---`.
    pub body: &'a str,
}

/// Splits `text` (already without BOM and with `\n` line ends) into front
/// matter and body.
pub fn split<'a>(text: &'a str, path: &Path) -> Result<Split<'a>, Diagnostic> {
    let first_end = text.find('\n').unwrap_or(text.len());
    if text[..first_end].trim_end() != "---" {
        let d = if text.trim().is_empty() {
            Diagnostic::error(path, "the file is empty")
        } else {
            Diagnostic::error(path, "the file does not start with front matter")
        };
        return Err(d.at(1, 1).with_hint(
            "start the file with a `---` line, then `title: …` and `date: 2020-10-27`, then a closing `---` line",
        ));
    }
    let yaml_start = (first_end + 1).min(text.len());
    let mut offset = yaml_start;
    for line in text[yaml_start..].split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == "---" || bare == "..." {
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[offset + line.len()..],
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(path, "the front matter is never closed")
        .at(1, 1)
        .with_hint("add a line with only `---` after the last front-matter key"))
}

/// Where each top-level key sits, for messages about its value.
pub struct Locator {
    keys: Vec<(String, usize, usize)>,
}

impl Locator {
    /// Indexes the top-level keys of `yaml`, which starts at `first_line`.
    pub fn new(yaml: &str, first_line: usize) -> Locator {
        let keys = yaml
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.starts_with([' ', '\t', '#', '-']))
            .filter_map(|(i, l)| {
                let colon = l.find(':')?;
                let key = l[..colon].trim().trim_matches(['"', '\'']).to_string();
                let after = &l[colon + 1..];
                let value_col = l[..colon + 1].chars().count()
                    + after.chars().take_while(|c| *c == ' ').count()
                    + 1;
                Some((key, first_line + i, value_col))
            })
            .collect();
        Locator { keys }
    }

    /// A diagnostic placed at the value of `key` (or at the top if the key is absent).
    pub fn error(&self, path: &Path, key: &str, message: impl Into<String>) -> Diagnostic {
        let d = Diagnostic::error(path, message);
        match self.keys.iter().find(|(k, _, _)| k == key) {
            Some((_, line, col)) => d.at(*line, *col),
            None => d.at(1, 1),
        }
    }

    /// A warning placed at `key`.
    pub fn warning(&self, path: &Path, key: &str, message: impl Into<String>) -> Diagnostic {
        let mut d = self.error(path, key, message);
        d.severity = crate::error::Severity::Warning;
        d
    }

    /// Every key with the line and column of its value.
    pub fn positions(&self) -> BTreeMap<String, (usize, usize)> {
        self.keys
            .iter()
            .map(|(k, l, c)| (k.clone(), (*l, *c)))
            .collect()
    }

    /// The same as [`Locator::positions`], in the compact form an article
    /// keeps.
    pub fn key_positions(&self) -> Positions {
        Positions::new(self.keys.iter().map(|(k, l, c)| (k.as_str(), *l, *c)))
    }
}

/// The 1-based line and column of each front-matter key's value, for
/// messages about it.
///
/// An article keeps one, and the build cache holds one per article: a few
/// keys in one text and their places in one run of bytes, both left in the
/// cache where they lie (see [`crate::mapped`]), so that reading one back
/// allocates nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Positions {
    /// The keys, one after the other.
    keys: Text,
    /// Per key, in order: where it ends in `keys`, and its value's line and
    /// column, each as four little-endian bytes.
    at: crate::mapped::Slice,
}

impl Positions {
    /// The line and column of `key`'s value, if the front matter has it.
    pub fn get(&self, key: &str) -> Option<(usize, usize)> {
        self.entries()
            .find(|&(k, _, _)| k == key)
            .map(|(_, line, col)| (line as usize, col as usize))
    }

    /// Each key at its line and column, in the order given (a key given
    /// twice is where it was given last). Positions beyond `u32::MAX`
    /// (never, in a file of at most [`MAX_TEXT_BYTES`](super::MAX_TEXT_BYTES))
    /// are kept as that.
    pub fn new<'k>(entries: impl IntoIterator<Item = (&'k str, usize, usize)>) -> Positions {
        let mut list: Vec<(&str, u32, u32)> = Vec::new();
        for (key, line, col) in entries {
            let line = u32::try_from(line).unwrap_or(u32::MAX);
            let col = u32::try_from(col).unwrap_or(u32::MAX);
            match list.iter_mut().find(|(k, _, _)| *k == key) {
                Some(entry) => (entry.1, entry.2) = (line, col),
                None => list.push((key, line, col)),
            }
        }
        let mut keys = String::with_capacity(list.iter().map(|(k, _, _)| k.len()).sum());
        let mut at = Vec::with_capacity(list.len() * 12);
        for (key, line, col) in list {
            keys.push_str(key);
            let end = u32::try_from(keys.len()).unwrap_or(u32::MAX);
            for n in [end, line, col] {
                at.extend_from_slice(&n.to_le_bytes());
            }
        }
        Positions {
            keys: keys.into(),
            at: at.into(),
        }
    }

    /// Each key with its line and column, in order.
    fn entries(&self) -> impl Iterator<Item = (&str, u32, u32)> {
        let n = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let mut start = 0;
        self.at.chunks_exact(12).map(move |e| {
            let end = n(&e[0..4]) as usize;
            let key = self.keys.get(start..end).unwrap_or_default();
            start = end;
            (key, n(&e[4..8]), n(&e[8..12]))
        })
    }
}

/// Parses the YAML of a front matter into its top-level mapping.
pub fn parse_mapping(split: &Split<'_>, path: &Path) -> Result<serde_yaml::Mapping, Diagnostic> {
    if split.yaml.trim().is_empty() {
        return Ok(serde_yaml::Mapping::new());
    }
    if let Some(map) = super::plain_yaml::read(split.yaml) {
        return Ok(map);
    }
    let value: Value = serde_yaml::from_str(split.yaml).map_err(|e| {
        let message = format!("the front matter is not valid YAML: {}", yaml_message(&e));
        let d = Diagnostic::error(path, message).with_hint(
            "each line is `key: value`; put a value that contains `: ` or starts with `[`, `{`, `\"`, `*` or `&` in quotes",
        );
        match e.location() {
            Some(loc) => d.at(split.yaml_line + loc.line() - 1, loc.column()),
            None => d.at_line(split.yaml_line),
        }
    })?;
    match value {
        Value::Mapping(m) => Ok(m),
        Value::Null => Ok(serde_yaml::Mapping::new()),
        _ => Err(Diagnostic::error(
            path,
            "the front matter must be a list of `key: value` lines",
        )
        .at_line(split.yaml_line)
        .with_hint("write e.g. `title: …` on its own line")),
    }
}

/// serde_yaml's message without its trailing "at line … column …" (we add our own).
fn yaml_message(e: &serde_yaml::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A YAML scalar as text; `None` for null; an error message for lists and maps.
pub fn scalar(v: &Value) -> Result<Option<String>, &'static str> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(nfc(s))),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Sequence(_) => Err("a list where a single text belongs"),
        Value::Mapping(_) => Err("a mapping where a single text belongs"),
        Value::Tagged(_) => Err("a tagged value where a single text belongs"),
    }
}

/// The first character of displayed text that must not be published: a
/// bidi embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), which
/// would reorder what readers see (RLO shows «abc» as «cba»), or a control
/// character other than tab and line feed (NUL, escape…).
pub fn hostile_char(s: &str) -> Option<char> {
    s.chars().find(|&c| {
        crate::arabic::fold::is_bidi_control(c) || (c.is_control() && c != '\t' && c != '\n')
    })
}

/// The message for a [`hostile_char`] in `key`.
fn hostile_message(key: &str, c: char) -> String {
    let what = if crate::arabic::fold::is_bidi_control(c) {
        "a bidi control, which would change the order in which readers see the text"
    } else {
        "a control character, which is never part of text"
    };
    format!(
        "`{key}` contains the invisible character U+{:04X}: {what}",
        c as u32
    )
}

const HOSTILE_HINT: &str = "delete the character (retype the text if needed); to set the direction of a word use U+200F (RLM) or U+200E (LRM)";

/// A YAML list of scalars, or one scalar as a list of one.
pub fn list(v: &Value) -> Result<Vec<String>, &'static str> {
    match v {
        Value::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match scalar(item) {
                    Ok(Some(s)) if !s.trim().is_empty() => out.push(s.trim().to_string()),
                    Ok(_) => {}
                    Err(_) => return Err("a list inside a list; write one name per item"),
                }
            }
            Ok(out)
        }
        other => Ok(scalar(other)?
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .into_iter()
            .collect()),
    }
}

/// An article's terms, by taxonomy name: each list as the article gives it
/// (NFC), in its order. A handful of names, sorted, each with where its
/// terms end in one list of all of them: two vectors an article, where a
/// vector a taxonomy made five allocations of every article the build
/// cache holds (and a map, a node of half a kilobyte). Names and terms are
/// `Arc<str>`, so that articles read together, from their files or from the
/// build cache, share them (see `compact::shared`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TermLists {
    /// Each taxonomy named, by name, with where its terms end in `terms`.
    names: Vec<(Arc<str>, u32)>,
    /// The terms of every list, one list after the other, in `names`' order.
    terms: Vec<Arc<str>>,
}

impl TermLists {
    /// The terms given in the taxonomy `name`.
    pub fn get(&self, name: &str) -> Option<&[Arc<str>]> {
        self.find(name).ok().map(|i| &self.terms[self.range(i)])
    }

    /// Sets the terms given in the taxonomy `name`.
    pub fn insert(&mut self, name: Arc<str>, terms: Vec<Arc<str>>) {
        let (i, old) = match self.find(&name) {
            Ok(i) => (i, self.range(i)),
            Err(i) => {
                let at = self.start(i);
                self.names.insert(i, (name, at as u32));
                (i, at..at)
            }
        };
        let grown = terms.len() as i64 - old.len() as i64;
        let end = old.start + terms.len();
        self.terms.splice(old, terms);
        self.names[i].1 = end as u32;
        for (_, e) in &mut self.names[i + 1..] {
            *e = (*e as i64 + grown) as u32;
        }
    }

    /// Whether a list named `name` goes after every list given so far.
    pub(crate) fn goes_last(&self, name: &str) -> bool {
        self.names.last().is_none_or(|(last, _)| **last < *name)
    }

    /// Appends the list of `name`, which [goes last](Self::goes_last), its
    /// terms pushed by `fill` onto the vector it is handed: how the build
    /// cache reads the lists back, each into place.
    pub(crate) fn push_last<E>(
        &mut self,
        name: Arc<str>,
        fill: impl FnOnce(&mut Vec<Arc<str>>) -> Result<(), E>,
    ) -> Result<(), E> {
        debug_assert!(self.goes_last(&name));
        fill(&mut self.terms)?;
        self.names.push((name, self.terms.len() as u32));
        Ok(())
    }

    /// Each taxonomy named and its terms, by name.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &[Arc<str>])> {
        (0..self.names.len()).map(|i| (&*self.names[i].0, &self.terms[self.range(i)]))
    }

    /// Where the pair of `name` is, or where it would go.
    fn find(&self, name: &str) -> std::result::Result<usize, usize> {
        self.names.binary_search_by(|(n, _)| (**n).cmp(name))
    }

    /// Where the terms of the `i`-th name start in `terms`.
    fn start(&self, i: usize) -> usize {
        i.checked_sub(1).map_or(0, |p| self.names[p].1 as usize)
    }

    /// Where the terms of the `i`-th name are in `terms`.
    fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.start(i)..self.names[i].1 as usize
    }
}

/// An article's front matter, typed. Serializable for the build cache.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FrontMatter {
    pub title: Text,
    #[serde(with = "super::compact::date")]
    pub date: ArticleDate,
    #[serde(with = "super::compact::date::option")]
    pub updated: Option<ArticleDate>,
    pub slug: Option<Slug>,
    pub summary: Option<Text>,
    pub source: Option<Text>,
    pub image: Option<Text>,
    /// The lead image's text alternative.
    pub image_alt: Option<Text>,
    pub draft: bool,
    #[serde(with = "super::compact::option_text")]
    pub lang: Option<String>,
    #[serde(with = "super::compact::list")]
    pub aliases: Vec<String>,
    /// Values of every configured taxonomy, keyed by taxonomy name, as written (NFC).
    #[serde(with = "super::compact::lists_by_name")]
    pub taxonomies: TermLists,
    /// 1-based line and column of each key's value, for later messages.
    pub positions: Positions,
    /// Unknown keys, for templates.
    #[serde(with = "super::compact::json_object")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Reads an article's front matter. Returns every problem found, not only the first.
pub fn article(
    split: &Split<'_>,
    path: &Path,
    taxonomies: &[&str],
    timezone: FixedOffset,
) -> Result<(FrontMatter, Vec<Diagnostic>), Vec<Diagnostic>> {
    let map = parse_mapping(split, path).map_err(|d| vec![d])?;
    let at = Locator::new(split.yaml, split.yaml_line);
    let mut errors = Vec::new();
    let mut warnings = Vec::new();

    let text = |key: &str, errors: &mut Vec<Diagnostic>| -> Option<String> {
        let v = map.get(key)?;
        match scalar(v) {
            Ok(Some(s)) if hostile_char(&s).is_some() => {
                let c = hostile_char(&s).unwrap_or_default();
                errors.push(
                    at.error(path, key, hostile_message(key, c))
                        .with_hint(HOSTILE_HINT),
                );
                None
            }
            Ok(s) => s.filter(|s| !s.trim().is_empty()),
            Err(what) => {
                errors.push(
                    at.error(path, key, format!("`{key}`: {what}"))
                        .with_hint(format!("write `{key}: …` with one value on the same line")),
                );
                None
            }
        }
    };

    let title = text("title", &mut errors);
    if title.is_none() && !errors.iter().any(|d| d.message.starts_with("`title`")) {
        errors.push(
            at.error(path, "title", "`title` is missing")
                .with_hint("add a line `title: …` with the article's headline"),
        );
    }
    let date_of = |key: &str, errors: &mut Vec<Diagnostic>| -> Option<ArticleDate> {
        let raw = text(key, errors)?;
        match ArticleDate::parse(&raw, timezone) {
            Ok(d) => Some(d),
            Err(e) => {
                // The accepted forms go in the help line, not the message.
                let message = format!(
                    "`{key}`: `{}` is not a valid date ({})",
                    e.input(),
                    e.kind()
                );
                let hint = format!(
                    "write `{key}: 2020-10-27`, `{key}: 2020-10-27T14:05` or `{key}: 2020-10-27T14:05:00+03:00` (year-month-day, Gregorian)"
                );
                errors.push(at.error(path, key, message).with_hint(hint));
                None
            }
        }
    };
    let date = date_of("date", &mut errors);
    if date.is_none() && !errors.iter().any(|d| d.message.starts_with("`date`")) {
        // Absent, or present with no value (`date:` or `date: # …`).
        let what = if map.contains_key("date") {
            "`date` is empty"
        } else {
            "`date` is missing"
        };
        errors.push(at.error(path, "date", what).with_hint(
            "add a line such as `date: 2020-10-27` or `date: 2020-10-27T14:05:00+03:00`",
        ));
    }
    let updated = date_of("updated", &mut errors);

    let slug = text("slug", &mut errors).and_then(|s| match Slug::article(&s) {
        Ok(slug) => Some(slug),
        Err(e) => {
            let hint =
                "a slug may hold letters and digits of any script, `-` and `_`: nothing else";
            errors.push(
                at.error(path, "slug", format!("`slug` {s:?}: {e}"))
                    .with_hint(hint),
            );
            None
        }
    });
    let summary = text("summary", &mut errors);
    let source = text("source", &mut errors);
    let image = text("image", &mut errors);
    let image_alt = text("image_alt", &mut errors);
    let lang = text("lang", &mut errors);
    if let Some(l) = &lang {
        if !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || l.is_empty() {
            errors.push(
                at.error(path, "lang", format!("`lang` {l:?} is not a language tag"))
                    .with_hint("write a BCP 47 tag such as `ar`, `en` or `fr`"),
            );
        }
    }

    let draft = match map.get("draft") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(
                at.error(path, "draft", "`draft` must be true or false")
                    .with_hint("write `draft: true` or remove the line"),
            );
            false
        }
    };

    let aliases = match map.get("aliases").map(list) {
        None => Vec::new(),
        Some(Ok(v)) => v,
        Some(Err(what)) => {
            errors.push(
                at.error(path, "aliases", format!("`aliases`: {what}"))
                    .with_hint("write `aliases: [/old/1234.html, /old/path/]`"),
            );
            Vec::new()
        }
    };

    let mut terms = TermLists::default();
    for name in taxonomies {
        let Some(v) = map.get(*name) else { continue };
        match list(v) {
            Ok(values) if values.iter().any(|s| hostile_char(s).is_some()) => {
                let c = values
                    .iter()
                    .find_map(|s| hostile_char(s))
                    .unwrap_or_default();
                errors.push(
                    at.error(path, name, hostile_message(name, c))
                        .with_hint(HOSTILE_HINT),
                );
            }
            Ok(values) => {
                if let Value::String(s) = v {
                    if s.contains(',') {
                        warnings.push(
                            at.warning(
                                path,
                                name,
                                format!("`{name}` is one name containing a comma: {s:?}"),
                            )
                            .with_hint(format!(
                                "for several names write a list: `{name}: [first, second]`"
                            )),
                        );
                    }
                }
                let values = values.iter().map(|v| shared::str(v)).collect();
                terms.insert(shared::str(name), values);
            }
            Err(what) => errors.push(
                at.error(path, name, format!("`{name}`: {what}"))
                    .with_hint(format!("write `{name}: [first, second]`")),
            ),
        }
    }

    let mut extra = serde_json::Map::new();
    for (k, v) in &map {
        let Some(key) = k.as_str() else {
            errors.push(
                Diagnostic::error(path, format!("front-matter key {k:?} is not text"))
                    .at_line(split.yaml_line),
            );
            continue;
        };
        if ARTICLE_KEYS.contains(&key) || taxonomies.contains(&key) {
            continue;
        }
        match serde_json::to_value(v) {
            Ok(json) => {
                extra.insert(key.to_string(), json);
            }
            Err(e) => errors.push(
                at.error(path, key, format!("`{key}` cannot be used: {e}"))
                    .with_hint("write a text, a number, true/false or a list"),
            ),
        }
    }

    match (title, date) {
        (Some(title), Some(date)) if errors.is_empty() => Ok((
            FrontMatter {
                title: title.into(),
                date,
                updated,
                slug,
                summary: summary.map(Text::from),
                source: source.map(Text::from),
                image: image.map(Text::from),
                image_alt: image_alt.map(Text::from),
                draft,
                lang,
                aliases,
                taxonomies: terms,
                positions: at.key_positions(),
                extra,
            },
            warnings,
        )),
        _ => Err(errors),
    }
}

/// The front matter of a term's own file (`content/<taxonomy>/<file>.md`).
#[derive(Clone, Debug, Default)]
pub struct TermFrontMatter {
    pub name: Option<String>,
    pub slug: Option<Slug>,
    pub aliases: Vec<String>,
    /// e.g. Person, Organization, Country: for structured data.
    pub kind: Option<String>,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Reads a term file's front matter.
pub fn term(split: &Split<'_>, path: &Path) -> Result<TermFrontMatter, Vec<Diagnostic>> {
    let map = parse_mapping(split, path).map_err(|d| vec![d])?;
    let at = Locator::new(split.yaml, split.yaml_line);
    let mut errors = Vec::new();
    let mut fm = TermFrontMatter::default();
    for (k, v) in &map {
        let key = k.as_str().unwrap_or_default();
        match key {
            "name" | "type" | "slug" => match scalar(v) {
                Ok(Some(s)) if hostile_char(&s).is_some() => {
                    let c = hostile_char(&s).unwrap_or_default();
                    errors.push(
                        at.error(path, key, hostile_message(key, c))
                            .with_hint(HOSTILE_HINT),
                    );
                }
                Ok(s) => {
                    let s = s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
                    match key {
                        "name" => fm.name = s,
                        "type" => fm.kind = s,
                        _ => {
                            fm.slug = s.and_then(|s| match Slug::ascii(&s) {
                                Ok(slug) => Some(slug),
                                Err(e) => {
                                    errors.push(
                                        at.error(path, "slug", format!("`slug` {s:?}: {e}"))
                                            .with_hint("a term's slug is ASCII: lowercase letters, digits and single `-`, e.g. `slug: syria`"),
                                    );
                                    None
                                }
                            })
                        }
                    }
                }
                Err(what) => errors.push(
                    at.error(path, key, format!("`{key}`: {what}"))
                        .with_hint(format!("write `{key}: …` with one value on the same line")),
                ),
            },
            "aliases" => match list(v) {
                Ok(a) if a.iter().any(|s| hostile_char(s).is_some()) => {
                    let c = a.iter().find_map(|s| hostile_char(s)).unwrap_or_default();
                    errors.push(
                        at.error(path, key, hostile_message(key, c))
                            .with_hint(HOSTILE_HINT),
                    );
                }
                Ok(a) => fm.aliases = a,
                Err(what) => errors.push(
                    at.error(path, key, format!("`aliases`: {what}"))
                        .with_hint("write the other spellings as a list: `aliases: [سورية, الجمهورية العربية السورية]`"),
                ),
            },
            _ => {
                if let Ok(json) = serde_json::to_value(v) {
                    fm.extra.insert(key.to_string(), json);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(fm)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A term list's texts, for comparing with literals.
    fn strs(list: Option<&[Arc<str>]>) -> Vec<&str> {
        list.expect("the taxonomy is set")
            .iter()
            .map(|t| &**t)
            .collect()
    }

    #[test]
    fn positions_are_the_locators() {
        let yaml = "title: x\n\"countries\": [a]\n  nested: 1\n# c\nسوريا:   y\ntitle: again\n";
        let at = Locator::new(yaml, 2);
        let map = at.positions();
        let positions = at.key_positions();
        for key in ["title", "countries", "سوريا", "nested", "date", "", "titl"] {
            assert_eq!(positions.get(key), map.get(key).copied(), "{key}");
        }
        // A key given twice is where it was given last, as in the map.
        assert_eq!(positions.get("title"), Some((7, 8)));
        assert_eq!(Positions::default().get("title"), None);
    }

    fn tz() -> FixedOffset {
        FixedOffset::east_opt(3 * 3600).unwrap()
    }

    fn parse(text: &str) -> Result<(FrontMatter, Vec<Diagnostic>), Vec<Diagnostic>> {
        let p = Path::new("content/a.md");
        let s = split(text, p).map_err(|d| vec![d])?;
        article(&s, p, &["countries", "actors"], tz())
    }

    #[test]
    fn term_lists_are_found_by_name_whatever_the_order_they_were_set_in() {
        let mut terms = TermLists::default();
        terms.insert("countries".into(), vec!["سوريا".into()]);
        terms.insert("actors".into(), vec!["الأسد".into(), "بوتين".into()]);
        terms.insert("category".into(), Vec::new());
        terms.insert("countries".into(), vec!["لبنان".into()]);
        assert_eq!(strs(terms.get("actors")), ["الأسد", "بوتين"]);
        assert_eq!(strs(terms.get("countries")), ["لبنان"]);
        assert_eq!(strs(terms.get("category")), [] as [&str; 0]);
        assert_eq!(terms.get("authors"), None);
        let names: Vec<&str> = terms.iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["actors", "category", "countries"]);
    }

    #[test]
    fn reads_known_and_extra_keys() {
        let (fm, warnings) = parse(
            "---\ntitle: عنوان\ndate: 2020-10-27\ncountries: [سوريا, روسيا]\nactors: علي مملوك\nphotographer: سامر\n---\nنص\n",
        )
        .unwrap();
        assert!(warnings.is_empty());
        assert_eq!(fm.title, "عنوان");
        assert_eq!(strs(fm.taxonomies.get("countries")), ["سوريا", "روسيا"]);
        assert_eq!(strs(fm.taxonomies.get("actors")), ["علي مملوك"]);
        assert_eq!(fm.extra["photographer"], "سامر");
        assert_eq!(fm.date.iso_date(), "2020-10-27");
    }

    #[test]
    fn reports_every_error_with_its_line() {
        let errs = parse("---\ntitle: [a, b]\ndate: 2020-13-40\ndraft: maybe\n---\n").unwrap_err();
        let lines: Vec<_> = errs
            .iter()
            .map(|d| (d.line, d.message.split(':').next().unwrap().to_string()))
            .collect();
        assert_eq!(
            lines,
            [
                (Some(2), "`title`".to_string()),
                (Some(3), "`date`".to_string()),
                (Some(4), "`draft` must be true or false".to_string()),
            ]
        );
    }

    #[test]
    fn yaml_syntax_error_is_located_in_the_file() {
        let errs = parse("---\ntitle: a\ndate: 2020-01-01\ncountries: [سوريا\n---\n").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].line.unwrap() >= 4, "{:?}", errs[0]);
        assert!(errs[0].message.contains("not valid YAML"));
    }

    #[test]
    fn unclosed_and_missing_front_matter() {
        let e = parse("---\ntitle: a\n").unwrap_err();
        assert!(e[0].message.contains("never closed"));
        let e = parse("title: a\n").unwrap_err();
        assert!(e[0].message.contains("does not start"));
        let e = parse("").unwrap_err();
        assert!(e[0].message.contains("empty"));
    }

    #[test]
    fn an_empty_date_is_an_error_with_a_message() {
        // Found by the front_matter fuzz target: `date:` followed by a
        // comment was refused with no message at all.
        for text in [
            "---\ntitle: a\ndate: # x\n---\n",
            "---\ntitle: a\ndate:\n---\n",
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.len(), 1, "{e:?}");
            assert_eq!(e[0].message, "`date` is empty");
            assert_eq!(e[0].line, Some(3));
        }
    }

    #[test]
    fn missing_required_keys() {
        let e = parse("---\nsummary: x\n---\n").unwrap_err();
        let m: Vec<_> = e.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(m, ["`title` is missing", "`date` is missing"]);
    }

    #[test]
    fn hostile_slug_is_rejected() {
        let e = parse("---\ntitle: a\ndate: 2020-01-01\nslug: ../../x\n---\n").unwrap_err();
        assert_eq!(e[0].line, Some(4));
    }
}
