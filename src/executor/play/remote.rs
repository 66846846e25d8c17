//! Small remote commands whose output is read, never shown: does a path exist, what
//! is a file's mode, owner, size and SHA-256, `chmod`/`chown`, and a private temporary
//! directory for copies through `sudo`. Their messages never name the path (it may
//! hold a secret): callers add the shown one.
//!
//! A login shell may print before our script runs (an `echo` in `.bashrc`, a banner
//! from a ForceCommand), so a check's answer is read only between two marker lines the
//! script prints around it; what the shell printed outside them is ignored. When the
//! markers never come, the script did not run, and the error says so with what the host
//! printed instead (never a bare "exit status 0").

use crate::event::Stream;
use crate::playbook::Mode;
use crate::shell::{marker, quote};
use crate::ssh::{ExecRequest, Transport};

use super::outcome::Io;
use crate::executor::privilege::Shell;

/// At most this much of a check's output is read.
const MAX_OUTPUT: usize = 64 * 1024;

/// What is at a remote path.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum RemoteFile {
    /// Nothing.
    Absent,
    /// A regular file (or a symlink to one).
    File(FileState),
    /// A directory.
    Directory,
    /// Something else: a device, a socket, a dangling symlink.
    Other,
}

/// A remote regular file, as far as the host's tools tell.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct FileState {
    /// Permission bits (`stat -c %a`).
    pub(super) mode: Option<u32>,
    /// The owner's name and id.
    pub(super) owner: Option<(String, u32)>,
    /// The group's name and id.
    pub(super) group: Option<(String, u32)>,
    /// Size in bytes.
    pub(super) size: Option<u64>,
    /// SHA-256, lowercase hex; `None` when the host has neither `sha256sum` nor `shasum`
    /// or cannot read the file.
    pub(super) sha256: Option<String>,
}

/// Whether `path` exists on the host (`test -e`), looked at through `shell`.
pub(super) fn exists(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    path: &str,
) -> Result<bool, String> {
    let script = format!(
        "if test -e {}; then echo yes; else echo no; fi",
        word(path)?
    );
    let (code, answer, stderr) = quiet(transport, shell, io, &script)?;
    const WHAT: &str = "checking whether the path exists";
    match answer.as_deref().map(str::trim) {
        Some("yes") => Ok(true),
        Some("no") => Ok(false),
        Some(_) => Err(failure(WHAT, code, &stderr)),
        None => Err(did_not_run(WHAT, code, &stderr)),
    }
}

/// What is at `path` on the host, as `shell`'s user sees it.
pub(super) fn file_state(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    path: &str,
) -> Result<RemoteFile, String> {
    let script = format!(
        r#"p={}
if [ -f "$p" ]; then
  echo file
  echo "mode $(stat -c %a -- "$p" 2>/dev/null || stat -f %Lp -- "$p" 2>/dev/null)"
  echo "owner $(stat -c '%U %u' -- "$p" 2>/dev/null || stat -f '%Su %u' -- "$p" 2>/dev/null)"
  echo "group $(stat -c '%G %g' -- "$p" 2>/dev/null || stat -f '%Sg %g' -- "$p" 2>/dev/null)"
  echo "size $(wc -c <"$p" 2>/dev/null)"
  echo "sha256 $( (sha256sum || shasum -a 256) <"$p" 2>/dev/null)"
elif [ -d "$p" ]; then echo directory
elif [ -e "$p" ] || [ -L "$p" ]; then echo other
else echo absent
fi"#,
        word(path)?
    );
    let (code, answer, stderr) = quiet(transport, shell, io, &script)?;
    const WHAT: &str = "inspecting the path";
    match answer {
        Some(answer) => parse_file_state(&answer).ok_or_else(|| failure(WHAT, code, &stderr)),
        None => Err(did_not_run(WHAT, code, &stderr)),
    }
}

/// What a `put` sets on the file besides its content.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Attributes<'a> {
    /// Permission bits.
    pub(super) mode: Option<Mode>,
    /// Owner: a user name or id.
    pub(super) owner: Option<&'a str>,
    /// Group: a group name or id.
    pub(super) group: Option<&'a str>,
}

impl Attributes<'_> {
    /// Whether `file` already has every attribute asked for.
    pub(super) fn held_by(&self, file: &FileState) -> bool {
        let names = |wanted: Option<&str>, held: &Option<(String, u32)>| {
            wanted.is_none_or(|wanted| {
                held.as_ref()
                    .is_some_and(|(name, id)| wanted == name || wanted == id.to_string())
            })
        };
        self.mode.is_none_or(|mode| file.mode == Some(mode.bits()))
            && names(self.owner, &file.owner)
            && names(self.group, &file.group)
    }

    /// `mode 0644, owner root, group adm`, for messages.
    pub(super) fn describe(&self) -> String {
        let mut parts = Vec::new();
        parts.extend(self.mode.map(|mode| format!("mode {mode}")));
        parts.extend(self.owner.map(|owner| format!("owner {owner}")));
        parts.extend(self.group.map(|group| format!("group {group}")));
        parts.join(", ")
    }

    /// Shell commands that set the attributes on `path` (a shell word); each one that
    /// fails ends the script with its status.
    pub(super) fn commands(&self, path: &str) -> Result<String, String> {
        let mut script = String::new();
        if let Some(mode) = self.mode {
            script.push_str(&format!("chmod {mode} -- {path} || exit\n"));
        }
        if let Some(owner) = self.owner {
            script.push_str(&format!("chown -- {} {path} || exit\n", word(owner)?));
        }
        if let Some(group) = self.group {
            script.push_str(&format!("chgrp -- {} {path} || exit\n", word(group)?));
        }
        Ok(script)
    }
}

/// Sets `attributes` on `path` as `shell`'s user.
pub(super) fn set_attributes(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    path: &str,
    attributes: &Attributes<'_>,
) -> Result<(), String> {
    let script = attributes.commands(&word(path)?)?;
    let what = format!("setting {}", attributes.describe());
    checked(quiet(transport, shell, io, &script)?, &what)
}

/// A new private (0700) directory for the login user under `$TMPDIR` or `/tmp`; the
/// login user's such directories older than an hour (left by a killed run) go first.
pub(super) fn private_dir(transport: &mut dyn Transport, io: &Io<'_>) -> Result<String, String> {
    let script = format!(
        "d=${{TMPDIR:-/tmp}}\nfind \"$d\" -maxdepth 1 -type d -name '{PRIVATE}*' -user \"$(id -u)\" \
         -mmin +60 -exec rm -rf -- {{}} + 2>/dev/null\nmktemp -d \"$d/{PRIVATE}XXXXXX\""
    );
    const WHAT: &str = "making a private temporary directory";
    let (code, answer, stderr) = quiet(transport, &Shell::login(), io, &script)?;
    let dir = answer.ok_or_else(|| did_not_run(WHAT, code, &stderr))?;
    let dir = dir.trim();
    if code != 0 || !dir.starts_with('/') || dir.contains('\n') {
        return Err(failure(WHAT, code, &stderr));
    }
    Ok(dir.to_owned())
}

/// Removes a directory made by [`private_dir`], with what is in it.
pub(super) fn remove_private_dir(
    transport: &mut dyn Transport,
    io: &Io<'_>,
    dir: &str,
) -> Result<(), String> {
    let script = format!("rm -rf -- {}", word(dir)?);
    checked(
        quiet(transport, &Shell::login(), io, &script)?,
        "removing the private temporary directory",
    )
}

/// The name every [`private_dir`] starts with.
pub(super) const PRIVATE: &str = ".herd-become-";

/// Runs `script` as `shell`'s user with the remote file `input` on its standard input
/// (see [`Shell::command_fed`]); fails unless it exits 0.
pub(super) fn run_fed(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    (script, input): (&str, &str),
    what: &str,
) -> Result<(), String> {
    let (marker, delimited) = delimit(script);
    let line = shell
        .command_fed(&delimited, input)
        .ok_or_else(|| "the path holds a NUL byte".to_owned())?;
    checked(
        run_quiet(transport, io, &line, shell.stdin().as_deref(), &marker)?,
        what,
    )
}

/// Runs `command` as `shell`'s user with its standard output written, by the login
/// user, to the remote file `output`; fails unless it exits 0.
pub(super) fn run_into(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    (command, output): (&str, &str),
    what: &str,
) -> Result<(), String> {
    let no_nul = || "the path holds a NUL byte".to_owned();
    let line = shell.command(command).ok_or_else(no_nul)?;
    let (marker, delimited) = delimit(&format!("{{ {line}\n}} >{}", word(output)?));
    checked(
        run_quiet(transport, io, &delimited, shell.stdin().as_deref(), &marker)?,
        what,
    )
}

/// Ok when the quiet command ran and exited 0, else what went wrong.
fn checked(
    (code, answer, stderr): (i32, Option<String>, String),
    what: &str,
) -> Result<(), String> {
    match (code, answer) {
        (code, None) => Err(did_not_run(what, code, &stderr)),
        (0, Some(_)) => Ok(()),
        (code, Some(_)) => Err(failure(what, code, &stderr)),
    }
}

/// The remote file `path`, read as `shell`'s user; at most `max` bytes are kept.
pub(super) fn read(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    path: &str,
    max: usize,
) -> Result<Vec<u8>, String> {
    let marker = marker("read_");
    let script = format!("printf '%s\\n' {marker}\nexec cat -- {}", word(path)?);
    let line = shell
        .command(&script)
        .ok_or_else(|| "the path holds a NUL byte".to_owned())?;
    let stdin = shell.stdin();
    let request = ExecRequest {
        stdin_stream: None,
        stdin: stdin.as_deref(),
        timeout: io.timeout,
        cancel: io.cancel,
    };
    // What a chatty shell prints first, the marker line, then the file.
    let limit = MAX_OUTPUT + marker.len() + 1 + max;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = transport
        .exec(&line, request, &mut |stream, chunk| {
            let kept = match stream {
                Stream::Stdout => &mut stdout,
                Stream::Stderr => &mut stderr,
            };
            let room = limit.saturating_sub(kept.len());
            kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
        })
        .map_err(|error| error.to_string())?;
    let stderr = String::from_utf8_lossy(&stderr);
    const WHAT: &str = "reading the file";
    let start = format!("{marker}\n");
    let Some(at) = stdout
        .windows(start.len())
        .position(|window| window == start.as_bytes())
    else {
        return Err(did_not_run(WHAT, code, &stderr));
    };
    if code != 0 {
        return Err(failure(WHAT, code, &stderr));
    }
    let mut content = stdout.split_off(at + start.len());
    content.truncate(max);
    Ok(content)
}

/// `path` as one shell word.
fn word(path: &str) -> Result<String, String> {
    quote(path).ok_or_else(|| "the path holds a NUL byte".to_owned())
}

/// Runs `script` through `shell` without showing anything; returns its exit status,
/// what it printed between the markers and stderr, or (`None` when the markers never
/// came: the script did not run) all the host printed instead (each at most
/// [`MAX_OUTPUT`], lossily decoded).
fn quiet(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    script: &str,
) -> Result<(i32, Option<String>, String), String> {
    let (marker, delimited) = delimit(script);
    let line = shell
        .command(&delimited)
        .ok_or_else(|| "the path holds a NUL byte".to_owned())?;
    run_quiet(transport, io, &line, shell.stdin().as_deref(), &marker)
}

/// A fresh marker, and `script` with `MARKERbegin`/`MARKERend` lines printed around it;
/// the script runs in a subshell (an `exit` in it still reaches the end marker), and
/// the whole exits with the script's own status, not the closing echo's.
fn delimit(script: &str) -> (String, String) {
    let marker = marker("");
    let delimited = format!(
        "echo {marker}begin\n(\n{script}\n)\nherd_status=$?\necho {marker}end\nexit $herd_status"
    );
    (marker, delimited)
}

/// Runs the command `line` with `stdin`, as [`quiet`] describes.
fn run_quiet(
    transport: &mut dyn Transport,
    io: &Io<'_>,
    line: &str,
    stdin: Option<&[u8]>,
    marker: &str,
) -> Result<(i32, Option<String>, String), String> {
    let request = ExecRequest {
        stdin_stream: None,
        stdin,
        timeout: io.timeout,
        cancel: io.cancel,
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = transport
        .exec(line, request, &mut |stream, chunk| {
            let kept = match stream {
                Stream::Stdout => &mut stdout,
                Stream::Stderr => &mut stderr,
            };
            let room = MAX_OUTPUT.saturating_sub(kept.len());
            kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
        })
        .map_err(|error| error.to_string())?;
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let stdout = text(&stdout);
    Ok(match between(&stdout, marker) {
        Some(answer) => (code, Some(answer), text(&stderr)),
        // What the host printed instead of running the check, for the message.
        None => (code, None, format!("{stdout}\n{}", text(&stderr))),
    })
}

/// The lines of `stdout` between `MARKERbegin` and `MARKERend`, if both came.
fn between(stdout: &str, marker: &str) -> Option<String> {
    let begin = format!("{marker}begin\n");
    let end = format!("{marker}end");
    let start = stdout.find(&begin)? + begin.len();
    let length = stdout[start..].find(&end)?;
    Some(stdout[start..start + length].to_owned())
}

/// The check never ran: the host printed something else and exited (a ForceCommand, a
/// shell such as `/usr/bin/false`); `printed` is what it printed instead.
fn did_not_run(what: &str, code: i32, printed: &str) -> String {
    let stderr = printed;
    if let Some(sudo) = stderr
        .lines()
        .map(str::trim)
        .rfind(|line| line.starts_with("sudo:"))
    {
        return format!("{what} failed: sudo refused (exit status {code}): {sudo}");
    }
    let said = stderr.lines().map(str::trim).find(|line| !line.is_empty());
    let mut text = format!(
        "{what} failed: herd's check did not run (exit status {code}); the host runs something \
         else for commands (a ForceCommand, or a login shell that does not run them?)"
    );
    if let Some(line) = said {
        text.push_str(&format!("; it said: {line}"));
    }
    text
}

/// `WHAT failed (exit status N): LAST LINE OF STDERR` (where tools such as sudo sum up).
fn failure(what: &str, code: i32, stderr: &str) -> String {
    match stderr.lines().map(str::trim).rfind(|line| !line.is_empty()) {
        Some(line) => format!("{what} failed (exit status {code}): {line}"),
        None => format!("{what} failed (exit status {code})"),
    }
}

/// Reads the output of [`file_state`]'s script; `None` when it is not that.
fn parse_file_state(stdout: &str) -> Option<RemoteFile> {
    let mut lines = stdout.lines();
    let kind = match lines.next()?.trim() {
        "absent" => return Some(RemoteFile::Absent),
        "directory" => return Some(RemoteFile::Directory),
        "other" => return Some(RemoteFile::Other),
        "file" => lines,
        _ => return None,
    };
    let mut state = FileState::default();
    for line in kind {
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        let value = value.trim();
        match key {
            "mode" => state.mode = u32::from_str_radix(value, 8).ok(),
            "size" => state.size = value.parse().ok(),
            "owner" => state.owner = name_and_id(value),
            "group" => state.group = name_and_id(value),
            "sha256" => {
                let digest = value.split_whitespace().next().unwrap_or("");
                let valid = digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit());
                state.sha256 = valid.then(|| digest.to_ascii_lowercase());
            }
            _ => {}
        }
    }
    Some(RemoteFile::File(state))
}

/// `NAME ID` as `stat` prints them.
fn name_and_id(value: &str) -> Option<(String, u32)> {
    let (name, id) = value.split_once(' ')?;
    Some((name.to_owned(), id.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn file_state_output() {
        assert_eq!(parse_file_state("absent\n"), Some(RemoteFile::Absent));
        assert_eq!(parse_file_state("directory\n"), Some(RemoteFile::Directory));
        assert_eq!(parse_file_state("other\n"), Some(RemoteFile::Other));
        assert_eq!(parse_file_state(""), None);
        assert_eq!(parse_file_state("sh: syntax error\n"), None);
        let output = format!(
            "file\nmode 644\nowner root 0\ngroup adm 4\nsize       4\nsha256 {DIGEST}  -\n"
        );
        let state = FileState {
            mode: Some(0o644),
            owner: Some(("root".into(), 0)),
            group: Some(("adm".into(), 4)),
            size: Some(4),
            sha256: Some(DIGEST.into()),
        };
        assert_eq!(
            parse_file_state(&output),
            Some(RemoteFile::File(FileState { ..state }))
        );
        assert_eq!(
            parse_file_state("file\nmode 4755\nowner \ngroup x\nsize \nsha256 \n"),
            Some(RemoteFile::File(FileState {
                mode: Some(0o4755),
                ..FileState::default()
            }))
        );
    }

    #[test]
    fn attributes_match_by_name_or_id() {
        let file = FileState {
            mode: Some(0o640),
            owner: Some(("root".into(), 0)),
            group: Some(("adm".into(), 4)),
            ..FileState::default()
        };
        let mode = Mode::parse;
        let wanted = |mode, owner, group| Attributes { mode, owner, group };
        assert!(wanted(None, None, None).held_by(&file));
        assert!(wanted(mode("0640"), Some("root"), Some("4")).held_by(&file));
        assert!(wanted(None, Some("0"), Some("adm")).held_by(&file));
        assert!(!wanted(mode("0644"), None, None).held_by(&file));
        assert!(!wanted(None, Some("herd_carol"), None).held_by(&file));
        assert!(!wanted(None, None, Some("root")).held_by(&file));
        assert!(!wanted(None, Some("root"), None).held_by(&FileState::default()));
        assert_eq!(
            wanted(mode("0640"), Some("root"), Some("a b"))
                .commands("'/x'")
                .unwrap(),
            "chmod 0640 -- '/x' || exit\nchown -- root '/x' || exit\nchgrp -- 'a b' '/x' || exit\n"
        );
    }

    #[test]
    fn only_the_text_between_the_markers_is_the_answer() {
        let marker = marker("");
        assert_ne!(marker, super::marker(""));
        let chatty = format!("Welcome!\nyes\n{marker}begin\nno\n{marker}end\nbye\n");
        assert_eq!(between(&chatty, &marker).as_deref(), Some("no\n"));
        assert_eq!(between("Welcome!\nyes\n", &marker), None);
        assert_eq!(between(&format!("{marker}begin\nno\n"), &marker), None);
        assert!(
            did_not_run("x", 0, "This account is not available\n")
                .contains("it said: This account")
        );
        assert_eq!(
            did_not_run(
                "x",
                1,
                "\nSorry, try again.\nsudo: 1 incorrect password attempt\n"
            ),
            "x failed: sudo refused (exit status 1): sudo: 1 incorrect password attempt"
        );
    }

    #[test]
    fn failures_show_the_last_line_of_stderr() {
        assert_eq!(
            failure(
                "x",
                1,
                "Sorry, try again.\nsudo: 1 incorrect password attempt\n\n"
            ),
            "x failed (exit status 1): sudo: 1 incorrect password attempt"
        );
        assert_eq!(failure("x", 2, ""), "x failed (exit status 2)");
    }
}
