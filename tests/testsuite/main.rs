//! arshif's integration tests: one binary, one module per feature.
//!
//! Every test runs the real `arshif` binary on a site in a temp folder (see
//! [`support::SiteTest`]): the seed fixture (`tests/fixtures/seed`), a small
//! fixture beside the feature's module (`tests/testsuite/<feature>/…`), a site
//! written inline, or the demo site (the repository itself, built into a temp
//! folder). The browser and HTML-validator tests drive Node scripts in
//! `tests/browser/` (run `npm ci` there first; `.ci/run` does).
//!
//! Run them with `cargo test`; one module with `cargo test --test testsuite terms::`.

mod browser;
mod build;
mod check;
mod errors;
mod faults;
mod feeds;
mod hostile;
mod incremental;
mod init;
mod links;
mod messages;
mod metadata;
mod new;
mod output;
mod properties;
mod related;
mod search;
mod serve;
mod support;
mod teasers;
mod terms;
mod theme;
mod vnu;
