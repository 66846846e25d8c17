//! Which handlers each host has been notified to run, during one batch of a play.
//!
//! A step that reports changed on a host notifies, on that host, the handlers its
//! `notify` names; `strategy` runs the notified handlers after the batch's steps.

use std::collections::HashSet;
use std::sync::Mutex;

use crate::event::StepStatus;
use crate::plan::PlannedPlay;

/// The (run host, handler index) pairs notified so far in a batch.
#[derive(Default)]
pub(super) struct Notified(Mutex<HashSet<(usize, usize)>>);

impl Notified {
    /// Notes how step index `step` of `play` ended on the run's host `at`: changed
    /// notifies its handlers there; anything else (ok, skipped, failed, cancelled:
    /// `None`) notifies nothing.
    pub(super) fn note(
        &self,
        play: &PlannedPlay,
        step: usize,
        at: usize,
        status: Option<StepStatus>,
    ) {
        if status != Some(StepStatus::Changed) {
            return;
        }
        let mut notified = self.0.lock().unwrap_or_else(|e| e.into_inner());
        notified.extend(play.notified(step).map(|handler| (at, handler)));
    }

    /// Whether the run's host `at` was notified to run handler index `handler`.
    pub(super) fn has(&self, at: usize, handler: usize) -> bool {
        let notified = self.0.lock().unwrap_or_else(|e| e.into_inner());
        notified.contains(&(at, handler))
    }
}
