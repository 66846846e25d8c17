//! The subcommands: each turns parsed arguments into a run and returns an exit code.
//!
//! Errors a user caused before anything ran come back as [`CommandError`] (exit 1);
//! what happened on hosts comes back as the reporter's summary.

mod adhoc;
mod docs;
mod error;
mod inventory_view;
mod play;
mod play_hosts;
mod recap;
mod schema;
mod setup;
mod vault;

pub use error::CommandError;

use crate::cli::args::{Cli, Command};

/// Runs one parsed command line; returns the process exit code.
pub fn dispatch(cli: Cli) -> Result<i32, CommandError> {
    match cli.command {
        Command::Run(args) => adhoc::run(args),
        Command::Scp(args) => adhoc::scp(args),
        Command::Inventory(args) => inventory_view::show(args),
        Command::Play(args) => play::play(args),
        Command::Recap(args) => recap::recap(args),
        Command::Schema => schema::print(),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { dir } => docs::man(dir.as_deref()),
    }
}
