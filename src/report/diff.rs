//! `--diff`'s text: a unified diff per file (`--- before: PATH`, `+++ after: PATH`,
//! `@@ -a,b +c,d @@`, then the lines), "binary files differ", or why a diff is not
//! shown. Live, each line is prefixed with the host's name like its other output.

use std::fmt::Write as _;
use std::io::{self, Write};

use owo_colors::OwoColorize;

use crate::diff::{Change, FileDiff, LineKind};
use crate::report::format_bytes;

use super::color::Palette;

/// The diff as unified-diff lines (without the host), each ending in `\n`.
pub(crate) fn unified(diff: &FileDiff) -> String {
    let path = &diff.path;
    let mut text = String::new();
    match &diff.change {
        Change::Binary => {
            let _ = writeln!(text, "Binary files differ: {path}");
        }
        Change::TooLarge { limit } => {
            let _ = writeln!(
                text,
                "diff not shown for {path}: larger than {} (the --diff size cap)",
                format_bytes(*limit)
            );
        }
        Change::Hidden { reason } => {
            let _ = writeln!(text, "diff not shown for {path}: {reason}");
        }
        Change::Text { created, hunks } => {
            let before = if *created { " (new file)" } else { "" };
            let _ = writeln!(text, "--- before: {path}{before}");
            let _ = writeln!(text, "+++ after: {path}");
            for hunk in hunks {
                let _ = writeln!(text, "@@ -{} +{} @@", span(hunk.old), span(hunk.new));
                for line in &hunk.lines {
                    let sign = match line.kind {
                        LineKind::Context => ' ',
                        LineKind::Removed => '-',
                        LineKind::Added => '+',
                    };
                    let _ = writeln!(text, "{sign}{}", line.text);
                    if line.no_newline {
                        text.push_str("\\ No newline at end of file\n");
                    }
                }
            }
        }
    }
    text
}

/// `start,count`, or just `start` for one line (as `diff -u` writes it).
fn span((start, count): (usize, usize)) -> String {
    if count == 1 {
        start.to_string()
    } else {
        format!("{start},{count}")
    }
}

/// Writes the diff live: `HOST: LINE` for each line, removed lines red and added ones
/// green when colour is on.
pub(crate) fn write_diff(
    w: &mut dyn Write,
    palette: Palette,
    host: &str,
    diff: &FileDiff,
) -> io::Result<()> {
    let name = host.style(palette.host(host));
    for line in unified(diff).lines() {
        let style = match line.as_bytes().first() {
            Some(b'-') if !line.starts_with("--- ") => palette.failed(),
            Some(b'+') if !line.starts_with("+++ ") => palette.ok(),
            _ => owo_colors::Style::new(),
        };
        writeln!(w, "{name}: {}", line.style(style))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Hunk, Line, MAX_DIFF_BYTES, compare};

    fn file(change: Change) -> FileDiff {
        FileDiff {
            path: "/etc/app.conf".into(),
            change,
        }
    }

    #[test]
    fn a_text_change_is_a_unified_diff() {
        let change = compare(Some(b"a\nb\nc\n"), b"a\nB\nc", None);
        assert_eq!(
            unified(&file(change)),
            "--- before: /etc/app.conf\n+++ after: /etc/app.conf\n@@ -1,3 +1,3 @@\n a\n-b\n\
             -c\n+B\n+c\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn a_new_file_is_shown_against_nothing() {
        let change = compare(None, b"one\n", None);
        assert_eq!(
            unified(&file(change)),
            "--- before: /etc/app.conf (new file)\n+++ after: /etc/app.conf\n@@ -0,0 +1 @@\n+one\n"
        );
    }

    #[test]
    fn binaries_large_files_and_hidden_diffs_say_so() {
        assert_eq!(
            unified(&file(Change::Binary)),
            "Binary files differ: /etc/app.conf\n"
        );
        assert_eq!(
            unified(&file(Change::TooLarge {
                limit: MAX_DIFF_BYTES
            })),
            "diff not shown for /etc/app.conf: larger than 102.0 KiB (the --diff size cap)\n"
        );
        let hidden = Change::Hidden {
            reason: "a secret value in the new content spans lines".into(),
        };
        assert!(unified(&file(hidden)).ends_with("spans lines\n"));
    }

    #[test]
    fn live_lines_carry_the_host_and_colour_only_when_on() {
        let diff = file(Change::Text {
            created: false,
            hunks: vec![Hunk {
                old: (1, 1),
                new: (1, 1),
                lines: vec![
                    Line {
                        kind: LineKind::Removed,
                        text: "x".into(),
                        no_newline: false,
                    },
                    Line {
                        kind: LineKind::Added,
                        text: "y".into(),
                        no_newline: false,
                    },
                ],
            }],
        });
        let mut plain = Vec::new();
        write_diff(&mut plain, Palette::new(false), "h3", &diff).unwrap();
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            "h3: --- before: /etc/app.conf\nh3: +++ after: /etc/app.conf\nh3: @@ -1 +1 @@\n\
             h3: -x\nh3: +y\n"
        );
        let mut coloured = Vec::new();
        write_diff(&mut coloured, Palette::new(true), "h3", &diff).unwrap();
        let coloured = String::from_utf8(coloured).unwrap();
        assert!(coloured.contains("\u{1b}[31"), "{coloured:?}");
        assert!(coloured.contains("\u{1b}[32"), "{coloured:?}");
    }
}
