//! Reaching a host: a route to it (TCP, jump hosts or a proxy command), the SSH
//! handshake, the host key check and authentication, all within the connect timeout.
//! The TCP connect and the handshake (where a dead or silent host makes us wait) also
//! stop as soon as the run is cancelled.

use std::os::fd::{AsRawFd, RawFd};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ssh2::{ErrorCode, Session};

use super::connection::SshConnection;
use super::error::ConnectError;
use super::gate::Turn;
use super::known_hosts::{HostKeyError, HostKeyFiles, KeyOwner, KnownHosts};
use super::read_ahead::LineReads;
use super::route::{self, Route};
use super::shared::Shared;
use super::wait::{POLL_INTERVAL, Stop, Waiter};
use super::{ConnectOptions, HostKeyChecking, HostSpec, algorithms, auth, negotiation};

/// Connects to `host`, checks its host key against `known_hosts` (or the file its ssh
/// config names) and authenticates, from the thread that will use the connection (a
/// playbook host reconnecting a session closed for the budget): like [`dial`] then
/// [`connect_dialed`], but without waiting for a turn at the server, since such a
/// thread may be what the holders of every turn are waiting for.
///
/// The connect timeout (the host's `ConnectTimeout`, else `options.connect_timeout`)
/// bounds, as OpenSSH's `ConnectTimeout` does, the TCP connect and the wait for the
/// server's banner (a listener that never sends one fails with
/// [`ConnectError::TimedOut`], phase "SSH banner"); the key exchange and authentication
/// then get [`handshake_timeout`] of their own, so a server that answered but is busy
/// is not given up on. Through jump hosts or a proxy command, the connect timeout bounds
/// it all. Setting `options.cancel` ends a connect or handshake in progress with
/// [`ConnectError::Cancelled`]. Every other error means the host is unreachable.
pub fn connect(
    host: &HostSpec,
    options: &ConnectOptions,
    known_hosts: &KnownHosts,
) -> Result<SshConnection, ConnectError> {
    let dialed = dial_with(host, options, None)?;
    connect_dialed(host, dialed, options, known_hosts)
}

/// A host's connection up to the server's banner: what [`dial`] did, for
/// [`connect_dialed`] to finish.
pub struct Dialed {
    /// The TCP connection whose server has spoken; `None` for a host reached through jump
    /// hosts or a proxy command, which [`connect_dialed`] opens whole.
    route: Option<Route>,
    /// This login's turn at its server, held until it is authenticated.
    turn: Option<Turn>,
}

/// The first part of connecting a host, where a dead or silent host makes us wait (run
/// it beside the threads that will use the connections; [`connect_dialed`] finishes):
/// for a direct host, a turn at its server (at most
/// [`MAX_LOGINS_PER_SERVER`](super::MAX_LOGINS_PER_SERVER) logins in progress; the wait is
/// outside the connect timeout, and the turn is held until [`connect_dialed`] has
/// authenticated), then the TCP connect and the server's banner within the connect
/// timeout. Hosts behind jump hosts or a proxy command are only noted here;
/// [`connect_dialed`] opens their route.
pub fn dial(host: &HostSpec, options: &ConnectOptions) -> Result<Dialed, ConnectError> {
    let turn = if route::is_direct(host) {
        let turn = options
            .shared
            .logins()
            .enter(&host.address, host.port, &options.cancel);
        Some(turn.ok_or_else(|| ConnectError::Cancelled {
            target: host.target(),
        })?)
    } else {
        None
    };
    dial_with(host, options, turn)
}

/// [`dial`] holding `turn` (none: without a turn at the server).
fn dial_with(
    host: &HostSpec,
    options: &ConnectOptions,
    turn: Option<Turn>,
) -> Result<Dialed, ConnectError> {
    if !route::is_direct(host) {
        return Ok(Dialed { route: None, turn });
    }
    let deadline = Deadline::new(host, connect_timeout(host, options));
    let route = route::direct(host, &deadline, options)?;
    wait_for_banner(route.stream.as_raw_fd(), &deadline, options)?;
    Ok(Dialed {
        route: Some(route),
        turn,
    })
}

/// The rest of [`connect`] after [`dial`]: the key exchange, the host key check and
/// authentication (within [`handshake_timeout`]), or, for a host behind jump hosts or a
/// proxy command, all of it within the connect timeout.
pub fn connect_dialed(
    host: &HostSpec,
    dialed: Dialed,
    options: &ConnectOptions,
    known_hosts: &KnownHosts,
) -> Result<SshConnection, ConnectError> {
    let timeout = connect_timeout(host, options);
    let Dialed { route, turn } = dialed;
    let established = match route {
        Some(route) => {
            let handshake = Deadline::new(host, handshake_timeout(timeout));
            establish_on(host, route, &handshake, options, known_hosts)?
        }
        None => {
            let deadline = Deadline::new(host, timeout);
            let route = route::open(host, &deadline, options, known_hosts)?;
            establish_on(host, route, &deadline, options, known_hosts)?
        }
    };
    drop(turn);
    Ok(SshConnection::new(
        established,
        host,
        options.cancel.clone(),
    ))
}

/// The host's `ConnectTimeout`, else the run's.
fn connect_timeout(host: &HostSpec, options: &ConnectOptions) -> Duration {
    host.connect_timeout.unwrap_or(options.connect_timeout)
}

/// The bound of the key exchange and authentication once the server's banner came: 30 s,
/// or the connect timeout if longer.
pub fn handshake_timeout(connect_timeout: Duration) -> Duration {
    connect_timeout.max(Duration::from_secs(30))
}

/// Waits until the server has sent something (its banner), by `deadline`.
fn wait_for_banner(
    fd: RawFd,
    deadline: &Deadline,
    options: &ConnectOptions,
) -> Result<(), ConnectError> {
    loop {
        if options.cancel.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(ConnectError::Cancelled {
                target: deadline.target.clone(),
            });
        }
        let left = deadline.at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(deadline.timed_out("SSH banner"));
        }
        let mut poll_fd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = left.min(POLL_INTERVAL).as_millis().max(1) as libc::c_int;
        // SAFETY: one valid pollfd for the duration of the call; an error (EINTR) or a
        // timeout both mean "look again".
        if unsafe { libc::poll(&mut poll_fd, 1, millis) } > 0 {
            // The banner, or the end of the connection: the handshake says which.
            return Ok(());
        }
    }
}

/// An authenticated session, its socket, and what keeps its route open.
pub(super) struct Established {
    /// The session, blocking, with no timeout set.
    pub(super) session: Session,
    /// The descriptor the session reads and writes, for `poll`.
    pub(super) fd: RawFd,
    /// Kept alive with the session (a proxy command is ended when this is dropped).
    pub(super) route: Option<super::proxy_command::ProxyProcess>,
}

/// Opens a route to `host`, negotiates, checks the host key and authenticates, by
/// `deadline`.
pub(super) fn establish(
    host: &HostSpec,
    deadline: &Deadline,
    options: &ConnectOptions,
    known_hosts: &KnownHosts,
) -> Result<Established, ConnectError> {
    let route = route::open(host, deadline, options, known_hosts)?;
    establish_on(host, route, deadline, options, known_hosts)
}

/// The known_hosts files `host`'s key is checked against, as ssh reads them: its
/// `UserKnownHostsFile`s (else the run's file, and beside the default `~/.ssh/known_hosts`
/// also `~/.ssh/known_hosts2`), then its `GlobalKnownHostsFile`s (else
/// `/etc/ssh/ssh_known_hosts` and `ssh_known_hosts2`). `None` stands for `run_file`. A file
/// the user did not name that cannot be read is left out, as ssh leaves it out.
fn open_host_key_files(
    host: &HostSpec,
    run_file: &KnownHosts,
    shared: &Shared,
) -> Result<OpenedKeyFiles, HostKeyError> {
    let open = |path: &PathBuf| -> Result<Option<Arc<KnownHosts>>, HostKeyError> {
        if path == run_file.path() {
            Ok(None)
        } else {
            shared.known_hosts(path).map(Some)
        }
    };
    let user = match &host.known_hosts_files {
        Some(paths) => paths.iter().map(open).collect::<Result<_, _>>()?,
        None if run_file.path() == KnownHosts::default_path() => {
            let second = KnownHosts::default_path().with_file_name("known_hosts2");
            let mut files = vec![None];
            files.extend(open(&second).ok());
            files
        }
        None => vec![None],
    };
    let global_paths = match &host.global_known_hosts_files {
        Some(paths) => paths.clone(),
        None => GLOBAL_KNOWN_HOSTS.iter().map(PathBuf::from).collect(),
    };
    let global = global_paths
        .iter()
        .filter_map(|path| shared.known_hosts(path).ok())
        .collect();
    Ok(OpenedKeyFiles { user, global })
}

/// A host's known_hosts files, opened.
#[derive(Default)]
struct OpenedKeyFiles {
    /// The user files; `None` stands for the run's own file.
    user: Vec<Option<Arc<KnownHosts>>>,
    /// The global files.
    global: Vec<Arc<KnownHosts>>,
}

/// OpenSSH's default `GlobalKnownHostsFile`.
const GLOBAL_KNOWN_HOSTS: [&str; 2] = ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];

/// [`establish`] over a route already open.
fn establish_on(
    host: &HostSpec,
    route: Route,
    deadline: &Deadline,
    options: &ConnectOptions,
    known_hosts: &KnownHosts,
) -> Result<Established, ConnectError> {
    let mode = host.host_key_checking.unwrap_or(known_hosts.mode());
    let opened = if mode == HostKeyChecking::Off {
        OpenedKeyFiles::default()
    } else {
        open_host_key_files(host, known_hosts, &options.shared)?
    };
    let owner = KeyOwner {
        address: host.address.clone(),
        port: host.port,
        alias: host.host_key_alias.clone(),
    };
    let host_keys = HostKeyFiles {
        user: opened
            .user
            .iter()
            .map(|file| file.as_deref().unwrap_or(known_hosts))
            .collect(),
        global: opened.global.iter().map(|file| &**file).collect(),
    };

    let Route { stream, process } = route;
    let fd = stream.as_raw_fd();
    let handshake_failed = |error: ssh2::Error| deadline.failure(error, "SSH handshake");
    let mut session = Session::new().map_err(handshake_failed)?;
    session.set_tcp_stream(stream);
    let offer = algorithms::prefer(
        &session,
        &host_keys.known_key_types(&owner),
        &host.algorithms,
    )
    .map_err(|reason| ConnectError::Handshake {
        target: deadline.target.clone(),
        reason,
    })?;
    if let Err(error) = handshake(&mut session, fd, deadline, options) {
        return Err(match error {
            HandshakeError::NoCommonAlgorithm(error) => {
                negotiation::explain(host, deadline, options, known_hosts, &offer).unwrap_or(error)
            }
            HandshakeError::Other(error) => match &process {
                Some(process) => with_proxy_stderr(error, &process.stderr_tail()),
                None => error,
            },
        });
    }
    let (key, _) = session.host_key().ok_or_else(|| ConnectError::Handshake {
        target: deadline.target.clone(),
        reason: "the server sent no host key".into(),
    })?;
    host_keys.check(&owner, key, mode)?;

    auth::authenticate(
        &session,
        host,
        options.ask_pass.as_ref(),
        options.shared.key_files(),
        deadline,
    )?;
    session.set_timeout(0);
    if let Some(interval) = host.server_alive_interval {
        session.set_keepalive(
            false,
            interval.as_secs().clamp(1, u64::from(u32::MAX)) as u32,
        );
    }
    Ok(Established {
        session,
        fd,
        route: process,
    })
}

/// A failed handshake: no algorithm in common (worth asking the server what it offers),
/// or anything else.
enum HandshakeError {
    NoCommonAlgorithm(ConnectError),
    Other(ConnectError),
}

/// The SSH handshake, run non-blocking so the deadline and the cancel flag are looked
/// at while a silent server keeps us waiting.
fn handshake(
    session: &mut Session,
    fd: RawFd,
    deadline: &Deadline,
    options: &ConnectOptions,
) -> Result<(), HandshakeError> {
    const PHASE: &str = "SSH handshake";
    session.set_blocking(false);
    // A second handle on the same session (ssh2 sessions are shared handles), for
    // polling while `session` is borrowed by the handshake.
    let watched = session.clone();
    let waiter = Waiter::new(&watched, fd, Some(deadline.at), Some(&options.cancel));
    let lines = LineReads::install(&watched);
    let result = waiter.retry(|| session.handshake());
    drop(lines);
    session.set_blocking(true);
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error))
            if error.code() == ErrorCode::Session(libssh2_sys::LIBSSH2_ERROR_KEX_FAILURE) =>
        {
            Err(HandshakeError::NoCommonAlgorithm(
                deadline.failure(error, PHASE),
            ))
        }
        Ok(Err(error)) => Err(HandshakeError::Other(deadline.failure(error, PHASE))),
        Err(Stop::TimedOut) => Err(HandshakeError::Other(deadline.timed_out(PHASE))),
        Err(Stop::Cancelled) => Err(HandshakeError::Other(ConnectError::Cancelled {
            target: deadline.target.clone(),
        })),
    }
}

/// A handshake failure through a proxy command, with what the command said.
fn with_proxy_stderr(error: ConnectError, stderr: &str) -> ConnectError {
    if stderr.is_empty() {
        return error;
    }
    match error {
        ConnectError::Handshake { target, reason } => ConnectError::Handshake {
            target,
            reason: format!("{reason}; ProxyCommand said: {stderr}"),
        },
        other => other,
    }
}

/// The end of the connect timeout, and how to report running past it.
pub(super) struct Deadline {
    /// `ADDR:PORT`.
    pub(super) target: String,
    timeout: Duration,
    pub(super) at: Instant,
}

impl Deadline {
    fn new(host: &HostSpec, timeout: Duration) -> Deadline {
        Deadline {
            target: host.target(),
            timeout,
            at: Instant::now() + timeout,
        }
    }

    /// The deadline of `host` (a jump host) when connecting it for `outer`'s host: the
    /// same end, named after `host`.
    pub(super) fn until(host: &HostSpec, outer: &Deadline) -> Deadline {
        Deadline {
            target: host.target(),
            timeout: outer.timeout,
            at: outer.at,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_exchange_and_authentication_get_at_least_thirty_seconds() {
        assert_eq!(
            handshake_timeout(Duration::from_secs(2)),
            Duration::from_secs(30)
        );
        assert_eq!(
            handshake_timeout(Duration::from_secs(60)),
            Duration::from_secs(60)
        );
    }
}
