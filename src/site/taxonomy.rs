//! Taxonomies and their terms: which spellings are one term, its name and slug.
//!
//! Identity is fold (b) of docs/arabic.md (hamza on alef, diacritics, tatweel,
//! invisible marks, ى/ي, ة/ه, digit forms): [`TermKey`]. Other variants merge
//! only through a term file's `aliases`. The display name is the term file's
//! `name`, else the most used spelling. The slug is the term file's ASCII
//! `slug`, else a readable slug of the folded name; two terms with one slug,
//! or a term with no usable slug, are errors — never a silent merge.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use rustc_hash::FxHashMap;

use crate::arabic::{fold_identity, ArabicCollator, Slug};
use crate::config::TaxonomyConfig;
use crate::content::frontmatter::Positions;
use crate::content::TermFile;
use crate::error::Diagnostic;

use super::PagePath;

/// The identity of a term: its name under fold (b).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TermKey(String);

impl TermKey {
    /// The key of a spelling.
    pub fn of(name: &str) -> TermKey {
        TermKey(fold_identity(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One term of one taxonomy, with the articles that name it.
#[derive(Clone, Debug)]
pub struct Term {
    pub key: TermKey,
    /// The spelling shown to readers.
    pub name: String,
    pub slug: Slug,
    pub path: PagePath,
    /// Positions in the site's newest-first article list.
    pub articles: Vec<usize>,
    /// Every spelling met, with how many articles used it.
    pub spellings: BTreeMap<String, usize>,
    /// The term file's Markdown description, rendered.
    pub description: Option<String>,
    /// The term file's `type` (Person, Organization…).
    pub kind: Option<String>,
    /// The term file that describes it, if any.
    pub source: Option<PathBuf>,
}

/// One taxonomy with its terms in Arabic alphabetical order.
#[derive(Clone, Debug)]
pub struct Taxonomy {
    pub config: TaxonomyConfig,
    pub path: PagePath,
    pub terms: Vec<Term>,
}

/// A spelling of a term, named by the article at a position. A large
/// archive has about a million: where the article's file is, for a
/// message, is looked up by its position only when a message needs it
/// (see [`Origin`]), which halves what they take.
#[derive(Clone, Copy, Debug)]
pub struct Mention<'a> {
    pub spelling: &'a str,
    pub article: usize,
}

/// The file of the article at a position, and its front-matter positions
/// (where a message finds the line of the taxonomy's list).
pub type Origin<'a> = dyn Fn(usize) -> (&'a std::path::Path, &'a Positions) + Sync + 'a;

/// A term while its taxonomy is being built: everything but the slug and path.
struct Draft {
    key: TermKey,
    name: String,
    /// The term file's slug, or the derived one once the name is known.
    slug: Option<Slug>,
    articles: Vec<usize>,
    spellings: BTreeMap<String, usize>,
}

/// Builds one taxonomy from its term files and the mentions in articles
/// (given in newest-first article order). Returns it with the position in
/// `Taxonomy::terms` of the term each mention names, in mention order.
pub fn build<'a>(
    config: &TaxonomyConfig,
    files: &[&TermFile],
    mentions: &[Mention<'_>],
    origin: &Origin<'a>,
    collator: &ArabicCollator,
) -> Result<(Taxonomy, Vec<usize>), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut drafts: Vec<Draft> = Vec::new();
    let mut by_key: HashMap<TermKey, usize> = HashMap::new();
    // The file behind each of the first drafts.
    let mut described: Vec<&TermFile> = Vec::new();

    // Term files first: they fix names, slugs and aliases.
    for file in files {
        let name = file.front.name.clone().unwrap_or_else(|| file.stem.clone());
        let key = TermKey::of(&name);
        if let Some(&other) = by_key.get(&key) {
            errors.push(
                Diagnostic::error(&file.source, format!("the term {name:?} is also described by another file"))
                    .with_hint(format!(
                        "keep one file per term (the other is {}); list other spellings under `aliases:`",
                        described[other].source.display()
                    )),
            );
            continue;
        }
        let index = drafts.len();
        by_key.insert(key.clone(), index);
        for alias in &file.front.aliases {
            match by_key.get(&TermKey::of(alias)) {
                Some(&existing) if existing != index => errors.push(
                    Diagnostic::error(
                        &file.source,
                        format!(
                            "the alias {alias:?} already belongs to the term {:?}",
                            drafts[existing].name
                        ),
                    )
                    .with_hint("an alias can merge a spelling into one term only"),
                ),
                _ => {
                    by_key.insert(TermKey::of(alias), index);
                }
            }
        }
        described.push(file);
        drafts.push(Draft {
            key,
            name,
            slug: file.front.slug.clone(),
            articles: Vec::new(),
            spellings: BTreeMap::new(),
        });
    }
    let file_of = |index: usize| described.get(index).copied();

    // Then every mention, newest article first.
    let mut first_mention: Vec<Option<usize>> = vec![None; drafts.len()];
    let mut mention_drafts = Vec::with_capacity(mentions.len());
    // A large archive names the same few thousand spellings hundreds of
    // thousands of times: each spelling is folded once, and counted by its
    // number until all are.
    let mut by_spelling: FxHashMap<&str, usize> = FxHashMap::default();
    let mut spellings: Vec<(&str, usize, usize)> = Vec::new();
    for (m_index, m) in mentions.iter().enumerate() {
        let n = *by_spelling.entry(m.spelling).or_insert_with(|| {
            let key = TermKey::of(m.spelling);
            let index = *by_key.entry(key.clone()).or_insert_with(|| {
                drafts.push(Draft {
                    key,
                    name: String::new(),
                    slug: None,
                    articles: Vec::new(),
                    spellings: BTreeMap::new(),
                });
                first_mention.push(None);
                drafts.len() - 1
            });
            spellings.push((m.spelling, index, 0));
            spellings.len() - 1
        });
        let (_, index, count) = &mut spellings[n];
        *count += 1;
        let draft = &mut drafts[*index];
        if draft.articles.last() != Some(&m.article) {
            draft.articles.push(m.article);
        }
        first_mention[*index].get_or_insert(m_index);
        mention_drafts.push(*index);
    }
    for (spelling, index, count) in spellings {
        drafts[index].spellings.insert(spelling.to_string(), count);
    }

    // Where a term is first met, for messages.
    let place = |index: usize| -> (PathBuf, Option<usize>) {
        match (file_of(index), first_mention[index]) {
            (Some(f), _) => (f.source.clone(), None),
            (None, Some(m)) => {
                let (source, positions) = origin(mentions[m].article);
                let line = positions.get(&config.name).map_or(1, |(line, _)| line);
                (source.to_path_buf(), Some(line))
            }
            (None, None) => (PathBuf::new(), None),
        }
    };

    // Names and slugs of terms that no file describes.
    for (index, draft) in drafts.iter_mut().enumerate() {
        if file_of(index).is_none() {
            draft.name = most_used(&draft.spellings);
        }
        if draft.slug.is_some() {
            continue;
        }
        match Slug::term(&draft.name) {
            Ok(slug) => draft.slug = Some(slug),
            Err(e) => {
                let (path, line) = place(index);
                let mut d = Diagnostic::error(
                    path,
                    format!(
                        "the {} term {:?} has no usable slug: {e}",
                        config.name, draft.name
                    ),
                )
                .with_hint(format!(
                    "give the term a file content/{}/<name>.md with `name:` and an ASCII `slug:`",
                    config.name
                ));
                d.line = line;
                errors.push(d);
            }
        }
    }

    // Two terms, one slug: an error naming both.
    let mut by_slug: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, draft) in drafts.iter().enumerate() {
        let Some(slug) = &draft.slug else { continue };
        match by_slug.get(slug.as_str()) {
            Some(&other) => {
                let describe = |i: usize| match place(i) {
                    (p, Some(line)) => format!("{}:{line}", p.display()),
                    (p, None) => p.display().to_string(),
                };
                let (path, line) = place(index);
                let mut d = Diagnostic::error(path, format!(
                    "the {} terms {:?} ({}) and {:?} ({}) would share the slug {:?}",
                    config.name, drafts[other].name, describe(other), draft.name, describe(index), slug.as_str()
                ))
                .with_hint(format!(
                    "if they are one term, list one spelling under `aliases:` in content/{}/<file>.md; otherwise give one an ASCII `slug:` there",
                    config.name
                ));
                d.line = line;
                errors.push(d);
            }
            None => {
                by_slug.insert(slug.as_str(), index);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let base = PagePath::dir(&[&config.name]);
    // Every draft has a slug here (a missing one is an error above).
    let mut terms: Vec<(usize, Term)> = drafts
        .into_iter()
        .enumerate()
        .filter_map(|(index, d)| {
            let slug = d.slug?;
            let file = file_of(index);
            let term = Term {
                key: d.key,
                path: base.child(slug.as_str()),
                name: d.name,
                slug,
                articles: d.articles,
                spellings: d.spellings,
                description: file.and_then(|f| f.description.clone()),
                kind: file.and_then(|f| f.front.kind.clone()),
                source: file.map(|f| f.source.clone()),
            };
            Some((index, term))
        })
        .collect();
    terms.sort_by(|(_, a), (_, b)| collator.compare(&a.name, &b.name));
    let mut sorted_position = vec![0; terms.len()];
    for (position, (draft, _)) in terms.iter().enumerate() {
        sorted_position[*draft] = position;
    }
    let mention_terms = mention_drafts
        .into_iter()
        .map(|d| sorted_position[d])
        .collect();
    let taxonomy = Taxonomy {
        config: config.clone(),
        path: base,
        terms: terms.into_iter().map(|(_, t)| t).collect(),
    };
    Ok((taxonomy, mention_terms))
}

/// The most used spelling; ties go to the first in code-point order.
fn most_used(spellings: &BTreeMap<String, usize>) -> String {
    let mut best: Option<(&String, usize)> = None;
    for (s, &n) in spellings {
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((s, n));
        }
    }
    best.map(|(s, _)| s.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::TermFrontMatter;
    use std::path::Path;

    fn config() -> TaxonomyConfig {
        TaxonomyConfig {
            name: "countries".into(),
            title: "الدول".into(),
            feed: true,
            related: None,
        }
    }

    fn mentions<'a>(names: &[(&'a str, usize)]) -> Vec<Mention<'a>> {
        names
            .iter()
            .map(|&(spelling, article)| Mention { spelling, article })
            .collect()
    }

    /// Each article is content/a.md, listing its countries on line 5.
    fn origin(_: usize) -> (&'static Path, &'static Positions) {
        static POSITIONS: std::sync::OnceLock<Positions> = std::sync::OnceLock::new();
        let positions = POSITIONS.get_or_init(|| Positions::new([("countries", 5, 12)]));
        (Path::new("content/a.md"), positions)
    }

    #[test]
    fn variant_spellings_are_one_term_named_by_the_majority() {
        let m = mentions(&[
            ("الأسد", 0),
            ("الاسد", 1),
            ("الاسد", 2),
            ("الأَسَد", 3),
            ("إيران", 3),
        ]);
        let t = build(&config(), &[], &m, &origin, &ArabicCollator::new())
            .unwrap()
            .0;
        assert_eq!(t.terms.len(), 2);
        let asad = t.terms.iter().find(|t| t.articles.len() == 4).unwrap();
        assert_eq!(asad.name, "الاسد");
        assert_eq!(asad.slug.as_str(), "الاسد");
        assert_eq!(asad.path.as_str(), "countries/الاسد/");
    }

    #[test]
    fn aliases_merge_and_files_set_names_and_slugs() {
        let file = TermFile {
            source: "content/countries/syria.md".into(),
            taxonomy: "countries".into(),
            stem: "syria".into(),
            front: TermFrontMatter {
                name: Some("سوريا".into()),
                slug: Some(Slug::ascii("syria").unwrap()),
                aliases: vec!["سورية".into()],
                ..Default::default()
            },
            description: Some("<p>بلد</p>".into()),
        };
        let m = mentions(&[("سورية", 0), ("سُوريا", 1), ("سوريه", 2)]);
        let t = build(&config(), &[&file], &m, &origin, &ArabicCollator::new())
            .unwrap()
            .0;
        assert_eq!(t.terms.len(), 1, "{:?}", t.terms);
        assert_eq!(t.terms[0].name, "سوريا");
        assert_eq!(t.terms[0].slug.as_str(), "syria");
        assert_eq!(t.terms[0].articles, [0, 1, 2]);
    }

    #[test]
    fn colliding_slugs_are_an_error_naming_both() {
        let m = mentions(&[("علي مملوك", 0), ("علي-مملوك", 1)]);
        let errs = build(&config(), &[], &m, &origin, &ArabicCollator::new()).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].message.contains("علي مملوك") && errs[0].message.contains("علي-مملوك"),
            "{}",
            errs[0]
        );
    }

    #[test]
    fn a_term_with_no_slug_is_an_error() {
        let m = mentions(&[("؟؟", 0)]);
        let errs = build(&config(), &[], &m, &origin, &ArabicCollator::new()).unwrap_err();
        assert!(errs[0].message.contains("no usable slug"), "{}", errs[0]);
        assert_eq!(errs[0].line, Some(5));
    }
}
