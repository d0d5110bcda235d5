//! Whether a template reads anything of a list's items but the fields
//! that hold their markup, made once.
//!
//! Each article of a list page's `articles` is a teaser: every field of the
//! article, and `html` and `front_html`, the teaser template's output made
//! once per article; each entry of a feed's `entries` has `xml`, the entry
//! template's (see the README's theme section). A template that only
//! prints those needs none of the fields, and making them is most of the
//! cost of a list page's or a feed's variables: an article is listed on
//! about eight pages and in about eight feeds. [`reads_only`] reads a
//! template's syntax tree, with its parents' and every template it
//! includes, and tells whether it does: the items are then given as those
//! fields alone.
//!
//! It errs on the side of everything: the list may only be looped over or
//! measured (`articles | length`), and a variable looping over it may only
//! be read as one of those fields. Anything else (another field, the item
//! itself, a filter on the list, the list or an item passed to a macro or a
//! `set`, an `include` where an item is in scope, a template that cannot be
//! found) means the template may read any field.

use std::collections::HashSet;

use tera::ast::{Expr, ExprVal, FunctionCall, Node};
use tera::Tera;

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
/// items but their markup fields (see the module's doc).
pub fn reads_only(tera: &Tera, template: &str, markup: Markup) -> bool {
    let mut walk = Walk {
        tera,
        list: markup.list,
        fields: markup.fields,
        seen: HashSet::new(),
        items: Vec::new(),
    };
    walk.template(template)
}

/// A walk through templates, with the names bound to items in scope.
struct Walk<'t> {
    tera: &'t Tera,
    /// The list's name.
    list: &'t str,
    /// The fields of its items that may be read.
    fields: &'t [&'t str],
    /// Templates already walked with no item in scope.
    seen: HashSet<String>,
    /// The loop variables over the list around the current node.
    items: Vec<String>,
}

impl Walk<'_> {
    /// Walks a template and its parents (every block of each, overridden or
    /// not: a superset of what renders).
    fn template(&mut self, name: &str) -> bool {
        if !self.seen.insert(name.to_string()) {
            return true;
        }
        let Ok(template) = self.tera.get_template(name) else {
            return false;
        };
        if !self.nodes(&template.ast) {
            return false;
        }
        template.parents.iter().all(|parent| {
            self.tera
                .get_template(parent)
                .is_ok_and(|t| self.nodes(&t.ast))
        })
    }

    fn nodes(&mut self, nodes: &[Node]) -> bool {
        nodes.iter().all(|node| self.node(node))
    }

    fn node(&mut self, node: &Node) -> bool {
        match node {
            Node::VariableBlock(_, expr) => self.expr(expr),
            Node::Set(_, set) => !self.is_bound(&set.key) && self.expr(&set.value),
            Node::FilterSection(_, section, _) => {
                section.filter.args.values().all(|e| self.expr(e)) && self.nodes(&section.body)
            }
            Node::Block(_, block, _) => self.nodes(&block.body),
            Node::If(node, _) => {
                node.conditions
                    .iter()
                    .all(|(_, cond, body)| self.expr(cond) && self.nodes(body))
                    && node
                        .otherwise
                        .as_ref()
                        .is_none_or(|(_, body)| self.nodes(body))
            }
            Node::Forloop(_, lp, _) => {
                let over_list = lp.key.is_none()
                    && !lp.container.negated
                    && lp.container.filters.is_empty()
                    && matches!(&lp.container.val, ExprVal::Ident(name) if name == self.list);
                if !over_list && !self.expr(&lp.container) {
                    return false;
                }
                // The loop's names hide any item of the same name.
                let outer = std::mem::take(&mut self.items);
                self.items = outer
                    .iter()
                    .filter(|t| **t != lp.value && lp.key.as_deref() != Some(t.as_str()))
                    .cloned()
                    .collect();
                if over_list {
                    self.items.push(lp.value.clone());
                }
                let ok = self.nodes(&lp.body);
                self.items = outer;
                ok && lp.empty_body.as_ref().is_none_or(|body| self.nodes(body))
            }
            Node::Include(_, names, _) => {
                // An included template sees the loop variables around it.
                self.items.is_empty() && names.iter().all(|name| self.template(name))
            }
            // Macros see only their arguments, which calls pass as
            // expressions (walked where they are called).
            Node::MacroDefinition(..)
            | Node::Super
            | Node::Text(_)
            | Node::Extends(..)
            | Node::ImportMacro(..)
            | Node::Raw(..)
            | Node::Break(_)
            | Node::Continue(_)
            | Node::Comment(..) => true,
        }
    }

    fn expr(&mut self, expr: &Expr) -> bool {
        let value_ok = match &expr.val {
            ExprVal::Ident(name) => self.ident(name, expr.filters.first(), expr.negated),
            _ => self.value(&expr.val),
        };
        value_ok
            && expr
                .filters
                .iter()
                .all(|f| f.args.values().all(|e| self.expr(e)))
    }

    /// Whether an identifier, read through `first_filter` (and negated or
    /// not), reads an item's field or the list in a way [`reads_only`]
    /// allows.
    fn ident(&self, name: &str, first_filter: Option<&FunctionCall>, negated: bool) -> bool {
        let root = name.split(['.', '[']).next().unwrap_or(name);
        if root == self.list {
            return name == self.list
                && !negated
                && first_filter.is_some_and(|f| f.name == "length");
        }
        if self.is_bound(root) {
            return name
                .strip_prefix(root)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|field| self.fields.contains(&field));
        }
        true
    }

    fn value(&mut self, val: &ExprVal) -> bool {
        match val {
            ExprVal::Ident(name) => self.ident(name, None, false),
            ExprVal::Math(m) => self.expr(&m.lhs) && self.expr(&m.rhs),
            ExprVal::Logic(l) => self.expr(&l.lhs) && self.expr(&l.rhs),
            ExprVal::In(i) => self.expr(&i.lhs) && self.expr(&i.rhs),
            ExprVal::Test(test) => {
                self.ident(&test.ident, None, false) && test.args.iter().all(|e| self.expr(e))
            }
            ExprVal::MacroCall(call) => call.args.values().all(|e| self.expr(e)),
            ExprVal::FunctionCall(call) => call.args.values().all(|e| self.expr(e)),
            ExprVal::Array(items) => items.iter().all(|e| self.expr(e)),
            ExprVal::StringConcat(concat) => concat.values.iter().all(|v| self.value(v)),
            ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => true,
        }
    }

    /// Whether `name` is a loop variable over the list.
    fn is_bound(&self, name: &str) -> bool {
        self.items.iter().any(|t| t == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `list` (with `teaser.html` and a `base.html` it may extend)
    /// prints only its teasers' HTML.
    fn only_html(list: &str) -> bool {
        let mut tera = Tera::default();
        tera.add_raw_templates(vec![
            (
                "base.html",
                "<main>{% block content %}{% endblock content %}</main>",
            ),
            ("teaser.html", "<h2>{{ t.title }}</h2>"),
            ("plain.html", "<p>{{ site.title }}</p>"),
            ("list.html", list),
        ])
        .unwrap();
        reads_only(&tera, "list.html", TEASERS)
    }

    #[test]
    fn printing_html_and_counting_is_only_html() {
        for list in [
            "{% for t in articles %}{{ t.html | safe }}{% endfor %}",
            "{% if articles | length > 0 %}{% for t in articles %}{% if loop.first %}{{ t.front_html | safe }}{% else %}{{ t.html | safe }}{% endif %}{% endfor %}{% endif %}",
            r#"{% extends "base.html" %}{% block content %}{% for a in articles %}{{ a.html | safe }}{% endfor %}{% include "plain.html" %}{% endblock content %}"#,
            // A loop variable of another loop hides the teaser's name.
            "{% for t in articles %}{% for t in site.taxonomies %}{{ t.title }}{% endfor %}{{ t.html | safe }}{% endfor %}",
            "{{ title }}{% set x = 1 %}",
        ] {
            assert!(only_html(list), "{list}");
        }
    }

    #[test]
    fn reading_anything_else_is_everything() {
        for list in [
            "{% for t in articles %}{{ t.title }}{% endfor %}",
            "{% for t in articles %}{% if t.image %}{{ t.html | safe }}{% endif %}{% endfor %}",
            "{% for t in articles %}{{ t }}{% endfor %}",
            r#"{% for t in articles %}{{ t["title"] }}{% endfor %}"#,
            "{% for t in articles %}{% include \"teaser.html\" %}{% endfor %}",
            "{% for t in articles | slice(end=2) %}{{ t.html | safe }}{% endfor %}",
            "{% for i, t in articles %}{{ t.html | safe }}{% endfor %}",
            "{{ articles | first }}",
            "{{ articles[0].title }}",
            "{{ articles }}",
            "{% set x = articles %}",
            "{% for t in articles %}{% set t = 1 %}{% endfor %}",
            "{% for t in articles %}{{ m::show(x=t) }}{% endfor %}",
            "{% for t in articles %}{{ t.html ~ t.title }}{% endfor %}",
            "{% for t in articles %}{% if t is defined %}x{% endif %}{% endfor %}",
            "{% for t in articles %}{{ t.title | default(value=t.html) }}{% endfor %}",
            r#"{% extends "base.html" %}{% block content %}{% for a in articles %}{{ a.url }}{% endfor %}{% endblock content %}"#,
        ] {
            assert!(!only_html(list), "{list}");
        }
    }

    #[test]
    fn a_missing_template_is_everything() {
        assert!(!reads_only(&Tera::default(), "list.html", TEASERS));
    }
}
