//! Executable inventory scripts: run with `--list` (and `--host NAME`), read as JSON.
//!
//! As Ansible's `script` inventory plugin: the script runs with stdin closed, in its
//! own process group, with the caller's environment and working directory; it must
//! exit 0 and print UTF-8 JSON on stdout. A run longer than the timeout is killed
//! (the whole group). Errors quote the end of its stderr, never its output, which may
//! hold secrets. A file that is executable but not a program (no `#!`, not a binary:
//! the system refuses it with ENOEXEC) is not a script; the caller reads it as a file,
//! as Ansible falls through to its other plugins.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::error::{InventoryError, Location};
use super::parse::Draft;
use super::value::Vars;
use super::yaml_value::{self, Kind, Node};

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

/// Reads the inventory that script `path` printed for `--list` (`output`) into `draft`:
/// its groups (`hosts`, `vars`, `children`; a bare list of hosts, or a mapping without
/// those keys, as Ansible still accepts), then each host's vars from `_meta.hostvars`,
/// or from `path --host NAME` when the output has no `_meta`. Host names are taken as
/// written (no ranges).
pub(super) fn read(
    draft: &mut Draft,
    path: &Path,
    output: &Output,
    timeout: Duration,
) -> Result<(), InventoryError> {
    let source = format!("output of `{} --list`", path.display());
    let root = json_document(path, &output.stdout, "--list")?;
    let offset = draft.begin_file(&source, output.stdout.lines().count());
    let reader = Reader {
        source: &source,
        offset,
    };
    let Some(entries) = root.as_map() else {
        return Err(reader.problem(root.line, "the output is not a JSON object of groups"));
    };
    let mut hosts = Hosts::default();
    let mut hostvars = None;
    for (key, data) in entries {
        let name = key.scalar_text().unwrap_or_default();
        if name != "_meta" {
            reader.group(draft, key, &name, data, &mut hosts)?;
            continue;
        }
        let meta = data
            .as_map()
            .ok_or_else(|| reader.problem(data.line, "`_meta` must be an object"))?;
        let found = meta
            .iter()
            .find(|(k, _)| k.scalar_text().as_deref() == Some("hostvars"));
        let mut by_host = HashMap::new();
        if let Some((_, vars)) = found {
            let entries = vars.as_map().ok_or_else(|| {
                reader.problem(
                    vars.line,
                    "`_meta.hostvars` must be an object of host names to their vars",
                )
            })?;
            for (host, vars) in entries {
                by_host.insert(host.scalar_text().unwrap_or_default(), (host.line, vars));
            }
        }
        hostvars = Some(by_host);
    }
    for host in &hosts.order {
        let (line, vars) = match &hostvars {
            Some(by_host) => match by_host.get(host) {
                Some((line, vars)) => (
                    *line,
                    reader.vars(vars, &format!("_meta.hostvars.{host}"), *line)?,
                ),
                None => (0, Vars::new()),
            },
            None => (0, host_vars(path, host, timeout)?),
        };
        draft
            .add_host(host, &vars, offset + line, None)
            .map_err(|problem| draft.error(offset + line, host, problem))?;
    }
    Ok(())
}

/// The hosts a script's groups list, in order of first mention, once each.
#[derive(Default)]
struct Hosts {
    order: Vec<String>,
    seen: HashSet<String>,
}

/// `path --host NAME`: the host's vars (nothing printed: none).
fn host_vars(path: &Path, host: &str, timeout: Duration) -> Result<Vars, InventoryError> {
    let Some(output) = run(path, &["--host", host], timeout)? else {
        return Ok(Vars::new());
    };
    if output.stdout.trim().is_empty() {
        return Ok(Vars::new());
    }
    let root = json_document(path, &output.stdout, &format!("--host {host}"))?;
    match root.to_value(&|_| Err("unexpected vault value".to_owned())) {
        Ok(Value::Object(map)) => Ok(map.into_iter().collect()),
        _ => Err(InventoryError::Script {
            path: path.to_path_buf(),
            message: format!("`--host {host}` printed JSON that is not an object of vars"),
            stderr: String::new(),
        }),
    }
}

/// The script's output as a JSON tree (with lines), or an error naming the run.
fn json_document(path: &Path, text: &str, args: &str) -> Result<Node, InventoryError> {
    let fail = |message: String| InventoryError::Script {
        path: path.to_path_buf(),
        message,
        stderr: String::new(),
    };
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|error| {
        fail(format!(
            "`{args}` printed something that is not JSON ({error})"
        ))
    })?;
    yaml_value::parse_json(text).map_err(|problem| {
        fail(format!(
            "`{args}` output, line {}: {}",
            problem.line, problem.message
        ))
    })
}

/// Reading one script's `--list` output.
struct Reader<'a> {
    source: &'a str,
    offset: usize,
}

impl Reader<'_> {
    fn problem(&self, line: usize, message: &str) -> InventoryError {
        InventoryError::File {
            at: Location {
                source: self.source.to_owned(),
                line,
            },
            message: message.to_owned(),
        }
    }

    /// A JSON object of vars.
    fn vars(&self, node: &Node, what: &str, line: usize) -> Result<Vars, InventoryError> {
        match node.to_value(&|_| Err("unexpected vault value".to_owned())) {
            Ok(Value::Object(map)) => Ok(map.into_iter().collect()),
            _ => Err(self.problem(line, &format!("`{what}` must be an object of vars"))),
        }
    }

    /// Group `name` from its entry; adds its hosts' names to `hosts` (once each).
    fn group(
        &self,
        draft: &mut Draft,
        key: &Node,
        name: &str,
        data: &Node,
        hosts: &mut Hosts,
    ) -> Result<(), InventoryError> {
        let error = |draft: &Draft, line: usize, text: &str, problem| {
            draft.error(self.offset + line, text, problem)
        };
        let index = draft
            .add_group(name, self.offset + key.line)
            .map_err(|problem| error(draft, key.line, name, problem))?;
        let sections = |wanted: &str| {
            data.as_map()
                .and_then(|m| {
                    m.iter()
                        .find(|(k, _)| k.scalar_text().as_deref() == Some(wanted))
                })
                .map(|(_, v)| v)
        };
        let well_formed = data.as_map().is_some()
            && ["hosts", "vars", "children"]
                .iter()
                .any(|s| sections(s).is_some());
        let (host_list, vars) = match &data.kind {
            Kind::Map(_) if well_formed => (sections("hosts"), sections("vars")),
            // A group that is just its vars is its own sole host (Ansible's old form).
            Kind::Map(_) => {
                let vars = self.vars(data, name, data.line)?;
                self.join(draft, index, name, key.line, hosts)?;
                for (var, value) in vars {
                    draft
                        .set_group_var(index, &var, value)
                        .map_err(|problem| error(draft, key.line, name, problem))?;
                }
                return Ok(());
            }
            _ => (Some(data), None),
        };
        if let Some(list) = host_list {
            let Kind::Seq(items) = &list.kind else {
                return Err(self.problem(
                    list.line,
                    &format!("the hosts of group `{name}` must be a list of host names"),
                ));
            };
            for item in items {
                let Kind::Scalar(Value::String(host)) = &item.kind else {
                    return Err(self.problem(
                        item.line,
                        &format!("the hosts of group `{name}` must be strings"),
                    ));
                };
                self.join(draft, index, host, item.line, hosts)?;
            }
        }
        if let Some(vars) = vars {
            for (var, value) in self.vars(vars, &format!("{name}.vars"), vars.line)? {
                draft
                    .set_group_var(index, &var, value)
                    .map_err(|problem| error(draft, vars.line, name, problem))?;
            }
        }
        if let Some(children) = sections("children") {
            let names: Vec<&Node> = match &children.kind {
                Kind::Seq(items) => items.iter().collect(),
                Kind::Map(entries) => entries.iter().map(|(k, _)| k).collect(),
                _ => {
                    return Err(self.problem(
                        children.line,
                        &format!("the children of group `{name}` must be a list of group names"),
                    ));
                }
            };
            for child in names {
                let child_name = child.scalar_text().unwrap_or_default();
                let child_index = draft
                    .add_group(&child_name, self.offset + child.line)
                    .map_err(|problem| error(draft, child.line, &child_name, problem))?;
                draft
                    .add_child(index, child_index, self.offset + child.line)
                    .map_err(|problem| error(draft, child.line, &child_name, problem))?;
            }
        }
        Ok(())
    }

    /// Puts host `host` in group `index`, noting it once in `hosts`.
    fn join(
        &self,
        draft: &mut Draft,
        index: usize,
        host: &str,
        line: usize,
        hosts: &mut Hosts,
    ) -> Result<(), InventoryError> {
        draft
            .add_host(host, &Vars::new(), self.offset + line, Some(index))
            .map_err(|problem| draft.error(self.offset + line, host, problem))?;
        if hosts.seen.insert(host.to_owned()) {
            hosts.order.push(host.to_owned());
        }
        Ok(())
    }
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
