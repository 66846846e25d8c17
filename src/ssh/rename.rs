//! Replacing an existing remote file atomically.
//!
//! OpenSSH's sftp-server speaks SFTP version 3, whose RENAME carries no flags and is
//! done as link()+unlink(): it fails when the target exists. The
//! `posix-rename@openssh.com` extension is a plain rename(2), which replaces the target
//! atomically. libssh2 implements it (`libssh2_sftp_posix_rename_ex`) but the `ssh2`
//! crate neither exposes it nor the raw SFTP handle, so this opens a second, raw SFTP
//! handle on the same session, used only for such renames.

use std::ffi::{c_char, c_int};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr::NonNull;

use libssh2_sys as raw;
use ssh2::{Error, ErrorCode, Session};

unsafe extern "C" {
    // In libssh2 >= 1.11 (bundled by libssh2-sys 0.3.4) but not declared by libssh2-sys.
    fn libssh2_sftp_posix_rename_ex(
        sftp: *mut raw::LIBSSH2_SFTP,
        source: *const c_char,
        source_len: usize,
        destination: *const c_char,
        destination_len: usize,
    ) -> c_int;
}

/// An SFTP handle that can rename over an existing file; shut down on drop.
pub(super) struct PosixRename {
    session: Session,
    sftp: NonNull<raw::LIBSSH2_SFTP>,
}

// SAFETY: the handle is only used while holding the session's mutex, which serializes
// every libssh2 call on this session, whichever thread makes it.
unsafe impl Send for PosixRename {}

impl PosixRename {
    /// Starts the extra SFTP subsystem (on a blocking session).
    pub(super) fn start(session: &Session) -> Result<PosixRename, Error> {
        let mut guard = session.raw();
        let sess: *mut raw::LIBSSH2_SESSION = &mut *guard;
        // SAFETY: the live session, locked.
        let sftp = unsafe { raw::libssh2_sftp_init(sess) };
        match NonNull::new(sftp) {
            Some(sftp) => Ok(PosixRename {
                session: session.clone(),
                sftp,
            }),
            None => Err(Error::last_session_error_raw(sess).unwrap_or_else(Error::unknown)),
        }
    }

    /// rename(2) on the server: `destination` is replaced atomically if it exists.
    /// A server without the extension fails with SFTP status 8 (operation unsupported).
    pub(super) fn rename(&self, source: &Path, destination: &Path) -> Result<(), Error> {
        let (source, destination) = (
            source.as_os_str().as_bytes(),
            destination.as_os_str().as_bytes(),
        );
        let mut guard = self.session.raw();
        let sess: *mut raw::LIBSSH2_SESSION = &mut *guard;
        // SAFETY: live handle, session locked, both paths valid for their lengths.
        let rc = unsafe {
            libssh2_sftp_posix_rename_ex(
                self.sftp.as_ptr(),
                source.as_ptr().cast(),
                source.len(),
                destination.as_ptr().cast(),
                destination.len(),
            )
        };
        match rc {
            0 => Ok(()),
            raw::LIBSSH2_ERROR_SFTP_PROTOCOL => {
                // SAFETY: live handle, session locked.
                let status = unsafe { raw::libssh2_sftp_last_error(self.sftp.as_ptr()) };
                Err(Error::from_errno(ErrorCode::SFTP(status as c_int)))
            }
            rc => Err(Error::from_session_error_raw(sess, rc)),
        }
    }
}

impl Drop for PosixRename {
    fn drop(&mut self) {
        let _guard = self.session.raw();
        // SAFETY: live handle, never used again, session locked.
        unsafe {
            raw::libssh2_sftp_shutdown(self.sftp.as_ptr());
        }
    }
}
