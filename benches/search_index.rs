//! Times the parts of a full build's search index on a corpus of
//! `benches/compare.sh` (generated, or with `VOCABULARY=news`), one after
//! the other on one thread, in memory: the analysis of each article
//! ([`arshif::search::extract`]: folding, words, stems, positions), routing
//! its records to the shards' buffers, building the shards, and making
//! their files' bytes. Nothing is written.
//!
//! The index is about half of a full build's own work (README, "Where the
//! time goes"), and a build mixes it with the pages it renders meanwhile:
//! this says which of its parts a change to it moves, in a few seconds.
//!
//! ```text
//! cargo bench --bench search_index -- CORPUS [ROUNDS]
//! ```
//!
//! `CORPUS` is a site folder (its `site.toml` and `content/`). Each round
//! prints each part's time; compare the medians of a change with those of
//! the code before it, run in turns (these machines are noisy).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use arshif::config::Config;
use arshif::content::{self, LoadOptions};
use arshif::search::analyze::FoldedWords;
use arshif::search::shard::{self, Layout, ShardBuffer};
use arshif::search::{extract, DocEntry};

/// The build's allocator, so that the parts allocate as they do in a build.
#[global_allocator]
static ALLOCATOR: arshif::memory::Allocator = arshif::memory::Allocator;

fn main() {
    // As the build runs (see `arshif::memory`): fresh memory in 4 KiB pages.
    arshif::memory::without_huge_pages();
    // `cargo bench` passes `--bench` to every bench target.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(root) = args.first().map(PathBuf::from) else {
        eprintln!("usage: cargo bench --bench search_index -- CORPUS [ROUNDS]");
        std::process::exit(2);
    };
    let rounds = match args.get(1).map(|r| r.parse::<usize>()) {
        None => 5,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("ROUNDS must be a positive number");
            std::process::exit(2);
        }
    };
    let articles = match load(&root) {
        Ok(articles) => articles,
        Err(e) => {
            eprintln!("{}: {e}", root.display());
            std::process::exit(1);
        }
    };
    // The words `extract` analyzes, found as it finds them.
    let words: usize = articles
        .iter()
        .map(|(title, html)| {
            let text = arshif::search::index::html_text(html);
            FoldedWords::new(title).word_count() + FoldedWords::new(&text).word_count()
        })
        .sum();
    println!("{} articles, {words} words", articles.len());
    println!("round  analysis  routing  shards  files  (seconds; analysis also in ns a word)");
    for round in 1..=rounds {
        let (entries, analysis) = timed(|| {
            articles
                .iter()
                .map(|(title, html)| extract(title, html))
                .collect::<Vec<DocEntry>>()
        });
        let layout = Layout::new(entries.len());
        let (buffers, routing) = timed(|| route(&entries, layout));
        let (shards, building) = timed(|| {
            buffers
                .into_iter()
                .map(|b| b.finish(Vec::new()))
                .collect::<Vec<_>>()
        });
        let (bytes, files) = timed(|| {
            (0u32..)
                .zip(&shards)
                .flat_map(|(slot, s)| shard::files(&layout.names(slot), s))
                .map(|(_, bytes)| bytes.len())
                .sum::<usize>()
        });
        println!(
            "{round:>5}  {:>8.3}  {:>7.3}  {:>6.3}  {:>5.3}  ({:.1} ns a word; {} shards, {bytes} bytes)",
            analysis.as_secs_f64(),
            routing.as_secs_f64(),
            building.as_secs_f64(),
            files.as_secs_f64(),
            analysis.as_nanos() as f64 / words.max(1) as f64,
            shards.len(),
        );
    }
}

/// Each article's title and body HTML, in path order, as a full build
/// loads and renders them (for a site served over HTTP).
fn load(root: &Path) -> Result<Vec<(String, String)>, String> {
    let config = Config::load(root).map_err(|e| e.to_string())?;
    let options = LoadOptions {
        drafts: false,
        offline: false,
    };
    let content = content::load(root, &config, options).map_err(|e| e.to_string())?;
    let articles = content
        .articles
        .iter()
        .map(|a| {
            let html = content::body_html(root, a, &config, false).map_err(|d| d.to_string())?;
            Ok((a.front.title.to_string(), html))
        })
        .collect::<Result<Vec<_>, String>>()?;
    if articles.is_empty() {
        return Err("no articles in content/".into());
    }
    Ok(articles)
}

/// Each article's keys with their fields and positions, put in the buffer
/// of its shard, as a full build routes them.
fn route(entries: &[DocEntry], layout: Layout) -> Vec<ShardBuffer> {
    let mut buffers: Vec<ShardBuffer> = (0..layout.slots())
        .map(|_| ShardBuffer::default())
        .collect();
    for (doc, entry) in (0u32..).zip(entries) {
        let mut lists = arshif::search::index::PositionReader::new(&entry.positions);
        for (key, &fields) in entry.keys.split(' ').zip(&entry.fields) {
            let positions = lists.next_list();
            buffers[layout.slot(key, doc) as usize].push(key, doc, fields, positions);
        }
    }
    buffers
}

/// `f`'s result and how long it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}
