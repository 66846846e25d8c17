//! What a run came to, and the process exit code that follows from it.

use std::time::Duration;

use crate::event::{HostName, Outcome};

/// Exit code: every targeted host finished ok.
pub const EXIT_OK: i32 = 0;
/// Exit code: bad usage or input, nothing ran. Decided by the caller, never by a summary.
pub const EXIT_USAGE: i32 = 1;
/// Exit code: at least one host failed (non-zero exit, timeout, failed transfer).
pub const EXIT_FAILED: i32 = 2;
/// Exit code: no host failed, but at least one was unreachable or never finished.
pub const EXIT_UNREACHABLE: i32 = 4;
/// Exit code: the run was interrupted (Ctrl-C). Decided by the caller, never by a summary.
pub const EXIT_INTERRUPTED: i32 = 130;

/// The end state of every targeted host, each list in target order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Hosts that finished with [`Outcome::Ok`].
    pub ok: Vec<HostName>,
    /// Hosts that finished with [`Outcome::Failed`], with that outcome.
    pub failed: Vec<(HostName, Outcome)>,
    /// Hosts that finished with [`Outcome::Unreachable`], with that outcome.
    pub unreachable: Vec<(HostName, Outcome)>,
    /// Hosts that never finished, e.g. because the run was interrupted.
    pub not_run: Vec<HostName>,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

impl RunSummary {
    /// How many hosts were targeted.
    pub fn total(&self) -> usize {
        self.ok.len() + self.failed.len() + self.unreachable.len() + self.not_run.len()
    }

    /// [`EXIT_FAILED`] if any host failed; otherwise [`EXIT_UNREACHABLE`] if any host
    /// was unreachable or not run; otherwise [`EXIT_OK`]. The caller overrides this with
    /// [`EXIT_INTERRUPTED`] when the run was interrupted.
    pub fn exit_code(&self) -> i32 {
        if !self.failed.is_empty() {
            EXIT_FAILED
        } else if !self.unreachable.is_empty() || !self.not_run.is_empty() {
            EXIT_UNREACHABLE
        } else {
            EXIT_OK
        }
    }

    /// Failed and unreachable hosts, in target order (not-run hosts are in
    /// [`RunSummary::not_run`]): what a retry file would list.
    pub fn failed_or_unreachable(&self) -> Vec<HostName> {
        let mut hosts: Vec<HostName> = self.failed.iter().map(|(host, _)| host.clone()).collect();
        hosts.extend(self.unreachable.iter().map(|(host, _)| host.clone()));
        hosts
    }
}
