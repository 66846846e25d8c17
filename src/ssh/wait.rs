//! Waiting on the socket while libssh2 runs non-blocking.
//!
//! Each wait is a `poll(2)` on the TCP descriptor for the directions libssh2 says it is
//! blocked on, bounded by [`POLL_INTERVAL`], so a cancel flag or a deadline is noticed
//! within that time while an idle command (`sleep 600`) costs no CPU. What the server
//! sends meanwhile is acknowledged at once ([`socket::acknowledge_at_once`]).

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ssh2::{BlockDirections, Error, ErrorCode, Session};

use super::socket;

/// The longest a single wait lasts before the cancel flag and deadline are re-checked.
pub(super) const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Why waiting stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// The deadline passed.
    TimedOut,
    /// The cancel flag was set.
    Cancelled,
}

/// Waits for one non-blocking session's socket.
pub(super) struct Waiter<'a> {
    session: &'a Session,
    fd: RawFd,
    deadline: Option<Instant>,
    cancel: Option<&'a AtomicBool>,
}

/// Whether a libssh2 error only means "would block".
pub(super) fn would_block(error: &Error) -> bool {
    error.code() == ErrorCode::Session(libssh2_sys::LIBSSH2_ERROR_EAGAIN)
}

impl<'a> Waiter<'a> {
    /// A waiter that gives up at `deadline` (if any) or when `cancel` (if any) is set.
    pub(super) fn new(
        session: &'a Session,
        fd: RawFd,
        deadline: Option<Instant>,
        cancel: Option<&'a AtomicBool>,
    ) -> Waiter<'a> {
        Waiter {
            session,
            fd,
            deadline,
            cancel,
        }
    }

    /// Fails if cancelled or past the deadline.
    pub(super) fn check(&self) -> Result<(), Stop> {
        if self
            .cancel
            .is_some_and(|cancel| cancel.load(Ordering::Relaxed))
        {
            return Err(Stop::Cancelled);
        }
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => Err(Stop::TimedOut),
            _ => Ok(()),
        }
    }

    /// Sleeps until the socket is ready in the directions libssh2 is blocked on (or
    /// for input, when it names none), at most [`POLL_INTERVAL`].
    pub(super) fn wait(&self) -> Result<(), Stop> {
        self.check()?;
        let mut limit = POLL_INTERVAL;
        if let Some(deadline) = self.deadline {
            limit = limit.min(deadline.saturating_duration_since(Instant::now()));
        }
        let events = match self.session.block_directions() {
            BlockDirections::Outbound => libc::POLLOUT,
            BlockDirections::Both => libc::POLLIN | libc::POLLOUT,
            BlockDirections::Inbound | BlockDirections::None => libc::POLLIN,
        };
        let mut poll_fd = libc::pollfd {
            fd: self.fd,
            events,
            revents: 0,
        };
        socket::acknowledge_at_once(self.fd);
        let millis = limit.as_millis().clamp(1, POLL_INTERVAL.as_millis()) as libc::c_int;
        // SAFETY: one valid pollfd for the duration of the call. An error (EINTR) or a
        // timeout both just mean "look again".
        unsafe {
            libc::poll(&mut poll_fd, 1, millis);
        }
        self.check()
    }

    /// Repeats a non-blocking libssh2 call while it would block, waiting in between.
    pub(super) fn retry<T>(
        &self,
        mut call: impl FnMut() -> Result<T, Error>,
    ) -> Result<Result<T, Error>, Stop> {
        loop {
            match call() {
                Err(error) if would_block(&error) => self.wait()?,
                done => return Ok(done),
            }
        }
    }
}
