//! Rendering: the site model through the theme's Tera templates into pages.
//!
//! [`pages`] lists every page the model implies (SPEC §4) as a [`PageJob`];
//! [`Renderer::render`] turns one job into HTML. Jobs are independent, so the
//! build renders them in parallel. Nothing here writes files.

pub mod context;
pub mod filters;
pub mod pages;

use std::path::{Path, PathBuf};

use tera::{Context, Tera};

use crate::config::Config;
use crate::error::{Diagnostic, Error, Result};
use crate::site::paginate::{self, ListPage};
use crate::site::{PagePath, Site};
use context::*;
use pages::{archive_path, list_path};
pub use pages::{pages, PageJob};

/// Templates every theme must provide.
pub const REQUIRED_TEMPLATES: &[&str] = &[
    "article.html",
    "list.html",
    "month.html",
    "taxonomy.html",
    "archive.html",
    "404.html",
    "alias.html",
];

/// Pages a pager shows on each side of the current one.
const PAGER_RADIUS: usize = 2;

/// The articles of a list: every article (the home page) or some.
#[derive(Clone, Copy)]
enum Listed<'a> {
    All,
    /// Positions in the site's newest-first list.
    Only(&'a [usize]),
}

/// The theme, loaded and ready to render pages of one site.
pub struct Renderer {
    tera: Tera,
    theme_dir: PathBuf,
    links: Links,
}

/// The folder of the theme named in site.toml.
pub fn theme_dir(root: &Path, config: &Config) -> PathBuf {
    root.join("themes").join(&config.theme)
}

impl Renderer {
    /// Loads every template of the site's theme.
    pub fn new(root: &Path, config: &Config, offline: bool) -> Result<Renderer> {
        let theme_dir = theme_dir(root, config);
        let templates = theme_dir.join("templates");
        if !templates.is_dir() {
            return Err(Error::Config(vec![Diagnostic::error(
                crate::config::CONFIG_FILE,
                format!("the theme {:?} has no folder {}", config.theme, templates.display()),
            )
            .with_hint("set `theme` in site.toml to a folder of themes/ (e.g. \"default\"), or copy a theme there")]));
        }
        let glob = format!("{}/**/*.html", templates.display());
        let mut tera = Tera::new(&glob)
            .map_err(|e| Error::Template(vec![parse_error(root, &templates, &e)]))?;
        tera.autoescape_on(vec![".html", ".xml"]);
        let missing: Vec<Diagnostic> = REQUIRED_TEMPLATES
            .iter()
            .filter(|t| !tera.get_template_names().any(|n| n == **t))
            .map(|t| {
                let file = templates.join(t);
                let rel = file.strip_prefix(root).unwrap_or(&file);
                Diagnostic::error(rel, "this template is missing from the theme")
                    .with_hint("copy it from themes/default/templates")
            })
            .collect();
        if !missing.is_empty() {
            return Err(Error::Template(missing));
        }
        filters::register_filters(&mut tera, config.dates.digits);
        Ok(Renderer {
            tera,
            theme_dir,
            links: Links { offline },
        })
    }

    /// The theme's folder (its `static/` is copied to the output root).
    pub fn theme_dir(&self) -> &Path {
        &self.theme_dir
    }

    /// Renders one page to HTML.
    pub fn render(&self, site: &Site, job: &PageJob) -> Result<String> {
        let file = job.file(site);
        let depth = file.matches('/').count();
        let links = self.links;
        let config = &site.config;
        let mut ctx = Context::new();
        // A host serves 404.html at any depth, so online its links are
        // absolute; offline it is only ever opened from the root folder.
        let root = if *job == PageJob::NotFound && !links.offline {
            config.base_url.clone()
        } else {
            Links::root(depth)
        };
        ctx.insert("root", &root);
        ctx.insert("site", &self.site_ctx(site));
        ctx.insert("lang", &config.language);
        ctx.insert("dir", config.dir());
        let canonical = |path: &PagePath| format!("{}{}", config.base_url, path.as_str());

        let (template, title, canonical_url) = match job {
            PageJob::Article(i) => {
                let a = &site.articles[*i];
                let neighbour = |j: Option<usize>| {
                    j.map(|j| Neighbour {
                        title: &site.articles[j].source.front.title,
                        url: links.url(&site.articles[j].path),
                    })
                };
                let page = PageCtx {
                    teaser: Teaser::new(site, a, links),
                    body: &a.source.body.html,
                    extra: &a.source.front.extra,
                    newer: neighbour(a.newer),
                    older: neighbour(a.older),
                };
                ctx.insert("page", &page);
                ctx.insert("lang", &a.lang);
                ctx.insert("dir", a.dir);
                (
                    "article.html",
                    a.source.front.title.clone(),
                    Some(canonical(&a.path)),
                )
            }
            PageJob::Home(p) => {
                self.insert_list(&mut ctx, site, &PagePath::root(), Listed::All, p);
                (
                    "list.html",
                    config.title.clone(),
                    Some(canonical(&list_path(&PagePath::root(), p))),
                )
            }
            PageJob::Term(t, i, p) => {
                let tax = &site.taxonomies[*t];
                let term = &tax.terms[*i];
                self.insert_list(&mut ctx, site, &term.path, Listed::Only(&term.articles), p);
                ctx.insert("taxonomy", &self.taxonomy_ctx(site, *t));
                ctx.insert(
                    "term",
                    &TermCtx {
                        entry: TermEntry::new(term, links),
                        description: if p.number.is_none() {
                            term.description.as_deref()
                        } else {
                            None
                        },
                    },
                );
                (
                    "list.html",
                    term.name.clone(),
                    Some(canonical(&list_path(&term.path, p))),
                )
            }
            PageJob::Taxonomy(t) => {
                let tax = &site.taxonomies[*t];
                let terms: Vec<TermEntry<'_>> = tax
                    .terms
                    .iter()
                    .map(|term| TermEntry::new(term, links))
                    .collect();
                ctx.insert("taxonomy", &self.taxonomy_ctx(site, *t));
                ctx.insert("terms", &terms);
                (
                    "taxonomy.html",
                    tax.config.title.clone(),
                    Some(canonical(&tax.path)),
                )
            }
            PageJob::Year(y, p) => {
                let year = &site.years[*y];
                self.insert_list(&mut ctx, site, &year.path, Listed::Only(&year.articles), p);
                ctx.insert("year", &YearCtx::new(site, year, links));
                (
                    "list.html",
                    year.year.to_string(),
                    Some(canonical(&list_path(&year.path, p))),
                )
            }
            PageJob::Month(y, m) => {
                let year = &site.years[*y];
                let year_ctx = YearCtx::new(site, year, links);
                let month = &year.months[*m];
                let teasers: Vec<Teaser<'_>> = month
                    .articles
                    .iter()
                    .map(|&i| Teaser::new(site, &site.articles[i], links))
                    .collect();
                let title = year_ctx.months[*m].name.clone();
                ctx.insert("month", &year_ctx.months[*m]);
                ctx.insert("year", &year_ctx);
                ctx.insert("articles", &teasers);
                ("month.html", title, Some(canonical(&month.path)))
            }
            PageJob::Archive => {
                let years: Vec<YearCtx> = site
                    .years
                    .iter()
                    .map(|y| YearCtx::new(site, y, links))
                    .collect();
                ctx.insert("years", &years);
                (
                    "archive.html",
                    "الأرشيف".to_string(),
                    Some(canonical(&archive_path())),
                )
            }
            PageJob::NotFound => ("404.html", "الصفحة غير موجودة".to_string(), None),
            PageJob::Redirect(r) => {
                let redirect = &site.redirects[*r];
                let target = &site.articles[redirect.target];
                ctx.insert("target", &format!("{root}{}", links.url(&target.path)));
                (
                    "alias.html",
                    target.source.front.title.clone(),
                    Some(canonical(&target.path)),
                )
            }
        };
        ctx.insert("kind", job.kind());
        ctx.insert("title", &title);
        ctx.insert("canonical", &canonical_url);
        self.tera.render(template, &ctx).map_err(|e| {
            // Named from the site root, as content errors are.
            let rel = Path::new("themes")
                .join(self.theme_dir.file_name().unwrap_or_default())
                .join("templates")
                .join(template);
            Error::Template(vec![
                template_error(&rel, &e).with_hint(format!("while rendering {file}"))
            ])
        })
    }

    fn site_ctx<'a>(&self, site: &'a Site) -> SiteCtx<'a> {
        let config = &site.config;
        SiteCtx {
            title: &config.title,
            description: &config.description,
            language: &config.language,
            dir: config.dir(),
            base_url: &config.base_url,
            home_url: if self.links.offline { "index.html" } else { "" },
            archive_url: self.links.url(&archive_path()),
            taxonomies: (0..site.taxonomies.len())
                .map(|t| self.taxonomy_ctx(site, t))
                .collect(),
            fonts: font_faces(config),
            font_stack: config.font_stack.as_deref(),
        }
    }

    fn taxonomy_ctx<'a>(&self, site: &'a Site, t: usize) -> TaxonomyCtx<'a> {
        let tax = &site.taxonomies[t];
        TaxonomyCtx {
            name: &tax.config.name,
            title: &tax.config.title,
            url: self.links.url(&tax.path),
        }
    }

    /// Inserts `articles` and `paginator` for one page of a list.
    fn insert_list(
        &self,
        ctx: &mut Context,
        site: &Site,
        base: &PagePath,
        list: Listed<'_>,
        page: &ListPage,
    ) {
        let links = self.links;
        let (teasers, total): (Vec<Teaser<'_>>, usize) = match list {
            Listed::All => (
                page.items
                    .clone()
                    .map(|i| Teaser::new(site, &site.articles[i], links))
                    .collect(),
                site.articles.len(),
            ),
            Listed::Only(list) => (
                list[page.items.clone()]
                    .iter()
                    .map(|&i| Teaser::new(site, &site.articles[i], links))
                    .collect(),
                list.len(),
            ),
        };
        let full = paginate::full_pages(total, site.config.paginate);
        let url = |n: Option<usize>| match n {
            None => links.url(base),
            Some(n) => links.url(&base.page(n)),
        };
        let pages = paginate::window(full, page.number, PAGER_RADIUS)
            .into_iter()
            .map(|shown| PagerLink {
                number: shown.number,
                url: url(Some(shown.number)),
                current: page.number == Some(shown.number),
                gap_before: shown.gap_before,
            })
            .collect();
        let paginator = Paginator {
            current: page.number,
            full_pages: page.number.is_none().then_some(full),
            newer_url: page.newer.map(url),
            older_url: page.older.map(|n| url(Some(n))),
            pages,
        };
        ctx.insert("articles", &teasers);
        ctx.insert("paginator", &paginator);
    }
}

/// Where a font file goes in the output.
pub fn font_output(font: &crate::config::FontConfig) -> String {
    let name = font
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("fonts/{name}")
}

fn font_faces(config: &Config) -> Vec<FontCtx> {
    config
        .fonts
        .iter()
        .map(|f| {
            let ext = f
                .path
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            let format = match ext.as_str() {
                "woff2" => "woff2",
                "woff" => "woff",
                "otf" => "opentype",
                _ => "truetype",
            };
            FontCtx {
                family: f.family.clone(),
                weight: f.weight.clone(),
                style: f.style.clone(),
                unicode_range: f.unicode_range.clone(),
                src: vec![FontSrc {
                    url: font_output(f),
                    format,
                }],
            }
        })
        .collect()
}

/// A Tera error with its whole cause chain, which is where the useful part is.
fn template_error(path: &Path, e: &tera::Error) -> Diagnostic {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    Diagnostic::error(path, message)
}

/// A template that does not parse: the file (relative to the site root),
/// the line and column pest reports, and its reason.
fn parse_error(root: &Path, templates: &Path, e: &tera::Error) -> Diagnostic {
    let whole = template_error(templates, e);
    let text = &whole.message;
    // Tera says `Failed to parse "<file>"`, then pest's ` --> line:col`, the
    // source line, and `= <what was expected>`.
    // Tera names the file by its canonical path when the root is relative.
    let real_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let real_templates = templates
        .canonicalize()
        .unwrap_or_else(|_| templates.to_path_buf());
    let Some(file) = text
        .split('"')
        .map(Path::new)
        .find(|p| p.starts_with(templates) || p.starts_with(&real_templates))
    else {
        return whole;
    };
    let rel = file
        .strip_prefix(root)
        .or_else(|_| file.strip_prefix(&real_root))
        .unwrap_or(file);
    let position = text.split("--> ").nth(1).and_then(|rest| {
        let pos = rest.split_whitespace().next()?;
        let (line, col) = pos.split_once(':')?;
        Some((line.parse::<usize>().ok()?, col.parse::<usize>().ok()?))
    });
    let reason = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("= "))
        .next_back()
        .unwrap_or("syntax error");
    let d = Diagnostic::error(rel, format!("the template does not parse: {reason}"));
    match position {
        Some((line, col)) => d.at(line, col),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_and_urls() {
        assert_eq!(Links::root(0), "./");
        assert_eq!(Links::root(3), "../../../");
        let p = PagePath::dir(&["countries", "syria"]);
        assert_eq!(Links { offline: false }.url(&p), "countries/syria/");
        assert_eq!(
            Links { offline: true }.url(&p),
            "countries/syria/index.html"
        );
        assert_eq!(Links { offline: true }.url(&PagePath::root()), "index.html");
    }
}
