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
pub(super) fn vars_cost<'a>(vars: impl IntoIterator<Item = (&'a String, &'a String)>) -> usize {
    vars.into_iter()
        .map(|(key, value)| entry_cost(key.len().saturating_add(value.len())))
        .fold(0, usize::saturating_add)
}

/// What is left of one limit.
#[derive(Debug)]
pub(super) struct Budget {
    left: usize,
    exceeded: Problem,
}

impl Budget {
    /// The [`MAX_HOST_DATA`] budget.
    pub(super) fn host_data() -> Budget {
        Budget {
            left: MAX_HOST_DATA,
            exceeded: Problem::TooMuchHostData,
        }
    }

    /// The [`MAX_GROUP_STEPS`] budget.
    pub(super) fn group_steps() -> Budget {
        Budget {
            left: MAX_GROUP_STEPS,
            exceeded: Problem::TooComplexNesting,
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
        let mut budget = Budget::group_steps();
        budget.spend(MAX_GROUP_STEPS - 1).unwrap();
        budget.spend(1).unwrap();
        assert_eq!(budget.spend(1), Err(Problem::TooComplexNesting));
        let mut budget = Budget::host_data();
        assert_eq!(budget.spend(usize::MAX), Err(Problem::TooMuchHostData));
    }

    #[test]
    fn costs_count_text_and_overhead_without_overflowing() {
        let vars = [("k".to_owned(), "vv".to_owned())];
        assert_eq!(vars_cost(vars.iter().map(|(k, v)| (k, v))), ENTRY_COST + 3);
        assert_eq!(entry_cost(usize::MAX), usize::MAX);
    }
}
