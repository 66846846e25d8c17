//! Encrypted values inside a parsed YAML document: `key: !vault | $ANSIBLE_VAULT;…`.
//!
//! serde-saphyr (1.1, the version herd can use) drops a scalar's `!vault` tag and hands
//! over its text, so an encrypted value is known by that text: a string that starts with
//! `$ANSIBLE_VAULT;`. Such a string is decrypted whether or not it was tagged; no other
//! string starts that way by accident.

use super::{Vault, VaultError, is_encrypted};
use crate::secret::SecretVars;
use serde_json::{Map, Value};

/// An encrypted value that could not be decrypted, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the value of `{path}` {error}")]
pub struct InlineError {
    /// Where the value is: variable name, then keys or list indexes (`db.password`).
    pub path: String,
    /// Why it could not be decrypted.
    pub error: VaultError,
}

/// Decrypts every encrypted string in the variables `vars`, in place, and returns where
/// they were (to be masked wherever shown). Stops at the first that cannot be decrypted.
pub fn decrypt_values(
    vars: &mut Map<String, Value>,
    vault: &Vault,
) -> Result<SecretVars, InlineError> {
    let mut secret = SecretVars::default();
    let mut path = Vec::new();
    for (name, value) in vars.iter_mut() {
        path.push(name.clone());
        decrypt_in(value, vault, &mut path, &mut secret)?;
        path.pop();
    }
    Ok(secret)
}

fn decrypt_in(
    value: &mut Value,
    vault: &Vault,
    path: &mut Vec<String>,
    secret: &mut SecretVars,
) -> Result<(), InlineError> {
    match value {
        Value::String(text) if is_encrypted(text) => {
            let plain = vault.decrypt_text(text).map_err(|error| InlineError {
                path: path.join("."),
                error,
            })?;
            *text = plain;
            secret.mark(path);
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                path.push(index.to_string());
                decrypt_in(item, vault, path, secret)?;
                path.pop();
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                path.push(key.clone());
                decrypt_in(item, vault, path, secret)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}
