//! Reaching a host: TCP connect, SSH handshake, host key check, authentication, all
//! within the connect timeout.

use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use ssh2::{ErrorCode, Session};

use super::connection::SshConnection;
use super::error::ConnectError;
use super::known_hosts::KnownHosts;
use super::{ConnectOptions, HostSpec, algorithms, auth};

/// Connects to `host`, checks its host key against `known_hosts` and authenticates.
///
/// `options.connect_timeout` bounds the whole: the TCP connect, the SSH handshake (a
/// listener that never sends a banner fails with [`ConnectError::TimedOut`]) and
/// authentication. Every error is a [`ConnectError`]: the host is unreachable.
pub fn connect(
    host: &HostSpec,
    options: &ConnectOptions,
    known_hosts: &KnownHosts,
) -> Result<SshConnection, ConnectError> {
    let deadline = Deadline::new(host, options.connect_timeout);
    let tcp = open_tcp(host, &deadline)?;
    // Small requests (auth, channel opens, exec) must not wait for Nagle.
    let _ = tcp.set_nodelay(true);
    let fd = tcp.as_raw_fd();

    let handshake_failed = |error: ssh2::Error| deadline.failure(error, "SSH handshake");
    let mut session = Session::new().map_err(handshake_failed)?;
    session.set_tcp_stream(tcp);
    algorithms::prefer(
        &session,
        &known_hosts.known_key_types(&host.address, host.port),
    )
    .map_err(handshake_failed)?;
    deadline.arm(&session, "SSH handshake")?;
    session.handshake().map_err(handshake_failed)?;
    let (key, _) = session.host_key().ok_or_else(|| ConnectError::Handshake {
        target: deadline.target.clone(),
        reason: "the server sent no host key".into(),
    })?;
    known_hosts.check(&host.address, host.port, key, options.host_key_checking)?;

    auth::authenticate(&session, host, options.ask_pass.as_ref(), &deadline)?;
    session.set_timeout(0);
    Ok(SshConnection::new(session, fd, host))
}

/// The end of the connect timeout, and how to report running past it.
pub(super) struct Deadline {
    /// `ADDR:PORT`.
    pub(super) target: String,
    timeout: Duration,
    at: Instant,
}

impl Deadline {
    fn new(host: &HostSpec, timeout: Duration) -> Deadline {
        let target = if host.address.contains(':') {
            format!("[{}]:{}", host.address, host.port)
        } else {
            format!("{}:{}", host.address, host.port)
        };
        Deadline {
            target,
            timeout,
            at: Instant::now() + timeout,
        }
    }

    /// The timeout error for `phase`.
    pub(super) fn timed_out(&self, phase: &'static str) -> ConnectError {
        ConnectError::TimedOut {
            target: self.target.clone(),
            after: self.timeout,
            phase,
        }
    }

    /// Bounds the session's next blocking call by the time left (libssh2 counts its
    /// timeout per call), or fails if none is left.
    pub(super) fn arm(&self, session: &Session, phase: &'static str) -> Result<(), ConnectError> {
        let left = self.at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.timed_out(phase));
        }
        session.set_timeout(u32::try_from(left.as_millis().max(1)).unwrap_or(u32::MAX));
        Ok(())
    }

    /// A libssh2 failure during `phase`: a timeout, or a handshake error.
    pub(super) fn failure(&self, error: ssh2::Error, phase: &'static str) -> ConnectError {
        if is_timeout(&error) {
            self.timed_out(phase)
        } else {
            ConnectError::Handshake {
                target: self.target.clone(),
                reason: error.message().to_owned(),
            }
        }
    }
}

/// Whether libssh2 gave up because the session timeout ran out.
pub(super) fn is_timeout(error: &ssh2::Error) -> bool {
    error.code() == ErrorCode::Session(libssh2_sys::LIBSSH2_ERROR_TIMEOUT)
}

fn open_tcp(host: &HostSpec, deadline: &Deadline) -> Result<TcpStream, ConnectError> {
    let addresses: Vec<SocketAddr> = (host.address.as_str(), host.port)
        .to_socket_addrs()
        .map_err(|error| ConnectError::Resolve {
            address: host.address.clone(),
            reason: error.to_string(),
        })?
        .collect();
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the name resolved to no address");
    for address in addresses {
        let left = deadline.at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(&address, left) {
            Ok(stream) => return Ok(stream),
            Err(error) => last = error,
        }
    }
    Err(match last.kind() {
        io::ErrorKind::ConnectionRefused => ConnectError::Refused {
            target: deadline.target.clone(),
        },
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => deadline.timed_out("TCP connect"),
        _ if Instant::now() >= deadline.at => deadline.timed_out("TCP connect"),
        _ => ConnectError::Network {
            target: deadline.target.clone(),
            reason: last.to_string(),
        },
    })
}
