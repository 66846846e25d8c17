//! The hosts a plan runs on, with what connecting to them and `sudo` need.

use std::collections::HashSet;

use super::CommandError;
use super::setup::Reacher;
use crate::cli::args::ConnectionArgs;
use crate::executor::HostTarget;
use crate::inventory::Inventory;
use crate::plan::Plan;

/// Every host of every play of `plan`, once, in inventory order, with its connection
/// settings and, when some step has `become: true`, its `sudo` password. A setting that
/// cannot be resolved (an unset `password_env`, …) is an error before anything connects.
pub fn play_hosts(
    inventory: &Inventory,
    plan: &Plan,
    connection: &ConnectionArgs,
) -> Result<Vec<HostTarget>, CommandError> {
    let reacher = Reacher::new(inventory, connection)?;
    let wanted: HashSet<&str> = plan
        .plays
        .iter()
        .flat_map(|play| play.hosts.iter().map(|host| &**host))
        .collect();
    let becomes = plan
        .plays
        .iter()
        .flat_map(|play| &play.steps)
        .any(|step| step.options.become_);
    let hosts = inventory
        .hosts()
        .iter()
        .filter(|host| wanted.contains(host.name.as_str()));
    reacher.targets(hosts, becomes)
}
