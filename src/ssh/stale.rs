//! Temp files left behind by transfers whose connection died or whose herd was killed.
//!
//! A put writes `.NAME.herd-XXXXXX` on the host and renames it into place; a get does the
//! same locally. Both remove the temp file on every error they can still act on. When
//! the link itself dies (the host reboots, the network drops) or herd is killed, the
//! temp file stays. The next transfer into that directory removes such leftovers: files
//! with a herd temp name whose modification time is more than [`STALE_AFTER`] before
//! that of the temp file the transfer just created there (both by the same clock: the
//! server's for a put, this machine's for a get, so clock skew does not matter).
//!
//! A live transfer writes to its temp file at least every couple of minutes (each SFTP
//! call is bounded by the transfer's call timeout), so it is never taken for a leftover;
//! and were it, its final rename would fail and that transfer would say so: a partial
//! file is never installed under the final name.
//!
//! Each directory is listed at most once per transfer, and not at all when the put
//! created it.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::names::is_temp_name;
use super::sftp::Remote;

/// How much older than a fresh temp file a herd temp file must be to be a leftover.
pub(super) const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// The directories of one transfer already cleaned (or created by it).
#[derive(Debug, Default)]
pub(super) struct Sweeper {
    done: HashSet<PathBuf>,
}

impl Sweeper {
    /// Notes that the put created `dir`: there is nothing to clean in it.
    pub(super) fn created(&mut self, dir: &Path) {
        self.done.insert(dir.to_path_buf());
    }

    /// The first time for the remote `dir`: removes the leftovers in it, given `now`,
    /// the server's modification time of a temp file just created in `dir`. Best
    /// effort: a listing or removal that fails is skipped.
    pub(super) fn sweep(&mut self, remote: &Remote<'_>, dir: &Path, now: u64) {
        if !self.first_visit(dir) {
            return;
        }
        let Ok(sftp) = remote.sftp() else {
            return;
        };
        let Ok(entries) = sftp.readdir(dir) else {
            return;
        };
        for (path, stat) in entries {
            if is_leftover(&path, stat.is_file(), stat.mtime, now) {
                let _ = sftp.unlink(&path);
            }
        }
    }

    /// The first time for the local `dir`: removes the leftovers in it, given `now`, the
    /// modification time of a temp file just created in `dir`. Best effort, like
    /// [`Sweeper::sweep`].
    pub(super) fn sweep_local(&mut self, dir: &Path, now: SystemTime) {
        if !self.first_visit(dir) {
            return;
        }
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let now = unix_seconds(now);
        for entry in entries.flatten() {
            // Not following symlinks: a link is never taken for a leftover.
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            let mtime = metadata.modified().ok().map(unix_seconds);
            let path = entry.path();
            if is_leftover(&path, metadata.is_file(), mtime, now) {
                let _ = fs::remove_file(&path);
            }
        }
    }

    /// True the first time `dir` is seen (created or swept) by this transfer.
    fn first_visit(&mut self, dir: &Path) -> bool {
        self.done.insert(dir.to_path_buf())
    }
}

/// Whether `path` is a herd temp file last written more than [`STALE_AFTER`] before `now`
/// (seconds since the epoch, by the clock that gave `mtime`).
fn is_leftover(path: &Path, is_file: bool, mtime: Option<u64>, now: u64) -> bool {
    let stale_before = now.saturating_sub(STALE_AFTER.as_secs());
    is_file
        && path.file_name().is_some_and(is_temp_name)
        && mtime.is_some_and(|mtime| mtime < stale_before)
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_old_herd_temp_files_are_leftovers() {
        let now = 1_000_000;
        let old = Some(now - STALE_AFTER.as_secs() - 1);
        let recent = Some(now - 60);
        let temp = Path::new("/d/.app.conf.herd-AbC123");
        assert!(is_leftover(temp, true, old, now));
        assert!(!is_leftover(temp, true, recent, now), "a live transfer");
        assert!(!is_leftover(temp, false, old, now), "not a regular file");
        assert!(!is_leftover(temp, true, None, now), "no time known");
        assert!(!is_leftover(Path::new("/d/app.conf"), true, old, now));
        assert!(!is_leftover(
            Path::new("/d/.app.conf.herd-x"),
            true,
            old,
            now
        ));
    }

    #[test]
    fn a_local_sweep_removes_old_temp_files_once_per_directory() {
        let dir = std::env::temp_dir().join(format!("herd-sweep-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let old = dir.join(".big.bin.herd-DEAD01");
        let live = dir.join(".big.bin.herd-LIVE01");
        let mine = dir.join("big.bin");
        for path in [&old, &live, &mine] {
            fs::write(path, "x").unwrap();
        }
        let long_ago = SystemTime::now() - 2 * STALE_AFTER;
        for path in [&old, &mine] {
            fs::File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(long_ago)
                .unwrap();
        }
        let mut sweeper = Sweeper::default();
        sweeper.sweep_local(&dir, SystemTime::now());
        assert!(!old.exists());
        assert!(live.exists() && mine.exists());
        // A second look at the same directory does not list it again.
        fs::write(&old, "x").unwrap();
        fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        sweeper.sweep_local(&dir, SystemTime::now());
        assert!(old.exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
