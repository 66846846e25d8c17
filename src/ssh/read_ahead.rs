//! The server's identification line in two reads instead of one a byte.
//!
//! libssh2 reads the lines a server sends before the key exchange (its `SSH-2.0-…`
//! banner, and any line before it) one byte per `recv(2)`, since it must not read past a
//! line's end: about fifty system calls per login, the most of any kind herd makes
//! (strace, bench scenario 1). While a handshake runs, [`LineReads`] gives libssh2 a
//! receive function that, asked for one byte, looks at what has arrived (`MSG_PEEK`),
//! takes the whole line if its end is there, and serves the line's bytes from memory.
//! It never takes a byte past the line's end, so what libssh2 reads next (the server's
//! KEXINIT, in larger reads) still comes from the socket; any other read goes to the
//! socket as libssh2's own function would.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::{c_int, c_void};
use std::os::fd::RawFd;

use libssh2_sys as raw;
use ssh2::Session;

/// libssh2.h's `LIBSSH2_CALLBACK_RECV`.
const CALLBACK_RECV: c_int = 6;
/// The longest line looked for; a longer one is read a byte at a time, as libssh2 does.
const LONGEST_LINE: usize = 512;

unsafe extern "C" {
    /// Sets one of a session's callbacks, returning the one it replaces (in libssh2.h;
    /// not bound by libssh2-sys 0.3).
    fn libssh2_session_callback_set2(
        session: *mut raw::LIBSSH2_SESSION,
        cbtype: c_int,
        callback: Option<GenericCallback>,
    ) -> Option<GenericCallback>;
}

type GenericCallback = unsafe extern "C" fn();

type RecvCallback = unsafe extern "C" fn(
    socket: c_int,
    buffer: *mut c_void,
    length: libc::size_t,
    flags: c_int,
    abstract_: *mut *mut c_void,
) -> libc::ssize_t;

thread_local! {
    /// The rest of a line taken for libssh2 on this thread, and the socket it came from.
    static LINE: RefCell<(RawFd, VecDeque<u8>)> = const { RefCell::new((-1, VecDeque::new())) };
}

/// While alive, `session`'s one-byte reads are served a line at a time (see the module
/// docs). Make it on the thread that runs the handshake, and drop it when the handshake
/// is over: the session then reads as libssh2 does.
pub(super) struct LineReads<'s> {
    session: &'s Session,
    replaced: Option<GenericCallback>,
}

impl<'s> LineReads<'s> {
    /// Installs the line reader on `session`.
    pub(super) fn install(session: &'s Session) -> LineReads<'s> {
        let callback: RecvCallback = receive;
        // SAFETY: a live session, locked for the call; the callback has the signature
        // libssh2 calls a LIBSSH2_CALLBACK_RECV with (cast to the generic type it takes).
        let replaced = unsafe {
            let mut locked = session.raw();
            libssh2_session_callback_set2(
                &mut *locked,
                CALLBACK_RECV,
                Some(std::mem::transmute::<RecvCallback, GenericCallback>(
                    callback,
                )),
            )
        };
        LineReads { session, replaced }
    }
}

impl Drop for LineReads<'_> {
    fn drop(&mut self) {
        // SAFETY: puts back the callback `install` replaced, on the same live session.
        unsafe {
            let mut locked = self.session.raw();
            libssh2_session_callback_set2(&mut *locked, CALLBACK_RECV, self.replaced);
        }
        LINE.with_borrow_mut(|(fd, rest)| {
            *fd = -1;
            rest.clear();
        });
    }
}

/// The receive callback: one byte of the line taken ahead when libssh2 asks for one
/// byte, else a plain `recv`. Returns a count, or `-errno` (`-EAGAIN` to try again), as
/// libssh2's own function does.
unsafe extern "C" fn receive(
    socket: c_int,
    buffer: *mut c_void,
    length: libc::size_t,
    flags: c_int,
    _abstract: *mut *mut c_void,
) -> libc::ssize_t {
    if length == 1 {
        let byte = LINE.with_borrow_mut(|(fd, rest)| {
            if *fd != socket || rest.is_empty() {
                *fd = socket;
                *rest = take_line(socket, flags);
            }
            rest.pop_front()
        });
        if let Some(byte) = byte {
            // SAFETY: libssh2 passes a buffer of at least `length` (1) bytes.
            unsafe { *buffer.cast::<u8>() = byte };
            return 1;
        }
    }
    // SAFETY: libssh2's buffer of `length` bytes.
    let received = unsafe { libc::recv(socket, buffer, length, flags) };
    if received >= 0 {
        return received;
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::EINTR | libc::EAGAIN | libc::ENOENT) | None => -(libc::EAGAIN as libc::ssize_t),
        Some(errno) => -(errno as libc::ssize_t),
    }
}

/// The next line on `socket`, newline included, if all of it has arrived (and is at
/// most [`LONGEST_LINE`] long); else nothing is taken.
fn take_line(socket: c_int, flags: c_int) -> VecDeque<u8> {
    let mut ahead = [0u8; LONGEST_LINE];
    // SAFETY: a buffer of its own length; MSG_PEEK leaves the bytes in the socket.
    let seen = unsafe {
        libc::recv(
            socket,
            ahead.as_mut_ptr().cast(),
            ahead.len(),
            flags | libc::MSG_PEEK,
        )
    };
    let Ok(seen) = usize::try_from(seen) else {
        return VecDeque::new();
    };
    let Some(end) = ahead[..seen].iter().position(|&b| b == b'\n') else {
        return VecDeque::new();
    };
    // SAFETY: the same buffer; the line's bytes are there, so this does not block.
    let taken = unsafe { libc::recv(socket, ahead.as_mut_ptr().cast(), end + 1, flags) };
    match usize::try_from(taken) {
        Ok(taken) => ahead[..taken].iter().copied().collect(),
        Err(_) => VecDeque::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    fn read_one(socket: &UnixStream) -> Option<u8> {
        let mut byte = 0u8;
        // SAFETY: a one-byte buffer.
        let got = unsafe {
            receive(
                socket.as_raw_fd(),
                (&raw mut byte).cast(),
                1,
                0,
                std::ptr::null_mut(),
            )
        };
        (got == 1).then_some(byte)
    }

    #[test]
    fn a_line_is_served_a_byte_at_a_time_and_nothing_past_it_is_taken() {
        let (mut server, client) = UnixStream::pair().unwrap();
        server
            .write_all(b"hello\r\nSSH-2.0-x\r\n\x00\x00packet")
            .unwrap();
        let mut lines = Vec::new();
        for _ in 0.."hello\r\nSSH-2.0-x\r\n".len() {
            lines.push(read_one(&client).unwrap());
        }
        assert_eq!(lines, b"hello\r\nSSH-2.0-x\r\n");
        // The packet after the lines is still in the socket, for a large read.
        let mut rest = [0u8; 64];
        // SAFETY: a buffer of its own length.
        let got = unsafe {
            receive(
                client.as_raw_fd(),
                rest.as_mut_ptr().cast(),
                rest.len(),
                0,
                std::ptr::null_mut(),
            )
        };
        assert_eq!(&rest[..got as usize], b"\x00\x00packet");
    }

    #[test]
    fn an_unfinished_line_is_read_as_it_comes() {
        let (mut server, client) = UnixStream::pair().unwrap();
        client.set_nonblocking(true).unwrap();
        server.write_all(b"SS").unwrap();
        assert_eq!(read_one(&client), Some(b'S'));
        assert_eq!(read_one(&client), Some(b'S'));
        // Nothing more yet: would block.
        assert_eq!(read_one(&client), None);
        server.write_all(b"H\n").unwrap();
        assert_eq!(read_one(&client), Some(b'H'));
        assert_eq!(read_one(&client), Some(b'\n'));
        LINE.with_borrow_mut(|(_, rest)| assert!(rest.is_empty()));
    }
}
