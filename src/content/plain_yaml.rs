//! The plain front matter nearly every article has, read without the YAML
//! parser: `key: value` lines whose values are plain or quoted texts, lists
//! in brackets (`[سوريا, لبنان]`) or `- item` lines.
//!
//! [`read`] gives exactly the mapping serde_yaml gives for such front
//! matter, or `None` for anything else (comments, nested mappings, block
//! scalars, anchors, tags, escapes, a plain value that YAML would read as a
//! number or null, a duplicate key, characters YAML treats apart):
//! serde_yaml then reads it, with its errors and their positions. The tests
//! hold it to serde_yaml's answer on random front matter.
//! serde_yaml spends tens of microseconds on the few lines of an article;
//! this reads them in one pass over their bytes.

use serde_yaml::{Mapping, Value};

/// The mapping of `yaml` (the lines between the `---` fences), if it is
/// all plain front matter (see the module doc); `None` for anything else.
pub fn read(yaml: &str) -> Option<Mapping> {
    if yaml.chars().any(yaml_apart) {
        return None;
    }
    let mut map = Mapping::new();
    let mut lines = yaml.split('\n').peekable();
    while let Some(line) = lines.next() {
        if is_blank(line) {
            continue;
        }
        let (key, rest) = key_line(line)?;
        let value = if rest.is_empty() {
            block_list(&mut lines)?
        } else {
            value(rest, Context::Block)?
        };
        let key = Value::String(key.to_string());
        if map.contains_key(&key) {
            // serde_yaml's error, with its position.
            return None;
        }
        map.insert(key, value);
    }
    Some(map)
}

/// Whether YAML reads the character `c` otherwise than as text: white
/// space other than the space and the line feed (a tab, a carriage
/// return), a control character or a non-character (which it rejects), a
/// line or paragraph separator or NEL (which break lines), a byte-order
/// mark.
fn yaml_apart(c: char) -> bool {
    matches!(c,
        '\0'..='\u{09}' | '\u{0B}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Whether a line holds nothing but spaces.
fn is_blank(line: &str) -> bool {
    line.bytes().all(|b| b == b' ')
}

/// The longest key [`read`] takes: YAML refuses an implicit key of 1,024
/// characters or more.
const MAX_KEY: usize = 128;

/// A `key: value` line at the left margin: the key (ASCII letters, digits,
/// `_` and `-`, led by a letter or `_`, and not a word YAML reads as null
/// or a boolean) and the value without the spaces around it.
fn key_line(line: &str) -> Option<(&str, &str)> {
    let bytes = line.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() && bytes[0] != b'_' {
        return None;
    }
    let end = bytes
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        .unwrap_or(bytes.len());
    let key = &line[..end];
    if end > MAX_KEY || !is_text(key) {
        return None;
    }
    let rest = line[end..].strip_prefix(':')?;
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    Some((key, rest.trim_matches(' ')))
}

/// The list of `- item` lines that follows a `key:` line (null when none
/// does), all at one indentation, each item a text. Stops at the first
/// line that is not an item; [`read`] then reads it as a key line, or
/// gives up on it.
fn block_list<'a>(lines: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>) -> Option<Value> {
    let mut items = Vec::new();
    let mut indent = None;
    while let Some(&line) = lines.peek() {
        let content = line.trim_start_matches(' ');
        let here = line.len() - content.len();
        let Some(item) = content.strip_prefix("- ") else {
            break;
        };
        if *indent.get_or_insert(here) != here {
            return None;
        }
        lines.next();
        let item = item.trim_matches(' ');
        if item.starts_with('[') {
            // A list inside the list.
            return None;
        }
        items.push(value(item, Context::Block)?);
    }
    Some(if indent.is_none() {
        Value::Null
    } else {
        Value::Sequence(items)
    })
}

/// Where a value stands: after a key or a `- ` (block), or inside
/// brackets (flow), where `,` `[` `]` `{` `}` end a plain text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Block,
    Flow,
}

/// One value, without the spaces around it and not empty: a quoted text,
/// a list in brackets (in a block) or a plain text.
fn value(text: &str, context: Context) -> Option<Value> {
    match text.as_bytes().first()? {
        b'"' => double_quoted(text).map(Value::String),
        b'\'' => single_quoted(text).map(Value::String),
        b'[' if context == Context::Block => flow_list(text),
        _ => plain(text, context).map(|s| match boolean(s) {
            Some(b) => Value::Bool(b),
            None => Value::String(s.to_string()),
        }),
    }
}

/// `"…"` as the whole of `text`: its content, with `\"` and `\\` read as
/// the character they escape. Any other escape: `None`.
fn double_quoted(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                c @ ('"' | '\\') => out.push(c),
                _ => return None,
            },
            // The closing quote comes before the end.
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// `'…'` as the whole of `text`: its content, with `''` read as `'`.
fn single_quoted(text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' if chars.next() == Some('\'') => out.push('\''),
            // The closing quote comes before the end.
            '\'' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// `[a, b, …]` as the whole of `text`: a list of texts, each plain or
/// quoted (a quoted one holding no `,`).
fn flow_list(text: &str) -> Option<Value> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    if is_blank(inner) {
        return Some(Value::Sequence(Vec::new()));
    }
    inner
        .split(',')
        .map(|item| value(item.trim_matches(' '), Context::Flow))
        .collect::<Option<Vec<Value>>>()
        .map(Value::Sequence)
}

/// A plain (unquoted) scalar that YAML reads as that text or as a boolean:
/// not led by an indicator, holding no `: ` or ` #` (nor, in brackets, `:`
/// `#` or a bracket), and not null or a number.
fn plain(text: &str, context: Context) -> Option<&str> {
    let first = *text.as_bytes().first()?;
    if b"-?:,[]{}#&*!|>'\"%@`".contains(&first) {
        return None;
    }
    let clash = match context {
        Context::Block => text.contains(": ") || text.contains(" #") || text.ends_with(':'),
        Context::Flow => text.contains([':', '#', '[', ']', '{', '}']),
    };
    (!clash && (boolean(text).is_some() || is_text(text))).then_some(text)
}

/// How YAML reads a plain scalar that is `true` or `false` (in the three
/// spellings serde_yaml takes): `None` for other text.
fn boolean(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Whether YAML reads the plain scalar `s` as text: not null, a boolean or
/// a number. A number is what serde_yaml tries Rust's parsers on: with a
/// sign or not, `0x`, `0o` or `0b` and digits, or what `f64` parses
/// (decimal, `1e5`, `inf`, `NaN`…). Answered with a margin: words YAML 1.1
/// read as null or booleans in any case, and any text after `0x`, `0o` or
/// `0b`, are left to serde_yaml too.
fn is_text(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "+.inf", "-.inf",
        ".nan",
    ];
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let radix = unsigned.len() >= 2
        && unsigned[0] == b'0'
        && matches!(unsigned[1].to_ascii_lowercase(), b'x' | b'o' | b'b');
    !radix && s.parse::<f64>().is_err() && !WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// serde_yaml's reading of `yaml`, as [`read`] would give it.
    fn by_serde(yaml: &str) -> Option<Mapping> {
        match serde_yaml::from_str::<Value>(yaml).ok()? {
            Value::Mapping(m) => Some(m),
            Value::Null => Some(Mapping::new()),
            _ => None,
        }
    }

    /// Checks that `read` either gives up or agrees with serde_yaml, keys
    /// in the same order; returns whether it read `yaml`.
    fn agrees(yaml: &str) -> bool {
        let Some(fast) = read(yaml) else {
            return false;
        };
        let slow = by_serde(yaml);
        assert_eq!(Some(&fast), slow.as_ref(), "{yaml:?}");
        let order = |m: &Mapping| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(order(&fast), slow.as_ref().map(order).unwrap_or_default());
        true
    }

    #[test]
    fn reads_an_articles_front_matter() {
        let yaml = "title: \"تقرير: خالد الخطيب استهدف عودة اللاجئين\"\n\
                    date: 2019-03-26T09:40:00+02:00\n\
                    category: رأي\n\
                    author: وكالة زيتون\n\
                    summary: 'قال: «لا» و''نعم'''\n\
                    countries: [إيران, \"سوريا\"]\n\
                    actors:\n  - خالد الخطيب\n  - نظام الأسد\n\
                    tags: []\n\
                    image:\n\
                    \n\
                    source: عنب بلدي, [تقرير] C#\n\
                    updated: 2019-03-04\n\
                    draft: false\n";
        assert!(agrees(yaml));
        let map = read(yaml).unwrap();
        assert_eq!(map.len(), 12);
        assert_eq!(map["draft"], Value::Bool(false));
        assert_eq!(map["updated"], Value::String("2019-03-04".into()));
        assert_eq!(map["summary"], Value::String("قال: «لا» و'نعم'".into()));
        assert_eq!(map["image"], Value::Null);
        assert_eq!(
            map["actors"],
            Value::Sequence(vec![
                Value::String("خالد الخطيب".into()),
                Value::String("نظام الأسد".into())
            ])
        );
    }

    #[test]
    fn leaves_the_rest_to_serde_yaml() {
        for yaml in [
            "title: 2019",
            "title: 2024",
            "title: 1e3",
            "title: null",
            "title: yes",
            "title: 0x1F",
            "title: -1.5",
            "title: NaN",
            "title: ~",
            "title: .inf",
            "title: a # comment",
            "title: a: b",
            "title: a\n  continued",
            "title: \"a\\nb\"",
            "title: \"a\" b",
            "title: a\ntitle: b",
            "# comment\ntitle: a",
            "image:\n  url: a.jpg",
            "title: |\n  a",
            "title: &x a",
            "title: !tag a",
            "title: a\tb",
            "title: a\u{2028}b",
            "list: [a, [b]]",
            "list: [a, b,]",
            "list: [\"a, b\"]",
            "list:\n  - a\n    - b",
            "list:\n  - a\n - b",
            "true: a",
            " title: a",
            "title : a",
            "title:a",
        ] {
            assert!(read(yaml).is_none(), "{yaml:?}");
        }
    }

    /// Pieces of front matter lines, the plain and the tricky.
    const PIECES: &[&str] = &[
        "title",
        "date",
        "countries",
        "true",
        "e",
        "_x",
        "a-b",
        ":",
        ": ",
        " ",
        "  ",
        "\n",
        "\n  ",
        "\n- ",
        "\n  - ",
        "- ",
        "-",
        "[",
        "]",
        ", ",
        ",",
        "\"",
        "'",
        "''",
        "\\",
        "\\\"",
        "#",
        " #",
        "سوريا",
        "نظام الأسد",
        "«قال»",
        "2019-03-26T09:40:00+02:00",
        "12",
        "0x1F",
        "1e5",
        ".5",
        "+",
        "null",
        "~",
        "TRUE",
        "No",
        "inf",
        "{",
        "}",
        "&a",
        "*a",
        "!t",
        "|",
        ">",
        "%",
        "@",
        "`",
        "?",
        "\t",
        "\r",
        "\u{85}",
        "\u{A0}",
        "\u{2028}",
        "\u{FEFF}",
        "\u{200F}",
        "...",
        "---",
        "12",
        "سوريا",
        " ",
        "نظام الأسد",
        "«قال»",
        "2019-03-26T09:40:00+02:00",
        "2019-03-04",
        "0o17",
        "-0x1",
        "1_000",
        "0123",
        "+.5",
        "Infinity",
        "False",
        "C#",
        "a:b",
        "ـ",
        "\u{64E}",
        "\u{A0}",
        "\u{200F}",
        "x",
    ];

    /// How many pieces at the end of [`PIECES`] are those of real front
    /// matter.
    const PLAIN: usize = 21;

    /// Front matter lines of `key: …` built from [`PIECES`]: `(key, value,
    /// shape)` per line, `shape` a plain value, a list in brackets, a list
    /// of `- ` lines or a quoted value.
    fn front_matter_lines() -> impl Strategy<Value = String> {
        // Mostly the pieces of real front matter, a tricky one now and then.
        let piece = prop_oneof![
            12 => PIECES.len() - PLAIN..PIECES.len(),
            1 => 0..PIECES.len(),
        ];
        let line = (
            0..PIECES.len(),
            prop::collection::vec(piece, 0..5),
            0..4usize,
        );
        prop::collection::vec(line, 1..6).prop_map(|lines| {
            let mut yaml = String::new();
            for (i, (key, value, shape)) in lines.iter().enumerate() {
                let key = if PIECES[*key].bytes().all(|b| b.is_ascii_alphabetic()) {
                    PIECES[*key].to_string()
                } else {
                    format!("k{i}")
                };
                let value: String = value.iter().map(|&v| PIECES[v]).collect();
                yaml.push_str(&match shape {
                    0 => format!("{key}: {value}\n"),
                    1 => format!("{key}: [{value}, {value}]\n"),
                    2 => format!("{key}:\n  - {value}\n  - x{value}\n"),
                    _ => format!("{key}: \"{value}\"\n"),
                });
            }
            yaml
        })
    }

    /// The comparison below is worth something only if `read` takes a fair
    /// share of what it is given.
    #[test]
    fn front_matter_lines_are_mostly_read() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = front_matter_lines();
        let total = 2000;
        let read_ones = (0..total)
            .filter(|_| {
                let yaml = strategy.new_tree(&mut runner).unwrap().current();
                agrees(&yaml)
            })
            .count();
        assert!(read_ones * 4 > total, "{read_ones} of {total} read");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Whatever it reads, it reads as serde_yaml does.
        #[test]
        fn agrees_with_serde_yaml(parts in prop::collection::vec(0..PIECES.len(), 0..24)) {
            let yaml: String = parts.iter().map(|&i| PIECES[i]).collect();
            agrees(&yaml);
        }

        /// Lines shaped like front matter, which it mostly reads.
        #[test]
        fn agrees_on_front_matter_lines(yaml in front_matter_lines()) {
            agrees(&yaml);
        }
    }
}
