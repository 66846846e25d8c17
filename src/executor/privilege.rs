//! Running a command as another user through `sudo`: `become` steps of playbooks and
//! `herd run --become`. The password never appears on a command line.

use crate::secret::Secret;
use crate::shell::quote;

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
        let user = match self.user {
            Some(user) => format!("-u {} ", quote(user)?),
            None => String::new(),
        };
        Some(match self.password {
            Some(_) => format!(
                "sudo -S -k -p '' {user}-- sh -c {}",
                quote(&format!("exec </dev/null; {command}"))?
            ),
            None => format!("sudo -n {user}-- sh -c {}", quote(command)?),
        })
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
