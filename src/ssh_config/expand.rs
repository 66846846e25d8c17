//! Value helpers from OpenSSH's misc.c: `percent_expand` (with `${VAR}`), `tilde_expand`,
//! `convtime`, `a2port`, and the ProxyJump syntax (`parse_jump`, `parse_user_host_port`,
//! `parse_ssh_uri`).

use std::path::PathBuf;

use super::JumpHost;

/// `percent_dollar_expand` / `percent_expand`: `%%` is `%`, `%X` is the value for key `X`
/// (an unknown key is an error), and with `dollar` `${NAME}` is the environment variable.
pub(crate) fn percent_expand(
    s: &str,
    keys: &[(char, &str)],
    dollar: bool,
) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if dollar && c == '$' && chars.peek() == Some(&'{') {
            chars.next();
            let mut name = String::new();
            let mut closed = false;
            for c in chars.by_ref() {
                if c == '}' {
                    closed = true;
                    break;
                }
                name.push(c);
            }
            if !closed {
                return Err(format!(
                    "environment variable '{name}' missing closing '}}'"
                ));
            }
            if name.is_empty() {
                return Err("zero-length environment variable".into());
            }
            match std::env::var(&name) {
                Ok(v) => out.push_str(&v),
                Err(_) => return Err(format!("environment variable ${{{name}}} has no value")),
            }
            continue;
        }
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            None => return Err("invalid format: '%' at the end".into()),
            Some(k) => match keys.iter().find(|(key, _)| *key == k) {
                Some((_, v)) => out.push_str(v),
                None => return Err(format!("unknown key %{k}")),
            },
        }
    }
    Ok(out)
}

/// The home directory of `user` from the passwd database.
fn home_of(user: &str) -> Option<PathBuf> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 7 && f[0] == user).then(|| PathBuf::from(f[5]))
    })
}

/// `tilde_expand`: `~`, `~/x` (the user's `home`), `~user/x`; other text unchanged.
pub(crate) fn tilde_expand(s: &str, home: &std::path::Path) -> Result<String, String> {
    let Some(rest) = s.strip_prefix('~') else {
        return Ok(s.to_string());
    };
    let (dir, path) = if rest.is_empty() || rest.starts_with('/') {
        (home.to_path_buf(), rest.trim_start_matches('/'))
    } else {
        let (user, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i + 1..].trim_start_matches('/')),
            None => (rest, ""),
        };
        let dir = home_of(user).ok_or_else(|| format!("no such user {user} (in {s})"))?;
        (dir, path)
    };
    let mut d = dir.to_string_lossy().into_owned();
    if !d.ends_with('/') {
        d.push('/');
    }
    Ok(format!("{d}{path}"))
}

/// `convtime`: `90`, `1m30s`, `2h`, `1w` … in seconds; `None` if malformed.
pub(crate) fn convtime(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let n: u64 = s[start..i].parse().ok()?;
        let mult = match b.get(i) {
            None => 1,
            Some(c) => {
                i += 1;
                match c {
                    b's' | b'S' => 1,
                    b'm' | b'M' => 60,
                    b'h' | b'H' => 3600,
                    b'd' | b'D' => 86400,
                    b'w' | b'W' => 604800,
                    _ => return None,
                }
            }
        };
        total = total.checked_add(n.checked_mul(mult)?)?;
        if total > i32::MAX as u64 {
            return None;
        }
    }
    Some(total)
}

/// `a2port` for numbers: 1..=65535 (service names are not looked up).
pub(crate) fn a2port(s: &str) -> Option<u16> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match s.parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Some(n as u16),
        _ => None,
    }
}

/// `hpdelim2` + `cleanhostname`: splits `host[:port]` / `[v6]:port`; returns the host and
/// the delimiter with what follows it.
fn host_port(s: &str) -> Option<(String, Option<(char, &str)>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let end = rest.find(']')?;
        let host = &rest[..end];
        let after = &rest[end + 1..];
        if after.is_empty() {
            return Some((host.to_string(), None));
        }
        let d = after.chars().next()?;
        if d != ':' && d != '/' {
            return None;
        }
        return Some((host.to_string(), Some((d, &after[1..]))));
    }
    match s.find([':', '/']) {
        Some(i) => Some((
            s[..i].to_string(),
            Some((s.as_bytes()[i] as char, &s[i + 1..])),
        )),
        None => Some((s.to_string(), None)),
    }
}

fn user_host_port(s: &str) -> Result<JumpHost, String> {
    let (user, rest) = match s.rfind('@') {
        Some(0) => return Err(format!("empty user name in {s:?}")),
        Some(i) => (Some(s[..i].to_string()), &s[i + 1..]),
        None => (None, s),
    };
    let (host, port) = host_port(rest).ok_or_else(|| format!("bad host in {s:?}"))?;
    if host.is_empty() {
        return Err(format!("missing host name in {s:?}"));
    }
    let port = match port.map(|(_, p)| p) {
        Some(p) if !p.is_empty() => {
            Some(a2port(p).ok_or_else(|| format!("bad port {p:?} in {s:?}"))?)
        }
        _ => None,
    };
    Ok(JumpHost { user, host, port })
}

fn urldecode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                let v = u8::from_str_radix(h, 16).ok()?;
                if v == 0 {
                    return None;
                }
                out.push(v);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn valid_domain(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_' || c == b':')
        && !s.starts_with(['-', '.'])
}

/// `parse_ssh_uri`: `Ok(None)` if `s` is not an `ssh://` URI.
fn ssh_uri(s: &str) -> Result<Option<JumpHost>, String> {
    let Some(mut rest) = s.strip_prefix("ssh://") else {
        return Ok(None);
    };
    let bad = || format!("bad ssh:// URI {s:?}");
    let mut user = None;
    if let Some(i) = rest.find('@') {
        let mut u = &rest[..i];
        if let Some(j) = u.find(';') {
            u = &u[..j];
        }
        if u.is_empty() {
            return Err(bad());
        }
        user = Some(urldecode(u).ok_or_else(bad)?);
        rest = &rest[i + 1..];
    }
    let (host, tail) = host_port(rest).ok_or_else(bad)?;
    if host.is_empty() || !valid_domain(&host) {
        return Err(bad());
    }
    let mut port = None;
    if let Some((d, t)) = tail {
        let mut path = t;
        if d == ':' {
            let (p, rest) = match t.find('/') {
                Some(i) => (&t[..i], &t[i + 1..]),
                None => (t, ""),
            };
            port = Some(a2port(p).ok_or_else(bad)?);
            path = rest;
        }
        // A path is not allowed.
        if !path.is_empty() {
            return Err(bad());
        }
    }
    Ok(Some(JumpHost { user, host, port }))
}

fn jump_one(s: &str) -> Result<JumpHost, String> {
    match ssh_uri(s)? {
        Some(j) => Ok(j),
        None => user_host_port(s),
    }
}

/// OpenSSH's ProxyJump syntax: `[user@]host[:port]` or `ssh://[user@]host[:port]`, comma
/// separated, in connection order. `none` is the empty chain. A `#` starts a comment.
pub fn parse_jump_list(text: &str) -> Result<Vec<JumpHost>, String> {
    let t = text.split('#').next().unwrap_or("").trim_end();
    if text.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    t.split(',').map(jump_one).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent() {
        let keys = [('h', "web1"), ('p', "22")];
        assert_eq!(
            percent_expand("%h:%p %%", &keys, false).unwrap(),
            "web1:22 %"
        );
        assert!(
            percent_expand("%z", &keys, false)
                .unwrap_err()
                .contains("%z")
        );
        assert!(percent_expand("a%", &keys, false).is_err());
        assert_eq!(
            percent_expand("${HERD_NO_SUCH_VAR_X", &keys, false).unwrap(),
            "${HERD_NO_SUCH_VAR_X"
        );
        assert!(percent_expand("${HERD_NO_SUCH_VAR_X}", &keys, true).is_err());
    }

    #[test]
    fn tilde() {
        let h = std::path::Path::new("/home/u");
        assert_eq!(tilde_expand("~", h).unwrap(), "/home/u/");
        assert_eq!(tilde_expand("~/a", h).unwrap(), "/home/u/a");
        assert_eq!(tilde_expand("~//a", h).unwrap(), "/home/u/a");
        assert_eq!(tilde_expand("/x/~", h).unwrap(), "/x/~");
        assert_eq!(tilde_expand("~root/x", h).unwrap(), "/root/x");
        assert!(tilde_expand("~no_such_user_herd/x", h).is_err());
    }

    #[test]
    fn times() {
        assert_eq!(convtime("90"), Some(90));
        assert_eq!(convtime("1m30s"), Some(90));
        assert_eq!(convtime("1h"), Some(3600));
        assert_eq!(convtime("1W"), Some(604800));
        assert_eq!(convtime(""), None);
        assert_eq!(convtime("1x"), None);
        assert_eq!(convtime("m"), None);
        assert_eq!(convtime("99999999999"), None);
    }

    #[test]
    fn jumps() {
        let j = parse_jump_list("u@a:2,ssh://v@b:3,[::1]:4,c").unwrap();
        assert_eq!(j.len(), 4);
        assert_eq!(
            j[0],
            JumpHost {
                user: Some("u".into()),
                host: "a".into(),
                port: Some(2)
            }
        );
        assert_eq!(
            j[1],
            JumpHost {
                user: Some("v".into()),
                host: "b".into(),
                port: Some(3)
            }
        );
        assert_eq!(
            j[2],
            JumpHost {
                user: None,
                host: "::1".into(),
                port: Some(4)
            }
        );
        assert_eq!(j[3].host, "c");
        assert_eq!(parse_jump_list("none").unwrap(), vec![]);
        assert_eq!(parse_jump_list("NONE").unwrap(), vec![]);
        assert!(parse_jump_list("a:0").is_err());
        assert!(parse_jump_list("@a").is_err());
        assert!(parse_jump_list("a,,b").is_err());
        assert!(parse_jump_list("ssh://a/path").is_err());
        assert_eq!(parse_jump_list("a # c").unwrap()[0].host, "a");
    }
}
