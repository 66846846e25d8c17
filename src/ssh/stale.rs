//! Temp files left behind by puts whose connection died.
//!
//! A put writes `.NAME.herd-XXXXXX` and renames it into place, and removes it on every
//! error it can still act on. When the link itself dies (the host reboots, the network
//! drops, herd is killed), the temp file stays. The next put into that directory
//! removes such leftovers: files with a herd temp name whose modification time is more
//! than [`STALE_AFTER`] before that of the temp file the put just created there (both by
//! the server's clock, so clock skew between the hosts does not matter).
//!
//! A live transfer writes to its temp file at least every couple of minutes (each SFTP
//! call is bounded by the transfer's call timeout), so it is never taken for a leftover;
//! and were it, its final rename would fail and that put would say so: a partial file
//! is never installed under the final name.
//!
//! Each remote directory is listed at most once per put, and not at all when the put
//! created it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::names::is_temp_name;
use super::sftp::Remote;

/// How much older than a fresh temp file a herd temp file must be to be a leftover.
pub(super) const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// The directories of one put already cleaned (or created by it).
#[derive(Debug, Default)]
pub(super) struct Sweeper {
    done: HashSet<PathBuf>,
}

impl Sweeper {
    /// Notes that the put created `dir`: there is nothing to clean in it.
    pub(super) fn created(&mut self, dir: &Path) {
        self.done.insert(dir.to_path_buf());
    }

    /// The first time for `dir`: removes the leftovers in it, given `now`, the server's
    /// modification time of a temp file just created in `dir`. Best effort: a listing
    /// or removal that fails is skipped.
    pub(super) fn sweep(&mut self, remote: &Remote<'_>, dir: &Path, now: u64) {
        if !self.done.insert(dir.to_path_buf()) {
            return;
        }
        let Ok(entries) = remote.sftp.readdir(dir) else {
            return;
        };
        let stale_before = now.saturating_sub(STALE_AFTER.as_secs());
        for (path, stat) in entries {
            let is_leftover = stat.is_file()
                && path.file_name().is_some_and(is_temp_name)
                && stat.mtime.is_some_and(|mtime| mtime < stale_before);
            if is_leftover {
                let _ = remote.sftp.unlink(&path);
            }
        }
    }
}
