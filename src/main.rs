//! The `arshif` binary: parses arguments and hands over to the library.

use clap::Parser;

fn main() {
    let cli = arshif::cli::Cli::parse();
    std::process::exit(arshif::cli::run(cli));
}
