//! Any text as the one article of a site: front matter, Markdown, the site
//! model and every page of the default theme, minified. Never a panic, no
//! template error on a valid site, no output path outside the output.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use arshif::fuzzing::Pipeline;
use libfuzzer_sys::fuzz_target;

fn pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Pipeline::new(&repo).expect("the repository's default theme loads")
    })
}

fuzz_target!(|text: &str| {
    pipeline().render_article(text);
});
