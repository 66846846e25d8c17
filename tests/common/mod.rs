//! Shared helpers for integration tests: they drive the real binaries against the lab's
//! real OpenSSH servers (`lab/lab.sh up`), never a mock.
#![allow(dead_code)] // each test binary uses its own subset of these helpers

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
        cmd.current_dir(self.work.path())
            .env("HOME", self.home.path())
            .env("HERD_INVENTORY", lab_dir().join("inventory.ini"))
            .env("NO_COLOR", "1")
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("CLICOLOR_FORCE");
        cmd
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

    /// Writes the lab inventory, changed by `edit`, into the work dir; returns its path.
    pub fn inventory_with(&self, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
        let text = std::fs::read_to_string(lab_dir().join("inventory.ini")).unwrap();
        let path = self.work.path().join(name);
        std::fs::write(&path, edit(&text)).unwrap();
        path
    }

    /// The test's known_hosts file (`$HOME/.ssh/known_hosts`).
    pub fn known_hosts(&self) -> PathBuf {
        self.home.path().join(".ssh/known_hosts")
    }
}

/// The repo's lab directory.
pub fn lab_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lab")
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
