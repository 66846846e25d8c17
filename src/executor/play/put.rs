//! `put` steps, idempotent: the remote file's SHA-256 and mode are compared with what
//! the plan wants, and the file is sent (atomically, by the transport) only when its
//! content differs; a mode that differs is set with `chmod`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::plan::PutContent;
use crate::playbook::Mode;
use crate::report::format_bytes;
use crate::ssh::Transport;

use super::outcome::{Done, Io};
use super::remote::{self, RemoteFile};

/// One `put`, as planned for the host.
pub(super) struct Put<'a> {
    /// The local source file.
    pub(super) src: &'a Path,
    /// What is sent: the file, or its rendering for the host.
    pub(super) content: &'a PutContent,
    /// The remote path (a directory, or ending in `/`: into it).
    pub(super) dest: &'a str,
    /// Permission bits wanted on the host.
    pub(super) mode: Option<Mode>,
    /// `src` and `dest` with secrets masked, for messages.
    pub(super) shown: (&'a str, &'a str),
}

/// Does the `put` on the host, or under `check` says what it would do.
pub(super) fn put(transport: &mut dyn Transport, io: &Io<'_>, put: &Put<'_>, check: bool) -> Done {
    try_put(transport, io, put, check).unwrap_or_else(Done::failed)
}

fn try_put(
    transport: &mut dyn Transport,
    io: &Io<'_>,
    put: &Put<'_>,
    check: bool,
) -> Result<Done, String> {
    let (mut target, mut shown_dest) = (put.dest.to_owned(), put.shown.1.to_owned());
    let mut state = if put.dest.ends_with('/') {
        RemoteFile::Directory
    } else {
        inspect(transport, io, &target, &shown_dest)?
    };
    if state == RemoteFile::Directory {
        let name = put
            .src
            .file_name()
            .and_then(|name| name.to_str())
            .ok_or_else(|| format!("{} has no file name to put into {shown_dest}", put.shown.0))?;
        target = into(&target, name);
        shown_dest = into(&shown_dest, name);
        state = inspect(transport, io, &target, &shown_dest)?;
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
    let same_mode = put.mode.is_none_or(|mode| {
        current
            .as_ref()
            .is_some_and(|file| file.mode == Some(mode.bits()))
    });
    let what = format!("put {} -> {shown_dest}", put.shown.0);
    let mode_text = put
        .mode
        .map(|mode| format!("mode {mode}"))
        .unwrap_or_default();
    let (would, done) = match (same_content, same_mode) {
        (true, true) => return Ok(Done::success(false, format!("{what}: unchanged"))),
        (true, false) => (
            format!("would set {mode_text} on {shown_dest}"),
            format!("{mode_text} set on {shown_dest}"),
        ),
        (false, _) => (
            format!("would {what} ({})", format_bytes(size)),
            format!("{what} ({})", format_bytes(size)),
        ),
    };
    if check {
        return Ok(Done::success(true, would));
    }
    if !same_content {
        send(transport, put, &target).map_err(|error| format!("{what}: {error}"))?;
    }
    if let Some(mode) = put.mode {
        remote::chmod(transport, io, &target, mode)
            .map_err(|error| format!("{shown_dest}: {error}"))?;
    }
    Ok(Done::success(true, done))
}

/// What is at `path`, with the shown path in errors.
fn inspect(
    transport: &mut dyn Transport,
    io: &Io<'_>,
    path: &str,
    shown: &str,
) -> Result<RemoteFile, String> {
    remote::file_state(transport, io, path).map_err(|error| format!("{shown}: {error}"))
}

/// `dir/name`, whether or not `dir` ends in `/`.
fn into(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Sends the content to `target` (a file path) through the transport, which writes a
/// temporary file beside it and renames it into place.
fn send(transport: &mut dyn Transport, put: &Put<'_>, target: &str) -> Result<(), String> {
    match put.content {
        PutContent::File { .. } => transport
            .put(put.src, target, &mut |_| {})
            .map_err(|error| error.to_string()),
        PutContent::Template { text, .. } => {
            let rendered = rendered_file(put.src, text)
                .map_err(|error| format!("cannot write the rendered template locally: {error}"))?;
            transport
                .put(rendered.path(), target, &mut |_| {})
                .map_err(|error| error.to_string())
        }
    }
}

/// A private local temporary file holding `text`, with the template file's mode (which
/// the transport copies to the host).
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
