//! The SSH transport: one in-process `ssh2` session per host.
//!
//! The executor sees only [`Transport`] (so a `local` transport or others can join
//! later) and [`connect`]. A [`ConnectError`] means the host is *unreachable*; an
//! [`OperationError`] on a connected host means the host *failed*.

use std::path::PathBuf;
use std::time::Duration;

use crate::secret::Secret;

/// Everything needed to reach one host, resolved from the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    /// Address to connect to (`host`/`ansible_host`; defaults to the inventory name).
    pub address: String,
    /// TCP port (`port`/`ansible_port`; default 22).
    pub port: u16,
    /// Remote user (`user`/`ansible_user`; default the local user).
    pub user: String,
    /// Password from the inventory or `password_env`.
    pub password: Option<Secret>,
    /// Private key file (`key`/`ansible_ssh_private_key_file`).
    pub key_file: Option<PathBuf>,
    /// Passphrase for `key_file`, from `key_passphrase_env`.
    pub key_passphrase: Option<Secret>,
}

/// What to do with the server's host key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum HostKeyChecking {
    /// Refuse hosts whose key is not already in known_hosts.
    Strict,
    /// Add unknown keys to known_hosts; refuse changed ones. The default.
    #[default]
    AcceptNew,
    /// Check nothing (throwaway labs only); a warning is printed once.
    Off,
}
