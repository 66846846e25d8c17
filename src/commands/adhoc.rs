//! `herd run` / `batch_run` and `herd scp` / `batch_scp`.

use std::io;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::thread;

use super::CommandError;
use super::setup::{executor_options, known_hosts, select_targets};
use crate::cli::args::{
    ConnectionArgs, OutputArgs, OutputFormat, RunArgs, ScpAction, ScpArgs, TargetArgs,
};
use crate::executor::{self, Task};
use crate::report::{self, OutputMode, ReportOptions};

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
    execute(
        &args.targets,
        &args.connection,
        &args.output,
        Task::Run { command },
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
    execute(&args.targets, &args.connection, &args.output, task)
}

/// Selects targets, runs the task on them and reports live; returns the exit code.
fn execute(
    target_args: &TargetArgs,
    connection: &ConnectionArgs,
    output: &OutputArgs,
    task: Task,
) -> Result<i32, CommandError> {
    let targets = select_targets(target_args)?;
    let cancel = Arc::new(AtomicBool::new(false));
    let options = executor_options(connection, &targets, cancel)?;
    let known_hosts = known_hosts(connection)?;
    let mode = match (output.gather, output.output) {
        (_, OutputFormat::Json) => OutputMode::Json,
        (true, OutputFormat::Text) => OutputMode::Gather,
        (false, OutputFormat::Text) => OutputMode::Live,
    };
    let (sender, receiver) = crossbeam_channel::bounded(1024);
    let summary = thread::scope(|scope| {
        scope.spawn(move || executor::run_adhoc(&targets, &task, &options, &known_hosts, &sender));
        report::report_events(
            receiver,
            ReportOptions::detect(mode),
            io::stdout(),
            io::stderr(),
        )
    })?;
    Ok(summary.exit_code())
}
