//! What `--diff` shows of a `put`: the file before and after, line by line, as data
//! that the reporter formats (`report::diff`). The executor builds it from the real
//! texts, and only lines fit to show go into it: where the new content holds a secret
//! (its rendering with secrets masked differs from the real one), the masked line is
//! shown, and the remote side's lines are masked with the same secrets (their values,
//! and any line shaped like a masked line of the new content, so a rotated password
//! is hidden too).

use similar::{Algorithm, ChangeTag, TextDiff};

use crate::secret::MASK;

/// Files larger than this (on either side) are not diffed (Ansible's `max_diff_size`
/// default, 104448 bytes).
pub const MAX_DIFF_BYTES: u64 = 104_448;

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// The diff of one file a `put` changes or would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    /// The remote path, with secrets masked.
    pub path: String,
    /// What changes.
    pub change: Change,
}

/// How a file's content changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Text on both sides: the changed lines with some context.
    Text {
        /// The remote file did not exist (the diff is against nothing).
        created: bool,
        /// The changes, in order.
        hunks: Vec<Hunk>,
    },
    /// One side is not text (a NUL byte, or not UTF-8): "binary files differ".
    Binary,
    /// One side is larger than [`MAX_DIFF_BYTES`]: not shown.
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
    /// Not shown, for this reason (a secret value spans lines, so no line-by-line
    /// masking can be trusted).
    Hidden {
        /// Why, for people.
        reason: String,
    },
}

/// One `@@ -a,b +c,d @@` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// First line (1-based; 0 with no lines) and count, before.
    pub old: (usize, usize),
    /// First line (1-based; 0 with no lines) and count, after.
    pub new: (usize, usize),
    /// The block's lines.
    pub lines: Vec<Line>,
}

/// One line of a hunk, without its line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Kept, removed or added.
    pub kind: LineKind,
    /// The text, secrets masked.
    pub text: String,
    /// The line is the last of its file and has no newline at its end.
    pub no_newline: bool,
}

/// Whether a line is context, removed or added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// In both versions.
    Context,
    /// Only before.
    Removed,
    /// Only after.
    Added,
}

/// The change from `old` (the remote file's bytes; `None` when it does not exist) to
/// `new` (what is sent). `new_shown` is the new content rendered with secrets masked
/// when that differs from `new` (a template that uses a secret), else `None`.
pub fn compare(old: Option<&[u8]>, new: &[u8], new_shown: Option<&str>) -> Change {
    let longest = old.map_or(0, <[u8]>::len).max(new.len());
    if longest as u64 > MAX_DIFF_BYTES {
        return Change::TooLarge {
            limit: MAX_DIFF_BYTES,
        };
    }
    let (Some(old_text), Some(new_text)) = (text(old.unwrap_or_default()), text(new)) else {
        return Change::Binary;
    };
    let masks = match new_shown {
        None => Masks::default(),
        Some(shown) => match Masks::between(new_text, shown) {
            Some(masks) => masks,
            None => {
                return Change::Hidden {
                    reason: "a secret value in the new content spans lines".to_owned(),
                };
            }
        },
    };
    Change::Text {
        created: old.is_none(),
        hunks: hunks(old_text, new_text, &masks),
    }
}

/// `bytes` as text, unless they look binary (a NUL byte, or not UTF-8).
fn text(bytes: &[u8]) -> Option<&str> {
    if bytes.contains(&0) {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// The hunks of the line diff of `old` and `new`, each line shown through `masks`.
fn hunks(old: &str, new: &str, masks: &Masks) -> Vec<Hunk> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .diff_lines(old, new);
    let mut hunks = Vec::new();
    for group in diff.grouped_ops(CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        let mut lines = Vec::new();
        for op in &group {
            for change in diff.iter_changes(op) {
                let raw = change.value();
                let no_newline = !raw.ends_with('\n');
                let raw = raw.strip_suffix('\n').unwrap_or(raw);
                let raw = raw.strip_suffix('\r').unwrap_or(raw);
                // A kept line is shown as the new content's line (masked where that is).
                let at = change.new_index().unwrap_or_default();
                let (kind, text) = match change.tag() {
                    ChangeTag::Equal => (LineKind::Context, masks.new_line(at, raw)),
                    ChangeTag::Delete => (LineKind::Removed, masks.old_line(raw)),
                    ChangeTag::Insert => (LineKind::Added, masks.new_line(at, raw)),
                };
                lines.push(Line {
                    kind,
                    text,
                    no_newline,
                });
            }
        }
        hunks.push(Hunk {
            old: span(old_range),
            new: span(new_range),
            lines,
        });
    }
    hunks
}

/// A unified diff's `start,count` for 0-based line indices.
fn span(range: std::ops::Range<usize>) -> (usize, usize) {
    let count = range.len();
    let start = if count == 0 {
        range.start
    } else {
        range.start + 1
    };
    (start, count)
}

/// What to hide in the lines shown.
#[derive(Debug, Default)]
struct Masks {
    /// The new content's masked lines by index, where they differ from the real ones.
    new_lines: Vec<(usize, String)>,
    /// Secret values found in the new content, longest first.
    values: Vec<String>,
}

impl Masks {
    /// The masks that turn `real` into `shown` line by line; `None` when the two have
    /// different numbers of lines (a secret with a newline in it).
    fn between(real: &str, shown: &str) -> Option<Masks> {
        let real_lines: Vec<&str> = real.split('\n').collect();
        let shown_lines: Vec<&str> = shown.split('\n').collect();
        if real_lines.len() != shown_lines.len() {
            return None;
        }
        let mut masks = Masks::default();
        for (index, (real, shown)) in real_lines.iter().zip(&shown_lines).enumerate() {
            if real == shown {
                continue;
            }
            masks.new_lines.push((index, (*shown).to_owned()));
            let (head, tail) = common_ends(real, shown);
            let secret = &real[head..real.len() - tail];
            if !secret.is_empty() && !masks.values.iter().any(|value| value == secret) {
                masks.values.push(secret.to_owned());
            }
        }
        masks
            .values
            .sort_by_key(|value| std::cmp::Reverse(value.len()));
        Some(masks)
    }

    /// The new content's line `index` (`raw`) as shown.
    fn new_line(&self, index: usize, raw: &str) -> String {
        match self.new_lines.iter().find(|(at, _)| *at == index) {
            Some((_, shown)) => shown.trim_end_matches('\r').to_owned(),
            None => self.old_line(raw),
        }
    }

    /// A removed line of the remote file as shown: a masked line of the new content
    /// whose shape it has (a line that was wholly a secret makes every removed line
    /// fit: better hidden than leaked), else the line with every secret value masked.
    fn old_line(&self, raw: &str) -> String {
        if let Some((_, shown)) = self.new_lines.iter().find(|(_, shown)| fits(raw, shown)) {
            return shown.trim_end_matches('\r').to_owned();
        }
        self.values.iter().fold(raw.to_owned(), |line, value| {
            line.replace(value.as_str(), MASK)
        })
    }
}

/// Whether `line` has the shape of the masked line `shown`: the same text around each
/// mask, anything in the masks' places.
fn fits(line: &str, shown: &str) -> bool {
    let parts: Vec<&str> = shown.split(MASK).collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if parts.len() < 2 || !line.starts_with(first) || line.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &line[first.len()..];
    if !rest.ends_with(last) {
        return false;
    }
    rest = &rest[..rest.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// The lengths of the longest common prefix and suffix of `a` and `b` (not
/// overlapping, on character boundaries).
fn common_ends(a: &str, b: &str) -> (usize, usize) {
    let head: usize = a
        .chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let room = a.len().min(b.len()) - head;
    let tail: usize = a[head..]
        .chars()
        .rev()
        .zip(b[head..].chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .scan(0, |total, len| {
            *total += len;
            (*total <= room).then_some(len)
        })
        .sum();
    (head, tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_hunks(change: Change) -> Vec<Hunk> {
        match change {
            Change::Text { hunks, .. } => hunks,
            other => panic!("not text: {other:?}"),
        }
    }

    fn shown(hunk: &Hunk) -> Vec<String> {
        hunk.lines
            .iter()
            .map(|line| {
                let sign = match line.kind {
                    LineKind::Context => ' ',
                    LineKind::Removed => '-',
                    LineKind::Added => '+',
                };
                format!("{sign}{}", line.text)
            })
            .collect()
    }

    #[test]
    fn changed_lines_come_with_three_lines_of_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let hunks = text_hunks(compare(Some(old.as_bytes()), new.as_bytes(), None));
        assert_eq!(hunks.len(), 1);
        assert_eq!((hunks[0].old, hunks[0].new), ((2, 7), (2, 7)));
        assert_eq!(
            shown(&hunks[0]),
            [" 2", " 3", " 4", "-5", "+five", " 6", " 7", " 8"]
        );
    }

    #[test]
    fn a_new_file_is_a_diff_against_nothing() {
        let change = compare(None, b"a\nb", None);
        let Change::Text { created, hunks } = change else {
            panic!("{change:?}")
        };
        assert!(created);
        assert_eq!((hunks[0].old, hunks[0].new), ((0, 0), (1, 2)));
        assert_eq!(shown(&hunks[0]), ["+a", "+b"]);
        assert!(hunks[0].lines[1].no_newline && !hunks[0].lines[0].no_newline);
    }

    #[test]
    fn binary_and_large_files_are_not_diffed() {
        assert_eq!(compare(Some(b"a\0b"), b"text\n", None), Change::Binary);
        assert_eq!(compare(Some(b"ok\n"), b"\xff\xfe", None), Change::Binary);
        let big = vec![b'a'; MAX_DIFF_BYTES as usize + 1];
        assert_eq!(
            compare(Some(b"a"), &big, None),
            Change::TooLarge {
                limit: MAX_DIFF_BYTES
            }
        );
        let at_cap = vec![b'a'; MAX_DIFF_BYTES as usize];
        assert!(matches!(compare(None, &at_cap, None), Change::Text { .. }));
    }

    #[test]
    fn secrets_are_masked_on_both_sides_even_when_rotated() {
        let old = "user = app\npassword = old-secret\nurl = db://app:old-secret@db\n";
        let new = "user = app\npassword = hunter2\nurl = db://app:hunter2@db\n";
        let new_shown = "user = app\npassword = ********\nurl = db://app:********@db\n";
        let hunks = text_hunks(compare(
            Some(old.as_bytes()),
            new.as_bytes(),
            Some(new_shown),
        ));
        let lines = shown(&hunks[0]).join("\n");
        assert_eq!(
            lines,
            " user = app\n-password = ********\n-url = db://app:********@db\n\
             +password = ********\n+url = db://app:********@db"
        );
        // An unchanged secret stays hidden in the context lines too.
        let old = "password = hunter2\nport = 80\n";
        let new = "password = hunter2\nport = 8080\n";
        let new_shown = "password = ********\nport = 8080\n";
        let hunks = text_hunks(compare(
            Some(old.as_bytes()),
            new.as_bytes(),
            Some(new_shown),
        ));
        assert_eq!(
            shown(&hunks[0]),
            [" password = ********", "-port = 80", "+port = 8080"]
        );
        // A secret value elsewhere in the remote file is masked by value.
        let hunks = text_hunks(compare(
            Some(b"note: hunter2 was here\n"),
            new.as_bytes(),
            Some(new_shown),
        ));
        assert!(!format!("{hunks:?}").contains("hunter2"), "{hunks:?}");
    }

    #[test]
    fn a_secret_that_spans_lines_hides_the_diff() {
        let change = compare(Some(b"x\n"), b"key = a\nb\n", Some("key = ********\n"));
        assert!(matches!(change, Change::Hidden { .. }), "{change:?}");
    }

    #[test]
    fn shapes_and_common_ends() {
        assert!(fits("password = x", "password = ********"));
        assert!(fits("a:1@b:2;", "a:********@b:********;"));
        assert!(!fits("passwd = x", "password = ********"));
        assert!(!fits("no mask", "no mask"));
        assert_eq!(common_ends("ab-x-cd", "ab-********-cd"), (3, 3));
        assert_eq!(common_ends("aa", "aaa"), (2, 0));
        assert_eq!(common_ends("é1é", "é22é"), (2, 2));
    }
}
