//! What a playbook run is given ([`PlayOptions`]) and what every part of it shares
//! ([`Run`]): hosts, options, host keys, where events go.

use std::sync::atomic::Ordering;

use crate::event::Event;
use crate::executor::ExecutorOptions;
use crate::ssh::KnownHosts;

use super::hosts::RunHosts;

/// How a playbook runs.
#[derive(Debug, Clone)]
pub struct PlayOptions {
    /// Forks, connection settings, the default command timeout and the cancel flag.
    pub executor: ExecutorOptions,
    /// `--check`: look, change nothing. Commands do not run (unless their step says
    /// `check_mode: false`); `put` and `get` only compare checksums.
    pub check: bool,
    /// `--diff`: each `put` that changes (or would change) a file first sends a
    /// [`Event::FileDiff`] of the remote file against the new content.
    pub diff: bool,
    /// `--max-sessions`: most SSH sessions held between steps; `None`: the default
    /// budget (see `hosts::session_limit`).
    pub max_sessions: Option<usize>,
}

/// What every part of a playbook run shares.
pub(super) struct Run<'a> {
    /// The hosts, their sessions and their fates.
    pub(super) hosts: RunHosts<'a>,
    /// How to run.
    pub(super) options: &'a PlayOptions,
    /// Host keys to check sessions against.
    pub(super) known_hosts: &'a KnownHosts,
    /// The playbook as the user named it, for `site.yml:20` in events.
    pub(super) source: String,
    /// Where events go.
    pub(super) send: &'a (dyn Fn(Event) + Sync),
}

impl Run<'_> {
    /// Whether the run was asked to stop.
    pub(super) fn cancelled(&self) -> bool {
        self.options.executor.cancel.load(Ordering::SeqCst)
    }
}
