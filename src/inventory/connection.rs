//! From a host's merged vars to the [`HostSpec`] the SSH transport needs.
//!
//! | setting  | keys                                                   | default            |
//! |----------|--------------------------------------------------------|--------------------|
//! | address  | `host`, `ansible_host`, `ansible_ssh_host`             | the host's name    |
//! | port     | `port`, `ansible_port`, `ansible_ssh_port`             | 22                 |
//! | user     | `user`, `ansible_user`, `ansible_ssh_user`             | the local user     |
//! | password | `password`, `ansible_password`, `ansible_ssh_pass`, or `password_env` (a variable's name) | none |
//! | key file | `key`, `ansible_ssh_private_key_file`, `ansible_private_key_file` (`~/` is `$HOME/`) | none |
//! | key passphrase | `key_passphrase_env` (a variable's name)         | none               |
//!
//! [`Host::become_password`] gives the `sudo` password of `become: true` steps the same way:
//! `become_password`, `ansible_become_password`, `ansible_become_pass` or `become_password_env`.

use std::borrow::Cow;
use std::path::PathBuf;

use super::Host;
use super::error::{ConnectionProblem, InventoryError};
use super::value;
use super::vars::{self, BECOME_PASSWORD_ENV, KEY_PASSPHRASE_ENV, PASSWORD_ENV, Setting};
use crate::secret::Secret;
use crate::ssh::HostSpec;

/// Port used when the inventory gives none.
pub const DEFAULT_PORT: u16 = 22;

/// Remote user when neither the inventory nor the environment gives one.
const FALLBACK_USER: &str = "root";

impl Host {
    /// Resolves the host's connection settings. `env` looks up environment variables
    /// (`&|k| std::env::var(k).ok()` in production, a closure in tests); it supplies
    /// `password_env`/`key_passphrase_env` values, `$HOME` for `~/` and the default user.
    ///
    /// The default user is `$USER`, else `$LOGNAME`, else the name of the effective
    /// uid from the password database, else `root`.
    pub fn connection(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<HostSpec, InventoryError> {
        let settings = self.inventory_settings(env)?;
        Ok(HostSpec {
            address: settings
                .address
                .map_or_else(|| self.name.clone(), |(_, address)| address),
            port: settings.port.map_or(DEFAULT_PORT, |(_, port)| port),
            user: settings
                .user
                .map_or_else(|| local_user(env), |(_, user)| user),
            password: settings.password,
            key_file: settings.key_file,
            key_passphrase: settings.key_passphrase,
            ..HostSpec::default()
        })
    }

    /// The connection settings the inventory itself gives (each with the key that gave
    /// it), before defaults and the ssh config.
    pub(crate) fn inventory_settings(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<InventorySettings, InventoryError> {
        let fail = |problem| self.problem(problem);
        let setting = |setting| self.setting(setting);
        let owned = |(key, value): (&str, Cow<str>)| (key.to_owned(), value.into_owned());
        let address = setting(Setting::Address)?.map(owned);
        let port = match vars::find(&self.vars, Setting::Port) {
            None => None,
            Some((key, value)) => Some((
                key.to_owned(),
                vars::parse_port(value).ok_or_else(|| {
                    fail(ConnectionProblem::BadPort {
                        key: key.to_owned(),
                        value: value::shown(key, value),
                    })
                })?,
            )),
        };
        let user = setting(Setting::User)?.map(owned);
        let password = match setting(Setting::Password)? {
            None => None,
            Some((PASSWORD_ENV, var)) => Some(from_env(PASSWORD_ENV, &var, env).map_err(fail)?),
            Some((_, literal)) => Some(Secret::new(literal)),
        };
        let key_file = setting(Setting::Key)?.map(|(_, path)| expand_home(&path, env));
        let key_passphrase = match setting(Setting::KeyPassphrase)? {
            None => None,
            Some((_, var)) => Some(from_env(KEY_PASSPHRASE_ENV, &var, env).map_err(fail)?),
        };
        Ok(InventorySettings {
            address,
            port,
            user,
            password,
            key_file,
            key_passphrase,
        })
    }
}

/// What the inventory gives for a host's connection; `(KEY, VALUE)` pairs name the key.
#[derive(Debug)]
pub(crate) struct InventorySettings {
    /// `host`/`ansible_host`.
    pub(crate) address: Option<(String, String)>,
    /// `port`/`ansible_port`.
    pub(crate) port: Option<(String, u16)>,
    /// `user`/`ansible_user`.
    pub(crate) user: Option<(String, String)>,
    /// The password, literal or from `password_env`.
    pub(crate) password: Option<Secret>,
    /// `key`/`ansible_ssh_private_key_file`, `~/` expanded.
    pub(crate) key_file: Option<PathBuf>,
    /// From `key_passphrase_env`.
    pub(crate) key_passphrase: Option<Secret>,
}

impl Host {
    /// The password `sudo` reads for `become: true` steps: `become_password`,
    /// `ansible_become_password`, `ansible_become_pass`, or `become_password_env` (the
    /// name of an environment variable, looked up with `env`). `None` when none is set.
    pub fn become_password(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Secret>, InventoryError> {
        Ok(match self.setting(Setting::BecomePassword)? {
            None => None,
            Some((BECOME_PASSWORD_ENV, var)) => Some(
                from_env(BECOME_PASSWORD_ENV, &var, env)
                    .map_err(|problem| self.problem(problem))?,
            ),
            Some((_, literal)) => Some(Secret::new(literal)),
        })
    }

    /// The entry that gives `setting`, if any, as text (a number in decimal); an empty
    /// value, or one that is not a string or a number, is an error.
    fn setting(&self, setting: Setting) -> Result<Option<(&str, Cow<'_, str>)>, InventoryError> {
        let Some((key, value)) = vars::find(&self.vars, setting) else {
            return Ok(None);
        };
        match value::as_text(value) {
            Some(text) if text.is_empty() => Err(self.problem(ConnectionProblem::Empty {
                key: key.to_owned(),
            })),
            Some(text) => Ok(Some((key, text))),
            None => Err(self.problem(ConnectionProblem::NotText {
                key: key.to_owned(),
                value: value::shown(key, value),
            })),
        }
    }

    /// Var `key` as text (a string, or a number in decimal), if set; a bool, null,
    /// list or dict is an error naming the key.
    pub(crate) fn text_var(&self, key: &str) -> Result<Option<Cow<'_, str>>, InventoryError> {
        let Some(value) = self.vars.get(key) else {
            return Ok(None);
        };
        value::as_text(value).map(Some).ok_or_else(|| {
            self.problem(ConnectionProblem::NotText {
                key: key.to_owned(),
                value: value::shown(key, value),
            })
        })
    }

    fn problem(&self, problem: ConnectionProblem) -> InventoryError {
        InventoryError::Connection {
            host: self.name.clone(),
            problem,
        }
    }
}

/// The secret held by environment variable `var`, named by inventory key `key`.
fn from_env(
    key: &str,
    var: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Secret, ConnectionProblem> {
    env(var)
        .map(Secret::new)
        .ok_or_else(|| ConnectionProblem::EnvUnset {
            key: key.to_owned(),
            var: var.to_owned(),
        })
}

/// `path` with a leading `~/` replaced by `$HOME/` when `HOME` is known.
fn expand_home(path: &str, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    match (path.strip_prefix("~/"), env("HOME")) {
        (Some(rest), Some(home)) if !home.is_empty() => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// The local user: `$USER`, `$LOGNAME`, the password database, or `root`.
pub(crate) fn local_user(env: &dyn Fn(&str) -> Option<String>) -> String {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|var| env(var))
        .find(|name| !name.is_empty())
        .or_else(passwd_user)
        .unwrap_or_else(|| FALLBACK_USER.to_owned())
}

/// The name of the effective uid in the password database.
#[cfg(unix)]
fn passwd_user() -> Option<String> {
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: `passwd` is plain old data; all-zero is a valid (empty) value.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and `buffer.len()` is its real size;
    // getpwuid_r writes only into `entry`, `buffer` and `result`.
    let status = unsafe {
        libc::getpwuid_r(
            libc::geteuid(),
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut result,
        )
    };
    if status != 0 || result.is_null() || entry.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success `pw_name` points to a NUL-terminated string inside `buffer`,
    // which outlives this borrow.
    let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) };
    name.to_str()
        .ok()
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

/// No password database off Unix.
#[cfg(not(unix))]
fn passwd_user() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;

    fn host(line: &str) -> Host {
        let inventory = Inventory::parse("t.ini", line).expect("valid inventory");
        inventory.hosts()[0].clone()
    }

    fn env_with(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn defaults() {
        let spec = host("web1")
            .connection(&env_with(&[("USER", "alice")]))
            .unwrap();
        assert_eq!(spec.address, "web1");
        assert_eq!(spec.port, 22);
        assert_eq!(spec.user, "alice");
        assert_eq!(spec.password, None);
        assert_eq!(spec.key_file, None);
        assert_eq!(spec.key_passphrase, None);
        let spec = host("web1")
            .connection(&env_with(&[("USER", ""), ("LOGNAME", "lg")]))
            .unwrap();
        assert_eq!(spec.user, "lg");
        let spec = host("web1").connection(&env_with(&[])).unwrap();
        assert!(!spec.user.is_empty());
    }

    #[test]
    fn short_names_and_aliases() {
        let env = env_with(&[("HOME", "/home/a")]);
        let spec = host("w host=10.0.0.1 port=2222 user=bob password=pw key=~/.ssh/id")
            .connection(&env)
            .unwrap();
        assert_eq!(
            (spec.address.as_str(), spec.port, spec.user.as_str()),
            ("10.0.0.1", 2222, "bob")
        );
        assert_eq!(spec.password.as_ref().map(Secret::expose), Some("pw"));
        assert_eq!(spec.key_file, Some(PathBuf::from("/home/a/.ssh/id")));
        let spec = host("w ansible_host=h ansible_port=2 ansible_user=u ansible_ssh_pass=p ansible_ssh_private_key_file=/k")
            .connection(&env)
            .unwrap();
        assert_eq!(
            (spec.address.as_str(), spec.port, spec.user.as_str()),
            ("h", 2, "u")
        );
        assert_eq!(spec.password.as_ref().map(Secret::expose), Some("p"));
        assert_eq!(spec.key_file, Some(PathBuf::from("/k")));
        let spec = host("w ansible_password=q").connection(&env).unwrap();
        assert_eq!(spec.password.as_ref().map(Secret::expose), Some("q"));
    }

    #[test]
    fn password_env_set_and_unset() {
        let set = env_with(&[("PASS_WEB", "s3cret"), ("KEY_PW", "kp")]);
        let spec = host("w password_env=PASS_WEB key=/k key_passphrase_env=KEY_PW")
            .connection(&set)
            .unwrap();
        assert_eq!(spec.password.as_ref().map(Secret::expose), Some("s3cret"));
        assert_eq!(spec.key_passphrase.as_ref().map(Secret::expose), Some("kp"));

        let error = host("w password_env=PASS_X")
            .connection(&env_with(&[]))
            .unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("host w: password_env PASS_X is not set; export it"),
            "{text}"
        );
        let error = host("w key_passphrase_env=KP")
            .connection(&env_with(&[]))
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("key_passphrase_env KP is not set"),
            "{error}"
        );
    }

    #[test]
    fn become_password_literal_alias_or_env() {
        let env = env_with(&[("BECOME_PW", "from-env")]);
        let password = |line| host(line).become_password(&env).unwrap();
        assert_eq!(password("w"), None);
        for line in [
            "w become_password=pw",
            "w ansible_become_password=pw",
            "w ansible_become_pass=pw",
        ] {
            assert_eq!(
                password(line).as_ref().map(Secret::expose),
                Some("pw"),
                "{line}"
            );
        }
        let from_env = password("w become_password_env=BECOME_PW");
        assert_eq!(from_env.as_ref().map(Secret::expose), Some("from-env"));
        let unset = host("w become_password_env=NOPE")
            .become_password(&env)
            .unwrap_err();
        assert!(
            unset
                .to_string()
                .contains("become_password_env NOPE is not set"),
            "{unset}"
        );
    }

    #[test]
    fn secrets_never_in_debug_output() {
        let spec = host("w password=hunter2")
            .connection(&env_with(&[]))
            .unwrap();
        assert!(!format!("{spec:?}").contains("hunter2"));
    }

    #[test]
    fn bad_values_are_errors_not_panics() {
        let mut bad = host("w");
        bad.vars.insert("port".into(), "http".into());
        let error = bad.connection(&env_with(&[])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "host w: port=http is not a port; give a number from 1 to 65535"
        );
        let error = host("w host=").connection(&env_with(&[])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "host w: host is empty; give a value or remove it from the inventory"
        );
    }
}
