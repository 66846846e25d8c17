//! Running one command on a connected session.
//!
//! The session runs non-blocking for the whole call: stdout and stderr are read in
//! turn (they share one flow-control window, so draining only one could stall the
//! other), stdin is fed as the window allows, and when nothing moves the thread sleeps
//! in `poll(2)` for at most 100 ms before checking the cancel flag and the deadline.
//!
//! A timed-out or cancelled command is ended with "signal" requests on its channel:
//! OpenSSH's sshd runs each command as a session leader (setsid) and turns the request
//! into `killpg`, so the whole process group gets SIGTERM, then SIGKILL if it has not
//! ended within [`KILL_GRACE`]. Only then is the channel closed.

use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use libssh2_sys as raw;
use ssh2::{ErrorCode, Session};

use super::ExecRequest;
use super::channel::Channel;
use super::error::{self, OperationError};
use super::wait::{Stop, Waiter, would_block};
use crate::event::Stream;

/// How long a command gets to exit after SIGTERM before SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(1);

const READ_CHUNK: usize = 64 * 1024;
const STREAMS: [(i32, Stream); 2] = [(0, Stream::Stdout), (1, Stream::Stderr)];

/// What the exec call needs from the connection.
pub(super) struct Link<'a> {
    /// The authenticated session.
    pub(super) session: &'a Session,
    /// Its TCP descriptor, for `poll`.
    pub(super) fd: RawFd,
    /// `user@ADDR:PORT`, for messages.
    pub(super) target: &'a str,
}

/// Runs `command`, streaming its output to `sink`; returns its exit status.
pub(super) fn exec(
    link: &Link<'_>,
    command: &str,
    request: ExecRequest<'_>,
    sink: &mut dyn FnMut(Stream, &[u8]),
) -> Result<i32, OperationError> {
    let _non_blocking = NonBlocking::enter(link.session);
    let deadline = request.timeout.map(|timeout| Instant::now() + timeout);
    let waiter = Waiter::new(link.session, link.fd, deadline, Some(request.cancel));
    let stopped = |stop| match stop {
        Stop::TimedOut => OperationError::TimedOut(request.timeout.unwrap_or_default()),
        Stop::Cancelled => OperationError::Cancelled,
    };
    let failed = |action, error: ssh2::Error| OperationError::Session {
        target: link.target.to_owned(),
        action,
        reason: error::reason(&error),
    };

    let channel = waiter
        .retry(|| Channel::open(link.session))
        .map_err(stopped)?
        .map_err(|error| failed("opening a channel", error))?;
    waiter
        .retry(|| channel.exec(command))
        .map_err(stopped)?
        .map_err(|error| failed("starting the command", error))?;

    let mut pump = Pump::new(&channel, request.stdin.unwrap_or_default());
    let finished = pump
        .run(&waiter, sink)
        .and_then(|()| pump.finish_write(&waiter).map_err(Halt::Stopped))
        .and_then(|()| match waiter.retry(|| channel.wait_closed()) {
            Ok(closed) => {
                closed.map_err(|error| Halt::Failed("waiting for the command to exit", error))
            }
            Err(stop) => Err(Halt::Stopped(stop)),
        });
    match finished {
        Ok(()) => {}
        Err(Halt::Stopped(stop)) => {
            pump.terminate(link, sink);
            return Err(stopped(stop));
        }
        Err(Halt::Failed(action, error)) => return Err(failed(action, error)),
    }
    // Our side of the close; the server's already came, so this does not wait.
    let _ = waiter.retry(|| channel.close());
    Ok(match channel.exit_signal() {
        Some(signal) => 128 + signal_number(&signal),
        None => channel.exit_status(),
    })
}

enum Halt {
    Stopped(Stop),
    Failed(&'static str, ssh2::Error),
}

/// Moves bytes between the channel and the caller until the output ends.
struct Pump<'c, 'i> {
    channel: &'c Channel,
    /// Stdin not yet written.
    input: &'i [u8],
    /// The last write would block after libssh2 queued its packet: only the same write
    /// call can finish it, and no other packet can be sent until it is repeated.
    write_pending: bool,
    eof_sent: bool,
    buffer: Vec<u8>,
}

impl<'c, 'i> Pump<'c, 'i> {
    fn new(channel: &'c Channel, input: &'i [u8]) -> Pump<'c, 'i> {
        Pump {
            channel,
            input,
            write_pending: false,
            eof_sent: false,
            buffer: vec![0; READ_CHUNK],
        }
    }

    /// Runs until the server's end-of-output with no data left unread.
    fn run(
        &mut self,
        waiter: &Waiter<'_>,
        sink: &mut dyn FnMut(Stream, &[u8]),
    ) -> Result<(), Halt> {
        loop {
            let wrote = self.feed()?;
            let read = self.read(sink)?;
            if self.channel.eof() {
                return Ok(());
            }
            let waited = if wrote || read {
                waiter.check()
            } else {
                waiter.wait()
            };
            waited.map_err(Halt::Stopped)?;
        }
    }

    /// Writes stdin, then end-of-file. True if anything was sent.
    fn feed(&mut self) -> Result<bool, Halt> {
        if !self.input.is_empty() {
            match self.channel.write(self.input) {
                Ok(written) => {
                    self.write_pending = false;
                    self.input = &self.input[written..];
                    return Ok(written > 0);
                }
                Err(error) if would_block(&error) => {
                    // With an open window libssh2 got as far as queueing the packet;
                    // with a closed one it queued nothing and waits for more window.
                    self.write_pending = self.channel.write_window() > 0;
                    return Ok(false);
                }
                Err(error) if channel_gone(&error) => {
                    // The command exited without reading all its input.
                    self.write_pending = false;
                    self.input = &[];
                    self.eof_sent = true;
                    return Ok(false);
                }
                Err(error) => {
                    self.write_pending = false;
                    return Err(Halt::Failed("writing stdin", error));
                }
            }
        }
        if self.eof_sent {
            return Ok(false);
        }
        match self.channel.send_eof() {
            Ok(()) => {
                self.eof_sent = true;
                Ok(true)
            }
            Err(error) if would_block(&error) => Ok(false),
            Err(error) if channel_gone(&error) => {
                self.eof_sent = true;
                Ok(false)
            }
            Err(error) => Err(Halt::Failed("closing stdin", error)),
        }
    }

    /// One read from each stream, delivered as it comes. True if anything was read.
    fn read(&mut self, sink: &mut dyn FnMut(Stream, &[u8])) -> Result<bool, Halt> {
        let mut any = false;
        for (id, stream) in STREAMS {
            match self.channel.read(id, &mut self.buffer) {
                Ok(0) => {}
                Ok(count) => {
                    sink(stream, &self.buffer[..count]);
                    any = true;
                }
                Err(error) if would_block(&error) => {}
                Err(error) => return Err(Halt::Failed("reading output", error)),
            }
        }
        Ok(any)
    }

    /// Ends the remote process group: SIGTERM, SIGKILL after [`KILL_GRACE`] if the
    /// output has not ended, then closes the channel. Output produced meanwhile still
    /// goes to `sink`. Best effort and bounded in time: errors are ignored.
    fn terminate(&mut self, link: &Link<'_>, sink: &mut dyn FnMut(Stream, &[u8])) {
        for signal in ["TERM", "KILL"] {
            let grace = Waiter::new(
                link.session,
                link.fd,
                Some(Instant::now() + KILL_GRACE),
                None,
            );
            if !self.signal(signal, &grace, sink) {
                break;
            }
            if self.drain(&grace, sink) {
                break;
            }
        }
        let closing = Waiter::new(
            link.session,
            link.fd,
            Some(Instant::now() + KILL_GRACE),
            None,
        );
        let _ = closing.retry(|| self.channel.close());
    }

    /// Finishes a half-sent stdin packet: libssh2 can send no other packet (our close,
    /// a signal) until the write that started it is repeated.
    fn finish_write(&mut self, waiter: &Waiter<'_>) -> Result<(), Stop> {
        while self.write_pending {
            if self.feed().is_err() {
                break;
            }
            if self.write_pending {
                waiter.wait()?;
            }
        }
        Ok(())
    }

    /// Sends a "signal" request, finishing a half-sent stdin packet and reading
    /// output meanwhile (a half-sent window adjustment also blocks other packets and is
    /// finished by the next read). False if it could not be sent in time.
    fn signal(
        &mut self,
        name: &str,
        waiter: &Waiter<'_>,
        sink: &mut dyn FnMut(Stream, &[u8]),
    ) -> bool {
        if self.finish_write(waiter).is_err() {
            return false;
        }
        loop {
            match self.channel.signal(name) {
                Ok(()) => return true,
                Err(error) if would_block(&error) => {
                    if self.read(sink).is_err() || waiter.wait().is_err() {
                        return false;
                    }
                }
                Err(_) => return false,
            }
        }
    }

    /// Reads until end-of-output; false if `waiter` ran out first.
    fn drain(&mut self, waiter: &Waiter<'_>, sink: &mut dyn FnMut(Stream, &[u8])) -> bool {
        loop {
            let Ok(read) = self.read(sink) else {
                return false;
            };
            if self.channel.eof() {
                return true;
            }
            let waited = if read { waiter.check() } else { waiter.wait() };
            if waited.is_err() {
                return false;
            }
        }
    }
}

/// Whether a write failed only because the command's side of the channel is done.
fn channel_gone(error: &ssh2::Error) -> bool {
    matches!(
        error.code(),
        ErrorCode::Session(raw::LIBSSH2_ERROR_CHANNEL_CLOSED | raw::LIBSSH2_ERROR_CHANNEL_EOF_SENT)
    )
}

/// The number of a signal named in an "exit-signal" message (RFC 4254 names), or 127
/// for a name we do not know (so the status is 255, as OpenSSH's client reports).
fn signal_number(name: &str) -> i32 {
    match name {
        "HUP" => libc::SIGHUP,
        "INT" => libc::SIGINT,
        "QUIT" => libc::SIGQUIT,
        "ILL" => libc::SIGILL,
        "ABRT" => libc::SIGABRT,
        "FPE" => libc::SIGFPE,
        "KILL" => libc::SIGKILL,
        "USR1" => libc::SIGUSR1,
        "SEGV" => libc::SIGSEGV,
        "USR2" => libc::SIGUSR2,
        "PIPE" => libc::SIGPIPE,
        "ALRM" => libc::SIGALRM,
        "TERM" => libc::SIGTERM,
        _ => 127,
    }
}

/// Puts the session in non-blocking mode until dropped.
struct NonBlocking<'a>(&'a Session);

impl<'a> NonBlocking<'a> {
    fn enter(session: &'a Session) -> NonBlocking<'a> {
        session.set_blocking(false);
        NonBlocking(session)
    }
}

impl Drop for NonBlocking<'_> {
    fn drop(&mut self) {
        self.0.set_blocking(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_map_like_a_shell() {
        assert_eq!(128 + signal_number("TERM"), 143);
        assert_eq!(128 + signal_number("KILL"), 137);
        assert_eq!(128 + signal_number("XCPU@example.com"), 255);
    }
}
