//! The `arshif` binary: parses arguments and hands over to the library.

use clap::Parser;

/// glibc's allocator degrades as the heap grows with many threads: on the
/// 100,000-article corpus mimalloc halves the build (249 s → 134 s wall,
/// 358 s → 158 s user CPU, 2 cores).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    arshif::memory::for_rendering();
    let cli = arshif::cli::Cli::parse();
    std::process::exit(arshif::cli::run(cli));
}
