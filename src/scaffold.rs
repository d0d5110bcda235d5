//! Writing new files for writers: `arshif new` (one article) and `arshif init`
//! (a site skeleton with the default theme built into the binary).
//!
//! Both only ever create files: an existing file is never overwritten, and
//! what they write is checked to load before it is written.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::arabic::{nfc, Slug};
use crate::config::{Config, CONFIG_FILE};
use crate::content::{frontmatter, CONTENT_DIR};
use crate::error::{Diagnostic, Error, Result};

/// What `arshif new` was asked for.
#[derive(Clone, Debug, Default)]
pub struct NewArticle {
    pub title: String,
    /// Values per taxonomy name (`countries`, `actors`, `category`…), in order.
    pub terms: Vec<(String, Vec<String>)>,
    /// Overrides the slug made from the title.
    pub slug: Option<String>,
}

/// Writes `content/YYYY/MM/<slug>.md` (today in the site's timezone) in the
/// site at `root`; returns its path relative to `root`.
pub fn new_article(root: &Path, config: &Config, article: &NewArticle) -> Result<PathBuf> {
    let title = nfc(article.title.trim());
    if title.is_empty() {
        return Err(usage(
            "--title",
            "the title is empty",
            "write --title \"…\" with the headline",
        ));
    }
    let slug = match &article.slug {
        Some(s) => Slug::article(s.trim()).map_err(|e| {
            usage(
                "--slug",
                format!("the slug {s:?} cannot be used: {e}"),
                "letters, digits, `-` and `_` only, e.g. --slug russia-france-talks",
            )
        })?,
        None => Slug::sanitize(&title).ok_or_else(|| {
            usage(
                "--title",
                "the title has no letter or digit to make a slug from",
                "give one with --slug, e.g. --slug russia-france-talks",
            )
        })?,
    };
    for (taxonomy, _) in &article.terms {
        if config.taxonomy(taxonomy).is_none() {
            return Err(usage(
                format!("--{taxonomy}"),
                format!("site.toml has no taxonomy `{taxonomy}`"),
                format!("add a [[taxonomies]] table with name = \"{taxonomy}\" to site.toml, or leave the option out"),
            ));
        }
    }

    let now = chrono::Utc::now().with_timezone(&config.timezone);
    let date = now.format("%Y-%m-%dT%H:%M:00%:z").to_string();
    let mut text = format!("---\ntitle: {}\ndate: {date}\n", yaml_scalar(&title));
    for tax in &config.taxonomies {
        let values = article
            .terms
            .iter()
            .filter(|(t, _)| *t == tax.name)
            .flat_map(|(_, v)| v.iter().map(|s| nfc(s.trim())))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>();
        let key = &tax.name;
        match values.as_slice() {
            [] if single(key) => text.push_str(&format!("{key}:\n")),
            [] => text.push_str(&format!("{key}: []\n")),
            [one] if single(key) => text.push_str(&format!("{key}: {}\n", yaml_scalar(one))),
            many => {
                let items: Vec<String> = many.iter().map(|s| yaml_scalar(s)).collect();
                text.push_str(&format!("{key}: [{}]\n", items.join(", ")));
            }
        }
    }
    text.push_str("---\n\n");

    let rel = PathBuf::from(CONTENT_DIR)
        .join(now.format("%Y").to_string())
        .join(now.format("%m").to_string())
        .join(format!("{}.md", slug.as_str()));
    // What we write must load: the same reader as a build, before writing.
    let split = frontmatter::split(&text, &rel).map_err(|d| Error::Content(vec![d]))?;
    let names: Vec<&str> = config.taxonomies.iter().map(|t| t.name.as_str()).collect();
    frontmatter::article(&split, &rel, &names, config.timezone).map_err(Error::Content)?;

    create_new(root, &rel, text.as_bytes())?;
    Ok(rel)
}

/// Taxonomies that usually hold one value (written `key: value`, not a list).
fn single(taxonomy: &str) -> bool {
    matches!(taxonomy, "category" | "author")
}

/// A YAML scalar that reads back as `s`: plain when that is safe, else a
/// double-quoted string (JSON string syntax is valid YAML).
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c) || c.is_whitespace())
        && !s.ends_with(|c: char| c.is_whitespace() || c == ':')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains([',', '[', ']', '{', '}', '\n', '\t'])
        && serde_yaml::from_str::<serde_yaml::Value>(s).ok()
            == Some(serde_yaml::Value::String(s.to_string()));
    if plain {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

/// A usage error about a command-line option (exit status 2).
fn usage(option: impl Into<PathBuf>, message: impl Into<String>, hint: impl Into<String>) -> Error {
    Error::Config(vec![Diagnostic::error(option, message).with_hint(hint)])
}

/// Creates `root/rel` with `bytes`, making its folders; an existing file is
/// an error (exit status 1) that says so, never overwritten.
fn create_new(root: &Path, rel: &Path, bytes: &[u8]) -> Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            return Err(Error::Content(vec![Diagnostic::error(
                rel,
                "this file already exists; arshif never overwrites a file",
            )
            .with_hint(
                "edit the existing file, or choose another name (for `new`: --slug …)",
            )]));
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    file.write_all(bytes).map_err(|e| Error::io(&path, e))
}

macro_rules! theme_file {
    ($rel:literal) => {
        (
            concat!("themes/default/", $rel),
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/themes/default/",
                $rel
            )),
        )
    };
}

/// The default theme, built into the binary so that `init` works from an
/// installed copy: (path inside the site, bytes).
pub const DEFAULT_THEME: &[(&str, &[u8])] = &[
    theme_file!("README.md"),
    theme_file!("theme.toml"),
    theme_file!("static/favicon.svg"),
    theme_file!("static/search.js"),
    theme_file!("static/style.css"),
    theme_file!("templates/404.html"),
    theme_file!("templates/alias.html"),
    theme_file!("templates/archive.html"),
    theme_file!("templates/article.html"),
    theme_file!("templates/atom-entry.xml"),
    theme_file!("templates/atom.xml"),
    theme_file!("templates/base.html"),
    theme_file!("templates/list.html"),
    theme_file!("templates/components.html"),
    theme_file!("templates/month.html"),
    theme_file!("templates/search.html"),
    theme_file!("templates/taxonomy.html"),
    theme_file!("templates/teaser.html"),
];

/// The site.toml `init` writes: every key a new site is likely to change.
const INIT_CONFIG: &str = r#"# The site's settings; every key has a default (see the README).
title = "أرشيفي"
description = "أرشيف أخبار"
base_url = "https://example.org/"   # canonical links, feeds and sitemap only
language = "ar"
timezone = "+03:00"                  # for dates written without an offset
theme = "default"
paginate = 20

[[taxonomies]]
name = "countries"
title = "الدول"
feed = true

[[taxonomies]]
name = "actors"
title = "الجهات الفاعلة"
feed = true

[[taxonomies]]
name = "category"
title = "الأقسام"

[[taxonomies]]
name = "author"
title = "الكتّاب"
"#;

/// Writes a new site skeleton into `dir`: site.toml, one article, a
/// `.gitignore` and the default theme. Refuses a folder that already holds
/// a site.toml; never overwrites a file. Returns the files written.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>> {
    if dir.join(CONFIG_FILE).exists() {
        return Err(Error::Config(vec![Diagnostic::error(
            dir.join(CONFIG_FILE),
            "there is a site here already",
        )
        .with_hint(
            "run `arshif init` with a new or empty folder, e.g. `arshif init my-archive`",
        )]));
    }
    let timezone = Config::parse(INIT_CONFIG)?.timezone;
    let today = chrono::Utc::now().with_timezone(&timezone);
    let article = format!(
        "---\ntitle: مرحبًا بكم في الأرشيف\ndate: {}\ncategory: عن الموقع\ncountries: [سوريا]\n---\nهذا أول مقال في الأرشيف. أضيفوا مقالات جديدة بالأمر `arshif new --title \"…\"`.\n",
        today.format("%Y-%m-%d")
    );
    let article_path = format!("{CONTENT_DIR}/{}/welcome.md", today.format("%Y/%m"));
    let mut files: Vec<(String, &[u8])> = vec![
        (CONFIG_FILE.to_string(), INIT_CONFIG.as_bytes()),
        (".gitignore".to_string(), b"/public/\n/.public.arshif-*\n"),
        (article_path, article.as_bytes()),
    ];
    files.extend(DEFAULT_THEME.iter().map(|(p, b)| (p.to_string(), *b)));
    // All or nothing: a folder holding any of these files is left alone.
    if let Some((rel, _)) = files.iter().find(|(rel, _)| dir.join(rel).exists()) {
        return Err(Error::Config(vec![Diagnostic::error(
            dir.join(rel),
            "this file exists already; init writes into a new or empty folder",
        )
        .with_hint(
            "run `arshif init` with a new folder, e.g. `arshif init my-archive`",
        )]));
    }
    let mut written = Vec::new();
    for (rel, bytes) in files {
        create_new(dir, Path::new(&rel), bytes)?;
        written.push(PathBuf::from(rel));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_theme_is_the_whole_default_theme() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let mut on_disk: Vec<String> = walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(&dir).expect("under the theme");
                format!("themes/default/{}", rel.to_string_lossy())
            })
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = DEFAULT_THEME.iter().map(|(p, _)| p.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk, "list every theme file in DEFAULT_THEME");
    }

    #[test]
    fn yaml_scalars_read_back() {
        for s in [
            "سوريا",
            "نظام الأسد",
            "title: with colon",
            "- dash",
            "[x]",
            "a, b",
            "yes",
            "123",
            "null",
            "«قوسان» و\"علامات\"",
            "# not a comment",
        ] {
            let yaml = format!("k: {}", yaml_scalar(s));
            let v: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
            assert_eq!(v["k"], serde_yaml::Value::String(s.into()), "{yaml}");
        }
        assert_eq!(yaml_scalar("سوريا"), "سوريا");
    }
}
