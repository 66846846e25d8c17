//! The command line: argv normalisation, clap types and the entry point every binary calls.

mod arenas;
pub mod args;
pub mod seed;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

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
    #[arg(long, action = clap::ArgAction::Help, display_order = args::HELP_LAST)]
    help: Option<bool>,
}

/// `batch_scp`: copy files to or from many hosts (same as `herd scp`).
#[derive(Debug, Parser)]
#[command(name = "batch_scp", version, disable_help_flag = true)]
struct BatchScp {
    #[command(flatten)]
    scp: ScpArgs,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help, display_order = args::HELP_LAST)]
    help: Option<bool>,
}

/// What clap would report less clearly, as a clap error: a misspelt seed-style option
/// (`-comd`, which clap reads as `-c -o -m -d`), or `-h` with no value (it means
/// `--hosts`: help is `--help`).
fn usage_problem(flavor: Flavor, args: &[String]) -> Option<clap::Error> {
    let (mut command, subcommand, words) = match flavor {
        Flavor::Herd => (Cli::command(), true, false),
        Flavor::BatchRun => (BatchRun::command(), false, true),
        Flavor::BatchScp => (BatchScp::command(), false, false),
    };
    if subcommand {
        // Usage lines name the subcommand (`herd run [OPTIONS]`) when there is one.
        let name = args.iter().find(|arg| !arg.starts_with('-'));
        if let Some(sub) = name.and_then(|name| command.find_subcommand(name)) {
            command = sub.clone().bin_name(format!("herd {}", sub.get_name()));
        }
    }
    if let Some(typo) = seed::misspelt(args, subcommand, words) {
        let tip = match &typo.nearest {
            Some(nearest) => format!("; did you mean '{nearest}'?"),
            None => String::new(),
        };
        let message = format!("unknown option '{}'{tip}", typo.typed);
        return Some(clap::Error::raw(ErrorKind::UnknownArgument, message).format(&mut command));
    }
    let bare_hosts = args.last().is_some_and(|arg| arg == "-h")
        && !args[..args.len() - 1].iter().any(|arg| arg == "--");
    if bare_hosts {
        let message =
            "'-h' needs a value: it means '--hosts <HOSTS>' here (as in pssh); help is '--help'";
        return Some(clap::Error::raw(ErrorKind::InvalidValue, message).format(&mut command));
    }
    None
}

/// Parses argv (including the program name) for `flavor`, runs it, returns the exit code.
pub fn main(flavor: Flavor, argv: impl IntoIterator<Item = String>) -> i32 {
    arenas::limit_malloc_arenas();
    if let Err(problem) = crate::executor::raise_open_files() {
        report::warning(&problem);
    }
    let mut argv = argv.into_iter();
    let program = argv.next().unwrap_or_else(|| "herd".into());
    let rest: Vec<String> = argv.collect();
    if let Some(error) = usage_problem(flavor, &rest) {
        let _ = error.print();
        return EXIT_USAGE;
    }
    let args = std::iter::once(program).chain(seed::normalise(rest));
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
