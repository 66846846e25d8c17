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

/// Reads one SSH `string` from `bytes`: its contents and what follows.
fn string(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let length = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let contents = bytes.get(4..4 + length)?;
    Some((contents, &bytes[4 + length..]))
}

/// Whether certificate blob `cert` certifies the public key with blob `key`.
fn certifies(cert: &[u8], key: &[u8]) -> bool {
    let Some((cert_type, rest)) = string(cert) else {
        return false;
    };
    let Some((key_type, key_fields)) = string(key) else {
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
    let Some((_nonce, cert_fields)) = string(rest) else {
        return false;
    };
    !key_fields.is_empty() && cert_fields.starts_with(key_fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ssh_string(bytes: &[u8]) -> Vec<u8> {
        let mut out = (bytes.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(bytes);
        out
    }

    fn key_line(key: &[u8]) -> String {
        let mut blob = ssh_string(b"ssh-ed25519");
        blob.extend(ssh_string(key));
        format!("ssh-ed25519 {} me@here\n", STANDARD.encode(blob))
    }

    fn cert_line(key: &[u8]) -> String {
        let mut blob = ssh_string(b"ssh-ed25519-cert-v01@openssh.com");
        blob.extend(ssh_string(b"nonce-nonce"));
        blob.extend(ssh_string(key));
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
