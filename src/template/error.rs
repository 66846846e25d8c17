//! Errors from rendering templates and evaluating conditions.

use std::fmt;

/// A template or expression that could not be rendered for a host.
///
/// Every variant starts with where it happened (`at`): the playbook file and line, the
/// step and host (see [`Origin`](super::Origin)), and for a multi-line template the line
/// inside it. Messages name variables, never their values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A variable, or an attribute of one, is not defined for this host.
    #[error("{at}: undefined variable `{name}`")]
    Undefined {
        /// Where the template was written and who it was rendered for.
        at: String,
        /// The variable as written in the template, e.g. `data_dir` or `disk.stdout`.
        name: String,
    },
    /// The text is not valid template (or expression) syntax.
    #[error("{at}: template syntax error: {detail}")]
    Syntax {
        /// Where the template was written and who it was rendered for.
        at: String,
        /// What the parser expected.
        detail: String,
    },
    /// Rendering failed for another reason: a filter refused its input, a type mismatch.
    #[error("{at}: {detail}")]
    Render {
        /// Where the template was written and who it was rendered for.
        at: String,
        /// What went wrong.
        detail: String,
    },
}

/// A template or expression whose syntax is invalid, found without rendering it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct SyntaxError {
    /// The 1-based line inside the template (always 1 for a one-line template).
    pub line: usize,
    /// What the parser expected.
    pub detail: String,
}

impl SyntaxError {
    fn describe(&self) -> String {
        if self.line > 1 {
            format!(
                "syntax error on template line {}: {}",
                self.line, self.detail
            )
        } else {
            format!("syntax error: {}", self.detail)
        }
    }
}

impl From<minijinja::Error> for SyntaxError {
    fn from(err: minijinja::Error) -> Self {
        SyntaxError {
            line: err.line().unwrap_or(1),
            detail: detail_of(&err),
        }
    }
}

/// minijinja's explanation of an error, without its debug dump (which holds values).
pub(super) fn detail_of(err: &minijinja::Error) -> String {
    match err.detail() {
        Some(detail) if err.kind() == minijinja::ErrorKind::SyntaxError => detail.to_owned(),
        Some(detail) => format!("{}: {detail}", err.kind()),
        None => err.kind().to_string(),
    }
}

/// Where inside a template an error sits, appended to the [`Origin`](super::Origin).
pub(super) struct Inside<'a> {
    /// The template file's name, for a template read from a file.
    pub file: Option<&'a str>,
    /// The line inside the template.
    pub line: Option<usize>,
    /// Whether the template spans more than one line (only then is a line worth showing).
    pub multiline: bool,
}

impl fmt::Display for Inside<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.file, self.line) {
            (Some(file), Some(line)) => write!(f, ", in {file}:{line}"),
            (Some(file), None) => write!(f, ", in {file}"),
            (None, Some(line)) if self.multiline => write!(f, ", template line {line}"),
            (None, _) => Ok(()),
        }
    }
}
