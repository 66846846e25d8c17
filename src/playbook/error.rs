//! What is wrong with a playbook, and where.

use std::fmt;

/// Everything found wrong with a playbook: one or more [`Problem`]s.
///
/// Parsing stops at the first YAML error; validation reports every problem it finds,
/// so a user can fix them all in one go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PlaybookError {
    /// The problems, in file order (never empty).
    pub problems: Vec<Problem>,
}

impl From<Problem> for PlaybookError {
    fn from(problem: Problem) -> Self {
        PlaybookError {
            problems: vec![problem],
        }
    }
}

impl fmt::Display for PlaybookError {
    /// Each problem on its own line(s), like a compiler's diagnostics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// One thing wrong, at a place in a file: `site.yml:7:7: unknown key …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file as the user named it (the playbook, a vars file or a template).
    pub file: String,
    /// 1-based line, or 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column, or 0 when unknown.
    pub column: usize,
    /// What is wrong and what to do about it.
    pub message: String,
    /// The offending source line with a caret under the column, if known. Values of
    /// secret-looking keys in it are masked.
    pub snippet: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        Ok(())
    }
}
