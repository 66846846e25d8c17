//! What `put` and `get` share: the SFTP handle with its host for messages, remote path
//! spelling, the atomic install of a finished temp file, and error wording.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ssh2::{Session, Sftp};

use super::error::{self, OperationError};
use super::rename::PosixRename;

/// Bytes moved per SFTP read or write call. libssh2 splits a call into ~30 kB SFTP
/// requests all in flight at once, so a big call keeps the pipe full; past about
/// 1 MiB its bookkeeping of outstanding requests costs more than it gains (measured
/// on loopback: 256 KiB-1 MiB ~200 MB/s each way, 16 MiB ~120 MB/s for writes).
pub(super) const CHUNK: usize = 1024 * 1024;

/// Permission bits kept when copying modes (rwx for all, setuid, setgid, sticky).
pub(super) const MODE_BITS: u32 = 0o7777;

/// Upper bound for one blocking SFTP call, so a host that vanishes mid-transfer fails
/// instead of hanging the run.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// The SFTP side of one connection, as `put` and `get` use it.
pub(super) struct Remote<'a> {
    /// The SFTP session.
    pub(super) sftp: &'a Sftp,
    session: &'a Session,
    renamer: &'a mut Option<PosixRename>,
    /// `user@ADDR`, prefixed to remote paths in messages (scp style).
    user_at_host: &'a str,
    /// The run's cancel flag.
    cancel: &'a AtomicBool,
}

impl<'a> Remote<'a> {
    /// Bundles a connection's SFTP state.
    pub(super) fn new(
        session: &'a Session,
        sftp: &'a Sftp,
        renamer: &'a mut Option<PosixRename>,
        user_at_host: &'a str,
        cancel: &'a AtomicBool,
    ) -> Remote<'a> {
        Remote {
            sftp,
            session,
            renamer,
            user_at_host,
            cancel,
        }
    }

    /// Fails with [`OperationError::Cancelled`] once the run is cancelled: transfers
    /// call it before each chunk, so a cancelled copy stops within one chunk.
    pub(super) fn check_cancel(&self) -> Result<(), OperationError> {
        if self.cancel.load(Ordering::SeqCst) {
            Err(OperationError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// `user@ADDR:PATH`.
    pub(super) fn location(&self, path: &Path) -> String {
        format!("{}:{}", self.user_at_host, path.display())
    }

    /// A remote error about `path`.
    pub(super) fn error(&self, path: &Path, error: &ssh2::Error) -> OperationError {
        self.problem(path, &error::reason(error))
    }

    /// A remote error about `path`, from an `io::Error` of an SFTP file handle.
    pub(super) fn io_error(&self, path: &Path, error: &io::Error) -> OperationError {
        self.problem(path, &error.to_string())
    }

    /// A remote problem about `path`, in words.
    pub(super) fn problem(&self, path: &Path, reason: &str) -> OperationError {
        OperationError::Remote {
            location: self.location(path),
            reason: reason.to_owned(),
        }
    }

    /// Renames the finished `temp` over `destination`: a plain SFTP rename when nothing
    /// is there yet (atomic and never clobbers), else `posix-rename@openssh.com`.
    pub(super) fn install(
        &mut self,
        temp: &Path,
        destination: &Path,
    ) -> Result<(), OperationError> {
        let Err(plain) = self.sftp.rename(temp, destination, None) else {
            return Ok(());
        };
        let renamer = match self.renamer {
            Some(renamer) => renamer,
            None => {
                let started = PosixRename::start(self.session)
                    .map_err(|error| self.error(destination, &error))?;
                self.renamer.insert(started)
            }
        };
        match renamer.rename(temp, destination) {
            Ok(()) => Ok(()),
            Err(error)
                if error.code()
                    == ssh2::ErrorCode::SFTP(libssh2_sys::LIBSSH2_FX_OP_UNSUPPORTED) =>
            {
                Err(self.error(destination, &plain))
            }
            Err(error) => Err(self.error(destination, &error)),
        }
    }
}

/// A remote path as SFTP wants it: sftp-server starts in the home directory, so
/// `~/x` is `x` and `~` (or nothing) is `.`.
pub(super) fn remote_path(text: &str) -> PathBuf {
    match text {
        "" | "~" | "~/" => PathBuf::from("."),
        _ => PathBuf::from(text.strip_prefix("~/").unwrap_or(text)),
    }
}

/// A local error about `path`.
pub(super) fn local_error(path: &Path, error: &io::Error) -> OperationError {
    OperationError::Local {
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}

/// Sets the session's per-call timeout for the lifetime of the guard.
pub(super) struct CallTimeout(Session);

impl CallTimeout {
    /// Bounds every blocking call on `session` by [`CALL_TIMEOUT`] until dropped.
    pub(super) fn set(session: &Session) -> CallTimeout {
        session.set_timeout(CALL_TIMEOUT.as_millis() as u32);
        CallTimeout(session.clone())
    }
}

impl Drop for CallTimeout {
    fn drop(&mut self) {
        self.0.set_timeout(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_relative_paths() {
        assert_eq!(remote_path("~/a/b"), PathBuf::from("a/b"));
        assert_eq!(remote_path("~"), PathBuf::from("."));
        assert_eq!(remote_path(""), PathBuf::from("."));
        assert_eq!(remote_path("/etc/x"), PathBuf::from("/etc/x"));
        assert_eq!(remote_path("rel/"), PathBuf::from("rel/"));
    }
}
