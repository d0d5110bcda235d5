//! arshif (أرشيف, "archive"): a static site generator for Arabic news archives.
//!
//! One pipeline, one module a stage, data flowing one way:
//!
//! ```text
//! config   site.toml                      → Config
//! content  content/ (walk, front matter,  → Content   (articles, term files, media)
//!          Markdown)
//! site     the model: URLs, taxonomies,   → Site      (pure data, no I/O)
//!          archives, pagination
//! render   Tera templates of the theme    → HTML per PageJob
//! output   staged, swapped in             → public/
//! ```
//!
//! `arabic` holds every Arabic rule (folding, slugs, dates, plurals, reading
//! time) and is used by all stages. The writer's commands are built on the
//! same pipeline: `check` runs it in memory, `serve` calls [`build`] on every
//! change, and `scaffold` writes new articles and sites (`new`, `init`).
//!
//! ```no_run
//! let report = arshif::build(&arshif::BuildOptions {
//!     root: "my-site".into(),
//!     ..Default::default()
//! })?;
//! println!("{} pages", report.pages);
//! # Ok::<(), arshif::Error>(())
//! ```

pub mod arabic;
pub mod cache;
pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod mapped;
pub mod memory;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

pub use config::Config;
pub use error::{Diagnostic, Error, Result};
pub use site::Site;

/// What `arshif build` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// The site folder (holding site.toml).
    pub root: PathBuf,
    /// Where to write; default `<root>/public`.
    pub output: Option<PathBuf>,
    /// Include drafts.
    pub drafts: bool,
    /// Make the output browsable from disk (`file://`).
    pub offline: bool,
    /// Overrides site.toml's `base_url`.
    pub base_url: Option<String>,
    /// Ignore the build cache: read, render and compare everything.
    pub full: bool,
    /// Told `(pages rendered, pages in all)` as rendering goes.
    pub progress: Option<Progress>,
    /// Called once, before the previous build's cache is read, when this
    /// build will patch that build's output (the same settings and theme):
    /// its memory is then mostly a model that lives to its end, and a
    /// process that runs one build can set itself up for that (see
    /// [`memory::for_patching`]).
    pub before_patching: Option<fn()>,
}

/// A callback told how far rendering is: `(pages rendered, pages in all)`.
/// Called from the render threads, so it must be cheap.
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(usize, usize) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// What a build did.
#[derive(Clone, Debug)]
pub struct BuildReport {
    /// Pages the site has.
    pub pages: usize,
    /// Pages rendered by this build (the others were unchanged).
    pub rendered: usize,
    pub stats: output::Stats,
    pub warnings: Vec<Diagnostic>,
    pub elapsed: Duration,
    pub output: PathBuf,
}

/// Loads the configuration, applying command-line overrides.
pub fn load_config(opts: &BuildOptions) -> Result<Config> {
    let mut config = Config::load(&opts.root)?;
    if let Some(url) = &opts.base_url {
        config.set_base_url(url)?;
    }
    Ok(config)
}

/// Builds the site: load → model → render → write. The previous output is
/// replaced only if every step succeeded.
///
/// With the cache of a previous build of the same output (see [`cache`]),
/// only changed files are read and only pages whose fingerprint changed are
/// rendered and written; the result is byte for byte the full build's.
pub fn build(opts: &BuildOptions) -> Result<BuildReport> {
    let started = Instant::now();
    let started_at = std::time::SystemTime::now();
    let mut timings = Timings::from_env();
    let root = &opts.root;
    let config = load_config(opts)?;
    let renderer = render::Renderer::new(root, &config, opts.offline)?;
    let output_dir = opts.output.clone().unwrap_or_else(|| root.join("public"));
    output::recover(&output_dir)?;
    let key = cache::Key::new(
        &format!("{config:?} {} {}", opts.offline, opts.drafts),
        renderer.templates_hash(),
    );
    let cache_path = cache::path(&output_dir)?;
    // A cache beside an output deleted by hand is no use: that build
    // renders everything, and must not be set up as a patch. Nor is one
    // after a template change, which renders every page from the cache.
    let fit = (!opts.full && output_dir.is_dir())
        .then(|| cache::fit(&cache_path, key))
        .flatten();
    let incremental = fit.is_some();
    if let (Some(true), Some(before)) = (fit, opts.before_patching) {
        before();
    }
    // A build that writes every file anew over a previous output still
    // patches it, and needs its files: they are listed meanwhile.
    let listing =
        (!incremental && output_dir.is_dir()).then(|| output::Listing::start(&output_dir));
    // Reading the cache takes one core; listing and stating the content
    // takes the others meanwhile.
    let ((known, files, related, search_state, parts), scan) = rayon::join(
        || {
            let previous = (!opts.full)
                .then(|| cache::load(&cache_path, key, &output_dir))
                .flatten();
            match previous {
                Some(c) => (
                    content::Known::new(c.articles),
                    Some(c.files),
                    Some(c.related),
                    c.search,
                    Some(c.parts),
                ),
                None => (content::Known::default(), None, None, None, None),
            }
        },
        || content::scan(root, &config),
    );
    let scan = scan?;
    timings.stage("config, theme, cache and content scan");
    let mut content = content::load_known(
        root,
        &config,
        content::LoadOptions {
            drafts: opts.drafts,
            offline: opts.offline,
        },
        scan,
        known,
    )?;
    timings.stage("content");
    let drafts = std::mem::take(&mut content.drafts);
    let mut site = Site::build_unrelated(config, content)?;
    timings.stage("model");
    let previous_related = related;
    let related = site.link_related(previous_related.as_ref());
    timings.stage("related coverage");

    let (written, cache) = std::thread::scope(|scope| {
        // Most of the cache (the articles) is written on a thread of its
        // own while the pages are rendered: it is known now, and writing it
        // is a long stretch on one core.
        let cache = scope.spawn(|| {
            let articles = site
                .articles
                .iter()
                .map(|a| &*a.source)
                .chain(drafts.iter().map(|d| &**d));
            cache::Writer::start(
                &cache_path,
                key,
                started_at,
                articles,
                &related,
                parts.as_ref(),
            )
        });
        let written = write_output(
            &site,
            &renderer,
            opts,
            Previous {
                files,
                search: search_state,
                listing,
            },
            &output_dir,
            &mut timings,
        );
        let cache = cache
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (written, cache)
    });
    let written = written?;
    let output::Sealed {
        stats,
        files,
        dir_id,
        commit,
    } = written.sealed;
    // The end of the cache is written while the output is committed; the
    // cache is put in place once the commit is done (and the previous one
    // is removed just before its point of no return).
    let [kept, parts] = cache.kept();
    let mut cache = dir_id.map(|_| cache);
    let (committed, ()) = rayon::join(
        || commit.run(|| cache::remove(&cache_path)),
        || {
            if let (Some(cache), Some(id)) = (&mut cache, dir_id) {
                cache.end(id, &files, written.search.as_ref());
            }
        },
    );
    committed?;
    let mut warnings = std::mem::take(&mut site.warnings);
    if renderer.has_search() {
        warnings.extend(search::reader_warning(root, renderer.theme_dir()));
    }
    warnings.extend(written.unminified);
    warnings.extend(cache.and_then(cache::Writer::place));
    timings.stage(&format!(
        "commit and cache ({kept} of {parts} article parts kept)"
    ));
    let report = BuildReport {
        pages: written.pages,
        rendered: written.rendered,
        stats,
        warnings,
        elapsed: started.elapsed(),
        output: output_dir,
    };
    // Freeing 100,000 articles' worth of model, related lists and
    // fingerprints takes a noticeable fraction of an incremental build: the
    // caller need not wait.
    drop_later((
        site,
        drafts,
        files,
        written.search,
        related,
        previous_related,
    ));
    Ok(report)
}

/// Drops `value` on another thread (or here, when no thread can be had).
fn drop_later<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("drop".into())
        .spawn(move || drop(value));
}

/// What the previous build left that this one builds on (from the cache).
struct Previous {
    /// Each output file's fingerprint: the build patches the output.
    files: Option<output::Fingerprints>,
    /// The search index's state, which an update of the index takes over.
    search: Option<search::State>,
    /// The previous output's files, when a full build is expected.
    listing: Option<output::Listing>,
}

/// What [`write_output`] did.
struct Written {
    pages: usize,
    rendered: usize,
    /// The output, to be committed.
    sealed: output::Sealed,
    /// Pages that could not be minified, sorted.
    unminified: Vec<Diagnostic>,
    search: Option<search::State>,
}

/// Renders the site's pages, feeds, sitemap and search index and copies its
/// assets: the render → write half of [`build`], up to the commit.
fn write_output(
    site: &Site,
    renderer: &render::Renderer,
    opts: &BuildOptions,
    previous: Previous,
    output_dir: &Path,
    timings: &mut Timings,
) -> Result<Written> {
    let root = &opts.root;
    let out = match previous.files {
        Some(files) => output::Output::patch(output_dir, root, files)?,
        None => output::Output::full(output_dir, root, previous.listing)?,
    };
    let prep = renderer.prepare(site);
    timings.stage("teasers");
    let mut jobs = render::pages(site);
    if !renderer.has_search() {
        jobs.retain(|job| *job != render::PageJob::Search);
    }
    // In a full build with a search index, each article's page is written
    // when the index reads the article's body: the body (kept by the load,
    // or read and rendered again) is then made once, not once for each. An
    // incremental build renders few pages and analyzes few bodies, not the
    // same ones.
    let articles_with_search = renderer.has_search() && !out.is_incremental();
    let rendered = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let unminified = std::sync::Mutex::new(Vec::new());
    let write_page = |k: usize, job: &render::PageJob, body: Option<&str>| -> Result<()> {
        let file = job.file(site);
        if out.claim_page(&file, renderer.fingerprint(site, &prep, job, &file), k)? {
            rendered.fetch_add(1, Ordering::Relaxed);
            let page = renderer.render_with_body(site, &prep, job, body)?;
            let ok = page.minified;
            out.write(&file, &renderer.complete(&prep, page)?)?;
            if !ok {
                let source = match job {
                    render::PageJob::Article(i) => site.articles[*i].source.source.clone(),
                    _ => PathBuf::from(&file),
                };
                let mut list = unminified.lock().unwrap_or_else(|e| e.into_inner());
                list.push(Diagnostic::warning(
                    source,
                    format!("the raw HTML of the page {file} could not be minified and is in it as written"),
                ).with_hint("look for malformed raw HTML in the article, such as a <script> or <style> that is never closed"));
            }
        }
        if let Some(Progress(tell)) = &opts.progress {
            tell(done.fetch_add(1, Ordering::Relaxed) + 1, jobs.len());
        }
        Ok(())
    };
    let pages = || -> Vec<Result<()>> {
        // The list pages first, then the articles' (which come first in
        // `jobs`): the few pages a rebuild renders are mostly lists, and
        // the largest (a month of a thousand stories, tens of
        // milliseconds) would otherwise come last, on one core, after
        // the fingerprints of every article page.
        let (articles, lists) =
            jobs.split_at(jobs.partition_point(|job| matches!(job, render::PageJob::Article(_))));
        let lists = lists
            .par_iter()
            .enumerate()
            .map(|(k, job)| (articles.len() + k, job));
        lists
            .chain(
                articles
                    .par_iter()
                    .enumerate()
                    .filter(|_| !articles_with_search),
            )
            .map(|(k, job)| write_page(k, job, None))
            .collect()
    };
    // The errors of article pages written while the index is built: kept
    // for the report with the other pages', so that the index goes on.
    let article_errors = std::sync::Mutex::new(Vec::new());
    let article_page = |i: usize, body: &str| {
        if articles_with_search {
            // An article's page is the job of its number (see `render::pages`).
            if let Err(e) = write_page(i, &render::PageJob::Article(i), Some(body)) {
                article_errors
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(Err(e));
            }
        }
    };
    let feeds = || -> Vec<Result<()>> {
        let entries = renderer.feed_entries(site);
        render::feed::feeds(site)
            .par_iter()
            .map(|feed| {
                let file = feed.file(site);
                if out.claim(&file, renderer.feed_fingerprint(site, &prep, feed))? {
                    let xml = renderer.render_feed(site, &prep, feed, &entries)?;
                    out.write(&file, &xml)?;
                }
                Ok(())
            })
            .collect()
    };
    let sitemap = || -> Result<()> {
        // Made only when what it is made of changed.
        let urls = render::sitemap::Urls::new(site, &prep, &jobs);
        for file in render::sitemap::files(site, &urls) {
            if out.claim(&file.path, file.fingerprint())? {
                out.write(&file.path, file.render().as_bytes())?;
            }
        }
        Ok(())
    };
    let search = || {
        renderer
            .has_search()
            .then(|| {
                write_search_index(
                    site,
                    renderer,
                    &prep,
                    &out,
                    opts.offline,
                    previous.search,
                    &article_page,
                )
            })
            .transpose()
    };
    // Independent of each other. An incremental build runs them side by
    // side, so that the stretches on one core (the sitemap, parts of the
    // search update) overlap the others; a full build, where pages and
    // search each fill both cores, runs them one after the other, which
    // measured faster (the two compete for the caches), and times each.
    // Side by side, the timings say when the pages and the search index
    // were done: the later of the two is the stage's critical path.
    let mut parts = String::new();
    let (mut pages, feeds, sitemap, search) = if out.is_incremental() {
        let start = Instant::now();
        let ((pages, pages_done), (feeds, (sitemap, (search, search_done)))) = rayon::join(
            || (pages(), start.elapsed()),
            || {
                rayon::join(feeds, || {
                    rayon::join(sitemap, || (search(), start.elapsed()))
                })
            },
        );
        parts = format!(
            "; pages done at {:.3} s, search index at {:.3} s",
            pages_done.as_secs_f64(),
            search_done.as_secs_f64()
        );
        (pages, feeds, sitemap, search)
    } else {
        let pages = pages();
        prep.forget_teasers();
        timings.stage("pages");
        let (feeds, sitemap) = (feeds(), sitemap());
        timings.stage("feeds and sitemap");
        (pages, feeds, sitemap, search())
    };
    pages.append(
        &mut article_errors
            .into_inner()
            .unwrap_or_else(|e| e.into_inner()),
    );
    collect_errors(pages)?;
    collect_errors(feeds)?;
    sitemap?;
    let search = search?;
    match (&search, out.is_incremental()) {
        (Some((_, report)), true) => timings.stage(&format!(
            "pages, feeds, sitemap and search index ({report}{parts})"
        )),
        (Some((_, report)), false) => {
            timings.stage(&format!("search index, with the article pages ({report})"))
        }
        (None, true) => timings.stage("pages, feeds and sitemap"),
        (None, false) => {}
    }
    copy_assets(site, renderer, &out, root)?;
    timings.stage("assets");

    let mut unminified = unminified.into_inner().unwrap_or_else(|e| e.into_inner());
    unminified.sort();
    Ok(Written {
        pages: jobs.len(),
        rendered: rendered.into_inner(),
        sealed: out.seal(),
        unminified,
        search: search.map(|(state, _)| state),
    })
}

/// Whether the measuring switch `name` (`ARSHIF_TIMINGS`,
/// `ARSHIF_PLAIN_EXIT`) is on: set to `1` in the environment.
pub(crate) fn switched_on(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| v == "1")
}

/// Stage durations printed to stderr when `ARSHIF_TIMINGS=1`, with the CPU
/// time each stage used and the process's resident memory after it
/// ([`memory::resident`]; for measuring, not for users).
struct Timings {
    last: Option<(Instant, f64)>,
}

impl Timings {
    fn from_env() -> Timings {
        let on = switched_on("ARSHIF_TIMINGS");
        Timings {
            last: on.then(|| (Instant::now(), cpu_seconds())),
        }
    }

    fn stage(&mut self, name: &str) {
        let Some((last, last_cpu)) = self.last else {
            return;
        };
        let now = Instant::now();
        let cpu = cpu_seconds();
        let rss = memory::resident();
        eprintln!(
            "timing: {name}: {:.3} s, cpu {:.2} s (resident {rss})",
            (now - last).as_secs_f64(),
            cpu - last_cpu
        );
        self.last = Some((now, cpu));
    }
}

/// User and system time this process has used so far, from `/proc`
/// (0 where it cannot be read; only the timings print it).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the line, in clock ticks (100 a second).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0
}

/// The search index (`search/*.js`, see [`search::index`]): updated from
/// the previous build's when few articles changed, else built anew (see
/// [`search::build`]). Each body the index reads is handed to
/// `article_page` with the article's position. Returns the state the next
/// build updates it from.
fn write_search_index(
    site: &Site,
    renderer: &render::Renderer,
    prep: &render::Prepared<'_>,
    out: &output::Output,
    offline: bool,
    previous: Option<search::State>,
    article_page: &(dyn Fn(usize, &str) + Sync),
) -> Result<(search::State, search::Report)> {
    let body = |i: usize, a: &site::Article| {
        let html = content::body_html(renderer.site_root(), &a.source, &site.config, offline)
            .map_err(|d| Error::Content(vec![d]))?;
        article_page(i, &html);
        Ok(html)
    };
    let input = search::Input {
        site,
        teasers: prep.teaser_hashes(),
        links: render::context::Links { offline },
        body: &body,
    };
    search::write(&input, out, previous)
}

/// Theme static files, media from content/ and the publisher's fonts.
fn copy_assets(
    site: &Site,
    renderer: &render::Renderer,
    out: &output::Output,
    root: &Path,
) -> Result<()> {
    let static_dir = renderer.theme_dir().join("static");
    let mut copies: Vec<(String, PathBuf)> = Vec::new();
    if static_dir.is_dir() {
        for entry in content::visible(walkdir::WalkDir::new(&static_dir).sort_by_file_name()) {
            let entry = entry.map_err(|e| Error::io(&static_dir, e.into()))?;
            if entry.file_type().is_file() {
                let rel = entry
                    .path()
                    .strip_prefix(&static_dir)
                    .unwrap_or(entry.path());
                copies.push((
                    rel.to_string_lossy().into_owned(),
                    entry.path().to_path_buf(),
                ));
            }
        }
    }
    for m in &site.media {
        copies.push((m.output.to_string_lossy().into_owned(), m.source.clone()));
    }
    for font in &site.config.fonts {
        copies.push((render::font_output(font), font.source(root)));
    }
    let results: Vec<Result<()>> = copies
        .par_iter()
        .map(|(rel, from)| out.copy(rel, from))
        .collect();
    collect_errors(results)
}

/// Turns many results into one error carrying every diagnostic.
fn collect_errors(results: Vec<Result<()>>) -> Result<()> {
    let mut content = Vec::new();
    let mut template = Vec::new();
    for r in results {
        match r {
            Ok(()) => {}
            Err(Error::Template(mut d)) => template.append(&mut d),
            Err(Error::Content(mut d)) => content.append(&mut d),
            Err(other) => return Err(other),
        }
    }
    if !template.is_empty() {
        template.sort();
        template.dedup_by(|a, b| a.path == b.path && a.message == b.message);
        return Err(Error::Template(template));
    }
    if !content.is_empty() {
        content.sort();
        return Err(Error::Content(content));
    }
    Ok(())
}
