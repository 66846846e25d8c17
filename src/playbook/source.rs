//! Reading the playbook's files (size-limited) and pointing into them.

use super::error::Problem;
use crate::secret::MASK;
use crate::template::is_secret_key;
use std::io::Read;
use std::path::Path;

/// Files larger than this (the playbook, vars files, template files) are refused before
/// they are parsed.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// A file's text and the name it is shown under.
#[derive(Clone, Copy)]
pub(super) struct Source<'a> {
    /// The name used in messages.
    pub name: &'a str,
    /// The whole text.
    pub text: &'a str,
}

impl Source<'_> {
    /// A problem at `line:column` of this file, with a snippet of the line.
    pub fn problem(&self, line: usize, column: usize, message: impl Into<String>) -> Problem {
        Problem {
            file: self.name.to_owned(),
            line,
            column,
            message: message.into(),
            snippet: snippet(self.text, line, column),
        }
    }
}

/// A problem with a whole file (it cannot be read, it is too big).
pub(super) fn file_problem(name: &str, message: impl Into<String>) -> Problem {
    Problem {
        file: name.to_owned(),
        line: 0,
        column: 0,
        message: message.into(),
        snippet: None,
    }
}

/// Reads a UTF-8 text file of at most [`MAX_FILE_BYTES`]; `name` is how messages show it.
pub(crate) fn read_text(path: &Path, name: &str) -> Result<String, Problem> {
    let cannot_read = |err: std::io::Error| file_problem(name, format!("cannot read: {err}"));
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    let too_big = |size: u64| {
        file_problem(
            name,
            format!(
                "the file is {size} bytes; files over {MAX_FILE_BYTES} bytes (10 MiB) are refused"
            ),
        )
    };
    let size = file.metadata().map_err(cannot_read)?.len();
    if size > MAX_FILE_BYTES {
        return Err(too_big(size));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|err| {
        file_problem(
            name,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                err.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The source line with a caret under `column`, or `None` when the line is unknown.
///
/// Long lines are cut around the column; a secret-looking key's value is masked.
fn snippet(text: &str, line: usize, column: usize) -> Option<String> {
    const WIDTH: usize = 100;
    let source_line = text.lines().nth(line.checked_sub(1)?)?;
    let chars: Vec<char> = mask_secret_values(source_line).chars().collect();
    let caret_at = column.saturating_sub(1).min(chars.len());
    let start = caret_at.saturating_sub(WIDTH / 2);
    let end = (start + WIDTH).min(chars.len());
    let shown: String = chars[start..end].iter().collect();
    let gutter = " ".repeat(line.to_string().len());
    let mut out = format!("{gutter} |\n{line} | {shown}");
    if column > 0 {
        out.push_str(&format!("\n{gutter} | {}^", " ".repeat(caret_at - start)));
    }
    Some(out)
}

/// Replaces everything after the first `key:` whose key looks secret (`db_password:`)
/// with the mask, so a snippet never shows a password.
fn mask_secret_values(line: &str) -> String {
    let mut key_start = None;
    for (i, c) in line.char_indices() {
        if c.is_ascii_alphanumeric() || c == '_' {
            key_start.get_or_insert(i);
        } else if c == ':' {
            if key_start.is_some_and(|s| is_secret_key(&line[s..i])) {
                return format!("{} {MASK}", &line[..=i]);
            }
            key_start = None;
        } else {
            key_start = None;
        }
    }
    line.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_points_at_the_column() {
        let text = "- hosts: all\n  stepz:\n";
        assert_eq!(snippet(text, 2, 3).unwrap(), "  |\n2 |   stepz:\n  |   ^");
        assert_eq!(snippet(text, 1, 0).unwrap(), "  |\n1 | - hosts: all");
        assert_eq!(snippet(text, 9, 1), None);
        assert_eq!(snippet(text, 0, 1), None);
    }

    #[test]
    fn snippet_cuts_long_lines_around_the_column() {
        let line = format!("{}X{}", "a".repeat(5000), "b".repeat(5000));
        let shown = snippet(&line, 1, 5001).unwrap();
        assert!(shown.len() < 300, "{shown}");
        let lines: Vec<&str> = shown.lines().collect();
        let x = lines[1].find('X').unwrap();
        assert_eq!(lines[2].find('^').unwrap(), x);
    }

    #[test]
    fn snippet_masks_secret_values() {
        assert_eq!(
            mask_secret_values("  vars: {db_password: hunter2, user: x}"),
            "  vars: {db_password: ********"
        );
        assert_eq!(
            mask_secret_values("    password: 'x'"),
            "    password: ********"
        );
        assert_eq!(mask_secret_values("  name: passwords"), "  name: passwords");
    }

    #[test]
    fn refuses_files_over_the_limit_before_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yml");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let err = read_text(&path, "big.yml").unwrap_err();
        assert_eq!(
            err.to_string(),
            "big.yml: the file is 10485761 bytes; files over 10485760 bytes (10 MiB) are refused"
        );
    }

    #[test]
    fn reports_missing_and_binary_files() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_text(&dir.path().join("nope.yml"), "nope.yml").unwrap_err();
        assert!(
            err.to_string().starts_with("nope.yml: cannot read: "),
            "{err}"
        );
        let path = dir.path().join("bin.yml");
        std::fs::write(&path, b"ok\xff").unwrap();
        let err = read_text(&path, "bin.yml").unwrap_err();
        assert_eq!(
            err.to_string(),
            "bin.yml: not UTF-8 text (invalid byte at offset 2)"
        );
    }
}
