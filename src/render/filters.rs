//! The filters arshif adds to Tera, for Arabic a template cannot do alone:
//! `plural` (CLDR agreement: مقال واحد، مقالان، 3 مقالات، 11 مقالًا) and
//! `digits` (the site's digits, Latin or Arabic-Indic).

use std::collections::HashMap;

use tera::{Tera, Value};

use crate::arabic::{Digits, PluralForms};

/// The filters arshif adds to Tera: `plural` (Arabic agreement) and `digits`.
pub fn register_filters(tera: &mut Tera, digits: Digits) {
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
}
