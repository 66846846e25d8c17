//! Inventory variables: which keys are secret, and which keys name the same
//! connection setting (`port` and `ansible_port`, …).
//!
//! Keys that name one setting replace each other when vars are merged, so a host
//! line's `ansible_port` overrides a group's `port` as if both were spelled alike.

use super::value::{VarValue, Vars};

pub use crate::secret::is_secret_key;

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
const KEYS: [(&str, Setting); 20] = [
    ("host", Setting::Address),
    ("ansible_host", Setting::Address),
    ("ansible_ssh_host", Setting::Address),
    ("port", Setting::Port),
    ("ansible_port", Setting::Port),
    ("ansible_ssh_port", Setting::Port),
    ("user", Setting::User),
    ("ansible_user", Setting::User),
    ("ansible_ssh_user", Setting::User),
    ("password", Setting::Password),
    ("ansible_password", Setting::Password),
    ("ansible_ssh_pass", Setting::Password),
    ("password_env", Setting::Password),
    ("key", Setting::Key),
    ("ansible_ssh_private_key_file", Setting::Key),
    ("ansible_private_key_file", Setting::Key),
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

/// Every key that gives `setting`.
fn keys_for(setting: Setting) -> impl Iterator<Item = &'static str> {
    KEYS.iter()
        .chain([&(KEY_PASSPHRASE_ENV, Setting::KeyPassphrase)])
        .filter(move |(_, s)| *s == setting)
        .map(|(key, _)| *key)
}

/// The entry in `vars` that gives `setting`, if any (the first in key order if several do).
pub(crate) fn find(vars: &Vars, setting: Setting) -> Option<(&str, &VarValue)> {
    keys_for(setting)
        .filter_map(|key| vars.get_key_value(key))
        .min_by_key(|(k, _)| k.as_str())
        .map(|(k, v)| (k.as_str(), v))
}

/// The entry in `vars` that `key` would replace: the same key, or another key for the same setting.
pub(crate) fn same_setting<'a>(vars: &'a Vars, key: &str) -> Option<(&'a str, &'a VarValue)> {
    match setting(key) {
        Some(wanted) => find(vars, wanted),
        None => vars.get_key_value(key).map(|(k, v)| (k.as_str(), v)),
    }
}

/// Sets `key` in `vars`, first removing any other key for the same setting. Looks up
/// each alias rather than scanning `vars`, so merging many vars stays linear.
pub(crate) fn insert(vars: &mut Vars, key: &str, value: &VarValue) {
    if let Some(wanted) = setting(key) {
        for alias in keys_for(wanted) {
            vars.remove(alias);
        }
    }
    vars.insert(key.to_owned(), value.clone());
}

/// Parses a TCP port, 1 to 65535: an int, or a string of ASCII digits (as a `:vars`
/// line's `'2222'` is).
pub(crate) fn parse_port(value: &VarValue) -> Option<u16> {
    let text = match value {
        VarValue::Number(n) => {
            return n
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .filter(|port| *port > 0);
        }
        VarValue::String(text) => text,
        _ => return None,
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u16>().ok().filter(|port| *port > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    }

    #[test]
    fn aliases_replace_each_other() {
        let mut vars = Vars::new();
        insert(&mut vars, "port", &json!("22"));
        insert(&mut vars, "ansible_port", &json!("2222"));
        assert_eq!(vars.len(), 1);
        assert_eq!(
            find(&vars, Setting::Port),
            Some(("ansible_port", &json!("2222")))
        );
        insert(&mut vars, "password", &json!("x"));
        insert(&mut vars, "password_env", &json!("PASS"));
        assert_eq!(
            find(&vars, Setting::Password),
            Some(("password_env", &json!("PASS")))
        );
        assert_eq!(
            same_setting(&vars, "ansible_ssh_pass"),
            Some(("password_env", &json!("PASS")))
        );
        insert(&mut vars, "color", &json!("blue"));
        assert_eq!(
            same_setting(&vars, "color"),
            Some(("color", &json!("blue")))
        );
        assert_eq!(setting(KEY_PASSPHRASE_ENV), Some(Setting::KeyPassphrase));
    }

    #[test]
    fn aliases_are_looked_up_not_scanned_for() {
        let mut vars: Vars = (0..1000).map(|i| (format!("k{i}"), json!("v"))).collect();
        insert(&mut vars, "ansible_port", &json!("1"));
        insert(&mut vars, "port", &json!("2"));
        assert_eq!(vars.len(), 1001);
        assert_eq!(find(&vars, Setting::Port), Some(("port", &json!("2"))));
        // Two keys for one setting only happen by hand; the first in key order wins,
        // as it did when `find` scanned the whole map.
        vars.insert("ansible_port".to_owned(), json!("3"));
        assert_eq!(
            find(&vars, Setting::Port),
            Some(("ansible_port", &json!("3")))
        );
        assert_eq!(find(&vars, Setting::KeyPassphrase), None);
        insert(&mut vars, KEY_PASSPHRASE_ENV, &json!("KP"));
        assert_eq!(
            find(&vars, Setting::KeyPassphrase),
            Some((KEY_PASSPHRASE_ENV, &json!("KP")))
        );
    }

    #[test]
    fn ports() {
        assert_eq!(parse_port(&json!("22")), Some(22));
        assert_eq!(parse_port(&json!("65535")), Some(65535));
        assert_eq!(parse_port(&json!(2222)), Some(2222));
        for bad in ["0", "65536", "", "+22", "22a", " 22", "-1"] {
            assert_eq!(parse_port(&json!(bad)), None, "{bad}");
        }
        for bad in [
            json!(0),
            json!(65536),
            json!(-1),
            json!(22.0),
            json!(true),
            json!([22]),
        ] {
            assert_eq!(parse_port(&bad), None, "{bad}");
        }
    }
}
