//! Which fields of a list's items a template reads, and whether it reads
//! anything of them but the fields that hold their markup, made once.
//!
//! Each article of a list page's `articles` is a teaser: every field of the
//! article, and `html` and `front_html`, the teaser template's output made
//! once per article; each entry of a feed's `entries` has `xml`, the entry
//! template's (see the README's theme section). A template that only
//! prints those needs none of the fields, and making them is most of the
//! cost of a list page's or a feed's variables: an article is listed on
//! about eight pages and in about eight feeds. [`reads_only`] reads the
//! tags of a template, with its parents' and every template it includes,
//! and tells whether it does: the items are then given as those fields
//! alone. Where it reads others, [`fields_read`] tells which: a month's
//! page lists its stories by date and title, and the items are given those
//! fields alone (most of a teaser's cost is the list of its terms).
//!
//! Tera 2 keeps its syntax tree to itself, so the tags are read as text,
//! token by token, and the reading errs on the side of everything: the
//! list may only be looped over (`{% for t in articles %}`) or measured
//! (`articles | length`), and a variable looping over it may only be read
//! through a field (`t.html`, `t.date.display`). Anything else (the
//! item itself, a filter on the list, the list or an item given to a
//! component or a `set`, an `include` where an item is in scope, an
//! `include` or `extends` of a name that is not written out, a template
//! that cannot be found, any component of the theme taking an implicit
//! argument, which could reach the list unseen) means the template may
//! read any field.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::squeeze::tera_tags;

/// A list a template is given, and the fields of its items that hold
/// their markup.
pub struct Markup {
    list: &'static str,
    fields: &'static [&'static str],
}

/// A list's teasers, read only through their markup.
pub const TEASERS: Markup = Markup {
    list: "articles",
    fields: &["html", "front_html"],
};

/// A feed's entries, read only through their markup.
pub const ENTRIES: Markup = Markup {
    list: "entries",
    fields: &["xml"],
};

/// Whether `template`, rendered with `markup`'s list, reads nothing of its
/// items but their markup fields (see the module's doc). `sources` holds
/// every template of the Tera that renders it, by name.
pub fn reads_only(sources: &HashMap<String, String>, template: &str, markup: Markup) -> bool {
    fields_read(sources, template, &markup).is_some_and(|read| read.only(&markup))
}

/// The fields of a list's items a template reads.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fields {
    /// Each field read, by its name (`t.date.display` reads `date`).
    pub names: BTreeSet<String>,
    /// Whether a field is read by index (`t.html["x"]`).
    indexed: bool,
}

impl Fields {
    /// Whether these are only `markup`'s fields, none read by index.
    pub fn only(&self, markup: &Markup) -> bool {
        !self.indexed
            && self
                .names
                .iter()
                .all(|n| markup.fields.contains(&n.as_str()))
    }
}

/// The fields of the items of `markup`'s list that `template` reads, or
/// `None` if it may read any (see the module's doc). `sources` holds every
/// template of the Tera that renders it, by name.
pub fn fields_read(
    sources: &HashMap<String, String>,
    template: &str,
    markup: &Markup,
) -> Option<Fields> {
    if sources.values().any(|s| has_implicit_arguments(s)) {
        return None;
    }
    let mut walk = Walk {
        sources,
        list: markup.list,
        read: Fields::default(),
        seen: HashSet::new(),
    };
    walk.template(template).then_some(walk.read)
}

/// Whether a component of `source` takes an implicit argument (`@name`),
/// which it reads from whatever calls it.
fn has_implicit_arguments(source: &str) -> bool {
    tera_tags(source).any(|tag| {
        let tokens = tokens(statement(tag).unwrap_or_default());
        tokens.first() == Some(&Token::Name("component")) && tokens.contains(&Token::Punct('@'))
    })
}

/// A walk through templates.
struct Walk<'s> {
    sources: &'s HashMap<String, String>,
    /// The list's name.
    list: &'s str,
    /// The fields of its items read so far.
    read: Fields,
    /// Templates already walked.
    seen: HashSet<&'s str>,
}

/// What a `for` loop around a tag binds.
enum Bound<'t> {
    /// A variable over the list's items.
    Item(&'t str),
    /// Variables over something else, which hide items of those names.
    Other(&'t str, Option<&'t str>),
}

impl<'s> Walk<'s> {
    /// Walks a template, every block of it (overridden or not: a superset
    /// of what renders), and the templates it extends and includes.
    fn template(&mut self, name: &str) -> bool {
        let Some((name, source)) = self.sources.get_key_value(name) else {
            return false;
        };
        if !self.seen.insert(name) {
            return true;
        }
        let mut scope: Vec<Bound<'_>> = Vec::new();
        for tag in tera_tags(source) {
            if tag.starts_with("{#") {
                continue;
            }
            let (inner, is_statement) = match statement(tag) {
                Some(s) => (s, true),
                None => (expression(tag), false),
            };
            let tokens = tokens(inner);
            let ok = match (is_statement, tokens.first()) {
                (true, Some(Token::Name("raw"))) => true,
                (true, Some(Token::Name("for"))) => self.for_loop(&tokens, &mut scope),
                (true, Some(Token::Name("endfor"))) => {
                    scope.pop();
                    true
                }
                (true, Some(Token::Name(word @ ("include" | "extends")))) => {
                    let items = scope.iter().any(|b| matches!(b, Bound::Item(_)));
                    match &tokens[1..] {
                        [Token::Str(other), ..] if !(items && *word == "include") => {
                            let other = other.to_string();
                            self.reads_nothing_else(&tokens[2..], &scope) && self.template(&other)
                        }
                        _ => false,
                    }
                }
                _ => self.reads_nothing_else(&tokens, &scope),
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// `{% for … in … %}`: pushes what it binds, and whether its list
    /// expression reads nothing else.
    fn for_loop<'t>(&mut self, tokens: &[Token<'t>], scope: &mut Vec<Bound<'t>>) -> bool {
        let names: Vec<&str> = tokens
            .iter()
            .skip(1)
            .take_while(|t| **t != Token::Name("in"))
            .filter_map(|t| match t {
                Token::Name(n) => Some(*n),
                _ => None,
            })
            .collect();
        let rest = &tokens[(tokens.iter().position(|t| *t == Token::Name("in")))
            .map_or(tokens.len(), |i| i + 1)..];
        if rest == [Token::Name(self.list)] {
            // Over the list itself: one name, the item.
            let [item] = names[..] else {
                return false;
            };
            scope.push(Bound::Item(item));
            return true;
        }
        // The list expression is read where the loop stands, before its
        // names hide anything.
        let ok = self.reads_nothing_else(rest, scope);
        match names[..] {
            [one] => scope.push(Bound::Other(one, None)),
            [key, value] => scope.push(Bound::Other(key, Some(value))),
            _ => return false,
        }
        ok
    }

    /// Whether the names in `tokens` read the list only to measure it and
    /// the items in scope only through their fields, which it notes.
    fn reads_nothing_else(&mut self, tokens: &[Token<'_>], scope: &[Bound<'_>]) -> bool {
        let (list, read) = (self.list, &mut self.read);
        tokens.iter().enumerate().all(|(i, token)| {
            let Token::Name(path) = token else {
                return true;
            };
            let next = tokens.get(i + 1);
            let root = path.split('.').next().unwrap_or(path);
            if root == list {
                return *path == list
                    && next == Some(&Token::Punct('|'))
                    && tokens.get(i + 2) == Some(&Token::Name("length"))
                    && tokens.get(i + 3) != Some(&Token::Punct('('));
            }
            let bound = scope.iter().rev().find_map(|b| match b {
                Bound::Item(n) if *n == root => Some(true),
                Bound::Other(a, b) if *a == root || *b == Some(root) => Some(false),
                _ => None,
            });
            match bound {
                Some(true) => {
                    let Some(field) = path[root.len()..].strip_prefix('.') else {
                        return false;
                    };
                    let name = field.split('.').next().unwrap_or(field);
                    read.names.insert(name.to_string());
                    read.indexed |= next == Some(&Token::Punct('['));
                    true
                }
                _ => true,
            }
        })
    }
}

/// What a `{% … %}` tag says, without its delimiters and whitespace
/// control; None for another tag.
fn statement(tag: &str) -> Option<&str> {
    let inner = tag.strip_prefix("{%")?.strip_suffix("%}")?;
    Some(trim_control(inner))
}

/// What a `{{ … }}` tag prints, without its delimiters and whitespace
/// control (a `{% raw %}` block or a comment gives nothing to read).
fn expression(tag: &str) -> &str {
    match tag.strip_prefix("{{").and_then(|t| t.strip_suffix("}}")) {
        Some(inner) => trim_control(inner),
        None => "",
    }
}

fn trim_control(inner: &str) -> &str {
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    inner.trim()
}

/// One token of a tag: a name or dotted path (`t.html`, `for`), a string
/// literal (its text), or any other character.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Name(&'a str),
    Str(&'a str),
    Punct(char),
}

/// The tokens of a tag's text. Numbers are punctuation here: they name
/// nothing.
fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                let end = text[at + 1..].find(c).map_or(text.len(), |i| at + 1 + i);
                out.push(Token::Str(&text[at + 1..end.min(text.len())]));
                while chars.next_if(|&(i, _)| i <= end).is_some() {}
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut end = at + c.len_utf8();
                while let Some(&(i, n)) = chars.peek() {
                    let dotted = n == '.'
                        && text[i + 1..]
                            .chars()
                            .next()
                            .is_some_and(|d| d.is_alphabetic() || d == '_');
                    if n.is_alphanumeric() || n == '_' || dotted {
                        end = i + n.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Token::Name(&text[at..end]));
            }
            c if c.is_whitespace() => {}
            c => out.push(Token::Punct(c)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only_html(list: &str) -> bool {
        let sources: HashMap<String, String> = [
            ("list.html", list),
            (
                "base.html",
                "<main>{% block content %}{% endblock content %}</main>",
            ),
            ("plain.html", "<p>{{ site.title }}</p>"),
            ("teaser.html", "{{ t.title }}"),
        ]
        .into_iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
        reads_only(&sources, "list.html", TEASERS)
    }

    #[test]
    fn printing_html_and_counting_is_only_html() {
        for list in [
            "{% for t in articles %}{{ t.html | safe }}{% endfor %}",
            "{%- if articles | length > 0 %}{% for t in articles -%}{% if loop.first %}{{- t.front_html | safe }}{% else %}{{ t.html | safe }}{% endif %}{% endfor %}{% endif %}",
            r#"{% extends "base.html" %}{% block content %}{% for a in articles %}{{ a.html | safe }}{% endfor %}{% include "plain.html" %}{% endblock content %}"#,
            // A loop variable of another loop hides the teaser's name.
            "{% for t in articles %}{% for t in site.taxonomies %}{{ t.title }}{% endfor %}{{ t.html | safe }}{% endfor %}",
            "{{ title }}{% set x = 1 %}",
            // Names inside strings and comments are text.
            r#"{% for t in articles %}{{ t.html | safe }}{{ "t.title articles" }}{# t.url #}{% endfor %}"#,
            "{% raw %}{{ articles }}{% endraw %}",
        ] {
            assert!(only_html(list), "{list}");
        }
    }

    #[test]
    fn reading_anything_else_is_everything() {
        for list in [
            "{% for t in articles %}{{ t.title }}{% endfor %}",
            "{% for t in articles %}{% for t in t.taxonomies %}{% endfor %}{% endfor %}",
            "{% for t in articles %}{% if t.image %}{{ t.html | safe }}{% endif %}{% endfor %}",
            "{% for t in articles %}{{ t }}{% endfor %}",
            r#"{% for t in articles %}{{ t["title"] }}{% endfor %}"#,
            r#"{% for t in articles %}{{ t.html["x"] }}{% endfor %}"#,
            "{% for t in articles %}{% include \"plain.html\" %}{% endfor %}",
            "{% for t in articles | slice(end=2) %}{{ t.html | safe }}{% endfor %}",
            "{% for i, t in articles %}{{ t.html | safe }}{% endfor %}",
            "{{ articles | first }}",
            "{{ articles[0].title }}",
            "{{ articles }}",
            "{{ articles.0 }}",
            "{% if articles %}x{% endif %}",
            "{% set x = articles %}",
            "{% for t in articles %}{% set t = 1 %}{% endfor %}",
            "{% for t in articles %}{{ <show x={t}/> }}{% endfor %}",
            "{% for t in articles %}{{ t.html ~ t.title }}{% endfor %}",
            "{% for t in articles %}{% if t is defined %}x{% endif %}{% endfor %}",
            "{% for t in articles %}{{ t.title | default(value=t.html) }}{% endfor %}",
            r#"{% extends "base.html" %}{% block content %}{% for a in articles %}{{ a.url }}{% endfor %}{% endblock content %}"#,
            r#"{% extends "missing.html" %}"#,
            r#"{% include name %}"#,
            // The teaser template reads `t.title`: including it in the
            // loop would show it.
            "{% for t in articles %}{% include \"teaser.html\" %}{% endfor %}",
        ] {
            assert!(!only_html(list), "{list}");
        }
    }

    #[test]
    fn the_fields_read_are_named() {
        let read = |list: &str| {
            let sources: HashMap<String, String> = [("list.html", list)]
                .into_iter()
                .map(|(n, s)| (n.to_string(), s.to_string()))
                .collect();
            fields_read(&sources, "list.html", &TEASERS)
                .map(|f| f.names.into_iter().collect::<Vec<_>>())
        };
        assert_eq!(
            read("{% for a in articles %}{{ a.date.display }}{% if a.lang != lang %}{{ a.dir }}{% endif %}{{ a.title | upper }}{% endfor %}{{ articles | length }}"),
            Some(vec!["date".into(), "dir".into(), "lang".into(), "title".into()])
        );
        assert_eq!(
            read("{% for a in articles %}{{ a.html[\"x\"] }}{% endfor %}"),
            Some(vec!["html".into()])
        );
        assert_eq!(read("<p>{{ title }}</p>"), Some(vec![]));
        for anything in [
            "{% for a in articles %}{{ a }}{% endfor %}",
            "{% for a in articles %}{% if a %}{% endif %}{% endfor %}",
            r#"{% for a in articles %}{{ a["title"] }}{% endfor %}"#,
            "{% for a in articles %}{{ <show x={a}/> }}{% endfor %}",
            "{{ articles | first }}",
        ] {
            assert_eq!(read(anything), None, "{anything}");
        }
    }

    #[test]
    fn a_component_with_an_implicit_argument_is_everything() {
        let list = "{% for t in articles %}{{ t.html | safe }}{% endfor %}{{ <c/> }}";
        let sources: HashMap<String, String> = [
            ("list.html", list),
            (
                "c.html",
                "{% component c(@articles) %}{{ articles }}{% endcomponent c %}",
            ),
        ]
        .into_iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
        assert!(!reads_only(&sources, "list.html", TEASERS));
    }

    #[test]
    fn a_missing_template_is_everything() {
        assert!(!reads_only(&HashMap::new(), "list.html", TEASERS));
    }

    #[test]
    fn the_default_theme_reads_markup_only_where_it_should() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates");
        let sources: HashMap<String, String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        assert!(reads_only(&sources, "list.html", TEASERS));
        // Its month pages list titles and dates.
        assert!(!reads_only(&sources, "month.html", TEASERS));
        let month = fields_read(&sources, "month.html", &TEASERS).unwrap();
        assert_eq!(
            month.names.into_iter().collect::<Vec<_>>(),
            ["date", "dir", "lang", "title", "url"]
        );
        assert!(reads_only(&sources, "atom.xml", ENTRIES));
    }
}
