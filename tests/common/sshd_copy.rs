//! A second copy of a lab host's sshd (same address, config and host key, plus options
//! of the test's own) in a network namespace of its own, with a command run beside it:
//! for tests that need the server's debug log or must cut the network, without
//! touching the lab's servers.

use std::path::{Path, PathBuf};

/// Where the copy writes its pid and its log. Dropping it stops the copy, which runs
/// detached and would otherwise outlive the test and its namespace.
pub struct SshdCopy {
    /// sshd's pid file; it exists once the port is bound.
    pid_file: PathBuf,
    /// sshd's log (`-E`): every connection's processes append to it.
    log: PathBuf,
}

impl SshdCopy {
    /// A copy whose files go in `dir`.
    pub fn in_dir(dir: &Path) -> SshdCopy {
        SshdCopy {
            pid_file: dir.join("sshd-copy.pid"),
            log: dir.join("sshd-copy.log"),
        }
    }

    /// `unshare --net` running a copy of lab host `host`'s sshd with `sshd_options`
    /// (words without spaces, such as `-o` and `LogLevel=VERBOSE`), then `program args…`
    /// in the same namespace once the copy listens.
    pub fn beside(
        &self,
        host: &str,
        sshd_options: &[&str],
        program: &Path,
        args: &[&str],
    ) -> std::process::Command {
        let host_dir = super::lab_dir().join("state/hosts").join(host);
        let mut cmd = std::process::Command::new("unshare");
        cmd.args(["--net", "sh", "-c"])
            .arg(concat!(
                // $4 is split into words on purpose: sshd's own options, none with spaces.
                r#"ip link set lo up && /usr/sbin/sshd -f "$1" -o PidFile="$2" -E "$3" $4 || exit 1; "#,
                // sshd forks into the background before it binds its port, and writes
                // its pid file only once the port is bound: wait for that file.
                r#"tries=0; until [ -s "$2" ]; do "#,
                r#"tries=$((tries + 1)); [ $tries -le 200 ] || { echo "sshd never bound; see $3" >&2; exit 1; }; "#,
                r#"sleep 0.05; done; "#,
                r#"shift 4 && exec "$@""#
            ))
            .arg("sh")
            .arg(host_dir.join("sshd_config"))
            .arg(&self.pid_file)
            .arg(&self.log)
            .arg(sshd_options.join(" "))
            .arg(program)
            .args(args);
        cmd
    }

    /// The copy's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for SshdCopy {
    fn drop(&mut self) {
        let pid = std::fs::read_to_string(&self.pid_file)
            .ok()
            .and_then(|text| text.trim().parse::<libc::pid_t>().ok());
        if let Some(pid) = pid {
            // SAFETY: kill(2) takes plain integers; the pid is the copy's listener.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
    }
}
