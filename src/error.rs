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
        // A file name may hold a line feed or a bidi control: shown escaped,
        // it cannot fake another message or reorder the line.
        for c in self.path.to_string_lossy().chars() {
            if c.is_control() || crate::arabic::fold::is_bidi_control(c) {
                write!(f, "{}", c.escape_debug())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {label}: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  = help: {hint}")?;
        }
        Ok(())
    }
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

    /// The diagnostics carried by this error (empty for I/O errors).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Config(d) | Error::Content(d) | Error::Template(d) => d,
            Error::Io { .. } => &[],
        }
    }

    /// The text shown to people: one block per finding, then a summary line.
    pub fn report(&self) -> String {
        let mut out = String::new();
        match self {
            Error::Io { path, source } => {
                out.push_str(&format!("error: {}: {source}\n", path.display()));
            }
            _ => {
                let diags = self.diagnostics();
                for d in diags {
                    out.push_str(&d.to_string());
                    out.push('\n');
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
