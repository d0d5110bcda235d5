//! Any bytes as an article file: decoded, split and typed as an article and
//! as a term file. Never a panic; every error on a line of the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    arshif::fuzzing::front_matter(data);
});
