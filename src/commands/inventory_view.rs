//! `herd inventory --list | --graph | --host NAME`.

use super::CommandError;
use super::setup::load_inventory;
use crate::cli::args::InventoryArgs;
use crate::inventory::show;
use crate::report;

/// Prints the requested view of the inventory.
pub fn show(args: InventoryArgs) -> Result<i32, CommandError> {
    let inventory = load_inventory(args.inventory.as_deref())?;
    let text = if let Some(name) = &args.host {
        show::host_vars_json(&inventory, name).ok_or_else(|| {
            CommandError::Usage(format!("no host `{name}` in {}", inventory.source()))
        })?
    } else if args.graph {
        show::graph(&inventory)
    } else {
        show::list_json(&inventory)
    };
    report::print_document(&text)?;
    Ok(0)
}
