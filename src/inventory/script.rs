//! Executable inventory scripts: run with `--list` (and `--host NAME`), read as JSON.
//!
//! As Ansible's `script` inventory plugin: the script runs with stdin closed, in its
//! own process group, with the caller's environment and working directory; it must
//! exit 0 and print UTF-8 JSON on stdout. A run longer than the timeout is killed
//! (the whole group). Errors quote the end of its stderr, never its output, which may
//! hold secrets. A file that is executable but not a program (no `#!`, not a binary:
//! the system refuses it with ENOEXEC) is not a script; the caller reads it as a file,
//! as Ansible falls through to its other plugins.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::error::InventoryError;

/// How long a script run may take unless the caller says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Most bytes of a script's stdout read (as for an inventory file).
const MAX_OUTPUT_BYTES: u64 = super::MAX_FILE_BYTES;

/// Most bytes of a script's stderr kept for errors (the end of it).
const MAX_STDERR_SHOWN: usize = 4096;

/// What a script printed on a successful run.
#[derive(Debug)]
pub(super) struct Output {
    /// Its stdout, UTF-8.
    pub(super) stdout: String,
}

/// Runs `path ARGS`: `Ok(None)` if the file is not a program at all (ENOEXEC), else
/// its stdout or an error with its exit status and stderr.
pub(super) fn run(
    path: &Path,
    args: &[&str],
    timeout: Duration,
) -> Result<Option<Output>, InventoryError> {
    let shown_command = format!("{} {}", path.display(), args.join(" "));
    let fail = |message: String, stderr: &[u8]| InventoryError::Script {
        path: path.to_path_buf(),
        message,
        stderr: stderr_tail(stderr),
    };
    let mut child = match Command::new(path)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
    {
        Ok(child) => child,
        Err(error) if error.raw_os_error() == Some(libc::ENOEXEC) => return Ok(None),
        Err(error) => {
            return Err(fail(format!("cannot run `{shown_command}`: {error}"), b""));
        }
    };
    let group = child.id() as libc::pid_t;
    let stdout = child
        .stdout
        .take()
        .map(|out| read_all(out, MAX_OUTPUT_BYTES));
    let stderr = child.stderr.take().map(|err| read_all(err, u64::MAX));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() >= timeout => break Err(()),
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(error) => {
                return Err(fail(
                    format!("cannot wait for `{shown_command}`: {error}"),
                    b"",
                ));
            }
        }
    };
    // Ends whatever the script left running too, which could hold the pipes open.
    // SAFETY: kill(2) with a negative pid signals the group the script leads; it
    // touches no memory.
    unsafe {
        libc::kill(-group, libc::SIGKILL);
    }
    let _ = child.wait();
    let stdout = stdout.map(collect).unwrap_or_default();
    let stderr = stderr.map(collect).unwrap_or_default();
    let status = match status {
        Ok(status) => status,
        Err(()) => {
            return Err(fail(
                format!(
                    "`{shown_command}` did not finish within {} s and was killed; make it faster, or raise HERD_INVENTORY_SCRIPT_TIMEOUT (seconds)",
                    timeout.as_secs_f64()
                ),
                &stderr,
            ));
        }
    };
    if !status.success() {
        let how = match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_owned(),
        };
        return Err(fail(format!("`{shown_command}` {how}"), &stderr));
    }
    if stdout.len() as u64 > MAX_OUTPUT_BYTES {
        return Err(fail(
            format!("`{shown_command}` printed more than {MAX_OUTPUT_BYTES} bytes"),
            &stderr,
        ));
    }
    let stdout = String::from_utf8(stdout).map_err(|_| {
        fail(
            format!("`{shown_command}` printed something that is not UTF-8 text"),
            &stderr,
        )
    })?;
    Ok(Some(Output { stdout }))
}

/// How long, once the script is gone, its pipes may stay open (held by a process that
/// left its group) before herd stops waiting for the rest of its output.
const PIPE_GRACE: Duration = Duration::from_secs(1);

/// Reads `pipe` to its end on a thread of its own, keeping at most `limit` + 1 bytes.
fn read_all(pipe: impl Read + Send + 'static, limit: u64) -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut pipe = pipe.take(limit.saturating_add(1));
        let _ = pipe.read_to_end(&mut bytes);
        let _ = sender.send(bytes);
        // Drain the rest so the script is not stopped by a full pipe.
        let _ = std::io::copy(&mut pipe.into_inner(), &mut std::io::sink());
    });
    receiver
}

/// What a reader thread read, or nothing if its pipe is still open after [`PIPE_GRACE`].
fn collect(receiver: mpsc::Receiver<Vec<u8>>) -> Vec<u8> {
    receiver.recv_timeout(PIPE_GRACE).unwrap_or_default()
}

/// The end of a script's stderr, as text.
fn stderr_tail(stderr: &[u8]) -> String {
    let start = stderr.len().saturating_sub(MAX_STDERR_SHOWN);
    let text = String::from_utf8_lossy(&stderr[start..]);
    if start > 0 {
        format!("…{text}")
    } else {
        text.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn runs_and_reports() {
        let dir = tempfile::tempdir().unwrap();
        let ok = script(
            dir.path(),
            "ok",
            "#!/bin/sh\necho \"{\\\"args\\\": \\\"$*\\\"}\"\n",
        );
        let output = run(&ok, &["--list"], DEFAULT_TIMEOUT).unwrap().unwrap();
        assert_eq!(output.stdout, "{\"args\": \"--list\"}\n");

        let failing = script(
            dir.path(),
            "bad",
            "#!/bin/sh\necho 'no database' >&2\nexit 3\n",
        );
        let message = run(&failing, &["--list"], DEFAULT_TIMEOUT)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("bad --list` exited with status 3"),
            "{message}"
        );
        assert!(
            message.contains("its stderr:\n  | no database"),
            "{message}"
        );

        let not_a_program = script(dir.path(), "hosts.ini", "[web]\nh1\n");
        assert!(
            run(&not_a_program, &["--list"], DEFAULT_TIMEOUT)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_slow_script_is_killed_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let slow = script(
            dir.path(),
            "slow",
            "#!/bin/sh\necho started >&2\nsleep 30 &\nsleep 30\n",
        );
        let message = run(&slow, &["--list"], Duration::from_millis(200))
            .unwrap_err()
            .to_string();
        assert!(message.contains("did not finish within 0.2 s"), "{message}");
        assert!(message.contains("| started"), "{message}");
    }
}
