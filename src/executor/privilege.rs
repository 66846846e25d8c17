//! Running a command as another user through `sudo`: `become` steps of playbooks and
//! `herd run --become`. The password never appears on a command line.

use crate::secret::Secret;
use crate::shell::{marker, quote};

/// How a command reaches the host's shell: as the login user, or as root via `sudo`.
pub(crate) struct Shell<'a> {
    /// Run through `sudo` (`become: true`, `--become`).
    pub(crate) become_: bool,
    /// The user `sudo` runs the command as (`become_user`, `--become-user`); root if none.
    pub(crate) user: Option<&'a str>,
    /// The password `sudo -S` reads from standard input; without one, `sudo -n`.
    pub(crate) password: Option<&'a Secret>,
}

impl Shell<'_> {
    /// The login user's shell, no `sudo`.
    pub(crate) fn login() -> Shell<'static> {
        Shell {
            become_: false,
            user: None,
            password: None,
        }
    }

    /// The command line to send. Under `become`, `sh -c COMMAND` runs under
    /// `sudo -S -k -p ''` (the password comes on standard input, never on a command
    /// line; `-k` makes sudo read it even when it has cached credentials, and the inner
    /// shell reads `/dev/null`, so a `NOPASSWD` rule cannot hand the password to the
    /// command either), or under `sudo -n` without a password. `None` when the command
    /// holds a NUL byte, which no shell word can.
    pub(crate) fn command(&self, command: &str) -> Option<String> {
        if !self.become_ {
            return Some(command.to_owned());
        }
        match self.password {
            Some(_) => self.sudo(&format!("exec </dev/null; {command}")),
            None => self.sudo(command),
        }
    }

    /// The command line that runs `command` (as [`Shell::command`] does) with the remote
    /// file `input` on its standard input. Under `become` the login user's shell reads
    /// the file (so the become user needs no access to it) and pipes it into `sudo`
    /// after the password line and a marker line; the command first reads up to that
    /// marker, which it finds whether or not sudo took the password (a `NOPASSWD` rule
    /// leaves the password line to the command, which drops it). The password comes
    /// from [`Shell::stdin`] into a shell variable, never onto a command line. `None`
    /// when a word holds a NUL byte.
    pub(crate) fn command_fed(&self, command: &str, input: &str) -> Option<String> {
        let input = quote(input)?;
        if !self.become_ {
            return Some(format!("{{\n{command}\n}} <{input}"));
        }
        let marker = marker("fed_");
        let skip_to_marker = format!(
            "herd_n=0\nwhile IFS= read -r herd_line; do [ \"$herd_line\" = {marker} ] && break; \
             herd_n=$((herd_n + 1)); [ $herd_n -lt 2 ] || exit 90; done\nherd_line=\n{command}"
        );
        let sudo = self.sudo(&skip_to_marker)?;
        let (read, password) = match self.password {
            Some(_) => ("IFS= read -r herd_pw\n", "\"$herd_pw\" "),
            None => ("", ""),
        };
        Some(format!(
            "{read}{{ printf '%s\\n' {password}{marker}; cat -- {input}; }} | {sudo}"
        ))
    }

    /// `sudo … -- sh -c SCRIPT`: `-S -k -p ''` with a password (read from standard
    /// input, even when sudo has cached credentials), else `-n`.
    fn sudo(&self, script: &str) -> Option<String> {
        let user = match self.user {
            Some(user) => format!("-u {} ", quote(user)?),
            None => String::new(),
        };
        let flags = match self.password {
            Some(_) => "-S -k -p ''",
            None => "-n",
        };
        Some(format!("sudo {flags} {user}-- sh -c {}", quote(script)?))
    }

    /// What the command's standard input holds: the password line for `sudo -S`.
    pub(crate) fn stdin(&self) -> Option<Vec<u8>> {
        let password = self.password.filter(|_| self.become_)?;
        let mut line = password.expose().as_bytes().to_vec();
        line.push(b'\n');
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn become_wraps_in_sudo_and_feeds_the_password_on_stdin() {
        let password = Secret::new("pw'; echo leaked");
        let with = Shell {
            become_: true,
            user: None,
            password: Some(&password),
        };
        let line = with.command("whoami && id -u").unwrap();
        assert_eq!(
            line,
            "sudo -S -k -p '' -- sh -c 'exec </dev/null; whoami && id -u'"
        );
        assert!(!line.contains("leaked"));
        assert_eq!(with.stdin().unwrap(), b"pw'; echo leaked\n");
        let without = Shell {
            become_: true,
            user: None,
            password: None,
        };
        assert_eq!(
            without.command("echo 'hi'").unwrap(),
            r#"sudo -n -- sh -c 'echo '"'"'hi'"'"''"#
        );
        assert_eq!(without.stdin(), None);
        let plain = Shell {
            become_: false,
            user: None,
            password: Some(&password),
        };
        assert_eq!(plain.command("whoami").unwrap(), "whoami");
        assert_eq!(plain.stdin(), None, "no sudo, no password on stdin");
        assert_eq!(with.command("a\0b"), None);
    }

    /// Runs `line` with `sh` and `stdin`, with a stand-in `sudo` first on `PATH` that
    /// reads the password line (as `sudo -S` does, byte by byte) unless `nopasswd`, then
    /// runs the command after `--` with the rest of the input.
    fn fed_through_fake_sudo(line: &str, stdin: &[u8], nopasswd: bool) -> Vec<u8> {
        use std::io::Write;
        use std::os::unix::fs::PermissionsExt;
        use std::process::{Command, Stdio};
        let dir = tempfile::tempdir().unwrap();
        let sudo = dir.path().join("sudo");
        std::fs::write(
            &sudo,
            "#!/bin/sh\nasks=no\nwhile [ \"$1\" != -- ]; do [ \"$1\" = -S ] && asks=yes; shift; done\n\
             shift\nif [ $asks = yes ] && [ -z \"$NOPASSWD\" ]; then IFS= read -r pw; \
             [ \"$pw\" = \"pw'; x\" ] || exit 1; fi\nexec \"$@\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&sudo, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!(
            "{}:{}",
            dir.path().display(),
            std::env::var("PATH").unwrap()
        );
        let mut command = Command::new("sh");
        command
            .args(["-c", line])
            .env("PATH", path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        if nopasswd {
            command.env("NOPASSWD", "1");
        }
        let mut child = command.spawn().unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        out.stdout
    }

    #[test]
    fn a_fed_command_gets_the_file_whether_or_not_sudo_takes_the_password() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("content");
        let content = b"first line\n\0binary\xff\nno newline at the end";
        std::fs::write(&input, content).unwrap();
        let input = input.to_str().unwrap();
        let password = Secret::new("pw'; x");
        let with = Shell {
            become_: true,
            user: Some("app"),
            password: Some(&password),
        };
        let line = with.command_fed("cat", input).unwrap();
        assert!(!line.contains("pw'"), "{line}");
        let stdin = with.stdin().unwrap();
        for nopasswd in [false, true] {
            assert_eq!(
                fed_through_fake_sudo(&line, &stdin, nopasswd),
                content,
                "nopasswd: {nopasswd}"
            );
        }
        let without = Shell {
            become_: true,
            user: None,
            password: None,
        };
        let line = without.command_fed("cat", input).unwrap();
        assert!(line.contains("sudo -n -- sh -c"), "{line}");
        assert_eq!(fed_through_fake_sudo(&line, b"", false), content);
        let login = Shell::login().command_fed("cat", input).unwrap();
        assert_eq!(fed_through_fake_sudo(&login, b"", false), content);
    }

    #[test]
    fn become_user_runs_sudo_as_that_user() {
        let shell = Shell {
            become_: true,
            user: Some("post gres"),
            password: None,
        };
        assert_eq!(
            shell.command("id -un").unwrap(),
            "sudo -n -u 'post gres' -- sh -c 'id -un'"
        );
    }
}
