//! Rendering: the site model through the theme's Tera templates into pages.
//!
//! [`pages`] lists every page the model implies (SPEC §4) as a [`PageJob`];
//! [`Renderer::render`] turns one job into HTML. Jobs are independent, so the
//! build renders them in parallel. Nothing here writes files.

pub mod context;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tera::{Context, Tera, Value};

use crate::arabic::{Digits, PluralForms};
use crate::config::Config;
use crate::error::{Diagnostic, Error, Result};
use crate::site::paginate::{self, ListPage};
use crate::site::{PagePath, Site};
use context::*;

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

/// One page to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageJob {
    Article(usize),
    /// A page of the home list.
    Home(ListPage),
    /// A page of one term's list: taxonomy, term, page.
    Term(usize, usize, ListPage),
    Taxonomy(usize),
    /// A page of one year's list.
    Year(usize, ListPage),
    /// Year, month.
    Month(usize, usize),
    Archive,
    NotFound,
    Redirect(usize),
}

/// The list's folder and its numbered pages' folders.
fn list_path(base: &PagePath, page: &ListPage) -> PagePath {
    match page.number {
        None => base.clone(),
        Some(n) => base.page(n),
    }
}

/// Every page of the site, in a stable order.
pub fn pages(site: &Site) -> Vec<PageJob> {
    let per_page = site.config.paginate;
    let mut jobs: Vec<PageJob> = (0..site.articles.len()).map(PageJob::Article).collect();
    jobs.extend(
        paginate::paginate(site.articles.len(), per_page)
            .into_iter()
            .map(PageJob::Home),
    );
    for (t, tax) in site.taxonomies.iter().enumerate() {
        jobs.push(PageJob::Taxonomy(t));
        for (i, term) in tax.terms.iter().enumerate() {
            jobs.extend(
                paginate::paginate(term.articles.len(), per_page)
                    .into_iter()
                    .map(|p| PageJob::Term(t, i, p)),
            );
        }
    }
    for (y, year) in site.years.iter().enumerate() {
        jobs.extend(
            paginate::paginate(year.articles.len(), per_page)
                .into_iter()
                .map(|p| PageJob::Year(y, p)),
        );
        jobs.extend((0..year.months.len()).map(|m| PageJob::Month(y, m)));
    }
    jobs.push(PageJob::Archive);
    jobs.push(PageJob::NotFound);
    jobs.extend((0..site.redirects.len()).map(PageJob::Redirect));
    jobs
}

impl PageJob {
    /// The output file of this page, relative to the output root.
    pub fn file(&self, site: &Site) -> String {
        match self {
            PageJob::Article(i) => site.articles[*i].path.file(),
            PageJob::Home(p) => list_path(&PagePath::root(), p).file(),
            PageJob::Term(t, i, p) => list_path(&site.taxonomies[*t].terms[*i].path, p).file(),
            PageJob::Taxonomy(t) => site.taxonomies[*t].path.file(),
            PageJob::Year(y, p) => list_path(&site.years[*y].path, p).file(),
            PageJob::Month(y, m) => site.years[*y].months[*m].path.file(),
            PageJob::Archive => archive_path().file(),
            PageJob::NotFound => "404.html".to_string(),
            PageJob::Redirect(r) => site.redirects[*r].file.clone(),
        }
    }
}

fn archive_path() -> PagePath {
    PagePath::dir(&["archive"])
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
        let mut tera =
            Tera::new(&glob).map_err(|e| Error::Template(vec![template_error(&templates, &e)]))?;
        tera.autoescape_on(vec![".html", ".xml"]);
        let missing: Vec<Diagnostic> = REQUIRED_TEMPLATES
            .iter()
            .filter(|t| !tera.get_template_names().any(|n| n == **t))
            .map(|t| {
                Diagnostic::error(templates.join(t), "this template is missing from the theme")
                    .with_hint("copy it from themes/default/templates")
            })
            .collect();
        if !missing.is_empty() {
            return Err(Error::Template(missing));
        }
        register_filters(&mut tera, config.dates.digits);
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
                self.insert_list(
                    &mut ctx,
                    site,
                    &PagePath::root(),
                    &(0..site.articles.len()).collect::<Vec<_>>(),
                    p,
                );
                (
                    "list.html",
                    config.title.clone(),
                    Some(canonical(&list_path(&PagePath::root(), p))),
                )
            }
            PageJob::Term(t, i, p) => {
                let tax = &site.taxonomies[*t];
                let term = &tax.terms[*i];
                self.insert_list(&mut ctx, site, &term.path, &term.articles, p);
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
                self.insert_list(&mut ctx, site, &year.path, &year.articles, p);
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
        ctx.insert("kind", kind_name(job));
        ctx.insert("title", &title);
        ctx.insert("canonical", &canonical_url);
        self.tera.render(template, &ctx).map_err(|e| {
            Error::Template(vec![template_error(
                &self.theme_dir.join("templates").join(template),
                &e,
            )
            .with_hint(format!("while rendering {file}"))])
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
        list: &[usize],
        page: &ListPage,
    ) {
        let links = self.links;
        let teasers: Vec<Teaser<'_>> = list[page.items.clone()]
            .iter()
            .map(|&i| Teaser::new(site, &site.articles[i], links))
            .collect();
        let full = paginate::full_pages(list.len(), site.config.paginate);
        let url = |n: Option<usize>| match n {
            None => links.url(base),
            Some(n) => links.url(&base.page(n)),
        };
        let mut previous: Option<usize> = None;
        let pages = paginate::window(full, page.number, PAGER_RADIUS)
            .into_iter()
            .map(|n| {
                let link = PagerLink {
                    number: n,
                    url: url(Some(n)),
                    current: page.number == Some(n),
                    gap_before: previous.is_some_and(|p| p != n + 1)
                        || (previous.is_none() && n != full),
                };
                previous = Some(n);
                link
            })
            .collect();
        let paginator = Paginator {
            current: page.number,
            full_pages: full,
            newer_url: page.newer.map(url),
            older_url: page.older.map(|n| url(Some(n))),
            pages,
        };
        ctx.insert("articles", &teasers);
        ctx.insert("paginator", &paginator);
    }
}

fn kind_name(job: &PageJob) -> &'static str {
    match job {
        PageJob::Article(_) => "article",
        PageJob::Home(_) => "home",
        PageJob::Term(..) => "term",
        PageJob::Taxonomy(_) => "taxonomy",
        PageJob::Year(..) => "year",
        PageJob::Month(..) => "month",
        PageJob::Archive => "archive",
        PageJob::NotFound => "404",
        PageJob::Redirect(_) => "alias",
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

/// The filters arshif adds to Tera: `plural` (Arabic agreement) and `digits`.
fn register_filters(tera: &mut Tera, digits: Digits) {
    tera.register_filter(
        "digits",
        move |value: &Value, _: &HashMap<String, Value>| {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Ok(Value::String(digits.apply(&text)))
        },
    );
    tera.register_filter(
        "plural",
        move |value: &Value, args: &HashMap<String, Value>| {
            let n = value
                .as_u64()
                .or_else(|| value.as_f64().map(|f| f.max(0.0) as u64))
                .ok_or_else(|| tera::Error::msg(format!("plural: {value} is not a number")))?;
            let other = args
                .get("other")
                .and_then(Value::as_str)
                .ok_or_else(|| tera::Error::msg("plural: give at least `other=\"{n} …\"`"))?;
            let form = |key: &str| args.get(key).and_then(Value::as_str).unwrap_or(other);
            let forms = PluralForms {
                zero: form("zero"),
                one: form("one"),
                two: form("two"),
                few: form("few"),
                many: form("many"),
                other,
            };
            Ok(Value::String(forms.pick(n, digits)))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_filter_agrees_in_arabic() {
        let mut tera = Tera::default();
        register_filters(&mut tera, Digits::Latin);
        tera.add_raw_template(
            "t",
            r#"{{ n | plural(zero="لا مقالات", one="مقال واحد", two="مقالان", few="{n} مقالات", many="{n} مقالًا", other="{n} مقال") }}"#,
        )
        .unwrap();
        let render = |n: u64| {
            let mut c = Context::new();
            c.insert("n", &n);
            tera.render("t", &c).unwrap()
        };
        assert_eq!(render(0), "لا مقالات");
        assert_eq!(render(1), "مقال واحد");
        assert_eq!(render(2), "مقالان");
        assert_eq!(render(3), "3 مقالات");
        assert_eq!(render(11), "11 مقالًا");
        assert_eq!(render(100), "100 مقال");
    }

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
