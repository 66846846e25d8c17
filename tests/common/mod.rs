//! Shared helpers for integration tests: they drive the real binaries against the lab's
//! real OpenSSH servers (`lab/lab.sh up`), never a mock.
#![allow(dead_code)] // each test binary uses its own subset of these helpers

pub mod play;
pub mod rng;
pub mod sshd_copy;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

/// The lab's hosts: name, address, port, user.
pub const LAB_HOSTS: [(&str, &str, u16, &str); 4] = [
    ("h1", "127.0.0.11", 22, "herd_alice"),
    ("h2", "127.0.0.12", 2222, "herd_bob"),
    ("h3", "127.0.0.13", 22, "herd_carol"),
    ("h4", "127.0.0.14", 2223, "herd_dave"),
];

/// A test's view of the lab: a private HOME (so `~/.ssh/known_hosts` is the test's own)
/// and the lab inventory as the default inventory.
pub struct Lab {
    home: TempDir,
    pub work: TempDir,
}

impl Lab {
    /// Checks the lab answers; panics with what to do when it does not.
    pub fn new() -> Lab {
        let inventory = lab_dir().join("inventory.ini");
        assert!(
            inventory.exists(),
            "lab not up: {} is missing; run lab/lab.sh up (as root)",
            inventory.display()
        );
        for (name, address, port, _) in LAB_HOSTS {
            let addr = format!("{address}:{port}").parse().unwrap();
            TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap_or_else(|e| {
                panic!("lab host {name} ({address}:{port}) does not answer: {e}; run lab/lab.sh up")
            });
        }
        Lab {
            home: TempDir::new().unwrap(),
            work: TempDir::new().unwrap(),
        }
    }

    /// One of herd's binaries as a std command (for spawning), run in the test's work dir
    /// with the lab as default inventory.
    pub fn std_cmd(&self, binary: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin(binary));
        self.set_up(&mut cmd);
        cmd
    }

    /// Gives `cmd` the test's work dir, HOME and the lab as default inventory.
    pub fn set_up(&self, cmd: &mut std::process::Command) {
        cmd.current_dir(self.work.path())
            .env("HOME", self.home.path())
            .env("HERD_INVENTORY", lab_dir().join("inventory.ini"))
            .env("NO_COLOR", "1")
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("CLICOLOR_FORCE");
    }

    /// One of herd's binaries, as [`Lab::std_cmd`], with a generous time limit.
    pub fn cmd(&self, binary: &str) -> Command {
        let mut cmd = Command::from_std(self.std_cmd(binary));
        cmd.timeout(Duration::from_secs(180));
        cmd
    }

    /// `herd` with the given arguments.
    pub fn herd(&self, args: &[&str]) -> Command {
        let mut cmd = self.cmd("herd");
        cmd.args(args);
        cmd
    }

    /// Writes the lab inventory, changed by `edit`, into the work dir (mode 0600: it
    /// holds passwords); returns its path.
    pub fn inventory_with(&self, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
        let text = std::fs::read_to_string(lab_dir().join("inventory.ini")).unwrap();
        let path = self.work.path().join(name);
        write_private(&path, &edit(&text));
        path
    }

    /// The test's known_hosts file (`$HOME/.ssh/known_hosts`).
    pub fn known_hosts(&self) -> PathBuf {
        self.home.path().join(".ssh/known_hosts")
    }
}

/// Writes `text` to the file at `path`, created readable by its owner only.
pub fn write_private(path: &Path, text: &str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// The repo's lab directory.
pub fn lab_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lab")
}

/// A program of the Ansible oracle (`ansible-inventory`, `ansible`, `ansible-vault`), from the
/// venv `scripts/oracles.sh` makes (`target/oracles/venv`, or `$HERD_ORACLE_VENV`); panics with
/// what to do when it is missing, so a differential test never passes without its oracle.
pub fn ansible_oracle(program: &str) -> PathBuf {
    let venv = std::env::var_os("HERD_ORACLE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/oracles/venv"));
    let path = venv.join("bin").join(program);
    assert!(
        path.is_file(),
        "the Ansible oracle {} is missing: run scripts/oracles.sh",
        path.display()
    );
    path
}

/// A lab host's private /tmp, as seen from this machine.
pub fn host_tmp(host: &str) -> PathBuf {
    lab_dir().join("state/hosts").join(host).join("tmp")
}

/// A name no other test run uses, for remote paths.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// Lines of `bytes`, as strings (lossy), without empty trailing line.
pub fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Deterministic pseudo-random bytes (xorshift), so round trips compare real content.
pub fn pseudo_random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The fault lab's endpoints (lab/faults.py, started by `lab/lab.sh up`).
pub mod faults {
    use std::net::TcpStream;
    use std::time::Duration;

    /// Nothing listens here: connection refused.
    pub const REFUSED: (&str, u16) = ("127.0.0.20", 22);
    /// Accepts TCP and never sends a byte; also on ports 22001-22050.
    pub const SILENT: (&str, u16) = ("127.0.0.21", 22);
    /// Sends a garbage banner, then closes.
    pub const GARBAGE: (&str, u16) = ("127.0.0.22", 22);
    /// A link to h2 (herd_bob) cut once 32 MiB have passed in either direction.
    pub const FLAKY: (&str, u16) = ("127.0.0.23", 2222);
    /// Relays to h1 (herd_alice) on ports 30000-30999.
    pub const RELAY_ADDRESS: &str = "127.0.0.24";

    /// The `SILENT` ports beyond 22.
    pub fn silent_ports() -> impl Iterator<Item = u16> {
        22001..=22050
    }

    /// Panics with what to do when the fault lab does not answer.
    pub fn check() {
        for (address, port) in [
            GARBAGE,
            FLAKY,
            (RELAY_ADDRESS, 30999),
            ("127.0.0.21", 22050),
        ] {
            let socket = format!("{address}:{port}").parse().unwrap();
            TcpStream::connect_timeout(&socket, Duration::from_secs(2)).unwrap_or_else(|e| {
                panic!("fault lab not up ({address}:{port}: {e}); run lab/lab.sh faults-up")
            });
        }
    }

    /// The known_hosts variant where h1's key is a different (rotated) one.
    pub fn rotated_known_hosts() -> std::path::PathBuf {
        super::lab_dir().join("state/faults/known_hosts.rotated")
    }
}

/// What a child process left: its exit code, its output and its peak memory.
pub struct Measured {
    /// The exit code (`None` if a signal ended it).
    pub code: Option<i32>,
    /// Everything it wrote on stderr.
    pub stderr: Vec<u8>,
    /// Peak resident set size (`ru_maxrss`), in bytes.
    pub max_rss: u64,
}

/// Runs `command` to its end, giving its stdout to `read_stdout` (on a thread) and
/// collecting stderr, and measures its peak RSS with `wait4(2)`. Linux carries the
/// spawning process's peak over into the child's `ru_maxrss`, so this is an upper bound
/// on the child's own peak: keep the test process itself small.
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives its rusage
pub fn run_measured<R: Send + 'static>(
    command: &mut std::process::Command,
    read_stdout: impl FnOnce(std::process::ChildStdout) -> R + Send + 'static,
) -> (Measured, R) {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || read_stdout(stdout));
    let errors = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let mut status = 0;
    // SAFETY: all-zero is a valid rusage; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: valid out-pointers; the child is ours and not reaped elsewhere.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "wait4: {}", std::io::Error::last_os_error());
    let result = reader.join().unwrap();
    let stderr = errors.join().unwrap();
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (
        Measured {
            code,
            stderr,
            max_rss: usage.ru_maxrss as u64 * 1024,
        },
        result,
    )
}

/// Names in `dir` that start with `.NAME.herd-`: herd's temp files of a copy to NAME.
pub fn temps_of(dir: &Path, name: &str) -> Vec<String> {
    let prefix = format!(".{name}.herd-");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|entry| entry.starts_with(&prefix))
        .collect()
}

/// Waits for `child`; one that has not ended after `guard` is killed and the test fails
/// (a hang guard, not a timing assertion: every use ends well within it).
pub fn wait_with_guard(
    child: &mut std::process::Child,
    guard: Duration,
) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > guard {
            let _ = child.kill();
            panic!("still running after {guard:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The processes whose command line matches the `pgrep -f` pattern `pattern`, once they
/// have had up to 5 s to finish exiting; empty when they are gone. Every lab host is
/// this machine, so this sees the remote side of a command. A process herd failed to end
/// would still be there: every caller's command runs for 10 minutes or more.
pub fn processes_left(pattern: &str) -> Vec<String> {
    let started = std::time::Instant::now();
    loop {
        let out = std::process::Command::new("pgrep")
            .args(["-a", "-f", pattern])
            .output()
            .unwrap();
        let left = lines(&out.stdout);
        if left.is_empty() || started.elapsed() > Duration::from_secs(5) {
            return left;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
