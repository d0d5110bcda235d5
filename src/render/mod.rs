//! Rendering: the site model through the theme's Tera templates into pages.
//!
//! [`pages()`] lists every page the model implies (SPEC §4) as a [`PageJob`];
//! [`Renderer::render`] turns one job into HTML. Jobs are independent, so the
//! build renders them in parallel. Nothing here writes files.

pub mod context;
mod escape;
pub mod feed;
pub mod filters;
mod fingerprint;
pub mod meta;
mod only;
pub mod pages;
mod reads;
pub mod sitemap;
mod squeeze;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{OnceLock, RwLock};

use rayon::prelude::*;
use tera::{Context, Tera};

use crate::config::Config;
use crate::error::{Diagnostic, Error, Result};
use crate::site::paginate::{self, ListPage};
use crate::site::{PagePath, Site};
use context::*;
use pages::{archive_path, list_path, search_path};
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

/// Bytes a page's template output is given room for from the start: more
/// than the default theme's article pages (about 16 KB once squeezed).
const PAGE_ROOM: usize = 32 * 1024;

/// The same for a teaser (the default theme's: under 1 KB).
const TEASER_ROOM: usize = 2 * 1024;
/// The same for a feed, besides its entries ([`ENTRY_ROOM`] each).
const FEED_ROOM: usize = 4 * 1024;
/// The same for a feed entry, besides its body when it has one.
const ENTRY_ROOM: usize = 2 * 1024;

/// Runs `template` with `ctx` into bytes, given room for `room` of them.
///
/// Pages, teasers, feed entries and feeds are written and copied as bytes:
/// Tera writes UTF-8, and its `render` would check the whole of it again
/// to return a `String` (a teaser's or a feed's check costs as much as a
/// tenth of making it).
fn render_bytes(
    tera: &Tera,
    template: &str,
    ctx: &Context,
    room: usize,
) -> tera::TeraResult<Vec<u8>> {
    let mut out = Vec::with_capacity(room);
    tera.render_to(template, ctx, &mut out)?;
    Ok(out)
}

/// The template of a teaser, when the theme has one: rendered once per
/// article and put in lists where they print `t.html` (see
/// [`Renderer::complete`]).
pub const TEASER_TEMPLATE: &str = "teaser.html";

/// Where a list page's teaser goes: `t.html` is this mark, with the
/// renderer's nonce and the slot's number (see [`Slot`]), until
/// [`Renderer::complete`] replaces it.
///
/// The marks are private-use characters around a name, U+E010 and U+E011.
const SLOT_START: &str = "\u{E010}arshif:teaser:";
const SLOT_END: &str = "\u{E011}";

/// What `root` is while a teaser is rendered once for every page: each
/// page puts its own root in its place. Private-use characters around a
/// name no text has; an article whose teaser holds it anyway is rendered
/// with each page's root instead.
const ROOT_MARK: &str = "\u{E010}arshif:root\u{E011}";

/// The default theme's feed template, used when a theme has no `atom.xml`.
const DEFAULT_ATOM: &str = include_str!("../../themes/default/templates/atom.xml");
/// The default theme's feed entry template, used with its `atom.xml`.
const DEFAULT_ATOM_ENTRY: &str = include_str!("../../themes/default/templates/atom-entry.xml");

/// Where a feed entry rendered once goes: this, a random number, `:`, the
/// entry's place in the feed and [`SLOT_END`].
const ENTRY_START: &str = "\u{E010}arshif:entry:";

/// Pages a pager shows on each side of the current one.
const PAGER_RADIUS: usize = 2;

/// The articles of a list: every article (the home page) or some.
#[derive(Clone, Copy)]
enum Listed<'a> {
    All,
    /// Positions in the site's newest-first list.
    Only(&'a [usize]),
}

/// The list templates given teasers (as `articles`).
const LIST_TEMPLATES: [&str; 2] = ["list.html", "month.html"];

/// The theme, loaded and ready to render pages of one site.
pub struct Renderer {
    tera: Tera,
    /// `atom.xml`, escaped for XML, and `atom-entry.xml` when there is one.
    feeds: Tera,
    /// Whether `feeds` has [`feed::ENTRY_FILE`].
    feed_entry: bool,
    /// [`ENTRY_START`] and a random number.
    entry_start: String,
    search: bool,
    /// Whether the theme has [`TEASER_TEMPLATE`].
    teaser: bool,
    /// The list templates that read nothing of their teasers but `html`
    /// and `front_html` (see [`reads`]): theirs are given as those alone.
    html_only: Vec<&'static str>,
    /// The other list templates that read some fields of their teasers
    /// only, with those fields (see [`reads::fields_read`]): theirs are
    /// given with those alone, and the slots.
    teaser_fields: Vec<(&'static str, Vec<String>)>,
    /// Whether `atom.xml` reads nothing of its entries but `xml` (see
    /// [`reads`]): they are then given as that alone.
    entries_xml_only: bool,
    /// [`SLOT_START`] and a random number: a page's text cannot name a
    /// slot it does not know.
    slot_start: String,
    /// The hash of the theme's templates (see [`Renderer::templates_hash`]).
    templates: u128,
    theme_dir: PathBuf,
    site_root: PathBuf,
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
        let digits = config.dates.digits;
        // Read once: squeezed for Tera, as written for [`reads`].
        let texts = template_texts(&templates);
        let squeezed = match &texts {
            Ok(texts) => squeezed_templates(texts, digits),
            Err(e) => Err(tera::Error::message(e.to_string())),
        };
        let mut tera = match squeezed {
            Ok(tera) => tera,
            // Loaded as written, so that the error names the line the
            // designer wrote (and should the squeezed text be the fault,
            // the pages are rendered from the text as written).
            Err(_) => {
                let mut tera = Tera::default();
                filters::register_filters(&mut tera, digits);
                template_files(&templates)
                    .and_then(|files| {
                        // Tera reads a file's path as UTF-8 text (and
                        // panics on other paths).
                        if let Some((path, _)) = files.iter().find(|(p, _)| p.to_str().is_none()) {
                            return Err(tera::Error::message(format!(
                                "{}: the theme does not load, and its error cannot be named where a template's path is not UTF-8 text: move the site to a folder whose path is",
                                path.display()
                            )));
                        }
                        tera.add_template_files(
                            files.into_iter().map(|(path, name)| (path, Some(name))),
                        )
                    })
                    .map_err(|e| Error::Template(vec![parse_error(root, &templates, &e)]))?;
                tera
            }
        };
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.set_escape_fn(escape::write_html);
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
        let (feeds, feed_sources) = feed_templates(&templates, config)?;
        let feed_entry = feeds.get_template_names().any(|n| n == feed::ENTRY_FILE);
        let search = tera.get_template_names().any(|n| n == "search.html");
        let teaser = tera.get_template_names().any(|n| n == TEASER_TEMPLATE);
        let sources: HashMap<String, String> = texts.unwrap_or_default().into_iter().collect();
        // Each list template's reads, once: markup alone (given a teaser
        // template that makes it), or some fields.
        let (mut html_only, mut teaser_fields) = (Vec::new(), Vec::new());
        for t in LIST_TEMPLATES {
            let Some(read) = reads::fields_read(&sources, t, &reads::TEASERS) else {
                continue;
            };
            if teaser && read.only(&reads::TEASERS) {
                html_only.push(t);
            } else {
                teaser_fields.push((t, read.names.into_iter().collect()));
            }
        }
        let entries_xml_only =
            feed_entry && reads::reads_only(&feed_sources, feed::FEED_FILE, reads::ENTRIES);
        let nonce = {
            use std::hash::{BuildHasher, Hasher};
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
        };
        Ok(Renderer {
            search,
            teaser,
            slot_start: format!("{SLOT_START}{nonce:016x}:"),
            entry_start: format!("{ENTRY_START}{nonce:016x}:"),
            templates: crate::cache::hash_folder(&templates)?,
            tera,
            feeds,
            feed_entry,
            html_only,
            teaser_fields,
            entries_xml_only,
            theme_dir,
            site_root: root.to_path_buf(),
            links: Links { offline },
        })
    }

    /// The theme's folder (its `static/` is copied to the output root).
    pub fn theme_dir(&self) -> &Path {
        &self.theme_dir
    }

    /// The hash of every file of the theme's `templates/`: part of every
    /// page's and feed's fingerprint (through the `site` object's hash), so
    /// that a template change re-renders them all.
    pub fn templates_hash(&self) -> u128 {
        self.templates
    }

    /// What every page of one build shares: the `site` context and each
    /// article's teaser fingerprint, computed once; the teasers themselves
    /// are made when a page that prints them is first completed (a build
    /// that renders few pages makes few).
    pub fn prepare<'a>(&self, site: &'a Site) -> Prepared<'a> {
        let terms = TermHashes::new(site);
        let hashes = site
            .articles
            .par_iter()
            .map(|a| crate::cache::hash_of(&Teaser::inputs(&terms, a)))
            .collect();
        let teasers = site.articles.iter().map(|_| OnceLock::new()).collect();
        let ctx = self.site_ctx(site);
        let teaser_html = RwLock::new(self.teaser.then(|| TeaserHtml {
            marked: crate::cache::holds_text(&ctx, ROOT_MARK),
            html: site.articles.iter().map(|_| OnceLock::new()).collect(),
            slots: site.articles.iter().map(|_| OnceLock::new()).collect(),
        }));
        let mut site_hash = crate::cache::HashWriter::default();
        site_hash.update(&self.templates.to_le_bytes());
        site_hash.value(&ctx);
        Prepared {
            site_hash: site_hash.finish(),
            site: tera::Value::from_serializable(&ctx),
            model: site,
            links: self.links,
            teasers,
            hashes,
            teaser_html,
        }
    }

    /// Writes at the end of `out` the teaser of the article at position `i`
    /// rendered from [`TEASER_TEMPLATE`] and minified, for a page whose root
    /// is `root`.
    ///
    /// Each article's is made once, with [`ROOT_MARK`] for `root`, and each
    /// page puts its root in: a list page would otherwise run the template
    /// and the minifier over each of its teasers, and an article is listed
    /// on about eight pages (home, year, category, author, its countries
    /// and actors). The template sees `t`, `root`, `site`, `lang` and `dir`
    /// (the site's: lists are in its language) and `front` (false).
    fn put_teaser(
        &self,
        prep: &Prepared<'_>,
        i: usize,
        root: &str,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let memo = prep.teaser_html.read().unwrap_or_else(|e| e.into_inner());
        match memo
            .as_ref()
            .map(|memo| self.made_teaser(prep, memo, i))
            .transpose()?
        {
            Some(Some(html)) => html.put_with_root(root, out),
            // Its text holds the mark: made for this page alone.
            Some(None) | None => {
                let html = self
                    .render_teaser(prep, i, root, false)
                    .map_err(|d| Error::Template(vec![d]))?;
                out.extend_from_slice(&html);
            }
        }
        Ok(())
    }

    /// The teaser of the article at position `i` made once (see
    /// [`put_teaser`](Self::put_teaser)), or None when its text holds the mark.
    fn made_teaser<'m>(
        &self,
        prep: &Prepared<'_>,
        memo: &'m TeaserHtml,
        i: usize,
    ) -> Result<Option<&'m RootedHtml>> {
        let made = memo.html[i].get_or_init(|| {
            let marked = memo.marked || crate::cache::holds_text(prep.teaser(i), ROOT_MARK);
            if marked {
                return Ok(None);
            }
            let html = self
                .render_teaser(prep, i, ROOT_MARK, false)
                .map_err(Box::new)?;
            Ok(Some(RootedHtml::new(&html)))
        });
        match made {
            Ok(html) => Ok(html.as_ref()),
            Err(d) => Err(Error::Template(vec![(**d).clone()])),
        }
    }

    /// Runs [`TEASER_TEMPLATE`] for the article at position `i`, with
    /// `front` set for the home page's lead story.
    fn render_teaser(
        &self,
        prep: &Prepared<'_>,
        i: usize,
        root: &str,
        front: bool,
    ) -> std::result::Result<Vec<u8>, Diagnostic> {
        let config = &prep.model.config;
        let mut ctx = Context::new();
        ctx.insert("t", prep.teaser(i));
        ctx.insert("root", root);
        ctx.insert_value("site", prep.site.clone());
        ctx.insert("lang", &config.language);
        ctx.insert("dir", config.dir());
        ctx.insert("front", &front);
        // Minified as pages are: its template is squeezed.
        render_bytes(&self.tera, TEASER_TEMPLATE, &ctx, TEASER_ROOM).map_err(|e| {
            template_error(&self.templates_dir(), TEASER_TEMPLATE, &e).with_hint(format!(
                "while rendering the teaser of {}",
                prep.model.articles[i].source.source.display()
            ))
        })
    }

    /// The page's HTML with its teasers in place of their slots.
    pub fn complete(&self, prep: &Prepared<'_>, page: Page) -> Result<Vec<u8>> {
        let html = page.html;
        if page.slots == 0 {
            return Ok(html);
        }
        let capacity = html.len() + page.slots * 1024;
        fill_slots(&html, &self.slot_start, capacity, |n, out| {
            let Some(Slot { article, front }) = Slot::from_number(n, prep.model.articles.len())
            else {
                return Ok(false);
            };
            if front {
                // One a build: made for its page.
                let html = self
                    .render_teaser(prep, article, &page.root, true)
                    .map_err(|d| Error::Template(vec![d]))?;
                out.extend_from_slice(&html);
            } else {
                self.put_teaser(prep, article, &page.root, out)?;
            }
            Ok(true)
        })
    }

    /// The theme's templates folder, relative to the site root.
    fn templates_dir(&self) -> PathBuf {
        Path::new("themes")
            .join(self.theme_dir.file_name().unwrap_or_default())
            .join("templates")
    }

    /// The site folder.
    pub fn site_root(&self) -> &Path {
        &self.site_root
    }

    /// Whether the theme has a search page (`search.html`): then the build
    /// writes it and the search index, and `site.search_url` is set.
    pub fn has_search(&self) -> bool {
        self.search
    }

    /// Renders one page; its teasers are put in by [`complete`](Self::complete).
    pub fn render(&self, site: &Site, prep: &Prepared<'_>, job: &PageJob) -> Result<Page> {
        self.render_with_body(site, prep, job, None)
    }

    /// [`render`](Self::render), with the body of the article whose page
    /// `job` is, when the caller has it already (as
    /// [`content::body_html`](crate::content::body_html) gives it): it is
    /// then not read and rendered again.
    pub fn render_with_body(
        &self,
        site: &Site,
        prep: &Prepared<'_>,
        job: &PageJob,
        body: Option<&str>,
    ) -> Result<Page> {
        let mut sink = TeraSink {
            ctx: Context::new(),
            renderer: self,
            site,
            prep,
            slots: 0,
            body,
            markup: Vec::new(),
        };
        let file = job.file(site);
        let template = self.fill(&mut sink, site, prep, job, &file)?;
        // Room for most pages at once: Tera writes in small pieces, and a
        // buffer grown from nothing copies a page about twice over.
        let mut html = render_bytes(&self.tera, template, &sink.ctx, PAGE_ROOM).map_err(|e| {
            Error::Template(vec![template_error(&self.templates_dir(), template, &e)
                .with_hint(format!("while rendering {file}"))])
        })?;
        let mut minified = true;
        for markup in &sink.markup {
            let done;
            (html, done) = put_minified(html, markup);
            minified &= done;
        }
        Ok(Page {
            html,
            minified,
            root: sink
                .ctx
                .get("root")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
            slots: sink.slots,
        })
    }

    /// A hash of everything `render` would give the page's template: two
    /// equal fingerprints in builds with the same theme and configuration
    /// mean the same page. Far cheaper than rendering, since teasers count
    /// by their own fingerprint and an article's body by its file's hash.
    /// `file` is the page's [`PageJob::file`], which the caller has made.
    pub fn fingerprint(&self, site: &Site, prep: &Prepared<'_>, job: &PageJob, file: &str) -> u128 {
        let mut sink = fingerprint::Sink::new(&prep.hashes);
        // The fingerprint sink never fails; should a page's variables fail
        // to gather, a fingerprint no build produces makes it render, and
        // the render reports the error.
        match self.fill(&mut sink, site, prep, job, file) {
            Ok(template) => sink.finish(template),
            Err(_) => u128::MAX,
        }
    }

    /// Gives the page's variables to `sink`; returns the template's name.
    /// `file` is the job's output file.
    fn fill<S: ContextSink>(
        &self,
        sink: &mut S,
        site: &Site,
        prep: &Prepared<'_>,
        job: &PageJob,
        file: &str,
    ) -> Result<&'static str> {
        let depth = crate::site::slashes(file);
        let links = self.links;
        let config = &site.config;
        // A host serves 404.html at any depth, so online its links are
        // absolute; offline it is only ever opened from the root folder.
        let root = if *job == PageJob::NotFound && !links.offline {
            config.base_url.clone()
        } else {
            Links::root(depth)
        };
        sink.insert("root", &root);
        sink.site(prep);
        let mut jsonld: Option<String> = None;
        let canonical = |path: &PagePath| format!("{}{}", config.base_url, path.as_str());
        let (mut lang, mut dir) = (config.language.as_str(), config.dir());

        // The title and the folder of the canonical URL, borrowed where the
        // model has them: most pages' fingerprints need no new string.
        let (template, title, canonical_path): (_, Cow<'_, str>, Option<Cow<'_, PagePath>>) =
            match job {
                PageJob::Article(i) => {
                    let a = &site.articles[*i];
                    sink.article_page(site, prep, *i)?;
                    (lang, dir) = (&a.lang, a.dir);
                    // Made of the teaser's inputs: counted by its fingerprint.
                    jsonld =
                        sink.derived(&prep.teaser_hashes()[*i], || meta::article_jsonld(site, a));
                    (
                        "article.html",
                        Cow::Borrowed(&a.source.front.title),
                        Some(Cow::Borrowed(&a.path)),
                    )
                }
                PageJob::Home(p) => {
                    self.insert_list(sink, site, &PagePath::root(), Listed::All, p)?;
                    (
                        "list.html",
                        Cow::Borrowed(&config.title),
                        Some(Cow::Owned(list_path(&PagePath::root(), p))),
                    )
                }
                PageJob::Term(t, i, p) => {
                    let tax = &site.taxonomies[*t];
                    let term = &tax.terms[*i];
                    self.insert_list(sink, site, &term.path, Listed::Only(&term.articles), p)?;
                    sink.insert("taxonomy", &self.taxonomy_ctx(site, *t));
                    let description = term.description.as_deref().filter(|_| p.number.is_none());
                    if let Some(html) = description {
                        sink.markup(html);
                    }
                    sink.insert(
                        "term",
                        &TermCtx {
                            entry: match p.number {
                                None => TermEntry::new(term, links),
                                Some(_) => TermEntry::numbered(term, links),
                            },
                            description,
                            feed_url: feed::term_feed_url(site, *t, *i),
                        },
                    );
                    let path = list_path(&term.path, p);
                    let url = canonical(&path);
                    // What the JSON-LD reads besides the configuration.
                    let first = p.number.is_none();
                    // (The spellings, on the first page only.)
                    let spellings = first.then(|| term.spellings.keys().collect::<Vec<_>>());
                    let inputs = (
                        &term.name,
                        &term.kind,
                        spellings,
                        term.path.as_str(),
                        &url,
                        first,
                    );
                    jsonld = sink.derived(&inputs, || meta::term_jsonld(site, *t, *i, &url, first));
                    (
                        "list.html",
                        Cow::Borrowed(&term.name),
                        Some(Cow::Owned(path)),
                    )
                }
                PageJob::Taxonomy(t) => {
                    let tax = &site.taxonomies[*t];
                    let terms: Vec<TermEntry<'_>> = tax
                        .terms
                        .iter()
                        .map(|term| TermEntry::new(term, links))
                        .collect();
                    sink.insert("taxonomy", &self.taxonomy_ctx(site, *t));
                    sink.insert("terms", &terms);
                    (
                        "taxonomy.html",
                        Cow::Borrowed(&tax.config.title),
                        Some(Cow::Borrowed(&tax.path)),
                    )
                }
                PageJob::Year(y, p) => {
                    let year = &site.years[*y];
                    self.insert_list(sink, site, &year.path, Listed::Only(&year.articles), p)?;
                    let year_ctx = match p.number {
                        None => YearCtx::new(site, year, links),
                        Some(_) => YearCtx::numbered(year, links),
                    };
                    sink.insert("year", &year_ctx);
                    (
                        "list.html",
                        Cow::Owned(year.year.to_string()),
                        Some(Cow::Owned(list_path(&year.path, p))),
                    )
                }
                PageJob::Month(y, m) => {
                    let year = &site.years[*y];
                    let month = &year.months[*m];
                    let month_ctx = MonthCtx::new(site, year.year, month, links);
                    let title = month_ctx.name.clone();
                    sink.insert("month", &month_ctx);
                    // Without counts: a story added to another month of the
                    // year leaves this page as it is.
                    sink.insert("year", &YearCtx::numbered(year, links));
                    sink.teasers("articles", &month.articles, "month.html")?;
                    (
                        "month.html",
                        Cow::Owned(title),
                        Some(Cow::Borrowed(&month.path)),
                    )
                }
                PageJob::Archive => {
                    let years: Vec<YearCtx> = site
                        .years
                        .iter()
                        .map(|y| YearCtx::new(site, y, links))
                        .collect();
                    sink.insert("years", &years);
                    (
                        "archive.html",
                        Cow::Borrowed("الأرشيف"),
                        Some(Cow::Owned(archive_path())),
                    )
                }
                PageJob::Search => (
                    "search.html",
                    Cow::Borrowed("البحث في الأرشيف"),
                    Some(Cow::Owned(search_path())),
                ),
                PageJob::NotFound => ("404.html", Cow::Borrowed("الصفحة غير موجودة"), None),
                PageJob::Redirect(r) => {
                    let redirect = &site.redirects[*r];
                    let target = &site.articles[redirect.target];
                    sink.insert("target", &format!("{root}{}", links.url(&target.path)));
                    (
                        "alias.html",
                        Cow::Borrowed(&target.source.front.title),
                        Some(Cow::Borrowed(&target.path)),
                    )
                }
            };
        // An article page's language and folder are among its teaser's
        // inputs, and its title is in its file, whose hash is too: its
        // fingerprint counts them by the teaser's (see
        // `ContextSink::article_page`), rather than read three strings of
        // every article once more.
        let uncounted = |s| (!matches!(job, PageJob::Article(_))).then_some(s);
        sink.insert_derived("lang", &uncounted(lang), || lang);
        sink.insert("dir", dir);
        sink.insert_derived("locale", &uncounted(lang), || meta::og_locale(lang));
        sink.insert("jsonld", &jsonld);
        sink.insert("kind", job.kind());
        sink.insert_derived("title", &uncounted(&title), || &title);
        // The configuration's base URL and the folder: counted by the folder.
        match &canonical_path {
            Some(path) => {
                sink.insert_derived("canonical", &uncounted(path.as_str()), || canonical(path))
            }
            None => sink.insert("canonical", &None::<String>),
        }
        Ok(template)
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
            search_url: self.has_search().then(|| self.links.url(&search_path())),
            taxonomies: (0..site.taxonomies.len())
                .map(|t| self.taxonomy_ctx(site, t))
                .collect(),
            fonts: font_faces(config),
            font_stack: config.font_stack.as_deref(),
            feed_url: feed::site_feed_url(site),
        }
    }

    /// A feed's fingerprint (see [`Renderer::fingerprint`]): its template
    /// variables, each entry counting by its teaser's fingerprint, which
    /// stands for everything the entry reads, its body included (the
    /// teaser's inputs have the article file's hash).
    pub fn feed_fingerprint(&self, site: &Site, prep: &Prepared<'_>, feed: &feed::Feed) -> u128 {
        let positions = feed.entries(site);
        let mut h = crate::cache::HashWriter::default();
        h.update(&prep.site_hash.to_le_bytes());
        h.update(&crate::cache::hash_of(&feed::feed_ctx(site, feed, &positions)).to_le_bytes());
        h.update(&[u8::from(
            feed.content(site) == crate::config::FeedContent::Full,
        )]);
        for i in positions {
            h.update(&prep.hashes[i].to_le_bytes());
        }
        h.finish()
    }

    /// The memo of feed entries for one build's feeds (see
    /// [`render_feed`](Self::render_feed)).
    pub fn feed_entries(&self, site: &Site) -> FeedEntries {
        FeedEntries {
            summaries: site.articles.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// Renders one Atom feed to XML.
    ///
    /// With an entry template (`atom-entry.xml`), the feed's template
    /// prints each entry as `e.xml`. An entry with its summary alone is
    /// rendered once into `entries` and put in every feed that lists it (an
    /// article is in the feed of each of its terms); one with its body is
    /// rendered for its feed (the body is not kept).
    pub fn render_feed(
        &self,
        site: &Site,
        prep: &Prepared<'_>,
        feed: &feed::Feed,
        entries: &FeedEntries,
    ) -> Result<Vec<u8>> {
        let full = feed.content(site) == crate::config::FeedContent::Full;
        let positions = feed.entries(site);
        let feed_ctx = feed::feed_ctx(site, feed, &positions);
        // Whole entries, made once for this feed: for a template that reads
        // their fields, or for an entry template printing their bodies.
        // Each has `xml`, its entry's slot, where there is an entry template.
        let whole = match !self.entries_xml_only || (full && self.feed_entry) {
            true => positions
                .iter()
                .map(|&i| self.entry_ctx(site, i, full))
                .collect::<Result<Vec<_>>>()?,
            false => Vec::new(),
        };
        let values = (0..positions.len())
            .map(|n| {
                let value = match whole.get(n) {
                    Some(entry) if !self.entries_xml_only => tera::Value::from_serializable(entry),
                    _ => tera::Value::from(tera::Map::new()),
                };
                if !self.feed_entry {
                    return value;
                }
                let mut fields = value.into_map().unwrap_or_default();
                let slot = format!("{}{n}{SLOT_END}", self.entry_start);
                fields.insert("xml".into(), tera::Value::from(slot));
                tera::Value::from(fields)
            })
            .collect();
        let mut ctx = Context::new();
        ctx.insert_value("site", prep.site.clone());
        ctx.insert("feed", &feed_ctx);
        insert_list(&mut ctx, "entries", values);
        let room = FEED_ROOM + positions.len() * ENTRY_ROOM;
        let xml = render_bytes(&self.feeds, feed::FEED_FILE, &ctx, room).map_err(|e| {
            Error::Template(vec![template_error(
                &self.templates_dir(),
                feed::FEED_FILE,
                &e,
            )
            .with_hint(format!("while rendering {}", feed.file(site)))])
        })?;
        if !self.feed_entry {
            return Ok(xml);
        }
        let capacity = xml.len() + positions.len() * ENTRY_ROOM;
        fill_slots(&xml, &self.entry_start, capacity, |n, out| {
            let Some(&i) = positions.get(n) else {
                return Ok(false);
            };
            if full {
                let Some(entry) = whole.get(n) else {
                    return Ok(false);
                };
                let xml = self
                    .render_entry(site, prep, i, entry)
                    .map_err(|d| Error::Template(vec![d]))?;
                out.extend_from_slice(&xml);
                return Ok(true);
            }
            let made = entries.summaries[i].get_or_init(|| {
                let entry = feed::entry(site, &site.articles[i]);
                self.render_entry(site, prep, i, &entry).map_err(Box::new)
            });
            match made {
                Ok(entry) => out.extend_from_slice(entry),
                Err(d) => return Err(Error::Template(vec![(**d).clone()])),
            }
            Ok(true)
        })
    }

    /// `e` in the feed templates: the entry of the article at position `i`,
    /// with its body when the feed carries whole articles.
    fn entry_ctx<'s>(&self, site: &'s Site, i: usize, full: bool) -> Result<feed::EntryCtx<'s>> {
        let mut entry = feed::entry(site, &site.articles[i]);
        if full {
            let article = &site.articles[i].source;
            entry.content = Some(
                crate::content::body_html(
                    &self.site_root,
                    article,
                    &site.config,
                    self.links.offline,
                )
                .map_err(|d| Error::Content(vec![d]))?,
            );
        }
        Ok(entry)
    }

    /// Runs [`feed::ENTRY_FILE`] for `entry`, the entry of the article at
    /// position `i`: it sees `e` and `site`.
    fn render_entry(
        &self,
        site: &Site,
        prep: &Prepared<'_>,
        i: usize,
        entry: &feed::EntryCtx<'_>,
    ) -> std::result::Result<Vec<u8>, Diagnostic> {
        let mut ctx = Context::new();
        ctx.insert("e", entry);
        ctx.insert_value("site", prep.site.clone());
        let room = ENTRY_ROOM + entry.content.as_ref().map_or(0, |c| c.len() * 5 / 4);
        render_bytes(&self.feeds, feed::ENTRY_FILE, &ctx, room).map_err(|e| {
            template_error(&self.templates_dir(), feed::ENTRY_FILE, &e).with_hint(format!(
                "while rendering the feed entry of {}",
                site.articles[i].source.source.display()
            ))
        })
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
    fn insert_list<S: ContextSink>(
        &self,
        sink: &mut S,
        site: &Site,
        base: &PagePath,
        list: Listed<'_>,
        page: &ListPage,
    ) -> Result<()> {
        let links = self.links;
        let total = match list {
            Listed::All => {
                let items: Vec<usize> = page.items.clone().collect();
                sink.teasers("articles", &items, "list.html")?;
                site.articles.len()
            }
            Listed::Only(list) => {
                sink.teasers("articles", &list[page.items.clone()], "list.html")?;
                list.len()
            }
        };
        let full = paginate::full_pages(total, site.config.paginate);
        let full_pages = page.number.is_none().then_some(full);
        let shown = paginate::window(full, page.number, PAGER_RADIUS);
        // The paginator is made of these alone (its URLs of the list's
        // folder and the numbers): a numbered page's never names how many
        // pages the list has, so that its fingerprint stays put.
        let inputs = (
            base.as_str(),
            page.number,
            full_pages,
            page.newer,
            page.older,
            context::IterSeq(shown.iter().map(|s| (s.number, s.gap_before))),
        );
        sink.insert_derived("paginator", &inputs, || {
            let url = |n: Option<usize>| match n {
                None => links.url(base),
                Some(n) => links.url(&base.page(n)),
            };
            Paginator {
                current: page.number,
                full_pages,
                newer_url: page.newer.map(url),
                older_url: page.older.map(|n| url(Some(n))),
                pages: shown
                    .iter()
                    .map(|s| PagerLink {
                        number: s.number,
                        url: url(Some(s.number)),
                        current: page.number == Some(s.number),
                        gap_before: s.gap_before,
                    })
                    .collect(),
            }
        });
        Ok(())
    }
}

impl<'a> Prepared<'a> {
    /// Frees the teasers made once, when no page is left to render: a full
    /// build of 100,000 articles holds about 100 MB of them, which the
    /// search index can use.
    pub fn forget_teasers(&self) {
        *self.teaser_html.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Each article's teaser fingerprint, by position.
    pub fn teaser_hashes(&self) -> &[u128] {
        &self.hashes
    }

    /// The teaser of the article at position `i`, made once.
    fn teaser(&self, i: usize) -> &Teaser<'a> {
        self.teasers[i]
            .get_or_init(|| Box::new(Teaser::new(self.model, &self.model.articles[i], self.links)))
    }
}

/// What every page of one build shares (see [`Renderer::prepare`]).
pub struct Prepared<'a> {
    /// The `site` object, made once: a page's context takes a copy that
    /// shares its lists and strings.
    site: tera::Value,
    /// The fingerprint of `site` and of the templates, the same on every
    /// page.
    site_hash: u128,
    model: &'a Site,
    links: Links,
    /// Each article's teaser, by position in the site's newest-first list,
    /// once a page has needed it.
    /// (Boxed: a build that renders few pages makes few, and an empty slot
    /// is a pointer, not a teaser's worth of memory to fault in.)
    teasers: Vec<OnceLock<Box<Teaser<'a>>>>,
    /// Each teaser's fingerprint: the hash of its inputs.
    hashes: Vec<u128>,
    /// Each article's rendered teaser, when the theme has a teaser template,
    /// until [`forget_teasers`](Self::forget_teasers).
    teaser_html: RwLock<Option<TeaserHtml>>,
}

/// Each article's teaser rendered once (see [`Renderer::put_teaser`]).
struct TeaserHtml {
    /// Whether `site` holds [`ROOT_MARK`]: then no teaser is rendered once.
    marked: bool,
    /// By position: the teaser rendered with [`ROOT_MARK`] for `root`, None
    /// when its text holds the mark, or the template's error.
    /// (Boxed: one slot per article, and errors are rare.)
    html: Vec<OnceLock<std::result::Result<Option<RootedHtml>, Box<Diagnostic>>>>,
    /// By position: the map of the article's two slots, `html` and
    /// `front_html`, made once and shared by every list that holds it.
    slots: Vec<OnceLock<tera::Value>>,
}

/// Puts `values` in `ctx` as the list `key`, moved in, not serialized once
/// more as [`Context::insert`] would.
fn insert_list(ctx: &mut Context, key: &str, values: Vec<tera::Value>) {
    ctx.insert_value(key.to_string(), tera::Value::from(values));
}

/// `text` with each slot (`start`, a number, [`SLOT_END`]) replaced by what
/// `put` writes for its number; a slot `put` does not know (it returns
/// false) is left as it is. `capacity` is the output's expected length.
fn fill_slots(
    text: &[u8],
    start: &str,
    capacity: usize,
    mut put: impl FnMut(usize, &mut Vec<u8>) -> Result<bool>,
) -> Result<Vec<u8>> {
    let start = start.as_bytes();
    let mut out = Vec::with_capacity(capacity);
    let mut from = 0;
    for at in memchr::memmem::find_iter(text, start) {
        let number = at + start.len();
        let Some(len) = memchr::memmem::find(&text[number..], SLOT_END.as_bytes()) else {
            break;
        };
        let Some(n) = std::str::from_utf8(&text[number..number + len])
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let before = out.len();
        out.extend_from_slice(&text[from..at]);
        if put(n, &mut out)? {
            from = number + len + SLOT_END.len();
        } else {
            out.truncate(before);
        }
    }
    out.extend_from_slice(&text[from..]);
    Ok(out)
}

/// Each article's feed entry with its summary, rendered once for all the
/// feeds of one build (see [`Renderer::render_feed`]), or the template's
/// error. Dropped with the feeds: about 1 KB an article.
pub struct FeedEntries {
    summaries: Vec<OnceLock<std::result::Result<Vec<u8>, Box<Diagnostic>>>>,
}

/// HTML rendered for any page: the text between the places of `root`.
struct RootedHtml {
    html: Vec<u8>,
    /// Where `root` goes, in byte offsets of `html`, in order.
    roots: Vec<usize>,
}

impl RootedHtml {
    /// Takes the [`ROOT_MARK`]s out of `marked`.
    fn new(marked: &[u8]) -> RootedHtml {
        let mark = ROOT_MARK.as_bytes();
        let mut html = Vec::with_capacity(marked.len());
        let mut roots = Vec::new();
        let mut from = 0;
        for at in memchr::memmem::find_iter(marked, mark) {
            html.extend_from_slice(&marked[from..at]);
            roots.push(html.len());
            from = at + mark.len();
        }
        html.extend_from_slice(&marked[from..]);
        RootedHtml { html, roots }
    }

    /// Writes the HTML for a page whose root is `root` at the end of `out`.
    fn put_with_root(&self, root: &str, out: &mut Vec<u8>) {
        let mut from = 0;
        for &at in &self.roots {
            out.extend_from_slice(&self.html[from..at]);
            out.extend_from_slice(root.as_bytes());
            from = at;
        }
        out.extend_from_slice(&self.html[from..]);
    }
}

/// Where a page's template variables go: a Tera context to render, or a
/// hash to compare with the previous build's.
trait ContextSink {
    fn insert<T: serde::Serialize + ?Sized>(&mut self, key: &str, value: &T);
    /// The `site` object, the same on every page.
    fn site(&mut self, prep: &Prepared<'_>);
    /// The teasers of the articles at these positions, as `key`, for
    /// `template`.
    fn teasers(&mut self, key: &str, articles: &[usize], template: &str) -> Result<()>;
    /// Markup that a value gives the template as rendered (so that filters
    /// such as `striptags` see it as written), and that the page has
    /// minified where it prints it as it is.
    fn markup(&mut self, html: &str);
    /// `page` on the page of the article at position `i`: its [`PageCtx`].
    fn article_page(&mut self, site: &Site, prep: &Prepared<'_>, i: usize) -> Result<()>;
    /// A value made by `make` from `inputs` alone (and the configuration):
    /// rendering makes it, a fingerprint hashes the inputs instead.
    fn derived<I: serde::Serialize + ?Sized, T>(
        &mut self,
        inputs: &I,
        make: impl FnOnce() -> T,
    ) -> Option<T>;
    /// `key` as a [`derived`](Self::derived) value.
    fn insert_derived<I: serde::Serialize + ?Sized, T: serde::Serialize>(
        &mut self,
        key: &str,
        inputs: &I,
        make: impl FnOnce() -> T,
    ) {
        if let Some(value) = self.derived(inputs, make) {
            self.insert(key, &value);
        }
    }
}

/// Fills a Tera context for rendering.
struct TeraSink<'r, 'a> {
    ctx: Context,
    renderer: &'r Renderer,
    site: &'r Site,
    prep: &'r Prepared<'a>,
    /// How many teasers were given with slots.
    slots: usize,
    /// The article's body, when the caller has rendered it.
    body: Option<&'r str>,
    /// The markup values given to the template, to be minified where the
    /// page prints them (see [`ContextSink::markup`]): the body the caller
    /// rendered is borrowed, not copied.
    markup: Vec<Cow<'r, str>>,
}

/// A rendered page, to be [completed](Renderer::complete). It is minified
/// already: the theme's templates are squeezed when they load, and the
/// markup values it prints as they are given (an article's body, a term's
/// description) are minified in it.
pub struct Page {
    /// The page's HTML, as UTF-8 bytes.
    pub html: Vec<u8>,
    /// False when markup it prints (an article's raw HTML, say) could not
    /// be minified, and is in it as written.
    pub minified: bool,
    root: String,
    /// How many teasers were given to its template with slots: none, and
    /// it is complete as it is.
    slots: usize,
}

/// What a slot of a list page stands for: an article's teaser, as `html`,
/// or as `front_html`, the home page's lead story. Its number says which,
/// so that an article's two slots are the same on every page (see
/// [`TeaserHtml::slots`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    /// The article's position.
    article: usize,
    front: bool,
}

impl Slot {
    /// The slot's number: twice the article's position, and one more for
    /// `front_html`.
    fn number(self) -> usize {
        self.article * 2 + usize::from(self.front)
    }

    /// The slot numbered `n` in a site of `articles` articles, if any.
    fn from_number(n: usize, articles: usize) -> Option<Slot> {
        let slot = Slot {
            article: n / 2,
            front: n % 2 == 1,
        };
        (slot.article < articles).then_some(slot)
    }
}

impl ContextSink for TeraSink<'_, '_> {
    fn insert<T: serde::Serialize + ?Sized>(&mut self, key: &str, value: &T) {
        self.ctx.insert(key.to_string(), value);
    }

    fn site(&mut self, prep: &Prepared<'_>) {
        self.ctx.insert_value("site", prep.site.clone());
    }

    fn teasers(&mut self, key: &str, articles: &[usize], template: &str) -> Result<()> {
        let memo = self
            .prep
            .teaser_html
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let html_only = memo.is_some() && self.renderer.html_only.contains(&template);
        let fields = self
            .renderer
            .teaser_fields
            .iter()
            .find(|(t, _)| *t == template)
            .map(|(_, fields)| fields.as_slice());
        // The teaser's fields the template reads, or all of them.
        let value = |i: usize| {
            let teaser = self.prep.teaser(i);
            fields
                .and_then(|fields| {
                    tera::Value::try_from_serializable(&only::Only {
                        value: teaser,
                        fields,
                    })
                    .ok()
                })
                .unwrap_or_else(|| tera::Value::from_serializable(teaser))
        };
        let teasers = articles
            .iter()
            .map(|&i| {
                // The teaser's HTML is made when the page is completed, and
                // only if the page prints it: a month's page lists a
                // thousand articles by title alone.
                let Some(memo) = memo.as_ref() else {
                    return value(i);
                };
                let slots = memo.slots[i].get_or_init(|| {
                    let mut map = tera::Map::new();
                    for (field, front) in [("html", false), ("front_html", true)] {
                        let n = Slot { article: i, front }.number();
                        let slot = format!("{}{n}{SLOT_END}", self.renderer.slot_start);
                        map.insert(field.into(), tera::Value::from(slot));
                    }
                    tera::Value::from(map)
                });
                if html_only {
                    return slots.clone();
                }
                let mut teaser = value(i).into_map().unwrap_or_default();
                let slots = slots.as_map().into_iter().flatten();
                teaser.extend(slots.map(|(k, v)| (k.clone(), v.clone())));
                tera::Value::from(teaser)
            })
            .collect();
        if memo.is_some() {
            self.slots += articles.len();
        }
        insert_list(&mut self.ctx, key, teasers);
        Ok(())
    }

    fn markup(&mut self, html: &str) {
        self.keep_markup(Cow::Owned(html.to_owned()));
    }

    fn article_page(&mut self, site: &Site, prep: &Prepared<'_>, i: usize) -> Result<()> {
        let a = &site.articles[i];
        let links = self.renderer.links;
        let neighbour = |j: Option<usize>| {
            j.map(|j| Neighbour {
                title: &site.articles[j].source.front.title,
                url: links.url(&site.articles[j].path),
            })
        };
        let page = PageCtx {
            teaser: prep.teaser(i),
            body: self.body(a)?,
            extra: &a.source.front.extra,
            newer: neighbour(a.newer),
            older: neighbour(a.older),
            related: a
                .related
                .iter()
                .map(|&j| Related::new(prep.teaser(j)))
                .collect(),
        };
        self.ctx.insert("page", &page);
        Ok(())
    }

    fn derived<I: serde::Serialize + ?Sized, T>(
        &mut self,
        _inputs: &I,
        make: impl FnOnce() -> T,
    ) -> Option<T> {
        Some(make())
    }
}

impl<'r> TeraSink<'r, '_> {
    /// The article's body, for `page.body`; the page has it minified
    /// where it prints it (see [`ContextSink::markup`]).
    fn body(&mut self, article: &crate::site::Article) -> Result<String> {
        let body = match self.body {
            Some(body) => {
                self.keep_markup(Cow::Borrowed(body));
                body.to_owned()
            }
            None => {
                let body = crate::content::body_html(
                    &self.renderer.site_root,
                    &article.source,
                    &self.site.config,
                    self.renderer.links.offline,
                )
                .map_err(|d| Error::Content(vec![d]))?;
                self.markup(&body);
                body
            }
        };
        Ok(body)
    }

    /// Keeps `html` to be minified where the page prints it.
    fn keep_markup(&mut self, html: Cow<'r, str>) {
        if !html.is_empty() {
            self.markup.push(html);
        }
    }
}

/// `page` with `markup`, where the page first prints it as it was given,
/// replaced by its minified form; false when it could not be minified (it
/// is then left as it is). What a page prints of it through a filter is
/// kept as printed.
fn put_minified(page: Vec<u8>, markup: &str) -> (Vec<u8>, bool) {
    let markup_bytes = markup.as_bytes();
    // Found by its start, then compared whole: a searcher for the whole of
    // a body costs more to set up than the search.
    let start = &markup_bytes[..markup_bytes.len().min(64)];
    let found =
        memchr::memmem::find_iter(&page, start).find(|&at| page[at..].starts_with(markup_bytes));
    let Some(at) = found else {
        return (page, true);
    };
    let Some(minified) = crate::output::minify(markup_bytes) else {
        return (page, false);
    };
    let mut out = Vec::with_capacity(page.len() - markup.len() + minified.len());
    out.extend_from_slice(&page[..at]);
    out.extend_from_slice(&minified);
    out.extend_from_slice(&page[at + markup.len()..]);
    (out, true)
}

/// The theme's HTML templates: each `**/*.html` file under `dir` (links
/// followed; hidden files, such as an editor's lock file, left out: see
/// [`crate::content::visible`]), with its name, its path from `dir` as
/// Tera names templates.
fn template_files(dir: &Path) -> tera::TeraResult<Vec<(PathBuf, String)>> {
    let mut files = Vec::new();
    for entry in crate::content::visible(
        walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name(),
    ) {
        let entry = entry.map_err(|e| tera::Error::message(e.to_string()))?;
        let path = entry.path();
        if !entry.file_type().is_file() || path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let name = path
            .strip_prefix(dir)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        files.push((path.to_path_buf(), name));
    }
    Ok(files)
}

/// The name and text of each of the theme's HTML templates
/// ([`template_files`]).
fn template_texts(dir: &Path) -> tera::TeraResult<Vec<(String, String)>> {
    template_files(dir)?
        .into_iter()
        .map(|(path, name)| {
            std::fs::read_to_string(&path)
                .map(|text| (name, text))
                .map_err(|e| tera::Error::chain(format!("cannot read {}", path.display()), e))
        })
        .collect()
}

/// The theme's templates, each [`squeeze`]d, parsed once.
fn squeezed_templates(
    texts: &[(String, String)],
    digits: crate::arabic::Digits,
) -> tera::TeraResult<Tera> {
    let squeezed = texts
        .iter()
        .map(|(name, text)| (name, squeeze::squeeze(text)));
    let mut tera = Tera::default();
    filters::register_filters(&mut tera, digits);
    tera.add_raw_templates(squeezed)?;
    Ok(tera)
}

/// The feed template: the theme's `atom.xml`, else the default theme's;
/// values are escaped for XML (`&<>"'`), not for HTML. With the text of
/// each template, by name, for [`reads`].
fn feed_templates(templates: &Path, config: &Config) -> Result<(Tera, HashMap<String, String>)> {
    let read = |path: &Path| std::fs::read_to_string(path).map_err(|e| Error::io(path, e));
    let own = templates.join(feed::FEED_FILE);
    let own_entry = templates.join(feed::ENTRY_FILE);
    let mut sources = HashMap::new();
    let feed_text = match own.is_file() {
        true => read(&own)?,
        false => DEFAULT_ATOM.to_string(),
    };
    sources.insert(feed::FEED_FILE.to_string(), feed_text);
    // The theme's entry template, else the default one where the feed is
    // the default one too: a theme's own `atom.xml` without an entry
    // template renders its entries itself.
    if own_entry.is_file() {
        sources.insert(feed::ENTRY_FILE.to_string(), read(&own_entry)?);
    } else if !own.is_file() {
        sources.insert(feed::ENTRY_FILE.to_string(), DEFAULT_ATOM_ENTRY.to_string());
    }
    let mut tera = Tera::default();
    filters::register_filters(&mut tera, config.dates.digits);
    // The feed first, so that an error in it is the one named.
    for name in [feed::FEED_FILE, feed::ENTRY_FILE] {
        if let Some(text) = sources.get(name) {
            tera.add_raw_template(name, text)
                .map_err(|e| Error::Template(vec![template_error(templates, name, &e)]))?;
        }
    }
    tera.autoescape_on(vec![".xml"]);
    tera.set_escape_fn(escape::write_xml);
    Ok((tera, sources))
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

/// A Tera error with its whole cause chain, which is where the useful part
/// is, for the template `name` of the folder `dir`. An error Tera places in
/// another template (a parent, an included one) names that one.
fn template_error(dir: &Path, name: &str, e: &tera::Error) -> Diagnostic {
    let (file, mut message) = match e.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let file = match report.filename() {
                "" => name,
                other => other,
            };
            (file, report.message().to_string())
        }
        _ => (name, e.to_string()),
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    let d = Diagnostic::error(dir.join(file), message);
    // Where the text was parsed as written (not squeezed), its place is the
    // designer's line and column.
    match e.kind() {
        tera::ErrorKind::SyntaxError(report) => {
            d.at(report.span().start_line, report.span().start_col + 1)
        }
        _ => d,
    }
}

/// A template that does not parse: the file (relative to the site root),
/// the line and column Tera reports, and its reason.
fn parse_error(root: &Path, templates: &Path, e: &tera::Error) -> Diagnostic {
    let dir = templates.strip_prefix(root).unwrap_or(templates);
    let d = template_error(dir, "", e);
    match e.kind() {
        tera::ErrorKind::SyntaxError(_) => Diagnostic {
            message: format!("the template does not parse: {}", d.message),
            ..d
        },
        _ => d,
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

    #[test]
    fn a_slot_number_names_its_article_and_field() {
        for article in [0, 1, 7] {
            for front in [false, true] {
                let slot = Slot { article, front };
                assert_eq!(Slot::from_number(slot.number(), 8), Some(slot));
            }
        }
        // Past the last article: not a slot of this site.
        assert_eq!(
            Slot::from_number(
                Slot {
                    article: 8,
                    front: false
                }
                .number(),
                8
            ),
            None
        );
        assert_eq!(Slot::from_number(17, 8), None);
    }

    proptest::proptest! {
        /// A teaser made once reads, with any page's root, as the teaser
        /// rendered with that root: marks anywhere, next to each other, at
        /// either end, or none.
        #[test]
        fn rooted_html_puts_the_root_where_each_mark_was(
            parts in proptest::collection::vec("[a-z<>=\"/ سوريا\u{E010}\u{E011}]{0,6}", 0..6),
            root in "(\\./|(\\.\\./){1,4})",
        ) {
            let marked = parts.join(ROOT_MARK);
            let made = RootedHtml::new(marked.as_bytes());
            let mut out = Vec::new();
            made.put_with_root(&root, &mut out);
            proptest::prop_assert_eq!(out, marked.replace(ROOT_MARK, &root).into_bytes());
            proptest::prop_assert!(memchr::memmem::find(&made.html, ROOT_MARK.as_bytes()).is_none());
        }
    }
}
