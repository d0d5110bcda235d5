//! `arshif serve`: serves a build on localhost, rebuilds on change, signals
//! open pages to reload, shows a broken build's error while still serving
//! the last good one, refuses every path that could leave the output, and
//! stops cleanly on Ctrl-C.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{arshif_bin, browser_dir, require_tools, SiteTest, Tool};

/// A running `arshif serve`, killed if the test fails.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Everything it printed so far.
    log: String,
    addr: String,
}

impl Server {
    fn start(site: &SiteTest) -> Server {
        let mut child = Command::new(arshif_bin())
            .args(["serve", "--port", "0", "--root"])
            .arg(site.root())
            .current_dir(site.tmp())
            // Its output and that output's build cache go to the OS temp
            // folder: the test's own, so that they go with it.
            .env("TMPDIR", site.tmp())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start arshif serve");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            lines,
            log: String::new(),
            addr: String::new(),
        };
        let line = server.wait_for("serving on http://");
        let rest = line.split("serving on http://").nth(1).unwrap();
        server.addr = rest.split('/').next().unwrap().to_string();
        let output = rest.split("(built into ").nth(1).unwrap();
        let output = PathBuf::from(output.split(')').next().unwrap());
        assert!(
            output.starts_with(site.tmp()),
            "serve built outside the test's temp folder: {}",
            output.display()
        );
        server
    }

    /// Waits (up to a minute) for a line containing `needle`; returns it.
    #[track_caller]
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.log.push_str(&line);
                    self.log.push('\n');
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("serve never printed {needle:?}; it printed:\n{}", self.log);
    }

    /// Polls the live-reload endpoint until its state satisfies `ok` (up
    /// to a minute); returns that state.
    #[track_caller]
    fn poll_until(&self, ok: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut since = "now".to_string();
        loop {
            let (status, body) = self.get(&format!("/__arshif/poll?since={since}"));
            assert_eq!(status, 200, "{body}");
            let state: serde_json::Value = serde_json::from_str(&body).expect("poll answers JSON");
            if ok(&state) {
                return state;
            }
            assert!(
                Instant::now() < deadline,
                "the build never reached the state; last {state}"
            );
            since = state["id"].to_string();
        }
    }

    /// One raw HTTP/1.1 request; returns (status, body).
    fn get(&self, target: &str) -> (u16, String) {
        raw_get(&self.addr, target)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `GET <target>` as written (no normalisation) and reads the reply.
fn raw_get(addr: &str, target: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to serve");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).expect("read the reply");
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {reply:?}"));
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The build id a served page's live-reload script starts from.
fn build_id(page: &str) -> u64 {
    let after = page
        .split("let id=")
        .nth(1)
        .expect("the live-reload script");
    after
        .split(';')
        .next()
        .unwrap()
        .parse()
        .expect("a numeric build id")
}

const ARTICLE: &str = "content/2020/10/russia-france-security.md";
const PAGE: &str = "/2020/10/russia-france-security/";

#[test]
fn serve_rebuilds_reloads_and_survives_a_broken_file() {
    let site = SiteTest::seed();
    let mut server = Server::start(&site);
    assert!(server.log.contains("built in"), "{}", server.log);

    let (status, home) = server.get("/");
    assert_eq!(status, 200);
    assert!(
        home.contains("/__arshif/poll"),
        "no live-reload script:\n{home}"
    );
    let (status, page) = server.get(PAGE);
    assert_eq!(status, 200);
    assert!(page.contains("موقع عربي يكشف"), "{page}");
    let id = build_id(&page);
    // A folder without its slash is redirected, so relative links work.
    assert_eq!(server.get("/2020/10/russia-france-security").0, 301);

    // A poll for a newer build waits; an edit answers it.
    let addr = server.addr.clone();
    let poll = std::thread::spawn(move || raw_get(&addr, &format!("/__arshif/poll?since={id}")));
    std::thread::sleep(Duration::from_millis(300));
    let original = std::fs::read_to_string(site.root().join(ARTICLE)).unwrap();
    site.write_file(
        ARTICLE,
        &original.replace("موقع عربي يكشف", "موقع عربي يكشف اليوم"),
    );
    let (status, signal) = poll.join().unwrap();
    assert_eq!(status, 200);
    let signal: serde_json::Value = serde_json::from_str(&signal).unwrap();
    assert!(
        signal["id"].as_u64().unwrap() > id,
        "a new build id: {signal}"
    );
    assert!(signal["error"].is_null(), "{signal}");
    let state = server.poll_until(|s| s["error"].is_null() && s["id"].as_u64() > Some(id));
    let (_, page) = server.get(PAGE);
    assert!(page.contains("موقع عربي يكشف اليوم"), "the edit is served");
    assert_eq!(Some(build_id(&page)), state["id"].as_u64());
    server.wait_for("russia-france-security.md changed: rebuilt in");

    // A broken file: the error in the terminal and in the reload signal
    // (which the page shows as an overlay); the last good build is served.
    site.write_file(
        ARTICLE,
        &original.replace("date: 2020-10-27T14:05:00+03:00", "date: 2020-13-27"),
    );
    server.wait_for("still serving the last good build");
    assert!(
        server
            .log
            .contains(&format!("{ARTICLE}:3:7: error: `date`")),
        "{}",
        server.log
    );
    let state = server.poll_until(|s| s["error"].is_string());
    let error = state["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("{ARTICLE}:3:7: error: `date`")),
        "{error}"
    );
    assert!(error.contains("3 | date: 2020-13-27"), "{error}");
    let (status, page) = server.get(PAGE);
    assert_eq!(status, 200);
    assert!(
        page.contains("موقع عربي يكشف اليوم"),
        "the last good build is still served"
    );
    assert!(
        page.contains("2020-13-27"),
        "a page loaded now shows the overlay at once"
    );

    // Fixed again: a good build clears the error.
    site.write_file(ARTICLE, &original);
    server.poll_until(|s| s["error"].is_null());
    let (_, page) = server.get(PAGE);
    assert!(!page.contains("موقع عربي يكشف اليوم"), "the fix is served");

    // serve never writes the publisher's public/ or the script into a build.
    assert!(!site.root().join("public").exists());
    site.build().success();
    assert!(!site
        .read("2020/10/russia-france-security/index.html")
        .contains("__arshif"));
}

#[test]
fn serve_refuses_paths_outside_the_output() {
    let site = SiteTest::seed();
    let server = Server::start(&site);
    assert!(server.log.contains("built in"), "{}", server.log);
    assert_eq!(server.get("/style.css").0, 200);
    for target in [
        "/../../../../../../etc/passwd",
        "/2020/../../../../../../etc/passwd",
        "/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/..\\..\\..\\..\\..\\..\\etc\\passwd",
        "/%5c..%5c..%5c..%5c..%5cetc%5cpasswd",
        "/index.html%00.css",
        "/./index.html",
        "/%ZZ",
    ] {
        let (status, body) = server.get(target);
        assert_eq!(status, 400, "{target} was not refused: {status}");
        assert!(!body.contains("root:"), "{target} leaked a file");
    }
    // Something missing is a 404 with the site's 404 page.
    let (status, body) = server.get("/no/such/page/");
    assert_eq!(status, 404);
    assert!(body.contains("<html"), "{body}");
}

#[test]
fn serve_stops_cleanly_on_ctrl_c() {
    let site = SiteTest::seed();
    let mut server = Server::start(&site);
    assert!(server.log.contains("built in"), "{}", server.log);
    let status = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    server.wait_for("stopped");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "serve did not exit after Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(TcpStream::connect(&server.addr).is_err(), "still listening");
}

#[test]
fn live_reload_and_the_error_overlay_in_chromium() {
    if !require_tools(
        "serve::live_reload_and_the_error_overlay_in_chromium",
        &[Tool::Node, Tool::Playwright, Tool::Chromium],
    ) {
        return;
    }
    let site = SiteTest::seed();
    let server = Server::start(&site);
    let file = site.root().join(ARTICLE);
    let original = std::fs::read_to_string(&file).unwrap();
    let broken = original.replace("date: 2020-10-27T14:05:00+03:00", "date: 2020-13-27");
    let fixed = original.replace("موقع عربي يكشف", "موقع عربي يكشف اليوم");
    let output = Command::new("node")
        .arg(browser_dir().join("livereload.mjs"))
        .arg(format!("http://{}{PAGE}", server.addr))
        .arg(&file)
        .arg(&broken)
        .arg(&fixed)
        .current_dir(browser_dir())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "livereload.mjs printed no JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert!(
        report.get("error").is_none(),
        "{report:#}\nserve said:\n{}",
        server.log
    );
    let title = |state: &str| report[state]["h1"].as_str().unwrap_or_default().to_string();
    assert!(
        title("before").starts_with("موقع عربي يكشف عن"),
        "{report:#}"
    );
    assert!(report["before"]["overlay"].is_null());
    // The broken build: the overlay shows the error over the last good page.
    let overlay = report["broken"]["overlay"].as_str().unwrap();
    assert!(
        overlay.contains(&format!("{ARTICLE}:3:7: error: `date`")),
        "{overlay}"
    );
    assert!(overlay.contains("= help: "), "{overlay}");
    assert_eq!(title("broken"), title("before"));
    // The fix: the page reloaded by itself, with the edit and no overlay.
    assert_eq!(report["fixed"]["reloaded"], true);
    assert!(
        title("fixed").starts_with("موقع عربي يكشف اليوم"),
        "{report:#}"
    );
    assert!(report["fixed"]["overlay"].is_null(), "{report:#}");
    assert_eq!(report["pageErrors"], serde_json::json!([]), "{report:#}");
}
