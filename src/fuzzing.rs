//! Entry points for the fuzz targets in `fuzz/` (not a stable API).
//!
//! Each function runs real pipeline code on one input and checks the
//! invariants that must hold whatever the input: no panic, every error
//! located inside the file, every output path inside the output folder,
//! slugs that are one safe path segment, folds that are idempotent. A broken
//! invariant panics, which the fuzzer reports as a crash.

use std::path::Path;

use crate::arabic::{fold_identity, fold_search, Slug};
use crate::config::Config;
use crate::content::{self, frontmatter, Content, LoadOptions};
use crate::error::{Diagnostic, Error};
use crate::render::{self, Renderer};
use crate::site::Site;

/// The path every fuzzed article claims to have.
pub const ARTICLE: &str = "content/2020/10/fuzz.md";

/// Asserts that each diagnostic points at a line of `text` (when it has one).
fn assert_located(diags: &[Diagnostic], text: &str) {
    let lines = text.split('\n').count().max(1);
    for d in diags {
        let line = d.line.unwrap_or(1);
        assert!(
            (1..=lines).contains(&line),
            "diagnostic outside the file ({lines} lines): {d}"
        );
        assert!(d.column.is_none_or(|c| c >= 1), "column 0: {d}");
    }
}

/// Asserts that `rel` names a file inside the output folder.
pub fn assert_inside_output(rel: &str) {
    assert!(
        !rel.is_empty()
            && !rel.starts_with('/')
            && !rel.contains('\\')
            && !rel.contains('\0')
            && rel
                .split('/')
                .all(|s| !s.is_empty() && s != "." && s != ".."),
        "output path escapes or is malformed: {rel:?}"
    );
}

/// Decodes bytes, splits and types them as an article and as a term file.
pub fn front_matter(bytes: &[u8]) {
    let path = Path::new(ARTICLE);
    let text = match content::decode(bytes.to_vec(), path) {
        Ok(t) => t,
        Err(d) => {
            assert!(d.line.is_some_and(|l| l >= 1), "undecodable file: {d}");
            return;
        }
    };
    let split = match frontmatter::split(&text, path) {
        Ok(s) => s,
        Err(d) => return assert_located(&[d], &text),
    };
    let tz = chrono::FixedOffset::east_opt(3 * 3600).expect("valid offset");
    if let Err(diags) = frontmatter::article(&split, path, &["countries", "actors"], tz) {
        assert!(!diags.is_empty(), "an error without a diagnostic");
        assert_located(&diags, &text);
    }
    if let Err(diags) = frontmatter::term(&split, path) {
        assert_located(&diags, &text);
    }
}

/// A site whose theme is loaded once and reused for many articles.
pub struct Pipeline {
    config: Config,
    renderer: Renderer,
    /// A scratch site folder: article pages render their body from the
    /// article's file, so each article is written there first. Its own
    /// (pipelines may run side by side), removed when the pipeline is
    /// dropped.
    scratch: std::path::PathBuf,
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        // The theme is a link into the repository: removed, not followed.
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

impl Pipeline {
    /// Loads the default theme of the site at `root` (the repository).
    pub fn new(root: &Path) -> crate::Result<Pipeline> {
        let config = Config::parse("title = \"أرشيف\"\nbase_url = \"https://example.org/a/\"\n")?;
        static PIPELINES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = PIPELINES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let scratch = std::env::temp_dir().join(format!("arshif-fuzz-{}-{n}", std::process::id()));
        let themes = scratch.join("themes");
        std::fs::create_dir_all(&scratch).map_err(|e| Error::io(&scratch, e))?;
        if !themes.exists() {
            std::os::unix::fs::symlink(root.join("themes"), &themes)
                .map_err(|e| Error::io(&themes, e))?;
        }
        let renderer = Renderer::new(&scratch, &config, false)?;
        Ok(Pipeline {
            config,
            renderer,
            scratch,
        })
    }

    /// Runs one article through the model, the templates and the minifier;
    /// returns how many pages were rendered (0 when the article is refused).
    pub fn render_article(&self, text: &str) -> usize {
        let path = Path::new(ARTICLE);
        let taxonomies: Vec<&str> = self
            .config
            .taxonomies
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        let opts = LoadOptions::default();
        // As a real load does: bytes decoded first (a NUL, a BOM, CRLF), the
        // digest taken of the file's bytes, which the page's body checks.
        let decoded = match content::decode(text.as_bytes().to_vec(), path) {
            Ok(t) => t,
            Err(d) => {
                assert_located(&[d], text);
                return 0;
            }
        };
        let mut article =
            match content::article_from_text(&decoded, path, &self.config, &taxonomies, opts) {
                Ok((a, _)) => a,
                Err(diags) => {
                    assert_located(&diags, &decoded);
                    return 0;
                }
            };
        article.digest = xxhash_rust::xxh3::xxh3_128(text.as_bytes());
        let content = Content {
            articles: vec![Box::new(article)],
            ..Content::default()
        };
        let site = match Site::build(self.config.clone(), content) {
            Ok(s) => s,
            Err(Error::Content(diags)) => {
                assert_located(&diags, text);
                return 0;
            }
            Err(e) => panic!("the model failed with a non-content error: {e:?}"),
        };
        let jobs = render::pages(&site);
        for job in &jobs {
            assert_inside_output(&job.file(&site));
        }
        // The article's own page (rendering every list page too would make
        // the target a hundred times slower for little new coverage).
        let job = render::PageJob::Article(0);
        let file = self.scratch.join(ARTICLE);
        let written = file
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&file, text));
        if let Err(e) = written {
            panic!("cannot write the scratch article {}: {e}", file.display());
        }
        let prep = self.renderer.prepare(&site);
        // Rendering minifies the article's body.
        self.renderer
            .render(&site, &prep, &job)
            .unwrap_or_else(|e| panic!("the default theme failed on a valid site: {e:?}"));
        jobs.len()
    }
}

/// Slug constructors and folds on arbitrary text, with their invariants.
pub fn slugs_and_folds(s: &str) {
    let identity = fold_identity(s);
    assert_eq!(
        fold_identity(&identity),
        identity,
        "fold_identity not idempotent"
    );
    let search = fold_search(s);
    assert_eq!(fold_search(&search), search, "fold_search not idempotent");

    let check = |slug: &Slug| {
        let t = slug.as_str();
        assert!(!t.is_empty(), "empty slug");
        assert!(
            !t.contains(['/', '\\', '\0', '%', '.']),
            "slug with a separator or dot: {t:?}"
        );
        assert!(t.len() <= crate::arabic::slug::MAX_BYTES, "slug too long");
        assert_inside_output(t);
    };
    if let Ok(slug) = Slug::term(s) {
        check(&slug);
        assert_eq!(
            Slug::term(s).ok().as_ref(),
            Some(&slug),
            "Slug::term unstable"
        );
        // A term slug names the folded term: its own slug is itself.
        assert_eq!(
            Slug::term(slug.as_str()).ok().as_ref(),
            Some(&slug),
            "Slug::term of a term slug changed it"
        );
    }
    if let Some(slug) = Slug::sanitize(s) {
        check(&slug);
        assert_eq!(
            Slug::sanitize(slug.as_str()).as_ref(),
            Some(&slug),
            "Slug::sanitize of a slug changed it"
        );
        assert!(
            Slug::article(slug.as_str()).is_ok(),
            "sanitized slug refused"
        );
    }
    if let Ok(slug) = Slug::article(s) {
        check(&slug);
    }
    if let Ok(slug) = Slug::ascii(s) {
        check(&slug);
        assert!(slug.as_str().is_ascii());
    }
}
