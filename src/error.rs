//! Errors as values: what went wrong, where, and what to write instead.
//!
//! Every stage of the pipeline reports problems as [`Diagnostic`]s — a file, a
//! position when one is known, a message and an optional hint — and collects
//! them instead of stopping at the first, so a writer sees every mistake of a
//! build at once. [`Error`] wraps them with the exit status the command line
//! promises (SPEC §6): 1 for content and template errors, 2 for usage and
//! configuration errors. [`Error::report`] is the one place that turns them
//! into text for people.

use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The build cannot succeed.
    Error,
    /// Worth a look; the build still succeeds.
    Warning,
}

/// One finding about one place in one file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    /// The file, relative to the site root when it lies inside it.
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters), when known.
    pub column: Option<usize>,
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to write instead, when there is something useful to say.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error about `path` with no position yet.
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            path: path.into(),
            line: None,
            column: None,
            severity: Severity::Error,
            message: message.into(),
            hint: None,
        }
    }

    /// A warning about `path` with no position yet.
    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    /// Places the finding at a 1-based line and column.
    pub fn at(mut self, line: usize, column: usize) -> Diagnostic {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Places the finding at a 1-based line.
    pub fn at_line(mut self, line: usize) -> Diagnostic {
        self.line = Some(line);
        self
    }

    /// Adds advice on what to write instead.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `path:line:col: error: message`, then the hint on its own line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.headline())?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  = help: {hint}")?;
        }
        Ok(())
    }
}

impl Diagnostic {
    /// The finding for people, rustc style: the headline, then (when the
    /// finding has a line and `source` is the file's text) that line with a
    /// caret under the column, then the hint.
    ///
    /// ```text
    /// content/2020/10/x.md:3:7: error: `date`: `2020-13-40` is not a valid date …
    ///   |
    /// 3 | date: 2020-13-40
    ///   |       ^^^^^^^^^^
    ///   = help: write the date as `2020-10-27` or `2020-10-27T14:05:00+03:00`
    /// ```
    pub fn render(&self, source: Option<&str>) -> String {
        let mut out = self.headline();
        let shown = self.line.and_then(|n| Some((n, source_line(source?, n)?)));
        let width = shown.as_ref().map_or(1, |(n, _)| n.to_string().len());
        let pad = " ".repeat(width);
        if let Some((n, text)) = &shown {
            let text = text.replace('\t', " ");
            out.push_str(&format!("\n{pad} |\n{n} | {text}"));
            if let Some(col) = self.column {
                let chars: Vec<char> = text.chars().collect();
                let start = col.saturating_sub(1).min(chars.len());
                let len = chars[start..]
                    .iter()
                    .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | ')' | '}' | '>'))
                    .count()
                    .max(1);
                out.push_str(&format!(
                    "\n{pad} | {}{}",
                    " ".repeat(start),
                    "^".repeat(len)
                ));
            }
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("\n{pad} = help: {hint}"));
        }
        out
    }

    /// `path:line:col: error: message`, the one-line form.
    fn headline(&self) -> String {
        // A file name may hold a line feed or a bidi control: shown escaped,
        // it cannot fake another message or reorder the line.
        let mut out = String::new();
        for c in self.path.to_string_lossy().chars() {
            if c.is_control() || crate::arabic::fold::is_bidi_control(c) {
                out.extend(c.escape_debug());
            } else {
                out.push(c);
            }
        }
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
            if let Some(column) = self.column {
                out.push_str(&format!(":{column}"));
            }
        }
        out.push_str(&format!(": {}: {}", self.severity.label(), self.message));
        out
    }

    /// The finding as a JSON object for editors and CI.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "path": self.path.to_string_lossy(),
            "line": self.line,
            "column": self.column,
            "severity": self.severity.label(),
            "message": self.message,
            "hint": self.hint,
        })
    }
}

impl Severity {
    /// `error` or `warning`, as printed.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Line `n` (1-based) of `text`, whatever its line ends and BOM.
fn source_line(text: &str, n: usize) -> Option<String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let line = text.split('\n').nth(n.checked_sub(1)?)?;
    let line = line.strip_suffix('\r').unwrap_or(line);
    Some(line.to_string())
}

/// Reads the file a finding names (relative to the site `root`) so that its
/// line can be shown; `None` when it cannot be read as text.
pub fn read_source(root: &Path, d: &Diagnostic) -> Option<String> {
    d.line?;
    let path = if d.path.is_absolute() {
        d.path.clone()
    } else {
        root.join(&d.path)
    };
    let bytes = std::fs::read(path).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Findings for people: each rendered with its source line (read from the
/// site at `root`), sorted by file and position.
pub fn render_all(root: &Path, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.render(read_source(root, d).as_deref()));
        out.push('\n');
    }
    out
}

/// How many errors and warnings `diags` hold.
pub fn count(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}

/// `1 error`, `2 warnings`: a count with its noun.
pub fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// site.toml is missing, unreadable or wrong (exit status 2).
    #[error("configuration error")]
    Config(Vec<Diagnostic>),
    /// Articles, term files or media are wrong (exit status 1).
    #[error("{} content error(s)", .0.len())]
    Content(Vec<Diagnostic>),
    /// The theme is missing or a template failed (exit status 1).
    #[error("template error")]
    Template(Vec<Diagnostic>),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Wraps an I/O failure with the path it concerns.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// The exit status SPEC §6 assigns to this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) => 2,
            Error::Content(_) | Error::Template(_) | Error::Io { .. } => 1,
        }
    }

    /// The findings of this error, an I/O failure as one finding.
    pub fn findings(&self) -> Vec<Diagnostic> {
        match self {
            Error::Io { path, source } => vec![Diagnostic::error(path, source.to_string())],
            _ => self.diagnostics().to_vec(),
        }
    }

    /// The diagnostics carried by this error (empty for I/O errors).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Config(d) | Error::Content(d) | Error::Template(d) => d,
            Error::Io { .. } => &[],
        }
    }

    /// The text shown to people: one block per finding, then a summary line.
    pub fn report(&self) -> String {
        self.report_in(None)
    }

    /// Like [`Error::report`], showing each finding's source line, read
    /// from the site at `root`.
    pub fn report_in(&self, root: Option<&Path>) -> String {
        self.report_as(root, None)
    }

    /// Like [`Error::report_in`], ending with `summary` (e.g. `no file was
    /// written`) instead of the build's summary line.
    pub fn report_as(&self, root: Option<&Path>, summary: Option<&str>) -> String {
        let mut out = String::new();
        match self {
            Error::Io { path, source } => {
                out.push_str(&format!("error: {}: {source}\n", path.display()));
            }
            _ => {
                let diags = self.diagnostics();
                for d in diags {
                    let source = root.and_then(|r| read_source(r, d));
                    out.push_str(&d.render(source.as_deref()));
                    out.push('\n');
                }
                if let Some(summary) = summary {
                    out.push_str(&format!("error: {summary}\n"));
                    return out;
                }
                let errors = diags.iter().filter(|d| d.is_error()).count();
                let what = match self {
                    Error::Config(_) => "in the configuration",
                    Error::Template(_) => "in the theme",
                    _ => "in the content",
                };
                out.push_str(&format!(
                    "error: build failed with {errors} error{} {what}; the previous output was left as it was\n",
                    if errors == 1 { "" } else { "s" }
                ));
            }
        }
        out
    }
}

/// Shorthand used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Converts a byte offset in `text` to a 1-based (line, column) pair, the
/// column counted in characters so that Arabic lines point at the right place.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_location_and_hint() {
        let d = Diagnostic::error("content/a.md", "`date` is missing")
            .at(2, 1)
            .with_hint("add `date: 2020-10-27`");
        assert_eq!(
            d.to_string(),
            "content/a.md:2:1: error: `date` is missing\n  = help: add `date: 2020-10-27`"
        );
    }

    #[test]
    fn render_shows_the_line_and_a_caret() {
        let d = Diagnostic::error("content/a.md", "`date`: bad")
            .at(3, 7)
            .with_hint("write `2020-10-27`");
        let text = "---\r\ntitle: x\r\ndate: 2020-13-40 # c\r\n---\r\n";
        assert_eq!(
            d.render(Some(text)),
            "content/a.md:3:7: error: `date`: bad\n  |\n3 | date: 2020-13-40 # c\n  |       ^^^^^^^^^^\n  = help: write `2020-10-27`"
        );
        // Without the file, or past its end: the headline and hint only.
        assert_eq!(d.render(None), d.to_string());
        assert_eq!(d.clone().at(30, 1).render(Some(text)).lines().count(), 2);
        // Arabic columns count characters; wide line numbers widen the gutter.
        let text = format!("{}title: سوريا: x\n", "\n".repeat(9));
        let d = Diagnostic::error("a.md", "m").at(10, 8);
        assert_eq!(
            d.render(Some(&text)),
            "a.md:10:8: error: m\n   |\n10 | title: سوريا: x\n   |        ^^^^^^"
        );
    }

    #[test]
    fn json_has_every_field() {
        let d = Diagnostic::warning("a.md", "m").at(2, 3).with_hint("h");
        let j = d.to_json();
        assert_eq!(j["path"], "a.md");
        assert_eq!(j["line"], 2);
        assert_eq!(j["column"], 3);
        assert_eq!(j["severity"], "warning");
        assert_eq!(j["hint"], "h");
    }

    #[test]
    fn display_escapes_controls_in_the_path() {
        let d = Diagnostic::error("content/a\nb\u{202E}.md", "x");
        assert_eq!(d.to_string(), "content/a\\nb\\u{202e}.md: error: x");
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "---\ntitle: سوريا: x\n";
        let off = text.find(": x").unwrap();
        assert_eq!(line_col(text, off), (2, 13));
        assert_eq!(line_col(text, 0), (1, 1));
    }

    #[test]
    fn exit_codes_follow_the_spec() {
        assert_eq!(Error::Config(vec![]).exit_code(), 2);
        assert_eq!(Error::Content(vec![]).exit_code(), 1);
        assert_eq!(Error::Template(vec![]).exit_code(), 1);
    }
}
