//! A connected, authenticated host: one TCP connection and SSH session reused for
//! every command and transfer of the run.

use std::os::fd::RawFd;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use ssh2::{MethodType, Session};

use super::connect::Established;
use super::error::OperationError;
use super::exec::{self, Link};
use super::piped::Piped;
use super::proxy_command::ProxyProcess;
use super::sftp::SftpState;
use super::sftp::{CallTimeout, Remote};
use super::{ExecRequest, FileTransferred, HostSpec, Transport, get, put};
use crate::event::Stream;

/// Pauses before trying again to open a channel the server refused (sshd counts a
/// closed session against `MaxSessions` until its main loop has cleaned it up).
pub(super) const CHANNEL_RETRY_PAUSES: [Duration; 4] = [
    Duration::from_millis(10),
    Duration::from_millis(50),
    Duration::from_millis(200),
    Duration::from_millis(500),
];

/// How long closing the connection may wait for the server.
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// An authenticated SSH session to one host, made by [`connect`](super::connect).
/// It implements [`Transport`]; dropping it says goodbye to the server.
pub struct SshConnection {
    session: Session,
    /// The proxy command carrying the session, if any; ended after the goodbye.
    _route: Option<ProxyProcess>,
    fd: RawFd,
    /// `user@ADDR:PORT`, for session-level messages.
    target: String,
    /// `user@ADDR`, for remote paths in messages.
    user_at_host: String,
    /// The SFTP channels, started by the first transfer and reused (closed before an
    /// exec on a server that allows one channel).
    files: SftpState,
    /// The run's cancel flag ([`ConnectOptions::cancel`](super::ConnectOptions)), checked
    /// by transfers between chunks.
    cancel: Arc<AtomicBool>,
}

impl SshConnection {
    /// Wraps a session that finished authentication.
    pub(super) fn new(
        established: Established,
        host: &HostSpec,
        cancel: Arc<AtomicBool>,
    ) -> SshConnection {
        SshConnection {
            session: established.session,
            _route: established.route,
            fd: established.fd,
            target: format!("{}@{}:{}", host.user, host.address, host.port),
            user_at_host: format!("{}@{}", host.user, host.address),
            files: SftpState::default(),
            cancel,
        }
    }

    /// The key exchange algorithm negotiated (e.g. `curve25519-sha256`).
    pub fn kex(&self) -> Option<String> {
        self.session.methods(MethodType::Kex).map(str::to_owned)
    }

    /// The cipher negotiated for data we send (e.g. `chacha20-poly1305@openssh.com`).
    pub fn cipher(&self) -> Option<String> {
        self.session.methods(MethodType::CryptCs).map(str::to_owned)
    }

    /// Copies over exec channels, for when SFTP cannot start.
    fn piped(&self) -> Piped<'_> {
        Piped {
            link: Link {
                session: &self.session,
                fd: self.fd,
                target: &self.target,
            },
            cancel: &self.cancel,
            user_at_host: &self.user_at_host,
        }
    }

    fn remote(&mut self) -> Result<Remote<'_>, OperationError> {
        let link = Link {
            session: &self.session,
            fd: self.fd,
            target: &self.target,
        };
        Remote::open(&mut self.files, link, &self.user_at_host, &self.cancel)
    }
}

impl Transport for SshConnection {
    fn exec(
        &mut self,
        command: &str,
        request: ExecRequest<'_>,
        sink: &mut dyn FnMut(Stream, &[u8]),
    ) -> Result<i32, OperationError> {
        if self.files.one_channel {
            self.files.close();
        }
        let link = Link {
            session: &self.session,
            fd: self.fd,
            target: &self.target,
        };
        let mut pauses = CHANNEL_RETRY_PAUSES.iter();
        loop {
            match exec::exec(&link, command, request, sink) {
                // A server that allows one channel per connection (MaxSessions 1): close
                // SFTP and try again, and from now on close it before every exec. Such a
                // server may also still count a channel we just closed: try again after
                // a pause.
                Err(OperationError::Session {
                    action: exec::OPENING_A_CHANNEL,
                    ..
                }) if self.files.is_open() => {
                    self.files.close();
                    self.files.one_channel = true;
                }
                Err(
                    error @ OperationError::Session {
                        action: exec::OPENING_A_CHANNEL,
                        ..
                    },
                ) => match pauses.next() {
                    Some(pause) => std::thread::sleep(*pause),
                    None => return Err(error),
                },
                result => return result,
            }
        }
    }

    fn put(
        &mut self,
        local: &Path,
        remote: &str,
        on_file: &mut dyn FnMut(FileTransferred),
    ) -> Result<(), OperationError> {
        let _timeout = CallTimeout::set(&self.session);
        match self.remote() {
            Ok(mut files) => put::put(&mut files, local, remote, on_file),
            Err(no_sftp) => self
                .piped()
                .put(local, remote, on_file)
                .map_err(|_| no_sftp),
        }
    }

    fn get(
        &mut self,
        remote: &str,
        local_dir: &Path,
        on_file: &mut dyn FnMut(FileTransferred),
    ) -> Result<(), OperationError> {
        let _timeout = CallTimeout::set(&self.session);
        match self.remote() {
            Ok(mut files) => get::get(&mut files, remote, local_dir, on_file),
            Err(no_sftp) => self
                .piped()
                .get(remote, local_dir, on_file)
                .map_err(|error| piped_failure(no_sftp, error)),
        }
    }
}

/// The error of a piped copy that could not stand in for SFTP: its own when it got
/// somewhere (a directory it cannot copy), else why SFTP failed, which is the cause.
fn piped_failure(no_sftp: OperationError, piped: OperationError) -> OperationError {
    match piped {
        OperationError::Remote { location, reason } if reason.contains("needs SFTP") => {
            OperationError::Remote {
                location,
                reason: format!("{reason} ({no_sftp})"),
            }
        }
        _ => no_sftp,
    }
}

impl Drop for SshConnection {
    fn drop(&mut self) {
        // Bounded: a vanished host must not hang the run. SFTP handles go first (they
        // belong to the session), then the goodbye.
        self.session.set_blocking(true);
        self.session
            .set_timeout(DISCONNECT_TIMEOUT.as_millis() as u32);
        self.files.close();
        let _ = self.session.disconnect(None, "herd is done", None);
    }
}
