//! How many file descriptors a run may spend on hosts: the open-files limit (already
//! raised to the hard limit by the CLI) less a reserve for everything else, split between
//! the forks' connections, hosts dialing beside them, and sessions a playbook holds.

/// File descriptors kept free for everything else (files, pipes, the terminal).
pub(crate) const RESERVED: usize = 64;

/// The soft open-files limit now (1024 if it cannot be read).
pub(crate) fn open_files_limit() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
    } else {
        1024
    }
}

/// Most hosts dialing at once (TCP connect and the server's banner), besides the forks.
pub(crate) const MAX_DIALING: usize = 256;

/// Descriptors left for hosts once `forks` connected hosts have theirs.
fn beyond_forks(forks: usize) -> usize {
    open_files_limit().saturating_sub(RESERVED + forks)
}

/// Descriptors for hosts dialing beside `forks`: a quarter of what the forks leave, at
/// most [`MAX_DIALING`].
pub(crate) fn for_dialing(forks: usize) -> usize {
    (beyond_forks(forks) / 4).min(MAX_DIALING)
}

/// Descriptors for sessions a playbook holds between steps: what the forks and the
/// dialing leave.
pub(crate) fn for_held_sessions(forks: usize) -> usize {
    beyond_forks(forks) - for_dialing(forks)
}
