//! The private key files of one run, each read once, however many hosts log in with it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::key_file::{self, Protection};
use super::signer::Ed25519Signer;

/// A private key file as read at its first use in the run.
#[derive(Debug)]
pub(super) struct KeyFile {
    /// Whether it needs a passphrase.
    pub(super) protection: Protection,
    /// The key, ready to sign, when herd signs with it itself (an unencrypted ed25519
    /// key); otherwise libssh2 reads the file at each login.
    pub(super) signer: Option<Ed25519Signer>,
}

/// Key files by path, each read once per run. Cheap to share: one per run, in
/// [`Shared`](super::shared::Shared).
#[derive(Debug, Default)]
pub(super) struct KeyFiles(Mutex<HashMap<PathBuf, Result<Arc<KeyFile>, String>>>);

impl KeyFiles {
    /// The key file at `path`, or why it cannot be read (as the first read said).
    pub(super) fn get(&self, path: &Path) -> Result<Arc<KeyFile>, String> {
        let mut files = self.0.lock().unwrap_or_else(|e| e.into_inner());
        files
            .entry(path.to_path_buf())
            .or_insert_with(|| read(path).map(Arc::new))
            .clone()
    }
}

fn read(path: &Path) -> Result<KeyFile, String> {
    let mut contents = std::fs::read(path).map_err(|error| error.to_string())?;
    let file = KeyFile {
        protection: key_file::protection(&contents),
        signer: Ed25519Signer::from_key_file(&contents),
    };
    key_file::wipe(&mut contents);
    Ok(file)
}
