//! The open-files limit: every held SSH session is a socket, so herd raises its soft
//! `RLIMIT_NOFILE` to the hard limit at start, as OpenSSH's and Go's runtimes do.

use std::io;

/// Raises the soft open-files limit to the hard limit. Returns the limits before and
/// after (`soft`, `hard`); errors with the limits and the reason when the kernel refuses.
pub fn raise_open_files() -> Result<(libc::rlim_t, libc::rlim_t), String> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(format!(
            "cannot read the open-files limit: {}",
            io::Error::last_os_error()
        ));
    }
    let (soft, hard) = (limit.rlim_cur, limit.rlim_max);
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

#[cfg(test)]
mod tests {
    use super::raise_open_files;

    #[test]
    fn the_soft_limit_ends_at_the_hard_limit() {
        let (soft, hard) = raise_open_files().expect("raise");
        assert_eq!(soft, hard);
        // A second call has nothing to do.
        assert_eq!(raise_open_files(), Ok((hard, hard)));
    }
}
