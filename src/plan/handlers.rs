//! A play's handlers in the plan: each planned like a step (after all the play's
//! steps, so it may read any result they register), with the steps that notify it.

use super::model::PlannedStep;
use crate::playbook::{Play, Step};
use serde::Serialize;

/// One handler of a play, for each of the play's hosts.
///
/// It runs after the play's steps (per `serial` batch), once on each host still in the
/// run where a step in [`notified_by`](Self::notified_by) reported changed, in the
/// order the handlers are written. `--tags` do not leave handlers out (as in Ansible):
/// a notifying step that ran was selected.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedHandler {
    /// The handler as a step; its `number` follows the steps' (the first handler of a
    /// play with 4 steps is number 5), so events tell handlers and steps apart.
    #[serde(flatten)]
    pub step: PlannedStep,
    /// The topics it answers to besides its name.
    pub listen: Vec<String>,
    /// The 1-based numbers of the play's steps whose `notify` names it (or one of its
    /// topics), in order.
    pub notified_by: Vec<usize>,
}

/// The 1-based numbers of the steps of `play` that notify `handler`.
pub(super) fn notified_by(play: &Play, handler: &Step) -> Vec<usize> {
    let answers =
        |name: &String| handler.name.as_ref() == Some(name) || handler.listen.contains(name);
    play.steps
        .iter()
        .enumerate()
        .filter(|(_, step)| step.notify.iter().any(answers))
        .map(|(index, _)| index + 1)
        .collect()
}

impl super::PlannedPlay {
    /// The step at `index` of the play's run order: its steps, then its handlers
    /// (index `steps.len()` is the first handler).
    pub fn step_at(&self, index: usize) -> Option<&PlannedStep> {
        match index.checked_sub(self.steps.len()) {
            None => self.steps.get(index),
            Some(handler) => self.handlers.get(handler).map(|h| &h.step),
        }
    }

    /// For step index `step`, the indices (into [`handlers`](Self::handlers)) of the
    /// handlers it notifies.
    pub fn notified(&self, step: usize) -> impl Iterator<Item = usize> + '_ {
        let number = step + 1;
        self.handlers
            .iter()
            .enumerate()
            .filter(move |(_, handler)| handler.notified_by.contains(&number))
            .map(|(index, _)| index)
    }
}
