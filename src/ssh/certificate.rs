//! OpenSSH user certificates: which certificate goes with which private key.
//!
//! As ssh does, a key `KEY` is presented with `KEY-cert.pub` when that file exists, and
//! with any `CertificateFile` that certifies the same public key. A certificate's blob is
//! its type, a nonce, then the very fields of the plain public key's blob after its type,
//! so the two are matched by comparing those bytes (with `KEY.pub`). When there is no
//! `KEY.pub` to compare with, every `CertificateFile` is offered with the key.

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::wire::Fields;

/// The certificates to present with the private key at `private`, best first:
/// matching `certificate_files`, then `KEY-cert.pub`.
pub(super) fn for_key(private: &Path, certificate_files: &[PathBuf]) -> Vec<PathBuf> {
    // Read only to match `certificate_files` against (not at every login without any).
    let public = if certificate_files.is_empty() {
        None
    } else {
        sibling(private, ".pub")
            .and_then(|path| fs::read_to_string(path).ok())
            .and_then(|text| blob(&text))
    };
    let mut found: Vec<PathBuf> = certificate_files
        .iter()
        .filter(|cert| {
            let Some(key) = &public else {
                return cert.is_file();
            };
            fs::read_to_string(cert)
                .ok()
                .and_then(|text| blob(&text))
                .is_some_and(|cert_blob| certifies(&cert_blob, key))
        })
        .cloned()
        .collect();
    if let Some(beside) = sibling(private, "-cert.pub") {
        if !found.contains(&beside) {
            found.push(beside);
        }
    }
    found
}

/// `private` + `suffix`, when that file exists.
fn sibling(private: &Path, suffix: &str) -> Option<PathBuf> {
    let mut name = private.as_os_str().to_owned();
    name.push(suffix);
    let path = PathBuf::from(name);
    path.is_file().then_some(path)
}

/// The decoded blob of a one-line OpenSSH public key or certificate file.
fn blob(text: &str) -> Option<Vec<u8>> {
    let encoded = text.split_whitespace().nth(1)?;
    STANDARD.decode(encoded).ok()
}

/// Whether certificate blob `cert` certifies the public key with blob `key`.
fn certifies(cert: &[u8], key: &[u8]) -> bool {
    let (mut cert, mut key) = (Fields(cert), Fields(key));
    let (Some(cert_type), Some(key_type)) = (cert.string(), key.string()) else {
        return false;
    };
    let Ok(cert_type) = std::str::from_utf8(cert_type) else {
        return false;
    };
    let Ok(key_type) = std::str::from_utf8(key_type) else {
        return false;
    };
    let Some(base) = cert_type.strip_suffix("-cert-v01@openssh.com") else {
        return false;
    };
    // rsa-sha2-* certificates are ssh-rsa keys.
    if base != key_type {
        return false;
    }
    if cert.string().is_none() {
        return false; // the nonce
    }
    let (key_fields, cert_fields) = (key.rest(), cert.rest());
    !key_fields.is_empty() && cert_fields.starts_with(key_fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh::wire::put_string;

    fn key_line(key: &[u8]) -> String {
        let mut blob = Vec::new();
        put_string(&mut blob, b"ssh-ed25519");
        put_string(&mut blob, key);
        format!("ssh-ed25519 {} me@here\n", STANDARD.encode(blob))
    }

    fn cert_line(key: &[u8]) -> String {
        let mut blob = Vec::new();
        put_string(&mut blob, b"ssh-ed25519-cert-v01@openssh.com");
        put_string(&mut blob, b"nonce-nonce");
        put_string(&mut blob, key);
        blob.extend_from_slice(&[0, 0, 0, 1, 9, 9, 9]);
        format!(
            "ssh-ed25519-cert-v01@openssh.com {} me@here\n",
            STANDARD.encode(blob)
        )
    }

    #[test]
    fn pairs_certificates_by_key_and_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("id");
        fs::write(&key, "private").unwrap();
        fs::write(dir.path().join("id.pub"), key_line(&[1; 32])).unwrap();
        let mine = dir.path().join("mine.pub");
        let other = dir.path().join("other.pub");
        fs::write(&mine, cert_line(&[1; 32])).unwrap();
        fs::write(&other, cert_line(&[2; 32])).unwrap();
        let found = for_key(&key, &[other.clone(), mine.clone()]);
        assert_eq!(found, std::slice::from_ref(&mine));
        let beside = dir.path().join("id-cert.pub");
        fs::write(&beside, cert_line(&[1; 32])).unwrap();
        assert_eq!(for_key(&key, &[other, mine.clone()]), [mine, beside]);
    }

    #[test]
    fn without_a_pub_file_every_certificate_is_offered() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("id");
        let cert = dir.path().join("c.pub");
        fs::write(&cert, cert_line(&[3; 32])).unwrap();
        assert_eq!(for_key(&key, std::slice::from_ref(&cert)), [cert]);
        assert!(for_key(&key, &[dir.path().join("missing")]).is_empty());
    }

    #[test]
    fn garbage_never_matches() {
        assert!(!certifies(b"", b""));
        assert!(!certifies(&[0, 0, 0, 200], &[0, 0, 0, 1, 1]));
        assert_eq!(blob("not base64 !!"), None);
    }
}
