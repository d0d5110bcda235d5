//! The command line: argument parsing (clap) and the one place that prints
//! results and errors for people.
//!
//! Exit status (SPEC §6): 0 success; 1 content or template errors; 2 usage
//! or configuration errors (clap exits with 2 for usage errors itself).

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{build, BuildOptions, Error};

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
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the parsed command; returns the process exit status.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Build(args) => run_build(args),
    }
}

fn run_build(args: BuildArgs) -> i32 {
    if let Some(jobs) = args.jobs {
        // Only fails if a pool exists already, which cannot happen here.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build_global();
    }
    let opts = BuildOptions {
        root: args.root,
        output: args.output,
        drafts: args.drafts,
        offline: args.offline,
        base_url: args.base_url,
        full: args.full,
    };
    match build(&opts) {
        Ok(report) => {
            let mut err = std::io::stderr().lock();
            for w in &report.warnings {
                let _ = writeln!(err, "{w}");
            }
            if !args.quiet {
                let _ = writeln!(
                    err,
                    "built {} pages ({} rendered) into {} in {:.2}s ({} files written, {} unchanged)",
                    report.pages,
                    report.rendered,
                    report.output.display(),
                    report.elapsed.as_secs_f64(),
                    report.stats.written,
                    report.stats.unchanged,
                );
            }
            0
        }
        Err(e) => report_error(&e),
    }
}

/// Prints an error for people and returns its exit status.
fn report_error(e: &Error) -> i32 {
    let _ = std::io::stderr().lock().write_all(e.report().as_bytes());
    e.exit_code()
}
