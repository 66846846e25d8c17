//! Runs one task on many hosts: a thread per host, at most `forks` at once, with hosts
//! still connecting waiting beside the forks (`pool::for_each_dialed`).
//!
//! The executor never prints. Everything it learns goes out as [`Event`]s on a channel
//! (see `event`), and a host's failure is an event too: it never stops or hides the others.

mod descriptors;
mod host_dir;
mod lines;
mod play;
mod pool;
pub(crate) mod privilege;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

pub use descriptors::raise_open_files;
pub use host_dir::host_dir_name;
pub use lines::LineSplitter;
pub use play::{PlayOptions, run_playbook};

use crate::event::{Direction, Event, HostName, Outcome, Stream};
use crate::secret::Secret;
use crate::spool::Spool;
use crate::ssh::{
    self, ConnectOptions, ExecRequest, FileTransferred, HostSpec, KnownHosts, Transport,
};
use privilege::Shell;

/// A host to work on: its inventory name and how to reach it.
#[derive(Debug, Clone)]
pub struct HostTarget {
    /// The inventory name, used in every event.
    pub name: HostName,
    /// Address, port, user and credentials.
    pub spec: HostSpec,
    /// The password `sudo -S` reads for `become` (playbook steps, `run --become`);
    /// `None` uses `sudo -n`.
    pub become_password: Option<Secret>,
}

/// Running a command as another user through `sudo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Privilege {
    /// The user to become; root when `None`.
    pub user: Option<String>,
}

/// What to do on every host.
#[derive(Debug, Clone)]
pub enum Task {
    /// Run a shell command.
    Run {
        /// The command line, run through the remote user's shell.
        command: String,
        /// herd's standard input, sent to every host's command (`--stdin`).
        stdin: Option<Arc<Spool>>,
        /// Run through `sudo` (`--become`, `--become-user`).
        privilege: Option<Privilege>,
    },
    /// Copy a local file or directory to each host.
    Put {
        /// The local file or directory.
        local: PathBuf,
        /// The remote destination.
        remote: String,
    },
    /// Copy a remote file or directory from each host into `local_dir/HOST/`.
    Get {
        /// The remote file or directory.
        remote: String,
        /// The local directory that receives one folder per host.
        local_dir: PathBuf,
    },
}

/// How the executor works.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// At most this many hosts at once.
    pub forks: usize,
    /// How to connect and authenticate.
    pub connect: ConnectOptions,
    /// How long a command may run.
    pub command_timeout: Option<Duration>,
    /// Set to stop: no new host starts and running commands are ended.
    pub cancel: Arc<AtomicBool>,
}

/// Runs `task` on every target, sending events as things happen. Returns when every
/// host that was started has finished. Hosts not started because of `cancel` get no
/// events beyond `RunStarted`, and a host whose connect was cancelled gets no
/// `HostFinished`: both are "not run". A command or transfer cut short by `cancel`
/// finishes as failed ("cancelled").
pub fn run_adhoc(
    targets: &[HostTarget],
    task: &Task,
    options: &ExecutorOptions,
    known_hosts: &KnownHosts,
    events: &Sender<Event>,
) {
    let send = |event| {
        // A closed channel means the reporter is gone; there is nobody left to tell.
        let _ = events.send(event);
    };
    send(Event::RunStarted {
        hosts: targets.iter().map(|t| t.name.clone()).collect(),
    });
    // A host still connecting (TCP and the server's banner) holds no fork: silent and
    // dead hosts wait side by side while connected ones work.
    let width = pool::dial_width(targets.len(), options.forks);
    let dial = |index: usize| {
        let target = &targets[index];
        let started = Instant::now();
        send(Event::HostStarted {
            host: target.name.clone(),
        });
        match ssh::dial(&target.spec, &options.connect) {
            // Interrupted before anything ran: the host stays "not run".
            Err(ssh::ConnectError::Cancelled { .. }) => None,
            Err(error) => {
                send(unreachable(target, &error, started));
                None
            }
            Ok(dialed) => Some((dialed, started)),
        }
    };
    let work = |index: usize, (dialed, started): (ssh::Dialed, Instant)| {
        let target = &targets[index];
        let outcome = match ssh::connect_dialed(&target.spec, dialed, &options.connect, known_hosts)
        {
            Err(ssh::ConnectError::Cancelled { .. }) => return,
            Err(error) => return send(unreachable(target, &error, started)),
            Ok(mut connection) => perform(&mut connection, target, task, options, &send),
        };
        send(Event::HostFinished {
            host: target.name.clone(),
            outcome,
            elapsed: started.elapsed(),
        });
    };
    pool::for_each_dialed(
        targets.len(),
        options.forks,
        width,
        &options.cancel,
        dial,
        work,
    );
}

/// The end of a host that could not be reached.
fn unreachable(target: &HostTarget, error: &ssh::ConnectError, started: Instant) -> Event {
    Event::HostFinished {
        host: target.name.clone(),
        outcome: Outcome::Unreachable {
            message: error.to_string(),
        },
        elapsed: started.elapsed(),
    }
}

/// Does the task on one connected host and says how it went.
fn perform(
    transport: &mut dyn Transport,
    target: &HostTarget,
    task: &Task,
    options: &ExecutorOptions,
    send: &dyn Fn(Event),
) -> Outcome {
    let host = &target.name;
    let result = match task {
        Task::Run {
            command,
            stdin,
            privilege,
        } => {
            let shell = Shell {
                become_: privilege.is_some(),
                user: privilege.as_ref().and_then(|p| p.user.as_deref()),
                password: target.become_password.as_ref(),
            };
            let Some(line) = shell.command(command) else {
                return Outcome::Failed {
                    exit_code: None,
                    message: "the command holds a NUL byte, which no shell can run".into(),
                };
            };
            let password = shell.stdin();
            let request = ExecRequest {
                stdin: password.as_deref(),
                stdin_stream: stdin.as_ref(),
                timeout: options.command_timeout,
                cancel: &options.cancel,
            };
            return match run_streaming(transport, host, &line, request, send) {
                Ok(0) => Outcome::Ok,
                Ok(code) => Outcome::Failed {
                    exit_code: Some(code),
                    message: format!("exit status {code}"),
                },
                Err(error) => Outcome::Failed {
                    exit_code: None,
                    message: error.to_string(),
                },
            };
        }
        Task::Put { local, remote } => transport.put(local, remote, &mut |file| {
            send(transfer_event(host, Direction::Put, file))
        }),
        Task::Get { remote, local_dir } => {
            let host_dir = local_dir.join(host_dir_name(host));
            match std::fs::create_dir_all(&host_dir) {
                Ok(()) => transport.get(remote, &host_dir, &mut |file| {
                    send(transfer_event(host, Direction::Get, file))
                }),
                Err(error) => {
                    return Outcome::Failed {
                        exit_code: None,
                        message: format!("cannot create {}: {error}", host_dir.display()),
                    };
                }
            }
        }
    };
    match result {
        Ok(()) => Outcome::Ok,
        Err(error) => Outcome::Failed {
            exit_code: None,
            message: error.to_string(),
        },
    }
}

/// Runs a command, sending its output as whole-line `Output` events while it runs.
pub fn run_streaming(
    transport: &mut dyn Transport,
    host: &HostName,
    command: &str,
    request: ExecRequest<'_>,
    send: &dyn Fn(Event),
) -> Result<i32, ssh::OperationError> {
    let mut stdout = LineSplitter::default();
    let mut stderr = LineSplitter::default();
    let output = |stream, data| {
        send(Event::Output {
            host: host.clone(),
            stream,
            data,
        })
    };
    let result = transport.exec(command, request, &mut |stream, chunk| {
        let splitter = match stream {
            Stream::Stdout => &mut stdout,
            Stream::Stderr => &mut stderr,
        };
        if let Some(lines) = splitter.push(chunk) {
            output(stream, lines);
        }
    });
    for (stream, splitter) in [(Stream::Stdout, &mut stdout), (Stream::Stderr, &mut stderr)] {
        if let Some(tail) = splitter.finish() {
            output(stream, tail);
        }
    }
    result
}

fn transfer_event(host: &HostName, direction: Direction, file: FileTransferred) -> Event {
    Event::Transfer {
        host: host.clone(),
        direction,
        source: file.source,
        destination: file.destination,
        bytes: file.bytes,
        elapsed: file.elapsed,
    }
}
