//! `ProxyCommand`: a command (run by `/bin/sh -c`, like ssh) whose standard input and
//! output carry the SSH connection. Its standard error is kept (the last few KiB) to
//! explain a connection that fails.

use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;

/// How much of the command's standard error is kept.
const STDERR_KEPT: usize = 4096;

/// A running proxy command; dropping it ends the command.
#[derive(Debug)]
pub(crate) struct ProxyProcess {
    child: Child,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl ProxyProcess {
    /// Starts `command`; returns the stream that talks to it and the process.
    pub(super) fn spawn(command: &str) -> io::Result<(UnixStream, ProxyProcess)> {
        let (ours, theirs) = UnixStream::pair()?;
        let theirs_out: OwnedFd = theirs.try_clone()?.into();
        let theirs_in: OwnedFd = theirs.into();
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(command)
            .stdin(Stdio::from(theirs_in))
            .stdout(Stdio::from(theirs_out))
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = Arc::new(Mutex::new(Vec::new()));
        if let Some(mut pipe) = child.stderr.take() {
            let kept = Arc::clone(&stderr);
            thread::Builder::new()
                .name("proxy-stderr".into())
                .stack_size(64 * 1024)
                .spawn(move || {
                    let mut buffer = [0u8; 1024];
                    while let Ok(n) = pipe.read(&mut buffer) {
                        if n == 0 {
                            break;
                        }
                        let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                        kept.extend_from_slice(&buffer[..n]);
                        let excess = kept.len().saturating_sub(STDERR_KEPT);
                        kept.drain(..excess);
                    }
                })?;
        }
        Ok((ours, ProxyProcess { child, stderr }))
    }

    /// The last lines the command wrote to standard error, trimmed, one line.
    pub(super) fn stderr_tail(&self) -> String {
        let kept = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&kept)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
