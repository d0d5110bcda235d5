//! Faults: a build killed at any moment, a full disk, a read-only output.
//!
//! Whatever happens to a build, the output folder holds either the complete
//! previous output or the complete new one, never a mix, and the next build
//! succeeds. The killed builds run the real binary on a generated site big
//! enough that a rebuild takes a while, and are killed (SIGKILL) at moments
//! spread over its measured duration.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::support::{
    arshif_bin, assert_same_tree, copy_dir, snapshot, BuildResult, SiteTest, Tree,
};

const COUNTRIES: &[&str] = &[
    "سوريا",
    "روسيا",
    "فرنسا",
    "لبنان",
    "تركيا",
    "العراق",
    "الأردن",
    "مصر",
    "إيران",
    "ألمانيا",
];
const ACTORS: &[&str] = &[
    "نظام الأسد",
    "علي مملوك",
    "الأمم المتحدة",
    "الاتحاد الأوروبي",
    "مكتب الأمن الوطني",
    "الاستخبارات الروسية",
    "الدفاع المدني",
    "الهلال الأحمر",
];

/// Writes `n` small articles, spread over 2015–2020 (200 make a debug rebuild
/// take about a second on an idle machine). `edition` changes every
/// body and title, so a rebuild rewrites almost every page.
fn generate(site: &SiteTest, n: usize, edition: &str) {
    for i in 0..n {
        let year = 2015 + (i / 250) % 6;
        let month = 1 + (i / 21) % 12;
        let day = 1 + i % 28;
        let c1 = COUNTRIES[i % COUNTRIES.len()];
        let c2 = COUNTRIES[(i * 7 + 3) % COUNTRIES.len()];
        let actor = ACTORS[(i * 3) % ACTORS.len()];
        site.write_file(
            &format!("content/{year}/{month:02}/story-{i}.md"),
            &format!(
                "---\ntitle: خبر رقم {i} ({edition})\ndate: {year}-{month:02}-{day:02}T10:{:02}:00+03:00\ncountries: [{c1}, {c2}]\nactors: [{actor}]\n---\nقال مصدر في دمشق إن الاجتماع رقم {i} سيعقد خلال أيام ({edition}).\n\nوأضاف أن الوفد سيصل عبر بيروت.\n",
                i % 60
            ),
        );
    }
}

/// Asserts that `output` is exactly `old` or exactly `new`; says which.
/// A build over a previous output moves its files into place after it
/// commits their journal, which the next build completes first: a caller
/// whose build was killed recovers the output as the next build would
/// before calling this.
#[track_caller]
pub fn assert_old_or_new(output: &Path, old: &Tree, new: &Tree) -> &'static str {
    let now = snapshot(output);
    if &now == old {
        return "old";
    }
    if &now == new {
        return "new";
    }
    let differ = |want: &Tree| {
        now.iter().filter(|(k, v)| want.get(*k) != Some(*v)).count()
            + want.keys().filter(|k| !now.contains_key(*k)).count()
    };
    panic!(
        "the output is a mix: {} paths differ from the old output, {} from the new one ({} entries now)",
        differ(old),
        differ(new),
        now.len()
    );
}

/// Folders a build left beside the output (its staging folders), and files
/// it left in the build cache's folder that are not the cache's (its
/// temporary files), as `<cache>/<name>`.
fn leftovers(parent: &Path) -> Vec<String> {
    let names = |dir: &Path| -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let mut left = Vec::new();
    for name in names(parent) {
        // The build cache (`.<output>.arshif-cache`) belongs there, and in
        // it only its index and part files; staging and patch folders do
        // not outlive their build.
        if name.ends_with(".arshif-cache") && parent.join(&name).is_dir() {
            left.extend(
                names(&parent.join(&name))
                    .into_iter()
                    .filter(|n| n != "index" && !n.ends_with(".part"))
                    .map(|n| format!("{name}/{n}")),
            );
        } else if name.contains(".arshif-") {
            left.push(name);
        }
    }
    left
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_old_or_the_new_output() {
    let mut site = SiteTest::seed();
    generate(&site, 200, "الطبعة الأولى");
    site.set_output("old");
    site.build().success();
    let old = snapshot(site.output());
    generate(&site, 200, "الطبعة الثانية");
    site.set_output("new");
    site.build().success();
    let new = snapshot(site.output());
    assert_ne!(old, new);

    site.set_output("public");
    let output = site.output().to_path_buf();
    let none = || {
        if output.exists() {
            fs::remove_dir_all(&output).unwrap();
        }
    };
    // Over a copy of the old output (with no cache: a full build, written
    // as a patch of it)…
    let over_old = || {
        none();
        copy_dir(&site.tmp().join("old"), &output);
    };
    let outcomes = kill_builds(&site, &over_old, &old, &new, 24);
    assert!(
        outcomes.iter().any(|o| o.contains(": old")),
        "no kill landed before the commit"
    );
    // …and where there is no output yet (a staging folder renamed into
    // place): "old" is then no output at all.
    let outcomes = kill_builds(&site, &none, &Tree::new(), &new, 12);
    assert!(
        outcomes.iter().any(|o| o.contains(": old")),
        "no kill landed before the rename"
    );

    // A killed build may leave its patch or staging folder; the next build
    // clears it and succeeds.
    over_old();
    site.build().success();
    assert_same_tree(&new, &snapshot(&output), "the build after the kills");
    assert_eq!(leftovers(site.tmp()), Vec::<String>::new());
}

/// Builds `site` into its output `kills` times, each after `reset` and
/// killed (SIGKILL) at a moment spread over 0–110 % of a build's measured
/// duration: the early kills land while loading, the middle ones while
/// writing, the late ones around the commit or after it. After each, once
/// the output is recovered as the next build would first recover it (a
/// committed journal completed, an uncommitted patch dropped), the output
/// must be `old` or `new`. Returns what each kill left.
fn kill_builds(
    site: &SiteTest,
    reset: &dyn Fn(),
    old: &Tree,
    new: &Tree,
    kills: u32,
) -> Vec<String> {
    let output = site.output();
    reset();
    let started = Instant::now();
    site.build().success();
    let duration = started.elapsed();
    assert_same_tree(new, &snapshot(output), "a build after a reset");

    let mut outcomes = Vec::new();
    for i in 0..kills {
        reset();
        let delay = duration.mul_f64(1.1 * f64::from(i) / f64::from(kills - 1));
        let mut child = Command::new(arshif_bin())
            .arg("build")
            .arg("--root")
            .arg(site.root())
            .arg("--output")
            .arg(output)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run arshif");
        std::thread::sleep(delay);
        let _ = child.kill(); // a no-op when it already finished
        let status = child.wait().unwrap();
        let patch = leftovers(site.tmp())
            .into_iter()
            .find(|n| n.ends_with(".arshif-patch"));
        let committed = patch
            .as_ref()
            .is_some_and(|p| site.tmp().join(p).join("journal").exists());
        arshif::output::recover(output).unwrap();
        let outcome = assert_old_or_new(output, old, new);
        let recovered = match (patch.is_some(), committed) {
            (_, true) => ", its journal completed",
            (true, false) => ", its patch dropped",
            _ => "",
        };
        outcomes.push(format!(
            "{:>4} ms: {outcome}{recovered} ({status})",
            delay.as_millis()
        ));
    }
    eprintln!(
        "kills (a build takes {duration:?}):\n{}",
        outcomes.join("\n")
    );
    outcomes
}

/// Runs `arshif build` through `sh` with a file-size limit (in 512-byte
/// blocks) and SIGXFSZ ignored, so a write past the limit fails with EFBIG as
/// on a full disk.
fn build_with_file_limit(site: &SiteTest, blocks: u32) -> BuildResult {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {blocks} && exec \"$0\" build --root \"$1\" --output \"$2\""
        ))
        .arg(arshif_bin())
        .arg(site.root())
        .arg(site.output())
        .output()
        .expect("run sh");
    BuildResult::from(out)
}

#[test]
fn a_full_disk_fails_cleanly_and_keeps_the_old_output() {
    let site = SiteTest::seed();
    site.build().success();
    let before = snapshot(site.output());
    let beside = leftovers(site.tmp());
    // A new article whose page is far bigger than the limit.
    site.write_file(
        "content/2020/11/long.md",
        &format!(
            "---\ntitle: تقرير طويل\ndate: 2020-11-01\n---\n{}",
            "فقرة طويلة من تقرير مفصل عن الاجتماع الأمني.\n\n".repeat(2000)
        ),
    );
    let r = build_with_file_limit(&site, 64); // 32 KiB per file
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.exit(1);
    r.stderr_has("File too large");
    r.stderr_has("2020/11/long/index.html");
    assert_same_tree(
        &before,
        &snapshot(site.output()),
        "output after a full disk",
    );
    assert_eq!(
        leftovers(site.tmp()),
        beside,
        "a staging folder was left behind"
    );
    // With room again, the build succeeds.
    site.build().success();
    assert!(site.has("2020/11/long/index.html"));
}

#[test]
fn a_read_only_output_folder_fails_cleanly() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    // Root ignores permissions, so as root the build runs as `nobody` (uid
    // 65534): the check then means the same thing for every user.
    let mut site = SiteTest::seed();
    let as_root = {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(site.tmp()).unwrap().uid() == 0
    };
    site.set_output("ro/public");
    site.build().success();
    let before = snapshot(site.output());
    site.write_file(
        "content/2020/11/new.md",
        "---\ntitle: خبر جديد\ndate: 2020-11-01\n---\nنص.\n",
    );
    let chmod =
        |p: &Path, mode: u32| fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
    // `nobody` may not reach the repository's target/ (e.g. under /root):
    // run a copy of the binary from the temp folder.
    let bin = site.tmp().join("arshif-bin");
    fs::copy(arshif_bin(), &bin).unwrap();
    if as_root {
        // `nobody` must read the site and reach the output's folder.
        for entry in walk_all(site.tmp()) {
            let mode = if entry.is_dir() || entry == bin {
                0o755
            } else {
                0o644
            };
            chmod(&entry, mode);
        }
    }
    let ro = site.tmp().join("ro");
    for (what, locked) in [
        ("the output's folder", ro.clone()),
        ("the output folder", site.output().to_path_buf()),
    ] {
        chmod(&locked, 0o555);
        let mut cmd = Command::new(&bin);
        cmd.arg("build")
            .arg("--root")
            .arg(site.root())
            .arg("--output")
            .arg(site.output());
        if as_root {
            cmd.uid(65534).gid(65534);
        }
        let out = cmd.output().expect("run arshif");
        let stderr = String::from_utf8_lossy(&out.stderr);
        chmod(&locked, 0o755);
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert_eq!(out.status.code(), Some(1), "{what}: exit status\n{stderr}");
        assert!(
            stderr.contains("Permission denied") || stderr.contains("read-only"),
            "{what}: the message should say why:\n{stderr}"
        );
        assert_same_tree(&before, &snapshot(site.output()), what);
        assert_eq!(
            leftovers(&ro),
            Vec::<String>::new(),
            "{what}: staging left behind"
        );
    }
    site.build().success();
    assert!(site.has("2020/11/new/index.html"));
}

/// Every folder and file under `dir`, the folder itself included.
fn walk_all(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    if dir.is_dir() {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if fs::symlink_metadata(&p).unwrap().is_dir() {
                out.extend(walk_all(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
