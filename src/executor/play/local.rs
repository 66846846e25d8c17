//! `delegate_to: localhost`: a step's command run on the controller, behind the same
//! [`Transport`] as a host's SSH session, so tries, `register`, `until`,
//! `changed_when`/`failed_when`, `chdir`/`environment` and `creates`/`removes` work
//! as they do on a host.
//!
//! The command runs through `/bin/sh -c`, as herd's own user, in herd's working
//! directory and environment, in a process group of its own: a timeout or Ctrl-C sends
//! the group SIGTERM, then SIGKILL after a grace period (as sshd does for a remote
//! command). Only commands: validation refuses delegated `put` and `get`.

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use crate::event::Stream;
use crate::ssh::{ExecRequest, FileTransferred, OperationError, Transport};

/// How long the group has between SIGTERM and SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(2);
/// How often the wait looks at the cancel flag and the clock.
const TICK: Duration = Duration::from_millis(50);
/// How long output is still read after the shell exited, when a background job it
/// started keeps the pipes open (as for a remote command).
const LINGER: Duration = Duration::from_secs(1);

/// The controller, as a [`Transport`] for commands.
pub(super) struct Local;

impl Transport for Local {
    fn exec(
        &mut self,
        command: &str,
        request: ExecRequest<'_>,
        sink: &mut dyn FnMut(Stream, &[u8]),
    ) -> Result<i32, OperationError> {
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|err| local_error(Path::new("/bin/sh"), format!("cannot start: {err}")))?;
        let (chunks, output) = mpsc::channel();
        let readers = [
            child
                .stdout
                .take()
                .map(|out| pump(out, Stream::Stdout, chunks.clone())),
            child
                .stderr
                .take()
                .map(|err| pump(err, Stream::Stderr, chunks.clone())),
        ];
        drop(chunks);
        let input = request.stdin.unwrap_or_default().to_vec();
        let writer = child.stdin.take().map(|mut stdin| {
            // A command that does not read its input closes the pipe: not an error.
            thread::spawn(move || drop(stdin.write_all(&input)))
        });
        let ended = wait(&mut child, &output, &request, sink);
        drop(writer);
        drop(readers);
        ended
    }

    fn put(
        &mut self,
        local: &Path,
        _remote: &str,
        _on_file: &mut dyn FnMut(FileTransferred),
    ) -> Result<(), OperationError> {
        Err(not_a_copy(local))
    }

    fn get(
        &mut self,
        _remote: &str,
        local_dir: &Path,
        _on_file: &mut dyn FnMut(FileTransferred),
    ) -> Result<(), OperationError> {
        Err(not_a_copy(local_dir))
    }
}

/// Passes output to `sink` until the shell exited and its output ended (or lingered
/// [`LINGER`] past its exit); ends the group on timeout or cancel.
fn wait(
    child: &mut Child,
    output: &Receiver<(Stream, Vec<u8>)>,
    request: &ExecRequest<'_>,
    sink: &mut dyn FnMut(Stream, &[u8]),
) -> Result<i32, OperationError> {
    let started = Instant::now();
    let mut exited: Option<(i32, Instant)> = None;
    loop {
        match output.recv_timeout(TICK) {
            Ok((stream, data)) => sink(stream, &data),
            Err(RecvTimeoutError::Disconnected) => {
                if let Some((code, _)) = exited {
                    return Ok(code);
                }
                thread::sleep(TICK);
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        if exited.is_none() {
            let status = child
                .try_wait()
                .map_err(|err| local_error(Path::new("/bin/sh"), format!("cannot wait: {err}")))?;
            exited = status.map(|status| {
                let code = status
                    .code()
                    .or_else(|| status.signal().map(|signal| 128 + signal))
                    .unwrap_or(255);
                (code, Instant::now())
            });
        }
        if let Some((code, at)) = exited {
            if at.elapsed() >= LINGER {
                return Ok(code);
            }
            continue;
        }
        if request.cancel.load(Ordering::SeqCst) {
            end_group(child);
            return Err(OperationError::Cancelled);
        }
        if let Some(limit) = request.timeout.filter(|limit| started.elapsed() >= *limit) {
            end_group(child);
            return Err(OperationError::TimedOut(limit));
        }
    }
}

/// Reads `from` in a thread of its own, sending each chunk as `stream` output.
fn pump(
    mut from: impl Read + Send + 'static,
    stream: Stream,
    to: Sender<(Stream, Vec<u8>)>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut buffer = vec![0; 32 * 1024];
        while let Ok(read) = from.read(&mut buffer) {
            if read == 0 || to.send((stream, buffer[..read].to_vec())).is_err() {
                break;
            }
        }
    })
}

/// SIGTERM to the command's process group, SIGKILL after [`KILL_GRACE`] if the shell is
/// still there.
fn end_group(child: &mut Child) {
    let Ok(group) = libc::pid_t::try_from(child.id()) else {
        return;
    };
    // SAFETY: kill(2) with a negative pid signals the group the shell leads (it was
    // started with `process_group(0)`); it touches no memory.
    unsafe {
        libc::kill(-group, libc::SIGTERM);
    }
    let deadline = Instant::now() + KILL_GRACE;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        thread::sleep(TICK);
    }
    // SAFETY: as above.
    unsafe {
        libc::kill(-group, libc::SIGKILL);
    }
    let _ = child.wait();
}

fn local_error(path: &Path, reason: String) -> OperationError {
    OperationError::Local {
        path: path.to_path_buf(),
        reason,
    }
}

/// Validation refuses delegated copies; a caller that got here anyway is told why.
fn not_a_copy(path: &Path) -> OperationError {
    local_error(
        path,
        "a put or get cannot be delegated to localhost (only `run` steps can)".to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// Runs `command` locally: its exit status (or error), stdout and stderr.
    fn run(
        command: &str,
        stdin: Option<&[u8]>,
        timeout: Option<Duration>,
    ) -> (Result<i32, OperationError>, String, String) {
        let cancel = AtomicBool::new(false);
        let request = ExecRequest {
            stdin,
            stdin_stream: None,
            timeout,
            cancel: &cancel,
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = Local.exec(command, request, &mut |stream, data| match stream {
            Stream::Stdout => out.extend_from_slice(data),
            Stream::Stderr => err.extend_from_slice(data),
        });
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
        (status, text(out), text(err))
    }

    #[test]
    fn runs_through_sh_with_both_streams_stdin_and_the_exit_status() {
        let (status, out, err) = run("cat; echo oops >&2; exit 3", Some(b"in\n"), None);
        assert_eq!(status.unwrap(), 3);
        assert_eq!(out, "in\n");
        assert_eq!(err, "oops\n");
        let (status, out, _) = run("echo $0 && kill -9 $$", None, None);
        assert_eq!(out, "/bin/sh\n");
        assert_eq!(status.unwrap(), 128 + 9);
    }

    #[test]
    fn a_timeout_ends_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("late");
        let command = format!("(sleep 2; touch {}) & sleep 30", marker.display());
        let (status, ..) = run(&command, None, Some(Duration::from_millis(300)));
        assert!(
            matches!(status, Err(OperationError::TimedOut(_))),
            "{status:?}"
        );
        thread::sleep(Duration::from_millis(2500));
        assert!(!marker.exists(), "the background job outlived the timeout");
    }

    #[test]
    fn a_copy_is_refused() {
        let err = Local
            .put(Path::new("x"), "/tmp/x", &mut |_| {})
            .unwrap_err();
        assert!(err.to_string().contains("only `run` steps"), "{err}");
    }
}
