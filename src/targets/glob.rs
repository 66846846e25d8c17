//! Shell-style globs for host and group names: `*` is any run of characters, `?` one.

/// True if `text` contains a glob wildcard.
pub(crate) fn is_glob(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// True if the whole of `text` matches `pattern`. Linear backtracking on the last
/// `*`, so no pattern takes more than `O(pattern × text)` steps.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it currently stands for up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("web*", "web01"));
        assert!(matches("web*", "web"));
        assert!(matches("*", ""));
        assert!(matches("w?b0?", "web01"));
        assert!(matches("*.example.com", "db.example.com"));
        assert!(matches("a*b*c", "aXXbYYbc"));
        assert!(matches("*é*", "café"));
        assert!(!matches("web?", "web01"));
        assert!(!matches("db*", "web01"));
        assert!(!matches("a*b", "aXXc"));
        assert!(!matches("", "x"));
        assert!(is_glob("web*") && is_glob("w?b") && !is_glob("web01"));
    }

    #[test]
    fn many_stars_stay_fast() {
        let text = "a".repeat(2000);
        assert!(!matches(&format!("{}b", "*a".repeat(50)), &text));
    }
}
