//! A string that must never be shown: passwords, passphrases, become passwords.
//!
//! `Secret` deliberately implements neither `Display` nor a revealing `Debug`, so
//! it cannot end up in an error message, a `--plan`, JSON output or a log by accident.
//! The only way to read it is [`Secret::expose`], which the SSH transport calls when it
//! authenticates.

use std::fmt;

/// The text shown wherever a secret would otherwise appear.
pub const MASK: &str = "********";

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
    fn debug_never_reveals_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), MASK);
        assert_eq!(secret.expose(), "hunter2");
    }
}
