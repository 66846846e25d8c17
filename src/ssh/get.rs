//! Copying remote files and directory trees from the host over SFTP.
//!
//! Nothing is written outside the local directory: the copy's name is the remote
//! path's last segment, every name a remote directory lists must be a single safe
//! segment (else the copy stops with [`OperationError::UnsafeName`]), and existing
//! local directories are entered only if they are real directories, not symlinks.
//! Remote directories are descended with `lstat` semantics: a symlink to a regular
//! file is copied as a file (its content), a symlink to anything else and special
//! files are skipped. Only the path given on the command line is followed if it is a
//! symlink, as the user named it. Each file is written to a local temp name
//! (`.NAME.herd-XXXXXX`, created exclusively, mode 0600), given the remote mode and
//! renamed into place; a broken transfer removes the temp file, and the temp files a
//! killed herd left are removed by a later get into the same directory
//! ([`super::stale`]).

use std::ffi::OsString;
use std::fs::{self, DirBuilder, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::Instant;

use ssh2::{ErrorCode, FileStat};

use super::FileTransferred;
use super::error::OperationError;
use super::names::{NO_FETCH_NAME, fetch_name, is_safe_segment, temp_name};
use super::sftp::{CHUNK, MODE_BITS, Remote, local_error, remote_path};
use super::stale::Sweeper;

/// What one get carries from file to file.
struct Fetch<'f> {
    buffer: Vec<u8>,
    leftovers: Sweeper,
    on_file: &'f mut dyn FnMut(FileTransferred),
}

/// Copies `source` into `local_dir` as `local_dir/<basename>`.
pub(super) fn get(
    remote: &mut Remote<'_>,
    source: &str,
    local_dir: &Path,
    on_file: &mut dyn FnMut(FileTransferred),
) -> Result<(), OperationError> {
    let directory = fs::metadata(local_dir).map_err(|error| local_error(local_dir, &error))?;
    if !directory.is_dir() {
        return Err(OperationError::Local {
            path: local_dir.to_path_buf(),
            reason: "is not a directory".into(),
        });
    }
    let path = remote_path(source);
    let Some(name) = fetch_name(&path) else {
        return Err(remote.problem(&path, NO_FETCH_NAME));
    };
    let stat = remote
        .sftp()?
        .stat(&path)
        .map_err(|error| remote.error(&path, &error))?;
    let mut fetch = Fetch {
        buffer: Vec::new(),
        leftovers: Sweeper::default(),
        on_file,
    };
    let destination = local_dir.join(name);
    if stat.is_dir() {
        get_dir(remote, &path, &stat, &destination, &mut fetch)
    } else if stat.is_file() {
        get_file(remote, &path, &stat, &destination, &mut fetch)
    } else {
        Err(remote.problem(&path, "is not a regular file or a directory"))
    }
}

fn get_dir(
    remote: &mut Remote<'_>,
    source: &Path,
    stat: &FileStat,
    destination: &Path,
    fetch: &mut Fetch<'_>,
) -> Result<(), OperationError> {
    match fs::symlink_metadata(destination) {
        // A copy made earlier may be read-only: open it up for the owner until filled.
        Ok(existing) if existing.is_dir() => {
            let _ = fs::set_permissions(destination, Permissions::from_mode(mode(stat) | 0o700));
        }
        Ok(_) => {
            return Err(OperationError::Local {
                path: destination.to_path_buf(),
                reason: "exists and is not a directory".into(),
            });
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => DirBuilder::new()
            .mode(0o700)
            .create(destination)
            .map_err(|error| local_error(destination, &error))?,
        Err(error) => return Err(local_error(destination, &error)),
    }
    for (name, entry) in list(remote, source)? {
        let from = source.join(&name);
        let to = destination.join(&name);
        if entry.is_dir() {
            get_dir(remote, &from, &entry, &to, fetch)?;
        } else if entry.is_file() {
            get_file(remote, &from, &entry, &to, fetch)?;
        } else if entry.file_type().is_symlink() {
            if let Ok(target) = remote.sftp()?.stat(&from) {
                if target.is_file() {
                    get_file(remote, &from, &target, &to, fetch)?;
                }
            }
        }
    }
    fs::set_permissions(destination, Permissions::from_mode(mode(stat)))
        .map_err(|error| local_error(destination, &error))
}

/// The entries of a remote directory (without `.` and `..`), sorted by name, each
/// checked to be a safe path segment.
fn list(
    remote: &Remote<'_>,
    directory: &Path,
) -> Result<Vec<(OsString, FileStat)>, OperationError> {
    let mut handle = remote
        .sftp()?
        .opendir(directory)
        .map_err(|error| remote.error(directory, &error))?;
    let mut entries = Vec::new();
    loop {
        match handle.readdir() {
            Ok((name, stat)) => {
                let name = name.into_os_string();
                if name == "." || name == ".." {
                    continue;
                }
                if !is_safe_segment(&name) {
                    return Err(OperationError::UnsafeName {
                        location: remote.location(directory),
                        name: name.to_string_lossy().into_owned(),
                    });
                }
                entries.push((name, stat));
            }
            // How the ssh2 crate reports the end of the listing.
            Err(error) if error.code() == ErrorCode::Session(libssh2_sys::LIBSSH2_ERROR_FILE) => {
                break;
            }
            Err(error) => return Err(remote.error(directory, &error)),
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

fn get_file(
    remote: &mut Remote<'_>,
    source: &Path,
    stat: &FileStat,
    destination: &Path,
    fetch: &mut Fetch<'_>,
) -> Result<(), OperationError> {
    let started = Instant::now();
    let Some(name) = destination.file_name() else {
        return Err(local_error(
            destination,
            &io::Error::from(io::ErrorKind::InvalidInput),
        ));
    };
    let temp = destination.with_file_name(temp_name(name));
    let mut output = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .map_err(|error| local_error(&temp, &error))?;
    if let (Some(dir), Ok(now)) = (temp.parent(), output.metadata().and_then(|m| m.modified())) {
        fetch.leftovers.sweep_local(dir, now);
    }
    let buffer = &mut fetch.buffer;
    let copied = (|| {
        let mut input = remote
            .sftp()?
            .open(source)
            .map_err(|error| remote.error(source, &error))?;
        buffer.resize(CHUNK, 0);
        let mut total = 0u64;
        loop {
            remote.check_cancel()?;
            let count = input
                .read(buffer)
                .map_err(|error| remote.io_error(source, &error))?;
            if count == 0 {
                break;
            }
            output
                .write_all(&buffer[..count])
                .map_err(|error| local_error(&temp, &error))?;
            total += count as u64;
        }
        output
            .set_permissions(Permissions::from_mode(mode(stat)))
            .map_err(|error| local_error(&temp, &error))?;
        drop(output);
        fs::rename(&temp, destination).map_err(|error| local_error(destination, &error))?;
        Ok(total)
    })();
    land(copied, &temp, source, destination, started, fetch.on_file)
}

/// Ends a copy to a local temp file: on success it was renamed to `destination` and
/// `on_file` hears of it; on failure the temp file is removed.
pub(super) fn land(
    copied: Result<u64, OperationError>,
    temp: &Path,
    source: &Path,
    destination: &Path,
    started: Instant,
    on_file: &mut dyn FnMut(FileTransferred),
) -> Result<(), OperationError> {
    match copied {
        Ok(bytes) => {
            on_file(FileTransferred {
                source: source.display().to_string(),
                destination: destination.display().to_string(),
                bytes,
                elapsed: started.elapsed(),
            });
            Ok(())
        }
        Err(error) => {
            let _ = fs::remove_file(temp);
            Err(error)
        }
    }
}

/// The permission bits of a remote stat (0644 if the server sent none).
fn mode(stat: &FileStat) -> u32 {
    stat.perm.map_or(0o644, |perm| perm & MODE_BITS)
}
