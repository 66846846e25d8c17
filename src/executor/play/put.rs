//! `put` steps, idempotent: the remote file's SHA-256, mode, owner and group are
//! compared with what the plan wants, and the file is sent (atomically) only when its
//! content differs; attributes that differ are set with `chmod`/`chown`/`chgrp`. Under
//! `become` the file is looked at, and moved into place, as the become user (`staged`).
//! Under `--diff`, a change first sends a [`FileDiff`] of the remote file against the
//! new content.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::diff::{self, Change, FileDiff, MAX_DIFF_BYTES};
use crate::event::Event;
use crate::executor::privilege::Shell;
use crate::plan::PutContent;
use crate::report::format_bytes;
use crate::secret::MASK;
use crate::ssh::Transport;

use super::outcome::{Done, Io};
use super::remote::{self, Attributes, FileState, RemoteFile};
use super::staged;

/// One `put`, as planned for the host.
pub(super) struct Put<'a> {
    /// The local source file.
    pub(super) src: &'a Path,
    /// What is sent: the file, or its rendering for the host.
    pub(super) content: &'a PutContent,
    /// The remote path (a directory, or ending in `/`: into it).
    pub(super) dest: &'a str,
    /// Mode, owner and group wanted on the host.
    pub(super) attributes: Attributes<'a>,
    /// `src` and `dest` with secrets masked, for messages.
    pub(super) shown: (&'a str, &'a str),
    /// A template holding a secret: its rendering with secrets masked (for `--diff`).
    pub(super) masked_text: Option<&'a str>,
    /// `--diff`: the step's number, for the [`Event::FileDiff`] a change sends.
    pub(super) diff: Option<usize>,
}

impl<'a> Put<'a> {
    /// The masked rendering in `shown` (the shown content of a put), when the real one
    /// holds a secret.
    pub(super) fn masked(shown: &'a PutContent) -> Option<&'a str> {
        match shown {
            PutContent::Template { text, sha256, .. } if sha256 == MASK => Some(text),
            _ => None,
        }
    }
}

/// Does the `put` on the host through `shell` (the login user, or `sudo` for
/// `become`), or under `check` says what it would do.
pub(super) fn put(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    put: &Put<'_>,
    check: bool,
) -> Done {
    try_put(transport, shell, io, put, check).unwrap_or_else(Done::failed)
}

fn try_put(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    put: &Put<'_>,
    check: bool,
) -> Result<Done, String> {
    let (mut target, mut shown_dest) = (put.dest.to_owned(), put.shown.1.to_owned());
    let inspect = |transport: &mut dyn Transport, path: &str, shown: &str| {
        remote::file_state(transport, shell, io, path).map_err(|error| format!("{shown}: {error}"))
    };
    let mut state = if put.dest.ends_with('/') {
        RemoteFile::Directory
    } else {
        inspect(transport, &target, &shown_dest)?
    };
    if state == RemoteFile::Directory {
        let name = put
            .src
            .file_name()
            .and_then(|name| name.to_str())
            .ok_or_else(|| format!("{} has no file name to put into {shown_dest}", put.shown.0))?;
        target = into(&target, name);
        shown_dest = into(&shown_dest, name);
        state = inspect(transport, &target, &shown_dest)?;
    }
    let current = match state {
        RemoteFile::Absent => None,
        RemoteFile::File(file) => Some(file),
        RemoteFile::Directory | RemoteFile::Other => {
            return Err(format!("{shown_dest} exists and is not a regular file"));
        }
    };
    let (size, sha256) = match put.content {
        PutContent::File { size, sha256 } | PutContent::Template { size, sha256, .. } => {
            (*size, sha256)
        }
    };
    let same_content = current
        .as_ref()
        .is_some_and(|file| file.sha256.as_ref() == Some(sha256));
    let same_attributes = current
        .as_ref()
        .is_some_and(|file| put.attributes.held_by(file));
    let what = format!("put {} -> {shown_dest}", put.shown.0);
    let attributes = put.attributes.describe();
    let (would, done) = match (same_content, same_attributes) {
        (true, true) => return Ok(Done::success(false, format!("{what}: unchanged"))),
        (true, false) => (
            format!("would set {attributes} on {shown_dest}"),
            format!("{attributes} set on {shown_dest}"),
        ),
        (false, _) => (
            format!("would {what} ({})", format_bytes(size)),
            format!("{what} ({})", format_bytes(size)),
        ),
    };
    if let (Some(number), false) = (put.diff, same_content) {
        let diff = FileDiff {
            path: shown_dest.clone(),
            change: change(transport, shell, io, put, (&target, current.as_ref())),
        };
        (io.send)(Event::FileDiff {
            host: io.host.clone(),
            number,
            diff,
        });
    }
    if check {
        return Ok(Done::success(true, would));
    }
    let fail = |error: String| format!("{what}: {error}");
    if same_content {
        remote::set_attributes(transport, shell, io, &target, &put.attributes)
            .map_err(|error| format!("{shown_dest}: {error}"))?;
    } else if shell.become_ {
        let local = Local::of(put).map_err(fail)?;
        let file = staged::Install {
            local: local.path(),
            sha256,
            attributes: Attributes {
                mode: put.attributes.mode.or_else(|| local.mode()),
                ..put.attributes
            },
        };
        staged::put(transport, shell, io, &file, &target).map_err(fail)?;
    } else {
        let local = Local::of(put).map_err(fail)?;
        transport
            .put(local.path(), &target, &mut |_| {})
            .map_err(|error| fail(error.to_string()))?;
        if !put.attributes.describe().is_empty() {
            remote::set_attributes(transport, shell, io, &target, &put.attributes)
                .map_err(|error| format!("{shown_dest}: {error}"))?;
        }
    }
    Ok(Done::success(true, done))
}

/// How the put changes the remote file `target` (`current`, when it exists), read as
/// `shell`'s user; a file that cannot be read gets no diff, and says why.
fn change(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    put: &Put<'_>,
    (target, current): (&str, Option<&FileState>),
) -> Change {
    let too_large = Change::TooLarge {
        limit: MAX_DIFF_BYTES,
    };
    let max = MAX_DIFF_BYTES as usize;
    let new = match put.content {
        PutContent::Template { text, .. } => std::borrow::Cow::Borrowed(text.as_bytes()),
        PutContent::File { size, .. } if *size > MAX_DIFF_BYTES => return too_large,
        PutContent::File { .. } => match fs::read(put.src) {
            Ok(bytes) => std::borrow::Cow::Owned(bytes),
            Err(error) => {
                return Change::Hidden {
                    reason: format!("cannot read the local file: {error}"),
                };
            }
        },
    };
    let old = match current {
        None => None,
        Some(file) if file.size.is_some_and(|size| size > MAX_DIFF_BYTES) => return too_large,
        Some(_) => match remote::read(transport, shell, io, target, max + 1) {
            Ok(bytes) => Some(bytes),
            Err(error) => {
                return Change::Hidden {
                    reason: format!("cannot read the remote file: {error}"),
                };
            }
        },
    };
    diff::compare(old.as_deref(), &new, put.masked_text)
}

/// `dir/name`, whether or not `dir` ends in `/`.
fn into(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The local file whose bytes are sent: the source itself, or the template's rendering
/// in a private temporary file with the template's mode (which the transport copies to
/// the host).
enum Local<'a> {
    Source(&'a Path),
    Rendered(tempfile::NamedTempFile),
}

impl<'a> Local<'a> {
    fn of(put: &Put<'a>) -> Result<Local<'a>, String> {
        match put.content {
            PutContent::File { .. } => Ok(Local::Source(put.src)),
            PutContent::Template { text, .. } => rendered_file(put.src, text)
                .map(Local::Rendered)
                .map_err(|error| format!("cannot write the rendered template locally: {error}")),
        }
    }

    fn path(&self) -> &Path {
        match self {
            Local::Source(path) => path,
            Local::Rendered(file) => file.path(),
        }
    }

    /// The local file's permission bits, which a new remote file gets without `mode:`.
    fn mode(&self) -> Option<crate::playbook::Mode> {
        let bits = fs::metadata(self.path()).ok()?.permissions().mode() & 0o7777;
        crate::playbook::Mode::parse(&format!("{bits:o}"))
    }
}

/// A private local temporary file holding `text`, with the template file's mode.
fn rendered_file(template: &Path, text: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix(".herd-template-")
        .tempfile()?;
    file.write_all(text.as_bytes())?;
    file.flush()?;
    let mode = fs::metadata(template).map_or(0o644, |meta| meta.permissions().mode() & 0o7777);
    file.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))?;
    Ok(file)
}
