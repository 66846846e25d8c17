//! Masks secret values in an inventory line before the line is shown in an error.
//!
//! Works on raw text, quote-aware, so a line with an unterminated quote (which the
//! tokenizer rejects) is still masked: a secret value then runs to the end of the
//! line. Any line is treated both ways it could be read, as `key = value` (a vars
//! line) and as words of `key=value` (a host line), so no section mix-up shows a secret.

use super::vars::is_secret_key;
use crate::secret::MASK;

/// `line` with the value of every secret key masked.
pub(crate) fn line(line: &str) -> String {
    match line.split_once('=') {
        Some((key, value)) if is_vars_key(key.trim()) => {
            let space = if value.starts_with(char::is_whitespace) {
                " "
            } else {
                ""
            };
            format!("{key}={space}{MASK}")
        }
        _ => words(line),
    }
}

/// True if `key`, the text before a line's first `=`, is one word ending in a secret key.
fn is_vars_key(key: &str) -> bool {
    !key.contains(char::is_whitespace) && ends_in_secret_key(key)
}

/// True if the identifier at the end of `text` (letters, digits, `_`) is a secret key,
/// so `[web:password` or `x,password` count too: masking too much is harmless.
fn ends_in_secret_key(text: &str) -> bool {
    let start = text
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |(at, c)| at + c.len_utf8());
    is_secret_key(&text[start..])
}

/// One whitespace-separated word of a line, quotes and escapes kept.
struct Word<'a> {
    /// The whitespace before the word.
    space: &'a str,
    /// The word as written.
    raw: &'a str,
    /// The word's unquoted text before its first unquoted `=` (all of it if none).
    key: String,
    /// Byte offset in `raw` of the first unquoted `=`.
    equals: Option<usize>,
}

/// Masks the value after every secret key, whether written `key=value`, `key= value`,
/// `key =value` or `key = value`.
fn words(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let (mut mask_next, mut after_secret_key) = (false, false);
    for word in split(line) {
        out.push_str(word.space);
        if mask_next {
            out.push_str(MASK);
            mask_next = false;
            after_secret_key = false;
            continue;
        }
        match word.equals {
            Some(at)
                if ends_in_secret_key(&word.key) || (word.key.is_empty() && after_secret_key) =>
            {
                out.push_str(&word.raw[..=at]);
                if at + 1 < word.raw.len() {
                    out.push_str(MASK);
                } else {
                    mask_next = true;
                }
            }
            _ => out.push_str(word.raw),
        }
        after_secret_key = word.equals.is_none() && ends_in_secret_key(&word.key);
    }
    out
}

/// Splits `line` at whitespace outside quotes (shell rules; an open quote runs to the end).
fn split(line: &str) -> Vec<Word<'_>> {
    let mut words = Vec::new();
    let (mut in_single, mut in_double, mut escaped) = (false, false, false);
    let mut space_start = 0;
    let mut current: Option<(usize, String, Option<usize>)> = None;
    for (at, c) in line.char_indices() {
        let quoted = in_single || in_double || escaped;
        if !quoted && c.is_whitespace() {
            if let Some((start, key, equals)) = current.take() {
                words.push(Word {
                    space: &line[space_start..start],
                    raw: &line[start..at],
                    key,
                    equals,
                });
                space_start = at;
            }
            continue;
        }
        let (start, key, equals) = current.get_or_insert_with(|| (at, String::new(), None));
        let literal = if escaped {
            escaped = false;
            true
        } else if c == '\\' && !in_single {
            escaped = true;
            false
        } else if c == '\'' && !in_double {
            in_single = !in_single;
            false
        } else if c == '"' && !in_single {
            in_double = !in_double;
            false
        } else {
            true
        };
        if equals.is_none() {
            if c == '=' && !quoted {
                *equals = Some(at - *start);
            } else if literal {
                key.push(c);
            }
        }
    }
    if let Some((start, key, equals)) = current {
        words.push(Word {
            space: &line[space_start..start],
            raw: &line[start..],
            key,
            equals,
        });
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_line_secrets_are_masked() {
        assert_eq!(
            line("web1 port=22 password=hunter2 user=bob"),
            "web1 port=22 password=******** user=bob"
        );
        assert_eq!(
            line("web1 ansible_ssh_pass='a b c' port=x"),
            "web1 ansible_ssh_pass=******** port=x"
        );
        assert_eq!(
            line(r#"web1 "pass"word="x y""#),
            r#"web1 "pass"word=********"#
        );
        assert_eq!(
            line(r"web1 db_password=a\ b c=d"),
            "web1 db_password=******** c=d"
        );
    }

    #[test]
    fn spaced_equals_are_masked() {
        assert_eq!(line("web1 password = x y"), "web1 password = ******** y");
        assert_eq!(line("web1 password= x"), "web1 password= ********");
        assert_eq!(line("web1 password =x"), "web1 password =********");
    }

    #[test]
    fn unterminated_quote_masks_to_the_end() {
        assert_eq!(line("web1 password=\"abc port=2"), "web1 password=********");
        assert!(!line("web1 become_pass='x y").contains('x'));
        assert!(!line("web1 become_pass = 'x y").contains('x'));
    }

    #[test]
    fn vars_lines() {
        assert_eq!(line("password = hunter2 and more"), "password = ********");
        assert_eq!(line("ansible_password=\"abc"), "ansible_password=********");
        assert_eq!(line("port = 22"), "port = 22");
        assert_eq!(line("no equals"), "no equals");
        assert_eq!(line("  "), "");
        assert_eq!(line("[web:password=x]"), "[web:password=********");
        assert_eq!(line("a [x:db_pass=y] b"), "a [x:db_pass=******** b");
        assert_eq!(line("&Σ"), "&Σ");
        assert_eq!(line("Σpassword=x"), "Σpassword=********");
    }
}
