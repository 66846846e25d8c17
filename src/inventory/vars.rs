//! Inventory variables: which keys are secret, and which keys name the same
//! connection setting (`port` and `ansible_port`, …).
//!
//! Keys that name one setting replace each other when vars are merged, so a host
//! line's `ansible_port` overrides a group's `port` as if both were spelled alike.

use std::collections::BTreeMap;
use std::fmt;

use crate::secret::MASK;

pub use crate::secret::is_secret_key;

/// `value`, or [`MASK`] if `key` is secret.
pub fn shown<'a>(key: &str, value: &'a str) -> &'a str {
    if is_secret_key(key) { MASK } else { value }
}

/// Shows a vars map in `Debug` output with secret values masked.
pub(crate) struct Masked<'a>(pub(crate) &'a BTreeMap<String, String>);

impl fmt::Debug for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| (k, shown(k, v))))
            .finish()
    }
}

/// A connection setting that several keys may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Setting {
    /// Address to connect to.
    Address,
    /// TCP port.
    Port,
    /// Remote user.
    User,
    /// Password, literal or through an environment variable.
    Password,
    /// Private key file.
    Key,
    /// Passphrase of the key, through an environment variable.
    KeyPassphrase,
    /// The `sudo` password for `become`, literal or through an environment variable.
    BecomePassword,
}

/// Every key that gives a setting, herd's short name first.
const KEYS: [(&str, Setting); 16] = [
    ("host", Setting::Address),
    ("ansible_host", Setting::Address),
    ("port", Setting::Port),
    ("ansible_port", Setting::Port),
    ("user", Setting::User),
    ("ansible_user", Setting::User),
    ("password", Setting::Password),
    ("ansible_password", Setting::Password),
    ("ansible_ssh_pass", Setting::Password),
    ("password_env", Setting::Password),
    ("key", Setting::Key),
    ("ansible_ssh_private_key_file", Setting::Key),
    ("become_password", Setting::BecomePassword),
    ("ansible_become_password", Setting::BecomePassword),
    ("ansible_become_pass", Setting::BecomePassword),
    (BECOME_PASSWORD_ENV, Setting::BecomePassword),
];

/// The key that holds a password's environment variable name.
pub(crate) const PASSWORD_ENV: &str = "password_env";

/// The key that holds a become password's environment variable name.
pub(crate) const BECOME_PASSWORD_ENV: &str = "become_password_env";

/// The key that holds a key passphrase's environment variable name.
pub(crate) const KEY_PASSPHRASE_ENV: &str = "key_passphrase_env";

/// The setting `key` gives, if any.
pub(crate) fn setting(key: &str) -> Option<Setting> {
    if key == KEY_PASSPHRASE_ENV {
        return Some(Setting::KeyPassphrase);
    }
    KEYS.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
}

/// The entry in `vars` that gives `setting`, if any.
pub(crate) fn find(vars: &BTreeMap<String, String>, setting: Setting) -> Option<(&str, &str)> {
    vars.iter()
        .find(|(key, _)| self::setting(key) == Some(setting))
        .map(|(k, v)| (k.as_str(), v.as_str()))
}

/// The entry in `vars` that `key` would replace: the same key, or another key for the same setting.
pub(crate) fn same_setting<'a>(
    vars: &'a BTreeMap<String, String>,
    key: &str,
) -> Option<(&'a str, &'a str)> {
    match setting(key) {
        Some(wanted) => find(vars, wanted),
        None => vars
            .get_key_value(key)
            .map(|(k, v)| (k.as_str(), v.as_str())),
    }
}

/// Sets `key` in `vars`, first removing any other key for the same setting.
pub(crate) fn insert(vars: &mut BTreeMap<String, String>, key: &str, value: &str) {
    if let Some(wanted) = setting(key) {
        vars.retain(|k, _| setting(k) != Some(wanted));
    }
    vars.insert(key.to_owned(), value.to_owned());
}

/// Parses a TCP port: ASCII digits only, 1 to 65535.
pub(crate) fn parse_port(value: &str) -> Option<u16> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse::<u16>().ok().filter(|port| *port > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        for key in [
            "password",
            "ansible_password",
            "ansible_ssh_pass",
            "become_password",
            "ansible_become_password",
            "ansible_become_pass",
            "db_password",
            "vault_pass",
            "key_passphrase",
            "Password",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "password_env",
            "key_passphrase_env",
            "port",
            "passwd_file",
            "user",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
        assert_eq!(shown("password", "hunter2"), MASK);
        assert_eq!(shown("port", "22"), "22");
    }

    #[test]
    fn aliases_replace_each_other() {
        let mut vars = BTreeMap::new();
        insert(&mut vars, "port", "22");
        insert(&mut vars, "ansible_port", "2222");
        assert_eq!(vars.len(), 1);
        assert_eq!(find(&vars, Setting::Port), Some(("ansible_port", "2222")));
        insert(&mut vars, "password", "x");
        insert(&mut vars, "password_env", "PASS");
        assert_eq!(
            find(&vars, Setting::Password),
            Some(("password_env", "PASS"))
        );
        assert_eq!(
            same_setting(&vars, "ansible_ssh_pass"),
            Some(("password_env", "PASS"))
        );
        insert(&mut vars, "color", "blue");
        assert_eq!(same_setting(&vars, "color"), Some(("color", "blue")));
        assert_eq!(setting(KEY_PASSPHRASE_ENV), Some(Setting::KeyPassphrase));
    }

    #[test]
    fn ports() {
        assert_eq!(parse_port("22"), Some(22));
        assert_eq!(parse_port("65535"), Some(65535));
        for bad in ["0", "65536", "", "+22", "22a", " 22", "-1"] {
            assert_eq!(parse_port(bad), None, "{bad}");
        }
    }
}
