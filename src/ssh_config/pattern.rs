//! OpenSSH's match.c (`match_pattern`, `match_pattern_list`, `match_hostname`) and a small
//! glob(3) for `Include`.

use std::path::{Path, PathBuf};

/// `match_pattern`: `*` and `?` wildcards, case-sensitive.
pub(crate) fn match_pattern(s: &str, pattern: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    wild(&s, &p)
}

fn wild(s: &[char], p: &[char]) -> bool {
    // Iterative wildcard matching with backtracking on the last `*`.
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            si += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// `match_pattern_list`: 1 if a positive sub-pattern matched, -1 if a negated one did, else 0.
pub(crate) fn match_pattern_list(s: &str, list: &str, dolower: bool) -> i32 {
    let mut positive = 0;
    for sub in list.split(',') {
        let (negated, sub) = match sub.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, sub),
        };
        if sub.len() >= 1023 {
            return 0;
        }
        let sub = if dolower {
            sub.to_ascii_lowercase()
        } else {
            sub.to_string()
        };
        if match_pattern(s, &sub) {
            if negated {
                return -1;
            }
            positive = 1;
        }
    }
    positive
}

/// `match_hostname`: the host lowercased, then `match_pattern_list` with lowercased patterns.
pub(crate) fn match_hostname(host: &str, list: &str) -> i32 {
    match_pattern_list(&host.to_ascii_lowercase(), list, true)
}

/// fnmatch(3) without flags except that a leading `.` must be matched explicitly.
fn fnmatch(pattern: &[char], name: &[char]) -> bool {
    if let Some('.') = name.first() {
        if pattern.first() != Some(&'.') {
            return false;
        }
    }
    fnm(pattern, name)
}

fn fnm(p: &[char], n: &[char]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') => (0..=n.len()).any(|i| fnm(&p[1..], &n[i..])),
        Some('?') => !n.is_empty() && fnm(&p[1..], &n[1..]),
        Some('[') => {
            let Some(&c) = n.first() else { return false };
            let mut i = 1;
            let negate = matches!(p.get(1), Some('!') | Some('^'));
            if negate {
                i += 1;
            }
            let start = i;
            let mut matched = false;
            let mut closed = None;
            while i < p.len() {
                if p[i] == ']' && i > start {
                    closed = Some(i);
                    break;
                }
                if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
                    if p[i] <= c && c <= p[i + 2] {
                        matched = true;
                    }
                    i += 3;
                } else {
                    if p[i] == c {
                        matched = true;
                    }
                    i += 1;
                }
            }
            match closed {
                Some(end) => matched != negate && fnm(&p[end + 1..], &n[1..]),
                // An unclosed `[` is an ordinary character.
                None => c == '[' && fnm(&p[1..], &n[1..]),
            }
        }
        Some('\\') if p.len() > 1 => n.first() == Some(&p[1]) && fnm(&p[2..], &n[1..]),
        Some(&c) => n.first() == Some(&c) && fnm(&p[1..], &n[1..]),
    }
}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// glob(3) over an already tilde-expanded pattern: matching paths, sorted; none if nothing
/// matches (a pattern without wildcards matches only if it exists).
pub(crate) fn glob(pattern: &str) -> Vec<PathBuf> {
    let absolute = pattern.starts_with('/');
    let mut current: Vec<PathBuf> = vec![if absolute {
        PathBuf::from("/")
    } else {
        PathBuf::from("")
    }];
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    for part in &parts {
        let mut next = Vec::new();
        for base in &current {
            if has_magic(part) {
                let dir: &Path = if base.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    base
                };
                let Ok(entries) = std::fs::read_dir(dir) else {
                    continue;
                };
                let pat: Vec<char> = part.chars().collect();
                let mut names: Vec<String> = entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| fnmatch(&pat, &n.chars().collect::<Vec<_>>()))
                    .collect();
                names.sort();
                next.extend(names.into_iter().map(|n| base.join(n)));
            } else {
                next.push(base.join(part));
            }
        }
        current = next;
    }
    let mut out: Vec<PathBuf> = current
        .into_iter()
        .filter(|p| !p.as_os_str().is_empty() && std::fs::symlink_metadata(p).is_ok())
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(match_pattern("web1.example", "web*"));
        assert!(match_pattern("web1", "web?"));
        assert!(!match_pattern("web12", "web?"));
        assert!(match_pattern("", "*"));
        assert!(!match_pattern("Web1", "web*"));
        assert!(match_pattern("a.b.c", "*.*.c"));
        assert_eq!(match_pattern_list("db1", "web*,db*", false), 1);
        assert_eq!(match_pattern_list("db1", "*,!db1", false), -1);
        assert_eq!(match_pattern_list("x", "web*", false), 0);
        assert_eq!(match_hostname("WEB1", "Web*"), 1);
    }

    #[test]
    fn fnmatch_rules() {
        let f = |p: &str, n: &str| {
            fnmatch(
                &p.chars().collect::<Vec<_>>(),
                &n.chars().collect::<Vec<_>>(),
            )
        };
        assert!(f("*.conf", "a.conf"));
        assert!(!f("*", ".hidden"));
        assert!(f(".*", ".hidden"));
        assert!(f("[a-c]x", "bx"));
        assert!(!f("[!a-c]x", "bx"));
        assert!(f("[", "["));
    }

    #[test]
    fn glob_sorted_and_existing_only() {
        let dir = tempfile::tempdir().unwrap();
        for n in ["b.conf", "a.conf", ".h.conf", "c.txt"] {
            std::fs::write(dir.path().join(n), "").unwrap();
        }
        let pat = format!("{}/*.conf", dir.path().display());
        let got = glob(&pat);
        assert_eq!(
            got,
            vec![dir.path().join("a.conf"), dir.path().join("b.conf")]
        );
        assert!(glob(&format!("{}/missing", dir.path().display())).is_empty());
        assert_eq!(
            glob(&format!("{}/c.txt", dir.path().display())),
            vec![dir.path().join("c.txt")]
        );
    }
}
