//! Any text through every slug constructor and both folds: slugs are one
//! safe path segment and stable, folds are idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    arshif::fuzzing::slugs_and_folds(text);
});
