//! `arshif init`: a skeleton (site.toml, one article, the default theme built
//! into the binary) that builds, and that never replaces an existing site.

use std::fs;

use crate::support::{assert_same_tree, run_arshif, snapshot};

#[test]
fn init_makes_a_site_that_builds_and_checks_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run_arshif(tmp.path(), &["init", "my-archive"]);
    r.success();
    let root = tmp.path().join("my-archive");
    for file in [
        "site.toml",
        "themes/default/templates/base.html",
        "themes/default/templates/article.html",
        "themes/default/static/style.css",
    ] {
        assert!(root.join(file).is_file(), "{file} is missing");
    }
    // The theme comes from the binary, byte for byte the repository's.
    assert_eq!(
        fs::read(root.join("themes/default/static/style.css")).unwrap(),
        fs::read(crate::support::repo_root().join("themes/default/static/style.css")).unwrap()
    );

    let r = run_arshif(tmp.path(), &["build", "--root", "my-archive"]);
    r.success();
    assert!(root.join("public/index.html").is_file());
    let articles: Vec<String> = crate::support::files_under(&root.join("content"));
    assert_eq!(articles.len(), 1, "{articles:?}");

    let r = run_arshif(tmp.path(), &["check", "--root", "my-archive"]);
    r.success();
    r.stderr_has("check: 0 errors, 0 warnings");
}

#[test]
fn init_refuses_an_existing_site() {
    let tmp = tempfile::tempdir().unwrap();
    run_arshif(tmp.path(), &["init", "site"]).success();
    fs::write(tmp.path().join("site/site.toml"), "title = \"موقعي\"\n").unwrap();
    let before = snapshot(&tmp.path().join("site"));
    let r = run_arshif(tmp.path(), &["init", "site"]);
    r.exit(2);
    r.stderr_has("there is a site here already");
    assert_same_tree(
        &before,
        &snapshot(&tmp.path().join("site")),
        "a refused init",
    );
}

#[test]
fn init_writes_nothing_into_a_folder_with_one_of_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("notes");
    fs::create_dir_all(dir.join("themes/default")).unwrap();
    fs::write(dir.join("themes/default/README.md"), "my own notes\n").unwrap();
    let before = snapshot(&dir);
    let r = run_arshif(tmp.path(), &["init", "notes"]);
    r.exit(2);
    r.stderr_has("themes/default/README.md: error: this file exists already");
    assert_same_tree(&before, &snapshot(&dir), "a refused init");
}
