//! Masks secret values in an inventory line before the line is shown in an error.
//!
//! Works on raw text, quote-aware, so a line with an unterminated quote (which the
//! tokenizer rejects) is still masked: a secret value then runs to the end of the line.

use super::vars::is_secret_key;
use crate::secret::MASK;

/// A line of `key=value` words (a host line) with every secret key's value masked.
pub(crate) fn words(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut key = String::new();
    let (mut in_single, mut in_double, mut escaped) = (false, false, false);
    let (mut seen_equals, mut masking) = (false, false);
    for c in line.chars() {
        let quoted = in_single || in_double || escaped;
        if !quoted && c.is_whitespace() {
            key.clear();
            seen_equals = false;
            masking = false;
            out.push(c);
            continue;
        }
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
        if masking {
            continue;
        }
        out.push(c);
        if !seen_equals && !quoted && c == '=' {
            seen_equals = true;
            if is_secret_key(&key) {
                masking = true;
                out.push_str(MASK);
            }
        } else if !seen_equals && literal {
            key.push(c);
        }
    }
    out
}

/// A `[group:vars]` line, `key = value`, with the value masked when the key is secret.
pub(crate) fn vars_line(line: &str) -> String {
    match line.split_once('=') {
        Some((key, value)) if is_secret_key(key.trim()) => {
            let space = if value.starts_with(char::is_whitespace) {
                " "
            } else {
                ""
            };
            format!("{key}={space}{MASK}")
        }
        _ => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_line_secrets_are_masked() {
        assert_eq!(
            words("web1 port=22 password=hunter2 user=bob"),
            "web1 port=22 password=******** user=bob"
        );
        assert_eq!(
            words("web1 ansible_ssh_pass='a b c' port=x"),
            "web1 ansible_ssh_pass=******** port=x"
        );
        assert_eq!(
            words(r#"web1 "pass"word="x y""#),
            r#"web1 "pass"word=********"#
        );
        assert_eq!(
            words(r"web1 db_password=a\ b c=d"),
            "web1 db_password=******** c=d"
        );
    }

    #[test]
    fn unterminated_quote_masks_to_the_end() {
        assert_eq!(
            words("web1 password=\"abc port=2"),
            "web1 password=********"
        );
        assert!(!words("web1 become_pass='x y").contains('x'));
    }

    #[test]
    fn vars_lines() {
        assert_eq!(vars_line("password = hunter2"), "password = ********");
        assert_eq!(
            vars_line("ansible_password=\"abc"),
            "ansible_password=********"
        );
        assert_eq!(vars_line("port = 22"), "port = 22");
        assert_eq!(vars_line("no equals"), "no equals");
    }
}
