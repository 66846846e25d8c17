//! A string that must never be shown: passwords, passphrases, become passwords.
//!
//! `Secret` deliberately implements neither `Display` nor a revealing `Debug`, so
//! it cannot end up in an error message, a `--plan`, JSON output or a log by accident.
//! The only way to read it is [`Secret::expose`], which the SSH transport calls when it
//! authenticates.
//!
//! [`SecretVars`] marks variables that are secret whatever their names: the values
//! decrypted from ansible-vault.

use std::collections::BTreeMap;
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

/// Which variables, or parts of variables, are secret whatever their names: values that
/// came from ansible-vault. A path is a variable's name, then map keys or list indexes
/// into its value (`["db", "password"]`, `["users", "0"]`); marking it makes the whole
/// value there secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretVars {
    /// The whole value is secret.
    whole: bool,
    /// Secret parts, by key (or list index).
    parts: BTreeMap<String, SecretVars>,
}

/// No secret variables.
static NO_SECRET_VARS: SecretVars = SecretVars {
    whole: false,
    parts: BTreeMap::new(),
};

impl SecretVars {
    /// Marks the value at `path` secret (an empty path: the whole value).
    pub fn mark(&mut self, path: &[String]) {
        let mut node = self;
        for key in path {
            if node.whole {
                return;
            }
            node = node.parts.entry(key.clone()).or_default();
        }
        node.whole = true;
        node.parts.clear();
    }

    /// Adds every secret of `other` to these.
    pub fn extend(&mut self, other: SecretVars) {
        if self.whole {
            return;
        }
        if other.whole {
            *self = other;
            return;
        }
        for (key, part) in other.parts {
            self.parts.entry(key).or_default().extend(part);
        }
    }

    /// Whether nothing is marked.
    pub fn is_empty(&self) -> bool {
        !self.whole && self.parts.is_empty()
    }

    /// Whether the whole value is secret.
    pub fn is_whole(&self) -> bool {
        self.whole
    }

    /// The secrets inside the value at `key` (none when it has none).
    pub fn part(&self, key: &str) -> &SecretVars {
        self.parts.get(key).unwrap_or(&NO_SECRET_VARS)
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
    fn secret_vars_mark_paths_and_merge() {
        let path = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        let mut vars = SecretVars::default();
        assert!(vars.is_empty());
        vars.mark(&path(&["db", "password"]));
        assert!(!vars.part("db").is_whole());
        assert!(vars.part("db").part("password").is_whole());
        assert!(vars.part("db").part("user").is_empty());
        let mut other = SecretVars::default();
        other.mark(&path(&["db"]));
        other.mark(&path(&["db", "more"]));
        assert!(other.part("db").is_whole(), "a marked value stays whole");
        vars.extend(other);
        assert!(vars.part("db").is_whole());
        assert!(vars.part("app").is_empty());
    }

    #[test]
    fn debug_never_reveals_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), MASK);
        assert_eq!(secret.expose(), "hunter2");
    }
}
