//! What `put` and `get` share: the SFTP handle with its host for messages, remote path
//! spelling, the atomic install of a finished temp file, and error wording.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ssh2::{Session, Sftp};

use super::ExecRequest;
use super::connection::CHANNEL_RETRY_PAUSES;
use super::error::{self, OperationError};
use super::exec::{self, Link};
use super::rename::PosixRename;
use crate::event::Stream;
use crate::shell::quote;

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

/// A connection's SFTP channels: the SFTP session, and the second one that renames over
/// existing files. A server that allows one channel per connection (`MaxSessions 1`)
/// refuses the second: then `one_channel` is set and only one is ever open, the other
/// closed first (an exec closes SFTP too; see [`SshConnection`](super::SshConnection)).
#[derive(Default)]
pub(super) struct SftpState {
    /// The SFTP session, once started.
    pub(super) sftp: Option<Sftp>,
    /// The rename channel, once started.
    pub(super) renamer: Option<PosixRename>,
    /// The server refused a second channel on this connection.
    pub(super) one_channel: bool,
}

impl SftpState {
    /// Whether any channel is open.
    pub(super) fn is_open(&self) -> bool {
        self.sftp.is_some() || self.renamer.is_some()
    }

    /// Closes both channels.
    pub(super) fn close(&mut self) {
        self.renamer = None;
        self.sftp = None;
    }
}

/// Whether libssh2 failed because the server would not open another channel.
pub(super) fn channel_refused(error: &ssh2::Error) -> bool {
    matches!(
        error.code(),
        ssh2::ErrorCode::Session(
            libssh2_sys::LIBSSH2_ERROR_CHANNEL_FAILURE
                | libssh2_sys::LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED
        )
    ) || error.message().contains("startup channel")
}

/// The SFTP side of one connection, as `put` and `get` use it.
pub(super) struct Remote<'a> {
    state: &'a mut SftpState,
    link: Link<'a>,
    /// `user@ADDR`, prefixed to remote paths in messages (scp style).
    user_at_host: &'a str,
    /// The run's cancel flag.
    cancel: &'a AtomicBool,
}

impl<'a> Remote<'a> {
    /// Bundles a connection's SFTP state; starts SFTP if it is not running.
    pub(super) fn open(
        state: &'a mut SftpState,
        link: Link<'a>,
        user_at_host: &'a str,
        cancel: &'a AtomicBool,
    ) -> Result<Remote<'a>, OperationError> {
        let mut remote = Remote {
            state,
            link,
            user_at_host,
            cancel,
        };
        remote.start_sftp()?;
        Ok(remote)
    }

    /// The SFTP session.
    pub(super) fn sftp(&self) -> Result<&Sftp, OperationError> {
        self.state
            .sftp
            .as_ref()
            .ok_or_else(|| OperationError::Session {
                target: self.link.target.to_owned(),
                action: "starting SFTP",
                reason: "SFTP is not running".into(),
            })
    }

    /// Starts SFTP unless it runs, closing the rename channel first on a one-channel
    /// server.
    fn start_sftp(&mut self) -> Result<(), OperationError> {
        if self.state.sftp.is_some() {
            return Ok(());
        }
        if self.state.one_channel {
            self.state.renamer = None;
        }
        let mut pauses = CHANNEL_RETRY_PAUSES.iter();
        let started = loop {
            match self.link.session.sftp() {
                Err(error) if channel_refused(&error) && self.state.renamer.is_some() => {
                    self.state.one_channel = true;
                    self.state.renamer = None;
                }
                // sshd may still count a channel just closed against MaxSessions.
                Err(error) if channel_refused(&error) => match pauses.next() {
                    Some(pause) => std::thread::sleep(*pause),
                    None => break Err(error),
                },
                started => break started,
            }
        };
        match started {
            Ok(sftp) => {
                self.state.sftp = Some(sftp);
                Ok(())
            }
            Err(error) => Err(OperationError::Session {
                target: self.link.target.to_owned(),
                action: "starting SFTP",
                reason: why_sftp_failed(&self.link, &error),
            }),
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
    /// is there yet (atomic and never clobbers), else `posix-rename@openssh.com` on a
    /// second channel, else (a server that allows one channel) SFTP is closed and
    /// `mv -f` (rename(2), as atomic) runs on an exec channel, then SFTP starts again.
    pub(super) fn install(
        &mut self,
        temp: &Path,
        destination: &Path,
    ) -> Result<(), OperationError> {
        let Err(plain) = self.sftp()?.rename(temp, destination, None) else {
            return Ok(());
        };
        if !self.state.one_channel {
            if self.state.renamer.is_none() {
                match PosixRename::start(self.link.session) {
                    Ok(started) => self.state.renamer = Some(started),
                    Err(error) if channel_refused(&error) => self.state.one_channel = true,
                    Err(error) => return Err(self.error(destination, &error)),
                }
            }
            if let Some(renamer) = &self.state.renamer {
                return match renamer.rename(temp, destination) {
                    Ok(()) => Ok(()),
                    Err(error)
                        if error.code()
                            == ssh2::ErrorCode::SFTP(libssh2_sys::LIBSSH2_FX_OP_UNSUPPORTED) =>
                    {
                        Err(self.error(destination, &plain))
                    }
                    Err(error) => Err(self.error(destination, &error)),
                };
            }
        }
        self.rename_by_exec(temp, destination)
    }

    /// `mv -f TEMP DESTINATION` on an exec channel, with SFTP closed meanwhile.
    fn rename_by_exec(&mut self, temp: &Path, destination: &Path) -> Result<(), OperationError> {
        let quoted = |path: &Path| {
            quote(&path.to_string_lossy()).ok_or_else(|| self.problem(path, "holds a NUL byte"))
        };
        let command = format!("mv -f -- {} {}", quoted(temp)?, quoted(destination)?);
        self.state.close();
        let never = AtomicBool::new(false);
        let request = ExecRequest {
            stdin: None,
            stdin_stream: None,
            timeout: Some(CALL_TIMEOUT),
            cancel: &never,
        };
        let mut stderr = Vec::new();
        let status = exec::exec(&self.link, &command, request, &mut |stream, bytes| {
            if stream == Stream::Stderr && stderr.len() < 4096 {
                stderr.extend_from_slice(bytes);
            }
        });
        self.start_sftp()?;
        match status {
            Ok(0) => Ok(()),
            Ok(code) => {
                let said = String::from_utf8_lossy(&stderr);
                let line = said.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
                Err(self.problem(
                    destination,
                    &format!("mv failed (exit status {code}): {line}"),
                ))
            }
            Err(error) => Err(self.problem(destination, &error.to_string())),
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

/// Why SFTP did not start, in words a user can act on: when the host prints something
/// as a session starts (a chatty login shell or a ForceCommand: an external sftp-server
/// runs through the login shell, so that text corrupts SFTP), says so and quotes it.
fn why_sftp_failed(link: &Link<'_>, error: &ssh2::Error) -> String {
    let reason = error::reason(error);
    let never = AtomicBool::new(false);
    let request = ExecRequest {
        stdin: None,
        stdin_stream: None,
        timeout: Some(Duration::from_secs(10)),
        cancel: &never,
    };
    let mut printed = Vec::new();
    let probe = exec::exec(link, "true", request, &mut |_, bytes| {
        if printed.len() < 4096 {
            printed.extend_from_slice(bytes);
        }
    });
    let text = String::from_utf8_lossy(&printed);
    let first = text.lines().map(str::trim).find(|line| !line.is_empty());
    match (probe, first) {
        (Ok(_), Some(line)) => format!(
            "{reason}: the host prints when a session starts (it printed {line:?}): a login \
             shell that prints corrupts SFTP, and a ForceCommand replaces it; make the login \
             shell print nothing for non-interactive sessions (e.g. start ~/.bashrc with: \
             [[ $- == *i* ]] || return), or use `Subsystem sftp internal-sftp` in the \
             server's sshd_config"
        ),
        _ => reason,
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
