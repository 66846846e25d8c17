//! Errors found before any host is touched. Each one means exit status 1.

use std::path::PathBuf;

use crate::inventory::InventoryError;
use crate::plan::PlanError;
use crate::playbook::PlaybookError;
use crate::targets::TargetError;

/// Bad input: nothing ran.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The inventory could not be read or has an error.
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    /// The playbook cannot be read or is not valid.
    #[error(transparent)]
    Playbook(#[from] PlaybookError),
    /// The playbook cannot be planned: undefined variables, missing files, bad `-e`, …
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// `-h`/`-g` selected nothing usable.
    #[error(transparent)]
    Targets(#[from] TargetError),
    /// A vault password file gave no password.
    #[error(transparent)]
    VaultPassword(#[from] crate::vault::PasswordError),
    /// The arguments do not make sense together.
    #[error("{0}")]
    Usage(String),
    /// A local path given for a transfer is missing or unreadable.
    #[error("local path {path}: {reason}")]
    LocalPath {
        /// The path as given.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The OpenSSH client config cannot be read or has an error.
    #[error("ssh config: {0}")]
    SshConfig(String),
    /// The known_hosts file cannot be used.
    #[error("known_hosts: {0}")]
    KnownHosts(String),
    /// Writing the report failed (other than a closed pipe).
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}
