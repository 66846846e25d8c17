//! ansible-vault: files and values encrypted with `ansible-vault`, read with the passwords
//! the user gave.
//!
//! herd reads the two formats ansible-vault writes today: 1.1 (`$ANSIBLE_VAULT;1.1;AES256`)
//! and 1.2 (`$ANSIBLE_VAULT;1.2;AES256;LABEL`, written for `--vault-id LABEL@…`). The body
//! is hexadecimal text of the hexadecimal salt, HMAC and ciphertext; the keys come from
//! PBKDF2-HMAC-SHA256 (10000 rounds) over the password and salt; the HMAC-SHA256 of the
//! ciphertext is checked in constant time before AES-256-CTR decrypts it.
//!
//! The API other modules use:
//! - [`is_encrypted`]: whether a file's text (or a YAML string) is vault-encrypted;
//! - [`Vault`]: the passwords given (`Vault::default()` has none);
//!   [`Vault::decrypt`] / [`Vault::decrypt_text`] open one envelope;
//! - [`decrypt_values`]: decrypts, in a parsed YAML document, the encrypted strings
//!   (`!vault |` values) and says where they were, so they can be masked;
//! - [`password_from_file`]: a password the way Ansible reads `--vault-password-file`
//!   (an executable file is run and its output used).
//!
//! Errors ([`VaultError`]) never hold a password or a decrypted byte; they do not name the
//! file either: the caller, who knows it, does.

mod cipher;
mod envelope;
mod password;
mod values;

pub use password::{PasswordError, password_from_file};
pub use values::{InlineError, decrypt_values};

use crate::secret::Secret;

/// What every ansible-vault file and encrypted value starts with.
pub const HEADER: &str = "$ANSIBLE_VAULT;";

/// Whether `text` is ansible-vault data: it starts with `$ANSIBLE_VAULT;` (as in Ansible,
/// only the start is looked at).
pub fn is_encrypted(text: &str) -> bool {
    text.starts_with(HEADER)
}

/// The vault passwords given for a run, tried in order on each encrypted file.
#[derive(Debug, Clone, Default)]
pub struct Vault {
    passwords: Vec<Secret>,
}

impl Vault {
    /// A vault holding `passwords` (none: encrypted files are refused, saying what to pass).
    pub fn new(passwords: Vec<Secret>) -> Self {
        Vault { passwords }
    }

    /// Whether no password was given.
    pub fn is_empty(&self) -> bool {
        self.passwords.is_empty()
    }

    /// The plaintext of the ansible-vault data `text` (a whole file, or the text of a
    /// `!vault` value), decrypted with the first password whose HMAC matches.
    pub fn decrypt(&self, text: &str) -> Result<Vec<u8>, VaultError> {
        let envelope = envelope::parse(text)?;
        if self.passwords.is_empty() {
            return Err(VaultError::NoPassword {
                label: envelope.label,
            });
        }
        for password in &self.passwords {
            if let Some(plain) = cipher::open(&envelope, password.expose().as_bytes())? {
                return Ok(plain);
            }
        }
        Err(VaultError::WrongPassword {
            label: envelope.label,
            tried: self.passwords.len(),
        })
    }

    /// Like [`Vault::decrypt`], for data that must decrypt to UTF-8 text (vars files).
    pub fn decrypt_text(&self, text: &str) -> Result<String, VaultError> {
        String::from_utf8(self.decrypt(text)?).map_err(|_| VaultError::NotText)
    }
}

/// Why ansible-vault data could not be decrypted. The message reads after the name of
/// what was being decrypted: `group_vars/all.yml: ` + message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// Encrypted, and no password was given.
    #[error(
        "is encrypted with ansible-vault{} and no vault password was given; pass \
         --vault-password-file FILE or --ask-vault-pass, or set HERD_VAULT_PASSWORD_FILE",
        vault_id(.label)
    )]
    NoPassword {
        /// The 1.2 format's vault id, if any.
        label: Option<String>,
    },
    /// No password given opens it (the HMAC does not match).
    #[error(
        "cannot be decrypted{}: the vault password is wrong ({}the HMAC does not match); \
         check --vault-password-file, --ask-vault-pass or HERD_VAULT_PASSWORD_FILE",
        vault_id(.label),
        if *.tried > 1 { format!("none of the {} passwords given fits: ", .tried) } else { String::new() }
    )]
    WrongPassword {
        /// The 1.2 format's vault id, if any.
        label: Option<String>,
        /// How many passwords were tried.
        tried: usize,
    },
    /// Not a well-formed ansible-vault envelope; says what is wrong.
    #[error("is not valid ansible-vault data: {0}")]
    Malformed(String),
    /// Decrypted, but the plaintext is not UTF-8 text.
    #[error("decrypts to bytes that are not UTF-8 text")]
    NotText,
}

fn vault_id(label: &Option<String>) -> String {
    match label {
        Some(label) => format!(" (vault id `{label}`)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
