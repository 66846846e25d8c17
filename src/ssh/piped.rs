//! Copying over an exec channel, for hosts where SFTP cannot start: Debian's external
//! `sftp-server` runs through the login shell, so a shell that prints at startup corrupts
//! the SFTP stream; some servers have no SFTP subsystem at all. As Ansible's piped
//! transfer does, a file goes as a command's standard input (`cat > TEMP`) and comes
//! back as its standard output (`cat FILE`).
//!
//! It keeps the SFTP path's promises: a file is written to a temp name beside its
//! destination and renamed into place only once its size is checked, so nothing
//! half-written is left under the final name; modes are kept; bytes are passed
//! unchanged (what the shell prints before the command runs is skipped by a marker line
//! the command prints first). Directories are copied for `put`; a `get` copies one
//! regular file (a directory needs SFTP, and the error says why SFTP failed).

use std::fs::{self, File, Metadata, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::error::OperationError;
use super::exec::{self, Link};
use super::get::land;
use super::names::{NO_FETCH_NAME, fetch_name, temp_name};
use super::put::{entries_to_copy, name_in_directory};
use super::sftp::{MODE_BITS, local_error, remote_path};
use super::{ExecRequest, FileTransferred};
use crate::event::Stream;
use crate::shell::{marker, quote};
use crate::spool::Spool;

/// Upper bound for one command of a piped copy (a file's whole transfer).
const TIMEOUT: Duration = Duration::from_secs(3600);

/// Most of what a shell prints before the marker that is looked through.
const MAX_PREAMBLE: usize = 256 * 1024;

/// One piped copy's connection, cancel flag and host name for messages.
pub(super) struct Piped<'a> {
    pub(super) link: Link<'a>,
    pub(super) cancel: &'a AtomicBool,
    /// `user@ADDR`, prefixed to remote paths in messages.
    pub(super) user_at_host: &'a str,
}

impl Piped<'_> {
    /// Copies `local` (a file or a directory tree) to `destination`, as SFTP `put` does.
    pub(super) fn put(
        &self,
        local: &Path,
        destination: &str,
        on_file: &mut dyn FnMut(FileTransferred),
    ) -> Result<(), OperationError> {
        let metadata = fs::metadata(local).map_err(|error| local_error(local, &error))?;
        let target = remote_path(destination);
        let into = destination.ends_with('/') || self.is_dir(&target)?;
        let target = if into {
            if destination.ends_with('/') {
                self.run_checked(&format!("mkdir -p -- {}", self.word(&target)?), &target)?;
            }
            target.join(name_in_directory(local)?)
        } else {
            target
        };
        self.put_any(local, &metadata, &target, on_file)
    }

    fn put_any(
        &self,
        local: &Path,
        metadata: &Metadata,
        target: &Path,
        on_file: &mut dyn FnMut(FileTransferred),
    ) -> Result<(), OperationError> {
        if metadata.is_file() {
            return self.put_file(local, metadata, target, on_file);
        }
        if !metadata.is_dir() {
            return Err(OperationError::Local {
                path: local.to_path_buf(),
                reason: "is not a regular file or a directory".into(),
            });
        }
        let mode = metadata.permissions().mode() & MODE_BITS;
        let dir = self.word(target)?;
        self.run_checked(
            &format!("mkdir -p -- {dir} && chmod u+rwx -- {dir}"),
            target,
        )?;
        for (path, followed, name) in entries_to_copy(local)? {
            self.put_any(&path, &followed, &target.join(name), on_file)?;
        }
        self.run_checked(&format!("chmod {mode:o} -- {dir}"), target)
    }

    fn put_file(
        &self,
        local: &Path,
        metadata: &Metadata,
        target: &Path,
        on_file: &mut dyn FnMut(FileTransferred),
    ) -> Result<(), OperationError> {
        let started = Instant::now();
        let name = target
            .file_name()
            .ok_or_else(|| self.problem(target, "is not a file name"))?;
        let temp = target.with_file_name(temp_name(name));
        let size = metadata.len();
        let mode = metadata.permissions().mode() & MODE_BITS;
        let marker = marker("piped_");
        let script = format!(
            "t={temp}; umask 077; \
             if cat > \"$t\" && [ \"$(wc -c < \"$t\")\" -eq {size} ] && chmod {mode:o} \"$t\" && mv -f -- \"$t\" {target}; \
             then echo {marker}ok; else rm -f -- \"$t\"; exit 1; fi",
            temp = self.word(&temp)?,
            target = self.word(target)?,
        );
        let file = File::open(local).map_err(|error| local_error(local, &error))?;
        let input = Spool::of_file(file).map_err(|error| local_error(local, &error))?;
        let (status, stdout, stderr) = self.run(&script, Some(&input))?;
        if status != 0 || !stdout.contains(&format!("{marker}ok")) {
            return Err(self.failed(target, "writing the file", status, &stderr));
        }
        on_file(FileTransferred {
            source: local.display().to_string(),
            destination: target.display().to_string(),
            bytes: size,
            elapsed: started.elapsed(),
        });
        Ok(())
    }

    /// Copies the remote regular file `source` into `local_dir/NAME`.
    pub(super) fn get(
        &self,
        source: &str,
        local_dir: &Path,
        on_file: &mut dyn FnMut(FileTransferred),
    ) -> Result<(), OperationError> {
        let started = Instant::now();
        let path = remote_path(source);
        let Some(name) = fetch_name(&path) else {
            return Err(self.problem(&path, NO_FETCH_NAME));
        };
        let destination = local_dir.join(&name);
        let marker = marker("piped_");
        let word = self.word(&path)?;
        // The size and mode, then the bytes, after a marker line.
        let script = format!(
            "p={word}; if [ -f \"$p\" ] && [ -r \"$p\" ]; then \
             printf '%s %s %s\\n' {marker} \"$(wc -c < \"$p\" | tr -d ' ')\" \"$(stat -c %a -- \"$p\" 2>/dev/null || stat -f %Lp -- \"$p\")\"; \
             exec cat -- \"$p\"; elif [ -d \"$p\" ]; then echo directory >&2; exit 2; else echo 'no such readable file' >&2; exit 1; fi"
        );
        let temp = destination.with_file_name(temp_name(&name));
        let mut output = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .map_err(|error| local_error(&temp, &error))?;
        let mut reader = Body::new(&marker);
        let mut write_error: Option<io::Error> = None;
        let mut stderr = Vec::new();
        let request = ExecRequest {
            stdin: None,
            stdin_stream: None,
            timeout: Some(TIMEOUT),
            cancel: self.cancel,
        };
        let status = exec::exec(
            &self.link,
            &script,
            request,
            &mut |stream, bytes| match stream {
                Stream::Stdout => reader.feed(bytes, &mut |body| {
                    if write_error.is_none() {
                        write_error = output.write_all(body).err();
                    }
                }),
                Stream::Stderr => {
                    if stderr.len() < 4096 {
                        stderr.extend_from_slice(bytes);
                    }
                }
            },
        );
        drop(output);
        let outcome = (|| {
            let status = status?;
            if let Some(error) = write_error {
                return Err(local_error(&temp, &error));
            }
            let said = String::from_utf8_lossy(&stderr);
            if status == 2 && said.contains("directory") {
                return Err(self.problem(
                    &path,
                    "is a directory, and copying a directory needs SFTP, which this host cannot start",
                ));
            }
            let Some((size, mode)) = reader.header() else {
                return Err(self.failed(&path, "reading the file", status, &stderr));
            };
            if status != 0 || reader.body_len != size {
                return Err(self.failed(&path, "reading the file", status, &stderr));
            }
            fs::set_permissions(&temp, Permissions::from_mode(mode & MODE_BITS))
                .map_err(|error| local_error(&temp, &error))?;
            fs::rename(&temp, &destination).map_err(|error| local_error(&destination, &error))?;
            Ok(size)
        })();
        land(outcome, &temp, &path, &destination, started, on_file)
    }

    /// Whether `path` is a directory on the host.
    fn is_dir(&self, path: &Path) -> Result<bool, OperationError> {
        let marker = marker("piped_");
        let script = format!(
            "if [ -d {} ]; then echo {marker}yes; else echo {marker}no; fi",
            self.word(path)?
        );
        let (_, stdout, _) = self.run(&script, None)?;
        Ok(stdout.contains(&format!("{marker}yes")))
    }

    /// Runs `command`, failing with its stderr unless it exits 0.
    fn run_checked(&self, command: &str, about: &Path) -> Result<(), OperationError> {
        let (status, _, stderr) = self.run(command, None)?;
        if status == 0 {
            Ok(())
        } else {
            Err(self.failed(about, "preparing the directory", status, &stderr))
        }
    }

    /// Runs `script` with `input` on its stdin; returns its status, stdout and stderr
    /// (at most 64 KiB each).
    fn run(
        &self,
        script: &str,
        input: Option<&std::sync::Arc<Spool>>,
    ) -> Result<(i32, String, Vec<u8>), OperationError> {
        let request = ExecRequest {
            stdin: None,
            stdin_stream: input,
            timeout: Some(TIMEOUT),
            cancel: self.cancel,
        };
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let status = exec::exec(&self.link, script, request, &mut |stream, bytes| {
            let kept = match stream {
                Stream::Stdout => &mut stdout,
                Stream::Stderr => &mut stderr,
            };
            if kept.len() < 64 * 1024 {
                kept.extend_from_slice(bytes);
            }
        })?;
        Ok((
            status,
            String::from_utf8_lossy(&stdout).into_owned(),
            stderr,
        ))
    }

    fn word(&self, path: &Path) -> Result<String, OperationError> {
        quote(&path.to_string_lossy()).ok_or_else(|| self.problem(path, "holds a NUL byte"))
    }

    fn problem(&self, path: &Path, reason: &str) -> OperationError {
        OperationError::Remote {
            location: format!("{}:{}", self.user_at_host, path.display()),
            reason: reason.to_owned(),
        }
    }

    fn failed(&self, path: &Path, what: &str, status: i32, stderr: &[u8]) -> OperationError {
        let said = String::from_utf8_lossy(stderr);
        let line = said.lines().map(str::trim).rfind(|l| !l.is_empty());
        let reason = match line {
            Some(line) => {
                format!("{what} over an exec channel failed (exit status {status}): {line}")
            }
            None => format!("{what} over an exec channel failed (exit status {status})"),
        };
        self.problem(path, &reason)
    }
}

/// Splits a get's stdout: what the shell printed before the marker line (skipped), the
/// header after the marker (size and mode), then the file's bytes.
struct Body {
    marker: Vec<u8>,
    preamble: Vec<u8>,
    header: Option<(u64, u32)>,
    body_len: u64,
    /// No header in the first [`MAX_PREAMBLE`] bytes, or a garbled one: stop looking.
    hopeless: bool,
}

impl Body {
    fn new(marker: &str) -> Body {
        Body {
            marker: marker.as_bytes().to_vec(),
            preamble: Vec::new(),
            header: None,
            body_len: 0,
            hopeless: false,
        }
    }

    /// Takes one chunk of stdout; hands the file's bytes in it to `body`.
    fn feed(&mut self, bytes: &[u8], body: &mut dyn FnMut(&[u8])) {
        if self.header.is_some() {
            self.body_len += bytes.len() as u64;
            body(bytes);
            return;
        }
        if self.hopeless {
            return;
        }
        self.preamble.extend_from_slice(bytes);
        let Some(rest) = self.header_end() else {
            if self.preamble.len() > MAX_PREAMBLE {
                self.hopeless = true;
                self.preamble = Vec::new();
            }
            return;
        };
        let tail = self.preamble.split_off(rest);
        self.preamble = Vec::new();
        if self.header.is_some() {
            self.body_len += tail.len() as u64;
            body(&tail);
        }
    }

    /// Reads the header once it is complete; returns where the body starts.
    fn header_end(&mut self) -> Option<usize> {
        let start = find(&self.preamble, &self.marker)?;
        let after = start + self.marker.len();
        let newline = self.preamble[after..].iter().position(|b| *b == b'\n')? + after;
        let header = String::from_utf8_lossy(&self.preamble[after..newline]).into_owned();
        let mut fields = header.split_whitespace();
        let size = fields.next().and_then(|f| f.parse().ok());
        let mode = fields.next().and_then(|f| u32::from_str_radix(f, 8).ok());
        match (size, mode) {
            (Some(size), Some(mode)) => self.header = Some((size, mode)),
            _ => self.hopeless = true,
        }
        Some(newline + 1)
    }

    fn header(&self) -> Option<(u64, u32)> {
        self.header
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len().max(1))
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> (Option<(u64, u32)>, Vec<u8>) {
        let mut body = Body::new("MARK");
        let mut out = Vec::new();
        for chunk in chunks {
            body.feed(chunk, &mut |bytes| out.extend_from_slice(bytes));
        }
        (body.header(), out)
    }

    #[test]
    fn skips_what_the_shell_printed_and_keeps_every_byte_after_the_header() {
        let (header, out) = split(&[b"Welcome!\nMA", b"RK 5 644\nab\n\x00", b"\xff"]);
        assert_eq!(header, Some((5, 0o644)));
        assert_eq!(out, b"ab\n\x00\xff");
        let (header, out) = split(&[b"MARK 0 600\n"]);
        assert_eq!((header, out), (Some((0, 0o600)), Vec::new()));
    }

    #[test]
    fn no_marker_or_a_garbled_header_gives_no_body() {
        assert_eq!(split(&[b"only chatter\n"]), (None, Vec::new()));
        assert_eq!(split(&[b"MARK five 644\nab"]), (None, Vec::new()));
    }
}
