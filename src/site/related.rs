//! Related coverage: for each article, up to [`RELATED`] *earlier* articles
//! that share the most terms of the taxonomies marked `related` (by default
//! countries and actors), the rarer terms weighing more. Pure data.
//!
//! # Earlier only, and stable
//!
//! An article's list depends only on itself and the articles before it in
//! the site's order (date, then source path), never on later ones:
//!
//! * candidates are earlier articles only;
//! * a shared term weighs `ln(1 + n / df)`, where `n` is the number of
//!   articles up to and including this one and `df` how many of them name the
//!   term: an inverse document frequency over the *prefix* of the archive, so
//!   a later story changes neither;
//! * ties go to the more recent article (date, then source path).
//!
//! So a new story never rewrites the pages of older ones (incremental builds
//! stay small, offline copies stay valid).
//!
//! # Near-linear cost
//!
//! No all-pairs comparison. The site model already holds, per term, its
//! articles newest first (an inverted index). For each of an article's terms
//! we look back at no more than [`LOOKBACK`] of that term's earlier articles,
//! the most recent ones, and add the term's weight to each. A very common
//! term (سوريا is in most stories) thus costs at most `LOOKBACK` steps, and
//! the work per article is bounded by `terms × LOOKBACK`: linear in the
//! number of articles. The cap keeps the stability promise because "the
//! `LOOKBACK` most recent earlier articles of a term" is again defined by
//! earlier articles only. What it gives up: a much older story that shares
//! only very common terms; one that shares a rare term (few articles, all
//! within the window) is always found.
//!
//! # Reused from the previous build
//!
//! Since a list depends on the archive up to its article only, a build
//! keeps the previous build's lists (see [`Lists`]) as far from the oldest
//! article as the archive is the same: same terms, article by article. A
//! new story, or an edit that leaves an article's terms alone, computes no
//! list but its own.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use super::{Article, Taxonomy};

/// The fewest articles a thread scores with one scratch vector.
const SPLIT: usize = 2048;

/// The most related articles listed per article.
pub const RELATED: usize = 5;

/// How many of a term's earlier articles are looked at, most recent first.
pub const LOOKBACK: usize = 200;

/// Every article's list, kept by a build for the next one: counted from
/// the oldest article, with a hash of the archive up to and including it
/// (its terms in the taxonomies that count, article by article), on which
/// the list depends and nothing else. The lists are one after another in
/// one vector (100,000 small vectors were as many allocations to read back
/// from the cache, and to free).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lists {
    /// Per article, oldest first: the hash of the archive up to it.
    #[serde(with = "crate::content::compact::le")]
    prefixes: Vec<u64>,
    /// Per article, oldest first: where its list ends in `related`.
    #[serde(with = "crate::content::compact::le")]
    ends: Vec<u32>,
    /// Per article, oldest first: its related articles, counted from the
    /// oldest too (so that a newer story leaves them as they are).
    #[serde(with = "crate::content::compact::le")]
    related: Vec<u32>,
}

impl Lists {
    /// The list of the `k`-th article from the oldest; `None` past the
    /// last, or where a damaged cache gave ends out of order.
    fn list(&self, k: usize) -> Option<&[u32]> {
        let start = match k.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        let end = *self.ends.get(k)?;
        self.related.get(start as usize..end as usize)
    }
}

/// The related articles of every article (positions in the newest-first
/// list), best first, and the same as [`Lists`] for the next build.
/// `use_taxonomy[t]` says whether taxonomy `t` counts; the lists of
/// `previous` are taken as they are as far as the archive is the same.
pub fn compute(
    articles: &[Article],
    taxonomies: &[Taxonomy],
    use_taxonomy: &[bool],
    previous: Option<&Lists>,
) -> (Vec<Vec<usize>>, Lists) {
    let n = articles.len();
    let prefixes = prefix_hashes(articles, taxonomies, use_taxonomy);
    // How many articles, from the oldest, have the previous build's lists.
    // (Each list's articles are older than its own: anything else is a
    // damaged cache, and the list is computed anew.)
    let same = previous.map_or(0, |p| {
        let len = p.prefixes.len().min(p.ends.len()).min(n);
        (0..len)
            .into_par_iter()
            .position_first(|k| {
                p.prefixes[k] != prefixes[k]
                    || p.list(k).is_none_or(|l| l.iter().any(|&x| x as usize >= k))
            })
            .unwrap_or(len)
    });
    // The newest first: computed for the first n - same, taken from the
    // previous lists for the rest (each a small vector of its own in the
    // model: made in parallel).
    let mut related = fresh(articles, taxonomies, use_taxonomy, n - same);
    if let Some(p) = previous {
        related.par_extend((n - same..n).into_par_iter().map(|i| {
            p.list(n - 1 - i)
                .unwrap_or_default()
                .iter()
                .map(|&k| n - 1 - k as usize)
                .collect::<Vec<_>>()
        }));
    }
    let mut lists = Lists {
        prefixes,
        ends: Vec::with_capacity(n),
        related: Vec::with_capacity(n * RELATED),
    };
    for r in related.iter().rev() {
        lists.related.extend(r.iter().map(|&j| (n - 1 - j) as u32));
        lists.ends.push(lists.related.len() as u32);
    }
    (related, lists)
}

/// Per article, oldest first, the hash of the archive up to and including
/// it, as [`related_of`] sees it: each article's terms are hashed on their
/// own, in parallel, and the hashes chained in order.
fn prefix_hashes(articles: &[Article], taxonomies: &[Taxonomy], use_taxonomy: &[bool]) -> Vec<u64> {
    let mut hashes: Vec<u64> = articles
        .par_iter()
        .rev()
        .map(|a| terms_hash(a, taxonomies, use_taxonomy))
        .collect();
    let mut prefix = 0u64;
    for h in &mut hashes {
        let mut pair = [0u8; 16];
        pair[..8].copy_from_slice(&prefix.to_le_bytes());
        pair[8..].copy_from_slice(&h.to_le_bytes());
        prefix = xxh3_64(&pair);
        *h = prefix;
    }
    hashes
}

/// The hash of an article's terms in the taxonomies that count.
fn terms_hash(a: &Article, taxonomies: &[Taxonomy], use_taxonomy: &[bool]) -> u64 {
    let mut h = Xxh3::new();
    for (t, terms) in a.terms.iter().enumerate() {
        if use_taxonomy.get(t).copied().unwrap_or(false) {
            h.update(&(t as u32).to_le_bytes());
            for &term in terms {
                h.update(taxonomies[t].terms[term].key.as_str().as_bytes());
                h.update(&[0]);
            }
            h.update(&[0xff]);
        }
    }
    h.digest()
}

/// The lists of the newest `count` articles.
fn fresh(
    articles: &[Article],
    taxonomies: &[Taxonomy],
    use_taxonomy: &[bool],
    count: usize,
) -> Vec<Vec<usize>> {
    let n = articles.len();
    // One scratch vector of n scores per chunk of at least SPLIT articles,
    // not per rayon split: memory stays a few vectors, not thousands.
    (0..count)
        .into_par_iter()
        .with_min_len(SPLIT)
        .map_init(
            || Scratch {
                score: vec![0.0; n],
                touched: Vec::new(),
            },
            |scratch, i| related_of(i, articles, taxonomies, use_taxonomy, scratch),
        )
        .collect()
}

/// Scores of candidates for one article, reused across articles of a thread.
struct Scratch {
    score: Vec<f64>,
    touched: Vec<usize>,
}

fn related_of(
    i: usize,
    articles: &[Article],
    taxonomies: &[Taxonomy],
    use_taxonomy: &[bool],
    scratch: &mut Scratch,
) -> Vec<usize> {
    let n = articles.len();
    // Articles up to and including this one (the list is newest first).
    let prefix = (n - i) as f64;
    for (t, terms) in articles[i].terms.iter().enumerate() {
        if !use_taxonomy.get(t).copied().unwrap_or(false) {
            continue;
        }
        for &term in terms {
            let list = &taxonomies[t].terms[term].articles;
            // `list` is ascending (newest first); entries after `i` are earlier.
            let own = list.partition_point(|&a| a <= i);
            let earlier = &list[own..];
            if earlier.is_empty() {
                continue;
            }
            // This article and the earlier ones name the term.
            let df = (earlier.len() + 1) as f64;
            let weight = (1.0 + prefix / df).ln();
            for &j in earlier.iter().take(LOOKBACK) {
                if scratch.score[j] == 0.0 {
                    scratch.touched.push(j);
                }
                scratch.score[j] += weight;
            }
        }
    }
    let mut best: Vec<(f64, usize)> = scratch
        .touched
        .drain(..)
        .map(|j| (std::mem::take(&mut scratch.score[j]), j))
        .collect();
    // Highest score first; ties to the more recent (smaller position: the
    // newest-first order is date, then source path).
    let by_rank = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if best.len() > RELATED {
        best.select_nth_unstable_by(RELATED - 1, by_rank);
        best.truncate(RELATED);
    }
    best.sort_unstable_by(by_rank);
    // A new, exact-size vector: collecting `best.into_iter()` would reuse
    // its allocation (every candidate's slot) for five numbers.
    let mut related = Vec::with_capacity(best.len());
    related.extend(best.iter().map(|&(_, j)| j));
    related
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::arabic::ArticleDate;
    use crate::config::Config;
    use crate::content::{Article as Source, Content, FrontMatter};
    use crate::site::Site;

    /// An article of the file `content/<stem>.md`, dated `date`.
    pub(crate) fn source(stem: &str, date: &str) -> Source {
        let utc = chrono::FixedOffset::east_opt(0).unwrap();
        Source {
            source: format!("content/{stem}.md").into(),
            stem: stem.into(),
            front: FrontMatter {
                title: stem.into(),
                date: ArticleDate::parse(date, utc).unwrap(),
                updated: None,
                slug: None,
                summary: None,
                source: None,
                image: None,
                image_alt: None,
                draft: false,
                lang: None,
                aliases: Vec::new(),
                taxonomies: Default::default(),
                positions: Default::default(),
                extra: Default::default(),
            },
            body: Default::default(),
            stamp: Default::default(),
            digest: 0,
            warned: false,
            cached: false,
            order: 0,
            html: Default::default(),
        }
    }

    /// A site of articles given oldest first as lists of (countries, actors).
    fn site(stories: &[(&[&str], &[&str])]) -> Site {
        let config = Config::parse("title = \"t\"\n").unwrap();
        let articles = stories
            .iter()
            .enumerate()
            .map(|(k, (countries, actors))| {
                let mut a = source(
                    &format!("a{k:05}"),
                    &format!("2020-01-01T{:02}:{:02}:00+00:00", k / 60, k % 60),
                );
                let list = |v: &[&str]| v.iter().map(|&s| s.into()).collect();
                a.front
                    .taxonomies
                    .insert("countries".into(), list(countries));
                a.front.taxonomies.insert("actors".into(), list(actors));
                Box::new(a)
            })
            .collect();
        let content = Content {
            articles,
            terms: Vec::new(),
            media: Vec::new(),
            warnings: Vec::new(),
            ..Default::default()
        };
        Site::build(config, content).unwrap()
    }

    #[test]
    fn lists_of_a_damaged_cache_are_none() {
        let lists = Lists {
            prefixes: vec![0; 3],
            ends: vec![2, 1, 9],
            related: vec![0, 0],
        };
        assert_eq!(lists.list(0), Some(&[0, 0][..]));
        assert_eq!(lists.list(1), None, "an end before its start");
        assert_eq!(lists.list(2), None, "an end past the values");
        assert_eq!(lists.list(3), None, "past the last article");
    }

    /// The related stems of the article with stem `stem`.
    fn related(site: &Site, stem: &str) -> Vec<String> {
        let a = site
            .articles
            .iter()
            .find(|a| a.source.stem == stem)
            .unwrap();
        a.related
            .iter()
            .map(|&j| site.articles[j].source.stem.to_string())
            .collect()
    }

    #[test]
    fn earlier_only_rarest_shared_terms_first() {
        let s = site(&[
            (&["سوريا"], &["علي مملوك"]),          // a00000
            (&["سوريا", "لبنان"], &[]),            // a00001
            (&["سوريا"], &["نظام الأسد"]),          // a00002
            (&["فرنسا"], &[]),                     // a00003: shares nothing
            (&["سوريا", "لبنان"], &["علي مملوك"]), // a00004
            (&["سوريا", "لبنان"], &["علي مملوك"]), // a00005: later than a00004
        ]);
        // a00004 shares لبنان and علي مملوك with a00001 / a00000 (both rarer
        // than سوريا), and only سوريا with a00002.
        let r = related(&s, "a00004");
        assert!(!r.contains(&"a00005".to_string()), "a later story: {r:?}");
        assert!(!r.contains(&"a00003".to_string()), "shares nothing: {r:?}");
        assert_eq!(r.len(), 3, "{r:?}");
        assert_eq!(r[2], "a00002", "only the common term: last {r:?}");
        // The oldest article has nothing earlier.
        assert!(related(&s, "a00000").is_empty());
        // The newest lists a00004 first: it shares all three terms.
        assert_eq!(related(&s, "a00005")[0], "a00004");
    }

    #[test]
    fn ties_go_to_the_more_recent() {
        let s = site(&[
            (&["مصر"], &[]),
            (&["مصر"], &[]),
            (&["مصر"], &[]),
            (&["مصر"], &[]),
            (&["مصر"], &[]),
            (&["مصر"], &[]),
            (&["مصر"], &[]),
        ]);
        assert_eq!(
            related(&s, "a00006"),
            ["a00005", "a00004", "a00003", "a00002", "a00001"]
        );
    }

    #[test]
    fn later_stories_do_not_change_earlier_lists() {
        let base: Vec<(&[&str], &[&str])> = (0..40)
            .map(|k| match k % 4 {
                0 => (&["سوريا", "تركيا"][..], &["نظام الأسد"][..]),
                1 => (&["سوريا"][..], &["علي مملوك", "نظام الأسد"][..]),
                2 => (&["لبنان", "سوريا"][..], &[][..]),
                _ => (&["تركيا"][..], &["علي مملوك"][..]),
            })
            .collect();
        let before = site(&base);
        let mut more = base.clone();
        more.extend((0..10).map(|_| (&["سوريا", "لبنان", "تركيا"][..], &["علي مملوك"][..])));
        let after = site(&more);
        for a in &before.articles {
            assert_eq!(
                related(&before, &a.source.stem),
                related(&after, &a.source.stem),
                "{}",
                a.source.stem
            );
        }
    }

    #[test]
    fn term_weights_come_from_earlier_articles_only() {
        // For x, لبنان (2 of 6 so far) is rarer than تركيا (5 of 6): the story
        // sharing لبنان comes first. Ten later stories naming لبنان make it
        // the commoner term overall, and must not change x's list.
        let base: Vec<(&[&str], &[&str])> = vec![
            (&["لبنان"], &[]),
            (&["تركيا"], &[]),
            (&["تركيا"], &[]),
            (&["تركيا"], &[]),
            (&["تركيا"], &[]),
            (&["لبنان", "تركيا"], &[]), // x: a00005
        ];
        let before = site(&base);
        assert_eq!(related(&before, "a00005")[0], "a00000");
        let mut more = base.clone();
        more.extend((0..10).map(|_| (&["لبنان"][..], &[][..])));
        let after = site(&more);
        assert_eq!(related(&after, "a00005"), related(&before, "a00005"));
    }

    #[test]
    fn a_rare_term_is_found_beyond_the_lookback_of_common_ones() {
        // The oldest story shares a rare actor with the newest; between them,
        // more than LOOKBACK stories share only the common country.
        let mut stories: Vec<(&[&str], &[&str])> = vec![(&["سوريا"][..], &["علي مملوك"][..])];
        stories.extend((0..LOOKBACK + 20).map(|_| (&["سوريا"][..], &[][..])));
        stories.push((&["سوريا"][..], &["علي مملوك"][..]));
        let s = site(&stories);
        let newest = &s.articles[0];
        let oldest = s.articles.len() - 1;
        assert_eq!(newest.related[0], oldest, "{:?}", newest.related);
        // The rest: the most recent of those sharing only سوريا.
        assert_eq!(&newest.related[1..], [1, 2, 3, 4]);
    }

    /// A site given oldest first as (countries, actors) bit masks over
    /// small pools of terms, its related lists not yet filled.
    fn masked(stories: &[(u8, u8)]) -> Site {
        const COUNTRIES: [&str; 4] = ["سوريا", "لبنان", "تركيا", "مصر"];
        const ACTORS: [&str; 4] = ["علي مملوك", "نظام الأسد", "حزب الله", "الأمم المتحدة"];
        let pick = |pool: [&'static str; 4], mask: u8| -> Vec<&'static str> {
            (0..4)
                .filter(|b| mask & (1 << b) != 0)
                .map(|b| pool[b])
                .collect()
        };
        let picked: Vec<(Vec<&str>, Vec<&str>)> = stories
            .iter()
            .map(|&(c, a)| (pick(COUNTRIES, c), pick(ACTORS, a)))
            .collect();
        let borrowed: Vec<(&[&str], &[&str])> = picked
            .iter()
            .map(|(c, a)| (c.as_slice(), a.as_slice()))
            .collect();
        let mut s = site(&borrowed);
        for a in &mut s.articles {
            a.related.clear();
        }
        s
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Lists taken from a previous build's, after stories were added,
        /// removed or given other terms anywhere in the archive, are the
        /// lists computed anew; so is what is kept for the next build.
        #[test]
        fn lists_taken_from_a_previous_build_equal_lists_computed_anew(
            before in proptest::collection::vec((0u8..16, 0u8..16), 1..30),
            edits in proptest::collection::vec(
                (0u8..3, proptest::prelude::any::<proptest::sample::Index>(), 0u8..16, 0u8..16),
                0..4,
            ),
        ) {
            let mut after = before.clone();
            for (kind, at, c, a) in edits {
                match kind {
                    0 => after.insert(at.index(after.len() + 1), (c, a)),
                    1 if after.len() > 1 => { after.remove(at.index(after.len())); }
                    _ => { let i = at.index(after.len()); after[i] = (c, a); }
                }
            }
            let mut old = masked(&before);
            let previous = old.link_related(None);
            let mut fresh = masked(&after);
            let fresh_lists = fresh.link_related(None);
            let mut reused = masked(&after);
            let reused_lists = reused.link_related(Some(&previous));
            for (f, r) in fresh.articles.iter().zip(&reused.articles) {
                proptest::prop_assert_eq!(&f.related, &r.related, "{}", f.source.stem);
            }
            proptest::prop_assert_eq!(fresh_lists, reused_lists);
        }
    }
}
