//! The test harness: a site in a temporary folder, built by the real binary.
//!
//! [`SiteTest`] copies a fixture site (or starts from nothing) into a fresh
//! temp folder, makes the repository's `themes/` available to it, and runs
//! `arshif build` (the binary cargo built for this test run) on it, writing
//! the output to a folder of its own next to the site:
//!
//! ```ignore
//! let site = SiteTest::seed();
//! site.build().success();
//! let page = site.page("2020/10/russia-france-security/index.html");
//! assert_eq!(page.text_of("h1").unwrap(), "…");
//! site.write_file("content/2020/11/x.md", "---\ntitle: …");
//! site.build_with(&["--offline"]).success();
//! ```
//!
//! Besides the builder: [`Page`], a parsed HTML page (tags, attributes and
//! text, via the `html5gum` tokenizer, so minified markup with unquoted
//! attributes reads the same as any other); [`resolve`], which turns a
//! relative link of a page into the output file it means; tree snapshots for
//! "nothing changed" assertions; and [`require_tools`], which decides whether
//! a test that needs Node, Chromium or Java runs, skips loudly, or (under
//! `CI=true`) fails.

#![allow(dead_code)] // Not every test module uses every helper.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use tempfile::TempDir;

/// The repository: the demo site, and home of `themes/` and the fixtures.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/testsuite/`: per-feature fixture folders live beside their module.
pub fn testsuite_dir() -> PathBuf {
    repo_root().join("tests").join("testsuite")
}

/// `tests/browser/`: the Node scripts and their `node_modules`.
pub fn browser_dir() -> PathBuf {
    repo_root().join("tests").join("browser")
}

/// The `arshif` binary under test.
pub fn arshif_bin() -> &'static str {
    env!("CARGO_BIN_EXE_arshif")
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct BuildResult {
    /// The exit status (`-1` when killed by a signal).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for BuildResult {
    fn from(out: std::process::Output) -> BuildResult {
        BuildResult {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl BuildResult {
    /// Asserts exit status 0, showing what the binary printed otherwise.
    #[track_caller]
    pub fn success(&self) -> &Self {
        self.exit(0)
    }

    /// Asserts the given exit status.
    #[track_caller]
    pub fn exit(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "expected exit status {code}, got {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Asserts that stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr should contain {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    /// The `--format json` document on stdout, asserting that nothing went
    /// to stderr.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        assert!(
            self.stderr.is_empty(),
            "json goes to stdout only: {}",
            self.stderr
        );
        serde_json::from_str(&self.stdout).expect("stdout is JSON")
    }

    /// The lines of stderr that are error headlines (`path:line:col: error: …`).
    pub fn error_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.contains(": error: "))
            .collect()
    }
}

/// Runs `arshif <args…>` in `dir`.
pub fn run_arshif(dir: &Path, args: &[&str]) -> BuildResult {
    let out = Command::new(arshif_bin())
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .output()
        .expect("run the arshif binary");
    BuildResult::from(out)
}

/// A site in a temp folder plus its output folder.
pub struct SiteTest {
    /// Holds `site/` and `public/` (the site's own root may be elsewhere).
    tmp: TempDir,
    root: PathBuf,
    output: PathBuf,
    /// False for the demo site, which is the repository itself.
    writable: bool,
}

impl SiteTest {
    /// An empty site folder (with the repository's themes) and no site.toml.
    pub fn empty() -> SiteTest {
        let tmp = tempfile::Builder::new()
            .prefix("arshif-test-")
            .tempdir()
            .expect("create a temp folder");
        let root = tmp.path().join("site");
        let output = tmp.path().join("public");
        fs::create_dir_all(root.join("content")).unwrap();
        copy_dir(&repo_root().join("themes"), &root.join("themes"));
        SiteTest {
            tmp,
            root,
            output,
            writable: true,
        }
    }

    /// A copy of `dir` (a site folder holding site.toml and content/); the
    /// repository's `themes/` is added where the fixture brings none.
    pub fn copy_of(dir: &Path) -> SiteTest {
        assert!(
            dir.join("site.toml").is_file(),
            "fixture {} has no site.toml",
            dir.display()
        );
        let site = SiteTest::empty();
        if dir.join("themes").is_dir() {
            fs::remove_dir_all(site.root.join("themes")).unwrap();
        }
        copy_dir(dir, &site.root);
        site
    }

    /// A copy of the fixture `tests/testsuite/<rel>`.
    pub fn from_dir(rel: &str) -> SiteTest {
        SiteTest::copy_of(&testsuite_dir().join(rel))
    }

    /// A copy of the seed fixture `tests/fixtures/seed` (the article of
    /// `shared/seeds/zaitun-article.txt`, with front matter).
    pub fn seed() -> SiteTest {
        SiteTest::copy_of(&repo_root().join("tests").join("fixtures").join("seed"))
    }

    /// The demo site: `--root` is the repository itself (never written to),
    /// the output a temp folder.
    pub fn demo() -> SiteTest {
        let tmp = tempfile::Builder::new()
            .prefix("arshif-demo-")
            .tempdir()
            .expect("create a temp folder");
        let output = tmp.path().join("public");
        SiteTest {
            tmp,
            root: repo_root(),
            output,
            writable: false,
        }
    }

    /// A copy of the demo site (30 articles, five to a list page: lists
    /// one to four folders deep) in a temp folder, to change.
    pub fn demo_copy() -> SiteTest {
        let site = SiteTest::empty();
        copy_dir(&repo_root().join("content"), &site.root().join("content"));
        fs::copy(repo_root().join("site.toml"), site.root().join("site.toml")).unwrap();
        site
    }

    /// A site with the given site.toml and nothing else yet.
    pub fn with_config(site_toml: &str) -> SiteTest {
        let site = SiteTest::empty();
        site.write_file("site.toml", site_toml);
        site
    }

    /// The site folder (`--root`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The output folder (`--output`).
    pub fn output(&self) -> &Path {
        &self.output
    }

    /// The temp folder that holds the site copy and the output.
    pub fn tmp(&self) -> &Path {
        self.tmp.path()
    }

    /// Sends the next builds to another output folder (inside the temp folder).
    pub fn set_output(&mut self, name: &str) -> &mut Self {
        self.output = self.tmp.path().join(name);
        self
    }

    /// `arshif build --root <site> --output <output>`.
    pub fn build(&self) -> BuildResult {
        self.build_with(&[])
    }

    /// `arshif build --root <site> --output <output> <args…>`.
    pub fn build_with(&self, args: &[&str]) -> BuildResult {
        self.build_with_env(args, &[])
    }

    /// [`build_with`](Self::build_with) with more environment variables.
    pub fn build_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> BuildResult {
        let out = Command::new(arshif_bin())
            .arg("build")
            .arg("--root")
            .arg(&self.root)
            .arg("--output")
            .arg(&self.output)
            .args(args)
            .current_dir(self.tmp.path())
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .output()
            .expect("run the arshif binary");
        BuildResult::from(out)
    }

    /// `arshif <command> --root site <args…>`, run in the temp folder, so
    /// that messages show paths relative to it.
    pub fn run(&self, command: &str, args: &[&str]) -> BuildResult {
        let mut all = vec![command, "--root"];
        let root = self.root.to_string_lossy().into_owned();
        all.push(&root);
        all.extend_from_slice(args);
        run_arshif(self.tmp.path(), &all)
    }

    /// Writes (or replaces) a file of the site, creating its folders.
    pub fn write_file(&self, rel: &str, contents: &str) -> &Self {
        assert!(
            self.writable,
            "the demo site is the repository: never write to it"
        );
        let path = self.root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        self
    }

    /// Replaces the first `from` in a file of the site by `to`; the file
    /// must hold `from`.
    pub fn replace_in(&self, rel: &str, from: &str, to: &str) -> &Self {
        let text =
            fs::read_to_string(self.root.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"));
        assert!(text.contains(from), "{rel} does not hold {from:?}");
        self.write_file(rel, &text.replacen(from, to, 1))
    }

    /// Removes a file of the site.
    pub fn remove_file(&self, rel: &str) -> &Self {
        assert!(
            self.writable,
            "the demo site is the repository: never write to it"
        );
        let path = self.root.join(rel);
        fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
        self
    }

    /// The path of an output file.
    pub fn out_path(&self, rel: &str) -> PathBuf {
        self.output.join(rel)
    }

    /// Whether the output has this file.
    pub fn has(&self, rel: &str) -> bool {
        self.out_path(rel).is_file()
    }

    /// The text of an output file.
    #[track_caller]
    pub fn read(&self, rel: &str) -> String {
        let path = self.out_path(rel);
        fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "read {}: {e}\noutput has:\n{}",
                path.display(),
                html_files(&self.output).join("\n")
            )
        })
    }

    /// An output page, parsed.
    #[track_caller]
    pub fn page(&self, rel: &str) -> Page {
        Page::parse(rel, &self.read(rel))
    }

    /// Every `.html` file of the output, relative, sorted.
    pub fn html_files(&self) -> Vec<String> {
        html_files(&self.output)
    }
}

/// Copies a folder recursively (files and folders only).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.unwrap();
        let ty = entry.file_type().unwrap();
        let target = to.join(entry.file_name());
        if ty.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if ty.is_file() {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir`, as `/`-separated paths relative to it, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    walk(dir, "", &mut |rel, is_dir| {
        if !is_dir {
            out.push(rel.to_string());
        }
    });
    out.sort();
    out
}

/// Every `.html` file under `dir`, relative, sorted.
pub fn html_files(dir: &Path) -> Vec<String> {
    files_under(dir)
        .into_iter()
        .filter(|f| f.ends_with(".html"))
        .collect()
}

fn walk(dir: &Path, prefix: &str, f: &mut dyn FnMut(&str, bool)) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.map(|e| e.unwrap()).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        // symlink_metadata: a link is reported as what it is, never followed.
        let ty = entry.file_type().unwrap();
        f(&rel, ty.is_dir());
        if ty.is_dir() {
            walk(&entry.path(), &rel, f);
        }
    }
}

/// One entry of a [`Tree`] snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Dir,
    File(Vec<u8>),
}

/// Everything under a folder: each path with its kind and bytes.
pub type Tree = BTreeMap<String, Entry>;

/// Snapshots a folder: every folder and every file's bytes.
pub fn snapshot(dir: &Path) -> Tree {
    let mut tree = Tree::new();
    walk(dir, "", &mut |rel, is_dir| {
        let entry = if is_dir {
            Entry::Dir
        } else {
            Entry::File(fs::read(dir.join(rel)).unwrap())
        };
        tree.insert(rel.to_string(), entry);
    });
    tree
}

/// Writes a snapshot out as the folder `dir`.
pub fn restore(tree: &Tree, dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    // In path order, a folder comes before what it holds.
    for (rel, entry) in tree {
        let path = dir.join(rel);
        match entry {
            Entry::Dir => fs::create_dir(&path).unwrap(),
            Entry::File(bytes) => fs::write(&path, bytes).unwrap(),
        }
    }
}

/// Asserts that two snapshots are equal, naming the paths that differ.
#[track_caller]
pub fn assert_same_tree(before: &Tree, after: &Tree, what: &str) {
    if before == after {
        return;
    }
    let mut diffs = Vec::new();
    for (path, entry) in before {
        match after.get(path) {
            None => diffs.push(format!("removed: {path}")),
            Some(e) if e != entry => diffs.push(format!("changed: {path}")),
            Some(_) => {}
        }
    }
    for path in after.keys() {
        if !before.contains_key(path) {
            diffs.push(format!("added:   {path}"));
        }
    }
    panic!("{what}: the trees differ:\n{}", diffs.join("\n"));
}

/// Identity of a file on disk: inode and modification time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileId {
    pub inode: u64,
    pub mtime: SystemTime,
}

/// The [`FileId`] of every file under `dir`.
pub fn file_ids(dir: &Path) -> BTreeMap<String, FileId> {
    use std::os::unix::fs::MetadataExt;
    files_under(dir)
        .into_iter()
        .map(|rel| {
            let meta = fs::metadata(dir.join(&rel)).unwrap();
            let id = FileId {
                inode: meta.ino(),
                mtime: meta.modified().unwrap(),
            };
            (rel, id)
        })
        .collect()
}

/// A start tag: its name and attributes (names lower-case, values decoded).
#[derive(Clone, Debug)]
pub struct Tag {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
}

impl Tag {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }
}

/// One token of a page.
#[derive(Clone, Debug)]
pub enum Node {
    Start(Tag),
    End(String),
    Text(String),
}

/// A parsed HTML page: its path in the output and its tokens.
#[derive(Clone, Debug)]
pub struct Page {
    /// Relative to the output folder, `/`-separated.
    pub path: String,
    pub nodes: Vec<Node>,
    /// The source, for messages.
    pub source: String,
}

/// Elements that never have an end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

impl Page {
    /// Tokenizes `html` (switching to raw text inside `<style>`/`<script>` as a
    /// browser does).
    pub fn parse(path: &str, html: &str) -> Page {
        use html5gum::{DefaultEmitter, Token, Tokenizer};
        let mut emitter = DefaultEmitter::default();
        emitter.naively_switch_states(true);
        let mut nodes = Vec::new();
        for token in Tokenizer::new_with_emitter(html, emitter) {
            let Ok(token) = token;
            match token {
                Token::StartTag(tag) => {
                    let attrs = tag
                        .attributes
                        .iter()
                        .map(|(k, v)| {
                            (
                                String::from_utf8_lossy(k).into_owned(),
                                String::from_utf8_lossy(&v.value).into_owned(),
                            )
                        })
                        .collect();
                    nodes.push(Node::Start(Tag {
                        name: String::from_utf8_lossy(&tag.name).into_owned(),
                        attrs,
                    }));
                }
                Token::EndTag(tag) => {
                    nodes.push(Node::End(String::from_utf8_lossy(&tag.name).into_owned()))
                }
                Token::String(s) => {
                    nodes.push(Node::Text(String::from_utf8_lossy(&s.value).into_owned()))
                }
                _ => {}
            }
        }
        Page {
            path: path.to_string(),
            nodes,
            source: html.to_string(),
        }
    }

    /// Every start tag, in order.
    pub fn tags(&self) -> impl Iterator<Item = &Tag> {
        self.nodes.iter().filter_map(|n| match n {
            Node::Start(t) => Some(t),
            _ => None,
        })
    }

    /// The first start tag named `name`.
    pub fn first(&self, name: &str) -> Option<&Tag> {
        self.tags().find(|t| t.name == name)
    }

    /// The `<html>` element's attribute `name`.
    pub fn html_attr(&self, name: &str) -> Option<&str> {
        self.first("html").and_then(|t| t.attr(name))
    }

    /// The text inside the element that starts at node `start`.
    fn element_text(&self, start: usize) -> String {
        let Node::Start(tag) = &self.nodes[start] else {
            panic!("not a start tag")
        };
        if VOID.contains(&tag.name.as_str()) {
            return String::new();
        }
        let mut depth = 0usize;
        let mut text = String::new();
        for node in &self.nodes[start + 1..] {
            match node {
                // The end of a <p>, <li>, <dt>, <dd> implied by what follows, as in HTML.
                Node::Start(t) if depth == 0 && implied_end(&tag.name, &t.name) => break,
                Node::End(n) if depth == 0 && closed_by_parent(&tag.name, n) => break,
                Node::Start(t) if t.name == tag.name => depth += 1,
                Node::End(n) if *n == tag.name => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                Node::Text(s) => text.push_str(s),
                _ => {}
            }
        }
        text
    }

    /// The text of the first element named `name`, whitespace-trimmed.
    pub fn text_of(&self, name: &str) -> Option<String> {
        self.nodes
            .iter()
            .position(|n| matches!(n, Node::Start(t) if t.name == name))
            .map(|i| self.element_text(i).trim().to_string())
    }

    /// Each element matching `pred`, with its text (trimmed).
    pub fn elements(&self, pred: impl Fn(&Tag) -> bool) -> Vec<(Tag, String)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match n {
                Node::Start(t) if pred(t) => {
                    Some((t.clone(), self.element_text(i).trim().to_string()))
                }
                _ => None,
            })
            .collect()
    }

    /// Every `<a href>`: its href and text.
    pub fn anchors(&self) -> Vec<(String, String)> {
        self.elements(|t| t.name == "a" && t.attrs.contains_key("href"))
            .into_iter()
            .map(|(t, text)| (t.attrs["href"].clone(), text))
            .collect()
    }

    /// All the text of the page outside `<script>`, `<style>` and `<head>`.
    pub fn body_text(&self) -> String {
        let mut text = String::new();
        let mut skip = 0usize;
        for node in &self.nodes {
            match node {
                Node::Start(t)
                    if matches!(t.name.as_str(), "script" | "style" | "head" | "title") =>
                {
                    skip += 1
                }
                Node::End(n) if matches!(n.as_str(), "script" | "style" | "head" | "title") => {
                    skip = skip.saturating_sub(1)
                }
                // Minified pages leave out </head>: <body> ends it.
                Node::Start(t) if t.name == "body" => skip = 0,
                Node::Text(s) if skip == 0 => text.push_str(s),
                _ => {}
            }
        }
        text
    }

    /// The output file (a folder's `index.html`) each relative link of the page
    /// points to (see [`resolve`]), with the link's text; others are left out.
    pub fn resolved_anchors(&self) -> Vec<(String, String)> {
        self.anchors()
            .into_iter()
            .filter_map(|(href, text)| resolve(&self.path, &href).ok().map(|t| (t.file(), text)))
            .collect()
    }
}

/// Whether a start tag `next` ends an open `open` element without an end tag.
fn implied_end(open: &str, next: &str) -> bool {
    match open {
        "p" => matches!(
            next,
            "p" | "div"
                | "ul"
                | "ol"
                | "dl"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "table"
                | "section"
                | "article"
                | "header"
                | "footer"
                | "nav"
                | "blockquote"
                | "figure"
                | "aside"
                | "main"
                | "pre"
                | "hr"
                | "form"
                | "details"
                | "address"
                | "search"
        ),
        "li" => next == "li",
        "dt" | "dd" => matches!(next, "dt" | "dd"),
        _ => false,
    }
}

/// Whether the end tag `parent` ends an open `open` element without its own end tag.
fn closed_by_parent(open: &str, parent: &str) -> bool {
    match open {
        "p" => matches!(
            parent,
            "div"
                | "section"
                | "article"
                | "header"
                | "footer"
                | "main"
                | "nav"
                | "aside"
                | "li"
                | "dd"
                | "dt"
                | "td"
                | "th"
                | "blockquote"
                | "figure"
                | "body"
                | "form"
                | "details"
                | "search"
        ),
        "li" => matches!(parent, "ul" | "ol" | "menu"),
        "dt" | "dd" => parent == "dl",
        _ => false,
    }
}

/// Decodes `%XX` escapes (as UTF-8); `None` for a malformed escape.
/// The library's own decoder (`check` and `serve` use it), as text.
pub fn percent_decode(s: &str) -> Option<String> {
    String::from_utf8(arshif::check::percent_decode(s)?).ok()
}

/// Why a link could not be turned into an output path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unresolved {
    /// `http:`, `mailto:`, `#x`, `data:`…: not a file of the site.
    External,
    /// Starts with `/`: not relative.
    AbsolutePath,
    /// Climbs above the output folder with `..`.
    Escapes,
    /// A `%` escape that does not decode.
    BadEscape,
}

/// Whether a URL names a scheme (`http:`, `mailto:`…).
pub fn has_scheme(url: &str) -> bool {
    match url.find(':') {
        Some(i) => {
            let scheme = &url[..i];
            !scheme.is_empty()
                && scheme.chars().next().unwrap().is_ascii_alphabetic()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !url[..i].contains('/')
        }
        None => false,
    }
}

/// Where a relative link points inside the output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Relative to the output folder, `/`-separated; `""` is the output folder itself.
    pub path: String,
    /// Written as a folder (ends in `/`, `.` or `..`).
    pub is_dir: bool,
}

impl Target {
    /// The file a browser shows for it: a folder's `index.html`.
    pub fn file(&self) -> String {
        match (self.is_dir, self.path.is_empty()) {
            (false, _) => self.path.clone(),
            (true, true) => "index.html".to_string(),
            (true, false) => format!("{}/index.html", self.path),
        }
    }
}

/// Where a relative `url` written in the output file `from` points: the
/// path without query or fragment, percent-decoded, `.` and `..` applied.
/// The empty URL (or a query alone) is the file itself.
pub fn resolve(from: &str, url: &str) -> Result<Target, Unresolved> {
    if url.starts_with('#') || has_scheme(url) {
        return Err(Unresolved::External);
    }
    if url.starts_with('/') {
        return Err(Unresolved::AbsolutePath);
    }
    let path = url.split(['#', '?']).next().unwrap_or("");
    if path.is_empty() {
        return Ok(Target {
            path: from.to_string(),
            is_dir: false,
        });
    }
    let path = percent_decode(path).ok_or(Unresolved::BadEscape)?;
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop(); // the file's own name
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len() - 1;
    let mut is_dir = false;
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "" | "." => is_dir = is_dir || i == last,
            ".." => {
                if parts.pop().is_none() {
                    return Err(Unresolved::Escapes);
                }
                is_dir = i == last;
            }
            s => {
                parts.push(s);
                is_dir = false;
            }
        }
    }
    Ok(Target {
        path: parts.join("/"),
        is_dir,
    })
}

/// A tool a test needs from outside the Rust toolchain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// `node` on PATH.
    Node,
    /// `playwright-core` installed by `npm ci` in tests/browser.
    Playwright,
    /// Debian's Chromium at /usr/bin/chromium (or `$CHROMIUM`).
    Chromium,
    /// `java` on PATH.
    Java,
    /// vnu.jar installed by `npm ci` in tests/browser.
    VnuJar,
}

/// Finds a program on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// The Chromium binary the browser tests use.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// The Nu Html Checker's jar, from `npm ci` in tests/browser.
pub fn vnu_jar() -> PathBuf {
    browser_dir().join("node_modules/vnu-jar/build/dist/vnu.jar")
}

impl Tool {
    /// `None` when present, else what is missing and how to get it.
    fn missing(self) -> Option<String> {
        let ok = match self {
            Tool::Node => which("node").is_some(),
            Tool::Playwright => browser_dir()
                .join("node_modules/playwright-core/package.json")
                .is_file(),
            Tool::Chromium => chromium_path().is_file(),
            Tool::Java => which("java").is_some(),
            Tool::VnuJar => vnu_jar().is_file(),
        };
        if ok {
            return None;
        }
        Some(match self {
            Tool::Node => "node (Node.js) is not on PATH".into(),
            Tool::Playwright => {
                "playwright-core is not installed: run `npm ci` in tests/browser".into()
            }
            Tool::Chromium => format!(
                "Chromium is not at {} (apt-get install chromium, or set CHROMIUM)",
                chromium_path().display()
            ),
            Tool::Java => "java is not on PATH (apt-get install default-jre-headless)".into(),
            Tool::VnuJar => format!(
                "{} is missing: run `npm ci` in tests/browser",
                vnu_jar().display()
            ),
        })
    }
}

/// Whether `tools` are all present. If one is missing: under `CI=true` this
/// panics (CI never skips silently); elsewhere it prints a loud `SKIPPED:`
/// line to stderr and returns false, and the test returns early.
pub fn require_tools(test: &str, tools: &[Tool]) -> bool {
    let missing: Vec<String> = tools.iter().filter_map(|t| t.missing()).collect();
    if missing.is_empty() {
        return true;
    }
    let list = missing.join("; ");
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: needs tools that are missing, and CI=true forbids skipping: {list} (.ci/run installs them)");
    }
    // Straight to the process's stderr: the test harness captures eprintln!,
    // and a skip must be seen even when the test "passes".
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr().lock(),
        "\nSKIPPED: {test}: {list} (.ci/run installs them; under CI=true this fails)\n"
    );
    false
}

/// Runs `node tests/browser/<script> <args…>` and returns the JSON report it
/// prints, failing the test when it prints none or reports an error.
pub fn node_report(script: &str, args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let output = Command::new("node")
        .arg(browser_dir().join(script))
        .args(args)
        .current_dir(browser_dir())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON ({e}); status {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            output.status
        )
    });
    assert!(
        output.status.success() && json.get("error").is_none(),
        "{script} failed: {}\nstderr:\n{stderr}",
        json.get("error").unwrap_or(&json)
    );
    json
}

/// The step named `name` of a browser script's report.
pub fn step<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {report:#}"))
}
