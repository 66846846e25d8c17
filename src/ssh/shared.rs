//! What the connections of one run share: the sessions to jump hosts, the
//! known_hosts files that hosts' ssh config names besides the run's own, the private
//! key files, and the turns at logging in to each server.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::HostKeyChecking;
use super::gate::LoginGate;
use super::identities::KeyFiles;
use super::known_hosts::{HostKeyError, KnownHosts};
use super::tunnel::Jumps;

/// Cheap to clone: every clone is the same shared state. Made once per run
/// (`Shared::default()`) and handed to every connect through
/// [`ConnectOptions::shared`](super::ConnectOptions).
#[derive(Debug, Clone, Default)]
pub struct Shared(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    jumps: Jumps,
    known_hosts: Mutex<HashMap<PathBuf, Arc<KnownHosts>>>,
    key_files: KeyFiles,
    logins: LoginGate,
}

impl Shared {
    /// The run's jump host sessions.
    pub(super) fn jumps(&self) -> &Jumps {
        &self.0.jumps
    }

    /// The private key files, each read once per run.
    pub(super) fn key_files(&self) -> &KeyFiles {
        &self.0.key_files
    }

    /// The turns at logging in to each server directly (not through a jump host).
    pub(super) fn logins(&self) -> &LoginGate {
        &self.0.logins
    }

    /// The known_hosts file at `path`, read once per run.
    pub(super) fn known_hosts(&self, path: &Path) -> Result<Arc<KnownHosts>, HostKeyError> {
        let mut files = self.0.known_hosts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = files.get(path) {
            return Ok(Arc::clone(file));
        }
        // Opened for reading and appending; each check says its own mode.
        let file = Arc::new(KnownHosts::open(
            path.to_path_buf(),
            HostKeyChecking::AcceptNew,
        )?);
        files.insert(path.to_path_buf(), Arc::clone(&file));
        Ok(file)
    }
}
