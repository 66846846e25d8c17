//! A look inside a private key file: whether it is protected, so a refused key can be
//! explained (libssh2 says only "unable to extract public key" for a missing passphrase,
//! a wrong one and an unsupported format alike), and the key pair of an unencrypted
//! ed25519 key, which herd signs with itself ([`signer`](super::signer)).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::wire::{Fields, put_string};

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
    if text.contains(OPENSSH_BEGIN) {
        return openssh_bytes(text).map_or(Protection::Unknown, |bytes| openssh_protection(&bytes));
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

/// The decoded body of an OpenSSH-format private key.
fn openssh_bytes(text: &str) -> Option<Vec<u8>> {
    let start = text.find(OPENSSH_BEGIN)?;
    let body = &text[start + OPENSSH_BEGIN.len()..];
    let body = body.find(OPENSSH_END).map_or(body, |end| &body[..end]);
    let encoded: String = body.split_ascii_whitespace().collect();
    STANDARD.decode(encoded).ok()
}

/// An ed25519 key pair as an OpenSSH key file holds it. The private half is wiped
/// when the pair is dropped.
pub(super) struct Ed25519Pair {
    /// The private key (RFC 8032's 32-byte seed).
    pub(super) seed: [u8; 32],
    /// The public key.
    pub(super) public: [u8; 32],
}

impl Ed25519Pair {
    /// The public key as SSH sends it: string "ssh-ed25519", string key.
    pub(super) fn public_blob(&self) -> Vec<u8> {
        let mut blob = Vec::with_capacity(4 + ED25519.len() + 4 + 32);
        put_string(&mut blob, ED25519);
        put_string(&mut blob, &self.public);
        blob
    }
}

impl Drop for Ed25519Pair {
    fn drop(&mut self) {
        wipe(&mut self.seed);
    }
}

/// Overwrites secret bytes with zeros (volatile writes, so they are not optimised away).
pub(super) fn wipe(bytes: &mut [u8]) {
    for byte in bytes {
        // SAFETY: a valid, exclusive reference to one byte.
        unsafe { std::ptr::write_volatile(byte, 0) };
    }
}

const ED25519: &[u8] = b"ssh-ed25519";

/// The key pair of an unencrypted OpenSSH-format ed25519 private key file; `None` for
/// any other key (encrypted, another type, several keys, PEM) or a malformed file.
///
/// The format (OpenSSH's PROTOCOL.key): the magic, then strings cipher "none", KDF
/// "none", KDF options, a count of 1, the public key's blob, and the private section:
/// two equal check numbers, the type, the public key, the 64-byte private key (seed,
/// then public key), a comment, padding.
pub(super) fn ed25519(contents: &[u8]) -> Option<Ed25519Pair> {
    let mut bytes = openssh_bytes(std::str::from_utf8(contents).ok()?)?;
    let pair = parse_ed25519(&bytes);
    wipe(&mut bytes);
    pair
}

fn parse_ed25519(bytes: &[u8]) -> Option<Ed25519Pair> {
    let mut file = Fields(bytes.strip_prefix(OPENSSH_MAGIC)?);
    if file.string()? != b"none" || file.string()? != b"none" {
        return None;
    }
    file.string()?; // KDF options: empty without a KDF
    if file.number()? != 1 {
        return None;
    }
    let mut header_blob = Fields(file.string()?);
    let mut private = Fields(file.string()?);
    if header_blob.string()? != ED25519 {
        return None;
    }
    let public: [u8; 32] = header_blob.string()?.try_into().ok()?;
    if private.number()? != private.number()? || private.string()? != ED25519 {
        return None;
    }
    let stored_public: [u8; 32] = private.string()?.try_into().ok()?;
    let secret = private.string()?;
    if stored_public != public || secret.len() != 64 || secret[32..] != public {
        return None;
    }
    Some(Ed25519Pair {
        seed: secret[..32].try_into().ok()?,
        public,
    })
}

fn openssh_protection(bytes: &[u8]) -> Protection {
    let Some(rest) = bytes.strip_prefix(OPENSSH_MAGIC) else {
        return Protection::Unknown;
    };
    match Fields(rest).string() {
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

    /// A key made by ssh-keygen (OpenSSH's own writer) into a temporary folder.
    fn keygen(kind: &str, passphrase: &str) -> (Vec<u8>, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        let made = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", kind, "-N", passphrase, "-C", "a comment", "-f"])
            .arg(&path)
            .status()
            .expect("ssh-keygen (openssh-client; scripts/setup-machine.sh installs it)");
        assert!(made.success());
        let public = std::fs::read_to_string(dir.path().join("key.pub")).unwrap();
        (std::fs::read(&path).unwrap(), public)
    }

    #[test]
    fn an_unencrypted_ed25519_key_gives_the_pair_whose_public_blob_ssh_keygen_wrote() {
        let (private, public) = keygen("ed25519", "");
        let pair = ed25519(&private).unwrap();
        let blob = STANDARD
            .decode(public.split_whitespace().nth(1).unwrap())
            .unwrap();
        assert_eq!(pair.public_blob(), blob);
    }

    #[test]
    fn other_keys_give_no_ed25519_pair() {
        assert!(ed25519(&keygen("ed25519", "a passphrase").0).is_none());
        assert!(ed25519(&keygen("ecdsa", "").0).is_none());
        assert!(ed25519(openssh_key("none").as_bytes()).is_none());
        assert!(ed25519(b"not a key").is_none());
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
