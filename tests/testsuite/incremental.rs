//! Incremental builds: with the previous output and its cache in place, a
//! build reads only changed files and renders only pages whose inputs
//! changed, and its output is byte for byte the output of a full build from
//! scratch: after adding, editing and deleting stories, after editing a term
//! file, a template or site.toml.

use std::fs;

use crate::support::{assert_same_tree, file_ids, run_arshif, snapshot, BuildResult, SiteTest};

/// Countries and actors the generated stories name, some in two spellings.
const COUNTRIES: &[&str] = &[
    "سوريا",
    "روسيا",
    "فرنسا",
    "تركيا",
    "لبنان",
    "الأردن",
    "العراق",
    "إيران",
];
const ACTORS: &[&str] = &[
    "نظام الأسد",
    "نظام الاسد",
    "علي مملوك",
    "الأمم المتحدة",
    "الامم المتحدة",
    "مجلس الأمن",
    "الهلال الأحمر",
    "وزارة الخارجية الروسية",
    "الاستخبارات الروسية",
    "قوات سوريا الديمقراطية",
    "هيئة تحرير الشام",
    "الائتلاف الوطني",
    "منظمة الصحة العالمية",
    "برنامج الأغذية العالمي",
    "الدفاع المدني",
    "المرصد السوري لحقوق الإنسان",
];
const WORDS: &[&str] = &[
    "قال",
    "مصدر",
    "مطلع",
    "إن",
    "الاجتماع",
    "الذي",
    "عقد",
    "في",
    "العاصمة",
    "ناقش",
    "ملف",
    "اللاجئين",
    "والمساعدات",
    "الإنسانية",
    "وأضاف",
    "أن",
    "الوفد",
    "سيعود",
    "الأسبوع",
    "المقبل",
    "لاستكمال",
    "المباحثات",
    "حول",
    "الأوضاع",
    "الأمنية",
    "والاقتصادية",
];

/// A deterministic pseudo-random sequence (no dependency, same on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }

    /// Skewed towards the first items, as news mentions are.
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.next(n);
        let b = self.next(n);
        a.min(b)
    }
}

/// One generated story: `content/YYYY/MM/story-NNNN.md`.
fn story(rng: &mut Lcg, i: usize, count: usize) -> (String, String) {
    // Spread over 2015–2024, ids growing with the date.
    let day = i * 3650 / count;
    let (year, month, dom) = (2015 + day / 365, 1 + (day % 365) / 31 % 12, 1 + day % 28);
    let hour = rng.next(24);
    let mut countries: Vec<&str> = (0..1 + rng.next(3))
        .map(|_| COUNTRIES[rng.skewed(COUNTRIES.len())])
        .collect();
    countries.dedup();
    let mut actors: Vec<&str> = (0..rng.next(4))
        .map(|_| ACTORS[rng.skewed(ACTORS.len())])
        .collect();
    actors.dedup();
    let title: Vec<&str> = (0..4 + rng.next(6))
        .map(|_| WORDS[rng.next(WORDS.len())])
        .collect();
    let mut body = String::new();
    for _ in 0..2 + rng.next(3) {
        let words: Vec<&str> = (0..20 + rng.next(40))
            .map(|_| WORDS[rng.next(WORDS.len())])
            .collect();
        body.push_str(&words.join(" "));
        body.push_str(".\n\n");
    }
    let path = format!("content/{year}/{month:02}/story-{i:04}.md");
    let text = format!(
        "---\ntitle: {} {i}\ndate: {year}-{month:02}-{dom:02}T{hour:02}:00:00+03:00\ncategory: {}\ncountries: [{}]\nactors: [{}]\n---\n{body}",
        title.join(" "),
        ["السياسة", "الاقتصاد", "حقوق الإنسان"][rng.next(3)],
        countries.join(", "),
        actors.join(", "),
    );
    (path, text)
}

/// A site of `count` generated stories, with a term file.
fn corpus(count: usize) -> SiteTest {
    let site = SiteTest::with_config("title = \"أرشيف\"\nbase_url = \"https://example.org/\"\n");
    let mut rng = Lcg(7);
    for i in 0..count {
        let (path, text) = story(&mut rng, i, count);
        site.write_file(&path, &text);
    }
    site.write_file(
        "content/countries/syria.md",
        "---\nname: سوريا\nslug: syria\naliases: [سورية]\n---\nبلد في المشرق.\n",
    );
    site
}

/// The number of pages a build rendered, from its summary line.
fn rendered(result: &BuildResult) -> usize {
    let line = result
        .stderr
        .lines()
        .find(|l| l.starts_with("built "))
        .unwrap_or_else(|| panic!("no summary line in:\n{}", result.stderr));
    let (_, rest) = line.split_once("s (").expect("counts in parentheses");
    rest.split(' ')
        .next()
        .unwrap()
        .parse()
        .expect("rendered count")
}

/// Builds `site` from scratch into a folder of its own and asserts that the
/// incremental output is byte for byte the same.
fn assert_same_as_full(site: &mut SiteTest, what: &str) {
    let incremental = snapshot(site.output());
    let output = site.output().to_path_buf();
    site.set_output("full");
    let _ = fs::remove_dir_all(site.output());
    site.build_with(&["--full"]).success();
    let full = snapshot(site.output());
    let _ = fs::remove_dir_all(site.output());
    site.set_output(output.file_name().unwrap().to_str().unwrap());
    assert_same_tree(&full, &incremental, what);
}

/// An incremental build, with how it wrote the search index: what the
/// `ARSHIF_TIMINGS` line of the search index's stage says in brackets,
/// `updated: 1 documents analyzed, 40 of 64 shards built` or `in full: …`.
fn build_timed(site: &SiteTest) -> (BuildResult, String) {
    let result = site.build_with_env(&[], &[("ARSHIF_TIMINGS", "1")]);
    result.success();
    let search = result
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("timing: "))
        .find_map(|l| l.split_once("search index (").map(|(_, report)| report))
        .and_then(|l| l.split_once("): "))
        .map(|(report, _)| report.to_string())
        .unwrap_or_else(|| panic!("no search index timing in:\n{}", result.stderr));
    (result, search)
}

/// How many shards the search index's report (see [`build_timed`]) says
/// were built.
fn shards_built(search: &str) -> usize {
    search
        .split_once(" of ")
        .and_then(|(before, _)| before.rsplit(", ").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no shard count in {search:?}"))
}

/// A build that holds much memory leaves its freeing to a process that
/// shares it (see `memory::exit`), which ends once the build has exited:
/// none is left running, none keeps a file of the build's open after it,
/// and the build's status is its own.
#[test]
fn a_large_build_leaves_no_process_behind() {
    let site = corpus(2000);
    // The build's environment, which a process sharing its memory shares.
    let mark = format!("holder-test-{}", std::process::id());
    let result = site.build_with_env(&[], &[("ARSHIF_TIMINGS", "1"), ("ARSHIF_TEST_MARK", &mark)]);
    result.success();
    // Large enough for the holder (32 MiB), or this test tests nothing.
    let resident_kb: u64 = result
        .stderr
        .lines()
        .filter_map(|l| l.split_once("(resident ").map(|(_, r)| r))
        .filter_map(|r| r.split_once(" kB").and_then(|(kb, _)| kb.parse().ok()))
        .next_back()
        .unwrap_or_else(|| panic!("no resident memory in:\n{}", result.stderr));
    assert!(resident_kb > 40 << 10, "{resident_kb} kB resident");
    let marked = || -> Vec<String> {
        let needle = format!("ARSHIF_TEST_MARK={mark}");
        fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            })
            .filter(|e| {
                fs::read(e.path().join("environ"))
                    .is_ok_and(|env| env.split(|&b| b == 0).any(|v| v == needle.as_bytes()))
            })
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let left = marked();
        if left.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running after the build: {left:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Nor is a file the build was given (as `serve` holds the socket it
    // listens on) open anywhere once the build has exited: a pipe given to
    // it as descriptor 3 reads as ended as soon as its status is known.
    let mut ends = [0; 2];
    // SAFETY: a new pipe, whose two descriptors this test owns.
    assert_eq!(
        unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) },
        0
    );
    let [read, write] = ends;
    let mut build = std::process::Command::new(crate::support::arshif_bin());
    build
        .args(["build", "--full", "--quiet", "--root"])
        .arg(site.root())
        .arg("--output")
        .arg(site.output());
    // SAFETY: `dup2` is async-signal-safe; the copy it makes as descriptor
    // 3 is not closed on exec, so the build has it.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut build, move || {
            match libc::dup2(write, 3) {
                3 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    let status = build.status().expect("run the arshif binary");
    // SAFETY: this test's own descriptor, closed once.
    unsafe { libc::close(write) };
    assert!(status.success(), "{status}");
    let mut byte = [0u8; 1];
    // SAFETY: reads into a buffer of one byte; the read end is this
    // test's, made non-blocking so that a pipe still open fails the test
    // instead of hanging it.
    let read_back = unsafe {
        libc::fcntl(read, libc::F_SETFL, libc::O_NONBLOCK);
        let n = libc::read(read, byte.as_mut_ptr().cast(), 1);
        libc::close(read);
        n
    };
    assert_eq!(read_back, 0, "the pipe given to the build is still open");
    // A failed build's status is its own as well.
    site.write_file("content/2024/12/broken.md", "---\ntitle: [\n---\nنص.\n");
    site.build_with(&["--full"]).exit(1);
}

#[test]
fn incremental_builds_equal_full_builds_on_2000_stories() {
    let mut site = corpus(2000);
    let first = site.build();
    first.success();
    let pages = rendered(&first);
    assert!(pages > 2000, "{pages} pages");

    // A new story, the newest, naming terms as other stories do: the search
    // index is updated, not built anew, and only in its tail (the newest
    // stories' shards): the base's shards are kept as they are.
    let before = file_ids(site.output());
    site.write_file(
        "content/2024/12/new-story.md",
        "---\ntitle: خبر جديد عن سوريا\ndate: 2024-12-30T09:00:00+03:00\ncountries: [سوريا, لبنان]\nactors: [علي مملوك]\n---\nنص الخبر الجديد عن المفاوضات.\n",
    );
    let (added, search) = build_timed(&site);
    let changed = rendered(&added);
    assert!(
        changed * 50 < pages,
        "a new story re-rendered {changed} of {pages} pages"
    );
    assert!(
        search.starts_with("updated: 1 documents analyzed"),
        "adding a story: search index {search}"
    );
    let after = file_ids(site.output());
    let rewritten: Vec<&String> = after
        .iter()
        .filter(|&(path, id)| path.starts_with("search/") && before.get(path) != Some(id))
        .map(|(path, _)| path)
        .collect();
    assert!(
        rewritten.iter().any(|p| p.starts_with("search/kt/")),
        "no tail shard rewritten: {rewritten:?}"
    );
    assert!(
        !rewritten
            .iter()
            .any(|p| p.starts_with("search/k/") || p.starts_with("search/p/")),
        "base shards rewritten: {rewritten:?}"
    );
    assert_same_as_full(&mut site, "after adding a story");
    assert!(site.read("index.html").contains("خبر جديد عن سوريا"));

    // A story's body edited in the middle of the archive: updated too. The
    // new paragraph comes first, so that every place of the story's words
    // moves: the lists of the commonest words (in more than 1,024 stories)
    // change there, before their first skip, which moves with them; then a
    // story past that skip is edited the same way, its lists read from it.
    let mut edited = Vec::new();
    let mut moved_all = 0;
    for (i, seed) in [(1000, 99), (1700, 7)] {
        let (path, text) = story(&mut Lcg(seed), i, 2000);
        assert!(site.root().join(&path).exists(), "{path}");
        let body = text.find("\n---\n").expect("front matter") + 5;
        let text = format!(
            "{}فقرة مضافة عن الهدنة.\n\n{}",
            &text[..body],
            &text[body..]
        );
        site.write_file(&path, &text);
        let (_, search) = build_timed(&site);
        assert!(
            search.starts_with("updated: 1 documents analyzed"),
            "editing story {i}: search index {search}"
        );
        assert_same_as_full(&mut site, &format!("after editing story {i}'s body"));
        edited.push((path, text));
        moved_all = shards_built(&search);
    }

    // The second story edited again, its words left in their places: a
    // paragraph added at its end, then one word changed. Only the shards
    // whose records of it changed are read and written again (the hashes of
    // the others' groups are as they were): far fewer than when every word
    // moved, and at most the old word's and the new one's for a word.
    let (path, text) = edited.pop().expect("the second story");
    let text = format!("{text}\nفقرة أخيرة عن المفاوضات في الدوحة.\n");
    site.write_file(&path, &text);
    let (_, search) = build_timed(&site);
    let appended = shards_built(&search);
    assert!(
        search.starts_with("updated: 1 documents analyzed") && appended * 2 < moved_all,
        "a paragraph added at the end: search index {search}, {moved_all} shards when every word moved"
    );
    assert_same_as_full(&mut site, "after adding a paragraph at the end of a story");
    site.write_file(&path, &text.replacen("الهدنة", "التهدئة", 1));
    let (_, search) = build_timed(&site);
    assert!(
        search.starts_with("updated: 1 documents analyzed")
            && (1..=2).contains(&shards_built(&search)),
        "a word changed: search index {search}"
    );
    assert_same_as_full(&mut site, "after changing a word of a story");
    let (path, text) = edited.swap_remove(0);

    // A new spelling of a term (its tag words change for every story naming
    // it), an edited title, a deleted story in the middle (renumbering the
    // newer ones), and a term file giving a new name that shows on every
    // page naming the term: the index is built anew.
    site.write_file(
        "content/2024/12/newer-story.md",
        "---\ntitle: خبر جديد عن سورية\ndate: 2024-12-31T09:00:00+03:00\ncountries: [سورية, لبنان]\nactors: [علي مملوك]\n---\nنص الخبر الجديد.\n",
    );
    site.write_file(&path, &text.replacen("title: ", "title: عنوان معدل ", 1));
    let (deleted, _) = story(&mut Lcg(0), 100, 2000);
    site.remove_file(&deleted);
    site.write_file(
        "content/countries/syria.md",
        "---\nname: الجمهورية العربية السورية\nslug: syria\naliases: [سورية, سوريا]\n---\nبلد.\n",
    );
    let (edited, search) = build_timed(&site);
    assert!(rendered(&edited) > 100);
    assert!(search.starts_with("in full"), "search index {search}");
    assert!(site.read("index.html").contains("خبر جديد عن سورية"));
    assert_same_as_full(
        &mut site,
        "after editing and deleting stories and renaming a term",
    );
    // content/YYYY/MM/story-0100.md was YYYY/MM/story-0100/index.html.
    let page = deleted
        .trim_start_matches("content/")
        .replace(".md", "/index.html");
    assert!(
        !site.has(&page),
        "the deleted story's page {page} is still there"
    );

    // Enough new stories for the home list to gain a full page (2001 → 2020
    // stories, 20 a page): the pagers of the pages near the newest end show
    // one more page number.
    for day in 1..=19 {
        site.write_file(
            &format!("content/2025/01/later-{day:02}.md"),
            &format!("---\ntitle: خبر لاحق {day}\ndate: 2025-01-{day:02}T09:00:00+03:00\ncountries: [لبنان]\n---\nنص.\n"),
        );
    }
    site.build().success();
    assert_same_as_full(&mut site, "after the home list gained a page");

    // Enough new stories for the search index's tail to move on (2,020 →
    // 2,048 stories: with 32 shards it starts at a multiple of 16, 2,016
    // then 2,048, where it is empty; one more story would double the
    // shards): the tail hands its stories over to the base, and the index
    // is still updated, not built anew.
    use arshif::search::shard::Layout;
    assert_eq!(Layout::new(2020).tail_start, 2016);
    let layout = Layout::new(2048);
    assert_eq!((layout.shards, layout.tail_start), (32, 2048));
    for day in 1..=28 {
        site.write_file(
            &format!("content/2025/03/later-{day:02}.md"),
            &format!("---\ntitle: خبر آخر {day}\ndate: 2025-03-{day:02}T09:00:00+03:00\ncountries: [سوريا]\n---\nنص عن سوريا.\n"),
        );
    }
    // And a story the tail hands over is edited in the same build, every
    // word but one changed: it is analyzed again, not taken from the tail.
    site.write_file(
        "content/2025/01/later-10.md",
        "---\ntitle: نبأ معدل 10\ndate: 2025-01-10T09:00:00+03:00\ncountries: [لبنان]\n---\nتفاصيل الهدنة.\n",
    );
    let (_, search) = build_timed(&site);
    assert!(
        search.starts_with("updated: 29 documents analyzed"),
        "the tail moving on: search index {search}"
    );
    assert_same_as_full(&mut site, "after the search index's tail moved on");

    // The newest story deleted right after: the tail moves back (to 2,032),
    // and the base hands its newest stories back to it, still an update.
    assert_eq!(Layout::new(2047).tail_start, 2032);
    let newest = fs::read_to_string(site.root().join("content/2025/03/later-28.md")).unwrap();
    site.remove_file("content/2025/03/later-28.md");
    let (_, search) = build_timed(&site);
    assert!(
        search.starts_with("updated: 0 documents analyzed"),
        "the tail moving back: search index {search}"
    );
    assert_same_as_full(&mut site, "after the search index's tail moved back");
    site.write_file("content/2025/03/later-28.md", &newest);
    let (_, search) = build_timed(&site);
    assert!(
        search.starts_with("updated: 1 documents analyzed"),
        "the tail moving on again: search index {search}"
    );
    assert_same_as_full(&mut site, "after the search index's tail moved on again");

    // A term's file gives it a new slug: its pages move, and the links and
    // search filters of every story naming it change.
    site.write_file(
        "content/countries/syria.md",
        "---\nname: الجمهورية العربية السورية\nslug: syrian-republic\naliases: [سورية, سوريا]\n---\nبلد.\n",
    );
    site.build().success();
    assert_same_as_full(&mut site, "after a term's slug changed");

    // Nothing changed: nothing rendered, nothing rewritten.
    let before = file_ids(site.output());
    let noop = site.build();
    noop.success();
    assert_eq!(rendered(&noop), 0, "{}", noop.stderr);
    assert_eq!(
        before,
        file_ids(site.output()),
        "a no-op build rewrote files"
    );
}

/// An article page's fingerprint counts its title, language, folder, body
/// and other front matter through its teaser's fingerprint, which holds the
/// hash of the article's file: an edit of any one of them alone reaches the
/// page.
#[test]
fn an_edit_of_any_one_part_of_a_story_reaches_its_page() {
    let mut site = corpus(30);
    let template = site.root().join("themes/default/templates/article.html");
    let text = fs::read_to_string(&template).unwrap();
    let heading = "<h1>{{ page.title }}</h1>";
    assert!(text.contains(heading), "the article template changed");
    let with_mood =
        heading.to_string() + "<p>mood: {{ page.extra.mood | default(value=\"\") }}</p>";
    fs::write(&template, text.replacen(heading, &with_mood, 1)).unwrap();
    let story = |title: &str, lang: &str, mood: &str, body: &str| {
        format!(
            "---\ntitle: {title}\ndate: 2024-06-15T09:00:00+03:00\nlang: {lang}\nmood: {mood}\ncountries: [سوريا]\n---\n{body}\n"
        )
    };
    let path = "content/2024/06/mine.md";
    let page = "2024/06/mine/index.html";
    site.write_file(path, &story("عنوان أول", "ar", "calm", "نص أول."));
    site.build().success();
    // Each edit changes one part of the story as the edit before left it.
    for (edit, [title, lang, mood, body], shown) in [
        ("title", ["عنوان ثان", "ar", "calm", "نص أول."], "عنوان ثان"),
        (
            "lang",
            ["عنوان ثان", "en", "calm", "نص أول."],
            "lang=\"en\"",
        ),
        (
            "extra",
            ["عنوان ثان", "en", "tense", "نص أول."],
            "mood: tense",
        ),
        ("body", ["عنوان ثان", "en", "tense", "نص ثان."], "نص ثان."),
    ] {
        site.write_file(path, &story(title, lang, mood, body));
        let result = site.build();
        result.success();
        assert!(rendered(&result) > 0, "{edit}: {}", result.stderr);
        let html = site.read(page);
        assert!(html.contains(shown), "{edit}: {shown} not in {html}");
        assert_same_as_full(&mut site, &format!("after an edit of the {edit} alone"));
    }
}

/// A story added to a month re-renders as many pages whether or not its
/// year has other months: their pages do not show the year's count, so
/// they stay as they are.
#[test]
fn a_story_added_to_a_month_leaves_the_years_other_months_alone() {
    let added = |months: &[u32]| {
        let site = SiteTest::with_config("title = \"أرشيف\"\n");
        let story = |month: u32, day: u32| {
            site.write_file(
                &format!("content/2024/{month:02}/story-{day}.md"),
                &format!(
                    "---\ntitle: خبر {month} {day}\ndate: 2024-{month:02}-{day:02}\n---\nنص.\n"
                ),
            );
        };
        for &month in months {
            story(month, 10);
        }
        site.build().success();
        story(3, 20);
        let result = site.build();
        result.success();
        rendered(&result)
    };
    assert_eq!(added(&[1, 2, 3]), added(&[3]));
}

#[test]
fn templates_and_site_toml_re_render_everything() {
    let mut site = corpus(60);
    let first = site.build();
    first.success();
    let pages = rendered(&first);

    let base = site.root().join("themes/default/templates/article.html");
    let template = fs::read_to_string(&base).unwrap();
    site.write_file(
        "themes/default/templates/article.html",
        &template.replacen("{% block content %}", "{% block content %}<p>تجربة</p>", 1),
    );
    let (themed, search) = build_timed(&site);
    assert_eq!(rendered(&themed), pages);
    assert!(site.read("2015/01/story-0000/index.html").contains("تجربة"));
    // The pages are rendered from the cached articles, and the search
    // index, which no template shapes, is kept.
    assert!(
        search.starts_with("updated: 0 documents analyzed, 0 of"),
        "{search}"
    );
    assert_same_as_full(&mut site, "after a template change");

    site.write_file(
        "site.toml",
        "title = \"أرشيف آخر\"\nbase_url = \"https://example.org/\"\n",
    );
    let retitled = site.build();
    retitled.success();
    assert_eq!(rendered(&retitled), pages);
    assert!(site.read("index.html").contains("أرشيف آخر"));
    assert_same_as_full(&mut site, "after a site.toml change");
}

#[test]
fn a_theme_stylesheet_change_re_renders_no_page() {
    let mut site = corpus(30);
    site.build().success();
    let css = site.root().join("themes/default/static/style.css");
    let mut text = fs::read_to_string(&css).unwrap();
    text.push_str("\nbody { margin: 0 }\n");
    fs::write(&css, &text).unwrap();
    let again = site.build();
    again.success();
    assert_eq!(rendered(&again), 0, "{}", again.stderr);
    assert_eq!(site.read("style.css"), text);
    assert_same_as_full(&mut site, "after a stylesheet change");
}

/// An editor's lock, swap and backup files are not read, in a theme or in
/// content/: Emacs keeps `.#base.html`, a link to nowhere, while base.html
/// is open, and `style.css~` after saving it. The build goes on, publishes
/// none of them, and re-renders nothing for them.
#[test]
fn hidden_and_backup_files_are_not_read() {
    let mut site = corpus(20);
    site.build().success();
    let theme = site.root().join("themes/default");
    std::os::unix::fs::symlink(
        "writer@host.4242:1700000000",
        theme.join("templates/.#base.html"),
    )
    .unwrap();
    site.write_file("themes/default/templates/.base.html.swp", "{% if %}");
    // A hidden template is not loaded: this one does not parse.
    site.write_file("themes/default/templates/.old/article.html", "{% if %}");
    site.write_file("themes/default/static/.#style.css", "lock");
    site.write_file("themes/default/static/.cache/x.css", "body{}");
    site.write_file("themes/default/static/style.css~", "body{}");
    site.write_file("themes/default/static/#style.css#", "body{}");
    site.write_file("themes/default/static/style.css.tmp", "body{}");
    // An old copy of a story is not published beside it, nor a scratch
    // copy of a photo.
    site.write_file("content/2024/01/old-story.md~", "---\ntitle: x\n---\n");
    site.write_file("content/2024/01/#old-story.md#", "---\ntitle: x\n---\n");
    site.write_file("content/media/photo.jpg~", "jpeg");
    let again = site.build();
    again.success();
    assert_eq!(rendered(&again), 0, "{}", again.stderr);
    for hidden in [
        ".#style.css",
        ".cache/x.css",
        ".#base.html",
        ".base.html.swp",
        ".old/article.html",
        "style.css~",
        "#style.css#",
        "style.css.tmp",
        "2024/01/old-story.md~",
        "2024/01/#old-story.md#",
        "media/photo.jpg~",
    ] {
        assert!(!site.has(hidden), "{hidden} was published");
    }
    assert_same_as_full(&mut site, "with hidden and backup files");
    // A template that does not parse is still named, not the lock file.
    site.write_file("themes/default/templates/404.html", "{% if %}");
    site.build()
        .exit(1)
        .stderr_has("themes/default/templates/404.html:1:");
}

#[test]
fn a_theme_that_drops_its_search_page_or_gains_one() {
    let mut site = corpus(30);
    site.build().success();
    assert!(site.has("search/index.js"));
    let page = site.root().join("themes/default/templates/search.html");
    let template = fs::read_to_string(&page).unwrap();
    fs::remove_file(&page).unwrap();
    site.build().success();
    assert!(!site.output().join("search").exists(), "the index is gone");
    assert_same_as_full(&mut site, "after the search page was dropped");
    fs::write(&page, template).unwrap();
    let (_, search) = build_timed(&site);
    assert!(search.starts_with("in full"), "{search}");
    assert!(site.has("search/index.js"));
    assert_same_as_full(&mut site, "after the search page came back");
}

#[test]
fn the_cache_serves_whichever_way_the_site_folder_is_named() {
    let site = corpus(30);
    site.build().success();
    // The same site and output, named from inside the site folder.
    let output = site.output().to_string_lossy().into_owned();
    let again = run_arshif(site.root(), &["build", "--root", ".", "--output", &output]);
    again.success();
    assert_eq!(rendered(&again), 0, "{}", again.stderr);
}

#[test]
fn a_term_type_reaches_the_json_ld_of_its_articles() {
    // Article pages are fingerprinted by what their JSON-LD is made of, not
    // by the JSON-LD itself: a term's schema.org type must be among it.
    let mut site = corpus(30);
    site.build().success();
    site.write_file(
        "content/countries/syria.md",
        "---\nname: سوريا\nslug: syria\naliases: [سورية]\ntype: AdministrativeArea\n---\nبلد في المشرق.\n",
    );
    let again = site.build();
    again.success();
    assert!(rendered(&again) > 0);
    assert_same_as_full(&mut site, "after giving a term a type");
}

#[test]
fn a_cache_for_another_output_is_not_trusted() {
    let mut site = corpus(30);
    site.build().success();
    // The output replaced behind arshif's back: a full build follows.
    fs::remove_dir_all(site.output()).unwrap();
    fs::create_dir(site.output()).unwrap();
    let again = site.build();
    again.success();
    assert!(rendered(&again) > 30);
    assert!(site.has("index.html"));
    assert_same_as_full(&mut site, "after the output was replaced");
}

#[test]
fn warnings_show_again_on_incremental_builds() {
    let site = corpus(5);
    site.write_file(
        "content/2020/01/commas.md",
        "---\ntitle: فاصلة\ndate: 2020-01-01\ncountries: سوريا، لبنان, الأردن\n---\nنص.\n",
    );
    // Old enough for the cache to trust its size and mtime.
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(site.root().join("content/2020/01/commas.md"))
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    for _ in 0..2 {
        let r = site.build();
        r.success();
        assert!(
            r.stderr.contains("commas.md") && r.stderr.contains("one name containing a comma"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn drafts_are_taken_from_the_cache_like_articles() {
    let site = corpus(5);
    let draft = "content/2020/01/draft.md";
    let text = "---\ntitle: مسودة\ndate: 2020-01-01\ndraft: true\n---\nنص لم يُنشر.\n";
    site.write_file(draft, text);
    // Old enough for the cache to trust its size and mtime.
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let age = |path: &str| {
        fs::File::options()
            .write(true)
            .open(site.root().join(path))
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
    };
    age(draft);
    site.build().success();
    // The same size and mtime, other bytes: a build that read the file
    // again would fail on its date. One that trusts the cache, as it does
    // for published articles, does not read it.
    let broken = text.replace("2020-01-01", "2020-13-01");
    assert_eq!(broken.len(), text.len());
    site.write_file(draft, &broken);
    age(draft);
    let r = site.build();
    r.success();
    assert!(!site.has("2020/01/draft/index.html"));
    // With --full the cache is not used, and the error shows.
    site.build_with(&["--full"]).exit(1);
}

/// How many times [`told`] was called.
static TOLD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The `before_patching` of [`only_builds_that_patch_are_told_so_beforehand`].
fn told() {
    TOLD.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

#[test]
fn only_builds_that_patch_are_told_so_beforehand() {
    let site = SiteTest::seed();
    let build = |full: bool| {
        arshif::build(&arshif::BuildOptions {
            root: site.root().to_path_buf(),
            output: Some(site.output().to_path_buf()),
            full,
            before_patching: Some(told),
            ..Default::default()
        })
        .expect("the seed site builds");
        TOLD.load(std::sync::atomic::Ordering::SeqCst)
    };
    assert_eq!(build(false), 0, "a first build was told it patches");
    assert_eq!(build(false), 1, "a rebuild was not told it patches");
    assert_eq!(build(true), 1, "a full build was told it patches");
    fs::remove_dir_all(site.output()).unwrap();
    assert_eq!(
        build(false),
        1,
        "a build whose output was deleted was told it patches"
    );
    assert_eq!(build(false), 2, "a rebuild was not told it patches");
    let template = site.root().join("themes/default/templates/404.html");
    let text = fs::read_to_string(&template).unwrap();
    fs::write(&template, text + "\n").unwrap();
    assert_eq!(
        build(false),
        2,
        "a build with another template was told it patches"
    );
}
