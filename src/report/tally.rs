//! Every host seen so far, in target order, and how each ended.

use std::collections::HashMap;
use std::time::Duration;

use crate::event::{HostName, Outcome};

use super::summary::RunSummary;

/// How many hosts are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Finished ok.
    pub(crate) ok: usize,
    /// Finished failed.
    pub(crate) failed: usize,
    /// Finished unreachable.
    pub(crate) unreachable: usize,
    /// Every host seen.
    pub(crate) total: usize,
}

impl Counts {
    /// Hosts that finished, whatever the outcome.
    pub(crate) fn done(self) -> usize {
        self.ok + self.failed + self.unreachable
    }
}

/// Hosts in target order (the `RunStarted` order, then any host first seen later) with
/// their outcome once finished. Counts are kept as outcomes arrive, so reading them is
/// cheap on every event.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    order: Vec<HostName>,
    index: HashMap<HostName, usize>,
    outcomes: Vec<Option<Outcome>>,
    counts: Counts,
}

impl Tally {
    /// The position of `host` in target order, adding it at the end if new.
    pub(crate) fn add(&mut self, host: &HostName) -> usize {
        if let Some(&index) = self.index.get(host) {
            return index;
        }
        let index = self.order.len();
        self.order.push(host.clone());
        self.index.insert(host.clone(), index);
        self.outcomes.push(None);
        self.counts.total += 1;
        index
    }

    /// Records how `host` ended and returns its position. A second outcome for the same
    /// host replaces the first.
    pub(crate) fn finish(&mut self, host: &HostName, outcome: &Outcome) -> usize {
        let index = self.add(host);
        if let Some(slot) = self.outcomes.get_mut(index) {
            if let Some(previous) = slot.replace(outcome.clone()) {
                *count_of(&mut self.counts, &previous) -= 1;
            }
            *count_of(&mut self.counts, outcome) += 1;
        }
        index
    }

    /// The hosts, in target order.
    pub(crate) fn hosts(&self) -> &[HostName] {
        &self.order
    }

    /// Every host in target order with its outcome, `None` while not finished.
    pub(crate) fn outcomes(&self) -> impl Iterator<Item = (&HostName, Option<&Outcome>)> {
        self.order
            .iter()
            .zip(self.outcomes.iter().map(Option::as_ref))
    }

    /// How many hosts are in each state.
    pub(crate) fn counts(&self) -> Counts {
        self.counts
    }

    /// The run's end state, after `elapsed` of wall time.
    pub(crate) fn summary(&self, elapsed: Duration) -> RunSummary {
        let mut summary = RunSummary {
            ok: Vec::new(),
            failed: Vec::new(),
            unreachable: Vec::new(),
            not_run: Vec::new(),
            elapsed,
        };
        for (host, outcome) in self.outcomes() {
            let host = host.clone();
            match outcome {
                None => summary.not_run.push(host),
                Some(Outcome::Ok) => summary.ok.push(host),
                Some(failed @ Outcome::Failed { .. }) => {
                    summary.failed.push((host, failed.clone()))
                }
                Some(unreachable @ Outcome::Unreachable { .. }) => {
                    summary.unreachable.push((host, unreachable.clone()))
                }
            }
        }
        summary
    }
}

fn count_of<'a>(counts: &'a mut Counts, outcome: &Outcome) -> &'a mut usize {
    match outcome {
        Outcome::Ok => &mut counts.ok,
        Outcome::Failed { .. } => &mut counts.failed,
        Outcome::Unreachable { .. } => &mut counts.unreachable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str) -> HostName {
        HostName::from(name)
    }

    fn failed(code: i32) -> Outcome {
        Outcome::Failed {
            exit_code: Some(code),
            message: format!("exit status {code}"),
        }
    }

    #[test]
    fn keeps_first_seen_order_and_counts() {
        let mut tally = Tally::default();
        assert_eq!(tally.add(&host("b")), 0);
        assert_eq!(tally.add(&host("a")), 1);
        assert_eq!(tally.add(&host("b")), 0);
        tally.finish(&host("a"), &Outcome::Ok);
        tally.finish(&host("c"), &failed(2));
        assert_eq!(tally.hosts(), &[host("b"), host("a"), host("c")]);
        let counts = tally.counts();
        assert_eq!((counts.ok, counts.failed, counts.total), (1, 1, 3));
        assert_eq!(counts.done(), 2);
    }

    #[test]
    fn a_repeated_outcome_replaces_the_first() {
        let mut tally = Tally::default();
        tally.finish(&host("a"), &failed(1));
        tally.finish(&host("a"), &Outcome::Ok);
        let counts = tally.counts();
        assert_eq!((counts.ok, counts.failed, counts.done()), (1, 0, 1));
        let summary = tally.summary(Duration::ZERO);
        assert_eq!(summary.ok, vec![host("a")]);
        assert!(summary.failed.is_empty());
    }
}
