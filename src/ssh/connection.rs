//! A connected, authenticated host: one TCP connection and SSH session reused for
//! every command and transfer of the run.

use std::os::fd::RawFd;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use ssh2::{MethodType, Session, Sftp};

use super::connect::Established;
use super::error::{self, OperationError};
use super::exec::{self, Link};
use super::proxy_command::ProxyProcess;
use super::rename::PosixRename;
use super::sftp::{CallTimeout, Remote};
use super::{ExecRequest, FileTransferred, HostSpec, Transport, get, put};
use crate::event::Stream;

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
    /// Started by the first transfer, then reused.
    sftp: Option<Sftp>,
    /// Started by the first rename over an existing file, then reused.
    renamer: Option<PosixRename>,
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
            sftp: None,
            renamer: None,
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

    fn remote(&mut self) -> Result<Remote<'_>, OperationError> {
        if self.sftp.is_none() {
            let sftp = self
                .session
                .sftp()
                .map_err(|error| OperationError::Session {
                    target: self.target.clone(),
                    action: "starting SFTP",
                    reason: error::reason(&error),
                })?;
            self.sftp = Some(sftp);
        }
        let sftp = self.sftp.as_ref().ok_or_else(|| OperationError::Session {
            target: self.target.clone(),
            action: "starting SFTP",
            reason: "no SFTP session".into(),
        })?;
        Ok(Remote::new(
            &self.session,
            sftp,
            &mut self.renamer,
            &self.user_at_host,
            &self.cancel,
        ))
    }
}

impl Transport for SshConnection {
    fn exec(
        &mut self,
        command: &str,
        request: ExecRequest<'_>,
        sink: &mut dyn FnMut(Stream, &[u8]),
    ) -> Result<i32, OperationError> {
        let link = Link {
            session: &self.session,
            fd: self.fd,
            target: &self.target,
        };
        exec::exec(&link, command, request, sink)
    }

    fn put(
        &mut self,
        local: &Path,
        remote: &str,
        on_file: &mut dyn FnMut(FileTransferred),
    ) -> Result<(), OperationError> {
        let _timeout = CallTimeout::set(&self.session);
        put::put(&mut self.remote()?, local, remote, on_file)
    }

    fn get(
        &mut self,
        remote: &str,
        local_dir: &Path,
        on_file: &mut dyn FnMut(FileTransferred),
    ) -> Result<(), OperationError> {
        let _timeout = CallTimeout::set(&self.session);
        get::get(&mut self.remote()?, remote, local_dir, on_file)
    }
}

impl Drop for SshConnection {
    fn drop(&mut self) {
        // Bounded: a vanished host must not hang the run. SFTP handles go first (they
        // belong to the session), then the goodbye.
        self.session.set_blocking(true);
        self.session
            .set_timeout(DISCONNECT_TIMEOUT.as_millis() as u32);
        self.renamer = None;
        self.sftp = None;
        let _ = self.session.disconnect(None, "herd is done", None);
    }
}
