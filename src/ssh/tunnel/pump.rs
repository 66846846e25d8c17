//! The thread that owns one session to a jump host: it opens the `direct-tcpip`
//! channels hosts ask for, one at a time (libssh2 allows no more per session), and moves
//! bytes both ways between each channel and the socket pair its host's session runs on.
//!
//! The session is non-blocking and touched by this thread only. One `poll(2)` waits on
//! the jump host's socket, the waker and every socket pair; a pass over the channels
//! follows each wake-up, and passes repeat while any of them moves a byte, so data
//! libssh2 has already read off the socket for another channel is never left waiting.
//! libssh2 lets a half-sent packet block other sends on the session (they return
//! EAGAIN) until the same call is repeated, which every pass does: unsent bytes stay
//! in their buffer, unchanged, until a write takes them.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, TryRecvError};
use ssh2::{BlockDirections, Channel, Session};

use super::OpenRequest;
use crate::ssh::connect::Established;
use crate::ssh::error::connection_lost;
use crate::ssh::socket;
use crate::ssh::wait::would_block;

/// Bytes buffered per direction per channel.
const BUFFER: usize = 64 * 1024;
/// The longest a quiet pump sleeps before looking again (keepalives, lost wake-ups).
const IDLE_WAIT: Duration = Duration::from_secs(1);
/// Keepalive interval towards the jump host while channels are quiet.
const KEEPALIVE: u32 = 30;

/// Starts the pump thread for `established`.
pub(super) fn start(
    established: Established,
    requests: Receiver<OpenRequest>,
    woken: UnixStream,
    queued: Arc<AtomicUsize>,
    alive: Arc<AtomicBool>,
) -> io::Result<()> {
    woken.set_nonblocking(true)?;
    thread::Builder::new()
        .name("herd-jump".into())
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut pump = Pump {
                established,
                requests,
                woken,
                queued,
                opening: None,
                links: Vec::new(),
                accepting: true,
            };
            pump.run();
            alive.store(false, Ordering::SeqCst);
        })?;
    Ok(())
}

struct Pump {
    established: Established,
    requests: Receiver<OpenRequest>,
    woken: UnixStream,
    queued: Arc<AtomicUsize>,
    /// The channel open in progress.
    opening: Option<OpenRequest>,
    links: Vec<Link>,
    /// Cleared when every requester is gone: the pump ends with its last channel.
    accepting: bool,
}

/// One host's channel and its end of the socket pair.
struct Link {
    channel: Channel,
    local: UnixStream,
    /// Bytes from the host's session, not yet written to the channel.
    up: Buffer,
    /// Bytes from the channel, not yet written to the host's session.
    down: Buffer,
    /// The jump host sent EOF: the local side is shut for writing once `down` is empty.
    remote_eof: bool,
    /// The host's session closed its end: the channel is closed.
    closing: bool,
}

/// What moving bytes on one link came to.
#[derive(PartialEq, Eq)]
enum Step {
    Idle,
    Progress,
    Finished,
}

impl Pump {
    fn session(&self) -> &Session {
        &self.established.session
    }

    fn run(&mut self) {
        self.session().set_blocking(false);
        self.session().set_keepalive(false, KEEPALIVE);
        loop {
            let mut progress = self.drain_waker();
            progress |= self.next_open();
            match self.advance_open() {
                Ok(moved) => progress |= moved,
                Err(()) => return,
            }
            let mut lost = false;
            let mut index = 0;
            while index < self.links.len() {
                match self.links[index].step() {
                    Ok(Step::Finished) => {
                        self.links.swap_remove(index);
                        progress = true;
                        continue;
                    }
                    Ok(Step::Progress) => progress = true,
                    Ok(Step::Idle) => {}
                    Err(LinkError::Session) => lost = true,
                    Err(LinkError::Link) => {
                        self.links[index].closing = true;
                        progress = true;
                    }
                }
                index += 1;
            }
            if lost {
                return;
            }
            if !self.accepting && self.opening.is_none() && self.links.is_empty() {
                return;
            }
            if !progress {
                let _ = self.session().keepalive_send();
                self.wait();
            }
        }
    }

    fn drain_waker(&mut self) -> bool {
        let mut buffer = [0u8; 64];
        let mut any = false;
        while let Ok(n) = self.woken.read(&mut buffer) {
            if n == 0 {
                break;
            }
            any = true;
        }
        any
    }

    /// Takes the next request when no open is in progress.
    fn next_open(&mut self) -> bool {
        if self.opening.is_some() || !self.accepting {
            return false;
        }
        match self.requests.try_recv() {
            Ok(request) => {
                self.opening = Some(request);
                true
            }
            Err(TryRecvError::Empty) => false,
            Err(TryRecvError::Disconnected) => {
                self.accepting = false;
                true
            }
        }
    }

    /// Moves the open in progress on; `Err` when the session to the jump host is gone.
    fn advance_open(&mut self) -> Result<bool, ()> {
        let Some(request) = &self.opening else {
            return Ok(false);
        };
        let result = self
            .session()
            .channel_direct_tcpip(&request.address, request.port, None);
        match result {
            Err(error) if would_block(&error) => Ok(false),
            Err(error) if connection_lost(&error) => {
                let _ = request.reply.send(Err(error.message().to_owned()));
                self.finish_open();
                Err(())
            }
            Err(error) => {
                let _ = request.reply.send(Err(error.message().to_owned()));
                self.finish_open();
                Ok(true)
            }
            Ok(channel) => {
                let reply = request.reply.clone();
                self.finish_open();
                match UnixStream::pair().and_then(|(ours, theirs)| {
                    ours.set_nonblocking(true)?;
                    Ok((ours, theirs))
                }) {
                    Ok((ours, theirs)) => {
                        // A host that gave up waiting (timeout, Ctrl-C) no longer
                        // listens: its channel is dropped, which closes it.
                        if reply.send(Ok(theirs)).is_ok() {
                            self.links.push(Link::new(channel, ours));
                        }
                    }
                    Err(error) => {
                        let _ = reply.send(Err(format!("cannot make a socket pair: {error}")));
                    }
                }
                Ok(true)
            }
        }
    }

    fn finish_open(&mut self) {
        self.opening = None;
        self.queued.fetch_sub(1, Ordering::SeqCst);
    }

    /// Sleeps until the jump host's socket, the waker or a socket pair needs us.
    fn wait(&self) {
        let mut fds = Vec::with_capacity(self.links.len() + 2);
        let session_events = match self.session().block_directions() {
            BlockDirections::Outbound | BlockDirections::Both => libc::POLLIN | libc::POLLOUT,
            BlockDirections::Inbound | BlockDirections::None => libc::POLLIN,
        };
        fds.push(poll_fd(self.established.fd, session_events));
        socket::acknowledge_at_once(self.established.fd);
        fds.push(poll_fd(self.woken.as_raw_fd(), libc::POLLIN));
        for link in &self.links {
            let mut events = 0;
            if link.up.is_empty() && !link.closing {
                events |= libc::POLLIN;
            }
            if !link.down.is_empty() {
                events |= libc::POLLOUT;
            }
            fds.push(poll_fd(link.local.as_raw_fd(), events));
        }
        // SAFETY: `fds` is a valid array of `fds.len()` pollfds for the whole call;
        // an error (EINTR) only means "look again".
        unsafe {
            libc::poll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                IDLE_WAIT.as_millis() as libc::c_int,
            );
        }
    }
}

fn poll_fd(fd: RawFd, events: libc::c_short) -> libc::pollfd {
    libc::pollfd {
        fd,
        events,
        revents: 0,
    }
}

/// Why a link stopped: its own channel failed, or the whole session did.
enum LinkError {
    Link,
    Session,
}

impl Link {
    fn new(channel: Channel, local: UnixStream) -> Link {
        Link {
            channel,
            local,
            up: Buffer::default(),
            down: Buffer::default(),
            remote_eof: false,
            closing: false,
        }
    }

    /// Moves what can be moved without blocking, both ways.
    fn step(&mut self) -> Result<Step, LinkError> {
        if self.closing {
            return match self.channel.close() {
                Err(error) if would_block(&error) => Ok(Step::Idle),
                Err(error) if connection_lost(&error) => Err(LinkError::Session),
                _ => Ok(Step::Finished),
            };
        }
        let mut progress = false;
        // Jump host → host's session.
        if self.down.is_empty() && !self.remote_eof {
            match self.down.fill_from(&mut self.channel) {
                Ok(0) => {
                    self.remote_eof = true;
                    progress = true;
                }
                Ok(_) => progress = true,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) => return Err(classify(&error)),
            }
        }
        match self.down.drain_into(&mut self.local) {
            Ok(0) => {}
            Ok(_) => progress = true,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            // The host's session is gone.
            Err(_) => return Err(LinkError::Link),
        }
        if self.remote_eof && self.down.is_empty() {
            // The server side ended: let the host's session see the end, and close.
            let _ = self.local.shutdown(Shutdown::Write);
            self.closing = true;
            return Ok(Step::Progress);
        }
        // Host's session → jump host.
        if self.up.is_empty() {
            match self.up.fill_from(&mut self.local) {
                Ok(0) => {
                    // The host's session closed its end: nothing more will come.
                    self.closing = true;
                    return Ok(Step::Progress);
                }
                Ok(_) => progress = true,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return Err(LinkError::Link),
            }
        }
        match self.up.drain_into(&mut self.channel) {
            Ok(0) => {}
            Ok(_) => progress = true,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(classify(&error)),
        }
        Ok(if progress { Step::Progress } else { Step::Idle })
    }
}

/// Whether a channel's I/O error means the whole session to the jump host is gone.
fn classify(error: &io::Error) -> LinkError {
    let lost = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<ssh2::Error>())
        .is_some_and(connection_lost);
    if lost || error.kind() == io::ErrorKind::ConnectionAborted {
        LinkError::Session
    } else {
        LinkError::Link
    }
}

/// Bytes read and not yet written.
#[derive(Default)]
struct Buffer {
    bytes: Vec<u8>,
    start: usize,
}

impl Buffer {
    fn is_empty(&self) -> bool {
        self.start >= self.bytes.len()
    }

    /// One read into the (empty) buffer.
    fn fill_from(&mut self, source: &mut impl Read) -> io::Result<usize> {
        self.bytes.resize(BUFFER, 0);
        self.start = 0;
        match source.read(&mut self.bytes) {
            Ok(n) => {
                self.bytes.truncate(n);
                Ok(n)
            }
            Err(error) => {
                self.bytes.clear();
                Err(error)
            }
        }
    }

    /// Writes as much as the sink takes; the rest stays for the next pass, unchanged.
    fn drain_into(&mut self, sink: &mut impl Write) -> io::Result<usize> {
        let mut written = 0;
        while !self.is_empty() {
            let n = sink.write(&self.bytes[self.start..])?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            self.start += n;
            written += n;
        }
        self.bytes.clear();
        self.start = 0;
        Ok(written)
    }
}
