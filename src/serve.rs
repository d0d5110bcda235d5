//! `arshif serve`: build, serve the output over HTTP on localhost, rebuild on
//! every change to `content/`, `themes/` or `site.toml`, and reload open tabs.
//!
//! * The site is built with [`crate::build`] into a folder of its own under
//!   the OS temp dir (`arshif-serve-<hash of the site path>`), never into the
//!   publisher's `public/`; it is kept between runs so that builds can reuse
//!   it. Each rebuild calls [`crate::build`] again with the same folder,
//!   which re-renders only what changed and swaps the output in atomically,
//!   so a failed rebuild leaves the last good build served.
//! * HTTP is tiny_http, on `127.0.0.1` unless `--bind` says otherwise. Only
//!   files inside the output are served: the path is percent-decoded and any
//!   `..`, `.`, backslash, NUL or control character is refused, and the file
//!   found must still lie inside the output once symlinks are resolved.
//! * Live reload: HTML pages get a small script at serve time only (never in
//!   `arshif build` output). It long-polls `/__arshif/poll?since=<build id>`,
//!   which answers `{"id": …, "error": …}` when the build id changes: the
//!   page reloads after a good build and shows the error text over the page
//!   after a failed one.
//! * Changes are watched with notify, debounced here (a burst of events is
//!   one rebuild); Ctrl-C stops it cleanly.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, SocketAddr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::check::percent_decode;
use crate::config::CONFIG_FILE;
use crate::content::CONTENT_DIR;
use crate::error::{Diagnostic, Error, Result};
use crate::{build, load_config, BuildOptions, BuildReport};

/// What `arshif serve` was asked to do.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port (the address is told through [`Event::Listening`]).
    pub port: u16,
    pub drafts: bool,
}

/// What the server tells the command line, which prints it.
#[derive(Debug)]
pub enum Event<'a> {
    /// Listening at this address, serving this output folder.
    Listening { addr: SocketAddr, output: &'a Path },
    /// A build succeeded (`changed`: the files that triggered it; empty for the first).
    Built {
        report: &'a BuildReport,
        changed: &'a [PathBuf],
    },
    /// A build failed; the previous build is still served.
    Failed {
        error: &'a Error,
        changed: &'a [PathBuf],
    },
    /// Stopped by Ctrl-C.
    Stopped,
}

/// The last build, as the browser sees it.
struct State {
    /// Goes up by one after every build attempt.
    id: u64,
    /// The failed build's report, or `None` after a good build.
    error: Option<String>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    stop: AtomicBool,
    output: PathBuf,
}

enum Msg {
    Changed(Vec<PathBuf>),
    Stop,
}

/// The path under which the live-reload endpoint is served.
pub const POLL_PATH: &str = "/__arshif/poll";

/// How long the files must be quiet before a rebuild starts.
const QUIET: Duration = Duration::from_millis(120);

/// How long a poll waits for a new build before answering anyway.
const POLL_WAIT: Duration = Duration::from_secs(25);

/// The output folder `serve` uses for the site at `root` (absolute).
pub fn output_dir(root: &Path) -> PathBuf {
    let mut h = DefaultHasher::new();
    root.hash(&mut h);
    std::env::temp_dir().join(format!("arshif-serve-{:016x}", h.finish()))
}

/// Runs the server until Ctrl-C. Only a configuration error at the start,
/// a port that cannot be bound or a watcher that cannot start are errors;
/// content errors are reported through `on_event` and shown in the browser.
pub fn serve(opts: &ServeOptions, on_event: &mut dyn FnMut(Event<'_>)) -> Result<()> {
    let root = opts
        .root
        .canonicalize()
        .map_err(|e| Error::io(&opts.root, e))?;
    let probe = BuildOptions {
        root: root.clone(),
        ..Default::default()
    };
    load_config(&probe)?;

    let server = tiny_http::Server::http(SocketAddr::new(opts.bind, opts.port)).map_err(|e| {
        Error::Config(vec![Diagnostic::error(
            "--port",
            format!("cannot listen on {}:{}: {e}", opts.bind, opts.port),
        )
        .with_hint("choose another port with --port, e.g. --port 1112")])
    })?;
    let addr = server
        .server_addr()
        .to_ip()
        .unwrap_or(SocketAddr::new(opts.bind, opts.port));
    let server = Arc::new(server);
    let output = output_dir(&root);
    let build_opts = BuildOptions {
        root: root.clone(),
        output: Some(output.clone()),
        drafts: opts.drafts,
        offline: false,
        base_url: Some(format!("http://{addr}/")),
        full: false,
        progress: None,
        // A long-running process: it keeps its default (see `memory`).
        before_patching: None,
    };
    let shared = Arc::new(Shared {
        state: Mutex::new(State { id: 0, error: None }),
        changed: Condvar::new(),
        stop: AtomicBool::new(false),
        output: output.clone(),
    });

    let (tx, rx) = mpsc::channel::<Msg>();
    let ctrlc_tx = tx.clone();
    ctrlc::set_handler(move || {
        let _ = ctrlc_tx.send(Msg::Stop);
    })
    .map_err(|e| Error::io(&root, std::io::Error::other(e)))?;
    let watcher = watch(&root, tx)?;

    rebuild(&build_opts, &shared, &[], &root, on_event);
    on_event(Event::Listening {
        addr,
        output: &output,
    });

    let workers: Vec<_> = (0..4)
        .map(|_| {
            let server = Arc::clone(&server);
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || accept(&server, &shared))
        })
        .collect();

    while let Ok(msg) = rx.recv() {
        let Msg::Changed(mut paths) = msg else { break };
        // Debounce: an editor's save is often several events; rebuild once
        // the files have been quiet for a moment.
        let mut stop = false;
        while let Ok(more) = rx.recv_timeout(QUIET) {
            match more {
                Msg::Changed(p) => paths.extend(p),
                Msg::Stop => {
                    stop = true;
                    break;
                }
            }
        }
        if stop {
            break;
        }
        let mut changed: Vec<PathBuf> = paths.iter().filter_map(|p| relevant(&root, p)).collect();
        changed.sort();
        changed.dedup();
        if !changed.is_empty() {
            rebuild(&build_opts, &shared, &changed, &root, on_event);
        }
    }

    shared.stop.store(true, Ordering::SeqCst);
    shared.changed.notify_all();
    drop(watcher);
    for w in workers {
        let _ = w.join();
    }
    on_event(Event::Stopped);
    Ok(())
}

/// Builds once and publishes the outcome to open tabs.
fn rebuild(
    opts: &BuildOptions,
    shared: &Shared,
    changed: &[PathBuf],
    root: &Path,
    on_event: &mut dyn FnMut(Event<'_>),
) {
    let result = build(opts);
    let error = match &result {
        Ok(report) => {
            on_event(Event::Built { report, changed });
            None
        }
        Err(error) => {
            on_event(Event::Failed { error, changed });
            Some(error.report_in(Some(root)))
        }
    };
    if let Ok(mut state) = shared.state.lock() {
        state.id += 1;
        state.error = error;
    }
    shared.changed.notify_all();
}

/// Watches content/, themes/ and the site folder itself (for site.toml,
/// which editors often replace rather than write in place). Reads (the
/// build's own) are not changes; everything else is sent on `tx`.
fn watch(root: &Path, tx: mpsc::Sender<Msg>) -> Result<notify::RecommendedWatcher> {
    let watch_error = |e: notify::Error| {
        Error::io(
            root,
            std::io::Error::other(format!("cannot watch for changes: {e}")),
        )
    };
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if !matches!(event.kind, notify::EventKind::Access(_)) {
                let _ = tx.send(Msg::Changed(event.paths));
            }
        }
    })
    .map_err(watch_error)?;
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(watch_error)?;
    for dir in [CONTENT_DIR, "themes"] {
        let dir = root.join(dir);
        if dir.is_dir() {
            watcher
                .watch(&dir, RecursiveMode::Recursive)
                .map_err(watch_error)?;
        }
    }
    Ok(watcher)
}

/// The changed file relative to the site, if a build reads it: anything in
/// content/ or themes/ but the files a build leaves out
/// ([`crate::content::left_out`]), and site.toml.
fn relevant(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let hidden = rel
        .components()
        .any(|c| crate::content::left_out(c.as_os_str().as_bytes()));
    let read = match first {
        CONTENT_DIR | "themes" => rel.components().count() > 1 || path.is_dir(),
        CONFIG_FILE => true,
        _ => false,
    };
    (read && !hidden).then(|| rel.to_path_buf())
}

/// A worker: answers requests until the server stops.
fn accept(server: &tiny_http::Server, shared: &Arc<Shared>) {
    while !shared.stop.load(Ordering::SeqCst) {
        match server.recv_timeout(Duration::from_millis(300)) {
            Ok(Some(request)) => {
                if request.url().starts_with(POLL_PATH) {
                    // A poll waits for the next build: give it its own thread.
                    let shared = Arc::clone(shared);
                    std::thread::spawn(move || poll(request, &shared));
                } else {
                    respond(request, shared);
                }
            }
            Ok(None) => {}
            Err(_) => break,
        }
    }
}

fn header(name: &str, value: &str) -> Option<tiny_http::Header> {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn send<R: std::io::Read>(request: tiny_http::Request, mut response: tiny_http::Response<R>) {
    if let Some(h) = header("Cache-Control", "no-store") {
        response.add_header(h);
    }
    // The browser may have gone away; nothing to do about it.
    let _ = request.respond(response);
}

fn text(status: u16, body: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut r = tiny_http::Response::from_string(body).with_status_code(status);
    if let Some(h) = header("Content-Type", "text/plain; charset=utf-8") {
        r.add_header(h);
    }
    r
}

/// Answers a live-reload poll: at once if the build id differs from
/// `since`, else when the next build is done (or after [`POLL_WAIT`]).
fn poll(request: tiny_http::Request, shared: &Shared) {
    let since: Option<u64> = request
        .url()
        .split_once("since=")
        .and_then(|(_, v)| v.split('&').next()?.parse().ok());
    let Ok(guard) = shared.state.lock() else {
        return send(request, text(500, "the server is stopping"));
    };
    let waited = shared.changed.wait_timeout_while(guard, POLL_WAIT, |s| {
        since == Some(s.id) && !shared.stop.load(Ordering::SeqCst)
    });
    let Ok((state, _)) = waited else {
        return send(request, text(500, "the server is stopping"));
    };
    let body = serde_json::json!({ "id": state.id, "error": state.error }).to_string();
    drop(state);
    let mut r = tiny_http::Response::from_string(body);
    if let Some(h) = header("Content-Type", "application/json") {
        r.add_header(h);
    }
    send(request, r);
}

/// Serves one file of the output.
fn respond(request: tiny_http::Request, shared: &Shared) {
    if !matches!(
        request.method(),
        tiny_http::Method::Get | tiny_http::Method::Head
    ) {
        return send(request, text(405, "only GET and HEAD"));
    }
    let url = request.url().to_string();
    let Some(rel) = safe_path(&url) else {
        return send(
            request,
            text(400, "refused: this path could leave the site"),
        );
    };
    let output = &shared.output;
    let mut path = output.join(&rel);
    if path.is_dir() {
        let path_part = url.split(['?', '#']).next().unwrap_or("/");
        if !path_part.ends_with('/') {
            // Relative links need the trailing slash.
            let mut r = text(301, "moved");
            if let Some(h) = header("Location", &format!("{path_part}/")) {
                r.add_header(h);
            }
            return send(request, r);
        }
        path.push("index.html");
    }
    let inside = match (path.canonicalize(), output.canonicalize()) {
        (Ok(file), Ok(out)) => file.starts_with(out) && file.is_file(),
        _ => false,
    };
    if !inside {
        let page = std::fs::read(output.join("404.html")).unwrap_or_else(|_| b"not found".to_vec());
        let body = inject(&page, shared);
        let mut r = tiny_http::Response::from_data(body).with_status_code(404);
        if let Some(h) = header("Content-Type", "text/html; charset=utf-8") {
            r.add_header(h);
        }
        return send(request, r);
    }
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(_) => return send(request, text(404, "not found")),
    };
    let kind = content_type(&path);
    let body = if kind.starts_with("text/html") {
        inject(&bytes, shared)
    } else {
        bytes
    };
    let mut r = tiny_http::Response::from_data(body);
    if let Some(h) = header("Content-Type", kind) {
        r.add_header(h);
    }
    send(request, r);
}

/// The file path (relative to the output) a request-target names, or `None`
/// when it could leave the output: after percent-decoding, no `.` or `..`
/// segment, backslash, NUL or other control character, and no drive letter.
pub fn safe_path(url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next()?;
    if !path.starts_with('/') {
        return None;
    }
    let decoded = String::from_utf8(percent_decode(path)?).ok()?;
    if decoded.contains('\\') || decoded.chars().any(char::is_control) {
        return None;
    }
    let mut rel = PathBuf::new();
    for seg in decoded.split('/') {
        match seg {
            "" => {}
            "." | ".." => return None,
            s if s.contains(':') => return None,
            s => rel.push(crate::arabic::nfc(s)),
        }
    }
    Some(rel)
}

/// The live-reload script, added to an HTML page as it is served.
fn inject(page: &[u8], shared: &Shared) -> Vec<u8> {
    let (id, error) = match shared.state.lock() {
        Ok(s) => (s.id, s.error.clone()),
        Err(_) => (0, None),
    };
    let error = serde_json::Value::from(error)
        .to_string()
        .replace("</", "<\\/");
    let script = format!(
        "<script>/* arshif serve: live reload, only while serving */{}</script>",
        LIVE_RELOAD
            .replace("__ID__", &id.to_string())
            .replace("__ERROR__", &error)
            .replace("__POLL__", POLL_PATH)
    );
    let text = String::from_utf8_lossy(page);
    let mut out = text.into_owned();
    match out.rfind("</body>") {
        Some(i) => out.insert_str(i, &script),
        None => out.push_str(&script),
    }
    out.into_bytes()
}

/// Polls for new builds; reloads after a good one, shows the error of a bad one.
const LIVE_RELOAD: &str = r#"(()=>{let id=__ID__;const show=e=>{let d=document.getElementById("arshif-error");if(!e){if(d)d.remove();return}if(!d){d=document.createElement("pre");d.id="arshif-error";d.dir="ltr";d.style.cssText="position:fixed;inset:0;margin:0;padding:1.5em;overflow:auto;z-index:2147483647;background:#200;color:#fff;font:14px/1.5 monospace;white-space:pre-wrap;text-align:left";document.documentElement.appendChild(d)}d.textContent="arshif serve: the last change does not build; the page shows the previous build.\n\n"+e};const poll=()=>fetch("__POLL__?since="+id,{cache:"no-store"}).then(r=>r.json()).then(s=>{if(s.id!==id){if(!s.error){location.reload();return}id=s.id;show(s.error)}poll()},()=>setTimeout(poll,1000));show(__ERROR__);poll()})();"#;

/// The Content-Type of a served file, from its extension.
fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_paths_stay_inside() {
        assert_eq!(safe_path("/"), Some(PathBuf::new()));
        assert_eq!(
            safe_path("/2020/10/x/?q=1#a"),
            Some(PathBuf::from("2020/10/x"))
        );
        assert_eq!(
            safe_path("/countries/%D8%B3%D9%88%D8%B1%D9%8A%D8%A7/"),
            Some(PathBuf::from("countries/سوريا"))
        );
        for bad in [
            "/../etc/passwd",
            "/a/../../etc/passwd",
            "/..%2f..%2fetc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/%2E%2E%5Cwindows",
            "/a\\..\\b",
            "/a%00b",
            "/./x",
            "/c:/x",
            "/%zz",
            "/%ff%fe",
            "relative",
        ] {
            assert_eq!(safe_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_files_builds_read_trigger_rebuilds() {
        let root = Path::new("/site");
        let r = |p: &str| relevant(root, Path::new(p));
        assert_eq!(
            r("/site/content/2020/10/x.md"),
            Some(PathBuf::from("content/2020/10/x.md"))
        );
        assert_eq!(r("/site/site.toml"), Some(PathBuf::from("site.toml")));
        assert!(r("/site/themes/default/templates/base.html").is_some());
        assert_eq!(r("/site/content/2020/10/.x.md.swp"), None);
        assert_eq!(r("/site/content/2020/10/x.md~"), None);
        assert_eq!(r("/site/content/2020/10/#x.md#"), None);
        assert_eq!(r("/site/themes/default/static/style.css~"), None);
        assert_eq!(r("/site/public/index.html"), None);
        assert_eq!(r("/site/README.md"), None);
    }

    #[test]
    fn the_script_goes_before_the_end_of_body() {
        let shared = Shared {
            state: Mutex::new(State {
                id: 7,
                error: Some("bad </script> date".into()),
            }),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            output: PathBuf::new(),
        };
        let page =
            String::from_utf8(inject(b"<html><body><p>x</p></body></html>", &shared)).unwrap();
        assert!(page.ends_with("</script></body></html>"), "{page}");
        assert!(page.contains("let id=7;"));
        assert!(page.contains(r#"show("bad <\/script> date")"#), "{page}");
        let page = String::from_utf8(inject(b"<p>x", &shared)).unwrap();
        assert!(page.starts_with("<p>x<script>"));
    }
}
