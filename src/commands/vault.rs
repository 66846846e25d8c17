//! The ansible-vault passwords a command was given: `--vault-password-file` (each),
//! `$HERD_VAULT_PASSWORD_FILE`, then `--ask-vault-pass`.

use super::CommandError;
use crate::cli::args::VaultArgs;
use crate::secret::Secret;
use crate::vault::{Vault, password_from_file};
use std::path::PathBuf;

/// The environment variable naming a vault password file, like Ansible's
/// `ANSIBLE_VAULT_PASSWORD_FILE`; used besides `--vault-password-file`.
pub const PASSWORD_FILE_ENV: &str = "HERD_VAULT_PASSWORD_FILE";

/// Reads (or runs) every password file given and prompts once for `--ask-vault-pass`,
/// before anything else happens; a file that gives no password is an error.
pub fn vault(args: &VaultArgs) -> Result<Vault, CommandError> {
    let from_env = std::env::var_os(PASSWORD_FILE_ENV)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from);
    let mut passwords = Vec::new();
    for path in args.vault_password_file.iter().chain(from_env.as_ref()) {
        passwords.push(password_from_file(path)?);
    }
    if args.ask_vault_pass {
        let password = rpassword::prompt_password("herd: vault password: ").map_err(|e| {
            CommandError::Usage(format!("--ask-vault-pass: cannot read a password: {e}"))
        })?;
        // Ansible strips surrounding whitespace from a typed vault password too.
        let password = password.trim().to_owned();
        if password.is_empty() {
            return Err(CommandError::Usage(
                "--ask-vault-pass: the password typed is empty".into(),
            ));
        }
        passwords.push(Secret::new(password));
    }
    Ok(Vault::new(passwords))
}
