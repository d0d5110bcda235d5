//! The filters arshif adds to Tera, for Arabic a template cannot do alone:
//! `plural` (CLDR agreement: مقال واحد، مقالان، 3 مقالات، 11 مقالًا) and
//! `digits` (the site's digits, Latin or Arabic-Indic); and Tera's own
//! `filter`, made to copy only what it keeps.

use std::collections::HashMap;

use tera::{Tera, Value};

use crate::arabic::{Digits, PluralForms};

/// The filters arshif adds to Tera: `plural` (Arabic agreement) and `digits`,
/// and `filter` in place of Tera's own.
pub fn register_filters(tera: &mut Tera, digits: Digits) {
    tera.register_filter("filter", filter);
    tera.register_filter(
        "digits",
        move |value: &Value, _: &HashMap<String, Value>| {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Ok(Value::String(digits.apply(&text)))
        },
    );
    tera.register_filter(
        "plural",
        move |value: &Value, args: &HashMap<String, Value>| {
            let n = value
                .as_u64()
                .or_else(|| value.as_f64().map(|f| f.max(0.0) as u64))
                .ok_or_else(|| tera::Error::msg(format!("plural: {value} is not a number")))?;
            let other = args
                .get("other")
                .and_then(Value::as_str)
                .ok_or_else(|| tera::Error::msg("plural: give at least `other=\"{n} …\"`"))?;
            let form = |key: &str| args.get(key).and_then(Value::as_str).unwrap_or(other);
            let forms = PluralForms {
                zero: form("zero"),
                one: form("one"),
                two: form("two"),
                few: form("few"),
                many: form("many"),
                other,
            };
            Ok(Value::String(forms.pick(n, digits)))
        },
    );
}

/// Tera's `filter` (`list | filter(attribute="a.b", value=v)`: the items
/// whose attribute equals `v`, or is not null when `v` is not given), with
/// the same results and errors. Tera's copies the whole list twice to keep
/// a few items; this one copies only the items it keeps, which counts
/// where every teaser of a list page picks its categories and authors.
fn filter(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let items = value.as_array().ok_or_else(|| {
        tera::Error::msg(format!(
            "Filter `filter` was called on an incorrect value: got `{value}` but expected a Vec<Value>"
        ))
    })?;
    if items.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    let key = match args.get("attribute") {
        Some(Value::String(key)) => key,
        Some(other) => {
            return Err(tera::Error::msg(format!(
                "Filter `filter` received an incorrect type for arg `attribute`: got `{other}` but expected a String"
            )))
        }
        None => {
            return Err(tera::Error::msg(
                "The `filter` filter has to have an `attribute` argument",
            ))
        }
    };
    let wanted = args.get("value").unwrap_or(&Value::Null);
    let kept = items
        .iter()
        .filter(|item| {
            let found = tera::dotted_pointer(item, key).unwrap_or(&Value::Null);
            if wanted.is_null() {
                !found.is_null()
            } else {
                found == wanted
            }
        })
        .cloned()
        .collect();
    Ok(Value::Array(kept))
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
    fn filter_keeps_what_teras_own_keeps() {
        // Tera's own `filter` stays reachable in a Tera without ours.
        let mut teras = Tera::default();
        let mut ours = Tera::default();
        ours.register_filter("filter", filter);
        let args = [
            r#"attribute="name", value="category""#,
            r#"attribute="meta.x", value=2"#,
            r#"attribute="name""#,
            r#"attribute="terms""#,
            r#"attribute="missing", value="x""#,
            r#"attribute=7"#,
            r#"value="category""#,
        ];
        for (i, args) in args.iter().enumerate() {
            let source = format!("{{{{ list | filter({args}) | json_encode() }}}}");
            let name = i.to_string();
            teras.add_raw_template(&name, &source).unwrap();
            ours.add_raw_template(&name, &source).unwrap();
        }
        let lists = [
            serde_json::json!([
                {"name": "category", "terms": [1]},
                {"name": "author", "meta": {"x": 2}},
                {"name": "category", "terms": []},
                {"name": null},
                3
            ]),
            serde_json::json!([]),
            serde_json::json!("text"),
        ];
        for list in &lists {
            let mut ctx = Context::new();
            ctx.insert("list", list);
            for i in 0..args.len() {
                let name = i.to_string();
                let want = teras.render(&name, &ctx).map_err(|_| ());
                let got = ours.render(&name, &ctx).map_err(|_| ());
                assert_eq!(got, want, "{} on {list}", args[i]);
            }
        }
    }
}
