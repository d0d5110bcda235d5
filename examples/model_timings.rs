//! Times the stages before rendering, related coverage above all, on a
//! site folder: `cargo run --release --example model_timings -- SITE_DIR`.
//! Prints each stage's duration and the process's resident memory after it
//! ([`arshif::memory::resident`]).

use std::time::Instant;

fn main() -> Result<(), arshif::Error> {
    let root = std::env::args().nth(1).unwrap_or_else(|| ".".into()).into();
    let opts = arshif::BuildOptions {
        root,
        ..Default::default()
    };
    let config = arshif::load_config(&opts)?;
    let t = Instant::now();
    let content = arshif::content::load(&opts.root, &config, Default::default())?;
    println!(
        "content: {:.3} s, resident {}",
        t.elapsed().as_secs_f64(),
        arshif::memory::resident()
    );
    let t = Instant::now();
    let mut site = arshif::Site::build_unrelated(config, content)?;
    println!(
        "model: {:.3} s, resident {}",
        t.elapsed().as_secs_f64(),
        arshif::memory::resident()
    );
    let t = Instant::now();
    site.link_related(None);
    println!(
        "related coverage of {} articles: {:.3} s, resident {}",
        site.articles.len(),
        t.elapsed().as_secs_f64(),
        arshif::memory::resident()
    );
    let listed: usize = site.articles.iter().map(|a| a.related.len()).sum();
    println!("related links: {listed}");
    Ok(())
}
