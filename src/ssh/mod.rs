//! The SSH transport: one in-process `ssh2` session per host.
//!
//! The executor sees only [`Transport`] (so a `local` transport or others can join
//! later) and [`connect`]. A [`ConnectError`] means the host is *unreachable*; an
//! [`OperationError`] on a connected host means the host *failed*.
//!
//! Map of this folder:
//! - `connect` opens a `route` to the host (a TCP connection, `socket`: cancellable, with
//!   keepalive; a channel through jump hosts, `tunnel`; or a `proxy_command`), negotiates
//!   (`algorithms`; `negotiation` explains a failure with the server's offer), checks the
//!   host key (`known_hosts`) and authenticates (`auth`, `key_file`, `home` for `~/.ssh`);
//!   `shared` is what the connections of one run share (jump sessions, known_hosts files);
//! - `connection` is the connected [`SshConnection`] implementing [`Transport`];
//! - `exec` runs commands over a `channel` (raw libssh2, so it can send signals),
//!   waiting on the socket with `wait`;
//! - `put` and `get` copy files over SFTP (`sftp` holds their shared helpers,
//!   `rename` the atomic overwrite, `names` the temp names and name checks, `stale`
//!   the removal of temp files left by a connection that died).

mod algorithms;
mod auth;
mod certificate;
mod channel;
mod connect;
mod connection;
mod error;
mod exec;
mod gate;
mod get;
mod home;
mod identities;
mod key_file;
mod known_hosts;
mod names;
mod negotiation;
mod piped;
mod proxy_command;
mod put;
mod read_ahead;
mod rename;
mod route;
mod session_id;
mod sftp;
mod shared;
mod signer;
mod socket;
mod stale;
mod tunnel;
mod wait;
mod wire;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::event::Stream;
use crate::secret::Secret;
use crate::spool::Spool;
use crate::ssh_config::AlgorithmList;

pub use algorithms::check as check_algorithms;
pub use connect::{Dialed, connect, connect_dialed, dial, handshake_timeout};
pub use connection::SshConnection;
pub use error::{ConnectError, OperationError};
pub use gate::PER_SERVER as MAX_LOGINS_PER_SERVER;
pub(crate) use home::home_dir;
pub use known_hosts::{HostKeyError, KeyOwner, KnownHosts};
pub use shared::Shared;

/// Everything needed to reach one host, resolved from the inventory and the ssh config.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostSpec {
    /// Address to connect to (`host`/`ansible_host`, ssh config `HostName`; defaults to
    /// the inventory name).
    pub address: String,
    /// TCP port (`port`/`ansible_port`, `Port`; default 22).
    pub port: u16,
    /// Remote user (`user`/`ansible_user`, `User`; default the local user).
    pub user: String,
    /// Password from the inventory or `password_env`.
    pub password: Option<Secret>,
    /// Private key file (`key`/`ansible_ssh_private_key_file`): it must be usable.
    pub key_file: Option<PathBuf>,
    /// Passphrase for `key_file`, from `key_passphrase_env`.
    pub key_passphrase: Option<Secret>,
    /// More private keys to offer after `key_file` (ssh config `IdentityFile`); one that is
    /// missing or needs a passphrase is passed over, as ssh does in batch mode.
    pub identity_files: Vec<PathBuf>,
    /// Offer only `key_file` and `identity_files`: no agent keys, no default keys
    /// (`IdentitiesOnly yes`).
    pub identities_only: bool,
    /// Certificates to present with the keys they certify (`CertificateFile`); a
    /// `KEY-cert.pub` beside a key file is found without being listed.
    pub certificate_files: Vec<PathBuf>,
    /// How the connection reaches the host: directly, through jump hosts, or through a
    /// command's standard input and output.
    pub proxy: Proxy,
    /// This host's host key policy (`StrictHostKeyChecking`), over the run's.
    pub host_key_checking: Option<HostKeyChecking>,
    /// This host's known_hosts files (`UserKnownHostsFile`; empty for `none`), over the
    /// run's: read as one, a new key added to the first.
    pub known_hosts_files: Option<Vec<PathBuf>>,
    /// The known_hosts files every user shares (`GlobalKnownHostsFile`; empty for `none`),
    /// only read; unset: OpenSSH's `/etc/ssh/ssh_known_hosts` and `ssh_known_hosts2`.
    pub global_known_hosts_files: Option<Vec<PathBuf>>,
    /// The name the host's key is looked up and recorded under in known_hosts
    /// (`HostKeyAlias`), instead of its address and port.
    pub host_key_alias: Option<String>,
    /// This host's connect timeout (`ConnectTimeout`), over the run's default.
    pub connect_timeout: Option<Duration>,
    /// Send an SSH keepalive after this long without traffic (`ServerAliveInterval`).
    pub server_alive_interval: Option<Duration>,
    /// Changes to the algorithms offered (`KexAlgorithms`, `HostKeyAlgorithms`, `Ciphers`,
    /// `MACs`, with OpenSSH's `+`/`-`/`^` forms).
    pub algorithms: AlgorithmChoice,
}

impl HostSpec {
    /// `ADDR:PORT` (`[ADDR]:PORT` for IPv6), as messages name the host.
    pub fn target(&self) -> String {
        if self.address.contains(':') {
            format!("[{}]:{}", self.address, self.port)
        } else {
            format!("{}:{}", self.address, self.port)
        }
    }
}

/// How a connection reaches its host.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Proxy {
    /// A TCP connection to the host's address and port.
    #[default]
    Direct,
    /// Through these jump hosts, first to last (`ProxyJump`, `proxy_jump`, `-J`): each
    /// hop is a channel of one SSH session to the hop before it, shared by every host
    /// behind it.
    Jump(Vec<HostSpec>),
    /// Through a command's standard input and output (`ProxyCommand`, run by `/bin/sh -c`,
    /// tokens already expanded).
    Command(String),
}

/// The ssh config's changes to each algorithm list herd offers; `None` keeps herd's.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlgorithmChoice {
    /// `KexAlgorithms`.
    pub kex: Option<AlgorithmList>,
    /// `HostKeyAlgorithms`.
    pub host_key: Option<AlgorithmList>,
    /// `Ciphers`.
    pub ciphers: Option<AlgorithmList>,
    /// `MACs`.
    pub macs: Option<AlgorithmList>,
}

/// What to do with the server's host key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum HostKeyChecking {
    /// Refuse hosts whose key is not already in known_hosts.
    Strict,
    /// Add unknown keys to known_hosts; refuse changed ones. The default.
    #[default]
    AcceptNew,
    /// Check nothing (throwaway labs only); a warning is printed once.
    Off,
}

/// How [`connect`] reaches and authenticates a host.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Bounds the TCP connect, the SSH handshake and authentication together, for hosts
    /// whose ssh config sets no `ConnectTimeout`.
    pub connect_timeout: Duration,
    /// How the server's host key is checked against the [`KnownHosts`] given to
    /// [`connect`] (open that with the same mode: one opened with `Off` reads nothing).
    pub host_key_checking: HostKeyChecking,
    /// Password typed once at the prompt (`--ask-pass`), used for hosts without one.
    pub ask_pass: Option<Secret>,
    /// Set to `true` (from any thread, e.g. on Ctrl-C) to stop: a TCP connect or SSH
    /// handshake in progress ends with [`ConnectError::Cancelled`], and a transfer on a
    /// connection made with these options stops before its next chunk with
    /// [`OperationError::Cancelled`], removing its temp file. Share it with
    /// [`ExecRequest::cancel`] so commands stop too.
    pub cancel: Arc<AtomicBool>,
    /// What connections of one run share: the sessions to jump hosts and the known_hosts
    /// files named by hosts' ssh config.
    pub shared: Shared,
}

/// The inputs of one [`Transport::exec`] besides the command itself.
#[derive(Debug, Clone, Copy)]
pub struct ExecRequest<'a> {
    /// Bytes written to the command's standard input, followed by end-of-file (or by
    /// `stdin_stream`). `None` with no stream sends end-of-file at once (like
    /// `ssh host cmd </dev/null`).
    pub stdin: Option<&'a [u8]>,
    /// herd's own standard input (`--stdin`), sent after `stdin` at this host's pace.
    pub stdin_stream: Option<&'a Arc<Spool>>,
    /// After this long the remote process group is ended and the call returns
    /// [`OperationError::TimedOut`].
    pub timeout: Option<Duration>,
    /// Set to `true` (from any thread) to end the remote process group; the call then
    /// returns [`OperationError::Cancelled`] within about 100 ms plus the kill grace.
    pub cancel: &'a AtomicBool,
}

/// One file copied completely by [`Transport::put`] or [`Transport::get`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileTransferred {
    /// Where the bytes came from (a local path for put, a remote path for get).
    pub source: String,
    /// Where they were written (a remote path for put, a local path for get).
    pub destination: String,
    /// How many bytes.
    pub bytes: u64,
    /// How long this file took, from opening the source to the final rename.
    pub elapsed: Duration,
}

/// What the executor can do on a connected host.
pub trait Transport: Send {
    /// Runs `command` through the remote user's shell (like `ssh host cmd`), streaming
    /// output chunks to `sink` as they arrive (raw bytes, any chunking; the caller
    /// splits lines). Returns the exit status; a command killed by a signal reports
    /// 128 + the signal number, like a shell.
    fn exec(
        &mut self,
        command: &str,
        request: ExecRequest<'_>,
        sink: &mut dyn FnMut(Stream, &[u8]),
    ) -> Result<i32, OperationError>;

    /// Copies a local file or directory (recursively) to `remote`. `remote` ending in
    /// '/' or being an existing remote directory means "into it". Modes are preserved.
    /// Each file is written to a temp name in its destination directory, then renamed
    /// into place, so readers see the old or the new content, never a part.
    fn put(
        &mut self,
        local: &Path,
        remote: &str,
        on_file: &mut dyn FnMut(FileTransferred),
    ) -> Result<(), OperationError>;

    /// Copies a remote file or directory (recursively) into `local_dir` as
    /// `local_dir/<basename>`. Never writes outside `local_dir`; each file goes to a
    /// temp name first, then is renamed into place.
    fn get(
        &mut self,
        remote: &str,
        local_dir: &Path,
        on_file: &mut dyn FnMut(FileTransferred),
    ) -> Result<(), OperationError>;
}
