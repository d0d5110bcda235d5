//! `arshif check`: every validation a build runs, without writing anything,
//! plus the checks a build does not make: broken internal links, missing
//! images, two files claiming one output path, likely duplicate terms, the
//! ى/ي and ة/ه merges an editor should confirm, and misspelled front-matter
//! keys.
//!
//! It runs the real pipeline (config, content, model, theme, every page
//! rendered in memory) so that it can never disagree with a build, and turns
//! each problem into one [`Diagnostic`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::arabic::{fold_identity, likely_duplicate_key};
use crate::content::frontmatter::{self, ARTICLE_KEYS};
use crate::content::markdown::is_remote;
use crate::content::{self, TermFile, CONTENT_DIR};
use crate::error::{line_col, Diagnostic, Error, Result};
use crate::site::{Image, PagePath, Site};
use crate::{load_config, render, BuildOptions};

/// What a check found.
#[derive(Clone, Debug, Default)]
pub struct CheckReport {
    /// Every finding, errors and warnings, sorted by file and position.
    pub findings: Vec<Diagnostic>,
    /// Articles loaded (0 when the content could not be loaded).
    pub articles: usize,
    /// Pages rendered in memory (0 when the site could not be modelled).
    pub pages: usize,
}

impl CheckReport {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(Diagnostic::is_error)
    }
}

/// Keys of a term's own file.
const TERM_KEYS: &[&str] = &["name", "slug", "aliases", "type"];

/// Checks the site at `opts.root` (with drafts when `opts.drafts`). Content,
/// theme and link problems are findings; only a configuration error (exit
/// status 2) or an I/O failure is an `Err`.
pub fn check(opts: &BuildOptions) -> Result<CheckReport> {
    let root = &opts.root;
    let config = load_config(opts)?;
    let mut report = CheckReport::default();
    let mut findings = misspelled_keys(root, &config);

    let renderer = match render::Renderer::new(root, &config, false) {
        Ok(r) => Some(r),
        Err(e) => {
            findings.extend(findings_of(e)?);
            None
        }
    };
    let load = content::load(
        root,
        &config,
        content::LoadOptions {
            drafts: opts.drafts,
            offline: false,
        },
    );
    let content = match load {
        Ok(c) => c,
        Err(e) => {
            findings.extend(findings_of(e)?);
            return Ok(finish(report, findings));
        }
    };
    report.articles = content.articles.len();
    let term_files = content.terms.clone();
    let site = match Site::build(config, content) {
        Ok(site) => site,
        Err(e) => {
            findings.extend(findings_of(e)?);
            return Ok(finish(report, findings));
        }
    };
    findings.extend(site.warnings.iter().cloned());

    let jobs = render::pages(&site);
    report.pages = jobs.len();
    if let Some(renderer) = renderer.as_ref().filter(|r| r.has_search()) {
        findings.extend(crate::search::reader_warning(root, renderer.theme_dir()));
    }
    if let Some(renderer) = &renderer {
        let prep = renderer.prepare(&site);
        let errors: Vec<Diagnostic> = jobs
            .par_iter()
            // Completed as a build completes them: a page's teasers are
            // made when it prints them.
            .filter_map(|job| {
                renderer
                    .render(&site, &prep, job)
                    .and_then(|page| renderer.complete(&prep, page))
                    .err()
            })
            .flat_map(|e| e.findings())
            .collect();
        let mut seen = BTreeSet::new();
        findings.extend(
            errors
                .into_iter()
                .filter(|d| seen.insert((d.path.clone(), d.message.clone()))),
        );
    }

    let theme_static = renderer
        .as_ref()
        .map(|r| r.theme_dir().join("static"))
        .unwrap_or_else(|| render::theme_dir(root, &site.config).join("static"));
    let files = output_files(&site, &jobs, &theme_static, &mut findings);
    findings.extend(links(root, &site, &files));
    findings.extend(images(&site, &files));
    findings.extend(duplicate_slugs(&site));
    findings.extend(likely_duplicates(root, &site, &term_files));
    findings.extend(merges(root, &site));
    Ok(finish(report, findings))
}

fn finish(mut report: CheckReport, mut findings: Vec<Diagnostic>) -> CheckReport {
    findings.sort();
    findings.dedup();
    report.findings = findings;
    report
}

/// The findings of a stage's error; a configuration or I/O error stays an error.
fn findings_of(e: Error) -> Result<Vec<Diagnostic>> {
    match e {
        Error::Content(d) | Error::Template(d) => Ok(d),
        other => Err(other),
    }
}

/// Every file a build would write (relative to the output root), with the
/// source that claims it; two claims on one path are errors.
fn output_files(
    site: &Site,
    jobs: &[render::PageJob],
    theme_static: &Path,
    findings: &mut Vec<Diagnostic>,
) -> BTreeMap<String, PathBuf> {
    let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut claim = |file: String, by: PathBuf, findings: &mut Vec<Diagnostic>| {
        if let Some(other) = files.get(&file) {
            if *other != by {
                findings.push(
                    Diagnostic::error(
                        &by,
                        format!("{file} is also written by {}", other.display()),
                    )
                    .with_hint(
                        "rename or move one of them so that each output path has one source",
                    ),
                );
            }
            return;
        }
        files.insert(file, by);
    };
    for job in jobs {
        let by = match job {
            render::PageJob::Article(i) => site.articles[*i].source.source.clone(),
            render::PageJob::Redirect(r) => site.articles[site.redirects[*r].target]
                .source
                .source
                .clone(),
            _ => PathBuf::from("(generated page)"),
        };
        claim(job.file(site), by, findings);
    }
    for m in &site.media {
        let rel = m.output.to_string_lossy().replace('\\', "/");
        let by = PathBuf::from(CONTENT_DIR).join(&m.output);
        claim(rel, by, findings);
    }
    for entry in crate::content::visible(walkdir::WalkDir::new(theme_static).sort_by_file_name())
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
    {
        if let Ok(rel) = entry.path().strip_prefix(theme_static) {
            claim(
                rel.to_string_lossy().replace('\\', "/"),
                PathBuf::from("theme static files"),
                findings,
            );
        }
    }
    for font in &site.config.fonts {
        claim(
            render::font_output(font),
            PathBuf::from("site.toml"),
            findings,
        );
    }
    files
}

/// Files other stages generate (feeds, sitemap, search index), which a link
/// may name although this check does not model them.
fn generated_elsewhere(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "atom.xml" | "rss.xml" | "sitemap.xml" | "robots.txt")
        || path.starts_with("search/")
}

/// Broken internal links in article bodies.
fn links(root: &Path, site: &Site, files: &BTreeMap<String, PathBuf>) -> Vec<Diagnostic> {
    site.articles
        .par_iter()
        .flat_map_iter(|a| {
            let mut out = Vec::new();
            let mut text: Option<String> = None;
            for link in &a.source.body.links {
                let problem = match resolve(&a.path, link) {
                    Resolved::External => continue,
                    Resolved::Invalid(why) => Some((why, None)),
                    Resolved::Internal(target) => broken(site, files, link, &target),
                };
                let Some((message, hint)) = problem else {
                    continue;
                };
                let text = text.get_or_insert_with(|| {
                    content::read_text(root, &a.source.source).unwrap_or_default()
                });
                let mut d = Diagnostic::error(&a.source.source, message);
                if let Some(offset) = find_link(text, link) {
                    let (line, col) = line_col(text, offset);
                    d = d.at(line, col);
                }
                out.push(d.with_hint(hint.unwrap_or_else(|| LINK_FORMS.to_string())));
            }
            out
        })
        .collect()
}

const LINK_FORMS: &str = "link to an article as /YYYY/MM/<slug>/, a term as /<taxonomy>/<slug>/ and a file of content/ as /media/…";

/// Where `link` is written in the file (after the front matter when possible).
fn find_link(text: &str, link: &str) -> Option<usize> {
    let body_start = text.match_indices("\n---").next().map_or(0, |(i, _)| i + 4);
    for needle in [
        format!("]({link}"),
        format!("<{link}>"),
        format!("]: {link}"),
        link.to_string(),
    ] {
        if let Some(i) = text[body_start..].find(&needle) {
            let skip = needle.find(link).unwrap_or(0);
            return Some(body_start + i + skip);
        }
    }
    None
}

/// A link target, resolved against the page that holds it.
enum Resolved {
    /// Another host, a fragment, mail…: not checked.
    External,
    /// A path inside the output, without query or fragment.
    Internal(String),
    /// Why it cannot be resolved.
    Invalid(String),
}

/// Resolves `link` as written in the body of the page at `page`.
fn resolve(page: &PagePath, link: &str) -> Resolved {
    let link = link.trim();
    if link.is_empty() || link.starts_with('#') || is_remote(link) || has_scheme(link) {
        return Resolved::External;
    }
    let path = &link[..link.find(['?', '#']).unwrap_or(link.len())];
    let Some(decoded) = percent_decode(path).and_then(|b| String::from_utf8(b).ok()) else {
        return Resolved::Invalid(format!("the link `{link}` has a broken %-escape"));
    };
    let (base, rest) = match decoded.strip_prefix('/') {
        Some(rest) => (String::new(), rest.to_string()),
        None => (page.as_str().to_string(), decoded.clone()),
    };
    let mut segments: Vec<String> = base
        .split('/')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    for seg in rest.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Resolved::Invalid(format!(
                        "the link `{link}` climbs above the site root"
                    ));
                }
            }
            s => segments.push(crate::arabic::nfc(s)),
        }
    }
    let mut target = segments.join("/");
    if (rest.is_empty() || rest.ends_with('/')) && !target.is_empty() {
        target.push('/');
    }
    Resolved::Internal(target)
}

/// Whether `link` starts with a URL scheme (`mailto:`, `tel:`, `data:`…).
fn has_scheme(link: &str) -> bool {
    match link.find(':') {
        Some(i) if i > 0 => {
            link[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && link.starts_with(|c: char| c.is_ascii_alphabetic())
        }
        _ => false,
    }
}

/// Why a link to `target` (output-relative) leads nowhere, with a hint; `None`
/// when it reaches a file.
fn broken(
    site: &Site,
    files: &BTreeMap<String, PathBuf>,
    link: &str,
    target: &str,
) -> Option<(String, Option<String>)> {
    let file = if target.is_empty() || target.ends_with('/') {
        format!("{target}index.html")
    } else {
        target.to_string()
    };
    if files.contains_key(&file)
        || files.contains_key(&format!("{target}/index.html"))
        || generated_elsewhere(&file)
    {
        return None;
    }
    let message =
        format!("the link `{link}` leads to nothing: no page or file is published at /{target}");
    // A link to an article's Markdown file rather than its page.
    if let Some(stem) = target
        .strip_suffix(".md")
        .or_else(|| target.strip_suffix(".markdown"))
    {
        let name = stem.rsplit('/').next().unwrap_or(stem);
        if let Some(a) = site.articles.iter().find(|a| a.source.stem == name) {
            return Some((
                message,
                Some(format!(
                    "link to the article's page, not its file: /{}",
                    a.path.as_str()
                )),
            ));
        }
    }
    let best = files
        .keys()
        .map(|f| f.strip_suffix("index.html").unwrap_or(f))
        .map(|f| {
            (
                strsim::normalized_levenshtein(f, target.trim_end_matches('/')),
                f,
            )
        })
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = best.map(|(_, f)| format!("did you mean /{f}? ({LINK_FORMS})"));
    Some((message, hint))
}

/// Decodes `%XX` escapes; `None` for a broken escape.
pub fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Lead images (`image:`) that are not files of the site.
fn images(site: &Site, files: &BTreeMap<String, PathBuf>) -> Vec<Diagnostic> {
    site.articles
        .iter()
        .filter_map(|a| match &a.image {
            Some(Image::Local(path)) if !files.contains_key(path) => Some(
                a.source
                    .error_at("image", format!("the image /{path} does not exist"))
                    .with_hint(format!(
                        "put the file at {CONTENT_DIR}/{path}, or fix the path (files of content/ are published at the same path)"
                    )),
            ),
            _ => None,
        })
        .collect()
}

/// Articles of different months with one slug: two URLs that differ only by
/// the month are easy to confuse, and often one story filed twice. (Two
/// articles at one URL are already an error of the model.)
fn duplicate_slugs(site: &Site) -> Vec<Diagnostic> {
    let mut first: BTreeMap<&str, &crate::site::Article> = BTreeMap::new();
    let mut out = Vec::new();
    // Oldest first, so that the newer article is the one reported.
    for a in site.articles.iter().rev() {
        match first.get(a.slug.as_str()) {
            Some(older) => {
                let mut d = a.source.error_at(
                    "slug",
                    format!(
                        "the slug `{}` is also used by {} (/{})",
                        a.slug.as_str(),
                        older.source.source.display(),
                        older.path.as_str()
                    ),
                );
                d.severity = crate::error::Severity::Warning;
                out.push(d.with_hint(
                    "if this is the same story twice, remove one; otherwise give this one a more specific `slug:`",
                ));
            }
            None => {
                first.insert(a.slug.as_str(), a);
            }
        }
    }
    out
}

/// An article that names `spelling` in `taxonomy`, placed at the spelling
/// (or at the key when it is written on other lines).
fn mention(
    root: &Path,
    site: &Site,
    articles: &[usize],
    taxonomy: &str,
    spelling: &str,
) -> Option<Diagnostic> {
    let a = articles.iter().map(|&i| &site.articles[i]).find(|a| {
        a.source
            .front
            .taxonomies
            .get(taxonomy)
            .is_some_and(|v| v.iter().any(|s| &**s == spelling))
    })?;
    let mut d = a.source.error_at(taxonomy, String::new());
    d.severity = crate::error::Severity::Warning;
    let text = content::read_text(root, &a.source.source).unwrap_or_default();
    if let Some(line) = d.line.and_then(|n| text.lines().nth(n - 1)) {
        if let Some(i) = line.find(spelling) {
            d.column = Some(line[..i].chars().count() + 1);
        }
    }
    Some(d)
}

/// Terms that are likely one term written two ways (سوريا/سورية) and that no
/// `aliases` entry merges, with the `aliases` line to add.
fn likely_duplicates(root: &Path, site: &Site, term_files: &[TermFile]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for tax in &site.taxonomies {
        let name = &tax.config.name;
        let mut groups: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        for (i, term) in tax.terms.iter().enumerate() {
            for spelling in term.spellings.keys().chain([&term.name]) {
                groups
                    .entry(likely_duplicate_key(spelling))
                    .or_default()
                    .insert(i);
            }
        }
        let mut reported: BTreeSet<(usize, usize)> = BTreeSet::new();
        for members in groups.values().filter(|m| m.len() > 1) {
            // The main term: described by a file, else the most used.
            let main = *members
                .iter()
                .max_by_key(|&&i| {
                    let t = &tax.terms[i];
                    (t.source.is_some(), t.articles.len(), std::cmp::Reverse(i))
                })
                .expect("a group has members");
            let m = &tax.terms[main];
            for &other in members.iter().filter(|&&i| i != main) {
                if !reported.insert((main, other)) {
                    continue;
                }
                let o = &tax.terms[other];
                let Some(spelling) = o.spellings.iter().max_by_key(|(_, n)| **n).map(|(s, _)| s)
                else {
                    continue;
                };
                let Some(mut d) = mention(root, site, &o.articles, name, spelling) else {
                    continue;
                };
                d.message = format!(
                    "`{name}`: «{spelling}» ({}) and «{}» ({}) are likely the same term",
                    articles_count(o.articles.len()),
                    m.name,
                    articles_count(m.articles.len())
                );
                let hint = match &m.source {
                    Some(file) => {
                        let mut aliases: Vec<String> = term_files
                            .iter()
                            .find(|f| f.source == *file)
                            .map(|f| f.front.aliases.clone())
                            .unwrap_or_default();
                        aliases.push(spelling.clone());
                        format!(
                            "if they are, add it to {}: `aliases: [{}]`",
                            file.display(),
                            aliases.join(", ")
                        )
                    }
                    None => format!(
                        "if they are, create {CONTENT_DIR}/{name}/{}.md with `name: {}` and `aliases: [{spelling}]` between `---` lines",
                        m.slug.as_str(),
                        m.name
                    ),
                };
                out.push(d.with_hint(hint));
            }
        }
    }
    out
}

fn articles_count(n: usize) -> String {
    crate::error::plural(n, "article")
}

/// Spellings merged into one term by the ى/ي or ة/ه rows of the identity
/// fold, listed so that an editor can confirm them.
fn merges(root: &Path, site: &Site) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for tax in &site.taxonomies {
        let name = &tax.config.name;
        for term in &tax.terms {
            for spelling in term.spellings.keys().filter(|s| **s != term.name) {
                let letters = merged_letters(spelling, &term.name);
                if letters.is_empty() {
                    continue;
                }
                let Some(mut d) = mention(root, site, &term.articles, name, spelling) else {
                    continue;
                };
                d.message = format!(
                    "`{name}`: «{spelling}» is published as «{}» ({} taken as one letter); please confirm",
                    term.name,
                    letters.join(" and ")
                );
                out.push(d.with_hint(
                    "nothing to do if they are one name; otherwise correct the spelling in this article",
                ));
            }
        }
    }
    out
}

/// Which of the ى/ي and ة/ه merges make `a` and `b` one term.
fn merged_letters(a: &str, b: &str) -> Vec<&'static str> {
    let mut letters = Vec::new();
    if fold_identity(a) != fold_identity(b) {
        // Merged by a term file's `aliases`, which an editor wrote on purpose.
        return letters;
    }
    for (letter, shown) in [('ى', "ى/ي"), ('ة', "ة/ه")] {
        let keep = |s: &str| fold_identity(&s.replace(letter, "\u{E000}"));
        if keep(a) != keep(b) {
            letters.push(shown);
        }
    }
    letters
}

/// Unknown front-matter keys that look like misspellings of known ones
/// (`countires` → `countries`), in articles and term files.
fn misspelled_keys(root: &Path, config: &crate::Config) -> Vec<Diagnostic> {
    let taxonomies: Vec<&str> = config.taxonomies.iter().map(|t| t.name.as_str()).collect();
    let article_keys: Vec<&str> = ARTICLE_KEYS
        .iter()
        .copied()
        .chain(taxonomies.iter().copied())
        .collect();
    let dir = root.join(CONTENT_DIR);
    let files: Vec<PathBuf> =
        crate::content::visible(walkdir::WalkDir::new(&dir).sort_by_file_name())
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_type().is_file()
                    && e.path()
                        .extension()
                        .is_some_and(|x| x == "md" || x == "markdown")
            })
            .filter_map(|e| e.path().strip_prefix(root).ok().map(Path::to_path_buf))
            .collect();
    files
        .par_iter()
        .flat_map_iter(|rel| {
            let in_content: Vec<_> = rel.components().skip(1).collect();
            let is_term = in_content.len() == 2
                && taxonomies.iter().any(|t| in_content[0].as_os_str() == *t);
            let known = if is_term { TERM_KEYS } else { &article_keys[..] };
            let Ok(text) = content::read_text(root, rel) else {
                return Vec::new();
            };
            let Ok(split) = frontmatter::split(&text, rel) else {
                return Vec::new();
            };
            let positions = frontmatter::Locator::new(split.yaml, split.yaml_line).positions();
            let present: BTreeSet<&str> = positions.keys().map(String::as_str).collect();
            positions
                .iter()
                .filter(|(k, _)| !known.contains(&k.as_str()))
                .filter_map(|(key, (line, _))| {
                    let meant = closest_key(key, known)?;
                    let also = if present.contains(meant) {
                        format!(" (`{meant}` is given too)")
                    } else {
                        String::new()
                    };
                    Some(
                        Diagnostic::warning(
                            rel,
                            format!("unknown key `{key}`: did you mean `{meant}`?{also}"),
                        )
                        .at(*line, 1)
                        .with_hint(format!(
                            "write `{meant}:`; an unknown key is only passed to templates as page.extra.{key}"
                        )),
                    )
                })
                .collect()
        })
        .collect()
}

/// The known key `key` is most likely a misspelling of, if any.
fn closest_key<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = key.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&lower, k), *k))
        .filter(|(d, k)| {
            let allowed = if k.len() <= 4 { 1 } else { 2 };
            // `country` for `countries`: close, and about as long.
            let similar = strsim::jaro_winkler(&lower, k) >= 0.9
                && lower.chars().count().abs_diff(k.chars().count()) <= 3;
            *d <= allowed || similar
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelled_keys_are_found() {
        let known = ["title", "date", "countries", "actors", "draft", "lang"];
        assert_eq!(closest_key("countires", &known), Some("countries"));
        assert_eq!(closest_key("Title", &known), Some("title"));
        assert_eq!(closest_key("dtae", &known), Some("date"));
        assert_eq!(closest_key("actor", &known), Some("actors"));
        assert_eq!(closest_key("country", &known), Some("countries"));
        assert_eq!(closest_key("photographer", &known), None);
        assert_eq!(closest_key("source_url", &["source"]), None);
        assert_eq!(closest_key("image_credit", &["image"]), None);
        assert_eq!(closest_key("tags", &known), None);
    }

    #[test]
    fn links_resolve_against_the_page() {
        let page = PagePath::dir(&["2020", "10", "x"]);
        let r = |l| match resolve(&page, l) {
            Resolved::Internal(t) => t,
            Resolved::External => "EXTERNAL".into(),
            Resolved::Invalid(w) => format!("INVALID {w}"),
        };
        assert_eq!(r("../y/"), "2020/10/y/");
        assert_eq!(
            r("/countries/%D8%B3%D9%88%D8%B1%D9%8A%D8%A7/#top"),
            "countries/سوريا/"
        );
        assert_eq!(r("../../../media/a.jpg"), "media/a.jpg");
        assert_eq!(r("/"), "");
        assert_eq!(r("https://example.org/x"), "EXTERNAL");
        assert_eq!(r("mailto:a@b.c"), "EXTERNAL");
        assert_eq!(r("#fn1"), "EXTERNAL");
        assert!(r("../../../../x").starts_with("INVALID"));
        assert!(r("/a%zz").starts_with("INVALID"));
    }

    #[test]
    fn yeh_and_teh_marbuta_merges_are_named() {
        assert_eq!(merged_letters("مصطفى", "مصطفي"), vec!["ى/ي"]);
        assert_eq!(merged_letters("حماة", "حماه"), vec!["ة/ه"]);
        assert!(merged_letters("الأسد", "الاسد").is_empty());
    }
}
