//! A session channel driven through libssh2 directly.
//!
//! The `ssh2` crate's `Channel` cannot send a "signal" request (`process_startup`
//! refuses a channel whose command already started, and the raw pointer is private),
//! but ending a timed-out command's process group needs exactly that: OpenSSH's sshd
//! answers a "signal" request with `killpg(<session leader>, sig)`. So this wraps the
//! few libssh2 channel calls `exec` needs. Every call holds the session's mutex (the
//! one `ssh2` itself locks), and errors come back as `ssh2::Error`, with
//! `LIBSSH2_ERROR_EAGAIN` meaning "would block" on a non-blocking session.

use std::ffi::{c_char, c_int, c_uint};
use std::ptr::{self, NonNull};

use libssh2_sys as raw;
use ssh2::{Error, Session};

unsafe extern "C" {
    // In libssh2 >= 1.11 (bundled by libssh2-sys 0.3.4) but not declared by libssh2-sys.
    fn libssh2_channel_signal_ex(
        channel: *mut raw::LIBSSH2_CHANNEL,
        signame: *const c_char,
        signame_len: usize,
    ) -> c_int;
    // Declared in libssh2.h of the bundled libssh2, not by libssh2-sys.
    fn libssh2_channel_has_exit_status(channel: *mut raw::LIBSSH2_CHANNEL) -> c_int;
}

/// An open "session" channel; freed on drop.
pub(super) struct Channel {
    session: Session,
    raw: NonNull<raw::LIBSSH2_CHANNEL>,
}

// SAFETY: the channel pointer is only used while holding the session's mutex, which
// serializes every libssh2 call on this session, whichever thread makes it.
unsafe impl Send for Channel {}

impl Channel {
    /// Opens a session channel.
    pub(super) fn open(session: &Session) -> Result<Channel, Error> {
        let kind = "session";
        let mut guard = session.raw();
        let sess: *mut raw::LIBSSH2_SESSION = &mut *guard;
        // SAFETY: `sess` is the live session, locked; `kind` outlives the call.
        let channel = unsafe {
            raw::libssh2_channel_open_ex(
                sess,
                kind.as_ptr().cast(),
                kind.len() as c_uint,
                raw::LIBSSH2_CHANNEL_WINDOW_DEFAULT,
                raw::LIBSSH2_CHANNEL_PACKET_DEFAULT,
                ptr::null(),
                0,
            )
        };
        match NonNull::new(channel) {
            Some(raw) => Ok(Channel {
                session: session.clone(),
                raw,
            }),
            None => Err(Error::last_session_error_raw(sess).unwrap_or_else(Error::unknown)),
        }
    }

    /// Runs `command` through the user's shell (an "exec" request).
    pub(super) fn exec(&self, command: &str) -> Result<(), Error> {
        let request = "exec";
        self.call(|channel| {
            // SAFETY: both strings outlive the call; lengths match.
            unsafe {
                raw::libssh2_channel_process_startup(
                    channel,
                    request.as_ptr().cast(),
                    request.len() as c_uint,
                    command.as_ptr().cast(),
                    command.len() as c_uint,
                )
            }
        })
        .map(drop)
    }

    /// Reads from stream 0 (stdout) or 1 (stderr); `Ok(0)` at end of that stream.
    pub(super) fn read(&self, stream: c_int, buffer: &mut [u8]) -> Result<usize, Error> {
        self.call_len(|channel| {
            // SAFETY: the buffer is valid for writes of its length.
            unsafe {
                raw::libssh2_channel_read_ex(
                    channel,
                    stream,
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                )
            }
        })
    }

    /// Writes to the command's stdin; may write less than given.
    pub(super) fn write(&self, data: &[u8]) -> Result<usize, Error> {
        self.call_len(|channel| {
            // SAFETY: the data is valid for reads of its length.
            unsafe { raw::libssh2_channel_write_ex(channel, 0, data.as_ptr().cast(), data.len()) }
        })
    }

    /// How many bytes the server's window lets us send now.
    pub(super) fn write_window(&self) -> u32 {
        let _guard = self.session.raw();
        // SAFETY: live channel, session locked; libssh2 allows null for the initial
        // window output.
        let window =
            unsafe { raw::libssh2_channel_window_write_ex(self.raw.as_ptr(), ptr::null_mut()) };
        u32::try_from(window).unwrap_or(u32::MAX)
    }

    /// Tells the command its stdin ended.
    pub(super) fn send_eof(&self) -> Result<(), Error> {
        // SAFETY: a live channel.
        self.call(|channel| unsafe { raw::libssh2_channel_send_eof(channel) })
            .map(drop)
    }

    /// Whether the server said the command's output ended.
    pub(super) fn eof(&self) -> bool {
        // SAFETY: a live channel.
        matches!(
            self.call(|channel| unsafe { raw::libssh2_channel_eof(channel) }),
            Ok(1)
        )
    }

    /// Sends a "signal" request (`name` without "SIG", e.g. "TERM").
    pub(super) fn signal(&self, name: &str) -> Result<(), Error> {
        self.call(|channel| {
            // SAFETY: the name outlives the call; length matches.
            unsafe { libssh2_channel_signal_ex(channel, name.as_ptr().cast(), name.len()) }
        })
        .map(drop)
    }

    /// Sends our close.
    pub(super) fn close(&self) -> Result<(), Error> {
        // SAFETY: a live channel.
        self.call(|channel| unsafe { raw::libssh2_channel_close(channel) })
            .map(drop)
    }

    /// Waits for the server's close (after which the exit status is final).
    pub(super) fn wait_closed(&self) -> Result<(), Error> {
        // SAFETY: a live channel.
        self.call(|channel| unsafe { raw::libssh2_channel_wait_closed(channel) })
            .map(drop)
    }

    /// The exit status the server reported (0 if it reported none).
    pub(super) fn exit_status(&self) -> c_int {
        // SAFETY: a live channel.
        self.call(|channel| unsafe { raw::libssh2_channel_get_exit_status(channel) })
            .unwrap_or(0)
    }

    /// Whether the server reported how the command's shell ended (an exit status or the
    /// signal that killed it): it has exited, though what it left running may still
    /// hold the channel's output open.
    pub(super) fn shell_exited(&self) -> bool {
        // SAFETY: a live channel.
        let status = self.call(|channel| unsafe { libssh2_channel_has_exit_status(channel) });
        status.is_ok_and(|received| received != 0) || self.exit_signal().is_some()
    }

    /// The signal that ended the command ("TERM", "KILL", …), if one did.
    pub(super) fn exit_signal(&self) -> Option<String> {
        let mut guard = self.session.raw();
        let sess: *mut raw::LIBSSH2_SESSION = &mut *guard;
        let mut name: *mut c_char = ptr::null_mut();
        let mut length = 0;
        // SAFETY: live channel, session locked; libssh2 allows null for the message and
        // language outputs; it allocates `name` with the session's allocator.
        let rc = unsafe {
            raw::libssh2_channel_get_exit_signal(
                self.raw.as_ptr(),
                &mut name,
                &mut length,
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if rc != 0 || name.is_null() {
            return None;
        }
        // SAFETY: libssh2 returned `length` bytes at `name`; we free it with the
        // session's allocator right after copying.
        let signal = unsafe {
            let text =
                String::from_utf8_lossy(std::slice::from_raw_parts(name.cast::<u8>(), length))
                    .into_owned();
            raw::libssh2_free(sess, name.cast());
            text
        };
        Some(signal)
    }

    /// Calls `f` with the channel while holding the session lock; a negative result
    /// becomes the session's error for that code.
    fn call(&self, f: impl FnOnce(*mut raw::LIBSSH2_CHANNEL) -> c_int) -> Result<c_int, Error> {
        let mut guard = self.session.raw();
        let sess: *mut raw::LIBSSH2_SESSION = &mut *guard;
        let rc = f(self.raw.as_ptr());
        if rc < 0 {
            Err(Error::from_session_error_raw(sess, rc))
        } else {
            Ok(rc)
        }
    }

    fn call_len(&self, f: impl FnOnce(*mut raw::LIBSSH2_CHANNEL) -> isize) -> Result<usize, Error> {
        let mut guard = self.session.raw();
        let sess: *mut raw::LIBSSH2_SESSION = &mut *guard;
        let rc = f(self.raw.as_ptr());
        usize::try_from(rc).map_err(|_| {
            Error::from_session_error_raw(
                sess,
                c_int::try_from(rc).unwrap_or(raw::LIBSSH2_ERROR_SOCKET_RECV),
            )
        })
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        let _guard = self.session.raw();
        // SAFETY: the channel is live and never used again. On a non-blocking session
        // this may not finish freeing; libssh2 then frees it with the session.
        unsafe {
            raw::libssh2_channel_free(self.raw.as_ptr());
        }
    }
}
