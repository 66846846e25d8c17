//! The open-files limit, and how many file descriptors a run may spend on hosts. Every
//! connection is a socket, so herd raises its soft `RLIMIT_NOFILE` to the hard limit at
//! start ([`raise_open_files`], as OpenSSH's and Go's runtimes do); a run then spends the
//! limit less a reserve for everything else, split between the forks' connections, hosts
//! dialing beside them, and sessions a playbook holds.

use std::io;

/// File descriptors kept free for everything else (files, pipes, the terminal).
pub(crate) const RESERVED: usize = 64;

/// The open-files limits now: (soft, hard).
fn limits() -> io::Result<(libc::rlim_t, libc::rlim_t)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((limit.rlim_cur, limit.rlim_max))
}

/// Raises the soft open-files limit to the hard limit. Returns the limits before and
/// after (`soft`, `hard`); errors with the limits and the reason when the kernel refuses.
pub fn raise_open_files() -> Result<(libc::rlim_t, libc::rlim_t), String> {
    let (soft, hard) =
        limits().map_err(|error| format!("cannot read the open-files limit: {error}"))?;
    if soft >= hard {
        return Ok((soft, hard));
    }
    let raised = libc::rlimit {
        rlim_cur: hard,
        rlim_max: hard,
    };
    // SAFETY: setrlimit reads the struct we own; raising soft up to hard is always allowed
    // on Linux, and refused (EINVAL) on systems whose hard limit is "unlimited".
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
        return Err(format!(
            "cannot raise the open-files limit from {soft} to {}: {}; a run holding more \
             connections than that can fail with \"Too many open files\" (raise it with ulimit -n)",
            show(hard),
            io::Error::last_os_error()
        ));
    }
    Ok((hard, hard))
}

fn show(limit: libc::rlim_t) -> String {
    if limit == libc::RLIM_INFINITY {
        "unlimited".into()
    } else {
        limit.to_string()
    }
}

/// The soft open-files limit now (1024 if it cannot be read).
pub(crate) fn open_files_limit() -> usize {
    limits().map_or(1024, |(soft, _)| {
        usize::try_from(soft).unwrap_or(usize::MAX)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_ends_at_the_hard_limit() {
        let (soft, hard) = raise_open_files().expect("raise");
        assert_eq!(soft, hard);
        // A second call has nothing to do.
        assert_eq!(raise_open_files(), Ok((hard, hard)));
        assert_eq!(
            open_files_limit(),
            usize::try_from(hard).unwrap_or(usize::MAX)
        );
    }
}
