//! `get` steps, idempotent: a remote file whose SHA-256 matches the local copy is not
//! fetched again. Under `become` the file is looked at and read as the become user
//! (`staged`); that copies one regular file, not a directory.

use std::fs;
use std::path::Path;

use crate::executor::privilege::Shell;
use crate::plan::sha256_file;
use crate::report::format_bytes;
use crate::ssh::Transport;

use super::outcome::{Done, Io};
use super::remote::{self, RemoteFile};
use super::staged;

/// Fetches `src` to the local path `dest` (its parent directories made as needed), or
/// under `check` says what it would do. `shown` is `(src, dest)` with secrets masked.
/// The file is read through `shell`: as the login user, or through `sudo`.
pub(super) fn get(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    (src, dest): (&str, &Path),
    shown: (&str, &str),
    check: bool,
) -> Done {
    try_get(transport, shell, io, (src, dest), shown, check).unwrap_or_else(Done::failed)
}

fn try_get(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    (src, dest): (&str, &Path),
    (shown_src, shown_dest): (&str, &str),
    check: bool,
) -> Result<Done, String> {
    let state = remote::file_state(transport, shell, io, src)
        .map_err(|error| format!("{shown_src}: {error}"))?;
    let what = format!("get {shown_src} -> {shown_dest}");
    let size = match state {
        RemoteFile::Absent => return Err(format!("{shown_src} does not exist on the host")),
        RemoteFile::Other => {
            return Err(format!("{shown_src} is not a regular file or a directory"));
        }
        RemoteFile::Directory if shell.become_ => {
            return Err(format!(
                "{shown_src} is a directory; with `become`, get copies one regular file \
                 (get each file, or drop `become` if the login user can read them)"
            ));
        }
        RemoteFile::Directory => "a directory".to_owned(),
        RemoteFile::File(file) => {
            let local = sha256_file(dest).ok().map(|(_, digest)| digest);
            if file.sha256.is_some() && local == file.sha256 {
                return Ok(Done::success(false, format!("{what}: unchanged")));
            }
            file.size
                .map_or_else(|| "size unknown".to_owned(), format_bytes)
        }
    };
    if check {
        return Ok(Done::success(true, format!("would {what} ({size})")));
    }
    let bytes =
        fetch(transport, shell, io, src, dest).map_err(|error| format!("{what}: {error}"))?;
    Ok(Done::success(
        true,
        format!("{what} ({})", format_bytes(bytes)),
    ))
}

/// Copies `src` into `dest`'s directory, as `dest`; returns the bytes copied.
fn fetch(
    transport: &mut dyn Transport,
    shell: &Shell<'_>,
    io: &Io<'_>,
    src: &str,
    dest: &Path,
) -> Result<u64, String> {
    let dir = dest
        .parent()
        .ok_or_else(|| "the local destination has no directory".to_owned())?;
    fs::create_dir_all(dir).map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
    if shell.become_ {
        let name = dest
            .file_name()
            .and_then(|name| name.to_str())
            .ok_or_else(|| "the local destination has no file name".to_owned())?;
        return staged::get(transport, shell, io, src, (dir, name));
    }
    let mut bytes = 0;
    transport
        .get(src, dir, &mut |file| bytes += file.bytes)
        .map_err(|error| error.to_string())?;
    Ok(bytes)
}
