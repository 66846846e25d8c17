//! The local files `put` steps send: checked, hashed and read once each.

use crate::playbook::read_text;
use crate::template::referenced_variables;
use crate::vault::{HEADER, Vault, is_encrypted};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// A template file's text and the variables it reads.
#[derive(Debug)]
pub(super) struct TemplateFile {
    /// The file's text (decrypted, when it is encrypted with ansible-vault).
    pub text: Arc<str>,
    /// The top-level variables it reads.
    pub variables: HashSet<String>,
    /// Whether it was encrypted with ansible-vault: then all of it is secret.
    pub secret: bool,
}

/// The `put` sources seen so far, so that 500 hosts putting one file read it once.
/// Failures are not kept: they end the plan. Files encrypted with ansible-vault are
/// decrypted with `vault`, as Ansible's `copy` and `template` do.
#[derive(Debug, Default)]
pub(super) struct LocalFiles {
    vault: Vault,
    digests: Mutex<HashMap<PathBuf, (u64, String)>>,
    templates: Mutex<HashMap<PathBuf, Arc<TemplateFile>>>,
    decrypted: Mutex<HashMap<PathBuf, Option<Arc<str>>>>,
}

impl LocalFiles {
    /// No file read yet; encrypted ones are decrypted with `vault`.
    pub fn new(vault: Vault) -> Self {
        LocalFiles {
            vault,
            ..LocalFiles::default()
        }
    }

    /// The plain text of the file at `path` when it is encrypted with ansible-vault,
    /// `None` when it is not, or what is wrong (no or a wrong password, not UTF-8 text).
    pub fn decrypted(&self, path: &Path) -> Result<Option<Arc<str>>, String> {
        let mut decrypted = self
            .decrypted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = decrypted.get(path) {
            return Ok(known.clone());
        }
        check_is_file(path)?;
        let cannot_read =
            |err: std::io::Error| format!("cannot read put src {}: {err}", path.display());
        let mut head = Vec::new();
        File::open(path)
            .and_then(|file| file.take(HEADER.len() as u64).read_to_end(&mut head))
            .map_err(cannot_read)?;
        let text = if head == HEADER.as_bytes() {
            let name = path.display().to_string();
            let text = read_text(path, &name).map_err(|problem| problem.to_string())?;
            let plain = self
                .vault
                .decrypt_text(&text)
                .map_err(|err| format!("put src {name} {err}"))?;
            Some(Arc::from(plain))
        } else {
            None
        };
        decrypted.insert(path.to_path_buf(), text.clone());
        Ok(text)
    }

    /// The size and SHA-256 (lowercase hex) of the file at `path`, or what is wrong.
    pub fn digest(&self, path: &Path) -> Result<(u64, String), String> {
        let mut digests = self.digests.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = digests.get(path) {
            return Ok(known.clone());
        }
        check_is_file(path)?;
        let digest = sha256_file(path)
            .map_err(|err| format!("cannot read put src {}: {err}", path.display()))?;
        digests.insert(path.to_path_buf(), digest.clone());
        Ok(digest)
    }

    /// The template file at `path` (UTF-8, at most 10 MiB), or what is wrong.
    pub fn template(&self, path: &Path) -> Result<Arc<TemplateFile>, String> {
        let mut templates = self
            .templates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = templates.get(path) {
            return Ok(Arc::clone(known));
        }
        check_is_file(path)?;
        let name = path.display().to_string();
        let text = read_text(path, &name).map_err(|problem| problem.to_string())?;
        let secret = is_encrypted(&text);
        let text = match secret {
            true => self
                .vault
                .decrypt_text(&text)
                .map_err(|err| format!("template {name} {err}"))?,
            false => text,
        };
        let variables =
            referenced_variables(&text).map_err(|err| format!("{name}: template {err}"))?;
        let file = Arc::new(TemplateFile {
            text: text.into(),
            variables,
            secret,
        });
        templates.insert(path.to_path_buf(), Arc::clone(&file));
        Ok(file)
    }
}

/// The size and SHA-256 (lowercase hex) of the local file at `path`, read in pieces.
pub(crate) fn sha256_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut size = 0u64;
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((size, hex(&hasher.finalize())))
}

/// The SHA-256 (lowercase hex) of `bytes`.
pub(super) fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A `put` source must be a file.
fn check_is_file(path: &Path) -> Result<(), String> {
    if path.is_file() {
        return Ok(());
    }
    let what = if path.exists() {
        "is not a file"
    } else {
        "does not exist"
    };
    Err(format!(
        "put src {} {what} (relative paths are resolved against the playbook's directory)",
        path.display()
    ))
}
