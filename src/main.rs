//! The `arshif` binary: parses arguments and hands over to the library.

use clap::Parser;

/// mimalloc, through [`arshif::memory::Allocator`].
#[global_allocator]
static GLOBAL: arshif::memory::Allocator = arshif::memory::Allocator;

fn main() {
    arshif::memory::without_huge_pages();
    let cli = arshif::cli::Cli::parse();
    arshif::memory::exit(arshif::cli::run(cli));
}
