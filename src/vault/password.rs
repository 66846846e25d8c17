//! Vault passwords from a file, as Ansible reads `--vault-password-file`.

use crate::secret::Secret;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why a vault password file gave no password. Never holds the password.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The file cannot be read.
    #[error("vault password file {}: cannot read it: {reason}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The executable file could not be run, or exited with an error.
    #[error(
        "vault password script {}: {reason} (an executable password file is run and its \
         output used; remove its executable bit if it holds the password itself)",
        .path.display()
    )]
    Script {
        /// The script.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The file or script gave an empty password, or one that is not UTF-8.
    #[error("vault password file {}: {what}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with the password.
        what: &'static str,
    },
}

/// The vault password in the file at `path`, the way Ansible reads it: an executable
/// file is run (no arguments, herd's stdin and stderr, so it may prompt) and its output,
/// less a trailing newline, is the password; any other file's content, less surrounding
/// whitespace, is. An empty password is an error.
pub fn password_from_file(path: &Path) -> Result<Secret, PasswordError> {
    let meta = std::fs::metadata(path).map_err(|err| PasswordError::Unreadable {
        path: path.to_path_buf(),
        reason: err.to_string(),
    })?;
    let executable = meta.is_file() && meta.permissions().mode() & 0o111 != 0;
    let password = if executable {
        run_script(path)?
    } else {
        let bytes = std::fs::read(path).map_err(|err| PasswordError::Unreadable {
            path: path.to_path_buf(),
            reason: err.to_string(),
        })?;
        bytes.trim_ascii().to_vec()
    };
    let invalid = |what| PasswordError::Invalid {
        path: path.to_path_buf(),
        what,
    };
    let password = String::from_utf8(password).map_err(|_| invalid("the password is not UTF-8"))?;
    if password.is_empty() {
        return Err(invalid("the password is empty"));
    }
    Ok(Secret::new(password))
}

/// The output of the password script at `path`, less trailing `\r`/`\n`.
fn run_script(path: &Path) -> Result<Vec<u8>, PasswordError> {
    let script = |reason: String| PasswordError::Script {
        path: path.to_path_buf(),
        reason,
    };
    // A bare name would be looked up on PATH: run the file that was named.
    let program = if path.is_relative() {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    };
    let output = Command::new(&program)
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|err| script(format!("cannot run it: {err}")))?;
    if !output.status.success() {
        return Err(script(format!("it exited with {}", output.status)));
    }
    let mut password = output.stdout;
    while matches!(password.last(), Some(b'\n' | b'\r')) {
        password.pop();
    }
    Ok(password)
}
