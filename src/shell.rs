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

/// A line no shell startup text prints by chance (a fixed prefix, the time, a counter):
/// scripts print it around what herd reads of their output, so that what a login shell
/// prints before them is skipped.
pub(crate) fn marker(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("__herd_{prefix}{nanos:x}_{count:x}_")
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
