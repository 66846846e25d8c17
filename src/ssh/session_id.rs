//! Which remote session a command runs in, so that what its shell left behind can be
//! ended after the shell itself is gone.
//!
//! sshd starts each command's shell as a session leader (`setsid`), and a non-interactive
//! shell starts background jobs in its own process group, so every process the command
//! started (unless it called `setsid` itself) is in the process group whose id is the
//! shell's pid. A "signal" request only reaches that group while the shell lives; after
//! it exited, `kill -TERM -PGID` from a second command does. The shell tells us its pid
//! first thing, on stdout, inside a record of control characters that [`SessionFilter`]
//! takes out of the stream before the user sees it.
//!
//! The login shell prints the record itself, with no process of its own in a POSIX shell
//! (a `printf` builtin and `$$`), so announcing costs the server nothing measurable (a
//! `sh -c` child did: about 1.4 ms of sshd-side CPU per command, bench scenario 1). The prefix
//! is one line that every login shell family reads its own way, because fish lets `\'`
//! escape a quote inside single quotes and the others do not:
//!
//! ```text
//! true '\''; FISH; true '; POSIX; true '\';
//! ```
//!
//! sh, bash, dash, zsh, ksh, busybox and csh/tcsh see a quoted `\; FISH; true ` (an
//! argument of `true`, which ignores it), then run `POSIX` (`printf` with `$$`; csh's
//! `printf` and `true` are programs, its `$$` the shell's pid all the same); fish sees `'`
//! as the argument, runs `FISH` (`printf` with `$fish_pid`; fish rejects `$$` outright),
//! then a quoted `; POSIX; true ` followed by an escaped `'`. No redirection: a restricted
//! shell (rbash) refuses every one, and csh has no way to send only stdout to stderr
//! (`>&2` there writes a file named `2`), so the record goes to stdout. `:` would do for
//! `true` but in csh, which refuses arguments to it. A test runs the prefix through each
//! of these shells.

/// Starts the record: ASCII record separator and a tag.
const START: &[u8] = b"\x1eherd-session:";
/// Ends the record.
const END: u8 = 0x1e;
/// Longer stdout without the record means it will not come (the command is not run by a
/// shell, as under a forced command, or the shell printed that much first): stop looking.
const GIVE_UP_AFTER: usize = 64 * 1024;

/// The shell code that prints the record, in every login shell family (see the module
/// docs); put it before the command.
pub(super) const ANNOUNCE: &str = concat!(
    r#"true '\''; "#,
    r#"printf "\036herd-session:%s\036" $fish_pid; "#,
    r#"true '; "#,
    r#"printf "\036herd-session:%s\036" "$$"; "#,
    r#"true '\'; "#,
);

/// Ends what is left of process group `pid`: TERM, then KILL a second later if anything
/// remains. Run by `sh -c`, so it means the same whatever the login shell (rarely: only
/// after a stop, for a shell that left processes behind).
pub(super) fn end_group(pid: u32) -> String {
    format!(
        "sh -c 'kill -TERM -{pid} 2>/dev/null || exit 0; sleep 1; kill -KILL -{pid} 2>/dev/null; exit 0'"
    )
}

/// Takes the record out of a command's stdout; everything else is passed on unchanged,
/// in order.
#[derive(Debug, Default)]
pub(super) struct SessionFilter {
    pending: Vec<u8>,
    /// The shell's pid (its process group and session id), once read.
    pub(super) pid: Option<u32>,
    done: bool,
}

impl SessionFilter {
    /// Filters one chunk of stdout.
    pub(super) fn filter(&mut self, chunk: &[u8], forward: &mut dyn FnMut(&[u8])) {
        if self.done {
            forward(chunk);
            return;
        }
        self.pending.extend_from_slice(chunk);
        if let Some(start) = find(&self.pending, START) {
            let digits = start + START.len();
            if let Some(length) = self.pending[digits..].iter().position(|b| *b == END) {
                self.pid = std::str::from_utf8(&self.pending[digits..digits + length])
                    .ok()
                    .and_then(|text| text.parse().ok());
                let after = digits + length + 1;
                let pending = std::mem::take(&mut self.pending);
                self.done = true;
                if start > 0 {
                    forward(&pending[..start]);
                }
                if after < pending.len() {
                    forward(&pending[after..]);
                }
            }
            return;
        }
        if self.pending.len() > GIVE_UP_AFTER {
            self.flush(forward);
            return;
        }
        // Pass on what cannot be the start of the record.
        let keep = partial_start(&self.pending);
        let send = self.pending.len() - keep;
        if send > 0 {
            forward(&self.pending[..send]);
            self.pending.drain(..send);
        }
    }

    /// Passes on whatever is held back (at the end of the output).
    pub(super) fn flush(&mut self, forward: &mut dyn FnMut(&[u8])) {
        self.done = true;
        if !self.pending.is_empty() {
            forward(&std::mem::take(&mut self.pending));
        }
    }
}

/// How many bytes at the end of `bytes` could begin the record (a record started but not
/// finished is held back whole).
fn partial_start(bytes: &[u8]) -> usize {
    if let Some(at) = bytes.iter().rposition(|b| *b == START[0]) {
        let tail = &bytes[at..];
        let prefix = tail.len().min(START.len());
        if tail[..prefix] == START[..prefix] {
            return tail.len();
        }
    }
    0
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]]) -> (Option<u32>, Vec<u8>) {
        let mut filter = SessionFilter::default();
        let mut out = Vec::new();
        for chunk in chunks {
            filter.filter(chunk, &mut |b| out.extend_from_slice(b));
        }
        filter.flush(&mut |b| out.extend_from_slice(b));
        (filter.pid, out)
    }

    #[test]
    fn the_record_is_taken_out_wherever_chunks_split_it() {
        let whole = b"motd from .bashrc\n\x1eherd-session:4242\x1eoutput\n";
        for split in 0..whole.len() {
            let (pid, out) = run(&[&whole[..split], &whole[split..]]);
            assert_eq!(pid, Some(4242), "split at {split}");
            assert_eq!(out, b"motd from .bashrc\noutput\n", "split at {split}");
        }
    }

    #[test]
    fn without_a_record_everything_passes_unchanged() {
        let (pid, out) = run(&[b"plain \x1e text", b" more"]);
        assert_eq!(pid, None);
        assert_eq!(out, b"plain \x1e text more");
        let big = vec![b'x'; GIVE_UP_AFTER + 10];
        assert_eq!(run(&[&big]).1, big);
    }

    /// The login shells a fleet has; `scripts/setup-machine.sh` installs them.
    const LOGIN_SHELLS: [&[&str]; 13] = [
        &["sh"],
        &["bash"],
        &["rbash"],
        &["dash"],
        &["zsh"],
        &["ksh"],
        &["mksh"],
        &["yash"],
        &["posh"],
        &["busybox", "sh"],
        &["fish"],
        &["tcsh"],
        &["bsd-csh"],
    ];

    #[test]
    fn every_login_shell_announces_its_own_pid_and_then_runs_the_command_unchanged() {
        for shell in LOGIN_SHELLS {
            let folder = tempfile::tempdir().unwrap();
            // As sshd runs a command: the login shell with -c.
            let child = std::process::Command::new(shell[0])
                .args(&shell[1..])
                .arg("-c")
                .arg(format!("{ANNOUNCE}echo one 'two  three'"))
                .current_dir(folder.path())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap_or_else(|error| {
                    panic!("cannot run {shell:?} ({error}): scripts/setup-machine.sh installs it")
                });
            let pid = child.id();
            let output = child.wait_with_output().unwrap();
            let (announced, stdout) = run(&[&output.stdout]);
            assert_eq!(announced, Some(pid), "{shell:?}");
            assert_eq!(stdout, b"one two  three\n", "{shell:?}");
            assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{shell:?}");
            assert!(output.status.success(), "{shell:?}");
            // Nothing written where it ran (csh's `>&2` would have made a file `2`).
            let left: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
            assert!(left.is_empty(), "{shell:?} left {left:?}");
        }
    }

    #[test]
    fn announce_is_a_shell_prefix() {
        assert!(ANNOUNCE.ends_with("; "));
        // dash's kill takes no `--`: `kill -TERM -77` is the portable spelling.
        assert!(end_group(77).contains("kill -TERM -77 "));
    }
}
