//! A set of an inventory's hosts, by position, so results come out in inventory order.

use crate::inventory::{Host, Inventory};

/// Hosts of one inventory, one flag per host in [`Inventory::hosts`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostSet(Vec<bool>);

impl HostSet {
    /// No host of `inventory`.
    pub(crate) fn none(inventory: &Inventory) -> HostSet {
        HostSet(vec![false; inventory.hosts().len()])
    }

    /// Every host of `inventory`.
    pub(crate) fn every(inventory: &Inventory) -> HostSet {
        HostSet(vec![true; inventory.hosts().len()])
    }

    /// The hosts of `inventory` for which `keep` is true.
    pub(crate) fn filter(inventory: &Inventory, keep: impl Fn(&Host) -> bool) -> HostSet {
        HostSet(inventory.hosts().iter().map(keep).collect())
    }

    /// Adds the host at `position`.
    pub(crate) fn insert(&mut self, position: usize) {
        if let Some(flag) = self.0.get_mut(position) {
            *flag = true;
        }
    }

    /// True if no host is in the set.
    pub(crate) fn is_empty(&self) -> bool {
        !self.0.contains(&true)
    }

    /// Adds every host of `other`.
    pub(crate) fn union(&mut self, other: &HostSet) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= b);
    }

    /// Keeps only hosts also in `other`.
    pub(crate) fn intersect(&mut self, other: &HostSet) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= b);
    }

    /// Removes every host of `other`.
    pub(crate) fn subtract(&mut self, other: &HostSet) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= !b);
    }

    /// The hosts in the set, in inventory order.
    pub(crate) fn hosts<'a>(&self, inventory: &'a Inventory) -> Vec<&'a Host> {
        inventory
            .hosts()
            .iter()
            .zip(&self.0)
            .filter_map(|(host, &chosen)| chosen.then_some(host))
            .collect()
    }
}
