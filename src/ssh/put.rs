//! Copying local files and directory trees to the host over SFTP.
//!
//! Each file is written to `.NAME.herd-XXXXXX` (created exclusively, mode 0600) in its
//! destination directory, given its mode, then renamed over the final name; on any
//! error the temp file is removed (leftovers of a connection that died are removed by a
//! later put into the same directory: see `stale`). Directories are created 0700, filled, then given
//! their own mode (so a read-only directory can still be filled). Local symlinks to
//! regular files are copied as files; symlinks to anything else, and special files
//! (sockets, FIFOs, devices), are skipped.

use std::ffi::OsString;
use std::fs::{self, File, Metadata};
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ssh2::{FileStat, OpenFlags, OpenType};

use super::FileTransferred;
use super::error::OperationError;
use super::names::temp_name;
use super::sftp::{CHUNK, MODE_BITS, Remote, local_error, remote_path};
use super::stale::Sweeper;

/// Copies `local` to `destination` (into it when it ends in '/' or is a directory).
pub(super) fn put(
    remote: &mut Remote<'_>,
    local: &Path,
    destination: &str,
    on_file: &mut dyn FnMut(FileTransferred),
) -> Result<(), OperationError> {
    let metadata = fs::metadata(local).map_err(|error| local_error(local, &error))?;
    let target = remote_path(destination);
    if destination.ends_with('/') {
        create_missing_dirs(remote, &target)?;
    }
    let into =
        destination.ends_with('/') || remote.sftp()?.stat(&target).is_ok_and(|stat| stat.is_dir());
    let target = if into {
        target.join(name_in_directory(local)?)
    } else {
        target
    };
    let mut copy = Copy {
        buffer: Vec::new(),
        sweeper: Sweeper::default(),
        on_file,
    };
    if metadata.is_dir() {
        put_dir(remote, local, &metadata, &target, &mut copy)
    } else if metadata.is_file() {
        put_file(remote, local, &metadata, &target, &mut copy)
    } else {
        Err(OperationError::Local {
            path: local.to_path_buf(),
            reason: "is not a regular file or a directory".into(),
        })
    }
}

/// The name `local` gets when copied into a directory: the name as given (a symlink
/// keeps its own name); `.` or `..` name the directory they resolve to.
pub(super) fn name_in_directory(local: &Path) -> Result<OsString, OperationError> {
    let name = match local.file_name() {
        Some(name) => Some(name.to_owned()),
        None => fs::canonicalize(local)
            .map_err(|error| local_error(local, &error))?
            .file_name()
            .map(ToOwned::to_owned),
    };
    name.ok_or_else(|| OperationError::Local {
        path: local.to_path_buf(),
        reason: "has no name to copy into a directory; name the remote destination".into(),
    })
}

/// What a directory copy takes from the local directory `local`, by name: its regular
/// files and its directories, each with its metadata and name. A symlink is followed to
/// a file, never to a directory (no loops, nothing outside the tree); a dangling one is
/// skipped like any other non-file.
pub(super) fn entries_to_copy(
    local: &Path,
) -> Result<Vec<(PathBuf, Metadata, OsString)>, OperationError> {
    let mut entries = fs::read_dir(local)
        .and_then(|entries| entries.collect::<Result<Vec<_>, _>>())
        .map_err(|error| local_error(local, &error))?;
    entries.sort_by_key(|entry| entry.file_name());
    let mut wanted = Vec::with_capacity(entries.len());
    for entry in entries {
        let path = entry.path();
        let link = entry
            .file_type()
            .map_err(|error| local_error(&path, &error))?;
        let Ok(followed) = fs::metadata(&path) else {
            continue;
        };
        if followed.is_file() || (followed.is_dir() && !link.is_symlink()) {
            wanted.push((path, followed, entry.file_name()));
        }
    }
    Ok(wanted)
}

/// Creates `dir` and any missing parents (like `mkdir -p`), with the remote umask's
/// default mode: a destination written as `DIR/` means "into DIR", wherever DIR is.
fn create_missing_dirs(remote: &mut Remote<'_>, dir: &Path) -> Result<(), OperationError> {
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|ancestor| {
            !ancestor.as_os_str().is_empty()
                && remote.sftp().is_ok_and(|sftp| sftp.stat(ancestor).is_err())
        })
        .collect();
    for ancestor in missing.into_iter().rev() {
        remote
            .sftp()?
            .mkdir(ancestor, 0o777)
            .map_err(|error| remote.error(ancestor, &error))?;
    }
    Ok(())
}

/// What every file of one put shares.
struct Copy<'f> {
    /// The chunk buffer, allocated once.
    buffer: Vec<u8>,
    /// Which directories were cleaned of leftovers already.
    sweeper: Sweeper,
    /// Told about each file copied.
    on_file: &'f mut dyn FnMut(FileTransferred),
}

fn put_dir(
    remote: &mut Remote<'_>,
    local: &Path,
    metadata: &Metadata,
    target: &Path,
    copy: &mut Copy<'_>,
) -> Result<(), OperationError> {
    let mode = metadata.permissions().mode() & MODE_BITS;
    match remote.sftp()?.lstat(target) {
        // A copy made earlier may be read-only: open it up for the owner until filled.
        Ok(stat) if stat.is_dir() => {
            let _ = remote.sftp()?.setstat(target, perm(mode | 0o700));
        }
        Ok(_) => return Err(remote.problem(target, "exists and is not a directory")),
        Err(_) => {
            remote
                .sftp()?
                .mkdir(target, 0o700)
                .map_err(|error| remote.error(target, &error))?;
            copy.sweeper.created(target);
        }
    }
    for (path, followed, name) in entries_to_copy(local)? {
        let child = target.join(name);
        if followed.is_file() {
            put_file(remote, &path, &followed, &child, copy)?;
        } else {
            put_dir(remote, &path, &followed, &child, copy)?;
        }
    }
    remote
        .sftp()?
        .setstat(target, perm(mode))
        .map_err(|error| remote.error(target, &error))
}

fn put_file(
    remote: &mut Remote<'_>,
    local: &Path,
    metadata: &Metadata,
    target: &Path,
    copy: &mut Copy<'_>,
) -> Result<(), OperationError> {
    let started = Instant::now();
    let mut source = File::open(local).map_err(|error| local_error(local, &error))?;
    let Some(name) = target.file_name() else {
        return Err(remote.problem(target, "is not a file name"));
    };
    let temp = target.with_file_name(temp_name(name));
    let mut file = remote
        .sftp()?
        .open_mode(
            &temp,
            OpenFlags::WRITE | OpenFlags::EXCLUSIVE,
            0o600,
            OpenType::File,
        )
        .map_err(|error| remote.error(target, &error))?;
    // The new temp file's time is the server's "now", against which leftovers are aged.
    if let Ok(FileStat {
        mtime: Some(now), ..
    }) = file.stat()
    {
        let dir = temp
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        copy.sweeper.sweep(remote, dir, now);
    }
    let buffer = &mut copy.buffer;
    let written = (|| {
        buffer.resize(CHUNK, 0);
        let mut total = 0u64;
        loop {
            remote.check_cancel()?;
            let count = fill(&mut source, buffer).map_err(|error| local_error(local, &error))?;
            if count == 0 {
                break;
            }
            std::io::Write::write_all(&mut file, &buffer[..count])
                .map_err(|error| remote.io_error(target, &error))?;
            total += count as u64;
        }
        let mode = perm(metadata.permissions().mode() & MODE_BITS);
        file.setstat(mode)
            .map_err(|error| remote.error(target, &error))?;
        Ok(total)
    })();
    drop(file);
    let installed = written.and_then(|total| remote.install(&temp, target).map(|()| total));
    match installed {
        Ok(bytes) => {
            (copy.on_file)(FileTransferred {
                source: local.display().to_string(),
                destination: target.display().to_string(),
                bytes,
                elapsed: started.elapsed(),
            });
            Ok(())
        }
        Err(error) => {
            if let Ok(sftp) = remote.sftp() {
                let _ = sftp.unlink(&temp);
            }
            Err(error)
        }
    }
}

/// A stat that sets only the permission bits.
fn perm(mode: u32) -> FileStat {
    FileStat {
        size: None,
        uid: None,
        gid: None,
        perm: Some(mode),
        atime: None,
        mtime: None,
    }
}

/// Reads until `buffer` is full or the file ends; returns how much was read.
fn fill(source: &mut File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match source.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(count) => filled += count,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}
