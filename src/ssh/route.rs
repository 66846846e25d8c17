//! How the bytes of a connection reach their host: a TCP connection, a channel through
//! jump hosts ([`tunnel`](super::tunnel)), or a `ProxyCommand`'s standard input and
//! output ([`proxy_command`](super::proxy_command)).

use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::Instant;

use super::connect::Deadline;
use super::error::ConnectError;
use super::known_hosts::KnownHosts;
use super::proxy_command::ProxyProcess;
use super::socket::{self, ConnectFailure};
use super::{ConnectOptions, HostSpec, Proxy};

/// A byte stream to the host's SSH server, and what must live as long as it.
pub(super) struct Route {
    /// The stream libssh2 reads and writes.
    pub(super) stream: Stream,
    /// The `ProxyCommand` process behind `stream`, if any (ended when dropped).
    pub(super) process: Option<ProxyProcess>,
}

/// The two kinds of stream a session can run over.
#[derive(Debug)]
pub(super) enum Stream {
    /// A direct TCP connection.
    Tcp(TcpStream),
    /// One end of a socket pair whose other end a jump channel or a proxy command serves.
    Local(UnixStream),
}

impl AsRawFd for Stream {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Stream::Tcp(stream) => stream.as_raw_fd(),
            Stream::Local(stream) => stream.as_raw_fd(),
        }
    }
}

impl Route {
    /// Sets a read timeout on the stream (for the negotiation probe).
    pub(super) fn set_read_timeout(&self, timeout: std::time::Duration) -> io::Result<()> {
        match &self.stream {
            Stream::Tcp(stream) => stream.set_read_timeout(Some(timeout)),
            Stream::Local(stream) => stream.set_read_timeout(Some(timeout)),
        }
    }
}

impl io::Read for Route {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.stream {
            Stream::Tcp(stream) => stream.read(buf),
            Stream::Local(stream) => stream.read(buf),
        }
    }
}

impl io::Write for Route {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.stream {
            Stream::Tcp(stream) => stream.write(buf),
            Stream::Local(stream) => stream.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Opens a stream to `host` the way its [`Proxy`] says, within `deadline`.
pub(super) fn open(
    host: &HostSpec,
    deadline: &Deadline,
    options: &ConnectOptions,
    known_hosts: &KnownHosts,
) -> Result<Route, ConnectError> {
    match &host.proxy {
        Proxy::Direct => direct(host, deadline, options),
        // No hop at all is a direct connection.
        Proxy::Jump(chain) if chain.is_empty() => direct(host, deadline, options),
        Proxy::Jump(chain) => {
            let stream = options.shared.jumps().open(
                chain,
                &host.address,
                host.port,
                deadline,
                options,
                known_hosts,
            )?;
            Ok(Route {
                stream: Stream::Local(stream),
                process: None,
            })
        }
        Proxy::Command(command) => {
            let (stream, process) =
                ProxyProcess::spawn(command).map_err(|error| ConnectError::Network {
                    target: deadline.target.clone(),
                    reason: format!("cannot start ProxyCommand {command:?}: {error}"),
                })?;
            Ok(Route {
                stream: Stream::Local(stream),
                process: Some(process),
            })
        }
    }
}

/// Whether `host` is reached over a TCP connection of its own (no jump host, no proxy
/// command).
pub(super) fn is_direct(host: &HostSpec) -> bool {
    match &host.proxy {
        Proxy::Direct => true,
        Proxy::Jump(chain) => chain.is_empty(),
        Proxy::Command(_) => false,
    }
}

/// A TCP connection to the host's own address and port, within `deadline`.
pub(super) fn direct(
    host: &HostSpec,
    deadline: &Deadline,
    options: &ConnectOptions,
) -> Result<Route, ConnectError> {
    Ok(Route {
        stream: Stream::Tcp(open_tcp(host, deadline, options)?),
        process: None,
    })
}

fn open_tcp(
    host: &HostSpec,
    deadline: &Deadline,
    options: &ConnectOptions,
) -> Result<TcpStream, ConnectError> {
    let addresses: Vec<SocketAddr> = (host.address.as_str(), host.port)
        .to_socket_addrs()
        .map_err(|error| ConnectError::Resolve {
            address: host.address.clone(),
            reason: error.to_string(),
        })?
        .collect();
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the name resolved to no address");
    for address in addresses {
        match socket::connect(&address, deadline.at, &options.cancel) {
            Ok(stream) => {
                // Small requests (auth, channel opens, exec) must not wait for Nagle.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(ConnectFailure::Io(error)) => last = error,
            Err(ConnectFailure::TimedOut) => return Err(deadline.timed_out("TCP connect")),
            Err(ConnectFailure::Cancelled) => {
                return Err(ConnectError::Cancelled {
                    target: deadline.target.clone(),
                });
            }
        }
    }
    Err(match last.kind() {
        io::ErrorKind::ConnectionRefused => ConnectError::Refused {
            target: deadline.target.clone(),
        },
        io::ErrorKind::TimedOut => deadline.timed_out("TCP connect"),
        _ if Instant::now() >= deadline.at => deadline.timed_out("TCP connect"),
        _ => ConnectError::Network {
            target: deadline.target.clone(),
            reason: last.to_string(),
        },
    })
}
