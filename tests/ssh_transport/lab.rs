//! The repo's lab hosts (lab/lab.sh up), and helpers to talk to them.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use herd::event::Stream;
use herd::secret::Secret;
use herd::ssh::{
    ConnectOptions, ExecRequest, HostKeyChecking, HostSpec, KnownHosts, SshConnection, Transport,
    connect,
};

const LAB_DOWN: &str = "lab not up: run sudo lab/lab.sh up";

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `lab/state/<path>`, checking that the lab was set up.
pub fn state(path: &str) -> PathBuf {
    let path = repo().join("lab/state").join(path);
    assert!(path.exists(), "{LAB_DOWN} ({} is missing)", path.display());
    path
}

fn host(address: &str, port: u16, user: &str, password: Option<&str>) -> HostSpec {
    let socket: SocketAddr = format!("{address}:{port}").parse().expect("lab address");
    if TcpStream::connect_timeout(&socket, Duration::from_secs(3)).is_err() {
        panic!("{LAB_DOWN} (nothing answers on {socket})");
    }
    HostSpec {
        address: address.into(),
        port,
        user: user.into(),
        password: password.map(Secret::new),
        key_file: None,
        key_passphrase: None,
        ..Default::default()
    }
}

/// h1: 127.0.0.11:22, password.
pub fn alice() -> HostSpec {
    host("127.0.0.11", 22, "herd_alice", Some("alice-lab-pw"))
}

/// h2: 127.0.0.12:2222, password.
pub fn bob() -> HostSpec {
    host("127.0.0.12", 2222, "herd_bob", Some("bob-lab-pw"))
}

/// h3: 127.0.0.13:22, password (given here without one, for --ask-pass tests).
pub fn carol_without_password() -> HostSpec {
    host("127.0.0.13", 22, "herd_carol", None)
}

/// h4: 127.0.0.14:2223, key only.
pub fn dave() -> HostSpec {
    HostSpec {
        key_file: Some(state("keys/dave_ed25519")),
        ..host("127.0.0.14", 2223, "herd_dave", None)
    }
}

/// Connect options with a 10 s timeout.
pub fn options(mode: HostKeyChecking) -> ConnectOptions {
    ConnectOptions {
        connect_timeout: Duration::from_secs(10),
        host_key_checking: mode,
        ask_pass: None,
        cancel: Default::default(),
        shared: Default::default(),
    }
}

/// A private copy of the lab's known_hosts, in strict mode.
pub fn lab_known_hosts(dir: &Path) -> KnownHosts {
    let path = dir.join("known_hosts");
    std::fs::copy(state("known_hosts"), &path).expect("copy lab known_hosts");
    KnownHosts::open(path, HostKeyChecking::Strict).expect("open known_hosts")
}

/// Connects to a lab host with strict checking against the lab's known_hosts.
pub fn connect_lab(host: &HostSpec) -> SshConnection {
    let dir = tempfile::tempdir().expect("temp dir");
    let known_hosts = lab_known_hosts(dir.path());
    connect(host, &options(HostKeyChecking::Strict), &known_hosts)
        .unwrap_or_else(|error| panic!("connect to {}: {error}", host.address))
}

/// What a command printed, per stream, and how it exited.
#[derive(Debug, Default)]
pub struct Ran {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: i32,
}

impl Ran {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs `command` to completion (no stdin, no timeout), panicking on transport errors.
pub fn run(connection: &mut SshConnection, command: &str) -> Ran {
    let cancel = AtomicBool::new(false);
    let request = ExecRequest {
        stdin_stream: None,
        stdin: None,
        timeout: None,
        cancel: &cancel,
    };
    let mut ran = Ran::default();
    let mut sink = |stream: Stream, data: &[u8]| match stream {
        Stream::Stdout => ran.stdout.extend_from_slice(data),
        Stream::Stderr => ran.stderr.extend_from_slice(data),
    };
    let status = connection
        .exec(command, request, &mut sink)
        .unwrap_or_else(|error| panic!("exec {command:?}: {error}"));
    ran.status = status;
    ran
}

/// A scratch directory in the remote user's home, removed on drop.
pub struct RemoteDir {
    pub path: String,
    host: HostSpec,
}

impl RemoteDir {
    pub fn new(connection: &mut SshConnection, host: &HostSpec, name: &str) -> RemoteDir {
        let path = format!("herd-test-{name}-{}", std::process::id());
        let ran = run(connection, &format!("rm -rf {path} && mkdir {path}"));
        assert_eq!(ran.status, 0, "{}", String::from_utf8_lossy(&ran.stderr));
        RemoteDir {
            path,
            host: host.clone(),
        }
    }
}

impl Drop for RemoteDir {
    fn drop(&mut self) {
        let mut connection = connect_lab(&self.host);
        run(
            &mut connection,
            &format!("chmod -R u+rwx {0}; rm -rf {0}", self.path),
        );
    }
}
