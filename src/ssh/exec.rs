//! Running one command on a connected session.
//!
//! The session runs non-blocking for the whole call: stdout and stderr are read in
//! turn (they share one flow-control window, so draining only one could stall the
//! other), stdin is fed as the window allows, and when nothing moves the thread sleeps
//! in `poll(2)` for at most 100 ms before checking the cancel flag and the deadline.
//!
//! A command longer than [`MAX_EXEC_REQUEST`] does not fit an exec request (libssh2
//! refuses packets past about 32 KiB): the request is then `eval "$(head -c N)"` and the
//! command's N bytes go first on its standard input, so the login shell runs it with the
//! same quoting, exit status and output, and the command's own input follows.
//!
//! A timed-out or cancelled command is ended with "signal" requests on its channel:
//! OpenSSH's sshd runs each command as a session leader (setsid) and turns the request
//! into `killpg`, so the whole process group gets SIGTERM, then SIGKILL if it has not
//! ended within [`KILL_GRACE`]. Only then is the channel closed. A group whose shell has
//! already exited (it left processes behind) no longer gets signal requests: a second
//! command then ends it by its id, which the shell announced first thing on stdout
//! ([`session_id`]).
//!
//! A command whose shell exited while something it started in the background keeps its
//! output open (`sleep 300 & echo started`) would hold the channel open until that ends
//! (as it holds `ssh`). Once the shell's exit status has come and the output has been
//! quiet for [`BACKGROUND_GRACE`], the call returns that status and closes the channel;
//! what was left running goes on, without its stdout and stderr (a write to them then
//! fails with SIGPIPE/EPIPE).

use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use libssh2_sys as raw;
use ssh2::{ErrorCode, Session};

use super::ExecRequest;
use super::channel::Channel;
use super::error::{self, OperationError};
use super::session_id::{ANNOUNCE, SessionFilter, end_group};
use super::wait::{Stop, Waiter, would_block};
use crate::event::Stream;
use crate::spool::{Chunk, SpoolReader};

/// The `action` of the error when the server refuses a channel.
pub(super) const OPENING_A_CHANNEL: &str = "opening a channel";

/// Longest command sent as the exec request itself.
const MAX_EXEC_REQUEST: usize = 16 * 1024;

/// How long output must stay quiet after the command's shell exited before the call
/// returns without waiting for what the shell left running.
pub const BACKGROUND_GRACE: Duration = Duration::from_secs(1);

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
        .map_err(|error| failed(OPENING_A_CHANNEL, error))?;
    let (line, script) = if command.len() > MAX_EXEC_REQUEST {
        let line = format!("{ANNOUNCE}eval \"$(head -c {})\"", command.len());
        (line, command.as_bytes())
    } else {
        (format!("{ANNOUNCE}{command}"), &b""[..])
    };
    waiter
        .retry(|| channel.exec(&line))
        .map_err(stopped)?
        .map_err(|error| failed("starting the command", error))?;

    let input = Input {
        parts: [script, request.stdin.unwrap_or_default()],
        stream: request.stdin_stream.map(|spool| spool.reader()),
    };
    let mut pump = Pump::new(&channel, input);
    let finished = pump.run(&waiter, sink).and_then(|end| match end {
        // What the shell left running holds the output: do not wait for it.
        End::ShellExited => Ok(()),
        End::OutputClosed => {
            pump.finish_write(&waiter)
                .map_err(Halt::Stopped)
                .and_then(|()| match waiter.retry(|| channel.wait_closed()) {
                    Ok(closed) => closed
                        .map_err(|error| Halt::Failed("waiting for the command to exit", error)),
                    Err(stop) => Err(Halt::Stopped(stop)),
                })
        }
    });
    pump.stdout.flush(&mut |bytes| sink(Stream::Stdout, bytes));
    match finished {
        Ok(()) => {}
        Err(Halt::Stopped(stop)) => {
            pump.terminate(link, sink);
            if let Some(pid) = pump.stdout.pid {
                drop(pump);
                drop(channel);
                end_leftovers(link, pid);
            }
            return Err(stopped(stop));
        }
        Err(Halt::Failed(action, error)) => return Err(failed(action, error)),
    }
    // Our side of the close: the server's already came (or, after the shell exited,
    // our close makes it close), so this waits at most the kill grace.
    let closing = Waiter::new(
        link.session,
        link.fd,
        Some(Instant::now() + KILL_GRACE),
        None,
    );
    let _ = closing.retry(|| channel.close());
    Ok(match channel.exit_signal() {
        Some(signal) => 128 + signal_number(&signal),
        None => channel.exit_status(),
    })
}

enum Halt {
    Stopped(Stop),
    Failed(&'static str, ssh2::Error),
}

/// How the output of a command ended.
enum End {
    /// The server closed it (everything the command started is done with it).
    OutputClosed,
    /// The shell exited and the output stayed quiet for [`BACKGROUND_GRACE`].
    ShellExited,
}

/// Ends the process group `pid` a command's shell left behind, with a command of its
/// own (bounded: a few seconds at most). Best effort.
fn end_leftovers(link: &Link<'_>, pid: u32) {
    let never = std::sync::atomic::AtomicBool::new(false);
    let command = end_group(pid);
    for pause in [
        Duration::ZERO,
        Duration::from_millis(50),
        Duration::from_millis(300),
    ] {
        std::thread::sleep(pause);
        let request = ExecRequest {
            stdin: None,
            stdin_stream: None,
            timeout: Some(Duration::from_secs(5)),
            cancel: &never,
        };
        match run_plain(link, &command, request) {
            // A server that allows one session may still count the one just closed.
            Err(OperationError::Session {
                action: OPENING_A_CHANNEL,
                ..
            }) => continue,
            _ => return,
        }
    }
}

/// Runs `command` as is (no session announcement), output discarded.
fn run_plain(
    link: &Link<'_>,
    command: &str,
    request: ExecRequest<'_>,
) -> Result<i32, OperationError> {
    let _non_blocking = NonBlocking::enter(link.session);
    let deadline = request.timeout.map(|timeout| Instant::now() + timeout);
    let waiter = Waiter::new(link.session, link.fd, deadline, None);
    let failed = |action, error: ssh2::Error| OperationError::Session {
        target: link.target.to_owned(),
        action,
        reason: error::reason(&error),
    };
    let stop = |_| OperationError::TimedOut(request.timeout.unwrap_or_default());
    let channel = waiter
        .retry(|| Channel::open(link.session))
        .map_err(stop)?
        .map_err(|error| failed(OPENING_A_CHANNEL, error))?;
    waiter
        .retry(|| channel.exec(command))
        .map_err(stop)?
        .map_err(|error| failed("starting the command", error))?;
    let mut pump = Pump::new(
        &channel,
        Input {
            parts: [&[], &[]],
            stream: None,
        },
    );
    let _ = pump.run(&waiter, &mut |_, _| {});
    let _ = waiter.retry(|| channel.close());
    Ok(channel.exit_status())
}

/// What goes to the command's standard input: fixed bytes (a long command's text, a
/// `sudo` password), then herd's own stdin when `--stdin` asks for it.
struct Input<'i> {
    parts: [&'i [u8]; 2],
    stream: Option<SpoolReader>,
}

impl Input<'_> {
    /// The bytes to send next, the same until [`consume`](Self::consume)d.
    fn chunk(&mut self) -> Chunk<'_> {
        if let Some(part) = self.parts.iter().find(|part| !part.is_empty()) {
            return Chunk::Data(part);
        }
        match &mut self.stream {
            Some(stream) => stream.chunk(),
            None => Chunk::End,
        }
    }

    fn consume(&mut self, count: usize) {
        if let Some(part) = self.parts.iter_mut().find(|part| !part.is_empty()) {
            *part = &part[count..];
        } else if let Some(stream) = &mut self.stream {
            stream.consume(count);
        }
    }

    /// Nothing more will be sent (the command stopped reading).
    fn abandon(&mut self) {
        self.parts = [&[], &[]];
        self.stream = None;
    }
}

/// Moves bytes between the channel and the caller until the output ends.
struct Pump<'c, 'i> {
    channel: &'c Channel,
    /// Stdin not yet written.
    input: Input<'i>,
    /// The last write would block after libssh2 queued its packet: only the same write
    /// call can finish it, and no other packet can be sent until it is repeated.
    write_pending: bool,
    eof_sent: bool,
    buffer: Vec<u8>,
    /// Takes the shell's session announcement out of stdout.
    stdout: SessionFilter,
}

impl<'c, 'i> Pump<'c, 'i> {
    fn new(channel: &'c Channel, input: Input<'i>) -> Pump<'c, 'i> {
        Pump {
            channel,
            input,
            write_pending: false,
            eof_sent: false,
            buffer: vec![0; READ_CHUNK],
            stdout: SessionFilter::default(),
        }
    }

    /// Runs until the server's end-of-output with no data left unread, or until the
    /// shell has exited and the output stayed quiet for [`BACKGROUND_GRACE`].
    fn run(
        &mut self,
        waiter: &Waiter<'_>,
        sink: &mut dyn FnMut(Stream, &[u8]),
    ) -> Result<End, Halt> {
        let mut quiet_since: Option<Instant> = None;
        loop {
            let wrote = self.feed()?;
            let read = self.read(sink)?;
            if self.channel.eof() {
                return Ok(End::OutputClosed);
            }
            if read {
                quiet_since = None;
            } else if self.channel.shell_exited() {
                let since = *quiet_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= BACKGROUND_GRACE {
                    return Ok(End::ShellExited);
                }
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
        let chunk = self.input.chunk();
        if chunk == Chunk::Waiting {
            return Ok(false);
        }
        if let Chunk::Data(bytes) = chunk {
            match self.channel.write(bytes) {
                Ok(written) => {
                    self.write_pending = false;
                    self.input.consume(written);
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
                    self.input.abandon();
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
                    let chunk = &self.buffer[..count];
                    match stream {
                        Stream::Stdout => self
                            .stdout
                            .filter(chunk, &mut |bytes| sink(Stream::Stdout, bytes)),
                        Stream::Stderr => sink(stream, chunk),
                    }
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
