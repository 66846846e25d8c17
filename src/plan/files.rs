//! The local files `put` steps send: checked, hashed and read once each.

use crate::playbook::read_text;
use crate::template::referenced_variables;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// A template file's text and the variables it reads.
#[derive(Debug)]
pub(super) struct TemplateFile {
    /// The file's text.
    pub text: Arc<str>,
    /// The top-level variables it reads.
    pub variables: HashSet<String>,
}

/// The `put` sources seen so far, so that 500 hosts putting one file read it once.
/// Failures are not kept: they end the plan.
#[derive(Debug, Default)]
pub(super) struct LocalFiles {
    digests: Mutex<HashMap<PathBuf, (u64, String)>>,
    templates: Mutex<HashMap<PathBuf, Arc<TemplateFile>>>,
}

impl LocalFiles {
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
        let variables =
            referenced_variables(&text).map_err(|err| format!("{name}: template {err}"))?;
        let file = Arc::new(TemplateFile {
            text: text.into(),
            variables,
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
