//! Limits on what a small inventory file may multiply out to.
//!
//! A range repeats its line's vars for every host it expands to, and `:children`
//! gives every host of a group its own copy of each ancestor's name and vars: a few
//! kilobytes of text can ask for gigabytes, or for hours of work. The parser counts
//! both as it goes and stops with an error well before either hurts:
//!
//! - host data: the hosts' names, groups and vars, as each host holds them, estimated
//!   at [`ENTRY_COST`] bytes per entry plus its text, at most [`MAX_HOST_DATA`] bytes;
//! - group steps: the set operations that work out each group's ancestors and each
//!   host's groups, at most [`MAX_GROUP_STEPS`].
//!
//! Real inventories stay below both: 100000 hosts with a dozen short groups and vars
//! each come to about three quarters of [`MAX_HOST_DATA`], and a few steps each.

use super::error::Problem;
use super::range::MAX_HOSTS;
use super::value::{self, VarValue};

/// The limits an inventory is parsed within. [`Limits::default`] is what herd uses; a
/// smaller set lets the fuzz target reach every limit's code in a fraction of the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most host entries after range expansion, counting repeats ([`MAX_HOSTS`]).
    pub max_hosts: usize,
    /// Most bytes (estimated) of the hosts' data ([`MAX_HOST_DATA`]).
    pub max_host_data: usize,
    /// Most group ancestry and membership steps ([`MAX_GROUP_STEPS`]).
    pub max_group_steps: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_hosts: MAX_HOSTS,
            max_host_data: MAX_HOST_DATA,
            max_group_steps: MAX_GROUP_STEPS,
        }
    }
}

/// Most bytes (estimated) the hosts' names, groups and merged vars may take.
pub const MAX_HOST_DATA: usize = 128 << 20;

/// Most steps working out group ancestry and host membership may take.
pub const MAX_GROUP_STEPS: usize = 5_000_000;

/// Estimated bytes an entry (a name, or a var's key and value) takes beside its text.
const ENTRY_COST: usize = 64;

/// The estimated bytes of one entry with `text_len` bytes of text.
pub(super) fn entry_cost(text_len: usize) -> usize {
    ENTRY_COST.saturating_add(text_len)
}

/// The estimated bytes of a set of vars.
pub(super) fn vars_cost<'a>(vars: impl IntoIterator<Item = (&'a String, &'a VarValue)>) -> usize {
    vars.into_iter()
        .map(|(key, value)| entry_cost(key.len().saturating_add(value::cost(value))))
        .fold(0, usize::saturating_add)
}

/// What is left of one limit.
#[derive(Debug)]
pub(super) struct Budget {
    left: usize,
    exceeded: Problem,
}

impl Budget {
    /// The host data budget ([`Limits::max_host_data`]).
    pub(super) fn host_data(limits: &Limits) -> Budget {
        let limit = limits.max_host_data;
        Budget {
            left: limit,
            exceeded: Problem::TooMuchHostData { limit },
        }
    }

    /// The group steps budget ([`Limits::max_group_steps`]).
    pub(super) fn group_steps(limits: &Limits) -> Budget {
        let limit = limits.max_group_steps;
        Budget {
            left: limit,
            exceeded: Problem::TooComplexNesting { limit },
        }
    }

    /// Takes `amount` from the budget, or says which limit it would break.
    pub(super) fn spend(&mut self, amount: usize) -> Result<(), Problem> {
        match self.left.checked_sub(amount) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(self.exceeded.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spending_stops_at_the_limit() {
        let limits = Limits::default();
        let mut budget = Budget::group_steps(&limits);
        budget.spend(MAX_GROUP_STEPS - 1).unwrap();
        budget.spend(1).unwrap();
        assert_eq!(
            budget.spend(1),
            Err(Problem::TooComplexNesting {
                limit: MAX_GROUP_STEPS
            })
        );
        let mut budget = Budget::host_data(&limits);
        assert_eq!(
            budget.spend(usize::MAX),
            Err(Problem::TooMuchHostData {
                limit: MAX_HOST_DATA
            })
        );
    }

    #[test]
    fn costs_count_text_and_overhead_without_overflowing() {
        let vars = [("k".to_owned(), serde_json::json!("vv"))];
        assert_eq!(vars_cost(vars.iter().map(|(k, v)| (k, v))), ENTRY_COST + 3);
        assert_eq!(entry_cost(usize::MAX), usize::MAX);
    }
}
