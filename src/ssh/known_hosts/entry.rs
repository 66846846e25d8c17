//! One known_hosts line: parsing it and deciding whether it names a host.
//!
//! The format is OpenSSH's (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"): an optional marker
//! (`@revoked`, `@cert-authority`), a host field, a key type, the base64 key and an
//! optional comment. The host field is either a comma list of patterns (`*` and `?`
//! wildcards, `!` negation, `[host]:port` for ports other than 22) or one hashed name
//! `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::ssh::wire::Fields;

/// What kind of line an [`Entry`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    /// A plain line: this host has this key.
    Plain,
    /// `@revoked`: this key must never be accepted for the matching hosts.
    Revoked,
    /// `@cert-authority`: host certificates this key signed are good for the matching
    /// hosts. herd cannot check host certificates (libssh2 does not negotiate them), so
    /// such a line neither allows nor refuses a key; it only explains a refusal.
    CertAuthority,
}

/// A parsed known_hosts line.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// 1-based line number in the file, for messages.
    pub(super) line: usize,
    /// Plain or revoked.
    pub(super) marker: Marker,
    /// The key type named inside the key blob (`ssh-ed25519`, `ssh-rsa`, …).
    pub(super) key_type: String,
    /// The key blob, as the server sends it.
    pub(super) key: Vec<u8>,
    names: Names,
}

#[derive(Debug, Clone)]
enum Names {
    /// `|1|salt|digest`.
    Hashed { salt: Vec<u8>, digest: Vec<u8> },
    /// Lower-cased patterns, `!` kept as the first character of negated ones.
    Patterns(Vec<String>),
}

/// The name a host has in known_hosts: `address` for port 22, else `[address]:port`.
pub(super) fn host_name(address: &str, port: u16) -> String {
    let address = address.to_ascii_lowercase();
    if port == 22 {
        address
    } else {
        format!("[{address}]:{port}")
    }
}

/// The key type a key blob declares in its first field (an SSH `string`).
pub(super) fn key_type_of(blob: &[u8]) -> Option<&str> {
    std::str::from_utf8(Fields(blob).string()?).ok()
}

/// Parses one line; `None` for blank lines, comments, unknown `@` markers and lines
/// that are not valid (OpenSSH ignores those too).
pub(super) fn parse(line: usize, text: &str) -> Option<Entry> {
    let text = text.trim();
    if text.is_empty() || text.starts_with('#') {
        return None;
    }
    let mut fields = text.split_ascii_whitespace();
    let mut first = fields.next()?;
    let marker = match first {
        "@revoked" => Marker::Revoked,
        "@cert-authority" => Marker::CertAuthority,
        _ if first.starts_with('@') => return None,
        _ => Marker::Plain,
    };
    if marker != Marker::Plain {
        first = fields.next()?;
    }
    let _declared_type = fields.next()?;
    let key = STANDARD.decode(fields.next()?).ok()?;
    let key_type = key_type_of(&key)?.to_owned();
    Some(Entry {
        line,
        marker,
        key_type,
        key,
        names: parse_names(first)?,
    })
}

fn parse_names(field: &str) -> Option<Names> {
    if let Some(hashed) = field.strip_prefix("|1|") {
        let (salt, digest) = hashed.split_once('|')?;
        return Some(Names::Hashed {
            salt: STANDARD.decode(salt).ok()?,
            digest: STANDARD.decode(digest).ok()?,
        });
    }
    if field.starts_with('|') {
        return None; // an unknown hash format
    }
    Some(Names::Patterns(
        field.split(',').map(str::to_ascii_lowercase).collect(),
    ))
}

impl Entry {
    /// Whether this line applies to `name` (as made by [`host_name`]).
    pub(super) fn matches(&self, name: &str) -> bool {
        match &self.names {
            Names::Hashed { salt, digest } => {
                let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(salt) else {
                    return false;
                };
                mac.update(name.as_bytes());
                mac.verify_slice(digest).is_ok()
            }
            Names::Patterns(patterns) => {
                let mut matched = false;
                for pattern in patterns {
                    if let Some(negated) = pattern.strip_prefix('!') {
                        if glob(negated.as_bytes(), name.as_bytes()) {
                            return false;
                        }
                    } else if glob(pattern.as_bytes(), name.as_bytes()) {
                        matched = true;
                    }
                }
                matched
            }
        }
    }
}

/// OpenSSH's pattern match: `*` any run of characters, `?` exactly one.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((star, at)) => {
                    p = star + 1;
                    t = at + 1;
                    backtrack = Some((star, at + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIKb4NpKOLh3ezV0NtjzBg1AbHhu3m+6elwXl4M8HVK3z";

    fn entry(text: &str) -> Entry {
        parse(3, text).expect("a valid line")
    }

    #[test]
    fn plain_names_ports_and_lists() {
        let e = entry(&format!(
            "web1,127.0.0.11 ssh-ed25519 {ED25519} comment here"
        ));
        assert_eq!(e.line, 3);
        assert_eq!(e.key_type, "ssh-ed25519");
        assert!(e.matches("127.0.0.11"));
        assert!(e.matches("web1"));
        assert!(!e.matches("[127.0.0.11]:2222"));
        let e = entry(&format!("[127.0.0.12]:2222 ssh-ed25519 {ED25519}"));
        assert!(e.matches(&host_name("127.0.0.12", 2222)));
        assert!(!e.matches("127.0.0.12"));
    }

    #[test]
    fn wildcards_and_negation() {
        let e = entry(&format!(
            "*.example.com,!bad.example.com,10.0.0.? ssh-ed25519 {ED25519}"
        ));
        assert!(e.matches("web.example.com"));
        assert!(!e.matches("bad.example.com"));
        assert!(e.matches("10.0.0.7"));
        assert!(!e.matches("10.0.0.17"));
        assert!(glob(b"a*b*c", b"aXXbYYc"));
        assert!(!glob(b"a*b*c", b"aXXbYY"));
    }

    #[test]
    fn names_are_case_insensitive() {
        let e = entry(&format!("Web1.Example.COM ssh-ed25519 {ED25519}"));
        assert!(e.matches(&host_name("WEB1.example.com", 22)));
    }

    #[test]
    fn hashed_names() {
        // `ssh-keygen -H` output for "127.0.0.11" with this salt.
        let salt = [7u8; 20];
        let mut mac = Hmac::<Sha1>::new_from_slice(&salt).expect("any key length");
        mac.update(b"127.0.0.11");
        let digest = mac.finalize().into_bytes();
        let line = format!(
            "|1|{}|{} ssh-ed25519 {ED25519}",
            STANDARD.encode(salt),
            STANDARD.encode(digest)
        );
        let e = entry(&line);
        assert!(e.matches("127.0.0.11"));
        assert!(!e.matches("127.0.0.12"));
    }

    #[test]
    fn markers_comments_and_garbage() {
        assert!(parse(1, "# comment").is_none());
        assert!(parse(1, "   ").is_none());
        assert!(parse(1, &format!("@unknown host ssh-ed25519 {ED25519}")).is_none());
        let e = entry(&format!(
            "@cert-authority *.example.com ssh-ed25519 {ED25519}"
        ));
        assert_eq!(e.marker, Marker::CertAuthority);
        assert!(e.matches("web1.example.com"));
        assert!(parse(1, "host ssh-ed25519 not-base64!").is_none());
        assert!(parse(1, "host ssh-ed25519").is_none());
        assert!(parse(1, &format!("|2|abc|def ssh-ed25519 {ED25519}")).is_none());
        let e = entry(&format!("@revoked * ssh-ed25519 {ED25519}"));
        assert_eq!(e.marker, Marker::Revoked);
        assert!(e.matches("anything"));
    }

    #[test]
    fn key_type_comes_from_the_blob() {
        assert_eq!(key_type_of(&[0, 0, 0, 3, b'a', b'b', b'c', 9]), Some("abc"));
        assert_eq!(key_type_of(&[0, 0, 0, 9, b'a']), None);
        assert_eq!(key_type_of(&[0xff, 0xff, 0xff, 0xff]), None);
    }
}
