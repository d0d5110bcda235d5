//! Metadata for search engines and link previews: schema.org JSON-LD for
//! article and term pages, and the Open Graph locale.
//!
//! The JSON-LD is built here with serde_json and handed to templates as
//! `jsonld`, a string a template prints with `| safe` inside
//! `<script type="application/ld+json">`. It is safe to print so because
//! [`script_json`] writes every `<`, `>` and `&` as a `\u` escape: no value
//! (a title such as `</script><script>…`) can close the element or open a
//! comment, and the JSON means the same.

use serde_json::{json, Map, Value};

use super::feed::{absolute, image_url, last_change};
use crate::site::{Article, Site, Term};

/// JSON for inside a `<script>` element.
pub fn script_json(value: &Value) -> String {
    // Written into a buffer directly: `Value`'s `Display` (`to_string`)
    // gives the same text through a formatter, piece by piece, at twice the
    // cost. A `Value` always serializes (its keys are strings).
    let text = serde_json::to_string(value).unwrap_or_default();
    // Most JSON-LD has none of the three: found by memchr, not char by char.
    let specials = memchr::memchr3_iter(b'<', b'>', b'&', text.as_bytes());
    super::escape::replace_bytes(&text, specials, |b| match b {
        b'<' => "\\u003c",
        b'>' => "\\u003e",
        _ => "\\u0026",
    })
}

/// The Open Graph locale of a language tag: `ar` → `ar_AR`, `en-GB` → `en_GB`.
pub fn og_locale(lang: &str) -> String {
    let mut parts = lang.split(['-', '_']);
    let primary = parts.next().unwrap_or("").to_ascii_lowercase();
    if let Some(region) = parts.find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return format!("{primary}_{}", region.to_ascii_uppercase());
    }
    let region = match primary.as_str() {
        "ar" => "AR",
        "en" => "US",
        "fa" => "IR",
        "he" => "IL",
        "ur" => "PK",
        "ku" | "tr" => "TR",
        "fr" => "FR",
        "de" => "DE",
        "es" => "ES",
        "ru" => "RU",
        other => return format!("{other}_{}", other.to_ascii_uppercase()),
    };
    format!("{primary}_{region}")
}

/// The schema.org type of a term: its file's `type` when that is a plain
/// name (`Person`, `Organization`, `Country`…), else `Country` for the
/// countries taxonomy and `Thing` for any other.
pub fn term_type<'a>(taxonomy: &str, term: &'a Term) -> &'a str {
    match term.kind.as_deref() {
        Some(kind)
            if !kind.is_empty()
                && kind.starts_with(|c: char| c.is_ascii_uppercase())
                && kind.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            kind
        }
        _ if taxonomy == "countries" => "Country",
        _ => "Thing",
    }
}

/// A term as a schema.org entity: type, name, URL of its page.
fn entity(site: &Site, taxonomy: &str, term: &Term) -> Value {
    json!({
        "@type": term_type(taxonomy, term),
        "name": term.name,
        "url": absolute(site, &term.path),
    })
}

/// `NewsArticle` JSON-LD of an article page. Made of nothing but what
/// [`Teaser::inputs`](super::context::Teaser::inputs) holds and the
/// configuration: page fingerprints count it by the teaser's.
pub fn article_jsonld(site: &Site, a: &Article) -> String {
    let config = &site.config;
    let front = &a.source.front;
    let url = absolute(site, &a.path);
    let mut authors = Vec::new();
    let mut about = Vec::new();
    let mut mentions = Vec::new();
    let mut sections = Vec::new();
    for (tax, terms) in site.taxonomies.iter().zip(&a.terms) {
        let name = tax.config.name.as_str();
        for &t in terms {
            let term = &tax.terms[t];
            match name {
                "author" => authors.push(json!({
                    "@type": match term.kind.as_deref() {
                        Some("Person") => "Person",
                        _ => "Organization",
                    },
                    "name": term.name,
                    "url": absolute(site, &term.path),
                })),
                "countries" => about.push(entity(site, name, term)),
                "actors" => mentions.push(entity(site, name, term)),
                "category" => sections.push(Value::from(term.name.as_str())),
                _ => {}
            }
        }
    }
    if authors.is_empty() {
        authors
            .push(json!({ "@type": "Organization", "name": config.title, "url": config.base_url }));
    }
    let mut ld = Map::new();
    ld.insert("@context".into(), "https://schema.org".into());
    ld.insert("@type".into(), "NewsArticle".into());
    ld.insert("headline".into(), front.title.as_str().into());
    if !a.summary().is_empty() {
        ld.insert("description".into(), a.summary().into());
    }
    ld.insert("url".into(), url.as_str().into());
    ld.insert(
        "mainEntityOfPage".into(),
        json!({ "@type": "WebPage", "@id": url }),
    );
    ld.insert("datePublished".into(), front.date.rfc3339().into());
    ld.insert("dateModified".into(), last_change(a).rfc3339().into());
    ld.insert("inLanguage".into(), a.lang.as_str().into());
    ld.insert("author".into(), Value::Array(authors));
    ld.insert(
        "publisher".into(),
        json!({ "@type": "Organization", "name": config.title, "url": config.base_url }),
    );
    if let Some(image) = &a.image {
        ld.insert("image".into(), json!([image_url(site, image)]));
    }
    if !sections.is_empty() {
        ld.insert("articleSection".into(), Value::Array(sections));
    }
    if !about.is_empty() {
        ld.insert("about".into(), Value::Array(about));
    }
    if !mentions.is_empty() {
        ld.insert("mentions".into(), Value::Array(mentions));
    }
    ld.insert("wordCount".into(), a.source.body.word_count.into());
    script_json(&Value::Object(ld))
}

/// JSON-LD of a term page: the term as a `Country`, `Person`,
/// `Organization`… (see [`term_type`]) whose page this is.
///
/// The spellings met in articles (`alternateName`) are given on the term's
/// first page only: a numbered page must not change when a new story
/// brings a new spelling (stable pagination).
///
/// Reads of the term its name, type, spellings and path only: page
/// fingerprints count the JSON-LD by these.
pub fn term_jsonld(site: &Site, t: usize, i: usize, page_url: &str, first_page: bool) -> String {
    let tax = &site.taxonomies[t];
    let term = &tax.terms[i];
    let mut ld = Map::new();
    ld.insert("@context".into(), "https://schema.org".into());
    ld.insert("@type".into(), term_type(&tax.config.name, term).into());
    ld.insert("name".into(), term.name.as_str().into());
    let others: Vec<&str> = term
        .spellings
        .keys()
        .map(String::as_str)
        .filter(|s| *s != term.name)
        .collect();
    if first_page && !others.is_empty() {
        ld.insert("alternateName".into(), others.into());
    }
    ld.insert("url".into(), absolute(site, &term.path).into());
    ld.insert(
        "mainEntityOfPage".into(),
        json!({ "@type": "CollectionPage", "@id": page_url, "inLanguage": site.config.language }),
    );
    script_json(&Value::Object(ld))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_element() {
        let v = json!({ "headline": "</script><script>alert(1)</script> <!-- & \"q\"" });
        let s = script_json(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn locales() {
        assert_eq!(og_locale("ar"), "ar_AR");
        assert_eq!(og_locale("ar-SY"), "ar_SY");
        assert_eq!(og_locale("en"), "en_US");
        assert_eq!(og_locale("en_GB"), "en_GB");
    }
}
