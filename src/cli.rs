//! The command line: argument parsing (clap) and the one place that prints
//! results and errors for people.
//!
//! Exit status (SPEC §6): 0 success; 1 content or template errors; 2 usage
//! or configuration errors (clap exits with 2 for usage errors itself).
//! Findings go to stderr, rendered with their source line; with
//! `--format json`, `build` and `check` print them to stdout as one JSON
//! document instead.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::{count, plural, render_all};
use crate::{build, BuildOptions, Diagnostic, Error, Progress};

/// arshif — a static site generator for Arabic news archives.
#[derive(Debug, Parser)]
#[command(name = "arshif", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder.
    Build(BuildArgs),
    /// Build, serve on localhost, rebuild on change and reload open pages.
    Serve(ServeArgs),
    /// Write a new article, content/YYYY/MM/SLUG.md, dated now.
    New(NewArgs),
    /// Check everything a build checks, and links and terms; write nothing.
    Check(CheckArgs),
    /// Make a new site: site.toml, one article and the default theme.
    Init(InitArgs),
}

/// How findings are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people, on stderr, with the offending line.
    #[default]
    Human,
    /// One JSON document on stdout: `findings` and `summary`.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The site folder (holding site.toml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Where to write the site (default: `<root>/public`).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Include articles marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Make the output browsable from disk: directory links end in index.html.
    #[arg(long)]
    pub offline: bool,
    /// Override site.toml's base_url (canonical links, feeds, sitemap).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Ignore the build cache: read and render everything, as a first build does.
    #[arg(long)]
    pub full: bool,
    /// Number of threads (default: one per core).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Print nothing but errors (no progress bar, no summary).
    #[arg(long, short)]
    pub quiet: bool,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The site folder (holding site.toml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The port to listen on (0: any free port).
    #[arg(long, short, default_value_t = 1111)]
    pub port: u16,
    /// The address to listen on; the default serves this computer only.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Include articles marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The site folder (holding site.toml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The headline.
    #[arg(long)]
    pub title: String,
    /// Countries the article names, separated by commas (, or ،).
    #[arg(long)]
    pub countries: Option<String>,
    /// Actors the article names, separated by commas (, or ،).
    #[arg(long)]
    pub actors: Option<String>,
    /// The article's category.
    #[arg(long)]
    pub category: Option<String>,
    /// The URL slug (default: made from the title).
    #[arg(long)]
    pub slug: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The site folder (holding site.toml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Check drafts too.
    #[arg(long)]
    pub drafts: bool,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder to make the site in (created if needed).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// Runs the parsed command; returns the process exit status.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Build(args) => run_build(args),
        Command::Serve(args) => run_serve(args),
        Command::New(args) => run_new(args),
        Command::Check(args) => run_check(args),
        Command::Init(args) => run_init(args),
    }
}

fn run_build(args: BuildArgs) -> i32 {
    if let Some(jobs) = args.jobs {
        // Only fails if a pool exists already, which cannot happen here.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build_global();
    }
    let json = args.format == Format::Json;
    let bar = (!args.quiet && !json && std::io::stderr().is_terminal()).then(progress_bar);
    let opts = BuildOptions {
        root: args.root.clone(),
        output: args.output,
        drafts: args.drafts,
        offline: args.offline,
        base_url: args.base_url,
        full: args.full,
        progress: bar.clone().map(|bar| {
            Progress(Arc::new(move |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }))
        }),
        before_patching: Some(crate::memory::for_patching),
    };
    let result = build(&opts);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(report) => {
            if json {
                let summary = serde_json::json!({
                    "ok": true,
                    "pages": report.pages,
                    "written": report.stats.written,
                    "unchanged": report.stats.unchanged,
                    "seconds": report.elapsed.as_secs_f64(),
                });
                print_json(&report.warnings, summary);
                return 0;
            }
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(render_all(&args.root, &report.warnings).as_bytes());
            if !args.quiet {
                let _ = writeln!(err, "{}", built_line(&report));
            }
            0
        }
        Err(e) if json => print_error_json(&e),
        Err(e) => report_error(&e, &args.root),
    }
}

/// `built 120 pages into public in 0.42s (3 files written, 117 unchanged)`.
fn built_line(report: &crate::BuildReport) -> String {
    format!(
        "built {} into {} in {:.2}s ({} rendered, {} written, {} unchanged)",
        plural(report.pages, "page"),
        report.output.display(),
        report.elapsed.as_secs_f64(),
        report.rendered,
        plural(report.stats.written, "file"),
        report.stats.unchanged,
    )
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        None,
        indicatif::ProgressDrawTarget::stderr_with_hz(10),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("rendering {bar:40} {pos}/{len} pages ({elapsed})")
    {
        bar.set_style(style);
    }
    bar
}

/// A failed `--format json` run: its findings on stdout; returns the exit status.
fn print_error_json(e: &crate::Error) -> i32 {
    let findings = e.findings();
    let (errors, warnings) = count(&findings);
    print_json(
        &findings,
        serde_json::json!({ "ok": false, "errors": errors, "warnings": warnings }),
    );
    e.exit_code()
}

/// Prints findings and a summary as one JSON document on stdout.
fn print_json(findings: &[Diagnostic], summary: serde_json::Value) {
    let doc = serde_json::json!({
        "findings": findings.iter().map(Diagnostic::to_json).collect::<Vec<_>>(),
        "summary": summary,
    });
    let _ = writeln!(std::io::stdout().lock(), "{doc}");
}

fn run_serve(args: ServeArgs) -> i32 {
    let opts = crate::serve::ServeOptions {
        root: args.root.clone(),
        bind: args.bind,
        port: args.port,
        drafts: args.drafts,
    };
    let root = args.root.canonicalize().unwrap_or(args.root);
    let mut on_event = |event: crate::serve::Event<'_>| {
        let mut err = std::io::stderr().lock();
        // Editors save through temporary files: name the file that remains.
        let changed = |paths: &[PathBuf]| {
            let kept: Vec<&PathBuf> = paths.iter().filter(|p| root.join(p).exists()).collect();
            match (paths, kept.as_slice()) {
                ([], _) => String::new(),
                (_, [one]) => format!("{} changed: ", one.display()),
                ([one], _) => format!("{} changed: ", one.display()),
                (many, _) => format!("{} files changed: ", many.len()),
            }
        };
        let _ = match event {
            crate::serve::Event::Listening { addr, output } => {
                if !addr.ip().is_loopback() {
                    let _ = writeln!(
                        err,
                        "warning: listening on {}, not only this computer: others on the network can read the site, drafts included",
                        addr.ip()
                    );
                }
                writeln!(
                    err,
                    "serving on http://{addr}/ (built into {}); watching content/, themes/ and site.toml; Ctrl-C stops",
                    output.display()
                )
            }
            crate::serve::Event::Built {
                report,
                changed: paths,
            } => {
                let _ = err.write_all(render_all(&root, &report.warnings).as_bytes());
                writeln!(
                    err,
                    "{}{} in {:.2}s: {} written, {} unchanged ({})",
                    changed(paths),
                    if paths.is_empty() { "built" } else { "rebuilt" },
                    report.elapsed.as_secs_f64(),
                    plural(report.stats.written, "file"),
                    report.stats.unchanged,
                    plural(report.pages, "page"),
                )
            }
            crate::serve::Event::Failed {
                error,
                changed: paths,
            } => writeln!(
                err,
                "{}{}still serving the last good build",
                changed(paths),
                error.report_in(Some(&root))
            ),
            crate::serve::Event::Stopped => writeln!(err, "stopped"),
        };
    };
    match crate::serve::serve(&opts, &mut on_event) {
        Ok(()) => 0,
        Err(e) => report_error_as(&e, &root, "the server did not start"),
    }
}

/// Splits an option's list on `,` and the Arabic comma `،`.
fn split_list(s: &Option<String>) -> Vec<String> {
    s.iter()
        .flat_map(|s| s.split([',', '،']))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

fn run_new(args: NewArgs) -> i32 {
    let opts = BuildOptions {
        root: args.root.clone(),
        ..Default::default()
    };
    let config = match crate::load_config(&opts) {
        Ok(c) => c,
        Err(e) => return report_error_as(&e, &args.root, "no article was written"),
    };
    let mut terms = Vec::new();
    for (name, value) in [
        ("countries", &args.countries),
        ("actors", &args.actors),
        ("category", &args.category),
    ] {
        if value.is_some() {
            terms.push((name.to_string(), split_list(value)));
        }
    }
    let article = crate::scaffold::NewArticle {
        title: args.title,
        terms,
        slug: args.slug,
    };
    match crate::scaffold::new_article(&args.root, &config, &article) {
        Ok(rel) => {
            let _ = writeln!(
                std::io::stdout().lock(),
                "{}",
                args.root.join(rel).display()
            );
            0
        }
        Err(e) => report_error_as(&e, &args.root, "no article was written"),
    }
}

fn run_check(args: CheckArgs) -> i32 {
    let opts = BuildOptions {
        root: args.root.clone(),
        drafts: args.drafts,
        ..Default::default()
    };
    let json = args.format == Format::Json;
    let report = match crate::check::check(&opts) {
        Ok(r) => r,
        Err(e) if json => return print_error_json(&e),
        Err(e) => return report_error_as(&e, &args.root, "the check could not run"),
    };
    let (errors, warnings) = count(&report.findings);
    if json {
        print_json(
            &report.findings,
            serde_json::json!({
                "ok": errors == 0,
                "errors": errors,
                "warnings": warnings,
                "articles": report.articles,
                "pages": report.pages,
            }),
        );
    } else {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(render_all(&args.root, &report.findings).as_bytes());
        let _ = writeln!(
            err,
            "check: {}, {} ({} checked, {} rendered; nothing written)",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(report.articles, "article"),
            plural(report.pages, "page"),
        );
    }
    i32::from(errors > 0)
}

fn run_init(args: InitArgs) -> i32 {
    match crate::scaffold::init(&args.dir) {
        Ok(files) => {
            let mut err = std::io::stderr().lock();
            for f in &files {
                let _ = writeln!(err, "wrote {}", args.dir.join(f).display());
            }
            let _ = writeln!(
                err,
                "a new site is ready: `arshif serve --root {0}` to write with live reload, `arshif build --root {0}` to publish",
                args.dir.display()
            );
            0
        }
        Err(e) => report_error_as(&e, &args.dir, "no site was made"),
    }
}

/// Prints an error for people (with the offending lines of the site at
/// `root`) and returns its exit status.
fn report_error(e: &Error, root: &Path) -> i32 {
    let _ = std::io::stderr()
        .lock()
        .write_all(e.report_in(Some(root)).as_bytes());
    e.exit_code()
}

/// Like [`report_error`], ending with `summary` instead of the build's.
fn report_error_as(e: &Error, root: &Path, summary: &str) -> i32 {
    let _ = std::io::stderr()
        .lock()
        .write_all(e.report_as(Some(root), Some(summary)).as_bytes());
    e.exit_code()
}
