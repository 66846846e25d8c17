//! The command line: argv normalisation, clap types and the entry point every binary calls.

pub mod args;
pub mod seed;

use clap::Parser;

use crate::commands;
use crate::report;
use args::{Cli, Command, RunArgs, ScpArgs};

/// Exit status for bad usage or input: nothing ran.
pub const EXIT_USAGE: i32 = 1;

/// Which binary is running: they share all code, only argv differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `herd SUBCOMMAND …`
    Herd,
    /// `batch_run …`, the same as `herd run …`.
    BatchRun,
    /// `batch_scp …`, the same as `herd scp …`.
    BatchScp,
}

/// `batch_run`: run a command on many hosts (same as `herd run`).
#[derive(Debug, Parser)]
#[command(name = "batch_run", version, disable_help_flag = true)]
struct BatchRun {
    #[command(flatten)]
    run: RunArgs,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
}

/// `batch_scp`: copy files to or from many hosts (same as `herd scp`).
#[derive(Debug, Parser)]
#[command(name = "batch_scp", version, disable_help_flag = true)]
struct BatchScp {
    #[command(flatten)]
    scp: ScpArgs,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
}

/// Parses argv (including the program name) for `flavor`, runs it, returns the exit code.
pub fn main(flavor: Flavor, argv: impl IntoIterator<Item = String>) -> i32 {
    let mut argv = argv.into_iter();
    let program = argv.next().unwrap_or_else(|| "herd".into());
    let args = std::iter::once(program).chain(seed::normalise(argv));
    let parsed = match flavor {
        Flavor::Herd => Cli::try_parse_from(args),
        Flavor::BatchRun => BatchRun::try_parse_from(args).map(|b| Cli {
            command: Command::Run(b.run),
            help: None,
        }),
        Flavor::BatchScp => BatchScp::try_parse_from(args).map(|b| Cli {
            command: Command::Scp(b.scp),
            help: None,
        }),
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_USAGE } else { 0 };
            // clap formats help, version and usage errors itself.
            let _ = error.print();
            return code;
        }
    };
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            report::error(&error.to_string());
            EXIT_USAGE
        }
    }
}
