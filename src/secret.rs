//! A string that must never be shown: passwords, passphrases, become passwords.
//!
//! `Secret` deliberately implements neither `Display` nor a revealing `Debug`, so
//! it cannot end up in an error message, a `--plan`, JSON output or a log by accident.
//! The only way to read it is [`Secret::expose`], which the SSH transport calls when it
//! authenticates.

use std::fmt;

/// The text shown wherever a secret would otherwise appear.
pub const MASK: &str = "********";

/// Whether a variable of this name holds a secret, so its value is never shown.
///
/// True for `password` and any name ending in `_password`, `_pass` or `passphrase`
/// (ignoring ASCII case): `ansible_password`, `ansible_ssh_pass`, `become_password`,
/// `ansible_become_pass`, `ansible_ssh_private_key_passphrase`, … Names of variables
/// that only *name* an environment variable (`password_env`) are not secret.
pub fn is_secret_key(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "password"
        || name.ends_with("_password")
        || name.ends_with("_pass")
        || name.ends_with("passphrase")
}

/// A secret value (password, passphrase). Its `Debug` prints [`MASK`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Call only where the value is handed to the remote side.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_are_recognised() {
        for key in [
            "password",
            "ansible_password",
            "ansible_ssh_pass",
            "become_password",
            "ANSIBLE_BECOME_PASS",
            "ansible_ssh_private_key_passphrase",
            "db_password",
            "PASSWORD",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "user",
            "passwd_file",
            "password_env",
            "key_passphrase_env",
            "passphrase_file",
            "pass",
            "compass",
            "bypass_cache",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn debug_never_reveals_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), MASK);
        assert_eq!(secret.expose(), "hunter2");
    }
}
