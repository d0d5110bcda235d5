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
//! output   staged, minified, swapped in   → public/
//! ```
//!
//! `arabic` holds every Arabic rule (folding, slugs, dates, plurals, reading
//! time) and is used by all stages. Search, feeds and sitemaps, and the
//! `serve`/`new`/`check` commands are later stages and commands on the same
//! model.
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
pub mod cli;
pub mod config;
pub mod content;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod output;
pub mod render;
pub mod site;

use std::path::{Path, PathBuf};
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
}

/// What a build did.
#[derive(Clone, Debug)]
pub struct BuildReport {
    /// HTML pages rendered.
    pub pages: usize,
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
pub fn build(opts: &BuildOptions) -> Result<BuildReport> {
    let started = Instant::now();
    let root = &opts.root;
    let config = load_config(opts)?;
    let renderer = render::Renderer::new(root, &config, opts.offline)?;
    let content = content::load(
        root,
        &config,
        content::LoadOptions {
            drafts: opts.drafts,
            offline: opts.offline,
        },
    )?;
    let site = Site::build(config, content)?;

    let output_dir = opts.output.clone().unwrap_or_else(|| root.join("public"));
    let staging = output::Staging::new(&output_dir, root)?;
    let jobs = render::pages(&site);
    let results: Vec<Result<()>> = jobs
        .par_iter()
        .map(|job| {
            let html = renderer.render(&site, job)?;
            staging.page(&job.file(&site), &html)
        })
        .collect();
    collect_errors(results)?;
    copy_assets(&site, &renderer, &staging, root)?;

    let stats = staging.commit()?;
    Ok(BuildReport {
        pages: jobs.len(),
        stats,
        warnings: site.warnings,
        elapsed: started.elapsed(),
        output: output_dir,
    })
}

/// Theme static files, media from content/ and the publisher's fonts.
fn copy_assets(
    site: &Site,
    renderer: &render::Renderer,
    staging: &output::Staging,
    root: &Path,
) -> Result<()> {
    let static_dir = renderer.theme_dir().join("static");
    let mut copies: Vec<(String, PathBuf)> = Vec::new();
    if static_dir.is_dir() {
        for entry in walkdir::WalkDir::new(&static_dir).sort_by_file_name() {
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
        .map(|(rel, from)| staging.copy(rel, from))
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
