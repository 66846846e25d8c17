//! What `herd play` adds to a run's report: play and step headings, a status line per
//! host and step, and Ansible's PLAY RECAP of step counts per host.

mod live;
mod recap;

pub(crate) use live::{
    write_aborted, write_item, write_play, write_retry, write_status, write_step,
};
pub(crate) use recap::write_play_recap;

use serde::Serialize;

use crate::event::StepStatus;

/// One host's steps by how they ended, counted as Ansible counts them: `ok` is every
/// step that did not fail or skip (so it includes `changed`), and a failure that
/// `ignore_errors` lets pass counts as `ok` and `ignored`, not as `failed`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct StepCounts {
    /// Steps that succeeded, changed or not.
    pub(crate) ok: usize,
    /// Steps that changed something.
    pub(crate) changed: usize,
    /// Steps that found the host unreachable.
    pub(crate) unreachable: usize,
    /// Steps that failed and stopped the host.
    pub(crate) failed: usize,
    /// Steps that did not run.
    pub(crate) skipped: usize,
    /// Failures that `ignore_errors` let pass.
    pub(crate) ignored: usize,
}

/// The step counts of every host, by the host's position in target order. Empty until
/// the first `StepFinished`: a run without steps (ad-hoc) has no PLAY RECAP.
#[derive(Debug, Default)]
pub(crate) struct StepTally {
    counts: Vec<StepCounts>,
}

impl StepTally {
    /// Counts a step of the host at `index` that ended with `status`.
    pub(crate) fn record(&mut self, index: usize, status: StepStatus, ignored: bool) {
        if self.counts.len() <= index {
            self.counts.resize(index + 1, StepCounts::default());
        }
        let counts = &mut self.counts[index];
        match status {
            StepStatus::Ok => counts.ok += 1,
            StepStatus::Changed => {
                counts.ok += 1;
                counts.changed += 1;
            }
            StepStatus::Failed if ignored => {
                counts.ok += 1;
                counts.ignored += 1;
            }
            StepStatus::Failed => counts.failed += 1,
            StepStatus::Skipped => counts.skipped += 1,
            StepStatus::Unreachable => counts.unreachable += 1,
        }
    }

    /// Sets the counts of the host at `index` (`herd recap` merging runs).
    pub(crate) fn set(&mut self, index: usize, counts: StepCounts) {
        if self.counts.len() <= index {
            self.counts.resize(index + 1, StepCounts::default());
        }
        self.counts[index] = counts;
    }

    /// Whether any step was counted.
    pub(crate) fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The counts of the host at `index` (all zero for a host that ran no step).
    pub(crate) fn of(&self, index: usize) -> StepCounts {
        self.counts.get(index).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_as_ansible_does() {
        let mut tally = StepTally::default();
        assert!(tally.is_empty());
        tally.record(1, StepStatus::Changed, false);
        tally.record(1, StepStatus::Ok, false);
        tally.record(1, StepStatus::Failed, true);
        tally.record(1, StepStatus::Skipped, false);
        tally.record(1, StepStatus::Failed, false);
        let counts = tally.of(1);
        assert_eq!(
            counts,
            StepCounts {
                ok: 3,
                changed: 1,
                unreachable: 0,
                failed: 1,
                skipped: 1,
                ignored: 1,
            }
        );
        assert_eq!(tally.of(0), StepCounts::default());
        assert_eq!(tally.of(9), StepCounts::default());
    }
}
