//! A look inside a private key file, so a refused key can be explained: libssh2 says
//! only "unable to extract public key" for a missing passphrase, a wrong one and an
//! unsupported format alike.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Whether a private key file is protected by a passphrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Protection {
    /// Not encrypted.
    Plain,
    /// Encrypted with a passphrase.
    Encrypted,
    /// Not a private key format we recognise.
    Unknown,
}

const OPENSSH_BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
const OPENSSH_END: &str = "-----END OPENSSH PRIVATE KEY-----";
const OPENSSH_MAGIC: &[u8] = b"openssh-key-v1\0";

/// Reads the protection from the file's contents: the cipher name of an OpenSSH-format
/// key, or the PEM headers of PKCS#1/PKCS#8 keys.
pub(super) fn protection(contents: &[u8]) -> Protection {
    let Ok(text) = std::str::from_utf8(contents) else {
        return Protection::Unknown;
    };
    if let Some(start) = text.find(OPENSSH_BEGIN) {
        let body = &text[start + OPENSSH_BEGIN.len()..];
        let body = body.find(OPENSSH_END).map_or(body, |end| &body[..end]);
        let encoded: String = body.split_ascii_whitespace().collect();
        return match STANDARD.decode(encoded) {
            Ok(bytes) => openssh_protection(&bytes),
            Err(_) => Protection::Unknown,
        };
    }
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || text.contains("Proc-Type: 4,ENCRYPTED")
    {
        Protection::Encrypted
    } else if text.contains("-----BEGIN ") && text.contains(" PRIVATE KEY-----") {
        Protection::Plain
    } else {
        Protection::Unknown
    }
}

fn openssh_protection(bytes: &[u8]) -> Protection {
    let Some(rest) = bytes.strip_prefix(OPENSSH_MAGIC) else {
        return Protection::Unknown;
    };
    let Some(length) = rest
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_be_bytes)
    else {
        return Protection::Unknown;
    };
    match rest.get(4..4 + length as usize) {
        Some(b"none") => Protection::Plain,
        Some(_) => Protection::Encrypted,
        None => Protection::Unknown,
    }
}

/// The public half OpenSSH keeps beside a private key (`KEY.pub`), when it is there.
///
/// Handing it to libssh2 spares it deriving the public key from the private one, a
/// second full parse of the key file for every host (measured: about a quarter of
/// herd's CPU when connecting to many hosts with a key).
pub(super) fn public_half(private: &Path) -> Option<PathBuf> {
    let mut name = private.as_os_str().to_owned();
    name.push(".pub");
    let public = PathBuf::from(name);
    public.is_file().then_some(public)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_half_is_used_only_when_it_exists() {
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("id_ed25519");
        std::fs::write(&private, "private").unwrap();
        assert_eq!(public_half(&private), None);
        std::fs::write(dir.path().join("id_ed25519.pub"), "public").unwrap();
        assert_eq!(
            public_half(&private),
            Some(dir.path().join("id_ed25519.pub"))
        );
    }

    fn openssh_key(cipher: &str) -> String {
        let mut bytes = OPENSSH_MAGIC.to_vec();
        bytes.extend_from_slice(&(cipher.len() as u32).to_be_bytes());
        bytes.extend_from_slice(cipher.as_bytes());
        bytes.extend_from_slice(&[0; 40]);
        format!(
            "{OPENSSH_BEGIN}\n{}\n{OPENSSH_END}\n",
            STANDARD.encode(bytes)
        )
    }

    #[test]
    fn openssh_format() {
        assert_eq!(
            protection(openssh_key("none").as_bytes()),
            Protection::Plain
        );
        assert_eq!(
            protection(openssh_key("aes256-ctr").as_bytes()),
            Protection::Encrypted
        );
        assert_eq!(
            protection(format!("{OPENSSH_BEGIN}\n!!\n").as_bytes()),
            Protection::Unknown
        );
    }

    #[test]
    fn pem_formats() {
        let pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(protection(pkcs1.as_bytes()), Protection::Encrypted);
        let plain = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
        assert_eq!(protection(plain.as_bytes()), Protection::Plain);
        let pkcs8 =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(protection(pkcs8.as_bytes()), Protection::Encrypted);
        assert_eq!(protection(b"ssh-ed25519 AAAA comment"), Protection::Unknown);
        assert_eq!(protection(&[0xff, 0xfe]), Protection::Unknown);
    }
}
