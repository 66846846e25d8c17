//! `run` steps: the command through the login user's shell, or through `sudo` for
//! `become`; its output goes out live and is kept (bounded) for `register`.

use std::cell::RefCell;

use crate::event::{Event, Stream};
use crate::executor::run_streaming;
use crate::plan::{Rendered, StepResult};
use crate::shell::quote;
use crate::ssh::{ExecRequest, Transport};

use super::outcome::{Done, Io};
use crate::executor::privilege::Shell;

/// At most this much of each stream is kept for `register`; the rest is still shown.
const MAX_KEPT: usize = 1024 * 1024;

/// The first [`MAX_KEPT`] bytes of a command's stdout and stderr.
#[derive(Default)]
struct Kept {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    truncated: bool,
}

impl Kept {
    fn keep(&mut self, stream: Stream, data: &[u8]) {
        let kept = match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        };
        let room = MAX_KEPT.saturating_sub(kept.len());
        kept.extend_from_slice(&data[..data.len().min(room)]);
        self.truncated |= data.len() > room;
    }
}

/// Runs a `run` step's rendered command on the host, in its `chdir` with its
/// `environment` ([`script`]) and its `stdin` on standard input, its output live as
/// `Output` events. A command that ran is `changed` (as Ansible reports commands), and
/// `failed` unless its exit status is 0.
pub(super) fn run_command(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    command: &str,
    rendered: &Rendered,
) -> Done {
    let input = rendered.stdin.as_deref().map(str::as_bytes);
    let Some(line) = script(command, rendered).and_then(|script| shell.command(&script)) else {
        return Done::failed(
            "the command, its chdir or its environment holds a NUL byte, which no shell can take",
        );
    };
    // The sudo password, or the step's `stdin:` (validation keeps them apart).
    let stdin = shell.stdin();
    let request = ExecRequest {
        stdin_stream: None,
        stdin: stdin.as_deref().or(input),
        timeout: io.timeout,
        cancel: io.cancel,
    };
    let kept = RefCell::new(Kept::default());
    let tee = |event: Event| {
        if let Event::Output { stream, data, .. } = &event {
            kept.borrow_mut().keep(*stream, data);
        }
        (io.send)(event);
    };
    let exit = run_streaming(transport, io.host, &line, request, &tee);
    let kept = kept.into_inner();
    let mut result = StepResult {
        stdout: registered_text(&kept.stdout),
        stderr: registered_text(&kept.stderr),
        ..StepResult::default()
    };
    let mut message = match exit {
        Ok(0) => {
            result.rc = Some(0);
            result.changed = true;
            None
        }
        Ok(code) => {
            // Ansible's command reports changed when it ran, whatever its exit status
            // (`failed_when` may turn the failure into a success).
            result.rc = Some(code);
            result.changed = true;
            result.failed = true;
            Some(format!("exit status {code}"))
        }
        Err(error) => {
            result.failed = true;
            Some(error.to_string())
        }
    };
    if kept.truncated {
        let note = "output beyond 1 MiB per stream is shown but not registered";
        message = Some(match message {
            Some(message) => format!("{message} ({note})"),
            None => note.to_owned(),
        });
    }
    Done { result, message }
}

/// The shell text that runs `command` in `rendered.chdir` (the command does not run if
/// the shell cannot change there: exit status 1) with `rendered.environment` exported,
/// every value quoted with [`quote`]. Names were validated when the playbook loaded;
/// `None` when a value holds a NUL byte.
fn script(command: &str, rendered: &Rendered) -> Option<String> {
    let mut script = String::new();
    if let Some(dir) = &rendered.chdir {
        script.push_str(&format!("cd -- {} || exit 1\n", quote(dir)?));
    }
    if !rendered.environment.is_empty() {
        script.push_str("export");
        for (name, value) in &rendered.environment {
            script.push_str(&format!(" {name}={}", quote(value)?));
        }
        script.push('\n');
    }
    if script.is_empty() {
        return Some(command.to_owned());
    }
    script.push_str(command);
    Some(script)
}

/// Output as `register` keeps it: lossily decoded, trailing newlines removed (as in
/// Ansible, so `{{ r.stdout }}` drops into a command line).
fn registered_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.trim_end_matches(['\r', '\n']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(chdir: Option<&str>, environment: &[(&str, &str)]) -> Rendered {
        Rendered {
            action: crate::plan::PlannedAction::Run {
                command: "make".into(),
            },
            creates: None,
            removes: None,
            stdin: None,
            chdir: chdir.map(str::to_owned),
            environment: environment
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        }
    }

    #[test]
    fn chdir_and_environment_go_before_the_command_quoted() {
        assert_eq!(script("make", &rendered(None, &[])).unwrap(), "make");
        assert_eq!(
            script("make; ls", &rendered(Some("/srv/my app"), &[])).unwrap(),
            "cd -- '/srv/my app' || exit 1\nmake; ls"
        );
        assert_eq!(
            script(
                "make",
                &rendered(Some("/srv"), &[("B", "x'; rm -rf ~"), ("A", "1")])
            )
            .unwrap(),
            "cd -- /srv || exit 1\nexport A=1 B='x'\"'\"'; rm -rf ~'\nmake"
        );
        assert_eq!(script("make", &rendered(None, &[("A", "a\0b")])), None);
    }

    #[test]
    fn registered_output_loses_its_trailing_newlines_only() {
        assert_eq!(registered_text(b"a\n\nb\r\n\n"), "a\n\nb");
        assert_eq!(registered_text(b"\xffx\n"), "\u{fffd}x");
    }

    #[test]
    fn output_is_kept_up_to_the_limit() {
        let mut kept = Kept::default();
        kept.keep(Stream::Stdout, &vec![b'a'; MAX_KEPT - 1]);
        kept.keep(Stream::Stdout, b"bc\n");
        kept.keep(Stream::Stderr, b"e\n");
        assert_eq!(kept.stdout.len(), MAX_KEPT);
        assert_eq!(kept.stdout.last(), Some(&b'b'));
        assert_eq!(kept.stderr, b"e\n");
        assert!(kept.truncated);
    }
}
