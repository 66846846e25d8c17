//! POSIX shell quoting: the one function herd uses to put a value into a command line.

/// Quotes `word` for a POSIX shell, like Python's `shlex.quote` (Ansible's `quote`).
///
/// Words made only of `[A-Za-z0-9_@%+=:,./-]` stay as they are; anything else is wrapped
/// in single quotes, with each embedded `'` written as `'"'"'`. The result is one inert
/// shell word: no expansion, globbing, or command separation happens inside it.
/// `None` when `word` holds a NUL byte, which no shell word can.
pub(crate) fn quote(word: &str) -> Option<String> {
    if word.contains('\0') {
        return None;
    }
    if word.is_empty() {
        return Some("''".to_owned());
    }
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if word.chars().all(safe) {
        return Some(word.to_owned());
    }
    Some(format!("'{}'", word.replace('\'', r#"'"'"'"#)))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn safe_words_stay_and_others_are_single_quoted() {
        assert_eq!(quote("/tmp/a-b_c.txt").as_deref(), Some("/tmp/a-b_c.txt"));
        assert_eq!(quote("").as_deref(), Some("''"));
        assert_eq!(quote("a b;$x").as_deref(), Some("'a b;$x'"));
        assert_eq!(quote("it's").as_deref(), Some(r#"'it'"'"'s'"#));
        assert_eq!(quote("nul\0byte"), None);
    }
}
