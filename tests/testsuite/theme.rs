//! The default theme's own rules, read from its files: CSS logical
//! properties only (so right-to-left and left-to-right pages both lay out
//! right), no letter-spacing (it breaks Arabic joins), and nothing loaded from
//! another host.

use std::fs;

use crate::support::{files_under, repo_root};

/// Every `property: value` declaration of a style sheet, comments removed.
fn declarations(css: &str) -> Vec<(String, String)> {
    let mut text = String::new();
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    // A block's declarations follow its last `{` (also inside @media).
    text.split('}')
        .filter_map(|block| block.rsplit_once('{').map(|(_, body)| body))
        .flat_map(|body| body.split(';'))
        .filter_map(|d| {
            let (property, value) = d.split_once(':')?;
            let property = property.trim().to_ascii_lowercase();
            (!property.is_empty()).then(|| (property, value.trim().to_ascii_lowercase()))
        })
        .collect()
}

#[test]
fn style_sheets_use_logical_properties_only() {
    let static_dir = repo_root().join("themes/default/static");
    let mut checked = 0;
    for rel in files_under(&static_dir) {
        if !rel.ends_with(".css") {
            continue;
        }
        let css = fs::read_to_string(static_dir.join(&rel)).unwrap();
        for (property, value) in declarations(&css) {
            checked += 1;
            let physical_property = property.split('-').any(|w| w == "left" || w == "right");
            let physical_value = matches!(property.as_str(), "text-align" | "float" | "clear")
                && (value.contains("left") || value.contains("right"));
            assert!(
                !physical_property && !physical_value,
                "{rel}: `{property}: {value}` is a physical direction; use the logical property \
                 (margin-inline-start, inset-inline-end, text-align: start…)"
            );
            assert!(
                property != "letter-spacing" || value == "normal" || value == "0",
                "{rel}: `letter-spacing: {value}` breaks the joins of Arabic letters"
            );
        }
    }
    assert!(
        checked > 100,
        "only {checked} declarations found: is the style sheet there?"
    );
}

#[test]
fn the_theme_loads_nothing_from_another_host() {
    let theme = repo_root().join("themes/default");
    for rel in files_under(&theme) {
        if !(rel.ends_with(".html") || rel.ends_with(".css")) {
            continue;
        }
        let text = fs::read_to_string(theme.join(&rel))
            .unwrap()
            .to_ascii_lowercase();
        for needle in [
            "src=\"http",
            "src=\"//",
            "url(http",
            "url(\"http",
            "url('http",
            "@import",
            "href=\"http",
        ] {
            assert!(
                !text.contains(needle),
                "{rel} loads from another host: `{needle}…`"
            );
        }
    }
}

#[test]
fn the_checker_sees_physical_properties() {
    let found =
        declarations("/* margin-left: 1px */ a:hover { margin-left: 2px; text-align: right }");
    assert_eq!(
        found,
        [
            ("margin-left".to_string(), "2px".to_string()),
            ("text-align".to_string(), "right".to_string())
        ]
    );
}
