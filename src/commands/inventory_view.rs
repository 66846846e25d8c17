//! `herd inventory --list | --graph | --host NAME`.

use super::CommandError;
use super::setup::{env_var, load_inventory};
use super::vault::vault;
use crate::cli::args::InventoryArgs;
use crate::inventory::{SshSettings, show};
use crate::report;

/// Prints the requested view of the inventory.
pub fn show(args: InventoryArgs) -> Result<i32, CommandError> {
    let inventory = load_inventory(
        args.inventory.as_deref(),
        args.playbook_dir.as_deref(),
        &vault(&args.vault)?,
    )?;
    let text = if let Some(name) = &args.host {
        let host = inventory.host(name).ok_or_else(|| {
            CommandError::Usage(format!("no host `{name}` in {}", inventory.source()))
        })?;
        let ssh = SshSettings::load(args.ssh_config.as_deref(), &env_var)
            .map_err(|error| CommandError::SshConfig(error.to_string()))?;
        let reach = inventory.reach(host, &env_var, &ssh)?;
        show::host_json(host, &reach)
    } else if args.graph {
        show::graph(&inventory)
    } else {
        show::list_json(&inventory, args.export)
    };
    report::print_document(&text)?;
    Ok(0)
}
