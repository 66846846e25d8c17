//! The TCP side of a connection: a connect that gives up at a deadline or as soon as the
//! run is cancelled, and keepalive so a host that vanishes is noticed.
//!
//! std's `TcpStream::connect_timeout` cannot be interrupted, so the connect is made
//! non-blocking and waited for in `poll(2)` slices of at most [`POLL_INTERVAL`].

use std::io;
use std::mem;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::wait::POLL_INTERVAL;

/// Idle time before the first keepalive probe.
pub(super) const KEEPALIVE_IDLE: Duration = Duration::from_secs(15);
/// Time between unanswered probes.
pub(super) const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
/// Unanswered probes before the connection is declared dead.
pub(super) const KEEPALIVE_PROBES: u32 = 3;

/// Why [`connect`] did not give a connected socket.
#[derive(Debug)]
pub(super) enum ConnectFailure {
    /// The system refused or failed the connect (`ConnectionRefused`, no route, …).
    Io(io::Error),
    /// The deadline passed first.
    TimedOut,
    /// The cancel flag was set first.
    Cancelled,
}

/// Connects to `address`, giving up at `deadline` or when `cancel` is set. The socket
/// returned is blocking, with keepalive on (see [`enable_keepalive`]).
pub(super) fn connect(
    address: &SocketAddr,
    deadline: Instant,
    cancel: &AtomicBool,
) -> Result<TcpStream, ConnectFailure> {
    let family = match address {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    // SAFETY: plain socket(2); the result is checked before use.
    let raw = unsafe {
        libc::socket(
            family,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if raw < 0 {
        return Err(ConnectFailure::Io(io::Error::last_os_error()));
    }
    // SAFETY: `raw` is a new descriptor that nothing else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(raw) };
    let (storage, length) = socket_address(address);
    // SAFETY: `storage` holds a valid sockaddr of `length` bytes for this family.
    let rc = unsafe {
        libc::connect(
            socket.as_raw_fd(),
            (&raw const storage).cast::<libc::sockaddr>(),
            length,
        )
    };
    if rc != 0 {
        let error = io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::EINPROGRESS) {
            return Err(ConnectFailure::Io(error));
        }
        wait_connected(socket.as_raw_fd(), deadline, cancel)?;
    }
    let stream = TcpStream::from(socket);
    stream.set_nonblocking(false).map_err(ConnectFailure::Io)?;
    // Best effort: without keepalive the connection still works.
    let _ = enable_keepalive(stream.as_raw_fd());
    Ok(stream)
}

/// Waits until the non-blocking connect on `fd` completes, fails, times out or is
/// cancelled.
fn wait_connected(fd: RawFd, deadline: Instant, cancel: &AtomicBool) -> Result<(), ConnectFailure> {
    loop {
        if cancel.load(Ordering::SeqCst) {
            return Err(ConnectFailure::Cancelled);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ConnectFailure::TimedOut);
        }
        let mut poll_fd = libc::pollfd {
            fd,
            events: libc::POLLOUT,
            revents: 0,
        };
        let millis = left.min(POLL_INTERVAL).as_millis().max(1) as libc::c_int;
        // SAFETY: one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut poll_fd, 1, millis) };
        if ready > 0 {
            return match socket_error(fd) {
                Ok(0) => Ok(()),
                Ok(code) => Err(ConnectFailure::Io(io::Error::from_raw_os_error(code))),
                Err(error) => Err(ConnectFailure::Io(error)),
            };
        }
        // 0 (nothing yet) or EINTR: look again.
    }
}

/// The pending error of a socket (`SO_ERROR`): 0 when the connect succeeded.
fn socket_error(fd: RawFd) -> io::Result<libc::c_int> {
    let mut code: libc::c_int = 0;
    let mut length = mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `code` and `length` are valid for writes of their sizes.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&raw mut code).cast(),
            &mut length,
        )
    };
    if rc == 0 {
        Ok(code)
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Asks the kernel to acknowledge what arrives on `fd` at once rather than up to 40 ms
/// later (Linux's `TCP_QUICKACK`, which the kernel itself turns off again: so it is set
/// before each wait for the server). sshd leaves Nagle's algorithm on for a command
/// without a terminal, so a second small packet it sends waits for our acknowledgement of
/// the first: with delayed acknowledgements that was a 40 ms stall in every login and at
/// the end of every command (`true` on one host took 80 ms, now 40 ms; the fastest
/// OpenSSH-based peer takes 140 ms: bench scenario 1, N=1). Best effort: on a socket pair
/// to a proxy command it does nothing.
pub(super) fn acknowledge_at_once(fd: RawFd) {
    let on: libc::c_int = 1;
    // SAFETY: `on` is valid for reads of its size for the duration of the call.
    unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&raw const on).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

/// Turns on TCP keepalive: a peer that stops answering is declared dead after
/// [`KEEPALIVE_IDLE`] + [`KEEPALIVE_PROBES`] × [`KEEPALIVE_INTERVAL`] of silence, and
/// (`TCP_USER_TIMEOUT`) data left unacknowledged for that long also ends the
/// connection, so a read or write on a vanished host fails instead of hanging.
pub(super) fn enable_keepalive(fd: RawFd) -> io::Result<()> {
    let dead_after = KEEPALIVE_IDLE + KEEPALIVE_INTERVAL * KEEPALIVE_PROBES;
    let options = [
        (libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1),
        (
            libc::IPPROTO_TCP,
            libc::TCP_KEEPIDLE,
            KEEPALIVE_IDLE.as_secs() as libc::c_int,
        ),
        (
            libc::IPPROTO_TCP,
            libc::TCP_KEEPINTVL,
            KEEPALIVE_INTERVAL.as_secs() as libc::c_int,
        ),
        (
            libc::IPPROTO_TCP,
            libc::TCP_KEEPCNT,
            KEEPALIVE_PROBES as libc::c_int,
        ),
        (
            libc::IPPROTO_TCP,
            libc::TCP_USER_TIMEOUT,
            dead_after.as_millis() as libc::c_int,
        ),
    ];
    for (level, name, value) in options {
        // SAFETY: `value` is a c_int valid for reads of its size.
        let rc = unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                (&raw const value).cast(),
                mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// `address` as a `sockaddr_storage` and its length.
fn socket_address(address: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: all-zero bytes are a valid sockaddr_storage.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let length = match address {
        SocketAddr::V4(v4) => {
            let inet = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(v4.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in>().write(inet) };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            let inet6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: v6.port().to_be(),
                sin6_flowinfo: v6.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: v6.ip().octets(),
                },
                sin6_scope_id: v6.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in6>().write(inet6) };
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, length as libc::socklen_t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn keepalive_option(stream: &TcpStream, level: libc::c_int, name: libc::c_int) -> i32 {
        let mut value: libc::c_int = 0;
        let mut length = mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: valid out-pointers of the right sizes.
        let rc = unsafe {
            libc::getsockopt(
                stream.as_raw_fd(),
                level,
                name,
                (&raw mut value).cast(),
                &mut length,
            )
        };
        assert_eq!(rc, 0);
        value
    }

    #[test]
    fn connects_with_keepalive_on() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let never = AtomicBool::new(false);
        let deadline = Instant::now() + Duration::from_secs(5);
        let stream = connect(&address, deadline, &never).unwrap();
        assert_eq!(stream.peer_addr().unwrap(), address);
        let on = |level, name| keepalive_option(&stream, level, name);
        assert_eq!(on(libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
        assert_eq!(on(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE), 15);
        assert_eq!(on(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL), 5);
        assert_eq!(on(libc::IPPROTO_TCP, libc::TCP_KEEPCNT), 3);
        assert_eq!(on(libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT), 30_000);
    }

    #[test]
    fn a_closed_port_is_refused() {
        let address = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let never = AtomicBool::new(false);
        let deadline = Instant::now() + Duration::from_secs(5);
        match connect(&address, deadline, &never) {
            Err(ConnectFailure::Io(error)) => {
                assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused)
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
