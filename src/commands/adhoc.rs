//! `herd run` / `batch_run` and `herd scp` / `batch_scp`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::CommandError;
use super::setup::{
    execute_and_report_saving, executor_options, known_hosts, note_added_keys, select_targets,
};
use crate::cli::args::{
    ConnectionArgs, OutputArgs, OutputFormat, RunArgs, ScpAction, ScpArgs, TargetArgs,
};
use crate::executor::{self, Privilege, Task};
use crate::interrupt::Interrupt;
use crate::report::{OutDir, OutputMode};
use crate::spool::Spool;

/// Runs a command on every target.
pub fn run(args: RunArgs) -> Result<i32, CommandError> {
    let command = match (args.cmd, args.command_words.is_empty()) {
        (Some(cmd), _) => cmd,
        (None, false) => args.command_words.join(" "),
        (None, true) => {
            return Err(CommandError::Usage(
                "no command given: use --cmd \"COMMAND\" (or -cmd, or words after --)".into(),
            ));
        }
    };
    if command.trim().is_empty() {
        return Err(CommandError::Usage("the command is empty".into()));
    }
    let stdin = if args.stdin {
        Some(Spool::start(std::io::stdin()).map_err(|error| {
            CommandError::Usage(format!("--stdin: cannot spool standard input: {error}"))
        })?)
    } else {
        None
    };
    let privilege = (args.become_ || args.become_user.is_some()).then_some(Privilege {
        user: args.become_user,
    });
    execute(
        &args.targets,
        &args.connection,
        &args.output,
        args.outdir.as_deref(),
        Task::Run {
            command,
            stdin,
            privilege,
        },
    )
}

/// Copies files to or from every target.
pub fn scp(args: ScpArgs) -> Result<i32, CommandError> {
    let task = match args.action {
        ScpAction::Put => {
            if let Err(error) = std::fs::metadata(&args.local) {
                return Err(CommandError::LocalPath {
                    path: args.local,
                    reason: format!("{error}; nothing was sent"),
                });
            }
            Task::Put {
                local: args.local,
                remote: args.remote,
            }
        }
        ScpAction::Get => {
            if args.local.exists() && !args.local.is_dir() {
                return Err(CommandError::LocalPath {
                    path: args.local,
                    reason: "is not a directory; get needs a directory to hold one folder per host"
                        .into(),
                });
            }
            Task::Get {
                remote: args.remote,
                local_dir: args.local,
            }
        }
    };
    execute(&args.targets, &args.connection, &args.output, None, task)
}

/// Selects targets, runs the task on them and reports live; returns the exit code.
fn execute(
    target_args: &TargetArgs,
    connection: &ConnectionArgs,
    output: &OutputArgs,
    outdir: Option<&Path>,
    task: Task,
) -> Result<i32, CommandError> {
    let becomes = matches!(
        task,
        Task::Run {
            privilege: Some(_),
            ..
        }
    );
    let targets = select_targets(target_args, connection, becomes)?;
    let outdir = outdir.map(output_dir).transpose()?;
    let cancel = Arc::new(AtomicBool::new(false));
    let options = executor_options(connection, &targets, Arc::clone(&cancel))?;
    let known_hosts = known_hosts(connection)?;
    let interrupt = Interrupt::install(cancel);
    let mode = match (output.gather, output.output) {
        (_, OutputFormat::Json) => OutputMode::Json,
        (true, OutputFormat::Text) => OutputMode::Gather,
        (false, OutputFormat::Text) => OutputMode::Live,
    };
    let summary = execute_and_report_saving(mode, outdir, |events| {
        executor::run_adhoc(&targets, &task, &options, &known_hosts, events);
    })?;
    note_added_keys(&known_hosts);
    Ok(interrupt.exit_code(&summary))
}

/// `--outdir DIR`, made if missing before anything connects; host names become file
/// names the way `get` names its per-host folders.
fn output_dir(dir: &Path) -> Result<OutDir, CommandError> {
    std::fs::create_dir_all(dir).map_err(|error| CommandError::LocalPath {
        path: dir.to_path_buf(),
        reason: format!("cannot make the --outdir folder: {error}; nothing ran"),
    })?;
    Ok(OutDir::new(dir, executor::host_dir_name))
}
