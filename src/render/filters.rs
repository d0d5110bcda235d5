//! The filters arshif adds to Tera, for Arabic a template cannot do alone:
//! `plural` (CLDR agreement: مقال واحد، مقالان، 3 مقالات، 11 مقالًا) and
//! `digits` (the site's digits, Latin or Arabic-Indic); and two of Tera 1's
//! that Tera 2 no longer has, `filter` and `striptags`, so that themes
//! written for either keep them.

use tera::{Kwargs, State, Tera, TeraResult, Value};

use crate::arabic::{Digits, PluralForms};

/// The filters arshif adds to Tera: `plural` (Arabic agreement) and `digits`,
/// and Tera 1's `filter` and `striptags`. Registered before any template is
/// added, as Tera 2 asks.
pub fn register_filters(tera: &mut Tera, digits: Digits) {
    tera.register_filter("filter", filter);
    tera.register_filter("striptags", |text: &str, _: Kwargs, _: &State| {
        striptags(text)
    });
    tera.register_filter("digits", move |value: Value, _: Kwargs, _: &State| {
        let text = match value.as_str() {
            Some(s) => digits.apply(s),
            None => digits.apply(&value.to_string()),
        };
        Value::from(text)
    });
    tera.register_filter(
        "plural",
        move |value: Value, args: Kwargs, _: &State| -> TeraResult<String> {
            let n = value
                .as_u64()
                .or_else(|| value.as_f64().map(|f| f.max(0.0) as u64))
                .ok_or_else(|| tera::Error::message(format!("plural: {value} is not a number")))?;
            let other: String = args
                .get("other")?
                .ok_or_else(|| tera::Error::message("plural: give at least `other=\"{n} …\"`"))?;
            let form = |key: &str| -> TeraResult<String> {
                Ok(args.get::<String>(key)?.unwrap_or_else(|| other.clone()))
            };
            let (zero, one, two) = (form("zero")?, form("one")?, form("two")?);
            let (few, many) = (form("few")?, form("many")?);
            let forms = PluralForms {
                zero: &zero,
                one: &one,
                two: &two,
                few: &few,
                many: &many,
                other: &other,
            };
            Ok(forms.pick(n, digits))
        },
    );
}

/// Tera 1's `striptags`: `text` without its HTML comments (each on one
/// line) and tags.
fn striptags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = &rest[at..];
        let comment = tag.strip_prefix("<!--").and_then(|body| {
            let line = body.find('\n').unwrap_or(body.len());
            body[..line].find("-->").map(|end| 4 + end + 3)
        });
        match comment.or_else(|| tag.find('>').map(|end| end + 1)) {
            Some(len) => rest = &tag[len..],
            None => {
                out.push('<');
                rest = &tag[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Tera 1's `filter` (`list | filter(attribute="a.b", value=v)`: the items
/// whose attribute equals `v`, or is not null when `v` is not given).
fn filter(items: &[Value], args: Kwargs, _: &State) -> TeraResult<Vec<Value>> {
    let key: &str = args.must_get("attribute")?;
    let wanted: Option<Value> = args.get("value")?;
    let kept = items
        .iter()
        .filter(|item| {
            let found = item.get_from_path(key).filter(|v| !v.is_none());
            match &wanted {
                None => found.is_some(),
                Some(wanted) => found == Some(wanted),
            }
        })
        .cloned()
        .collect();
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tera::Context;

    #[test]
    fn plural_filter_agrees_in_arabic() {
        let mut tera = Tera::default();
        register_filters(&mut tera, Digits::Latin);
        tera.add_raw_template(
            "t",
            r#"{{ n | plural(zero="لا مقالات", one="مقال واحد", two="مقالان", few="{n} مقالات", many="{n} مقالًا", other="{n} مقال") }}"#,
        )
        .unwrap();
        let render = |n: u64| {
            let mut c = Context::new();
            c.insert("n", &n);
            tera.render("t", &c).unwrap()
        };
        assert_eq!(render(0), "لا مقالات");
        assert_eq!(render(1), "مقال واحد");
        assert_eq!(render(2), "مقالان");
        assert_eq!(render(3), "3 مقالات");
        assert_eq!(render(11), "11 مقالًا");
        assert_eq!(render(100), "100 مقال");
    }

    #[test]
    fn filter_keeps_the_items_whose_attribute_matches() {
        let mut tera = Tera::default();
        register_filters(&mut tera, Digits::Latin);
        let args = [
            (
                r#"attribute="name", value="category""#,
                Ok(r#"[{"name": "category", "terms": [1]}, {"name": "category", "terms": []}]"#),
            ),
            (
                r#"attribute="meta.x", value=2"#,
                Ok(r#"[{"meta": {"x": 2}, "name": "author"}]"#),
            ),
            (
                r#"attribute="name""#,
                Ok(
                    r#"[{"name": "category", "terms": [1]}, {"meta": {"x": 2}, "name": "author"}, {"name": "category", "terms": []}]"#,
                ),
            ),
            (r#"attribute="missing", value="x""#, Ok("[]")),
            (r#"attribute=7"#, Err(())),
            (r#"value="category""#, Err(())),
        ];
        for (i, (args, _)) in args.iter().enumerate() {
            let source = format!("{{{{ list | filter({args}) }}}}");
            tera.add_raw_template(&i.to_string(), &source).unwrap();
        }
        let list = serde_json::json!([
            {"name": "category", "terms": [1]},
            {"name": "author", "meta": {"x": 2}},
            {"name": "category", "terms": []},
            {"name": null},
            3
        ]);
        let mut ctx = Context::new();
        ctx.insert("list", &list);
        for (i, (args, want)) in args.iter().enumerate() {
            let got = tera.render(&i.to_string(), &ctx).map_err(|_| ());
            assert_eq!(got.as_deref(), want.as_deref(), "{args}");
        }
    }

    #[test]
    fn striptags_drops_tags_and_one_line_comments() {
        for (text, want) in [
            ("<p>a <b>b</b></p>", "a b"),
            // A comment is dropped whole, `>` inside and all, where it ends
            // on its line; else up to its first `>`, as a tag.
            ("a<!-- x > y -->b", "ab"),
            ("a<!-- x\n > y -->b", "a y -->b"),
            ("1 < 2", "1 < 2"),
            ("a <br\n/> b", "a  b"),
        ] {
            assert_eq!(striptags(text), want, "{text:?}");
        }
    }
}
